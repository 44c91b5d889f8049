"""Set suggestions at the working size: candidate sets found in the store against a brute-force baseline, on each store.

Usage: ``.venv/bin/python bench/bench_joins.py [--quick] [--seekers N]``; the Neo4j part runs when
``NEO4J_URI`` is set (it wipes that database).

The network is the demo generator's (20,000 assessors, 400 organisations; ``--quick``: 3,000 / 60)
with about 300 active sets (10 programmes of 30 sets of 3 to 6 members from different
organisations, each meeting at a slot every member is free). For each seeker (active, free at
some time, in no set) it times :func:`api.services.joins.set_suggestions` (candidates and features
in the store, then formation scoring of the few that fit) and, in the same run on the same store,
the brute force: load every set of every programme and every member, then score each set with the
formation scorer (:func:`network.set_suggestions.suggest_sets`, which drops the sets that break a
rule). Both answers are compared (the same sets in the same order is "agree"). Printed: p50 and
p95 of each and their ratio.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.services import joins as service  # noqa: E402
from api.services.sets import theme_names, to_member  # noqa: E402
from graph.embedded.store import EmbeddedStore  # noqa: E402
from graph.port import GraphStore  # noqa: E402
from graph.port_sets import NewSet  # noqa: E402
from network import demo  # noqa: E402
from network.domain import ActionLearningSet, Programme  # noqa: E402
from network.set_suggestions import OpenSet, SetSuggestions, suggest_sets  # noqa: E402

PROGRAMMES = 10
SETS_PER_PROGRAMME = 30


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values`` by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def build(store: GraphStore, assessors: int, organisations: int, seed: int = 7) -> list[str]:
    """Load the demo network, form ~300 sets across 10 programmes; the ids of people in no set (seekers to choose from)."""
    net = demo.generate(assessors=assessors, organisations=organisations, seed=seed)
    store.bulk_upsert(net.bundle)
    employer = {e.assessor_id: e.organisation_id for e in net.bundle.employments}
    people = [a for a in net.bundle.assessors if a.active and not a.paused and a.availability]
    rng = random.Random(seed)
    used: set[str] = set()
    by_slot: dict[str, list[str]] = {}
    for a in people:
        for s in a.availability:
            by_slot.setdefault(s, []).append(a.id)
    slots = sorted(by_slot, key=lambda s: -len(by_slot[s]))[:6]
    for p in range(PROGRAMMES):
        programme = store.create_programme(
            Programme(id=f"bench-p{p}", name=f"Programme {p}", status="running", set_size_min=3, set_size_max=7, set_size_target=6)
        )
        new_sets = []
        for k in range(SETS_PER_PROGRAMME):
            slot = slots[(p + k) % len(slots)]
            size = rng.randint(3, 6)
            orgs: set[str | None] = set()
            members: list[str] = []
            for aid in rng.sample(by_slot[slot], min(60, len(by_slot[slot]))):
                if aid in used or employer.get(aid) in orgs:
                    continue
                members.append(aid)
                orgs.add(employer.get(aid))
                if len(members) == size:
                    break
            used.update(members)
            for aid in members:
                store.enrol(programme.id, aid)
            the_set = ActionLearningSet(
                id=f"bench-s{p}-{k:02d}", name=f"Set {p}.{k}", programme_id=programme.id, status="active", meeting_slot=slot
            )
            new_sets.append(NewSet(the_set, tuple(members)))
        store.commit_sets(programme.id, new_sets, date(2026, 1, 5))
    return [a.id for a in people if a.id not in used and a.capacity > 0]


def brute_force(store: GraphStore, assessor_id: str, limit: int) -> SetSuggestions:
    """Load every set and every member, then score each set with the formation scorer (the engine drops rule breakers)."""
    records = []
    programmes = {}
    after = None
    while True:
        page = store.list_programmes(limit=200, after=after)
        for p in page.items:
            programmes[p.id] = p
            records += [r for r in store.sets_of_programme(p.id) if r.set.status in ("forming", "active")]
        if page.next_after is None:
            break
        after = page.next_after
    ids = sorted({m for r in records for m in r.current_member_ids} | {assessor_id})
    people = {p.assessor.id: p for p in store.describe_members(ids)}
    isolated = {i for i, iso in store.isolation(ids).items() if iso.isolated}
    tied = {t.b_id if t.a_id == assessor_id else t.a_id for t in store.ties_among(ids) if assessor_id in (t.a_id, t.b_id)}
    seeker = to_member(people[assessor_id], assessor_id in isolated)
    sets = []
    for r in records:
        prog = programmes[r.set.programme_id or ""]
        if prog.status == "closed":
            continue
        members = tuple(dataclasses.replace(to_member(people[m], m in isolated), capacity_left=1) for m in sorted(r.current_member_ids))
        sets.append(
            OpenSet(
                id=r.id,
                name=r.set.name,
                status=r.set.status,
                programme_id=prog.id,
                programme_name=prog.name,
                rules=service._rules(prog),
                meeting_slot=r.set.meeting_slot,
                focus_themes=r.set.theme_ids,
                members=members,
                tied=frozenset(m for m in r.current_member_ids if m in tied),
                join_policy=prog.join_policy,
            )
        )
    return suggest_sets(seeker, sets, theme_names=theme_names(store), limit=limit)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run(store: GraphStore, assessors: int, organisations: int, seekers: int) -> None:
    """Build the network and time both ways for ``seekers`` people."""
    start = time.perf_counter()
    free = build(store, assessors, organisations)
    total_sets = sum(len(store.sets_of_programme(f"bench-p{p}")) for p in range(PROGRAMMES))
    print(f"  built {assessors} assessors, {total_sets} sets in {time.perf_counter() - start:.1f} s")
    chosen = random.Random(3).sample(free, min(seekers, len(free)))
    fast, slow, agree, found, considered = [], [], 0, 0, []
    service.set_suggestions(store, chosen[0])  # warm caches on both paths
    brute_force(store, chosen[0], 10)
    for aid in chosen:
        t1, mine = timed(partial(service.set_suggestions, store, aid, limit=10))
        t2, base = timed(partial(brute_force, store, aid, 10))
        fast.append(t1)
        slow.append(t2)
        considered.append(mine.result.considered)
        found += bool(mine.result.items)
        agree += [i.set_id for i in mine.result.items] == [i.set_id for i in base.items]
    p50, p95 = statistics.median(fast), percentile(fast, 0.95)
    b50, b95 = statistics.median(slow), percentile(slow, 0.95)
    print(f"  seekers {len(chosen)}; with suggestions {found}; candidate sets read per request: median {statistics.median(considered):.0f}")
    print(f"  set suggestions (store candidates) p50 {p50 * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms")
    print(f"  brute force (all sets)             p50 {b50 * 1000:8.1f} ms  p95 {b95 * 1000:8.1f} ms")
    print(f"  ratio brute/store                  p50 {b50 / p50:8.1f}x    p95 {b95 / p95:8.1f}x")
    print(f"  same top-10 as the brute force: {agree} of {len(chosen)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3,000 assessors and fewer seekers.")
    parser.add_argument("--seekers", type=int, default=None, help="Seekers timed (default 60, quick 15).")
    args = parser.parse_args()
    assessors, organisations = (3000, 60) if args.quick else (20000, 400)
    seekers = args.seekers or (15 if args.quick else 60)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"embedded store: {assessors} assessors")
        store = EmbeddedStore(Path(tmp) / "bench.sqlite3")
        try:
            store.ensure_schema()
            run(store, assessors, organisations, seekers)
        finally:
            store.close()
    uri = os.environ.get("NEO4J_URI")
    if uri:
        from graph.neo4j.store import Neo4jStore

        print(f"neo4j store ({uri}): {assessors} assessors")
        neo = Neo4jStore.connect(uri, user=os.environ.get("NEO4J_USER", "neo4j"), password=os.environ.get("NEO4J_PASSWORD", ""))
        try:
            neo.ensure_schema()
            neo._wipe()
            run(neo, assessors, organisations, seekers)
            neo._wipe()
        finally:
            neo.close()
    else:
        print("neo4j: skipped (set NEO4J_URI to include it)")


if __name__ == "__main__":
    main()
