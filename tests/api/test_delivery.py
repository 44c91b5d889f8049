"""E-mail delivery against a real SMTP server (aiosmtpd on 127.0.0.1), on both stores.

One mail per notice to the right person in the words the inbox shows; a person's daily digest
in one mail; no e-mail when they chose so; nothing sent twice (a second pass, two passes at once,
a crashed sender); refusals tried again later with back-off; choices changed through a use case.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from api.services import accounts, delivery, notify
from api.services.notify import Notice, OutboxNotifier, SmtpNotifier, render
from graph.port import GraphStore
from graph.port_meetings import NoticeRecord
from network import delivery as rules
from network.domain import Assessor, InvalidValue
from tests import mailserver
from tests.mailserver import MailServer
from tests.stores import KINDS, open_empty

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
SITE = "https://bridgework.example.org"


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server on 127.0.0.1 for the test."""
    with mailserver.running() as server:
        yield server


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """Each store kind with Ann (an assessor with an account), Bob (no e-mail) and Cleo (a coordinator, no assessor)."""
    s = open_empty(request.param, tmp_path / "graph.sqlite3")
    s.create_assessor(Assessor(id="ann", name="Ann Okafor", email="ann@example.org"))
    s.create_assessor(Assessor(id="bob", name="Bob Hughes"))
    accounts.create_user(s, "ann.login@example.org", roles=("assessor",), assessor_id="ann", user_id="u-ann")
    accounts.create_user(s, "cleo@example.org", roles=("coordinator",), user_id="u-cleo")
    try:
        yield s
    finally:
        s.close()


def smtp(server: MailServer) -> SmtpNotifier:
    return SmtpNotifier(server.host, server.port, "bridgework@example.org", timeout=5, public_url=SITE)


def notice(key: str, kind: str = "meeting", who: str | None = "ann", user: str | None = None, **changes) -> Notice:
    fields = {
        "key": key,
        "user_id": user,
        "assessor_id": who,
        "kind": kind,
        "subject": f"Subject of {key}",
        "body": f"Body of {key}.",
        "link": "/sets/set-1",
        "due_on": date(2026, 3, 3),
    }
    return Notice(**(fields | changes))


def status(store: GraphStore, *keys: str) -> dict[str, tuple[str, str | None]]:
    return {k: (d.status, d.via) for k, d in store.notice_deliveries(keys).items()}


def pass_at(store: GraphStore, server: MailServer, at: datetime) -> delivery.DeliveryReport:
    """The worker's delivery pass at ``at``."""
    return delivery.deliver_everything_due(store, notifier=smtp(server), wording=render, now=at)


def test_each_notice_is_mailed_once_to_its_person_in_the_inbox_words(store: GraphStore, mail_server: MailServer) -> None:
    told = [
        notice("m1"),
        notice("m2"),
        notice("c1", kind="contact_requested", subject="", body="", link=None, refs={"from": "bob"}),
        notice("j1", kind="join_request", who=None, user="u-cleo"),
    ]
    assert notify.notify(store, told, notifier=smtp(mail_server), now=NOW) == 4
    assert sorted(m.keys[0] for m in mail_server.received) == ["c1", "j1", "m1", "m2"]  # one mail per notice
    by_key = {m.keys[0]: m for m in mail_server.received}
    assert by_key["m1"].recipients == ("ann@example.org",)
    assert by_key["j1"].recipients == ("cleo@example.org",)  # a coordinator's notice goes to their account's address
    assert (by_key["m1"].subject, by_key["m1"].sender) == ("Subject of m1", "bridgework@example.org")
    assert "Body of m1." in by_key["m1"].body and f"{SITE}/sets/set-1" in by_key["m1"].body
    # Worded when sent, as the inbox words it: the person by name, never an id.
    inbox = {n.key: n for n in notify.inbox(store, assessor_id="ann").items}
    worded = render(store, [inbox["c1"]])[0]
    assert by_key["c1"].subject == worded.subject == "Bob Hughes would like to connect"
    assert "bob" not in by_key["c1"].body.replace("Bob", "")
    assert status(store, "m1", "c1", "j1") == {k: ("sent", "smtp") for k in ("m1", "c1", "j1")}
    # Nothing is sent twice: not by another pass, nor by storing the same notices again.
    assert pass_at(store, mail_server, NOW + timedelta(hours=1)).mails == 0
    assert notify.notify(store, told, notifier=smtp(mail_server), now=NOW) == 0
    assert len(mail_server.received) == 4


