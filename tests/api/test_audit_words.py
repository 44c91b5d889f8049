"""The audit log as people read it (issue 17): every kind of action the code records has words, and no line shows an id
or a code."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from api.services import auditlog
from graph.embedded.store import EmbeddedStore
from graph.port_accounts import AuditEntry
from network.domain import Assessor, Organisation

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"\b[a-z_]+:[a-z_-]+\b|\b(?:a|o|u|set|prog|join|prop)-[0-9a-z]+\b")


def _recorded_actions() -> set[str]:
    """The action codes the use cases write: ``audit(store, "x", ...)``, ``audit_entry("x", ...)`` and ``joins:<decision>``."""
    found: set[str] = set()
    for path in (ROOT / "api").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'audit\(\s*store,\s*"([a-z_:-]+)"', text))
        found.update(re.findall(r'audit_entry\(\s*"([a-z_:-]+)"', text))
        found.update(re.findall(r'"(user:[a-z_]+)" if', text))
    found.discard("")
    found.update({"joins:accepted", "joins:declined", "joins:withdrawn"})
    return found


def test_every_kind_of_action_recorded_has_words_for_the_filter() -> None:
    missing = sorted(_recorded_actions() - set(auditlog.ACTIONS))
    assert missing == [], f"audit actions without words: {missing}"


def test_each_line_names_people_and_things_and_shows_no_code_or_id(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite3")
    store.ensure_schema()
    store.create_organisation(Organisation("o-north", "Northshire Council", "local_authority", "north_west"))
    store.create_assessor(Assessor("a-sam", "Sam Patel"))
    store.create_assessor(Assessor("a-jo", "Jo Bloggs"))
    details = {
        "other_id": "a-jo",
        "assessor_id": "a-jo",
        "assessor_ids": ["a-jo", "a-gone"],
        "from": "o-north",
        "to": "o-gone",
        "fields": ["name"],
        "set_ids": ["set-1"],
        "members": 5,
        "status": "closed",
        "on": "2026-12-07",
        "rows": 3,
    }
    for action in auditlog.ACTIONS:
        kind = action.split(":")[0]
        target = {"assessor": "a-sam", "contacts": "a-sam", "organisation": "o-north", "user": "u-0001"}.get(kind, "set-0001")
        entry = AuditEntry(
            f"20261207T000000000000-{abs(hash(action)) % 10**8:08d}", datetime.now(UTC), "u-0001", action, kind, target, details
        )
        words = auditlog.describe(entry, auditlog.Names(store))
        assert not CODE.search(words), (action, words)
        assert words and (":" not in action or action not in words)
    contact = AuditEntry(
        "20261207T000000000000-00000001", datetime.now(UTC), None, "contacts:request", "assessor", "a-sam", {"other_id": "a-jo"}
    )
    assert auditlog.describe(contact, auditlog.Names(store)) == "contact request from Sam Patel to Jo Bloggs"
    moved = AuditEntry(
        "20261207T000000000000-00000002", datetime.now(UTC), None, "assessor:employer", "assessor", "a-sam", {"from": None, "to": "o-north"}
    )
    assert auditlog.describe(moved, auditlog.Names(store)) == "moved Sam Patel from no organisation to Northshire Council"
    [line] = auditlog.lines(store, [moved])
    assert line.who == "Bridgework" and line.kind == "An assessor moved organisation"
    store.close()
