"""Fault injection for the fault suite: a simulated kill at the Nth write step, file trees, fast charts.

A *write step* is every call that changes the file system for good: ``os.replace`` (every
atomic write, the Parquet store's files), ``os.rename`` (the site swap), ``os.unlink`` and
``os.rmdir`` (pruning, garbage collection, removing an old site), and each file the fake
MkDocs build writes. ``Killer(n)`` raises ``SimulatedKill`` (a BaseException, like
KeyboardInterrupt or SystemExit) at step ``n``. Soft kills let the code's cleanup handlers
run (Ctrl-C); hard kills make every later step fail too, so no cleanup happens and temp
files stay behind (``kill -9`` after the temp file was written).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from generator import pipeline
from generator.cli import cli
from generator.config import Settings, load_settings
from generator.errors import GeneratorError, PublishError
from generator.fsio import TEMP_NAME
from tests.helpers import make_workspace

LOCK_SUFFIXES = (".lock",)
# The build stamp records the site folder's file times (generator/site/stamp.py): a rebuilt
# site has the same bytes but new times, so the stamp is compared by presence only.
STAMP_SUFFIXES = (".rotation-build.json",)
ACTIVE: Killer | None = None  # the installed killer; the fake MkDocs build ticks it


class SimulatedKill(BaseException):
    """The process is killed here (not an Exception: nothing may catch it as an error)."""


@dataclass
class Killer:
    """Count write steps; kill at step ``at`` (None: only count), or fail it with a full disk."""

    at: int | None = None
    hard: bool = False
    disk_full: bool = False
    steps: int = 0
    fired: bool = False
    log: list[str] = field(default_factory=list)

    def tick(self, what: str) -> None:
        if self.fired and self.hard:
            raise SimulatedKill(f"dead since step {self.at}; {what} never happens")
        if self.fired:
            return
        self.steps += 1
        self.log.append(what)
        if self.at is not None and self.steps == self.at:
            self.fired = True
            if self.disk_full:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            raise SimulatedKill(f"killed at step {self.steps}: {what}")

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_replace, real_rename, real_unlink, real_rmdir = os.replace, os.rename, os.unlink, os.rmdir

        def replace(src: Any, dst: Any, **kw: Any) -> None:
            if self.hard and self.at is not None and self.steps + 1 == self.at and not self.fired:
                _leave_copy(Path(src))  # the temp file a hard kill leaves, not cleaned up
            self.tick(f"replace {dst}")
            real_replace(src, dst, **kw)

        def rename(src: Any, dst: Any, **kw: Any) -> None:
            self.tick(f"rename {src} -> {dst}")
            real_rename(src, dst, **kw)

        def unlink(path: Any, *a: Any, **kw: Any) -> None:
            self.tick(f"unlink {path}")
            real_unlink(path, *a, **kw)

        def rmdir(path: Any, *a: Any, **kw: Any) -> None:
            self.tick(f"rmdir {path}")
            real_rmdir(path, *a, **kw)

        monkeypatch.setattr(sys.modules[__name__], "ACTIVE", self)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "rename", rename)
        monkeypatch.setattr(os, "unlink", unlink)
        monkeypatch.setattr(os, "remove", unlink)
        monkeypatch.setattr(os, "rmdir", rmdir)


def _leave_copy(tmp: Path) -> None:
    if tmp.is_file() and TEMP_NAME.match(tmp.name):
        prefix = tmp.name[: -len("XXXXXXXX.tmp")]
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=tmp.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(tmp.read_bytes()[: max(1, tmp.stat().st_size // 2)])  # half written


def is_leftover(rel: str) -> bool:
    """A temp file or a staging/old site folder that a killed run may leave."""
    return any(TEMP_NAME.match(part) or ".build-" in part or ".old-" in part for part in rel.split("/"))


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path (lock files and leftovers excluded)."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.endswith(LOCK_SUFFIXES) and not is_leftover(rel):
            files[rel] = b"<stamp>" if rel.endswith(STAMP_SUFFIXES) else path.read_bytes()
    return files


def leftovers(root: Path) -> list[str]:
    """Temp files and staging folders under ``root``."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if TEMP_NAME.match(p.name) or (p.is_dir() and (".build-" in p.name or ".old-" in p.name))
    )


