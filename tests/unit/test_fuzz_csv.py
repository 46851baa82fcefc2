"""Fuzzed CSV files for the csv:PATH source: per-file and per-row reports, never a traceback."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from generator.data.sources.csvfolder import CsvFolderSource, parse_price_csv
from tests.fuzzing import FUZZ, nasty_text

HEADERS = [
    "Date,Open,High,Low,Close,Adj Close,Volume",
    "Date,Close",
    "Date,Close,High,Low,Open,Volume",
    "timestamp,open,high,low,close,volume",
    "Date,Value",
    "date;close",
    "Date\tClose",
    "Close,Date",
    "",
    "Date,Date,Close",
    "Date,Close,Close",
]
cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**40), 10**40).map(str),
    st.sampled_from(
        [
            "",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "1e400",
            "-1e400",
            "1,234.5",
            "null",
            "#N/A",
            "0",
            "-0",
            "1e-320",
            "0x10",
            " 12 ",
            '"5"',
            "12.5.6",
            "∞",
            "１２",
            "1_000",
        ]
    ),
    nasty_text,
)
dates = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)).map(str),
    st.dates().map(lambda d: d.strftime("%m/%d/%Y")),
    st.sampled_from(
        [
            "2024-02-30",
            "0000-00-00",
            "9999-12-31",
            "1677-09-21",
            "2262-04-12",
            "2020-07-27 04:00:00+00:00",
            "2020-07-27T04:00:00Z",
            "yesterday",
            "",
            "2020/13/01",
            "1e10",
            "2024-01-05 25:00",
        ]
    ),
    nasty_text,
)
rows = st.lists(st.tuples(dates, st.lists(cells, min_size=0, max_size=8)), max_size=25)
separators = st.sampled_from([",", ";", "\t", "|"])
newlines = st.sampled_from(["\n", "\r\n", "\r"])


def _assert_clean(parsed) -> None:
    if parsed.bars is None:
        assert parsed.error and parsed.error.startswith("X.csv"), parsed.error
        return
    assert not parsed.bars.empty
    close = parsed.bars["close"].to_numpy()
    adj = parsed.bars["adj_close"].to_numpy()
    assert np.isfinite(close).all() and (close > 0).all()
    assert np.isfinite(adj[~np.isnan(adj)]).all()
    assert parsed.bars.index.is_monotonic_increasing and parsed.bars.index.is_unique
    for note in parsed.notes:
        assert note.ticker == "X" and note.message.startswith("X.csv: ")


@FUZZ
@given(header=st.sampled_from(HEADERS), body=rows, sep=separators, newline=newlines)
def test_random_rows_give_clean_bars_or_a_named_error(header, body, sep, newline):
    lines = [header.replace(",", sep)] + [sep.join([d, *c]) for d, c in body]
    parsed = parse_price_csv(newline.join(lines), ticker="X", file_name="X.csv")
    _assert_clean(parsed)


@FUZZ
@given(text=st.text(max_size=300))
def test_random_text_gives_clean_bars_or_a_named_error(text):
    _assert_clean(parse_price_csv(text, ticker="X", file_name="X.csv"))


@FUZZ
@given(
    body=rows,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252"]),
    junk=st.binary(max_size=40),
    where=st.sampled_from(["none", "start", "end", "middle"]),
)
def test_any_file_bytes_give_bars_or_a_failure_naming_the_file(tmp_path_factory, body, encoding, junk, where):
    folder = tmp_path_factory.mktemp("csv")
    text = "Date,Close\n" + "\n".join(",".join([d, *c]) for d, c in body)
    data = text.encode(encoding, errors="replace")
    data = {
        "none": data,
        "start": junk + data,
        "end": data + junk,
        "middle": data[: len(data) // 2] + junk + data[len(data) // 2 :],
    }[where]
    (folder / "X.csv").write_bytes(data)
    result = CsvFolderSource(folder).fetch(["X"], date(1900, 1, 1))
    if "X" in result.bars:
        close = result.bars["X"]["close"].to_numpy()
        assert np.isfinite(close).all() and (close > 0).all()
    else:
        assert [f.ticker for f in result.failures] == ["X"]
        assert "X.csv" in result.failures[0].reason


def test_infinite_and_overflowing_prices_are_reported_not_stored():
    text = "Date,Close\n2024-01-02,10\n2024-01-03,inf\n2024-01-04,1e400\n2024-01-05,-inf\n2024-01-08,11\n"
    parsed = parse_price_csv(text, ticker="X", file_name="X.csv")
    assert list(parsed.bars["close"]) == [10.0, 11.0]
    messages = [n.message for n in parsed.notes]
    assert any("close is not a finite number" in m and "line 3" in m and "line 4" in m for m in messages), (
        messages
    )


def test_an_empty_file_is_a_failure_naming_it(tmp_path):
    (tmp_path / "X.csv").write_bytes(b"")
    result = CsvFolderSource(tmp_path).fetch(["X"], date(2000, 1, 1))
    assert result.bars == {} and "X.csv" in result.failures[0].reason


def test_a_utf16_file_with_a_bom_is_read(tmp_path):
    (tmp_path / "X.csv").write_bytes("Date,Close\n2024-01-02,10\n2024-01-03,11\n".encode("utf-16"))
    result = CsvFolderSource(tmp_path).fetch(["X"], date(2000, 1, 1))
    assert list(result.bars["X"]["close"]) == [10.0, 11.0]


def test_a_file_of_nan_closes_is_an_error_naming_it():
    text = "Date,Close,Adj Close\n" + "\n".join(f"2024-01-{d:02d},nan,nan" for d in range(2, 20))
    parsed = parse_price_csv(text, ticker="X", file_name="X.csv")
    assert parsed.bars is None and parsed.error == "X.csv has no rows with a usable close"


def test_a_semicolon_separated_file_is_read():
    parsed = parse_price_csv("Date;Close\n2024-01-02;10\n2024-01-03;11\n", ticker="X", file_name="X.csv")
    assert list(parsed.bars["close"]) == [10.0, 11.0]


def test_old_mac_line_ends_and_blank_lines_above_the_header_keep_line_numbers():
    text = "\n\nDate,Close\r2024-01-02,10\r2024-01-03,abc\r2024-01-04,11\r"
    parsed = parse_price_csv(text, ticker="X", file_name="X.csv")
    assert list(parsed.bars["close"]) == [10.0, 11.0]
    assert any("line 5 (2024-01-03) 'abc'" in n.message for n in parsed.notes), parsed.notes


def test_dates_a_timestamp_cannot_hold_are_bad_dates():
    text = "Date,Close\n0000-01-01,5\n9999-12-31,6\n2024-01-02,10\n"
    parsed = parse_price_csv(text, ticker="X", file_name="X.csv")
    assert list(parsed.bars["close"]) == [10.0]
    assert any(
        n.kind == "csv_bad_date" and "line 2" in n.message and "line 3" in n.message for n in parsed.notes
    )


def test_a_latin1_file_is_refused_with_the_line_of_the_bad_byte(tmp_path):
    (tmp_path / "X.csv").write_bytes("Date,Close\n2024-01-02,10\n2024-01-03,11 café\n".encode("latin-1"))
    result = CsvFolderSource(tmp_path).fetch(["X"], date(2000, 1, 1))
    assert result.bars == {}
    assert result.failures[0].reason == "X.csv is not UTF-8 text (byte 0xe9 on line 3); save it as UTF-8"
