"""Shared fixtures: a throwaway workspace, demo prices, the built demo, the CLI runner.

Fixtures only: what tests share besides fixtures is in tests/helpers.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.config import Settings, load_settings
from generator.data.prices import PriceHistory, history_from_bars
from generator.data.sources.demo import DemoSource
from tests.helpers import DEMO, DEMO_WEEKS, NOW, REPO, BuiltDemo, make_workspace


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ files.")


@pytest.fixture(scope="session", autouse=True)
def _yfinance_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """yfinance never writes its timezone/cookie cache to ~/.cache during tests (SIGNALS.md §6.3)."""
    import yfinance as yf

    yf.set_tz_cache_location(str(tmp_path_factory.mktemp("yfinance-cache")))


@pytest.fixture(autouse=True)
def _yahoo_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The yfinance adapter's reachability probe says "online" unless a test passes its own.

    The real probe talks through curl_cffi, whose C sockets pytest-socket cannot block.
    """
    monkeypatch.setattr("generator.data.sources.yahoo.yf_probe", lambda timeout_s: None)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


@pytest.fixture
def workspace_settings(workspace: Path) -> Callable[..., Settings]:
    def load(**overrides: object) -> Settings:
        return load_settings(workspace / "newsletter.toml", **overrides)

    return load


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(REPO / "newsletter.toml")


@pytest.fixture(scope="session")
def demo_prices(settings: Settings) -> PriceHistory:
    source = DemoSource(seed=settings.data.demo_seed)
    result = source.fetch(settings.tickers, date(2005, 1, 1))
    return history_from_bars(result.bars, source_label=source.label, synthetic=True)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()




@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> BuiltDemo:
    """The demo pipeline run once for the session (the site, ledger and browser tests share it)."""
    from generator import pipeline

    workspace = make_workspace(tmp_path_factory.mktemp("demo") / "ws")
    settings = load_settings(workspace / "newsletter.toml", **{"data.source": "demo"})
    result = pipeline.run_demo(settings, weeks=DEMO_WEEKS, site_dir=None, now=NOW)
    return BuiltDemo(workspace, settings, settings.site_dir, result)


@pytest.fixture(scope="session")
def zensical_demo(built_demo: BuiltDemo) -> BuiltDemo:
    """The demo workspace built again with the other engine ([site] engine = "zensical")."""
    from generator import pipeline

    overrides = {"data.source": "demo", "site.engine": "zensical"}
    settings = load_settings(built_demo.workspace / "newsletter.toml", **overrides)
    site = built_demo.workspace / "site-zensical"
    result = pipeline.build_site(settings, site_dir=site)
    return BuiltDemo(built_demo.workspace, settings, site, result)


@pytest.fixture(params=["material", "zensical"])
def engine_demo(request: pytest.FixtureRequest) -> BuiltDemo:
    """The demo site built by each engine."""
    return request.getfixturevalue("built_demo" if request.param == "material" else "zensical_demo")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace's ``.store`` with the demo prices fetched once for the session (copy it in)."""
    from generator import pipeline

    workspace = make_workspace(tmp_path_factory.mktemp("demo-store") / "ws")
    settings = load_settings(workspace / "newsletter.toml", **{"data.source": "demo"})
    pipeline.fetch_prices(settings, DEMO, now=NOW)
    return settings.store_dir
