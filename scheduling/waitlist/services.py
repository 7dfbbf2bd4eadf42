"""The wait list: adding and cancelling entries, offering freed times one entry at a time,
claiming an offer, and expiring offers nobody claimed.

A freed time (a cancelled session's, or time off or a closure shortened or removed) goes to the
entries that want it in the order they joined the list, one at a time: the first gets a message
(the reminders dispatch: their channel, consent, quiet hours and SMS caps) with a claim link held
for WAITLIST_OFFER_HOLD; when that lapses, `offers_expire` (Celery beat) offers it to the next.
An offer is only made for a time the booking services would book for the entry at that moment: a
trial booking in a savepoint, rolled back. A claim books through the same services; when two
claims race for one time, the database's exclusion constraints let one through and the other is
told the time has gone.

Booking sends its signals inside its transaction (scheduling.signals); the receivers at the end
of this module react in that same transaction.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinic.localtime import local_when, patient_zone, window_start_for
from clinic.models import Clinic, Practitioner
from patients.models import Patient
from scheduling import signals
from scheduling.models import Appointment, TreatmentCourse
from scheduling.reminders import kinds
from scheduling.reminders import services as reminder_services
from scheduling.reminders.models import Reminder
from scheduling.services import appointments as visit_services
from scheduling.services.errors import BookingConflict, BookingError
from scheduling.waitlist import links, matching
from scheduling.waitlist.models import Offer, WaitlistEntry

log = logging.getLogger(__name__)

Status = WaitlistEntry.Status


class OfferGone(Exception):
    """The offer cannot be claimed: `reason` is "gone", "expired" or "used"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# -- the session an entry is about ----------------------------------------------------------------


def missing_session(course: TreatmentCourse) -> Appointment | None:
    """Return the course's first cancelled or missed session with no make-up booked."""
    kept = course.appointments.active().values_list("number", flat=True)
    return (
        course.appointments.filter(
            status__in=[Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW]
        )
        .exclude(number__in=kept)
        .order_by("number", "-starts_at")
        .first()
    )


def entry_session(entry: WaitlistEntry) -> Appointment | None:
    """Return the session a claim would book or move: the course's missing one, or the booked
    one to bring forward; None when there is none any more."""
    if entry.appointment_id:
        visit = entry.appointment
        return visit if visit.status in Appointment.UPCOMING_STATUSES else None
    return missing_session(entry.course)


def wishes_of(entry: WaitlistEntry) -> matching.Wishes:
    return matching.Wishes(
        practitioner_id=entry.practitioner_id,
        weekdays=tuple(entry.weekdays),
        earliest=entry.earliest_time,
        latest=entry.latest_time,
        until=entry.until,
    )


# -- entries --------------------------------------------------------------------------------------


def entry_create(
    *,
    patient: Patient,
    course: TreatmentCourse | None = None,
    appointment: Appointment | None = None,
    practitioner: Practitioner | None = None,
    weekdays: list[int],
    earliest_time: time,
    latest_time: time,
    until: date,
    by,
) -> WaitlistEntry:
    """Put the patient on the wait list; raise BookingError naming the field at fault."""
    _check_entry(patient, course, appointment, weekdays, earliest_time, latest_time, until)
    session = appointment or missing_session(course)
    if practitioner is not None and practitioner.pk != session.practitioner_id:
        # A make-up or a move keeps the session's practitioner (the booking services' rule).
        raise BookingError(
            {
                "practitioner": [
                    f"Visit {session.number} is with {session.practitioner.name}, and a make-up "
                    "or a move stays with them: choose them or any practitioner."
                ]
            }
        )
    with transaction.atomic():
        open_entries = WaitlistEntry.objects.select_for_update().filter(
            status__in=WaitlistEntry.OPEN_STATUSES
        )
        if course and open_entries.filter(course=course).exists():
            raise BookingError({"course": ["This course is already on the wait list."]})
        if appointment and open_entries.filter(appointment=appointment).exists():
            raise BookingError({"appointment": ["This visit is already on the wait list."]})
        return WaitlistEntry.objects.create(
            patient=patient,
            course=course,
            appointment=appointment,
            practitioner=practitioner,
            weekdays=sorted(set(weekdays)),
            earliest_time=earliest_time,
            latest_time=latest_time,
            until=until,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )


