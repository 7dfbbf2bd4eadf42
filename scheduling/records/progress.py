"""Progress over a treatment course: baseline, latest pain, change and responder status.

Pain is scored on the 11-point Numeric Rating Scale (0 = no pain, 10 = worst possible pain).

How the numbers are read:

- **Series.** Every score in time order. A session contributes its ``pain_before`` at the session
  time and its ``pain_after`` just after it; a between-visit report contributes its score at its
  own time. On equal timestamps a session's before-score comes first, then reports (in the order
  given), then the session's after-score, as though the after-score were taken an instant later.
  Sessions at the same moment are ordered by their number.
- **Baseline** is the ``pain_before`` of the first attended session (earliest ``at``). Reports
  sent before that session are kept in the series but never become the baseline: the baseline is
  the score taken in the clinic under the same conditions as the later session scores.
- **Latest** is the most recent score that reflects the patient's lasting pain: a session's
  ``pain_before`` (taken on arrival, days after the previous needling) or a between-visit
  report, whichever comes later in the series (a report at the very time of a session counts
  after its before-score, by the tie rule above). A session's ``pain_after`` measures only the
  immediate effect of needling, so it never counts as latest; it stays in the series (and on the
  chart, marked "after"). With only the first session recorded and no later report, latest is
  the baseline (change 0).
- **Follow-up.** ``has_follow_up`` says whether latest is a later score than the baseline (a
  later session's ``pain_before`` or a report after the first session's before-score). Without
  one, change is 0 by construction rather than measured; the outcomes report leaves such courses
  out of its mean change and responder rate.
- **Last session relief** is ``pain_before - pain_after`` of the most recent session (positive
  means less pain just after needling): shown beside latest, never used for change or responder.
- **Change** is ``latest - baseline`` (negative is better) and ``change_pct`` is that as a
  percentage of the baseline, to one decimal; None when the baseline is 0.
- **Responder** (clinically important improvement, Farrar et al. 2001): a drop of at least
  2 points and at least 30% from baseline. **Substantial** (IMMPACT): a drop of at least 50%.
  The two are judged separately, so 1 -> 0 is substantial but not a responder. The thresholds
  apply to the patient's usual pain over the treatment period, not to the immediate effect of
  needling: that is why latest leaves out ``pain_after``, and the first session alone, with no
  later report, never makes a responder.
- With no session there is no baseline, and then latest, change, change_pct and
  last_session_relief are None and both flags are False, even if reports exist.

Pure module: no Django, no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

PAIN_MIN = 0
PAIN_MAX = 10

# Minimum improvement for a responder (Farrar et al. 2001) and a substantial one (IMMPACT).
RESPONDER_MIN_DROP = 2
RESPONDER_MIN_PERCENT = 30
SUBSTANTIAL_MIN_PERCENT = 50

SESSION_BEFORE = "session_before"
SESSION_AFTER = "session_after"


@dataclass(frozen=True)
class SessionScore:
    """Pain scores recorded at one attended session."""

    number: int
    at: datetime
    pain_before: int
    pain_after: int


@dataclass(frozen=True)
class ReportScore:
    """A pain score the patient reported between visits ("link", "phone", ...)."""

    at: datetime
    score: int
    source: str


@dataclass(frozen=True)
class SeriesPoint:
    """One score on the course's timeline, labelled for charts and tables."""

    at: datetime
    score: int
    source: str
    number: int | None
    label: str

    @property
    def is_session(self) -> bool:
        """Return whether the score was taken at a session rather than reported between visits."""
        return self.source in (SESSION_BEFORE, SESSION_AFTER)


@dataclass(frozen=True)
class Progress:
    """The derived progress of one course; never stored, always recomputed from the scores."""

    baseline: int | None
    latest: int | None
    change: int | None
    change_pct: float | None
    responder: bool
    substantial: bool
    series: tuple[SeriesPoint, ...]
    sessions: tuple[SessionScore, ...]
    last_session_relief: int | None = None
    has_follow_up: bool = False


