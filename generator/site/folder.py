"""The site folder is the tool's own: which folder `rotation build` may replace.

Every build replaces the whole site folder with a fresh one (``publish.run_mkdocs_build``),
so a site folder given by mistake would be deleted: ``--out .`` once replaced the whole
workspace, ``--out content`` every post. A folder may be built into only when it is absent,
empty (dot-entries such as a gh-pages checkout's ``.git`` aside: they are kept), or marked
as a site by the build stamp (``.rotation-build.json``, written into every site before it is
swapped in). Whatever it holds, it is refused when it is, holds or lies inside the workspace
or one of its folders (content, templates, theme overrides, price store, caches), or holds a
``newsletter.toml``, ``mkdocs.yml`` or ``content/`` of its own (another workspace).

Symbolic links are followed: a ``site`` that links to a web root is checked, and built, as
the folder it points to.

``site_folder_problem`` is pure (paths and a listing in, a reason or None out); ``owned_site``
reads the disk.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from generator.config import Settings
from generator.errors import ConfigError
from generator.paths import Layout
from generator.site.stamp import STAMP_NAME

# Names that make a folder a workspace rather than a site.
WORKSPACE_MARKS = ("newsletter.toml", "mkdocs.yml", "content")
LISTED_AT_MOST = 3


def site_folder_problem(
    site: Path,
    holders: Mapping[str, Path],
    sealed: Mapping[str, Path],
    entries: Sequence[str] | None,
    *,
    is_folder: bool = True,
) -> str | None:
    """Why the resolved folder ``site`` may not be replaced by a build, or None if it may.

    The site may neither be nor hold any folder of ``holders`` (the workspace: it may lie
    inside it) or of ``sealed`` (the content folder, the store, ...: nor lie inside them);
    both map a label to a resolved folder. ``entries`` are the names in ``site`` (None when
    it does not exist).
    """
    for label, folder in {**holders, **sealed}.items():
        if site == folder:
            return f"it is {label}"
        if folder.is_relative_to(site):
            return f"it holds {label} ({folder})"
    for label, folder in sealed.items():
        if site.is_relative_to(folder):
            return f"it is inside {label} ({folder})"
    if entries is None:
        return None
    if not is_folder:
        return "it is a file, not a folder"
    marks = [name for name in WORKSPACE_MARKS if name in entries]
    if marks:
        return f"it holds {', '.join(marks)}: another workspace"
    visible = sorted(name for name in entries if not name.startswith("."))
    if visible and STAMP_NAME not in entries:
        shown = ", ".join(visible[:LISTED_AT_MOST]) + (", ..." if len(visible) > LISTED_AT_MOST else "")
        return (
            f"it holds files rotation did not write ({shown}) and no {STAMP_NAME}, the mark of a site "
            "rotation built; move them away or delete it"
        )
    return None


def guarded_folders(settings: Settings) -> tuple[dict[str, Path], dict[str, Path]]:
    """(holders, sealed): the folders a site must never replace, symlinks resolved.

    The site may lie inside a holder (``site/`` in the workspace), never inside a sealed one.
    """
    layout = Layout.of(settings)
    holders = {
        "the workspace": layout.root,
        "the folder of mkdocs.yml": layout.mkdocs_yml.parent,
    }
    sealed = {
        "the content folder": layout.content,
        "the templates folder": layout.templates,
        "the theme overrides": layout.overrides,
        "the site hooks": layout.hooks,
        "the price store": layout.store,
        "the cache folder": layout.cache,
    }
    return (
        {label: _real(path) for label, path in holders.items()},
        {label: _real(path) for label, path in sealed.items()},
    )


def owned_site(settings: Settings, site_dir: Path) -> Path:
    """The real folder (symlinks followed) a build into ``site_dir`` replaces; ConfigError if unsafe.

    Called before any work of ``build`` and ``demo``, and again by the site swap itself.
    """
    real = _real(site_dir)
    try:
        entries: list[str] | None = os.listdir(real)
        is_folder = True
    except (FileNotFoundError, NotADirectoryError):
        entries, is_folder = (None, True) if not real.exists() else ([], False)
    except OSError as exc:
        raise ConfigError(f"cannot read the site folder {site_dir}: {exc.strerror}") from exc
    holders, sealed = guarded_folders(settings)
    problem = site_folder_problem(real, holders, sealed, entries, is_folder=is_folder)
    if problem is None:
        return real
    shown = f"{site_dir} (a link to {real})" if real != Path(os.path.abspath(site_dir)) else str(site_dir)
    raise ConfigError(
        f"will not build the site into {shown}: {problem}. Every build replaces the site folder: "
        "give a new or empty folder, or one rotation built before (--out, or [output] site_dir "
        "in newsletter.toml)"
    )


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))
