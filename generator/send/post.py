"""One issue's email out of the workspace: the files `rotation email` writes, and the checks
`rotation send` makes before it sends a post (``run``).

The email is rendered by the issue stage (``generator.issue.email``); here it becomes a
message (``message``), written to files or sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2

from generator.config import Settings
from generator.errors import SendError
from generator.fsio import atomic_write_bytes, atomic_write_text
from generator.issue.email import render_issue_email
from generator.paths import Layout
from generator.posts import post_date, post_url_path, read_front_matter
from generator.send.message import build_message, message_bytes, new_message_id
from generator.send.report import SendReport
from generator.send.run import GMAIL_CLIP_BYTES, Hooks, SendOptions, send_rendered, sender_of


@dataclass(frozen=True)
class EmailExport:
    """What `rotation email` wrote, and what the reader of the files should know."""

    files: list[Path]
    warnings: list[str]


def export_email(
    env: jinja2.Environment,
    post: Path,
    out_dir: Path,
    settings: Settings,
    *,
    now: datetime,
    embed_images: bool | None = None,
    draft: bool = False,
) -> EmailExport:
    """Write ``<post>.html``, ``<post>.txt`` and ``<post>.eml`` into ``out_dir``.

    A draft is refused unless ``draft`` (a preview, marked as such). The ``.eml`` is the
    message `rotation send` would send, addressed to no one (``undisclosed-recipients:;``),
    dated ``now``.
    """
    mail = render_issue_email(env, post, settings, embed_images=embed_images, draft=draft)
    html, text = mail.personal(None)
    sender = sender_of(settings)
    warnings = []
    if sender is None:
        warnings.append("the .eml has no From: set [email] from_address in newsletter.toml")
    message = build_message(
        mail,
        sender,
        to=None,
        date=now,
        message_id=new_message_id(sender.domain if sender else "rotation-desk.invalid"),
    )
    html_bytes = len(html.encode("utf-8"))
    if html_bytes > GMAIL_CLIP_BYTES:
        warnings.append(f"the HTML is {html_bytes / 1000:.0f} KB: Gmail clips a message past about 102 KB")
    stem = post.stem
    written = [
        atomic_write_text(out_dir / f"{stem}.html", html),
        atomic_write_text(out_dir / f"{stem}.txt", text),
        atomic_write_bytes(out_dir / f"{stem}.eml", message_bytes(message)),
    ]
    return EmailExport(written, warnings)


def send_post(
    env: jinja2.Environment,
    post: Path,
    settings: Settings,
    options: SendOptions,
    *,
    embed_images: bool | None = None,
    draft: bool = False,
    hooks: Hooks | None = None,
) -> SendReport:
    """Render ``post`` and send it to the recipients, once each (``run.send_rendered``).

    A draft goes only to a test send (``options.to``). A message that links its images is
    sent with a warning when the built site has no page for the post yet.
    """
    if draft and options.to is None:
        raise SendError("--draft is for a test send only (--to ADDRESS): a draft is never sent to the list")
    mail = render_issue_email(env, post, settings, embed_images=embed_images, draft=draft)
    warnings = []
    if mail.url is not None and not mail.images:
        meta, _ = read_front_matter(post)
        day = post_date(meta)
        site = Layout.of(settings).site
        page = site / post_url_path(meta, day) / "index.html" if day else None
        if page is not None and not page.is_file():
            warnings.append(
                f"{site} has no page for {post.name} yet: the message links to {mail.url} and "
                "its images there; build and upload the site before sending"
            )
    return send_rendered(settings, post, mail, options, warnings=warnings, hooks=hooks)
