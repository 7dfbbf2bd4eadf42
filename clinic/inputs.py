"""Read what people type into query strings and forms, refusing the absurd before it reaches the
database or date arithmetic (a year 9999 date overflows the moment a day is added to it)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# Ids fit PostgreSQL's and SQLite's integers; anything larger cannot name a row.
MAX_ID = 2**31 - 1


def as_id(text: str | None) -> int | None:
    """Return a database id from text, or None when it is not a plain positive number."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def as_day(text: str | None) -> date | None:
    """Return a YYYY-MM-DD date from text, or None when it is not one or is out of range."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if EARLIEST_DATE <= day <= LATEST_DATE else None


def validate_reasonable_date(value: date) -> None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            f"Give a date between {EARLIEST_DATE:%Y} and {LATEST_DATE:%Y}.", code="out_of_range"
        )


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time that must carry its UTC offset, as the API promises.

    A bare "2027-03-15T10:00" could mean any zone; rather than guess, it is refused.
    """

    default_error_messages = {
        "no_offset": "Give the time with its UTC offset, e.g. 2027-03-15T10:00:00-04:00.",
        "out_of_range": f"Give a time between {EARLIEST_DATE:%Y} and {LATEST_DATE:%Y}.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                self.fail("no_offset")
            if parsed is not None and not EARLIEST_DATE <= parsed.date() <= LATEST_DATE:
                self.fail("out_of_range")
        return super().to_internal_value(value)
