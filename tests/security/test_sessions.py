"""Staff sessions are read with one short statement, by the same rule as Django's store: the
key, and not yet expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from clinic.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_staff_session_reads_as_with_django_s_own_store_in_one_query(
    client, receptionist, django_assert_num_queries
):
    client.force_login(receptionist)
    key = client.cookies["sessionid"].value
    with django_assert_num_queries(1):
        data = SessionStore(key).load()
    assert data == DjangoStore(key).load()
    assert data["_auth_user_id"] == str(receptionist.pk)
    assert client.get(reverse("attention")).status_code == 200


def test_an_expired_or_unknown_session_reads_as_none_and_the_page_asks_to_log_in(
    client, receptionist
):
    client.force_login(receptionist)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None  # a new key is made if anything is saved
    assert SessionStore("x" * 32).load() == {}
    page = client.get(reverse("attention"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))


def test_a_malformed_key_reads_nothing_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert SessionStore("short").load() == {}


def test_saving_and_logging_out_keep_django_s_behaviour(client, receptionist):
    client.force_login(receptionist)
    key = client.cookies["sessionid"].value
    store = SessionStore(key)
    store["note"] = "kept"
    store.save()
    assert DjangoStore(key).load()["note"] == "kept"
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert SessionStore(key).load() == {}
