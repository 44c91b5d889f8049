"""The command line: dates outside the window are a plain message and exit 1; a failing set is named and the run exits 3 after the rest.

See ``tests/api/test_date_limits.py`` for the arrangement (two normal sets and a committed set of a
programme starting on 9999-12-20, put straight into the store).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli_common import EXIT_PARTIAL
from api.services import meetings as service
from bridgework.cli import main
from graph.embedded.store import EmbeddedStore
from tests.api.test_date_limits import RUN, arrange


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("BRIDGEWORK_NOTIFIER", raising=False)
    d = tmp_path / "data"
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(d))
    assert run("init-db").exit_code == 0
    return d


@pytest.fixture
def far_world(data_dir: Path) -> Path:
    with EmbeddedStore(data_dir / "bridgework.sqlite3") as store:
        arrange(store)
    return data_dir


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_programme_create_refuses_a_start_in_9999(data_dir: Path) -> None:
    result = run("programme", "create", "p-far", "--name", "Far", "--cadence", "monthly", "--meetings", "12", "--starts-on", "9999-12-20")
    assert result.exit_code == 1, result.output
    assert "error: --starts-on: must be between 1 January 1950 and " in result.output and "got 20 December 9999" in result.output
    assert "Traceback" not in result.output
    with EmbeddedStore(data_dir / "bridgework.sqlite3") as store:
        assert store.list_programmes(limit=10).items == []


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("send-reminders", "--date", "9999-12-20"), "--date"),
        (("set-health", "prog", "--date", "1900-01-01"), "--date"),
        (("enrol", "prog", "ann", "--on", "9999-12-20"), "--on"),
    ],
)
def test_other_dates_outside_the_window_are_refused(far_world: Path, args: tuple[str, ...], option: str) -> None:
    with EmbeddedStore(far_world / "bridgework.sqlite3") as store:
        before = (store.enrolments("prog"), store.meetings_of_set("set-1"))
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert f"error: {option}: must be between 1 January 1950 and " in result.output
    with EmbeddedStore(far_world / "bridgework.sqlite3") as store:
        assert (store.enrolments("prog"), store.meetings_of_set("set-1")) == before


def test_send_reminders_with_a_far_future_set_in_the_store_reminds_everyone_else(far_world: Path) -> None:
    result = run("send-reminders", "--date", RUN.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["by_kind"]["meeting"] == 6 and report["new"] == report["due"] and report["failures"] == []
    assert run("meetings", "set-far").exit_code == 0
    assert run("set-health", "far").exit_code == 0
    assert run("outcomes", "far").exit_code == 0


def test_a_set_that_fails_is_named_and_the_run_exits_3_after_the_rest(far_world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = service.ensure_meetings

    def broken(store, set_id):
        if set_id == "set-far":
            raise RuntimeError("a bug nobody foresaw")
        return real(store, set_id)

    monkeypatch.setattr(service, "ensure_meetings", broken)
    result = run("send-reminders", "--date", RUN.isoformat())
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert "due: " in result.stdout and "new, sent now: " in result.stdout
    assert result.stderr.strip().endswith("1 set could not be processed: Far future set (set-far) (see the log)")
    assert result.stderr.startswith("Sent ")
    with EmbeddedStore(far_world / "bridgework.sqlite3") as store:
        for a in ("ann", "bob", "cat", "gus", "hal", "ivy"):
            assert any(n.kind == "meeting" for n in store.notices_for(assessor_id=a, limit=50).items), a
    again = run("send-reminders", "--date", RUN.isoformat(), "--json")
    assert again.exit_code == EXIT_PARTIAL
    assert json.loads(again.stdout)["failures"][0]["id"] == "set-far"


def test_set_health_names_a_set_it_could_not_judge_and_exits_3(far_world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = service.health.set_health

    def broken(facts, today, names=None):
        if facts.set_id == "set-2":
            raise OverflowError("date value out of range")
        return real(facts, today, names)

    monkeypatch.setattr(service.health, "set_health", broken)
    result = run("set-health", "prog", "--all")
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert "Set one (set-1)" in result.stdout and "set-2" not in result.stdout
    assert "1 set could not be processed: Set two (set-2) (see the log)" in result.stderr
