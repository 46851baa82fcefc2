"""Fetch stage: bring the price store up to date from a source, incrementally and safely.

For each ticker already stored, the fetch asks the source only for the last
``overlap_sessions`` stored bars onwards. If the source's values inside that overlap differ
from the stored ones (a dividend or split re-based the adjusted history), the ticker's whole
history is fetched again and replaces the stored one. A stored file that is missing or fails
its checksum is refetched in full. New files are written first and the manifest last, under
the store's lock (generator/data/store.py). The data checks (generator/data/checks.py) then run on
every ticker of the run and their notes are kept in the manifest for the issue's data notes.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from generator.config import FetchSettings
from generator.data.checks import bars_after, check_bars
from generator.data.frames import union_of_days
from generator.data.notes import note_from_json, note_to_json, summarise
from generator.data.prices import DataNote
from generator.data.sources.base import FetchFailure, PriceSource, SourceResult
from generator.data.store import PriceStore, StoredFile
from generator.data.universe import latest_universe_tickers
from generator.errors import FetchError, StoreError

TickerProgress = Callable[[int], None]
# Relative difference above which an overlapping bar counts as changed. Yahoo returns the same
# float for an unchanged bar; a dividend moves every earlier adjusted close by >= ~1e-4.
OVERLAP_TOLERANCE = 1e-6
CALENDAR_FIRST_DAY = date(1990, 1, 1)  # exchange_calendars' XNYS holidays disagree with SPX before 1990


@dataclass
class FetchSummary:
    """What a fetch did, for the command's closing lines."""

    fetched: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    refetched: dict[str, str] = field(default_factory=dict)
    failed: list[FetchFailure] = field(default_factory=list)
    notes: list[DataNote] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line: counts, then the failures by name."""
        text = f"fetched {len(self.fetched)}, up to date {len(self.up_to_date)}, failed {len(self.failed)}"
        if self.refetched:
            text += f" ({len(self.refetched)} refetched in full)"
        if self.failed:
            text += ": " + "; ".join(str(f) for f in self.failed)
        return text

    def lines(self, *, note_limit: int = 10) -> list[str]:
        """The summary, the refetches with their reasons, then the data notes."""
        out = [self.describe(), *self.warnings]
        out += [f"refetched {t} in full: {why}" for t, why in sorted(self.refetched.items())]
        out += summarise(self.notes, limit=note_limit, tickers_total=len({*self.fetched, *self.up_to_date}))
        return out


@dataclass
class _Plan:
    """One ticker's stored state going into the fetch."""

    ticker: str
    old: pd.DataFrame | None = None
    since: date | None = None
    full_reason: str | None = None
    bad_file: bool = False


NEW_TICKER = "new ticker"


