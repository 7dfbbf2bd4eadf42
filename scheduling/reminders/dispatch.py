"""Claim due reminders and send each at most once, never losing one.

A row moves through these states, each change committed on its own:

    pending --claim--> claimed --mark sending--> claimed + outcome_unknown --provider--> sent
                                                              or --> pending (retry later)
                                                              or --> failed

1. Claim (`claim_due`): a batch of due pending rows becomes `claimed` with `claimed_at = now`,
   using `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL (a conditional UPDATE per row on
   SQLite), so two dispatchers (or two beats) never take the same row.
2. Check and mark sending (`send_chunk`): a claimed batch is sent REMINDER_SENDING_CHUNK rows at a
   time. In one transaction, with the chunk's patients locked in id order so the daily and weekly
   SMS limits cannot race (two texts to one patient in one chunk count against them too), and the
   rows themselves locked, re-check that each visit is still on, consent still given and the
   clock inside the sending window; render what each row's channel sends and make its links (one
   query to reuse, one to create); then one UPDATE sets `attempts + 1`, `outcome_unknown = True`
   and a fresh `claimed_at` on every row to send. That is committed BEFORE any provider is
   called, and only rows still claimed and not yet sending are taken, so only one process ever
   gets past it.
3. Call the providers (texts concurrently, up to SMS_CONCURRENCY; emails over one connection) and
   record the results (sent, or back to pending with a later `due_at`, or failed) with one UPDATE
   per kind of result, conditional on `claimed_at` still being the chunk's marking.

A crash during the provider calls leaves at most one chunk flagged as outcome unknown.
Every query of a chunk reads all of its rows at once, so a chunk costs the same number of
queries with 1 row or REMINDER_SENDING_CHUNK rows.

If a worker dies, `recover_stale_claims` finds rows claimed longer ago than
REMINDER_CLAIM_TIMEOUT_SECONDS: one never marked as sending was never handed to the provider and
goes back to pending; one marked as sending may or may not have gone out, so it is `failed` with
`outcome_unknown` kept for staff to check, and never sent again by itself.

Log lines name reminder ids, kinds and channels only: never a name, a number or a text.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from smtplib import SMTPRecipientsRefused, SMTPSenderRefused

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from clinic.localtime import next_day_window_start, patient_zone, window_start_for
from clinic.models import Clinic
from clinic.roles import FRONT_DESK_ROLES
from patients.models import Patient
from scheduling.models import Appointment, TreatmentCourse
from scheduling.reminders import bulk, kinds, links, questionnaires, sms
from scheduling.reminders.messages import RenderedMessage, render_reminder
from scheduling.reminders.models import Reminder
from scheduling.schedule import BlockedSessions

log = logging.getLogger(__name__)

# Waits before trying again after a transient error, by attempts made so far. None exceeds a few
# minutes as a Celery countdown: the wait lives in `due_at`, and beat picks the row up again.
RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
]
STALE_UNKNOWN = (
    "May or may not have gone out: sending was interrupted. Check with the patient before "
    "sending it again."
)


# -- claiming -------------------------------------------------------------------------------------


def claim_due(*, limit: int | None = None, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` due pending reminders, oldest first; return their ids."""
    now = now or timezone.now()
    limit = limit or settings.REMINDER_BATCH_SIZE
    due = Reminder.objects.filter(status=Reminder.Status.PENDING, due_at__lte=now).order_by(
        "due_at", "pk"
    )
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            Reminder.objects.filter(pk__in=ids).update(
                status=Reminder.Status.CLAIMED, claimed_at=now
            )
            return ids
        # SQLite: the IMMEDIATE transaction holds the write lock; each UPDATE still only takes a
        # row that is pending, so a claim can never be taken twice.
        return [
            pk
            for pk in due.values_list("pk", flat=True)[:limit]
            if Reminder.objects.filter(pk=pk, status=Reminder.Status.PENDING).update(
                status=Reminder.Status.CLAIMED, claimed_at=now
            )
        ]


