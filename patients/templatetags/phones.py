from __future__ import annotations

import phonenumbers
from django import template

from patients.phones import display_phone

register = template.Library()


@register.filter
def phone(e164: str) -> str:
    """Show a stored +12125550123 as (212) 555-0123."""
    try:
        return display_phone(e164)
    except phonenumbers.NumberParseException:  # stored before validation: show it as it is
        return e164