def library_versions() -> dict[str, str]:
    """Versions that shape the numbers, recorded in the manifest for reproducibility."""
    versions = {"python": sys.version.split()[0]}
    for package in ("pandas", "numpy", "pyarrow", "yfinance", "exchange-calendars", "rotation-desk"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def fetch_targets(
    source: PriceSource,
    store: PriceStore,
    asked: Sequence[str] | None,
    configured: Sequence[str],
    *,
    with_universe: bool = False,
) -> list[str]:
    """What `rotation fetch` asks the source for: the tickers ``asked``, else every ticker the
    source can list (a ``csv:`` folder's files), else the ``configured`` universe; with
    ``with_universe`` also the stocks of the latest `rotation universe` snapshot in ``store``.
    """
    listed = source.available_tickers()
    wanted = list(asked) if asked else listed if listed is not None else list(configured)
    if with_universe:
        wanted += latest_universe_tickers(store.folder)
    return list(dict.fromkeys(wanted))


def manifest_time(now: datetime) -> str:
    """A fetch's time as the manifest records it: UTC, whole seconds, ISO 8601."""
    return now.astimezone(UTC).replace(microsecond=0).isoformat()


def session_calendar(kind: str, first: date, last: date, *, today: date) -> pd.DatetimeIndex | None:
    """Exchange sessions from ``first`` to ``last`` (None: plain weekdays, the demo's calendar)."""
    if kind != "XNYS":
        return None
    start = max(first, CALENDAR_FIRST_DAY)
    end = max(last, start)
    with warnings.catch_warnings():
        # exchange_calendars 4.13 reads Series.values on tz-aware data, deprecated in pandas 3.1;
        # the warning concerns its code and tells a user nothing.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"exchange_calendars(\.|$)")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pandas(\.|$)")
        import exchange_calendars as xc

        # One calendar from 1990 to the end of next year: exchange_calendars caches it by these
        # arguments, so a process builds it once (about 0.4 s) whatever dates are asked for.
        horizon = f"{max(end.year, today.year) + 1}-12-31"
        calendar = xc.get_calendar("XNYS", start=CALENDAR_FIRST_DAY.isoformat(), end=horizon)
        sessions = pd.DatetimeIndex(calendar.sessions, name="date").as_unit("ns")
    return sessions[(sessions >= pd.Timestamp(start)) & (sessions <= pd.Timestamp(end))]


def fetch_into_store(
    source: PriceSource,
    store: PriceStore,
    tickers: Sequence[str],
    start: date,
    end: date | None = None,
    *,
    now: datetime,
    overlap_sessions: int = 10,
    full: bool = False,
    limits: FetchSettings | None = None,
    chunk_size: int = 100,
    progress: TickerProgress | None = None,
    today: date | None = None,
) -> FetchSummary:
    """Fetch ``tickers`` from ``source`` into ``store``; the manifest is written last, under the lock.

    ``now`` (an aware time, read once by the CLI) is the fetch time the manifest records;
    ``limits`` the data-check thresholds of ``[fetch]``. A ticker with a bar dated after
    ``today`` (the run's date; None: not checked) fails and keeps what was stored: such a bar
    is a data error, whatever the source.
    """
    wanted = list(dict.fromkeys(t.strip().upper() for t in tickers if t.strip()))
    if not wanted:
        raise FetchError("no tickers to fetch; list some with --tickers or in newsletter.toml")
    end = end if end is not None else source.default_end()
    with store.lock():
        summary = FetchSummary()
        manifest = _readable_manifest(store, summary)
        entries: dict[str, Any] = dict(manifest.get("tickers", {}))
        plans = [_plan(store, t, entries.get(t), start, overlap_sessions, full) for t in wanted]
        run = _Run(source, end, chunk_size, progress, today)
        _fetch_incremental(run, [p for p in plans if p.full_reason is None], start, summary, entries)
        fulls = [p for p in plans if p.full_reason is not None]
        summary.refetched.update(
            {p.ticker: p.full_reason or "" for p in fulls if p.full_reason != NEW_TICKER}
        )
        changed = [_Plan(t, full_reason=why) for t, why in summary.refetched.items() if t not in run.final]
        run.progress = progress
        _fetch_full(run, fulls, start, summary)
        run.progress = None  # tickers whose overlap changed were counted once already
        _fetch_full(run, [p for p in changed if p.ticker not in {f.ticker for f in fulls}], start, summary)
        for plan in fulls:
            if plan.bad_file and plan.ticker not in run.final:
                entries.pop(plan.ticker, None)  # its file is bad and no replacement came: forget it
        summary.failed = list({f.ticker: f for f in run.failures}.values())
        if not run.final and summary.failed:
            raise FetchError(
                f"{source.label} returned no prices: " + "; ".join(str(f) for f in summary.failed)
            )
        try:
            _store_and_check(run, store, manifest, entries, summary, start, limits, now)
        except Exception:
            _drop_unreferenced(store)
            raise
    return summary


def _drop_unreferenced(store: PriceStore) -> None:
    """After a failed write (a full disk): remove the new files the manifest on disk does not name."""
    try:
        manifest = store.read_manifest()
    except StoreError:
        return  # it cannot say which files are good; the next fetch sorts it out
    store.collect_garbage(manifest)


def _fetch_incremental(
    run: _Run, plans: list[_Plan], start: date, summary: FetchSummary, entries: dict[str, Any]
) -> None:
    """Stored tickers: skip those already at the last session or unchanged at the source, fetch the
    rest from their overlap.
    """
    skip_after = _last_expected_session(run.source, run.end)
    unchanged = {
        t
        for t, digest in run.source.fingerprints([p.ticker for p in plans]).items()
        if entries.get(t, {}).get("source_fingerprint") == digest
    }
    pending: list[_Plan] = []
    for plan in plans:
        assert plan.old is not None
        if plan.ticker in unchanged or (skip_after is not None and plan.old.index[-1].date() >= skip_after):
            run.final[plan.ticker] = plan.old
            summary.up_to_date.append(plan.ticker)
            if run.progress:
                run.progress(1)
        else:
            pending.append(plan)
    for since, group in _by_date(pending, lambda p: p.since or start):
        got = run.fetch([p.ticker for p in group], since)
        for plan in group:
            _merge(plan, got, run, summary)


def _fetch_full(run: _Run, plans: list[_Plan], start: date, summary: FetchSummary) -> None:
    """New, damaged or re-based tickers: their whole history from ``start``."""
    got = run.fetch([p.ticker for p in plans], start)
    for plan in plans:
        if plan.ticker in got:
            run.final[plan.ticker] = got[plan.ticker]
            if plan.ticker not in summary.fetched:
                summary.fetched.append(plan.ticker)


class _Run:
    """One fetch run: the source, what came back, and what the source said on the way."""

    def __init__(
        self,
        source: PriceSource,
        end: date | None,
        chunk_size: int,
        progress: TickerProgress | None,
        today: date | None = None,
    ) -> None:
        self.source = source
        self.end = end
        self.today = today
        self.chunk_size = chunk_size
        self.progress = progress
        self.final: dict[str, pd.DataFrame] = {}
        self.failures: list[FetchFailure] = []
        self.one_close: set[str] = set()
        self.notes: list[DataNote] = []

    def fetch(self, tickers: list[str], since: date) -> dict[str, pd.DataFrame]:
        """Ask the source for ``tickers`` in chunks, collecting failures, notes and progress."""
        got: dict[str, pd.DataFrame] = {}
        for first in range(0, len(tickers), self.chunk_size):
            chunk = tickers[first : first + self.chunk_size]
            result: SourceResult = self.source.fetch(chunk, since, self.end)
            future = self._future(result.bars)
            good = {t: f for t, f in result.bars.items() if t not in future}
            got.update(good)
            self.failures = [f for f in self.failures if f.ticker not in good]
            self.failures += [*result.failures, *future.values()]
            self.one_close |= set(result.one_close)
            self.notes = [n for n in self.notes if n.ticker not in chunk] + list(result.notes)
            if self.progress:
                self.progress(len(chunk))
        return got


    def _future(self, bars: dict[str, pd.DataFrame]) -> dict[str, FetchFailure]:
        """A failure for each ticker whose bars run past today."""
        if self.today is None:
            return {}
        out: dict[str, FetchFailure] = {}
        for ticker, frame in bars.items():
            later = bars_after(pd.DatetimeIndex(frame.index), self.today)
            if len(later):
                count = f"{len(later)} bar{'s' if len(later) > 1 else ''}"
                first = later[0].date().isoformat()
                reason = f"{count} dated after today ({self.today.isoformat()}), the first on {first}"
                out[ticker] = FetchFailure(ticker, reason)
        return out


def _readable_manifest(store: PriceStore, summary: FetchSummary) -> dict[str, Any]:
    try:
        return store.read_manifest()
    except StoreError as exc:
        # An unreadable manifest cannot say which files are good: fetch everything again.
        summary.warnings.append(f"{exc}; fetching every ticker again")
        return {}


def _plan(
    store: PriceStore, ticker: str, entry: dict[str, Any] | None, start: date, overlap: int, full: bool
) -> _Plan:
    if entry is None:
        return _Plan(ticker, full_reason=NEW_TICKER)
    if full:
        return _Plan(ticker, full_reason="--full asked for the whole history")
    problem = store.problem_with(ticker, entry)
    if problem is not None:
        return _Plan(ticker, full_reason=problem, bad_file=True)
    requested = entry.get("start_requested")
    if requested and start < date.fromisoformat(str(requested)):
        return _Plan(ticker, full_reason=f"--start {start.isoformat()} is before the stored history's start")
    try:
        old = store.read_bars(ticker, entry)
    except StoreError as exc:
        return _Plan(ticker, full_reason=str(exc), bad_file=True)
    since = old.index[max(0, len(old) - 1 - overlap)].date()
    return _Plan(ticker, old=old, since=max(since, start))


def _last_expected_session(source: PriceSource, end: date | None) -> date | None:
    """For a live source: the last weekday before ``end``; a series reaching it is up to date."""
    if end is None or source.calendar != "XNYS" or source.default_end() is None:
        return None
    day = end - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _by_date(plans: Iterable[_Plan], key: Callable[[_Plan], date]) -> list[tuple[date, list[_Plan]]]:
    groups: dict[date, list[_Plan]] = {}
    for plan in plans:
        groups.setdefault(key(plan), []).append(plan)
    return sorted(groups.items())


def overlap_changed(old: pd.DataFrame, new: pd.DataFrame) -> bool:
    """True when the bars both frames hold differ (beyond float noise) or the old last bar vanished.

    Compares ``close`` and ``adj_close`` on the shared dates from the new frame's first date:
    a dividend re-bases every earlier adjusted close, a split every earlier quoted close.
    """
    tail = old.loc[old.index >= new.index[0]]
    if tail.empty:
        return True
    shared = tail.index.intersection(new.index)
    if len(shared) < len(tail):
        return True
    for column in ("close", "adj_close"):
        a = tail[column].to_numpy(dtype="float64")
        b = new.loc[shared, column].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            diff = np.abs(a - b) / np.abs(a)
        if np.any(diff > OVERLAP_TOLERANCE) or np.any(np.isnan(a) != np.isnan(b)):
            return True
    return False


def _merge(plan: _Plan, got: dict[str, pd.DataFrame], run: _Run, summary: FetchSummary) -> None:
    """Append a stored ticker's new bars, or queue a full refetch if the overlap changed."""
    old = plan.old
    assert old is not None
    final = run.final
    new = got.get(plan.ticker)
    if new is None or new.empty:
        final[plan.ticker] = old  # keep what is stored; a failure, if any, is already collected
        if not any(f.ticker == plan.ticker for f in run.failures):
            summary.up_to_date.append(plan.ticker)
        return
    if overlap_changed(old, new):
        summary.refetched[plan.ticker] = "the adjusted history changed inside the overlap (dividend or split)"
        return
    merged = pd.concat([old.loc[old.index < new.index[0]], new])
    final[plan.ticker] = merged
    if len(merged) == len(old) and merged.index[-1] == old.index[-1]:
        summary.up_to_date.append(plan.ticker)
    else:
        summary.fetched.append(plan.ticker)


def _store_and_check(
    run: _Run,
    store: PriceStore,
    manifest: dict[str, Any],
    entries: dict[str, Any],
    summary: FetchSummary,
    start: date,
    limits: FetchSettings | None,
    now_time: datetime,
) -> None:
    """Write changed files, run the checks, then write the manifest (last)."""
    source, final = run.source, run.final
    one_close = {t for t in final if t in run.one_close or entries.get(t, {}).get("one_close")}
    changed = [t for t in final if t in summary.fetched]
    stored: dict[str, StoredFile] = {t: store.write_bars(t, final[t]) for t in changed}
    notes = _checks(source, final, one_close, run.end, limits, now_time.date())
    # Notes the source made (CSV rows, one close) stand until the ticker is read again.
    fresh = {n.ticker for n in run.notes}
    notes += [n for n in run.notes if n.ticker in final]
    notes += [_old for t in final if t not in fresh for _old in _source_notes(entries.get(t, {}))]
    summary.notes = sorted(notes, key=lambda n: (n.ticker, n.day or date.min, n.kind, n.message))
    now = manifest_time(now_time)
    digests = source.fingerprints(
        changed + [t for t in final if "source_fingerprint" not in entries.get(t, {})]
    )
    for ticker in final:
        entry = dict(entries.get(ticker, {}))
        if ticker in stored:
            entry.update(stored[ticker].to_json())
            entry["fetched_at"] = now
            if ticker in summary.refetched or "start_requested" not in entry:
                entry["start_requested"] = start.isoformat()
        entry["ticker"] = ticker
        entry["one_close"] = ticker in one_close
        if ticker in digests:
            entry["source_fingerprint"] = digests[ticker]
        entry["notes"] = [note_to_json(n) for n in summary.notes if n.ticker == ticker]
        entry["source_notes"] = [note_to_json(n) for n in run.notes if n.ticker == ticker] or entry.get(
            "source_notes", []
        )
        entries[ticker] = entry
    manifest.update(
        {
            "source": source.name,
            "label": source.label,
            "synthetic": source.synthetic,
            "calendar": source.calendar,
            "versions": library_versions(),
            "fetched_at": now,
            "tickers": dict(sorted(entries.items())),
            "failures": [{"ticker": f.ticker, "reason": f.reason, "at": now} for f in summary.failed],
            "last_run": {
                "fetched": len(summary.fetched),
                "up_to_date": len(summary.up_to_date),
                "refetched": len(summary.refetched),
                "failed": len(summary.failed),
            },
        }
    )
    manifest.pop("notes", None)  # spine format kept notes at the top level
    manifest["dates"] = store.write_dates(_store_dates(store, manifest, entries, final))
    store.write_manifest(manifest)


def _store_dates(
    store: PriceStore, manifest: dict[str, Any], entries: dict[str, Any], final: dict[str, pd.DataFrame]
) -> np.ndarray:
    """The union of the store's dates only grows: what it held, plus every date of this run's bars."""
    parts = [pd.DatetimeIndex(f.index).as_unit("ns").asi8 for f in final.values()]
    known = store.read_dates(manifest)
    if known is not None:
        parts.append(known)
    else:  # the first fetch that records it: add the tickers this run did not touch
        for ticker, entry in entries.items():
            if ticker not in final:
                try:
                    parts.append(pd.DatetimeIndex(store.read_bars(ticker, entry).index).as_unit("ns").asi8)
                except StoreError:
                    continue
    return union_of_days(parts)


def _source_notes(entry: dict[str, Any]) -> list[DataNote]:
    return [note_from_json(raw) for raw in entry.get("source_notes", [])]


def _checks(
    source: PriceSource,
    final: dict[str, pd.DataFrame],
    one_close: set[str],
    end: date | None,
    limits: FetchSettings | None,
    today: date,
) -> list[DataNote]:
    if not final:
        return []
    first = min(f.index[0] for f in final.values()).date()
    last = max(f.index[-1] for f in final.values()).date()
    live_end = end if source.default_end() is not None else None
    sessions = session_calendar(source.calendar, first, max(last, live_end or last), today=today)
    reference: date | None = None
    if live_end is not None and sessions is not None:
        before = sessions[sessions < pd.Timestamp(live_end)]
        reference = before[-1].date() if len(before) else None
    if sessions is not None:
        sessions = sessions[sessions <= pd.Timestamp(max(last, reference or last))]
    return check_bars(
        final, sessions=sessions, reference_day=reference, one_close=one_close, limits=limits
    )
