"""Ejection chains: place someone left out by moving others along a chain of sets (issue 22).

To place an unplaced unit ``u``, put it in set ``k1`` (where it fits, perhaps only after unit ``v1``
leaves), put ``v1`` in set ``k2`` (perhaps after ``v2`` leaves), and so on until the last unit fits
a set with room, or until leaving the last one out still improves the counts (an isolated person
placed in place of one who is not, when isolated people come first). Each set appears at most
once in a chain, so every step is checked against the set as it is. Breadth-first over the units
displaced, it is the augmenting path of a flow through the sets, so it places people that single
moves and swaps cannot.

:func:`chain_moves` finds a chain without applying it (used to offer a rearrangement to the
coordinator); :func:`place_by_chains` applies improving chains.
"""

from __future__ import annotations

from collections import deque

from network.formation.engine import Budget, State

#: Units displaced (breadth-first nodes) explored per chain search.
CHAIN_NODES = 400
#: Longest chain (sets touched).
CHAIN_DEPTH = 6
#: Sets tried per displaced unit in large pools (all of them in pools with at most this many sets).
CHAIN_SETS = 40

Step = tuple[int, int, int]  # (unit, set it joins, unit it displaces or -1)


def chain_moves(st: State, u: int, budget: Budget | None = None, *, improving: bool = True) -> tuple[list[Step], int] | None:
    """A chain placing unplaced unit ``u``: its steps and the unit left out at the end (-1 for none), or None.

    With ``improving``, only chains that leave the counts better (an end that leaves someone out
    must have left out someone who counts less); otherwise the first chain found that places ``u``,
    preferring ones that leave nobody out.
    """
    pb = st.pb
    rules = st.rules
    units = pb.units
    live = [k for k in range(len(st.sets)) if st.sets[k] and not st.fixed[k]]
    unit_of, mask, real = pb.unit_of, pb.mask, pb.real_org
    if not live:
        return None
    start_key = (st.unit_iso[u], st.unit_size[u])
    parent: dict[int, tuple[int, int, int]] = {u: (-1, -1, -1)}  # unit -> (previous unit, set it joined, depth)
    queue = deque([u])
    nodes = 0
    fallback: tuple[list[Step], int] | None = None

    def path_to(w: int, k: int, v: int) -> list[Step]:
        steps = [(w, k, v)]
        x = w
        while parent[x][0] >= 0:
            prev, joined, _ = parent[x]
            steps.append((prev, joined, x))
            x = prev
        steps.reverse()
        return steps

    def sets_of(w: int) -> set[int]:
        used = set()
        x = w
        while parent[x][0] >= 0:
            used.add(parent[x][1])
            x = parent[x][0]
        return used

    while queue:
        w = queue.popleft()
        nodes += 1
        if nodes > CHAIN_NODES or (budget is not None and not budget.tick()):
            break
        depth = parent[w][2] + 1
        used = sets_of(w)
        home = st.where[units[w][0]]
        size_w = st.unit_size[w]
        cands = [k for k in live if k not in used and k != home]
        if len(cands) > CHAIN_SETS:  # large pools: a window of the sets, moving with each node
            at = (nodes * 7919) % len(cands)
            cands = (cands[at:] + cands[:at])[:CHAIN_SETS]
        w_orgs = {pb.org[i] for i in units[w]} if rules.max_per_organisation == 1 else set()
        mask_w = st.unit_mask[w]
        for k in cands:
            n_k = len(st.sets[k])
            # Members who clash with w by slot or organisation: w can only come in if they (all in one unit) leave.
            blockers = {
                unit_of[i] for i in st.sets[k] if (st.require_slot and not mask[i] & mask_w) or (pb.org[i] in w_orgs and real[pb.org[i]])
            }
            if len(blockers) > 1:
                continue
            if not blockers and n_k + size_w <= rules.size_max and st.fits(k, w):
                return path_to(w, k, -1), -1
            if depth >= CHAIN_DEPTH:
                continue
            for v in blockers or st.units_in(k):
                if v in parent or not st.movable[v] or pb.pinned_of[units[v][0]] >= 0:
                    continue
                if not rules.size_min <= n_k - st.unit_size[v] + size_w <= rules.size_max or not st.fits(k, w, without=v):
                    continue
                # Ending here leaves v out: worth it only when v counts less than u.
                lost = (st.unit_iso[v], st.unit_size[v])
                better = st.order(start_key[0] - lost[0], start_key[1] - lost[1], 0) > (0, 0, 0)
                if better:
                    return path_to(w, k, v), v
                if fallback is None and not improving:
                    fallback = (path_to(w, k, v), v)
                parent[v] = (w, k, depth)
                queue.append(v)
    return fallback


def apply_chain(st: State, steps: list[Step]) -> None:
    """Apply a chain from :func:`chain_moves` (each displaced unit leaves before the next joins its set)."""
    units = st.pb.units
    for w, k, v in steps:
        if v >= 0 and st.where[units[v][0]] == k:
            st.remove_unit(v)
        if st.where[units[w][0]] >= 0:
            st.remove_unit(w)
        st.add_unit(k, w)


def place_by_chains(st: State, budget: Budget) -> bool:
    """Apply improving ejection chains for the units left out (isolated ones first when they come first); True if any."""
    improved = False
    pending = st.unplaced_units()
    if st.iso_first:
        pending.sort(key=lambda u: -st.unit_iso[u])
    for u in pending:
        if budget.spent:
            break
        if st.where[st.pb.units[u][0]] >= 0:
            continue
        found = chain_moves(st, u, budget)
        if found is None:
            continue
        before = st.key()
        snapshot = st.snapshot()
        apply_chain(st, found[0])
        if st.key()[:2] > before[:2]:
            improved = True
        else:  # the counts did not improve after all (two per organisation): undo
            st.restore(snapshot)
    return improved
