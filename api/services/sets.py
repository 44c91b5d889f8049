"""Set formation use cases (issue 4): programmes, proposals, commit, repair, set status, rota and calendars.

Shared by the JSON API, the pages and the CLI; nothing here knows Flask. Each use case is a few store calls
around a pure engine (:mod:`network.formation`, :mod:`network.repair`, :mod:`network.rota`,
:mod:`network.calendar`). Every change is a :func:`~api.services.usecase.use_case`: its writes and its
audit entry commit in one unit of work. A formation search (:func:`propose`, :func:`rerun`) may run for
minutes, so it runs first, outside any transaction, and only its result is written in a unit of work.
Enrolment is :mod:`api.services.enrolment`.

Proposals live in the store (``ProposalRecord.payload``, JSON), so the app servers stay stateless:
any server can load, edit, re-run or commit any proposal. Every change names the version it was
made on; a stale version is refused (:class:`Conflict`) instead of silently overwriting another
coordinator's edit. The payload holds ids and scores only, never names, so erasing a person
leaves nothing personal behind in old proposals.

Errors: :class:`network.formation.FormationError` (bad formation input: pool too small,
contradictory must/cannot-link pairs, minimum above maximum, a pinned member breaking a rule) and
the port's errors (:class:`NotFound`, :class:`Conflict`, :class:`Invalid`) leave this module; the
API maps them to 422 / 404 / 409 / 422 and the CLI to messages.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from api.services import accounts
from api.services.usecase import record as record_event
from api.services.usecase import use_case
from graph.port import Conflict, GraphStore, Invalid, NotFound
from graph.port_sets import Membership, NewSet, PoolMember, ProposalRecord, ProposalVersion, SetRecord
from network import calendar, limits, rota
from network.domain import STEPS_MAX, STEPS_MIN, ActionLearningSet, InvalidValue, Programme
from network.events import LeftSet, PlacedInSet, ProgrammeOpened
from network.formation import (
    Constraints,
    FormationError,
    FormationProgress,
    LockedSet,
    Member,
    Move,
    PoolStats,
    Proposal,
    ProposedSet,
    Rules,
    Unplaced,
    Weights,
    form_sets,
    pool_stats,
    score_partition,
    score_sets,
)
from network.formation.problem import SCALE
from network.repair import Candidate, Replacement, rank_replacements

#: Seconds a formation run may search when none is asked for, and the most it may be given.
DEFAULT_TIME_LIMIT = 5.0
MAX_TIME_LIMIT = 120.0
#: The largest seed a run takes (a run with the same data and seed forms the same sets).
MAX_SEED = 2**31 - 1
#: How many of a set's shared themes become its focus themes (rarest first).
MAX_FOCUS_THEMES = 3
#: Candidates read from each source before ranking a repair.
REPAIR_SCAN = 200
#: Version of the stored proposal payload.
PAYLOAD_FORMAT = 1
#: The longest name a coordinator may give a set.
MAX_SET_NAME = 80

# -- programmes and enrolment ------------------------------------------------------------


@use_case
def create_programme(store: GraphStore, programme: Programme, *, actor_id: str | None = None) -> Programme:
    """Store a new programme and make its creator (a coordinator) coordinate it; audited as ``programme:create``.

    The programme, the creator's scope and the audit entry are written in one unit of work:
    all of it or none of it. :class:`InvalidValue` for a start date outside the window people may enter
    (:func:`network.limits.check_date`), whichever door it came through.
    """
    limits.check_optional_date(programme.starts_on, "starts_on")
    created = store.create_programme(programme)
    if actor_id is not None:
        user = store.get_user(actor_id)
        if "coordinator" in user.roles and programme.id not in user.programme_ids:
            accounts.set_scopes(
                store,
                user.id,
                actor_id=actor_id,
                assessor_id=user.assessor_id,
                organisation_ids=user.organisation_ids,
                programme_ids=(*user.programme_ids, programme.id),
            )
    accounts.audit(store, "programme:create", "programme", programme.id, actor_id)
    if created.status == "open":
        record_event(ProgrammeOpened(actor_id, programme.id))
    return created


@use_case
def update_programme(store: GraphStore, programme_id: str, changes: Mapping[str, Any], *, actor_id: str | None = None) -> Programme:
    """Change some settings of a programme; audited as ``programme:update`` with the names of the settings that changed.

    One use case (one unit of work with its audit entry): the programme is read, ``changes`` are
    applied and the settings are checked as a whole (:class:`InvalidValue` naming the field,
    nothing written), then only the settings named in ``changes`` are written
    (:meth:`~graph.port_sets.SetsPort.update_programme_fields`, which locks the programme and
    writes only what differs). Two coordinators changing different settings at the same moment
    therefore both keep their change; for the same setting the last write wins (there is no
    version check). A change that leaves everything as it was writes nothing and is not audited.
    """
    if changes.get("starts_on") is not None:
        limits.check_date(changes["starts_on"], "starts_on")
    current = store.get_programme(programme_id)
    wanted = dataclasses.replace(current, **changes)  # the domain checks the settings together before anything is written
    fields = sorted(name for name in changes if getattr(wanted, name) != getattr(current, name))
    if not fields:
        return current
    if "starts_on" in fields and (store.answered_questions(programme_id) or store.outcome_releases(programme_id)):
        # The start date sets the questionnaire waves: moving it would close and reopen a wave, and comparing the
        # figures before and after would reveal single people's answers (issue 16). Nothing is written.
        raise InvalidValue("starts_on", "cannot move once questionnaire answers exist: the questionnaire waves are set by it")
    updated = store.update_programme_fields(programme_id, changes)
    accounts.audit(store, "programme:update", "programme", programme_id, actor_id, {"fields": fields})
    if "status" in fields and updated.status == "open":
        record_event(ProgrammeOpened(actor_id, programme_id))
    return updated


# -- the pool as the engine sees it -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunSettings:
    """How a formation run was asked for; kept with the proposal so a re-run uses the same settings."""

    seed: int = 0
    #: Seconds of search; ``None``: the default, or with a step budget :data:`MAX_TIME_LIMIT` (the safety net).
    time_limit: float | None = None
    #: The step budget ("steps"): with it the same seed and pool give the same sets on any machine (``None``: the programme's).
    max_iterations: int | None = None
    must_link: tuple[tuple[str, str], ...] = ()
    cannot_link: tuple[tuple[str, str], ...] = ()
    region_mode: str | None = None
    weights: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise FormationError("seed", f"must be a whole number, got {self.seed!r}")
        if not 0 <= self.seed <= MAX_SEED:
            raise FormationError("seed", f"must be between 0 and {MAX_SEED}, got {self.seed}")
        limit = self.time_limit
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 <= limit <= MAX_TIME_LIMIT):
            raise FormationError("time_limit", f"must be between 0 and {MAX_TIME_LIMIT:g} seconds, got {limit!r}")
        steps = self.max_iterations
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or not STEPS_MIN <= steps <= STEPS_MAX):
            raise FormationError("steps", f"must be a whole number from {STEPS_MIN} to {STEPS_MAX}, got {steps!r}")

    def effective(self, programme: Programme) -> RunSettings:
        """The settings a run uses (and keeps): the programme's step budget unless the run names one, and the time cap.

        With a step budget the time limit is only a safety net, :data:`MAX_TIME_LIMIT` unless given.
        """
        steps = self.max_iterations if self.max_iterations is not None else programme.steps
        limit = self.time_limit
        if limit is None:
            limit = MAX_TIME_LIMIT if steps is not None else DEFAULT_TIME_LIMIT
        return dataclasses.replace(self, max_iterations=steps, time_limit=limit)


@dataclass(frozen=True, slots=True)
class PoolContext:
    """A programme's pool as formation needs it: engine members, the stored details of each, ties and theme names."""

    programme: Programme
    members: tuple[Member, ...]
    people: Mapping[str, PoolMember]
    ties: tuple[tuple[str, str], ...]
    theme_names: Mapping[str, str]
    inactive: tuple[str, ...] = ()


def theme_names(store: GraphStore) -> dict[str, str]:
    """Every theme's name by id (a few hundred at most), for the reasons engines give."""
    names: dict[str, str] = {}
    after: str | None = None
    while True:
        page = store.list_themes(limit=500, after=after)
        names.update((t.id, t.name) for t in page.items)
        if page.next_after is None:
            return names
        after = page.next_after


def to_member(person: PoolMember, isolated: bool = False) -> Member:
    """The engine's view of a stored person."""
    a = person.assessor
    return Member(
        id=a.id,
        organisation_id=person.organisation_id,
        organisation_kind=person.organisation_kind,
        region=a.region,
        experience_years=a.experience_years,
        availability=a.availability,
        themes=dict(person.themes),
        capacity_left=person.capacity_left,
        isolated=isolated,
        name=a.name,
    )


