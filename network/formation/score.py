"""The objective: one integer score per set, computed from the set's members alone.

Every goal of a set is an integer ``raw`` count; the set's score is
``sum(round(100 * weight) * raw * UNIT[goal]) / SCALE``. Keeping the arithmetic in integers makes the
engine, the re-scorer and the exact CP-SAT model score any partition to the same number.
"""

from __future__ import annotations

from collections.abc import Sequence

from network.formation.model import GOALS
from network.formation.problem import NO_SHARED_THEME, SCALE, Problem

#: Integer multiplier per goal (experience is counted in tenths of a year, the others in whole units).
UNIT: dict[str, int] = {"themes": 10, "experience": 1, "kinds": 10, "ties": 10, "isolated": 10, "region": 10, "size": 10}


class Scorer:
    """Scores sets of a :class:`Problem`; results are cached by member tuple (cleared when large).

    A set's score depends on its members only, so a move is judged by re-scoring the two sets it
    touches. One score costs a single pass over the (at most ``size_max``) members: themes lacked by
    one member or more are counted with two bit masks (``ones``, ``twos``), so the themes shared by
    all and by all but one come out of a few integer operations.
    """

    __slots__ = ("pb", "coef", "cache", "rho_items", "close", "target", "evaluations", "universe", "kindbit", "regbit")

    def __init__(self, pb: Problem) -> None:
        self.pb = pb
        self.coef = tuple(pb.W[g] * UNIT[g] for g in GOALS)
        self.cache: dict[tuple[int, ...], int] = {}
        self.rho_items = tuple(sorted(pb.rho_masks.items()))
        self.close = pb.rules.region_mode == "close"
        self.target = pb.rules.size_target
        self.evaluations = 0
        self.universe = (1 << len(pb.theme_ids)) - 1
        self.kindbit = [1 << k if k >= 0 else 0 for k in pb.kind]
        self.regbit = [1 << r if r >= 0 else 0 for r in pb.region]

    def raw(self, members: Sequence[int]) -> tuple[int, ...]:
        """The raw count of every goal for a set of these members, in :data:`GOALS` order."""
        pb = self.pb
        n = len(members)
        if n == 0:
            return (0,) * len(GOALS)
        universe = self.universe
        tmask, texp, texpl, kindbit, regbit, exp, iso, org = pb.tmask, pb.texp, pb.texpl, self.kindbit, self.regbit, pb.exp, pb.iso, pb.org
        ones = twos = any_exp = any_expl = kinds = regions = 0
        exp_sum = iso_count = 0
        for i in members:
            lack = universe ^ tmask[i]
            twos |= ones & lack
            ones |= lack
            any_exp |= texp[i]
            any_expl |= texpl[i]
            kinds |= kindbit[i]
            regions |= regbit[i]
            exp_sum += exp[i]
            iso_count += iso[i]
        # Themes: shared by all (nobody lacks them) and by all but one (exactly one lacks them).
        full = universe ^ ones
        near = ones & ~twos if n > 1 else 0
        themes = (full & any_exp & any_expl).bit_count()
        for value, mask in self.rho_items:
            themes += value * (full & mask).bit_count() + (value // 2) * (near & mask).bit_count()
        if not full:
            themes -= NO_SHARED_THEME

        # New cross-organisation ties: every pair, less colleagues, less pairs already tied across organisations.
        not_new2 = 0  # twice the pairs that are not new
        not_new_iso = 0  # their isolated ends
        orgs = [org[i] for i in members]
        colleagues = len(set(orgs)) != n
        cross = pb.ties_cross
        group = None
        for i in members:
            c = cross[i]
            if c or colleagues:
                if group is None:
                    group = set(members)
                not_new = (orgs.count(org[i]) - 1 if colleagues else 0) + (len(c & group) if c else 0)
                not_new2 += not_new
                if iso[i]:
                    not_new_iso += not_new
        new = (n * (n - 1) - not_new2) // 2
        extra = iso_count * (n - 1) - not_new_iso

        if self.close:
            counts: dict[int, int] = {}
            region = pb.region
            for i in members:
                if region[i] >= 0:
                    counts[region[i]] = counts.get(region[i], 0) + 1
            region_raw = max(counts.values(), default=0) - n
        else:
            region_raw = regions.bit_count()
        return (
            themes,
            -abs(exp_sum - n * pb.mu),
            kinds.bit_count(),
            new,
            extra,
            region_raw,
            -abs(n - self.target),
        )

    def points(self, members: Sequence[int]) -> int:
        """The set's integer score (``SCALE`` points per unit of weighted score)."""
        key = tuple(sorted(members))
        value = self.cache.get(key)
        if value is None:
            self.evaluations += 1
            r = self.raw(key)
            c = self.coef
            value = c[0] * r[0] + c[1] * r[1] + c[2] * r[2] + c[3] * r[3] + c[4] * r[4] + c[5] * r[5] + c[6] * r[6]
            if len(self.cache) > 100_000:  # about 15 MB; set scores are cheap to recompute
                self.cache.clear()
            self.cache[key] = value
        return value

    def breakdown(self, members: Sequence[int]) -> dict[str, float]:
        """Weighted score of each goal for a set of these members."""
        raw = self.raw(tuple(sorted(members)))
        return {g: c * r / SCALE for g, c, r in zip(GOALS, self.coef, raw, strict=True)}
