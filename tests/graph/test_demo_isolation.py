"""One definition of "isolated" everywhere (issue 22): the demo summary counts what the reach code counts.

The demo summary used to count inactive assessors, and contacts with inactive people as ties, so it said
1,032 isolated where the reach figures said 956 on the same network. Both now follow network.reach.
"""

from __future__ import annotations

from pathlib import Path

from graph.embedded.store import EmbeddedStore
from network import demo
from network.reach import isolated_ids


def test_the_demo_summary_counts_isolated_people_as_the_store_does(tmp_path: Path) -> None:
    net = demo.generate(assessors=600, organisations=60, seed=5)
    b = net.bundle
    inactive = [a.id for a in b.assessors if not a.active]
    assert inactive, "the generated network has inactive assessors (the case the summary got wrong)"
    store = EmbeddedStore(tmp_path / "demo.sqlite3")
    try:
        store.bulk_upsert(b)
        active = [a.id for a in b.assessors if a.active]
        by_store = {i for i, iso in store.isolation(active).items() if iso.isolated}
    finally:
        store.close()
    info = demo.summary(net)
    assert info["isolated_assessors"] == len(by_store)
    assert info["active_assessors"] == len(active)
    # The shared pure definition agrees with the store, person by person.
    employer = {e.assessor_id: e.organisation_id for e in b.employments}
    accepted = [(c.from_id, c.to_id) for c in b.contacts if c.status == "accepted"]
    assert isolated_ids(active, employer, accepted) == by_store
