"""Plan a treatment course: concrete session slots, each with a practitioner and a free room.

How a plan is made:

- **Horizon.** The course covers ceil(sessions / per_week) ISO weeks, starting with the week of
  the start date (days before the start date are not used). Each week takes ``per_week``
  sessions, the last one only those still needed. A week that cannot take its share is reported
  in ``Plan.unfilled`` with the reason, and planning goes on with the next week: the course is
  never silently stretched, because the clinic reviews every gap.
- **Days.** Preferred weekdays first (the patient's, else ``per_week`` days spread from the start
  date's weekday: Mon/Thu, Tue/Fri...), then the other days of the week, nearest to a preferred
  weekday still without a session first. Sessions are at least ``min_gap_days`` calendar days
  apart, counted on local dates, also across weeks.
- **Times.** The preferred time, else the nearest free time that day (earlier on a tie); with no
  preferred time, the earliest free time. Every start is a local wall time on a local date,
  converted to UTC, so a 10:00 course stays at 10:00 across DST changes.
- **Room.** The first room, in the given order, that is free.

Pure module: no ORM, no clock. Callers pass ``today`` and the busy intervals for the whole
date range (as Intervals, or as epoch seconds); each busy list is sorted once and searched with
bisect.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

Hours = dict[int, list[tuple[time, time]]]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_SESSIONS = 40
CLINIC_NOT_OPEN = "clinic not open"
PRACTITIONER_NOT_WORKING = "practitioner not working"
TOO_FAR_AHEAD = "too far past the course's weeks"


class PlanningError(ValueError):
    """A request the planner cannot work with; the message is shown to staff as it is."""


class NonexistentLocalTime(PlanningError):
    """A local wall time that the clocks skip when they spring forward."""


@dataclass(frozen=True)
class Interval:
    """A half-open span [start, end) of aware datetimes in any zone, compared as instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise PlanningError(f"busy time {self.start} to {self.end} has no timezone")
        # Python compares two datetimes of the same zone by wall time, ignoring `fold`, so an
        # hour repeated when clocks fall back would compare wrongly: keep both ends in UTC.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end < self.start:
            raise PlanningError(f"busy time ends before it starts: {self.start} to {self.end}")


# A busy time as an Interval, or as (start, end) in seconds since the epoch: callers loading
# thousands of them from a database pass numbers and skip building a datetime for each.
Busy = Interval | tuple[float, float]


@dataclass(frozen=True)
class CourseRule:
    """The shape of a course: how many sessions, how often, how far apart and how long."""

    sessions: int = 8
    per_week: int = 2
    min_gap_days: int = 2
    first_minutes: int = 60  # the first visit includes the intake
    followup_minutes: int = 45


@dataclass(frozen=True)
class PractitionerCalendar:
    """A practitioner's weekly working hours and busy times (appointments and time off)."""

    id: int
    working_hours: Hours
    busy: tuple[Busy, ...] = ()


@dataclass(frozen=True)
class RoomCalendar:
    """A treatment room and the times it is already taken."""

    id: int
    busy: tuple[Busy, ...] = ()


@dataclass(frozen=True)
class PlanRequest:
    """Everything the planner needs; hours are local wall times per weekday (Mon=0..Sun=6)."""

    start_date: date
    today: date
    tz: ZoneInfo
    opening_hours: Hours
    practitioners: tuple[PractitionerCalendar, ...]  # several means "any practitioner"
    rooms: tuple[RoomCalendar, ...]
    rule: CourseRule = CourseRule()
    weekdays: tuple[int, ...] | None = None
    preferred_time: time | None = None
    closures: tuple[tuple[date, date], ...] = ()  # inclusive date ranges
    patient_busy: tuple[Busy, ...] = ()
    slot_step_minutes: int = 15
    # The last day the busy times cover, when the caller loaded only a range: no session is
    # placed after it, as nothing is known about that day.
    known_until: date | None = None


@dataclass(frozen=True)
class PlannedSession:
    """One session of the plan; ``moved_reason`` says why it is not at the preferred slot."""

    number: int
    start: datetime
    end: datetime
    practitioner_id: int
    room_id: int
    moved_reason: str = ""


