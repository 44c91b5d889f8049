"""Throttle counts hold across app server processes (issue 16; issue 21's "limits are per process").

Two real ``bridgework serve`` processes share one store (the same SQLite file, or the same Neo4j): failed
sign-ins and new API tokens sent to them in turn are counted once, so two processes allow the limit once,
not twice. The control run keeps the counters in each process's memory (``memory://``) and shows the
limit doubling: the test can tell the difference.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from api.services import accounts
from network.domain import Assessor
from tests.stores import KINDS, open_empty

PASSWORD = "correct horse battery staple"
BRIDGEWORK = str(Path(sys.executable).with_name("bridgework"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def servers(kind: str, data_dir: Path, storage: str, count: int = 2) -> Iterator[list[str]]:
    """``count`` app server processes on one store, each with the same limits; yields their base URLs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGEWORK_")}
    if kind == "embedded":
        env.pop("NEO4J_URI", None)
    env |= {
        "BRIDGEWORK_DATA_DIR": str(data_dir),
        "BRIDGEWORK_SECRET_KEY": "s" * 40,  # both processes sign the same cookies and CSRF tokens
        "BRIDGEWORK_LOGIN_ACCOUNT_RATE_LIMIT": "3 per hour",
        "BRIDGEWORK_TOKEN_ACCOUNT_RATE_LIMIT": "2 per hour",
        "BRIDGEWORK_RATELIMIT_STORAGE_URI": storage,
        "BRIDGEWORK_LOG_LEVEL": "WARNING",
    }
    ports = [_free_port() for _ in range(count)]
    procs = [
        subprocess.Popen([BRIDGEWORK, "serve", "--host", "127.0.0.1", "--port", str(p)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for p in ports
    ]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        deadline = time.monotonic() + 60
        for url, proc in zip(urls, procs, strict=True):
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"the server stopped: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
                try:
                    if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                assert time.monotonic() < deadline, "the servers did not start within a minute"
                time.sleep(0.2)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stderr:
                proc.stderr.close()


def failed_sign_in(url: str, email: str) -> int:
    with requests.Session() as browser:
        page = browser.get(f"{url}/login", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token, "the sign-in form carries no CSRF token"
        answer = browser.post(
            f"{url}/login", data={"email": email, "password": "not the password at all", "csrf_token": token.group(1)}, timeout=10,
            allow_redirects=False,
        )
        return answer.status_code


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _people(kind: str, data_dir: Path) -> str:
    """A person with a login and an API token in the store the servers will open; returns the token."""
    store = open_empty(kind, data_dir / "bridgework.sqlite3")
    try:
        store.ensure_schema()
        store.create_assessor(Assessor(id="a-1", name="Sam Okafor", email="sam@example.org"))
        user = accounts.create_user(store, "sam@example.org", roles=("assessor",), password=PASSWORD, assessor_id="a-1")
        return accounts.issue_token(store, user.id, "script").secret
    finally:
        store.close()


def test_two_processes_share_one_count_of_failed_sign_ins_and_new_tokens(kind, tmp_path):
    token = _people(kind, tmp_path)
    with servers(kind, tmp_path, "store") as (one, two):
        sign_ins = [failed_sign_in(url, "sam@example.org") for url in (one, two, one, two, one, two)]
        made = [
            requests.post(f"{url}/api/v1/me/tokens", json={"name": f"t{n}"}, headers={"Authorization": f"Bearer {token}"}, timeout=10)
            for n, url in enumerate((one, two, one, two))
        ]
    assert sign_ins == [401, 401, 401, 429, 429, 429]  # 3 per account in all, not 3 per process
    assert [r.status_code for r in made] == [201, 201, 429, 429]
    assert "Too many new API tokens for this account" in made[-1].json()["error"]["message"]


def test_with_counters_in_each_process_the_limit_doubles(tmp_path):
    """The control: what happened before counters moved to the store (and what memory:// still does)."""
    _people("embedded", tmp_path)
    with servers("embedded", tmp_path, "memory://") as (one, two):
        sign_ins = [failed_sign_in(url, "sam@example.org") for url in (one, two, one, two, one, two)]
    assert sign_ins == [401] * 6
