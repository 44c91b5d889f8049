"""How a person wants to hear of each kind of notice, and how often a failed e-mail is tried again.

Every notice is shown on Bridgework (``/me/notices``) whatever the person chose; the choice is
only about e-mail. Notices come in many kinds (``meeting``, ``rota``, ``join_request``, ...);
people choose per :class:`NoticeGroup`, a handful of groups named the way they think of them.

>>> group_of("rota")
'meetings'
>>> group_of("join_request", to_account_only=True)
'coordinator'
>>> resolved({"contacts": "digest"})["contacts"], resolved({})["meetings"]
('digest', 'immediately')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

#: What a person can choose for a group of notices: each e-mailed at once, one e-mail a day, or no e-mail.
CHOICES: tuple[str, ...] = ("immediately", "digest", "in_app")

#: The choice of a person who never chose (what Bridgework did before people could choose).
DEFAULT_CHOICE = "immediately"

#: How each choice reads on the profile page and in the API documentation.
CHOICE_LABELS: Mapping[str, str] = {
    "immediately": "E-mail each one straight away",
    "digest": "One e-mail a day with all of them",
    "in_app": "No e-mail (see them on Bridgework only)",
}


@dataclass(frozen=True, slots=True)
class NoticeGroup:
    """Kinds of notice a person chooses for together: its id, its name and what it covers, in words."""

    id: str
    name: str
    covers: str


#: The groups, in the order the profile page lists them.
GROUPS: tuple[NoticeGroup, ...] = (
    NoticeGroup("meetings", "Meetings and turns", "reminders of your set's meetings, your turns to facilitate or present, moved meetings"),
    NoticeGroup("contacts", "Contacts", "someone asks to become your contact, or accepts your request"),
    NoticeGroup("sets", "Sets and join requests", "being placed in a set, people joining or leaving it, answers to your requests to join"),
    NoticeGroup("questionnaires", "Questionnaires", "a short questionnaire of your programme is waiting for you"),
    NoticeGroup("coordinator", "Coordinator alerts", "for programmes you coordinate: requests to join a set, sets at risk"),
)
GROUP_IDS: tuple[str, ...] = tuple(g.id for g in GROUPS)

#: Roles that coordinate programmes (an admin can coordinate any), so hear of coordinator alerts.
COORDINATING_ROLES: frozenset[str] = frozenset({"coordinator", "admin"})


def groups_for(roles: frozenset[str] | set[str] | tuple[str, ...]) -> tuple[NoticeGroup, ...]:
    """The groups a person with ``roles`` chooses for: coordinator alerts only for those who coordinate.

    >>> [g.id for g in groups_for({"assessor"})][-1], [g.id for g in groups_for({"assessor", "coordinator"})][-1]
    ('questionnaires', 'coordinator')
    """
    coordinates = bool(COORDINATING_ROLES & set(roles))
    return tuple(g for g in GROUPS if g.id != "coordinator" or coordinates)

# A kind belongs to the group of the longest of these prefixes it starts with (``set_at_risk`` before ``set``).
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("meeting", "meetings"),
    ("rota", "meetings"),
    ("turn", "meetings"),
    ("contact", "contacts"),
    ("questionnaire", "questionnaires"),
    ("set_at_risk", "coordinator"),
    ("health", "coordinator"),
    ("coordinator", "coordinator"),
    ("join", "sets"),
    ("placed", "sets"),
    ("left", "sets"),
    ("set", "sets"),
    ("programme", "sets"),
)


def group_of(kind: str, *, to_account_only: bool = False) -> str:
    """The group a notice of ``kind`` belongs to.

    ``to_account_only``: the notice is addressed to a user account and not to an assessor, which
    is how coordinators are told of their programmes: those read as coordinator alerts. A kind no
    prefix knows counts with sets (or coordinator alerts), so a new kind is never left unchosen.
    """
    matches = [(len(prefix), group) for prefix, group in _PREFIXES if kind.startswith(prefix)]
    group = max(matches)[1] if matches else "sets"
    if to_account_only and group == "sets":
        return "coordinator"
    return group


def choice_problem(group: str, choice: str) -> str | None:
    """Why ``choice`` for ``group`` cannot be stored, in words; ``None`` if it can."""
    if group not in GROUP_IDS:
        return f"is not a group of notices; the groups are {', '.join(GROUP_IDS)}"
    if choice not in CHOICES:
        return f"must be one of {', '.join(CHOICES)}, got {choice!r}"
    return None


def resolved(chosen: Mapping[str, str]) -> dict[str, str]:
    """Every group's choice: the ones chosen, :data:`DEFAULT_CHOICE` for the rest (in :data:`GROUPS` order)."""
    return {g: chosen.get(g, DEFAULT_CHOICE) if chosen.get(g) in CHOICES else DEFAULT_CHOICE for g in GROUP_IDS}


# -- trying again -------------------------------------------------------------------------------------

#: Sending attempts before a notice's e-mail is given up (it stays on Bridgework, marked failed).
MAX_ATTEMPTS = 8

#: Wait before the first retry, doubled after each further failure, never longer than :data:`MAX_RETRY_DELAY`.
FIRST_RETRY_DELAY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=6)


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after the ``attempts``-th failed try (1, 2, 4 ... minutes, at most 6 hours); ``None``: give up.

    >>> retry_delay(1), retry_delay(3), retry_delay(8)
    (datetime.timedelta(seconds=60), datetime.timedelta(seconds=240), None)
    """
    if attempts >= MAX_ATTEMPTS:
        return None
    return min(FIRST_RETRY_DELAY * (2 ** max(0, attempts - 1)), MAX_RETRY_DELAY)
