from __future__ import annotations

import logging
import warnings
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from generator.data.fetch import fetch_into_store
from generator.data.sources.yahoo import YahooSource, history_to_bars, split_download_frame
from generator.data.sources.yahoo import yf_probe as real_probe  # bound before conftest stubs the module's
from generator.data.store import PriceStore
from generator.errors import FetchError
from tests.helpers import NOW
from tests.yf_fakes import CURL_DNS, FakeYahoo, download_frame, truth_bars

TODAY = date(2024, 3, 29)
START = date(2024, 1, 1)


def make_source(fake: FakeYahoo, waited: list[float] | None = None, **kw) -> YahooSource:
    return YahooSource(
        download=fake.download,
        history=fake.history,
        sleep=(waited.append if waited is not None else lambda s: None),
        today=TODAY,
        probe=fake.probe,
        **kw,
    )


@pytest.fixture
def fake() -> FakeYahoo:
    return FakeYahoo(
        {"IWM": truth_bars("IWM", last="2024-03-29"), "IWB": truth_bars("IWB", last="2024-03-29")}
    )


def test_bars_are_normalised_from_the_yfinance_frame(fake):
    result = make_source(fake).fetch(["IWM", "IWB"], START)
    assert sorted(result.bars) == ["IWB", "IWM"] and not result.failures
    iwm = result.bars["IWM"]
    assert list(iwm.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert iwm.index.dtype == "datetime64[ns]" and iwm.index.name == "date" and iwm.index.tz is None
    assert iwm.index.is_monotonic_increasing
    truth = fake.truth["IWM"]
    assert np.allclose(iwm["close"], truth.loc[:"2024-03-28", "Close"])
    assert np.allclose(iwm["adj_close"], truth.loc[:"2024-03-28", "Adj Close"])


def test_end_is_today_in_new_york_and_exclusive_so_no_partial_bar(fake):
    source = make_source(fake)
    assert source.default_end() == TODAY
    result = source.fetch(["IWM"], START, date(2030, 1, 1))
    (tickers, start, end) = fake.downloads[0]
    assert (start, end) == (START, TODAY)
    assert result.bars["IWM"].index[-1] == pd.Timestamp("2024-03-28")  # the 03-29 bar is today's


def test_lower_case_input_is_upper_cased(fake):
    result = make_source(fake).fetch(["iwm", " iwb", "IWM"], START)
    assert fake.downloads[0][0] == ["IWM", "IWB"]
    assert sorted(result.bars) == ["IWB", "IWM"]


def test_single_ticker_still_comes_as_a_multiindex_and_is_read(fake):
    frame = download_frame({"IWM": fake.truth["IWM"]})
    assert isinstance(frame.columns, pd.MultiIndex) and frame.columns.names == ["Price", "Ticker"]
    bars, missing = split_download_frame(frame, ["iwm"])
    assert missing == [] and len(bars["IWM"]) == len(fake.truth["IWM"])


def test_flat_single_ticker_frame_and_ticker_first_layout_are_read(fake):
    truth = fake.truth["IWM"]
    bars, missing = split_download_frame(truth, ["IWM"])  # multi_level_index=False
    assert not missing and len(bars["IWM"]) == len(truth)
    swapped = download_frame({"IWM": truth, "IWB": fake.truth["IWB"]}).swaplevel(0, 1, axis=1)
    swapped.columns.names = ["Ticker", "Price"]
    bars, missing = split_download_frame(swapped, ["IWM", "IWB"])
    assert not missing and np.allclose(bars["IWB"]["close"], fake.truth["IWB"]["Close"])


def test_a_day_missing_for_one_ticker_is_not_stored_as_a_nan_row(fake):
    fake.drop_days["IWB"] = ["2024-02-14"]
    result = make_source(fake).fetch(["IWM", "IWB"], START)
    assert pd.Timestamp("2024-02-14") in result.bars["IWM"].index
    assert pd.Timestamp("2024-02-14") not in result.bars["IWB"].index
    assert result.bars["IWB"]["close"].notna().all()


def test_an_empty_frame_is_a_failure_named_with_its_reason(fake):
    result = make_source(fake).fetch(["ZZZZ"], START)
    assert result.bars == {}
    assert [f.ticker for f in result.failures] == ["ZZZZ"]
    assert "no rows" in result.failures[0].reason or "delisted" in result.failures[0].reason
    assert fake.histories == [("ZZZZ", START, TODAY)]  # retried alone before giving up


def test_an_all_failed_fetch_raises_naming_the_symbols(fake, tmp_path):
    with pytest.raises(FetchError, match=r"ZZZZ .*; QQQQ|QQQQ .*; ZZZZ"):
        fetch_into_store(make_source(fake), PriceStore(tmp_path), ["zzzz", "qqqq"], START, now=NOW)
    assert not (tmp_path / "manifest.json").exists()


def test_rate_limited_then_recovered_backs_off_and_gets_the_bars(fake):
    fake.batch_failures.add("IWM")
    fake.rate_limited["IWM"] = 2
    waited: list[float] = []
    result = make_source(fake, waited, backoff_s=(60, 120)).fetch(["IWM", "IWB"], START)
    assert sorted(result.bars) == ["IWB", "IWM"] and not result.failures
    assert waited == [60, 120]
    assert [h[0] for h in fake.histories] == ["IWM", "IWM", "IWM"]


def test_never_recovered_is_named_with_the_rate_limit_after_all_waits(fake):
    fake.batch_failures.add("IWM")
    fake.rate_limited["IWM"] = 99
    waited: list[float] = []
    result = make_source(fake, waited, backoff_s=(60, 120)).fetch(["IWM", "IWB"], START)
    assert list(result.bars) == ["IWB"]
    (failure,) = result.failures
    assert failure.ticker == "IWM"
    assert "rate limited" in failure.reason and "60 s, 120 s" in failure.reason
    assert waited == [60, 120]


def test_after_one_ticker_gives_up_on_rate_limits_the_rest_are_not_waited_for(fake):
    fake.truth["XLK"] = truth_bars("XLK", last="2024-03-29")
    fake.batch_failures |= {"IWM", "XLK"}
    fake.rate_limited.update({"IWM": 99, "XLK": 99})
    waited: list[float] = []
    result = make_source(fake, waited, backoff_s=(60,)).fetch(["IWM", "XLK", "IWB"], START)
    assert waited == [60]
    assert {f.ticker for f in result.failures} == {"IWM", "XLK"}
    assert any("still rate limiting" in f.reason for f in result.failures)


CONFIGURED = [
    *"SPY IWB IWR IWM IWC XLB XLC XLE XLF XLI XLK XLP XLRE XLU XLV XLY".split(),
    *"PSCC PSCD PSCE PSCF PSCH PSCI PSCM PSCT PSCU ARKK ARKQ ARKW ARKG ARKF ARKX UFO".split(),
]


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_offline_every_ticker_failing_is_one_network_error_not_32_wrong_symbols(fake, cache):
    fake.offline = cache
    waited: list[float] = []
    with pytest.raises(FetchError) as raised:
        make_source(fake, waited).fetch(CONFIGURED, START)
    message = str(raised.value)
    assert message.startswith("cannot reach Yahoo Finance: DNSError")
    assert "Could not resolve host: query2.finance.yahoo.com" in message
    assert message.endswith("; check the network")
    assert "delisted" not in message and "wrong symbol" not in message and "SPY" not in message
    assert fake.downloads == [] and fake.histories == []  # the probe went first: nothing else was tried
    assert waited == []
    assert fake.probes == 1


def test_online_unknown_symbols_are_still_retried_and_named_one_by_one(fake):
    result = make_source(fake).fetch(["ZZZZ", "QQQQ"], START)
    assert fake.probes == 2  # Yahoo answered both probes: the symbols are wrong, not the network
    assert sorted(f.ticker for f in result.failures) == ["QQQQ", "ZZZZ"]
    assert [h[0] for h in fake.histories] == ["ZZZZ", "QQQQ"]


def test_the_probe_is_asked_once_per_source_not_once_per_call(fake):
    source = make_source(fake)
    source.fetch(["IWM"], START)
    source.fetch(["IWB"], date(2024, 2, 1))
    assert fake.probes == 1 and len(fake.downloads) == 2


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_yfinance_logging_a_dns_error_with_no_bars_is_the_network_error_too(fake, cache):
    """The probe answered, then the downloads found no network (a drop between the two)."""

    def download(tickers, **kw):
        fake.offline = cache
        return FakeYahoo.download(fake, tickers, **kw)

    source = YahooSource(
        download=download, history=fake.history, sleep=lambda s: None, today=TODAY, probe=fake.probe
    )
    if cache == "cold":  # the batch's log names the DNS error: no one-by-one retry
        with pytest.raises(FetchError, match=r"^cannot reach Yahoo Finance: DNSError"):
            source.fetch(["IWM", "IWB"], START)
        assert fake.histories == []
    else:  # only "possibly delisted" in the log: a second probe names the network
        with pytest.raises(FetchError, match=r"^cannot reach Yahoo Finance: .*Could not resolve host"):
            source.fetch(["IWM", "IWB"], START)
        assert fake.histories == [] and fake.probes == 2


def _going_offline(fake: FakeYahoo) -> YahooSource:
    """A source whose first one-by-one retry finds the network gone (a cold cache logs the DNS error)."""

    def history(ticker, *, start, end, timeout_s):
        fake.offline = "cold"
        return fake.history(ticker, start=start, end=end, timeout_s=timeout_s)

    return YahooSource(
        download=fake.download, history=history, sleep=lambda s: None, today=TODAY, probe=fake.probe
    )


def test_the_network_going_away_during_the_retries_keeps_the_bars_and_stops_retrying(fake):
    fake.truth["XLK"] = truth_bars("XLK", last="2024-03-29")
    fake.batch_failures |= {"IWM", "XLK"}
    result = _going_offline(fake).fetch(["IWM", "XLK", "IWB"], START)
    assert list(result.bars) == ["IWB"]
    reasons = {f.ticker: f.reason for f in result.failures}
    assert (
        reasons["IWM"].startswith("cannot reach Yahoo Finance (")
        and "Could not resolve host" in reasons["IWM"]
    )
    assert reasons["XLK"].startswith("not retried: Yahoo Finance could not be reached")
    assert len(fake.histories) == 1  # stopped at the first retry that named the network


def test_the_network_going_away_before_any_bar_came_is_one_network_error(fake):
    fake.batch_failures |= {"IWM", "IWB"}  # the probes still answer: the retries run, then fail
    with pytest.raises(FetchError, match=r"^cannot reach Yahoo Finance: .*Could not resolve host"):
        _going_offline(fake).fetch(["IWM", "IWB"], START)
    assert fake.probes == 2 and len(fake.histories) == 1


def test_the_probe_reports_a_connection_error_and_passes_any_http_answer(monkeypatch):
    from curl_cffi import requests as curl_requests
    from curl_cffi.requests.exceptions import DNSError

    asked: list[tuple[str, float]] = []

    def offline(url, **kw):
        asked.append((url, kw["timeout"]))
        raise DNSError(CURL_DNS)

    monkeypatch.setattr(curl_requests, "get", offline)
    reason = real_probe(7.0)
    assert reason is not None and reason.startswith("DNSError: ") and "query2.finance.yahoo.com" in reason
    assert "curl.se" not in reason  # the library's boilerplate is dropped
    assert asked and asked[0][0].startswith("https://query2.finance.yahoo.com/") and asked[0][1] == 7.0

    monkeypatch.setattr(curl_requests, "get", lambda url, **kw: type("Answer", (), {"status_code": 429})())
    assert real_probe(7.0) is None  # rate limited is still reachable


def test_batches_hold_at_most_100_tickers_with_a_pause_between(fake):
    names = [f"T{i:03d}" for i in range(250)]
    for name in names:
        fake.truth[name] = fake.truth["IWM"]
    waited: list[float] = []
    result = make_source(fake, waited, pause_between_batches_s=1.5).fetch(names, START)
    assert [len(d[0]) for d in fake.downloads] == [100, 100, 50]
    assert waited == [1.5, 1.5]
    assert len(result.bars) == 250


def test_logged_reasons_are_captured_and_do_not_reach_the_console(fake, capsys):
    fake.batch_failures.add("IWM")
    fake.rate_limited["IWM"] = 99
    result = make_source(fake, backoff_s=()).fetch(["IWM", "IWB"], START)
    assert "rate limited" in result.failures[0].reason
    assert "Failed download" not in capsys.readouterr().err


def test_history_frames_are_tz_aware_exchange_dates_made_naive(fake):
    raw = fake.history("IWM", start=START, end=TODAY, timeout_s=1)
    assert str(raw.index.tz) == "America/New_York"
    bars = history_to_bars(raw)
    assert bars is not None and bars.index.tz is None
    assert bars.index[0] == pd.Timestamp("2024-01-02")


def test_tz_cache_is_pointed_inside_the_store(fake, tmp_path):
    from yfinance.cache import _TzDBManager

    before = _TzDBManager.get_location()
    try:
        make_source(fake, tz_cache_dir=tmp_path / "yf-cache").fetch(["IWM"], START)
        assert _TzDBManager.get_location() == str(tmp_path / "yf-cache")
        assert (tmp_path / "yf-cache").is_dir()
    finally:
        import yfinance as yf

        yf.set_tz_cache_location(before)


class _ContractTicker:
    """Stands in for ``yfinance.multi.Ticker`` (and ``yfinance.Ticker`` for the retry)."""

    limited: dict[str, int] = {}

    def __init__(self, ticker: str, session=None) -> None:
        self.ticker = ticker.upper()
        self._price_history = None

    def history(self, **kw):
        from yfinance.exceptions import YFRateLimitError

        if self.limited.get(self.ticker, 0) > 0:
            self.limited[self.ticker] -= 1
            raise YFRateLimitError()
        frame = truth_bars(self.ticker, last="2024-03-28")
        frame.index = pd.DatetimeIndex(frame.index, name="Date").tz_localize("America/New_York")
        start, end = pd.Timestamp(kw["start"]), pd.Timestamp(kw["end"])
        naive = frame.index.tz_localize(None)
        return frame.loc[(naive >= start) & (naive < end)]


@pytest.mark.filterwarnings("error")
def test_contract_with_the_real_yf_download(monkeypatch, caplog):
    """The real yf.download assembles the frame; only its per-ticker Ticker is faked (SIGNALS.md §6.2)."""
    import yfinance
    import yfinance.multi

    _ContractTicker.limited = {"IWB": 1}  # 429 inside download(), then fine when retried alone
    monkeypatch.setattr(yfinance.multi, "Ticker", _ContractTicker)
    monkeypatch.setattr(yfinance, "Ticker", _ContractTicker)
    caplog.set_level(logging.ERROR, logger="yfinance")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # yfinance 1.7's own pandas-3 deprecations
        raw = yfinance.download(
            ["IWM", "IWB"],
            start="2024-01-01",
            end="2024-02-01",
            auto_adjust=False,
            progress=False,
            threads=False,
        )
    # The shape the adapter is written against:
    assert raw.columns.names == ["Price", "Ticker"]
    assert list(raw.columns.get_level_values(0).unique()) == [
        "Adj Close",
        "Close",
        "High",
        "Low",
        "Open",
        "Volume",
    ]
    assert raw[("Close", "IWB")].isna().all()
    assert "YFRateLimitError" in caplog.text

    # Through the adapter, warnings stay errors (the mark): it must contain them itself.
    _ContractTicker.limited = {"IWB": 1}
    waited: list[float] = []
    source = YahooSource(sleep=waited.append, today=date(2024, 2, 1), backoff_s=(5,))
    result = source.fetch(["iwm", "iwb"], START)  # real download(), then real Ticker(...).history() retry
    assert sorted(result.bars) == ["IWB", "IWM"] and not result.failures
    assert result.bars["IWB"].index.dtype == "datetime64[ns]"
    assert result.bars["IWB"].index[-1] == pd.Timestamp("2024-01-31")


@pytest.mark.network
def test_live_yahoo_smoke(tmp_path):
    source = YahooSource(tz_cache_dir=tmp_path / "yf", today=datetime.now(UTC).date())
    end = source.default_end()
    assert end is not None
    result = source.fetch(["IWM", "IWB"], end - pd.Timedelta(days=20).to_pytimedelta())
    assert sorted(result.bars) == ["IWB", "IWM"]
    for bars in result.bars.values():
        assert list(bars.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
        assert bars.index[-1].date() < end
