"""The ``yfinance`` source: Yahoo Finance daily bars, with its quiet failures made loud.

yfinance 1.x does not raise when a ticker fails: ``download`` logs the error and returns an
empty or all-NaN column (SIGNALS.md §5.1, §5.5). This adapter therefore:

- always passes ``auto_adjust=False`` (both closes: quoted ``Close``, total-return ``Adj Close``),
  an explicit ``start`` and an exclusive ``end`` of today in New York, so today's partial bar
  is never stored;
- downloads at most ``batch_size`` (<= 100) tickers per call, pausing between calls;
- treats a ticker that is missing, empty or all-NaN as failed, with the reason yfinance logged;
- retries each failed ticker alone through ``Ticker.history`` (which raises on HTTP 429),
  backing off ``backoff_s`` seconds on ``YFRateLimitError`` before giving up (the sleep is
  injectable so tests never wait);
- points yfinance's timezone/cookie cache inside the store and contains the pandas
  deprecation warnings yfinance 1.7 emits under pandas 3 (SIGNALS.md §5.5 item 10);
- names a network failure once, in seconds. Offline, yfinance 1.7 returns empty frames and
  logs either the curl error (``DNSError('... Could not resolve host ...')``, no timezone
  cached yet) or only "possibly delisted; no price data found" (timezones cached by an earlier
  fetch), so 32 tickers were each blamed as a wrong symbol after two and a half minutes of
  one-by-one retries. So one cheap request (``probe``, once per source) goes first: a
  network that does not answer is one FetchError in seconds, before yfinance spends its
  network retries on every ticker (51 s for 32 tickers offline). A connection error that
  yfinance logs later (the network dropping mid-run) stops the run as well: with no bars yet
  it is the same FetchError, otherwise the bars are kept and the tickers left are named.
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from generator.data.sources.base import FetchFailure, SourceResult, normalise_bars
from generator.errors import FetchError

YF_FIELDS = {
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Adj Close": "adj_close",
    "Volume": "volume",
}
_LOGGED_FAILURE = re.compile(r"^\s*\[(?P<syms>[^\]]*)\]:\s*(?P<reason>.+)$", re.S)
# A message that says the network, not the symbol, failed: the exception names curl_cffi and
# requests raise (both reach yfinance's log as ``Name('...')``) and curl's own wording.
_NETWORK = re.compile(
    r"\b(?:DNSError|ConnectionError|ConnectTimeout|ReadTimeout|Timeout|ProxyError|SSLError|"
    r"NameResolutionError|MaxRetryError)\b|Could not resolve (?:host|proxy)|Failed to connect|"
    r"Connection refused|Connection timed out|Network is unreachable|No route to host|"
    r"Temporary failure in name resolution|Name or service not known",
)
_BOILERPLATE = re.compile(r"\s*See https://curl\.se/\S+ first for more details\.?|Failed to perform, ")
PROBE_URL = "https://query2.finance.yahoo.com/v8/finance/chart/SPY?range=1d&interval=1d"
PROBE_TIMEOUT_S = 10.0


class Downloader(Protocol):
    """``yf.download`` reduced to what the adapter passes."""

    def __call__(self, tickers: list[str], *, start: date, end: date, threads: int, timeout_s: float) -> Any:
        """Return yfinance's wide frame (columns ``(Price, Ticker)``)."""
        ...


class HistoryFetcher(Protocol):
    """``yf.Ticker(t).history`` reduced to what the adapter passes."""

    def __call__(self, ticker: str, *, start: date, end: date, timeout_s: float) -> Any:
        """Return one ticker's frame (tz-aware index; raises YFRateLimitError on HTTP 429)."""
        ...


def yf_download(tickers: list[str], *, start: date, end: date, threads: int, timeout_s: float) -> Any:
    """The real ``yf.download`` with the call SIGNALS.md §5.1 recommends."""
    import yfinance as yf

    return yf.download(
        tickers,
        start=start.isoformat(),
        end=end.isoformat(),
        interval="1d",
        auto_adjust=False,
        actions=False,
        group_by="column",
        multi_level_index=True,
        threads=max(1, min(threads, len(tickers))),
        progress=False,
        repair=False,
        timeout=timeout_s,
    )


def yf_history(ticker: str, *, start: date, end: date, timeout_s: float) -> Any:
    """The real ``yf.Ticker(ticker).history`` for one ticker, both closes."""
    import yfinance as yf

    return yf.Ticker(ticker).history(
        start=start.isoformat(),
        end=end.isoformat(),
        interval="1d",
        auto_adjust=False,
        actions=False,
        timeout=timeout_s,
    )


