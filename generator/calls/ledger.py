"""Ledger stage: every call of every published issue, rescored at each build.

The ledger is rebuilt from the published posts' front matter alone (DESIGN.md, the calls
ledger): nothing about a call's score is stored, so a rebuild after new prices, or after an
editor closed a call in a later issue, always agrees with the posts.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from generator.calls.model import Call, horizon_end, is_text, parse_call
from generator.calls.scoring import CallScore, score_call
from generator.config import SourceSpec, normalise_ticker
from generator.data.checks import refuse_future_bars
from generator.data.prices import PriceHistory
from generator.errors import DraftError
from generator.posts import is_side_copy, is_surely_draft, main_post_of, post_url_path, read_front_matter
from generator.safetext import (
    MAX_CATEGORY_CHARS,
    bad_character,
    find_bad_character,
    image_path_problem,
    markup_problem,
)

IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+\.(?:png|jpg|jpeg|svg|webp))")


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
    image: str | None = None  # the lead chart, relative to the post's folder
    body: str = field(default="", repr=False, compare=False)
    url: str = ""  # its page on the site, issues/<yyyy>/<MM>/<slug>/ (generator.posts)
    chart_prints: dict[str, str] = field(default_factory=dict)  # rotation.charts: link -> fingerprint


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DraftError(f"{where}: date {value!r} is not YYYY-MM-DD") from None


SLUG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def _words(meta: dict[str, Any], key: str, where: str, what: str) -> list[str]:
    """A front-matter list of words; DraftError names the field.

    A single word is refused rather than read as a list of one: Material's blog plugin
    rejects ``categories: Size`` at build time, so the error is given here, with the fix.
    """
    value = meta.get(key)
    if value is None or value == "" or value == []:
        return []
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise DraftError(
            f"{where}: {key} must be a list of {what}, got {value!r} "
            f"(write it as [a, b], or one '- a' line per item)"
        )
    return list(value)


def _tickers(tags: list[str], where: str) -> list[str]:
    """Tags are the issue's tickers (each links to its ticker page): the ticker rule applies."""
    try:
        return list(dict.fromkeys(normalise_ticker(t) for t in tags))
    except ValueError as exc:
        raise DraftError(f"{where}: tags: {exc}; tags are the issue's tickers") from None


def _no_markup(value: str, key: str, where: str, *, markdown: bool = False, one_line: bool = False) -> str:
    """Text the theme prints as HTML (title, description, author, categories; Material's blog
    also reads a title and a category as Markdown): markup, a character reference and a
    character no page or feed can hold are refused (our own pages and the email escape the rest).
    """
    if "<" in value or ">" in value:
        raise DraftError(
            f"{where}: {key} {value!r} contains '<' or '>'; the theme would print it as HTML, "
            "so write it without them (e.g. ‹ ›)"
        )
    problem = markup_problem(value, markdown=markdown)
    if problem is not None:
        raise DraftError(f"{where}: {key} {value!r} {problem}")
    bad = bad_character(value, one_line=one_line)
    if bad is not None:
        raise DraftError(f"{where}: {key} contains {bad}; delete it")
    return value


def _category(value: str, where: str) -> str:
    """A blog category: text the theme prints (``_no_markup``), short enough to name its page."""
    _no_markup(value, "categories", where, markdown=True, one_line=True)
    if len(value) > MAX_CATEGORY_CHARS:
        raise DraftError(
            f"{where}: categories {value[:40]!r}... is longer than {MAX_CATEGORY_CHARS} characters "
            "(a category names a page of the site)"
        )
    return value


def _text(meta: dict[str, Any], key: str, where: str) -> str | None:
    value = meta.get(key)
    if value is None or value == "":
        return None
    if not is_text(value):
        raise DraftError(f"{where}: {key} must be text, got {value!r}")
    return str(value)


