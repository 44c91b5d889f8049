"""Seeded formation pools that are hard on placement: skewed organisation sizes and clustered availability.

Shared by ``bench_formation.py`` (issue 22: the most people placed, isolated people first). A pool is
``(members, constraints)`` for :func:`network.formation.form_sets`; the same seed gives the same pool.

* **Skewed organisations**: sizes follow a Zipf-like law (a few large local authorities and trusts,
  many organisations of one or two), or, with ``dominant``, one organisation holds that share of
  the pool.
* **Clustered availability**: weekly slots come in a few clusters (for example "Monday and
  Tuesday mornings"); each organisation leans to one cluster, each person takes one to three
  slots of their cluster and now and then one slot elsewhere.
* **Isolated people**: about a third (more in a dominant organisation); the others have some
  accepted cross-organisation contacts inside the pool (the existing ties).
"""

from __future__ import annotations

import random

from network import availability
from network.formation import Constraints, Member

KINDS = ("local_authority", "nhs_trust", "voluntary", "independent", "agency", "university")
REGIONS = ("london", "north_west", "south_east", "yorkshire_humber", "west_midlands")
THEMES = (
    "practice-asye",
    "practice-amhp",
    "law-mca",
    "law-children-act",
    "skills-reflective",
    "skills-assessment",
    "pcf-knowledge",
    "pcf-values",
)


def skewed_pool(
    seed: int, n: int | None = None, *, dominant: float | None = None, isolated_share: float = 0.35
) -> tuple[list[Member], Constraints]:
    """A seeded pool of ``n`` people (default 30 to 60, drawn from the seed); see the module docstring."""
    rng = random.Random(seed)
    if n is None:
        n = rng.randint(30, 60)
    n_orgs = max(3, rng.randint(n // 5, n // 2))
    if dominant is not None:
        weights = [dominant] + [(1 - dominant) / (j + 1) ** 0.6 for j in range(n_orgs - 1)]
    else:
        weights = [1 / (j + 1) ** 1.15 for j in range(n_orgs)]
    slots = list(availability.SLOTS)
    weekday = [s for s in slots if not s.startswith(("sat", "sun"))]
    n_clusters = rng.randint(3, 5)
    clusters = [rng.sample(weekday, rng.randint(2, 4)) for _ in range(n_clusters)]
    org_cluster = [rng.randrange(n_clusters) for _ in range(n_orgs)]
    org_kind = [rng.choice(KINDS) for _ in range(n_orgs)]
    org_region = [rng.choice(REGIONS) for _ in range(n_orgs)]
    people = []
    for i in range(n):
        o = rng.choices(range(n_orgs), weights=weights)[0]
        cluster = clusters[org_cluster[o] if rng.random() < 0.6 else rng.randrange(n_clusters)]
        own = set(rng.sample(cluster, min(len(cluster), rng.choice((1, 1, 2, 2, 3)))))
        if rng.random() < 0.15:
            own.add(rng.choice(weekday))
        themes = {t: rng.choice(("exploring", "experienced")) for t in rng.sample(THEMES, rng.randint(1, 3))}
        share = isolated_share if dominant is None or o else min(0.9, isolated_share * 2)
        people.append((f"p{seed}-{i:03d}", o, tuple(sorted(own)), themes, round(rng.uniform(0, 20), 1), rng.random() < share))
    # Existing ties: accepted contacts across organisations among the people who are not isolated.
    linked = [(pid, o) for pid, o, _, _, _, iso in people if not iso]
    ties = set()
    for pid, o in linked:
        others = [x for x, xo in linked if xo != o]
        for x in rng.sample(others, min(len(others), rng.randint(1, 3))):
            ties.add((pid, x) if pid < x else (x, pid))
    tied = {x for pair in ties for x in pair}
    members = [
        Member(
            id=pid,
            organisation_id=f"org-{seed}-{o}",
            organisation_kind=org_kind[o],
            region=org_region[o],
            experience_years=years,
            availability=own,
            themes=themes,
            isolated=pid not in tied,  # no cross-organisation tie in the pool: isolated
        )
        for pid, o, own, themes, years, _ in people
    ]
    return members, Constraints(ties=sorted(ties))
