"""Bars dated after today are a data error at every door: a CSV row (named by file, line and
date), any source's bars entering the store, a store that already holds them, and a post dated
after today (issue 12, item 12)."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from generator import pipeline
from generator.calls import ledger
from generator.calls.ledger import published_issues
from generator.cli import cli
from generator.config import load_settings
from generator.data.fetch import fetch_into_store
from generator.data.sources.base import SourceResult
from generator.data.sources.csvfolder import CsvFolderSource, parse_price_csv
from generator.data.store import PriceStore
from generator.errors import DataError, PublishError
from generator.paths import Layout
from tests.helpers import DEMO, NOW, draft
from tests.yf_fakes import truth_bars

TODAY = date(2026, 12, 1)
ROWS = "Date,Open,High,Low,Close,Adj Close,Volume\n" + "".join(
    f"2026-07-{d:02d},10,11,9,10.{d},10.{d},100\n" for d in (6, 7, 8, 9, 10)
)


def test_a_csv_row_dated_after_today_fails_its_file_naming_the_line_and_the_date():
    text = ROWS + "2062-07-14,10,11,9,10.5,10.5,100\n"
    parsed = parse_price_csv(text, ticker="XLV", file_name="XLV.csv", last_day=TODAY)
    assert parsed.bars is None
    assert parsed.error == (
        "XLV.csv: line 7 is dated 2062-07-14, after today (2026-12-01); "
        "fix the date (a typo?) and fetch again"
    )


def test_several_future_rows_are_listed_with_their_lines():
    text = ROWS.replace("2026-07-08", "2062-07-08") + "2027-01-04,10,11,9,10.5,10.5,100\n"
    parsed = parse_price_csv(text, ticker="XLV", file_name="XLV.csv", last_day=TODAY)
    assert parsed.error is not None
    assert "lines 4, 7 are dated 2062-07-08, 2027-01-04, after today (2026-12-01)" in parsed.error


def test_a_csv_row_dated_today_is_fine():
    text = ROWS + "2026-12-01,10,11,9,10.5,10.5,100\n"
    parsed = parse_price_csv(text, ticker="XLV", file_name="XLV.csv", last_day=TODAY)
    assert parsed.error is None and parsed.bars is not None and len(parsed.bars) == 6


def test_fetching_a_csv_folder_with_a_future_row_stores_the_others_and_names_the_file(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "XLV.csv").write_text(ROWS + "2062-07-14,10,11,9,10.5,10.5,100\n")
    (folder / "XLK.csv").write_text(ROWS)
    store = PriceStore(tmp_path / "store")
    summary = fetch_into_store(
        CsvFolderSource(folder, today=TODAY), store, ["XLV", "XLK"], date(2026, 1, 1), now=NOW
    )
    assert summary.fetched == ["XLK"]
    (failure,) = summary.failed
    assert failure.ticker == "XLV" and "XLV.csv: line 7 is dated 2062-07-14, after today" in failure.reason
    assert set(store.read_manifest()["tickers"]) == {"XLK"}


class _FutureSource:
    """Any source (a misbehaving API) that returns a bar dated after today."""

    name = label = "future"
    synthetic = False
    calendar = "weekdays"

    def default_end(self):
        return None

    def fingerprints(self, tickers):
        return {}

    def fetch(self, tickers, start, end=None):
        bars = {}
        for ticker in tickers:
            frame = truth_bars(ticker, first="2026-11-02", last="2026-12-01").rename(
                columns=lambda c: c.lower().replace(" ", "_")
            )
            if ticker == "IWM":
                frame.loc[pd.Timestamp("2026-12-04")] = frame.iloc[-1]
            frame.index.name = "date"
            bars[ticker] = frame.astype("float64")
        return SourceResult(bars=bars)


def test_bars_after_today_from_any_source_never_enter_the_store(tmp_path):
    store = PriceStore(tmp_path / "store")
    summary = fetch_into_store(
        _FutureSource(), store, ["IWM", "IWB"], date(2026, 11, 1), today=TODAY, now=NOW
    )
    assert summary.fetched == ["IWB"]
    (failure,) = summary.failed
    assert failure.ticker == "IWM"
    assert failure.reason == "1 bar dated after today (2026-12-01), the first on 2026-12-04"
    assert set(store.read_manifest()["tickers"]) == {"IWB"}


@pytest.fixture
def future_store(workspace: Path, tmp_path: Path) -> Path:
    """A workspace whose store holds one bar dated 2062-07-14 (fetched by an older version)."""
    from click.testing import CliRunner

    config = ["--config", str(workspace / "newsletter.toml")]
    result = CliRunner().invoke(cli, [*config, "fetch", "--source", "demo"])
    assert result.exit_code == 0, result.output
    settings = load_settings(workspace / "newsletter.toml", **{"data.source": "demo"})
    store = pipeline.price_store(settings, DEMO)
    manifest = store.read_manifest()
    entry = manifest["tickers"]["XLV"]
    bars = store.read_bars("XLV", entry)
    bars.loc[pd.Timestamp("2062-07-14")] = bars.iloc[-1]
    manifest["tickers"]["XLV"] = {**entry, **store.write_bars("XLV", bars).to_json()}
    store.write_manifest(json.loads(json.dumps(manifest)))
    return workspace


def _invoke(workspace: Path, *args: str):
    from click.testing import CliRunner

    return CliRunner().invoke(cli, ["--config", str(workspace / "newsletter.toml"), *args])


@pytest.mark.parametrize(
    "args",
    [
        ["draft", "--source", "demo"],
        ["signals", "--source", "demo"],
        ["backfill", "--source", "demo", "--from", "2026-06-12", "--to", "2026-06-19"],
    ],
)
def test_a_store_holding_a_future_bar_is_refused_by_the_commands_that_read_it(future_store, args):
    posts = future_store / "content" / "issues" / "posts"
    result = _invoke(future_store, *args)
    assert result.exit_code == 1, result.output
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("Error: the price store of demo holds bars dated after today (")
    ), result.stderr
    assert "XLV (2062-07-14)" in result.stderr
    assert "rotation fetch --source demo --full --tickers XLV" in result.stderr
    assert not posts.is_dir() or not list(posts.glob("*.md"))


def test_draft_week_refuses_the_future_bar_given_today(future_store):
    settings = load_settings(future_store / "newsletter.toml", **{"data.source": "demo"})
    with pytest.raises(DataError, match=r"XLV \(2062-07-14\)"):
        pipeline.draft_week(settings, today=TODAY)


def test_publish_refuses_an_issue_dated_after_today(workspace: Path, demo_prices):
    settings = load_settings(workspace / "newsletter.toml")
    path = draft(settings, demo_prices, date(2025, 10, 17)).outcome.path
    text = path.read_text().replace("as_of: 2025-10-17", "as_of: 2062-07-14")
    assert text != path.read_text()
    path.write_text(text)
    with pytest.raises(PublishError, match=r"dated 2062-07-14, after today \(2026-12-01\)"):
        pipeline.publish_issue(settings, path.name, datetime(2026, 12, 1, 18, 0), allow_placeholders=True)


def test_rotation_fetch_names_the_csv_line_and_date_and_exits_3_partly_done(workspace: Path, tmp_path: Path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "XLV.csv").write_text(ROWS + "2062-07-14,10,11,9,10.5,10.5,100\n")
    (folder / "XLK.csv").write_text(ROWS)
    result = _invoke(workspace, "fetch", "--source", f"csv:{folder}")
    assert result.exit_code == 3, result.output  # partly done: XLK is stored
    assert "fetched 1, up to date 0, failed 1" in result.stdout
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "Error: could not fetch 1 of 2 tickers: XLV (XLV.csv: line 7 is dated 2062-07-14, after today ("
        )
    ), result.stderr


def test_build_refuses_to_score_calls_on_a_store_holding_a_future_bar(future_store):
    settings = load_settings(future_store / "newsletter.toml")
    posts = Layout.of(settings).posts
    posts.mkdir(parents=True, exist_ok=True)
    (posts / "2025-10-17-week.md").write_text(
        "---\ntitle: Week\ndate: 2025-10-17\nslug: 2025-10-17-week\ndraft: false\n"
        "rotation:\n  as_of: 2025-10-17\n  source_spec: demo\n---\n\nText.\n"
    )
    issues = published_issues(posts, settings.tickers)
    with pytest.raises(DataError, match=r"holds bars dated after today \(2026-12-01\): XLV \(2062-07-14\)"):
        ledger.score_published(issues, partial(pipeline.load_prices, settings), DEMO, today=TODAY)
    scores, prices = ledger.score_published(
        issues, partial(pipeline.load_prices, settings), DEMO
    )  # no clock: not checked
    assert prices is not None and prices.last_day == date(2062, 7, 14)
