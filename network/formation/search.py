"""Local search (move and swap of units) inside an iterated local search with kicks.

The neighbourhood of a unit is: move it to another set, swap it with a unit of another set, swap it
with an unplaced unit, or (when unplaced) insert it. Moves are judged by their delta on the two sets
they touch, so one evaluation costs two set scores whatever the pool size. Kicks (ruin-and-recreate
of two or three sets, dissolving a set, forming a new one from units others can spare, random swaps)
let the search change meeting slots and the number of sets and leave local optima; a kick that does
not lead back to at least the best state is undone (plateaus are walked: equal states are kept).
"""

from __future__ import annotations

import random
from collections import deque

from network.formation.bounds import Bounds
from network.formation.engine import ALL_SLOTS, Budget, State, fill_pinned, form_by_borrowing, insert_unplaced, settle
from network.formation.placement import place_by_chains

#: Candidate sets sampled per unit for moves in big pools (all sets are tried when there are at most this many).
SAMPLE = 14
#: Of those, how many are tried for swaps (a swap costs a set score per unit of the other set).
SWAP_SAMPLE = 5
#: Kicks without a new best after which the search stops as converged, per member (with a floor).
STALL_PER_MEMBER, STALL_MIN = 40, 1500
#: Kicks between two rounds of ejection chains for the people left out (while the bounds are not reached).
CHAIN_EVERY = 10


def best_move(st: State, u: int, rng: random.Random, sample: int) -> tuple[tuple[int, int, int], tuple] | None:
    """The best improving move of unit ``u``: ``(gain, move)`` or None; the gain compares like :meth:`State.key`."""
    pb = st.pb
    rules = st.rules
    units = pb.units
    a = st.where[units[u][0]]
    if a >= 0 and st.fixed[a]:
        return None
    mask_u = st.unit_mask[u]
    size_u = st.unit_size[u]
    need_slot = st.require_slot
    order = st.order
    # With one per organisation a set of two or more always spans two organisations: moves between sets keep every count.
    plain = rules.max_per_organisation == 1
    candidates = [k for k in range(len(st.sets)) if k != a and st.sets[k] and not st.fixed[k] and (not need_slot or st.masks[k] & mask_u)]
    if len(candidates) > sample:
        candidates = rng.sample(candidates, sample)
    swap_sets = set(candidates[:SWAP_SAMPLE]) if sample < len(st.sets) else set(candidates)
    best: tuple[int, int, int] = (0, 0, 0)
    move: tuple | None = None
    isoc = st.isoc
    if a >= 0:
        base_a = st.pts[a]
        shrink_ok = st.can_shrink(a, u)
        without_a = st.points_with(a, remove=u) if shrink_ok else 0
        iso_without_a = st.iso_with(a, remove=u) if shrink_ok and not plain else 0
        for b in candidates:
            base = base_a + st.pts[b]
            n_b = len(st.sets[b])
            if shrink_ok and n_b + size_u <= rules.size_max and st.fits(b, u):
                d_iso = 0 if plain else iso_without_a + st.iso_with(b, add=u) - isoc[a] - isoc[b]
                gain = order(d_iso, 0, without_a + st.points_with(b, add=u) - base)
                if gain > best:
                    best, move = gain, ("move", u, a, b)
            if b not in swap_sets:
                continue
            for v in st.units_in(b):
                size_v = st.unit_size[v]
                if need_slot and not st.unit_mask[v] & st.masks[a] and not _slot_after(st, a, u, v):
                    continue
                if not st.can_shrink(a, u, gain=size_v) or not st.can_shrink(b, v, gain=size_u):
                    continue
                if not st.fits(b, u, without=v) or not st.fits(a, v, without=u):
                    continue
                d_iso = 0 if plain else st.iso_with(a, remove=u, add=v) + st.iso_with(b, remove=v, add=u) - isoc[a] - isoc[b]
                gain = order(d_iso, 0, st.points_with(a, remove=u, add=v) + st.points_with(b, remove=v, add=u) - base)
                if gain > best:
                    best, move = gain, ("swap", u, a, v, b)
        # Swap with someone left out (only when the counts do not get worse).
        for v in st.unplaced_units():
            size_v = st.unit_size[v]
            if not st.can_shrink(a, u, gain=size_v) or not st.fits(a, v, without=u):
                continue
            gain = order(st.iso_with(a, remove=u, add=v) - isoc[a], size_v - size_u, st.points_with(a, remove=u, add=v) - base_a)
            if gain > best:
                best, move = gain, ("out", u, a, v)
    else:
        for b in candidates:
            base = st.pts[b]
            if len(st.sets[b]) + size_u <= rules.size_max and st.fits(b, u):
                gain = order(st.iso_with(b, add=u) - isoc[b], size_u, st.points_with(b, add=u) - base)
                if gain > best:
                    best, move = gain, ("insert", u, b)
            for v in st.units_in(b):
                if not st.can_shrink(b, v, gain=size_u) or not st.fits(b, u, without=v):
                    continue
                gain = order(st.iso_with(b, remove=v, add=u) - isoc[b], size_u - st.unit_size[v], st.points_with(b, remove=v, add=u) - base)
                if gain > best:
                    best, move = gain, ("out", v, b, u)
    if move is None:
        return None
    return best, move


