"""Property: no value typed into newsletter.toml or an issue's front matter runs in a reader's
browser or breaks a feed.

Every payload in every text field is either refused before the build, by an error naming the
field (and its line, in newsletter.toml), or built into every page and feed as the text that
was typed. The whole matrix of fields x payloads is checked at the validators (fast); then one
site carrying every accepted payload at once is built with `rotation build` and each page is
parsed with an HTML parser, the RSS feeds and the sitemap with a strict XML parser and the JSON
feeds with json (one build, about 20 s).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from generator import pipeline
from generator.calls.ledger import read_issue
from generator.cli import cli
from generator.config import load_settings
from generator.errors import ConfigError, DraftError
from generator.safetext import character_reference
from tests.fuzzing import FUZZ
from tests.helpers import DEMO, make_workspace
from tests.pagecheck import live_html, page_text, site_scripts

PAYLOADS = {
    "quote": 'Rot" onmouseover="alert(1)',
    "apostrophe": "Rot' onmouseover='alert(2)' x='",
    "break-out": "'\"><script>alert(3)</script>",
    "script": "<script>alert(4)</script>",
    "js-url": "javascript:alert(5)",
    "data-url": "data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg==",
    "ampersand": "S&P 500 & R&D, AT&T",
    "references": "&amp; &lt;b&gt; &#34; &copy",
    "refresh": '0;url=https://evil.example/" http-equiv="refresh',
    "control": "bell\x07 escape\x1b delete\x7f",
    "long": " ".join(["long"] * 1500),
    "title-close": "</title><script>alert(7)</script>",
    "cdata": "]]><![CDATA[x",
    "template": "{{ 7*7 }}{% if 1 %}x{% endif %}",
    "markdown": "[x](javascript:alert(8)) ![y](data:x) {: onclick=x }",
    "comment": "<!-- more -->",
    "line-break": "one\ntwo",
}
EVERY = set(PAYLOADS)
MARKUP = {name for name, text in PAYLOADS.items() if "<" in text or ">" in text}
BRACKETS = {name for name, text in PAYLOADS.items() if set(text) & set("[]{}")}
CONTROL = {"control"}
LINE_BREAK = {"line-break"}
REFERENCES = {"references"}
LONG = {"long"}

# newsletter.toml: each text field the site prints, and the payloads refused in it.
CONFIG_REFUSED = {
    "site.title": MARKUP | CONTROL | LINE_BREAK,
    "site.author": MARKUP | CONTROL | LINE_BREAK,
    "site.description": MARKUP | CONTROL,
    "site.url": EVERY,  # none is an http(s) address
    "groups.size.label": CONTROL | LINE_BREAK | LONG,  # a label is a blog category: it names a page
    "groups.size.category": CONTROL | LINE_BREAK | LONG,
    "groups.size.names.IWM": CONTROL | LINE_BREAK,
    "groups.sectors.names.XLK": CONTROL | LINE_BREAK,
    "pairs.0.label": CONTROL | LINE_BREAK,
    "pairs.0.category": CONTROL | LINE_BREAK | LONG,
}
CLEAN = {
    "site.title": "Rotation Desk",
    "site.url": "https://example.org/letter/",
    "site.author": "The Desk",
    "site.description": "A weekly letter.",
    "groups.size.label": "Size",
    "groups.size.category": "size",
    "groups.size.names.IWM": "Small caps",
    "groups.sectors.names.XLK": "Technology",
    "pairs.0.label": "Small vs large",
    "pairs.0.category": "size",
}


def toml_string(value: str) -> str:
    """A TOML basic string holding ``value`` exactly (control characters as \\u escapes)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'


def config_text(values: dict[str, str]) -> str:
    """A small workspace config (six ETFs, one pair) with ``values`` in its text fields."""
    v = {**CLEAN, **values}
    q = {key: toml_string(text) for key, text in v.items()}
    return f"""benchmark = "SPY"
[site]
title = {q["site.title"]}
url = {q["site.url"]}
author = {q["site.author"]}
description = {q["site.description"]}
[data]
source = "demo"
[groups.size]
label = {q["groups.size.label"]}
benchmark = "SPY"
category = {q["groups.size.category"]}
tickers = ["IWB", "IWM"]
names = {{ IWB = "Large caps", IWM = {q["groups.size.names.IWM"]} }}
[groups.sectors]
label = "Sectors"
benchmark = "SPY"
category = "sectors"
tickers = ["XLK", "XLE", "XLF"]
names = {{ XLK = {q["groups.sectors.names.XLK"]}, XLE = "Energy" }}
[[pairs]]
long = "IWM"
short = "IWB"
label = {q["pairs.0.label"]}
category = {q["pairs.0.category"]}
[issue]
sections = ["stories", "calls", "dashboard", "data_notes"]
dashboard = ["size", "sectors", "bases"]
[charts]
dark_variants = false
rrg_groups = ["sectors"]
"""


