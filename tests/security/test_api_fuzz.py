"""Schema-driven fuzzing: Schemathesis generates requests from the API's OpenAPI schema and sends
them to the Django app as a manager, with a token issued against a two-factor code. No input may
cause a 500, every response must match the published schema, and every operation is covered.

The seed is fixed (FUZZ_SEED overrides it) and printed with the number of cases at the end."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, seed, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from clinic.wsgi import application
from tests.conftest import PASSWORD
from tests.security.conftest import current_code

SEED = int(os.environ.get("FUZZ_SEED", "20270301"))
CASES: Counter[str] = Counter()


@pytest.fixture
def manager_token(manager, patient, practitioner, rooms, totp_device) -> str:
    """A token the manager gets the documented way: password and the phone's current code."""
    device = totp_device(manager)
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": manager.username, "password": PASSWORD, "otp_token": current_code(device)},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def wsgi_token(manager_token):
    """Return the manager's token, with requests sent straight to the WSGI app kept from closing
    the database connection that holds the test's transaction, as Django's test client does
    (which is why the token is fetched first: the test client connects the closing again)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield manager_token
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def generated_schema() -> dict:
    """Return the OpenAPI schema the API serves at /api/v1/schema/ (which needs a staff login, so
    it is built here without a request: collecting tests has no database to log in with)."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


RAW_SCHEMA = generated_schema()
OPERATIONS = {
    f"{method.upper()} {path}"
    for path, item in RAW_SCHEMA["paths"].items()
    for method in item
    if method in {"get", "post", "put", "patch", "delete"}
}
schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
schema.app = application


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@seed(SEED)
def test_no_input_causes_a_500_or_breaks_the_schema(case, wsgi_token):
    CASES[f"{case.operation.method.upper()} {case.operation.path}"] += 1
    case.call_and_validate(
        headers={"Authorization": f"Token {wsgi_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )


@pytest.mark.django_db
def test_the_fuzzed_schema_is_the_one_the_api_serves(api_as, manager):
    served = api_as(manager).get("/api/v1/schema/", {"format": "json"})

    assert served.status_code == 200
    assert json.loads(served.content) == RAW_SCHEMA


def test_the_fuzz_run_covered_every_operation(request, capsys):
    """Runs after the fuzz tests above (pytest keeps the file's order)."""
    fuzzed = [
        item
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_no_input_causes_a_500_or_breaks_the_schema"
    ]
    if len(fuzzed) < len(OPERATIONS):
        pytest.skip("only some operations were selected for this run")
    missing = sorted(OPERATIONS - set(CASES))
    with capsys.disabled():
        print(
            f"\nschemathesis: seed {SEED}, {sum(CASES.values())} cases over {len(CASES)} of "
            f"{len(OPERATIONS)} operations, as a manager with a two-factor token"
        )

    assert not missing, f"operations never fuzzed: {missing}"
