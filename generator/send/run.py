"""`rotation send`: plan a send from the recipients and the record, then deliver it, once to each.

The plan is pure (``plan_send``): a recipient the record says was sent is skipped; one the
server refused is retried only with ``retry_failed``; one whose message went out with no
answer (a run killed mid-message, a connection dropped after the body) is sent again only
with ``resend_unconfirmed``, since it may already be in that inbox. The delivery
(``deliver``) sends one message at a time, at most ``messages_per_minute``, ``batch_size``
messages per connection, and records every event before going on (``generator.send.record``).
A dropped connection is opened again up to ``reconnects`` times in a row (waiting 1, 2, 4 ...
seconds); a stop request (Ctrl-C, SIGTERM) ends the run between two messages.

The guarantee, and its limit: a reader gets the issue at most once. Every message is recorded
as ``sending`` before its body goes out and as ``sent`` as soon as the server accepts it, both
synced to disk, so a run that dies between messages resumes exactly where it stopped. A run
that dies (or loses its connection) while one message's body is out and the server's answer
is not yet recorded leaves that one message unconfirmed: the resumed run names it and does
not send it again unless asked. At least once is the other choice (send it again, and that
reader may get two copies); ``--resend-unconfirmed`` makes it, per run.
"""

from __future__ import annotations

import os
import smtplib
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from generator.config import Settings, SmtpSettings, normalise_address, parse_mailbox
from generator.errors import SendError, WorkspaceBusyError
from generator.fsio import write_failure
from generator.issue.email import EmailIssue
from generator.send.message import Sender, build_message, message_bytes, new_message_id
from generator.send.recipients import Recipient, RecipientList, read_recipients
from generator.send.record import (
    Delivery,
    RecordWriter,
    lock_path,
    open_record,
    read_record,
    record_path,
)
from generator.send.report import Delivered, Plan, SendReport, count
from generator.send.smtp import Accepted, ConnectionLost, connect, quit_quietly, send_one, where

MAX_REFUSALS_IN_A_ROW = 5  # then the server likely refuses everyone (relaying denied, a blocked sender)
MAX_BACKOFF_S = 30.0
GMAIL_CLIP_BYTES = 102_000  # Gmail shows "[Message clipped]" past about 102 KB of HTML


@dataclass(frozen=True)
class SendOptions:
    """What `rotation send` was asked to do."""

    recipients: Path | None = None  # default: [email] recipients
    to: str | None = None  # a test send to one address: not recorded as a delivery of the issue
    dry_run: bool = False
    retry_failed: bool = False
    resend_unconfirmed: bool = False
    skip_invalid: bool = False


def plan_send(
    recipients: list[Recipient],
    deliveries: Mapping[str, Delivery],
    *,
    retry_failed: bool = False,
    resend_unconfirmed: bool = False,
) -> Plan:
    """Split ``recipients`` by what the record says of each (keyed by the address without case)."""
    plan = Plan(to_send=[])
    for recipient in recipients:
        last = deliveries.get(recipient.key)
        if last is None:
            plan.to_send.append(recipient)
        elif last.event == "sent":
            plan.already_sent.append((recipient, last))
        elif last.event == "refused":
            (
                plan.to_send.append(recipient)
                if retry_failed
                else plan.refused_before.append((recipient, last))
            )
        elif resend_unconfirmed:
            plan.to_send.append(recipient)
        else:
            plan.unconfirmed_before.append((recipient, last))
    return plan


class RateLimiter:
    """At most ``per_minute`` messages a minute: each starts ``60 / per_minute`` s or more after the last."""

    def __init__(self, per_minute: float) -> None:
        self.interval_s = 60.0 / per_minute
        self._next_at: float | None = None

    def wait_s(self, now: float) -> float:
        """How long to wait before the next message may start."""
        return 0.0 if self._next_at is None else max(0.0, self._next_at - now)

    def started(self, now: float) -> None:
        """A message started at ``now``."""
        self._next_at = now + self.interval_s


