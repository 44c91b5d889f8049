"""Access-matrix rows of the live meetings area (issue 19).

It uses the sets area's world (``set-own`` with the assessor caller ``a-own`` as a member, ``set-other``
with ``a-other``) and the meetings area's ``number`` (1). Only a set's current members see and take part in
its live meeting (coordinators never: they see aggregates per set, for their own programmes only).
"""

from __future__ import annotations

from tests.api.matrix import Row

OWN_ASSESSOR = frozenset({"assessor"})
COORDINATOR = frozenset({"coordinator"})

LIVE = "/api/v1/sets/{set_id}/meetings/{number}/live"

ROWS: dict[str, Row] = {
    f"GET {LIVE}": Row(OWN_ASSESSOR),
    f"POST {LIVE}": Row(OWN_ASSESSOR, body={"do": "checkin"}),
    f"POST {LIVE}/start": Row(OWN_ASSESSOR),
    f"PUT {LIVE}/note": Row(OWN_ASSESSOR, body={"note": "Open the bids sooner"}),
    f"PUT {LIVE}/attendance": Row(OWN_ASSESSOR, body={"attendance": {"a-own": "attended"}}),
    "GET /api/v1/me/facilitation": Row(OWN_ASSESSOR, OWN_ASSESSOR),
    "GET /api/v1/programmes/{programme_id}/facilitation": Row(COORDINATOR),
}
