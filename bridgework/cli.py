"""The ``bridgework`` command: the group, assembled from the command modules, and ``serve``.

Each door module defines its commands and imports only the shared helpers (:mod:`api.cli_common`);
this module collects them, so the imports run one way: here -> ``api.cli*`` -> ``api.cli_common``.
``serve`` lives here because it builds the whole app (:func:`bridgework.create_app`).
"""

from __future__ import annotations

import click

from api import cli, cli_accounts, cli_backup, cli_joins, cli_meetings, cli_outcomes, cli_reach, cli_sets, cli_suggestions, cli_worker
from api.cli_common import EXIT_SETTING, fail
from graph.port import StoreError
from graph.settings import SettingError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bridgework")
def main() -> None:
    """Bridgework: link isolated social work assessors across organisations.

    The store is the embedded one under BRIDGEWORK_DATA_DIR (default ./data)
    unless NEO4J_URI is set.
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option(
    "--demo",
    "with_demo",
    is_flag=True,
    help="Development only: load the demo network if the store is empty, add one sign-in per role and a programme in each state.",
)
@click.option("--debug", is_flag=True, help="Reload on code changes and show the debugger (never in production).")
def serve(host: str, port: int, with_demo: bool, debug: bool) -> None:
    """Run the development server (use gunicorn in production; see the README)."""
    from bridgework import create_app

    try:
        app = create_app({"DEMO": True} if with_demo else None)
    except SettingError as exc:
        fail(str(exc), EXIT_SETTING)
    if with_demo and app.config["BRIDGEWORK_ENV"] == "production":
        fail("--demo is for development only: it adds sign-ins with a published password, so it is refused when BRIDGEWORK_ENV is production", EXIT_SETTING)
    store = app.extensions["bridgework.store"]
    try:
        store.ensure_schema()
        if with_demo:
            from api.services import demo, people
            from network import demo as demo_network
            from network.domain import InvalidValue

            if store.counts()["assessors"] == 0:
                report = people.import_bundle(store, demo_network.generate().bundle, actor_id=None, target_kind="demo", target_id="default")
                click.echo(f"loaded the demo network: {report.rows} rows")
            try:
                seeded = demo.seed(store)
            except InvalidValue as exc:
                fail(f"cannot add the demo sign-ins: {exc.message}", EXIT_SETTING)
            click.echo("demo sign-ins (or choose one on the sign-in page):")
            for line in seeded.lines():
                click.echo(line)
    except StoreError as exc:
        fail(f"{type(exc).__name__}: {exc}", EXIT_SETTING)
    click.echo(f"Bridgework on http://{host}:{port}/ ({store.kind} store)")
    app.run(host=host, port=port, debug=debug, use_reloader=debug)


for _command in (
    *cli.COMMANDS,
    cli_accounts.create_admin,
    cli_accounts.reset_link,
    cli_reach.reach_command,
    cli_suggestions.suggest_command,
    *cli_joins.COMMANDS,
    cli_outcomes.outcomes_command,
    *cli_meetings.COMMANDS,
    cli_worker.worker_command,
    *cli_backup.COMMANDS,
):
    main.add_command(_command)
cli_sets.register(main)

if __name__ == "__main__":  # pragma: no cover
    main()
