"""Access-matrix rows of the reach area (issue 5): organisation admins for their own organisation, coordinators for all."""

from __future__ import annotations

from typing import Any

from tests.api.matrix import Row

ORG_ADMIN_AND_COORDINATOR = frozenset({"org_admin", "coordinator"})
COORDINATOR = frozenset({"coordinator"})


def _organisation(world: Any, ownership: str) -> dict[str, str]:
    return {"organisation": "org-own" if ownership == "own" else "org-other"}


ROWS: dict[str, Row] = {
    # an organisation's reach and isolated list: its own admins, and coordinators for any organisation
    "GET /api/v1/organisations/{organisation_id}/reach": Row(ORG_ADMIN_AND_COORDINATOR, COORDINATOR),
    "GET /api/v1/organisations/{organisation_id}/map": Row(ORG_ADMIN_AND_COORDINATOR, COORDINATOR),
    "GET /api/v1/isolated": Row(ORG_ADMIN_AND_COORDINATOR, COORDINATOR, query=_organisation),
    # the network as a whole (organisations only, no people): any organisation admin or coordinator
    "GET /api/v1/reach/network": Row(ORG_ADMIN_AND_COORDINATOR, ORG_ADMIN_AND_COORDINATOR),
    "GET /api/v1/reach/network/ties.csv": Row(ORG_ADMIN_AND_COORDINATOR, ORG_ADMIN_AND_COORDINATOR),
    # what a proposal would change: coordinators
    "POST /api/v1/reach/what-if": Row(COORDINATOR, COORDINATOR, body={"contacts": [["a-own", "a-other"]]}),
}
