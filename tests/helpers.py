"""What the tests share besides fixtures: workspaces, the shared real data, the built demo's
shape, a fixed clock, one week's draft. conftest.py holds fixtures only and imports from here;
the focused helpers (faults, fuzzing, chart_helpers, yf_fakes, pagecheck, ...) sit beside it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from generator.calls.ledger import PublishedIssue
from generator.config import Settings, SourceSpec
from generator.data.prices import PriceHistory, history_from_bars
from generator.data.universe import UniverseData
from generator.issue.context import DraftInputs
from generator.issue.drafts import DraftResult
from generator.issue.text import template_env
from generator.workspace import WORKSPACE_FILES

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data" / "prices"
DEMO = SourceSpec.parse("demo")
# The time of a test's run, passed where the CLI would pass the clock: fixed, so a run is repeatable.
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
DEMO_WEEKS = 12  # the built demo: an archive of several months, pagination (10 per page), ended calls


def make_workspace(folder: Path) -> Path:
    """A copy of the repository's workspace files (not its content) in ``folder``."""
    for name in WORKSPACE_FILES:
        source = REPO / name
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    return folder


def copy_store(store: Path, workspace: Path) -> None:
    """Put a fetched store (the ``demo_store`` fixture) into ``workspace`` as its ``.store``."""
    shutil.copytree(store, workspace / ".store")


def shared_folder(name: str) -> Path:
    """A folder of ../shared/data/prices, or skip (CI makes sure it exists)."""
    folder = SHARED_DATA / name
    if not folder.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{folder} is missing; CI needs ../shared/data beside the checkout")
        pytest.skip(f"{folder} is not here (real-data tests need ../shared/data beside the repo)")
    return folder


@lru_cache(maxsize=4)
def _adjusted_closes(tickers: tuple[str, ...]) -> PriceHistory:
    folder = shared_folder("adjusted-closes")
    bars = {}
    for ticker in tickers:
        frame = pd.read_csv(folder / f"{ticker}.csv", parse_dates=["Date"], index_col="Date")
        frame.index = pd.DatetimeIndex(frame.index, name="date").as_unit("ns")
        # One close only (split- and dividend-adjusted): it serves both price bases.
        bars[ticker] = pd.DataFrame({"close": frame["Close"], "adj_close": frame["Close"]})
    return history_from_bars(bars, one_close=tickers, source_label="adjusted-closes (test)")


def adjusted_closes(tickers: Iterable[str]) -> PriceHistory:
    """Real ETF closes of ``tickers`` from ../shared/data ``prices/adjusted-closes``, read in
    place, never copied into the repo (skips when absent).
    """
    return _adjusted_closes(tuple(sorted(set(tickers))))


@dataclass(frozen=True)
class BuiltDemo:
    """A workspace where `rotation demo` ran once, with its built site (the ``built_demo`` fixture)."""

    workspace: Path
    settings: Settings
    site: Path
    result: Any


def draft(
    settings: Settings,
    prices: PriceHistory,
    as_of: date,
    *,
    source: SourceSpec = DEMO,
    universe: UniverseData | None = None,
    published: Sequence[PublishedIssue] = (),
    **options: Any,
) -> DraftResult:
    """``pipeline.draft_issue`` of one week from these prices (no universe, nothing published)."""
    from generator import pipeline

    inputs = DraftInputs(prices, universe, list(published), template_env(settings))
    return pipeline.draft_issue(settings, inputs, as_of, source=source, **options)
