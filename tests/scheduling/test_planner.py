"""Tests for the pure course planner: properties over random calendars, then worked examples."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scheduling.planner import (
    CourseRule,
    Interval,
    NonexistentLocalTime,
    Plan,
    PlanningError,
    PlanRequest,
    PractitionerCalendar,
    RoomCalendar,
    check_slots,
    local_to_utc,
    plan_course,
    plan_course_with_catch_up,
    preferred_weekdays,
    validate_request,
)

NY = ZoneInfo("America/New_York")
CLINIC_HOURS = {day: [(time(9), time(19))] for day in range(5)} | {5: [(time(9), time(14))]}
# Longer than the clinic's, so a slot outside opening hours is not also outside working hours.
LONG_WORKING_HOURS = {day: [(time(8), time(20))] for day in range(6)}
MON, THU = 0, 3


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = NY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def whole_day(day: date) -> Interval:
    return Interval(at(day, 0), at(day + timedelta(days=1), 0))


def make_request(**changes) -> PlanRequest:
    """Return Mondays and Thursdays at 10:00 in New York from Monday 2027-03-01, then `changes`."""
    request = PlanRequest(
        start_date=date(2027, 3, 1),
        today=date(2027, 2, 20),
        tz=NY,
        opening_hours=CLINIC_HOURS,
        practitioners=(PractitionerCalendar(id=1, working_hours=LONG_WORKING_HOURS),),
        rooms=(RoomCalendar(id=1), RoomCalendar(id=2)),
        weekdays=(MON, THU),
        preferred_time=time(10),
    )
    return replace(request, **changes)


def local_dates(plan: Plan, tz: ZoneInfo = NY) -> list[date]:
    return [session.start.astimezone(tz).date() for session in plan.sessions]


# --- Properties -------------------------------------------------------------------------------

ZONES = ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "UTC"]
# Start dates near DST changes (New York, London, Sydney) so every rule is tested across them.
ANCHOR_DATES = [date(2027, 3, 8), date(2027, 3, 22), date(2026, 10, 19), date(2026, 9, 28)]


def half_hour(index: int) -> time:
    return time(index // 2, 30 * (index % 2))


@st.composite
def weekly_hours(draw) -> dict[int, list[tuple[time, time]]]:
    hours = {}
    for weekday in range(7):
        count = draw(st.sampled_from([0, 1, 1, 2]))
        edges = sorted(draw(st.sets(st.integers(0, 47), min_size=2 * count, max_size=2 * count)))
        if edges:
            hours[weekday] = [
                (half_hour(a), half_hour(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)
            ]
    return hours


@st.composite
def busy_lists(draw, around: date, tz: ZoneInfo, max_size: int) -> tuple[Interval, ...]:
    """Draw busy intervals over the weeks after `around`, some in the clinic's zone, some in UTC."""
    origin = at(around, 0, tz=tz).astimezone(UTC)
    spans = draw(
        st.lists(
            st.tuples(st.integers(0, 12 * 7 * 24 * 4), st.integers(1, 48), st.booleans()),
            max_size=max_size,
        )
    )
    intervals = []
    for quarter, length, local in spans:
        start = origin + timedelta(minutes=15 * quarter)
        end = start + timedelta(minutes=15 * length)
        zone = tz if local else UTC
        intervals.append(Interval(start.astimezone(zone), end.astimezone(zone)))
    return tuple(intervals)


