"""The one drawing engine: every image the tool writes (issue charts, the site's call, ticker and
track-record charts, social cards) is a ``ChartJob`` drawn, cached and written through here.

- ``render_png``: same figure, same bytes. The Agg canvas is encoded by Pillow with no
  timestamp or software tag, after quantising to a 128-colour palette (about a third of
  the size of a true-colour PNG, with no visible change on line charts).
- A job draws one chart and up to four files: the wide light chart at its path and, as asked,
  its dark copy (``x-dark.png``), its narrow (phone) layout (``x-narrow.png``) and that one's
  dark copy (``x-narrow-dark.png``). The builder runs once per layout; the dark copy is the
  light figure repainted (``theme.restyle``), the same bytes as a figure built dark.
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

from generator.charts.theme import DARK, LAYOUTS, LIGHT, house_style, restyle, reusing_figures
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
    with house_style():  # matplotlib's defaults while drawing, whatever the user's matplotlibrc says
        canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    rgba = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    image = rgba.convert("RGB")
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
class Output:
    """One file a job writes: the layout and theme it is drawn in."""

    path: Path
    layout: str  # "wide" or "narrow"
    theme: str  # "light" or "dark"


@dataclass(frozen=True)
class ChartJob:
    """One chart to draw: a builder with all its arguments, the file it goes to, and its variants.

    ``dark`` adds the dark-mode copy, ``narrow`` the phone layout (and its dark copy when
    ``dark``). The builder takes ``layout`` and draws in the light theme.
    """

    path: Path
    draw: partial[Any]
    dark: bool = False
    narrow: bool = False

    @property
    def name(self) -> str:
        """The builder's name, for stats and errors."""
        return self.draw.func.__name__

    @property
    def outputs(self) -> list[Output]:
        """Every file this job writes, the wide light chart first."""
        layouts = ["wide", "narrow"] if self.narrow else ["wide"]
        themes = ["light", "dark"] if self.dark else ["light"]
        return [
            Output(variant_path(self.path, layout, theme), layout, theme)
            for layout in layouts
            for theme in themes
        ]


def chart_job(path: Path, builder: Callable[..., Any], /, **arguments: Any) -> ChartJob:
    """A job that calls ``builder(**arguments)``; arguments must be plain values or frames."""
    return ChartJob(path, partial(builder, **arguments))


def variant_path(path: Path, layout: str, theme: str) -> Path:
    """``x.png`` -> ``x-dark.png``, ``x-narrow.png``, ``x-narrow-dark.png``."""
    suffix = ("-narrow" if layout == "narrow" else "") + ("-dark" if theme == "dark" else "")
    return path.with_name(f"{path.stem}{suffix}{path.suffix}")


def dark_path(path: Path) -> Path:
    """Where the dark-mode copy of the chart at ``path`` goes: ``x.png`` -> ``x-dark.png``."""
    return variant_path(path, "wide", "dark")


def narrow_path(path: Path, *, dark: bool = False) -> Path:
    """Where the phone layout of the chart at ``path`` goes: ``x-narrow.png`` (``x-narrow-dark.png``)."""
    return variant_path(path, "narrow", "dark" if dark else "light")


def chart_variants(
    path: Path, builder: Callable[..., Figure], /, *, dark: bool, narrow: bool = False, **arguments: Any
) -> ChartJob:
    """The job drawing ``builder(**arguments)`` at ``path``, with its dark copy and phone layout as asked."""
    if "theme" in arguments or "layout" in arguments:
        raise TypeError("the engine draws a chart with variants light, in each layout: no theme or layout")
    return ChartJob(path, partial(builder, **arguments), dark=dark, narrow=narrow)


def render_variants(draw: partial[Any], wanted: Sequence[tuple[str, str]]) -> list[bytes]:
    """PNG bytes of ``draw`` in each (layout, theme) of ``wanted``, in that order.

    The builder runs once per layout; a dark copy repaints that figure after the light one
    is encoded. A drawing that returns bytes (a social card) has only the wide light form.
    """
    made: dict[tuple[str, str], bytes] = {}
    with reusing_figures():
        for layout in dict.fromkeys(layout for layout, _ in wanted):
            _draw_layout(draw, layout, [theme for lay, theme in wanted if lay == layout], made)
    return [made[item] for item in wanted]


