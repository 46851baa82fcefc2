from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli import cli
from tests.helpers import shared_folder

FOLDERS = {
    "adjusted-closes": 85,
    "yahoo-ohlcv": 38,
    "split-adjusted-ohlcv": 15,
    "newest-first": 20,
    "dirty-feed": 24,
}


def invoke(runner, workspace: Path, *args: str):
    return runner.invoke(cli, ["--config", str(workspace / "newsletter.toml"), *args])


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_fetch_loads_every_shared_folder(runner, workspace, name):
    folder = shared_folder(name)
    result = invoke(runner, workspace, "fetch", "--source", f"csv:{folder}")
    assert result.exit_code == 0, result.output
    count = FOLDERS[name]
    assert f"Fetch from csv:{folder}: fetched {count}, up to date 0, failed 0" in result.stdout
    manifest = json.loads((workspace / ".store" / f"csv-{name}" / "manifest.json").read_text())
    assert len(manifest["tickers"]) == count and manifest["failures"] == []
    again = invoke(runner, workspace, "fetch", "--source", f"csv:{folder}")
    assert f"fetched 0, up to date {count}, failed 0" in again.stdout


def test_fetch_reports_the_dirty_feed_by_ticker_and_date(runner, workspace):
    folder = shared_folder("dirty-feed")
    result = invoke(runner, workspace, "fetch", "--source", f"csv:{folder}", "--all-notes")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "data notes: bad_print 6, flat 5, gap 20, missing_sessions 37" in out
    assert "PSCT on 2023-07-18: close on 2023-07-17 moved +200.0%" in out
    assert "SPY on 2018-11-02: no bars for 433 sessions, 2018-11-02 to 2020-07-24" in out
    assert "... and" not in out  # --all-notes lists every one


def test_fetched_notes_reach_the_price_history_downstream(runner, workspace):
    from generator import pipeline
    from generator.config import load_settings

    folder = shared_folder("dirty-feed")
    assert invoke(runner, workspace, "fetch", "--source", f"csv:{folder}").exit_code == 0
    settings = load_settings(workspace / "newsletter.toml", **{"data.source": f"csv:{folder}"})
    history = pipeline.load_prices(settings, settings.data.source)
    kinds = {(n.ticker, n.kind) for n in history.notes}
    assert ("PSCT", "bad_print") in kinds and ("SPY", "gap") in kinds
    assert ("IWC", "missing") in kinds  # configured, not in this folder
    early = history.as_of(__import__("datetime").date(2023, 7, 17))
    assert ("PSCT", "bad_print") not in {(n.ticker, n.kind) for n in early.notes}  # known on 07-18


def test_fetch_with_an_unknown_ticker_names_it_and_exits_3_partly_done(runner, workspace):
    folder = shared_folder("newest-first")
    result = invoke(runner, workspace, "fetch", "--source", f"csv:{folder}", "--tickers", "spy,nope")
    assert result.exit_code == 3  # partly done: SPY is stored
    assert "fetched 1, up to date 0, failed 1" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: could not fetch 1 of 2 tickers: NOPE (no file NOPE.csv in {folder}) (the other 1 are stored)"
    )


def test_fetch_while_another_run_holds_the_store_is_refused(runner, workspace):
    from filelock import FileLock

    store = workspace / ".store" / "demo"
    store.mkdir(parents=True)
    with FileLock(store / ".lock"):
        result = invoke(runner, workspace, "fetch", "--source", "demo")
    assert result.exit_code == 1
    assert "Error: another rotation run is writing the price store" in result.stderr


def test_demo_fetch_then_full_refetch(runner, workspace):
    first = invoke(runner, workspace, "fetch", "--source", "demo")
    assert first.exit_code == 0 and "fetched 32, up to date 0, failed 0" in first.stdout
    full = invoke(runner, workspace, "fetch", "--source", "demo", "--full", "--tickers", "SPY")
    assert "fetched 1, up to date 0, failed 0 (1 refetched in full)" in full.stdout


def test_universe_demo_stores_dated_snapshots_and_fetches_their_prices(runner, workspace):
    first = invoke(runner, workspace, "universe", "--source", "demo", "--as-of", "2026-05-29")
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert (
        lines[0].startswith("Universe from demo: ")
        and "stocks on 2026-05-29 ($1B-$10B market cap" in lines[0]
    )
    assert "the first stored snapshot" in first.stdout
    second = invoke(runner, workspace, "universe", "--source", "demo", "--as-of", "2026-06-26")
    assert "the highest of 2 snapshots since 2026-05-29" in second.stdout
    snapshots = sorted(p.name for p in (workspace / ".store" / "demo" / "universe").iterdir())
    assert snapshots == ["2026-05-29.parquet", "2026-06-26.parquet"]
    fetched = invoke(runner, workspace, "fetch", "--source", "demo", "--universe")
    assert fetched.exit_code == 0, fetched.output
    manifest = json.loads((workspace / ".store" / "demo" / "manifest.json").read_text())
    assert "DS001" in manifest["tickers"] or any(t.startswith("DS") for t in manifest["tickers"])


def test_universe_refuses_a_past_date_from_yahoo_and_csv_sources(runner, workspace):
    result = invoke(runner, workspace, "universe", "--source", "yfinance", "--as-of", "2020-01-03")
    assert result.exit_code == 1 and "only knows today's market caps" in result.stderr
    result = invoke(runner, workspace, "universe", "--source", "csv:/tmp")
    assert result.exit_code == 1 and "has no market caps" in result.stderr


def test_fetch_json_names_what_was_stored_and_what_failed(runner, workspace):
    folder = shared_folder("newest-first")
    args = ["fetch", "--source", f"csv:{folder}", "--tickers", "spy,nope", "--json"]
    result = invoke(runner, workspace, *args)
    assert result.exit_code == 3
    summary = json.loads(result.stdout)
    assert summary["fetched"] == ["SPY"] and summary["requested"] == 2
    assert summary["failed"] == [{"ticker": "NOPE", "reason": f"no file NOPE.csv in {folder}"}]
    assert summary["source"] == f"csv:{folder}"


def test_fetch_of_nothing_but_failures_exits_1(runner, workspace):
    folder = shared_folder("newest-first")
    result = invoke(runner, workspace, "fetch", "--source", f"csv:{folder}", "--tickers", "nope")
    assert result.exit_code == 1
    assert "(the other" not in result.stderr
