"""Follow-up outcomes of a programme: questionnaires, their waves, answers and safe aggregate reports.

When a programme starts, each member of one of its sets answers a short questionnaire (by
default: confidence in assessing, sense of isolation, and how many peers outside their own
organisation they could call on), and again 3 and 6 months later. This module is the pure core:

* **Questions** (:class:`Question`) are configurable per programme. A questionnaire is stored
  in **versions**; every answer names the version it was given on, so a later change never
  rewrites what an earlier answer meant. The *scale* (kind, minimum, maximum) of a question
  key that has answers is frozen (:func:`check_frozen`); wording and labels may be clarified,
  and a new scale needs a new key.
* **Waves** (:func:`wave_windows`): ``start`` is the programme's ``starts_on``, ``3m`` and ``6m``
  are 3 and 6 calendar months later. Each wave can be answered from :data:`OPENS_BEFORE` days
  before its date until :data:`CLOSES_AFTER` days after it (inclusive); answering again inside
  the window replaces the earlier answer.
* **Who answers** (:func:`eligible`): a person with a membership of one of the programme's sets
  that began on or before the wave closes and had not ended before it opened. Someone enrolled
  but never placed in a set took no part, so is not asked; someone who left before a wave opened
  is not asked again.
* **Reports** (:func:`build_report`) turn per-value answer counts (computed in the store) into
  per question and wave: respondents, mean, median and distribution, and the paired change
  ``start -> 3m`` and ``start -> 6m`` of the people who answered both waves. No figure is
  published from fewer than :data:`MIN_GROUP` people: a count of 1-4 is suppressed, more cells
  are suppressed until the suppressed ones together hold 0 or at least 5 people (so the total
  minus the shown cells reveals nothing), a mean is withheld when, with the shown cells and
  the total, it would pin down the count of a suppressed cell (:func:`mean_reveals_cells`), and
  a median when a middle answer lies in a suppressed cell. A wave's figures are published only
  once the wave has closed, so comparing the report from one day to the next cannot isolate
  the answers given in between.

Everything here is deterministic and free of I/O.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from network import limits
from network.csvio import safe_cell

#: The waves of a programme's questionnaire, in order, and how many months after the start each falls.
WAVES: tuple[str, ...] = ("start", "3m", "6m")
WAVE_MONTHS: dict[str, int] = {"start": 0, "3m": 3, "6m": 6}
#: Each wave in words.
WAVE_NAMES: dict[str, str] = {"start": "at the start", "3m": "after 3 months", "6m": "after 6 months"}
#: A wave opens this many days before its date ...
OPENS_BEFORE = 14
#: ... and closes this many days after it (inclusive).
CLOSES_AFTER = 28
#: Programme statuses in which questionnaires are asked (a closed programme still has its follow-ups).
ASKING_STATUSES: tuple[str, ...] = ("running", "closed")
#: The paired changes reported: each follow-up against the start (the baseline).
CHANGES: tuple[tuple[str, str], ...] = (("start", "3m"), ("start", "6m"))
#: No figure from fewer than this many people.
MIN_GROUP = 5

QUESTION_KINDS: tuple[str, ...] = ("scale", "count")
MAX_QUESTIONS = 12
MAX_TEXT = 300
MAX_LABEL = 60
#: A scale runs between 0 and 10 with 2 to 11 points.
SCALE_LOWEST, SCALE_HIGHEST = 0, 10
#: A count question's largest allowed maximum.
COUNT_HIGHEST = 100
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
#: Line breaks, tabs, escape sequences and the like: a question is one line of plain text.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class OutcomeInputError(ValueError):
    """Input that cannot be accepted; ``fields`` maps each field (e.g. ``questions.1.maximum``) to its messages."""

    def __init__(self, fields: Mapping[str, Sequence[str]]) -> None:
        self.fields = {k: list(v) for k, v in fields.items()}
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in self.fields.items()))


# -- questions ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Question:
    """One question: a ``scale`` (``minimum``..``maximum`` with end labels) or a ``count`` (0..``maximum``)."""

    key: str
    kind: str
    text: str
    minimum: int
    maximum: int
    min_label: str = ""
    max_label: str = ""

    def allows(self, value: int) -> bool:
        """Whether ``value`` is a valid answer."""
        return self.minimum <= value <= self.maximum

    @property
    def scale(self) -> tuple[str, int, int]:
        """What the numbers mean (frozen once answered): kind, minimum, maximum."""
        return (self.kind, self.minimum, self.maximum)

    def bands(self) -> tuple[tuple[str, int, int], ...]:
        """The distribution's categories as ``(label, lowest, highest)``: every point of a scale; ranges of a count."""
        if self.kind == "scale":
            return tuple((str(v), v, v) for v in range(self.minimum, self.maximum + 1))
        edges = [e for e in (0, 1, 2, 3, 5, 10, 20, 50) if e <= self.maximum]
        out = []
        for k, lo in enumerate(edges):
            hi = edges[k + 1] - 1 if k + 1 < len(edges) else self.maximum
            out.append((str(lo) if lo == hi else f"{lo}-{hi}", lo, hi))
        return tuple(out)

    def as_dict(self) -> dict[str, Any]:
        """The question as plain JSON-able values."""
        return {
            "key": self.key,
            "kind": self.kind,
            "text": self.text,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "min_label": self.min_label,
            "max_label": self.max_label,
        }


