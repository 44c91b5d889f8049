"""Embedded (SQLite) implementation of the views port: computed answers kept ready, and the versions of their scopes.

Two small tables: ``kept_views`` (one row per key) and ``view_versions`` (one row per scope raised at
least once; a scope without a row is at version 0). Each method is one transaction (or part of the
unit of work open on its thread).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from graph.embedded.base import EmbeddedBase
from graph.port_views import KeptView, ViewLookup, check_key

#: Tables of this area.
DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS kept_views (key TEXT PRIMARY KEY, value TEXT NOT NULL, versions TEXT NOT NULL, made_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_versions (scope TEXT PRIMARY KEY, version INTEGER NOT NULL)",
)

#: Statements that empty this area's tables.
WIPE: tuple[str, ...] = ("DELETE FROM kept_views", "DELETE FROM view_versions")

_GET = "SELECT value, versions, made_at FROM kept_views WHERE key = ?"
_VERSIONS = "SELECT scope, version FROM view_versions WHERE scope IN (SELECT value FROM json_each(?))"
_KEEP = """
INSERT INTO kept_views (key, value, versions, made_at) VALUES (?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, versions = excluded.versions, made_at = excluded.made_at
"""
_BUMP = "INSERT INTO view_versions (scope, version) VALUES (?, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1"


class EmbeddedViews(EmbeddedBase):
    """Kept views and scope versions in SQLite."""

    def look_up_view(self, key: str, scopes: Sequence[str]) -> ViewLookup:
        check_key(key)
        wanted = [check_key(s, "scope") for s in scopes]
        with self._transaction(write=False) as conn:
            found = dict(conn.execute(_VERSIONS, (json.dumps(wanted),)).fetchall())
            row = conn.execute(_GET, (key,)).fetchone()
        versions = {s: int(found.get(s, 0)) for s in wanted}
        if row is None:
            return ViewLookup(None, versions)
        value, kept_versions, made_at = row
        return ViewLookup(KeptView(key, value, json.loads(kept_versions), datetime.fromisoformat(made_at)), versions)

    def keep_view(self, key: str, value: str, versions: Mapping[str, int], made_at: datetime) -> None:
        check_key(key)
        text = json.dumps({check_key(s, "scope"): int(v) for s, v in versions.items()}, sort_keys=True)
        with self._transaction(write=True) as conn:
            conn.execute(_KEEP, (key, value, text, made_at.isoformat()))

    def bump_views(self, scopes: Sequence[str]) -> None:
        wanted = sorted({check_key(s, "scope") for s in scopes})
        if not wanted:
            return
        with self._transaction(write=True) as conn:
            conn.executemany(_BUMP, [(s,) for s in wanted])
