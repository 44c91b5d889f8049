"""The embedded adapter of :class:`~graph.port.GraphStore`: one SQLite file, no server.

It is the default store when no ``NEO4J_URI`` is configured. The graph is kept as
tables (one per node label and one per relationship type) in a single SQLite file
opened in WAL mode with foreign keys enforced, so ties vanish with their nodes
exactly as ``DETACH DELETE`` would make them vanish in Neo4j.

Threads. Each thread gets its own connection (``threading.local``), created on
first use and remembered so :meth:`EmbeddedStore.close` can close them all. We chose
this over one connection behind a lock because WAL lets readers run while a writer
works: the request threads of a gunicorn ``gthread`` worker keep answering reads
during a long bulk import instead of queueing behind it. Writers (in this process
or another) take SQLite's single write lock with ``BEGIN IMMEDIATE`` and wait up to
the busy timeout for it. The one exception is ``":memory:"``, whose database lives
in a single connection: it is shared and every transaction holds a lock.

Atomicity. Every public method is one transaction (``BEGIN IMMEDIATE`` for writes,
a deferred ``BEGIN`` for reads so multi-query reads see one snapshot) that commits
when the method returns and rolls back on any exception. Only the errors of
:mod:`graph.port` leave this module.

All SQL is literal text below, with ``?`` parameters for every value; where a table
varies, the statement is picked from a fixed table of literal statements.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from graph import bundles
from graph.embedded import accounts as _accounts
from graph.embedded import delivery as _delivery
from graph.embedded import views as _views
from graph.embedded import jobs as _jobs
from graph.embedded import joins as _joins
from graph.embedded import live as _live
from graph.embedded import meetings as _meetings
from graph.embedded import outcomes as _outcomes
from graph.embedded import reach as _reach
from graph.embedded import sessions as _sessions
from graph.embedded import sets as _sets
from graph.embedded import suggestions as _suggestions
from graph.embedded.common import iso as _iso
from graph.embedded.common import parse_day as _day
from graph.embedded.common import to_assessor as _assessor
from graph.fields import apply_changes
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
    Unavailable,
    UpsertReport,
    clamp_limit,
)
from graph.unit import UnitOfWorkHooks, UnitState, run_after_commit
from network import availability
from network.bundle import BUNDLE_KINDS, Bundle
from network.domain import CONTACT_STATUSES, Assessor, Contact, Employment, InvalidValue, Organisation, Theme, ThemeLink, today

T = TypeVar("T")
N = TypeVar("N", Organisation, Theme, Assessor)

#: Version of the table layout below, kept in ``PRAGMA user_version`` so later releases can migrate.
SCHEMA_VERSION = 2

#: Seconds a connection waits for another's write lock before giving up with :class:`Unavailable`.
BUSY_TIMEOUT_S = 10.0

_SCHEMA: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS organisations (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        region TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS themes (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        framework TEXT NOT NULL
    ) WITHOUT ROWID""",
    # availability is kept twice: as a JSON list (what the domain reads back) and as a
    # bit mask of network.availability.SLOTS, so SQL can test slot overlap with `a & b`.
    """CREATE TABLE IF NOT EXISTS assessors (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT,
        region TEXT,
        experience_years INTEGER NOT NULL,
        discoverable INTEGER NOT NULL,
        paused INTEGER NOT NULL,
        active INTEGER NOT NULL,
        capacity INTEGER NOT NULL,
        availability TEXT NOT NULL,
        availability_mask INTEGER NOT NULL,
        bio TEXT NOT NULL,
        paused_until TEXT
    ) WITHOUT ROWID""",
    # One row per assessor: the primary key is what makes "at most one employer" hold.
    """CREATE TABLE IF NOT EXISTS works_for (
        assessor_id TEXT PRIMARY KEY REFERENCES assessors (id) ON DELETE CASCADE,
        organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE RESTRICT,
        since TEXT
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS works_for_by_organisation ON works_for (organisation_id, assessor_id)",
    """CREATE TABLE IF NOT EXISTS works_on (
        assessor_id TEXT NOT NULL REFERENCES assessors (id) ON DELETE CASCADE,
        theme_id TEXT NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
        level TEXT NOT NULL,
        PRIMARY KEY (assessor_id, theme_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS works_on_by_theme ON works_on (theme_id, assessor_id)",
    """CREATE TABLE IF NOT EXISTS contacts (
        from_id TEXT NOT NULL REFERENCES assessors (id) ON DELETE CASCADE,
        to_id TEXT NOT NULL REFERENCES assessors (id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        since TEXT,
        via TEXT,
        PRIMARY KEY (from_id, to_id),
        CHECK (from_id <> to_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS contacts_by_to ON contacts (to_id, from_id)",
    """CREATE TABLE IF NOT EXISTS declined (
        by_id TEXT NOT NULL REFERENCES assessors (id) ON DELETE CASCADE,
        other_id TEXT NOT NULL REFERENCES assessors (id) ON DELETE CASCADE,
        since TEXT,
        PRIMARY KEY (by_id, other_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS declined_by_other ON declined (other_id, by_id)",
)
_GET_USER_VERSION = "PRAGMA user_version"
_ASSESSOR_COLUMNS = "PRAGMA table_info(assessors)"
_ADD_PAUSED_UNTIL = "ALTER TABLE assessors ADD COLUMN paused_until TEXT"
_SET_USER_VERSION = "PRAGMA user_version = 2"  # literal: PRAGMA takes no parameters
assert _SET_USER_VERSION.endswith(f"= {SCHEMA_VERSION}")

# -- row shapes ---------------------------------------------------------------
# Each kind has one row shape shared by its INSERT/UPSERT parameters and its SELECT
# columns, so "is the stored row the same as the given one" is a tuple comparison.

Row = tuple[Any, ...]


def _org_row(o: Organisation) -> Row:
    return (o.id, o.name, o.kind, o.region)


def _org(r: Row) -> Organisation:
    return Organisation(id=r[0], name=r[1], kind=r[2], region=r[3])


def _theme_row(t: Theme) -> Row:
    return (t.id, t.name, t.framework)


def _theme(r: Row) -> Theme:
    return Theme(id=r[0], name=r[1], framework=r[2])


def _today_text() -> str:
    return today().isoformat()


def _assessor_row(a: Assessor) -> Row:
    return (
        a.id,
        a.name,
        a.email,
        a.region,
        a.experience_years,
        int(a.discoverable),
        int(a.paused),
        int(a.active),
        a.capacity,
        json.dumps(list(a.availability), separators=(",", ":")),
        availability.to_mask(a.availability),
        a.bio,
        _iso(a.paused_until),
    )


def _employment_row(e: Employment) -> Row:
    return (e.assessor_id, e.organisation_id, _iso(e.since))


def _employment(r: Row) -> Employment:
    return Employment(assessor_id=r[0], organisation_id=r[1], since=_day(r[2]))


def _link_row(t: ThemeLink) -> Row:
    return (t.assessor_id, t.theme_id, t.level)


def _link(r: Row) -> ThemeLink:
    return ThemeLink(assessor_id=r[0], theme_id=r[1], level=r[2])


def _contact_row(c: Contact) -> Row:
    return (c.from_id, c.to_id, c.status, _iso(c.since), c.via)


def _contact(r: Row) -> Contact:
    return Contact(from_id=r[0], to_id=r[1], status=r[2], since=_day(r[3]), via=r[4])


def _declined(r: Row) -> Declined:
    return Declined(by_id=r[0], other_id=r[1], since=_day(r[2]))


@dataclass(frozen=True, slots=True)
class _Kind:
    """How one kind of bundle row (a node label or a relationship type) is stored: literal statements and row mapping."""

    noun: str
    to_row: Callable[[Any], Row]
    from_row: Callable[[Row], Any]
    key_width: int  # how many leading row columns form the key
    upsert: str
    all: str
    count: str
    existing_for: str  # stored rows whose first key column is in a JSON list (a superset of the keys asked for)


@dataclass(frozen=True, slots=True)
class _Node(_Kind):
    """A node kind, with the statements of its single-row CRUD and keyset pages."""

    insert: str = ""
    update: str = ""
    get: str = ""
    delete: str = ""
    page: str = ""


_ORGS = _Node(
    noun="organisation",
    to_row=_org_row,
    from_row=_org,
    key_width=1,
    upsert="INSERT INTO organisations (id, name, kind, region) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, region = excluded.region",
    all="SELECT id, name, kind, region FROM organisations ORDER BY id",
    count="SELECT count(*) FROM organisations",
    existing_for="SELECT id, name, kind, region FROM organisations WHERE id IN (SELECT value FROM json_each(?))",
    insert="INSERT INTO organisations (id, name, kind, region) VALUES (?, ?, ?, ?)",
    update="UPDATE organisations SET name = ?2, kind = ?3, region = ?4 WHERE id = ?1",
    get="SELECT id, name, kind, region FROM organisations WHERE id = ?",
    delete="DELETE FROM organisations WHERE id = ?",
    page="SELECT id, name, kind, region FROM organisations WHERE id > ? ORDER BY id LIMIT ?",
)
_THEMES = _Node(
    noun="theme",
    to_row=_theme_row,
    from_row=_theme,
    key_width=1,
    upsert="INSERT INTO themes (id, name, framework) VALUES (?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, framework = excluded.framework",
    all="SELECT id, name, framework FROM themes ORDER BY id",
    count="SELECT count(*) FROM themes",
    existing_for="SELECT id, name, framework FROM themes WHERE id IN (SELECT value FROM json_each(?))",
    insert="INSERT INTO themes (id, name, framework) VALUES (?, ?, ?)",
    update="UPDATE themes SET name = ?2, framework = ?3 WHERE id = ?1",
    get="SELECT id, name, framework FROM themes WHERE id = ?",
    delete="DELETE FROM themes WHERE id = ?",
    page="SELECT id, name, framework FROM themes WHERE id > ? ORDER BY id LIMIT ?",
)
_ASSESSORS = _Node(
    noun="assessor",
    to_row=_assessor_row,
    from_row=_assessor,
    key_width=1,
    upsert="INSERT INTO assessors (id, name, email, region, experience_years, discoverable, paused, active, capacity, "
    "availability, availability_mask, bio, paused_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, region = excluded.region, "
    "experience_years = excluded.experience_years, discoverable = excluded.discoverable, paused = excluded.paused, "
    "active = excluded.active, capacity = excluded.capacity, availability = excluded.availability, "
    "availability_mask = excluded.availability_mask, bio = excluded.bio, paused_until = excluded.paused_until",
    all="SELECT id, name, email, region, experience_years, discoverable, paused, active, capacity, availability, "
    "availability_mask, bio, paused_until FROM assessors ORDER BY id",
    count="SELECT count(*) FROM assessors",
    existing_for="SELECT id, name, email, region, experience_years, discoverable, paused, active, capacity, availability, "
    "availability_mask, bio, paused_until FROM assessors WHERE id IN (SELECT value FROM json_each(?))",
    insert="INSERT INTO assessors (id, name, email, region, experience_years, discoverable, paused, active, capacity, "
    "availability, availability_mask, bio, paused_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    update="UPDATE assessors SET name = ?2, email = ?3, region = ?4, experience_years = ?5, discoverable = ?6, paused = ?7, "
    "active = ?8, capacity = ?9, availability = ?10, availability_mask = ?11, bio = ?12, "
    "paused_until = ?13 WHERE id = ?1",
    get="SELECT id, name, email, region, experience_years, discoverable, paused, active, capacity, availability, "
    "availability_mask, bio, paused_until FROM assessors WHERE id = ?",
    delete="DELETE FROM assessors WHERE id = ?",
    page="SELECT id, name, email, region, experience_years, discoverable, paused, active, capacity, availability, "
    "availability_mask, bio, paused_until FROM assessors WHERE id > ? ORDER BY id LIMIT ?",
)
#: Field-level updates write one literal statement per changed column (``?1`` the id, ``?2`` the value;
#: ``availability`` also sets its mask, ``?3``): the columns of each node kind in row order, and the statements.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation": ("id", "name", "kind", "region"),
    "theme": ("id", "name", "framework"),
    "assessor": (
        "id",
        "name",
        "email",
        "region",
        "experience_years",
        "discoverable",
        "paused",
        "active",
        "capacity",
        "availability",
        "availability_mask",
        "bio",
        "paused_until",
    ),
}
_SET_COLUMN: dict[str, dict[str, str]] = {
    "organisation": {
        "name": "UPDATE organisations SET name = ?2 WHERE id = ?1",
        "kind": "UPDATE organisations SET kind = ?2 WHERE id = ?1",
        "region": "UPDATE organisations SET region = ?2 WHERE id = ?1",
    },
    "theme": {
        "name": "UPDATE themes SET name = ?2 WHERE id = ?1",
        "framework": "UPDATE themes SET framework = ?2 WHERE id = ?1",
    },
    "assessor": {
        "name": "UPDATE assessors SET name = ?2 WHERE id = ?1",
        "email": "UPDATE assessors SET email = ?2 WHERE id = ?1",
        "region": "UPDATE assessors SET region = ?2 WHERE id = ?1",
        "experience_years": "UPDATE assessors SET experience_years = ?2 WHERE id = ?1",
        "discoverable": "UPDATE assessors SET discoverable = ?2 WHERE id = ?1",
        "paused": "UPDATE assessors SET paused = ?2 WHERE id = ?1",
        "active": "UPDATE assessors SET active = ?2 WHERE id = ?1",
        "capacity": "UPDATE assessors SET capacity = ?2 WHERE id = ?1",
        "availability": "UPDATE assessors SET availability = ?2, availability_mask = ?3 WHERE id = ?1",
        "bio": "UPDATE assessors SET bio = ?2 WHERE id = ?1",
        "paused_until": "UPDATE assessors SET paused_until = ?2 WHERE id = ?1",
    },
}
_EMPLOYMENTS = _Kind(
    noun="employment",
    to_row=_employment_row,
    from_row=_employment,
    key_width=1,
    upsert="INSERT INTO works_for (assessor_id, organisation_id, since) VALUES (?, ?, ?) "
    "ON CONFLICT (assessor_id) DO UPDATE SET organisation_id = excluded.organisation_id, since = excluded.since",
    all="SELECT assessor_id, organisation_id, since FROM works_for ORDER BY assessor_id",
    count="SELECT count(*) FROM works_for",
    existing_for="SELECT assessor_id, organisation_id, since FROM works_for WHERE assessor_id IN (SELECT value FROM json_each(?))",
)
_LINKS = _Kind(
    noun="theme link",
    to_row=_link_row,
    from_row=_link,
    key_width=2,
    upsert="INSERT INTO works_on (assessor_id, theme_id, level) VALUES (?, ?, ?) "
    "ON CONFLICT (assessor_id, theme_id) DO UPDATE SET level = excluded.level",
    all="SELECT assessor_id, theme_id, level FROM works_on ORDER BY assessor_id, theme_id",
    count="SELECT count(*) FROM works_on",
    existing_for="SELECT assessor_id, theme_id, level FROM works_on WHERE assessor_id IN (SELECT value FROM json_each(?))",
)
_CONTACTS = _Kind(
    noun="contact",
    to_row=_contact_row,
    from_row=_contact,
    key_width=2,
    upsert="INSERT INTO contacts (from_id, to_id, status, since, via) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (from_id, to_id) DO UPDATE SET status = excluded.status, since = excluded.since, via = excluded.via",
    all="SELECT from_id, to_id, status, since, via FROM contacts ORDER BY from_id, to_id",
    count="SELECT count(*) FROM contacts",
    existing_for="SELECT from_id, to_id, status, since, via FROM contacts WHERE from_id IN (SELECT value FROM json_each(?))",
)

#: Bundle kind → how it is stored, in BUNDLE_KINDS order (the order rows are written in).
_KINDS: dict[str, _Kind] = {
    "organisations": _ORGS,
    "themes": _THEMES,
    "assessors": _ASSESSORS,
    "employments": _EMPLOYMENTS,
    "theme_links": _LINKS,
    "contacts": _CONTACTS,
}
_LABEL_KIND: dict[str, str] = {"Organisation": "organisations", "Theme": "themes", "Assessor": "assessors"}
assert tuple(_KINDS) == BUNDLE_KINDS and set(_LABEL_KIND) == set(LABELS)

_GET_EMPLOYMENT = "SELECT assessor_id, organisation_id, since FROM works_for WHERE assessor_id = ?"
_DELETE_EMPLOYMENT = "DELETE FROM works_for WHERE assessor_id = ?"
_DELETE_LINK = "DELETE FROM works_on WHERE assessor_id = ? AND theme_id = ?"
_INSERT_CONTACT = "INSERT INTO contacts (from_id, to_id, status, since, via) VALUES (?, ?, ?, ?, ?)"
_GET_CONTACT = "SELECT from_id, to_id, status, since, via FROM contacts WHERE from_id = ? AND to_id = ?"
_DELETE_CONTACT = "DELETE FROM contacts WHERE from_id = ? AND to_id = ?"
_WITHDRAW_CONTACT = "DELETE FROM contacts WHERE from_id = ? AND to_id = ? AND status = 'requested'"

_ASSESSORS_OF_ORGANISATION = (
    "SELECT a.id, a.name, a.email, a.region, a.experience_years, a.discoverable, a.paused, a.active, a.capacity, "
    "a.availability, a.availability_mask, a.bio, a.paused_until FROM works_for w JOIN assessors a ON a.id = w.assessor_id "
    "WHERE w.organisation_id = ? AND w.assessor_id > ? ORDER BY w.assessor_id LIMIT ?"
)
#: Assessors whose name or email contains ?2, working for one of the organisations ?3 (a JSON list; NULL: anyone), in region ?4.
_FIND_ASSESSORS = (
    "SELECT a.id, a.name, a.email, a.region, a.experience_years, a.discoverable, a.paused, a.active, a.capacity, "
    "a.availability, a.availability_mask, a.bio, a.paused_until FROM assessors a "
    "LEFT JOIN works_for w ON w.assessor_id = a.id LEFT JOIN organisations o ON o.id = w.organisation_id "
    "WHERE a.id > ?1 AND (?2 IS NULL OR instr(lower(a.name), ?2) > 0 OR instr(lower(coalesce(a.email, '')), ?2) > 0) "
    "AND (?3 IS NULL OR w.organisation_id IN (SELECT value FROM json_each(?3))) "
    "AND (?4 IS NULL OR coalesce(a.region, o.region) = ?4) ORDER BY a.id LIMIT ?5"
)
_COUNT_EMPLOYEES = "SELECT count(*) FROM works_for WHERE organisation_id = ?"
_LINKS_OF = "SELECT assessor_id, theme_id, level FROM works_on WHERE assessor_id = ? ORDER BY theme_id"
_CONTACT_STATUS = "SELECT status FROM contacts WHERE from_id = ? AND to_id = ?"
_CONTACT_EITHER_WAY = "SELECT from_id, to_id, status FROM contacts WHERE (from_id = ?1 AND to_id = ?2) OR (from_id = ?2 AND to_id = ?1)"
_ACCEPT_CONTACT = "UPDATE contacts SET status = 'accepted', since = ?3 WHERE from_id = ?1 AND to_id = ?2"
_DECLINED_EITHER_WAY = "SELECT by_id, other_id FROM declined WHERE (by_id = ?1 AND other_id = ?2) OR (by_id = ?2 AND other_id = ?1)"
_INSERT_DECLINED = "INSERT INTO declined (by_id, other_id, since) VALUES (?, ?, ?) ON CONFLICT (by_id, other_id) DO NOTHING"
_GET_DECLINED = "SELECT by_id, other_id, since FROM declined WHERE by_id = ? AND other_id = ?"
_CONTACTS_OF = (
    "SELECT from_id, to_id, status, since, via FROM contacts WHERE from_id = ?1 AND (?2 IS NULL OR status = ?2) "
    "UNION ALL "
    "SELECT from_id, to_id, status, since, via FROM contacts WHERE to_id = ?1 AND (?2 IS NULL OR status = ?2) "
    "ORDER BY 1, 2"
)
_DECLINES_OF = (
    "SELECT by_id, other_id, since FROM declined WHERE by_id = ?1 "
    "UNION ALL "
    "SELECT by_id, other_id, since FROM declined WHERE other_id = ?1 AND by_id <> ?1 "
    "ORDER BY 1, 2"
)
_EXISTING_IDS = {
    "organisations": "SELECT id FROM organisations WHERE id IN (SELECT value FROM json_each(?))",
    "themes": "SELECT id FROM themes WHERE id IN (SELECT value FROM json_each(?))",
    "assessors": "SELECT id FROM assessors WHERE id IN (SELECT value FROM json_each(?))",
}
# Children before parents, so foreign keys never object.
_WIPE: tuple[str, ...] = (
    "DELETE FROM declined",
    "DELETE FROM contacts",
    "DELETE FROM works_on",
    "DELETE FROM works_for",
    "DELETE FROM assessors",
    "DELETE FROM themes",
    "DELETE FROM organisations",
)


def _unavailable(exc: sqlite3.Error) -> Unavailable:
    """Map any sqlite3 error that escaped the specific handling to the port's vocabulary."""
    return Unavailable(f"embedded store: {exc}")


def _translate(exc: sqlite3.Error) -> StoreError:
    if isinstance(exc, sqlite3.IntegrityError):
        return Conflict(f"embedded store: {exc}")
    return _unavailable(exc)


def _json_list(values: Iterable[Any]) -> str:
    return json.dumps(list(values), separators=(",", ":"))


_AREAS = (_sets, _suggestions, _reach, _accounts, _sessions, _meetings, _outcomes, _joins, _jobs, _delivery, _live, _views)


class EmbeddedStore(
    _sets.EmbeddedSets,
    _suggestions.EmbeddedSuggestions,
    _reach.EmbeddedReach,
    _accounts.EmbeddedAccounts,
    _sessions.EmbeddedSessions,
    _meetings.EmbeddedMeetings,
    _outcomes.EmbeddedOutcomes,
    _joins.EmbeddedJoins,
    _jobs.EmbeddedJobs,
    _delivery.EmbeddedDelivery,
    _views.EmbeddedViews,
    _live.EmbeddedLive,
    UnitOfWorkHooks,
    GraphStore,
):
    """The graph in one SQLite file (or ``":memory:"``), safe to share between the threads of one process."""

    kind = "embedded"

    def __init__(self, path: str | Path, busy_timeout: float = BUSY_TIMEOUT_S) -> None:
        """Open (creating if needed) the store at ``path``; :class:`Unavailable` if the file cannot be used."""
        self._path = str(path)
        self._busy_timeout = busy_timeout
        self._memory = self._path == ":memory:"
        self._local = threading.local()
        self._registry_lock = threading.Lock()
        # Every open connection with the thread it belongs to, so close() can close them all
        # and connections of finished threads can be closed when a new one is opened.
        self._connections: list[tuple[weakref.ref[threading.Thread], sqlite3.Connection]] = []
        self._shared: sqlite3.Connection | None = None
        self._shared_lock = threading.RLock()
        self._closed = False
        try:
            conn = self._connection()
            if not self._memory:
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.Error as exc:
            self.close()
            raise _unavailable(exc) from None
        try:
            self.ensure_schema()
        except StoreError:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"EmbeddedStore({self._path!r})"

    @property
    def path(self) -> str:
        """The SQLite file the store lives in (``":memory:"`` for a store in memory)."""
        return self._path

    # -- connections and transactions -----------------------------------------

    def _open(self) -> sqlite3.Connection:
        # timeout= is SQLite's busy timeout. isolation_level=None: we issue BEGIN/COMMIT ourselves. check_same_thread=False only so
        # close() may close a connection from another thread; each connection is used by one thread.
        conn = sqlite3.connect(self._path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA foreign_keys = ON")  # per connection; the cascades below depend on it
            # today() in SQL: the UK date, like Neo4j's date({timezone: 'Europe/London'}); a pause ends after paused_until.
            conn.create_function("bw_today", 0, _today_text)
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise Unavailable("the embedded store is closed")
        if self._memory:
            if self._shared is None:
                self._shared = self._open()
            return self._shared
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            with self._registry_lock:
                if self._closed:
                    conn.close()
                    raise Unavailable("the embedded store is closed")
                live = []
                for owner, other in self._connections:
                    thread = owner()
                    if thread is None or not thread.is_alive():
                        other.close()
                    else:
                        live.append((owner, other))
                live.append((weakref.ref(threading.current_thread()), conn))
                self._connections = live
            self._local.conn = conn
        return conn

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        """One transaction: commit when the block ends, roll back if it raises; sqlite3 errors become port errors.

        Inside a unit of work it is a savepoint of the unit's transaction instead, so the
        method stays all-or-nothing while its writes commit (or not) with the unit's.
        """
        unit: UnitState | None = getattr(self._local, "unit", None)
        if unit is not None and write and not unit.write:
            with self._suspended(unit), self._transaction(write) as conn:
                yield conn  # a write inside a read unit: its own transaction, then the read unit carries on
            return
        if unit is not None:
            yield from self._savepoint(unit, write)
            return
        with self._shared_lock if self._memory else nullcontext():
            self._began(write)
            try:
                conn = self._connection()
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            except sqlite3.Error as exc:
                raise _unavailable(exc) from None
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                try:
                    conn.rollback()
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.Error):
                    raise _translate(exc) from None
                raise

    def _savepoint(self, unit: UnitState, write: bool) -> Iterator[sqlite3.Connection]:
        conn: sqlite3.Connection = unit.handle
        unit.savepoints += 1
        name = f"bw_{unit.savepoints}"  # a fixed pattern of our own, never input
        try:
            conn.execute(f"SAVEPOINT {name}")
        except sqlite3.Error as exc:
            raise _translate(exc) from None
        try:
            yield conn
            conn.execute(f"RELEASE {name}")
        except BaseException as exc:
            try:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            except sqlite3.Error:
                pass
            if isinstance(exc, sqlite3.Error):
                raise unit.fail(_translate(exc)) from None
            if write and isinstance(exc, StoreError) and not isinstance(exc, NotFound):
                unit.fail(exc)  # a refused write ends the unit, as it does on Neo4j
            raise

    @contextmanager
    def _suspended(self, unit: UnitState) -> Iterator[None]:
        """End the read unit's transaction for a write made inside it; a fresh read transaction carries the unit on."""
        conn: sqlite3.Connection = unit.handle
        self._local.unit = None
        try:
            conn.execute("COMMIT")  # a read transaction: nothing to keep but its snapshot
        except sqlite3.Error as exc:
            raise _translate(exc) from None
        try:
            yield
        finally:
            self._began(False)
            try:
                conn.execute("BEGIN")
            finally:
                self._local.unit = unit

    @contextmanager
    def unit_of_work(self, write: bool = True) -> Iterator[None]:
        """One transaction every store call on this thread joins until the block ends (see :class:`GraphStore`).

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
        with self._transaction(write) as conn:
            unit = UnitState(write=write, handle=conn)
            self._local.unit = unit
            try:
                yield
                unit.check()
            finally:
                self._local.unit = None
        run_after_commit(unit.after)

    # -- lifetime -------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the tables and indexes if missing and record the schema version; running it again is harmless."""
        with self._transaction(write=True) as conn:
            version = conn.execute(_GET_USER_VERSION).fetchone()[0]
            if version > SCHEMA_VERSION:
                raise Unavailable(f"{self._path} has schema version {version}, newer than this Bridgework understands ({SCHEMA_VERSION})")
            for statement in _SCHEMA + tuple(s for area in _AREAS for s in area.DDL):
                conn.execute(statement)
            for migrate in (step for area in _AREAS for step in getattr(area, "MIGRATIONS", ())):
                migrate(conn)  # an area's change to its tables in older files; each step is harmless to run again
            if 0 < version < 2 and not any(r[1] == "paused_until" for r in conn.execute(_ASSESSOR_COLUMNS)):
                conn.execute(_ADD_PAUSED_UNTIL)  # version 1 -> 2: a pause may end on a given day
            if version < SCHEMA_VERSION:
                conn.execute(_SET_USER_VERSION)

    def ping(self) -> None:
        """Return if the database answers ``SELECT 1``, else raise :class:`Unavailable`."""
        with self._transaction(write=False) as conn:
            conn.execute("SELECT 1").fetchone()

    def close(self) -> None:
        """Close every connection of every thread; closing twice is harmless."""
        with self._registry_lock:
            self._closed = True
            connections = [conn for _, conn in self._connections]
            self._connections = []
        if self._shared is not None:
            connections.append(self._shared)
            self._shared = None
        for conn in connections:
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def _wipe(self) -> None:
        """Delete everything (for tests)."""
        with self._transaction(write=True) as conn:
            for statement in tuple(s for area in reversed(_AREAS) for s in area.WIPE) + _WIPE:
                conn.execute(statement)

    # -- generic node helpers -------------------------------------------------

    @staticmethod
    def _require(conn: sqlite3.Connection, kind: _Node, node_id: str) -> Row:
        row = conn.execute(kind.get, (node_id,)).fetchone()
        if row is None:
            raise NotFound(f"no {kind.noun} with id {node_id!r}")
        return tuple(row)

    def _create(self, kind: _Node, node: N) -> N:
        with self._transaction(write=True) as conn:
            try:
                conn.execute(kind.insert, kind.to_row(node))
            except sqlite3.IntegrityError:
                raise Conflict(f"{kind.noun} {node.id!r} already exists") from None
        return node

    def _get(self, kind: _Node, node_id: str) -> Any:
        with self._transaction(write=False) as conn:
            return kind.from_row(self._require(conn, kind, node_id))

    def _update(self, kind: _Node, node: N) -> N:
        with self._transaction(write=True) as conn:
            if conn.execute(kind.update, kind.to_row(node)).rowcount == 0:
                raise NotFound(f"no {kind.noun} with id {node.id!r}")
        return node

    def _update_fields(self, kind: _Node, node_id: str, changes: Mapping[str, Any]) -> Any:
        """Read the row under the write lock, apply ``changes`` (checked by the domain), write only the changed columns."""
        with self._transaction(write=True) as conn:  # BEGIN IMMEDIATE (or the unit's): nobody writes between read and write
            current = kind.from_row(self._require(conn, kind, node_id))
            updated, changed = apply_changes(current, changes, kind.noun)
            if changed:
                columns = _COLUMNS[kind.noun]
                before = dict(zip(columns, kind.to_row(current), strict=True))
                after = dict(zip(columns, kind.to_row(updated), strict=True))
                for column, statement in _SET_COLUMN[kind.noun].items():
                    if before[column] != after[column]:
                        extra = (after["availability_mask"],) if column == "availability" else ()
                        conn.execute(statement, (node_id, after[column], *extra))
        return updated

    def _delete(self, kind: _Node, node_id: str) -> None:
        with self._transaction(write=True) as conn:
            if conn.execute(kind.delete, (node_id,)).rowcount == 0:
                raise NotFound(f"no {kind.noun} with id {node_id!r}")

    @staticmethod
    def _page(conn: sqlite3.Connection, kind: _Node, statement: str, params: tuple[Any, ...], limit: int) -> Page[Any]:
        # Ask for one row more than the page holds: its presence is what says another page follows.
        rows = conn.execute(statement, (*params, limit + 1)).fetchall()
        items = [kind.from_row(tuple(r)) for r in rows[:limit]]
        return Page(items=items, next_after=items[-1].id if len(rows) > limit else None)

    def _list(self, kind: _Node, limit: int, after: str | None) -> Page[Any]:
        with self._transaction(write=False) as conn:
            return self._page(conn, kind, kind.page, (after or "",), clamp_limit(limit))

    # -- organisations --------------------------------------------------------

    def create_organisation(self, org: Organisation) -> Organisation:
        """Store a new organisation; :class:`Conflict` if the id exists."""
        return self._create(_ORGS, org)

    def get_organisation(self, org_id: str) -> Organisation:
        """The organisation with this id; :class:`NotFound` if none."""
        return self._get(_ORGS, org_id)  # type: ignore[no-any-return]

    def update_organisation(self, org: Organisation) -> Organisation:
        """Replace an organisation's properties; :class:`NotFound` if none."""
        return self._update(_ORGS, org)

    def update_organisation_fields(self, org_id: str, changes: Mapping[str, Any]) -> Organisation:
        """Change only the named fields (under the write lock, checked whole, only changed columns written); see the port."""
        return self._update_fields(_ORGS, org_id, changes)  # type: ignore[no-any-return]

    def delete_organisation(self, org_id: str) -> None:
        """Delete an organisation; :class:`NotFound` if none, :class:`Conflict` while assessors work for it."""
        with self._transaction(write=True) as conn:
            self._require(conn, _ORGS, org_id)
            employees = conn.execute(_COUNT_EMPLOYEES, (org_id,)).fetchone()[0]
            if employees:
                raise Conflict(f"organisation {org_id!r} still employs {employees} assessor(s); move or remove them first")
            conn.execute(_ORGS.delete, (org_id,))

    def list_organisations(self, limit: int = 50, after: str | None = None) -> Page[Organisation]:
        """Organisations in id order, ``limit`` at a time (capped at :data:`~graph.port.MAX_PAGE`)."""
        return self._list(_ORGS, limit, after)

    # -- themes ---------------------------------------------------------------

    def create_theme(self, theme: Theme) -> Theme:
        """Store a new theme; :class:`Conflict` if the id exists."""
        return self._create(_THEMES, theme)

    def get_theme(self, theme_id: str) -> Theme:
        """The theme with this id; :class:`NotFound` if none."""
        return self._get(_THEMES, theme_id)  # type: ignore[no-any-return]

    def update_theme(self, theme: Theme) -> Theme:
        """Replace a theme's properties; :class:`NotFound` if none."""
        return self._update(_THEMES, theme)

    def update_theme_fields(self, theme_id: str, changes: Mapping[str, Any]) -> Theme:
        """Change only the named fields (under the write lock, checked whole, only changed columns written); see the port."""
        return self._update_fields(_THEMES, theme_id, changes)  # type: ignore[no-any-return]

    def delete_theme(self, theme_id: str) -> None:
        """Delete a theme and (by cascade) every WORKS_ON link to it; :class:`NotFound` if none."""
        self._delete(_THEMES, theme_id)

    def list_themes(self, limit: int = 50, after: str | None = None) -> Page[Theme]:
        """Themes in id order, ``limit`` at a time (capped at :data:`~graph.port.MAX_PAGE`)."""
        return self._list(_THEMES, limit, after)

    # -- assessors ------------------------------------------------------------

    def create_assessor(self, assessor: Assessor) -> Assessor:
        """Store a new assessor; :class:`Conflict` if the id exists."""
        return self._create(_ASSESSORS, assessor)

    def get_assessor(self, assessor_id: str) -> Assessor:
        """The assessor with this id; :class:`NotFound` if none."""
        return self._get(_ASSESSORS, assessor_id)  # type: ignore[no-any-return]

    def update_assessor(self, assessor: Assessor) -> Assessor:
        """Replace an assessor's properties (not their ties); :class:`NotFound` if none."""
        return self._update(_ASSESSORS, assessor)

    def update_assessor_fields(self, assessor_id: str, changes: Mapping[str, Any]) -> Assessor:
        """Change only the named profile fields (under the write lock, checked whole, only changed columns written); see the port."""
        return self._update_fields(_ASSESSORS, assessor_id, changes)  # type: ignore[no-any-return]

    def delete_assessor(self, assessor_id: str) -> None:
        """Delete an assessor and (by cascade) all their ties; :class:`NotFound` if none."""
        self._delete(_ASSESSORS, assessor_id)

    def list_assessors(self, limit: int = 50, after: str | None = None, organisation_id: str | None = None) -> Page[Assessor]:
        """Assessors in id order, optionally only those working for one organisation (an unknown one gives an empty page)."""
        limit = clamp_limit(limit)
        with self._transaction(write=False) as conn:
            if organisation_id is None:
                return self._page(conn, _ASSESSORS, _ASSESSORS.page, (after or "",), limit)
            return self._page(conn, _ASSESSORS, _ASSESSORS_OF_ORGANISATION, (organisation_id, after or ""), limit)

    def find_assessors(
        self,
        text: str | None = None,
        organisation_ids: Sequence[str] | None = None,
        region: str | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> Page[Assessor]:
        """Assessors in id order matching every part given (see the port)."""
        orgs = None if organisation_ids is None else json.dumps(sorted(set(organisation_ids)))
        with self._transaction(write=False) as conn:
            return self._page(conn, _ASSESSORS, _FIND_ASSESSORS, (after or "", (text or "").lower() or None, orgs, region), clamp_limit(limit))

    # -- WORKS_FOR ------------------------------------------------------------

    def set_employer(self, assessor_id: str, organisation_id: str, since: date | None = None) -> Employment:
        """Make the assessor work for the organisation, replacing any earlier employer; :class:`NotFound` if either is missing."""
        employment = Employment(assessor_id=assessor_id, organisation_id=organisation_id, since=since)
        with self._transaction(write=True) as conn:
            self._require(conn, _ASSESSORS, assessor_id)
            self._require(conn, _ORGS, organisation_id)
            conn.execute(_EMPLOYMENTS.upsert, _employment_row(employment))
        return employment

    def get_employment(self, assessor_id: str) -> Employment | None:
        """The assessor's employment, or ``None``; :class:`NotFound` if the assessor is missing."""
        with self._transaction(write=False) as conn:
            self._require(conn, _ASSESSORS, assessor_id)
            row = conn.execute(_GET_EMPLOYMENT, (assessor_id,)).fetchone()
        return None if row is None else _employment(tuple(row))

    def clear_employer(self, assessor_id: str) -> None:
        """Remove the assessor's employment if any; :class:`NotFound` if the assessor is missing."""
        with self._transaction(write=True) as conn:
            self._require(conn, _ASSESSORS, assessor_id)
            conn.execute(_DELETE_EMPLOYMENT, (assessor_id,))

    # -- WORKS_ON -------------------------------------------------------------

    def set_theme(self, assessor_id: str, theme_id: str, level: str) -> ThemeLink:
        """Add or re-level the assessor's link to a theme; :class:`NotFound` if either is missing, :class:`Invalid` for a bad level."""
        try:
            link = ThemeLink(assessor_id=assessor_id, theme_id=theme_id, level=level)
        except InvalidValue as exc:
            raise Invalid(str(exc)) from None
        with self._transaction(write=True) as conn:
            self._require(conn, _ASSESSORS, assessor_id)
            self._require(conn, _THEMES, theme_id)
            conn.execute(_LINKS.upsert, _link_row(link))
        return link

    def remove_theme(self, assessor_id: str, theme_id: str) -> None:
        """Remove the link; :class:`NotFound` if the assessor, the theme or the link is missing."""
        with self._transaction(write=True) as conn:
            self._require(conn, _ASSESSORS, assessor_id)
            self._require(conn, _THEMES, theme_id)
            if conn.execute(_DELETE_LINK, (assessor_id, theme_id)).rowcount == 0:
                raise NotFound(f"assessor {assessor_id!r} does not work on theme {theme_id!r}")

    def theme_links(self, assessor_id: str) -> list[ThemeLink]:
        """The assessor's theme links in theme-id order; :class:`NotFound` if the assessor is missing."""
        with self._transaction(write=False) as conn:
            self._require(conn, _ASSESSORS, assessor_id)
            return [_link(tuple(r)) for r in conn.execute(_LINKS_OF, (assessor_id,))]

    # -- contacts -------------------------------------------------------------

    def request_contact(self, from_id: str, to_id: str, via: str | None = None, on: date | None = None) -> Contact:
        """Ask ``to_id`` to connect with ``from_id``; see :meth:`GraphStore.request_contact` for the errors."""
        if from_id == to_id:
            raise Invalid(f"assessor {from_id!r} cannot contact themself")
        try:
            contact = Contact(from_id=from_id, to_id=to_id, status="requested", since=on or date.today(), via=via)
        except InvalidValue as exc:
            raise Invalid(str(exc)) from None
        with self._transaction(write=True) as conn:
            self._require(conn, _ASSESSORS, from_id)
            self._require(conn, _ASSESSORS, to_id)
            existing = conn.execute(_CONTACT_EITHER_WAY, (from_id, to_id)).fetchone()
            if existing is not None:
                raise Conflict(f"a contact {existing[0]!r} → {existing[1]!r} already exists ({existing[2]})")
            declined = conn.execute(_DECLINED_EITHER_WAY, (from_id, to_id)).fetchone()
            if declined is not None:
                raise Conflict(f"{declined[0]!r} has declined {declined[1]!r}; they are not put in touch again")
            conn.execute(_INSERT_CONTACT, _contact_row(contact))
        return contact

    def accept_contact(self, from_id: str, to_id: str, on: date | None = None) -> Contact:
        """``to_id`` accepts the pending request from ``from_id``; :class:`NotFound` if none, :class:`Conflict` if already accepted."""
        since = on or date.today()
        with self._transaction(write=True) as conn:
            row = conn.execute(_GET_CONTACT, (from_id, to_id)).fetchone()
            if row is None:
                raise NotFound(f"no contact request from {from_id!r} to {to_id!r}")
            if row[2] == "accepted":
                raise Conflict(f"the contact {from_id!r} → {to_id!r} is already accepted")
            conn.execute(_ACCEPT_CONTACT, (from_id, to_id, since.isoformat()))
        return Contact(from_id=from_id, to_id=to_id, status="accepted", since=since, via=row[4])

    def decline_contact(self, from_id: str, to_id: str, on: date | None = None) -> Declined:
        """``to_id`` declines the pending request from ``from_id``; :class:`NotFound` if there is no pending request."""
        since = on or date.today()
        with self._transaction(write=True) as conn:
            status = conn.execute(_CONTACT_STATUS, (from_id, to_id)).fetchone()
            if status is None or status[0] != "requested":
                raise NotFound(f"no pending contact request from {from_id!r} to {to_id!r}")
            conn.execute(_DELETE_CONTACT, (from_id, to_id))
            conn.execute(_INSERT_DECLINED, (to_id, from_id, since.isoformat()))
            return _declined(tuple(conn.execute(_GET_DECLINED, (to_id, from_id)).fetchone()))

    def withdraw_contact(self, from_id: str, to_id: str) -> None:
        """``from_id`` withdraws their pending request to ``to_id``; :class:`NotFound` if there is none."""
        with self._transaction(write=True) as conn:
            if conn.execute(_WITHDRAW_CONTACT, (from_id, to_id)).rowcount == 0:
                raise NotFound(f"no pending contact request from {from_id!r} to {to_id!r}")

    def decline_suggestion(self, by_id: str, other_id: str, on: date | None = None) -> Declined:
        """``by_id`` turns down ``other_id``; repeating it keeps the first decline and its date."""
        if by_id == other_id:
            raise Invalid(f"assessor {by_id!r} cannot decline themself")
        since = on or date.today()
        with self._transaction(write=True) as conn:
            self._require(conn, _ASSESSORS, by_id)
            self._require(conn, _ASSESSORS, other_id)
            conn.execute(_INSERT_DECLINED, (by_id, other_id, since.isoformat()))
            return _declined(tuple(conn.execute(_GET_DECLINED, (by_id, other_id)).fetchone()))

    def contacts_of(self, assessor_id: str, status: str | None = None) -> list[Contact]:
        """Contacts with the assessor at either end, optionally of one status, ordered by (from_id, to_id)."""
        if status is not None and status not in CONTACT_STATUSES:
            raise Invalid(f"status must be one of {', '.join(CONTACT_STATUSES)}, got {status!r}")
        with self._transaction(write=False) as conn:
            self._require(conn, _ASSESSORS, assessor_id)
            return [_contact(tuple(r)) for r in conn.execute(_CONTACTS_OF, (assessor_id, status))]

    def declines_of(self, assessor_id: str) -> list[Declined]:
        """DECLINED ties with the assessor at either end, ordered by (by_id, other_id); empty for an unknown assessor."""
        with self._transaction(write=False) as conn:
            return [_declined(tuple(r)) for r in conn.execute(_DECLINES_OF, (assessor_id,))]

    # -- bulk -----------------------------------------------------------------

    def existing_ids(self, label: Label, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` exist under ``label``."""
        if label not in _LABEL_KIND:
            raise Invalid(f"label must be one of {', '.join(LABELS)}, got {label!r}")
        with self._transaction(write=False) as conn:
            return self._existing(conn, label, set(ids))

    def bulk_upsert(self, bundle: Bundle, batch_size: int = 5000) -> UpsertReport:
        """Upsert everything in ``bundle`` in one transaction; :class:`Invalid` (and nothing written) for a bad reference."""
        bundles.check_keys(bundle)
        report = UpsertReport()
        with self._transaction(write=True) as conn:
            self._upsert_into(conn, bundle, max(1, int(batch_size)), report)
        return report

    def bulk_upsert_chunks(self, chunks: Callable[[], Iterable[Bundle]], batch_size: int = 5000) -> UpsertReport:
        """Upsert every chunk in one transaction; see :meth:`GraphStore.bulk_upsert_chunks`."""
        report = UpsertReport()
        with self._transaction(write=True) as conn:
            for chunk in chunks():
                bundles.check_keys(chunk)
                self._upsert_into(conn, chunk, max(1, int(batch_size)), report)
        return report

    def _upsert_into(self, conn: sqlite3.Connection, bundle: Bundle, batch_size: int, report: UpsertReport) -> None:
        """Check and write one bundle on the open write transaction ``conn``, adding to ``report``'s counts."""
        rows = {kind: [_KINDS[kind].to_row(item) for item in getattr(bundle, kind)] for kind in BUNDLE_KINDS}
        bundles.check_references(bundle, lambda label, ids: self._existing(conn, label, ids))
        stored_contacts = self._check_stored_reverse_contacts(conn, rows["contacts"])
        for kind in BUNDLE_KINDS:
            spec = _KINDS[kind]
            if kind == "contacts":
                stored = stored_contacts
            else:
                stored = self._stored_rows(conn, spec, {row[0] for row in rows[kind]})
            counts = report.counts[kind]
            to_write = []
            for row in rows[kind]:
                before = stored.get(row[: spec.key_width])
                if before is None:
                    counts.created += 1
                elif before != row:
                    counts.updated += 1
                else:
                    counts.unchanged += 1
                    continue
                to_write.append(row)
            for batch in bundles.batches(to_write, batch_size):
                conn.executemany(spec.upsert, batch)

    @staticmethod
    def _stored_rows(conn: sqlite3.Connection, spec: _Kind, first_keys: set[str]) -> dict[Row, Row]:
        """Stored rows of a kind whose first key column is one of ``first_keys``, by key."""
        if not first_keys:
            return {}
        return {tuple(r[: spec.key_width]): tuple(r) for r in conn.execute(spec.existing_for, (_json_list(first_keys),))}

    @staticmethod
    def _existing(conn: sqlite3.Connection, label: Label, ids: set[str]) -> set[str]:
        """Which of ``ids`` are stored under ``label``, read on ``conn``."""
        return {r[0] for r in conn.execute(_EXISTING_IDS[_LABEL_KIND[label]], (_json_list(ids),))}

    def _check_stored_reverse_contacts(self, conn: sqlite3.Connection, contacts: list[Row]) -> dict[Row, Row]:
        """Raise :class:`Invalid` for a contact whose reverse is stored; return the stored contacts around them."""
        stored = self._stored_rows(conn, _CONTACTS, {end for row in contacts for end in row[:2]})
        for f, t, *_rest in contacts:
            if (t, f) in stored:
                raise Invalid(bundles.reverse_stored_message(f, t))
        return stored

    def export_bundle(self) -> Bundle:
        """Everything stored, as a bundle in id order (relationships in key order)."""
        with self._transaction(write=False) as conn:
            parts = {kind: [_KINDS[kind].from_row(tuple(r)) for r in conn.execute(_KINDS[kind].all)] for kind in BUNDLE_KINDS}
        return Bundle(**parts)

    def counts(self) -> dict[str, int]:
        """How many of each kind are stored, keyed as in :data:`~network.bundle.BUNDLE_KINDS`."""
        with self._transaction(write=False) as conn:
            return {kind: conn.execute(_KINDS[kind].count).fetchone()[0] for kind in BUNDLE_KINDS}

    def accepted_contact_count(self) -> int:
        with self._transaction(write=False) as conn:
            return conn.execute("SELECT count(*) FROM contacts WHERE status = 'accepted'").fetchone()[0]