#: The questions every programme starts with.
DEFAULT_QUESTIONS: tuple[Question, ...] = (
    Question(
        "confidence",
        "scale",
        "How confident do you feel in assessing students and newly qualified social workers?",
        1,
        5,
        "Not at all confident",
        "Very confident",
    ),
    Question("isolation", "scale", "How isolated do you feel in your role as an assessor?", 1, 5, "Not at all isolated", "Very isolated"),
    Question(
        "peers",
        "count",
        "How many peers outside your own organisation could you call on about an assessment?",
        0,
        50,
    ),
)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_questions(raw: Sequence[Mapping[str, Any]]) -> tuple[Question, ...]:
    """Check and build a questionnaire's questions; :class:`OutcomeInputError` naming every problem.

    Parameters
    ----------
    raw : sequence of mappings
        Each with ``key``, ``kind`` (``scale`` or ``count``), ``text``, ``minimum`` and ``maximum``
        (a count's minimum is always 0) and optional ``min_label`` / ``max_label``.

    Returns
    -------
    tuple of Question
        In the order given.

    Examples
    --------
    >>> parse_questions([{"key": "calm", "kind": "scale", "text": "How calm?", "minimum": 1, "maximum": 5}])[0].scale
    ('scale', 1, 5)
    """
    problems: dict[str, list[str]] = {}
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise OutcomeInputError({"questions": ["must be a list of questions"]})
    if not raw:
        problems.setdefault("questions", []).append("give at least one question")
    if len(raw) > MAX_QUESTIONS:
        problems.setdefault("questions", []).append(f"at most {MAX_QUESTIONS} questions")
    out: list[Question] = []
    seen: set[str] = set()
    for k, q in enumerate(raw):
        where = f"questions.{k}"

        def bad(name: str, message: str, where: str = where) -> None:
            problems.setdefault(f"{where}.{name}", []).append(message)

        if not isinstance(q, Mapping):
            problems.setdefault(where, []).append("must be a question")
            continue
        key, kind = q.get("key"), q.get("kind")
        text = q.get("text")
        min_label, max_label = q.get("min_label") or "", q.get("max_label") or ""
        if not isinstance(key, str) or not _KEY_RE.match(key):
            bad("key", "must be 1-32 lower-case letters, digits or _ starting with a letter")
        elif key in seen:
            bad("key", f"{key!r} is used by an earlier question")
        else:
            seen.add(key)
        if kind not in QUESTION_KINDS:
            bad("kind", "must be scale or count")
        if not isinstance(text, str) or not text.strip():
            bad("text", "write the question")
        elif len(text.strip()) > MAX_TEXT:
            bad("text", f"at most {MAX_TEXT} characters")
        elif _CONTROL_RE.search(text):
            bad("text", "must not contain control characters")
        for name, label in (("min_label", min_label), ("max_label", max_label)):
            if not isinstance(label, str):
                bad(name, "must be text")
            elif len(label.strip()) > MAX_LABEL:
                bad(name, f"at most {MAX_LABEL} characters")
            elif _CONTROL_RE.search(label):
                bad(name, "must not contain control characters")
        low, high = _int(q.get("minimum", 0 if kind == "count" else None)), _int(q.get("maximum"))
        if kind == "scale":
            if low is None or not SCALE_LOWEST <= low <= SCALE_HIGHEST:
                bad("minimum", f"must be a whole number from {SCALE_LOWEST} to {SCALE_HIGHEST}")
            if high is None or not SCALE_LOWEST <= high <= SCALE_HIGHEST:
                bad("maximum", f"must be a whole number from {SCALE_LOWEST} to {SCALE_HIGHEST}")
            elif low is not None and high <= low:
                bad("maximum", "must be above the minimum")
        elif kind == "count":
            if low != 0:
                bad("minimum", "a count starts at 0")
            if high is None or not 1 <= high <= COUNT_HIGHEST:
                bad("maximum", f"must be a whole number from 1 to {COUNT_HIGHEST}")
            if min_label or max_label:
                bad("min_label", "a count has no end labels")
        if not any(p.startswith(where) for p in problems):
            assert isinstance(key, str) and isinstance(kind, str) and isinstance(text, str) and low is not None and high is not None
            out.append(Question(key, kind, text.strip(), low, high, str(min_label).strip(), str(max_label).strip()))
    if problems:
        raise OutcomeInputError(problems)
    return tuple(out)


