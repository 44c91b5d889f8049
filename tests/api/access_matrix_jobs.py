"""Access-matrix rows of the jobs area (issue 7): a job is read by the user who started it (and admins); onboarding
starts one, for the admins of the organisation.

"Own": ``job-own``, started by the assessor caller; "other": ``job-other``, started by someone else.
The listing always answers with the caller's own jobs, so everyone signed in may call it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graph.port_jobs import JobRecord
from tests.api.matrix import EVERYONE, Row

ROWS: dict[str, Row] = {
    "GET /api/v1/jobs": Row(EVERYONE, EVERYONE),
    "GET /api/v1/jobs/{job_id}": Row(frozenset({"assessor"})),
    # onboarding: into an organisation one administers (the row's request carries no files: 422 once let in)
    "POST /api/v1/organisations/{organisation_id}/onboarding": Row(frozenset({"org_admin"})),
}


def setup(world: Any) -> dict[str, tuple[str, str]]:
    """Two finished jobs: one of the assessor caller, one of someone else."""
    at = datetime.now(UTC)
    ids = {}
    for side, owner in (("own", world.user_ids["assessor"]), ("other", world.user_ids["someone"])):
        job_id = f"job-20260101T000000000000-{'0' if side == 'own' else '1'}"
        world.store.create_job(
            JobRecord(id=job_id, kind="onboarding", owner_user_id=owner, status="done", created_at=at, updated_at=at, heartbeat_at=at)
        )
        ids[side] = job_id
    return {"job_id": (ids["own"], ids["other"])}
