"""Contract: create, read, update, delete and keyset listing of organisations, themes and assessors."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from graph.port import MAX_PAGE, Conflict, GraphStore, NotFound, Page
from network.bundle import Bundle


@dataclass(frozen=True)
class Label:
    """One node label's part of the port, so each CRUD rule is written once for all three."""

    name: str
    noun: str  # as in the method names: create_<noun>, list_<noun>s; also the Maker method
    maker: str
    bundle_kind: str
    change: dict[str, Any]

    def create(self, store: GraphStore, node: Any) -> Any:
        return getattr(store, f"create_{self.noun}")(node)

    def get(self, store: GraphStore, node_id: str) -> Any:
        return getattr(store, f"get_{self.noun}")(node_id)

    def update(self, store: GraphStore, node: Any) -> Any:
        return getattr(store, f"update_{self.noun}")(node)

    def delete(self, store: GraphStore, node_id: str) -> None:
        getattr(store, f"delete_{self.noun}")(node_id)

    def list(self, store: GraphStore, **kwargs: Any) -> Page[Any]:
        return getattr(store, f"list_{self.noun}s")(**kwargs)


LABELS = [
    Label("Organisation", "organisation", "org", "organisations", {"name": "Renamed Trust", "kind": "nhs_trust", "region": "london"}),
    Label("Theme", "theme", "theme", "themes", {"name": "Renamed theme", "framework": "kss"}),
    Label(
        "Assessor",
        "assessor",
        "assessor",
        "assessors",
        {"name": "Renamed", "email": "new@example.org", "capacity": 3, "availability": ("fri-am",), "discoverable": True},
    ),
]


@pytest.fixture(params=LABELS, ids=lambda label: label.name)
def label(request: pytest.FixtureRequest) -> Label:
    return request.param


def build(make: Any, label: Label, n: int = 0, **changes: Any) -> Any:
    return getattr(make, label.maker)(n, **changes)


def test_create_then_get_returns_the_same_value(store, make, label):
    node = build(make, label)
    assert label.create(store, node) == node
    assert label.get(store, node.id) == node


def test_creating_an_existing_id_is_a_conflict_and_keeps_the_first(store, make, label):
    first = build(make, label)
    label.create(store, first)
    with pytest.raises(Conflict):
        label.create(store, build(make, label, **label.change))
    assert label.get(store, first.id) == first
    assert store.counts()[label.bundle_kind] == 1


def test_update_replaces_the_properties(store, make, label):
    node = build(make, label)
    label.create(store, node)
    changed = replace(node, **label.change)
    assert label.update(store, changed) == changed
    assert label.get(store, node.id) == changed


def test_missing_ids_are_not_found(store, make, label):
    label.create(store, build(make, label, 1))
    missing = build(make, label, 2)
    with pytest.raises(NotFound):
        label.get(store, missing.id)
    with pytest.raises(NotFound):
        label.update(store, missing)
    with pytest.raises(NotFound):
        label.delete(store, missing.id)
    assert store.counts()[label.bundle_kind] == 1


def test_delete_removes_the_node(store, make, label):
    keep, gone = build(make, label, 1), build(make, label, 2)
    label.create(store, keep)
    label.create(store, gone)
    label.delete(store, gone.id)
    with pytest.raises(NotFound):
        label.get(store, gone.id)
    with pytest.raises(NotFound):
        label.delete(store, gone.id)
    assert label.get(store, keep.id) == keep


def _bulk(store: GraphStore, label: Label, nodes: list[Any]) -> None:
    store.bulk_upsert(Bundle(**{label.bundle_kind: nodes}))


def test_listing_pages_through_everything_in_id_order(store, make, label):
    nodes = [build(make, label, n) for n in range(7)]
    for node in reversed(nodes):
        label.create(store, node)

    first = label.list(store, limit=3)
    assert first.items == nodes[0:3]
    assert first.next_after == nodes[2].id
    second = label.list(store, limit=3, after=first.next_after)
    assert second.items == nodes[3:6]
    assert second.next_after == nodes[5].id
    last = label.list(store, limit=3, after=second.next_after)
    assert last.items == nodes[6:]
    assert last.next_after is None


def test_a_page_that_ends_exactly_at_the_last_node_is_the_last_page(store, make, label):
    """Resolves "next_after is None on the last page" strictly: no empty page after a full one."""
    nodes = [build(make, label, n) for n in range(4)]
    _bulk(store, label, nodes)
    first = label.list(store, limit=2)
    assert first.next_after == nodes[1].id
    last = label.list(store, limit=2, after=first.next_after)
    assert last.items == nodes[2:]
    assert last.next_after is None
    assert label.list(store, limit=10) == Page(items=nodes, next_after=None)


def test_listing_an_empty_store_gives_an_empty_last_page(store, label):
    assert label.list(store) == Page(items=[], next_after=None)


def test_listing_after_the_last_id_gives_an_empty_last_page(store, make, label):
    nodes = [build(make, label, n) for n in range(2)]
    _bulk(store, label, nodes)
    assert label.list(store, after=nodes[-1].id) == Page(items=[], next_after=None)


