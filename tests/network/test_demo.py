"""The seeded demo network: deterministic, valid, skewed where it should be, with real hidden affinities."""

from __future__ import annotations

import dataclasses
import doctest
import hashlib
import math
import os
import random
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from network import availability, demo, taxonomy
from network.demo import DemoNetwork, generate, summary
from network.domain import ORGANISATION_KINDS, REGIONS, Contact


@pytest.fixture(scope="module")
def medium() -> DemoNetwork:
    """The size the skew rules are stated for, with some contacts held out."""
    return generate(assessors=2000, organisations=100, seed=5, holdout=0.1)


@pytest.fixture(scope="module")
def large() -> DemoNetwork:
    """Enough organisations and assessors for proportions to be stable."""
    return generate(assessors=6000, organisations=300, seed=11)


def org_of(net: DemoNetwork) -> dict[str, str]:
    return {e.assessor_id: e.organisation_id for e in net.bundle.employments}


def sizes(net: DemoNetwork) -> list[int]:
    per_org = Counter(org_of(net).values())
    return sorted(per_org.get(o.id, 0) for o in net.bundle.organisations)


def themes_of(net: DemoNetwork) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for link in net.bundle.theme_links:
        out[link.assessor_id].add(link.theme_id)
    return out


def pair(c: Contact) -> frozenset[str]:
    return frozenset((c.from_id, c.to_id))


def check_integrity(net: DemoNetwork, n: int, m: int) -> None:
    """Everything a loader relies on: counts, unique ids, references, one employer, sane contacts."""
    b = net.bundle
    assert len(b.assessors) == n and len(b.organisations) == m
    assert b.themes == list(taxonomy.THEMES)
    org_ids = [o.id for o in b.organisations]
    assessor_ids = [a.id for a in b.assessors]
    assert len(set(org_ids)) == m and len(set(assessor_ids)) == n
    assert len({o.name for o in b.organisations}) == m
    assert len({a.email for a in b.assessors}) == n

    # exactly one employment per assessor, at an existing organisation, before the reference date
    assert sorted(e.assessor_id for e in b.employments) == sorted(assessor_ids)
    assert {e.organisation_id for e in b.employments} <= set(org_ids)
    assert net.reference_date is not None
    assert all(e.since is not None and e.since < net.reference_date for e in b.employments)

    # 2-8 distinct existing themes each
    per_assessor = Counter(link.assessor_id for link in b.theme_links)
    assert set(per_assessor) == set(assessor_ids)
    assert all(2 <= k <= 8 for k in per_assessor.values())
    assert len({(link.assessor_id, link.theme_id) for link in b.theme_links}) == len(b.theme_links)
    assert {link.theme_id for link in b.theme_links} <= set(taxonomy.THEME_IDS)

    # contacts: existing ends, no self-contact, one per pair in either direction, in the past
    everything = b.contacts + list(net.held_out)
    pairs = [pair(c) for c in everything]
    assert all(len(p) == 2 for p in pairs)
    assert len(set(pairs)) == len(pairs)
    ids = set(assessor_ids)
    for c in everything:
        assert c.from_id in ids and c.to_id in ids
        assert c.via == "demo" and c.status in ("accepted", "requested")
        assert c.since is not None and c.since < net.reference_date
    assert not {pair(c) for c in b.contacts} & {pair(c) for c in net.held_out}

    # every organisation staffed when there are enough assessors to go round
    if n >= m:
        assert min(sizes(net)) >= 1
    else:
        assert max(sizes(net)) <= 1

    # every object is still valid when built again (they validate themselves)
    for kind in ("organisations", "assessors", "employments", "theme_links", "contacts"):
        for value in getattr(b, kind)[:50]:
            assert dataclasses.replace(value) == value


# determinism ---------------------------------------------------------------------------------


def test_same_arguments_give_the_same_network() -> None:
    a = generate(assessors=400, organisations=30, seed=9, holdout=0.2)
    b = generate(assessors=400, organisations=30, seed=9, holdout=0.2)
    assert a == b
    assert repr(a) == repr(b)


def test_another_seed_gives_another_network() -> None:
    a = generate(assessors=400, organisations=30, seed=9)
    b = generate(assessors=400, organisations=30, seed=10)
    assert a.bundle.organisations != b.bundle.organisations
    assert a.bundle.contacts != b.bundle.contacts


