"""Content-named static files in a real browser (issue 20): a page's styles and scripts load under their hashed names,
the page looks and works as before, and on the next visit chromium takes them from its cache without asking again."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, request

from network.domain import Assessor
from tests.web.browser import LiveApp

HASHED = re.compile(r"/static/.+\.[0-9a-f]{12}\.(css|js)$")


def test_a_page_loads_its_content_named_files_once_and_looks_as_styled(live_app: LiveApp, signed_in: Any) -> None:
    live_app.store.create_assessor(Assessor(id="a-1", name="Sam Patel", availability=("tue-pm",), discoverable=True))
    asked: list[tuple[str, int]] = []

    @live_app.app.after_request
    def _record(response: Response) -> Response:
        if request.path.startswith("/static/"):
            asked.append((request.path, response.status_code))
        return response

    tab = signed_in(("assessor",), assessor_id="a-1")
    loaded: list[str] = []
    tab.on("response", lambda r: loaded.append(r.url) if "/static/" in r.url and r.status < 400 else None)
    tab.goto(live_app.at("/me/profile"))
    tab.wait_for_load_state("networkidle")
    sheets = tab.eval_on_selector_all("link[rel=stylesheet]", "links => links.map(l => l.href)")
    assert sheets and all(HASHED.search(href) for href in sheets), sheets
    # The stylesheet applied: the page is not in the browser's default serif font.
    assert "Times" not in tab.evaluate("getComputedStyle(document.body).fontFamily")
    assert all(status in (200, 304) for _path, status in asked), asked  # nothing missing
    first = {path for path, _ in asked if HASHED.search(path)}
    assert first, asked
    asked.clear()
    tab.goto(live_app.at("/me/suggestions"))  # another page linking the same files
    tab.wait_for_load_state("networkidle")
    again = {path for path, _ in asked if HASHED.search(path)}
    assert not (first & again), f"chromium asked again for {first & again}: they are kept a year under their content's name"
