"""Notices: the outbox every reminder and message goes through, and the pluggable notifier that delivers them (issue 8).

:func:`notify` stores each :class:`Notice` in the outbox (store area ``meetings``) unless its
``key`` is already there, then hands the new ones to the notifier; :func:`inbox` lists a person's
notices for the pages. Keys are stable strings naming what the notice is about, for example
``meeting:<set>:<date>:<assessor>`` or ``join:<request>:decided``: storing the same key twice does
nothing, which is what makes ``bridgework send-reminders`` safe to run again.

Notifiers (``BRIDGEWORK_NOTIFIER``, see :func:`api.config.notifier_settings`):

* ``outbox`` (default): the outbox table is the delivery; pages show it (``/me/notices``) and
  each notice is logged at INFO.
* ``smtp``: also e-mails each notice to the person's address (the assessor's e-mail, else their
  account's), through ``BRIDGEWORK_SMTP_HOST``/``PORT`` (STARTTLS and login when configured). A
  notice that could not be sent stays ``failed`` in the outbox and :func:`deliver_pending` tries
  it again (the next ``send-reminders`` does); one that was sent is never sent again.

Nothing here knows Flask; the API, pages, CLI and other services all call these functions.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any, Protocol

from api.config import notifier_settings
from graph.port import Conflict, GraphStore, Invalid, NotFound, Transient
from graph.port_meetings import NoticeRecord
from graph.values import Page

log = logging.getLogger(__name__)

#: Longest key, kind and subject of a notice; longest body.
MAX_KEY = 180
#: What a key is made of: ids and dates joined by ``:`` (so a key is also a safe pagination cursor).
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
MAX_SUBJECT = 200
MAX_BODY = 4000


@dataclass(frozen=True)
class Notice:
    """A message for one person (an assessor and/or a user account), stored once per ``key``."""

    key: str
    user_id: str | None
    assessor_id: str | None
    kind: str
    subject: str
    body: str
    link: str | None = None
    due_on: date | None = None


class Notifier(Protocol):
    """Delivers stored notices; answers ``{key: error or None}`` for each one it was given."""

    name: str

    def deliver(self, store: GraphStore, notices: Sequence[NoticeRecord]) -> dict[str, str | None]:
        """Deliver ``notices``; ``None`` for each delivered, else why not."""
        ...


class OutboxNotifier:
    """The default: the outbox is the delivery (pages show it); each notice is logged."""

    name = "outbox"

    def deliver(self, store: GraphStore, notices: Sequence[NoticeRecord]) -> dict[str, str | None]:
        """Log each notice (key and kind only: no personal details in logs)."""
        for n in notices:
            log.info("notice %s (%s) stored in the outbox", n.key, n.kind)
        return {n.key: None for n in notices}


class SmtpNotifier:
    """E-mails each notice through an SMTP server (one connection per batch)."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        user: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 30,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout

    def _address(self, store: GraphStore, n: NoticeRecord) -> str | None:
        try:
            if n.assessor_id is not None:
                email = store.get_assessor(n.assessor_id).email
                if email:
                    return email
            if n.user_id is not None:
                return store.get_user(n.user_id).email or None
        except NotFound:
            return None
        return None

    def message(self, n: NoticeRecord, to: str) -> EmailMessage:
        """The e-mail of one notice."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = n.subject
        msg["X-Bridgework-Notice"] = n.key
        body = n.body if n.link is None else f"{n.body}\n\n{n.link}"
        msg.set_content(body)
        return msg

    def deliver(self, store: GraphStore, notices: Sequence[NoticeRecord]) -> dict[str, str | None]:
        """Send each notice that has an address; connection problems fail the whole batch (retried later)."""
        out: dict[str, str | None] = {}
        addressed = []
        for n in notices:
            to = self._address(store, n)
            if to is None:
                out[n.key] = "no e-mail address"
            else:
                addressed.append((n, to))
        if not addressed:
            return out
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                for n, to in addressed:
                    try:
                        smtp.send_message(self.message(n, to))
                        out[n.key] = None
                    except smtplib.SMTPException as exc:
                        out[n.key] = f"refused: {exc}"[:300]
        except (OSError, smtplib.SMTPException) as exc:
            reason = f"SMTP server {self.host}:{self.port} unavailable: {exc}"[:300]
            log.warning("%s", reason)
            for n, _to in addressed:
                out.setdefault(n.key, reason)
        return out


def notifier_from(settings: Mapping[str, Any]) -> Notifier:
    """The notifier a settings mapping asks for (the keys of :func:`api.config.notifier_settings`, e.g. ``app.config``)."""
    if settings.get("NOTIFIER", "outbox") == "smtp":
        return SmtpNotifier(
            settings["SMTP_HOST"],
            int(settings["SMTP_PORT"]),
            settings["SMTP_FROM"],
            user=settings.get("SMTP_USER", ""),
            password=settings.get("SMTP_PASSWORD", ""),
            starttls=bool(settings.get("SMTP_STARTTLS", False)),
            timeout=float(settings.get("SMTP_TIMEOUT", 30)),
        )
    return OutboxNotifier()


def default_notifier() -> Notifier:
    """The notifier configured by the environment (``BRIDGEWORK_NOTIFIER``); :class:`SettingError` for a bad setting."""
    return notifier_from(notifier_settings(os.environ))


def _record(n: Notice) -> NoticeRecord:
    problems = []
    if not isinstance(n.key, str) or not re.match(KEY_PATTERN, n.key) or len(n.key) > MAX_KEY:
        problems.append(f"key must be 1-{MAX_KEY} letters, digits and _ . : -, starting with a letter or digit")
    if n.user_id is None and n.assessor_id is None:
        problems.append("a notice needs a user_id or an assessor_id")
    if not n.kind or len(n.kind) > 64:
        problems.append("kind must be 1-64 characters")
    if not n.subject or len(n.subject) > MAX_SUBJECT:
        problems.append(f"subject must be 1-{MAX_SUBJECT} characters")
    if len(n.body) > MAX_BODY:
        problems.append(f"body must be at most {MAX_BODY} characters")
    if problems:
        raise Invalid(f"notice {n.key!r}: " + "; ".join(problems))
    return NoticeRecord(
        key=n.key,
        user_id=n.user_id,
        assessor_id=n.assessor_id,
        kind=n.kind,
        subject=n.subject,
        body=n.body,
        link=n.link,
        due_on=n.due_on,
    )


def check_notice(n: Notice) -> None:
    """:class:`Invalid` naming what is wrong with a notice that :func:`notify` would refuse (so a batch can leave it out)."""
    _record(n)


def _deliver(store: GraphStore, notifier: Notifier, records: Sequence[NoticeRecord], now: datetime) -> tuple[int, int]:
    if not records:
        return 0, 0
    outcome = notifier.deliver(store, records)
    sent = [n.key for n in records if n.key in outcome and outcome[n.key] is None]
    if sent:
        store.mark_notices(sent, "sent", now, via=notifier.name)
    failed: dict[str, list[str]] = {}
    for n in records:
        error = outcome.get(n.key, "not delivered")
        if error is not None:
            failed.setdefault(error, []).append(n.key)
    for error, keys in failed.items():
        store.mark_notices(keys, "failed", now, via=notifier.name, error=error)
    return len(sent), sum(len(k) for k in failed.values())


def notify(store: GraphStore, notices: Sequence[Notice], *, notifier: Notifier | None = None, now: datetime | None = None) -> int:
    """Store each notice unless its key is already stored, hand the new ones to the notifier; how many were new.

    :class:`Invalid` (nothing stored) for a malformed notice. A key given twice in one call counts once.
    Inside a use case the notices are stored in its unit of work and handed to the notifier only once
    it has committed (:meth:`~graph.port.GraphStore.after_commit`): nobody is told of a change that
    did not happen. A notice the notifier could not deliver then stays pending for :func:`deliver_pending`.
    """
    records = [_record(n) for n in notices]
    if not records:
        return 0
    at = now or datetime.now(UTC)
    chosen = notifier or default_notifier()
    try:
        new = set(store.add_notices(records, at))
    except Conflict as exc:  # another run stored one of these keys at the same moment: the second try sees it and skips it
        if store.in_unit_of_work():  # the refusal ended the unit: the use case runs again (and then skips those keys)
            raise Transient(f"notices stored meanwhile by another run: {exc}") from exc
        new = set(store.add_notices(records, at))
    fresh: dict[str, NoticeRecord] = {}
    for r in records:
        if r.key in new:
            fresh.setdefault(r.key, r)
    ready = list(fresh.values())
    store.after_commit(lambda: _deliver(store, chosen, ready, at))
    return len(fresh)


def deliver_pending(
    store: GraphStore, *, notifier: Notifier | None = None, now: datetime | None = None, limit: int = 500
) -> tuple[int, int]:
    """Try again the notices not delivered yet (failed, or left pending by a crash); (sent, failed)."""
    return _deliver(store, notifier or default_notifier(), store.undelivered_notices(limit), now or datetime.now(UTC))


def inbox(
    store: GraphStore, *, assessor_id: str | None = None, user_id: str | None = None, limit: int = 50, after: str | None = None
) -> Page[NoticeRecord]:
    """A person's notices (as an assessor and as a user), newest first; ``after`` is the last key of the previous page."""
    if assessor_id is None and user_id is None:
        return Page([], None)
    return store.notices_for(assessor_id=assessor_id, user_id=user_id, limit=limit, after=after)
