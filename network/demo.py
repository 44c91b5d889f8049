"""A seeded generator of fictional but plausible assessor networks, for demos, tests and benchmarks.

The generated graph has the shape that makes Bridgework worth having:

* organisation sizes are heavily skewed — many organisations have one or two assessors (the
  isolated case), a few large local authorities and trusts have dozens or hundreds;
* theme popularity is skewed — a few themes are "supernodes" most assessors share, many are rare —
  and each organisation kind leans to its own themes (trusts to mental health, local authorities
  to child protection and safeguarding);
* existing contacts are sparse and come from **hidden affinities**: a pair is likelier to be in
  contact when they share rare themes and weekly slots and (weakly) a region; most contacts cross
  organisations, some are between colleagues.

Part of the contacts can be held out (``holdout``): generated from the same affinities but left out
of the bundle, so a suggestion engine can be scored by how many of them it recovers.

Everything random goes through one ``random.Random(seed)``: the same arguments always give the same
network, and the reference date the network is "as of" is derived from the seed, never from today.

>>> net = generate(assessors=30, organisations=6, seed=7)
>>> len(net.bundle.assessors), len(net.bundle.organisations)
(30, 6)
>>> generate(assessors=30, organisations=6, seed=7) == net
True
"""

from __future__ import annotations

import math
import random
import re
import statistics
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from network import availability, taxonomy
from network.bundle import Bundle
from network.domain import (
    ORGANISATION_KINDS,
    REGIONS,
    Assessor,
    Contact,
    Employment,
    Organisation,
    ThemeLink,
)
from network.reach import isolated_ids

__all__ = ["DemoNetwork", "generate", "summary"]

#: Default contacts generated per assessor (bundle and held-out together).
CONTACT_DENSITY = 1.5
#: ``via`` on every generated contact.
VIA = "demo"
#: Email domain of generated assessors (reserved for examples by RFC 2606).
EMAIL_DOMAIN = "example.org"


@dataclass(frozen=True, slots=True)
class DemoNetwork:
    """A generated network: the bundle to load, and contacts withheld from it for evaluation."""

    bundle: Bundle
    held_out: tuple[Contact, ...] = ()
    seed: int = 1
    reference_date: date | None = None


# --------------------------------------------------------------------------------------------
# Proportions and word lists. Tuned by eye against the scale notes in DESIGN.md: 150+ local
# authorities plus trusts, charities, independent practices, agencies and universities.

_KIND_SHARE: dict[str, float] = {
    "local_authority": 0.38,
    "voluntary": 0.18,
    "nhs_trust": 0.14,
    "independent": 0.12,
    "agency": 0.10,
    "university": 0.08,
}
# How big an organisation of this kind tends to be (multiplies a lognormal draw).
_KIND_SCALE: dict[str, float] = {
    "local_authority": 2.2,
    "nhs_trust": 1.6,
    "voluntary": 0.6,
    "independent": 0.35,
    "agency": 0.8,
    "university": 0.6,
}
# How likely an organisation of this kind is to be a "micro" one with one or two assessors.
_KIND_MICRO: dict[str, float] = {
    "local_authority": 0.25,
    "nhs_trust": 0.5,
    "voluntary": 1.5,
    "independent": 3.0,
    "agency": 1.5,
    "university": 1.0,
}
_MICRO_SHARE = 0.3  # of organisations, when there are enough assessors to go round
_SIZE_SIGMA = 0.85  # lognormal spread of the other organisations' sizes

# Roughly by population.
_REGION_SHARE: dict[str, float] = {
    "north_east": 0.05,
    "north_west": 0.13,
    "yorkshire_humber": 0.10,
    "east_midlands": 0.09,
    "west_midlands": 0.10,
    "east_of_england": 0.11,
    "london": 0.16,
    "south_east": 0.16,
    "south_west": 0.10,
}

