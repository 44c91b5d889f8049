"""``bridgework serve --demo`` (issue 17): refused in production; on a development store it adds one sign-in per role
and a programme in each state, prints the sign-ins, and a second start adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from api.services import demo
from bridgework.cli import main
from graph.embedded.store import EmbeddedStore


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    d = tmp_path / "data"
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(d))
    monkeypatch.setattr(Flask, "run", lambda self, **kwargs: None)  # start-up only: no server left running
    return d


def test_the_demo_is_refused_in_production_and_nothing_is_written(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGEWORK_ENV", "production")
    monkeypatch.setenv("BRIDGEWORK_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("BRIDGEWORK_BASE_URL", "https://bridgework.example.org")
    result = CliRunner().invoke(main, ["serve", "--demo"])
    assert result.exit_code == 2
    assert "--demo is for development only" in result.output and "Traceback" not in result.output
    with EmbeddedStore(data_dir / "bridgework.sqlite3") as store:
        store.ensure_schema()
        assert store.counts()["assessors"] == 0 and store.list_users().items == []


def test_the_demo_prints_a_sign_in_per_role_and_a_second_start_adds_nothing(data_dir: Path) -> None:
    first = CliRunner().invoke(main, ["serve", "--demo"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    for account in demo.ACCOUNTS:
        assert account.email in first.output
    assert f"password of each: {demo.PASSWORD}" in first.output
    with EmbeddedStore(data_dir / "bridgework.sqlite3") as store:
        states = {p: store.get_programme(p).status for p in (demo.OPEN, demo.FORMING, demo.RUNNING)}
        users = len(store.list_users().items)
        audit = len(store.list_audit(limit=500).items)
    assert states == {demo.OPEN: "open", demo.FORMING: "forming", demo.RUNNING: "running"}
    assert users == 4

    second = CliRunner().invoke(main, ["serve", "--demo"], catch_exceptions=False)
    assert second.exit_code == 0 and "added" not in second.output and demo.ACCOUNTS[0].email in second.output
    with EmbeddedStore(data_dir / "bridgework.sqlite3") as store:
        assert len(store.list_users().items) == users
        assert len(store.list_audit(limit=500).items) == audit  # nothing changed, nothing audited