def _isolated(store: GraphStore, ids: Sequence[str]) -> set[str]:
    """Which of these assessors are isolated (no tie to another organisation), from the reach area's store methods."""
    return {i for i, iso in store.isolation(ids).items() if iso.isolated}


def pool_context(store: GraphStore, programme_id: str) -> PoolContext:
    """Load the programme's pool, the ties among it, isolation flags and theme names (reads only)."""
    pool = store.load_pool(programme_id)
    ids = [p.assessor.id for p in pool.members]
    isolated = _isolated(store, ids) if ids else set()
    active = [p for p in pool.members if p.assessor.active]
    return PoolContext(
        programme=pool.programme,
        members=tuple(to_member(p, p.assessor.id in isolated) for p in active),
        people={p.assessor.id: p for p in pool.members},
        ties=tuple(sorted({(t.a_id, t.b_id) for t in pool.ties})),
        theme_names=theme_names(store),
        inactive=tuple(p.assessor.id for p in pool.members if not p.assessor.active),
    )


def programme_weights(programme: Programme) -> dict[str, float]:
    """The soft-goal weights a programme asks for (defaults for the goals it does not name)."""
    return Weights.from_mapping(dict(programme.weights)).as_dict()


def programme_region_mode(programme: Programme) -> str:
    """``mix`` or ``close``: how the programme weighs region."""
    return programme.region_mode


def rules_for(programme: Programme, settings: RunSettings) -> Rules:
    """The engine rules of a run: the programme's hard rules with the run's (or the programme's) weights and region mode."""
    weights = settings.weights if settings.weights is not None else programme_weights(programme)
    return Rules.from_programme(programme, weights=weights, region_mode=settings.region_mode or programme_region_mode(programme))


def _constraints(ctx: PoolContext, settings: RunSettings, locked: Sequence[LockedSet] = ()) -> Constraints:
    return Constraints(must_link=settings.must_link, cannot_link=settings.cannot_link, locked=tuple(locked), ties=ctx.ties)


# -- proposals ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Renumbering:
    """What the last re-run did to the set numbers (numbers are the names coordinators know the sets by).

    ``locked``: locked sets, kept with their members and their number. ``kept``: unlocked sets formed again
    with most of their members (more than half of the old set and of the new one), which keep their number.
    ``new``: sets formed afresh, on the free numbers (the lowest not kept). ``gone``: numbers no set has now.
    ``moved``: ``(old, new)`` numbers of a set that had to change number (empty unless something went wrong:
    a kept set always keeps its number).
    """

    locked: tuple[int, ...] = ()
    kept: tuple[int, ...] = ()
    new: tuple[int, ...] = ()
    gone: tuple[int, ...] = ()
    moved: tuple[tuple[int, int], ...] = ()

    @property
    def summary(self) -> str:
        """The change in plain words, for the workspace."""
        return describe_renumbering(self)


@dataclass(frozen=True, slots=True)
class ProposalView:
    """A stored proposal with its engine result, locked flags, set numbers and the people it names (for display).

    ``numbers[k]`` is the number (the name, "Set 7") of ``sets[k]``; the sets are in number order. A number stays
    with its set through edits, locks and re-runs, so numbers may have gaps. ``renumbering`` says what the last
    change did to the numbers when it was a re-run (``None`` after any other change).
    """

    record: ProposalRecord
    settings: RunSettings
    result: Proposal
    locked: tuple[bool, ...]
    numbers: tuple[int, ...] = ()
    renumbering: Renumbering | None = None
    people: Mapping[str, PoolMember] = field(default_factory=dict)
    theme_names: Mapping[str, str] = field(default_factory=dict)
    #: The names coordinators gave sets, by number (a set without one is "Set 7").
    names: Mapping[int, str] = field(default_factory=dict)
    #: After an edit re-scored only the sets it touched: their numbers (``people`` then holds only the people of
    #: those sets and those left out). ``None``: the whole proposal was read or scored.
    changed: tuple[int, ...] | None = None
    #: Everyone the proposal was formed or last fully scored from (placed or not).
    pool_size: int = 0

    def set_name(self, number: int) -> str:
        """The set's name in the workspace: the one given, else "Set 7"."""
        return self.names.get(number) or f"Set {number}"

    @property
    def sets(self) -> tuple[ProposedSet, ...]:
        return self.result.sets

    def numbered(self) -> list[tuple[int, ProposedSet, bool]]:
        """``(number, set, locked)`` for each set, in number order."""
        return [(self.numbers[k], s, self.locked[k] if k < len(self.locked) else s.locked) for k, s in enumerate(self.result.sets)]


def number_words(numbers: Sequence[int]) -> str:
    """Set numbers in words with runs joined: ``[1, 2, 3, 5, 7, 8]`` -> ``"1 to 3, 5, 7 and 8"``."""
    ordered = sorted(set(numbers))
    runs: list[str] = []
    k = 0
    while k < len(ordered):
        j = k
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if j - k >= 2:
            runs.append(f"{ordered[k]} to {ordered[j]}")
        else:
            runs.extend(str(n) for n in ordered[k : j + 1])
        k = j + 1
    if len(runs) <= 1:
        return "".join(runs)
    return ", ".join(runs[:-1]) + " and " + runs[-1]


def _sets_words(numbers: Sequence[int]) -> str:
    return ("Set " if len(numbers) == 1 else "Sets ") + number_words(numbers)


def describe_renumbering(change: Renumbering) -> str:
    """What a re-run did to the set numbers, in plain words (every renumbered set is named)."""

    def their(numbers: Sequence[int]) -> tuple[str, str]:
        return ("its", "its number") if len(numbers) == 1 else ("their", "their numbers")

    out = []
    if change.locked:
        pronoun, number = their(change.locked)
        out.append(f"Locked {_sets_words(change.locked)} kept {pronoun} members and {number}.")
    if change.kept:
        pronoun, number = their(change.kept)
        out.append(f"{_sets_words(change.kept)} kept most of {pronoun} members and {number}.")
    if change.new:
        out.append(f"{_sets_words(change.new)} {'was' if len(change.new) == 1 else 'were'} formed afresh.")
    for old, new in change.moved:
        out.append(f"The set that was Set {old} is now Set {new}.")
    if change.gone:
        one = len(change.gone) == 1
        out.append(
            f"There {'is' if one else 'are'} no {_sets_words(change.gone)} now: {'its' if one else 'their'} people were placed again "
            "or are listed as not placed."
        )
    return "Re-run: " + " ".join(out) if out else "Re-run: no sets were formed."


def _renumber(
    old: Sequence[tuple[int, frozenset[str], bool]], result: Proposal
) -> tuple[Proposal, tuple[int, ...], tuple[bool, ...], Renumbering]:
    """Give a re-run's sets numbers: each locked set its old number, an unlocked set formed again with most of its old
    members its old number, every other set the lowest free number; the sets come back in number order."""
    numbers: list[int | None] = [None] * len(result.sets)
    taken: set[int] = set()
    locked_kept, kept, moved = [], [], []
    for k, s in enumerate(result.sets):
        members = frozenset(s.members)
        if s.locked:
            match = next((n for n, m, lock in old if lock and m == members and n not in taken), None)
            if match is not None:
                numbers[k] = match
                taken.add(match)
                locked_kept.append(match)
    for k, s in enumerate(result.sets):
        if numbers[k] is not None:
            continue
        members = frozenset(s.members)
        # More than half of both sets in common: at most one old set can match a new one, and the other way round.
        match = next((n for n, m, lock in old if not lock and n not in taken and 2 * len(m & members) > max(len(m), len(members))), None)
        if match is not None:
            numbers[k] = match
            taken.add(match)
            kept.append(match)
    fresh = []
    free = 1
    for k, s in enumerate(result.sets):
        if numbers[k] is not None:
            continue
        while free in taken:
            free += 1
        numbers[k] = free
        taken.add(free)
        fresh.append(free)
        if s.locked:  # a locked set that could not keep its number (not expected): say where it went
            before = next((n for n, m, lock in old if lock and m == frozenset(s.members)), None)
            if before is not None:
                moved.append((before, free))
    order = sorted(range(len(result.sets)), key=lambda k: numbers[k] or 0)
    sets = tuple(result.sets[k] for k in order)
    result = _moves_reordered(result, order)
    final = tuple(numbers[k] or 0 for k in order)
    moved_to = {new for _, new in moved}
    change = Renumbering(
        locked=tuple(sorted(locked_kept)),
        kept=tuple(sorted(kept)),
        new=tuple(sorted(n for n in fresh if n not in moved_to)),
        gone=tuple(sorted({n for n, _, _ in old} - set(final))),
        moved=tuple(sorted(moved)),
    )
    return dataclasses.replace(result, sets=sets), final, tuple(s.locked for s in sets), change