def recover_stale_claims(*, now: datetime | None = None) -> tuple[int, int]:
    """Return stale claims never sent to pending and flag those whose send may have happened;
    return (returned, flagged)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    stale = Reminder.objects.filter(status=Reminder.Status.CLAIMED, claimed_at__lt=cutoff)
    returned = stale.filter(outcome_unknown=False).update(
        status=Reminder.Status.PENDING, claimed_at=None
    )
    # claimed_at stays: a send that was only slow can still record its real result.
    flagged = stale.filter(outcome_unknown=True).update(
        status=Reminder.Status.FAILED, last_error=STALE_UNKNOWN
    )
    if returned or flagged:
        log.warning("stale reminder claims: %d back to pending, %d flagged", returned, flagged)
    return returned, flagged


def dispatch_due(*, send: Callable[[list[int]], None] | None = None) -> int:
    """Claim due reminders in batches and hand each batch to `send` (a Celery task in
    production; inline by default). Return how many were claimed. Stale claims are recovered by
    their own task (`recover_stale_claims`), never here: a stuck dispatch must not stop them."""
    send = send or send_batch
    total = 0
    for _ in range(settings.REMINDER_MAX_BATCHES):
        ids = claim_due()
        if not ids:
            break
        total += len(ids)
        send(ids)
    return total


def send_batch(reminder_ids: list[int]) -> None:
    """Send claimed reminders a chunk of REMINDER_SENDING_CHUNK at a time."""
    ids = sorted(set(reminder_ids))
    size = settings.REMINDER_SENDING_CHUNK
    clinic = Clinic.load()  # the clinic's name, phone and zone, read once for the batch
    blocked = BlockedSessions(tz=clinic.tz)  # closures and time off, read once for most batches
    for first in range(0, len(ids), size):
        send_chunk(ids[first : first + size], clinic=clinic, blocked=blocked)


# -- sending a chunk ------------------------------------------------------------------------------


@dataclass
class _Outgoing:
    """A reminder marked as sending, with what goes to the provider."""

    reminder: Reminder
    sms: sms.TextMessage | None = None
    email: EmailMessage | None = None  # None with no sms: shown on the staff page only


@dataclass
class _Chunk:
    """What a chunk's checks need, read with one query each."""

    clinic: Clinic
    now: datetime
    course_sessions: dict[int, list[Appointment]]
    texting_visits: set[int]
    texts_sent: dict[int, list[datetime]]
    to_move: set[int]
    twins: set[tuple[int, str, int]] | None = None
    staff_emails: list[str] | None = None

    def email_twins(self) -> set[tuple[int, str, int]]:
        """Return (visit, kind, offset) of the chunk's text messages already scheduled by email;
        read once, the first time a text may have to go by email instead."""
        if self.twins is None:
            self.twins = set(
                Reminder.objects.filter(
                    appointment_id__in=self.texting_visits, channel=Reminder.Channel.EMAIL
                ).values_list("appointment_id", "kind", "offset_minutes")
            )
        return self.twins

    def front_desk_emails(self) -> list[str]:
        if self.staff_emails is None:
            self.staff_emails = _front_desk_emails()
        return self.staff_emails


def send_chunk(
    reminder_ids: list[int],
    *,
    clinic: Clinic | None = None,
    blocked: BlockedSessions | None = None,
) -> dict[int, str]:
    """Check, mark as sending, send and record claimed reminders; return what happened to each.

    The checks, the renders and one UPDATE marking the chunk as sending commit together, with
    the chunk's patients locked in id order so the SMS limits cannot race; only then are the
    providers called, and the results are recorded with UPDATEs conditional on that marking.
    """
    now = timezone.now()
    try:
        outcomes, outgoing = _mark_sending(reminder_ids, now, clinic, blocked)
    except SoftTimeLimitExceeded:
        raise  # the task's time is up: the rest of the batch waits for stale-claim recovery
    except Exception as exc:
        # A fault outside any one row (a bug, the database): fail what was not yet sending, as
        # one broken row must not stay claimed for ever. Nothing was handed to a provider.
        Reminder.objects.filter(
            pk__in=reminder_ids, status=Reminder.Status.CLAIMED, outcome_unknown=False
        ).update(
            status=Reminder.Status.FAILED,
            claimed_at=None,
            last_error=f"Could not be sent: {exc.__class__.__name__}"[:300],
        )
        log.exception("reminders %s could not be sent", reminder_ids)
        return dict.fromkeys(reminder_ids, "failed")
    # Committed: from here a crash leaves the rows flagged, never silently resent.
    results = _deliver_all(outgoing)
    outcomes.update(_record(outgoing, results, marked_at=now))
    return outcomes


