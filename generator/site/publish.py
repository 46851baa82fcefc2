"""Publishing: check a post and mark it published, freezing the charts it shows.

The ledger reads calls from published posts only; publishing refuses a post that still has
an editor box or a call that is not well formed (``generator.calls.ledger.read_issue``).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from pathlib import Path

from generator.calls.ledger import (
    PublishedIssue,
    closes_problems,
    published_issues,
    read_issue,
    require_source,
)
from generator.calls.model import entry_problems, stop_problems
from generator.config import Settings
from generator.data.store import PriceStore
from generator.errors import PublishError
from generator.fsio import atomic_write_text
from generator.issue.drafts import find_placeholders, resolve_issue
from generator.paths import Layout
from generator.posts import is_side_copy, main_post_of, read_front_matter
from generator.site.model import lead_image_path

IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


def chart_fingerprints(path: Path) -> dict[str, str]:
    """SHA-256 (16 hex digits) of every local image a post shows, keyed by its link."""
    _, body = read_front_matter(path)  # not the front matter: a description may quote ![x](y)
    prints: dict[str, str] = {}
    for link in IMAGE_LINK.findall(body):
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


def check_publishable(path: Path, *, allow_placeholders: bool = False) -> str:
    """The post's text, or PublishError: already published, or an editor box left in it."""
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
    return text


def mark_published(path: Path, published_at: datetime, *, allow_placeholders: bool = False) -> None:
    """Set ``draft: false``, ``published_at`` and the chart fingerprints, atomically.

    The fingerprints freeze what the issue showed: a later build can prove its charts are
    the ones readers saw.
    """
    text = check_publishable(path, allow_placeholders=allow_placeholders)
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
    lead_image_path(issue, settings.content_dir)  # an image outside the content folder is refused
    check_publishable(path, allow_placeholders=allow_placeholders)  # the editor's part first
    if issue.as_of > now.date():
        raise PublishError(
            f"{path.name} is dated {issue.as_of}, after today ({now.date()}); an issue is published "
            "after its week has closed (check rotation.as_of, or the prices it was drafted from)"
        )
    source = require_source(issue, settings.data.source)
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
    problems = closes_problems(issue, [i for i in published if i.path != path])
    problems += call_problems(issue, PriceStore(Layout.of(settings).store_for(source)), settings)
    if problems:
        raise PublishError(f"{path.name}: " + "; ".join(problems))
    mark_published(path, now.replace(microsecond=0), allow_placeholders=allow_placeholders)
    return path


def call_problems(issue: PublishedIssue, store: PriceStore, settings: Settings) -> list[str]:
    """Each call's stop and entry checked (``calls.model.stop_problems``, ``entry_problems``)
    against the quoted closes of the issue's as-of day in ``store``, the store of the post's
    source (the caller names the post).

    Prices the check needs but the store lacks are an error naming what to fetch: publishing
    unchecked is what let an entry typo be scored as a split.
    """
    if not issue.calls:
        return []
    where = issue.path.name  # its source_spec is known (require_source)
    legs = list(dict.fromkeys(t for c in issue.calls for t in (c.ticker, c.benchmark) if t))
    closes = store.closes_on(legs, issue.as_of)
    missing = [t for t in legs if t not in closes]
    if missing:
        raise PublishError(
            f"{where}: no stored close of {', '.join(missing)} on or before {issue.as_of} to check "
            f"the calls' entries against; run `rotation fetch --source {issue.source} "
            f"--tickers {','.join(missing)}`"
        )
    tolerance = settings.issue.entry_tolerance_pct
    return [
        f"call {call.id}: {problem}"
        for call in issue.calls
        for problem in [
            *entry_problems(call, closes, tolerance_pct=tolerance, source=issue.source),
            *stop_problems(call),
        ]
    ]


def auto_published_at(as_of: date) -> datetime:
    """When an issue published without an editor (the demo's) says it was: 18:00 on its Friday."""
    return datetime.combine(as_of, datetime.min.time()).replace(hour=18)