def _moves_reordered(result: Proposal, order: Sequence[int]) -> Proposal:
    """The result with the sets named by offered moves (:class:`~network.formation.Move`) following the sets' new order."""
    position = {old: new for new, old in enumerate(order)}

    def moved(k: int | None) -> int | None:
        return None if k is None else position.get(k, k)

    unplaced = tuple(
        dataclasses.replace(u, moves=tuple(dataclasses.replace(m, from_set=moved(m.from_set), to_set=moved(m.to_set)) for m in u.moves))
        if u.moves
        else u
        for u in result.unplaced
    )
    return dataclasses.replace(result, unplaced=unplaced)


def _result_body(result: Proposal) -> dict[str, Any]:
    """The result as plain JSON values (what ``dataclasses.asdict`` gives, written out: it is on every edit's path)."""
    return {
        "sets": [
            {
                "members": list(x.members),
                "meeting_slot": x.meeting_slot,
                "common_slots": list(x.common_slots),
                "shared_themes": list(x.shared_themes),
                "score": x.score,
                "breakdown": dict(x.breakdown),
                "reasons": list(x.reasons),
                "locked": x.locked,
                "violations": list(x.violations),
            }
            for x in result.sets
        ],
        "unplaced": [
            {
                "member_id": u.member_id,
                "code": u.code,
                "reason": u.reason,
                "moves": [{"member_id": m.member_id, "from_set": m.from_set, "to_set": m.to_set} for m in u.moves],
            }
            for u in result.unplaced
        ],
        "score": result.score,
        "breakdown": dict(result.breakdown),
        "placed": result.placed,
        "violations": list(result.violations),
        "seed": result.seed,
        "iterations": result.iterations,
        "stopped": result.stopped,
        "connected": result.connected,
        "placed_bound": result.placed_bound,
        "connected_bound": result.connected_bound,
        "bound_exact": result.bound_exact,
        "steps": result.steps,
        "engine": result.engine,
    }


def _encode(
    settings: RunSettings,
    result: Proposal,
    locked: Sequence[bool],
    numbers: Sequence[int] | None = None,
    renumbering: Renumbering | None = None,
    *,
    stats: PoolStats | None = None,
    names: Mapping[int, str] | None = None,
) -> str:
    body: dict[str, Any] = {
        "format": PAYLOAD_FORMAT,
        "settings": {
            "seed": settings.seed,
            "time_limit": settings.time_limit,
            "max_iterations": settings.max_iterations,
            "must_link": [list(p) for p in settings.must_link],
            "cannot_link": [list(p) for p in settings.cannot_link],
            "region_mode": settings.region_mode,
            "weights": dict(settings.weights) if settings.weights is not None else None,
        },
        "result": _result_body(result),
        "locked": list(locked),
        "numbers": list(numbers) if numbers is not None else list(range(1, len(result.sets) + 1)),
    }
    if stats is not None:  # what an edit needs to re-score only the sets it touches
        body["pool_stats"] = {"eligible": stats.eligible, "holders": dict(stats.holders), "mu": stats.mu}
    kept = {str(n): name for n, name in (names or {}).items() if n in set(body["numbers"]) and name}
    if kept:
        body["names"] = kept
    if renumbering is not None:
        body["renumbering"] = dataclasses.asdict(renumbering)
    return json.dumps(body, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True, slots=True)
class _Decoded:
    settings: RunSettings
    result: Proposal
    locked: tuple[bool, ...]
    numbers: tuple[int, ...]
    renumbering: Renumbering | None
    stats: PoolStats | None = None
    names: Mapping[int, str] = field(default_factory=dict)


def _decode(payload: str) -> _Decoded:
    body = json.loads(payload)
    s = body["settings"]
    settings = RunSettings(
        seed=s["seed"],
        time_limit=s["time_limit"],
        max_iterations=s["max_iterations"],
        must_link=tuple(tuple(p) for p in s["must_link"]),  # type: ignore[misc]
        cannot_link=tuple(tuple(p) for p in s["cannot_link"]),  # type: ignore[misc]
        region_mode=s["region_mode"],
        weights=s["weights"],
    )
    r = body["result"]
    result = Proposal(
        sets=tuple(
            ProposedSet(
                members=tuple(x["members"]),
                meeting_slot=x["meeting_slot"],
                common_slots=tuple(x["common_slots"]),
                shared_themes=tuple(x["shared_themes"]),
                score=x["score"],
                breakdown=dict(x["breakdown"]),
                reasons=tuple(x["reasons"]),
                locked=x["locked"],
                violations=tuple(x["violations"]),
            )
            for x in r["sets"]
        ),
        unplaced=tuple(
            Unplaced(u["member_id"], u["code"], u["reason"], tuple(Move(**m) for m in u.get("moves") or ())) for u in r["unplaced"]
        ),
        score=r["score"],
        breakdown=dict(r["breakdown"]),
        placed=r["placed"],
        violations=tuple(r["violations"]),
        seed=r["seed"],
        iterations=r["iterations"],
        stopped=r["stopped"],
        # issue 22 (absent from proposals stored before it): the counts, their bounds and what made the proposal
        connected=r.get("connected", 0),
        placed_bound=r.get("placed_bound"),
        connected_bound=r.get("connected_bound"),
        bound_exact=r.get("bound_exact", False),
        steps=r.get("steps"),
        engine=r.get("engine", ""),
    )
    numbers = tuple(body.get("numbers") or ())
    if len(numbers) != len(result.sets):  # proposals stored before sets kept their numbers: numbered in order
        numbers = tuple(range(1, len(result.sets) + 1))
    change = body.get("renumbering")
    renumbering = (
        Renumbering(
            locked=tuple(change["locked"]),
            kept=tuple(change["kept"]),
            new=tuple(change["new"]),
            gone=tuple(change["gone"]),
            moved=tuple((a, b) for a, b in change["moved"]),
        )
        if change
        else None
    )
    ps = body.get("pool_stats")
    stats = PoolStats(ps["eligible"], dict(ps["holders"]), ps["mu"]) if ps else None
    names = {int(n): name for n, name in (body.get("names") or {}).items()}
    return _Decoded(settings, result, tuple(body["locked"]), numbers, renumbering, stats, names)


def _with_inactive(result: Proposal, ctx: PoolContext) -> Proposal:
    """The result with enrolled people whose account is inactive listed as unplaced (the engine never saw them)."""
    if not ctx.inactive:
        return result
    extra = tuple(Unplaced(member_id=i, code="inactive", reason="is not active, so cannot be placed") for i in ctx.inactive)
    return dataclasses.replace(result, unplaced=tuple(sorted((*result.unplaced, *extra), key=lambda u: u.member_id)))


def _view(record: ProposalRecord, ctx: PoolContext) -> ProposalView:
    d = _decode(record.payload)
    return ProposalView(
        record=record,
        settings=d.settings,
        result=d.result,
        locked=d.locked,
        numbers=d.numbers,
        renumbering=d.renumbering,
        people=ctx.people,
        theme_names=ctx.theme_names,
        names=d.names,
        pool_size=len(ctx.people),
    )


def _stats(ctx: PoolContext) -> PoolStats:
    """The pool statistics a partial re-score needs, of the pool as the engine sees it (active people)."""
    return pool_stats(ctx.members)


def propose(
    store: GraphStore,
    programme_id: str,
    settings: RunSettings,
    *,
    created_by: str | None = None,
    progress: Callable[[FormationProgress], None] | None = None,
) -> ProposalView:
    """Run set formation on the programme's pool and keep the result as a new open proposal.

    ``progress`` is told how the search is going now and then (a job shows it). :class:`FormationError`
    for input the engine cannot work with (nothing is written).
    """
    ctx = pool_context(store, programme_id)
    settings = settings.effective(ctx.programme)
    rules = rules_for(ctx.programme, settings)
    result = form_sets(
        ctx.members,
        rules,
        _constraints(ctx, settings),
        seed=settings.seed,
        time_limit=settings.time_limit,
        max_iterations=settings.max_iterations,
        theme_names=ctx.theme_names,
        progress=progress,
    )
    result = _with_inactive(result, ctx)
    record = ProposalRecord(
        id=f"prop-{secrets.token_hex(8)}",
        programme_id=programme_id,
        payload=_encode(settings, result, [s.locked for s in result.sets], stats=_stats(ctx)),
        created_by=created_by,
    )
    return _view(_save_proposal(store, record), ctx)


@use_case
def _save_proposal(store: GraphStore, record: ProposalRecord) -> ProposalRecord:
    """Keep a new proposal (its engine ran before, outside any unit of work: a search may take minutes)."""
    saved = store.save_proposal(record)
    _keep(store, saved, {"kind": "formed"}, record.created_by)
    return saved


