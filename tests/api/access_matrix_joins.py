"""Access-matrix rows of the joins area (issue 9): set suggestions, open programmes, join requests and decisions.

"Own" for this area: the assessor caller ``a-own`` (their suggestions, open programmes and
requests; ``jr-own`` is their request to join ``jset-own`` of ``p-own``), the programme ``p-own``
the coordinator caller coordinates; "other": ``a-other``, ``jr-other`` (to ``jset-other`` of
``p-other``). Asking to join is for oneself, whichever set: the set's side does not matter.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from graph.port_joins import JoinRequest
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation
from tests.api.matrix import Row

COORDINATOR = frozenset({"coordinator"})
OWN_ASSESSOR = frozenset({"assessor"})

ROWS: dict[str, Row] = {
    "GET /api/v1/assessors/{assessor_id}/set-suggestions": Row(OWN_ASSESSOR),
    "GET /api/v1/assessors/{assessor_id}/open-programmes": Row(OWN_ASSESSOR),
    "GET /api/v1/assessors/{assessor_id}/join-requests": Row(OWN_ASSESSOR),
    # asking for oneself (no assessor_id in the body): allowed for any set, refused to callers who are not assessors
    "POST /api/v1/sets/{set_id}/join-requests": Row(OWN_ASSESSOR, OWN_ASSESSOR, body={}),
    "POST /api/v1/join-requests/{request_id}/withdraw": Row(OWN_ASSESSOR),
    "GET /api/v1/programmes/{programme_id}/join-requests": Row(COORDINATOR),
    "POST /api/v1/programmes/{programme_id}/join-requests/{request_id}/accept": Row(COORDINATOR, body={}),
    "POST /api/v1/programmes/{programme_id}/join-requests/{request_id}/decline": Row(COORDINATOR, body={"note": "not this time"}),
}


def setup(world: Any) -> dict[str, tuple[str, str]]:
    """Per programme: a set of three with a free place, and a waiting request of that side's assessor to join it."""
    store = world.store
    for side in ("own", "other"):
        programme_id = f"p-{side}"
        set_id = f"jset-{side}"
        the_set = ActionLearningSet(id=set_id, name=f"Join set {side}", programme_id=programme_id, status="active", meeting_slot="tue-pm")
        store.commit_sets(programme_id, [NewSet(the_set, ())], date(2026, 1, 20))
        for k in range(3):
            org = store.create_organisation(
                Organisation(id=f"jorg-{side}-{k}", name=f"Join org {side} {k}", kind="voluntary", region="london")
            )
            a = store.create_assessor(Assessor(id=f"jm-{side}-{k}", name=f"Join member {side} {k}", availability=("tue-pm",), capacity=2))
            store.set_employer(a.id, org.id)
            store.add_member(set_id, a.id, date(2026, 1, 20))
        store.update_assessor(store.get_assessor(f"a-{side}").with_changes(availability=("tue-pm",)))
        store.request_join(JoinRequest(id=f"jr-{side}", set_id=set_id, assessor_id=f"a-{side}"))
    return {"request_id": ("jr-own", "jr-other")}
