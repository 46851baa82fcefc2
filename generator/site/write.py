"""The site's writing edge: gather inputs from disk, write changed pages and charts, prune.

Generated folders (owned by the build; do not edit by hand): ``calls/``, ``tickers/`` and
``assets/{calls,tickers,social}/`` under the content folder, and its ``index.md``. A file
there that this build did not produce (a call that left the ledger) is removed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from generator.calls.ledger import PublishedIssue
from generator.calls.scoring import CallScore
from generator.calls.trackrecord import CallVsBenchmark, compare_calls
from generator.charts.engine import ChartCache, draw_charts, variant_path
from generator.config import Settings, SourceSpec
from generator.data.prices import PriceHistory
from generator.fsio import remove_file, write_all_if_changed
from generator.issue.charts import chart_workers
from generator.issue.guide import write_guide
from generator.issue.text import template_env
from generator.paths import Layout
from generator.signals import compute_signals
from generator.signals.report import SignalReport
from generator.site.issue_signals import write_issue_signals
from generator.site.model import LeadChart, SiteInputs, SitePages, lead_image_path, png_size
from generator.site.pages import build_site_pages

GENERATED_DIRS = ("calls", "tickers", "about", "assets/calls", "assets/tickers", "assets/social")
GENERATED_SUFFIXES = (".md", ".png", ".csv", ".json")
# Each issue's downloads sit next to its page: issues/<yyyy>/<MM>/<slug>/{calls.csv,signals.json}.
ISSUE_DATA_GLOB = "issues/[0-9][0-9][0-9][0-9]/*/*/*"
ISSUE_DATA_NAMES = ("calls.csv", "signals.json")


def lead_chart_bytes(issue: PublishedIssue, content_dir: Path) -> bytes | None:
    """The PNG bytes of an issue's lead chart, if it has one in the content folder (read at the edge)."""
    path = lead_image_path(issue, content_dir)
    if path is None or path.suffix != ".png":
        return None
    return path.read_bytes() if path.is_file() else None


@dataclass(frozen=True)
class WriteStats:
    """What ``write_site`` did."""

    pages: int
    pages_written: int
    charts: int
    charts_drawn: int
    charts_written: int
    removed: int


def write_site(
    content_dir: Path, site: SitePages, *, cache: ChartCache, workers: int = 1, kept: Sequence[Path] = ()
) -> WriteStats:
    """Write changed pages, draw changed charts, delete generated files no longer produced
    (``kept``: generated files written elsewhere, such as each issue's signals).
    """
    written = write_all_if_changed(
        (content_dir / rel, text.encode("utf-8")) for rel, text in site.pages.items()
    )
    drawn = draw_charts(site.charts, cache=cache, workers=workers)
    keep = {(content_dir / rel).resolve() for rel in site.pages}
    keep |= {output.path.resolve() for job in site.charts for output in job.outputs}
    keep |= {path.resolve() for path in kept}
    removed = prune_generated(content_dir, keep)
    return WriteStats(len(site.pages), written, drawn.jobs, drawn.drawn, drawn.written, removed)


def generate_site(
    settings: Settings,
    issues: Sequence[PublishedIssue],
    scores: Sequence[CallScore],
    prices: PriceHistory | None,
    load: Callable[[SourceSpec], PriceHistory],
) -> WriteStats:
    """The generated pages and their charts (``site.pages``), each published issue's frozen
    signals file (``site.issue_signals``) and the editor's guide, written into the content folder
    where their bytes changed. The ticker pages show the signals as of the last day of ``prices``
    (the newest issue's source); each call is set beside its benchmark with the prices of the
    source its issue was drafted from (``load``: a source's prices).
    """
    layout = Layout.of(settings)

    def prices_of(spec: str) -> PriceHistory:  # an issue's source as its front matter names it
        return load(SourceSpec.parse(spec))

    report = compute_signals(prices, settings, prices.last_day) if prices is not None else None
    env = template_env(settings)
    versus = compare_calls(issues, scores, prices_of, settings.benchmark)
    inputs = site_inputs(settings, issues, scores, prices=prices, report=report, versus=versus)
    pages = build_site_pages(env, inputs)
    signals_files, signals_written = write_issue_signals(
        layout.content, issues, lambda issue: compute_signals(prices_of(issue.source), settings, issue.as_of)
    )
    cache = ChartCache(layout.chart_cache)
    stats = write_site(layout.content, pages, cache=cache, workers=chart_workers(settings), kept=signals_files)
    guide = write_guide(env, list(settings.issue.sections), layout.guide_page, old=layout.old_guide_page)
    written = stats.pages_written + len(guide) + signals_written
    return replace(stats, pages=stats.pages + 1, pages_written=written)


