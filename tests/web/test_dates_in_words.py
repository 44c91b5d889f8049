"""Dates on the pages and in the command line read as people write them: "7 December 2026", never "07 Dec 2026".

The audit log through the Flask test client (signed in as an admin), and a sweep of the templates and
the code that words things for people for a day-of-month format with a leading zero (``%d``) or the
platform-only ``%-d``: both read dates through :func:`network.limits.words` (the ``day`` filter on pages).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from graph.port_accounts import AuditEntry
from web import day

ROOT = Path(__file__).resolve().parents[2]
#: A day of the month beside a month or weekday in a strftime pattern or a format spec (``{x:%d %B}``, ``%a %-d``),
#: other than machine forms like ``%Y-%m-%d`` (a lone ``%d`` is a number in a log message).
DAY_WITH_ZERO = re.compile(r"%-?d[^%\w]{0,3}%[bBmY]|%[aA][^%\w]{0,3}%-?d")
MACHINE = re.compile(r"%Y-?%m-?%d|%Y%m%d")


def test_the_day_filter_has_no_leading_zero():
    assert day(datetime(2026, 12, 7, 9, 5, tzinfo=UTC)) == "7 December 2026"
    assert day(None) == ""


def test_the_audit_log_names_the_day_without_a_leading_zero(tmp_path: Path, monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    store = EmbeddedStore(tmp_path / "dates.sqlite3")
    store.ensure_schema()
    try:
        app = create_app({"TESTING": True, "STORE": store, "SECRET_KEY": "dates-tests"})
        accounts.create_user(store, "admin@example.org", roles=("admin",), password="correct horse battery staple")
        at = datetime(2026, 12, 7, 9, 5, 3, tzinfo=UTC)
        store.record_audit(AuditEntry(id="audit-dates", at=at, actor_id=None, action="theme:create", target_kind="theme", target_id="t-1"))
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token
        signed = client.post("/login", data={"csrf_token": token.group(1), "email": "admin@example.org", "password": "correct horse battery staple"})
        assert signed.status_code == 302
        html = client.get("/admin/audit").get_data(as_text=True)
        assert "7 December 2026" in html
        assert "07 Dec" not in html
    finally:
        store.close()


def test_no_day_of_month_with_a_leading_zero_in_what_people_read():
    found = []
    for layer, patterns in (("web", ("*.py", "*.html", "*.txt")), ("api", ("*.py", "*.html", "*.txt")), ("network", ("*.py",))):
        for pattern in patterns:
            for path in (ROOT / layer).rglob(pattern):
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if DAY_WITH_ZERO.search(MACHINE.sub("", line)):
                        found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
