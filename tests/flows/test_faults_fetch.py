"""The price store under faults: the network failing mid-fetch, a disk filling up, corrupt files,
and two fetches racing. The store stays consistent, failures are named, the next run recovers.
"""

from __future__ import annotations

import errno
import json
import threading
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from generator.data.fetch import fetch_into_store
from generator.data.sources.yahoo import YahooSource
from generator.data.store import PriceStore
from generator.errors import GeneratorError, StoreError, WriteError
from tests.faults import Killer, leftovers, lock_held_by_another_process, restore, tree
from tests.helpers import NOW
from tests.yf_fakes import FakeYahoo, truth_bars

START = date(2024, 1, 1)
TICKERS = ["IWM", "IWB", "SPY", "QQQ"]


class FlakyYahoo(FakeYahoo):
    """Yahoo that answers the first ``good_calls`` requests, then fails in the way given."""

    def __init__(self, truth: dict[str, pd.DataFrame], good_calls: int, how: str) -> None:
        super().__init__(truth)
        self.good_calls = good_calls
        self.how = how
        self.down = True

    def _failing(self) -> bool:
        self.good_calls -= 1
        return self.down and self.good_calls < 0

    def download(self, tickers, *, start, end, threads, timeout_s):
        if not self._failing():
            return super().download(tickers, start=start, end=end, threads=threads, timeout_s=timeout_s)
        self.downloads.append((list(tickers), start, end))
        if self.how == "exception":
            raise ConnectionError("Connection reset by peer")
        if self.how == "empty frame":
            return pd.DataFrame()
        frame = super().download(tickers, start=start, end=end, threads=threads, timeout_s=timeout_s)
        return frame * float("nan")  # all-NaN: yfinance's quiet failure

    def history(self, ticker, *, start, end, timeout_s):
        if self.down and self.good_calls < 0:
            self.histories.append((ticker, start, end))
            if self.how == "exception":
                raise ConnectionError("Connection reset by peer")
            return pd.DataFrame(columns=["Open", "High", "Low", "Close", "Adj Close", "Volume"])
        return super().history(ticker, start=start, end=end, timeout_s=timeout_s)


def yahoo(fake: FakeYahoo, today: date, batch_size: int = 2) -> YahooSource:
    return YahooSource(
        batch_size=batch_size,
        download=fake.download,
        history=fake.history,
        sleep=lambda s: None,
        today=today,
        probe=fake.probe,
    )


def truth() -> dict[str, pd.DataFrame]:
    return {t: truth_bars(t, last="2024-06-28") for t in TICKERS}


def stored(folder: Path) -> dict[str, bytes]:
    """The store's price files and the manifest's ticker entries (what a load reads)."""
    files = {k: v for k, v in tree(folder).items() if k.startswith(("prices/", "dates/"))}
    manifest = json.loads((folder / "manifest.json").read_text())
    return {**files, "entries": json.dumps(manifest["tickers"], sort_keys=True).encode()}


@pytest.mark.parametrize("how", ["exception", "empty frame", "all-NaN frame"])
def test_the_network_failing_after_the_first_batch_keeps_the_store_consistent_and_names_the_failures(
    tmp_path, how
):
    reference = tmp_path / "reference"
    fetch_into_store(
        yahoo(FakeYahoo(truth()), date(2024, 3, 1)), PriceStore(reference), TICKERS, START, now=NOW
    )
    restore(reference, tmp_path / "store")
    fetch_into_store(
        yahoo(FakeYahoo(truth()), date(2024, 4, 1)), PriceStore(reference), TICKERS, START, now=NOW
    )

    folder = tmp_path / "store"
    flaky = FlakyYahoo(truth(), good_calls=1, how=how)
    summary = fetch_into_store(yahoo(flaky, date(2024, 4, 1)), PriceStore(folder), TICKERS, START, now=NOW)

    # The first batch (IWM, IWB) is stored; SPY and QQQ are named with the reason.
    assert sorted(summary.fetched) == ["IWB", "IWM"]
    reasons = {f.ticker: f.reason for f in summary.failed}
    assert sorted(reasons) == ["QQQ", "SPY"]
    if how == "exception":
        assert all("ConnectionError" in r for r in reasons.values()), reasons
    else:
        assert all("no rows" in r for r in reasons.values()), reasons
    store = PriceStore(folder)
    manifest = store.read_manifest()
    assert sorted(f["ticker"] for f in manifest["failures"]) == ["QQQ", "SPY"]
    for ticker, entry in manifest["tickers"].items():
        assert store.problem_with(ticker, entry) is None  # every file the manifest names is whole
    history = store.load_history()
    assert history.close["SPY"].last_valid_index() == pd.Timestamp("2024-02-29")  # its old bars kept
    assert history.close["IWM"].last_valid_index() == pd.Timestamp("2024-03-29")
    notes = {(n.ticker, n.kind) for n in history.notes}
    assert {("SPY", "fetch_failed"), ("QQQ", "fetch_failed")} <= notes
    assert not leftovers(folder)

    # The network is back: the next run completes to what an uninterrupted fetch stored.
    flaky.down = False
    again = fetch_into_store(yahoo(flaky, date(2024, 4, 1)), PriceStore(folder), TICKERS, START, now=NOW)
    assert not again.failed and sorted(again.fetched) == ["QQQ", "SPY"]
    assert stored(folder) == stored(reference)
    assert PriceStore(folder).read_manifest()["failures"] == []


