"""A bundle: a whole graph (or part of one) as plain domain values, for bulk import, export and demo data."""

from __future__ import annotations

from dataclasses import dataclass, field

from network.domain import Assessor, Contact, Employment, Organisation, Theme, ThemeLink


@dataclass(slots=True)
class Bundle:
    """Everything a bulk upsert writes, in one transaction.

    Rows are upserted by id (nodes) or by their two ends (relationships): stored
    properties are replaced by the row's, so importing the same bundle twice
    changes nothing the second time. Relationship rows may refer to nodes in the
    same bundle or already stored; any other reference makes the whole bundle
    fail with :class:`Invalid` and nothing is written. A contact is keyed by its
    direction (from, to): a contact row whose reverse is stored or also in the
    bundle is :class:`Invalid` too, since a pair has one contact at most.
    """

    organisations: list[Organisation] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    assessors: list[Assessor] = field(default_factory=list)
    employments: list[Employment] = field(default_factory=list)
    theme_links: list[ThemeLink] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(getattr(self, k)) for k in BUNDLE_KINDS)


#: The kinds of rows a bundle holds, in the order they are written.
BUNDLE_KINDS: tuple[str, ...] = (
    "organisations",
    "themes",
    "assessors",
    "employments",
    "theme_links",
    "contacts",
)
