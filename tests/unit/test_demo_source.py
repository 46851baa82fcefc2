from __future__ import annotations

import hashlib
import time
from datetime import date

import numpy as np
import pandas as pd

from generator.data.prices import weekly_last
from generator.data.sources.demo import (
    DEMO_FIRST_DAY,
    DEMO_LAST_DAY,
    PROFILES,
    DemoSource,
    generate_demo_bars,
)


def _digest(frames: dict[str, pd.DataFrame]) -> str:
    h = hashlib.sha256()
    for ticker in sorted(frames):
        h.update(ticker.encode())
        h.update(np.ascontiguousarray(frames[ticker].to_numpy()).tobytes())
    return h.hexdigest()


def test_same_seed_gives_identical_bars_and_another_seed_does_not():
    first = generate_demo_bars(list(PROFILES), 7)
    assert _digest(first) == _digest(generate_demo_bars(list(PROFILES), 7))
    assert _digest(first) != _digest(generate_demo_bars(list(PROFILES), 8))


def test_a_ticker_does_not_depend_on_which_others_are_asked_for():
    alone = generate_demo_bars(["XLK"], 7)["XLK"]
    together = generate_demo_bars(list(PROFILES), 7)["XLK"]
    pd.testing.assert_frame_equal(alone, together)


def test_generating_the_whole_universe_is_fast():
    started = time.perf_counter()
    generate_demo_bars(list(PROFILES), 20260630)
    assert time.perf_counter() - started < 1.0


def test_bars_are_well_formed(demo_prices):
    close, adj = demo_prices.close, demo_prices.adj_close
    assert close.index[0].date() == DEMO_FIRST_DAY and close.index[-1].date() == DEMO_LAST_DAY
    assert close.min().min() > 0
    assert ((demo_prices.high >= close - 1e-9) | close.isna()).all().all()
    assert ((demo_prices.low <= close + 1e-9) | close.isna()).all().all()
    # Dividend adjustment: adjusted <= quoted before the last ex-date, equal after it.
    assert (adj["SPY"] <= close["SPY"] + 1e-9).all()
    assert adj["SPY"].iloc[0] < 0.9 * close["SPY"].iloc[0]
    # ARK funds pay nothing: both bases agree.
    assert np.allclose(adj["ARKK"].dropna(), close["ARKK"].dropna())


def test_funds_start_at_their_inception(demo_prices):
    assert demo_prices.close["ARKX"].first_valid_index() == pd.Timestamp("2021-03-30")
    assert demo_prices.close["XLC"].first_valid_index() == pd.Timestamp("2018-06-19")


def test_unknown_tickers_get_a_generic_series():
    result = DemoSource().fetch(["zzz"], date(2020, 1, 1), date(2020, 2, 1))
    assert list(result.bars) == ["ZZZ"] and not result.failures
    assert result.bars["ZZZ"].index[-1] < pd.Timestamp("2020-02-01")


def test_scripted_stories_are_in_the_data(demo_prices):
    weekly = weekly_last(demo_prices.close)
    # PSCT: a ceiling at 100 from Nov 2021, attempted from Aug 2025, cleared in Jan 2026.
    psct = weekly["PSCT"]
    assert psct["2021-11-12":"2026-01-02"].max() <= 100.0
    assert psct["2025-08-22":"2026-01-02"].min() >= 97.0
    assert psct[pd.Timestamp("2026-01-09")] > 100.0
    # ARKX: first weekly close above its 2021 high in October 2025.
    arkx = weekly["ARKX"].dropna()
    first_above = arkx[arkx > arkx[:"2021-12-31"].max()].index[0]
    assert first_above == pd.Timestamp("2025-10-10")
    # XLE: breaks above 95 in February 2026, back below 90.25 within six weeks.
    xle = weekly["XLE"]
    assert xle["2023-01-06":"2026-02-06"].max() <= 95.0
    assert xle[pd.Timestamp("2026-02-13")] > 95.0 and xle["2026-03-06":"2026-03-27"].min() < 90.25