def test_every_notice_a_change_stores_is_mailed_at_once_even_past_one_claim(store: GraphStore, mail_server: MailServer) -> None:
    many = [notice(f"many-{n:03d}") for n in range(delivery.BATCH + 7)]  # more than one claim holds
    assert notify.notify(store, many, notifier=smtp(mail_server), now=NOW) == len(many)
    assert sorted(m.keys[0] for m in mail_server.received) == sorted(n.key for n in many)  # none left for the worker
    assert pass_at(store, mail_server, NOW + timedelta(hours=1)).mails == 0


def test_a_daily_digest_gathers_a_persons_waiting_notices_into_one_mail(store: GraphStore, mail_server: MailServer) -> None:
    delivery.set_notice_preferences(store, "u-ann", {"meetings": "digest"}, actor_id="u-ann")
    notify.notify(
        store,
        [notice("m1"), notice("m2"), notice("r1", kind="rota"), notice("q1", kind="questionnaire")],
        notifier=smtp(mail_server),
        now=NOW,
    )
    assert [m.keys for m in mail_server.received] == [("q1",)]  # questionnaires: still straight away
    assert {k: s for k, (s, _via) in status(store, "m1", "m2", "r1").items()} == {"m1": "pending", "r1": "pending", "m2": "pending"}
    assert pass_at(store, mail_server, NOW + timedelta(minutes=5)).mails == 0  # the delivery pass leaves them for the digest
    report = delivery.send_digests(store, notifier=smtp(mail_server), wording=render, now=NOW + timedelta(hours=24))
    assert (report.mails, report.sent) == (1, 3)
    digest = mail_server.received[-1]
    assert digest.recipients == ("ann@example.org",)
    assert sorted(digest.keys) == ["m1", "m2", "r1"]
    assert digest.subject == "Your Bridgework digest: 3 new notices"
    for key in ("m1", "m2", "r1"):
        assert f"Subject of {key}" in digest.body and f"Body of {key}." in digest.body
    assert f"{SITE}/me/profile" in digest.body
    assert status(store, "m1", "m2", "r1") == {k: ("sent", "smtp digest") for k in ("m1", "m2", "r1")}
    assert delivery.send_digests(store, notifier=smtp(mail_server), wording=render, now=NOW + timedelta(hours=48)).mails == 0
    assert len(mail_server.received) == 2


def test_no_email_when_the_person_chose_so_but_the_notice_is_in_their_inbox(store: GraphStore, mail_server: MailServer) -> None:
    delivery.set_notice_preferences(store, "u-ann", {"meetings": "in_app", "contacts": "in_app"}, actor_id="u-ann")
    delivery.set_notice_preferences(store, "u-cleo", {"coordinator": "in_app"}, actor_id="u-cleo")
    notify.notify(store, [notice("m1"), notice("j1", kind="join_request", who=None, user="u-cleo")], notifier=smtp(mail_server), now=NOW)
    assert mail_server.received == []
    assert status(store, "m1", "j1") == {"m1": ("sent", "in_app"), "j1": ("sent", "in_app")}
    assert [n.key for n in notify.inbox(store, assessor_id="ann").items] == ["m1"]


def test_a_refusal_is_tried_again_later_with_back_off_and_sent_once(store: GraphStore, mail_server: MailServer) -> None:
    mail_server.refuse = "451 4.3.0 Mailbox busy, try again later"
    notify.notify(store, [notice("m1")], notifier=smtp(mail_server), now=NOW)
    d = store.notice_deliveries(["m1"])["m1"]
    assert (d.status, d.attempts, d.next_attempt_at) == ("failed", 1, NOW + rules.retry_delay(1))
    assert "451" in (d.error or "")
    assert [n.status for n in notify.inbox(store, assessor_id="ann").items] == ["failed"]
    mail_server.refuse = "550 5.7.1 Not now"  # a permanent-looking refusal is tried again too
    assert pass_at(store, mail_server, NOW + timedelta(seconds=30)).mails == 0  # not due yet
    assert pass_at(store, mail_server, NOW + timedelta(minutes=1)).failed == 1
    second = store.notice_deliveries(["m1"])["m1"]
    assert (second.attempts, second.next_attempt_at) == (2, NOW + timedelta(minutes=1) + rules.retry_delay(2))
    mail_server.refuse = None
    assert pass_at(store, mail_server, NOW + timedelta(minutes=3)).sent == 1
    assert pass_at(store, mail_server, NOW + timedelta(hours=5)).mails == 0
    assert [m.keys for m in mail_server.received] == [("m1",)]
    assert (mail_server.refused, status(store, "m1")["m1"]) == (2, ("sent", "smtp"))


