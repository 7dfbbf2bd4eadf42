"""The front desk runs the day from the day view (a column per practitioner), and the week
calendar places visits by time (Chromium, with and without JavaScript)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from clinic.management.commands.seed_demo import DEMO_PASSWORD
from clinic.models import Clinic, Practitioner, TimeOff
from scheduling.models import Appointment
from scheduling.reminders.models import Reminder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NY = ZoneInfo("America/New_York")
THURSDAY = date(2027, 3, 4)  # Ana's session 2 with Mei at 10:00, James's session 1 with David
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def thursday(booking_day, book, other_practitioner, patient_without_consent):
    """Ana with Mei on Mondays and Thursdays at 10:00 from 1 March; James with David on
    Thursdays and Mondays at 09:00 from Thursday 4 March; David away 14:00-16:00 that day.
    Returns Ana's session 2."""
    ana = book()
    TimeOff.objects.create(
        practitioner=other_practitioner,
        start=datetime(2027, 3, 4, 14, tzinfo=NY),
        end=datetime(2027, 3, 4, 16, tzinfo=NY),
        reason="dentist",
    )
    book(
        patient=patient_without_consent,
        practitioner=other_practitioner,
        start_date=THURSDAY,
        time=time(9),
    )
    return ana.appointments.get(number=2)


def shots():
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def column(page, name: str):
    return page.locator(f'#calendar section.cal-column[aria-label="{name}"]')


def row_height(page) -> float:
    body = page.locator("#calendar section.cal-column .cal-body").first
    rows = int(page.locator("#calendar").get_attribute("data-rows"))
    return body.bounding_box()["height"] / rows


def drop_at(page, visit, target_column, minutes_after_first: int) -> None:
    """Drag the visit block into a column, `minutes_after_first` below the grid's first row."""
    body = target_column.locator(".cal-body")
    y = row_height(page) * minutes_after_first / 5 + 2
    visit.drag_to(body, target_position={"x": 30, "y": y})


def pending_before_visit(appointment) -> Reminder:
    return Reminder.objects.get(
        appointment=appointment, kind=Reminder.Kind.BEFORE_VISIT, status=Reminder.Status.PENDING
    )


def test_day_view_shows_each_practitioner_with_blocks_sized_by_length(
    log_in, live_server, thursday
):
    page = log_in("rosa")
    page.get_by_role("link", name="Calendar", exact=True).click()
    page.get_by_label("Date", exact=True).fill(THURSDAY.isoformat())
    page.get_by_role("button", name="Go").click()
    page.get_by_role("heading", name="Thursday, March 4").wait_for()

    mei, david = column(page, "Mei Chen"), column(page, "David Okafor")
    ana = mei.locator(".cal-event", has_text="Ana Lopez")
    james = david.locator(".cal-event", has_text="James Miller")
    assert ana.count() == 1 and james.count() == 1
    assert "2/8" in ana.inner_text() and "1/8" in james.inner_text()
    assert "Room" in ana.inner_text()
    ana_box, james_box = ana.bounding_box(), james.bounding_box()
    # 45 and 60 minutes: heights in proportion, tops an hour apart (09:00 and 10:00).
    assert james_box["height"] / ana_box["height"] == pytest.approx(60 / 45, rel=0.04)
    five = row_height(page)
    assert ana_box["y"] - james_box["y"] == pytest.approx(12 * five, abs=2)
    assert james_box["height"] == pytest.approx(12 * five, abs=3)
    away = david.locator(".cal-shade.time-off")
    assert away.inner_text() == "Time off: dentist"
    assert away.bounding_box()["height"] == pytest.approx(24 * five, abs=2)  # two hours
    page.screenshot(path=str(shots() / "day-view-thursday.png"), full_page=True)

    # Keyboard: the arrows change day, t comes back to today (Monday 15 February, frozen).
    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name="Friday, March 5").wait_for()
    page.keyboard.press("ArrowLeft")
    page.get_by_role("heading", name="Thursday, March 4").wait_for()
    page.keyboard.press("t")
    page.get_by_role("heading", name="Monday, February 15").wait_for()


