"""The recipients file: who gets the issue (``read_recipients`` reads it; the rest is pure).

Two layouts, told apart by the first line that is not blank or a ``#`` comment:

- a CSV file whose header has an ``email`` column (also ``e-mail``, ``email address``,
  ``email_address``; any case), separated by commas, semicolons, tabs or ``|``; a ``name``
  column, if there is one, becomes the display name in ``To``; other columns are ignored;
- otherwise one address per line (``Name <address>`` is accepted too).

Every address is checked by the address rule (``config.normalise_address``); a row that
fails is a problem named by its line. The same address twice (compared without case:
``Jane@X.org`` is ``jane@x.org``) is one recipient, the first row's, and the repeat is
reported by line. Files are UTF-8, with or without a byte-order mark.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import normalise_address, not_utf8, parse_mailbox
from generator.errors import ConfigError

EMAIL_COLUMNS = ("email", "e-mail", "email address", "email_address")
NAME_COLUMNS = ("name", "full name", "full_name")
DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class Recipient:
    """One reader: the address as SMTP sends it, the display name, and the line it came from."""

    address: str
    name: str = ""
    line: int = 0

    @property
    def key(self) -> str:
        """The address compared without case: what "the same reader" means in the record."""
        return self.address.lower()


@dataclass(frozen=True)
class RecipientList:
    """The readers of a file, in file order, once each; the rows that could not be used; repeats."""

    source: str
    recipients: list[Recipient] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "recipients.csv:7: 'bob@' is not ..."
    repeats: list[str] = field(default_factory=list)  # "recipients.csv:9: a@x.org is on line 3 too"


def _content_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line that is not blank or a ``#`` comment."""
    return [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _header(line: str) -> tuple[str, list[str]] | None:
    """The delimiter and the cells of a CSV header line with an email column, or None."""
    for delimiter in DELIMITERS:
        cells = [c.strip().lower() for c in next(csv.reader([line], delimiter=delimiter), [])]
        if any(c in EMAIL_COLUMNS for c in cells):
            return delimiter, cells
    return None


def parse_recipients(text: str, source: str) -> RecipientList:
    """The recipients of a file's text (``source`` names it in the messages)."""
    text = text.removeprefix("\ufeff")
    lines = _content_lines(text)
    if not lines:
        return RecipientList(source, problems=[f"{source}: no addresses (the file is empty)"])
    header = _header(lines[0][1])
    rows = _csv_rows(text, lines[0][0], *header, source) if header else _plain_rows(lines, source)
    result = RecipientList(source)
    seen: dict[str, int] = {}
    for entry in rows:
        if isinstance(entry, str):
            result.problems.append(entry)
            continue
        first = seen.setdefault(entry.key, entry.line)
        if first != entry.line:
            result.repeats.append(f"{source}:{entry.line}: {entry.address} is on line {first} too; sent once")
            continue
        result.recipients.append(entry)
    if not result.recipients and not result.problems:
        result.problems.append(f"{source}: no addresses")
    return result


def _csv_rows(
    text: str, header_line: int, delimiter: str, columns: list[str], source: str
) -> list[Recipient | str]:
    email_at = next(i for i, c in enumerate(columns) if c in EMAIL_COLUMNS)
    name_at = next((i for i, c in enumerate(columns) if c in NAME_COLUMNS), None)
    body = "\n".join(text.splitlines()[header_line:])  # the lines after the header
    reader = csv.reader(io.StringIO(body), delimiter=delimiter)
    rows: list[Recipient | str] = []
    start = header_line + 1  # the file line of the row being read
    for cells in reader:
        line = start
        start = header_line + reader.line_num + 1
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        if email_at >= len(cells) or not cells[email_at].strip():
            rows.append(f"{source}:{line}: no address in the {columns[email_at]!r} column")
            continue
        name = cells[name_at] if name_at is not None and name_at < len(cells) else ""
        rows.append(_recipient(cells[email_at], name, line, source))
    return rows


def _plain_rows(lines: list[tuple[int, str]], source: str) -> list[Recipient | str]:
    rows: list[Recipient | str] = []
    for number, line in lines:
        text = line.strip()
        if "<" in text:
            try:
                name, address = parse_mailbox(text)
            except ValueError as exc:
                rows.append(f"{source}:{number}: {exc}")
                continue
            rows.append(Recipient(address, _one_line(name), number))
        else:
            rows.append(_recipient(text, "", number, source))
    return rows


def _recipient(address: str, name: str, line: int, source: str) -> Recipient | str:
    try:
        return Recipient(normalise_address(address), _one_line(name), line)
    except ValueError as exc:
        return f"{source}:{line}: {exc}"


def _one_line(name: str) -> str:
    """A display name as one line of text (a header cannot hold a line break or a control character)."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", name).split())


def read_recipients(path: Path) -> RecipientList:
    """Read and parse a recipients file; ConfigError when it cannot be read or is not UTF-8."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such recipients file (a CSV file with an email column, or one address per line)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path.name}: {not_utf8(data, exc)}") from None
    return parse_recipients(text, path.name)
