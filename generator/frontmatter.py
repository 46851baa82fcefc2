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

FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.S)


def read_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a post into (front matter, body); DraftError names the file if it is malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # read whole, so exc.start is the file's byte offset
        raise DraftError(f"{path}: {not_utf8(path.read_bytes(), exc)}") from None
    match = FRONT_MATTER.match(text)
    if not match:
        raise DraftError(f"{path}: no front matter (a '---' block at the top)")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DraftError(f"{path}: front matter is not valid YAML: {exc}") from exc
    except (ValueError, OverflowError) as exc:  # a well-formed but impossible value: date 2025-02-30
        raise DraftError(f"{path}: front matter has an impossible value: {exc}") from exc
    if not isinstance(meta, dict):
        raise DraftError(f"{path}: front matter must be a mapping")
    return meta, text[match.end() :]
