"""``bridgework send-reminders``, ``bridgework set-health`` and ``bridgework meetings`` (issue 8).

The CLI runs with full access to the store (no login), like the other commands; reminders go
through the notifier configured by ``BRIDGEWORK_NOTIFIER`` (``outbox`` by default).

``send-reminders`` and ``set-health`` go over many sets: one that cannot be processed is logged
with its id and named at the end, the others are done all the same, and the command then exits
with :data:`api.cli_common.EXIT_PARTIAL` (3) instead of 0.
"""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from api.cli_common import EXIT_PARTIAL, EXIT_SETTING, check_day, fail, opened_store
from api.services import batch, notify
from api.services import meetings as service
from graph.port import Invalid
from graph.settings import SettingError
from network import availability, limits
from network.domain import InvalidValue


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"must be a date YYYY-MM-DD, got {value!r}") from None
    return check_day(day, param.opts[0] if param.opts else "--date")


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{round(rate * 100)}%"


@click.command("send-reminders")
@click.option("--date", "day", callback=_day, metavar="YYYY-MM-DD", help="The day to produce reminders for (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def send_reminders_command(day: date | None, as_json: bool) -> None:
    """Produce the reminders due today (meetings, rota turns, questionnaires) and send the new ones; safe to run again."""
    try:
        notifier = notify.default_notifier()
    except SettingError as exc:
        fail(str(exc), EXIT_SETTING)
    with opened_store() as store:
        try:
            report = service.send_reminders(store, day or date.today(), notifier=notifier)
        except (Invalid, InvalidValue) as exc:
            fail(str(exc))
    body = service.describe(report)
    if as_json:
        click.echo(json.dumps(body, default=str, sort_keys=True))
        _partial(report.failures, f"Sent {report.new} new reminder(s)")
        return
    click.echo(f"Reminders for {report.today.isoformat()} (notifier: {notifier.name})")
    if report.materialised:
        click.echo(f"  planned the meetings of {report.materialised} set(s)")
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(report.by_kind.items())) or "none"
    click.echo(f"  due: {report.due} ({kinds}); new, sent now: {report.new}; already sent before: {report.due - report.new}")
    if report.retried_sent or report.retried_failed:
        click.echo(f"  earlier notices retried: {report.retried_sent} sent, {report.retried_failed} still failing")
    if not report.questionnaires:
        click.echo("  questionnaire reminders skipped: the outcomes area is not installed")
    _partial(report.failures, f"Sent {report.new} new reminder(s)")


def _partial(failures: tuple[batch.Failure, ...], done: str) -> None:
    """After everything else was done: name the items that failed (details in the log) and exit 3; nothing if none did."""
    if failures:
        click.echo(f"{done}; {batch.summary(failures)}", err=True)
        sys.exit(EXIT_PARTIAL)


@click.command("set-health")
@click.argument("programme_id")
@click.option("--date", "day", callback=_day, metavar="YYYY-MM-DD", help="Judge as of this day (default today).")
@click.option("--all", "every", is_flag=True, help="List every set, not only those at risk.")
@click.option(
    "--notify", "tell", is_flag=True, help="Also tell the programme's coordinators of each set at risk (once a week per set and reason)."
)
def set_health_command(programme_id: str, day: date | None, every: bool, tell: bool) -> None:
    """Sets of PROGRAMME_ID at risk, most urgent first, with the suggested action for each."""
    with opened_store() as store:
        judge = service.tell_coordinators_of_risk if tell else service.programme_health
        view = judge(store, programme_id, day or date.today())
    shown = view.sets if every else view.at_risk
    click.echo(f"{view.programme.name}: {len(view.at_risk)} of {len(view.sets)} set(s) at risk")
    for h in shown:
        click.echo(f"- {h.name} ({h.set_id}): {h.size} members, attendance {_percent(h.attendance_rate)}, urgency {h.urgency}")
        for s in h.signals:
            click.echo(f"    ! {s.message}")
        for a in h.actions:
            click.echo(f"    > {a.message}")
    _partial(view.failures, f"Judged {len(view.sets)} set(s)")


@click.command("meetings")
@click.argument("set_id")
def meetings_command(set_id: str) -> None:
    """The meetings of SET_ID (planned from its rota on first use): dates, turns, attendance."""
    with opened_store() as store:
        view = service.set_meetings(store, set_id)
    slot = view.set.set.meeting_slot
    click.echo(f"{view.set.set.name} ({set_id}), {availability.describe_slot(slot) if slot else 'no meeting slot'}")
    for m in view.meetings:
        r = m.record
        presenters = ", ".join(view.name(p) for p in r.presenters) or "-"
        attended = sum(1 for _a, s in r.attendance if s == "attended")
        held = f"held, {attended} of {len(r.attendance)} attended" if r.held else "to come" if m.editable else "not recorded"
        click.echo(
            f"  {r.number:>2}. {m.starts_at:%a} {limits.words(m.starts_at)}, {m.starts_at:%H:%M}  facilitator: {view.name(r.facilitator)}; presenting: {presenters}; {held}"
        )


COMMANDS: tuple[click.Command, ...] = (send_reminders_command, set_health_command, meetings_command)
