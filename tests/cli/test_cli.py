"""The ``bridgework`` command on the embedded store: init-db, demo, import, export, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
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


def stored_counts(data_dir: Path) -> dict[str, int]:
    with EmbeddedStore(data_dir / "bridgework.sqlite3") as store:
        return store.counts()


def write_csvs(directory: Path, **files: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / f"{name}.csv").write_text(text, encoding="utf-8")
    return directory


ORGS = "id,name,kind,region\norg-1,Northmoor County Council,local_authority,north_east\norg-2,Riverside Family Support,voluntary,london\n"
ASSESSORS = (
    "id,name,email,organisation_id,experience_years,discoverable,availability,themes\n"
    "a-1,Ada Okafor,ada@example.org,org-1,7,true,tue-pm;thu-am,pcf-knowledge:experienced\n"
    "a-2,Ben Hughes,ben@example.org,org-2,2,yes,tue-pm,pcf-knowledge:exploring\n"
)
CONTACTS = "from_id,to_id,status,since\na-1,a-2,accepted,2026-01-05\n"


def test_init_db_twice_is_harmless(data_dir):
    assert run("init-db").exit_code == 0
    second = run("init-db")
    assert second.exit_code == 0
    assert "schema ready" in second.output


def test_demo_loads_a_seeded_network_and_reloading_changes_nothing(data_dir):
    first = run("demo", "--assessors", "60", "--organisations", "12", "--seed", "3")
    assert first.exit_code == 0, first.output
    counts = stored_counts(data_dir)
    assert counts["assessors"] == 60 and counts["organisations"] == 12
    assert counts["contacts"] > 0 and counts["theme_links"] >= 60
    again = run("demo", "--assessors", "60", "--organisations", "12", "--seed", "3")
    assert again.exit_code == 0
    assert " 0 created       0 updated" in again.output
    assert stored_counts(data_dir) == counts


def test_loading_the_demo_is_audited_as_an_import_once(data_dir):
    assert run("demo", "--assessors", "20", "--organisations", "5", "--seed", "4").exit_code == 0
    assert run("demo", "--assessors", "20", "--organisations", "5", "--seed", "4").exit_code == 0
    with EmbeddedStore(data_dir / "bridgework.sqlite3") as store:
        entries = store.list_audit(action="import").items
    assert [(e.target_kind, e.target_id, e.actor_id) for e in entries] == [("demo", "seed-4", None)]
    assert entries[0].details["counts"]["assessors"]["created"] == 20


def test_import_then_import_again_changes_nothing(data_dir, tmp_path):
    src = write_csvs(tmp_path / "in", organisations=ORGS, assessors=ASSESSORS, contacts=CONTACTS)
    first = run("import", str(src))
    assert first.exit_code == 0, first.output
    assert stored_counts(data_dir)["contacts"] == 1
    second = run("import", str(src))
    assert second.exit_code == 0
    assert "nothing changed" in second.output
    with EmbeddedStore(data_dir / "bridgework.sqlite3") as store:
        entries = store.list_audit(action="import").items
    assert len(entries) == 1, "an import that changed nothing is not audited again"
    assert entries[0].target_id == "in" and entries[0].details["counts"]["assessors"]["created"] == 2


def test_export_then_import_round_trips_byte_for_byte(data_dir, tmp_path, monkeypatch):
    assert run("demo", "--assessors", "80", "--organisations", "15", "--seed", "9").exit_code == 0
    assert run("export", str(tmp_path / "out1")).exit_code == 0
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(tmp_path / "other"))
    assert run("import", str(tmp_path / "out1")).exit_code == 0
    assert run("export", str(tmp_path / "out2")).exit_code == 0
    for name in ("organisations.csv", "themes.csv", "assessors.csv", "contacts.csv"):
        assert (tmp_path / "out1" / name).read_bytes() == (tmp_path / "out2" / name).read_bytes(), name


def test_a_bad_row_names_file_line_and_field_and_writes_nothing(data_dir, tmp_path):
    bad = ASSESSORS + "a-3,Cara Lewis,cara@example.org,org-1,minus two,true,tue-pm,\n"
    src = write_csvs(tmp_path / "in", organisations=ORGS, assessors=bad, contacts=CONTACTS)
    result = CliRunner().invoke(main, ["import", str(src)])
    assert result.exit_code == 1
    assert "assessors.csv:4: experience_years" in result.output
    assert "nothing was imported" in result.output
    assert sum(stored_counts(data_dir).values()) == 0


def test_skip_invalid_writes_the_good_rows_and_reports_the_rest(data_dir, tmp_path):
    bad = ASSESSORS + "a-3,Cara Lewis,cara@example.org,org-9,4,true,tue-pm,\n"
    src = write_csvs(tmp_path / "in", organisations=ORGS, assessors=bad)
    result = CliRunner().invoke(main, ["import", str(src), "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert "assessors.csv:4" in result.output and "org-9" in result.output
    assert stored_counts(data_dir)["assessors"] == 2


def test_an_unknown_column_is_refused(data_dir, tmp_path):
    src = write_csvs(tmp_path / "in", organisations="id,name,kind,region,colour\norg-1,A,voluntary,london,red\n")
    result = CliRunner().invoke(main, ["import", str(src)])
    assert result.exit_code == 1
    assert "organisations.csv:1" in result.output and "colour" in result.output
    assert sum(stored_counts(data_dir).values()) == 0


def test_a_directory_without_csv_files_is_refused(data_dir, tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["import", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert result.output.startswith("error: ")


def test_an_unreachable_neo4j_uri_is_a_plain_message_not_a_traceback(tmp_path):
    env = {**os.environ, "NEO4J_URI": "bolt://127.0.0.1:1", "BRIDGEWORK_DATA_DIR": str(tmp_path)}
    script = Path(sys.executable).with_name("bridgework")
    done = subprocess.run([str(script), "init-db"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("error: NEO4J_URI: ")
    assert "Traceback" not in done.stderr + done.stdout


def test_a_malformed_neo4j_uri_is_named(tmp_path):
    env = {**os.environ, "NEO4J_URI": "localhost:7687", "BRIDGEWORK_DATA_DIR": str(tmp_path)}
    script = Path(sys.executable).with_name("bridgework")
    done = subprocess.run([str(script), "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "NEO4J_URI" in done.stderr and "Traceback" not in done.stderr
