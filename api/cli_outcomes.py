"""``bridgework outcomes PROGRAMME_ID``: a programme's follow-up outcomes as aggregates (and ``--csv FILE``).

The CLI runs with full access to the store, but prints exactly what the programme's coordinator
sees: aggregates only, nothing from fewer than five people.
"""

from __future__ import annotations

from pathlib import Path

import click

from api.cli_common import fail, opened_store
from api.services import outcomes as service
from network.domain import today
from network.outcomes import FEWER, WAVE_NAMES, OutcomeReport, Summary, report_csv


def _figure(value: float | int | None) -> str:
    return "withheld" if value is None else f"{value:g}"


def _summary_line(title: str, s: Summary) -> str:
    if s.pending:
        return f"    {title:<22} {s.pending}"
    if s.suppressed:
        return f"    {title:<22} people: {FEWER}"
    cells = "  ".join(f"{c.label}: {'<5' if c.count is None else c.count}" for c in s.cells)
    return f"    {title:<22} people: {s.n:<5} mean: {_figure(s.mean):<9} median: {_figure(s.median):<9} {cells}"


def report_lines(name: str, report: OutcomeReport) -> list[str]:
    """The report as lines of text."""
    lines = [
        f"{name} ({report.programme_id}): follow-up outcomes (no figure from fewer than {report.min_group} people)",
        "  answered: " + ", ".join(f"{WAVE_NAMES[w]} {FEWER if n is None else n}" for w, n in report.respondents),
    ]
    for qr in report.questions:
        q = qr.question
        scale = f"{q.minimum}-{q.maximum}" if q.kind == "scale" else f"count 0-{q.maximum}"
        lines.append(f"  {q.key} ({scale}): {q.text}")
        lines.extend(_summary_line(WAVE_NAMES[w], s) for w, s in qr.waves)
        lines.extend(_summary_line(f"change {a} to {b}", s) for a, b, s in qr.changes)
    return lines


@click.command("outcomes")
@click.argument("programme_id")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write the aggregates to FILE as CSV.")
def outcomes_command(programme_id: str, csv_file: Path | None) -> None:
    """Show PROGRAMME_ID's follow-up outcomes: per question and wave, and the change from the start."""
    with opened_store() as store:
        programme = store.get_programme(programme_id)
        report = service.report(store, programme_id, today())
    for line in report_lines(programme.name, report):
        click.echo(line)
    if csv_file is not None:
        try:
            csv_file.write_text(report_csv(report), encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {csv_file}: {exc.strerror or exc}")
        click.echo(f"aggregates written to {csv_file}")
