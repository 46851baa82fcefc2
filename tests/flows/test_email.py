"""`rotation email`: inlined CSS, absolute or embedded images, a text part, nothing executable."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest

from generator.cli import cli
from generator.errors import PublishError
from generator.issue.email import html_to_text, page_url, post_url, render_email, render_issue_email
from generator.issue.text import template_env
from generator.paths import Layout
from generator.send.message import build_message
from tests.helpers import BuiltDemo

SITE = "https://example.org/desk/"


def test_urls_follow_the_site_layout():
    assert page_url(SITE, "calls/index.md") == SITE + "calls/"
    assert page_url(SITE, "tickers/iwm.md") == SITE + "tickers/iwm/"
    assert page_url(SITE, "index.md") == SITE
    assert page_url(SITE, "assets/charts/x.png") == SITE + "assets/charts/x.png"
    meta = {"date": "2026-06-26", "slug": "2026-06-26-a"}
    assert post_url(SITE, meta, Path("p.md")) == SITE + "issues/2026/06/2026-06-26-a/"


def _post(content: Path, body: str) -> Path:
    post = content / "issues" / "posts" / "2026-06-26-a.md"
    post.parent.mkdir(parents=True)
    (content / "assets" / "charts").mkdir(parents=True)
    (content / "assets" / "charts" / "c.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    post.write_text(
        "---\ntitle: A & B\ndate: 2026-06-26\nslug: 2026-06-26-a\n"
        "rotation: {as_of: 2026-06-26, synthetic: true}\n"
        f"---\n\n# A & B\n\n{body}\n"
    )
    return post


def test_email_is_inlined_absolute_and_has_nothing_executable(tmp_path: Path, settings):
    content = tmp_path / "content"
    body = (
        "Intro <script>alert(1)</script>\n\n<!-- more -->\n\n## Part\n\n"
        "![Chart](../../assets/charts/c.png)\n\n"
        '[calls](../../calls/index.md) <a href="javascript:alert(2)">x</a>\n\n'
        '<img src="../../assets/charts/c.png" onerror="alert(3)">\n\n| a | b |\n|---|---|\n| 1 | 2 |\n'
    )
    mail = render_email(
        template_env(settings),
        _post(content, body),
        content_dir=content,
        site_url=SITE,
        site_title="Desk",
        site_author="Us",
    )
    html = mail.html.lower()
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert '<h1 style="' in html  # the CSS was inlined into the elements
    assert f'src="{SITE}assets/charts/c.png"' in mail.html
    assert f'href="{SITE}calls/"' in mail.html
    assert "synthetic demo data" in html
    assert mail.subject == "Desk: A & B" and mail.url == SITE + "issues/2026/06/2026-06-26-a/"
    assert "<" not in mail.text and "[Chart: https://example.org/desk/assets/charts/c.png]" in mail.text
    assert "a | b\n1 | 2" in mail.text


def _export_message(mail):
    from datetime import UTC, datetime

    return build_message(mail, None, to=None, date=datetime(2026, 6, 26, tzinfo=UTC), message_id="<m@x.org>")


def test_embedded_images_are_inline_parts_named_by_content_id_never_data_uris(tmp_path: Path, settings):
    content = tmp_path / "content"
    post = _post(content, "![Chart](../../assets/charts/c.png)\n\n![Again](../../assets/charts/c.png)")
    mail = render_email(
        template_env(settings),
        post,
        content_dir=content,
        site_url=SITE,
        site_title="Desk",
        site_author="Us",
        embed_images=True,
    )
    assert "data:" not in mail.html and "assets/charts/c.png" not in mail.html
    assert len(mail.images) == 1 and mail.html.count(f'src="cid:{mail.images[0].content_id}"') == 2
    assert mail.images[0].content_id.endswith("@example.org")
    message = email.message_from_bytes(_export_message(mail).as_bytes(), policy=email.policy.default)
    related = message.get_payload()[1]
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html" and image.get_content_type() == "image/png"
    assert image["Content-ID"] == f"<{mail.images[0].content_id}>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == (content / "assets" / "charts" / "c.png").read_bytes()


def test_html_to_text_keeps_structure():
    text = html_to_text(
        '<h2>Title</h2><p>One <a href="https://x/">link</a>.</p><ul><li>a</li><li>b</li></ul>'
    )
    assert text == "## Title\n\nOne link (https://x/).\n\n- a\n- b"


def test_email_command_writes_html_text_and_a_multipart_message(
    runner, built_demo: BuiltDemo, tmp_path: Path
):
    post = sorted(Layout.of(built_demo.settings).posts.glob("*.md"))[-1]
    config = str(built_demo.workspace / "newsletter.toml")
    result = runner.invoke(cli, ["--config", config, "email", post.name[:10], "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    html, text, eml = (tmp_path / f"{post.stem}{suffix}" for suffix in (".html", ".txt", ".eml"))
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert f"{built_demo.settings.site.url}assets/charts/" in html.read_text()
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.get_payload()] == ["text/plain", "text/html"]
    assert text.read_text().startswith("# ")
    # a complete message: what `rotation send` sends, addressed to no one
    assert message["From"] == "The Rotation Desk <letter@example.org>"
    assert message["To"] == "undisclosed-recipients:;" and message["Date"] and message["Message-ID"]
    assert message["List-Unsubscribe"] == (
        "<mailto:unsubscribe@example.org?subject=unsubscribe>, "
        "<https://example.org/rotation-desk/unsubscribe?email={email}>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "email={email}" in text.read_text() and "unsubscribe.invalid" not in html.read_text()


def test_every_demo_issue_fits_under_gmails_clipping_limit_in_a_600_px_table_layout(built_demo: BuiltDemo):
    """Gmail clips a message whose HTML passes about 102 KB; measured on each of the demo's issues."""
    from generator.send.run import GMAIL_CLIP_BYTES

    settings = built_demo.settings
    posts = sorted(Layout.of(settings).posts.glob("*.md"))
    assert len(posts) >= 12
    for post in posts:
        mail = render_issue_email(template_env(settings), post, settings, embed_images=None, draft=False)
        html = mail.personal("reader@example.org")[0]
        assert len(html.encode("utf-8")) < GMAIL_CLIP_BYTES, post.name
        assert '<table class="card" role="presentation"' in html and 'width="600"' in html
        images = re.findall(r"<img\b[^>]*>", html)
        assert images and all('width="560"' in tag and 'height="315"' in tag for tag in images), post.name
        assert not re.search(r"""(src|href)="data:""", html) and "#only-" not in html


