"""Notices: the outbox every reminder and message goes through, and the pluggable notifier that delivers them (issue 8).

:func:`notify` stores each :class:`Notice` in the outbox (store area ``meetings``) unless its
``key`` is already there, then hands the new ones to the notifier; :func:`inbox` lists a person's
notices for the pages. Keys are stable strings naming what the notice is about, for example
``meeting:<set>:<date>:<assessor>`` or ``join:<request>:decided``: storing the same key twice does
nothing, which is what makes ``bridgework send-reminders`` safe to run again.

Notifiers (``BRIDGEWORK_NOTIFIER``, see :func:`api.config.notifier_settings`):

* ``outbox`` (default): the outbox table is the delivery; pages show it (``/me/notices``) and
  each notice is logged at INFO.
* ``smtp``: also e-mails notices to the person's address (the assessor's e-mail, else their
  account's), through ``BRIDGEWORK_SMTP_HOST``/``PORT`` (STARTTLS and login when configured),
  as the person chose for that group of notices: each straight away, one digest a day, or no
  e-mail. Each notice is claimed in the store before it is sent, so it is never sent twice
  however many workers and app servers deliver; one that could not be sent stays ``failed`` and
  is tried again with back-off (:mod:`api.services.delivery`: the worker's passes, and
  :func:`deliver_pending`, which the next ``send-reminders`` runs).

Notices are stored *by reference*: a notice keeps its ``kind`` and ``refs``, the ids and dates it
is about (``{"set": "set-1", "by": "ann"}``), never a name. :func:`render` words a batch of
stored notices when they are read, resolving every name in one store read
(:meth:`~graph.port_meetings.MeetingsPort.notice_subjects`); the pages, the API, the data export
and the e-mail notifier all read notices through it. Someone erased (or the "Former member"
placeholder that took their place) reads as "a former member" everywhere. Notices stored with
their words before (``refs`` empty) read as stored.

Nothing here knows Flask; the API, pages, CLI and other services all call these functions.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any, Protocol

from api.config import notifier_settings
from api.services import delivery, usecase
from api.services.delivery import Mail
from graph.port import Conflict, GraphStore, Invalid, NotFound, Transient
from graph.port_meetings import NoticeRecord, NoticeSubjects, SetLabel
from graph.values import Page
from network import availability, calendar
from network.meetings import day_words, when_words
from network.outcomes import WAVE_NAMES

log = logging.getLogger(__name__)

#: Longest key, kind and subject of a notice; longest body.
MAX_KEY = 180
#: What a key is made of: ids and dates joined by ``:`` (so a key is also a safe pagination cursor).
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
MAX_SUBJECT = 200
MAX_BODY = 4000
#: Most references one notice keeps, and the longest one (ids are at most 64 characters; a note to the asker 500).
MAX_REFS = 12
MAX_REF = 600


@dataclass(frozen=True)
class Notice:
    """A message for one person (an assessor and/or a user account), stored once per ``key``.

    A notice made from a domain event is stored by reference: ``refs`` holds the ids and ISO dates
    it is about (by role), ``subject`` and ``body`` stay empty, and :func:`render` words it when it is read.
    """

    key: str
    user_id: str | None
    assessor_id: str | None
    kind: str
    subject: str
    body: str
    link: str | None = None
    due_on: date | None = None
    refs: Mapping[str, str] | None = None


def notice_key(*parts: object) -> str:
    """A notice key from its parts (ids, dates, codes) joined by ``:``; shortened by a digest if it would be too long."""
    key = ":".join(str(p) for p in parts)
    if len(key) <= MAX_KEY:
        return key
    head = str(parts[0])[:40]
    return f"{head}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


class Notifier(Protocol):
    """Sends the e-mails of stored notices (:class:`~api.services.delivery.Mail`): one result per mail, ``None`` if sent."""

    name: str

    def send(self, store: GraphStore, mails: Sequence[Mail]) -> list[str | None]:
        """Send each mail; ``None`` for each one accepted, else why not."""
        ...


class OutboxNotifier:
    """The default: the outbox is the delivery (pages show it); each mail is logged."""

    name = "outbox"

    def send(self, store: GraphStore, mails: Sequence[Mail]) -> list[str | None]:
        """Log each mail (notice keys only: no personal details in logs)."""
        for m in mails:
            log.info("notice(s) %s stored in the outbox%s", ", ".join(m.keys), " (digest)" if m.digest else "")
        return [None for _m in mails]


class SmtpNotifier:
    """E-mails notices through an SMTP server (one connection per batch); ``public_url`` makes the links in mails absolute."""

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
        public_url: str = "",
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout
        self.public_url = public_url

    def _address(self, store: GraphStore, assessor_id: str | None, user_id: str | None) -> str | None:
        """The assessor's e-mail address, else their account's; ``None`` if there is none."""
        try:
            if assessor_id is not None:
                email = store.get_assessor(assessor_id).email
                if email:
                    return email
        except NotFound:
            pass
        try:
            if user_id is not None:
                return store.get_user(user_id).email or None
        except NotFound:
            return None
        return None

    def message(self, mail: Mail, to: str) -> EmailMessage:
        """The e-mail message of one mail (a notice, or a digest of several)."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = mail.subject
        if mail.digest:
            msg["X-Bridgework-Notices"] = " ".join(mail.keys)
        else:
            msg["X-Bridgework-Notice"] = mail.keys[0]
        msg.set_content(mail.body)
        return msg

    def send(self, store: GraphStore, mails: Sequence[Mail]) -> list[str | None]:
        """Send each mail that has an address over one connection; a connection problem fails every mail not yet sent."""
        out: list[str | None] = [None] * len(mails)
        addressed: list[tuple[int, str]] = []
        for i, m in enumerate(mails):
            to = self._address(store, m.assessor_id, m.user_id)
            if to is None:
                out[i] = "no e-mail address"
            else:
                addressed.append((i, to))
        if not addressed:
            return out
        done: set[int] = set()
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                for i, to in addressed:
                    try:
                        smtp.send_message(self.message(mails[i], to))
                    except smtplib.SMTPException as exc:
                        out[i] = f"refused: {exc}"[:300]
                    done.add(i)
        except (OSError, smtplib.SMTPException) as exc:
            reason = f"SMTP server {self.host}:{self.port} unavailable: {exc}"[:300]
            log.warning("%s", reason)
            for i, _to in addressed:
                if i not in done:
                    out[i] = reason
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
            public_url=str(settings.get("PUBLIC_URL", "")),
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
    if (not n.subject and n.refs is None) or len(n.subject) > MAX_SUBJECT:
        problems.append(f"subject must be 1-{MAX_SUBJECT} characters (or the notice is stored by reference)")
    if len(n.body) > MAX_BODY:
        problems.append(f"body must be at most {MAX_BODY} characters")
    if n.refs is not None and (
        len(n.refs) > MAX_REFS
        or not all(isinstance(k, str) and isinstance(v, str) and 0 < len(k) <= 32 and len(v) <= MAX_REF for k, v in n.refs.items())
    ):
        problems.append(f"refs must be at most {MAX_REFS} short texts by name")
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
        refs=None if n.refs is None else dict(n.refs),
    )


