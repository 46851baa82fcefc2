"""MkDocs hook: the theme's templates get ``page_slug``, the rule that names the call and
ticker pages (``generator.site.slugs``), instead of spelling a copy of it in Jinja.
"""

from __future__ import annotations

from typing import Any

from generator.site.slugs import page_slug


def on_env(env: Any, config: Any, files: Any) -> Any:
    """Register the ``page_slug`` filter before any page template is rendered."""
    env.filters["page_slug"] = page_slug
    return env
