"""course_progress_for reads the course's records and the patient's reports from the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduling.records.selectors import course_progress_for, progress_for_courses
from scheduling.records.services import SessionValues, pain_report_create, session_record_create
from tests.records.conftest import NY, session


def record(course, number, before, after, by):
    session_record_create(
        appointment=session(course, number),
        values=SessionValues(pain_before=before, pain_after=after, points="GB30"),
        by=by,
    )


def seed(course, patient, other_patient, by):
    """S1 8->6 (Mon 1 Mar), S2 6->5 (Thu 4 Mar), S3 5->4 (Mon 8 Mar), with reports:
    - Tue 2 Mar, link, untied to a course, score 7: counted (between S1 and S2)
    - Sat 13 Mar, phone, tied to the course, score 3: counted, and the latest
    - 20 Feb, before the course, untied, score 9: not counted
    - Tue 2 Mar, another patient, score 1: not counted
    """
    record(course, 1, 8, 6, by)
    record(course, 2, 6, 5, by)
    record(course, 3, 5, 4, by)
    pain_report_create(
        patient=patient, score=7, source="link", at=datetime(2027, 3, 2, 18, tzinfo=NY)
    )
    pain_report_create(
        patient=patient, score=3, source="phone", course=course, by=by,
        at=datetime(2027, 3, 13, 9, tzinfo=NY),
    )  # fmt: skip
    pain_report_create(patient=patient, score=9, source="link", at=datetime(2027, 2, 20, tzinfo=NY))
    pain_report_create(
        patient=other_patient, score=1, source="link", at=datetime(2027, 3, 2, 18, tzinfo=NY)
    )


def test_course_progress_for_matches_the_hand_computed_figures(
    ana_course, patient, patient_without_consent, practitioner, django_assert_num_queries
):
    seed(ana_course, patient, patient_without_consent, practitioner.user)
    with django_assert_num_queries(2):
        progress = course_progress_for(ana_course)
    # Baseline: S1 before = 8. Latest: the phone report of 13 March = 3, later than S3's 5 on
    # arrival (S3's 4 after needling never counts). Change -5 = -62.5%.
    assert (progress.baseline, progress.latest, progress.change) == (8, 3, -5)
    assert progress.change_pct == -62.5
    assert progress.responder is True
    assert progress.substantial is True
    assert [(s.number, s.pain_before, s.pain_after) for s in progress.sessions] == [
        (1, 8, 6), (2, 6, 5), (3, 5, 4),
    ]  # fmt: skip
    assert [p.score for p in progress.series] == [8, 6, 7, 6, 5, 5, 4, 3]
    # S3 was 5 on arrival and 4 just after: relief 1. Latest is a follow-up, not the baseline.
    assert (progress.last_session_relief, progress.has_follow_up) == (1, True)


def test_progress_before_any_record_is_empty(ana_course):
    progress = course_progress_for(ana_course)
    assert (progress.baseline, progress.latest, progress.responder) == (None, None, False)


def test_progress_of_many_courses_takes_two_queries(
    make_course, ana_course, patient_without_consent, practitioner, other_practitioner, rooms,
    django_assert_num_queries,
):  # fmt: skip
    second = make_course(
        patient_without_consent,
        other_practitioner,
        start=ana_course.appointments.get(number=1).starts_at + timedelta(hours=1),
        room=rooms[1],
    )
    record(ana_course, 1, 6, 4, practitioner.user)
    record(second, 1, 5, 5, other_practitioner.user)
    with django_assert_num_queries(2):
        progress = progress_for_courses([ana_course, second])
    # Only session 1 each: latest is the baseline (6, not the 4 just after needling), change 0.
    assert (progress[ana_course.pk].baseline, progress[ana_course.pk].latest) == (6, 6)
    assert progress[ana_course.pk].last_session_relief == 2
    assert (progress[second.pk].baseline, progress[second.pk].change) == (5, 0)


def test_session_2_on_arrival_is_the_latest_and_makes_a_responder(ana_course, practitioner):
    record(ana_course, 1, 8, 6, practitioner.user)
    record(ana_course, 2, 5, 3, practitioner.user)
    progress = course_progress_for(ana_course)
    # Latest is S2 on arrival = 5, not S2 after = 3: 5 - 8 = -3, -37.5%: a responder.
    assert (progress.latest, progress.change, progress.change_pct) == (5, -3, -37.5)
    assert (progress.responder, progress.substantial) == (True, False)


def test_the_progress_page_labels_latest_and_shows_relief_apart(
    client_as, ana_course, practitioner
):
    record(ana_course, 1, 8, 3, practitioner.user)
    page = client_as(practitioner.user).get(f"/courses/{ana_course.pk}/progress/")
    html = page.content.decode()
    assert "Latest (on arrival or reported)" in html
    # 8 -> 3 straight after needling at session 1 is relief, not progress: latest is still 8.
    assert page.context["progress"].latest == 8
    assert 'id="latest">8<span' in html
    assert 'id="change">0 <span class="fs-6">(0.0%)</span></div>' in html
    assert "Right after needling at session 1: 8 → 3 (5 points less), not counted as latest." in (
        html
    )
    assert "Not responding yet" in html
    assert ">Responder<" not in html


def test_the_api_never_counts_pain_just_after_needling_as_latest(
    api_as, ana_course, practitioner, manager
):
    record(ana_course, 1, 8, 3, practitioner.user)
    body = api_as(manager).get(f"/api/v1/courses/{ana_course.pk}/").json()
    assert body["progress"] == {
        "baseline": 8,
        "latest": 8,
        "change": 0,
        "change_pct": 0.0,
        "responder": False,
        "series": [{"number": 1, "pain_before": 8, "pain_after": 3}],
        "hoos_jr": {"baseline": None, "latest": None, "change": None, "improved": None},
    }


def test_the_course_api_serialises_progress_for_clinical_staff(
    api_as, ana_course, patient, patient_without_consent, practitioner, manager
):
    seed(ana_course, patient, patient_without_consent, practitioner.user)
    body = api_as(manager).get(f"/api/v1/courses/{ana_course.pk}/").json()
    assert body["progress"] == {
        "baseline": 8,
        "latest": 3,
        "change": -5,
        "change_pct": -62.5,
        "responder": True,
        "series": [
            {"number": 1, "pain_before": 8, "pain_after": 6},
            {"number": 2, "pain_before": 6, "pain_after": 5},
            {"number": 3, "pain_before": 5, "pain_after": 4},
        ],
        "hoos_jr": {"baseline": None, "latest": None, "change": None, "improved": None},
    }
