"""Ticker pages: every issue that mentions a ticker, its current chart and signal state, its calls."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from generator.calls.ledger import PublishedIssue
from generator.charts import ChartFrame, build_price_chart
from generator.charts.engine import ChartJob
from generator.errors import DraftError
from generator.issue.text import render_template
from generator.signals.report import InstrumentSignals
from generator.site.model import (
    SiteInputs,
    call_page,
    cell,
    issue_link,
    page_slug,
    rel,
    site_chart,
    site_chart_ref,
    ticker_page,
)


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


def is_story(issue: PublishedIssue, ticker: str) -> bool:
    """True when ``ticker`` is one of the issue's stories, not a passing mention: it is named
    (as a whole word) in the title, the description (the lead story), a heading of the text,
    or one of the issue's calls.
    """
    word = re.compile(r"(?<![A-Za-z0-9.^=])" + re.escape(ticker) + r"(?![A-Za-z0-9])")
    headings = "\n".join(line for line in issue.body.splitlines() if line.startswith("#"))
    if any(word.search(text) for text in (issue.title, issue.description, headings)):
        return True
    return any(ticker in (c.ticker, c.benchmark) for c in issue.calls)


def _event_words(kind: str) -> str:
    match = re.fullmatch(r"high_(\d+)y_breakout", kind)
    if match:
        return f"{match.group(1)}-year high"
    return {"ath_breakout": "all-time high"}.get(kind, kind.replace("_", " "))


def event_lines(events: Sequence[Any], limit: int = 5) -> list[str]:
    """Recent events in words, newest first; events on the same close through the same level
    share a line (an all-time high is also a 1-, 3- and 5-year high).
    """
    grouped: dict[tuple[date, float, float], list[str]] = {}
    weeks: dict[tuple[date, float, float], int] = {}
    for event in sorted(events, key=lambda e: e.day, reverse=True):
        key = (event.day, round(event.level, 6), event.close)
        grouped.setdefault(key, []).append(_event_words(event.kind))
        weeks[key] = event.weeks_ago
    lines = []
    for (day, level, close), words in list(grouped.items())[:limit]:
        ago = weeks[(day, level, close)]
        when = "this week" if ago == 0 else "last week" if ago == 1 else f"{ago} weeks ago"
        names = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
        lines.append(f"{day} ({when}): {names}; weekly close {close:,.2f} through {level:,.2f}")
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
            "title": cell(i.title),
            "link": issue_link(i, inputs.content_dir, page),
            "story": is_story(i, ticker),
        }
        for i in reversed(found)
    ]
    return {
        "ticker": ticker,
        "file": Path(page).name,
        "name": cell(inputs.names.get(ticker, ticker)),
        "name_text": inputs.names.get(ticker, ticker),  # unescaped: for the front matter's `attr`
        "group": inputs.groups.get(ticker, "benchmark"),
        "benchmark": state.benchmark if state else None,
        "state": state,
        "events": event_lines(state.events if state else []),
        "chart": rel(f"assets/tickers/{page_slug(ticker)}.png", page),
        "chart_ref": None,  # how the page shows the chart, once it is planned
        "chart_site": f"assets/tickers/{page_slug(ticker)}.png",
        "last_close": state.last_close if state else None,
        "change_13w_pct": state.change_13w_pct if state else None,
        "pct_from_ath": state.pct_from_ath if state else None,
        "trend": relative.trend if relative else "",
        "mentions": mentioned,
        "stories": [m for m in mentioned if m["story"]],
        "passing": [m for m in mentioned if not m["story"]],
        "calls": [dict(r, page=rel(call_page(r["id"]), page)) for r in rows if ticker in r["tickers"]],
    }


def ticker_pages(
    env: jinja2.Environment,
    inputs: SiteInputs,
    rows: list[dict[str, Any]],
    frame: ChartFrame,
    charts: list[ChartJob],
) -> dict[str, str]:
    pages_of: dict[str, str] = {}
    for ticker in inputs.tickers:
        other = pages_of.setdefault(ticker_page(ticker), ticker)
        if other != ticker:
            raise DraftError(
                f"tickers {other} and {ticker} would share the page {ticker_page(ticker)}; "
                "spell the ticker one way in newsletter.toml and the issues' tags"
            )
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
        state = view["state"]
        if state is not None and inputs.prices is not None:
            ticker = view["ticker"]
            close = inputs.prices.close[ticker].dropna()
            job = site_chart(
                inputs,
                view["chart_site"],
                build_price_chart,
                close=close.iloc[-(window_days + 200):],  # the 200-day average is warm at the left edge
                ticker=ticker,
                name=inputs.names.get(ticker, ticker),
                frame=frame,
                ath_level=None if state.at_ath else state.ath_level,
                window_days=window_days,
                basis="Total-return closes" if state.one_close else "Quoted closes",
            )
            charts.append(job)
            view["chart_ref"] = site_chart_ref(inputs, job, ticker_page(ticker), f"{ticker} price chart")
        pages[ticker_page(view["ticker"])] = render_template(env, "site/ticker.md.j2", t=view)
    return pages