def send_claimed(reminder_id: int) -> str:
    """Check, mark as sending, send and record one claimed reminder; return what happened."""
    return send_chunk([reminder_id]).get(reminder_id, "not claimed")


def _mark_sending(
    reminder_ids: list[int], now: datetime, clinic: Clinic | None, blocked: BlockedSessions | None
) -> tuple[dict[int, str], list[_Outgoing]]:
    """Decide each claimed row and commit the decisions, the sending ones marked with
    `attempts + 1`, `outcome_unknown` and `claimed_at = now`; return the outcomes decided and
    what to send."""
    outcomes: dict[int, str] = {}
    outgoing: list[_Outgoing] = []
    with transaction.atomic():
        # One query locks the rows and their patients, the patients in id order as every
        # dispatcher takes them, so two chunks with a patient in common wait instead of
        # deadlocking, and the SMS limits of a patient cannot be checked by two at once.
        reminders = list(
            Reminder.objects.select_related("appointment__course", "patient")
            .select_for_update(of=("self", "patient"))
            .filter(pk__in=reminder_ids, status=Reminder.Status.CLAIMED, outcome_unknown=False)
            .order_by("patient_id", "pk")
        )
        if not reminders:
            return outcomes, outgoing  # handled by another process, or recovered
        clinic = clinic or Clinic.load()
        blocked = blocked or BlockedSessions(tz=clinic.tz)
        chunk = _load_chunk(reminders, now, clinic, blocked)
        batch = links.LinkBatch()
        rendered: list[tuple[Reminder, RenderedMessage, str]] = []
        for reminder in reminders:
            try:
                verdict, value = _decide(reminder, chunk)
            except Exception as exc:
                _set(reminder, Reminder.Status.FAILED, claimed_at=None, last_error=_fault(exc))
                outcomes[reminder.pk] = "failed"
                log.exception("reminder %s could not be sent", reminder.pk)
                continue
            if verdict == "skip":
                _set(reminder, Reminder.Status.SKIPPED, last_error=value, claimed_at=None)
                outcomes[reminder.pk] = "skipped"
                log.info("reminder %s skipped: %s", reminder.pk, value)
                continue
            if verdict == "wait":
                _set(reminder, Reminder.Status.PENDING, due_at=value, claimed_at=None)
                outcomes[reminder.pk] = "waiting"
                continue
            reminder.channel = value
            try:
                message = render_reminder(
                    reminder,
                    clinic=chunk.clinic,
                    course_sessions=chunk.course_sessions.get(reminder.appointment.course_id),
                    link=batch.url,
                    to_move=chunk.to_move,
                )
            except Exception as exc:
                _set(reminder, Reminder.Status.FAILED, last_error=f"Cannot render: {exc!r}")
                outcomes[reminder.pk] = "failed"
                log.exception("reminder %s could not be rendered", reminder.pk)
                continue
            if reminder.channel == Reminder.Channel.SMS:
                # Counts against the limits at once: two texts to one patient in one chunk.
                chunk.texts_sent.setdefault(reminder.patient_id, []).append(now)
            unsubscribe = ""
            if reminder.channel == Reminder.Channel.EMAIL:
                unsubscribe = batch.url("unsubscribe", patient=reminder.patient)
            _set(reminder, attempts=reminder.attempts + 1, outcome_unknown=True, claimed_at=now)
            rendered.append((reminder, message, unsubscribe))
        urls = batch.resolve(
            text
            for _reminder, message, unsubscribe in rendered
            for text in (message.sms, message.subject, message.body, unsubscribe)
        )
        for reminder, message, unsubscribe in rendered:
            outgoing.append(_outgoing(reminder, message, urls, chunk, unsubscribe))
        # One UPDATE for every row of the chunk; the rows are locked, so nobody changed them.
        _write_rows(reminders, _MARKED_FIELDS)
    return outcomes, outgoing


