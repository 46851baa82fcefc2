"""The record of deliveries: one append-only file per issue, ``.rotation/sends/<post>.jsonl``.

Each line is one JSON object: ``event``, ``issue`` (the post's name), ``recipient``,
``message_id``, ``time`` (UTC, ISO 8601), ``run`` (which run wrote it), and for an answer
``reply`` (the server's code and text) and ``stage`` (``RCPT`` or ``DATA``). Events:

- ``sending``: written and synced after the server said 354 (go ahead) and *before* the
  message's body goes out. Nothing before this point can deliver anything: a server
  discards a transaction whose body never ended.
- ``sent``: the server answered 250 to the end of the body; written and synced at once.
- ``refused``: the server refused the recipient (at RCPT) or the message (after the body).
- ``unconfirmed``: the body went out but no answer came (the connection dropped).

A recipient's state is its last event. ``sent`` is final: no run sends to that address
again. A ``sending`` with nothing after it (the run was killed while the server had the
body) is *unconfirmed*, like the event of that name: the server may or may not have taken the
message, and a resumed run does not send it again unless asked (at most once per reader;
the one message that was in flight when a run died is the only one whose fate is unknown).

Why an append-only file rather than a rewrite per batch: the record must be on disk between
the server's answer and the next message, so that a kill between two messages loses nothing
and a kill during one leaves exactly that one in doubt. Appending one line and syncing it
costs one small write; rewriting the whole record after each message would cost its size
each time. A line a kill cut short is recognised (it has no newline, or is not JSON) and
cut off before the next run appends; any other unreadable line stops the send, since who got
the issue can no longer be told.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from generator.errors import SendError
from generator.fsio import fsync_folder, write_failure

SENDS_DIR = Path(".rotation") / "sends"
Event = Literal["sending", "sent", "refused", "unconfirmed"]
EVENTS = ("sending", "sent", "refused", "unconfirmed")


def record_path(root: Path, post_stem: str, *, test: bool = False) -> Path:
    """Where the deliveries of a post are recorded; test sends (``--to``) go to a file of their own."""
    return root / SENDS_DIR / (f"{post_stem}.test.jsonl" if test else f"{post_stem}.jsonl")


def lock_path(root: Path, post_stem: str) -> Path:
    """The lock a send of this post holds, so two sends of one issue never run at once."""
    return root / SENDS_DIR / f"{post_stem}.lock"


@dataclass(frozen=True)
class Delivery:
    """A recipient's last recorded event."""

    recipient: str
    event: Event
    time: str
    message_id: str
    reply: str = ""
    stage: str = ""

    @property
    def unconfirmed(self) -> bool:
        """The body went out and no answer was recorded: delivered or not, nobody knows."""
        return self.event in ("sending", "unconfirmed")


@dataclass(frozen=True)
class RecordState:
    """What a record says: each recipient's last event (keyed by address without case), and the
    length of its readable part (a torn last line after it is cut off before appending).
    """

    deliveries: dict[str, Delivery]
    readable_bytes: int
    torn_tail: bool


def parse_record(data: bytes, name: str) -> RecordState:
    """The state of a record's bytes.

    Every line ends with a newline when whole; what follows the last newline is a line a kill
    or a power loss cut short (or filled with zeros), and is left out. A whole line that is
    not a delivery record is a SendError: the file was edited or damaged.
    """
    deliveries: dict[str, Delivery] = {}
    whole, sep, tail = data.rpartition(b"\n")
    for number, line in enumerate(whole.split(b"\n") if sep else [], start=1):
        if not line.strip():
            continue
        try:
            delivery = _delivery(json.loads(line))
        except ValueError as exc:
            raise SendError(
                f"{name}:{number}: not a delivery record ({exc}); the record was edited or damaged, so "
                "who already got the issue cannot be told. Restore the file (or fix the line) and run again"
            ) from None
        deliveries[delivery.recipient.lower()] = delivery
    readable = len(data) - len(tail)
    return RecordState(deliveries, readable, bool(tail))


def _delivery(entry: Any) -> Delivery:
    if not isinstance(entry, dict) or entry.get("event") not in EVENTS:
        raise ValueError("no known event")
    for key in ("recipient", "time", "message_id"):
        if not isinstance(entry.get(key), str):
            raise ValueError(f"no {key}")
    return Delivery(
        recipient=entry["recipient"],
        event=entry["event"],
        time=entry["time"],
        message_id=entry["message_id"],
        reply=str(entry.get("reply") or ""),
        stage=str(entry.get("stage") or ""),
    )


def read_record(path: Path) -> RecordState:
    """The state of the record at ``path`` (empty when there is none yet)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return RecordState({}, 0, False)
    except OSError as exc:
        raise SendError(f"could not read the record of deliveries {path}: {exc.strerror or exc}") from None
    return parse_record(data, path.name)


class RecordWriter:
    """Appends events to a record, each line written whole and synced before it returns."""

    def __init__(self, path: Path, fd: int, issue: str, run: str) -> None:
        self.path, self._fd, self.issue, self.run = path, fd, issue, run

    def write(self, event: Event, recipient: str, message_id: str, time: str, **answer: str) -> None:
        """Append one event and sync it: when this returns, a power loss cannot lose it."""
        entry: dict[str, str] = {
            "event": event,
            "issue": self.issue,
            "recipient": recipient,
            "message_id": message_id,
            "time": time,
            "run": self.run,
        }
        entry.update({k: v for k, v in answer.items() if v})
        line = (json.dumps(entry, ensure_ascii=False, separators=(", ", ": ")) + "\n").encode("utf-8")
        try:
            written = os.write(self._fd, line)
            while written < len(line):  # a short write (a signal, a nearly full disk): finish it
                written += os.write(self._fd, line[written:])
            os.fsync(self._fd)
        except OSError as exc:
            raise write_failure(self.path, exc) from exc


@contextmanager
def open_record(path: Path, state: RecordState, *, issue: str, run: str) -> Iterator[RecordWriter]:
    """Open ``path`` for appending (created with the umask's mode), first cutting off a torn last line.

    Call it under the send lock: the cut assumes no other run is appending.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    except OSError as exc:
        raise write_failure(path, exc, "open") from exc
    try:
        if state.torn_tail:
            os.ftruncate(fd, state.readable_bytes)
            os.fsync(fd)
        if created:
            fsync_folder(path.parent)  # the record's name survives a power loss too
        yield RecordWriter(path, fd, issue, run)
    except OSError as exc:
        raise write_failure(path, exc) from exc
    finally:
        os.close(fd)