@dataclass(frozen=True)
class Unfilled:
    """An ISO week (named by its Monday) that could not take its sessions, and why."""

    week_of: date
    reason: str


@dataclass(frozen=True)
class Plan:
    """The planned sessions and the weeks that could not be filled."""

    sessions: tuple[PlannedSession, ...]
    unfilled: tuple[Unfilled, ...]
    rule: CourseRule = CourseRule()

    @property
    def complete(self) -> bool:
        """Tell whether every week was filled and the course has all its sessions."""
        return not self.unfilled and len(self.sessions) == self.rule.sessions


# --- Local time -------------------------------------------------------------------------------


def local_to_utc(day: date, wall: time, tz: ZoneInfo, *, fold: int = 0) -> datetime:
    """Return the UTC instant of a local wall time.

    Raise NonexistentLocalTime for a time skipped by a spring-forward change; an ambiguous
    fall-back time is read as its first occurrence (fold=0) unless told otherwise.
    """
    local = datetime.combine(day, wall.replace(tzinfo=None), tzinfo=tz).replace(fold=fold)
    instant = local.astimezone(UTC)
    # zoneinfo quietly shifts a skipped time instead of refusing it; the round trip shows it.
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(
            f"{wall:%H:%M} does not exist on {day.isoformat()} in {tz.key} (clocks spring forward)"
        )
    return instant


def _edge_utc(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """Return the instant an opening or working window starts or ends on `day`.

    Unlike a session start, a window edge inside a DST gap is not an error: zoneinfo reads it
    with the offset before the change, which moves it later by the gap's length.
    """
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def _wall_time_exists(moment: datetime) -> bool:
    """Tell whether an aware datetime names a wall time that its own zone really has."""
    round_trip = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return round_trip.replace(tzinfo=None) == moment.replace(tzinfo=None)


def _minutes_of(wall: time) -> int:
    return wall.hour * 60 + wall.minute


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _label(day: date, wall: time | None = None) -> str:
    at = f" {wall:%H:%M}" if wall is not None else ""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.isoformat()}{at}"


# --- Validation -------------------------------------------------------------------------------


def validate_request(request: PlanRequest) -> None:
    """Raise PlanningError naming the request's first problem; return when it can be planned."""
    rule = request.rule
    if not request.practitioners:
        raise PlanningError("choose at least one practitioner")
    if not request.rooms:
        raise PlanningError("the clinic has no rooms to book")
    if request.start_date < request.today:
        raise PlanningError(
            f"start date {request.start_date} is in the past (today is {request.today})"
        )
    if not 1 <= rule.sessions <= MAX_SESSIONS:
        raise PlanningError(f"a course has 1 to {MAX_SESSIONS} sessions; {rule.sessions} given")
    if not 1 <= rule.per_week <= 7:
        raise PlanningError(f"sessions per week must be 1 to 7; {rule.per_week} given")
    if rule.min_gap_days < 1:
        raise PlanningError(f"sessions must be at least 1 day apart; {rule.min_gap_days} given")
    if min(rule.first_minutes, rule.followup_minutes, request.slot_step_minutes) < 1:
        raise PlanningError("session lengths and the slot step must be at least 1 minute")
    _validate_weekdays(request)
    _validate_hours(request.opening_hours, "opening")
    for practitioner in request.practitioners:
        _validate_hours(practitioner.working_hours, f"practitioner {practitioner.id}'s working")
    if request.preferred_time is not None:
        _validate_preferred_time(request, request.preferred_time)


def _validate_weekdays(request: PlanRequest) -> None:
    weekdays = request.weekdays
    if weekdays is None:
        return
    for weekday in weekdays:
        if not 0 <= weekday <= 6:
            raise PlanningError(
                f"weekday {weekday} is not a day of the week (0=Monday ... 6=Sunday)"
            )
    repeated = sorted(weekday for weekday, count in Counter(weekdays).items() if count > 1)
    if repeated:
        names = ", ".join(WEEKDAY_NAMES[weekday] for weekday in repeated)
        raise PlanningError(f"{names} given more than once")
    per_week = request.rule.per_week
    if per_week > len(weekdays):
        raise PlanningError(
            f"{per_week} sessions per week need at least {per_week} weekdays; {len(weekdays)} given"
        )


