r"""Set formation: turn an enrolment pool into balanced action learning sets across organisations.

The engine is pure: it takes members, rules and constraints as plain data and returns a
:class:`Proposal` whose sets explain themselves and whose unplaced members carry the exact reason.
:func:`is_valid_partition` checks any partition against the hard rules; :func:`form_sets` runs it on
its own output. :func:`score_partition` re-scores a partition after a coordinator's edits.

Hard rules
----------
* size: every set has ``size_min`` to ``size_max`` members (default 4 to 7, aiming for 6);
* organisation: at most ``max_per_organisation`` members from one organisation (default 1);
  a member with no organisation clashes with nobody;
* common slot: all members of a set share a weekly slot (when ``require_common_slot``, the default);
* must-link pairs share a set (or both stay out); cannot-link pairs never share one;
* locked sets: a closed one is kept exactly; an open one keeps its pinned members together and may be
  completed by the engine; a pinned ``slot`` must be common to the set;
* capacity: a member with ``capacity_left <= 0`` is never placed ("at capacity").

Objective
---------
Solutions are compared lexicographically (issue 22): first the **isolated people connected** (in a set
with someone of another organisation) and the **people placed**, in the order ``Rules.priority`` gives
(``isolated`` first by default, or ``placed`` first), then the **score**,
the sum over sets :math:`S` (of :math:`n` members) of :math:`\sum_g w_g\,\mathrm{raw}_g(S)` over the
goals below, with the weights :class:`Weights` (defaults in brackets):

``themes`` [4]
    :math:`\sum_{t \in F} (\rho_t + [t \text{ has both levels}]) + \sum_{t \in N} \lfloor\rho_t/2\rfloor
    - 6\,[F = \emptyset]`, where :math:`F` are the themes every member works on, :math:`N` those all
    but one work on, and the rarity :math:`\rho_t = 2 + \min(3, \lfloor\log_2(P/d_t)\rfloor)` for
    :math:`d_t` of the :math:`P` people with room in the pool holding theme :math:`t`. Every set
    should share a theme (a set that shares none loses 6), more shared and rarer themes are better,
    and a shared theme where someone experienced meets someone exploring earns one more.
``experience`` [1 per year]
    :math:`-|\sum_{i \in S} e_i - n\,\bar e|` in years (to a tenth), with :math:`\bar e` the pool's mean
    experience: a count-based balance that keeps every set's mean experience near the pool's, so
    each set mixes experienced and newer assessors.
``kinds`` [3]
    the number of distinct organisation kinds in the set.
``ties`` [2]
    new cross-organisation ties: pairs in the set from different organisations who are not
    already tied (accepted contacts, current or former set-mates: ``Constraints.ties``).
``isolated`` [2]
    extra credit per new cross-organisation tie for each isolated end of it:
    :math:`\sum_{\{i,j\}\ \text{new}} ([i\ \text{isolated}] + [j\ \text{isolated}])`.
``region`` [1]
    ``mix``: the number of distinct regions; ``close``: minus the members outside the set's
    commonest region.
``size`` [6]
    :math:`-|n - \text{size\_target}|`.

Scores are kept as integers (``round(100 * w_g) * raw * unit``) so the engine, the re-scorer and
the exact CP-SAT model (:mod:`network.formation_exact`) give any partition the same number.

Algorithm
---------
0. *Bounds* (:mod:`network.formation.bounds`): the most people any valid partition could place and
   isolated people it could connect, from a max-flow relaxation (pure Python), or exactly from CP-SAT
   when OR-Tools is installed and the budget is a time budget. The search never stops early before
   reaching them; when it stalls it starts again from a fresh construction.
1. *Construction by slot buckets* (the first valid proposal): the unit (must-link group) with the
   fewest weekly slots seeds a set at its slot with the most people still free; the set grows to the
   target size by adding, each time, the best-scoring of a sample of free units available at that slot
   who fit the rules, so the common-slot rule holds by construction. Seeds that cannot reach the
   minimum wait; they are then inserted where they fit, form new sets among themselves (depth-first
   search), or form one by borrowing people from sets above the minimum.
2. *Who meets when* (:mod:`network.formation.slots`, pools without locked sets or must-link pairs):
   the number of sets at each weekly slot is searched, each choice judged exactly by max flows with
   lower bounds (the most isolated people, then the most people, that many sets at those slots can
   hold), and the best is dealt into sets; :mod:`network.formation.placement` adds ejection chains
   (place someone by moving others along a chain of sets) during the search.
3. *Iterated local search*: move / swap units between sets and with people left out, judged by
   their delta on the two sets touched (one set score is a single pass over at most ``size_max``
   members); kicks (ruin-and-recreate of two or three sets that could trade members, dissolving a
   set, forming one from people others can spare, random swaps) escape local optima and change
   meeting slots and the number of sets. A kick that does not lead back to at least the best state
   is undone. It is anytime: the best state found is returned when the budget ends.

Randomness comes only from ``random.Random(seed)`` and members are handled in id order, so the same
input, seed and ``max_iterations`` (the step budget) give the same proposal on any machine, with or
without OR-Tools (a step budget never uses the exact bounds). A ``time_limit`` alone also stops the
search, but where it stops depends on the machine; a proposal records its seed, step budget and
:data:`ENGINE_VERSION`, and ``stopped == "time"`` says the time cap ended it first.

Complexity: construction costs about O(n * c) set scores for n members and c = 40 sampled
candidates per addition; one local-search step costs O(s * k) set scores for k sampled sets of
size s (all sets in small pools, 14 in large ones). On a 2-core machine the first valid proposal
takes well under a second at 2,000 people (see ``bench/bench_formation.py``).
References: the maximally diverse grouping problem (tabu / variable neighbourhood / iterated
local search), and the exchange methods of the R package ``anticlust``.

>>> members = [
...     Member(f"m{i}", organisation_id=f"o{i}", availability=("tue-pm",), themes={"practice-asye": "experienced"})
...     for i in range(8)
... ]
>>> proposal = form_sets(members, seed=1, max_iterations=500)
>>> [len(s.members) for s in proposal.sets], proposal.unplaced
([4, 4], ())
>>> proposal.sets[0].reasons[:2]
('meets Tuesday afternoons', 'all 4 share Supporting newly qualified social workers (ASYE)')
>>> is_valid_partition(members, [s.members for s in proposal.sets])
[]
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from network import availability
from network.formation import slots
from network.formation.bounds import Bounds, exact_bounds, relaxed_bounds
from network.formation.check import partition_violations, set_violations
from network.formation.engine import Budget, State, construct
from network.formation.explain import describe_set, shared_themes, unplaced_reasons
from network.formation.model import (
    GOALS,
    PRIORITIES,
    REGION_MODES,
    THEME_LEVELS,
    UNPLACED_CODES,
    Constraints,
    FormationError,
    LockedSet,
    Member,
    Move,
    Proposal,
    ProposedSet,
    Rules,
    Unplaced,
    Weights,
)
from network.formation.problem import SCALE, PoolStats, Problem, pool_stats
from network.formation.score import Scorer
from network.formation.search import improve

__all__ = [
    "ENGINE_VERSION",
    "FormationProgress",
    "PoolStats",
    "pool_stats",
    "GOALS",
    "PRIORITIES",
    "REGION_MODES",
    "THEME_LEVELS",
    "UNPLACED_CODES",
    "Constraints",
    "FormationError",
    "LockedSet",
    "Member",
    "Move",
    "Proposal",
    "ProposedSet",
    "Rules",
    "Unplaced",
    "Weights",
    "form_sets",
    "is_valid_partition",
    "objective",
    "score_partition",
    "score_sets",
    "validate",
]

DEFAULT_TIME_LIMIT = 5.0
#: The engine's version, kept with every proposal: the same pool, rules, seed and step budget give the same
#: partition with the same version on any machine. Bump it whenever a change can change a result.
ENGINE_VERSION = "formation-2"
#: Most seconds of a time budget spent on the exact CP-SAT counts (when OR-Tools is installed).
EXACT_SECONDS = 2.0


def validate(members: Sequence[Member], rules: Rules | None = None, constraints: Constraints | None = None) -> None:
    """Check a formation input and raise :class:`FormationError` naming the first problem.

    Catches a pool too small for one set, must-link and cannot-link pairs that contradict each other
    (also through chains of must-link pairs), must-link groups that break a hard rule, and pinned
    (locked) members who break one. ``Rules`` itself rejects a minimum size above the maximum.
    """
    Problem(members, rules or Rules(), constraints or Constraints())


def form_sets(
    members: Sequence[Member],
    rules: Rules | None = None,
    constraints: Constraints | None = None,
    *,
    seed: int = 0,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    max_iterations: int | None = None,
    theme_names: Mapping[str, str] | None = None,
    progress: Callable[[FormationProgress], None] | None = None,
) -> Proposal:
    """Partition the pool into action learning sets that keep every hard rule and score well.

    Parameters
    ----------
    members
        The enrolment pool (ids must be unique).
    rules
        Size bounds, organisation limit, common-slot rule, region mode and goal weights.
    constraints
        Must-link / cannot-link pairs, locked sets and existing ties.
    seed
        The only source of randomness.
    time_limit
        Seconds for the search after the first valid proposal (None: no limit). The first valid
        proposal is always built, however small the limit.
    max_iterations
        Cap on search steps (unit evaluations); with it, results do not depend on machine speed.
    theme_names
        ``{theme_id: name}`` for the reasons (built-in taxonomy names are used otherwise).
    progress
        Told now and then (every few thousand steps) how far the search is and the best it has found
        (:class:`FormationProgress`), e.g. for a job's progress figures; it never changes the result.

    Returns
    -------
    Proposal
        Valid sets with reasons and score breakdowns, and every unplaced member with the exact reason.

    Raises
    ------
    FormationError
        For input the engine cannot work with (see :func:`validate`), or an open locked set that
        cannot be completed to the minimum size.

    Examples
    --------
    >>> pool = [Member(f"p{i}", organisation_id=f"org{i % 5}", availability=("mon-am", "thu-pm")) for i in range(10)]
    >>> p = form_sets(pool, Rules(size_min=4, size_max=6, size_target=5), seed=3, max_iterations=2000)
    >>> sorted(len(s.members) for s in p.sets), p.placed
    ([5, 5], 10)
    """
    rules = rules or Rules()
    constraints = constraints or Constraints()
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, int | float) or time_limit < 0):
        raise FormationError("time_limit", f"must be a number of seconds, 0 or more, got {time_limit!r}")
    if max_iterations is not None and (isinstance(max_iterations, bool) or not isinstance(max_iterations, int) or max_iterations < 0):
        raise FormationError("max_iterations", f"must be a whole number, 0 or more, got {max_iterations!r}")
    pb = Problem(members, rules, constraints)
    scorer = Scorer(pb)
    state = State(pb, scorer)
    rng = random.Random(seed)
    construct(state, rng, Budget(None, None))
    for k in range(len(state.sets)):
        if state.pin[k] >= 0 and len(state.sets[k]) < rules.size_min:
            names = ", ".join(pb.ids[i] for i in pb.pinned[state.pin[k]].members)
            raise FormationError(
                "locked",
                f"the locked set ({names}) cannot be completed to {rules.size_min} members: "
                f"not enough people share its slot and fit its rules",
            )
    budget = Budget(time_limit, max_iterations, _reporter(progress, state, max_iterations, time_limit))
    bounds = relaxed_bounds(pb, state.hopeful)
    if max_iterations is None and time_limit and not bounds.reached(state.connected, state.placed, rules.priority):
        # A time budget: the exact counts from CP-SAT when it is installed (never with a step budget, whose result
        # must not depend on what is installed). Its time comes out of the budget.
        exact = exact_bounds(pb, min(EXACT_SECONDS, time_limit / 4))
        if exact is not None:
            bounds = exact
    if slots.applicable(pb) and not bounds.reached(state.connected, state.placed, rules.priority):
        # Who meets at which slot, searched on its own (exact for a given number of sets per slot), then dealt into sets.
        target = (bounds.connected, bounds.placed) if rules.priority == "isolated" else (bounds.placed, bounds.connected)
        people = [pb.units[u][0] for u in sorted(state.hopeful)]
        before, start = state.key(), state.snapshot()
        better = slots.plan(pb, [list(s) for s in state.sets if s], people, rng, budget, target)
        if better is not None:
            state.restore(better)
            if state.key()[:2] <= before[:2]:  # counted differently (two per organisation): keep what we had
                state.restore(start)
    stopped = improve(state, rng, budget, bounds)
    sets = [list(s) for s in state.sets if s]
    fixed = [state.fixed[k] for k in range(len(state.sets)) if state.sets[k]]
    proposal = _proposal(
        pb,
        scorer,
        sets,
        fixed,
        theme_names,
        seed=seed,
        iterations=budget.iterations,
        stopped=stopped,
        bounds=bounds,
        steps=max_iterations,
    )
    if not proposal.valid:  # the engine never hands out a partition that breaks a rule
        problems = list(proposal.violations) + [v for s in proposal.sets for v in s.violations]
        raise RuntimeError(f"set formation produced an invalid partition: {'; '.join(problems)}")
    return proposal


@dataclass(frozen=True)
class FormationProgress:
    """How far a search is: steps done (of ``max_steps`` under a step budget) and the best partition found so far."""

    steps: int
    max_steps: int | None
    time_limit: float | None
    connected: int
    placed: int
    score: float


def _reporter(
    progress: Callable[[FormationProgress], None] | None, state: State, max_steps: int | None, time_limit: float | None
) -> Callable[[int, tuple[int, int, int]], None] | None:
    if progress is None:
        return None

    def report(steps: int, best: tuple[int, int, int]) -> None:
        connected, placed = (best[0], best[1]) if state.iso_first else (best[1], best[0])
        progress(FormationProgress(steps, max_steps, time_limit, connected, placed, best[2] / SCALE))

    return report


def score_partition(
    members: Sequence[Member],
    sets: Sequence[Sequence[str]],
    rules: Rules | None = None,
    constraints: Constraints | None = None,
    *,
    theme_names: Mapping[str, str] | None = None,
) -> Proposal:
    """Score and explain a given partition (for example after a coordinator moves or swaps someone).

    Each set carries its score breakdown, reasons and the hard rules it breaks (``violations``);
    rules broken across sets (a member in two sets, split must-link pairs, changed locked sets) are on
    the proposal's ``violations``. Members in no set get the reason they are out; ``left_out`` means a
    set (or a new set of people left out) could take them.

    Raises
    ------
    FormationError
        For invalid input (see :func:`validate`; a small pool is allowed here, and a locked set
        that breaks a rule is reported as violations, not raised) or a set naming someone who is
        not in the pool.
    """
    rules = rules or Rules()
    constraints = constraints or Constraints()
    pb = Problem(members, rules, constraints, require_pool=False, strict_pins=False)
    index_sets = _index_sets(pb, sets)
    scorer = Scorer(pb)
    fixed = [any(not pb.pinned[p].open and sorted(set(s)) == list(pb.pinned[p].members) for p in range(len(pb.pinned))) for s in index_sets]
    return _proposal(pb, scorer, index_sets, fixed, theme_names, seed=None, iterations=0, stopped="scored", keep_order=True)


# joins (issue 9): one scorer for sets judged one at a time, shared by set suggestions.
def score_sets(
    members: Sequence[Member],
    sets: Sequence[Sequence[str]],
    rules: Rules | None = None,
    constraints: Constraints | None = None,
    *,
    slots: Sequence[str | None] | None = None,
    theme_names: Mapping[str, str] | None = None,
    explain: bool = True,
    stats: PoolStats | None = None,
) -> tuple[ProposedSet, ...]:
    """Score, explain and check each set on its own against one pool; the sets may share members.

    Unlike :func:`score_partition` nothing is checked across sets and nobody is reported unplaced, so
    a set and the same set with one more person can be scored side by side (the difference is what
    that person adds by the formation objective). Theme rarity and the pool's mean experience come
    from ``members``.

    Parameters
    ----------
    members
        The pool every set is drawn from (ids unique).
    sets
        Member ids of each set.
    rules, constraints
        As for :func:`form_sets` (``constraints.ties`` matter: tied pairs earn no new-tie credit).
    slots
        Each set's fixed meeting slot, or ``None``; a member not free then is a violation of the set.
    theme_names
        ``{theme_id: name}`` for the reasons.
    explain
        False leaves ``reasons`` empty (and ``meeting_slot`` / ``common_slots`` / ``shared_themes``
        are still filled): for callers that word their own reasons.
    stats
        The whole pool's :class:`PoolStats` when ``members`` are only part of it (the people of the sets an
        edit touches): each set then scores exactly as it would among the whole pool.

    Returns
    -------
    tuple of ProposedSet
        In the order given, each with score, breakdown, reasons and the hard rules it breaks.
        Cost: one set score per set.

    Examples
    --------
    >>> pool = [Member(f"m{i}", organisation_id=f"o{i}", availability=("tue-pm",)) for i in range(4)]
    >>> small, grown = score_sets(pool, [["m0", "m1", "m2"], ["m0", "m1", "m2", "m3"]], Rules(size_min=3, size_max=4, size_target=4))
    >>> grown.breakdown["ties"] > small.breakdown["ties"], grown.violations
    (True, ())
    """
    rules = rules or Rules()
    constraints = constraints or Constraints()
    if slots is not None and len(slots) != len(sets):
        raise FormationError("slots", f"give one slot (or None) per set: {len(sets)} sets, {len(slots)} slots")
    pb = Problem(members, rules, constraints, require_pool=False, strict_pins=False, stats=stats)
    scorer = Scorer(pb)
    out = []
    for k, index_set in enumerate(_index_sets(pb, sets)):
        unique = sorted(set(index_set))
        slot = slots[k] if slots is not None else None
        if slot is not None and not availability.is_slot(slot):
            raise FormationError("slots", f"unknown meeting slot {slot!r}")
        pinned = availability.to_mask((slot,)) if slot is not None else 0
        if explain:
            meeting, common, themes, reasons = describe_set(pb, scorer, unique, theme_names, locked=False, pinned_slot=pinned)
        else:
            common = availability.from_mask(pb.common_mask(unique)) if unique else ()
            meeting, themes, reasons = (common[0] if common else None), shared_themes(pb, unique), ()
        out.append(
            ProposedSet(
                members=tuple(pb.ids[i] for i in unique),
                meeting_slot=slot if slot is not None else meeting,
                common_slots=common,
                shared_themes=themes,
                score=scorer.points(unique) / SCALE if unique else 0.0,
                breakdown=scorer.breakdown(unique) if unique else dict.fromkeys(GOALS, 0.0),
                reasons=reasons,
                violations=tuple(set_violations(pb, unique, pinned_slot=pinned)) if unique else (),
            )
        )
    return tuple(out)


def is_valid_partition(
    members: Sequence[Member],
    sets: Sequence[Sequence[str]],
    rules: Rules | None = None,
    constraints: Constraints | None = None,
) -> list[str]:
    """Every hard rule the partition breaks, in words (an empty list means valid).

    Checks each set's size, organisation limit, common slot, cannot-link pairs and capacity; that
    nobody is in two sets or unknown; that must-link pairs are together; that locked sets are kept.

    >>> pool = [Member("a", "o1", availability=("mon-am",)), Member("b", "o1", availability=("mon-am",))]
    >>> is_valid_partition(pool, [["a", "b"]], Rules(size_min=2, size_max=2, size_target=2))
    ['set 1: 2 members work for o1 (at most 1 per organisation)']
    """
    rules = rules or Rules()
    constraints = constraints or Constraints()
    pb = Problem(members, rules, constraints, require_pool=False, strict_pins=False)
    problems: list[str] = []
    index_sets: list[list[int]] = []
    for k, s in enumerate(sets):
        if isinstance(s, str):
            problems.append(f"set {k + 1}: must be a list of member ids, not a string")
            index_sets.append([])
            continue
        known = []
        for mid in s:
            if mid in pb.index:
                known.append(pb.index[mid])
            else:
                problems.append(f"set {k + 1}: {mid} is not in the pool")
        index_sets.append(known)
    per_set, overall = partition_violations(pb, index_sets)
    for k, violations in enumerate(per_set):
        problems.extend(f"set {k + 1}: {v}" for v in violations)
    problems.extend(dict.fromkeys(overall))
    return problems


def objective(
    members: Sequence[Member], sets: Sequence[Sequence[str]], rules: Rules | None = None, constraints: Constraints | None = None
) -> tuple[int, float]:
    """``(people placed, score)`` of a partition: the value the engine maximises (lexicographically)."""
    rules = rules or Rules()
    constraints = constraints or Constraints()
    pb = Problem(members, rules, constraints, require_pool=False, strict_pins=False)
    scorer = Scorer(pb)
    index_sets = _index_sets(pb, sets)
    return sum(len(set(s)) for s in index_sets), sum(scorer.points(sorted(set(s))) for s in index_sets) / SCALE


def _index_sets(pb: Problem, sets: Sequence[Sequence[str]]) -> list[list[int]]:
    out = []
    for k, s in enumerate(sets):
        if isinstance(s, str):
            raise FormationError("sets", f"set {k + 1} must be a list of member ids, not a string")
        missing = [mid for mid in s if mid not in pb.index]
        if missing:
            raise FormationError("sets", f"set {k + 1}: {', '.join(map(str, missing))} not in the pool")
        out.append([pb.index[mid] for mid in s])
    return out


def _proposal(
    pb: Problem,
    scorer: Scorer,
    sets: list[list[int]],
    fixed: list[bool],
    theme_names: Mapping[str, str] | None,
    *,
    seed: int | None,
    iterations: int,
    stopped: str,
    keep_order: bool = False,
    bounds: Bounds | None = None,
    steps: int | None = None,
) -> Proposal:
    per_set, overall = partition_violations(pb, sets)
    built: list[tuple[tuple[object, ...], ProposedSet, bool, list[int]]] = []
    for k, members in enumerate(sets):
        unique = sorted(set(members))
        pins = {pb.pinned_of[i] for i in unique} - {-1}
        pinned_slot = pb.pinned[next(iter(pins))].slot_mask if len(pins) == 1 else 0
        meeting, common, themes, reasons = describe_set(pb, scorer, unique, theme_names, locked=bool(pins), pinned_slot=pinned_slot)
        breakdown = scorer.breakdown(unique) if unique else dict.fromkeys(GOALS, 0.0)
        ps = ProposedSet(
            members=tuple(pb.ids[i] for i in unique),
            meeting_slot=meeting,
            common_slots=common,
            shared_themes=themes,
            score=scorer.points(unique) / SCALE if unique else 0.0,
            breakdown=breakdown,
            reasons=reasons,
            locked=bool(pins),
            violations=tuple(per_set[k]),
        )
        order = (availability.SLOTS.index(meeting) if meeting else len(availability.SLOTS), ps.members)
        built.append((order if not keep_order else (k,), ps, fixed[k], members))
    if not keep_order:
        built.sort(key=lambda item: item[0])
    ordered_sets = [item[3] for item in built]
    ordered_fixed = [item[2] for item in built]
    unplaced = unplaced_reasons(pb, ordered_sets, ordered_fixed)
    connected = sum(sum(pb.iso[i] for i in set(m)) for m in sets if len({pb.org[i] for i in m}) >= 2)
    total = {g: 0.0 for g in GOALS}
    for _, ps, _, _ in built:
        for g in GOALS:
            total[g] += ps.breakdown[g]
    points = sum(scorer.points(sorted(set(m))) for m in sets if m)
    return Proposal(
        sets=tuple(item[1] for item in built),
        unplaced=tuple(sorted(unplaced, key=lambda u: u.member_id)),
        score=points / SCALE,
        breakdown={g: round(v, 3) for g, v in total.items()},
        placed=len({i for m in sets for i in m}),
        violations=tuple(dict.fromkeys(overall)),
        seed=seed,
        iterations=iterations,
        stopped=stopped,
        connected=connected,
        placed_bound=bounds.placed if bounds is not None else None,
        connected_bound=bounds.connected if bounds is not None else None,
        bound_exact=bounds.exact if bounds is not None else False,
        steps=steps,
        engine=ENGINE_VERSION if seed is not None else "",
    )
