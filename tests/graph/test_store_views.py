"""Contract: views kept ready and the versions of their scopes (graph/port_views.py), on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from graph.port import GraphStore, Invalid

WHEN = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


def test_nothing_is_kept_at_first_and_every_scope_is_at_version_0(store: GraphStore) -> None:
    found = store.look_up_view("suggestions:a-1", ["consent", "person:a-1"])
    assert found.kept is None and found.versions == {"consent": 0, "person:a-1": 0}
    assert not found.current


def test_a_kept_view_is_current_until_one_of_its_scopes_is_raised(store: GraphStore) -> None:
    scopes = ["consent", "person:a-1"]
    store.keep_view("suggestions:a-1", '{"x": 1}', store.look_up_view("suggestions:a-1", scopes).versions, WHEN)
    found = store.look_up_view("suggestions:a-1", scopes)
    assert found.current and found.kept is not None
    assert found.kept.value == '{"x": 1}' and found.kept.made_at == WHEN
    store.bump_views(["person:a-2"])  # another scope: still current
    assert store.look_up_view("suggestions:a-1", scopes).current
    store.bump_views(["consent"])
    stale = store.look_up_view("suggestions:a-1", scopes)
    assert not stale.current and stale.versions == {"consent": 1, "person:a-1": 0}
    assert stale.kept is not None and stale.kept.versions == {"consent": 0, "person:a-1": 0}
    store.keep_view("suggestions:a-1", '{"x": 2}', stale.versions, WHEN + timedelta(minutes=1))  # replaces
    again = store.look_up_view("suggestions:a-1", scopes)
    assert again.current and again.kept is not None and again.kept.value == '{"x": 2}'


def test_raising_scopes_in_a_unit_of_work_that_fails_raises_nothing(store: GraphStore) -> None:
    with pytest.raises(RuntimeError), store.unit_of_work():
        store.bump_views(["consent", "consent", "org:o-1"])
        raise RuntimeError("the change failed")
    assert store.look_up_view("k", ["consent", "org:o-1"]).versions == {"consent": 0, "org:o-1": 0}
    with store.unit_of_work():
        store.bump_views(["consent", "org:o-1"])
        store.bump_views(["consent"])
    assert store.look_up_view("k", ["consent", "org:o-1"]).versions == {"consent": 2, "org:o-1": 1}


def test_a_lookup_joins_a_read_unit_and_a_keep_inside_it_commits_on_its_own(store: GraphStore) -> None:
    began: list[bool] = []
    remove = store.on_transaction(began.append)
    try:
        with store.unit_of_work(write=False):
            store.look_up_view("a", ["consent"])
            store.look_up_view("b", [])
        assert began == [False]
        with store.unit_of_work(write=False):
            store.keep_view("a", "1", {"consent": 0}, WHEN)  # a write inside a read unit
            assert store.look_up_view("a", ["consent"]).current
    finally:
        remove()
    assert began == [False, False, True, False]
    assert store.look_up_view("a", ["consent"]).current


@pytest.mark.parametrize("bad", ["", "x" * 201])
def test_a_bad_key_or_scope_is_refused(store: GraphStore, bad: str) -> None:
    with pytest.raises(Invalid):
        store.look_up_view(bad, [])
    with pytest.raises(Invalid):
        store.look_up_view("k", [bad])
    with pytest.raises(Invalid):
        store.keep_view(bad, "v", {}, WHEN)
    with pytest.raises(Invalid):
        store.bump_views([bad])
