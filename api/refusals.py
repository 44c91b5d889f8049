"""What a refused person reads: who may do an action, in plain words, never the policy's action code.

:func:`api.access.authorize` answers 403 with :func:`refusal`, e.g. "Reach is shown to the
organisation admins of Whitton Council and to coordinators." instead of "You may not read
reach here". Each row of :data:`WORDS` says who the action is for; ``{organisation}`` and
``{programme}`` are filled in with the name of the organisation or programme the request is
about (anyone signed in may read those names), or general words when there is none. People are
never named: a refusal must not tell a stranger whose profile an id belongs to.

Every row of :data:`api.access.POLICY` has a row here (a test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.port import NotFound

#: Words when an action has no row (never expected: a test keeps the tables in step).
FALLBACK = "Your account does not give you access to this. If you think it should, ask a network admin."

_SIGNED_IN = "Sign in to use Bridgework."

#: action -> who it is for, in words (see the module docstring for the placeholders).
WORDS: dict[str, str] = {
    # -- accounts
    "me:read": _SIGNED_IN,
    "me:write": _SIGNED_IN,
    "sessions:list": _SIGNED_IN,
    "sessions:end": "You can end only your own sessions.",
    "users:list": "Only network admins can see the list of accounts.",
    "users:read": "You can only see your own account.",
    "users:create": "Only network admins can create accounts.",
    "users:write": "Only network admins can change people's accounts and roles.",
    "users:reset": "Only network admins can issue password reset links.",
    "tokens:list": _SIGNED_IN,
    "tokens:create": _SIGNED_IN,
    "tokens:revoke": _SIGNED_IN,
    "audit:read": "Only network admins can read the audit log.",
    "privacy:export": "Only the assessor themselves can download their data.",
    "privacy:erase": "Only the assessor themselves can erase their data.",
    # -- organisations, themes, assessors
    "organisations:list": _SIGNED_IN,
    "organisations:read": _SIGNED_IN,
    "organisations:create": "Only network admins can add organisations.",
    "organisations:write": "Only network admins can change an organisation's details.",
    "organisations:delete": "Only network admins can remove organisations.",
    "themes:list": _SIGNED_IN,
    "themes:read": _SIGNED_IN,
    "themes:create": "Only network admins can add practice themes.",
    "themes:write": "Only network admins can change practice themes.",
    "themes:delete": "Only network admins can remove practice themes.",
    "assessors:list": "The assessors of {organisation} are shown only to its organisation admins.",
    "assessors:create": "Only the organisation admins of {organisation} can add assessors to it.",
    "assessors:read": "An assessor's profile is shown only to them and to the organisation admins of their organisation.",
    "assessors:write": "An assessor's profile can be changed only by them and by the organisation admins of their organisation.",
    "assessors:employ": "Only the organisation admins of an assessor's organisation can change where they work.",
    "assessors:activate": "Only the organisation admins of an assessor's organisation can deactivate or re-activate their profile.",
    # -- suggestions and contacts
    "suggestions:read": "Peer suggestions are shown only to the assessor they are for.",
    "contacts:read": "Contacts and contact requests are shown only to the assessor they belong to.",
    "contacts:write": "Only the assessor themselves can send, answer or withdraw their contact requests.",
    # -- reach
    "reach:read": "Reach is shown to the organisation admins of {organisation} and to coordinators.",
    "reach:network": "The network report is shown to organisation admins and coordinators.",
    "reach:what_if": "Only coordinators can see what a change would do to reach.",
    "isolated:list": "The isolated assessors of {organisation} are shown to its organisation admins and to coordinators.",
    # -- programmes and sets
    "programmes:create": "Only coordinators can open programmes.",
    "programmes:list": _SIGNED_IN,
    "programmes:read": _SIGNED_IN,
    "programmes:write": "Only the coordinators of {programme} can change its settings.",
    "enrolments:read": "The enrolment pool of {programme} is shown only to its coordinators.",
    "enrolments:write": (
        "Only the coordinators of {programme}, the assessor themselves or the organisation admins of their organisation "
        "can enrol them or take them out."
    ),
    "proposals:create": "Only the coordinators of {programme} can form its sets.",
    "proposals:read": "The proposed sets of {programme} are shown only to its coordinators.",
    "proposals:write": "Only the coordinators of {programme} can change its proposed sets.",
    "proposals:commit": "Only the coordinators of {programme} can commit its proposed sets.",
    "sets:read": "A set is shown only to its members and to the coordinators of its programme.",
    "sets:write": "Only the coordinators of {programme} can change or close its sets.",
    "sets:leave": "Only the member themselves or a coordinator of {programme} can take someone out of a set.",
    "sets:repair": "Only the coordinators of {programme} can fill free places in its sets.",
    "sets:own": "An assessor's sets are shown only to them.",
    "calendar:read": "A calendar is shown only to the assessor it is for.",
    # -- joins
    "set_suggestions:read": "Sets to join are suggested only to the assessor they are for.",
    "open_programmes:read": "Open programmes to join are shown only to the assessor they are for.",
    "joins:own": "Requests to join a set are shown only to the assessor who made them.",
    "joins:request": "Only the assessor themselves can ask to join a set.",
    "joins:withdraw": "Only the assessor who asked can withdraw a request to join a set.",
    "joins:read": "Requests to join the sets of {programme} are shown only to its coordinators.",
    "joins:decide": "Only the coordinators of {programme} can accept or decline requests to join its sets.",
    # -- jobs and admin pages
    "jobs:list": _SIGNED_IN,
    "jobs:read": "The progress of a job is shown only to the person who started it.",
    "admin:open": "The admin pages are only for network admins.",
    "home:read": _SIGNED_IN,
    "people:list": "Only organisation admins and network admins can manage people.",
    "people:invite": "Only the admins of {organisation} can invite its people.",
    "programmes:close": "Only the coordinators of {programme} can close it.",
    # -- outcomes
    "questionnaire:read": "The questionnaire of {programme} is shown only to its coordinators.",
    "questionnaire:write": "Only the coordinators of {programme} can change its questionnaire.",
    "questionnaires:read": "Questionnaires are shown only to the assessor who answers them.",
    "questionnaires:answer": "Only the assessor themselves can answer their questionnaire.",
    "outcomes:read": "The outcomes of {programme} are shown only to its coordinators.",
    # -- meetings
    "meetings:read": "A set's meetings are shown only to its members and to the coordinators of its programme.",
    "meetings:write": "Only the members of a set and the coordinators of its programme can change its meetings.",
    "meetings:swap": "Only the two people whose turns they are, and the coordinators of the programme, can swap turns.",
    "meetings:action": "Only the presenter themselves can write their action.",
    "health:read": "The health of the sets of {programme} is shown only to its coordinators.",
    "live:read": "A meeting as it happens is open only to the members of its set.",
    "live:act": "Only the members of a set can take part in its meeting.",
    "facilitation:own": "Only the person themself can see how they have facilitated and their notes to self.",
    "facilitation:read": "How the sets of {programme} run their meetings is shown only to its coordinators, as totals.",
    "participation:read": "The participation of the assessors of {organisation} is shown only to its organisation admins.",
    "notices:read": _SIGNED_IN,
    "notices:choose": _SIGNED_IN,
    "reminders:send": "Only network admins can send reminders.",
}

#: Words for a placeholder whose id is not in the request (or names nothing).
_GENERAL = {"organisation": "the organisation", "programme": "the programme"}
#: Special cases: the whole network rather than one organisation.
_WITHOUT = {"isolated:list": "The isolated assessors of the whole network are shown to coordinators."}


def refusal(action: str, scope: Mapping[str, Any], store: Any | None = None) -> str:
    """The plain sentence a person refused ``action`` on ``scope`` reads (names from ``store`` when it can find them)."""
    words = WORDS.get(action)
    if words is None:
        return FALLBACK
    if action in _WITHOUT and scope.get("organisation_id") is None:
        return _WITHOUT[action]
    values = {}
    for name in _GENERAL:
        if "{" + name + "}" in words:
            values[name] = _name(store, name, scope.get(f"{name}_id")) or _GENERAL[name]
    return words.format(**values)


def _name(store: Any | None, kind: str, ident: Any) -> str | None:
    if store is None or not isinstance(ident, str) or not ident:
        return None
    try:
        found = store.get_organisation(ident) if kind == "organisation" else store.get_programme(ident)
    except (NotFound, ValueError):
        return None
    return str(found.name)
