from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pytest

from generator.config import FetchSettings
from generator.data.checks import check_bars
from generator.data.fetch import session_calendar
from generator.data.notes import issue_lines, summarise
from generator.data.prices import DataNote
from generator.data.sources.csvfolder import CsvFolderSource
from tests.helpers import shared_folder

SESSIONS = pd.bdate_range("2023-01-02", "2024-12-31", name="date").as_unit("ns")


def series(seed: int = 0, days: pd.DatetimeIndex = SESSIONS, vol: float = 0.01) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(vol * rng.standard_normal(len(days))))
    return pd.DataFrame(
        {
            "open": close,
            "high": close * 1.01,
            "low": close * 0.99,
            "close": close,
            "adj_close": close * 0.97,
            "volume": 1e6,
        },
        index=days,
    )


def universe(n: int = 6) -> dict[str, pd.DataFrame]:
    return {f"T{i}": series(i) for i in range(n)}


def by_kind(notes: list[DataNote], kind: str) -> list[DataNote]:
    return [n for n in notes if n.kind == kind]


def test_clean_synthetic_data_has_no_notes():
    assert check_bars(universe(), sessions=SESSIONS) == []


def test_a_spike_that_reverts_is_a_bad_print_dated_when_it_could_be_known():
    bars = universe()
    bars["T0"].loc["2024-03-05", "close"] *= 1.5
    notes = check_bars(bars, sessions=SESSIONS)
    (note,) = by_kind(notes, "bad_print")
    assert note.ticker == "T0" and "close on 2024-03-05 moved +" in note.message
    assert note.day == date(2024, 3, 6)  # the reversal is what tells a bad print from a real move


def test_a_lasting_jump_is_not_a_bad_print_but_a_jump_on_the_last_bar_is_flagged():
    bars = universe()
    bars["T1"].loc["2024-03-05":, ["close", "adj_close"]] *= 1.3
    assert by_kind(check_bars(bars, sessions=SESSIONS), "bad_print") == []
    bars["T2"].loc["2024-12-31", "close"] *= 0.7
    (note,) = by_kind(check_bars(bars, sessions=SESSIONS), "bad_print")
    assert note.ticker == "T2" and "last bar 2024-12-31" in note.message and "unconfirmed" in note.message


def test_a_market_wide_crash_day_is_not_a_bad_print():
    bars = universe(8)
    for frame in bars.values():
        frame.loc["2024-03-05":, ["close", "adj_close"]] *= 0.85
        frame.loc["2024-03-06":, ["close", "adj_close"]] *= 1.12
    assert by_kind(check_bars(bars, sessions=SESSIONS), "bad_print") == []


def test_gaps_and_missing_sessions_are_found_against_the_calendar():
    bars = universe()
    bars["T3"] = bars["T3"].drop(index=pd.bdate_range("2024-02-01", "2024-02-12"))  # 8 sessions
    bars["T4"] = bars["T4"].drop(index=[pd.Timestamp("2024-05-07"), pd.Timestamp("2024-05-09")])
    notes = check_bars(bars, sessions=SESSIONS)
    (gap,) = by_kind(notes, "gap")
    assert gap.ticker == "T3" and gap.day == date(2024, 2, 1)
    assert gap.message == "no bars for 8 sessions, 2024-02-01 to 2024-02-12"
    (missing,) = by_kind(notes, "missing_sessions")
    assert missing.ticker == "T4" and missing.day == date(2024, 5, 9)
    assert "2 day(s): 2024-05-07, 2024-05-09" in missing.message


def test_holidays_on_the_calendar_are_not_missing_days():
    sessions = SESSIONS.drop(pd.Timestamp("2024-07-04"))
    bars = {t: f.drop(index=pd.Timestamp("2024-07-04")) for t, f in universe().items()}
    assert check_bars(bars, sessions=sessions) == []


