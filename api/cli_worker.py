"""``bridgework worker``: the process that runs the scheduled work (reminders, e-mail delivery, digests, set health).

Without options it runs until stopped (SIGTERM or Ctrl-C), on the schedule of :mod:`api.worker`.
``--once JOB`` runs one job now and exits (``--once all`` runs every job in turn): for a first
check of the settings, or for running the jobs from another scheduler. A job that fails exits 3
after the others ran, like the other batch commands.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType

import click

from api.cli_common import EXIT_PARTIAL, EXIT_SETTING, fail, opened_store
from api.config import LOG_LEVELS, WORKER_TIMEZONE, worker_settings
from api.services import notify
from api.worker import JOBS, Worker, build_scheduler
from graph.settings import SettingError


def _logging() -> None:
    level = (os.environ.get("BRIDGEWORK_LOG_LEVEL") or "INFO").strip().upper()
    logging.basicConfig(level=level if level in LOG_LEVELS else "INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.command("worker")
@click.option(
    "--once",
    "once",
    type=click.Choice([*JOBS, "all"]),
    metavar="JOB",
    help=f"Run one job now and exit: {', '.join(JOBS)} or all.",
)
def worker_command(once: str | None) -> None:
    """Run the scheduled work: e-mail delivery every minute, daily reminders, set-health checks and digests (UK time)."""
    try:
        settings = worker_settings()
        notifier = notify.default_notifier()
    except SettingError as exc:
        fail(str(exc), EXIT_SETTING)
    _logging()
    with opened_store() as store:
        worker = Worker(store, notifier, settings)
        if once is not None:
            results = [worker.job(name)() for name in (JOBS if once == "all" else (once,))]
            for r in results:
                click.echo(r.summary)
            failed = [r for r in results if not r.ok or r.failures]
            if failed:
                click.echo(f"error: {', '.join(r.job for r in failed)}: see the log for what could not be done", err=True)
                sys.exit(EXIT_PARTIAL)
            return
        scheduler = build_scheduler(worker)

        def stop(signum: int, frame: FrameType | None) -> None:
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        click.echo(
            f"worker on the {store.kind} store (notifier: {notifier.name}): delivery every {settings['DELIVERY_SECONDS']} s, "
            f"reminders at {settings['REMINDERS_HOUR']:02d}:00, set health at {settings['REMINDERS_HOUR']:02d}:30, "
            f"digests at {settings['DIGEST_HOUR']:02d}:00 ({WORKER_TIMEZONE})"
        )
        try:
            scheduler.start()
        except KeyboardInterrupt:
            scheduler.shutdown(wait=False)
        click.echo("worker stopped")
