"""The demo as ``bridgework serve --demo`` makes it (issue 17), seeded once per test session and copied for each test.

``demo_live`` serves a fresh copy of the seeded store in demo mode (the sign-in page offers one sign-in per role),
so a test may change anything without disturbing the next one.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from api.services import demo, people
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from network import demo as demo_network
from tests.web.browser import LiveApp


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file holding the default demo network and everything :func:`api.services.demo.seed` adds."""
    folder = tmp_path_factory.mktemp("demo-template")
    store = EmbeddedStore(folder / "bridgework.sqlite3")
    store.ensure_schema()
    people.import_bundle(store, demo_network.generate().bundle, actor_id=None, target_kind="demo", target_id="default")
    demo.seed(store)
    store.close()
    return folder / "bridgework.sqlite3"


@pytest.fixture
def demo_live(demo_template: Path, tmp_path: Path) -> Iterator[LiveApp]:
    """A copy of the demo served in demo mode on a free port of 127.0.0.1."""
    copy = tmp_path / "bridgework.sqlite3"
    shutil.copy(demo_template, copy)
    store = EmbeddedStore(copy)
    store.ensure_schema()
    app = create_app({"TESTING": True, "STORE": store, "SECRET_KEY": "demo-tests-" + tmp_path.name, "DEMO": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="demo-app", daemon=True)
    thread.start()
    try:
        yield LiveApp(app=app, store=store, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        store.close()


def demo_sign_in(page: object, live: LiveApp, label: str) -> None:
    """Sign in with one click on the demo sign-in page (``label``: the words of the button, e.g. "a coordinator")."""
    page.goto(live.at("/login"))  # type: ignore[attr-defined]
    page.get_by_role("button", name=f"Continue as {label}").click()  # type: ignore[attr-defined]
    page.wait_for_url(live.at("/home"))  # type: ignore[attr-defined]
