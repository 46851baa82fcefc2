from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from generator.data.sources.csvfolder import CsvFolderSource, parse_price_csv, ticker_of
from generator.errors import FetchError
from tests.helpers import shared_folder

EARLY = date(1900, 1, 1)


def parse(text: str, name: str = "T.csv"):
    return parse_price_csv(text, ticker=ticker_of(Path(name)), file_name=name)


def kinds(parsed) -> dict[str, str]:
    return {n.kind: n.message for n in parsed.notes}


def test_yahoo_layout_keeps_both_closes():
    parsed = parse(
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-01-02,10,11,9,10.5,10.1,100\n"
        "2024-01-03,10.5,11.5,10,11,10.6,200\n"
    )
    assert not parsed.one_close and parsed.notes == []
    bars = parsed.bars
    assert list(bars.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert bars.loc["2024-01-03", "close"] == 11 and bars.loc["2024-01-03", "adj_close"] == 10.6
    assert bars.index.dtype == "datetime64[ns]" and bars.index.name == "date"


def test_one_close_layouts_fill_both_bases():
    for text in (
        "Date,Close\n2024-01-02,10\n2024-01-03,11\n",
        "Date,Close,High,Low,Open,Volume\n2024-01-02,10,11,9,9.5,5\n2024-01-03,11,12,10,10,6\n",
        '\ufeff"Date","Value"\n"01/02/2024",10\n"01/03/2024",11\n',
    ):
        parsed = parse(text)
        assert parsed.one_close
        assert parsed.bars["adj_close"].tolist() == parsed.bars["close"].tolist() == [10, 11]
        assert parsed.bars.index[0] == pd.Timestamp("2024-01-02")


def test_newest_first_lower_case_is_sorted_without_a_note():
    parsed = parse(
        "timestamp,open,high,low,close,volume\r\n2024-01-03,1,2,1,2,5\r\n2024-01-02,1,2,1,1.5,5\r\n"
    )
    assert parsed.bars.index.is_monotonic_increasing
    assert parsed.bars["close"].tolist() == [1.5, 2]
    assert "csv_unsorted" not in kinds(parsed)


def test_timestamps_with_an_offset_are_new_york_dates():
    parsed = parse("Date,Close\n2020-07-27 04:00:00+00:00,10\n2020-12-01 05:00:00+00:00,11\n")
    assert list(parsed.bars.index) == [pd.Timestamp("2020-07-27"), pd.Timestamp("2020-12-01")]


def test_every_kind_of_bad_row_is_reported_with_its_line_and_nothing_crashes():
    parsed = parse(
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-01-03,1,2,0.5,1.5,1.4,100\n"  # line 2
        "\n"  # line 3: blank
        "2024-01-02,1,2,0.5,abc,1.4,100\n"  # line 4: non-numeric close
        "2024-01-04,1,2,0.5,-1,1.4,100\n"  # line 5: negative close
        "2024-01-05,1,2,0.5,2,1.9,100\n"  # line 6
        "2024-01-05,1,2,0.5,2.1,1.9,100\n"  # line 7: duplicate date, different close
        "not a date,1,1,1,1,1,1\n"  # line 8
        "2024-01-08,0,2,0.5,2.2,2.0,-5\n"  # line 9: zero open, negative volume
        "2024-01-01,1,2,0.5,1.2,1.1,100\n"  # line 10: out of order
    )
    found = kinds(parsed)
    assert "line 3" in found["csv_blank"]
    assert "line 4 (2024-01-02) 'abc'" in found["csv_non_numeric"]
    non_positive = " | ".join(n.message for n in parsed.notes if n.kind == "non_positive")
    assert "close is zero or negative: line 5 (2024-01-04) -1" in non_positive
    assert "open is zero or negative: line 9 (2024-01-08) 0" in non_positive
    assert "2024-01-05 on lines 6, 7 (different closes; kept line 7)" in found["csv_duplicate"]
    assert "line 8 'not a date'" in found["csv_bad_date"]
    assert "line 9 (2024-01-08) -5" in found["csv_negative_volume"]
    assert "line 10 (2024-01-01)" in found["csv_unsorted"]
    assert "2 row(s) with no usable close: line 4 (2024-01-02), line 5 (2024-01-04)" in found["csv_no_close"]
    bars = parsed.bars
    assert list(bars.index.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-08"]
    assert bars.loc["2024-01-05", "close"] == 2.1  # the later duplicate
    assert np.isnan(bars.loc["2024-01-08", "open"]) and np.isnan(bars.loc["2024-01-08", "volume"])
    assert all(n.ticker == "T" and n.message.startswith("T.csv: ") for n in parsed.notes)


def test_identical_duplicates_are_reported_as_such():
    parsed = parse("Date,Close\n2024-01-02,10\n2024-01-02,10\n2024-01-03,11\n")
    assert "same values" in kinds(parsed)["csv_duplicate"]
    assert len(parsed.bars) == 2


def test_a_note_names_the_first_rows_and_counts_the_rest():
    rows = "".join(f"2024-02-{d:02d},null\n" for d in range(1, 13))
    parsed = parse("Date,Close\n2024-01-02,10\n" + rows)
    message = kinds(parsed)["csv_no_close"]
    assert message.startswith("T.csv: 12 row(s) with no usable close: line 3 (2024-02-01)")
    assert message.endswith("and 7 more; rows left out")


def test_files_without_the_needed_columns_fail_with_a_reason(tmp_path):
    (tmp_path / "A.csv").write_text("when,price\n2024-01-02,1\n")
    (tmp_path / "B.csv").write_text("")
    (tmp_path / "C.csv").write_text("Date,Close\nx,y\n")
    result = CsvFolderSource(tmp_path).fetch(["a", "b", "c", "d"], EARLY)
    reasons = {f.ticker: f.reason for f in result.failures}
    assert result.bars == {}
    assert "needs a Date and a Close column (found: when, price)" in reasons["A"]
    assert "B.csv" in reasons["B"]
    assert "no rows with a usable close" in reasons["C"]
    assert reasons["D"].startswith("no file D.csv in")


def test_ticker_comes_from_the_file_name():
    assert ticker_of(Path("iwm.csv")) == "IWM"
    assert ticker_of(Path("BTC_USD.csv")) == "BTC-USD"


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FetchError, match="no such folder"):
        CsvFolderSource(tmp_path / "nope").fetch(["SPY"], EARLY)


def test_start_and_end_cut_the_rows(tmp_path):
    (tmp_path / "X.csv").write_text("Date,Close\n2024-01-02,1\n2024-01-03,2\n2024-01-04,3\n")
    result = CsvFolderSource(tmp_path).fetch(["X"], date(2024, 1, 3), date(2024, 1, 4))
    assert result.bars["X"]["close"].tolist() == [2]


FOLDERS = {
    "adjusted-closes": (85, 85),
    "yahoo-ohlcv": (38, 1),
    "split-adjusted-ohlcv": (15, 15),
    "newest-first": (20, 20),
    "dirty-feed": (24, 0),
}


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_every_real_folder_loads_completely(name):
    source = CsvFolderSource(shared_folder(name))
    count, single = FOLDERS[name]
    tickers = source.available_tickers()
    result = source.fetch(tickers, EARLY)
    assert len(result.bars) == count and not result.failures
    assert len(result.one_close) == single
    for bars in result.bars.values():
        assert bars.index.is_monotonic_increasing and not bars.index.has_duplicates
        assert (bars["close"] > 0).all()


def test_real_quirks_are_reported_not_hidden():
    result = CsvFolderSource(shared_folder("yahoo-ohlcv")).fetch(["VIX", "DEF"], EARLY)
    notes = {(n.ticker, n.kind): n.message for n in result.notes}
    assert "VIX.csv: 323 row(s) with no usable close: line 36 (1990-02-19)" in notes[("VIX", "csv_no_close")]
    assert "8 row(s) with open is zero or negative" in notes[("DEF", "non_positive")]
    assert pd.isna(result.bars["DEF"].loc["2009-08-05", "open"])
    assert result.bars["DEF"].loc["2009-08-05", "close"] == pytest.approx(19.170401)
