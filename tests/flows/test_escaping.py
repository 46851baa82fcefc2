"""Untrusted text stays text: names from the data or newsletter.toml, and what an editor types
into front matter, never become live HTML in the site's pages or the email.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from functools import partial
from pathlib import Path

import markdown
import pandas as pd
import pytest
import yaml

from generator import pipeline
from generator.calls.ledger import published_issues, read_issue, score_published
from generator.cli import cli
from generator.config import load_settings
from generator.data.universe import UniverseData
from generator.errors import ConfigError, DraftError
from generator.issue.email import render_email
from generator.issue.text import html_attr, md_cell, md_text, plain_text, template_env
from generator.paths import Layout
from generator.site.model import lead_image_path
from generator.site.pages import build_site_pages
from generator.site.write import site_inputs
from tests.helpers import BuiltDemo, draft, make_workspace
from tests.pagecheck import live_html, site_scripts

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOADS = [SCRIPT, IMG, "x{ onclick=alert(1) }", "[click](javascript:alert(1))", "a|b"]
SITE_EXTENSIONS = ["admonition", "attr_list", "md_in_html", "tables", "footnotes", "def_list"]


def render_md(text: str) -> str:
    return markdown.markdown(text, extensions=SITE_EXTENSIONS)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize(
    "context",
    ["{}", "# {}", "## Latest: [{}](x.md)", "- {} since", "| a | b |\n|---|---|\n| {} | y |", "![{}](c.png)"],
)
def test_markdown_filters_keep_any_payload_as_text(payload, context):
    value = md_cell(payload) if context.startswith("|") else md_text(payload)
    html = render_md(context.format(value))
    assert live_html(html) == []
    assert "alert(1)" in html or "click" in html or "a|b" in html.replace("\\|", "|") or payload == "a|b"


def test_generated_front_matter_text_cannot_close_the_themes_meta_attribute():
    # Material prints the description as <meta name="description" content="...">, unescaped.
    name = 'ARK "Innovation" <b>x</b>" onload="alert(1)'
    text = plain_text(name)
    assert not set('<>"') & set(text)
    assert text == "ARK \u201dInnovation\u201d \u2039b\u203ax\u2039/b\u203a\u201d onload=\u201dalert(1)"


def test_html_attr_escapes_quotes_and_tags():
    assert html_attr(IMG) == "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"


def _poisoned_site(built_demo: BuiltDemo):
    """The demo's site inputs with payloads in a security name, an issue title, a thesis and a category."""
    settings = built_demo.settings
    issues = published_issues(Layout.of(settings).posts, settings.tickers)
    scores, prices = score_published(issues, partial(pipeline.load_prices, settings), settings.data.source)
    called = next(s for s in scores)
    ticker = called.call.ticker
    bad_call = dataclasses.replace(called.call, thesis=SCRIPT + IMG, category=SCRIPT)
    scores = [dataclasses.replace(s, call=bad_call) if s is called else s for s in scores]
    issues = [
        dataclasses.replace(
            i,
            title="Title " + SCRIPT,
            description="Desc " + IMG,
            calls=[bad_call if c.id == bad_call.id else c for c in i.calls],
        )
        for i in issues
    ]
    inputs = site_inputs(settings, issues, scores, prices=prices, report=None)
    inputs = dataclasses.replace(inputs, names={**inputs.names, ticker: "Name " + SCRIPT + IMG})
    return build_site_pages(template_env(settings), inputs), ticker, bad_call


def test_generated_pages_keep_names_titles_theses_and_categories_as_text(built_demo: BuiltDemo):
    site, ticker, call = _poisoned_site(built_demo)
    from generator.site.model import call_page, ticker_page

    for path, text in site.pages.items():
        if not path.endswith(".md"):  # the downloads (CSV, JSON): data, never shown as HTML
            continue
        assert live_html(render_md(text)) == [], path
    call_md = site.pages[call_page(call.id)]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in call_md  # the thesis, escaped
    assert "Category: &lt;script&gt;alert(1)&lt;/script&gt;." in call_md
    front = yaml.safe_load(call_md.split("---\n")[1])
    assert (
        front["description"]
        == "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
    )
    heading = (
        f'# {ticker}: Name &lt;script&gt;alert(1)&lt;/script&gt;"&gt;&lt;img src=x onerror=alert(1)&gt;\n'
    )
    assert heading in site.pages[ticker_page(ticker)]
    assert "Title &lt;script&gt;alert(1)&lt;/script&gt;" in site.pages["index.md"]
    assert 'Desc "&gt;&lt;img src=x onerror=alert(1)&gt;' in site.pages["index.md"]