# Every key an issue's front matter may hold. Material and its plugins act on others, some
# printed unescaped (revision_date), some redirecting (template: redirect.html with location).
ISSUE_KEYS = (
    "title",
    "description",
    "author",
    "date",
    "slug",
    "draft",
    "categories",
    "tags",
    "image",
    "rotation",
    "calls",
    "closes",
)


def _check_image(meta: dict[str, Any], path: Path) -> None:
    """Front matter ``image``: the path of an image file, relative to the post (the social card
    is drawn from it and the feeds link it; generator.safetext.image_path_problem).
    """
    value = meta.get("image")
    if value is None or value == "":
        return
    if not isinstance(value, str):
        raise DraftError(f"{path.name}: image must be a path to an image file, got {value!r}")
    problem = image_path_problem(value)
    if problem is None:
        try:
            found = (path.parent / value).is_file()
        except (OSError, ValueError):  # an over-long name
            found = False
        if not found:
            problem = f"no such file (relative to the post, that is {path.parent / value})"
    if problem is not None:
        raise DraftError(f"{path.name}: image {value!r} {problem}")


def _check_body(path: Path, body: str) -> None:
    """A post's text holds no character a page or the feed cannot carry (a pasted terminal
    colour code, a NUL): DraftError with its line in the file.
    """
    found = find_bad_character(body)
    if found is None:
        return
    index, bad = found
    try:
        text = path.read_text(encoding="utf-8")
        first_line = text.count("\n", 0, len(text) - len(body)) + 1
    except (OSError, UnicodeDecodeError):
        first_line = 1
    line = first_line + body.count("\n", 0, index)
    raise DraftError(f"{path.name}:{line}: {bad}; delete it")


def lead_image(meta: dict[str, Any], body: str) -> str | None:
    """The issue's lead chart, relative to the post.

    Front matter ``image`` if the editor set one; else the first chart whose file is named
    after a ticker in the title (the headline's chart, ``pscm-price.png`` for "PSCM at a new
    all-time high"); else the first image in the body.
    """
    if meta.get("image"):
        return str(meta["image"])  # site.pages refuses one outside the content folder
    images = IMAGE.findall(body)
    title_tickers = re.findall(r"\b[A-Z][A-Z0-9.]{1,9}\b", str(meta.get("title") or ""))
    for ticker in title_tickers:
        for image in images:
            if Path(image).name.lower().startswith(ticker.lower() + "-"):
                return str(image)
    return str(images[0]) if images else None


def issue_from_post(
    path: Path, meta: dict[str, Any], body: str, known_tickers: Sequence[str]
) -> PublishedIssue:
    """A PublishedIssue from a post's parsed front matter and body (calls validated)."""
    where = path.name
    unknown = [key for key in meta if key not in ISSUE_KEYS]
    if unknown:
        raise DraftError(
            f"{where}: unknown front-matter key {unknown[0]!r}; an issue may have: {', '.join(ISSUE_KEYS)} "
            "(Material prints or acts on others unescaped: template, links, revision_date...)"
        )
    _check_image(meta, path)
    rotation = meta.get("rotation") or {}
    if not isinstance(rotation, dict):
        raise DraftError(f"{where}: rotation must be a mapping, got {rotation!r}")
    as_of = _as_date(rotation.get("as_of", meta.get("date")), where)
    # The slug names files (the social card) and URLs: a path in it could write outside content/.
    slug = _text(meta, "slug", where) or path.stem
    if not SLUG.match(slug):
        raise DraftError(f"{where}: slug {slug!r} may hold only letters, digits, '-', '_' and '.'")
    raw_calls = meta.get("calls") or []
    if not isinstance(raw_calls, list):
        raise DraftError(f"{where}: calls must be a list of calls, got {raw_calls!r}")
    calls = [
        replace(parse_call(raw, known_tickers=known_tickers, where=where), issue_date=as_of, issue_slug=slug)
        for raw in raw_calls
    ]
    author = _text(meta, "author", where)
    if author is not None:
        _no_markup(author, "author", where, one_line=True)
    _check_body(path, body)
    return PublishedIssue(
        path=path,
        title=_no_markup(_text(meta, "title", where) or slug, "title", where, markdown=True, one_line=True),
        slug=slug,
        as_of=as_of,
        description=_no_markup(_text(meta, "description", where) or "", "description", where),
        categories=[_category(c, where) for c in _words(meta, "categories", where, "words")],
        tags=_tickers(_words(meta, "tags", where, "tickers"), where),
        source=str(rotation.get("source_spec") or ""),  # calls.ledger.score_published names a missing one
        synthetic=rotation.get("synthetic", False) is True,
        calls=calls,
        closes=_words(meta, "closes", where, "call ids"),
        image=lead_image(meta, body),
        body=body,
        url=post_url_path(meta, as_of),
        chart_prints=_chart_prints(rotation.get("charts"), where),
    )


