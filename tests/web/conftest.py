"""Browser tests: the app served on 127.0.0.1 by a real WSGI server, driven by Debian's chromium through playwright.

``live_app`` serves a fresh app on a fresh embedded store in a background thread; ``page``
is a new chromium tab (a fresh context, so no cookies carry over between tests).
Helpers (``LiveApp``, ``screenshot``) are in :mod:`tests.web.browser`. ``playwright install`` is never used:
the browser is the system's ``/usr/bin/chromium`` (``BRIDGEWORK_CHROMIUM`` overrides).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from tests.web.browser import PASSWORD, LiveApp, sign_in

CHROMIUM = os.environ.get("BRIDGEWORK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium for the whole session; a missing browser fails under CI=true and skips elsewhere."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} not found (install Debian's chromium: apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    """A fresh app on a fresh embedded store, served by a threaded WSGI server on a free port of 127.0.0.1."""
    store = EmbeddedStore(tmp_path / "bridgework.sqlite3")
    store.ensure_schema()
    app = create_app({"TESTING": True, "STORE": store, "SECRET_KEY": "browser-tests-" + tmp_path.name})
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    try:
        yield LiveApp(app=app, store=store, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        store.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open fresh tabs (each in its own context, so cookies never leak between people); all closed afterwards."""
    contexts: list[Any] = []

    violations: list[str] = []

    def open_page(**context_options: Any) -> Any:
        context = browser.new_context(**context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = context.new_page()
        # Anything the Content-Security-Policy blocks (api/headers.py) is a broken page: chromium reports it on the console.
        tab.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        return tab

    yield open_page
    for context in contexts:
        context.close()
    assert violations == [], f"the Content-Security-Policy blocked something: {violations}"


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A fresh tab at a desktop size."""
    return new_page(viewport={"width": 1280, "height": 900})


@pytest.fixture
def signed_in(live_app: LiveApp, new_page: Callable[..., Any]) -> Callable[..., Any]:
    """Create a user with the given roles and scopes and return a desktop tab signed in as them.

    ``signed_in(("assessor",), assessor_id="a-1")``; pass ``viewport=`` for a phone-sized tab.
    """
    counter = iter(range(1, 1_000_000))

    def open_as(
        roles: tuple[str, ...] = ("assessor",),
        *,
        assessor_id: str | None = None,
        organisation_ids: tuple[str, ...] = (),
        programme_ids: tuple[str, ...] = (),
        email: str | None = None,
        viewport: dict[str, int] | None = None,
    ) -> Any:
        address = email or f"person{next(counter)}@example.org"
        accounts.create_user(
            live_app.store,
            address,
            roles=roles,
            password=PASSWORD,
            assessor_id=assessor_id,
            organisation_ids=organisation_ids,
            programme_ids=programme_ids,
        )
        tab = new_page(viewport=viewport or {"width": 1280, "height": 900})
        sign_in(tab, live_app, address)
        return tab

    return open_as
