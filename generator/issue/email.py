"""Email export: one self-contained, email-ready HTML file (and its plain-text part) per issue.

The issue's Markdown is rendered with the same extensions as the site, wrapped in the
editor-owned ``email/issue.html.j2`` (a table layout 600 px wide, which Outlook's Word
engine renders as well as the browser-based clients), and its CSS is inlined into every
element with css-inline (email clients drop ``<style>`` blocks; the dark-mode ``@media``
rules are kept for the clients that honour them). Links point at the published site
(absolute URLs); images too, or they are attached to the message as inline parts that the
HTML names by Content-ID (``cid:``), never ``data:`` URIs, which Gmail and Outlook strip.
Every image gets ``width``/``height`` attributes for the 560 px column (Outlook ignores CSS
sizes and would show a 1200 px chart at full size). A hidden preheader (the issue's
description: the lead story's first sentence) is what an inbox shows beside the subject.
Nothing executable survives: scripts, event handlers and ``javascript:`` links are removed.
"""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import re
import textwrap
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

import css_inline
import jinja2
import markdown
from markupsafe import Markup

from generator.config import Settings
from generator.errors import PublishError
from generator.issue.text import render_template
from generator.posts import post_date, post_url_path, read_front_matter

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
IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
TABLE_START = re.compile(r"<table\b[^>]*>", re.I)
TABLE_END = re.compile(r"</table\s*>", re.I)
SRC = re.compile(r'\ssrc="([^"]*)"', re.I)
SIZE_ATTRIBUTE = re.compile(r"""\s(?:width|height)=(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)
EMAIL_WIDTH_PX = 600  # the column every client shows whole; charts are 1200 px, drawn for it at 2x
CONTENT_PADDING_PX = 20
CONTENT_WIDTH_PX = EMAIL_WIDTH_PX - 2 * CONTENT_PADDING_PX
# Stands in the rendered page for the unsubscribe link, which is the recipient's own
# (EmailIssue.personal): a reserved domain (RFC 2606), so it can never be a real link.
UNSUBSCRIBE_MARK = "https://unsubscribe.invalid/rotation-desk"
# After the preheader, so an inbox's preview stops there instead of running on into the body.
PREHEADER_FILL = "&zwnj;&nbsp;" * 60
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
PREHEADER_MAX_CHARS = 200


@dataclass(frozen=True)
class InlineImage:
    """An image attached to the message as an inline part, named in the HTML by ``cid:<content_id>``."""

    content_id: str  # without the angle brackets
    path: Path
    mime_type: str


@dataclass(frozen=True)
class EmailIssue:
    """An issue ready to send: subject, the HTML part and the plain-text part.

    ``html`` and ``text`` hold ``UNSUBSCRIBE_MARK`` where the unsubscribe link goes;
    ``personal`` puts each recipient's own link there.
    """

    subject: str
    html: str
    text: str
    url: str | None  # the issue's web page; None for a draft preview (it has none yet)
    preheader: str = ""
    images: tuple[InlineImage, ...] = ()  # the inline parts the HTML names by cid: (empty when linked)
    unsubscribe_url: str | None = None  # the configured URL, ``{email}`` standing for the recipient

    def personal(self, address: str | None) -> tuple[str, str]:
        """The HTML and text parts for ``address``: its unsubscribe link filled in.

        Without an address (an exported file) the link keeps ``{email}`` for a sending tool to fill.
        """
        link = unsubscribe_link(self.unsubscribe_url, address) if self.unsubscribe_url else ""
        return self.html.replace(UNSUBSCRIBE_MARK, escape(link)), self.text.replace(UNSUBSCRIBE_MARK, link)


def unsubscribe_link(template: str, address: str | None) -> str:
    """``template`` with ``{email}`` replaced by the URL-encoded ``address`` (kept when None)."""
    return template if address is None else template.replace("{email}", quote(address, safe=""))


def preheader_of(meta: dict[str, Any]) -> str:
    """The inbox preview: the first sentence of the description (the lead story's first sentence).

    One line of plain text, at most ``PREHEADER_MAX_CHARS`` characters (cut at a word).
    """
    text = " ".join(str(meta.get("description") or "").split())
    sentence = SENTENCE_END.split(text, maxsplit=1)[0]
    if len(sentence) > PREHEADER_MAX_CHARS:
        sentence = sentence[: PREHEADER_MAX_CHARS - 1].rsplit(" ", 1)[0] + "\u2026"
    return sentence


def image_size(path: Path) -> tuple[int, int] | None:
    """The pixel size of an image file (its header only), or None if it is not one Pillow reads."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def size_images(html: str, *, post_rel: str, content_dir: Path) -> str:
    """Give every local image ``width``/``height`` attributes that fit the content column.

    ``width = min(pixels, CONTENT_WIDTH_PX)``, the height in proportion. Outlook's Word engine
    sizes images by these attributes only; the template's CSS (``max-width: 100%; height:
    auto``) narrows them on a phone.
    """

    def replace(match: re.Match[str]) -> str:
        tag = match.group(0)
        src = SRC.search(tag)
        if src is None or re.match(r"^[a-z][a-z0-9+.-]*:|^//", src.group(1), re.I):
            return tag
        resolved = _resolve(src.group(1).partition("#")[0], post_rel)
        size = image_size(content_dir / resolved) if resolved is not None else None
        if size is None or size[0] <= 0:
            return tag
        width = min(size[0], CONTENT_WIDTH_PX)
        height = round(size[1] * width / size[0])
        tag = SIZE_ATTRIBUTE.sub("", tag)
        return re.sub(r"\s*/?>$", f' width="{width}" height="{height}">', tag)

    return IMG_TAG.sub(replace, html)


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
    """A relative reference in a post, as a content-relative path (None if it leaves content/).

    An absolute path (``/etc/passwd``) is not relative to the post: None, so it is never read
    from the disk and attached to a message.
    """
    if reference.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(post_rel), reference))
    return None if joined.startswith("..") else joined