def _chart_prints(value: Any, where: str) -> dict[str, str]:
    """``rotation.charts``, the fingerprints ``rotation publish`` recorded: link -> 16 hex digits."""
    if value is None:
        return {}
    if not (isinstance(value, dict) and all(isinstance(k, str) and is_text(v) for k, v in value.items())):
        raise DraftError(
            f"{where}: rotation.charts must map each chart's link to its fingerprint, got {value!r}"
        )
    return {k: str(v) for k, v in value.items()}


def read_issue(path: Path, known_tickers: Iterable[str]) -> PublishedIssue:
    """Parse one post's front matter (calls validated)."""
    meta, body = read_front_matter(path)
    return issue_from_post(path, meta, body, list(known_tickers))


@dataclass(frozen=True)
class SkippedPost:
    """A draft whose front matter does not parse: left out of everything until it is fixed."""

    path: Path
    reason: str  # the DraftError, naming the file and line

    def __str__(self) -> str:
        return f"{self.reason}; this draft is left out until it is fixed"


@dataclass(frozen=True)
class PostScan:
    """The posts folder, read once: the published issues, and the drafts skipped."""

    published: list[PublishedIssue]
    skipped: list[SkippedPost]


def scan_posts(posts_dir: Path, known_tickers: Iterable[str]) -> PostScan:
    """Read every post once: the published ones validated (oldest first), broken drafts listed.

    A draft whose front matter does not parse is skipped (named, with its line, in ``skipped``)
    so a typo in next week's draft cannot stop the published site; a published post that does
    not parse is a DraftError. A copy beside a post (``<name>.new.md``) marked published is an
    error too: the blog would show it, and the ledger and home page would not.
    """
    known = list(known_tickers)
    issues, skipped = [], []
    for path in sorted(posts_dir.glob("*.md")) if posts_dir.is_dir() else []:
        try:
            meta, body = read_front_matter(path)
        except DraftError as exc:
            if not is_surely_draft(path):
                raise
            skipped.append(SkippedPost(path, str(exc)))
            continue
        if meta.get("draft") is not False:
            continue
        if is_side_copy(path):
            main = main_post_of(path)
            raise DraftError(
                f"{path.name} is marked published (draft: false), but it is the new draft "
                f"`rotation draft` wrote beside {main.name}, not a post of its own: move it onto "
                f"the post (`mv {path} {main}`) and publish that, or set it back to draft: true"
            )
        issues.append(issue_from_post(path, meta, body, known))
    return PostScan(sorted(issues, key=lambda i: i.as_of), skipped)


def published_issues(posts_dir: Path, known_tickers: Iterable[str]) -> list[PublishedIssue]:
    """Every post with ``draft: false``, oldest first (each file read once; see ``scan_posts``)."""
    return scan_posts(posts_dir, known_tickers).published


