"""`rotation init`, config discovery and the command-line conventions (-h, -q, -v, exit codes, --json)."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import pipeline
from generator.cli import cli
from generator.config import load_settings
from generator.site.engine import site_values, synced_config
from generator.skeleton import INIT_ENTRIES, REQUIREMENTS, WORKSPACE_ENTRIES, skeleton_files, skeleton_root
from tests.helpers import REPO, BuiltDemo, copy_store

ENV_LOADER = yaml.SafeLoader


def _env_default(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    """An ``!ENV [NAME, default]`` tag read as a plain MkDocs run reads it without the variable."""
    values = loader.construct_sequence(node)  # type: ignore[arg-type]
    return values[-1] if len(values) > 1 else None


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!ENV", _env_default)


def plain_config(path: Path) -> dict:
    """mkdocs.yml as `mkdocs build` or `zensical build` reads it with no ROTATION_* variable set."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - our own loader


def run(folder: Path, *args: str, env: dict[str, str] | None = None):
    """The CLI run in ``folder`` as its current folder (config discovery reads it)."""
    old = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False, prog_name="rotation")
    finally:
        os.chdir(old)


@pytest.fixture(autouse=True)
def _no_config_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROTATION_CONFIG", raising=False)


# --- rotation init ------------------------------------------------------------------------------


def test_init_writes_a_complete_workspace_that_refuses_nothing(tmp_path: Path):
    result = run(tmp_path, "init", "letter")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "letter"
    expected = set(skeleton_files(skeleton_root())) | {REQUIREMENTS}
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert written == expected
    assert {".github/workflows/weekly.yml", ".github/workflows/publish.yml", ".gitignore"} <= written
    assert "hooks/feeds.py" in written and not any(p.startswith("overrides/hooks") for p in written)
    assert "templates/issue.md.j2" not in written
    assert (folder / REQUIREMENTS).read_text().strip().endswith("rotation-desk==0.1.0")
    assert "cd letter && rotation demo" in result.output
    settings = load_settings(folder / "newsletter.toml")  # valid, and the site builds from it
    assert settings.root == folder.resolve() and settings.mkdocs_yml.is_file()


def test_init_copies_the_repository_files_byte_for_byte(tmp_path: Path):
    assert run(tmp_path, "init", "ws").exit_code == 0
    for rel, source in skeleton_files(REPO).items():
        assert (tmp_path / "ws" / rel).read_bytes() == source.read_bytes(), rel
    for target, source in INIT_ENTRIES.items():
        assert (REPO / source).exists() and (tmp_path / "ws" / target).exists()
    # The repository's root is the workspace the files come from.
    assert all((REPO / entry).exists() for entry in WORKSPACE_ENTRIES)


def test_init_with_templates_copies_the_editable_templates(tmp_path: Path):
    assert run(tmp_path, "init", "ws", "--templates").exit_code == 0
    folder = tmp_path / "ws" / "templates"
    copied = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    assert "issue.md.j2" in copied and "sections/calls.md.j2" in copied and "email/issue.html.j2" in copied
    assert not [p for p in copied if p.endswith(".py")]
    assert (folder / "issue.md.j2").read_bytes() == (REPO / "templates/issue.md.j2").read_bytes()


def test_init_refuses_to_overwrite_and_lists_every_existing_file(tmp_path: Path):
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "newsletter.toml").write_text("# mine\n")
    (folder / ".gitignore").write_text("mine\n")
    result = run(tmp_path, "init", "ws")
    assert result.exit_code == 1
    assert "will not overwrite 2 existing files: .gitignore, newsletter.toml" in result.output
    assert "nothing was written" in result.output
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "newsletter.toml"]
    assert (folder / "newsletter.toml").read_text() == "# mine\n"


def test_init_into_a_file_is_an_error(tmp_path: Path):
    (tmp_path / "f").write_text("x")
    result = run(tmp_path, "init", "f")
    assert result.exit_code in (1, 2) and "f" in result.output


# --- config discovery ---------------------------------------------------------------------------


@pytest.fixture
def initialised(tmp_path: Path) -> Path:
    assert run(tmp_path, "init", "ws").exit_code == 0
    return tmp_path / "ws"


