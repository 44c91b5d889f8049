"""The outcomes engine: questions, waves, answer checks, and reports that never publish a figure from fewer than 5 people."""

from __future__ import annotations

import csv
import doctest
import io
import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from network import outcomes
from network.outcomes import (
    DEFAULT_QUESTIONS,
    MIN_GROUP,
    OutcomeInputError,
    Participation,
    Question,
    Questionnaire,
    build_report,
    check_frozen,
    due_waves,
    histograms_from_answers,
    open_waves,
    parse_questions,
    published_figures,
    report_csv,
    round_mean,
    summarise,
    suppress,
    validate_answers,
    wave_window,
)

START = date(2026, 1, 15)


def test_the_docstring_examples_hold() -> None:
    assert doctest.testmod(outcomes, optionflags=doctest.ELLIPSIS).failed == 0


# -- questions ---------------------------------------------------------------------------------


def test_the_default_questionnaire_asks_confidence_isolation_and_peers() -> None:
    assert [q.key for q in DEFAULT_QUESTIONS] == ["confidence", "isolation", "peers"]
    assert parse_questions([q.as_dict() for q in DEFAULT_QUESTIONS]) == DEFAULT_QUESTIONS


def test_bad_questions_are_named_field_by_field() -> None:
    with pytest.raises(OutcomeInputError) as caught:
        parse_questions(
            [
                {"key": "Bad Key", "kind": "scale", "text": "x", "minimum": 1, "maximum": 5},
                {"key": "calm", "kind": "scale", "text": " ", "minimum": 5, "maximum": 5},
                {"key": "calm", "kind": "count", "text": "How many?", "maximum": 1000},
                {"key": "mood", "kind": "stars", "text": "?", "minimum": 1, "maximum": True},
                {"key": "calm2", "kind": "scale", "text": "How calm?\x1b[2J", "minimum": 1, "maximum": 5, "max_label": "Calm\n"},
            ]
        )
    fields = caught.value.fields
    assert set(fields) == {
        "questions.0.key",
        "questions.1.text",
        "questions.1.maximum",
        "questions.2.key",
        "questions.2.maximum",
        "questions.3.kind",
        "questions.4.text",
        "questions.4.max_label",
    }
    with pytest.raises(OutcomeInputError) as caught:
        parse_questions([])
    assert "questions" in caught.value.fields


def test_count_bands_cover_every_value_once() -> None:
    peers = DEFAULT_QUESTIONS[2]
    bands = peers.bands()
    assert bands[0] == ("0", 0, 0) and bands[-1] == ("50", 50, 50)
    covered = [v for _, lo, hi in bands for v in range(lo, hi + 1)]
    assert covered == list(range(0, 51))
    assert Question("few", "count", "?", 0, 4).bands() == (("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3-4", 3, 4))


def test_answered_questions_keep_their_scale_but_may_be_reworded() -> None:
    v1 = Questionnaire("p", 1, DEFAULT_QUESTIONS)
    reworded = (Question("confidence", "scale", "How sure are you when assessing?", 1, 5, "Unsure", "Sure"), *DEFAULT_QUESTIONS[1:])
    check_frozen(reworded, [v1], {(1, "confidence")})
    with pytest.raises(OutcomeInputError) as caught:
        check_frozen([Question("peers", "scale", "How many?", 0, 10)], [v1], {(1, "peers")})
    assert list(caught.value.fields) == ["questions.0.kind"]
    # a question nobody answered yet may still change its scale
    check_frozen([Question("isolation", "scale", "How isolated?", 0, 10)], [v1], {(1, "confidence")})


def test_answers_are_checked_against_the_questions() -> None:
    assert validate_answers(DEFAULT_QUESTIONS, {"confidence": 1, "isolation": 5, "peers": 0}) == {
        "confidence": 1,
        "isolation": 5,
        "peers": 0,
    }
    with pytest.raises(OutcomeInputError) as caught:
        validate_answers(DEFAULT_QUESTIONS, {"confidence": 6, "isolation": True, "peers": "3", "extra": 1})
    assert caught.value.fields == {
        "extra": ["not a question of this questionnaire"],
        "confidence": ["must be from 1 to 5"],
        "isolation": ["must be a whole number"],
        "peers": ["must be a whole number"],
    }
    with pytest.raises(OutcomeInputError) as caught:
        validate_answers(DEFAULT_QUESTIONS, {"confidence": 3, "isolation": 3, "peers": -1})
    assert caught.value.fields == {"peers": ["must be from 0 to 50"]}