def test_a_drag_that_breaks_the_course_week_rule_is_refused_and_moves_nothing(
    log_in, live_server, thursday
):
    page = log_in("rosa")
    mei = Practitioner.objects.get(name="Mei Chen")
    page.goto(f"{live_server.url}/calendar/?practitioner={mei.pk}&date={THURSDAY}")
    visit = page.locator('section[data-day="2027-03-04"] .cal-event', has_text="Ana Lopez")
    reminder = pending_before_visit(thursday)
    first = int(page.locator("#calendar").get_attribute("data-first-minute"))
    tuesday = page.locator('section.cal-column[data-day="2027-03-02"]')

    drop_at(page, visit, tuesday, 10 * 60 - first)  # Tuesday 10:00, the day after Monday's

    alert = page.locator(".alert-danger")
    alert.wait_for()
    assert "not moved" in alert.inner_text()
    assert "less than 2 days from the session on Mon 1 Mar" in alert.inner_text()
    thursday.refresh_from_db()
    assert thursday.starts_at == datetime(2027, 3, 4, 10, tzinfo=NY)
    assert pending_before_visit(thursday).due_at == reminder.due_at
    assert page.locator('section[data-day="2027-03-04"] .cal-event', has_text="Ana").count() == 1


def test_a_drag_in_the_day_view_moves_the_visit_and_its_reminder_or_says_why_not(
    log_in, live_server, thursday
):
    page = log_in("rosa")
    page.goto(f"{live_server.url}/calendar/day/?date={THURSDAY}")
    first = int(page.locator("#calendar").get_attribute("data-first-minute"))
    david = column(page, "David Okafor")
    ana = column(page, "Mei Chen").locator(".cal-event", has_text="Ana Lopez")
    before = pending_before_visit(thursday).due_at

    # Onto David at 09:15, while James is with him: refused in words, nothing changes.
    drop_at(page, ana, david, 9 * 60 + 15 - first)
    alert = page.locator(".alert-danger")
    alert.wait_for()
    assert "David Okafor is seeing another patient then" in alert.inner_text()
    thursday.refresh_from_db()
    assert thursday.practitioner.name == "Mei Chen"
    assert thursday.starts_at == datetime(2027, 3, 4, 10, tzinfo=NY)
    assert pending_before_visit(thursday).due_at == before

    # Onto David at 11:00: moved, and the reminder follows the visit.
    ana = column(page, "Mei Chen").locator(".cal-event", has_text="Ana Lopez")
    drop_at(page, ana, column(page, "David Okafor"), 11 * 60 - first)
    page.get_by_text("Session 2 moved.").wait_for()
    thursday.refresh_from_db()
    assert thursday.practitioner.name == "David Okafor"
    assert thursday.starts_at == datetime(2027, 3, 4, 11, tzinfo=NY)
    assert pending_before_visit(thursday).due_at == before + timedelta(hours=1)
    assert column(page, "David Okafor").locator(".cal-event", has_text="Ana Lopez").count() == 1
    assert column(page, "Mei Chen").locator(".cal-event").count() == 0


