"""Running sets at scale: materialising meetings, set health of a big programme, reminders over the demo network.

Usage: ``.venv/bin/python bench/bench_meetings.py [--quick] [--sets N]``; the Neo4j part runs when
``NEO4J_URI`` is set (it wipes that database). Every time is printed with its ratio to a baseline
measured in the same run on the same store:

* sets at risk: computed from ONE store read of the programme (``programme_activity``) against
  the baseline of loading everything set by set (``get_set`` + ``meetings_of_set`` per set), the
  way a naive service would;
* reminders: a second ``send-reminders`` run (everything already sent) against the first.
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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.services import meetings as service  # noqa: E402
from api.services.notify import OutboxNotifier  # noqa: E402
from graph.embedded.store import EmbeddedStore  # noqa: E402
from graph.port import GraphStore  # noqa: E402
from graph.port_sets import NewSet  # noqa: E402
from network import demo, health  # noqa: E402
from network.domain import ActionLearningSet, Programme  # noqa: E402

TODAY = date(2026, 6, 2)  # a Tuesday: sets started 12 weeks before it, fortnightly, so 6 of 8 meetings are past
SET_SIZE = 5


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Median seconds of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def arrange(store: GraphStore, assessors: int, sets: int) -> str:
    """The demo network, one programme with ``sets`` active sets of five, meetings materialised and attendance recorded."""
    net = demo.generate(assessors=assessors, organisations=max(20, assessors // 50), seed=8)
    store.bulk_upsert(net.bundle)
    programme = store.create_programme(
        Programme(id="bench-prog", name="Bench programme", cadence="fortnightly", meetings=8, set_size_min=5)
    )
    people = [a.id for a in net.bundle.assessors if "tue-pm" in a.availability and a.capacity >= 1 and a.active][: sets * SET_SIZE]
    if len(people) < sets * SET_SIZE:
        raise SystemExit(f"only {len(people)} people free on Tuesday afternoons; ask for fewer sets")
    for a in people:
        store.enrol(programme.id, a)
    start = TODAY - timedelta(days=84)
    new = [
        NewSet(
            ActionLearningSet(
                id=f"bench-set-{k:04d}",
                name=f"Bench set {k + 1}",
                programme_id=programme.id,
                status="active",
                meeting_slot="tue-pm",
                cadence="fortnightly",
                starts_on=start,
            ),
            tuple(people[k * SET_SIZE : (k + 1) * SET_SIZE]),
        )
        for k in range(sets)
    ]
    store.commit_sets(programme.id, new, start - timedelta(days=7))
    rng = random.Random(8)
    for s in new:
        for m in service.ensure_meetings(store, s.set.id):
            if m.on < TODAY:
                # Most people come; some sets fade (a member stops coming), so some sets are at risk.
                fading = rng.random() < 0.2
                entries = {
                    a: (
                        "absent" if fading and i == 0 and m.number > 3 else rng.choices(["attended", "apologies", "absent"], [85, 10, 5])[0]
                    )
                    for i, a in enumerate(s.member_ids)
                }
                store.record_attendance(m.id, entries)
    for s in new[::10]:  # a drop-out in every tenth set
        store.end_membership(s.set.id, s.member_ids[-1], TODAY - timedelta(days=3))
    return programme.id


def naive_health(store: GraphStore, programme_id: str) -> list[health.SetHealth]:
    """The baseline: every set loaded on its own (set, then its meetings), then the same engine."""
    programme = store.get_programme(programme_id)
    facts = []
    for record in store.sets_of_programme(programme_id):
        full = store.get_set(record.id)
        meetings = store.meetings_of_set(record.id)
        facts.append(service.set_facts(full.id, full.set.name, full.set.status, full.current_member_ids, meetings, programme))
    return health.sets_at_risk(facts, TODAY)


def run(label: str, store: GraphStore, assessors: int, sets: int) -> None:
    """Arrange and time on one store."""
    t_arrange, programme_id = timed(lambda: arrange(store, assessors, sets))
    print(f"\n{label}: {assessors} assessors, one programme of {sets} sets of {SET_SIZE} (arranged in {t_arrange:.1f} s)")
    base, naive = timed(lambda: naive_health(store, programme_id), repeat=3)
    t, view = timed(lambda: service.programme_health(store, programme_id, TODAY), repeat=3)
    assert [h.set_id for h in view.at_risk] == [h.set_id for h in naive], "the two ways must agree"
    print(f"  baseline: load every set and its meetings one by one, then judge   {base * 1000:9.1f} ms   1.00")
    print(f"  sets at risk from one store read (programme_health)               {t * 1000:9.1f} ms   {t / base:.2f}")
    print(f"    {len(view.at_risk)} of {len(view.sets)} sets at risk; most urgent: {view.at_risk[0].name if view.at_risk else '-'}")

    # Reminders on the day before the next meetings: a meeting reminder per member and a turn reminder per turn.
    day = TODAY + timedelta(days=13)
    first, report = timed(lambda: service.send_reminders(store, day, notifier=OutboxNotifier()))
    second, again = timed(lambda: service.send_reminders(store, day, notifier=OutboxNotifier()))
    assert again.new == 0 and again.due == report.due, "a second run must send nothing"
    print(f"  send-reminders, first run ({report.new} new of {report.due} due)                 {first * 1000:9.1f} ms   1.00")
    print(f"  send-reminders, second run (nothing new)                          {second * 1000:9.1f} ms   {second / first:.2f}")
    t_mat, _ = timed(lambda: service.membership_changed(store, "bench-set-0000", TODAY), repeat=3)
    t_view, _ = timed(lambda: service.set_meetings(store, "bench-set-0001", today=TODAY), repeat=3)
    print(f"  one set's page (set_meetings) {t_view * 1000:.1f} ms; re-plan after a membership change {t_mat * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="A small network and 40 sets (a smoke run).")
    parser.add_argument("--sets", type=int, default=None, help="Sets in the programme (default 300, quick 40).")
    args = parser.parse_args()
    assessors = 3000 if args.quick else 20000
    sets = args.sets or (40 if args.quick else 300)
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "bench.sqlite3")
        try:
            run("embedded", store, assessors, sets)
        finally:
            store.close()
    uri = os.environ.get("NEO4J_URI")
    if uri:
        from graph.neo4j.store import Neo4jStore
        from graph.settings import StoreSettings

        settings = StoreSettings.from_env()
        neo = Neo4jStore.connect(uri, user=settings.neo4j_user, password=settings.neo4j_password, database=settings.neo4j_database)
        try:
            neo.ensure_schema()
            neo._wipe()
            run("neo4j", neo, assessors, sets)
            neo._wipe()
        finally:
            neo.close()
    else:
        print("\nneo4j: skipped (NEO4J_URI is not set)")


if __name__ == "__main__":
    main()