def test_a_draft_keeps_names_labels_and_sectors_as_text(workspace: Path, demo_prices):
    settings = load_settings(workspace / "newsletter.toml", **{"data.source": "demo"})
    groups = {k: g.model_dump() for k, g in settings.groups.items()}
    groups["sectors"]["label"] = IMG + "Sectors"
    groups["sectors"]["names"]["XLK"] = SCRIPT + "Tech"
    settings = settings.model_copy(
        update={"groups": {k: type(settings.groups[k])(**v) for k, v in groups.items()}}
    )
    snapshot = pd.DataFrame(
        {
            "snapshot": pd.Timestamp("2025-10-17"),
            "ticker": ["AAA", "BBB"],
            "name": [SCRIPT, IMG],
            "sector": [SCRIPT, IMG],
            "market_cap_usd": [2e9, 3e9],
            "short_pct_float": [5.0, 6.0],
            "days_to_cover": [1.0, 2.0],
        }
    )
    prices = dataclasses.replace(demo_prices, names={**demo_prices.names, "XLK": SCRIPT + "Tech"})
    result = draft(settings, prices, date(2025, 10, 17), chart_jobs=[], universe=UniverseData(snapshot, None))
    text = result.outcome.path.read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # the sector (and the name in the table)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Tech" in body
    assert '"&gt;&lt;img src=x onerror=alert(1)&gt;Sectors' in body
    assert live_html(render_md(body)) == []
    meta = read_issue(result.outcome.path, settings.tickers)  # the front matter passes publishing
    assert "<" not in meta.title + meta.description + "".join(meta.categories)


def test_the_email_escapes_the_title_and_keeps_the_body_inert(tmp_path: Path, settings):
    content = tmp_path / "content"
    post = content / "issues" / "posts" / "2026-06-26-a.md"
    post.parent.mkdir(parents=True)
    post.write_text(
        f"---\ntitle: '{SCRIPT} {IMG}'\ndate: 2026-06-26\nslug: 2026-06-26-a\n"
        "rotation: {as_of: 2026-06-26, synthetic: false}\n---\n\n"
        f"| name | x |\n|---|---|\n| {md_cell(SCRIPT + IMG)} | 1 |\n\n"
        f"{SCRIPT}\n\n<img src=x onerror=alert(1)>\n",
        encoding="utf-8",
    )
    mail = render_email(
        template_env(settings),
        post,
        content_dir=content,
        site_url="https://e.org/",
        site_title="T & <b>",
        site_author="A",
        embed_images=False,
    )
    assert live_html(mail.html) == []
    assert (
        '<title>&lt;script&gt;alert(1)&lt;/script&gt; "&gt;&lt;img src=x onerror=alert(1)&gt;</title>'
        in mail.html
    )
    assert "T &amp; &lt;b&gt;" in mail.html
    assert "<b>" not in mail.html
    assert SCRIPT in mail.text  # the plain-text part shows the text as typed
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", mail.html, re.S)
    assert (
        heading
        and heading.group(1)
        == '&lt;script&gt;alert(1)&lt;/script&gt; "&gt;&lt;img src=x onerror=alert(1)&gt;'
    )


def test_event_handlers_are_stripped_inside_tags_only():
    from generator.issue.email import strip_active_content

    html = (
        '<p>reads onerror=x</p><img src=a onerror=alert(1)><svg/onload=alert(1)><a href="b" onclick="c">d</a>'
    )
    assert strip_active_content(html) == '<p>reads onerror=x</p><img src=a><svg><a href="b">d</a>'


def test_an_editor_title_with_markup_is_refused_before_the_theme_prints_it(tmp_path: Path):
    post = tmp_path / "2026-06-26-a.md"
    for field in ("title", "description", "categories"):
        value = f"['{SCRIPT}']" if field == "categories" else f"'{IMG}'"
        post.write_text(f"---\ndate: 2026-06-26\ndraft: false\n{field}: {value}\n---\n", encoding="utf-8")
        with pytest.raises(DraftError, match=rf"2026-06-26-a\.md: {field} .* contains '<' or '>'"):
            read_issue(post, [])