@st.composite
def plan_requests(draw, max_practitioners: int = 2) -> PlanRequest:
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    today = draw(st.sampled_from(ANCHOR_DATES)) + timedelta(days=draw(st.integers(-10, 10)))
    start_date = today + timedelta(days=draw(st.integers(0, 9)))
    per_week = draw(st.integers(1, 4))
    rule = CourseRule(
        sessions=draw(st.integers(1, 10)),
        per_week=per_week,
        min_gap_days=draw(st.integers(1, 3)),
        first_minutes=draw(st.sampled_from([30, 45, 60, 90])),
        followup_minutes=draw(st.sampled_from([15, 30, 45, 60])),
    )
    weekdays = draw(
        st.none() | st.lists(st.integers(0, 6), min_size=per_week, max_size=7, unique=True)
    )
    opening_hours = draw(weekly_hours())
    # The preferred time is drawn among times that fit a preferred weekday's opening hours.
    fitting = sorted(
        {
            half_hour(index)
            for weekday in (weekdays or range(7))
            for opens, closes in opening_hours.get(weekday, [])
            for index in range(48)
            if opens <= half_hour(index)
            and half_hour(index).hour * 60 + half_hour(index).minute + rule.followup_minutes
            <= closes.hour * 60 + closes.minute
        }
    )
    preferred_time = draw(st.none() | st.sampled_from(fitting)) if fitting else None
    practitioners = tuple(
        PractitionerCalendar(
            id=number,
            working_hours=draw(st.just(opening_hours) | weekly_hours()),
            busy=draw(busy_lists(start_date, tz, max_size=40)),
        )
        for number in range(1, draw(st.integers(1, max_practitioners)) + 1)
    )
    rooms = tuple(
        RoomCalendar(id=10 + number, busy=draw(busy_lists(start_date, tz, max_size=80)))
        for number in range(draw(st.integers(1, 3)))
    )
    closures = tuple(
        (first, first + timedelta(days=length))
        for first, length in draw(
            st.lists(
                st.tuples(
                    st.dates(start_date, start_date + timedelta(weeks=10)), st.integers(0, 9)
                ),
                max_size=2,
            )
        )
    )
    request = PlanRequest(
        start_date=start_date,
        today=today,
        tz=tz,
        opening_hours=opening_hours,
        practitioners=practitioners,
        rooms=rooms,
        rule=rule,
        weekdays=tuple(weekdays) if weekdays is not None else None,
        preferred_time=preferred_time,
        closures=closures,
        patient_busy=draw(busy_lists(start_date, tz, max_size=20)),
        slot_step_minutes=draw(st.sampled_from([10, 15, 30, 60])),
    )
    try:
        validate_request(request)
    except NonexistentLocalTime:
        assume(False)
    return request


def overlaps(a: Interval, b: Interval) -> bool:
    return a.start < b.end and b.start < a.end


def inside_hours(hours, tz: ZoneInfo, span: Interval) -> bool:
    day = span.start.astimezone(tz).date()
    return any(
        datetime.combine(day, opens, tzinfo=tz) <= span.start
        and span.end <= datetime.combine(day, closes, tzinfo=tz)
        for opens, closes in hours.get(day.weekday(), [])
    )


def assert_obeys_every_rule(request: PlanRequest, plan: Plan) -> None:
    rule, tz = request.rule, request.tz
    sessions = plan.sessions
    first_monday = request.start_date - timedelta(days=request.start_date.weekday())
    weeks = math.ceil(rule.sessions / rule.per_week)
    horizon_end = first_monday + timedelta(weeks=weeks)

    assert [s.number for s in sessions] == list(range(1, len(sessions) + 1))
    assert len(sessions) == rule.sessions or plan.unfilled
    assert plan.complete == (len(sessions) == rule.sessions and not plan.unfilled)
    assert len({s.practitioner_id for s in sessions}) <= 1

    practitioners = {p.id: p for p in request.practitioners}
    rooms = list(request.rooms)
    for session in sessions:
        span = Interval(session.start, session.end)
        local = session.start.astimezone(tz)
        assert session.start.tzinfo is UTC and session.end.tzinfo is UTC
        # Built from a real local wall time on a local date, read as its first occurrence.
        assert local_to_utc(local.date(), local.time(), tz) == session.start
        minutes = rule.first_minutes if session.number == 1 else rule.followup_minutes
        assert session.end - session.start == timedelta(minutes=minutes)
        assert request.start_date <= local.date() < horizon_end
        assert not any(first <= local.date() <= last for first, last in request.closures)
        practitioner = practitioners[session.practitioner_id]
        assert inside_hours(request.opening_hours, tz, span)
        assert inside_hours(practitioner.working_hours, tz, span)
        assert not any(overlaps(span, busy) for busy in practitioner.busy)
        assert not any(overlaps(span, busy) for busy in request.patient_busy)
        room_index = [room.id for room in rooms].index(session.room_id)
        assert not any(overlaps(span, busy) for busy in rooms[room_index].busy)
        for earlier_room in rooms[:room_index]:  # the first free room is taken
            assert any(overlaps(span, busy) for busy in earlier_room.busy)
        on_preferred_slot = local.weekday() in preferred_weekdays(request) and (
            request.preferred_time is None or local.time() == request.preferred_time
        )
        assert (session.moved_reason == "") == on_preferred_slot, session.moved_reason
        if request.weekdays and local.weekday() not in request.weekdays:
            assert session.moved_reason

    for earlier, later in pairwise(sessions):
        assert earlier.end <= later.start
        gap = later.start.astimezone(tz).date() - earlier.start.astimezone(tz).date()
        assert gap.days >= rule.min_gap_days

    unfilled_weeks = [u.week_of for u in plan.unfilled]
    assert len(unfilled_weeks) == len(set(unfilled_weeks))
    assert all(u.reason for u in plan.unfilled)
    for week in range(weeks):
        monday = first_monday + timedelta(weeks=week)
        wanted = min(rule.per_week, rule.sessions - week * rule.per_week)
        in_week = sum(
            1
            for d in (s.start.astimezone(tz).date() for s in sessions)
            if monday <= d < monday + timedelta(days=7)
        )
        assert in_week <= rule.per_week
        assert (in_week < wanted) == (monday in unfilled_weeks)
        assert in_week <= wanted
    assert set(unfilled_weeks) <= {first_monday + timedelta(weeks=w) for w in range(weeks)}

    if sessions:
        starts = [s.start for s in sessions]
        assert check_slots(request, starts, practitioner_id=sessions[0].practitioner_id) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_requests())
