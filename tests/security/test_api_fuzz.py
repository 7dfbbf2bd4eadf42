"""Schema-driven fuzzing: Schemathesis generates requests from /api/v1/schema/ and sends them to
the Django app as a manager (Token header). No input may cause a 500, and every response must
match the schema the API publishes."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from clinic.wsgi import application


@pytest.fixture(autouse=True)
def keep_the_test_transaction_open():
    """Do as Django's test client does: requests sent straight to the WSGI app must not close
    the database connection that holds the test's transaction (PostgreSQL would lose it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def manager_token(manager, patient, practitioner, rooms) -> str:
    # Holding a token stands for having given the code when it was issued (see clinic.security).
    return Token.objects.create(user=manager).key


# Loaded when the module is collected: serving the schema needs no database. (Schemathesis's
# lazy `from_fixture` loader does not work with pytest 9: it reads `request.node._nodeid`.)
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_causes_a_500_or_breaks_the_schema(case, manager_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {manager_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
