"""Set suggestions: the existing action learning sets an assessor could join, best first, and why.

The work is split like peer suggestions (:mod:`network.suggestions`), so no request loads every set:

1. **Candidate sets, in the store.** The store keeps only the sets that could take the assessor
   (the *seeker*) by every hard rule it can test in the database (see
   :meth:`graph.port_joins.JoinsPort.set_candidates`): forming or active, in a programme that is not
   closed, below the programme's maximum size, meeting at a slot the seeker is free (or with no slot
   fixed yet), with fewer members from the seeker's organisation than the programme's
   ``max_per_organisation``, not a set the seeker is or was in, asked to join or was declined by, not
   in a programme where the seeker is already in a set, and only while the seeker is active, not
   paused and below capacity. For each it returns the current members' features and which of them
   are already tied to the seeker.
2. **Ranking, here, by the formation objective.** :func:`suggest_sets` scores every candidate set
   with and without the seeker with :func:`network.formation.score_sets` (one pool per programme,
   with the programme's rules and weights) and ranks by what the seeker adds: theme cohesion,
   experience balance, organisation kinds, new cross-organisation ties, extra credit where an
   isolated person gains a tie, region and size (the goals of :data:`network.formation.GOALS`).
   A set that the seeker would make break a hard rule formation checks (size, organisation limit,
   meeting slot or common slot, capacity) is dropped: the engine re-checks what the store filtered.
3. **Reasons in words**, in the order a social worker reads them: when it meets, the themes shared
   with them, their organisation, how many members are new to their network, experience, places left.

Deterministic: ties in score are broken by set id; nothing is random.

>>> from network.formation import Member, Rules
>>> me = Member("me", organisation_id="o9", availability=("tue-pm",), themes={"t1": "exploring"})
>>> mates = tuple(Member(f"m{i}", organisation_id=f"o{i}", availability=("tue-pm",), themes={"t1": "experienced"}) for i in range(3))
>>> s = OpenSet("s1", "Tuesday set", "active", "p1", "Programme", Rules(size_min=3, size_max=5, size_target=4), "tue-pm", ("t1",), mates)
>>> out = suggest_sets(me, [s], theme_names={"t1": "Mental Capacity Act"})
>>> out.items[0].summary
'Meets Tuesday afternoons, when you are free; shares Mental Capacity Act with you; nobody from your organisation; \
3 of 3 members new to your network; 2 places left (3 of at most 5 members).'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from network import availability, words
from network.formation import GOALS, Constraints, Member, Rules, score_sets
from network.formation.explain import theme_label

__all__ = ["NOTICES", "OpenSet", "SetSuggestion", "SetSuggestions", "describe_gain", "notice", "seeker_problem", "suggest_sets"]

#: Why a seeker gets no set suggestions at all (codes the store reports), in words.
NOTICES: dict[str, str] = {
    "inactive": "This assessor is not active, so no sets are suggested.",
    "paused": "You have paused Bridgework, so no sets are suggested until you resume.",
    "at_capacity": "You are already in as many sets as your capacity allows; raise your capacity in your profile to join another.",
    "no_availability": "Add your weekly availability: a set can only take you at a time you are free.",
}

#: Most shared themes named in one reason.
_THEMES_NAMED = 3

#: Violations formation reports for a set that is only too small: joining a forming set below the minimum is welcome.
_TOO_FEW = "fewer than the minimum"
#: Formation's common-slot violation (see :func:`network.formation.check.set_violations`).
_NO_COMMON = "no weekly slot common to all members"


@dataclass(frozen=True, slots=True)
class OpenSet:
    """A set the store found that could take the seeker: its programme's rules, meeting slot, focus and current members.

    ``tied`` holds the ids of members already tied to the seeker (accepted contacts, current or
    former set-mates): they earn no new-tie credit. ``isolated`` flags on the members come from the
    reach area, like formation's.
    """

    id: str
    name: str
    status: str
    programme_id: str
    programme_name: str
    rules: Rules
    meeting_slot: str | None
    focus_themes: tuple[str, ...] = ()
    members: tuple[Member, ...] = ()
    tied: frozenset[str] = field(default_factory=frozenset)
    join_policy: str = "coordinator"

    @property
    def places_left(self) -> int:
        """Free places below the programme's maximum size."""
        return max(0, self.rules.size_max - len(self.members))


