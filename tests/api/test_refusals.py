"""A refusal (403) says in plain words who may do the action, naming the organisation or programme, never the action code."""

from __future__ import annotations

import re

import pytest

from api.access import POLICY
from api.refusals import FALLBACK, WORDS, refusal
from network.domain import Organisation


def test_every_action_of_the_policy_has_words() -> None:
    assert set(POLICY) <= set(WORDS)


@pytest.mark.parametrize("action", sorted(WORDS))
def test_the_words_are_a_plain_sentence_without_codes(action: str) -> None:
    text = refusal(action, {"organisation_id": "o1", "programme_id": "p1"})
    assert text.endswith(".") and text[0].isupper()
    assert ":" not in text and "{" not in text and "_" not in text
    assert not re.search(r"\b(read|write|list|own)\b \w+ here", text)


def test_an_unknown_action_gets_general_words() -> None:
    assert refusal("nothing:here", {}) == FALLBACK


def test_names_come_from_the_store_and_general_words_stand_in(store) -> None:
    store.create_organisation(Organisation("o1", "Whitton Council", "local_authority", "north_west"))
    assert refusal("reach:read", {"organisation_id": "o1"}, store) == (
        "Reach is shown to the organisation admins of Whitton Council and to coordinators."
    )
    assert refusal("reach:read", {"organisation_id": "o-404"}, store) == (
        "Reach is shown to the organisation admins of the organisation and to coordinators."
    )
    assert refusal("isolated:list", {"organisation_id": None}, store) == "The isolated assessors of the whole network are shown to coordinators."


def test_the_api_refusal_names_the_organisation_and_who_may(client, auth, store) -> None:
    store.create_organisation(Organisation("o1", "Whitton Council", "local_authority", "north_west"))
    store.create_organisation(Organisation("o2", "Riverside Trust", "nhs_trust", "london"))
    r = client.get("/api/v1/organisations/o1/reach", headers=auth(roles=("org_admin",), organisation_ids=("o2",)))
    assert r.status_code == 403
    assert r.json["error"]["message"] == "Reach is shown to the organisation admins of Whitton Council and to coordinators."
