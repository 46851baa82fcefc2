"""One reader's message: the rendered issue with the headers inboxes require (pure: no clock, no disk).

Structure (RFC 2046): ``multipart/alternative`` of the plain-text part, then the HTML part;
with inline images the HTML part is a ``multipart/related`` of the HTML and one part per image,
each named by its ``Content-ID`` (RFC 2392), which the HTML references as ``cid:``.

Headers: ``From``, ``To``, ``Date``, a unique ``Message-ID``, ``Subject``; ``Reply-To`` when
configured; ``List-Unsubscribe`` with the mailto and https URLs (RFC 2369) and, with an https
URL, ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), which Gmail and Yahoo
require of bulk senders. Both parts are quoted-printable (7-bit safe: no server needs
8BITMIME) and the serialised message has CRLF line ends, as SMTP sends it.
"""

from __future__ import annotations

import email.policy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from generator.config import parse_mailbox
from generator.issue.email import EmailIssue, unsubscribe_link

# Headers are not folded below RFC 5322's hard limit of 998: the email package would otherwise
# turn a long List-Unsubscribe into RFC 2047 encoded words, which no client reads as URLs.
WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)
UNDISCLOSED = "undisclosed-recipients:;"


@dataclass(frozen=True)
class Sender:
    """Who a message is from, and how a reader leaves the list (from ``[email]``)."""

    from_address: str  # "Name <addr>" as configured
    reply_to: str | None = None
    unsubscribe_mailto: str | None = None  # a mailto: URI; {email} stands for the recipient
    unsubscribe_url: str | None = None  # an https URL; {email} stands for the recipient

    @property
    def domain(self) -> str:
        """The domain of the From address (Message-IDs are made under it)."""
        return parse_mailbox(self.from_address)[1].rsplit("@", 1)[1]


def new_message_id(domain: str) -> str:
    """A globally unique Message-ID under ``domain``: time, process id and 64 random bits."""
    return make_msgid(domain=domain)


def build_message(
    issue: EmailIssue,
    sender: Sender | None,
    *,
    to: tuple[str, str] | None,
    date: datetime,
    message_id: str,
    images: Mapping[Path, bytes] | None = None,
) -> EmailMessage:
    """The message of ``issue`` for ``to`` (display name, address), or for no one (an export).

    Without a ``sender`` (no ``[email] from_address`` yet: an export only) there is no From,
    Reply-To or List-Unsubscribe.

    ``images`` holds the bytes of ``issue.images`` (read once for a whole send). Without a
    recipient, ``To`` is the empty group ``undisclosed-recipients:;`` and the unsubscribe
    URLs keep ``{email}`` for a sending tool to fill in.
    """
    address = to[1] if to is not None else None
    html, text = issue.personal(address)
    message = EmailMessage()
    if sender is not None:
        message["From"] = sender.from_address
    message["To"] = Address(display_name=to[0], addr_spec=to[1]) if to is not None else UNDISCLOSED
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Subject"] = issue.subject
    if sender is not None and sender.reply_to:
        message["Reply-To"] = sender.reply_to
    templates = (sender.unsubscribe_mailto, sender.unsubscribe_url) if sender is not None else ()
    unsubscribe = [f"<{unsubscribe_link(template, address)}>" for template in templates if template]
    if unsubscribe:
        message["List-Unsubscribe"] = ", ".join(unsubscribe)
    if sender is not None and sender.unsubscribe_url:
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if issue.url is not None:
        message["X-Issue-URL"] = issue.url
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    if issue.images:
        html_part = message.get_body(("html",))
        assert isinstance(html_part, EmailMessage)
        for image in issue.images:
            data = images[image.path] if images is not None else image.path.read_bytes()
            maintype, _, subtype = image.mime_type.partition("/")
            html_part.add_related(
                data,
                maintype,
                subtype,
                cid=f"<{image.content_id}>",
                disposition="inline",
                filename=image.path.name,
            )
    return message


def message_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP sends it: CRLF line ends, headers folded only past 998 characters."""
    return message.as_bytes(policy=WIRE_POLICY)
