"""Phone numbers as the clinic types them, stored in E.164 (+12125550123)."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "US"


class InvalidPhone(ValueError):
    pass


def normalise_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """Return the number in E.164 form, or raise InvalidPhone with a message for the form."""
    text = (text or "").strip()
    if not text:
        return ""
    if re.search(r"[^\W\d_]", text):
        # phonenumbers reads "212-555-CALL" as a keypad word; a patient's number is digits.
        raise InvalidPhone(f"“{text}” has letters in it: type the number in digits.")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(f"“{text}” is not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"“{text}” is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Parsing costs a quarter of a millisecond; every reminder and many pages show the clinic's number.
@lru_cache(maxsize=4096)
def display_phone(e164: str) -> str:
    """Return a stored number in the form people read, (212) 555-0123 for US numbers."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == DEFAULT_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
