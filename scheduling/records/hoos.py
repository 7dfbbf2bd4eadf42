"""HOOS, JR: the six-item hip questionnaire, its published scoring table, and its progress.

Hip disability and Osteoarthritis Outcome Score, Joint Replacement (HOOS, JR): Lyman S, Lee YY,
Franklin PD, Li W, Mayman DJ, Padgett DE. Validation of the HOOS, JR: A Short-form Hip
Replacement Survey. Clin Orthop Relat Res 2016;474(6):1472-1482, doi 10.1007/s11999-016-4718-2.
Free to use, from the Hospital for Special Surgery.

Each item asks about the last week and is answered None, Mild, Moderate, Severe or Extreme,
scored 0 to 4. The six answers are summed (raw score 0-24) and the raw score is converted to an
interval score from 100 (perfect hip health) to 0 (total hip disability) through the conversion
table published with the instrument (the Rasch model's table in the paper's appendix and the
HSS "HOOS, JR. Scoring Instructions"). The table is not linear: the step from raw 0 to 1 is 7.66
points, from 11 to 12 only 3.02. Every item must be answered: with one missing there is no score.

Pure module: no Django, no database, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

INSTRUMENT = "HOOS-JR"

# (key, wording shown to the patient). Items 1-2 ask about pain, 3-6 about difficulty.
ITEMS: tuple[tuple[str, str], ...] = (
    ("stairs", "Going up or down stairs"),
    ("uneven", "Walking on an uneven surface"),
    ("rising", "Rising from sitting"),
    ("bending", "Bending to the floor to pick up an object"),
    ("lying", "Lying in bed (turning over, keeping your hip in position)"),
    ("sitting", "Sitting"),
)
PAIN_ITEMS = 2
ANSWERS: tuple[tuple[int, str], ...] = (
    (0, "None"),
    (1, "Mild"),
    (2, "Moderate"),
    (3, "Severe"),
    (4, "Extreme"),
)
ITEM_MIN, ITEM_MAX = 0, 4
RAW_MAX = ITEM_MAX * len(ITEMS)

# Raw score (index, 0-24) -> interval score, as published (Lyman et al. 2016; HSS HOOS, JR.
# scoring instructions). Never interpolate or recompute it: change only to follow a new
# publication, and the tests compare every entry.
INTERVAL_SCORES: tuple[Decimal, ...] = tuple(
    Decimal(value)
    for value in (
        "100.000",
        "92.340",
        "85.257",
        "80.550",
        "76.776",
        "73.472",
        "70.426",
        "67.516",
        "64.664",
        "61.815",
        "58.930",
        "55.985",
        "52.965",
        "49.858",
        "46.652",
        "43.335",
        "39.902",
        "36.363",
        "32.735",
        "29.009",
        "25.103",
        "20.805",
        "15.633",
        "8.104",
        "0.000",
    )
)

STAGES = ("baseline", "midpoint", "end")


class IncompleteAnswers(ValueError):
    """The answers cannot be scored; `errors` names each missing or out-of-range item."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def item_label(index: int) -> str:
    """Return "Item 3 (rising from sitting)" for the item at 0-based `index`."""
    return f"Item {index + 1} ({ITEMS[index][1].lower()})"


def check_answers(answers: Sequence[object] | None) -> list[int]:
    """Return the six answers as integers 0-4, or raise IncompleteAnswers naming every item that
    is missing or out of range (a list shorter than six misses its last items)."""
    if answers is None or isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise IncompleteAnswers([f"Give the {len(ITEMS)} answers as a list of numbers 0 to 4."])
    errors = []
    if len(answers) > len(ITEMS):
        errors.append(f"HOOS, JR has {len(ITEMS)} items, not {len(answers)}.")
    checked = []
    for index in range(len(ITEMS)):
        value = answers[index] if index < len(answers) else None
        if value is None or value == "":
            errors.append(f"{item_label(index)} is not answered.")
        elif isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"{item_label(index)} must be a whole number from 0 to 4, not {value!r}.")
        elif not ITEM_MIN <= value <= ITEM_MAX:
            errors.append(f"{item_label(index)} must be from 0 to 4, not {value}.")
        else:
            checked.append(value)
    if errors:
        raise IncompleteAnswers(errors)
    return checked