def config_line(text: str, field: str) -> int:
    """The line of ``field`` (``site.title``, ``groups.size.names.IWM``, ``pairs.0.label``)."""
    parts = field.split(".")
    section = {"site": "[site]", "pairs": "[[pairs]]"}.get(parts[0], f"[{parts[0]}.{parts[1]}]")
    key = "names" if "names" in parts else parts[-1]
    lines = text.splitlines()
    start = lines.index(section)
    return next(n for n, line in enumerate(lines[start:], start + 1) if line.startswith(key + " ="))


def _settings_value(settings: Any, field: str) -> str:
    if ".names." in field:
        group, ticker = field.split(".")[1], field.split(".")[-1]
        return str(settings.groups[group].names[ticker])
    node = settings
    for part in field.split("."):
        node = (
            node[int(part)]
            if part.isdigit()
            else node[part]
            if isinstance(node, dict)
            else getattr(node, part)
        )
    return str(node)


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
@pytest.mark.parametrize("field", sorted(CONFIG_REFUSED))
def test_a_payload_in_newsletter_toml_is_refused_with_its_line_or_kept_as_typed(tmp_path, field, payload):
    text = config_text({field: PAYLOADS[payload]})
    path = tmp_path / "newsletter.toml"
    path.write_text(text, encoding="utf-8")
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        assert payload in CONFIG_REFUSED[field], f"{field} refused {payload}: {exc}"
        assert str(exc).startswith("newsletter.toml has 1 problem:"), exc
        assert f"newsletter.toml:{config_line(text, field)}: {field}: " in str(exc), exc
    else:
        assert payload not in CONFIG_REFUSED[field], f"{field} accepted {payload}"
        assert _settings_value(settings, field) == PAYLOADS[payload]


# An issue's front matter: each field the theme, the ledger or the feeds print, the payloads
# refused in it, and where it goes in a post.
FRONT_REFUSED = {
    "title": MARKUP | CONTROL | LINE_BREAK | REFERENCES | BRACKETS,  # the blog reads it as Markdown
    "categories": MARKUP | CONTROL | LINE_BREAK | REFERENCES | BRACKETS | LONG,  # and names a page
    "description": MARKUP | CONTROL | REFERENCES,
    "author": MARKUP | CONTROL | LINE_BREAK | REFERENCES,
    "thesis": set(),  # the ledger and the issue's call list escape it
    "call category": set(),
    "image": EVERY,  # a path to an image file of the content folder, nothing else
    "slug": EVERY,  # letters, digits, '-', '_', '.'
    "tags": EVERY,  # the ticker rule
}


def front_matter(as_of: date, slug: str, values: dict[str, str], *, entry: float = 100.0) -> dict[str, Any]:
    call = {
        "id": f"{slug}-long-iwm",
        "position": "long IWM",
        "category": values.get("call category", "size"),
        "thesis": values.get("thesis", "Small caps broke out."),
        "entry": {"IWM": entry},
        "horizon_weeks": 13,
        "stop_pct": -4.0,
    }
    meta: dict[str, Any] = {
        "title": values.get("title", "An issue"),
        "date": as_of,
        "slug": values.get("slug", slug),
        "draft": True,
        "categories": [values.get("categories", "Size")],
        "tags": [values.get("tags", "IWM")],
        "description": values.get("description", "What the week did."),
        "author": values.get("author", "The Desk"),
        "rotation": {"as_of": as_of, "source_spec": "demo", "synthetic": True, "published_at": None},
        "calls": [call],
        "closes": [],
    }
    if "image" in values:
        meta["image"] = values["image"]
    return meta