def questions_json(questions: Sequence[Question]) -> str:
    """The questions as the JSON text the store keeps."""
    return json.dumps([q.as_dict() for q in questions], ensure_ascii=False, separators=(",", ":"))


def questions_from_json(text: str) -> tuple[Question, ...]:
    """The questions of a stored questionnaire (stored text was checked when it was saved)."""
    return tuple(Question(**q) for q in json.loads(text))


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """One version of a programme's questionnaire (version 0: the defaults, not stored yet)."""

    programme_id: str
    version: int
    questions: tuple[Question, ...]
    created_at: datetime | None = None
    created_by: str | None = None

    def question(self, key: str) -> Question | None:
        """The question with this key, or ``None``."""
        return next((q for q in self.questions if q.key == key), None)


def check_frozen(new: Sequence[Question], versions: Sequence[Questionnaire], answered: Collection[tuple[int, str]]) -> None:
    """Refuse a change of scale of a question that has answers (:class:`OutcomeInputError`).

    ``answered`` holds ``(version, key)`` pairs that have at least one answer; ``versions`` are
    the stored versions. A reused key must keep the kind, minimum and maximum it was answered
    on, so earlier answers keep their meaning and aggregates across versions stay comparable.

    >>> v1 = Questionnaire("p", 1, DEFAULT_QUESTIONS)
    >>> check_frozen([Question("confidence", "scale", "How sure?", 1, 7)], [v1], {(1, "confidence")})
    Traceback (most recent call last):
    ...
    network.outcomes.OutcomeInputError: questions.0.maximum: 'confidence' already has answers on a 1-5 scale; keep its scale, ...
    """
    by_version = {v.version: v for v in versions}
    problems: dict[str, list[str]] = {}
    for k, q in enumerate(new):
        for version, key in sorted(answered):
            old = by_version[version].question(key) if version in by_version else None
            if key != q.key or old is None or old.scale == q.scale:
                continue
            name = "kind" if old.kind != q.kind else ("minimum" if old.minimum != q.minimum else "maximum")
            problems.setdefault(f"questions.{k}.{name}", []).append(
                f"{key!r} already has answers on a {old.minimum}-{old.maximum} {old.kind}; "
                "keep its scale, or ask the new question under a new key"
            )
            break
    if problems:
        raise OutcomeInputError(problems)


def validate_answers(questions: Sequence[Question], values: Mapping[str, Any]) -> dict[str, int]:
    """The answers as ``{key: value}`` if every question is answered in range; else :class:`OutcomeInputError` per field.

    >>> validate_answers(DEFAULT_QUESTIONS, {"confidence": 4, "isolation": 2, "peers": 3})
    {'confidence': 4, 'isolation': 2, 'peers': 3}
    """
    problems: dict[str, list[str]] = {}
    known = {q.key for q in questions}
    for key in sorted(set(values) - known):
        problems[str(key)] = ["not a question of this questionnaire"]
    out: dict[str, int] = {}
    for q in questions:
        value = values.get(q.key)
        if value is None:
            problems[q.key] = ["answer this question"]
        elif _int(value) is None:
            problems[q.key] = ["must be a whole number"]
        elif not q.allows(value):
            problems[q.key] = [f"must be from {q.minimum} to {q.maximum}"]
        else:
            out[q.key] = value
    if problems:
        raise OutcomeInputError(problems)
    return out


