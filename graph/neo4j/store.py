"""The Neo4j adapter of :class:`~graph.port.GraphStore`, through the official ``neo4j`` driver (6.x).

One driver per store (so one per app), a session per unit of work, and every
public method is one managed transaction (``execute_read`` / ``execute_write``)
on the named database. Transaction functions may be retried by the driver, so
they only run Cypher: dates such as "today" are decided before the transaction
starts, and the report of a bulk upsert is built afresh on each attempt.

All Cypher lives in :mod:`graph.neo4j.queries`. Nothing of the driver leaves this
module: rows become the dataclasses of :mod:`network.domain` and the records of
:mod:`graph.port`, and driver errors become the port's errors.

Stored shape (see ``DESIGN.md``): nodes hold exactly the domain fields, a ``None``
field being an absent property; ``Assessor.availability`` is a list of slot names
plus an integer ``availability_mask`` (:func:`network.availability.to_mask`) for
overlap tests in Cypher; dates are Neo4j ``date`` values.

Two exceptions to "one method, one transaction": :meth:`Neo4jStore.ensure_schema`
(schema commands need a transaction of their own, then a read waits for the indexes)
and :meth:`Neo4jStore.bulk_upsert`, which runs ``ensure_schema`` once per store first
if it has not run yet, because MERGE on an unindexed id scans the label per row.

Bulk speed: one write transaction, ``UNWIND $rows`` in batches, every endpoint found
by an index seek, unchanged rows not written. On a 2-core machine a 170k-row bundle
(20k assessors, 100k theme links, 30k contacts) loads at about 25-29k rows/s, and about
a third of that time is the pure-Python driver packing ``$rows``; installing
``neo4j-rust-ext`` (same version as the driver) takes it to about 35k rows/s.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

import neo4j
from neo4j import GraphDatabase, ManagedTransaction, Record
from neo4j.exceptions import (
    AuthError,
    ConfigurationError,
    ConstraintError,
    DatabaseUnavailable,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph import bundles
from graph.fields import apply_changes
from graph.neo4j import queries as q
from graph.neo4j import (
    queries_accounts,
    queries_delivery,
    queries_views,
    queries_jobs,
    queries_joins,
    queries_live,
    queries_meetings,
    queries_outcomes,
    queries_reach,
    queries_sessions,
    queries_sets,
    queries_suggestions,
)
from graph.neo4j.accounts import Neo4jAccounts
from graph.neo4j.common import day as _day
from graph.neo4j.common import stored_props as _props
from graph.neo4j.common import to_assessor as _assessor
from graph.neo4j.delivery import Neo4jDelivery
from graph.neo4j.views import Neo4jViews
from graph.neo4j.jobs import Neo4jJobs
from graph.neo4j.joins import Neo4jJoins
from graph.neo4j.live import Neo4jLive
from graph.neo4j.meetings import Neo4jMeetings
from graph.neo4j.outcomes import Neo4jOutcomes
from graph.neo4j.reach import Neo4jReach
from graph.neo4j.sessions import Neo4jSessions
from graph.neo4j.sets import Neo4jSets
from graph.neo4j.suggestions import Neo4jSuggestions
from graph.port import (
    LABELS,
    Conflict,
    Declined,
    GraphStore,
    Invalid,
    Label,
    NotFound,
    Page,
    StoreError,
    Transient,
    Unavailable,
    UpsertReport,
    clamp_limit,
)
from graph import deadline
from graph.settings import NEO4J_SCHEMES, SettingError
from graph.unit import UnitOfWorkHooks, UnitState, run_after_commit
from network import availability
from network.bundle import BUNDLE_KINDS, Bundle
from network.domain import CONTACT_STATUSES, Assessor, Contact, Employment, InvalidValue, Organisation, Theme, ThemeLink

T = TypeVar("T")

#: Inside a request's budget, the server ends a unit of work still running after this many seconds.
UNIT_TIMEOUT_S = 30.0

#: Driver settings that make an unreachable server fail fast at start-up; callers may override them.
DEFAULT_DRIVER_OPTIONS: dict[str, Any] = {
    # A connection is opened (TCP and the Bolt handshake) within 2 s or not at all, and a store call waits at
    # most 2.5 s for one (from the pool or new); reads on an open connection are bounded by the server's
    # connection.recv_timeout_seconds hint (server.bolt.connection_keep_alive x _probes; see the README).
    "connection_timeout": 2.0,
    "connection_acquisition_timeout": 2.5,
    "max_transaction_retry_time": 15.0,
    # "Unknown label/relationship type/property" warnings are expected on an empty or young
    # database (e.g. no DECLINED tie yet) and would fill the log; other notifications stay.
    "notifications_disabled_classifications": ["UNRECOGNIZED"],
}

#: Seconds ``ensure_schema`` waits for new indexes to come online.
INDEX_WAIT_S = 300

_NOUNS: dict[str, str] = {"Organisation": "organisation", "Theme": "theme", "Assessor": "assessor"}

#: The literal statements of a field-level update, by label: lock and read the node, write the changed properties.
_LOCK: dict[str, str] = {"Organisation": q.LOCK_ORGANISATION, "Theme": q.LOCK_THEME, "Assessor": q.LOCK_ASSESSOR}
_SET_FIELDS: dict[str, str] = {
    "Organisation": q.SET_ORGANISATION_FIELDS,
    "Theme": q.SET_THEME_FIELDS,
    "Assessor": q.SET_ASSESSOR_FIELDS,
}


# -- domain values <-> stored properties ------------------------------------------


def _org_props(o: Organisation) -> dict[str, Any]:
    return {"id": o.id, "name": o.name, "kind": o.kind, "region": o.region}


def _org(p: Mapping[str, Any]) -> Organisation:
    return Organisation(id=p["id"], name=p["name"], kind=p["kind"], region=p["region"])


def _theme_props(t: Theme) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "framework": t.framework}


def _theme(p: Mapping[str, Any]) -> Theme:
    return Theme(id=p["id"], name=p["name"], framework=p.get("framework", "practice"))


def _assessor_props(a: Assessor) -> dict[str, Any]:
    return _props(
        {
            "id": a.id,
            "name": a.name,
            "email": a.email,
            "region": a.region,
            "experience_years": a.experience_years,
            "discoverable": a.discoverable,
            "paused": a.paused,
            "active": a.active,
            "capacity": a.capacity,
            "availability": list(a.availability),
            "availability_mask": availability.to_mask(a.availability),
            "bio": a.bio,
            "paused_until": a.paused_until,
        }
    )


def _contact_props(c: Contact) -> dict[str, Any]:
    return _props({"status": c.status, "since": c.since, "via": c.via})


def _contact(r: Mapping[str, Any]) -> Contact:
    return Contact(from_id=r["from_id"], to_id=r["to_id"], status=r["status"], since=_day(r["since"]), via=r["via"])


# -- driver errors -> port errors -------------------------------------------------


def _reason(exc: BaseException) -> str:
    """A short, readable reason from a driver error (its messages run over several lines)."""
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    found = re.search(r"reason (?:\[Errno -?\d+\] )?([^)\n]+)", text)
    if found:
        return found.group(1).strip()
    # "Couldn't connect to host:port (resolved to ...):\n<what went wrong>": the last line says why.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def _store_error(exc: Exception, conflict: str | None = None) -> StoreError:
    """The port error for a driver error; a store that stopped answering also ends the request's store budget."""
    error = _port_error(exc, conflict)
    if isinstance(error, Unavailable):
        deadline.exhaust()  # the request's other store calls answer at once instead of each waiting again
    return error


