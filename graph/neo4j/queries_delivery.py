"""Every Cypher statement of the delivery area.

The area: people's choices per group of notices, and claims on the outbox's notices for sending.

Named constants, with ``$parameters`` for every value. Stored shape: a person's choices are
properties ``notice_<group>`` of their ``(:User)`` (so they go with the account; a change sets only
the groups given, ``SET u += $changes``); a notice's delivery is kept on its ``(:Notice)``:
``route``, ``attempts``, ``next_attempt_at``, ``claimed_by`` and ``lease_until`` beside the
``status`` of the meetings area. Times are ``DateTime`` values in UTC.

Claims: the due notices are found, write-locked in key order, and checked again under the lock
before they are marked ``sending`` (another claimer that got there first has changed them by then).
"""

from __future__ import annotations

#: Indexes of this area, created by ``ensure_schema`` after the core ones (the meetings area indexes ``status``).
SCHEMA: tuple[str, ...] = ("CREATE INDEX notice_route IF NOT EXISTS FOR (n:Notice) ON (n.route)",)

# -- preferences ------------------------------------------------------------------------------------

_PAIRS = "[g IN $groups | [g, u['notice_' + g]]] AS pairs"

PREFERENCES = "MATCH (u:User {id: $id}) RETURN " + _PAIRS
SET_PREFERENCES = "MATCH (u:User {id: $id}) SET u += $changes RETURN " + _PAIRS
USER_RECIPIENTS = (
    """
UNWIND $ids AS id
MATCH (u:User {id: id})
OPTIONAL MATCH (u)-[:IS]->(a:Assessor)
RETURN u.id AS user_id, a.id AS assessor_id, """
    + _PAIRS
)
ASSESSOR_RECIPIENTS = """
UNWIND $ids AS id
MATCH (a:Assessor {id: id})
OPTIONAL MATCH (u:User)-[:IS]->(a)
RETURN a.id AS assessor_id, u.id AS user_id, CASE WHEN u IS NULL THEN [] ELSE [g IN $groups | [g, u['notice_' + g]]] END AS pairs
"""

# -- claims -----------------------------------------------------------------------------------------

# The route a claim takes: digest claims take digest notices; e-mail claims take e-mail ones and those not routed yet.
_ON_ROUTE = "CASE WHEN $route = 'digest' THEN coalesce(n.route = 'digest', false) ELSE (n.route IS NULL OR n.route = 'email') END"
# Due: pending (if $fresh), failed and due a retry (one failed before delivery was counted is due; one given up never is),
# or claimed by a sender whose lease ran out.
_DUE = (
    "((n.status = 'pending' AND $fresh)"
    " OR (n.status = 'failed' AND (n.attempts IS NULL OR n.next_attempt_at <= $retry_due))"
    " OR (n.status = 'sending' AND (n.lease_until IS NULL OR n.lease_until <= $now)))"
)

DUE = (
    """
CALL () {
  MATCH (n:Notice {status: 'pending'}) WHERE $fresh RETURN n
  UNION
  MATCH (n:Notice {status: 'failed'}) RETURN n
  UNION
  MATCH (n:Notice {status: 'sending'}) RETURN n
}
WITH n WHERE """
    + _DUE
    + " AND "
    + _ON_ROUTE
    + "\nRETURN n.key AS key ORDER BY n.created_at, n.key LIMIT $limit"
)
DUE_OF_KEYS = (
    "UNWIND $keys AS k MATCH (n:Notice {key: k}) WHERE "
    + _DUE
    + " AND "
    + _ON_ROUTE
    + "\nRETURN n.key AS key ORDER BY n.created_at, n.key LIMIT $limit"
)
LOCK = "UNWIND $keys AS k MATCH (n:Notice {key: k}) SET n._lock = true REMOVE n._lock"
CLAIM = (
    "UNWIND $keys AS k MATCH (n:Notice {key: k}) WHERE "
    + _DUE
    + " AND "
    + _ON_ROUTE
    + """
SET n.status = 'sending', n.claimed_by = $worker_id, n.lease_until = $lease_until, n.attempts = coalesce(n.attempts, 0) + 1
RETURN properties(n) AS n"""
)
SETTLE = """
UNWIND $rows AS r
MATCH (n:Notice {key: r.key})
WHERE n.status = 'sending' AND n.claimed_by = $worker_id
SET n.status = r.status, n.sent_at = r.sent_at, n.via = r.via, n.error = r.error,
    n.claimed_by = null, n.lease_until = null, n.next_attempt_at = r.retry_at,
    n.route = coalesce(r.route, n.route),
    n.attempts = CASE WHEN r.uncount AND n.attempts > 0 THEN n.attempts - 1 ELSE n.attempts END
RETURN count(n) AS n
"""
DELIVERIES = """
UNWIND $keys AS k
MATCH (n:Notice {key: k})
RETURN n.key AS key, n.status AS status, n.route AS route, coalesce(n.attempts, 0) AS attempts,
       n.next_attempt_at AS next_attempt_at, n.claimed_by AS claimed_by, n.lease_until AS lease_until, n.via AS via, n.error AS error
ORDER BY key
"""
