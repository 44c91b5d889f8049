"""Every Cypher statement of the sessions area: signed-in sessions and shared throttle counters.

Named constants, with ``$parameters`` for every value. A session is ``(:User)-[:SIGNED_IN]->(:SignInSession)``
(the user's deletion takes its sessions, see :mod:`graph.neo4j.queries_accounts`); a counter is a lone
``(:RateCounter {key})``. Times are ``DateTime`` values in UTC.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT sign_in_session_id IF NOT EXISTS FOR (n:SignInSession) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX sign_in_session_expiry IF NOT EXISTS FOR (n:SignInSession) ON (n.expires_at)",
    "CREATE CONSTRAINT rate_counter_key IF NOT EXISTS FOR (n:RateCounter) REQUIRE n.key IS UNIQUE",
)

USER_EXISTS = "MATCH (u:User {id: $user_id}) RETURN u.id AS id"
CREATE_SESSION = "MATCH (u:User {id: $user_id}) CREATE (u)-[:SIGNED_IN]->(s:SignInSession $props) RETURN s.id AS id"
GET_SESSION = "MATCH (u:User)-[:SIGNED_IN]->(s:SignInSession {id: $id}) RETURN properties(s) AS props, u.id AS user_id"
SESSIONS_OF = """
MATCH (:User {id: $user_id})-[:SIGNED_IN]->(s:SignInSession)
WHERE s.expires_at > $now
RETURN properties(s) AS props
ORDER BY s.last_seen_at DESC, s.id"""
TOUCH_SESSION = "MATCH (s:SignInSession {id: $id}) WHERE s.last_seen_at < $at SET s.last_seen_at = $at"
END_SESSION = """
MATCH (:User {id: $user_id})-[:SIGNED_IN]->(s:SignInSession {id: $id})
DETACH DELETE s
RETURN count(*) AS ended"""
END_SESSIONS = """
MATCH (:User {id: $user_id})-[:SIGNED_IN]->(s:SignInSession)
WHERE $keep IS NULL OR s.id <> $keep
DETACH DELETE s
RETURN count(*) AS ended"""
DELETE_EXPIRED_SESSIONS = """
MATCH (s:SignInSession)
WHERE s.expires_at < $before
DETACH DELETE s
RETURN count(*) AS deleted"""
DELETE_TOKENS = """
MATCH (:User {id: $user_id})-[:HOLDS]->(t:ApiToken)
DETACH DELETE t
RETURN count(*) AS deleted"""

# MERGE finds or makes the counter; setting `lock` first takes its write lock, so the read that follows sees
# every hit committed before ours and no concurrent hit is lost (Neo4j reads without locks otherwise).
HIT_COUNTER = """
MERGE (c:RateCounter {key: $key})
ON CREATE SET c.count = 0, c.resets_at = $resets_at
SET c.lock = true
WITH c
WITH c, c.resets_at > $at AS live
SET c.count = CASE WHEN live THEN c.count + $amount ELSE $amount END,
    c.resets_at = CASE WHEN live THEN c.resets_at ELSE $resets_at END
REMOVE c.lock
RETURN c.count AS count, c.resets_at AS resets_at"""
GET_COUNTER = "MATCH (c:RateCounter {key: $key}) WHERE c.resets_at > $at RETURN c.count AS count, c.resets_at AS resets_at"
CLEAR_COUNTER = "MATCH (c:RateCounter {key: $key}) DELETE c"
DELETE_EXPIRED_COUNTERS = """
MATCH (c:RateCounter)
WHERE c.resets_at < $before
DELETE c
RETURN count(*) AS deleted"""
