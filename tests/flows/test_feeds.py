"""The RSS and JSON feeds of a site whose title, author, description, issue titles and
descriptions hold ``&``, quotes and non-ASCII text: each feed parses with a strict XML parser
and with feedparser (no bozo), shows the text as typed, and every item carries its issue's lead
chart (an enclosure, the JSON feed's image) and its categories (blog categories, then tickers).

``<`` and ``>`` never reach a feed: newsletter.toml and the front-matter checks refuse them in
these fields (tests/flows/test_fuzz_markup.py); the feeds hook escapes whatever the plugin prints.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feedparser
import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from tests.helpers import make_workspace

SITE_TITLE = 'S&P "Rotation" Désk: Ünïcode & more'
SITE_AUTHOR = "Ana & Bo 'AB' Müller"
SITE_DESCRIPTION = 'A letter on rotation: "small" & large caps, ≥ 1 chart a week — ça va'
TITLES = ['Small & mid caps: "breakout" ahead', "Énergie & matériaux: l'été"]
DESCRIPTIONS = ['R&D funds lead; "quotes" & apostrophes\' stay', "Ça monte: 12% ≈ a décennie's high"]


@dataclass(frozen=True)
class OddSite:
    workspace: Path
    site: Path
    posts: list[dict[str, Any]]  # the front matter of each published issue


def _set_site_text(config: Path) -> None:
    text = config.read_text(encoding="utf-8")
    for key, value in (("title", SITE_TITLE), ("author", SITE_AUTHOR), ("description", SITE_DESCRIPTION)):
        text = re.sub(
            rf'(?m)^{key} = ".*"$', f"{key} = {json.dumps(value, ensure_ascii=False)}", text, count=1
        )
    config.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def odd_site(tmp_path_factory: pytest.TempPathFactory) -> OddSite:
    ws = make_workspace(tmp_path_factory.mktemp("feeds") / "ws")
    config = ws / "newsletter.toml"
    _set_site_text(config)
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config), "demo", "--weeks", "2"])
    assert result.exit_code == 0, result.output
    posts = sorted((ws / "content/issues/posts").glob("*.md"))
    metas = []
    for path, title, description in zip(posts, TITLES, DESCRIPTIONS, strict=True):
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        meta = yaml.safe_load(front)
        meta.update(title=title, description=description)
        path.write_text(
            "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body,
            encoding="utf-8",
        )
        metas.append(meta)
    result = runner.invoke(cli, ["--config", str(config), "build"])
    assert result.exit_code == 0, result.output
    return OddSite(ws, ws / "site", metas)


RSS = ("feed_rss_created.xml", "feed_rss_updated.xml")
JSON_FEEDS = ("feed_json_created.json", "feed_json_updated.json")


@pytest.mark.parametrize("name", RSS)
def test_each_rss_feed_parses_strictly_and_with_feedparser_showing_the_text_as_typed(odd_site: OddSite, name):
    raw = (odd_site.site / name).read_bytes()
    channel = ET.fromstring(raw).find("channel")  # strict: any stray & or < raises
    assert channel is not None
    assert channel.findtext("title") == SITE_TITLE
    assert channel.findtext("description") == SITE_DESCRIPTION
    assert channel.findtext("managingEditor") == SITE_AUTHOR
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == SITE_TITLE
    assert sorted(e.title for e in parsed.entries) == sorted(TITLES)
    # feedparser gives a description as HTML: as text it is the description typed.
    assert sorted(html.unescape(e.summary) for e in parsed.entries) == sorted(DESCRIPTIONS)


@pytest.mark.parametrize("name", RSS)
def test_every_rss_item_carries_its_lead_chart_and_categories(odd_site: OddSite, name):
    channel = ET.fromstring((odd_site.site / name).read_bytes()).find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert len(items) == len(odd_site.posts)
    by_title = {m["title"]: m for m in odd_site.posts}
    for item in items:
        meta = by_title[item.findtext("title")]
        enclosure = item.find("enclosure")
        assert enclosure is not None, item.findtext("title")
        url = enclosure.get("url", "")
        assert enclosure.get("type") == "image/png"
        local = odd_site.site / url.split("/rotation-desk/", 1)[1]
        assert local.is_file() and int(enclosure.get("length", "0")) == local.stat().st_size
        assert "/assets/charts/" in url  # the lead chart, not the site's card
        categories = [c.text for c in item.findall("category")]
        assert categories == [*meta["categories"], *meta["tags"]]
        assert meta["categories"], "a demo issue has blog categories"


@pytest.mark.parametrize("name", JSON_FEEDS)
def test_each_json_feed_item_has_its_image_and_tags(odd_site: OddSite, name):
    # feedparser 6 reads XML feeds only: the JSON feed is checked by parsing it as JSON.
    feed = json.loads((odd_site.site / name).read_text(encoding="utf-8"))
    assert feed["title"] == SITE_TITLE and feed["authors"][0]["name"] == SITE_AUTHOR
    assert len(feed["items"]) == len(odd_site.posts)
    by_title = {m["title"]: m for m in odd_site.posts}
    for item in feed["items"]:
        meta = by_title[item["title"]]
        assert item["image"].endswith(".png") and "/assets/charts/" in item["image"]
        assert item["tags"] == [*meta["categories"], *meta["tags"]]
