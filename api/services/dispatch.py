"""The one dispatcher: what a use case's domain events cause, written in the use case's own unit of work.

Registered with :func:`api.services.usecase.register_dispatcher` when :mod:`api.services` is
imported, so every use case's events pass through it before the use case commits:

* **notices** for exactly the people concerned (:func:`api.services.notices.notices_for` says
  who), stored by reference with :func:`api.services.notify.notify`; they are delivered by the
  notifier only once the unit has committed. A notice that cannot be stored undoes the change
  (nobody is told of a change that did not happen, and no change goes untold).
* **the rota**: when people join or leave a set (:class:`~network.events.PlacedInSet` by fill or
  join, :class:`~network.events.LeftSet`), the turns of its coming meetings are shared out again
  (:func:`api.services.meetings.membership_changed`). A committed set is new: its meetings are
  planned with it when first needed. This is how the sets and joins services change the rota
  without importing the meetings service.
* **kept views**: the versions of the suggestions and reach views the events touch are raised
  (:func:`api.services.views.changed`) in the same unit, so no view from before the change is
  shown once it has committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from api.services import live, meetings, notices, notify, views
from api.services.usecase import register_dispatcher
from graph.port import GraphStore
from network import events as ev
from network.domain import today


def _replans(events: Sequence[ev.Event]) -> list[tuple[str, date]]:
    """(set id, day) of each set whose membership the events changed, once per set (the earliest day)."""
    days: dict[str, date] = {}
    for e in events:
        if isinstance(e, ev.PlacedInSet) and e.how == "join":
            day = e.on or today()  # the day the join was decided (the joins service's ``today``)
        elif (isinstance(e, ev.PlacedInSet) and e.how == "fill") or isinstance(e, ev.LeftSet):
            day = today()  # from today: meetings already past keep their turns whatever date the change carries
        else:
            continue
        days[e.set_id] = min(days.get(e.set_id, day), day)
    return sorted(days.items())


def dispatch(store: GraphStore, events: Sequence[ev.Event]) -> None:
    """Write what the events cause (see the module docstring) in the running unit of work."""
    for set_id, day in _replans(events):
        meetings.membership_changed(store, set_id, day)
    told = notices.notices_for(store, events)
    if told:
        notify.notify(store, told)
    views.changed(store, events)  # the kept suggestions and reach figures these events make stale
    live.forget_erased(store, events)  # an erased facilitator's private notes to self go with them


register_dispatcher(dispatch)
