"""Bulk import benchmark: batched ``bulk_upsert`` against a naive one-transaction-per-row import.

Imports a generated network (default 20,000 assessors, 400 organisations: about 100,000 theme
links and 30,000 contacts) into each store, and prints rows per second and the ratio against a
naive import of a 1,000-row slice of the same network, one transaction per row, measured in the
same run (absolute times on a shared 2-core machine are noisy; ratios are not).

Usage::

    python bench/bench_import.py [--assessors 20000] [--organisations 400] [--seed 1]
                                 [--stores embedded,neo4j] [--check]

Neo4j is measured when ``NEO4J_URI`` is set (its database is WIPED: use a throwaway server such
as ``scripts/neo4j-test-server``). ``--check`` exits 1 when a target is missed:
Neo4j >= 20,000 rows/s and >= 20x the naive baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from graph.port import GraphStore
from network import demo
from network.bundle import BUNDLE_KINDS, Bundle

TARGETS = {"neo4j": {"rows_per_s": 20_000, "ratio": 20.0}}


def naive_slice(bundle: Bundle, rows: int = 1000) -> list[Bundle]:
    """About ``rows`` single-row bundles, in dependency order, taken from the front of ``bundle``.

    Takes whole assessors (with their organisation, employment and themes, and contacts among
    the assessors taken) until the slice holds ``rows`` rows.
    """
    taken: set[str] = set()
    orgs_needed: set[str] = set()
    employer = {e.assessor_id: e for e in bundle.employments}
    links_by: dict[str, list] = {}
    for link in bundle.theme_links:
        links_by.setdefault(link.assessor_id, []).append(link)
    size = 0
    for assessor in bundle.assessors:
        if size >= rows * 0.85:
            break
        taken.add(assessor.id)
        size += 2 + len(links_by.get(assessor.id, ()))
        if assessor.id in employer:
            orgs_needed.add(employer[assessor.id].organisation_id)
    theme_ids = {link.theme_id for a in taken for link in links_by.get(a, ())}
    parts = Bundle(
        organisations=[o for o in bundle.organisations if o.id in orgs_needed],
        themes=[t for t in bundle.themes if t.id in theme_ids],
        assessors=[a for a in bundle.assessors if a.id in taken],
        employments=[e for e in bundle.employments if e.assessor_id in taken],
        theme_links=[link for a in bundle.assessors if a.id in taken for link in links_by.get(a.id, ())],
        contacts=[c for c in bundle.contacts if c.from_id in taken and c.to_id in taken],
    )
    singles: list[Bundle] = []
    for kind in BUNDLE_KINDS:
        for row in getattr(parts, kind):
            if len(singles) >= rows:
                return singles
            single = Bundle()
            getattr(single, kind).append(row)
            singles.append(single)
    return singles


@contextmanager
def embedded_store() -> Iterator[GraphStore]:
    """A fresh embedded store in a temporary directory."""
    from graph.embedded.store import EmbeddedStore

    with tempfile.TemporaryDirectory(prefix="bridgework-bench-") as tmp:
        store = EmbeddedStore(Path(tmp) / "bench.sqlite3")
        try:
            store.ensure_schema()
            yield store
        finally:
            store.close()


@contextmanager
def neo4j_store() -> Iterator[GraphStore]:
    """The Neo4j at ``NEO4J_URI``, wiped before use."""
    from graph.neo4j.store import Neo4jStore

    store = Neo4jStore.connect(
        os.environ["NEO4J_URI"],
        user=os.environ.get("NEO4J_USER", "neo4j"),
        password=os.environ.get("NEO4J_PASSWORD", ""),
        database=os.environ.get("NEO4J_DATABASE", "neo4j"),
    )
    try:
        store.ensure_schema()
        store._wipe()
        yield store
    finally:
        store._wipe()
        store.close()


OPENERS: dict[str, Callable[[], object]] = {"embedded": embedded_store, "neo4j": neo4j_store}


def measure(opener: Callable, bundle: Bundle, singles: list[Bundle]) -> dict[str, float]:
    """Time the naive per-row import of ``singles`` and the batched import of ``bundle``, each on an empty store."""
    with opener() as store:
        started = time.perf_counter()
        for single in singles:
            store.bulk_upsert(single)
        naive_s = time.perf_counter() - started
    with opener() as store:
        started = time.perf_counter()
        report = store.bulk_upsert(bundle)
        batched_s = time.perf_counter() - started
        assert report.rows == len(bundle), (report.rows, len(bundle))
        assert store.counts() == {k: len(getattr(bundle, k)) for k in BUNDLE_KINDS}
        started = time.perf_counter()
        again = store.bulk_upsert(bundle)
        reimport_s = time.perf_counter() - started
        assert not again.changed
    naive_rate = len(singles) / naive_s
    batched_rate = len(bundle) / batched_s
    return {
        "naive_rows": len(singles),
        "naive_rows_per_s": naive_rate,
        "rows": len(bundle),
        "batched_s": batched_s,
        "batched_rows_per_s": batched_rate,
        "reimport_rows_per_s": len(bundle) / reimport_s,
        "ratio": batched_rate / naive_rate,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assessors", type=int, default=20_000)
    parser.add_argument("--organisations", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stores", default=None, help="embedded,neo4j (default: embedded, and neo4j if NEO4J_URI is set)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    stores = args.stores.split(",") if args.stores else ["embedded"] + (["neo4j"] if os.environ.get("NEO4J_URI") else [])

    started = time.perf_counter()
    net = demo.generate(assessors=args.assessors, organisations=args.organisations, seed=args.seed)
    bundle = net.bundle
    print(f"generated in {time.perf_counter() - started:.1f}s: " + ", ".join(f"{len(getattr(bundle, k))} {k}" for k in BUNDLE_KINDS))
    singles = naive_slice(bundle)

    missed = []
    print(f"{'store':<10}{'rows':>9}{'batched s':>11}{'rows/s':>10}{'re-import rows/s':>18}{'naive rows/s':>14}{'ratio':>8}")
    for name in stores:
        r = measure(OPENERS[name], bundle, singles)
        print(
            f"{name:<10}{r['rows']:>9}{r['batched_s']:>11.2f}{r['batched_rows_per_s']:>10.0f}"
            f"{r['reimport_rows_per_s']:>18.0f}{r['naive_rows_per_s']:>14.0f}{r['ratio']:>7.1f}x"
        )
        target = TARGETS.get(name)
        if target and (r["batched_rows_per_s"] < target["rows_per_s"] or r["ratio"] < target["ratio"]):
            missed.append(f"{name}: target {target['rows_per_s']} rows/s and {target['ratio']}x")
    for line in missed:
        print(f"MISSED {line}")
    return 1 if (missed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