_PLACE_HEADS = (
    "Ash", "Alder", "Beck", "Birch", "Bram", "Brack", "Brook", "Calder", "Castle", "Cold", "Dun", "East",
    "Elm", "Ember", "Fair", "Fern", "Glen", "Hart", "Hazel", "Holm", "Kings", "Lang", "Lark", "Mar",
    "Mill", "North", "Oak", "Pen", "Red", "Rose", "Sand", "Silver", "Stan", "Stone", "Thorn", "Wal",
    "West", "Whit", "Willow", "Wyn",
)  # fmt: skip
_PLACE_TAILS = (
    "moor", "ford", "ley", "bury", "field", "ham", "ton", "wick", "bridge", "dale", "combe", "stead",
    "worth", "borough", "minster", "hurst", "well", "by", "thorpe", "mouth", "gate",
)  # fmt: skip
_PLACE_AREAS = ("Vale", "Valley", "Heath", "Downs", "Coast", "Forest", "Fields", "Marsh", "Wolds", "Moors")
_LOCALITIES = (
    "Riverside", "Hillside", "Brookside", "Parkside", "Meadow", "Harbour", "Orchard", "Lakeside",
    "Canalside", "Greenway", "Southbank", "Northgate",
)  # fmt: skip
_HOPEFUL = (
    "Bright", "New", "Open", "Bridge", "Compass", "Lighthouse", "Anchor", "Beacon", "Kindred", "Pathway",
    "Horizon", "Keystone", "Evergreen", "Waypoint", "Cornerstone", "Threshold",
)  # fmt: skip

_FIRST_NAMES = (
    "Aisha", "Amara", "Priya", "Sana", "Fatima", "Zainab", "Nia", "Chloe", "Emma", "Olivia", "Sophie",
    "Hannah", "Grace", "Lucy", "Ellie", "Megan", "Charlotte", "Rebecca", "Katie", "Laura", "Sarah",
    "Rachel", "Helen", "Claire", "Joanne", "Nicola", "Siobhan", "Aoife", "Niamh", "Agnieszka",
    "Magdalena", "Ioana", "Elena", "Mei", "Ying", "Chidinma", "Adaeze", "Funmilayo", "Abena", "Keisha",
    "Jasmine", "Leah", "Ruth", "Miriam", "Yasmin", "Hafsa", "Noor", "Ayesha", "Harpreet", "Gurpreet",
    "Simran", "Anjali", "Deepa", "Lakshmi", "Bethan", "Carys", "Janet", "Margaret", "Pauline", "Denise",
    "James", "Tom", "Daniel", "Matthew", "Michael", "David", "Paul", "Mark", "Andrew", "Chris", "Ben",
    "Sam", "Joe", "Liam", "Ryan", "Adam", "Mohammed", "Ahmed", "Omar", "Imran", "Bilal", "Hamza", "Raj",
    "Arjun", "Sanjay", "Vikram", "Kwame", "Kofi", "Tunde", "Emeka", "Chinedu", "Marcus", "Jermaine",
    "Dwayne", "Piotr", "Tomasz", "Andrei", "Stefan", "Wei", "Jun", "Sean", "Conor", "Declan", "Rhys",
    "Gareth", "Dylan", "Alex", "Jordan", "Morgan", "Robin", "Kieran", "Nathan", "Trevor", "Graham",
)  # fmt: skip
_LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Patel", "Khan", "Shah", "Ahmed", "Hussain", "Begum", "Ali", "Singh", "Kaur", "Sharma", "Mistry",
    "Chowdhury", "Rahman", "Iqbal", "Akhtar", "Okafor", "Adeyemi", "Mensah", "Owusu", "Osei", "Boateng",
    "Nwosu", "Campbell", "Francis", "Grant", "Henry", "Richards", "Baptiste", "O'Brien", "Murphy",
    "Kelly", "Byrne", "Doyle", "McCarthy", "Nowak", "Kowalski", "Popescu", "Ionescu", "Novak", "Chen",
    "Wong", "Li", "Zhang", "Nguyen", "Tran", "Haddad", "Mansour", "Yilmaz", "Demir", "Costa", "Silva",
    "Rossi", "Morgan", "Hughes", "Lewis", "Edwards", "Price", "Fletcher", "Barker", "Harrison",
    "Marshall", "Holmes", "Cooper", "Ward", "Turner", "Parker", "Bennett", "Shaw", "Lloyd", "Ellis",
    "Fraser", "Kennedy", "Quinn", "Sutton", "Walsh", "Dunn", "Fox", "Hart", "Lowe", "Reid",
)  # fmt: skip

