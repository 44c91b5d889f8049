"""The network's people: onboarding an assessor, their practice themes, their employer, and bulk imports.

Each function is one use case (:func:`api.services.usecase.use_case`): its writes and its audit entry
(``assessor:create``, ``assessor:themes``, ``assessor:employer``, ``import``; ids and counts only, since
the log outlives erasures) commit in one transaction or not at all. The JSON API, the pages, the CLI
(``bridgework import``, ``demo``, ``serve --demo``) and the onboarding job call these same functions.
Profile field edits are not here (see the profile use cases).

The store's errors come through unchanged (:class:`~graph.port.NotFound`, :class:`~graph.port.Conflict`,
:class:`~graph.port.Invalid`), except where a use case words them for the field a person gave.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from api.services import accounts
from api.services.usecase import record, use_case
from graph.port import GraphStore, Invalid, UpsertReport
from network.bundle import Bundle
from network.domain import Assessor, Employment, InvalidValue, ThemeLink, today
from network.events import Imported, ProfileChanged


@use_case
def create_assessor(
    store: GraphStore,
    assessor: Assessor,
    *,
    organisation_id: str | None,
    themes: Iterable[tuple[str, str]] = (),
    actor_id: str | None,
) -> Assessor:
    """Onboard an assessor with their employer (from today) and themes (``(theme_id, level)``), audited as ``assessor:create``.

    All of it lands together or nothing does: :class:`NotFound` for a missing organisation (checked
    first), :class:`Conflict` if the id exists (an existing assessor is never overwritten),
    :class:`InvalidValue` on ``themes`` for an unknown theme.
    """
    themes = list(themes)
    if organisation_id is not None:
        store.get_organisation(organisation_id)  # a clear 404 before anything is written
    created = store.create_assessor(assessor)
    links = Bundle(
        employments=[] if organisation_id is None else [Employment(assessor_id=created.id, organisation_id=organisation_id, since=today())],
        theme_links=[ThemeLink(assessor_id=created.id, theme_id=theme_id, level=level) for theme_id, level in themes],
    )
    if len(links):
        try:
            store.bulk_upsert(links)
        except Invalid as exc:
            raise InvalidValue("themes", str(exc)) from None
    details = {"organisation_id": organisation_id, "themes": sorted(theme_id for theme_id, _ in themes)}
    accounts.audit(store, "assessor:create", "assessor", created.id, actor_id, details)
    return created


@use_case
def set_theme(store: GraphStore, assessor_id: str, theme_id: str, level: str, *, actor_id: str | None) -> ThemeLink:
    """Add a theme to the assessor or change its level, audited as ``assessor:themes``; :class:`NotFound` if either is missing."""
    link = store.set_theme(assessor_id, theme_id, level)
    accounts.audit(store, "assessor:themes", "assessor", assessor_id, actor_id, {"theme_id": theme_id, "level": level})
    record(ProfileChanged(actor_id, assessor_id, ("themes",)))
    return link


@use_case
def remove_theme(store: GraphStore, assessor_id: str, theme_id: str, *, actor_id: str | None) -> None:
    """Remove a theme from the assessor, audited as ``assessor:themes``; :class:`NotFound` if they had no such theme."""
    store.remove_theme(assessor_id, theme_id)
    accounts.audit(store, "assessor:themes", "assessor", assessor_id, actor_id, {"theme_id": theme_id, "level": None})
    record(ProfileChanged(actor_id, assessor_id, ("themes",)))


@use_case
def set_employer(
    store: GraphStore, assessor_id: str, organisation_id: str | None, *, since: date | None = None, actor_id: str | None
) -> Employment | None:
    """Make the assessor work for ``organisation_id`` from ``since`` (default today), or for nobody (``None``).

    Audited as ``assessor:employer`` with the organisation before and after. :class:`NotFound` if the
    assessor or the organisation is missing.
    """
    before = store.get_employment(assessor_id)
    if organisation_id is None:
        store.clear_employer(assessor_id)
        employment = None
    else:
        employment = store.set_employer(assessor_id, organisation_id, since or today())
    details = {
        "from": None if before is None else before.organisation_id,
        "to": organisation_id,
        "since": None if employment is None or employment.since is None else employment.since.isoformat(),
    }
    accounts.audit(store, "assessor:employer", "assessor", assessor_id, actor_id, details)
    record(ProfileChanged(actor_id, assessor_id, ("employer",)))  # reach figures change with the ties it moves
    return employment


@use_case
def import_chunks(
    store: GraphStore,
    chunks: Callable[[], Iterable[Bundle]],
    *,
    actor_id: str | None,
    target_kind: str,
    target_id: str,
    details: Mapping[str, Any] | None = None,
) -> UpsertReport:
    """Write checked rows given in chunks (a streamed CSV directory), all of them or none, audited as ``import``.

    Like :func:`import_bundle`, for imports too large to hold at once: ``chunks()`` yields the
    bundles (and is called again if the write is retried); one chunk is in memory at a time.
    """
    report = store.bulk_upsert_chunks(chunks)
    if report.changed:
        record(Imported(actor_id, target_id))  # anyone may have changed: kept suggestions and reach are refreshed
        counts = {
            kind: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged} for kind, c in report.counts.items() if c.total
        }
        accounts.audit(store, "import", target_kind, target_id, actor_id, {**(details or {}), "rows": report.rows, "counts": counts})
    return report


@use_case
def import_bundle(
    store: GraphStore,
    bundle: Bundle,
    *,
    actor_id: str | None,
    target_kind: str,
    target_id: str,
    details: Mapping[str, Any] | None = None,
) -> UpsertReport:
    """Write a checked bundle (organisations, themes, assessors and their ties) all at once, audited as ``import``.

    Used by ``bridgework import`` (``target_kind`` ``directory``), the demo loader (``demo``) and the
    onboarding job (``organisation``). The audit entry names the target, holds ``details`` plus the
    rows and the per-kind counts; an import that changed nothing is not audited. :class:`Invalid`
    (and nothing written) if a row names something that is not there.
    """
    report = store.bulk_upsert(bundle)
    if report.changed:
        record(Imported(actor_id, target_id))  # anyone may have changed: kept suggestions and reach are refreshed
        counts = {
            kind: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged} for kind, c in report.counts.items() if c.total
        }
        entry = {**(details or {}), "rows": len(bundle), "counts": counts}
        accounts.audit(store, "import", target_kind, target_id, actor_id, entry)
    return report
