"""Contract of the sessions area on both stores: signed-in sessions, ending them, wholesale token revocation and
throttle counters that never lose a hit, even when several threads (or processes) count at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from graph.port import Conflict, GraphStore, NotFound
from graph.port_accounts import ApiToken, User
from graph.port_sessions import MAX_USER_AGENT, SignInSession
from network.domain import Assessor

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def a_user(store: GraphStore, make, n: int = 0) -> User:
    return store.create_user(User(id=make.id("u", n), email=f"{make.id('u', n)}@example.org", password_hash="hash", roles=("assessor",)))


def a_session(make, user_id: str, n: int = 0, **changes) -> SignInSession:
    fields = {
        "id": make.id("s", n),
        "user_id": user_id,
        "secret_hash": f"hash-{n}",
        "created_at": NOW,
        "last_seen_at": NOW + timedelta(minutes=n),
        "expires_at": NOW + timedelta(hours=12),
        "remember": False,
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0",
    }
    return SignInSession(**(fields | changes))


def test_a_session_round_trips_with_its_user(store: GraphStore, make):
    me = a_user(store, make)
    made = store.create_session(a_session(make, me.id, remember=True, user_agent="x" * (MAX_USER_AGENT + 50)))
    found = store.session_with_user(made.id)
    assert found is not None
    session, user = found
    assert session == made.__class__(**{**{f: getattr(made, f) for f in made.__slots__}, "user_agent": "x" * MAX_USER_AGENT})
    assert user.id == me.id and user.email == me.email
    assert store.session_with_user(make.id("s", 99)) is None


def test_a_session_needs_its_user_and_a_fresh_id(store: GraphStore, make):
    me = a_user(store, make)
    with pytest.raises(NotFound):
        store.create_session(a_session(make, make.id("u", 9)))
    store.create_session(a_session(make, me.id))
    with pytest.raises(Conflict):
        store.create_session(a_session(make, me.id))


def test_sessions_are_listed_unexpired_and_most_recently_seen_first(store: GraphStore, make):
    me, other = a_user(store, make, 0), a_user(store, make, 1)
    store.create_session(a_session(make, me.id, 1))
    store.create_session(a_session(make, me.id, 2))
    store.create_session(a_session(make, me.id, 3, expires_at=NOW - timedelta(seconds=1)))
    store.create_session(a_session(make, other.id, 4))
    assert [s.id for s in store.list_sessions(me.id, NOW)] == [make.id("s", 2), make.id("s", 1)]
    store.touch_session(make.id("s", 1), NOW + timedelta(hours=1))
    store.touch_session(make.id("s", 2), NOW - timedelta(hours=1))  # never moves back
    listed = store.list_sessions(me.id, NOW)
    assert [s.id for s in listed] == [make.id("s", 1), make.id("s", 2)]
    assert listed[0].last_seen_at == NOW + timedelta(hours=1) and listed[1].last_seen_at == NOW + timedelta(minutes=2)
    with pytest.raises(NotFound):
        store.list_sessions(make.id("u", 9), NOW)
    store.touch_session(make.id("s", 99), NOW)  # harmless


def test_ending_sessions(store: GraphStore, make):
    me, other = a_user(store, make, 0), a_user(store, make, 1)
    for n in range(1, 4):
        store.create_session(a_session(make, me.id, n))
    store.create_session(a_session(make, other.id, 4))
    with pytest.raises(NotFound):
        store.end_session(other.id, make.id("s", 1))  # not theirs
    store.end_session(me.id, make.id("s", 1))
    assert store.session_with_user(make.id("s", 1)) is None
    with pytest.raises(NotFound):
        store.end_session(me.id, make.id("s", 1))
    assert store.end_sessions(me.id, keep=make.id("s", 3)) == 1
    assert [s.id for s in store.list_sessions(me.id, NOW)] == [make.id("s", 3)]
    assert store.end_sessions(me.id) == 1
    assert store.list_sessions(me.id, NOW) == []
    assert store.session_with_user(make.id("s", 4)) is not None  # another person's session stays


def test_expired_sessions_are_deleted(store: GraphStore, make):
    me = a_user(store, make)
    store.create_session(a_session(make, me.id, 1, expires_at=NOW - timedelta(hours=1)))
    store.create_session(a_session(make, me.id, 2))
    assert store.delete_expired_sessions(NOW) == 1
    assert store.session_with_user(make.id("s", 1)) is None and store.session_with_user(make.id("s", 2)) is not None


def test_deleting_or_erasing_a_user_ends_their_sessions(store: GraphStore, make):
    me = a_user(store, make, 0)
    store.create_session(a_session(make, me.id, 1))
    store.delete_user(me.id)
    assert store.session_with_user(make.id("s", 1)) is None
    person = store.create_assessor(Assessor(id=make.id("a", 2), name="Erin Example"))
    erased = store.create_user(User(id=make.id("u", 2), email="erin@example.org", password_hash="h", assessor_id=person.id))
    store.create_session(a_session(make, erased.id, 2))
    store.erase_assessor(person.id, Assessor(id=make.id("gone", 2), name="Former member"), NOW.date())
    assert store.session_with_user(make.id("s", 2)) is None
    assert store.end_sessions(erased.id) == 0  # nothing left behind


def test_tokens_keep_read_only_and_are_revoked_wholesale(store: GraphStore, make):
    me, other = a_user(store, make, 0), a_user(store, make, 1)
    for n, (owner, read_only) in enumerate([(me, True), (me, False), (other, False)]):
        store.create_token(
            ApiToken(id=make.id("t", n), user_id=owner.id, name=f"t{n}", secret_hash="h", created_at=NOW, read_only=read_only)
        )
    assert {t.id: t.read_only for t in store.list_tokens(me.id)} == {make.id("t", 0): True, make.id("t", 1): False}
    found = store.token_with_user(make.id("t", 0))
    assert found is not None and found[0].read_only is True
    assert store.delete_tokens(me.id) == 2
    assert store.list_tokens(me.id) == [] and len(store.list_tokens(other.id)) == 1
    assert store.delete_tokens(me.id) == 0


def test_a_counter_counts_within_its_window_then_starts_again(store: GraphStore, make):
    key = make.id("k")
    assert store.get_counter(key, NOW) is None
    first = store.hit_counter(key, NOW, 60)
    assert (first.count, first.resets_at) == (1, NOW + timedelta(seconds=60))
    later = store.hit_counter(key, NOW + timedelta(seconds=30), 60, amount=2)
    assert (later.count, later.resets_at) == (3, NOW + timedelta(seconds=60))  # the window does not move
    assert store.get_counter(key, NOW + timedelta(seconds=59)) == later
    assert store.get_counter(key, NOW + timedelta(seconds=60)) is None  # expired reads as absent
    again = store.hit_counter(key, NOW + timedelta(seconds=61), 60)
    assert (again.count, again.resets_at) == (1, NOW + timedelta(seconds=121))
    store.clear_counter(key)
    assert store.get_counter(key, NOW + timedelta(seconds=62)) is None
    store.clear_counter(key)  # harmless
    store.hit_counter(make.id("old"), NOW, 1)
    store.hit_counter(make.id("new"), NOW, 3600)
    assert store.delete_expired_counters(NOW + timedelta(seconds=10)) == 1
    assert store.get_counter(make.id("new"), NOW) is not None


def test_concurrent_hits_are_never_lost(store: GraphStore, make):
    key, threads, hits = make.id("race"), 6, 15
    start = threading.Barrier(threads)
    counts: list[int] = []

    def hammer() -> None:
        start.wait()
        for _ in range(hits):
            counts.append(store.hit_counter(key, datetime.now(UTC), 3600).count)

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    counter = store.get_counter(key, datetime.now(UTC))
    assert counter is not None and counter.count == threads * hits
    assert sorted(counts) == list(range(1, threads * hits + 1))  # every hit saw its own count


def test_an_older_embedded_file_gains_read_only_tokens(tmp_path):
    """A file whose tokens table predates read-only tokens is migrated by ensure_schema; its tokens may write."""
    import sqlite3

    from graph.embedded.store import EmbeddedStore

    path = tmp_path / "old.sqlite3"
    first = EmbeddedStore(path)
    first.ensure_schema()
    first.create_user(User(id="u-old", email="old@example.org", password_hash="h"))
    first.close()
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE old_tokens AS SELECT id, user_id, name, secret_hash, created_at, expires_at, last_used_at FROM api_tokens;
        DROP TABLE api_tokens;
        CREATE TABLE api_tokens (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name TEXT NOT NULL, secret_hash TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT, last_used_at TEXT) WITHOUT ROWID;
        INSERT INTO api_tokens VALUES ('t-old', 'u-old', 'old', 'h', '2026-01-01T00:00:00+00:00', NULL, NULL);
        """
    )
    conn.commit()
    conn.close()
    again = EmbeddedStore(path)
    try:
        again.ensure_schema()
        again.ensure_schema()  # harmless twice
        assert [(t.id, t.read_only) for t in again.list_tokens("u-old")] == [("t-old", False)]
    finally:
        again.close()
