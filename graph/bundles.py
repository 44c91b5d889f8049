"""Bundle checks every adapter makes the same way before a bulk upsert writes anything."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from graph.port import Invalid, Label
from network.bundle import BUNDLE_KINDS, Bundle

T = TypeVar("T")

#: ``stored_ids(label, ids)``: which of ``ids`` the store already holds, read inside the upsert's transaction.
StoredIds = Callable[[Label, set[str]], set[str]]


def keys(bundle: Bundle, kind: str) -> list[tuple[str, ...]]:
    """The key of every row of one kind: a node's id, a tie's ends (the assessor alone for employment)."""
    if kind == "employments":
        return [(e.assessor_id,) for e in bundle.employments]
    if kind == "theme_links":
        return [(t.assessor_id, t.theme_id) for t in bundle.theme_links]
    if kind == "contacts":
        return [(c.from_id, c.to_id) for c in bundle.contacts]
    return [(n.id,) for n in getattr(bundle, kind)]


def check_keys(bundle: Bundle) -> None:
    """Raise :class:`Invalid` when a bundle gives a key twice, or a contact together with its reverse."""
    for kind in BUNDLE_KINDS:
        seen: set[tuple[str, ...]] = set()
        for key in keys(bundle, kind):
            if key in seen:
                shown = " → ".join(repr(k) for k in key)
                raise Invalid(f"{kind}: {shown} appears more than once in the bundle; nothing was written")
            seen.add(key)
    pairs = set(keys(bundle, "contacts"))
    for c in bundle.contacts:
        if (c.to_id, c.from_id) in pairs:
            raise Invalid(f"contacts: {c.from_id!r} → {c.to_id!r} and its reverse are both in the bundle; a pair has one contact at most")


def check_references(bundle: Bundle, stored_ids: StoredIds) -> None:
    """Raise :class:`Invalid` naming the first tie that refers to a node neither in the bundle nor stored."""
    referenced: dict[Label, tuple[set[str], set[str]]] = {
        "Organisation": ({o.id for o in bundle.organisations}, {e.organisation_id for e in bundle.employments}),
        "Theme": ({t.id for t in bundle.themes}, {t.theme_id for t in bundle.theme_links}),
        "Assessor": (
            {a.id for a in bundle.assessors},
            {e.assessor_id for e in bundle.employments}
            | {t.assessor_id for t in bundle.theme_links}
            | {end for c in bundle.contacts for end in (c.from_id, c.to_id)},
        ),
    }
    known: dict[str, set[str]] = {}
    for label, (in_bundle, wanted) in referenced.items():
        missing = wanted - in_bundle
        known[label] = in_bundle | (stored_ids(label, missing) if missing else set())

    orgs, themes, assessors = known["Organisation"], known["Theme"], known["Assessor"]
    problems: list[str] = []
    for e in bundle.employments:
        tie = f"employments: assessor {e.assessor_id!r} → organisation {e.organisation_id!r}"
        if e.assessor_id not in assessors:
            problems.append(f"{tie} names an unknown assessor")
        if e.organisation_id not in orgs:
            problems.append(f"{tie} names an unknown organisation")
    for t in bundle.theme_links:
        tie = f"theme_links: assessor {t.assessor_id!r} → theme {t.theme_id!r}"
        if t.assessor_id not in assessors:
            problems.append(f"{tie} names an unknown assessor")
        if t.theme_id not in themes:
            problems.append(f"{tie} names an unknown theme")
    for c in bundle.contacts:
        for end in (c.from_id, c.to_id):
            if end not in assessors:
                problems.append(f"contacts: {c.from_id!r} → {c.to_id!r} names an unknown assessor {end!r}")
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise Invalid(problems[0] + more + "; nothing was written")


def reverse_stored_message(from_id: str, to_id: str) -> str:
    """The :class:`Invalid` message for a contact whose reverse is already stored."""
    return (
        f"contacts: {from_id!r} → {to_id!r}: the reverse contact {to_id!r} → {from_id!r} is already stored; a pair has one contact at most"
    )


def batches(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``rows`` in consecutive slices of at most ``size``."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
