"""Privacy use cases: a person's data export, and erasure that keeps other members' set history whole.

Erasure deletes the assessor node with every personal tie (employment, themes, contacts,
declines, enrolments) and their login (tokens, reset links), in one store transaction. Sets
they were ever in keep a "Former member" placeholder in their place (a new assessor with a
fresh id and nothing personal, never findable, whose memberships have all ended), so the
rotas and histories of the other members stay consistent. The audit log records the erasure
with ids only.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from api.services import live, meetings
from api.services.accounts import audit_entry, now
from api.services.usecase import record, use_case
from graph.port import GraphStore
from graph.port_accounts import ErasureReport
from network.domain import Assessor
from network.events import Erased

#: The name a placeholder shows wherever the erased person used to appear.
PLACEHOLDER_NAME = "Former member"


def placeholder() -> Assessor:
    """A fresh anonymised stand-in for an erased member: nothing personal, never findable, no capacity."""
    return Assessor(
        id=f"erased-{secrets.token_hex(8)}",
        name=PLACEHOLDER_NAME,
        discoverable=False,
        paused=False,
        active=False,
        capacity=0,
    )


@use_case
def erase(store: GraphStore, assessor_id: str, actor_id: str | None) -> ErasureReport:
    """Erase the person (see the module docstring); :class:`NotFound` if there is no such assessor."""
    stand_in = placeholder()
    entry = audit_entry("privacy:erase", "assessor", assessor_id, actor_id, {"placeholder_id": stand_in.id})
    report = store.erase_assessor(assessor_id, stand_in, today=date.today(), audit=entry)
    record(Erased(actor_id, assessor_id))  # nothing kept that shows them is shown again
    return report


def export(store: GraphStore, assessor_id: str) -> dict[str, Any]:
    """Everything stored about the assessor and their login, as plain JSON-ready data; :class:`NotFound` if none."""
    assessor = store.get_assessor(assessor_id)
    employment = store.get_employment(assessor_id)
    user = store.user_for_assessor(assessor_id)
    account = None
    if user is not None:
        account = {
            "id": user.id,
            "email": user.email,
            "roles": list(user.roles),
            "active": user.active,
            "created_at": plain(user.created_at),
            "organisation_ids": list(user.organisation_ids),
            "programme_ids": list(user.programme_ids),
            "api_tokens": [
                {
                    "id": t.id,
                    "name": t.name,
                    "created_at": plain(t.created_at),
                    "expires_at": plain(t.expires_at),
                    "last_used_at": plain(t.last_used_at),
                }
                for t in store.list_tokens(user.id)
            ],
        }
    return {
        "exported_at": now(),
        "assessor": plain(assessor) | {"findable": assessor.findable},
        "employment": None if employment is None else plain(employment),
        "themes": [plain(link) for link in store.theme_links(assessor_id)],
        "contacts": [plain(c) for c in store.contacts_of(assessor_id)],
        "declined": [plain(d) for d in store.declines_of(assessor_id)],
        "enrolments": [plain(e) for e in store.enrolments_of(assessor_id)],
        "sets": [
            plain(record.set) | {"memberships": [plain(m) for m in record.members if m.assessor_id == assessor_id]}
            for record in store.sets_of_assessor(assessor_id, current_only=False)
        ],
        "meetings": meetings.personal_data(store, assessor_id, user.id if user else None)
        | {"live": live.personal_data(store, assessor_id)},
        "join_requests": [plain(r) for r in store.join_requests_of_assessor(assessor_id)],
        "questionnaire_answers": [plain(a) for a in store.outcome_answers_of(assessor_id)],
        "account": account,
    }


def export_json(store: GraphStore, assessor_id: str) -> dict[str, Any]:
    """:func:`export` as JSON-ready data (``exported_at`` as ISO 8601 text): the file the pages offer, the body the API answers."""
    return plain(export(store, assessor_id))


def plain(value: Any) -> Any:
    """Dataclasses, tuples, dates and datetimes as JSON-ready dicts, lists and ISO strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value
