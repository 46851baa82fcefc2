from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import SourceSpec, load_settings
from generator.errors import ConfigError


def test_repository_config_loads_the_default_universe(settings):
    assert settings.benchmark == "SPY"
    assert settings.tickers[:5] == ["SPY", "IWB", "IWR", "IWM", "IWC"]
    assert {"PSCT", "ARKX", "UFO", "XLRE"} <= set(settings.tickers)
    assert (settings.pairs[0].long, settings.pairs[0].short) == ("IWM", "IWB")
    assert settings.signals.rrg.window_weeks == 14


def test_every_problem_is_listed_with_its_line(tmp_path: Path):
    path = tmp_path / "newsletter.toml"
    path.write_text(
        '[site]\ntitle = "T"\ncolour = "red"\n\n[signals.rrg]\nwindow_weeks = "fourteen"\n'
        '\n[[pairs]]\nlong = "IWM"\nshort = "IWM"\nlabel = "x"\ncategory = "size"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert message.startswith("newsletter.toml has 3 problems:")
    assert "newsletter.toml:3: site.colour: unknown key" in message
    assert "newsletter.toml:6: signals.rrg.window_weeks: Input should be a valid integer" in message
    assert "pairs.0: a pair needs two different tickers, got IWM twice" in message


def test_invalid_toml_names_the_file(tmp_path: Path):
    path = tmp_path / "newsletter.toml"
    path.write_text("[site\n")
    with pytest.raises(ConfigError, match=r"^newsletter.toml: not valid TOML"):
        load_settings(path)


def test_overrides_drop_none_and_resolve_paths(tmp_path: Path):
    path = tmp_path / "newsletter.toml"
    path.write_text('[data]\nsource = "demo"\n')
    settings = load_settings(path, **{"data.source": None})
    assert settings.data.source == SourceSpec("demo", "demo")
    assert settings.content_dir == tmp_path.resolve() / "content"


def test_unknown_source_override_is_rejected(tmp_path: Path):
    path = tmp_path / "newsletter.toml"
    path.write_text("")
    with pytest.raises(ConfigError, match="unknown source 'bogus'"):
        load_settings(path, **{"data.source": "bogus"})


def test_tickers_are_upper_cased_and_checked(tmp_path: Path):
    path = tmp_path / "newsletter.toml"
    path.write_text(
        '[groups.g]\nlabel = "G"\nbenchmark = "spy"\ncategory = "c"\ntickers = ["iwm", "bad ticker"]\n'
    )
    with pytest.raises(ConfigError, match="'bad ticker' is not a ticker symbol"):
        load_settings(path)
