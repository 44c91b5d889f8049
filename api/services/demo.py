"""The demo that shows every role (issue 17): one sign-in per role and a programme in each state, on the demo network.

``bridgework serve --demo`` calls :func:`seed` after loading the generated demo network, so a newcomer can
sign in as an isolated assessor, a coordinator, an organisation admin and a network admin, and find
programmes in every state: one open with a pool, one forming with a proposal being edited, and one running
with meetings in the past, attendance recorded and questionnaires answered. Development only: the
command line refuses it in production, and the pages offer the demo sign-ins only in demo mode.

Every change goes through the use cases of the other service modules (each its own unit of work, audited as
the system's); :func:`seed` is idempotent: run again on the same store it adds nothing it added before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from api.services import accounts, enrolment, joins, meetings, outcomes, sets, suggestions
from graph.port import GraphStore, NotFound, StoreError
from graph.port_sets import PoolMember
from network import calendar
from network.domain import InvalidValue, Programme
from network.outcomes import OutcomeInputError, wave_window

#: The one password of the demo sign-ins (printed at start; the demo is for development only).
PASSWORD = "try-bridgework-demo"


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A demo sign-in: the role it shows, its email and who it is in words."""

    role: str
    email: str
    label: str


#: One sign-in per role, in the order the sign-in page offers them.
ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("assessor", "demo-assessor@example.org", "An isolated assessor"),
    DemoAccount("coordinator", "demo-coordinator@example.org", "A coordinator of three programmes"),
    DemoAccount("org_admin", "demo-org-admin@example.org", "An organisation admin"),
    DemoAccount("admin", "demo-admin@example.org", "A network admin"),
)

#: The demo programmes by state.
OPEN, FORMING, RUNNING = "demo-open", "demo-forming", "demo-running"
#: How many people each programme's pool holds.
POOL_SIZES = {OPEN: 30, FORMING: 24, RUNNING: 24}
#: How long ago the running programme started (so three monthly meetings are past and the 3-month questionnaire is due).
RUNNING_DAYS = 95
#: The seed and step budget of the demo proposals (the same network gives the same sets).
SEED, STEPS = 7, 2000


@dataclass
class Seeded:
    """What :func:`seed` did, for the command line to print."""

    accounts: list[DemoAccount]
    created: list[str]

    def lines(self) -> list[str]:
        """The sign-ins and what was added, one line each."""
        out = [f"  {a.label}: {a.email}" for a in self.accounts]
        out.append(f"  password of each: {PASSWORD}")
        out.extend(f"  added {c}" for c in self.created)
        return out


def _candidates(store: GraphStore, scan: int = 600) -> list[PoolMember]:
    """Active assessors with an employer and a free place, in id order (the first ``scan`` stored)."""
    ids: list[str] = []
    after: str | None = None
    while len(ids) < scan:
        page = store.list_assessors(limit=min(500, scan - len(ids)), after=after)
        ids.extend(a.id for a in page.items)
        if page.next_after is None:
            break
        after = page.next_after
    people = store.describe_members(ids)
    return [p for p in people if p.assessor.active and p.organisation_id and p.capacity_left > 0]


def _slot(people: Sequence[PoolMember]) -> str:
    """The weekly slot most of them share."""
    counts = Counter(slot for p in people for slot in p.assessor.availability)
    return counts.most_common(1)[0][0] if counts else "tue-pm"


def _pick(people: Sequence[PoolMember], size: int, slot: str | None, taken: set[str], first: Sequence[str] = ()) -> list[str]:
    """Up to ``size`` people (``first`` first), at most one per organisation, free in ``slot`` if given, not in ``taken``."""
    chosen: list[str] = []
    organisations: set[str] = set()
    by_id = {p.assessor.id: p for p in people}
    ordered = [by_id[i] for i in first if i in by_id] + [p for p in people if p.assessor.id not in first]
    for p in ordered:
        if len(chosen) == size:
            break
        if p.assessor.id in taken or p.organisation_id in organisations:
            continue
        if slot is not None and slot not in p.assessor.availability:
            continue
        chosen.append(p.assessor.id)
        organisations.add(p.organisation_id or "")
    taken.update(chosen)
    return chosen


def _programme(store: GraphStore, programme: Programme, created: list[str]) -> Programme:
    try:
        return store.get_programme(programme.id)
    except NotFound:
        made = sets.create_programme(store, programme, actor_id=None)
        created.append(f"the programme {made.name} ({programme.status})")
        return made


