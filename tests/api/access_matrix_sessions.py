"""Access-matrix rows of signed-in sessions (issue 16): everyone lists and ends their own; nobody, admins included,
ends another person's session (it is looked up among the caller's own, so another's is simply not there: 404)."""

from __future__ import annotations

from api.services import sessions
from tests.api.matrix import EVERYONE, NOBODY, Row, World

ROWS: dict[str, Row] = {
    "GET /api/v1/me/sessions": Row(EVERYONE, EVERYONE),
    "POST /api/v1/me/sessions/end-others": Row(EVERYONE, EVERYONE),
    "DELETE /api/v1/me/sessions/{session_id}": Row(NOBODY, NOBODY, denied=404),
}


def setup(world: World) -> dict[str, tuple[str, str]]:
    """A signed-in session of someone else (the matrix's callers use API tokens, so they have no session of their own)."""
    started = sessions.start(world.store, world.user_ids["someone"], remember=False, user_agent="Firefox/121.0")
    return {"session_id": (started.session.id, started.session.id)}
