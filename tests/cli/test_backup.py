"""``bridgework backup`` / ``restore``: an online backup taken while writes go on, and a restore that loses nothing."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.services.backup import BackupRefused, backup_store
from bridgework.cli import main
from graph.embedded.store import EmbeddedStore
from network.domain import Organisation
from tests.stores import open_empty


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    d = tmp_path / "data"
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(d))
    return d


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def dump(path: Path, skip_restore_note: bool = False) -> list[str]:
    """Every row of every table, as SQL, in a stable order."""
    conn = sqlite3.connect(path)
    try:
        lines = sorted(conn.iterdump())
    finally:
        conn.close()
    if skip_restore_note:
        lines = [line for line in lines if "store:restored" not in line]
    return lines


def test_backup_while_writing_then_restore_loses_nothing(data_dir, tmp_path):
    assert run("demo", "-n", "80", "-m", "8").exit_code == 0
    live = data_dir / "bridgework.sqlite3"
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:  # the service keeps writing while the backup runs
        with EmbeddedStore(live) as store:
            i = 0
            while not stop.is_set() and i < 400:
                store.create_organisation(Organisation(id=f"org-w{i}", name=f"Writer Org {i}", kind="voluntary", region="london"))
                i += 1
                written.append(i)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = run("backup", str(tmp_path / "copy.sqlite3"))
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "backed up the embedded store" in result.output
    copy = tmp_path / "copy.sqlite3"
    check = sqlite3.connect(copy)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    in_copy = check.execute("SELECT count(*) FROM organisations WHERE id LIKE 'org-w%'").fetchone()[0]
    check.close()
    assert 0 <= in_copy <= len(written)  # one consistent snapshot taken between the writes
    snapshot = dump(copy)

    # Change the live store a lot, then restore: it must be exactly the backup again.
    with EmbeddedStore(live) as store:
        gone = store.list_assessors(limit=5).items
        for assessor in gone:
            store.delete_assessor(assessor.id)
        store.create_organisation(Organisation(id="org-after", name="After Org", kind="voluntary", region="london"))
    assert dump(live, skip_restore_note=True) != snapshot
    result = run("restore", str(copy), "--yes")
    assert result.exit_code == 0, result.output
    assert dump(live, skip_restore_note=True) == snapshot
    with EmbeddedStore(live) as store:  # and the store still opens and answers as a store
        assert store.counts()["organisations"] == 8 + in_copy
        actions = [entry.action for entry in store.list_audit(limit=500).items]
    assert "store:restored" in actions


def test_restore_refuses_a_file_that_is_not_a_store_and_changes_nothing(data_dir, tmp_path):
    assert run("demo", "-n", "40", "-m", "5").exit_code == 0
    live = data_dir / "bridgework.sqlite3"
    before = dump(live)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    for bad in (junk, other, tmp_path / "missing.sqlite3"):
        result = run("restore", str(bad), "--yes")
        assert result.exit_code == 1
        assert "error:" in result.output and "Traceback" not in result.output
    assert dump(live) == before


def test_restore_asks_first_and_a_no_keeps_the_store(data_dir, tmp_path):
    assert run("demo", "-n", "40", "-m", "5").exit_code == 0
    live = data_dir / "bridgework.sqlite3"
    assert run("backup", str(tmp_path / "b.sqlite3")).exit_code == 0
    with EmbeddedStore(live) as store:
        store.create_organisation(Organisation(id="org-after", name="After Org", kind="voluntary", region="london"))
    before = dump(live)
    result = run("restore", str(tmp_path / "b.sqlite3"), input="n\n")
    assert result.exit_code == 1 and "nothing was restored" in result.output
    assert dump(live) == before


def test_backup_to_a_folder_or_a_missing_folder_is_refused(data_dir, tmp_path):
    assert run("init-db").exit_code == 0
    for target in (tmp_path, tmp_path / "no" / "such" / "b.sqlite3", data_dir / "bridgework.sqlite3"):
        result = run("backup", str(target))
        assert result.exit_code != 0
        assert "error:" in result.output.lower() and "Traceback" not in result.output


@pytest.mark.neo4j
def test_the_neo4j_store_is_pointed_to_neo4j_admin(tmp_path):
    store = open_empty("neo4j", tmp_path / "unused")
    try:
        with pytest.raises(BackupRefused, match="neo4j-admin database dump"):
            backup_store(store, tmp_path / "b.dump")
    finally:
        store.close()
    assert not (tmp_path / "b.dump").exists()
