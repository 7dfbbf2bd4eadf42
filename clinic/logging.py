"""A logging filter that keeps clinical content out of log output.

The rule is that no code logs a condition, pain score or note. This filter is the safety net for
a mistake: values under known clinical keys, whether in a record's ``extra`` fields, in a dict
passed as the message's arguments, or written as ``key=value`` in the message, become [redacted].
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
CLINICAL_KEYS = frozenset(
    {
        "condition",
        "diagnosis",
        "red_flags",
        "red_flag_override",
        "pain",
        "pain_score",
        "pain_before",
        "pain_after",
        "score",
        "notes",
        "note",
        "decision_note",
        "points",
    }
)
_KEY_VALUE = re.compile(
    r"\b(" + "|".join(sorted(CLINICAL_KEYS, key=len, reverse=True)) + r")(\s*[=:]\s*)"
    r"('[^']*'|\"[^\"]*\"|\[[^\]]*\]|[^\s,;)}]+)",
    re.IGNORECASE,
)


def redact(value):
    """Return `value` with clinical keys' values replaced, for dicts, lists and tuples of them."""
    if isinstance(value, dict):
        return {
            key: REDACTED if str(key).lower() in CLINICAL_KEYS else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact(item) for item in value)
    if isinstance(value, str):
        return _KEY_VALUE.sub(lambda m: m.group(1) + m.group(2) + REDACTED, value)
    return value


class RedactClinicalFilter(logging.Filter):
    """Redact clinical values in a log record; never drops the record itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key in CLINICAL_KEYS & set(record.__dict__):
            setattr(record, key, REDACTED)
        if record.args:
            record.args = redact(record.args)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # logging reports the broken format string itself
        # Redact the message as it will be printed, placeholders already filled in.
        record.msg, record.args = redact(message), ()
        return True


class OneLineForClientErrors(logging.Filter):
    """Log a refused request (a 4xx: 403, 404...) as one line, without the traceback Django
    attaches: it is the client's mistake, not the server's, and the terminal fills up otherwise."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
