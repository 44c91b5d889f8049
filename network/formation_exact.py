"""Exact set formation with OR-Tools CP-SAT, the reference the heuristic engine is measured against.

Optional: needs the ``bridgework[exact]`` extra (``ortools``), imported only when a solve runs. The
production engine (:mod:`network.formation`) never depends on it.

Both models optimise exactly the engine's objective, lexicographically: first the isolated people
connected and the people placed, in the order ``Rules.priority`` gives (isolated first by default),
then the integer score with those counts.

:func:`placement_optimum` solves the hard rules alone (no score): the most isolated people connected
and people placed, exactly. When nobody is pinned, nobody must or cannot be with anyone and a set
always spans two organisations (``max_per_organisation < size_min``), it uses a small aggregated model
(``z[i, s]``: person ``i`` meets at slot ``s``; ``m_s`` sets at ``s``; ``size_min * m_s <= sum_i z[i, s]
<= size_max * m_s`` and at most ``limit * m_s`` per organisation), which is exact: dealing the
people of one slot round-robin, grouped by organisation, into its ``m_s`` sets keeps every rule. It
solves pools of hundreds in well under a second. Otherwise it uses the assignment model below
without the score.

``columns`` (small pools)
    Enumerates every feasible set (size bounds, per-organisation limit, common slot, cannot-link,
    must-link groups whole, pinned members) and scores each with the engine's own scorer, then solves
    a set-packing model: pick sets so nobody is in two. Exact for any objective; used while the
    number of feasible sets stays under ``max_columns`` (pools up to about 25-30 people).
``compact`` (larger pools)
    An assignment model ``x[i, k]`` (member ``i`` in set ``k``) with one meeting slot per set, and the
    objective linearised so that, for the best values of the auxiliary variables, it equals the
    engine's score for any partition: shared themes by indicators ``full[t, k]`` (no member lacks
    ``t``) and ``atmost1[t, k]`` (at most one lacks it), level mix, a "nothing shared" indicator, the
    absolute experience deviation, kind / region presence indicators (or the commonest region's
    count), new ties as ``C(n_k, 2)`` less the colleague / already-tied pairs present, isolated
    credit as ``I_k (n_k - 1)`` less those pairs' isolated ends, and the absolute size deviation.
    Sets are ordered by their lowest-ranked member to break symmetry.

Expect proofs of optimality only for about 20 people; beyond that CP-SAT returns its best so far.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from network import availability
from network.formation import Constraints, Proposal, Rules, score_partition
from network.formation.counts import PlacementOptimum, _connected_of, placement_optimum
from network.formation.model import GOALS, Member
from network.formation.problem import NO_SHARED_THEME, SCALE, Problem
from network.formation.score import UNIT, Scorer

__all__ = ["ExactResult", "PlacementOptimum", "count_columns", "placement_optimum", "solve_exact"]

#: Columns above which ``method="auto"`` switches to the compact model.
MAX_COLUMNS = 300_000


@dataclass(frozen=True, slots=True)
class ExactResult:
    """What CP-SAT found: the proposal (or None), whether it is proven optimal, and the bound on the score.

    ``bound`` is CP-SAT's upper bound on the score for the number placed (phase 2); ``placed_optimal``
    says whether the number placed is proven maximal. ``time_to_best`` is the wall time (s) at which
    the final best solution of phase 2 was found.
    """

    proposal: Proposal | None
    optimal: bool
    placed_optimal: bool
    placed: int
    score: float | None
    bound: float | None
    status: str
    method: str
    wall_time: float
    time_to_best: float | None = None
    columns: int | None = None


def _cp_model() -> Any:
    try:
        from ortools.sat.python import cp_model
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("exact set formation needs OR-Tools: install bridgework[exact]") from exc
    return cp_model


def _free_units(pb: Problem) -> list[int]:
    return [u for u, unit in enumerate(pb.units) if all(pb.eligible[i] for i in unit) and pb.pinned_of[unit[0]] < 0]


def enumerate_columns(pb: Problem, limit: int = MAX_COLUMNS) -> list[tuple[tuple[int, ...], int]] | None:
    """Every feasible set as ``(members, pinned index or -1)``; None when there are more than ``limit``."""
    rules = pb.rules
    units = pb.units
    free = _free_units(pb)
    out: list[tuple[tuple[int, ...], int]] = []
    require = rules.require_common_slot
    full_mask = (1 << len(availability.SLOTS)) - 1

    def extend(start: int, members: list[int], orgc: dict[int, int], mask: int, pinned: int) -> bool:
        if len(members) >= rules.size_min:
            out.append((tuple(sorted(members)), pinned))
            if len(out) > limit:
                return False
        for idx in range(start, len(free)):
            unit = units[free[idx]]
            if len(members) + len(unit) > rules.size_max:
                continue
            new_mask = mask & pb.common_mask(unit)
            if require and not new_mask:
                continue
            if any(j in pb.cannot[i] for i in unit for j in members):
                continue
            ok = True
            for i in unit:
                o = pb.org[i]
                orgc[o] = orgc.get(o, 0) + 1
                if pb.real_org[o] and orgc[o] > rules.max_per_organisation:
                    ok = False
            if ok and not extend(idx + 1, members + list(unit), orgc, new_mask, pinned):
                return False
            for i in unit:
                orgc[pb.org[i]] -= 1
        return True

    for p, pinned in enumerate(pb.pinned):
        core = list(pinned.members)
        if not pinned.open:
            out.append((tuple(core), p))
            continue
        orgc: dict[int, int] = {}
        for i in core:
            orgc[pb.org[i]] = orgc.get(pb.org[i], 0) + 1
        mask = pb.common_mask(core) & (pinned.slot_mask or full_mask)
        if not extend(0, core, orgc, mask, p):
            return None
    if not extend(0, [], {}, full_mask, -1):
        return None
    return out


def count_columns(
    members: Sequence[Member], rules: Rules | None = None, constraints: Constraints | None = None, limit: int = 10**7
) -> int | None:
    """How many feasible sets the pool has (None when over ``limit``): the size of the ``columns`` model."""
    pb = Problem(members, rules or Rules(), constraints or Constraints())
    cols = enumerate_columns(pb, limit)
    return None if cols is None else len(cols)


class _Timer:
    """Solution callback that records when the last improving solution arrived."""

    def __init__(self, cp_model: Any, start: float) -> None:
        class Callback(cp_model.CpSolverSolutionCallback):
            def __init__(self) -> None:
                super().__init__()
                self.last: float | None = None

            def on_solution_callback(self) -> None:
                self.last = time.monotonic() - start

        self.callback = Callback()


def solve_exact(
    members: Sequence[Member],
    rules: Rules | None = None,
    constraints: Constraints | None = None,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    method: str = "auto",
    max_columns: int = MAX_COLUMNS,
    seed: int = 0,
    theme_names: Mapping[str, str] | None = None,
    hint: Sequence[Sequence[str]] | None = None,
) -> ExactResult:
    """Solve set formation with CP-SAT on the engine's objective, within ``time_limit`` seconds.

    Parameters
    ----------
    method
        ``"columns"``, ``"compact"`` or ``"auto"`` (columns while the pool has at most
        ``max_columns`` feasible sets).
    workers
        CP-SAT search workers (the machine has 2 cores).
    hint
        Optional partition (member ids) to start the compact model from.

    Returns
    -------
    ExactResult
        ``optimal`` is True only when both phases are proven optimal.
    """
    cp_model = _cp_model()
    rules = rules or Rules()
    constraints = constraints or Constraints()
    pb = Problem(members, rules, constraints)
    if method not in ("auto", "columns", "compact"):
        raise ValueError(f"method must be auto, columns or compact, got {method!r}")
    start = time.monotonic()
    columns = None
    if method in ("auto", "columns"):
        columns = enumerate_columns(pb, max_columns)
        if columns is None and method == "columns":
            raise ValueError(f"more than {max_columns} feasible sets: use the compact model")
    if columns is not None:
        return _solve_columns(cp_model, pb, members, columns, time_limit, workers, seed, theme_names, start)
    return _solve_compact(cp_model, pb, members, time_limit, workers, seed, theme_names, hint, start)


def _params(solver: Any, time_limit: float, workers: int, seed: int) -> None:
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed


def _finish(
    pb: Problem,
    members: Sequence[Member],
    sets: list[list[int]] | None,
    phase1: Any,
    status2: Any,
    solver: Any,
    cp_model: Any,
    method: str,
    start: float,
    timer: _Timer,
    theme_names: Mapping[str, str] | None,
    columns: int | None,
    big: int = 0,
) -> ExactResult:
    optimal_status = cp_model.OPTIMAL
    if sets is None:
        return ExactResult(
            proposal=None,
            optimal=False,
            placed_optimal=phase1 == optimal_status,
            placed=0,
            score=None,
            bound=None,
            status=solver.status_name(status2),
            method=method,
            wall_time=time.monotonic() - start,
            columns=columns,
        )
    proposal = score_partition(members, [[pb.ids[i] for i in s] for s in sets], pb.rules, pb.constraints, theme_names=theme_names)
    bound_points = solver.best_objective_bound
    if big:  # the weighted objective: take off the counts' share
        first, second = (proposal.connected, proposal.placed) if pb.rules.priority == "isolated" else (proposal.placed, proposal.connected)
        bound_points -= big * (pb.n + 1) * first + big * second
    bound = bound_points / SCALE
    return ExactResult(
        proposal=proposal,
        optimal=phase1 == optimal_status and status2 == optimal_status,
        placed_optimal=phase1 == optimal_status,
        placed=proposal.placed,
        score=proposal.score,
        bound=bound,
        status=solver.status_name(status2),
        method=method,
        wall_time=time.monotonic() - start,
        time_to_best=timer.callback.last,
        columns=columns,
    )


def _solve_columns(
    cp_model: Any,
    pb: Problem,
    members: Sequence[Member],
    columns: list[tuple[tuple[int, ...], int]],
    time_limit: float,
    workers: int,
    seed: int,
    theme_names: Mapping[str, str] | None,
    start: float,
) -> ExactResult:
    scorer = Scorer(pb)
    points = [scorer.points(c) for c, _ in columns]
    model = cp_model.CpModel()
    y = [model.new_bool_var(f"set{j}") for j in range(len(columns))]
    covering: dict[int, list[int]] = {}
    for j, (c, _) in enumerate(columns):
        for i in c:
            covering.setdefault(i, []).append(j)
    # Everyone is in at most one set.
    for js in covering.values():
        model.add_at_most_one(y[j] for j in js)
    # Each locked set is in the partition: the closed one as it is, an open one in one of its completions.
    for p in range(len(pb.pinned)):
        model.add_exactly_one(y[j] for j, (_, pin) in enumerate(columns) if pin == p)
    # One solve, lexicographic by weighting: an isolated person connected or a person placed (in the rules'
    # priority order) outweighs any difference in score, and the first count outweighs the second.
    n_sets = max(1, sum(pb.eligible) // pb.rules.size_min)
    big = n_sets * (max(0, max(points, default=0)) - min(0, min(points, default=0))) + 1
    bigger = big * (pb.n + 1)
    conn = [_connected_of(pb, [c]) for c, _ in columns]
    first, second = (conn, [len(c) for c, _ in columns]) if pb.rules.priority == "isolated" else ([len(c) for c, _ in columns], conn)
    model.maximize(sum((bigger * first[j] + big * second[j] + points[j]) * y[j] for j in range(len(columns))))
    solver = cp_model.CpSolver()
    timer = _Timer(cp_model, start)
    _params(solver, time_limit, workers, seed)
    status = solver.solve(model, timer.callback)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _finish(pb, members, None, status, status, solver, cp_model, "columns", start, timer, theme_names, len(columns), big)
    sets = [list(columns[j][0]) for j in range(len(columns)) if solver.boolean_value(y[j])]
    return _finish(pb, members, sets, status, status, solver, cp_model, "columns", start, timer, theme_names, len(columns), big)


class _Compact:
    """The assignment model; ``quality`` is the engine's integer score as a linear expression."""

    def __init__(self, cp_model: Any, pb: Problem, *, objective: bool = True) -> None:
        self.pb = pb
        rules = pb.rules
        model = self.model = cp_model.CpModel()
        eligible = [i for i in range(pb.n) if pb.eligible[i]]
        free = [i for i in eligible if pb.pinned_of[i] < 0]
        n_pinned = len(pb.pinned)
        n_free_sets = len(free) // rules.size_min
        K = self.K = n_pinned + n_free_sets
        self.members = eligible
        x: dict[tuple[int, int], Any] = {}
        rank = {i: r for r, i in enumerate(free)}
        for i in eligible:
            p = pb.pinned_of[i]
            for k in range(K):
                if p >= 0:
                    if k == p:
                        x[i, k] = model.new_constant(1)
                    continue
                if k < n_pinned:
                    if pb.pinned[k].open:
                        x[i, k] = model.new_bool_var(f"x{i}_{k}")
                    continue
                # Symmetry: free set k' holds only members ranked k' or later, and its lowest-ranked member is one of them.
                if k - n_pinned <= rank[i]:
                    x[i, k] = model.new_bool_var(f"x{i}_{k}")
        self.x = x
        col = {k: [i for i in eligible if (i, k) in x] for k in range(K)}
        self.col = col
        y = [model.new_bool_var(f"used{k}") for k in range(K)]
        self.y = y
        size = [model.new_int_var(0, rules.size_max, f"n{k}") for k in range(K)]
        self.size = size
        # Everyone is in at most one set.
        for i in eligible:
            model.add_at_most_one(x[i, k] for k in range(K) if (i, k) in x)
        for k in range(K):
            model.add(size[k] == sum(x[i, k] for i in col[k]))
            # Size bounds: a used set has size_min..size_max members, an unused one none.
            model.add(size[k] >= rules.size_min * y[k])
            model.add(size[k] <= rules.size_max * y[k])
            if k < n_pinned:
                model.add(y[k] == 1)
            # One per organisation (or the configured limit).
            per_org: dict[int, list[int]] = {}
            for i in col[k]:
                per_org.setdefault(pb.org[i], []).append(i)
            for o, people in per_org.items():
                if pb.real_org[o] and len(people) > rules.max_per_organisation:
                    model.add(sum(x[i, k] for i in people) <= rules.max_per_organisation)
            # Cannot-link pairs never share a set.
            for i in col[k]:
                for j in pb.cannot[i]:
                    if i < j and (j, k) in x:
                        model.add(x[i, k] + x[j, k] <= 1)
            # Must-link pairs share a set.
            for i in col[k]:
                for j in pb.must[i]:
                    if i < j:
                        if (j, k) in x:
                            model.add(x[i, k] == x[j, k])
                        else:
                            model.add(x[i, k] == 0)
        for k in range(n_pinned, K - 1):
            model.add(y[k] >= y[k + 1])
        # A common weekly slot: each used set picks one slot that all its members have.
        if rules.require_common_slot or any(p.slot_mask for p in pb.pinned):
            for k in range(K):
                pinned_slot = pb.pinned[k].slot_mask if k < n_pinned else 0
                if not rules.require_common_slot and not pinned_slot:
                    continue
                slots = [s for s in range(len(availability.SLOTS)) if any(pb.mask[i] >> s & 1 for i in col[k])]
                if pinned_slot:
                    slots = [s for s in slots if pinned_slot >> s & 1]
                chosen = {s: model.new_bool_var(f"slot{k}_{s}") for s in slots}
                model.add(sum(chosen.values()) == y[k])
                for s, lit in chosen.items():
                    for i in col[k]:
                        if not pb.mask[i] >> s & 1:
                            model.add(x[i, k] + lit <= 1)
        self.placed = sum(x[i, k] for (i, k) in x)
        self.quality = self._objective(cp_model) if objective else 0
        self._connected: Any = None

    def connected(self, cp_model: Any) -> Any:
        """Isolated people in a set with someone of another organisation, as a linear expression."""
        if self._connected is not None:
            return self._connected
        pb, model, x, col = self.pb, self.model, self.x, self.col
        if pb.rules.max_per_organisation < pb.rules.size_min:  # every set spans two organisations
            self._connected = sum(x[i, k] for (i, k) in x if pb.iso[i])
            return self._connected
        terms = []
        for k in range(self.K):
            for i in col[k]:
                if not pb.iso[i]:
                    continue
                others = [x[j, k] for j in col[k] if pb.org[j] != pb.org[i]]
                if not others:
                    continue
                c = model.new_bool_var(f"conn{i}_{k}")
                model.add_implication(c, x[i, k])
                model.add(sum(others) >= 1).only_enforce_if(c)
                terms.append(c)
        self._connected = sum(terms)
        return self._connected

    def _objective(self, cp_model: Any) -> Any:
        pb, model, x, y, size, col = self.pb, self.model, self.x, self.y, self.size, self.col
        rules = pb.rules
        coef = {g: pb.W[g] * UNIT[g] for g in GOALS}
        terms = []
        theme_bits = sorted({b for i in self.members for b in range(len(pb.theme_ids)) if pb.tmask[i] >> b & 1})
        pairs_table = [v * (v - 1) // 2 for v in range(rules.size_max + 1)]
        for k in range(self.K):
            members = col[k]
            # Themes: shared by all (rarity), by all but one (half rarity), level mix, and "nothing shared".
            fulls = []
            for b in theme_bits:
                lacking = [x[i, k] for i in members if not pb.tmask[i] >> b & 1]
                holders = [i for i in members if pb.tmask[i] >> b & 1]
                if not holders:
                    continue
                full = model.new_bool_var(f"full{k}_{b}")
                near = model.new_bool_var(f"atmost1_{k}_{b}")
                model.add_implication(full, y[k])
                model.add_implication(near, y[k])
                if lacking:
                    model.add(sum(lacking) == 0).only_enforce_if(full)
                    model.add(sum(lacking) <= 1).only_enforce_if(near)
                rho = pb.rho[b]
                half = rho // 2
                terms.append(coef["themes"] * ((rho - half) * full + half * near))
                exp = [x[i, k] for i in members if pb.texp[i] >> b & 1]
                expl = [x[i, k] for i in members if pb.texpl[i] >> b & 1]
                if exp and expl:
                    mixed = model.new_bool_var(f"mixed{k}_{b}")
                    model.add_implication(mixed, full)
                    model.add(sum(exp) >= 1).only_enforce_if(mixed)
                    model.add(sum(expl) >= 1).only_enforce_if(mixed)
                    terms.append(coef["themes"] * mixed)
                fulls.append(full)
            shared = model.new_bool_var(f"shared{k}")
            model.add_implication(shared, y[k])
            if fulls:
                model.add(sum(fulls) >= 1).only_enforce_if(shared)
            else:
                model.add(shared == 0)
            terms.append(-coef["themes"] * NO_SHARED_THEME * (y[k] - shared))
            # Experience: |sum of years - n * pool mean|, in tenths of a year.
            total = sum(pb.exp[i] * x[i, k] for i in members)
            dev = model.new_int_var(0, rules.size_max * (max(pb.exp[i] for i in members) + pb.mu + 1) if members else 0, f"expdev{k}")
            model.add(dev >= total - pb.mu * size[k])
            model.add(dev >= pb.mu * size[k] - total)
            terms.append(-coef["experience"] * dev)
            # Kinds: how many organisation kinds are present.
            for kind in sorted({pb.kind[i] for i in members if pb.kind[i] >= 0}):
                present = model.new_bool_var(f"kind{k}_{kind}")
                model.add(sum(x[i, k] for i in members if pb.kind[i] == kind) >= 1).only_enforce_if(present)
                terms.append(coef["kinds"] * present)
            # New ties: all pairs less those of colleagues or people already tied across organisations.
            pairs = model.new_int_var(0, pairs_table[-1], f"pairs{k}")
            model.add_element(size[k], pairs_table, pairs)
            iso = [i for i in members if pb.iso[i]]
            iso_count = model.new_int_var(0, rules.size_max, f"iso{k}")
            model.add(iso_count == sum(x[i, k] for i in iso))
            iso_pairs = model.new_int_var(0, rules.size_max * rules.size_max, f"isoxn{k}")
            model.add_multiplication_equality(iso_pairs, [iso_count, size[k]])
            old = []
            old_iso = []
            member_set = set(members)
            for i in members:
                partners = set(pb.ties_cross[i])
                if rules.max_per_organisation > 1 and pb.real_org[pb.org[i]]:
                    partners |= {j for j in member_set if pb.org[j] == pb.org[i] and j != i}
                for j in sorted(partners):
                    if j > i and j in member_set:
                        both = model.new_bool_var(f"old{k}_{i}_{j}")
                        model.add(both >= x[i, k] + x[j, k] - 1)
                        old.append(both)
                        ends = pb.iso[i] + pb.iso[j]
                        if ends:
                            old_iso.append(ends * both)
            terms.append(coef["ties"] * (pairs - sum(old)))
            terms.append(coef["isolated"] * (iso_pairs - iso_count - sum(old_iso)))
            # Region: distinct regions (mix) or minus those outside the commonest one (close).
            regions = sorted({pb.region[i] for i in members if pb.region[i] >= 0})
            if rules.region_mode == "mix":
                for r in regions:
                    present = model.new_bool_var(f"region{k}_{r}")
                    model.add(sum(x[i, k] for i in members if pb.region[i] == r) >= 1).only_enforce_if(present)
                    terms.append(coef["region"] * present)
            else:
                counts = []
                for r in regions:
                    c = model.new_int_var(0, rules.size_max, f"regioncount{k}_{r}")
                    model.add(c == sum(x[i, k] for i in members if pb.region[i] == r))
                    counts.append(c)
                top = model.new_int_var(0, rules.size_max, f"regiontop{k}")
                model.add_max_equality(top, counts + [model.new_constant(0)])
                terms.append(coef["region"] * (top - size[k]))
            # Size: |n - target| for a used set.
            off = model.new_int_var(0, rules.size_max, f"sizedev{k}")
            model.add(off >= size[k] - rules.size_target * y[k])
            model.add(off >= rules.size_target * y[k] - size[k])
            terms.append(-coef["size"] * off)
        return sum(terms)

    def sets(self, solver: Any) -> list[list[int]]:
        """The partition in a solution."""
        out: list[list[int]] = [[] for _ in range(self.K)]
        for (i, k), var in self.x.items():
            if solver.value(var):
                out[k].append(i)
        return [s for s in out if s]

    def fix(self, sets: Sequence[Sequence[int]]) -> None:
        """Pin the model to one partition (for checking that it scores partitions as the engine does)."""
        where = {i: k for k, s in enumerate(sets) for i in s}
        # Map the partition's sets onto model sets: pinned ones to their index, free ones by lowest rank.
        n_pinned = len(self.pb.pinned)
        order = sorted((min(s), s) for s in sets if all(self.pb.pinned_of[i] < 0 for i in s))
        target: dict[int, int] = {}
        for kk, (_, s) in enumerate(order):
            for i in s:
                target[i] = n_pinned + kk
        for i in where:
            if self.pb.pinned_of[i] >= 0:
                target[i] = self.pb.pinned_of[i]
            elif any(self.pb.pinned_of[j] >= 0 for j in sets[where[i]]):
                target[i] = next(self.pb.pinned_of[j] for j in sets[where[i]] if self.pb.pinned_of[j] >= 0)
        for (i, k), var in self.x.items():
            self.model.add(var == (1 if target.get(i) == k else 0))


def _solve_compact(
    cp_model: Any,
    pb: Problem,
    members: Sequence[Member],
    time_limit: float,
    workers: int,
    seed: int,
    theme_names: Mapping[str, str] | None,
    hint: Sequence[Sequence[str]] | None,
    start: float,
) -> ExactResult:
    cm = _Compact(cp_model, pb)
    model = cm.model
    if hint:
        _add_hint(cm, [[pb.index[m] for m in s] for s in hint])
    solver = cp_model.CpSolver()
    connected = cm.connected(cp_model)
    big = pb.n + 1
    counts = big * connected + cm.placed if pb.rules.priority == "isolated" else big * cm.placed + connected
    model.maximize(counts)
    _params(solver, time_limit * 0.25, workers, seed)
    status1 = solver.solve(model)
    if status1 not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        timer = _Timer(cp_model, start)
        return _finish(pb, members, None, status1, status1, solver, cp_model, "compact", start, timer, None, None)
    best_counts = int(round(solver.objective_value))
    if not hint:
        for (i, _), var in cm.x.items():
            if pb.pinned_of[i] < 0:
                model.add_hint(var, solver.value(var))
    model.add(counts >= best_counts)
    model.maximize(cm.quality)
    timer = _Timer(cp_model, start)
    _params(solver, max(0.01, time_limit - (time.monotonic() - start)), workers, seed)
    status2 = solver.solve(model, timer.callback)
    if status2 not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _finish(pb, members, None, status1, status2, solver, cp_model, "compact", start, timer, theme_names, None)
    return _finish(pb, members, cm.sets(solver), status1, status2, solver, cp_model, "compact", start, timer, theme_names, None)


def _add_hint(cm: _Compact, sets: list[list[int]]) -> None:
    pb = cm.pb
    n_pinned = len(pb.pinned)
    order = sorted((min(s), s) for s in sets if all(pb.pinned_of[i] < 0 for i in s))
    target: dict[int, int] = {}
    for kk, (_, s) in enumerate(order):
        for i in s:
            target[i] = n_pinned + kk
    for (i, k), var in cm.x.items():
        if pb.pinned_of[i] < 0:
            cm.model.add_hint(var, 1 if target.get(i) == k else 0)


def compact_score(
    members: Sequence[Member], sets: Sequence[Sequence[str]], rules: Rules | None = None, constraints: Constraints | None = None
) -> float:
    """The compact model's best objective with the partition fixed (equals the engine's score; used by tests)."""
    cp_model = _cp_model()
    pb = Problem(members, rules or Rules(), constraints or Constraints())
    cm = _Compact(cp_model, pb)
    cm.fix([[pb.index[m] for m in s] for s in sets])
    cm.model.maximize(cm.quality)
    solver = cp_model.CpSolver()
    _params(solver, 30.0, 1, 0)
    status = solver.solve(cm.model)
    if status != cp_model.OPTIMAL:
        raise ValueError(f"the partition does not fit the compact model ({solver.status_name(status)})")
    return solver.objective_value / SCALE
