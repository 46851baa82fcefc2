"""The site's writing edge: gather inputs from disk, write changed pages and charts, prune.

Generated folders (owned by the build; do not edit by hand): ``calls/``, ``tickers/`` and
``assets/{calls,tickers,social}/`` under the content folder, and its ``index.md``. A file
there that this build did not produce (a call that left the ledger) is removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from generator.calls.ledger import PublishedIssue
from generator.calls.scoring import CallScore
from generator.charts.engine import ChartCache, draw_charts
from generator.config import Settings
from generator.data.prices import PriceHistory
from generator.fsio import remove_file, write_all_if_changed
from generator.issue.charts import chart_workers
from generator.issue.guide import write_guide
from generator.issue.text import template_env
from generator.paths import Layout
from generator.signals import compute_signals
from generator.signals.report import SignalReport
from generator.site.model import SiteInputs, SitePages, lead_image_path
from generator.site.pages import build_site_pages

GENERATED_DIRS = ("calls", "tickers", "assets/calls", "assets/tickers", "assets/social")


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


def write_site(content_dir: Path, site: SitePages, *, cache: ChartCache, workers: int = 1) -> WriteStats:
    """Write changed pages, draw changed charts, delete generated files no longer produced."""
    written = write_all_if_changed(
        (content_dir / rel, text.encode("utf-8")) for rel, text in site.pages.items()
    )
    drawn = draw_charts(site.charts, cache=cache, workers=workers)
    keep = {(content_dir / rel).resolve() for rel in site.pages}
    keep |= {output.path.resolve() for job in site.charts for output in job.outputs}
    removed = prune_generated(content_dir, keep)
    return WriteStats(len(site.pages), written, drawn.jobs, drawn.drawn, drawn.written, removed)


def generate_site(
    settings: Settings,
    issues: Sequence[PublishedIssue],
    scores: Sequence[CallScore],
    prices: PriceHistory | None,
) -> WriteStats:
    """The generated pages and their charts (``site.pages``), and the editor's guide, written into
    the content folder where their bytes changed; the ticker pages show the signals as of the last
    day of ``prices`` (the newest issue's source).
    """
    layout = Layout.of(settings)
    report = compute_signals(prices, settings, prices.last_day) if prices is not None else None
    env = template_env(settings)
    pages = build_site_pages(env, site_inputs(settings, issues, scores, prices=prices, report=report))
    cache = ChartCache(layout.chart_cache)
    stats = write_site(layout.content, pages, cache=cache, workers=chart_workers(settings))
    guide = write_guide(env, list(settings.issue.sections), layout.guide_page)
    return replace(stats, pages=stats.pages + 1, pages_written=stats.pages_written + len(guide))


def prune_generated(content_dir: Path, keep: set[Path]) -> int:
    """Delete files under the generated folders that this build did not produce."""
    removed = 0
    for folder in GENERATED_DIRS:
        base = content_dir / folder
        for path in sorted(base.rglob("*")) if base.is_dir() else []:
            if path.is_file() and path.suffix in (".md", ".png") and path.resolve() not in keep:
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
        dark_charts=settings.charts.dark_variants,
        narrow_charts=settings.charts.narrow_variants,
    )
