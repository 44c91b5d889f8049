"""Live meeting benchmark (issue 19): how long until every member sees the facilitator's step.

Eight members (the largest set) each poll the live meeting exactly as ``web/static/live.js`` does:
``GET .../live`` with ``If-None-Match``, the next request one poll interval after the answer (one
``http.client`` keep-alive connection each). The app runs as **two** app server processes on one store
(members alternate between them, the facilitator always uses the first), so the figure includes
another server picking the change up from the store. The facilitator then takes ``--steps`` steps
(pause / carry on), one every ``--gap`` seconds; for each step and member the delay is from the
moment the step's answer came back to the moment that member's poll first returns the new version.

Printed: p50 / p95 / max of the delay over all steps and members, the same as a ratio of the poll
interval (the delay a poll loop is designed to give is about half an interval plus one request),
the baseline measured in the same run (one poll round trip, unchanged meeting: 304), the share of
polls answered 304, and the load average beside them.

Usage::

    python bench/bench_live.py [--quick] [--members 8] [--steps 20] [--poll 1.0] [--gap 1.7]

With ``NEO4J_URI`` set it measures Neo4j too (that database is WIPED: use a throwaway server).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIVE = "/api/v1/sets/set-1/meetings/1/live"
SERVER = """
import sys
from werkzeug.serving import make_server
from bridgework import create_app
app = create_app({"TESTING": True})
server = make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True)
print("serving", flush=True)
server.serve_forever()
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _arrange(env: dict[str, str], members: int) -> dict[str, str]:
    """A set of ``members`` meeting today; a bearer token per member (ann facilitates)."""
    from api.services import accounts
    from graph.open import open_store
    from graph.settings import StoreSettings
    from tests.live_world import NAMES, arrange_today

    store = open_store(StoreSettings.from_env(env))
    try:
        store.ensure_schema()
        if store.kind == "neo4j":
            store._wipe()  # type: ignore[attr-defined]
            store.ensure_schema()
        arrange_today(store, members=members)
        tokens = {}
        for a in list(NAMES)[:members]:
            user = accounts.create_user(store, f"{a}@example.org", roles=("assessor",), assessor_id=a)
            tokens[a] = accounts.issue_token(store, user.id, "bench", days=1).secret
        return tokens
    finally:
        store.close()


class Member(threading.Thread):
    """One member's page: poll, remember when each new version was first seen."""

    def __init__(self, name: str, token: str, port: int, poll: float, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.name_, self.token, self.port, self.poll, self.stop = name, token, port, poll, stop
        self.seen: dict[int, float] = {}
        self.statuses: dict[int, int] = {}
        self.errors = 0

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        etag = None
        while not self.stop.is_set():
            headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
            if etag:
                headers["If-None-Match"] = etag
            try:
                conn.request("GET", LIVE, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                time.sleep(self.poll)
                continue
            now = time.perf_counter()
            self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
            if response.status == 200:
                etag = response.getheader("ETag")
                version = json.loads(body)["version"]
                self.seen.setdefault(version, now)
            time.sleep(self.poll)
        conn.close()


def _call(port: int, token: str, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = None if body is None else json.dumps(body)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = json.loads(response.read() or b"{}")
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {payload}")
        return payload
    finally:
        conn.close()


def _baseline(port: int, token: str, n: int) -> float:
    """Median round trip of one poll of an unchanged meeting (a 304), in seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"}
    conn.request("GET", LIVE, headers=headers)
    response = conn.getresponse()
    response.read()
    headers["If-None-Match"] = response.getheader("ETag") or ""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("GET", LIVE, headers=headers)
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - t0)
    conn.close()
    return statistics.median(times)


def measure(kind: str, env: dict[str, str], args: argparse.Namespace) -> None:
    tokens = _arrange(env, args.members)
    names = list(tokens)
    ports = [_port(), _port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "-c", SERVER, str(p)], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        for p in ports
    ]
    try:
        for s in servers:
            assert s.stdout is not None and s.stdout.readline().strip() == "serving"
        facilitator = names[0]
        _call(ports[0], tokens[facilitator], "POST", LIVE + "/start")
        stop = threading.Event()
        members = [Member(n, tokens[n], ports[k % 2], args.poll, stop) for k, n in enumerate(names)]
        for m in members:
            m.start()
        time.sleep(2 * args.poll)
        base = _baseline(ports[1], tokens[names[1]], 20 if args.quick else 50)
        steps: list[tuple[int, float]] = []
        run = _call(ports[0], tokens[facilitator], "GET", LIVE)["run"]
        for k in range(args.steps):
            do = "pause" if k % 2 == 0 else "resume"
            body = _call(ports[0], tokens[facilitator], "POST", LIVE, {"do": do, "run": run})
            steps.append((body["version"], time.perf_counter()))
            run = body["run"]
            time.sleep(args.gap)
        time.sleep(2 * args.poll + 1)
        stop.set()
        for m in members:
            m.join(timeout=10)
    finally:
        for s in servers:
            s.terminate()
            s.wait(timeout=20)
            if s.stdout is not None:
                s.stdout.close()
    delays = []
    missed = 0
    for v, at in steps:
        for m in members:
            seen = m.seen.get(v) or min((t for w, t in m.seen.items() if w > v), default=None)
            if seen is None:
                missed += 1
            else:
                delays.append(max(0.0, seen - at))
    delays.sort()
    polls = sum(sum(m.statuses.values()) for m in members)
    not_modified = sum(m.statuses.get(304, 0) for m in members)
    errors = sum(m.errors for m in members)
    p50 = statistics.median(delays)
    p95 = delays[min(len(delays) - 1, int(0.95 * len(delays)))]
    load = os.getloadavg()
    print(f"\n[{kind}] {len(members)} members on 2 app processes, poll every {args.poll:.1f} s, {len(steps)} facilitator steps")
    print(
        f"  update delay: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms "
        f"({len(delays)} observations, {missed} missed)"
    )
    print(f"  as a share of the poll interval: p50 {p50 / args.poll:.2f}, p95 {p95 / args.poll:.2f}, max {delays[-1] / args.poll:.2f}")
    print(f"  baseline (same run): one poll of an unchanged meeting {base * 1000:.1f} ms; p95 delay = {p95 / base:.0f}x a poll round trip")
    print(f"  polls: {polls}, answered 304 (nothing new): {not_modified / max(1, polls):.0%}, errors: {errors}")
    print(f"  load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--gap", type=float, default=1.7)
    args = parser.parse_args()
    if args.quick:
        args.steps = min(args.steps, 6)
    if not 2 <= args.members <= 8:
        parser.error("--members: 2 to 8 (the names of the test world)")
    base_env = dict(os.environ, BRIDGEWORK_SECRET_KEY="bench-live-" + "k" * 32, BRIDGEWORK_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as data:
        env = dict(base_env, BRIDGEWORK_DATA_DIR=data)
        env.pop("NEO4J_URI", None)
        measure("embedded", env, args)
    if os.environ.get("NEO4J_URI"):
        measure("neo4j", dict(base_env), args)


if __name__ == "__main__":
    main()