def _check_entry(patient, course, appointment, weekdays, earliest, latest, until) -> None:
    if (course is None) == (appointment is None):
        raise BookingError(
            {
                "course": [
                    "Give either a course (a missing session) or an appointment (to bring "
                    "forward), not both and not neither."
                ]
            }
        )
    if course is not None:
        if course.patient_id != patient.pk:
            raise BookingError({"course": ["This course is another patient's."]})
        if course.status not in TreatmentCourse.OPEN_STATUSES:
            raise BookingError({"course": ["This course is no longer active."]})
        if missing_session(course) is None:
            raise BookingError({"course": ["This course has no missing session to fill."]})
    if appointment is not None:
        if appointment.patient_id != patient.pk:
            raise BookingError({"appointment": ["This visit is another patient's."]})
        if (
            appointment.status not in Appointment.UPCOMING_STATUSES
            or appointment.starts_at <= timezone.now()
        ):
            raise BookingError({"appointment": ["Only an upcoming booked visit can be moved."]})
    wrong = [day for day in weekdays if not 0 <= day <= 6]
    if wrong:
        raise BookingError(
            {"weekdays": [f"Weekdays run from 0 (Monday) to 6 (Sunday); {wrong[0]} is not one."]}
        )
    if earliest >= latest:
        raise BookingError({"latest_time": ["The latest time must be after the earliest."]})
    if until < Clinic.load().today():
        raise BookingError({"until": ["This date is in the past."]})


def entry_cancel(*, entry: WaitlistEntry, by) -> WaitlistEntry:
    """Take an entry off the list; an open offer it holds goes to the next entry."""
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if not entry.is_open:
            raise BookingError(
                f"This entry is {entry.get_status_display().lower()}: it is no longer on the list."
            )
        _entry_close(entry, Status.CANCELLED)
    return entry


def _entry_close(entry: WaitlistEntry, status: str) -> None:
    """Close the entry (locked by the caller) and its open offer, which goes to the next."""
    entry.close(status)
    entry.save(update_fields=["status", "closed_at"])
    for offer in entry.offers.select_for_update().filter(status=Offer.Status.OPEN):
        offer.close(Offer.Status.EXPIRED)
        offer.save(update_fields=["status", "closed_at"])
        _end_message(offer)
        slot_offer_next(_freed(offer))


def entries_expire(*, today: date | None = None) -> int:
    """Close the waiting entries whose last wanted date has passed; return how many."""
    today = today or Clinic.load().today()
    return WaitlistEntry.objects.filter(status=Status.WAITING, until__lt=today).update(
        status=Status.EXPIRED, closed_at=timezone.now()
    )


# -- offering -------------------------------------------------------------------------------------


def _freed(offer: Offer) -> matching.FreedTime:
    return matching.FreedTime(offer.practitioner_id, offer.room_id, offer.starts_at, offer.ends_at)


def slot_offer_next(
    freed: matching.FreedTime, *, now: datetime | None = None, skip_patients: set[int] = frozenset()
) -> Offer | None:
    """Offer a freed time to the longest-waiting entry that wants it, can be booked into it and
    has not been offered it before (patients in `skip_patients` aside: those who just gave it
    up); return the offer, or None if nobody is left."""
    now = now or timezone.now()
    if freed.start <= now:
        return None
    tz = Clinic.load().tz
    had_it = Offer.objects.filter(practitioner_id=freed.practitioner_id, starts_at=freed.start)
    entries = (
        WaitlistEntry.objects.filter(status=Status.WAITING, until__gte=now.astimezone(tz).date())
        .exclude(pk__in=had_it.values("entry_id"))
        .exclude(patient_id__in=skip_patients)
        .select_related("patient", "appointment", "course")
        .order_by("created_at", "pk")
    )
    for entry in entries:
        if not matching.wants(wishes_of(entry), freed, tz):
            continue
        offer = _try_offer(entry, freed.start, practitioner_id=freed.practitioner_id, now=now)
        if offer:
            return offer
    return None


def _try_offer(entry: WaitlistEntry, start: datetime, *, practitioner_id, now) -> Offer | None:
    """Offer `start` to the entry if it still waits and can be booked into it, else None; a
    refusal rolls back to its savepoint."""
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.select_for_update(skip_locked=True).get(pk=entry.pk)
            if entry.status != Status.WAITING:
                return None
            return _offer(entry, start, practitioner_id=practitioner_id, now=now)
    except (BookingError, BookingConflict, WaitlistEntry.DoesNotExist) as exc:
        log.info("wait-list entry %s not offered a freed time: %s", entry.pk, exc)
    return None


# Each time tried is a trial booking: a long stretch freed is tried this often per entry at most.
MAX_TRIES_PER_ENTRY = 48