def _check_score(score: int, what: str) -> None:
    """Raise ValueError unless the score is an integer on the 0-10 scale."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(f"{what} must be a whole number from 0 to 10, not {score!r}")
    if not PAIN_MIN <= score <= PAIN_MAX:
        raise ValueError(f"{what} must be from 0 to 10, not {score}")


def _drop_percent_reached(baseline: int, latest: int, percent: int) -> bool:
    """Return whether pain fell by at least ``percent`` of the baseline (and fell at all)."""
    drop = baseline - latest
    # Integer arithmetic so that exactly 30% (10 -> 7) is not lost to float rounding.
    return drop > 0 and drop * 100 >= percent * baseline


def is_responder(baseline: int, latest: int) -> bool:
    """Return whether pain fell by at least 2 points and at least 30% from baseline."""
    _check_score(baseline, "baseline")
    _check_score(latest, "latest")
    return baseline - latest >= RESPONDER_MIN_DROP and _drop_percent_reached(
        baseline, latest, RESPONDER_MIN_PERCENT
    )


def is_substantial(baseline: int, latest: int) -> bool:
    """Return whether pain fell by at least 50% from baseline."""
    _check_score(baseline, "baseline")
    _check_score(latest, "latest")
    return _drop_percent_reached(baseline, latest, SUBSTANTIAL_MIN_PERCENT)


def _series(
    sessions: tuple[SessionScore, ...], reports: tuple[ReportScore, ...]
) -> tuple[SeriesPoint, ...]:
    """Return every score in time order, with the tie rules described in the module docstring."""
    keyed: list[tuple[tuple[datetime, int, int], SeriesPoint]] = []
    for session in sessions:
        n = session.number
        keyed.append(
            (
                (session.at, 0, n),
                SeriesPoint(session.at, session.pain_before, SESSION_BEFORE, n, f"S{n} before"),
            )
        )
        keyed.append(
            (
                (session.at, 2, n),
                SeriesPoint(session.at, session.pain_after, SESSION_AFTER, n, f"S{n} after"),
            )
        )
    for index, report in enumerate(reports):
        point = SeriesPoint(
            report.at, report.score, report.source, None, f"report ({report.source})"
        )
        keyed.append(((report.at, 1, index), point))
    keyed.sort(key=lambda pair: pair[0])
    return tuple(point for _, point in keyed)


def course_progress(
    sessions: Iterable[SessionScore], reports: Iterable[ReportScore] = ()
) -> Progress:
    """Return baseline, latest, change, responder status and last relief for a course's scores.

    ``sessions`` are the attended sessions' records in any order; ``reports`` are the patient's
    between-visit scores. Raise ValueError for a score outside 0-10. See the module docstring for
    how the baseline and the latest score are chosen.
    """
    ordered_sessions = tuple(sorted(sessions, key=lambda s: (s.at, s.number)))
    report_list = tuple(reports)
    for session in ordered_sessions:
        _check_score(session.pain_before, f"session {session.number} pain before")
        _check_score(session.pain_after, f"session {session.number} pain after")
    for report in report_list:
        _check_score(report.score, f"{report.source} report")
    series = _series(ordered_sessions, report_list)

    if not ordered_sessions:
        return Progress(None, None, None, None, False, False, series, ordered_sessions)
    baseline = ordered_sessions[0].pain_before
    # The baseline is the series' first before-score, so a lasting score always exists.
    baseline_index = next(i for i, p in enumerate(series) if p.source == SESSION_BEFORE)
    latest_index = max(i for i, p in enumerate(series) if p.source != SESSION_AFTER)
    latest = series[latest_index].score
    last_session = ordered_sessions[-1]
    change = latest - baseline
    change_pct = round(change / baseline * 100, 1) if baseline else None
    return Progress(
        baseline=baseline,
        latest=latest,
        change=change,
        change_pct=change_pct,
        responder=is_responder(baseline, latest),
        substantial=is_substantial(baseline, latest),
        series=series,
        sessions=ordered_sessions,
        last_session_relief=last_session.pain_before - last_session.pain_after,
        has_follow_up=latest_index > baseline_index,
    )


# Chart geometry: room on the left for the axis labels and at the bottom for the session dates;
# the legend's rows above the plot set its top.
_LEFT, _RIGHT, _BOTTOM = 40, 14, 30
MIDPOINT = "midpoint"
END = "end"


def review_sessions(planned: int) -> dict[str, int]:
    """Return the session number at which each review falls: the midpoint check at half the
    planned sessions (session 4 of 8), the end-of-course review at the last one."""
    return {MIDPOINT: planned // 2, END: planned}


def review_stage_at(number: int, planned: int) -> str | None:
    """Return the review that session `number` of a course of `planned` brings due, or None."""
    for stage, at in review_sessions(planned).items():
        if at and number == at:
            return stage
    return None


def review_stage_due(completed: int, planned: int, decided: set[str]) -> str | None:
    """Return the review a course with `completed` sessions has reached and not yet decided."""
    points = review_sessions(planned)
    if completed >= points[END] and END not in decided:
        return END
    if points[MIDPOINT] and points[MIDPOINT] <= completed < points[END]:
        return MIDPOINT if MIDPOINT not in decided else None
    return None


_MARKER = 4.5
_BEFORE_COLOUR = "#1f5fa8"
_AFTER_COLOUR = "#1a7f72"
_REPORT_COLOUR = "#b4481b"
_GRID_COLOUR = "#d9d9d9"
_TEXT_COLOUR = "#333333"
_EMPTY_MESSAGE = "No pain scores recorded yet."
_FONT_SIZE = 12
# Average width of a character of the chart's sans-serif text at _FONT_SIZE, used to lay out the
# legend and to keep date labels from running into each other (no text measuring in SVG).
_CHAR_WIDTH = 6.8
_LEGEND = (
    ("before", "Before needling"),
    ("after", "After needling"),
    ("report", "Between visits"),
)


def _fmt(value: float) -> str:
    """Return a coordinate with at most one decimal, without a trailing ".0"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_and_time(at: datetime) -> str:
    """Return "Thu Dec 10, 10:00" for `at` as it is given (convert it to the clinic's zone
    first): the date filter's "D M j, H:i" in English, without its cost, for pages and charts
    that print one for every session and report."""
    return (
        f"{_WEEKDAYS[at.weekday()]} {_MONTHS[at.month - 1]} {at.day}, {at.hour:02d}:{at.minute:02d}"
    )


