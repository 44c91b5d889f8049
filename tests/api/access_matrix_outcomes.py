"""Access-matrix rows of the outcomes area (issue 8): a programme's questionnaire, answering it, and the aggregate report.

"Own" for this area: the programme ``p-own`` the coordinator caller coordinates, and the assessor
caller's own ``a-own`` (answering their own questionnaire); "other": ``p-other`` and ``a-other``.
Nobody but the assessor themself answers (or lists) their questionnaires; an organisation admin
sees no outcomes at all (no individual answer is ever shown to an organisation).
"""

from __future__ import annotations

from typing import Any

from network.outcomes import DEFAULT_QUESTIONS
from tests.api.matrix import Row

COORDINATOR = frozenset({"coordinator"})
OWN_ASSESSOR = frozenset({"assessor"})

_QUESTIONS = {"version": 0, "questions": [q.as_dict() for q in DEFAULT_QUESTIONS]}
_ANSWERS = {"version": 0, "answers": {"confidence": 3, "isolation": 3, "peers": 2}}

ROWS: dict[str, Row] = {
    "GET /api/v1/programmes/{programme_id}/questionnaire": Row(COORDINATOR),
    "PUT /api/v1/programmes/{programme_id}/questionnaire": Row(COORDINATOR, body=_QUESTIONS),
    "GET /api/v1/assessors/{assessor_id}/questionnaires": Row(OWN_ASSESSOR),
    "PUT /api/v1/assessors/{assessor_id}/questionnaires/{programme_id}/{wave}": Row(OWN_ASSESSOR, body=_ANSWERS),
    "GET /api/v1/programmes/{programme_id}/outcomes": Row(COORDINATOR),
    "GET /api/v1/programmes/{programme_id}/outcomes.csv": Row(COORDINATOR),
}


def setup(world: Any) -> dict[str, tuple[str, str]]:
    """The wave path parameter (the programmes and assessors are the shared world's)."""
    return {"wave": ("start", "start")}
