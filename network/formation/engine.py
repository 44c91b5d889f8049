"""Construction and local search over a :class:`Problem` (internal; the public entry is ``form_sets``).

The search works on *units*: a must-link group moves as one. A closed locked set is never touched;
the pinned members of an open locked set never leave it. Solutions are compared lexicographically
(:meth:`State.key`): by isolated people connected and people placed, in the order ``Rules.priority``
gives, then by the integer score.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

from network.formation.problem import Problem
from network.formation.score import Scorer

ALL_SLOTS = (1 << 21) - 1
#: Search steps between two progress reports (a report costs one call; the job keeps at most one write per half second).
REPORT_EVERY = 2000


class Budget:
    """Iteration cap and/or wall-clock limit; the iteration cap alone keeps results reproducible."""

    __slots__ = ("deadline", "max_iterations", "iterations", "reason", "progress", "next_report")

    def __init__(
        self, time_limit: float | None, max_iterations: int | None, progress: Callable[[int, tuple[int, int, int]], None] | None = None
    ) -> None:
        self.deadline = None if time_limit is None else time.monotonic() + time_limit
        self.max_iterations = max_iterations
        self.iterations = 0
        self.reason = ""
        #: Told ``(steps so far, best key so far)`` now and then by the search; it must not touch the search's state.
        self.progress = progress
        self.next_report = 0

    def report(self, best: tuple[int, int, int]) -> None:
        """Tell :attr:`progress` how far the search is, at most every :data:`REPORT_EVERY` steps (never changes the search)."""
        if self.progress is not None and self.iterations >= self.next_report:
            self.next_report = self.iterations + REPORT_EVERY
            self.progress(self.iterations, best)

    def tick(self, amount: int = 1) -> bool:
        """Count work; False once the budget is spent."""
        self.iterations += amount
        if self.max_iterations is not None and self.iterations >= self.max_iterations:
            self.reason = "iterations"
            return False
        if self.deadline is not None and (self.iterations & 31) == 0 and time.monotonic() >= self.deadline:
            self.reason = "time"
            return False
        return True

    @property
    def spent(self) -> bool:
        """True once :meth:`tick` has refused."""
        return bool(self.reason)

    @property
    def unlimited(self) -> bool:
        """Neither a step cap nor a time limit: the search must stop by itself."""
        return self.deadline is None and self.max_iterations is None


class State:
    """A (partial) partition with cached per-set aggregates for fast feasibility and delta tests."""

    def __init__(self, pb: Problem, scorer: Scorer) -> None:
        self.pb = pb
        self.scorer = scorer
        self.rules = pb.rules
        self.sets: list[list[int]] = []
        self.masks: list[int] = []
        self.orgc: list[dict[int, int]] = []
        self.pts: list[int] = []
        self.fixed: list[bool] = []  # closed locked sets
        self.pin: list[int] = []  # pinned-set index or -1
        self.pin_slot: list[int] = []
        self.isoc: list[int] = []  # isolated members connected (the set spans two organisations), per set
        self.where = [-1] * pb.n
        self.total = 0
        self.placed = 0
        self.connected = 0
        self.iso_first = pb.rules.priority == "isolated"
        self.unit_iso = [sum(pb.iso[i] for i in unit) for unit in pb.units]
        self.free_units: list[int] = []  # units the search may move (eligible, not pinned)
        movable = [all(pb.eligible[i] for i in unit) and pb.pinned_of[unit[0]] < 0 for unit in pb.units]
        self.movable = movable
        self.free_units = [u for u, ok in enumerate(movable) if ok]
        self.unit_size = [len(unit) for unit in pb.units]
        self.unit_mask = [pb.common_mask(unit) for unit in pb.units]
        self.require_slot = pb.rules.require_common_slot
        # Free units that could be in some valid set, and those of them now in no set.
        self.hopeful = placeable_units(self)
        self.out: set[int] = set(self.hopeful)
        for p, pinned in enumerate(pb.pinned):
            k = self.new_set(p)
            for i in pinned.members:
                self._add_member(k, i)
            self._refresh(k)

    # ------------------------------------------------------------------ bookkeeping

    def key(self) -> tuple[int, int, int]:
        """The lexicographic value of this state: isolated people connected and people placed (in priority order), then score points."""
        if self.iso_first:
            return (self.connected, self.placed, self.total)
        return (self.placed, self.connected, self.total)

    def order(self, connected: int, placed: int, points: int) -> tuple[int, int, int]:
        """Changes of the three counts as a tuple comparable like :meth:`key`."""
        return (connected, placed, points) if self.iso_first else (placed, connected, points)

    def iso_of(self, members: list[int] | tuple[int, ...]) -> int:
        """Isolated members connected in a set of these members: all its isolated members if it spans two organisations."""
        if len(members) < 2:
            return 0
        org = self.pb.org
        first = org[members[0]]
        if all(org[i] == first for i in members):
            return 0
        iso = self.pb.iso
        return sum(iso[i] for i in members)

    def iso_with(self, k: int, remove: int = -1, add: int = -1) -> int:
        """Isolated members connected in set ``k`` after removing unit ``remove`` and adding unit ``add`` (either may be -1)."""
        members = self.sets[k]
        units = self.pb.units
        if remove >= 0:
            out = units[remove]
            members = [i for i in members if i not in out]
        if add >= 0:
            members = members + list(units[add])
        return self.iso_of(members)

    def new_set(self, pinned: int = -1) -> int:
        """Open an empty set (reusing an emptied slot in the lists when there is one)."""
        for k, members in enumerate(self.sets):
            if not members and self.pin[k] < 0 and not self.fixed[k]:
                return k
        self.sets.append([])
        self.masks.append(ALL_SLOTS)
        self.orgc.append({})
        self.pts.append(0)
        self.isoc.append(0)
        closed = pinned >= 0 and not self.pb.pinned[pinned].open
        self.fixed.append(closed)
        self.pin.append(pinned)
        self.pin_slot.append(self.pb.pinned[pinned].slot_mask if pinned >= 0 else 0)
        return len(self.sets) - 1

    def _add_member(self, k: int, i: int) -> None:
        self.sets[k].append(i)
        self.where[i] = k
        o = self.pb.org[i]
        self.orgc[k][o] = self.orgc[k].get(o, 0) + 1
        self.placed += 1

    def _remove_member(self, k: int, i: int) -> None:
        self.sets[k].remove(i)
        self.where[i] = -1
        o = self.pb.org[i]
        c = self.orgc[k][o] - 1
        if c:
            self.orgc[k][o] = c
        else:
            del self.orgc[k][o]
        self.placed -= 1

    def _refresh(self, k: int) -> None:
        members = self.sets[k]
        self.total -= self.pts[k]
        self.connected -= self.isoc[k]
        if members:
            self.masks[k] = self.pb.common_mask(members)
            self.pts[k] = self.scorer.points(members)
            iso = self.pb.iso
            self.isoc[k] = sum(iso[i] for i in members) if len(self.orgc[k]) >= 2 else 0
        else:
            self.masks[k] = ALL_SLOTS
            self.pts[k] = 0
            self.isoc[k] = 0
        self.total += self.pts[k]
        self.connected += self.isoc[k]

    def add_unit(self, k: int, u: int) -> None:
        """Put unit ``u`` into set ``k`` (no checks)."""
        for i in self.pb.units[u]:
            self._add_member(k, i)
        self._refresh(k)
        self.out.discard(u)

    def remove_unit(self, u: int) -> int:
        """Take unit ``u`` out of its set (no checks); returns the set it left."""
        k = self.where[self.pb.units[u][0]]
        for i in self.pb.units[u]:
            self._remove_member(k, i)
        self._refresh(k)
        if u in self.hopeful:
            self.out.add(u)
        return k

    def units_in(self, k: int) -> list[int]:
        """The movable units in set ``k``, in order."""
        unit_of = self.pb.unit_of
        seen: list[int] = []
        for i in self.sets[k]:
            u = unit_of[i]
            if u not in seen and self.movable[u]:
                seen.append(u)
        return seen

    def unplaced_units(self) -> list[int]:
        """Units in no set that could be in some valid set, in order (the others can never be placed)."""
        return sorted(self.out)

    def snapshot(self) -> list[list[int]]:
        """A copy of the sets (enough to restore the state with :meth:`restore`)."""
        return [list(s) for s in self.sets]

    def restore(self, sets: list[list[int]]) -> None:
        """Return to a snapshot taken by :meth:`snapshot`."""
        pb = self.pb
        while len(self.sets) < len(sets):
            self.sets.append([])
            self.masks.append(ALL_SLOTS)
            self.orgc.append({})
            self.pts.append(0)
            self.isoc.append(0)
            self.fixed.append(False)
            self.pin.append(-1)
            self.pin_slot.append(0)
        self.where = [-1] * pb.n
        self.total = 0
        self.placed = 0
        self.connected = 0
        for k in range(len(self.sets)):
            members = list(sets[k]) if k < len(sets) else []
            self.sets[k] = members
            counts: dict[int, int] = {}
            for i in members:
                self.where[i] = k
                counts[pb.org[i]] = counts.get(pb.org[i], 0) + 1
            self.orgc[k] = counts
            self.placed += len(members)
            self.pts[k] = 0
            self.isoc[k] = 0
            self._refresh(k)
        units = pb.units
        self.out = {u for u in self.hopeful if self.where[units[u][0]] < 0}

    # ------------------------------------------------------------------ feasibility

    def fits(self, k: int, u: int, without: int = -1) -> bool:
        """Whether unit ``u`` can join set ``k`` (optionally after unit ``without`` leaves it)."""
        pb = self.pb
        if self.fixed[k]:
            return False
        unit = pb.units[u]
        size = len(self.sets[k]) + len(unit)
        if without >= 0:
            size -= self.unit_size[without]
            out = pb.units[without]
        else:
            out = ()
        if size > self.rules.size_max:
            return False
        if self.require_slot or self.pin_slot[k]:
            mask = self.unit_mask[u] & (self.pin_slot[k] or ALL_SLOTS)
            if without >= 0:
                for i in self.sets[k]:
                    if i not in out:
                        mask &= pb.mask[i]
            else:
                mask &= self.masks[k]
            if not mask:
                return False
        limit = self.rules.max_per_organisation
        orgc = self.orgc[k]
        org, real = pb.org, pb.real_org
        for i in unit:
            o = org[i]
            if real[o]:
                c = orgc.get(o, 0) + sum(1 for j in unit if org[j] == o)
                if out:
                    c -= sum(1 for j in out if org[j] == o)
                if c > limit:
                    return False
        where = self.where
        for i in unit:
            for j in pb.cannot[i]:
                if where[j] == k and j not in out:
                    return False
        return True

    def can_shrink(self, k: int, u: int, gain: int = 0) -> bool:
        """Whether set ``k`` may lose unit ``u`` (and gain ``gain`` members) and stay within the size bounds."""
        n = len(self.sets[k]) - self.unit_size[u] + gain
        return self.rules.size_min <= n <= self.rules.size_max

    def points_with(self, k: int, remove: int = -1, add: int = -1) -> int:
        """Points of set ``k`` after removing unit ``remove`` and adding unit ``add`` (either may be -1)."""
        members = self.sets[k]
        units = self.pb.units
        if remove >= 0:
            out = units[remove]
            members = [i for i in members if i not in out]
        if add >= 0:
            members = members + list(units[add])
        return self.scorer.points(members) if members else 0


# ---------------------------------------------------------------------- construction


#: Candidates scored per member added while growing a set in :func:`construct`.
GROW_SAMPLE = 40


def construct(st: State, rng: random.Random, budget: Budget) -> None:
    """Greedy by slot buckets: seed a set with the scarcest unplaced unit and grow it at one of its slots.

    The seed is the unit with the fewest weekly slots; the set meets at the seed's slot with the most
    unplaced people, and grows to the target size by adding, each time, the best-scoring of a sample
    of unplaced units free at that slot who fit the rules, so the common-slot rule holds by
    construction. Open locked sets are grown first. A seed that cannot reach the minimum waits; then
    :func:`repair` places the waiting units where they fit, forms sets from them, or borrows.
    """
    rules = st.rules
    units = st.pb.units
    pending = [u for u in st.unplaced_units() if not st.require_slot or st.unit_mask[u]]
    # Scarce units seed first; with isolation first, isolated ones before others as scarce.
    iso_rank = st.unit_iso if st.iso_first else [0] * len(units)
    order = sorted(pending, key=lambda u: ((st.unit_mask[u] or ALL_SLOTS).bit_count(), -iso_rank[u], -st.unit_size[u], rng.random()))
    slots = list(range(21)) if st.require_slot else [None]
    at_slot: dict[int | None, list[int]] = {s: [u for u in order if s is None or st.unit_mask[u] >> s & 1] for s in slots}
    placed = st.where

    def free(u: int) -> bool:
        return placed[units[u][0]] < 0

    def grow(k: int, slot: int | None) -> None:
        if slot in at_slot:
            cands = [u for u in at_slot[slot] if free(u)]
        else:  # a pinned slot when no common slot is required
            cands = [u for u in order if free(u) and (slot is None or st.unit_mask[u] >> slot & 1)]
        while len(st.sets[k]) < rules.size_target and cands:
            sample = cands if len(cands) <= GROW_SAMPLE else rng.sample(cands, GROW_SAMPLE)
            base = st.pts[k]
            best_u, best_delta = -1, None
            for u in sample:
                if len(st.sets[k]) + st.unit_size[u] > rules.size_target or not st.fits(k, u):
                    continue
                delta = (iso_rank[u], st.points_with(k, add=u) - base)  # isolated people first, when they come first
                if best_delta is None or delta > best_delta:
                    best_u, best_delta = u, delta
            if best_u < 0:
                if len(sample) == len(cands):
                    break
                cands = [u for u in cands if u not in sample]
                continue
            st.add_unit(k, best_u)
            cands = [u for u in cands if free(u)]

    # Open locked sets first, at their pinned slot or their best common one.
    for k in range(len(st.sets)):
        if st.pin[k] >= 0 and not st.fixed[k]:
            mask = st.masks[k] & (st.pin_slot[k] or ALL_SLOTS)
            grow(k, _best_slot(st, mask, at_slot) if st.require_slot or st.pin_slot[k] else None)
    for seed in order:
        if not free(seed):
            continue
        if not budget.tick():
            break
        slot = _best_slot(st, st.unit_mask[seed], at_slot) if st.require_slot else None
        k = st.new_set()
        st.add_unit(k, seed)
        grow(k, slot)
        if len(st.sets[k]) < rules.size_min:  # the seed waits for repair
            for u in st.units_in(k):
                st.remove_unit(u)
    repair(st, rng, budget)


def _best_slot(st: State, mask: int, at_slot: dict[int | None, list[int]]) -> int | None:
    """The slot of ``mask`` with the most unplaced units free then (earliest in the week on a tie)."""
    best, best_count = None, -1
    units = st.pb.units
    m = mask
    while m:
        low = m & -m
        s = low.bit_length() - 1
        count = sum(1 for u in at_slot.get(s, ()) if st.where[units[u][0]] < 0)
        if count > best_count:
            best, best_count = s, count
        m ^= low
    return best


def repair(st: State, rng: random.Random, budget: Budget | None = None) -> None:
    """Make the state valid and settled: no set below the minimum, and no unplaced unit that could be placed.

    Sets below the minimum are dissolved (their units are re-inserted where they fit); then unplaced
    units are inserted into sets with room, new sets are formed from unplaced units alone, and finally
    new sets are formed by borrowing units from sets above the minimum.
    """
    rules = st.rules
    for k in range(len(st.sets)):
        if st.sets[k] and len(st.sets[k]) < rules.size_min and not st.fixed[k] and st.pin[k] < 0:
            for u in st.units_in(k):
                st.remove_unit(u)
    fill_pinned(st)
    settle(st, rng)


def fill_pinned(st: State) -> None:
    """Complete open locked sets below the minimum, from unplaced units and then from sets above the minimum."""
    rules = st.rules
    for k in range(len(st.sets)):
        if st.pin[k] < 0 or st.fixed[k]:
            continue
        for u in st.unplaced_units():
            if len(st.sets[k]) >= rules.size_min:
                break
            if st.fits(k, u):
                st.add_unit(k, u)
        if len(st.sets[k]) >= rules.size_min:
            continue
        for d in range(len(st.sets)):
            if d == k or st.fixed[d]:
                continue
            for u in st.units_in(d):
                if len(st.sets[k]) >= rules.size_min:
                    break
                if st.can_shrink(d, u) and st.fits(k, u):
                    st.remove_unit(u)
                    st.add_unit(k, u)


def placeable_units(st: State) -> set[int]:
    """Free units that could be in *some* valid set, judging by slots and organisations alone (a superset)."""
    pb = st.pb
    rules = st.rules
    limit = rules.max_per_organisation
    slots = range(21) if st.require_slot else [None]
    by_slot: list[dict[int, int]] = []
    base: list[int] = []
    for s in slots:
        counts: dict[int, int] = {}
        for i in range(pb.n):
            if pb.eligible[i] and (s is None or pb.mask[i] >> s & 1):
                counts[pb.org[i]] = counts.get(pb.org[i], 0) + 1
        by_slot.append(counts)
        base.append(sum(min(limit, c) if pb.real_org[o] else c for o, c in counts.items()))
    out: set[int] = set()
    for u in st.free_units:
        unit = pb.units[u]
        need = rules.size_min - len(unit)
        inside: dict[int, int] = {}
        for i in unit:
            inside[pb.org[i]] = inside.get(pb.org[i], 0) + 1
        for idx, s in enumerate(slots):
            if s is not None and not st.unit_mask[u] >> s & 1:
                continue
            counts = by_slot[idx]
            total = base[idx]
            for o, c_in in inside.items():
                c = counts.get(o, 0)
                if pb.real_org[o]:
                    total += max(0, min(limit - c_in, c - c_in)) - min(limit, c)
                else:
                    total -= c_in
            if total >= need:
                out.add(u)
                break
    return out


def settle(st: State, rng: random.Random) -> None:
    """Place every unplaced unit that can be placed without breaking a rule, until nothing changes."""
    changed = True
    while changed:
        changed = insert_unplaced(st)
        changed = form_from_unplaced(st) or changed
        changed = form_by_borrowing(st, rng) or changed


def insert_unplaced(st: State) -> bool:
    """Insert unplaced units into the sets where they fit best (isolated ones first, when they come first); True if any was placed."""
    placed_any = False
    pending = st.unplaced_units()
    if st.iso_first:
        pending.sort(key=lambda u: -st.unit_iso[u])
    for u in pending:
        best_k, best_delta = -1, None
        for k in range(len(st.sets)):
            if st.sets[k] and st.fits(k, u):
                delta = st.points_with(k, add=u) - st.pts[k]
                if best_delta is None or delta > best_delta:
                    best_k, best_delta = k, delta
        if best_k >= 0:
            st.add_unit(best_k, u)
            placed_any = True
    return placed_any


def group_search(
    pb: Problem,
    candidates: list[int],
    seed_unit: int,
    need: int,
    limit: int = 20000,
    source: dict[int, int] | None = None,
    spare: dict[int, int] | None = None,
) -> list[int] | None:
    """See :func:`group_search_full`; only the group."""
    return group_search_full(pb, candidates, seed_unit, need, limit, source, spare)[0]


def group_search_full(
    pb: Problem,
    candidates: list[int],
    seed_unit: int,
    need: int,
    limit: int = 20000,
    source: dict[int, int] | None = None,
    spare: dict[int, int] | None = None,
) -> tuple[list[int] | None, bool]:
    """Units (``seed_unit`` first, then some of ``candidates``) that make a valid set of ``need`` or more members.

    Depth-first with the size, per-organisation and cannot-link rules checked as it goes; the caller
    passes only candidates that share the intended slot. Stops at the first group reaching the target
    size, else returns the last group reaching ``need``; ``None`` when there is none (or the node
    limit is hit first). The flag is True when the search was not cut short by the node limit, so a
    ``None`` group then proves no such set exists. ``source`` maps a borrowed unit to the set it is
    in and ``spare`` says how many members each such set can give up.
    """
    rules = pb.rules
    target = max(need, rules.size_target)
    units = pb.units
    org, real, cannot = pb.org, pb.real_org, pb.cannot
    chosen = [seed_unit]
    orgc: dict[int, int] = {}
    members: set[int] = set(units[seed_unit])
    for i in units[seed_unit]:
        orgc[org[i]] = orgc.get(org[i], 0) + 1
    size = len(units[seed_unit])
    nodes = 0
    best: list[int] | None = None
    source = source or {}
    taken: dict[int, int] = {}

    def ok(u: int) -> bool:
        k = source.get(u)
        if k is not None and spare is not None and taken.get(k, 0) + len(units[u]) > spare.get(k, 0):
            return False
        for i in units[u]:
            o = org[i]
            if real[o] and orgc.get(o, 0) + sum(1 for j in units[u] if org[j] == o) > rules.max_per_organisation:
                return False
            if cannot[i] & members:
                return False
        return True

    def dfs(start: int) -> bool:
        nonlocal size, nodes, best
        nodes += 1
        if nodes > limit:
            return True
        if size >= need:
            best = list(chosen)
            if size >= target:
                return True
        for idx in range(start, len(candidates)):
            u = candidates[idx]
            if size + len(units[u]) > target or not ok(u):
                continue
            chosen.append(u)
            members.update(units[u])
            for i in units[u]:
                orgc[org[i]] = orgc.get(org[i], 0) + 1
            size += len(units[u])
            k = source.get(u)
            if k is not None:
                taken[k] = taken.get(k, 0) + len(units[u])
            stop = dfs(idx + 1)
            if k is not None:
                taken[k] -= len(units[u])
            size -= len(units[u])
            for i in units[u]:
                orgc[org[i]] -= 1
            members.difference_update(units[u])
            chosen.pop()
            if stop or (best is not None and nodes > limit // 4):
                return True
        return False

    dfs(0)
    return best, nodes <= limit


def form_from_unplaced(st: State) -> bool:
    """Form new sets from unplaced units alone, wherever a valid one exists; True if any was formed."""
    formed = False
    rules = st.rules
    while True:
        pending = st.unplaced_units()
        if sum(st.unit_size[u] for u in pending) < rules.size_min:
            return formed
        made = False
        for u in pending:
            for slot in _slots_of(st, st.unit_mask[u]):
                cands = [v for v in pending if v != u and (not st.require_slot or st.unit_mask[v] & slot)]
                group = group_search(st.pb, cands, u, rules.size_min)
                if group:
                    k = st.new_set()
                    for v in group:
                        st.add_unit(k, v)
                    made = formed = True
                    break
            if made:
                break
        if not made:
            return formed


def _slots_of(st: State, mask: int) -> Iterator[int]:
    """Single-slot bits of ``mask`` (or one 'any time' mask when no common slot is required)."""
    if not st.require_slot:
        yield ALL_SLOTS
        return
    while mask:
        low = mask & -mask
        yield low
        mask ^= low


def form_by_borrowing(st: State, rng: random.Random, units: list[int] | None = None) -> bool:
    """Form a new set around an unplaced unit (of ``units``, default all) by borrowing from sets that can spare them."""
    rules = st.rules
    formed = False
    for u in st.unplaced_units() if units is None else units:
        if st.where[st.pb.units[u][0]] >= 0:
            continue
        for slot in _slots_of(st, st.unit_mask[u]):
            pending = [v for v in st.unplaced_units() if v != u and (not st.require_slot or st.unit_mask[v] & slot)]
            donors = []
            source: dict[int, int] = {}
            spare: dict[int, int] = {}
            for k in range(len(st.sets)):
                if st.fixed[k] or len(st.sets[k]) <= rules.size_min:
                    continue
                spare[k] = len(st.sets[k]) - rules.size_min
                for v in st.units_in(k):
                    if (not st.require_slot or st.unit_mask[v] & slot) and st.can_shrink(k, v):
                        donors.append(v)
                        source[v] = k
            # Borrowed units must leave their sets at or above the minimum, together.
            group = group_search(st.pb, pending + donors, u, rules.size_min, limit=5000, source=source, spare=spare)
            if not group:
                continue
            for v in group:
                if st.where[st.pb.units[v][0]] >= 0:
                    st.remove_unit(v)
            k = st.new_set()
            for v in group:
                st.add_unit(k, v)
            formed = True
            break
    return formed
