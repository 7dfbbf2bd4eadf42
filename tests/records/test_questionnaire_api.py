"""HOOS, JR through the API and the course page: practitioners enter answers given in the room,
and the course shows baseline, latest and change for pain and for hip function side by side;
session records carry structured hip findings."""

from __future__ import annotations

import re

import pytest

from scheduling.records.models import Questionnaire
from scheduling.records.services import (
    SessionValues,
    questionnaire_answer,
    session_record_create,
)
from tests.records.conftest import session

pytestmark = pytest.mark.django_db


def url(course) -> str:
    return f"/api/v1/courses/{course.pk}/questionnaires/"


def record(course, number, before, after, **values):
    return session_record_create(
        appointment=session(course, number),
        values=SessionValues(pain_before=before, pain_after=after, **values),
        by=course.practitioner.user,
    )


def test_a_practitioner_enters_answers_given_in_the_room(api_as, practitioner, ana_course):
    response = api_as(practitioner.user).post(
        url(ana_course),
        {"instrument": "HOOS-JR", "stage": "baseline", "answers": [2, 3, 2, 3, 1, 1]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["score"] == 52.965  # raw 2 + 3 + 2 + 3 + 1 + 1 = 12
    assert {k: body[k] for k in ("instrument", "stage", "status", "answers", "source")} == {
        "instrument": "HOOS-JR",
        "stage": "baseline",
        "status": "answered",
        "answers": [2, 3, 2, 3, 1, 1],
        "source": "staff",
    }
    listed = api_as(practitioner.user).get(url(ana_course)).json()
    assert [q["id"] for q in listed] == [body["id"]]


def test_five_answers_are_a_400_naming_the_missing_item_and_store_nothing(
    api_as, practitioner, ana_course
):
    response = api_as(practitioner.user).post(
        url(ana_course), {"stage": "baseline", "answers": [2, 3, 2, 3, 1]}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"answers": ["Item 6 (sitting) is not answered."]}
    assert not Questionnaire.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"stage": "baseline", "answers": [0, 0, 9, 0, 0, 0]}, "answers"),
        ({"stage": "later", "answers": [0] * 6}, "stage"),
        ({"stage": "baseline", "answers": "000000"}, "answers"),
        ({"stage": "baseline", "instrument": "KOOS-JR", "answers": [0] * 6}, "instrument"),
        ({"stage": "baseline"}, "answers"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, practitioner, ana_course, body, field):
    response = api_as(practitioner.user).post(url(ana_course), body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Questionnaire.objects.filter(status="answered").exists()


def test_a_stage_is_answered_once(api_as, practitioner, ana_course):
    client = api_as(practitioner.user)
    body = {"stage": "baseline", "answers": [1] * 6}
    assert client.post(url(ana_course), body, format="json").status_code == 201
    again = client.post(url(ana_course), {**body, "answers": [0] * 6}, format="json")
    assert again.status_code == 400 and "already answered" in again.json()["stage"][0]


def test_who_may_read_and_enter_answers(
    api_as, ana_course, other_practitioner, manager, receptionist, practitioner
):
    body = {"stage": "baseline", "answers": [1] * 6}
    assert api_as(receptionist).get(url(ana_course)).status_code == 403
    assert api_as(other_practitioner.user).get(url(ana_course)).status_code == 403
    assert api_as(other_practitioner.user).post(url(ana_course), body).status_code == 403
    assert api_as(manager).get(url(ana_course)).status_code == 200
    assert api_as(manager).post(url(ana_course), body, format="json").status_code == 403
    assert api_as(practitioner.user).get("/api/v1/courses/999999/questionnaires/").status_code == (
        404
    )


@pytest.fixture
def treated(ana_course, practitioner):
    """Pain 8 -> 5 on arrival at session 4 (-3, -37.5%: a responder). HOOS, JR baseline raw 15
    (43.335) and midpoint raw 9 (61.815): +18.480, improved."""
    record(ana_course, 1, 8, 6)
    record(ana_course, 2, 7, 5)
    record(ana_course, 3, 6, 4)
    record(ana_course, 4, 5, 3)
    for stage, answers in (("baseline", [3, 3, 2, 3, 2, 2]), ("midpoint", [2, 2, 2, 1, 1, 1])):
        questionnaire_answer(
            course=ana_course, stage=stage, answers=answers, source="staff", by=practitioner.user
        )
    return ana_course


def test_the_course_api_gives_baseline_latest_and_change_for_pain_and_hoos_jr(
    api_as, practitioner, treated
):
    progress = api_as(practitioner.user).get(f"/api/v1/courses/{treated.pk}/").json()["progress"]
    assert (progress["baseline"], progress["latest"], progress["change"]) == (8, 5, -3)
    assert progress["responder"] is True
    assert progress["hoos_jr"] == {
        "baseline": 43.335,
        "latest": 61.815,
        "change": 18.48,
        "improved": True,
    }


def test_the_receptionist_sees_no_progress_in_the_course_api(api_as, receptionist, treated):
    assert api_as(receptionist).get(f"/api/v1/courses/{treated.pk}/").json()["progress"] is None


def test_the_course_page_shows_pain_and_hoos_jr_side_by_side(client_as, practitioner, treated):
    html = client_as(practitioner.user).get(f"/courses/{treated.pk}/progress/").content.decode()

    def text(element_id: str) -> str:
        found = re.search(rf'id="{element_id}"[^>]*>(.*?)</div>', html, re.S).group(1)
        return re.sub(r"<[^>]+>|\s+", "", found)

    assert (text("baseline"), text("latest"), text("change")) == ("8/10", "5/10", "-3(-37.5%)")
    assert (text("hoos-baseline"), text("hoos-latest"), text("hoos-change")) == (
        "43.3/100",
        "61.8/100",
        "+18.5",
    )
    assert "Improved" in text("hoos-improved")
    assert "<title>Midpoint: 61.815/100</title>" in html  # the hip-function chart
    assert 'class="pain-chart"' in html
    # The midpoint review now due shows both measures.
    summary = re.sub(r"\s+", " ", re.search(r'id="review-summary">(.*?)</p>', html, re.S).group(1))
    assert summary == (
        "Pain 8 → 5/10 (responder) · Hip function (HOOS, JR) 43.3 → 61.8/100 (improved)."
    )


def test_the_practitioner_enters_answers_on_the_course_page(client_as, practitioner, ana_course):
    client = client_as(practitioner.user)
    form = {"stage": "baseline"} | {
        f"item_{k}": "2" for k in ("stairs", "uneven", "rising", "bending", "lying")
    }
    client.post(f"/courses/{ana_course.pk}/questionnaires/", form)
    assert not Questionnaire.objects.filter(status="answered").exists()  # sitting missing
    client.post(f"/courses/{ana_course.pk}/questionnaires/", form | {"item_sitting": "2"})
    answered = Questionnaire.objects.get(status="answered")
    assert (str(answered.score), answered.entered_by) == ("52.965", practitioner.user)


def test_hip_findings_go_through_the_record_api(api_as, practitioner, ana_course):
    appointment = session(ana_course, 1)
    findings = {"side": "left", "sites": ["thigh", "groin"], "faber": "positive", "fadir": None}
    created = api_as(practitioner.user).post(
        f"/api/v1/appointments/{appointment.pk}/record/",
        {"pain_before": 7, "pain_after": 5, "findings": findings},
        format="json",
    )
    assert created.status_code == 201, created.json()
    expected = {"side": "left", "sites": ["groin", "thigh"], "faber": "positive", "fadir": None}
    assert created.json()["findings"] == expected
    read = api_as(practitioner.user).get(f"/api/v1/appointments/{appointment.pk}/record/")
    assert read.json()["findings"] == expected


def test_bad_findings_are_a_400(api_as, practitioner, ana_course):
    appointment = session(ana_course, 1)
    response = api_as(practitioner.user).post(
        f"/api/v1/appointments/{appointment.pk}/record/",
        {"pain_before": 7, "pain_after": 5, "findings": {"side": "middle", "sites": ["knee"]}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["findings"]) == {"side", "sites"}
    assert not hasattr(session(ana_course, 1), "record")


def test_a_record_without_findings_says_none_were_taken(api_as, practitioner, ana_course):
    appointment = session(ana_course, 1)
    body = (
        api_as(practitioner.user)
        .post(
            f"/api/v1/appointments/{appointment.pk}/record/",
            {"pain_before": 7, "pain_after": 5},
            format="json",
        )
        .json()
    )
    assert body["findings"] == {"side": None, "sites": [], "faber": None, "fadir": None}


def test_the_course_page_shows_the_findings(client_as, practitioner, ana_course):
    record(ana_course, 1, 7, 5, hip_side="right", pain_sites=["lateral"], fadir="negative")
    html = client_as(practitioner.user).get(f"/courses/{ana_course.pk}/progress/").content.decode()
    cell = re.search(r'class="small findings-cell">(.*?)</td>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", " ", cell).split() == [
        "Right",
        "hip;",
        "Lateral",
        "hip",
        "FADIR",
        "negative",
    ]
