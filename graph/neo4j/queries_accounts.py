"""Every Cypher statement of the accounts area (users, roles, tokens, reset links and the audit log).

Named constants, with ``$parameters`` for every value.

Layout: ``(:User)-[:IS]->(:Assessor)``, ``(:User)-[:ADMINISTERS]->(:Organisation)``,
``(:User)-[:COORDINATES]->(:Programme)``, ``(:User)-[:HOLDS]->(:ApiToken)``,
``(:PasswordReset)-[:RESETS]->(:User)``; ``(:AuditEntry)`` stands alone (it names ids, so it
outlives the nodes it names). Datetimes are stored as Neo4j ``DateTime`` values in UTC.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
#: (The core schema already makes ``User.id`` unique.)
SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT user_email IF NOT EXISTS FOR (n:User) REQUIRE n.email IS UNIQUE",
    "CREATE CONSTRAINT api_token_id IF NOT EXISTS FOR (n:ApiToken) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT password_reset_id IF NOT EXISTS FOR (n:PasswordReset) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT audit_entry_id IF NOT EXISTS FOR (n:AuditEntry) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX audit_entry_action IF NOT EXISTS FOR (n:AuditEntry) ON (n.action)",
)

# -- users -----------------------------------------------------------------------

#: The one projection of a user with its scopes; every statement that returns users ends with it. Pattern
#: comprehensions (the adapter sorts the ids) plan cheaper than COLLECT subqueries here: this runs on
#: every token-authenticated request.
_USER_PROJECTION = """
RETURN properties(u) AS props,
       [(u)-[:IS]->(a:Assessor) | a.id] AS assessor_ids,
       [(u)-[:ADMINISTERS]->(o:Organisation) | o.id] AS organisation_ids,
       [(u)-[:COORDINATES]->(p:Programme) | p.id] AS programme_ids"""

CREATE_USER = "CREATE (u:User $props)" + _USER_PROJECTION
GET_USER = "MATCH (u:User {id: $id})" + _USER_PROJECTION
GET_USER_BY_EMAIL = "MATCH (u:User {email: $email})" + _USER_PROJECTION
USER_EXISTS = "MATCH (u:User {id: $id}) RETURN u.id AS id"
EMAIL_OWNER = "MATCH (u:User {email: $email}) RETURN u.id AS id"
PAGE_USERS = "MATCH (u:User) WHERE u.id > $after WITH u ORDER BY u.id LIMIT $limit" + _USER_PROJECTION + " ORDER BY u.id"
PAGE_USERS_WITH_ROLE = (
    "MATCH (u:User) WHERE u.id > $after AND $role IN u.roles WITH u ORDER BY u.id LIMIT $limit" + _USER_PROJECTION + " ORDER BY u.id"
)
UPDATE_USER = "MATCH (u:User {id: $id}) SET u += $changes" + _USER_PROJECTION
SET_PASSWORD = "MATCH (u:User {id: $id}) SET u.password_hash = $password_hash RETURN u.id AS id"
USER_OF_ASSESSOR = "MATCH (u:User)-[:IS]->(:Assessor {id: $assessor_id})" + _USER_PROJECTION
DELETE_USER = """
MATCH (u:User {id: $id})
OPTIONAL MATCH (u)-[:HOLDS]->(t:ApiToken)
OPTIONAL MATCH (r:PasswordReset)-[:RESETS]->(u)
OPTIONAL MATCH (u)-[:SIGNED_IN]->(s:SignInSession)
DETACH DELETE t, r, s, u"""

CLEAR_SCOPES = "MATCH (u:User {id: $id})-[s:IS|ADMINISTERS|COORDINATES]->() DELETE s"
ASSESSOR_TAKEN = "MATCH (other:User)-[:IS]->(:Assessor {id: $assessor_id}) WHERE other.id <> $id RETURN other.id AS id"
LINK_ASSESSOR = "MATCH (u:User {id: $id}), (a:Assessor {id: $assessor_id}) CREATE (u)-[:IS]->(a) RETURN a.id AS id"
LINK_ORGANISATIONS = """
MATCH (u:User {id: $id})
UNWIND $ids AS oid
MATCH (o:Organisation {id: oid})
CREATE (u)-[:ADMINISTERS]->(o)
RETURN o.id AS id"""
LINK_PROGRAMMES = """
MATCH (u:User {id: $id})
UNWIND $ids AS pid
MATCH (p:Programme {id: pid})
CREATE (u)-[:COORDINATES]->(p)
RETURN p.id AS id"""

# -- API tokens ------------------------------------------------------------------

CREATE_TOKEN = "MATCH (u:User {id: $user_id}) CREATE (u)-[:HOLDS]->(t:ApiToken $props) RETURN t.id AS id"
TOKEN_EXISTS = "MATCH (t:ApiToken {id: $id}) RETURN t.id AS id"
TOKEN_WITH_USER = "MATCH (t:ApiToken {id: $id})<-[:HOLDS]-(u:User)" + _USER_PROJECTION + ", properties(t) AS token"
TOKENS_OF = "MATCH (:User {id: $user_id})-[:HOLDS]->(t:ApiToken) RETURN properties(t) AS props ORDER BY t.created_at DESC, t.id"
TOUCH_TOKEN = "MATCH (t:ApiToken {id: $id}) SET t.last_used_at = $at"
DELETE_TOKEN = "MATCH (:User {id: $user_id})-[:HOLDS]->(t:ApiToken {id: $id}) DETACH DELETE t RETURN count(*) AS deleted"

# -- password reset links --------------------------------------------------------

CREATE_RESET = """
MATCH (u:User {id: $user_id})
OPTIONAL MATCH (old:PasswordReset)-[:RESETS]->(u)
DETACH DELETE old
WITH DISTINCT u
CREATE (r:PasswordReset $props)-[:RESETS]->(u)
RETURN r.id AS id"""
GET_RESET = "MATCH (r:PasswordReset {id: $id})-[:RESETS]->(u:User) RETURN properties(r) AS props, u.id AS user_id"
DELETE_RESET = "MATCH (r:PasswordReset {id: $id}) DETACH DELETE r"

# -- privacy -------------------------------------------------------------------

ERASE_COUNT = "MATCH (a:Assessor {id: $id}) RETURN COUNT { (a)-[:MEMBER_OF]->(:Set) } AS memberships"
CREATE_PLACEHOLDER = "CREATE (p:Assessor $props) RETURN p.id AS id"
# One literal statement per relationship type a placeholder takes over (no dynamic types in Cypher).
HAND_OVER_MEMBERSHIPS = """
MATCH (a:Assessor {id: $id})-[m:MEMBER_OF]->(s:Set)
MATCH (p:Assessor {id: $placeholder_id})
CREATE (p)-[n:MEMBER_OF]->(s)
SET n = properties(m), n.left = coalesce(m.left, $today)
DELETE m"""
HAND_OVER_MEETINGS = (
    """
