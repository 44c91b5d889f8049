"""Set formation from the command line: ``form-sets``, ``programme create`` and ``enrol``.

``bridgework form-sets PROGRAMME_ID --seed S [--steps N] [--time-limit T]`` forms sets from the programme's
enrolment pool, keeps the result as a proposal (its id is printed, so it can be edited or
committed through the API) and prints every set with its reasons and everyone left out with why.
``--commit`` commits it at once. Bad input is a plain message and exit 1, with nothing written.
"""

from __future__ import annotations

from datetime import date

import click

from api.cli_common import check_day, fail, opened_store
from api.services import enrolment
from api.services import sets as service
from graph.port import Conflict, NotFound, StoreError, Unavailable
from network import availability
from network.domain import (
    CADENCES,
    FORMATION_PRIORITIES,
    JOIN_POLICIES,
    MEETINGS_MAX,
    MEETINGS_MIN,
    REGION_MODES,
    REGIONS,
    SET_SIZE_MAX,
    SET_SIZE_MIN,
    STEPS_MAX,
    STEPS_MIN,
    InvalidValue,
    Programme,
)
from network.formation import FormationError


def register(group: click.Group) -> None:
    """Add this module's commands to the ``bridgework`` group."""
    for command in (form_sets, programme, enrol):
        group.add_command(command)


def _pair(value: str, option: str) -> tuple[str, str]:
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 2 or not all(parts) or parts[0] == parts[1]:
        fail(f"{option} takes two different assessor ids separated by a comma, got {value!r}")
    return parts[0], parts[1]


def proposal_lines(view: service.ProposalView) -> list[str]:
    """The proposal as lines a coordinator reads: summary, each set with its members and reasons, then the unplaced."""
    r, s = view.result, view.settings
    programme = view.record.programme_id

    def who(member_id: str) -> str:
        p = view.people.get(member_id)
        if p is None:
            return member_id
        org = f", {p.organisation_id} ({p.organisation_kind.replace('_', ' ')})" if p.organisation_id and p.organisation_kind else ""
        return f"{member_id} {p.assessor.name}{org}, {p.assessor.experience_years} yrs"

    lines = [
        f"programme {programme}: {len(view.people)} enrolled, {r.placed} placed in {len(r.sets)} set(s), {len(r.unplaced)} unplaced",
        f"seed {s.seed}, time limit {s.time_limit:g} s, "
        + (f"step budget {s.max_iterations}, " if s.max_iterations is not None else "")
        + f"{r.iterations} search steps, stopped: {r.stopped}; score {r.score:g}",
        service.counts_words(view),
        service.provenance(view)
        + (f" (bridgework form-sets {programme} --seed {s.seed} --steps {r.steps})" if r.steps is not None and r.stopped != "time" else ""),
        f"proposal {view.record.id} (version {view.record.version}, {view.record.status})",
    ]
    for k, ps, _locked in view.numbered():
        slot = f"{availability.describe_slot(ps.meeting_slot)} ({ps.meeting_slot})" if ps.meeting_slot else "no common slot"
        lines.append("")
        lines.append(f"Set {k}: {len(ps.members)} members, meets {slot}, score {ps.score:g}{' [locked]' if ps.locked else ''}")
        lines.extend(f"  - {who(m)}" for m in ps.members)
        lines.extend(f"  why: {reason}" for reason in ps.reasons)
        lines.extend(f"  BREAKS: {v}" for v in ps.violations)
    if r.unplaced:
        lines.append("")
        lines.append(f"Unplaced ({len(r.unplaced)}):")
        lines.extend(f"  - {who(u.member_id)}: {u.reason}" for u in r.unplaced)
    lines.extend(f"BREAKS: {v}" for v in r.violations)
    return lines


@click.command("form-sets")
@click.argument("programme_id")
@click.option(
    "--seed", "-s", type=click.IntRange(0, service.MAX_SEED), default=0, show_default=True, help="Same data + same seed = same sets."
)
@click.option(
    "--time-limit",
    "-t",
    type=click.FloatRange(0, service.MAX_TIME_LIMIT),
    default=None,
    help=f"Seconds of search after the first valid proposal [default: {service.DEFAULT_TIME_LIMIT:g}; with --steps, a safety net "
    f"of {service.MAX_TIME_LIMIT:g}].",
)
@click.option(
    "--steps",
    "--max-iterations",
    "max_iterations",
    type=click.IntRange(STEPS_MIN, STEPS_MAX),
    default=None,
    help="Step budget [default: the programme's]: the same seed, steps and pool give the same sets on any machine.",
)
@click.option("--must-link", "must", multiple=True, metavar="A,B", help="Two assessors who must share a set (repeatable).")
@click.option("--cannot-link", "cannot", multiple=True, metavar="A,B", help="Two assessors who must not share a set (repeatable).")
@click.option("--commit", "do_commit", is_flag=True, help="Commit the proposal straight away (one transaction).")
def form_sets(
    programme_id: str,
    seed: int,
    time_limit: float | None,
    max_iterations: int | None,
    must: tuple[str, ...],
    cannot: tuple[str, ...],
    do_commit: bool,
) -> None:
    """Form action learning sets from PROGRAMME_ID's enrolment pool and print them with their reasons."""
    must_link = tuple(_pair(v, "--must-link") for v in must)
    cannot_link = tuple(_pair(v, "--cannot-link") for v in cannot)
    with opened_store() as store:
        try:
            settings = service.RunSettings(
                seed=seed, time_limit=time_limit, max_iterations=max_iterations, must_link=must_link, cannot_link=cannot_link
            )
            view = service.propose(store, programme_id, settings)
        except FormationError as exc:
            fail(f"{exc}; nothing was written")
        except NotFound as exc:
            fail(str(exc))
        for line in proposal_lines(view):
            click.echo(line)
        if do_commit:
            try:
                records = service.commit(store, view.record.id, view.record.version)
            except (Conflict, FormationError) as exc:
                fail(f"not committed: {exc}")
            click.echo("")
            click.echo(f"committed {len(records)} set(s): {', '.join(r.id for r in records)}")


