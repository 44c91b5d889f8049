"""Neo4j implementation of the views port: ``KeptView`` and ``ViewVersion`` nodes (see :mod:`graph.port_views`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from neo4j import ManagedTransaction

from graph.neo4j import queries_views as q
from graph.neo4j.base import Neo4jBase
from graph.port_views import KeptView, ViewLookup, check_key


class Neo4jViews(Neo4jBase):
    """Kept views and scope versions in Neo4j."""

    def look_up_view(self, key: str, scopes: Sequence[str]) -> ViewLookup:
        check_key(key)
        wanted = [check_key(s, "scope") for s in scopes]

        def work(tx: ManagedTransaction) -> ViewLookup:
            row = tx.run(q.LOOK_UP, key=key, scopes=wanted).single()
            assert row is not None  # the aggregation gives one row
            found = {scope: int(version) for scope, version in row["versions"]}
            versions = {s: found.get(s, 0) for s in wanted}
            if row["value"] is None:
                return ViewLookup(None, versions)
            kept = KeptView(key, row["value"], json.loads(row["kept_versions"]), datetime.fromisoformat(row["made_at"]))
            return ViewLookup(kept, versions)

        return self._read(work)

    def keep_view(self, key: str, value: str, versions: Mapping[str, int], made_at: datetime) -> None:
        check_key(key)
        text = json.dumps({check_key(s, "scope"): int(v) for s, v in versions.items()}, sort_keys=True)
        self._write(lambda tx: tx.run(q.KEEP, key=key, value=value, versions=text, made_at=made_at.isoformat()).consume())

    def bump_views(self, scopes: Sequence[str]) -> None:
        wanted = sorted({check_key(s, "scope") for s in scopes})
        if wanted:
            self._write(lambda tx: tx.run(q.BUMP, scopes=wanted).consume())
