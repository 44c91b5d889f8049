"""The audit log as people read it (issue 17): who did what, in words, with filters and a CSV download.

The log stores ids and action codes (``joins:accepted``, ``set set-1c5bddb400b9``) because it outlives
names and erasures; this module turns each entry into a line a person reads ("Sam Patel accepted Jo
Bloggs's request to join Bridging practice 2026: set 2"), names the people, organisations,
programmes and sets by their names at the time of reading (a deleted or erased one reads as "a removed
organisation", "a former member"), and finds entries by person, action, organisation and date range.

Reads only: nothing here changes the store.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from graph.port import GraphStore, NotFound
from graph.port_accounts import AuditEntry
from network import limits

#: Every kind of action in the log, as the filter offers it, in words (grouped by what it is about).
ACTIONS: dict[str, str] = {
    "user:create": "A sign-in was created",
    "user:invite": "A person was invited",
    "user:update": "A sign-in was changed or deactivated",
    "user:roles": "Roles were changed",
    "user:scopes": "What someone looks after was changed",
    "user:reset_link": "A password link was issued",
    "user:delete": "A sign-in was deleted",
    "token:delete": "An API token was revoked",
    "notice_preferences:update": "E-mail choices were changed",
    "organisation:create": "An organisation was added",
    "organisation:update": "An organisation was changed",
    "organisation:delete": "An organisation was deleted",
    "theme:create": "A practice theme was added",
    "theme:update": "A practice theme was changed",
    "theme:delete": "A practice theme was deleted",
    "assessor:create": "An assessor was added",
    "assessor:update": "A profile was changed",
    "assessor:active": "An assessor was deactivated or reactivated",
    "assessor:themes": "Practice themes of an assessor were changed",
    "assessor:employer": "An assessor moved organisation",
    "import": "People were imported",
    "privacy:erase": "A person's data was erased",
    "contacts:request": "A contact was requested",
    "contacts:accept": "A contact was accepted",
    "contacts:decline": "A contact was declined",
    "contacts:withdraw": "A contact request was withdrawn",
    "contacts:not-for-me": "A suggestion was turned down",
    "programme:create": "A programme was opened",
    "programme:update": "A programme's settings were changed",
    "programme:status": "A programme moved on",
    "programme:close": "A programme was closed",
    "enrolments:add": "People were enrolled",
    "enrolments:remove": "People were taken out of a pool",
    "proposals:discard": "A proposal was discarded",
    "sets:commit": "Sets were formed",
    "sets:leave": "Someone left a set",
    "sets:fill": "A place in a set was filled",
    "sets:status": "A set's status changed",
    "joins:request": "Someone asked to join a set",
    "joins:accepted": "A request to join a set was accepted",
    "joins:declined": "A request to join a set was declined",
    "joins:withdrawn": "A request to join a set was withdrawn",
    "meetings:swap": "A rota turn was swapped",
    "meetings:move": "A meeting was moved",
    "meetings:video-link": "A meeting link was set",
    "meetings:attendance": "Attendance was recorded",
    "store:restored": "The store was restored from a backup",
    "user:password": "A password was changed",
    "user:password_reset": "A password was set through a link",
    "session:end": "A sign-in session ended",
    "session:end_others": "Other sign-in sessions were ended",
    "outcomes:release": "Questionnaire figures were released",
    "live:start": "A meeting was opened live",
    "live:join": "Someone joined a live meeting",
    "live:advance": "A live meeting moved on",
    "live:skip": "A presenter's time was skipped",
    "live:pause": "A live meeting's timer was paused",
    "live:resume": "A live meeting's timer carried on",
    "live:extend": "Time was added in a live meeting",
    "live:close": "A live meeting was closed",
}

STATUS_WORDS = {"draft": "draft", "open": "open", "forming": "forming sets", "running": "running", "closed": "closed", "active": "active"}
#: How many stored entries one search looks through before it answers (with a link to look further).
SCAN = 5000


class Names:
    """Names of what the log mentions, read once each from the store; missing ones read as removed."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._cache: dict[tuple[str, str], str] = {}

    def _get(self, kind: str, key: str | None, read: Callable[[str], str], missing: str) -> str:
        if not key:
            return missing
        if (kind, key) not in self._cache:
            try:
                self._cache[(kind, key)] = read(key)
            except NotFound:
                self._cache[(kind, key)] = missing
        return self._cache[(kind, key)]

    def person(self, assessor_id: str | None) -> str:
        return self._get("assessor", assessor_id, lambda k: self.store.get_assessor(k).name, "a former member")

    def user(self, user_id: str | None) -> str:
        """A sign-in as people know it: the assessor's name if linked, else the email."""
        if user_id is None:
            return "Bridgework"

        def read(key: str) -> str:
            user = self.store.get_user(key)
            if user.assessor_id:
                try:
                    return f"{self.store.get_assessor(user.assessor_id).name} ({user.email})"
                except NotFound:
                    return user.email
            return user.email

        return self._get("user", user_id, read, "a deleted sign-in")

    def organisation(self, org_id: str | None) -> str:
        return self._get("organisation", org_id, lambda k: self.store.get_organisation(k).name, "a removed organisation")

    def theme(self, theme_id: str | None) -> str:
        return self._get("theme", theme_id, lambda k: self.store.get_theme(k).name, "a removed theme")

    def programme(self, programme_id: str | None) -> str:
        return self._get("programme", programme_id, lambda k: self.store.get_programme(k).name, "a removed programme")

    def set(self, set_id: str | None) -> str:
        return self._get("set", set_id, lambda k: self.store.get_set(k).set.name, "a removed set")

    def target(self, entry: AuditEntry) -> str:
        kind, key = entry.target_kind, entry.target_id
        return {
            "user": self.user,
            "assessor": self.person,
            "organisation": self.organisation,
            "theme": self.theme,
            "programme": self.programme,
            "set": self.set,
        }.get(kind, lambda _k: "the network")(key)

    def people(self, ids: Iterable[str], most: int = 5) -> str:
        names = [self.person(i) for i in ids]
        if not names:
            return "nobody"
        shown = ", ".join(names[:most])
        return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _fields(details: Mapping[str, Any]) -> str:
    fields = [str(f).replace("_", " ") for f in details.get("fields", ())]
    return f" ({', '.join(fields)})" if fields else ""