# -- waves -------------------------------------------------------------------------------------


def test_waves_fall_at_the_start_then_3_and_6_months_with_a_window_around_each() -> None:
    w = wave_window(START, "3m")
    assert (w.target, w.opens_on, w.closes_on) == (date(2026, 4, 15), date(2026, 4, 1), date(2026, 5, 13))
    assert wave_window(date(2026, 8, 31), "6m").target == date(2027, 2, 28)
    with pytest.raises(KeyError):
        wave_window(START, "12m")


def test_who_is_asked_and_when() -> None:
    member = Participation("p", "a", joined=START)
    assert [w.wave for w in due_waves("running", START, member, date(2026, 1, 1))] == ["start"]
    assert due_waves("running", START, member, date(2025, 12, 31)) == []  # not open yet
    assert due_waves("running", START, member, date(2026, 2, 13)) == []  # closed
    assert due_waves("open", START, member, START) == []  # the programme has not started
    assert due_waves("running", None, member, START) == []  # no start date
    assert [w.wave for w in due_waves("closed", START, member, date(2026, 7, 20))] == ["6m"]  # follow-up after the end
    answered = Participation("p", "a", joined=START, answered=frozenset({"start"}))
    assert due_waves("running", START, answered, START) == []
    assert [w.wave for w in open_waves("running", START, answered, START)] == ["start"]  # may still change it
    left_early = Participation("p", "a", joined=START, left=date(2026, 2, 20))
    assert due_waves("running", START, left_early, date(2026, 4, 10)) == []
    late_joiner = Participation("p", "a", joined=date(2026, 3, 1))
    assert due_waves("running", START, late_joiner, date(2026, 1, 20)) == []
    assert [w.wave for w in due_waves("running", START, late_joiner, date(2026, 4, 20))] == ["3m"]


# -- suppression -------------------------------------------------------------------------------


def test_small_cells_are_suppressed_with_a_second_cell_so_the_total_does_not_reveal_them() -> None:
    assert suppress([0, 0, 9, 0]) == [False] * 4
    assert suppress([1, 0, 9, 6]) == [True, False, False, True]
    assert suppress([2, 3, 9]) == [True, True, False]
    assert suppress([4]) == [True]


def test_a_small_group_publishes_nothing() -> None:
    s = summarise({3: 4}, [("1", 1, 1), ("3", 3, 3)])
    assert (s.n, s.mean, s.median) == (None, None, None)
    assert all(c.count is None for c in s.cells)


def test_the_mean_is_withheld_when_it_would_give_a_suppressed_cell_away() -> None:
    bands = [(str(v), v, v) for v in range(1, 6)]
    s = summarise({1: 2, 3: 10, 5: 3}, bands)
    assert s.n == 15 and [c.count for c in s.cells] == [None, 0, 10, 0, None]
    assert s.mean is None and any("mean" in w for w in s.withheld)
    # enough people that the rounded mean no longer pins the hidden cells
    big = summarise({1: 2, 2: 40, 3: 60, 5: 3}, bands)
    assert big.mean is not None


def test_a_report_pairs_changes_on_people_who_answered_both_waves() -> None:
    answers = []
    for i in range(7):
        answers.append((f"a{i}", "start", {"confidence": 2, "isolation": 4, "peers": 1}))
        answers.append((f"a{i}", "3m", {"confidence": 2 + (i % 2), "isolation": 3, "peers": 4}))
    answers.append(("late", "3m", {"confidence": 5, "isolation": 1, "peers": 9}))
    report = build_report("p", [Questionnaire("p", 1, DEFAULT_QUESTIONS)], histograms_from_answers(answers))
    confidence = report.questions[0]
    start_to_3m = confidence.changes[0][2]
    assert confidence.changes[0][:2] == ("start", "3m")
    assert start_to_3m.n == 7  # "late" has no start answer
    assert [(c.label, c.count) for c in start_to_3m.cells] == [("lower", 0), ("same", None), ("higher", None)]
    isolation_change = report.questions[1].changes[0][2]
    assert (isolation_change.mean, isolation_change.median) == (-1.0, -1.0)
    assert dict(report.respondents) == {"start": 7, "3m": 8, "6m": None}


def test_the_csv_guards_text_cells_against_formulas() -> None:
    evil = Question("calm", "scale", '=HYPERLINK("http://x")', 1, 5)
    answers = [(f"a{i}", "start", {"calm": 3}) for i in range(5)]
    text = report_csv(build_report("p", [Questionnaire("p", 1, (evil,))], histograms_from_answers(answers)))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(outcomes.CSV_COLUMNS)
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row[:2])
    assert ["calm", '\'=HYPERLINK("http://x")', "start", "people", "", "5"] in rows