def _digest(net: DemoNetwork) -> str:
    return hashlib.sha256(repr(net).encode()).hexdigest()


def test_the_network_does_not_depend_on_string_hashing() -> None:
    # Set and dict order of strings changes with PYTHONHASHSEED; the generator must not rely on it.
    code = (
        "import hashlib; from network.demo import generate; "
        "print(hashlib.sha256(repr(generate(500, 25, seed=3, holdout=0.1)).encode()).hexdigest())"
    )
    expected = _digest(generate(500, 25, seed=3, holdout=0.1))
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected


def test_dates_come_from_the_seed_not_from_today() -> None:
    net = generate(assessors=200, organisations=10, seed=21)
    assert net.reference_date is not None
    assert date(2024, 1, 1) <= net.reference_date <= date(2025, 12, 31)
    assert generate(assessors=200, organisations=10, seed=21).reference_date == net.reference_date


# shape and integrity -------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(0, 150),
    m=st.integers(1, 30),
    seed=st.integers(0, 2**32),
    density=st.floats(0, 3),
    holdout=st.floats(0, 1),
)
def test_any_arguments_give_a_consistent_network(n: int, m: int, seed: int, density: float, holdout: float) -> None:
    net = generate(assessors=n, organisations=m, seed=seed, contact_density=density, holdout=holdout)
    check_integrity(net, n, m)
    assert len(net.bundle.contacts) + len(net.held_out) <= round(density * n)


def test_medium_network_is_consistent(medium: DemoNetwork) -> None:
    check_integrity(medium, 2000, 100)


def test_default_network_is_consistent() -> None:
    check_integrity(generate(), 300, 40)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_organisation_sizes_are_skewed(seed: int) -> None:
    s = sizes(generate(assessors=2000, organisations=100, seed=seed))
    assert sum(1 for k in s if k <= 2) >= 20  # many isolated-prone organisations
    assert max(s) >= 5 * statistics.median(s)  # and a few big ones
    assert min(s) >= 1


def test_organisations_of_every_kind_in_plausible_proportions(large: DemoNetwork) -> None:
    kinds = Counter(o.kind for o in large.bundle.organisations)
    assert set(kinds) == set(ORGANISATION_KINDS)
    assert kinds.most_common(1)[0][0] == "local_authority"
    assert all(kinds[k] >= 0.05 * 300 for k in ORGANISATION_KINDS)


def test_every_kind_and_region_appears_as_soon_as_there_is_room() -> None:
    assert {o.kind for o in generate(assessors=50, organisations=6, seed=4).bundle.organisations} == set(ORGANISATION_KINDS)
    assert {o.region for o in generate(assessors=50, organisations=9, seed=4).bundle.organisations} == set(REGIONS)


def test_organisation_names_read_like_their_kind(large: DemoNetwork) -> None:
    words = {
        "local_authority": r"Council|Borough",
        "nhs_trust": r"NHS",
        "university": r"University|College",
    }
    for o in large.bundle.organisations:
        if o.kind in words:
            assert re.search(words[o.kind], o.name), o
        else:
            assert "NHS" not in o.name and "Council" not in o.name, o


def test_more_organisations_than_assessors() -> None:
    net = generate(assessors=5, organisations=12, seed=2)
    check_integrity(net, 5, 12)
    assert sizes(net).count(1) == 5


def test_tiny_networks() -> None:
    empty = generate(assessors=0, organisations=1)
    assert empty.bundle.assessors == [] and empty.bundle.contacts == [] and len(empty.bundle.themes) == len(taxonomy.THEMES)
    assert generate(assessors=1, organisations=1).bundle.contacts == []
    assert len(generate(assessors=2, organisations=1, contact_density=5).bundle.contacts) == 1