def describe(entry: AuditEntry, names: Names) -> str:
    """What the entry records, in words, naming people and things (never an id or a code)."""
    d = entry.details
    t = names.target(entry)
    a = entry.action
    other = names.person(d.get("other_id")) if d.get("other_id") else ""
    if a == "user:create":
        roles = ", ".join(ROLE_WORDS.get(r, r) for r in d.get("roles", ()))
        return f"created the sign-in of {t}" + (f" as {roles}" if roles else "")
    if a == "user:invite":
        return f"invited {t} to sign in (they choose their own password)"
    if a in ("user:roles",):
        after = ", ".join(ROLE_WORDS.get(r, r) for r in d.get("after", ()))
        return f"changed the roles of {t}" + (f" to {after}" if after else "")
    if a == "user:update":
        if "active" in d:
            return f"{'reactivated' if d['active'] else 'deactivated'} the sign-in of {t}"
        return f"changed the sign-in of {t}"
    words: dict[str, str] = {
        "user:scopes": f"changed what {t} looks after",
        "user:reset_link": f"issued a password link for {t}",
        "user:delete": f"deleted the sign-in of {t}",
        "token:delete": f"revoked an API token of {t}",
        "notice_preferences:update": f"changed the e-mail choices of {t}",
        "organisation:create": f"added the organisation {t}",
        "organisation:update": f"changed the organisation {t}{_fields(d)}",
        "organisation:delete": f"deleted the organisation {t}",
        "theme:create": f"added the practice theme {t}",
        "theme:update": f"changed the practice theme {t}{_fields(d)}",
        "theme:delete": f"deleted the practice theme {t}",
        "assessor:create": f"added the assessor {t}"
        + (f" at {names.organisation(d['organisation_id'])}" if d.get("organisation_id") else ""),
        "assessor:update": f"changed the profile of {t}{_fields(d)}",
        "assessor:active": f"{'reactivated' if d.get('active') else 'deactivated'} {t}",
        "assessor:themes": f"changed the practice themes of {t}"
        + (
            f": {names.theme(d.get('theme_id'))} {'removed' if d.get('level') is None else 'as ' + str(d.get('level'))}"
            if d.get("theme_id")
            else ""
        ),
        "assessor:employer": f"moved {t} from {names.organisation(d.get('from')) if d.get('from') else 'no organisation'}"
        f" to {names.organisation(d.get('to')) if d.get('to') else 'no organisation'}",
        "import": _imported(d),
        "privacy:erase": "erased a person's data at their request",
        "contacts:request": f"contact request from {t} to {other}",
        "contacts:accept": f"{t} accepted {other}'s contact request",
        "contacts:decline": f"{t} declined {other}'s contact request",
        "contacts:withdraw": f"{t} withdrew a contact request to {other}",
        "contacts:not-for-me": f"{t} turned down the suggestion of {other}",
        "programme:create": f"opened the programme {t}",
        "programme:update": f"changed the settings of {t}{_fields(d)}",
        "programme:status": f"{t} moved from {STATUS_WORDS.get(d.get('from', ''), 'its stage')}"
        f" to {STATUS_WORDS.get(d.get('to', ''), 'the next')}",
        "programme:close": f"closed the programme {t}" + (f" and its {d['sets']} sets" if d.get("sets") else ""),
        "enrolments:add": f"enrolled {names.people(d.get('assessor_ids', ()))} in {t}",
        "enrolments:remove": f"took {names.people(d.get('assessor_ids', ()))} out of the pool of {t}",
        "proposals:discard": f"discarded a proposal for {t}",
        "sets:commit": f"formed {len(d.get('set_ids', ()))} sets of {t} with {d.get('members', 0)} people",
        "sets:leave": f"{names.person(d.get('assessor_id'))} left {t}",
        "sets:fill": f"placed {names.person(d.get('assessor_id'))} in {t}",
        "sets:status": f"{t} is now {STATUS_WORDS.get(d.get('status', ''), 'changed')}",
        "joins:request": f"{names.person(d.get('assessor_id'))} asked to join {t}",
        "joins:accepted": f"accepted {names.person(d.get('assessor_id'))}'s request to join {t}",
        "joins:declined": f"declined {names.person(d.get('assessor_id'))}'s request to join {t}",
        "joins:withdrawn": f"{names.person(d.get('assessor_id'))}'s request to join {t} was withdrawn",
        "meetings:swap": f"swapped a rota turn in {t}",
        "meetings:move": f"moved a meeting of {t}" + (f" to {_day(d.get('on'))}" if d.get("on") else ""),
        "meetings:video-link": f"set the meeting link of {t}",
        "meetings:attendance": f"recorded attendance at a meeting of {t}",
        "store:restored": "restored the store from a backup",
        "user:password": f"changed the password of {t}",
        "user:password_reset": f"set a new password for {t} through a link (every session ended)",
        "session:end": f"ended a sign-in session of {t}",
        "session:end_others": f"ended the other sign-in sessions of {t}",
        "outcomes:release": f"released the questionnaire figures of {t}",
        "live:start": f"opened a meeting of {t} live",
        "live:join": f"joined a live meeting of {t}",
        "live:advance": f"moved a live meeting of {t} on",
        "live:skip": f"skipped a presenter's time in a meeting of {t}",
        "live:pause": f"paused the timer in a meeting of {t}",
        "live:resume": f"started the timer again in a meeting of {t}",
        "live:extend": f"added time in a meeting of {t}",
        "live:close": f"closed a live meeting of {t}",
    }
    return words.get(a, ACTIONS.get(a, "changed something").lower() + f" ({t})")