def _slot_after(st: State, a: int, u: int, v: int) -> bool:
    """Whether ``v`` shares a slot with set ``a`` once ``u`` has left it (the slow path of a swap check)."""
    mask = st.unit_mask[v]
    out = st.pb.units[u]
    for i in st.sets[a]:
        if i not in out:
            mask &= st.pb.mask[i]
    return bool(mask)


def apply(st: State, move: tuple) -> list[int]:
    """Apply a move from :func:`best_move`; returns the sets it touched."""
    kind = move[0]
    if kind == "move":
        _, u, a, b = move
        st.remove_unit(u)
        st.add_unit(b, u)
        return [a, b]
    if kind == "swap":
        _, u, a, v, b = move
        st.remove_unit(u)
        st.remove_unit(v)
        st.add_unit(b, u)
        st.add_unit(a, v)
        return [a, b]
    if kind == "out":
        _, u, a, v = move
        st.remove_unit(u)
        st.add_unit(a, v)
        return [a]
    _, u, b = move  # insert
    st.add_unit(b, u)
    return [b]


def local_search(st: State, rng: random.Random, budget: Budget, queue: deque[int], sample: int) -> None:
    """Apply improving moves until no queued unit has one (or the budget ends)."""
    queued = set(queue)
    while queue:
        if not budget.tick():
            return
        u = queue.popleft()
        queued.discard(u)
        found = best_move(st, u, rng, sample)
        if found is None:
            continue
        touched = apply(st, found[1])
        for k in touched:
            for v in st.units_in(k):
                if v not in queued:
                    queue.append(v)
                    queued.add(v)
        if u not in queued:
            queue.append(u)
            queued.add(u)
        for v in st.unplaced_units():
            if v not in queued:
                queue.append(v)
                queued.add(v)


def ruin_and_recreate(st: State, rng: random.Random, live: list[int]) -> list[int]:
    """Empty two or three sets that could trade members and rebuild them, randomised, from their people and those left out.

    The rebuilt sets may meet at other slots and come out more or fewer: the move that changes a
    set's meeting time or the number of sets, which single moves and swaps cannot do.
    """
    pb = st.pb
    cands = [k for k in live if st.pin[k] < 0]
    if not cands:
        return []
    first = rng.choice(cands)
    reach = 0
    for i in st.sets[first]:
        reach |= pb.mask[i]
    near = [k for k in cands if k != first and (not st.require_slot or any(reach & pb.mask[i] for i in st.sets[k]))]
    chosen = [first] + rng.sample(near, min(len(near), rng.choice((1, 1, 2))))
    pool: list[int] = []
    for k in chosen:
        for u in st.units_in(k):
            st.remove_unit(u)
            pool.append(u)
    taken = set(pool)
    pool.extend(u for u in st.unplaced_units() if u not in taken)
    rebuild(st, rng, pool)
    insert_unplaced(st)
    touched = set(pool)
    for u in pool:
        k = st.where[pb.units[u][0]]
        if k >= 0:
            touched.update(st.units_in(k))
    return sorted(touched)


