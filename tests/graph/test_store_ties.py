"""Contract: WORKS_FOR and WORKS_ON ties, and what deleting a node does to its ties."""

from __future__ import annotations

from datetime import date

import pytest

from graph.port import Conflict, Declined, NotFound
from network.domain import Employment, ThemeLink


@pytest.fixture
def people(store, make):
    """Two organisations, three themes and three assessors, no ties."""
    orgs = [make.org(n) for n in range(2)]
    themes = [make.theme(n) for n in range(3)]
    assessors = [make.assessor(n) for n in range(3)]
    for o in orgs:
        store.create_organisation(o)
    for t in themes:
        store.create_theme(t)
    for a in assessors:
        store.create_assessor(a)
    return orgs, themes, assessors


# -- WORKS_FOR ----------------------------------------------------------------


def test_an_assessor_starts_without_employer(store, people):
    _, _, (a, *_) = people
    assert store.get_employment(a.id) is None


def test_set_employer_then_get_it(store, people):
    (org, _), _, (a, *_) = people
    since = date(2021, 9, 1)
    assert store.set_employer(a.id, org.id, since=since) == Employment(a.id, org.id, since)
    assert store.get_employment(a.id) == Employment(a.id, org.id, since)


def test_employment_without_a_date(store, people):
    (org, _), _, (a, *_) = people
    assert store.set_employer(a.id, org.id) == Employment(a.id, org.id, None)
    assert store.get_employment(a.id) == Employment(a.id, org.id, None)


def test_set_employer_replaces_the_earlier_one(store, people):
    (first, second), _, (a, *_) = people
    store.set_employer(a.id, first.id, since=date(2020, 1, 1))
    store.set_employer(a.id, second.id, since=date(2023, 4, 1))
    assert store.get_employment(a.id) == Employment(a.id, second.id, date(2023, 4, 1))
    assert store.counts()["employments"] == 1
    assert store.list_assessors(organisation_id=first.id).items == []
    assert store.list_assessors(organisation_id=second.id).items == [a]
    store.delete_organisation(first.id)  # no longer in use


def test_set_employer_again_with_the_same_organisation_changes_the_date(store, people):
    (org, _), _, (a, *_) = people
    store.set_employer(a.id, org.id, since=date(2020, 1, 1))
    store.set_employer(a.id, org.id, since=date(2022, 2, 2))
    assert store.get_employment(a.id) == Employment(a.id, org.id, date(2022, 2, 2))
    assert store.counts()["employments"] == 1


def test_clear_employer(store, people):
    (org, _), _, (a, b, _) = people
    store.set_employer(a.id, org.id)
    store.set_employer(b.id, org.id)
    store.clear_employer(a.id)
    assert store.get_employment(a.id) is None
    assert store.get_employment(b.id) == Employment(b.id, org.id)
    store.clear_employer(a.id)  # nothing to clear: harmless
    assert store.get_employment(a.id) is None


def test_employment_of_missing_nodes_is_not_found(store, people, make):
    (org, _), _, (a, *_) = people
    ghost = make.assessor(99)
    with pytest.raises(NotFound):
        store.set_employer(ghost.id, org.id)
    with pytest.raises(NotFound):
        store.set_employer(a.id, make.org(99).id)
    with pytest.raises(NotFound):
        store.get_employment(ghost.id)
    with pytest.raises(NotFound):
        store.clear_employer(ghost.id)
    assert store.get_employment(a.id) is None
    assert store.counts()["employments"] == 0


def test_a_failed_set_employer_keeps_the_old_employer(store, people, make):
    (org, _), _, (a, *_) = people
    store.set_employer(a.id, org.id)
    with pytest.raises(NotFound):
        store.set_employer(a.id, make.org(99).id)
    assert store.get_employment(a.id) == Employment(a.id, org.id)


# -- WORKS_ON -----------------------------------------------------------------


def test_set_theme_adds_a_link(store, people):
    _, (t0, t1, _), (a, *_) = people
    assert store.set_theme(a.id, t1.id, "exploring") == ThemeLink(a.id, t1.id, "exploring")
    assert store.set_theme(a.id, t0.id, "experienced") == ThemeLink(a.id, t0.id, "experienced")
    assert store.theme_links(a.id) == [ThemeLink(a.id, t0.id, "experienced"), ThemeLink(a.id, t1.id, "exploring")]


def test_set_theme_again_re_levels_the_one_link(store, people):
    _, (t, *_), (a, *_) = people
    store.set_theme(a.id, t.id, "exploring")
    assert store.set_theme(a.id, t.id, "experienced") == ThemeLink(a.id, t.id, "experienced")
    assert store.theme_links(a.id) == [ThemeLink(a.id, t.id, "experienced")]
    assert store.counts()["theme_links"] == 1


