"""Plain-English reasons: why each set is good, and the exact reason each unplaced person is left out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from network import availability, taxonomy, words
from network.formation.engine import group_search_full
from network.formation.model import Unplaced
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


def unplaced_reasons(pb: Problem, sets: Sequence[Sequence[int]], fixed: Sequence[bool]) -> list[Unplaced]:
    """The exact reason every member in no set is left out, given the final ``sets``.

    Reasons that hold whatever the partition come first (capacity, availability, too few people free
    at their slots, cannot-link rules); otherwise the reason is about this partition: why no set can
    take them and why no new set can be formed from them and the others left out. When a set *could*
    take them (possible after hand edits) the code is ``left_out``.
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
                    mid, "left_out", f"must be in the same set as {pb.labels[placed_partner[0]]}, who is in set {where[placed_partner[0]] + 1}"
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
        out.append(_partition_reason(pb, sets, fixed, where, pb.unit_of[i], leftover_units, mid))
    return out


def _partition_reason(
    pb: Problem, sets: Sequence[Sequence[int]], fixed: Sequence[bool], where: dict[int, int], u: int, leftover_units: list[int], mid: str
) -> Unplaced:
    rules = pb.rules
    unit = pb.units[u]
    mask = pb.common_mask(unit)
    tally = {"locked": 0, "slot": 0, "full": 0, "org": 0, "cannot": 0}
    for k, members in enumerate(sets):
        if not members:
            continue
        pinned = {pb.pinned_of[i] for i in members} - {-1}
        slot_mask = pb.pinned[next(iter(pinned))].slot_mask if len(pinned) == 1 else 0
        if fixed[k]:
            tally["locked"] += 1
            continue
        common = pb.common_mask(members) & mask
        if slot_mask:
            common &= slot_mask
        if (rules.require_common_slot or slot_mask) and not common:
            tally["slot"] += 1
            continue
        if len(members) + len(unit) > rules.size_max:
            tally["full"] += 1
            continue
        orgc: dict[int, int] = {}
        for i in list(members) + list(unit):
            orgc[pb.org[i]] = orgc.get(pb.org[i], 0) + 1
        if any(pb.real_org[o] and c > rules.max_per_organisation for o, c in orgc.items()):
            tally["org"] += 1
            continue
        if any(j in pb.cannot[i] for i in unit for j in members):
            tally["cannot"] += 1
            continue
        return Unplaced(mid, "left_out", f"could join set {k + 1}, but is left out")

    # Could a new set be formed from them and others left out?
    others = [v for v in leftover_units if v != u]
    found = None
    exhaustive = True
    slots = _bits(mask) if rules.require_common_slot else [None]
    for s in slots:
        cands = [v for v in others if s is None or pb.common_mask(pb.units[v]) >> s & 1]
        group, complete = group_search_full(pb, cands, u, rules.size_min, limit=200_000)
        exhaustive = exhaustive and complete
        if group:
            found = group
            break
    if found:
        names = _listing([pb.labels[i] for v in found if v != u for i in pb.units[v]], len(pb.ids))
        return Unplaced(mid, "left_out", f"could start a new set with {names}, who are also left out")

    parts = []
    if tally["full"]:
        parts.append(f"{tally['full']} {'is' if tally['full'] == 1 else 'are'} full")
    if tally["org"]:
        parts.append(f"{tally['org']} already {'has' if tally['org'] == 1 else 'have'} the most allowed from their organisation")
    if tally["cannot"]:
        parts.append(f"{tally['cannot']} {'has' if tally['cannot'] == 1 else 'have'} someone they cannot be with")
    if tally["locked"]:
        parts.append(f"{tally['locked']} {'is' if tally['locked'] == 1 else 'are'} locked")
    sets_words = "; ".join(parts)
    if rules.require_common_slot:
        free = _listing([availability.describe_slot(s) for s in availability.from_mask(mask)], 2)
        meets = len(sets) - tally["slot"] - sum(1 for s in sets if not s)
        if meets == 0:
            head = f"no set meets when they are free ({free})"
        else:
            head = f"no set can take them: of the {meets} set{'s' if meets != 1 else ''} meeting when they are free, {sets_words}"
    else:
        head = f"no set can take them: {sets_words}" if sets_words else "no set can take them"
    n_others = pb.n - len(where) - len(unit)  # everyone else in no set (those at capacity cannot help either)
    if n_others == 0:
        tail = "nobody else is left out to start a new set with"
    elif exhaustive:
        tail = f"no set of {rules.size_min} or more can be made from them and the {n_others} other{'s' if n_others != 1 else ''} left out"
    else:
        tail = f"no set of {rules.size_min} or more was found among them and the {n_others} other{'s' if n_others != 1 else ''} left out"
    return Unplaced(mid, "no_room", f"{head}; and {tail}")
