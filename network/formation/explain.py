"""Plain-English reasons: why each set is good, and the exact reason each unplaced person is left out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from network import availability, taxonomy, words
from network.formation.engine import State, group_search, group_search_full, insert_unplaced
from network.formation.model import Move, Unplaced
from network.formation.placement import apply_chain, chain_moves
from network.formation.problem import Problem
from network.formation.score import Scorer

_KIND_WORDS = {
    "local_authority": "local authority",
    "nhs_trust": "NHS trust",
    "voluntary": "voluntary",
    "independent": "independent",
    "agency": "agency",
    "university": "university",
}


def theme_label(theme_id: str, names: Mapping[str, str] | None) -> str:
    """A theme's display name: from ``names``, else the built-in taxonomy, else its id."""
    if names and theme_id in names:
        return names[theme_id]
    if taxonomy.is_builtin(theme_id):
        return taxonomy.theme_by_id(theme_id).name
    return theme_id


def _listing(items: Sequence[str], limit: int = 3) -> str:
    items = list(items)
    if len(items) > limit:
        return f"{', '.join(items[:limit])} and {len(items) - limit} more"
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _years(tenths: float) -> str:
    """An amount in tenths of a year as a number: ``4.5``."""
    value = round(tenths / 10, 1)
    return f"{value:g}"


def _experience(pb: Problem, exps: Sequence[float]) -> str:
    """The spread of a set's experience in words: ``experience 1 to 7 years, mean 3.5 years (pool mean 4 years)``."""
    low, high, mean = min(exps) / 10, max(exps) / 10, sum(exps) / len(exps) / 10
    pool = f"(pool mean {words.years(pb.mu / 10)})"
    if round(low, 1) == round(high, 1):
        return f"experience {words.years(low)} each {pool}"
    return f"experience {_years(low * 10)} to {words.years(high)}, mean {words.years(mean)} {pool}"


def _bits(mask: int) -> list[int]:
    out = []
    k = 0
    while mask:
        if mask & 1:
            out.append(k)
        mask >>= 1
        k += 1
    return out


def shared_themes(pb: Problem, members: Sequence[int]) -> tuple[str, ...]:
    """Theme ids every member works on, rarest first (then by id)."""
    if not members:
        return ()
    full = -1
    for i in members:
        full &= pb.tmask[i]
    bits = _bits(full)
    bits.sort(key=lambda b: (-pb.rho[b], pb.theme_ids[b]))
    return tuple(pb.theme_ids[b] for b in bits)


