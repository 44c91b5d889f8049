"""The peer-suggestion engine: who is never suggested, scoring, diversity, reasons and the expansion plan (pure, no store)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network import availability
from network.bundle import Bundle
from network.domain import Assessor, Contact, Employment, Organisation, Theme, ThemeLink
from network.reach import Isolation
from network.suggestions import (
    COMMON_SLOT_MODES,
    DEFAULT_WEIGHTS,
    SIGNALS,
    Candidate,
    CandidatePool,
    Limits,
    Seeker,
    SeekerTheme,
    SetMembership,
    Snapshot,
    Suggestion,
    Suggestions,
    Weights,
    check_suggestions,
    diversify,
    isolation_needed,
    plan_expansion,
    rank,
    rarity,
    sentence,
    suggest,
)
from tests.strategies import bundles

# -- a small hand-made network ---------------------------------------------------------------


def _net(**extra: object) -> tuple[Bundle, list[tuple[str, str]], list[SetMembership]]:
    """Ada (o1) seeks. Ben is her colleague. Cara (o2) shares the rare MCA theme and Tuesday afternoons.

    Dev (o3) shares only the common ASYE theme. Eve (o4) is not discoverable, Fay (o5) paused,
    Gus (o6) inactive; all three share MCA with Ada. 200 others (o7), free on Tuesday afternoons,
    hold ASYE only, so MCA is rare (6 of 207).
    """
    orgs = [Organisation(id=f"o{i}", name=f"Org {i}", kind="local_authority", region="london") for i in range(1, 8)]
    themes = [Theme(id="mca", name="Mental Capacity Act assessments"), Theme(id="asye", name="ASYE")]
    people = [
        ("ada", "Ada", "o1", dict(availability=("tue-pm", "wed-am"), region="london")),
        ("ben", "Ben", "o1", {}),
        ("cara", "Cara", "o2", dict(availability=("tue-pm",), region="north_east")),
        ("dev", "Dev", "o3", dict(availability=("wed-am",), region="london")),
        ("eve", "Eve", "o4", dict(discoverable=False)),
        ("fay", "Fay", "o5", dict(paused=True)),
        ("gus", "Gus", "o6", dict(active=False)),
    ]
    assessors, employments, links = [], [], []
    for aid, name, org, changes in people:
        fields: dict = {"discoverable": True, "availability": ("tue-pm",)} | changes
        assessors.append(Assessor(id=aid, name=name, **fields))
        employments.append(Employment(aid, org))
    for aid in ("ada", "ben", "cara", "eve", "fay", "gus"):
        links.append(ThemeLink(aid, "mca", "exploring" if aid in ("ada", "cara") else "experienced"))
    links.append(ThemeLink("ada", "asye", "experienced"))
    links.append(ThemeLink("dev", "asye", "experienced"))
    for i in range(200):
        assessors.append(Assessor(id=f"x{i:03d}", name=f"X {i}", discoverable=True, availability=("tue-pm",)))
        employments.append(Employment(f"x{i:03d}", "o7"))
        links.append(ThemeLink(f"x{i:03d}", "asye", "experienced"))
    bundle = Bundle(orgs, themes, assessors, employments, links, list(extra.get("contacts", [])))  # type: ignore[arg-type]
    return bundle, list(extra.get("declines", [])), list(extra.get("memberships", []))  # type: ignore[arg-type]


def _suggest(snap: Snapshot, seeker: str, common_slot: str = "preferred", limit: int = 10) -> Suggestions:
    return suggest(snap.pool(seeker, common_slot=common_slot), snap.isolation, limit=limit)


def suggested(snap: Snapshot, seeker: str, common_slot: str = "preferred", limit: int = 10) -> list[str]:
    return [s.assessor_id for s in _suggest(snap, seeker, common_slot, limit).items]


def test_the_best_peer_comes_first_with_reasons_in_plain_words():
    snap = Snapshot.build(*_net())
    result = suggest(snap.pool("ada"), snap.isolation)
    first = result.items[0]
    assert first.assessor_id == "cara"
    # Biggest reason first: one common slot (8 x 0.5) outweighs the rare theme (ln(207 / 6) = 3.54).
    assert first.summary == (
        "Both free Tuesday afternoons; you both work on Mental Capacity Act assessments (few in the network do); "
        "like you, they are the only assessor in their organisation and have no peer contacts elsewhere yet; "
        "their organisation is new to your network."
    )
    assert [s.assessor_id for s in result.items[:2]] == ["cara", "dev"]
    assert [t.name for t in first.shared_themes] == ["Mental Capacity Act assessments"]
    assert first.shared_themes[0].rare
    assert first.common_slots == ("tue-pm",)
    assert dict(first.breakdown).keys() == set(SIGNALS)
    assert first.score == pytest.approx(sum(v for _, v in first.breakdown))


def test_the_issue_example_sentence():
    seeker = Seeker("a", "A", "o1", "Org 1", "london", availability.to_mask(["tue-pm"]), True, False, True,
                    themes=(SeekerTheme("mca", "Mental Capacity Act assessments", "exploring", 12),))  # fmt: skip
    them = Candidate("b", "B", "o2", "Org 2", "north_east", 4, availability.to_mask(["tue-pm"]), themes=(("mca", "exploring"),))
    out = rank(CandidatePool(seeker, 5000, (them,)))
    assert out.items[0].summary == (
        "You both work on Mental Capacity Act assessments (few in the network do); both free Tuesday afternoons; "
        "their organisation is new to your network."
    )


def test_many_common_times_read_as_times_in_the_week_not_how_often():
    """'Both free at 3 times a week' read like how often; it names how many weekly times they share, in words (issue 18)."""
    slots = ["tue-pm", "wed-am", "thu-pm"]
    seeker = Seeker("a", "A", "o1", "Org 1", "london", availability.to_mask(slots), True, False, True)
    them = Candidate("b", "B", "o2", "Org 2", "north_east", 4, availability.to_mask(slots))
    reasons = rank(CandidatePool(seeker, 50, (them,))).items[0].reasons
    free = [r for r in reasons if r.startswith("Both free")]
    assert free == ["Both free at three weekly times, including Tuesday afternoons and Wednesday mornings"]


def test_never_suggested_self_colleagues_or_the_unfindable():
    snap = Snapshot.build(*_net())
    ids = suggested(snap, "ada", limit=50)
    assert "ada" not in ids and "ben" not in ids  # herself, her colleague
    assert not {"eve", "fay", "gus"} & set(ids)  # not discoverable, paused, inactive
    assert "cara" in ids and "dev" in ids


@pytest.mark.parametrize("status", ["requested", "accepted"])
@pytest.mark.parametrize("direction", ["from", "to"])
def test_never_suggested_contacts_either_way(status, direction):
    pair = ("ada", "cara") if direction == "from" else ("cara", "ada")
    snap = Snapshot.build(*_net(contacts=[Contact(*pair, status=status)]))
    assert "cara" not in suggested(snap, "ada", limit=50)
    assert "ada" not in suggested(snap, "cara", limit=50)


@pytest.mark.parametrize("by", ["ada", "cara"])
def test_never_suggested_after_a_decline_either_way(by):
    other = "cara" if by == "ada" else "ada"
    snap = Snapshot.build(*_net(declines=[(by, other)]))
    assert "cara" not in suggested(snap, "ada", limit=50)
    assert "ada" not in suggested(snap, "cara", limit=50)


def test_current_set_mates_are_tied_and_former_ones_are_suggested_with_the_reason():
    current = [SetMembership("s1", "active", "ada"), SetMembership("s1", "active", "cara")]
    snap = Snapshot.build(*_net(memberships=current))
    assert "cara" not in suggested(snap, "ada", limit=50)
    former = [SetMembership("s1", "closed", "ada"), SetMembership("s1", "closed", "dev")]
    snap = Snapshot.build(*_net(memberships=former))
    dev = next(s for s in _suggest(snap, "ada", limit=50).items if s.assessor_id == "dev")
    assert "You were in an action learning set together" in dev.reasons
    left = [SetMembership("s1", "active", "ada", left=True), SetMembership("s1", "active", "dev")]
    assert "dev" in suggested(Snapshot.build(*_net(memberships=left)), "ada", limit=50)


def test_a_common_slot_can_be_required():
    snap = Snapshot.build(*_net())
    preferred = suggested(snap, "ada", limit=50)
    required = suggested(snap, "ada", limit=50, common_slot="required")
    x_free = {f"x{i:03d}" for i in range(200)}  # free on Tuesday afternoons, like Ada
    assert set(required) <= set(preferred)
    assert "cara" in required and "dev" in required and x_free & set(required)
    nobody = Snapshot.build(*_net())
    nobody.assessors["ada"] = nobody.assessors["ada"].with_changes(availability=())
    result = _suggest(nobody, "ada", common_slot="required")
    assert result.items == ()
    assert any("weekly availability" in n for n in result.notices)


def test_a_paused_or_inactive_seeker_gets_nothing_and_is_told_why():
    bundle, declines, memberships = _net()
    for changes, words in [({"paused": True}, "paused"), ({"active": False}, "not active")]:
        people = [a.with_changes(**changes) if a.id == "ada" else a for a in bundle.assessors]
        snap = Snapshot.build(replace(bundle, assessors=people), declines, memberships)
        result = _suggest(snap, "ada")
        assert result.items == ()
        assert any(words in n for n in result.notices)


def test_a_seeker_who_is_not_discoverable_still_sees_suggestions_and_is_told():
    bundle, declines, memberships = _net()
    people = [a.with_changes(discoverable=False) if a.id == "ada" else a for a in bundle.assessors]
    result = _suggest(Snapshot.build(replace(bundle, assessors=people), declines, memberships), "ada")
    assert result.items
    assert any("not discoverable" in n for n in result.notices)


def test_no_themes_and_no_peers_gives_an_empty_list_with_advice():
    bundle, declines, memberships = _net()
    links = [link for link in bundle.theme_links if link.assessor_id != "ada"]
    result = _suggest(Snapshot.build(replace(bundle, theme_links=links), declines, memberships), "ada")
    assert result.items == ()
    assert any("practice themes" in n for n in result.notices)


def test_mutual_peers_count_and_are_explained():
    contacts = [Contact("ada", "ben", "accepted"), Contact("ben", "dev", "accepted"), Contact("ada", "cara", "requested")]
    snap = Snapshot.build(*_net(contacts=contacts))
    dev = next(s for s in _suggest(snap, "ada", limit=50).items if s.assessor_id == "dev")
    assert dev.mutual_peers == 1
    assert "You have 1 peer in common" in dev.reasons
    assert dict(dev.breakdown)["proximity"] > 0


def test_isolated_candidates_are_flagged_and_rank_above_an_otherwise_equal_peer():
    seeker = Seeker("a", "A", "o1", None, None, 0, True, False, True, themes=(SeekerTheme("t", "T", "experienced", 10),))
    twins = tuple(Candidate(i, i, f"o-{i}", None, None, 0, 0, themes=(("t", "experienced"),)) for i in ("b", "c"))
    pool = CandidatePool(seeker, 1000, twins)
    plain = rank(pool)
    assert [s.assessor_id for s in plain.items] == ["b", "c"]  # a tie: broken by id
    out = suggest(pool, lambda ids: {i: Isolation(i, isolated=i == "c", sole_in_organisation=False) for i in ids})
    assert [s.assessor_id for s in out.items] == ["c", "b"]
    assert out.items[0].isolated
    assert "They have no peer contacts outside their organisation yet" in out.items[0].reasons


def test_diversity_caps_each_organisation_while_others_remain():
    seeker = Seeker("s", "S", "o0", None, None, 0, True, False, True, themes=(SeekerTheme("t", "T", "experienced", 10),))
    # Ten strong candidates in one big organisation, then weaker ones elsewhere.
    big = [Candidate(f"a{i}", "x", "big", None, None, 0, 0, themes=(("t", "experienced"),), former_set_mate=True) for i in range(10)]
    small = [Candidate(f"b{i}", "x", f"o{i + 1}", None, None, 0, 0, themes=(("t", "experienced"),)) for i in range(8)]
    out = rank(CandidatePool(seeker, 1000, tuple(big + small)), limit=10)
    orgs = [s.organisation_id for s in out.items]
    assert orgs.count("big") == 2
    assert len(set(orgs)) == 9


def test_a_small_pool_still_fills_the_list():
    ordered = [Candidate(str(i), "x", "one", None, None, 0, 0) for i in range(6)]
    assert [c.id for c in diversify(ordered, 4)] == ["0", "1", "2", "3"]
    assert diversify(ordered, 0) == []


@given(
    orgs=st.lists(st.sampled_from(["o1", "o2", "o3", None]), max_size=20),
    limit=st.integers(0, 12),
    cap=st.integers(1, 3),
)
def test_diversify_properties(orgs, limit, cap):
    ordered = [Candidate(f"c{i:02d}", "x", org, None, None, 0, 0) for i, org in enumerate(orgs)]
    out = diversify(ordered, limit, cap)
    assert len(out) == min(limit, len(ordered))
    position = {c.id: i for i, c in enumerate(ordered)}
    assert [position[c.id] for c in out] == sorted(position[c.id] for c in out)  # order kept
    counts: dict[str | None, int] = {}
    for c in out:
        counts[c.organisation_id] = counts.get(c.organisation_id, 0) + (1 if c.organisation_id is not None else 0)
    left_out = [c for c in ordered if c not in out]
    if any(n > cap for n in counts.values()):
        # Only when nobody from an organisation under its share was left out.
        assert all(c.organisation_id is not None and counts.get(c.organisation_id, 0) >= cap for c in left_out)


# -- signals and the plan ----------------------------------------------------------------------


def test_rarity():
    assert rarity(40, 20000) == pytest.approx(6.2146, abs=1e-4)
    assert rarity(20000, 20000) == 0.0
    assert rarity(0, 10) == 0.0


def test_plan_expands_rare_themes_within_the_budget_rarest_first():
    themes = tuple(SeekerTheme(t, t, "exploring", h) for t, h in [("a", 50), ("b", 900), ("c", 3000), ("d", 400), ("e", 5000)])
    seeker = Seeker("s", "S", None, None, None, 1, True, False, True, themes=themes)
    plan = plan_expansion(seeker, 20000, limits=Limits(expansion_budget=1500, max_theme_share=0.15))
    assert [t for t, _ in plan.themes] == ["a", "d", "b"]  # 50 + 400 + 900 <= 1500; c (3000) is over budget
    assert [w for _, w in plan.themes] == sorted((w for _, w in plan.themes), reverse=True)
    capped = plan_expansion(seeker, 20000, limits=Limits(expansion_budget=100_000, max_theme_share=0.1))
    assert [t for t, _ in capped.themes] == ["a", "d", "b"]  # c and e are held by more than 10 %
    small = plan_expansion(replace(seeker, themes=themes[:3]), 4000, limits=Limits(expansion_budget=100_000, min_supernode=5000))
    assert [t for t, _ in small.themes] == ["a", "b", "c"]  # nothing is a supernode below 5000 holders


def test_plan_falls_back_to_the_rarest_theme_and_a_zero_budget_expands_nothing():
    seeker = Seeker("s", "S", None, None, None, 1, True, False, True, themes=(SeekerTheme("big", "Big", "exploring", 9000),))
    assert [t for t, _ in plan_expansion(seeker, 10000).themes] == ["big"]
    assert plan_expansion(seeker, 10000, limits=Limits(expansion_budget=0)).themes == ()
    with pytest.raises(ValueError, match="common_slot"):
        plan_expansion(seeker, 10000, common_slot="sometimes")


def test_weights_and_limits_refuse_nonsense():
    with pytest.raises(ValueError, match="weight region"):
        Weights(region=-1)
    with pytest.raises(ValueError, match="weight themes"):
        Weights(themes=float("nan"))
    with pytest.raises(ValueError, match="theme_pool"):
        Limits(theme_pool=-5)
    with pytest.raises(ValueError, match="max_theme_share"):
        Limits(max_theme_share=0)
    assert COMMON_SLOT_MODES == ("preferred", "required")


def test_sentence():
    assert sentence([]) == ""
    assert sentence(["Their organisation is new to your network"]) == "Their organisation is new to your network."


def test_check_suggestions_catches_a_bad_answer():
    snap = Snapshot.build(*_net())
    good = _suggest(snap, "ada")
    assert check_suggestions(snap, "ada", good) == []
    ben = Suggestion(1, "ben", "Ben", "o1", None, None, 1.0, (), ())
    bad = replace(good, items=(ben, ben))
    problems = check_suggestions(snap, "ada", bad)
    assert any("twice" in p for p in problems) and any("must not be suggested" in p for p in problems)


# -- properties over random networks ----------------------------------------------------------


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Bundle, list[tuple[str, str]], list[SetMembership]]:
    """A random bundle plus declines and set memberships among its assessors."""
    bundle = draw(bundles())
    ids = [a.id for a in bundle.assessors]
    declines: list[tuple[str, str]] = []
    memberships: list[SetMembership] = []
    if len(ids) >= 2:
        declines = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1]), max_size=3))
        for n in range(draw(st.integers(0, 2))):
            status = draw(st.sampled_from(["forming", "active", "closed"]))
            for member in draw(st.lists(st.sampled_from(ids), min_size=2, max_size=4, unique=True)):
                memberships.append(SetMembership(f"s{n}", status, member, left=draw(st.booleans())))
    return bundle, declines, memberships


def _shuffled(bundle: Bundle, seed: int) -> Bundle:
    rng = random.Random(seed)
    parts = {}
    for kind in ("organisations", "themes", "assessors", "employments", "theme_links", "contacts"):
        items = list(getattr(bundle, kind))
        rng.shuffle(items)
        parts[kind] = items
    return Bundle(**parts)


_TIGHT = Limits(expansion_budget=3, theme_pool=2, proximity_pool=1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), mode=st.sampled_from(COMMON_SLOT_MODES), limit=st.integers(1, 6), tight=st.booleans(), seed=st.integers(0, 99))
def test_never_an_excluded_kind_never_twice_and_the_same_answer_every_time(scenario, mode, limit, tight, seed):
    bundle, declines, memberships = scenario
    snap = Snapshot.build(bundle, declines, memberships)
    again = Snapshot.build(_shuffled(bundle, seed), list(reversed(declines)), list(reversed(memberships)))
    limits = _TIGHT if tight else Limits()
    for a in bundle.assessors:
        pool = snap.pool(a.id, common_slot=mode, limits=limits)
        result = suggest(pool, snap.isolation, limit=limit)
        assert check_suggestions(snap, a.id, result, common_slot=mode) == []
        ids = [s.assessor_id for s in result.items]
        assert len(ids) == len(set(ids)) <= limit
        assert suggest(again.pool(a.id, common_slot=mode, limits=limits), again.isolation, limit=limit) == result
        # Asking about isolation only where it can matter changes nothing.
        everyone = [a.id, *(c.id for c in pool.candidates)]
        assert rank(pool.with_isolation(snap.isolation(everyone)), limit=limit) == result
        # The pruned pool is part of the exhaustive one, with the same features; with room enough,
        # everyone sharing a theme or a peer is in it.
        full = {c.id: c for c in snap.pool(a.id, common_slot=mode, exhaustive=True).candidates}
        assert all(full[c.id] == c for c in pool.candidates)
        roomy = {c.id for c in snap.pool(a.id, common_slot=mode, limits=Limits(max_theme_share=1.0)).candidates}
        assert {c.id for c in full.values() if c.themes or c.mutual or c.former_set_mate} <= roomy


def test_isolation_needed_is_everyone_when_the_pool_cannot_fill_the_list():
    seeker = Seeker("s", "S", "o0", None, None, 0, True, False, True)
    pool = CandidatePool(seeker, 10, tuple(Candidate(f"c{i}", "x", "one", None, None, 0, 0) for i in range(4)))
    assert set(isolation_needed(pool, limit=3)) == {"c0", "c1", "c2", "c3"}
    assert isolation_needed(pool, limit=3, weights=replace(DEFAULT_WEIGHTS, isolation=0.0)) == ()
    assert isolation_needed(pool, limit=0) == ()
