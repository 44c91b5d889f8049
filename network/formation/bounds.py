"""How many people any valid partition could place, and how many isolated people it could connect (issue 22).

Two sources, both about the hard rules alone (the score plays no part):

* :func:`relaxed_bounds`, pure Python, always available: a maximum flow through a relaxation of the
  rules. Every set meets at one weekly slot, holds at most ``size_max`` people and at most
  ``max_per_organisation`` of one organisation. At slot ``s`` at most ``M_s`` sets can be formed,
  the largest ``m`` with ``sum_o min(c_so, limit * m) >= size_min * m`` (``c_so``: people of
  organisation ``o`` free at ``s``). People flow from the source, through (slot, organisation)
  nodes of capacity ``limit * M_s``, through slot nodes of capacity ``size_max * M_s``, to the sink;
  the maximum flow bounds the people placed (cannot-link and must-link pairs and the minimum size
  are relaxed, so it is an upper bound, not always reached), and so does the whole pool's count:
  ``m`` sets hold at most ``size_max * m`` people and ``limit * m`` of each organisation. The same flow with isolated people
  alone bounds the isolated people connected. Locked sets add their pinned members and one set
  at each of their possible slots. Cost: one max flow over groups of people with the same
  organisation and slots (Dinic), a few milliseconds at 60 people, well under a second at 4,000.
* :func:`exact_bounds`, when OR-Tools is installed and the pool is small: CP-SAT on the hard rules
  alone (:func:`network.formation.counts.placement_optimum`), the lexicographic maximum under the
  rules' priority. Only used for runs with a time budget (a step budget must give the same result
  on machines without OR-Tools).

A search that reaches the bounds has provably placed (and connected) the most possible; the
engine never stops early before that.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from network import availability
from network.formation.problem import Problem

N_SLOTS = len(availability.SLOTS)
#: Pools (people who can be placed) up to this size get the exact CP-SAT bound when OR-Tools is installed.
EXACT_MAX_PEOPLE = 400
#: False makes the engine use the pure-Python bounds only, as where OR-Tools is not installed (benchmarks set it).
USE_EXACT = True


@dataclass(frozen=True, slots=True)
class Bounds:
    """The most isolated people connected and people placed (in the rules' priority order), and whether proven exact."""

    connected: int
    placed: int
    exact: bool = False

    def reached(self, connected: int, placed: int, priority: str) -> bool:
        """Whether a partition with these counts is provably best on both counts."""
        if priority == "isolated":
            return (connected, placed) >= (self.connected, self.placed)
        return (placed, connected) >= (self.placed, self.connected)


class _Flow:
    """Dinic's maximum flow on a small graph of integer capacities."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.adj: list[list[int]] = [[] for _ in range(n)]
        self.to: list[int] = []
        self.cap: list[int] = []

    def add_node(self) -> int:
        self.adj.append([])
        self.n += 1
        return self.n - 1

    def edge(self, a: int, b: int, cap: int) -> int:
        """Add an edge; returns its index (``index ^ 1`` is its reverse, whose capacity is the flow on it)."""
        self.adj[a].append(len(self.to))
        self.to.append(b)
        self.cap.append(cap)
        self.adj[b].append(len(self.to))
        self.to.append(a)
        self.cap.append(0)
        return len(self.to) - 2

    def maxflow(self, s: int, t: int) -> int:
        total = 0
        to, cap, adj = self.to, self.cap, self.adj
        while True:
            level = [-1] * self.n
            level[s] = 0
            queue = deque([s])
            while queue:
                v = queue.popleft()
                for e in adj[v]:
                    if cap[e] > 0 and level[to[e]] < 0:
                        level[to[e]] = level[v] + 1
                        queue.append(to[e])
            if level[t] < 0:
                return total
            it = [0] * self.n
            while True:
                f = self._push(s, t, 1 << 60, level, it)
                if not f:
                    break
                total += f

    def _push(self, v: int, t: int, f: int, level: list[int], it: list[int]) -> int:
        """One augmenting path along the level graph (depth-first, with the current-arc pointers ``it``)."""
        if v == t:
            return f
        to, cap, adj = self.to, self.cap, self.adj
        while it[v] < len(adj[v]):
            e = adj[v][it[v]]
            w = to[e]
            if cap[e] > 0 and level[w] == level[v] + 1:
                d = self._push(w, t, min(f, cap[e]), level, it)
                if d:
                    cap[e] -= d
                    cap[e ^ 1] += d
                    return d
            it[v] += 1
        return 0


def _max_sets(counts: dict[int, int], real: list[bool], limit: int, size_min: int, extra: int = 0) -> int:
    """The most sets one slot could hold: the largest m with sum_o min(c_o, limit*m) >= size_min*m (plus locked ones)."""
    total = sum(counts.values())
    m = total // size_min
    while m > 0:
        usable = sum(c if not real[o] else min(c, limit * m) for o, c in counts.items())
        if usable >= size_min * m:
            break
        m -= 1
    return m + extra


def relaxed_bounds(pb: Problem, hopeful: set[int] | None = None) -> Bounds:
    """Upper bounds on isolated people connected and people placed, from a flow relaxation (see the module docstring).

    ``hopeful``: the free units that could be in some valid set (the others are never placed); all
    free units when None.
    """
    rules = pb.rules
    limit = rules.max_per_organisation
    require = rules.require_common_slot
    pinned_people = [i for p in pb.pinned for i in p.members]
    pinned_set = set(pinned_people)
    extra = [0] * N_SLOTS
    for p in pb.pinned:
        if p.open:
            mask = pb.common_mask(p.members) & (p.slot_mask or (1 << N_SLOTS) - 1) if require else 1
            for s in range(N_SLOTS if require else 1):
                if mask >> s & 1:
                    extra[s] += 1
    people = []
    for u, unit in enumerate(pb.units):
        if not all(pb.eligible[i] for i in unit) or pb.pinned_of[unit[0]] >= 0:
            continue
        if hopeful is not None and u not in hopeful:
            continue
        people.extend(unit)
    slot_range = range(N_SLOTS) if require else range(1)

    def slots_of(i: int) -> list[int]:
        return [s for s in slot_range if not require or pb.mask[i] >> s & 1]

    # Sets each slot could hold, counting everyone who could meet then (pinned members of open sets too).
    capacity = [0] * N_SLOTS
    for s in slot_range:
        counts: dict[int, int] = {}
        for i in people:
            if not require or pb.mask[i] >> s & 1:
                counts[pb.org[i]] = counts.get(pb.org[i], 0) + 1
        capacity[s] = _max_sets(counts, pb.real_org, limit, rules.size_min, extra[s])
    open_pinned = sum(len(p.members) for p in pb.pinned)
    iso_pinned = sum(pb.iso[i] for i in pinned_set)

    def flow(who: list[int]) -> int:
        groups: dict[tuple[int, int], int] = {}
        for i in who:
            mask = pb.mask[i] if require else 1
            groups[(pb.org[i], mask)] = groups.get((pb.org[i], mask), 0) + 1
        if not groups:
            return 0
        nodes: dict[object, int] = {"s": 0, "t": 1}

        def node(key: object) -> int:
            if key not in nodes:
                nodes[key] = len(nodes)
            return nodes[key]

        edges: list[tuple[int, int, int]] = []
        for (o, mask), count in sorted(groups.items()):
            g = node(("g", o, mask))
            edges.append((0, g, count))
            for s in slot_range:
                if (not require or mask >> s & 1) and capacity[s]:
                    so = node(("so", s, o))
                    edges.append((g, so, count))
        for key, v in list(nodes.items()):
            if isinstance(key, tuple) and key[0] == "so":
                _, s, o = key
                edges.append((v, node(("slot", s)), limit * capacity[s] if pb.real_org[o] else rules.size_max * capacity[s]))
        for key, v in list(nodes.items()):
            if isinstance(key, tuple) and key[0] == "slot":
                edges.append((v, 1, rules.size_max * capacity[key[1]]))
        graph = _Flow(len(nodes))
        for a, b, c in edges:
            graph.edge(a, b, c)
        return graph.maxflow(0, 1)

    placed = open_pinned + flow(people)
    # Over the whole pool: m sets hold at most size_max * m people and limit * m of each organisation.
    counts: dict[int, int] = {}
    for i in people:
        counts[pb.org[i]] = counts.get(pb.org[i], 0) + 1
    most_sets = _max_sets(counts, pb.real_org, limit, rules.size_min)
    overall = max(
        (
            min(rules.size_max * m, sum(c if not pb.real_org[o] else min(c, limit * m) for o, c in counts.items()))
            for m in range(most_sets + 1)
        ),
        default=0,
    )
    if not pb.pinned:
        placed = min(placed, overall)
    connected = iso_pinned + flow([i for i in people if pb.iso[i]])
    return Bounds(connected=min(connected, placed), placed=placed, exact=False)


def exact_bounds(pb: Problem, time_limit: float) -> Bounds | None:
    """The proven lexicographic maximum from CP-SAT, or None (no OR-Tools, pool too large, or not proven in time)."""
    if not USE_EXACT or pb.n_eligible > EXACT_MAX_PEOPLE or time_limit <= 0:
        return None
    from network.formation.counts import placement_optimum

    try:
        found = placement_optimum(pb, time_limit=time_limit)
    except RuntimeError:  # OR-Tools missing
        return None
    if found is None or not found.proven:
        return None
    return Bounds(connected=found.connected, placed=found.placed, exact=True)