def check_notice(n: Notice) -> None:
    """:class:`Invalid` naming what is wrong with a notice that :func:`notify` would refuse (so a batch can leave it out)."""
    _record(n)


def _deliver(store: GraphStore, notifier: Notifier, keys: Sequence[str], now: datetime) -> None:
    """Send the notices just stored that are due now (each claimed first, by the person's choice; see :mod:`api.services.delivery`)."""
    if keys:
        delivery.deliver_due(store, notifier=notifier, wording=render, now=now, keys=keys)


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
    sending = _SENDING.get()
    chosen = notifier or (sending.notifier if sending is not None else None)
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
    if sending is not None:
        sending.stored(list(fresh))
    # The configured notifier is looked up once the change is durable: a bad setting never undoes it
    # (the notices stay pending, and are tried again with the next reminders run).
    store.after_commit(lambda: _deliver(store, chosen or default_notifier(), [r.key for r in ready], at))
    return len(fresh)


@dataclass
class Sending:
    """The notices stored (new keys) by the use case that ran inside :func:`sending`, and the notifier to deliver them by."""

    notifier: Notifier | None
    keys: list[str] = field(default_factory=list)
    _run: Any = None

    def stored(self, keys: list[str]) -> None:
        run = usecase.current()
        if run is not self._run:  # a use case run again after a clash starts counting afresh
            self._run = run
            self.keys.clear()
        self.keys.extend(keys)