def backoff_s(failures: int) -> float:
    """The wait before reconnecting after ``failures`` failures in a row: 1, 2, 4, ... s, at most 30."""
    return min(float(2 ** (failures - 1)), MAX_BACKOFF_S)


ProgressEvent = Literal["connect", "sent", "refused", "unconfirmed", "retry", "wait"]


@dataclass(frozen=True)
class Hooks:
    """The outside world a send touches, so a test can stand in for it."""

    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    should_stop: Callable[[], bool] = lambda: False
    on_event: Callable[[ProgressEvent, Recipient | None, str], None] = lambda kind, who, detail: None
    on_plan: Callable[[int], None] = lambda count: None  # how many messages the run is about to send
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    connect: Callable[[SmtpSettings, str | None], smtplib.SMTP] = connect


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def deliver(
    recipients: list[Recipient],
    *,
    settings: Settings,
    password: str | None,
    make_message: Callable[[Recipient], tuple[str, bytes]],
    envelope_from: str,
    writer: RecordWriter,
    hooks: Hooks,
) -> Delivered:
    """Send to ``recipients`` in order, recording each event; see the module docstring."""
    smtp = settings.email.smtp
    done = Delivered()
    queue = deque(recipients)
    limiter = RateLimiter(smtp.messages_per_minute)
    connection: smtplib.SMTP | None = None
    on_connection = failures = refusals_in_row = 0
    built: dict[str, tuple[str, bytes]] = {}  # a message retried after a drop keeps its Message-ID
    try:
        while queue:
            if hooks.should_stop():
                done.stopped = "a stop was asked for (Ctrl-C or SIGTERM)"
                break
            recipient = queue[0]
            wait = limiter.wait_s(hooks.monotonic())
            if wait > 0:
                hooks.on_event("wait", recipient, f"{wait:.1f}")
                hooks.sleep(wait)
                continue  # look at the stop request again after the wait
            if connection is None:
                try:
                    connection = hooks.connect(smtp, password)
                    on_connection = 0
                    hooks.on_event("connect", None, where(smtp))
                except ConnectionLost as lost:
                    failures += 1
                    if failures > smtp.reconnects:
                        done.stopped = lost.reason
                        break
                    hooks.on_event(
                        "retry", None, f"{lost.reason}; trying again in {backoff_s(failures):.0f} s"
                    )
                    hooks.sleep(backoff_s(failures))
                    continue
            message_id, data = built.get(recipient.key) or make_message(recipient)
            built = {recipient.key: (message_id, data)}
            limiter.started(hooks.monotonic())

            def before_body(recipient: Recipient = recipient, message_id: str = message_id) -> None:
                writer.write("sending", recipient.address, message_id, _iso(hooks.now()))

            try:
                outcome = send_one(connection, envelope_from, recipient.address, data, before_body)
            except ConnectionLost as lost:
                connection = None
                if lost.body_sent:
                    queue.popleft()
                    writer.write(
                        "unconfirmed", recipient.address, message_id, _iso(hooks.now()), reply=lost.reason
                    )
                    done.unconfirmed.append((recipient, lost.reason))
                    hooks.on_event("unconfirmed", recipient, lost.reason)
                failures += 1
                if failures > smtp.reconnects:
                    done.stopped = lost.reason
                    break
                hooks.on_event("retry", None, f"{lost.reason}; trying again in {backoff_s(failures):.0f} s")
                hooks.sleep(backoff_s(failures))
                continue
            queue.popleft()
            failures = 0
            on_connection += 1
            if isinstance(outcome, Accepted):
                writer.write("sent", recipient.address, message_id, _iso(hooks.now()), reply=outcome.reply)
                done.sent.append(recipient)
                refusals_in_row = 0
                hooks.on_event("sent", recipient, outcome.reply)
            else:
                writer.write(
                    "refused",
                    recipient.address,
                    message_id,
                    _iso(hooks.now()),
                    reply=outcome.reply,
                    stage=outcome.stage,
                )
                done.refused.append((recipient, outcome))
                refusals_in_row += 1
                hooks.on_event("refused", recipient, outcome.reply)
                if refusals_in_row >= MAX_REFUSALS_IN_A_ROW:
                    done.stopped = (
                        f"the server refused {refusals_in_row} recipients in a row "
                        f"(the last: {outcome.reply}); "
                        "it may refuse every one (check [email.smtp] and [email] from_address)"
                    )
                    break
            if on_connection >= smtp.batch_size and queue:
                quit_quietly(connection)
                connection = None
    except SendError as exc:
        done.stopped = str(exc)
    finally:
        if connection is not None:
            quit_quietly(connection)
    done.remaining = len(queue)
    return done


