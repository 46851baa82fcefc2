"""MkDocs hook: the RSS feeds are well-formed XML whatever a title or an author holds, every
item carries its issue's lead chart (an ``<enclosure>``, the JSON feed's ``image``) and its
categories (the blog categories, then the tickers), and an image is linked where it is.

mkdocs-rss-plugin (1.19, and its main branch) renders ``rss.xml.jinja2`` with autoescaping
off (``select_autoescape(["html", "xml"])`` looks at the template's name, which ends in
``.jinja2``) and prints the site title (in ``<image>`` and ``<source>``), each author and the
enclosure URL unescaped: ``S&P`` in the site title made the feed invalid XML, and ``<`` in an
author wrote markup into it. It also builds an image's URL by appending the path to the site
URL, though the path is relative to the post, and ``../../assets/x.png`` pointed outside the
site.

After the plugin wrote its feeds, this hook sets each item's enclosure to the issue's lead
chart (front matter ``image``, else the chart the home page shows) where MkDocs copied it,
with its type and size, sets its categories, and renders the plugin's own template again
from the plugin's own feed data with autoescaping on (the ``|e`` the template already has
is then a no-op), and writes the JSON feeds again with the corrected image URLs. The
plugin's objects are used as they are: if a later version renames them, the build fails
here rather than publishing a broken feed.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import asdict
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import jinja2
from mkdocs.plugins import event_priority

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp", ".svg": "image/svg+xml"}


def _lead_image(page: Any) -> str | None:
    """The issue's lead chart relative to its post: front matter ``image``, else the chart the
    site's home page and social card use (generator.ledger.lead_image, from the post's text).
    """
    meta = page.meta or {}
    if isinstance(meta.get("image"), str):
        return str(meta["image"])
    try:
        from generator.calls.ledger import lead_image
        from generator.posts import read_front_matter
    except ImportError:  # MkDocs run without the package: the plugin's own image, if any
        return None
    _, body = read_front_matter(Path(page.abs_src_path))
    return lead_image(meta, body)


def _enclosure_at_its_address(entry: Any, site_url: str, site_dir: Path) -> None:
    """The item's enclosure is the issue's lead chart, linked where MkDocs copies it: the same
    path from the content folder, under the site's URL, with its type and size in bytes.
    """
    page = entry._mkdocs_page_ref
    image = _lead_image(page) if page is not None else None
    if not isinstance(image, str) or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:|^/", image):
        return
    path = posixpath.normpath(posixpath.join(posixpath.dirname(page.src_uri), image.strip()))
    copied = site_dir / path
    if path.startswith("../") or not copied.is_file():
        return
    kind = IMAGE_TYPES.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")
    entry.image = (urljoin(site_url, quote(path)), kind, copied.stat().st_size)


def _categories(entry: Any) -> None:
    """The item's categories: the issue's blog categories, then its tags (its tickers)."""
    page = entry._mkdocs_page_ref
    meta = (page.meta or {}) if page is not None else {}
    words = [*(meta.get("categories") or []), *(meta.get("tags") or [])]
    found = [str(w) for w in words if isinstance(w, (str, int, float))]
    if found:
        entry.categories = list(dict.fromkeys(found))


def _render(template: jinja2.Template, feed: Any, *, pretty: bool) -> str:
    """The plugin's rendering: the feed object when pretty-printing, else its dict, with each
    newline turned into a space and runs of spaces made one (mkdocs_rss_plugin.plugin).
    """
    if pretty:
        return template.render(feed=feed)
    return re.sub(" {2,}", " ", template.render(feed=asdict(feed)).replace("\n", " "))


@event_priority(-100)  # after mkdocs-rss-plugin's on_post_build (priority 0) wrote the feeds
def on_post_build(config: Any) -> None:
    """Write the RSS feeds again, escaped, and the JSON feeds with the corrected images."""
    plugin = config.plugins.get("rss")
    if plugin is None or not plugin.config.enabled:
        return
    site = Path(config.site_dir)
    names = plugin.config.feeds_filenames
    pretty = bool(plugin.config.pretty_print)
    env = jinja2.Environment(
        autoescape=True,
        loader=jinja2.FileSystemLoader(plugin.tpl_folder),
        lstrip_blocks=not pretty,
        trim_blocks=not pretty,
    )
    template = env.get_template(plugin.tpl_file.name)
    feeds = (
        (plugin.feed_created, "created", names.rss_created, names.json_created),
        (plugin.feed_updated, "updated", names.rss_updated, names.json_updated),
    )
    for feed, _, _, _ in feeds:
        for entry in feed.entries:
            _enclosure_at_its_address(entry, config.site_url or "", site)
            _categories(entry)
    for feed, date_field, rss_name, json_name in feeds:
        if plugin.config.rss_feed_enabled:
            for entry in feed.entries:  # the entries are shared by both feeds: set the date each time
                entry.pub_date = format_datetime(getattr(entry, date_field))
            (site / rss_name).write_text(_render(template, feed, pretty=pretty), encoding="UTF8")
        if plugin.config.json_feed_enabled:
            with (site / json_name).open(mode="w", encoding="UTF8") as out:
                json.dump(plugin.util.feed_to_json(feed), out, indent=4 if pretty else None)
