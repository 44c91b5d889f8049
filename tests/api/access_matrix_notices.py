"""Access-matrix rows of the notice preferences (issue 15): everyone reads and changes their own choices of e-mail."""

from __future__ import annotations

from tests.api.matrix import EVERYONE, Row

ROWS: dict[str, Row] = {
    "GET /api/v1/me/notice-preferences": Row(EVERYONE, EVERYONE),
    "PUT /api/v1/me/notice-preferences": Row(EVERYONE, EVERYONE, body={"contacts": "digest"}),
}
