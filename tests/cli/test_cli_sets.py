"""``bridgework form-sets``, ``programme create`` and ``enrol`` on the embedded store."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bridgework.cli import main
from graph.embedded.store import EmbeddedStore


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    d = tmp_path / "data"
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(d))
    return d


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def store_at(data_dir: Path) -> EmbeddedStore:
    return EmbeddedStore(data_dir / "bridgework.sqlite3")


@pytest.fixture
def pool(data_dir) -> list[str]:
    """A demo network, a programme and 40 people enrolled."""
    assert run("demo", "--assessors", "120", "--organisations", "25", "--seed", "4").exit_code == 0
    created = run("programme", "create", "prog-cli", "--name", "CLI pilot", "--size-min", "4", "--size-max", "6", "--size-target", "5")
    assert created.exit_code == 0, created.output
    assert "programme prog-cli created (4-6 per set, 6 monthly meetings)" in created.output
    with store_at(data_dir) as store:
        ids = [a.id for a in store.list_assessors(limit=40).items]
    enrolled = run("enrol", "prog-cli", *ids)
    assert enrolled.exit_code == 0 and "enrolled 40 in prog-cli" in enrolled.output
    return ids


def test_form_sets_prints_sets_with_reasons_and_the_unplaced_with_why(data_dir, pool):
    result = run("form-sets", "prog-cli", "--seed", "3", "--time-limit", "0.3")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("programme prog-cli: 40 enrolled, ")
    assert "\nSet 1: " in out and "  why: meets " in out
    with store_at(data_dir) as store:
        (proposal,) = store.list_proposals("prog-cli")
        assert f"proposal {proposal.id} (version 1, open)" in out
        assert store.sets_of_programme("prog-cli") == []  # proposing writes no sets
    if "Unplaced (" in out:
        unplaced = out.split("Unplaced (", 1)[1].splitlines()[1:]
        assert all(line.startswith("  - ") and ": " in line for line in unplaced if line.strip())


def test_the_same_seed_and_iterations_print_the_same_sets(data_dir, pool):
    def sets(out: str) -> str:
        return out.split("\n\n", 1)[1]

    first = run("form-sets", "prog-cli", "--seed", "5", "--max-iterations", "3000", "--time-limit", "60")
    second = run("form-sets", "prog-cli", "--seed", "5", "--max-iterations", "3000", "--time-limit", "60")
    assert first.exit_code == second.exit_code == 0
    assert sets(first.output) == sets(second.output)


def test_steps_make_sets_that_can_be_made_again_and_the_proposal_says_how(data_dir, pool):
    """Issue 22: ``--steps`` (the time limit then only a safety net), and every proposal says what made it."""
    from network.formation import ENGINE_VERSION

    def sets(out: str) -> str:
        return out.split("\n\n", 1)[1]

    first = run("form-sets", "prog-cli", "--seed", "8", "--steps", "1500")
    second = run("form-sets", "prog-cli", "--seed", "8", "--steps", "1500")
    assert first.exit_code == second.exit_code == 0, first.output
    assert sets(first.output) == sets(second.output)
    lines = first.output.splitlines()
    assert lines[1].startswith("seed 8, time limit 120 s, step budget 1500, ")
    assert " placed" in lines[2] and "isolated " in lines[2]
    assert lines[3].startswith(f"Made by set formation {ENGINE_VERSION} with seed 8 and a budget of 1,500 steps")
    assert lines[3].endswith("(bridgework form-sets prog-cli --seed 8 --steps 1500)")
    bad = run("form-sets", "prog-cli", "--steps", "0")
    assert bad.exit_code != 0 and "--steps" in bad.output


def test_programme_create_takes_a_step_budget_and_a_priority(data_dir):
    created = run("programme", "create", "prog-steps", "--name", "Steps", "--steps", "2500", "--priority", "placed")
    assert created.exit_code == 0, created.output
    with store_at(data_dir) as store:
        p = store.get_programme("prog-steps")
    assert (p.steps, p.priority) == (2500, "placed")
    bad = run("programme", "create", "prog-bad", "--name", "Bad", "--priority", "score")
    assert bad.exit_code != 0 and "--priority" in bad.output


def test_form_sets_and_commit(data_dir, pool):
    result = run("form-sets", "prog-cli", "--seed", "1", "--time-limit", "0.2", "--commit")
    assert result.exit_code == 0, result.output
    assert "committed " in result.output
    with store_at(data_dir) as store:
        sets = store.sets_of_programme("prog-cli")
        assert sets and all(s.set.status == "active" for s in sets)
    # Everyone placed is now busy (capacity 1 in the demo): a second commit cannot place them again.
    again = run("form-sets", "prog-cli", "--seed", "2", "--time-limit", "0.2")
    assert again.exit_code == 0
    assert "at capacity" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("form-sets", "prog-nope"), "no programme with id 'prog-nope'"),
        (("form-sets", "prog-cli", "--must-link", "a-00001,a-00002", "--cannot-link", "a-00002,a-00001"), "cannot be together"),
        (("form-sets", "prog-cli", "--must-link", "a-00001"), "--must-link takes two different assessor ids"),
        (("form-sets", "prog-cli", "--cannot-link", "a-00001,nobody"), "nobody"),
    ],
)
def test_bad_input_is_a_message_exit_1_and_nothing_written(data_dir, pool, args, message):
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output
    with store_at(data_dir) as store:
        assert store.list_proposals("prog-cli") == []


def test_a_pool_too_small_is_refused(data_dir):
    assert run("demo", "--assessors", "20", "--organisations", "5", "--seed", "1").exit_code == 0
    assert run("programme", "create", "prog-s", "--name", "Tiny").exit_code == 0
    assert run("enrol", "prog-s", "a-00001", "a-00002").exit_code == 0
    result = run("form-sets", "prog-s")
    assert result.exit_code == 1 and "too small" in result.output and "nothing was written" in result.output


def test_programme_create_and_enrol_errors(data_dir):
    assert run("init-db").exit_code == 0
    bad = run("programme", "create", "prog-b", "--name", "Bad", "--size-min", "6", "--size-max", "4")
    assert bad.exit_code == 1 and "set_size" in bad.output
    assert run("programme", "create", "prog-b", "--name", "Good").exit_code == 0
    assert run("programme", "create", "prog-b", "--name", "Again").exit_code == 1
    missing = run("enrol", "prog-b", "nobody-1")
    assert missing.exit_code == 1 and "no assessor" in missing.output
