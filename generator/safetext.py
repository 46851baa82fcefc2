"""What an editor may type where the site prints it: the checks behind newsletter.toml and an
issue's front matter.

The theme escapes every value it prints (``overrides/``) and the RSS feeds are rendered with
autoescaping (``hooks/feeds.py``); these rules refuse what no escaping can carry:

- control characters (and U+FFFE, U+FFFF, lone surrogates): XML 1.0 cannot hold them, even as
  character references, so one would make the RSS feed unreadable;
- in text that Material prints as HTML or reads as Markdown (an issue's title and categories:
  the blog converts ``# <title>`` when it lists a post and ``# <category>`` on a category page),
  markup that escaping elsewhere would show differently: ``<`` and ``>``, a character reference
  (``&amp;``), and for Markdown ``[ ] { }`` (a link, or an attribute list ``{: onclick=... }``);
- a site URL that is not a plain ``http(s)://host/path/`` address;
- an issue image that is not an image file of the content folder, given relative to the post.

Each check returns the problem in words (None when the value is fine), so the config and the
front-matter readers can say it in their own error style.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

# C0 controls but tab and line breaks, DEL, C1 controls, lone surrogates, U+FFFE and U+FFFF.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_UNPRINTABLE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def find_bad_character(value: str, *, one_line: bool = False) -> tuple[int, str] | None:
    """Where the first character no page or feed can carry is, and what it is in words.

    Refused: control characters (C0, DEL, C1) other than tab and line breaks, lone
    surrogates, U+FFFE and U+FFFF; with ``one_line``, line breaks and tabs too.
    """
    found = (_UNPRINTABLE_ONE_LINE if one_line else _UNPRINTABLE).search(value)
    if found is None:
        return None
    char = found.group()
    code = f"U+{ord(char):04X}"
    if char in "\n\r":
        return found.start(), f"a line break ({code})"
    if unicodedata.category(char) == "Cc":
        return found.start(), f"a control character ({code})"
    return found.start(), f"a character no page or feed can hold ({code})"


def bad_character(value: str, *, one_line: bool = False) -> str | None:
    """``find_bad_character`` in words only; None if ``value`` has none."""
    found = find_bad_character(value, one_line=one_line)
    return None if found is None else found[1]


def replace_bad_characters(value: str, replacement: str = " ") -> str:
    """``value`` with each character ``find_bad_character(one_line=True)`` refuses replaced."""
    return _UNPRINTABLE_ONE_LINE.sub(replacement, value)


# html.unescape's own pattern: what a browser may read as a character reference.
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")


def character_reference(value: str) -> str | None:
    """The first HTML character reference in ``value`` (``&amp;``, ``&#34;``, ``&copy``), or None.

    Material prints an issue's title as HTML in some places and the feeds print it as text,
    so ``&amp;`` would read ``&`` on one and ``&amp;`` on the other; a bare ``&`` (S&P, AT&T)
    reads the same in both.
    """
    for match in _CHARREF.finditer(value):
        if html.unescape(match.group()) != match.group():
            return match.group()
    return None


def escape_references(value: str) -> str:
    """``value`` with the ``&`` of each character reference escaped (``&amp;`` -> ``&amp;amp;``),
    so Markdown and HTML show it as typed; a bare ``&`` (S&P) stays as it is.
    """
    return _CHARREF.sub(
        lambda m: "&amp;" + m.group()[1:] if character_reference(m.group()) else m.group(), value
    )


MARKDOWN_STRUCTURE = "[]{}"


def markup_problem(value: str, *, markdown: bool = False) -> str | None:
    """Why ``value`` would not print as the text typed, in words; None if it would.

    ``<`` or ``>``, an HTML character reference, and with ``markdown`` one of ``[ ] { }``.
    """
    if "<" in value or ">" in value:
        return "contains '<' or '>'"
    reference = character_reference(value)
    if reference is not None:
        return f"contains the HTML character reference {reference!r}; type the character itself"
    if markdown:
        found = next((c for c in value if c in MARKDOWN_STRUCTURE), None)
        if found is not None:
            return (
                f"contains {found!r}, which Material's blog reads as Markdown (a link or an "
                "attribute list); write it without [ ] { } (e.g. ( ))"
            )
    return None


# RFC 3986 characters a site's base address needs, less the ones that end or break out of an
# HTML attribute, a JavaScript string or an XML text ('"<>` space, ' & ( ) *), and '?#[]'.
_URL_CHAR = re.compile(r"[A-Za-z0-9._~%/:@!$+,;=-]")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_CHAR_NAMES = {'"': "a double quote", "'": "a single quote", " ": "a space"}


def _describe(char: str) -> str:
    if char in _CHAR_NAMES:
        return _CHAR_NAMES[char]
    if _UNPRINTABLE_ONE_LINE.match(char):
        return f"a control character (U+{ord(char):04X})"
    return repr(char)


def form_url_problem(value: str) -> str | None:
    """Why ``value`` is not a web form's address ``http(s)://host/path[?query]``, or None.

    As ``site_url_problem``, except that a ``?query`` is allowed (a newsletter provider's form
    address often carries one, ``...list-manage.com/subscribe/post?u=1&id=2``); ``&`` is then
    allowed too, and escaped where the address is printed.
    """
    address, _, query = value.partition("?")
    problem = site_url_problem(address)
    if problem is not None:
        return problem
    bad = next((c for c in query if not (_URL_CHAR.match(c) or c in "?&")), None)
    if bad is not None or "#" in query:
        return f"cannot contain {_describe(bad or '#')} in its ?query; percent-encode it"
    return None


def site_url_problem(value: str) -> str | None:
    """Why ``value`` is not a plain site address ``http(s)://host[:port]/path/``, or None.

    The address is printed into every page's links and the feeds: only letters, digits and
    ``. _ ~ % / : @ ! $ + , ; = -`` are allowed (percent-encode anything else), with a host
    name, no user name or password, no ``?query`` or ``#fragment``.
    """
    if not re.match(r"^https?://", value):
        return "must start with http:// or https://"
    if "?" in value or "#" in value:
        return "cannot have a ?query or a #fragment: it is the address the site's pages are under"
    bad = next((c for c in value if not _URL_CHAR.match(c)), None)
    if bad is not None:
        return f"cannot contain {_describe(bad)}; percent-encode it (a space is %20)"
    if re.search(r"%(?![0-9A-Fa-f]{2})", value):
        return "'%' must start a %XX escape (a space is %20)"
    parts = urlsplit(value)
    if "@" in parts.netloc:
        return "cannot hold a user name or password"
    host = parts.netloc.rsplit(":", 1)[0] if ":" in parts.netloc else parts.netloc
    if not _HOST.match(host):
        return "needs a host name, e.g. https://example.org/letter/"
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return "has an invalid port"
    if ":" in parts.netloc and parts.port is None:
        return "has an invalid port"
    return None


# A blog category names its page's file (issues/category/<slug>/): 60 characters stay under
# the 255-byte file-name limit even when each is a 4-byte UTF-8 letter.
MAX_CATEGORY_CHARS = 60


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
_IMAGE_PATH = re.compile(r"^[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*$")


def image_path_problem(value: str) -> str | None:
    """Why ``value`` is not the path of an image file relative to a post, or None.

    A URL (``https:``, ``javascript:``, ``data:``, ``//host``) is refused: the site and its
    feeds work offline, the social card is drawn from the local file, and the feed plugin
    would fetch a remote image at every build. The path may hold only letters, digits and
    ``. _ ~ - /`` (it is printed into the feeds and the home page's Markdown).
    """
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) or value.startswith("//"):
        return (
            "is a URL; give the path of an image file in the content folder, relative to the post "
            "(e.g. ../../assets/charts/2026-06-26/spy-price.png)"
        )
    if value.startswith("/"):
        return "must be relative to the post (e.g. ../../assets/charts/2026-06-26/spy-price.png)"
    if not _IMAGE_PATH.match(value):
        return "may hold only letters, digits, '.', '_', '~', '-' and '/'; rename the file"
    if not value.lower().endswith(IMAGE_SUFFIXES):
        return "is not a .png, .jpg, .jpeg, .gif or .webp image"
    return None
