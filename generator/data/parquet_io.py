"""The store's file formats: one ticker's bars, and the store's date index, as Parquet.

LZ4 without dictionary encoding: price columns rarely repeat, so dictionaries only cost decode
time; this reads about 40% faster than zstd with dictionaries (bench/bench_store.py).
Reading goes through ``ParquetFile.read`` with a column projection, a third of the cost of
``pq.read_table`` per file, which is what loading 3,000 files is made of.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from generator.data.frames import Columns
from generator.data.prices import BAR_COLUMNS
from generator.fsio import atomic_write_bytes


def bars_to_parquet(bars: pd.DataFrame) -> bytes:
    """One ticker's bars as Parquet bytes (zstd): a ``date`` column and the bar columns."""
    index = pd.DatetimeIndex(bars.index).as_unit("ns")
    arrays = {"date": pa.array(index.asi8.view("datetime64[ns]"), type=pa.timestamp("ns"))}
    for column in BAR_COLUMNS:
        values = bars[column].to_numpy(dtype="float64") if column in bars else np.full(len(bars), np.nan)
        arrays[column] = pa.array(values, type=pa.float64())
    buffer = io.BytesIO()
    pq.write_table(pa.table(arrays), buffer, compression="lz4", use_dictionary=False)
    return buffer.getvalue()


def parquet_to_columns(path: Path, names: Sequence[str] = BAR_COLUMNS, *, dates: bool = True) -> Columns:
    """Raw arrays of one store file (also reads the spine's pandas-written files)."""
    parquet = pq.ParquetFile(path, memory_map=True)
    present = set(parquet.schema_arrow.names)
    wanted = (["date"] if dates else []) + [n for n in names if n in present]
    table = parquet.read(columns=wanted, use_threads=False)
    day_ns = _array(table, "date").astype("datetime64[ns]").view("int64") if dates else np.empty(0, "int64")
    rows = table.num_rows
    values = {
        n: _array(table, n).astype("float64", copy=False) if n in present else np.full(rows, np.nan)
        for n in names
    }
    return Columns(day_ns, values)


def _array(table: pa.Table, name: str) -> np.ndarray:
    column = table.column(name)
    if column.num_chunks == 1:
        return column.chunk(0).to_numpy(zero_copy_only=False)
    return column.to_numpy()


def columns_to_bars(columns: Columns) -> pd.DataFrame:
    """A normalised bar frame from raw arrays."""
    index = pd.DatetimeIndex(columns.dates_ns.view("datetime64[ns]"), name="date")
    return pd.DataFrame({c: columns.values[c] for c in BAR_COLUMNS}, index=index)


def dates_to_parquet(dates_ns: np.ndarray) -> bytes:
    """A sorted array of int64 nanosecond dates as Parquet bytes (one ``date`` column)."""
    arrays = {
        "date": pa.array(np.asarray(dates_ns, dtype="int64").view("datetime64[ns]"), pa.timestamp("ns"))
    }
    buffer = io.BytesIO()
    pq.write_table(pa.table(arrays), buffer, compression="lz4", use_dictionary=False)
    return buffer.getvalue()


def parquet_to_dates(path: Path) -> np.ndarray:
    """The ``date`` column of a Parquet file as int64 nanoseconds."""
    table = pq.ParquetFile(path).read(columns=["date"], use_threads=False)
    return _array(table, "date").astype("datetime64[ns]").view("int64")


def replace_unsynced(path: Path, data: bytes) -> None:
    """Temp file + rename without fsync: a crash leaves the old file or the new one, never half."""
    atomic_write_bytes(path, data, sync=False)