# Weekly availability patterns: (label, slots, weight). Each assessor takes one and varies it a little.
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
_PATTERNS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("weekday afternoons", tuple(f"{d}-pm" for d in _WEEKDAYS), 0.17),
    ("weekday mornings", tuple(f"{d}-am" for d in _WEEKDAYS), 0.13),
    ("Tuesday/Thursday mornings", ("tue-am", "thu-am"), 0.10),
    ("Monday/Wednesday afternoons", ("mon-pm", "wed-pm"), 0.08),
    ("mid-week", tuple(f"{d}-{p}" for d in ("tue", "wed", "thu") for p in ("am", "pm")), 0.13),
    ("part-time, Monday to Wednesday", tuple(f"{d}-{p}" for d in ("mon", "tue", "wed") for p in ("am", "pm")), 0.06),
    ("Friday", ("fri-am", "fri-pm"), 0.05),
    ("evenings only", tuple(f"{d}-eve" for d in ("mon", "tue", "wed", "thu")), 0.08),
    ("flexible", tuple(f"{d}-{p}" for d in _WEEKDAYS for p in ("am", "pm")), 0.15),
    ("weekends", ("sat-am", "sun-pm"), 0.02),
    ("not given yet", (), 0.03),
)
_KEEP_SLOT = 0.85  # each slot of the pattern is kept with this chance
_EXTRA_SLOT = 0.3  # chance of one extra weekday slot
_DAYTIME_WEEKDAY_SLOTS = tuple(f"{d}-{p}" for d in _WEEKDAYS for p in ("am", "pm"))

# Theme popularity: a few supernodes everybody works on; the rest Zipf-like in a seeded order.
_SUPERNODES: dict[str, float] = {
    "practice-asye": 1.0,
    "practice-education": 0.9,
    "pcf-critical-reflection-and-analysis": 0.7,
    "practice-reflective-supervision": 0.7,
    "practice-strengths-based": 0.6,
    "kss-adults-safeguarding": 0.5,
    "kss-cf-abuse-and-neglect": 0.5,
}
_ZIPF_EXPONENT = 0.9
_THEME_COUNTS = (2, 3, 4, 5, 6, 7, 8)
_THEME_COUNT_WEIGHTS = (0.08, 0.15, 0.22, 0.20, 0.15, 0.11, 0.09)  # mean ~4.9: ~100k links at 20k assessors

# What each kind of organisation leans to (multiplies popularity).
_KIND_BIAS: dict[str, dict[str, float]] = {
    "local_authority": {
        "kss-cf-abuse-and-neglect": 3.0,
        "kss-cf-child-and-family-assessment": 3.0,
        "kss-cf-law-family-and-youth-justice": 3.0,
        "kss-adults-safeguarding": 2.5,
        "practice-court-skills": 3.0,
        "practice-contextual-safeguarding": 3.0,
        "practice-kinship-care": 2.5,
        "practice-uasc": 2.5,
        "practice-carers-assessments": 2.5,
        "practice-fostering-adoption": 2.0,
    },
    "nhs_trust": {
        "practice-amhp": 6.0,
        "kss-cf-adult-ill-health-substance-misuse-domestic-abuse": 4.0,
        "practice-mental-capacity-act": 4.0,
        "practice-best-interests": 3.0,
        "practice-liberty-safeguards": 3.0,
        "kss-adults-mental-capacity": 4.0,
        "practice-dementia": 3.0,
        "practice-learning-disability": 3.0,
        "practice-neurodiversity": 3.0,
        "practice-trauma-informed": 2.5,
    },
    "voluntary": {
        "practice-domestic-abuse": 4.0,
        "practice-carers-assessments": 3.0,
        "practice-transitions": 3.0,
        "practice-strengths-based": 2.0,
        "practice-trauma-informed": 3.0,
        "practice-uasc": 3.0,
        "pcf-diversity-and-equality": 3.0,
        "practice-anti-racist": 3.0,
        "practice-restorative": 2.5,
    },
    "independent": {
        "practice-education": 3.0,
        "practice-asye": 2.0,
        "practice-court-skills": 3.0,
        "practice-writing-recording": 3.0,
        "kss-cf-child-and-family-assessment": 3.0,
        "practice-hoarding-self-neglect": 2.0,
    },
    "agency": {
        "practice-court-skills": 2.5,
        "practice-writing-recording": 2.5,
        "practice-asye": 2.0,
        "kss-cf-child-and-family-assessment": 2.5,
        "kss-adults-assessment-and-support-planning": 2.5,
    },
    "university": {
        "practice-education": 4.0,
        "pcf-knowledge": 5.0,
        "pcf-critical-reflection-and-analysis": 3.0,
        "kss-cf-supervision-and-research": 4.0,
        "practice-anti-racist": 3.0,
        "pcf-professional-leadership": 2.5,
    },
}
# Share of each kind's assessors who work with children and families (the rest with adults).
_CHILDREN_SHARE: dict[str, float] = {
    "local_authority": 0.55,
    "nhs_trust": 0.15,
    "voluntary": 0.5,
    "independent": 0.6,
    "agency": 0.55,
    "university": 0.5,
}
_CHILDREN_THEMES = frozenset(
    {
        "practice-court-skills",
        "practice-contextual-safeguarding",
        "practice-uasc",
        "practice-kinship-care",
        "practice-fostering-adoption",
    }
)
_ADULT_THEMES = frozenset(
    {
        "practice-mental-capacity-act",
        "practice-best-interests",
        "practice-liberty-safeguards",
        "practice-hoarding-self-neglect",
        "practice-carers-assessments",
        "practice-amhp",
        "practice-dementia",
    }
)
_OFF_STATEMENT = 0.06  # weight of the other area's KSS statement
_OFF_AREA = 0.25  # weight of the other area's practice themes