def test_every_plan_obeys_every_rule(request):
    assert_obeys_every_rule(request, plan_course(request))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_requests(max_practitioners=3))
def test_any_practitioner_keeps_the_first_who_can_take_the_whole_course(request):
    alone = [plan_course(replace(request, practitioners=(p,))) for p in request.practitioners]
    plan = plan_course(request)
    complete = [single for single in alone if single.complete]
    if complete:
        assert plan == complete[0]
    else:
        assert len(plan.sessions) == max(len(single.sessions) for single in alone)
        assert plan == next(s for s in alone if len(s.sessions) == len(plan.sessions))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_requests(max_practitioners=1), st.data())
def test_check_slots_notices_a_session_the_practitioner_became_busy_for(request, data):
    plan = plan_course(request)
    assume(plan.sessions)
    session = data.draw(st.sampled_from(plan.sessions))
    practitioner = request.practitioners[0]
    clash = Interval(session.start + timedelta(minutes=1), session.start + timedelta(minutes=2))
    busier = replace(practitioner, busy=(*practitioner.busy, clash))
    problems = check_slots(
        replace(request, practitioners=(busier,)), [s.start for s in plan.sessions]
    )
    assert problems == [(session.number, "practitioner busy")]


@settings(max_examples=300, deadline=None)
@given(
    st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    st.times(),
    st.sampled_from(ZONES),
    st.sampled_from([0, 1]),
)
def test_local_to_utc_keeps_the_wall_time_or_refuses_it(day, wall, zone, fold):
    tz = ZoneInfo(zone)
    local = datetime.combine(day, wall, tzinfo=tz)
    # zoneinfo reads a skipped time with the offset before the change when fold=0: a gap is
    # where that offset is smaller than the fold=1 one.
    skipped = local.utcoffset() < local.replace(fold=1).utcoffset()
    if skipped:
        with pytest.raises(NonexistentLocalTime):
            local_to_utc(day, wall, tz, fold=fold)
        return
    instant = local_to_utc(day, wall, tz, fold=fold)
    assert instant.tzinfo is UTC
    back = instant.astimezone(tz)
    assert (back.date(), back.time()) == (day, wall)
    assert local_to_utc(day, wall, tz, fold=0) <= local_to_utc(day, wall, tz, fold=1)


# --- Local time across DST --------------------------------------------------------------------


def test_it_keeps_ten_oclock_local_across_spring_forward():
    plan = plan_course(make_request())

    assert plan.complete
    assert local_dates(plan) == [date(2027, 3, d) for d in (1, 4, 8, 11, 15, 18, 22, 25)]
    assert all(s.start.astimezone(NY).time() == time(10) for s in plan.sessions)
    assert [s.start.astimezone(NY).utcoffset() for s in plan.sessions] == (
        [timedelta(hours=-5)] * 4 + [timedelta(hours=-4)] * 4
    )
    assert [s.start.strftime("%H:%MZ") for s in plan.sessions] == ["15:00Z"] * 4 + ["14:00Z"] * 4
    assert all(s.moved_reason == "" for s in plan.sessions)