def rewrite_urls(
    html: str, *, post_rel: str, site_url: str, content_dir: Path, embed_images: bool
) -> tuple[str, tuple[InlineImage, ...]]:
    """Make every relative ``src``/``href`` absolute on the site, or name images by ``cid:``.

    With ``embed_images`` each local image becomes one inline part (the same file once, however
    often it is shown), returned with the HTML; its Content-ID is the file's name and a hash of
    its bytes at the site's host, so it is unique within the message and stable across sends.
    """
    images: dict[Path, InlineImage] = {}
    host = urlsplit(site_url).hostname or "rotation-desk.invalid"

    def inline(path: Path) -> InlineImage:
        if path not in images:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            name = re.sub(r"[^A-Za-z0-9._-]", "-", path.stem)
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            images[path] = InlineImage(f"{name}.{digest}@{host}", path, kind)
        return images[path]

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
            return f"{head}cid:{inline(path).content_id}{tail}"
        url = page_url(site_url, resolved)
        return f"{head}{url}{'#' + fragment if fragment else ''}{tail}"

    return URL_ATTRIBUTE.sub(replace, html), tuple(images.values())


def one_image_per_chart(html: str) -> str:
    """Keep each chart's wide light image: mail clients cannot pick the dark or phone copy."""

    def keep(match: re.Match[str]) -> str:
        tag = match.group(0)
        if not tag.lower().startswith("<img"):
            return tag
        if re.search(r'\ssrc="[^"]*#only-dark"', tag) or re.search(r'\sclass="[^"]*\bchart-narrow\b', tag):
            return ""
        return tag.replace('#only-light"', '"')

    return TAG.sub(keep, html)


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
    unsubscribe_url: str | None = None,
) -> EmailIssue:
    """The email of one post: HTML with inlined CSS and absolute (or inline, cid:) images, and text.

    A draft (``draft: true``) is refused unless ``draft``: then it is a preview, marked as one
    in the subject and the body, with no link to its web page (there is none yet).
    ``unsubscribe_url`` (``{email}`` standing for the recipient) adds an unsubscribe link to
    the footer of both parts (``EmailIssue.personal`` fills it in).
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
    html_body = one_image_per_chart(LAZY.sub("", f"<h1>{escape(title)}</h1>\n{html_body}"))
    html_body = size_images(strip_active_content(html_body), post_rel=post_rel, content_dir=content_dir)
    # A wide table scrolls on its own on a phone instead of widening the whole column.
    html_body = TABLE_END.sub("</table></div>", TABLE_START.sub(r'<div class="table-wrap">\g<0>', html_body))
    html_body, images = rewrite_urls(
        html_body,
        post_rel=post_rel,
        site_url=site_url,
        content_dir=content_dir,
        embed_images=embed_images,
    )
    preheader = preheader_of(meta)
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
        preheader=preheader,
        preheader_fill=Markup(PREHEADER_FILL),
        unsubscribe_url=UNSUBSCRIBE_MARK if unsubscribe_url else None,
        width=EMAIL_WIDTH_PX,
        padding=CONTENT_PADDING_PX,
    )
    inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
    inlined = strip_active_content(inliner.inline(page))
    if url is None:
        text = "DRAFT PREVIEW: this issue is not published yet, so it has no web page.\n\n"
        text += html_to_text(html_body) + "\n"
    else:
        text = html_to_text(html_body) + f"\n\nRead this issue on the web: {url}\n"
    if unsubscribe_url:
        text += f"\nUnsubscribe: {UNSUBSCRIBE_MARK}\n"
    subject = " ".join(f"{'[Draft] ' if is_draft else ''}{site_title}: {title}".split())
    return EmailIssue(
        subject=subject,
        html=inlined,
        text=text,
        url=url,
        preheader=preheader,
        images=images,
        unsubscribe_url=unsubscribe_url,
    )


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
            where = "attached image" if src.startswith(("cid:", "data:")) else src
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


def render_issue_email(
    env: jinja2.Environment, post: Path, settings: Settings, *, embed_images: bool | None, draft: bool
) -> EmailIssue:
    """The email of one post as `rotation email` and `rotation send` render it from the settings.

    ``embed_images`` None: as ``[email] images`` says (linked, or attached as cid: parts).
    """
    return render_email(
        env,
        post,
        content_dir=settings.content_dir,
        site_url=settings.site.url,
        site_title=settings.site.title,
        site_author=settings.site.author,
        embed_images=settings.email.images == "inline" if embed_images is None else embed_images,
        draft=draft,
        unsubscribe_url=settings.email.unsubscribe_url,
    )
