"""The most isolated people connected and people placed, exactly, with OR-Tools CP-SAT (issue 22).

Optional: needs the ``bridgework[exact]`` extra (``ortools``), imported only when a solve runs. The engine
asks it for exact bounds when it is installed (:func:`network.formation.bounds.exact_bounds`) and the
benchmarks and tests measure the engine against it; :mod:`network.formation_exact` re-exports it.

When nobody is pinned, nobody must or cannot be with anyone and a set always spans two organisations
(``max_per_organisation < size_min``), it uses a small aggregated model (``z[i, s]``: person ``i`` meets
at slot ``s``; ``m_s`` sets at ``s``; ``size_min * m_s <= sum_i z[i, s] <= size_max * m_s`` and at most
``limit * m_s`` per organisation), which is exact: dealing the people of one slot round-robin, grouped
by organisation, into its ``m_s`` sets keeps every rule. Otherwise an assignment model ``x[i, k]`` with
one slot per set, every hard rule, and "connected" indicators.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from network import availability
from network.formation.model import Constraints, Member, Rules
from network.formation.problem import Problem


@dataclass(frozen=True, slots=True)
class PlacementOptimum:
    """The most isolated people connected and people placed (lexicographic in the rules' priority), and a partition doing it.

    ``proven`` is True when CP-SAT proved both counts maximal; otherwise they are the best found.
    ``sets`` are member indices of the :class:`~network.formation.problem.Problem` (locked sets included).
    """

    connected: int
    placed: int
    proven: bool
    method: str
    sets: tuple[tuple[int, ...], ...]
    wall_time: float


def _connected_of(pb: Problem, sets: Sequence[Sequence[int]]) -> int:
    return sum(sum(pb.iso[i] for i in s) for s in sets if len({pb.org[i] for i in s}) >= 2)


def placement_optimum(
    pb: Problem | Sequence[Member],
    rules: Rules | None = None,
    constraints: Constraints | None = None,
    *,
    time_limit: float = 10.0,
    workers: int = 1,
    seed: int = 0,
    connected_only: bool = False,
) -> PlacementOptimum | None:
    """The hard-rules-only optimum: most isolated people connected and people placed, in ``Rules.priority`` order.

    ``pb`` is a :class:`Problem` or the members (then ``rules`` / ``constraints`` apply). None when
    CP-SAT found no solution in time. See the module docstring for the two models. ``connected_only``
    maximises the isolated people connected alone (the ceiling), whatever the priority.
    """
    try:
        from ortools.sat.python import cp_model
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("exact set formation needs OR-Tools: install bridgework[exact]") from exc
    if not isinstance(pb, Problem):
        pb = Problem(pb, rules or Rules(), constraints or Constraints())
    start = time.monotonic()
    free = [u for u, unit in enumerate(pb.units) if all(pb.eligible[i] for i in unit) and pb.pinned_of[unit[0]] < 0]
    rules = pb.rules
    aggregated = (
        not pb.pinned
        and all(len(pb.units[u]) == 1 for u in free)
        and not any(pb.cannot[pb.units[u][0]] for u in free)
        and rules.max_per_organisation < rules.size_min
    )
    big = pb.n + 1
    iso_first = rules.priority == "isolated"
    model = cp_model.CpModel()
    if aggregated:
        people = [pb.units[u][0] for u in free if not rules.require_common_slot or pb.mask[pb.units[u][0]]]
        slots = list(range(len(availability.SLOTS))) if rules.require_common_slot else [0]
        z: dict[tuple[int, int], Any] = {}
        counts: dict[int, Any] = {}
        for i in people:
            for s in slots:
                if not rules.require_common_slot or pb.mask[i] >> s & 1:
                    z[i, s] = model.new_bool_var(f"z{i}_{s}")
            model.add_at_most_one(z[i, s] for s in slots if (i, s) in z)
        for s in slots:
            here = [i for i in people if (i, s) in z]
            if len(here) < rules.size_min:
                for i in here:
                    model.add(z[i, s] == 0)
                continue
            m = counts[s] = model.new_int_var(0, len(here) // rules.size_min, f"m{s}")
            total = sum(z[i, s] for i in here)
            model.add(total >= rules.size_min * m)
            model.add(total <= rules.size_max * m)
            per_org: dict[int, list[int]] = {}
            for i in here:
                per_org.setdefault(pb.org[i], []).append(i)
            for o, who in per_org.items():
                if pb.real_org[o] and len(who) > rules.max_per_organisation:
                    model.add(sum(z[i, s] for i in who) <= rules.max_per_organisation * m)
        placed = sum(z.values())
        connected = sum(pb.iso[i] * var for (i, _), var in z.items())
    else:
        x, sets_of = _assignment(model, pb)
        placed = sum(x.values())
        connected = _connected_expr(model, pb, x, sets_of)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    everyone = sum(pb.iso[i] for i in range(pb.n) if pb.eligible[i] and (pb.mask[i] or not rules.require_common_slot))
    status = None
    if connected_only and everyone:
        # The ceiling alone: first ask whether every isolated person who could meet at all can be connected (then that
        # trivial bound is reached, and proven); CP-SAT finds such a grouping fast but can be slow to prove it optimal.
        trial = model.clone()
        trial.add(connected >= everyone)
        trial_solver = cp_model.CpSolver()
        trial_solver.parameters.max_time_in_seconds = max(0.01, min(time_limit, 10.0))
        trial_solver.parameters.num_workers = workers
        trial_solver.parameters.random_seed = seed
        if trial_solver.solve(trial) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            model, solver, status = trial, trial_solver, cp_model.OPTIMAL
    if status is None:
        if connected_only:  # the ceiling of isolated people connected alone (easier to prove than both counts)
            model.maximize(connected)
        else:
            model.maximize(big * connected + placed if iso_first else big * placed + connected)
        status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    if aggregated:
        sets: list[list[int]] = []
        for s in slots:
            here = sorted((i for i in people if (i, s) in z and solver.value(z[i, s])), key=lambda i: (pb.org[i], i))
            if not here:
                continue
            m = solver.value(counts[s])
            dealt: list[list[int]] = [[] for _ in range(m)]
            for j, i in enumerate(here):
                dealt[j % m].append(i)
            sets.extend(dealt)
    else:
        found: list[list[int]] = [[] for _ in range(sets_of)]
        for (i, k), var in x.items():
            if solver.value(var):
                found[k].append(i)
        sets = [s for s in found if s]
    return PlacementOptimum(
        connected=_connected_of(pb, sets),
        placed=sum(len(x) for x in sets),
        # Proven when CP-SAT says so, or (the ceiling alone) when every isolated person who could meet at all is connected.
        proven=status == cp_model.OPTIMAL
        or (
            connected_only
            and _connected_of(pb, sets)
            >= sum(pb.iso[i] for i in range(pb.n) if pb.eligible[i] and (pb.mask[i] or not rules.require_common_slot))
        ),
        method="aggregated" if aggregated else "assignment",
        sets=tuple(tuple(sorted(x)) for x in sets),
        wall_time=time.monotonic() - start,
    )


def _assignment(model: Any, pb: Problem) -> tuple[dict[tuple[int, int], Any], int]:
    """Variables ``x[i, k]`` (member ``i`` in set ``k``) under every hard rule; returns them and the number of sets."""
    rules = pb.rules
    eligible = [i for i in range(pb.n) if pb.eligible[i]]
    free = [i for i in eligible if pb.pinned_of[i] < 0]
    n_pinned = len(pb.pinned)
    K = n_pinned + len(free) // rules.size_min
    rank = {i: r for r, i in enumerate(free)}
    x: dict[tuple[int, int], Any] = {}
    for i in eligible:
        p = pb.pinned_of[i]
        for k in range(K):
            if p >= 0:
                if k == p:
                    x[i, k] = model.new_constant(1)
            elif k < n_pinned:
                if pb.pinned[k].open:
                    x[i, k] = model.new_bool_var(f"x{i}_{k}")
            elif k - n_pinned <= rank[i]:  # symmetry: free set k' holds only members ranked k' or later
                x[i, k] = model.new_bool_var(f"x{i}_{k}")
    col = {k: [i for i in eligible if (i, k) in x] for k in range(K)}
    for i in eligible:
        model.add_at_most_one(x[i, k] for k in range(K) if (i, k) in x)
    used = [model.new_bool_var(f"used{k}") for k in range(K)]
    for k in range(K):
        size = sum(x[i, k] for i in col[k])
        model.add(size >= rules.size_min * used[k])
        model.add(size <= rules.size_max * used[k])
        if k < n_pinned:
            model.add(used[k] == 1)
        per_org: dict[int, list[int]] = {}
        for i in col[k]:
            per_org.setdefault(pb.org[i], []).append(i)
        for o, people in per_org.items():
            if pb.real_org[o] and len(people) > rules.max_per_organisation:
                model.add(sum(x[i, k] for i in people) <= rules.max_per_organisation)
        for i in col[k]:
            for j in pb.cannot[i]:
                if i < j and (j, k) in x:
                    model.add(x[i, k] + x[j, k] <= 1)
            for j in pb.must[i]:
                if i < j:
                    model.add(x[i, k] == x[j, k]) if (j, k) in x else model.add(x[i, k] == 0)
        pinned_slot = pb.pinned[k].slot_mask if k < n_pinned else 0
        if rules.require_common_slot or pinned_slot:
            slots = [s for s in range(len(availability.SLOTS)) if any(pb.mask[i] >> s & 1 for i in col[k])]
            if pinned_slot:
                slots = [s for s in slots if pinned_slot >> s & 1]
            chosen = {s: model.new_bool_var(f"slot{k}_{s}") for s in slots}
            model.add(sum(chosen.values()) == used[k])
            for s, lit in chosen.items():
                for i in col[k]:
                    if not pb.mask[i] >> s & 1:
                        model.add(x[i, k] + lit <= 1)
    for k in range(n_pinned, K - 1):
        model.add(used[k] >= used[k + 1])
    return x, K


def _connected_expr(model: Any, pb: Problem, x: dict[tuple[int, int], Any], sets: int) -> Any:
    """Isolated people in a set with someone of another organisation, as a linear expression."""
    if pb.rules.max_per_organisation < pb.rules.size_min:  # every set spans two organisations
        return sum(var for (i, _), var in x.items() if pb.iso[i])
    terms = []
    for (i, k), var in x.items():
        if not pb.iso[i]:
            continue
        others = [x[j, k] for j in range(pb.n) if (j, k) in x and pb.org[j] != pb.org[i]]
        if not others:
            continue
        c = model.new_bool_var(f"conn{i}_{k}")
        model.add_implication(c, var)
        model.add(sum(others) >= 1).only_enforce_if(c)
        terms.append(c)
    return sum(terms)
