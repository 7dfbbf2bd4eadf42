"""The manager's outcomes report and the practitioner's pain chart, read in Chromium at desktop
and phone sizes."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from scheduling.records.models import PainReport
from scheduling.records.services import SessionValues, session_record_create
from tests.records.conftest import insert_course

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
FITS = """(selector) => {
  const page = document.documentElement;
  const wide = [...document.querySelectorAll(selector)].filter(
    (el) => el.scrollWidth > el.clientWidth + 1
      || el.getBoundingClientRect().right > page.clientWidth + 1);
  return {page: page.scrollWidth <= page.clientWidth,
          wide: wide.map((el) => el.outerHTML.slice(0, 160))};
}"""


def shot(page, name: str) -> None:
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def monday_weeks_ago(weeks: int) -> datetime:
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday(), weeks=weeks)
    return datetime.combine(monday, time(10), tzinfo=timezone.get_current_timezone())


def record(course, number: int, before: int, after: int) -> None:
    session_record_create(
        appointment=course.appointments.get(number=number),
        values=SessionValues(pain_before=before, pain_after=after),
        by=course.practitioner.user,
    )


def log_in_with_code(page, live_server, user) -> None:
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-battery-9")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Enter your code").wait_for()
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.get_by_label("6-digit code").fill(f"{code:0{device.digits}d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_function("!location.pathname.startsWith('/security/two-factor/')")


def test_outcomes_count_only_finished_courses_with_n_and_a_date_range(
    page, live_server, manager, practitioner, patient, patient_without_consent, rooms
):
    # Ana's course finished three weeks ago, 8 -> 3 on arrival: a responder. James's course is
    # half done: it is only counted as running.
    finished = insert_course(patient, practitioner, rooms[0], start=monday_weeks_ago(7))
    record(finished, 1, 8, 6)
    for number in range(2, 9):
        record(finished, number, 3 if number == 8 else 6, 3)
    running = insert_course(
        patient_without_consent, practitioner, rooms[1], start=monday_weeks_ago(1)
    )
    record(running, 1, 7, 7)
    finished_on = finished.appointments.get(number=8).starts_at.date()

    log_in_with_code(page, live_server, manager)
    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name="Outcomes").click()
    row = page.locator("#outcomes tr[data-condition=sciatica]")
    row.wait_for()
    assert "100.0% n = 1" in row.locator("[data-field=completion_rate_pct]").inner_text()
    assert "-5.0 n = 1" in row.locator("[data-field=mean_change]").inner_text()
    assert "100.0% n = 1" in row.locator("[data-field=responder_rate_pct]").inner_text()
    assert "0.0% n = 8" in row.locator("[data-field=no_show_rate_pct]").inner_text()
    scope = page.locator("#report-scope").inner_text()
    assert "1 finished course. 1 course still running is not counted." in scope
    shot(page, "outcomes-desktop")

    page.get_by_label("Finished from").fill((finished_on + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show").click()
    empty = page.locator("#no-finished")
    empty.wait_for()
    assert "No course has finished in this period." in empty.inner_text()
    assert page.locator("#outcomes").count() == 0
    assert page.get_by_text("every patient").count() == 0

    page.get_by_label("Finished from").fill(finished_on.isoformat())
    page.get_by_label("to", exact=True).fill((finished_on - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show").click()
    errors = page.locator("#period-errors")
    errors.wait_for()
    assert "The last day is before the first day." in errors.inner_text()

    page.get_by_label("to", exact=True).fill(finished_on.isoformat())
    page.get_by_role("button", name="Show").click()
    page.locator("#outcomes tr[data-condition=sciatica]").wait_for()
    csv_link = page.get_by_role("link", name="Download CSV").get_attribute("href")
    assert f"finished_from={finished_on.isoformat()}" in csv_link

    page.set_viewport_size(PHONE)
    result = page.evaluate(FITS, "table, .card")
    shot(page, "outcomes-phone")
    assert result["page"] and not result["wide"], result
    assert page.locator("[data-field=completion_rate_pct] [data-n]").is_visible()


def test_the_pain_chart_has_two_series_a_legend_dates_and_labelled_reports_on_a_phone(
    browser, live_server, practitioner, patient, rooms
):
    course = insert_course(patient, practitioner, rooms[0], start=monday_weeks_ago(2))
    for number, (before, after) in enumerate([(8, 5), (7, 4), (6, 3)], start=1):
        record(course, number, before, after)
    second = course.appointments.get(number=2).starts_at
    PainReport.objects.create(
        patient=patient,
        course=course,
        score=5,
        source=PainReport.Source.LINK,
        reported_at=second + timedelta(days=1),
    )
    tz = timezone.get_current_timezone()
    first_day = course.appointments.get(number=1).starts_at.astimezone(tz)

    for name, size in [("phone", PHONE), ("desktop", DESKTOP)]:
        context = browser.new_context(viewport=size, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("mei")
        page.get_by_label("Password").fill("correct-horse-battery-9")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_function("!location.pathname.startsWith('/login/')")
        page.goto(f"{live_server.url}/courses/{course.pk}/progress/")
        chart = page.locator("svg.pain-chart:visible")
        chart.wait_for()

        legend = chart.locator(".legend")
        for label in ("Before needling", "After needling", "Between visits"):
            assert legend.get_by_text(label).is_visible(), label
        assert chart.locator("polyline.series-before").count() == 1
        assert chart.locator("polyline.series-after").count() == 1
        dates = chart.locator(".x-labels text")
        assert dates.count() == 3
        assert dates.first.text_content() == f"{first_day:%b} {first_day.day}"
        report = chart.locator(".report-label")
        assert report.count() == 1 and report.first.text_content() == "5 reported"

        card = page.locator("[id^=pain-chart]:visible")
        box, card_box = chart.bounding_box(), card.bounding_box()
        assert box["width"] >= card_box["width"] - 2  # the chart uses its card's whole width
        result = page.evaluate(FITS, "svg.pain-chart, .chart-wrap, table, .card")
        shot(page, f"progress-page-{name}")
        chart.screenshot(path=str(settings.VAR_DIR / "screenshots" / f"progress-chart-{name}.png"))
        assert result["page"] and not result["wide"], result
        page.emulate_media(media="print")
        assert chart.is_visible() and legend.get_by_text("Between visits").is_visible()
        page.emulate_media(media="screen")
        context.close()