def test_email_of_an_unknown_issue_is_one_error_line(runner, built_demo: BuiltDemo, tmp_path: Path):
    config = str(built_demo.workspace / "newsletter.toml")
    result = runner.invoke(cli, ["--config", config, "email", "1999-01-01", "--out", str(tmp_path)])
    assert result.exit_code == 1
    posts = built_demo.settings.content_dir / "issues" / "posts"
    assert result.output == (
        f"Error: 1999-01-01: no such issue in {posts} (give the post file or its date, e.g. 2025-07-04)\n"
    )


# --- drafts and dark-mode charts ------------------------------------------------------------------


def _draft_post(content: Path) -> Path:
    post = _post(content, '![Chart](../../assets/charts/c.png)\n\n!!! editor "Editor: your view"\n    Box.\n')
    post.write_text(post.read_text().replace("title: A & B\n", "title: A & B\ndraft: true\n", 1))
    return post


def test_a_draft_is_refused_unless_asked_for_as_a_marked_preview(tmp_path: Path, settings):
    content = tmp_path / "content"
    post = _draft_post(content)
    kwargs = dict(content_dir=content, site_url=SITE, site_title="Desk", site_author="Us")
    with pytest.raises(PublishError, match=rf"{post.name} is a draft.*--draft"):
        render_email(template_env(settings), post, **kwargs)
    mail = render_email(template_env(settings), post, draft=True, **kwargs)
    assert mail.subject == "[Draft] Desk: A & B" and mail.url is None
    assert "Draft preview" in mail.html and "not published" in mail.text
    assert SITE + "issues/" not in mail.html + mail.text  # no link to a page that does not exist yet
    assert "X-Issue-URL" not in _export_message(mail)


def test_dark_mode_copies_of_the_charts_are_left_out_of_the_email(tmp_path: Path, settings):
    content = tmp_path / "content"
    post = _post(
        content,
        '<figure markdown="span">\n  ![Chart](../../assets/charts/c.png#only-light){ loading=lazy }\n'
        "  ![Chart](../../assets/charts/c-dark.png#only-dark){ loading=lazy }\n"
        "  <figcaption>The caption.</figcaption>\n</figure>\n",
    )
    (content / "assets" / "charts" / "c-dark.png").write_bytes(b"\x89PNG\r\n\x1a\ndark")
    for embed in (False, True):
        mail = render_email(
            template_env(settings),
            post,
            content_dir=content,
            site_url=SITE,
            site_title="Desk",
            site_author="Us",
            embed_images=embed,
        )
        assert mail.html.count("<img") == 1 and "c-dark" not in mail.html and "#only-" not in mail.html
        assert mail.text.count("[Chart: ") == 1


def test_email_command_on_a_draft_is_one_error_line_and_a_preview_with_draft(
    runner, workspace: Path, tmp_path: Path
):
    post = _draft_post(workspace / "content")
    config, out = str(workspace / "newsletter.toml"), tmp_path / "mail"
    refused = runner.invoke(cli, ["--config", config, "email", post.name, "--out", str(out)])
    assert refused.exit_code == 1 and refused.output.startswith(f"Error: {post.name} is a draft")
    assert not out.exists()
    preview = runner.invoke(cli, ["--config", config, "email", post.name, "--draft", "--out", str(out)])
    assert preview.exit_code == 0, preview.output
    assert "Draft preview" in (out / f"{post.stem}.html").read_text()
    assert email.message_from_bytes((out / f"{post.stem}.eml").read_bytes())["Subject"].startswith("[Draft]")


def test_an_image_outside_the_content_folder_is_never_attached(tmp_path: Path, settings):
    content = tmp_path / "content"
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nsecret")
    body = f"![a]({secret})\n\n![b](../../../../secret.png)\n\n![c](../../assets/charts/c.png)"
    post = _post(content, body)
    mail = render_email(
        template_env(settings),
        post,
        content_dir=content,
        site_url=SITE,
        site_title="Desk",
        site_author="Us",
        embed_images=True,
    )
    assert [image.path for image in mail.images] == [content / "assets" / "charts" / "c.png"]
    assert f'src="{secret}"' in mail.html and 'src="../../../../secret.png"' in mail.html


def test_an_email_carries_each_chart_once_the_wide_light_image():
    from generator.issue.email import one_image_per_chart

    html = (
        '<p><img alt="a" class="chart-wide" src="x.png#only-light" /><img alt="a" class="chart-wide" '
        'src="x-dark.png#only-dark" /><img alt="a" class="chart-narrow" src="x-narrow.png#only-light" />'
        '<img alt="a" class="chart-narrow" src="x-narrow-dark.png#only-dark" />'
        '<img alt="b" src="y.png" /></p>'
    )
    kept = one_image_per_chart(html)
    assert kept == '<p><img alt="a" class="chart-wide" src="x.png" /><img alt="b" src="y.png" /></p>'
