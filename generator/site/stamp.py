"""The build stamp: skip the MkDocs run when nothing it reads has changed since the last build.

MkDocs rebuilds every page on every run (Material's blog plugin re-renders each post for each
listing page), which costs seconds even when nothing changed. ``rotation build`` therefore
records, after a successful MkDocs run, a stamp in the site folder (``.rotation-build.json``):
a hash of everything MkDocs reads (every file under the content folder, mkdocs.yml, the theme
overrides and the hooks folders), the versions of MkDocs, its theme and plugins and of
Zensical, the environment passed to mkdocs.yml's ``!ENV`` tags (the engine's name too), and
the site folder's path; plus a fingerprint of the site folder as that build left it (every
file's path, size and modification time).

The next build skips MkDocs only when both still match: any change to an input, a deleted
``index.html`` or any other file of the site touched since, and MkDocs runs again. The stamp
is written atomically and only after a successful build, so a failed build is retried.

``inputs_digest`` and ``site_digest`` are pure (lists of entries in, a hex digest out); the
functions below them read the disk.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

from generator.fsio import atomic_write_text, sweep_temp_files

STAMP_NAME = ".rotation-build.json"
STAMP_VERSION = 1

# Distributions whose code shapes the built site (theme, plugins, Markdown extensions).
SITE_PACKAGES = (
    "mkdocs",
    "mkdocs-material",
    "mkdocs-material-extensions",
    "mkdocs-rss-plugin",
    "zensical",
    "markdown",
    "pymdown-extensions",
    "jinja2",
    "rotation-desk",
)


def inputs_digest(
    files: Iterable[tuple[str, str]],
    versions: Mapping[str, str],
    env: Mapping[str, str],
    site_dir: str,
) -> str:
    """One hash of every input: ``files`` as (label/relative path, content hash) pairs."""
    record = {
        "version": STAMP_VERSION,
        "files": sorted(files),
        "versions": dict(sorted(versions.items())),
        "env": dict(sorted(env.items())),
        "site_dir": site_dir,
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode("utf-8")).hexdigest()


def site_digest(entries: Iterable[tuple[str, int, int]]) -> str:
    """One hash of a site folder from (relative path, size, mtime in ns) per file."""
    return hashlib.sha256(json.dumps(sorted(entries)).encode("utf-8")).hexdigest()


def is_fresh(stored: Mapping[str, object] | None, inputs: str, site: str | None) -> bool:
    """True when the last successful build had these inputs and left this site folder."""
    if stored is None or site is None:
        return False
    return (
        stored.get("version") == STAMP_VERSION
        and stored.get("inputs") == inputs
        and stored.get("site") == site
    )


# --- the edge: reading files, versions and the stamp ---------------------------------------


def file_hashes(label: str, folder: Path) -> list[tuple[str, str]]:
    """(label/relative path, sha256) for every file under ``folder`` (none if it is missing)."""
    out: list[tuple[str, str]] = []
    if not folder.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            out.append((f"{label}/{rel}", _sha256(path)))
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions(names: Iterable[str] = SITE_PACKAGES) -> dict[str, str]:
    """Installed versions of ``names`` ("-" for one that is not installed)."""
    versions: dict[str, str] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    return versions


def current_inputs(
    content_dir: Path,
    mkdocs_yml: Path,
    overrides_dir: Path,
    hooks_dir: Path,
    site_dir: Path,
    env: Mapping[str, str],
) -> str:
    """The inputs digest of a build of ``content_dir`` with ``mkdocs_yml``, its theme overrides
    and its hooks into ``site_dir``.
    """
    files = file_hashes("content", content_dir)
    files += file_hashes("overrides", overrides_dir)
    files += [f for f in file_hashes("hooks", hooks_dir) if "__pycache__" not in f[0]]
    if mkdocs_yml.is_file():
        files.append(("mkdocs.yml", _sha256(mkdocs_yml)))
    passed = {k: v for k, v in env.items() if k.startswith("ROTATION_")}
    return inputs_digest(files, package_versions(), passed, str(site_dir.resolve()))


def current_site(site_dir: Path) -> str | None:
    """The fingerprint of the site folder, or None when it has no index.html (never built)."""
    if not (site_dir / "index.html").is_file():
        return None
    entries: list[tuple[str, int, int]] = []
    for dirpath, _, filenames in os.walk(site_dir):
        for name in filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(site_dir).as_posix()
            if rel == STAMP_NAME:
                continue
            stat = path.stat()
            entries.append((rel, stat.st_size, stat.st_mtime_ns))
    return site_digest(entries)


def sweep_stamp_temps(site_dir: Path) -> list[Path]:
    """Remove temp files a run killed while writing the stamp left in ``site_dir``."""
    return sweep_temp_files(site_dir, f".{STAMP_NAME}.*.tmp")


def read_stamp(site_dir: Path) -> dict[str, object] | None:
    """The stamp of the last successful build into ``site_dir`` (None if absent or unreadable)."""
    try:
        data = json.loads((site_dir / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def mark_site(folder: Path) -> Path:
    """Mark a complete build as a site rotation made, before it is swapped in.

    The mark is a stamp that matches no inputs: it lets the next build replace the folder
    (``generator.site.folder``) even when this run is killed before ``write_stamp``, and
    never lets it skip MkDocs.
    """
    record = {"version": STAMP_VERSION, "inputs": None, "site": None}
    return atomic_write_text(folder / STAMP_NAME, json.dumps(record, indent=2) + "\n")


def write_stamp(site_dir: Path, inputs: str) -> Path:
    """Record a successful build of ``inputs`` into ``site_dir`` (atomically)."""
    record = {"version": STAMP_VERSION, "inputs": inputs, "site": current_site(site_dir)}
    return atomic_write_text(site_dir / STAMP_NAME, json.dumps(record, indent=2) + "\n")
