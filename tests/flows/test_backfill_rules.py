"""`rotation backfill` applies draft's rules to every week (issue 12, item 13): a week the store
does not hold, or one before the first price, is refused before anything is drafted, and a range
with no Friday is an error naming the range."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import pipeline
from generator.cli import cli
from generator.config import load_settings
from generator.errors import ConfigError, DataError
from tests.helpers import make_workspace

# The demo set runs from 2014-01-02 to Tuesday 2026-06-30 (every weekday).


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory) -> Path:
    ws = make_workspace(tmp_path_factory.mktemp("backfill") / "ws")
    result = CliRunner().invoke(cli, ["--config", str(ws / "newsletter.toml"), "fetch", "--source", "demo"])
    assert result.exit_code == 0, result.output
    return ws


def _posts(ws: Path) -> list[Path]:
    folder = ws / "content" / "issues" / "posts"
    return sorted(folder.glob("*.md")) if folder.is_dir() else []


def _backfill(ws: Path, first: date, last: date):
    settings = load_settings(ws / "newsletter.toml", **{"data.source": "demo"})
    return pipeline.backfill(settings, first, last)


def test_weeks_past_the_last_stored_price_are_refused_before_any_draft(demo_ws):
    before = _posts(demo_ws)
    with pytest.raises(DataError) as raised:
        _backfill(demo_ws, date(2026, 6, 19), date(2026, 7, 17))
    assert str(raised.value) == (
        "--to 2026-07-17: the weeks ending 2026-07-03 to 2026-07-17 are not complete in the store "
        "(the last stored price is 2026-06-30); run `rotation fetch`, or give --to 2026-06-26 or earlier"
    )
    assert _posts(demo_ws) == before


def test_weeks_before_the_first_stored_price_are_refused_before_any_draft(demo_ws):
    before = _posts(demo_ws)
    with pytest.raises(DataError) as raised:
        _backfill(demo_ws, date(2013, 12, 1), date(2014, 1, 17))
    assert str(raised.value) == (
        "--from 2013-12-01: the weeks ending 2013-12-06 to 2013-12-27 are before the first stored price "
        "(2014-01-02); give --from 2014-01-03 or later"
    )
    assert _posts(demo_ws) == before


def test_one_week_beyond_the_store_is_named_alone(demo_ws):
    with pytest.raises(DataError, match=r"^--to 2026-07-03: the week ending 2026-07-03 is not complete"):
        _backfill(demo_ws, date(2026, 6, 26), date(2026, 7, 3))


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (
            date(2025, 10, 13),
            date(2025, 10, 16),
            "--from 2025-10-13 --to 2025-10-16 holds no Friday (issues are dated Fridays: "
            "the nearest are 2025-10-10 and 2025-10-17)",
        ),
        (
            date(2025, 10, 18),
            date(2025, 10, 18),
            "--from 2025-10-18 --to 2025-10-18 holds no Friday (issues are dated Fridays: "
            "the nearest are 2025-10-17 and 2025-10-24)",
        ),
    ],
)
def test_a_range_without_a_friday_is_an_error_naming_it(demo_ws, first, last, message):
    with pytest.raises(ConfigError) as raised:
        _backfill(demo_ws, first, last)
    assert str(raised.value) == message


def test_the_cli_exits_1_on_a_range_without_a_friday(demo_ws):
    result = CliRunner().invoke(
        cli,
        ["--config", str(demo_ws / "newsletter.toml"), "backfill", "--source", "demo"]
        + ["--from", "2025-10-13", "--to", "2025-10-16"],
    )
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        "Error: --from 2025-10-13 --to 2025-10-16 holds no Friday (issues are dated Fridays: "
        "the nearest are 2025-10-10 and 2025-10-17)"
    )
    assert result.stdout == ""


def test_a_range_inside_the_store_still_drafts_every_friday(demo_ws):
    result = _backfill(demo_ws, date(2026, 6, 15), date(2026, 6, 30))
    assert [d.as_of for d in result.drafted] == [date(2026, 6, 19), date(2026, 6, 26)]
