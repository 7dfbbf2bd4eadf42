"""The manager's setup pages refuse bad input with a form error and store nothing."""

from __future__ import annotations

from clinic.models import Closure, OpeningHours


def hours_post(rows, **clinic):
    data = {
        "name": "Riverside Acupuncture",
        "phone": "212 555 0100",
        "address": "",
        "timezone": "America/New_York",
        "hours-TOTAL_FORMS": str(len(rows)),
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "7",
    }
    for n, (weekday, opens, closes) in enumerate(rows):
        data |= {
            f"hours-{n}-weekday": weekday,
            f"hours-{n}-opens": opens,
            f"hours-{n}-closes": closes,
        }
    return data | clinic


def test_opening_time_after_closing_is_a_form_error(client_as, manager):
    response = client_as(manager).post("/setup/clinic/", hours_post([(0, "18:00", "09:00")]))
    assert response.status_code == 200
    assert "Closing time must be after opening time." in response.content.decode()
    assert OpeningHours.objects.count() == 0


def test_valid_opening_hours_are_saved(client_as, manager):
    response = client_as(manager).post("/setup/clinic/", hours_post([(0, "09:00", "19:00")]))
    assert response.status_code == 302
    assert OpeningHours.objects.get().closes.hour == 19


def test_unparseable_clinic_phone_is_a_form_error(client_as, manager):
    response = client_as(manager).post("/setup/clinic/", hours_post([], phone="555-CALL-US"))
    assert "has letters in it: type the number in digits" in response.content.decode()


def test_closure_ending_before_it_starts_is_a_form_error(client_as, manager):
    response = client_as(manager).post(
        "/setup/closures/new/",
        {"start_date": "2027-07-05", "end_date": "2027-07-01", "reason": "Summer"},
    )
    assert response.status_code == 200
    assert "A closure cannot end before it starts." in response.content.decode()
    assert Closure.objects.count() == 0


def test_receptionist_cannot_open_setup(client_as, receptionist):
    assert client_as(receptionist).get("/setup/").status_code == 403


def test_navigation_shows_setup_to_managers_only(client_as, manager, receptionist):
    assert "Clinic setup" in client_as(manager).get("/").content.decode()
    assert "Clinic setup" not in client_as(receptionist).get("/").content.decode()


def test_practitioners_land_on_their_today_list(client_as, practitioner):
    response = client_as(practitioner.user).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/today/"


def test_the_manager_runs_staff_accounts_lockouts_and_authenticators_in_the_admin(
    client_as, manager
):
    manager.is_staff = True
    manager.save()
    client = client_as(manager)
    for path in (
        "/admin/auth/user/add/",
        "/admin/auth/group/",
        "/admin/axes/accessattempt/",
        "/admin/otp_totp/totpdevice/",
    ):
        assert client.get(path).status_code == 200, path


def test_a_receptionist_cannot_manage_staff_accounts(client_as, receptionist):
    receptionist.is_staff = True
    receptionist.save()
    assert client_as(receptionist).get("/admin/auth/user/add/").status_code == 403