def sender_of(settings: Settings) -> Sender | None:
    """The Sender from ``[email]``, or None without a from_address."""
    email = settings.email
    if not email.from_address:
        return None
    return Sender(
        from_address=email.from_address,
        reply_to=email.reply_to,
        unsubscribe_mailto=email.unsubscribe_mailto,
        unsubscribe_url=email.unsubscribe_url,
    )


def missing_settings(settings: Settings, *, test: bool) -> list[str]:
    """What ``[email]`` still lacks for a send (a test send needs no unsubscribe URLs), one sentence each."""
    email = settings.email
    missing = []
    if not email.from_address:
        missing.append(
            '[email] from_address is not set: who the letter is from, e.g. "Desk <letter@example.org>"'
        )
    if not test and not email.unsubscribe_url:
        missing.append(
            "[email] unsubscribe_url is not set: Gmail and Yahoo require one-click unsubscribe "
            "(an https URL; {email} stands for the recipient)"
        )
    if not test and not email.unsubscribe_mailto:
        missing.append("[email] unsubscribe_mailto is not set: List-Unsubscribe needs a mailto address too")
    if not email.smtp.host:
        missing.append("[email.smtp] host is not set: the SMTP server to send through")
    return missing


def password_of(settings: Settings, environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The SMTP password from the environment (None without a user), or what is missing."""
    smtp = settings.email.smtp
    if smtp.user is None:
        return None, None
    password = environ.get(smtp.password_env)
    if not password:
        return None, (
            f"the environment variable {smtp.password_env} is not set: it holds the SMTP password of "
            f"{smtp.user!r} ([email.smtp] password_env names it; the password is never read from "
            "newsletter.toml)"
        )
    return password, None


def _recipient_list(settings: Settings, options: SendOptions) -> RecipientList:
    if options.to is not None:
        try:
            return RecipientList(options.to, recipients=[Recipient(normalise_address(options.to), "", 0)])
        except ValueError as exc:
            raise SendError(f"--to: {exc}") from None
    path = options.recipients or settings.email.recipients
    if path is None:
        raise SendError(
            "no recipients: give --recipients FILE (a CSV file with an email column, or one address per "
            "line), set [email] recipients in newsletter.toml, or --to ADDRESS for a test send"
        )
    return read_recipients(settings.path(path) if options.recipients is None else path)


def send_rendered(
    settings: Settings,
    post: Path,
    mail: EmailIssue,
    options: SendOptions,
    *,
    warnings: list[str] | None = None,
    hooks: Hooks | None = None,
) -> SendReport:
    """Plan the send of a rendered issue and, unless a dry run, deliver it under the issue's send lock.

    Raises SendError before sending anything when the settings or the recipients file are not
    ready; a report whose ``delivered`` has refusals, unconfirmed messages or a stop reason is
    the command's to turn into an error after printing it.
    """
    hooks = hooks or Hooks()
    test = options.to is not None
    recipients = _recipient_list(settings, options)
    if recipients.problems and not options.skip_invalid:
        shown = "\n  ".join(recipients.problems[:20])
        more = len(recipients.problems) - 20
        raise SendError(
            f"{recipients.source} has {count(len(recipients.problems), 'row')} "
            f"that cannot be sent to:\n  {shown}"
            + (f"\n  ... and {more} more" if more > 0 else "")
            + "\nFix them, or pass --skip-invalid to send to the others"
        )
    sender = sender_of(settings)
    password, no_password = password_of(settings, hooks.environ)
    blocking = missing_settings(settings, test=test) + ([no_password] if no_password else [])
    record = record_path(settings.root, post.stem, test=test)
    state = read_record(record) if not test else None
    deliveries = state.deliveries if state is not None else {}
    plan = plan_send(
        recipients.recipients,
        deliveries,
        retry_failed=options.retry_failed,
        resend_unconfirmed=options.resend_unconfirmed,
    )
    html_bytes = len(mail.html.encode("utf-8"))
    report = SendReport(
        subject=mail.subject,
        test=test,
        dry_run=options.dry_run,
        record=record,
        source=recipients.source,
        html_bytes=html_bytes,
        images=(
            f"{len(mail.images)} attached as inline parts"
            if mail.images
            else f"linked from {settings.site.url}"
        ),
        plan=plan,
        warnings=list(warnings or []),
        repeats=recipients.repeats,
        skipped_invalid=recipients.problems,
        minutes=len(plan.to_send) / settings.email.smtp.messages_per_minute,
    )
    if settings.email.unsubscribe_url and "{email}" not in settings.email.unsubscribe_url:
        report.warnings.append(
            "[email] unsubscribe_url has no {email}: every reader gets the same link, so a one-click "
            "unsubscribe cannot tell who asked"
        )
    if html_bytes > GMAIL_CLIP_BYTES:
        report.warnings.append(
            f"the HTML is {html_bytes / 1000:.0f} KB: Gmail clips a message past about 102 KB "
            '("[Message clipped]"), hiding the rest and the unsubscribe link'
        )
    if options.dry_run:
        report.warnings.extend(f"a real send would stop: {problem}" for problem in blocking)
        return report
    if blocking:
        raise SendError("cannot send yet:\n  " + "\n  ".join(blocking))
    assert sender is not None  # missing_settings names a missing from_address
    images = {image.path: image.path.read_bytes() for image in mail.images}

    def make_message(recipient: Recipient) -> tuple[str, bytes]:
        message_id = new_message_id(sender.domain)
        message = build_message(
            mail,
            sender,
            to=(recipient.name, recipient.address),
            date=hooks.now(),
            message_id=message_id,
            images=images,
        )
        return message_id, message_bytes(message)

    run_id = uuid.uuid4().hex[:12]
    envelope_from = parse_mailbox(sender.from_address)[1]
    with _send_lock(settings.root, post.stem):
        if not test:  # read again under the lock: a send that just ended may have recorded more
            state = read_record(record)
            plan = plan_send(
                recipients.recipients,
                state.deliveries,
                retry_failed=options.retry_failed,
                resend_unconfirmed=options.resend_unconfirmed,
            )
            report.plan = plan
        with open_record(record, state or read_record(record), issue=post.stem, run=run_id) as writer:
            hooks.on_plan(len(plan.to_send))
            report.delivered = deliver(
                plan.to_send,
                settings=settings,
                password=password,
                make_message=make_message,
                envelope_from=envelope_from,
                writer=writer,
                hooks=hooks,
            )
    return report


@contextmanager
def _send_lock(root: Path, stem: str) -> Iterator[None]:
    """Hold ``.rotation/sends/<post>.lock``; a second send of the same issue is refused at once."""
    from filelock import FileLock, Timeout

    path = lock_path(root, stem)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failure(path.parent, exc, "create") from exc
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:  # before OSError: filelock's Timeout is a TimeoutError
        raise WorkspaceBusyError(
            f"another `rotation send` of {stem} is running (it holds {path}); wait for it to finish: "
            "two at once could send a reader the issue twice"
        ) from None
    except OSError as exc:
        raise write_failure(path, exc, "create the lock") from exc
    try:
        yield
    finally:
        lock.release()