def _imported(d: Mapping[str, Any]) -> str:
    """An import's entry in words: how many rows it wrote (its counts, else the numbers it holds)."""
    rows = d.get("rows")
    if not isinstance(rows, int) or isinstance(rows, bool):
        rows = sum(v for v in d.values() if isinstance(v, int) and not isinstance(v, bool))
    return f"imported {rows} rows" if rows else "imported people"


ROLE_WORDS = {"assessor": "assessor", "org_admin": "organisation admin", "coordinator": "coordinator", "admin": "network admin"}


def _day(value: Any) -> str:
    try:
        return limits.words(date.fromisoformat(str(value)))
    except ValueError:
        return "another day"


@dataclass(frozen=True, slots=True)
class Line:
    """One entry as people read it."""

    entry: AuditEntry
    who: str
    what: str
    kind: str


def lines(store: GraphStore, entries: Sequence[AuditEntry], names: Names | None = None) -> list[Line]:
    """The entries in words."""
    names = names or Names(store)
    return [Line(e, names.user(e.actor_id), describe(e, names), ACTIONS.get(e.action, "Another change")) for e in entries]


@dataclass(frozen=True, slots=True)
class Filters:
    """What a reader looks for; every part optional."""

    actor_id: str | None = None
    action: str | None = None
    organisation_id: str | None = None
    since: date | None = None
    until: date | None = None