def range_offer(
    *, practitioner_id: int | None, start: datetime, end: datetime, now: datetime | None = None
) -> list[Offer]:
    """Offer each waiting entry (longest waiting first) the first time it wants in a freed
    stretch with the practitioner (None: any), not already offered to another; return the
    offers made."""
    now = now or timezone.now()
    start = max(start, now)
    tz = Clinic.load().tz
    held = [
        (o.practitioner_id, o.starts_at, o.ends_at)
        for o in Offer.objects.filter(
            status=Offer.Status.OPEN, starts_at__lt=end, ends_at__gt=start
        )
    ]
    entries = (
        WaitlistEntry.objects.filter(status=Status.WAITING, until__gte=start.astimezone(tz).date())
        .select_related("patient", "appointment", "course")
        .order_by("created_at", "pk")
    )
    made = []
    for entry in entries:
        session = entry_session(entry)
        if session is None or practitioner_id not in (None, session.practitioner_id):
            continue
        wishes = wishes_of(entry)
        length = session.ends_at - session.starts_at
        tries = 0
        for moment in matching.candidate_starts(wishes, start, end, length, tz):
            freed = matching.FreedTime(session.practitioner_id, None, moment, moment + length)
            if not matching.wants(wishes, freed, tz) or any(
                p == freed.practitioner_id and s < freed.end and freed.start < e for p, s, e in held
            ):
                continue
            tries += 1
            if tries > MAX_TRIES_PER_ENTRY:
                break
            offer = _try_offer(entry, moment, practitioner_id=freed.practitioner_id, now=now)
            if offer:
                held.append((offer.practitioner_id, offer.starts_at, offer.ends_at))
                made.append(offer)
                break
    return made


def offer_by_hand(*, entry: WaitlistEntry, start: datetime, by) -> Offer:
    """Offer `start` to the entry's patient now, as staff chose it; raise BookingError saying
    why it cannot be offered."""
    if start.utcoffset() is None:
        raise BookingError({"start": ["Give the time with its UTC offset."]})
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status != Status.WAITING:
            raise BookingError(
                {
                    "entry": [
                        f"Only a waiting entry can be offered a time; this one is "
                        f"{entry.get_status_display().lower()}."
                    ]
                }
            )
        try:
            return _offer(entry, start, practitioner_id=None, now=timezone.now(), by=by)
        except BookingConflict as exc:
            raise BookingError({"start": [exc.detail]}) from None


def _offer(entry: WaitlistEntry, start: datetime, *, practitioner_id, now, by=None) -> Offer:
    """Make and schedule the offer of `start` to the (locked, waiting) entry, or raise
    BookingError / BookingConflict saying why it cannot be booked for them."""
    session = entry_session(entry)
    if session is None:
        raise BookingError({"entry": ["There is no session left to book for this entry."]})
    if session.course.status not in TreatmentCourse.OPEN_STATUSES:
        raise BookingError({"entry": ["The course is no longer active."]})
    if practitioner_id is not None and practitioner_id != session.practitioner_id:
        raise BookingError({"start": ["The session is with another practitioner."]})
    if entry.practitioner_id and entry.practitioner_id != session.practitioner_id:
        raise BookingError({"start": ["The patient asked for another practitioner."]})
    if entry.appointment_id and start >= session.starts_at:
        raise BookingError({"start": ["That is not earlier than the booked visit."]})
    channel = reminder_services.patient_channel(entry.patient)
    if channel is None:
        raise BookingError({"entry": ["The patient cannot be sent messages."]})
    due = window_start_for(now, patient_zone(entry.patient, Clinic.load()))
    expires = min(due + settings.WAITLIST_OFFER_HOLD, start)
    if expires <= due:
        raise BookingError({"start": ["Too soon: the patient could not be told in time."]})
    room_id = _trial_booking(entry, session, start)
    _end_messages_of(session)
    reminder = Reminder.objects.create(
        appointment=session,
        patient=entry.patient,
        kind=Reminder.Kind.WAITLIST_OFFER,
        channel=channel,
        due_at=due,
    )
    offer = Offer.objects.create(
        entry=entry,
        practitioner_id=session.practitioner_id,
        room_id=room_id,
        starts_at=start,
        ends_at=start + (session.ends_at - session.starts_at),
        key=links.new_key(),
        reminder=reminder,
        made_by=by if getattr(by, "is_authenticated", False) else None,
        expires_at=expires,
    )
    entry.status = Status.OFFERED
    entry.save(update_fields=["status"])
    reminder_services.enqueue_dispatch()
    log.info("wait-list offer %s made to entry %s", offer.pk, entry.pk)
    return offer


