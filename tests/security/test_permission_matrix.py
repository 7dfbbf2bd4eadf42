"""Who gets what: every page and API path, GET by each role, against a table of expectations.

Paths in the table have an exact expected status per role. Any other path (added later by
anyone) falls under the default rule: anonymous visitors are sent to log in (pages) or get a 401
(API); staff get one of 200/302/403/404/405, and nobody ever gets a 500. Ids in paths are
replaced by real rows so detail pages are tested on data, not only on 404s.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.models import Closure, TimeOff
from scheduling.waitlist.models import WaitlistEntry
from tests.clinic.test_access import ALL_PATHS
from tests.conftest import issue_token

ROLES = ["anonymous", "receptionist", "practitioner", "other_practitioner", "manager"]
STAFF = ROLES[1:]
PUBLIC = {"healthz", "login", "api-token", "ical-feed"}
STAFF_DEFAULT = {200, 302, 403, 404, 405}

ALL_STAFF_200 = dict.fromkeys(STAFF, 200)
MANAGER_ONLY = {**dict.fromkeys(STAFF, 403), "manager": 200}
PRACTITIONERS_ONLY = {
    "receptionist": 403,
    "practitioner": 200,
    "other_practitioner": 200,
    "manager": 403,
}
FRONT_DESK_ONLY = {
    "receptionist": 200,
    "practitioner": 403,
    "other_practitioner": 403,
    "manager": 200,
}
# A POST-only path the front desk may use: GET is not allowed.
FRONT_DESK_POST = {**FRONT_DESK_ONLY, "receptionist": 405, "manager": 405}

# (url name, is API) -> {role: status}. Anonymous is always the default rule unless given.
EXPECTED: dict[tuple[str, bool], dict[str, int]] = {
    # Practitioners are sent on to their Today list.
    ("home", False): {**ALL_STAFF_200, "practitioner": 302, "other_practitioner": 302},
    ("patient-list", False): ALL_STAFF_200,
    ("patient-create", False): ALL_STAFF_200,
    ("patient-detail", False): ALL_STAFF_200,
    ("patient-edit", False): ALL_STAFF_200,
    ("setup", False): MANAGER_ONLY,
    ("clinic-edit", False): MANAGER_ONLY,
    ("practitioner-create", False): MANAGER_ONLY,
    ("practitioner-edit", False): MANAGER_ONLY,
    ("room-create", False): MANAGER_ONLY,
    ("room-edit", False): MANAGER_ONLY,
    ("closure-create", False): MANAGER_ONLY,
    ("time-off-create", False): MANAGER_ONLY,
    ("audit-log", False): MANAGER_ONLY,
    ("lockouts", False): MANAGER_ONLY,
    ("audit-export", False): MANAGER_ONLY,
    ("ical-page", False): PRACTITIONERS_ONLY,
    ("two-factor-setup", False): ALL_STAFF_200,
    # Only the manager has a device (from client_as): the others are sent to set one up.
    ("two-factor-verify", False): {**dict.fromkeys(STAFF, 302), "manager": 200},
    ("logout", False): {**dict.fromkeys(STAFF, 405), "anonymous": 302},
    ("login", False): {"anonymous": 200},
    ("healthz", False): {"anonymous": 200},
    ("ical-feed", False): dict.fromkeys(ROLES, 404),  # an unknown token
    ("api-token", True): dict.fromkeys(ROLES, 405),
    ("api-schema", True): {**ALL_STAFF_200, "anonymous": 401},
    ("api-docs", True): {**ALL_STAFF_200, "anonymous": 401},
    ("patient-list", True): ALL_STAFF_200,
    ("patient-detail", True): ALL_STAFF_200,
    ("practitioner-list", True): ALL_STAFF_200,
    ("practitioner-detail", True): ALL_STAFF_200,
    ("room-list", True): ALL_STAFF_200,
    ("room-detail", True): ALL_STAFF_200,
    ("closure-list", True): ALL_STAFF_200,
    ("closure-detail", True): ALL_STAFF_200,
    ("timeoff-list", True): ALL_STAFF_200,
    ("timeoff-detail", True): ALL_STAFF_200,
    ("waitlist", False): FRONT_DESK_ONLY,
    ("waitlist-add", False): FRONT_DESK_ONLY,
    ("waitlist-entry-offer", False): FRONT_DESK_ONLY,
    ("waitlist-entry-cancel", False): FRONT_DESK_POST,
    ("waitlist-list", True): FRONT_DESK_ONLY,
    ("waitlist-offers", True): FRONT_DESK_ONLY,
    ("waitlist-cancel", True): FRONT_DESK_POST,
}

# Which row's id fills a path, by the start of its url name.
ID_SOURCES = (
    "patient",
    "practitioner",
    "room",
    "closure",
    "timeoff",
    "course",
    "appointment",
    "session",
    "waitlist",
)
ID_IN_PATH = re.compile(r"/(1|x)(/|$)")

PATHS = [(path, name) for path, name in ALL_PATHS if "(?P" not in path]


@pytest.fixture
def rows(patient, practitioner, rooms, booked_course):
    now = timezone.now()
    return {
        "patient": patient.pk,
        "practitioner": practitioner.pk,
        "room": rooms[0].pk,
        "closure": Closure.objects.create(
            start_date=date(2027, 12, 24), end_date=date(2027, 12, 26)
        ).pk,
        "timeoff": TimeOff.objects.create(
            practitioner=practitioner, start=now + timedelta(days=3), end=now + timedelta(days=4)
        ).pk,
        "course": booked_course.pk,
        "appointment": booked_course.appointments.first().pk,
        "session": booked_course.appointments.first().pk,
        "waitlist": WaitlistEntry.objects.create(
            patient=patient,
            appointment=booked_course.appointments.first(),
            earliest_time=time(9),
            latest_time=time(12),
            until=date(2027, 12, 31),
        ).pk,
    }


@pytest.fixture
def as_role(request, client_as, receptionist, practitioner, other_practitioner, manager):
    """Return a function giving (page client, API client) for a role name."""
    users = {
        "receptionist": receptionist,
        "practitioner": practitioner.user,
        "other_practitioner": other_practitioner.user,
        "manager": manager,
    }

    def clients(role: str):
        if role == "anonymous":
            return request.getfixturevalue("client"), APIClient()
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(users[role])}")
        return client_as(users[role]), api

    return clients


def real_path(path: str, name: str, rows: dict) -> str:
    for source in ID_SOURCES:
        if name.replace("time-off", "timeoff").startswith(source):
            return ID_IN_PATH.sub(f"/{rows[source]}\\2", path, count=1)
    return path


def is_public(path: str, name: str) -> bool:
    """Public: named above, or a page marked login_not_required (patient links, webhooks)."""
    if name in PUBLIC:
        return True
    if path.startswith("/api/"):
        return False  # DRF marks every API view login_not_required: it authenticates itself
    try:
        return getattr(resolve(path).func, "login_required", True) is False
    except Resolver404:
        return False


def expected_statuses(name: str, is_api: bool, role: str, path: str = "") -> set[int]:
    explicit = EXPECTED.get((name, is_api), {})
    if role in explicit:
        return {explicit[role]}
    if is_public(path, name):
        return {200, 302, 400, 403, 404, 405}  # a forged or unknown token is refused
    if role == "anonymous":
        return {401} if is_api else {302}
    return STAFF_DEFAULT


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), PATHS, ids=[p for p, _ in PATHS])
def test_each_role_gets_the_expected_status(as_role, rows, path, name):
    is_api = path.startswith("/api/")
    url = real_path(path, name, rows)
    wrong = []
    for role in ROLES:
        page_client, api_client = as_role(role)
        response = (api_client if is_api else page_client).get(url)
        if response.status_code not in expected_statuses(name, is_api, role, url):
            wrong.append(f"{role}: {response.status_code}")
        elif (
            role == "anonymous"
            and response.status_code == 302
            and not is_public(url, name)
            and "login/" not in response["Location"]
        ):
            wrong.append(f"anonymous sent to {response['Location']}")

    assert not wrong, f"GET {url}: " + ", ".join(wrong)


def test_the_table_only_names_paths_that_exist():
    known = {(name, path.startswith("/api/")) for path, name in PATHS}
    assert set(EXPECTED) <= known, set(EXPECTED) - known


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["practitioners", "rooms", "closures", "time-off"])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("receptionist", 403),
        ("practitioner", 403),
        ("other_practitioner", 403),
        ("manager", 400),  # allowed, but the empty body is invalid
        ("anonymous", 401),
    ],
)
def test_only_managers_change_the_clinic_setup_through_the_api(as_role, role, status, resource):
    _, api = as_role(role)

    response = api.post(f"/api/v1/{resource}/", {}, format="json")

    assert response.status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [("receptionist", 403), ("manager", 302)])
def test_only_managers_save_setup_pages(as_role, rooms, role, status):
    client, _ = as_role(role)

    response = client.post("/setup/rooms/new/", {"name": "Room 9", "active": "on"})

    assert response.status_code == status


# Clinical content: session notes and pain scores reach only the treating practitioner and the
# manager. Every GET path is walked with the ids of a recorded session.

NOTE = "zq-clinical-note: needled GB30, deep ache eased"


@pytest.fixture
def recorded_session(rows, booked_course, practitioner):
    from scheduling.records.models import SessionRecord

    appointment = booked_course.appointments.get(number=1)
    appointment.status = "completed"
    appointment.save(update_fields=["status"])
    SessionRecord.objects.create(
        appointment=appointment,
        pain_before=7,
        pain_after=3,
        notes=NOTE,
        recorded_by=practitioner.user,
    )
    return {**rows, "appointment": appointment.pk, "session": appointment.pk}


def bodies_for(as_role, role: str, rows: dict) -> dict[str, str]:
    page_client, api_client = as_role(role)
    bodies = {}
    for path, name in PATHS:
        if is_public(path, name) or name in {"logout", "audit-export"}:
            continue
        url = real_path(path, name, {**rows, "session": rows["appointment"]})
        client = api_client if path.startswith("/api/") else page_client
        response = client.get(url)
        if not getattr(response, "streaming", False):
            bodies[url] = response.content.decode(errors="replace")
    return bodies


@pytest.mark.django_db
def test_receptionists_never_receive_session_notes_or_pain_scores(as_role, recorded_session):
    leaks = [
        url
        for url, body in bodies_for(as_role, "receptionist", recorded_session).items()
        if "zq-clinical-note" in body or '"pain_before"' in body
    ]

    assert not leaks, f"clinical content reached the receptionist at {leaks}"


@pytest.mark.django_db
def test_another_practitioner_never_receives_the_notes(as_role, recorded_session):
    leaks = [
        url
        for url, body in bodies_for(as_role, "other_practitioner", recorded_session).items()
        if "zq-clinical-note" in body
    ]

    assert not leaks, f"David read Mei's patient's notes at {leaks}"


@pytest.mark.django_db
def test_the_treating_practitioner_does_see_the_notes(as_role, recorded_session):
    bodies = bodies_for(as_role, "practitioner", recorded_session)

    assert any("zq-clinical-note" in body for body in bodies.values())


# A cancelled or missed visit is no treating relation: David, whose only session with Ana was
# cancelled (or missed), reads none of her clinical record, on any page or API path.


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["cancelled", "no_show"])
def test_a_cancelled_or_missed_visit_gives_another_practitioner_no_clinical_record(
    as_role, recorded_session, booked_course, other_practitioner, status
):
    from scheduling.models import Appointment
    from scheduling.selectors import can_read_clinical

    session = booked_course.appointments.get(number=3)
    Appointment.objects.filter(pk=session.pk).update(practitioner=other_practitioner, status=status)

    leaks = [
        url
        for url, body in bodies_for(as_role, "other_practitioner", recorded_session).items()
        if "zq-clinical-note" in body or '"pain_before"' in body
    ]

    assert not leaks, f"a {status} visit let David read Ana's record at {leaks}"
    assert not can_read_clinical(other_practitioner.user, patient_id=booked_course.patient_id)


@pytest.mark.django_db
def test_a_booked_visit_does_make_the_other_practitioner_a_treating_one(
    booked_course, other_practitioner
):
    from scheduling.models import Appointment
    from scheduling.selectors import can_read_clinical

    session = booked_course.appointments.get(number=3)
    Appointment.objects.filter(pk=session.pk).update(practitioner=other_practitioner)

    assert can_read_clinical(other_practitioner.user, patient_id=booked_course.patient_id)


# The Django admin cannot tell which patients a practitioner treats, so it shows clinical models
# to the manager only. Every clinical model the admin knows (the records app's, the point
# catalogue aside) is walked: its list, its add page and its change page.

CLINICAL_ADMIN_EXCEPT = {"acupuncturepoint"}


def clinical_admin_models():
    from django.contrib import admin

    return sorted(
        (model for model in admin.site._registry if model._meta.app_label == "records"),
        key=lambda model: model._meta.model_name,
    )


def test_the_admin_walk_covers_the_clinical_models():
    names = {model._meta.model_name for model in clinical_admin_models()}
    assert {"sessionrecord", "painreport", "coursereview"} <= names


@pytest.fixture
def clinical_rows(recorded_session, booked_course, patient, practitioner):
    from scheduling.records.models import CourseReview, PainReport, SessionRecord

    PainReport.objects.create(patient=patient, course=booked_course, score=4, source="staff")
    CourseReview.objects.create(
        course=booked_course, stage="midpoint", decision="continue", responder=True
    )
    return SessionRecord.objects.all()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("practitioner", 403), ("receptionist", 403), ("manager", 200)],
)
def test_only_the_manager_opens_clinical_models_in_the_admin(
    as_role, clinical_rows, receptionist, practitioner, manager, role, status
):
    users = {"practitioner": practitioner.user, "receptionist": receptionist, "manager": manager}
    get_user_model().objects.filter(pk=users[role].pk).update(is_staff=True)
    client, _ = as_role(role)
    wrong = []
    for model in clinical_admin_models():
        meta = model._meta
        if meta.model_name in CLINICAL_ADMIN_EXCEPT:
            continue
        row = model.objects.first()
        assert row is not None, f"no {meta.model_name} row to open"
        for page in ("changelist", "change"):
            args = [row.pk] if page == "change" else []
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_{page}", args=args)
            response = client.get(url)
            if response.status_code != status:
                wrong.append(f"{url}: {response.status_code}")
            elif status == 403 and "zq-clinical-note" in response.content.decode():
                wrong.append(f"{url}: shows the note")

    assert not wrong, f"{role}: " + ", ".join(wrong)
