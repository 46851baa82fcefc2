"""Email export: one self-contained, email-ready HTML file (and its plain-text part) per issue.

The issue's Markdown is rendered with the same extensions as the site, wrapped in the
editor-owned ``email/issue.html.j2``, and its CSS is inlined into every element with
css-inline (email clients drop ``<style>`` blocks). Images and links point at the published
site (absolute URLs), or images are embedded as ``data:`` URIs on request. Nothing
executable survives: scripts, event handlers and ``javascript:`` links are removed.
"""

from __future__ import annotations

import base64
import mimetypes
import posixpath
import re
import textwrap
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any

import css_inline
import jinja2
import markdown
from markupsafe import Markup

from generator.drafts import read_front_matter, render_template
from generator.errors import PublishError
from generator.posts import post_date, post_url_path

# pymdownx.details: the issue's dashboard is in ??? blocks (collapsed on the site; a mail
# client without <details> shows them open).
MARKDOWN_EXTENSIONS = ["admonition", "attr_list", "md_in_html", "tables", "pymdownx.details"]
MORE = re.compile(r"^\s*<!--\s*more\s*-->\s*$", re.M)
URL_ATTRIBUTE = re.compile(r'(<(?:img|a)\b[^>]*?\s(?:src|href)=")([^"]*)(")', re.I)
SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.I | re.S)
LAZY = re.compile(r'\s+loading="lazy"', re.I)  # the site's lazy images; mail clients load eagerly
TAG = re.compile(r"""<[a-z][a-z0-9-]*(?:[^>"']|"[^"]*"|'[^']*')*>""", re.I)
EVENT_HANDLER = re.compile(r"""[\s/]+on[a-z]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)
# A chart's dark-mode copy (macros.md.j2: `#only-dark`): the email is light, one copy is enough.
DARK_COPY = re.compile(r"""<img\b[^>]*?\ssrc="[^"]*#only-dark"[^>]*>[ \t]*\n?""", re.I)
LIGHT_MARK = re.compile(r"""(<img\b[^>]*?\ssrc="[^"#]*)#only-light(")""", re.I)


@dataclass(frozen=True)
class EmailIssue:
    """An issue ready to send: subject, the HTML part and the plain-text part."""

    subject: str
    html: str
    text: str
    url: str | None  # the issue's web page; None for a draft preview (it has none yet)


def post_url(site_url: str, meta: dict[str, Any], post_path: Path) -> str:
    """The published URL of a post: ``{site}issues/{yyyy}/{MM}/{slug}/`` (mkdocs.yml's formats)."""
    day = post_date(meta)
    if day is None:
        raise PublishError(f"{post_path.name}: date {meta.get('date')!r} is not a date (YYYY-MM-DD)")
    return site_url + post_url_path(meta, day)


def page_url(site_url: str, content_rel: str) -> str:
    """The published URL of a content file: ``a/index.md`` -> ``a/``, ``a/b.md`` -> ``a/b/``, assets as-is."""
    path = PurePosixPath(content_rel)
    if path.suffix != ".md":
        return site_url + content_rel
    if path.name == "index.md":
        parent = path.parent.as_posix()
        return site_url + ("" if parent == "." else parent + "/")
    return site_url + path.with_suffix("").as_posix() + "/"


