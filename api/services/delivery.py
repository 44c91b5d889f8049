"""E-mail delivery of stored notices: each person's choice, one e-mail per notice or one digest a day, retried, never twice.

Every notice is in the person's inbox on Bridgework (``/me/notices``) the moment it is stored. What
this module decides is the e-mail, through the configured notifier (:mod:`api.services.notify`):

* **The person's choice** per group of notices (:mod:`network.delivery`): each one straight away
  (the default), one e-mail a day with all of them, or no e-mail. :func:`set_notice_preferences`
  changes it (a use case, audited); the profile page and ``/api/v1/me/notice-preferences`` call it.
* **Claims, so nothing is sent twice.** A sender first claims notices in the store
  (:meth:`~graph.port_delivery.DeliveryPort.claim_notices`: marked ``sending`` with a lease, in one
  transaction), then sends, then settles them (``sent`` once the mail server accepted the message).
  Any number of worker processes and app servers can deliver at once; a sender that crashes
  leaves a lease that runs out, and the notice is claimed again.
* **Retries.** A refused or failed send stays ``failed`` with its attempt count and is tried again
  after 1, 2, 4 ... minutes (at most 6 hours between tries), and given up after
  :data:`network.delivery.MAX_ATTEMPTS` tries (it stays in the inbox).
* **When.** :func:`deliver_due` sends what is due now: right after the use case that stored a
  notice commits (:func:`api.services.notify.notify`), and on every delivery pass of the worker
  (``bridgework worker``, every minute). Notices of groups the person wants as a digest are set
  aside for :func:`send_digests`, which the worker runs once a day and which gathers each
  person's waiting notices into one e-mail.

Notices are worded when they are sent by the ``wording`` function given (the pages' own wording,
:func:`api.services.notify.render`), so an e-mail reads as the inbox does.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from api.services import accounts
from api.services.usecase import use_case
from graph.port import GraphStore
from graph.port_delivery import ClaimedNotice, Recipient, Settlement
from graph.port_meetings import NoticeRecord
from network import delivery as rules
from network.domain import InvalidValue

log = logging.getLogger(__name__)

#: How long a claim holds: longer than a batch can take to send (the SMTP timeout is at most 10 minutes a step).
LEASE = timedelta(minutes=15)
#: Notices claimed at a time by a delivery pass, and the most rounds one pass makes.
BATCH = 50
ROUNDS = 40
#: A digest gathers at most this many notices of one person (the rest go in the next one).
DIGEST_BATCH = 1000
#: ``via`` of a notice the person chose to have on Bridgework only.
IN_APP = "in_app"
#: ``retry_due`` that makes every failed notice due at once (a person asked for a retry now).
NOW_FOR_EVERYTHING = timedelta(days=365 * 100)


class Wording(Protocol):
    """A notice as people read it: ``subject``, ``body`` and ``link`` (a path of the pages, or None)."""

    subject: str
    body: str
    link: str | None


Render = Callable[[GraphStore, Sequence[NoticeRecord]], Sequence[Wording]]


@dataclass(frozen=True, slots=True)
class Mail:
    """One e-mail to one person: one notice (``digest`` false) or a digest of several; ``keys`` are the notices it carries."""

    keys: tuple[str, ...]
    assessor_id: str | None
    user_id: str | None
    subject: str
    body: str
    digest: bool = False


class Sender(Protocol):
    """What delivery needs of a notifier: its name and ``send`` (one result per mail: ``None`` sent, else why not)."""

    name: str

    def send(self, store: GraphStore, mails: Sequence[Mail]) -> list[str | None]:
        """Send each mail; ``None`` for each the mail server accepted, else why not."""
        ...


@dataclass
class DeliveryReport:
    """What one delivery or digest pass did, counted in notices (``mails``: e-mails handed to the notifier)."""

    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    held_for_digest: int = 0
    in_app: int = 0
    mails: int = 0

    def add(self, other: DeliveryReport) -> None:
        """Add another pass's counts to this one."""
        for name in ("sent", "failed", "gave_up", "held_for_digest", "in_app", "mails"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def sender_id() -> str:
    """A new id for one pass's claims: host, process and a random part (two passes never share one)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# -- preferences (a use case) --------------------------------------------------------------------------


def notice_preferences(store: GraphStore, user_id: str) -> dict[str, str]:
    """Every group's choice for the user (the default where they never chose); :class:`NotFound` for an unknown user."""
    return rules.resolved(store.notice_preferences(user_id))


@use_case
def set_notice_preferences(store: GraphStore, user_id: str, choices: Mapping[str, str], *, actor_id: str | None) -> dict[str, str]:
    """Change the user's choice for the groups given, audited as ``notice_preferences:update``; every group's choice after.

    :class:`InvalidValue` naming the group for an unknown group or choice (nothing written);
    choices that are already the user's write nothing and are not audited.
    """
    for group, choice in choices.items():
        problem = rules.choice_problem(group, choice)
        if problem is not None:
            raise InvalidValue(group, problem)
    current = notice_preferences(store, user_id)
    changed = {g: c for g, c in choices.items() if current[g] != c}
    if not changed:
        return current
    after = store.set_notice_preferences(user_id, changed)
    accounts.audit(store, "notice_preferences:update", "user", user_id, actor_id, {"groups": sorted(changed)})
    return rules.resolved(after)


# -- sending --------------------------------------------------------------------------------------------


def _link(sender: Sender, path: str | None) -> str | None:
    """A page's path as a link the person can follow from their mail (absolute when the notifier knows the site's address)."""
    if not path:
        return None
    base = str(getattr(sender, "public_url", "") or "").rstrip("/")
    return f"{base}{path}" if base and path.startswith("/") else path


def _recipient(n: NoticeRecord, people: Mapping[tuple[str, str], Recipient]) -> Recipient:
    if n.user_id is not None and ("user", n.user_id) in people:
        return people[("user", n.user_id)]
    if n.assessor_id is not None and ("assessor", n.assessor_id) in people:
        return people[("assessor", n.assessor_id)]
    return Recipient(n.user_id, n.assessor_id, {})


def _people(store: GraphStore, notices: Sequence[NoticeRecord]) -> dict[tuple[str, str], Recipient]:
    users = sorted({n.user_id for n in notices if n.user_id is not None})
    assessors = sorted({n.assessor_id for n in notices if n.assessor_id is not None})
    return store.notice_recipients(user_ids=users, assessor_ids=assessors)


def choice_for(n: NoticeRecord, person: Recipient) -> str:
    """How the person wants to hear of this notice by e-mail: ``immediately``, ``digest`` or ``in_app``."""
    group = rules.group_of(n.kind, to_account_only=n.assessor_id is None)
    return rules.resolved(person.preferences)[group]


def _failed(key: str, attempts: int, error: str, via: str, now: datetime, route: str) -> tuple[Settlement, bool]:
    """A failed send: tried again after the back-off, or given up after the last attempt; (settlement, given up)."""
    delay = rules.retry_delay(attempts)
    if delay is None:
        text = f"{error} (given up after {attempts} tries)"[:300]
        return Settlement(key, "failed", via=via, error=text, retry_at=None, route=route), True
    return Settlement(key, "failed", via=via, error=error[:300], retry_at=now + delay, route=route), False


def _one_mail(sender: Sender, c: ClaimedNotice, w: Wording) -> Mail:
    link = _link(sender, w.link)
    body = w.body if link is None else f"{w.body}\n\n{link}"
    # The notice's own addressee decides the address (the assessor's e-mail, else the account's).
    return Mail((c.notice.key,), c.notice.assessor_id, c.notice.user_id, w.subject, body)


def deliver_due(
    store: GraphStore,
    *,
    notifier: Sender,
    wording: Render,
    now: datetime | None = None,
    keys: Sequence[str] | None = None,
    retry_due: datetime | None = None,
    limit: int = BATCH,
) -> DeliveryReport:
    """Send the notices due now, each as its own e-mail, by the person's choice; what it did.

    ``keys``: only these (the notices a use case just stored). Notices the person wants in a digest
    are set aside for :func:`send_digests` (the claim is not counted as an attempt); those they want
    on Bridgework only are settled as delivered ``in_app``. ``retry_due``: failed notices whose next
    try is due by then (default now). Runs outside any unit of work: each claim and settlement is
    its own transaction, and nothing is sent inside a transaction.
    """
    report = DeliveryReport()
    if keys is not None:
        # Every notice the use case stored, in claims of ``limit`` (each key once: one that fails waits for its retry).
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), limit):
            at = now or datetime.now(UTC)
            worker = sender_id()
            chunk = wanted[start : start + limit]
            claimed = store.claim_notices(worker, at, at + LEASE, route="email", limit=limit, keys=chunk, retry_due=retry_due)
            if claimed:
                report.add(_send_each(store, notifier, wording, worker, claimed, at))
        return report
    # Given a retry time, one round: a notice failing in it would otherwise be due again at once.
    for _ in range(1 if retry_due is not None else ROUNDS):
        at = now or datetime.now(UTC)
        worker = sender_id()
        claimed = store.claim_notices(worker, at, at + LEASE, route="email", limit=limit, keys=keys, retry_due=retry_due)
        if not claimed:
            break
        report.add(_send_each(store, notifier, wording, worker, claimed, at))
        if len(claimed) < limit:
            break
    return report


