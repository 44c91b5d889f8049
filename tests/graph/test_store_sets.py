"""Contract: programmes, enrolment, sets, memberships (joined/left), pools, vacancy candidates and proposals, on both stores."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest

from graph.port import Conflict, GraphStore, Invalid, NotFound
from graph.port_sets import Enrolment, Membership, NewSet, PoolTie, ProposalRecord
from network.domain import ActionLearningSet, Assessor, Organisation, Programme, Theme

JOINED = date(2026, 1, 5)


@dataclass
class World:
    """Three organisations of different kinds, two themes, nine assessors (three per organisation) and one programme."""

    orgs: list[Organisation]
    themes: list[Theme]
    people: list[Assessor]
    programme: Programme

    def ids(self, *ns: int) -> tuple[str, ...]:
        return tuple(self.people[n].id for n in ns)


@pytest.fixture
def world(store: GraphStore, make) -> World:
    kinds = ("local_authority", "nhs_trust", "voluntary")
    orgs = [make.org(n, kind=kinds[n]) for n in range(3)]
    themes = [make.theme(n) for n in range(2)]
    people = [make.assessor(n, availability=("tue-pm", "thu-am") if n % 2 == 0 else ("tue-pm",), experience_years=n) for n in range(9)]
    for o in orgs:
        store.create_organisation(o)
    for t in themes:
        store.create_theme(t)
    for n, a in enumerate(people):
        store.create_assessor(a)
        store.set_employer(a.id, orgs[n % 3].id)
        store.set_theme(a.id, themes[n % 2].id, "experienced" if n < 4 else "exploring")
    programme = store.create_programme(Programme(id=make.id("prog"), name="North East 2026", region="north_east"))
    for a in people:
        store.enrol(programme.id, a.id, on=date(2025, 12, 1))
    return World(orgs, themes, people, programme)


def a_set(world: World, make, n: int = 0, **changes) -> ActionLearningSet:
    fields = {"id": make.id("set", n), "name": f"Set {n + 1}", "programme_id": world.programme.id, "status": "active"}
    fields |= {"meeting_slot": "tue-pm", "starts_on": date(2026, 1, 13)}
    return ActionLearningSet(**(fields | changes))


def commit(store: GraphStore, world: World, make, groups: list[tuple[int, ...]], **kwargs):
    sets = [NewSet(a_set(world, make, n, theme_ids=(world.themes[0].id,)), world.ids(*g)) for n, g in enumerate(groups)]
    return store.commit_sets(world.programme.id, sets, JOINED, **kwargs)


# -- programmes -----------------------------------------------------------------------


def test_programme_create_get_update_list(store, make):
    p = Programme(id=make.id("prog", 1), name="Pilot", region="london", set_size_min=3, set_size_max=5, set_size_target=4)
    assert store.create_programme(p) == p
    assert store.get_programme(p.id) == p
    changed = replace(p, status="open", cadence="fortnightly", meetings=8, max_per_organisation=2, require_common_slot=False)
    changed = replace(changed, starts_on=date(2026, 2, 2), weights={"themes": 5.5, "ties": 3}, region_mode="close")
    assert store.update_programme(changed) == changed
    assert store.get_programme(p.id) == changed
    others = [store.create_programme(Programme(id=make.id("prog", n), name=f"P{n}")) for n in (2, 3)]
    first = store.list_programmes(limit=2)
    assert [x.id for x in first.items] == [p.id, others[0].id]
    second = store.list_programmes(limit=2, after=first.next_after)
    assert second.items == [others[1]] and second.next_after is None


def test_programme_errors(store, make):
    p = store.create_programme(Programme(id=make.id("prog"), name="Pilot"))
    with pytest.raises(Conflict):
        store.create_programme(p)
    with pytest.raises(NotFound):
        store.get_programme(make.id("prog", 9))
    with pytest.raises(NotFound):
        store.update_programme(Programme(id=make.id("prog", 9), name="Ghost"))


# -- enrolment ------------------------------------------------------------------------


def test_enrolment_pool(store, world, make):
    prog = world.programme
    assert [e.assessor_id for e in store.enrolments(prog.id)] == [a.id for a in world.people]
    assert store.enrolments(prog.id)[0] == Enrolment(world.people[0].id, prog.id, date(2025, 12, 1))
    other = store.create_programme(Programme(id=make.id("prog", 2), name="Other"))
    store.enrol(other.id, world.people[0].id)
    assert [e.programme_id for e in store.enrolments_of(world.people[0].id)] == sorted([prog.id, other.id])
    store.unenrol(prog.id, world.people[0].id)
    assert world.people[0].id not in {e.assessor_id for e in store.enrolments(prog.id)}
    assert store.enrolments(other.id)[0].enrolled_on == date.today()


def test_enrolment_errors(store, world, make):
    prog, a = world.programme, world.people[0]
    with pytest.raises(Conflict):
        store.enrol(prog.id, a.id)
    with pytest.raises(NotFound):
        store.enrol(make.id("prog", 9), a.id)
    with pytest.raises(NotFound):
        store.enrol(prog.id, make.id("a", 99))
    with pytest.raises(NotFound):
        store.enrolments(make.id("prog", 9))
    with pytest.raises(NotFound):
        store.enrolments_of(make.id("a", 99))
    store.unenrol(prog.id, a.id)
    with pytest.raises(NotFound):
        store.unenrol(prog.id, a.id)


# -- commit ---------------------------------------------------------------------------


def test_commit_creates_sets_memberships_and_themes(store, world, make):
    records = commit(store, world, make, [(0, 1, 2, 3), (4, 5, 6, 7)])
    assert [r.id for r in records] == [make.id("set", 0), make.id("set", 1)]
    first = store.get_set(make.id("set", 0))
    assert first == records[0]
    assert first.set.theme_ids == (world.themes[0].id,)
    assert first.set.programme_id == world.programme.id and first.set.meeting_slot == "tue-pm" and first.set.status == "active"
    assert first.set.starts_on == date(2026, 1, 13) and first.set.cadence == "monthly"
    assert first.current_member_ids == world.ids(0, 1, 2, 3)
    assert all(m == Membership(first.id, m.assessor_id, JOINED, None, "member") for m in first.members)
    assert [r.id for r in store.sets_of_programme(world.programme.id)] == [r.id for r in records]
    assert [r.id for r in store.sets_of_assessor(world.people[5].id)] == [make.id("set", 1)]
    assert store.active_set_counts([*world.ids(0, 4, 8), make.id("a", 99)]) == {
        world.people[0].id: 1,
        world.people[4].id: 1,
        world.people[8].id: 0,
        make.id("a", 99): 0,
    }


def nothing_written(store: GraphStore, world: World) -> bool:
    return store.sets_of_programme(world.programme.id) == [] and all(n == 0 for n in store.active_set_counts(world.ids(*range(9))).values())


def test_commit_refuses_someone_no_longer_enrolled(store, world, make):
    store.unenrol(world.programme.id, world.people[2].id)
    with pytest.raises(Conflict, match=f"{world.people[2].id} is no longer enrolled"):
        commit(store, world, make, [(0, 1, 2, 3), (4, 5, 6, 7)])
    assert nothing_written(store, world)


def test_commit_refuses_someone_at_capacity(store, world, make):
    other = store.create_programme(Programme(id=make.id("prog", 2), name="Other"))
    store.enrol(other.id, world.people[1].id)
    store.commit_sets(other.id, [NewSet(a_set(world, make, 9, programme_id=other.id), world.ids(1))], JOINED)
    with pytest.raises(Conflict, match=f"{world.people[1].id} is at capacity \\(1 of 1 active sets\\)"):
        commit(store, world, make, [(0, 1, 2, 3)])
    assert store.sets_of_programme(world.programme.id) == []
    # Closing the other set frees the place.
    store.set_set_status(make.id("set", 9), "closed")
    assert store.active_set_counts(world.ids(1)) == {world.people[1].id: 0}
    commit(store, world, make, [(0, 1, 2, 3)])


def test_commit_refuses_double_booking_within_a_programme(store, world, make):
    for n in (0, 1, 2, 3):
        store.update_assessor(world.people[n].with_changes(capacity=3))
    commit(store, world, make, [(0, 1, 2, 3)])
    sets = [NewSet(a_set(world, make, 5), world.ids(3, 4, 5, 6))]
    with pytest.raises(Conflict, match=f"{world.people[3].id} is already in another set of this programme"):
        store.commit_sets(world.programme.id, sets, JOINED)
    assert len(store.sets_of_programme(world.programme.id)) == 1


def test_commit_refuses_bad_input_and_writes_nothing(store, world, make):
    with pytest.raises(Invalid, match="more than one set"):
        commit(store, world, make, [(0, 1, 2), (2, 3, 4)])
    with pytest.raises(NotFound):
        bad = [NewSet(a_set(world, make, 0, theme_ids=(make.id("theme", 9),)), world.ids(0, 1, 2))]
        store.commit_sets(world.programme.id, bad, JOINED)
    with pytest.raises(NotFound):
        store.commit_sets(world.programme.id, [NewSet(a_set(world, make, 0), (make.id("a", 99),))], JOINED)
    with pytest.raises(NotFound):
        store.commit_sets(make.id("prog", 9), [NewSet(a_set(world, make, 0, programme_id=make.id("prog", 9)), world.ids(0))], JOINED)
    with pytest.raises(Invalid):
        store.commit_sets(world.programme.id, [NewSet(a_set(world, make, 0, programme_id=None), world.ids(0))], JOINED)
    assert nothing_written(store, world)
    commit(store, world, make, [(0, 1, 2)])
    with pytest.raises(Conflict):  # set id taken
        store.commit_sets(world.programme.id, [NewSet(a_set(world, make, 0), world.ids(4, 5))], JOINED)
    assert store.active_set_counts(world.ids(4, 5)) == {world.people[4].id: 0, world.people[5].id: 0}


def test_commit_marks_the_proposal_committed_once(store, world, make):
    proposal = store.save_proposal(ProposalRecord(id=make.id("prop"), programme_id=world.programme.id, payload="{}", created_by="u-1"))
    with pytest.raises(Conflict, match="changed meanwhile"):
        commit(store, world, make, [(0, 1, 2)], proposal_id=proposal.id, proposal_version=7)
    records = commit(store, world, make, [(0, 1, 2)], proposal_id=proposal.id, proposal_version=1)
    stored = store.get_proposal(proposal.id)
    assert stored.status == "committed" and stored.committed_set_ids == (records[0].id,) and stored.version == 2
    with pytest.raises(Conflict, match="already committed"):
        store.commit_sets(world.programme.id, [NewSet(a_set(world, make, 4), world.ids(4, 5))], JOINED, proposal_id=proposal.id)
    with pytest.raises(Conflict, match="already committed"):
        store.update_proposal(proposal.id, "{}", stored.version)


# -- memberships ----------------------------------------------------------------------


def test_end_membership_keeps_history_and_frees_capacity(store, world, make):
    commit(store, world, make, [(0, 1, 2, 3)])
    set_id, leaver = make.id("set", 0), world.people[1].id
    ended = store.end_membership(set_id, leaver, date(2026, 3, 1))
    assert ended == Membership(set_id, leaver, JOINED, date(2026, 3, 1))
    record = store.get_set(set_id)
    assert record.current_member_ids == world.ids(0, 2, 3) and record.former_member_ids == (leaver,)
    assert [m.assessor_id for m in store.members_of(set_id, current_only=True)] == list(world.ids(0, 2, 3))
    assert len(store.members_of(set_id)) == 4
    assert store.active_set_counts([leaver]) == {leaver: 0}
    assert store.sets_of_assessor(leaver) == []
    assert [r.id for r in store.sets_of_assessor(leaver, current_only=False)] == [set_id]
    with pytest.raises(NotFound):
        store.end_membership(set_id, leaver, date(2026, 3, 2))  # already left
    with pytest.raises(NotFound):
        store.end_membership(set_id, world.people[8].id, date(2026, 3, 2))  # never a member
    with pytest.raises(Invalid):
        store.end_membership(set_id, world.people[0].id, date(2025, 1, 1))  # before joining


def test_add_member_fills_a_vacancy(store, world, make):
    commit(store, world, make, [(0, 1, 2, 3)])
    set_id = make.id("set", 0)
    store.end_membership(set_id, world.people[1].id, date(2026, 3, 1))
    added = store.add_member(set_id, world.people[4].id, date(2026, 3, 8))
    assert added == Membership(set_id, world.people[4].id, date(2026, 3, 8))
    assert store.get_set(set_id).current_member_ids == (*world.ids(0, 2, 3), world.people[4].id)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("closed", "is closed"),
        ("member", "already a member"),
        ("former", "already a member"),
        ("capacity", "at capacity"),
        ("slot", "is not free Tuesday afternoons, when the set meets"),
        ("organisation", "already has 1 member from the same organisation"),
        ("full", "is full"),
        ("programme", "already in another set of this programme"),
        ("inactive", "not active"),
    ],
)
def test_add_member_refuses_what_breaks_a_rule(store, world, make, case, message):
    prog = world.programme
    store.update_programme(replace(prog, set_size_min=2, set_size_max=3, set_size_target=3))
    commit(store, world, make, [(0, 1), (2, 4, 6)])  # orgs: set 0 has org0, org1; set 1 is full (3)
    set_id, who = make.id("set", 0), world.people[5].id  # people[5] works for org2
    if case == "closed":
        store.set_set_status(set_id, "closed")
    elif case == "member":
        who = world.people[0].id
    elif case == "former":
        store.end_membership(set_id, world.people[1].id, date(2026, 2, 1))
        who = world.people[1].id
    elif case == "capacity":
        other = store.create_programme(Programme(id=make.id("prog", 2), name="Other"))
        store.enrol(other.id, who)
        store.commit_sets(other.id, [NewSet(a_set(world, make, 7, programme_id=other.id), (who,))], JOINED)
    elif case == "slot":
        store.update_assessor(world.people[5].with_changes(availability=("mon-am",)))
    elif case == "organisation":
        who = world.people[3].id  # org0, like people[0]
    elif case == "full":
        store.update_programme(replace(prog, set_size_min=2, set_size_max=3, set_size_target=3, max_per_organisation=2))
        set_id = make.id("set", 1)
    elif case == "programme":
        store.update_assessor(world.people[2].with_changes(capacity=2))
        who = world.people[2].id  # in set 1 of the same programme; org2 not yet in set 0
    elif case == "inactive":
        store.update_assessor(world.people[5].with_changes(active=False))
    before = store.get_set(set_id)
    with pytest.raises(Conflict, match=message):
        store.add_member(set_id, who, date(2026, 3, 8))
    assert store.get_set(set_id) == before


def test_add_member_missing_things(store, world, make):
    commit(store, world, make, [(0, 1)])
    with pytest.raises(NotFound):
        store.add_member(make.id("set", 9), world.people[2].id, JOINED)
    with pytest.raises(NotFound):
        store.add_member(make.id("set", 0), make.id("a", 99), JOINED)
    with pytest.raises(Invalid):
        store.add_member(make.id("set", 0), world.people[2].id, JOINED, role="boss")


def test_set_status(store, world, make):
    commit(store, world, make, [(0, 1, 2)])
    store.end_membership(make.id("set", 0), world.people[2].id, date(2026, 2, 1))
    assert store.set_set_status(make.id("set", 0), "closed", on=date(2026, 6, 30)).status == "closed"
    closed = store.get_set(make.id("set", 0))
    assert closed.set.status == "closed"
    # Closing ends the current memberships that day; earlier leavers keep their date.
    assert [(m.assessor_id, m.left) for m in closed.members] == [
        (world.people[0].id, date(2026, 6, 30)),
        (world.people[1].id, date(2026, 6, 30)),
        (world.people[2].id, date(2026, 2, 1)),
    ]
    assert store.set_set_status(make.id("set", 0), "closed", on=date(2026, 7, 1)).status == "closed"
    assert store.get_set(make.id("set", 0)).members == closed.members
    with pytest.raises(Invalid):
        store.set_set_status(make.id("set", 0), "paused")
    with pytest.raises(NotFound):
        store.set_set_status(make.id("set", 9), "active")
    with pytest.raises(NotFound):
        store.get_set(make.id("set", 9))
    with pytest.raises(NotFound):
        store.members_of(make.id("set", 9))


def test_erasing_an_assessor_removes_their_memberships_and_enrolments(store, world, make):
    commit(store, world, make, [(0, 1, 2)])
    store.delete_assessor(world.people[1].id)
    assert store.get_set(make.id("set", 0)).current_member_ids == world.ids(0, 2)
    assert world.people[1].id not in {e.assessor_id for e in store.enrolments(world.programme.id)}


# -- pool -----------------------------------------------------------------------------


def test_load_pool_reads_members_and_ties(store, world, make):
    a, b, c, d = world.ids(0, 1, 2, 3)
    store.request_contact(a, b)
    store.accept_contact(a, b)
    store.request_contact(a, c)  # requested only: not a tie
    commit(store, world, make, [(2, 3, 4)])
    store.end_membership(make.id("set", 0), world.people[4].id, date(2026, 2, 1))
    pool = store.load_pool(world.programme.id)
    assert pool.programme == world.programme
    assert [m.assessor.id for m in pool.members] == [p.id for p in world.people]
    first = pool.members[0]
    assert first.assessor == world.people[0]
    assert (first.organisation_id, first.organisation_kind) == (world.orgs[0].id, "local_authority")
    assert first.themes == ((world.themes[0].id, "experienced"),)
    assert first.enrolled_on == date(2025, 12, 1)
    assert [m.active_sets for m in pool.members[:5]] == [0, 0, 1, 1, 0]
    assert pool.members[2].capacity_left == 0
    e = world.people[4].id
    assert pool.ties == (
        PoolTie(a, b, "contact"),
        PoolTie(c, d, "set_mate"),
        PoolTie(c, e, "former_set_mate"),
        PoolTie(d, e, "former_set_mate"),
    )


def test_describe_members_and_ties_among(store, world, make):
    a, b, c, d = world.ids(0, 1, 2, 3)
    store.request_contact(a, b)
    store.accept_contact(a, b)
    commit(store, world, make, [(1, 2, 3)])
    store.end_membership(make.id("set", 0), d, date(2026, 2, 1))
    described = store.describe_members([c, a, make.id("a", 99)])
    assert [m.assessor.id for m in described] == [a, c]
    assert described[1].organisation_id == world.orgs[2].id and described[1].active_sets == 1 and described[1].enrolled_on is None
    assert described[1].themes == ((world.themes[0].id, "experienced"),)
    assert store.ties_among([a, b, c, d]) == [
        PoolTie(a, b, "contact"),
        PoolTie(b, c, "set_mate"),
        PoolTie(b, d, "former_set_mate"),
        PoolTie(c, d, "former_set_mate"),
    ]
    assert store.ties_among([a, c]) == []
    assert store.describe_members([]) == [] and store.ties_among([]) == []


def test_closed_sets_make_former_set_mates(store, world, make):
    commit(store, world, make, [(0, 1)])
    store.set_set_status(make.id("set", 0), "closed")
    assert store.load_pool(world.programme.id).ties == (PoolTie(*world.ids(0, 1), "former_set_mate"),)


def test_load_pool_of_a_missing_programme(store, make):
    with pytest.raises(NotFound):
        store.load_pool(make.id("prog", 9))


# -- vacancy candidates ------------------------------------------------------------------


def test_vacancy_candidates_respect_the_rules(store, world, make):
    commit(store, world, make, [(0, 1, 2, 3)])
    set_id = make.id("set", 0)
    store.end_membership(set_id, world.people[3].id, date(2026, 2, 1))  # set now has orgs 0, 1, 2
    prog = world.programme
    store.update_programme(replace(prog, max_per_organisation=2))
    store.update_assessor(world.people[6].with_changes(availability=("mon-am",)))  # not at tue-pm
    pool = [m.assessor.id for m in store.vacancy_candidates(set_id, "pool")]
    # 3 left the set (never again); 6 is not free on Tuesday afternoons; 0-2 are members.
    # Most shared focus themes first (the set focuses on theme 0, which 4 and 8 work on), then id.
    assert pool == [*world.ids(4, 8, 5, 7)]
    store.update_programme(replace(prog, max_per_organisation=1))
    assert store.vacancy_candidates(set_id, "pool") == []  # every organisation already has a member
    # The wider network: findable people not enrolled.
    outsider = store.create_assessor(make.assessor(50, discoverable=True, availability=("tue-pm",)))
    hidden = store.create_assessor(make.assessor(51, discoverable=False, availability=("tue-pm",)))
    busy = store.create_assessor(make.assessor(52, discoverable=True, availability=("wed-am",)))
    store.create_organisation(make.org(7))
    store.set_employer(outsider.id, make.org(7).id)
    network = store.vacancy_candidates(set_id, "network", limit=10)
    assert [m.assessor.id for m in network] == [outsider.id]
    assert network[0].organisation_id == make.org(7).id and network[0].enrolled_on is None
    assert hidden.id and busy.id
    with pytest.raises(Invalid):
        store.vacancy_candidates(set_id, "anywhere")
    with pytest.raises(NotFound):
        store.vacancy_candidates(make.id("set", 9), "pool")


# -- proposals ------------------------------------------------------------------------


def test_proposals_round_trip(store, world, make):
    prog = world.programme
    first = store.save_proposal(ProposalRecord(id=make.id("prop", 1), programme_id=prog.id, payload='{"a": 1}', created_by="u-1"))
    assert (first.version, first.status, first.payload, first.created_by) == (1, "open", '{"a": 1}', "u-1")
    assert first.created_at is not None and first.created_at == first.updated_at
    assert store.get_proposal(first.id) == first
    updated = store.update_proposal(first.id, '{"a": 2}', expected_version=1)
    assert (updated.version, updated.payload) == (2, '{"a": 2}')
    with pytest.raises(Conflict, match="changed meanwhile"):
        store.update_proposal(first.id, '{"a": 3}', expected_version=1)
    second = store.save_proposal(ProposalRecord(id=make.id("prop", 2), programme_id=prog.id, payload="{}"))
    assert [p.id for p in store.list_proposals(prog.id)] == [second.id, first.id]
    with pytest.raises(Conflict):
        store.save_proposal(ProposalRecord(id=second.id, programme_id=prog.id, payload="{}"))
    with pytest.raises(NotFound):
        store.save_proposal(ProposalRecord(id=make.id("prop", 3), programme_id=make.id("prog", 9), payload="{}"))
    store.delete_proposal(second.id)
    with pytest.raises(NotFound):
        store.get_proposal(second.id)
    with pytest.raises(NotFound):
        store.delete_proposal(second.id)
    with pytest.raises(NotFound):
        store.update_proposal(second.id, "{}", 1)
    with pytest.raises(NotFound):
        store.list_proposals(make.id("prog", 9))