def interval_score(raw: int) -> Decimal:
    """Return the published interval score (0-100, three decimals) for a raw sum 0-24."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= RAW_MAX:
        raise ValueError(f"a HOOS, JR raw score is a whole number from 0 to {RAW_MAX}, not {raw!r}")
    return INTERVAL_SCORES[raw]


def score(answers: Sequence[object] | None) -> Decimal:
    """Return the interval score of six answers; raise IncompleteAnswers unless all six are
    answered 0-4."""
    return interval_score(sum(check_answers(answers)))


@dataclass(frozen=True)
class StageScore:
    stage: str
    score: Decimal


@dataclass(frozen=True)
class HoosProgress:
    """Baseline, latest and change of the interval score over a course (higher is better).

    ``improved`` is None until a later stage than the baseline is answered: a course with only
    its baseline has no measured change yet (change 0 by construction, like pain)."""

    baseline: Decimal | None
    latest: Decimal | None
    change: Decimal | None
    improved: bool | None
    scores: tuple[StageScore, ...]

    @property
    def has_follow_up(self) -> bool:
        return self.improved is not None


def hoos_progress(scores: Sequence[StageScore], *, min_important_change: Decimal) -> HoosProgress:
    """Return the course's HOOS, JR progress from its answered stages.

    Baseline is the baseline stage's score; latest the score of the latest stage answered;
    change is latest minus baseline, and improved says whether it rose by at least
    `min_important_change`. Without a baseline, change and improved are None.
    """
    ordered = tuple(sorted(scores, key=lambda s: STAGES.index(s.stage)))
    if not ordered:
        return HoosProgress(None, None, None, None, ordered)
    latest = ordered[-1]
    first = ordered[0]
    if first.stage != "baseline":
        return HoosProgress(None, latest.score, None, None, ordered)
    change = latest.score - first.score
    improved = None if latest is first else change >= min_important_change
    return HoosProgress(first.score, latest.score, change, improved, ordered)


# -- a small chart beside the pain chart -----------------------------------------------------------

_W, _H = 260, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 14, 28, 34
_COLOUR = "#2e7d4f"
_GRID = "#d9d9d9"
_TEXT = "#333333"
STAGE_LABELS = {"baseline": "Baseline", "midpoint": "Midpoint", "end": "End"}


def hoos_chart_svg(progress: HoosProgress, *, title: str = "Hip function (HOOS, JR)") -> str:
    """Return a small inline SVG of the interval score at each stage answered (0-100, higher is
    better), one column per stage, with the score written above each point."""
    open_tag = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hoos-chart" width="{_W}" height="{_H}"'
        f' viewBox="0 0 {_W} {_H}" role="img" font-family="sans-serif" font-size="11">'
    )
    parts = [open_tag, f"<title>{escape(title)}</title>"]
    if not progress.scores:
        message = "No HOOS, JR answered yet."
        parts.append(f"<desc>{message}</desc>")
        parts.append(
            f'<text class="empty" x="{_W / 2:.0f}" y="{_H / 2:.0f}" text-anchor="middle"'
            f' fill="{_TEXT}">{message}</text></svg>'
        )
        return "".join(parts)
    described = ", ".join(f"{STAGE_LABELS[s.stage]} {s.score}" for s in progress.scores)
    parts.append(f"<desc>HOOS, JR interval score, 100 is perfect hip health: {described}.</desc>")
    plot_w = _W - _LEFT - _RIGHT
    plot_h = _H - _TOP - _BOTTOM

    def y_of(value: Decimal | int) -> float:
        return _TOP + plot_h * (100 - float(value)) / 100

    def x_of(stage: str) -> float:
        return _LEFT + plot_w * (STAGES.index(stage) + 0.5) / len(STAGES)

    parts.append('<g class="axis">')
    for tick in range(0, 101, 20):
        y = f"{y_of(tick):.1f}"
        parts.append(
            f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{y}" y2="{y}" stroke="{_GRID}"/>'
            f'<text x="{_LEFT - 6}" y="{y}" dy="0.35em" text-anchor="end" fill="{_TEXT}">'
            f"{tick}</text>"
        )
    for stage in STAGES:
        parts.append(
            f'<text x="{x_of(stage):.1f}" y="{_TOP + plot_h + 18}" text-anchor="middle"'
            f' fill="{_TEXT}">{STAGE_LABELS[stage]}</text>'
        )
    parts.append("</g>")
    points = " ".join(f"{x_of(s.stage):.1f},{y_of(s.score):.1f}" for s in progress.scores)
    parts.append(
        f'<polyline class="hoos-line" points="{points}" fill="none" stroke="{_COLOUR}"'
        f' stroke-width="2"/>'
    )
    parts.append('<g class="markers">')
    for s in progress.scores:
        x, y = x_of(s.stage), y_of(s.score)
        label = f"{STAGE_LABELS[s.stage]}: {s.score}/100"
        parts.append(
            f'<circle class="pt pt-hoos" cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{_COLOUR}">'
            f"<title>{escape(label)}</title></circle>"
            f'<text class="value" x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle"'
            f' fill="{_TEXT}">{s.score:.1f}</text>'
        )
    parts.append("</g></svg>")
    return "".join(parts)
