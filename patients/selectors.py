"""Read-side queries for patients."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from patients.models import Patient, name_key
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


def possible_duplicates(
    *, first_name: str, last_name: str, email: str = "", phone: str = "", exclude=None
) -> list[tuple[Patient, str]]:
    """Return patients who may be the same person, with what matched ("phone", "email" or
    "name": the names ignoring case and accents), strongest match first; at most ten."""
    checks = [("phone", Q(phone=phone) if phone else None)]
    checks.append(("email", Q(email__iexact=email.strip()) if email.strip() else None))
    key = name_key(first_name, last_name)
    checks.append(("name", Q(name_key=key) if key else None))
    found: dict[int, tuple[Patient, str]] = {}
    for match, condition in checks:
        if condition is None:
            continue
        candidates = Patient.objects.filter(condition)
        if exclude is not None and exclude.pk:
            candidates = candidates.exclude(pk=exclude.pk)
        for patient in candidates.order_by("pk")[:10]:
            found.setdefault(patient.pk, (patient, match))
    return list(found.values())[:10]