def write_post(folder: Path, meta: dict[str, Any], name: str = "payload") -> Path:
    path = folder / f"{meta['date']}-{name}.md"
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10**6)
    path.write_text(
        f"---\n{front}---\n\nThe week, in words.\n\n<!-- more -->\n\nMore words.\n", encoding="utf-8"
    )
    return path


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
@pytest.mark.parametrize("field", sorted(FRONT_REFUSED))
def test_a_payload_in_front_matter_is_refused_naming_the_post_and_field_or_kept(tmp_path, field, payload):
    posts = tmp_path / "content" / "issues" / "posts"
    posts.mkdir(parents=True)
    meta = front_matter(date(2026, 6, 19), "2026-06-19-x", {field: PAYLOADS[payload]})
    meta["draft"] = False
    path = write_post(posts, meta)
    try:
        issue = read_issue(path, ["IWM", "IWB", "SPY"])
    except DraftError as exc:
        assert payload in FRONT_REFUSED[field], f"{field} refused {payload}: {exc}"
        named = "call" if field in ("thesis", "call category") else field
        assert str(exc).startswith(f"{path.name}: {named}") or str(exc).startswith(f"{path.name}:"), exc
        assert named in str(exc), exc
    else:
        assert payload not in FRONT_REFUSED[field], f"{field} accepted {payload}"
        shown = {
            "title": issue.title,
            "description": issue.description,
            "categories": issue.categories[0],
            "thesis": issue.calls[0].thesis,
            "call category": issue.calls[0].category,
        }
        if field in shown:
            assert shown[field] == PAYLOADS[payload]


# Text made of what matters to HTML, XML, URLs, YAML and Markdown.
TOKENS = [
    *"<>\"'&;:=/ \t\n\r\x00\x07\x1b\x7f\x85\ufffe\u2028-_.%#?@[]{}()!`*a",
    "é",
    "&amp;",
    "&copy",
    "&#34;",
]
risky_text = st.lists(st.sampled_from(TOKENS), max_size=12).map("".join)
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe]")


@FUZZ
@given(title=risky_text, url=risky_text)
def test_any_site_title_and_url_is_refused_with_its_line_or_safe_to_print(tmp_path_factory, title, url):
    path = tmp_path_factory.mktemp("cfg") / "newsletter.toml"
    text = f"[site]\ntitle = {toml_string(title)}\nurl = {toml_string('https://e.org/' + url)}\n"
    path.write_text(text, encoding="utf-8")
    try:
        site = load_settings(path).site
    except ConfigError as exc:
        assert re.search(r"newsletter\.toml:[23]: site\.(title|url): ", str(exc)), exc
    else:
        assert site.title == title and not re.search(r"[<>\n\r]", title) and not UNPRINTABLE.search(title)
        assert re.fullmatch(r"https://e\.org/[A-Za-z0-9._~%/:@!$+,;=-]*", site.url), site.url


@FUZZ
@given(title=risky_text, description=risky_text, author=risky_text, category=risky_text)
def test_any_front_matter_text_is_refused_naming_the_post_and_field_or_prints_as_typed(
    tmp_path_factory, title, description, author, category
):
    meta = front_matter(
        date(2026, 6, 19),
        "2026-06-19-x",
        {"title": title or "T", "description": description, "author": author, "categories": category or "C"},
    )
    path = write_post(tmp_path_factory.mktemp("fm"), {**meta, "draft": False})
    try:
        issue = read_issue(path, ["IWM"])
    except DraftError as exc:
        assert re.match(
            rf"{re.escape(path.name)}(:\d+)?: (title|description|author|categories) ", str(exc)
        ), exc
    else:
        for text in (issue.title, issue.description, author, *issue.categories):
            assert not re.search(r"[<>]", text) and not UNPRINTABLE.search(text)
            assert character_reference(text) is None
        for text in (issue.title, author, *issue.categories):
            assert not re.search(r"[\n\r]", text)
        for text in (issue.title, *issue.categories):
            assert not re.search(r"[\[\]{}]", text)


@dataclass(frozen=True)
class PayloadSite:
    """A built site carrying every accepted payload."""

    workspace: Path
    site: Path
    theme_scripts: set[str]  # every script of the same site built clean
    config: dict[str, str]  # the text fields of newsletter.toml, as typed
    posts: dict[str, dict[str, Any]]  # slug -> the payload issue's front matter
    image_url: str  # where the feed must point for the issue with an image


def accepted(refused: dict[str, set[str]], field: str) -> list[str]:
    return [name for name in sorted(PAYLOADS) if name not in refused[field]]