def check_unique_urls(issues: Sequence[PublishedIssue]) -> None:
    """A DraftError naming both posts when two published issues would be the same page.

    Material's blog puts a post at ``issues/<yyyy>/<MM>/<slug>/``: a second post with the same
    slug in the same month silently replaces the first. Compared without case, as a web
    server on a case-insensitive disk would.
    """
    seen: dict[str, PublishedIssue] = {}
    for issue in issues:
        first = seen.setdefault(issue.url.lower(), issue)
        if first is not issue:
            raise DraftError(
                f"{first.path.name} and {issue.path.name} would be the same page, {issue.url} "
                "(the same slug in the same month); give one of them another slug"
            )


def _order(issue: PublishedIssue) -> tuple[date, str]:
    """Issues in publication order: by as-of date, then file name (two posts of one week)."""
    return issue.as_of, issue.path.name


def closing_days(issues: Sequence[PublishedIssue]) -> dict[str, date]:
    """Call id -> the publication day of the first later issue that closes it.

    Only a valid close counts (``closes_problems``): an id no earlier issue made, or one an
    earlier issue already closed, is left out here and reported by ``ledger_problems``, so
    one bad post (published by an older version) never stops a build.
    """
    published: dict[str, date] = {}
    closed_on: dict[str, date] = {}
    for issue in sorted(issues, key=_order):
        for call_id in issue.closes:
            if call_id in published and published[call_id] < issue.as_of:
                closed_on.setdefault(call_id, issue.as_of)
        for call in issue.calls:
            if call.id in published:
                raise DraftError(f"{issue.path.name}: call id {call.id} is used by an earlier issue too")
            published[call.id] = issue.as_of
    return closed_on


OPEN_CALLS_LISTED = 10  # an unknown close lists this many open calls, then counts the rest


def closes_problems(issue: PublishedIssue, others: Sequence[PublishedIssue]) -> list[str]:
    """What is wrong with ``issue``'s ``closes`` among the ``others`` published issues (pure;
    the caller names the post).

    A close must name a call an earlier issue made, that no issue before this one closed, and
    that is not one of this issue's own calls. An unknown id is named with the closest open
    call (difflib) and the calls open on the issue's date (not closed, inside their horizon),
    so a typo is fixed at once instead of leaving a call open for ever.
    """
    made = {c.id: (i, c) for i in others for c in i.calls}
    mine = _order(issue)
    closer: dict[str, PublishedIssue] = {}
    for other in sorted(others, key=_order):
        if _order(other) >= mine:
            continue
        for call_id in other.closes:
            if call_id in made and made[call_id][0].as_of < other.as_of:
                closer.setdefault(call_id, other)
    open_ids = sorted(
        call_id
        for call_id, (maker, call) in made.items()
        if maker.as_of < issue.as_of
        and call_id not in closer
        and horizon_end(call, maker.as_of) > issue.as_of
    )
    own = {c.id for c in issue.calls}
    problems: list[str] = []
    for call_id in dict.fromkeys(issue.closes):
        if call_id in own:
            problems.append(f"closes {call_id!r}, a call this issue makes (a later issue closes it)")
        elif call_id not in made:
            hint = _suggest(call_id, open_ids)
            problems.append(f"closes {call_id!r}, which no published issue made{hint}")
        elif made[call_id][0].as_of >= issue.as_of:
            maker = made[call_id][0]
            which = "a later issue" if maker.as_of > issue.as_of else "another issue of the same date"
            problems.append(
                f"closes {call_id!r}, a call of {which} ({maker.path.name}, {maker.as_of})"
            )
        elif call_id in closer:
            problems.append(f"closes {call_id!r}, which {closer[call_id].path.name} already closed")
    return problems


def _suggest(call_id: str, open_ids: Sequence[str]) -> str:
    """``; did you mean X? (open calls: ...)`` for an unknown id."""
    close = difflib.get_close_matches(call_id, open_ids, n=1, cutoff=0.8)
    hint = f"; did you mean {close[0]}?" if close else ""
    if not open_ids:
        return f"{hint} (no call is open on its date)"
    shown = ", ".join(open_ids[:OPEN_CALLS_LISTED])
    more = f" and {len(open_ids) - OPEN_CALLS_LISTED} more" if len(open_ids) > OPEN_CALLS_LISTED else ""
    return f"{hint} (open calls: {shown}{more})"