def test_a_refused_digest_is_tried_again_by_the_next_delivery_pass(store: GraphStore, mail_server: MailServer) -> None:
    delivery.set_notice_preferences(store, "u-ann", {"meetings": "digest"}, actor_id="u-ann")
    notify.notify(store, [notice("m1"), notice("m2")], notifier=smtp(mail_server), now=NOW)
    mail_server.refuse = "421 4.3.2 Service not available"
    assert delivery.send_digests(store, notifier=smtp(mail_server), wording=render, now=NOW).failed == 2
    mail_server.refuse = None
    assert pass_at(store, mail_server, NOW + timedelta(minutes=2)).sent == 2
    assert [sorted(m.keys) for m in mail_server.received] == [["m1", "m2"]]
    assert pass_at(store, mail_server, NOW + timedelta(hours=2)).mails == 0


def test_two_delivery_passes_at_once_never_send_a_notice_twice(store: GraphStore, mail_server: MailServer) -> None:
    keys = [f"m{n:02d}" for n in range(30)]
    store.add_notices([NoticeRecord(key=k, kind="meeting", subject=f"Subject of {k}", body="Body", assessor_id="ann") for k in keys], NOW)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def one_pass() -> None:
        try:
            start.wait()
            delivery.deliver_due(store, notifier=smtp(mail_server), wording=render, now=NOW, limit=4)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(k for m in mail_server.received for k in m.keys) == keys  # every notice exactly once
    assert all(s == ("sent", "smtp") for s in status(store, *keys).values())


def test_a_crashed_senders_notices_are_sent_once_its_lease_runs_out(store: GraphStore, mail_server: MailServer) -> None:
    store.add_notices([NoticeRecord(key="m1", kind="meeting", subject="Subject of m1", body="Body", assessor_id="ann")], NOW)
    assert len(store.claim_notices("crashed-worker", NOW, NOW + delivery.LEASE)) == 1  # claimed, then the process died
    assert pass_at(store, mail_server, NOW + delivery.LEASE - timedelta(seconds=1)).mails == 0
    assert pass_at(store, mail_server, NOW + delivery.LEASE).sent == 1
    assert pass_at(store, mail_server, NOW + delivery.LEASE * 2).mails == 0
    assert [m.keys for m in mail_server.received] == [("m1",)]


class _Broken:
    """A notifier whose every send fails."""

    name = "broken"

    def send(self, store: GraphStore, mails: list) -> list[str | None]:
        return ["refused: 554 no"] * len(mails)


def test_a_notice_is_given_up_after_the_last_attempt_and_stays_in_the_inbox(store: GraphStore) -> None:
    notify.notify(store, [notice("m1")], notifier=_Broken(), now=NOW)
    at = NOW
    for _ in range(rules.MAX_ATTEMPTS - 1):
        at += rules.MAX_RETRY_DELAY
        delivery.deliver_due(store, notifier=_Broken(), wording=render, now=at)
    d = store.notice_deliveries(["m1"])["m1"]
    assert (d.status, d.attempts, d.next_attempt_at) == ("failed", rules.MAX_ATTEMPTS, None)
    assert "given up" in (d.error or "")
    assert delivery.deliver_due(store, notifier=OutboxNotifier(), wording=render, now=at + timedelta(days=7)).sent == 0
    assert [n.key for n in notify.inbox(store, assessor_id="ann").items] == ["m1"]


def test_choices_change_through_a_use_case_with_an_audit_entry(store: GraphStore) -> None:
    assert delivery.notice_preferences(store, "u-ann") == dict.fromkeys(rules.GROUP_IDS, "immediately")
    after = delivery.set_notice_preferences(store, "u-ann", {"contacts": "digest", "meetings": "immediately"}, actor_id="u-ann")
    assert after["contacts"] == "digest" and after["meetings"] == "immediately"
    entries = [e for e in store.list_audit(limit=50).items if e.action == "notice_preferences:update"]
    assert [(e.target_id, e.actor_id, e.details) for e in entries] == [("u-ann", "u-ann", {"groups": ["contacts"]})]
    delivery.set_notice_preferences(store, "u-ann", {"contacts": "digest"}, actor_id="u-ann")  # nothing changes: no entry
    with pytest.raises(InvalidValue) as bad:
        delivery.set_notice_preferences(store, "u-ann", {"meetings": "in_app", "contacts": "weekly"}, actor_id="u-ann")
    assert bad.value.field == "contacts"
    assert delivery.notice_preferences(store, "u-ann")["meetings"] == "immediately"  # nothing of a refused change is kept
    assert len([e for e in store.list_audit(limit=50).items if e.action == "notice_preferences:update"]) == 1
