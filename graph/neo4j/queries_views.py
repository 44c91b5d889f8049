"""Cypher of the views area (:mod:`graph.neo4j.views`): kept views and the versions of their scopes."""

from __future__ import annotations

#: Constraints of this area (each key and scope once; they are also the lookups' indexes).
SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT kept_view_key IF NOT EXISTS FOR (k:KeptView) REQUIRE k.key IS UNIQUE",
    "CREATE CONSTRAINT view_version_scope IF NOT EXISTS FOR (v:ViewVersion) REQUIRE v.scope IS UNIQUE",
)

#: The scopes' versions and the kept view, in one query (one row even without scopes or a view).
LOOK_UP = """
UNWIND $scopes AS scope
OPTIONAL MATCH (v:ViewVersion {scope: scope})
WITH collect([scope, coalesce(v.version, 0)]) AS versions
OPTIONAL MATCH (k:KeptView {key: $key})
RETURN versions, k.value AS value, k.versions AS kept_versions, k.made_at AS made_at
"""

KEEP = """
MERGE (k:KeptView {key: $key})
SET k.value = $value, k.versions = $versions, k.made_at = $made_at
"""

BUMP = """
UNWIND $scopes AS scope
MERGE (v:ViewVersion {scope: scope})
ON CREATE SET v.version = 1
ON MATCH SET v.version = v.version + 1
"""
