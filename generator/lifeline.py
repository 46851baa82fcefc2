"""Child processes die with the rotation process that started them, even on ``kill -9``.

A killed parent runs no cleanup, so without help its children live on: MkDocs kept writing
into a build folder the next run then failed to remove, chart workers (hundreds of MB) idled
for minutes, and ``mkdocs serve`` kept its port. On Linux each child asks the kernel for a
parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGKILL)``), which SIGKILLs it the moment its
parent exits, however the parent ends:

- a subprocess (MkDocs) sets it between fork and exec (``preexec_fn``);
- the chart pools' forkserver sets it when it starts (it imports
  ``generator._forkserver_lifeline`` first), and each pool worker, the forkserver's child,
  sets it in the pool's initializer. A forkserver lives as long as any process holding its
  "alive" pipe, and every worker holds one: without the signal in both, neither ever exits.

The signal is tied to the parent *thread* that forked the child, so only the main thread
arms the long-lived forkserver (a subprocess is waited for by the thread that started it).
A parent that dies between the fork and the ``prctl`` call would be missed, so the child
then checks that its parent is still the one it was forked from, and exits if not.

Elsewhere (macOS, Windows) there is no such signal and these functions do nothing: children
of a killed run may outlive it there (README, Reliability).
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
FORKSERVER_HOOK = "generator._forkserver_lifeline"

# Set in the forkserver (by FORKSERVER_HOOK) to its own pid; its forked workers inherit it.
_forkserver_pid: int | None = None


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """The C library's prctl, loaded once in the parent (never first in a child between fork and exec)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
        return prctl
    except (OSError, AttributeError):
        return None


def die_with_parent(parent_pid: int) -> None:
    """In a child: be SIGKILLed when the parent exits; exit now if ``parent_pid`` is gone already."""
    prctl = _prctl()
    if prctl is None:
        return
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)


def child_preexec() -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess``: the child dies with this process (None off Linux)."""
    if _prctl() is None:
        return None
    return functools.partial(die_with_parent, os.getpid())


def arm_forkserver() -> None:
    """In the forkserver: die with the rotation process; record this pid for the workers.

    No parent check is needed here: a forkserver whose parent died before this call sees
    its "alive" pipe close (no worker holds it yet) and exits on its own.
    """
    global _forkserver_pid
    prctl = _prctl()
    if prctl is None:
        return
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _forkserver_pid = os.getpid()


def die_with_forkserver() -> None:
    """The pool initializer: a worker dies with the forkserver it was forked from (if armed)."""
    if _forkserver_pid is not None:
        die_with_parent(_forkserver_pid)


def process_pool(workers: int, preload: Sequence[str]) -> ProcessPoolExecutor:
    """A forkserver pool of ``workers`` processes that die with this one.

    forkserver: workers start from a clean process that imported ``preload`` once, not from
    a fork of this one (which may hold threads and open files).
    """
    context = multiprocessing.get_context("forkserver")
    armed = threading.current_thread() is threading.main_thread()
    context.set_forkserver_preload([FORKSERVER_HOOK, *preload] if armed else list(preload))
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die_with_forkserver)
