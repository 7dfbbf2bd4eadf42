"""What the front desk looks at: calendars and the list of courses that need a call."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from clinic.localtime import today_in
from clinic.models import Clinic, Closure, Practitioner, TimeOff
from scheduling.models import Appointment, TreatmentCourse

# A course whose sessions drift more than a week apart loses the cumulative effect.
MAX_GAP_DAYS = 7


@dataclass(frozen=True)
class AttentionItem:
    course: TreatmentCourse
    # "review", "unsettled", "no_show", "closure", "time_off", "gap" or "short"
    kind: str
    message: str
    appointment: Appointment | None = None

    @property
    def label(self) -> str:
        return ATTENTION_LABELS[self.kind]


ATTENTION_LABELS = {
    "review": "red-flag review",
    "unsettled": "no outcome",
    "no_show": "no-show",
    "closure": "clinic closed",
    "time_off": "time off",
    "gap": "gap",
    "short": "not all booked",
}


def courses_needing_attention(items: list[AttentionItem]) -> int:
    """Return how many courses the items are about (a course may have several)."""
    return len({item.course.pk for item in items})


def needs_attention(*, now: datetime | None = None) -> list[AttentionItem]:
    """Return what the front desk should settle or call about: a past session with no outcome
    (never checked in, or checked in but not recorded by the end of its day), a no-show not yet
    rebooked, a session on a closure or time off, a gap of more than a week between sessions, or
    fewer sessions booked than planned."""
    now = now or timezone.now()
    tz = Clinic.load().tz
    courses = (
        TreatmentCourse.objects.filter(status__in=TreatmentCourse.OPEN_STATUSES)
        .select_related("patient", "practitioner")
        .prefetch_related(
            Prefetch("appointments", queryset=Appointment.objects.order_by("starts_at"))
        )
    )
    closures = list(Closure.objects.filter(end_date__gte=today_in(tz, now)))
    time_off = list(TimeOff.objects.filter(end__gt=now).select_related("practitioner"))
    items: list[AttentionItem] = []
    for course in courses:
        appointments = list(course.appointments.all())
        active = [a for a in appointments if a.status in Appointment.ACTIVE_STATUSES]
        active_numbers = {a.number for a in active}
        if course.status == TreatmentCourse.Status.AWAITING_REVIEW:
            message = (
                f"Held for {course.practitioner}'s red-flag review: no message goes out and no "
                "session can start until then."
            )
            items.append(AttentionItem(course, "review", message))
        items += _unsettled(course, appointments, now, tz)
        for missed in appointments:
            if missed.status == Appointment.Status.NO_SHOW and missed.number not in active_numbers:
                when = missed.starts_at.astimezone(tz)
                items.append(
                    AttentionItem(
                        course,
                        "no_show",
                        f"Missed session {missed.number} on {when:%a %b %-d} is not rebooked.",
                        missed,
                    )
                )
        for before, after in zip(active, active[1:], strict=False):
            gap = (
                after.starts_at.astimezone(tz).date() - before.starts_at.astimezone(tz).date()
            ).days
            if gap > MAX_GAP_DAYS and after.starts_at > now:
                items.append(
                    AttentionItem(
                        course,
                        "gap",
                        f"{gap} days between session {before.number} and {after.number}.",
                        after,
                    )
                )
        for session in active:
            if session.starts_at > now and session.status in Appointment.UPCOMING_STATUSES:
                kind, why = _blocked(session, closures, time_off, tz)
                if why:
                    when = session.starts_at.astimezone(tz)
                    items.append(
                        AttentionItem(
                            course,
                            kind,
                            f"Session {session.number} on {when:%a %b %-d} {why}: move it.",
                            session,
                        )
                    )
        if len(active) < course.sessions_planned:
            items.append(
                AttentionItem(
                    course,
                    "short",
                    f"{len(active)} of {course.sessions_planned} sessions booked.",
                )
            )
    return items


def _unsettled(course, appointments, now: datetime, tz) -> list[AttentionItem]:
    """Return the course's past sessions that still have no outcome."""
    today_starts = datetime.combine(today_in(tz, now), time(), tzinfo=tz)
    items = []
    for session in appointments:
        when = session.starts_at.astimezone(tz)
        if session.status in Appointment.UPCOMING_STATUSES and session.ends_at <= now:
            what = "was never checked in: check in and record it, or mark a no-show"
        elif session.status == Appointment.Status.CHECKED_IN and session.ends_at < today_starts:
            what = "was checked in but never recorded: ask the practitioner to record it"
        else:
            continue
        message = f"Session {session.number} on {when:%a %b %-d} at {when:%H:%M} {what}."
        items.append(AttentionItem(course, "unsettled", message, session))
    return items


