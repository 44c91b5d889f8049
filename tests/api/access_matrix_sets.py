"""Access-matrix rows of the sets area (issue 4): programmes, enrolment, proposals, sets, repair, rota and calendars.

"Own" for this area: the programme ``p-own`` the coordinator caller coordinates (and ``a-own``, the
assessor caller, enrolled in it and a member of its set ``set-own``); "other": ``p-other`` and its
set ``set-other`` (with ``a-other``). Proposals ``prop-own`` / ``prop-other`` belong to those programmes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from graph.port_sets import NewSet, ProposalRecord
from network.domain import ActionLearningSet, Assessor, Organisation
from tests.api.matrix import EVERYONE, Row

COORDINATOR = frozenset({"coordinator"})
MEMBER_OR_COORDINATOR = frozenset({"assessor", "coordinator"})
OWN_ASSESSOR = frozenset({"assessor"})
ENROLLERS = frozenset({"assessor", "org_admin", "coordinator"})  # self, the employer's admin, the programme's coordinator


def _side(o: str) -> str:
    return "own" if o == "own" else "other"


ROWS: dict[str, Row] = {
    # programmes: settings are public to signed-in users; coordinators open them and change their own
    "GET /api/v1/programmes": Row(EVERYONE, EVERYONE),
    "POST /api/v1/programmes": Row(COORDINATOR, COORDINATOR, body=lambda w, o: {"id": w.fresh("prog-new"), "name": "New programme"}),
    "GET /api/v1/programmes/{programme_id}": Row(EVERYONE, EVERYONE),
    "PATCH /api/v1/programmes/{programme_id}": Row(COORDINATOR, body={"meetings": 8}),
    # enrolment: the pool (with names) is for the coordinator; enrolling is for self, employer's admin, coordinator
    "GET /api/v1/programmes/{programme_id}/enrolments": Row(COORDINATOR),
    "PUT /api/v1/programmes/{programme_id}/enrolments/{assessor_id}": Row(ENROLLERS, body={}),
    "DELETE /api/v1/programmes/{programme_id}/enrolments/{assessor_id}": Row(ENROLLERS),
    # proposals: the programme's coordinator only
    "GET /api/v1/programmes/{programme_id}/proposals": Row(COORDINATOR),
    "POST /api/v1/programmes/{programme_id}/proposals": Row(COORDINATOR, body={"seed": 1, "time_limit": 0}),
    "GET /api/v1/proposals/{proposal_id}": Row(COORDINATOR),
    "DELETE /api/v1/proposals/{proposal_id}": Row(COORDINATOR),
    "POST /api/v1/proposals/{proposal_id}/edits": Row(
        COORDINATOR, body=lambda w, o: {"version": 1, "move": {"member_id": f"sm-{_side(o)}-1", "to_set": None}}
    ),
    "POST /api/v1/proposals/{proposal_id}/locks": Row(COORDINATOR, body={"version": 1, "sets": [1]}),
    "GET /api/v1/proposals/{proposal_id}/versions": Row(COORDINATOR),
    "POST /api/v1/proposals/{proposal_id}/restore": Row(COORDINATOR, body={"version": 1, "restore": 1}),
    "POST /api/v1/proposals/{proposal_id}/names": Row(COORDINATOR, body={"version": 1, "set": 1, "name": "Tuesday thinkers"}),
    "POST /api/v1/proposals/{proposal_id}/rerun": Row(COORDINATOR, body={"version": 1, "time_limit": 0}),
    "POST /api/v1/proposals/{proposal_id}/commit": Row(COORDINATOR, body={"version": 1}),
    # sets: the coordinator, and the set's members for reading
    "GET /api/v1/programmes/{programme_id}/sets": Row(COORDINATOR),
    "GET /api/v1/sets/{set_id}": Row(MEMBER_OR_COORDINATOR),
    "PATCH /api/v1/sets/{set_id}": Row(COORDINATOR, body={"status": "active"}),
    "POST /api/v1/sets/{set_id}/leave": Row(MEMBER_OR_COORDINATOR, body=lambda w, o: {"assessor_id": f"a-{_side(o)}"}),
    "GET /api/v1/sets/{set_id}/repair": Row(COORDINATOR),
    "POST /api/v1/sets/{set_id}/members": Row(COORDINATOR, body=lambda w, o: {"assessor_id": f"free-{_side(o)}"}),
    "GET /api/v1/sets/{set_id}/rota": Row(MEMBER_OR_COORDINATOR),
    "GET /api/v1/sets/{set_id}/calendar.ics": Row(MEMBER_OR_COORDINATOR),
    # an assessor's own sets and calendar
    "GET /api/v1/assessors/{assessor_id}/sets": Row(OWN_ASSESSOR),
    "GET /api/v1/assessors/{assessor_id}/calendar.ics": Row(OWN_ASSESSOR),
}


def setup(world: Any) -> dict[str, tuple[str, str]]:
    """Per programme: a pool of four from four organisations, a proposal, and a set with the side's assessor in it."""
    from api.services import sets as service

    store = world.store
    for side in ("own", "other"):
        programme_id = f"p-{side}"
        members = []
        for k in range(4):
            org = store.create_organisation(Organisation(id=f"org-{side}-{k}", name=f"Org {side} {k}", kind="voluntary", region="london"))
            a = store.create_assessor(Assessor(id=f"sm-{side}-{k}", name=f"Member {side} {k}", availability=("tue-pm",), capacity=2))
            store.set_employer(a.id, org.id)
            store.enrol(programme_id, a.id)
            members.append(a.id)
        free = store.create_assessor(Assessor(id=f"free-{side}", name=f"Free {side}", availability=("tue-pm",), discoverable=True))
        store.enrol(programme_id, free.id)
        made = service.propose(store, programme_id, service.RunSettings(seed=1, time_limit=0))
        store.delete_proposal(made.record.id)  # kept under a fixed id instead, so the rows can name it
        store.save_proposal(ProposalRecord(id=f"prop-{side}", programme_id=programme_id, payload=made.record.payload))
        store.update_assessor(store.get_assessor(f"a-{side}").with_changes(availability=("tue-pm",)))
        store.enrol(programme_id, f"a-{side}")
        the_set = ActionLearningSet(
            id=f"set-{side}",
            name=f"Set {side}",
            programme_id=programme_id,
            status="active",
            meeting_slot="tue-pm",
            starts_on=date(2026, 2, 3),
        )
        store.commit_sets(programme_id, [NewSet(the_set, (f"a-{side}", members[0], members[2]))], date(2026, 1, 20))
    return {"proposal_id": ("prop-own", "prop-other"), "set_id": ("set-own", "set-other")}