@pytest.fixture(scope="module")
def poisoned_build(tmp_path_factory) -> Path:
    """`rotation demo` (3 weeks) with payloads in display names and a group label, then a thesis
    and a call category typed into a published issue, rebuilt with `rotation build`.
    """
    from click.testing import CliRunner

    ws = make_workspace(tmp_path_factory.mktemp("xss") / "ws")
    config = ws / "newsletter.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace('XLK = "Technology"', 'XLK = "<script>alert(1)</script>Tech"')
    text = text.replace('label = "S&P 500 sectors"', 'label = "\\"><img src=x onerror=alert(1)>Sectors"')
    config.write_text(text, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config), "demo", "--weeks", "3"])
    assert result.exit_code == 0, result.output
    post = next(
        p for p in sorted((ws / "content/issues/posts").glob("*.md")) if "\n  thesis:" in p.read_text()
    )
    meta = post.read_text(encoding="utf-8")
    meta = re.sub(
        r"(\n  thesis: ).*", r"\1'<script>alert(1)</script> \"><img src=x onerror=alert(1)>'", meta, count=1
    )
    meta = re.sub(r"(\n  category: ).*", r"\1'<script>alert(2)</script>'", meta, count=1)
    post.write_text(meta, encoding="utf-8")
    result = runner.invoke(cli, ["--config", str(config), "build"])
    assert result.exit_code == 0, result.output
    return ws


def test_the_built_site_runs_no_injected_script(poisoned_build: Path, built_demo: BuiltDemo):
    theme = site_scripts(built_demo.site)
    pages = sorted((poisoned_build / "site").rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        assert live_html(page.read_text(encoding="utf-8"), theme) == [], page
    ledger = (poisoned_build / "site" / "calls" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in ledger  # the category, escaped
    xlk = (poisoned_build / "site" / "tickers" / "xlk" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Tech" in xlk
    posts = [
        p.read_text(encoding="utf-8") for p in (poisoned_build / "site" / "issues").rglob("*/index.html")
    ]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt; \\&#34;&gt;&lt;img" in p for p in posts)  # the thesis


def test_a_built_issue_title_with_markup_is_one_error_line(poisoned_build: Path):
    from click.testing import CliRunner

    post = sorted((poisoned_build / "content/issues/posts").glob("*.md"))[-1]
    original = post.read_text(encoding="utf-8")
    try:
        post.write_text(
            re.sub(r"^title: .*$", f"title: '{SCRIPT}'", original, count=1, flags=re.M), encoding="utf-8"
        )
        result = CliRunner().invoke(cli, ["--config", str(poisoned_build / "newsletter.toml"), "build"])
    finally:
        post.write_text(original, encoding="utf-8")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {post.name}: title '{SCRIPT}' contains '<' or '>'; the theme would print it as HTML, "
        "so write it without them (e.g. ‹ ›)"
    )


@pytest.mark.parametrize("name", ["Fund $5 and $6", "A $\\frac{$ B", "Bad $\\x$ name", SCRIPT])
def test_a_dollar_or_markup_in_a_name_is_drawn_as_text_in_a_chart(name):
    import io
    from datetime import date

    from generator.charts import ChartFrame, build_price_chart

    close = pd.Series([10.0 + i / 10 for i in range(300)], index=pd.bdate_range("2024-01-01", periods=300))
    fig = build_price_chart(
        close, ticker="X", name=name, frame=ChartFrame("Site $\\x$", date(2025, 3, 1), "src")
    )
    fig.savefig(io.BytesIO(), format="png")  # mathtext would raise ValueError on the last two
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert any(name in t for t in texts)


# --- newsletter.toml [site]: escaped where the theme prints it, refused where it cannot be ---


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsletter.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_site_text_with_quotes_and_ampersands_is_kept_as_typed(tmp_path: Path):
    # The theme escapes these (overrides/); refusing them would refuse "S&P" in a title.
    path = _config(
        tmp_path,
        "[site]\ntitle = 'Rot\" onmouseover=\"alert(1)'\nauthor = 'S&P \"desk\"'\n"
        "description = '0;url=https://evil.example/\" http-equiv=\"refresh'\n",
    )
    site = load_settings(path).site
    assert site.title == 'Rot" onmouseover="alert(1)'
    assert site.author == 'S&P "desk"'
    assert site.description == '0;url=https://evil.example/" http-equiv="refresh'


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ('https://e.org/a\\"b/', "cannot contain a double quote"),
        ("https://e.org/a'b/", "cannot contain a single quote"),
        ("https://e.org/a b/", "cannot contain a space"),
        ("https://e.org/a\\u0007b/", "cannot contain a control character (U+0007)"),
        ("https://e.org/<b>/", "cannot contain '<'"),
        ("https://e.org/a\\\\b/", "cannot contain '\\\\'"),
        ("javascript:alert(1)//", "must start with http:// or https://"),
        ("data:text/html,x", "must start with http:// or https://"),
        ("ftp://e.org/", "must start with http:// or https://"),
        ("https:///letter/", "needs a host name"),
        ("https://", "needs a host name"),
        ("https://-e.org/", "needs a host name"),
        ("https://user:pw@e.org/", "cannot hold a user name or password"),
        ("https://e.org:99999/", "has an invalid port"),
        ("https://e.org/?a=1&b=2", "cannot have a ?query or a #fragment"),
        ("https://e.org/#top", "cannot have a ?query or a #fragment"),
        ("https://e.org/%zz/", "'%' must start a %XX escape"),
    ],
)
def test_the_site_url_must_be_a_plain_http_address_with_a_host(tmp_path: Path, url: str, message: str):
    path = _config(tmp_path, f'[site]\ntitle = "T"\nurl = "{url}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert f"newsletter.toml:3: site.url: {message}" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/letter/",
        "http://localhost:8000/",
        "https://e.org",
        "https://a-b.e.org/x_y/~z/%20/",
    ],
)
def test_a_plain_site_url_is_accepted_with_a_trailing_slash(tmp_path: Path, url: str):
    path = _config(tmp_path, f'[site]\nurl = "{url}"\n')
    assert load_settings(path).site.url == url.rstrip("/") + "/"