def _enrol(store: GraphStore, programme_id: str, ids: Sequence[str], on: date) -> None:
    if ids:
        enrolment.enrol(store, programme_id, ids, on=on, actor_id=None, skip_enrolled=True)


def _persona(store: GraphStore, people: Sequence[PoolMember], slot: str) -> PoolMember | None:
    """The demo assessor: an isolated person free in ``slot`` (else anyone free in it)."""
    by_id = {p.assessor.id: p for p in people}
    isolated = [i.assessor_id for i in store.isolated_assessors(limit=500).items]
    for assessor_id in isolated:
        p = by_id.get(assessor_id)
        if p is not None and slot in p.assessor.availability:
            return p
    return next((p for p in people if slot in p.assessor.availability), None)


def seed(store: GraphStore, today: date | None = None) -> Seeded:
    """Add the demo sign-ins and programmes to a store holding the demo network; harmless to run again.

    :class:`InvalidValue` when the store holds too few assessors to make the demo (load the demo network first).
    """
    today = today or date.today()
    created: list[str] = []
    people = _candidates(store)
    if len(people) < 40:
        raise InvalidValue("assessors", f"the demo needs at least 40 active assessors with an employer; the store has {len(people)}")
    slot = _slot(people)
    existing = {p.programme_id for p in store_programmes(store)}
    persona = _existing_persona(store) or _persona(store, people, slot)
    assert persona is not None
    taken: set[str] = set()
    for programme_id in (RUNNING, FORMING, OPEN):  # people already in a demo pool keep their place
        if programme_id in existing:
            taken.update(e.assessor_id for e in store.enrolments(programme_id))
    started = today - timedelta(days=RUNNING_DAYS)

    # Running: committed sets, meetings in the past with attendance, answered questionnaires.
    running = _programme(
        store,
        Programme(id=RUNNING, name="Bridging practice 2026", status="open", cadence="monthly", meetings=6, starts_on=started, steps=STEPS),
        created,
    )
    if not store.sets_of_programme(RUNNING):
        pool = _pick(people, POOL_SIZES[RUNNING], slot, taken, first=[persona.assessor.id])
        _enrol(store, RUNNING, pool, started)
        view = sets.propose(store, RUNNING, sets.RunSettings(seed=SEED, max_iterations=STEPS), created_by=None)
        sets.commit(store, view.record.id, view.record.version, joined=started, actor_id=None)
        created.append(f"sets of {running.name}")
    _run_meetings(store, today)
    _answer_questionnaires(store, persona.assessor.id, started, today)

    # Forming: a proposal being edited (one person moved by hand).
    forming = _programme(
        store,
        Programme(id=FORMING, name="Practice educators North 2027", status="open", starts_on=today + timedelta(days=30), steps=STEPS),
        created,
    )
    if not store.list_proposals(FORMING):
        pool = _pick(people, POOL_SIZES[FORMING], slot, taken)
        _enrol(store, FORMING, pool, today)
        sets.update_programme(store, FORMING, {"status": "forming"}, actor_id=None)
        view = sets.propose(store, FORMING, sets.RunSettings(seed=SEED, max_iterations=STEPS), created_by=None)
        sizes = [len(s.members) for s in view.result.sets]
        if len(sizes) > 1 and sizes[0] > min(sizes):
            moved = view.result.sets[0].members[-1]
            sets.edit_proposal(store, view.record.id, view.record.version, move=(moved, view.numbers[sizes.index(min(sizes))]))
        created.append(f"a proposal for {forming.name}")

    # Open: a pool gathering people, open for anyone to join.
    opened = _programme(
        store, Programme(id=OPEN, name="Assessors together 2027", status="open", starts_on=today + timedelta(days=60)), created
    )
    if not store.enrolments(OPEN):
        _enrol(store, OPEN, _pick(people, POOL_SIZES[OPEN], None, taken), today)
        created.append(f"the pool of {opened.name}")

    org_id = persona.organisation_id or people[0].organisation_id
    for account in ACCOUNTS:
        if _user(store, account.email) is not None:
            continue
        scopes = {
            "assessor": {"assessor_id": persona.assessor.id},
            "coordinator": {"programme_ids": (RUNNING, FORMING, OPEN)},
            "org_admin": {"organisation_ids": (org_id,)},
            "admin": {},
        }[account.role]
        accounts.create_user(store, account.email, roles=(account.role,), password=PASSWORD, actor_id=None, **scopes)
        created.append(f"the sign-in {account.email}")
    _waiting_requests(store, persona, people, taken)
    return Seeded(list(ACCOUNTS), created)


