"""Ranking replacements for a free place in a set: fit the slot and rules, the pool first, reasons for each."""

from __future__ import annotations

from network.formation import Member, Rules
from network.repair import Candidate, rank_replacements

RULES = Rules(size_min=4, size_max=6, size_target=5)


def person(i: str, org: str, kind: str = "local_authority", slots=("tue-pm",), themes=None, years=5, isolated=False) -> Member:
    return Member(
        i,
        organisation_id=org,
        organisation_kind=kind,
        availability=slots,
        themes=themes or {"t1": "experienced"},
        experience_years=years,
        isolated=isolated,
    )


CURRENT = [person("m1", "o1"), person("m2", "o2"), person("m3", "o3", years=1)]


def test_pool_first_then_network_each_by_gain():
    candidates = [
        Candidate(person("n1", "o8", kind="voluntary"), "network"),
        Candidate(person("p1", "o4"), "pool"),
        Candidate(person("p2", "o5", kind="nhs_trust", themes={"t1": "exploring"}), "pool"),
    ]
    ranked = rank_replacements(CURRENT, candidates, RULES, slot="tue-pm", focus_themes=("t1",), theme_names={"t1": "Theme one"})
    assert [(r.member_id, r.source) for r in ranked] == [("p2", "pool"), ("p1", "pool"), ("n1", "network")]
    assert ranked[0].gain > ranked[1].gain
    assert ranked[0].reasons[0] == "enrolled in this programme"
    assert "works on the set's focus: Theme one" in ranked[0].reasons
    assert "brings an NHS trust, new to the set" in ranked[0].reasons
    assert "3 new cross-organisation ties" in ranked[0].reasons
    assert ranked[2].reasons[0].startswith("from the wider network")


def test_candidates_who_would_break_a_rule_are_left_out():
    candidates = [
        Candidate(person("same-org", "o1"), "pool"),  # a second member from o1 (limit 1)
        Candidate(person("wrong-slot", "o7", slots=("mon-am",)), "pool"),
        Candidate(person("fits", "o9"), "pool"),
        Candidate(person("m1", "o1"), "pool"),  # already in the set
    ]
    assert [r.member_id for r in rank_replacements(CURRENT, candidates, RULES, slot="tue-pm")] == ["fits"]


def test_existing_ties_earn_no_new_tie_credit_and_isolation_is_named():
    fresh = Candidate(person("x", "o9", isolated=True), "pool")
    tied = Candidate(person("y", "o8"), "pool")
    ranked = rank_replacements(CURRENT, [fresh, tied], RULES, slot="tue-pm", ties=[("m1", "y"), ("m2", "y")])
    by_id = {r.member_id: r for r in ranked}
    assert "1 new cross-organisation tie" in by_id["y"].reasons
    assert "isolated now: joining links them to other organisations" in by_id["x"].reasons
    assert by_id["x"].gain > by_id["y"].gain


def test_limit_applies_per_source():
    candidates = [Candidate(person(f"p{k}", f"o{10 + k}"), "pool") for k in range(5)] + [
        Candidate(person(f"n{k}", f"o{20 + k}"), "network") for k in range(5)
    ]
    ranked = rank_replacements(CURRENT, candidates, RULES, slot="tue-pm", limit=2)
    assert [r.source for r in ranked] == ["pool", "pool", "network", "network"]
