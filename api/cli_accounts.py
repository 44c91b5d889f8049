"""``bridgework create-admin`` and ``bridgework reset-link``: bootstrap the first admin, and recover a lost password."""

from __future__ import annotations

import os

import click

from api.cli_common import EXIT_SETTING, fail, opened_store
from api.config import base_url_setting
from api.services import accounts
from graph.port import Conflict, NotFound
from graph.settings import SettingError
from network.domain import InvalidValue

PASSWORD_ENV = "BRIDGEWORK_ADMIN_PASSWORD"


@click.command("create-admin")
@click.option("--email", prompt="Admin email", help="The admin's email (their login).")
def create_admin(email: str) -> None:
    """Create a network admin. The password is read from BRIDGEWORK_ADMIN_PASSWORD or asked for (never shown)."""
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    try:
        accounts.check_password(password)
        accounts.normalise_email(email)
    except InvalidValue as exc:
        fail(f"{exc.field} {exc.message}")
    with opened_store() as store:
        try:
            user = accounts.create_user(store, email, roles=("admin",), password=password)
        except Conflict:
            fail(f"a user with email {email.strip().lower()!r} already exists (use `bridgework reset-link` to recover it)")
    click.echo(f"admin {user.email} created (user id {user.id}); sign in at /login")


@click.command("reset-link")
@click.argument("email")
@click.option(
    "--base-url",
    default=None,
    show_default="BRIDGEWORK_BASE_URL (required in production), else http://127.0.0.1:5000",
    help="Where people reach the service.",
)
@click.option("--hours", type=click.IntRange(1, 24 * 14), default=24, show_default=True, help="How long the link works.")
def reset_link(email: str, base_url: str | None, hours: int) -> None:
    """Print a one-time password reset link for the user with EMAIL (e.g. an admin who lost their password)."""
    if base_url is None:
        try:
            base_url = base_url_setting(os.environ, (os.environ.get("BRIDGEWORK_ENV") or "development").strip().lower())
        except SettingError as exc:
            fail(str(exc), EXIT_SETTING)
    with opened_store() as store:
        try:
            user = store.get_user_by_email(accounts.normalise_email(email))
        except (NotFound, InvalidValue):
            fail(f"no user with email {email!r}")
        issued = accounts.issue_reset(store, user.id, actor_id=None, hours=hours)
    click.echo(f"{base_url.rstrip('/')}/reset/{issued.secret}")
    click.echo(f"one-time link for {user.email}, valid for {hours} hour(s)", err=True)
