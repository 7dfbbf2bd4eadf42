"""A patient answers the hip questionnaire from the link on a phone-sized screen, and the
practitioner sees the score on the course's chart."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scheduling.records.services import questionnaire_invite
from scheduling.reminders.links import make_token
from tests.e2e.test_practitioner_flow import shot
from tests.records.conftest import NOW, insert_course

# Stairs Moderate, uneven Moderate, rising Mild, bending Severe, lying Mild, sitting None:
# raw 2 + 2 + 1 + 3 + 1 + 0 = 9 -> 61.815 in the published table.
CHOICES = [("stairs", "Moderate"), ("uneven", "Moderate"), ("rising", "Mild"),
           ("bending", "Severe"), ("lying", "Mild"), ("sitting", "None")]  # fmt: skip


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_patient_answers_on_a_phone_and_the_practitioner_sees_the_score(
    live_server, browser, log_in, practitioner, rooms, patient, time_machine
):
    time_machine.move_to(NOW, tick=True)
    course = insert_course(patient, practitioner, rooms[0])
    questionnaire = questionnaire_invite(course=course, stage="baseline")
    token = make_token("hoos", patient=patient, questionnaire=questionnaire)
    link = live_server.url + reverse("link-hoos", args=[token])

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-US"
    )
    screen = phone.new_page()
    screen.set_default_timeout(15_000)
    screen.goto(link)
    assert screen.get_by_role("heading", name="Your hip in the last week").is_visible()
    # Nothing overflows sideways on a phone.
    assert screen.evaluate("document.documentElement.scrollWidth") <= 390
    for key, answer in CHOICES[:5]:
        screen.locator(f"#item-{key}").get_by_text(answer, exact=True).click()
    screen.get_by_role("button", name="Send my answers").click()
    assert "Item 6 (sitting) is not answered." in screen.inner_text("#hoos-errors")
    # The answers already given are kept; only the missing one is asked for.
    assert screen.locator("#bending-3").is_checked()
    key, answer = CHOICES[5]
    screen.locator(f"#item-{key}").get_by_text(answer, exact=True).click()
    shot(screen, "hoos_phone")
    screen.get_by_role("button", name="Send my answers").click()
    assert screen.get_by_role("heading", name="Thank you for your answers").is_visible()
    phone.close()

    page = log_in("mei")
    page.goto(f"{live_server.url}/courses/{course.pk}/progress/")
    shot(page, "progress_with_hoos")
    chart = page.locator("svg.hoos-chart")
    assert chart.locator("title", has_text="Baseline: 61.815/100").count() == 1
    assert chart.locator("text.value").all_text_contents() == ["61.8"]
    assert page.inner_text("#hoos-baseline").replace(" ", "") == "61.8/100"
    assert page.locator("#questionnaires tbody tr").first.inner_text().split("\t")[:3] == [
        "Baseline",
        "Answered",
        "61.815",
    ]
