"""The network's catalogue: organisations and practice themes, added, changed and removed by admins.

Each function is one use case (:func:`api.services.usecase.use_case`): the change and its audit entry
(``organisation:create|update|delete``, ``theme:create|update|delete``; ids and field names only)
commit in one transaction or not at all. The JSON API (``api/v1/resources.py``) and the admin pages
(``web/admin.py``) call the same functions; the store's errors come through unchanged
(:class:`~graph.port.Conflict` for an id that exists or an organisation people still work for,
:class:`~graph.port.NotFound` for a missing one, :class:`~network.domain.InvalidValue` for a bad value),
so each door answers them as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from api.services import accounts
from api.services.usecase import use_case
from graph.port import GraphStore
from network.domain import Organisation, Theme


def _changed_fields(before: Any, after: Any) -> list[str]:
    """The names of the dataclass fields whose values differ (after the domain's own normalising)."""
    return sorted(f.name for f in dataclasses.fields(before) if getattr(before, f.name) != getattr(after, f.name))


# -- organisations --------------------------------------------------------------------------


@use_case
def create_organisation(store: GraphStore, organisation: Organisation, *, actor_id: str | None) -> Organisation:
    """Store a new organisation, audited as ``organisation:create``; :class:`Conflict` if the id exists."""
    created = store.create_organisation(organisation)
    accounts.audit(store, "organisation:create", "organisation", created.id, actor_id)
    return created


@use_case
def update_organisation(store: GraphStore, organisation_id: str, changes: Mapping[str, Any], *, actor_id: str | None) -> Organisation:
    """Change an organisation's name, kind or region (``changes``: only those), audited as ``organisation:update``.

    The whole record is checked first (:class:`InvalidValue` naming the field, nothing written), then
    only the fields named in ``changes`` are written (:meth:`~graph.port.GraphStore.update_organisation_fields`):
    a concurrent change of another field stays, and for the same field the last write wins. A change
    that leaves everything as it was writes nothing and is not audited. :class:`NotFound` if missing.
    """
    current = store.get_organisation(organisation_id)
    fields = _changed_fields(current, dataclasses.replace(current, **changes))
    if not fields:
        return current
    updated = store.update_organisation_fields(organisation_id, changes)
    accounts.audit(store, "organisation:update", "organisation", organisation_id, actor_id, {"fields": fields})
    return updated


@use_case
def delete_organisation(store: GraphStore, organisation_id: str, *, actor_id: str | None) -> None:
    """Delete an organisation nobody works for, audited as ``organisation:delete``; :class:`Conflict` while assessors do."""
    store.delete_organisation(organisation_id)
    accounts.audit(store, "organisation:delete", "organisation", organisation_id, actor_id)


# -- themes -----------------------------------------------------------------------------------


@use_case
def create_theme(store: GraphStore, theme: Theme, *, actor_id: str | None) -> Theme:
    """Store a new practice theme, audited as ``theme:create``; :class:`Conflict` if the id exists."""
    created = store.create_theme(theme)
    accounts.audit(store, "theme:create", "theme", created.id, actor_id)
    return created


@use_case
def update_theme(store: GraphStore, theme_id: str, changes: Mapping[str, Any], *, actor_id: str | None) -> Theme:
    """Change a theme's name or framework (``changes``: only those), audited as ``theme:update`` with the changed names.

    Checked whole first, then only the named fields are written (:meth:`~graph.port.GraphStore.update_theme_fields`),
    as for :func:`update_organisation`. A change that leaves everything as it was writes nothing and is not audited.
    """
    current = store.get_theme(theme_id)
    fields = _changed_fields(current, dataclasses.replace(current, **changes))
    if not fields:
        return current
    updated = store.update_theme_fields(theme_id, changes)
    accounts.audit(store, "theme:update", "theme", theme_id, actor_id, {"fields": fields})
    return updated


@use_case
def delete_theme(store: GraphStore, theme_id: str, *, actor_id: str | None) -> None:
    """Delete a theme and every assessor's link to it, audited as ``theme:delete``; :class:`NotFound` if missing."""
    store.delete_theme(theme_id)
    accounts.audit(store, "theme:delete", "theme", theme_id, actor_id)