_MARKED_FIELDS = [
    "status",
    "channel",
    "attempts",
    "outcome_unknown",
    "claimed_at",
    "due_at",
    "last_error",
]


def _set(reminder: Reminder, status: str | None = None, **values) -> None:
    if status is not None:
        reminder.status = status
    if "last_error" in values:
        values["last_error"] = values["last_error"][:300]
    for name, value in values.items():
        setattr(reminder, name, value)


def _fault(exc: Exception) -> str:
    return f"Could not be sent: {exc.__class__.__name__}"


def _load_chunk(
    reminders: list[Reminder], now: datetime, clinic: Clinic, blocked: BlockedSessions
) -> _Chunk:
    """Read what the checks of every row need: a constant number of queries per chunk."""
    need_sessions = {
        r.appointment.course_id
        for r in reminders
        if r.kind
        in (
            Reminder.Kind.CONFIRMATION,
            Reminder.Kind.CHECK_IN,
            Reminder.Kind.MISSED_VISIT,
            Reminder.Kind.STAFF_ALERT,
        )
    }
    course_sessions: dict[int, list[Appointment]] = {}
    if need_sessions:
        for appointment in (
            Appointment.objects.active().filter(course_id__in=need_sessions).order_by("starts_at")
        ):
            course_sessions.setdefault(appointment.course_id, []).append(appointment)
        for course_id in need_sessions:
            course_sessions.setdefault(course_id, [])
    texting = [r for r in reminders if r.channel == Reminder.Channel.SMS]
    texts_sent: dict[int, list[datetime]] = {}
    if texting:
        # Seven local days back in any zone starts no earlier than eight days ago; each patient's
        # own window is cut in _sms_limit_reached.
        since = now - timedelta(days=8)
        rows = Reminder.objects.filter(
            patient_id__in={r.patient_id for r in texting}, channel=Reminder.Channel.SMS
        ).filter(
            Q(status=Reminder.Status.SENT, sent_at__gte=since)
            | Q(outcome_unknown=True, claimed_at__gte=since)
        )
        for patient_id, status, sent_at, claimed_at, unknown in rows.values_list(
            "patient_id", "status", "sent_at", "claimed_at", "outcome_unknown"
        ):
            # As counted before: a sent text at its sending time, one of unknown outcome at
            # its claim.
            if status == Reminder.Status.SENT and sent_at is not None:
                texts_sent.setdefault(patient_id, []).append(sent_at)
            elif unknown and claimed_at is not None:
                texts_sent.setdefault(patient_id, []).append(claimed_at)
    # Visits a message may list or remind of, to say which ones the clinic will call to move.
    shown = [s for sessions in course_sessions.values() for s in sessions]
    shown += [r.appointment for r in reminders if r.kind == Reminder.Kind.BEFORE_VISIT]
    return _Chunk(
        clinic=clinic,
        now=now,
        course_sessions=course_sessions,
        texting_visits={r.appointment_id for r in texting},
        texts_sent=texts_sent,
        to_move=blocked.to_move(shown),
    )


def _outgoing(
    reminder: Reminder,
    message: RenderedMessage,
    urls: dict[str, str],
    chunk: _Chunk,
    unsubscribe: str,
) -> _Outgoing:
    if reminder.channel == Reminder.Channel.SMS:
        text = links.fill_links(message.sms, urls)
        return _Outgoing(
            reminder,
            sms=sms.TextMessage(to=reminder.patient.phone, body=text, reference=str(reminder.pk)),
        )
    if reminder.channel == Reminder.Channel.STAFF:
        recipients = chunk.front_desk_emails()
        if not recipients:
            return _Outgoing(reminder)  # shown on the Messages page only
    else:
        recipients = [reminder.patient.email]
    headers = {"X-Clinic-Reminder": str(reminder.pk), "Message-ID": make_msgid(domain="clinic")}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{urls[unsubscribe]}>"
    email = EmailMessage(
        subject=links.fill_links(message.subject, urls),
        body=links.fill_links(message.body, urls),
        to=recipients,
        headers=headers,
    )
    for name, content, mimetype in message.attachments:
        email.attach(name, content, mimetype)
    return _Outgoing(reminder, email=email)


