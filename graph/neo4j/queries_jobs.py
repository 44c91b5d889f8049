"""Every Cypher statement of the jobs area.

The area: long-running operations (imports, set formation) with their progress, readable from any worker.

Named constants, with ``$parameters`` for every value. A job is a lone ``(:Job)`` node: ``scope`` and
``result`` are JSON text; ``scope_pairs`` repeats the scope as ``key=value`` strings so a listing can
filter on one; times are ``DateTime`` values in UTC.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT job_id IF NOT EXISTS FOR (n:Job) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX job_owner IF NOT EXISTS FOR (n:Job) ON (n.owner_user_id)",
    "CREATE INDEX job_updated IF NOT EXISTS FOR (n:Job) ON (n.updated_at)",
)

CREATE_JOB = "CREATE (j:Job $props) RETURN j.id AS id"

GET_JOB = "MATCH (j:Job {id: $id}) RETURN properties(j) AS props"

# A finished job is never changed: the SET runs only while the status is not final; `finished` tells which.
UPDATE_JOB = """
MATCH (j:Job {id: $id})
WITH j, j.status IN ['done', 'failed'] AS finished
FOREACH (_ IN CASE WHEN finished THEN [] ELSE [1] END |
  SET j.status = coalesce($status, j.status),
      j.done = coalesce($done, j.done),
      j.total = coalesce($total, j.total),
      j.message = coalesce($message, j.message),
      j.result = coalesce($result, j.result),
      j.error = coalesce($error, j.error),
      j.updated_at = $at,
      j.heartbeat_at = $at)
RETURN properties(j) AS props, finished"""

HEARTBEAT_JOBS = """
UNWIND $ids AS id
MATCH (j:Job {id: id})
WHERE NOT j.status IN ['done', 'failed']
SET j.heartbeat_at = $at
RETURN count(j) AS touched"""

# '' as $after means "from the newest"; a null filter matches everything.
PAGE_JOBS = """
MATCH (j:Job)
WHERE ($after = '' OR j.id < $after)
  AND ($owner_user_id IS NULL OR j.owner_user_id = $owner_user_id)
  AND ($kind IS NULL OR j.kind = $kind)
  AND ($pair IS NULL OR $pair IN j.scope_pairs)
RETURN properties(j) AS props
ORDER BY j.id DESC
LIMIT $limit"""

DELETE_FINISHED_JOBS = """
MATCH (j:Job)
WHERE j.status IN ['done', 'failed'] AND j.updated_at < $before
DELETE j
RETURN count(*) AS deleted"""
