"""Notices: the outbox (idempotent by key), the outbox and SMTP notifiers (against a real SMTP server on 127.0.0.1), settings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from api.config import from_env, notifier_settings
from api.services import notify
from api.services.notify import Notice, OutboxNotifier, SmtpNotifier, deliver_pending, inbox, notifier_from
from graph.embedded.store import EmbeddedStore
from graph.port import Invalid
from graph.settings import SettingError
from network.domain import Assessor
from tests import mailserver
from tests.mailserver import MailServer

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server on 127.0.0.1 for the test."""
    with mailserver.running() as server:
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(tmp_path / "graph.sqlite3")
    s.create_assessor(Assessor(id="ann", name="Ann", email="ann@example.org"))
    s.create_assessor(Assessor(id="bob", name="Bob"))  # no e-mail address
    yield s
    s.close()


def reminder(key: str, who: str = "ann", **changes) -> Notice:
    fields = {
        "key": key,
        "user_id": None,
        "assessor_id": who,
        "kind": "meeting",
        "subject": "Your set meets on Tuesday",
        "body": "Set 1 meets on Tuesday 3 March at 2pm.",
        "link": "/sets/set-1",
        "due_on": date(2026, 3, 3),
    }
    return Notice(**(fields | changes))


def test_notify_is_idempotent_and_inbox_lists(store: EmbeddedStore) -> None:
    assert notify.notify(store, [reminder("k1"), reminder("k2"), reminder("k1")], notifier=OutboxNotifier(), now=NOW) == 2
    assert notify.notify(store, [reminder("k1"), reminder("k2")], notifier=OutboxNotifier(), now=NOW) == 0
    page = inbox(store, assessor_id="ann")
    assert [(n.key, n.status, n.via) for n in page.items] == [("k1", "sent", "outbox"), ("k2", "sent", "outbox")]
    assert inbox(store).items == []


def test_notify_refuses_malformed_notices_and_stores_nothing(store: EmbeddedStore) -> None:
    with pytest.raises(Invalid):
        notify.notify(store, [reminder("ok"), reminder("", subject="")], notifier=OutboxNotifier(), now=NOW)
    with pytest.raises(Invalid):
        notify.notify(store, [reminder("nobody", who=None)], notifier=OutboxNotifier(), now=NOW)  # type: ignore[arg-type]
    assert inbox(store, assessor_id="ann").items == []


def test_smtp_notifier_sends_each_new_notice_once(store: EmbeddedStore, mail_server: MailServer) -> None:
    smtp = SmtpNotifier(mail_server.host, mail_server.port, "bridgework@example.org", timeout=5)
    assert notify.notify(store, [reminder("k1"), reminder("k2", who="bob")], notifier=smtp, now=NOW) == 2
    assert len(mail_server.received) == 1
    mail = mail_server.received[0]
    assert (mail.sender, mail.recipients, mail.subject, mail.keys) == (
        "bridgework@example.org",
        ("ann@example.org",),
        "Your set meets on Tuesday",
        ("k1",),
    )
    assert "/sets/set-1" in mail.body
    statuses = {n.key: (n.status, n.error) for n in inbox(store, assessor_id="ann").items + inbox(store, assessor_id="bob").items}
    assert statuses == {"k1": ("sent", None), "k2": ("failed", "no e-mail address")}
    # Running again sends nothing twice.
    assert notify.notify(store, [reminder("k1")], notifier=smtp, now=NOW) == 0
    assert len(mail_server.received) == 1


def test_smtp_outage_leaves_notices_failed_and_they_are_retried(store: EmbeddedStore, mail_server: MailServer) -> None:
    down = SmtpNotifier("127.0.0.1", 1, "bridgework@example.org", timeout=2)  # nothing listens on port 1
    assert notify.notify(store, [reminder("k1")], notifier=down, now=NOW) == 1
    failed = inbox(store, assessor_id="ann").items[0]
    assert failed.status == "failed" and "unavailable" in (failed.error or "")
    up = SmtpNotifier(mail_server.host, mail_server.port, "bridgework@example.org", timeout=5)
    assert deliver_pending(store, notifier=up, now=NOW) == (1, 0)
    assert deliver_pending(store, notifier=up, now=NOW) == (0, 0)
    assert len(mail_server.received) == 1
    assert inbox(store, assessor_id="ann").items[0].status == "sent"


def test_notifier_settings() -> None:
    assert notifier_settings({})["NOTIFIER"] == "outbox"
    assert isinstance(notifier_from(notifier_settings({})), OutboxNotifier)
    env = {"BRIDGEWORK_NOTIFIER": "smtp", "BRIDGEWORK_SMTP_HOST": "127.0.0.1", "BRIDGEWORK_SMTP_FROM": "bw@example.org"}
    settings = notifier_settings(env)
    assert (settings["SMTP_PORT"], settings["SMTP_STARTTLS"]) == (25, False)
    assert isinstance(notifier_from(settings), SmtpNotifier)
    assert notifier_settings(env | {"BRIDGEWORK_SMTP_STARTTLS": "true"})["SMTP_PORT"] == 587
    assert from_env(env)["NOTIFIER"] == "smtp"
    for bad, name in [
        ({"BRIDGEWORK_NOTIFIER": "pigeon"}, "BRIDGEWORK_NOTIFIER"),
        ({"BRIDGEWORK_NOTIFIER": "smtp"}, "BRIDGEWORK_SMTP_HOST"),
        (env | {"BRIDGEWORK_SMTP_FROM": "nobody"}, "BRIDGEWORK_SMTP_FROM"),
        (env | {"BRIDGEWORK_SMTP_PORT": "99999"}, "BRIDGEWORK_SMTP_PORT"),
        (env | {"BRIDGEWORK_SMTP_STARTTLS": "maybe"}, "BRIDGEWORK_SMTP_STARTTLS"),
        (env | {"BRIDGEWORK_SMTP_USER": "me"}, "BRIDGEWORK_SMTP_PASSWORD"),
    ]:
        with pytest.raises(SettingError) as caught:
            notifier_settings(bad)
        assert caught.value.setting == name
