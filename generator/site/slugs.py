"""The page slug rule, in a module with no heavy imports: the site model uses it for file
names, and the MkDocs hook ``hooks/page_slugs.py`` gives it to the theme's
templates, so a link the theme writes always names the page ``rotation build`` wrote.
"""

from __future__ import annotations

import re


def page_slug(text: str) -> str:
    """A file-name-safe, lower-case slug (``^GSPC`` -> ``gspc``, ``BRK.B`` -> ``brk-b``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