def prune_generated(content_dir: Path, keep: set[Path]) -> int:
    """Delete files under the generated folders that this build did not produce."""
    removed = 0
    found = [p for folder in GENERATED_DIRS for p in sorted((content_dir / folder).rglob("*"))]
    found += [p for p in sorted(content_dir.glob(ISSUE_DATA_GLOB)) if p.name in ISSUE_DATA_NAMES]
    for path in found:
        if path.is_file() and path.suffix in GENERATED_SUFFIXES and path.resolve() not in keep:
            remove_file(path)
            removed += 1
    return removed


def site_inputs(
    settings: Settings,
    issues: Sequence[PublishedIssue],
    scores: Sequence[CallScore],
    *,
    prices: PriceHistory | None,
    report: SignalReport | None,
    versus: Mapping[str, CallVsBenchmark] | None = None,
) -> SiteInputs:
    """Gather the inputs of the generated pages (reads each issue's lead chart); the calls are
    scored through the last day of ``prices``.
    """
    # Every tag of a published issue gets a ticker page too, so a tag link always lands.
    tickers = list(dict.fromkeys([*settings.tickers, *sorted({t for i in issues for t in i.tags})]))
    groups: dict[str, str] = {}
    for group in settings.groups.values():
        for ticker in group.tickers:
            groups.setdefault(ticker, group.label)
    for ticker in tickers:
        groups.setdefault(ticker, "benchmark" if ticker in settings.tickers else "not in newsletter.toml")
    return SiteInputs(
        content_dir=settings.content_dir,
        site_title=settings.site.title,
        site_description=settings.site.description,
        issues=issues,
        scores=scores,
        prices=prices,
        report=report,
        tickers=tickers,
        names={t: settings.name_of(t) for t in tickers},
        groups=groups,
        through=prices.last_day if prices is not None else None,
        synthetic=any(i.synthetic for i in issues),
        chart_history_weeks=settings.issue.chart_history_weeks,
        issue_cards={i.slug: lead_chart_bytes(i, settings.content_dir) for i in issues},
        site_author=settings.site.author,
        benchmark=settings.benchmark,
        versus=versus or {},
        category_labels=category_labels(settings),
        signup=settings.site.signup,
        public_guide=settings.site.public_guide,
        signal_settings=settings.signals,
        lead_charts=lead_charts(issues, settings.content_dir),
        dark_charts=settings.charts.dark_variants,
        narrow_charts=settings.charts.narrow_variants,
    )


def lead_charts(issues: Sequence[PublishedIssue], content_dir: Path) -> dict[str, LeadChart]:
    """Slug -> the issue's lead chart with the dark and phone copies found beside it (a PNG only)."""
    found: dict[str, LeadChart] = {}
    for issue in issues:
        path = lead_image_path(issue, content_dir)
        size = _png_file_size(path) if path is not None and path.suffix == ".png" else None
        if path is None or size is None:
            continue
        copies = {
            (layout, theme): variant_path(path, layout, theme)
            for layout, theme in (("wide", "dark"), ("narrow", "light"), ("narrow", "dark"))
        }
        sizes = {key: _png_file_size(copy) for key, copy in copies.items()}
        narrow_size = sizes[("narrow", "light")]
        found[issue.slug] = LeadChart(
            path,
            size,
            dark=copies[("wide", "dark")] if sizes[("wide", "dark")] else None,
            # A phone copy without its light form is of no use: the light one is the fallback.
            narrow=copies[("narrow", "light")] if narrow_size else None,
            narrow_dark=copies[("narrow", "dark")] if narrow_size and sizes[("narrow", "dark")] else None,
            narrow_size=narrow_size or (720, 900),
        )
    return found


def _png_file_size(path: Path) -> tuple[int, int] | None:
    try:
        with path.open("rb") as handle:
            return png_size(handle.read(24))
    except OSError:
        return None


def category_labels(settings: Settings) -> dict[str, str]:
    """Category -> its readable name: the label of the first group with that category."""
    labels: dict[str, str] = {}
    for group in settings.groups.values():
        labels.setdefault(group.category, group.label)
    return labels
