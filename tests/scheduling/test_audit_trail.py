"""Every read and change of courses and sessions leaves one audit entry naming who and where."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from clinic.models import AuditEntry

NEW_YORK = ZoneInfo("America/New_York")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("booking_day")]


def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("pk"))


def test_booking_through_the_api_records_the_user_and_address(
    api_as, receptionist, patient, practitioner, rooms
):
    response = api_as(receptionist).post(
        "/api/v1/courses/",
        {
            "patient": patient.pk,
            "practitioner": practitioner.pk,
            "start_date": "2027-03-01",
            "weekdays": [0, 3],
            "time": "10:00",
            "condition": "sciatica",
        },
        format="json",
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 201
    (entry,) = entries(object_type="scheduling.treatmentcourse", action="create")
    assert (entry.user, entry.patient_id, entry.ip) == (receptionist, patient.pk, "203.0.113.7")


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        ("reschedule", {"start": "2027-03-09T14:00:00-05:00"}, "rescheduled"),
        ("cancel", {"reason": "Flu"}, "cancelled"),
    ],
)
def test_changing_an_appointment_writes_one_entry(api_as, receptionist, book, path, body, detail):
    third = book().appointments.get(number=3)
    before = AuditEntry.objects.count()
    response = api_as(receptionist).post(
        f"/api/v1/appointments/{third.pk}/{path}/", body, format="json"
    )
    assert response.status_code == 200, response.data
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("pk")
    assert (entry.user, entry.action, entry.object_id, entry.detail) == (
        receptionist,
        "change",
        str(third.pk),
        detail,
    )


def test_a_refused_change_writes_nothing(api_as, receptionist, book):
    third = book().appointments.get(number=3)
    before = AuditEntry.objects.count()
    response = api_as(receptionist).post(
        f"/api/v1/appointments/{third.pk}/reschedule/",
        {"start": "2027-03-05T10:00:00-05:00"},
        format="json",
    )
    assert response.status_code == 409
    assert AuditEntry.objects.count() == before


def test_reading_a_course_or_an_appointment_is_recorded(api_as, client_as, practitioner, book):
    course = book()
    first = course.appointments.get(number=1)
    assert api_as(practitioner.user).get(f"/api/v1/courses/{course.pk}/").status_code == 200
    assert api_as(practitioner.user).get(f"/api/v1/appointments/{first.pk}/").status_code == 200
    assert client_as(practitioner.user).get(f"/courses/{course.pk}/").status_code == 200
    views = entries(action="view", user=practitioner.user)
    assert [(e.object_type, e.object_id) for e in views] == [
        ("scheduling.treatmentcourse", str(course.pk)),
        ("scheduling.appointment", str(first.pk)),
        ("scheduling.treatmentcourse", str(course.pk)),
    ]