def test_without_javascript_the_panel_forms_move_a_visit_or_say_why_not(
    browser, live_server, thursday
):
    context = browser.new_context(viewport=DESKTOP, locale="en-US", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Password").fill("correct-horse-battery-9")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Calendar", exact=True).wait_for()
    page.goto(f"{live_server.url}/calendar/day/?date={THURSDAY}")
    before = pending_before_visit(thursday).due_at

    column(page, "Mei Chen").locator(".cal-event", has_text="Ana Lopez").click()
    panel = page.locator("#visit-panel")
    panel.get_by_role("heading", name="Ana Lopez").wait_for()
    assert "2/8" in panel.inner_text()
    panel.get_by_label("New date and time").fill("2027-03-02T10:00")
    panel.get_by_role("button", name="Move").click()
    alert = page.locator(".alert-danger")
    alert.wait_for()
    assert "less than 2 days from the session on Mon 1 Mar" in alert.inner_text()
    thursday.refresh_from_db()
    assert thursday.starts_at == datetime(2027, 3, 4, 10, tzinfo=NY)
    assert pending_before_visit(thursday).due_at == before

    column(page, "Mei Chen").locator(".cal-event", has_text="Ana Lopez").click()
    panel.get_by_label("New date and time").fill("2027-03-04T11:00")
    panel.get_by_label("Practitioner").select_option(label="David Okafor")
    panel.get_by_role("button", name="Move").click()
    page.get_by_text("Session 2 moved.").wait_for()
    thursday.refresh_from_db()
    assert thursday.practitioner.name == "David Okafor"
    assert thursday.starts_at == datetime(2027, 3, 4, 11, tzinfo=NY)
    assert pending_before_visit(thursday).due_at == before + timedelta(hours=1)

    # A free slot offers booking from its time.
    column(page, "Mei Chen").get_by_role("link", name="Book with Mei Chen at 14:00").click()
    single = page.locator("#slot-panel").get_by_role("link", name="Book a single visit")
    assert "time=14%3A00" in single.get_attribute("href")
    context.close()


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def test_day_view_of_the_demo_day_at_desktop_and_phone_sizes(browser, live_server, demo):
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    errors = []  # a CSP refusal (an inline script or style) shows as a console error
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("reception")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Calendar", exact=True).click()
    page.locator("#day-view").wait_for()
    today = Clinic.load().today()
    visits = Appointment.objects.filter(
        starts_at__date__gte=today - timedelta(days=1), starts_at__date__lte=today + timedelta(1)
    )
    expected = [a for a in visits if a.starts_at.astimezone(NY).date() == today]
    assert page.locator("#calendar .cal-event").count() == len(expected)
    page.screenshot(path=str(shots() / "day-view-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    page.screenshot(path=str(shots() / "day-view-phone.png"), full_page=True)

    # The side panels open in the page (JavaScript on): a visit, then a free slot.
    page.set_viewport_size(DESKTOP)
    page.locator("#calendar .cal-event").first.click()
    panel = page.locator("#visit-panel")
    panel.get_by_role("link", name="Open course").wait_for()
    assert panel.get_by_role("heading").inner_text() != ""
    expect(panel).to_be_in_viewport(ratio=1)  # slid fully in
    page.screenshot(path=str(shots() / "day-view-visit-panel.png"))
    panel.get_by_role("link", name="Close").click()
    page.locator("#calendar .cal-slot").last.click()
    page.locator("#slot-panel").get_by_role("link", name="Book a single visit").wait_for()
    expect(page.locator("#slot-panel")).to_be_in_viewport(ratio=1)
    expect(panel).not_to_be_visible()
    page.screenshot(path=str(shots() / "day-view-slot-panel.png"))
    assert errors == []
    context.close()


# Issue 14, row 11: the calendar opens on the practitioner who logs in, places blocks by time,
# and shows Confirmed in its own colour.
def test_a_practitioner_calendar_opens_on_them_with_blocks_placed_by_time(
    log_in,
    live_server,
    booking_day,
    book,
    practitioner,
    other_practitioner,
    patient_without_consent,
):
    book(time=time(9))  # Ana: Mondays and Thursdays at 09:00
    james = book(patient=patient_without_consent, weekdays=[1, 4], time=time(9, 45))
    confirmed = james.appointments.get(number=1)
    confirmed.status = Appointment.Status.CONFIRMED
    confirmed.save()

    page = log_in("mei")
    page.get_by_role("link", name="Calendar", exact=True).click()
    page.get_by_role("heading", name="Mei Chen").wait_for()
    page.get_by_label("Date", exact=True).fill("2027-03-01")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("heading", name="Mei Chen").wait_for()
    nine = page.locator('section[data-day="2027-03-01"] .cal-event').first
    quarter_to_ten = page.locator('section[data-day="2027-03-02"] .cal-event').first
    five = row_height(page)
    assert quarter_to_ten.bounding_box()["y"] - nine.bounding_box()["y"] == pytest.approx(
        9 * five, abs=2
    )  # 45 minutes lower
    colour = "(el) => getComputedStyle(el).backgroundColor"
    booked = page.locator('section[data-day="2027-03-05"] .cal-event').first
    assert "status-confirmed" in quarter_to_ten.get_attribute("class")
    assert quarter_to_ten.evaluate(colour) != booked.evaluate(colour)
    page.screenshot(path=str(shots() / "week-placed-by-time.png"), full_page=True)


# Issue 14, row 2: the week calendar fits a phone: no sideways scrolling, names not wrapped
# letter by letter.
def test_the_week_calendar_fits_a_phone(browser, live_server, demo):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("mei")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/calendar/")
    visits = page.locator("#calendar .cal-event")
    visits.first.wait_for()
    fits = page.evaluate(
        """() => {
          const root = document.documentElement;
          const board = document.getElementById("calendar");
          return root.scrollWidth <= root.clientWidth && board.scrollWidth <= board.clientWidth
            && board.getBoundingClientRect().right <= root.clientWidth;
        }"""
    )
    page.screenshot(path=str(shots() / "week-phone.png"), full_page=True)
    assert fits
    for visit in visits.all():
        box = visit.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["width"] > 120  # a name on a line, not a column of letters
        assert box["height"] < 60
    context.close()