class Probe(Protocol):
    """One cheap request to Yahoo: None when it answered at all, else why it could not be reached."""

    def __call__(self, timeout_s: float) -> str | None:
        """Why Yahoo cannot be reached, or None."""
        ...


def short_reason(text: str) -> str:
    """A library's error message without curl's boilerplate, on one line."""
    return " ".join(_BOILERPLATE.sub("", text).split()).rstrip(".")


def network_reason(messages: Sequence[str]) -> str | None:
    """The first message that blames the network (DNS, refused, timed out, proxy, TLS), shortened."""
    for message in messages:
        if _NETWORK.search(message):
            return short_reason(message)
    return None


def yf_probe(timeout_s: float) -> str | None:
    """GET Yahoo's chart endpoint once, through yfinance's proxy setting: None on any HTTP answer
    (even a 404 or a 429 proves the network works), else the exception that stopped it.
    """
    import yfinance as yf

    proxy = yf.config.network.proxy
    proxies: Any = proxy if isinstance(proxy, dict) else {"http": proxy, "https": proxy} if proxy else None
    try:
        from curl_cffi import requests as http

        http.get(PROBE_URL, timeout=timeout_s, proxies=proxies, impersonate="chrome")
    except ImportError:  # yfinance 1.4+ runs on plain requests when curl_cffi is missing
        import requests

        try:
            requests.get(PROBE_URL, timeout=timeout_s, proxies=proxies)
        except Exception as exc:
            return f"{type(exc).__name__}: {short_reason(str(exc))}"
    except Exception as exc:
        return f"{type(exc).__name__}: {short_reason(str(exc))}"
    return None


def is_rate_limit(exc: BaseException) -> bool:
    """True for yfinance's ``YFRateLimitError`` (HTTP 429)."""
    try:
        from yfinance.exceptions import YFRateLimitError
    except ImportError:  # pragma: no cover - yfinance is a dependency
        return False
    return isinstance(exc, YFRateLimitError)


