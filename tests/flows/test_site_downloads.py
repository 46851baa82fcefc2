"""The built demo site's downloads and home page: each issue's signals file is the
``rotation signals --json`` of its week; the home page's lead chart shows its copies, the feed
keeps the wide light one."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from generator.calls.ledger import published_issues
from generator.cli import cli
from generator.paths import Layout
from tests.helpers import BuiltDemo


def test_an_issues_signals_download_is_the_signals_json_of_its_week(built_demo: BuiltDemo):
    settings = built_demo.settings
    issue = published_issues(Layout.of(settings).posts, settings.tickers)[0]
    download = built_demo.site / issue.url / "signals.json"
    command = ["--config", str(settings.config_file), "signals", "--source", "demo"]
    result = CliRunner().invoke(cli, [*command, "--as-of", str(issue.as_of), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(download.read_text(encoding="utf-8")) == json.loads(result.output)


def test_the_built_home_page_shows_the_lead_charts_copies_and_the_feed_keeps_the_wide_light_one(
    built_demo: BuiltDemo,
):
    home = (built_demo.settings.content_dir / "index.md").read_text(encoding="utf-8")
    figure = home[home.index('<figure class="rd-lead-chart"'): home.index("</figure>")]
    sources = [s.split("#")[0] for s in re.findall(r"\]\(([^)]+\.png#only-\w+)\)", figure)]
    assert [Path(s).name.removeprefix(Path(sources[0]).stem) for s in sources] == [
        ".png", "-dark.png", "-narrow.png", "-narrow-dark.png"
    ]
    assert all((built_demo.site / s).is_file() for s in sources)
    assert 'width="720" height="900"' in figure and 'width="1200" height="675"' in figure
    feed = (built_demo.site / "feed_rss_created.xml").read_text(encoding="utf-8")
    first = feed[feed.index("<item>"):]
    assert re.search(r'<enclosure url="[^"]+/' + re.escape(sources[0]) + '"', first)
