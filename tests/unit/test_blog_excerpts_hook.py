"""The MkDocs hook that makes the blog's listing pages convert only each post's excerpt."""

from __future__ import annotations

import importlib.util
from types import ModuleType, SimpleNamespace

from tests.helpers import REPO

SEPARATOR = "<!-- more -->"


def load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("blog_excerpts", REPO / "hooks/blog_excerpts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def config_with_blog(blog: object | None) -> SimpleNamespace:
    return SimpleNamespace(plugins={"material/blog": blog} if blog is not None else {})


def files_of(*pages: object) -> SimpleNamespace:
    return SimpleNamespace(documentation_pages=lambda: [SimpleNamespace(page=p) for p in pages])


def test_posts_are_cut_to_their_excerpt_and_keep_text_after_the_separator():
    hook = load_hook()
    post = SimpleNamespace(
        excerpt=object(), markdown=f"Lead paragraph.\n\n{SEPARATOR}\n\n| a | b |\n|---|---|\n"
    )
    whole = SimpleNamespace(excerpt=object(), markdown="No separator here.\n")
    page = SimpleNamespace(markdown=f"A page with {SEPARATOR} but not a post.\n")
    blog = SimpleNamespace(config=SimpleNamespace(post_excerpt_separator=SEPARATOR))
    env = object()
    assert hook.on_env(env, config_with_blog(blog), files_of(post, whole, page)) is env
    head, rest = post.markdown.split(SEPARATOR)
    assert head == "Lead paragraph.\n\n" and rest.strip() and "| a | b |" not in rest
    assert whole.markdown == "No separator here.\n"
    assert page.markdown == f"A page with {SEPARATOR} but not a post.\n"


def test_without_the_blog_plugin_nothing_changes():
    hook = load_hook()
    post = SimpleNamespace(excerpt=object(), markdown=f"Lead.\n{SEPARATOR}\nRest.\n")
    hook.on_env(object(), config_with_blog(None), files_of(post))
    assert post.markdown == f"Lead.\n{SEPARATOR}\nRest.\n"


def test_mkdocs_yml_registers_the_hook():
    assert "hooks/blog_excerpts.py" in (REPO / "mkdocs.yml").read_text()
