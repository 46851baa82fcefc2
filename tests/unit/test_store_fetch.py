from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from filelock import FileLock

from generator.data.fetch import fetch_into_store, overlap_changed
from generator.data.prices import history_from_bars
from generator.data.sources.demo import DemoSource
from generator.data.store import PriceStore
from generator.errors import FetchError, StoreError
from tests.helpers import NOW
from tests.yf_fakes import FakeYahoo, truth_bars, yahoo

START = date(2024, 1, 1)
TICKERS = ["IWM", "IWB", "SPY", "QQQ"]


@pytest.fixture
def fake() -> FakeYahoo:
    return FakeYahoo({t: truth_bars(t, last="2024-06-28") for t in TICKERS})


def stored_closes(store: PriceStore) -> dict[str, pd.Series]:
    history = store.load_history()
    return {t: history.close[t].dropna() for t in history.close.columns}


def test_a_first_fetch_stores_every_ticker_with_a_manifest(fake, tmp_path):
    store = PriceStore(tmp_path)
    summary = fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    assert sorted(summary.fetched) == sorted(TICKERS) and not summary.failed
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["source"] == "yfinance" and manifest["calendar"] == "XNYS"
    assert {"pandas", "pyarrow", "yfinance", "python"} <= set(manifest["versions"])
    entry = manifest["tickers"]["IWM"]
    assert entry["last_bar"] == "2024-02-29" and entry["first_bar"] == "2024-01-02"
    assert entry["rows"] == 43 and len(entry["sha256"]) == 64 and entry["start_requested"] == "2024-01-01"
    assert (tmp_path / entry["file"]).is_file()
    assert manifest["failures"] == [] and manifest["fetched_at"]


def test_a_second_fetch_asks_only_for_the_overlap_and_appends(fake, tmp_path):
    store = PriceStore(tmp_path)
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, overlap_sessions=10, now=NOW)
    fake.downloads.clear()
    summary = fetch_into_store(
        yahoo(fake, date(2024, 3, 15)), store, TICKERS, START, overlap_sessions=10, now=NOW
    )
    assert sorted(summary.fetched) == sorted(TICKERS) and not summary.refetched
    ((asked, since, end),) = fake.downloads
    assert since == date(2024, 2, 15) and end == date(2024, 3, 15)  # 10 sessions before 2024-02-29
    closes = stored_closes(store)
    truth = fake.truth["IWM"].loc[:"2024-03-14", "Close"]
    assert np.allclose(closes["IWM"].to_numpy(), truth.to_numpy())


def test_an_up_to_date_store_makes_no_request(fake, tmp_path):
    store = PriceStore(tmp_path)
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    fake.downloads.clear()
    summary = fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    assert fake.downloads == [] and sorted(summary.up_to_date) == sorted(TICKERS)


def test_adjusted_history_changed_inside_the_overlap_refetches_the_whole_history(fake, tmp_path):
    store = PriceStore(tmp_path)
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    # A dividend goes ex on 2024-03-08: every earlier adjusted close of IWM is re-based.
    truth = fake.truth["IWM"]
    truth.loc[truth.index < "2024-03-08", "Adj Close"] *= 0.99
    fake.downloads.clear()
    summary = fetch_into_store(yahoo(fake, date(2024, 3, 15)), store, TICKERS, START, now=NOW)
    assert summary.refetched == {"IWM": "the adjusted history changed inside the overlap (dividend or split)"}
    assert fake.downloads[-1][0] == ["IWM"] and fake.downloads[-1][1] == START
    history = store.load_history()
    expected = truth.loc[:"2024-03-14", "Adj Close"].to_numpy()
    assert np.allclose(history.adj_close["IWM"].dropna().to_numpy(), expected)
    assert sorted(summary.fetched) == sorted(TICKERS)


def test_overlap_comparison_ignores_nothing_but_identity():
    old = truth_bars("X").rename(columns=str.lower).rename(columns={"adj close": "adj_close"})
    new = old.iloc[-10:].copy()
    assert not overlap_changed(old, new)
    new.iloc[0, new.columns.get_loc("adj_close")] *= 1.0001
    assert overlap_changed(old, new)
    assert overlap_changed(old, old.iloc[-10:-1])  # the stored last bar vanished