@pytest.fixture(scope="module")
def _payload_site(tmp_path_factory) -> tuple[PayloadSite, set[str]]:
    """The site full of payloads built with Material, and the scripts Zensical's theme writes."""
    ws = make_workspace(tmp_path_factory.mktemp("payloads") / "ws")
    config = ws / "newsletter.toml"
    config.write_text(config_text({}), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config), "demo", "--weeks", "1"])
    assert result.exit_code == 0, result.output
    theme = site_scripts(ws / "site")
    zensical = load_settings(config, **{"site.engine": "zensical"})
    pipeline.build_site(zensical, site_dir=ws / "clean-zensical")
    zensical_theme = site_scripts(ws / "clean-zensical")

    # newsletter.toml: every payload a field accepts, at once (the names one per ticker).
    values = {f: " ".join(PAYLOADS[p] for p in accepted(CONFIG_REFUSED, f)) for f in CONFIG_REFUSED}
    values["site.url"] = CLEAN["site.url"]
    for field, refused in CONFIG_REFUSED.items():
        if "long" in refused and field != "site.url":  # a label or category is at most 60 characters
            values[field] = PAYLOADS["break-out"]
    values["groups.size.names.IWM"] = PAYLOADS["break-out"]
    values["groups.sectors.names.XLK"] = PAYLOADS["refresh"]
    config.write_text(config_text(values), encoding="utf-8")
    settings = load_settings(config)
    prices = pipeline.load_prices(settings, DEMO)

    # One issue per payload, the payload in every front-matter field that accepts it.
    demo_post = next((ws / "content/issues/posts").glob("*.md"))
    demo_day = date.fromisoformat(demo_post.name[:10])
    image = next((ws / "content/assets/charts" / demo_day.isoformat()).glob("*.png"))
    posts: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(sorted(PAYLOADS)):
        as_of = demo_day - timedelta(weeks=k + 1)
        slug = f"{as_of}-payload-{k}"
        fields = {f: PAYLOADS[name] for f, refused in FRONT_REFUSED.items() if name not in refused}
        if k == 0:
            fields["image"] = "../../" + image.relative_to(ws / "content").as_posix()
        close = prices.close["IWM"][prices.close.index <= str(as_of)].iloc[-1]
        meta = front_matter(as_of, slug, fields, entry=round(float(close), 2))
        path = write_post(ws / "content/issues/posts", meta, f"payload-{k}")
        result = runner.invoke(cli, ["--config", str(config), "publish", str(path)])
        assert result.exit_code == 0, result.output
        posts[slug] = meta
    result = runner.invoke(cli, ["--config", str(config), "build"])
    assert result.exit_code == 0, result.output
    image_url = values["site.url"] + image.relative_to(ws / "content").as_posix()
    return PayloadSite(ws, ws / "site", theme, values, posts, image_url), zensical_theme


@pytest.fixture(scope="module", params=["material", "zensical"])
def payload_site(request, _payload_site) -> PayloadSite:
    """The same workspace built by each engine ([site] engine)."""
    site, zensical_theme = _payload_site
    if request.param == "material":
        return site
    settings = load_settings(site.workspace / "newsletter.toml", **{"site.engine": "zensical"})
    pipeline.build_site(settings, site_dir=site.workspace / "site-zensical")
    return replace(site, site=site.workspace / "site-zensical", theme_scripts=zensical_theme)


def squeeze(text: str) -> str:
    """Whitespace as a browser shows it (and as the RSS plugin writes it): runs become one space."""
    return " ".join(text.split())


def issue_page(site: PayloadSite, slug: str) -> Path:
    return next(site.site.glob(f"issues/*/*/{slug}/index.html"))


def test_no_page_of_a_site_full_of_payloads_holds_live_markup(payload_site: PayloadSite):
    pages = sorted(payload_site.site.rglob("*.html"))
    assert len(pages) > 30
    for page in pages:
        assert live_html(page.read_text(encoding="utf-8"), payload_site.theme_scripts) == [], page


def test_every_page_shows_the_site_title_author_and_description_as_typed(payload_site: PayloadSite):
    title = squeeze(payload_site.config["site.title"])
    for page in sorted(payload_site.site.rglob("*.html")):
        shown = page_text(page.read_text(encoding="utf-8"))
        assert squeeze(shown.title).endswith(title), page
        assert shown.header_topics[0] == title, page
        assert squeeze(shown.meta["og:site_name"]) == title, page
        if page.parent == payload_site.site / "issues":
            assert squeeze(shown.meta["description"]) == squeeze(payload_site.config["site.description"])
            assert squeeze(shown.meta["author"]) == squeeze(payload_site.config["site.author"])


