"""The day view and the week calendar: visits placed by time, a column per practitioner,
shading, the side panel without JavaScript, a move to another practitioner, constant queries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import Clinic, Closure, TimeOff
from scheduling.calendar_grid import Window, grid_rows_css, week_calendar, window_for
from scheduling.models import Appointment
from scheduling.reminders.models import Reminder
from scheduling.services import BookingConflict, appointment_reschedule

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
THURSDAY = date(2027, 3, 4)


def test_a_quarter_to_ten_starts_nine_rows_below_nine_and_45_minutes_span_nine_rows():
    window = window_for([(time(9), time(19))], [])
    assert window == Window(9 * 60, 19 * 60)
    assert window.row_of(9 * 60) == 1
    assert window.row_of(9 * 60 + 45) == 10
    assert window.span_of(9 * 60 + 45, 10 * 60 + 30) == 9


def test_the_window_grows_to_show_a_visit_outside_opening_hours():
    window = window_for([(time(9), time(19))], [(8 * 60 + 10, 8 * 60 + 55)])
    assert window.first == 8 * 60 and window.last == 19 * 60


def test_the_row_classes_file_is_the_one_the_grid_needs():
    css = Path(__file__).parents[2] / "scheduling/static/scheduling/calendar-rows.css"
    assert css.read_text() == grid_rows_css()


def test_week_blocks_are_placed_by_start_and_sized_by_length(booking_day, book, practitioner):
    book(time=time(9, 45))
    grid = week_calendar(
        practitioner=practitioner, room=None, first_day=date(2027, 3, 1), days=7,
        clinic=Clinic.load(),
    )  # fmt: skip
    monday, thursday = grid.columns[0], grid.columns[3]
    (first,), (second,) = monday.events, thursday.events
    assert (first.row, first.span) == (10, 12)  # 09:45, 60 minutes
    assert (second.row, second.span) == (10, 9)  # 09:45, 45 minutes
    assert "at-10 len-12" in first.html and "status-booked" in first.html


def test_a_visit_block_escapes_the_names_it_prints(client_as, receptionist, booking_day, book):
    course = book()
    course.patient.first_name = '<b>O\'Neil & "Co"</b>'
    course.patient.save()
    course.appointments.update(room=course.appointments.first().room)
    room = course.appointments.first().room
    room.name = "Room <2>"
    room.save()
    page = client_as(receptionist).get(
        "/calendar/", {"practitioner": course.practitioner_id, "date": THURSDAY.isoformat()}
    )
    html = page.content.decode()
    assert "&lt;b&gt;O&#x27;Neil &amp; &quot;Co&quot;&lt;/b&gt;" in html
    assert "Room &lt;2&gt;" in html
    assert "<b>O'Neil" not in html and "Room <2>" not in html


def test_the_front_desk_calendar_opens_on_the_day_and_a_practitioner_on_their_week(
    client_as, receptionist, manager, practitioner, other_practitioner
):
    assert client_as(receptionist).get("/calendar/").url == "/calendar/day/"
    assert client_as(manager).get("/calendar/").url == "/calendar/day/"
    page = client_as(practitioner.user).get("/calendar/")
    assert page.status_code == 200 and page.context["practitioner"] == practitioner


def test_the_day_view_has_a_column_per_practitioner_with_time_off_and_closures_shaded(
    client_as, receptionist, booking_day, book, other_practitioner, patient_without_consent
):
    book()
    book(patient=patient_without_consent, practitioner=other_practitioner, start_date=THURSDAY)
    TimeOff.objects.create(
        practitioner=other_practitioner,
        start=datetime(2027, 3, 4, 14, tzinfo=NY),
        end=datetime(2027, 3, 4, 16, tzinfo=NY),
        reason="dentist",
    )
    client = client_as(receptionist)
    page = client.get("/calendar/day/", {"date": THURSDAY.isoformat()})
    columns = {c.label: c for c in page.context["grid"].columns}
    assert set(columns) == {"Mei Chen", "David Okafor"}
    assert [e.patient for e in columns["Mei Chen"].events] == ["Ana Lopez"]
    assert [e.patient for e in columns["David Okafor"].events] == ["James Miller"]
    (away,) = [s for s in columns["David Okafor"].shades if s.kind == "time-off"]
    assert (away.row, away.span, away.label) == (61, 24, "Time off: dentist")
    assert "Time off: dentist" in page.content.decode()
    # No free slot under the time off or a visit.
    free = {s.label for s in columns["David Okafor"].slots}
    assert "14:00" not in free and "15:45" not in free and "16:00" in free

    Closure.objects.create(start_date=THURSDAY, end_date=THURSDAY, reason="flood")
    page = client.get("/calendar/day/", {"date": THURSDAY.isoformat()})
    assert "Clinic closed: flood" in page.content.decode()
    assert all(not c.slots for c in page.context["grid"].columns)


def test_cancelled_visits_are_faded_or_hidden_by_the_toggle(
    client_as, receptionist, booking_day, book
):
    visit = book().appointments.get(number=2)
    visit.status = Appointment.Status.CANCELLED
    visit.save()
    client = client_as(receptionist)
    shown = client.get("/calendar/day/", {"date": THURSDAY.isoformat()}).content.decode()
    assert "cal-event status-cancelled" in shown and "Hide cancelled" in shown
    hidden = client.get(
        "/calendar/day/", {"date": THURSDAY.isoformat(), "cancelled": "hide"}
    ).content.decode()
    assert "cal-event status-cancelled" not in hidden and "Show cancelled" in hidden


def test_the_visit_panel_without_javascript_offers_the_session_actions(
    client_as, receptionist, practitioner, booking_day, book
):
    visit = book().appointments.get(number=2)
    page = client_as(receptionist).get(
        "/calendar/day/", {"date": THURSDAY.isoformat(), "visit": visit.pk}
    )
    html = page.content.decode()
    assert 'class="offcanvas offcanvas-end show"' in html
    for action in ("check-in", "no-show", "move", "cancel"):
        assert f'action="/appointments/{visit.pk}/{action}/"' in html
    assert f'href="/courses/{visit.course_id}/"' in html
    # A practitioner sees the visit but no forms.
    mine = client_as(practitioner.user).get(
        "/calendar/day/", {"date": THURSDAY.isoformat(), "visit": visit.pk}
    )
    assert "/check-in/" not in mine.content.decode()


def test_the_day_view_reads_as_many_queries_with_200_visits_as_with_none(
    client_as,
    receptionist,
    booking_day,
    practitioner,
    other_practitioner,
    patient,
    patient_without_consent,
    rooms,
):
    from tests.scheduling.test_calendar_queries import fill_week

    client = client_as(receptionist)
    params = {"date": "2027-03-01"}
    with CaptureQueriesContext(connection) as empty:
        client.get("/calendar/day/", params)
    fill_week(patient, practitioner, rooms[0], 100)
    fill_week(patient_without_consent, other_practitioner, rooms[1], 100)
    with CaptureQueriesContext(connection) as full:
        response = client.get("/calendar/day/", params)
    assert response.content.decode().count("cal-event ") == 200
    assert len(full) == len(empty)


def test_a_move_to_another_practitioner_follows_their_calendar_and_moves_the_reminder(
    booking_day, book, receptionist, other_practitioner
):
    visit = book().appointments.get(number=2)
    reminder = Reminder.objects.get(appointment=visit, kind="before_visit", status="pending")
    TimeOff.objects.create(
        practitioner=other_practitioner,
        start=datetime(2027, 3, 4, 9, tzinfo=NY),
        end=datetime(2027, 3, 4, 10, 30, tzinfo=NY),
    )
    with pytest.raises(BookingConflict):
        appointment_reschedule(
            appointment=visit,
            start=datetime(2027, 3, 4, 10, tzinfo=NY),
            by=receptionist,
            practitioner=other_practitioner,
        )
    visit.refresh_from_db()
    assert visit.practitioner.name == "Mei Chen"
    assert Reminder.objects.get(pk=reminder.pk).due_at == reminder.due_at

    appointment_reschedule(
        appointment=visit,
        start=datetime(2027, 3, 4, 11, tzinfo=NY),
        by=receptionist,
        practitioner=other_practitioner,
    )
    visit.refresh_from_db()
    assert visit.practitioner == other_practitioner
    assert visit.starts_at == datetime(2027, 3, 4, 11, tzinfo=NY)
    moved = Reminder.objects.get(appointment=visit, kind="before_visit", status="pending")
    assert moved.due_at == reminder.due_at + timedelta(hours=1)


def test_a_free_slot_offers_a_make_up_for_the_practitioners_cancelled_session(
    client_as, receptionist, practitioner, booking_day, book
):
    cancelled = book().appointments.get(number=2)
    cancelled.status = Appointment.Status.CANCELLED
    cancelled.save()
    client = client_as(receptionist)
    params = {"date": "2027-03-05", "for": practitioner.pk, "slot": "2027-03-05T10:00"}
    html = client.get("/calendar/day/", params).content.decode()
    action = f"/appointments/{cancelled.pk}/makeup/"
    assert f'action="{action}"' in html and 'value="2027-03-05T10:00"' in html
    assert "time=10%3A00" in html and f"practitioner={practitioner.pk}" in html

    back = "/calendar/day/?date=2027-03-05"
    response = client.post(action, {"start": "2027-03-05T10:00", "next": back})
    assert response.url == back
    makeup = Appointment.objects.get(course=cancelled.course, number=2, status="booked")
    assert makeup.starts_at == datetime(2027, 3, 5, 10, tzinfo=NY)


def test_the_now_line_sits_on_todays_columns_only(booking_day, practitioner):
    from scheduling.calendar_grid import day_calendar

    now = datetime(2027, 2, 15, 12, 10, tzinfo=NY)
    today = day_calendar(day=date(2027, 2, 15), clinic=Clinic.load(), now=now)
    assert [c.now_row for c in today.columns] == [39]  # 12:10 is 3h10 after 09:00
    tomorrow = day_calendar(day=date(2027, 2, 16), clinic=Clinic.load(), now=now)
    assert [c.now_row for c in tomorrow.columns] == [None]
