"""Atomic file writes: a temp file in the same folder, fsync, then ``os.replace``.

A crash or a kill at any point leaves either the old file or the new one, never half of
one (DESIGN.md principle 3). ``write_*_if_changed`` also skips identical rewrites, so
unchanged outputs keep their mtime and MkDocs and git see no churn.

An ``OSError`` while writing (a full disk, a read-only folder) becomes a ``WriteError``
naming the file and the reason, with the temp file removed. A temp file that a hard kill
left behind (``.<name>.<random>.tmp``) is removed by ``sweep_temp_files``, which the
commands run under their lock before writing.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from generator.errors import WriteError

# What ``tempfile.mkstemp(prefix=".<name>.", suffix=".tmp")`` names: 8 random characters.
TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def write_failure(path: Path, exc: OSError, verb: str = "write") -> WriteError:
    """A WriteError naming ``path`` and the operating system's reason."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return WriteError(f"could not {verb} {path}: {reason}")


def atomic_write_bytes(path: Path, data: bytes, *, sync: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically, creating parent folders.

    ``sync=False`` skips the fsync (the price store syncs once before its manifest).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise write_failure(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_failure(path, exc) from exc
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (newlines kept as given)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_bytes_if_changed(path: Path, data: bytes) -> bool:
    """Atomically write ``data`` unless ``path`` already holds exactly it; True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write_bytes(path, data)
    return True


def write_text_if_changed(path: Path, text: str) -> bool:
    """Atomically write ``text`` unless ``path`` already holds exactly it; True if written."""
    return write_bytes_if_changed(path, text.encode("utf-8"))


def remove_file(path: Path) -> None:
    """Delete ``path`` if it exists; WriteError naming it if the folder refuses."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise write_failure(path, exc, "remove") from exc


def remove_tree(path: Path) -> None:
    """Delete a folder and everything in it; WriteError naming it if that fails."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise write_failure(path, exc, "remove") from exc


def sweep_temp_files(folder: Path, pattern: str = "**/.*.tmp") -> list[Path]:
    """Remove the temp files a killed run left under ``folder``; only call it under a lock.

    ``pattern`` narrows the sweep (the site's build stamp sweeps only its own temp files).
    """
    removed = []
    for path in folder.glob(pattern) if folder.is_dir() else []:
        if TEMP_NAME.match(path.name) and path.is_file():
            remove_file(path)
            removed.append(path)
    return removed
