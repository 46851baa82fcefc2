"""What `rotation publish` refuses in a post's calls (issue 12, items 10, 11 and 14): a stop on
the wrong side of the entry, an entry off the as-of close (a typo), prices missing for that
check, and a ``closes`` id that is unknown, already closed, of a later issue or of the issue
itself. A build is never bricked by a bad ``closes`` that an older version let through."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from generator import pipeline
from generator.calls import ledger
from generator.calls.ledger import published_issues
from generator.config import Settings, load_settings
from generator.errors import DraftError, PublishError
from generator.paths import Layout
from generator.posts import read_front_matter
from tests.helpers import DEMO, copy_store

AS_OF = date(2025, 10, 17)
NOW = datetime(2025, 10, 17, 18, 0)


@pytest.fixture
def settings(workspace: Path, demo_store: Path) -> Settings:
    copy_store(demo_store, workspace)
    return load_settings(workspace / "newsletter.toml")


def close_on(settings: Settings, ticker: str, day: date = AS_OF) -> float:
    history = pipeline.price_store(settings, DEMO).load_history([ticker])
    return float(history.close[ticker].loc[: pd.Timestamp(day)].dropna().iloc[-1])


def call(call_id: str, position: str, entry: dict[str, float], **invalidation: Any) -> dict[str, Any]:
    return {
        "id": call_id,
        "position": position,
        "category": "sectors",
        "thesis": "A test call.",
        "entry": entry,
        "horizon_weeks": 13,
        **invalidation,
    }


def write_post(
    settings: Settings,
    calls: list[dict[str, Any]],
    *,
    as_of: date = AS_OF,
    closes: list[str] | None = None,
    published: bool = False,
    source_spec: str | None = "demo",
) -> Path:
    rotation: dict[str, Any] = {"as_of": as_of, "published_at": None}
    if source_spec is not None:
        rotation["source_spec"] = source_spec
    meta = {
        "title": f"Week of {as_of}",
        "date": as_of,
        "slug": f"{as_of}-week",
        "draft": not published,
        "rotation": rotation,
        "calls": calls,
        "closes": closes or [],
    }
    folder = Layout.of(settings).posts
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{as_of}-week.md"
    body = "\n# The week\n\nOur view of the week.\n\n<!-- more -->\n\nMore of it.\n"
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + body)
    return path


def refused(
    settings: Settings, path: Path, error: type[Exception] = PublishError, now: datetime = NOW
) -> str:
    before = path.read_bytes()
    with pytest.raises(error) as raised:
        pipeline.publish_issue(settings, path.name, now)
    assert path.read_bytes() == before, "a refused post is left as it was"
    return str(raised.value)


# --- item 10: the stop's side ------------------------------------------------------------


def test_a_long_stop_above_its_entry_is_refused_naming_the_call(settings):
    entry = close_on(settings, "XLV")
    path = write_post(
        settings, [call("2025-10-17-long-xlv", "long XLV", {"XLV": entry}, stop=round(entry * 1.4, 2))]
    )
    message = refused(settings, path)
    assert message.startswith(
        f"{path.name}: call 2025-10-17-long-xlv: its stop {entry * 1.4:,.2f} is above its entry"
    )
    assert "a long call is stopped by a weekly close below its stop" in message


def test_a_short_stop_below_its_entry_is_refused(settings):
    entry = close_on(settings, "XLE")
    path = write_post(settings, [call("s", "short XLE", {"XLE": entry}, stop=round(entry * 0.9, 2))])
    message = refused(settings, path)
    assert f"call s: its stop {entry * 0.9:,.2f} is below its entry" in message
    assert "a short call is stopped by a weekly close above its stop" in message


def test_a_stop_pct_of_the_wrong_sign_is_refused(settings):
    entry = close_on(settings, "XLV")
    path = write_post(settings, [call("p", "long XLV", {"XLV": entry}, stop_pct=4.0)])
    assert "call p: stop_pct must be a negative percent such as -4, got 4.0" in refused(
        settings, path, DraftError
    )


def test_a_long_stop_pct_a_long_can_never_reach_is_refused(settings):
    entry = close_on(settings, "XLV")
    path = write_post(settings, [call("p", "long XLV", {"XLV": entry}, stop_pct=-100.0)])
    assert "call p: stop_pct -100 can never be reached: a long position cannot lose 100% or more" in refused(
        settings, path
    )


def test_stops_on_the_right_side_publish(settings):
    xlv, xle = close_on(settings, "XLV"), close_on(settings, "XLE")
    iwm, iwb = close_on(settings, "IWM"), close_on(settings, "IWB")
    path = write_post(
        settings,
        [
            call("a", "long XLV", {"XLV": xlv}, stop=round(xlv * 0.95, 2)),
            call("b", "short XLE", {"XLE": xle}, stop=round(xle * 1.05, 2)),
            call("c", "long IWM vs IWB", {"IWM": iwm, "IWB": iwb}, stop_pct=-4.0),
        ],
    )
    pipeline.publish_issue(settings, path.name, NOW)
    assert read_front_matter(path)[0]["draft"] is False


# --- item 11: the entry against the as-of close --------------------------------------------


def test_an_entry_typo_is_refused_naming_the_entry_and_the_close_it_expected(settings):
    close = close_on(settings, "XLV")
    typo = round(close / 10, 3)  # 14.774 for 147.74
    path = write_post(settings, [call("t", "long XLV", {"XLV": typo}, stop_pct=-4.0)])
    message = refused(settings, path)
    assert f"call t: entry XLV {typo:g} is 90.0% below the close of {AS_OF} ({close:,.2f}" in message
    assert "store of demo" in message and "tolerance 3%" in message


def test_an_entry_within_the_tolerance_publishes_and_the_tolerance_is_a_setting(settings, workspace):
    close = close_on(settings, "XLV")
    path = write_post(settings, [call("t", "long XLV", {"XLV": round(close * 1.02, 2)}, stop_pct=-4.0)])
    strict = load_settings(workspace / "newsletter.toml", **{"issue.entry_tolerance_pct": 1.0})
    assert "2.0% above the close" in refused(strict, path) and "tolerance 1%" in refused(strict, path)
    pipeline.publish_issue(settings, path.name, NOW)
    assert read_front_matter(path)[0]["draft"] is False


def test_an_entry_missing_a_leg_or_naming_another_ticker_is_refused(settings):
    iwm, iwb = close_on(settings, "IWM"), close_on(settings, "IWB")
    path = write_post(settings, [call("r", "long IWM vs IWB", {"IWM": iwm, "SPY": 500.0}, stop_pct=-4.0)])
    message = refused(settings, path)
    assert f"entry has no close for IWB (the close of {AS_OF} was {iwb:,.2f})" in message
    assert "entry names SPY, which the call does not hold" in message


def test_a_holiday_or_weekend_as_of_reads_the_last_close_before_it(settings):
    saturday = date(2025, 10, 18)
    close = close_on(settings, "XLV", saturday)
    path = write_post(settings, [call("w", "long XLV", {"XLV": close}, stop_pct=-4.0)], as_of=saturday)
    pipeline.publish_issue(settings, path.name, datetime(2025, 10, 18, 9, 0))


def test_prices_missing_for_the_check_are_an_error_naming_what_to_fetch(workspace):
    bare = load_settings(workspace / "newsletter.toml")  # no store at all
    path = write_post(bare, [call("m", "long XLV", {"XLV": 100.0}, stop_pct=-4.0)])
    message = refused(bare, path)
    assert "no stored close of XLV on or before 2025-10-17" in message
    assert "run `rotation fetch --source demo --tickers XLV`" in message


def test_a_post_without_its_source_is_refused_when_it_has_calls(settings):
    path = write_post(settings, [call("m", "long XLV", {"XLV": 100.0}, stop_pct=-4.0)], source_spec=None)
    message = refused(settings, path, DraftError)
    assert "source_spec is missing, so its calls cannot be scored" in message


# --- item 14: closes ----------------------------------------------------------------------


def _earlier(settings: Settings, *call_ids: str, day: date = date(2025, 10, 10)) -> Path:
    iwm = close_on(settings, "IWM", day)
    calls = [call(c, "long IWM", {"IWM": iwm}, stop_pct=-4.0) for c in call_ids]
    return write_post(settings, calls, as_of=day, published=True)


def test_closing_an_unknown_id_names_it_and_the_closest_open_call(settings):
    _earlier(settings, "2025-10-10-long-iwm", "2025-10-10-long-xyz")
    path = write_post(settings, [], closes=["2025-10-10-long-iwn"])
    message = refused(settings, path)
    assert message == (
        f"{path.name}: closes '2025-10-10-long-iwn', which no published issue made; "
        "did you mean 2025-10-10-long-iwm? (open calls: 2025-10-10-long-iwm, 2025-10-10-long-xyz)"
    )


def test_closing_nope_lists_the_open_calls(settings):
    _earlier(settings, "2025-10-10-long-iwm")
    path = write_post(settings, [], closes=["nope"])
    assert refused(settings, path).endswith(
        "closes 'nope', which no published issue made (open calls: 2025-10-10-long-iwm)"
    )


def test_closing_a_call_already_closed_is_refused(settings):
    _earlier(settings, "a")
    closer = write_post(settings, [], as_of=date(2025, 10, 17), closes=["a"], published=True)
    path = write_post(settings, [], as_of=date(2025, 10, 24), closes=["a"])
    assert f"closes 'a', which {closer.name} already closed" in refused(
        settings, path, now=datetime(2025, 10, 24, 18, 0)
    )


def test_closing_a_call_of_a_later_issue_or_of_this_issue_is_refused(settings):
    later = _earlier(settings, "later-call", day=date(2025, 10, 24))
    iwm = close_on(settings, "IWM")
    path = write_post(
        settings, [call("own", "long IWM", {"IWM": iwm}, stop_pct=-4.0)], closes=["later-call", "own"]
    )
    message = refused(settings, path)
    assert f"closes 'later-call', a call of a later issue ({later.name}, {date(2025, 10, 24)})" in message
    assert "closes 'own', a call this issue makes" in message


def test_a_valid_close_publishes(settings):
    _earlier(settings, "a")
    path = write_post(settings, [], closes=["a"])
    pipeline.publish_issue(settings, path.name, NOW)
    assert read_front_matter(path)[0]["draft"] is False


def test_scoring_survives_a_published_unknown_close_and_names_the_post(settings):
    _earlier(settings, "a")
    bad = write_post(settings, [], closes=["nope", "a"], published=True)
    issues = published_issues(Layout.of(settings).posts, settings.tickers)
    scores, _ = ledger.score_published(issues, partial(pipeline.load_prices, settings), DEMO)
    (score,) = scores
    assert score.status == "closed" and score.ended_on == AS_OF  # the valid close still counts
    problems = ledger.ledger_problems(issues)
    assert problems == [f"{bad.name}: closes 'nope', which no published issue made (open calls: a); ignored"]


def test_rotation_build_survives_a_published_unknown_close_and_warns_naming_the_post(settings, workspace):
    from click.testing import CliRunner

    from generator.cli import cli

    _earlier(settings, "a")
    bad = write_post(settings, [], closes=["nope"], published=True)
    result = CliRunner().invoke(
        cli, ["--config", str(workspace / "newsletter.toml"), "build", "--out", str(workspace / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "Built 2 issues and 1 call" in result.stdout
    assert f"Warning: {bad.name}: closes 'nope', which no published issue made (open calls: a); ignored" in (
        result.stderr
    )
    assert (workspace / "out" / "index.html").is_file()