def _draw_layout(
    draw: partial[Any], layout: str, themes: list[str], made: dict[tuple[str, str], bytes]
) -> None:
    """One layout of ``draw``: the light image, then the figure repainted dark, as ``themes`` asks."""
    result = draw() if layout == "wide" else draw(layout=LAYOUTS[layout])
    if isinstance(result, bytes):
        if layout != "wide" or themes != ["light"]:
            raise TypeError(f"{draw.func.__name__} returns bytes: it has no {layout} or dark variant")
        made[(layout, "light")] = result
        return
    if "light" in themes:
        made[(layout, "light")] = render_png(result)
    if "dark" in themes:
        restyle(result, LIGHT, DARK)
        made[(layout, "dark")] = render_png(result)


def code_version() -> str:
    """Hash of the chart code (this package's sources), its fonts, and the libraries that render it."""
    digest = hashlib.sha256(f"matplotlib {matplotlib.__version__} pillow {PIL.__version__}".encode())
    folder = Path(__file__).parent
    for source in sorted([*folder.glob("*.py"), *folder.glob("fonts/*.ttf")]):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def chart_key(job: ChartJob, version: str, output: Output | None = None) -> str:
    """sha256 of the chart code version, the builder, every argument it draws from, and the variant."""
    digest = hashlib.sha256(version.encode())
    if output is not None and (output.layout, output.theme) != ("wide", "light"):
        digest.update(f"variant:{output.layout}:{output.theme};".encode())
    digest.update(f"{job.draw.func.__module__}.{job.draw.func.__qualname__}".encode())
    _feed(digest, job.draw.args)
    _feed(digest, job.draw.keywords)
    return digest.hexdigest()


def _feed(digest: Any, value: Any) -> None:  # noqa: C901 - one branch per type is the clearest form
    """Add an unambiguous encoding of ``value`` to ``digest`` (type-tagged, arrays by value)."""
    update = digest.update
    if value is None or isinstance(value, (bool, int, float, str)):
        update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, bytes):  # a social card's lead chart
        update(f"bytes{len(value)}:".encode())
        update(value)
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

    def key(self, job: ChartJob, output: Output | None = None) -> str:
        """The cache key of one of the job's files (the wide light one by default) under the current code."""
        return chart_key(job, self.version, output)

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.png"

    def get(self, key: str) -> bytes | None:
        """The cached bytes, or None (also for a file that is not a whole PNG: it is drawn again)."""
        if self.folder is None:
            return None
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        return data if is_whole_png(data) else None

    def put(self, key: str, data: bytes) -> None:
        """Store bytes under ``key`` (temp file and rename: a killed run never leaves half a PNG).

        Not synced to disk: after a power cut a cache file may be empty or cut short, and
        ``get`` then treats it as missing. The cache is worth far less than the fsync per
        file it would cost (a backfill writes thousands).
        """
        if self.folder is not None:
            atomic_write_bytes(self._path(key), data, sync=False)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"


def is_whole_png(data: bytes) -> bool:
    """True for bytes that start like a PNG and end with its IEND chunk."""
    return data.startswith(PNG_SIGNATURE) and data.endswith(PNG_END)


@dataclass(frozen=True)
class DrawStats:
    """What one ``draw_charts`` call did; counts are of files (a job's variants count one each)."""

    jobs: int
    drawn: int
    cached: int
    written: int
    workers: int
    seconds: float


@dataclass
class _Pending:
    """The files of one job still to draw, with their cache keys."""

    job: ChartJob
    outputs: list[Output]
    keys: list[str]


def _look_up(
    jobs: Sequence[ChartJob], cache: ChartCache
) -> tuple[list[tuple[Output, bytes | None]], list[_Pending]]:
    """Every output with its cached bytes (or None), and the misses grouped by job."""
    found: list[tuple[Output, bytes | None]] = []
    pending: list[_Pending] = []
    for job in jobs:
        missing = _Pending(job, [], [])
        for output in job.outputs:
            key = cache.key(job, output)
            data = cache.get(key)
            found.append((output, data))
            if data is None:
                missing.outputs.append(output)
                missing.keys.append(key)
        if missing.outputs:
            pending.append(missing)
    return found, pending