def rebuild(st: State, rng: random.Random, pool: list[int]) -> None:
    """Randomised seed-and-grow over ``pool`` (scarce units tend to seed first; growth picks among the best two)."""
    rules = st.rules
    units = st.pb.units
    order = sorted(pool, key=lambda u: (st.unit_mask[u] or ALL_SLOTS).bit_count() + 3 * rng.random())
    for seed in order:
        if st.where[units[seed][0]] >= 0:
            continue
        slots = [s for s in range(21) if st.unit_mask[seed] >> s & 1] if st.require_slot else [None]
        if not slots:
            continue
        weights = [1 + sum(1 for u in pool if st.where[units[u][0]] < 0 and (s is None or st.unit_mask[u] >> s & 1)) for s in slots]
        slot = rng.choices(slots, weights=weights)[0]
        k = st.new_set()
        st.add_unit(k, seed)
        target = rng.choice((rules.size_min, rules.size_target, rules.size_target, rules.size_max))
        while len(st.sets[k]) < target:
            scored = []
            for u in pool:
                if st.where[units[u][0]] >= 0 or (slot is not None and not st.unit_mask[u] >> slot & 1):
                    continue
                if len(st.sets[k]) + st.unit_size[u] > target or not st.fits(k, u):
                    continue
                scored.append((st.points_with(k, add=u), u))
            if not scored:
                break
            scored.sort(reverse=True)
            pick = scored[0] if len(scored) == 1 or rng.random() < 0.7 else scored[1]
            st.add_unit(k, pick[1])
        if len(st.sets[k]) < rules.size_min:
            for u in st.units_in(k):
                st.remove_unit(u)


def kick(st: State, rng: random.Random) -> list[int]:
    """Perturb the state (ignoring the score, keeping every rule); returns the units to re-optimise."""
    rules = st.rules
    live = [k for k in range(len(st.sets)) if st.sets[k] and not st.fixed[k]]
    if not live:
        return []
    touched: set[int] = set()
    r = rng.random()
    if r < 0.3:
        touched_rr = ruin_and_recreate(st, rng, live)
        if touched_rr:
            return touched_rr
        r = rng.random()
    if r < 0.12:
        # Dissolve a set: its units go where they fit best (the rest are left out for now).
        cands = [k for k in live if st.pin[k] < 0]
        if cands:
            k = rng.choice(cands)
            units = st.units_in(k)
            for u in units:
                st.remove_unit(u)
            insert_unplaced(st)
            touched.update(units)
            for u in units:
                b = st.where[st.pb.units[u][0]]
                if b >= 0:
                    touched.update(st.units_in(b))
            return sorted(touched)
    if r < 0.24:
        # Start a new set from units that sets above the minimum can spare.
        donors = [k for k in live if len(st.sets[k]) > rules.size_min]
        if donors:
            k = rng.choice(donors)
            units = [u for u in st.units_in(k) if st.can_shrink(k, u)]
            if units:
                u = rng.choice(units)
                st.remove_unit(u)
                before = {v for v in st.free_units if st.where[st.pb.units[v][0]] >= 0}
                if not form_by_borrowing(st, rng):
                    insert_unplaced(st)
                after = {v for v in st.free_units if st.where[st.pb.units[v][0]] >= 0}
                touched.update(after ^ before)
                touched.add(u)
                b = st.where[st.pb.units[u][0]]
                if b >= 0:
                    touched.update(st.units_in(b))
                return sorted(touched)
    # A few random valid swaps or moves.
    for _ in range(rng.randint(1, 3)):
        a = rng.choice(live)
        units_a = st.units_in(a)
        if not units_a:
            continue
        u = rng.choice(units_a)
        others = [k for k in live if k != a and (not st.require_slot or st.masks[k] & st.unit_mask[u])]
        if not others:
            continue
        b = rng.choice(others)
        units_b = st.units_in(b)
        if units_b and rng.random() < 0.7:
            v = rng.choice(units_b)
            if (
                st.can_shrink(a, u, gain=st.unit_size[v])
                and st.can_shrink(b, v, gain=st.unit_size[u])
                and st.fits(b, u, without=v)
                and st.fits(a, v, without=u)
            ):
                st.remove_unit(u)
                st.remove_unit(v)
                st.add_unit(b, u)
                st.add_unit(a, v)
                touched.update(st.units_in(a))
                touched.update(st.units_in(b))
        elif st.can_shrink(a, u) and len(st.sets[b]) + st.unit_size[u] <= rules.size_max and st.fits(b, u):
            st.remove_unit(u)
            st.add_unit(b, u)
            touched.update(st.units_in(a))
            touched.update(st.units_in(b))
    return sorted(touched)


