"""Contract: bulk upsert (counts, all-or-nothing), export, existing ids and counts."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from graph.port import Invalid
from network.availability import SLOTS
from network.bundle import BUNDLE_KINDS, Bundle
from network.domain import (
    LEVELS,
    ORGANISATION_KINDS,
    REGIONS,
    THEME_FRAMEWORKS,
    Contact,
    Employment,
    ThemeLink,
)
from tests.strategies import bundles

EMPTY = dict.fromkeys(BUNDLE_KINDS, 0)


def sample_bundle(make: Any) -> Bundle:
    """A small graph with every kind of row, relationships pointing into the same bundle."""
    orgs = [make.org(n, kind=ORGANISATION_KINDS[n], region=list(REGIONS)[n]) for n in range(3)]
    themes = [make.theme(n, framework=THEME_FRAMEWORKS[n % 3]) for n in range(4)]
    assessors = [
        make.assessor(
            n,
            email=f"p{n}@example.org" if n % 2 else None,
            region="london" if n % 3 == 0 else None,
            experience_years=n,
            discoverable=n % 2 == 0,
            capacity=1 + n % 3,
            availability=SLOTS[n : n + 3],
            bio="Ça va — ünïcødé" if n == 4 else "",
        )
        for n in range(6)
    ]
    employments = [Employment(a.id, orgs[n % 3].id, date(2020, 1, 1 + n) if n % 2 else None) for n, a in enumerate(assessors[:5])]
    links = [ThemeLink(a.id, t.id, LEVELS[(n + m) % 2]) for n, a in enumerate(assessors) for m, t in enumerate(themes) if (n + m) % 3]
    contacts = [
        Contact(assessors[0].id, assessors[1].id, "accepted", date(2023, 5, 1), "set"),
        Contact(assessors[2].id, assessors[0].id, "requested", date(2023, 6, 1), None),
        Contact(assessors[3].id, assessors[4].id, "requested", None, "suggestion"),
        Contact(assessors[1].id, assessors[5].id, "accepted", date(2024, 1, 31), None),
    ]
    return Bundle(orgs, themes, assessors, employments, links, contacts)


def sizes(bundle: Bundle) -> dict[str, int]:
    return {kind: len(getattr(bundle, kind)) for kind in BUNDLE_KINDS}


def sorted_bundle(bundle: Bundle) -> Bundle:
    """The bundle in the order export_bundle promises: nodes by id, relationships by their keys."""
    return Bundle(
        organisations=sorted(bundle.organisations, key=lambda o: o.id),
        themes=sorted(bundle.themes, key=lambda t: t.id),
        assessors=sorted(bundle.assessors, key=lambda a: a.id),
        employments=sorted(bundle.employments, key=lambda e: e.assessor_id),
        theme_links=sorted(bundle.theme_links, key=lambda t: (t.assessor_id, t.theme_id)),
        contacts=sorted(bundle.contacts, key=lambda c: (c.from_id, c.to_id)),
    )


def shuffled(bundle: Bundle, seed: int = 7) -> Bundle:
    rng = random.Random(seed)
    parts = {}
    for kind in BUNDLE_KINDS:
        rows = list(getattr(bundle, kind))
        rng.shuffle(rows)
        parts[kind] = rows
    return Bundle(**parts)


def created(report) -> dict[str, int]:
    return {kind: c.created for kind, c in report.counts.items()}


def updated(report) -> dict[str, int]:
    return {kind: c.updated for kind, c in report.counts.items()}


def unchanged(report) -> dict[str, int]:
    return {kind: c.unchanged for kind, c in report.counts.items()}


# -- counts and idempotence -----------------------------------------------------------


def test_an_empty_store_counts_nothing(store):
    assert store.counts() == EMPTY
    assert store.export_bundle() == Bundle()


def test_a_first_import_creates_everything(store, make):
    bundle = sample_bundle(make)
    report = store.bulk_upsert(bundle)
    assert created(report) == sizes(bundle)
    assert updated(report) == EMPTY and unchanged(report) == EMPTY
    assert report.changed and report.rows == len(bundle)
    assert store.counts() == sizes(bundle)


def test_importing_the_same_bundle_again_changes_nothing(store, make):
    bundle = sample_bundle(make)
    store.bulk_upsert(bundle)
    report = store.bulk_upsert(shuffled(bundle))
    assert unchanged(report) == sizes(bundle)
    assert created(report) == EMPTY and updated(report) == EMPTY
    assert not report.changed
    assert store.export_bundle() == sorted_bundle(bundle)


def test_a_modified_row_of_each_kind_is_counted_as_updated(store, make):
    bundle = sample_bundle(make)
    store.bulk_upsert(bundle)
    o, t, a = bundle.organisations, bundle.themes, bundle.assessors
    changed = Bundle(
        organisations=[replace(o[0], name="Renamed"), *o[1:]],
        themes=[*t[:-1], replace(t[-1], framework="practice" if t[-1].framework != "practice" else "pcf")],
        assessors=[replace(a[0], email=None if a[0].email else "x@example.org"), *a[1:4], replace(a[4], availability=()), a[5]],
        employments=[replace(bundle.employments[0], organisation_id=o[2].id), *bundle.employments[1:]],
        theme_links=[replace(bundle.theme_links[0], level="exploring" if bundle.theme_links[0].level == "experienced" else "experienced")]
        + bundle.theme_links[1:],
        contacts=[replace(bundle.contacts[2], since=date(2025, 1, 1)), *bundle.contacts[:2], *bundle.contacts[3:]],
    )
    report = store.bulk_upsert(changed)
    assert updated(report) == {
        "organisations": 1,
        "themes": 1,
        "assessors": 2,
        "employments": 1,
        "theme_links": 1,
        "contacts": 1,
    }
    assert created(report) == EMPTY
    assert {k: unchanged(report)[k] + updated(report)[k] for k in BUNDLE_KINDS} == sizes(bundle)
    assert report.changed
    assert store.export_bundle() == sorted_bundle(changed)


def test_new_rows_next_to_stored_ones_are_created(store, make):
    bundle = sample_bundle(make)
    store.bulk_upsert(bundle)
    newcomer = make.assessor(50, availability=("thu-eve",))
    report = store.bulk_upsert(
        Bundle(
            assessors=[newcomer],
            employments=[Employment(newcomer.id, bundle.organisations[0].id)],  # organisation only stored
            theme_links=[ThemeLink(newcomer.id, bundle.themes[0].id, "exploring")],
            contacts=[Contact(newcomer.id, bundle.assessors[0].id)],
        )
    )
    assert created(report) == {"organisations": 0, "themes": 0, "assessors": 1, "employments": 1, "theme_links": 1, "contacts": 1}
    assert store.get_assessor(newcomer.id) == newcomer
    assert store.get_employment(newcomer.id) == Employment(newcomer.id, bundle.organisations[0].id)
    assert store.counts()["assessors"] == len(bundle.assessors) + 1


def test_a_bundle_employment_replaces_the_stored_employer(store, make):
    first, second, a = make.org(1), make.org(2), make.assessor()
    store.bulk_upsert(Bundle(organisations=[first, second], assessors=[a]))
    store.set_employer(a.id, first.id)
    report = store.bulk_upsert(Bundle(employments=[Employment(a.id, second.id, date(2024, 1, 1))]))
    assert report.counts["employments"].updated == 1
    assert store.get_employment(a.id) == Employment(a.id, second.id, date(2024, 1, 1))
    assert store.counts()["employments"] == 1


def test_a_bundle_contact_replaces_the_stored_contact_properties(store, make):
    x, y = make.assessor(1), make.assessor(2)
    store.bulk_upsert(Bundle(assessors=[x, y]))
    store.request_contact(x.id, y.id, on=date(2024, 1, 1))
    contact = Contact(x.id, y.id, "accepted", date(2024, 2, 2), "import")
    report = store.bulk_upsert(Bundle(contacts=[contact]))
    assert report.counts["contacts"].updated == 1
    assert store.contacts_of(x.id) == [contact]


@pytest.mark.parametrize("batch_size", [1, 3])
def test_small_batches_give_the_same_result(store, make, batch_size):
    bundle = sample_bundle(make)
    report = store.bulk_upsert(bundle, batch_size=batch_size)
    assert created(report) == sizes(bundle)
    assert store.export_bundle() == sorted_bundle(bundle)
    assert not store.bulk_upsert(bundle, batch_size=batch_size).changed


# -- all or nothing -----------------------------------------------------------------


def _bad_bundles(make: Any) -> dict[str, tuple[Bundle, tuple[str, ...]]]:
    """Bundles whose last row is bad, with the ids the error message must name."""
    good = sample_bundle(make)
    a0, ghost = good.assessors[0].id, make.assessor(99).id
    zz, nowhere = make.theme(99).id, make.org(99).id
    return {
        "theme link to an unknown theme": (
            replace(good, theme_links=[*good.theme_links, ThemeLink(a0, zz, "exploring")]),
            (a0, zz),
        ),
        "theme link from an unknown assessor": (
            replace(good, theme_links=[*good.theme_links, ThemeLink(ghost, good.themes[0].id, "exploring")]),
            (ghost,),
        ),
        "employment at an unknown organisation": (
            replace(good, employments=[*good.employments, Employment(good.assessors[5].id, nowhere)]),
            (nowhere,),
        ),
        "employment of an unknown assessor": (
            replace(good, employments=[*good.employments, Employment(ghost, good.organisations[0].id)]),
            (ghost,),
        ),
        "contact to an unknown assessor": (replace(good, contacts=[*good.contacts, Contact(a0, ghost)]), (a0, ghost)),
        "contact from an unknown assessor": (replace(good, contacts=[*good.contacts, Contact(ghost, a0)]), (ghost,)),
        "contact and its reverse": (
            replace(good, contacts=[*good.contacts, Contact(good.contacts[0].to_id, good.contacts[0].from_id)]),
            (good.contacts[0].from_id, good.contacts[0].to_id),
        ),
    }


BAD = [
    "theme link to an unknown theme",
    "theme link from an unknown assessor",
    "employment at an unknown organisation",
    "employment of an unknown assessor",
    "contact to an unknown assessor",
    "contact from an unknown assessor",
    "contact and its reverse",
]


@pytest.mark.parametrize("case", BAD)
def test_a_bad_row_fails_the_whole_import_on_an_empty_store(store, make, case):
    bundle, named = _bad_bundles(make)[case]
    with pytest.raises(Invalid) as failure:
        store.bulk_upsert(bundle, batch_size=2)
    for node_id in named:
        assert node_id in str(failure.value)
    assert store.counts() == EMPTY


@pytest.mark.parametrize("case", BAD)
def test_a_bad_row_leaves_stored_data_untouched(store, make, case):
    bundle, _ = _bad_bundles(make)[case]
    # Store a different version of the same graph first, so the failed import would have updated rows.
    earlier = Bundle(
        organisations=[replace(o, name=o.name + " (old)") for o in bundle.organisations],
        themes=bundle.themes[:2],
        assessors=[replace(a, experience_years=40) for a in bundle.assessors],
        employments=[replace(e, organisation_id=bundle.organisations[0].id) for e in bundle.employments[:2]],
    )
    store.bulk_upsert(earlier)
    before = store.export_bundle()
    with pytest.raises(Invalid):
        store.bulk_upsert(bundle, batch_size=2)
    assert store.export_bundle() == before


def test_a_contact_whose_reverse_is_stored_is_invalid(store, make):
    x, y = make.assessor(1), make.assessor(2)
    store.bulk_upsert(Bundle(assessors=[x, y]))
    stored = store.request_contact(x.id, y.id, on=date(2024, 1, 1))
    with pytest.raises(Invalid) as failure:
        store.bulk_upsert(Bundle(assessors=[make.assessor(3)], contacts=[Contact(y.id, x.id, "accepted")]))
    assert x.id in str(failure.value) and y.id in str(failure.value)
    assert store.contacts_of(x.id) == [stored]
    assert store.counts()["assessors"] == 2


@pytest.mark.parametrize("kind", ["organisations", "assessors", "theme_links", "contacts"])
def test_the_same_key_twice_in_one_bundle_is_invalid(store, make, kind):
    """Resolves an ambiguity of Bundle: a repeated key is an error, not "last row wins" (the counts would be meaningless)."""
    bundle = sample_bundle(make)
    rows = getattr(bundle, kind)
    repeated = replace(bundle, **{kind: [*rows, rows[0]]})
    with pytest.raises(Invalid):
        store.bulk_upsert(repeated)
    assert store.counts() == EMPTY


# -- export, existing ids, counts ----------------------------------------------------------


def test_export_returns_everything_in_id_and_key_order(store, make):
    bundle = sample_bundle(make)
    store.bulk_upsert(shuffled(bundle))
    exported = store.export_bundle()
    assert exported == sorted_bundle(bundle)
    assert store.counts() == sizes(bundle)


def test_export_includes_what_single_writes_made(store, make):
    org, theme, x, y = make.org(), make.theme(), make.assessor(1), make.assessor(2)
    store.create_organisation(org)
    store.create_theme(theme)
    store.create_assessor(y)
    store.create_assessor(x)
    store.set_employer(x.id, org.id, since=date(2022, 3, 4))
    store.set_theme(y.id, theme.id, "exploring")
    store.request_contact(y.id, x.id, via="suggestion", on=date(2024, 1, 2))
    assert store.export_bundle() == Bundle(
        organisations=[org],
        themes=[theme],
        assessors=[x, y],
        employments=[Employment(x.id, org.id, date(2022, 3, 4))],
        theme_links=[ThemeLink(y.id, theme.id, "exploring")],
        contacts=[Contact(y.id, x.id, "requested", date(2024, 1, 2), "suggestion")],
    )


def test_an_export_imports_into_an_empty_store_unchanged(store, make):
    bundle = sample_bundle(make)
    store.bulk_upsert(bundle)
    exported = store.export_bundle()
    store._wipe()
    assert store.counts() == EMPTY
    assert created(store.bulk_upsert(exported)) == sizes(bundle)
    assert store.export_bundle() == exported


def test_existing_ids(store, make):
    bundle = sample_bundle(make)
    store.bulk_upsert(bundle)
    orgs = [o.id for o in bundle.organisations]
    themes = [t.id for t in bundle.themes]
    people = [a.id for a in bundle.assessors]
    ghost = make.assessor(99).id
    assert store.existing_ids("Assessor", [people[0], ghost, people[3], people[0]]) == {people[0], people[3]}
    assert store.existing_ids("Organisation", (i for i in orgs + [ghost])) == set(orgs)
    assert store.existing_ids("Theme", themes[:2]) == set(themes[:2])
    assert store.existing_ids("Theme", people) == set()  # ids are per label
    assert store.existing_ids("Assessor", []) == set()


# -- property: any valid bundle round-trips -----------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(bundle=bundles())
def test_any_valid_bundle_round_trips(store, bundle):
    store._wipe()
    report = store.bulk_upsert(bundle)
    assert created(report) == sizes(bundle)
    assert store.export_bundle() == sorted_bundle(bundle)
    assert store.counts() == sizes(bundle)
    assert not store.bulk_upsert(shuffled(bundle)).changed
