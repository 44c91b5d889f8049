"""Inputs and outputs of set formation: plain, validated dataclasses with no behaviour beyond checking themselves."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from network import availability
from network.domain import FORMATION_PRIORITIES, WEIGHT_MAX

if TYPE_CHECKING:  # pragma: no cover - typing only
    from network.domain import Assessor, Organisation, Programme, ThemeLink

#: The soft goals, in the order they are reported.
GOALS: tuple[str, ...] = ("themes", "experience", "kinds", "ties", "isolated", "region", "size")

#: Levels of a member's theme.
THEME_LEVELS: tuple[str, ...] = ("exploring", "experienced")

#: Region modes: ``mix`` rewards several regions in a set, ``close`` rewards sets from one region.
REGION_MODES: tuple[str, ...] = ("mix", "close")

#: What set formation maximises first (issue 22): ``isolated`` (the default) connects the most isolated people
#: before placing the most people; ``placed`` places the most people first. The score comes after both.
PRIORITIES: tuple[str, ...] = FORMATION_PRIORITIES

#: Codes of :class:`Unplaced` reasons. ``at_capacity``, ``no_availability``, ``no_common_slot``, ``cannot_link``,
#: ``must_link`` and ``no_valid_set`` are true of the pool: no valid set can contain the person. ``rearrange``: a
#: valid set could, but placing them means moving others and leaving someone out (the moves are offered);
#: ``left_out``: they could be placed without moving anyone (after hand edits). ``no_room`` is kept for
#: proposals stored before issue 22.
UNPLACED_CODES: tuple[str, ...] = (
    "at_capacity",
    "no_availability",
    "no_common_slot",
    "cannot_link",
    "must_link",
    "no_valid_set",
    "rearrange",
    "left_out",
    "no_room",
)

_MAX_WEIGHT = float(WEIGHT_MAX)  # a soft goal's weight, as a programme may hold it


class FormationError(ValueError):
    """Input that set formation cannot work with; ``field`` names where the problem is."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True, slots=True)
