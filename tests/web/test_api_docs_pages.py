"""The API's documentation pages work without the internet: their scripts are the committed npm copies in web/static/vendor."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import LiveApp, screenshot

WEB = Path(__file__).resolve().parents[2] / "web"
VENDOR = WEB / "static" / "vendor"

#: Every committed vendor file: (npm package, file under web/static/vendor).
VENDORED = [
    ("cytoscape", "cytoscape.min.js"),
    ("swagger-ui-dist", "swagger-ui/swagger-ui-bundle.js"),
    ("swagger-ui-dist", "swagger-ui/swagger-ui-standalone-preset.js"),
    ("swagger-ui-dist", "swagger-ui/swagger-ui.css"),
    ("redoc", "redoc.standalone.js"),
]


def _locked(package: str) -> str:
    lock = json.loads((WEB / "assets" / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"][f"node_modules/{package}"]["version"])


@pytest.mark.parametrize(("package", "file"), VENDORED)
def test_each_vendored_file_is_the_version_package_lock_pins(package: str, file: str) -> None:
    locked = _locked(package)
    manifest = json.loads((WEB / "assets" / "package.json").read_text(encoding="utf-8"))
    assert manifest["dependencies"][package] == locked  # pinned exactly
    head = (VENDOR / file).read_text(encoding="utf-8")[:200]
    banner = re.match(rf"/\*! {re.escape(package)} (\S+) from npm, copied by web/assets/build.mjs", head)
    assert banner is not None, "rebuild with `npm ci && npm run build` in web/assets"
    assert banner.group(1) == locked
    assert (VENDOR / f"{package}.LICENSE.txt").stat().st_size > 0


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        url = named.get("src") if tag == "script" else named.get("href") if tag == "link" else None
        if url:
            self.urls.append(url)


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/redoc"])
def test_the_docs_pages_load_only_assets_of_this_site(live_app: LiveApp, path: str) -> None:
    client = live_app.app.test_client()
    page = client.get(path)
    assert page.status_code == 200
    parser = _Assets()
    parser.feed(page.get_data(as_text=True))
    assert parser.urls, "the page loads its viewer"
    for url in parser.urls:
        assert url.startswith("/static/"), url
        asset = client.get(url)
        asset.close()  # static files are streamed; close the file behind the response
        assert asset.status_code == 200, url


def test_swagger_ui_renders_the_operations_in_a_browser_with_no_internet(live_app: LiveApp, page: Any) -> None:
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_app.url) else None)
    page.goto(live_app.at("/api/v1/docs"))
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 50
    assert outside == []
    screenshot(page, "api-docs")
