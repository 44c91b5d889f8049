"""Hypothesis strategies shared by the test tiers: small valid bundles of the whole graph."""

from __future__ import annotations

from hypothesis import strategies as st

from network import availability, limits
from network.bundle import Bundle
from network.domain import (
    LEVELS,
    ORGANISATION_KINDS,
    REGIONS,
    THEME_FRAMEWORKS,
    Assessor,
    Contact,
    Employment,
    Organisation,
    Theme,
    ThemeLink,
)

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,12}", fullmatch=True)
text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
names = text.filter(lambda s: s.strip())
#: Dates a CSV may carry: the window of dates people may enter (network.limits).
dates = st.none() | st.dates(min_value=limits.DATE_MIN, max_value=limits.date_max())


@st.composite
def bundles(draw: st.DrawFn) -> Bundle:
    """Small valid bundles: unique ids, ties between bundle nodes, at most one contact per pair, text a CSV can carry."""
    organisations = draw(
        st.lists(
            st.builds(Organisation, id=ids, name=names, kind=st.sampled_from(ORGANISATION_KINDS), region=st.sampled_from(list(REGIONS))),
            unique_by=lambda o: o.id,
            max_size=4,
        )
    )
    themes = draw(
        st.lists(st.builds(Theme, id=ids, name=names, framework=st.sampled_from(THEME_FRAMEWORKS)), unique_by=lambda t: t.id, max_size=4)
    )
    assessors = draw(
        st.lists(
            st.builds(
                Assessor,
                id=ids,
                name=names,
                email=st.none() | st.from_regex(r"[a-z0-9.+\"',]{1,8}@[a-z]{1,8}\.[a-z]{2,4}", fullmatch=True),
                region=st.none() | st.sampled_from(list(REGIONS)),
                experience_years=st.integers(0, 60),
                discoverable=st.booleans(),
                paused=st.booleans(),
                active=st.booleans(),
                capacity=st.integers(0, 5),
                availability=st.lists(st.sampled_from(availability.SLOTS), max_size=5).map(tuple),
                bio=text,
            ),
            unique_by=lambda a: a.id,
            max_size=6,
        )
    )
    # Some pauses end on a given day (only a paused assessor may have one).
    assessors = [a.with_changes(paused_until=draw(dates)) if a.paused and draw(st.booleans()) else a for a in assessors]
    employments, theme_links = [], []
    for a in assessors:
        if organisations and draw(st.booleans()):
            employments.append(Employment(a.id, draw(st.sampled_from(organisations)).id, draw(dates)))
        for t in draw(st.lists(st.sampled_from(themes), unique_by=lambda t: t.id, max_size=3)) if themes else []:
            theme_links.append(ThemeLink(a.id, t.id, draw(st.sampled_from(LEVELS))))
    contacts = []
    if len(assessors) >= 2:
        pairs = draw(st.lists(st.tuples(st.sampled_from(assessors), st.sampled_from(assessors)), max_size=6))
        seen: set[frozenset[str]] = set()
        for x, y in pairs:
            if x.id != y.id and frozenset((x.id, y.id)) not in seen:
                seen.add(frozenset((x.id, y.id)))
                contacts.append(Contact(x.id, y.id, draw(st.sampled_from(["requested", "accepted"])), draw(dates), draw(st.none() | names)))
    return Bundle(organisations, themes, assessors, employments, theme_links, contacts)