_SENDING: ContextVar[Sending | None] = ContextVar("bridgework_sending", default=None)


@contextmanager
def sending(notifier: Notifier | None = None) -> Iterator[Sending]:
    """Within the block, notices are delivered by ``notifier`` (default: the configured one) and their new keys counted.

    For batches such as the reminders run, which record events whose notices the dispatcher stores:
    ``with sending(notifier) as sent: ...`` then ``len(sent.keys)`` is how many of them were new.
    """
    state = Sending(notifier)
    token = _SENDING.set(state)
    try:
        yield state
    finally:
        _SENDING.reset(token)


def deliver_pending(
    store: GraphStore, *, notifier: Notifier | None = None, now: datetime | None = None, limit: int = 500
) -> tuple[int, int]:
    """Try again now the notices not delivered yet (failed, whatever their next try, or left pending); (sent, failed).

    Notices are claimed before they are sent, so this never sends one that a worker is sending.
    One given up after its last attempt stays as it is; those wanted in a digest wait for it.
    """
    at = now or datetime.now(UTC)
    chosen = notifier or default_notifier()
    report = delivery.deliver_due(store, notifier=chosen, wording=render, now=at, retry_due=at + delivery.NOW_FOR_EVERYTHING, limit=limit)
    return report.sent, report.failed


def inbox(
    store: GraphStore, *, assessor_id: str | None = None, user_id: str | None = None, limit: int = 50, after: str | None = None
) -> Page[NoticeRecord]:
    """A person's notices (as an assessor and as a user), newest first; ``after`` is the last key of the previous page."""
    if assessor_id is None and user_id is None:
        return Page([], None)
    return store.notices_for(assessor_id=assessor_id, user_id=user_id, limit=limit, after=after)


# -- wording notices when they are read -----------------------------------------------------------

#: How an erased person (gone from the store, or the "Former member" placeholder in their place) reads in a notice.
FORMER_MEMBER = "a former member"
#: The placeholder's name (see :mod:`api.services.privacy`) and the prefix of its id.
PLACEHOLDER_NAME = "Former member"
PLACEHOLDER_PREFIX = "erased-"
#: The refs that name people (assessor ids), sets and programmes.
PERSON_REFS = ("from", "by", "who", "with")
#: Health signal codes (:mod:`network.health`) in words, for set-at-risk notices.
RISK_WORDS = {
    "below_minimum": "it has fewer members than the programme's minimum",
    "missed_twice": "{who} missed the last two meetings",
    "no_facilitator": "no facilitator for the meeting on {meeting_on}",
    "low_attendance": "attendance is low",
    "falling_attendance": "attendance is falling",
}


@dataclass(frozen=True, slots=True)
class Worded:
    """A stored notice as a person reads it: its subject, its body and where to act (a path of the pages, or None)."""

    subject: str
    body: str
    link: str | None = None


@dataclass(frozen=True)
class _Names:
    subjects: NoticeSubjects

    def person(self, assessor_id: str | None, start: bool = False) -> str:
        """A person's name; someone erased (or unknown) is "a former member"."""
        name = self.subjects.people.get(assessor_id or "")
        if name is None or name == PLACEHOLDER_NAME or (assessor_id or "").startswith(PLACEHOLDER_PREFIX):
            return FORMER_MEMBER.capitalize() if start else FORMER_MEMBER
        return name

    def set(self, set_id: str | None) -> SetLabel:
        return self.subjects.sets.get(set_id or "") or SetLabel("a set that no longer exists")

    def programme(self, programme_id: str | None) -> str:
        return self.subjects.programmes.get(programme_id or "") or "a programme"


