"""A small network every role can look at, and a sweep that fetches everything a signed-in caller can get.

Used by the security tests (issue 16): the headers test checks every response of the sweep, the erasure test
searches every response of the sweep for an erased person's name. The sweep is generic on purpose: it follows
every link, form target and data URL a page carries (so a new page is swept without changing this file), and
calls every ``GET`` route of the JSON API with the world's ids filled in.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient

from api.services import accounts, joins, suggestions
from api.services import meetings as meetings_service
from graph.port import GraphStore
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme, Theme

#: The person the erasure test erases: a name found nowhere else.
ERASED_NAME = "Zebedee Quillfeather"
ERASED_EMAIL = "zebedee.quillfeather@example.org"
ROLES = ("admin", "coordinator", "org_admin", "fellow", "assessor")
#: Paths every sweep starts from (what the navigation offers the roles); links lead on from there.
STARTS = (
    "/",
    "/me",
    "/me/profile",
    "/me/suggestions",
    "/me/contacts",
    "/me/sets",
    "/me/notices",
    "/me/set-suggestions",
    "/me/questionnaires",
    "/me/privacy",
    "/me/privacy/export.json",
    "/sets/s-1",
    "/programmes",
    "/programmes/p-1",
    "/programmes/p-1/form",
    "/programmes/p-1/health",
    "/programmes/p-1/join-requests",
    "/programmes/p-1/outcomes",
    "/programmes/p-1/questionnaire",
    "/programmes/p-2",
    "/programmes/p-2/join-requests",
    "/reach",
    "/organisations/o-1/reach",
    "/organisations/o-1/map",
    "/organisations/o-1/participation",
    "/onboarding",
    "/people",
    "/admin",
    "/users",
    "/organisations",
    "/themes",
    "/audit",
    "/audit.csv",
)
#: Paths a sweep never follows: they end the session or change something on GET-free forms.
SKIP = re.compile(r"^/(static/|logout|login|reset/|favicon)")
LINK = re.compile(r"""(?:href|src|action|data-url|data-[a-z-]*url)=["']([^"'#]+)""")


@dataclass
class World:
    """The network: its ids, and bearer headers per role (``fellow``: a member of the erased person's set)."""

    app: Flask
    store: GraphStore
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    user_ids: list[str] = field(default_factory=list)
    ids: dict[str, list[str]] = field(default_factory=dict)


def build_world(app: Flask, store: GraphStore) -> World:
    """Four organisations; the person to erase (``a-x``, organisation ``o-1``) in a running programme's set with three
    others, with a contact, a pending request (so notices name them) and meetings; one login per role."""
    start = date.today() - timedelta(days=10)
    store.create_theme(Theme(id="t-1", name="Values and ethics", framework="pcf"))
    for k in range(1, 5):
        store.create_organisation(Organisation(id=f"o-{k}", name=f"Organisation {k}", kind="local_authority", region="north_east"))
    people = {"a-x": ERASED_NAME, "a-m1": "Mina Member", "a-m2": "Noor Member", "a-m3": "Omar Member"}
    for k, (assessor_id, name) in enumerate(people.items(), start=1):
        email = ERASED_EMAIL if assessor_id == "a-x" else f"{assessor_id}@example.org"
        store.create_assessor(
            Assessor(
                id=assessor_id, name=name, email=email, discoverable=True, availability=("tue-pm", "thu-am"), bio=f"On {name}", capacity=2
            )
        )
        store.set_employer(assessor_id, f"o-{k}")
        store.set_theme(assessor_id, "t-1", "experienced")
    store.create_programme(Programme(id="p-1", name="North East 2026", status="running", starts_on=start))
    for assessor_id in people:
        store.enrol("p-1", assessor_id)
    the_set = ActionLearningSet(id="s-1", name="Set one", programme_id="p-1", status="active", meeting_slot="tue-pm")
    store.commit_sets("p-1", [NewSet(the_set, tuple(people))], joined=start)
    suggestions.request_contact(store, "a-x", "a-m1", actor_id=None)  # Mina is told Zebedee asked
    suggestions.request_contact(store, "a-m2", "a-x", actor_id=None)
    suggestions.accept_request(store, "a-x", "a-m2", actor_id=None)  # Noor is told Zebedee accepted
    meetings_service.ensure_meetings(store, "s-1")
    # A second programme with a set of two: Zebedee asks to join it (its coordinator is told, the request is listed).
    store.create_programme(Programme(id="p-2", name="Tees 2026", status="running", starts_on=start, join_policy="coordinator"))
    for k, (assessor_id, name) in enumerate((("a-m4", "Pia Member"), ("a-m5", "Quinn Member")), start=2):
        store.create_assessor(Assessor(id=assessor_id, name=name, discoverable=True, availability=("tue-pm",)))
        store.set_employer(assessor_id, f"o-{k}")
        store.enrol("p-2", assessor_id)
    other = ActionLearningSet(id="s-2", name="Set two", programme_id="p-2", status="active", meeting_slot="tue-pm")
    store.commit_sets("p-2", [NewSet(other, ("a-m4", "a-m5"))], joined=start)
    joins.request_join(store, "s-2", "a-x", message="I would like to join", actor_id=None)
    world = World(app=app, store=store)
    scopes = {
        "admin": dict(roles=("admin",)),
        "coordinator": dict(roles=("coordinator",), programme_ids=("p-1", "p-2")),
        "org_admin": dict(roles=("org_admin",), organisation_ids=("o-1",)),
        "fellow": dict(roles=("assessor",), assessor_id="a-m1"),
        "assessor": dict(roles=("assessor",), assessor_id="a-x"),
    }
    for role, scope in scopes.items():
        email = f"{role}@example.org" if role != "assessor" else "zq-login@example.org"
        user = accounts.create_user(store, email, **scope)
        world.user_ids.append(user.id)
        world.headers[role] = {"Authorization": f"Bearer {accounts.issue_token(store, user.id, 'sweep', days=1).secret}"}
    world.ids = {
        "assessor_id": list(people) + ["a-x"],
        "other_id": list(people),
        "programme_id": ["p-1", "p-2"],
        "organisation_id": ["o-1", "o-2"],
        "set_id": ["s-1", "s-2"],
        "theme_id": ["t-1"],
        "user_id": list(world.user_ids),
        "wave": ["start"],
        "number": ["1"],
    }
    return world


@dataclass
class Answer:
    """One fetched response."""

    path: str
    status: int
    content_type: str
    headers: dict[str, str]
    text: str


def _get(client: FlaskClient, path: str, headers: dict[str, str]) -> Answer:
    r = client.get(path, headers=headers)
    try:
        body = r.get_data()
    finally:
        r.close()
    return Answer(path, r.status_code, r.content_type or "", dict(r.headers), body.decode("utf-8", "replace"))


def sweep_pages(client: FlaskClient, headers: dict[str, str], limit: int = 400) -> list[Answer]:
    """Every page (and file, feed, CSV or JSON it links to) reachable from :data:`STARTS` by following links."""
    seen: set[str] = set()
    queue = list(STARTS)
    out: list[Answer] = []
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or SKIP.match(path):
            continue
        seen.add(path)
        answer = _get(client, path, headers)
        out.append(answer)
        if answer.status == 200 and "html" in answer.content_type:
            for link in LINK.findall(answer.text):
                url = urlsplit(urljoin("http://localhost" + path, link.replace("&amp;", "&")))
                if url.netloc != "localhost":
                    continue
                target = url.path + (f"?{url.query}" if url.query else "")
                if target not in seen:
                    queue.append(target)
    return out


def sweep_api(app: Flask, client: FlaskClient, world: World, headers: dict[str, str]) -> list[Answer]:
    """Every ``GET`` route of the JSON API, with every combination of the world's ids for its path parameters."""
    out: list[Answer] = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs"):
            continue
        names = sorted(rule.arguments)
        if any(n not in world.ids for n in names):
            continue
        for values in itertools.product(*(world.ids[n] for n in names)):
            path = rule.rule
            for name, value in zip(names, values, strict=True):
                path = re.sub(rf"<(?:[a-z]+:)?{name}>", value, path)
            out.append(_get(client, path, headers))
    for extra in ("/api/v1/isolated?organisation=o-1", "/api/v1/assessors?organisation=o-1", "/api/v1/reach/network/csv"):
        out.append(_get(client, extra, headers))
    return out
