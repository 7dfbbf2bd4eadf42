"""Read-side queries for patients."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from patients.models import Patient
from patients.phones import InvalidPhone, normalise_phone


def patient_search(query: str) -> QuerySet[Patient]:
    """Return patients whose name, phone or email matches what the receptionist typed."""
    patients = Patient.objects.all()
    query = (query or "").strip()
    if not query:
        return patients
    match = Q(email__icontains=query)
    for word in query.split():
        match |= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    if len(query.split()) > 1:
        first, *rest = query.split()
        match |= Q(first_name__icontains=first, last_name__icontains=" ".join(rest))
    try:
        phone = normalise_phone(query)
    except InvalidPhone:
        phone = ""
    digits = "".join(ch for ch in query if ch.isdigit())
    if phone:
        match |= Q(phone=phone)
    elif len(digits) >= 4:
        match |= Q(phone__contains=digits)
    return patients.filter(match)
