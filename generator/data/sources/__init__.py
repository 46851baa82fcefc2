"""Price sources behind one interface: ``demo``, ``csv:PATH`` and ``yfinance``.

``make_source`` builds the source a ``SourceSpec`` names (``generator.config``: parsed once,
from newsletter.toml or ``--source``), and ``make_screener`` the market-cap screener of
`rotation universe` (the demo's synthetic universe, or Yahoo's screener). What every source
returns (the ``PriceSource`` protocol, bars, failures) is in ``generator.data.sources.base``.
The sources themselves are imported only when asked for: yfinance is slow to import.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from generator.data.sources.base import new_york_day
from generator.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from generator.config import Settings, SourceSpec
    from generator.data.sources.base import PriceSource
    from generator.data.universe import Screen


def make_source(
    spec: SourceSpec, settings: Settings, *, now: datetime | None = None, yfinance_cache: Path | None = None
) -> PriceSource:
    """The source ``spec`` names, set up from ``settings`` (the demo's seed, ``[fetch]``).

    ``now`` is the time of the run, which yfinance needs (it never fetches today's partial
    bar); ``yfinance_cache`` is where yfinance keeps its timezone cache (inside the store,
    never ``~/.cache``).
    """
    if spec.kind == "demo":
        from generator.data.sources.demo import DemoSource

        return DemoSource(seed=settings.data.demo_seed)
    if spec.kind == "yfinance":
        from generator.data.sources.yahoo import YahooSource

        assert now is not None, "yfinance needs the time of the run"
        fetch = settings.fetch
        return YahooSource(
            batch_size=fetch.batch_size,
            threads=fetch.threads,
            timeout_s=fetch.timeout_s,
            backoff_s=tuple(fetch.rate_limit_backoff_s),
            pause_between_batches_s=fetch.pause_between_batches_s,
            retries_network=fetch.retries_network,
            tz_cache_dir=yfinance_cache,
            today=new_york_day(now),
        )
    from generator.data.sources.csvfolder import CsvFolderSource

    # ``now`` lets a CSV source name the line of a row dated after the run's date.
    return CsvFolderSource(spec.csv_folder(settings.root), today=new_york_day(now) if now else None)


class Screener(Protocol):
    """Where `rotation universe` gets its stock rows (unscreened) for a dated snapshot."""

    def snapshot_day(self, asked: date) -> date:
        """The day a snapshot asked for ``asked`` is of; ConfigError if the source cannot give it."""
        ...

    def rows(self, screen: Screen, day: date) -> pd.DataFrame:
        """Every stock the source knows on ``day``, with the universe columns."""
        ...


def make_screener(
    spec: SourceSpec,
    settings: Settings,
    *,
    now: datetime | None = None,
    yfinance_cache: Path | None = None,
) -> Screener:
    """The screener of ``spec``: the demo's synthetic universe, or Yahoo's (today only: ``now``).

    A ``csv:`` folder has prices but no market caps: ConfigError.
    """
    if spec.kind == "demo":
        from generator.data.sources.demo import DemoSource

        return DemoSource(seed=settings.data.demo_seed)
    if spec.kind == "yfinance":
        from generator.data.sources.yahoo_screener import YahooScreener

        assert now is not None, "the Yahoo screener needs the time of the run"
        return YahooScreener(
            today=new_york_day(now),
            cache_dir=yfinance_cache,
            backoff_s=settings.fetch.rate_limit_backoff_s,
            pause_s=settings.fetch.pause_between_batches_s,
        )
    raise ConfigError(f"{spec} has no market caps; `rotation universe` needs --source yfinance or demo")