def _decide(reminder: Reminder, chunk: _Chunk) -> tuple[str, object]:
    """Return ("skip", reason), ("wait", new due_at) or ("send", channel)."""
    patient = reminder.patient
    now = chunk.now
    reason = _stale_reason(reminder, chunk)
    if reason:
        return "skip", reason
    clinic = chunk.clinic
    tz = clinic.tz if reminder.channel == Reminder.Channel.STAFF else patient_zone(patient, clinic)
    opens = window_start_for(now, tz)
    deadline = _deadline(reminder)
    if opens > now:
        if deadline is not None and opens >= deadline:
            return "skip", _TOO_LATE.get(reminder.kind, "Worthless once quiet hours end")
        return "wait", opens
    channel = reminder.channel
    if channel == Reminder.Channel.STAFF:
        return "send", channel
    if channel == Reminder.Channel.SMS and not patient.can_receive_sms:
        channel = _email_instead(reminder, chunk)
        if channel is None:
            return "skip", "No consent to text messages and no email address"
    if channel == Reminder.Channel.SMS and _sms_limit_reached(patient, chunk, tz):
        fallback = _email_instead(reminder, chunk)
        if fallback:
            return "send", fallback
        later = next_day_window_start(now, tz)
        if deadline is not None and later >= deadline:
            return "skip", "Text limit reached and " + _PAST_DEADLINE.get(
                reminder.kind, "the message is worthless by the next free day"
            )
        return "wait", later
    if channel == Reminder.Channel.EMAIL and not patient.can_receive_email:
        return "skip", "Unsubscribed from email or no email address"
    return "send", channel


_TOO_LATE = {Reminder.Kind.BEFORE_VISIT: "The visit starts before quiet hours end"}
_PAST_DEADLINE = {Reminder.Kind.BEFORE_VISIT: "the visit is before the next free day"}


def _deadline(reminder: Reminder) -> datetime | None:
    """Return when the message stops being worth sending: a visit's start for the reminder
    before it, what a registered kind says for its own; None for the rest."""
    if reminder.kind == Reminder.Kind.BEFORE_VISIT:
        return reminder.appointment.starts_at
    hooks = kinds.hooks_for(reminder.kind)
    return hooks.deadline(reminder) if hooks else None


def _stale_reason(reminder: Reminder, chunk: _Chunk) -> str:
    appointment = reminder.appointment
    now = chunk.now
    kind = reminder.kind
    hooks = kinds.hooks_for(kind)
    if hooks:
        return hooks.stale_reason(reminder, now)
    if kind in questionnaires.KINDS:
        return questionnaires.stale_reason(reminder, now)
    if kind == Reminder.Kind.BEFORE_VISIT:
        if appointment.status not in Appointment.UPCOMING_STATUSES:
            return f"The visit is {appointment.get_status_display().lower()}"
        if appointment.starts_at <= now:
            return "The visit has already started"
    elif kind == Reminder.Kind.CONFIRMATION:
        if appointment.course.status == TreatmentCourse.Status.CANCELLED:
            return "The course is cancelled"
    elif kind == Reminder.Kind.CHECK_IN:
        if appointment.status != Appointment.Status.COMPLETED:
            return "The visit was not completed"
        following = next(
            (
                s
                for s in chunk.course_sessions[appointment.course_id]
                if s.starts_at > appointment.starts_at
            ),
            None,
        )
        if following and following.starts_at <= now:
            return "The next visit has already started"
    elif kind in (Reminder.Kind.MISSED_VISIT, Reminder.Kind.STAFF_ALERT):
        if appointment.status != Appointment.Status.NO_SHOW:
            return "The visit is no longer a no-show"
        # Rebooked: the course has another active session with this one's number.
        if any(
            s.number == appointment.number and s.pk != appointment.pk
            for s in chunk.course_sessions[appointment.course_id]
        ):
            return "The missed session has been rebooked"
    elif (
        kind == Reminder.Kind.COURSE_END
        and appointment.course.status == TreatmentCourse.Status.CANCELLED
    ):
        return "The course is cancelled"
    return ""


