"""Form sets that forgives (issue 17), through the API: every version kept and listed in words, any version restored
(so an undo is a restore, and can be undone too), sets named, and edits answered with only the sets they changed."""

from __future__ import annotations

from tests.api.test_sets_api import enrol_all, programme, propose, world  # noqa: F401  (the fixture)


def _members(body: dict) -> dict[int, set[str]]:
    return {s["number"]: {m["id"] for m in s["members"]} for s in body["sets"]}


def test_every_change_is_kept_listed_in_words_and_restorable(client, world):  # noqa: F811
    programme(client, world)
    enrol_all(client, world)
    first = propose(client, world)
    assert len(first["sets"]) >= 2 and first["sets"][0]["name"] == f"Set {first['sets'][0]['number']}"
    one, two = first["sets"][0], first["sets"][1]
    mover = one["members"][0]
    moved = client.post(
        f"/api/v1/proposals/{first['id']}/edits",
        json={"version": first["version"], "move": {"member_id": mover["id"], "to_set": two["number"]}, "reply": "changes"},
        headers=world.coordinator,
    )
    assert moved.status_code == 200, moved.get_json()
    changes = moved.get_json()
    assert changes["changed"] == [one["number"], two["number"]]
    assert {s["number"] for s in changes["sets"]} == {one["number"], two["number"]}
    assert changes["numbers"] == [s["number"] for s in first["sets"]]
    named = client.post(
        f"/api/v1/proposals/{first['id']}/names",
        json={"version": changes["version"], "set": two["number"], "name": "  Tuesday   thinkers "},
        headers=world.coordinator,
    )
    assert named.status_code == 200, named.get_json()
    assert next(s for s in named.get_json()["sets"] if s["number"] == two["number"])["name"] == "Tuesday thinkers"
    versions = client.get(f"/api/v1/proposals/{first['id']}/versions", headers=world.coordinator).get_json()["items"]
    assert [v["words"] for v in versions] == [
        "Formed by set formation",
        f"Moved {mover['name']} to set {two['number']}",
        f"Named set {two['number']} 'Tuesday thinkers'",
    ]
    assert [v["current"] for v in versions] == [False, False, True]
    back = client.post(
        f"/api/v1/proposals/{first['id']}/restore",
        json={"version": named.get_json()["version"], "restore": 1},
        headers=world.coordinator,
    )
    assert back.status_code == 200, back.get_json()
    restored = back.get_json()
    assert _members(restored) == _members(first)
    assert restored["score"] == first["score"]
    assert all(s["name"] == f"Set {s['number']}" for s in restored["sets"])  # the name came after version 1
    again = client.post(
        f"/api/v1/proposals/{first['id']}/restore", json={"version": restored["version"], "restore": 3}, headers=world.coordinator
    )
    assert again.status_code == 200 and _members(again.get_json())[two["number"]] >= {mover["id"]}  # the undo undone
    words = [v["words"] for v in client.get(f"/api/v1/proposals/{first['id']}/versions", headers=world.coordinator).get_json()["items"]]
    assert words[-2:] == ["Went back to version 1", "Went back to version 3"]


def test_bad_restores_and_names_are_refused_and_change_nothing(client, world):  # noqa: F811
    programme(client, world)
    enrol_all(client, world)
    first = propose(client, world)
    url = f"/api/v1/proposals/{first['id']}"
    missing = client.post(url + "/restore", json={"version": first["version"], "restore": 9}, headers=world.coordinator)
    assert missing.status_code == 404
    stale = client.post(url + "/restore", json={"version": first["version"] + 5, "restore": 1}, headers=world.coordinator)
    assert stale.status_code == 409
    long = client.post(url + "/names", json={"version": first["version"], "set": 1, "name": "x" * 81}, headers=world.coordinator)
    assert long.status_code == 422 and "name" in long.get_json()["error"]["fields"]
    nowhere = client.post(url + "/names", json={"version": first["version"], "set": 99, "name": "A"}, headers=world.coordinator)
    assert nowhere.status_code == 422
    assert client.get(url, headers=world.coordinator).get_json()["version"] == first["version"]
