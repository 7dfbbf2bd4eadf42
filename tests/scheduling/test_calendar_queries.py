"""The calendars read the same number of rows whatever the week holds."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.models import Appointment, TreatmentCourse

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
MONDAY = datetime(2027, 3, 1, 9, 0, tzinfo=NY)


def fill_week(patient, practitioner, room, visits: int) -> None:
    """Give the practitioner `visits` five-minute visits from Monday 09:00, 100 a day."""
    courses = TreatmentCourse.objects.bulk_create(
        TreatmentCourse(patient=patient, practitioner=practitioner, condition="sciatica")
        for _ in range(0, visits, 8)
    )
    Appointment.objects.bulk_create(
        Appointment(
            course=courses[n // 8],
            number=n % 8 + 1,
            patient=patient,
            practitioner=practitioner,
            room=room,
            starts_at=MONDAY + timedelta(days=n // 100, minutes=5 * (n % 100)),
            ends_at=MONDAY + timedelta(days=n // 100, minutes=5 * (n % 100) + 5),
        )
        for n in range(visits)
    )


def queries_to_render(client, path: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/calendar/", "/calendar/day/"])
def test_a_calendar_with_500_visits_takes_as_many_queries_as_an_empty_one(
    path, client_as, receptionist, practitioner, patient, rooms, django_assert_num_queries
):
    client = client_as(receptionist)
    params = {"practitioner": practitioner.pk, "date": "2027-03-01"}
    empty = queries_to_render(client, path, params)
    fill_week(patient, practitioner, rooms[0], 500)
    with django_assert_num_queries(empty):
        response = client.get(path, params)
    shown = response.content.decode().count("cal-event ")
    assert shown == (500 if path == "/calendar/" else 100)