MATCH (a:Assessor {id: $id})-[m:FACILITATED]->(x:Meeting)
MATCH (p:Assessor {id: $placeholder_id})
CREATE (p)-[n:FACILITATED]->(x) SET n = properties(m) DELETE m""",
    """
MATCH (a:Assessor {id: $id})-[m:PRESENTED]->(x:Meeting)
MATCH (p:Assessor {id: $placeholder_id})
CREATE (p)-[n:PRESENTED]->(x) SET n = properties(m) DELETE m""",
    """
MATCH (a:Assessor {id: $id})-[m:ATTENDED]->(x:Meeting)
MATCH (p:Assessor {id: $placeholder_id})
CREATE (p)-[n:ATTENDED]->(x) SET n = properties(m) DELETE m""",
)
DELETE_USER_OF_ASSESSOR = """
MATCH (u:User)-[:IS]->(:Assessor {id: $id})
OPTIONAL MATCH (u)-[:HOLDS]->(t:ApiToken)
OPTIONAL MATCH (r:PasswordReset)-[:RESETS]->(u)
OPTIONAL MATCH (u)-[:SIGNED_IN]->(s:SignInSession)
DETACH DELETE t, r, s, u
RETURN count(DISTINCT u) AS deleted"""
DELETE_PERSON = "MATCH (a:Assessor {id: $id}) DETACH DELETE a"

# -- audit log -------------------------------------------------------------------

CREATE_AUDIT = "CREATE (e:AuditEntry $props) RETURN e.id AS id"
# '' as $after means "from the newest"; a null filter matches everything.
PAGE_AUDIT = """
MATCH (e:AuditEntry)
WHERE ($after = '' OR e.id < $after)
  AND ($action IS NULL OR e.action = $action)
  AND ($actor_id IS NULL OR e.actor_id = $actor_id)
  AND ($target_id IS NULL OR e.target_id = $target_id)
RETURN properties(e) AS props
ORDER BY e.id DESC
LIMIT $limit"""