@dataclass(frozen=True, slots=True)
class SetSuggestion:
    """One suggested set: rank, what the seeker adds to it by each formation goal (``breakdown``, summed in ``score``), and why."""

    rank: int
    set_id: str
    name: str
    status: str
    programme_id: str
    programme_name: str
    meeting_slot: str | None
    score: float
    breakdown: tuple[tuple[str, float], ...]
    reasons: tuple[str, ...]
    shared_themes: tuple[str, ...]
    members: int
    size_max: int
    new_ties: int
    same_organisation: int
    join_policy: str = "coordinator"

    @property
    def places_left(self) -> int:
        """Free places before the seeker joins."""
        return max(0, self.size_max - self.members)

    @property
    def summary(self) -> str:
        """The reasons as one sentence, first letter capitalised, ``;`` between, ``.`` at the end."""
        if not self.reasons:
            return ""
        text = "; ".join(self.reasons)
        return text[:1].upper() + text[1:] + "."


@dataclass(frozen=True, slots=True)
class SetSuggestions:
    """The answer to one request: suggestions best first, notices for the seeker, how many sets were considered and dropped."""

    assessor_id: str
    items: tuple[SetSuggestion, ...]
    notices: tuple[str, ...] = ()
    considered: int = 0
    dropped: tuple[tuple[str, str], ...] = ()


def notice(code: str | None) -> tuple[str, ...]:
    """The notice for a store's ``blocked`` code (none for ``None``)."""
    return () if code is None else (NOTICES.get(code, code),)


