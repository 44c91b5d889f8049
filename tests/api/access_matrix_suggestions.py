"""Access-matrix rows of the suggestions area (issue 3): suggestions and contacts are the assessor's own (and admins')."""

from __future__ import annotations

from network.domain import Assessor, Organisation
from tests.api.matrix import NOBODY, Row, World

OWN_ASSESSOR = frozenset({"assessor"})

ROWS: dict[str, Row] = {
    "GET /api/v1/assessors/{assessor_id}/suggestions": Row(OWN_ASSESSOR, NOBODY),
    "POST /api/v1/assessors/{assessor_id}/suggestions/{other_id}/decline": Row(OWN_ASSESSOR, NOBODY),
    "GET /api/v1/assessors/{assessor_id}/contacts": Row(OWN_ASSESSOR, NOBODY),
    "POST /api/v1/assessors/{assessor_id}/contacts": Row(OWN_ASSESSOR, NOBODY, body={"to_id": "a-peer"}),
    "POST /api/v1/assessors/{assessor_id}/contacts/{other_id}/accept": Row(OWN_ASSESSOR, NOBODY),
    "POST /api/v1/assessors/{assessor_id}/contacts/{other_id}/decline": Row(OWN_ASSESSOR, NOBODY),
    "POST /api/v1/assessors/{assessor_id}/contacts/{other_id}/withdraw": Row(OWN_ASSESSOR, NOBODY),
}


def setup(world: World) -> dict[str, tuple[str, str]]:
    """A findable peer in a third organisation, to ask, accept, decline or turn down."""
    world.store.create_organisation(Organisation(id="org-peer", name="Peer organisation", kind="voluntary", region="london"))
    world.store.create_assessor(Assessor(id="a-peer", name="Peer Assessor", discoverable=True))
    world.store.set_employer("a-peer", "org-peer")
    return {"other_id": ("a-peer", "a-peer")}
