"""Course progress maths: baseline, latest, change, responder, and the pain chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduling.records.progress import (
    PainChart,
    Progress,
    ReportScore,
    SessionScore,
    course_progress,
    is_responder,
    is_substantial,
)

SVG = "{http://www.w3.org/2000/svg}"


def pain_chart_svg(progress: Progress, **arguments) -> str:
    """Draw the chart at one size: PainChart's arguments and svg()'s together."""
    size = {key: arguments.pop(key) for key in ("width", "height", "css_class") if key in arguments}
    return PainChart(progress, **arguments).svg(**size)


# Monday 3 March 2025, 15:00 UTC (10:00 in New York, before the DST change on 9 March).
T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)


def at(day: float, minutes: int = 0) -> datetime:
    return T0 + timedelta(days=day, minutes=minutes)


def s(number: int, day: float, before: int, after: int) -> SessionScore:
    return SessionScore(number=number, at=at(day), pain_before=before, pain_after=after)


def r(day: float, score: int, source: str = "link") -> ReportScore:
    return ReportScore(at=at(day), score=score, source=source)


# Each row: sessions, reports, then the expected
# (baseline, latest, change, change_pct, responder, substantial), worked out by hand.
# Latest is the last score on arrival (pain_before) or reported between visits; pain_after,
# taken minutes after needling, never counts. Each id or comment shows the arithmetic.
CASES = [
    pytest.param([], [], (None, None, None, None, False, False), id="no-records"),
    pytest.param(
        [s(1, 0, 7, 5)],
        [],
        (7, 7, 0, 0.0, False, False),
        id="one-session-latest-is-baseline-7-not-after-5",
    ),
    pytest.param(
        [s(1, 0, 8, 2)],
        [],
        # 8 -> 2 straight after needling would be -6 (-75%); only session 1, so latest = 8.
        (8, 8, 0, 0.0, False, False),
        id="only-session-1-is-never-a-responder",
    ),
    pytest.param(
        [],
        [r(1, 5)],
        (None, None, None, None, False, False),
        id="reports-only-have-no-baseline",
    ),
    pytest.param(
        [s(1, 0, 8, 6), s(2, 3, 5, 5)],
        [],
        # S2 on arrival 5: 5 - 8 = -3, -3/8 = -37.5%: >= 2 points and >= 30%, under 50%.
        (8, 5, -3, -37.5, True, False),
        id="session-2-before-3-of-8-lower-responds",
    ),
    pytest.param(
        [s(1, 0, 8, 6), s(2, 3, 7, 5), s(3, 7, 5, 3)],
        [],
        # Latest is S3 before = 5, not S3 after = 3: 5 - 8 = -3, -37.5%.
        (8, 5, -3, -37.5, True, False),
        id="improving-latest-is-S3-before-5-not-after-3",
    ),
    pytest.param(
        [s(1, 0, 4, 4), s(2, 3, 5, 6)],
        [],
        # S2 before 5: 5 - 4 = +1, +1/4 = +25.0%.
        (4, 5, 1, 25.0, False, False),
        id="worsening-S2-before-5-from-4",
    ),
    pytest.param(
        [s(1, 0, 10, 9), s(2, 3, 7, 6)],
        [],
        # S2 before 7: 7 - 10 = -3, exactly -30.0%.
        (10, 7, -3, -30.0, True, False),
        id="exactly-30pct-and-3-points-responds",
    ),
    pytest.param(
        [s(1, 0, 8, 7), s(2, 3, 6, 5)],
        [],
        # S2 before 6: 6 - 8 = -2, -25.0%: enough points, too small a share.
        (8, 6, -2, -25.0, False, False),
        id="2-points-but-25pct-does-not-respond",
    ),
    pytest.param(
        [s(1, 0, 9, 8), s(2, 3, 6, 5)],
        [],
        # S2 before 6: 6 - 9 = -3, -3/9 = -33.3%.
        (9, 6, -3, -33.3, True, False),
        id="3-points-33pct-responds",
    ),
    pytest.param(
        [s(1, 0, 8, 6), s(2, 3, 4, 3)],
        [],
        # S2 before 4: 4 - 8 = -4, -50.0%.
        (8, 4, -4, -50.0, True, True),
        id="50pct-is-substantial",
    ),
    pytest.param(
        [s(1, 0, 1, 1), s(2, 3, 0, 0)],
        [],
        # S2 before 0: 0 - 1 = -1, -100.0%: substantial, but only 1 point.
        (1, 0, -1, -100.0, False, True),
        id="1-to-0-is-substantial-but-under-2-points",
    ),
    pytest.param(
        [s(1, 0, 0, 0), s(2, 3, 2, 1)],
        [],
        # S2 before 2: 2 - 0 = +2; no percentage of a 0 baseline.
        (0, 2, 2, None, False, False),
        id="baseline-0-has-no-percentage",
    ),
    pytest.param(
        [s(1, 0, 6, 4)],
        [r(2, 3)],
        # Day-2 report 3 is after S1: 3 - 6 = -3, -50.0%.
        (6, 3, -3, -50.0, True, True),
        id="report-between-visits-becomes-latest",
    ),
    pytest.param(
        [s(1, 0, 8, 6), s(2, 3, 7, 4)],
        [r(5, 5, "phone")],
        # Day-5 report 5 beats S2 before 7 (and S2 after 4 never counts): 5 - 8 = -3, -37.5%.
        (8, 5, -3, -37.5, True, False),
        id="report-after-the-last-session-becomes-latest",
    ),
    pytest.param(
        [s(1, 0, 8, 0), s(2, 3, 7, 0), s(3, 7, 7, 0)],
        [],
        # Every after-score is 0, the lowest in the series; latest is S3 before 7: -1, -12.5%.
        (8, 7, -1, -12.5, False, False),
        id="pain-after-lower-than-everything-never-becomes-latest",
    ),
    pytest.param(
        [s(1, 0, 6, 4), s(2, 3, 5, 5)],
        [r(2, 2)],
        # S2 before 5 (day 3) is later than the day-2 report 2: 5 - 6 = -1, -16.7%.
        (6, 5, -1, -16.7, False, False),
        id="later-session-replaces-earlier-report",
    ),
    pytest.param(
        [s(1, 0, 6, 5)],
        [r(-2, 9, "phone")],
        # The day -2 report is before S1, so S1 before 6 is both baseline and latest.
        (6, 6, 0, 0.0, False, False),
        id="report-before-first-session-is-not-baseline",
    ),
    pytest.param(
        [s(2, 3, 5, 4), s(1, 0, 9, 7)],
        [],
        # Sorted: S1 9 -> 7, S2 5 -> 4; latest S2 before 5: -4, -4/9 = -44.4%.
        (9, 5, -4, -44.4, True, False),
        id="sessions-given-out-of-order",
    ),
    pytest.param(
        [s(1, 0, 8, 6)],
        [r(0, 3)],
        # Series: S1 before 8, report 3, S1 after 6. The report is the last lasting score:
        # 3 - 8 = -5, -62.5%.
        (8, 3, -5, -62.5, True, True),
        id="tie-report-at-session-time-sits-between-before-and-after",
    ),
    pytest.param(
        [s(1, 0, 8, 7)],
        [r(2, 4, "link"), r(2, 3, "phone")],
        # Same-time reports keep input order: the phone 3 is last. 3 - 8 = -5, -62.5%.
        (8, 3, -5, -62.5, True, True),
        id="tie-between-reports-keeps-input-order",
    ),
    pytest.param(
        [s(1, 0, 8, 7)],
        [r(2, 3, "phone"), r(2, 4, "link")],
        # The link 4 is last: 4 - 8 = -4, -50.0%.
        (8, 4, -4, -50.0, True, True),
        id="tie-between-reports-keeps-input-order-reversed",
    ),
]


@pytest.mark.parametrize(("sessions", "reports", "expected"), CASES)
def test_course_progress(sessions, reports, expected):
    progress = course_progress(sessions, reports)
    assert (
        progress.baseline,
        progress.latest,
        progress.change,
        progress.change_pct,
        progress.responder,
        progress.substantial,
    ) == expected


def test_series_orders_every_score_by_time_with_labels():
    progress = course_progress([s(2, 3, 5, 4), s(1, 0, 8, 6)], [r(1, 7, "link"), r(-1, 9, "phone")])
    assert [(p.label, p.score, p.source, p.number) for p in progress.series] == [
        ("report (phone)", 9, "phone", None),
        ("S1 before", 8, "session_before", 1),
        ("S1 after", 6, "session_after", 1),
        ("report (link)", 7, "link", None),
        ("S2 before", 5, "session_before", 2),
        ("S2 after", 4, "session_after", 2),
    ]
    assert [p.at for p in progress.series] == [at(-1), at(0), at(0), at(1), at(3), at(3)]


@pytest.mark.parametrize(
    ("sessions", "relief"),
    [
        ([], None),
        ([s(1, 0, 8, 6), s(2, 3, 6, 3)], 3),  # the most recent session's 6 - 3, not S1's 2
        ([s(2, 3, 6, 3), s(1, 0, 8, 6)], 3),  # most recent by time, whatever the input order
        ([s(1, 0, 5, 7)], -2),  # pain rose straight after needling: 5 - 7
        ([s(1, 0, 4, 4)], 0),
    ],
    ids=["no-session", "last-of-two", "out-of-order", "worse-after", "no-change"],
)
def test_last_session_relief_is_the_latest_sessions_before_minus_after(sessions, relief):
    assert course_progress(sessions, [r(9, 1)]).last_session_relief == relief


def test_relief_after_needling_moves_neither_latest_nor_responder():
    progress = course_progress([s(1, 0, 8, 6), s(2, 3, 7, 1)])
    # S2: 7 on arrival, 1 after. The 6 points of relief are reported on their own; latest is 7.
    assert (progress.latest, progress.change, progress.last_session_relief) == (7, -1, 6)
    assert (progress.responder, progress.substantial) == (False, False)
    assert [p.score for p in progress.series] == [8, 6, 7, 1]


@pytest.mark.parametrize(
    ("sessions", "reports", "follow_up"),
    [
        ([], [r(1, 5)], False),
        ([s(1, 0, 8, 2)], [], False),  # only S1: latest is the baseline itself
        ([s(1, 0, 8, 2)], [r(-1, 4)], False),  # a report before S1 is not a follow-up
        ([s(1, 0, 8, 2)], [r(2, 8)], True),  # a report after S1, even with no change
        ([s(1, 0, 8, 2), s(2, 3, 8, 2)], [], True),  # S2 on arrival
    ],
    ids=["no-session", "only-s1", "report-before-s1", "report-after-s1", "second-session"],
)
def test_has_follow_up_once_a_lasting_score_follows_the_baseline(sessions, reports, follow_up):
    assert course_progress(sessions, reports).has_follow_up is follow_up


def test_sessions_come_back_in_time_order_for_the_api():
    progress = course_progress([s(2, 3, 5, 4), s(1, 0, 8, 6)])
    assert [(x.number, x.pain_before, x.pain_after) for x in progress.sessions] == [
        (1, 8, 6),
        (2, 5, 4),
    ]


def test_reports_alone_still_appear_in_the_series():
    progress = course_progress([], [r(1, 5)])
    assert [p.score for p in progress.series] == [5]
    assert progress.sessions == ()


def test_inputs_may_be_one_shot_iterators():
    progress = course_progress(iter([s(1, 0, 6, 4)]), iter([r(2, 3)]))
    assert (progress.baseline, progress.latest, len(progress.series)) == (6, 3, 3)


@pytest.mark.parametrize(
    ("sessions", "reports"),
    [
        ([s(1, 0, 11, 5)], []),
        ([s(1, 0, 5, -1)], []),
        ([s(1, 0, 5, 4)], [r(1, 12)]),
        ([SessionScore(1, at(0), 5.5, 4)], []),  # type: ignore[arg-type]
    ],
    ids=["before-11", "after-minus-1", "report-12", "fractional"],
)
def test_scores_off_the_0_to_10_scale_are_refused(sessions, reports):
    with pytest.raises(ValueError, match="0 to 10"):
        course_progress(sessions, reports)


@pytest.mark.parametrize(
    ("baseline", "latest", "responder", "substantial"),
    [
        (10, 7, True, False),  # 3 points, exactly 30%
        (10, 8, False, False),  # 2 points but 20%
        (7, 5, False, False),  # 2 points, 28.6%
        (6, 4, True, False),  # 2 points, 33.3%
        (4, 2, True, True),  # 2 points, exactly 50%
        (2, 0, True, True),
        (1, 0, False, True),  # 100% but only 1 point
        (5, 5, False, False),
        (3, 6, False, False),
        (0, 0, False, False),
    ],
)
def test_responder_and_substantial_thresholds(baseline, latest, responder, substantial):
    assert is_responder(baseline, latest) is responder
    assert is_substantial(baseline, latest) is substantial


def test_thresholds_refuse_scores_off_the_scale():
    with pytest.raises(ValueError):
        is_responder(11, 3)
    with pytest.raises(ValueError):
        is_substantial(5, -1)


sessions_strategy = st.lists(
    st.builds(
        SessionScore,
        number=st.integers(1, 8),
        at=st.integers(0, 60).map(lambda d: at(d / 2)),
        pain_before=st.integers(0, 10),
        pain_after=st.integers(0, 10),
    ),
    max_size=8,
)
reports_strategy = st.lists(
    st.builds(
        ReportScore,
        at=st.integers(-10, 60).map(lambda d: at(d / 2)),
        score=st.integers(0, 10),
        source=st.sampled_from(["link", "phone"]),
    ),
    max_size=6,
)


@given(sessions_strategy, reports_strategy)
def test_progress_is_consistent_for_any_scores(sessions, reports):
    progress = course_progress(sessions, reports)
    assert len(progress.series) == 2 * len(sessions) + len(reports)
    assert [p.at for p in progress.series] == sorted(p.at for p in progress.series)
    if not sessions:
        assert (progress.baseline, progress.latest, progress.responder) == (None, None, False)
        assert progress.last_session_relief is None
        return
    assert progress.baseline == min(sessions, key=lambda x: (x.at, x.number)).pain_before
    lasting = [p for p in progress.series if p.source != "session_after"]
    assert progress.latest == lasting[-1].score
    last = sorted(sessions, key=lambda x: (x.at, x.number))[-1]
    assert progress.last_session_relief == last.pain_before - last.pain_after
    if not reports and len(sessions) == 1:
        assert (progress.change, progress.responder, progress.substantial) == (0, False, False)
    assert progress.change == progress.latest - progress.baseline
    if progress.responder:
        assert progress.change <= -2 and progress.change_pct <= -30
    if progress.substantial:
        assert progress.change_pct <= -50


# --- the chart -------------------------------------------------------------------------------


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def _markers(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if el.get("class", "").startswith("pt ")]


def _centre_x(marker: ET.Element) -> float:
    if marker.get("cx"):
        return float(marker.get("cx"))
    if marker.get("width"):
        return float(marker.get("x")) + float(marker.get("width")) / 2
    return float(marker.get("d")[1:].split()[0])  # a diamond's path starts at its top vertex


@pytest.fixture
def course() -> Progress:
    return course_progress(
        [s(1, 0, 8, 6), s(2, 3.5, 7, 5), s(3, 7, 5, 3)],
        [r(2, 7, "link"), r(9, 4, "phone")],
    )


def test_chart_is_well_formed_with_one_marker_per_series_point(course):
    root = _parse(pain_chart_svg(course))
    markers = _markers(root)
    assert len(markers) == len(course.series) == 8
    kinds = [m.get("class") for m in markers]
    assert kinds.count("pt pt-before") == 3
    assert kinds.count("pt pt-after") == 3
    assert kinds.count("pt pt-report") == 2
    assert [m.findtext(f"{SVG}title").split(":")[0] for m in markers] == [
        p.label for p in course.series
    ]


def test_chart_draws_before_and_after_needling_as_two_lines(course):
    root = _parse(pain_chart_svg(course))
    lines = {line.get("class"): line for line in root.findall(f".//{SVG}polyline")}
    assert set(lines) == {"series-before", "series-after"}
    assert len(lines["series-before"].get("points").split()) == 3
    assert len(lines["series-after"].get("points").split()) == 3
    # Dashed as well as coloured, so the two read apart in black and white.
    assert lines["series-after"].get("stroke-dasharray")
    assert not lines["series-before"].get("stroke-dasharray")


def test_a_sessions_before_and_after_scores_share_its_date_and_reports_sit_between(course):
    markers = _markers(_parse(pain_chart_svg(course)))
    by_label = {m.findtext(f"{SVG}title").split(":")[0]: _centre_x(m) for m in markers}
    for n in (1, 2, 3):
        assert by_label[f"S{n} before"] == pytest.approx(by_label[f"S{n} after"], abs=0.1)
    # The day-2 link report falls between sessions 1 (day 0) and 2 (day 3.5); the day-9 phone
    # report comes after session 3 (day 7).
    assert by_label["S1 before"] < by_label["report (link)"] < by_label["S2 before"]
    assert by_label["S3 before"] < by_label["report (phone)"]


def test_chart_names_the_three_series_in_a_legend(course):
    root = _parse(pain_chart_svg(course))
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    assert [t.text for t in legend.iter(f"{SVG}text")] == [
        "Before needling",
        "After needling",
        "Between visits",
    ]


def test_a_narrow_chart_wraps_its_legend_onto_a_second_row(course):
    def legend_rows(width):
        root = _parse(pain_chart_svg(course, width=width))
        legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
        return len({t.get("y") for t in legend.iter(f"{SVG}text")})

    assert legend_rows(720) == 1
    assert legend_rows(340) == 2


def test_chart_dates_each_session_in_the_given_zone(course):
    root = _parse(pain_chart_svg(course, tz=ZoneInfo("America/New_York")))
    labels = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "x-labels")
    # Sessions on days 0, 3.5 and 7 from Mon 3 March 2025 15:00 UTC: the second is on Fri 7
    # March at 03:00 UTC, still Thursday 6 March in New York.
    assert [t.text for t in labels.iter(f"{SVG}text")] == ["Mar 3", "Mar 6", "Mar 10"]


def test_a_long_course_on_a_narrow_chart_skips_dates_that_would_collide():
    sessions = [s(n, (n - 1) * 3.5, 6, 4) for n in range(1, 21)]
    root = _parse(pain_chart_svg(course_progress(sessions), width=340))
    labels = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "x-labels")
    xs = [float(t.get("x")) for t in labels.iter(f"{SVG}text")]
    assert 3 <= len(xs) < 20
    assert all(b - a >= 40 for a, b in zip(xs, xs[1:], strict=False))


def test_reports_are_labelled_with_their_score(course):
    root = _parse(pain_chart_svg(course))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "report-label"]
    assert labels == ["7 reported", "4 reported"]


def test_chart_has_a_0_to_10_axis_with_gridlines(course):
    root = _parse(pain_chart_svg(course))
    axis = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "axis")
    labels = [t.text for t in axis.findall(f"{SVG}text")]
    assert [str(n) for n in range(11)] == labels[:11]
    assert len(axis.findall(f"{SVG}line")) == 11


def test_chart_places_higher_pain_higher_up(course):
    markers = _markers(_parse(pain_chart_svg(course)))
    first_before, first_after = markers[0], markers[1]
    # SVG y grows downwards: the 8 before S1 sits above the 6 after it.
    assert float(first_before.get("cy")) < float(first_after.get("y"))


def test_chart_describes_itself_for_screen_readers(course):
    root = _parse(pain_chart_svg(course, title="Hip pain, course 1"))
    assert root.findtext(f"{SVG}title") == "Hip pain, course 1"
    desc = root.findtext(f"{SVG}desc")
    # Latest is the day-9 phone report 4 (S3's after-score 3 does not count): 4 - 8 = -4.
    assert "Baseline 8, latest on arrival or reported 4, change -4 (-50.0%)" in desc
    assert "Responder" in desc


def test_chart_hover_text_uses_the_given_zone(course):
    utc = _markers(_parse(pain_chart_svg(course)))[0].findtext(f"{SVG}title")
    local = _markers(_parse(pain_chart_svg(course, tz=ZoneInfo("America/New_York"))))[0]
    assert utc == "S1 before: 8/10, Mon Mar 3, 15:00"
    assert local.findtext(f"{SVG}title") == "S1 before: 8/10, Mon Mar 3, 10:00"


def test_one_chart_drawn_wide_and_narrow_gives_each_drawing_the_same_points_and_texts(course):
    chart = PainChart(course, tz=ZoneInfo("America/New_York"))
    narrow = chart.svg(width=340, height=280, css_class="pain-chart pain-chart-phone")
    wide = _parse(chart.svg())
    assert chart.svg(width=340, height=280, css_class="pain-chart pain-chart-phone") == narrow
    narrow = _parse(narrow)
    assert narrow.get("width") == "340" and wide.get("width") == "720"
    assert [m.findtext(f"{SVG}title") for m in _markers(narrow)] == [
        m.findtext(f"{SVG}title") for m in _markers(wide)
    ]
    assert narrow.findtext(f"{SVG}desc") == wide.findtext(f"{SVG}desc")
    assert max(map(_centre_x, _markers(narrow))) < 340 < max(map(_centre_x, _markers(wide)))


def test_chart_names_days_and_months_as_the_calendar_does():
    # A session on the first of each month, so every weekday and month name appears.
    sessions = [SessionScore(n, datetime(2025, n, 1, 15, tzinfo=UTC), 6, 4) for n in range(1, 13)]
    root = _parse(pain_chart_svg(course_progress(sessions), width=2000))
    before = [m for m in _markers(root) if m.get("class") == "pt pt-before"]
    labels = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "x-labels")
    assert [m.findtext(f"{SVG}title") for m in before] == [
        f"S{n} before: 6/10, {s.at:%a %b} 1, 15:00" for n, s in enumerate(sessions, 1)
    ]
    assert [t.text for t in labels.iter(f"{SVG}text")] == [f"{s.at:%b} 1" for s in sessions]


def test_chart_escapes_text():
    progress = course_progress([s(1, 0, 5, 4)], [r(1, 3, '<script>"&')])
    svg = pain_chart_svg(progress, title="A & <B>")
    assert "<script>" not in svg
    root = _parse(svg)
    assert root.findtext(f"{SVG}title") == "A & <B>"
    report = [m for m in _markers(root) if m.get("class") == "pt pt-report"][0]
    assert report.get("data-source") == '<script>"&'
    assert report.findtext(f"{SVG}title").startswith('report (<script>"&): 3/10')


def test_chart_of_reports_alone_draws_markers_without_a_line():
    root = _parse(pain_chart_svg(course_progress([], [r(1, 5)])))
    assert len(_markers(root)) == 1
    assert root.findall(f".//{SVG}polyline") == []


def test_chart_respects_the_requested_size(course):
    root = _parse(pain_chart_svg(course, width=400, height=200))
    assert (root.get("width"), root.get("height")) == ("400", "200")
    xs = [_centre_x(m) for m in _markers(root)]
    assert len(xs) == 8
    assert all(b >= a - 0.1 for a, b in zip(xs, xs[1:], strict=False))  # in time order
    assert all(40 < x < 400 for x in xs)


def test_empty_chart_says_so():
    root = _parse(pain_chart_svg(course_progress([])))
    assert _markers(root) == []
    assert root.findall(f".//{SVG}polyline") == []
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["No pain scores recorded yet."]
    assert root.findtext(f"{SVG}desc") == "No pain scores recorded yet."
