"""The workspace lock: one writing command at a time per workspace.

``draft``, ``backfill``, ``publish``, ``build`` and ``demo`` write the content folder, the
chart caches and ``site/``; two of them at once would interleave their writes (two builds
swapping ``site/``, a publish stamping a post a draft is rewriting). Each holds
``.rotation.lock`` in the workspace root (filelock) and a second one is refused at once
with a clear message. The lock is re-entrant within a thread (``demo`` runs ``build``).

Under the lock, the temp files a killed run left behind in the content folder and the
caches are swept before anything is written.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from generator.config import CONFIG_ENV, CONFIG_FILE_NAME, Settings
from generator.errors import ConfigError, WorkspaceBusyError
from generator.fsio import sweep_temp_files, write_failure
from generator.paths import LOCK_NAME, Layout
from generator.skeleton import WORKSPACE_ENTRIES

# What a workspace holds besides what the commands generate: the files `rotation init` writes
# and a test's or a benchmark's workspace copies from this checkout, relative to its root.
WORKSPACE_FILES = WORKSPACE_ENTRIES
_held = threading.local()

P = ParamSpec("P")
R = TypeVar("R")


def require_workspace(settings: Settings, command: str, *, site: bool = False) -> None:
    """Refuse, before anything is written, a command that needs a workspace and has none.

    A workspace is the folder of a newsletter.toml (--config's, ROTATION_CONFIG's, or the
    nearest one from the current folder up);
    the commands that build or serve the site (``site``) also need its mkdocs.yml. Outside
    one, `rotation build` used to create content/, .cache/ and a lock file in whatever
    folder it ran in, then fail inside MkDocs.
    """
    if settings.config_file is None:
        raise ConfigError(
            f"not in a rotation workspace: no {CONFIG_FILE_NAME} in {settings.root} or any folder "
            f"above it, and `rotation {command}` needs one. Make a workspace with `rotation init` "
            f"(here) or `rotation init DIR`, or name one with --config PATH or {CONFIG_ENV}"
        )
    if site and not settings.mkdocs_yml.is_file():
        raise ConfigError(
            f"{settings.root} is not a complete workspace: {settings.mkdocs_yml} is missing, and "
            f"`rotation {command}` builds the site with it (copy mkdocs.yml, overrides/ and hooks/ "
            f"from a workspace `rotation init` made, or name another in [output] mkdocs_yml of "
            f"{settings.config_file.name})"
        )


@contextmanager
def workspace_lock(settings: Settings, command: str) -> Iterator[None]:
    """Hold the workspace's lock for ``command``; refuse at once if another run holds it.

    Outside a workspace it refuses before creating the lock file (``require_workspace``).
    """
    from filelock import FileLock, Timeout

    require_workspace(settings, command)
    path = Layout.of(settings).lock.resolve()
    depth: dict[Path, int] = getattr(_held, "depth", None) or {}
    _held.depth = depth
    if depth.get(path):
        depth[path] += 1
        try:
            yield
        finally:
            depth[path] -= 1
        return
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:  # before OSError: filelock's Timeout is a TimeoutError
        raise WorkspaceBusyError(
            f"another rotation command is using the workspace {settings.root} (it holds {LOCK_NAME}); "
            f"wait for it to finish, then run `rotation {command}` again"
        ) from None
    except OSError as exc:
        raise write_failure(path, exc, "create the lock") from exc
    depth[path] = 1
    try:
        for folder in (settings.content_dir, settings.cache_dir, Layout.of(settings).backups):
            sweep_temp_files(folder)
        yield
    finally:
        depth[path] = 0
        lock.release()


def holds_workspace(
    command: str,
) -> Callable[[Callable[Concatenate[Settings, P], R]], Callable[Concatenate[Settings, P], R]]:
    """Run the decorated pipeline function (``settings`` first) under the workspace lock."""

    def wrap(fn: Callable[Concatenate[Settings, P], R]) -> Callable[Concatenate[Settings, P], R]:
        @functools.wraps(fn)
        def locked(settings: Settings, /, *args: P.args, **kwargs: P.kwargs) -> R:
            with workspace_lock(settings, command):
                return fn(settings, *args, **kwargs)

        return locked

    return wrap