@click.group("programme")
def programme() -> None:
    """Programmes of set formation."""


@programme.command("create")
@click.argument("programme_id")
@click.option("--name", required=True, help="What coordinators and members call it.")
@click.option("--region", type=click.Choice(sorted(REGIONS)), default=None)
@click.option("--size-min", type=click.IntRange(SET_SIZE_MIN, SET_SIZE_MAX), default=4, show_default=True)
@click.option("--size-max", type=click.IntRange(SET_SIZE_MIN, SET_SIZE_MAX), default=7, show_default=True)
@click.option("--size-target", type=click.IntRange(SET_SIZE_MIN, SET_SIZE_MAX), default=6, show_default=True)
@click.option("--cadence", type=click.Choice(CADENCES), default="monthly", show_default=True)
@click.option("--meetings", type=click.IntRange(MEETINGS_MIN, MEETINGS_MAX), default=6, show_default=True)
@click.option("--max-per-organisation", type=click.IntRange(1, 2), default=1, show_default=True)
@click.option("--no-common-slot", is_flag=True, help="Do not require a weekly slot common to each set.")
@click.option("--region-mode", type=click.Choice(REGION_MODES), default="mix", show_default=True)
@click.option(
    "--steps",
    type=click.IntRange(STEPS_MIN, STEPS_MAX),
    default=None,
    help="Set formation's step budget for this programme (reproducible proposals) [default: a time budget].",
)
@click.option(
    "--priority",
    type=click.Choice(FORMATION_PRIORITIES),
    default="isolated",
    show_default=True,
    help="What set formation maximises first: isolated people connected, or people placed.",
)
@click.option("--starts-on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="No meeting before this date (YYYY-MM-DD).")
@click.option("--status", type=click.Choice(["draft", "open"]), default="open", show_default=True)
@click.option(  # joins (issue 9)
    "--join-policy",
    type=click.Choice(JOIN_POLICIES),
    default="coordinator",
    show_default=True,
    help="Who decides requests to join a set: the coordinator, or automatic when every rule holds.",
)
def programme_create(programme_id: str, **options: object) -> None:
    """Create programme PROGRAMME_ID."""
    starts = options["starts_on"]
    check_day(starts.date() if starts is not None else None, "--starts-on")  # type: ignore[attr-defined]
    try:
        p = Programme(
            id=programme_id,
            name=str(options["name"]),
            region=options["region"],  # type: ignore[arg-type]
            status=str(options["status"]),
            set_size_min=int(options["size_min"]),  # type: ignore[call-overload]
            set_size_max=int(options["size_max"]),  # type: ignore[call-overload]
            set_size_target=int(options["size_target"]),  # type: ignore[call-overload]
            cadence=str(options["cadence"]),
            meetings=int(options["meetings"]),  # type: ignore[call-overload]
            max_per_organisation=int(options["max_per_organisation"]),  # type: ignore[call-overload]
            require_common_slot=not options["no_common_slot"],
            region_mode=str(options["region_mode"]),
            join_policy=str(options["join_policy"]),  # joins (issue 9)
            steps=options["steps"],  # type: ignore[arg-type]
            priority=str(options["priority"]),
            starts_on=starts.date() if starts is not None else None,  # type: ignore[attr-defined]
        )
    except InvalidValue as exc:
        fail(str(exc))
    with opened_store() as store:
        try:
            service.create_programme(store, p)
        except Conflict as exc:
            fail(str(exc))
    click.echo(f"programme {p.id} created ({p.set_size_min}-{p.set_size_max} per set, {p.meetings} {p.cadence} meetings)")


@click.command("enrol")
@click.argument("programme_id")
@click.argument("assessor_ids", nargs=-1, required=True)
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Enrolment date (default today).")
def enrol(programme_id: str, assessor_ids: tuple[str, ...], on: object) -> None:
    """Enrol ASSESSOR_IDS in PROGRAMME_ID, all or nothing (already enrolled ones are reported and left as they are)."""
    day = check_day(on.date(), "--on") if on is not None else date.today()  # type: ignore[attr-defined]
    with opened_store() as store:
        try:
            enrolled = enrolment.enrol(store, programme_id, assessor_ids, on=day, actor_id=None, skip_enrolled=True)
        except Unavailable:
            raise
        except StoreError as exc:  # an unknown programme or id, or someone enrolled one of them meanwhile
            fail(f"{exc}; nobody was enrolled")
    new = {e.assessor_id for e in enrolled}
    skipped = [i for i in dict.fromkeys(assessor_ids) if i not in new]
    for assessor_id in skipped:
        click.echo(f"{assessor_id}: already enrolled", err=True)
    click.echo(f"enrolled {len(enrolled)} in {programme_id}" + (f", {len(skipped)} already enrolled" if skipped else ""))
