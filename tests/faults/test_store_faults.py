"""A frozen or stopped Neo4j under requests: JSON 503 with Retry-After while it lasts, and recovery without a restart.

The frozen store is the real test Neo4j paused with SIGSTOP (and always resumed); the stopped store
is a driver pointed at a port where no server listens, which is what a stopped server looks like to
the app. The assertions are about order, not time: every request is answered while the store is
still frozen (without deadlines they would all wait until it resumes, and then succeed).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import neo4j
import pytest
from argon2 import PasswordHasher
from flask import Flask

from api.services import accounts
from bridgework import create_app
from graph.neo4j.store import DEFAULT_DRIVER_OPTIONS, Neo4jStore
from tests.stores import open_empty

pytestmark = pytest.mark.neo4j

#: How long the store stays frozen at most (resumed as soon as every request has been answered).
FREEZE_AT_MOST_S = 15.0


def _pid_listening_on(port: int) -> int:
    """The pid of the local process listening on TCP ``port`` (read from /proc, no tools needed)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if int(parts[1].rsplit(":", 1)[1], 16) == port and parts[3] == "0A":  # LISTEN
                inodes.add(parts[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    raise AssertionError(f"no process listens on port {port}")


def _signed_in(app: Flask) -> dict[str, str]:
    with app.app_context():
        store = app.extensions["bridgework.store"]
        user = accounts.create_user(store, f"{accounts.new_user_id()}@example.org", roles=("admin",))
        issued = accounts.issue_token(store, user.id, "fault test", days=1)
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture(autouse=True)
def _quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def neo4j_app(tmp_path: Path) -> Iterator[Flask]:
    store = open_empty("neo4j", tmp_path / "unused")
    try:
        yield create_app({"TESTING": True, "STORE": store, "REQUEST_STORE_SECONDS": 4})
    finally:
        store.close()


def _ask_all(app: Flask, headers: dict[str, str], paths: list[str]) -> tuple[list[threading.Thread], dict[str, tuple[int, dict, float]]]:
    answers: dict[str, tuple[int, dict, float]] = {}

    def ask(path: str) -> None:
        started = time.monotonic()
        response = app.test_client().get(path, headers=headers)
        answers[path] = (response.status_code, dict(response.headers), time.monotonic() - started)

    threads = [threading.Thread(target=ask, args=(p,), daemon=True) for p in paths]
    for t in threads:
        t.start()
    return threads, answers


PATHS = ["/readyz", "/api/v1/me", "/api/v1/organisations", "/api/v1/assessors"]


def test_a_frozen_store_gets_503_with_retry_after_while_frozen_and_recovers_without_a_restart(neo4j_app: Flask) -> None:
    headers = _signed_in(neo4j_app)
    assert all(neo4j_app.test_client().get(p, headers=headers).status_code == 200 for p in PATHS)
    pid = _pid_listening_on(urlsplit(os.environ["NEO4J_URI"]).port or 7687)
    os.kill(pid, signal.SIGSTOP)
    try:
        threads, answers = _ask_all(neo4j_app, headers, PATHS)
        for t in threads:
            t.join(FREEZE_AT_MOST_S)
        answered_while_frozen = {p: a for p, a in answers.items()}
    finally:
        os.kill(pid, signal.SIGCONT)
    for t in threads:
        t.join(30)
    assert sorted(answered_while_frozen) == sorted(PATHS), f"still waiting when the store resumed: {set(PATHS) - set(answered_while_frozen)}"
    for path, (status, response_headers, seconds) in answered_while_frozen.items():
        assert status == 503, (path, status)
        assert response_headers.get("Retry-After"), path
        print(f"frozen store: {path} answered {status} in {seconds:.1f} s")
    # Recovery: the same app, no restart, answers again once the store does.
    assert all(neo4j_app.test_client().get(p, headers=headers).status_code == 200 for p in PATHS)


def test_a_stopped_store_gets_503_at_once_and_healthz_never_waits_on_it(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port where nothing listens: a stopped server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    driver = neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{port}", **DEFAULT_DRIVER_OPTIONS)
    store = Neo4jStore(driver)
    try:
        app = create_app({"TESTING": True, "STORE": store, "REQUEST_STORE_SECONDS": 4})
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        for path in ("/readyz", "/api/v1/organisations", "/api/v1/assessors"):
            started = time.monotonic()
            response = client.get(path, headers={"Authorization": f"Bearer bw_{'0' * 16}_{'A' * 43}", "Accept": "application/json"})
            seconds = time.monotonic() - started
            assert response.status_code == 503, (path, response.status_code)
            assert response.headers.get("Retry-After")
            assert response.get_json()["error"]["status"] == 503
            print(f"stopped store: {path} answered 503 in {seconds:.1f} s")
        assert client.get("/healthz").status_code == 200  # liveness never depends on the store
    finally:
        store.close()