def test_a_network_failure_on_the_first_fetch_stores_nothing_and_says_why(tmp_path):
    flaky = FlakyYahoo(truth(), good_calls=0, how="exception")
    unreachable = r"^cannot reach Yahoo Finance: .*ConnectionError.*; check the network$"
    with pytest.raises(GeneratorError, match=unreachable):
        fetch_into_store(yahoo(flaky, date(2024, 3, 1)), PriceStore(tmp_path), TICKERS, START, now=NOW)
    assert not (tmp_path / "manifest.json").exists() and not list(tmp_path.rglob("*.parquet"))


@pytest.mark.parametrize("step", range(1, 8))
def test_a_disk_filling_up_mid_fetch_is_a_write_error_and_the_store_stays_as_it_was(
    tmp_path, monkeypatch, step
):
    reference = tmp_path / "reference"
    fake = FakeYahoo(truth())
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), PriceStore(reference), TICKERS, START, now=NOW)
    folder = tmp_path / "store"
    restore(reference, folder)
    before = stored(folder)

    class DiskFull(Killer):
        def tick(self, what: str) -> None:
            try:
                super().tick(what)
            except BaseException:
                raise OSError(errno.ENOSPC, "No space left on device") from None

    with monkeypatch.context() as m:
        DiskFull(at=step).install(m)
        with pytest.raises(WriteError, match=r"could not (write|remove) .*No space left on device"):
            fetch_into_store(yahoo(fake, date(2024, 4, 1)), PriceStore(folder), TICKERS, START, now=NOW)
    manifest_written = step > 6  # four price files, the date index, then the manifest
    if not manifest_written:
        assert stored(folder) == before  # and the files it had written are gone again
    assert not [p for p in leftovers(folder) if p.endswith(".tmp")]
    fetch_into_store(yahoo(fake, date(2024, 4, 1)), PriceStore(folder), TICKERS, START, now=NOW)
    fetch_into_store(yahoo(fake, date(2024, 4, 1)), PriceStore(reference), TICKERS, START, now=NOW)
    assert stored(folder) == stored(reference)


# --- corrupt files ------------------------------------------------------------------------------


@pytest.fixture
def filled(tmp_path) -> tuple[Path, FakeYahoo]:
    fake = FakeYahoo(truth())
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), PriceStore(tmp_path), TICKERS, START, now=NOW)
    return tmp_path, fake


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],
        lambda b: b"\x00garbage\xff" * 50,
        lambda b: b"",
        lambda b: b[:100] + bytes([b[100] ^ 0xFF]) + b[101:],  # one flipped byte
    ],
    ids=["truncated", "garbage", "empty", "one-flipped-byte"],
)
def test_a_damaged_price_file_is_reported_by_name_and_refetched(filled, damage):
    folder, fake = filled
    entry = json.loads((folder / "manifest.json").read_text())["tickers"]["SPY"]
    path = folder / entry["file"]
    good = path.read_bytes()
    path.write_bytes(damage(good))
    store = PriceStore(folder)
    problem = store.problem_with("SPY", entry)
    assert problem is not None and f"{path.name} is corrupt or truncated (checksum mismatch)" in problem
    with pytest.raises(StoreError, match=r"SPY: .*(corrupt|rows).*run `rotation fetch`"):
        store.load_history()
    summary = fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    assert list(summary.refetched) == ["SPY"]
    assert path.read_bytes() == good  # the same bars, the same bytes
    assert store.load_history().close["SPY"].notna().sum() == 43


def test_an_altered_date_index_is_not_trusted_and_the_next_fetch_rewrites_it(filled):
    folder, fake = filled
    entry = json.loads((folder / "manifest.json").read_text())["dates"]
    path = folder / entry["file"]
    good = path.read_bytes()
    reference = PriceStore(folder).load_history().close
    path.write_bytes(good[:60] + bytes([good[60] ^ 0x01]) + good[61:])  # one date moved
    pd.testing.assert_frame_equal(PriceStore(folder).load_history().close, reference)
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), PriceStore(folder), TICKERS, START, now=NOW)
    assert path.read_bytes() == good