def test_a_stale_last_bar_is_reported_against_the_reference_session():
    bars = universe()
    bars["T5"] = bars["T5"].loc[:"2024-12-20"]
    notes = check_bars(bars, sessions=SESSIONS)
    (stale,) = by_kind(notes, "stale")
    assert stale.ticker == "T5" and stale.message == "last bar 2024-12-20 is 7 sessions behind 2024-12-31"
    notes = check_bars(universe(), sessions=SESSIONS, reference_day=date(2025, 1, 10))
    assert len(by_kind(notes, "stale")) == 0  # the calendar ends 2024-12-31: nothing known to be missed
    longer = SESSIONS.append(pd.bdate_range("2025-01-01", "2025-01-10")).rename("date")
    assert (
        len(by_kind(check_bars(universe(), sessions=longer, reference_day=date(2025, 1, 10)), "stale")) == 6
    )


def test_non_positive_prices_are_reported_by_day():
    bars = universe()
    bars["T0"].loc["2024-04-02", "low"] = 0.0
    (note,) = by_kind(check_bars(bars, sessions=SESSIONS), "non_positive")
    assert note.ticker == "T0" and note.day == date(2024, 4, 2) and "low is zero or negative" in note.message


def test_the_two_closes_disagreeing_is_reported():
    bars = universe()
    bars["T1"].loc["2024-06-03":, "adj_close"] *= 0.5  # a split applied to the adjusted close only
    bars["T2"].loc["2024-08-01", "adj_close"] = bars["T2"].loc["2024-08-01", "close"] * 1.05
    notes = by_kind(check_bars(bars, sessions=SESSIONS), "basis_mismatch")
    assert {n.ticker for n in notes} == {"T1", "T2"}
    t1 = [n for n in notes if n.ticker == "T1"]
    assert t1[0].day == date(2024, 6, 3) and "-50.0%" in t1[0].message
    assert any("adjusted close above the quoted close" in n.message for n in notes if n.ticker == "T2")


def test_one_close_tickers_skip_the_basis_check():
    bars = universe()
    bars["T1"]["adj_close"] = bars["T1"]["close"] * 2
    assert by_kind(check_bars(bars, sessions=SESSIONS, one_close=["T1"]), "basis_mismatch") == []


def test_a_long_flat_run_is_reported():
    bars = universe()
    bars["T2"].loc["2024-09-02":"2024-10-04", "close"] = 42.0
    (flat,) = by_kind(check_bars(bars, sessions=SESSIONS), "flat")
    assert flat.ticker == "T2" and "close unchanged at 42 for 25 bars" in flat.message


def test_monthly_data_is_not_checked_for_gaps():
    monthly = series(days=pd.date_range("2020-01-31", "2024-12-31", freq="BME", name="date"))
    notes = check_bars({"M": monthly, **universe()}, sessions=SESSIONS)
    assert [n.kind for n in notes if n.ticker == "M"] == ["not_daily"]


def test_summary_counts_kinds_folds_one_close_and_orders_by_severity():
    notes = [
        DataNote("A", "missing_sessions", "x", date(2024, 1, 2)),
        DataNote("B", "bad_print", "y", date(2024, 1, 3)),
        DataNote("C", "one_close", "z"),
    ]
    lines = summarise(notes, limit=1)
    assert lines[0] == "data notes: bad_print 1, missing_sessions 1, one_close 1"
    assert lines[1] == "  one close only, used for both price bases: C"
    assert lines[2] == "  B on 2024-01-03: y"
    assert lines[3].startswith("  ... and 1 more")


def _real(name: str):
    source = CsvFolderSource(shared_folder(name))
    result = source.fetch(source.available_tickers(), date(1900, 1, 1))
    first = min(f.index[0] for f in result.bars.values()).date()
    last = max(f.index[-1] for f in result.bars.values()).date()
    sessions = session_calendar("XNYS", first, last, today=last)
    return check_bars(result.bars, sessions=sessions, one_close=result.one_close)


def test_clean_real_data_raises_at_most_one_alarm():
    notes = _real("adjusted-closes")
    # The one: XRT on 2021-01-27, the GameStop squeeze day (+12%, -9% the next day).
    assert [(n.ticker, n.kind, n.day) for n in notes] == [("XRT", "bad_print", date(2021, 1, 28))]