def test_a_command_in_a_subfolder_finds_the_workspace_above(initialised: Path):
    sub = initialised / "content" / "issues"
    result = run(sub, "publish", "2026-06-26")
    assert result.exit_code == 1
    assert "no such issue in " + str(initialised.resolve() / "content" / "issues" / "posts") in result.output


def test_outside_a_workspace_a_command_says_so_and_suggests_init(tmp_path: Path):
    for command in (["build"], ["draft"], ["publish", "2026-06-26"], ["demo"]):
        result = run(tmp_path, *command)
        assert result.exit_code == 1, command
        assert "not in a rotation workspace" in result.output and "rotation init" in result.output
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_config_before_or_after_the_command_and_as_a_folder(initialised: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    config = str(initialised / "newsletter.toml")
    for args in (
        ["--config", config, "publish", "x"],
        ["publish", "x", "--config", config],
        ["publish", "--config", str(initialised), "x"],
    ):
        result = run(elsewhere, *args)
        assert result.exit_code == 1 and "x: no such issue in" in result.output, args
    result = run(elsewhere, "publish", "x", "--config", str(elsewhere / "missing.toml"))
    assert result.exit_code == 1 and "--config" in result.output
    assert "no such configuration file" in result.output


def test_rotation_config_names_the_workspace_and_a_wrong_one_is_an_error(initialised: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run(elsewhere, "publish", "x", env={"ROTATION_CONFIG": str(initialised / "newsletter.toml")})
    assert result.exit_code == 1 and "x: no such issue in" in result.output
    result = run(initialised, "publish", "x", env={"ROTATION_CONFIG": str(tmp_path / "nope.toml")})
    assert result.exit_code == 1 and "ROTATION_CONFIG=" in result.output


# --- -h, -q, -v, exit codes, --json -----------------------------------------------------------


def test_dash_h_is_help_on_the_group_and_every_command(tmp_path: Path):
    assert "Exit codes: 0 done, 1 error, 2 usage error, 3 partly done" in run(tmp_path, "-h").output
    for name in cli.commands:  # type: ignore[attr-defined]
        result = run(tmp_path, name, "-h")
        assert result.exit_code == 0 and f"Usage: rotation {name}" in result.output, name
        for option in ("--config", "-q, --quiet", "-v, --verbose", "-h, --help"):
            assert option in result.output, (name, option)


def test_a_usage_error_exits_2_and_quiet_with_verbose_is_one(tmp_path: Path):
    assert run(tmp_path, "build", "--no-such-option").exit_code == 2
    assert run(tmp_path, "draft", "--as-of", "someday").exit_code == 2
    result = run(tmp_path, "build", "-q", "-v")
    assert result.exit_code == 2 and "not both" in result.output


def test_quiet_prints_nothing_and_verbose_prints_the_engine_and_the_end_of_life(
    built_demo: BuiltDemo, tmp_path: Path
):
    ws = built_demo.workspace
    out = tmp_path / "site"
    quiet = run(ws, "build", "--out", str(out), "-q")
    assert quiet.exit_code == 0 and quiet.stdout == "", quiet.output
    normal = run(ws, "build", "--out", str(out))
    notice = "Note: Material for MkDocs reaches end of life on 2027-05-05; switch with [site] engine"
    assert notice in normal.stdout
    assert normal.stdout.count("2027-05-05") == 1
    verbose = run(ws, "build", "--out", str(out), "--full", "-v")
    assert verbose.exit_code == 0
    assert "Documentation built in" in verbose.stderr  # MkDocs' own lines
    assert "Material for MkDocs reaches end of life on May 5, 2027" in verbose.stderr  # not silenced


def test_build_json_summarises_the_build(built_demo: BuiltDemo, tmp_path: Path):
    result = run(built_demo.workspace, "build", "--out", str(tmp_path / "site"), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["issues"] == 12 and summary["calls"] >= 1 and summary["engine"] == "material"
    assert summary["site_dir"] == str(tmp_path / "site") and summary["engine_skipped"] is False
    assert summary["end_of_life"].startswith("Material for MkDocs reaches end of life on 2027-05-05")


def test_draft_and_publish_json(tmp_path: Path, demo_store: Path, monkeypatch: pytest.MonkeyPatch):
    assert run(tmp_path, "init", "ws").exit_code == 0
    ws = tmp_path / "ws"
    copy_store(demo_store, ws)
    monkeypatch.setattr("generator.cli._now", lambda ctx: datetime(2026, 7, 3, 13, 0, tzinfo=UTC))
    monkeypatch.setattr("generator.cli._past", lambda option, day, today: day)
    draft = run(ws, "draft", "--source", "demo", "--as-of", "2026-06-26", "--json")
    assert draft.exit_code == 0, draft.output
    summary = json.loads(draft.stdout)
    assert summary["as_of"] == "2026-06-26" and summary["action"] == "created"
    assert re.fullmatch(r"content/issues/posts/2026-06-26-[a-z0-9-]+\.md", summary["path"])
    assert summary["charts_written"] > 0 and summary["backups"] == []
    again = json.loads(run(ws, "draft", "--source", "demo", "--as-of", "2026-06-26", "--json").stdout)
    assert again["action"] == "unchanged"
    post = ws / summary["path"]
    post.write_text(re.sub(r"!!! editor[^\n]*\n(    [^\n]*\n)*", "Our view.\n", post.read_text()))
    published = run(ws, "publish", "2026-06-26", "--json")
    assert published.exit_code == 0, published.output
    record = json.loads(published.stdout)
    assert record["path"] == summary["path"] and record["published_at"].startswith("20")


# --- the site config follows newsletter.toml ----------------------------------------------------


def test_site_values_are_written_into_mkdocs_yml_defaults_as_typed():
    text = 'site_name: !ENV [ROTATION_SITE_TITLE, Old]\nsite_url: !ENV [ROTATION_SITE_URL, "https://a/"]\n'
    values = {"ROTATION_SITE_TITLE": 'Q&A "weekly" #1: \'ok\'', "ROTATION_SITE_URL": "https://a/"}
    new, changed, absent = synced_config(text, values)
    assert changed == ["ROTATION_SITE_TITLE"] and absent == []
    assert yaml.load(new, Loader=_Loader)["site_name"] == values["ROTATION_SITE_TITLE"]
    assert synced_config(new, values) == (new, [], [])  # nothing more to change
    _, _, absent = synced_config("site_name: Fixed\n", values)
    assert absent == ["ROTATION_SITE_TITLE", "ROTATION_SITE_URL"]


def test_a_plain_engine_build_reads_the_site_values_of_newsletter_toml(built_demo: BuiltDemo, tmp_path: Path):
    ws = tmp_path / "ws"
    import shutil

    shutil.copytree(built_demo.workspace, ws, ignore=shutil.ignore_patterns("site*", ".cache"))
    toml = ws / "newsletter.toml"
    toml.write_text(
        toml.read_text()
        .replace('url = "https://example.org/rotation-desk/"', 'url = "https://letters.example.com/rotation/"')
        .replace('title = "Rotation Desk"', 'title = "Rotation & Co"')
    )
    result = run(ws, "build")
    assert result.exit_code == 0, result.output
    assert "Note: updated mkdocs.yml from newsletter.toml" in result.stdout
    plain = plain_config(ws / "mkdocs.yml")
    assert plain["site_url"] == "https://letters.example.com/rotation/"
    assert plain["site_name"] == "Rotation & Co"
    assert plain["extra"]["social"][0]["link"] == "https://letters.example.com/rotation/feed_rss_created.xml"
    settings = load_settings(toml)
    assert {k: v for k, v in site_values(settings).items()} == {
        "ROTATION_SITE_TITLE": plain["site_name"],
        "ROTATION_SITE_URL": plain["site_url"],
        "ROTATION_SITE_DESCRIPTION": plain["site_description"],
        "ROTATION_SITE_AUTHOR": plain["site_author"],
        "ROTATION_FEED_URL": plain["extra"]["social"][0]["link"],
        "ROTATION_SITE_IMAGE": plain["plugins"][3]["rss"]["image"],
    }
    assert "https://letters.example.com/rotation/" in (ws / "site" / "sitemap.xml").read_text()


def test_the_repository_mkdocs_yml_matches_its_newsletter_toml():
    settings = load_settings(REPO / "newsletter.toml")
    _, changed, absent = synced_config((REPO / "mkdocs.yml").read_text(), site_values(settings))
    assert (changed, absent) == ([], [])
    assert plain_config(REPO / "mkdocs.yml")["docs_dir"] == "content"
    assert pipeline  # the module the build runs through imports cleanly
