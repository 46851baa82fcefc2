"""Shared fixtures: a throwaway workspace, demo prices, the CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.config import Settings, load_settings
from generator.prices import PriceHistory, history_from_bars
from generator.sources.demo import DemoSource
from generator.workspace import WORKSPACE_FILES

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data" / "prices"


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
    monkeypatch.setattr("generator.sources.yahoo.yf_probe", lambda timeout_s: None)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


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


def shared_folder(name: str) -> Path:
    """A folder of ../shared/data/prices, or skip (CI makes sure it exists)."""
    folder = SHARED_DATA / name
    if not folder.is_dir():
        import os

        if os.environ.get("CI"):
            pytest.fail(f"{folder} is missing; CI needs ../shared/data beside the checkout")
        pytest.skip(f"{folder} is not here (real-data tests need ../shared/data beside the repo)")
    return folder


@dataclass(frozen=True)
class BuiltDemo:
    """A workspace where `rotation demo` ran once, with its built site."""

    workspace: Path
    settings: Settings
    site: Path
    result: Any


DEMO_WEEKS = 12  # three months: an archive of several months, pagination (10 per page), ended calls


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> BuiltDemo:
    """The demo pipeline run once for the session (the site, ledger and browser tests share it)."""
    from generator import pipeline

    workspace = make_workspace(tmp_path_factory.mktemp("demo") / "ws")
    settings = load_settings(workspace / "newsletter.toml", **{"data.source": "demo"})
    result = pipeline.run_demo(settings, weeks=DEMO_WEEKS, site_dir=None)
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
    pipeline.fetch_prices(settings, "demo")
    return settings.store_dir


def copy_store(store: Path, workspace: Path) -> None:
    """Put a fetched store (``demo_store``) into ``workspace`` as its ``.store``."""
    shutil.copytree(store, workspace / ".store")
