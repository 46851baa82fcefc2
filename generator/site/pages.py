"""Site pages generated from published issues and the scored ledger: home, the ledger, one
page per call, the track record (ticker pages: ``site.tickers``).

Pure core: ``build_site_pages`` turns the site's inputs into page texts (by path under the
content folder) and the chart jobs those pages show; ``site.write`` is the edge that writes
them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

import jinja2
import pandas as pd

from generator.calls.ledger import PublishedIssue
from generator.calls.scoring import CallScore, TrackRecord, stop_threshold, track_record
from generator.charts import (
    CallOutcome,
    CallPath,
    ChartFrame,
    build_call_chart,
    build_track_record_chart,
    source_line,
)
from generator.charts.engine import ChartJob, chart_job
from generator.charts.social import render_social_card
from generator.data.prices import PriceHistory
from generator.errors import DraftError
from generator.issue.text import render_template
from generator.site.model import (
    SiteInputs,
    SitePages,
    call_page,
    cell,
    issue_link,
    lead_image_path,
    page_slug,
    rel,
    site_chart,
    site_chart_ref,
    status_badge,
    ticker_page,
    updown,
)
from generator.site.tickers import ticker_pages

STATUS_TEXT = {
    "open": "Open",
    "invalidated": "Invalidated",
    "expired": "Expired at its horizon",
    "closed": "Closed by a later issue",
}


def _call_row(score: CallScore, issue: PublishedIssue, inputs: SiteInputs, from_page: str) -> dict[str, Any]:
    """One call as every page shows it."""
    call = score.call
    legs = [call.ticker] + ([call.benchmark] if call.benchmark else [])
    return {
        "id": call.id,
        "position": call.position,
        "published": issue.as_of,
        "issue": issue_link(issue, inputs.content_dir, from_page),
        "issue_title": issue.title,
        "page": rel(call_page(call.id), from_page),
        "tickers": legs,
        "ticker_links": [(t, rel(ticker_page(t), from_page)) for t in legs],
        "category": call.category,
        "status": score.status,
        "result_pct": score.result_pct,
        "best_pct": score.best_pct,
        "worst_pct": score.worst_pct,
        "days_open": score.days_open,
    }


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
        thesis=cell(call.thesis),
        thesis_text=call.thesis or call.position,
        status_text=STATUS_TEXT.get(score.status, score.status)
        + (f" on {score.ended_on}" if score.ended_on and score.status != "open" else ""),
        chart=rel(f"assets/calls/{page_slug(call.id)}.png", page),
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
        ticker_pages=[{"ticker": t, "page": rel(ticker_page(t), page)} for t in legs if t in inputs.tickers],
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
    """All calls; by category; by year of publication (a group with no call is left out)."""
    by_category: dict[str, list[CallScore]] = defaultdict(list)
    by_year: dict[int, list[CallScore]] = defaultdict(list)
    for score in scores:
        by_category[score.call.category].append(score)
        if score.call.issue_date is not None:
            by_year[score.call.issue_date.year].append(score)
    groups = [
        ("All calls", [track_record("all calls", scores)]),
        ("By category", [track_record(k, v) for k, v in sorted(by_category.items())]),
        ("By year", [track_record(str(k), v) for k, v in sorted(by_year.items())]),
    ]
    return [(title, rows) for title, rows in groups if rows]


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
    outcomes = [
        CallOutcome(s.call.id, s.call.position, s.call.issue_date or date.min, s.result_pct, s.status)
        for s in scores
    ]
    record_job = site_chart(
        inputs, "assets/calls/track-record.png", build_track_record_chart, outcomes=outcomes,
                            frame=frame)
    charts.append(record_job)
    pages["calls/track-record.md"] = render_template(
        env,
        "site/track-record.md.j2",
        groups=[(title, [_labelled(r, title) for r in group]) for title, group in groups],
        through=inputs.through,
        synthetic=inputs.synthetic,
        chart=site_chart_ref(inputs, record_job, "calls/track-record.md", "Track record of the calls"),
    )
    for score in scores:
        issue = by_call[score.call.id]
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
        job = site_chart(inputs, f"assets/calls/{page_slug(score.call.id)}.png", build_call_chart, call=path,
                         frame=call_frame)
        charts.append(job)
        row = _call_detail(score, issue, inputs)
        row["chart_ref"] = site_chart_ref(
            inputs, job, call_page(score.call.id), f"{score.call.position}: its return since publication"
        )
        pages[call_page(score.call.id)] = render_template(env, "site/call.md.j2", row=row)
    pages.update(ticker_pages(env, inputs, ledger_rows, frame, charts))
    pages["index.md"] = _home(env, inputs, ledger_rows, record)
    charts.extend(_social_cards(inputs))
    return SitePages(pages, charts)


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    return dict(row, position=cell(row["position"]), category=cell(row["category"]))


def _labelled(record: TrackRecord, title: str) -> dict[str, Any]:
    kind = {"By category": "category", "By year": "year"}.get(title, "")
    return dict(record.__dict__, hit_rate_pct=record.hit_rate_pct, label_kind=kind, label=cell(record.label))


def _source_line(inputs: SiteInputs) -> str:
    if inputs.prices is None:
        return ""
    return source_line(inputs.prices.source_label, inputs.prices.synthetic)


def _home(
    env: jinja2.Environment, inputs: SiteInputs, rows: list[dict[str, Any]], record: TrackRecord
) -> str:
    newest = sorted(inputs.issues, key=lambda i: i.as_of, reverse=True)

    def link(issue: PublishedIssue) -> dict[str, Any]:
        path = lead_image_path(issue, inputs.content_dir)
        image = rel(path.relative_to(inputs.content_dir.resolve()).as_posix(), "index.md") if path else None
        return {
            "title": issue.title,
            "as_of": issue.as_of,
            "description": issue.description,
            "link": issue_link(issue, inputs.content_dir, "index.md"),
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
        open_calls=[dict(r, page=rel(call_page(r["id"]), "index.md")) for r in rows if r["status"] == "open"],
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