# -- waves ----------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months (the 31st becomes the month's last day; ``date.max`` past the calendar's end).

    >>> add_months(date(2026, 11, 30), 3)
    datetime.date(2027, 2, 28)
    """
    return limits.add_months(day, months)  # held at the end of the calendar for dates stored before they were checked


@dataclass(frozen=True, slots=True)
class WaveWindow:
    """When a wave falls (``target``) and can be answered (``opens_on``..``closes_on``, inclusive)."""

    wave: str
    target: date
    opens_on: date
    closes_on: date

    def is_open(self, today: date) -> bool:
        """Whether answers are taken on ``today``."""
        return self.opens_on <= today <= self.closes_on


def wave_window(starts_on: date, wave: str) -> WaveWindow:
    """The window of one wave of a programme starting on ``starts_on``; ``KeyError`` for an unknown wave."""
    target = add_months(starts_on, WAVE_MONTHS[wave])
    return WaveWindow(wave, target, limits.add_days(target, -OPENS_BEFORE), limits.add_days(target, CLOSES_AFTER))


def wave_windows(starts_on: date) -> tuple[WaveWindow, ...]:
    """Every wave's window, in order.

    >>> [(w.wave, w.opens_on.isoformat(), w.closes_on.isoformat()) for w in wave_windows(date(2026, 1, 15))]
    [('start', '2026-01-01', '2026-02-12'), ('3m', '2026-04-01', '2026-05-13'), ('6m', '2026-07-01', '2026-08-12')]
    """
    return tuple(wave_window(starts_on, w) for w in WAVES)


@dataclass(frozen=True, slots=True)
class Participation:
    """One person's part in a programme: first joined a set, last left (``None`` while a current member), waves answered."""

    programme_id: str
    assessor_id: str
    joined: date
    left: date | None = None
    answered: frozenset[str] = field(default_factory=frozenset)


def asks(status: str, starts_on: date | None) -> bool:
    """Whether a programme asks questionnaires at all: it has started (running or closed) and has a start date."""
    return status in ASKING_STATUSES and starts_on is not None


def eligible(part: Participation, window: WaveWindow) -> bool:
    """Whether the person is asked this wave: a member of a set at some point of the window."""
    return part.joined <= window.closes_on and (part.left is None or part.left >= window.opens_on)


def open_waves(status: str, starts_on: date | None, part: Participation, today: date) -> list[WaveWindow]:
    """The waves the person may answer (or re-answer) today, in order."""
    if not asks(status, starts_on):
        return []
    assert starts_on is not None
    return [w for w in wave_windows(starts_on) if w.is_open(today) and eligible(part, w)]


def due_waves(status: str, starts_on: date | None, part: Participation, today: date) -> list[WaveWindow]:
    """The open waves the person has not answered yet."""
    return [w for w in open_waves(status, starts_on, part, today) if w.wave not in part.answered]


# -- aggregates and suppression ---------------------------------------------------------------------

#: The categories of a paired change: lower than before, the same, higher.
CHANGE_BANDS = ("lower", "same", "higher")


@dataclass(frozen=True, slots=True)
class Cell:
    """One category of a distribution: ``count`` people, or ``None`` when suppressed."""

    label: str
    lowest: int
    highest: int
    count: int | None


@dataclass(frozen=True, slots=True)
class Summary:
    """The published figures of one group of answers (``None``: not published; ``withheld`` says why)."""

    n: int | None
    mean: float | None
    median: float | None
    cells: tuple[Cell, ...]
    withheld: tuple[str, ...] = ()
    #: Why nothing is shown yet (the wave has not closed), e.g. "open until 22 December 2026"; ``None`` once closed.
    pending: str | None = None

    @property
    def suppressed(self) -> bool:
        """True when nothing is published: too small a group, or a wave still open."""
        return self.n is None


@dataclass(frozen=True, slots=True)
class QuestionReport:
    """A question (as last asked) with its figures per wave and its paired changes."""

    question: Question
    waves: tuple[tuple[str, Summary], ...]
    changes: tuple[tuple[str, str, Summary], ...]


@dataclass(frozen=True, slots=True)
class OutcomeReport:
    """A programme's outcomes, every figure safe to show to its coordinator."""

    programme_id: str
    respondents: tuple[tuple[str, int | None], ...]
    questions: tuple[QuestionReport, ...]
    min_group: int = MIN_GROUP