@pytest.mark.parametrize("asked", [0, -5])
def test_a_page_holds_at_least_one_node(store, make, label, asked):
    nodes = [build(make, label, n) for n in range(3)]
    _bulk(store, label, nodes)
    page = label.list(store, limit=asked)
    assert page.items == nodes[:1]
    assert page.next_after == nodes[0].id


def test_a_page_holds_at_most_max_page_nodes(store, make, label):
    nodes = [build(make, label, n) for n in range(MAX_PAGE + 1)]
    _bulk(store, label, nodes)
    page = label.list(store, limit=10_000)
    assert len(page.items) == MAX_PAGE
    assert page.items == nodes[:MAX_PAGE]
    assert page.next_after == nodes[MAX_PAGE - 1].id
    assert label.list(store, limit=10_000, after=page.next_after) == Page(items=nodes[MAX_PAGE:], next_after=None)


# -- organisation- and assessor-specific rules ----------------------------------


def test_assessors_can_be_listed_by_organisation(store, make):
    north, south = make.org(1), make.org(2)
    store.create_organisation(north)
    store.create_organisation(south)
    assessors = [make.assessor(n) for n in range(7)]
    for a in assessors:
        store.create_assessor(a)
    northerners = [a for n, a in enumerate(assessors) if n % 2 == 0]  # 0, 2, 4, 6
    for n, a in enumerate(assessors[:6]):  # 6 has no employer
        store.set_employer(a.id, north.id if n % 2 == 0 else south.id)
    store.set_employer(assessors[6].id, north.id)

    first = store.list_assessors(limit=3, organisation_id=north.id)
    assert first.items == northerners[:3]
    assert first.next_after == northerners[2].id
    rest = store.list_assessors(limit=3, after=first.next_after, organisation_id=north.id)
    assert rest == Page(items=northerners[3:], next_after=None)
    assert store.list_assessors(organisation_id=south.id).items == [assessors[1], assessors[3], assessors[5]]
    assert store.list_assessors().items == assessors


def test_an_organisation_cannot_be_deleted_while_assessors_work_for_it(store, make):
    org, a = make.org(), make.assessor()
    store.create_organisation(org)
    store.create_assessor(a)
    store.set_employer(a.id, org.id)
    with pytest.raises(Conflict):
        store.delete_organisation(org.id)
    assert store.get_organisation(org.id) == org
    assert store.get_employment(a.id).organisation_id == org.id

    store.clear_employer(a.id)
    store.delete_organisation(org.id)
    with pytest.raises(NotFound):
        store.get_organisation(org.id)
    assert store.get_assessor(a.id) == a


def test_assessor_fields_round_trip_exactly(store, make):
    full = make.assessor(
        1,
        name="Zoë O'Brien-Ngũgĩ",
        email="zoe@example.org",
        region="yorkshire_humber",
        experience_years=17,
        discoverable=True,
        paused=True,
        active=False,
        capacity=3,
        availability=("sun-eve", "mon-am", "wed-pm", "tue-pm"),
        bio='Practice educator — "naïve" questions welcome 🌱\nSecond line; 日本語 too.',
    )
    bare = make.assessor(2, name="Sam")
    assert full.availability == ("mon-am", "tue-pm", "wed-pm", "sun-eve")
    for a in (full, bare):
        store.create_assessor(a)
        got = store.get_assessor(a.id)
        assert got == a
        assert got.email == a.email and got.region == a.region  # None stays None
        assert type(got.discoverable) is bool and type(got.paused) is bool and type(got.active) is bool
        assert isinstance(got.availability, tuple)
    assert store.list_assessors().items == [full, bare]
    assert store.export_bundle().assessors == [full, bare]


def test_update_can_clear_optional_assessor_fields(store, make):
    a = make.assessor(email="kim@example.org", region="london", bio="Hello", availability=("mon-am",))
    store.create_assessor(a)
    cleared = replace(a, email=None, region=None, bio="", availability=())
    store.update_assessor(cleared)
    assert store.get_assessor(a.id) == cleared


def test_update_assessor_keeps_their_ties(store, make):
    org, theme, a, b = make.org(), make.theme(), make.assessor(1), make.assessor(2)
    store.create_organisation(org)
    store.create_theme(theme)
    store.create_assessor(a)
    store.create_assessor(b)
    store.set_employer(a.id, org.id)
    store.set_theme(a.id, theme.id, "exploring")
    store.request_contact(a.id, b.id)

    store.update_assessor(a.with_changes(name="New name", discoverable=True))

    assert store.get_assessor(a.id).name == "New name"
    assert store.get_employment(a.id).organisation_id == org.id
    assert [link.theme_id for link in store.theme_links(a.id)] == [theme.id]
    assert [(c.from_id, c.to_id) for c in store.contacts_of(a.id)] == [(a.id, b.id)]


def test_ping_answers(store):
    assert store.ping() is None