def test_control_characters_in_newsletter_text_are_each_refused_with_their_line(tmp_path: Path):
    path = _config(
        tmp_path,
        '[site]\ntitle = "Desk\\u0007"\nauthor = "A\\u001b"\ndescription = "ok\\nsecond line"\n\n'
        '[groups.g]\nlabel = "G\\u0000"\nbenchmark = "SPY"\ncategory = "c\\u007f"\ntickers = ["IWM"]\n'
        'names = { IWM = "Small\\u0085caps" }\n\n'
        '[[pairs]]\nlong = "IWM"\nshort = "SPY"\nlabel = "x\\u0008"\ncategory = "size"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith("newsletter.toml has 6 problems:")
    for where, char in [
        ("newsletter.toml:2: site.title", "U+0007"),
        ("newsletter.toml:3: site.author", "U+001B"),
        ("newsletter.toml:7: groups.g.label", "U+0000"),
        ("newsletter.toml:9: groups.g.category", "U+007F"),
        ("newsletter.toml:11: groups.g.names.IWM", "U+0085"),
        ("newsletter.toml:16: pairs.0.label", "U+0008"),
    ]:
        assert f"{where}: cannot contain a control character ({char})" in message


# --- an issue's front matter: every field the theme or the feeds print ---


def _post(tmp_path: Path, front: str, body: str = "Text.\n") -> Path:
    post = tmp_path / "content" / "issues" / "posts" / "2026-06-26-a.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(f"---\ndate: 2026-06-26\ndraft: false\n{front}---\n\n{body}", encoding="utf-8")
    return post


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("author: [A, B]\n", "author must be text, got ['A', 'B']"),
        ("author: '<b>A</b>'\n", "author '<b>A</b>' contains '<' or '>'"),
        ('author: "A\\x07"\n', "author contains a control character (U+0007)"),
        ('title: "T\\e"\n', "title contains a control character (U+001B)"),
        ('description: "D\\x00"\n', "description contains a control character (U+0000)"),
        ('categories: ["C\\x85"]\n', "categories contains a control character (U+0085)"),
        ('title: "T\\uFFFE"\n', "title contains a character no page or feed can hold (U+FFFE)"),
    ],
)
def test_front_matter_text_with_markup_or_control_characters_is_refused(tmp_path: Path, front, message):
    with pytest.raises(DraftError) as caught:
        read_issue(_post(tmp_path, front), [])
    assert str(caught.value).startswith(f"2026-06-26-a.md: {message}")


