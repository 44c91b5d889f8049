"""Every Cypher statement of the outcomes area.

The area: follow-up questionnaires of programmes (questions, waves, answers) and their aggregates.

Named constants, with ``$parameters`` for every value. Stored shape:
``(:Questionnaire {key, programme_id, version, questions, created_at, created_by})-[:FOR]->(:Programme)``
(``key`` is ``<programme id>:<version>``, unique) and one answer per person and wave as
``(:Assessor)-[:ANSWERED {wave, version, answered_on, keys, values}]->(:Programme)`` (``keys``
and ``values`` are parallel lists), so erasing the assessor (``DETACH DELETE``) erases their
answers. A wave's released figures are ``(:OutcomeRelease {key, programme_id, wave, figures,
released_on})-[:FOR]->(:Programme)`` (``key`` is ``<programme id>:<wave>``, unique; created once, never
changed). Writers lock the programme node first, so a questionnaire save and an answer are serialised.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT questionnaire_key IF NOT EXISTS FOR (n:Questionnaire) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT outcome_release_key IF NOT EXISTS FOR (n:OutcomeRelease) REQUIRE n.key IS UNIQUE",
)

LOCK_PROGRAMME = """
MATCH (p:Programme {id: $programme_id})
SET p._lock = true
REMOVE p._lock
RETURN p.id AS id
"""
PROGRAMME_EXISTS = "MATCH (p:Programme {id: $programme_id}) RETURN p.id AS id"
ASSESSOR_EXISTS = "MATCH (a:Assessor {id: $assessor_id}) RETURN a.id AS id"

VERSIONS = """
MATCH (:Programme {id: $programme_id})<-[:FOR]-(q:Questionnaire)
RETURN q.programme_id AS programme_id, q.version AS version, q.questions AS questions,
       q.created_at AS created_at, q.created_by AS created_by
ORDER BY q.version
"""
LATEST_VERSION = """
MATCH (p:Programme {id: $programme_id})
OPTIONAL MATCH (p)<-[:FOR]-(q:Questionnaire)
RETURN coalesce(max(q.version), 0) AS version
"""
ANSWERED = """
MATCH (:Programme {id: $programme_id})<-[r:ANSWERED]-(:Assessor)
UNWIND r.keys AS key
RETURN DISTINCT r.version AS version, key
"""
CREATE_QUESTIONNAIRE = """
MATCH (p:Programme {id: $programme_id})
CREATE (q:Questionnaire {key: $key, programme_id: $programme_id, version: $version, questions: $questions,
                         created_at: $created_at, created_by: $created_by})-[:FOR]->(p)
RETURN q.version AS version
"""

# MERGE on (person, programme, wave) with the programme locked: one answer per person per wave.
SAVE_ANSWER = """
MATCH (a:Assessor {id: $assessor_id})
MATCH (p:Programme {id: $programme_id})
MERGE (a)-[r:ANSWERED {wave: $wave}]->(p)
ON CREATE SET r._created = true
WITH r, r._created IS NULL AS replaced
SET r.version = $version, r.answered_on = $answered_on, r.keys = $keys, r.values = $values
REMOVE r._created
RETURN replaced
"""
ANSWERS_OF = """
MATCH (:Assessor {id: $assessor_id})-[r:ANSWERED]->(p:Programme)
RETURN p.id AS programme_id, r.wave AS wave, r.version AS version, r.answered_on AS answered_on, r.keys AS keys, r.values AS values
"""

# First membership's start; the last one's end, or null while any membership is current.
PARTICIPATION = """
MATCH (p:Programme {id: $programme_id})<-[:PART_OF]-(:Set)<-[m:MEMBER_OF]-(a:Assessor)
WITH p, a, min(m.joined) AS joined, max(m.left) AS last_left, count(m) AS memberships, count(m.left) AS ended
RETURN a.id AS assessor_id, p.id AS programme_id, joined,
       CASE WHEN ended < memberships THEN null ELSE last_left END AS left,
       [(a)-[r:ANSWERED]->(p) | r.wave] AS answered
ORDER BY assessor_id
"""
PARTICIPATION_OF = """
MATCH (a:Assessor {id: $assessor_id})-[m:MEMBER_OF]->(:Set)-[:PART_OF]->(p:Programme)
WITH p, a, min(m.joined) AS joined, max(m.left) AS last_left, count(m) AS memberships, count(m.left) AS ended
RETURN a.id AS assessor_id, p.id AS programme_id, joined,
       CASE WHEN ended < memberships THEN null ELSE last_left END AS left,
       [(a)-[r:ANSWERED]->(p) | r.wave] AS answered
ORDER BY programme_id
"""

VALUE_COUNTS = """
MATCH (:Programme {id: $programme_id})<-[r:ANSWERED]-(:Assessor)
UNWIND range(0, size(r.keys) - 1) AS i
RETURN r.wave AS wave, r.keys[i] AS key, r.values[i] AS value, count(*) AS people
"""
# Paired changes: each person's later answer minus their earlier one, per question, for the pairs of waves given.
CHANGE_COUNTS = """
UNWIND $pairs AS pair
MATCH (p:Programme {id: $programme_id})<-[r0:ANSWERED {wave: pair[0]}]-(a:Assessor)-[r1:ANSWERED {wave: pair[1]}]->(p)
UNWIND range(0, size(r0.keys) - 1) AS i
WITH pair, r0.keys[i] AS key, r0.values[i] AS before, r1
WITH pair, key, before, [j IN range(0, size(r1.keys) - 1) WHERE r1.keys[j] = key | r1.values[j]] AS after
WHERE size(after) > 0
RETURN key, pair[0] AS earlier, pair[1] AS later, after[0] - before AS difference, count(*) AS people
"""
RESPONDENTS = """
MATCH (:Programme {id: $programme_id})<-[r:ANSWERED]-(:Assessor)
RETURN r.wave AS wave, count(*) AS people
"""

RELEASES = """
MATCH (:Programme {id: $programme_id})<-[:FOR]-(r:OutcomeRelease)
RETURN r.wave AS wave, r.figures AS figures
"""
# The first release of a wave wins: ON CREATE only, never SET again.
RELEASE = """
MATCH (p:Programme {id: $programme_id})
MERGE (r:OutcomeRelease {key: $key})
  ON CREATE SET r.programme_id = $programme_id, r.wave = $wave, r.figures = $figures, r.released_on = $released_on
MERGE (r)-[:FOR]->(p)
RETURN r.figures AS figures
"""
