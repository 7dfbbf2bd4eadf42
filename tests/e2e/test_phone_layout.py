"""Every staff page fits a 390 px phone: tables become cards, charts scale to their card, and
each row's actions can be reached without scrolling sideways (demo clinic, Chromium)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command

from clinic.management.commands.seed_demo import DEMO_PASSWORD
from scheduling.models import TreatmentCourse

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# For each page, the buttons or links every row must show on a phone.
FRONT_DESK = [("home", "/", []), ("attention", "/attention/", ["Open course"])]
CLINICAL = [("today", "/today/", ["Progress"])]

FITS = """() => {
  const page = document.documentElement;
  const wide = [...document.querySelectorAll("table, svg, .card")].filter(
    (el) => el.getBoundingClientRect().right > page.clientWidth + 1);
  return {page: page.scrollWidth <= page.clientWidth,
          wide: wide.map((el) => el.id || el.className.baseVal || el.className).slice(0, 5)};
}"""


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_function("!location.pathname.startsWith('/login/')")


def check_fits(page, name: str, actions: list[str]) -> None:
    result = page.evaluate(FITS)
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(folder / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert result["page"] and not result["wide"], (name, result)
    for label in actions:
        buttons = page.get_by_role("link", name=label).or_(page.get_by_role("button", name=label))
        visible = [b for b in buttons.all() if b.is_visible()]
        assert visible, f"{name}: no visible {label!r}"
        for button in visible:
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (name, label)


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def test_front_desk_pages_fit_a_phone(browser, live_server, demo):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    log_in(page, live_server, "reception")
    course = TreatmentCourse.objects.filter(status="active").order_by("pk").first()
    for name, path, actions in [
        *FRONT_DESK,
        ("course", course.get_absolute_url(), ["Move", "Cancel"]),
        ("patients", "/patients/", []),
        ("messages", "/messages/", []),
    ]:
        page.goto(f"{live_server.url}{path}")
        check_fits(page, name, actions)
    context.close()


def test_clinical_pages_and_the_chart_fit_a_phone(browser, live_server, demo):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    log_in(page, live_server, "mei")
    mid_course = (
        TreatmentCourse.objects.filter(
            status="active",
            practitioner__user__username="mei",
            appointments__record__isnull=False,
        )
        .distinct()
        .first()
    )
    for name, path, actions in [
        *CLINICAL,
        ("progress", f"/courses/{mid_course.pk}/progress/", []),
    ]:
        page.goto(f"{live_server.url}{path}")
        check_fits(page, name, actions)
    chart = page.locator("svg.pain-chart:visible")
    assert chart.bounding_box()["width"] <= PHONE["width"]
    context.close()