# Hidden affinities behind existing contacts.
_COLLEAGUE_SHARE = 0.06  # draws that look among the initiator's own colleagues
_CHANCE_SHARE = 0.08  # draws of anybody at all (met at a training day)
_RARITY_SCALE = 2.5  # shared rarity (sum of idf) at which acceptance reaches ~63 %
_SLOT_FACTOR = (0.2, 0.65, 1.0)  # by number of common slots: 0, 1, 2+
_OTHER_REGION = 0.55
_SAME_ORGANISATION = 0.5  # a colleague found through a theme is less of a find
_COLLEAGUE_ACCEPT = 0.8
_INACTIVE = 0.3
_ACCEPTED = 0.85  # share of contacts accepted; the rest are still requested
_SOCIABILITY_SIGMA = 0.9


# --------------------------------------------------------------------------------------------


def generate(
    assessors: int = 300,
    organisations: int = 40,
    seed: int = 1,
    *,
    contact_density: float = CONTACT_DENSITY,
    holdout: float = 0.0,
) -> DemoNetwork:
    """Generate a fictional, plausible network of assessors, organisations, themes and contacts.

    Parameters
    ----------
    assessors
        How many assessors (0 or more). Every organisation gets at least one when
        ``assessors >= organisations``.
    organisations
        How many organisations (1 or more), of all six kinds when there are at least six.
    seed
        The only source of randomness: the same arguments always give an equal network.
    contact_density
        Contacts generated per assessor, held-out ones included (at most one per pair).
    holdout
        Share (0 to 1) of the generated contacts withheld from the bundle into ``held_out``.
        They are taken from the cross-organisation contacts only, the kind suggestions are for;
        the rest of the draw is unaffected, so the bundle's contacts plus ``held_out`` are the
        contacts generated with ``holdout=0``.

    Returns
    -------
    DemoNetwork
        The bundle holds the whole built-in taxonomy, the organisations, assessors, one
        employment per assessor, 2-8 theme links per assessor and the contacts.

    Notes
    -----
    Runs in about O((n + c) log n) for n assessors and c contacts: contact partners are drawn
    from the members of one of the initiator's themes (rarer themes likelier) and accepted with a
    probability that grows with shared rare themes, common weekly slots and a shared region, so
    no all-pairs scoring is needed. 20,000 assessors take a second or two.

    Examples
    --------
    >>> net = generate(assessors=200, organisations=20, seed=3, holdout=0.2)
    >>> len(net.bundle.employments)
    200
    >>> {c.via for c in net.bundle.contacts}
    {'demo'}
    """
    _check_arguments(assessors, organisations, seed, contact_density, holdout)
    rng = random.Random(seed)
    reference = date(2024, 1, 1) + timedelta(days=rng.randrange(731))

    orgs = _organisations(rng, organisations)
    sizes = _organisation_sizes(rng, orgs, assessors)
    org_of = [j for j, size in enumerate(sizes) for _ in range(size)]
    rng.shuffle(org_of)

    people = _People(rng, orgs, org_of, reference)
    contacts = _contacts(rng, people, round(contact_density * assessors), reference)

    held: list[Contact] = []
    if holdout > 0 and contacts:
        cross = [k for k, c in enumerate(contacts) if people.org_of[people.index[c.from_id]] != people.org_of[people.index[c.to_id]]]
        chosen = set(rng.sample(cross, min(len(cross), round(holdout * len(contacts)))))
        held = [c for k, c in enumerate(contacts) if k in chosen]
        contacts = [c for k, c in enumerate(contacts) if k not in chosen]

    bundle = Bundle(
        organisations=orgs,
        themes=list(taxonomy.THEMES),
        assessors=people.assessors,
        employments=people.employments,
        theme_links=people.theme_links,
        contacts=contacts,
    )
    return DemoNetwork(bundle=bundle, held_out=tuple(held), seed=seed, reference_date=reference)