def _validate_hours(hours: Hours, whose: str) -> None:
    for weekday, windows in hours.items():
        if not 0 <= weekday <= 6:
            raise PlanningError(f"{whose} hours name weekday {weekday}; use 0=Monday ... 6=Sunday")
        for opens, closes in windows:
            if closes <= opens:
                raise PlanningError(
                    f"{whose} hours on {WEEKDAY_NAMES[weekday]} close at {closes:%H:%M}, "
                    f"not after they open at {opens:%H:%M}"
                )


def _validate_preferred_time(request: PlanRequest, wall: time) -> None:
    weekdays = request.weekdays or tuple(range(7))
    start = _minutes_of(wall)
    end = start + request.rule.followup_minutes

    def fits(weekday: int) -> bool:
        windows = request.opening_hours.get(weekday, [])
        return any(_minutes_of(o) <= start and end <= _minutes_of(c) for o, c in windows)

    if not any(fits(weekday) for weekday in weekdays):
        days = ", ".join(WEEKDAY_NAMES[weekday] for weekday in sorted(weekdays))
        raise PlanningError(f"{wall:%H:%M} is outside opening hours on {days}")
    last_day = _monday(request.start_date) + timedelta(weeks=_weeks(request.rule), days=-1)
    day = request.start_date
    while day <= last_day:
        # Only days the course may use at that time: a closed Sunday's gap does not matter.
        if day.weekday() in weekdays and request.opening_hours.get(day.weekday()):
            local_to_utc(day, wall, request.tz)  # raises NonexistentLocalTime naming the day
        day += timedelta(days=1)


# --- Calendars --------------------------------------------------------------------------------


def _epochs(busy: Busy) -> tuple[float, float]:
    if isinstance(busy, Interval):
        return busy.start.timestamp(), busy.end.timestamp()
    return busy


class _BusyIndex:
    """Answer "does [start, end) overlap a busy interval?" in O(log n) after one sort.

    Spans are kept as epoch seconds: comparing floats is exact for whole seconds, needs no
    time zone, and is many times cheaper than comparing aware datetimes.
    ``_max_end[i]`` is the latest end among the first i+1 intervals by start, so the intervals
    that start before ``end`` overlap the span exactly when the latest of their ends is after
    ``start``.
    """

    def __init__(self, intervals: Sequence[Busy]) -> None:
        spans = sorted(
            span
            for span in (i if type(i) is tuple else _epochs(i) for i in intervals)
            if span[1] > span[0]
        )
        self._starts = [start for start, _ in spans]
        self._max_end = list(accumulate((end for _, end in spans), max))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        starting_before_end = bisect_left(self._starts, end.timestamp())
        return (
            starting_before_end > 0 and self._max_end[starting_before_end - 1] > start.timestamp()
        )


def _merged(windows: list[tuple[time, time]]) -> list[tuple[time, time]]:
    """Return the windows sorted, with touching or overlapping ones joined into one."""
    merged: list[tuple[time, time]] = []
    for opens, closes in sorted(windows):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(closes, merged[-1][1]))
        else:
            merged.append((opens, closes))
    return merged


def _within(windows: list[tuple[time, time]], day: date, span: Interval, tz: ZoneInfo) -> bool:
    return any(
        _edge_utc(day, opens, tz) <= span.start and span.end <= _edge_utc(day, closes, tz)
        for opens, closes in windows
    )


