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
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from generator.calls.ledger import PublishedIssue
from generator.calls.scoring import CallScore, TrackRecord, stop_threshold, track_record
from generator.calls.scoring import CallScore, stop_threshold
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
from generator.calls.ledger import PublishedIssue
from generator.site.downloads import CALL_COLUMNS, RECORD_COLUMNS, call_record, record_records, to_csv, to_json
from generator.site.model import (
    SiteInputs,
    SitePages,
    call_page,
    category_label,
    cell,
    issue_data_file,
    issue_link,
    lead_image_path,
    page_slug,
    rel,
    sentences,
    site_chart,
    site_chart_ref,
    status_badge,
    ticker_page,
    updown,
)
from generator.site.tickers import ticker_pages
from generator.calls.trackrecord import BASE_RATE_YEARS, RecordRow, record_groups

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
    versus = inputs.versus.get(call.id)
    return {
        "id": call.id,
        "position": call.position,
        "published": issue.as_of,
        "issue": issue_link(issue, inputs.content_dir, from_page),
        "issue_title": issue.title,
        "page": rel(call_page(call.id), from_page),
        "tickers": legs,
        "ticker_links": [(t, rel(ticker_page(t), from_page)) for t in legs],
        "category": category_label(call.category, inputs.category_labels),
        "status": score.status,
        "result_pct": score.result_pct,
        "best_pct": score.best_pct,
        "worst_pct": score.worst_pct,
        "days_open": score.days_open,
        "ended_on": score.ended_on,
        "benchmark": versus.benchmark if versus else None,
        "benchmark_pct": versus.benchmark_pct if versus else None,
        "excess_pct": versus.excess_pct if versus else None,
        "base_rate_pct": versus.base_rate_pct if versus else None,
        "relative": call.relative,
    }


def _call_detail(
    score: CallScore, issue: PublishedIssue, inputs: SiteInputs, from_page: str | None = None
) -> dict[str, Any]:
    """The fields of one call's page (or of its card on ``from_page``): as published vs now."""
    page = from_page or call_page(score.call.id)
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
        against=call.benchmark,
        base_entries=inputs.versus[call.id].base_entries if call.id in inputs.versus else 0,
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


def long_day(day: date) -> str:
    """``Jun 26, 2026``."""
    return f"{day:%b} {day.day}, {day.year}"


def short_day(day: date) -> str:
    """``Jun 26``."""
    return f"{day:%b} {day.day}"


def _record_view(row: RecordRow, kind: str) -> dict[str, Any]:
    return dict(row.__dict__, label_kind=kind, label=cell(row.label))


def _record_line(row: RecordRow, benchmark: str) -> dict[str, Any]:
    """The track record in one line: the fields the templates' ``record`` sentence uses."""
    return dict(row.__dict__, benchmark=benchmark)


def build_site_pages(env: jinja2.Environment, inputs: SiteInputs) -> SitePages:
    """Every generated page, data file and chart (pure: nothing is read or written here)."""
    env.filters.update(updown=updown, status=status_badge, day=long_day, short_day=short_day)
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
    groups = record_groups(scores, inputs.versus, lambda c: category_label(c, inputs.category_labels))
    record = _record_line(groups[0][1][0], inputs.benchmark)
    pages["calls/index.md"] = render_template(
        env,
        "site/calls.md.j2",
        rows=[_cells(r) for r in ledger_rows],
        record=record,
        through=inputs.through,
        synthetic=inputs.synthetic,
    )
    outcomes = [
        CallOutcome(
            s.call.id,
            s.call.position,
            s.call.issue_date or date.min,
            s.result_pct,
            s.status,
            inputs.versus[s.call.id].benchmark_pct if s.call.id in inputs.versus else None,
        )
        for s in scores
    ]
    record_job = site_chart(
        inputs, "assets/calls/track-record.png", build_track_record_chart, outcomes=outcomes, frame=frame
    )
    charts.append(record_job)
    kinds = {"By category": "category", "By year": "year"}
    ended_rows = [_cells(r) for r in _record_rows(scores, by_call, inputs) if r["status"] != "open"]
    pages["calls/track-record.md"] = render_template(
        env,
        "site/track-record.md.j2",
        groups=[(title, [_record_view(r, kinds.get(title, "")) for r in rows]) for title, rows in groups],
        record=record,
        ended=ended_rows,
        through=inputs.through,
        synthetic=inputs.synthetic,
        base_rate_years=BASE_RATE_YEARS,
        chart=site_chart_ref(inputs, record_job, "calls/track-record.md", "Track record of the calls"),
    )
    pages.update(_data_files(scores, by_call, groups, inputs))
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
        pages[call_page(score.call.id)] = render_template(
            env, "site/call.md.j2", row=row, base_rate_years=BASE_RATE_YEARS
        )
    pages.update(ticker_pages(env, inputs, ledger_rows, frame, charts))
    pages["index.md"] = _home(env, inputs, scores, by_call, ledger_rows, record)
    pages.update(_about(env, inputs))
    charts.extend(_social_cards(inputs))
    return SitePages(pages, charts)


def _record_rows(
    scores: Sequence[CallScore], by_call: dict[str, PublishedIssue], inputs: SiteInputs
) -> list[dict[str, Any]]:
    """The calls as the track record lists them: ended first by the day they ended, newest first."""
    rows = [_call_row(s, by_call[s.call.id], inputs, "calls/track-record.md") for s in scores]
    return sorted(rows, key=lambda r: (r["ended_on"] or date.max, r["id"]), reverse=True)


