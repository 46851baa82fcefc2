"""The ``csv:PATH`` source: a folder of per-ticker CSV files in the common layouts.

Layouts read (header names are matched case-insensitively, in any column order):

- Yahoo style ``Date,Open,High,Low,Close,Adj Close,Volume`` (Close quoted, Adj Close total return);
- ``Date,Close`` (one close);
- ``Date,Close,High,Low,Open,Volume`` (one close, other column order);
- lower-case, newest-first ``timestamp,open,high,low,close,volume``;
- ``Date,Value`` (one close), ISO or ``MM/DD/YYYY`` dates, with or without a UTF-8 BOM;
- timestamps with an offset (``2020-07-27 04:00:00+00:00``) are read as New York dates.

The ticker is the file name (``IWM.csv`` is IWM; an underscore stands for a hyphen, so
``BTC_USD.csv`` is BTC-USD). Bad rows never crash a fetch and are never dropped silently:
blank lines, unparseable dates, non-numeric cells, zero or negative prices, duplicate dates
and out-of-order rows are reported per file and row as DataNotes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from generator.config import normalise_ticker, not_utf8
from generator.data.prices import DataNote
from generator.data.sources.base import DAY_NS, FetchFailure, SourceResult, normalise_bars, window
from generator.days import FIRST_PRICE_DAY, LAST_PRICE_DAY
from generator.errors import FetchError

DATE_NAMES = ("date", "timestamp", "datetime", "time", "day")
COLUMN_NAMES = {
    "open": ("open",),
    "high": ("high",),
    "low": ("low",),
    "close": ("close", "value", "price", "last"),
    "adj_close": ("adj close", "adj_close", "adjclose", "adjusted close", "adjusted_close"),
    "volume": ("volume", "vol"),
}
PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close")
NULL_MARKERS = frozenset({"", "null", "nan", "na", "n/a", "none", "-", "#n/a"})
# Dates a price can carry (nanosecond timestamps end in 2262); anything else is a bad date.
FIRST_DAY, LAST_DAY = pd.Timestamp(FIRST_PRICE_DAY), pd.Timestamp(LAST_PRICE_DAY)
ROWS_LISTED = 5  # a note lists this many rows, then counts the rest
_OFFSET = re.compile(r"(?:[+-]\d\d:?\d\d|Z)$")


@dataclass
class ParsedCsv:
    """One file read: normalised bars (or None), whether it had one close, what was wrong."""

    bars: pd.DataFrame | None
    one_close: bool = False
    notes: list[DataNote] = field(default_factory=list)
    error: str | None = None


def ticker_of(path: Path) -> str:
    """The ticker a file name stands for: upper-case stem, ``_`` read as ``-``.

    A name the ticker rule (``config.normalise_ticker``) refuses, or one with non-ASCII
    letters (``straße`` would upper-case to ``STRASSE``), keeps its spelling, and the fetch
    reports that file by name instead of storing it.
    """
    stem = path.stem.strip()
    return stem.upper().replace("_", "-") if stem.isascii() else stem


class CsvFolderSource:
    """Daily bars from ``<folder>/<TICKER>.csv`` files."""

    synthetic = False
    calendar = "XNYS"

    def __init__(self, folder: Path, *, today: date | None = None) -> None:
        self.folder = folder
        self.today = today  # rows dated after it fail their file (None: not checked)
        self.name = f"csv:{folder}"
        self.label = f"CSV files in {folder.name}"

    def default_end(self) -> date | None:
        """CSV files are read whole: no end."""
        return None

    def files(self) -> dict[str, Path]:
        """Ticker -> file, for every ``*.csv`` in the folder."""
        if not self.folder.is_dir():
            raise FetchError(f"csv:{self.folder}: no such folder; give a folder of per-ticker CSV files")
        found: dict[str, Path] = {}
        for path in sorted(self.folder.iterdir()):
            if path.is_file() and path.suffix.lower() == ".csv":
                found.setdefault(ticker_of(path), path)
        return found

    def fingerprints(self, tickers: Sequence[str]) -> dict[str, str]:
        """SHA-256 of each ticker's file: an unchanged file has nothing new to read."""
        files = self.files()
        out = {}
        for ticker in tickers:
            path = files.get(ticker.upper())
            if path is not None:
                try:
                    out[ticker.upper()] = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    continue
        return out

    def available_tickers(self) -> list[str]:
        """Every ticker the folder has a file for, sorted."""
        return sorted(self.files())

    def fetch(self, tickers: Sequence[str], start: date, end: date | None = None) -> SourceResult:
        """Read the files of ``tickers``; bars from ``start`` to ``end`` (exclusive)."""
        files = self.files()
        bars: dict[str, pd.DataFrame] = {}
        failures: list[FetchFailure] = []
        notes: list[DataNote] = []
        one_close: set[str] = set()
        for ticker in dict.fromkeys(t if t in files else t.strip().upper() for t in tickers):
            path = files.get(ticker) or files.get(ticker.strip())
            if path is None:
                failures.append(FetchFailure(ticker, f"no file {ticker}.csv in {self.folder}"))
                continue
            if not _is_ticker(ticker):
                reason = f"{path.name}: the file name is not a ticker symbol, so it is not read"
                failures.append(FetchFailure(ticker, reason))
                continue
            try:
                text = decode_csv(path.read_bytes(), path.name)
            except OSError as exc:
                failures.append(FetchFailure(ticker, f"{path.name} is unreadable ({exc.strerror or exc})"))
                continue
            except ValueError as exc:
                failures.append(FetchFailure(ticker, str(exc)))
                continue
            parsed = parse_price_csv(text, ticker=ticker, file_name=path.name, last_day=self.today)
            notes.extend(parsed.notes)
            if parsed.bars is None:
                failures.append(FetchFailure(ticker, parsed.error or f"{path.name}: no prices"))
                continue
            cut = window(parsed.bars, start, end)
            if cut.empty:
                failures.append(FetchFailure(ticker, f"{path.name} has no rows from {start.isoformat()}"))
                continue
            bars[ticker] = cut
            if parsed.one_close:
                one_close.add(ticker)
                notes.append(
                    DataNote(
                        ticker,
                        "one_close",
                        f"{path.name} has one close only; it is used for both price bases",
                    )
                )
        return SourceResult(bars=bars, failures=failures, one_close=frozenset(one_close), notes=notes)