@use_case
def _update_proposal(
    store: GraphStore, proposal_id: str, payload: str, version: int, label: Mapping[str, Any] | None = None, actor_id: str | None = None
) -> ProposalRecord:
    """Keep a re-run proposal on ``version`` (:class:`Conflict` if it changed meanwhile); the search ran before, outside the unit."""
    saved = store.update_proposal(proposal_id, payload, version)
    _keep(store, saved, label or {"kind": "rerun"}, actor_id)
    return saved


# -- versions (issue 17): every change kept, listed in words, restorable ---------------------------------


def _snapshot(payload: str) -> str:
    """What a version keeps of a proposal: its sets (ids), their numbers, locks and names; never names of people."""
    body = json.loads(payload)
    return json.dumps(
        {
            "sets": [x["members"] for x in body["result"]["sets"]],
            "numbers": body.get("numbers"),
            "locked": body["locked"],
            "names": body.get("names") or {},
        },
        separators=(",", ":"),
    )


def _snapshot_of(sets: Sequence[Sequence[str]], numbers: Sequence[int], locked: Sequence[bool], names: Mapping[int, str]) -> str:
    """:func:`_snapshot` from the partition in hand (an edit need not parse the payload it has just written)."""
    kept = {str(n): v for n, v in names.items() if n in set(numbers) and v}
    return json.dumps({"sets": [list(x) for x in sets], "numbers": list(numbers), "locked": list(locked), "names": kept}, separators=(",", ":"))


def _keep(store: GraphStore, record: ProposalRecord, label: Mapping[str, Any], actor_id: str | None, snapshot: str | None = None) -> None:
    """Keep the proposal as it now is as version ``record.version``, with what made it (ids and numbers, worded when read)."""
    store.keep_proposal_version(
        ProposalVersion(
            record.id,
            record.version,
            json.dumps(dict(label), separators=(",", ":"), sort_keys=True),
            snapshot or _snapshot(record.payload),
            actor_id,
        )
    )


@dataclass(frozen=True, slots=True)
class VersionLine:
    """One kept version of a proposal as the workspace lists it."""

    version: int
    words: str
    made_at: datetime | None
    current: bool


def _version_words(label: Mapping[str, Any], names: Mapping[str, str]) -> str:
    def who(i: Any) -> str:
        return names.get(str(i), "a former member")

    kind = label.get("kind")
    if kind == "formed":
        return "Formed by set formation"
    if kind == "rerun":
        return "Re-run (locked sets kept)"
    if kind == "move":
        to = label.get("to")
        return f"Moved {who(label.get('member'))} " + (f"to set {to}" if to is not None else "out of every set")
    if kind == "swap":
        return f"Swapped {who(label.get('a'))} and {who(label.get('b'))}"
    if kind == "lock":
        return ("Locked " if label.get("locked") else "Unlocked ") + _sets_words(label.get("sets") or []).lower()
    if kind == "rename":
        return f"Named set {label.get('set')} {label.get('name')!r}" if label.get("name") else f"Set {label.get('set')} named by its number again"
    if kind == "restore":
        return f"Went back to version {label.get('from')}"
    return "Changed"


def proposal_history(store: GraphStore, proposal_id: str) -> list[VersionLine]:
    """The proposal's kept versions, oldest first, each in words (people by name, read now: an erased person is "a former member")."""
    record = store.get_proposal(proposal_id)
    kept = store.proposal_versions(proposal_id)
    labels = [json.loads(v.label) for v in kept]
    ids = sorted({str(label[k]) for label in labels for k in ("member", "a", "b") if label.get(k)})
    names = {p.assessor.id: p.assessor.name for p in store.describe_members(ids)} if ids else {}
    return [
        VersionLine(v.version, _version_words(label, names), v.made_at, v.version == record.version)
        for v, label in zip(kept, labels, strict=True)
    ]


@use_case
def restore_version(store: GraphStore, proposal_id: str, version: int, restore: int, *, actor_id: str | None = None) -> ProposalView:
    """Make the proposal as it was at kept version ``restore`` again, as a new version (so the restore can be undone too).

    When only unlocked sets differ, only they are re-scored (as an edit); otherwise the whole proposal is re-scored
    against the pool as it is now. :class:`NotFound` for a version not kept, :class:`Conflict` for a stale ``version``
    or a committed proposal. Returns the whole proposal.
    """
    record = store.get_proposal(proposal_id)
    _check_record(record, version)
    snap = json.loads(store.get_proposal_version(proposal_id, restore).snapshot or "{}")
    d = _decode(record.payload)
    sets = [list(x) for x in snap["sets"]]
    numbers = list(snap.get("numbers") or range(1, len(sets) + 1))
    locked = list(snap["locked"])
    names = {int(n): name for n, name in (snap.get("names") or {}).items()}
    label = {"kind": "restore", "from": restore}
    now = {n: frozenset(x.members) for n, x in zip(d.numbers, d.result.sets, strict=True)}
    then = {n: frozenset(x) for n, x in zip(numbers, sets, strict=True)}
    differ = sorted(n for n in set(now) | set(then) if now.get(n) != then.get(n))
    flags_now = dict(zip(d.numbers, d.locked, strict=True))
    flags_then = dict(zip(numbers, locked, strict=True))
    partial = d.stats is not None and all(not flags_now.get(n, False) and not flags_then.get(n, False) for n in differ)
    partial = partial and all(flags_now.get(n) == flags_then.get(n) for n in set(now) & set(then))
    if partial:
        moved = sorted({m for n in differ for m in now.get(n, frozenset()) ^ then.get(n, frozenset())})
        touched = [n for n in differ if n in then]
        done = _partial(store, record, d, sets, locked, numbers, touched, moved, names, label, actor_id)
        return _view(done.saved, pool_context(store, record.programme_id))
    ctx = pool_context(store, record.programme_id)
    view = _view(record, ctx)
    result = _rescore(view, sets, locked, ctx)
    saved = store.update_proposal(proposal_id, _encode(view.settings, result, locked, numbers, stats=_stats(ctx), names=names), version)
    _keep(store, saved, label, actor_id)
    return _view(saved, ctx)


@use_case
def rename_set(store: GraphStore, proposal_id: str, version: int, number: int, name: str, *, actor_id: str | None = None) -> ProposalView:
    """Give set ``number`` a name (an empty name gives it back its number as its name); kept with its number through edits and
    re-runs, and the name the set is created with on commit. :class:`Invalid` for no such set or a name too long."""
    record = store.get_proposal(proposal_id)
    _check_record(record, version)
    d = _decode(record.payload)
    _set_number(d.numbers, number)
    cleaned = " ".join((name or "").split())
    if len(cleaned) > MAX_SET_NAME:
        raise Invalid(f"a set's name has at most {MAX_SET_NAME} characters, got {len(cleaned)}")
    names = dict(d.names)
    if cleaned:
        names[number] = cleaned
    else:
        names.pop(number, None)
    payload = json.loads(record.payload)
    payload["names"] = {str(n): v for n, v in sorted(names.items())}
    if not payload["names"]:
        del payload["names"]
    saved = store.update_proposal(proposal_id, json.dumps(payload, separators=(",", ":"), sort_keys=True), version)
    _keep(store, saved, {"kind": "rename", "set": number, "name": cleaned}, actor_id)
    return get_proposal(store, proposal_id)


@use_case
def discard_proposal(store: GraphStore, proposal_id: str, *, actor_id: str | None) -> None:
    """Throw an open proposal away (no set changes, nobody is told); audited as ``proposals:discard``.

    :class:`NotFound` if there is none; :class:`Conflict` for a committed proposal, which stays as the
    record of the sets it made.
    """
    record = store.get_proposal(proposal_id)
    if record.status != "open":
        raise Conflict("that proposal was committed, so it stays as the record of the sets it made")
    store.delete_proposal(proposal_id)
    accounts.audit(store, "proposals:discard", "programme", record.programme_id, actor_id, {"proposal_id": proposal_id})


def get_proposal(store: GraphStore, proposal_id: str) -> ProposalView:
    """A stored proposal with the people it names."""
    return _load(store, proposal_id)[0]


def _load(store: GraphStore, proposal_id: str) -> tuple[ProposalView, PoolContext]:
    """A stored proposal and its programme's pool as it is now (read once, used for display and re-scoring)."""
    record = store.get_proposal(proposal_id)
    ctx = pool_context(store, record.programme_id)
    return _view(record, ctx), ctx


def _partition(view: ProposalView) -> list[list[str]]:
    return [list(s.members) for s in view.result.sets]


