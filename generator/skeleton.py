"""`rotation init`: a new workspace from the files the package ships.

The files a workspace starts with are the repository's own, in one place: the repository's
root is itself a workspace (``newsletter.toml``, ``mkdocs.yml``, ``overrides/``, ``hooks/``,
the site assets under ``content/``), and ``init/`` holds what only a new workspace gets (its
``.gitignore`` and the GitHub Actions workflows). The wheel carries them as
``generator/workspace_files/`` through one setuptools mapping (``package-dir`` in pyproject.toml
maps ``generator.workspace_files`` to the repository root, ``package-data`` lists the files), so the
packaged files are the repository's bytes; an editable install reads the checkout itself.
``tests/flows/test_init_wheel.py`` builds the wheel and compares.

``plan_init`` is pure (a listing of the skeleton in, the files to write out); ``init_workspace``
reads the package and writes the files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from generator import __version__
from generator.config import CONFIG_FILE_NAME
from generator.errors import ConfigError
from generator.fsio import atomic_write_bytes

# The workspace files of the repository's root, copied as they are (a folder: every file in it).
WORKSPACE_ENTRIES = (
    CONFIG_FILE_NAME,
    "mkdocs.yml",
    "overrides",
    "hooks",
    "content/issues/index.md",
    "content/assets/rotation.css",
    "content/assets/rotation.js",
    "content/assets/vendor",
)
# What only a new workspace gets: its path there -> the skeleton's path.
INIT_ENTRIES = {
    ".gitignore": "init/gitignore",
    ".github/workflows": "init/.github/workflows",
}
# Written from code: the version of the tool that made the workspace, for CI's `pip install`.
REQUIREMENTS = "requirements.txt"
# Never copied: what Python leaves beside a hook MkDocs imported.
SKIPPED_PARTS = ("__pycache__",)
SKIPPED_SUFFIXES = (".pyc",)


@dataclass(frozen=True)
class InitResult:
    """What `rotation init` wrote."""

    folder: Path
    written: tuple[Path, ...]


def skeleton_root() -> Path:
    """Where the workspace files are: the wheel's ``generator/workspace_files/``, or a checkout's root."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "workspace_files", package.parent):
        if (candidate / CONFIG_FILE_NAME).is_file() and (candidate / "init").is_dir():
            return candidate
    raise ConfigError(
        f"the workspace files are missing from the installed package ({package / 'workspace_files'}); "
        "reinstall rotation-desk"
    )


def templates_root() -> Path:
    """The packaged editable templates (``generator.templates``: the repository's ``templates/``)."""
    return Path(str(resources.files("generator.templates")))


def list_files(root: Path, entry: str) -> list[str]:
    """Every file of ``entry`` (a file or a folder under ``root``), as sorted relative paths."""
    path = root / entry
    if path.is_file():
        return [entry]
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_PARTS)
        for name in sorted(filenames):
            if not name.endswith(SKIPPED_SUFFIXES):
                found.append((Path(dirpath) / name).relative_to(root).as_posix())
    return found


def skeleton_files(root: Path, *, templates: Path | None = None) -> dict[str, Path]:
    """Each file a new workspace gets (its relative path) -> the packaged file it is copied from."""
    files: dict[str, Path] = {}
    for entry in WORKSPACE_ENTRIES:
        for rel in list_files(root, entry):
            files[rel] = root / rel
    for target, source in INIT_ENTRIES.items():
        for rel in list_files(root, source):
            files[target + rel.removeprefix(source)] = root / rel
    if templates is not None:
        for rel in list_files(templates, "."):
            rel = rel.removeprefix("./")
            if rel.endswith(".j2"):
                files[f"templates/{rel}"] = templates / rel
    return dict(sorted(files.items()))


def requirements_text(version: str) -> str:
    """The workspace's requirements.txt: the tool at the version that made it."""
    return (
        "# The tool this workspace was made with (`rotation init`); CI installs it from here.\n"
        "# Point it at wherever you install rotation-desk from: a version, a git URL or a wheel.\n"
        f"rotation-desk=={version}\n"
    )


def plan_init(sources: Mapping[str, bytes], existing: Iterable[str]) -> dict[str, bytes]:
    """The files to write (relative path -> bytes), or ConfigError listing those already there."""
    taken = sorted(set(sources) & set(existing))
    if taken:
        shown = ", ".join(taken[:10]) + (f" and {len(taken) - 10} more" if len(taken) > 10 else "")
        raise ConfigError(
            f"will not overwrite {len(taken)} existing file{'s' if len(taken) > 1 else ''}: {shown}; "
            "move them away or run `rotation init` in another folder (nothing was written)"
        )
    return dict(sources)


def init_workspace(folder: Path, *, templates: bool = False) -> InitResult:
    """Write a new workspace into ``folder`` (made if missing); refuse to overwrite any file."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is a file; give a folder for the new workspace")
    root = skeleton_root()
    files = skeleton_files(root, templates=templates_root() if templates else None)
    sources = {rel: path.read_bytes() for rel, path in files.items()}
    sources[REQUIREMENTS] = requirements_text(__version__).encode("utf-8")
    existing = [rel for rel in sources if os.path.lexists(folder / rel)]
    plan = plan_init(sources, existing)
    written = [atomic_write_bytes(folder / rel, data) for rel, data in sorted(plan.items())]
    return InitResult(folder, tuple(written))