def test_a_control_character_in_the_body_is_refused_with_its_line(tmp_path: Path):
    post = _post(tmp_path, "title: T\n", body="One.\n\nTwo \x1b[31mred\n")
    with pytest.raises(DraftError, match=r"^2026-06-26-a\.md:9: a control character \(U\+001B\)"):
        read_issue(post, [])


@pytest.mark.parametrize(
    "key",
    [
        "template: redirect.html",
        "location: https://evil.example/",
        "revision_date: x",
        "links: [x]",
        "authors: [me]",
        "social_image: x.png",
        "subtitle: x",
        "descripton: typo",
    ],
)
def test_a_front_matter_key_the_letter_does_not_use_is_refused(tmp_path: Path, key: str):
    # Material prints some of these raw (revision_date) or acts on them (template: redirect.html).
    name = key.split(":")[0]
    with pytest.raises(DraftError) as caught:
        read_issue(_post(tmp_path, key + "\n"), [])
    assert str(caught.value).startswith(f"2026-06-26-a.md: unknown front-matter key {name!r}")
    assert "title, description, author" in str(caught.value)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("javascript:alert(1)", "is a URL"),
        ("data:image/png;base64,iVBORw0KGgo=", "is a URL"),
        ("https://e.org/x.png", "is a URL"),
        ("//e.org/x.png", "is a URL"),
        ("/etc/x.png", "must be relative to the post"),
        ('../../assets/x.png">', "may hold only letters, digits"),
        ("../../assets/a&b.png", "may hold only letters, digits"),
        ("../../assets/a b.png", "may hold only letters, digits"),
        ("../../assets/x.svg", "is not a .png, .jpg, .jpeg, .gif or .webp image"),
        ("../../assets/missing.png", "no such file"),
        ("../../../outside.png", "is not a file in the content folder"),
    ],
)
def test_an_issue_image_must_be_an_image_file_of_the_content_folder(tmp_path: Path, image, message):
    (tmp_path / "content" / "assets").mkdir(parents=True)
    for name in ("x.svg", "ok.png"):
        (tmp_path / "content" / "assets" / name).write_bytes(b"\x89PNG")
    (tmp_path / "outside.png").write_bytes(b"\x89PNG")
    post = _post(tmp_path, f"image: {json.dumps(image)}\n")
    with pytest.raises(DraftError) as caught:
        issue = read_issue(post, [])
        lead_image_path(issue, tmp_path / "content")
    assert str(caught.value).startswith(f"2026-06-26-a.md: image {image!r}")
    assert message in str(caught.value)
    post = _post(tmp_path, "image: ../../assets/ok.png\n")
    assert lead_image_path(read_issue(post, []), tmp_path / "content") == tmp_path / "content/assets/ok.png"


def test_publish_refuses_an_image_outside_the_content_folder(workspace: Path):
    from click.testing import CliRunner

    (workspace / "outside.png").write_bytes(b"\x89PNG")
    post = workspace / "content/issues/posts/2026-06-26-a.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(
        "---\ntitle: T\ndate: 2026-06-26\nslug: 2026-06-26-a\ndraft: true\nimage: ../../../outside.png\n"
        "rotation: {as_of: 2026-06-26, published_at: null}\n---\n\nText.\n",
        encoding="utf-8",
    )
    config = str(workspace / "newsletter.toml")
    result = CliRunner().invoke(cli, ["--config", config, "publish", "2026-06-26"])
    assert result.exit_code == 1
    refused = "2026-06-26-a.md: image '../../../outside.png' is not a file in the content folder"
    assert refused in result.output
    assert "draft: true" in post.read_text(encoding="utf-8")


def test_a_line_separator_inside_a_value_does_not_shift_the_line_numbers(tmp_path: Path):
    # Found by the fuzz test: str.splitlines() split at U+2028, so the error named line 4.
    path = _config(tmp_path, '[site]\ntitle = "a\u2028b"\nurl = "https://e.org/<"\n')
    with pytest.raises(ConfigError, match=r"newsletter\.toml:3: site\.url: cannot contain '<'"):
        load_settings(path)