def _rescore(view: ProposalView, sets: list[list[str]], locked: list[bool], ctx: PoolContext) -> Proposal:
    """Score an edited partition against the current pool; broken rules are flagged on the result, not refused."""
    pool_ids = {m.id for m in ctx.members}
    gone = sorted({m for s in sets for m in s} - pool_ids)
    if gone:
        raise Conflict(f"no longer in the pool (unenrolled or inactive): {', '.join(gone)}; re-run the proposal")
    pinned = [LockedSet(members=tuple(s)) for s, lock in zip(sets, locked, strict=True) if lock and s]
    result = score_partition(
        ctx.members, sets, rules_for(ctx.programme, view.settings), _constraints(ctx, view.settings, pinned), theme_names=ctx.theme_names
    )
    return _with_inactive(result, ctx)


def _check_open(view: ProposalView, version: int) -> None:
    if view.record.status != "open":
        raise Conflict(f"proposal {view.record.id} is already committed")
    if view.record.version != version:
        raise Conflict(f"proposal {view.record.id} changed meanwhile (version {view.record.version}, not {version}); reload it")


def _next_number(numbers: Sequence[int]) -> int:
    """The number a new set gets by hand: one past the highest."""
    return max(numbers, default=0) + 1


def _set_number(numbers: Sequence[int], number: int, allow_new: bool = False) -> int:
    """The position of set ``number`` (``len(numbers)`` for a new set when ``allow_new``); :class:`Invalid` for no such set."""
    if number in numbers:
        return list(numbers).index(number)
    if allow_new and number == _next_number(numbers):
        return len(numbers)
    sets = f"the sets are {number_words(numbers)}" if numbers else "there are no sets"
    extra = f" (or {_next_number(numbers)} for a new set)" if allow_new else ""
    raise Invalid(f"there is no set {number}: {sets}{extra}")


def _edited(
    sets: list[list[str]],
    locked: list[bool],
    numbers: list[int],
    known: set[str],
    move: tuple[str, int | None] | None,
    swap: tuple[str, str] | None,
) -> tuple[list[list[str]], list[bool], list[int], list[int], list[str]]:
    """Apply one move or swap to a partition (lists changed in place and returned with emptied sets dropped).

    Returns ``(sets, locked, numbers, touched, moved)``: ``touched`` the numbers of the sets the edit changed
    that still exist, ``moved`` who moved. Errors as :func:`edit_proposal` says.
    """
    if (move is None) == (swap is None):
        raise Invalid("give exactly one edit: move or swap")
    where = {m: k for k, s in enumerate(sets) for m in s}

    def check_member(member_id: str) -> int | None:
        if member_id not in known:
            raise NotFound(f"{member_id} is not in this programme's pool")
        k = where.get(member_id)
        if k is not None and locked[k]:
            raise Conflict(f"set {numbers[k]} is locked; unlock it before changing it")
        return k

    touched_at: list[int | None]
    if move is not None:
        member_id, number = move
        source = check_member(member_id)
        target = None if number is None else _set_number(numbers, number, allow_new=True)
        if target is not None and target < len(sets) and locked[target]:
            raise Conflict(f"set {numbers[target]} is locked; unlock it before changing it")
        if target == source:
            raise Invalid(f"{member_id} is already in set {number}" if number is not None else f"{member_id} is already left out")
        if source is not None:
            sets[source].remove(member_id)
        if target is not None:
            if target == len(sets):
                sets.append([])
                locked.append(False)
                numbers.append(_next_number(numbers))
            sets[target].append(member_id)
        touched_at, moved = [source, target], [member_id]
    else:
        assert swap is not None
        a, b = swap
        if a == b:
            raise Invalid("swap needs two different people")
        ka, kb = check_member(a), check_member(b)
        if ka == kb:
            raise Invalid(f"{a} and {b} are in the same set" if ka is not None else f"{a} and {b} are both left out")
        if ka is not None:
            sets[ka][sets[ka].index(a)] = b
        if kb is not None:
            sets[kb][sets[kb].index(b)] = a
        touched_at, moved = [ka, kb], [a, b]
    touched = [numbers[k] for k in touched_at if k is not None and sets[k]]
    # A set emptied by the edit goes; every other set keeps its number (no set is renumbered by an edit).
    keep = [k for k, s in enumerate(sets) if s]
    return [sets[k] for k in keep], [locked[k] for k in keep], [numbers[k] for k in keep], touched, moved


@use_case
def edit_proposal(
    store: GraphStore,
    proposal_id: str,
    version: int,
    *,
    move: tuple[str, int | None] | None = None,
    swap: tuple[str, str] | None = None,
    whole: bool = False,
    changes_only: bool = False,
    actor_id: str | None = None,
) -> ProposalView:
    """Move someone to another set (``(member, set number)``; ``None`` leaves them out; one past the last opens a new set)
    or swap two people, re-score, and keep the result. Broken rules are flagged on the sets, not refused; locked sets
    cannot be edited (:class:`Conflict`).

    Only the sets the edit touches are re-scored (issue 17): a set's score depends on its members and on the
    pool's theme rarity and mean experience, which the proposal keeps (:class:`PoolStats`), so the people of at
    most two sets are read from the store, not the whole pool. With ``changes_only`` the returned view says so
    (``changed``: the numbers of the sets re-scored; ``people``: the people of those sets and those left out); else it is
    the whole proposal read again with everyone it names. Committing re-scores everything
    against the pool as it is then. A proposal kept before the statistics were, or ``whole`` (every set re-scored
    against the pool as it is now, as edits did before; the benchmark's baseline), is re-scored whole.
    """
    record = store.get_proposal(proposal_id)
    d = _decode(record.payload)
    _check_record(record, version)
    if d.stats is None or whole:
        return _edit_whole(store, record, version, move=move, swap=swap, actor_id=actor_id)  # the whole proposal, however it is asked
    sets = [list(x.members) for x in d.result.sets]
    locked, numbers = list(d.locked), list(d.numbers)
    before = {n: k for k, n in enumerate(numbers)}
    known = {m for x in sets for m in x} | {u.member_id for u in d.result.unplaced}
    sets, locked, numbers, touched, moved = _edited(sets, locked, numbers, known, move, swap)
    label: dict[str, Any] = (
        {"kind": "move", "member": move[0], "to": move[1]} if move is not None else {"kind": "swap", "a": swap[0], "b": swap[1]} if swap else {}
    )
    done = _partial(store, record, d, sets, locked, numbers, touched, moved, d.names, label, actor_id)
    if not changes_only:  # the whole proposal read again, with everyone it names
        return _view(done.saved, pool_context(store, record.programme_id))
    out_ids = sorted({u.member_id for u in done.result.unplaced} - set(done.people))
    people = dict(done.people)
    if out_ids:
        people.update((p.assessor.id, p) for p in store.describe_members(out_ids))
    return ProposalView(
        record=done.saved,
        settings=d.settings,
        result=done.result,
        locked=tuple(locked),
        numbers=tuple(numbers),
        people=people,
        theme_names=done.theme_names,
        names={n: name for n, name in d.names.items() if n in set(numbers)},
        changed=tuple(touched),
        pool_size=len(known),
    )


@dataclass(frozen=True, slots=True)
class _Partial:
    saved: ProposalRecord
    result: Proposal
    people: Mapping[str, PoolMember]
    theme_names: Mapping[str, str]