def _resolve(reference: str, post_rel: str) -> str | None:
    """A relative reference in a post, as a content-relative path (None if it leaves content/)."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(post_rel), reference))
    return None if joined.startswith("..") else joined


def rewrite_urls(html: str, *, post_rel: str, site_url: str, content_dir: Path, embed_images: bool) -> str:
    """Make every relative ``src``/``href`` absolute on the site, or embed images as data URIs."""

    def replace(match: re.Match[str]) -> str:
        head, value, tail = match.groups()
        if value.lower().startswith("javascript:"):
            return f"{head}#{tail}"
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^//", value, re.I):
            return match.group(0)
        target, _, fragment = value.partition("#")
        resolved = _resolve(target, post_rel)
        if resolved is None:
            return match.group(0)
        if embed_images and head.lower().startswith("<img"):
            path = content_dir / resolved
            if not path.is_file():
                raise PublishError(f"{post_rel}: image {value} is not in {content_dir}")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return f"{head}data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}{tail}"
        url = page_url(site_url, resolved)
        return f"{head}{url}{'#' + fragment if fragment else ''}{tail}"

    return URL_ATTRIBUTE.sub(replace, html)


def strip_active_content(html: str) -> str:
    """Remove ``<script>`` elements and ``on*=`` event handlers (raw HTML in a post may have them).

    Handlers are removed inside tags only: text that merely reads ``onerror=...`` (an escaped
    title) is left alone, and a match can never run on into the next tag.
    """
    return TAG.sub(lambda m: EVENT_HANDLER.sub("", m.group(0)), SCRIPT.sub("", html))


def render_email(
    env: jinja2.Environment,
    post: Path,
    *,
    content_dir: Path,
    site_url: str,
    site_title: str,
    site_author: str,
    embed_images: bool = False,
    draft: bool = False,
) -> EmailIssue:
    """The email of one post: HTML with inlined CSS and absolute (or embedded) images, and text.

    A draft (``draft: true``) is refused unless ``draft``: then it is a preview, marked as one
    in the subject and the body, with no link to its web page (there is none yet).
    """
    meta, body = read_front_matter(post)
    if not post.resolve().is_relative_to(content_dir.resolve()):
        raise PublishError(f"{post}: not in the content folder {content_dir}; give one of its issues")
    is_draft = meta.get("draft", False) is not False
    if is_draft and not draft:
        raise PublishError(
            f"{post.name} is a draft (not published): its web page does not exist yet; publish it "
            "first, or pass --draft for a preview email marked as a draft"
        )
    post_rel = post.resolve().relative_to(content_dir.resolve()).as_posix()
    title = str(meta.get("title") or post.stem)
    url = None if is_draft else post_url(site_url, meta, post)
    body = MORE.sub("", body)
    body = re.sub(r"^#\s+.*\n", "", body, count=1, flags=re.M)  # the title goes in the template's <h1>
    html_body = markdown.markdown(body, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    html_body = LIGHT_MARK.sub(r"\1\2", DARK_COPY.sub("", html_body))
    html_body = LAZY.sub("", f"<h1>{escape(title)}</h1>\n{html_body}")
    html_body = rewrite_urls(
        strip_active_content(html_body),
        post_rel=post_rel,
        site_url=site_url,
        content_dir=content_dir,
        embed_images=embed_images,
    )
    rotation = meta.get("rotation") or {}
    page = render_template(
        env,
        "email/issue.html.j2",
        title=title,
        body=Markup(html_body),  # rendered from the post and cleaned above; every other value is escaped
        site_url=site_url,
        site_title=site_title,
        site_author=site_author,
        issue_url=url,
        as_of=rotation.get("as_of", meta.get("date")),
        synthetic=bool(rotation.get("synthetic")),
        draft=is_draft,
    )
    inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
    inlined = strip_active_content(inliner.inline(page))
    if url is None:
        text = "DRAFT PREVIEW: this issue is not published yet, so it has no web page.\n\n"
        text += html_to_text(html_body) + "\n"
    else:
        text = html_to_text(html_body) + f"\n\nRead this issue on the web: {url}\n"
    subject = f"{'[Draft] ' if is_draft else ''}{site_title}: {title}"
    return EmailIssue(subject=subject, html=inlined, text=text, url=url)


class _TextWriter(HTMLParser):
    """HTML to readable plain text: paragraphs, bullets, tables as rows, links as ``text (url)``."""

    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "ul", "ol", "table", "figure", "figcaption", "tr", "br"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.href: str | None = None
        self.link_text: list[str] = []
        self.cells: list[str] | None = None
        self.cell: list[str] | None = None

    def _emit(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text)
        elif self.href is not None:
            self.link_text.append(text)
        else:
            self.parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.BLOCKS:
            self.parts.append("\n\n" if tag not in ("tr", "br") else "\n")
        if tag in ("h1", "h2", "h3"):
            self.parts.append("# " if tag == "h1" else "## " if tag == "h2" else "### ")
        if tag == "li":
            self.parts.append("\n- ")
        if tag == "tr":
            self.cells = []
        if tag in ("td", "th"):
            self.cell = []
        if tag == "a":
            self.href, self.link_text = values.get("href") or "", []
        if tag == "img":
            src = values.get("src") or ""
            where = "embedded image" if src.startswith("data:") else src
            self._emit(f"[{values.get('alt') or 'image'}: {where}]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.href is not None:
            text = "".join(self.link_text).strip()
            href, self.href = self.href, None
            self._emit(text if not href or href == text or href.startswith("#") else f"{text} ({href})")
        if tag in ("td", "th") and self.cell is not None and self.cells is not None:
            self.cells.append(" ".join("".join(self.cell).split()))
            self.cell = None
        if tag == "tr" and self.cells is not None:
            self.parts.append(" | ".join(self.cells))
            self.cells = None
        if tag in ("h1", "h2", "h3", "p", "figcaption"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.cells is not None and self.cell is None:
            return  # whitespace between cells
        self._emit(data if self.cell is not None else re.sub(r"\s+", " ", data))


def html_to_text(html: str, width: int = 78) -> str:
    """Plain text of an HTML fragment, wrapped at ``width`` (table rows are not wrapped)."""
    writer = _TextWriter()
    writer.feed(html)
    writer.close()
    lines: list[str] = []
    for raw in "".join(writer.parts).splitlines():
        line = raw.rstrip()
        if " | " in line or len(line) <= width:
            lines.append(line.strip() if not line.startswith("- ") else line)
        else:
            indent = "  " if line.lstrip().startswith("- ") else ""
            lines.extend(
                textwrap.wrap(
                    line.strip(),
                    width,
                    subsequent_indent=indent,
                    break_on_hyphens=False,
                    break_long_words=False,
                )
            )
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def email_message(issue: EmailIssue) -> EmailMessage:
    """A multipart/alternative message: plain text first, then HTML (RFC 2046).

    It has no sender or recipients: the sending tool adds those.
    """
    message = EmailMessage()
    message["Subject"] = issue.subject
    if issue.url is not None:
        message["X-Issue-URL"] = issue.url
    message.set_content(issue.text)
    message.add_alternative(issue.html, subtype="html")
    return message
