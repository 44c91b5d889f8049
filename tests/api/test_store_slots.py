"""Store slots: when every slot is held by a request stuck on the store, others are told the service is busy at once,
and /healthz (which never touches the store) still answers."""

from __future__ import annotations

import threading

from flask import Flask

from bridgework import create_app


def test_a_request_finding_no_free_slot_gets_503_busy_and_healthz_still_answers(store) -> None:
    app: Flask = create_app({"TESTING": True, "STORE": store, "STORE_SLOTS": 1})
    holding, release = threading.Event(), threading.Event()

    @app.get("/_stuck-on-the-store")
    def stuck():
        holding.set()
        release.wait(30)
        return {"ok": True}

    first = threading.Thread(target=lambda: app.test_client().get("/_stuck-on-the-store"))
    first.start()
    try:
        assert holding.wait(30)
        busy = app.test_client().get("/api/v1/organisations", headers={"Accept": "application/json"})
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
        assert busy.get_json()["error"]["code"] == "busy"
        write = app.test_client().post("/api/v1/organisations", json={}, headers={"Accept": "application/json"})
        assert write.status_code == 503  # writes take a slot too
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        release.set()
        first.join(30)
    assert app.test_client().get("/api/v1/organisations").status_code == 401  # the slot is free again: on to sign-in