def _store(pending: _Pending, drawn: Sequence[bytes], cache: ChartCache, made: dict[Path, bytes]) -> None:
    for output, key, data in zip(pending.outputs, pending.keys, drawn, strict=True):
        cache.put(key, data)
        made[output.path] = data


def _write(found: Sequence[tuple[Output, bytes | None]], made: dict[Path, bytes]) -> int:
    """Write every file whose bytes changed (each folder synced once, after its renames)."""
    return write_all_if_changed(
        (output.path, data if data is not None else made[output.path]) for output, data in found
    )


def draw_charts(jobs: Sequence[ChartJob], *, cache: ChartCache, workers: int = 1) -> DrawStats:
    """Draw every file not in the cache (in a pool of ``workers`` if it pays), write changed files."""
    started = time.perf_counter()
    found, pending = _look_up(jobs, cache)
    misses = sum(len(p.outputs) for p in pending)
    used = _pool_size(misses, workers)
    made: dict[Path, bytes] = {}
    results = _render_all([(p.job.draw, _wanted(p)) for p in pending], used)
    for item, drawn in zip(pending, results, strict=True):
        _store(item, drawn, cache, made)
    written = _write(found, made)
    return DrawStats(len(found), misses, len(found) - misses, written, used, time.perf_counter() - started)


class ChartDrawer:
    """Draws charts in a process pool while the caller goes on planning more (a backfill).

    ``submit`` looks each job's files up in the cache at once and hands the misses to the
    pool, so drawing overlaps the drafting of the next weeks; ``finish`` waits, fills the
    cache and writes the files that changed. With one worker, misses are drawn at ``finish``.
    """

    def __init__(self, cache: ChartCache, workers: int) -> None:
        self.cache = cache
        self.workers = max(1, workers)
        self.started = time.perf_counter()
        self._pool: ProcessPoolExecutor | None = None
        self._found: list[tuple[Output, bytes | None]] = []
        self._pending: list[tuple[_Pending, Any]] = []

    def __enter__(self) -> ChartDrawer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, jobs: Sequence[ChartJob]) -> None:
        """Queue ``jobs``: cached files are done, the others start drawing in the pool."""
        found, pending = _look_up(jobs, self.cache)
        self._found += found
        for item in pending:
            future = None
            if self.workers > 1:
                future = self._executor().submit(_render, item.job.draw, _wanted(item))
            self._pending.append((item, future))

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = _pool(self.workers)
        return self._pool

    def finish(self) -> DrawStats:
        """Wait for every drawing, store it in the cache, write the files whose bytes changed."""
        made: dict[Path, bytes] = {}
        drawn = 0
        for item, future in self._pending:
            data = future.result() if future is not None else _render(item.job.draw, _wanted(item))
            _store(item, data, self.cache, made)
            drawn += len(item.outputs)
        written = _write(self._found, made)
        self.__exit__()
        return DrawStats(
            len(self._found),
            drawn,
            len(self._found) - drawn,
            written,
            self.workers if drawn else 1,
            time.perf_counter() - self.started,
        )


def _wanted(pending: _Pending) -> list[tuple[str, str]]:
    return [(output.layout, output.theme) for output in pending.outputs]


def _pool_size(charts: int, workers: int) -> int:
    return max(1, min(workers, charts // MIN_CHARTS_PER_WORKER))


def _pool(workers: int) -> ProcessPoolExecutor:
    """The one drawing pool (``lifeline.process_pool``): a forkserver that imported the chart code
    once, whose workers die with this process.
    """
    return process_pool(workers, ["generator.charts"])


def _render_all(
    work: Iterable[tuple[partial[Any], list[tuple[str, str]]]], workers: int
) -> list[list[bytes]]:
    items = list(work)
    if workers <= 1:
        return [_render(draw, wanted) for draw, wanted in items]
    with _pool(workers) as pool:
        chunk = max(1, len(items) // (4 * workers))
        return list(pool.map(_render, *zip(*items, strict=True), chunksize=chunk)) if items else []


def _render(draw: partial[Any], wanted: Sequence[tuple[str, str]] = (("wide", "light"),)) -> list[bytes]:
    return render_variants(draw, wanted)
