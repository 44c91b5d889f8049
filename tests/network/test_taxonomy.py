"""The built-in theme taxonomy: complete frameworks, stable valid ids, unambiguous names."""

from __future__ import annotations

import doctest
from collections import Counter

import pytest

from network import taxonomy
from network.domain import THEME_FRAMEWORKS, Theme, check_id
from network.taxonomy import GROUPS, THEME_IDS, THEMES, is_builtin, theme_by_id

PCF_DOMAINS = [
    "Professionalism",
    "Values and ethics",
    "Diversity and equality",
    "Rights, justice and economic wellbeing",
    "Knowledge",
    "Critical reflection and analysis",
    "Skills and interventions",
    "Contexts and organisations",
    "Professional leadership",
]


def by_framework(framework: str) -> list[Theme]:
    return [t for t in THEMES if t.framework == framework]


def test_the_nine_pcf_domains_in_order() -> None:
    assert [t.name for t in by_framework("pcf")] == PCF_DOMAINS
    assert all(t.id.startswith("pcf-") for t in by_framework("pcf"))


def test_both_knowledge_and_skills_statements_are_covered() -> None:
    kss = by_framework("kss")
    child_and_family = [t for t in kss if t.id.startswith("kss-cf-")]
    adults = [t for t in kss if t.id.startswith("kss-adults-")]
    assert len(child_and_family) == 11
    assert len(adults) == 9
    assert len(kss) == len(child_and_family) + len(adults)
    names = {t.name for t in kss}
    for expected in ("Child development", "Abuse and neglect of children", "Person-centred practice", "Mental capacity", "Safeguarding"):
        assert expected in names


def test_practice_themes_are_a_usable_number() -> None:
    practice = by_framework("practice")
    assert 15 <= len(practice) <= 25
    assert all(t.id.startswith("practice-") for t in practice)
    names = {t.name for t in practice}
    assert {"Best interests decisions", "Anti-racist practice", "Kinship care", "Contextual safeguarding"} <= names


def test_documented_ids_are_stable() -> None:
    # Stored data refers to these ids: renaming one would orphan links.
    for theme_id in ("pcf-professionalism", "kss-cf-child-development", "kss-adults-mental-capacity", "practice-asye"):
        assert theme_id in THEME_IDS


def test_ids_are_valid_and_unique() -> None:
    assert len(set(THEME_IDS)) == len(THEME_IDS) == len(THEMES)
    for theme_id in THEME_IDS:
        assert check_id(theme_id) == theme_id
        assert theme_id == theme_id.lower()


def test_names_are_unambiguous_ignoring_case() -> None:
    counts = Counter(t.name.casefold() for t in THEMES)
    assert [name for name, n in counts.items() if n > 1] == []


def test_every_framework_is_a_known_one() -> None:
    assert {t.framework for t in THEMES} == set(THEME_FRAMEWORKS)


def test_theme_ids_follow_themes() -> None:
    assert THEME_IDS == tuple(t.id for t in THEMES)


def test_groups_partition_the_taxonomy_in_order() -> None:
    flattened = [theme_id for ids in GROUPS.values() for theme_id in ids]
    assert flattened == list(THEME_IDS)


def test_theme_by_id() -> None:
    theme = theme_by_id("kss-adults-mental-capacity")
    assert theme == Theme(id="kss-adults-mental-capacity", name="Mental capacity", framework="kss")
    assert is_builtin("practice-amhp")
    assert not is_builtin("practice-astrology")


def test_theme_by_id_names_an_unknown_id() -> None:
    with pytest.raises(KeyError, match="practice-astrology"):
        theme_by_id("practice-astrology")


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(taxonomy)
    assert result.attempted > 0 and result.failed == 0