class YahooSource:
    """Daily bars from Yahoo Finance through yfinance."""

    name = "yfinance"
    label = "Yahoo Finance (yfinance)"
    synthetic = False
    calendar = "XNYS"

    def __init__(
        self,
        *,
        batch_size: int = 100,
        threads: int = 8,
        timeout_s: float = 30.0,
        backoff_s: Sequence[float] = (60.0, 120.0),
        pause_between_batches_s: float = 1.0,
        retries_network: int | None = None,
        tz_cache_dir: Path | None = None,
        download: Downloader | None = None,
        history: HistoryFetcher | None = None,
        sleep: Callable[[float], None] = time.sleep,
        today: date,
        probe: Probe | None = None,
    ) -> None:
        if not 1 <= batch_size <= 100:
            raise ValueError("batch_size must be between 1 and 100 (SIGNALS.md §5.3)")
        self.batch_size = batch_size
        self.threads = threads
        self.timeout_s = timeout_s
        self.backoff_s = tuple(backoff_s)
        self.pause_between_batches_s = pause_between_batches_s
        self.tz_cache_dir = tz_cache_dir
        self.retries_network = retries_network
        self._download = download or yf_download
        self._history = history or yf_history
        self._sleep = sleep
        self._today = today
        self._probe = probe if probe is not None else yf_probe
        self._answered = False  # the probe got an answer once: no need to ask again
        self._calls = 0
        self._network_log: list[str] = []  # every message yfinance logged during this fetch

    def default_end(self) -> date | None:
        """Today in New York: ``end`` is exclusive, so today's partial bar is never fetched."""
        return self._today

    def available_tickers(self) -> list[str] | None:
        """Yahoo cannot list its tickers: none (the configured ones are fetched)."""
        return None

    def fingerprints(self, tickers: Sequence[str]) -> dict[str, str]:
        """Yahoo cannot say what changed without a download."""
        return {}

    def fetch(self, tickers: Sequence[str], start: date, end: date | None = None) -> SourceResult:
        """Bars for ``tickers`` from ``start`` to ``end`` (exclusive; never later than today)."""
        today = self._today
        end = today if end is None else min(end, today)
        wanted = list(dict.fromkeys(t.strip().upper() for t in tickers if t.strip()))
        if not wanted or start >= end:
            return SourceResult(bars={}, failures=[])
        self._point_cache()
        self._check_reachable()
        self._network_log = []
        bars: dict[str, pd.DataFrame] = {}
        reasons: dict[str, str] = {}
        for first in range(0, len(wanted), self.batch_size):
            batch = wanted[first : first + self.batch_size]
            got, failed = self._download_batch(batch, start, end)
            bars.update(got)
            reasons.update(failed)
        try:
            if not bars and reasons:
                # Every ticker empty: the network may have gone since the probe (a warm timezone
                # cache then logs only "possibly delisted"), so ask again before any retry.
                self._stop_if_offline([*reasons.values(), *self._network_log])
                self._answered = False
                self._check_reachable()
            failures = self._retry_alone(reasons, start, end, bars)
        except _NetworkDown as down:
            raise _unreachable(down.reason) from None
        return SourceResult(bars=bars, failures=failures)

    def _check_reachable(self) -> None:
        """Ask Yahoo once per source; a FetchError naming the network when nothing answers."""
        if self._answered:
            return
        reason = self._probe(min(self.timeout_s, PROBE_TIMEOUT_S))
        if reason is not None:
            raise _unreachable(reason)
        self._answered = True

    def _stop_if_offline(self, messages: Sequence[str]) -> None:
        """Raise ``_NetworkDown`` when one of ``messages`` (yfinance's log, an exception) says the
        network failed.
        """
        reason = network_reason(messages)
        if reason is not None:
            raise _NetworkDown(reason)

    def _point_cache(self) -> None:
        """Set yfinance's process-wide options: its caches inside the store, its network retries."""
        if self.tz_cache_dir is None and self.retries_network is None:
            return
        import yfinance as yf

        if self.tz_cache_dir is not None:
            self.tz_cache_dir.mkdir(parents=True, exist_ok=True)
            yf.set_tz_cache_location(str(self.tz_cache_dir))
        if self.retries_network is not None:
            # Exponential back-off on transient network errors only; 429s are handled here.
            yf.config.network.retries = self.retries_network

    def _download_batch(
        self, batch: list[str], start: date, end: date
    ) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
        if self._calls and self.pause_between_batches_s > 0:
            self._sleep(self.pause_between_batches_s)  # be gentle between batches (SIGNALS.md §5.3)
        self._calls += 1
        with _contained() as logged:
            try:
                frame = self._download(
                    batch, start=start, end=end, threads=self.threads, timeout_s=self.timeout_s
                )
            except Exception as exc:  # download() should not raise; if it does, retry one by one
                return {}, {t: f"download failed ({exc!r})" for t in batch}
            finally:
                self._network_log += logged.messages
        bars, missing = split_download_frame(frame, batch)
        failed = {t: logged.get(t, "no rows from Yahoo (empty or all-NaN)") for t in missing}
        return bars, failed

    def _retry_alone(
        self, reasons: dict[str, str], start: date, end: date, bars: dict[str, pd.DataFrame]
    ) -> list[FetchFailure]:
        """Retry each failed ticker alone; after one gives up on rate limits, stop waiting.

        A retry that blames the network ends the retries: with no bars at all the whole fetch
        fails (``_NetworkDown``); otherwise the bars already fetched are kept and the tickers
        left are named as not fetched, once each, without waiting on every one.
        """
        failures: list[FetchFailure] = []
        still_limited = False
        down: str | None = None
        for ticker, first_reason in reasons.items():
            if down is not None:
                unreached = f"not retried: Yahoo Finance could not be reached ({down})"
                failures.append(FetchFailure(ticker, unreached))
                continue
            if still_limited:
                failures.append(FetchFailure(ticker, "not retried: Yahoo was still rate limiting (HTTP 429)"))
                continue
            try:
                frame, reason, limited = self._history_with_backoff(ticker, start, end)
            except _NetworkDown as exc:
                if not bars:
                    raise
                down = exc.reason
                failures.append(FetchFailure(ticker, f"cannot reach Yahoo Finance ({down})"))
                continue
            if frame is not None:
                bars[ticker] = frame
                continue
            still_limited = limited
            failures.append(FetchFailure(ticker, reason or first_reason))
        return failures

    def _history_with_backoff(
        self, ticker: str, start: date, end: date
    ) -> tuple[pd.DataFrame | None, str | None, bool]:
        """One ticker through ``Ticker.history``: (bars, reason, gave up on rate limits)."""
        waits = list(self.backoff_s)
        waited: list[float] = []
        while True:
            with _contained() as logged:
                try:
                    raw = self._history(ticker, start=start, end=end, timeout_s=self.timeout_s)
                except Exception as exc:
                    if not is_rate_limit(exc):
                        self._stop_if_offline([repr(exc)])
                        return None, f"{type(exc).__name__}: {exc}", False
                    if not waits:
                        spent = ", ".join(f"{w:g} s" for w in waited) or "no wait"
                        return None, f"rate limited by Yahoo (HTTP 429); gave up after waiting {spent}", True
                    wait = waits.pop(0)
                    waited.append(wait)
                    self._sleep(wait)
                    continue
            frame = history_to_bars(raw)
            if frame is None:
                self._stop_if_offline(logged.messages)
                return (
                    None,
                    logged.get(ticker, "no rows from Yahoo (possibly delisted or a wrong symbol)"),
                    False,
                )
            return frame, None, False