@dataclass(frozen=True, slots=True)
class Histograms:
    """What the store computes: answer counts per (wave, key, value), paired changes per (key, from, to, diff), respondents per wave."""

    values: Mapping[tuple[str, str, int], int]
    changes: Mapping[tuple[str, str, str, int], int]
    respondents: Mapping[str, int]


def histograms_from_answers(answers: Iterable[tuple[str, str, Mapping[str, int]]]) -> Histograms:
    """The :class:`Histograms` of ``(assessor, wave, {key: value})`` answers, in plain Python (what the store does in one query).

    >>> h = histograms_from_answers([("a", "start", {"q": 2}), ("a", "3m", {"q": 4})])
    >>> dict(h.values), dict(h.changes), dict(h.respondents)
    ({('start', 'q', 2): 1, ('3m', 'q', 4): 1}, {('q', 'start', '3m', 2): 1}, {'start': 1, '3m': 1})
    """
    values: dict[tuple[str, str, int], int] = {}
    changes: dict[tuple[str, str, str, int], int] = {}
    respondents: dict[str, int] = {}
    by_person: dict[str, dict[str, Mapping[str, int]]] = {}
    for assessor_id, wave, answer in answers:
        respondents[wave] = respondents.get(wave, 0) + 1
        by_person.setdefault(assessor_id, {})[wave] = answer
        for key, value in answer.items():
            values[(wave, key, value)] = values.get((wave, key, value), 0) + 1
    for waves in by_person.values():
        for first, then in CHANGES:
            if first in waves and then in waves:
                for key in sorted(set(waves[first]) & set(waves[then])):
                    k = (key, first, then, waves[then][key] - waves[first][key])
                    changes[k] = changes.get(k, 0) + 1
    return Histograms(values, changes, respondents)


def wave_release(hist: Histograms, wave: str) -> Histograms:
    """The part of ``hist`` a wave's release keeps: its answer counts, the paired changes ending at it, its respondents.

    >>> h = histograms_from_answers([("a", "start", {"q": 2}), ("a", "3m", {"q": 4})])
    >>> r = wave_release(h, "3m")
    >>> dict(r.values), dict(r.changes), dict(r.respondents)
    ({('3m', 'q', 4): 1}, {('q', 'start', '3m', 2): 1}, {'3m': 1})
    """
    return Histograms(
        {k: c for k, c in hist.values.items() if k[0] == wave},
        {k: c for k, c in hist.changes.items() if k[2] == wave},
        {w: c for w, c in hist.respondents.items() if w == wave},
    )


def release_json(hist: Histograms) -> str:
    """A wave's release (:func:`wave_release`) as the JSON text the store keeps."""
    return json.dumps(
        {
            "values": sorted([*k, c] for k, c in hist.values.items()),
            "changes": sorted([*k, c] for k, c in hist.changes.items()),
            "respondents": sorted([w, c] for w, c in hist.respondents.items()),
        },
        separators=(",", ":"),
    )


def release_from_json(text: str) -> Histograms:
    """The :class:`Histograms` of a stored release (:func:`release_json`).

    >>> h = wave_release(histograms_from_answers([("a", "start", {"q": 2}), ("a", "3m", {"q": 4})]), "3m")
    >>> release_from_json(release_json(h)) == h
    True
    """
    raw = json.loads(text)
    return Histograms(
        {(w, k, v): c for w, k, v, c in raw["values"]},
        {(k, a, b, d): c for k, a, b, d, c in raw["changes"]},
        {w: c for w, c in raw["respondents"]},
    )


def merge_releases(releases: Iterable[Histograms]) -> Histograms:
    """One :class:`Histograms` of several waves' releases (each wave in one of them)."""
    values: dict[tuple[str, str, int], int] = {}
    changes: dict[tuple[str, str, str, int], int] = {}
    respondents: dict[str, int] = {}
    for r in releases:
        values.update(r.values)
        changes.update(r.changes)
        respondents.update(r.respondents)
    return Histograms(values, changes, respondents)


def closed_waves(starts_on: date | None, today: date) -> list[str]:
    """The waves whose window has closed by ``today`` (none without a start date): the ones whose figures are released."""
    if starts_on is None:
        return []
    return [w.wave for w in wave_windows(starts_on) if today > w.closes_on]


