"""What every story builder reads: the report, the names, each ticker's theme, and last week's stories."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from generator.config import Settings
from generator.signals.report import RelativeSignals, SignalReport
from generator.stories import words as w


@dataclass(frozen=True)
class PairNames:
    """How a pair reads: "small caps" against "large caps" (IWM/IWB)."""

    long: str  # "small caps", "health care (XLV)"
    short: str  # "large caps", "SPY"
    long_plain: str  # the long leg without its ticker: "small caps", "health care"

    def ratio(self, pair: RelativeSignals) -> str:
        """``the ratio of small caps to large caps (IWM/IWB)``."""
        return f"the ratio of {self.long} to {self.short} ({pair.long}/{pair.short})"


@dataclass(frozen=True)
class GroupInfo:
    """A configured group of funds."""

    key: str
    label: str  # "S&P 500 sectors"
    benchmark: str
    category: str  # its house theme
    tickers: tuple[str, ...]


@dataclass(frozen=True)
class StoryContext:
    """The inputs of the story builders (all pure values)."""

    report: SignalReport
    names: Mapping[str, str]  # display name per ticker
    themes: Mapping[str, str]  # house theme per ticker: its group's category, else "bases"
    configured: Mapping[tuple[str, str], str]  # configured pairs (long, short) -> label
    told: Mapping[str, str] = field(default_factory=dict)  # last week's story keys -> their kind
    groups: tuple[GroupInfo, ...] = ()  # the configured groups, in newsletter.toml order
    pair_themes: frozenset[str] = frozenset()  # the categories of the configured pairs (size)
    market: tuple[str, ...] = ()  # the market: the benchmark (its big weeks are the market's)
    one_close: frozenset[str] = frozenset()  # tickers whose levels are on dividend-adjusted closes
    fail_tol_pct: float = 5.0  # a base breakout fails under ceiling x (1 - this)
    breakout_buffer_pct: float = 1.0  # a base breakout needs a close this far over the ceiling
    attempt_band_pct: float = 3.0
    rel_fail_tol_pct: float = 2.0

    def name(self, ticker: str) -> str:
        """The ticker's display name (the ticker when it has none)."""
        return self.names.get(ticker, ticker)

    def subject(self, ticker: str) -> str:
        """``Small-cap technology (PSCT)``."""
        return w.subject(ticker, self.name(ticker))

    def mention(self, ticker: str) -> str:
        """``small-cap technology (PSCT)``."""
        return w.mention(ticker, self.name(ticker))

    def pair_names(self, pair: RelativeSignals) -> PairNames:
        """A configured pair by its label ("Small caps vs large caps"); others by the fund's name."""
        label = self.configured.get((pair.long, pair.short))
        if label and " vs " in label:
            long, short = label.split(" vs ", 1)
            return PairNames(w.lower_name(long), w.lower_name(short), w.lower_name(long))
        return PairNames(self.mention(pair.long), pair.short, w.lower_name(self.name(pair.long)))


def story_context(
    report: SignalReport, settings: Settings, told: Mapping[str, str] | None = None
) -> StoryContext:
    """The builders' context for ``report`` under ``settings``."""
    names = {t: settings.name_of(t) for t in settings.tickers}
    themes: dict[str, str] = {}
    for group in settings.groups.values():
        for ticker in group.tickers:
            themes.setdefault(ticker, group.category)
    base = settings.signals.base
    return StoryContext(
        report=report,
        names=names,
        themes=themes,
        configured={(p.long, p.short): p.label for p in settings.pairs},
        pair_themes=frozenset(p.category for p in settings.pairs),
        market=(settings.benchmark,),
        told=dict(told or {}),
        groups=tuple(
            GroupInfo(k, g.label, g.benchmark, g.category, tuple(g.tickers))
            for k, g in settings.groups.items()
        ),
        one_close=frozenset(t for t, item in report.instruments.items() if item.one_close),
        fail_tol_pct=base.fail_tol_pct,
        breakout_buffer_pct=base.breakout_buffer_pct,
        attempt_band_pct=base.attempt_band_pct,
        rel_fail_tol_pct=settings.signals.relative.fail_tol_pct,
    )
