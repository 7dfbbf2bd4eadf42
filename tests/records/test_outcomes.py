"""The manager's outcomes report: page and CSV come from one selector and show the same figures."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest

from scheduling.models import Appointment, TreatmentCourse
from scheduling.services import SessionValues, session_record_create
from tests.records.conftest import NY, session


def record(course, number, before, after):
    session_record_create(
        appointment=session(course, number),
        values=SessionValues(pain_before=before, pain_after=after),
        by=course.practitioner.user,
    )


@pytest.fixture
def seeded(
    make_course, patient, patient_without_consent, practitioner, other_practitioner, rooms, now
):
    """Four courses, figures worked out by hand:

    sciatica 1 (Ana, Mei, March): all 8 attended, 8 -> 3: change -5, responder.
    sciatica 2 (James, David, March): 6 attended, 2 no-shows, 6 -> 6: change 0, not a responder.
    osteoarthritis 1 (Ana, Mei, February): all 8 attended, 7 -> 6: change -1, not a responder,
        so flagged as a non-responder after the full course.
    osteoarthritis 2 (James, February): cancelled before any session: left out.
    """
    feb = datetime(2027, 2, 1, 10, tzinfo=NY)
    sciatica_1 = make_course(patient, practitioner)
    sciatica_2 = make_course(
        patient_without_consent, other_practitioner, start=datetime(2027, 3, 1, 11, tzinfo=NY),
        room=rooms[1],
    )  # fmt: skip
    oa_1 = make_course(patient, practitioner, condition="osteoarthritis", start=feb)
    oa_2 = make_course(
        patient_without_consent, other_practitioner, condition="osteoarthritis", start=feb,
        room=rooms[1],
    )  # fmt: skip
    record(sciatica_1, 1, 8, 6)
    for n in range(2, 8):
        record(sciatica_1, n, 6, 5)
    record(sciatica_1, 8, 4, 3)
    for n in range(1, 7):
        record(sciatica_2, n, 6, 6)
    sciatica_2.appointments.filter(number__gt=6).update(status=Appointment.Status.NO_SHOW)
    record(oa_1, 1, 7, 7)
    for n in range(2, 9):
        record(oa_1, n, 6, 6)
    oa_2.appointments.update(status=Appointment.Status.CANCELLED)
    TreatmentCourse.objects.filter(pk=oa_2.pk).update(status=TreatmentCourse.Status.CANCELLED)
    return {"oa_1": oa_1}


EXPECTED = {
    "sciatica": {
        "courses": "2", "completed_courses": "1", "completion_rate_pct": "50.0",
        "courses_with_scores": "2", "mean_change": "-2.5", "responders": "1",
        "responder_rate_pct": "50.0", "no_shows": "2", "sessions_due": "16",
        "no_show_rate_pct": "12.5",
    },
    "osteoarthritis": {
        "courses": "1", "completed_courses": "1", "completion_rate_pct": "100.0",
        "courses_with_scores": "1", "mean_change": "-1.0", "responders": "0",
        "responder_rate_pct": "0.0", "no_shows": "0", "sessions_due": "8",
        "no_show_rate_pct": "0.0",
    },
}  # fmt: skip


def test_the_csv_holds_the_hand_computed_figures(client_as, manager, seeded):
    response = client_as(manager).get("/reports/outcomes.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = {
        row.pop("condition"): row for row in csv.DictReader(io.StringIO(response.content.decode()))
    }
    assert rows == EXPECTED


def test_the_page_shows_the_same_figures_as_the_csv(client_as, manager, seeded):
    page = client_as(manager).get("/reports/outcomes/").content.decode()
    for condition, figures in EXPECTED.items():
        row = re.search(rf'<tr data-condition="{condition}">(.*?)</tr>', page, re.S).group(1)
        cells = dict(re.findall(r'data-field="(\w+)">([^<]*)</td>', row))
        assert cells == {
            "completion_rate_pct": figures["completion_rate_pct"] + "%",
            "mean_change": figures["mean_change"],
            "responder_rate_pct": figures["responder_rate_pct"] + "%",
            "no_show_rate_pct": figures["no_show_rate_pct"] + "%",
        }
        assert f"{figures['responders']} of {figures['courses_with_scores']}" in row
        assert f"{figures['no_shows']} of {figures['sessions_due']}" in row


def test_the_page_flags_non_responders_after_the_full_course(client_as, manager, seeded):
    page = client_as(manager).get("/reports/outcomes/").content.decode()
    flagged = re.search(r'<table class="table mb-0" id="non-responders">(.*?)</table>', page, re.S)
    assert flagged.group(1).count("<tr>") == 2  # header and one course
    assert f"/courses/{seeded['oa_1'].pk}/progress/" in flagged.group(1)


def test_only_managers_may_read_the_report(client_as, practitioner, seeded):
    client = client_as(practitioner.user)
    assert client.get("/reports/outcomes/").status_code == 403
    assert client.get("/reports/outcomes.csv").status_code == 403