def test_a_crash_while_writing_the_third_ticker_leaves_the_store_as_it_was(fake, tmp_path, monkeypatch):
    store = PriceStore(tmp_path)
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    before_manifest = (tmp_path / "manifest.json").read_bytes()
    before = stored_closes(store)

    real_write = PriceStore.write_bars
    calls = []

    def failing_write(self, ticker, bars):
        calls.append(ticker)
        if len(calls) == 3:
            raise OSError("disk full (injected)")
        return real_write(self, ticker, bars)

    monkeypatch.setattr(PriceStore, "write_bars", failing_write)
    with pytest.raises(OSError, match="injected"):
        fetch_into_store(yahoo(fake, date(2024, 4, 1)), store, TICKERS, START, now=NOW)
    monkeypatch.undo()

    assert (tmp_path / "manifest.json").read_bytes() == before_manifest
    after = stored_closes(store)
    assert after.keys() == before.keys()
    for ticker in before:
        pd.testing.assert_series_equal(after[ticker], before[ticker])
    for ticker, entry in json.loads(before_manifest)["tickers"].items():
        assert store.problem_with(ticker, entry) is None
    # The next run completes and removes the orphaned files of the failed one.
    summary = fetch_into_store(yahoo(fake, date(2024, 4, 1)), store, TICKERS, START, now=NOW)
    assert sorted(summary.fetched) == sorted(TICKERS)
    assert len(list((tmp_path / "prices").glob("*.parquet"))) == len(TICKERS)
    assert not list((tmp_path / "prices").glob("*.tmp"))


def test_a_truncated_parquet_file_is_detected_and_refetched(fake, tmp_path):
    store = PriceStore(tmp_path)
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    entry = json.loads((tmp_path / "manifest.json").read_text())["tickers"]["SPY"]
    path = tmp_path / entry["file"]
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(StoreError, match="SPY: the store file .* is corrupt .*run `rotation fetch`"):
        store.load_history()
    fake.downloads.clear()
    summary = fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    assert list(summary.refetched) == ["SPY"] and "checksum mismatch" in summary.refetched["SPY"]
    assert fake.downloads == [(["SPY"], START, date(2024, 3, 1))]
    assert store.load_history().close["SPY"].notna().sum() == 43


def test_a_missing_file_is_refetched_too(fake, tmp_path):
    store = PriceStore(tmp_path)
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    entry = json.loads((tmp_path / "manifest.json").read_text())["tickers"]["QQQ"]
    (tmp_path / entry["file"]).unlink()
    summary = fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    assert "is missing" in summary.refetched["QQQ"]


def test_a_second_concurrent_run_is_refused_clearly(fake, tmp_path):
    store = PriceStore(tmp_path)
    holder = FileLock(tmp_path / ".lock")
    with holder:
        with pytest.raises(StoreError, match="another rotation run is writing the price store .*wait for it"):
            fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    assert not (tmp_path / "manifest.json").exists()
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)  # free again


def test_a_failed_ticker_keeps_its_bars_and_becomes_a_data_note(fake, tmp_path):
    store = PriceStore(tmp_path)
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    fake.batch_failures.add("QQQ")
    fake.rate_limited["QQQ"] = 99
    summary = fetch_into_store(yahoo(fake, date(2024, 3, 15)), store, TICKERS, START, now=NOW)
    assert [f.ticker for f in summary.failed] == ["QQQ"]
    history = store.load_history(["QQQ", "IWM", "ZZZ"])
    assert history.close["QQQ"].last_valid_index() == pd.Timestamp("2024-02-29")
    notes = {(n.ticker, n.kind): n.message for n in history.notes}
    assert "could not be refreshed at the last fetch (rate limited" in notes[("QQQ", "fetch_failed")]
    assert notes[("ZZZ", "missing")] == "not in the price store; left out of this issue"
    assert ("QQQ", "stale") in notes  # 2024-02-29 is 10 sessions behind 2024-03-14


def test_an_unreadable_manifest_is_rebuilt_by_the_next_fetch(fake, tmp_path):
    store = PriceStore(tmp_path)
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    (tmp_path / "manifest.json").write_text("{ not json")
    with pytest.raises(StoreError, match="manifest is unreadable"):
        store.load_history()
    summary = fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    assert summary.warnings and "fetching every ticker again" in summary.warnings[0]
    assert sorted(store.load_history().close.columns) == sorted(TICKERS)