_R = _fmt(_MARKER)  # a circle's radius
_SIDE = _MARKER * 1.8  # a square's side
_SIDE_TEXT = _fmt(_SIDE)
_TIP = _MARKER * 1.3  # from a diamond's centre to its tips


class _Place(NamedTuple):
    """One coordinate of a marker, written out, with the offsets its shape needs."""

    centre: str
    corner: str  # a square's top or left side
    low: str  # a diamond's top or left tip
    high: str  # a diamond's bottom or right tip

    @classmethod
    def of(cls, value: float) -> _Place:
        return cls(_fmt(value), _fmt(value - _SIDE / 2), _fmt(value - _TIP), _fmt(value + _TIP))


def _shape(kind: str, x: _Place, y: _Place, extra: str = "", title: str = "") -> str:
    """Return the marker of one series: circle before, open square after, diamond for a report.

    ``title`` is the hover text, already escaped. Shapes (and the after line's dashes) differ as
    well as colour, so the chart still reads when printed in black and white.
    """
    title_el = f"<title>{title}</title>" if title else ""
    if kind == "before":
        return (
            f'<circle{extra} cx="{x.centre}" cy="{y.centre}" r="{_R}"'
            f' fill="{_BEFORE_COLOUR}">{title_el}</circle>'
        )
    if kind == "after":
        return (
            f'<rect{extra} x="{x.corner}" y="{y.corner}" width="{_SIDE_TEXT}"'
            f' height="{_SIDE_TEXT}" fill="#ffffff"'
            f' stroke="{_AFTER_COLOUR}" stroke-width="2">{title_el}</rect>'
        )
    diamond = f"M{x.centre} {y.low}L{x.high} {y.centre}L{x.centre} {y.high}L{x.low} {y.centre}Z"
    return f'<path{extra} d="{diamond}" fill="{_REPORT_COLOUR}">{title_el}</path>'


def _describe(progress: Progress) -> str:
    """Return a one-paragraph text equivalent of the chart for screen readers."""
    n = len(progress.series)
    parts = [f"Pain on the 0 to 10 scale, {n} score{'s' if n != 1 else ''} in time order."]
    if progress.baseline is not None:
        parts.append(
            f"Baseline {progress.baseline}, latest on arrival or reported {progress.latest}"
        )
        change = f"change {progress.change:+d}"
        if progress.change_pct is not None:
            change += f" ({progress.change_pct:+.1f}%)"
        parts[-1] += f", {change}."
        if progress.substantial and progress.responder:
            parts.append("Responder, substantial improvement.")
        elif progress.responder:
            parts.append("Responder.")
        elif progress.substantial:
            parts.append("Substantial improvement.")
        else:
            parts.append("Not a responder yet.")
    return " ".join(parts)


