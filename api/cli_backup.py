"""``bridgework backup`` and ``bridgework restore``: the embedded store's online backup and its restore."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli_common import fail, opened_store


@click.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup(target: Path) -> None:
    """Copy the embedded store to TARGET while the service keeps serving."""
    from api.services.backup import BackupRefused, backup_store

    with opened_store() as store:
        try:
            done = backup_store(store, target)
        except BackupRefused as exc:
            fail(str(exc))
    click.echo(f"backed up the {store.kind} store to {done.path} ({done.pages} pages, checked)")


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the store.")
def restore(source: Path, yes: bool) -> None:
    """Replace the whole embedded store by the backup SOURCE (one transaction)."""
    from api.services.backup import BackupRefused, restore_store

    if not source.is_file():
        fail(f"there is no backup file at {source}")
    if not yes and not click.confirm(f"Replace everything in the store by the backup {source}?", default=False):
        fail("nothing was restored")
    with opened_store() as store:
        try:
            done = restore_store(store, source)
        except BackupRefused as exc:
            fail(str(exc))
    click.echo(f"restored the {store.kind} store from {done.path} ({done.pages} pages, checked)")


#: Registered on the ``bridgework`` group by :mod:`bridgework.cli`.
COMMANDS: tuple[click.Command, ...] = (backup, restore)
