"""Helpers of the browser tests: the served app and screenshots saved as test artifacts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from graph.embedded.store import EmbeddedStore

#: Where screenshots go (``BRIDGEWORK_ARTIFACTS``, default ``tests/web/artifacts``), for people to look at.
ARTIFACTS = Path(os.environ.get("BRIDGEWORK_ARTIFACTS", Path(__file__).parent / "artifacts"))


@dataclass
class LiveApp:
    """An app served over HTTP on 127.0.0.1, with its store for arranging data."""

    app: Flask
    store: EmbeddedStore
    url: str

    def at(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.url + path


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as ``<ARTIFACTS>/<name>.png`` and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


#: The password of every person the browser tests create.
PASSWORD = "correct horse battery staple"


def sign_in(page: Any, live_app: LiveApp, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form and wait until the browser has left it."""
    page.goto(live_app.at("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
