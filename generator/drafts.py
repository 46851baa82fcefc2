"""Drafts stage: a typed issue context, rendered through the editor's Jinja templates.

Templates come from the workspace's ``templates/`` first, then the defaults shipped in the
package, so an editor can override any one file. Rendering is strict: an undefined variable
or a syntax error stops the run with the template's file and line.

Every post records a hash of the text as generated. A re-run compares it with the file on
disk: an untouched draft is regenerated, an edited one is never overwritten (the new draft
goes beside it), and a published one is never touched.
"""

from __future__ import annotations

import glob
import hashlib
import html
import os
import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import yaml

from generator.calls import Call, CallScore
from generator.charts.render import ChartJob
from generator.charts.theme import NARROW, WIDE
from generator.config import Settings, SignalSettings, not_utf8
from generator.errors import DraftError, TemplateError
from generator.fsio import atomic_write_text, remove_file
from generator.posts import is_side_copy, is_surely_draft, main_post_of, side_copy_name
from generator.safetext import character_reference, escape_references, replace_bad_characters
from generator.signals.report import Headline, InstrumentSignals, SignalReport
from generator.stories.model import Letter
from generator.universe_view import UniverseView

HASH_KEY = "generated_hash"
BOM = "\ufeff"
EDITOR_MARK = re.compile(r"^!!! editor\b", re.M)
FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.S)


@dataclass(frozen=True)
class ChartRef:
    """A chart embedded in an issue."""

    key: str  # the name templates use: m.chart(issue, "size_pair")
    path: str  # relative to the post's folder, as written in the Markdown
    alt: str  # alternative text for screen readers and email clients
    caption: str  # the line under the chart
    dark_path: str | None = None  # the dark-mode copy, shown instead in Material's slate scheme
    narrow_path: str | None = None  # the phone layout (taller, larger text), shown on narrow screens
    narrow_dark_path: str | None = None  # the phone layout's dark-mode copy
    size: tuple[int, int] = (1200, 675)  # width and height in pixels (the <img> attributes)
    narrow_size: tuple[int, int] = (720, 900)

    @classmethod
    def of(cls, key: str, job: ChartJob, relative_to: Path, alt: str, caption: str) -> ChartRef:
        """How a page in ``relative_to`` links ``job``'s files, with the images' sizes."""

        def rel(path: Path) -> str:
            return Path(os.path.relpath(path, relative_to)).as_posix()

        def variant(layout: str, theme: str) -> str | None:
            found = next((o.path for o in job.outputs if (o.layout, o.theme) == (layout, theme)), None)
            return rel(found) if found is not None else None

        return cls(
            key,
            rel(job.path),
            alt,
            caption,
            dark_path=variant("wide", "dark"),
            narrow_path=variant("narrow", "light"),
            narrow_dark_path=variant("narrow", "dark"),
            size=WIDE.size_px,
            narrow_size=NARROW.size_px,
        )


@dataclass(frozen=True)
class GroupView:
    """A configured group of ETFs, as templates see it."""

    key: str  # the table name in newsletter.toml: [groups.<key>]
    label: str  # its display label, e.g. "S&P 500 sectors"
    benchmark: str  # the ticker the group is read against
    category: str  # the call and blog category of the group
    tickers: list[str]  # its members, in config order


