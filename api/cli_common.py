"""What every command of the ``bridgework`` command line shares: exit codes, plain failures, the store, dates.

The command modules (``api/cli.py`` and ``api/cli_<area>.py``) import these helpers; the
command group itself is assembled above them, in :mod:`bridgework.cli`, so the imports run one way.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import NoReturn

import click

from graph.open import open_store
from graph.port import GraphStore, StoreError, Unavailable, UpsertReport
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