def _partial(
    store: GraphStore,
    record: ProposalRecord,
    d: _Decoded,
    sets: list[list[str]],
    locked: list[bool],
    numbers: list[int],
    touched: Sequence[int],
    moved: Sequence[str],
    names: Mapping[int, str],
    label: Mapping[str, Any],
    actor_id: str | None,
) -> _Partial:
    """Keep the partition ``sets`` (numbered ``numbers``) re-scoring only the sets numbered ``touched`` (which must be
    unlocked), from their people alone and the pool statistics the proposal keeps; keep the version too.

    ``moved``: the people whose set changed (they must still be enrolled and active: :class:`Conflict` otherwise).
    """
    assert d.stats is not None
    programme = store.get_programme(record.programme_id)
    before = {n: k for k, n in enumerate(d.numbers)}
    # Who moved must still be in the pool (the others are checked again, with everyone, when the proposal is committed).
    unenrolled = [m for m in moved if all(e.programme_id != record.programme_id for e in _enrolments_of(store, m))]
    index = {n: k for k, n in enumerate(numbers)}
    touched_ids = sorted({m for n in touched for m in sets[index[n]]} | set(moved))
    described = {p.assessor.id: p for p in store.describe_members(touched_ids)} if touched_ids else {}
    gone = sorted({*unenrolled, *(i for i in touched_ids if i not in described or not described[i].assessor.active)})
    if gone:
        raise Conflict(f"no longer in the pool (unenrolled or inactive): {', '.join(gone)}; re-run the proposal")
    isolated = _isolated(store, touched_ids) if touched_ids else set()
    members = [to_member(described[i], i in isolated) for i in touched_ids]
    inside = set(touched_ids)
    constraints = Constraints(
        must_link=tuple(p for p in d.settings.must_link if set(p) <= inside),
        cannot_link=tuple(p for p in d.settings.cannot_link if set(p) <= inside),
        ties=tuple((t.a_id, t.b_id) for t in store.ties_among(touched_ids)) if touched_ids else (),
    )
    names_of_themes = theme_names(store)
    rescored = (
        score_sets(
            members,
            [sets[index[n]] for n in touched],
            rules_for(programme, d.settings),
            constraints,
            theme_names=names_of_themes,
            stats=d.stats,
        )
        if touched
        else ()
    )
    fresh = dict(zip(touched, rescored, strict=True))
    old_sets = {n: d.result.sets[k] for n, k in before.items()}
    result_sets = tuple(fresh[n] if n in fresh else old_sets[n] for n in numbers)
    by_id = {m.id: m for m in members}

    def connected(ps: ProposedSet) -> int:
        people = [by_id[m] for m in ps.members if m in by_id]
        return sum(1 for m in people if m.isolated) if len({m.organisation_id or m.id for m in people}) >= 2 else 0

    emptied = [n for n in before if n not in index]
    was = sum(connected(old_sets[n]) for n in set(touched) | set(emptied) if n in old_sets)
    now = sum(connected(fresh[n]) for n in touched)
    placed_ids = {m for x in sets for m in x}
    result = _rebuilt(d.result, result_sets, placed_ids, moved, before, numbers, touched, d.settings, old_sets)
    result = dataclasses.replace(result, connected=max(0, d.result.connected - was + now))
    payload = _encode(d.settings, result, locked, numbers, stats=d.stats, names=names)
    saved = store.update_proposal(record.id, payload, record.version)
    _keep(store, saved, label, actor_id, _snapshot_of([x.members for x in result.sets], numbers, locked, names))
    return _Partial(saved, result, described, names_of_themes)


def _enrolments_of(store: GraphStore, assessor_id: str) -> list[Any]:
    try:
        return store.enrolments_of(assessor_id)
    except NotFound:  # erased meanwhile
        return []


def _rebuilt(
    old: Proposal,
    sets: tuple[ProposedSet, ...],
    placed_ids: set[str],
    moved: Sequence[str],
    before: Mapping[int, int],
    numbers: Sequence[int],
    touched: Sequence[int],
    settings: RunSettings,
    old_sets: Mapping[int, ProposedSet],
) -> Proposal:
    """The proposal after a partial re-score: totals summed again over every set, people left out updated, must-link checked.

    Someone the edit moved out of every set is listed as left out by hand; someone it placed leaves the list. The
    others keep their reason, but a rearrangement offered to them that moves people of a set the edit changed (or
    emptied) is withdrawn, as it may no longer hold; the others' set positions follow the sets' new order.
    """
    index = {n: k for k, n in enumerate(numbers)}
    changed_positions = {before[n] for n in touched if n in before} | {k for n, k in before.items() if n not in index}
    old_len, new_len = len(before), len(numbers)
    position = {k: index[n] for n, k in before.items() if n in index}

    def remap(k: int | None) -> int | None:
        if k is None:
            return None
        return position.get(k, -1) if k < old_len else k - old_len + new_len

    unplaced: list[Unplaced] = []
    for u in old.unplaced:
        if u.member_id in placed_ids:
            continue
        if u.moves:
            stale = any(m.from_set in changed_positions or m.to_set in changed_positions for m in u.moves)
            stale = stale or any(m.member_id in moved for m in u.moves)
            if stale:
                u = dataclasses.replace(u, moves=())
            else:
                u = dataclasses.replace(u, moves=tuple(dataclasses.replace(m, from_set=remap(m.from_set), to_set=remap(m.to_set)) for m in u.moves))
        unplaced.append(u)
    listed = {u.member_id for u in unplaced}
    for member_id in moved:
        if member_id not in placed_ids and member_id not in listed:
            home = next((n for n, ps in old_sets.items() if member_id in ps.members), None)
            where = f" of set {home}" if home is not None else ""
            unplaced.append(Unplaced(member_id, "left_out", f"left out by hand (taken out{where}); move them into a set to place them"))
    points = sum(int(round(ps.score * SCALE)) for ps in sets)
    goals = old.breakdown.keys() or (sets[0].breakdown.keys() if sets else ())
    breakdown = {g: round(sum(ps.breakdown.get(g, 0.0) for ps in sets), 3) for g in goals}
    where = {m: k for k, ps in enumerate(sets) for m in ps.members}
    split = []
    for group in _must_link_groups(settings.must_link):
        if len({where.get(m, -1) for m in group}) > 1:
            split.append(f"{', '.join(group)} must be in the same set")
    kept = [v for v in old.violations if not v.endswith(" must be in the same set")]
    return dataclasses.replace(
        old,
        sets=sets,
        unplaced=tuple(sorted(unplaced, key=lambda u: u.member_id)),
        score=points / SCALE,
        breakdown=breakdown,
        placed=len(placed_ids),
        violations=tuple(dict.fromkeys([*split, *kept])),
        # as a whole re-score leaves it: a partition given by hand, no longer the engine's own result
        seed=None,
        iterations=0,
        stopped="scored",
        placed_bound=None,
        connected_bound=None,
        bound_exact=False,
        steps=None,
        engine="",
    )