@dataclass(frozen=True)
class IssueContext:
    """Everything a template may use, as ``issue.<field>`` (see the editor's guide)."""

    title: str  # the issue's title, from the lead headline
    slug: str  # the post's file name and URL slug: <date>-<words>
    as_of: date  # the Friday the issue is computed as of (no later bar is used)
    description: str  # one sentence for the archive, feeds and social previews
    categories: list[str]  # blog categories: the groups the top headlines belong to
    tags: list[str]  # tickers in the top headlines (one tag page per ticker)
    report: SignalReport  # every signal computed as of the issue's date
    lead: Headline | None  # the highest-ranked headline, or none in a quiet week
    headlines: list[Headline]  # every headline, best first
    charts: dict[str, ChartRef]  # the charts drawn for this issue, by key
    new_calls: list[Call]  # calls suggested this week (the editor keeps, edits or drops them)
    open_calls: list[CallScore]  # calls published earlier and still open, scored to this week
    sections: list[str]  # the section partials to include, in order ([issue] sections)
    site_title: str  # [site] title in newsletter.toml
    synthetic: bool  # true when the prices are the built-in synthetic demo set
    source_label: str  # where the prices come from, in words
    auto_published: bool  # true for demo issues, published without an editor
    names: dict[str, str] = field(default_factory=dict)  # display name per ticker
    groups: dict[str, GroupView] = field(default_factory=dict)  # the configured groups, by key
    universe: UniverseView | None = None  # the small-cap universe, when a snapshot is stored
    data_notes: list[str] = field(default_factory=list)  # data problems, condensed for the issue
    signal_settings: SignalSettings = SignalSettings()  # every [signals.*] parameter of newsletter.toml
    letter: Letter | None = None  # the week's stories: the title, the lead, the supporting stories
    dashboard: list[str] = field(default_factory=list)  # the dashboard's panels, in order ([issue] dashboard)
    call_notes: dict[str, str] = field(default_factory=dict)  # by call id: what sets its stop
    rotation_lines: dict[str, str] = field(default_factory=dict)  # by group key: its rotation-graph moves
    one_close: list[str] = field(default_factory=list)  # funds with one (dividend-adjusted) close

    def stories(self, *kinds: str, tickers: Sequence[str] | None = None) -> list[Headline]:
        """Headlines whose kind starts with one of ``kinds`` (all without), about ``tickers`` if given."""
        wanted = None if tickers is None else list(tickers)
        return [
            h
            for h in self.headlines
            if (not kinds or h.kind.startswith(kinds)) and (wanted is None or list(h.tickers) == wanted)
        ]

    def members(self, group_key: str) -> list[InstrumentSignals]:
        """The signals of a group's ETFs that have prices this week, in config order."""
        group = self.groups.get(group_key)
        if group is None:
            return []
        return [self.report.instruments[t] for t in group.tickers if t in self.report.instruments]


