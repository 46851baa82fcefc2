from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from generator.data.sources.demo import DemoSource
from generator.data.sources.demo_universe import demo_stocks, is_demo_stock
from generator.data.sources.yahoo_screener import equity_query, page_through, rows_from_quotes, yahoo_universe
from generator.data.store import PriceStore
from generator.data.universe import (
    YAHOO_SECTORS,
    Screen,
    apply_screen,
    latest_universe_tickers,
    load_snapshots,
    refresh_universe,
    short_interest_history,
    short_interest_record,
)
from generator.errors import FetchError


def quote(
    symbol: str, cap: float, *, price: float = 20.0, adv: float = 1e6, sector: str | None = None, **extra
):
    """One quote object as Yahoo's screener returns it (formatted=false: raw numbers)."""
    q = {
        "language": "en-US",
        "region": "US",
        "quoteType": "EQUITY",
        "typeDisp": "Equity",
        "exchange": "NMS",
        "fullExchangeName": "NasdaqGS",
        "currency": "USD",
        "symbol": symbol,
        "shortName": f"{symbol} Inc",
        "longName": f"{symbol} Incorporated",
        "marketCap": cap,
        "regularMarketPrice": price,
        "averageDailyVolume3Month": adv,
        "averageDailyVolume10Day": adv,
        "sharesOutstanding": cap / price,
    }
    if sector:
        q["sector"] = sector
    q.update(extra)
    return q


def page(quotes: list[dict], start: int, total: int) -> dict:
    """The ``finance.result[0]`` object ``yf.screen`` returns."""
    return {"start": start, "count": len(quotes), "total": total, "quotes": quotes, "useRecords": False}


class FakeScreener:
    """Pages 250 at a time over a fixed list per sector; records every call."""

    def __init__(self, by_sector: dict[str, list[dict]]) -> None:
        self.by_sector = by_sector
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, query, offset=None, size=None, sortField=None, sortAsc=None):
        assert size <= 250 and sortField == "intradaymarketcap"
        sector = next(op.operands[1] for op in query.operands if op.operands[0] == "sector")
        self.calls.append((sector, offset, size))
        rows = self.by_sector.get(sector, [])
        return page(rows[offset : offset + size], offset, len(rows))


def test_page_through_reads_until_total_in_pages_of_250():
    rows = [quote(f"S{i:03d}", 2e9) for i in range(612)]
    asked: list[tuple[int, int]] = []

    def fetch(offset, size):
        asked.append((offset, size))
        return page(rows[offset : offset + size], offset, len(rows))

    got = page_through(fetch, 250)
    assert asked == [(0, 250), (250, 250), (500, 250)]
    assert [q["symbol"] for q in got] == [q["symbol"] for q in rows]


def test_page_through_stops_on_an_empty_page_and_refuses_big_pages():
    assert page_through(lambda o, s: page([], 0, 0), 250) == []
    assert len(page_through(lambda o, s: page([quote("A", 1e9)] if o == 0 else [], o, 99), 250)) == 1
    with pytest.raises(ValueError, match="250"):
        page_through(lambda o, s: page([], 0, 0), 251)


def test_quotes_become_rows_with_percent_short_interest():
    rows = rows_from_quotes(
        [
            quote("aaa", 2e9, price=10, adv=600_000, shortPercentOfFloat=0.0734, shortRatio=3.2),
            quote(
                "BBB", 3e9, short_percentage_of_float=12.5, days_to_cover_short={"raw": 4.5, "fmt": "4.50"}
            ),
            quote("CCC", 4e9),
            {"shortName": "no symbol"},
        ],
        sector="Technology",
    )
    assert rows["ticker"].tolist() == ["AAA", "BBB", "CCC"]
    a = rows.set_index("ticker")
    assert a.loc["AAA", "short_pct_float"] == pytest.approx(7.34)
    assert a.loc["AAA", "avg_dollar_volume_usd"] == 6_000_000
    assert a.loc["BBB", "short_pct_float"] == 12.5 and a.loc["BBB", "days_to_cover"] == 4.5
    assert pd.isna(a.loc["CCC", "short_pct_float"]) and a.loc["CCC", "sector"] == "Technology"
    assert a.loc["AAA", "name"] == "aaa Incorporated"


def test_screen_keeps_the_cap_range_and_the_dollar_volume_floor():
    rows = rows_from_quotes(
        [
            quote("SMALL", 0.5e9),
            quote("IN1", 1.0e9, adv=1e6, price=10),
            quote("IN2", 9.9e9, adv=1e6, price=10),
            quote("BIG", 12e9),
            quote("THIN", 5e9, adv=10_000, price=10),
            quote("NOCAP", float("nan")),
        ]
    )
    result = apply_screen(rows, Screen(1e9, 10e9, min_dollar_volume_usd=5e6))
    assert result.rows["ticker"].tolist() == ["IN2", "IN1"]  # largest first
    assert result.dropped == {
        "market cap unknown": 1,
        "market cap outside the range": 2,
        "dollar volume below the floor": 1,
    }
    no_floor = apply_screen(rows, Screen(1e9, 10e9, min_dollar_volume_usd=0))
    assert sorted(no_floor.rows["ticker"]) == ["IN1", "IN2", "THIN"]


def test_the_query_is_the_one_signals_md_gives():
    query = equity_query(Screen(1e9, 10e9), "Energy").to_dict()
    assert query["operator"] == "AND"
    region, exchanges, cap, sector = query["operands"]
    assert region == {"operator": "EQ", "operands": ["region", "us"]}
    assert exchanges["operator"] == "OR"  # yfinance expands is-in into one EQ per exchange
    assert [op["operands"][1] for op in exchanges["operands"]] == ["NMS", "NGM", "NCM", "NYQ", "ASE"]
    assert cap == {"operator": "BTWN", "operands": ["intradaymarketcap", 1e9, 10e9]}
    assert sector == {"operator": "EQ", "operands": ["sector", "Energy"]}


