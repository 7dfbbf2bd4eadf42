"""Every staff page needs a login, every API path needs credentials (health and login excepted)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Paths anyone may open: the health check, the login page, the token endpoint, patient links
# (signed tokens) and practitioners' calendar feeds (secret tokens). The API schema and docs are
# for staff.
PUBLIC_NAMES = {"healthz", "login", "api-token", "ical-feed"}
PUBLIC_PREFIXES = ("p/", "hooks/")


def walk(patterns, prefix=""):
    """Yield (path, name) for every URL pattern, with sample values for its arguments."""
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                yield "/admin/", "admin:index"
                continue
            yield from walk(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield "/" + fill(prefix + route), entry.name


def fill(route: str) -> str:
    route = route.lstrip("^").rstrip("$")
    for converter, sample in (("<int:", "1"), ("<str:", "x"), ("<slug:", "x"), ("<uuid:", "")):
        while converter in route:
            start = route.index(converter)
            end = route.index(">", start)
            value = sample or "00000000-0000-0000-0000-000000000000"
            route = route[:start] + value + route[end + 1 :]
    route = route.replace("\\.(?P<format>[a-z0-9]+)/?", "").replace("(?P<pk>[^/.]+)", "1")
    return route.replace("\\", "")


ALL_PATHS = sorted(set(walk(get_resolver().url_patterns)))
STAFF_PAGES = [
    (path, name)
    for path, name in ALL_PATHS
    if not path.startswith("/api/")
    and name not in PUBLIC_NAMES
    and not path.lstrip("/").startswith(PUBLIC_PREFIXES)
    and "(?P" not in path
]
API_PATHS = [
    (path, name)
    for path, name in ALL_PATHS
    if path.startswith("/api/") and name not in PUBLIC_NAMES and "(?P" not in path
]


def test_the_walk_finds_the_pages_and_api():
    names = {name for _, name in ALL_PATHS}
    assert {"home", "patient-list", "setup"} <= names
    assert len(API_PATHS) >= 10


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), STAFF_PAGES, ids=[p for p, _ in STAFF_PAGES])
def test_staff_pages_send_anonymous_visitors_to_login(client, path, name):
    response = client.get(path)
    assert response.status_code == 302, path
    assert "/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), API_PATHS, ids=[p for p, _ in API_PATHS])
@pytest.mark.parametrize("method", ["get", "post"])
def test_api_refuses_requests_without_credentials(api, path, name, method):
    response = getattr(api, method)(path, {}, format="json")
    assert response.status_code in (401, 403, 405), (path, response.status_code)
    if response.status_code != 405:
        assert response.status_code == 401


@pytest.mark.django_db
def test_health_and_login_are_public(client):
    assert client.get("/login/").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)


@pytest.mark.django_db
def test_a_user_without_a_role_gets_nothing(client, api):
    from django.contrib.auth.models import User

    nobody = User.objects.create_user("nobody", password="x-very-long-password")
    client.force_login(nobody)
    assert client.get("/patients/").status_code == 403
    api.force_authenticate(nobody)
    assert api.get("/api/v1/patients/").status_code == 403