def test_assessor_profiles_are_plausible(large: DemoNetwork) -> None:
    people = large.bundle.assessors
    n = len(people)
    assert people[0].id == "a-00001" and people[-1].id == f"a-{n:05d}"
    assert all(a.email is not None and a.email.endswith("@example.org") for a in people)
    org_region = {o.id: o.region for o in large.bundle.organisations}
    employer = org_of(large)
    assert sum(a.region == org_region[employer[a.id]] for a in people) >= 0.85 * n
    years = [a.experience_years for a in people]
    assert min(years) >= 0 and max(years) <= 25
    assert statistics.median(years) < statistics.mean(years)  # skewed towards the less experienced
    assert {a.capacity for a in people} == {1, 2}
    assert 0.8 <= sum(a.discoverable for a in people) / n <= 0.9
    assert 0 < sum(a.paused for a in people) < 0.1 * n
    assert 0 < sum(not a.active for a in people) < 0.1 * n
    assert 0.2 * n < sum(bool(a.bio) for a in people) < 0.5 * n
    assert sum(bool(a.availability) for a in people) >= 0.9 * n


def test_availability_patterns_vary_but_cluster(large: DemoNetwork) -> None:
    patterns = Counter(a.availability for a in large.bundle.assessors)
    assert len(patterns) > 100  # people vary their pattern
    slot_use = Counter(s for a in large.bundle.assessors for s in a.availability)
    assert slot_use["wed-pm"] > 5 * slot_use["sat-am"]  # weekdays dominate


def test_theme_popularity_is_skewed(large: DemoNetwork) -> None:
    counts = Counter(link.theme_id for link in large.bundle.theme_links)
    ranked = [counts.get(t, 0) for t in taxonomy.THEME_IDS]
    ranked.sort(reverse=True)
    n = len(large.bundle.assessors)
    assert ranked[0] >= 0.25 * n  # a supernode
    assert ranked[0] >= 10 * ranked[-1]  # and rare themes
    assert sum(ranked[:7]) >= 0.4 * sum(ranked)


def test_organisation_kinds_lean_to_their_themes(large: DemoNetwork) -> None:
    kind = {o.id: o.kind for o in large.bundle.organisations}
    employer = org_of(large)
    themes = themes_of(large)

    def share(k: str, theme_id: str) -> float:
        members = [a for a, o in employer.items() if kind[o] == k]
        return sum(theme_id in themes[a] for a in members) / len(members)

    assert share("nhs_trust", "practice-amhp") > 3 * share("local_authority", "practice-amhp")
    assert share("local_authority", "practice-court-skills") > 2 * share("nhs_trust", "practice-court-skills")
    assert share("university", "pcf-knowledge") > 2 * share("agency", "pcf-knowledge")


def test_experience_makes_experienced_links_likelier(large: DemoNetwork) -> None:
    years = {a.id: a.experience_years for a in large.bundle.assessors}
    by_level: dict[str, list[int]] = defaultdict(list)
    for link in large.bundle.theme_links:
        by_level[link.level].append(years[link.assessor_id])
    assert set(by_level) == {"exploring", "experienced"}
    assert statistics.mean(by_level["experienced"]) > statistics.mean(by_level["exploring"]) + 2


# contacts ------------------------------------------------------------------------------------


def test_contact_count_follows_the_density() -> None:
    assert len(generate(assessors=2000, organisations=100, seed=1).bundle.contacts) == 3000
    assert len(generate(assessors=2000, organisations=100, seed=1, contact_density=0.5).bundle.contacts) == 1000
    assert generate(assessors=500, organisations=10, contact_density=0).bundle.contacts == []


def test_contacts_mostly_cross_organisations_and_are_mostly_accepted(large: DemoNetwork) -> None:
    employer = org_of(large)
    contacts = large.bundle.contacts
    within = sum(employer[c.from_id] == employer[c.to_id] for c in contacts)
    assert 0.01 * len(contacts) < within < 0.25 * len(contacts)
    accepted = sum(c.status == "accepted" for c in contacts)
    assert 0.75 * len(contacts) < accepted < len(contacts)


def test_many_assessors_remain_isolated(large: DemoNetwork) -> None:
    info = summary(large)
    assert 0.05 < info["share_isolated"] < 0.6


