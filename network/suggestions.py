"""Peer suggestions: who in *other* organisations an assessor should get in touch with, and why.

The work is split in three steps so that no request loads the whole graph:

1. **Candidates and graph features, in the store.** For the assessor asking (the *seeker*) the
   store finds a bounded pool of candidates and, for each, the graph facts the score needs: the
   seeker's themes they share (with how many people in the network work on each), common weekly
   slots, mutual peers, and which organisations the seeker already reaches
   (:meth:`graph.port_suggestions.SuggestionsPort.suggestion_pool`). The pruning that bounds the
   pool is decided here, by :func:`plan_expansion`, and carried out by the store.
2. **Isolation, from the reach area.** Whether a candidate is isolated is the reach area's
   answer (:meth:`graph.port_reach.ReachPort.isolation`, defined in :mod:`network.reach`), so
   the whole product shares one definition. It is asked only for the few candidates whose
   isolation could change the list (:func:`isolation_needed`).
3. **Scoring, diversity and reasons, here.** :func:`rank` (or :func:`suggest`, which does
   steps 2 and 3) turns a :class:`CandidatePool` into at most ``limit`` :class:`Suggestion`
   objects, each with a score breakdown per signal and reasons in a social worker's words.

Who is never suggested (:func:`eligible`): the seeker themself; anyone in the seeker's
organisation; anyone the seeker has a contact with, requested or accepted, either way; anyone
who declined the seeker or whom the seeker declined; current set-mates (already tied); anyone
not findable (not discoverable, paused or inactive). A seeker who is paused or inactive gets no
suggestions at all.

Ties (one definition across suggestions, isolation and reach, see :mod:`network.reach`): two
active assessors with an accepted contact either way, or current set-mates (both still in one
``active`` set). Former set-mates shared a set that is ``closed`` or that one of them has left.
An assessor is *isolated* when no tie reaches someone in another organisation. The seeker's
*reached organisations* are those of their ties. For graph proximity a person's *peers* are
everyone they have an accepted contact with or shared an active or closed set with.

Signals (each a number, multiplied by its weight in :class:`Weights`; the score is the sum):

=================  ===========================================================================
``themes``         sum over shared themes of their rarity ``ln(N / holders)`` (IDF): a theme
                   that 40 people in 20,000 work on counts 6.2, one that half the network works
                   on counts 0.7
``complementary``  the same sum over the themes the seeker is *exploring* and the candidate is
                   *experienced* in
``availability``   ``1 - 0.5 ** c`` for ``c`` common weekly slots: 0.5, 0.75, 0.875, ...
``proximity``      Adamic-Adar over mutual peers, ``sum(1 / ln(peers of z))``, plus 1 for a
                   former set-mate
``isolation``      1 when the candidate is isolated: two isolated assessors both gain
``new_reach``      1 when the candidate's organisation is not yet reached by the seeker's ties
``region``         1 when both are in the same region (weak: sets meet online)
=================  ===========================================================================

Common weekly availability is *preferred* by default (it scores) or *required*
(:data:`COMMON_SLOT_MODES`): then only people with at least one common slot are candidates.

Diversity: :func:`diversify` takes at most ``max_per_organisation`` (default 2) people from one
organisation while others are available, so a top 10 spans at least five organisations.

Everything is deterministic: ties in score are broken by assessor id, and no randomness is used.

>>> from network.suggestions import Weights, DEFAULT_WEIGHTS
>>> DEFAULT_WEIGHTS.of("availability") > DEFAULT_WEIGHTS.of("region")
True
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

from network import availability, words
from network.bundle import Bundle
from network.domain import REGIONS, Assessor, today
from network.reach import Isolation

__all__ = [
    "COMMON_SLOT_MODES",
    "DEFAULT_LIMITS",
    "DEFAULT_WEIGHTS",
    "SIGNALS",
    "Candidate",
    "CandidatePool",
    "Expansion",
    "Limits",
    "Seeker",
    "SeekerTheme",
    "SetMembership",
    "SharedTheme",
    "Snapshot",
    "Suggestion",
    "Suggestions",
    "Weights",
    "check_suggestions",
    "diversify",
    "eligible",
    "isolation_needed",
    "plan_expansion",
    "rank",
    "rarity",
    "signals",
    "suggest",
]

#: The signals a score is made of, in the order breakdowns list them.
SIGNALS: tuple[str, ...] = ("themes", "complementary", "availability", "proximity", "isolation", "new_reach", "region")

#: ``preferred``: common weekly slots raise the score; ``required``: nobody without one is suggested.
COMMON_SLOT_MODES: tuple[str, ...] = ("preferred", "required")

#: A theme at most this share of the network works on is called rare in reasons ("few in the network do").
RARE_SHARE = 0.05

#: Most themes named in one reason; the rest are counted ("plus 2 more themes").
_THEMES_NAMED = 2


# -- settings --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each signal counts (see the module docstring for each signal's scale).

    The defaults were tuned on the demo network (20,000 assessors, 400 organisations, 20 % of
    the cross-organisation contacts held out; ``bench/bench_suggestions.py --tune``), by
    hit-rate@10 of the held-out contacts on seed 1, checked on seed 2 (6,000 contacts each;
    about 75 are recovered, so differences under about 10, 0.15 points, are noise):

    * ``themes`` is the unit (1): rare shared themes are what the demo's contacts grow from,
      and the stores' pruning already keeps only holders of rarer themes.
    * ``availability`` 8: one common slot (4 points) counts like a theme 2 % of the network
      works on. Without it 1.05 % / 1.17 % (seeds 1 / 2), with 8 1.25 % / 1.13 %; more
      gained nothing that held on both seeds.
    * ``region`` 2: the demo would take more (0: 1.13 % / 0.97 %, 2: 1.25 % / 1.13 %, 4:
      1.43 % / 1.40 %), but sets meet online and region must stay a weak preference, so it is
      held at half of one common slot.
    * ``complementary`` 0.25 and ``proximity`` 1 move nothing measurable on the demo (its
      contacts do not come through introductions); they are kept small but present, since
      a mentor in what one explores and a peer in common are reasons people act on.
    * ``isolation`` 1 and ``new_reach`` 0.5 are the product's wish ("isolated assessors come
      first"), not predictions, and they cost hit-rate on the demo, whose contacts go more to
      sociable (so seldom isolated) people: 1.32 % / 1.32 % without them, 1.25 % / 1.13 % with
      them; isolation 1.5 costs more (1.20 % / 1.15 %). 1 gives isolated people a clear lift
      (a quarter of one common slot) at a bounded cost.

    With these defaults the hit-rate is 1.25 % / 1.13 %, 2.6 and 2.5 times the 0.48 % / 0.45 %
    of ranking by the number of shared themes. The ceiling is low by construction: many demo
    contacts are chance meetings or made through themes half the network shares.
    """

    themes: float = 1.0
    complementary: float = 0.25
    availability: float = 8.0
    proximity: float = 1.0
    isolation: float = 1.0
    new_reach: float = 0.5
    region: float = 2.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(f"weight {f.name}: must be a finite number of 0 or more, got {value!r}")

    def of(self, signal: str) -> float:
        """The weight of one signal by name."""
        return float(getattr(self, signal))

    def as_tuple(self) -> tuple[float, ...]:
        """The weights in :data:`SIGNALS` order."""
        return tuple(self.of(s) for s in SIGNALS)


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Limits:
    """How far candidate generation expands for one request: the pruning that keeps it fast.

    Common themes are supernodes (thousands of holders each): expanding through them is what
    costs time, while they add little to a score. So the store expands only the seeker's
    rarer themes, rarest first, while their holders add up to at most ``expansion_budget``
    (the rarest one always), never a supernode (a theme held by more than ``max_theme_share``
    of the network and by more than ``min_supernode`` people: in a small network nothing is)
    unless the seeker has no other, and keeps the ``theme_pool`` best of those by a cheap
    pre-score (integer rarity of the expanded shared themes plus bonuses for a common slot
    and the same region). Everyone reached through mutual peers or a former set is a
    candidate too, the ``proximity_pool`` closest of them. Candidates found either way are
    then scored on *all* their signals, common themes included.

    Measured on the demo network (20,000 assessors): pools of 100 to 300 and budgets of 6,000
    to 10,000 recover the same held-out contacts (25 of 1,966 on one sample), and pruned pools
    (of 150) did no worse than scoring everybody eligible (1.24 % against 1.11 % hit-rate@10
    on 600 seekers): people who share only supernode themes rarely make good suggestions.
    """

    max_theme_share: float = 0.15
    min_supernode: int = 500
    expansion_budget: int = 6000
    theme_pool: int = 100
    proximity_pool: int = 50

    def __post_init__(self) -> None:
        if not 0 < self.max_theme_share <= 1:
            raise ValueError(f"max_theme_share: must lie in (0, 1], got {self.max_theme_share!r}")
        for name in ("min_supernode", "expansion_budget", "theme_pool", "proximity_pool"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: must be a whole number of 0 or more, got {value!r}")


DEFAULT_LIMITS = Limits()


# -- what the store returns ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeekerTheme:
    """One of the seeker's themes: their level in it and how many assessors in the network work on it."""

    theme_id: str
    name: str
    level: str
    holders: int


@dataclass(frozen=True, slots=True)
class Seeker:
    """The assessor asking for suggestions, as the store sees them.

    ``excluded`` are the ids never suggested to them beyond the rules on the candidate itself:
    contacts either way (any status), declines either way and current set-mates.
    ``reached_organisations`` are the organisations of their ties (with active assessors).
    ``isolated`` comes from the reach area (:meth:`CandidatePool.with_isolation`).
    """

    id: str
    name: str
    organisation_id: str | None
    organisation_name: str | None
    region: str | None
    availability_mask: int
    discoverable: bool
    paused: bool
    active: bool
    themes: tuple[SeekerTheme, ...] = ()
    reached_organisations: tuple[str, ...] = ()
    isolated: bool = False
    excluded: tuple[str, ...] = ()

    @property
    def wants_candidates(self) -> bool:
        """False for a paused or inactive seeker: they get no suggestions."""
        return self.active and not self.paused

    def theme(self, theme_id: str) -> SeekerTheme | None:
        """The seeker's theme with this id, if they work on it."""
        for t in self.themes:
            if t.theme_id == theme_id:
                return t
        return None


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone who may be suggested, with the graph facts about them the score needs.

    ``themes`` are the seeker's themes the candidate works on, as ``(theme_id, their level)``
    in theme-id order; ``mutual`` are the peers they share with the seeker as ``(peer id, how
    many peers that peer has)`` in id order. ``isolated`` and ``sole_in_organisation`` come
    from the reach area (:meth:`CandidatePool.with_isolation`); the store leaves them False.
    """

    id: str
    name: str
    organisation_id: str | None
    organisation_name: str | None
    region: str | None
    experience_years: int
    availability_mask: int
    themes: tuple[tuple[str, str], ...] = ()
    mutual: tuple[tuple[str, int], ...] = ()
    former_set_mate: bool = False
    isolated: bool = False
    sole_in_organisation: bool = False
    organisation_region: str | None = None


@dataclass(frozen=True, slots=True)
class CandidatePool:
    """What the store returns for one request: the seeker, the network size and the candidates in id order.

    ``exhaustive`` is True when every eligible person is in the pool (nothing was pruned).
    """

    seeker: Seeker
    network_size: int
    candidates: tuple[Candidate, ...] = ()
    common_slot: str = "preferred"
    exhaustive: bool = False

    def with_isolation(self, found: Mapping[str, Isolation]) -> CandidatePool:
        """The pool with the reach area's isolation filled in for the seeker and the candidates named in ``found``."""
        seeker = self.seeker
        if seeker.id in found:
            seeker = replace(seeker, isolated=found[seeker.id].isolated)
        candidates = tuple(
            replace(c, isolated=found[c.id].isolated, sole_in_organisation=found[c.id].sole_in_organisation) if c.id in found else c
            for c in self.candidates
        )
        return replace(self, seeker=seeker, candidates=candidates)


@dataclass(frozen=True, slots=True)
class Expansion:
    """The plan the store carries out to generate theme candidates (see :class:`Limits`).

    ``themes`` are ``(theme_id, integer rarity weight)`` of the themes to expand, rarest first;
    a candidate's pre-score is the sum of the weights of the expanded themes they hold, plus
    ``slot_bonuses[k]`` when they share ``k`` weekly slots with the seeker (the score's own
    availability signal, so sharing three slots ranks above sharing one, as in the score) and
    ``region_bonus`` if they are in the seeker's ``region``. The best ``theme_pool`` by
    (pre-score descending, id) go forward. ``slot_bonus`` is ``slot_bonuses[1]``.

    Grading the slots matters at scale: at 100,000 assessors nearly every holder of an expanded
    theme shares some slot with the seeker, and a flat bonus left the pool's order to the
    themes alone. Measured on the demo network (``bench/bench_nation.py``), the pools keep more of
    the exhaustive scorer's top 10: 36 % against 26 % flat at 100,000 assessors (20 seekers), 84 %
    against 76 % at 10,000 (8 seekers); hit-rate@10 did not drop (20,000 assessors, seed 2, 3,268
    held-out contacts of 2,500 seekers: 36 recovered graded, 31 flat).
    """

    themes: tuple[tuple[str, int], ...]
    slot_bonus: int
    region_bonus: int
    region: str | None
    theme_pool: int
    proximity_pool: int
    seeker_mask: int
    require_common_slot: bool
    slot_bonuses: tuple[int, ...] = ()

    def slot_bonus_for(self, mask: int) -> int:
        """The pre-score's slot bonus for a candidate with availability ``mask``."""
        common = (self.seeker_mask & mask).bit_count()
        return self.slot_bonuses[common] if common < len(self.slot_bonuses) else 0


@dataclass(frozen=True, slots=True)
class SharedTheme:
    """A theme both work on: ``rare`` when few in the network do, ``complementary`` when they are experienced where the seeker explores."""

    theme_id: str
    name: str
    holders: int
    rare: bool
    complementary: bool


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested peer: who, the score and its breakdown per signal, and why in words.

    ``region`` is the person's own region; ``organisation_region`` their organisation's (shown beside its name).
    """

    rank: int
    assessor_id: str
    name: str
    organisation_id: str | None
    organisation_name: str | None
    region: str | None
    score: float
    breakdown: tuple[tuple[str, float], ...]
    reasons: tuple[str, ...]
    shared_themes: tuple[SharedTheme, ...] = ()
    common_slots: tuple[str, ...] = ()
    mutual_peers: int = 0
    isolated: bool = False
    organisation_region: str | None = None

    @property
    def summary(self) -> str:
        """The reasons as one sentence: "You both work on ...; both free Tuesday afternoons; their organisation is new to your network."."""
        return sentence(self.reasons)


@dataclass(frozen=True, slots=True)
class Suggestions:
    """The answer to one request: suggestions best first, notices for the seeker, and how many were considered."""

    assessor_id: str
    items: tuple[Suggestion, ...]
    notices: tuple[str, ...] = ()
    common_slot: str = "preferred"
    considered: int = 0


# -- scoring ---------------------------------------------------------------------------------


def rarity(holders: int, network_size: int) -> float:
    """Inverse document frequency of a theme: ``ln(N / holders)``, 0 when everybody (or nobody) holds it.

    >>> round(rarity(40, 20000), 2)
    6.21
    >>> rarity(0, 100)
    0.0
    """
    if holders <= 0 or network_size <= holders:
        return 0.0
    return math.log(network_size / holders)


def proximity(mutual: Iterable[tuple[str, int]], former_set_mate: bool) -> float:
    """Adamic-Adar over mutual peers (``1 / ln(k)`` for a peer with ``k`` peers), plus 1 for a former set-mate.

    >>> round(proximity([("z", 2)], False), 3)
    1.443
    """
    total = sum(1.0 / math.log(k) for _, k in sorted(mutual) if k >= 2)
    return total + (1.0 if former_set_mate else 0.0)


def slot_signal(common: int) -> float:
    """``1 - 0.5 ** common``: the first common slot counts most, further ones less and less."""
    return 1.0 - 0.5**common if common > 0 else 0.0


def signals(seeker: Seeker, candidate: Candidate, network_size: int) -> tuple[float, ...]:
    """The raw value of every signal for one candidate, in :data:`SIGNALS` order (see the module docstring).

    Parameters
    ----------
    seeker, candidate
        As returned by the store (or :meth:`Snapshot.pool`).
    network_size
        How many assessors the network holds (the ``N`` of the rarity).

    Returns
    -------
    tuple of float
        One value per signal; multiply by :meth:`Weights.as_tuple` and add for the score.
    """
    themes = complementary = 0.0
    for theme_id, their_level in candidate.themes:
        mine = seeker.theme(theme_id)
        if mine is None:
            continue
        r = rarity(mine.holders, network_size)
        themes += r
        if mine.level == "exploring" and their_level == "experienced":
            complementary += r
    common = (seeker.availability_mask & candidate.availability_mask).bit_count()
    return (
        themes,
        complementary,
        slot_signal(common),
        proximity(candidate.mutual, candidate.former_set_mate),
        1.0 if candidate.isolated else 0.0,
        1.0 if candidate.organisation_id is None or candidate.organisation_id not in seeker.reached_organisations else 0.0,
        1.0 if seeker.region is not None and seeker.region == candidate.region else 0.0,
    )


def eligible(
    seeker: Seeker,
    candidate: Assessor,
    candidate_organisation: str | None,
    *,
    common_slot: str = "preferred",
) -> bool:
    """True when ``candidate`` may be suggested to ``seeker`` (the rules in the module docstring).

    ``seeker.excluded`` carries the ties and declines; this checks the rest.
    """
    if candidate.id == seeker.id or candidate.id in seeker.excluded or not candidate.findable:
        return False
    if seeker.organisation_id is not None and candidate_organisation == seeker.organisation_id:
        return False
    if common_slot == "required" and not seeker.availability_mask & availability.to_mask(candidate.availability):
        return False
    return True


def _greedy(ordered: Sequence[Candidate], limit: int, max_per_organisation: int) -> tuple[list[Candidate], list[Candidate]]:
    """The greedy pass of :func:`diversify`: who is taken, and who was skipped for their organisation's share."""
    cap = max(1, max_per_organisation)
    taken: list[Candidate] = []
    skipped: list[Candidate] = []
    per_org: Counter[str] = Counter()
    for c in ordered:
        if len(taken) >= limit:
            break
        key = c.organisation_id if c.organisation_id is not None else f"\x00{c.id}"
        if per_org[key] >= cap:
            skipped.append(c)
            continue
        per_org[key] += 1
        taken.append(c)
    return taken, skipped


def diversify(ordered: Sequence[Candidate], limit: int, max_per_organisation: int = 2) -> list[Candidate]:
    """The first ``limit`` of ``ordered`` (best first), at most ``max_per_organisation`` from one organisation.

    Greedy: walk the list, skipping anyone whose organisation already has its share; if the
    list is not full at the end, fill it with the skipped, best first (so a pool with few
    organisations still gives a full list). People without an organisation count as their
    own organisation each.

    >>> c = [Candidate(str(i), "x", "o1" if i < 5 else f"o{i}", None, None, 0, 0) for i in range(8)]
    >>> [x.id for x in diversify(c, 5)]
    ['0', '1', '5', '6', '7']
    """
    if limit <= 0:
        return []
    taken, skipped = _greedy(ordered, limit, max_per_organisation)
    if len(taken) < limit:
        taken.extend(skipped[: limit - len(taken)])
        order = {c.id: i for i, c in enumerate(ordered)}
        taken.sort(key=lambda c: order[c.id])
    return taken


def isolation_needed(
    pool: CandidatePool,
    *,
    limit: int = 10,
    weights: Weights = DEFAULT_WEIGHTS,
    max_per_organisation: int = 2,
) -> tuple[str, ...]:
    """The candidates whose isolation could change the top ``limit``: only they need asking about.

    Let ``t`` be the lowest score, isolation left out, in the diverse top ``limit`` ranked
    without isolation. Every one of those has a full score of at least ``t``, and each takes
    a place or fills its organisation's share, so the real list's last place scores ``t`` or
    more too. A candidate whose score without isolation plus the isolation weight is below
    ``t`` can therefore never enter it. Everyone else is returned (usually a few dozen); all
    of the pool when the greedy pass cannot fill the list.

    Returns
    -------
    tuple of str
        Candidate ids, best first.
    """
    if limit <= 0 or not pool.candidates:
        return ()
    w = list(weights.as_tuple())
    w[SIGNALS.index("isolation")] = 0.0
    scored = sorted(
        ((sum(wi * si for wi, si in zip(w, signals(pool.seeker, c, pool.network_size), strict=True)), c) for c in pool.candidates),
        key=lambda x: (-x[0], x[1].id),
    )
    if weights.isolation == 0:
        return ()
    partial = {c.id: score for score, c in scored}
    taken, _ = _greedy([c for _, c in scored], limit, max_per_organisation)
    if len(taken) < limit:
        return tuple(c.id for _, c in scored)
    floor = min(partial[c.id] for c in taken)
    return tuple(c.id for score, c in scored if score + weights.isolation >= floor - 1e-9)


def suggest(
    pool: CandidatePool,
    isolation: Callable[[Sequence[str]], Mapping[str, Isolation]],
    *,
    limit: int = 10,
    weights: Weights = DEFAULT_WEIGHTS,
    max_per_organisation: int = 2,
) -> Suggestions:
    """Rank a pool, asking ``isolation`` (the reach area's store method) about the seeker and the candidates that matter.

    The answer equals :func:`rank` on the pool with every candidate's isolation known
    (see :func:`isolation_needed` for why the others cannot matter).
    """
    ids = [pool.seeker.id, *isolation_needed(pool, limit=limit, weights=weights, max_per_organisation=max_per_organisation)]
    return rank(pool.with_isolation(isolation(ids)), limit=limit, weights=weights, max_per_organisation=max_per_organisation)


def rank(
    pool: CandidatePool,
    *,
    limit: int = 10,
    weights: Weights = DEFAULT_WEIGHTS,
    max_per_organisation: int = 2,
) -> Suggestions:
    """Score every candidate in the pool, keep a diverse best ``limit`` and explain each.

    Parameters
    ----------
    pool
        The seeker and candidates, as the store returns them.
    limit
        How many suggestions at most (0 gives none).
    weights
        How much each signal counts.
    max_per_organisation
        Most suggestions from one organisation while others are available (see :func:`diversify`).

    Returns
    -------
    Suggestions
        Best first (score descending, then assessor id), each with its breakdown and reasons,
        plus notices that explain an empty or limited list.

    Notes
    -----
    O(c log c) for c candidates. Deterministic: no randomness, ties broken by id.

    Examples
    --------
    >>> seeker = Seeker("a", "A", "o1", "Org 1", "london", 0b11, True, False, True,
    ...                 themes=(SeekerTheme("t", "Mental Capacity Act assessments", "exploring", 3),))
    >>> them = Candidate("b", "B", "o2", "Org 2", "london", 5, 0b10, themes=(("t", "experienced"),))
    >>> out = rank(CandidatePool(seeker, 1000, (them,)))
    >>> out.items[0].summary.split(";")[0]
    'You both work on Mental Capacity Act assessments (few in the network do)'
    """
    seeker = pool.seeker
    w = weights.as_tuple()
    scored = []
    for c in pool.candidates:
        s = signals(seeker, c, pool.network_size)
        scored.append((sum(wi * si for wi, si in zip(w, s, strict=True)), c, s))
    scored.sort(key=lambda x: (-x[0], x[1].id))
    by_id = {c.id: (score, s) for score, c, s in scored}
    chosen = diversify([c for _, c, _ in scored], limit, max_per_organisation)
    items = []
    for i, c in enumerate(chosen, start=1):
        score, s = by_id[c.id]
        contributions = tuple((name, wi * si) for name, wi, si in zip(SIGNALS, w, s, strict=True))
        items.append(
            Suggestion(
                rank=i,
                assessor_id=c.id,
                name=c.name,
                organisation_id=c.organisation_id,
                organisation_name=c.organisation_name,
                region=c.region,
                score=score,
                breakdown=contributions,
                reasons=reasons(seeker, c, pool.network_size, contributions),
                shared_themes=shared_themes(seeker, c, pool.network_size),
                common_slots=availability.from_mask(seeker.availability_mask & c.availability_mask),
                mutual_peers=len(c.mutual),
                isolated=c.isolated,
                organisation_region=c.organisation_region,
            )
        )
    return Suggestions(
        assessor_id=seeker.id,
        items=tuple(items),
        notices=notices(pool, bool(items)),
        common_slot=pool.common_slot,
        considered=len(pool.candidates),
    )


def shared_themes(seeker: Seeker, candidate: Candidate, network_size: int) -> tuple[SharedTheme, ...]:
    """The themes both work on, rarest first (then by name)."""
    out = []
    for theme_id, level in candidate.themes:
        mine = seeker.theme(theme_id)
        if mine is not None:
            rare = bool(network_size) and mine.holders / network_size <= RARE_SHARE
            complementary = mine.level == "exploring" and level == "experienced"
            out.append(SharedTheme(theme_id, mine.name, mine.holders, rare, complementary))
    return tuple(sorted(out, key=lambda t: (t.holders, t.name, t.theme_id)))


# -- words -----------------------------------------------------------------------------------


def sentence(phrases: Sequence[str]) -> str:
    """Phrases joined into one sentence: the first as written, the others lower-cased at the start, ``;`` between, ``.`` at the end.

    >>> sentence(["You both work on Court skills", "Both free Tuesday afternoons"])
    'You both work on Court skills; both free Tuesday afternoons.'
    """
    if not phrases:
        return ""
    parts = [phrases[0]] + [p[:1].lower() + p[1:] for p in phrases[1:]]
    return "; ".join(parts) + "."


def _listing(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _on_each(names: Sequence[str], preposition: str, more: int) -> str:
    """Theme names joined so names holding "and" or commas stay readable: ``A and on B, plus 2 more themes``.

    >>> _on_each(["Rights, justice and economic wellbeing", "Court skills"], "on", 1)
    'Rights, justice and economic wellbeing and on Court skills, plus 1 more theme'
    """
    text = f" and {preposition} ".join(names)
    if more:
        text += f", plus {more} more theme{'s' if more > 1 else ''}"
    return text


def reasons(seeker: Seeker, candidate: Candidate, network_size: int, contributions: Sequence[tuple[str, float]]) -> tuple[str, ...]:
    """Why this candidate, in a social worker's words: one phrase per signal that counted, biggest first.

    The wording avoids gendered pronouns ("their organisation"): the network does not record gender.
    """
    order = sorted((i for i, (_, v) in enumerate(contributions) if v > 0), key=lambda i: (-contributions[i][1], i))
    out: list[str] = []
    for i in order:
        phrase = _phrase(SIGNALS[i], seeker, candidate, network_size)
        if phrase:
            out.append(phrase)
    return tuple(out)


def _phrase(signal: str, seeker: Seeker, candidate: Candidate, network_size: int) -> str | None:
    if signal == "themes":
        shared = [t for t in (seeker.theme(theme_id) for theme_id, _ in candidate.themes) if t is not None]
        shared.sort(key=lambda t: (t.holders, t.name))
        named = [
            f"{t.name} (few in the network do)" if network_size and t.holders / network_size <= RARE_SHARE else t.name
            for t in shared[:_THEMES_NAMED]
        ]
        return f"You both work on {_on_each(named, 'on', len(shared) - len(named))}"
    if signal == "complementary":
        found = []
        for theme_id, level in candidate.themes:
            mine = seeker.theme(theme_id)
            if mine is not None and mine.level == "exploring" and level == "experienced":
                found.append((mine.holders, mine.name))
        found.sort()
        shown = [name for _, name in found[:_THEMES_NAMED]]
        return f"They are experienced in {_on_each(shown, 'in', len(found) - len(shown))}, which you are exploring"
    if signal == "availability":
        slots = availability.from_mask(seeker.availability_mask & candidate.availability_mask)
        described = [availability.describe_slot(s) for s in slots]
        if len(described) <= 2:
            return f"Both free {_listing(described)}"
        return f"Both free at {words.spelled(len(described))} weekly times, including {_listing(described[:2])}"
    if signal == "proximity":
        parts = []
        if candidate.former_set_mate:
            parts.append("You were in an action learning set together")
        k = len(candidate.mutual)
        if k:
            parts.append(f"{'you' if parts else 'You'} have {k} peer{'s' if k > 1 else ''} in common")
        return " and ".join(parts) if parts else None
    if signal == "isolation":
        if candidate.sole_in_organisation:
            text = "they are the only assessor in their organisation and have no peer contacts elsewhere yet"
        else:
            text = "they have no peer contacts outside their organisation yet"
        return f"Like you, {text}" if seeker.isolated else text[:1].upper() + text[1:]
    if signal == "new_reach":
        return "Their organisation is new to your network"
    if signal == "region":
        return f"Also in your region ({REGIONS.get(candidate.region or '', candidate.region)})"
    return None


def notices(pool: CandidatePool, any_items: bool) -> tuple[str, ...]:
    """What the seeker should know about their list: why it is empty, or that others cannot see them."""
    seeker = pool.seeker
    out = []
    if not seeker.active:
        out.append("This assessor is not active, so no suggestions are made.")
    elif seeker.paused:
        out.append(
            "Suggestions are paused: nobody is suggested to you, and you are not suggested to anyone, until you resume or the pause ends."
        )
    else:
        if not seeker.discoverable:
            out.append("You are not discoverable: you can see suggestions, but nobody is shown you in theirs.")
        if not any_items:
            if pool.common_slot == "required" and not seeker.availability_mask:
                out.append("Add your weekly availability: only people with a free time in common with you are suggested.")
            elif not seeker.themes:
                out.append("Add the practice themes you work on or want to explore to get suggestions.")
            else:
                out.append("Nobody in another organisation matches yet; suggestions grow as others join.")
    return tuple(out)


# -- candidate generation: the plan the stores carry out --------------------------------------


def plan_expansion(
    seeker: Seeker,
    network_size: int,
    *,
    common_slot: str = "preferred",
    weights: Weights = DEFAULT_WEIGHTS,
    limits: Limits = DEFAULT_LIMITS,
) -> Expansion:
    """Which of the seeker's themes the store expands to find candidates, and how it pre-scores them.

    Themes are taken rarest first (then by id) while their holders add up to at most
    ``limits.expansion_budget``, stopping at the first supernode (see :class:`Limits`); the
    rarest theme is expanded whatever its size if nothing else qualifies (a budget of 0
    expands nothing: candidates then come through peers only).
    Weights are ``round(100 * rarity * weights.themes)``, and the slot and region bonuses the
    score's own, in the same units (see :class:`Expansion`), so both stores sum exact integers
    and order candidates the same way.

    >>> s = Seeker("a", "A", None, None, None, 1, True, False, True,
    ...            themes=(SeekerTheme("big", "Big", "experienced", 900), SeekerTheme("small", "Small", "exploring", 30)))
    >>> plan_expansion(s, 1000).themes
    (('small', 351),)
    """
    if common_slot not in COMMON_SLOT_MODES:
        raise ValueError(f"common_slot: must be one of {', '.join(COMMON_SLOT_MODES)}, got {common_slot!r}")
    ordered = sorted(seeker.themes, key=lambda t: (t.holders, t.theme_id)) if limits.expansion_budget > 0 else []
    cap = max(limits.max_theme_share * network_size, limits.min_supernode)
    chosen: list[SeekerTheme] = []
    spent = 0
    for t in ordered:
        if t.holders > cap:
            break  # sorted by holders: every later theme is as common
        if chosen and spent + t.holders > limits.expansion_budget:
            break
        chosen.append(t)
        spent += t.holders
    if not chosen and ordered:
        chosen.append(ordered[0])
    scale = 100 * weights.themes
    return Expansion(
        themes=tuple((t.theme_id, max(1, round(scale * rarity(t.holders, network_size)))) for t in chosen),
        slot_bonus=round(100 * weights.availability * slot_signal(1)),
        slot_bonuses=tuple(round(100 * weights.availability * slot_signal(k)) for k in range(len(availability.SLOTS) + 1)),
        region_bonus=round(100 * weights.region),
        region=seeker.region,
        theme_pool=limits.theme_pool,
        proximity_pool=limits.proximity_pool,
        seeker_mask=seeker.availability_mask,
        require_common_slot=common_slot == "required",
    )


def mutual_peers(seeker_id: str, peers_of_peers: Mapping[str, Iterable[str]]) -> dict[str, tuple[tuple[str, int], ...]]:
    """For everyone two steps away, the seeker's peers they share as ``(peer id, that peer's peer count)``, by id.

    ``peers_of_peers`` maps each of the seeker's peers to that peer's own peers.
    """
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for z in sorted(peers_of_peers):
        ys = set(peers_of_peers[z])
        for y in ys:
            if y != seeker_id:
                found[y].append((z, len(ys)))
    return {y: tuple(sorted(zs)) for y, zs in found.items()}


def proximity_pool(
    eligible_ids: Iterable[str],
    mutual: Mapping[str, Sequence[tuple[str, int]]],
    former_set_mates: Iterable[str],
    size: int,
) -> list[str]:
    """The ``size`` closest eligible people reached through peers or a former set, by (proximity descending, id)."""
    former = set(former_set_mates)
    keyed = sorted((-proximity(mutual.get(c, ()), c in former), c) for c in set(eligible_ids))
    return [c for _, c in keyed[:size]]


# -- a verifier --------------------------------------------------------------------------------


def check_suggestions(snapshot: Snapshot, seeker_id: str, result: Suggestions, *, common_slot: str = "preferred") -> list[str]:
    """Problems with ``result`` for ``seeker_id`` (empty when it keeps every rule): exclusions, duplicates, order.

    A checker shipped beside the engine, so tests and jobs can verify any answer.
    """
    problems = []
    seeker = snapshot.seeker(seeker_id)
    ids = [s.assessor_id for s in result.items]
    if len(ids) != len(set(ids)):
        problems.append("an assessor is suggested twice")
    for s in result.items:
        person = snapshot.assessors.get(s.assessor_id)
        if person is None:
            problems.append(f"{s.assessor_id} is not in the network")
        elif not eligible(seeker, person, snapshot.employer.get(person.id), common_slot=common_slot):
            problems.append(f"{s.assessor_id} must not be suggested to {seeker_id}")
    if [s.rank for s in result.items] != list(range(1, len(result.items) + 1)):
        problems.append("ranks are not 1..n")
    if result.items and not seeker.wants_candidates:
        problems.append(f"{seeker_id} is paused or inactive but got suggestions")
    return problems


# -- the whole network in memory: reference and brute force -----------------------------------


@dataclass(frozen=True, slots=True)
class SetMembership:
    """One membership of a set, as far as ties are concerned: the set's status and whether the member has left."""

    set_id: str
    set_status: str
    assessor_id: str
    left: bool = False


@dataclass(slots=True)
class Snapshot:
    """The whole network in memory, built from a :class:`~network.bundle.Bundle` (plus declines and set memberships).

    It is the reference the stores are tested against (:meth:`pool` with ``exhaustive=False``
    follows exactly the plan the stores carry out) and the brute-force baseline of the
    benchmark (``exhaustive=True`` scores everybody eligible).
    """

    assessors: dict[str, Assessor]
    organisation_names: dict[str, str]
    theme_names: dict[str, str]
    employer: dict[str, str]
    links: dict[str, dict[str, str]]
    holders: Counter[str]
    contacts: dict[frozenset[str], str]
    declines: set[frozenset[str]]
    active_staff: Counter[str] = field(default_factory=Counter)
    ties: dict[str, set[str]] = field(default_factory=dict)
    former: dict[str, set[str]] = field(default_factory=dict)
    by_theme: dict[str, list[str]] = field(default_factory=dict)
    organisation_regions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        bundle: Bundle,
        declines: Iterable[tuple[str, str]] = (),
        memberships: Iterable[SetMembership] = (),
    ) -> Snapshot:
        """Index a bundle (and the declines ``(by, other)`` and set memberships) for suggestion queries."""
        by_id = {a.id: a for a in bundle.assessors}
        links: dict[str, dict[str, str]] = defaultdict(dict)
        by_theme: dict[str, list[str]] = defaultdict(list)
        for link in bundle.theme_links:
            links[link.assessor_id][link.theme_id] = link.level
            by_theme[link.theme_id].append(link.assessor_id)
        contacts: dict[frozenset[str], str] = {}
        ties: dict[str, set[str]] = defaultdict(set)
        for c in bundle.contacts:
            contacts[frozenset((c.from_id, c.to_id))] = c.status
            if c.status == "accepted":
                ties[c.from_id].add(c.to_id)
                ties[c.to_id].add(c.from_id)
        former: dict[str, set[str]] = defaultdict(set)
        members: dict[str, list[SetMembership]] = defaultdict(list)
        for m in memberships:
            members[m.set_id].append(m)
        for group in members.values():
            for x in group:
                for y in group:
                    if x.assessor_id == y.assessor_id or x.set_status not in ("active", "closed"):
                        continue
                    if x.set_status == "active" and not x.left and not y.left:
                        ties[x.assessor_id].add(y.assessor_id)
                    else:
                        former[x.assessor_id].add(y.assessor_id)
        for who, mates in former.items():
            mates -= ties.get(who, set())  # a tie by contact or another set is a tie, not a former set-mate
        return cls(
            assessors=by_id,
            organisation_names={o.id: o.name for o in bundle.organisations},
            theme_names={t.id: t.name for t in bundle.themes},
            employer={e.assessor_id: e.organisation_id for e in bundle.employments},
            links=dict(links),
            holders=Counter({t: len(ids) for t, ids in by_theme.items()}),
            contacts=contacts,
            declines={frozenset(pair) for pair in declines},
            active_staff=Counter(e.organisation_id for e in bundle.employments if by_id[e.assessor_id].active),
            ties=dict(ties),
            former=dict(former),
            by_theme={t: sorted(ids) for t, ids in by_theme.items()},
            organisation_regions={o.id: o.region for o in bundle.organisations},
        )

    def region(self, assessor_id: str) -> str | None:
        """The assessor's own region (the stores report the same)."""
        return self.assessors[assessor_id].region

    def peers(self, assessor_id: str) -> set[str]:
        """Ties and former set-mates: the neighbourhood graph proximity counts over."""
        return self.ties.get(assessor_id, set()) | self.former.get(assessor_id, set())

    def isolation(self, ids: Iterable[str]) -> dict[str, Isolation]:
        """Isolation as :mod:`network.reach` defines it (ties between active assessors only), for known ids.

        ``isolated_since`` is not worked out here (suggestions do not use it).
        """
        out = {}
        for x in ids:
            a = self.assessors.get(x)
            if a is None:
                continue
            mine = self.employer.get(x)
            crossing = a.active and any(
                self.assessors[y].active and (mine is None or self.employer.get(y) is None or self.employer[y] != mine)
                for y in self.ties.get(x, ())
            )
            sole = mine is not None and self.active_staff[mine] - (1 if a.active else 0) == 0
            out[x] = Isolation(assessor_id=x, isolated=not crossing, sole_in_organisation=sole)
        return out

    def seeker(self, seeker_id: str) -> Seeker:
        """The seeker as the stores report them; ``KeyError`` for an unknown id."""
        a = self.assessors[seeker_id]
        org = self.employer.get(seeker_id)
        excluded = {other for pair in self.contacts if seeker_id in pair for other in pair}
        excluded |= {other for pair in self.declines if seeker_id in pair for other in pair}
        excluded |= self.ties.get(seeker_id, set())
        excluded.discard(seeker_id)
        reached = {self.employer[t] for t in self.ties.get(seeker_id, ()) if t in self.employer and self.assessors[t].active}
        return Seeker(
            id=a.id,
            name=a.name,
            organisation_id=org,
            organisation_name=self.organisation_names.get(org) if org else None,
            region=a.region,
            availability_mask=availability.to_mask(a.availability),
            discoverable=a.discoverable,
            paused=a.paused_on(today()),
            active=a.active,
            themes=tuple(
                SeekerTheme(t, self.theme_names.get(t, t), level, self.holders[t])
                for t, level in sorted(self.links.get(seeker_id, {}).items())
            ),
            reached_organisations=tuple(sorted(reached)),
            excluded=tuple(sorted(excluded)),
        )

    def candidate(self, seeker: Seeker, candidate_id: str, mutual: Mapping[str, Sequence[tuple[str, int]]]) -> Candidate:
        """One candidate's features as the stores report them."""
        c = self.assessors[candidate_id]
        org = self.employer.get(candidate_id)
        mine = {t.theme_id for t in seeker.themes}
        theirs = self.links.get(candidate_id, {})
        return Candidate(
            id=c.id,
            name=c.name,
            organisation_id=org,
            organisation_name=self.organisation_names.get(org) if org else None,
            region=c.region,
            experience_years=c.experience_years,
            availability_mask=availability.to_mask(c.availability),
            themes=tuple((t, theirs[t]) for t in sorted(mine & theirs.keys())),
            mutual=tuple(mutual.get(candidate_id, ())),
            former_set_mate=candidate_id in self.former.get(seeker.id, set()),
            organisation_region=self.organisation_regions.get(org) if org else None,
        )

    def pool(
        self,
        seeker_id: str,
        *,
        common_slot: str = "preferred",
        weights: Weights = DEFAULT_WEIGHTS,
        limits: Limits = DEFAULT_LIMITS,
        exhaustive: bool = False,
    ) -> CandidatePool:
        """The candidate pool for ``seeker_id``: exactly what the stores return, or everybody eligible if ``exhaustive``."""
        seeker = self.seeker(seeker_id)
        n = len(self.assessors)
        if not seeker.wants_candidates:
            return CandidatePool(seeker, n, (), common_slot, exhaustive)

        def ok(x: str) -> bool:
            return eligible(seeker, self.assessors[x], self.employer.get(x), common_slot=common_slot)

        own_peers = self.peers(seeker_id)
        mutual = mutual_peers(seeker_id, {z: self.peers(z) for z in own_peers})
        if exhaustive:
            ids = [x for x in self.assessors if ok(x)]
        else:
            plan = plan_expansion(seeker, n, common_slot=common_slot, weights=weights, limits=limits)
            pre: Counter[str] = Counter()
            for theme_id, w in plan.themes:
                for x in self.by_theme.get(theme_id, ()):
                    pre[x] += w
            for x in pre:
                pre[x] += plan.slot_bonus_for(availability.to_mask(self.assessors[x].availability))
                if plan.region is not None and self.assessors[x].region == plan.region:
                    pre[x] += plan.region_bonus
            by_theme = sorted((x for x in pre if ok(x)), key=lambda x: (-pre[x], x))[: plan.theme_pool]
            reachable = set(mutual) | self.former.get(seeker_id, set())
            near = proximity_pool((x for x in reachable if ok(x)), mutual, self.former.get(seeker_id, set()), plan.proximity_pool)
            ids = sorted(set(by_theme) | set(near))
        return CandidatePool(
            seeker=seeker,
            network_size=n,
            candidates=tuple(self.candidate(seeker, x, mutual) for x in sorted(ids)),
            common_slot=common_slot,
            exhaustive=exhaustive,
        )
