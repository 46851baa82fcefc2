"""Figures to PNG bytes, a chart cache keyed by what drew each chart, and parallel drawing.

- ``render_png``: same figure, same bytes. The Agg canvas is encoded by Pillow with no
  timestamp or software tag, after quantising to a 128-colour palette (about a third of
  the size of a true-colour PNG, with no visible change on line charts).
- ``chart_key``: sha256 of the builder's name, every argument it gets (arrays by value),
  the chart code itself (the source of this package) and the matplotlib and Pillow
  versions. Any change to data, parameters, theme or drawing code gives a new key.
- ``draw_charts``: looks every job up in the cache, draws only the misses (in a process
  pool when there are enough of them), and writes each file only if its bytes changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.style
import numpy as np
import pandas as pd
import PIL
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from generator.charts.theme import DARK, LIGHT
from generator.fsio import atomic_write_bytes, write_all_if_changed, write_bytes_if_changed
from generator.lifeline import process_pool

PALETTE_COLOURS = 128
# Below this many charts per process a pool costs more than it saves: the fork server pays
# 1-3 s to import matplotlib and pandas before the first chart, and on a 2-core machine
# shared with other work a second process gains little (bench/bench_charts.py measures it).
# So a weekly issue (3-8 charts) draws in this process and a backfill uses the pool.
MIN_CHARTS_PER_WORKER = 12


def render_png(fig: Figure) -> bytes:
    """PNG bytes of ``fig``: palette-quantised, no timestamp or software tag; same figure, same bytes."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    with matplotlib.style.context("default"):
        canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]))
    paletted = image.quantize(
        colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    buffer = io.BytesIO()
    dpi = round(fig.dpi)
    paletted.save(buffer, format="png", compress_level=6, dpi=(dpi, dpi))
    return buffer.getvalue()


def save_png(fig: Figure, path: Path) -> bool:
    """Write the figure to ``path`` atomically unless identical bytes are there; True if written."""
    return write_bytes_if_changed(path, render_png(fig))


@dataclass(frozen=True)
class ChartJob:
    """One chart to draw: a builder with all its arguments, and the file it goes to."""

    path: Path
    draw: partial[Figure]

    @property
    def name(self) -> str:
        """The builder's name, for stats and errors."""
        return self.draw.func.__name__


def chart_job(path: Path, builder: Callable[..., Figure], /, **arguments: Any) -> ChartJob:
    """A job that calls ``builder(**arguments)``; arguments must be plain values or frames."""
    return ChartJob(path, partial(builder, **arguments))


def dark_path(path: Path) -> Path:
    """Where the dark-mode copy of the chart at ``path`` goes: ``x.png`` -> ``x-dark.png``."""
    return path.with_name(f"{path.stem}-dark{path.suffix}")


def chart_variants(
    path: Path, builder: Callable[..., Figure], /, *, dark: bool, **arguments: Any
) -> list[ChartJob]:
    """The light job at ``path`` and, if ``dark``, the same chart in the dark theme beside it."""
    jobs = [chart_job(path, builder, theme=LIGHT, **arguments)]
    if dark:
        jobs.append(chart_job(dark_path(path), builder, theme=DARK, **arguments))
    return jobs


def code_version() -> str:
    """Hash of the chart code (this package's sources) and of the libraries that render it."""
    digest = hashlib.sha256(f"matplotlib {matplotlib.__version__} pillow {PIL.__version__}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def chart_key(job: ChartJob, version: str) -> str:
    """sha256 of the chart code version, the builder and every argument it draws from."""
    digest = hashlib.sha256(version.encode())
    digest.update(f"{job.draw.func.__module__}.{job.draw.func.__qualname__}".encode())
    _feed(digest, job.draw.args)
    _feed(digest, job.draw.keywords)
    return digest.hexdigest()


def _feed(digest: Any, value: Any) -> None:  # noqa: C901 - one branch per type is the clearest form
    """Add an unambiguous encoding of ``value`` to ``digest`` (type-tagged, arrays by value)."""
    update = digest.update
    if value is None or isinstance(value, (bool, int, float, str)):
        update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, (date, datetime)):
        update(f"{type(value).__name__}:{value.isoformat()};".encode())
    elif isinstance(value, Path):
        update(f"path:{value.as_posix()};".encode())
    elif isinstance(value, pd.Series):
        update(b"series:")
        _feed(digest, value.name)
        _feed_index(digest, value.index)
        _feed_array(digest, value.to_numpy())
    elif isinstance(value, pd.DataFrame):
        update(b"frame:")
        _feed_index(digest, value.columns)
        _feed_index(digest, value.index)
        for column in range(value.shape[1]):
            _feed_array(digest, value.iloc[:, column].to_numpy())
    elif isinstance(value, np.ndarray):
        _feed_array(digest, value)
    elif isinstance(value, np.generic):
        _feed(digest, value.item())
    elif isinstance(value, Mapping):
        update(f"map{len(value)}:".encode())
        for key in sorted(value, key=str):
            _feed(digest, str(key))
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        update(f"seq{len(value)}:".encode())
        for item in value:
            _feed(digest, item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        update(f"dc:{type(value).__qualname__}:".encode())
        for spec in dataclasses.fields(value):
            _feed(digest, spec.name)
            _feed(digest, getattr(value, spec.name))
    else:
        raise TypeError(f"chart argument of type {type(value).__name__} cannot be hashed for the cache")


def _feed_index(digest: Any, index: pd.Index) -> None:
    if isinstance(index, pd.DatetimeIndex):
        digest.update(b"dtindex:")
        _feed_array(digest, index.as_unit("ns").asi8)
    else:
        digest.update(b"index:")
        _feed(digest, [str(v) for v in index])


def _feed_array(digest: Any, array: np.ndarray) -> None:
    if array.dtype == object:
        _feed(digest, [str(v) for v in array])
        return
    contiguous = np.ascontiguousarray(array)
    digest.update(f"array:{contiguous.dtype.str}:{contiguous.shape};".encode())
    digest.update(contiguous.tobytes())


class ChartCache:
    """PNG bytes by chart key under ``folder`` (safe to delete: charts are redrawn, same bytes)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.version = code_version()

    def key(self, job: ChartJob) -> str:
        """The job's cache key under the current chart code."""
        return chart_key(job, self.version)

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.png"

    def get(self, key: str) -> bytes | None:
        """The cached bytes, or None."""
        if self.folder is None:
            return None
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, data: bytes) -> None:
        """Store bytes under ``key`` (atomically: a killed run never leaves half a PNG)."""
        if self.folder is not None:
            atomic_write_bytes(self._path(key), data, sync_folder=False)  # a lost name is a miss


@dataclass(frozen=True)
class DrawStats:
    """What one ``draw_charts`` call did."""

    jobs: int
    drawn: int
    cached: int
    written: int
    workers: int
    seconds: float


def draw_charts(jobs: Sequence[ChartJob], *, cache: ChartCache, workers: int = 1) -> DrawStats:
    """Draw every job not in the cache (in a pool of ``workers`` if it pays), write changed files."""
    started = time.perf_counter()
    keys = [cache.key(job) for job in jobs]
    found = [cache.get(key) for key in keys]
    misses = [i for i, data in enumerate(found) if data is None]
    used = _pool_size(len(misses), workers)
    drawn = _render_all([jobs[i].draw for i in misses], used)
    for i, data in zip(misses, drawn, strict=True):
        cache.put(keys[i], data)
        found[i] = data
    assert all(data is not None for data in found)
    written = write_all_if_changed(
        (job.path, data) for job, data in zip(jobs, found, strict=True) if data is not None
    )
    return DrawStats(
        len(jobs), len(misses), len(jobs) - len(misses), written, used, time.perf_counter() - started
    )


class ChartDrawer:
    """Draws charts in a process pool while the caller goes on planning more (a backfill).

    ``submit`` looks each job up in the cache at once and hands the misses to the pool, so
    drawing overlaps the drafting of the next weeks; ``finish`` waits, fills the cache and
    writes the files that changed. With one worker, misses are drawn inline at ``finish``.
    """

    def __init__(self, cache: ChartCache, workers: int) -> None:
        self.cache = cache
        self.workers = max(1, workers)
        self.started = time.perf_counter()
        self._pool: ProcessPoolExecutor | None = None
        self._jobs: list[ChartJob] = []
        self._keys: list[str] = []
        self._found: list[bytes | None] = []
        self._pending: dict[int, Any] = {}

    def __enter__(self) -> ChartDrawer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, jobs: Sequence[ChartJob]) -> None:
        """Queue ``jobs``: cached ones are done, the others start drawing in the pool."""
        for job in jobs:
            key = self.cache.key(job)
            data = self.cache.get(key)
            index = len(self._jobs)
            self._jobs.append(job)
            self._keys.append(key)
            self._found.append(data)
            if data is None and self.workers > 1:
                self._pending[index] = self._executor().submit(_render, job.draw)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = process_pool(self.workers, ["generator.charts"])
        return self._pool

    def finish(self) -> DrawStats:
        """Wait for every drawing, store it in the cache, write the files whose bytes changed."""
        drawn = 0
        for index, job in enumerate(self._jobs):
            if self._found[index] is not None:
                continue
            future = self._pending.pop(index, None)
            data = future.result() if future is not None else _render(job.draw)
            self.cache.put(self._keys[index], data)
            self._found[index] = data
            drawn += 1
        assert all(data is not None for data in self._found)
        written = write_all_if_changed(
            (job.path, data) for job, data in zip(self._jobs, self._found, strict=True) if data is not None
        )
        self.__exit__()
        return DrawStats(
            len(self._jobs),
            drawn,
            len(self._jobs) - drawn,
            written,
            self.workers if drawn else 1,
            time.perf_counter() - self.started,
        )


def _pool_size(charts: int, workers: int) -> int:
    return max(1, min(workers, charts // MIN_CHARTS_PER_WORKER))


def _render_all(draws: Iterable[partial[Figure]], workers: int) -> list[bytes]:
    draws = list(draws)
    if workers <= 1:
        return [_render(draw) for draw in draws]
    with process_pool(workers, ["generator.charts"]) as pool:
        return list(pool.map(_render, draws, chunksize=max(1, len(draws) // (4 * workers))))


def _render(draw: partial[Figure]) -> bytes:
    return render_png(draw())