def _listing(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def suggest_sets(
    seeker: Member,
    sets: Sequence[OpenSet],
    *,
    seeker_isolated: bool | None = None,
    theme_names: Mapping[str, str] | None = None,
    limit: int = 10,
) -> SetSuggestions:
    """Rank the sets that could take ``seeker`` by what they add to each, by the formation objective.

    Parameters
    ----------
    seeker
        The assessor, as formation sees them (``capacity_left`` above 0 to be placed anywhere;
        ``isolated`` earns the isolated-tie credit).
    sets
        Candidate sets from the store (see the module docstring).
    seeker_isolated
        Overrides ``seeker.isolated`` when given.
    theme_names
        ``{theme_id: name}`` for the reasons.
    limit
        How many suggestions at most (0 gives none).

    Returns
    -------
    SetSuggestions
        Best first (gain descending, then set id). ``dropped`` lists ``(set id, rule)`` for sets the
        seeker would make break a rule formation checks.

    Notes
    -----
    One formation pool per programme: the seeker and the members of that programme's sets that
    could take them (after :func:`seeker_problem`), so theme rarity and the mean experience are
    those of the sets on offer, whichever way the sets were found (store or brute force). Cost: two set scores per
    candidate set, each a pass over at most ``size_max`` members.
    """
    if seeker_isolated is not None and seeker_isolated != seeker.isolated:
        seeker = Member(
            id=seeker.id,
            organisation_id=seeker.organisation_id,
            organisation_kind=seeker.organisation_kind,
            region=seeker.region,
            experience_years=seeker.experience_years,
            availability=seeker.availability,
            themes=seeker.themes,
            capacity_left=seeker.capacity_left,
            isolated=seeker_isolated,
        )
    names = dict(theme_names or {})
    by_programme: dict[str, list[OpenSet]] = {}
    dropped: list[tuple[str, str]] = []
    for s in sorted(sets, key=lambda s: s.id):
        # The seeker's own rules first: a programme's pool (theme rarity, mean experience) is the sets that could take them.
        problem = "you are already a member" if any(m.id == seeker.id for m in s.members) else seeker_problem(seeker, s)
        if problem is not None:
            dropped.append((s.id, problem))
            continue
        by_programme.setdefault(s.programme_id, []).append(s)
    scored: list[tuple[float, OpenSet, dict[str, float], tuple[str, ...]]] = []
    for group in by_programme.values():
        pool: dict[str, Member] = {seeker.id: seeker}
        for s in group:
            for m in s.members:
                pool.setdefault(m.id, m)
        ties = [(seeker.id, t) for s in group for t in s.tied if t != seeker.id]
        # Each set scored as it is and with the seeker in it: the difference is what the seeker adds.
        partition: list[list[str]] = []
        slots: list[str | None] = []
        for s in group:
            ids = [m.id for m in s.members]
            partition += [ids, [*ids, seeker.id]]
            slots += [s.meeting_slot, s.meeting_slot]
        results = score_sets(
            list(pool.values()), partition, group[0].rules, Constraints(ties=ties), slots=slots, theme_names=names, explain=False
        )
        for k, s in enumerate(group):
            before, after = results[2 * k], results[2 * k + 1]
            # A set with a meeting time is judged by it: the common-slot rule is formation's way of choosing one.
            ignored = (_TOO_FEW, _NO_COMMON) if s.meeting_slot is not None else (_TOO_FEW,)
            new = [v for v in after.violations if v not in before.violations and not any(x in v for x in ignored)]
            if new:
                dropped.append((s.id, new[0]))
                continue
            gain = {g: round(after.breakdown[g] - before.breakdown[g], 3) for g in GOALS}
            scored.append((round(after.score - before.score, 3), s, gain, after.shared_themes))
    scored.sort(key=lambda x: (-x[0], x[1].id))
    items = []
    for rank, (score, s, gain, shared_all) in enumerate(scored[: max(0, limit)], start=1):
        same_org, new_ties = _counts(seeker, s)
        items.append(
            SetSuggestion(
                rank=rank,
                set_id=s.id,
                name=s.name,
                status=s.status,
                programme_id=s.programme_id,
                programme_name=s.programme_name,
                meeting_slot=s.meeting_slot,
                score=score,
                breakdown=tuple((g, gain[g]) for g in GOALS),
                reasons=describe_gain(seeker, s, names, shared_all),
                shared_themes=_shared_with_seeker(seeker, s),
                members=len(s.members),
                size_max=s.rules.size_max,
                new_ties=new_ties,
                same_organisation=same_org,
                join_policy=s.join_policy,
            )
        )
    notices: tuple[str, ...] = ()
    if not items:
        if not seeker.availability:
            notices = notice("no_availability")
        else:
            notices = ("No set with a free place meets when you are free right now; open programmes you could enrol in are listed below.",)
    return SetSuggestions(seeker.id, tuple(items), notices, considered=len(sets), dropped=tuple(dropped))


def seeker_problem(seeker: Member, s: OpenSet) -> str | None:
    """The first rule the seeker joining ``s`` breaks on their side, whatever the set breaks already, or ``None``.

    Formation's checks (kept for everything else) report only what the newcomer *changes*, so a
    set already breaking a rule (a member no longer free at its slot) would hide the seeker
    breaking the same rule; these are checked for the seeker alone.
    """
    if len(s.members) >= s.rules.size_max:
        return f"the set is full ({len(s.members)} of at most {s.rules.size_max})"
    if seeker.capacity_left <= 0:
        return "you are at capacity"
    if s.meeting_slot is not None and s.meeting_slot not in seeker.availability:
        return f"you are not free {availability.describe_slot(s.meeting_slot)}, when the set meets"
    if s.meeting_slot is None:
        common = set(seeker.availability)
        for m in s.members:
            common &= set(m.availability)
        if not common:
            return "no weekly slot is free for you and every member (the set has no meeting time yet)"
    if seeker.organisation_id is not None:
        same = sum(1 for m in s.members if m.organisation_id == seeker.organisation_id)
        if same >= s.rules.max_per_organisation:
            return f"{same} member{'s' if same != 1 else ''} already from your organisation (at most {s.rules.max_per_organisation})"
    return None


def _counts(seeker: Member, s: OpenSet) -> tuple[int, int]:
    """``(members from the seeker's organisation, members new to the seeker's network in other organisations)``."""
    same = sum(1 for m in s.members if seeker.organisation_id is not None and m.organisation_id == seeker.organisation_id)
    new = sum(
        1 for m in s.members if m.id not in s.tied and (seeker.organisation_id is None or m.organisation_id != seeker.organisation_id)
    )
    return same, new


def _shared_with_seeker(seeker: Member, s: OpenSet) -> tuple[str, ...]:
    """Themes the seeker shares with the set: its focus themes they work on, then themes half or more of the members work on."""
    mine = set(seeker.themes)
    focus = [t for t in s.focus_themes if t in mine]
    counts: dict[str, int] = {}
    for m in s.members:
        for t in m.themes:
            if t in mine and t not in focus:
                counts[t] = counts.get(t, 0) + 1
    half = max(1, (len(s.members) + 1) // 2)
    common = sorted((t for t, n in counts.items() if n >= half), key=lambda t: (-counts[t], t))
    return tuple(focus + common)


def describe_gain(seeker: Member, s: OpenSet, names: Mapping[str, str], shared_by_all: Sequence[str] = ()) -> tuple[str, ...]:
    """Why this set, in a social worker's words (slot, themes, organisation, new ties, isolation, experience, places).

    ``shared_by_all`` are the themes every member would share with the seeker in (rarest first); the
    seeker's shared themes are named from the set's focus first.
    """
    reasons: list[str] = []
    if s.meeting_slot is not None:
        reasons.append(f"meets {availability.describe_slot(s.meeting_slot)}, when you are free")
    else:
        common = set(seeker.availability)
        for m in s.members:
            common &= set(m.availability)
        when = [availability.describe_slot(x) for x in availability.SLOTS if x in common]
        reasons.append(f"meeting time not fixed yet; all free {_listing(when[:2])}" if when else "meeting time not fixed yet")
    shared = list(_shared_with_seeker(seeker, s)) or [t for t in shared_by_all if t in seeker.themes]
    if shared:
        labels = [theme_label(t, names) for t in shared[:_THEMES_NAMED]]
        more = len(shared) - len(labels)
        reasons.append(f"shares {_listing(labels)}{f' and {more} more' if more else ''} with you")
    same, new = _counts(seeker, s)
    if seeker.organisation_id is None or same == 0:
        reasons.append("nobody from your organisation")
    else:
        reasons.append(f"{same} colleague{'s' if same != 1 else ''} from your organisation (at most {s.rules.max_per_organisation})")
    n = len(s.members)
    if n:
        reasons.append(f"{new} of {n} member{'s' if n != 1 else ''} new to your network")
    if seeker.isolated and new:
        orgs = {m.organisation_id for m in s.members if m.id not in s.tied and m.organisation_id != seeker.organisation_id}
        reasons.append(f"links you to {len(orgs)} other organisation{'s' if len(orgs) != 1 else ''}: you have no ties outside yours yet")
    if n:
        mean = sum(m.experience_years for m in s.members) / n
        if abs(seeker.experience_years - mean) >= 3:
            side = "more" if seeker.experience_years > mean else "less"
            mine, theirs = words.years(seeker.experience_years), words.years(mean)
            reasons.append(f"you bring {side} experience ({mine}; the members have {theirs} on average)")
    left = s.places_left
    if s.status == "forming":
        reasons.append(f"still forming: {n} of at most {s.rules.size_max} so far")
    else:
        reasons.append(f"{left} place{'s' if left != 1 else ''} left ({n} of at most {s.rules.size_max} members)")
    return tuple(reasons)
