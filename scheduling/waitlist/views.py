"""Wait-list pages: the front desk's list (add, cancel, offer a time by hand) and the page a
patient opens from an offer to claim it.

The claim page is a patient link page: GET shows the offered time and changes nothing, POST
claims; a bad, used, expired or taken offer gets a page saying so and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic.localtime import local_when, patient_zone
from clinic.models import Clinic
from clinic.roles import FRONT_DESK_ROLES, role_required
from scheduling.reminders.links import LinkError
from scheduling.services.errors import BookingError
from scheduling.waitlist import links, services
from scheduling.waitlist.forms import EntryForm, HandOfferForm, PatientPickForm
from scheduling.waitlist.models import Offer, WaitlistEntry

PER_PAGE = 25


@role_required(*FRONT_DESK_ROLES)
def entry_list(request):
    offers = Offer.objects.select_related("practitioner", "room", "reminder").order_by("created_at")
    entries = WaitlistEntry.objects.select_related(
        "patient", "course", "appointment", "practitioner", "booked"
    ).prefetch_related(Prefetch("offers", queryset=offers))
    page = Paginator(entries.order_by("created_at", "pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "waitlist/list.html",
        {
            "page_obj": page,
            "paginator": page.paginator,
            "is_paginated": page.has_other_pages(),
            "entries": page.object_list,
        },
    )


@role_required(*FRONT_DESK_ROLES)
def entry_add(request):
    pick = PatientPickForm(request.GET or None)
    if not pick.is_valid():
        return render(request, "waitlist/add.html", {"pick": pick})
    patient = pick.cleaned_data["patient"]
    form = EntryForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_create(**form.service_arguments(), by=request.user)
        except BookingError as exc:
            for field, errors in exc.errors.items():
                field = "want" if field in ("course", "appointment") else field
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"{patient.full_name} is on the wait list.")
            return redirect("waitlist")
    return render(request, "waitlist/add.html", {"pick": pick, "patient": patient, "form": form})


@role_required(*FRONT_DESK_ROLES)
@require_http_methods(["POST"])
def entry_cancel(request, pk: int):
    entry = get_object_or_404(WaitlistEntry, pk=pk)
    try:
        services.entry_cancel(entry=entry, by=request.user)
    except BookingError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, f"{entry.patient.full_name} is off the wait list.")
    return redirect("waitlist")


@role_required(*FRONT_DESK_ROLES)
def entry_offer(request, pk: int):
    entry = get_object_or_404(WaitlistEntry.objects.select_related("patient"), pk=pk)
    form = HandOfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_by_hand(entry=entry, start=form.start(), by=request.user)
        except BookingError as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error("start_time" if field == "start" else None, error)
        else:
            messages.success(request, f"The time is offered to {entry.patient.full_name}.")
            return redirect("waitlist")
    return render(request, "waitlist/offer.html", {"entry": entry, "form": form})


# -- the patient's claim page ---------------------------------------------------------------------

REFUSALS = {
    "invalid": (400, "This link is not valid", "It may have been copied incompletely."),
    "expired": (
        410,
        "This offer has expired",
        "We hold a free time for a short while, then offer it to the next person waiting. "
        "You are still on our wait list.",
    ),
    "used": (410, "You have already claimed this time", "It is booked for you."),
    "gone": (
        410,
        "Sorry, this time has gone",
        "Someone else claimed it first. You are still on our wait list: we will tell you when "
        "another time comes free.",
    ),
}


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {"clinic": Clinic.load(), **context}, status=status)


def _refused(request, reason: str):
    status, title, detail = REFUSALS[reason]
    return _page(request, "waitlist/claim_refused.html", {"title": title, "detail": detail}, status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def claim(request, token: str):
    try:
        offer = links.read_token(token)
    except LinkError as exc:
        return _refused(request, exc.reason)
    tz = patient_zone(offer.entry.patient, Clinic.load())
    context = {
        "when": local_when(offer.starts_at, tz),
        "practitioner": offer.practitioner.name,
        "claim_by": local_when(offer.expires_at, tz),
        "patient": offer.entry.patient,
    }
    if request.method == "POST":
        try:
            services.offer_claim(offer=offer)
        except services.OfferGone as exc:
            return _refused(request, exc.reason)
        return _page(request, "waitlist/claimed.html", context)
    return _page(request, "waitlist/claim.html", context)
