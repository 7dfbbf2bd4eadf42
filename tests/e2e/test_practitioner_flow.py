"""A practitioner records two sessions in a real browser and sees them on the pain chart."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from patients.models import Patient
from tests.records.conftest import NOW, insert_course

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")


def shot(page, name: str) -> None:
    """Save a full-page screenshot when E2E_SCREENSHOTS names a folder (to look at)."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_practitioner_logs_two_sessions_and_sees_both_on_the_chart(
    live_server, log_in, practitioner, rooms, patient, time_machine
):
    time_machine.move_to(NOW, tick=True)
    course = insert_course(patient, practitioner, rooms[0])
    page = log_in("mei")

    page.goto(f"{live_server.url}/today/?day=2027-03-01")
    shot(page, "today")
    page.get_by_role("link", name="Record session").click()

    # Session 1: the type-ahead picks GB30 by its name, SJ-14 is typed as an alias.
    page.click("label[for=id_pain_before_8]")
    page.click("label[for=id_pain_after_6]")
    page.fill("#id_points", "huant")
    page.get_by_role("option", name="GB30 Huantiao").click()
    page.type("#id_points", "SJ-14")
    page.fill("#id_notes", "Needled in side-lying; tolerated well.")
    shot(page, "session_form")
    page.get_by_role("button", name="Save record").click()
    page.wait_for_url(f"{live_server.url}/courses/{course.pk}/progress/")

    # Session 2 from the progress page, with the same points as last time.
    page.locator("#sessions tbody tr").nth(1).get_by_role("link", name="Record").click()
    page.get_by_text("Same points as last time").click()
    assert page.input_value("#id_points") == "GB30, TE14"
    page.click("label[for=id_pain_before_5]")
    page.click("label[for=id_pain_after_3]")
    page.get_by_role("button", name="Save record").click()
    page.wait_for_url(f"{live_server.url}/courses/{course.pk}/progress/")
    shot(page, "progress")

    chart = page.locator("svg.pain-chart:visible")
    assert chart.locator(".pt").count() == 4
    assert chart.locator(".x-labels text").all_text_contents() == ["Mar 1", "Mar 4"]
    assert chart.locator("title", has_text="S2 after: 3/10").count() == 1
    assert page.inner_text("#baseline").replace(" ", "") == "8/10"
    # Latest is S2 on arrival (5), not the 3 just after needling: 5 - 8 = -3, -37.5%.
    assert page.inner_text("#latest").replace(" ", "") == "5/10"
    assert page.inner_text("#change") == "-3 (-37.5%)"
    assert "Responder" in page.inner_text("#responder")
    assert "Substantial" not in page.inner_text("#responder")
    assert page.inner_text("#last-session-relief") == (
        "Right after needling at session 2: 5 → 3 (2 points less), not counted as latest."
    )
    rows = page.locator("#sessions tbody tr")
    assert rows.nth(0).locator("td").nth(5).inner_text() == "GB30, TE14"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_enter_in_the_point_picker_takes_only_a_highlighted_suggestion(
    live_server, log_in, practitioner, rooms, patient, time_machine
):
    time_machine.move_to(NOW, tick=True)
    course = insert_course(patient, practitioner, rooms[0])
    first = course.appointments.get(number=1)
    page = log_in("mei")
    page.goto(f"{live_server.url}/sessions/{first.pk}/record/")

    page.fill("#id_points", "huan")
    options = page.get_by_role("option")
    options.first.wait_for()
    assert {"BL51 Huangmen", "GB30 Huantiao"} <= set(options.all_inner_texts())
    page.press("#id_points", "Enter")  # nothing highlighted: nothing is taken
    assert page.input_value("#id_points") == "huan"

    page.fill("#id_points", "huantiao")
    # The new suggestions replace those for "huan", the exact name first.
    expect(options.first).to_have_text("GB30 Huantiao")
    page.press("#id_points", "ArrowDown")
    page.press("#id_points", "Enter")
    assert page.input_value("#id_points").startswith("GB30")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_session_is_recorded_only_from_its_start_and_the_pages_say_when(
    live_server, log_in, practitioner, rooms, patient, time_machine
):
    time_machine.move_to(NOW, tick=True)  # Wed Mar 31 2027, 12:00 in New York
    started = insert_course(patient, practitioner, rooms[0], start=NOW - timedelta(hours=1))
    later_today = insert_course(
        Patient.objects.create(first_name="Tom", last_name="Rivera", preferred_channel="none"),
        practitioner,
        rooms[1],
        start=NOW + timedelta(hours=2),
    )
    page = log_in("mei")

    page.goto(f"{live_server.url}/today/")
    rows = page.locator("table.today-table tbody tr")
    expect(rows.filter(has_text="Ana").get_by_role("link", name="Record session")).to_be_visible()
    tom = rows.filter(has_text="Tom")
    expect(tom).to_contain_text("record from 14:00")
    assert tom.get_by_role("link", name="Record session").count() == 0

    # The progress page offers Record for the session under way only.
    page.goto(f"{live_server.url}/courses/{started.pk}/progress/")
    sessions = page.locator("#sessions tbody tr")
    expect(sessions.nth(0).get_by_role("link", name="Record")).to_be_visible()
    expect(sessions.nth(1)).to_contain_text("record from Sat Apr 3, 11:00")
    assert sessions.nth(1).get_by_role("link").count() == 0

    # Opening the form of a session not started says when it opens, before any typing.
    future = later_today.appointments.get(number=1)
    page.goto(f"{live_server.url}/sessions/{future.pk}/record/")
    expect(page.get_by_text("it can be recorded from then")).to_be_visible()
    assert page.locator("#id_points").count() == 0