def _email_instead(reminder: Reminder, chunk: _Chunk) -> str | None:
    """Return the email channel if the message may go by email and is not already scheduled
    (or sent) by email."""
    twin = (reminder.appointment_id, reminder.kind, reminder.offset_minutes)
    if not reminder.patient.can_receive_email or twin in chunk.email_twins():
        return None
    return Reminder.Channel.EMAIL


def _sms_limit_reached(patient: Patient, chunk: _Chunk, tz) -> bool:
    """Return True if the patient already had SMS_MAX_PER_DAY texts this local day or
    SMS_MAX_PER_WEEK in the last seven local days (counting any whose outcome is unknown, and
    those of this chunk)."""
    now = chunk.now
    local_midnight = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    day_start = local_midnight.astimezone(now.tzinfo)
    week_start = (local_midnight - timedelta(days=6)).astimezone(now.tzinfo)
    times = [moment for moment in chunk.texts_sent.get(patient.pk, []) if moment >= week_start]
    today = sum(1 for moment in times if moment >= day_start)
    return today >= settings.SMS_MAX_PER_DAY or len(times) >= settings.SMS_MAX_PER_WEEK


# -- providers ------------------------------------------------------------------------------------


def _deliver_all(outgoing: list[_Outgoing]) -> dict[int, tuple[str, str]]:
    """Hand every message to its provider; return {reminder id: (result, detail)} where result is
    "sent" (detail: the provider's id), "retry", "failed" or "unknown" (detail: the error)."""
    results: dict[int, tuple[str, str]] = {}
    texts = [item for item in outgoing if item.sms is not None]
    emails = [item for item in outgoing if item.email is not None]
    for item in outgoing:
        if item.sms is None and item.email is None:
            results[item.reminder.pk] = ("sent", "staff-page")
    if texts:
        backend = sms.get_backend()
        if backend.network and len(texts) > 1 and settings.SMS_CONCURRENCY > 1:
            # A provider's API answers in about 100 ms: the calls overlap instead of queueing.
            answers = list(_sms_pool().map(lambda item: _send_text(backend, item.sms), texts))
        else:
            answers = [_send_text(backend, item.sms) for item in texts]
        results.update(
            (item.reminder.pk, answer) for item, answer in zip(texts, answers, strict=True)
        )
    if emails:
        results.update(_send_emails(emails))
    return results


_pool: tuple[int, int, ThreadPoolExecutor] | None = None


def _sms_pool() -> ThreadPoolExecutor:
    """Return this process's SMS thread pool, made once: starting threads for every chunk cost
    as much as sending it. A pool made before a fork has no threads in the child: make another."""
    global _pool
    key = (os.getpid(), settings.SMS_CONCURRENCY)
    if _pool is None or _pool[:2] != key:
        _pool = (*key, ThreadPoolExecutor(max_workers=key[1], thread_name_prefix="sms"))
    return _pool[2]


def _send_text(backend: sms.BaseBackend, message: sms.TextMessage) -> tuple[str, str]:
    try:
        return "sent", backend.send(message)
    except sms.PermanentSMSError as exc:
        return "failed", str(exc)
    except sms.SMSError as exc:
        return "retry", str(exc)
    except Exception:
        log.exception("reminder %s: the SMS backend failed", message.reference)
        return "unknown", ""


