"""Set suggestions engine: hard rules never broken by a suggestion, a full set never suggested, reasons, determinism."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from network import availability
from network.formation import Member, Rules
from network.set_suggestions import OpenSet, suggest_sets

SLOTS = availability.SLOTS[:4]
ORGS = ("o1", "o2", "o3", "o4", "o5")
THEMES = ("t1", "t2", "t3")


def members(draw, prefix: str, n: int) -> tuple[Member, ...]:
    return tuple(
        Member(
            id=f"{prefix}-{k}",
            organisation_id=draw(st.sampled_from(ORGS)),
            organisation_kind=draw(st.sampled_from(("voluntary", "agency"))),
            experience_years=draw(st.integers(0, 30)),
            availability=tuple(draw(st.lists(st.sampled_from(SLOTS), min_size=1, max_size=3, unique=True))),
            themes={t: draw(st.sampled_from(("exploring", "experienced"))) for t in draw(st.lists(st.sampled_from(THEMES), unique=True))},
            isolated=draw(st.booleans()),
        )
        for k in range(n)
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Member, list[OpenSet]]:
    seeker = Member(
        id="me",
        organisation_id=draw(st.sampled_from((*ORGS, None))),
        experience_years=draw(st.integers(0, 30)),
        availability=tuple(draw(st.lists(st.sampled_from(SLOTS), max_size=3, unique=True))),
        themes={t: "exploring" for t in draw(st.lists(st.sampled_from(THEMES), unique=True))},
        capacity_left=draw(st.integers(0, 2)),
        isolated=draw(st.booleans()),
    )
    sets = []
    for k in range(draw(st.integers(0, 6))):
        size_max = draw(st.integers(3, 6))
        rules = Rules(size_min=2, size_max=size_max, size_target=size_max, max_per_organisation=draw(st.sampled_from((1, 2))))
        n = draw(st.integers(1, size_max))  # full sets included on purpose
        sets.append(
            OpenSet(
                id=f"s{k}",
                name=f"Set {k}",
                status=draw(st.sampled_from(("forming", "active"))),
                programme_id=f"p{k % 2}" if k < 2 else f"p{k}",
                programme_name="P",
                rules=rules,
                meeting_slot=draw(st.none() | st.sampled_from(SLOTS)),
                focus_themes=tuple(draw(st.lists(st.sampled_from(THEMES), unique=True, max_size=2))),
                members=members(draw, f"s{k}", n),
            )
        )
    # programmes share rules: two sets of one programme get the first one's rules
    by_programme: dict[str, Rules] = {}
    fixed = []
    for s in sets:
        rules = by_programme.setdefault(s.programme_id, s.rules)
        if len(s.members) > rules.size_max:
            s = OpenSet(
                s.id, s.name, s.status, s.programme_id, s.programme_name, rules, s.meeting_slot, s.focus_themes, s.members[: rules.size_max]
            )
        else:
            s = OpenSet(s.id, s.name, s.status, s.programme_id, s.programme_name, rules, s.meeting_slot, s.focus_themes, s.members)
        fixed.append(s)
    return seeker, fixed


def hard_rule_problems(seeker: Member, s: OpenSet) -> list[str]:
    """Every hard rule joining ``s`` would break for ``seeker``, checked from first principles."""
    problems = []
    if len(s.members) >= s.rules.size_max:
        problems.append("full")
    if seeker.capacity_left <= 0:
        problems.append("capacity")
    if s.meeting_slot is not None and s.meeting_slot not in seeker.availability:
        problems.append("not free at the meeting slot")
    if s.meeting_slot is None:
        common = set(seeker.availability)
        for m in s.members:
            common &= set(m.availability)
        if not common:
            problems.append("no common slot")
    if seeker.organisation_id is not None:
        same = sum(1 for m in s.members if m.organisation_id == seeker.organisation_id)
        if same >= s.rules.max_per_organisation:
            problems.append("organisation limit")
    return problems


@settings(max_examples=80, deadline=None)
@given(worlds())
def test_no_suggested_set_breaks_a_hard_rule_and_full_sets_never_appear(world):
    seeker, sets = world
    result = suggest_sets(seeker, sets, limit=10)
    by_id = {s.id: s for s in sets}
    for item in result.items:
        s = by_id[item.set_id]
        assert hard_rule_problems(seeker, s) == [], (item.set_id, item.reasons)
        assert item.places_left > 0
    # nothing that keeps every rule is lost either (up to the limit)
    fitting = {s.id for s in sets if not hard_rule_problems(seeker, s)}
    assert {i.set_id for i in result.items} == fitting if len(fitting) <= 10 else len(result.items) == 10
    assert [i.rank for i in result.items] == list(range(1, len(result.items) + 1))
    assert [i.score for i in result.items] == sorted((i.score for i in result.items), reverse=True)


@settings(max_examples=50, deadline=None)
@given(worlds())
def test_deterministic(world):
    seeker, sets = world
    assert suggest_sets(seeker, sets) == suggest_sets(seeker, list(reversed(sets)))


def _set(k: int, members_: tuple[Member, ...], slot: str = "tue-pm", **rules) -> OpenSet:
    r = Rules(size_min=2, size_max=rules.get("size_max", 5), size_target=rules.get("target", 4), max_per_organisation=1)
    return OpenSet(f"s{k}", f"Set {k}", "active", f"p{k}", f"Programme {k}", r, slot, ("t1",), members_)


def test_new_ties_and_themes_rank_first_and_reasons_say_why():
    me = Member("me", organisation_id="o9", availability=("tue-pm",), themes={"t1": "exploring"}, isolated=True)
    strangers = tuple(Member(f"a{i}", organisation_id=f"o{i}", availability=("tue-pm",), themes={"t1": "experienced"}) for i in range(3))
    known = tuple(Member(f"b{i}", organisation_id=f"o{i}", availability=("tue-pm",)) for i in range(3))
    fresh, tied = _set(1, strangers), _set(2, known)
    tied = OpenSet(
        tied.id,
        tied.name,
        tied.status,
        tied.programme_id,
        tied.programme_name,
        tied.rules,
        tied.meeting_slot,
        (),
        known,
        frozenset({"b0", "b1"}),
    )
    out = suggest_sets(me, [tied, fresh], theme_names={"t1": "Mental Capacity Act"})
    assert [i.set_id for i in out.items] == ["s1", "s2"]
    first, second = out.items
    assert first.reasons[:4] == (
        "meets Tuesday afternoons, when you are free",
        "shares Mental Capacity Act with you",
        "nobody from your organisation",
        "3 of 3 members new to your network",
    )
    assert "links you to 3 other organisations: you have no ties outside yours yet" in first.reasons
    assert "1 of 3 members new to your network" in second.reasons
    assert dict(first.breakdown)["isolated"] > dict(second.breakdown)["isolated"]


def test_a_colleague_within_the_limit_is_named_and_empty_lists_explain():
    me = Member("me", organisation_id="o1", availability=(), themes={})
    out = suggest_sets(me, [])
    assert out.items == () and "availability" in out.notices[0]
    me = Member("me", organisation_id="o1", availability=("tue-pm",))
    two = Rules(size_min=2, size_max=5, size_target=4, max_per_organisation=2)
    s = OpenSet(
        "s",
        "S",
        "forming",
        "p",
        "P",
        two,
        None,
        (),
        (Member("x", "o1", availability=("tue-pm",)), Member("y", "o2", availability=("tue-pm",))),
    )
    (item,) = suggest_sets(me, [s]).items
    assert "1 colleague from your organisation (at most 2)" in item.reasons
    assert item.reasons[0] == "meeting time not fixed yet; all free Tuesday afternoons"
    assert item.reasons[-1] == "still forming: 2 of at most 5 so far"


def test_experience_reasons_read_in_words_with_a_singular_year():
    """ "You bring less experience (1 year; ...)", never "1 years"."""
    from network.set_suggestions import describe_gain

    rules = Rules(size_min=2, size_max=6, size_target=5, max_per_organisation=1)
    seasoned = tuple(
        Member(f"m{i}", organisation_id=f"o{i}", experience_years=years, availability=("tue-pm",)) for i, years in enumerate((8, 9))
    )
    junior = Member("me", organisation_id="o9", experience_years=1, availability=("tue-pm",))
    open_set = OpenSet("s1", "Tuesday", "active", "p1", "P", rules, "tue-pm", (), seasoned)
    reasons = describe_gain(junior, open_set, {})
    assert "you bring less experience (1 year; the members have 8.5 years on average)" in reasons
    assert not any("1 years" in r for r in reasons)
    senior = Member("me", organisation_id="o9", experience_years=20, availability=("tue-pm",))
    same = tuple(Member(f"m{i}", organisation_id=f"o{i}", experience_years=1, availability=("tue-pm",)) for i in range(2))
    reasons = describe_gain(senior, OpenSet("s1", "Tuesday", "active", "p1", "P", rules, "tue-pm", (), same), {})
    assert "you bring more experience (20 years; the members have 1 year on average)" in reasons
