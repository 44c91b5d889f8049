"""The store's commands of the ``bridgework`` command line: init-db, demo, import and export.

Every command reports a bad setting or bad input as a plain message on stderr
and exits non-zero; none of them prints a traceback for a user's mistake. The
command group is assembled in :mod:`bridgework.cli` from these and the ``api/cli_<area>.py``
modules; the helpers they share are in :mod:`api.cli_common`.
"""

from __future__ import annotations

from pathlib import Path

import click

from api.cli_common import fail, opened_store, report_lines
from graph.port import GraphStore, Invalid


@click.command("init-db")
def init_db() -> None:
    """Create constraints and indexes (running it again is harmless)."""
    with opened_store() as store:
        click.echo(f"schema ready on the {store.kind} store")


@click.command()
@click.option("--assessors", "-n", type=click.IntRange(1, 200_000), default=300, show_default=True)
@click.option("--organisations", "-m", type=click.IntRange(1, 10_000), default=40, show_default=True)
@click.option("--seed", "-s", type=int, default=1, show_default=True)
def demo(assessors: int, organisations: int, seed: int) -> None:
    """Load a generated demo network (the same seed always gives the same network)."""
    from api.services import people
    from network import demo as demo_network

    net = demo_network.generate(assessors=assessors, organisations=organisations, seed=seed)
    with opened_store() as store:
        report = people.import_bundle(store, net.bundle, actor_id=None, target_kind="demo", target_id=f"seed-{seed}")
    click.echo(f"demo network (seed {seed}) loaded into the {store.kind} store:")
    for line in report_lines(report):
        click.echo(line)
    for key, value in demo_network.summary(net).items():
        shown = ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else value
        click.echo(f"  {key.replace('_', ' ')}: {shown}")


@click.command("import")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Write the valid rows and report the rest (default: write nothing if any row is bad).")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
def import_(directory: Path, skip_invalid: bool, dry_run: bool) -> None:
    """Import organisations.csv, themes.csv, assessors.csv and contacts.csv from DIRECTORY."""
    from api.services import people
    from network import csvio

    with opened_store() as store:
        if not skip_invalid:
            _import_streamed(store, directory, dry_run)
            return
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
            report = people.import_bundle(
                store, plan.bundle, actor_id=None, target_kind="directory", target_id=directory.name[:64] or "import"
            )
        except Invalid as exc:
            fail(f"{exc}; nothing was imported")
    click.echo(f"imported into the {store.kind} store:" if report.changed else "nothing changed: the store already held these rows")
    for line in report_lines(report):
        click.echo(line)
    if plan.errors:
        click.echo(f"skipped {sum(plan.rows_rejected.values())} invalid row(s), listed above", err=True)


def _import_streamed(store: GraphStore, directory: Path, dry_run: bool) -> None:
    """``bridgework import`` without ``--skip-invalid``: check every row, then write them a chunk at a time in one transaction.

    The files are read twice and never held whole (:func:`network.csvio.stream_dir`), so a
    network of any size imports in bounded memory; any problem writes nothing.
    """
    from api.services import people
    from network import csvio

    try:
        checked = csvio.stream_dir(directory, store.existing_ids)
    except csvio.CsvFormatError as exc:
        fail(str(exc))
    for error in checked.errors:
        click.echo(str(error), err=True)
    if checked.errors:
        fail(f"{len(checked.errors)} problem(s) found; nothing was imported (fix them, or use --skip-invalid)")
    if dry_run:
        click.echo(f"dry run: {checked.rows} valid row(s), 0 problem(s); nothing written")
        return
    try:
        target_id = directory.name[:64] or "import"
        report = people.import_chunks(store, checked.chunks, actor_id=None, target_kind="directory", target_id=target_id)
    except (Invalid, csvio.CsvFormatError) as exc:
        fail(f"{exc}; nothing was imported")
    click.echo(f"imported into the {store.kind} store:" if report.changed else "nothing changed: the store already held these rows")
    for line in report_lines(report):
        click.echo(line)


@click.command()
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


#: The commands of this module, registered on the ``bridgework`` group by :mod:`bridgework.cli`.
COMMANDS: tuple[click.Command, ...] = (init_db, demo, import_, export)
