"""Show instants in the clinic's time zone, whatever the server's is."""

from __future__ import annotations

from django import template

register = template.Library()

STATUS_COLOURS = {
    "booked": "primary",
    "confirmed": "info",
    "checked_in": "warning",
    "completed": "success",
    "cancelled": "secondary",
    "no_show": "danger",
    "active": "primary",
}


@register.filter
def local(value, tz):
    """Return an aware datetime converted to `tz` (the clinic's zone)."""
    return value.astimezone(tz) if value else value


@register.filter
def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
