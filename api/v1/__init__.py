"""The JSON API, version 1: one flask-smorest blueprint per area, registered by the app factory.

Each area module ``api/v1/<area>.py`` exposes ``blp``; list it in :data:`AREAS` to have it served
and documented in ``/api/v1/openapi.json``.
"""

from __future__ import annotations

#: Area modules under ``api.v1`` whose ``blp`` the app registers, in this order.
AREAS: list[str] = [
    "accounts",
    "resources",
    "reach",
    "sets",
    "suggestions",
    "jobs",
    "joins",
    "outcomes",
    "onboarding",
    "meetings",
    "notices",
    "live",
]
