"""Domain types of the Bridgework graph, as plain dataclasses that check their own invariants.

Every type validates itself in ``__post_init__`` and raises :class:`InvalidValue`
(a ``ValueError`` naming the offending field), so a bad value can never be built,
whichever edge it came from: the CLI importer, the JSON API or a test.

>>> Organisation(id="org-1", name="Northshire County Council", kind="local_authority", region="north_east").kind
'local_authority'
>>> Assessor(id="a-1", name="Sam", experience_years=-1)
Traceback (most recent call last):
...
network.domain.InvalidValue: experience_years: must be 0 or more, got -1
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from network import availability

ORGANISATION_KINDS: tuple[str, ...] = (
    "local_authority",
    "nhs_trust",
    "voluntary",
    "independent",
    "agency",
    "university",
)

#: England's nine regions (ITL1), as stable ids with their names.
REGIONS: dict[str, str] = {
    "north_east": "North East",
    "north_west": "North West",
    "yorkshire_humber": "Yorkshire and the Humber",
    "east_midlands": "East Midlands",
    "west_midlands": "West Midlands",
    "east_of_england": "East of England",
    "london": "London",
    "south_east": "South East",
    "south_west": "South West",
}

LEVELS: tuple[str, ...] = ("exploring", "experienced")
Level = Literal["exploring", "experienced"]

THEME_FRAMEWORKS: tuple[str, ...] = ("pcf", "kss", "practice")

CONTACT_STATUSES: tuple[str, ...] = ("requested", "accepted")

PROGRAMME_STATUSES: tuple[str, ...] = ("draft", "open", "forming", "running", "closed")
SET_STATUSES: tuple[str, ...] = ("forming", "active", "closed")
CADENCES: tuple[str, ...] = ("weekly", "fortnightly", "monthly", "six-weekly")
REGION_MODES: tuple[str, ...] = ("mix", "close")
#: Who decides requests to join a programme's sets: its coordinator, or Bridgework automatically when every hard rule holds.
JOIN_POLICIES: tuple[str, ...] = ("coordinator", "automatic")
#: What set formation maximises first: connecting ``isolated`` people (the default), or the people ``placed``.
FORMATION_PRIORITIES: tuple[str, ...] = ("isolated", "placed")

# -- limits on what people enter, each defined once ----------------------------------------------------
# The types below check them; the JSON API's schemas (api/v1), the page forms (web) and the command
# line take the same constants, and the CSV reader (network.csvio) builds these types, so every door
# refuses the same values. The window of dates people may enter is in :mod:`network.limits`.

#: Every stable id: 1-64 letters, digits or ``_ . : -``, starting with a letter or digit.
ID_MAX = 64
ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9_.:-]{{0,{ID_MAX - 1}}}$"
#: What a bad id breaks, in the words every door uses.
ID_RULE = f"must be 1-{ID_MAX} letters, digits or _.:- starting with a letter or digit"
#: An e-mail address: no spaces, one ``@``, a dot in the domain, at most :data:`EMAIL_MAX` characters (SMTP's limit).
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
EMAIL_MAX = 254
#: Names (of people, organisations, themes, programmes and sets) and an assessor's introduction, in characters.
MAX_NAME = 200
MAX_BIO = 2000
#: An assessor's years of experience and how many sets they can be in at once.
EXPERIENCE_MIN, EXPERIENCE_MAX = 0, 70
CAPACITY_MIN, CAPACITY_MAX = 0, 20
#: A programme's set sizes (smallest, largest and aimed-for), its number of meetings, and a soft goal's weight.
SET_SIZE_MIN, SET_SIZE_MAX = 2, 50
MEETINGS_MIN, MEETINGS_MAX = 1, 100
WEIGHT_MIN, WEIGHT_MAX = 0, 1000
#: A formation run's step budget (the same seed, pool and steps give the same sets on any machine).
STEPS_MIN, STEPS_MAX = 1, 10_000_000

_ID_RE = re.compile(ID_PATTERN)
_EMAIL_RE = re.compile(EMAIL_PATTERN)


class InvalidValue(ValueError):
    """A value that breaks a domain invariant; ``field`` names where it is."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def check_id(value: Any, field_name: str = "id") -> str:
    """Return ``value`` if it is a valid stable id (letters, digits, ``_ . : -``, at most 64)."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise InvalidValue(field_name, f"{ID_RULE}, got {value!r}")
    return value


def _name(value: Any, field_name: str = "name", limit: int = MAX_NAME) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field_name, "must not be empty")
    value = value.strip()
    if len(value) > limit:
        raise InvalidValue(field_name, f"must be at most {limit} characters")
    return value


def _choice(value: Any, choices: tuple[str, ...] | dict[str, str], field_name: str) -> str:
    if not isinstance(value, str) or value not in choices:  # a list is not hashable: test the type first
        raise InvalidValue(field_name, f"must be one of {', '.join(choices)}, got {value!r}")
    return str(value)


def _count(value: Any, field_name: str, limit: int = 1000, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(field_name, f"must be a whole number, got {value!r}")
    if value < low:
        raise InvalidValue(field_name, f"must be {low} or more, got {value}")
    if value > limit:
        raise InvalidValue(field_name, f"must be at most {limit}, got {value}")
    return value


def _flag(value: Any, field_name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue(field_name, f"must be true or false, got {value!r}")
    return value


def _weights(value: Any, field_name: str = "weights") -> tuple[tuple[str, float], ...]:
    """Normalise soft-goal weights (a mapping or pairs) to sorted ``(name, weight)`` pairs; names unique, weights finite and >= 0."""
    pairs = list(value.items()) if isinstance(value, dict) else value
    if isinstance(pairs, str) or not isinstance(pairs, tuple | list):
        raise InvalidValue(field_name, f"must be a mapping of goal names to weights, got {value!r}")
    out: dict[str, float] = {}
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InvalidValue(field_name, f"each weight must be a (goal, weight) pair, got {pair!r}")
        name, weight = pair
        if not isinstance(name, str) or not name:
            raise InvalidValue(field_name, f"goal names must be text, got {name!r}")
        if name in out:
            raise InvalidValue(field_name, f"goal {name!r} is given twice")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight) or weight < WEIGHT_MIN:
            raise InvalidValue(field_name, f"the weight of {name!r} must be a number >= {WEIGHT_MIN}, got {weight!r}")
        if weight > WEIGHT_MAX:
            raise InvalidValue(field_name, f"the weight of {name!r} must be at most {WEIGHT_MAX}, got {weight!r}")
        out[name] = float(weight)
    return tuple(sorted(out.items()))


def _slots(value: Any, field_name: str = "availability") -> tuple[str, ...]:
    if isinstance(value, str):
        raise InvalidValue(field_name, "must be a list of slots, not a string")
    try:
        return availability.normalise(value)
    except availability.UnknownSlot as exc:
        raise InvalidValue(field_name, str(exc)) from None
    except TypeError:
        raise InvalidValue(field_name, f"must be a list of slots, got {value!r}") from None


#: The programme runs in England: "today" is the date in London, whatever the server's clock zone.
HOME_ZONE = ZoneInfo("Europe/London")


def today() -> date:
    """Today's date in the UK (Europe/London), the day pauses, meetings and questionnaires are counted in."""
    return datetime.now(HOME_ZONE).date()