def test_an_assessor_without_themes_has_no_links(store, people):
    _, _, (a, *_) = people
    assert store.theme_links(a.id) == []


def test_remove_theme(store, people):
    _, (t0, t1, _), (a, b, _) = people
    store.set_theme(a.id, t0.id, "exploring")
    store.set_theme(a.id, t1.id, "exploring")
    store.set_theme(b.id, t0.id, "experienced")
    store.remove_theme(a.id, t0.id)
    assert store.theme_links(a.id) == [ThemeLink(a.id, t1.id, "exploring")]
    assert store.theme_links(b.id) == [ThemeLink(b.id, t0.id, "experienced")]
    with pytest.raises(NotFound):
        store.remove_theme(a.id, t0.id)  # the link is gone


def test_theme_links_of_missing_nodes_are_not_found(store, people, make):
    _, (t, *_), (a, *_) = people
    ghost, ghost_theme = make.assessor(99), make.theme(99)
    with pytest.raises(NotFound):
        store.set_theme(ghost.id, t.id, "exploring")
    with pytest.raises(NotFound):
        store.set_theme(a.id, ghost_theme.id, "exploring")
    with pytest.raises(NotFound):
        store.remove_theme(ghost.id, t.id)
    with pytest.raises(NotFound):
        store.remove_theme(a.id, ghost_theme.id)
    with pytest.raises(NotFound):
        store.theme_links(ghost.id)
    assert store.counts()["theme_links"] == 0


# -- deleting nodes with ties ---------------------------------------------------


def test_deleting_a_theme_removes_its_links(store, people):
    _, (t0, t1, _), (a, b, _) = people
    store.set_theme(a.id, t0.id, "exploring")
    store.set_theme(a.id, t1.id, "experienced")
    store.set_theme(b.id, t0.id, "experienced")
    store.delete_theme(t0.id)
    assert store.theme_links(a.id) == [ThemeLink(a.id, t1.id, "experienced")]
    assert store.theme_links(b.id) == []
    assert store.counts()["theme_links"] == 1
    store.create_theme(t0)  # the id is free again, with no links
    assert store.theme_links(b.id) == []


def test_deleting_an_assessor_removes_all_their_ties(store, people, make):
    (org, _), (t, *_), (a, b, c) = people
    d = make.assessor(3)
    store.create_assessor(d)
    store.set_employer(a.id, org.id)
    store.set_employer(b.id, org.id)
    store.set_theme(a.id, t.id, "exploring")
    store.set_theme(b.id, t.id, "exploring")
    store.request_contact(a.id, b.id)
    store.request_contact(c.id, a.id)
    store.accept_contact(c.id, a.id)
    store.decline_suggestion(d.id, a.id)
    store.decline_suggestion(a.id, c.id)
    store.request_contact(b.id, c.id)  # not a's: must survive

    store.delete_assessor(a.id)

    assert store.counts() == {
        "organisations": 2,
        "themes": 3,
        "assessors": 3,
        "employments": 1,
        "theme_links": 1,
        "contacts": 1,
    }
    assert [(x.from_id, x.to_id) for x in store.contacts_of(b.id)] == [(b.id, c.id)]
    assert [(x.from_id, x.to_id) for x in store.contacts_of(c.id)] == [(b.id, c.id)]
    assert store.declines_of(d.id) == []
    assert store.declines_of(c.id) == []
    assert store.theme_links(b.id) == [ThemeLink(b.id, t.id, "exploring")]
    with pytest.raises(NotFound):
        store.get_employment(a.id)

    # The id is free again and starts with no ties.
    store.create_assessor(a)
    assert store.get_employment(a.id) is None
    assert store.theme_links(a.id) == []
    assert store.contacts_of(a.id) == []
    assert store.declines_of(a.id) == []
    store.request_contact(d.id, a.id)  # the old decline no longer blocks


def test_deleting_the_last_employee_frees_the_organisation(store, people):
    (org, _), _, (a, *_) = people
    store.set_employer(a.id, org.id)
    with pytest.raises(Conflict):
        store.delete_organisation(org.id)
    store.delete_assessor(a.id)
    store.delete_organisation(org.id)
    assert store.counts()["organisations"] == 1


def test_declined_is_a_plain_value(store, people):
    _, _, (a, b, _) = people
    declined = store.decline_suggestion(a.id, b.id, on=date(2024, 5, 6))
    assert declined == Declined(a.id, b.id, date(2024, 5, 6))
