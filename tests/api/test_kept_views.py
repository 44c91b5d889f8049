"""Suggestions and reach kept ready (issue 20), on both stores: reused until a change makes them stale, never shown stale.

The kept views live in the store (:mod:`api.services.views`, :mod:`graph.port_views`); the use cases'
events raise the versions of what they touch in the change's own unit of work. A list kept before a
change of consent (a pause, "not for me", an erasure) is never shown after it, through the API or the
pages, whichever app (server) answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from api.services import accounts, privacy, profile, suggestions, views
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from graph.port import GraphStore
from network.domain import Assessor, Organisation, Theme
from tests.graph.conftest import ADAPTERS, neo4j_store  # noqa: F401 - the session's Neo4j store, for the fixture below


@pytest.fixture(params=ADAPTERS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "embedded":
        embedded = EmbeddedStore(tmp_path / "bridgework.sqlite3")
        embedded.ensure_schema()
        yield embedded
        embedded.close()
    else:
        neo4j: Any = request.getfixturevalue("neo4j_store")
        neo4j._wipe()
        yield neo4j


PEOPLE = {"ann": "Ann Shah", "bob": "Bob Lee", "cat": "Cat Moss", "dan": "Dan Ode", "eve": "Eve Pym"}


@pytest.fixture
def network(store: GraphStore) -> GraphStore:
    """Five findable people in five organisations, all on one theme and free Tuesday afternoons: everyone is suggested to Ann."""
    store.create_theme(Theme(id="mca", name="Mental Capacity Act assessments"))
    for k, (person, name) in enumerate(PEOPLE.items()):
        store.create_organisation(Organisation(id=f"org-{k}", name=f"Org {k}", kind="voluntary", region="london"))
        store.create_assessor(Assessor(id=person, name=name, availability=("tue-pm",), discoverable=True, experience_years=k + 1))
        store.set_employer(person, f"org-{k}")
        store.set_theme(person, "mca", "experienced")
    return store


def shown(store: GraphStore) -> list[str]:
    return [s.assessor_id for s in suggestions.suggestions_for(store, "ann").items]


class Computations:
    """Counts how often the store is asked for a suggestion pool (a computation, not a kept view)."""

    def __init__(self, store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = store.suggestion_pool

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(store, "suggestion_pool", counted)


def test_a_kept_list_is_reused_until_a_change_it_depends_on(network: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    computed = Computations(network, monkeypatch)
    first = shown(network)
    assert set(first) == {"bob", "cat", "dan", "eve"}
    assert shown(network) == first and computed.count == 1  # the second visit reads the kept list
    profile.update_assessor(network, "ann", {"bio": "Practice educator"}, actor_id=None)  # Ann's own profile changed
    assert shown(network) == first and computed.count == 2
    profile.update_assessor(network, "bob", {"bio": "Likes walks"}, actor_id=None)  # not Ann's, not consent: kept
    assert computed.count == 2 and shown(network) == first and computed.count == 2


def test_a_pause_not_for_me_and_an_erasure_are_never_shown_stale(network: GraphStore) -> None:
    assert set(shown(network)) == {"bob", "cat", "dan", "eve"}
    profile.update_assessor(network, "bob", {"paused": True}, actor_id=None)
    assert set(shown(network)) == {"cat", "dan", "eve"}
    suggestions.not_for_me(network, "ann", "cat", actor_id=None)
    assert set(shown(network)) == {"dan", "eve"}
    privacy.erase(network, "dan", actor_id=None)
    assert set(shown(network)) == {"eve"}
    profile.update_assessor(network, "eve", {"discoverable": False}, actor_id=None)
    assert shown(network) == []
    profile.update_assessor(network, "bob", {"paused": False}, actor_id=None)  # back from the pause
    assert shown(network) == ["bob"]


def test_the_pages_and_the_api_of_another_app_server_never_show_a_list_from_before_a_pause(network: GraphStore) -> None:
    """Two apps on one store stand for two app servers: a change through one is seen through the other at once."""
    one = create_app({"TESTING": True, "STORE": network, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "one"})
    two = create_app({"TESTING": True, "STORE": network, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "two"})
    password = "a long enough password"
    accounts.create_user(network, "ann@example.org", roles=("assessor",), assessor_id="ann", password=password)
    bob = accounts.create_user(network, "bob@example.org", roles=("assessor",), assessor_id="bob", password=password)
    token = accounts.issue_token(network, bob.id, "t", days=1).secret
    ann_page = two.test_client()
    assert ann_page.post("/login", data={"email": "ann@example.org", "password": password}).status_code == 302
    api_token = accounts.issue_token(network, accounts.authenticate(network, "ann@example.org", password).id, "t", days=1).secret  # type: ignore[union-attr]

    def api_names() -> set[str]:
        body = two.test_client().get("/api/v1/assessors/ann/suggestions", headers={"Authorization": f"Bearer {api_token}"}).get_json()
        return {item["assessor_id"] for item in body["items"]}

    assert "Bob Lee" in ann_page.get("/me/suggestions").get_data(as_text=True)
    assert "bob" in api_names()
    paused = one.test_client().patch(
        "/api/v1/assessors/bob", json={"paused": True}, headers={"Authorization": f"Bearer {token}"}
    )
    assert paused.status_code == 200, paused.get_json()
    assert "Bob Lee" not in ann_page.get("/me/suggestions").get_data(as_text=True)
    assert "bob" not in api_names()


def test_an_erased_person_leaves_the_kept_reach_figures(network: GraphStore) -> None:
    from api.services import reach

    before = reach.organisation_report(network, "org-1", people_visible=True)
    assert [p.assessor_id for p in before.reach.isolated] == ["bob"]
    assert reach.organisation_report(network, "org-1", people_visible=True) == before  # kept
    privacy.erase(network, "bob", actor_id=None)
    after = reach.organisation_report(network, "org-1", people_visible=True)
    assert "bob" not in [p.assessor_id for p in after.reach.isolated]


def test_a_view_computed_while_a_change_commits_is_not_kept_as_current(network: GraphStore) -> None:
    """The scopes' versions are read before computing: a change committed meanwhile makes the kept view stale at once."""
    calls: list[int] = []

    def compute() -> tuple[int, ...]:
        calls.append(1)
        if len(calls) == 1:
            network.bump_views([views.CONSENT])  # a pause commits while the first list is computed
        return (len(calls),)

    assert views.kept(network, "k", [views.CONSENT], compute) == (1,)
    assert views.kept(network, "k", [views.CONSENT], compute) == (2,)  # not the list from before the change
    assert views.kept(network, "k", [views.CONSENT], compute) == (2,)


