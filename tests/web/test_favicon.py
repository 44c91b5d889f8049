"""Every page has a site icon: ``/favicon.ico`` answers with a real icon, and the pages link it and an SVG one."""

from __future__ import annotations

import struct
import time
from html.parser import HTMLParser
from typing import Any

from flask import Response, request

from tests.web.browser import LiveApp


class _Icons(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "link" and "icon" in (named.get("rel") or "").split() and named.get("href"):
            self.hrefs.append(named["href"] or "")


def test_favicon_ico_is_a_real_icon(live_app: LiveApp) -> None:
    response = live_app.app.test_client().get("/favicon.ico")
    body = response.get_data()
    response.close()
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    reserved, kind, count = struct.unpack("<HHH", body[:6])
    assert (reserved, kind) == (0, 1) and count >= 1  # an ICO directory with at least one image


def test_every_page_links_icons_that_are_served(live_app: LiveApp) -> None:
    client = live_app.app.test_client()
    for path in ("/", "/login", "/no-such-page"):
        parser = _Icons()
        parser.feed(client.get(path).get_data(as_text=True))
        assert len(parser.hrefs) >= 2, path
        for href in parser.hrefs:
            icon = client.get(href)
            icon.close()
            assert icon.status_code == 200, (path, href)
            assert icon.mimetype.startswith("image/"), (path, href)


def test_the_browser_finds_the_pages_icon_without_a_404(live_app: LiveApp, page: Any) -> None:
    seen: list[tuple[str, int]] = []

    @live_app.app.after_request
    def _record(response: Response) -> Response:
        if "favicon" in request.path:
            seen.append((request.path, response.status_code))
        return response

    page.goto(live_app.at("/login"))
    deadline = time.monotonic() + 10  # chromium asks for the icon after the page has loaded
    while not seen and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert seen, "the browser asked for no icon"
    assert all(status == 200 for _, status in seen), seen