def slugify(text: str, max_length: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "issue"


def template_env(settings: Settings) -> jinja2.Environment:
    """Strict Jinja environment: workspace templates override the packaged defaults."""
    packaged = Path(str(resources.files("generator.templates")))
    search = [str(p) for p in dict.fromkeys([settings.templates_dir, packaged]) if p.is_dir()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Markdown templates are not escaped (Markdown passes raw HTML through, so every value
        # that comes from the data, newsletter.toml or an editor goes through `text` or `cell`);
        # HTML templates (email/issue.html.j2) are autoescaped.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=False),
    )
    env.filters.update(
        pct=fmt_pct,
        signed=fmt_signed,
        move=fmt_move,
        bp=fmt_bp,
        price=fmt_price,
        span=fmt_span,
        yaml=dump_yaml,
        pick=pick_wording,
        text=md_text,
        cell=md_cell,
        attr=html_attr,
    )
    return env


_MD_SPECIAL = str.maketrans(
    {"<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "{": "\\{", "}": "\\}", "\n": " ", "\r": " "}
)


def md_text(value: object) -> str:
    """Text that stays text in Markdown: no raw HTML, link or attribute list can come out of it.

    ``<`` and ``>`` become entities (Markdown would pass a tag through to the page), and
    ``[ ] { }`` are backslash-escaped (a link, or an ``{ onclick=... }`` attribute list); a
    newline becomes a space, so a value cannot start a block of its own. A character
    reference (``&amp;``) is escaped to show as typed; a bare ``&`` (S&P) is left alone.
    """
    return escape_references(str(value)).translate(_MD_SPECIAL)


def md_cell(value: object) -> str:
    """``md_text`` that also stays inside one Markdown table cell (``|`` escaped)."""
    return md_text(value).replace("|", "\\|")


def html_attr(value: object) -> str:
    """Fully HTML-escaped text (quotes too): for a generated page's front-matter title and
    description, which Material reads as HTML (its navigation and search index print a page
    title as it is; our theme copies decode it with ``striptags`` and escape it again).
    """
    return html.escape(str(value), quote=True)


_PLAIN = str.maketrans({"<": "\u2039", ">": "\u203a", '"': "\u201d", "[": "(", "]": ")", "{": "(", "}": ")"})


def plain_text(value: str) -> str:
    """One line of text the front-matter checks accept (generator.safetext), for the generated
    title, description and categories, which the theme prints as HTML and Material's blog reads
    as Markdown: ``< > "`` become ``‹ › ”``, ``[ ] { }`` become ``( )``, a line break or control
    character a space, and the ``&`` of a character reference (``&amp;``) a full-width ``＆``.
    """
    text = replace_bad_characters(value.translate(_PLAIN))
    while (reference := character_reference(text)) is not None:
        text = text.replace(reference, "\uff06" + reference[1:], 1)
    return text


def fmt_pct(value: float | None, decimals: int = 1) -> str:
    """A percentage: ``12.3%``; ``n/a`` for a missing value."""
    return "n/a" if value is None else f"{value:.{decimals}f}%"


def fmt_signed(value: float | None, decimals: int = 1) -> str:
    """A signed percentage: ``+1.2%`` / ``-0.4%``; ``n/a`` for a missing value."""
    return "n/a" if value is None else f"{value:+.{decimals}f}%"


def fmt_move(value: float | None, decimals: int = 1) -> str:
    """A signed move for a sentence: ``+1.2%``; ``unchanged`` when it rounds to zero (never 0.0%)."""
    if value is None:
        return "n/a"
    text = f"{value:+.{decimals}f}%"
    return "unchanged" if float(text[:-1]) == 0 else text


def fmt_bp(value: float | None) -> str:
    """A percentage as signed basis points: 0.25 -> ``+25 bp``."""
    return "n/a" if value is None else f"{value * 100:+.0f} bp"


def fmt_price(value: float | None) -> str:
    """A price with thousands separators and cents: ``1,234.50``."""
    return "n/a" if value is None else f"{value:,.2f}"


def fmt_span(weeks: int | None) -> str:
    """A length in weeks as a reader says it: ``27-week``, ``2.4-year``."""
    if weeks is None:
        return "n/a"
    return f"{weeks}-week" if weeks < 52 else f"{weeks / 52:.1f}-year"


def pick_wording(choices: Sequence[str], *keys: object) -> str:
    """One of ``choices``, chosen by a stable hash of ``keys``: varied wording, same bytes every run."""
    if not choices:
        return ""
    digest = hashlib.sha256("|".join(str(k) for k in keys).encode("utf-8")).digest()
    return choices[int.from_bytes(digest[:4], "big") % len(choices)]


class _NoAliasDumper(yaml.SafeDumper):
    """YAML without ``&id001`` anchors: editors read and edit this front matter by hand."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(value: Any) -> str:
    """Plain block-style YAML, keys in the given order, no anchors."""
    text = yaml.dump(value, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=100)
    return text.rstrip("\n")


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render one template; any Jinja failure becomes a TemplateError with file and line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name}:{exc.lineno}"
        raise TemplateError(f"template syntax error in {where}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template not found: {exc.name} (looked in {env.loader.searchpath})") from exc  # type: ignore[union-attr]
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise TemplateError(f"template error in {_template_frame(exc)}: {exc}") from exc


def _template_frame(exc: BaseException) -> str:
    """The innermost template file and line of a render-time exception."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if not frames:
        return "a template (no line information)"
    return f"{frames[-1].filename}:{frames[-1].lineno}"


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


@dataclass(frozen=True)
class WriteOutcome:
    """Where a draft went, and why."""

    path: Path
    action: str  # created, updated, unchanged, beside (editor's copy kept), forced (backup kept)
    backup: Path | None = None  # forced: the editor's text of the post
    side_backups: tuple[Path, ...] = ()  # forced: the editor's text of the copies beside it
    kept: tuple[Path, ...] = ()  # beside: copies beside the post the editor wrote into, left alone


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


def issue_front_matter(issue: IssueContext, generator_version: str) -> dict[str, Any]:
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
        },
        "calls": [c.to_front_matter() for c in issue.new_calls],
        "closes": [],
    }


def find_placeholders(text: str) -> list[int]:
    """Line numbers of editor boxes (``!!! editor``) still in a post."""
    return [text.count("\n", 0, m.start()) + 1 for m in EDITOR_MARK.finditer(text)]