# -- the property: no published figure from fewer than 5 people ----------------------------------

_SMALL = Question("q", "scale", "?", 1, 4)


def _brute_force_pins(cells: list[tuple[int, int, int]], hidden: list[bool], n: int, mean: float | None) -> bool:
    """Enumerate every count vector for the hidden cells consistent with what is shown; True if one hidden cell has one count only."""
    secret = [k for k, h in enumerate(hidden) if h]
    total = sum(cells[k][2] for k in secret)
    shown = sum(c * lo for k, (lo, _, c) in enumerate(cells) if not hidden[k])
    options: list[set[int]] = [set() for _ in secret]
    for combo in itertools.product(range(1, total + 1), repeat=len(secret)):
        if sum(combo) != total:
            continue
        if mean is not None and outcomes.round_mean(shown + sum(c * cells[k][0] for c, k in zip(combo, secret, strict=True)), n) != mean:
            continue
        for i, c in enumerate(combo):
            options[i].add(c)
    return any(len(o) == 1 for o in options)


@settings(max_examples=150, deadline=None)
@given(
    people=st.integers(min_value=0, max_value=14),
    data=st.data(),
)
def test_no_published_figure_is_computed_from_fewer_than_5_people(people: int, data: st.DataObject) -> None:
    answers = []
    for i in range(people):
        waves = data.draw(st.sets(st.sampled_from(["start", "3m", "6m"]), max_size=3), label=f"waves {i}")
        for wave in sorted(waves):
            answers.append((f"a{i}", wave, {"q": data.draw(st.integers(min_value=1, max_value=4), label=f"value {i} {wave}")}))
    hist = histograms_from_answers(answers)
    report = build_report("p", [Questionnaire("p", 1, (_SMALL,))], hist)
    for _wave, n in report.respondents:
        assert n is None or n >= MIN_GROUP
    (qr,) = report.questions
    groups = [({v: c for (w, _, v), c in hist.values.items() if w == wave}, s) for wave, s in qr.waves]
    groups += [({d: c for (_, a, b, d), c in hist.changes.items() if (a, b) == (first, then)}, s) for first, then, s in qr.changes]
    for raw, s in groups:
        people_behind = sum(raw.values())
        if people_behind < MIN_GROUP:
            assert (s.n, s.mean, s.median) == (None, None, None) and all(c.count is None for c in s.cells)
            continue
        assert s.n == people_behind
        counts = [sum(c for v, c in raw.items() if c_lo <= v <= c_hi) for c_lo, c_hi in ((c.lowest, c.highest) for c in s.cells)]
        hidden = [c.count is None for c in s.cells]
        for cell, count in zip(s.cells, counts, strict=True):
            assert cell.count is None or cell.count == count
            assert cell.count is None or cell.count == 0 or cell.count >= MIN_GROUP
        # the total minus the shown cells never gives away a small group
        left = sum(c for c, h in zip(counts, hidden, strict=True) if h)
        assert left == 0 or left >= MIN_GROUP
        # nor does the mean, with the total and the shown cells (checked by enumeration for single-value cells)
        if s.mean is not None and any(hidden) and all(c.lowest == c.highest for c in s.cells):
            cells = [(c.lowest, c.highest, count) for c, count in zip(s.cells, counts, strict=True)]
            assert not _brute_force_pins(cells, hidden, people_behind, s.mean)
    assert all(isinstance(v, int | float) for _, v in published_figures(report))


def test_changes_can_be_negative_and_their_mean_is_checked_the_same_way() -> None:
    bands = [("lower", -4, -1), ("same", 0, 0), ("higher", 1, 4)]
    s = summarise({-1: 3, 0: 10, 2: 3}, bands)
    assert [c.count for c in s.cells] == [None, 10, None]
    assert s.mean == 0.2  # many splits of the six hidden people fit a mean of 0.2
    assert outcomes.mean_reveals_cells([(-4, -1, 3), (0, 0, 10), (1, 4, 3)], [True, False, True], 16, 0.2) is False
    # one person per band: the exact mean leaves one split only
    assert outcomes.mean_reveals_cells([(-1, -1, 1), (0, 0, 10), (1, 1, 4)], [True, False, True], 15, round_mean(3, 15)) is True
