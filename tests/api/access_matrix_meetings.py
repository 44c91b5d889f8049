"""Access-matrix rows of the meetings area (issue 8): meetings of sets, swaps, moves, attendance, actions, health, notices.

It uses the sets area's world: ``set-own`` (programme ``p-own``, which the coordinator caller
coordinates; the assessor caller ``a-own`` is a member) and ``set-other`` (programme ``p-other``,
with ``a-other``), each with members ``sm-<side>-0`` and ``sm-<side>-2``. Meetings are addressed by
number and materialised from the set's rota on first use.
"""

from __future__ import annotations

from typing import Any

from tests.api.matrix import EVERYONE, NOBODY, Row

COORDINATOR = frozenset({"coordinator"})
MEMBER_OR_COORDINATOR = frozenset({"assessor", "coordinator"})
OWN_ASSESSOR = frozenset({"assessor"})
ORG_ADMIN = frozenset({"org_admin"})

MEETING = "/api/v1/sets/{set_id}/meetings/{number}"


def _side(o: str) -> str:
    return "own" if o == "own" else "other"


ROWS: dict[str, Row] = {
    # a set's meetings: its members and its programme's coordinators
    "GET /api/v1/sets/{set_id}/meetings": Row(MEMBER_OR_COORDINATOR),
    "GET /api/v1/sets/{set_id}/meetings.ics": Row(MEMBER_OR_COORDINATOR),
    "PUT /api/v1/sets/{set_id}/video-link": Row(MEMBER_OR_COORDINATOR, body={"video_link": "https://meet.example.org/set"}),
    f"GET {MEETING}": Row(MEMBER_OR_COORDINATOR),
    f"PATCH {MEETING}": Row(MEMBER_OR_COORDINATOR, body={"video_link": None}),
    f"POST {MEETING}/attendance": Row(MEMBER_OR_COORDINATOR, body=lambda w, o: {"attendance": {f"a-{_side(o)}": "attended"}}),
    f"POST {MEETING}/swap": Row(
        MEMBER_OR_COORDINATOR,
        body=lambda w, o: {"role": "facilitator", "assessor_id": f"a-{_side(o)}", "with_assessor_id": f"sm-{_side(o)}-0"},
    ),
    f"GET {MEETING}/move-check": Row(MEMBER_OR_COORDINATOR, query={"on": "2027-02-09", "slot": "tue-pm"}),
    f"POST {MEETING}/move": Row(MEMBER_OR_COORDINATOR, body={"on": "2027-02-09", "slot": "tue-pm"}),
    # a presenter's own action: only that presenter (the view refuses anyone not presenting with 422)
    f"PUT {MEETING}/my-action": Row(OWN_ASSESSOR, body={"action": "Ask for a peer observation"}),
    # coordinator and organisation views
    "GET /api/v1/programmes/{programme_id}/health": Row(COORDINATOR),
    "GET /api/v1/organisations/{organisation_id}/participation": Row(ORG_ADMIN),
    # everyone's own notices; running reminders is for admins
    "GET /api/v1/me/notices": Row(EVERYONE, EVERYONE),
    "POST /api/v1/reminders/run": Row(NOBODY, body={"date": "2026-02-01"}),
}


def setup(world: Any) -> dict[str, tuple[str, str]]:
    """Meetings are numbered from 1 in every set (the sets area's setup creates the sets)."""
    return {"number": ("1", "1")}
