"""Repair of an action learning set after someone leaves: rank who could take the free place.

Candidates come from the store already filtered by the hard rules that need the database (active,
below capacity, not in another set of the programme, available at the set's meeting slot, an
organisation below the per-organisation limit). :func:`rank_replacements` scores the set with each
candidate added, using the formation objective (:func:`network.formation.score_partition`), drops
anyone who would break a rule the set keeps now, and explains each of the rest. Nobody already in a
set is moved: only people free to join are candidates.

>>> from network.formation import Member, Rules
>>> current = [Member(f"m{i}", organisation_id=f"o{i}", availability=("tue-pm",), themes={"t1": "experienced"}) for i in range(3)]
>>> pool = [Candidate(Member("x", organisation_id="o9", availability=("tue-pm",), themes={"t1": "exploring"}), "pool")]
>>> best = rank_replacements(current, pool, Rules(size_min=3, size_max=5, size_target=4), slot="tue-pm")[0]
>>> best.member_id, best.reasons[0]
('x', 'enrolled in this programme')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from network import availability
from network.formation import Constraints, Member, Rules, score_partition

#: Where a candidate was found.
SOURCES: tuple[str, ...] = ("pool", "network")

_KIND_WORDS = {
    "local_authority": "a local authority",
    "nhs_trust": "an NHS trust",
    "voluntary": "a voluntary organisation",
    "independent": "an independent organisation",
    "agency": "an agency",
    "university": "a university",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone who could fill the place, and where they were found (``pool`` or ``network``)."""

    member: Member
    source: str


@dataclass(frozen=True, slots=True)
class Replacement:
    """A ranked candidate: the set's score with them (``score``), its change (``gain``) and why they fit."""

    member_id: str
    source: str
    score: float
    gain: float
    shared_themes: tuple[str, ...]
    reasons: tuple[str, ...]


def _size_rule(violation: str) -> bool:
    return "fewer than the minimum" in violation or "more than the maximum" in violation


def rank_replacements(
    current: Sequence[Member],
    candidates: Sequence[Candidate],
    rules: Rules,
    *,
    slot: str | None = None,
    focus_themes: Sequence[str] = (),
    ties: Sequence[tuple[str, str]] = (),
    theme_names: Mapping[str, str] | None = None,
    limit: int = 10,
) -> list[Replacement]:
    """Rank the candidates for one free place in a set: enrolled ones first, then the wider network.

    Parameters
    ----------
    current
        The set's current members.
    candidates
        People free to join (see the module docstring), each with its source.
    rules
        The programme's rules and weights.
    slot
        The set's meeting slot (a candidate must be free then).
    focus_themes
        The set's focus theme ids (named in the reasons).
    ties
        Pairs already tied among the people involved (no new-tie credit for them).
    theme_names
        ``{theme_id: name}`` for the reasons.
    limit
        At most this many from each source.

    Returns
    -------
    list[Replacement]
        Pool candidates by gain (then id), then network candidates by gain (then id). Someone whose
        joining would break a hard rule the set does not break now is left out; so is anyone not
        available at ``slot``. Cost: one set score per candidate.
    """
    names = dict(theme_names or {})
    ids = {m.id for m in current}
    tie_pairs = {tuple(sorted(p)) for p in ties}
    base_set = None
    if current:
        within = Constraints(ties=_ties_within(tie_pairs, ids))
        base_set = score_partition(list(current), [[m.id for m in current]], rules, within, theme_names=names).sets[0]
    base_score = base_set.score if base_set else 0.0
    base_broken = {v for v in (base_set.violations if base_set else ()) if not _size_rule(v)}
    ranked: dict[str, list[Replacement]] = {s: [] for s in SOURCES}
    for cand in sorted(candidates, key=lambda c: c.member.id):
        m = cand.member
        if m.id in ids or cand.source not in ranked:
            continue
        if slot is not None and slot not in m.availability:
            continue
        people = [*current, m]
        constraints = Constraints(ties=_ties_within(tie_pairs, ids | {m.id}))
        result = score_partition(people, [[p.id for p in people]], rules, constraints, theme_names=names)
        proposed = result.sets[0]
        broken = {v for v in proposed.violations if not _size_rule(v)}
        if broken - base_broken:
            continue
        ranked[cand.source].append(
            Replacement(
                member_id=m.id,
                source=cand.source,
                score=proposed.score,
                gain=round(proposed.score - base_score, 3),
                shared_themes=proposed.shared_themes,
                reasons=_reasons(m, cand.source, current, slot, focus_themes, tie_pairs, names),
            )
        )
    out: list[Replacement] = []
    for source in SOURCES:
        out.extend(sorted(ranked[source], key=lambda r: (-r.gain, r.member_id))[:limit])
    return out


def _ties_within(pairs: set[tuple[str, ...]], ids: set[str]) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for a, b in sorted(pairs) if a in ids and b in ids)


def _reasons(
    m: Member,
    source: str,
    current: Sequence[Member],
    slot: str | None,
    focus_themes: Sequence[str],
    ties: set[tuple[str, ...]],
    names: Mapping[str, str],
) -> tuple[str, ...]:
    reasons = ["enrolled in this programme" if source == "pool" else "from the wider network (open to being found; not enrolled)"]
    if slot is not None:
        reasons.append(f"free on {availability.describe_slot(slot)}, when the set meets")
    shared = [t for t in focus_themes if t in m.themes]
    if shared:
        reasons.append("works on the set's focus: " + ", ".join(names.get(t, t) for t in shared))
    kinds = {p.organisation_kind for p in current if p.organisation_kind}
    if m.organisation_kind and m.organisation_kind not in kinds:
        reasons.append(f"brings {_KIND_WORDS.get(m.organisation_kind, m.organisation_kind)}, new to the set")
    new_ties = sum(
        1
        for p in current
        if (m.organisation_id is None or p.organisation_id != m.organisation_id) and tuple(sorted((p.id, m.id))) not in ties
    )
    if new_ties:
        reasons.append(f"{new_ties} new cross-organisation tie{'s' if new_ties != 1 else ''}")
        if m.isolated:
            reasons.append("isolated now: joining links them to other organisations")
    if current:
        mean = sum(p.experience_years for p in current) / len(current)
        reasons.append(f"{m.experience_years:g} years' experience (set mean {mean:.1f})")
    return tuple(reasons)
