"""Contract (issue 22): a programme keeps set formation's step budget and priority, on both stores."""

from __future__ import annotations

from network.domain import Programme


def test_a_programme_keeps_its_step_budget_and_priority(store, make) -> None:
    pid = make.id("prog", 1)
    created = store.create_programme(Programme(id=pid, name="Reproducible", steps=20_000, priority="placed"))
    assert (created.steps, created.priority) == (20_000, "placed")
    got = store.get_programme(pid)
    assert (got.steps, got.priority) == (20_000, "placed")
    changed = store.update_programme_fields(pid, {"steps": None, "priority": "isolated"})
    assert (changed.steps, changed.priority) == (None, "isolated")
    assert (store.get_programme(pid).steps, store.get_programme(pid).priority) == (None, "isolated")
    plain = store.create_programme(Programme(id=make.id("prog", 2), name="Defaults"))
    assert (store.get_programme(plain.id).steps, store.get_programme(plain.id).priority) == (None, "isolated")
