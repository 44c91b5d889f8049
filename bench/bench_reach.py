"""Reach benchmark: one organisation's view and the whole-network report, in each store, against loading the graph into Python.

Workload: the generated network (default 20,000 assessors, 400 organisations, about 30,000
contacts) bulk loaded into each store, plus action learning sets made through the sets store
methods (a few hundred sets of six from different organisations, joined on different dates;
one batch closed, some members left), so that set ties, former ties and history all count.

What is measured, per store:

* **organisation view**: ``organisation_reach(org, hops=2)`` plus ``organisation_history(org,
  12 months)`` (what ``GET /api/v1/organisations/<id>/reach`` asks the store for): p50 and p95
  over 100 organisations (drawn with the seed, after a warm-up on 10 others);
* **network report**: ``network_reach()``, the best of 3 runs;
* **network map** (issue 7): ``reach_map(org)`` (what ``GET /api/v1/organisations/<id>/map`` asks
  the store for: the organisation's assessors, whom they reach within two hops through people who
  may be found, their ties, capped at 300 people): p50 and p95 over the same organisations, with
  how many were capped.

Baseline, same run: load the whole graph into Python (``export_bundle`` plus every programme's
sets) and compute the same figures (and the same map) there, per request. Its numbers are checked equal to the
store's on the sampled organisations and the whole network, so the comparison is like for like.

Targets (issue 5): organisation view p95 <= 100 ms; network report <= 5 s on Neo4j; both faster
than the baseline.

Usage::

    python bench/bench_reach.py [--quick] [--assessors 20000] [--organisations 400] [--seed 1]
                                [--stores embedded,neo4j] [--check] [--map-only]

``--quick``: 4,000 assessors, 80 organisations, 30 organisations timed. Neo4j is measured when
``NEO4J_URI`` is set (its database is WIPED: use a throwaway server such as
``scripts/neo4j-test-server``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from graph.port import GraphStore
from graph.port_sets import NewSet
from network import demo
from network.domain import ActionLearningSet, Organisation, Programme
from network.reach import (
    MAP_LIMIT,
    IsolatedAssessor,
    Isolation,
    MonthReach,
    NetworkReach,
    OrganisationFigures,
    OrganisationReach,
    OrganisationTie,
    PartnerRow,
    ReachMap,
    RegionRow,
    assemble_map,
    assemble_reach,
    isolated_since,
    month_end,
    month_range,
    network_reach,
    select_map_people,
)

ORG_VIEW_P95_MS = 100.0
NETWORK_S = {"neo4j": 5.0}

SET_SIZE = 6
SETS_PER_BATCH = 50


# -- stores -----------------------------------------------------------------------------------


@contextmanager
def embedded_store() -> Iterator[GraphStore]:
    """A fresh embedded store in a temporary directory."""
    from graph.embedded.store import EmbeddedStore

    with tempfile.TemporaryDirectory(prefix="bridgework-bench-") as tmp:
        store = EmbeddedStore(Path(tmp) / "bench.sqlite3")
        try:
            yield store
        finally:
            store.close()


@contextmanager
def neo4j_store() -> Iterator[GraphStore]:
    """The Neo4j at ``NEO4J_URI``, wiped before and after use."""
    from graph.neo4j.store import Neo4jStore

    store = Neo4jStore.connect(
        os.environ["NEO4J_URI"],
        user=os.environ.get("NEO4J_USER", "neo4j"),
        password=os.environ.get("NEO4J_PASSWORD", ""),
        database=os.environ.get("NEO4J_DATABASE", "neo4j"),
    )
    try:
        store.ensure_schema()
        store._wipe()  # type: ignore[attr-defined]
        yield store
    finally:
        store._wipe()  # type: ignore[attr-defined]
        store.close()


OPENERS: dict[str, Callable[[], object]] = {"embedded": embedded_store, "neo4j": neo4j_store}


def add_sets(store: GraphStore, net: demo.DemoNetwork, batches: int, seed: int) -> int:
    """Batches of active sets (one programme each, members from different organisations); close one batch, let some leave."""
    rng = random.Random(seed)
    reference = net.reference_date or date(2025, 1, 1)
    employer = {e.assessor_id: e.organisation_id for e in net.bundle.employments}
    pool = [a.id for a in net.bundle.assessors if a.active and a.capacity >= 1 and a.id in employer]
    rng.shuffle(pool)
    made = 0
    for b in range(batches):
        programme = store.create_programme(Programme(id=f"bench-prog-{b}", name=f"Bench programme {b}"))
        sets: list[NewSet] = []
        while len(sets) < SETS_PER_BATCH and len(pool) >= SET_SIZE:
            members: list[str] = []
            orgs: set[str] = set()
            for candidate in list(pool):
                if employer[candidate] not in orgs:
                    members.append(candidate)
                    orgs.add(employer[candidate])
                    pool.remove(candidate)
                    if len(members) == SET_SIZE:
                        break
            new = ActionLearningSet(
                id=f"bench-set-{b}-{len(sets)}", name=f"Bench set {b}.{len(sets)}", programme_id=programme.id, status="active"
            )
            sets.append(NewSet(set=new, member_ids=tuple(members)))
        for s in sets:
            for m in s.member_ids:
                store.enrol(programme.id, m)
        joined = reference - timedelta(days=60 * (batches - b))
        store.commit_sets(programme.id, sets, joined=joined)
        made += len(sets)
        if b == 0:
            for s in sets:
                store.set_set_status(s.set.id, "closed", on=joined + timedelta(days=45))
        else:
            for s in sets[::5]:
                store.end_membership(s.set.id, s.member_ids[0], joined + timedelta(days=20))
    return made


# -- the baseline: the whole graph in Python ----------------------------------------------------


@dataclass
class Graph:
    """Everything reach needs, loaded into Python."""

    orgs: dict[str, Organisation] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    active: set[str] = field(default_factory=set)
    discoverable: set[str] = field(default_factory=set)
    region: dict[str, str | None] = field(default_factory=dict)
    org_of: dict[str, str] = field(default_factory=dict)
    since: dict[str, date | None] = field(default_factory=dict)
    staff: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    ties: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    in_set: set[str] = field(default_factory=set)
    #: (a, b, started, ended) for history, both directions, active ends only.
    events: dict[str, list[tuple[str, date | None, date | None]]] = field(default_factory=lambda: defaultdict(list))
    #: per assessor: former set co-memberships, as (other, started, ended).
    former: dict[str, list[tuple[str, date, date]]] = field(default_factory=lambda: defaultdict(list))


def load(store: GraphStore) -> Graph:
    """Export the whole graph (and every programme's sets) into a :class:`Graph`."""
    g = Graph()
    bundle = store.export_bundle()
    g.orgs = {o.id: o for o in bundle.organisations}
    for a in bundle.assessors:
        g.names[a.id] = a.name
        g.region[a.id] = a.region
        if a.active:
            g.active.add(a.id)
        if a.discoverable:
            g.discoverable.add(a.id)
    for e in bundle.employments:
        g.org_of[e.assessor_id] = e.organisation_id
        g.since[e.assessor_id] = e.since
        if e.assessor_id in g.active:
            g.staff[e.organisation_id].append(e.assessor_id)
    for c in bundle.contacts:
        if c.status == "accepted" and c.from_id in g.active and c.to_id in g.active:
            g.ties[c.from_id].add(c.to_id)
            g.ties[c.to_id].add(c.from_id)
            g.events[c.from_id].append((c.to_id, c.since, None))
            g.events[c.to_id].append((c.from_id, c.since, None))
    records = []
    after = None
    while True:
        page = store.list_programmes(limit=500, after=after)
        for p in page.items:
            records += store.sets_of_programme(p.id)
        after = page.next_after
        if after is None:
            break
    for r in records:
        status = r.set.status
        for m1 in r.members:
            if status == "active" and m1.left is None:
                g.in_set.add(m1.assessor_id)
            for m2 in r.members:
                if m1.assessor_id == m2.assessor_id:
                    continue
                x, y = m1.assessor_id, m2.assessor_id
                started = max(m1.joined, m2.joined)
                lefts = [x for x in (m1.left, m2.left) if x is not None]
                ended = min(lefts) if lefts else None
                current = status == "active" and not lefts
                if current and x in g.active and y in g.active:
                    g.ties[x].add(y)
                if (status == "active" or (status == "closed" and lefts)) and x in g.active and y in g.active:
                    g.events[x].append((y, started, ended))
                if status in ("active", "closed") and not current:
                    end = ended if ended is not None else started
                    if started <= end:
                        g.former[x].append((y, started, end))
    return g


def _joined_by(since: date | None, day: date) -> bool:
    return since is None or since <= day


def _crosses(g: Graph, org: str | None, b: str) -> bool:
    return org is None or g.org_of.get(b) != org


def _isolated(g: Graph, a: str) -> IsolatedAssessor | None:
    org = g.org_of.get(a)
    if a in g.active and any(_crosses(g, org, b) for b in g.ties[a]):
        return None
    ends = [end for b, _, end in g.former[a] if _crosses(g, org, b)]
    sole = org is not None and not any(x != a for x in g.staff[org])
    return IsolatedAssessor(a, g.names[a], org, sole, isolated_since(g.since.get(a), max(ends) if ends else None))


def baseline_org_view(g: Graph, org_id: str, months: list[date]) -> tuple[OrganisationReach, list[MonthReach]]:
    """One organisation's figures and history, computed in Python from the loaded graph."""
    org = g.orgs[org_id]
    members = g.staff[org_id]
    isolated = [i for i in (_isolated(g, a) for a in members) if i is not None]
    partner_pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    region_holders: dict[str, set[str]] = defaultdict(set)
    hop1: set[str] = set()
    for a in members:
        for b in g.ties[a]:
            hop1.add(b)
            other = g.org_of.get(b)
            if other == org_id:
                continue
            if other is not None:
                partner_pairs[other].add((a, b))
            region = g.orgs[other].region if other is not None else g.region.get(b)
            if region is not None and region != org.region:
                region_holders[region].add(a)
    partners = [
        PartnerRow(o, g.orgs[o].name, g.orgs[o].region, len(pairs), len({a for a, _ in pairs}), min(a for a, _ in pairs))
        for o, pairs in partner_pairs.items()
    ]
    regions = [RegionRow(r, len(holders), min(holders)) for r, holders in region_holders.items()]
    reached2 = {g.org_of[c] for b in hop1 for c in g.ties[b] if c in g.org_of and g.org_of[c] != org_id}
    two = [(o, g.orgs[o].name, g.orgs[o].region) for o in reached2]
    figures = assemble_reach(
        org,
        2,
        assessors=len(members),
        in_active_set=sum(1 for a in members if a in g.in_set),
        isolated=isolated,
        partners=partners,
        regions=regions,
        two_hops=two,
        names=g.names,
    )
    history = []
    for m in months:
        d = month_end(m)
        here = [a for a in members if _joined_by(g.since.get(a), d)]
        tied: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        reached: set[str] = set()
        for a in here:
            for b, started, ended in g.events[a]:
                if (started is not None and started > d) or (ended is not None and ended <= d):
                    continue
                b_org = g.org_of.get(b) if _joined_by(g.since.get(b), d) else None
                if b_org == org_id:
                    continue
                tied.add(a)
                pairs.add((a, b))
                if b_org is not None:
                    reached.add(b_org)
        history.append(MonthReach(m, len(here), len(here) - len(tied), len(pairs), len(reached)))
    return figures, history


def baseline_network(g: Graph) -> NetworkReach:
    """The network report, computed in Python from the loaded graph."""
    rows = []
    for o in g.orgs.values():
        members = g.staff[o.id]
        isolated = sum(1 for a in members if not any(_crosses(g, o.id, b) for b in g.ties[a]))
        rows.append(OrganisationFigures(o.id, o.name, o.region, len(members), isolated, sum(1 for a in members if a in g.in_set)))
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for a, bs in g.ties.items():
        for b in bs:
            if a < b and a in g.org_of and b in g.org_of:
                x, y = sorted((g.org_of[a], g.org_of[b]))
                pairs[(x, y)] += 1
    loose = [a for a in g.active if a not in g.org_of]
    loose_isolated = sum(1 for a in loose if not g.ties[a])
    return network_reach(
        rows,
        [OrganisationTie(x, y, n) for (x, y), n in pairs.items()],
        assessors=sum(r.assessors for r in rows) + len(loose),
        isolated=sum(r.isolated for r in rows) + loose_isolated,
        without_organisation=len(loose),
    )


def baseline_map(g: Graph, org_id: str, limit: int = MAP_LIMIT) -> ReachMap:
    """One organisation's map, computed in Python from the loaded graph (same rules as the stores)."""
    own = g.staff[org_id]

    def visible(b: str) -> bool:
        return b in g.active and b in g.discoverable and g.org_of.get(b) != org_id

    near = {b for a in own for b in g.ties[a] if visible(b)}
    far = {c for b in near for c in g.ties[b] if visible(c)}
    rows = [(a, 0) for a in own] + [(b, 1) for b in near] + [(c, 2) for c in far]
    kept, total = select_map_people(rows, limit)
    people = {i: (g.names[i], g.org_of.get(i)) for i, _ in kept}
    isolation = {}
    for a, hops in kept:
        if hops == 0:
            i = _isolated(g, a)
            sole = not any(x != a for x in g.staff[org_id])
            isolation[a] = Isolation(a, i is not None, sole, i.isolated_since if i else None)
    ties = [(a, b) for a in people for b in g.ties[a] if b in people and a < b]
    orgs = [g.orgs[o] for o in {org for _, org in people.values() if org is not None}]
    return assemble_map(g.orgs[org_id], kept, total, limit, people=people, isolation=isolation, ties=ties, organisations=orgs)


def measure_map(store: GraphStore, orgs: list[str], warm: list[str], baseline_samples: int) -> dict[str, float]:
    """Time the store's map and the load-everything baseline on the same organisations; check they agree."""
    for org in warm:
        store.reach_map(org)
    runs: list[float] = []
    sizes: list[int] = []
    capped = 0
    for org in orgs:
        started = time.perf_counter()
        m = store.reach_map(org)
        runs.append(time.perf_counter() - started)
        sizes.append(m.total_people)
        capped += m.truncated
    base_runs = []
    for org in orgs[:baseline_samples]:
        started = time.perf_counter()
        expected = baseline_map(load(store), org)
        base_runs.append(time.perf_counter() - started)
        assert expected == store.reach_map(org), f"baseline and store disagree on the map of {org}"
    return {
        "map_p50_ms": 1000 * statistics.median(runs),
        "map_p95_ms": 1000 * p(runs, 0.95),
        "base_map_ms": 1000 * min(base_runs),
        "people_median": statistics.median(sizes),
        "people_max": max(sizes),
        "capped": capped,
    }


# -- measuring ------------------------------------------------------------------------------------


def p(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def measure(store: GraphStore, orgs: list[str], warm: list[str], months: list[date], baseline_samples: int) -> dict[str, float]:
    """Time the store and the baseline on the same organisations; check they agree."""
    for org in warm:
        store.organisation_reach(org, hops=2)
        store.organisation_history(org, months)
    views: list[float] = []
    for org in orgs:
        started = time.perf_counter()
        store.organisation_reach(org, hops=2)
        store.organisation_history(org, months)
        views.append(time.perf_counter() - started)
    network_runs = []
    for _ in range(3):
        started = time.perf_counter()
        report = store.network_reach()
        network_runs.append(time.perf_counter() - started)

    base_views = []
    for org in orgs[:baseline_samples]:
        started = time.perf_counter()
        g = load(store)
        figures, history = baseline_org_view(g, org, months)
        base_views.append(time.perf_counter() - started)
        assert figures == store.organisation_reach(org, hops=2), f"baseline and store disagree on {org}"
        assert history == store.organisation_history(org, months), f"baseline and store disagree on {org}'s history"
    started = time.perf_counter()
    base_report = baseline_network(load(store))
    base_network = time.perf_counter() - started
    assert base_report == report, "baseline and store disagree on the network report"
    return {
        "view_p50_ms": 1000 * statistics.median(views),
        "view_p95_ms": 1000 * p(views, 0.95),
        "network_s": min(network_runs),
        "base_view_ms": 1000 * min(base_views),
        "base_network_s": base_network,
        "isolated": report.isolated,
        "assessors": report.assessors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller network and fewer organisations timed")
    parser.add_argument("--assessors", type=int, default=None)
    parser.add_argument("--organisations", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stores", default=None, help="embedded,neo4j (default: embedded, and neo4j if NEO4J_URI is set)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--map-only", action="store_true", help="measure only the network map (issue 7)")
    args = parser.parse_args(argv)
    assessors = args.assessors or (4_000 if args.quick else 20_000)
    organisations = args.organisations or (80 if args.quick else 400)
    timed = 30 if args.quick else 100
    baseline_samples = 3 if args.quick else 5
    batches = 2 if args.quick else 6
    stores = args.stores.split(",") if args.stores else ["embedded"] + (["neo4j"] if os.environ.get("NEO4J_URI") else [])

    net = demo.generate(assessors=assessors, organisations=organisations, seed=args.seed)
    rng = random.Random(args.seed)
    org_ids = [o.id for o in net.bundle.organisations]
    sample = rng.sample(org_ids, min(len(org_ids), timed + 10))
    warm, orgs = sample[:10], sample[10:]
    today = net.reference_date or date.today()
    months = month_range(None, None, today)
    print(
        f"network: {assessors} assessors, {organisations} organisations, {len(net.bundle.contacts)} contacts; "
        f"{batches * SETS_PER_BATCH} sets of {SET_SIZE} planned; {len(orgs)} organisations timed, history of {len(months)} months"
    )
    missed = []
    header = f"{'store':<10}{'view p50':>10}{'view p95':>10}{'network':>10}{'base view':>11}{'base net':>10}{'view x':>8}{'net x':>7}"
    rows = []
    map_rows = []
    for name in stores:
        with OPENERS[name]() as store:  # type: ignore[attr-defined]
            started = time.perf_counter()
            store.bulk_upsert(net.bundle)
            made = add_sets(store, net, batches, args.seed)
            print(f"{name}: loaded with {made} sets in {time.perf_counter() - started:.1f}s")
            r = None if args.map_only else measure(store, orgs, warm, months, baseline_samples)
            mr = measure_map(store, orgs, warm, baseline_samples)
        map_x = mr["base_map_ms"] / mr["map_p95_ms"]
        map_rows.append(
            f"{name:<10}{mr['map_p50_ms']:>8.1f}ms{mr['map_p95_ms']:>8.1f}ms{mr['base_map_ms']:>9.0f}ms{map_x:>7.1f}x"
            f"{mr['people_median']:>9.0f}{mr['people_max']:>7}{mr['capped']:>4}/{len(orgs)}"
        )
        if mr["map_p95_ms"] > ORG_VIEW_P95_MS:
            missed.append(f"{name}: map p95 {mr['map_p95_ms']:.1f} ms > {ORG_VIEW_P95_MS} ms")
        if map_x <= 1:
            missed.append(f"{name}: map not faster than the baseline ({map_x:.1f}x)")
        if r is None:
            continue
        view_x = r["base_view_ms"] / r["view_p95_ms"]
        net_x = r["base_network_s"] / r["network_s"]
        rows.append(
            f"{name:<10}{r['view_p50_ms']:>8.1f}ms{r['view_p95_ms']:>8.1f}ms{r['network_s']:>9.2f}s{r['base_view_ms']:>9.0f}ms"
            f"{r['base_network_s']:>9.2f}s{view_x:>7.1f}x{net_x:>6.1f}x"
        )
        print(f"{name}: {r['assessors']} active assessors, {r['isolated']} isolated; baseline agrees with the store")
        if r["view_p95_ms"] > ORG_VIEW_P95_MS:
            missed.append(f"{name}: organisation view p95 {r['view_p95_ms']:.1f} ms > {ORG_VIEW_P95_MS} ms")
        if name in NETWORK_S and r["network_s"] > NETWORK_S[name]:
            missed.append(f"{name}: network report {r['network_s']:.2f} s > {NETWORK_S[name]} s")
        if view_x <= 1 or net_x <= 1:
            missed.append(f"{name}: not faster than the baseline (view {view_x:.1f}x, network {net_x:.1f}x)")
    if rows:
        print(header)
        for row in rows:
            print(row)
        print("view x: fastest baseline view over the store's view p95; net x: baseline network report over the store's best")
    print(f"{'store':<10}{'map p50':>10}{'map p95':>10}{'base map':>11}{'map x':>8}{'people':>9}{'max':>7}{'capped':>9}")
    for row in map_rows:
        print(row)
    print(
        "map x: fastest baseline map (load everything, compute in Python) over the store's map p95; people: median on a map before the cap"
    )
    for line in missed:
        print(f"MISSED {line}")
    return 1 if (missed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
