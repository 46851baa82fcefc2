"""Text for templates: the strict Jinja environment, the escaping filters and number formats.

Templates come from the workspace's ``templates/`` first, then the defaults shipped in the
package, so an editor can override any one file. Rendering is strict: an undefined variable
or a syntax error stops the run with the template's file and line.

Markdown passes raw HTML through, so every value that comes from the data, newsletter.toml
or an editor goes through ``md_text`` (``text``) or ``md_cell`` (``cell``) in a template.
"""

from __future__ import annotations

import hashlib
import html
import traceback
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import yaml

from generator.config import Settings
from generator.errors import TemplateError
from generator.safetext import character_reference, escape_references, replace_bad_characters


def template_env(settings: Settings) -> jinja2.Environment:
    """Strict Jinja environment: workspace templates override the packaged defaults."""
    packaged = Path(str(resources.files("generator.templates")))
    search = [str(p) for p in dict.fromkeys([settings.templates_dir, packaged]) if p.is_dir()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Markdown templates are not escaped (Markdown passes raw HTML through, so every value
        # that comes from the data, newsletter.toml or an editor goes through `text` or `cell`);
        # HTML templates (email/issue.html.j2) are autoescaped.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=False),
    )
    env.filters.update(
        pct=fmt_pct,
        signed=fmt_signed,
        move=fmt_move,
        bp=fmt_bp,
        price=fmt_price,
        span=fmt_span,
        yaml=dump_yaml,
        pick=pick_wording,
        text=md_text,
        cell=md_cell,
        attr=html_attr,
    )
    return env


_MD_SPECIAL = str.maketrans(
    {"<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "{": "\\{", "}": "\\}", "\n": " ", "\r": " "}
)


def md_text(value: object) -> str:
    """Text that stays text in Markdown: no raw HTML, link or attribute list can come out of it.

    ``<`` and ``>`` become entities (Markdown would pass a tag through to the page), and
    ``[ ] { }`` are backslash-escaped (a link, or an ``{ onclick=... }`` attribute list); a
    newline becomes a space, so a value cannot start a block of its own. A character
    reference (``&amp;``) is escaped to show as typed; a bare ``&`` (S&P) is left alone.
    """
    return escape_references(str(value)).translate(_MD_SPECIAL)


def md_cell(value: object) -> str:
    """``md_text`` that also stays inside one Markdown table cell (``|`` escaped)."""
    return md_text(value).replace("|", "\\|")


def html_attr(value: object) -> str:
    """Fully HTML-escaped text (quotes too): for a generated page's front-matter title and
    description, which Material reads as HTML (its navigation and search index print a page
    title as it is; our theme copies decode it with ``striptags`` and escape it again).
    """
    return html.escape(str(value), quote=True)


_PLAIN = str.maketrans({"<": "\u2039", ">": "\u203a", '"': "\u201d", "[": "(", "]": ")", "{": "(", "}": ")"})


def plain_text(value: str) -> str:
    """One line of text the front-matter checks accept (generator.safetext), for the generated
    title, description and categories, which the theme prints as HTML and Material's blog reads
    as Markdown: ``< > "`` become ``‹ › ”``, ``[ ] { }`` become ``( )``, a line break or control
    character a space, and the ``&`` of a character reference (``&amp;``) a full-width ``＆``.
    """
    text = replace_bad_characters(value.translate(_PLAIN))
    while (reference := character_reference(text)) is not None:
        text = text.replace(reference, "\uff06" + reference[1:], 1)
    return text


def fmt_pct(value: float | None, decimals: int = 1) -> str:
    """A percentage: ``12.3%``; ``n/a`` for a missing value."""
    return "n/a" if value is None else f"{value:.{decimals}f}%"


def fmt_signed(value: float | None, decimals: int = 1) -> str:
    """A signed percentage: ``+1.2%`` / ``-0.4%``; ``n/a`` for a missing value."""
    return "n/a" if value is None else f"{value:+.{decimals}f}%"


def fmt_move(value: float | None, decimals: int = 1) -> str:
    """A signed move for a sentence: ``+1.2%``; ``unchanged`` when it rounds to zero (never 0.0%)."""
    if value is None:
        return "n/a"
    text = f"{value:+.{decimals}f}%"
    return "unchanged" if float(text[:-1]) == 0 else text


def fmt_bp(value: float | None) -> str:
    """A percentage as signed basis points: 0.25 -> ``+25 bp``."""
    return "n/a" if value is None else f"{value * 100:+.0f} bp"


def fmt_price(value: float | None) -> str:
    """A price with thousands separators and cents: ``1,234.50``."""
    return "n/a" if value is None else f"{value:,.2f}"


def fmt_span(weeks: int | None) -> str:
    """A length in weeks as a reader says it: ``27-week``, ``2.4-year``."""
    if weeks is None:
        return "n/a"
    return f"{weeks}-week" if weeks < 52 else f"{weeks / 52:.1f}-year"


def pick_wording(choices: Sequence[str], *keys: object) -> str:
    """One of ``choices``, chosen by a stable hash of ``keys``: varied wording, same bytes every run."""
    if not choices:
        return ""
    digest = hashlib.sha256("|".join(str(k) for k in keys).encode("utf-8")).digest()
    return choices[int.from_bytes(digest[:4], "big") % len(choices)]


class _NoAliasDumper(yaml.SafeDumper):
    """YAML without ``&id001`` anchors: editors read and edit this front matter by hand."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(value: Any) -> str:
    """Plain block-style YAML, keys in the given order, no anchors."""
    text = yaml.dump(value, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=100)
    return text.rstrip("\n")


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render one template; any Jinja failure becomes a TemplateError with file and line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name}:{exc.lineno}"
        raise TemplateError(f"template syntax error in {where}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template not found: {exc.name} (looked in {env.loader.searchpath})") from exc  # type: ignore[union-attr]
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise TemplateError(f"template error in {_template_frame(exc)}: {exc}") from exc


def _template_frame(exc: BaseException) -> str:
    """The innermost template file and line of a render-time exception."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if not frames:
        return "a template (no line information)"
    return f"{frames[-1].filename}:{frames[-1].lineno}"