@dataclass(frozen=True, slots=True)
class _Enrolled:
    programme_id: str


def store_programmes(store: GraphStore) -> list[_Enrolled]:
    """The demo programmes already stored."""
    found = []
    for programme_id in (RUNNING, FORMING, OPEN):
        try:
            store.get_programme(programme_id)
        except NotFound:
            continue
        found.append(_Enrolled(programme_id))
    return found


def _user(store: GraphStore, email: str) -> accounts.User | None:
    try:
        return store.get_user_by_email(email)
    except NotFound:
        return None


def _existing_persona(store: GraphStore) -> PoolMember | None:
    user = _user(store, ACCOUNTS[0].email)
    if user is None or user.assessor_id is None:
        return None
    found = store.describe_members([user.assessor_id])
    return found[0] if found else None


def demo_user_ids(store: GraphStore) -> dict[str, str]:
    """The stored demo sign-ins' user ids by role (those that exist)."""
    out = {}
    for account in ACCOUNTS:
        user = _user(store, account.email)
        if user is not None and user.active:
            out[account.role] = user.id
    return out


def _run_meetings(store: GraphStore, today: date) -> None:
    """Meetings of the running programme's sets; attendance at each past one (one apology each time)."""
    for record in store.sets_of_programme(RUNNING):
        for meeting in meetings.ensure_meetings(store, record.id):
            if meeting.held or meeting.on >= today:
                continue
            members = [m.assessor_id for m in record.members if m.joined <= meeting.on and (m.left is None or meeting.on < m.left)]
            if not members:
                continue
            entries = {a: "attended" for a in members}
            entries[members[meeting.number % len(members)]] = "apologies"
            start, _end = calendar.meeting_window(meeting.on, meeting.slot)
            meetings.record_attendance(store, meeting.id, entries, now=start + timedelta(hours=2), actor_id=None)


def _answer_questionnaires(store: GraphStore, persona_id: str, started: date, today: date) -> None:
    """Everyone placed answered the start questionnaire; everyone but the demo assessor the 3-month one (theirs is due)."""
    programme = store.get_programme(RUNNING)
    starts_on = programme.starts_on or started
    members = sorted({m.assessor_id for r in store.sets_of_programme(RUNNING) for m in r.members})
    for wave in ("start", "3m"):
        window = wave_window(starts_on, wave)
        day = window.opens_on if wave == "start" else min(today, window.closes_on)
        if day > today or day < window.opens_on:
            continue
        for k, assessor_id in enumerate(members):
            if wave == "3m" and assessor_id == persona_id:
                continue
            if any(a.wave == wave and a.programme_id == RUNNING for a in store.outcome_answers_of(assessor_id)):
                continue
            values = {
                "confidence": 3 + (k % 3) if wave == "3m" else 2 + (k % 3),
                "isolation": 2 + (k % 2) if wave == "3m" else 3 + (k % 3),
                "peers": 3 + k % 5 if wave == "3m" else k % 3,
            }
            version = outcomes.current(store, RUNNING).version
            try:
                outcomes.answer(store, assessor_id, RUNNING, wave, version, values, day)
            except OutcomeInputError:
                continue  # not eligible for this wave (joined later): nothing to answer


def _waiting_requests(store: GraphStore, persona: PoolMember, people: Sequence[PoolMember], taken: set[str]) -> None:
    """A contact request waiting for the demo assessor, and a request to join a running set waiting for the coordinator."""
    persona_id = persona.assessor.id
    if not any(c.to_id == persona_id for c in store.contacts_of(persona_id, status="requested")):
        for p in people:
            if p.organisation_id == persona.organisation_id or p.assessor.id == persona_id:
                continue
            try:
                suggestions.request_contact(store, p.assessor.id, persona_id, actor_id=None)
                break
            except (StoreError, InvalidValue):
                continue
    if any(r.request.status == "requested" for r in joins.programme_requests(store, RUNNING)):
        return
    free = [p for p in people if p.assessor.id not in taken]
    for record in store.sets_of_programme(RUNNING):
        for p in free[:40]:
            try:
                joins.request_join(store, record.id, p.assessor.id, message="I would like to join this set.", actor_id=None)
                return
            except (StoreError, InvalidValue):
                continue
