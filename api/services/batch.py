"""Batch jobs isolate a failing item: log it with its id, carry on with the rest, and name it in the run's summary.

``send-reminders`` and set health go over every set, programme and notice of the network. One
item with bad data (a date stored before dates were checked, say) must not stop the others:

>>> failures = [Failure("set", "set-9", "Far future set", "OverflowError (see the log)")]
>>> summary(failures)
'1 set could not be processed: Far future set (set-9) (see the log)'

A run catches the error of one item with :func:`failure`, which logs it (with the traceback when
it was not an expected kind of error) and returns a :class:`Failure` for the report; the run exits
non-zero only after doing everything else (``api.cli_common.EXIT_PARTIAL``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from graph.port import StoreError
from network.calendar import CalendarError
from network.domain import InvalidValue

log = logging.getLogger(__name__)

#: Errors whose message is safe and useful to show in a summary; anything else is shown by its kind only.
EXPECTED: tuple[type[Exception], ...] = (InvalidValue, StoreError, CalendarError)

#: How each kind of item is named in a summary (singular, plural).
KIND_WORDS: dict[str, tuple[str, str]] = {
    "set": ("set", "sets"),
    "programme": ("programme", "programmes"),
    "notice": ("notice", "notices"),
    "step": ("step", "steps"),
}


@dataclass(frozen=True, slots=True)
class Failure:
    """One item a batch job could not process: its kind (``set``, ``programme``...), id, name if known, and why."""

    kind: str
    id: str
    name: str | None
    reason: str

    def words(self) -> str:
        """The item for a person: ``Far future set (set-9)``, or the id alone when it has no name."""
        return f"{self.name} ({self.id})" if self.name and self.name != self.id else self.id

    def as_dict(self) -> dict[str, str | None]:
        """As plain data (API and ``--json`` reports)."""
        return {"kind": self.kind, "id": self.id, "name": self.name, "reason": self.reason}


def failure(kind: str, item_id: str, exc: BaseException, *, name: str | None = None, doing: str = "processing") -> Failure:
    """Log one item's error (with its id; with the traceback if unexpected) and describe it for the run's summary."""
    if isinstance(exc, EXPECTED):
        log.warning("%s %s: %s failed: %s", kind, item_id, doing, exc)
        reason = str(exc)
    else:
        log.error("%s %s: %s failed", kind, item_id, doing, exc_info=(type(exc), exc, exc.__traceback__))
        reason = f"{type(exc).__name__} (see the log)"
    return Failure(kind, item_id, name, reason)


def summary(failures: Sequence[Failure]) -> str:
    """One sentence per kind of item: ``"2 sets could not be processed: A (set-1), B (set-2) (see the log)"``; empty if none."""
    parts = []
    for kind in dict.fromkeys(f.kind for f in failures):
        items = list({f.id: f for f in failures if f.kind == kind}.values())
        one, many = KIND_WORDS.get(kind, (kind, kind + "s"))
        noun = one if len(items) == 1 else many
        parts.append(f"{len(items)} {noun} could not be processed: {', '.join(f.words() for f in items)} (see the log)")
    return "; ".join(parts)