def describe_set(
    pb: Problem, scorer: Scorer, members: Sequence[int], names: Mapping[str, str] | None, *, locked: bool, pinned_slot: int = 0
) -> tuple[str | None, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``(meeting_slot, common_slots, shared_themes, reasons)`` of one set."""
    n = len(members)
    reasons: list[str] = []
    common = availability.from_mask(pb.common_mask(members)) if members else ()
    meeting: str | None = None
    if pinned_slot and pb.common_mask(members) & pinned_slot:
        meeting = availability.from_mask(pinned_slot)[0]
    elif common:
        meeting = common[0]
    if meeting:
        text = f"meets {availability.describe_slot(meeting)}"
        others = [availability.describe_slot(s) for s in common if s != meeting]
        if others:
            text += f" (all also free {_listing(others)})"
        reasons.append(text)
    elif n:
        reasons.append("has no weekly slot common to all members")

    themes = shared_themes(pb, members)
    if themes:
        reasons.append(f"all {n} share {_listing([theme_label(t, names) for t in themes])}")
    elif n:
        counts: dict[int, int] = {}
        for i in members:
            for b in _bits(pb.tmask[i]):
                counts[b] = counts.get(b, 0) + 1
        best = max(counts.values(), default=0)
        if best >= 2:
            top = sorted((b for b, c in counts.items() if c == best), key=lambda b: (-pb.rho[b], pb.theme_ids[b]))
            reasons.append(
                f"no theme shared by all {n}; {best} of {n} share {_listing([theme_label(pb.theme_ids[b], names) for b in top], 2)}"
            )
        else:
            reasons.append(f"no theme shared by two or more of the {n}")

    orgs = {pb.org[i] for i in members}
    kinds = sorted({pb.kind_names[pb.kind[i]] for i in members if pb.kind[i] >= 0})
    org_text = f"{len(orgs)} organisation{'s' if len(orgs) != 1 else ''}"
    if kinds:
        org_text += (
            f", {len(kinds)} kind{'s' if len(kinds) != 1 else ''} ({', '.join(_KIND_WORDS.get(k, k.replace('_', ' ')) for k in kinds)})"
        )
    reasons.append(org_text)

    if n:
        exps = [pb.exp[i] for i in members]
        reasons.append(_experience(pb, exps))

    new = iso_pairs = 0
    ordered = sorted(members)
    for a, i in enumerate(ordered):
        for j in ordered[a + 1 :]:
            if pb.org[i] != pb.org[j] and j not in pb.ties[i]:
                new += 1
                if pb.iso[i] or pb.iso[j]:
                    iso_pairs += 1
    text = f"{new} new cross-organisation tie{'s' if new != 1 else ''}"
    if iso_pairs:
        text += f", {iso_pairs} for isolated members"
    reasons.append(text)

    in_region: dict[str, int] = {}
    for i in members:
        if pb.region[i] >= 0:
            name = pb.region_names[pb.region[i]]
            in_region[name] = in_region.get(name, 0) + 1
    if in_region:
        if pb.rules.region_mode == "close":
            top_region, count = max(sorted(in_region.items()), key=lambda kv: kv[1])
            reasons.append(f"all in {_region(top_region)}" if count == n else f"{count} of {n} in {_region(top_region)}")
        else:
            reasons.append(f"from {len(in_region)} region{'s' if len(in_region) != 1 else ''}")

    size = f"{n} member{'s' if n != 1 else ''}"
    if n != pb.rules.size_target:
        size += f" (target {pb.rules.size_target})"
    reasons.append(size)
    if locked:
        reasons.append("locked by the coordinator")
    return meeting, common, themes, tuple(reasons)


def _region(region_id: str) -> str:
    from network.domain import REGIONS

    return REGIONS.get(region_id, region_id)


# ---------------------------------------------------------------------- unplaced


class _SlotCounts:
    """Per slot and organisation, how many eligible people are free then (for the structural reasons)."""

    def __init__(self, pb: Problem) -> None:
        self.pb = pb
        self.by_slot: list[dict[int, list[int]]] = []
        require = pb.rules.require_common_slot
        slots = range(len(availability.SLOTS)) if require else [0]
        for s in slots:
            per_org: dict[int, list[int]] = {}
            for i in range(pb.n):
                if pb.eligible[i] and (not require or pb.mask[i] >> s & 1):
                    per_org.setdefault(pb.org[i], []).append(i)
            self.by_slot.append(per_org)

    def best(self, unit: Sequence[int], mask: int, exclude: set[int]) -> int:
        """The most people (outside ``unit`` and ``exclude``) one slot of ``mask`` offers within the organisation limit."""
        pb = self.pb
        limit = pb.rules.max_per_organisation
        inside: dict[int, int] = {}
        for i in unit:
            inside[pb.org[i]] = inside.get(pb.org[i], 0) + 1
        slots = _bits(mask) if pb.rules.require_common_slot else [0]
        best = 0
        members = set(unit)
        for s in slots:
            total = 0
            for o, people in self.by_slot[s].items():
                free = [i for i in people if i not in members and i not in exclude]
                if not pb.real_org[o]:
                    total += len(free)
                else:
                    total += max(0, min(limit - inside.get(o, 0), len(free)))
            best = max(best, total)
        return best


#: Unplaced people (isolated ones first) for whom a rearrangement is worked out; the others get the reason alone.
MAX_OFFERS = 60


def unplaced_reasons(pb: Problem, sets: Sequence[Sequence[int]], fixed: Sequence[bool]) -> list[Unplaced]:
    """The exact reason every member in no set is left out, given the final ``sets``.

    Reasons true of the pool come first: capacity, availability, must-link partners, and "no valid
    set can contain them" (too few people free at their slots, cannot-link rules, or, proven by an
    exhaustive search, no group at all: ``no_valid_set``). Otherwise a valid set could contain them:
    ``left_out`` when they could join a set or start one with others left out without moving anyone,
    else ``rearrange``: placing them means moving others, and (for up to :data:`MAX_OFFERS` people)
    the moves of a valid partition that places them are offered, with who would be left out instead.
    """
    rules = pb.rules
    where: dict[int, int] = {}
    for k, members in enumerate(sets):
        for i in members:
            where[i] = k
    out: list[Unplaced] = []
    counts: _SlotCounts | None = None
    leftover_units = [
        u
        for u, unit in enumerate(pb.units)
        if all(i not in where for i in unit) and all(pb.eligible[i] for i in unit) and pb.pinned_of[unit[0]] < 0
    ]
    free_units = [u for u, unit in enumerate(pb.units) if all(pb.eligible[i] for i in unit) and pb.pinned_of[unit[0]] < 0]
    offers = _Offers(pb, sets, fixed)
    rearrange: list[tuple[int, str]] = []
    for i in range(pb.n):
        if i in where:
            continue
        mid = pb.ids[i]
        unit = pb.units[pb.unit_of[i]]
        partners = [j for j in unit if j != i]
        if not pb.eligible[i]:
            out.append(Unplaced(mid, "at_capacity", "at capacity: already in as many active sets as they can take"))
            continue
        blocked = [j for j in partners if not pb.eligible[j]]
        if blocked:
            out.append(Unplaced(mid, "must_link", f"must be in the same set as {pb.labels[blocked[0]]}, who is at capacity"))
            continue
        placed_partner = [j for j in partners if j in where]
        if placed_partner:
            out.append(
                Unplaced(
                    mid,
                    "left_out",
                    f"must be in the same set as {pb.labels[placed_partner[0]]}, who is in set {where[placed_partner[0]] + 1}",
                )
            )
            continue
        mask = pb.common_mask(unit)
        if rules.require_common_slot and not mask:
            out.append(Unplaced(mid, "no_availability", "has not given any weekly availability, and every set needs a common weekly slot"))
            continue
        if counts is None:
            counts = _SlotCounts(pb)
        need = rules.size_min - len(unit)
        with_partners = f" (with {_listing([pb.labels[j] for j in partners], len(partners))}, who must be in their set)" if partners else ""
        people = (
            "people from other organisations"
            if rules.max_per_organisation == 1
            else f"people within the limit of {rules.max_per_organisation} per organisation"
        )
        if rules.require_common_slot:
            lack = f"no common slot with {need} or more {people}{with_partners}"
        else:
            lack = f"fewer than {need} {people} in the pool can be placed{with_partners}"
        if counts.best(unit, mask, set()) < need:
            out.append(Unplaced(mid, "no_common_slot", lack))
            continue
        excluded = {j for x in unit for j in pb.cannot[x]}
        if excluded and counts.best(unit, mask, excluded) < need:
            out.append(
                Unplaced(mid, "cannot_link", f"cannot-link with everyone available: leaving out the people they cannot be with, {lack}")
            )
            continue
        u = pb.unit_of[i]
        if not _some_valid_set(pb, u, free_units):
            out.append(Unplaced(mid, "no_valid_set", _no_valid_set_words(pb, u, free_units)))
            continue
        direct = _direct_reason(pb, sets, fixed, u, leftover_units)
        if direct is not None:
            out.append(Unplaced(mid, "left_out", direct))
            continue
        rearrange.append((i, mid))
    # A valid set could contain them, but not without moving others: offer a rearrangement (isolated people first).
    rearrange.sort(key=lambda item: (-pb.iso[item[0]], item[1]))
    for n, (i, mid) in enumerate(rearrange):
        out.append(offers.unplaced(i, mid, with_moves=n < MAX_OFFERS))
    return out


def _some_valid_set(pb: Problem, u: int, free_units: list[int]) -> bool:
    """Whether some valid set of the whole pool contains unit ``u`` (True when the search is cut short: it may)."""
    rules = pb.rules
    mask = pb.common_mask(pb.units[u])
    slots = _bits(mask) if rules.require_common_slot else [None]
    for s in slots:
        cands = [v for v in free_units if v != u and (s is None or pb.common_mask(pb.units[v]) >> s & 1)]
        group, complete = group_search_full(pb, cands, u, rules.size_min, limit=50_000)
        if group or not complete:
            return True
    return False


def _no_valid_set_words(pb: Problem, u: int, free_units: list[int]) -> str:
    """Why no valid set contains unit ``u``: the slots, and the rules that stop the people free then from meeting with them."""
    rules = pb.rules
    unit = pb.units[u]
    mask = pb.common_mask(unit)
    members = set(unit)
    others = [v for v in free_units if v != u and (not rules.require_common_slot or pb.common_mask(pb.units[v]) & mask)]
    people = {i for v in others for i in pb.units[v]}
    stops = []
    if any(j in people for i in unit for j in pb.cannot[i]) or any(j in people for i in people for j in pb.cannot[i]):
        stops.append("some of them cannot be in the same set as them or as each other")
    if any(len(pb.units[v]) > 1 for v in others) or len(unit) > 1:
        stops.append("some must be in the same set as someone else")
    per_org: dict[int, int] = {}
    for i in people | members:
        if pb.real_org[pb.org[i]]:
            per_org[pb.org[i]] = per_org.get(pb.org[i], 0) + 1
    if any(c > rules.max_per_organisation for c in per_org.values()):
        stops.append("some work for the same organisation")
    when = (
        f"of the people free when they are ({_listing([availability.describe_slot(x) for x in availability.from_mask(mask)], 2)})"
        if rules.require_common_slot
        else "of the people in the pool"
    )
    why = f" ({'; '.join(stops)})" if stops else ""
    return f"no valid set can contain them: {when}, no {rules.size_min - len(unit)} or more can meet with them by every rule{why}"


def _direct_reason(pb: Problem, sets: Sequence[Sequence[int]], fixed: Sequence[bool], u: int, leftover_units: list[int]) -> str | None:
    """Words for someone who could be placed without moving anyone (join a set, or start one with others left out), else None."""
    rules = pb.rules
    unit = pb.units[u]
    mask = pb.common_mask(unit)
    for k, members in enumerate(sets):
        if not members or fixed[k]:
            continue
        pinned = {pb.pinned_of[i] for i in members} - {-1}
        slot_mask = pb.pinned[next(iter(pinned))].slot_mask if len(pinned) == 1 else 0
        common = pb.common_mask(members) & mask
        if slot_mask:
            common &= slot_mask
        if (rules.require_common_slot or slot_mask) and not common:
            continue
        if len(members) + len(unit) > rules.size_max:
            continue
        orgc: dict[int, int] = {}
        for i in list(members) + list(unit):
            orgc[pb.org[i]] = orgc.get(pb.org[i], 0) + 1
        if any(pb.real_org[o] and c > rules.max_per_organisation for o, c in orgc.items()):
            continue
        if any(j in pb.cannot[i] for i in unit for j in members):
            continue
        return f"could join set {k + 1}, but is left out"
    others = [v for v in leftover_units if v != u]
    slots = _bits(mask) if rules.require_common_slot else [None]
    for s in slots:
        cands = [v for v in others if s is None or pb.common_mask(pb.units[v]) >> s & 1]
        group, _ = group_search_full(pb, cands, u, rules.size_min, limit=20_000)
        if group:
            names = _listing([pb.labels[i] for v in group if v != u for i in pb.units[v]], len(pb.ids))
            return f"could start a new set with {names}, who are also left out"
    return None


class _Offers:
    """Rearrangements that place someone left out: the partition as an engine state, and chains or new sets from it."""

    def __init__(self, pb: Problem, sets: Sequence[Sequence[int]], fixed: Sequence[bool]) -> None:
        self.pb = pb
        self.sets = [list(s) for s in sets]
        self.state: State | None = None
        self.index: list[int] = []  # state set -> position in ``sets`` (-1: none)

    def _load(self) -> State:
        if self.state is not None:
            return self.state
        pb = self.pb
        st = State(pb, Scorer(pb))
        aligned: list[list[int]] = [[] for _ in st.sets]
        index = [-1] * len(st.sets)
        for k, members in enumerate(self.sets):
            pins = {pb.pinned_of[i] for i in members} - {-1}
            if len(pins) == 1 and not index[next(iter(pins))] >= 0:
                p = next(iter(pins))
                aligned[p], index[p] = list(members), k
            else:
                aligned.append(list(members))
                index.append(k)
        st.restore(aligned)
        self.state, self.index = st, index
        return st

    def unplaced(self, i: int, mid: str, *, with_moves: bool) -> Unplaced:
        pb = self.pb
        head = "a valid set could include them, but placing them would mean rearranging others"
        if not with_moves:
            return Unplaced(mid, "rearrange", head)
        st = self._load()
        u = pb.unit_of[i]
        before = st.snapshot()
        found = chain_moves(st, u, improving=False)
        if found is not None:
            apply_chain(st, found[0])
        elif not self._new_set_around(st, u):
            return Unplaced(mid, "rearrange", head)
        after = st.snapshot()
        st.restore(before)
        moves = self._moves(before, after)
        placed_before = {j for s in before for j in s}
        placed_after = {j for s in after for j in s}
        lost = sorted(placed_before - placed_after, key=lambda j: pb.labels[j])
        moved = [m for m in moves if m.member_id not in {pb.ids[j] for j in pb.units[u]} and m.to_set is not None]
        others = len(moved)
        moving = f"moving {others} other{'s' if others != 1 else ''}"
        if lost and not others:
            names = _listing([pb.labels[j] for j in lost], len(lost))
            text = f"a valid set could include them, but only in place of {names}, who would be left out instead"
        elif lost:
            names = _listing([pb.labels[j] for j in lost], len(lost))
            text = f"{head}: {moving} and leaving out {names} instead"
        else:
            text = f"could be placed by {moving}, leaving nobody out"
        return Unplaced(mid, "rearrange", text, tuple(moves))

    def _new_set_around(self, st: State, u: int) -> bool:
        """Form a valid new set around ``u`` from anyone free (taking them from their sets), then re-place who can be."""
        pb = self.pb
        rules = pb.rules
        units = [v for v in st.free_units if v != u]
        for slot in _bits(st.unit_mask[u]) if rules.require_common_slot else [None]:
            cands = [v for v in units if slot is None or st.unit_mask[v] >> slot & 1]
            cands.sort(key=lambda v: (st.where[pb.units[v][0]] >= 0, v))  # those left out first
            group = group_search(pb, cands, u, rules.size_min, limit=20_000)
            if not group:
                continue
            for v in group:
                if st.where[pb.units[v][0]] >= 0:
                    st.remove_unit(v)
            k = st.new_set()
            for v in group:
                st.add_unit(k, v)
            for d in range(len(st.sets)):  # sets left below the minimum break up; their people are placed again where they fit
                if st.sets[d] and len(st.sets[d]) < rules.size_min and not st.fixed[d] and st.pin[d] < 0:
                    for v in st.units_in(d):
                        st.remove_unit(v)
            insert_unplaced(st)
            return True
        return False

    def _moves(self, before: list[list[int]], after: list[list[int]]) -> list[Move]:
        pb = self.pb
        old = {i: k for k, s in enumerate(before) for i in s}
        new = {i: k for k, s in enumerate(after) for i in s}
        fresh: dict[int, int] = {}
        out = []
        for i in sorted(set(old) | set(new), key=lambda j: pb.ids[j]):
            a, b = old.get(i), new.get(i)
            if a == b:
                continue

            def position(k: int | None) -> int | None:
                if k is None:
                    return None
                if k < len(self.index) and self.index[k] >= 0 and k < len(before) and before[k]:
                    return self.index[k]
                if k not in fresh:
                    fresh[k] = len(self.sets) + len(fresh)
                return fresh[k]

            out.append(Move(pb.ids[i], position(a), position(b)))
        return out
