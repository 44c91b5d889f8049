"""Placement by meeting slot: who meets when, searched on its own, then dealt into sets (issue 22).

When nobody is pinned and nobody must or cannot be with anyone, whether a group of people free at
one weekly slot can be split into valid sets depends only on how many they are and how many come
from each organisation: ``n`` people at a slot can form ``m`` sets when ``size_min * m <= n <=
size_max * m`` and no organisation has more than ``max_per_organisation * m`` of them. Dealing them
round-robin, grouped by organisation, into ``m`` sets then keeps every rule (sizes differ by at most
one, and an organisation with ``c`` people gets at most ``ceil(c / m)`` per set).

So the most people placed (and isolated people connected) is a question about *who meets at which
slot*, a far smaller search than the partition itself: :func:`plan` runs simulated annealing over
each person's slot (or "left out"), with a penalty for slots whose people cannot be split into
valid sets, keeps the best valid assignment by the rules' priority, and deals it into sets. The
partition search then improves the score from there without ever placing fewer.

Cost: one move costs a look at the organisations free at two slots; ``moves`` moves (the caller's
step budget pays one step per 16 moves).
"""

from __future__ import annotations

import random

from network import availability
from network.formation.bounds import _Flow, _max_sets
from network.formation.engine import Budget
from network.formation.problem import Problem

N_SLOTS = len(availability.SLOTS)


def applicable(pb: Problem) -> bool:
    """Whether the slot view applies: no locked sets and no must-link pairs among the free.

    It is exact without cannot-link pairs; with them, the count of a slot is an upper bound and
    dealing keeps pairs apart when it can (a plan that cannot be dealt is not used).
    """
    if pb.pinned:
        return False
    return all(len(unit) == 1 for unit in pb.units if all(pb.eligible[i] for i in unit))


def _sets_possible(n: int, size_min: int, size_max: int) -> int:
    """The number of sets ``n`` people at one slot would be dealt into (0 when none is possible)."""
    m = n // size_min
    return m if m and n <= size_max * m else 0