def test_a_view_older_than_the_bound_is_computed_again(network: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    computed = Computations(network, monkeypatch)
    shown(network)
    shown(network)
    assert computed.count == 1
    later = views.now() + views.MAX_AGE + timedelta(seconds=1)
    monkeypatch.setattr(views, "now", lambda: later)
    shown(network)
    assert computed.count == 2


def test_what_is_kept_reads_back_as_what_was_computed(network: GraphStore) -> None:
    from network.suggestions import Suggestions

    fresh = suggestions.suggestions_for(network, "ann")
    assert isinstance(fresh, Suggestions)
    assert views.decode(views.encode(fresh)) == fresh
    assert suggestions.suggestions_for(network, "ann") == fresh
    with pytest.raises(ValueError):
        views.decode('{"$dc": "os:system", "f": {}}')  # only classes of network/ are read back


def test_a_deactivation_an_import_and_a_move_of_employer_refresh_what_is_kept(network: GraphStore) -> None:
    from api.services import directory, people, reach
    from network.bundle import Bundle

    assert set(shown(network)) == {"bob", "cat", "dan", "eve"}
    directory.set_active(network, "bob", False, actor_id=None)
    assert set(shown(network)) == {"cat", "dan", "eve"}
    hidden = network.get_assessor("cat").__class__(id="cat", name="Cat Moss", availability=("tue-pm",), discoverable=False, experience_years=2)
    people.import_bundle(network, Bundle(assessors=[hidden]), actor_id=None, target_kind="directory", target_id="directory")
    assert set(shown(network)) == {"dan", "eve"}
    before = reach.organisation_report(network, "org-4", people_visible=True)
    assert before.reach.assessors == 1
    people.set_employer(network, "dan", "org-4", actor_id=None)
    assert reach.organisation_report(network, "org-4", people_visible=True).reach.assessors == 2
