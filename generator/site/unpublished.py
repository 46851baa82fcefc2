"""Nothing unpublished reaches the site: what MkDocs is told to leave out, and the check after it.

The content folder holds more than the published issues: drafts and the charts drawn for them
(``assets/charts/<date>/``), the copies ``rotation draft`` writes beside an edited post
(``<name>.new.md``), charts an earlier draft of a published week drew that the post no longer
shows, and, from older versions, ``--force`` backups (``<name>.bak1.txt``; they now go to
``.rotation/backups/``, outside the content folder). MkDocs copies every file of its
``docs_dir`` into the site, and Material's blog leaves out draft posts but not their charts.

How: ``rotation build`` lists, under the posts and the charts folders, every file that is not a
published post or a file a published post links to (an allow-list: a file nobody expected
there stays out too), and passes the list as gitignore patterns to mkdocs.yml's
``exclude_docs`` (``!ENV ROTATION_EXCLUDE_DOCS``). That is MkDocs' own mechanism, so Material,
the search index, the sitemap and the feeds never see those files; it needs no hook (Zensical
runs none) and leaves the files where `rotation serve` previews them. A folder of which
nothing is published is one pattern, so the list stays short (a few bytes per draft week).
After MkDocs, ``check_site`` looks into the built site before it replaces the old one: a
mkdocs.yml that lost its ``exclude_docs`` line fails the build instead of publishing drafts.
``rotation serve`` leaves out only what would break or confuse the preview: the copies beside
a post (the post's own URL), drafts that do not parse, backups.

Backups are kept out of the content folder altogether (generator.paths.BACKUPS_DIR):
no configuration, other engine or copy of content/ can publish them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from pathspec.patterns.gitwildmatch import GitWildMatchPattern

from generator.calls.ledger import PublishedIssue
from generator.errors import PublishError
from generator.posts import is_side_copy

# What MkDocs leaves out even when run on its own (mkdocs.yml's default for exclude_docs).
ALWAYS = ("*.bak*.txt", "*.new.md", "*.new[0-9]*.md")
BACKUP = re.compile(r"\.bak\d*\.txt$")
# Markdown links and images, and src/href attributes of raw HTML (two patterns: one with an
# alternation is ten times slower on a long post).
MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")
HTML_LINK = re.compile(r"(?:src|href)\s*=\s*[\"']([^\"']+)")


def linked_files(issue: PublishedIssue, posts_dir: Path) -> set[str]:
    """The local files a published post links to (its charts, anything else), as absolute paths.

    Joined and normalised without touching the disk (``posts_dir`` is the resolved folder of
    the posts): a build reads every link of every issue.
    """
    targets = MD_LINK.findall(issue.body) + HTML_LINK.findall(issue.body)
    if issue.image:
        targets.append(issue.image)
    found = set()
    for target in targets:
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target, re.I):
            continue  # a URL, an anchor, a site-absolute path
        found.add(os.path.normpath(os.path.join(posts_dir, target.split("#")[0].split("?")[0])))
    return found


def unpublished_files(
    content_dir: Path, posts_dir: Path, charts_dir: Path, issues: Sequence[PublishedIssue]
) -> list[str]:
    """Content-relative paths (a folder ends in ``/``) of everything under the posts and charts
    folders (``paths.Layout``) that is neither a published post nor linked from one.
    """
    posts = posts_dir.resolve()
    keep = {str(posts / i.path.name) for i in issues}
    for issue in issues:
        keep |= linked_files(issue, posts)
    content = str(content_dir.resolve())
    found: list[str] = []
    for folder in (posts, charts_dir.resolve()):
        if folder.is_dir():
            inner, kept = _unkept(str(folder), content, keep)
            found.extend(inner if kept or not inner else [_rel(str(folder), content) + "/"])
    return found


def _unkept(folder: str, content: str, keep: set[str]) -> tuple[list[str], bool]:
    """(what under ``folder`` is not kept, whether anything under it is); a sub-folder with
    nothing kept is one entry.
    """
    out: list[str] = []
    any_kept = False
    with os.scandir(folder) as entries:
        listed = sorted(entries, key=lambda e: e.name)
    for entry in listed:
        if entry.name.startswith("."):
            continue  # MkDocs leaves dot-files out itself
        if entry.is_dir():
            inner, kept = _unkept(entry.path, content, keep)
            any_kept |= kept
            out.extend(inner if kept or not inner else [_rel(entry.path, content) + "/"])
        elif entry.path in keep:
            any_kept = True
        else:
            out.append(_rel(entry.path, content))
    return out, any_kept


def _rel(path: str, content: str) -> str:
    return Path(os.path.relpath(path, content)).as_posix()


def preview_files(content_dir: Path, posts_dir: Path, skipped: Iterable[Path]) -> list[str]:
    """What `rotation serve` leaves out: the copies beside a post and drafts that do not parse."""
    content = content_dir.resolve()
    paths = {p.resolve() for p in skipped}
    paths |= {p.resolve() for p in posts_dir.glob("*.md") if is_side_copy(p)} if posts_dir.is_dir() else set()
    return sorted(p.relative_to(content).as_posix() for p in paths if p.is_relative_to(content))


def exclude_docs(paths: Iterable[str]) -> str:
    """``exclude_docs`` patterns (gitignore syntax, anchored at the content folder) for ``paths``."""
    lines = list(ALWAYS)
    for path in paths:
        # A name with a line break cannot be written in the list: any character matches there.
        lines.append("/" + GitWildMatchPattern.escape(path).replace("\n", "?").replace("\r", "?"))
    return "\n".join(lines) + "\n"


def check_site(site_dir: Path, paths: Iterable[str]) -> None:
    """PublishError if the built site holds a file it must not (the mkdocs.yml wiring is missing).

    Static files are copied to the same path in the site; drafts' pages are Material's to
    leave out (they are also in the list MkDocs was given).
    """
    leaked = [p for p in paths if not p.endswith(".md") and (site_dir / p.rstrip("/")).exists()]
    for root, _dirs, files in os.walk(site_dir):
        leaked += [os.path.relpath(os.path.join(root, f), site_dir) for f in files if BACKUP.search(f)]
    if leaked:
        raise PublishError(
            f"the built site would publish {', '.join(sorted(leaked)[:3])}"
            f"{' and more' if len(leaked) > 3 else ''}, which no published issue shows; "
            "mkdocs.yml must keep `exclude_docs: !ENV [ROTATION_EXCLUDE_DOCS, ...]` "
            "(the previous site was kept)"
        )
