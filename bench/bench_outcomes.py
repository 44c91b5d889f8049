"""Outcomes benchmark: a programme's aggregate report computed in the store, against loading every answer into Python.

Workload: one running programme of ``--members`` people (default 2,000; ``--quick`` 300) in sets
of six, who answer the default three questions at the start (everyone), after 3 months (80 %)
and after 6 months (65 %), with answers drawn with the seed; a second programme a quarter of its size
beside it, so the store has to pick one programme's answers out.

What is measured, per store (median of ``--repeat`` runs after one warm-up):

* **in the store**: :func:`api.services.outcomes.report` — ``outcome_histograms`` (counts per
  value and paired changes by ``GROUP BY`` in SQLite / aggregation in Cypher) plus the pure
  report with suppression;
* **baseline**: read every answer row of the programme (one query), build the same histograms in
  Python (:func:`network.outcomes.histograms_from_answers`) and the same report.

Both reports are checked equal, so the comparison is like for like. Printed: times, rows moved,
and the ratio baseline / store (above 1: the store is faster).

Usage::

    python bench/bench_outcomes.py [--quick] [--members 2000] [--repeat 7] [--seed 1]

Neo4j is measured when ``NEO4J_URI`` is set (its database is WIPED: use a throwaway server such
as ``scripts/neo4j-test-server``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.services import outcomes as service  # noqa: E402
from graph.embedded.store import EmbeddedStore  # noqa: E402
from graph.port import GraphStore  # noqa: E402
from graph.port_outcomes import AnswerRecord  # noqa: E402
from graph.port_sets import NewSet  # noqa: E402
from network.domain import ActionLearningSet, Assessor, Programme  # noqa: E402
from network.outcomes import DEFAULT_QUESTIONS, OutcomeReport, Questionnaire, build_report, histograms_from_answers, questions_json  # noqa: E402

START = date(2026, 1, 12)
#: The day of the report: every wave has closed.
TODAY = date(2026, 12, 31)
#: Share of members answering each wave.
RESPONSE = {"start": 1.0, "3m": 0.8, "6m": 0.65}

# The baseline's one read of every answer of a programme (a bench-only query: the product never loads individual answers).
_SQL_ALL_ANSWERS = "SELECT assessor_id, wave, question_key, value FROM outcome_values WHERE programme_id = ?"
_CYPHER_ALL_ANSWERS = """
MATCH (:Programme {id: $programme_id})<-[r:ANSWERED]-(a:Assessor)
RETURN a.id AS assessor_id, r.wave AS wave, r.keys AS keys, r.values AS values
"""


def load(store: GraphStore, members: int, seed: int) -> list[str]:
    """The measured programme of ``members`` people and a smaller one beside it, in sets of six, with answers to three waves."""
    rng = random.Random(seed)
    programmes = []
    for p, size in enumerate((members, max(6, members // 4))):
        prog = store.create_programme(Programme(id=f"bench-p{p}", name=f"Bench programme {p}", status="running", starts_on=START))
        ids = []
        for k in range(size):
            a = store.create_assessor(Assessor(id=f"bench-a{p}-{k:05d}", name=f"Member {k}"))
            store.enrol(prog.id, a.id)
            ids.append(a.id)
        sets = [
            NewSet(
                ActionLearningSet(id=f"bench-s{p}-{k:04d}", name=f"Set {k}", programme_id=prog.id, status="active"), tuple(ids[i : i + 6])
            )
            for k, i in enumerate(range(0, size, 6))
        ]
        store.commit_sets(prog.id, sets, joined=START)
        store.save_questionnaire(prog.id, questions_json(DEFAULT_QUESTIONS), 0, frozenset())
        for who in ids:
            confidence, isolation, peers = rng.randint(1, 4), rng.randint(2, 5), rng.randint(0, 6)
            for wave, share in RESPONSE.items():
                if rng.random() >= share:
                    continue
                values = (("confidence", confidence), ("isolation", isolation), ("peers", peers))
                store.save_answer(AnswerRecord(prog.id, wave, who, 1, START, values))
                confidence = min(5, confidence + rng.choice((0, 0, 1)))
                isolation = max(1, isolation - rng.choice((0, 1, 1)))
                peers = min(50, peers + rng.randint(0, 3))
        programmes.append(prog.id)
    return programmes


def baseline_rows(store: GraphStore, programme_id: str) -> list[tuple[str, str, dict[str, int]]]:
    """Every answer of the programme as ``(assessor, wave, {key: value})``, read in one query."""
    answers: dict[tuple[str, str], dict[str, int]] = {}
    if isinstance(store, EmbeddedStore):
        with store._transaction(write=False) as conn:
            for assessor_id, wave, key, value in conn.execute(_SQL_ALL_ANSWERS, (programme_id,)):
                answers.setdefault((assessor_id, wave), {})[key] = value
    else:
        records = store._read(lambda tx: list(tx.run(_CYPHER_ALL_ANSWERS, programme_id=programme_id)))  # type: ignore[attr-defined]
        for r in records:
            answers[(r["assessor_id"], r["wave"])] = dict(zip(r["keys"], r["values"], strict=True))
    return [(a, w, v) for (a, w), v in answers.items()]


def baseline_report(store: GraphStore, programme_id: str) -> OutcomeReport:
    """The report from every answer loaded into Python."""
    rows = baseline_rows(store, programme_id)
    versions = service.versions(store, programme_id) or [Questionnaire(programme_id, 0, DEFAULT_QUESTIONS)]
    return build_report(programme_id, versions, histograms_from_answers(rows), starts_on=START, today=TODAY)


def timed(work: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of ``repeat`` runs after a warm-up, and the last result."""
    result = work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run(store: GraphStore, members: int, repeat: int, seed: int) -> None:
    """Load, time both ways, check they agree and print the ratio."""
    started = time.perf_counter()
    programme_id = load(store, members, seed)[0]
    rows = baseline_rows(store, programme_id)
    took = time.perf_counter() - started
    print(f"  loaded programmes of {members} and {max(6, members // 4)} members, {len(rows)} answers in the measured one ({took:.1f} s)")
    in_store, report = timed(lambda: service.report(store, programme_id, TODAY), repeat)
    base, expected = timed(lambda: baseline_report(store, programme_id), repeat)
    assert report == expected, "the store's report differs from the baseline's"
    hist = store.outcome_histograms(programme_id)
    moved = len(hist.values) + len(hist.changes) + len(hist.respondents)
    print(f"  in the store: {in_store * 1000:8.1f} ms  ({moved} histogram rows leave the store)")
    print(f"  baseline    : {base * 1000:8.1f} ms  ({len(rows)} answers x 3 values leave the store)")
    print(f"  ratio baseline / store: {base / in_store:.2f}x")
    published = sum(1 for qr in report.questions for _, s in qr.waves if not s.suppressed)
    print(f"  report: respondents {dict(report.respondents)}, {published} published question-waves")


