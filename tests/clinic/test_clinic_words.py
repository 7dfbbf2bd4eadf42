"""Pages and logs speak the clinic's words: proper plurals, names staff know, one log line for a
refused request."""

from __future__ import annotations

import logging
import sys
from zoneinfo import ZoneInfo

import pytest

from clinic.audit import audit_log
from clinic.logging import OneLineForClientErrors
from clinic.models import Closure
from scheduling.records.services import pain_report_create

NEW_YORK = ZoneInfo("America/New_York")
pytestmark = pytest.mark.django_db


def test_a_closure_over_one_session_says_it_in_the_singular(client_as, manager, book, booking_day):
    book(sessions=1, per_week=1, weekdays=[0])
    response = client_as(manager).post(
        "/setup/closures/new/",
        {"start_date": "2027-03-01", "end_date": "2027-03-01", "reason": "Storm"},
        follow=True,
    )
    page = response.content.decode()
    assert Closure.objects.count() == 1
    assert "1 booked session falls in this time and must be moved" in page
    assert "session(s)" not in page


def test_the_audit_log_names_courses_as_staff_know_them(client_as, manager, book, booking_day):
    course = book()
    audit_log(user=manager, action="view", obj=course)
    page = client_as(manager).get("/audit/").content.decode()
    assert f'<a href="/courses/{course.pk}/">Course {course.pk}</a>' in page
    assert "scheduling.treatmentcourse" not in page


def test_admin_sections_have_names_managers_read(client_as, manager):
    manager.is_staff = True
    manager.save()
    page = client_as(manager).get("/admin/").content.decode()
    assert "Login lockouts" in page
    assert "Two-factor authenticators" in page
    assert "AXES" not in page and "OTP_TOTP" not in page


def test_a_refused_request_is_one_log_line_without_a_traceback():
    try:
        raise PermissionError("no")
    except PermissionError:
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Forbidden: /audit/", (), sys.exc_info()
        )
    record.status_code = 403
    assert OneLineForClientErrors().filter(record)
    assert record.exc_info is None
    formatted = logging.Formatter("%(message)s").format(record)
    assert formatted == "Forbidden: /audit/"


def test_a_server_error_keeps_its_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Server error", (), sys.exc_info()
        )
    record.status_code = 500
    OneLineForClientErrors().filter(record)
    assert "ValueError: boom" in logging.Formatter("%(message)s").format(record)


def test_django_lines_are_printed_once():
    django_logger = logging.getLogger("django")
    assert django_logger.propagate is False
    filters = [f for handler in django_logger.handlers for f in handler.filters]
    assert any(isinstance(f, OneLineForClientErrors) for f in filters)


def test_pain_reports_show_who_entered_them_by_name(client_as, practitioner, book, booking_day):
    course = book()
    pain_report_create(
        patient=course.patient, score=5, source="phone", course=course, by=practitioner.user
    )
    page = client_as(practitioner.user).get(f"/courses/{course.pk}/progress/").content.decode()
    assert "<td>Mei Chen</td>" in page
