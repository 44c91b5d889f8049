"""``bridgework suggest ASSESSOR_ID`` on the embedded store, and its bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bridgework.cli import main
from graph.embedded.store import EmbeddedStore
from network.domain import Assessor, Organisation, Theme


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch) -> Path:
    """o1: Ada, Ben. o2: Cara (the Mental Capacity Act and Tuesday afternoons, like Ada). o3: 60 others on ASYE."""
    monkeypatch.delenv("NEO4J_URI", raising=False)
    d = tmp_path / "data"
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(d))
    d.mkdir()
    with EmbeddedStore(d / "bridgework.sqlite3") as store:
        for oid, name in [("o1", "Northmoor Council"), ("o2", "Riverside Trust"), ("o3", "Hillside Charity")]:
            store.create_organisation(Organisation(id=oid, name=name, kind="local_authority", region="london"))
        store.create_theme(Theme(id="mca", name="Mental Capacity Act assessments"))
        store.create_theme(Theme(id="asye", name="ASYE"))
        people = [("ada", "Ada Okafor", "o1", "mca"), ("ben", "Ben Hughes", "o1", "mca"), ("cara", "Cara Lane", "o2", "mca")]
        people += [(f"f{n:02d}", f"Filler {n}", "o3", "asye") for n in range(60)]
        for aid, name, org, theme in people:
            store.create_assessor(Assessor(id=aid, name=name, discoverable=True, availability=("tue-pm",), region="london"))
            store.set_employer(aid, org)
            store.set_theme(aid, theme, "experienced")
        store.set_theme("ada", "asye", "exploring")
    return d


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_suggest_prints_the_list_with_reasons(data_dir):
    r = run("suggest", "ada", "--limit", "3")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "Suggestions for Ada Okafor (ada), common weekly slot preferred:"
    assert lines[1] == "  1. Cara Lane (cara), Riverside Trust, London"
    assert lines[2].startswith("     Both free Tuesday afternoons; you both work on Mental Capacity Act assessments (few in the network")
    assert "Ben Hughes" not in r.output  # a colleague
    assert sum(1 for line in lines if line[:4].strip().rstrip(".").isdigit()) == 3


def test_scores_and_required_slots(data_dir):
    r = run("suggest", "ada", "-n", "1", "--scores", "--common-slot", "required")
    assert r.exit_code == 0, r.output
    assert "common weekly slot required" in r.output
    assert "     score " in r.output and "availability 4.00" in r.output


def test_a_paused_assessor_is_told_why(data_dir):
    with EmbeddedStore(data_dir / "bridgework.sqlite3") as store:
        store.update_assessor(store.get_assessor("ada").with_changes(paused=True))
    r = run("suggest", "ada")
    assert r.exit_code == 0
    assert "nobody to suggest yet" in r.output and "note: Suggestions are paused" in r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["suggest", "nobody"], "no assessor with id 'nobody'"),
        (["suggest", "bad id!"], "ASSESSOR_ID"),
    ],
)
def test_bad_input_exits_1(data_dir, args, message):
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1
    assert message in r.output


@pytest.mark.parametrize("args", [["suggest", "ada", "--limit", "0"], ["suggest", "ada", "--common-slot", "sometimes"], ["suggest"]])
def test_bad_options_exit_2(data_dir, args):
    assert CliRunner().invoke(main, args).exit_code == 2
