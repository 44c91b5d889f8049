"""Contract: suggestion candidates and their graph features, contact requests from a suggestion and contact cards (both stores).

Every pool a store returns must equal the in-memory reference
(:meth:`network.suggestions.Snapshot.pool`) on the same data, so the two stores cannot drift;
one test also loads the same network into both and compares their suggestions directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.embedded.store import EmbeddedStore
from graph.port import Conflict, GraphStore, Invalid, NotFound
from graph.port_sets import NewSet
from graph.port_suggestions import ContactCard
from network import demo
from network.bundle import Bundle
from network.domain import ActionLearningSet, Assessor, Contact, Employment, Programme, ThemeLink, today
from network.suggestions import COMMON_SLOT_MODES, Limits, SetMembership, Snapshot, Suggestions, rank, suggest
from tests.strategies import bundles


def suggestions(store: GraphStore, assessor_id: str, common_slot: str = "preferred", limit: int = 10) -> Suggestions:
    """What the service does: the store's pool, ranked with the reach area's isolation."""
    return suggest(store.suggestion_pool(assessor_id, common_slot=common_slot), store.isolation, limit=limit)


def reference(store: GraphStore, memberships: list[SetMembership]) -> Snapshot:
    """The whole stored network in memory (declines read back from the store)."""
    bundle = store.export_bundle()
    declines = {(d.by_id, d.other_id) for a in bundle.assessors for d in store.declines_of(a.id)}
    return Snapshot.build(bundle, sorted(declines), memberships)


def add_set(store: GraphStore, make, n: int, members: list[str], status: str = "active") -> str:
    """A set of its own programme with ``members`` (joined 2024-01-01)."""
    programme = store.create_programme(Programme(id=make.id("prog", n), name=f"Programme {n}"))
    for m in members:
        store.enrol(programme.id, m)
    s = ActionLearningSet(id=make.id("set", n), name=f"Set {n}", programme_id=programme.id, status="active")
    store.commit_sets(programme.id, [NewSet(set=s, member_ids=tuple(members))], joined=date(2024, 1, 1))
    if status == "closed":
        store.set_set_status(s.id, "closed", on=date(2024, 6, 1))
    return s.id


@dataclass
class Net:
    """The hand-made network: ids by first name, and the set memberships the reference needs."""

    ids: dict[str, str]
    orgs: dict[str, str]
    memberships: list[SetMembership]

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


PEOPLE = {
    # name: (organisation, themes {theme: level}, slots, region, changes)
    "ada": ("o1", {"rare": "exploring", "common": "experienced"}, ("tue-pm", "wed-am"), "london", {"capacity": 2}),
    "ben": ("o1", {"rare": "experienced"}, ("tue-pm",), "london", {}),
    "cara": ("o2", {"rare": "experienced", "other": "experienced"}, ("tue-pm", "wed-am"), "north_east", {}),
    "dev": ("o3", {"common": "experienced"}, ("wed-am",), "london", {}),
    "eve": ("o4", {"rare": "experienced"}, ("tue-pm",), None, {"discoverable": False}),
    "fay": ("o4", {"rare": "experienced"}, ("tue-pm",), None, {"paused": True}),
    "gus": ("o5", {"rare": "experienced"}, ("tue-pm",), None, {"active": False}),
    "hal": ("o2", {"rare": "experienced"}, (), None, {}),
    "ivy": ("o3", {"rare": "experienced"}, (), None, {}),
    "jo": ("o5", {"rare": "experienced"}, (), None, {}),
    "kim": ("o5", {"rare": "experienced"}, (), None, {}),
    "lee": ("o3", {"rare": "experienced"}, (), None, {"capacity": 2}),
    "max": ("o2", {"rare": "exploring"}, ("mon-am",), "north_west", {}),
    "ned": (None, {"rare": "exploring"}, (), None, {}),
    "oli": ("o3", {"common": "exploring"}, (), None, {}),
    "pat": ("o4", {"common": "exploring"}, ("wed-am",), None, {}),
}


@pytest.fixture
def net(store: GraphStore, make) -> Net:
    """Ada (o1) seeks. Ben: her colleague. Cara (o2): Ada's two slots, and the theme Ada explores, experienced in it.

    Dev (o3): the common theme and Wednesday mornings. Eve, Fay, Gus: not discoverable, paused,
    inactive. Hal: Ada asked him; Ivy asked Ada; Ada turned Jo down; Kim turned Ada down. Lee:
    Ada's current set-mate; Max: a former set-mate. Ned works for nobody. Oli: Ada's accepted
    contact (o3 is reached); Pat: Oli's contact, so a peer of a peer. 20 more hold the common theme.
    """
    orgs = {f"o{i}": make.org(i, region="london") for i in range(1, 6)}
    theme_names = [("rare", "Court skills"), ("common", "ASYE"), ("other", "Dementia")]
    themes = {t: make.theme(i, name=name) for i, (t, name) in enumerate(theme_names)}
    ids = {name: make.id("a", n) for n, name in enumerate(PEOPLE)}
    bundle = Bundle(organisations=list(orgs.values()), themes=list(themes.values()))
    for name, (org, links, slots, region, changes) in PEOPLE.items():
        fields = {"discoverable": True, "availability": slots, "region": region} | changes
        bundle.assessors.append(Assessor(id=ids[name], name=name.title(), **fields))
        if org:
            bundle.employments.append(Employment(ids[name], orgs[org].id))
        bundle.theme_links.extend(ThemeLink(ids[name], themes[t].id, level) for t, level in links.items())
    for n in range(20):
        filler = make.id("f", n)
        bundle.assessors.append(Assessor(id=filler, name=f"Filler {n}", discoverable=True, availability=("fri-am",)))
        bundle.employments.append(Employment(filler, orgs["o5"].id))
        bundle.theme_links.append(ThemeLink(filler, themes["common"].id, "experienced"))
    bundle.contacts.extend(
        [
            Contact(ids["ada"], ids["hal"], "requested"),
            Contact(ids["ivy"], ids["ada"], "requested"),
            Contact(ids["ada"], ids["oli"], "accepted", since=date(2024, 2, 1)),
            Contact(ids["oli"], ids["pat"], "accepted", since=date(2024, 2, 1)),
        ]
    )
    store.bulk_upsert(bundle)
    store.decline_suggestion(ids["ada"], ids["jo"], on=date(2024, 3, 1))
    store.decline_suggestion(ids["kim"], ids["ada"], on=date(2024, 3, 1))
    current = add_set(store, make, 1, [ids["ada"], ids["lee"]])
    closed = add_set(store, make, 2, [ids["max"], ids["lee"]], status="closed")
    memberships = [SetMembership(current, "active", ids["ada"]), SetMembership(current, "active", ids["lee"])]
    memberships += [SetMembership(closed, "closed", ids["max"], left=True), SetMembership(closed, "closed", ids["lee"], left=True)]
    # Ada and Max were in a set together too, which has closed.
    third = add_set(store, make, 3, [ids["ada"], ids["max"]], status="closed")
    memberships += [SetMembership(third, "closed", ids["ada"], left=True), SetMembership(third, "closed", ids["max"], left=True)]
    return Net(ids=ids, orgs={k: o.id for k, o in orgs.items()}, memberships=memberships)


def names(net: Net, result: Suggestions) -> list[str]:
    back = {v: k for k, v in net.ids.items()}
    return [back.get(s.assessor_id, s.assessor_id) for s in result.items]


# -- candidates and features --------------------------------------------------------------------


@pytest.mark.parametrize("common_slot", COMMON_SLOT_MODES)
def test_every_pool_equals_the_reference(store, net, common_slot):
    snap = reference(store, net.memberships)
    for assessor_id in sorted(snap.assessors):
        assert store.suggestion_pool(assessor_id, common_slot=common_slot) == snap.pool(assessor_id, common_slot=common_slot)
        assert suggestions(store, assessor_id, common_slot) == suggest(snap.pool(assessor_id, common_slot=common_slot), snap.isolation)


def test_who_is_suggested_to_ada_and_why(store, net):
    result = suggestions(store, net["ada"], limit=50)
    got = names(net, result)
    assert got[0] == "cara"
    # Never: herself, her colleague, the unfindable, contacts either way, declines either way, a current set-mate.
    assert not {"ada", "ben", "eve", "fay", "gus", "hal", "ivy", "jo", "kim", "lee", "oli"} & set(got)
    assert {"cara", "dev", "max", "ned", "pat"} <= set(got)
    cara = result.items[0]
    assert cara.reasons[:2] == ("Both free Tuesday afternoons and Wednesday mornings", "You both work on Court skills")
    assert "They are experienced in Court skills, which you are exploring" in cara.reasons
    assert "Their organisation is new to your network" in cara.reasons
    by_name = {n: s for n, s in zip(got, result.items, strict=True)}
    # Max shared a closed set with Ada, and Lee (Ada's set-mate now, Max's before) is a peer of both.
    assert "You were in an action learning set together and you have 1 peer in common" in by_name["max"].reasons
    assert by_name["pat"].mutual_peers == 1 and "You have 1 peer in common" in by_name["pat"].reasons
    assert "Their organisation is new to your network" not in by_name["dev"].reasons  # o3 is reached through Oli
    assert "Also in your region (London)" in by_name["dev"].reasons


def test_the_pool_reports_the_seeker_as_the_store_sees_them(store, net):
    pool = store.suggestion_pool(net["ada"])
    seeker = pool.seeker
    assert seeker.organisation_id == net.orgs["o1"]
    assert seeker.reached_organisations == (net.orgs["o3"],)  # Oli (a contact) and Lee (a current set-mate) work there
    assert {t.name: t.holders for t in seeker.themes} == {"Court skills": 13, "ASYE": 24}
    assert set(seeker.excluded) == {net[n] for n in ("hal", "ivy", "jo", "kim", "lee", "oli")}
    assert pool.network_size == 36
    assert [c.id for c in pool.candidates] == sorted(c.id for c in pool.candidates)


def test_a_paused_or_inactive_seeker_gets_an_empty_pool(store, net):
    for changes in ({"paused": True}, {"active": False}):
        ada = store.get_assessor(net["ada"])
        store.update_assessor(ada.with_changes(**changes))
        result = suggestions(store, net["ada"])
        assert result.items == () and result.notices
        store.update_assessor(ada)


def test_stopping_being_discoverable_takes_effect_at_once(store, net):
    assert names(net, suggestions(store, net["ada"]))[0] == "cara"
    cara = store.get_assessor(net["cara"])
    store.update_assessor(cara.with_changes(discoverable=False))
    assert "cara" not in names(net, suggestions(store, net["ada"], limit=50))
    store.update_assessor(cara.with_changes(paused=True))
    assert "cara" not in names(net, suggestions(store, net["ada"], limit=50))


def test_a_dated_pause_hides_through_its_last_day_and_lifts_itself(store, net):
    """Paused through today: hidden both ways. A pause that ended yesterday: suggested again, with nobody acting."""
    cara = store.get_assessor(net["cara"])
    store.update_assessor(cara.with_changes(paused=True, paused_until=today()))
    assert store.get_assessor(net["cara"]).paused_until == today()
    assert "cara" not in names(net, suggestions(store, net["ada"], limit=50))
    assert suggestions(store, net["cara"]).items == ()
    store.update_assessor(cara.with_changes(paused=True, paused_until=today() - timedelta(days=1)))
    assert names(net, suggestions(store, net["ada"]))[0] == "cara"
    assert suggestions(store, net["cara"]).items != ()
    store.update_assessor(cara.with_changes(paused=True, paused_until=today() + timedelta(days=30)))
    with pytest.raises(NotFound):  # a request to someone whose pause runs on is refused as if they were not there
        store.request_peer_contact(net["ada"], net["cara"])


def test_a_common_slot_can_be_required(store, net):
    got = names(net, suggestions(store, net["ada"], "required", limit=50))
    assert "cara" in got and "dev" in got and "pat" in got
    assert not {"max", "ned"} & set(got)  # no common slot with Ada


def test_declining_a_suggestion_removes_it_for_good(store, net):
    store.decline_suggestion(net["ada"], net["cara"])
    assert "cara" not in names(net, suggestions(store, net["ada"], limit=50))
    assert "ada" not in names(net, suggestions(store, net["cara"], limit=50))


def test_unknown_assessor_and_bad_mode(store, net, make):
    with pytest.raises(NotFound):
        store.suggestion_pool(make.id("a", 999))
    with pytest.raises(Invalid):
        store.suggestion_pool(net["ada"], common_slot="sometimes")


def test_an_empty_store_and_a_lonely_assessor(store, make):
    store.create_assessor(make.assessor(1))
    pool = store.suggestion_pool(make.id("a", 1))
    assert pool.candidates == () and pool.network_size == 1
    assert rank(pool).notices


# -- a planted best peer, among a generated network ---------------------------------------------


def test_a_planted_best_peer_ranks_first(store, make):
    net = demo.generate(assessors=400, organisations=40, seed=11)
    b = net.bundle
    seeker, planted = make.id("seeker"), make.id("planted")
    rare = sorted(b.themes, key=lambda t: sum(1 for link in b.theme_links if link.theme_id == t.id))[:3]
    b.organisations.extend([make.org(1, name="Seeker's Org"), make.org(2, name="Planted Org")])
    slots = ("tue-pm", "thu-am", "wed-pm")
    b.assessors.append(Assessor(id=seeker, name="Seeker", discoverable=True, availability=slots, region="london"))
    b.assessors.append(Assessor(id=planted, name="Planted", discoverable=True, availability=slots, region="london"))
    b.employments.extend([Employment(seeker, make.id("org", 1)), Employment(planted, make.id("org", 2))])
    for t in rare:
        b.theme_links.extend([ThemeLink(seeker, t.id, "exploring"), ThemeLink(planted, t.id, "experienced")])
    store.bulk_upsert(b)
    result = suggestions(store, seeker)
    assert result.items[0].assessor_id == planted
    assert len(result.items[0].shared_themes) == 3
    assert len({s.organisation_id for s in result.items}) >= 5  # diverse: not one or two organisations


# -- the same suggestions from both stores -------------------------------------------------------


def test_demo_network_pools_and_suggestions_equal_the_reference(store):
    net = demo.generate(assessors=300, organisations=30, seed=5)
    store.bulk_upsert(net.bundle)
    snap = Snapshot.build(net.bundle)
    for a in net.bundle.assessors:
        pool = store.suggestion_pool(a.id)
        assert pool == snap.pool(a.id)
        assert suggest(pool, store.isolation) == suggest(snap.pool(a.id), snap.isolation)


@pytest.mark.neo4j
def test_both_stores_give_the_same_suggestions(neo4j_store, tmp_path: Path):
    """The same generated network in each store: equal pools and equal suggestions for every assessor."""
    net = demo.generate(assessors=300, organisations=30, seed=8)
    neo4j_store._wipe()
    neo4j_store.bulk_upsert(net.bundle)
    with EmbeddedStore(tmp_path / "same.sqlite3") as embedded:
        embedded.bulk_upsert(net.bundle)
        for a in net.bundle.assessors:
            for mode in COMMON_SLOT_MODES:
                assert embedded.suggestion_pool(a.id, common_slot=mode) == neo4j_store.suggestion_pool(a.id, common_slot=mode)
            assert suggestions(embedded, a.id) == suggestions(neo4j_store, a.id)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(bundle=bundles(), mode=st.sampled_from(COMMON_SLOT_MODES))
def test_random_networks_match_the_reference(store, bundle, mode):
    store._wipe()
    store.bulk_upsert(bundle)
    snap = Snapshot.build(bundle)
    tight = Limits(expansion_budget=2, theme_pool=2, proximity_pool=1)
    for a in bundle.assessors:
        assert store.suggestion_pool(a.id, common_slot=mode) == snap.pool(a.id, common_slot=mode)
        assert store.suggestion_pool(a.id, common_slot=mode, limits=tight) == snap.pool(a.id, common_slot=mode, limits=tight)


# -- contact requests from a suggestion, and contact cards ---------------------------------------


def test_request_from_a_suggestion(store, net):
    contact = store.request_peer_contact(net["ada"], net["cara"], via="suggestion", on=date(2025, 1, 2))
    assert contact == Contact(net["ada"], net["cara"], "requested", date(2025, 1, 2), "suggestion")
    assert Contact(net["ada"], net["cara"], "requested", date(2025, 1, 2), "suggestion") in store.contacts_of(net["cara"])
    assert "cara" not in names(net, suggestions(store, net["ada"], limit=50))


@pytest.mark.parametrize(
    ("to", "error"),
    [
        ("ada", Invalid),  # oneself
        ("ben", Invalid),  # a colleague
        ("eve", NotFound),  # not discoverable
        ("fay", NotFound),  # paused
        ("gus", NotFound),  # inactive
        ("hal", Conflict),  # already asked
        ("ivy", Conflict),  # asked Ada already
        ("oli", Conflict),  # already connected
        ("jo", Conflict),  # Ada turned Jo down
        ("kim", Conflict),  # Kim turned Ada down
    ],
)
def test_refused_requests_write_nothing(store, net, to, error):
    before = store.contacts_of(net["ada"])
    with pytest.raises(error):
        store.request_peer_contact(net["ada"], net[to])
    assert store.contacts_of(net["ada"]) == before


def test_requests_naming_unknown_people(store, net, make):
    with pytest.raises(NotFound):
        store.request_peer_contact(net["ada"], make.id("a", 999))
    with pytest.raises(NotFound):
        store.request_peer_contact(make.id("a", 999), net["cara"])


def test_someone_without_an_employer_may_ask_anyone(store, net):
    assert store.request_peer_contact(net["ned"], net["cara"]).status == "requested"


def test_contact_cards(store, net):
    store.request_peer_contact(net["ada"], net["cara"], on=date(2025, 1, 2))
    o1, o2, o3 = net.orgs["o1"], net.orgs["o2"], net.orgs["o3"]
    org_names = {o.id: o.name for o in store.list_organisations().items}
    cards = store.contact_cards(net["ada"])
    assert [(c.other_name, c.status, c.direction) for c in cards] == [
        ("Oli", "accepted", "outgoing"),
        ("Cara", "requested", "outgoing"),
        ("Hal", "requested", "outgoing"),
        ("Ivy", "requested", "incoming"),
    ]
    assert cards[1] == ContactCard(net["cara"], "Cara", o2, org_names[o2], "requested", "outgoing", date(2025, 1, 2), None)
    assert [c.other_name for c in store.contact_cards(net["ada"], status="requested", direction="incoming")] == ["Ivy"]
    assert [c.other_name for c in store.contact_cards(net["ada"], status="accepted")] == ["Oli"]
    assert store.contact_cards(net["oli"], direction="incoming")[0].other_organisation_id == o1
    assert {c.other_organisation_id for c in store.contact_cards(net["pat"])} == {o3}
    with pytest.raises(Invalid):
        store.contact_cards(net["ada"], status="maybe")
    with pytest.raises(Invalid):
        store.contact_cards(net["ada"], direction="sideways")


def test_contact_cards_of_an_unknown_assessor(store, make):
    with pytest.raises(NotFound):
        store.contact_cards(make.id("a", 999))


def test_embedded_file_is_reused(tmp_path):  # the area's schema is idempotent
    path = tmp_path / "twice.sqlite3"
    EmbeddedStore(path).close()
    with EmbeddedStore(path) as again:
        assert again.counts()["assessors"] == 0
    assert os.path.exists(path)
