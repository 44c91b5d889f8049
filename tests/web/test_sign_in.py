"""Signing in and out in a real browser: the form, its CSRF token, the session cookie and a wrong password."""

from __future__ import annotations

from typing import Any

from api.services import accounts
from tests.web.browser import LiveApp, screenshot

PASSWORD = "correct horse battery staple"


def make_user(live_app: LiveApp, email: str = "ruth@example.org") -> None:
    accounts.create_user(live_app.store, email, roles=("assessor",), password=PASSWORD)


def test_a_person_signs_in_and_out(live_app: LiveApp, page: Any) -> None:
    make_user(live_app)
    page.goto(live_app.at("/login"))
    screenshot(page, "sign-in")
    page.get_by_label("Email").fill("Ruth@Example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_app.at("/home"))  # each person lands on their own home (issue 17)

    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"

    assert page.get_by_text("Signed in as ruth@example.org").is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_app.at("/login"))
    assert page.get_by_role("status").inner_text().startswith("You are signed out. This sign-in has ended")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(live_app: LiveApp, page: Any) -> None:
    make_user(live_app)
    page.goto(live_app.at("/login"))
    page.get_by_label("Email").fill("ruth@example.org")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    assert "do not match an active account" in alert.inner_text()
    assert page.url.startswith(live_app.at("/login"))
    assert page.request.get(live_app.at("/api/v1/me")).status == 401
    assert page.get_by_role("link", name="Sign in").is_visible()
