"""``bridgework set-suggestions``, ``join-request``, ``join-requests`` and ``join-decide`` on the embedded store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridgework.cli import main
from graph.embedded.store import EmbeddedStore
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme, Theme


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    d = tmp_path / "data"
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(d))
    return d


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def world(data_dir) -> None:
    """A set of three with one place left, and two people free at its time (one of them from a member's organisation)."""
    assert run("set-suggestions", "nobody").exit_code == 1  # also creates the store
    with EmbeddedStore(data_dir / "bridgework.sqlite3") as store:
        for k in range(5):
            store.create_organisation(Organisation(f"org-{k}", f"Org {k}", "voluntary", "london"))
        store.create_theme(Theme("mca", "Mental Capacity Act", "practice"))
        store.create_programme(
            Programme("prog-1", "London", region="london", status="running", set_size_min=2, set_size_max=4, set_size_target=4)
        )
        store.create_programme(Programme("prog-open", "Spring cohort", region="london", status="open"))
        for k in range(3):
            store.create_assessor(Assessor(f"m-{k}", f"Member {k}", availability=("tue-pm",)))
            store.set_employer(f"m-{k}", f"org-{k}")
            store.set_theme(f"m-{k}", "mca", "experienced")
            store.enrol("prog-1", f"m-{k}")
        the_set = ActionLearningSet(
            "set-1", "Tuesday set", programme_id="prog-1", status="active", meeting_slot="tue-pm", theme_ids=("mca",)
        )
        store.commit_sets("prog-1", [NewSet(the_set, ("m-0", "m-1", "m-2"))], date(2026, 1, 6))
        store.create_assessor(Assessor("ann", "Ann", region="london", availability=("tue-pm",)))
        store.set_employer("ann", "org-4")
        store.set_theme("ann", "mca", "exploring")
        store.create_assessor(Assessor("col", "Colleague", region="london", availability=("tue-pm",)))
        store.set_employer("col", "org-0")


def test_suggest_ask_list_and_accept(data_dir, world):
    shown = run("set-suggestions", "ann")
    assert shown.exit_code == 0, shown.output
    assert " 1. Tuesday set [set-1] (London; Tuesday afternoons; 3/4)" in shown.output
    assert "Meets Tuesday afternoons, when you are free; shares Mental Capacity Act with you; nobody from your organisation" in shown.output
    assert "Spring cohort [prog-open]" in shown.output
    asked = run("join-request", "set-1", "ann", "--message", "hello")
    assert asked.exit_code == 0 and asked.output.startswith("join request join-") and asked.output.strip().endswith(": requested")
    request_id = asked.output.split()[2].rstrip(":")
    listed = run("join-requests", "prog-1")
    assert f"{request_id}  requested Ann [ann] -> Tuesday set [set-1] (3/4)" in listed.output
    decided = run("join-decide", request_id, "accept")
    assert decided.exit_code == 0 and decided.output.strip() == f"join request {request_id}: accepted"
    with EmbeddedStore(data_dir / "bridgework.sqlite3") as store:
        assert "ann" in store.get_set("set-1").current_member_ids
    again = run("join-decide", request_id, "decline")
    assert again.exit_code == 1 and "already accepted" in again.output


def test_bad_input_exits_1_with_the_rule(data_dir, world):
    limit = run("join-request", "set-1", "col")
    assert limit.exit_code == 1 and "1 member from the same organisation" in limit.output
    member = run("join-request", "set-1", "m-0")
    assert member.exit_code == 1 and "already a member" in member.output
    assert run("join-request", "set-x", "ann").exit_code == 1
    assert run("join-requests", "prog-x").exit_code == 1
    assert run("join-decide", "nope", "accept").exit_code == 1
    assert run("set-suggestions", "nobody").exit_code == 1
