"""The Yahoo screener behind `rotation universe`: ``yf.screen`` with an ``EquityQuery``.

SIGNALS.md §4.3: US region, the listed exchanges, ``intradaymarketcap`` between the bounds,
250 rows a page, paged with ``offset`` until the response's ``total``. The screen runs once
per Yahoo sector (``EquityQuery('eq', ['sector', S])``), so each row's sector is known from
the query whatever fields Yahoo's quote objects carry. ``screen_fn`` is injectable (tests
pass a fake that returns the response's real shape); rate limits back off like price fetches.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from generator.data.universe import UNIVERSE_COLUMNS, YAHOO_SECTORS, Screen, normalise_rows
from generator.errors import ConfigError, FetchError

ScreenFn = Callable[..., Any]


def _number(quote: dict[str, Any], *keys: str) -> float | None:
    """The first numeric field found (Yahoo sends ``{"raw": x, "fmt": ...}`` when formatted)."""
    for key in keys:
        value = quote.get(key)
        if isinstance(value, dict):
            value = value.get("raw")
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    return None


def rows_from_quotes(quotes: Sequence[dict[str, Any]], sector: str | None = None) -> pd.DataFrame:
    """Universe rows from the screener's quote objects (pure).

    Short interest: ``shortPercentOfFloat`` (quoteSummary style) is a fraction and is turned
    into percent; the screener-field spellings (``short_percentage_of_float``) are already
    percent. Days to cover: ``shortRatio`` or ``days_to_cover_short``.
    """
    rows = []
    for quote in quotes:
        symbol = quote.get("symbol")
        if not symbol:
            continue
        price = _number(quote, "regularMarketPrice", "intradayprice", "eodprice")
        volume = _number(quote, "averageDailyVolume3Month", "avgdailyvol3m")
        fraction = _number(quote, "shortPercentOfFloat")
        short_pct = (
            fraction * 100
            if fraction is not None
            else _number(quote, "short_percentage_of_float", "short_percentage_of_float.value")
        )
        rows.append(
            {
                "ticker": str(symbol),
                "name": quote.get("longName") or quote.get("shortName") or quote.get("displayName"),
                "sector": sector or quote.get("sector"),
                "exchange": quote.get("exchange"),
                "market_cap_usd": _number(quote, "marketCap", "intradaymarketcap"),
                "price_usd": price,
                "avg_dollar_volume_usd": volume * price if volume is not None and price is not None else None,
                "short_pct_float": short_pct,
                "days_to_cover": _number(
                    quote, "shortRatio", "days_to_cover_short", "days_to_cover_short.value"
                ),
            }
        )
    return normalise_rows(pd.DataFrame(rows, columns=list(UNIVERSE_COLUMNS)))


def page_through(
    fetch_page: Callable[[int, int], dict[str, Any]],
    page_size: int,
    *,
    pause: Callable[[], None] = lambda: None,
) -> list[dict[str, Any]]:
    """Every quote of a screen: pages of ``page_size`` from offset 0 until the response's ``total``."""
    if not 1 <= page_size <= 250:
        raise ValueError("Yahoo limits a screener page to 250 rows")
    quotes: list[dict[str, Any]] = []
    offset = 0
    total: int | None = None
    while total is None or offset < total:
        if offset:
            pause()
        response = fetch_page(offset, page_size)
        page = list(response.get("quotes") or [])
        total = int(response.get("total") or 0) if total is None else total
        quotes.extend(page)
        if not page:
            break
        offset += len(page)
    return quotes


def equity_query(screen: Screen, sector: str | None) -> Any:
    """The EquityQuery of SIGNALS.md §4.3 (US region, the exchanges, the cap range), per sector."""
    from yfinance import EquityQuery

    parts = [
        EquityQuery("eq", ["region", "us"]),
        EquityQuery("is-in", ["exchange", *screen.exchanges]),
        EquityQuery("btwn", ["intradaymarketcap", screen.min_market_cap_usd, screen.max_market_cap_usd]),
    ]
    if sector is not None:
        parts.append(EquityQuery("eq", ["sector", sector]))
    return EquityQuery("and", parts)


def yahoo_universe(
    screen: Screen,
    *,
    screen_fn: ScreenFn | None = None,
    sleep: Callable[[float], None] = time.sleep,
    backoff_s: Sequence[float] = (60.0, 120.0),
    pause_s: float = 1.0,
) -> pd.DataFrame:
    """Screen every Yahoo sector through ``yf.screen`` (injectable) and return the rows, unfiltered."""
    if screen_fn is None:
        import yfinance as yf

        screen_fn = yf.screen
    frames = []
    for sector in YAHOO_SECTORS:
        query = equity_query(screen, sector)

        def fetch_page(offset: int, size: int, query: Any = query) -> dict[str, Any]:
            return _with_backoff(
                lambda: screen_fn(
                    query, offset=offset, size=size, sortField="intradaymarketcap", sortAsc=False
                ),
                sleep,
                backoff_s,
            )

        quotes = page_through(fetch_page, screen.page_size, pause=lambda: sleep(pause_s))
        frames.append(rows_from_quotes(quotes, sector))
    return normalise_rows(pd.concat(frames, ignore_index=True))


def _with_backoff(call: Callable[[], Any], sleep: Callable[[float], None], backoff_s: Sequence[float]) -> Any:
    from generator.data.sources.yahoo import is_rate_limit

    waits = list(backoff_s)
    while True:
        try:
            response = call()
        except Exception as exc:
            if is_rate_limit(exc) and waits:
                sleep(waits.pop(0))
                continue
            raise FetchError(
                f"the Yahoo screener failed ({type(exc).__name__}: {exc}); try again later"
            ) from exc
        if not isinstance(response, dict):
            raise FetchError(f"the Yahoo screener answered {type(response).__name__}, not a result page")
        return response


class YahooScreener:
    """`rotation universe --source yfinance`: Yahoo's screener, which only knows today."""

    def __init__(
        self,
        *,
        today: date,
        cache_dir: Path | None = None,
        screen_fn: ScreenFn | None = None,
        backoff_s: Sequence[float] = (60.0, 120.0),
        pause_s: float = 1.0,
    ) -> None:
        self.today = today
        self.cache_dir = cache_dir
        self.screen_fn = screen_fn
        self.backoff_s = tuple(backoff_s)
        self.pause_s = pause_s

    def snapshot_day(self, asked: date) -> date:
        """Today; ConfigError for any other day (Yahoo has no past market caps)."""
        if asked != self.today:
            raise ConfigError("--as-of: the Yahoo screener only knows today's market caps; use --source demo")
        return asked

    def rows(self, screen: Screen, day: date) -> pd.DataFrame:
        """Every sector's stocks in the screen's bounds, unfiltered (yfinance's caches in the store)."""
        if self.cache_dir is not None:
            import yfinance as yf

            self.cache_dir.mkdir(parents=True, exist_ok=True)
            yf.set_tz_cache_location(str(self.cache_dir))
        return yahoo_universe(
            screen, screen_fn=self.screen_fn, backoff_s=self.backoff_s, pause_s=self.pause_s
        )
