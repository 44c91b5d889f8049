"""Field-level changes of a stored record, shared by both adapters' ``update_*_fields`` methods.

A field-level update changes only the fields it names: the adapter locks the record, reads it,
applies the changes with :func:`apply_changes` (the domain dataclass checks the merged record as a
whole) and writes back only the fields whose value differs. A concurrent change of other fields
is then never undone; for the same field the last write wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from graph.values import Invalid
from network.domain import InvalidValue

R = TypeVar("R")


def apply_changes(current: R, changes: Mapping[str, Any], noun: str) -> tuple[R, tuple[str, ...]]:
    """``current`` with ``changes`` applied and checked by the domain, and the names of the fields whose value changed.

    :class:`Invalid` (nothing to write) for ``id``, a field ``current`` does not have, or a value
    the domain refuses in the merged record; the message starts with the field's name.
    """
    names = {f.name for f in dataclasses.fields(current)}  # type: ignore[arg-type]
    for name in sorted(changes):
        if name == "id":
            raise Invalid(f"id: the id of a {noun} never changes")
        if name not in names:
            raise Invalid(f"{name}: a {noun} has no such field")
    try:
        updated = dataclasses.replace(current, **changes)  # type: ignore[type-var]
    except InvalidValue as exc:
        raise Invalid(str(exc)) from None
    changed = tuple(sorted(n for n in changes if getattr(updated, n) != getattr(current, n)))
    return updated, changed
