"""``bridgework suggest ASSESSOR_ID``: an assessor's peer suggestions with reasons (the CLI runs with full access to the store)."""

from __future__ import annotations

import click

from api.cli_common import fail, opened_store
from api.services import suggestions as service
from api.services.suggestions import DEFAULT_LIMIT, MAX_LIMIT
from network.domain import REGIONS, InvalidValue, check_id
from network.suggestions import COMMON_SLOT_MODES, SIGNALS, Suggestion, Suggestions


@click.command("suggest")
@click.argument("assessor_id")
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(1, MAX_LIMIT),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="How many suggestions at most.",
)
@click.option(
    "--common-slot",
    type=click.Choice(COMMON_SLOT_MODES),
    default="preferred",
    show_default=True,
    help="preferred: common weekly slots raise the score; required: only people free at a common time.",
)
@click.option("--scores", is_flag=True, help="Also show each suggestion's score breakdown per signal.")
def _suggest(assessor_id: str, limit: int, common_slot: str, scores: bool) -> None:
    """Print ASSESSOR_ID's peer suggestions in other organisations, best first, with the reasons for each."""
    try:
        check_id(assessor_id, "ASSESSOR_ID")
    except InvalidValue as exc:
        fail(str(exc))
    with opened_store() as store:
        seeker = store.get_assessor(assessor_id)
        result = service.suggestions_for(store, assessor_id, limit=limit, common_slot=common_slot)
    click.echo(f"Suggestions for {seeker.name} ({seeker.id}), common weekly slot {common_slot}:")
    for line in suggestion_lines(result, scores=scores):
        click.echo(line)


#: The command, registered on the ``bridgework`` group by :mod:`bridgework.cli`.
suggest_command: click.Command = _suggest


def suggestion_lines(result: Suggestions, *, scores: bool = False) -> list[str]:
    """The suggestions as numbered lines with their reasons, then any notices."""
    lines: list[str] = []
    for s in result.items:
        lines.append(f"{s.rank:>3}. {_who(s)}")
        lines.append(f"     {s.summary}")
        if scores:
            parts = ", ".join(f"{name} {value:.2f}" for name, value in s.breakdown if value)
            lines.append(f"     score {s.score:.2f}: {parts or 'no signal'}")
    if not result.items:
        lines.append("  nobody to suggest yet")
    lines.extend(f"  note: {notice}" for notice in result.notices)
    lines.append(f"  ({result.considered} candidate(s) considered; signals: {', '.join(SIGNALS)})")
    return lines


def _who(s: Suggestion) -> str:
    where = s.organisation_name or "no organisation"
    region = f", {REGIONS.get(s.organisation_region, s.organisation_region)}" if s.organisation_name and s.organisation_region else ""
    return f"{s.name} ({s.assessor_id}), {where}{region}"