def _unit_timeout() -> float | None:
    """The server-side time limit of a unit of work begun now: none outside a request's budget; inside one,
    :data:`UNIT_TIMEOUT_S` (a unit may hold a whole request's reads and computing, so not the budget itself; a
    server that stops answering is noticed by the read timeout, which ends the budget), and no unit once it is spent."""
    return None if deadline.allowance() is None else UNIT_TIMEOUT_S


def _port_error(exc: Exception, conflict: str | None = None) -> StoreError:
    """The port error for a driver error."""
    if "TransactionTimedOut" in (getattr(exc, "code", None) or ""):
        return Unavailable(f"Neo4j did not answer in time: {_reason(exc)}")
    if isinstance(exc, ConstraintError):
        return Conflict(conflict or f"Neo4j refused the write: {_reason(exc)}")
    if isinstance(exc, TransientError) and not isinstance(exc, DatabaseUnavailable) and exc.is_retryable():
        return Transient(f"Neo4j: a concurrent change clashed with this one: {_reason(exc)}")
    if isinstance(exc, ServiceUnavailable | SessionExpired | TransientError | DatabaseUnavailable):
        return Unavailable(f"Neo4j is not answering: {_reason(exc)}")
    if isinstance(exc, AuthError):
        return Unavailable(f"Neo4j no longer accepts our credentials: {_reason(exc)}")
    if isinstance(exc, DriverError):
        return Unavailable(f"Neo4j driver: {_reason(exc)}")
    return StoreError(f"Neo4j refused the request: {_reason(exc)}")


_AREA_SCHEMA: tuple[str, ...] = (
    queries_sets.SCHEMA
    + queries_suggestions.SCHEMA
    + queries_reach.SCHEMA
    + queries_accounts.SCHEMA
    + queries_sessions.SCHEMA
    + queries_meetings.SCHEMA
    + queries_outcomes.SCHEMA
    + queries_joins.SCHEMA
    + queries_jobs.SCHEMA
    + queries_delivery.SCHEMA
    + queries_views.SCHEMA
    + queries_live.SCHEMA
)