@pytest.fixture(scope="module")
def dirty() -> list[DataNote]:
    return _real("dirty-feed")


def _sessions_reported(notes: list[DataNote], ticker: str) -> int:
    total = 0
    for note in notes:
        if note.ticker != ticker:
            continue
        if note.kind == "gap":
            total += int(re.search(r"no bars for (\d+) sessions", note.message).group(1))
        elif note.kind == "missing_sessions":
            total += int(re.search(r"on (\d+) day\(s\)", note.message).group(1))
    return total


def test_dirty_feed_missing_days_match_its_provenance(dirty):
    # ../shared/data/prices/dirty-feed/PROVENANCE.md: PSCT 362 missing, ARKX 10, ARKQ 15, an SPY gap.
    assert _sessions_reported(dirty, "PSCT") == 362
    assert _sessions_reported(dirty, "ARKX") == 10
    assert _sessions_reported(dirty, "ARKQ") == 15
    spy = by_kind([n for n in dirty if n.ticker == "SPY"], "gap")
    assert [n.message for n in spy] == ["no bars for 433 sessions, 2018-11-02 to 2020-07-24"]


def test_dirty_feed_bad_prints_and_carried_quotes_are_found(dirty):
    prints = {(n.ticker, n.day) for n in by_kind(dirty, "bad_print")}
    assert ("PSCT", date(2023, 7, 18)) in prints  # a 3x print on 2023-07-17, back the next day
    assert ("ARKQ", date(2023, 2, 15)) in prints  # 41.02 between 49.3 and 51.2
    assert {t for t, _ in prints} == {"PSCT", "ARKQ", "ARKX"}
    flats = by_kind(dirty, "flat")
    assert flats and {n.ticker for n in flats} == {"PSCT"}


def test_thresholds_are_honoured():
    bars = universe()
    bars["T0"].loc["2024-03-05", "close"] *= 1.08
    assert by_kind(check_bars(bars, sessions=SESSIONS), "bad_print") == []
    loose = FetchSettings(bad_print_min_move_pct=5.0, bad_print_sigma=5.0)
    assert len(by_kind(check_bars(bars, sessions=SESSIONS, limits=loose), "bad_print")) == 1


def test_issue_lines_fold_standing_notes_and_count_old_ones():
    notes = [
        DataNote("SPY", "one_close", "SPY.csv has one close only"),
        DataNote("IWM", "one_close", "IWM.csv has one close only"),
        DataNote("XLC", "missing", "not in the price store"),
        DataNote("PSCT", "gap", "no bars for 9 sessions", date(2024, 1, 2)),
        DataNote("PSCT", "bad_print", "close moved +200%", date(2024, 5, 1)),
        DataNote("PSCT", "missing_sessions", "no bar on 2 day(s)", date(2024, 6, 20)),
    ]
    assert issue_lines(notes, date(2024, 6, 28)) == [
        "One close only, used for both price bases: IWM, SPY.",
        "Not in the price store: XLC.",
        "PSCT on 2024-06-20: no bar on 2 day(s)",
        "PSCT: 2 earlier data note(s) since 2024-01-02 (bad prints, gaps).",
    ]


def test_when_every_ticker_has_one_close_the_summary_and_the_issue_say_so_once():
    notes = [DataNote(t, "one_close", f"{t}.csv has one close only") for t in ("A", "B", "C")]
    assert summarise(notes, tickers_total=3)[1] == "  all 3 tickers have one close, used for both price bases"
    assert summarise(notes, tickers_total=4)[1] == "  one close only, used for both price bases: A, B, C"
    assert issue_lines(notes, date(2024, 6, 28), tickers=["A", "B", "C"]) == []  # the price line says it
    assert issue_lines(notes, date(2024, 6, 28), tickers=["A", "B", "C", "D"]) == [
        "One close only, used for both price bases: A, B, C."
    ]