def _must_link_groups(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, ...]]:
    """People who must be together, as groups in id order (the engine's must-link units of two or more)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    return sorted(tuple(sorted(g)) for g in groups.values() if len(g) > 1)


def _check_record(record: ProposalRecord, version: int) -> None:
    if record.status != "open":
        raise Conflict(f"proposal {record.id} is already committed")
    if record.version != version:
        raise Conflict(f"proposal {record.id} changed meanwhile (version {record.version}, not {version}); reload it")


def _edit_whole(
    store: GraphStore,
    record: ProposalRecord,
    version: int,
    *,
    move: tuple[str, int | None] | None,
    swap: tuple[str, str] | None,
    actor_id: str | None = None,
) -> ProposalView:
    """An edit re-scoring the whole proposal against the pool as it is now (and keeping the pool statistics from then on)."""
    ctx = pool_context(store, record.programme_id)
    view = _view(record, ctx)
    known = {m.assessor.id for m in view.people.values()}
    sets, locked, numbers, _touched, _moved = _edited(_partition(view), list(view.locked), list(view.numbers), known, move, swap)
    result = _rescore(view, sets, locked, ctx)
    saved = store.update_proposal(record.id, _encode(view.settings, result, locked, numbers, stats=_stats(ctx), names=view.names), version)
    label = {"kind": "move", "member": move[0], "to": move[1]} if move is not None else {"kind": "swap", "a": swap[0], "b": swap[1]} if swap else {}
    _keep(store, saved, label, actor_id)
    return _view(saved, ctx)


def rescore(store: GraphStore, proposal_id: str) -> ProposalView:
    """The proposal scored whole against the pool as it is now, without keeping anything: what committing would see."""
    view, ctx = _load(store, proposal_id)
    result = _rescore(view, _partition(view), list(view.locked), ctx)
    return dataclasses.replace(view, result=result)


@use_case
def lock_sets(
    store: GraphStore, proposal_id: str, version: int, numbers: Sequence[int], locked: bool = True, *, actor_id: str | None = None
) -> ProposalView:
    """Lock (or unlock) sets by number: a locked set is kept exactly as it is by edits and re-runs."""
    view, ctx = _load(store, proposal_id)
    _check_open(view, version)
    if not numbers:
        raise Invalid("name at least one set number")
    flags = list(view.locked)
    for n in numbers:
        flags[_set_number(view.numbers, n)] = locked
    result = _rescore(view, _partition(view), flags, ctx)
    record = store.update_proposal(proposal_id, _encode(view.settings, result, flags, view.numbers, stats=_stats(ctx), names=view.names), version)
    _keep(store, record, {"kind": "lock", "sets": sorted(set(numbers)), "locked": locked}, actor_id)
    return _view(record, ctx)


def rerun(
    store: GraphStore,
    proposal_id: str,
    version: int,
    *,
    seed: int | None = None,
    time_limit: float | None = None,
    steps: int | None = None,
    actor_id: str | None = None,
    progress: Callable[[FormationProgress], None] | None = None,
) -> ProposalView:
    """Form the unlocked part again (locked sets kept exactly, with their meeting slot and number), with a new seed or time if given.

    Set numbers are names coordinators use, so they are not handed out again by position: a locked set keeps its
    number, an unlocked set formed again with most of its members keeps its number, and the other sets take the free
    numbers; what happened is kept with the proposal (:attr:`ProposalView.renumbering`) for the page to say.
    """
    view, ctx = _load(store, proposal_id)
    _check_open(view, version)
    changes: dict[str, Any] = {}
    if seed is not None:
        changes["seed"] = seed
    if time_limit is not None:
        changes["time_limit"] = time_limit
    if steps is not None:  # a step budget: the time limit becomes the safety net unless one is given
        changes["max_iterations"] = steps
        changes.setdefault("time_limit", MAX_TIME_LIMIT)
    settings = dataclasses.replace(view.settings, **changes).effective(ctx.programme)
    pool_ids = {m.id for m in ctx.members}
    pinned = []
    for s, lock in zip(view.result.sets, view.locked, strict=True):
        if lock:
            gone = sorted(set(s.members) - pool_ids)
            if gone:
                raise Conflict(f"locked set with {', '.join(gone)} can no longer be kept: they left the pool; unlock it")
            pinned.append(LockedSet(members=s.members, slot=s.meeting_slot))
    result = form_sets(
        ctx.members,
        rules_for(ctx.programme, settings),
        _constraints(ctx, settings, pinned),
        seed=settings.seed,
        time_limit=settings.time_limit,
        max_iterations=settings.max_iterations,
        theme_names=ctx.theme_names,
        progress=progress,
    )
    result = _with_inactive(result, ctx)
    old = [(n, frozenset(s.members), lock) for n, s, lock in view.numbered()]
    result, numbers, flags, change = _renumber(old, result)
    # A set keeps its name with its number (locked sets and sets formed again with most of their members).
    names = {n: name for n, name in view.names.items() if n in set(change.locked) | set(change.kept)}
    record = _update_proposal(store, proposal_id, _encode(settings, result, flags, numbers, change, stats=_stats(ctx), names=names), version, {"kind": "rerun"}, actor_id)
    return _view(record, ctx)


@use_case
def commit(
    store: GraphStore, proposal_id: str, version: int, *, joined: date | None = None, actor_id: str | None = None
) -> list[SetRecord]:
    """Turn the proposal's sets into active sets in ONE transaction (sets, memberships, focus themes).

    Re-scored against the pool as it is now first: :class:`Conflict` naming the broken rules if the
    proposal breaks any (after edits, or because someone's availability or employer changed). The
    store then re-checks enrolment and capacity inside its transaction and refuses (:class:`Conflict`,
    nothing written) if anyone changed meanwhile or another commit placed them first.
    """
    view, ctx = _load(store, proposal_id)
    _check_open(view, version)
    keep = [k for k, s in enumerate(_partition(view)) if s]
    sets = [list(view.result.sets[k].members) for k in keep]
    numbers = [view.numbers[k] for k in keep]
    if not sets:
        raise Invalid("the proposal has no sets to commit")
    result = _rescore(view, sets, [view.locked[k] for k in keep], ctx)
    problems = list(result.violations) + [f"set {numbers[k]}: {v}" for k, s in enumerate(result.sets) for v in s.violations]
    if problems:
        raise Conflict("the proposal breaks rules and cannot be committed: " + "; ".join(problems))
    day = joined or date.today()
    programme = ctx.programme
    existing = len(store.sets_of_programme(programme.id))
    start_base = max(programme.starts_on or day, day)
    new_sets = []
    for k, s in enumerate(result.sets):
        slot = s.meeting_slot
        fields: dict[str, Any] = {
            "id": f"set-{secrets.token_hex(6)}",
            # the name the coordinator gave it, else the number they knew it by
            "name": view.names.get(numbers[k]) or f"{programme.name}: set {existing + numbers[k]}",
            "programme_id": programme.id,
            "status": "active",
            "meeting_slot": slot,
            "cadence": programme.cadence,
            "theme_ids": focus_themes(s, ctx),
            "starts_on": calendar.first_meeting(slot, start_base) if slot else start_base,
        }
        new_sets.append(NewSet(set=ActionLearningSet(**fields), member_ids=tuple(s.members)))
    records = store.commit_sets(programme.id, new_sets, day, proposal_id=proposal_id, proposal_version=version)
    advance(store, programme.id, "running", actor_id)
    accounts.audit(
        store,
        "sets:commit",
        "programme",
        programme.id,
        actor_id,
        {"proposal_id": proposal_id, "set_ids": [r.id for r in records], "members": sum(len(r.members) for r in records)},
    )
    for r in records:  # each member is told which set they are in (api.services.notices)
        record_event(PlacedInSet(actor_id, r.id, tuple(r.current_member_ids), "commit", day))
    return records


def focus_themes(proposed: ProposedSet, ctx: PoolContext) -> tuple[str, ...]:
    """A set's focus themes: those every member shares (rarest first), else those at least half its members work on."""
    if proposed.shared_themes:
        return tuple(proposed.shared_themes[:MAX_FOCUS_THEMES])
    counts = Counter(t for m in proposed.members if m in ctx.people for t, _level in ctx.people[m].themes)
    half = max(2, (len(proposed.members) + 1) // 2)
    return tuple(t for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= half)[:MAX_FOCUS_THEMES]


# -- repair -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepairView:
    """Ranked replacements for a free place in a set, with the people they name."""

    set: SetRecord
    vacancies: int
    replacements: tuple[Replacement, ...]
    people: Mapping[str, PoolMember]
    note: str | None = None


@use_case
def leave_set(store: GraphStore, set_id: str, assessor_id: str, left: date | None = None, *, actor_id: str | None = None) -> Membership:
    """Record that a member left the set (``left`` or today); audited as ``sets:leave``."""
    ended = store.end_membership(set_id, assessor_id, left or date.today())
    accounts.audit(store, "sets:leave", "set", set_id, actor_id, {"assessor_id": assessor_id})
    record_event(LeftSet(actor_id, set_id, assessor_id, ended.left))  # the dispatcher re-plans the rota and tells the others
    return ended


def _programme_of(store: GraphStore, record: SetRecord) -> Programme:
    if record.set.programme_id is None:
        raise Invalid(f"set {record.id} belongs to no programme, so it has no rules to repair by")
    return store.get_programme(record.set.programme_id)


def repair_suggestions(store: GraphStore, set_id: str, limit: int = 10) -> RepairView:
    """Who could take a free place in the set: first the programme's pool, then findable people in the wider network.

    Everyone suggested fits the set's meeting slot and the programme's rules as they join, and
    nobody is moved from another set. Empty (with a ``note``) when the set is closed or full.
    """
    record = store.get_set(set_id)
    programme = _programme_of(store, record)
    current = list(record.current_member_ids)
    vacancies = max(0, programme.set_size_max - len(current))
    if record.set.status == "closed":
        return RepairView(record, 0, (), {}, note="the set is closed")
    if not vacancies:
        return RepairView(record, 0, (), {}, note=f"the set is full ({len(current)} of at most {programme.set_size_max})")
    found = {
        source: store.vacancy_candidates(set_id, source, limit=REPAIR_SCAN)
        for source in ("pool", "network")  # the pool first: people who enrolled for this programme
    }
    described = {p.assessor.id: p for p in store.describe_members(current)}
    people = dict(described)
    for rows in found.values():
        people.update((p.assessor.id, p) for p in rows)
    ids = sorted(people)
    isolated = _isolated(store, ids)
    ties = tuple((t.a_id, t.b_id) for t in store.ties_among(ids))
    members = [to_member(described[i], i in isolated) for i in current if i in described]
    candidates = [Candidate(to_member(p, p.assessor.id in isolated), source) for source, rows in found.items() for p in rows]
    ranked = rank_replacements(
        members,
        candidates,
        rules_for(programme, RunSettings()),
        slot=record.set.meeting_slot,
        focus_themes=record.set.theme_ids,
        ties=ties,
        theme_names=theme_names(store),
        limit=limit,
    )
    return RepairView(record, vacancies, tuple(ranked), people)


@use_case
def fill_vacancy(
    store: GraphStore, set_id: str, assessor_id: str, joined: date | None = None, *, actor_id: str | None = None
) -> Membership:
    """Add someone to a free place in ONE transaction that re-checks the set's slot and rules; audited as ``sets:fill``."""
    added = store.add_member(set_id, assessor_id, joined or date.today())
    accounts.audit(store, "sets:fill", "set", set_id, actor_id, {"assessor_id": assessor_id})
    record_event(PlacedInSet(actor_id, set_id, (assessor_id,), "fill", added.joined))  # the dispatcher re-plans the rota and tells them
    return added


#: A programme's lifecycle in order: the coordinator opens it and marks it forming; it moves on to running on commit, closed on close.
LIFECYCLE: tuple[str, ...] = ("draft", "open", "forming", "running", "closed")


def advance(store: GraphStore, programme_id: str, status: str, actor_id: str | None) -> bool:
    """Move the programme on to ``status`` if it is at an earlier stage (never back); audited as ``programme:status``.

    Called inside the use case that makes the step (a commit), so it commits with it.
    """
    current = store.get_programme(programme_id).status
    if LIFECYCLE.index(current) >= LIFECYCLE.index(status):
        return False
    store.update_programme_fields(programme_id, {"status": status})
    accounts.audit(store, "programme:status", "programme", programme_id, actor_id, {"from": current, "to": status})
    return True


@use_case
def close_programme(store: GraphStore, programme_id: str, on: date | None = None, *, actor_id: str | None) -> Programme:
    """Close a programme: its sets still meeting close too (their memberships end on ``on``, default today).

    Audited as ``programme:close``. :class:`Conflict` if it is closed already; :class:`NotFound` for no such programme.
    """
    programme = store.get_programme(programme_id)
    if programme.status == "closed":
        raise Conflict(f"{programme.name} is closed already")
    day = on or date.today()
    closed_sets = [r.id for r in store.sets_of_programme(programme_id) if r.set.status != "closed"]
    for set_id in closed_sets:
        store.set_set_status(set_id, "closed", on=day)
    updated = store.update_programme_fields(programme_id, {"status": "closed"})
    details = {"from": programme.status, "sets": len(closed_sets), "on": day.isoformat()}
    accounts.audit(store, "programme:close", "programme", programme_id, actor_id, details)
    return updated


@use_case
def set_status(store: GraphStore, set_id: str, status: str, on: date | None = None, *, actor_id: str | None) -> SetRecord:
    """Change a set's status (forming, active, closed); closing it ends its current memberships on ``on`` (default today).

    Audited as ``sets:status``. :class:`NotFound` for no such set, :class:`Invalid` for an unknown status.
    """
    day = on or date.today()
    store.set_set_status(set_id, status, on=day)
    accounts.audit(store, "sets:status", "set", set_id, actor_id, {"status": status, "on": day.isoformat()})
    return store.get_set(set_id)


# -- rota and calendar --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RotaView:
    """A set's meetings (dates, local times, facilitator, presenters) and the names of the people in it."""

    set: SetRecord
    meetings: tuple[rota.Meeting, ...]
    windows: tuple[tuple[datetime, datetime], ...]
    names: Mapping[str, str]
    members: tuple[rota.RotaMember, ...] = ()
    video_links: tuple[str | None, ...] = ()

    def attending(self, meeting: rota.Meeting) -> list[str]:
        """Who belongs to the set on the meeting's date, in rotation order."""
        return [m.id for m in self.members if m.attends(meeting.on)]


def set_rota(store: GraphStore, set_id: str) -> RotaView:
    """The set's meeting dates from its slot and cadence, and who facilitates and presents at each."""
    record = store.get_set(set_id)
    return _rota_of(store, record)


def _rota_of(store: GraphStore, record: SetRecord, names: Mapping[str, str] | None = None) -> RotaView:
    slot = record.set.meeting_slot
    if slot is None:
        raise Invalid(f"set {record.id} has no meeting slot, so it has no meeting dates")
    if names is None:
        names = {p.assessor.id: p.assessor.name for p in store.describe_members([m.assessor_id for m in record.members])}
    stored = store.meetings_of_set(record.id)
    if stored:  # the set's own meetings, as members moved, swapped and linked them (issue 8)
        members = tuple(rota.RotaMember(m.assessor_id, joined=m.joined, left=m.left) for m in record.members)
        return RotaView(
            record,
            tuple(rota.Meeting(m.number, m.on, m.facilitator, m.presenters) for m in stored),
            tuple(calendar.meeting_window(m.on, m.slot) for m in stored),
            dict(names),
            members,
            tuple(m.video_link for m in stored),
        )
    meetings_count = 6
    if record.set.programme_id is not None:
        meetings_count = store.get_programme(record.set.programme_id).meetings
    first_joined = min((m.joined for m in record.members), default=date.today())
    starts_on = record.set.starts_on or first_joined
    dates = calendar.meeting_dates(slot, record.set.cadence, meetings_count, starts_on)
    # Founding members (who joined before the first meeting) take turns from the start.
    first = dates[0] if dates else starts_on
    members = tuple(rota.RotaMember(m.assessor_id, joined=None if m.joined <= first else m.joined, left=m.left) for m in record.members)
    meetings = tuple(rota.build_rota(members, dates))
    return RotaView(record, meetings, tuple(calendar.meeting_window(d, slot) for d in dates), dict(names), members)


def _describe(view: RotaView, meeting: rota.Meeting) -> str:
    def name(i: str | None) -> str:
        return "to be agreed" if i is None else view.names.get(i, "Former member")

    lines = [
        f"Meeting {meeting.number} of {len(view.meetings)} of {view.set.set.name} (self-managed action learning set, online).",
        f"Facilitator: {name(meeting.facilitator)}",
        f"Presenting: {', '.join(name(p) for p in meeting.presenters) or 'to be agreed'}",
    ]
    attending = view.attending(meeting)
    if attending:
        lines.append("Members: " + ", ".join(name(i) for i in attending))
    link = view.video_links[meeting.number - 1] if len(view.video_links) >= meeting.number else None
    if link:
        lines.append(f"Video link: {link}")
    return "\n".join(lines)


def _events(view: RotaView, for_assessor: str | None = None) -> list[calendar.Event]:
    events = []
    for meeting, (start, end) in zip(view.meetings, view.windows, strict=True):
        role = ""
        if for_assessor is not None:
            if for_assessor not in view.attending(meeting):
                continue
            role = (
                " (you facilitate)"
                if meeting.facilitator == for_assessor
                else " (you present)"
                if for_assessor in meeting.presenters
                else ""
            )
        events.append(
            calendar.Event(
                uid=f"{view.set.id}-meeting-{meeting.number}@bridgework",
                starts_at=start,
                ends_at=end,
                summary=f"{view.set.set.name}: meeting {meeting.number}{role}",
                description=_describe(view, meeting),
            )
        )
    return events


def set_calendar(store: GraphStore, set_id: str, now: datetime | None = None) -> bytes:
    """The set's meetings as an iCalendar document."""
    view = set_rota(store, set_id)
    return calendar.to_ics(_events(view), view.set.set.name, now or datetime.now(UTC))


def assessor_calendar(store: GraphStore, assessor_id: str, now: datetime | None = None) -> bytes:
    """Every meeting of the assessor's current sets (while they are a member), as one iCalendar document."""
    records = [r for r in store.sets_of_assessor(assessor_id, current_only=True) if r.set.meeting_slot is not None]
    ids = sorted({m.assessor_id for r in records for m in r.members})
    names = {p.assessor.id: p.assessor.name for p in store.describe_members(ids)} if ids else {}
    events = [e for r in records for e in _events(_rota_of(store, r, names), for_assessor=assessor_id)]
    return calendar.to_ics(events, "Action learning sets", now or datetime.now(UTC))


def pool_summary(view: ProposalView) -> dict[str, Any]:
    """Counts a coordinator reads first: pool, placed, unplaced, sets."""
    return {
        "pool": len(view.people),
        "placed": view.result.placed,
        "unplaced": len(view.result.unplaced),
        "sets": len(view.result.sets),
    }


def provenance(view: ProposalView) -> str:
    """What made the proposal and how to make it again, in words (issue 22): engine version, seed, step budget, stop."""
    r, s = view.result, view.settings
    if r.stopped == "scored":
        return f"Changed by hand since set formation made it with seed {s.seed}; re-run to form the unlocked sets again."
    if not r.engine:
        return "Made before Bridgework kept what made each proposal (no engine version), so it cannot be reproduced exactly."
    steps_done = f"{r.iterations:,} search step{'s' if r.iterations != 1 else ''}"
    if r.steps is not None and r.stopped != "time":
        return (
            f"Made by set formation {r.engine} with seed {s.seed} and a budget of {r.steps:,} steps ({steps_done}): "
            f"the same seed and steps on the same pool give these sets again on any machine."
        )
    if r.steps is not None:
        return (
            f"Made by set formation {r.engine} with seed {s.seed}: the time cap of {s.time_limit:g} seconds ended it after "
            f"{steps_done}, before its budget of {r.steps:,} steps, so running it again may give other sets."
        )
    return (
        f"Made by set formation {r.engine} with seed {s.seed} and a time budget of {s.time_limit:g} seconds ({steps_done}); "
        f"a time budget depends on the machine, so give a step budget to make sets that can be made again."
    )


def counts_words(view: ProposalView) -> str:
    """How many people are placed and isolated people connected, beside the most possible when that is known (issue 22)."""
    r = view.result

    def most(value: int, bound: int | None) -> str:
        if bound is None:
            return ""
        if value >= bound:
            return " (the most possible)"
        return f" (at most {bound} could be)" if r.bound_exact else ""

    return (
        f"{r.placed} placed{most(r.placed, r.placed_bound)}; "
        f"{r.connected} isolated {'person' if r.connected == 1 else 'people'} connected{most(r.connected, r.connected_bound)}"
    )
