"""The site engines: Material for MkDocs (``mkdocs build``) or Zensical, chosen by ``[site] engine``.

Both read the workspace's ``mkdocs.yml``. What differs, and how this module evens it out:

- **Material for MkDocs** reaches end of life on 2027-05-05 (its own build says so); Zensical is
  its successor. The build summary says the date once, with the setting that switches.
- **What is left out of the site.** MkDocs honours ``exclude_docs`` (``generator.site.unpublished``
  lists drafts, their charts and side copies there). Zensical 0.0.73 ignores it, so for
  Zensical ``rotation build`` gives it a copy of the content folder without those files
  (``stage_docs``: hard links, so it costs no disk), through mkdocs.yml's
  ``docs_dir: !ENV [ROTATION_DOCS_DIR, content]``. The same gitignore rules select the files
  (pathspec, which MkDocs uses), so both engines see the same pages.
- **Hooks.** Zensical runs no MkDocs hooks and copies everything under the docs and theme
  folders into the site; the hooks live in ``hooks/``, beside mkdocs.yml, outside both.
- **Where it builds.** Zensical refuses a ``site_dir`` or ``docs_dir`` outside the folder of
  mkdocs.yml; a build for a site elsewhere (``--out /srv/www``) is made inside it, then moved.

The site's title, URL, description and author come from newsletter.toml: ``rotation`` passes
them as ``ROTATION_*`` variables, and writes them as the ``!ENV`` defaults of mkdocs.yml
(``sync_site_config``), so a plain ``mkdocs build`` or ``zensical build`` of the workspace gives
the same URLs. Zensical runs no hook, so a hook reading newsletter.toml would not do.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from generator.config import CONFIG_FILE_NAME, Settings
from generator.errors import ConfigError
from generator.fsio import atomic_write_text, remove_tree, write_failure

MATERIAL_END_OF_LIFE = date(2027, 5, 5)
# What MkDocs leaves out of every docs folder whatever exclude_docs says (mkdocs.structure.files).
MKDOCS_DEFAULT_EXCLUDE = (".*", "/templates/")
# Where the Zensical build's docs copy and output are made, in the folder of mkdocs.yml.
ZENSICAL_WORK = Path(".rotation") / "zensical"


@dataclass(frozen=True)
class SiteEngine:
    """One engine: how to run it, what its build stamp records, what it does not do."""

    name: str  # the [site] engine value
    label: str  # in messages: "MkDocs", "Zensical"
    module: str  # run as `python -m <module>`
    packages: tuple[str, ...]  # distributions whose versions shape the site
    honours_exclude_docs: bool

    def build_command(self, config_file: Path) -> list[str]:
        """The strict build of ``config_file``."""
        flag = ["-f"] if self.name == "material" else ["--config-file"]
        return [sys.executable, "-m", self.module, "build", "--strict", *flag, str(config_file)]

    def serve_command(self, config_file: Path, address: str) -> list[str]:
        """The live preview of ``config_file`` on ``address`` (HOST:PORT)."""
        if self.name == "material":
            return [sys.executable, "-m", self.module, "serve", "-f", str(config_file), "-a", address]
        return [sys.executable, "-m", self.module, "serve", "--config-file", str(config_file), "-a", address]


MATERIAL = SiteEngine(
    "material",
    "MkDocs",
    "mkdocs",
    ("mkdocs", "mkdocs-material", "mkdocs-material-extensions", "mkdocs-rss-plugin"),
    honours_exclude_docs=True,
)
ZENSICAL = SiteEngine("zensical", "Zensical", "zensical", ("zensical",), honours_exclude_docs=False)
ENGINES = {engine.name: engine for engine in (MATERIAL, ZENSICAL)}


def engine_of(settings: Settings) -> SiteEngine:
    """The engine newsletter.toml chose (``[site] engine``; Material by default)."""
    return ENGINES[settings.site.engine]


def end_of_life_notice(engine: SiteEngine) -> str | None:
    """The one line the build summary adds for Material, with the setting that switches."""
    if engine is not MATERIAL:
        return None
    return (
        f"Material for MkDocs reaches end of life on {MATERIAL_END_OF_LIFE.isoformat()}; "
        'switch with [site] engine = "zensical" in newsletter.toml'
    )


# --- the site values newsletter.toml gives mkdocs.yml -------------------------------------------


def site_values(settings: Settings) -> dict[str, str]:
    """The ``ROTATION_*`` variables mkdocs.yml's ``!ENV`` tags read for the site's identity."""
    url = settings.site.url
    return {
        "ROTATION_SITE_TITLE": settings.site.title,
        "ROTATION_SITE_URL": url,
        "ROTATION_SITE_DESCRIPTION": settings.site.description,
        "ROTATION_SITE_AUTHOR": settings.site.author,
        "ROTATION_FEED_URL": f"{url}feed_rss_created.xml",
        "ROTATION_SITE_IMAGE": f"{url}assets/social/site.png",
    }


# `!ENV [NAME, default]` with a double-quoted, single-quoted or plain default on one line.
ENV_DEFAULT = re.compile(
    r"""!ENV\s*\[\s*(?P<name>ROTATION_[A-Z_]+)\s*,\s*"""
    r"""(?P<default>"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\]\n,'"]*?)\s*\]"""
)


def _yaml_scalar(value: str) -> str:
    """``value`` as a YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(value, ensure_ascii=False)