def _send_each(
    store: GraphStore, sender: Sender, wording: Render, worker: str, claimed: Sequence[ClaimedNotice], at: datetime
) -> DeliveryReport:
    report = DeliveryReport()
    people = _people(store, [c.notice for c in claimed])
    settlements: list[Settlement] = []
    to_send: list[ClaimedNotice] = []
    for c in claimed:
        person = _recipient(c.notice, people)
        choice = choice_for(c.notice, person)
        if choice == "digest":
            settlements.append(Settlement(c.notice.key, "pending", route="digest", uncount=True))
            report.held_for_digest += 1
        elif choice == "in_app":
            settlements.append(Settlement(c.notice.key, "sent", via=IN_APP, route="email"))
            report.in_app += 1
        else:
            to_send.append(c)
    if to_send:
        try:
            worded = wording(store, [c.notice for c in to_send])
            mails = [_one_mail(sender, c, w) for c, w in zip(to_send, worded, strict=True)]
            results = sender.send(store, mails)
        except Exception as exc:  # wording or sending broke: the notices are tried again later, never lost
            log.exception("delivery pass %s: sending %d notice(s) failed", worker, len(to_send))
            results = [f"not sent: {type(exc).__name__}"] * len(to_send)
        report.mails += len(to_send)
        for c, error in zip(to_send, results, strict=True):
            if error is None:
                settlements.append(Settlement(c.notice.key, "sent", via=sender.name, route="email"))
                report.sent += 1
            else:
                settlement, gave_up = _failed(c.notice.key, c.attempts, error, sender.name, at, "email")
                settlements.append(settlement)
                report.failed += 1
                report.gave_up += gave_up
    store.settle_notices(worker, settlements, at)
    return report


