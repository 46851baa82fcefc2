"""Where everything lives in a workspace: one ``Layout`` holds every path rule.

The configured folders come from ``[output]`` and ``[data]`` in newsletter.toml (resolved
against the folder holding it); every path under them is derived here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.config import Settings, SourceSpec

LOCK_NAME = ".rotation.lock"
# The editor's texts that `draft --force` replaced: in the workspace, outside the content
# folder, so no build can publish them (DESIGN.md principle 6).
BACKUPS_DIR = Path(".rotation") / "backups"
# The editor's guide, content-relative (a page of the site only with [site] public_guide).
GUIDE_PAGE = "editors/templates.md"


@dataclass(frozen=True)
class Layout:
    """The files and folders of one workspace."""

    root: Path  # the folder holding newsletter.toml
    content: Path  # MkDocs' docs_dir: posts, assets, generated pages
    site: Path  # the built site
    store: Path  # the price stores, one folder per source
    cache: Path  # chart cache; safe to delete
    templates: Path  # the workspace's template overrides
    mkdocs_yml: Path

    @classmethod
    def of(cls, settings: Settings) -> Layout:
        """The layout of the workspace ``settings`` were loaded from."""
        return cls(
            root=settings.root,
            content=settings.content_dir,
            site=settings.site_dir,
            store=settings.store_dir,
            cache=settings.cache_dir,
            templates=settings.templates_dir,
            mkdocs_yml=settings.mkdocs_yml,
        )

    @property
    def posts(self) -> Path:
        """The blog posts, one Markdown file per issue: ``content/issues/posts/``."""
        return self.content / "issues" / "posts"

    @property
    def issue_charts_root(self) -> Path:
        """Every issue's chart folder lives here: ``content/assets/charts/``."""
        return self.content / "assets" / "charts"

    def issue_charts(self, as_of: date) -> Path:
        """One issue's charts: ``content/assets/charts/<as_of>/`` (frozen once it is published)."""
        return self.issue_charts_root / as_of.isoformat()

    @property
    def guide_page(self) -> Path:
        """The editor's guide to templates, regenerated at every build (left out of the public
        site unless ``[site] public_guide``).
        """
        return self.content / GUIDE_PAGE

    @property
    def old_guide_page(self) -> Path:
        """Where versions before 0.2 wrote the guide (removed: it would be published)."""
        return self.content / "guide" / "templates.md"

    @property
    def chart_cache(self) -> Path:
        """PNG bytes by chart key, for every image the engine draws."""
        return self.cache / "charts"

    def store_for(self, spec: SourceSpec) -> Path:
        """The price store of one source (demo and real data never share files)."""
        return self.store / spec.key

    @property
    def yfinance_cache(self) -> Path:
        """Yfinance's timezone cache: inside the store, never ``~/.cache``."""
        return self.store / "yfinance-cache"

    @property
    def email(self) -> Path:
        """Where `rotation email` writes unless told otherwise."""
        return self.root / "email"

    @property
    def backups(self) -> Path:
        """Where `rotation draft --force` keeps the editor's replaced texts (``BACKUPS_DIR``)."""
        return self.root / BACKUPS_DIR

    @property
    def lock(self) -> Path:
        """The workspace lock every writing command holds."""
        return self.root / LOCK_NAME

    @property
    def overrides(self) -> Path:
        """The theme overrides beside mkdocs.yml."""
        return self.mkdocs_yml.parent / "overrides"

    @property
    def hooks(self) -> Path:
        """The MkDocs hooks beside mkdocs.yml (outside the theme and docs folders: Zensical copies those)."""
        return self.mkdocs_yml.parent / "hooks"
