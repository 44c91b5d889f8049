"""What both adapters of the sets area share: how a programme's optional settings are stored, and the rule messages.

Kept out of the adapters so the embedded and Neo4j stores cannot word a refusal differently.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from graph.values import Invalid
from network import availability, words
from network.domain import SET_STATUSES, InvalidValue, Programme

if TYPE_CHECKING:
    from graph.port_sets import NewSet

#: Fields of :class:`~network.domain.Programme` stored as columns/properties of their own.
PROGRAMME_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "region",
    "status",
    "set_size_min",
    "set_size_max",
    "set_size_target",
    "cadence",
    "meetings",
    "max_per_organisation",
    "require_common_slot",
)


def programme_values(p: Programme) -> dict[str, Any]:
    """The programme as plain values: its columns, ``starts_on`` and a JSON ``settings`` text (weights, region mode and the rest)."""
    values = {f: getattr(p, f) for f in PROGRAMME_FIELDS}
    values["starts_on"] = p.starts_on
    settings: dict[str, Any] = {"weights": dict(p.weights), "region_mode": p.region_mode, "join_policy": p.join_policy}
    if p.steps is not None:  # issue 22: formation's step budget and priority (absent: the defaults, as before)
        settings["steps"] = p.steps
    if p.priority != "isolated":
        settings["priority"] = p.priority
    values["settings"] = json.dumps(settings, separators=(",", ":"), sort_keys=True)
    return values


def programme_from(values: dict[str, Any]) -> Programme:
    """The inverse of :func:`programme_values` (``starts_on`` already a ``date`` or ``None``)."""
    fields = {f: values[f] for f in PROGRAMME_FIELDS if values.get(f) is not None}
    fields["require_common_slot"] = bool(values["require_common_slot"])
    settings = json.loads(values.get("settings") or "{}")
    return Programme(
        **fields,
        starts_on=values.get("starts_on"),
        weights=tuple(sorted(settings.get("weights", {}).items())),
        region_mode=settings.get("region_mode", "mix"),
        join_policy=settings.get("join_policy", "coordinator"),
        steps=settings.get("steps"),
        priority=settings.get("priority", "isolated"),
    )


def check_status(status: str) -> str:
    """``status`` if it is a set status, else :class:`Invalid`."""
    if status not in SET_STATUSES:
        raise Invalid(f"status must be one of {', '.join(SET_STATUSES)}, got {status!r}")
    return status


def check_left(joined: date, left: date) -> None:
    """:class:`Invalid` when a membership would end before it began."""
    if left < joined:
        raise Invalid(f"left ({left.isoformat()}) is before joined ({joined.isoformat()})")


def check_member_ids(member_ids: list[str]) -> None:
    """:class:`Invalid` when someone is listed twice across the sets of one commit."""
    seen: set[str] = set()
    twice = sorted({m for m in member_ids if m in seen or seen.add(m)})  # type: ignore[func-returns-value]
    if twice:
        raise Invalid(f"listed in more than one set: {', '.join(twice)}")


def check_new_sets(programme_id: str, sets: Sequence[NewSet]) -> list[str]:
    """The member ids of a commit; :class:`Invalid` for someone listed twice, a set of another programme or a repeated set id."""
    member_ids = [m for s in sets for m in s.member_ids]
    check_member_ids(member_ids)
    for s in sets:
        if s.set.programme_id != programme_id:
            raise Invalid(f"set {s.set.id} belongs to programme {s.set.programme_id!r}, not {programme_id!r}")
    set_ids = [s.set.id for s in sets]
    if len(set(set_ids)) != len(set_ids):
        raise Invalid("a set id is used twice")
    return member_ids


def invalid_value(exc: InvalidValue) -> Invalid:
    """A domain validation error as the port's :class:`Invalid`."""
    return Invalid(str(exc))


def commit_problems(rows: list[dict[str, Any]], programme_id: str) -> list[str]:
    """Why each member of a commit can no longer be placed, from what the store read inside the transaction.

    Each row has ``id``, ``active``, ``capacity``, ``active_sets``, ``enrolled`` and
    ``set_in_programme`` (a current set of this programme, or ``None``).
    """
    problems = []
    for r in sorted(rows, key=lambda r: r["id"]):
        who = r["id"]
        if not r["enrolled"]:
            problems.append(f"{who} is no longer enrolled in programme {programme_id}")
        if not r["active"]:
            problems.append(f"{who} is no longer active")
        if r["set_in_programme"] is not None:
            problems.append(f"{who} is already in another set of this programme")
        elif r["active_sets"] >= r["capacity"]:
            problems.append(f"{who} is at capacity ({r['active_sets']} of {r['capacity']} active sets)")
    return problems


def add_member_problem(r: dict[str, Any]) -> str | None:
    """Why ``assessor`` cannot join ``set`` now (the first rule broken), or ``None``.

    ``r`` holds what the store read inside the transaction: ``set_id``, ``assessor_id``,
    ``set_status``, ``already`` (joined date of an existing membership or ``None``),
    ``active``, ``capacity``, ``active_sets``, ``set_in_programme``, ``slot``, ``available``,
    ``organisation_id``, ``same_org``, ``max_per_organisation``, ``size``, ``size_max``.
    """
    who, where = r["assessor_id"], r["set_id"]
    if r["set_status"] == "closed":
        return f"set {where} is closed"
    if r["already"] is not None:
        return f"{who} is or was already a member of set {where}"
    if not r["active"]:
        return f"{who} is not active"
    if r["set_in_programme"] is not None:
        return f"{who} is already in another set of this programme"
    if r["active_sets"] >= r["capacity"]:
        return f"{who} is at capacity ({r['active_sets']} of {r['capacity']} active sets)"
    if r["slot"] is not None and not r["available"]:
        return f"{who} is not free {availability.describe_slot(r['slot'])}, when the set meets"
    if r["organisation_id"] is not None and r["max_per_organisation"] is not None and r["same_org"] >= r["max_per_organisation"]:
        same, limit = words.count(r["same_org"], "member"), r["max_per_organisation"]
        return f"set {where} already has {same} from the same organisation (at most {limit})"
    if r["size_max"] is not None and r["size"] >= r["size_max"]:
        return f"set {where} is full ({r['size']} of at most {r['size_max']} members)"
    return None