def test_yahoo_universe_screens_every_sector_and_pages(tmp_path):
    tech = [quote(f"T{i:03d}", 1e9 + i * 1e7) for i in range(300)]
    energy = [quote("E1", 5e9, shortPercentOfFloat=0.2), quote("E2", 2e9)]
    screener = FakeScreener({"Technology": tech, "Energy": energy})
    paused: list[float] = []
    rows = yahoo_universe(Screen(1e9, 10e9), screen_fn=screener, sleep=paused.append, pause_s=0.5)
    assert len(rows) == 302
    assert set(rows.loc[rows["ticker"].str.startswith("T"), "sector"]) == {"Technology"}
    assert [c for c in screener.calls if c[0] == "Technology"] == [
        ("Technology", 0, 250),
        ("Technology", 250, 250),
    ]
    assert {c[0] for c in screener.calls} == set(YAHOO_SECTORS)
    assert paused == [0.5]  # one pause, between Technology's two pages


def test_a_rate_limited_screen_backs_off_then_fails_clearly():
    from yfinance.exceptions import YFRateLimitError

    def limited(*a, **k):
        raise YFRateLimitError()

    waited: list[float] = []
    with pytest.raises(FetchError, match="the Yahoo screener failed \\(YFRateLimitError"):
        yahoo_universe(Screen(), screen_fn=limited, sleep=waited.append, backoff_s=(60, 120))
    assert waited == [60, 120]


def _store(tmp_path) -> PriceStore:
    return PriceStore(tmp_path / "demo")


def test_snapshots_accumulate_and_answer_the_record_question(tmp_path):
    store = _store(tmp_path)
    for day, level in [(date(2026, 1, 2), 4.0), (date(2026, 2, 6), 5.5), (date(2026, 3, 6), 5.0)]:
        rows = pd.DataFrame(
            {
                "ticker": ["A", "B", "C"],
                "market_cap_usd": 2e9,
                "short_pct_float": [level - 1, level, level + 1],
            }
        )
        run = refresh_universe(lambda s, r=rows: r, Screen(), store, day)
    assert run.record is not None and run.record.rank == 2 and not run.record.at_record_high
    assert "number 2 of 3 snapshots since 2026-01-02" in run.record.describe()
    snaps = load_snapshots(store.folder)
    assert sorted(snaps["snapshot"].dt.date.unique()) == [
        date(2026, 1, 2),
        date(2026, 2, 6),
        date(2026, 3, 6),
    ]
    history = short_interest_history(snaps)
    assert history["median_pct"].tolist() == [4.0, 5.5, 5.0]
    assert short_interest_record(history.iloc[:2]).at_record_high
    assert latest_universe_tickers(store.folder) == ["A", "B", "C"]
    # Only snapshots up to a date: no look-ahead when asking about the past.
    assert len(load_snapshots(store.folder, through=date(2026, 2, 6))["snapshot"].unique()) == 2


def test_an_empty_screen_is_an_error_and_stores_nothing(tmp_path):
    store = _store(tmp_path)
    empty = pd.DataFrame({"ticker": ["X"], "market_cap_usd": [50e9]})
    with pytest.raises(FetchError, match="kept no stocks"):
        refresh_universe(lambda s: empty, Screen(), store, date(2026, 1, 2))
    assert load_snapshots(store.folder).empty


@pytest.fixture(scope="module")
def demo() -> DemoSource:
    """One demo source for the module: generating 300 stocks' bars takes about a second."""
    return DemoSource()


def test_demo_universe_is_deterministic_and_plausible(demo):
    first = demo.universe(date(2026, 6, 30))
    again = DemoSource(seed=demo.seed).universe(date(2026, 6, 30))
    pd.testing.assert_frame_equal(first, again)
    assert len(first) == 300 and first["ticker"].map(is_demo_stock).all()
    assert first["name"].str.endswith("(synthetic)").all()
    kept = apply_screen(first, Screen(1e9, 10e9, min_dollar_volume_usd=5e6)).rows
    assert 100 < len(kept) < 250
    assert first["short_pct_float"].between(0, 60).all() and (first["days_to_cover"] > 0).all()
    assert demo_stocks(demo.seed) != demo_stocks(demo.seed + 1)  # another seed, another universe


def test_demo_stock_prices_match_their_market_caps(demo):
    source = demo
    snapshot = source.universe(date(2026, 6, 30)).set_index("ticker")
    stock = demo_stocks(source.seed)[0]
    bars = source.fetch([stock.ticker], date(2026, 1, 1)).bars[stock.ticker]
    assert snapshot.loc[stock.ticker, "price_usd"] == bars["close"].iloc[-1]
    assert snapshot.loc[stock.ticker, "market_cap_usd"] == pytest.approx(stock.cap_last_usd, rel=1e-6)


def test_demo_short_interest_is_at_a_record_in_the_last_snapshot(tmp_path, demo):
    """The demo's story: shorts pile into small caps in the first half of 2026."""
    source = demo
    store = _store(tmp_path)
    for stamp in pd.date_range("2025-01-31", "2026-06-30", freq="BME"):
        day = stamp.date()
        run = refresh_universe(lambda s, d=day: source.universe(d), Screen(), store, day)
    assert run.record is not None and run.record.at_record_high and run.record.snapshots == 18
