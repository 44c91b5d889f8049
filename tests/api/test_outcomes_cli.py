"""``bridgework outcomes PROGRAMME_ID [--csv FILE]`` on the embedded store, and its bad input."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridgework.cli import main
from graph.embedded.store import EmbeddedStore
from graph.port_outcomes import AnswerRecord
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Programme
from network.outcomes import DEFAULT_QUESTIONS, Question, questions_json

START = date(2026, 1, 12)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A programme of six whose members all answered the start wave; the first question's text starts with '='."""
    monkeypatch.delenv("NEO4J_URI", raising=False)
    d = tmp_path / "data"
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(d))
    d.mkdir()
    with EmbeddedStore(d / "bridgework.sqlite3") as store:
        store.ensure_schema()
        store.create_programme(Programme(id="p-1", name="Tees peers", status="running", starts_on=START))
        ids = [store.create_assessor(Assessor(id=f"a-{k}", name=f"Person {k}")).id for k in range(6)]
        for a in ids:
            store.enrol("p-1", a)
        store.commit_sets("p-1", [NewSet(ActionLearningSet(id="s-1", name="S", programme_id="p-1", status="active"), tuple(ids))], START)
        questions = (Question("confidence", "scale", "=1+1 how sure?", 1, 5), *DEFAULT_QUESTIONS[1:])
        store.save_questionnaire("p-1", questions_json(questions), 0, frozenset())
        for a in ids:
            store.save_answer(AnswerRecord("p-1", "start", a, 1, START, (("confidence", 4), ("isolation", 2), ("peers", 3))))
    return d


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_outcomes_prints_the_aggregates_and_writes_the_csv(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = run("outcomes", "p-1", "--csv", str(out))
    assert result.exit_code == 0, result.output
    assert "Tees peers (p-1): follow-up outcomes (no figure from fewer than 5 people)" in result.output
    assert "at the start 6, after 3 months fewer than 5" in result.output
    assert "people: 6     mean: 4" in result.output
    assert "a-0" not in result.output and "Person" not in result.output
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert ["confidence", "'=1+1 how sure?", "start", "mean", "", "4.0"] in rows


def test_an_unknown_programme_or_an_unwritable_file_fails_with_a_message(data_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["outcomes", "p-none"])
    assert result.exit_code == 1 and "no programme with id 'p-none'" in result.output
    result = CliRunner().invoke(main, ["outcomes", "p-1", "--csv", str(tmp_path / "missing" / "x.csv")])
    assert result.exit_code == 1 and "cannot write" in result.output
