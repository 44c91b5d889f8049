"""The built-in taxonomy of practice themes for social work assessors in England.

Three groups, told apart by ``Theme.framework``:

* ``"pcf"`` — the nine domains of the Professional Capabilities Framework (BASW, refreshed 2018);
* ``"kss"`` — the areas of the two Knowledge and Skills Statements: for child and family
  practice (ids ``kss-cf-...``) and for social workers in adult services (ids ``kss-adults-...``);
* ``"practice"`` — common practice themes assessors bring to peer contacts and action learning sets.

Ids are stable slugs: data refers to them, so never rename one; add a new theme instead.
Names are unique (case-insensitively) so a theme can be picked by its name in a list; where the
two statements share an area name ("Organisational context") the name says which statement it is.

>>> theme_by_id("pcf-professionalism").name
'Professionalism'
>>> theme_by_id("kss-adults-mental-capacity").framework
'kss'
>>> len(THEMES) == len(THEME_IDS)
True
"""

from __future__ import annotations

from network.domain import Theme

_PCF: tuple[tuple[str, str], ...] = (
    ("pcf-professionalism", "Professionalism"),
    ("pcf-values-and-ethics", "Values and ethics"),
    ("pcf-diversity-and-equality", "Diversity and equality"),
    ("pcf-rights-justice-and-economic-wellbeing", "Rights, justice and economic wellbeing"),
    ("pcf-knowledge", "Knowledge"),
    ("pcf-critical-reflection-and-analysis", "Critical reflection and analysis"),
    ("pcf-skills-and-interventions", "Skills and interventions"),
    ("pcf-contexts-and-organisations", "Contexts and organisations"),
    ("pcf-professional-leadership", "Professional leadership"),
)

# Knowledge and Skills Statement for child and family practitioners (DfE, 2014).
_KSS_CHILD_AND_FAMILY: tuple[tuple[str, str], ...] = (
    ("kss-cf-relationships-and-direct-work", "Relationships and effective direct work"),
    ("kss-cf-communication", "Communication"),
    ("kss-cf-child-development", "Child development"),
    (
        "kss-cf-adult-ill-health-substance-misuse-domestic-abuse",
        "Adult mental ill health, substance misuse, domestic abuse, physical ill health and disability",
    ),
    ("kss-cf-abuse-and-neglect", "Abuse and neglect of children"),
    ("kss-cf-child-and-family-assessment", "Child and family assessment"),
    ("kss-cf-analysis-decisions-planning-review", "Analysis, decision-making, planning and review"),
    ("kss-cf-law-family-and-youth-justice", "The law and the family and youth justice systems"),
    ("kss-cf-professional-ethics", "Professional ethics"),
    ("kss-cf-supervision-and-research", "The role of supervision and research"),
    ("kss-cf-organisational-context", "Organisational context (child and family)"),
)

# Knowledge and Skills Statement for social workers in adult services (DH, 2015).
_KSS_ADULTS: tuple[tuple[str, str], ...] = (
    ("kss-adults-role-of-social-workers", "The role of social workers working with adults"),
    ("kss-adults-person-centred-practice", "Person-centred practice"),
    ("kss-adults-safeguarding", "Safeguarding"),
    ("kss-adults-mental-capacity", "Mental capacity"),
    ("kss-adults-assessment-and-support-planning", "Effective assessments and outcome-based support planning"),
    ("kss-adults-direct-work", "Direct work with individuals and families"),
    ("kss-adults-supervision-reflection-analysis", "Supervision, critical reflection and analysis"),
    ("kss-adults-organisational-context", "Organisational context (adults)"),
    ("kss-adults-ethics-and-leadership", "Professional ethics and leadership"),
)

_PRACTICE: tuple[tuple[str, str], ...] = (
    ("practice-mental-capacity-act", "Mental Capacity Act assessments"),
    ("practice-best-interests", "Best interests decisions"),
    ("practice-liberty-safeguards", "Deprivation of Liberty / Liberty Protection Safeguards"),
    ("practice-court-skills", "Court skills and care proceedings"),
    ("practice-anti-racist", "Anti-racist practice"),
    ("practice-trauma-informed", "Trauma-informed practice"),
    ("practice-strengths-based", "Strengths-based practice"),
    ("practice-neurodiversity", "Neurodiversity"),
    ("practice-transitions", "Transitions to adulthood"),
    ("practice-hoarding-self-neglect", "Hoarding and self-neglect"),
    ("practice-domestic-abuse", "Domestic abuse"),
    ("practice-contextual-safeguarding", "Contextual safeguarding"),
    ("practice-uasc", "Unaccompanied asylum-seeking children"),
    ("practice-carers-assessments", "Carers assessments"),
    ("practice-asye", "Supporting newly qualified social workers (ASYE)"),
    ("practice-education", "Practice education and assessment"),
    ("practice-writing-recording", "Writing and recording"),
    ("practice-reflective-supervision", "Reflective supervision"),
    ("practice-kinship-care", "Kinship care"),
    ("practice-amhp", "Mental health (AMHP) practice"),
    ("practice-learning-disability", "Learning disability"),
    ("practice-dementia", "Older people and dementia"),
    ("practice-fostering-adoption", "Fostering and adoption"),
    ("practice-restorative", "Restorative practice"),
)

#: Every built-in theme: PCF domains, then KSS areas (child and family, adults), then practice themes.
THEMES: tuple[Theme, ...] = (
    tuple(Theme(id=i, name=n, framework="pcf") for i, n in _PCF)
    + tuple(Theme(id=i, name=n, framework="kss") for i, n in _KSS_CHILD_AND_FAMILY + _KSS_ADULTS)
    + tuple(Theme(id=i, name=n, framework="practice") for i, n in _PRACTICE)
)

#: The ids of :data:`THEMES`, in the same order.
THEME_IDS: tuple[str, ...] = tuple(t.id for t in THEMES)

#: Themes grouped for display (a heading per group), each group in taxonomy order.
GROUPS: dict[str, tuple[str, ...]] = {
    "Professional Capabilities Framework": tuple(i for i, _ in _PCF),
    "Knowledge and Skills Statement: child and family": tuple(i for i, _ in _KSS_CHILD_AND_FAMILY),
    "Knowledge and Skills Statement: adults": tuple(i for i, _ in _KSS_ADULTS),
    "Practice themes": tuple(i for i, _ in _PRACTICE),
}

_BY_ID: dict[str, Theme] = {t.id: t for t in THEMES}


def theme_by_id(theme_id: str) -> Theme:
    """The built-in theme with this id; ``KeyError`` naming the id when there is none."""
    try:
        return _BY_ID[theme_id]
    except KeyError:
        raise KeyError(f"no built-in theme {theme_id!r}") from None


def is_builtin(theme_id: str) -> bool:
    """True when ``theme_id`` names a built-in theme."""
    return theme_id in _BY_ID
