"""The files of the posts folder: reading a post (its YAML front matter), the copies beside a
post, and the URL each post gets on the site. Every stage that reads posts (the calls ledger,
drafting, publishing, the site) reads them through here, so this sits below them all.

A week's post is ``<date>-<slug>.md``. Beside it, a re-run of ``rotation draft`` on a post
the editor changed writes its new draft as ``<name>.new.md`` (``<name>.new2.md``, ... when
the editor has written into that one too): a side copy, never a post of its own. It is not
published, not in the ledger and not on the site until the editor moves it onto the post.

Material's blog puts a post at ``issues/{date}/{slug}/`` (mkdocs.yml: ``post_url_format``
``{date}/{slug}``, ``post_url_date_format`` ``yyyy/MM``), the slug being the front matter's
``slug`` or, without one, the title slugified as the blog plugin does it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from generator.config import not_utf8
from generator.errors import DraftError

BOM = "\ufeff"
FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.S)
BLOG_DIR = "issues"  # mkdocs.yml: blog_dir
SIDE_COPY = re.compile(r"\.new\d*\.md$")
# What marks a post published even when its front matter does not parse (YAML's false/no/off).
MARKED_PUBLISHED = re.compile(r"^draft\s*:\s*(?:false|no|off)\b|^\s+published_at\s*:\s*['\"]?\d", re.M | re.I)
MARKED_DRAFT = re.compile(r"^draft\s*:\s*(?:true|yes|on)\b", re.M | re.I)


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


def is_side_copy(path: Path) -> bool:
    """True for ``<name>.new.md`` and ``<name>.new<N>.md``: a regenerated draft beside a post."""
    return bool(SIDE_COPY.search(path.name))


def main_post_of(side_copy: Path) -> Path:
    """The post a side copy was written beside: ``x.new2.md`` -> ``x.md``."""
    return side_copy.with_name(SIDE_COPY.sub(".md", side_copy.name))


def side_copy_name(stem: str, n: int) -> str:
    """The ``n``-th side copy of the post ``<stem>.md``: ``<stem>.new.md``, then ``<stem>.new2.md``, ..."""
    return f"{stem}.new.md" if n == 1 else f"{stem}.new{n}.md"


def is_surely_draft(path: Path) -> bool:
    """True when a post that does not parse still says ``draft: true`` and nothing marks it published.

    Anything else might be a published issue: the build stops on it rather than drop it.
    """
    text = path.read_bytes().decode("utf-8", errors="replace")
    return bool(MARKED_DRAFT.search(text)) and not MARKED_PUBLISHED.search(text)


def post_date(meta: dict[str, Any]) -> date | None:
    """The blog date of a post's front matter (``date``, or ``date: {created: ...}``), if readable."""
    value = meta.get("date")
    if isinstance(value, dict):
        value = value.get("created")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def post_slug(meta: dict[str, Any]) -> str:
    """The slug Material gives a post: its ``slug``, else its title slugified (pymdownx, lower case)."""
    slug = meta.get("slug")
    if slug not in (None, ""):
        return str(slug)
    from pymdownx.slugs import slugify

    return str(slugify(case="lower")(str(meta.get("title") or ""), "-"))


def post_url_path(meta: dict[str, Any], fallback_day: date) -> str:
    """The post's path on the site, ``issues/2025/10/<slug>/`` (``date``'s month, else ``fallback_day``'s)."""
    day = post_date(meta) or fallback_day
    return f"{BLOG_DIR}/{day:%Y}/{day:%m}/{post_slug(meta)}/"