def test_load_history_matches_the_reference_assembly(tmp_path):
    source = DemoSource()
    result = source.fetch(["SPY", "XLC", "ARKX"], date(2005, 1, 1))
    store = PriceStore(tmp_path)
    fetch_into_store(source, store, ["SPY", "XLC", "ARKX"], date(2005, 1, 1), now=NOW)
    loaded = store.load_history(["SPY", "XLC", "ARKX"])
    reference = history_from_bars(result.bars)
    for name in ("close", "adj_close", "high", "low", "volume"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(reference, name), check_freq=False)
    assert loaded.synthetic and loaded.source_label.startswith("Synthetic")


def test_a_spine_format_store_still_loads(tmp_path):
    """Stores written before content-named files (prices/<T>.parquet, no checksum) keep working."""
    bars = DemoSource().fetch(["SPY"], date(2020, 1, 1)).bars["SPY"]
    (tmp_path / "prices").mkdir()
    bars.to_parquet(tmp_path / "prices" / "SPY.parquet")
    manifest = {"label": "old", "tickers": {"SPY": {"rows": len(bars), "one_close": False, "ticker": "SPY"}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    history = PriceStore(tmp_path).load_history(["SPY"])
    assert np.allclose(history.close["SPY"].to_numpy(), bars["close"].to_numpy())


def test_demo_fetch_is_fast_and_a_rerun_writes_nothing(tmp_path):
    import time

    store = PriceStore(tmp_path)
    tickers = ["SPY", "IWB", "IWM", "IWR", "IWC", "XLK", "XLE", "XLF", "PSCT", "ARKX"]
    started = time.perf_counter()
    fetch_into_store(DemoSource(), store, tickers, date(2005, 1, 1), now=NOW)
    assert time.perf_counter() - started < 1.0
    files = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "prices").iterdir()}
    summary = fetch_into_store(DemoSource(), store, tickers, date(2005, 1, 1), now=NOW)
    assert sorted(summary.up_to_date) == sorted(tickers) and summary.notes == []
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "prices").iterdir()} == files


def test_nothing_to_fetch_is_an_error(tmp_path):
    with pytest.raises(FetchError, match="no tickers to fetch"):
        fetch_into_store(DemoSource(), PriceStore(tmp_path), [" "], START, now=NOW)


def test_store_files_are_named_by_content(tmp_path):
    store = PriceStore(tmp_path)
    bars = DemoSource().fetch(["^VIX"], date(2024, 1, 1)).bars["^VIX"]
    first = store.write_bars("^VIX", bars)
    assert first == store.write_bars("^VIX", bars)
    assert first.file.startswith("prices/^VIX.") and Path(tmp_path / first.file).is_file()
    changed = store.write_bars("^VIX", bars.iloc[:-1])
    assert changed.file != first.file and changed.rows == first.rows - 1


def test_the_date_index_lets_a_load_read_each_file_once_and_is_not_trusted_blindly(
    fake, tmp_path, monkeypatch
):
    store = PriceStore(tmp_path)
    fake.drop_days["QQQ"] = ["2024-02-14"]
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["dates"]["rows"] == 43 and (tmp_path / manifest["dates"]["file"]).is_file()
    reads: list[bool] = []
    real = PriceStore._read_columns

    def counting(self, ticker, entry, names=(), *, dates=True):
        reads.append(dates)
        return real(self, ticker, entry, names, dates=dates)

    monkeypatch.setattr(PriceStore, "_read_columns", counting)
    full = store.load_history()
    assert len(reads) == len(TICKERS)  # one read per file
    reads.clear()
    subset = store.load_history(["QQQ"])
    assert len(subset.close) == 42 and len(reads) == 1  # rows no requested ticker has are dropped
    # Without the index (or with a stale one) the two-pass read gives the same frames.
    (tmp_path / manifest["dates"]["file"]).unlink()
    reads.clear()
    again = store.load_history()
    assert len(reads) == 2 * len(TICKERS)
    pd.testing.assert_frame_equal(again.close, full.close)
    pd.testing.assert_frame_equal(again.volume, full.volume)
