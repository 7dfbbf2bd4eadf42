"""The receptionist's pages: preview, confirm, course actions, calendars, needs attention."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scheduling.models import Appointment, RedFlag, TreatmentCourse
from scheduling.services import course_book

NO_RED_FLAGS = {f"flag_{flag}": "no" for flag in RedFlag.values}
NEW_YORK = ZoneInfo("America/New_York")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rooms", "booking_day")]


@pytest.fixture
def form(patient, practitioner):
    return {
        "patient": patient.pk,
        "practitioner": practitioner.pk,
        "condition": "trochanteric_bursitis",
        "start_date": "2027-03-01",
        "weekdays": ["0", "3"],
        "time": "10:00",
        "sessions": "8",
        "per_week": "2",
        **NO_RED_FLAGS,
    }


def test_preview_lists_eight_sessions_and_books_nothing(client_as, receptionist, form):
    response = client_as(receptionist).post("/courses/new/", form | {"preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('name="slot-') == 8
    assert 'value="2027-03-01T10:00"' in page
    assert "Confirm booking" in page
    assert TreatmentCourse.objects.count() == 0


def test_confirming_the_preview_books_the_edited_sessions(client_as, receptionist, form):
    slots = {
        f"slot-{n}": f"2027-03-{d:02d}T10:00"
        for n, d in enumerate((1, 4, 8, 11, 15, 18, 22, 25), 1)
    }
    slots["slot-2"] = "2027-03-05T11:00"  # the receptionist moved session 2 to Friday
    response = client_as(receptionist).post("/courses/new/", form | slots | {"book": "1"})
    course = TreatmentCourse.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/courses/{course.pk}/"
    second = course.appointments.get(number=2)
    assert second.starts_at == datetime(2027, 3, 5, 11, tzinfo=NEW_YORK)


def test_a_past_start_date_is_a_form_error(client_as, receptionist, form):
    response = client_as(receptionist).post(
        "/courses/new/", form | {"start_date": "2027-01-04", "preview": "1"}
    )
    assert "The start date is in the past." in response.content.decode()
    assert TreatmentCourse.objects.count() == 0


def test_three_a_week_on_two_weekdays_is_a_form_error(client_as, receptionist, form):
    response = client_as(receptionist).post(
        "/courses/new/", form | {"per_week": "3", "preview": "1"}
    )
    assert "3 sessions per week need at least 3 weekdays; 2 chosen." in response.content.decode()


def test_a_time_outside_opening_hours_is_a_form_error(client_as, receptionist, form):
    response = client_as(receptionist).post(
        "/courses/new/", form | {"time": "20:00", "preview": "1"}
    )
    assert "outside opening hours" in response.content.decode()


def test_a_clashing_edit_is_shown_and_nothing_is_booked(
    client_as, receptionist, form, patient_without_consent, practitioner
):
    course_book(
        patient=patient_without_consent,
        practitioner=practitioner,
        start_date=date(2027, 3, 5),
        weekdays=[4],
        per_week=1,
        sessions=1,
        time=time(11),
        condition="other",
        by=receptionist,
    )
    slots = {
        f"slot-{n}": f"2027-03-{d:02d}T10:00"
        for n, d in enumerate((1, 4, 8, 11, 15, 18, 22, 25), 1)
    }
    slots["slot-2"] = "2027-03-05T11:00"
    response = client_as(receptionist).post("/courses/new/", form | slots | {"book": "1"})
    page = response.content.decode()
    assert "2027-03-05T11:00:00" not in page  # no ISO timestamps for the front desk
    # The receptionist's edit stays in the preview, with the problem in words beside it.
    assert 'name="slot-2" value="2027-03-05T11:00"' in page
    assert "<div>Fri 5 Mar, 11:00: Mei Chen is seeing another patient then</div>" in page
    assert TreatmentCourse.objects.count() == 1


def test_course_page_moves_and_cancels_sessions(client_as, receptionist, form):
    client = client_as(receptionist)
    client.post("/courses/new/", form | {"book": "1"})
    course = TreatmentCourse.objects.get()
    third = course.appointments.get(number=3)
    response = client.post(
        f"/appointments/{third.pk}/move/", {"start": "2027-03-09T15:00"}, follow=True
    )
    assert "Session 3 moved." in response.content.decode()
    third.refresh_from_db()
    assert third.starts_at == datetime(2027, 3, 9, 15, tzinfo=NEW_YORK)
    response = client.post(f"/appointments/{third.pk}/cancel/", {"reason": "Away"}, follow=True)
    assert "Session 3 cancelled." in response.content.decode()
    assert "Free make-up times" in response.content.decode()
    assert "Tue Mar 9 15:00" not in response.content.decode()  # not the slot just given up
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert "Book make-up" in page


def test_a_refused_move_is_explained_and_changes_nothing(client_as, receptionist, form):
    client = client_as(receptionist)
    client.post("/courses/new/", form | {"book": "1"})
    third = Appointment.objects.get(number=3)
    response = client.post(
        f"/appointments/{third.pk}/move/", {"start": "2027-03-05T10:00"}, follow=True
    )
    page = response.content.decode()
    # On the moved session's own row, in the clinic's words, with the typed time kept.
    row = page[page.index(f'id="move-{third.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "collapse show" in page[page.index(f'id="move-{third.pk}"') - 40 :][:60]
    assert (
        "The session was not moved. Fri 5 Mar, 10:00: that week would have more than 2 "
        "sessions of this course; less than 2 days from the session on Thu 4 Mar." in row
    )
    assert 'value="2027-03-05T10:00"' in row
    assert "2027-03-05T10:00:00" not in page
    assert Appointment.objects.get(pk=third.pk).starts_at == third.starts_at


def test_practitioners_see_the_course_without_front_desk_actions(
    client_as, receptionist, practitioner, form
):
    client_as(receptionist).post("/courses/new/", form | {"book": "1"})
    course = TreatmentCourse.objects.get()
    page = client_as(practitioner.user).get(f"/courses/{course.pk}/").content.decode()
    assert "Check in" not in page
    assert "Cancel course" not in page
    assert page.count("not started") == 8  # nothing to record before a session starts
    assert client_as(practitioner.user).get("/courses/new/").status_code == 403
    with time_machine.travel(datetime(2027, 3, 4, 10, 5, tzinfo=NEW_YORK), tick=False):
        client_as(practitioner.user)
        page = client_as(practitioner.user).get(f"/courses/{course.pk}/").content.decode()
    assert page.count("Record session") == 2  # sessions 1 and 2 have started


def test_week_calendar_shows_the_sessions_of_a_practitioner_and_a_room(
    client_as, receptionist, form, practitioner, rooms
):
    client = client_as(receptionist)
    client.post("/courses/new/", form | {"book": "1"})
    page = client.get(
        "/calendar/", {"practitioner": practitioner.pk, "date": "2027-03-01"}
    ).content.decode()
    assert page.count("Ana Lopez") == 2  # Monday and Thursday of that week
    assert "Sat Mar 6" in page and "Sun Mar 7" not in page  # the clinic never opens on Sundays
    room_page = client.get(
        "/calendar/", {"room": rooms[0].pk, "date": "2027-03-03"}
    ).content.decode()
    assert room_page.count("Ana Lopez") == 2
    day = client.get(
        "/calendar/day/", {"practitioner": practitioner.pk, "date": "2027-03-04"}
    ).content.decode()
    assert day.count("Ana Lopez") == 1


def test_needs_attention_lists_unrebooked_no_shows_and_short_courses(client_as, receptionist, form):
    client = client_as(receptionist)
    client.post("/courses/new/", form | {"book": "1"})
    course = TreatmentCourse.objects.get()
    assert "Nothing needs attention" in client.get("/attention/").content.decode()
    first = course.appointments.get(number=1)
    with time_machine.travel(datetime(2027, 3, 1, 11, tzinfo=NEW_YORK), tick=False):
        client.force_login(receptionist)  # a new working day, a new login
        client.post(f"/appointments/{first.pk}/no-show/")
        page = client.get("/attention/").content.decode()
    assert "Missed session 1 on Mon Mar 1 is not rebooked." in page
    assert "7 of 8 sessions booked." in page


def test_home_lists_todays_sessions_for_check_in(client_as, receptionist, form):
    client = client_as(receptionist)
    client.post("/courses/new/", form | {"book": "1"})
    first = Appointment.objects.get(number=1)
    with time_machine.travel(datetime(2027, 3, 1, 9, 45, tzinfo=NEW_YORK), tick=False):
        client.force_login(receptionist)
        home = client.get("/").content.decode()
        assert "Ana Lopez" in home and "10:00" in home
        response = client.post(f"/appointments/{first.pk}/check-in/", {"next": "/"})
        assert response["Location"] == "/"
        # Another site's address is refused before anything is done.
        evil = client.post(f"/appointments/{first.pk}/no-show/", {"next": "https://evil.example/"})
        assert evil.status_code == 400
    first.refresh_from_db()
    assert first.status == "checked_in"


def test_a_cancelled_session_gets_a_make_up_in_the_same_week(client_as, receptionist, form):
    client = client_as(receptionist)
    client.post("/courses/new/", form | {"book": "1"})
    third = Appointment.objects.get(number=3)  # Monday 8 March
    client.post(f"/appointments/{third.pk}/cancel/", {"reason": "Away"})
    response = client.post(
        f"/appointments/{third.pk}/makeup/", {"start": "2027-03-09T16:00"}, follow=True
    )
    assert "Make-up for session 3 booked." in response.content.decode()
    assert "Book make-up" not in response.content.decode()
    makeup = Appointment.objects.get(number=3, status="booked")
    assert makeup.starts_at == datetime(2027, 3, 9, 16, tzinfo=NEW_YORK)
    again = client.post(
        f"/appointments/{third.pk}/makeup/", {"start": "2027-03-10T16:00"}, follow=True
    )
    assert "already has a make-up booked" in again.content.decode()
    assert Appointment.objects.filter(number=3).count() == 2


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/?date=9999-12-31",
        "/calendar/day/?date=0001-01-01",
        "/calendar/?room=99999999999999999999",
        "/courses/new/?patient=²",
        "/courses/new/?patient=99999999999999999999",
    ],
)
def test_absurd_query_strings_still_show_a_page(client_as, receptionist, path):
    assert client_as(receptionist).get(path).status_code == 200


def test_absurd_preview_slots_are_a_form_error(client_as, receptionist, form):
    response = client_as(receptionist).post(
        "/courses/new/", form | {"slot-1": "9999-12-31T23:30", "slot-x": "now", "book": "1"}
    )
    assert response.status_code == 200
    assert "is not a date and time" in response.content.decode()
    assert TreatmentCourse.objects.count() == 0


def test_a_preview_that_cannot_hold_every_session_offers_no_confirm(
    client_as, receptionist, form, practitioner
):
    from clinic.models import TimeOff

    TimeOff.objects.create(
        practitioner=practitioner,
        start=datetime(2027, 3, 8, tzinfo=NEW_YORK),
        end=datetime(2027, 6, 1, tzinfo=NEW_YORK),
    )
    page = client_as(receptionist).post("/courses/new/", form | {"preview": "1"}).content.decode()
    assert "Only 2 of 8 sessions fit" in page
    assert "Confirm booking" not in page


def test_a_closure_over_booked_sessions_warns_and_lists_them_for_a_call(
    client_as, receptionist, manager, form
):
    client_as(receptionist).post("/courses/new/", form | {"book": "1"})
    response = client_as(manager).post(
        "/setup/closures/new/",
        {"start_date": "2027-03-11", "end_date": "2027-03-12", "reason": "Boiler repair"},
        follow=True,
    )
    assert "1 booked session falls in this time and must be moved: Ana Lopez Thu Mar 11 10:00" in (
        response.content.decode()
    )
    page = client_as(receptionist).get("/attention/").content.decode()
    assert "Session 4 on Thu Mar 11 falls on a closure (Boiler repair): move it." in page


def test_time_off_over_a_booked_session_is_listed_for_a_call(
    client_as, receptionist, manager, form, practitioner
):
    client_as(receptionist).post("/courses/new/", form | {"book": "1"})
    response = client_as(manager).post(
        "/setup/time-off/new/",
        {"practitioner": practitioner.pk, "start": "2027-03-15T08:00", "end": "2027-03-15T12:00"},
        follow=True,
    )
    assert "1 booked session falls in this time" in response.content.decode()
    page = client_as(receptionist).get("/attention/").content.decode()
    assert "Session 5 on Mon Mar 15 falls in Mei Chen&#x27;s time off: move it." in page


def test_enter_in_a_session_field_checks_the_edits_and_keeps_them(
    client_as, receptionist, form, clinic
):
    slots = {
        f"slot-{n}": f"2027-03-{d:02d}T10:00"
        for n, d in enumerate((1, 4, 8, 11, 15, 18, 22, 25), 1)
    }
    slots["slot-3"] = "2027-03-08T07:00"  # before the clinic opens
    # Pressing Enter submits the form's first button, "check", with what is on screen.
    response = client_as(receptionist).post("/courses/new/", form | slots | {"check": "1"})
    page = response.content.decode()
    assert 'name="slot-3" value="2027-03-08T07:00"' in page
    hours = clinic.hours_by_weekday()[0]
    opening = " and ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in hours)
    assert f"Mon 8 Mar, 07:00: outside opening hours: the clinic is open {opening} on Mondays" in (
        page
    )
    assert TreatmentCourse.objects.count() == 0


def test_checking_free_edits_says_they_can_be_booked(client_as, receptionist, form):
    slots = {
        f"slot-{n}": f"2027-03-{d:02d}T11:00"
        for n, d in enumerate((1, 4, 8, 11, 15, 18, 22, 25), 1)
    }
    response = client_as(receptionist).post("/courses/new/", form | slots | {"check": "1"})
    page = response.content.decode()
    assert "Every session shown is free" in page
    assert 'name="slot-8" value="2027-03-25T11:00"' in page
    assert TreatmentCourse.objects.count() == 0
