"""Drafts: the post's front matter and text, its hash, and writing it without losing an edit.

Every post records a hash of the text as generated. A re-run compares it with the file on
disk: an untouched draft is regenerated, an edited one is never overwritten (the new draft
goes beside it), and a published one is never touched.
"""

from __future__ import annotations

import glob
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from generator.charts import DrawStats
from generator.config import SourceSpec
from generator.errors import DraftError, PublishError
from generator.fsio import atomic_write_text, remove_file
from generator.issue.context import IssueContext
from generator.issue.text import render_template
from generator.posts import is_side_copy, is_surely_draft, main_post_of, read_front_matter, side_copy_name
from generator.signals.report import SignalReport
from generator.stories.model import Letter

HASH_KEY = "generated_hash"
EDITOR_MARK = re.compile(r"^!!! editor\b", re.M)


def render_issue(env: jinja2.Environment, issue: IssueContext, front_matter: dict[str, Any]) -> str:
    """The post's full text, with the generated hash filled in."""
    meta = dict(front_matter)
    meta["rotation"] = {**meta.get("rotation", {}), HASH_KEY: ""}
    text = render_template(env, "issue.md.j2", issue=issue, front_matter=meta)
    return stamp_hash(text)


def _hash_body(text: str) -> str:
    unhashed = re.sub(rf"^(\s*{HASH_KEY}:).*$", r"\1", text, count=1, flags=re.M)
    return hashlib.sha256(unhashed.encode("utf-8")).hexdigest()[:16]


def stamp_hash(text: str) -> str:
    """Put the hash of ``text`` (hash line blanked) into its ``generated_hash`` line."""
    digest = _hash_body(text)
    return re.sub(rf"^(\s*{HASH_KEY}:).*$", rf"\g<1> {digest}", text, count=1, flags=re.M)


def is_untouched(text: str) -> bool:
    """True when the file still matches the hash it was generated with."""
    match = re.search(rf"^\s*{HASH_KEY}:\s*(\S+)\s*$", text, flags=re.M)
    return bool(match) and match.group(1) == _hash_body(text)  # type: ignore[union-attr]


@dataclass(frozen=True)
class WriteOutcome:
    """Where a draft went, and why."""

    path: Path
    action: str  # created, updated, unchanged, beside (editor's copy kept), forced (backup kept)
    backup: Path | None = None  # forced: the editor's text of the post
    side_backups: tuple[Path, ...] = ()  # forced: the editor's text of the copies beside it
    kept: tuple[Path, ...] = ()  # beside: copies beside the post the editor wrote into, left alone


@dataclass(frozen=True)
class DraftResult:
    """What `rotation draft` did for one week."""

    as_of: date
    outcome: WriteOutcome
    charts_written: int
    report: SignalReport
    letter: Letter | None = None


@dataclass(frozen=True)
class BackfillResult:
    """What `rotation backfill` did: one outcome per drafted week, the weeks left alone, charts."""

    drafted: list[DraftResult]
    published_weeks: list[date]
    charts: DrawStats


def write_draft(
    posts_dir: Path, as_of: date, slug: str, text: str, *, backups: Path, force: bool = False
) -> WriteOutcome:
    """Write a week's post without ever losing an editor's text.

    An untouched post (it still matches its hash) is regenerated. An edited one is kept and
    the new draft goes beside it, into ``<name>.new.md`` if that is absent or untouched, else
    the next ``<name>.new<N>.md`` that is: a copy beside the post that the editor wrote into is
    the editor's text too. ``force`` writes the post itself and first saves every edited text
    (the post, the copies beside it) into ``backups``, outside the content folder, so nothing
    unpublished can reach the site.
    """
    target = posts_dir / f"{slug}.md"
    existing = sorted(posts_dir.glob(f"{as_of.isoformat()}-*.md"))
    existing = [p for p in existing if not is_side_copy(p) and ".bak" not in p.name]
    if not existing:
        atomic_write_text(target, text)
        return WriteOutcome(target, "created")
    current = existing[0]
    if target in existing and len(existing) > 1:
        others = _drop_superseded([p for p in existing if p != target], backups)
        current = others[0] if others else target
    old = current.read_text(encoding="utf-8")
    try:
        published = read_front_matter(current)[0].get("draft") is False
    except DraftError:
        if not is_surely_draft(current):
            raise
        published = False  # a draft with a typo: the editor's text, kept like any edited draft
    if published:
        raise DraftError(f"{current} is published; published issues are never rewritten")
    if old == text:
        return WriteOutcome(current, "unchanged")
    if is_untouched(old):
        atomic_write_text(target, text)
        if current != target:
            remove_file(current)
        return WriteOutcome(target, "updated")
    if not force:
        return _write_beside(current, text)
    sides = _side_copies(current)
    edited_sides = [s for s in sides if not is_untouched(s.read_text(encoding="utf-8"))]
    # Backups first: a run killed after them has lost nothing, and the rerun finds them again.
    backup = _backup(backups, current.stem, old)
    side_backups = tuple(
        _backup(backups, s.name.removesuffix(".md"), s.read_text("utf-8")) for s in edited_sides
    )
    atomic_write_text(target, text)
    for path in [*sides, *([current] if current != target else [])]:
        remove_file(path)
    return WriteOutcome(target, "forced", backup, side_backups)