def suppress(counts: Sequence[int], min_group: int = MIN_GROUP) -> list[bool]:
    """Which cells to suppress: every count of 1 to ``min_group - 1``, then more, smallest first.

    More cells are suppressed until the suppressed ones hold 0 or at least ``min_group``
    people together. The second step stops a suppressed cell being recovered as the total minus the shown cells.

    >>> suppress([3, 0, 12, 7])
    [True, False, False, True]
    """
    hidden = [0 < c < min_group for c in counts]
    while 0 < sum(c for c, h in zip(counts, hidden, strict=True) if h) < min_group:
        shown = [(c, k) for k, (c, h) in enumerate(zip(counts, hidden, strict=True)) if not h and c > 0]
        if not shown:
            break
        hidden[min(shown)[1]] = True
    return hidden


def round_mean(total: int, n: int) -> float:
    """The published mean: one decimal place."""
    return round(total / n, 1)


def _sums_matching(mean: float, n: int) -> tuple[int, int]:
    """The integer totals whose published mean over ``n`` people is ``mean`` (a contiguous range)."""
    lo, hi = math.floor(n * (mean - 0.06)), math.ceil(n * (mean + 0.06))
    found = [t for t in range(lo, hi + 1) if round_mean(t, n) == mean]
    return (min(found), max(found))


#: Past this many people in suppressed cells, the check is not run and the mean is withheld (fail safe).
_AUDIT_LIMIT = 200


def mean_reveals_cells(cells: Sequence[tuple[int, int, int]], hidden: Sequence[bool], n: int, mean: float) -> bool:
    """Whether the published mean, total and shown cells pin down the count of any suppressed cell.

    Parameters
    ----------
    cells : sequence of (lowest, highest, count)
        The distribution; a person in a cell answered a whole number between its lowest and highest.
    hidden : sequence of bool
        Which cells are suppressed (each holds at least one person).
    n, mean
        The published total and (rounded) mean.

    Returns
    -------
    bool
        True if some suppressed cell can take only one count given everything published.

    Notes
    -----
    For each suppressed cell, the totals the other suppressed cells can reach with ``p`` people
    (each cell holding at least one) are built as bitsets, one per ``p``; a candidate count of the
    cell is possible when some reachable total brings the grand total into the range the rounded
    mean allows. O(k^2 * R^2) big-integer operations for k suppressed cells holding R people.

    Examples
    --------
    >>> # 2 people on 1 and 3 on 5 hidden, 10 shown on 3: the exact mean gives both hidden counts away
    >>> mean_reveals_cells([(1, 1, 2), (3, 3, 10), (5, 5, 3)], [True, False, True], 15, round_mean(2 + 30 + 15, 15))
    True
    """
    secret = [(lo, hi) for (lo, hi, _), h in zip(cells, hidden, strict=True) if h]
    if not secret:
        return False
    people = sum(c for (_, _, c), h in zip(cells, hidden, strict=True) if h)
    if len(secret) == 1 or people > _AUDIT_LIMIT:
        return True
    # Shift every value by the lowest so all are >= 0 (a change can be negative): totals shift by n * lowest.
    low = min(lo for lo, _, _ in cells)
    secret = [(lo - low, hi - low) for lo, hi in secret]
    base_lo = sum(c * (lo - low) for (lo, _, c), h in zip(cells, hidden, strict=True) if not h)
    base_hi = sum(c * (hi - low) for (_, hi, c), h in zip(cells, hidden, strict=True) if not h)
    want_lo, want_hi = (t - n * low for t in _sums_matching(mean, n))
    for j, (jlo, jhi) in enumerate(secret):
        others = secret[:j] + secret[j + 1 :]
        reach = [0] * (people + 1)  # reach[p]: bit t set when the other hidden cells can total t with p people
        reach[0] = 1
        for lo, hi in others:
            nxt = [0] * (people + 1)
            for p, sums in enumerate(reach):
                if sums:
                    for c in range(1, people - p + 1):
                        nxt[p + c] |= _smear(sums << (c * lo), c * (hi - lo))
            reach = nxt
        possible = 0
        for x in range(1, people - len(others) + 1):
            first, last = want_lo - base_hi - x * jhi, want_hi - base_lo - x * jlo  # the others' total must lie here
            if last >= 0 and reach[people - x] >> max(first, 0) & ((1 << (last - max(first, 0) + 1)) - 1):
                possible += 1
                if possible > 1:
                    break
        if possible < 2:
            return True
    return False


