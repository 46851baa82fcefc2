"""Site pages generated from published issues and the scored ledger.

Pure core: ``build_site_pages`` turns issues, scores and the latest signal report into page
texts (by path under the content folder) and the chart jobs those pages show. Edge:
``write_site`` writes only the files whose bytes changed and removes generated files that
no longer belong (a call that left the ledger), so MkDocs and git see no churn.

Generated folders (owned by the build; do not edit by hand): ``calls/``, ``tickers/`` and
``assets/{calls,tickers,social}/`` under the content folder, and its ``index.md``.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from generator.calls import CallScore, TrackRecord, stop_threshold, track_record
from generator.charts import ChartFrame, build_price_chart
from generator.config import Settings
from generator.drafts import render_template
from generator.errors import DraftError
from generator.fsio import write_text_if_changed
from generator.ledger import PublishedIssue
from generator.prices import PriceHistory
from generator.signals.report import InstrumentSignals, SignalReport
from generator.sitecharts import (
    CallOutcome,
    CallPath,
    ChartJob,
    build_call_chart,
    build_track_record_chart,
    chart_job,
    draw_cached,
    render_social_card,
)

GENERATED_DIRS = ("calls", "tickers", "assets/calls", "assets/tickers", "assets/social")
STATUS_TEXT = {
    "open": "Open",
    "invalidated": "Invalidated",
    "expired": "Expired at its horizon",
    "closed": "Closed by a later issue",
}


def page_slug(text: str) -> str:
    """A file-name-safe, lower-case slug (``^GSPC`` -> ``gspc``, ``BRK.B`` -> ``brk-b``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def ticker_page(ticker: str) -> str:
    """The ticker page, relative to the content folder."""
    return f"tickers/{page_slug(ticker)}.md"


def call_page(call_id: str) -> str:
    """The call page, relative to the content folder."""
    return f"calls/{page_slug(call_id)}.md"


def _rel(target: str, from_page: str) -> str:
    """A relative link from one content page to another content file (both content-relative)."""
    return Path(os.path.relpath(target, Path(from_page).parent)).as_posix()


@dataclass(frozen=True)
class SiteInputs:
    """Everything the generated pages show."""

    content_dir: Path
    site_title: str
    site_description: str
    issues: Sequence[PublishedIssue]
    scores: Sequence[CallScore]
    prices: PriceHistory | None  # for ticker pages and call "now" prices; None without a store
    report: SignalReport | None
    tickers: Sequence[str]
    names: Mapping[str, str]
    groups: Mapping[str, str]  # ticker -> group label
    through: date | None
    synthetic: bool
    chart_history_weeks: int = 156
    issue_cards: Mapping[str, bytes | None] = field(default_factory=dict)  # slug -> lead chart PNG


@dataclass
class SitePages:
    """Page texts by content-relative path, and the images they show."""

    pages: dict[str, str]
    charts: list[ChartJob]


def _issue_link(issue: PublishedIssue, content_dir: Path, from_page: str) -> str:
    return _rel(issue.path.relative_to(content_dir).as_posix(), from_page)


def _call_row(score: CallScore, issue: PublishedIssue, inputs: SiteInputs, from_page: str) -> dict[str, Any]:
    """One call as every page shows it."""
    call = score.call
    legs = [call.ticker] + ([call.benchmark] if call.benchmark else [])
    return {
        "id": call.id,
        "position": call.position,
        "published": issue.as_of,
        "issue": _issue_link(issue, inputs.content_dir, from_page),
        "issue_title": issue.title,
        "page": _rel(call_page(call.id), from_page),
        "tickers": legs,
        "ticker_links": [(t, _rel(ticker_page(t), from_page)) for t in legs],
        "category": call.category,
        "status": score.status,
        "result_pct": score.result_pct,
        "best_pct": score.best_pct,
        "worst_pct": score.worst_pct,
        "days_open": score.days_open,
    }


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _call_detail(score: CallScore, issue: PublishedIssue, inputs: SiteInputs) -> dict[str, Any]:
    """The fields of one call's page: as published vs now."""
    page = call_page(score.call.id)
    call = score.call
    row = _call_row(score, issue, inputs, page)
    legs = row["tickers"]
    entry_text = ", ".join(f"{t} {call.entry[t]:,.2f}" for t in legs if t in call.entry) or "n/a"
    now_text = "n/a"
    threshold: float | None = None
    if inputs.prices is not None:
        last = score.last_day or score.entry_day
        closes = inputs.prices.close.loc[: pd.Timestamp(last), legs].dropna()
        if len(closes):
            now_text = f"{closes.index[-1].date()}: " + ", ".join(
                f"{t} {closes[t].iloc[-1]:,.2f}" for t in legs
            )
        threshold = stop_threshold(call, inputs.prices, pd.Timestamp(score.entry_day))
    if call.stop is not None:
        word = "below" if call.direction == "long" else "above"
        invalidation = f"weekly close {word} {call.stop:,.2f}"
        invalidation_now = "hit" if score.status == "invalidated" else "not hit"
        if threshold is not None and abs(threshold - call.stop) > 1e-9:
            invalidation_now += f" (after a split: {threshold:,.2f})"
    else:
        invalidation = f"return below {call.stop_pct:+.1f}%"
        invalidation_now = "hit" if score.status == "invalidated" else "not hit"
    row.update(
        thesis=_cell(call.thesis),
        thesis_text=call.thesis or call.position,
        status_text=STATUS_TEXT.get(score.status, score.status)
        + (f" on {score.ended_on}" if score.ended_on and score.status != "open" else ""),
        chart=_rel(f"assets/calls/{page_slug(call.id)}.png", page),
        chart_site=f"assets/calls/{page_slug(call.id)}.png",
        entry_text=entry_text,
        now_text=now_text if score.sessions else "no close since publication yet",
        invalidation_text=invalidation,
        invalidation_now=invalidation_now,
        horizon_weeks=call.horizon_weeks,
        horizon_end=score.horizon_end,
        sessions=score.sessions,
        entry_day=score.entry_day,
        relative=call.relative,
        ticker=call.ticker,
        benchmark=call.benchmark,
        ticker_pages=[{"ticker": t, "page": _rel(ticker_page(t), page)} for t in legs if t in inputs.tickers],
    )
    return row


def _invalidation_pct(score: CallScore, prices: PriceHistory | None) -> float | None:
    """The stop on the chart's return scale: stop_pct, or ``100 * s * (stop / entry - 1)``."""
    call = score.call
    if call.stop_pct is not None:
        return call.stop_pct
    if call.stop is None or prices is None:
        return None
    threshold = stop_threshold(call, prices, pd.Timestamp(score.entry_day))
    entry = prices.close[call.ticker].get(pd.Timestamp(score.entry_day))
    if threshold is None or entry is None or not entry:
        return None
    sign = 1.0 if call.direction == "long" else -1.0
    return float(100.0 * sign * (threshold / float(entry) - 1.0))


def track_record_groups(scores: Sequence[CallScore]) -> list[tuple[str, list[TrackRecord]]]:
    """All calls; by category; by year of publication."""
    by_category: dict[str, list[CallScore]] = defaultdict(list)
    by_year: dict[int, list[CallScore]] = defaultdict(list)
    for score in scores:
        by_category[score.call.category].append(score)
        if score.call.issue_date is not None:
            by_year[score.call.issue_date.year].append(score)
    return [
        ("All calls", [track_record("all calls", scores)]),
        ("By category", [track_record(k, v) for k, v in sorted(by_category.items())]),
        ("By year", [track_record(str(k), v) for k, v in sorted(by_year.items())]),
    ]


def mentions(issues: Sequence[PublishedIssue], tickers: Sequence[str]) -> dict[str, list[PublishedIssue]]:
    """Ticker -> the issues whose text or tags name it (as a whole word), oldest first."""
    if not tickers:
        return {}
    pattern = re.compile(
        r"(?<![A-Za-z0-9.^=])("
        + "|".join(map(re.escape, sorted(tickers, key=len, reverse=True)))
        + r")(?![A-Za-z0-9])"
    )
    found: dict[str, list[PublishedIssue]] = {t: [] for t in tickers}
    for issue in sorted(issues, key=lambda i: i.as_of):
        named = set(pattern.findall(issue.title + "\n" + issue.body)) | (set(issue.tags) & set(tickers))
        for ticker in named:
            found[ticker].append(issue)
    return found


def _event_words(kind: str) -> str:
    match = re.fullmatch(r"high_(\d+)y_breakout", kind)
    if match:
        return f"{match.group(1)}-year high"
    return {"ath_breakout": "all-time high"}.get(kind, kind.replace("_", " "))


def event_lines(events: Sequence[Any]) -> list[str]:
    """Recent events in words; events on the same close through the same level share a line."""
    grouped: dict[tuple[date, float, float], list[str]] = {}
    weeks: dict[tuple[date, float, float], int] = {}
    for event in events:
        key = (event.day, round(event.level, 6), event.close)
        grouped.setdefault(key, []).append(_event_words(event.kind))
        weeks[key] = event.weeks_ago
    lines = []
    for (day, level, close), words in grouped.items():
        when = "this week" if weeks[(day, level, close)] == 0 else f"{weeks[(day, level, close)]} weeks ago"
        names = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
        lines.append(f"{day} ({when}): a weekly close of {close:,.2f} above its prior {names} ({level:,.2f})")
    return lines


def _ticker_view(
    ticker: str, inputs: SiteInputs, found: list[PublishedIssue], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    page = ticker_page(ticker)
    state: InstrumentSignals | None = inputs.report.instruments.get(ticker) if inputs.report else None
    relative = state.relative if state else None
    mentioned = [
        {
            "as_of": i.as_of,
            "title": _cell(i.title),
            "link": _issue_link(i, inputs.content_dir, page),
            "featured": ticker in i.tags,
        }
        for i in reversed(found)
    ]
    return {
        "ticker": ticker,
        "file": Path(page).name,
        "name": _cell(inputs.names.get(ticker, ticker)),
        "group": inputs.groups.get(ticker, "benchmark"),
        "benchmark": state.benchmark if state else None,
        "state": state,
        "events": event_lines(state.events if state else []),
        "chart": _rel(f"assets/tickers/{page_slug(ticker)}.png", page),
        "chart_site": f"assets/tickers/{page_slug(ticker)}.png",
        "last_close": state.last_close if state else None,
        "change_13w_pct": state.change_13w_pct if state else None,
        "pct_from_ath": state.pct_from_ath if state else None,
        "trend": relative.trend if relative else "",
        "mentions": mentioned,
        "featured": sum(1 for m in mentioned if m["featured"]),
        "calls": [dict(r, page=_rel(call_page(r["id"]), page)) for r in rows if ticker in r["tickers"]],
    }


def updown(value: float | None, digits: int = 1) -> str:
    """A signed percent in a span coloured by its sign (``rd-up`` / ``rd-down``); n/a for None."""
    if value is None:
        return "n/a"
    kind = "up" if value > 0 else "down" if value < 0 else "flat"
    return f'<span class="rd-{kind}">{value:+.{digits}f}%</span>'


def status_badge(status: str) -> str:
    """A call's status as a small badge."""
    return f'<span class="rd-status rd-status--{page_slug(status)}">{status}</span>'


def build_site_pages(env: jinja2.Environment, inputs: SiteInputs) -> SitePages:
    """Every generated page and chart (pure: nothing is read or written here)."""
    env.filters.update(updown=updown, status=status_badge)
    by_call = {c.id: i for i in inputs.issues for c in i.calls}
    scores = sorted(inputs.scores, key=lambda s: (s.call.issue_date or date.min, s.call.id), reverse=True)
    seen_pages: dict[str, str] = {}
    for score in scores:
        other = seen_pages.setdefault(call_page(score.call.id), score.call.id)
        if other != score.call.id:
            raise DraftError(f"calls {other} and {score.call.id} would share the page {call_page(other)}")
    newest = max((i.as_of for i in inputs.issues), default=None)
    frame = ChartFrame(inputs.site_title, inputs.through or newest or date(1970, 1, 1), _source_line(inputs))
    pages: dict[str, str] = {}
    charts: list[ChartJob] = []
    ledger_rows = [_call_row(s, by_call[s.call.id], inputs, "calls/index.md") for s in scores]
    groups = track_record_groups(scores)
    record = groups[0][1][0]
    pages["calls/index.md"] = render_template(
        env,
        "site/calls.md.j2",
        rows=[_cells(r) for r in ledger_rows],
        record=record,
        through=inputs.through,
        synthetic=inputs.synthetic,
    )
    pages["calls/track-record.md"] = render_template(
        env,
        "site/track-record.md.j2",
        groups=[(title, [_labelled(r, title) for r in group]) for title, group in groups],
        through=inputs.through,
        synthetic=inputs.synthetic,
    )
    outcomes = [
        CallOutcome(s.call.id, s.call.position, s.call.issue_date or date.min, s.result_pct, s.status)
        for s in scores
    ]
    charts.append(
        chart_job(
            inputs.content_dir / "assets/calls/track-record.png",
            build_track_record_chart,
            outcomes=outcomes,
            frame=frame,
        )
    )
    for score in scores:
        issue = by_call[score.call.id]
        pages[call_page(score.call.id)] = render_template(
            env, "site/call.md.j2", row=_call_detail(score, issue, inputs)
        )
        path = CallPath(
            score.call.id,
            score.call.position,
            issue.as_of,
            score.path,
            score.status,
            _invalidation_pct(score, inputs.prices),
            score.horizon_end,
        )
        # An ended call's chart is frozen: its frame date is the day it ended, so new prices
        # never redraw it.
        call_frame = ChartFrame(frame.site_title, score.ended_on or frame.as_of, frame.source_line)
        charts.append(
            chart_job(
                inputs.content_dir / f"assets/calls/{page_slug(score.call.id)}.png",
                build_call_chart,
                call=path,
                frame=call_frame,
            )
        )
    pages.update(_ticker_pages(env, inputs, ledger_rows, frame, charts))
    pages["index.md"] = _home(env, inputs, ledger_rows, record)
    charts.extend(_social_cards(inputs))
    return SitePages(pages, charts)


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    return dict(row, position=_cell(row["position"]), category=_cell(row["category"]))


def _labelled(record: TrackRecord, title: str) -> dict[str, Any]:
    kind = {"By category": "category", "By year": "year"}.get(title, "")
    return dict(record.__dict__, hit_rate_pct=record.hit_rate_pct, label_kind=kind, label=_cell(record.label))


def _source_line(inputs: SiteInputs) -> str:
    if inputs.prices is None:
        return ""
    return f"Data: {inputs.prices.source_label}"


def _ticker_pages(
    env: jinja2.Environment,
    inputs: SiteInputs,
    rows: list[dict[str, Any]],
    frame: ChartFrame,
    charts: list[ChartJob],
) -> dict[str, str]:
    found = mentions(inputs.issues, inputs.tickers)
    views = [_ticker_view(t, inputs, found[t], rows) for t in inputs.tickers]
    pages = {
        "tickers/index.md": render_template(
            env,
            "site/tickers.md.j2",
            tickers=views,
            as_of=inputs.report.last_session if inputs.report else None,
        )
    }
    window_days = inputs.chart_history_weeks * 5
    for view in views:
        pages[ticker_page(view["ticker"])] = render_template(env, "site/ticker.md.j2", t=view)
        state = view["state"]
        if state is None or inputs.prices is None:
            continue
        close = inputs.prices.close[view["ticker"]].dropna()
        charts.append(
            chart_job(
                inputs.content_dir / view["chart_site"],
                build_price_chart,
                close=close.iloc[-window_days:],
                ticker=view["ticker"],
                name=inputs.names.get(view["ticker"], view["ticker"]),
                frame=frame,
                ath_level=None if state.at_ath else state.ath_level,
                window_days=window_days,
            )
        )
    return pages


def _home(
    env: jinja2.Environment, inputs: SiteInputs, rows: list[dict[str, Any]], record: TrackRecord
) -> str:
    newest = sorted(inputs.issues, key=lambda i: i.as_of, reverse=True)

    def link(issue: PublishedIssue) -> dict[str, Any]:
        image = None
        if issue.image:
            image = _rel(
                (issue.path.parent / issue.image)
                .resolve()
                .relative_to(inputs.content_dir.resolve())
                .as_posix(),
                "index.md",
            )
        return {
            "title": issue.title,
            "as_of": issue.as_of,
            "description": issue.description,
            "link": _issue_link(issue, inputs.content_dir, "index.md"),
            "image": image,
        }

    return render_template(
        env,
        "site/home.md.j2",
        site={"title": inputs.site_title, "description": inputs.site_description},
        synthetic=inputs.synthetic,
        latest=link(newest[0]) if newest else None,
        recent=[link(i) for i in newest[1:8]],
        record=record,
        open_calls=[
            dict(r, page=_rel(call_page(r["id"]), "index.md")) for r in rows if r["status"] == "open"
        ],
    )


def _social_cards(inputs: SiteInputs) -> list[ChartJob]:
    """One 1200 x 630 card per issue from its lead chart, and one for the site."""
    jobs = [
        chart_job(
            inputs.content_dir / "assets/social" / f"{issue.slug}.png",
            render_social_card,
            title=issue.title,
            subtitle=f"Week ending {issue.as_of:%B} {issue.as_of.day}, {issue.as_of.year}",
            site_title=inputs.site_title,
            chart_png=inputs.issue_cards.get(issue.slug),
            synthetic=issue.synthetic,
        )
        for issue in inputs.issues
    ]
    jobs.append(
        chart_job(
            inputs.content_dir / "assets/social/site.png",
            render_social_card,
            title=inputs.site_title,
            subtitle=inputs.site_description,
            site_title=inputs.site_title,
            chart_png=None,
            synthetic=inputs.synthetic,
        )
    )
    return jobs


def lead_chart_bytes(issue: PublishedIssue) -> bytes | None:
    """The PNG bytes of an issue's lead chart, if it has one on disk (read at the edge)."""
    if not issue.image or not issue.image.endswith(".png"):
        return None
    path = (issue.path.parent / issue.image).resolve()
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


def write_site(content_dir: Path, site: SitePages, *, cache_dir: Path | None, workers: int = 1) -> WriteStats:
    """Write changed pages, draw changed charts, delete generated files no longer produced."""
    written = sum(write_text_if_changed(content_dir / rel, text) for rel, text in site.pages.items())
    drawn = draw_cached(site.charts, cache_dir, workers=workers)
    keep = {(content_dir / rel).resolve() for rel in site.pages} | {job.path.resolve() for job in site.charts}
    removed = prune_generated(content_dir, keep)
    return WriteStats(len(site.pages), written, drawn.jobs, drawn.drawn, drawn.written, removed)


def prune_generated(content_dir: Path, keep: set[Path]) -> int:
    """Delete files under the generated folders that this build did not produce."""
    removed = 0
    for folder in GENERATED_DIRS:
        base = content_dir / folder
        for path in sorted(base.rglob("*")) if base.is_dir() else []:
            if path.is_file() and path.suffix in (".md", ".png") and path.resolve() not in keep:
                path.unlink()
                removed += 1
    return removed


def site_inputs(
    settings: Settings,
    issues: Sequence[PublishedIssue],
    scores: Sequence[CallScore],
    *,
    prices: PriceHistory | None,
    report: SignalReport | None,
    through: date | None,
) -> SiteInputs:
    """Gather the inputs of the generated pages (reads each issue's lead chart)."""
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
        through=through,
        synthetic=any(i.synthetic for i in issues),
        chart_history_weeks=settings.issue.chart_history_weeks,
        issue_cards={i.slug: lead_chart_bytes(i) for i in issues},
    )
