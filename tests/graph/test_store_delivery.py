"""Contract: people's choices per group of notices, and claims on the outbox's notices (both stores)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from graph.port import GraphStore, Invalid, NotFound
from graph.port_accounts import User
from graph.port_delivery import Recipient, Settlement
from graph.port_meetings import NoticeRecord
from network.domain import Assessor

AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


def notice(key: str, assessor_id: str | None = None, user_id: str | None = None, **changes) -> NoticeRecord:
    fields = {"key": key, "kind": "meeting", "subject": f"Subject {key}", "body": "Body", "assessor_id": assessor_id, "user_id": user_id}
    return NoticeRecord(**(fields | changes))


def add(store: GraphStore, *records: NoticeRecord, at: datetime = AT) -> list[str]:
    return store.add_notices(list(records), at)


# -- preferences ------------------------------------------------------------------------------------


def test_preferences_write_only_the_groups_given_and_read_back(store: GraphStore, make) -> None:
    u = store.create_user(User(id=make.id("u"), email=f"{make.tag}@example.org", password_hash=None))
    assert store.notice_preferences(u.id) == {}
    assert store.set_notice_preferences(u.id, {"contacts": "digest"}) == {"contacts": "digest"}
    assert store.set_notice_preferences(u.id, {"meetings": "in_app"}) == {"contacts": "digest", "meetings": "in_app"}
    assert store.set_notice_preferences(u.id, {"contacts": "immediately"}) == {"contacts": "immediately", "meetings": "in_app"}
    assert store.notice_preferences(u.id) == {"contacts": "immediately", "meetings": "in_app"}


def test_bad_preferences_are_refused_and_write_nothing(store: GraphStore, make) -> None:
    u = store.create_user(User(id=make.id("u"), email=f"{make.tag}@example.org", password_hash=None))
    for bad in ({"contacts": "hourly"}, {"gossip": "digest"}, {"meetings": "digest", "contacts": "weekly"}):
        with pytest.raises(Invalid):
            store.set_notice_preferences(u.id, bad)
    assert store.notice_preferences(u.id) == {}
    with pytest.raises(NotFound):
        store.notice_preferences(make.id("nobody"))
    with pytest.raises(NotFound):
        store.set_notice_preferences(make.id("nobody"), {"contacts": "digest"})


def test_recipients_join_an_account_and_the_assessor_it_is(store: GraphStore, make) -> None:
    a, lone = make.assessor(0, email="a@example.org"), make.assessor(1)
    store.create_assessor(a)
    store.create_assessor(lone)
    u = store.create_user(User(id=make.id("u"), email=f"{make.tag}@example.org", password_hash=None, roles=("assessor",), assessor_id=a.id))
    coordinator = store.create_user(User(id=make.id("c"), email=f"c{make.tag}@example.org", password_hash=None, roles=("coordinator",)))
    store.set_notice_preferences(u.id, {"meetings": "digest"})
    found = store.notice_recipients(user_ids=[u.id, coordinator.id, make.id("ghost")], assessor_ids=[a.id, lone.id, make.id("ghost")])
    assert found == {
        ("user", u.id): Recipient(u.id, a.id, {"meetings": "digest"}),
        ("user", coordinator.id): Recipient(coordinator.id, None, {}),
        ("assessor", a.id): Recipient(u.id, a.id, {"meetings": "digest"}),
        ("assessor", lone.id): Recipient(None, lone.id, {}),
    }
    assert store.notice_recipients() == {}


def test_preferences_go_with_the_account(store: GraphStore, make) -> None:
    a = make.assessor(0)
    store.create_assessor(a)
    u = store.create_user(User(id=make.id("u"), email=f"{make.tag}@example.org", password_hash=None, roles=("assessor",), assessor_id=a.id))
    store.set_notice_preferences(u.id, {"contacts": "in_app"})
    store.erase_assessor(a.id, Assessor(id=make.id("former"), name="Former member", active=False), date(2026, 3, 2))
    with pytest.raises(NotFound):
        store.notice_preferences(u.id)
    again = store.create_user(User(id=u.id, email=f"again{make.tag}@example.org", password_hash=None))
    assert store.notice_preferences(again.id) == {}  # a new account of the same id starts afresh


# -- claims ---------------------------------------------------------------------------------------------


def test_a_claim_takes_due_notices_oldest_first_and_no_other_claim_gets_them(store: GraphStore, make) -> None:
    a = make.id("a")
    add(store, notice("k2", a), notice("k3", a), at=AT + timedelta(minutes=1))
    add(store, notice("k1", a))
    first = store.claim_notices("w1", AT, AT + LEASE, limit=2)
    assert [(c.notice.key, c.attempts, c.route) for c in first] == [("k1", 1, None), ("k2", 1, None)]
    assert first[0].notice.subject == "Subject k1" and first[0].notice.assessor_id == a
    assert [c.notice.key for c in store.claim_notices("w2", AT, AT + LEASE)] == ["k3"]
    assert store.claim_notices("w3", AT, AT + LEASE) == []
    d = store.notice_deliveries(["k1", "k3", "unknown"])
    assert set(d) == {"k1", "k3"}
    assert (d["k1"].status, d["k1"].claimed_by, d["k1"].attempts, d["k1"].lease_until) == ("sending", "w1", 1, AT + LEASE)
    assert [n.status for n in store.notices_for(assessor_id=a).items] == ["sending", "sending", "sending"]


def test_settling_sent_failed_and_retried_with_backoff(store: GraphStore, make) -> None:
    a = make.id("a")
    add(store, notice("ok", a), notice("bad", a))
    store.claim_notices("w1", AT, AT + LEASE)
    later = AT + timedelta(minutes=5)
    settled = store.settle_notices(
        "w1", [Settlement("ok", "sent", via="smtp"), Settlement("bad", "failed", via="smtp", error="451 try later", retry_at=later)], AT
    )
    assert settled == 2
    d = store.notice_deliveries(["ok", "bad"])
    assert (d["ok"].status, d["ok"].via, d["ok"].claimed_by, d["ok"].error) == ("sent", "smtp", None, None)
    assert (d["bad"].status, d["bad"].error, d["bad"].next_attempt_at, d["bad"].attempts) == ("failed", "451 try later", later, 1)
    sent = {n.key: n for n in store.notices_for(assessor_id=a).items}["ok"]
    assert sent.sent_at == AT
    # Not due before its next try; due then, counted again; a sent notice is never claimed again.
    assert store.claim_notices("w2", AT + timedelta(minutes=4), AT + LEASE) == []
    again = store.claim_notices("w2", later, later + LEASE)
    assert [(c.notice.key, c.attempts) for c in again] == [("bad", 2)]
    # A person asking for a retry now (retry_due in the future) gets failed notices whatever their next try.
    store.settle_notices("w2", [Settlement("bad", "failed", error="451 again", retry_at=later + timedelta(hours=1))], later)
    assert [c.notice.key for c in store.claim_notices("w3", later, later + LEASE, retry_due=later + timedelta(days=1))] == ["bad"]
    # Given up (no next try): never due again.
    store.settle_notices("w3", [Settlement("bad", "failed", error="gave up", retry_at=None)], later)
    assert store.claim_notices("w4", later + timedelta(days=30), later + timedelta(days=31), retry_due=later + timedelta(days=30)) == []


def test_an_expired_lease_is_claimed_again_and_its_late_sender_changes_nothing(store: GraphStore, make) -> None:
    a = make.id("a")
    add(store, notice("k1", a))
    assert len(store.claim_notices("crashed", AT, AT + LEASE)) == 1
    assert store.claim_notices("w2", AT + LEASE - timedelta(seconds=1), AT + 2 * LEASE) == []
    taken = store.claim_notices("w2", AT + LEASE, AT + 2 * LEASE)
    assert [(c.notice.key, c.attempts) for c in taken] == [("k1", 2)]
    assert store.settle_notices("crashed", [Settlement("k1", "sent", via="smtp")], AT + LEASE) == 0
    assert store.notice_deliveries(["k1"])["k1"].claimed_by == "w2"
    assert store.settle_notices("w2", [Settlement("k1", "sent", via="smtp")], AT + LEASE) == 1
    assert store.notice_deliveries(["k1"])["k1"].status == "sent"


def test_routes_keys_and_fresh(store: GraphStore, make) -> None:
    a = make.id("a")
    add(store, notice("d1", a), notice("d2", a), notice("e1", a), notice("other", a))
    claimed = store.claim_notices("w1", AT, AT + LEASE, keys=["d1", "d2", "e1", "unknown"])
    assert [c.notice.key for c in claimed] == ["d1", "d2", "e1"]
    # Routed to the digest: released unsent, the claim not counted as an attempt.
    store.settle_notices("w1", [Settlement(k, "pending", route="digest", uncount=True) for k in ("d1", "d2")], AT)
    store.settle_notices("w1", [Settlement("e1", "sent", via="in_app", route="email")], AT)
    assert [c.notice.key for c in store.claim_notices("w2", AT, AT + LEASE)] == ["other"]  # e-mail claims leave digests alone
    assert store.claim_notices("w2", AT, AT + LEASE, route="digest", fresh=False) == []  # only retries: none failed yet
    digest = store.claim_notices("w2", AT, AT + LEASE, route="digest")
    assert [(c.notice.key, c.attempts, c.route) for c in digest] == [("d1", 1, "digest"), ("d2", 1, "digest")]
    store.settle_notices("w2", [Settlement("d1", "failed", error="down", retry_at=AT), Settlement("d2", "sent", via="smtp")], AT)
    assert [c.notice.key for c in store.claim_notices("w3", AT, AT + LEASE, route="digest", fresh=False)] == ["d1"]
    assert store.notice_deliveries(["d1"])["d1"].route == "digest"
    with pytest.raises(Invalid):
        store.claim_notices("w3", AT, AT + LEASE, route="pigeon")
    with pytest.raises(Invalid):
        store.settle_notices("w3", [Settlement("d1", "sending")], AT)
    assert store.claim_notices("w3", AT, AT + LEASE, keys=[]) == []


def test_concurrent_claims_never_share_a_notice(store: GraphStore, make) -> None:
    a = make.id("a")
    add(store, *[notice(f"k{n:03d}", a) for n in range(60)])
    got: dict[str, list[str]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def claimer(name: str) -> None:
        try:
            start.wait()
            mine: list[str] = []
            while batch := store.claim_notices(name, AT, AT + LEASE, limit=4):
                mine += [c.notice.key for c in batch]
            got[name] = mine
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    every = [k for keys in got.values() for k in keys]
    assert sorted(every) == [f"k{n:03d}" for n in range(60)]  # each notice claimed exactly once
    assert all(d.attempts == 1 for d in store.notice_deliveries(every).values())