class PainChart:
    """An inline SVG chart of a course's pain scores, drawn at as many sizes as a page needs.

    Two series share each session's place on the x axis, which is labelled with the session's
    date: pain before needling (filled circles on a solid line) and after it (open squares on a
    dashed line). Between-visit reports sit between the sessions around them, as diamonds
    labelled with their score. A legend at the top names the three. The y axis is the 0-10
    scale with a gridline per point. Each marker has a ``<title>`` for hover and the chart has
    a ``<desc>`` for screen readers. ``tz`` converts dates and times (pass the clinic's zone).
    Styling is inline so the chart prints without CSS, and no script is needed.

    What does not depend on the size (each point's place, hover text and date, and the
    description) is worked out once here; ``svg()`` draws one size. The progress page draws two,
    wide and for phones, so that the text stays readable on both.
    """

    def __init__(
        self, progress: Progress, *, tz: tzinfo | None = None, title: str = "Pain over the course"
    ) -> None:
        series = progress.series
        self.series = series
        self.title = escape(title)
        self.description = escape(_describe(progress) if series else _EMPTY_MESSAGE)
        self.slots = _slots(series)
        self.hovers: list[str] = []  # escaped
        self.dates: list[str] = []  # under a session's place; "" for the other points
        for point in series:
            at = point.at.astimezone(tz) if tz is not None else point.at
            self.hovers.append(escape(f"{point.label}: {point.score}/10, {day_and_time(at)}"))
            self.dates.append(
                f"{_MONTHS[at.month - 1]} {at.day}" if point.source == SESSION_BEFORE else ""
            )
        # A report's source is a model choice, but it is quoted as any other text would be.
        self.sources = [quoteattr(p.source) if not p.is_session else "" for p in series]

    def svg(self, *, width: int = 720, height: int = 280, css_class: str = "pain-chart") -> str:
        """Return the chart drawn ``width`` by ``height``. The page scales it to the width of its
        card, so pass a narrow size for phones so that its text stays readable."""
        open_tag = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class={quoteattr(css_class)}'
            f' width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img"'
            f' font-family="sans-serif" font-size="{_FONT_SIZE}">'
        )
        head = f"<title>{self.title}</title><desc>{self.description}</desc>"
        series = self.series
        if not series:
            return (
                f"{open_tag}{head}"
                f'<text class="empty" x="{_fmt(width / 2)}" y="{_fmt(height / 2)}"'
                f' text-anchor="middle" fill="{_TEXT_COLOUR}">{self.description}</text></svg>'
            )
        frame = _frame(width, height)
        count = max(self.slots) + 1
        # Inset the first and last places so their markers clear the axis labels and the edge.
        inset = max(_MARKER * 4, _CHAR_WIDTH * 3.5)
        step = (frame.plot_w - 2 * inset) / (count - 1) if count > 1 else 0.0
        xs = [
            _LEFT + (inset + slot * step if count > 1 else frame.plot_w / 2)
            for slot in range(count)
        ]
        columns = [_Place.of(x) for x in xs]
        rows = frame.rows
        parts = [open_tag, head, frame.background]
        for source, kind, dashes in (
            (SESSION_BEFORE, "before", ""),
            (SESSION_AFTER, "after", ' stroke-dasharray="6 4"'),
        ):
            line = [
                f"{columns[slot].centre},{rows[p.score].centre}"
                for slot, p in zip(self.slots, series, strict=True)
                if p.source == source
            ]
            if line:
                colour = _BEFORE_COLOUR if kind == "before" else _AFTER_COLOUR
                parts.append(
                    f'<polyline class="series-{kind}" points="{" ".join(line)}" fill="none"'
                    f' stroke="{colour}" stroke-width="2" stroke-linejoin="round"{dashes}/>'
                )
        parts.append(self._x_labels(xs, columns, frame.date_y))
        parts.append('<g class="markers">')
        for slot, point, hover, source in zip(
            self.slots, series, self.hovers, self.sources, strict=True
        ):
            x, y = columns[slot], rows[point.score]
            if point.source == SESSION_BEFORE:
                parts.append(_shape("before", x, y, ' class="pt pt-before"', hover))
            elif point.source == SESSION_AFTER:
                parts.append(_shape("after", x, y, ' class="pt pt-after"', hover))
            else:
                extra = f' class="pt pt-report" data-source={source}'
                parts.append(
                    f"{_shape('report', x, y, extra, hover)}"
                    f'<text class="report-label" x="{x.centre}"'
                    f' y="{frame.report_label_ys[point.score]}"'
                    f' text-anchor="middle" fill="{_REPORT_COLOUR}"'
                    f' font-size="{_FONT_SIZE - 1}">{point.score} reported</text>'
                )
        parts.append("</g></svg>")
        return "".join(parts)

    def _x_labels(self, xs: list[float], columns: list[_Place], y: str) -> str:
        """Return each session's date under its place, skipping one that would run into the
        last one drawn (a long course on a narrow chart)."""
        labels = ['<g class="x-labels">']
        last_x = None
        room = _CHAR_WIDTH * 6 + 6  # "Mar 14" and a gap
        for slot, date in zip(self.slots, self.dates, strict=True):
            x = xs[slot]
            if not date or (last_x is not None and x - last_x < room):
                continue
            labels.append(
                f'<text x="{columns[slot].centre}" y="{y}" text-anchor="middle"'
                f' fill="{_TEXT_COLOUR}">{date}</text>'
            )
            last_x = x
        labels.append("</g>")
        return "".join(labels)


