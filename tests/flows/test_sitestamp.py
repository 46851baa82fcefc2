"""The build stamp: a second `rotation build` with nothing changed skips MkDocs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import pipeline
from generator.cli import cli
from generator.config import Settings, load_settings
from generator.errors import PublishError
from generator.site import build
from generator.site import stamp as sitestamp


class FakeMkDocs:
    """Stands in for ``run_mkdocs_build``: counts runs and writes a small site (or fails)."""

    def __init__(self) -> None:
        self.runs: list[Path] = []
        self.fail = False

    def __call__(self, settings: Settings, site_dir: Path, *, synthetic: bool, **_: object) -> None:
        self.runs.append(site_dir)
        if self.fail:
            raise PublishError("mkdocs build --strict failed:\nboom")
        (site_dir / "issues").mkdir(parents=True, exist_ok=True)
        (site_dir / "index.html").write_text("<html>home</html>")
        (site_dir / "issues" / "index.html").write_text("<html>issues</html>")


@pytest.fixture
def fake_mkdocs(monkeypatch: pytest.MonkeyPatch) -> FakeMkDocs:
    fake = FakeMkDocs()
    monkeypatch.setattr(build, "run_mkdocs_build", fake)
    return fake


@pytest.fixture
def settings(workspace: Path) -> Settings:
    return load_settings(workspace / "newsletter.toml")


def test_a_second_build_with_nothing_changed_skips_mkdocs(settings: Settings, fake_mkdocs: FakeMkDocs):
    first = pipeline.build_site(settings)
    second = pipeline.build_site(settings)
    assert len(fake_mkdocs.runs) == 1
    assert (first.mkdocs_skipped, second.mkdocs_skipped) == (False, True)
    assert (settings.site_dir / sitestamp.STAMP_NAME).is_file()


def test_a_changed_content_file_runs_mkdocs_again(settings: Settings, fake_mkdocs: FakeMkDocs):
    pipeline.build_site(settings)
    page = settings.content_dir / "issues" / "index.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    assert not pipeline.build_site(settings).mkdocs_skipped
    assert len(fake_mkdocs.runs) == 2


def test_a_changed_mkdocs_yml_or_override_runs_mkdocs_again(settings: Settings, fake_mkdocs: FakeMkDocs):
    pipeline.build_site(settings)
    with settings.mkdocs_yml.open("a") as handle:
        handle.write("\n# a comment\n")
    assert not pipeline.build_site(settings).mkdocs_skipped
    (settings.mkdocs_yml.parent / "overrides" / "extra.html").write_text("<p>new</p>")
    assert not pipeline.build_site(settings).mkdocs_skipped
    assert pipeline.build_site(settings).mkdocs_skipped
    assert len(fake_mkdocs.runs) == 3


def test_a_deleted_index_html_runs_mkdocs_again(settings: Settings, fake_mkdocs: FakeMkDocs):
    pipeline.build_site(settings)
    (settings.site_dir / "index.html").unlink()
    assert not pipeline.build_site(settings).mkdocs_skipped
    assert (settings.site_dir / "index.html").is_file()


def test_an_altered_site_file_runs_mkdocs_again(settings: Settings, fake_mkdocs: FakeMkDocs):
    pipeline.build_site(settings)
    page = settings.site_dir / "issues" / "index.html"
    page.write_text("<html>edited by hand</html>")
    assert not pipeline.build_site(settings).mkdocs_skipped


def test_a_deleted_site_folder_runs_mkdocs_again(settings: Settings, fake_mkdocs: FakeMkDocs):
    import shutil

    pipeline.build_site(settings)
    shutil.rmtree(settings.site_dir)
    assert not pipeline.build_site(settings).mkdocs_skipped


def test_another_site_folder_is_built_even_when_the_first_is_fresh(
    settings: Settings, fake_mkdocs: FakeMkDocs, tmp_path: Path
):
    pipeline.build_site(settings)
    other = tmp_path / "elsewhere"
    assert not pipeline.build_site(settings, site_dir=other).mkdocs_skipped
    assert fake_mkdocs.runs == [settings.site_dir, other]


def test_full_runs_mkdocs_even_when_nothing_changed(settings: Settings, fake_mkdocs: FakeMkDocs):
    pipeline.build_site(settings)
    assert not pipeline.build_site(settings, full=True).mkdocs_skipped
    assert len(fake_mkdocs.runs) == 2


def test_a_failed_build_writes_no_stamp_and_is_retried(settings: Settings, fake_mkdocs: FakeMkDocs):
    fake_mkdocs.fail = True
    with pytest.raises(PublishError):
        pipeline.build_site(settings)
    assert not (settings.site_dir / sitestamp.STAMP_NAME).exists()
    fake_mkdocs.fail = False
    assert not pipeline.build_site(settings).mkdocs_skipped
    assert len(fake_mkdocs.runs) == 2


def test_a_failure_after_a_good_build_keeps_the_old_stamp_but_mkdocs_runs_again(
    settings: Settings, fake_mkdocs: FakeMkDocs
):
    pipeline.build_site(settings)
    page = settings.content_dir / "issues" / "index.md"
    page.write_text(page.read_text() + "\nBroken link [x](nowhere.md)\n")
    fake_mkdocs.fail = True
    with pytest.raises(PublishError):
        pipeline.build_site(settings)
    fake_mkdocs.fail = False
    assert not pipeline.build_site(settings).mkdocs_skipped


def test_build_command_says_mkdocs_was_skipped(workspace: Path, fake_mkdocs: FakeMkDocs, runner):
    args = ["--config", str(workspace / "newsletter.toml"), "build"]
    first = runner.invoke(cli, args)
    second = runner.invoke(cli, args)
    forced = runner.invoke(cli, [*args, "--full"])
    assert first.exit_code == second.exit_code == forced.exit_code == 0, first.output + second.output
    assert "MkDocs skipped" not in first.output
    assert "site unchanged, MkDocs skipped" in second.output
    assert "MkDocs skipped" not in forced.output
    assert len(fake_mkdocs.runs) == 2


def test_inputs_digest_depends_on_every_input_but_not_on_order():
    files = [("content/a.md", "1"), ("content/b.md", "2")]
    base = sitestamp.inputs_digest(files, {"mkdocs": "1.6.1"}, {"ROTATION_SITE_URL": "u"}, "/s")
    assert sitestamp.inputs_digest(files[::-1], {"mkdocs": "1.6.1"}, {"ROTATION_SITE_URL": "u"}, "/s") == base
    changed = [
        sitestamp.inputs_digest(
            [("content/a.md", "9"), files[1]], {"mkdocs": "1.6.1"}, {"ROTATION_SITE_URL": "u"}, "/s"
        ),
        sitestamp.inputs_digest(files, {"mkdocs": "1.6.2"}, {"ROTATION_SITE_URL": "u"}, "/s"),
        sitestamp.inputs_digest(files, {"mkdocs": "1.6.1"}, {"ROTATION_SITE_URL": "v"}, "/s"),
        sitestamp.inputs_digest(files, {"mkdocs": "1.6.1"}, {"ROTATION_SITE_URL": "u"}, "/t"),
        sitestamp.inputs_digest(files[:1], {"mkdocs": "1.6.1"}, {"ROTATION_SITE_URL": "u"}, "/s"),
    ]
    assert base not in changed and len(set(changed)) == len(changed)


def test_stamp_is_stale_without_a_site_or_with_another_version():
    assert not sitestamp.is_fresh(None, "i", "s")
    assert not sitestamp.is_fresh({"version": sitestamp.STAMP_VERSION, "inputs": "i", "site": "s"}, "i", None)
    assert not sitestamp.is_fresh({"version": -1, "inputs": "i", "site": "s"}, "i", "s")
    assert sitestamp.is_fresh({"version": sitestamp.STAMP_VERSION, "inputs": "i", "site": "s"}, "i", "s")


def test_site_fingerprint_sees_a_touched_file(tmp_path: Path):
    (tmp_path / "index.html").write_text("x")
    before = sitestamp.current_site(tmp_path)
    stat = (tmp_path / "index.html").stat()
    os.utime(tmp_path / "index.html", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert before is not None and sitestamp.current_site(tmp_path) != before


def test_real_mkdocs_second_build_is_skipped_and_the_site_stays(workspace: Path):
    settings = load_settings(workspace / "newsletter.toml")
    first = pipeline.build_site(settings)
    second = pipeline.build_site(settings)
    assert (first.mkdocs_skipped, second.mkdocs_skipped) == (False, True)
    assert (settings.site_dir / "index.html").is_file()