def deal(pb: Problem, people: list[int]) -> list[list[int]] | None:
    """Deal the people of one slot into sets, grouped by organisation, each to the smallest set that may take them.

    The number of sets is the one nearest the target size that the sizes and organisations allow.
    Without cannot-link pairs this is round-robin and always valid; with them, a person goes to the
    smallest set holding nobody they cannot be with (None when some person fits no set).
    """
    rules = pb.rules
    n = len(people)
    most = _sets_possible(n, rules.size_min, rules.size_max)
    if not most:
        return None
    sizes: dict[int, int] = {}
    for i in people:
        sizes[pb.org[i]] = sizes.get(pb.org[i], 0) + 1
    # As many sets as the target size suggests, within what the sizes and organisations allow (fewer, fuller sets
    # make more new ties than the most sets of the smallest size).
    largest = max((c for o, c in sizes.items() if pb.real_org[o]), default=0)
    fewest = max(-(-n // rules.size_max), -(-largest // rules.max_per_organisation), 1)
    preferred = min(most, max(fewest, round(n / rules.size_target)))
    # Largest organisations first, so each spreads over consecutive sets; people with cannot-link pairs early.
    ordered = sorted(people, key=lambda i: (-sizes[pb.org[i]], pb.org[i], -len(pb.cannot[i]), i))
    for m in sorted(range(fewest, most + 1), key=lambda m: (abs(m - preferred), m)):
        sets = _deal_into(pb, ordered, m)
        if sets is not None:
            return sets
    return None


def _deal_into(pb: Problem, ordered: list[int], m: int) -> list[list[int]] | None:
    """``ordered`` dealt into ``m`` sets (None when a cannot-link pair leaves someone without a set)."""
    rules = pb.rules
    sets: list[list[int]] = [[] for _ in range(m)]
    orgc: list[dict[int, int]] = [{} for _ in range(m)]
    top = -(-len(ordered) // m)
    for i in ordered:
        o = pb.org[i]
        fits = [
            k
            for k in range(m)
            if len(sets[k]) < top
            and (not pb.real_org[o] or orgc[k].get(o, 0) < rules.max_per_organisation)
            and not any(j in pb.cannot[i] for j in sets[k])
        ]
        if not fits:
            return None
        k = min(fits, key=lambda k: (len(sets[k]), orgc[k].get(o, 0), k))
        sets[k].append(i)
        orgc[k][o] = orgc[k].get(o, 0) + 1
    if any(len(x) < rules.size_min for x in sets):
        return None
    return sets


INF = 1 << 40
#: Moves along equal counts tried before the search over set numbers stops.
PLATEAU = 30
#: Random restarts of the search over set numbers (each a few changes to the best numbers, then a climb).
KICKS = 40


def _counts_for(pb: Problem, people: list[int], m: list[int], iso_first: bool) -> tuple[tuple[int, int], dict[int, list[int]]] | None:
    """The best counts with ``m[s]`` sets at each slot, exactly (max flows with lower bounds), and who meets when; None if impossible.

    Lexicographic in the rules' priority: with isolated people first, the most isolated people, then the
    most people without losing any of them; with people placed first, the most people (then isolated
    people as they come).
    """
    rules = pb.rules
    require = rules.require_common_slot
    limit = rules.max_per_organisation
    active = [s for s in range(N_SLOTS) if m[s] > 0]
    if not active:
        return (0, 0), {}
    groups: dict[tuple[int, int, int], list[int]] = {}
    for i in people:
        mask = pb.mask[i] if require else 1
        if any(mask >> s & 1 for s in active):
            groups.setdefault((pb.org[i], mask, pb.iso[i]), []).append(i)
    names: dict[object, int] = {}

    def node(key: object) -> int:
        if key not in names:
            names[key] = len(names)
        return names[key]

    SI, SN, T, SS, TT = node("SI"), node("SN"), node("T"), node("SS"), node("TT")
    edges: list[tuple[int, int, int]] = []
    group_edges: list[tuple[tuple[int, int, int], int, int]] = []  # (group, slot, edge index)
    for key, who in sorted(groups.items()):
        o, mask, iso = key
        g = node(("g", key))
        edges.append((SI if iso else SN, g, len(who)))
        for s in active:
            if mask >> s & 1:
                group_edges.append((key, s, len(edges)))
                edges.append((g, node(("so", s, o)), len(who)))
    lower = 0
    helper: list[int] = []  # the SS / TT edges that carry the lower bounds
    for key, v in list(names.items()):
        if isinstance(key, tuple) and key[0] == "so":
            _, s, o = key
            edges.append((v, node(("slot", s)), limit * m[s] if pb.real_org[o] else INF))
    for s in active:
        v = node(("slot", s))
        low = rules.size_min * m[s]
        edges.append((v, T, (rules.size_max - rules.size_min) * m[s]))
        helper.append(len(edges))
        edges.append((v, TT, low))
        lower += low
    helper.append(len(edges))
    edges.append((SS, T, lower))
    back_iso = len(edges)
    edges.append((T, SI, INF))
    back_non = len(edges)
    edges.append((T, SN, INF))
    graph = _Flow(len(names))
    ids = [graph.edge(a, b, c) for a, b, c in edges]
    if graph.maxflow(SS, TT) < lower:
        return None
    for k in helper:  # the SS / TT edges go (their flow stays as the lower bounds)
        graph.cap[ids[k]] = graph.cap[ids[k] ^ 1] = 0
    cap = graph.cap
    if iso_first:
        f_iso = cap[ids[back_iso] ^ 1]
        cap[ids[back_iso]] = cap[ids[back_iso] ^ 1] = 0
        f_iso += graph.maxflow(SI, T)
        f_non = cap[ids[back_non] ^ 1]
        cap[ids[back_non]] = cap[ids[back_non] ^ 1] = 0
        f_non += graph.maxflow(SN, T)
        key = (f_iso, f_iso + f_non)
    else:
        f_all = cap[ids[back_iso] ^ 1] + cap[ids[back_non] ^ 1]
        cap[ids[back_iso]] = cap[ids[back_iso] ^ 1] = 0
        cap[ids[back_non]] = cap[ids[back_non] ^ 1] = 0
        S0 = graph.add_node()
        graph.edge(S0, SI, INF)
        graph.edge(S0, SN, INF)
        f_all += graph.maxflow(S0, T)
        key = (f_all, 0)
    # Who meets when: each group's flow to each slot, handed out to its members in id order.
    by_slot: dict[int, list[int]] = {}
    taken: dict[tuple[int, int, int], int] = {}
    for gkey, s, e in group_edges:
        flow = cap[ids[e] ^ 1]
        if flow:
            start = taken.get(gkey, 0)
            by_slot.setdefault(s, []).extend(groups[gkey][start : start + flow])
            taken[gkey] = start + flow
    if not iso_first:
        conn = sum(pb.iso[i] for who in by_slot.values() for i in who)
        key = (key[0], conn)
    return key, by_slot


def plan(
    pb: Problem,
    start: list[list[int]],
    hopeful_people: list[int],
    rng: random.Random,
    budget: Budget,
    bound: tuple[int, int] | None = None,
) -> list[list[int]] | None:
    """A partition better on the counts than ``start`` (a valid partition), or None when none is found.

    Searches the number of sets at each slot (starting from ``start``'s), each choice judged exactly by
    :func:`_counts_for`; first improvement over opening, closing and moving one set, in random order,
    then random restarts around the best while the budget lasts (each evaluation is one step).
    """
    rules = pb.rules
    require = rules.require_common_slot
    iso_first = rules.priority == "isolated"
    people = sorted(hopeful_people)
    if not people:
        return None
    m = [0] * N_SLOTS
    for members in start:
        common = pb.common_mask(members) if require else 1
        m[(common & -common).bit_length() - 1 if require else 0] += 1
    start_conn = sum(pb.iso[i] for s in start for i in s)
    start_placed = sum(len(s) for s in start)
    start_key = (start_conn, start_placed) if iso_first else (start_placed, start_conn)
    # The most sets each slot could hold.
    most = [0] * N_SLOTS
    for s in range(N_SLOTS if require else 1):
        here = [i for i in people if not require or pb.mask[i] >> s & 1]
        counts: dict[int, int] = {}
        for i in here:
            counts[pb.org[i]] = counts.get(pb.org[i], 0) + 1
        most[s] = _max_sets(counts, pb.real_org, rules.max_per_organisation, rules.size_min)
    slots = [s for s in range(N_SLOTS) if most[s]]
    exact = not any(pb.cannot[i] for i in people)  # without cannot-link pairs every count can be dealt
    found = _counts_for(pb, people, m, iso_first)
    if found is not None and not exact and _dealt(pb, found[1]) is None:
        found = None
    best_key, best_m, best_by = (found[0], list(m), found[1]) if found else (start_key, list(m), None)
    cur_key, cur = best_key, list(m)
    if bound is not None and best_key >= bound:
        return _dealt(pb, best_by) if best_by is not None and best_key > start_key else None

    def neighbours(base: list[int]) -> list[list[int]]:
        out = []
        for s in slots:
            if base[s] < most[s]:
                out.append([x + (1 if k == s else 0) for k, x in enumerate(base)])
            if base[s] > 0:
                out.append([x - (1 if k == s else 0) for k, x in enumerate(base)])
                for t in slots:
                    if t != s and base[t] < most[t]:
                        out.append([x - (k == s) + (k == t) for k, x in enumerate(base)])
        rng.shuffle(out)
        return out

    seen: set[tuple[int, ...]] = {tuple(m)}

    def climb(cur: list[int], cur_key: tuple[int, int]) -> None:
        nonlocal best_key, best_by
        plateau = 0
        while not budget.spent and plateau < PLATEAU:
            moved = False
            for cand in neighbours(cur):
                t = tuple(cand)
                if t in seen:
                    continue
                seen.add(t)
                if not budget.tick(4):
                    break
                got = _counts_for(pb, people, cand, iso_first)
                if got is not None and got[0] >= cur_key:  # equal counts too: walk the plateau (never twice the same)
                    plateau = 0 if got[0] > cur_key else plateau + 1
                    cur_key, cur = got[0], cand
                    if got[0] > best_key and (exact or _dealt(pb, got[1]) is not None):
                        best_key, best_by = got[0], got[1]
                        best_m[:] = cand
                    moved = True
                    break
            if not moved:
                break

    climb(cur, cur_key)
    # Then kicks: a few random changes to the best numbers of sets, and climb again.
    for _ in range(KICKS):
        if budget.spent or (bound is not None and best_key >= bound):
            break
        cand = list(best_m)
        for _ in range(rng.randint(2, 4)):
            s = rng.choice(slots)
            cand[s] = max(0, min(most[s], cand[s] + rng.choice((-1, 1))))
        if tuple(cand) in seen:
            continue
        seen.add(tuple(cand))
        if not budget.tick(4):
            break
        got = _counts_for(pb, people, cand, iso_first)
        if got is None:
            continue
        if got[0] > best_key and (exact or _dealt(pb, got[1]) is not None):
            best_key, best_by = got[0], got[1]
            best_m[:] = cand
        climb(cand, got[0])
    if best_by is None or best_key <= start_key:
        return None
    return _dealt(pb, best_by)


def _dealt(pb: Problem, by_slot: dict[int, list[int]]) -> list[list[int]] | None:
    sets: list[list[int]] = []
    for s in sorted(by_slot):
        dealt = deal(pb, by_slot[s])
        if dealt is None:
            return None
        sets.extend(dealt)
    return sets