def test_it_keeps_ten_oclock_local_across_fall_back():
    plan = plan_course(make_request(start_date=date(2026, 10, 19), today=date(2026, 10, 1)))

    assert plan.complete
    assert local_dates(plan) == [
        date(2026, 10, 19), date(2026, 10, 22), date(2026, 10, 26), date(2026, 10, 29),
        date(2026, 11, 2), date(2026, 11, 5), date(2026, 11, 9), date(2026, 11, 12),
    ]  # fmt: skip
    assert [s.start.astimezone(NY).utcoffset() for s in plan.sessions] == (
        [timedelta(hours=-4)] * 4 + [timedelta(hours=-5)] * 4
    )
    assert [s.start.strftime("%H:%MZ") for s in plan.sessions] == ["14:00Z"] * 4 + ["15:00Z"] * 4


def test_it_refuses_a_time_that_does_not_exist():
    all_day = [(time(0), time(23, 59))]
    request = make_request(
        start_date=date(2027, 3, 8),
        weekdays=(MON, 6),
        preferred_time=time(2, 30),
        opening_hours=CLINIC_HOURS | {6: all_day},
    )

    with pytest.raises(NonexistentLocalTime) as refused:
        plan_course(request)

    assert "02:30 does not exist on 2027-03-14 in America/New_York" in str(refused.value)


def test_it_never_reads_the_clock():
    expected = plan_course(make_request())

    # Long after the start date: a planner reading the real date would refuse the course.
    with time_machine.travel(datetime(2031, 1, 1, tzinfo=UTC), tick=False):
        assert plan_course(make_request()) == expected
    assert check_slots(make_request(), [s.start for s in expected.sessions]) == []


def test_it_reads_an_ambiguous_time_as_its_first_occurrence():
    assert local_to_utc(date(2026, 11, 1), time(1, 30), NY) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )
    later = local_to_utc(date(2026, 11, 1), time(1, 30), NY, fold=1)
    assert later == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_it_plans_an_ambiguous_preferred_time_at_its_first_occurrence():
    all_day = {6: [(time(0), time(23, 59))]}
    request = make_request(
        start_date=date(2026, 11, 1),
        today=date(2026, 10, 30),
        rule=CourseRule(sessions=1, per_week=1),
        weekdays=(6,),
        preferred_time=time(1, 30),
        opening_hours=all_day,
        practitioners=(PractitionerCalendar(id=1, working_hours=all_day),),
    )

    (session,) = plan_course(request).sessions

    assert session.start == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert session.start.astimezone(NY).utcoffset() == timedelta(hours=-4)


# --- Where sessions go ------------------------------------------------------------------------


def test_the_first_session_lasts_an_hour_and_the_rest_45_minutes():
    plan = plan_course(make_request())

    lengths = [s.end - s.start for s in plan.sessions]
    assert lengths == [timedelta(minutes=60)] + [timedelta(minutes=45)] * 7


def test_it_moves_a_busy_thursday_to_another_day_in_the_same_week():
    practitioner = PractitionerCalendar(1, LONG_WORKING_HOURS, busy=(whole_day(date(2027, 3, 4)),))

    plan = plan_course(make_request(practitioners=(practitioner,)))

    assert plan.complete
    second = plan.sessions[1]
    assert second.start == at(date(2027, 3, 3), 10)
    assert second.moved_reason == (
        "Thursday 2027-03-04 10:00: practitioner busy; moved to Wednesday 10:00"
    )
    assert [s.moved_reason for s in plan.sessions if s is not second] == [""] * 7


def test_it_moves_to_the_nearest_free_time_on_the_same_day():
    busy = Interval(at(date(2027, 3, 1), 10), at(date(2027, 3, 1), 11))
    practitioner = PractitionerCalendar(1, LONG_WORKING_HOURS, busy=(busy,))

    first = plan_course(make_request(practitioners=(practitioner,))).sessions[0]

    # 09:00 and 11:00 are both an hour away; the earlier wins, ending as the busy time starts.
    assert first.start == at(date(2027, 3, 1), 9)
    assert first.moved_reason == "Monday 2027-03-01 10:00: practitioner busy; moved to 09:00"


