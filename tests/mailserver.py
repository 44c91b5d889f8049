"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1 (a free port), recording each mail it accepts.

A test module makes its fixture from :func:`running`::

    @pytest.fixture
    def mail_server() -> Iterator[MailServer]:
        with mailserver.running() as server:
            yield server

``server.refuse = "451 4.3.0 Try again later"`` makes it refuse every message with that reply
until set back to ``None``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    """One mail the server accepted: envelope sender and recipients, and the parsed message."""

    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    @property
    def keys(self) -> tuple[str, ...]:
        """The notice keys the mail carries (one, or a digest's)."""
        if self.message["X-Bridgework-Notice"] is not None:
            return (str(self.message["X-Bridgework-Notice"]),)
        return tuple(str(self.message["X-Bridgework-Notices"] or "").split())


@dataclass
class MailServer:
    """What the server accepted and refused; ``refuse``: an SMTP reply to refuse each message with, or None."""

    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    refuse: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[Received]:
        """The mails received for one address, in the order they came."""
        return [m for m in self.received if address in m.recipients]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        """Accept (and record) or refuse one message."""
        with self.lock:
            if self.refuse is not None:
                self.refused += 1
                return self.refuse
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running() -> Iterator[MailServer]:
    """An SMTP server on 127.0.0.1 for the block, stopped afterwards."""
    server = MailServer("127.0.0.1", _free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