MANIFEST_DAMAGE = {
    "truncated JSON": lambda text: text[: len(text) // 2],
    "not an object": lambda text: "[1, 2, 3]\n",
    "tickers is a list": lambda text: json.dumps({**json.loads(text), "tickers": ["SPY"]}),
    "an entry is a string": lambda text: _with_entry(text, "SPY", "prices/SPY.parquet"),
    "rows is a string": lambda text: _with_field(text, "SPY", "rows", "forty-three"),
    "file is a number": lambda text: _with_field(text, "SPY", "file", 7),
    "last_bar is not a date": lambda text: _with_field(text, "SPY", "last_bar", "yesterday"),
    "notes is a string": lambda text: _with_field(text, "SPY", "notes", "gap"),
    "failures is an object": lambda text: json.dumps({**json.loads(text), "failures": {"SPY": "x"}}),
    "dates is a list": lambda text: json.dumps({**json.loads(text), "dates": [1]}),
}


def _with_entry(text: str, ticker: str, value: object) -> str:
    manifest = json.loads(text)
    manifest["tickers"][ticker] = value
    return json.dumps(manifest)


def _with_field(text: str, ticker: str, key: str, value: object) -> str:
    manifest = json.loads(text)
    manifest["tickers"][ticker][key] = value
    return json.dumps(manifest)


@pytest.mark.parametrize("kind", list(MANIFEST_DAMAGE))
def test_a_corrupt_manifest_is_reported_clearly_and_the_next_fetch_rebuilds_the_store(filled, kind):
    folder, fake = filled
    manifest = folder / "manifest.json"
    good = json.loads(manifest.read_text())
    manifest.write_text(MANIFEST_DAMAGE[kind](manifest.read_text()))
    store = PriceStore(folder)
    with pytest.raises(StoreError, match=r"manifest.json: the store manifest is (unreadable|malformed)"):
        store.load_history()
    summary = fetch_into_store(yahoo(fake, date(2024, 3, 1)), store, TICKERS, START, now=NOW)
    assert "fetching every ticker again" in summary.warnings[0]
    assert sorted(summary.fetched) == sorted(TICKERS) and not summary.failed
    assert json.loads(manifest.read_text())["tickers"] == good["tickers"]
    assert len(list((folder / "prices").glob("*.parquet"))) == len(TICKERS)


def test_a_corrupt_universe_snapshot_is_a_store_error_naming_it(tmp_path):
    from generator.data.universe import latest_universe_tickers, load_snapshots, snapshot_folder

    folder = snapshot_folder(tmp_path)
    folder.mkdir(parents=True)
    (folder / "2026-06-26.parquet").write_bytes(b"PAR1 not really")
    for read in (load_snapshots, latest_universe_tickers):
        with pytest.raises(StoreError, match=r"universe snapshot .*2026-06-26.parquet is unreadable"):
            read(tmp_path)


# --- two fetches racing -------------------------------------------------------------------------


def test_a_second_fetch_while_one_is_running_is_refused_and_the_first_completes(tmp_path):
    inside, release = threading.Event(), threading.Event()
    fake = FakeYahoo(truth())
    real_download = fake.download

    def slow_download(*args, **kwargs):
        inside.set()
        assert release.wait(30)
        return real_download(*args, **kwargs)

    first = YahooSource(
        download=slow_download, history=fake.history, sleep=lambda s: None, today=date(2024, 3, 1)
    )
    outcome: dict[str, object] = {}
    thread = threading.Thread(
        target=lambda: outcome.update(
            summary=fetch_into_store(first, PriceStore(tmp_path), TICKERS, START, now=NOW)
        )
    )
    thread.start()
    try:
        assert inside.wait(30)
        with pytest.raises(StoreError, match="another rotation run is writing the price store"):
            fetch_into_store(
                yahoo(FakeYahoo(truth()), date(2024, 3, 1)),
                PriceStore(tmp_path),
                TICKERS,
                START,
                now=NOW,
            )
    finally:
        release.set()
        thread.join(30)
    assert sorted(outcome["summary"].fetched) == sorted(TICKERS)  # type: ignore[attr-defined]
    assert sorted(PriceStore(tmp_path).read_manifest()["tickers"]) == sorted(TICKERS)


def test_a_fetch_is_refused_while_another_process_holds_the_store(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    with lock_held_by_another_process(tmp_path / ".lock"):
        with pytest.raises(StoreError, match=r"price store .* \(it holds .lock\); wait for it"):
            fetch_into_store(
                yahoo(FakeYahoo(truth()), date(2024, 3, 1)),
                PriceStore(tmp_path),
                TICKERS,
                START,
                now=NOW,
            )
    assert not (tmp_path / "manifest.json").exists()
