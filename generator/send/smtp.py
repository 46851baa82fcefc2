"""The SMTP edge: a connection as ``[email.smtp]`` describes it, and one message sent over it.

``smtplib`` does the protocol. One message is sent a step at a time (MAIL, RCPT, DATA, the
body) rather than with ``sendmail`` so that the moment the body goes out is known: the
record's ``sending`` event is written between the server's 354 and the body, which is what
tells a message that surely was not delivered (anything that fails before) from one whose
fate is unknown (the connection drops after the body, before the server's answer).

Failures are sorted by what the run should do next:

- ``Refused``: the server refused this recipient (at RCPT) or this message (after the body):
  recorded, reported, retried only on request.
- ``ConnectionLost``: the connection failed or dropped, or the server said 421 (closing);
  ``body_sent`` says whether the message was in doubt. The run reconnects and goes on.
- ``SendError``: nothing a retry fixes (the login refused, no STARTTLS, a certificate that
  does not verify, the sender refused): the run stops with one line saying what to change.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from generator.config import SmtpSettings
from generator.errors import SendError

DOT_AT_LINE_START = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class Accepted:
    """The server took the message (250 after the body)."""

    reply: str


@dataclass(frozen=True)
class Refused:
    """The server refused the recipient or the message: ``stage`` is ``RCPT`` or ``DATA``."""

    stage: str
    reply: str
    code: int

    @property
    def temporary(self) -> bool:
        """A 4xx answer: the same message may be taken later (a full mailbox, greylisting)."""
        return 400 <= self.code < 500


class ConnectionLost(Exception):
    """The connection failed or dropped; ``body_sent``: it dropped after the body went out."""

    def __init__(self, reason: str, *, body_sent: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.body_sent = reason, body_sent


def reply_text(code: int, message: bytes | str) -> str:
    """A server answer as one line: ``550 5.1.1 No such user``."""
    text = message.decode("utf-8", errors="replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}".strip()


def where(settings: SmtpSettings) -> str:
    """``host:port`` of the server, for messages."""
    return f"{settings.host}:{settings.port_or_default}"


def connect(settings: SmtpSettings, password: str | None) -> smtplib.SMTP:
    """An open, encrypted (unless ``security = "none"``) and logged-in connection.

    ConnectionLost when the server cannot be reached (the run may try again); SendError for
    what a retry would not fix.
    """
    host, port = settings.host, settings.port_or_default
    if not host:
        raise SendError(
            "[email.smtp] host is not set in newsletter.toml: name the SMTP server to send through"
        )
    context = ssl.create_default_context()
    connection: smtplib.SMTP | None = None
    try:
        if settings.security == "tls":
            connection = smtplib.SMTP_SSL(host, port, timeout=settings.timeout_s, context=context)
        else:
            connection = smtplib.SMTP(host, port, timeout=settings.timeout_s)
        connection.ehlo()
        if settings.security == "starttls":
            if not connection.has_extn("starttls"):
                raise SendError(
                    f"the SMTP server {host}:{port} does not offer STARTTLS, so the message and the "
                    'password would travel unencrypted; use security = "tls" (usually port 465) if it '
                    "speaks TLS from the start, or another server"
                )
            connection.starttls(context=context)
            connection.ehlo()
        if settings.user is not None:
            connection.login(settings.user, password or "")
        return connection
    except SendError:
        _close(connection)
        raise
    except ssl.SSLCertVerificationError as exc:
        _close(connection)
        raise SendError(
            f"the certificate of the SMTP server {host}:{port} does not verify ({exc.verify_message}); "
            "check [email.smtp] host (it must be the name on the certificate) and that this machine "
            "trusts the certificate's authority (SSL_CERT_FILE names a file of trusted ones)"
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        _close(connection)
        raise SendError(
            f"the SMTP server {host}:{port} refused the login of {settings.user!r}: "
            f"{reply_text(exc.smtp_code, exc.smtp_error)}; check [email.smtp] user and the password in "
            f"${settings.password_env}"
        ) from None
    except smtplib.SMTPNotSupportedError:
        _close(connection)
        raise SendError(
            f"the SMTP server {host}:{port} offers no login (AUTH) on this connection; remove "
            "[email.smtp] user if it needs none, or use starttls or tls"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        _close(connection)
        raise ConnectionLost(f"could not connect to {host}:{port}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return reply_text(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    if isinstance(exc, TimeoutError):
        return "no answer (timed out)"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text)


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is None:
        return
    try:
        connection.close()
    except OSError:
        pass


def quit_quietly(connection: smtplib.SMTP) -> None:
    """Say QUIT and close; a server that already went away is fine."""
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        _close(connection)


def send_one(
    connection: smtplib.SMTP, sender: str, recipient: str, data: bytes, before_body: Callable[[], None]
) -> Accepted | Refused:
    """Send one message (``data``: CRLF line ends) to one recipient; ``before_body`` runs after
    the server's 354, just before the body goes out (the run records ``sending`` there).

    A refusal of the sender (MAIL) is a SendError: every message would be refused the same way.
    """
    body_sent = False
    try:
        code, message = connection.mail(sender)
        if code == 421:
            raise ConnectionLost(f"the server is closing the connection: {reply_text(code, message)}")
        if code != 250:
            raise SendError(
                f"the SMTP server refused the sender {sender}: {reply_text(code, message)}; check "
                "[email] from_address (the server may only send for its own addresses)"
            )
        code, message = connection.rcpt(recipient)
        if code not in (250, 251):
            return _refused(connection, "RCPT", code, message)
        connection.putcmd("data")
        code, message = connection.getreply()
        if code != 354:
            return _refused(connection, "DATA", code, message)
        before_body()
        body = DOT_AT_LINE_START.sub(b"..", data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        body_sent = True
        connection.send(body + b".\r\n")
        code, message = connection.getreply()
        if code != 250:
            return _refused(connection, "DATA", code, message)
        return Accepted(reply_text(code, message))
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        _close(connection)
        raise ConnectionLost(f"the connection dropped: {_reason(exc)}", body_sent=body_sent) from None
    except smtplib.SMTPResponseException as exc:  # an unreadable or unexpected answer
        _close(connection)
        raise ConnectionLost(f"the server answered {_reason(exc)}", body_sent=body_sent) from None


def _refused(connection: smtplib.SMTP, stage: str, code: int, message: bytes) -> Refused:
    """A refusal; 421 (the server is closing) is a lost connection instead. RSET for the next message."""
    if code == 421 or code == -1:
        raise ConnectionLost(f"the server is closing the connection: {reply_text(code, message)}")
    try:
        connection.rset()
    except (smtplib.SMTPException, OSError):
        pass  # the next message finds out whether the connection still works
    return Refused(stage, reply_text(code, message), code)
