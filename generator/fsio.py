"""Atomic file writes: a temp file in the same folder, fsync, ``os.replace``, fsync the folder.

A crash or a kill at any point leaves either the old file or the new one, never half of
one (DESIGN.md principle 3). The rename is made durable as SQLite and git make theirs: the
file's bytes are synced before it, and its folder (which holds the name) after it, so a
power loss after the write returned cannot bring back the old file or leave an empty one
(``replace_durably``, which the site swap uses too). ``write_*_if_changed`` also skips
identical rewrites, so unchanged outputs keep their mtime and MkDocs and git see no churn.

What the tool writes gets the modes the user's umask gives a new file (0644 and 0755 under
umask 022), as ``open`` and ``mkdir`` would: ``mkstemp`` and ``mkdtemp`` make 0600 and 0700
whatever the umask, which a web server running as another user cannot read.

An ``OSError`` while writing (a full disk, a read-only folder) becomes a ``WriteError``
naming the file and the reason, with the temp file removed. A temp file that a hard kill
left behind (``.<name>.<random>.tmp``) is removed by ``sweep_temp_files``, which the
commands run under their lock before writing.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from generator.errors import WriteError

# What ``tempfile.mkstemp(prefix=".<name>.", suffix=".tmp")`` names: 8 random characters.
TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def current_umask() -> int:
    """The process's umask, read without changing it (Linux reports it in /proc/self/status)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and put back (briefly process-wide)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets under the umask: ``0o666 & ~umask``."""
    return 0o666 & ~current_umask()


def folder_mode() -> int:
    """The mode a new folder gets under the umask: ``0o777 & ~umask``."""
    return 0o777 & ~current_umask()


def fsync_folder(folder: Path) -> None:
    """Sync a folder: the names a rename put in it (or took out) survive a power loss.

    File systems that cannot sync a folder (some network ones say EINVAL) are skipped.
    """
    if os.name == "nt":  # Windows cannot open a folder; its renames are journaled by NTFS
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise write_failure(folder, exc, "sync") from exc
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise write_failure(folder, exc, "sync") from exc
    finally:
        os.close(fd)


def replace_durably(source: Path, target: Path) -> None:
    """``os.replace(source, target)``, then sync the folder(s) that hold the two names.

    Every rename that commits something (a file written, a site swapped in) goes through
    here; the caller has synced what ``source`` holds before.
    """
    os.replace(source, target)
    fsync_folder(target.parent)
    if source.parent != target.parent:
        fsync_folder(source.parent)


def write_failure(path: Path, exc: OSError, verb: str = "write") -> WriteError:
    """A WriteError naming ``path`` and the operating system's reason."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return WriteError(f"could not {verb} {path}: {reason}")


def atomic_write_bytes(path: Path, data: bytes, *, sync: bool = True, sync_folder: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically, creating parent folders.

    ``sync=False`` skips both fsyncs (the price store syncs once before its manifest);
    ``sync_folder=False`` syncs the bytes but leaves the folder to the caller (a batch syncs
    each of its folders once, ``write_all_if_changed``) or unsynced (a cache, where a name
    lost to a power loss is only a miss).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise write_failure(path, exc) from exc
    try:
        try:
            os.fchmod(fd, file_mode())
        except BaseException:
            os.close(fd)
            raise
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        if sync and sync_folder:
            replace_durably(Path(tmp_name), path)
        else:
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


def write_bytes_if_changed(path: Path, data: bytes, *, sync_folder: bool = True) -> bool:
    """Atomically write ``data`` unless ``path`` already holds exactly it; True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write_bytes(path, data, sync_folder=sync_folder)
    return True


def write_all_if_changed(files: Iterable[tuple[Path, bytes]]) -> int:
    """``write_bytes_if_changed`` for many files, each folder synced once at the end; the count written.

    A batch of charts or pages costs one folder sync per folder, not one per file.
    """
    written = 0
    folders: dict[Path, None] = {}  # in order, once each
    for path, data in files:
        if write_bytes_if_changed(path, data, sync_folder=False):
            written += 1
            folders[path.parent] = None
    for folder in folders:
        fsync_folder(folder)
    return written


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
