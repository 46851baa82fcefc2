"""Site pages generated from published issues and the scored ledger (home, calls)."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2

from generator.calls import CallScore, TrackRecord, track_record
from generator.config import Settings
from generator.drafts import render_template
from generator.fsio import write_text_if_changed
from generator.ledger import PublishedIssue


@dataclass(frozen=True)
class IssueLink:
    """An issue as a page links to it."""

    title: str
    as_of: date
    description: str
    link: str


def _link(issue: PublishedIssue, content_dir: Path, from_dir: Path) -> str:
    return Path(os.path.relpath(issue.path, content_dir / from_dir)).as_posix()


def track_records(scores: Sequence[CallScore]) -> list[TrackRecord]:
    """All calls, then by category, then by year of publication."""
    records = [track_record("All calls", scores)]
    by_category: dict[str, list[CallScore]] = defaultdict(list)
    by_year: dict[int, list[CallScore]] = defaultdict(list)
    for score in scores:
        by_category[score.call.category].append(score)
        if score.call.issue_date is not None:
            by_year[score.call.issue_date.year].append(score)
    records += [track_record(f"Category: {k}", v) for k, v in sorted(by_category.items())]
    records += [track_record(f"Year: {k}", v) for k, v in sorted(by_year.items())]
    return records


def write_site_pages(
    env: jinja2.Environment,
    settings: Settings,
    issues: Sequence[PublishedIssue],
    scores: Sequence[CallScore],
    *,
    through: date | None,
    synthetic: bool,
) -> list[Path]:
    """Render the home and calls pages; only files whose text changed are rewritten."""
    content = settings.content_dir
    newest = sorted(issues, key=lambda i: i.as_of, reverse=True)

    def links(from_dir: str) -> list[IssueLink]:
        return [IssueLink(i.title, i.as_of, i.description, _link(i, content, Path(from_dir))) for i in newest]

    home_links = links(".")
    by_id = {c.id: _link(i, content, Path("calls")) for i in issues for c in i.calls}
    records = track_records(scores)
    pages = {
        content / "index.md": render_template(
            env,
            "site/home.md.j2",
            site=settings.site,
            synthetic=synthetic,
            latest=home_links[0] if home_links else None,
            recent=home_links[1:8],
            record=records[0],
        ),
        content / "calls" / "index.md": render_template(
            env,
            "site/calls.md.j2",
            scores=sorted(scores, key=lambda s: (s.call.issue_date, s.call.id), reverse=True),
            records=records,
            links=by_id,
            through=through,
            synthetic=synthetic,
        ),
    }
    return [path for path, text in pages.items() if write_text_if_changed(path, text)]
