"""Views kept ready: suggestions and reach figures computed once and reused until something they depend on changes.

An assessor's ranked suggestions and an organisation's reach figures are the costly reads of the
site (tens of milliseconds on Neo4j, every visit). :func:`kept` answers from the store's kept view
(:mod:`graph.port_views`) when it is current, and otherwise computes, answers and keeps the new
view after the request's read unit (:meth:`~graph.port.GraphStore.after_commit`), in its own small
write transaction.

Current means two things. Every scope the view depends on is at the version it was computed at:
the dispatcher (:func:`scopes_for`, called by :mod:`api.services.dispatch` in the use case's own
unit of work) raises the versions of the scopes an event touches, so once a change commits no app
server shows a view from before it. And the view is younger than :data:`MAX_AGE`, which bounds how
long a change no event names (another person's themes, a tie two hops away) can go unseen.

The scopes:

* ``consent``: everything that shows people. Raised when someone pauses or resumes, becomes
  findable or not, is made inactive or active, or is erased: no list shown after such a change
  was computed before it.
* ``person:<assessor id>``: that person's own suggestions; raised by their profile changes, their
  contact requests, acceptances and refusals ("not for me", a declined request) and set placements.
* ``ties``: reach figures of every organisation; raised when a tie appears or ends (a contact
  accepted, a set committed, filled, joined or left) or someone changes employer.

An import raises ``consent`` and ``ties``: it may change anyone.

The store is where the views live, not a process-local cache, so every app server shares them
and a change made through one is seen through all (see the README).

The kept text is JSON written by :func:`encode`: the engine's frozen dataclasses by class name
(only classes of :mod:`network` are read back), tuples, dates and datetimes.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from api.services.usecase import use_case
from graph.port import GraphStore, StoreError
from network import events as ev

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Longest a kept view is used, whatever changed meanwhile that no event names.
MAX_AGE = timedelta(minutes=10)

CONSENT = "consent"
TIES = "ties"

#: Profile fields whose change alters who may be shown to anyone.
CONSENT_FIELDS = frozenset({"paused", "paused_until", "discoverable", "active"})


def person(assessor_id: str) -> str:
    """The scope of one assessor's own suggestions."""
    return f"person:{assessor_id}"


def now() -> datetime:
    return datetime.now(UTC)


def kept(store: GraphStore, key: str, scopes: Sequence[str], compute: Callable[[], T], *, max_age: timedelta = MAX_AGE) -> T:
    """The value kept under ``key`` if it is current (see the module docstring), else ``compute()`` (kept for next time)."""
    lookup = store.look_up_view(key, scopes)  # the versions are read before anything is computed
    at = now()
    if lookup.current and lookup.kept is not None and timedelta(0) <= at - lookup.kept.made_at <= max_age:
        try:
            return decode(lookup.kept.value)  # type: ignore[no-any-return]
        except (ValueError, TypeError, KeyError):
            log.warning("kept view %s could not be read; computing it again", key)
    value = compute()
    text = encode(value)
    store.after_commit(lambda: _keep_quietly(store, key, text, lookup.versions, at))
    return value


def _keep_quietly(store: GraphStore, key: str, text: str, versions: dict[str, int], at: datetime) -> None:
    try:
        keep(store, key, text, versions, at)
    except StoreError as exc:  # two servers keeping the same view at once: either one will do
        log.info("view %s not kept (%s)", key, exc)


@use_case
def keep(store: GraphStore, key: str, text: str, versions: dict[str, int], made_at: datetime) -> None:
    """Keep a computed view (its own small unit of work, after the request that computed it)."""
    store.keep_view(key, text, versions, made_at)


# -- what events make stale --------------------------------------------------------------------


def scopes_for(events: Iterable[ev.Event]) -> list[str]:
    """The scopes whose kept views the events make stale, each once, in a fixed order."""
    found: set[str] = set()
    for e in events:
        if isinstance(e, ev.ProfileChanged):
            found.add(person(e.assessor_id))
            if CONSENT_FIELDS & set(e.fields):
                found.add(CONSENT)
            if "employer" in e.fields:
                found.add(TIES)
        elif isinstance(e, ev.Imported):
            found.update((CONSENT, TIES))
        elif isinstance(e, ev.Erased):
            found.update((CONSENT, TIES, person(e.assessor_id)))
        elif isinstance(e, ev.TurnedDown):
            found.update((person(e.assessor_id), person(e.other_id)))
        elif isinstance(e, ev.ContactRequested):
            found.update((person(e.from_id), person(e.to_id)))
        elif isinstance(e, ev.ContactAccepted):
            found.update((person(e.by_id), person(e.requester_id), TIES))
        elif isinstance(e, ev.PlacedInSet):
            found.update((TIES, *(person(a) for a in e.assessor_ids)))
        elif isinstance(e, ev.LeftSet):
            found.update((TIES, person(e.assessor_id)))
    return sorted(found)


def changed(store: GraphStore, events: Sequence[ev.Event]) -> None:
    """Raise the versions of the scopes the events touch, in the running unit of work (a dispatcher)."""
    scopes = scopes_for(events)
    if scopes:
        store.bump_views(scopes)


# -- the kept text -----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$dc": f"{cls.__module__}:{cls.__qualname__}", "f": fields}
    if isinstance(value, tuple):
        return {"$t": [_plain(v) for v in value]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {"$d": [[_plain(k), _plain(v)] for k, v in value.items()]}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot keep a {type(value).__name__}")


def encode(value: Any) -> str:
    """``value`` (dataclasses of :mod:`network`, tuples, lists, dicts, dates, plain values) as JSON text."""
    return json.dumps(_plain(value), separators=(",", ":"))


def _class(name: str) -> type:
    module, _, qualname = name.partition(":")
    if module != "network" and not module.startswith("network."):
        raise ValueError(f"a kept view names {name!r}, not a class of network/")
    found = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    if not (isinstance(found, type) and dataclasses.is_dataclass(found)):
        raise ValueError(f"{name!r} is not a dataclass")
    return found


def _back(value: Any) -> Any:
    if isinstance(value, list):
        return [_back(v) for v in value]
    if isinstance(value, dict):
        if "$dc" in value:
            return _class(value["$dc"])(**{k: _back(v) for k, v in value["f"].items()})
        if "$t" in value:
            return tuple(_back(v) for v in value["$t"])
        if "$d" in value:
            return {_back(k): _back(v) for k, v in value["$d"]}
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        raise ValueError("an unknown object in a kept view")
    return value


def decode(text: str) -> Any:
    """The value :func:`encode` wrote."""
    return _back(json.loads(text))