def main() -> None:
    """Run the benchmark on the embedded store, and on Neo4j when ``NEO4J_URI`` is set."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="300 members, 3 repeats.")
    parser.add_argument("--members", type=int, default=None, help="Members of the programme (default 2000, quick 300).")
    parser.add_argument("--repeat", type=int, default=None, help="Timed runs per way (default 7, quick 3).")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    members = args.members or (300 if args.quick else 2000)
    repeat = args.repeat or (3 if args.quick else 7)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"embedded store: programme of {members} members x 3 waves")
        store = EmbeddedStore(Path(tmp) / "bench.sqlite3")
        try:
            store.ensure_schema()
            run(store, members, repeat, args.seed)
        finally:
            store.close()
    uri = os.environ.get("NEO4J_URI")
    if uri:
        from graph.neo4j.store import Neo4jStore

        print(f"neo4j store ({uri}): programme of {members} members x 3 waves")
        neo = Neo4jStore.connect(uri, user=os.environ.get("NEO4J_USER", "neo4j"), password=os.environ.get("NEO4J_PASSWORD", ""))
        try:
            neo.ensure_schema()
            neo._wipe()
            run(neo, members, repeat, args.seed)
            neo._wipe()
        finally:
            neo.close()
    else:
        print("neo4j: skipped (set NEO4J_URI to include it)")


if __name__ == "__main__":
    main()
