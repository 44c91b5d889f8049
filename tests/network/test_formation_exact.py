"""The CP-SAT reference scores partitions exactly as the engine does, and the engine reaches its optimum on tiny pools."""

from __future__ import annotations

import random

import pytest

from network.demo import generate
from network.formation import Constraints, LockedSet, Member, Rules, Weights, form_sets, is_valid_partition, objective

pytest.importorskip("ortools")

from network.formation_exact import compact_score, count_columns, solve_exact  # noqa: E402


def demo_pool(n: int, seed: int) -> tuple[list[Member], Constraints]:
    """``n`` assessors of a generated network, as members with their accepted contacts as ties."""
    b = generate(assessors=400, organisations=120, seed=seed).bundle
    orgs = {o.id: o for o in b.organisations}
    employer = {e.assessor_id: orgs[e.organisation_id] for e in b.employments}
    themes: dict[str, dict[str, str]] = {}
    for link in b.theme_links:
        themes.setdefault(link.assessor_id, {})[link.theme_id] = link.level
    rng = random.Random(seed)
    # People with weekday daytime availability, so the pool can actually form sets.
    chosen = rng.sample([a for a in b.assessors if a.active and len(a.availability) >= 3], n)
    ids = {a.id for a in chosen}
    ties = [(c.from_id, c.to_id) for c in b.contacts if c.status == "accepted" and c.from_id in ids and c.to_id in ids]
    members = [
        Member(
            id=a.id,
            organisation_id=employer[a.id].id,
            organisation_kind=employer[a.id].kind,
            region=a.region,
            experience_years=a.experience_years,
            availability=a.availability,
            themes=themes.get(a.id, {}),
            isolated=k % 3 == 0,
        )
        for k, a in enumerate(chosen)
    ]
    return members, Constraints(ties=ties)


RULES = [
    Rules(),
    Rules(size_min=3, size_max=5, size_target=4, max_per_organisation=2, region_mode="close"),
    Rules(size_min=3, size_max=4, size_target=4, require_common_slot=False, weights=Weights(themes=1.5, experience=0.25, size=0)),
]


@pytest.mark.parametrize("rules", RULES, ids=["defaults", "two-per-org-close", "no-slot-weights"])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_compact_model_scores_partitions_as_the_engine_does(rules: Rules, seed: int) -> None:
    members, constraints = demo_pool(12, seed)
    proposal = form_sets(members, rules, constraints, seed=seed, time_limit=None, max_iterations=300)
    sets = [list(s.members) for s in proposal.sets]
    assert compact_score(members, sets, rules, constraints) == pytest.approx(objective(members, sets, rules, constraints)[1])


def test_the_compact_model_scores_locked_sets_too() -> None:
    members, constraints = demo_pool(12, 3)
    first = form_sets(members, Rules(), constraints, seed=1, time_limit=None, max_iterations=300)
    locked = Constraints(ties=constraints.ties, locked=[LockedSet(first.sets[0].members)])
    again = form_sets(members, Rules(), locked, seed=2, time_limit=None, max_iterations=300)
    sets = [list(s.members) for s in again.sets]
    assert compact_score(members, sets, Rules(), locked) == pytest.approx(again.score)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_engine_reaches_the_proven_optimum_on_a_tiny_pool(seed: int) -> None:
    members, constraints = demo_pool(12, seed)
    exact = solve_exact(members, Rules(), constraints, time_limit=20)
    assert exact.method == "columns" and exact.optimal and exact.proposal is not None
    assert exact.proposal.valid
    assert is_valid_partition(members, [s.members for s in exact.proposal.sets], Rules(), constraints) == []
    engine = form_sets(members, Rules(), constraints, seed=seed, time_limit=None, max_iterations=3000)
    assert (engine.placed, engine.score) == (exact.placed, pytest.approx(exact.score))
    assert exact.bound == pytest.approx(exact.score)


def test_both_exact_models_agree() -> None:
    members, constraints = demo_pool(10, 4)
    rules = Rules(size_min=3, size_max=5, size_target=4)
    columns = solve_exact(members, rules, constraints, time_limit=20, method="columns")
    compact = solve_exact(members, rules, constraints, time_limit=20, method="compact")
    assert columns.optimal and compact.optimal
    assert (columns.placed, columns.score) == (compact.placed, pytest.approx(compact.score))
    assert count_columns(members, rules, constraints) == columns.columns


def test_both_exact_models_agree_under_constraints() -> None:
    members, constraints = demo_pool(11, 5)
    by_slot = sorted(members, key=lambda m: ("tue-am" not in m.availability, m.id))
    a, b, c_, d = by_slot[:4]  # people free on Tuesday mornings come first
    assert {"tue-am"} <= set(a.availability) & set(b.availability) and a.organisation_id != b.organisation_id
    rules = Rules(size_min=3, size_max=5, size_target=4)
    c = Constraints(
        ties=constraints.ties,
        must_link=[(a.id, b.id)],
        cannot_link=[(c_.id, d.id), (by_slot[5].id, by_slot[6].id)],
        locked=[LockedSet((a.id,), open=True, slot="tue-am")],
    )
    columns = solve_exact(members, rules, c, time_limit=20, method="columns")
    compact = solve_exact(members, rules, c, time_limit=20, method="compact")
    assert columns.optimal and compact.optimal
    assert (columns.placed, columns.score) == (compact.placed, pytest.approx(compact.score))
    home = next(s for s in columns.proposal.sets if a.id in s.members)
    assert b.id in home.members and home.meeting_slot == "tue-am"
    engine = form_sets(members, rules, c, seed=1, time_limit=None, max_iterations=3000)
    assert (engine.placed, engine.score) == (columns.placed, pytest.approx(columns.score))


def test_exact_input_is_validated_like_the_engine() -> None:
    with pytest.raises(ValueError, match="method must be"):
        members, constraints = demo_pool(8, 1)
        solve_exact(members, Rules(), constraints, method="magic")
