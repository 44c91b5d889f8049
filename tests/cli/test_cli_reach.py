"""``bridgework reach ORG_ID`` and ``bridgework reach --network`` on the embedded store, and their bad input."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridgework.cli import main
from graph.embedded.store import EmbeddedStore
from network.domain import Assessor, Organisation


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch) -> Path:
    """A store with o1 (Ada, Ben), o2 (Cara), o3 (Dev); Ada and Cara in contact since 2025-01-15."""
    monkeypatch.delenv("NEO4J_URI", raising=False)
    d = tmp_path / "data"
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(d))
    d.mkdir()
    with EmbeddedStore(d / "bridgework.sqlite3") as store:
        for oid, name, region in [
            ("o1", "Northmoor Council", "north_east"),
            ("o2", "Riverside Trust", "london"),
            ("o3", "Hillside Charity", "london"),
        ]:
            store.create_organisation(Organisation(id=oid, name=name, kind="local_authority", region=region))
        for aid, name, org in [("a0", "Ada Okafor", "o1"), ("a1", "Ben Hughes", "o1"), ("a2", "Cara Lane", "o2"), ("a3", "Dev Shah", "o3")]:
            store.create_assessor(Assessor(id=aid, name=name))
            store.set_employer(aid, org, since=date(2021, 3, 1))
        store.request_contact("a0", "a2", on=date(2025, 1, 10))
        store.accept_contact("a0", "a2", on=date(2025, 1, 15))
    return d


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_reach_of_an_organisation(data_dir):
    r = run("reach", "o1", "--from", "2024-12", "--to", "2025-01")
    assert r.exit_code == 0, r.output
    out = r.output
    assert "Northmoor Council (o1, North East): reach within 2 hops" in out
    assert "assessors: 2   isolated: 1" in out
    assert "Riverside Trust (o2, London): 1 tie through 1 of your assessor" in out
    assert "Ada Okafor (a0): Riverside Trust, region London" in out
    assert "Ben Hughes (a1), since 2021-03-01" in out
    assert "2024-12" in out and "2025-01" in out


def test_reach_of_the_network_with_the_tie_matrix(data_dir, tmp_path):
    target = tmp_path / "ties.csv"
    r = run("reach", "--network", "--csv", str(target))
    assert r.exit_code == 0, r.output
    assert "Network: 4 active assessors in 3 organisations" in r.output
    assert "isolated: 2 (50.0%)" in r.output
    assert "Northmoor Council - Riverside Trust: 1" in r.output
    rows = list(csv.reader(target.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["organisation_id", "organisation_name", "o1", "o2", "o3"]
    assert rows[2] == ["o2", "Riverside Trust", "1", "0", "0"]
    pairs = tmp_path / "pairs.csv"
    assert run("reach", "--network", "--csv", str(pairs), "--layout", "pairs").exit_code == 0
    assert pairs.read_text(encoding="utf-8").splitlines()[1] == "o1,Northmoor Council,o2,Riverside Trust,1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("reach",), "either an ORGANISATION_ID or --network"),
        (("reach", "o1", "--network"), "either an ORGANISATION_ID or --network"),
        (("reach", "o1", "--csv", "x.csv"), "use it with --network"),
        (("reach", "nowhere"), "no organisation with id 'nowhere'"),
        (("reach", "o1", "--from", "2025-03", "--to", "2025-01"), "--from"),
        (("reach", "o1", "--to", "2999-01"), "--to"),
    ],
)
def test_bad_input_exits_1(data_dir, args, message):
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 1
    assert message in r.output


@pytest.mark.parametrize(
    "args", [("reach", "o1", "--hops", "3"), ("reach", "o1", "--from", "2025-13"), ("reach", "--network", "--layout", "wide")]
)
def test_bad_option_is_a_usage_error(data_dir, args):
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 2  # click's usage error
    assert "Invalid value" in r.output


def test_unwritable_csv_exits_1(data_dir, tmp_path):
    r = CliRunner().invoke(main, ["reach", "--network", "--csv", str(tmp_path / "missing" / "ties.csv")])
    assert r.exit_code == 1
    assert "cannot write" in r.output
