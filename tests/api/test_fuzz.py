"""Schemathesis against the OpenAPI document: for each role, bounded cases per operation; no 5xx, no off-schema response."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from network.domain import Assessor, Organisation, Theme

pytestmark = pytest.mark.slow

#: Examples per operation, per role and mode: enough to reach every validator and branch of a
#: small API, few enough to keep the suite quick.
MAX_EXAMPLES = 4

ROLES = ("anonymous", "assessor", "org_admin", "coordinator", "admin")
POSITIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, negative_data_rejection]


#: Ids that exist in the world, so generated requests reach past the "not found" answers.
KNOWN_IDS = {"assessor_id": "a-1", "organisation_id": "org-1", "theme_id": "theme-1"}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Flask, dict[str, dict[str, str]]]]:
    """An app with a little network and a signed-in user per role."""
    store = EmbeddedStore(tmp_path / "fuzz.sqlite3")
    store.ensure_schema()
    app = create_app({"TESTING": True, "STORE": store})
    org = store.create_organisation(Organisation(id="org-1", name="Northmoor Council", kind="local_authority", region="north_east"))
    store.create_theme(Theme(id="theme-1", name="Values", framework="pcf"))
    me = store.create_assessor(Assessor(id="a-1", name="Sam Okafor", email="sam@example.org", discoverable=True))
    store.set_employer(me.id, org.id)
    scopes = {
        "assessor": {"assessor_id": me.id},
        "org_admin": {"organisation_ids": (org.id,)},
        "coordinator": {},
        "admin": {},
    }
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, scope in scopes.items():
        user = accounts.create_user(store, f"{role}@example.org", roles=(role,), **scope)
        headers[role] = {"Authorization": f"Bearer {accounts.issue_token(store, user.id, 'fuzz').secret}"}
    yield app, headers
    store.close()


def _operations(app: Flask) -> list[Any]:
    """Every documented operation, deletions last (so they do not empty the world for the rest)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: op.method.upper() == "DELETE")


def _strategy(operation: Any, mode: GenerationMode) -> st.SearchStrategy[Any]:
    """Cases with the world's real ids in the path (to reach the views' logic) or with generated ones."""
    names = {p.name for p in operation.path_parameters}
    known = {name: value for name, value in KNOWN_IDS.items() if name in names}
    free = operation.as_strategy(generation_mode=mode)
    return st.one_of(operation.as_strategy(generation_mode=mode, path_parameters=known), free) if known else free


@pytest.mark.parametrize(
    ("role", "mode"),
    [(role, GenerationMode.POSITIVE) for role in ROLES]
    # Invalid input is parsed before anyone's rights are checked, so two roles cover the negative cases.
    + [(role, GenerationMode.NEGATIVE) for role in ("assessor", "admin")],
    ids=[f"{role}-positive" for role in ROLES] + ["assessor-negative", "admin-negative"],
)
def test_no_server_errors_and_no_off_schema_answers(world, role: str, mode: GenerationMode):
    app, headers = world
    checks = POSITIVE_CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS
    for operation in _operations(app):

        @given(case=_strategy(operation, mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            # identity: the WSGI transport hands back the body as sent, and answers are gzipped for clients that accept it
            case.call_and_validate(headers={**headers[role], "Accept-Encoding": "identity"}, checks=checks)

        run()
