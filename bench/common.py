"""Shared timing for the benchmarks: run a command in a fresh measuring process, take medians.

``measure(cmd)`` starts ``python bench/common.py --measure -- cmd...``: that process makes
itself a child subreaper (Linux ``PR_SET_CHILD_SUBREAPER``), runs the command, then waits for
every descendant, including those that outlive it (the forkserver behind the chart pools,
multiprocessing's resource tracker). So its ``getrusage(RUSAGE_CHILDREN)`` holds the CPU time
of the whole process tree and the peak RSS of its largest process, for this one run only.
Without a subreaper a forkserver's workers would be reaped by init and their CPU lost.

A command may print one JSON object as its last stdout line (``RESULT {...}``); it comes back
as ``Measurement.extra`` (for example the time of one phase measured inside the process).
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "RESULT "
PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Measurement:
    """One run: wall seconds, CPU seconds of the process tree, peak RSS (MB) of its largest process."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    extra: dict[str, Any] = field(default_factory=dict)
    output: str = ""


class StepFailed(RuntimeError):
    """A measured command exited non-zero."""


def progress(message: str) -> None:
    """One progress line on stderr (the table goes to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 3600,
) -> Measurement:
    """Run ``cmd`` in a fresh measuring process; StepFailed (with its output's tail) on failure."""
    wrapper = [sys.executable, str(Path(__file__).resolve()), "--measure", "--", *cmd]
    done = subprocess.run(
        wrapper,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    lines = done.stdout.splitlines()
    report = next(
        (json.loads(x[len("MEASURED ") :]) for x in reversed(lines) if x.startswith("MEASURED ")), None
    )
    if done.returncode or report is None or report["returncode"]:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise StepFailed(f"{' '.join(cmd)} failed:\n{tail}")
    extra = next(
        (json.loads(x[len(RESULT_PREFIX) :]) for x in reversed(lines) if x.startswith(RESULT_PREFIX)), {}
    )
    return Measurement(report["wall_s"], report["cpu_s"], report["peak_rss_mb"], extra, done.stdout)


def _run_as_subreaper(cmd: Sequence[str]) -> int:
    """Body of ``--measure``: run ``cmd``, reap every descendant, print the tree's usage."""
    libc = ctypes.CDLL(None, use_errno=True)
    subreaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    started = time.perf_counter()
    child = subprocess.Popen(list(cmd))
    returncode = child.wait()
    wall = time.perf_counter() - started
    deadline = time.monotonic() + 60
    while True:  # orphans (forkserver, resource tracker) now belong to us: wait for them
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = {
        "returncode": returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024.0,  # Linux: KiB
        "subreaper": subreaper,
    }
    print("MEASURED " + json.dumps(report), flush=True)
    return 0


def emit(result: Mapping[str, Any]) -> None:
    """Print a command's own figures as its last stdout line (read back by ``measure``)."""
    print(RESULT_PREFIX + json.dumps(dict(result)), flush=True)


def median(values: Sequence[float]) -> float:
    """The median of ``values``."""
    return float(statistics.median(values))


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, Python and OS of this machine."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "python": platform.python_version(),
        "os": platform.platform(),
        "load": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def remove_tree(path: Path) -> None:
    """Delete a folder this benchmark made (no error if it is already gone)."""
    shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--measure" and sys.argv[2] == "--":
        sys.exit(_run_as_subreaper(sys.argv[3:]))
    sys.exit("usage: common.py --measure -- COMMAND...")
