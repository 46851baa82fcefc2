"""What a browser would run in a page we built: the checker behind the escaping tests.

``live_html(html)`` lists every piece of live markup: a script element (any, unless its
source or shape is one the theme itself writes, see ``script_key``), an ``on*`` event
handler, a ``<meta http-equiv>`` (a refresh would redirect readers; Material writes none),
a ``javascript:``, ``vbscript:`` or ``data:`` URL in a link or source attribute, and
elements that load or redirect content (``iframe``, ``object``, ``embed``, ``base``...).
``page_text`` gives the parsed text and head metadata of a page, to check that a value
shows as the text that was typed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "data",
    "xlink:href",
    "background",
    "cite",
    "ping",
    "srcset",
    "lowsrc",
    "dynsrc",
}
ACTIVE_SCHEMES = ("javascript:", "vbscript:", "data:")
EMBEDDING_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def script_key(src: str | None, inline: str) -> str:
    """A script as the theme writes it on any page: the file name of its source, or the inline
    code with every string literal blanked (Material's scripts differ between pages only in
    the relative paths they hold).
    """
    if src is not None:
        return "src:" + src.rsplit("/", 1)[-1]
    return "inline:" + _STRING.sub('""', inline.strip())


def _scheme(value: str) -> str:
    # Browsers drop whitespace and control characters inside a scheme ("java\tscript:").
    return re.sub(r"[\x00-\x20]", "", value).lower()


class _Live(HTMLParser):
    def __init__(self, allowed_scripts: Collection[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed = allowed_scripts
        self.found: list[str] = []
        self.script: list[str] | None = None
        self.script_src: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.script, self.script_src = [], dict(attrs).get("src")
        if tag in EMBEDDING_TAGS:
            self.found.append(f"<{tag} {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value}>")
            elif name == "http-equiv":
                self.found.append(f"<{tag} http-equiv={value} {attrs}>")
            elif name in URL_ATTRIBUTES and _scheme(value or "").startswith(ACTIVE_SCHEMES):
                self.found.append(f"<{tag} {name}={value}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.script is not None:
            inline = "".join(self.script)
            if script_key(self.script_src, inline) not in self.allowed or "alert(" in inline:
                self.found.append(f"<script src={self.script_src}>{inline[:200]}")
            self.script = None

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script.append(data)

    def close(self) -> None:
        super().close()
        if self.script is not None:  # an unclosed script still runs
            self.handle_endtag("script")


def live_html(html: str, allowed_scripts: Collection[str] = ()) -> list[str]:
    """Every piece of live markup in ``html`` (empty when it is inert), scripts in
    ``allowed_scripts`` (keys from ``script_key``) excepted.
    """
    parser = _Live(allowed_scripts)
    parser.feed(html)
    parser.close()
    return parser.found


def scripts_of(html: str) -> set[str]:
    """The ``script_key`` of every script in a page."""
    keys: set[str] = set()

    class _Scripts(_Live):
        def handle_endtag(self, tag: str) -> None:
            if tag == "script" and self.script is not None:
                keys.add(script_key(self.script_src, "".join(self.script)))
                self.script = None

    parser = _Scripts(())
    parser.feed(html)
    parser.close()
    return keys


def site_scripts(site_dir: Path) -> set[str]:
    """The ``script_key`` of every script in every page of a built site (a clean build's set
    is what the theme writes).
    """
    keys: set[str] = set()
    for page in site_dir.rglob("*.html"):
        keys |= scripts_of(page.read_text(encoding="utf-8"))
    return keys


@dataclass
class PageText:
    """What a reader and a link preview see of a page, entities decoded, whitespace as shown."""

    title: str = ""  # <title>
    meta: dict[str, str] = field(default_factory=dict)  # <meta name|property=... content=...>
    text: str = ""  # all text outside <script>, <style> and <title>
    elements: dict[str, list[str]] = field(default_factory=dict)  # tag or class -> each one's text

    def of(self, key: str) -> list[str]:
        """The text of every element with this tag name (``h1``, ``td``) or class."""
        return self.elements.get(key, [])

    @property
    def headings(self) -> list[str]:
        """Every <h1>, without the permalink sign."""
        return [h.rstrip("¶").rstrip() for h in self.of("h1")]

    @property
    def header_topics(self) -> list[str]:
        """The header bar: the site title, then the page title."""
        return self.of("md-header__topic")


_VOID = {
    "meta",
    "link",
    "img",
    "input",
    "br",
    "hr",
    "source",
    "wbr",
    "area",
    "col",
    "embed",
    "param",
    "track",
}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageText()
        self.stack: list[str] = []
        self.parts: list[str] = []
        self.open: list[tuple[int, list[str], list[str]]] = []  # (depth, keys, text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and "content" in values:
            key = values.get("name") or values.get("property")
            if key:
                self.page.meta[key] = values["content"]
        if tag in _VOID:
            return
        self.stack.append(tag)
        self.open.append((len(self.stack), [tag, *values.get("class", "").split()], []))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.stack:
            return
        while self.stack and self.stack.pop() != tag:
            pass
        while self.open and self.open[-1][0] > len(self.stack):
            _, keys, text = self.open.pop()
            for key in keys:
                self.page.elements.setdefault(key, []).append(" ".join("".join(text).split()))

    def handle_data(self, data: str) -> None:
        inside = self.stack[-1] if self.stack else ""
        if inside == "title":
            self.page.title += data
        elif inside not in ("script", "style"):
            self.parts.append(data)
            for _, _, text in self.open:
                text.append(data)


def page_text(html: str) -> PageText:
    """The title, head metadata and text of a page, and of each element by tag and class."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser.page.text = "".join(parser.parts)
    parser.page.title = parser.page.title.strip()
    return parser.page
