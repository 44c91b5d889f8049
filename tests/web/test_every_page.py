"""Every page, signed in as each role on the demo network, on a 390 px wide phone and for everyone (issue 18).

The pages are the app's GET routes (``app.url_map``, see :mod:`tests.web.sweep`), so a new page is checked
without a change here. For each role and each page it answers (200, HTML):

* the page does not scroll sideways at 390 px (``scrollWidth`` within the window; a wide table may scroll
  inside its own box);
* every tap target is at least 24 by 24 CSS pixels, or sits in a line of text, or has room around it (WCAG 2.2,
  2.5.8);
* axe-core (npm, ``tests/web/vendor/axe.min.js``) finds no violation, at the phone width and at a desktop width.

The sweep runs once per role (module cache); each check is its own test, so a failure names what kind it is and
lists every page with the problem.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from tests.web.browser import PASSWORD, LiveApp, screenshot
from tests.web.sweep import AXE, PHONE, ROLES, TARGET, OVERFLOW_JS, TARGETS_JS, Demo, arrange_demo, page_paths, run_axe

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, Demo]]:
    """The demo network served once for the whole module (the sweep only reads)."""
    folder: Path = tmp_path_factory.mktemp("every-page")
    store = EmbeddedStore(folder / "bridgework.sqlite3")
    store.ensure_schema()
    made = arrange_demo(store)
    app = create_app({"TESTING": True, "STORE": store, "SECRET_KEY": "every-page-" + folder.name})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="every-page", daemon=True)
    thread.start()
    try:
        yield LiveApp(app=app, store=store, url=f"http://127.0.0.1:{server.server_port}"), made
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        store.close()


_SWEEPS: dict[str, dict[str, Any]] = {}


def _settle(page: Any) -> None:
    """Wait until the page's own scripts have drawn it (the map says when it is ready)."""
    page.wait_for_load_state("networkidle")
    if page.locator("[data-state=loading]").count():
        page.wait_for_function("() => !document.querySelector('[data-state=loading]')", timeout=30_000)


def _sweep(browser: Any, demo_app: tuple[LiveApp, Demo], role: str) -> dict[str, Any]:
    """Open every page as ``role`` on a phone, then on a desktop; collect overflow, small targets and axe violations."""
    if role in _SWEEPS:
        if isinstance(_SWEEPS[role], BaseException):
            raise _SWEEPS[role]
        return _SWEEPS[role]
    try:
        _SWEEPS[role] = _sweep_once(browser, demo_app, role)
    except Exception as error:
        _SWEEPS[role] = error
        raise
    return _SWEEPS[role]


def _sweep_once(browser: Any, demo_app: tuple[LiveApp, Demo], role: str) -> dict[str, Any]:
    live, made = demo_app
    paths, missing = page_paths(live.app, made.ids[role])
    result: dict[str, Any] = {"pages": [], "missing": missing, "overflow": {}, "targets": {}, "axe": {}}
    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        context.set_default_timeout(20_000)
        try:
            page = context.new_page()
            page.goto(live.at("/login?next=/"))
            page.get_by_label("Email").fill(made.emails[role])
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda url: "/login" not in url)
            for path in paths:
                response = page.goto(live.at(path))
                if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                    continue
                _settle(page)
                where = f"{path} ({viewport['width']} px)"
                if viewport is PHONE:
                    result["pages"].append(path)
                    size = page.evaluate(OVERFLOW_JS)
                    if size["scroll"] > size["width"]:
                        result["overflow"][path] = f"{size['scroll']} px wide: " + ", ".join(size["out"])
                    small = page.evaluate(TARGETS_JS, TARGET)
                    if small:
                        result["targets"][path] = small
                    name = "phone-" + role + path.replace("/", "-")
                    if path in ("/programmes", "/reach") or path.endswith(("/map", "/health", "/participation")) or "/sets/" in path:
                        screenshot(page, name)
                violations = run_axe(page)
                if violations:
                    result["axe"][where] = violations
        finally:
            context.close()
    return result


def _report(problems: dict[str, Any]) -> str:
    return "\n".join(f"{path}: {detail}" for path, detail in problems.items())


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone_without_scrolling_sideways(browser: Any, demo_app: tuple[LiveApp, Demo], role: str) -> None:
    result = _sweep(browser, demo_app, role)
    assert len(result["pages"]) >= 8, result["pages"]
    assert not result["overflow"], "pages wider than a 390 px phone:\n" + _report(result["overflow"])


@pytest.mark.parametrize("role", ROLES)
def test_every_tap_target_is_at_least_24_pixels(browser: Any, demo_app: tuple[LiveApp, Demo], role: str) -> None:
    result = _sweep(browser, demo_app, role)
    assert not result["targets"], "tap targets under 24 px with others too close:\n" + _report(result["targets"])


@pytest.mark.parametrize("role", ROLES)
def test_axe_finds_no_violation_on_any_page(browser: Any, demo_app: tuple[LiveApp, Demo], role: str) -> None:
    result = _sweep(browser, demo_app, role)
    assert not result["axe"], "axe-core violations:\n" + _report(result["axe"])


def test_the_sweep_covers_every_page_route(demo_app: tuple[LiveApp, Demo]) -> None:
    """Only routes whose ids no demo person has (an onboarding job) are left out, so a new page cannot hide."""
    live, made = demo_app
    for role in ROLES:
        _, missing = page_paths(live.app, made.ids[role])
        assert set(missing) <= {"/organisations/<organisation_id>/onboarding/jobs/<job_id>"}, missing


def test_the_checks_catch_a_wide_page_and_a_small_target(browser: Any) -> None:
    """The checks themselves fail on a page that scrolls sideways, on crowded small links and on an unlabelled field."""
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_content(
            "<!doctype html><html lang='en'><head><title>t</title></head><body><main>"
            "<div style='width:600px'>wide</div>"
            "<ul style='display:flex;list-style:none;padding:0'><li><a href='#a' style='font-size:10px;line-height:12px'>A</a></li>"
            "<li><a href='#b' style='font-size:10px;line-height:12px'>B</a></li></ul>"
            "<p>Read <a href='#c'>this link</a> in a sentence.</p><input type='text'></main></body></html>"
        )
        assert page.evaluate(OVERFLOW_JS)["scroll"] >= 600
        small = page.evaluate(TARGETS_JS, TARGET)
        assert any('"A"' in s for s in small) and any('"B"' in s for s in small)
        assert not any("this link" in s for s in small)
        assert any(v.startswith("label ") for v in run_axe(page))
        assert AXE.exists()
    finally:
        context.close()


def test_the_committed_axe_core_is_the_version_package_lock_pins() -> None:
    """tests/web/vendor/axe.min.js is the npm build web/assets/build.mjs copied, of the version the lock file pins."""
    assets = Path(__file__).resolve().parents[2] / "web" / "assets"
    lock = json.loads((assets / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"]["node_modules/axe-core"]["version"]
    assert json.loads((assets / "package.json").read_text(encoding="utf-8"))["devDependencies"]["axe-core"] == locked
    text = AXE.read_text(encoding="utf-8")
    assert text.startswith(f"/*! axe-core {locked} from npm, copied by web/assets/build.mjs; do not edit */")
    assert f'version:"{locked}"' in text.replace(" ", "") or f"'{locked}'" in text or f'"{locked}"' in text
    assert (AXE.parent / "axe-core.LICENSE.txt").exists()
