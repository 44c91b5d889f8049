"""Backups of the embedded store: SQLite's online backup, safe while the service is serving.

``backup_file(store_path, target)`` copies the live database page by page through SQLite's backup
API into a temporary file beside ``target``, checks the copy (``PRAGMA integrity_check``) and only
then renames it into place, so a backup that fails half-way never leaves a file that looks whole.
Readers and writers of the live store carry on meanwhile: in WAL mode the copy reads one
consistent snapshot and writers are not blocked by it.

``restore_file(source, store_path)`` first checks that ``source`` is a healthy Bridgework store
(integrity check, the store's own tables present), then copies it over the live database in one
step of the backup API, which SQLite performs as a single write transaction: other connections
see either the old store or the restored one, never a mixture.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

#: Tables every embedded store has; a file without them is not a Bridgework store.
_REQUIRED_TABLES = frozenset({"organisations", "assessors", "themes", "users", "audit_log"})


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, in words."""


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _check(conn: sqlite3.Connection, what: str) -> None:
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a readable store: {exc}") from None
    if not result or result[0] != "ok":
        raise BackupError(f"{what} is damaged (SQLite integrity check: {result[0] if result else 'no answer'})")
    missing = _REQUIRED_TABLES - _tables(conn)
    if missing:
        raise BackupError(f"{what} is not a Bridgework store (it has no {', '.join(sorted(missing))} table)")


def backup_file(store_path: str | Path, target: str | Path) -> int:
    """Copy the live store at ``store_path`` to ``target`` (replacing it); the number of pages copied."""
    target = Path(target)
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a directory; give a file name for the backup")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    if Path(store_path).resolve() == target.resolve():
        raise BackupError("the backup cannot be written over the store itself")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        src = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the store at {store_path}: {exc}") from None
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            _check(dst, "the new backup")
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dst.close()
        os.replace(partial, target)
        return int(pages)
    except sqlite3.Error as exc:
        raise BackupError(f"the backup failed: {exc}") from None
    except OSError as exc:
        raise BackupError(f"cannot write the backup to {target}: {exc.strerror or exc}") from None
    finally:
        src.close()
        partial.unlink(missing_ok=True)


def restore_file(source: str | Path, store_path: str | Path, busy_timeout: float = 30.0) -> int:
    """Replace the store at ``store_path`` by the backup at ``source`` in one transaction; the pages copied."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"there is no backup file at {source}")
    try:
        bak = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the backup {source}: {exc}") from None
    try:
        _check(bak, f"the backup {source.name}")
        live = sqlite3.connect(store_path, timeout=busy_timeout)
        try:
            bak.backup(live)  # pages=-1: the whole copy in one step, one write transaction on the live store
            pages = live.execute("PRAGMA page_count").fetchone()[0]
            _check(live, "the restored store")
        finally:
            live.close()
        return int(pages)
    except sqlite3.Error as exc:
        raise BackupError(f"the restore failed and the store was left as it was: {exc}") from None
    finally:
        bak.close()
