"""MkDocs hook: the blog's listing pages convert only each post's excerpt, not the whole post.

Material's blog plugin renders every post again for every listing page that shows it (the
index and its pages, the monthly archive, each category), converting the post's whole
Markdown and then keeping the part above the excerpt separator. Our posts are long (tables
for every section) and the excerpt is a short lead, so most of a build went into HTML that
was thrown away. After every page has been rendered on its own (``on_env`` runs after that
and before the listing pages are built), this hook cuts each post's Markdown to its excerpt
and a marker, so the listings get the same excerpt HTML and the same "Continue reading" link
at a fraction of the cost. A post without the separator is left whole. The excerpt must
stand on its own, as in the drafts `rotation draft` writes: a footnote or a reference link
defined below the separator would show unresolved in the listings.
"""

from __future__ import annotations

from typing import Any

# Kept after the cut so the plugin still sees text beyond the separator (its "more" link).
REST = "\n\n(continued)\n"


def on_env(env: Any, config: Any, files: Any) -> Any:
    """Cut every blog post's Markdown to its excerpt once the posts themselves are rendered."""
    blog = config.plugins.get("material/blog")
    if blog is None:
        return env
    separator = blog.config.post_excerpt_separator
    for file in files.documentation_pages():
        page = file.page
        excerpt = getattr(page, "excerpt", None)
        markdown = getattr(page, "markdown", None)
        if excerpt is None or not isinstance(markdown, str) or separator not in markdown:
            continue
        head = markdown.split(separator, 1)[0]
        page.markdown = f"{head}{separator}{REST}"
    return env