def ledger_problems(issues: Sequence[PublishedIssue]) -> list[str]:
    """Every invalid close among published ``issues``, each naming its post: a build reports them
    and scores as if they were not there.
    """
    return [
        f"{issue.path.name}: {problem}; ignored"
        for issue in sorted(issues, key=_order)
        for problem in closes_problems(issue, [i for i in issues if i is not issue])
    ]


def score_ledger(issues: Sequence[PublishedIssue], prices: PriceHistory, through: date) -> list[CallScore]:
    """Score every call of ``issues`` through ``through``; a later ``closes`` ends a call."""
    closed_on = closing_days(issues)
    return [
        score_call(call, prices, published_on=issue.as_of, through=through, closed_on=closed_on.get(call.id))
        for issue in sorted(issues, key=lambda i: i.as_of)
        for call in issue.calls
    ]


def open_scores_as_of(issues: Sequence[PublishedIssue], prices: PriceHistory, as_of: date) -> list[CallScore]:
    """Calls published before ``as_of`` and still open on it (for an issue's calls section).

    Only calls whose horizon has not passed by the last session on or before ``as_of`` are
    scored: any other call has expired or ended earlier, so it cannot be open. This keeps a
    backfill's weekly cost proportional to the open calls, not to the whole archive.
    """
    earlier = [i for i in issues if i.as_of < as_of]
    index = prices.close.index
    sessions = index[index <= pd.Timestamp(as_of)]
    if not len(sessions):
        return []
    last_session = pd.Timestamp(sessions[-1]).date()
    closed_on = closing_days(earlier)
    scores = [
        score_call(call, prices, published_on=issue.as_of, through=as_of, closed_on=closed_on.get(call.id))
        for issue in earlier
        for call in issue.calls
        if horizon_end(call, issue.as_of) > last_session
    ]
    return [s for s in scores if not s.ended]


def score_published(
    issues: Sequence[PublishedIssue],
    load_prices: Callable[[SourceSpec], PriceHistory],
    configured: SourceSpec,
    *,
    today: date | None = None,
) -> tuple[list[CallScore], PriceHistory | None]:
    """Score every call with the prices of the source its issue was drafted from.

    Returns the scores and the prices of the newest issue's source (for the ticker pages);
    no prices when nothing is published. A source whose issues made no call is not loaded,
    unless it is the newest issue's. ``configured`` (newsletter.toml's source) is what the
    error for an issue without a source suggests. A store holding bars after ``today`` (the
    run's date; None: not checked) is refused: calls would be scored on days that have not come.
    """
    sources = {i.source: require_source(i, configured) for i in issues}
    scores: list[CallScore] = []
    latest: PriceHistory | None = None
    newest = issues[-1].source if issues else None
    for text in sorted(sources):
        group = [i for i in issues if i.source == text]
        if not any(i.calls for i in group) and text != newest:
            continue
        prices = load_prices(sources[text])
        if today is not None:
            refuse_future_bars(prices.close, today, text)
        if text == newest:
            latest = prices
        scores.extend(score_ledger(group, prices, prices.last_day))
    return scores, latest


def require_source(issue: PublishedIssue, configured: SourceSpec) -> SourceSpec:
    """The source a published post's ``rotation: source_spec`` names: its calls are scored with
    that source's prices. DraftError naming the post when it is missing or unknown.
    """
    if not issue.source:
        raise DraftError(
            f"{issue.path.name}: rotation: source_spec is missing, so its calls cannot be scored; "
            f"add the price source the issue was drafted from under `rotation:`, e.g. "
            f"`source_spec: {configured}` (newsletter.toml's [data] source)"
        )
    try:
        return SourceSpec.parse(issue.source)
    except ValueError as exc:
        raise DraftError(f"{issue.path.name}: rotation: source_spec: {exc}") from None
