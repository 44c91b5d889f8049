"""HTTP that helps (issue 20): ETags and 304s, gzip for large answers, content-named static files with long cache lives."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from api.headers import REVALIDATE
from api.httpcache import IMMUTABLE, MIN_SIZE
from graph.embedded.store import EmbeddedStore
from network.domain import Assessor, Organisation
from tests.api.conftest import Auth


def _person(store: EmbeddedStore, auth: Auth) -> dict[str, str]:
    store.create_organisation(Organisation(id="org-1", name="Org 1", kind="voluntary", region="london"))
    store.create_assessor(Assessor(id="a-1", name="Sam Patel", availability=("tue-pm",), discoverable=True, bio="x" * 1500))
    store.set_employer("a-1", "org-1")
    return auth(roles=("assessor",), assessor_id="a-1")


def test_an_api_answer_is_revalidated_with_its_etag_and_a_change_gives_a_new_one(client: FlaskClient, store: EmbeddedStore, auth: Auth) -> None:
    headers = _person(store, auth)
    first = client.get("/api/v1/assessors/a-1", headers=headers)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == REVALIDATE == "private, no-cache"
    again = client.get("/api/v1/assessors/a-1", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.patch("/api/v1/assessors/a-1", json={"bio": "Practice educator"}, headers=headers).status_code == 200
    changed = client.get("/api/v1/assessors/a-1", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["bio"] == "Practice educator"


def test_pages_stay_no_store_and_errors_carry_no_etag(client: FlaskClient, store: EmbeddedStore, auth: Auth) -> None:
    headers = _person(store, auth)
    page = client.get("/me/profile", headers=headers)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"  # a shared computer's browser keeps no person's page (api.headers)
    missing = client.get("/api/v1/assessors/nobody", headers=headers)
    assert missing.status_code in (403, 404) and "ETag" not in missing.headers
    assert missing.headers["Cache-Control"] == "no-store"


def test_large_json_and_pages_are_compressed_for_clients_that_accept_gzip(client: FlaskClient, store: EmbeddedStore, auth: Auth) -> None:
    headers = _person(store, auth)
    plain = client.get("/api/v1/assessors/a-1", headers=headers)
    assert "Content-Encoding" not in plain.headers and len(plain.data) >= MIN_SIZE
    assert "Accept-Encoding" in plain.headers["Vary"]
    packed = client.get("/api/v1/assessors/a-1", headers={**headers, "Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data)
    assert packed.headers["ETag"] == plain.headers["ETag"]  # one weak validator for both encodings
    page = client.get("/me/profile", headers={**headers, "Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and b"Sam Patel" in gzip.decompress(page.data)
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers


def _get(client: FlaskClient, path: str, **headers: str) -> TestResponse:
    """GET a static file and close the response (a file-backed body stays open until closed)."""
    response = client.get(path, headers=headers)
    response.get_data()
    response.close()
    return response


def test_static_files_are_named_by_their_content_and_kept_a_year(app: Flask, client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    links = re.findall(r'/static/([\w./-]+\.[0-9a-f]{12}\.(?:css|js))', page)
    assert links, "the sign-in page links no content-named static file"
    name = links[0]
    original = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", name)
    body = (Path(app.static_folder or "") / original).read_bytes()
    hashed = _get(client, f"/static/{name}")
    assert hashed.status_code == 200 and hashed.data == body
    assert hashed.headers["Cache-Control"] == IMMUTABLE
    packed = _get(client, f"/static/{name}", **{"Accept-Encoding": "gzip"})
    if len(body) >= MIN_SIZE:
        assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.data) == body
    plain = _get(client, f"/static/{original}")
    assert plain.status_code == 200 and plain.data == body and "immutable" not in plain.headers["Cache-Control"]
    stale = _get(client, f"/static/{re.sub(r'[0-9a-f]{12}', '0' * 12, name)}")  # an older version's name
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    assert client.get("/static/nothing.0123456789ab.css").status_code == 404
    assert client.get("/static/../pyproject.toml").status_code == 404
