"""Sign-ins and security in a real browser (issue 16): a person sees where they are signed in, ends a session
and the others, revokes a token, changes their password (and is told what ended), and a copy of a signed-out
browser's cookies opens nothing."""

from __future__ import annotations

from typing import Any

from api.services import accounts
from tests.web.browser import PASSWORD, LiveApp, screenshot, sign_in

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
NEW_PASSWORD = "a whole new passphrase"


def _person(live_app: LiveApp) -> str:
    return accounts.create_user(live_app.store, "ruth@example.org", roles=("coordinator",), password=PASSWORD).id


def test_a_person_sees_their_sessions_and_ends_one_and_then_the_others(live_app: LiveApp, new_page: Any) -> None:
    _person(live_app)
    laptop, phone, tablet = new_page(user_agent=FIREFOX), new_page(user_agent=IPHONE), new_page(user_agent=IPHONE)
    for tab in (laptop, phone, tablet):
        sign_in(tab, live_app, "ruth@example.org")
    laptop.get_by_role("link", name="Sign-ins and security").click()
    laptop.wait_for_url(live_app.at("/me/sessions"))
    rows = laptop.locator("table.sessions tbody tr")
    assert rows.count() == 3
    assert rows.first.inner_text().startswith("Firefox on Windows (this device)")
    assert "just now" in rows.nth(1).inner_text() and "Safari on an iPhone" in rows.nth(1).inner_text()
    screenshot(laptop, "sessions")
    laptop.get_by_role("button", name="End the session on Safari on an iPhone").first.click()
    assert laptop.get_by_role("status").inner_text() == "The session on Safari on an iPhone has ended: it is signed out."
    assert rows.count() == 2
    laptop.get_by_role("button", name="Sign out everywhere else").click()
    assert laptop.get_by_role("status").inner_text() == "You are signed out everywhere else (1 other session ended)."
    assert rows.count() == 1
    for tab in (phone, tablet):
        tab.goto(live_app.at("/me/sessions"))
        assert "/login" in tab.url  # signed out: back to the sign-in page


def test_a_copy_of_the_cookies_stops_working_at_sign_out(live_app: LiveApp, new_page: Any) -> None:
    _person(live_app)
    victim, thief = new_page(), new_page()
    sign_in(victim, live_app, "ruth@example.org")
    thief.context.add_cookies(victim.context.cookies())
    thief.goto(live_app.at("/me/sessions"))
    assert thief.url == live_app.at("/me/sessions")  # the copy works while the person is signed in
    victim.get_by_role("button", name="Sign out").click()
    victim.wait_for_url(lambda url: "/login" in url)
    assert victim.get_by_role("status").inner_text().startswith("You are signed out. This sign-in has ended")
    thief.goto(live_app.at("/me/sessions"))
    assert "/login" in thief.url


def test_changing_the_password_signs_out_everywhere_else_and_says_so(live_app: LiveApp, new_page: Any) -> None:
    _person(live_app)
    laptop, phone = new_page(user_agent=FIREFOX), new_page(user_agent=IPHONE)
    sign_in(laptop, live_app, "ruth@example.org")
    sign_in(phone, live_app, "ruth@example.org")
    laptop.goto(live_app.at("/me/sessions"))
    laptop.get_by_label("Current password").fill("not my password at all")
    laptop.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    laptop.get_by_label("The same new password again").fill(NEW_PASSWORD)
    laptop.get_by_role("button", name="Change the password").click()
    assert laptop.get_by_text("That is not your current password.").is_visible()
    laptop.get_by_label("Current password").fill(PASSWORD)
    laptop.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    laptop.get_by_label("The same new password again").fill(NEW_PASSWORD)
    laptop.get_by_role("button", name="Change the password").click()
    assert laptop.get_by_role("status").inner_text() == "Your password is changed. You are signed out everywhere else (1 other session ended)."
    phone.goto(live_app.at("/me/sessions"))
    assert "/login" in phone.url
    sign_in(phone, live_app, "ruth@example.org", NEW_PASSWORD)


def test_tokens_are_listed_with_their_last_use_and_revoked(live_app: LiveApp, page: Any) -> None:
    me = _person(live_app)
    used = accounts.issue_token(live_app.store, me, "nightly report", read_only=True)
    accounts.issue_token(live_app.store, me, "spare")
    live_app.app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {used.secret}"})
    sign_in(page, live_app, "ruth@example.org")
    page.goto(live_app.at("/me/sessions"))
    rows = page.locator("table.tokens tbody tr")
    texts = sorted(rows.nth(n).inner_text() for n in range(rows.count()))
    assert texts[0].startswith("nightly report\tonly read") and "just now" in texts[0]
    assert texts[1].startswith("spare\tread and change") and "never" in texts[1]
    page.get_by_role("button", name="Revoke the token nightly report").click()
    assert page.get_by_role("status").inner_text() == "The API token “nightly report” is revoked: it no longer works."
    assert rows.count() == 1
    assert live_app.app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {used.secret}"}).status_code == 401
