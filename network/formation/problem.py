"""The indexed form of a formation problem, built once per call: members as small integers and bit masks.

Building a :class:`Problem` validates the whole input and raises :class:`FormationError` naming the
first problem found, so the engine, the re-scorer and the exact solver all start from checked data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from network import availability
from network.formation.model import Constraints, FormationError, Member, Rules

#: Points lost by a set in which no theme is shared by everyone, in theme units (see the package docstring).
NO_SHARED_THEME = 6
#: Rarity points of a theme shared by everyone: ``2 + min(3, floor(log2(pool / holders)))``.
RARITY_BASE, RARITY_CAP = 2, 3
#: Integer scale of scores: a goal's contribution is ``round(100 * weight) * raw * UNIT[goal]``, reported / 1000.
SCALE = 1000


def rarity(pool: int, holders: int) -> int:
    """Rarity points of a theme held by ``holders`` of ``pool`` people (2 for the commonest, up to 5)."""
    if holders <= 0 or pool <= 0:
        return RARITY_BASE
    return RARITY_BASE + min(RARITY_CAP, int(math.floor(math.log2(pool / holders) + 1e-9)))


@dataclass(frozen=True, slots=True)
class PoolStats:
    """What a set's score takes from the whole pool: how many can be placed, each theme's holders among them, mean experience.

    Kept with a proposal so an edit can re-score only the sets it touches (from their members alone) and get
    the very scores a re-score of the whole pool gives (:func:`network.formation.score_sets` with ``stats``).
    ``mu`` is in tenths of a year, as :class:`Problem` keeps experience.
    """

    eligible: int
    holders: Mapping[str, int]
    mu: int


def pool_stats(members: Sequence[Member]) -> PoolStats:
    """The :class:`PoolStats` of a pool (the people with capacity left count, as in :class:`Problem`)."""
    eligible = [m for m in members if m.capacity_left > 0]
    holders: dict[str, int] = {}
    for m in eligible:
        for t in m.themes:
            holders[t] = holders.get(t, 0) + 1
    exps = [int(round(10 * m.experience_years)) for m in eligible]
    return PoolStats(len(eligible), dict(sorted(holders.items())), int(round(sum(exps) / len(exps))) if exps else 0)


@dataclass(slots=True)
class Pinned:
    """A locked set in index form: its member indices, whether others may join, and its pinned slot bit (or 0)."""

    members: tuple[int, ...]
    open: bool
    slot_mask: int


class Problem:
    """A validated formation problem with members as indices ``0..n-1`` in id order.

    Attributes are plain lists indexed by member (``org``, ``kind``, ``region``, ``exp`` in tenths of a
    year, slot ``mask``, theme bit masks ``tmask``/``texp``/``texpl``, ``iso``, ``eligible``), adjacency
    sets ``ties`` and ``cannot``, must-link ``units`` (tuples of members that move together),
    ``pinned`` locked sets and the per-goal integer weights ``W``.
    """

    def __init__(
        self,
        members: Sequence[Member],
        rules: Rules,
        constraints: Constraints,
        *,
        require_pool: bool = True,
        strict_pins: bool = True,
        stats: PoolStats | None = None,
    ) -> None:
        if not isinstance(rules, Rules):
            raise FormationError("rules", "must be a Rules value")
        if not isinstance(constraints, Constraints):
            raise FormationError("constraints", "must be a Constraints value")
        members = list(members)
        for m in members:
            if not isinstance(m, Member):
                raise FormationError("members", f"each member must be a Member value, got {type(m).__name__}")
        seen: set[str] = set()
        for m in members:
            if m.id in seen:
                raise FormationError("members", f"{m.id} appears twice in the pool")
            seen.add(m.id)
        members.sort(key=lambda m: m.id)
        self.rules = rules
        self.constraints = constraints
        self.members = members
        self.ids = [m.id for m in members]
        #: How reasons name each member: their name when given, else their id.
        self.labels = [m.name or m.id for m in members]
        self.index = {mid: i for i, mid in enumerate(self.ids)}
        n = self.n = len(members)

        # Organisations: a member with no organisation gets one of their own, so they clash with nobody.
        org_ids = sorted({m.organisation_id for m in members if m.organisation_id is not None})
        org_index = {o: k for k, o in enumerate(org_ids)}
        self.org_names: list[str | None] = list(org_ids)
        self.org: list[int] = []
        for m in members:
            if m.organisation_id is None:
                self.org.append(len(self.org_names))
                self.org_names.append(None)
            else:
                self.org.append(org_index[m.organisation_id])
        self.real_org = [name is not None for name in self.org_names]
        kinds = sorted({m.organisation_kind for m in members if m.organisation_kind is not None})
        self.kind_names = kinds
        self.kind = [kinds.index(m.organisation_kind) if m.organisation_kind is not None else -1 for m in members]
        regions = sorted({m.region for m in members if m.region is not None})
        self.region_names = regions
        self.region = [regions.index(m.region) if m.region is not None else -1 for m in members]
        self.exp = [int(round(10 * m.experience_years)) for m in members]
        self.mask = [availability.to_mask(m.availability) for m in members]
        self.iso = [1 if m.isolated else 0 for m in members]
        self.eligible = [m.capacity_left > 0 for m in members]
        self.n_eligible = sum(self.eligible)

        # Themes as bits; rarity from the eligible pool.
        theme_ids = sorted({t for m in members for t in m.themes})
        self.theme_ids = theme_ids
        tindex = {t: k for k, t in enumerate(theme_ids)}
        self.tmask = [0] * n
        self.texp = [0] * n
        self.texpl = [0] * n
        holders = [0] * len(theme_ids)
        for i, m in enumerate(members):
            for t, level in m.themes.items():
                bit = 1 << tindex[t]
                self.tmask[i] |= bit
                if level == "experienced":
                    self.texp[i] |= bit
                else:
                    self.texpl[i] |= bit
                if self.eligible[i]:
                    holders[tindex[t]] += 1
        if stats is not None:  # a part of a larger pool: theme rarity and mean experience are the whole pool's
            holders = [max(h, stats.holders.get(t, 0)) for h, t in zip(holders, theme_ids, strict=True)]
        self.rho = [rarity(stats.eligible if stats is not None else self.n_eligible, h) for h in holders]
        self.rho_masks: dict[int, int] = {}
        for k, r in enumerate(self.rho):
            self.rho_masks[r] = self.rho_masks.get(r, 0) | (1 << k)
        pool_exp = [e for e, ok in zip(self.exp, self.eligible, strict=True) if ok]
        self.mu = int(round(sum(pool_exp) / len(pool_exp))) if pool_exp else 0
        if stats is not None:
            self.mu = stats.mu

        w = rules.weights
        self.W = {
            goal: int(round(100 * getattr(w, goal))) for goal in ("themes", "experience", "kinds", "ties", "isolated", "region", "size")
        }

        self.ties: list[set[int]] = [set() for _ in range(n)]
        self.cannot: list[set[int]] = [set() for _ in range(n)]
        self.must: list[set[int]] = [set() for _ in range(n)]
        for name, pairs, adj in (
            ("ties", constraints.ties, self.ties),
            ("cannot_link", constraints.cannot_link, self.cannot),
            ("must_link", constraints.must_link, self.must),
        ):
            for a, b in pairs:
                if a not in self.index or b not in self.index:
                    if name == "ties":
                        continue  # ties to people outside the pool do not matter here
                    missing = a if a not in self.index else b
                    raise FormationError(name, f"{missing} is not in the pool")
                i, j = self.index[a], self.index[b]
                adj[i].add(j)
                adj[j].add(i)
        #: Ties to people of other organisations (ties with colleagues earn nothing either way).
        self.ties_cross: list[set[int]] = [{j for j in self.ties[i] if self.org[j] != self.org[i]} for i in range(n)]
        self._units()
        self._pinned(strict_pins)
        if require_pool:
            self._check_pool()

    # ------------------------------------------------------------------ validation helpers

    def _units(self) -> None:
        """Must-link components; contradictions with cannot-link or the hard rules are input errors."""
        parent = list(range(self.n))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for i in range(self.n):
            for j in self.must[i]:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
        groups: dict[int, list[int]] = {}
        for i in range(self.n):
            groups.setdefault(find(i), []).append(i)
        self.units: list[tuple[int, ...]] = [tuple(sorted(g)) for _, g in sorted(groups.items())]
        self.unit_of = [0] * self.n
        for u, members in enumerate(self.units):
            for i in members:
                self.unit_of[i] = u
        for members in self.units:
            if len(members) == 1:
                continue
            names = ", ".join(self.ids[i] for i in members)
            for i in members:
                for j in self.cannot[i]:
                    if j in members:
                        chain = self.must_chain(i, j)
                        raise FormationError(
                            "cannot_link",
                            f"{self.ids[i]} and {self.ids[j]} cannot be together, but must-link pairs join them: {' - '.join(chain)}",
                        )
            if len(members) > self.rules.size_max:
                raise FormationError(
                    "must_link",
                    f"{len(members)} people must be together ({names}), more than the maximum set size of {self.rules.size_max}",
                )
            clash = self.org_clash(members)
            if clash:
                raise FormationError("must_link", f"{names} must be together, but {clash}")
            if self.rules.require_common_slot and not self.common_mask(members):
                raise FormationError("must_link", f"{names} must be together, but they have no weekly slot in common")

    def must_chain(self, a: int, b: int) -> list[str]:
        """Ids on a shortest must-link path from ``a`` to ``b`` (for error messages)."""
        prev = {a: a}
        queue = [a]
        for x in queue:
            if x == b:
                break
            for y in sorted(self.must[x]):
                if y not in prev:
                    prev[y] = x
                    queue.append(y)
        path = [b]
        while path[-1] != a:
            path.append(prev[path[-1]])
        return [self.ids[i] for i in reversed(path)]

    def org_clash(self, members: Sequence[int]) -> str:
        """Words for the first organisation over the per-organisation limit among ``members`` ('' when none)."""
        counts: dict[int, int] = {}
        for i in members:
            counts[self.org[i]] = counts.get(self.org[i], 0) + 1
        for o, c in sorted(counts.items()):
            if self.real_org[o] and c > self.rules.max_per_organisation:
                return f"{c} of them work for {self.org_names[o]} (at most {self.rules.max_per_organisation} per organisation)"
        return ""

    def common_mask(self, members: Sequence[int]) -> int:
        """Slots every one of ``members`` is available at, as a bit mask."""
        mask = (1 << len(availability.SLOTS)) - 1
        for i in members:
            mask &= self.mask[i]
        return mask

    def _pinned(self, strict: bool = True) -> None:
        """Locked sets in index form; a pinned member who breaks a hard rule is an input error.

        With ``strict=False`` (re-scoring a coordinator's edits) only unknown ids and a member pinned
        twice are errors; the rest shows up as violations of the partition instead.
        """
        self.pinned: list[Pinned] = []
        self.pinned_of = [-1] * self.n
        rules = self.rules

        def fail(message: str) -> None:
            if strict:
                raise FormationError("locked", message)

        for p, locked in enumerate(self.constraints.locked):
            label = f"locked set ({', '.join(locked.members)})"
            missing = [m for m in locked.members if m not in self.index]
            if missing:
                raise FormationError("locked", f"{label}: {', '.join(missing)} not in the pool")
            members = sorted(self.index[m] for m in locked.members)
            for i in members:
                if self.pinned_of[i] >= 0:
                    raise FormationError("locked", f"{self.ids[i]} is pinned to two locked sets")
                if not self.eligible[i]:
                    fail(f"{label}: {self.ids[i]} is pinned but at capacity")
            # Must-link partners of a pinned member belong to the same set.
            for i in members:
                for j in self.units[self.unit_of[i]]:
                    if j not in members:
                        if not locked.open:
                            fail(f"{label}: {self.ids[i]} must be with {self.ids[j]}, who is not in it")
                        elif not self.eligible[j]:
                            fail(f"{label}: {self.ids[i]} must be with {self.ids[j]}, who is at capacity")
            grown = sorted({j for i in members for j in self.units[self.unit_of[i]]}) if locked.open else members
            for i in grown:
                if self.pinned_of[i] >= 0:
                    raise FormationError("locked", f"{self.ids[i]} is pinned to two locked sets")
                self.pinned_of[i] = p
            if len(grown) > rules.size_max:
                fail(f"{label}: {len(grown)} pinned members, more than the maximum set size of {rules.size_max}")
            if not locked.open and len(grown) < rules.size_min:
                fail(f"{label}: {len(grown)} members, fewer than the minimum set size of {rules.size_min}")
            clash = self.org_clash(grown)
            if clash:
                fail(f"{label}: {clash}")
            for a in grown:
                for b in self.cannot[a]:
                    if b in grown and a < b:
                        fail(f"{label}: {self.ids[a]} and {self.ids[b]} cannot be together")
            slot_mask = 0
            common = self.common_mask(grown)
            if rules.require_common_slot and not common:
                fail(f"{label}: the pinned members have no weekly slot in common")
            if locked.slot is not None:
                slot_mask = availability.to_mask((locked.slot,))
                if not common & slot_mask:
                    who = ", ".join(self.ids[i] for i in grown if not self.mask[i] & slot_mask)
                    fail(f"{label}: not everyone is available at {availability.describe_slot(locked.slot)} ({who})")
            self.pinned.append(Pinned(tuple(grown), locked.open, slot_mask))

    def _check_pool(self) -> None:
        if self.pinned:
            return
        if self.n_eligible < self.rules.size_min:
            at_capacity = self.n - self.n_eligible
            extra = f" ({at_capacity} more are at capacity)" if at_capacity else ""
            raise FormationError(
                "members",
                f"the pool is too small for one set: {self.n_eligible} {'person' if self.n_eligible == 1 else 'people'} "
                f"can be placed{extra}, and a set needs at least {self.rules.size_min}",
            )

    # ------------------------------------------------------------------ helpers used across the package

    def indices(self, ids: Sequence[str]) -> list[int]:
        """Member indices of ``ids`` (each must be in the pool)."""
        return [self.index[m] for m in ids]

    def theme_name(self, theme_bit: int, names: Mapping[str, str] | None) -> str:
        """The display name of the theme with this bit index."""
        tid = self.theme_ids[theme_bit]
        if names and tid in names:
            return names[tid]
        return tid