def test_it_avoids_the_patients_busy_times():
    busy = Interval(at(date(2027, 3, 4), 9), at(date(2027, 3, 4), 12))

    plan = plan_course(make_request(patient_busy=(busy,)))

    assert plan.sessions[1].start == at(date(2027, 3, 4), 12)
    assert plan.sessions[1].moved_reason == (
        "Thursday 2027-03-04 10:00: patient busy; moved to 12:00"
    )


def test_it_compares_busy_times_in_another_zone_as_instants():
    # 15:00 UTC is 10:00 in New York on 2027-03-01.
    busy = Interval(datetime(2027, 3, 1, 15, tzinfo=UTC), datetime(2027, 3, 1, 15, 30, tzinfo=UTC))

    first = plan_course(make_request(patient_busy=(busy,))).sessions[0]

    assert first.start == at(date(2027, 3, 1), 10, 30)
    assert first.moved_reason == "Monday 2027-03-01 10:00: patient busy; moved to 10:30"


def test_it_picks_the_second_room_when_the_first_is_busy():
    room_one = RoomCalendar(1, busy=(Interval(at(date(2027, 3, 1), 10), at(date(2027, 3, 1), 11)),))

    plan = plan_course(make_request(rooms=(room_one, RoomCalendar(2))))

    assert [s.room_id for s in plan.sessions] == [2] + [1] * 7
    assert plan.sessions[0].start == at(date(2027, 3, 1), 10)
    assert plan.sessions[0].moved_reason == ""


def test_it_spreads_sessions_at_the_earliest_time_when_no_preference_is_given():
    request = make_request(
        start_date=date(2027, 3, 2), weekdays=None, preferred_time=None, rule=CourseRule(sessions=4)
    )

    plan = plan_course(request)

    assert preferred_weekdays(request) == (1, 4)
    assert local_dates(plan) == [
        date(2027, 3, 2),
        date(2027, 3, 5),
        date(2027, 3, 9),
        date(2027, 3, 12),
    ]
    assert all(s.start.astimezone(NY).time() == time(9) for s in plan.sessions)
    assert all(s.moved_reason == "" for s in plan.sessions)


def test_it_never_uses_days_before_the_start_date():
    plan = plan_course(make_request(start_date=date(2027, 3, 2), rule=CourseRule(sessions=2)))

    # Monday 03-01 is before the start; Tuesday is the nearest day to it that is left.
    assert local_dates(plan) == [date(2027, 3, 2), date(2027, 3, 4)]
    assert plan.sessions[0].moved_reason == (
        "Monday 2027-03-01 10:00: before the course starts; moved to Tuesday 10:00"
    )
    assert plan.sessions[1].moved_reason == ""


# --- Weeks that cannot be filled --------------------------------------------------------------


def test_it_reports_a_closed_week_by_its_monday_and_goes_on():
    plan = plan_course(make_request(closures=((date(2027, 3, 8), date(2027, 3, 14)),)))

    assert not plan.complete
    assert [(u.week_of, u.reason) for u in plan.unfilled] == [
        (date(2027, 3, 8), "clinic closed 2027-03-08 to 2027-03-14")
    ]
    # The course is not stretched: the gap stays for the clinic to review.
    assert local_dates(plan) == [date(2027, 3, d) for d in (1, 4, 15, 18, 22, 25)]


def test_it_reports_a_partly_closed_week_with_what_it_could_place():
    plan = plan_course(make_request(closures=((date(2027, 3, 8), date(2027, 3, 12)),)))

    assert [(u.week_of, u.reason) for u in plan.unfilled] == [
        (date(2027, 3, 8), "only 1 of 2 sessions: clinic closed 2027-03-08 to 2027-03-12")
    ]
    assert date(2027, 3, 13) in local_dates(plan)
    assert len(plan.sessions) == 7


def test_it_reports_practitioner_time_off():
    time_off = Interval(at(date(2027, 3, 8), 0), at(date(2027, 3, 15), 0))
    practitioner = PractitionerCalendar(1, LONG_WORKING_HOURS, busy=(time_off,))

    plan = plan_course(make_request(practitioners=(practitioner,)))

    assert [(u.week_of, u.reason) for u in plan.unfilled] == [
        (date(2027, 3, 8), "no free slot: practitioner busy on Mon, Tue, Wed, Thu, Fri, Sat")
    ]
    assert len(plan.sessions) == 6
    assert all(not time_off.start <= s.start < time_off.end for s in plan.sessions)


