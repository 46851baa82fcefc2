"""Odd tickers and as-of dates through the real CLI: normalised or refused in one line, never a
traceback, and never a file outside the workspace.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.cli import cli
from generator.config import load_settings, normalise_ticker
from generator.errors import DraftError
from generator.issue.weeks import last_friday
from tests.fuzzing import FUZZ, NASTY
from tests.helpers import make_workspace


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory) -> Path:
    """A workspace with the demo prices fetched once."""
    from click.testing import CliRunner

    ws = make_workspace(tmp_path_factory.mktemp("cli") / "ws")
    result = CliRunner().invoke(cli, ["--config", str(ws / "newsletter.toml"), "fetch", "--source", "demo"])
    assert result.exit_code == 0, result.output
    return ws


def invoke(ws: Path, *args: str):
    from click.testing import CliRunner

    return CliRunner().invoke(cli, ["--config", str(ws / "newsletter.toml"), *args])


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def assert_clean_exit(result) -> None:
    """Exit 0, or exit 1 (or 3, partly done) with one `Error:` line; never a traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if result.exit_code:
        assert result.exit_code in (1, 3)
        assert result.stderr.strip().splitlines()[-1].startswith("Error: "), result.stderr


@pytest.mark.parametrize(
    ("raw", "ticker"),
    [
        ("brk.b", "BRK.B"),
        ("BRK-B", "BRK-B"),
        ("^vix", "^VIX"),
        (" spy ", "SPY"),
        ("ES=F", "ES=F"),
        ("7203.T", "7203.T"),
    ],
)
def test_the_ticker_rule_normalises_case_and_spaces(raw, ticker):
    assert normalise_ticker(raw) == ticker


@pytest.mark.parametrize(
    "raw",
    ["", " ", "../x", "..", ".x", "-X", "a/b", "a\\b", "S P Y", "ÄPFL", "straße", "ı", "<script>", "X" * 16],
)
def test_the_ticker_rule_refuses_paths_markup_and_unicode(raw):
    with pytest.raises(ValueError, match="is not a ticker symbol"):
        normalise_ticker(raw)


@FUZZ
@given(tickers=st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=6)), min_size=1, max_size=3))
def test_any_tickers_option_is_normalised_or_refused_in_one_line(demo_ws, tickers):
    before = files_under(demo_ws.parent)
    result = invoke(demo_ws, "fetch", "--source", "demo", "--tickers", ",".join(tickers))
    assert_clean_exit(result)
    outside = {p for p in files_under(demo_ws.parent) - before if demo_ws / ".store" not in p.parents}
    assert outside == set()


def test_a_path_as_a_ticker_is_refused(demo_ws):
    result = invoke(demo_ws, "fetch", "--source", "demo", "--tickers", "SPY,../../evil")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: --tickers: '../../evil' is not a ticker symbol (letters, digits, '.', '-', '^', '=')"
    )


def test_lower_case_tickers_are_fetched_upper_case(demo_ws):
    result = invoke(demo_ws, "fetch", "--source", "demo", "--tickers", " iwm ,spy")
    assert result.exit_code == 0, result.output
    assert "Fetch from demo:" in result.stdout