@dataclass(frozen=True, slots=True)
class Organisation:
    """An employer of assessors: a local authority, trust, agency, charity, firm or university."""

    id: str
    name: str
    kind: str
    region: str

    def __post_init__(self) -> None:
        check_id(self.id)
        object.__setattr__(self, "name", _name(self.name))
        _choice(self.kind, ORGANISATION_KINDS, "kind")
        _choice(self.region, REGIONS, "region")


@dataclass(frozen=True, slots=True)
class Theme:
    """A practice theme assessors work on, from a professional framework or a free theme."""

    id: str
    name: str
    framework: str = "practice"

    def __post_init__(self) -> None:
        check_id(self.id)
        object.__setattr__(self, "name", _name(self.name))
        _choice(self.framework, THEME_FRAMEWORKS, "framework")


@dataclass(frozen=True, slots=True)
class Assessor:
    """A practice educator or assessor of newly qualified social workers.

    ``discoverable`` is the assessor's own opt-in to being suggested to others and
    defaults to ``False``: nobody is exposed until they choose to be. ``paused``
    hides a discoverable assessor for a while without losing the choice: until
    lifted, or through the day ``paused_until`` when one is given (from the next
    day they are findable again without anyone having to act).
    ``capacity`` is how many action learning sets they can be in at once.
    """

    id: str
    name: str
    email: str | None = None
    region: str | None = None
    experience_years: int = 0
    discoverable: bool = False
    paused: bool = False
    active: bool = True
    capacity: int = 1
    availability: tuple[str, ...] = ()
    bio: str = ""
    paused_until: date | None = None

    def __post_init__(self) -> None:
        check_id(self.id)
        object.__setattr__(self, "name", _name(self.name))
        if self.email is not None:
            email = self.email.strip() if isinstance(self.email, str) else self.email
            if not isinstance(email, str) or len(email) > EMAIL_MAX or not _EMAIL_RE.match(email):
                raise InvalidValue("email", f"must be an email address, got {self.email!r}")
            object.__setattr__(self, "email", email)
        if self.region is not None:
            _choice(self.region, REGIONS, "region")
        _count(self.experience_years, "experience_years", limit=EXPERIENCE_MAX, low=EXPERIENCE_MIN)
        _count(self.capacity, "capacity", limit=CAPACITY_MAX, low=CAPACITY_MIN)
        _flag(self.discoverable, "discoverable")
        _flag(self.paused, "paused")
        _flag(self.active, "active")
        if self.paused_until is not None:
            if isinstance(self.paused_until, datetime) or not isinstance(self.paused_until, date):
                raise InvalidValue("paused_until", f"must be a date, got {self.paused_until!r}")
            if not self.paused:
                raise InvalidValue("paused_until", "is only meaningful while suggestions are paused")
        object.__setattr__(self, "availability", _slots(self.availability))
        if not isinstance(self.bio, str):
            raise InvalidValue("bio", "must be text")
        if len(self.bio) > MAX_BIO:
            raise InvalidValue("bio", f"must be at most {MAX_BIO} characters")

    def paused_on(self, day: date) -> bool:
        """True when suggestions are paused on ``day``: paused, and either until lifted or through ``paused_until``."""
        return self.paused and (self.paused_until is None or day <= self.paused_until)

    @property
    def findable(self) -> bool:
        """True when others may be shown this assessor today (UK time): opted in, not paused, active."""
        return self.discoverable and self.active and not self.paused_on(today())

    def with_changes(self, **changes: Any) -> Assessor:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Employment:
    """``(Assessor)-[:WORKS_FOR {since}]->(Organisation)``: an assessor has at most one employer."""

    assessor_id: str
    organisation_id: str
    since: date | None = None

    def __post_init__(self) -> None:
        check_id(self.assessor_id, "assessor_id")
        check_id(self.organisation_id, "organisation_id")
        if self.since is not None and not isinstance(self.since, date):
            raise InvalidValue("since", f"must be a date, got {self.since!r}")