def test_it_names_the_busy_days_of_a_week_with_no_free_slot():
    mon_thu = {MON: [(time(9), time(19))], THU: [(time(9), time(19))]}
    busy = (whole_day(date(2027, 3, 8)), whole_day(date(2027, 3, 11)))
    practitioner = PractitionerCalendar(1, mon_thu, busy=busy)

    plan = plan_course(make_request(practitioners=(practitioner,)))

    assert [(u.week_of, u.reason) for u in plan.unfilled] == [
        (date(2027, 3, 8), "no free slot: practitioner busy on Mon, Thu")
    ]


# --- Any practitioner -------------------------------------------------------------------------


def test_any_practitioner_prefers_the_one_who_can_take_the_whole_course():
    week_two = Interval(at(date(2027, 3, 8), 0), at(date(2027, 3, 15), 0))
    away = PractitionerCalendar(1, LONG_WORKING_HOURS, busy=(week_two,))
    free = PractitionerCalendar(2, LONG_WORKING_HOURS)

    plan = plan_course(make_request(practitioners=(away, free)))

    assert plan.complete
    assert {s.practitioner_id for s in plan.sessions} == {2}
    assert all(s.moved_reason == "" for s in plan.sessions)


def test_any_practitioner_takes_the_most_sessions_when_nobody_can_take_all():
    week_two = Interval(at(date(2027, 3, 8), 0), at(date(2027, 3, 15), 0))
    week_three = Interval(at(date(2027, 3, 15), 0), at(date(2027, 3, 22), 0))
    away_twice = PractitionerCalendar(1, LONG_WORKING_HOURS, busy=(week_two, week_three))
    away_once = PractitionerCalendar(2, LONG_WORKING_HOURS, busy=(week_two,))

    plan = plan_course(make_request(practitioners=(away_twice, away_once)))

    assert {s.practitioner_id for s in plan.sessions} == {2}
    assert len(plan.sessions) == 6
    assert [u.week_of for u in plan.unfilled] == [date(2027, 3, 8)]


def test_it_plans_against_a_hundred_thousand_busy_intervals():
    # A 15-minute busy block every 90 minutes from 2027-01-01, about 104 days of them.
    origin = datetime(2027, 1, 1, tzinfo=UTC)
    busy = tuple(
        Interval(origin + timedelta(minutes=90 * k), origin + timedelta(minutes=90 * k + 15))
        for k in range(100_000)
    )
    practitioner = PractitionerCalendar(1, LONG_WORKING_HOURS, busy=busy)
    request = make_request(practitioners=(practitioner,))

    plan = plan_course(request)

    assert plan.complete
    for session in plan.sessions:
        span = Interval(session.start, session.end)
        assert not any(overlaps(span, interval) for interval in busy)
    assert check_slots(request, [s.start for s in plan.sessions]) == []


# --- Validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start_date": date(2027, 2, 19)}, "start date 2027-02-19 is in the past"),
        ({"weekdays": (MON, 7)}, "weekday 7 is not a day of the week"),
        ({"weekdays": (MON, MON, THU)}, "Monday given more than once"),
        (
            {"rule": CourseRule(per_week=3)},
            "3 sessions per week need at least 3 weekdays; 2 given",
        ),
        ({"preferred_time": time(7)}, "07:00 is outside opening hours on Monday, Thursday"),
        ({"preferred_time": time(18, 30)}, "18:30 is outside opening hours"),
        ({"rule": CourseRule(sessions=0)}, "a course has 1 to 40 sessions; 0 given"),
        ({"rule": CourseRule(sessions=41)}, "a course has 1 to 40 sessions; 41 given"),
        ({"rule": CourseRule(per_week=8), "weekdays": None}, "sessions per week must be 1 to 7"),
        ({"rule": CourseRule(per_week=0)}, "sessions per week must be 1 to 7; 0 given"),
        ({"practitioners": ()}, "choose at least one practitioner"),
        ({"rooms": ()}, "the clinic has no rooms to book"),
        ({"opening_hours": {MON: [(time(18), time(9))]}}, "close at 09:00, not after"),
    ],
)
def test_validate_request_names_the_problem(changes, message):
    with pytest.raises(PlanningError) as refused:
        validate_request(make_request(**changes))

    assert message in str(refused.value)
    with pytest.raises(PlanningError):
        plan_course(make_request(**changes))


