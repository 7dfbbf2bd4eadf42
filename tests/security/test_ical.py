"""The practitioner's iCal feed: valid iCalendar with time zones, initials only, and a secret
address that stops working when revoked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine

from clinic.ical import calendar_feed_create
from clinic.models import AuditEntry, CalendarFeed

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def feed(practitioner, booked_course):
    return calendar_feed_create(practitioner=practitioner)


def fetch(client, feed):
    with time_machine.travel(NOW, tick=False):
        return client.get(f"/ical/{feed.token}.ics")


@pytest.mark.django_db
def test_the_feed_parses_as_icalendar_with_time_zones(client, feed):
    response = fetch(client, feed)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert len(events) == 2  # session 2 was cancelled
    for event in events:
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        assert event["DTEND"].params["TZID"] == "America/New_York"
    first = events[0]
    assert first.decoded("DTSTART") == datetime(
        2027, 3, 15, 10, 0, tzinfo=ZoneInfo("America/New_York")
    )
    assert (first.decoded("DTEND") - first.decoded("DTSTART")).seconds == 45 * 60


@pytest.mark.django_db
def test_events_show_initials_and_session_number_only(client, feed):
    response = fetch(client, feed)

    calendar = icalendar.Calendar.from_ical(response.content)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == [
        "AL · session 1",
        "AL · session 3",
    ]
    body = response.content.decode()
    for secret in ("Ana", "Lopez", "sciatica", "Sciatica", "ana@example.com", "+1212"):
        assert secret not in body
    assert "DESCRIPTION" not in body


@pytest.mark.django_db
def test_the_feed_shows_only_its_own_practitioners_sessions(
    client, booked_course, other_practitioner
):
    feed = calendar_feed_create(practitioner=other_practitioner)

    calendar = icalendar.Calendar.from_ical(fetch(client, feed).content)

    assert calendar.walk("VEVENT") == []


@pytest.mark.django_db
def test_a_revoked_address_answers_404(client, feed, practitioner):
    new = calendar_feed_create(practitioner=practitioner)

    assert fetch(client, feed).status_code == 404
    assert fetch(client, new).status_code == 200
    assert client.get("/ical/not-a-real-token.ics").status_code == 404


@pytest.mark.django_db
def test_reading_the_feed_is_audited(client, feed, practitioner):
    fetch(client, feed)

    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.object_type) == (
        practitioner.user,
        "view",
        "clinic.calendarfeed",
    )


@pytest.mark.django_db
def test_the_token_is_long_and_random(feed, practitioner):
    other = calendar_feed_create(practitioner=practitioner)

    assert len(feed.token) >= 32
    assert feed.token != other.token


# The practitioner's page


@pytest.mark.django_db
def test_a_practitioner_makes_a_feed_and_sees_its_address(client_as, practitioner):
    client = client_as(practitioner.user)
    assert "no calendar address yet" in client.get("/ical/").text

    response = client.post("/ical/", follow=True)

    feed = CalendarFeed.objects.get(practitioner=practitioner)
    assert f"http://testserver/ical/{feed.token}.ics" in response.text
    assert f"webcal://testserver/ical/{feed.token}.ics" in response.text


@pytest.mark.django_db
def test_revoking_asks_for_confirmation_then_makes_a_new_address(client_as, client, practitioner):
    staff = client_as(practitioner.user)
    staff.post("/ical/")
    old = CalendarFeed.objects.get()

    confirm = staff.get("/ical/?confirm=rotate")
    assert "Yes, revoke and make a new one" in confirm.text
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).get() == old

    staff.post("/ical/")

    old.refresh_from_db()
    assert old.revoked_at is not None
    new = CalendarFeed.objects.get(revoked_at__isnull=True)
    assert new.token != old.token
    client.logout()
    assert client.get(f"/ical/{old.token}.ics").status_code == 404


@pytest.mark.django_db
def test_staff_without_a_practitioner_profile_have_no_feed_page(client_as, receptionist, manager):
    assert client_as(receptionist).get("/ical/").status_code == 403
    assert client_as(manager).get("/ical/").status_code == 403


@pytest.mark.django_db
def test_the_feed_page_needs_a_login(client):
    response = client.get("/ical/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]