def _organisation_ids(store: GraphStore, organisation_id: str) -> set[str]:
    """The ids an entry about the organisation names: itself, its assessors and the sign-ins that administer it."""
    ids = {organisation_id}
    after: str | None = None
    while True:
        page = store.list_assessors(limit=500, after=after, organisation_id=organisation_id)
        ids.update(a.id for a in page.items)
        if page.next_after is None:
            break
        after = page.next_after
    after = None
    while True:
        users = store.list_users(limit=500, after=after, role="org_admin")
        ids.update(u.id for u in users.items if organisation_id in u.organisation_ids)
        if users.next_after is None:
            break
        after = users.next_after
    return ids


def _about(entry: AuditEntry, ids: set[str]) -> bool:
    d = entry.details
    named = {
        entry.target_id,
        entry.actor_id or "",
        str(d.get("other_id", "")),
        str(d.get("assessor_id", "")),
        str(d.get("organisation_id", "")),
    }
    named.update(str(x) for x in d.get("assessor_ids", ()) or ())
    named.update(str(d.get(k, "")) for k in ("from", "to"))
    return bool(named & ids)


def _cursor_before(day: date) -> str:
    """An ``after`` cursor that starts the newest-first listing with the entries of ``day`` (ids begin with the time)."""
    return f"{day + timedelta(days=1):%Y%m%d}T"


def search(store: GraphStore, filters: Filters, *, after: str | None = None, limit: int = 50) -> tuple[list[AuditEntry], str | None]:
    """A page of entries matching ``filters``, newest first, and the cursor of the next page (``None``: no more).

    Looks through at most :data:`SCAN` stored entries per page; where it stopped there, the cursor continues the search.
    """
    cursor = after
    if filters.until is not None and (cursor is None or cursor > _cursor_before(filters.until)):
        cursor = _cursor_before(filters.until)
    floor = f"{filters.since:%Y%m%d}T" if filters.since else None
    org_ids = _organisation_ids(store, filters.organisation_id) if filters.organisation_id else None
    found: list[AuditEntry] = []
    scanned = 0
    while True:
        page = store.list_audit(limit=200, after=cursor, action=filters.action, actor_id=filters.actor_id)
        for n, entry in enumerate(page.items):
            if floor is not None and entry.id < floor:
                return found, None
            if org_ids is None or _about(entry, org_ids):
                found.append(entry)
                if len(found) == limit:
                    more = n + 1 < len(page.items) or page.next_after is not None
                    return found, entry.id if more else None
        scanned += len(page.items)
        if page.next_after is None:
            return found, None
        cursor = page.next_after
        if scanned >= SCAN:
            return found, cursor


def to_csv(store: GraphStore, filters: Filters, most: int = 100_000) -> str:
    """Every matching entry (newest first, at most ``most``) as CSV: when, who, action, what."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["when", "who", "action", "what"])
    names = Names(store)
    after: str | None = None
    written = 0
    while written < most:
        entries, after = search(store, filters, after=after, limit=500)
        for line in lines(store, entries, names):
            writer.writerow([f"{line.entry.at:%Y-%m-%d %H:%M}", _safe(line.who), line.kind, _safe(line.what)])
        written += len(entries)
        if after is None:
            break
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def at_words(at: datetime) -> str:
    """When, as people write it: ``7 December 2026, 14:05``."""
    return f"{limits.words(at.date())}, {at:%H:%M}"
