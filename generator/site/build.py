"""The site engine's build: into a staging folder beside the site, swapped in only when complete.

MkDocs has no public Python API (mkdocs/mkdocs#1240), nor has Zensical, so the build runs as a
subprocess of the same interpreter, in strict mode, with the output folder and the
synthetic-data flag passed through the ``!ENV`` tags of mkdocs.yml. The engine is
``[site] engine`` (``generator.site.engine``: what differs between them).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.calls.ledger import PostScan, PublishedIssue, check_unique_urls, scan_posts
from generator.config import Settings
from generator.errors import GeneratorError, PublishError, WriteError
from generator.fsio import folder_mode, fsync_folder, remove_tree, replace_durably, write_failure
from generator.lifeline import child_preexec
from generator.paths import GUIDE_PAGE, Layout
from generator.site import stamp, unpublished
from generator.site.engine import (
    SiteEngine,
    clear_zensical_work,
    engine_of,
    site_values,
    stage_docs,
    zensical_work_dir,
)
from generator.site.folder import owned_site
from generator.site.frozen import check_frozen_charts
from generator.site.linkcheck import require_links
from generator.site.stamp import STAMP_NAME, mark_site


@dataclass(frozen=True)
class BuildResult:
    """What `rotation build` did."""

    issues: int
    calls: int
    pages_written: int
    site_dir: Path
    charts_drawn: int = 0
    seconds_generate: float = 0.0
    seconds_mkdocs: float = 0.0
    mkdocs_skipped: bool = False
    warnings: tuple[str, ...] = ()  # drafts left out because they do not parse, bad closes ignored
    engine: str = "material"  # [site] engine
    engine_log: str = ""  # what the engine printed (`-v` shows it); empty when it was skipped
    notes: tuple[str, ...] = ()  # mkdocs.yml updated from newsletter.toml


def mkdocs_env(
    settings: Settings, *, synthetic: bool, site_dir: Path | None = None, exclude_docs: str | None = None
) -> dict[str, str]:
    """The environment mkdocs.yml's ``!ENV`` tags read: title, URL and feed from newsletter.toml,
    and what to leave out of the site (``generator.site.unpublished``; mkdocs.yml's default without).

    Material's end-of-life notice is not silenced: the build summary says the date (``-v``
    shows the engine's own output). ``ROTATION_ENGINE`` is read by no tag: it puts the engine
    into the build stamp's inputs, so switching engines rebuilds.
    """
    env = dict(os.environ)
    env.update(site_values(settings))
    env["ROTATION_ENGINE"] = settings.site.engine
    env.pop("ROTATION_DOCS_DIR", None)
    if site_dir is not None:
        env["ROTATION_SITE_DIR"] = str(site_dir)
    env.pop("ROTATION_EXCLUDE_DOCS", None)
    if exclude_docs is not None:
        env["ROTATION_EXCLUDE_DOCS"] = exclude_docs
    env.pop("ROTATION_SYNTHETIC", None)
    if synthetic:
        env["ROTATION_SYNTHETIC"] = "true"
    return env


def run_mkdocs_build(
    settings: Settings,
    site_dir: Path,
    *,
    synthetic: bool,
    exclude_docs: str | None = None,
    check: Callable[[Path], None] | None = None,
) -> str:
    """Build the site beside ``site_dir``, then swap it in; the engine's output, PublishError on failure.

    MkDocs empties its output folder before writing, so building straight into ``site/``
    would leave a half-built or broken site in place of the old one when the build fails
    (strict mode) or is killed. It builds into ``.<site>.build-<random>/`` beside it
    instead; only a complete build replaces the old site (two renames), and the leftovers
    of a killed run are cleared (or the old site put back) by the next build.

    Only a folder the tool owns is replaced (``generator.site.folder``: checked before the
    build and again just before the swap). A ``site_dir`` that is a symbolic link is kept:
    the folder it points to is rebuilt, from a build folder beside that one (one file
    system, so the swap is a rename). Before the swap, the new site is marked as ours and
    synced to disk; after it, the folder holding it is synced. ``check`` looks at the complete
    build before it replaces the old site (an error keeps the old one).
    """
    site_dir = owned_site(settings, site_dir)
    recover_site_dir(site_dir)
    site_dir = owned_site(settings, site_dir)  # the recovered old site is checked too
    try:
        site_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.build-", dir=site_dir.parent))
        os.chmod(staging, folder_mode())  # mkdtemp makes 0700: a web server could not read the site
    except OSError as exc:
        raise write_failure(site_dir, exc) from exc
    try:
        log = build_with_engine(
            settings, staging, synthetic=synthetic, site_dir=site_dir, exclude_docs=exclude_docs
        )
        if check is not None:
            check(staging)
        mark_site(staging)
        os.sync()  # every file MkDocs wrote is on disk before the rename makes it the site
        owned_site(settings, site_dir)
        _swap_in(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return log


def build_with_engine(
    settings: Settings,
    out_dir: Path,
    *,
    synthetic: bool,
    site_dir: Path | None = None,
    exclude_docs: str | None = None,
) -> str:
    """The engine's strict build into ``out_dir``; its output, or PublishError quoting it.

    Strict mode turns every warning (a broken link, a missing image) into a failure. Not with
    ``--quiet``: it raises MkDocs' log level above WARNING, so strict mode never sees a
    warning and a broken site built "successfully". The output is captured instead, and on
    failure summarised (``mkdocs_failure``); ``site_dir`` is the folder the build is for,
    named in the message instead of the build folder. Zensical, which ignores
    ``exclude_docs``, builds from a copy of the content folder without the excluded files, in
    the folder of mkdocs.yml (``generator.site.engine``).
    """
    engine = engine_of(settings)
    env = mkdocs_env(settings, synthetic=synthetic, site_dir=out_dir, exclude_docs=exclude_docs)
    if engine.honours_exclude_docs:
        return _run_build(engine, settings, env, out_dir, site_dir or out_dir)
    clear_zensical_work(settings)  # what a killed build left
    work = zensical_work_dir(settings)
    try:
        stage_docs(settings.content_dir, env.get("ROTATION_EXCLUDE_DOCS", exclude_docs), work / "docs")
        inside = out_dir.resolve().is_relative_to(settings.mkdocs_yml.parent.resolve())
        target = out_dir if inside else work / "site"
        # Relative: Zensical 0.0.73 panics on an absolute docs_dir ("invariant: Id(Format(Path(RootDir)))").
        env["ROTATION_DOCS_DIR"] = os.path.relpath(work / "docs", settings.mkdocs_yml.parent)
        env["ROTATION_SITE_DIR"] = str(target)
        log = _run_build(engine, settings, env, target, site_dir or out_dir)
        if not inside:  # Zensical writes only inside the folder of mkdocs.yml
            for entry in sorted(target.iterdir()):
                try:
                    shutil.move(entry, out_dir / entry.name)
                except OSError as exc:
                    raise write_failure(out_dir / entry.name, exc) from exc
        return log
    finally:
        clear_zensical_work(settings)


def _run_build(
    engine: SiteEngine, settings: Settings, env: dict[str, str], out_dir: Path, site_dir: Path
) -> str:
    command = engine.build_command(settings.mkdocs_yml)
    result = subprocess.run(
        command, cwd=settings.root, env=env, capture_output=True, text=True, preexec_fn=child_preexec()
    )
    output = result.stdout + result.stderr
    if result.returncode:
        raise mkdocs_failure(output, out_dir, site_dir, engine=engine.module)
    return output


# The last line of a Python traceback for an OSError: "OSError: [Errno 28] No space left on
# device", "PermissionError: [Errno 13] Permission denied: '/site/index.html'".
OS_ERROR_LINE = re.compile(r"^(?:\w+\.)*\w+: \[Errno (?P<errno>\d+)\] (?P<reason>.+?)(?:: '(?P<path>.*)')?$")
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO}
MKDOCS_TAIL_LINES = 15


def mkdocs_failure(output: str, out_dir: Path, site_dir: Path, *, engine: str = "mkdocs") -> GeneratorError:
    """The error for a failed MkDocs run, from its output.

    MkDocs stopped by the operating system (a full disk, a read-only or vanished folder: an
    OSError in its traceback) is one line naming the folder and the reason; its traceback
    says nothing more an editor can act on. Any other failure (a broken link, a missing
    image) keeps MkDocs' last lines, which name the page to fix.
    """
    lines = output.strip().splitlines()
    found = OS_ERROR_LINE.match(lines[-1]) if lines else None
    if found is not None:
        reason = found["reason"]
        path = found["path"]
        if path is not None:
            shown = path.replace(str(out_dir), str(site_dir), 1)
            inside = Path(path).is_relative_to(out_dir)
            verb = "write" if inside else "read"
            return (WriteError if inside else PublishError)(
                f"{engine} build could not {verb} {shown}: {reason} (the previous site was kept)"
            )
        if int(found["errno"]) in WRITE_ERRNOS:
            return WriteError(
                f"could not write the site into {site_dir}: {reason} (the previous site was kept)"
            )
        return PublishError(f"{engine} build failed: {reason} (the previous site was kept)")
    tail = "\n".join(lines[-MKDOCS_TAIL_LINES:])
    return PublishError(f"{engine} build --strict failed (the previous site was kept):\n{tail}")


def _swap_in(staging: Path, site_dir: Path) -> None:
    """Replace ``site_dir`` by the complete build in ``staging`` (two renames), then drop the old."""
    old = staging.with_name(staging.name.replace(".build-", ".old-", 1))
    try:
        if site_dir.exists():
            os.rename(site_dir, old)
        try:
            replace_durably(staging, site_dir)
        except BaseException:
            if old.exists() and not site_dir.exists():
                replace_durably(old, site_dir)  # interrupted between the renames: the old site goes back
            raise
    except OSError as exc:
        raise write_failure(site_dir, exc, "replace") from exc
    if old.exists():
        _retire(old, site_dir)


def _retire(old: Path, site_dir: Path) -> None:
    """Delete an old site, keeping its dot-entries (``.git``, which MkDocs' clean build keeps too).

    The build stamp is not kept: it describes the old site, and the new build writes its own.
    """
    moved = False
    for entry in sorted(old.iterdir()):
        if entry.name == STAMP_NAME or not entry.name.startswith(".") or (site_dir / entry.name).exists():
            continue
        try:
            os.rename(entry, site_dir / entry.name)
        except OSError as exc:
            raise write_failure(site_dir / entry.name, exc, "move") from exc
        moved = True
    if moved:
        fsync_folder(site_dir)  # the kept entries are in the new site before the old one goes
    remove_tree(old)


def recover_site_dir(site_dir: Path) -> None:
    """Clear what a killed build left beside ``site_dir``; put the old site back if none is in place."""
    parent = site_dir.parent
    if not parent.is_dir():
        return
    for staging in sorted(parent.glob(f".{site_dir.name}.build-*")):
        remove_tree(staging)
    for old in sorted(parent.glob(f".{site_dir.name}.old-*")):
        if not site_dir.exists():
            try:
                replace_durably(old, site_dir)
            except OSError as exc:
                raise write_failure(site_dir, exc, "restore") from exc
        else:
            _retire(old, site_dir)


def run_mkdocs_unless_unchanged(
    settings: Settings, site_dir: Path, issues: Sequence[PublishedIssue], *, full: bool
) -> tuple[bool, str]:
    """Run the site engine into ``site_dir`` unless its stamp says nothing changed.

    Returns (skipped, the engine's output).

    MkDocs leaves out every content file no published issue shows (``generator.site.unpublished``),
    and the built site is checked for them and for broken links (``generator.site.linkcheck``)
    before it replaces the previous one. The stamp is written only after MkDocs succeeded, so
    a failed build is never skipped.
    """
    layout = Layout.of(settings)
    hidden = unpublished.unpublished_files(layout.content, layout.posts, layout.issue_charts_root, issues)
    if not settings.site.public_guide:  # the editor's guide is no page of the public site
        hidden = [*hidden, GUIDE_PAGE]
    synthetic = any(i.synthetic for i in issues)
    stamp.sweep_stamp_temps(site_dir)  # a killed stamp write; the stamp itself is then stale
    excluded = unpublished.exclude_docs(hidden)
    env = mkdocs_env(settings, synthetic=synthetic, exclude_docs=excluded)
    theme = (layout.mkdocs_yml, layout.overrides, layout.hooks)
    inputs = stamp.current_inputs(layout.content, *theme, site_dir, env)
    if not full and stamp.is_fresh(stamp.read_stamp(site_dir), inputs, stamp.current_site(site_dir)):
        return True, ""
    log = run_mkdocs_build(
        settings,
        site_dir,
        synthetic=synthetic,
        exclude_docs=excluded,
        check=lambda out: _check_built(out, hidden, settings.site.url),
    )
    stamp.write_stamp(site_dir, inputs)
    return False, log


def _check_built(out_dir: Path, hidden: Sequence[str], site_url: str) -> None:
    """The staged site holds nothing unpublished and no broken link (``site.linkcheck``)."""
    unpublished.check_site(out_dir, hidden)
    require_links(out_dir, site_url=site_url)


def posts_to_build(posts_dir: Path, known_tickers: Sequence[str]) -> PostScan:
    """The posts folder read once for a build: every published issue, refused when two would be
    the same page or a frozen chart changed; the drafts that do not parse are skipped (named).
    """
    scan = scan_posts(posts_dir, known_tickers)
    check_unique_urls(scan.published)
    check_frozen_charts(scan.published)
    return scan


@dataclass(frozen=True)
class Preview:
    """What `rotation serve` passes MkDocs, and the drafts it left out."""

    synthetic: bool
    exclude_docs: str
    warnings: list[str]


def preview(settings: Settings) -> Preview:
    """`rotation serve`: drafts are previewed, except those that do not parse and the copies
    beside a post (they would take the post's URL). Zensical, which ignores ``exclude_docs``,
    reads them too: a warning names them.
    """
    layout = Layout.of(settings)
    scan = scan_posts(layout.posts, settings.tickers)
    hidden = unpublished.preview_files(layout.content, layout.posts, [s.path for s in scan.skipped])
    warnings = [str(s) for s in scan.skipped]
    if hidden and not engine_of(settings).honours_exclude_docs:
        shown = ", ".join(hidden[:3]) + (", ..." if len(hidden) > 3 else "")
        warnings.append(
            f"Zensical previews every file of {layout.content.name}/ (it ignores exclude_docs), "
            f"so the preview also reads {shown}; `rotation build` leaves them out"
        )
    return Preview(any(i.synthetic for i in scan.published), unpublished.exclude_docs(hidden), warnings)


def run_mkdocs_serve(settings: Settings, shown: Preview, address: str) -> int:
    """The engine's live preview of ``shown`` on ``address`` (HOST:PORT); its exit code.

    The address is tried first (``check_address_free``): MkDocs reports a busy port with a
    long traceback, after it has built the whole site. Zensical previews the content folder
    as it is (it ignores ``exclude_docs``: README, Zensical).
    """
    check_address_free(address)
    env = mkdocs_env(settings, synthetic=shown.synthetic, exclude_docs=shown.exclude_docs)
    command = engine_of(settings).serve_command(settings.mkdocs_yml, address)
    return subprocess.call(command, cwd=settings.root, env=env, preexec_fn=child_preexec())


def check_address_free(address: str) -> None:
    """Bind ``address`` (HOST:PORT) and let it go again; PublishError naming it if it is taken.

    The socket is bound as MkDocs' server binds it (SO_REUSEADDR: a port whose last
    connection is still closing counts as free).
    """
    host, _, port = address.rpartition(":")
    bare = host.strip("[]")
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((bare, int(port)))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PublishError(
                    f"{address} is in use (another `rotation serve`, or another program, listens "
                    f"there); stop it, or serve elsewhere with --address {host}:{int(port) + 1}"
                ) from None
            reason = exc.strerror or str(exc)
            raise PublishError(f"cannot serve on {address}: {reason}; give another --address") from None