def test_validate_request_accepts_a_sound_request():
    assert validate_request(make_request()) is None


def test_an_interval_needs_a_timezone():
    with pytest.raises(PlanningError, match="no timezone"):
        Interval(datetime(2027, 3, 1, 10), datetime(2027, 3, 1, 11))


# --- check_slots ------------------------------------------------------------------------------

GOOD_STARTS = [at(date(2027, 3, 1), 10), at(date(2027, 3, 4), 10), at(date(2027, 3, 8), 10)]
THURSDAY = date(2027, 3, 4)


def test_check_slots_accepts_sound_starts():
    assert check_slots(make_request(), GOOD_STARTS) == []


@pytest.mark.parametrize(
    ("changes", "starts", "expected"),
    [
        ({}, [GOOD_STARTS[0], at(THURSDAY, 18, 30)], [(2, "outside opening hours")]),
        ({"closures": ((THURSDAY, THURSDAY),)}, GOOD_STARTS, [(2, "clinic closed")]),
        (
            {"practitioners": (PractitionerCalendar(1, {MON: [(time(8), time(20))]}),)},
            GOOD_STARTS[:2],
            [(2, "outside working hours")],
        ),
        (
            {
                "practitioners": (
                    PractitionerCalendar(
                        1,
                        LONG_WORKING_HOURS,
                        busy=(Interval(at(THURSDAY, 10, 30), at(THURSDAY, 11)),),
                    ),
                )
            },
            GOOD_STARTS,
            [(2, "practitioner busy")],
        ),
        (
            {"patient_busy": (Interval(at(THURSDAY, 9), at(THURSDAY, 10, 1)),)},
            GOOD_STARTS,
            [(2, "patient busy")],
        ),
        (
            {"rooms": (RoomCalendar(1, busy=(whole_day(THURSDAY),)),)},
            GOOD_STARTS,
            [(2, "no free room")],
        ),
        (
            {},
            [at(date(2027, 3, 1), 10), at(date(2027, 3, 3), 10), at(date(2027, 3, 5), 10)],
            [(3, "more than 2 sessions in ISO week 2027-W09")],
        ),
        (
            {},
            [at(date(2027, 3, 1), 10), at(date(2027, 3, 2), 10)],
            [(2, "less than 2 days after session 1")],
        ),
        ({"today": date(2027, 3, 2)}, GOOD_STARTS, [(1, "in the past")]),
    ],
    ids=[
        "opening hours",
        "closure",
        "working hours",
        "practitioner busy",
        "patient busy",
        "room",
        "per week",
        "gap",
        "past",
    ],
)
def test_check_slots_reports_each_problem(changes, starts, expected):
    assert check_slots(make_request(**changes), starts) == expected


def test_check_slots_reports_a_nonexistent_local_time():
    all_day = [(time(0), time(23, 59))]
    request = make_request(
        opening_hours=CLINIC_HOURS | {6: all_day},
        practitioners=(PractitionerCalendar(1, LONG_WORKING_HOURS | {6: all_day}),),
    )
    skipped = datetime(2027, 3, 14, 2, 30, tzinfo=NY)

    assert check_slots(request, [skipped]) == [(1, "nonexistent local time")]


def test_check_slots_checks_the_named_practitioner():
    busy = PractitionerCalendar(1, LONG_WORKING_HOURS, busy=(whole_day(THURSDAY),))
    free = PractitionerCalendar(2, LONG_WORKING_HOURS)
    request = make_request(practitioners=(busy, free))

    assert check_slots(request, GOOD_STARTS) == [(2, "practitioner busy")]
    assert check_slots(request, GOOD_STARTS, practitioner_id=2) == []
    with pytest.raises(PlanningError, match="practitioner 3 is not part of the request"):
        check_slots(request, GOOD_STARTS, practitioner_id=3)