def _side_copies(post: Path) -> list[Path]:
    """The copies beside ``post`` (``<name>.new.md``, ``<name>.new2.md``, ...), in order."""
    found = [p for p in post.parent.glob(glob.escape(post.stem) + ".new*.md") if main_post_of(p) == post]
    return sorted(found, key=lambda p: (len(p.name), p.name))


def _write_beside(post: Path, text: str) -> WriteOutcome:
    """The new draft beside an edited ``post``, never over a copy the editor wrote into."""
    kept: list[Path] = []
    n = 1
    while True:
        beside = post.with_name(side_copy_name(post.stem, n))
        if not beside.exists():
            break
        current = beside.read_text(encoding="utf-8")
        if current == text or is_untouched(current):
            break
        kept.append(beside)
        n += 1
    if not beside.exists() or beside.read_text(encoding="utf-8") != text:
        atomic_write_text(beside, text)
    return WriteOutcome(beside, "beside", kept=tuple(kept))


def _drop_superseded(others: list[Path], backups: Path) -> list[Path]:
    """Remove the week's other unpublished posts that a renamed draft replaced; return the rest.

    A run killed between writing a draft under its new name and removing the old file leaves
    both. The old one goes only if nothing in it can be lost: it is untouched (regenerable),
    or its exact text is already kept in one of its backups (``--force``). An edited or
    published post stays, and the run goes on with it as usual.
    """
    kept = []
    for path in others:
        text = path.read_text(encoding="utf-8")
        meta, _ = read_front_matter(path)
        saved = any(
            b.read_text(encoding="utf-8") == text for b in backups.glob(f"{glob.escape(path.stem)}.bak*.txt")
        )
        if meta.get("draft") is not False and (is_untouched(text) or saved):
            remove_file(path)
        else:
            kept.append(path)
    return kept


def _backup(folder: Path, stem: str, text: str) -> Path:
    """``<folder>/<stem>.bak<N>.txt`` holding ``text``: the one that already holds it (a run
    killed after writing it), else a new one at the first free number.
    """
    n = 1
    while True:
        candidate = folder / f"{stem}.bak{n}.txt"
        if not candidate.exists():
            return atomic_write_text(candidate, text)
        if candidate.read_text(encoding="utf-8") == text:
            return candidate
        n += 1


def issue_front_matter(issue: IssueContext, generator_version: str, source: SourceSpec) -> dict[str, Any]:
    """The Material blog front matter plus our own ``rotation`` block and the calls."""
    return {
        "title": issue.title,
        "date": issue.as_of,
        "slug": issue.slug,
        "draft": True,
        "categories": issue.categories,
        "tags": issue.tags,
        "description": issue.description,
        "rotation": {
            "as_of": issue.as_of,
            "data_through": issue.report.last_session,
            "source": issue.source_label,
            "synthetic": issue.synthetic,
            "generator": generator_version,
            "published_at": None,
            "source_spec": str(source),
        },
        "calls": [c.to_front_matter() for c in issue.new_calls],
        "closes": [],
    }


def find_placeholders(text: str) -> list[int]:
    """Line numbers of editor boxes (``!!! editor``) still in a post."""
    return [text.count("\n", 0, m.start()) + 1 for m in EDITOR_MARK.finditer(text)]


def resolve_issue(posts_dir: Path, ref: str) -> Path:
    """The post named by ``ref``: a path, a file name in the posts folder, or its date."""
    shown = ref if ref.isprintable() else repr(ref)  # a newline in it would split the error line
    candidate = Path(ref)
    if not candidate.name.strip():
        raise PublishError(f"{ref!r} names no issue; give the post file or its date, e.g. 2025-07-04")
    if candidate.is_file():
        return candidate
    if (posts_dir / ref).is_file():
        return posts_dir / ref
    stem = glob.escape(candidate.name.removesuffix(".md"))  # '*' or '[' in ref is not a pattern
    matches = [p for p in sorted(posts_dir.glob(f"{stem}*.md")) if not is_side_copy(p)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise PublishError(
            f"{shown}: no such issue in {posts_dir} (give the post file or its date, e.g. 2025-07-04)"
        )
    names = ", ".join(p.name for p in matches)
    raise PublishError(f"{shown}: more than one issue matches ({names}); give the file name")


def published_post(posts_dir: Path, as_of: date) -> Path | None:
    """The week's post (the first file of its date) if it is published, else None."""
    existing = sorted(posts_dir.glob(f"{as_of.isoformat()}-*.md"))
    if existing and read_front_matter(existing[0])[0].get("draft") is False:
        return existing[0]
    return None


def refuse_real_issues(posts_dir: Path) -> None:
    """The demo never mixes synthetic issues into a workspace that holds real ones."""
    for path in sorted(posts_dir.glob("*.md")) if posts_dir.is_dir() else []:
        try:
            meta, _ = read_front_matter(path)
        except DraftError:
            continue
        if not (meta.get("rotation") or {}).get("synthetic"):
            raise DraftError(
                f"{posts_dir} holds real issues ({path.name}); run `rotation demo` in a separate "
                "workspace (a folder with its own newsletter.toml and mkdocs.yml)"
            )
