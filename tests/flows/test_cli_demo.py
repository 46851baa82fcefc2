from __future__ import annotations

import hashlib
from pathlib import Path

from generator.cli import cli


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_demo_builds_the_site_and_a_rerun_changes_nothing(runner, workspace: Path):
    config = str(workspace / "newsletter.toml")
    result = runner.invoke(cli, ["--config", config, "demo", "--weeks", "3"])
    assert result.exit_code == 0, result.output
    assert "Built 3 issues" in result.output
    posts = sorted((workspace / "content/issues/posts").glob("*.md"))
    assert [p.name[:10] for p in posts] == ["2026-06-12", "2026-06-19", "2026-06-26"]
    site = workspace / "site"
    assert (site / "index.html").is_file()
    assert "Synthetic demo data" in (site / "index.html").read_text()
    assert len(list((site / "issues" / "2026" / "06").glob("*/index.html"))) == 3
    assert (site / "issues" / "archive" / "2026" / "06" / "index.html").is_file()
    first = _tree_digest(workspace / "content")
    again = runner.invoke(cli, ["--config", config, "demo", "--weeks", "3"])
    assert again.exit_code == 0, again.output
    assert _tree_digest(workspace / "content") == first


def test_unknown_source_is_one_error_line(runner, workspace: Path):
    result = runner.invoke(
        cli, ["--config", str(workspace / "newsletter.toml"), "signals", "--source", "bloomberg"]
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: --source: unknown source 'bloomberg'; use 'yfinance', 'demo' or 'csv:PATH'\n"
    )


def test_malformed_config_is_one_error_and_nothing_is_written(runner, workspace: Path):
    (workspace / "newsletter.toml").write_text("[site\n")
    result = runner.invoke(cli, ["--config", str(workspace / "newsletter.toml"), "demo", "--weeks", "1"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: newsletter.toml: not valid TOML")
    assert not (workspace / "content" / "issues" / "posts").exists()
    assert not (workspace / ".store").exists()


def test_out_that_is_a_file_is_refused(runner, workspace: Path):
    target = workspace / "not-a-folder"
    target.write_text("keep me")
    result = runner.invoke(
        cli, ["--config", str(workspace / "newsletter.toml"), "demo", "--out", str(target)]
    )
    assert result.exit_code == 1
    assert result.output == f"Error: --out {target} is an existing file; give a folder for the site\n"
    assert target.read_text() == "keep me"
    assert not (workspace / ".store").exists()


def test_every_command_has_help_text(runner):
    for name, command in cli.commands.items():
        assert command.help and len(command.help.split()) > 5, name
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Example" in result.output, name
