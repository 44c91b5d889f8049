"""Backing up and restoring the store: the embedded store's online backup; Neo4j's dump and load.

The embedded store is one SQLite file, copied with SQLite's online backup while the service keeps
serving (:mod:`graph.embedded.backup`). A restore replaces the whole store in one transaction and
then records, in the restored store's audit log, that it was restored and from which file, so the
log says why its history stops where it does.

Neo4j keeps its own tools for this: a database is dumped and loaded with ``neo4j-admin`` while it
is stopped (Community edition) or backed up online (Enterprise). The commands are in the README's
operations section and in the message :data:`NEO4J_HOW` the command line prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from api.services.accounts import audit
from api.services.usecase import use_case
from graph.port import GraphStore

NEO4J_HOW = (
    "the Neo4j store is backed up with Neo4j's own tools: stop the database, then "
    "`neo4j-admin database dump neo4j --to-path=/backups` (and `neo4j-admin database load neo4j "
    "--from-path=/backups --overwrite-destination=true` to restore); Enterprise can back up online "
    "with `neo4j-admin database backup`. See the README's operations section."
)


class BackupRefused(Exception):
    """A backup or restore that cannot be done, with the reason in words."""


@dataclass(frozen=True)
class BackupDone:
    path: Path
    pages: int


def _embedded_path(store: GraphStore) -> str:
    if store.kind != "embedded":
        raise BackupRefused(NEO4J_HOW)
    path = getattr(store, "path", None)
    if not path or path == ":memory:":
        raise BackupRefused("this embedded store lives only in memory; there is no file to back up")
    return str(path)


def backup_store(store: GraphStore, target: Path) -> BackupDone:
    """Copy the live embedded store to ``target`` (safe while serving); :class:`BackupRefused` says why not."""
    from graph.embedded.backup import BackupError, backup_file

    try:
        return BackupDone(target, backup_file(_embedded_path(store), target))
    except BackupError as exc:
        raise BackupRefused(str(exc)) from None


@use_case
def _note_restore(store: GraphStore, source: Path, actor_id: str | None) -> None:
    audit(store, "store:restored", "store", store.kind, actor_id, {"from": source.name})


def restore_store(store: GraphStore, source: Path, actor_id: str | None = None) -> BackupDone:
    """Replace the embedded store by the backup at ``source`` in one transaction, then note it in the audit log."""
    from graph.embedded.backup import BackupError, restore_file

    try:
        pages = restore_file(source, _embedded_path(store))
    except BackupError as exc:
        raise BackupRefused(str(exc)) from None
    _note_restore(store, source, actor_id)
    return BackupDone(source, pages)