class _TrialOver(Exception):
    def __init__(self, room_id: int):
        self.room_id = room_id


def _trial_booking(entry: WaitlistEntry, session: Appointment, start: datetime) -> int:
    """Book the entry into `start` and roll it back: return the room the booking services
    chose, or let their BookingError or BookingConflict say why they would refuse. Its
    reminders, audit lines and after-commit work are rolled back with it."""
    try:
        with transaction.atomic():
            booked = _book(entry, session, start)
            raise _TrialOver(booked.room_id)
    except _TrialOver as trial:
        return trial.room_id


def _book(entry: WaitlistEntry, session: Appointment, start: datetime) -> Appointment:
    if entry.appointment_id:
        return visit_services.appointment_reschedule(appointment=session, start=start, by=None)
    return visit_services.appointment_rebook(appointment=session, start=start, by=None)


def _end_messages_of(session: Appointment) -> None:
    """Retire earlier offer messages hanging off the session (one live row per visit and kind):
    kept for the patient's message log and the SMS caps, a pending one never sent."""
    earlier = Reminder.objects.filter(
        appointment=session, kind=Reminder.Kind.WAITLIST_OFFER, superseded=False
    )
    earlier.filter(status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED, last_error="The offer has ended"
    )
    earlier.update(superseded=True)


def _end_message(offer: Offer) -> None:
    if offer.reminder_id:
        Reminder.objects.filter(pk=offer.reminder_id, status=Reminder.Status.PENDING).update(
            status=Reminder.Status.CANCELLED, last_error="The offer has ended"
        )


# -- claiming -------------------------------------------------------------------------------------


def offer_claim(*, offer: Offer) -> Appointment:
    """Book the offered time for the entry's patient and return the session booked; raise
    OfferGone if the offer has ended or the time was taken first."""
    try:
        with transaction.atomic():
            offer = Offer.objects.select_for_update().get(pk=offer.pk)
            if offer.status == Offer.Status.CLAIMED:
                raise OfferGone("used")
            if offer.status != Offer.Status.OPEN or offer.expires_at <= timezone.now():
                raise OfferGone("gone" if offer.status == Offer.Status.GONE else "expired")
            entry = (
                WaitlistEntry.objects.select_for_update(of=("self",))
                .select_related("appointment", "course")
                .get(pk=offer.entry_id)
            )
            session = entry_session(entry)
            if session is None:
                raise BookingError("There is no session left to book.")
            # The exclusion constraints decide between two claims of one time: the second
            # waits for the first to commit and fails, and is told the time has gone.
            booked = _book(entry, session, offer.starts_at)
            offer.close(Offer.Status.CLAIMED)
            offer.save(update_fields=["status", "closed_at"])
            entry.close(Status.BOOKED)
            entry.booked = booked
            entry.save(update_fields=["status", "closed_at", "booked"])
    except (BookingError, BookingConflict) as exc:
        log.info("wait-list offer %s could not be booked: %s", offer.pk, exc)
        _offer_gone(offer)
        raise OfferGone("gone") from None
    # After the commit, not inside it: locking the others' offers there could deadlock with a
    # claim of theirs waiting on this booking.
    _others_gone(offer)
    return booked


def _offer_gone(offer: Offer) -> None:
    """Close an open offer whose time was taken; its entry waits again."""
    with transaction.atomic():
        offer = Offer.objects.select_for_update().filter(pk=offer.pk).first()
        if offer is None or offer.status != Offer.Status.OPEN:
            return
        offer.close(Offer.Status.GONE)
        offer.save(update_fields=["status", "closed_at"])
        _end_message(offer)
        WaitlistEntry.objects.filter(pk=offer.entry_id, status=Status.OFFERED).update(
            status=Status.WAITING
        )


def _others_gone(claimed: Offer) -> None:
    """Tell every other open offer of the claimed time (its practitioner) that it has gone."""
    others = Offer.objects.filter(
        status=Offer.Status.OPEN,
        practitioner_id=claimed.practitioner_id,
        starts_at__lt=claimed.ends_at,
        ends_at__gt=claimed.starts_at,
    ).exclude(pk=claimed.pk)
    for other in others:
        _offer_gone(other)


# -- expiry (Celery beat) -------------------------------------------------------------------------