def test_csv_file_names_that_are_not_tickers_are_named_and_not_stored(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    folder = tmp_path / "prices"
    folder.mkdir()
    rows = "Date,Close\n2024-01-02,10\n2024-01-03,11\n"
    for name in ["SPY.csv", "brk_b.csv", "a b.csv", "ÄPFL.csv", "<script>.csv", "..csv"]:
        (folder / name).write_text(rows, encoding="utf-8")
    result = invoke(ws, "fetch", "--source", f"csv:{folder}")
    assert_clean_exit(result)
    assert result.exit_code == 3  # partly done: two files stored
    error = result.stderr.strip().splitlines()[-1]
    for name in ["a b.csv", "ÄPFL.csv", "<script>.csv", "..csv"]:
        assert f"{name}: the file name is not a ticker symbol, so it is not read" in error
    assert "(the other 2 are stored)" in error
    stored = {p.name.split(".")[0] for p in (ws / ".store" / "csv-prices" / "prices").iterdir()}
    assert stored == {"SPY", "BRK-B"}
    assert all(ws in p.parents for p in files_under(tmp_path) if p.parent != folder)


def test_tickers_that_would_share_a_page_are_refused(built_settings_pair):
    from generator.issue.text import template_env
    from generator.site.model import SiteInputs
    from generator.site.tickers import ticker_pages

    settings = built_settings_pair
    inputs = SiteInputs(
        content_dir=settings.content_dir,
        site_title="t",
        site_description="d",
        issues=[],
        scores=[],
        prices=None,
        report=None,
        tickers=["BRK.B", "BRK-B"],
        names={},
        groups={},
        through=None,
        synthetic=False,
    )
    with pytest.raises(DraftError, match=r"tickers BRK\.B and BRK-B would share the page tickers/brk-b\.md"):
        ticker_pages(template_env(settings), inputs, [], None, [])  # type: ignore[arg-type]


@pytest.fixture
def built_settings_pair(workspace):
    return load_settings(workspace / "newsletter.toml")


# As-of dates: the demo set runs from 2014-01-02 to Tuesday 2026-06-30 (every weekday).


def test_signals_on_a_weekend_read_the_last_session_before_it(demo_ws):
    result = invoke(demo_ws, "signals", "--source", "demo", "--as-of", "2025-10-19")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Signals as of 2025-10-19 (data through 2025-10-17;")


@pytest.mark.parametrize(
    ("command", "as_of", "error"),
    [
        ("signals", "1999-12-31", "Error: no prices on or before 1999-12-31; the data starts 2014-01-02"),
        ("signals", "2100-01-01", "Error: --as-of 2100-01-01 is in the future (today is "),
        ("draft", "2100-01-01", "Error: --as-of 2100-01-01 is in the future (today is "),
        (
            "draft",
            "2014-01-01",
            "Error: --as-of 2014-01-01: the week ending 2013-12-27 is before the first stored price "
            "(2014-01-02)",
        ),
        (
            "draft",
            "2026-07-04",
            "Error: --as-of 2026-07-04: the week ending 2026-07-03 is not complete in the store "
            "(the last stored price is 2026-06-30); run `rotation fetch`, or give an earlier --as-of",
        ),
    ],
)
def test_an_as_of_outside_the_data_is_one_error_line(demo_ws, command, as_of, error):
    result = invoke(demo_ws, command, "--source", "demo", "--as-of", as_of)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip().startswith(error), result.stderr


@pytest.mark.parametrize("as_of", ["2025-10-18", "2025-13-01", "yesterday", "2025-10-18T00:00"])
def test_a_weekend_drafts_its_friday_and_a_malformed_date_is_a_usage_error(demo_ws, as_of):
    result = invoke(demo_ws, "draft", "--source", "demo", "--as-of", as_of)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if as_of == "2025-10-18":
        assert result.exit_code == 0, result.output
        assert "posts/2025-10-17-" in result.stdout
    else:
        assert result.exit_code == 2 and "Invalid value for '--as-of'" in result.stderr


def test_a_holiday_friday_reads_thursday_close():

    assert last_friday(date(2025, 4, 19)) == date(2025, 4, 18)  # Good Friday: NYSE closed


@FUZZ
@given(
    ref=st.one_of(
        st.sampled_from(["", ".", "/", "*", "**", "2025-10-1?", "[x", "../x", "/etc/passwd", "2025-99-99"]),
        st.text(max_size=12),
    )
)
def test_any_issue_reference_is_resolved_or_one_error_line(demo_ws, ref):
    for command in (["publish", "--", ref], ["email", "--out", str(demo_ws / "mail"), "--", ref]):
        result = invoke(demo_ws, *command)
        assert_clean_exit(result)


def test_an_email_of_a_post_outside_the_content_folder_is_refused(demo_ws, tmp_path):
    post = tmp_path / "2025-10-17-x.md"
    post.write_text("---\ntitle: x\ndate: 2025-10-17\ndraft: true\n---\n\nhi\n", encoding="utf-8")
    result = invoke(demo_ws, "email", str(post), "--out", str(tmp_path / "mail"))
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == f"Error: {post}: not in the content folder {demo_ws / 'content'}; give one of its issues"
    )


DATE_OPTIONS = [
    ("signals", "--as-of"),
    ("draft", "--as-of"),
    ("universe", "--as-of"),
    ("fetch", "--start"),
    ("backfill", "--from"),
    ("backfill", "--to"),
]


def _with_date(command: str, option: str, day: str) -> list[str]:
    args = [command, "--source", "demo", option, day]
    if command == "backfill":  # both ends are required; the other one is a valid week
        args += ["--to", "2025-10-17"] if option == "--from" else ["--from", "2025-10-10"]
    return args


@pytest.mark.parametrize(("command", "option"), DATE_OPTIONS)
@pytest.mark.parametrize("day", ["0001-01-01", "1677-09-20", "1799-12-31", "2262-04-12", "9999-12-31"])
def test_a_date_no_price_can_carry_is_a_usage_error_on_every_date_option(demo_ws, command, option, day):
    before = files_under(demo_ws)
    result = invoke(demo_ws, *_with_date(command, option, day))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}': {day} is outside the dates prices can carry" in result.stderr
    assert files_under(demo_ws) == before


@pytest.mark.parametrize(("command", "option"), DATE_OPTIONS)
def test_a_date_after_today_is_one_error_line_on_every_date_option(demo_ws, command, option):
    before = files_under(demo_ws)
    result = invoke(demo_ws, *_with_date(command, option, "2200-01-03"))
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().startswith(f"Error: {option} 2200-01-03 is in the future (today is "), (
        result.stderr
    )
    assert files_under(demo_ws) == before