def _slots(series: tuple[SeriesPoint, ...]) -> list[int]:
    """Return each point's place on the x axis: a session's before- and after-scores share one,
    and each between-visit report has its own, in time order."""
    slots: list[int] = []
    by_session: dict[int | None, int] = {}
    next_slot = 0
    for point in series:
        if point.source == SESSION_AFTER and point.number in by_session:
            slots.append(by_session[point.number])
            continue
        if point.source == SESSION_BEFORE:
            by_session[point.number] = next_slot
        slots.append(next_slot)
        next_slot += 1
    return slots


class _Frame(NamedTuple):
    """What a drawing of a given size has whatever the scores: its axis and legend, and where
    each score and the dates go."""

    background: str  # the 0-10 axis and the legend
    plot_w: float
    rows: tuple[_Place, ...]  # by score
    report_label_ys: tuple[str, ...]  # by score
    date_y: str


@lru_cache(maxsize=16)
def _frame(width: int, height: int) -> _Frame:
    legend, legend_h = _legend(width)
    top = legend_h + 14
    plot_w = width - _LEFT - _RIGHT
    plot_h = height - top - _BOTTOM

    def y_of(score: int) -> float:
        return top + plot_h * (PAIN_MAX - score) / (PAIN_MAX - PAIN_MIN)

    scores = range(PAIN_MIN, PAIN_MAX + 1)
    return _Frame(
        background=_y_axis(top, plot_w, plot_h, y_of) + legend,
        plot_w=plot_w,
        rows=tuple(_Place.of(y_of(score)) for score in scores),
        # A report's score above its diamond, or below it at the top of the scale.
        report_label_ys=tuple(
            _fmt(y_of(score) - 11 if score < PAIN_MAX - 1 else y_of(score) + 19) for score in scores
        ),
        date_y=_fmt(top + plot_h + 18),
    )


def _y_axis(top: float, plot_w: float, plot_h: float, y_of) -> str:
    """Return the 0-10 scale: a gridline and a number per point, and the axis title."""
    parts = ['<g class="axis">']
    for score in range(PAIN_MIN, PAIN_MAX + 1):
        y = _fmt(y_of(score))
        parts.append(
            f'<line x1="{_LEFT}" x2="{_fmt(_LEFT + plot_w)}" y1="{y}" y2="{y}"'
            f' stroke="{_GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{_LEFT - 6}" y="{y}" dy="0.35em" text-anchor="end"'
            f' fill="{_TEXT_COLOUR}">{score}</text>'
        )
    middle = _fmt(top + plot_h / 2)
    parts.append(
        f'<text x="10" y="{middle}" text-anchor="middle" fill="{_TEXT_COLOUR}"'
        f' transform="rotate(-90 10 {middle})">Pain (0-10)</text>'
    )
    parts.append("</g>")
    return "".join(parts)


def _legend(width: int) -> tuple[str, float]:
    """Return the legend naming the three series, wrapped onto as many rows as the width needs,
    and its height."""
    out = ['<g class="legend">']
    x, y = float(_LEFT), 12.0
    for kind, text in _LEGEND:
        item_w = 14 + len(text) * _CHAR_WIDTH + 18
        if x > _LEFT and x + item_w > width - _RIGHT:
            x, y = float(_LEFT), y + 20
        if kind == "after":
            out.append(
                f'<line x1="{_fmt(x - 6)}" x2="{_fmt(x + 6)}" y1="{_fmt(y)}" y2="{_fmt(y)}"'
                f' stroke="{_AFTER_COLOUR}" stroke-width="2" stroke-dasharray="3 2"/>'
            )
        elif kind == "before":
            out.append(
                f'<line x1="{_fmt(x - 6)}" x2="{_fmt(x + 6)}" y1="{_fmt(y)}" y2="{_fmt(y)}"'
                f' stroke="{_BEFORE_COLOUR}" stroke-width="2"/>'
            )
        out.append(_shape(kind, _Place.of(x), _Place.of(y)))
        out.append(
            f'<text x="{_fmt(x + 12)}" y="{_fmt(y)}" dy="0.35em" fill="{_TEXT_COLOUR}">'
            f"{escape(text)}</text>"
        )
        x += item_w
    out.append("</g>")
    return "".join(out), y + 8
