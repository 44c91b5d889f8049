"""Admin pages through the Flask test client: who gets in, form validation (422, nothing written) and what is audited.

Signed in for real (the login form, the session cookie, CSRF tokens from the pages), so the same
checks run as in a browser; the browser tests (``test_admin_pages.py``) cover what needs one.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from graph.port import NotFound
from network.domain import Assessor, Organisation, Programme, Theme

PASSWORD = "correct horse battery staple"
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


@pytest.fixture(autouse=True)
def _quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(tmp_path / "admin.sqlite3")
    s.ensure_schema()
    yield s
    s.close()


@pytest.fixture
def app(store: EmbeddedStore) -> Flask:
    return create_app({"TESTING": True, "STORE": store, "SECRET_KEY": "admin-views-tests"})


class Browser:
    """A test client signed in through the login form, posting forms with the page's CSRF token."""

    def __init__(self, client: FlaskClient, user_id: str) -> None:
        self.client = client
        self.user_id = user_id

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def token(self) -> str:
        html = self.client.get("/").get_data(as_text=True)
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
        assert found, "no CSRF token on the page"
        return found.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.client.post(path, data={"csrf_token": self.token(), **(data or {})}, **kw)


SignIn = Callable[..., Browser]


@pytest.fixture
def sign_in(app: Flask, store: EmbeddedStore) -> SignIn:
    counter = iter(range(1, 1000))

    def make(roles: tuple[str, ...] = ("admin",), **scopes: Any) -> Browser:
        email = f"person{next(counter)}@example.org"
        user = accounts.create_user(store, email, roles=roles, password=PASSWORD, **scopes)
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token
        response = client.post("/login", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return Browser(client, user.id)

    return make


ADMIN_PAGES = [
    "/admin",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/organisations/org-1/edit",
    "/admin/organisations/org-1/delete",
    "/admin/themes",
    "/admin/themes/new",
    "/admin/themes/t-1/edit",
    "/admin/users",
    "/admin/users/new",
    "/admin/audit",
]


@pytest.fixture
def org(store: EmbeddedStore) -> Organisation:
    store.create_theme(Theme("t-1", "Values and ethics", "pcf"))
    return store.create_organisation(Organisation("org-1", "Northshire Council", "local_authority", "north_east"))


def test_only_admins_see_admin_pages_others_get_403_and_strangers_sign_in(app: Flask, org: Organisation, sign_in: SignIn) -> None:
    admin = sign_in(("admin",))
    for path in ADMIN_PAGES:
        assert admin.get(path).status_code == 200, path
    own_user_page = f"/admin/users/{admin.user_id}"
    assert admin.get(own_user_page).status_code == 200
    for roles, scopes in ((("org_admin",), {"organisation_ids": ("org-1",)}), (("coordinator",), {}), (("assessor",), {})):
        someone = sign_in(roles, **scopes)
        for path in [*ADMIN_PAGES, own_user_page]:
            assert someone.get(path).status_code == 403, (roles, path)
        assert (
            someone.post("/admin/organisations/new", {"id": "org-x", "name": "X", "kind": "agency", "region": "london"}).status_code == 403
        )
    anonymous = app.test_client()
    response = anonymous.get("/admin/users")
    assert response.status_code == 302 and "/login?next=/admin/users" in response.headers["Location"]


def test_creating_an_organisation_checks_every_field_and_writes_nothing_when_one_is_bad(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn
) -> None:
    admin = sign_in()
    bad = admin.post("/admin/organisations/new", {"id": "has space", "name": "", "kind": "castle", "region": "london"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Use 1-64 letters" in html and "This field is required." in html and "Not a valid choice" in html
    assert "nothing was saved" in html
    taken = admin.post("/admin/organisations/new", {"id": "org-1", "name": "Another", "kind": "agency", "region": "london"})
    assert taken.status_code == 422 and "exists already" in taken.get_data(as_text=True)
    assert store.get_organisation("org-1").name == "Northshire Council"
    assert [o.id for o in store.list_organisations().items] == ["org-1"]

    made = admin.post("/admin/organisations/new", {"id": "org-2", "name": "Southshire Trust", "kind": "nhs_trust", "region": "south_west"})
    assert made.status_code == 302
    assert store.get_organisation("org-2") == Organisation("org-2", "Southshire Trust", "nhs_trust", "south_west")
    assert "Added Southshire Trust." in admin.get("/admin/organisations").get_data(as_text=True)


def test_editing_an_organisation_keeps_its_id_and_refuses_bad_input(store: EmbeddedStore, org: Organisation, sign_in: SignIn) -> None:
    admin = sign_in()
    assert 'value="Northshire Council"' in admin.get("/admin/organisations/org-1/edit").get_data(as_text=True)
    bad = admin.post("/admin/organisations/org-1/edit", {"id": "org-1", "name": "x" * 300, "kind": "agency", "region": "london"})
    assert bad.status_code == 422 and store.get_organisation("org-1") == org
    good = admin.post(
        "/admin/organisations/org-1/edit", {"id": "hijack", "name": "Northshire County", "kind": "agency", "region": "london"}
    )
    assert good.status_code == 302
    assert store.get_organisation("org-1") == Organisation("org-1", "Northshire County", "agency", "london")
    assert admin.get("/admin/organisations/nope/edit").status_code == 404
    assert admin.get("/admin/organisations/bad%20id/edit").status_code == 404


def test_deleting_an_organisation_needs_the_confirmation_and_an_empty_organisation(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn
) -> None:
    admin = sign_in()
    store.create_assessor(Assessor("a-1", "Ada"))
    store.set_employer("a-1", "org-1")
    assert "Delete Northshire Council?" in admin.get("/admin/organisations/org-1/delete").get_data(as_text=True)
    unticked = admin.post("/admin/organisations/org-1/delete", {})
    assert unticked.status_code == 422 and "Tick the box" in unticked.get_data(as_text=True)
    busy = admin.post("/admin/organisations/org-1/delete", {"confirm": "y"})
    assert busy.status_code == 409 and "while assessors work for it" in busy.get_data(as_text=True)
    assert store.get_organisation("org-1") == org
    store.clear_employer("a-1")
    assert admin.post("/admin/organisations/org-1/delete", {"confirm": "y"}).status_code == 302
    assert store.list_organisations().items == []


def test_themes_are_created_and_edited_with_validation(store: EmbeddedStore, org: Organisation, sign_in: SignIn) -> None:
    admin = sign_in()
    bad = admin.post("/admin/themes/new", {"id": "", "name": "Courts", "framework": "nope"})
    assert bad.status_code == 422 and len(store.list_themes().items) == 1
    assert admin.post("/admin/themes/new", {"id": "t-1", "name": "Again", "framework": "pcf"}).status_code == 422
    assert admin.post("/admin/themes/new", {"id": "practice-courts", "name": "Court work", "framework": "practice"}).status_code == 302
    assert store.get_theme("practice-courts") == Theme("practice-courts", "Court work", "practice")
    assert admin.post("/admin/themes/t-1/edit", {"name": "Values", "framework": "kss"}).status_code == 302
    assert store.get_theme("t-1") == Theme("t-1", "Values", "kss")
    assert admin.post("/admin/themes/t-1/edit", {"name": "", "framework": "kss"}).status_code == 422
    assert store.get_theme("t-1").name == "Values"


def test_organisation_and_theme_changes_on_the_pages_are_audited_with_the_admin(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn
) -> None:
    admin = sign_in()
    steps = [
        ("/admin/organisations/new", {"id": "org-2", "name": "Southshire Trust", "kind": "nhs_trust", "region": "south_west"}),
        ("/admin/organisations/org-2/edit", {"name": "Southshire NHS Trust", "kind": "nhs_trust", "region": "south_west"}),
        ("/admin/organisations/org-2/edit", {"name": "Southshire NHS Trust", "kind": "nhs_trust", "region": "south_west"}),  # no change
        ("/admin/organisations/org-2/delete", {"confirm": "y"}),
        ("/admin/themes/new", {"id": "practice-courts", "name": "Court work", "framework": "practice"}),
        ("/admin/themes/t-1/edit", {"name": "Values", "framework": "kss"}),
    ]
    for path, data in steps:
        assert admin.post(path, data).status_code == 302, path
    logged = [
        (e.action, e.target_id, e.actor_id, e.details)
        for e in reversed(store.list_audit().items)
        if e.action.split(":")[0] in ("organisation", "theme")
    ]
    assert logged == [
        ("organisation:create", "org-2", admin.user_id, {}),
        ("organisation:update", "org-2", admin.user_id, {"fields": ["name"]}),
        ("organisation:delete", "org-2", admin.user_id, {}),
        ("theme:create", "practice-courts", admin.user_id, {}),
        ("theme:update", "t-1", admin.user_id, {"fields": ["framework", "name"]}),
    ]


def test_a_page_change_whose_audit_entry_cannot_be_written_leaves_nothing(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.port import Unavailable

    admin = sign_in()

    def refuse(entry: Any) -> Any:
        raise Unavailable("the audit log cannot be written")

    monkeypatch.setattr(store, "record_audit", refuse)
    created = admin.post("/admin/organisations/new", {"id": "org-2", "name": "Southshire Trust", "kind": "nhs_trust", "region": "london"})
    edited = admin.post("/admin/themes/t-1/edit", {"name": "Values", "framework": "kss"})
    assert (created.status_code, edited.status_code) == (503, 503)
    assert [o.id for o in store.list_organisations().items] == ["org-1"]
    assert store.get_theme("t-1") == Theme("t-1", "Values and ethics", "pcf")


def test_an_admin_creates_a_user_with_roles_and_scopes_and_gets_a_one_time_link(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn
) -> None:
    admin = sign_in()
    store.create_programme(Programme(id="p-1", name="Spring sets"))
    made = admin.post(
        "/admin/users/new",
        {"email": "Manager@Example.org", "roles": ["org_admin", "coordinator"], "organisation_ids": "org-1", "programme_ids": "p-1"},
    )
    html = made.get_data(as_text=True)
    assert made.status_code == 201
    user = store.get_user_by_email("manager@example.org")
    assert (user.roles, user.organisation_ids, user.programme_ids, user.password_hash) == (
        ("coordinator", "org_admin"),
        ("org-1",),
        ("p-1",),
        None,
    )
    secret = re.search(r"/reset/([A-Za-z0-9_-]+)", html)
    assert secret and accounts.reset_for(store, secret.group(1)) is not None
    assert "shown only now" in html
    entries = store.list_audit(action="user:create").items
    assert [(e.actor_id, e.target_id) for e in entries if e.target_id == user.id] == [(admin.user_id, user.id)]
    # the link is not shown again on the user's page
    assert secret.group(1) not in admin.get(f"/admin/users/{user.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not an email", "roles": ["assessor"]}, "Enter an email address"),
        ({"email": "new@example.org", "roles": []}, "Choose at least one role."),
        ({"email": "new@example.org", "roles": ["wizard"]}, "is not a valid choice"),
        ({"email": "new@example.org", "roles": ["org_admin"], "organisation_ids": "org-1, org-404"}, "No such organisation: org-404."),
        ({"email": "new@example.org", "roles": ["assessor"], "assessor_id": "a-404"}, "There is no assessor with id a-404."),
        ({"email": "new@example.org", "roles": ["assessor"]}, "The assessor role needs the assessor this person is"),
        ({"email": "new@example.org", "roles": ["org_admin", "assessor"], "organisation_ids": "org-1"}, "The assessor role needs"),
        ({"email": "new@example.org", "roles": ["coordinator"], "programme_ids": "p-404"}, "No such programme: p-404."),
        ({"email": "new@example.org", "roles": ["org_admin"], "organisation_ids": "org 1;drop"}, "not an id"),
        ({"email": "new@example.org", "roles": ["assessor"], "password": "short"}, "Use at least 12 characters."),
    ],
)
def test_a_bad_new_user_is_refused_with_its_field_message_and_nothing_is_written(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn, fields: dict[str, Any], message: str
) -> None:
    admin = sign_in()
    before = [u.id for u in store.list_users().items]
    response = admin.post("/admin/users/new", fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert [u.id for u in store.list_users().items] == before
    assert [e for e in store.list_audit(action="user:create").items if e.actor_id == admin.user_id] == []


def test_a_new_assessor_without_their_assessor_is_refused_by_the_field_and_the_corrected_retry_works(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn
) -> None:
    admin = sign_in()
    store.create_assessor(Assessor(id="a-ruth", name="Ruth Khan"))
    refused = admin.post("/admin/users/new", {"email": "ruth@example.org", "roles": ["assessor"]})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    error = re.search(r'<span class="field-error" id="assessor_id-error">([^<]*)</span>', html)
    assert error and "The assessor role needs the assessor this person is" in error.group(1)
    with pytest.raises(NotFound):
        store.get_user_by_email("ruth@example.org")
    retried = admin.post("/admin/users/new", {"email": "ruth@example.org", "roles": ["assessor"], "assessor_id": "a-ruth"})
    assert retried.status_code == 201
    assert store.get_user_by_email("ruth@example.org").assessor_id == "a-ruth"
    twice = admin.post("/admin/users/new", {"email": "ruth.k@example.org", "roles": ["assessor"], "assessor_id": "a-ruth"})
    assert twice.status_code == 422 and "Ruth Khan already has a login (ruth@example.org)." in twice.get_data(as_text=True)


def test_the_assessor_role_cannot_be_given_or_kept_without_an_assessor_on_the_user_page(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn
) -> None:
    admin = sign_in()
    store.create_assessor(Assessor(id="a-ruth", name="Ruth Khan"))
    lead = accounts.create_user(store, "lead@example.org", roles=("coordinator",))
    given = admin.post(f"/admin/users/{lead.id}", {"roles": ["coordinator", "assessor"]})
    assert given.status_code == 422 and "The assessor role needs the assessor this person is" in given.get_data(as_text=True)
    assert store.get_user(lead.id) == lead
    linked = admin.post(f"/admin/users/{lead.id}", {"roles": ["coordinator", "assessor"], "assessor_id": "a-ruth"})
    assert linked.status_code == 302
    assert (store.get_user(lead.id).roles, store.get_user(lead.id).assessor_id) == (("assessor", "coordinator"), "a-ruth")
    unlinked = admin.post(f"/admin/users/{lead.id}", {"roles": ["coordinator", "assessor"], "assessor_id": ""})
    assert unlinked.status_code == 422 and store.get_user(lead.id).assessor_id == "a-ruth"
    dropped = admin.post(f"/admin/users/{lead.id}", {"roles": ["coordinator"], "assessor_id": ""})  # the role and its link go together
    assert dropped.status_code == 302
    assert (store.get_user(lead.id).roles, store.get_user(lead.id).assessor_id) == (("coordinator",), None)


def test_a_taken_email_is_refused(store: EmbeddedStore, org: Organisation, sign_in: SignIn) -> None:
    admin = sign_in()
    accounts.create_user(store, "taken@example.org", roles=("assessor",))
    response = admin.post("/admin/users/new", {"email": "TAKEN@example.org", "roles": ["admin"]})
    assert response.status_code == 422 and "already a user with this email" in response.get_data(as_text=True)
    assert store.get_user_by_email("taken@example.org").roles == ("assessor",)


def test_changing_roles_and_scopes_is_audited_and_an_admin_cannot_lock_themselves_out(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn
) -> None:
    admin = sign_in()
    store.create_assessor(Assessor(id="a-ruth", name="Ruth Khan"))
    user = accounts.create_user(store, "ruth@example.org", roles=("assessor",), assessor_id="a-ruth")
    changed = admin.post(
        f"/admin/users/{user.id}", {"roles": ["assessor", "org_admin"], "assessor_id": "a-ruth", "organisation_ids": "org-1"}
    )
    assert changed.status_code == 302
    after = store.get_user(user.id)
    assert after.roles == ("assessor", "org_admin") and after.organisation_ids == ("org-1",)
    roles_entry = store.list_audit(action="user:roles", target_id=user.id).items[0]
    assert roles_entry.actor_id == admin.user_id and roles_entry.details["roles"]["after"] == ["assessor", "org_admin"]
    assert store.list_audit(action="user:scopes", target_id=user.id).items[0].details["organisation_ids"] == ["org-1"]

    scopes_entries = len(store.list_audit(action="user:scopes", target_id=user.id).items)
    unchanged = {"roles": ["org_admin"], "assessor_id": "a-ruth", "organisation_ids": "org-1"}
    assert admin.post(f"/admin/users/{user.id}", unchanged).status_code == 302
    assert len(store.list_audit(action="user:scopes", target_id=user.id).items) == scopes_entries  # unchanged scopes: no entry
    assert store.get_user(user.id).roles == ("org_admin",)

    before_bad = store.get_user(user.id)
    bad = admin.post(f"/admin/users/{user.id}", {"roles": ["assessor"], "assessor_id": "a-ruth", "organisation_ids": "org-404"})
    assert bad.status_code == 422 and store.get_user(user.id) == before_bad

    mine = admin.post(f"/admin/users/{admin.user_id}", {"roles": ["coordinator"]})
    assert mine.status_code == 422 and "cannot take the network admin role from yourself" in mine.get_data(as_text=True)
    assert store.get_user(admin.user_id).roles == ("admin",)


def test_deactivating_stops_sign_in_is_audited_and_admins_cannot_deactivate_themselves(
    app: Flask, store: EmbeddedStore, org: Organisation, sign_in: SignIn
) -> None:
    admin = sign_in()
    someone = sign_in(("assessor",))
    assert someone.get("/api/v1/me").status_code == 200
    assert admin.post(f"/admin/users/{someone.user_id}/active", {"active": "false"}).status_code == 302
    assert store.get_user(someone.user_id).active is False
    assert someone.get("/api/v1/me").status_code == 401  # the running session ends too
    entry = store.list_audit(action="user:update", target_id=someone.user_id).items[0]
    assert entry.details["active"] == {"before": True, "after": False} and entry.actor_id == admin.user_id
    assert admin.post(f"/admin/users/{someone.user_id}/active", {"active": "true"}).status_code == 302
    assert store.get_user(someone.user_id).active is True
    refused = admin.post(f"/admin/users/{admin.user_id}/active", {"active": "false"})
    assert refused.status_code == 422 and store.get_user(admin.user_id).active is True


def test_a_reset_link_is_shown_once_and_replaces_the_earlier_one(store: EmbeddedStore, org: Organisation, sign_in: SignIn) -> None:
    admin = sign_in()
    user = accounts.create_user(store, "ruth@example.org", roles=("assessor",), password=PASSWORD)
    first = re.search(r"/reset/([A-Za-z0-9_-]+)", admin.post(f"/admin/users/{user.id}/reset-link").get_data(as_text=True))
    second = re.search(r"/reset/([A-Za-z0-9_-]+)", admin.post(f"/admin/users/{user.id}/reset-link").get_data(as_text=True))
    assert first and second and first.group(1) != second.group(1)
    assert accounts.reset_for(store, first.group(1)) is None
    assert accounts.reset_for(store, second.group(1)) is not None
    assert len(store.list_audit(action="user:reset_link", target_id=user.id).items) == 2
    assert admin.client.post(f"/admin/users/{user.id}/reset-link").status_code == 400  # no CSRF token


def test_users_are_searched_by_email_and_role(store: EmbeddedStore, org: Organisation, sign_in: SignIn) -> None:
    admin = sign_in()
    accounts.create_user(store, "ruth.khan@northshire.gov.uk", roles=("org_admin",), organisation_ids=("org-1",))
    accounts.create_user(store, "sam@example.org", roles=("assessor",))
    found = admin.get("/admin/users?q=northshire").get_data(as_text=True)
    assert "ruth.khan@northshire.gov.uk" in found and "sam@example.org" not in found
    by_role = admin.get("/admin/users?role=assessor").get_data(as_text=True)
    assert "sam@example.org" in by_role and "ruth.khan" not in by_role
    assert admin.get("/admin/users?role=wizard&after=%3Cx%3E").status_code == 200


def test_the_audit_log_pages_and_filters_by_action_and_shows_details_as_text(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn
) -> None:
    admin = sign_in()
    for n in range(55):
        accounts.audit(store, "import", "organisation", "org-1", admin.user_id, {"rows": n, "note": XSS})
    accounts.create_user(store, "ruth@example.org", roles=("assessor",), actor_id=admin.user_id)
    first = admin.get("/admin/audit").get_data(as_text=True)
    body = first.split("<tbody>")[1].split("</tbody>")[0]
    assert "created the sign-in of ruth@example.org" in body and body.count("People were imported") == 49
    assert "user:create" not in body and admin.user_id not in body  # words and names, never codes or ids
    filtered = admin.get("/admin/audit?action=user:create").get_data(as_text=True)
    assert "created the sign-in of ruth@example.org" in filtered and "People were imported" not in filtered.split("<tbody>")[1]
    next_link = re.search(r'href="(/admin/audit\?after=[^"]+)"', first)
    assert next_link
    second = admin.get(next_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert second.split("<tbody>")[1].count("People were imported") == 6
    assert admin.get("/admin/audit?action=no:such").status_code == 422


def test_names_with_markup_are_shown_as_text(store: EmbeddedStore, sign_in: SignIn) -> None:
    admin = sign_in()
    store.create_organisation(Organisation("org-x", XSS, "voluntary", "london"))
    store.create_theme(Theme("t-x", XSS, "practice"))
    for path in ("/admin/organisations", "/admin/themes", "/admin/organisations/org-x/edit", "/admin/organisations/org-x/delete"):
        html = admin.get(path).get_data(as_text=True)
        assert "<script>window.__xss" not in html and "&lt;script&gt;" in html, path


# -- onboarding (CSV upload) pages ---------------------------------------------------------------

ASSESSORS = "id,name,email,organisation_id,experience_years,themes\n"


def upload(browser: Browser, organisation_id: str, action: str = "import", **files: str | bytes) -> Any:
    data: dict[str, Any] = {"action": action}
    for name, content in files.items():
        raw = content.encode() if isinstance(content, str) else content
        data[name] = (io.BytesIO(raw), f"{name}.csv")
    return browser.post(f"/organisations/{organisation_id}/onboarding", data, content_type="multipart/form-data")


@pytest.fixture
def two_orgs(store: EmbeddedStore, org: Organisation) -> None:
    store.create_organisation(Organisation("org-2", "Southshire Trust", "nhs_trust", "london"))


def wait_done(store: EmbeddedStore, job_id: str) -> Any:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = store.get_job(job_id)
        if job.finished:
            return job
        time.sleep(0.02)
    raise AssertionError("the job did not finish")


def test_org_admins_onboard_only_into_their_own_organisation(app: Flask, store: EmbeddedStore, two_orgs: None, sign_in: SignIn) -> None:
    mine = sign_in(("org_admin",), organisation_ids=("org-1",))
    assert mine.get("/organisations/org-1/onboarding").status_code == 200
    assert mine.get("/onboarding").headers["Location"].endswith("/organisations/org-1/onboarding")
    assert mine.get("/organisations/org-2/onboarding").status_code == 403
    assert mine.get("/organisations/org-404/onboarding").status_code == 403  # no probing for ids
    assert upload(mine, "org-2", assessors=ASSESSORS + "a-1,Ada,,,1,\n").status_code == 403
    assert sign_in(("assessor",)).get("/organisations/org-1/onboarding").status_code == 403
    assert sign_in(("admin",)).get("/organisations/org-404/onboarding").status_code == 404
    assert app.test_client().get("/organisations/org-1/onboarding").status_code == 302
    assert store.existing_ids("Assessor", ["a-1"]) == set()


def test_a_bad_upload_lists_every_bad_row_and_writes_nothing(store: EmbeddedStore, two_orgs: None, sign_in: SignIn) -> None:
    mine = sign_in(("org_admin",), organisation_ids=("org-1",))
    bad = upload(
        mine,
        "org-1",
        assessors=ASSESSORS + "a-1,Ada,nope,,-2,\na-2,Bo,,org-2,1,\na-3," + XSS + ",,,1,\n",
        contacts="from_id,to_id\na-1,a-9\n",
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "5 problems in 3 rows: nothing was added" in html
    rows = re.findall(
        r'<tr><td data-label="File">([a-z]+\.csv)</td><td data-label="Line">(\d+)</td><td data-label="Column">([^<]*)</td>', html
    )
    assert rows == [
        ("assessors.csv", "2", "email"),
        ("assessors.csv", "2", "experience_years"),
        ("assessors.csv", "3", "organisation_id"),
        ("contacts.csv", "2", "from_id"),
        ("contacts.csv", "2", "to_id"),
    ]
    assert store.existing_ids("Assessor", ["a-1", "a-2", "a-3"]) == set()
    assert store.list_jobs().items == []


def test_a_good_upload_becomes_a_job_whose_page_shows_the_outcome_to_its_owner_only(
    store: EmbeddedStore, two_orgs: None, sign_in: SignIn
) -> None:
    mine = sign_in(("org_admin",), organisation_ids=("org-1",))
    checked = upload(mine, "org-1", action="check", assessors=ASSESSORS + "a-1,Ada,,,1,pcf-knowledge\n")
    assert checked.status_code == 200 and "The one row is fine" in checked.get_data(as_text=True)
    assert "1 new assessor." in checked.get_data(as_text=True)
    assert store.existing_ids("Assessor", ["a-1"]) == set()

    started = upload(mine, "org-1", assessors=ASSESSORS + "a-1,Ada,,,1,pcf-knowledge\na-2,Bo,,org-1,2,\n")
    assert started.status_code == 303
    job_path = started.headers["Location"]
    job_id = job_path.rsplit("/", 1)[1]
    assert wait_done(store, job_id).status == "done"
    page = mine.get(job_path).get_data(as_text=True)
    assert "Finished: 2 new assessors" in page
    assert store.get_employment("a-2").organisation_id == "org-1"
    assert job_id in mine.get("/organisations/org-1/onboarding").get_data(as_text=True)  # recent uploads

    colleague = sign_in(("org_admin",), organisation_ids=("org-1",))
    assert colleague.get(job_path).status_code == 403
    assert sign_in(("org_admin",), organisation_ids=("org-2",)).get(job_path).status_code == 403
    assert sign_in(("admin",)).get(job_path).status_code == 200
    assert mine.get(job_path.replace("org-1", "org-2")).status_code == 403
    assert sign_in(("admin",)).get(job_path.replace("org-1", "org-2")).status_code == 404  # the job is not that organisation's


def test_no_file_and_an_upload_over_the_limit_get_clear_messages(app: Flask, store: EmbeddedStore, two_orgs: None, sign_in: SignIn) -> None:
    mine = sign_in(("org_admin",), organisation_ids=("org-1",))
    empty = upload(mine, "org-1")
    assert empty.status_code == 422 and "Choose at least one CSV file" in empty.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    big = upload(mine, "org-1", assessors=ASSESSORS + "a-1,Ada,,,1,\n" * 10_000)
    html = big.get_data(as_text=True)
    assert big.status_code == 413
    assert "The files are too large" in html and "at most 0.06 MB" in html and "Back to the upload page" in html
    assert store.existing_ids("Assessor", ["a-1"]) == set()


def test_the_user_page_after_a_reset_link_keeps_the_stored_roles_and_lists_the_latest_changes(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn
) -> None:
    admin = sign_in()
    user = accounts.create_user(store, "ruth@example.org", roles=("org_admin",), organisation_ids=("org-1",), actor_id=admin.user_id)
    html = admin.post(f"/admin/users/{user.id}/reset-link").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="org_admin"', html)
    assert not re.search(r'<input[^>]*checked[^>]*value="assessor"', html)
    assert 'value="org-1"' in html
    history = html.split("Latest changes to this user")[1]
    assert "issued a password link for ruth@example.org" in history and "created the sign-in of ruth@example.org" in history
    assert "user:" not in history  # in words, never codes


def _shown(html: str) -> str:
    """The hidden field of the values the edit page showed (web/edits.py), unescaped as the browser posts it."""
    import html as markup

    found = re.search(r'<input type="hidden" name="shown" value="([^"]*)">', html)
    assert found, "the edit page carries no record of the values it showed"
    return markup.unescape(found.group(1))


def test_a_save_from_an_organisation_or_theme_page_opened_earlier_keeps_a_change_made_meanwhile(
    store: EmbeddedStore, org: Organisation, sign_in: SignIn
) -> None:
    """Two admins open the same edit page; one changes the region, then the other the name: both changes stay."""
    first, second = sign_in(), sign_in()
    org_page = _shown(first.get("/admin/organisations/org-1/edit").get_data(as_text=True))
    theme_page = _shown(first.get("/admin/themes/t-1/edit").get_data(as_text=True))
    kept = {"id": "org-1", "name": "Northshire Council", "kind": "local_authority"}
    assert second.post("/admin/organisations/org-1/edit", {**kept, "region": "london"}).status_code == 302
    assert second.post("/admin/themes/t-1/edit", {"name": "Values and ethics", "framework": "kss"}).status_code == 302

    saved = first.post(
        "/admin/organisations/org-1/edit", {**kept, "name": "Northshire County Council", "region": "north_east", "shown": org_page}
    )
    assert saved.status_code == 302
    assert store.get_organisation("org-1") == Organisation("org-1", "Northshire County Council", "local_authority", "london")
    saved = first.post("/admin/themes/t-1/edit", {"name": "Values", "framework": "pcf", "shown": theme_page})
    assert saved.status_code == 302
    assert store.get_theme("t-1") == Theme("t-1", "Values", "kss")
    [update] = [e for e in store.list_audit(action="organisation:update").items if e.actor_id == first.user_id]
    assert update.details == {"fields": ["name"]}


def test_a_refused_admin_edit_keeps_the_record_of_what_the_page_first_showed(store: EmbeddedStore, org: Organisation, sign_in: SignIn) -> None:
    admin = sign_in()
    first = _shown(admin.get("/admin/organisations/org-1/edit").get_data(as_text=True))
    again = admin.post("/admin/organisations/org-1/edit", {"name": "", "kind": "local_authority", "region": "north_east", "shown": first})
    assert again.status_code == 422 and _shown(again.get_data(as_text=True)) == first