def _day(refs: Mapping[str, str], name: str) -> date | None:
    text = refs.get(name)
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _when(on: date | None, slot: str | None) -> str:
    """A meeting's day and start time (UK): ``'Tuesday 13 January 2026 at 14:00'``; the day alone without a slot."""
    if on is None:
        return "a day to be agreed"
    if not slot:
        return day_words(on)
    try:
        start, _end = calendar.meeting_window(on, slot)
    except Exception:  # an unknown slot: the day and the time of day in words
        return day_words(on)
    return f"{day_words(on)} at {start:%H:%M}"


def _moved_when(on: date | None, slot: str | None) -> str:
    if on is None:
        return "another day"
    try:
        return when_words(on, slot) if slot else day_words(on)
    except Exception:
        return day_words(on)


def _slot_words(slot: str | None) -> str | None:
    if not slot:
        return None
    try:
        return availability.describe_slot(slot)
    except Exception:
        return None


def _word(record: NoticeRecord, refs: Mapping[str, str], names: _Names) -> Worded:  # noqa: C901 - one branch per kind, read as a table
    kind = record.kind
    label = names.set(refs.get("set"))
    set_name = label.name
    set_link = f"/sets/{refs['set']}" if refs.get("set") else record.link
    if kind == "contact_requested":
        who = names.person(refs.get("from"), start=True)
        return Worded(
            f"{who} would like to connect",
            f"{who} has asked to become your peer contact. Accept or decline the request on your contacts page.",
            "/me/contacts",
        )
    if kind == "contact_accepted":
        who = names.person(refs.get("by"), start=True)
        return Worded(
            f"{who} accepted your contact request", f"{who} accepted your request to connect: you are now peer contacts.", "/me/contacts"
        )
    if kind == "placed":
        programme = label.programme_name or "the programme"
        meets = _slot_words(label.meeting_slot)
        meeting = f", meeting {meets}" if meets else ""
        how = {
            "fill": f"The coordinator of {programme} placed you in {set_name}{meeting}.",
            "join": f"You have joined {set_name}{meeting}.",
        }.get(refs.get("how", ""), f"You are in {set_name}{'' if programme in set_name else f' of {programme}'}{meeting}.")
        return Worded(
            f"You are in {set_name}",
            f"{how} Your turns to facilitate and present are in the set's rota; the set's page has its meetings and video link.",
            set_link,
        )
    if kind in ("member_joined", "member_left"):
        who = names.person(refs.get("who"), start=True)
        if kind == "member_joined":
            return Worded(
                f"{who} has joined {set_name}", f"{who} has joined {set_name}. The rota of the coming meetings now includes them.", set_link
            )
        return Worded(
            f"{who} has left {set_name}",
            f"{who} has left {set_name}. The turns to facilitate and present at the coming meetings have been shared out again.",
            set_link,
        )
    if kind == "meeting_moved":
        was, now = _day(refs, "was_on"), _day(refs, "on")
        by = f"{names.person(refs.get('by'), start=True)} moved" if refs.get("by") else "The coordinator moved"
        before = f" from {_moved_when(was, refs.get('was_slot'))}" if was else ""
        return Worded(
            f"A meeting of {set_name} moved to {_moved_when(now, refs.get('slot'))}",  # set names hold a colon already
            f"{by} the meeting of {set_name}{before} to {_moved_when(now, refs.get('slot'))}. Check the set's page for the new time.",
            set_link,
        )
    if kind == "turn_swapped":
        other = names.person(refs.get("with"))
        verb, third = ("facilitate", "facilitates") if refs.get("role") == "facilitator" else ("present", "presents")
        yours, theirs = _day(refs, "yours_on"), _day(refs, "theirs_on")
        return Worded(
            f"Your turn to {verb} was swapped with {other}",
            f"Your turn to {verb} in {set_name} was swapped with {other}: you now {verb} on "
            f"{day_words(yours) if yours else 'another day'}; {other} {third} on {day_words(theirs) if theirs else 'another day'}.",
            set_link,
        )
    if kind == "join_request":
        who = names.person(refs.get("who"), start=True)
        programme = label.programme_name or "the programme"
        return Worded(
            f"{who} asked to join {set_name}",
            f"{who} has asked to join {set_name} ({programme}). Accept or decline the request.",
            f"/programmes/{label.programme_id}/join-requests" if label.programme_id else record.link,
        )
    if kind == "join_decided":
        if refs.get("decision") == "accepted":
            how = " (this programme accepts requests automatically when every rule holds)" if refs.get("automatic") == "yes" else ""
            return Worded(
                f"You have joined {set_name}",
                f"Your request to join {set_name} was accepted{how}. Your turns to facilitate and present are in the set's rota.",
                "/me/sets",
            )
        note = f" The coordinator's note: {refs['note']}" if refs.get("note") else ""
        return Worded(
            f"Your request to join {set_name} was declined", f"Your request to join {set_name} was declined.{note}", "/me/set-suggestions"
        )
    if kind == "programme_opened":
        programme = names.programme(refs.get("programme"))
        return Worded(
            f"{programme} is open for enrolment",
            f"{programme}, a programme you coordinate, is now open: assessors can enrol and ask to join its sets.",
            "/programmes",
        )
    if kind == "questionnaire":
        programme = names.programme(refs.get("programme"))
        closes = _day(refs, "closes_on")
        by = f" by {closes.day} {closes:%B %Y}" if closes else ""
        wave = WAVE_NAMES.get(refs.get("wave", ""), refs.get("wave", ""))
        return Worded(
            f"Three short questions about {programme}",
            f"Please answer the short questionnaire of {programme} ({wave}){by}. It takes two minutes. Only totals of five or "
            "more people are ever shown, to the programme's coordinator; nobody sees your own answers.",
            "/me/questionnaires",
        )
    if kind == "set_at_risk":
        reason = refs.get("reason", "")
        meeting_on = _day(refs, "meeting_on")
        words = RISK_WORDS.get(reason, "its health check shows a problem").format(
            who=names.person(refs.get("who")), meeting_on=day_words(meeting_on) if meeting_on else "a coming day"
        )
        programme = label.programme_name or "the programme"
        return Worded(
            f"{set_name} needs attention",
            f"{set_name} ({programme}) is at risk: {words}. Its set health shows what you could do.",
            f"/programmes/{label.programme_id}/health" if label.programme_id else record.link,
        )
    if kind == "meeting":
        on = _day(refs, "on")
        when = _when(on, refs.get("slot"))
        video = f" Video link: {refs['video_link']}" if refs.get("video_link") else " No video link yet: agree one on the set's page."
        return Worded(
            f"{set_name} meets on {when}", f"Meeting {refs.get('number', '')} of {set_name} is on {when} (UK time).{video}", set_link
        )
    if kind == "rota":
        when = _when(_day(refs, "on"), refs.get("slot"))
        what = "facilitate" if refs.get("role") == "facilitator" else "present a case or dilemma at"
        return Worded(
            f"Your turn to {what.split()[0]} on {when}",
            f"It is your turn to {what} meeting {refs.get('number', '')} of {set_name} on {when} (UK time). "
            "If that does not suit, swap your turn with another member on the set's page.",
            set_link,
        )
    return Worded(record.subject or kind.replace("_", " ").capitalize(), record.body, record.link)


def render(store: GraphStore, records: Sequence[NoticeRecord]) -> list[Worded]:
    """The notices as people read them now, in the order given; every name is read in one store read.

    A notice stored by reference is worded from its kind and refs (an erased person reads as "a
    former member"); one stored with its words (before notices were stored by reference) reads as stored.
    """
    people: set[str] = set()
    sets: set[str] = set()
    programmes: set[str] = set()
    for r in records:
        if r.refs:
            people.update(r.refs[k] for k in PERSON_REFS if r.refs.get(k))
            if r.refs.get("set"):
                sets.add(r.refs["set"])
            if r.refs.get("programme"):
                programmes.add(r.refs["programme"])
    subjects = store.notice_subjects(people, sets, programmes) if (people or sets or programmes) else NoticeSubjects({}, {}, {})
    names = _Names(subjects)
    return [Worded(r.subject, r.body, r.link) if r.refs is None else _word(r, r.refs, names) for r in records]
