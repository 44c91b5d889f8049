"""Faults under gunicorn (issue 21): a frozen store, and a limit shared by several workers.

Against a real Neo4j (``NEO4J_URI``, a throwaway server: the database is WIPED and the server is
paused with SIGSTOP for a few seconds, then resumed) and the app under gunicorn on 127.0.0.1:

1. **Frozen store.** With more store-bound clients than request threads, Neo4j is paused: the time
   each client waits for its answer (503 expected), how long ``/healthz`` takes meanwhile (with the
   store slots on, and off as the baseline), and the time from resuming Neo4j to the first 200.
2. **One limit, several workers.** 30 failed sign-ins from one address within a minute to gunicorn
   with 2 and with 4 workers: how many were let through (the limit is 10 a minute).

Usage::

    NEO4J_URI=bolt://127.0.0.1:7687 python bench/bench_faults.py

Prints each figure beside the load average; the targets of issue 21 are printed with whether each is met.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults.test_store_faults import _pid_listening_on  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET", body: str | None = None, timeout: float = 60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextmanager
def gunicorn(workers: int, threads: int, env_extra: dict[str, str]):
    exe = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
    if exe is None:
        sys.exit("gunicorn is not installed (pip install 'bridgework[serve]')")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGEWORK_")}
    env |= {"BRIDGEWORK_SECRET_KEY": "b" * 40, "BRIDGEWORK_LOG_LEVEL": "WARNING", "BRIDGEWORK_BASE_URL": "http://127.0.0.1"} | env_extra
    proc = subprocess.Popen(
        [exe, "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--graceful-timeout", "5", "bridgework.wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                sys.exit(f"gunicorn exited with {proc.returncode}")
            try:
                if _get(port, "/readyz", timeout=3)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            sys.exit("gunicorn did not become ready")
        yield port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _store_and_token() -> str:
    from api.services import accounts
    from graph.neo4j.store import Neo4jStore

    store = Neo4jStore.connect(os.environ["NEO4J_URI"])
    try:
        store.ensure_schema()
        store._wipe()
        user = accounts.create_user(store, "bench-admin@example.org", roles=("admin",), password="correct horse battery staple")
        return accounts.issue_token(store, user.id, "bench", days=1).secret
    finally:
        store.close()


def frozen(token: str, slots: int, clients: int = 12, threads: int = 8) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    pid = _pid_listening_on(urlsplit(os.environ["NEO4J_URI"]).port or 7687)
    with gunicorn(1, threads, {"BRIDGEWORK_STORE_SLOTS": str(slots)}) as (port, _):
        for _ in range(5):
            _get(port, "/api/v1/organisations", headers)
        waits: list[float] = []
        statuses: list[int] = []

        def client() -> None:
            started = time.monotonic()
            try:
                status, _ = _get(port, "/api/v1/organisations", headers, timeout=60)
            except OSError:
                status = 0
            waits.append(time.monotonic() - started)
            statuses.append(status)

        os.kill(pid, signal.SIGSTOP)
        try:
            pool = [threading.Thread(target=client) for _ in range(clients)]
            for t in pool:
                t.start()
            time.sleep(0.3)  # every thread of the worker is now busy with a store-bound request
            started = time.monotonic()
            health_status, _ = _get(port, "/healthz", timeout=60)
            health = time.monotonic() - started
            for t in pool:
                t.join(30)
        finally:
            resumed = time.monotonic()
            os.kill(pid, signal.SIGCONT)
        for _ in range(600):  # at most about 30 s
            if _get(port, "/api/v1/organisations", headers, timeout=30)[0] == 200:
                break
            time.sleep(0.05)
        else:
            sys.exit("the app did not recover within 30 s of the store resuming")
        recovery = time.monotonic() - resumed
    return {
        "max_wait": max(waits),
        "p50_wait": sorted(waits)[len(waits) // 2],
        "answered_503": sum(1 for s in statuses if s == 503),
        "statuses": dict(sorted(__import__("collections").Counter(statuses).items())),
        "clients": clients,
        "healthz": health,
        "healthz_status": health_status,
        "recovery": recovery,
    }


def limit_count(workers: int) -> int:
    """Failed sign-ins from one address let through (not 429) out of 30 sent to gunicorn with ``workers`` workers."""
    from tests.api.test_throttle_processes import failed_sign_in

    with gunicorn(workers, 4, {"BRIDGEWORK_LOGIN_RATE_LIMIT": "10 per minute;50 per hour"}) as (port, _):
        return sum(1 for i in range(30) if failed_sign_in(f"http://127.0.0.1:{port}", f"nobody{i}@example.org") != 429)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    if not os.environ.get("NEO4J_URI"):
        sys.exit("NEO4J_URI is not set (use a throwaway server: scripts/neo4j-test-server start)")
    token = _store_and_token()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with_slots = frozen(token, slots=6)
    without = frozen(token, slots=0)
    for name, r in (("slots 6 of 8 threads", with_slots), ("no slots (baseline)", without)):
        print(
            f"frozen store, {name}: {r['answered_503']}/{r['clients']} clients answered 503, wait p50 {r['p50_wait']:.1f} s, "
            f"max {r['max_wait']:.1f} s (statuses {r['statuses']}); /healthz {r['healthz_status']} in {r['healthz']:.2f} s; first 200 {r['recovery']:.2f} s after resuming"
        )
    print(f"/healthz while frozen: {with_slots['healthz']:.2f} s with slots vs {without['healthz']:.2f} s without "
          f"(ratio {with_slots['healthz'] / max(without['healthz'], 1e-3):.2f}); load average {os.getloadavg()[0]:.1f}")
    counts = {w: limit_count(w) for w in (2, 4)}
    for w, n in counts.items():
        print(f"failed sign-ins let through from one address, 30 sent, limit 10 a minute, {w} workers: {n}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    targets = [
        ("frozen store: every client answered 503 within 5 s", with_slots["answered_503"] == with_slots["clients"] and with_slots["max_wait"] <= 5),
        ("/healthz answers within 1 s while the store is frozen (slots on)", with_slots["healthz_status"] == 200 and with_slots["healthz"] <= 1),
        ("recovery without a restart within 5 s", with_slots["recovery"] <= 5),
        ("2 and 4 workers let through the limit once (10)", all(n == 10 for n in counts.values())),
    ]
    for label, met in targets:
        print(f"target: {label}: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
