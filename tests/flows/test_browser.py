"""A reader's walk through the built demo site in a real browser (Playwright driving Chromium).

home -> archive -> an issue (every image loads) -> a call page -> the ledger (sorting and
filtering work) -> a ticker page -> search finds a ticker; light and dark screenshots of
home, an issue, the ledger and a ticker page; the email at 600 px. Any console error fails.

Without Chromium the tests skip with the reason; under CI (``CI`` set) they must run.
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import os
import shutil
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from generator import pipeline
from generator.calls.ledger import published_issues
from generator.config import load_settings
from generator.paths import Layout
from tests.helpers import REPO, BuiltDemo

CHROMIUM = os.environ.get("ROTATION_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = Path(os.environ.get("ROTATION_SCREENSHOTS", REPO / "build" / "screenshots"))

pytestmark = [pytest.mark.browser, pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]


def _need_browser() -> Any:
    """The Playwright module, or a skip with the reason (a failure under CI)."""
    problem = None
    try:
        from playwright import sync_api
    except ImportError:  # pragma: no cover - playwright is a test dependency
        problem = "playwright is not installed (pip install -e '.[test]')"
    if problem is None and not (Path(CHROMIUM).is_file() or shutil.which("chromium")):
        problem = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set ROTATION_CHROMIUM)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run under CI: {problem}")
        pytest.skip(problem)
    return sync_api


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture(scope="module")
def served(built_demo: BuiltDemo) -> Iterator[str]:
    """The built site over HTTP on 127.0.0.1 (search's web worker does not run from file://)."""
    handler = functools.partial(_QuietHandler, directory=str(built_demo.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = _need_browser()
    with sync_api.sync_playwright() as playwright:
        executable = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield launched
        launched.close()


class Reader:
    """One browser page that records every console error and failed request."""

    def __init__(self, browser: Any, scheme: str = "light", width: int = 1280, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")

    def click(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()
        self.page.wait_for_load_state("networkidle")

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.evaluate("window.scrollTo(0, 0)")  # after scrolling images into view: header at top
        self.page.wait_for_timeout(300)
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def all_images_loaded(self) -> list[str]:
        """Scroll every shown image into view (they load lazily); return those that did not load.

        An image hidden by the palette (Material's ``#only-dark`` in light mode) is not shown,
        so the browser rightly never loads it.
        """
        shown = "Array.from(document.querySelectorAll('article img')).filter(i => i.checkVisibility())"
        # Lazy images that are scrolled past quickly may be deferred; ask for each one now
        # (what a reader scrolling the whole page gets), then wait for all of them.
        self.page.evaluate(f"{shown}.forEach(i => {{ i.loading = 'eager'; i.scrollIntoView(); }})")
        self.page.wait_for_function(f"{shown}.every(i => i.complete)", timeout=30_000)
        return self.page.evaluate(f"{shown}.filter(i => !(i.naturalWidth > 0)).map(i => i.src)")

    def close(self) -> None:
        self.context.close()


def _column(page: Any, header: str) -> list[str]:
    index = page.eval_on_selector_all(
        ".rd-filter table thead th", f"ths => ths.map(t => t.textContent.trim()).indexOf({header!r})"
    )
    return page.eval_on_selector_all(
        ".rd-filter table tbody tr:not([hidden])",
        f"rows => rows.map(r => r.cells[{index}].textContent.trim())",
    )


def _numbers(cells: list[str]) -> list[float]:
    return [float(c.rstrip("%")) for c in cells if c != "n/a"]


def test_a_reader_walks_home_archive_issue_call_ledger_ticker_and_search(
    browser: Any, served: str, built_demo: BuiltDemo
):
    reader = Reader(browser)
    page = reader.page
    reader.open(served)
    assert "Synthetic demo data" in page.locator(".md-banner").inner_text()
    reader.shot("home-light")

    # Home -> the issues (blog index) -> the month of the newest issue with calls -> that issue.
    issues = published_issues(Layout.of(built_demo.settings).posts, built_demo.settings.tickers)
    issue = next(i for i in reversed(issues) if i.calls)
    reader.click(".md-tabs a:text-is('Issues')")
    page.locator(".md-sidebar--primary label.md-nav__link:has-text('Archive')").first.click()
    reader.click(f".md-sidebar--primary a[href*='archive/{issue.as_of:%Y/%m}/']:visible")
    assert f"archive/{issue.as_of:%Y/%m}/" in page.url
    reader.click(f"article h2 a:text-is({issue.title!r})")
    assert "/issues/" in page.url and page.locator("article h1").count() == 1
    assert reader.all_images_loaded() == []
    reader.shot("issue-light")

    # The issue -> one of its calls, scored.
    issue_url = page.url
    reader.click(".rd-issue-calls li a")
    assert "/calls/" in page.url
    assert reader.all_images_loaded() == []
    published_in = page.locator("article em a").first.get_attribute("href")
    assert published_in and page.url.startswith(served) and issue_url.endswith(published_in.split("../")[-1])

    # The call -> the ledger: sorting and filtering work.
    reader.click("article a:text-is('All calls')")
    rows = page.locator(".rd-filter table tbody tr")
    total = rows.count()
    assert total >= 2
    page.locator(".rd-filter table th:text-is('result')").click()
    first = _numbers(_column(page, "result"))
    assert first in (sorted(first), sorted(first, reverse=True)) and first != list(reversed(first))
    page.locator(".rd-filter table th:text-is('result')").click()
    assert _numbers(_column(page, "result")) == list(reversed(first))
    options = page.eval_on_selector_all(
        ".rd-filter-bar select[name='status'] option", "os => os.map(o => o.value).filter(v => v)"
    )
    page.select_option(".rd-filter-bar select[name='status']", options[0])
    statuses = _column(page, "status")
    assert statuses and set(statuses) == {options[0]}
    assert page.locator(".rd-filter-count").inner_text() == f"Showing {len(statuses)} of {total}"
    page.select_option(".rd-filter-bar select[name='status']", "")
    reader.shot("ledger-light")

    # The ledger -> a ticker page.
    tickers_column = 1 + page.eval_on_selector_all(
        ".rd-filter table thead th", "ths => ths.map(t => t.textContent.trim()).indexOf('tickers')"
    )
    reader.click(f".rd-filter table tbody td:nth-child({tickers_column}) a")
    assert "/tickers/" in page.url and "Signal state" in page.locator("article").inner_text()
    assert reader.all_images_loaded() == []
    ticker = page.locator("article h1").inner_text().split(":")[0]
    reader.shot("ticker-light")

    # Search finds a ticker.
    page.locator(".md-search__input").click()
    page.keyboard.type(ticker, delay=30)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=10_000)
    assert ticker in page.locator(".md-search-result").inner_text()

    assert reader.errors == []
    reader.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_key_pages_render_without_errors_in_both_palettes(
    browser: Any, served: str, scheme: str, built_demo: BuiltDemo
):
    issue = published_issues(Layout.of(built_demo.settings).posts, built_demo.settings.tickers)[
        -1
    ]
    pages = [
        ("home", ""),
        ("issue", f"issues/{issue.as_of:%Y/%m}/{issue.slug}/"),
        ("ledger", "calls/"),
        ("track-record", "calls/track-record/"),
        ("tickers", "tickers/"),
        ("ticker", f"tickers/{issue.tags[0].lower()}/"),
        ("call", f"calls/{issue.calls[0].id}/" if issue.calls else "calls/"),
    ]
    reader = Reader(browser, scheme)
    for name, path in pages:
        reader.open(served + path)
        assert reader.all_images_loaded() == [], path
        reader.shot(f"{name}-{scheme}")
    assert reader.errors == []
    reader.close()


@pytest.mark.parametrize(("width", "scheme"), [(600, "light"), (375, "dark")], ids=["600px", "phone-dark"])
def test_the_email_reads_at_600_px_and_on_a_phone_without_scripts(
    browser: Any, built_demo: BuiltDemo, tmp_path: Path, width: int, scheme: str
):
    post = sorted(Layout.of(built_demo.settings).posts.glob("*.md"))[-1]
    export = pipeline.export_email(built_demo.settings, post, tmp_path, now=datetime.now(UTC))
    site_url = built_demo.settings.site.url
    reader = Reader(browser, scheme=scheme, width=width)
    # The images are linked from the published site: serve them from the built one.
    reader.page.route(
        f"{site_url}**",
        lambda route: route.fulfill(path=str(built_demo.site / route.request.url[len(site_url) :])),
    )
    reader.open(export.files[0].as_uri())
    page = reader.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # wide tables scroll on their own
    assert page.evaluate("document.scripts.length") == 0
    assert page.eval_on_selector_all("img", "imgs => imgs.length > 0 && imgs.every(i => i.naturalWidth > 0)")
    background = page.evaluate("getComputedStyle(document.querySelector('td.content')).backgroundColor")
    assert background == ("rgb(22, 27, 34)" if scheme == "dark" else "rgb(255, 255, 255)")
    reader.shot(f"email-{width}px-{scheme}")
    assert reader.errors == []
    reader.close()


PHONE = {"width": 390, "height": 844}  # an iPhone 12-15 screen in CSS pixels


def _issues(built_demo: BuiltDemo) -> list[Any]:
    return published_issues(Layout.of(built_demo.settings).posts, built_demo.settings.tickers)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_home_page_leads_with_this_weeks_issue_its_calls_and_a_way_to_subscribe(
    browser: Any, served: str, built_demo: BuiltDemo, device: str
):
    latest = _issues(built_demo)[-1]
    size = PHONE if device == "phone" else {"width": 1280, "height": 900}
    reader = Reader(browser, width=size["width"], height=size["height"])
    page = reader.page
    reader.open(served)
    title = page.locator(".rd-week h2 a:not(.headerlink)")
    assert title.inner_text().strip() == latest.title
    # The claim of the week is on the first screen, not under a full-screen chart.
    assert title.bounding_box()["y"] < size["height"]
    chart = page.locator(".rd-lead-chart img:visible")  # the light copy (a dark one is hidden)
    chart.scroll_into_view_if_needed()
    shown = "Array.from(document.querySelectorAll('.rd-lead-chart img')).filter(i => i.checkVisibility())"
    page.wait_for_function(f"{shown}.every(i => i.complete)")
    assert chart.evaluate("i => i.naturalWidth") > 0
    assert chart.bounding_box()["width"] <= min(size["width"], 42 * 20 + 1)  # 42rem at 20 px
    cards = page.locator(".rd-call-cards li")
    assert cards.count() == len(latest.calls)
    for k in range(cards.count()):
        text = cards.nth(k).inner_text()
        assert all(word in text for word in ("Entry", "Invalidation", "Horizon")), text
        assert cards.nth(k).locator("a").first.get_attribute("href").startswith("calls/")
    subscribe = page.locator(".rd-subscribe")
    assert subscribe.locator("a[href$='feed_rss_created.xml']").count() == 1
    assert subscribe.locator("a[href$='feed_json_created.json']").count() == 1
    assert page.locator("form.rd-signup").count() == 0  # no [site.signup] action: no form
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    reader.shot(f"home-{device}-light")
    assert reader.errors == []
    reader.close()


def _parses(kind: str, body: bytes) -> Any:
    if kind == "json":
        return json.loads(body.decode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    return rows


def test_every_download_link_returns_a_file_that_parses(browser: Any, served: str, built_demo: BuiltDemo):
    issues = _issues(built_demo)
    issue = next(i for i in reversed(issues) if i.calls)
    reader = Reader(browser)
    page = reader.page
    found: dict[str, Any] = {}
    for path in (issue.url, "calls/", "calls/track-record/"):
        reader.open(served + path)
        links = page.locator("a[download]")
        assert links.count() >= 2, path
        for k in range(links.count()):
            href = links.nth(k).evaluate("a => a.href")
            response = page.request.get(href)
            assert response.ok, href
            kind = href.rsplit(".", 1)[-1]
            found[href.rsplit("/", 1)[-1] if path != issue.url else "issue-" + href.rsplit("/", 1)[-1]] = (
                _parses(kind, response.body())
            )
    signals = found["issue-signals.json"]
    assert signals["as_of"] == issue.as_of.isoformat() and signals["last_session"] <= issue.as_of.isoformat()
    assert {row["id"] for row in found["issue-calls.csv"]} == {c.id for c in issue.calls}
    every = {c.id for i in issues for c in i.calls}
    assert {row["id"] for row in found["calls.csv"]} == every
    assert {row["id"] for row in found["calls.json"]["calls"]} == every
    assert found["track-record.csv"][0]["group"] == "All calls"
    assert found["track-record.json"]["rows"][0]["calls"] == len(every)
    assert reader.errors == []
    reader.close()


def test_on_a_phone_the_ledger_shows_its_key_columns_and_a_wide_table_says_it_scrolls(
    browser: Any, served: str, built_demo: BuiltDemo
):
    reader = Reader(browser, width=PHONE["width"], height=PHONE["height"])
    page = reader.page
    reader.open(served + "calls/")
    shown = page.eval_on_selector_all(
        ".rd-table--ledger thead th",
        "ths => ths.filter(t => t.checkVisibility()).map(t => t.textContent.trim())",
    )
    assert shown == ["call", "result", "status", f"vs {built_demo.settings.benchmark}"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    reader.shot("ledger-phone-light")
    # An issue's wide tables scroll inside the page, each with its cue shown.
    issue = _issues(built_demo)[-1]
    reader.open(served + issue.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # the dashboard
    page.wait_for_timeout(300)
    cues = page.evaluate(
        "Array.from(document.querySelectorAll('.md-typeset__scrollwrap.rd-scrolls'))"
        ".map(w => w.previousElementSibling && w.previousElementSibling.checkVisibility())"
    )
    assert cues and all(cues)
    assert reader.errors == []
    reader.close()


SIGNUP = """
[site.signup]
action = "https://newsletter.example.com/subscribe/post?u=abc&id=123"
email_field = "EMAIL"
hidden = { b_abc_123 = "", tags = "rotation & more" }
button = "Send me the letter"
"""


@pytest.fixture(scope="module")
def signup_site(built_demo: BuiltDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace with a sign-up form and the public guide, built into another site folder."""
    workspace = tmp_path_factory.mktemp("signup") / "ws"
    shutil.copytree(built_demo.workspace, workspace, ignore=shutil.ignore_patterns("site", ".site.build-*"))
    config = workspace / "newsletter.toml"
    text = config.read_text(encoding="utf-8").replace("[site]\n", "[site]\npublic_guide = true\n", 1)
    config.write_text(text + SIGNUP, encoding="utf-8")
    settings = load_settings(config, **{"data.source": "demo"})
    pipeline.build_site(settings)
    return settings.site_dir


def test_the_signup_form_posts_the_configured_fields_to_the_provider(browser: Any, signup_site: Path):
    handler = functools.partial(_QuietHandler, directory=str(signup_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    reader = Reader(browser, width=PHONE["width"], height=PHONE["height"])
    posted: list[tuple[str, str, str]] = []

    def provider(route: Any) -> None:  # the provider's answer, offline
        posted.append((route.request.method, route.request.url, route.request.post_data or ""))
        route.fulfill(status=200, content_type="text/html", body="<title>Thanks</title><p>Thanks</p>")

    reader.context.route("https://newsletter.example.com/**", provider)
    page = reader.page
    try:
        for path in ("", "about/"):
            reader.open(base + path)
            form = page.locator("form.rd-signup")
            assert (
                form.get_attribute("action") == "https://newsletter.example.com/subscribe/post?u=abc&id=123"
            )
            assert form.locator("input[type=email]").get_attribute("name") == "EMAIL"
            assert page.locator("label[for='rd-signup-email']").inner_text() == "Email address"
        reader.shot("signup-phone-light")
        page.fill("#rd-signup-email", "reader@example.org")
        with reader.context.expect_page() as opened:
            page.locator("form.rd-signup button[type=submit]").click()
        opened.value.wait_for_load_state()
        method, url, body = posted[-1]
        assert method == "POST" and url.startswith("https://newsletter.example.com/subscribe/post?u=abc")
        assert urllib.parse.parse_qs(body) == {"EMAIL": ["reader@example.org"], "tags": ["rotation & more"]}
        assert "b_abc_123=" in body  # the provider's empty honeypot field is sent empty
        assert reader.errors == []
    finally:
        reader.close()
        server.shutdown()
        server.server_close()


def test_the_editors_guide_is_public_only_when_the_editor_says_so(built_demo: BuiltDemo, signup_site: Path):
    guide = Path("editors/templates/index.html")
    assert (built_demo.settings.content_dir / "editors/templates.md").is_file()  # the editor's copy
    assert not (built_demo.site / guide).exists()
    assert "For editors" not in (built_demo.site / "about/index.html").read_text(encoding="utf-8")
    assert (signup_site / guide).is_file()  # [site] public_guide = true
    about = (signup_site / "about/index.html").read_text(encoding="utf-8")
    assert "For editors" in about and 'href="../editors/templates/"' in about


AXE_PAGES = ["home", "issue", "ledger", "call", "track-record", "ticker", "tickers"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(
    browser: Any, served: str, built_demo: BuiltDemo, scheme: str
):
    from axe_playwright_python.sync_playwright import Axe

    issue = next(i for i in reversed(_issues(built_demo)) if i.calls)
    paths = {
        "home": "",
        "issue": issue.url,
        "ledger": "calls/",
        "call": f"calls/{issue.calls[0].id}/",
        "track-record": "calls/track-record/",
        "ticker": f"tickers/{issue.tags[0].lower()}/",
        "tickers": "tickers/",
    }
    axe = Axe()
    reader = Reader(browser, scheme)
    found = []
    for name in AXE_PAGES:
        reader.open(served + paths[name])
        for violation in axe.run(reader.page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"][:3]]
                found.append(f"{name}: {violation['id']} ({violation['impact']}) at {targets}")
    assert found == []
    reader.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
def test_each_chart_shows_the_copy_for_the_screen_and_scheme_and_loads_only_that_one(
    browser: Any, served: str, built_demo: BuiltDemo, scheme: str, width: int
):
    settings = built_demo.settings
    issue = published_issues(Layout.of(settings).posts, settings.tickers)[-1]
    reader = Reader(browser, scheme, width)
    fetched: list[str] = []
    reader.page.on(
        "request", lambda r: fetched.append(r.url.split("/")[-1]) if "/assets/charts/" in r.url else None
    )
    reader.open(served + f"issues/{issue.as_of:%Y/%m}/{issue.slug}/")
    assert reader.all_images_loaded() == []
    shown = reader.page.evaluate(
        "Array.from(document.querySelectorAll('article figure img'))"
        ".filter(i => i.checkVisibility())"
        ".map(i => [i.getAttribute('src').split('/').pop(), i.getAttribute('width'),"
        " i.getAttribute('height'), i.clientWidth])"
    )
    suffix = ("-narrow" if width < 600 else "") + ("-dark" if scheme == "dark" else "")
    assert shown and all(src.split("#")[0].endswith(f"{suffix}.png") for src, *_ in shown), shown
    assert all(src.split("#")[0][: -len(".png")].count("-narrow") == (width < 600) for src, *_ in shown)
    size = ("720", "900") if width < 600 else ("1200", "675")
    assert all((w, h) == size for _, w, h, _ in shown)
    assert all(client <= width for *_, client in shown)  # never wider than the screen
    every = reader.page.evaluate(
        "Array.from(document.querySelectorAll('article img')).map(i => [i.getAttribute('width'),"
        " i.getAttribute('height')])"
    )
    assert all(w and h for w, h in every)  # width and height on every image: the page does not jump
    # Only the layout for the screen is fetched (the other is lazy and hidden). Of the other
    # colour scheme, at most the charts near the top: Material picks the scheme after the page
    # starts loading.
    assert fetched and all(("-narrow" in name) == (width < 600) for name in fetched), fetched
    # The home page's lead chart (issue 16) is the same chart in the same four copies.
    fetched.clear()
    reader.open(served)
    assert reader.all_images_loaded() == []
    lead = reader.page.evaluate(
        "Array.from(document.querySelectorAll('.rd-lead-chart img')).filter(i => i.checkVisibility())"
        ".map(i => [i.getAttribute('src').split('#')[0].split('/').pop(), i.getAttribute('width'),"
        " i.getAttribute('height')])"
    )
    assert len(lead) == 1 and lead[0][0].endswith(f"{suffix}.png") and tuple(lead[0][1:]) == size, lead
    assert lead[0][0][: -len(".png")].count("-narrow") == (width < 600)
    assert fetched and all(("-narrow" in name) == (width < 600) for name in fetched), fetched
    reader.close()