def offers_expire(*, now: datetime | None = None) -> int:
    """Close open offers nobody claimed in time (or whose message could not go out), and offer
    each time to the next entry; close entries past their date. Return how many offers."""
    now = now or timezone.now()
    lapsed = Offer.objects.filter(status=Offer.Status.OPEN).filter(
        Q(expires_at__lte=now)
        | Q(starts_at__lte=now)
        | Q(
            reminder__status__in=[
                Reminder.Status.SKIPPED,
                Reminder.Status.FAILED,
                Reminder.Status.CANCELLED,
            ]
        )
    )
    count = 0
    for offer_id in lapsed.values_list("pk", flat=True):
        with transaction.atomic():
            # A claim in progress holds the row: it decides, not this.
            offer = (
                Offer.objects.select_for_update(skip_locked=True)
                .filter(pk=offer_id, status=Offer.Status.OPEN)
                .first()
            )
            if offer is None:
                continue
            offer.close(Offer.Status.EXPIRED)
            offer.save(update_fields=["status", "closed_at"])
            _end_message(offer)
            WaitlistEntry.objects.filter(pk=offer.entry_id, status=Status.OFFERED).update(
                status=Status.WAITING
            )
            slot_offer_next(_freed(offer), now=now)
            count += 1
    entries_expire(today=now.astimezone(Clinic.load().tz).date())
    return count


# -- the offer's message, sent by the reminders dispatch ------------------------------------------


def _offer_of(reminder: Reminder) -> Offer | None:
    return Offer.objects.select_related("practitioner").filter(reminder=reminder).first()


def _offer_stale_reason(reminder: Reminder, now: datetime) -> str:
    offer = _offer_of(reminder)
    if offer is None:
        return "No offer attached"
    if offer.status != Offer.Status.OPEN:
        return f"The offer is {offer.get_status_display().lower()}"
    if offer.expires_at <= now:
        return "The offer has expired"
    return ""


def _offer_deadline(reminder: Reminder) -> datetime:
    offer = _offer_of(reminder)
    return offer.expires_at if offer else reminder.due_at


def _offer_message_context(reminder: Reminder, tz) -> dict:
    """The offered time, the practitioner's name, the claim link and until when it holds:
    nothing clinical."""
    offer = _offer_of(reminder)
    expires = offer.expires_at.astimezone(tz)
    claim_by = f"{expires:%I:%M %p}".lstrip("0")
    if expires.date() != timezone.now().astimezone(tz).date():
        claim_by = local_when(offer.expires_at, tz)
    return {
        "when": local_when(offer.starts_at, tz),
        "practitioner_name": offer.practitioner.name,
        "claim_url": links.claim_url(offer),
        "claim_by": claim_by,
    }


def register_offer_messages() -> None:
    """Teach the reminders dispatch the offer message (called from AppConfig.ready)."""
    kinds.register(
        Reminder.Kind.WAITLIST_OFFER,
        kinds.KindHooks(
            stale_reason=_offer_stale_reason,
            deadline=_offer_deadline,
            message_context=_offer_message_context,
        ),
    )


# -- receivers of scheduling.signals --------------------------------------------------------------


def _on_appointments_cancelled(*, appointments, **kwargs) -> None:
    appointments = list(appointments)
    for entry in WaitlistEntry.objects.select_for_update().filter(
        appointment__in=appointments, status__in=WaitlistEntry.OPEN_STATUSES
    ):
        _entry_close(entry, Status.CANCELLED)
    now = timezone.now()
    gave_up = {visit.patient_id for visit in appointments}
    for visit in sorted(appointments, key=lambda a: a.starts_at):
        if visit.starts_at > now:
            freed = matching.FreedTime(
                visit.practitioner_id, visit.room_id, visit.starts_at, visit.ends_at
            )
            slot_offer_next(freed, now=now, skip_patients=gave_up)


def _on_course_cancelled(*, course, **kwargs) -> None:
    for entry in WaitlistEntry.objects.select_for_update(of=("self",)).filter(
        Q(course=course) | Q(appointment__course=course),
        status__in=WaitlistEntry.OPEN_STATUSES,
    ):
        _entry_close(entry, Status.CANCELLED)


def _on_time_freed(*, practitioner_id, start, end, **kwargs) -> None:
    range_offer(practitioner_id=practitioner_id, start=start, end=end)


def connect_booking_signals() -> None:
    """React to booking changes (called from AppConfig.ready)."""
    for signal, receiver in [
        (signals.appointments_cancelled, _on_appointments_cancelled),
        (signals.course_cancelled, _on_course_cancelled),
        (signals.time_freed, _on_time_freed),
    ]:
        signal.connect(receiver, sender=Appointment, dispatch_uid=f"waitlist.{receiver.__name__}")