def summary(net: DemoNetwork) -> dict[str, Any]:
    """Counts and shape of a generated network (sizes, isolation, contacts), for the CLI to print."""
    b = net.bundle
    org_of = {e.assessor_id: e.organisation_id for e in b.employments}
    per_org = Counter(org_of.values())
    sizes = sorted(per_org.get(o.id, 0) for o in b.organisations)
    alone = sum(1 for size in sizes if size == 1)
    cross = [c for c in b.contacts if org_of.get(c.from_id) != org_of.get(c.to_id)]
    # Isolated as the reach code counts it (network.reach): active assessors, ties between active assessors only.
    active = [a.id for a in b.assessors if a.active]
    accepted = [(c.from_id, c.to_id) for c in b.contacts if c.status == "accepted"]
    isolated = len(isolated_ids(active, org_of, accepted))
    n = len(b.assessors)
    return {
        "seed": net.seed,
        "as_of": net.reference_date.isoformat() if net.reference_date else None,
        "organisations": len(b.organisations),
        "organisations_by_kind": dict(Counter(o.kind for o in b.organisations).most_common()),
        "assessors": n,
        "active_assessors": len(active),
        "findable_assessors": sum(1 for a in b.assessors if a.findable),
        "themes": len(b.themes),
        "theme_links": len(b.theme_links),
        "contacts": len(b.contacts),
        "accepted_contacts": sum(1 for c in b.contacts if c.status == "accepted"),
        "cross_organisation_contacts": len(cross),
        "held_out_contacts": len(net.held_out),
        "organisation_size_min": sizes[0] if sizes else 0,
        "organisation_size_median": statistics.median(sizes) if sizes else 0,
        "organisation_size_max": sizes[-1] if sizes else 0,
        "organisation_sizes": _size_buckets(sizes),
        "organisations_with_at_most_2_assessors": sum(1 for size in sizes if size <= 2),
        "assessors_alone_in_organisation": alone,
        "share_alone_in_organisation": round(alone / n, 3) if n else 0.0,
        "isolated_assessors": isolated,
        "share_isolated": round(isolated / len(active), 3) if active else 0.0,
    }


# --------------------------------------------------------------------------------------------