class Neo4jStore(
    Neo4jSets,
    Neo4jSuggestions,
    Neo4jReach,
    Neo4jAccounts,
    Neo4jSessions,
    Neo4jMeetings,
    Neo4jOutcomes,
    Neo4jJoins,
    Neo4jJobs,
    Neo4jDelivery,
    Neo4jViews,
    Neo4jLive,
    UnitOfWorkHooks,
    GraphStore,
):
    """The graph in a Neo4j database (Community or Enterprise, 5.x and later)."""

    kind = "neo4j"

    def __init__(self, driver: neo4j.Driver, *, database: str = "neo4j") -> None:
        """Use an open driver (the store closes it on :meth:`close`) and the named database."""
        self._driver = driver
        self._database = database
        self._closed = False
        self._schema_ready = False
        self._local = threading.local()  # the unit of work open on each thread, if any

    @classmethod
    def connect(cls, uri: str, *, user: str = "neo4j", password: str = "", database: str = "neo4j", **driver_options: Any) -> Neo4jStore:
        """Open one driver to ``uri`` and check the server answers.

        :class:`Unavailable` if no server answers; :class:`~graph.settings.SettingError`
        naming the setting to fix for rejected credentials, a bad URI or an unknown database.
        """
        if urlsplit(uri).scheme not in NEO4J_SCHEMES:
            raise SettingError("NEO4J_URI", f"{uri!r} is not a Bolt URI; use one of the schemes {', '.join(NEO4J_SCHEMES)}")
        auth = neo4j.basic_auth(user, password) if password else None
        options = {**DEFAULT_DRIVER_OPTIONS, **driver_options}
        try:
            driver = GraphDatabase.driver(uri, auth=auth, **options)
        except (ConfigurationError, ValueError) as exc:
            raise SettingError("NEO4J_URI", f"{uri!r} cannot be used: {_reason(exc)}") from None
        try:
            driver.verify_connectivity()
            # verify_connectivity does not touch the database: a trivial read checks it exists.
            with driver.session(database=database) as session:
                session.execute_read(lambda tx: tx.run(q.PING).consume())
        except AuthError:
            driver.close()
            if password:
                raise SettingError(
                    "NEO4J_PASSWORD", f"Neo4j rejected user {user!r} with this password (check NEO4J_USER and NEO4J_PASSWORD)"
                ) from None
            raise SettingError(
                "NEO4J_PASSWORD", f"Neo4j requires authentication; set NEO4J_PASSWORD (and NEO4J_USER, now {user!r})"
            ) from None
        except Neo4jError as exc:
            driver.close()
            if exc.code == "Neo.ClientError.Database.DatabaseNotFound":
                raise SettingError("NEO4J_DATABASE", f"Neo4j has no database {database!r}") from None
            raise _store_error(exc) from None
        except (DriverError, OSError) as exc:
            driver.close()
            raise Unavailable(f"no Neo4j answered ({_reason(exc)})") from None
        except BaseException:
            driver.close()
            raise
        return cls(driver, database=database)

    def __repr__(self) -> str:
        return f"Neo4jStore(database={self._database!r})"

    # -- transactions ----------------------------------------------------------------

    def _run(self, write: bool, work: Callable[[ManagedTransaction], T], conflict: str | None = None, **session_options: Any) -> T:
        """Run ``work`` as one managed transaction in a fresh session; driver errors become port errors.

        Inside a unit of work ``work`` runs in the unit's explicit transaction instead (no
        retry of its own: the unit as a whole is retried on :class:`Transient`).
        """
        if self._closed:
            raise Unavailable("the Neo4j store is closed")
        unit: UnitState | None = getattr(self._local, "unit", None)
        if unit is not None and write and not unit.write:
            with self._suspended(unit):  # a write inside a read unit: its own transaction, then the read unit carries on
                return self._run(write, work, conflict, **session_options)
        if unit is not None:
            try:
                return work(unit.handle)
            except StoreError as exc:
                if write and not isinstance(exc, NotFound):
                    unit.fail(exc)  # a refused write ends the unit (as a refusal by the server itself does)
                raise
            except (Neo4jError, DriverError) as exc:
                raise unit.fail(_store_error(exc, conflict)) from None
        self._began(write)
        try:
            with deadline.waiting(None) as limit:
                if limit is not None:  # inside a request's budget: the server ends the transaction, retries stop in time
                    # No driver retries: they start only after a first failure and would each wait again. A clash
                    # (Transient) is retried by the use case as a whole; a store that does not answer is answered 503.
                    session_options.setdefault("max_transaction_retry_time", 0)
                    work = neo4j.unit_of_work(timeout=limit)(work)
                with self._driver.session(database=self._database, **session_options) as session:
                    if write:
                        return session.execute_write(work)
                    return session.execute_read(work)
        except StoreError:
            raise
        except (Neo4jError, DriverError) as exc:
            raise _store_error(exc, conflict) from None

    @contextmanager
    def _suspended(self, unit: UnitState) -> Iterator[None]:
        """End the read unit's transaction for a write made inside it; a fresh read transaction carries the unit on."""
        self._local.unit = None
        try:
            unit.handle.commit()  # a read transaction: nothing to keep
        except (Neo4jError, DriverError) as exc:
            raise _store_error(exc) from None
        try:
            yield
        finally:
            self._began(False)
            try:
                unit.handle = unit.session.begin_transaction(timeout=_unit_timeout())
            except (Neo4jError, DriverError) as exc:
                raise unit.fail(_store_error(exc)) from None
            finally:
                self._local.unit = unit

    @contextmanager
    def unit_of_work(self, write: bool = True) -> Iterator[None]:
        """One explicit transaction every store call on this thread joins until the block ends (see :class:`GraphStore`).

        A write unit opened inside a read unit (a use case run by a GET) does not join it: the read
        transaction ends, the write unit commits on its own, and a new read transaction carries on.
        """
        current: UnitState | None = getattr(self._local, "unit", None)
        if current is not None and write and not current.write:
            with self._suspended(current), self.unit_of_work(write=True):
                yield
            return
        if current is not None:
            yield  # joins the unit already open on this thread
            return
        if self._closed:
            raise Unavailable("the Neo4j store is closed")
        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        self._began(write)
        timeout = _unit_timeout()
        session = self._driver.session(database=self._database, default_access_mode=mode)
        try:
            tx = session.begin_transaction(timeout=timeout)
        except (Neo4jError, DriverError) as exc:
            session.close()  # nothing began: give the connection back (or drop it, when the server stopped answering)
            raise _store_error(exc) from None
        unit = UnitState(write=write, handle=tx, session=session)
        self._local.unit = unit
        try:
            try:
                yield
                unit.check()
            except BaseException:
                self._local.unit = None
                try:
                    unit.handle.rollback()
                except (Neo4jError, DriverError):
                    pass
                raise
            self._local.unit = None
            try:
                unit.handle.commit()
            except (Neo4jError, DriverError) as exc:
                raise _store_error(exc) from None
        finally:
            self._local.unit = None
            try:
                unit.handle.close()
            except (Neo4jError, DriverError):
                pass
            session.close()
        run_after_commit(unit.after)

    def _read(self, work: Callable[[ManagedTransaction], T]) -> T:
        return self._run(False, work)

    def _write(self, work: Callable[[ManagedTransaction], T], conflict: str | None = None) -> T:
        return self._run(True, work, conflict)

    @staticmethod
    def _require(tx: ManagedTransaction, label: str, node_id: str) -> None:
        """Raise :class:`NotFound` unless a ``label`` node with this id exists."""
        if tx.run(q.EXISTS[label], id=node_id).single() is None:
            raise NotFound(f"no {_NOUNS[label]} with id {node_id!r}")

    # -- lifetime ----------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the uniqueness constraints and indexes if missing and wait for them; running it again is harmless."""

        def create(tx: ManagedTransaction) -> None:
            for statement in q.SCHEMA + _AREA_SCHEMA:
                tx.run(statement).consume()

        def wait(tx: ManagedTransaction) -> None:
            tx.run(q.AWAIT_INDEXES, seconds=INDEX_WAIT_S).consume()

        # Schema commands cannot share a transaction with reads or data writes.
        self._write(create)
        self._read(wait)
        self._schema_ready = True

    def ping(self) -> None:
        """Return if Neo4j answers ``RETURN 1``, else raise :class:`Unavailable`."""
        # One attempt, no retries: a health probe must answer quickly, not wait out the retry budget.
        self._run(False, lambda tx: tx.run(q.PING).consume(), max_transaction_retry_time=0)

    def close(self) -> None:
        """Close the driver and its connections; closing twice is harmless."""
        if not self._closed:
            self._closed = True
            self._driver.close()

    def _wipe(self) -> None:
        """Delete every node and relationship in one transaction. For test isolation only (test-sized graphs)."""
        self._write(lambda tx: tx.run(q.WIPE).consume())

    # -- generic node helpers --------------------------------------------------------

    def _create(self, label: str, statement: str, node_id: str, props: dict[str, Any]) -> None:
        self._write(lambda tx: tx.run(statement, props=props).consume(), conflict=f"{_NOUNS[label]} {node_id!r} already exists")

    def _get(self, label: str, statement: str, node_id: str) -> dict[str, Any]:
        record = self._read(lambda tx: tx.run(statement, id=node_id).single())
        if record is None:
            raise NotFound(f"no {_NOUNS[label]} with id {node_id!r}")
        return dict(record["props"])

    def _update(self, label: str, statement: str, node_id: str, props: dict[str, Any]) -> None:
        record = self._write(lambda tx: tx.run(statement, id=node_id, props=props).single())
        if record is None:
            raise NotFound(f"no {_NOUNS[label]} with id {node_id!r}")

    def _update_fields(
        self,
        label: str,
        node_id: str,
        changes: Mapping[str, Any],
        convert: Callable[[Mapping[str, Any]], T],
        stored: Callable[[T], Mapping[str, Any]],
    ) -> T:
        """Lock the node, apply ``changes`` to what is stored (checked by the domain), write only the changed properties.

        ``stored`` gives a record's properties (``None`` or absent: no property), so a field kept in
        several properties (``availability`` and its mask) writes all of them and nothing else.
        """
        noun = _NOUNS[label]

        def work(tx: ManagedTransaction) -> T:
            record = tx.run(_LOCK[label], id=node_id).single()
            if record is None:
                raise NotFound(f"no {noun} with id {node_id!r}")
            current = convert(record["props"])
            updated, changed = apply_changes(current, changes, noun)
            if changed:
                before, after = stored(current), stored(updated)
                keys = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
                tx.run(_SET_FIELDS[label], id=node_id, changes={k: after.get(k) for k in keys}).consume()
            return updated

        return self._write(work)

    def _delete(self, label: str, statement: str, node_id: str) -> None:
        record = self._write(lambda tx: tx.run(statement, id=node_id).single())
        if record is None or record["deleted"] == 0:
            raise NotFound(f"no {_NOUNS[label]} with id {node_id!r}")

    def _page(self, statement: str, convert: Callable[[Mapping[str, Any]], T], limit: int, after: str | None, **params: Any) -> Page[T]:
        limit = clamp_limit(limit)

        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            # One row more than the page holds: its presence says another page follows.
            return [dict(r["props"]) for r in tx.run(statement, after=after or "", limit=limit + 1, **params)]

        rows = self._read(work)
        items = [convert(p) for p in rows[:limit]]
        return Page(items=items, next_after=rows[limit - 1]["id"] if len(rows) > limit else None)

    # -- organisations ---------------------------------------------------------------

    def create_organisation(self, org: Organisation) -> Organisation:
        """Store a new organisation; :class:`Conflict` if the id exists."""
        self._create("Organisation", q.CREATE_ORGANISATION, org.id, _org_props(org))
        return org

    def get_organisation(self, org_id: str) -> Organisation:
        """The organisation with this id; :class:`NotFound` if none."""
        return _org(self._get("Organisation", q.GET_ORGANISATION, org_id))

    def update_organisation(self, org: Organisation) -> Organisation:
        """Replace an organisation's properties; :class:`NotFound` if none."""
        self._update("Organisation", q.UPDATE_ORGANISATION, org.id, _org_props(org))
        return org

    def update_organisation_fields(self, org_id: str, changes: Mapping[str, Any]) -> Organisation:
        """Change only the named fields (locked, checked whole, only changed properties written); see the port."""
        return self._update_fields("Organisation", org_id, changes, _org, _org_props)

    def delete_organisation(self, org_id: str) -> None:
        """Delete an organisation; :class:`NotFound` if none, :class:`Conflict` while assessors work for it."""
        record = self._write(lambda tx: tx.run(q.DELETE_ORGANISATION, id=org_id).single())
        if record is None:
            raise NotFound(f"no organisation with id {org_id!r}")
        if record["staff"]:
            raise Conflict(f"organisation {org_id!r} still employs {record['staff']} assessor(s); move or remove them first")

    def list_organisations(self, limit: int = 50, after: str | None = None) -> Page[Organisation]:
        """Organisations in id order, ``limit`` at a time (capped at :data:`~graph.port.MAX_PAGE`)."""
        return self._page(q.LIST_ORGANISATIONS, _org, limit, after)

    # -- themes ------------------------------------------------------------------------

    def create_theme(self, theme: Theme) -> Theme:
        """Store a new theme; :class:`Conflict` if the id exists."""
        self._create("Theme", q.CREATE_THEME, theme.id, _theme_props(theme))
        return theme

    def get_theme(self, theme_id: str) -> Theme:
        """The theme with this id; :class:`NotFound` if none."""
        return _theme(self._get("Theme", q.GET_THEME, theme_id))

    def update_theme(self, theme: Theme) -> Theme:
        """Replace a theme's properties; :class:`NotFound` if none."""
        self._update("Theme", q.UPDATE_THEME, theme.id, _theme_props(theme))
        return theme

    def update_theme_fields(self, theme_id: str, changes: Mapping[str, Any]) -> Theme:
        """Change only the named fields (locked, checked whole, only changed properties written); see the port."""
        return self._update_fields("Theme", theme_id, changes, _theme, _theme_props)

    def delete_theme(self, theme_id: str) -> None:
        """Delete a theme and every WORKS_ON link to it; :class:`NotFound` if none."""
        self._delete("Theme", q.DELETE_THEME, theme_id)

    def list_themes(self, limit: int = 50, after: str | None = None) -> Page[Theme]:
        """Themes in id order, ``limit`` at a time (capped at :data:`~graph.port.MAX_PAGE`)."""
        return self._page(q.LIST_THEMES, _theme, limit, after)

    # -- assessors ---------------------------------------------------------------------

    def create_assessor(self, assessor: Assessor) -> Assessor:
        """Store a new assessor; :class:`Conflict` if the id exists."""
        self._create("Assessor", q.CREATE_ASSESSOR, assessor.id, _assessor_props(assessor))
        return assessor

    def get_assessor(self, assessor_id: str) -> Assessor:
        """The assessor with this id; :class:`NotFound` if none."""
        return _assessor(self._get("Assessor", q.GET_ASSESSOR, assessor_id))

    def update_assessor(self, assessor: Assessor) -> Assessor:
        """Replace an assessor's properties (not their ties); :class:`NotFound` if none."""
        self._update("Assessor", q.UPDATE_ASSESSOR, assessor.id, _assessor_props(assessor))
        return assessor

    def update_assessor_fields(self, assessor_id: str, changes: Mapping[str, Any]) -> Assessor:
        """Change only the named profile fields (locked, checked whole, only changed properties written); see the port."""
        return self._update_fields("Assessor", assessor_id, changes, _assessor, _assessor_props)

    def delete_assessor(self, assessor_id: str) -> None:
        """Delete an assessor with all their ties; :class:`NotFound` if none."""
        self._delete("Assessor", q.DELETE_ASSESSOR, assessor_id)

    def list_assessors(self, limit: int = 50, after: str | None = None, organisation_id: str | None = None) -> Page[Assessor]:
        """Assessors in id order, optionally only those working for one organisation (an unknown one gives an empty page)."""
        if organisation_id is None:
            return self._page(q.LIST_ASSESSORS, _assessor, limit, after)
        return self._page(q.LIST_ASSESSORS_OF_ORGANISATION, _assessor, limit, after, organisation_id=organisation_id)

    def find_assessors(
        self,
        text: str | None = None,
        organisation_ids: Sequence[str] | None = None,
        region: str | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> Page[Assessor]:
        """Assessors in id order matching every part given (see the port)."""
        orgs = None if organisation_ids is None else sorted(set(organisation_ids))
        return self._page(q.FIND_ASSESSORS, _assessor, limit, after, text=(text or "").lower() or None, orgs=orgs, region=region)

    # -- WORKS_FOR ---------------------------------------------------------------------

    def set_employer(self, assessor_id: str, organisation_id: str, since: date | None = None) -> Employment:
        """Make the assessor work for the organisation, replacing any earlier employer; :class:`NotFound` if either is missing."""
        employment = Employment(assessor_id=assessor_id, organisation_id=organisation_id, since=since)

        def work(tx: ManagedTransaction) -> None:
            self._require(tx, "Assessor", assessor_id)
            self._require(tx, "Organisation", organisation_id)
            tx.run(q.SET_EMPLOYER, assessor_id=assessor_id, organisation_id=organisation_id, props=_props({"since": since})).consume()

        self._write(work)
        return employment

    def get_employment(self, assessor_id: str) -> Employment | None:
        """The assessor's employment, or ``None``; :class:`NotFound` if the assessor is missing."""
        record = self._read(lambda tx: tx.run(q.GET_EMPLOYMENT, assessor_id=assessor_id).single())
        if record is None:
            raise NotFound(f"no assessor with id {assessor_id!r}")
        if record["organisation_id"] is None:
            return None
        return Employment(assessor_id=assessor_id, organisation_id=record["organisation_id"], since=_day(record["since"]))

    def clear_employer(self, assessor_id: str) -> None:
        """Remove the assessor's employment if any; :class:`NotFound` if the assessor is missing."""
        record = self._write(lambda tx: tx.run(q.CLEAR_EMPLOYER, assessor_id=assessor_id).single())
        if record is None or record["found"] == 0:
            raise NotFound(f"no assessor with id {assessor_id!r}")

    # -- WORKS_ON ----------------------------------------------------------------------

    def set_theme(self, assessor_id: str, theme_id: str, level: str) -> ThemeLink:
        """Add or re-level the assessor's link to a theme; :class:`NotFound` if either is missing, :class:`Invalid` for a bad level."""
        try:
            link = ThemeLink(assessor_id=assessor_id, theme_id=theme_id, level=level)
        except InvalidValue as exc:
            raise Invalid(str(exc)) from None

        def work(tx: ManagedTransaction) -> None:
            self._require(tx, "Assessor", assessor_id)
            self._require(tx, "Theme", theme_id)
            tx.run(q.SET_THEME, assessor_id=assessor_id, theme_id=theme_id, props={"level": link.level}).consume()

        self._write(work)
        return link

    def remove_theme(self, assessor_id: str, theme_id: str) -> None:
        """Remove the link; :class:`NotFound` if the assessor, the theme or the link is missing."""

        def work(tx: ManagedTransaction) -> None:
            record = tx.run(q.REMOVE_THEME, assessor_id=assessor_id, theme_id=theme_id).single()
            if record is None or record["removed"] == 0:
                self._require(tx, "Assessor", assessor_id)
                self._require(tx, "Theme", theme_id)
                raise NotFound(f"assessor {assessor_id!r} does not work on theme {theme_id!r}")

        self._write(work)

    def theme_links(self, assessor_id: str) -> list[ThemeLink]:
        """The assessor's theme links in theme-id order; :class:`NotFound` if the assessor is missing."""
        rows = self._read(lambda tx: [(r["theme_id"], r["level"]) for r in tx.run(q.THEME_LINKS, assessor_id=assessor_id)])
        if not rows:
            raise NotFound(f"no assessor with id {assessor_id!r}")
        return [ThemeLink(assessor_id=assessor_id, theme_id=t, level=level) for t, level in rows if t is not None]

    # -- contacts ----------------------------------------------------------------------

    def request_contact(self, from_id: str, to_id: str, via: str | None = None, on: date | None = None) -> Contact:
        """Ask ``to_id`` to connect with ``from_id``; see :meth:`GraphStore.request_contact` for the errors."""
        if from_id == to_id:
            raise Invalid(f"assessor {from_id!r} cannot contact themself")
        try:
            contact = Contact(from_id=from_id, to_id=to_id, status="requested", since=on or date.today(), via=via)
        except InvalidValue as exc:
            raise Invalid(str(exc)) from None

        def work(tx: ManagedTransaction) -> None:
            tx.run(q.LOCK_PAIR, from_id=from_id, to_id=to_id).consume()
            state = tx.run(q.CONTACT_STATE, from_id=from_id, to_id=to_id).single()
            if state is None or not state["has_from"]:
                raise NotFound(f"no assessor with id {from_id!r}")
            if not state["has_to"]:
                raise NotFound(f"no assessor with id {to_id!r}")
            if state["contact_status"] is not None:
                raise Conflict(f"a contact {state['contact_from']!r} → {state['contact_to']!r} already exists ({state['contact_status']})")
            if state["declined_by"] is not None:
                raise Conflict(f"{state['declined_by']!r} has declined {state['declined_other']!r}; they are not put in touch again")
            tx.run(q.CREATE_CONTACT, from_id=from_id, to_id=to_id, props=_contact_props(contact)).consume()

        self._write(work)
        return contact

    def accept_contact(self, from_id: str, to_id: str, on: date | None = None) -> Contact:
        """``to_id`` accepts the pending request from ``from_id``; :class:`NotFound` if none, :class:`Conflict` if already accepted."""
        since = on or date.today()

        def work(tx: ManagedTransaction) -> str | None:
            tx.run(q.LOCK_PAIR, from_id=from_id, to_id=to_id).consume()
            current = tx.run(q.GET_CONTACT, from_id=from_id, to_id=to_id).single()
            if current is None:
                raise NotFound(f"no contact request from {from_id!r} to {to_id!r}")
            if current["status"] == "accepted":
                raise Conflict(f"the contact {from_id!r} → {to_id!r} is already accepted")
            record = tx.run(q.ACCEPT_CONTACT, from_id=from_id, to_id=to_id, since=since).single()
            return None if record is None else record["via"]  # type: ignore[no-any-return]

        via = self._write(work)
        return Contact(from_id=from_id, to_id=to_id, status="accepted", since=since, via=via)

    def decline_contact(self, from_id: str, to_id: str, on: date | None = None) -> Declined:
        """``to_id`` declines the pending request from ``from_id``; :class:`NotFound` if there is no pending request."""
        since = on or date.today()

        def work(tx: ManagedTransaction) -> Record | None:
            tx.run(q.LOCK_PAIR, from_id=from_id, to_id=to_id).consume()
            return tx.run(q.DECLINE_CONTACT, from_id=from_id, to_id=to_id, since=since).single()

        record = self._write(work)
        if record is None:
            raise NotFound(f"no pending contact request from {from_id!r} to {to_id!r}")
        return Declined(by_id=to_id, other_id=from_id, since=_day(record["since"]))

    def withdraw_contact(self, from_id: str, to_id: str) -> None:
        """``from_id`` withdraws their pending request to ``to_id``; :class:`NotFound` if there is none."""

        def work(tx: ManagedTransaction) -> int:
            return int(tx.run(q.WITHDRAW_CONTACT, from_id=from_id, to_id=to_id).single(strict=True)["withdrawn"])

        if self._write(work) == 0:
            raise NotFound(f"no pending contact request from {from_id!r} to {to_id!r}")

    def decline_suggestion(self, by_id: str, other_id: str, on: date | None = None) -> Declined:
        """``by_id`` turns down ``other_id``; repeating it keeps the first decline and its date."""
        if by_id == other_id:
            raise Invalid(f"assessor {by_id!r} cannot decline themself")
        since = on or date.today()

        def work(tx: ManagedTransaction) -> date | None:
            record = tx.run(q.DECLINE_SUGGESTION, by_id=by_id, other_id=other_id, since=since).single()
            if record is None:
                self._require(tx, "Assessor", by_id)
                self._require(tx, "Assessor", other_id)
                raise NotFound(f"no assessor with id {other_id!r}")
            return _day(record["since"])

        return Declined(by_id=by_id, other_id=other_id, since=self._write(work))

    def contacts_of(self, assessor_id: str, status: str | None = None) -> list[Contact]:
        """Contacts with the assessor at either end, optionally of one status, ordered by (from_id, to_id)."""
        if status is not None and status not in CONTACT_STATUSES:
            raise Invalid(f"status must be one of {', '.join(CONTACT_STATUSES)}, got {status!r}")

        def work(tx: ManagedTransaction) -> list[Contact]:
            contacts = [_contact(r) for r in tx.run(q.CONTACTS_OF, assessor_id=assessor_id, status=status)]
            if not contacts:
                self._require(tx, "Assessor", assessor_id)
            return contacts

        return self._read(work)

    def declines_of(self, assessor_id: str) -> list[Declined]:
        """DECLINED ties with the assessor at either end, ordered by (by_id, other_id); empty for an unknown assessor."""
        rows = self._read(lambda tx: [(r["by_id"], r["other_id"], r["since"]) for r in tx.run(q.DECLINES_OF, assessor_id=assessor_id)])
        return [Declined(by_id=b, other_id=o, since=_day(s)) for b, o, s in rows]

    # -- bulk --------------------------------------------------------------------------

    def existing_ids(self, label: Label, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` exist under ``label``."""
        statement = q.EXISTING_IDS.get(label)
        if statement is None:
            raise Invalid(f"label must be one of {', '.join(LABELS)}, got {label!r}")
        wanted = sorted({i for i in ids if isinstance(i, str)})
        if not wanted:
            return set()
        return self._read(lambda tx: {r["id"] for r in tx.run(statement, ids=wanted)})

    def bulk_upsert(self, bundle: Bundle, batch_size: int = 5000) -> UpsertReport:
        """Upsert everything in ``bundle`` in one transaction; :class:`Invalid` (and nothing written) for a bad reference.

        Creates the constraints and indexes first if this store has not done so yet
        (MERGE on an unindexed id would scan the label once per row).
        """
        batch_size = max(1, int(batch_size))
        bundles.check_keys(bundle)
        rows = _bundle_rows(bundle)
        if not self._schema_ready:
            self.ensure_schema()

        def work(tx: ManagedTransaction) -> UpsertReport:
            report = UpsertReport()
            _upsert_into(tx, bundle, rows, batch_size, report)
            return report

        return self._write(work)

    def bulk_upsert_chunks(self, chunks: Callable[[], Iterable[Bundle]], batch_size: int = 5000) -> UpsertReport:
        """Upsert every chunk in one transaction; see :meth:`GraphStore.bulk_upsert_chunks`."""
        batch_size = max(1, int(batch_size))
        if not self._schema_ready:
            self.ensure_schema()

        def work(tx: ManagedTransaction) -> UpsertReport:
            report = UpsertReport()  # a retry starts again from the first chunk, with fresh counts
            for chunk in chunks():
                bundles.check_keys(chunk)
                _upsert_into(tx, chunk, _bundle_rows(chunk), batch_size, report)
            return report

        return self._write(work)

    def export_bundle(self) -> Bundle:
        """Everything stored, as a bundle in id order (relationships in key order)."""

        def work(tx: ManagedTransaction) -> Bundle:
            return Bundle(
                organisations=[_org(r["props"]) for r in tx.run(q.EXPORT_ORGANISATIONS)],
                themes=[_theme(r["props"]) for r in tx.run(q.EXPORT_THEMES)],
                assessors=[_assessor(r["props"]) for r in tx.run(q.EXPORT_ASSESSORS)],
                employments=[
                    Employment(assessor_id=r["assessor_id"], organisation_id=r["organisation_id"], since=_day(r["since"]))
                    for r in tx.run(q.EXPORT_EMPLOYMENTS)
                ],
                theme_links=[
                    ThemeLink(assessor_id=r["assessor_id"], theme_id=r["theme_id"], level=r["level"]) for r in tx.run(q.EXPORT_THEME_LINKS)
                ],
                contacts=[_contact(r) for r in tx.run(q.EXPORT_CONTACTS)],
            )

        return self._read(work)

    def counts(self) -> dict[str, int]:
        """How many of each kind are stored, keyed as in :data:`~network.bundle.BUNDLE_KINDS`."""
        record = self._read(lambda tx: tx.run(q.COUNTS).single(strict=True))
        return {kind: int(record[kind]) for kind in BUNDLE_KINDS}

    def accepted_contact_count(self) -> int:
        record = self._read(lambda tx: tx.run(q.ACCEPTED_CONTACTS).single(strict=True))
        return int(record["n"])


# -- bulk upsert helpers (pure, or reads inside the caller's transaction) ---------------


def _upsert_into(tx: ManagedTransaction, bundle: Bundle, rows: Rows, batch_size: int, report: UpsertReport) -> None:
    """Check and write one bundle (``rows``: its :func:`_bundle_rows`) in the open transaction, adding to ``report``."""
    bundles.check_references(bundle, lambda label, ids: {r["id"] for r in tx.run(q.EXISTING_IDS[label], ids=sorted(ids))})
    _check_stored_reverse_contacts(tx, bundle.contacts)
    for kind in BUNDLE_KINDS:
        counts = report.counts[kind]
        for batch in bundles.batches(rows[kind], batch_size):
            seen = 0
            for record in tx.run(q.UPSERT[kind], rows=batch):
                outcome, n = record["outcome"], record["rows"]
                setattr(counts, outcome, getattr(counts, outcome) + n)
                seen += n
            if seen != len(batch):
                # Every end was checked above; a node deleted meanwhile is the only way here.
                raise Invalid(f"{kind}: {len(batch) - seen} row(s) name a node that no longer exists; nothing was written")


#: Each kind's rows, as sent in ``$rows``: property maps for nodes, ``[from, to, properties]`` for ties.
Rows = dict[str, list[Any]]


def _bundle_rows(bundle: Bundle) -> Rows:
    """The ``$rows`` parameter of each kind's upsert statement (see :mod:`graph.neo4j.queries`)."""
    return {
        "organisations": [_org_props(o) for o in bundle.organisations],
        "themes": [_theme_props(t) for t in bundle.themes],
        "assessors": [_assessor_props(a) for a in bundle.assessors],
        "employments": [[e.assessor_id, e.organisation_id, _props({"since": e.since})] for e in bundle.employments],
        "theme_links": [[t.assessor_id, t.theme_id, t.level] for t in bundle.theme_links],
        "contacts": [[c.from_id, c.to_id, _contact_props(c)] for c in bundle.contacts],
    }


def _check_stored_reverse_contacts(tx: ManagedTransaction, contacts: Sequence[Contact]) -> None:
    """Raise :class:`Invalid` for a contact whose reverse is already stored (a pair has one contact at most)."""
    if not contacts:
        return
    pairs = [[c.from_id, c.to_id] for c in contacts]
    reversed_stored = {(r["from_id"], r["to_id"]) for r in tx.run(q.STORED_REVERSE_CONTACTS, rows=pairs)}
    for c in contacts:
        if (c.from_id, c.to_id) in reversed_stored:
            raise Invalid(bundles.reverse_stored_message(c.from_id, c.to_id))
