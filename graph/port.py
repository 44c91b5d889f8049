"""The one port to the graph: ``GraphStore``, its errors and the plain values it returns.

Every adapter (Neo4j, embedded SQLite) implements :class:`GraphStore` and raises
only the four errors below, so callers never see a driver or ``sqlite3`` exception.
Nothing a store returns is a driver object: only the dataclasses of
:mod:`network.domain` and the small records defined here.

Semantics every adapter keeps (the contract suite in ``tests/graph`` checks them):

* ids are unique per label; creating an existing id raises :class:`Conflict`;
  reading, updating or deleting a missing id raises :class:`NotFound`.
* listings are keyset-paginated in ascending ``id`` order: pass the page's
  ``next_after`` back as ``after`` to get the next page; ``next_after`` is
  ``None`` on the last page.
* every public method is one transaction: all of it happens or none of it.
* inside :meth:`GraphStore.unit_of_work` every method called on the same thread joins
  that one transaction instead (each method still all-or-nothing within it); the
  block's writes commit together when it ends, or none of them if it raises.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from graph.port_accounts import AccountsPort
from graph.port_delivery import DeliveryPort
from graph.port_jobs import JobsPort
from graph.port_joins import JoinsPort
from graph.port_live import LivePort
from graph.port_meetings import MeetingsPort
from graph.port_outcomes import OutcomesPort
from graph.port_reach import ReachPort
from graph.port_sessions import SessionsPort
from graph.port_sets import SetsPort
from graph.port_suggestions import SuggestionsPort
from graph.port_views import ViewsPort
from graph.values import (
    LABELS,
    MAX_PAGE,
    Conflict,
    Declined,
    Invalid,
    KindCounts,
    Label,
    NotFound,
    Page,
    StoreError,
    Transient,
    Unavailable,
    UpsertReport,
    clamp_limit,
)
from network.bundle import Bundle
from network.domain import Assessor, Contact, Employment, Organisation, Theme, ThemeLink

__all__ = [
    "LABELS",
    "MAX_PAGE",
    "AccountsPort",
    "Conflict",
    "Declined",
    "GraphStore",
    "Invalid",
    "KindCounts",
    "Label",
    "NotFound",
    "Page",
    "ReachPort",
    "SetsPort",
    "StoreError",
    "SuggestionsPort",
    "Transient",
    "Unavailable",
    "UpsertReport",
    "clamp_limit",
]


class GraphStore(
    SetsPort,
    SuggestionsPort,
    ReachPort,
    AccountsPort,
    SessionsPort,
    MeetingsPort,
    OutcomesPort,
    JoinsPort,
    JobsPort,
    DeliveryPort,
    ViewsPort,
    LivePort,
    ABC,
):
    """The graph of organisations, assessors, themes and their ties, behind one interface.

    The core (nodes, employment, themes, contacts, bulk import) is declared here; each
    further capability is declared by its own area port (sets and programmes,
    suggestions, reach, accounts) in ``graph/port_<area>.py`` and implemented by a
    matching mixin in each adapter.
    """

    #: Short name of the adapter, e.g. ``"neo4j"`` or ``"embedded"``.
    kind: str = "abstract"

    # -- lifetime ---------------------------------------------------------

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create constraints and indexes; running it again is harmless."""

    @abstractmethod
    def unit_of_work(self, write: bool = True) -> AbstractContextManager[None]:
        """One transaction that every store call made in the block (on this thread) joins.

        Commits when the block ends, rolls everything back if it raises. A unit opened
        inside another joins the outer one. A write the store refuses inside the unit
        (:class:`Conflict`, :class:`Invalid`, ...; not :class:`NotFound`) ends it: the
        block can only roll back, so decide such cases before or outside the unit. :class:`Transient` means a concurrent
        transaction clashed with this one and the whole block may be run again.
        Callbacks given to :meth:`after_commit` inside the block run once it committed.
        """

    @abstractmethod
    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current unit of work has committed (at once outside a unit)."""

    @abstractmethod
    def in_unit_of_work(self) -> bool:
        """Whether this thread is inside a unit of work of this store."""

    @abstractmethod
    def on_transaction(self, hook: Callable[[bool], None]) -> Callable[[], None]:
        """Call ``hook(write)`` whenever the store begins a transaction (not for calls joining a unit of work); returns a remover."""

    @abstractmethod
    def ping(self) -> None:
        """Return if the store answers a trivial query, else raise :class:`Unavailable`."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards. Closing twice is harmless."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- organisations ----------------------------------------------------

    @abstractmethod
    def create_organisation(self, org: Organisation) -> Organisation:
        """Store a new organisation; :class:`Conflict` if the id exists."""

    @abstractmethod
    def get_organisation(self, org_id: str) -> Organisation:
        """The organisation with this id; :class:`NotFound` if none."""

    @abstractmethod
    def update_organisation(self, org: Organisation) -> Organisation:
        """Replace an organisation's properties; :class:`NotFound` if none."""

    @abstractmethod
    def update_organisation_fields(self, org_id: str, changes: Mapping[str, Any]) -> Organisation:
        """Change some of an organisation's fields (name, kind, region).

        Only the named fields change. In one transaction the organisation is locked and read, the
        changes are applied and the whole record is checked by the domain, and only the fields
        whose value differs are written: a concurrent change of other fields is never undone, and
        for the same field the last write wins. :class:`NotFound` if none; :class:`Invalid` (the
        message starts with the field's name, nothing written) for ``id``, an unknown field or a
        value the merged record refuses. Returns the organisation as now stored.
        """

    @abstractmethod
    def delete_organisation(self, org_id: str) -> None:
        """Delete an organisation; :class:`NotFound` if none, :class:`Conflict` while assessors work for it."""

    @abstractmethod
    def list_organisations(self, limit: int = 50, after: str | None = None) -> Page[Organisation]:
        """Organisations in id order, ``limit`` at a time (capped at :data:`MAX_PAGE`)."""

    # -- themes -----------------------------------------------------------

    @abstractmethod
    def create_theme(self, theme: Theme) -> Theme:
        """Store a new theme; :class:`Conflict` if the id exists."""

    @abstractmethod
    def get_theme(self, theme_id: str) -> Theme:
        """The theme with this id; :class:`NotFound` if none."""

    @abstractmethod
    def update_theme(self, theme: Theme) -> Theme:
        """Replace a theme's properties; :class:`NotFound` if none."""

    @abstractmethod
    def update_theme_fields(self, theme_id: str, changes: Mapping[str, Any]) -> Theme:
        """Change some of a theme's fields (name, framework).

        Only the named fields change. In one transaction the theme is locked and read, the
        changes are applied and the whole record is checked by the domain, and only the fields
        whose value differs are written: a concurrent change of other fields is never undone, and
        for the same field the last write wins. :class:`NotFound` if none; :class:`Invalid` (the
        message starts with the field's name, nothing written) for ``id``, an unknown field or a
        value the merged record refuses. Returns the theme as now stored.
        """

    @abstractmethod
    def delete_theme(self, theme_id: str) -> None:
        """Delete a theme and every WORKS_ON link to it; :class:`NotFound` if none."""

    @abstractmethod
    def list_themes(self, limit: int = 50, after: str | None = None) -> Page[Theme]:
        """Themes in id order, ``limit`` at a time (capped at :data:`MAX_PAGE`)."""

    # -- assessors --------------------------------------------------------

    @abstractmethod
    def create_assessor(self, assessor: Assessor) -> Assessor:
        """Store a new assessor; :class:`Conflict` if the id exists."""

    @abstractmethod
    def get_assessor(self, assessor_id: str) -> Assessor:
        """The assessor with this id; :class:`NotFound` if none."""

    @abstractmethod
    def update_assessor(self, assessor: Assessor) -> Assessor:
        """Replace an assessor's properties (not their ties); :class:`NotFound` if none."""

    @abstractmethod
    def update_assessor_fields(self, assessor_id: str, changes: Mapping[str, Any]) -> Assessor:
        """Change some of an assessor's profile fields (not their ties).

        Only the named fields change. In one transaction the assessor is locked and read, the
        changes are applied and the whole record is checked by the domain, and only the fields
        whose value differs are written: a concurrent change of other fields is never undone, and
        for the same field the last write wins. :class:`NotFound` if none; :class:`Invalid` (the
        message starts with the field's name, nothing written) for ``id``, an unknown field or a
        value the merged record refuses. Returns the assessor as now stored.
        """

    @abstractmethod
    def delete_assessor(self, assessor_id: str) -> None:
        """Delete an assessor with all their ties (employment, themes, contacts, declines); :class:`NotFound` if none."""

    @abstractmethod
    def list_assessors(self, limit: int = 50, after: str | None = None, organisation_id: str | None = None) -> Page[Assessor]:
        """Assessors in id order, optionally only those working for one organisation."""

    @abstractmethod
    def find_assessors(
        self,
        text: str | None = None,
        organisation_ids: Sequence[str] | None = None,
        region: str | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> Page[Assessor]:
        """Assessors in id order whose name or email contains ``text`` (case-insensitive, as given in lower case),
        working for one of ``organisation_ids`` (``None``: anyone, employed or not) and in ``region`` (their own,
        else their organisation's). Every part is optional."""

    # -- WORKS_FOR --------------------------------------------------------

    @abstractmethod
    def set_employer(self, assessor_id: str, organisation_id: str, since: date | None = None) -> Employment:
        """Make the assessor work for the organisation, replacing any earlier employer; :class:`NotFound` if either is missing."""

    @abstractmethod
    def get_employment(self, assessor_id: str) -> Employment | None:
        """The assessor's employment, or ``None``; :class:`NotFound` if the assessor is missing."""

    @abstractmethod
    def clear_employer(self, assessor_id: str) -> None:
        """Remove the assessor's employment if any; :class:`NotFound` if the assessor is missing."""

    # -- WORKS_ON ---------------------------------------------------------

    @abstractmethod
    def set_theme(self, assessor_id: str, theme_id: str, level: str) -> ThemeLink:
        """Add or re-level the assessor's link to a theme; :class:`NotFound` if either is missing."""

    @abstractmethod
    def remove_theme(self, assessor_id: str, theme_id: str) -> None:
        """Remove the link; :class:`NotFound` if the assessor, the theme or the link is missing."""

    @abstractmethod
    def theme_links(self, assessor_id: str) -> list[ThemeLink]:
        """The assessor's theme links in theme-id order; :class:`NotFound` if the assessor is missing."""

    # -- contacts ---------------------------------------------------------

    @abstractmethod
    def request_contact(self, from_id: str, to_id: str, via: str | None = None, on: date | None = None) -> Contact:
        """Ask ``to_id`` to connect with ``from_id`` (status ``requested``, ``since`` = ``on`` or today).

        :class:`NotFound` if either assessor is missing; :class:`Invalid` for oneself;
        :class:`Conflict` if a contact exists either way (requested or accepted) or
        either has declined the other.
        """

    @abstractmethod
    def accept_contact(self, from_id: str, to_id: str, on: date | None = None) -> Contact:
        """``to_id`` accepts the pending request from ``from_id``; ``since`` becomes ``on`` or today.

        :class:`NotFound` if there is no such pending request; :class:`Conflict` if it is already accepted.
        """

    @abstractmethod
    def decline_contact(self, from_id: str, to_id: str, on: date | None = None) -> Declined:
        """``to_id`` declines the pending request from ``from_id``: the request goes, a DECLINED tie from ``to_id`` to ``from_id`` stays.

        :class:`NotFound` if there is no such pending request.
        """

    @abstractmethod
    def withdraw_contact(self, from_id: str, to_id: str) -> None:
        """``from_id`` withdraws their pending request to ``to_id``: it goes, and no decline is recorded either way.

        :class:`NotFound` if there is no such pending request (an accepted contact is not withdrawn).
        """

    @abstractmethod
    def decline_suggestion(self, by_id: str, other_id: str, on: date | None = None) -> Declined:
        """``by_id`` turns down ``other_id`` as a suggestion (no request involved); harmless if repeated.

        :class:`NotFound` if either is missing; :class:`Invalid` for oneself.
        """

    @abstractmethod
    def contacts_of(self, assessor_id: str, status: str | None = None) -> list[Contact]:
        """Contacts with the assessor at either end, optionally of one status, ordered by (from_id, to_id).

        :class:`NotFound` if the assessor is missing.
        """

    @abstractmethod
    def declines_of(self, assessor_id: str) -> list[Declined]:
        """DECLINED ties with the assessor at either end, ordered by (by_id, other_id)."""

    # -- bulk -------------------------------------------------------------

    @abstractmethod
    def existing_ids(self, label: Label, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` exist under ``label`` (for validating imports before writing)."""

    @abstractmethod
    def bulk_upsert(self, bundle: Bundle, batch_size: int = 5000) -> UpsertReport:
        """Upsert everything in ``bundle`` in one transaction; see :class:`Bundle`.

        Rows are written in batches of ``batch_size`` inside that one transaction.
        :class:`Invalid` (and nothing written) if a relationship row names an
        unknown node.
        """

    @abstractmethod
    def bulk_upsert_chunks(self, chunks: Callable[[], Iterable[Bundle]], batch_size: int = 5000) -> UpsertReport:
        """Upsert every bundle that ``chunks()`` yields, in order, all in one transaction: all of them or nothing.

        For imports too large to hold at once (a streamed CSV directory): only one chunk is in
        memory at a time. ``chunks`` is called again if the transaction is retried, so it must
        give the same bundles each time. Each chunk is checked as :meth:`bulk_upsert` checks a
        bundle (a relationship may name a node of an earlier chunk); a key in more than one chunk
        is the caller's to prevent (a later chunk would count as an update of the earlier row).
        :class:`Invalid` (and nothing written, earlier chunks included) for a bad row in any
        chunk; any other exception raised by ``chunks`` also leaves nothing written.
        """

    @abstractmethod
    def export_bundle(self) -> Bundle:
        """Everything stored, as a bundle in id order (the inverse of :meth:`bulk_upsert`)."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """How many of each kind are stored, keyed as in :data:`BUNDLE_KINDS`."""

    @abstractmethod
    def accepted_contact_count(self) -> int:
        """How many peer contacts are accepted (a pending request is not a contact yet)."""
