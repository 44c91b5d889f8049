"""Commands of the joins area (issue 9): the sets an assessor could join, asking to join, and deciding requests.

``bridgework set-suggestions ASSESSOR_ID`` lists ranked sets with reasons (and open programmes);
``bridgework join-request SET_ID ASSESSOR_ID`` asks to join for someone (an admin's tool);
``bridgework join-requests PROGRAMME_ID`` lists a programme's requests;
``bridgework join-decide REQUEST_ID accept|decline|withdraw`` decides one.
Exit 1 with a message for bad input (a rule broken, an unknown id), 2 for a bad setting.
"""

from __future__ import annotations

import click

from api.cli_common import fail, opened_store
from api.services import joins as service
from graph.port import Conflict, Invalid, NotFound
from graph.port_joins import JOIN_STATUSES
from network import availability

_DECISIONS = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn"}


@click.command("set-suggestions")
@click.argument("assessor_id")
@click.option("--limit", "-n", type=click.IntRange(1, service.MAX_LIMIT), default=10, show_default=True)
def set_suggestions_command(assessor_id: str, limit: int) -> None:
    """Sets ASSESSOR_ID could join, best first, with reasons; then open programmes they could enrol in."""
    with opened_store() as store:
        try:
            view = service.set_suggestions(store, assessor_id, limit=limit)
            programmes = service.open_programmes(store, assessor_id)
        except (NotFound, Invalid) as exc:
            fail(str(exc))
    for s in view.result.items:
        when = availability.describe_slot(s.meeting_slot) if s.meeting_slot else "time not fixed"
        click.echo(f"{s.rank:>2}. {s.name} [{s.set_id}] ({s.programme_name}; {when}; {s.members}/{s.size_max}) score {s.score:+.2f}")
        click.echo(f"    {s.summary}")
    for note in view.result.notices:
        click.echo(note)
    if programmes:
        click.echo("open programmes you could enrol in:")
        for p in programmes:
            click.echo(f"  {p.name} [{p.id}] ({p.cadence}, {p.meetings} meetings)")


@click.command("join-request")
@click.argument("set_id")
@click.argument("assessor_id")
@click.option("--message", default="", help="A note for the coordinator.")
def join_request_command(set_id: str, assessor_id: str, message: str) -> None:
    """Ask for ASSESSOR_ID to join SET_ID (accepted at once if the programme accepts automatically)."""
    with opened_store() as store:
        try:
            made = service.request_join(store, set_id, assessor_id, message=message)
        except (NotFound, Invalid, Conflict) as exc:
            fail(str(exc))
    click.echo(f"join request {made.id}: {made.status}")


@click.command("join-requests")
@click.argument("programme_id")
@click.option("--status", type=click.Choice(JOIN_STATUSES), default=None, help="Only requests with this status.")
def join_requests_command(programme_id: str, status: str | None) -> None:
    """Requests to join PROGRAMME_ID's sets, waiting ones first."""
    with opened_store() as store:
        try:
            views = service.programme_requests(store, programme_id, status)
        except NotFound as exc:
            fail(str(exc))
    if not views:
        click.echo("no join requests")
    for v in views:
        r = v.request
        click.echo(f"{r.id}  {r.status:<9} {v.assessor_name} [{r.assessor_id}] -> {v.set_name} [{r.set_id}] ({v.members}/{v.size_max})")


@click.command("join-decide")
@click.argument("request_id")
@click.argument("decision", type=click.Choice(sorted(_DECISIONS)))
@click.option("--note", default="", help="Why (shown to the assessor when declined).")
def join_decide_command(request_id: str, decision: str, note: str) -> None:
    """Accept, decline or withdraw REQUEST_ID; accepting re-checks every rule in the same transaction."""
    with opened_store() as store:
        try:
            decided = service.decide(store, request_id, _DECISIONS[decision], actor_id=None, note=note)
        except (NotFound, Invalid, Conflict) as exc:
            fail(str(exc))
    click.echo(f"join request {decided.id}: {decided.status}")


#: The commands of this area, registered on the ``bridgework`` group by :mod:`bridgework.cli`.
COMMANDS: tuple[click.Command, ...] = (set_suggestions_command, join_request_command, join_requests_command, join_decide_command)
