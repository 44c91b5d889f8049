"""The ``bridgework`` command: serve, init-db, demo, import and export.

Every command reports a bad setting or bad input as a plain message on stderr
and exits non-zero; none of them prints a traceback for a user's mistake.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import NoReturn

import click

from graph.open import open_store
from graph.port import GraphStore, Invalid, StoreError, Unavailable, UpsertReport
from graph.settings import SettingError, StoreSettings
from network import limits

#: Exit codes: 1 bad input (nothing written), 2 bad setting or store unreachable,
#: 3 a batch job did everything else but some items failed (each named, and logged with its id).
EXIT_INPUT = 1
EXIT_SETTING = 2
EXIT_PARTIAL = 3


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """Print ``error: message`` to stderr and exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def check_day(day: date | None, option: str) -> date | None:
    """``day`` if it lies in the window of dates people may enter (:mod:`network.limits`); else a plain message and exit 1."""
    if day is not None and (problem := limits.date_problem(day)) is not None:
        fail(f"{option}: {problem}")
    return day


@contextmanager
def opened_store() -> Iterator[GraphStore]:
    """The configured store, schema ensured, closed afterwards; settings errors become plain messages."""
    try:
        store = open_store(StoreSettings.from_env())
    except SettingError as exc:
        fail(str(exc), EXIT_SETTING)
    try:
        store.ensure_schema()
        yield store
    except StoreError as exc:
        fail(str(exc), EXIT_SETTING if isinstance(exc, Unavailable) else EXIT_INPUT)
    finally:
        store.close()


def report_lines(report: UpsertReport) -> list[str]:
    """One line per kind: how many rows were created, updated and already as given."""
    return [
        f"  {kind:<14} {c.created:>7} created {c.updated:>7} updated {c.unchanged:>7} unchanged"
        for kind, c in report.counts.items()
        if c.total
    ]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bridgework")
def main() -> None:
    """Bridgework: link isolated social work assessors across organisations.

    The store is the embedded one under BRIDGEWORK_DATA_DIR (default ./data)
    unless NEO4J_URI is set.
    """


@main.command("init-db")
def init_db() -> None:
    """Create constraints and indexes (running it again is harmless)."""
    with opened_store() as store:
        click.echo(f"schema ready on the {store.kind} store")


@main.command()
@click.option("--assessors", "-n", type=click.IntRange(1, 200_000), default=300, show_default=True)
@click.option("--organisations", "-m", type=click.IntRange(1, 10_000), default=40, show_default=True)
@click.option("--seed", "-s", type=int, default=1, show_default=True)
def demo(assessors: int, organisations: int, seed: int) -> None:
    """Load a generated demo network (the same seed always gives the same network)."""
    from network import demo as demo_network

    net = demo_network.generate(assessors=assessors, organisations=organisations, seed=seed)
    with opened_store() as store:
        report = store.bulk_upsert(net.bundle)
    click.echo(f"demo network (seed {seed}) loaded into the {store.kind} store:")
    for line in report_lines(report):
        click.echo(line)
    for key, value in demo_network.summary(net).items():
        shown = ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else value
        click.echo(f"  {key.replace('_', ' ')}: {shown}")


@main.command("import")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Write the valid rows and report the rest (default: write nothing if any row is bad).")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
def import_(directory: Path, skip_invalid: bool, dry_run: bool) -> None:
    """Import organisations.csv, themes.csv, assessors.csv and contacts.csv from DIRECTORY."""
    from network import csvio

    with opened_store() as store:
        try:
            plan = csvio.read_dir(directory, store.existing_ids, skip_invalid=skip_invalid)
        except csvio.CsvFormatError as exc:
            fail(str(exc))
        for error in plan.errors:
            click.echo(str(error), err=True)
        if plan.errors and not skip_invalid:
            fail(f"{len(plan.errors)} problem(s) found; nothing was imported (fix them, or use --skip-invalid)")
        if dry_run:
            click.echo(f"dry run: {len(plan.bundle)} valid row(s), {len(plan.errors)} problem(s); nothing written")
            return
        try:
            report = store.bulk_upsert(plan.bundle)
        except Invalid as exc:
            fail(f"{exc}; nothing was imported")
        if report.changed:
            from api.services.accounts import audit

            counts = {kind: {"created": c.created, "updated": c.updated} for kind, c in report.counts.items() if c.total}
            audit(store, "import", "directory", directory.name[:64] or "import", actor_id=None, details=counts)
    click.echo(f"imported into the {store.kind} store:" if report.changed else "nothing changed: the store already held these rows")
    for line in report_lines(report):
        click.echo(line)
    if plan.errors:
        click.echo(f"skipped {sum(plan.rows_rejected.values())} invalid row(s), listed above", err=True)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export(directory: Path) -> None:
    """Export the whole network to DIRECTORY in the import format."""
    from network import csvio

    with opened_store() as store:
        bundle = store.export_bundle()
    try:
        written = csvio.write_dir(bundle, directory)
    except csvio.CsvFormatError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write to {directory}: {exc.strerror or exc}")
    for name, rows in written.items():
        click.echo(f"  {name}: {rows} row(s)")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--demo", "with_demo", is_flag=True, help="Load the default demo network first if the store is empty.")
@click.option("--debug", is_flag=True, help="Reload on code changes and show the debugger (never in production).")
def serve(host: str, port: int, with_demo: bool, debug: bool) -> None:
    """Run the development server (use gunicorn in production; see the README)."""
    from api import create_app

    try:
        app = create_app()
    except SettingError as exc:
        fail(str(exc), EXIT_SETTING)
    store = app.extensions["bridgework.store"]
    try:
        store.ensure_schema()
        if with_demo and store.counts()["assessors"] == 0:
            from network import demo as demo_network

            report = store.bulk_upsert(demo_network.generate().bundle)
            click.echo(f"loaded the demo network: {report.rows} rows")
    except StoreError as exc:
        fail(f"{type(exc).__name__}: {exc}", EXIT_SETTING)
    click.echo(f"Bridgework on http://{host}:{port}/ ({store.kind} store)")
    app.run(host=host, port=port, debug=debug, use_reloader=debug)


from api.cli_accounts import create_admin, reset_link  # noqa: E402

main.add_command(create_admin)
main.add_command(reset_link)

from api.cli_reach import reach_command  # noqa: E402

main.add_command(reach_command)

from api.cli_sets import register as register_sets  # noqa: E402

register_sets(main)

from api.cli_suggestions import suggest_command  # noqa: E402

main.add_command(suggest_command)

from api.cli_joins import COMMANDS as join_commands  # noqa: E402

for _command in join_commands:
    main.add_command(_command)


from api.cli_outcomes import outcomes_command  # noqa: E402

main.add_command(outcomes_command)

from api.cli_meetings import COMMANDS as meeting_commands  # noqa: E402  (meetings, issue 8)

for _command in meeting_commands:
    main.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    main()
