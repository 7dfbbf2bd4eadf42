"""course_progress_for reads the course's records and the patient's reports from the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduling.selectors import course_progress_for, progress_for_courses
from scheduling.services import SessionValues, pain_report_create, session_record_create
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
    # Baseline: S1 before = 8. Latest: the phone report of 13 March = 3. Change -5 = -62.5%.
    assert (progress.baseline, progress.latest, progress.change) == (8, 3, -5)
    assert progress.change_pct == -62.5
    assert progress.responder is True
    assert progress.substantial is True
    assert [(s.number, s.pain_before, s.pain_after) for s in progress.sessions] == [
        (1, 8, 6), (2, 6, 5), (3, 5, 4),
    ]  # fmt: skip
    assert [p.score for p in progress.series] == [8, 6, 7, 6, 5, 5, 4, 3]


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
    assert (progress[ana_course.pk].baseline, progress[ana_course.pk].latest) == (6, 4)
    assert (progress[second.pk].baseline, progress[second.pk].change) == (5, 0)


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
    }