class Member:
    """One person in the enrolment pool, as plain data.

    ``themes`` maps a theme id to the member's level in it (``exploring`` or ``experienced``).
    ``capacity_left`` is how many more active sets they can join (0 or less: at capacity).
    ``isolated`` marks someone with no tie to another organisation yet.
    """

    id: str
    organisation_id: str | None = None
    organisation_kind: str | None = None
    region: str | None = None
    experience_years: float = 0
    availability: tuple[str, ...] = ()
    themes: Mapping[str, str] = field(default_factory=dict)
    capacity_left: int = 1
    isolated: bool = False
    #: How reasons name them (``None``: by id, for engines given no names).
    name: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise FormationError("members", f"a member id must be non-empty text, got {self.id!r}")
        where = f"members[{self.id}]"
        for name in ("organisation_id", "organisation_kind", "region"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise FormationError(f"{where}.{name}", f"must be non-empty text or None, got {value!r}")
        years = self.experience_years
        if isinstance(years, bool) or not isinstance(years, int | float) or not math.isfinite(years) or years < 0:
            raise FormationError(f"{where}.experience_years", f"must be a number of years, 0 or more, got {years!r}")
        if isinstance(self.availability, str):
            raise FormationError(f"{where}.availability", "must be a list of slots, not a string")
        try:
            object.__setattr__(self, "availability", availability.normalise(self.availability))
        except (availability.UnknownSlot, TypeError) as exc:
            raise FormationError(f"{where}.availability", str(exc)) from None
        if not isinstance(self.themes, Mapping):
            raise FormationError(f"{where}.themes", "must map theme ids to 'exploring' or 'experienced'")
        themes = dict(sorted(self.themes.items()))
        for theme_id, level in themes.items():
            if not isinstance(theme_id, str) or not theme_id:
                raise FormationError(f"{where}.themes", f"theme ids must be non-empty text, got {theme_id!r}")
            if level not in THEME_LEVELS:
                raise FormationError(f"{where}.themes", f"level of {theme_id} must be exploring or experienced, got {level!r}")
        object.__setattr__(self, "themes", themes)
        if isinstance(self.capacity_left, bool) or not isinstance(self.capacity_left, int):
            raise FormationError(f"{where}.capacity_left", f"must be a whole number, got {self.capacity_left!r}")
        if not isinstance(self.isolated, bool):
            raise FormationError(f"{where}.isolated", f"must be true or false, got {self.isolated!r}")
        if self.name is not None and (not isinstance(self.name, str) or not self.name.strip()):
            raise FormationError(f"{where}.name", f"must be non-empty text or None, got {self.name!r}")

    @classmethod
    def of(
        cls,
        assessor: Assessor,
        organisation: Organisation | None,
        theme_links: Iterable[ThemeLink] = (),
        *,
        capacity_left: int | None = None,
        isolated: bool = False,
    ) -> Member:
        """Build a member from stored domain values (``capacity_left`` defaults to the assessor's capacity)."""
        return cls(
            id=assessor.id,
            organisation_id=organisation.id if organisation else None,
            organisation_kind=organisation.kind if organisation else None,
            region=assessor.region or (organisation.region if organisation else None),
            experience_years=assessor.experience_years,
            availability=assessor.availability,
            themes={link.theme_id: link.level for link in theme_links if link.assessor_id == assessor.id},
            capacity_left=assessor.capacity if capacity_left is None else capacity_left,
            isolated=isolated,
            name=assessor.name,
        )


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the soft goals (0 switches a goal off); see :mod:`network.formation` for what each one counts."""

    themes: float = 4.0
    experience: float = 1.0
    kinds: float = 3.0
    ties: float = 2.0
    isolated: float = 2.0
    region: float = 1.0
    size: float = 6.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise FormationError(f"weights.{f.name}", f"must be a number, got {value!r}")
            if not 0 <= value <= _MAX_WEIGHT:
                raise FormationError(f"weights.{f.name}", f"must be between 0 and {_MAX_WEIGHT:g}, got {value!r}")
            # Scores are exact to the hundredth of a weight, so the exact solver scores the same number.
            object.__setattr__(self, f.name, round(float(value), 2))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> Weights:
        """Weights from a mapping such as stored programme settings; unknown goals are an error."""
        values = dict(values or {})
        unknown = sorted(set(values) - set(GOALS))
        if unknown:
            raise FormationError("weights", f"unknown goal(s) {', '.join(map(str, unknown))}; goals are {', '.join(GOALS)}")
        return cls(**values)

    def as_dict(self) -> dict[str, float]:
        """The weights by goal, in :data:`GOALS` order."""
        return {goal: getattr(self, goal) for goal in GOALS}


@dataclass(frozen=True, slots=True)
class Rules:
    """The hard rules (size bounds, per-organisation limit, common slot) and how the soft goals are weighed."""

    size_min: int = 4
    size_max: int = 7
    size_target: int = 6
    max_per_organisation: int = 1
    require_common_slot: bool = True
    region_mode: str = "mix"
    weights: Weights = field(default_factory=Weights)
    #: What comes first (:data:`PRIORITIES`): ``isolated`` people connected, or people ``placed``.
    priority: str = "isolated"

    def __post_init__(self) -> None:
        for name in ("size_min", "size_max", "size_target", "max_per_organisation"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise FormationError(name, f"must be a whole number, got {value!r}")
        if self.size_min < 2:
            raise FormationError("size_min", f"a set needs at least 2 members, got {self.size_min}")
        if self.size_min > self.size_max:
            raise FormationError("size_min", f"the minimum set size ({self.size_min}) is above the maximum ({self.size_max})")
        if self.size_max > 50:
            raise FormationError("size_max", f"must be at most 50, got {self.size_max}")
        if not self.size_min <= self.size_target <= self.size_max:
            raise FormationError("size_target", f"must lie between {self.size_min} and {self.size_max}, got {self.size_target}")
        if self.max_per_organisation < 1:
            raise FormationError("max_per_organisation", f"must be 1 or more, got {self.max_per_organisation}")
        if not isinstance(self.require_common_slot, bool):
            raise FormationError("require_common_slot", f"must be true or false, got {self.require_common_slot!r}")
        if self.region_mode not in REGION_MODES:
            raise FormationError("region_mode", f"must be one of {', '.join(REGION_MODES)}, got {self.region_mode!r}")
        if not isinstance(self.weights, Weights):
            raise FormationError("weights", "must be a Weights value (use Weights.from_mapping for a mapping)")
        if self.priority not in PRIORITIES:
            raise FormationError("priority", f"must be one of {', '.join(PRIORITIES)}, got {self.priority!r}")

    @classmethod
    def from_programme(
        cls,
        programme: Programme,
        *,
        weights: Weights | Mapping[str, Any] | None = None,
        region_mode: str | None = None,
        priority: str | None = None,
    ) -> Rules:
        """The rules a programme's settings ask for (``weights`` / ``region_mode`` / ``priority`` default to the programme's own)."""
        if weights is None:
            weights = dict(getattr(programme, "weights", ()) or ())
        if not isinstance(weights, Weights):
            weights = Weights.from_mapping(weights)
        if region_mode is None:
            region_mode = getattr(programme, "region_mode", "mix")
        return cls(
            size_min=programme.set_size_min,
            size_max=programme.set_size_max,
            size_target=programme.set_size_target,
            max_per_organisation=programme.max_per_organisation,
            require_common_slot=programme.require_common_slot,
            region_mode=region_mode,
            weights=weights,
            priority=priority if priority is not None else getattr(programme, "priority", "isolated"),
        )


@dataclass(frozen=True, slots=True)
class LockedSet:
    """Members pinned together in one set.

    ``open=False`` (the default, what "lock and re-run" uses): the set is kept exactly as it is.
    ``open=True``: the pinned members are the core of a set the engine may complete with others
    (up to the maximum size; it must reach the minimum). ``slot`` optionally pins its meeting slot.
    """

    members: tuple[str, ...]
    open: bool = False
    slot: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.members, str) or not isinstance(self.members, Iterable):
            raise FormationError("locked", f"a locked set is a list of member ids, got {self.members!r}")
        members = tuple(self.members)
        if not members or not all(isinstance(m, str) and m for m in members):
            raise FormationError("locked", f"a locked set needs one or more member ids, got {members!r}")
        if len(set(members)) != len(members):
            raise FormationError("locked", f"a locked set names someone twice: {', '.join(members)}")
        object.__setattr__(self, "members", tuple(sorted(members)))
        if self.slot is not None and not availability.is_slot(self.slot):
            raise FormationError("locked", f"unknown meeting slot {self.slot!r} for the locked set {', '.join(members)}")
        if not isinstance(self.open, bool):
            raise FormationError("locked", f"open must be true or false, got {self.open!r}")


def _pairs(value: Any, name: str) -> tuple[tuple[str, str], ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise FormationError(name, "must be a list of pairs of member ids")
    out: set[tuple[str, str]] = set()
    for pair in value:
        items = tuple(pair) if not isinstance(pair, str) and isinstance(pair, Iterable) else ()
        if len(items) != 2 or not all(isinstance(x, str) and x for x in items):
            raise FormationError(name, f"each entry must be a pair of member ids, got {pair!r}")
        a, b = items
        if a == b:
            raise FormationError(name, f"a pair needs two different members, got {a} twice")
        out.add((a, b) if a < b else (b, a))
    return tuple(sorted(out))


@dataclass(frozen=True, slots=True)
class Constraints:
    """Pairwise and pinning constraints, plus the ties that already exist.

    ``must_link``: pairs who must share a set (or both stay unplaced).
    ``cannot_link``: pairs who must never share a set.
    ``locked``: pinned sets (see :class:`LockedSet`).
    ``ties``: pairs already tied (accepted contacts, current or former set-mates); they earn no new-tie credit.
    Pairs are stored as sorted, de-duplicated tuples (and ``locked`` as a sorted tuple), so the
    order given does not matter.
    """

    must_link: Sequence[tuple[str, str]] = ()
    cannot_link: Sequence[tuple[str, str]] = ()
    locked: Sequence[LockedSet] = ()
    ties: Sequence[tuple[str, str]] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "must_link", _pairs(self.must_link, "must_link"))
        object.__setattr__(self, "cannot_link", _pairs(self.cannot_link, "cannot_link"))
        object.__setattr__(self, "ties", _pairs(self.ties, "ties"))
        locked = []
        for item in self.locked:
            if isinstance(item, LockedSet):
                locked.append(item)
            else:
                locked.append(LockedSet(members=tuple(item)))
        object.__setattr__(self, "locked", tuple(sorted(locked, key=lambda s: s.members)))


@dataclass(frozen=True, slots=True)
class ProposedSet:
    """One set of a proposal, with why it is good (``reasons``) and, when re-scored after edits, what it breaks.

    ``breakdown`` holds the weighted score of each goal (keys :data:`GOALS`); ``score`` is their sum.
    ``meeting_slot`` is the slot suggested for meetings (the first common slot in week order, or the
    pinned slot); ``shared_themes`` are the theme ids every member works on, rarest first.
    """

    members: tuple[str, ...]
    meeting_slot: str | None
    common_slots: tuple[str, ...]
    shared_themes: tuple[str, ...]
    score: float
    breakdown: dict[str, float]
    reasons: tuple[str, ...]
    locked: bool = False
    violations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Move:
    """One step of a rearrangement offered for someone left out: ``member_id`` goes from set ``from_set`` to ``to_set``.

    Sets are positions in :attr:`Proposal.sets` (0-based); ``None`` means "left out". A position at or past
    the number of sets means a new set (moves naming the same such position form one new set together).
    """

    member_id: str
    from_set: int | None
    to_set: int | None


@dataclass(frozen=True, slots=True)
class Unplaced:
    """Someone left out of every set, with the exact reason (``code`` is one of :data:`UNPLACED_CODES`).

    ``moves`` (code ``rearrange``, sometimes ``left_out``): a valid rearrangement that places them, as the
    moves that turn the proposal into it; applying every move gives a partition that keeps every hard rule.
    """

    member_id: str
    code: str
    reason: str
    moves: tuple[Move, ...] = ()


@dataclass(frozen=True, slots=True)
class Proposal:
    """A partition of the pool into sets, scored and explained.

    ``score`` is the objective (the sum of the sets' scores); ``placed`` how many people are in a set;
    ``connected`` how many isolated people are in a set with someone from another organisation;
    ``violations`` lists the hard rules the partition breaks as a whole (empty for every engine result;
    per-set problems are also on each set). ``stopped`` says why the search ended: ``"iterations"`` (the
    step budget), ``"time"`` (the time cap), ``"converged"`` (only once the bounds below are reached, or
    when the search has exhausted the pool) or ``"scored"`` (a partition given to :func:`score_partition`).

    ``placed_bound`` / ``connected_bound``: the most people any valid partition could place / isolated
    people it could connect (under ``Rules.priority``: with ``isolated`` first, ``placed_bound`` is the
    most placed among partitions connecting ``connected_bound``); ``bound_exact`` says they are proven
    maxima (CP-SAT), not upper bounds from a relaxation. ``seed``, ``steps`` (the step budget, None for
    a time budget only), ``iterations`` (steps taken) and ``engine`` (:data:`ENGINE_VERSION`) say how to
    reproduce the result: the same pool, rules, seed, step budget and engine version give the same
    partition on any machine, unless ``stopped`` is ``"time"``.
    """

    sets: tuple[ProposedSet, ...]
    unplaced: tuple[Unplaced, ...]
    score: float
    breakdown: dict[str, float]
    placed: int
    violations: tuple[str, ...] = ()
    seed: int | None = None
    iterations: int = 0
    stopped: str = "scored"
    connected: int = 0
    placed_bound: int | None = None
    connected_bound: int | None = None
    bound_exact: bool = False
    steps: int | None = None
    engine: str = ""

    @property
    def valid(self) -> bool:
        """True when no hard rule is broken."""
        return not self.violations and not any(s.violations for s in self.sets)
