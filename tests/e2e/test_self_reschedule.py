"""A patient on a phone opens "your visits" from a message, picks "Move" and a new time, and the
visit moves (Chromium at 390x844)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from playwright.sync_api import expect

from scheduling.reminders.links import make_token
from tests.reminders.conftest import at

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
PRIMARY = "rgb(13, 110, 253)"  # Bootstrap's primary blue: a chosen time is filled with it


def shot(screen, name: str, *, full_page: bool = True) -> None:
    """Save the screen, or the whole page seen through a window as tall as the page (so the
    sticky button sits where it ends up, not over the times as a stitched capture shows it)."""
    folder = django_settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    if full_page:
        height = screen.evaluate("document.documentElement.scrollHeight")
        screen.set_viewport_size({"width": PHONE["width"], "height": height})
    screen.screenshot(path=str(folder / f"{name}.png"))
    screen.set_viewport_size(PHONE)


def test_a_patient_moves_a_visit_from_the_visits_page_on_a_phone(
    live_server, browser, book, patient, time_machine, settings
):
    settings.SITE_URL = live_server.url  # the page's links lead back to this server
    time_machine.move_to(at(2027, 2, 20, 12), tick=True)
    course = book()
    third = course.appointments.get(number=3)  # Monday 8 March at 10:00
    visits = live_server.url + reverse("link-visits", args=[make_token("visits", patient=patient)])

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US")
    screen = phone.new_page()
    screen.set_default_timeout(15_000)
    screen.goto(visits)
    shot(screen, "self_reschedule_visits-phone")
    row = screen.get_by_role("listitem").filter(has_text="Mon Mar 8, 2027 at 10:00 AM EST")
    row.get_by_role("link", name="Move").click()

    expect(screen.get_by_role("heading", name="Move your visit")).to_be_visible()
    assert screen.evaluate(FITS), "the page scrolls sideways on a phone"
    expect(screen.locator("legend")).to_have_text(["Mon 8 Mar", "Tue 9 Mar"])
    # The button to move stays on screen while the patient scrolls through the times.
    expect(screen.get_by_role("button", name="Move my visit")).to_be_in_viewport()
    shot(screen, "self_reschedule_times-phone-top", full_page=False)
    shot(screen, "self_reschedule_times-phone")
    chosen = screen.locator("label", has_text="Tue 9 Mar, 15:00")
    chosen.click()
    expect(screen.get_by_label("Tue 9 Mar, 15:00")).to_be_checked()
    expect(chosen).to_have_css("background-color", PRIMARY)
    shot(screen, "self_reschedule_chosen-phone", full_page=False)
    screen.get_by_role("button", name="Move my visit").click()

    expect(screen.get_by_role("heading", name="Your visit has been moved")).to_be_visible()
    expect(screen.locator("#new-visit")).to_have_text("Tue Mar 9, 2027 at 3:00 PM EST")
    shot(screen, "self_reschedule_done-phone")
    third.refresh_from_db()
    assert third.starts_at == at(2027, 3, 9, 15)

    screen.goto(visits)
    expect(screen.get_by_text("Tue Mar 9, 2027 at 3:00 PM EST")).to_be_visible()
    expect(screen.get_by_text("Mon Mar 8, 2027 at 10:00 AM EST")).to_have_count(0)
    phone.close()