def counts_done(st: State, key: tuple[int, int, int], bounds: Bounds | None) -> bool:
    """Whether a state of this key has provably connected and placed the most possible (nothing left to search for but score)."""
    connected, placed = (key[0], key[1]) if st.iso_first else (key[1], key[0])
    if bounds is not None and bounds.reached(connected, placed, st.rules.priority):
        return True
    return False


def restart(st: State, rng: random.Random, budget: Budget, sample: int) -> None:
    """Start again from a fresh randomised construction of everything not locked (the best state is kept by the caller)."""
    for k in range(len(st.sets)):
        if st.sets[k] and not st.fixed[k] and st.pin[k] < 0:
            for u in st.units_in(k):
                st.remove_unit(u)
    for k in range(len(st.sets)):  # open locked sets keep only their pinned members
        if st.pin[k] >= 0 and not st.fixed[k]:
            for u in st.units_in(k):
                if st.pb.pinned_of[st.pb.units[u][0]] < 0:
                    st.remove_unit(u)
    fill_pinned(st)
    rebuild(st, rng, st.unplaced_units())
    settle(st, rng)
    local_search(st, rng, budget, deque(st.free_units), sample)


def improve(st: State, rng: random.Random, budget: Budget, bounds: Bounds | None = None) -> str:
    """Iterated local search from the current (valid) state; leaves the best state found. Returns why it stopped.

    Until the best state reaches ``bounds`` (the most isolated people connected and people placed
    any valid partition could have), every kick is followed by ejection chains for the people left
    out, and a search that stalls starts again from a fresh randomised construction instead of
    stopping: it stops early ("converged") only once the bounds are reached, else at the budget.
    """
    n_sets = sum(1 for s in st.sets if s)
    sample = SAMPLE if n_sets > SAMPLE + 1 else len(st.sets)
    queue = deque(st.free_units)
    local_search(st, rng, budget, queue, sample)
    settle(st, rng)
    if not counts_done(st, st.key(), bounds) and place_by_chains(st, budget):
        settle(st, rng)
        local_search(st, rng, budget, deque(st.free_units), sample)
    best_key = run_key = st.key()
    best = run = st.snapshot()
    stall = 0
    limit = max(STALL_MIN, STALL_PER_MEMBER * st.pb.n)
    while not budget.spent:
        budget.report(best_key)
        touched = kick(st, rng)
        local_search(st, rng, budget, deque(touched + st.unplaced_units()), sample)
        waiting = st.unplaced_units()
        if waiting and form_by_borrowing(st, rng, waiting):
            local_search(st, rng, budget, deque(st.free_units), sample)
        if stall % CHAIN_EVERY == 0 and st.unplaced_units() and not counts_done(st, best_key, bounds) and place_by_chains(st, budget):
            settle(st, rng)
            local_search(st, rng, budget, deque(st.free_units), sample)
        key = st.key()
        if key > run_key:
            run_key, run, stall = key, st.snapshot(), 0
            settle(st, rng)
            if st.key() > run_key:
                run_key, run = st.key(), st.snapshot()
            if run_key > best_key:
                best_key, best = run_key, run
        else:
            if key == run_key:
                run = st.snapshot()  # drift along plateaus
                if key == best_key:
                    best = run
            elif not budget.spent:
                st.restore(run)
            stall += 1
            if stall >= limit:
                if counts_done(st, best_key, bounds) or budget.unlimited:
                    st.restore(best)
                    return "converged"
                # Not provably the most placed: start again elsewhere rather than stop (issue 22); the best is kept.
                restart(st, rng, budget, sample)
                run_key, run, stall = st.key(), st.snapshot(), 0
                if run_key > best_key:
                    best_key, best = run_key, run
    st.restore(best)
    return budget.reason or "converged"
