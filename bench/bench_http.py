"""HTTP benchmark: the app under gunicorn on 127.0.0.1, backed by a real Neo4j with the demo network.

A load process (threads + ``http.client`` keep-alive connections, started as a second process)
first hits the trivial ``/healthz`` (the framework's ceiling on this machine), then a mixed read
load of the JSON API as signed-in users (bearer tokens): an assessor's profile, their
suggestions and an organisation's reach, whichever of those endpoints the OpenAPI document of
this build has (printed). Each phase is bounded in time and in request count. It prints
requests per second, p50 and p99 per phase and per endpoint, and the ratio of the mixed load to
``/healthz`` measured in the same run.

Usage::

    NEO4J_URI=bolt://127.0.0.1:7687 python bench/bench_http.py [--quick] [--assessors 20000] [--organisations 400]
        [--workers 2] [--threads 8] [--clients 16] [--seconds 15] [--max-requests 50000]

The Neo4j database is WIPED (use a throwaway server such as ``scripts/neo4j-test-server``).
Needs gunicorn (the ``serve`` extra).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


# -- the load process ------------------------------------------------------------------------


def load_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``spec["clients"]`` threads against ``spec["requests"]`` (a list of [label, path, headers]) until the time or count bound."""
    host, port = spec["host"], spec["port"]
    deadline = time.perf_counter() + spec["seconds"]
    budget = spec["max_requests"]
    lock = threading.Lock()
    issued = 0
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    errors: list[str] = []

    def client(seed: int) -> None:
        nonlocal issued
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine: dict[str, list[float]] = defaultdict(list)
        codes: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        while time.perf_counter() < deadline:
            with lock:
                if issued >= budget:
                    break
                issued += 1
            label, path, headers = rng.choice(spec["requests"])
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{label}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                continue
            mine[label].append(time.perf_counter() - started)
            codes[label][response.status] += 1
        conn.close()
        with lock:
            for label, values in mine.items():
                latencies[label].extend(values)
            for label, counts in codes.items():
                for status, n in counts.items():
                    statuses[label][status] += n

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(spec["seed"] + i,)) for i in range(spec["clients"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "elapsed": elapsed,
        "latencies": {k: v for k, v in latencies.items()},
        "statuses": {k: {str(s): n for s, n in v.items()} for k, v in statuses.items()},
        "errors": errors[:20],
        "error_count": len(errors),
    }


def run_load(spec: dict[str, Any]) -> dict[str, Any]:
    """Run :func:`load_worker` in a second process, so the load generator's work is not the server's."""
    done = subprocess.run(
        [sys.executable, __file__, "--load-worker"], input=json.dumps(spec), capture_output=True, text=True, check=True, cwd=ROOT
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# -- setting up -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(assessors: int, organisations: int, seed: int, users: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Wipe Neo4j, load the demo network, and make signed-in users; returns their tokens and what was loaded."""
    from api.services import accounts
    from graph.neo4j.store import Neo4jStore
    from network import demo

    store = Neo4jStore.connect(
        os.environ["NEO4J_URI"],
        user=os.environ.get("NEO4J_USER", "neo4j"),
        password=os.environ.get("NEO4J_PASSWORD", ""),
        database=os.environ.get("NEO4J_DATABASE", "neo4j"),
    )
    try:
        store.ensure_schema()
        store._wipe()
        net = demo.generate(assessors=assessors, organisations=organisations, seed=seed)
        store.bulk_upsert(net.bundle)
        rng = random.Random(seed)
        employer = {e.assessor_id: e.organisation_id for e in net.bundle.employments}
        people = rng.sample([a.id for a in net.bundle.assessors if a.id in employer], users)
        made = []
        for n, assessor_id in enumerate(people):
            org_id = employer[assessor_id]
            user = accounts.create_user(
                store, f"bench-{n}@example.org", roles=("assessor", "org_admin"), assessor_id=assessor_id, organisation_ids=(org_id,)
            )
            token = accounts.issue_token(store, user.id, "bench").secret
            made.append({"assessor_id": assessor_id, "organisation_id": org_id, "token": token})
        return made, store.counts()
    finally:
        store.close()


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
    if gunicorn is None:
        sys.exit("gunicorn is not installed (pip install 'bridgework[serve]')")
    env = os.environ | {
        "BRIDGEWORK_ENV": "production",
        "BRIDGEWORK_SECRET_KEY": secrets.token_hex(32),
        "BRIDGEWORK_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        gunicorn,
        "--no-control-socket",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "bridgework.wsgi:app",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}")
        time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not become ready within 60 s")


def mixed_requests(port: int, users: list[dict[str, Any]], only: set[str] | None = None) -> tuple[list[list[Any]], list[str]]:
    """The read requests of the mixed load, for the endpoints this build documents."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/v1/openapi.json")
    paths = set(json.loads(conn.getresponse().read())["paths"])
    wanted = {
        "profile": "/api/v1/assessors/{assessor_id}",
        "suggestions": "/api/v1/assessors/{assessor_id}/suggestions",
        "reach": "/api/v1/organisations/{organisation_id}/reach",
    }
    present = [label for label, template in wanted.items() if template in paths and (only is None or label in only)]
    requests = []
    for user in users:
        headers = {"Authorization": f"Bearer {user['token']}"}
        for label in present:
            requests.append([label, wanted[label].format(**user), headers])
    return requests, present


def summarise(name: str, result: dict[str, Any]) -> dict[str, float]:
    everything = [x for values in result["latencies"].values() for x in values]
    count = len(everything)
    rate = count / result["elapsed"] if result["elapsed"] else 0.0
    p50 = statistics.median(everything) * 1000 if everything else float("nan")
    p99 = statistics.quantiles(everything, n=100)[98] * 1000 if count >= 100 else float("nan")
    print(f"{name:<12} {count:>7} requests in {result['elapsed']:5.1f} s: {rate:8.1f} req/s  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms")
    for label, values in sorted(result["latencies"].items()):
        if label == name:
            continue
        q = statistics.quantiles(values, n=100)[98] * 1000 if len(values) >= 100 else float("nan")
        median, codes = statistics.median(values) * 1000, result["statuses"][label]
        print(f"  {label:<12} {len(values):>7} requests  p50 {median:7.2f} ms  p99 {q:7.2f} ms  statuses {codes}")
    if result["error_count"]:
        print(f"  {result['error_count']} connection errors, e.g. {result['errors'][:3]}")
    return {"rate": rate, "p50": p50, "p99": p99}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--load-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="A small network and short phases (a smoke run).")
    parser.add_argument("--assessors", type=int, default=20_000)
    parser.add_argument("--organisations", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=200, help="Signed-in users whose requests make up the mixed load.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--clients", type=int, default=16, help="Concurrent connections of the load process.")
    parser.add_argument("--seconds", type=float, default=15.0, help="Time bound of each phase.")
    parser.add_argument("--max-requests", type=int, default=50_000, help="Count bound of each phase.")
    parser.add_argument("--endpoints", default="profile,suggestions,reach", help="Which reads make up the mixed load (if present).")
    args = parser.parse_args()
    if args.load_worker:
        json.dump(load_worker(json.load(sys.stdin)), sys.stdout)
        return
    if not os.environ.get("NEO4J_URI"):
        sys.exit("set NEO4J_URI to a throwaway Neo4j (its database is wiped), e.g. from scripts/neo4j-test-server")
    if args.quick:
        args.assessors, args.organisations, args.users, args.seconds, args.max_requests = 2000, 40, 50, 4.0, 10_000
    sys.path.insert(0, str(ROOT))

    started = time.perf_counter()
    users, counts = prepare(args.assessors, args.organisations, args.seed, args.users)
    print(f"loaded {counts} and {len(users)} users in {time.perf_counter() - started:.1f} s")
    port = free_port()
    server = start_server(port, args.workers, args.threads)
    try:
        requests, present = mixed_requests(port, users, set(args.endpoints.split(",")))
        print(f"gunicorn gthread {args.workers} workers x {args.threads} threads on 127.0.0.1:{port}; load: {args.clients} connections")
        print(f"mixed read load over: {', '.join(present)} (endpoints of this build)")
        base = {"host": "127.0.0.1", "port": port, "clients": args.clients, "seconds": args.seconds, "max_requests": args.max_requests}
        # A short warm-up so both phases meet warm connection pools and query plans.
        run_load(base | {"seed": 0, "seconds": min(3.0, args.seconds), "requests": requests})
        health = summarise("healthz", run_load(base | {"seed": 1, "requests": [["healthz", "/healthz", {}]]}))
        mixed = summarise("mixed", run_load(base | {"seed": 2, "requests": requests}))
        print(
            f"ratio mixed/healthz: throughput {mixed['rate'] / health['rate']:.3f}, p99 {mixed['p99'] / health['p99']:.1f}x the healthz p99"
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
