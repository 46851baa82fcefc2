"""Charts of real ETF prices (../shared/data): IWM's all-time-high breakout of 8 Nov 2024."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pandas as pd
import pytest

from generator.charts import Breakout, ChartFrame, build_price_chart, build_ratio_chart, render_png
from generator.data.prices import weekly_last
from tests.chart_helpers import all_text, texts_outside
from tests.helpers import shared_folder

AS_OF = date(2024, 11, 8)
FRAME = ChartFrame("Rotation Desk", AS_OF, "Data: Yahoo Finance via yfinance")


def _closes(*tickers: str) -> dict[str, pd.Series]:
    folder = shared_folder("adjusted-closes")
    closes = {}
    for ticker in tickers:
        frame = pd.read_csv(folder / f"{ticker}.csv", parse_dates=["Date"], index_col="Date")
        closes[ticker] = frame["Close"].loc[: pd.Timestamp(AS_OF)]
    return closes


def test_iwm_breaks_out_above_its_2021_high_on_its_chart():
    close = _closes("IWM")["IWM"]
    weekly = weekly_last(close.to_frame("IWM"))["IWM"]
    level = float(weekly.iloc[:-1].max())  # the prior all-time weekly closing high
    assert weekly.iloc[-1] > level >= weekly.iloc[-2]  # the first weekly close above it
    ath = SimpleNamespace(day=weekly.index[-1].date(), level=level)
    assert ath.day == AS_OF
    fig = build_price_chart(
        close,
        ticker="IWM",
        name="Russell 2000",
        frame=FRAME,
        ath_level=ath.level,
        breakout=Breakout(ath.day, ath.level, "All-time-high breakout"),
    )
    text = all_text(fig)
    assert f"All-time-high breakout 8 Nov 2024\nabove {ath.level:,.2f}" in text
    assert "above the prior all-time high" in text
    (ax,) = fig.axes
    prior = [ln for ln in ax.get_lines() if list(ln.get_ydata()) == [ath.level, ath.level]]
    assert prior, "the prior all-time high is not drawn"
    assert texts_outside(fig) == []


def test_iwm_vs_iwb_ratio_chart_of_real_prices_is_stable_bytes():
    closes = _closes("IWM", "IWB")
    build = lambda: build_ratio_chart(closes["IWM"], closes["IWB"], long="IWM", short="IWB", frame=FRAME)  # noqa: E731
    fig = build()
    ratio = fig.axes[1].get_lines()[0].get_ydata()
    expected = (closes["IWM"] / closes["IWB"]).iloc[-1] / (closes["IWM"] / closes["IWB"]).iloc[-756]
    assert ratio[-1] == pytest.approx(100 * expected)
    assert texts_outside(fig) == []
    assert render_png(fig) == render_png(build())