def _send_emails(emails: list[_Outgoing]) -> dict[int, tuple[str, str]]:
    """Send every email over one connection: one SMTP session for the chunk."""
    results: dict[int, tuple[str, str]] = {}
    connection = get_connection()
    try:
        for index, item in enumerate(emails):
            item.email.connection = connection
            try:
                item.email.send()
            except (SMTPRecipientsRefused, SMTPSenderRefused) as exc:
                results[item.reminder.pk] = ("failed", f"Email refused: {type(exc).__name__}")
            except OSError as exc:  # SMTPException is an OSError: connection trouble, try again
                # The server is not answering: the rest of the chunk waits for the next try
                # (none was handed over) instead of spending EMAIL_TIMEOUT each.
                error = f"Email not sent: {type(exc).__name__}"
                results.update((rest.reminder.pk, ("retry", error)) for rest in emails[index:])
                break
            except Exception:
                log.exception("reminder %s: the email backend failed", item.reminder.pk)
                results[item.reminder.pk] = ("unknown", "")
            else:
                results[item.reminder.pk] = ("sent", item.email.extra_headers["Message-ID"])
    finally:
        connection.close()
    return results


# -- recording ------------------------------------------------------------------------------------


def _record(
    outgoing: list[_Outgoing], results: dict[int, tuple[str, str]], *, marked_at: datetime
) -> dict[int, str]:
    """Record the results with one UPDATE per kind of result, each conditional on the row still
    carrying the chunk's marking (`claimed_at = marked_at`); return what happened to each."""
    outcomes: dict[int, str] = {}
    sent, retry, failed = [], [], []
    done_at = timezone.now()
    for item in outgoing:
        reminder = item.reminder
        result, detail = results[reminder.pk]
        reminder.outcome_unknown = False
        if result == "sent":
            _set(reminder, Reminder.Status.SENT, sent_at=done_at, provider_id=detail[:100])
            reminder.last_error = ""
            sent.append(reminder)
            log.info("reminder %s (%s by %s) sent", reminder.pk, reminder.kind, reminder.channel)
        elif result == "retry" and reminder.attempts < settings.REMINDER_MAX_ATTEMPTS:
            delay = RETRY_DELAYS[min(reminder.attempts - 1, len(RETRY_DELAYS) - 1)]
            _set(reminder, Reminder.Status.PENDING, claimed_at=None, last_error=detail)
            reminder.due_at = done_at + delay
            retry.append(reminder)
            log.info("reminder %s will be retried in %s", reminder.pk, delay)
        elif result in ("retry", "failed"):
            _set(reminder, Reminder.Status.FAILED, last_error=detail)
            failed.append(reminder)
            log.warning("reminder %s failed after %d attempts", reminder.pk, reminder.attempts)
        else:
            # The provider may have taken it: it stays flagged, and stale recovery shows it to
            # staff instead of sending it again.
            reminder.outcome_unknown = True
            outcomes[reminder.pk] = "unknown"
    for rows, outcome, fields in (
        (sent, "sent", ["status", "outcome_unknown", "sent_at", "provider_id", "last_error"]),
        (retry, "retry", ["status", "outcome_unknown", "claimed_at", "due_at", "last_error"]),
        (failed, "failed", ["status", "outcome_unknown", "last_error"]),
    ):
        if rows:
            _write_rows(rows, fields, claimed_at=marked_at)
            outcomes.update(dict.fromkeys((r.pk for r in rows), outcome))
    return outcomes


def _write_rows(
    rows: list[Reminder], fields: list[str], *, claimed_at: datetime | None = None
) -> None:
    """Write each row's own values of `fields` in one UPDATE, only to rows whose `claimed_at` is
    still `claimed_at` when it is given.

    A result (`claimed_at` given) need not wait for the disk: if the database lost it in a
    crash, the row would still read as sending and be flagged for staff, never sent again.
    Marking as sending always commits synchronously."""
    bulk.update_rows(
        Reminder,
        rows,
        fields,
        only_where={"claimed_at": claimed_at} if claimed_at is not None else None,
        synchronous=claimed_at is None,
    )


def _front_desk_emails() -> list[str]:
    return list(
        User.objects.filter(is_active=True, groups__name__in=FRONT_DESK_ROLES)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