@dataclass(frozen=True)
class _Calendar:
    """One request's calendars for one practitioner, with every busy list indexed."""

    request: PlanRequest
    practitioner_id: int
    opening: dict[int, list[tuple[time, time]]]
    working: dict[int, list[tuple[time, time]]]
    practitioner_busy: _BusyIndex
    patient_busy: _BusyIndex
    rooms: tuple[tuple[int, _BusyIndex], ...]

    def closure(self, day: date) -> tuple[date, date] | None:
        return next((c for c in self.request.closures if c[0] <= day <= c[1]), None)

    def free_room(self, span: Interval) -> int | None:
        return next((i for i, busy in self.rooms if not busy.overlaps(span.start, span.end)), None)

    def problems(self, span: Interval) -> list[str]:
        """Return everything that stops a session from taking `span`; [] when it is free."""
        tz = self.request.tz
        day = span.start.astimezone(tz).date()
        checks = (
            ("clinic closed", self.closure(day) is not None),
            ("outside opening hours", not _within(self.opening[day.weekday()], day, span, tz)),
            ("outside working hours", not _within(self.working[day.weekday()], day, span, tz)),
            ("practitioner busy", self.practitioner_busy.overlaps(span.start, span.end)),
            ("patient busy", self.patient_busy.overlaps(span.start, span.end)),
            ("no free room", self.free_room(span) is None),
        )
        return [reason for reason, failed in checks if failed]


def _calendars(
    request: PlanRequest, practitioners: Sequence[PractitionerCalendar]
) -> list[_Calendar]:
    """Index the patient's and rooms' busy lists once, and return a calendar per practitioner."""
    opening = {weekday: _merged(request.opening_hours.get(weekday, [])) for weekday in range(7)}
    patient_busy = _BusyIndex(request.patient_busy)
    rooms = tuple((room.id, _BusyIndex(room.busy)) for room in request.rooms)
    return [
        _Calendar(
            request=request,
            practitioner_id=practitioner.id,
            opening=opening,
            working={w: _merged(practitioner.working_hours.get(w, [])) for w in range(7)},
            practitioner_busy=_BusyIndex(practitioner.busy),
            patient_busy=patient_busy,
            rooms=rooms,
        )
        for practitioner in practitioners
    ]


# --- Planning ---------------------------------------------------------------------------------


