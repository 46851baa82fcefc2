"""Post files: the YAML front matter between ``---`` lines at the top of a Markdown post.

Read by every stage that reads posts (the calls ledger, drafting, publishing, the site), so
it sits below them all. A malformed file is a DraftError naming it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from generator.config import not_utf8
from generator.errors import DraftError

BOM = "\ufeff"
FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.S)


def read_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a post into (front matter, body); DraftError names the file (and line) if it is malformed.

    A UTF-8 byte-order mark (Windows editors save one) is dropped, as MkDocs and Material do.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # read whole, so exc.start is the file's byte offset
        raise DraftError(f"{path}: {not_utf8(path.read_bytes(), exc)}") from None
    text = text.removeprefix(BOM)
    match = FRONT_MATTER.match(text)
    if not match:
        raise DraftError(f"{path}:1: no front matter (a '---' block at the top)")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.MarkedYAMLError as exc:
        # Where the broken construct starts (an unclosed '[' is reported at the end of the block).
        mark = exc.context_mark or exc.problem_mark
        line = f":{mark.line + 2}" if mark is not None else ""  # the block starts on the file's line 2
        what = ", ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise DraftError(f"{path}{line}: front matter is not valid YAML: {what}") from exc
    except yaml.YAMLError as exc:
        raise DraftError(f"{path}: front matter is not valid YAML: {exc}") from exc
    except (ValueError, OverflowError) as exc:  # a well-formed but impossible value: date 2025-02-30
        raise DraftError(f"{path}: front matter has an impossible value: {exc}") from exc
    if not isinstance(meta, dict):
        raise DraftError(f"{path}:2: front matter must be a mapping (key: value lines)")
    return meta, text[match.end() :]