def _check_arguments(assessors: int, organisations: int, seed: int, density: float, holdout: float) -> None:
    for name, value, least in (("assessors", assessors, 0), ("organisations", organisations, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"{name}: must be a whole number of at least {least}, got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: must be a whole number, got {seed!r}")
    if not isinstance(density, int | float) or isinstance(density, bool) or not 0 <= density < math.inf:
        raise ValueError(f"contact_density: must be 0 or more, got {density!r}")
    if not isinstance(holdout, int | float) or isinstance(holdout, bool) or not 0 <= holdout <= 1:
        raise ValueError(f"holdout: must lie between 0 and 1, got {holdout!r}")


def _quota(shares: dict[str, float], total: int, at_least_one: bool) -> list[str]:
    """``total`` labels in proportion to ``shares`` (largest remainder), each at least once if asked and possible."""
    labels = list(shares)
    if at_least_one and total >= len(labels):
        counts = {k: 1 for k in labels}
        rest = total - len(labels)
    elif at_least_one:  # fewer slots than labels: the largest shares win
        return sorted(labels, key=lambda k: -shares[k])[:total]
    else:
        counts = dict.fromkeys(labels, 0)
        rest = total
    exact = {k: rest * shares[k] / sum(shares.values()) for k in labels}
    for k in labels:
        counts[k] += int(exact[k])
    short = total - sum(counts.values())
    for k in sorted(labels, key=lambda k: -(exact[k] - int(exact[k])))[:short]:
        counts[k] += 1
    return [k for k in labels for _ in range(counts[k])]


def _place(rng: random.Random) -> str:
    name = rng.choice(_PLACE_HEADS) + rng.choice(_PLACE_TAILS)
    return f"{name} {rng.choice(_PLACE_AREAS)}" if rng.random() < 0.2 else name


def _organisation_name(rng: random.Random, kind: str, region: str) -> str:
    place = _place(rng)
    if kind == "local_authority":
        if region == "london":
            return f"Royal Borough of {place}" if rng.random() < 0.1 else f"London Borough of {place}"
        forms = ("County Council", "City Council", "Borough Council", "Metropolitan Borough Council", "Council")
        return f"{place} {rng.choices(forms, (4, 2, 2, 2, 1))[0]}"
    if kind == "nhs_trust":
        form = rng.choice(
            (
                "NHS Foundation Trust",
                "Health and Care NHS Foundation Trust",
                "Community Health NHS Trust",
                "Mental Health NHS Foundation Trust",
                "Partnership NHS Foundation Trust",
                "Teaching Hospitals NHS Trust",
            )
        )
        return f"{place} {form}" if rng.random() < 0.8 else f"{place} and {_place(rng)} {form}"
    if kind == "voluntary":
        where = rng.choice(_LOCALITIES) if rng.random() < 0.4 else place
        return rng.choice(
            (
                f"{where} Family Support",
                f"{where} Carers Centre",
                f"{where} Young People's Trust",
                f"{rng.choice(_HOPEFUL)} Futures Trust",
                f"{rng.choice(_HOPEFUL)} Steps Trust",
                f"{where} Advocacy Network",
                f"{where} Women's Aid",
            )
        )
    if kind == "independent":
        a, b = rng.sample(_LAST_NAMES, 2)
        return rng.choice(
            (
                f"{a} Social Work Associates",
                f"{a} & {b} Independent Social Work",
                f"{place} Practice Education Ltd",
                f"{rng.choice(_HOPEFUL)} Practice Partnership",
                f"{place} Assessment Services",
            )
        )
    if kind == "agency":
        return rng.choice(
            (
                f"{rng.choice(_HOPEFUL)} Social Care Recruitment",
                f"{place} Locum Social Work",
                f"{rng.choice(_LAST_NAMES)} Recruitment Partners",
                f"{rng.choice(_HOPEFUL)} Social Work Solutions",
            )
        )
    return rng.choice((f"University of {place}", f"{place} University", f"{place} Metropolitan University", f"{place} College"))


def _organisations(rng: random.Random, m: int) -> list[Organisation]:
    kinds = _quota(_KIND_SHARE, m, at_least_one=True)
    rng.shuffle(kinds)
    regions = _quota(_REGION_SHARE, m, at_least_one=True)
    rng.shuffle(regions)
    width = max(3, len(str(m)))
    names: set[str] = set()
    orgs = []
    for j, (kind, region) in enumerate(zip(kinds, regions, strict=True)):
        for _ in range(50):
            name = _organisation_name(rng, kind, region)
            if name not in names:
                break
        else:  # the word lists ran dry: make it unique by its place in the list
            name = f"{name} ({j + 1})"
        names.add(name)
        orgs.append(Organisation(id=f"org-{j + 1:0{width}d}", name=name, kind=kind, region=region))
    return orgs


def _organisation_sizes(rng: random.Random, orgs: list[Organisation], n: int) -> list[int]:
    """Assessors per organisation: many micro (one or two), the rest lognormal by kind; sums to ``n``."""
    m = len(orgs)
    weights = [_KIND_SCALE[o.kind] * rng.lognormvariate(0.0, _SIZE_SIGMA) for o in orgs]
    if n < m:  # not enough to go round: n organisations get one each, bigger kinds likelier
        sizes = [0] * m
        for j in _weighted_sample(rng, range(m), weights, n):
            sizes[j] = 1
        return sizes
    sizes = [1] * m
    rest = n - m
    micro: set[int] = set()
    if rest and m >= 2:
        k = min(round(_MICRO_SHARE * m), m - 1)
        micro = set(_weighted_sample(rng, range(m), [_KIND_MICRO[o.kind] for o in orgs], k))
        for j in sorted(micro):
            if rest and rng.random() < 0.35:
                sizes[j] += 1
                rest -= 1
    others = [j for j in range(m) if j not in micro]
    if rest:
        for j in rng.choices(others, weights=[weights[j] for j in others], k=rest):
            sizes[j] += 1
    return sizes


def _weighted_sample(rng: random.Random, population: range, weights: list[float], k: int) -> list[int]:
    """``k`` distinct items, each likelier by its weight (Efraimidis-Spirakis keys), in population order."""
    keyed = sorted(population, key=lambda i: rng.random() ** (1.0 / weights[i]), reverse=True)
    return sorted(keyed[:k])


def _email_local(first: str, last: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", f"{first}.{last}".lower())


class _People:
    """Assessors with their employment, themes and availability, plus the plain arrays contacts need."""

    def __init__(self, rng: random.Random, orgs: list[Organisation], org_of: list[int], reference: date) -> None:
        n = len(org_of)
        width = max(5, len(str(n)))
        theme_ids = taxonomy.THEME_IDS
        theme_names = {t.id: t.name for t in taxonomy.THEMES}
        popularity = _theme_popularity(rng)
        cum_by_kind_area = {
            (kind, area): list(accumulate(popularity[t] * _area_factor(t, area) * _KIND_BIAS[kind].get(t, 1.0) for t in theme_ids))
            for kind in ORGANISATION_KINDS
            for area in ("children", "adults")
        }
        pattern_cum = list(accumulate(w for _, _, w in _PATTERNS))
        region_ids = list(REGIONS)
        emails: Counter[str] = Counter()

        self.assessors: list[Assessor] = []
        self.employments: list[Employment] = []
        self.theme_links: list[ThemeLink] = []
        self.org_of = org_of
        self.region: list[str] = []
        self.themes: list[tuple[int, ...]] = []
        self.mask: list[int] = []
        self.active: list[bool] = []
        self.index: dict[str, int] = {}

        for i, j in enumerate(org_of):
            org = orgs[j]
            aid = f"a-{i + 1:0{width}d}"
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            local = _email_local(first, last)
            emails[local] += 1
            email = f"{local}{emails[local] if emails[local] > 1 else ''}@{EMAIL_DOMAIN}"
            region = org.region if rng.random() < 0.9 else rng.choice(region_ids)
            experience = min(25, int(rng.gammavariate(2.0, 3.5)))
            area = "children" if rng.random() < _CHILDREN_SHARE[org.kind] else "adults"

            # Themes: 2-8 distinct, drawn by popularity x kind bias x area.
            count = rng.choices(_THEME_COUNTS, cum_weights=list(accumulate(_THEME_COUNT_WEIGHTS)))[0]
            cum = cum_by_kind_area[(org.kind, area)]
            chosen: list[int] = []
            while len(chosen) < count:
                t = bisect_right(cum, rng.random() * cum[-1])
                if t < len(theme_ids) and t not in chosen:
                    chosen.append(t)
            chosen.sort()
            p_experienced = min(0.9, 0.15 + 0.045 * experience)
            for t in chosen:
                level = "experienced" if rng.random() < p_experienced else "exploring"
                self.theme_links.append(ThemeLink(assessor_id=aid, theme_id=theme_ids[t], level=level))

            # Availability: a pattern, a few slots dropped, perhaps one added.
            pattern = _PATTERNS[bisect_right(pattern_cum, rng.random() * pattern_cum[-1])][1]
            slots = [s for s in pattern if rng.random() < _KEEP_SLOT]
            if pattern and not slots:
                slots = [rng.choice(pattern)]
            if pattern and rng.random() < _EXTRA_SLOT:
                slots.append(rng.choice(_DAYTIME_WEEKDAY_SLOTS))

            bio = ""
            if rng.random() < 0.35:
                bio = _bio(rng, org, experience, area, [theme_names[theme_ids[t]] for t in chosen])
            discoverable = rng.random() < 0.85
            paused = rng.random() < 0.04
            active = rng.random() >= 0.03
            capacity = 2 if rng.random() < 0.3 else 1
            assessor = Assessor(
                id=aid,
                name=f"{first} {last}",
                email=email,
                region=region,
                experience_years=experience,
                discoverable=discoverable,
                paused=paused,
                active=active,
                capacity=capacity,
                availability=tuple(slots),
                bio=bio,
            )
            days = rng.randint(30, max(60, min(experience, 20) * 365))
            self.assessors.append(assessor)
            self.employments.append(Employment(assessor_id=aid, organisation_id=org.id, since=reference - timedelta(days=days)))
            self.index[aid] = i
            self.region.append(region)
            self.themes.append(tuple(chosen))
            self.mask.append(availability.to_mask(assessor.availability))
            self.active.append(active)


def _theme_popularity(rng: random.Random) -> dict[str, float]:
    """Base weight of each theme: supernodes on top, the rest Zipf-like in a seeded order."""
    rest = [t for t in taxonomy.THEME_IDS if t not in _SUPERNODES]
    rng.shuffle(rest)
    popularity = {t: 1.0 / (rank + 2) ** _ZIPF_EXPONENT for rank, t in enumerate(rest)}
    popularity.update(_SUPERNODES)
    return popularity


def _area_factor(theme_id: str, area: str) -> float:
    if theme_id.startswith("kss-cf-"):
        return 1.0 if area == "children" else _OFF_STATEMENT
    if theme_id.startswith("kss-adults-"):
        return 1.0 if area == "adults" else _OFF_STATEMENT
    if theme_id in _CHILDREN_THEMES:
        return 1.0 if area == "children" else _OFF_AREA
    if theme_id in _ADULT_THEMES:
        return 1.0 if area == "adults" else _OFF_AREA
    return 1.0


_KIND_WORDS = {
    "local_authority": "a local authority",
    "nhs_trust": "an NHS trust",
    "voluntary": "a voluntary organisation",
    "independent": "independent practice",
    "agency": "agency work",
    "university": "a university social work programme",
}


def _bio(rng: random.Random, org: Organisation, experience: int, area: str, themes: list[str]) -> str:
    team = "children and families" if area == "children" else "adults"
    focus = "; ".join(rng.sample(themes, min(2, len(themes))))
    qualified = "new to practice education" if experience < 2 else f"{experience} years in practice education"
    opening = rng.choice(
        (
            f"Practice educator in {_KIND_WORDS[org.kind]}, {team} team, {qualified}.",
            f"Assessor of ASYE social workers ({team}), {qualified}.",
            f"Often the only practice educator in my team; {qualified}.",
            f"Social worker and practice assessor in {_KIND_WORDS[org.kind]} ({team}).",
        )
    )
    wish = rng.choice(
        (
            "Keen to think cases through with peers from other organisations.",
            "Happy to share what has worked in assessing students.",
            "Looking for a set that meets online.",
            "",
        )
    )
    return " ".join(part for part in (opening, f"Current focus: {focus}.", wish) if part)


def _contacts(rng: random.Random, people: _People, target: int, reference: date) -> list[Contact]:
    """Sparse contacts drawn from hidden affinities (see the module docstring), at most one per pair."""
    n = len(people.assessors)
    target = min(target, n * (n - 1) // 2)
    if target <= 0:
        return []
    ids = [a.id for a in people.assessors]
    themes, mask, region, org_of, active = people.themes, people.mask, people.region, people.org_of, people.active

    members: list[list[int]] = [[] for _ in taxonomy.THEME_IDS]
    for i, ts in enumerate(themes):
        for t in ts:
            members[t].append(i)
    colleagues: dict[int, list[int]] = {}
    for i, j in enumerate(org_of):
        colleagues.setdefault(j, []).append(i)
    idf = [math.log((n + 1) / (len(ms) + 1)) if ms else 0.0 for ms in members]
    # Rarer themes are likelier to be how two people found each other.
    theme_cum = [list(accumulate(idf[t] ** 2 + 1e-6 for t in ts)) for ts in themes]
    sociability = list(accumulate(rng.lognormvariate(0.0, _SOCIABILITY_SIGMA) * (1.0 if active[i] else 0.2) for i in range(n)))

    pairs: set[tuple[int, int]] = set()
    contacts: list[Contact] = []
    budget = 80 * target + 1000
    while len(contacts) < target and budget:
        budget -= 1
        u = bisect_right(sociability, rng.random() * sociability[-1])
        if u >= n:
            continue
        r = rng.random()
        if r < _COLLEAGUE_SHARE:
            pool = colleagues[org_of[u]]
            if len(pool) < 2:
                continue
            v = pool[rng.randrange(len(pool))]
            p = _COLLEAGUE_ACCEPT
        elif r < _COLLEAGUE_SHARE + _CHANCE_SHARE:
            v = rng.randrange(n)
            p = 1.0
        else:
            cum = theme_cum[u]
            k = min(bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)
            pool = members[themes[u][k]]
            v = pool[rng.randrange(len(pool))]
            shared = sum(idf[t] for t in themes[u] if t in themes[v])
            p = (1.0 - math.exp(-shared / _RARITY_SCALE)) * _SLOT_FACTOR[min(2, (mask[u] & mask[v]).bit_count())]
            if region[u] != region[v]:
                p *= _OTHER_REGION
            if org_of[u] == org_of[v]:
                p *= _SAME_ORGANISATION
            if not active[v]:
                p *= _INACTIVE
        if v == u:
            continue
        key = (u, v) if u < v else (v, u)
        if key in pairs or rng.random() >= p:
            continue
        pairs.add(key)
        if rng.random() < _ACCEPTED:
            status, days = "accepted", rng.randint(14, 3 * 365)
        else:
            status, days = "requested", rng.randint(1, 60)
        contacts.append(Contact(from_id=ids[u], to_id=ids[v], status=status, since=reference - timedelta(days=days), via=VIA))
    return contacts


def _size_buckets(sizes: list[int]) -> dict[str, int]:
    """How many organisations fall in each size band (bands with none are left out)."""
    bands: tuple[tuple[int, int, str], ...] = (
        (0, 0, "0"), (1, 1, "1"), (2, 2, "2"), (3, 5, "3-5"), (6, 10, "6-10"), (11, 25, "11-25"), (26, 50, "26-50"),
        (51, 100, "51-100"), (101, 250, "101-250"), (251, 10**9, "251+"),
    )  # fmt: skip
    out = {label: sum(1 for s in sizes if lo <= s <= hi) for lo, hi, label in bands}
    return {label: count for label, count in out.items() if count}
