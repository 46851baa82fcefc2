"""kill -9 of `rotation build`, `backfill` or `serve` leaves no process of ours behind.

Each test starts the real command as a subprocess on a copy of the demo workspace, waits
until it has children at work (chart workers, the MkDocs build, the MkDocs server), kills it
with SIGKILL, and one second later walks /proc: no process that descended from it may be
alive. Every process started under the test carries a marker in its environment, so one
that was reparented (to init or a subreaper) before the walk is found too. Then the command
runs again and must succeed: nothing the killed run left may be in its way.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults import leftovers
from tests.helpers import BuiltDemo

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="parent-death signals are Linux's"
)

MARK = "ROTATION_TEST_PROCESS_MARK"


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    start: int  # clock ticks since boot: with the pid, one process (pids are reused)
    cmdline: str


def processes() -> dict[int, Proc]:
    """Every process now, from /proc."""
    found: dict[int, Proc] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = (
                Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] == "Z":  # a zombie is dead, only not yet reaped
            continue
        found[int(entry)] = Proc(int(entry), int(fields[1]), int(fields[19]), cmdline)
    return found


def descendants(root: int) -> list[Proc]:
    """Every live process whose parent chain leads to ``root``."""
    table = processes()
    children: dict[int, list[Proc]] = {}
    for proc in table.values():
        children.setdefault(proc.ppid, []).append(proc)
    out: list[Proc] = []
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child.pid)
    return out


def marked(marker: str) -> list[Proc]:
    """Every live process started with ``marker`` in its environment (reparented ones too)."""
    out = []
    for proc in processes().values():
        try:
            environ = Path(f"/proc/{proc.pid}/environ").read_bytes()
        except OSError:
            continue
        if f"{MARK}={marker}".encode() in environ.split(b"\0"):
            out.append(proc)
    return out


def alive(procs: list[Proc]) -> list[Proc]:
    table = processes()
    return [p for p in procs if p.pid in table and table[p.pid].start == p.start]


@dataclass
class Run:
    process: subprocess.Popen[bytes]
    marker: str


@pytest.fixture
def start() -> Iterator[Callable[..., Run]]:
    """Start `rotation ARGS...` marked; whatever is left of it is killed at the end, pass or fail."""
    runs: list[Run] = []

    def run(folder: Path, *args: str) -> Run:
        marker = uuid.uuid4().hex
        env = {**os.environ, MARK: marker}
        command = [sys.executable, "-m", "generator", "--config", str(folder / "newsletter.toml"), *args]
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        runs.append(Run(process, marker))
        return runs[-1]

    yield run
    for launched in runs:
        for proc in [*descendants(launched.process.pid), *marked(launched.marker)]:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if launched.process.poll() is None:
            launched.process.kill()
        launched.process.wait(10)
        assert launched.process.stderr is not None
        launched.process.stderr.close()


def wait_for(run: Run, ready: Callable[[list[Proc]], bool], timeout_s: float = 90.0) -> list[Proc]:
    """Poll the run's process tree until ``ready`` says it is at work; its processes then."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if run.process.poll() is not None:
            assert run.process.stderr is not None
            pytest.fail(f"the command ended before it was killed: {run.process.stderr.read().decode()}")
        tree = descendants(run.process.pid)
        if ready(tree):
            return tree
        time.sleep(0.05)
    pytest.fail("the command never reached the point to kill it at")


def kill_and_check(run: Run, tree: list[Proc]) -> None:
    """SIGKILL the command; one second later none of its processes may be alive."""
    before = tree + descendants(run.process.pid)
    os.kill(run.process.pid, signal.SIGKILL)
    run.process.wait(10)
    time.sleep(1.0)
    left = {p.pid: p for p in [*alive(before), *marked(run.marker)] if p.pid != run.process.pid}
    assert not left, "alive one second after kill -9:\n" + "\n".join(
        f"{p.pid} (parent {p.ppid}): {p.cmdline[:160]}" for p in left.values()
    )


def chart_workers(tree: list[Proc]) -> bool:
    """The chart pool is up: its forkserver and at least one worker forked from it."""
    servers = {p.pid for p in tree if "multiprocessing.forkserver" in p.cmdline}
    return any(p.ppid in servers for p in tree)


def mkdocs_running(tree: list[Proc]) -> bool:
    return any(" mkdocs build" in p.cmdline for p in tree)


@pytest.fixture
def demo_copy(built_demo: BuiltDemo, tmp_path: Path) -> Path:
    """A copy of the built demo workspace (12 published issues, a site)."""
    folder = tmp_path / "ws"
    shutil.copytree(built_demo.workspace, folder, symlinks=True)
    return folder


def rotation(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "generator", "--config", str(folder / "newsletter.toml"), *args]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("phase", ["charts", "mkdocs"])
def test_a_killed_build_leaves_no_chart_worker_or_mkdocs_alive_and_the_next_build_succeeds(
    demo_copy: Path, start: Callable[..., Run], phase: str
):
    if phase == "charts":
        shutil.rmtree(demo_copy / ".cache" / "charts")  # every site chart is drawn again
    run = start(demo_copy, "build", "--full")
    tree = wait_for(run, chart_workers if phase == "charts" else mkdocs_running)
    if phase == "mkdocs":
        time.sleep(0.5)  # MkDocs is writing into its build folder
    kill_and_check(run, tree)
    again = rotation(demo_copy, "build")
    assert again.returncode == 0, again.stdout + again.stderr
    assert (demo_copy / "site" / "index.html").is_file()
    assert not leftovers(demo_copy)


def test_a_killed_backfill_leaves_no_chart_worker_alive_and_the_next_backfill_succeeds(
    demo_copy: Path, start: Callable[..., Run]
):
    config = demo_copy / "newsletter.toml"
    config.write_text(config.read_text().replace("dark_variants = true", "dark_variants = false"))
    # Four weeks: enough charts (about ten a week) for the drawing pool to start
    # (charts.engine.MIN_CHARTS_PER_WORKER: fewer are drawn in the process itself).
    args = ("backfill", "--source", "demo", "--from", "2025-10-31", "--to", "2025-11-21")
    run = start(demo_copy, *args)
    tree = wait_for(run, chart_workers)
    kill_and_check(run, tree)
    again = rotation(demo_copy, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    posts = sorted((demo_copy / "content" / "issues" / "posts").glob("2025-1[01]-*.md"))
    assert [p.name[:10] for p in posts] == ["2025-10-31", "2025-11-07", "2025-11-14", "2025-11-21"]


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_a_killed_serve_leaves_no_mkdocs_server_and_frees_its_port(
    demo_copy: Path, start: Callable[..., Run]
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = start(demo_copy, "serve", "--address", f"127.0.0.1:{port}")
    tree = wait_for(run, lambda t: any(" mkdocs serve" in p.cmdline for p in t))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # until the server listens
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    kill_and_check(run, tree)
    with socket.socket() as client:
        assert client.connect_ex(("127.0.0.1", port)) != 0, "something still listens on the port"