def _data_files(
    scores: Sequence[CallScore],
    by_call: dict[str, PublishedIssue],
    groups: Sequence[tuple[str, Sequence[RecordRow]]],
    inputs: SiteInputs,
) -> dict[str, str]:
    """The ledger and the track record as CSV and JSON, and each issue's calls as CSV (sitedata)."""
    ordered = sorted(scores, key=lambda s: (s.call.issue_date or date.min, s.call.id))
    records = [
        call_record(s, inputs.versus.get(s.call.id), category_label(s.call.category, inputs.category_labels))
        for s in ordered
    ]
    about = {
        "site": inputs.site_title,
        "scored_through": inputs.through,
        "benchmark": inputs.benchmark,
        "base_rate_years": BASE_RATE_YEARS,
        "synthetic": inputs.synthetic,
    }
    files = {
        "calls/calls.csv": to_csv(records, CALL_COLUMNS),
        "calls/calls.json": to_json({**about, "calls": records}),
        "calls/track-record.csv": to_csv(record_records(groups), RECORD_COLUMNS),
        "calls/track-record.json": to_json({**about, "rows": record_records(groups)}),
    }
    by_issue: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for score, record_ in zip(ordered, records, strict=True):
        by_issue[by_call[score.call.id].url].append(record_)
    for issue in inputs.issues:
        files[issue_data_file(issue, "calls.csv")] = to_csv(by_issue.get(issue.url, []), CALL_COLUMNS)
    return files


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    return dict(row, position=cell(row["position"]), category=cell(row["category"]))


def _source_line(inputs: SiteInputs) -> str:
    if inputs.prices is None:
        return ""
    return source_line(inputs.prices.source_label, inputs.prices.synthetic)


RECENT_ISSUES = 8  # distinct titles listed on the home page


def recent_issues(issues: Sequence[PublishedIssue], limit: int = RECENT_ISSUES) -> list[list[PublishedIssue]]:
    """The issues before the latest, newest first, with a title repeated week after week kept
    as one entry (its weeks, newest first), so the list shows ``limit`` different titles.
    """
    newest = sorted(issues, key=lambda i: i.as_of, reverse=True)[1:]
    runs: list[list[PublishedIssue]] = []
    for issue in newest:
        if runs and runs[-1][0].title.casefold() == issue.title.casefold():
            runs[-1].append(issue)
        elif len(runs) < limit:
            runs.append([issue])
        else:
            break
    return runs


def _home(
    env: jinja2.Environment,
    inputs: SiteInputs,
    scores: Sequence[CallScore],
    by_call: dict[str, PublishedIssue],
    rows: list[dict[str, Any]],
    record: dict[str, Any],
) -> str:
    newest = sorted(inputs.issues, key=lambda i: i.as_of, reverse=True)

    def from_home(path: Path | None) -> str | None:
        return rel(path.relative_to(inputs.content_dir.resolve()).as_posix(), "index.md") if path else None

    def link(issue: PublishedIssue) -> dict[str, Any]:
        lead = inputs.lead_charts.get(issue.slug)
        # An image that is not a PNG (or not found) is shown as it is, without copies.
        path = lead.path if lead else lead_image_path(issue, inputs.content_dir)
        return {
            "title": issue.title,
            "image": from_home(path),
            "chart": {
                "dark": from_home(lead.dark),
                "narrow": from_home(lead.narrow),
                "narrow_dark": from_home(lead.narrow_dark),
                "size": lead.size,
                "narrow_size": lead.narrow_size,
            }
            if lead
            else None,
            "as_of": issue.as_of,
            "description": issue.description,
            "lead": sentences(issue.description, 2),
            "link": issue_link(issue, inputs.content_dir, "index.md"),
            "categories": issue.categories,
        }

    latest = newest[0] if newest else None
    new_calls = [
        _call_detail(s, by_call[s.call.id], inputs, "index.md")
        for s in sorted(scores, key=lambda s: s.call.id)
        if latest is not None and by_call[s.call.id] is latest
    ]
    return render_template(
        env,
        "site/home.md.j2",
        site={"title": inputs.site_title, "description": inputs.site_description},
        synthetic=inputs.synthetic,
        latest=link(latest) if latest else None,
        new_calls=new_calls,
        recent=[[link(i) for i in run] for run in recent_issues(inputs.issues)],
        record=record,
        through=inputs.through,
        open_calls=[
            dict(r, page=rel(call_page(r["id"]), "index.md"))
            for r in rows
            if r["status"] == "open" and (latest is None or by_call[r["id"]] is not latest)
        ],
        subscribe=_subscribe(inputs, "index.md"),
    )


def _subscribe(inputs: SiteInputs, from_page: str) -> dict[str, Any]:
    """The feeds' links from ``from_page`` and the sign-up form's settings (none: no form)."""
    signup = inputs.signup
    return {
        "rss": rel("feed_rss_created.xml", from_page),
        "json": rel("feed_json_created.json", from_page),
        "form": signup if signup.action else None,
    }


def _about(env: jinja2.Environment, inputs: SiteInputs) -> dict[str, str]:
    """The About page and the signals' definitions (templates the editor can override)."""
    return {
        "about/index.md": render_template(
            env,
            "site/about.md.j2",
            site={
                "title": inputs.site_title,
                "description": inputs.site_description,
                "author": inputs.site_author,
            },
            subscribe=_subscribe(inputs, "about/index.md"),
            public_guide=inputs.public_guide,
            benchmark=inputs.benchmark,
            base_rate_years=BASE_RATE_YEARS,
            synthetic=inputs.synthetic,
        ),
        "about/signals.md": render_template(
            env, "site/signals.md.j2", signals=inputs.signal_settings, benchmark=inputs.benchmark
        ),
    }


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