def preferred_weekdays(request: PlanRequest) -> tuple[int, ...]:
    """Return the weekdays the course aims for: the patient's, else days spread over the week.

    The spread starts on the start date's weekday: two a week from a Tuesday is Tue/Fri.
    """
    if request.weekdays:
        return tuple(sorted(request.weekdays))
    first, per_week = request.start_date.weekday(), request.rule.per_week
    return tuple(sorted({(first + i * 7 // per_week) % 7 for i in range(per_week)}))


def plan_course(request: PlanRequest) -> Plan:
    """Return the course's sessions, each with a practitioner and a free room, and unfilled weeks.

    With several practitioners the patient keeps one for the whole course: the first whose plan
    is complete, else the one with the most sessions (the first on a tie).
    """
    validate_request(request)
    plans = []
    for calendar in _calendars(request, request.practitioners):
        plan = _plan_with(calendar)
        if plan.complete:
            return plan
        plans.append(plan)
    return max(plans, key=lambda plan: len(plan.sessions))


def plan_course_with_catch_up(request: PlanRequest, *, extra_weeks: int = 4) -> Plan:
    """Return the course's plan, with sessions that weeks could not take added in the weeks
    after it (up to `extra_weeks` more), so a closed week moves the end of the course back
    instead of dropping a session.

    The short weeks stay in ``unfilled`` so staff see where the rhythm breaks; the plan has all
    its sessions when ``len(plan.sessions) == rule.sessions``.
    """
    plan = plan_course(request)
    rule = request.rule
    last_week = _monday(request.start_date) + timedelta(weeks=_weeks(rule))
    sessions, unfilled = list(plan.sessions), list(plan.unfilled)
    while sessions and len(sessions) < rule.sessions:
        missing = rule.sessions - len(sessions)
        last_day = sessions[-1].start.astimezone(request.tz).date()
        start = max(last_week, last_day + timedelta(days=rule.min_gap_days))
        if start >= _monday(request.start_date) + timedelta(weeks=_weeks(rule) + extra_weeks):
            break
        practitioner = next(p for p in request.practitioners if p.id == sessions[0].practitioner_id)
        catch_up = plan_course(
            replace(
                request,
                start_date=start,
                practitioners=(practitioner,),
                # Later sessions are follow-ups; only the course's first is the long one.
                rule=replace(rule, sessions=missing, first_minutes=rule.followup_minutes),
                weekdays=request.weekdays,
            )
        )
        offset = len(sessions)
        sessions += [replace(s, number=s.number + offset) for s in catch_up.sessions]
        unfilled += list(catch_up.unfilled)
        last_week = _monday(start) + timedelta(weeks=_weeks(catch_up.rule))
        if not catch_up.sessions:
            break
    return Plan(tuple(sessions), tuple(unfilled), rule)


def _weeks(rule: CourseRule) -> int:
    return math.ceil(rule.sessions / rule.per_week)


def _plan_with(calendar: _Calendar) -> Plan:
    rule = calendar.request.rule
    first_monday = _monday(calendar.request.start_date)
    sessions: list[PlannedSession] = []
    unfilled: list[Unfilled] = []
    for week in range(_weeks(rule)):
        monday = first_monday + timedelta(weeks=week)
        wanted = min(rule.per_week, rule.sessions - week * rule.per_week)
        placed, refused = _fill_week(calendar, monday, wanted, sessions)
        sessions += placed
        if len(placed) < wanted:
            unfilled.append(Unfilled(monday, _unfilled_reason(len(placed), wanted, refused)))
    return Plan(tuple(sessions), tuple(unfilled), rule)


@dataclass(frozen=True)
class _Slot:
    wall: time
    span: Interval
    room_id: int


def _fill_week(
    calendar: _Calendar, monday: date, wanted: int, earlier: list[PlannedSession]
) -> tuple[list[PlannedSession], dict[date, str]]:
    """Place up to `wanted` sessions in the ISO week of `monday`.

    Return the sessions and, for each day tried and refused, why.
    """
    request, rule = calendar.request, calendar.request.rule
    days = [monday + timedelta(days=i) for i in range(7)]
    days = [day for day in days if day >= request.start_date]
    previous = [earlier[-1].start.astimezone(request.tz).date()] if earlier else []
    chosen: list[date] = []
    refused: dict[date, str] = {}
    while days and len(chosen) < wanted:
        day = _next_day(days, chosen, preferred_weekdays(request))
        days.remove(day)
        reason = _day_refusal(calendar, day, chosen + previous)
        if reason is None:
            # The course's first session is the earliest chosen day, which a later pick may
            # still change; trying the longer length keeps the day valid either way.
            opens_course = not earlier and all(day < other for other in chosen)
            longest = max(rule.first_minutes, rule.followup_minutes)
            _, reason = _best_slot(
                calendar, day, longest if opens_course else rule.followup_minutes
            )
        if reason:
            refused[day] = reason
        else:
            chosen.append(day)

    placed: list[PlannedSession] = []
    for day in sorted(chosen):
        number = len(earlier) + len(placed) + 1
        minutes = rule.first_minutes if number == 1 else rule.followup_minutes
        # Never longer than the length tried above, so the day still has a slot.
        slot, _ = _best_slot(calendar, day, minutes)
        assert slot is not None
        moved = _moved_reason(calendar, day, slot, monday, chosen, refused)
        placed.append(
            PlannedSession(
                number=number,
                start=slot.span.start,
                end=slot.span.end,
                practitioner_id=calendar.practitioner_id,
                room_id=slot.room_id,
                moved_reason=moved,
            )
        )
    return placed, refused


def _next_day(days: list[date], chosen: list[date], preferred: tuple[int, ...]) -> date:
    """Pick the day to try next, earlier on a tie.

    That is the day nearest a preferred weekday still without a session, so the preferred days
    themselves come first.
    """
    taken = {day.weekday() for day in chosen}
    targets = [weekday for weekday in preferred if weekday not in taken] or list(preferred)
    return min(days, key=lambda day: (min(abs(day.weekday() - w) for w in targets), day))


def _day_refusal(calendar: _Calendar, day: date, neighbours: list[date]) -> str | None:
    """Return why no session can go on `day` at any time, or None when its times are worth a try."""
    known_until = calendar.request.known_until
    if known_until is not None and day > known_until:
        return TOO_FAR_AHEAD
    closure = calendar.closure(day)
    if closure is not None:
        return f"clinic closed {closure[0].isoformat()} to {closure[1].isoformat()}"
    if not calendar.opening[day.weekday()]:
        return CLINIC_NOT_OPEN
    if not calendar.working[day.weekday()]:
        return PRACTITIONER_NOT_WORKING
    gap = calendar.request.rule.min_gap_days
    if any(abs((day - other).days) < gap for other in neighbours):
        return f"less than {gap} days from another session"
    return None


def _best_slot(calendar: _Calendar, day: date, minutes: int) -> tuple[_Slot | None, str]:
    """Return the best free slot of `minutes` on `day`, or None and why no time was free."""
    reasons: list[str] = []
    for wall in _candidate_times(calendar, day, minutes):
        try:
            start = local_to_utc(day, wall, calendar.request.tz)
        except NonexistentLocalTime:
            problems = ["nonexistent local time"]
        else:
            span = Interval(start, start + timedelta(minutes=minutes))
            problems = calendar.problems(span)
            room_id = calendar.free_room(span)
            if not problems and room_id is not None:  # "no free room" is among the problems
                return _Slot(wall, span, room_id), ""
        reasons += [problem for problem in problems if problem not in reasons]
    return None, ", ".join(reasons) or f"opening and working hours share no {minutes}-minute span"


def _candidate_times(calendar: _Calendar, day: date, minutes: int) -> list[time]:
    """Return the start times to try on `day`, best first.

    Times lie on a grid of ``slot_step_minutes`` anchored at the preferred time (so it is
    itself tried), or at each window's opening when there is no preferred time.
    """
    step = calendar.request.slot_step_minutes
    weekday = day.weekday()
    windows = [
        (max(_minutes_of(o1), _minutes_of(o2)), min(_minutes_of(c1), _minutes_of(c2)))
        for o1, c1 in calendar.opening[weekday]
        for o2, c2 in calendar.working[weekday]
    ]
    preferred = calendar.request.preferred_time
    if preferred is None:
        starts = [m for opens, closes in windows for m in range(opens, closes - minutes + 1, step)]
    else:
        anchor = _minutes_of(preferred)
        starts = sorted(
            (
                m
                for opens, closes in windows
                for m in range(opens + (anchor - opens) % step, closes - minutes + 1, step)
            ),
            key=lambda m: (abs(m - anchor), m),
        )
    return [time(m // 60, m % 60) for m in starts]


def _moved_reason(
    calendar: _Calendar,
    day: date,
    slot: _Slot,
    monday: date,
    chosen: list[date],
    refused: dict[date, str],
) -> str:
    """Say what blocked the preferred slot of a session placed elsewhere; "" when it was not."""
    request = calendar.request
    preferred = preferred_weekdays(request)
    wanted = request.preferred_time
    if day.weekday() in preferred:
        if wanted is None or slot.wall == wanted:
            return ""
        try:
            start = local_to_utc(day, wanted, request.tz)
            blockers = calendar.problems(Interval(start, start + (slot.span.end - slot.span.start)))
        except NonexistentLocalTime:
            blockers = ["nonexistent local time"]
        return (
            f"{_label(day, wanted)}: {', '.join(blockers) or 'taken'}; moved to {slot.wall:%H:%M}"
        )
    taken = {other.weekday() for other in chosen}
    origin_weekday = min(
        (weekday for weekday in preferred if weekday not in taken),
        key=lambda weekday: (abs(weekday - day.weekday()), weekday),
    )
    origin = monday + timedelta(days=origin_weekday)
    why = refused.get(origin, "before the course starts")
    moved_to = f"{WEEKDAY_NAMES[day.weekday()]} {slot.wall:%H:%M}"
    return f"{_label(origin, wanted)}: {why}; moved to {moved_to}"


def _unfilled_reason(placed: int, wanted: int, refused: dict[date, str]) -> str:
    """Sum up why a week took fewer sessions than it should, grouping days by reason."""
    days_by_reason: dict[str, list[date]] = {}
    for day in sorted(refused):
        days_by_reason.setdefault(refused[day], []).append(day)
    # Days the clinic or practitioner never works are noise unless nothing else explains the gap.
    weekly = {CLINIC_NOT_OPEN, PRACTITIONER_NOT_WORKING}
    telling = {r: days for r, days in days_by_reason.items() if r not in weekly} or days_by_reason
    parts = [
        reason
        if reason.startswith("clinic closed ")
        else f"{reason} on {', '.join(WEEKDAY_NAMES[d.weekday()][:3] for d in days)}"
        for reason, days in telling.items()
    ] or ["no more days in this week from the start date"]
    if placed == 0 and all(part.startswith("clinic closed ") for part in parts):
        return "; ".join(parts)
    head = "no free slot" if placed == 0 else f"only {placed} of {wanted} sessions"
    return f"{head}: {'; '.join(parts)}"


# --- Checking a receptionist's edits ----------------------------------------------------------


def check_slots(
    request: PlanRequest, starts: Sequence[datetime], *, practitioner_id: int | None = None
) -> list[tuple[int, str]]:
    """Check caller-chosen session starts against every rule of the plan.

    Return (session number, reason) for each problem, [] when all is well. Session n is
    ``starts[n - 1]``; the sessions are checked for `practitioner_id`, by default the first
    practitioner of the request.
    """
    if not request.practitioners:
        raise PlanningError("choose at least one practitioner")
    wanted_id = request.practitioners[0].id if practitioner_id is None else practitioner_id
    practitioner = next((p for p in request.practitioners if p.id == wanted_id), None)
    if practitioner is None:
        raise PlanningError(f"practitioner {wanted_id} is not part of the request")
    (calendar,) = _calendars(request, [practitioner])
    rule = request.rule
    found: list[tuple[int, str]] = []
    per_week: Counter[tuple[int, int]] = Counter()
    previous_day: date | None = None
    for number, start in enumerate(starts, start=1):
        if start.utcoffset() is None:
            raise PlanningError(f"session {number} starts at {start}, which has no timezone")
        minutes = rule.first_minutes if number == 1 else rule.followup_minutes
        # Add the length in UTC: aware arithmetic in a local zone ignores DST changes.
        span = Interval(start.astimezone(UTC), start.astimezone(UTC) + timedelta(minutes=minutes))
        day = start.astimezone(request.tz).date()
        problems = [] if _wall_time_exists(start) else ["nonexistent local time"]
        if day < request.today:
            problems.append("in the past")
        problems += calendar.problems(span)
        year, week, _ = day.isocalendar()
        per_week[year, week] += 1
        if per_week[year, week] > rule.per_week:
            problems.append(f"more than {rule.per_week} sessions in ISO week {year}-W{week:02d}")
        if previous_day is not None and (day - previous_day).days < rule.min_gap_days:
            problems.append(f"less than {rule.min_gap_days} days after session {number - 1}")
        previous_day = day
        found += [(number, problem) for problem in problems]
    return found


def place_slots(
    request: PlanRequest, starts: Sequence[datetime], *, practitioner_id: int | None = None
) -> tuple[tuple[PlannedSession, ...], list[tuple[int, str]]]:
    """Check caller-chosen starts like `check_slots` and give each session its first free room.

    Return the sessions (in the order given, numbered from 1) and the problems; a session with
    no free room gets room 0 and a "no free room" problem.
    """
    problems = check_slots(request, starts, practitioner_id=practitioner_id)
    wanted_id = practitioner_id if practitioner_id is not None else request.practitioners[0].id
    practitioner = next(p for p in request.practitioners if p.id == wanted_id)
    (calendar,) = _calendars(request, [practitioner])
    rule = request.rule
    sessions = []
    for number, start in enumerate(starts, start=1):
        minutes = rule.first_minutes if number == 1 else rule.followup_minutes
        begin = start.astimezone(UTC)
        span = Interval(begin, begin + timedelta(minutes=minutes))
        room_id = calendar.free_room(span)
        sessions.append(
            PlannedSession(
                number=number,
                start=span.start,
                end=span.end,
                practitioner_id=wanted_id,
                room_id=room_id if room_id is not None else 0,
            )
        )
    return tuple(sessions), problems