def test_an_interval_across_the_repeated_hour_keeps_its_order():
    """01:30 (second time, after falling back) is later than 01:45 (first time) in Sydney."""
    sydney = ZoneInfo("Australia/Sydney")
    start = datetime(2027, 4, 4, 2, 45, tzinfo=sydney)  # first 02:45, +11:00
    end = (start.astimezone(UTC) + timedelta(minutes=30)).astimezone(sydney)  # 02:15, +10:00
    interval = Interval(start, end)
    assert interval.end - interval.start == timedelta(minutes=30)
    assert interval.start.utcoffset() == timedelta(0)


# --- Catching up sessions a week could not take ----------------------------------------------


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_requests())
def test_catching_up_keeps_every_rule_and_never_loses_a_session_it_could_place(request):
    plain = plan_course(request)
    plan = plan_course_with_catch_up(request)
    rule, tz = request.rule, request.tz
    assert [s.number for s in plan.sessions] == list(range(1, len(plan.sessions) + 1))
    assert len(plain.sessions) <= len(plan.sessions) <= rule.sessions
    assert plan.sessions[: len(plain.sessions)] == plain.sessions
    assert len({s.practitioner_id for s in plan.sessions}) <= 1
    days = [s.start.astimezone(tz).date() for s in plan.sessions]
    assert all((b - a).days >= rule.min_gap_days for a, b in pairwise(days))
    weeks = Counter(day.isocalendar()[:2] for day in days)
    assert all(count <= rule.per_week for count in weeks.values())
    if plan.sessions:
        starts = [s.start for s in plan.sessions]
        assert check_slots(request, starts, practitioner_id=plan.sessions[0].practitioner_id) == []
    if len(plan.sessions) < rule.sessions:
        assert plan.unfilled


def test_a_closed_week_moves_the_end_of_the_course_back():
    plan = plan_course_with_catch_up(
        make_request(closures=((date(2027, 3, 8), date(2027, 3, 14)),))
    )

    assert len(plan.sessions) == 8
    assert local_dates(plan) == [date(2027, 3, d) for d in (1, 4, 15, 18, 22, 25, 29)] + [
        date(2027, 4, 1)
    ]
    assert [u.week_of for u in plan.unfilled] == [date(2027, 3, 8)]
    assert [s.end - s.start for s in plan.sessions[6:]] == [timedelta(minutes=45)] * 2


def test_a_course_starting_on_a_saturday_catches_up_its_first_week():
    saturday = date(2027, 3, 6)
    plan = plan_course_with_catch_up(
        make_request(start_date=saturday, weekdays=(2, 5), preferred_time=time(11))
    )

    assert len(plan.sessions) == 8
    assert local_dates(plan)[0] == saturday
    assert [u.week_of for u in plan.unfilled] == [date(2027, 3, 1)]


def test_catching_up_stops_after_the_extra_weeks():
    away = Interval(at(date(2027, 3, 8), 0), at(date(2027, 6, 1), 0))
    practitioner = PractitionerCalendar(1, LONG_WORKING_HOURS, busy=(away,))

    plan = plan_course_with_catch_up(make_request(practitioners=(practitioner,)), extra_weeks=2)

    assert len(plan.sessions) == 2
    assert len(plan.unfilled) >= 3


def test_busy_times_given_as_epoch_seconds_block_like_intervals():
    taken = Interval(at(date(2027, 3, 1), 10), at(date(2027, 3, 1), 11))
    as_numbers = (taken.start.timestamp(), taken.end.timestamp())
    plans = [
        plan_course(
            make_request(rooms=(RoomCalendar(id=1, busy=(b,)), RoomCalendar(id=2, busy=(b,))))
        )
        for b in (taken, as_numbers)
    ]
    assert plans[0] == plans[1]
    assert plans[1].sessions[0].start == at(date(2027, 3, 1), 9)  # no room at 10:00


def test_no_session_is_placed_after_the_days_the_calendars_cover():
    # The first two weeks are closed: the catch-up would need weeks 5 and 6, but the busy times
    # were loaded only up to the end of week 5.
    request = make_request(
        closures=((date(2027, 3, 1), date(2027, 3, 14)),), known_until=date(2027, 4, 4)
    )
    plan = plan_course_with_catch_up(request, extra_weeks=4)
    assert max(local_dates(plan)) <= date(2027, 4, 4)
    assert len(plan.sessions) == 6
    assert any("too far past the course's weeks" in gap.reason for gap in plan.unfilled)
