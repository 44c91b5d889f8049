"""Throttle and session benchmark (issue 16): what keeping the counts and the sessions in the store costs.

Measured in one run, on each store (absolute times on a shared 2-core machine are noisy; ratios are not):

* **throttle**: one failed sign-in as the app handles it (check the account's and the address's counts, then
  count one for each) with the counters in the store (shared by every process), against the same with the
  counters in process memory (``memory://``, what each process had before, and the limit multiplied);
* **session**: one signed-in request's look-up of its stored session (read the session and its user), against
  reading the user alone (what the cookie's fingerprint check needed before).

Usage::

    python bench/bench_throttle.py [--n 400] [--stores embedded,neo4j] [--quick]

Neo4j is measured when ``NEO4J_URI`` is set (its database is WIPED: use a throwaway server).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from limits import parse_many  # noqa: E402
from limits.storage import MemoryStorage  # noqa: E402

from api.services import accounts, sessions  # noqa: E402
from api.services.throttle import StoreCounters, Throttle  # noqa: E402
from graph.embedded.store import EmbeddedStore  # noqa: E402
from graph.port import GraphStore  # noqa: E402


def _open(kind: str, directory: Path) -> GraphStore:
    if kind == "embedded":
        store: GraphStore = EmbeddedStore(directory / "bench.sqlite3")
    else:
        from graph.neo4j.store import Neo4jStore
        from graph.settings import StoreSettings

        settings = StoreSettings.from_env()
        assert settings.neo4j_uri
        store = Neo4jStore.connect(settings.neo4j_uri, user=settings.neo4j_user, password=settings.neo4j_password, database=settings.neo4j_database)
        store._wipe()  # type: ignore[attr-defined]
    store.ensure_schema()
    return store


def _timed(fn: Callable[[int], None], n: int) -> list[float]:
    times = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _row(label: str, times: list[float], base: list[float]) -> str:
    p50, p95 = statistics.median(times), sorted(times)[int(len(times) * 0.95) - 1]
    return f"  {label:<34} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ratio {p50 / statistics.median(base):6.1f}x"


def bench(kind: str, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = _open(kind, Path(tmp))
        try:
            limits = parse_many("1000 per hour")
            shared = Throttle("bench", "tries", StoreCounters(store), limits, limits)
            local = Throttle("bench", "tries", MemoryStorage(), limits, limits)

            def attempt(throttle: Throttle) -> Callable[[int], None]:
                def one(i: int) -> None:
                    account, address = f"person{i % 50}@example.org", f"10.0.{i % 7}.1"
                    throttle.refusal(account, address)
                    throttle.hit(account, address)

                return one

            memory = _timed(attempt(local), n)
            stored = _timed(attempt(shared), n)
            user = accounts.create_user(store, "bench@example.org", roles=("coordinator",))
            keys = [sessions.start(store, user.id, remember=False, user_agent="bench").key for _ in range(20)]
            user_only = _timed(lambda i: store.get_user(user.id), n)
            session = _timed(lambda i: sessions.user_for_key(store, keys[i % len(keys)]), n)
            print(f"{kind}: {n} tries each")
            print(_row("throttle, counters in memory", memory, memory))
            print(_row("throttle, counters in the store", stored, memory))
            print(_row("read the user alone", user_only, user_only))
            print(_row("session look-up (session + user)", session, user_only))
        finally:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 60 if args.quick else args.n
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for kind in args.stores.split(","):
        if kind == "neo4j" and not os.environ.get("NEO4J_URI"):
            print("neo4j: skipped (NEO4J_URI is not set)")
            continue
        bench(kind, n)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