def _parse_default(text: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        return None


def synced_config(text: str, values: Mapping[str, str]) -> tuple[str, list[str], list[str]]:
    """mkdocs.yml's text with the ``!ENV`` defaults of ``values`` set; (text, changed, absent).

    Pure. ``changed``: the variables whose default was rewritten; ``absent``: those no
    ``!ENV`` tag of the file reads (a hand-edited line: plain engine builds then differ).
    """
    changed: list[str] = []
    seen: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in values:
            return match.group(0)
        seen.add(name)
        if _parse_default(match["default"]) == values[name]:
            return match.group(0)
        changed.append(name)
        start, end = match.span("default")
        whole_start = match.start()
        text_ = match.group(0)
        return text_[: start - whole_start] + _yaml_scalar(values[name]) + text_[end - whole_start :]

    new_text = ENV_DEFAULT.sub(replace, text)
    return new_text, sorted(set(changed)), sorted(set(values) - seen)


def sync_site_config(settings: Settings) -> list[str]:
    """Write newsletter.toml's site values into mkdocs.yml's ``!ENV`` defaults; warnings to print.

    The file is rewritten only when a default differs (atomically), and says which keys.
    """
    path = settings.mkdocs_yml
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    new_text, changed, absent = synced_config(text, site_values(settings))
    notes = []
    if changed:
        atomic_write_text(path, new_text)
        names = ", ".join(changed)
        notes.append(f"updated {path.name} from {CONFIG_FILE_NAME}: the defaults of {names}")
    if absent:
        notes.append(
            f"{path.name} reads no !ENV [{', '.join(absent)}, ...]: a plain mkdocs or zensical build "
            f"does not take those from {CONFIG_FILE_NAME}"
        )
    return notes


# --- Zensical: the docs it may see, the folders it may write ------------------------------------


def excluded_spec(exclude_docs: str | None) -> Any:
    """The gitignore rules MkDocs applies to the docs folder (its defaults and ``exclude_docs``)."""
    from pathspec.gitignore import GitIgnoreSpec

    lines = [*MKDOCS_DEFAULT_EXCLUDE, *(exclude_docs or "").splitlines()]
    return GitIgnoreSpec.from_lines([line for line in lines if line.strip()])


def docs_to_stage(files: Iterable[str], exclude_docs: str | None) -> list[str]:
    """The docs-relative paths (POSIX) MkDocs would read of ``files``; pure."""
    spec = excluded_spec(exclude_docs)
    return sorted(path for path in files if not spec.match_file(path))


def stage_docs(content_dir: Path, exclude_docs: str | None, into: Path) -> int:
    """Hard-link (or copy) into ``into`` every file of ``content_dir`` MkDocs would read; count.

    A file is linked, not copied, so staging costs no disk; an engine never writes its docs.
    """
    listed: list[str] = []
    for dirpath, dirnames, filenames in os.walk(content_dir):
        dirnames.sort()
        rel_dir = Path(dirpath).relative_to(content_dir)
        listed += [(rel_dir / name).as_posix() for name in filenames]
    kept = docs_to_stage(listed, exclude_docs)
    for rel in kept:
        source, target = content_dir / rel, into / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)  # another file system, or links not allowed
        except OSError as exc:
            raise write_failure(target, exc) from exc
    return len(kept)


def zensical_work_dir(settings: Settings) -> Path:
    """Where the Zensical build's docs copy and output go: inside the folder of mkdocs.yml."""
    return settings.mkdocs_yml.parent / ZENSICAL_WORK


def clear_zensical_work(settings: Settings) -> None:
    """Remove what a killed Zensical build left (its docs copy, a build not yet moved)."""
    folder = zensical_work_dir(settings)
    if folder.exists():
        remove_tree(folder)
