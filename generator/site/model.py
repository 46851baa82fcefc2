"""The site's model: what generated pages are built from, where they live, how they link.

Page paths are relative to the content folder (``calls/<id>.md``, ``tickers/<slug>.md``);
links between pages are relative Markdown links, so MkDocs checks every one in strict mode.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from generator.calls.ledger import PublishedIssue
from generator.calls.scoring import CallScore
from generator.charts.engine import ChartJob, chart_variants
from generator.data.prices import PriceHistory
from generator.config import SignalSettings, SignupSettings
from generator.errors import DraftError
from generator.issue.charts import ChartRef
from generator.issue.text import md_cell
from generator.signals.report import SignalReport
from generator.site.slugs import page_slug
from generator.calls.trackrecord import CallVsBenchmark


def ticker_page(ticker: str) -> str:
    """The ticker page, relative to the content folder."""
    return f"tickers/{page_slug(ticker)}.md"


def call_page(call_id: str) -> str:
    """The call page, relative to the content folder."""
    return f"calls/{page_slug(call_id)}.md"


def rel(target: str, from_page: str) -> str:
    """A relative link from one content page to another content file (both content-relative)."""
    return Path(os.path.relpath(target, Path(from_page).parent)).as_posix()


@dataclass(frozen=True)
class SiteInputs:
    """Everything the generated pages show."""

    content_dir: Path
    site_title: str
    site_description: str
    issues: Sequence[PublishedIssue]
    scores: Sequence[CallScore]
    prices: PriceHistory | None  # for ticker pages and call "now" prices; None without a store
    report: SignalReport | None
    tickers: Sequence[str]
    names: Mapping[str, str]
    groups: Mapping[str, str]  # ticker -> group label
    through: date | None
    synthetic: bool
    chart_history_weeks: int = 156
    issue_cards: Mapping[str, bytes | None] = field(default_factory=dict)  # slug -> lead chart PNG
    site_author: str = ""
    benchmark: str = "SPY"  # outright calls are compared with it
    versus: Mapping[str, CallVsBenchmark] = field(default_factory=dict)  # call id -> vs its benchmark
    category_labels: Mapping[str, str] = field(default_factory=dict)  # category -> its readable name
    signup: SignupSettings = field(default_factory=SignupSettings)
    public_guide: bool = False
    signal_settings: SignalSettings = field(default_factory=SignalSettings)  # for the signals' definitions
    lead_charts: Mapping[str, LeadChart] = field(default_factory=dict)  # slug -> its lead chart's copies
    dark_charts: bool = True  # each page chart also has its dark-mode copy
    narrow_charts: bool = True  # and its phone layout


@dataclass
class SitePages:
    """Page texts by content-relative path, and the images they show."""

    pages: dict[str, str]
    charts: list[ChartJob]


@dataclass(frozen=True)
class LeadChart:
    """An issue's lead chart as it sits beside the issue (absolute paths), with the copies that exist:
    dark, phone layout, the phone layout's dark copy (issues published before the copies existed have
    fewer), and each image's size in pixels for the ``<img>`` attributes.
    """

    path: Path
    size: tuple[int, int]
    dark: Path | None = None
    narrow: Path | None = None
    narrow_dark: Path | None = None
    narrow_size: tuple[int, int] = (720, 900)


def png_size(head: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG from its first 24 bytes (the IHDR chunk), or None if not a PNG."""
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def lead_image_path(issue: PublishedIssue, content_dir: Path) -> Path | None:
    """The issue's lead image as an absolute path; DraftError if it points outside the content folder."""
    if not issue.image:
        return None
    try:
        path = (issue.path.parent / issue.image).resolve()
    except (OSError, ValueError):
        path = None
    if path is None or not path.is_relative_to(content_dir.resolve()):
        raise DraftError(f"{issue.path.name}: image {issue.image!r} is not a file in the content folder")
    return path


def issue_data_file(issue: PublishedIssue, name: str) -> str:
    """A download of an issue, next to its page (``issues/<yyyy>/<MM>/<slug>/<name>``), content-relative."""
    return f"{issue.url.strip('/')}/{name}"


def issue_link(issue: PublishedIssue, content_dir: Path, from_page: str) -> str:
    return rel(issue.path.relative_to(content_dir).as_posix(), from_page)


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no raw HTML, link or ``|`` (drafts.md_cell)."""
    return md_cell(text)


def updown(value: float | None, digits: int = 1) -> str:
    """A signed percent in a span coloured by its sign (``rd-up`` / ``rd-down``); n/a for None."""
    if value is None:
        return "n/a"
    kind = "up" if value > 0 else "down" if value < 0 else "flat"
    return f'<span class="rd-{kind}">{value:+.{digits}f}%</span>'


def status_badge(status: str) -> str:
    """A call's status as a small badge."""
    return f'<span class="rd-status rd-status--{page_slug(status)}">{status}</span>'


def category_label(category: str, labels: Mapping[str, str]) -> str:
    """A call's or an issue's category as readers read it: the label of the group that has it
    (``smallcap-sectors`` -> "Small-cap sectors"), else a slug's words (``space-defence`` ->
    "Space defence"); anything else as typed.
    """
    if category in labels:
        return labels[category]
    if not re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", category):
        return category  # typed as words by the editor: shown as typed
    words = category.replace("-", " ").replace("_", " ")
    return words[:1].upper() + words[1:]


def sentences(text: str, count: int) -> str:
    """The first ``count`` sentences of ``text`` (a sentence ends with . ! or ? before a space
    and a capital letter, a digit or an opening bracket; "172.07" and "Feb 27, 2026" do not end one).
    """
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])", text.strip())
    return " ".join(parts[:count])
def site_chart(
    inputs: SiteInputs, file: str, builder: Callable[..., Figure], /, **arguments: Any
) -> ChartJob:
    """A site page's chart at ``file`` (content-relative), with the dark and phone copies the site draws."""
    return chart_variants(
        inputs.content_dir / file, builder, dark=inputs.dark_charts, narrow=inputs.narrow_charts, **arguments
    )


def site_chart_ref(inputs: SiteInputs, job: ChartJob, page: str, alt: str) -> ChartRef:
    """How the page ``page`` (content-relative) shows ``job``'s images."""
    return ChartRef.of("", job, (inputs.content_dir / page).parent, alt, "")
