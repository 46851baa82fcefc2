"""Publishing: check a post and mark it published, freezing the charts it shows.

The ledger reads calls from published posts only; publishing refuses a post that still has
an editor box or a call that is not well formed (``generator.calls.ledger.read_issue``).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from pathlib import Path

from generator.calls.ledger import published_issues, read_issue, require_source
from generator.config import Settings
from generator.errors import PublishError
from generator.frontmatter import read_front_matter
from generator.fsio import atomic_write_text
from generator.issue.posts import find_placeholders, resolve_issue
from generator.posts import is_side_copy, main_post_of


IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


def chart_fingerprints(path: Path) -> dict[str, str]:
    """SHA-256 (16 hex digits) of every local image a post shows, keyed by its link."""
    text = path.read_text(encoding="utf-8")
    prints: dict[str, str] = {}
    for link in IMAGE_LINK.findall(text):
        if "://" in link:
            continue
        try:
            image = (path.parent / link.split("#")[0]).resolve()
            data = image.read_bytes() if image.is_file() else None
        except (OSError, ValueError):  # a NUL or an over-long name in the link
            data = None
        if data is None:
            raise PublishError(
                f"{path.name}: the image {link!r} does not exist; redraw with `rotation draft`"
            )
        prints[link.split("#")[0]] = hashlib.sha256(data).hexdigest()[:16]
    return prints


def mark_published(path: Path, published_at: datetime, *, allow_placeholders: bool = False) -> None:
    """Set ``draft: false``, ``published_at`` and the chart fingerprints, atomically.

    The fingerprints freeze what the issue showed: a later build can prove its charts are
    the ones readers saw.
    """
    meta, _ = read_front_matter(path)
    if meta.get("draft") is False:
        raise PublishError(f"{path.name} is already published")
    text = path.read_text(encoding="utf-8")
    lines = find_placeholders(text)
    if lines and not allow_placeholders:
        where = ", ".join(map(str, lines))
        raise PublishError(
            f"{path.name}: editor box left at line{'s' if len(lines) > 1 else ''} {where}; "
            "replace each '!!! editor' box with your commentary, then publish"
        )
    prints = chart_fingerprints(path)
    stamped = re.sub(r"^draft: true\s*$", "draft: false", text, count=1, flags=re.M)
    if stamped == text:
        raise PublishError(f"{path.name}: could not find 'draft: true' in its front matter")
    stamp = f"\\g<1> '{published_at.isoformat()}'"
    if prints:
        charts = "".join(f"\n    {link}: {digest}" for link, digest in sorted(prints.items()))
        stamp += f"\n  charts:{charts}"
    stamped, found = re.subn(r"^(\s+published_at:).*$", stamp, stamped, count=1, flags=re.M)
    if not found:
        raise PublishError(f"{path.name}: no 'published_at' under 'rotation:' in its front matter")
    atomic_write_text(path, stamped)


def publish_post(
    posts_dir: Path,
    ref: str,
    now: datetime,
    settings: Settings,
    *,
    allow_placeholders: bool = False,
) -> Path:
    """`rotation publish`: check one post (not a side copy; placeholders, calls, call ids, its
    price source, its page) and mark it published at ``now`` (to the second).
    """
    path = resolve_issue(posts_dir, ref)
    if is_side_copy(path):
        main = main_post_of(path)
        raise PublishError(
            f"{path.name} is the new draft `rotation draft` wrote beside {main.name}, not a post of its "
            f"own: keep what you want of both in one file, move it onto the post (`mv {path} {main}`), "
            f"then publish {main.name}"
        )
    issue = read_issue(path, settings.tickers)  # every call well formed, or DraftError naming it
    require_source(issue, settings.data.source)
    published = published_issues(posts_dir, settings.tickers)
    earlier = {c.id: i.path.name for i in published if i.path != path for c in i.calls}
    reused = [f"{c.id} (already in {earlier[c.id]})" for c in issue.calls if c.id in earlier]
    if reused:
        raise PublishError(f"{path.name}: call id {', '.join(reused)}; give each call a new id")
    same_page = [i for i in published if i.path != path and i.url.lower() == issue.url.lower()]
    if same_page:
        raise PublishError(
            f"{path.name}: its page would be {issue.url}, the page of the published {same_page[0].path.name} "
            "(the same slug in the same month); give it another slug"
        )
    mark_published(path, now.replace(microsecond=0), allow_placeholders=allow_placeholders)
    return path


def auto_published_at(as_of: date) -> datetime:
    """When an issue published without an editor (the demo's) says it was: 18:00 on its Friday."""
    return datetime.combine(as_of, datetime.min.time()).replace(hour=18)
