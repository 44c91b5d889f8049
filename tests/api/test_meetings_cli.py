"""``bridgework send-reminders`` (idempotent), ``set-health`` and ``meetings`` on the embedded store."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridgework.cli import main
from graph.embedded.store import EmbeddedStore
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme

START = date(2026, 3, 3)  # a Tuesday


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("BRIDGEWORK_NOTIFIER", raising=False)
    d = tmp_path / "data"
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(d))
    assert run("send-reminders", "--date", "2026-01-01").exit_code == 0  # creates the store
    store = EmbeddedStore(d / "bridgework.sqlite3")
    store.create_organisation(Organisation(id="org", name="Org", kind="voluntary", region="london"))
    store.create_programme(Programme(id="prog", name="Programme", cadence="fortnightly", meetings=4, set_size_min=4))
    for a in ("ann", "bob", "cat"):
        store.create_assessor(Assessor(id=a, name=a.title(), availability=("tue-pm",)))
        store.enrol("prog", a)
    s = ActionLearningSet(
        id="set-1", name="Set one", programme_id="prog", status="active", meeting_slot="tue-pm", cadence="fortnightly", starts_on=START
    )
    store.commit_sets("prog", [NewSet(s, ("ann", "bob", "cat"))], START - timedelta(days=7))
    store.close()
    return d


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_send_reminders_twice_sends_nothing_twice(data_dir: Path) -> None:
    first = run("send-reminders", "--date", "2026-03-01", "--json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert report["materialised_sets"] == 1 and report["by_kind"] == {"meeting": 3, "rota": 2} and report["new"] == 5
    again = json.loads(run("send-reminders", "--date", "2026-03-01", "--json").output)
    assert (again["due"], again["new"], again["materialised_sets"]) == (5, 0, 0)
    words = run("send-reminders", "--date", "2026-03-01")
    assert "already sent before: 5" in words.output


def test_bad_date_and_bad_notifier(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("send-reminders", "--date", "someday").exit_code == 2
    monkeypatch.setenv("BRIDGEWORK_NOTIFIER", "smtp")
    result = CliRunner().invoke(main, ["send-reminders"])
    assert result.exit_code == 2 and "BRIDGEWORK_SMTP_HOST" in result.output


def test_set_health_and_meetings(data_dir: Path) -> None:
    listed = run("meetings", "set-1")
    assert listed.exit_code == 0 and "Set one" in listed.output and " 4. " in listed.output
    health = run("set-health", "prog", "--date", "2026-03-01")
    assert health.exit_code == 0
    assert "1 of 1 set(s) at risk" in health.output and "below the minimum of 4" in health.output and "Fill the vacancy" in health.output
    assert run("set-health", "no-such-programme").exit_code == 1
