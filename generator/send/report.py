"""What a send found and did (the plan, the deliveries), and how `rotation send` words it.

``SendReport.notes`` are the lines for stderr (warnings, repeated addresses, skipped rows),
``lines`` the summary for stdout, and ``problem`` the one error line when a reader was
refused, a message is unconfirmed or the send stopped: each says what to run next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.send.recipients import Recipient
from generator.send.record import Delivery
from generator.send.smtp import Refused

SHOWN = 20  # addresses listed by name in a summary; the rest are counted


def count(number: int, noun: str) -> str:
    """``1 recipient``, ``3 recipients``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


@dataclass(frozen=True)
class Plan:
    """Who gets the message in this run, and who does not and why."""

    to_send: list[Recipient]
    already_sent: list[tuple[Recipient, Delivery]] = field(default_factory=list)
    refused_before: list[tuple[Recipient, Delivery]] = field(default_factory=list)
    unconfirmed_before: list[tuple[Recipient, Delivery]] = field(default_factory=list)


@dataclass
class Delivered:
    """What one run did."""

    sent: list[Recipient] = field(default_factory=list)
    refused: list[tuple[Recipient, Refused]] = field(default_factory=list)
    unconfirmed: list[tuple[Recipient, str]] = field(default_factory=list)
    stopped: str | None = None  # why the run ended before its last recipient
    remaining: int = 0  # recipients this run did not get to


@dataclass
class SendReport:
    """What `rotation send` found and did, for the command to print."""

    subject: str
    test: bool
    dry_run: bool
    record: Path
    source: str  # the recipients file's name, or the --to address
    html_bytes: int
    images: str  # "linked from <site>" or "attached (n inline parts)"
    plan: Plan
    delivered: Delivered | None = None
    warnings: list[str] = field(default_factory=list)
    repeats: list[str] = field(default_factory=list)
    skipped_invalid: list[str] = field(default_factory=list)
    minutes: float = 0.0  # the time the rate limit needs for the plan

    def notes(self) -> list[str]:
        """The lines for stderr: warnings, repeated addresses, rows skipped."""
        out = [f"Warning: {warning}" for warning in self.warnings]
        out += [f"Note: {repeat}" for repeat in self.repeats[:SHOWN]]
        if len(self.repeats) > SHOWN:
            out.append(f"Note: ... and {len(self.repeats) - SHOWN} more repeated addresses")
        out += [f"Skipped: {problem}" for problem in self.skipped_invalid]
        return out

    def lines(self) -> list[str]:
        """The summary for stdout: what was (or would be) sent, and to whom not and why."""
        plan, out = self.plan, []
        if self.dry_run:
            out.append(f"Dry run: nothing was sent. Subject: {self.subject}")
            out.append(f"HTML {self.html_bytes / 1000:.1f} KB; images {self.images}.")
        earlier = []
        if plan.already_sent:
            earlier.append(f"{count(len(plan.already_sent), 'recipient')} already had it")
        if plan.refused_before:
            earlier.append(f"{len(plan.refused_before)} refused before (not retried without --retry-failed)")
        if plan.unconfirmed_before:
            earlier.append(
                f"{len(plan.unconfirmed_before)} unconfirmed before "
                "(not sent again without --resend-unconfirmed)"
            )
        if earlier:
            out.append(f"{self.source}: {'; '.join(earlier)} (record: {self.record}).")
        out += [f"  refused before: {r.address}: {d.reply}" for r, d in plan.refused_before[:SHOWN]]
        out += [
            f"  unconfirmed: {r.address} (Message-ID {d.message_id}, {d.time})"
            for r, d in plan.unconfirmed_before[:SHOWN]
        ]
        if self.dry_run:
            minutes = f", about {self.minutes:.0f} min at the rate limit" if self.minutes >= 1 else ""
            what = "test send" if self.test else "send"
            out.append(f"Would {what} to {count(len(plan.to_send), 'recipient')}{minutes}:")
            out += [f"  {recipient.address}" for recipient in plan.to_send]
        elif not plan.to_send:
            out.append(f"Nothing to send: no reader in {self.source} is due the issue.")
        elif self.delivered is not None:
            out.append(
                f"Sent {self.subject!r} to {count(len(self.delivered.sent), 'recipient')}"
                + (" (a test send, not recorded as a delivery of the issue)" if self.test else "")
                + f"; record: {self.record}."
            )
        return out

    def problem(self, issue: str) -> str | None:
        """One line for what needs the user after a send (``issue`` as they typed it), or None."""
        done = self.delivered
        if done is None:
            return None
        problems = []
        if done.refused:
            listed = ", ".join(f"{r.address} ({refusal.reply})" for r, refusal in done.refused[:5])
            more = f" and {len(done.refused) - 5} more" if len(done.refused) > 5 else ""
            problems.append(
                f"{count(len(done.refused), 'recipient')} refused: {listed}{more}; fix or remove the "
                f"addresses, then `rotation send {issue} --retry-failed` tries them again"
            )
        if done.unconfirmed:
            listed = ", ".join(r.address for r, _ in done.unconfirmed)
            problems.append(
                f"{count(len(done.unconfirmed), 'message')} unconfirmed ({listed}): the connection dropped "
                "after the message went out, so it may have arrived; not sent again unless "
                f"`rotation send {issue} --resend-unconfirmed`"
            )
        if done.stopped and self.test:
            problems.append(f"the test send stopped: {done.stopped}")
        elif done.stopped:
            problems.append(
                f"the send stopped: {done.stopped}. {count(done.remaining, 'recipient')} not sent yet; "
                f"run `rotation send {issue}` again to go on (no one gets the issue twice)"
            )
        return "; and ".join(problems) if problems else None
