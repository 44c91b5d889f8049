"""Job endpoints: how far a long-running operation (an import, a large set formation) has got, and how it ended.

A job is readable by the user who started it and by admins; anyone else gets 403 whether or not the
id exists. See :mod:`api.jobs` for how jobs run and when a silent one reads as failed.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api import jobs
from api.access import authorize
from api.extensions import get_store
from api.v1.common import PageQuery, StrictSchema, id_field, page_schema, path_id
from graph.port import NotFound
from graph.port_jobs import JOB_STATUSES

blp = Blueprint("jobs", __name__, description="Long-running operations: their progress and their outcome.")


class JobSchema(StrictSchema):
    """A job: what it is, how far it got, and its result or error."""

    id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "What the job does, e.g. `onboarding`."})
    status = fields.String(required=True, validate=validate.OneOf(JOB_STATUSES))
    done = fields.Integer(required=True, metadata={"description": "Steps done so far (of `total`)."})
    total = fields.Integer(required=True, metadata={"description": "Steps in all; 0 while unknown."})
    message = fields.String(required=True, metadata={"description": "What the job is doing, for people."})
    result = fields.Dict(
        keys=fields.String(), values=fields.Raw(), allow_none=True, metadata={"description": "Ids and figures, once done."}
    )
    error = fields.String(allow_none=True, metadata={"description": "Why the job failed, for people."})
    scope = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "The ids the job is about."})
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class JobQuery(PageQuery):
    """Filters of the caller's job listing."""

    kind = id_field(load_default=None)
    after = fields.String(load_default=None, validate=validate.Regexp(r"^job-[0-9T]+-[0-9a-f]+$", error="must be a job id"))


@blp.route("/jobs")
class Jobs(MethodView):
    """The caller's jobs."""

    @blp.arguments(JobQuery, location="query")
    @blp.response(200, page_schema(JobSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The jobs you started, newest first."""
        principal = authorize("jobs:list")
        store = get_store()
        page = store.list_jobs(limit=args["limit"], after=args["after"], owner_user_id=principal.user_id, kind=args["kind"])
        items = [jobs.job_body(jobs.as_seen(j)) for j in page.items]
        return {"items": items, "next_after": page.next_after}


@blp.route("/jobs/<id:job_id>")
class OneJob(MethodView):
    """One job."""

    @blp.response(200, JobSchema)
    def get(self, job_id: str) -> dict[str, Any]:
        """A job's status and progress, with its result or error once finished (its owner, or admins)."""
        job_id = path_id(job_id, "job_id")
        store = get_store()
        try:
            job = jobs.job_state(store, job_id)
        except NotFound:
            job = None
        authorize("jobs:read", user_id=None if job is None else job.owner_user_id)
        if job is None:
            raise NotFound(f"no job with id {job_id!r}")
        return jobs.job_body(job)
