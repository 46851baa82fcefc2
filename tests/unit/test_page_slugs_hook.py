"""The MkDocs hook that gives the theme's templates the rule naming call and ticker pages."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import jinja2

from generator.site.model import call_page, ticker_page
from tests.helpers import REPO


def theme_env() -> jinja2.Environment:
    spec = importlib.util.spec_from_file_location("page_slugs", REPO / "hooks/page_slugs.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(REPO / "overrides"), autoescape=True)
    env.filters["url"] = lambda value: value
    assert hook.on_env(env, None, None) is env
    return env


def test_an_issues_call_links_to_the_page_build_writes_for_it():
    call_ids = ["2025-07-04-long-iwm-vs-^gspc", "iwm_-x.", "a^b", "brk.b=f"]
    page = SimpleNamespace(
        meta={
            "rotation": {"as_of": "2025-07-04"},
            "calls": [{"id": i, "position": "long IWM"} for i in call_ids],
        }
    )
    html = theme_env().get_template("partials/issue-calls.html").render(page=page)
    for call_id in call_ids:
        assert f'href="{call_page(call_id).removesuffix(".md")}/"' in html


def test_an_issues_tags_link_to_the_ticker_pages_build_writes():
    tags = [SimpleNamespace(name=t, hidden=False) for t in ("^GSPC", "BRK.B", "EURUSD=X", "A-.B")]
    html = theme_env().get_template("partials/tags.html").render(page=SimpleNamespace(meta={}), tags=tags)
    for tag in tags:
        assert f'href="{ticker_page(tag.name).removesuffix(".md")}/"' in html


def test_without_the_hook_the_theme_spells_the_same_rule_for_real_tickers_and_ids():
    # Zensical runs no MkDocs hook; the partials fall back to the rule spelled in Jinja.
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(REPO / "overrides"), autoescape=True)
    env.filters["url"] = lambda value: value
    tickers = ("^GSPC", "BRK.B", "BRK-B", "EURUSD=X", "ES=F", "BTC-USD", "IWM")
    tags = [SimpleNamespace(name=t, hidden=False) for t in tickers]
    html = env.get_template("partials/tags.html").render(page=SimpleNamespace(meta={}), tags=tags)
    for tag in tags:
        assert f'href="{ticker_page(tag.name).removesuffix(".md")}/"' in html
    call_ids = ["2025-07-04-long-iwm-vs-^gspc", "2025-07-04-long-brk.b", "2025-07-04-long-es=f_2"]
    page = SimpleNamespace(
        meta={
            "rotation": {"as_of": "2025-07-04"},
            "calls": [{"id": i, "position": "long IWM"} for i in call_ids],
        }
    )
    html = env.get_template("partials/issue-calls.html").render(page=page)
    for call_id in call_ids:
        assert f'href="{call_page(call_id).removesuffix(".md")}/"' in html
