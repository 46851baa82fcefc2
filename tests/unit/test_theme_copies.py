"""Our copies of Material's templates are Material's, but for the escaping we added.

overrides/ holds copies of Material's header and navigation partials and of two blocks of its
base.html (site_meta, htmltitle), each with the values Material prints unescaped escaped. When
Material is upgraded and changes one of them, this test fails and names it: copy the new version
and escape the same values again.
"""

from __future__ import annotations

import re
from pathlib import Path

import material
import pytest

from tests.helpers import REPO

MATERIAL = Path(material.__file__).parent / "templates"
GENERATED = "{#-\n  This file was automatically generated - do not edit\n-#}\n"
OUR_COMMENT = re.compile(r"\A\{#-.*?-#\}\n", re.S)

# (Material's text, ours) for each change we made.
PARTIALS = {
    "partials/header.html": [
        ('aria-label="{{ config.site_name }}"', 'aria-label="{{ config.site_name | e }}"'),
        (
            '<span class="md-ellipsis">\n            {{ config.site_name }}',
            '<span class="md-ellipsis">\n            {{ config.site_name | e }}',
        ),
        ("{{ page.meta.title }}", "{{ page.meta.title | striptags | e }}"),
        ("{{ page.title }}", "{{ page.title | striptags | e }}"),
    ],
    "partials/nav.html": [
        ('aria-label="{{ config.site_name }}"', 'aria-label="{{ config.site_name | e }}"'),
        ("</a>\n    {{ config.site_name }}\n", "</a>\n    {{ config.site_name | e }}\n"),
    ],
    "partials/content.html": [
        (
            "<h1>{{ page.title | d(config.site_name, true)}}</h1>",
            "<h1>{% if page.title %}{{ page.title | striptags | e }}{% else %}{{ config.site_name | e }}"
            "{% endif %}</h1>",
        ),
        ("{{ page.content }}\n", '{{ page.content }}\n{% include "partials/issue-calls.html" %}\n'),
    ],
}
BLOCKS = {
    "site_meta": [
        ("{{ page.meta.description }}", "{{ page.meta.description | striptags | e }}"),
        ("{{ config.site_description }}", "{{ config.site_description | e }}"),
        ("{{ page.meta.author }}", "{{ page.meta.author | striptags | e }}"),
        ("{{ config.site_author }}", "{{ config.site_author | e }}"),
        ("{{ page.canonical_url }}", "{{ page.canonical_url | e }}"),
        # Material writes its own version here; ours would go stale at the next upgrade.
        (re.compile(r"mkdocs-material-[0-9.]+"), "mkdocs-material"),
    ],
    "htmltitle": [
        ("{{ page.meta.title }}", "{{ page.meta.title | striptags | e }}"),
        ("{{ page.title | striptags }}", "{{ page.title | striptags | e }}"),
        ("{{ config.site_name }}", "{{ config.site_name | e }}"),
    ],
}


def _apply(text: str, changes) -> str:
    for old, new in changes:
        if isinstance(old, re.Pattern):
            assert old.search(text), f"Material no longer has {old.pattern!r}"
            text = old.sub(new, text)
        else:
            assert old in text, f"Material no longer has {old!r}"
            text = text.replace(old, new)
    return text


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(PARTIALS))
def test_a_copied_partial_is_materials_with_its_values_escaped(name: str):
    theirs = (MATERIAL / name).read_text(encoding="utf-8")
    assert theirs.startswith(GENERATED)
    expected = _apply(theirs.removeprefix(GENERATED), PARTIALS[name])
    ours = OUR_COMMENT.sub("", (REPO / "overrides" / name).read_text(encoding="utf-8"), count=1)
    assert ours == expected


def _block(text: str, name: str) -> str:
    match = re.search(r"\{% block " + name + r" %\}(.*?)\{% endblock %\}", text, re.S)
    assert match, f"no block {name}"
    return match.group(1)


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_a_copied_block_of_base_html_is_materials_with_its_values_escaped(name: str):
    theirs = _block((MATERIAL / "base.html").read_text(encoding="utf-8"), name)
    ours = _block((REPO / "overrides" / "main.html").read_text(encoding="utf-8"), name)
    assert _lines(ours) == _lines(_apply(theirs, BLOCKS[name]))


def test_every_value_material_prints_raw_in_the_copies_is_escaped_now():
    # Nothing from the config or a page's meta is printed without a filter in our copies.
    raw = re.compile(r"\{\{\s*(config\.site_\w+|page\.meta\.\w+|page\.title|page\.canonical_url)\s*\}\}")
    for name in [*PARTIALS, "main.html"]:
        text = (REPO / "overrides" / name).read_text(encoding="utf-8")
        assert not raw.search(text), (name, raw.search(text))
