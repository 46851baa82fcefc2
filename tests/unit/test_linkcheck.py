"""The link check of a built site (``generator.site.linkcheck``), on small folders of HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import PublishError
from generator.site.linkcheck import check_site, require_links


def _site(folder: Path, index: str) -> Path:
    (folder / "a").mkdir()
    (folder / "index.html").write_text(index, encoding="utf-8")
    (folder / "a" / "index.html").write_text('<h2 id="there">x</h2>', encoding="utf-8")
    return folder


def test_link_check_reports_a_broken_link(tmp_path: Path):
    _site(
        tmp_path, '<a href="a/">ok</a> <a href="b/">gone</a> <img src="a/x.png"><a href="a/#here">anchor</a>'
    )
    _, broken = check_site(tmp_path)
    assert sorted(b.url for b in broken) == ["a/#here", "a/x.png", "b/"]


def test_links_to_the_site_url_and_external_links_are_told_apart(tmp_path: Path):
    _site(
        tmp_path,
        '<a href="https://x.org/news/a/#there">ok</a> <a href="https://x.org/news/b/">gone</a>'
        ' <a href="https://elsewhere.org/b/">external</a> <a href="mailto:a@b.org">mail</a>',
    )
    _, broken = check_site(tmp_path, site_url="https://x.org/news/")
    assert [b.url for b in broken] == ["https://x.org/news/b/"]


def test_a_site_with_every_link_resolving_passes_and_counts_its_pages(tmp_path: Path):
    _site(tmp_path, '<a href="a/#there">ok</a> <link href="a/index.html" rel="stylesheet">')
    assert require_links(tmp_path) == 2


def test_broken_links_fail_the_build_naming_the_first_few_and_how_many_more(tmp_path: Path):
    _site(tmp_path, "".join(f'<a href="gone-{i}/">x</a>' for i in range(7)))
    with pytest.raises(PublishError) as caught:
        require_links(tmp_path, shown=5)
    message = str(caught.value)
    first = "index.html: gone-0/ (no file gone-0/index.html)"
    assert message.startswith(f"the built site has 7 broken links: {first}; ")
    assert "gone-4/" in message and "gone-5/" not in message
    assert message.endswith("and 2 more (the previous site was kept)")