@dataclass(frozen=True, slots=True)
class ThemeLink:
    """``(Assessor)-[:WORKS_ON {level}]->(Theme)``: a theme and how experienced the assessor is in it."""

    assessor_id: str
    theme_id: str
    level: str = "experienced"

    def __post_init__(self) -> None:
        check_id(self.assessor_id, "assessor_id")
        check_id(self.theme_id, "theme_id")
        _choice(self.level, LEVELS, "level")


@dataclass(frozen=True, slots=True)
class Contact:
    """``(from)-[:CONNECTED_WITH {since, via, status}]->(to)``: a peer contact, requested or accepted.

    The direction records who asked; an accepted contact counts both ways.
    """

    from_id: str
    to_id: str
    status: str = "requested"
    since: date | None = None
    via: str | None = None

    def __post_init__(self) -> None:
        check_id(self.from_id, "from_id")
        check_id(self.to_id, "to_id")
        if self.from_id == self.to_id:
            raise InvalidValue("to_id", "an assessor cannot contact themself")
        _choice(self.status, CONTACT_STATUSES, "status")
        if self.since is not None and not isinstance(self.since, date):
            raise InvalidValue("since", f"must be a date, got {self.since!r}")
        if self.via is not None and not isinstance(self.via, str):
            raise InvalidValue("via", "must be text")

    def involves(self, assessor_id: str) -> bool:
        """True when the assessor is either end of the contact."""
        return assessor_id in (self.from_id, self.to_id)

    def other(self, assessor_id: str) -> str:
        """The other end of the contact, seen from ``assessor_id``."""
        return self.to_id if assessor_id == self.from_id else self.from_id