def test_contacts_follow_hidden_affinities(large: DemoNetwork) -> None:
    """Contacts share rare themes, weekly slots and regions more often than random pairs do."""
    people = {a.id: a for a in large.bundle.assessors}
    themes = themes_of(large)
    n = len(people)
    popularity = Counter(link.theme_id for link in large.bundle.theme_links)
    idf = {t: math.log(n / k) for t, k in popularity.items()}
    rare = {t for t, k in popularity.items() if k < 0.05 * n}

    def profile(pairs: list[tuple[str, str]]) -> tuple[float, float, float, float]:
        shared_rarity = statistics.mean(sum(idf[t] for t in themes[a] & themes[b]) for a, b in pairs)
        rare_share = sum(bool(themes[a] & themes[b] & rare) for a, b in pairs) / len(pairs)
        slot_share = sum(availability.overlaps(people[a].availability, people[b].availability) for a, b in pairs) / len(pairs)
        region_share = sum(people[a].region == people[b].region for a, b in pairs) / len(pairs)
        return shared_rarity, rare_share, slot_share, region_share

    contacts = [(c.from_id, c.to_id) for c in large.bundle.contacts]
    rng = random.Random(0)
    ids = list(people)
    randoms: list[tuple[str, str]] = []
    while len(randoms) < len(contacts):
        a, b = rng.sample(ids, 2)
        randoms.append((a, b))

    c_rarity, c_rare, c_slot, c_region = profile(contacts)
    r_rarity, r_rare, r_slot, r_region = profile(randoms)
    assert c_rarity > 2 * r_rarity
    assert c_rare > 2 * r_rare
    assert c_slot > r_slot + 0.1
    assert c_region > r_region + 0.05


def test_held_out_contacts_are_cross_organisation_and_apart(medium: DemoNetwork) -> None:
    employer = org_of(medium)
    total = len(medium.bundle.contacts) + len(medium.held_out)
    assert total == 3000
    assert len(medium.held_out) == 300
    assert all(employer[c.from_id] != employer[c.to_id] for c in medium.held_out)
    assert not {pair(c) for c in medium.bundle.contacts} & {pair(c) for c in medium.held_out}


def test_holding_out_removes_contacts_and_changes_nothing_else(medium: DemoNetwork) -> None:
    full = generate(assessors=2000, organisations=100, seed=5)
    assert full.held_out == ()
    assert set(full.bundle.contacts) == set(medium.bundle.contacts) | set(medium.held_out)
    kept = set(medium.bundle.contacts)
    assert [c for c in full.bundle.contacts if c in kept] == medium.bundle.contacts  # order kept
    for kind in ("organisations", "themes", "assessors", "employments", "theme_links"):
        assert getattr(full.bundle, kind) == getattr(medium.bundle, kind)


# summary and arguments -----------------------------------------------------------------------


def test_summary_agrees_with_the_bundle(medium: DemoNetwork) -> None:
    info = summary(medium)
    b = medium.bundle
    s = sizes(medium)
    assert info["organisations"] == 100 and info["assessors"] == 2000 and info["themes"] == len(taxonomy.THEMES)
    assert info["theme_links"] == len(b.theme_links)
    assert info["contacts"] == len(b.contacts) and info["held_out_contacts"] == 300
    assert info["organisations_with_at_most_2_assessors"] == sum(1 for k in s if k <= 2)
    assert info["assessors_alone_in_organisation"] == s.count(1)
    assert info["share_alone_in_organisation"] == round(s.count(1) / 2000, 3)
    assert (info["organisation_size_min"], info["organisation_size_max"]) == (s[0], s[-1])
    assert info["organisation_size_median"] == statistics.median(s)
    assert sum(info["organisation_sizes"].values()) == 100
    assert sum(info["organisations_by_kind"].values()) == 100
    assert info["seed"] == 5 and info["as_of"] == medium.reference_date.isoformat()  # type: ignore[union-attr]


def test_summary_of_an_empty_network() -> None:
    info = summary(generate(assessors=0, organisations=3))
    assert info["assessors"] == 0 and info["share_alone_in_organisation"] == 0.0 and info["organisation_size_max"] == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"assessors": -1}, "assessors"),
        ({"assessors": 2.5}, "assessors"),
        ({"organisations": 0}, "organisations"),
        ({"organisations": True}, "organisations"),
        ({"seed": "1"}, "seed"),
        ({"contact_density": -0.1}, "contact_density"),
        ({"contact_density": math.inf}, "contact_density"),
        ({"contact_density": math.nan}, "contact_density"),
        ({"holdout": 1.5}, "holdout"),
        ({"holdout": -0.1}, "holdout"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        generate(**kwargs)  # type: ignore[arg-type]


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(demo)
    assert result.attempted > 0 and result.failed == 0