SEPARATORS = (",", ";", "\t", "|")


def _header(line: str) -> tuple[str, list[str], str | None, dict[str, str]]:
    """The separator, the header cells, the date column and the bar columns of a header line.

    Commas first; a semicolon-, tab- or pipe-separated file is read when its header only
    makes sense split that way.
    """
    fallback: tuple[str, list[str], str | None, dict[str, str]] | None = None
    for sep in SEPARATORS:
        header = next(csv.reader(io.StringIO(line), delimiter=sep), [])
        date_col, mapping = _columns(header)
        if fallback is None:
            fallback = (sep, header, date_col, mapping)
        if date_col is not None and ("close" in mapping or "adj_close" in mapping):
            return sep, header, date_col, mapping
    assert fallback is not None
    return fallback


def _is_ticker(name: str) -> bool:
    try:
        return normalise_ticker(name) == name
    except ValueError:
        return False


def decode_csv(data: bytes, file_name: str) -> str:
    """A file's text: UTF-8 (with or without a BOM), or UTF-16 with its BOM.

    Anything else is a ValueError naming the file and the line of the first bad byte.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError(f"{file_name} starts like UTF-16 but is not UTF-16 text") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{file_name} is {not_utf8(data, exc)}") from None


def _columns(header: list[str]) -> tuple[str | None, dict[str, str]]:
    """The date column and a map bar column -> header name."""
    lowered = {h.strip().lower(): h for h in header}
    date_col = next((lowered[n] for n in DATE_NAMES if n in lowered), None)
    mapping: dict[str, str] = {}
    for column, names in COLUMN_NAMES.items():
        hit = next((lowered[n] for n in names if n in lowered), None)
        if hit is not None:
            mapping[column] = hit
    return date_col, mapping


def parse_price_csv(text: str, *, ticker: str, file_name: str, last_day: date | None = None) -> ParsedCsv:
    """Parse one CSV file's text into normalised bars plus notes per file and row (pure).

    Row numbers in notes are the file's line numbers (the header is line 1). A row dated after
    ``last_day`` (today, read by the caller) fails the whole file, naming its line and date:
    one mistyped year (2062 for 2026) would otherwise make the next draft an issue of 2062.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    body = text.lstrip("\n")
    skipped = len(text) - len(body)  # blank lines above the header
    try:
        first = body.split("\n", 1)[0]
        sep, header, date_col, mapping = _header(first)
        if date_col is None or ("close" not in mapping and "adj_close" not in mapping):
            return ParsedCsv(
                None, error=f"{file_name}: needs a Date and a Close column (found: {', '.join(header)})"
            )
        # One fast C-parser pass; only a column that does not come back numeric is re-read cell by cell.
        raw = pd.read_csv(
            io.StringIO(body),
            sep=sep,
            skip_blank_lines=False,
            keep_default_na=False,
            na_values=sorted(NULL_MARKERS),
            dtype={date_col: str},
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
        return ParsedCsv(None, error=f"{file_name} is not a CSV file pandas can read ({exc})")
    if any(name not in raw.columns for name in [date_col, *mapping.values()]):
        return ParsedCsv(None, error=f"{file_name}: its header names a column twice ({first.strip()})")
    lines = np.arange(2 + skipped, 2 + skipped + len(raw))  # the file line of each row
    notes = _Notes(ticker, file_name)

    blank = raw.isna().all(axis=1).to_numpy()
    notes.rows("csv_blank", "blank lines", lines[blank], None, "skipped")
    cells, lines = raw.loc[~blank], lines[~blank]

    days = pd.DatetimeIndex(_parse_dates(cells[date_col].fillna("")), name="date")
    days = pd.DatetimeIndex(days.where((days >= FIRST_DAY) & (days <= LAST_DAY)), name="date")  # year 0: bad
    bad_day = np.asarray(days.isna())
    notes.rows(
        "csv_bad_date",
        "dates that cannot be read",
        lines[bad_day],
        None,
        "rows left out",
        values=cells[date_col].to_numpy()[bad_day],
    )
    cells, lines, days = cells.loc[~bad_day], lines[~bad_day], days[~bad_day]
    if last_day is not None:
        later = np.asarray(days > pd.Timestamp(last_day)) & np.asarray(cells.notna().any(axis=1))
        if later.any():
            return ParsedCsv(None, error=_future_rows(file_name, lines[later], days[later], last_day))
    stamps = days.as_unit("ns").asi8
    days = pd.DatetimeIndex(
        (stamps - stamps % DAY_NS).view("datetime64[ns]"), name="date"
    )  # times of day off

    frame = pd.DataFrame(index=days)
    for column, name in mapping.items():
        frame[column] = _numbers(cells[name], column, lines, days, notes)

    one_close = not ("close" in mapping and "adj_close" in mapping)
    if "close" not in mapping:
        frame["close"] = frame["adj_close"]
    if "adj_close" not in mapping:
        frame["adj_close"] = frame["close"]
    no_close = frame["close"].isna().to_numpy()
    notes.rows("csv_no_close", "no usable close", lines[no_close], days[no_close], "rows left out")

    bars = normalise_bars(_order(frame, lines, notes))
    if bars.empty:
        return ParsedCsv(None, one_close, notes.items, error=f"{file_name} has no rows with a usable close")
    return ParsedCsv(bars, one_close, notes.items)


def _future_rows(file_name: str, lines: np.ndarray, days: pd.DatetimeIndex, last_day: date) -> str:
    """``XLV.csv: line 7 is dated 2062-07-14, after today (2026-12-01); ...`` (first rows, then a count)."""
    shown = min(len(lines), ROWS_LISTED)
    which = ", ".join(str(int(n)) for n in lines[:shown])
    when = ", ".join(d.date().isoformat() for d in days[:shown])
    more = f" (and {len(lines) - shown} more)" if len(lines) > shown else ""
    verb = f"line {which} is" if len(lines) == 1 else f"lines {which}{more} are"
    return (
        f"{file_name}: {verb} dated {when}, after today ({last_day.isoformat()}); "
        "fix the date (a typo?) and fetch again"
    )


def _parse_dates(values: pd.Series) -> pd.Series:
    """Dates of a column (times of day are dropped later); an offset means a New York timestamp."""
    text = values.str.strip()
    sample = text[text != ""].head(20)
    if len(sample) and sample.str.contains(_OFFSET).any():
        stamps = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
        return stamps.dt.tz_convert("America/New_York").dt.tz_localize(None)
    for fmt in ("ISO8601", "%m/%d/%Y", "%d.%m.%Y"):
        parsed = pd.to_datetime(text, errors="coerce", format=fmt)
        if parsed.notna().sum() >= max(1, int(0.9 * len(text))):
            return parsed
    return pd.to_datetime(text, errors="coerce", format="mixed")


def _numbers(
    values: pd.Series, column: str, lines: np.ndarray, days: pd.DatetimeIndex, notes: _Notes
) -> np.ndarray:
    """Floats of one column; non-numeric, zero and negative prices become NaN and are reported."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.to_numpy(dtype="float64", copy=True, na_value=np.nan)
        garbage = np.zeros(len(numbers), dtype=bool)
    else:
        text = values.fillna("").astype(str).str.strip()
        numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").to_numpy(
            dtype="float64", copy=True
        )
        garbage = np.isnan(numbers) & ~text.str.lower().isin(NULL_MARKERS).to_numpy()
        notes.rows(
            "csv_non_numeric",
            f"{column} is not a number",
            lines[garbage],
            days[garbage],
            "left empty",
            values=text.to_numpy()[garbage],
        )
    numbers[garbage] = np.nan
    infinite = np.isinf(numbers)  # "inf", or 1e400 overflowing a float
    notes.rows(
        "csv_non_numeric",
        f"{column} is not a finite number",
        lines[infinite],
        days[infinite],
        "left empty",
        values=numbers[infinite],
    )
    numbers[infinite] = np.nan
    if column in PRICE_COLUMNS:
        bad = numbers <= 0
        kind, what = "non_positive", f"{column} is zero or negative"
    else:
        bad = numbers < 0
        kind, what = "csv_negative_volume", "volume is negative"
    notes.rows(kind, what, lines[bad], days[bad], "left empty", values=numbers[bad])
    numbers[bad] = np.nan
    return numbers


def _order(frame: pd.DataFrame, lines: np.ndarray, notes: _Notes) -> pd.DataFrame:
    """Sort by date and resolve duplicate dates (the later row in the file wins), reporting both."""
    frame = frame.assign(_line=lines)
    frame = frame.loc[frame["close"].notna()]
    index = pd.DatetimeIndex(frame.index)
    steps = np.diff(index.asi8)
    if len(steps) and not (steps > 0).all() and not (steps < 0).all():
        late = np.flatnonzero(steps < 0) + 1  # rows dated before the row above them
        notes.rows(
            "csv_unsorted",
            "rows out of date order",
            frame["_line"].to_numpy()[late],
            index[late],
            "sorted",
        )
    frame = frame.sort_values("_line", kind="stable").sort_index(kind="stable")
    dup = frame.index.duplicated(keep="last")
    if dup.any():
        clashes = frame.index.duplicated(keep=False)
        groups = frame.loc[clashes].groupby(level=0)
        described: list[str] = []
        for key, group in groups:
            day = pd.Timestamp(str(key)).date()
            values = group[["close", "adj_close"]].drop_duplicates()
            rows = ", ".join(str(int(x)) for x in group["_line"])
            verdict = (
                "same values"
                if len(values) == 1
                else f"different closes; kept line {int(group['_line'].iloc[-1])}"
            )
            described.append(f"{day.isoformat()} on lines {rows} ({verdict})")
        last = pd.Timestamp(pd.DatetimeIndex(frame.index)[clashes][-1]).date()
        notes.add("csv_duplicate", f"{len(described)} duplicate date(s): " + _listing(described), last)
        frame = frame.loc[~dup]
    return frame.drop(columns="_line")


def _listing(items: list[str]) -> str:
    shown = "; ".join(items[:ROWS_LISTED])
    return shown + (f"; and {len(items) - ROWS_LISTED} more" if len(items) > ROWS_LISTED else "")


class _Notes:
    """Collects one note per (file, kind), listing the first rows and counting the rest."""

    def __init__(self, ticker: str, file_name: str) -> None:
        self.ticker = ticker
        self.file_name = file_name
        self.items: list[DataNote] = []

    def add(self, kind: str, message: str, day: date | None) -> None:
        self.items.append(DataNote(self.ticker, kind, f"{self.file_name}: {message}", day))

    def rows(
        self,
        kind: str,
        what: str,
        lines: np.ndarray,
        days: pd.DatetimeIndex | None,
        action: str,
        *,
        values: np.ndarray | None = None,
    ) -> None:
        lines = np.asarray(lines)
        if not len(lines):
            return
        parts = []
        for i, line in enumerate(lines[:ROWS_LISTED]):
            part = f"line {int(line)}"
            if days is not None:
                part += f" ({pd.Timestamp(days[i]).date().isoformat()})"
            if values is not None:
                part += f" {values[i]!r}" if isinstance(values[i], str) else f" {values[i]:g}"
            parts.append(part)
        more = f", and {len(lines) - ROWS_LISTED} more" if len(lines) > ROWS_LISTED else ""
        day = pd.Timestamp(days.max()).date() if days is not None and len(days) else None
        self.add(kind, f"{len(lines)} row(s) with {what}: {', '.join(parts)}{more}; {action}", day)
