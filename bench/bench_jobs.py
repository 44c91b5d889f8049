"""Jobs and onboarding benchmark: what running an import as a background job costs against writing it directly.

Measured in one run, on each store (absolute times on a shared 2-core machine are noisy; ratios are not):

* **job overhead**: start → done of an empty job (store a queued job, a pool thread picks it up, marks it
  running, stores the result), mean over many jobs;
* **onboarding**: one organisation's upload (default 5,000 assessors with their themes and the contacts
  among them, written as the CSV files of the import format) is checked (``check_dir``: every row, rows/s),
  then imported through the job (``start_import`` → done) on an empty store, against ``bulk_upsert`` of the
  same bundle on another empty store (alternating, best of two each). The ratio job / direct shows what the
  job adds to the write itself (queueing, progress and state writes, the audit entry), timed by the job's own
  record (created → finished) while it is polled every 250 ms.

Usage::

    python bench/bench_jobs.py [--assessors 5000] [--jobs 200] [--stores embedded,neo4j] [--quick]

Neo4j is measured when ``NEO4J_URI`` is set (its database is WIPED: use a throwaway server such as
``scripts/neo4j-test-server``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from api import jobs
from api.services import onboarding
from graph.port import GraphStore
from graph.port_jobs import JobRecord
from network import csvio, demo
from network.bundle import Bundle
from network.domain import Organisation


@contextmanager
def fresh_store(kind: str, directory: Path) -> Iterator[GraphStore]:
    """An empty store of ``kind``."""
    if kind == "embedded":
        from graph.embedded.store import EmbeddedStore

        store: GraphStore = EmbeddedStore(directory / f"bench-{time.monotonic_ns()}.sqlite3")
        store.ensure_schema()
        try:
            yield store
        finally:
            store.close()
    else:
        from graph.neo4j.store import Neo4jStore
        from graph.settings import StoreSettings

        settings = StoreSettings.from_env()
        assert settings.neo4j_uri is not None
        neo = Neo4jStore.connect(
            settings.neo4j_uri, user=settings.neo4j_user, password=settings.neo4j_password, database=settings.neo4j_database
        )
        try:
            neo.ensure_schema()
            neo._wipe()
            yield neo
            neo._wipe()
        finally:
            neo.close()


def wait(store: GraphStore, job_id: str, timeout: float = 600.0, every: float = 0.01) -> JobRecord:
    """The finished job (polling the store every ``every`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = store.get_job(job_id)
        if job.finished:
            return job
        time.sleep(every)
    raise RuntimeError(f"job {job_id} did not finish")


def job_seconds(store: GraphStore, job_id: str) -> float:
    """How long the job took by its own record (created → finished), polled slowly so the polling does not slow it."""
    job = wait(store, job_id, every=0.25)
    assert job.status == "done", job.error
    return (job.updated_at - job.created_at).total_seconds()


def job_overhead(store: GraphStore, count: int) -> float:
    """Mean seconds from start_job to done for an empty job."""
    times = []
    for _ in range(count):
        began = time.perf_counter()
        job = wait(store, jobs.start_job("bench", "u-bench", lambda ctx: {}, store=store))
        times.append(time.perf_counter() - began)
        assert job.status == "done"
    return statistics.mean(times)


def organisation_upload(assessors: int, directory: Path) -> tuple[Path, Organisation]:
    """One organisation's people as the import format's files (assessors, contacts), its organisation row apart."""
    net = demo.generate(assessors=assessors, organisations=1, seed=7)
    bundle = net.bundle
    organisation = bundle.organisations[0]
    files = Bundle(assessors=bundle.assessors, employments=bundle.employments, theme_links=bundle.theme_links, contacts=bundle.contacts)
    csvio.write_dir(files, directory)
    (directory / csvio.ORGANISATIONS_CSV).unlink()
    (directory / csvio.THEMES_CSV).unlink()  # the demo's themes are the built-in taxonomy
    return directory, organisation


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def run(kind: str, assessors: int, job_count: int, work: Path, repeats: int = 2) -> dict[str, float]:
    """Job overhead, check speed, and the best of ``repeats`` imports each way (alternating, each on an empty store)."""
    upload, organisation = organisation_upload(assessors, work / f"upload-{kind}")
    with fresh_store(kind, work) as store:
        overhead = job_overhead(store, job_count)
        store.create_organisation(organisation)
        began = time.perf_counter()
        found = onboarding.check_dir(store, organisation.id, upload, may_change_network=False)
        check_s = time.perf_counter() - began
    assert found.ok, found.errors[:5]
    job_times, direct_times = [], []
    for _ in range(repeats):  # alternate, so warm-up and cache effects fall on both sides alike
        with fresh_store(kind, work) as direct:
            direct.create_organisation(organisation)
            direct_times.append(timed(lambda: direct.bulk_upsert(found.bundle)))
        with fresh_store(kind, work) as store:
            store.create_organisation(organisation)
            job_times.append(job_seconds(store, onboarding.start_import(store, found, "u-bench")))
            assert store.counts()["assessors"] == assessors
    job_s, direct_s = min(job_times), min(direct_times)
    return {
        "job_overhead_ms": overhead * 1000,
        "csv_rows": found.rows,
        "check_rows_per_s": found.rows / check_s,
        "rows": len(found.bundle),
        "job_s": job_s,
        "direct_s": direct_s,
        "ratio": job_s / direct_s,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessors", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--quick", action="store_true", help="500 assessors, 50 jobs")
    args = parser.parse_args(argv)
    if args.quick:
        args.assessors, args.jobs = 500, 50
    kinds = [k for k in args.stores.split(",") if k == "embedded" or (k == "neo4j" and os.environ.get("NEO4J_URI"))]
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as temp:
        for kind in kinds:
            r = run(kind, args.assessors, args.jobs, Path(temp))
            print(
                f"{kind:9} empty job start->done {r['job_overhead_ms']:.1f} ms (mean of {args.jobs}); "
                f"check {r['csv_rows']:.0f} CSV rows at {r['check_rows_per_s']:,.0f} rows/s; "
                f"import {r['rows']:.0f} rows: job {r['job_s']:.2f} s vs direct bulk_upsert {r['direct_s']:.2f} s "
                f"(ratio job/direct {r['ratio']:.2f})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