# -- digests ----------------------------------------------------------------------------------------------


def digest_mail(sender: Sender, person: Recipient, items: Sequence[tuple[ClaimedNotice, Wording]]) -> Mail:
    """One person's digest: every waiting notice's subject, body and link, oldest first, and where to change the choice."""
    count = len(items)
    lines = [f"Here {'is what' if count == 1 else f'are the {count} things that'} happened on Bridgework since your last e-mail:", ""]
    for _c, w in items:
        lines.append(f"* {w.subject}")
        lines.append(f"  {w.body}")
        link = _link(sender, w.link)
        if link:
            lines.append(f"  {link}")
        lines.append("")
    profile = _link(sender, "/me/profile")
    lines.append(f"You get these once a day because you chose a daily e-mail for them. Change it on your profile page: {profile}")
    subject = f"Your Bridgework digest: {count} new notice{'s' if count != 1 else ''}"
    # To the person (the assessor's e-mail, else the account's), whichever of the two each notice was addressed to.
    return Mail(tuple(c.notice.key for c, _w in items), person.assessor_id, person.user_id, subject, "\n".join(lines), digest=True)


def send_digests(
    store: GraphStore, *, notifier: Sender, wording: Render, now: datetime | None = None, retries_only: bool = False
) -> DeliveryReport:
    """Gather each person's notices waiting for their digest into one e-mail each; what it did.

    ``retries_only``: only digests that failed before and are due a retry (the worker's delivery
    pass runs these every minute; the daily run takes everything waiting).
    """
    report = DeliveryReport()
    for _ in range(ROUNDS):
        at = now or datetime.now(UTC)
        worker = sender_id()
        claimed = store.claim_notices(worker, at, at + LEASE, route="digest", limit=DIGEST_BATCH, fresh=not retries_only)
        if not claimed:
            break
        report.add(_send_digests(store, notifier, wording, worker, claimed, at))
        if len(claimed) < DIGEST_BATCH:
            break
    return report


def _send_digests(
    store: GraphStore, sender: Sender, wording: Render, worker: str, claimed: Sequence[ClaimedNotice], at: datetime
) -> DeliveryReport:
    report = DeliveryReport()
    people = _people(store, [c.notice for c in claimed])
    groups: dict[tuple[str | None, str | None], list[ClaimedNotice]] = {}
    persons: dict[tuple[str | None, str | None], Recipient] = {}
    for c in claimed:
        person = _recipient(c.notice, people)
        who = (person.user_id, person.assessor_id)
        groups.setdefault(who, []).append(c)
        persons[who] = person
    settlements: list[Settlement] = []
    order = list(groups)
    try:
        worded = wording(store, [c.notice for who in order for c in groups[who]])
        mails, i = [], 0
        for who in order:
            items = groups[who]
            mails.append(digest_mail(sender, persons[who], list(zip(items, worded[i : i + len(items)], strict=True))))
            i += len(items)
        results = sender.send(store, mails)
    except Exception as exc:  # wording or sending broke: the digests are tried again later, never lost
        log.exception("digest pass %s: sending %d digest(s) failed", worker, len(order))
        results = [f"not sent: {type(exc).__name__}"] * len(order)
    report.mails += len(order)
    for who, error in zip(order, results, strict=True):
        for c in groups[who]:
            if error is None:
                settlements.append(Settlement(c.notice.key, "sent", via=f"{sender.name} digest", route="digest"))
                report.sent += 1
            else:
                settlement, gave_up = _failed(c.notice.key, c.attempts, error, sender.name, at, "digest")
                settlements.append(settlement)
                report.failed += 1
                report.gave_up += gave_up
    store.settle_notices(worker, settlements, at)
    return report


def deliver_everything_due(store: GraphStore, *, notifier: Sender, wording: Render, now: datetime | None = None) -> DeliveryReport:
    """The worker's delivery pass: notices due one by one, then digests due a retry; what it did."""
    report = deliver_due(store, notifier=notifier, wording=wording, now=now)
    report.add(send_digests(store, notifier=notifier, wording=wording, now=now, retries_only=True))
    return report