def _blocked(session: Appointment, closures, time_off, tz) -> tuple[str, str]:
    """Return the kind and why a booked session can no longer happen as booked, or ("", "")."""
    day = session.starts_at.astimezone(tz).date()
    for closure in closures:
        if closure.start_date <= day <= closure.end_date:
            return "closure", f"falls on a closure ({closure.reason or 'clinic closed'})"
    for away in time_off:
        if (
            away.practitioner_id == session.practitioner_id
            and away.start < session.ends_at
            and session.starts_at < away.end
        ):
            return "time_off", f"falls in {away.practitioner.name}'s time off"
    return "", ""


def sessions_to_move(sessions: Iterable[Appointment], *, tz=None) -> set[int]:
    """Return the ids of those sessions that fall on a clinic closure or in their practitioner's
    time off: they cannot happen as booked, so the clinic calls the patient to move them and the
    patient is never asked to confirm them. Two queries, whatever the number of sessions (three
    without `tz`, the clinic's zone)."""
    sessions = list(sessions)
    if not sessions:
        return set()
    tz = tz or Clinic.load().tz
    first = min(s.starts_at for s in sessions)
    last = max(s.ends_at for s in sessions)
    closures, time_off = _blocks(first, last, tz, {s.practitioner_id for s in sessions})
    return {s.pk for s in sessions if _blocked(s, closures, time_off, tz)[0]}


def _blocks(first: datetime, last: datetime, tz, practitioner_ids=None) -> tuple[list, list]:
    """Return the closures and the time off (of those practitioners, or everyone's) that touch
    the time from `first` to `last`."""
    closures = list(
        Closure.objects.filter(
            start_date__lte=last.astimezone(tz).date(),
            end_date__gte=first.astimezone(tz).date(),
        )
    )
    time_off = TimeOff.objects.filter(start__lt=last, end__gt=first).select_related("practitioner")
    if practitioner_ids is not None:
        time_off = time_off.filter(practitioner_id__in=practitioner_ids)
    return closures, list(time_off)


class BlockedSessions:
    """sessions_to_move for many calls in a row (a batch of reminders, chunk after chunk):
    closures and everyone's time off are read for at least READ_AHEAD at a time, and read again
    only when a session falls outside what was read. Both are short lists."""

    READ_AHEAD = timedelta(days=31)

    def __init__(self, *, tz) -> None:
        self.tz = tz
        self._span: tuple[datetime, datetime] | None = None
        self._closures: list[Closure] = []
        self._time_off: list[TimeOff] = []

    def to_move(self, sessions: Iterable[Appointment]) -> set[int]:
        """Return the ids of those sessions that fall on a closure or in their practitioner's
        time off, as sessions_to_move does."""
        sessions = list(sessions)
        if not sessions:
            return set()
        first = min(s.starts_at for s in sessions)
        last = max(s.ends_at for s in sessions)
        if self._span is None or first < self._span[0] or last > self._span[1]:
            last = max(last, first + self.READ_AHEAD)
            self._closures, self._time_off = _blocks(first, last, self.tz)
            self._span = (first, last)
        return {s.pk for s in sessions if _blocked(s, self._closures, self._time_off, self.tz)[0]}


def sessions_blocked_by(*, closure: Closure | None = None, time_off: TimeOff | None = None):
    """Return the upcoming sessions a new closure or time off falls on."""
    sessions = Appointment.objects.filter(status__in=Appointment.UPCOMING_STATUSES)
    if closure is not None:
        tz = Clinic.load().tz
        start = datetime.combine(closure.start_date, time(), tzinfo=tz)
        end = datetime.combine(closure.end_date + timedelta(days=1), time(), tzinfo=tz)
        sessions = sessions.overlapping(start, end)
    if time_off is not None:
        sessions = sessions.overlapping(time_off.start, time_off.end).filter(
            practitioner_id=time_off.practitioner_id
        )
    return sessions.select_related("patient").order_by("starts_at")


def sessions_on(day: date, *, practitioner: Practitioner | None = None):
    """Return the sessions starting on `day` (clinic time), one practitioner's or everyone's,
    in time order, with their patient, practitioner and room."""
    tz = Clinic.load().tz
    start = datetime.combine(day, time(), tzinfo=tz)
    sessions = (
        Appointment.objects.filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
        .select_related("patient", "practitioner", "room")
        .order_by("starts_at", "practitioner__name")
    )
    if practitioner is not None:
        sessions = sessions.filter(practitioner=practitioner)
    return sessions
