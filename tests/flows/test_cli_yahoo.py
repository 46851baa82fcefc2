"""`rotation fetch --source yfinance` over a fake Yahoo: a ticker that never recovered is named,
and no network is one error line (tests/unit/test_yahoo_source.py has the adapter itself).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.yf_fakes import FakeYahoo, truth_bars, yahoo

TODAY = date(2024, 3, 29)


@pytest.fixture
def fake() -> FakeYahoo:
    return FakeYahoo(
        {"IWM": truth_bars("IWM", last="2024-03-29"), "IWB": truth_bars("IWB", last="2024-03-29")}
    )


def make_source(fake: FakeYahoo):  # noqa: ANN201
    return yahoo(fake, TODAY)


def test_the_cli_names_a_ticker_that_never_recovered(fake, runner, workspace, monkeypatch):
    from generator import pipeline
    from generator.cli import cli
    fake.batch_failures.add("IWM")
    fake.rate_limited["IWM"] = 99
    monkeypatch.setattr(pipeline, "make_source", lambda *a, **k: make_source(fake))
    result = runner.invoke(
        cli,
        [
            "--config",
            str(workspace / "newsletter.toml"),
            "fetch",
            "--source",
            "yfinance",
            "--tickers",
            "iwm,iwb",
        ],
    )
    assert result.exit_code == 3, result.output  # partly done: IWB is stored
    assert "fetched 1, up to date 0, failed 1" in result.stdout, result.output
    assert result.stderr.splitlines()[-1].startswith(
        "Error: could not fetch 1 of 2 tickers: IWM (rate limited"
    )


def test_the_cli_says_once_that_yahoo_cannot_be_reached(fake, runner, workspace, monkeypatch):
    from generator import pipeline
    from generator.cli import cli

    fake.offline = "warm"
    monkeypatch.setattr(pipeline, "make_source", lambda *a, **k: make_source(fake))
    result = runner.invoke(
        cli, ["--config", str(workspace / "newsletter.toml"), "fetch", "--source", "yfinance"]
    )
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [errors[0]] and errors[0].startswith("Error: cannot reach Yahoo Finance: DNSError")
    assert "delisted" not in result.output and "wrong symbol" not in result.output
    assert fake.histories == []
    assert not (workspace / ".store" / "yfinance" / "manifest.json").exists()
