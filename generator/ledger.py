"""Ledger stage: every call of every published issue, rescored at each build."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from generator.calls import Call, CallScore, parse_call, score_call
from generator.drafts import read_front_matter
from generator.errors import DraftError
from generator.prices import PriceHistory


@dataclass(frozen=True)
class PublishedIssue:
    """A published post, as the ledger and the site pages need it."""

    path: Path
    title: str
    slug: str
    as_of: date
    description: str
    categories: list[str]
    tags: list[str]
    source: str
    synthetic: bool
    calls: list[Call] = field(default_factory=list)
    closes: list[str] = field(default_factory=list)


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DraftError(f"{where}: date {value!r} is not YYYY-MM-DD") from None


def read_issue(path: Path, known_tickers: Iterable[str]) -> PublishedIssue:
    """Parse one post's front matter (calls validated)."""
    meta, _ = read_front_matter(path)
    rotation = meta.get("rotation") or {}
    where = path.name
    as_of = _as_date(rotation.get("as_of", meta.get("date")), where)
    slug = str(meta.get("slug") or path.stem)
    known = list(known_tickers)
    calls = [
        replace(parse_call(raw, known_tickers=known, where=where), issue_date=as_of, issue_slug=slug)
        for raw in (meta.get("calls") or [])
    ]
    return PublishedIssue(
        path=path,
        title=str(meta.get("title") or slug),
        slug=slug,
        as_of=as_of,
        description=str(meta.get("description") or ""),
        categories=[str(c) for c in meta.get("categories") or []],
        tags=[str(t) for t in meta.get("tags") or []],
        source=str(rotation.get("source_spec") or "unknown"),
        synthetic=bool(rotation.get("synthetic", False)),
        calls=calls,
        closes=[str(c) for c in meta.get("closes") or []],
    )


def published_issues(posts_dir: Path, known_tickers: Iterable[str]) -> list[PublishedIssue]:
    """Every post with ``draft: false``, oldest first."""
    known = list(known_tickers)
    issues = []
    for path in sorted(posts_dir.glob("*.md")):
        if path.name.endswith(".new.md"):
            continue
        meta, _ = read_front_matter(path)
        if meta.get("draft") is False:
            issues.append(read_issue(path, known))
    return sorted(issues, key=lambda i: i.as_of)


def score_ledger(issues: list[PublishedIssue], prices: PriceHistory, through: date) -> list[CallScore]:
    """Score every call of ``issues`` through ``through``; a later ``closes`` ends a call."""
    closed_on: dict[str, date] = {}
    for issue in issues:
        for call_id in issue.closes:
            closed_on.setdefault(call_id, issue.as_of)
    seen: set[str] = set()
    scores = []
    for issue in issues:
        for call in issue.calls:
            if call.id in seen:
                raise DraftError(f"{issue.path.name}: call id {call.id} is used by an earlier issue too")
            seen.add(call.id)
            closing = closed_on.get(call.id)
            scores.append(
                score_call(
                    call,
                    prices,
                    published_on=issue.as_of,
                    through=through,
                    closed_on=closing if closing and closing > issue.as_of else None,
                )
            )
    return scores


def open_scores_as_of(issues: list[PublishedIssue], prices: PriceHistory, as_of: date) -> list[CallScore]:
    """Calls published before ``as_of`` and still open on it (for an issue's calls section)."""
    earlier = [i for i in issues if i.as_of < as_of]
    return [s for s in score_ledger(earlier, prices, as_of) if s.status in ("open", "pending")]