def test_every_issue_shows_its_front_matter_as_typed(payload_site: PayloadSite):
    for slug, meta in payload_site.posts.items():
        shown = page_text(issue_page(payload_site, slug).read_text(encoding="utf-8"))
        site_title = squeeze(payload_site.config["site.title"])
        assert squeeze(shown.title) == f"{squeeze(meta['title'])} - {site_title}", slug
        assert shown.headings[0] == squeeze(meta["title"]), slug
        assert shown.header_topics[1] == squeeze(meta["title"]), slug
        assert squeeze(shown.meta["description"]) == squeeze(meta["description"]), slug
        assert squeeze(shown.meta["og:description"]) == squeeze(meta["description"]), slug
        assert squeeze(shown.meta["author"]) == squeeze(meta["author"]), slug
        call = meta["calls"][0]
        # The position as typed, then its score (a hook: Material only) or, under Zensical, the thesis.
        assert f" {call['position']}" in shown.of("rd-issue-calls")[0]
        assert squeeze(shown.of("rd-issue-calls__thesis")[0]) == squeeze(call["thesis"])
        assert f"in {squeeze(meta['categories'][0])}" in shown.of("md-post__meta")[0], slug


def test_the_ledger_and_ticker_pages_show_names_theses_and_categories_as_typed(payload_site: PayloadSite):
    ledger = page_text((payload_site.site / "calls/index.html").read_text(encoding="utf-8")).of("td")
    for meta in payload_site.posts.values():
        assert squeeze(meta["calls"][0]["category"]) in ledger
        thesis = squeeze(meta["calls"][0]["thesis"])
        call = page_text((payload_site.site / "calls" / f"{meta['slug']}-long-iwm/index.html").read_text())
        assert thesis in call.of("blockquote")
        assert squeeze(call.meta["description"]) == thesis
    iwm = page_text((payload_site.site / "tickers/iwm/index.html").read_text(encoding="utf-8"))
    assert f"IWM: {PAYLOADS['break-out']}" in iwm.headings
    xlk = page_text((payload_site.site / "tickers/xlk/index.html").read_text(encoding="utf-8"))
    assert f"XLK: {squeeze(PAYLOADS['refresh'])}" in xlk.headings


def _rss(path: Path) -> ET.Element:
    return ET.parse(path).getroot()  # strict: any unescaped '&' or '<' is a ParseError


def test_the_rss_feeds_are_well_formed_xml_holding_the_text_typed(payload_site: PayloadSite):
    for name in ("feed_rss_created.xml", "feed_rss_updated.xml"):
        channel = _rss(payload_site.site / name).find("channel")
        assert channel is not None
        title = squeeze(payload_site.config["site.title"])
        assert channel.findtext("title") == title
        assert channel.findtext("image/title") == title
        assert channel.findtext("managingEditor") == squeeze(payload_site.config["site.author"])
        # Squeezed: Zensical keeps a description's line break, Material's plugin writes a space.
        description = squeeze(channel.findtext("description") or "")
        assert description == squeeze(payload_site.config["site.description"])
        items = {
            item.findtext("link", "").rstrip("/").rsplit("/", 1)[-1]: item for item in channel.iter("item")
        }
        for slug, meta in payload_site.posts.items():
            item = items[slug]
            assert item.findtext("title") == squeeze(meta["title"])
            assert squeeze(item.findtext("description") or "") == squeeze(meta["description"])
            assert item.findtext("author") == squeeze(meta["author"])
            assert item.findtext("source") == title
            for element in item.iter():
                assert not set(element.attrib) & {"onmouseover", "onerror", "onclick"}


def test_the_issue_image_is_the_feed_enclosure_at_its_address(payload_site: PayloadSite):
    slug = next(s for s, m in payload_site.posts.items() if "image" in m)
    channel = _rss(payload_site.site / "feed_rss_created.xml").find("channel")
    assert channel is not None
    item = next(i for i in channel.iter("item") if slug in i.findtext("link", ""))
    enclosure = item.find("enclosure")
    assert enclosure is not None
    assert enclosure.get("url") == payload_site.image_url
    assert enclosure.get("type") == "image/png"
    image = (
        payload_site.workspace
        / "content"
        / payload_site.image_url.removeprefix("https://example.org/letter/")
    )
    assert enclosure.get("length") == str(image.stat().st_size)
    feed = json.loads((payload_site.site / "feed_json_created.json").read_text(encoding="utf-8"))
    assert next(i for i in feed["items"] if slug in i["url"])["image"] == payload_site.image_url


def test_the_json_feeds_and_sitemap_parse_and_hold_no_live_markup(payload_site: PayloadSite):
    ET.parse(payload_site.site / "sitemap.xml")
    for name in ("feed_json_created.json", "feed_json_updated.json"):
        feed = json.loads((payload_site.site / name).read_text(encoding="utf-8"))
        assert feed["title"] == payload_site.config["site.title"]
        items = {item["url"].rstrip("/").rsplit("/", 1)[-1]: item for item in feed["items"]}
        for slug, meta in payload_site.posts.items():
            assert items[slug]["title"] == meta["title"]
            assert live_html(items[slug]["content_html"]) == []