@dataclass(frozen=True, slots=True)
class Programme:
    """One round of set formation: an enrolment pool turned into action learning sets."""

    id: str
    name: str
    region: str | None = None
    status: str = "draft"
    set_size_min: int = 4
    set_size_max: int = 7
    set_size_target: int = 6
    cadence: str = "monthly"
    meetings: int = 6
    max_per_organisation: int = 1
    require_common_slot: bool = True
    starts_on: date | None = None
    #: Soft-goal weights of set formation as sorted ``(goal, weight)`` pairs; goals left out keep the engine's defaults.
    weights: tuple[tuple[str, float], ...] = ()
    #: ``"mix"`` spreads regions across a set; ``"close"`` keeps a set within as few regions as possible.
    region_mode: str = "mix"
    #: Who decides a request to join one of its sets: ``"coordinator"``, or ``"automatic"`` (accepted when every hard rule holds).
    join_policy: str = "coordinator"
    #: Set formation's step budget for this programme's runs (``None``: a time budget), so its proposals can be reproduced.
    steps: int | None = None
    #: What set formation maximises first (:data:`FORMATION_PRIORITIES`): connecting isolated people, or people placed.
    priority: str = "isolated"

    def __post_init__(self) -> None:
        check_id(self.id)
        object.__setattr__(self, "name", _name(self.name))
        if self.region is not None:
            _choice(self.region, REGIONS, "region")
        _choice(self.status, PROGRAMME_STATUSES, "status")
        _choice(self.join_policy, JOIN_POLICIES, "join_policy")
        for f in ("set_size_min", "set_size_max", "set_size_target"):
            _count(getattr(self, f), f, limit=SET_SIZE_MAX)
        _count(self.meetings, "meetings", limit=MEETINGS_MAX, low=MEETINGS_MIN)
        if self.set_size_min < SET_SIZE_MIN:
            raise InvalidValue("set_size_min", f"a set needs at least {SET_SIZE_MIN} members")
        if self.set_size_max < self.set_size_min:
            raise InvalidValue("set_size_max", "must be at least set_size_min")
        if not self.set_size_min <= self.set_size_target <= self.set_size_max:
            raise InvalidValue("set_size_target", "must lie between set_size_min and set_size_max")
        _choice(self.cadence, CADENCES, "cadence")
        if isinstance(self.max_per_organisation, bool) or self.max_per_organisation not in (1, 2):
            raise InvalidValue("max_per_organisation", "must be 1 or 2")
        _flag(self.require_common_slot, "require_common_slot")
        if self.starts_on is not None and not isinstance(self.starts_on, date):
            raise InvalidValue("starts_on", f"must be a date, got {self.starts_on!r}")
        object.__setattr__(self, "weights", _weights(self.weights))
        _choice(self.region_mode, REGION_MODES, "region_mode")
        if self.steps is not None:
            _count(self.steps, "steps", limit=STEPS_MAX, low=STEPS_MIN)
        _choice(self.priority, FORMATION_PRIORITIES, "priority")


@dataclass(frozen=True, slots=True)
class ActionLearningSet:
    """A small self-managed action learning set (4-7 members by default, the programme's set sizes) that meets online."""

    id: str
    name: str
    programme_id: str | None = None
    status: str = "forming"
    meeting_slot: str | None = None
    cadence: str = "monthly"
    theme_ids: tuple[str, ...] = field(default=())
    starts_on: date | None = None

    def __post_init__(self) -> None:
        check_id(self.id)
        object.__setattr__(self, "name", _name(self.name))
        if self.programme_id is not None:
            check_id(self.programme_id, "programme_id")
        _choice(self.status, SET_STATUSES, "status")
        if self.meeting_slot is not None and not availability.is_slot(self.meeting_slot):
            raise InvalidValue("meeting_slot", f"unknown slot {self.meeting_slot!r}")
        _choice(self.cadence, CADENCES, "cadence")
        if isinstance(self.theme_ids, str) or not isinstance(self.theme_ids, tuple | list):
            raise InvalidValue("theme_ids", f"must be a list of theme ids, got {self.theme_ids!r}")
        object.__setattr__(self, "theme_ids", tuple(check_id(t, "theme_ids") for t in self.theme_ids))
        if self.starts_on is not None and not isinstance(self.starts_on, date):
            raise InvalidValue("starts_on", f"must be a date, got {self.starts_on!r}")