def split_download_frame(frame: Any, requested: Sequence[str]) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Per-ticker normalised bars from ``yf.download``'s frame, and the tickers it lacks (pure).

    Accepts ``(Price, Ticker)`` columns (``group_by="column"``, the adapter's call),
    ``(Ticker, Price)`` (``group_by="ticker"``) and flat columns (one ticker,
    ``multi_level_index=False``). A ticker is missing when it has no column or no close.
    """
    wanted = [t.upper() for t in requested]
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return {}, wanted
    columns = frame.columns
    per_ticker: dict[str, pd.DataFrame] = {}
    if isinstance(columns, pd.MultiIndex):
        level = _ticker_level(columns)
        for ticker in {str(t) for t in columns.get_level_values(level)}:
            part = frame.xs(ticker, axis=1, level=level)
            if isinstance(part, pd.DataFrame):
                per_ticker[ticker.upper()] = part
    elif len(wanted) == 1:
        per_ticker[wanted[0]] = frame
    bars: dict[str, pd.DataFrame] = {}
    missing: list[str] = []
    for ticker in wanted:
        found = per_ticker.get(ticker)
        normal = _to_bars(found) if found is not None else None
        if normal is None:
            missing.append(ticker)
        else:
            bars[ticker] = normal
    return bars, missing


def _ticker_level(columns: pd.MultiIndex) -> int:
    names = [str(n) if n is not None else "" for n in columns.names]
    if "Ticker" in names:
        return names.index("Ticker")
    fields = set(YF_FIELDS)
    return 1 if {str(v) for v in columns.get_level_values(0)} & fields else 0


def _to_bars(part: pd.DataFrame) -> pd.DataFrame | None:
    renamed = part.rename(columns={k: v for k, v in YF_FIELDS.items() if k in part.columns})
    if "close" not in renamed.columns:
        return None
    if "adj_close" not in renamed.columns:
        # auto_adjust=True output: Close is already total-return; keep the quoted basis missing
        # rather than pretending, and let the caller report it.
        return None
    bars = normalise_bars(renamed)
    return None if bars.empty else bars


def history_to_bars(raw: Any) -> pd.DataFrame | None:
    """Normalised bars from ``Ticker.history`` (tz-aware exchange dates); None if empty (pure)."""
    if not isinstance(raw, pd.DataFrame) or raw.empty:
        return None
    frame = raw.copy()
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        # Exchange-local midnight stamps: drop the zone, keep the wall-clock date.
        frame.index = index.tz_localize(None)
    return _to_bars(frame)


def _unreachable(reason: str) -> FetchError:
    return FetchError(f"cannot reach Yahoo Finance: {reason}; check the network")


class _NetworkDown(Exception):
    """Yahoo cannot be reached at all (not a ticker's fault); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Logged(dict[str, str]):
    """Ticker -> the failure reason yfinance logged for it during one call, and every message."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []


@contextmanager
def _contained() -> Iterator[_Logged]:
    """Collect yfinance's failure log lines and keep its pandas deprecation warnings quiet."""
    logged = _Logged()
    handler = _FailureHandler(logged)
    logger = logging.getLogger("yfinance")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            # yfinance 1.7 calls pandas with inplace= under pandas 3 (SIGNALS.md §5.5 item 10);
            # the warning is about yfinance's code, not ours, and says nothing to a user.
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"yfinance(\.|$)")
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"yfinance(\.|$)")
            yield logged
    finally:
        logger.removeHandler(handler)


class _FailureHandler(logging.Handler):
    """Parses ``"['SYM']: reason"`` lines that ``yf.download`` logs at ERROR."""

    def __init__(self, sink: _Logged) -> None:
        super().__init__(level=logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        """Remember the message, and the reason for every symbol named in it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return
        self.sink.messages.append(message)
        match = _LOGGED_FAILURE.match(message)
        if not match:
            return
        for symbol in re.findall(r"'([^']+)'", match.group("syms")):
            self.sink[symbol.upper()] = match.group("reason").strip()