def _smear(bits: int, width: int) -> int:
    """``bits`` ORed with itself shifted by 1..``width`` (every total a band of that width can add)."""
    done = 0  # bits now covers shifts 0..done
    while done < width:
        step = min(done + 1, width - done)
        bits |= bits << step
        done += step
    return bits


def _median(hist: Mapping[int, int]) -> tuple[float, tuple[int, int]]:
    """The median of a histogram and the two middle values it comes from."""
    n = sum(hist.values())
    ranks = ((n - 1) // 2, n // 2)
    middle: list[int] = []
    seen = 0
    for value in sorted(hist):
        count = hist[value]
        for r in ranks:
            if seen <= r < seen + count:
                middle.append(value)
        seen += count
    return (middle[0] + middle[1]) / 2, (middle[0], middle[1])


def summarise(hist: Mapping[int, int], bands: Sequence[tuple[str, int, int]], min_group: int = MIN_GROUP) -> Summary:
    """The publishable figures of one group's answers (``hist``: value -> people), banded as given.

    Nothing but "fewer than ``min_group``" for a small group; otherwise the total, the mean (one
    decimal, unless it would pin a suppressed cell), the median (unless a middle answer lies in a
    suppressed cell) and the distribution with small cells suppressed.

    >>> s = summarise({1: 1, 2: 6, 3: 5}, [("1", 1, 1), ("2", 2, 2), ("3", 3, 3)])
    >>> s.n, [c.count for c in s.cells], s.median
    (12, [None, 6, None], 2.0)
    """
    hist = {v: c for v, c in hist.items() if c > 0}
    n = sum(hist.values())
    if n < min_group:
        return Summary(None, None, None, tuple(Cell(label, lo, hi, None) for label, lo, hi in bands), ("fewer than 5 people",))
    counts = [sum(c for v, c in hist.items() if lo <= v <= hi) for _, lo, hi in bands]
    hidden = suppress(counts, min_group)
    cells = tuple(Cell(label, lo, hi, None if h else c) for (label, lo, hi), c, h in zip(bands, counts, hidden, strict=True))
    withheld: list[str] = []
    mean: float | None = round_mean(sum(v * c for v, c in hist.items()), n)
    assert mean is not None
    if mean_reveals_cells([(lo, hi, c) for (_, lo, hi), c in zip(bands, counts, strict=True)], hidden, n, mean):
        mean = None
        withheld.append("mean: it would reveal a small group")
    median: float | None
    median, middle = _median(hist)
    if any(h and lo <= v <= hi for v in middle for (_, lo, hi), h in zip(bands, hidden, strict=True)):
        median = None
        withheld.append("median: it falls in a small group")
    return Summary(n, mean, median, cells, tuple(withheld))


def _change_bands(question: Question) -> tuple[tuple[str, int, int], ...]:
    span = question.maximum - question.minimum
    return (("lower", -span, -1), ("same", 0, 0), ("higher", 1, span))


def latest_questions(versions: Sequence[Questionnaire]) -> list[Question]:
    """Every question ever asked, as last worded: the newest version's order, then retired questions by key."""
    ordered = sorted(versions, key=lambda v: v.version)
    latest: dict[str, Question] = {}
    for v in ordered:
        for q in v.questions:
            latest[q.key] = q
    current = [q.key for q in ordered[-1].questions] if ordered else []
    return [latest[k] for k in current] + [latest[k] for k in sorted(set(latest) - set(current))]


def _pending(window: WaveWindow | None, today: date | None) -> str | None:
    """Why a wave's figures are not shown yet, or ``None`` when it has closed (or there is no calendar to go by)."""
    if window is None or today is None or today > window.closes_on:
        return None
    if today < window.opens_on:
        return f"not asked yet: opens on {limits.words(window.opens_on)}"
    return f"still open until {limits.words(window.closes_on)}: figures appear when it closes"


def build_report(
    programme_id: str,
    versions: Sequence[Questionnaire],
    hist: Histograms,
    min_group: int = MIN_GROUP,
    starts_on: date | None = None,
    today: date | None = None,
) -> OutcomeReport:
    """The programme's outcome report from the store's histograms: figures per question and wave, and paired changes.

    A wave's figures (and a change ending at it) are published only once the wave has closed
    (with ``starts_on`` and ``today`` given): while answers still come in, comparing today's
    figures with yesterday's would reveal the answers given in between.

    Parameters
    ----------
    programme_id : str
    versions : sequence of Questionnaire
        Every stored version (the defaults as version 0 when none is stored).
    hist : Histograms
        Answer counts computed in the store.
    min_group : int
        Smallest group a figure may come from.
    starts_on, today : date, optional
        The programme's start and the day of the report; without them every wave counts as closed.

    Returns
    -------
    OutcomeReport
        Only figures from at least ``min_group`` people; see :func:`summarise`.

    Examples
    --------
    >>> h = histograms_from_answers([(f"a{i}", "start", {"confidence": 2, "isolation": 4, "peers": 1}) for i in range(6)])
    >>> r = build_report("p", [Questionnaire("p", 1, DEFAULT_QUESTIONS)], h)
    >>> r.respondents, r.questions[0].waves[0][1].mean, r.questions[0].waves[1][1].n
    ((('start', 6), ('3m', None), ('6m', None)), 2.0, None)
    """
    pending = {w: _pending(wave_window(starts_on, w) if starts_on else None, today) for w in WAVES}

    def summary(counts: Mapping[int, int], bands: Sequence[tuple[str, int, int]], wave: str) -> Summary:
        if pending[wave]:
            return Summary(None, None, None, tuple(Cell(label, lo, hi, None) for label, lo, hi in bands), (), pending[wave])
        return summarise(counts, bands, min_group)

    questions: list[QuestionReport] = []
    for q in latest_questions(versions):
        waves = []
        for wave in WAVES:
            values = {v: c for (w, k, v), c in hist.values.items() if w == wave and k == q.key}
            waves.append((wave, summary(values, q.bands(), wave)))
        changes = []
        for first, then in CHANGES:
            diffs = {d: c for (k, a, b, d), c in hist.changes.items() if k == q.key and a == first and b == then}
            changes.append((first, then, summary(diffs, _change_bands(q), then)))
        questions.append(QuestionReport(q, tuple(waves), tuple(changes)))
    respondents = tuple((w, c if (c := hist.respondents.get(w, 0)) >= min_group else None) for w in WAVES)
    return OutcomeReport(programme_id, respondents, tuple(questions), min_group)


def published_figures(report: OutcomeReport) -> list[tuple[str, float | int]]:
    """Every number the report publishes, named (for checks and the CSV)."""
    out: list[tuple[str, float | int]] = [(f"respondents/{w}", n) for w, n in report.respondents if n is not None]
    for qr in report.questions:
        groups = [(f"{qr.question.key}/{w}", s) for w, s in qr.waves] + [(f"{qr.question.key}/{a}-{b}", s) for a, b, s in qr.changes]
        for name, s in groups:
            for stat in ("n", "mean", "median"):
                value = getattr(s, stat)
                if value is not None:
                    out.append((f"{name}/{stat}", value))
            out.extend((f"{name}/{c.label}", c.count) for c in s.cells if c.count is not None and not s.suppressed)
    return out


# -- CSV ------------------------------------------------------------------------------------------

#: The columns of the CSV export, one row per figure.
CSV_COLUMNS = ("question_key", "question", "group", "statistic", "category", "value")
FEWER = "fewer than 5"


def report_csv(report: OutcomeReport) -> str:
    """The report's aggregates as CSV: one row per figure; suppressed ones read "fewer than 5" or "withheld".

    >>> print(report_csv(OutcomeReport("p", (("start", None),), ())), end="")
    question_key,question,group,statistic,category,value
    ,,start,respondents,,fewer than 5
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for wave, n in report.respondents:
        writer.writerow(["", "", wave, "respondents", "", FEWER if n is None else n])
    for qr in report.questions:
        q = qr.question
        groups = [(w, s, "") for w, s in qr.waves] + [(f"{a} to {b}", s, " change") for a, b, s in qr.changes]
        for group, s, change in groups:
            head = [safe_cell(q.key), safe_cell(q.text), safe_cell(group)]
            if s.pending:
                writer.writerow([*head, "people", "", safe_cell(s.pending)])
                continue
            if s.suppressed:
                writer.writerow([*head, "people", "", FEWER])
                continue
            writer.writerow([*head, "people", "", s.n])
            writer.writerow([*head, "mean" + change, "", "withheld" if s.mean is None else s.mean])
            writer.writerow([*head, "median" + change, "", "withheld" if s.median is None else s.median])
            for c in s.cells:
                writer.writerow([*head, "count", safe_cell(c.label), FEWER if c.count is None else c.count])
    return out.getvalue()
