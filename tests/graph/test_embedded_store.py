"""The embedded store's own promises: a file that survives restarts, threads, locking and all-or-nothing writes."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date

import pytest

from graph.embedded.store import SCHEMA_VERSION, EmbeddedStore
from graph.port import Conflict, NotFound, StoreError, Unavailable
from network.availability import to_mask
from network.bundle import BUNDLE_KINDS, Bundle
from network.domain import Contact, Employment, ThemeLink


@pytest.fixture
def path(tmp_path):
    return tmp_path / "graph.sqlite3"


def small_graph(make) -> Bundle:
    org, theme = make.org(), make.theme()
    x = make.assessor(1, availability=("tue-pm", "mon-am"), email="x@example.org", bio="café ☕")
    y = make.assessor(2, discoverable=True)
    return Bundle(
        organisations=[org],
        themes=[theme],
        assessors=[x, y],
        employments=[Employment(x.id, org.id, date(2021, 1, 4))],
        theme_links=[ThemeLink(x.id, theme.id, "exploring"), ThemeLink(y.id, theme.id, "experienced")],
        contacts=[Contact(x.id, y.id, "accepted", date(2024, 2, 1), "set")],
    )


def test_data_survives_close_and_reopen(path, make):
    bundle = small_graph(make)
    store = EmbeddedStore(path)
    store.bulk_upsert(bundle)
    z = make.assessor(3)
    store.create_assessor(z)
    declined = store.decline_suggestion(z.id, bundle.assessors[0].id, on=date(2024, 3, 1))
    exported = store.export_bundle()
    store.close()

    with EmbeddedStore(path) as reopened:
        assert reopened.export_bundle() == exported
        assert reopened.declines_of(z.id) == [declined]
        assert reopened.counts() == {kind: len(getattr(exported, kind)) for kind in BUNDLE_KINDS}
        assert not reopened.bulk_upsert(bundle).changed


def test_close_twice_is_harmless_and_a_closed_store_is_unavailable(path):
    store = EmbeddedStore(path)
    store.close()
    store.close()
    with pytest.raises(Unavailable):
        store.counts()
    with pytest.raises(Unavailable):
        store.ping()


def test_ensure_schema_again_keeps_the_data(path, make):
    with EmbeddedStore(path) as store:
        store.bulk_upsert(small_graph(make))
        before = store.export_bundle()
        store.ensure_schema()
        assert store.export_bundle() == before


def test_the_file_is_in_wal_mode_and_records_its_schema_version(path):
    EmbeddedStore(path).close()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        raw.close()


def test_a_version_1_file_gains_dated_pauses_and_keeps_its_people(path, make):
    """Release 1 had no ``paused_until``: opening such a file adds the column, keeps every row and records version 2."""
    with EmbeddedStore(path) as store:
        store.bulk_upsert(small_graph(make))
        before = store.export_bundle()
    raw = sqlite3.connect(path)
    raw.execute("ALTER TABLE assessors DROP COLUMN paused_until")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    with EmbeddedStore(path) as store:
        assert store.export_bundle() == before
        someone = before.assessors[0]
        store.update_assessor(someone.with_changes(paused=True, paused_until=date(2030, 1, 31)))
        assert store.get_assessor(someone.id).paused_until == date(2030, 1, 31)
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    finally:
        raw.close()


def test_a_file_from_a_newer_release_is_refused(path):
    EmbeddedStore(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(Unavailable, match="newer"):
        EmbeddedStore(path)


def test_an_unusable_path_is_unavailable(tmp_path):
    with pytest.raises(Unavailable):
        EmbeddedStore(tmp_path / "no-such-dir" / "graph.sqlite3")
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_bytes(b"this is not a database, just some text long enough to fill a header" * 20)
    with pytest.raises(Unavailable):
        EmbeddedStore(not_a_database)


def test_the_availability_mask_is_stored_for_sql_overlap_tests(path, make):
    a = make.assessor(availability=("wed-eve", "mon-am", "sun-pm"))
    with EmbeddedStore(path) as store:
        store.create_assessor(a)
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("SELECT availability_mask FROM assessors WHERE id = ?", (a.id,)).fetchone()[0] == to_mask(a.availability)
    finally:
        raw.close()


def test_a_held_write_lock_makes_writes_unavailable_while_reads_go_on(path, make):
    store = EmbeddedStore(path, busy_timeout=0.05)
    a = make.assessor(1)
    store.create_assessor(a)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(Unavailable):
            store.create_assessor(make.assessor(2))
        assert store.get_assessor(a.id) == a  # WAL: readers are not blocked by the writer
        other.execute("ROLLBACK")
        store.create_assessor(make.assessor(2))
        assert store.counts()["assessors"] == 2
    finally:
        other.close()
        store.close()


def test_a_failure_in_the_middle_of_a_bulk_write_rolls_everything_back(path, make):
    bundle = small_graph(make)  # its one contact is the last row written
    with EmbeddedStore(path) as store:
        raw = sqlite3.connect(path)
        raw.execute("CREATE TRIGGER fail_late BEFORE INSERT ON contacts BEGIN SELECT RAISE(ABORT, 'simulated failure'); END")
        raw.commit()
        raw.close()
        with pytest.raises(StoreError):
            store.bulk_upsert(bundle, batch_size=1)
        assert store.counts() == dict.fromkeys(BUNDLE_KINDS, 0)


def test_a_failed_single_write_changes_nothing(path, make):
    with EmbeddedStore(path) as store:
        store.bulk_upsert(small_graph(make))
        before = store.export_bundle()
        with pytest.raises(NotFound):
            store.set_employer(before.assessors[0].id, make.org(9).id)
        with pytest.raises(Conflict):
            store.request_contact(before.assessors[1].id, before.assessors[0].id)
        assert store.export_bundle() == before


@pytest.mark.parametrize("where", ["file", "memory"])
def test_threads_share_one_store(path, make, where):
    store = EmbeddedStore(path if where == "file" else ":memory:")
    org = make.org()
    store.create_organisation(org)
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def work(t: int) -> None:
        try:
            start.wait()
            for n in range(20):
                a = make.assessor(t * 100 + n)
                store.create_assessor(a)
                store.set_employer(a.id, org.id)
                assert store.get_assessor(a.id) == a
                store.list_assessors(organisation_id=org.id)
        except BaseException as exc:  # reported below, so a failing thread fails the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.counts()["assessors"] == 120
    assert store.counts()["employments"] == 120
    store.close()
    with pytest.raises(Unavailable):
        store.counts()


def test_a_memory_store_works_and_forgets(make):
    with EmbeddedStore(":memory:") as store:
        store.bulk_upsert(small_graph(make))
        assert store.counts()["assessors"] == 2
    with EmbeddedStore(":memory:") as fresh:
        assert fresh.counts()["assessors"] == 0
