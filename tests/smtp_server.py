"""A real SMTP server on 127.0.0.1 for the `rotation send` tests (aiosmtpd), with hooks to refuse a
recipient, drop the connection or kill the client at a chosen message.
"""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One message as the server took it: the envelope and the bytes."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Mailbox:
    """The server's handler: keeps every accepted message; the hooks decide what else happens.

    ``on_mail(n)`` runs at the n-th MAIL command (1-based, counting every one) and may return
    "drop" (close the connection) or an SMTP answer to give instead of 250; ``on_data(n)``
    runs when the n-th message's body arrived, before the server keeps it, with the same
    choices plus "keep-then-drop" (keep it, then close without answering); ``on_kept(n)``
    runs after the n-th message was kept, before the server answers.
    """

    refuse: dict[str, str] = field(
        default_factory=dict
    )  # address -> the answer, e.g. "550 5.1.1 No such user"
    on_mail: Callable[[int], str | None] | None = None
    on_data: Callable[[int], str | None] | None = None
    on_kept: Callable[[int], None] | None = None  # after the n-th message is kept, before the answer
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    mails: int = 0
    datas: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.lock:
            self.mails += 1
            count = self.mails
        action = self.on_mail(count) if self.on_mail else None
        if action == "drop":
            server.transport.close()
            return "421 closing"
        if action:
            return action
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.datas += 1
            count = self.datas
        action = self.on_data(count) if self.on_data else None
        if action == "drop":
            server.transport.close()
            return "421 closing"
        if action and action != "keep-then-drop":
            return action
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        if self.on_kept:
            self.on_kept(count)
        if action == "keep-then-drop":
            server.transport.close()
            return "421 closing"
        return f"250 OK queued as {count}"

    def recipients(self) -> list[str]:
        """Every address a kept message went to, in order (repeats included)."""
        return [to for message in self.received for to in message.rcpt_tos]


class LocalServer(Controller):
    """aiosmtpd's threaded server on 127.0.0.1 and a free port the system picks."""

    def __init__(self, handler: Mailbox, **kwargs: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0, server_hostname="mail.test.local", **kwargs)

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()