def diff(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """Paths that differ between two trees (for assertion messages)."""
    return sorted(p for p in a.keys() | b.keys() if a.get(p) != b.get(p))


def restore(snapshot: Path, workspace: Path) -> None:
    """Put ``workspace`` back to ``snapshot`` (same path, so absolute paths in outputs agree)."""
    if workspace.exists():
        shutil.rmtree(workspace)
    shutil.copytree(snapshot, workspace, symlinks=True)


@dataclass
class KillReport:
    """What ``kill_at_every_step`` did: the step count and the states it saw."""

    steps: int
    killed_states: int


def kill_at_every_step(
    monkeypatch: pytest.MonkeyPatch,
    snapshot: Path,
    workspace: Path,
    run: Callable[[], object],
    *,
    hard: bool = False,
    disk_full: bool = False,
    committed: Callable[[dict[str, bytes], dict[str, bytes]], bool] | None = None,
) -> KillReport:
    """Run ``run`` on ``snapshot`` killed at step 1, 2, ... N, each followed by a clean rerun.

    Asserts, for every N: the killed workspace holds only files whose bytes are those of the
    state before or after an uninterrupted run (nothing half-written, nothing foreign);
    the next run completes to exactly the uninterrupted after-state (or, when ``committed``
    says the killed run had already committed, to what a rerun of the after-state gives);
    and no temp file or staging folder is left.
    """
    restore(snapshot, workspace)
    before = tree(workspace)
    counter = Killer()
    with monkeypatch.context() as m:
        counter.install(m)
        run()
    after = tree(workspace)
    assert counter.steps > 0, "the command wrote nothing: the test exercises nothing"
    assert not leftovers(workspace), leftovers(workspace)
    after_rerun = after
    if committed is not None:
        run()
        after_rerun = tree(workspace)
    for n in range(1, counter.steps + 1):
        restore(snapshot, workspace)
        killer = Killer(at=n, hard=hard, disk_full=disk_full)
        with monkeypatch.context() as m:
            killer.install(m)
            # A full disk is a user-fixable error naming the file, never a bare OSError.
            with pytest.raises(GeneratorError if disk_full else SimulatedKill) as caught:
                run()
            if disk_full:
                assert "No space left on device" in str(caught.value), caught.value
        where = f"kill at step {n} ({killer.log[-1]})"
        killed = tree(workspace)
        foreign = [p for p, data in killed.items() if data not in (before.get(p), after.get(p))]
        assert not foreign, f"{where}: half-written or foreign files {foreign}"
        if not hard:  # the cleanup or error handlers ran: no temp file (an old site being deleted may stay)
            temps = [p for p in leftovers(workspace) if TEMP_NAME.match(p.rsplit("/", 1)[-1])]
            assert not temps, f"{where}: {temps}"
        done = committed is not None and committed(killed, before)
        run()
        recovered = tree(workspace)
        expected = after_rerun if done else after
        assert recovered == expected, f"{where}: next run differs in {diff(recovered, expected)}"
        assert not leftovers(workspace), f"{where}: left behind {leftovers(workspace)}"
    return KillReport(counter.steps, counter.steps)


_MEMO: dict[str, list[bytes]] = {}


def fast_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render each distinct chart once per test session (the same inputs give the same bytes).

    Every write path stays real; only matplotlib's drawing and Jinja's compiling are
    memoised, so re-running a command many times costs its I/O, not its rendering.
    """
    from generator.charts import engine

    real_render = engine._render

    def memo_render(draw: Any, wanted: Any = (("wide", "light"),)) -> list[bytes]:
        digest = hashlib.sha256(f"{draw.func.__module__}.{draw.func.__qualname__}".encode())
        engine._feed(digest, draw.args)
        engine._feed(digest, draw.keywords)
        engine._feed(digest, [list(w) for w in wanted])
        key = digest.hexdigest()
        if key not in _MEMO:
            _MEMO[key] = real_render(draw, wanted)
        return _MEMO[key]

    monkeypatch.setattr(engine, "_render", memo_render)
    # The memoised function lives here and cannot be sent to a pool worker: draw in this process.
    monkeypatch.setattr(engine, "MIN_CHARTS_PER_WORKER", 10**9)
    # Compiled templates are reused too (a fresh Jinja environment compiles every template again).
    from generator import pipeline
    from generator.issue import text
    from generator.site import write

    envs: dict[Path, Any] = {}

    def template_env(settings: Any) -> Any:
        if settings.templates_dir not in envs:
            envs[settings.templates_dir] = text.template_env(settings)
        return envs[settings.templates_dir]

    monkeypatch.setattr(pipeline, "template_env", template_env)
    monkeypatch.setattr(write, "template_env", template_env)


def fake_mkdocs() -> Callable[..., None]:
    """A stand-in for the MkDocs subprocess: a few files derived from the content folder.

    Writes them one by one with plain ``open`` (as MkDocs does), each a kill point.
    """

    def build(settings: Any, out_dir: Path, *, synthetic: bool, **_: Any) -> None:
        pages = sorted(settings.content_dir.rglob("*.md"))
        listing = "".join(
            f"{p.relative_to(settings.content_dir).as_posix()} "
            f"{hashlib.sha256(p.read_bytes()).hexdigest()[:12]}\n"
            for p in pages
        )
        for rel, text in (
            ("index.html", listing),
            ("issues/index.html", f"{len(pages)} pages, synthetic={synthetic}\n"),
            ("sitemap.xml", listing.upper()),
        ):
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with open(target, "w", encoding="utf-8") as handle:
                    if ACTIVE is not None:
                        ACTIVE.tick(f"mkdocs writes {rel}")
                    handle.write(text)
            except OSError as exc:  # as run_mkdocs_build reports the real subprocess failing
                raise PublishError(f"mkdocs build --strict failed: {exc}") from exc

    return build


@contextmanager
def lock_held_by_another_process(lock_file: Path) -> Iterator[None]:
    """Hold ``lock_file`` (filelock) from a second Python process until the block ends."""
    script = (
        "import sys; from filelock import FileLock; "
        f"lock = FileLock({str(lock_file)!r}); lock.acquire(); "
        "print('held', flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.communicate("", timeout=30)


# --- small workspaces and commands on them (the fault and safety flows) -------------------

SMALL_GROUPS = {
    '"IWB", "IWR", "IWM", "IWC"': '"IWB", "IWM"',
    '"XLB", "XLC", "XLE", "XLF", "XLI", "XLK", "XLP", "XLRE", "XLU", "XLV", "XLY"': '"XLE", "XLK"',
    '"PSCC", "PSCD", "PSCE", "PSCF", "PSCH", "PSCI", "PSCM", "PSCT", "PSCU"': '"PSCT"',
    '"ARKK", "ARKQ", "ARKW", "ARKG", "ARKF", "ARKX", "UFO"': '"ARKX"',
}


def small_workspace(folder: Path) -> Path:
    """The repository's workspace with seven ETFs and light charts: every write path, few writes."""
    make_workspace(folder)
    config = folder / "newsletter.toml"
    text = config.read_text(encoding="utf-8")
    for old, new in SMALL_GROUPS.items():
        assert f"tickers = [{old}]" in text
        text = text.replace(f"tickers = [{old}]", f"tickers = [{new}]")
    text = text.replace("dark_variants = true", "dark_variants = false")
    text = text.replace('history_start = "2005-01-01"', 'history_start = "2019-01-01"')
    config.write_text(text, encoding="utf-8")
    return folder


def load(folder: Path) -> Settings:
    return load_settings(folder / "newsletter.toml", **{"data.source": "demo", "charts.workers": 1})


def publish_at(settings: Settings, as_of: date) -> None:
    noon = datetime.combine(as_of, datetime.min.time()).replace(hour=18)
    pipeline.publish_issue(settings, as_of.isoformat(), noon, allow_placeholders=True)


def rotation(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(folder / "newsletter.toml"), *args])


def one_error_line(result: Result) -> str:
    """The single `Error: ...` line of a failed command (no traceback)."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    return errors[0]
