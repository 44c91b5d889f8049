"""Outcome figures cannot be differenced over time (issue 16), on both stores.

Small-number suppression holds per report; these tests play the attacks that beat it across reports:

* a coordinator moves the programme's start date back (the wave reads as closed, its means are shown) and
  forward again (the wave reopens, one more person answers), reading the mean after each new answer
  (n=5, 6, 7): ``n * mean_n - (n-1) * mean_{n-1}`` is the new person's answer;
* a wave closes and its figures are read; one person is erased; the figures read again on one person fewer
  give the erased person's answer.

The fix: the start date cannot move once answers exist (422 naming ``starts_on``, nothing written), and a wave's
figures are released once, when it closes, and never computed again on a different set of people.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

import api.v1.outcomes as outcomes_api
from graph.port import GraphStore
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme
from tests.api.conftest import Auth
from tests.stores import KINDS, open_empty

START = date(2026, 1, 12)
#: The answers to "confidence" (a 1-5 scale) of seven people, in the order they answer.
CONFIDENCE = [1, 1, 2, 3, 3, 2, 1]


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    s = open_empty(request.param, tmp_path / "bridgework.sqlite3")
    s.ensure_schema()
    yield s
    s.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, date]:
    """The day the API's outcome endpoints think it is (answers and reports); starts on START."""
    now = {"day": START}
    monkeypatch.setattr(outcomes_api, "today", lambda: now["day"])
    return now


def _arrange(store: GraphStore) -> list[str]:
    store.create_programme(Programme(id="p-1", name="Tees peers", status="running", starts_on=START))
    ids = []
    for k in range(len(CONFIDENCE)):
        store.create_organisation(Organisation(id=f"org-{k}", name=f"Org {k}", kind="local_authority", region="north_east"))
        store.create_assessor(Assessor(id=f"a-{k}", name=f"Assessor {k}"))
        store.set_employer(f"a-{k}", f"org-{k}")
        store.enrol("p-1", f"a-{k}")
        ids.append(f"a-{k}")
    sets = [NewSet(ActionLearningSet(id="s-1", name="Set one", programme_id="p-1", status="active"), tuple(ids))]
    store.commit_sets("p-1", sets, joined=START)
    return ids


def _answer(client: FlaskClient, auth: Auth, who: str, confidence: int) -> None:
    body = {"version": 0, "answers": {"confidence": confidence, "isolation": 3, "peers": 2}}
    r = client.put(f"/api/v1/assessors/{who}/questionnaires/p-1/start", json=body, headers=auth(assessor_id=who))
    if r.status_code == 409:  # the defaults are stored as version 1 by the first answer
        body["version"] = 1
        r = client.put(f"/api/v1/assessors/{who}/questionnaires/p-1/start", json=body, headers=auth(assessor_id=who))
    assert r.status_code == 200, r.get_json()


def _reading(client: FlaskClient, coordinator: dict[str, str]) -> tuple[int | None, float | None]:
    """What the coordinator reads of the start wave's confidence: (people, mean)."""
    body = client.get("/api/v1/programmes/p-1/outcomes", headers=coordinator).get_json()
    start = body["questions"][0]["waves"][0]
    return start["people"], start["mean"]


def _recovered(readings: list[tuple[int | None, float | None]]) -> dict[int, int]:
    """The answers the attacker pins down: the n-th answer from the means at n-1 and n people."""
    means = {n: m for n, m in readings if n is not None and m is not None}
    return {n: round(n * means[n]) - round((n - 1) * means[n - 1]) for n in sorted(means) if n - 1 in means}


def test_moving_the_start_date_back_and_forth_recovers_no_single_answer(store: GraphStore, client: FlaskClient, auth: Auth, clock) -> None:
    ids = _arrange(store)
    coordinator = auth(roles=("coordinator",), programme_ids=("p-1",))
    for k in range(5):
        _answer(client, auth, ids[k], CONFIDENCE[k])
    readings = []
    moves = []
    for k in (5, 6):
        back = client.patch("/api/v1/programmes/p-1", json={"starts_on": (START - timedelta(days=60)).isoformat()}, headers=coordinator)
        moves.append(back)
        readings.append(_reading(client, coordinator))  # the wave reads as closed: its figures are shown
        client.patch("/api/v1/programmes/p-1", json={"starts_on": START.isoformat()}, headers=coordinator)  # reopen it
        _answer(client, auth, ids[k], CONFIDENCE[k])
    client.patch("/api/v1/programmes/p-1", json={"starts_on": (START - timedelta(days=60)).isoformat()}, headers=coordinator)
    readings.append(_reading(client, coordinator))
    assert _recovered(readings) == {}, f"single answers recovered from {readings}"
    # The refusal is clear, names the field, and nothing moved.
    assert moves[0].status_code == 422
    assert "starts_on" in moves[0].get_json()["error"]["fields"]
    assert "answers exist" in " ".join(moves[0].get_json()["error"]["fields"]["starts_on"])
    assert store.get_programme("p-1").starts_on == START


def test_a_closed_waves_figures_are_not_computed_again_after_someone_is_erased(
    store: GraphStore, client: FlaskClient, auth: Auth, clock
) -> None:
    ids = _arrange(store)
    coordinator = auth(roles=("coordinator",), programme_ids=("p-1",))
    for k in range(6):
        _answer(client, auth, ids[k], CONFIDENCE[k])
    clock["day"] = START + timedelta(days=29)  # the start wave has closed
    before = client.get("/api/v1/programmes/p-1/outcomes", headers=coordinator).get_json()
    first = _reading(client, coordinator)
    assert first[0] == 6 and first[1] is not None
    admin = auth(roles=("admin",))
    assert client.delete(f"/api/v1/assessors/{ids[5]}", headers=admin).status_code == 200
    clock["day"] = START + timedelta(days=40)
    after = client.get("/api/v1/programmes/p-1/outcomes", headers=coordinator).get_json()
    assert _recovered([first, _reading(client, coordinator)]) == {}
    assert after["questions"] == before["questions"] and after["respondents"] == before["respondents"]


def test_the_start_date_moves_freely_before_anyone_answers(store: GraphStore, client: FlaskClient, auth: Auth, clock) -> None:
    _arrange(store)
    coordinator = auth(roles=("coordinator",), programme_ids=("p-1",))
    later = START + timedelta(days=7)
    r = client.patch("/api/v1/programmes/p-1", json={"starts_on": later.isoformat()}, headers=coordinator)
    assert r.status_code == 200, r.get_json()
    assert store.get_programme("p-1").starts_on == later
