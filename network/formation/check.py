"""Hard-rule checks of a partition, in words a coordinator can act on."""

from __future__ import annotations

from collections.abc import Sequence

from network import availability
from network.formation.problem import Problem


def set_violations(pb: Problem, members: Sequence[int], *, pinned_slot: int = 0) -> list[str]:
    """Hard rules one set breaks on its own: size, organisation limit, common slot, cannot-link, capacity."""
    rules = pb.rules
    out: list[str] = []
    n = len(members)
    if n < rules.size_min:
        out.append(f"has {n} member{'s' if n != 1 else ''}, fewer than the minimum of {rules.size_min}")
    if n > rules.size_max:
        out.append(f"has {n} members, more than the maximum of {rules.size_max}")
    counts: dict[int, int] = {}
    for i in members:
        counts[pb.org[i]] = counts.get(pb.org[i], 0) + 1
    for o, c in sorted(counts.items()):
        if pb.real_org[o] and c > rules.max_per_organisation:
            out.append(f"{c} members work for {pb.org_names[o]} (at most {rules.max_per_organisation} per organisation)")
    if n:
        common = pb.common_mask(members)
        if rules.require_common_slot and not common:
            out.append("has no weekly slot common to all members")
        if pinned_slot and not common & pinned_slot:
            slot = availability.from_mask(pinned_slot)[0]
            out.append(f"not everyone is available at its pinned slot, {availability.describe_slot(slot)}")
    ordered = sorted(members)
    for a, i in enumerate(ordered):
        for j in ordered[a + 1 :]:
            if j in pb.cannot[i]:
                out.append(f"{pb.ids[i]} and {pb.ids[j]} cannot be in the same set")
    for i in ordered:
        if not pb.eligible[i]:
            out.append(f"{pb.ids[i]} is at capacity")
    return out


def partition_violations(pb: Problem, sets: Sequence[Sequence[int]]) -> tuple[list[list[str]], list[str]]:
    """Per-set violations and the violations of the partition as a whole (must-link, locked sets).

    ``sets`` hold member indices; a member in two sets is reported in the whole-partition list.
    """
    where: dict[int, int] = {}
    overall: list[str] = []
    for k, members in enumerate(sets):
        for i in members:
            if i in where:
                if where[i] == k:
                    overall.append(f"{pb.ids[i]} is listed twice in set {k + 1}")
                else:
                    overall.append(f"{pb.ids[i]} is in sets {where[i] + 1} and {k + 1}")
            else:
                where[i] = k
    per_set: list[list[str]] = []
    for members in sets:
        pinned = {pb.pinned_of[i] for i in members if pb.pinned_of[i] >= 0}
        slot = 0
        if len(pinned) == 1:
            slot = pb.pinned[next(iter(pinned))].slot_mask
        per_set.append(set_violations(pb, sorted(set(members)), pinned_slot=slot))
    for unit in pb.units:
        if len(unit) < 2:
            continue
        homes = {where.get(i, -1) for i in unit}
        if len(homes) > 1:
            names = ", ".join(pb.ids[i] for i in unit)
            overall.append(f"{names} must be in the same set")
    for p, locked in enumerate(pb.pinned):
        names = ", ".join(pb.ids[i] for i in locked.members)
        homes = {where.get(i, -1) for i in locked.members}
        if -1 in homes or len(homes) > 1:
            overall.append(f"the locked set ({names}) must stay together in one set")
            continue
        home = next(iter(homes))
        if not locked.open and sorted(set(sets[home])) != list(locked.members):
            overall.append(f"the locked set ({names}) must be kept exactly as it is")
        others = {pb.pinned_of[i] for i in sets[home]} - {-1, p}
        if others:
            overall.append(f"the locked set ({names}) is merged with another locked set")
    return per_set, overall
