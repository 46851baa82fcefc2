"""The site's small rules: downloads (CSV cells, an issue's frozen signals), readable category
names, distinct titles on the home page, the issues where a ticker is a story."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

from generator.calls.ledger import PublishedIssue
from generator.calls.model import Call
from generator.site.downloads import to_csv
from generator.site.issue_signals import write_issue_signals
from generator.site.model import LeadChart, category_label, png_size, sentences
from generator.site.pages import recent_issues
from generator.site.tickers import is_story
from generator.site.write import lead_charts


def _issue(day: date, title: str = "t", **kwargs: object) -> PublishedIssue:
    fields: dict[str, object] = dict(
        path=Path(f"{day}.md"),
        title=title,
        slug=str(day),
        as_of=day,
        description="",
        categories=[],
        tags=[],
        source="demo",
        synthetic=True,
        url=f"issues/{day:%Y/%m}/{day}/",
    )
    fields.update(kwargs)
    return PublishedIssue(**fields)  # type: ignore[arg-type]


def test_a_csv_text_cell_that_a_spreadsheet_would_run_is_quoted_and_numbers_are_not():
    records = [{"id": "c1", "thesis": "=HYPERLINK(\"http://x\")", "result_pct": -4.5, "stop": None}]
    text = to_csv(records, ["id", "thesis", "result_pct", "stop"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == [{"id": "c1", "thesis": "'=HYPERLINK(\"http://x\")", "result_pct": "-4.5", "stop": ""}]


def test_categories_read_as_their_groups_labels_or_as_words():
    labels = {"sectors": "S&P 500 sectors", "smallcap-sectors": "Small-cap sectors"}
    assert category_label("smallcap-sectors", labels) == "Small-cap sectors"
    assert category_label("sectors", labels) == "S&P 500 sectors"
    assert category_label("benchmark", labels) == "Benchmark"
    assert category_label("space_and-defence", {}) == "Space and defence"


def test_the_lead_is_the_first_two_sentences_and_a_price_does_not_end_one():
    text = "PSCM closed at 172.07 against 169.69. It broke out of a 32-week base (Feb 13, 2026). A third."
    two = "PSCM closed at 172.07 against 169.69. It broke out of a 32-week base (Feb 13, 2026)."
    assert sentences(text, 2) == two


def test_a_title_repeated_week_after_week_is_one_entry_of_the_recent_issues():
    titles = ["A", "B", "B", "B", "C", "B", "D", "E", "F", "G", "H", "I"]
    issues = [_issue(date(2026, 1, 2) + timedelta(weeks=k), t) for k, t in enumerate(reversed(titles))]
    runs = recent_issues(issues, limit=5)
    # Newest first, the latest (A) left out (the home page leads with it); B B B is one entry.
    assert [[i.title for i in run] for run in runs] == [["B", "B", "B"], ["C"], ["B"], ["D"], ["E"]]
    assert [r[0].as_of > r[-1].as_of for r in runs if len(r) > 1] == [True]


def test_a_ticker_is_a_story_when_the_title_lead_a_heading_or_a_call_names_it():
    call = Call("c", "long", "XLV", None, "sectors", "", {"XLV": 1.0}, 13, stop=0.5)
    plain = _issue(date(2026, 1, 2), "IWM leads", body="PSCT and XLV appear in a table.\n| PSCT | 1 |")
    assert is_story(plain, "IWM") and not is_story(plain, "PSCT")
    assert is_story(_issue(date(2026, 1, 2), "x", description="PSCT broke out."), "PSCT")
    assert is_story(_issue(date(2026, 1, 2), "x", body="## PSCT completes its base\ntext"), "PSCT")
    assert is_story(_issue(date(2026, 1, 2), "x", calls=[call]), "XLV")
    assert not is_story(_issue(date(2026, 1, 2), "PSCTX rallies"), "PSCT")  # a whole word only


def test_an_issues_signals_file_is_written_once_and_then_kept(tmp_path: Path):
    issue = _issue(date(2026, 6, 26))
    computed: list[date] = []

    class Report:
        def __init__(self, as_of: date) -> None:
            self.as_of = as_of

        def to_jsonable(self) -> dict[str, str]:
            return {"as_of": self.as_of.isoformat()}

    def report_of(i: PublishedIssue) -> Report:
        computed.append(i.as_of)
        return Report(i.as_of)

    paths, written = write_issue_signals(tmp_path, [issue], report_of)  # type: ignore[arg-type]
    assert written == 1 and paths == [tmp_path / "issues/2026/06/2026-06-26/signals.json"]
    assert json.loads(paths[0].read_text()) == {"as_of": "2026-06-26"}
    paths[0].write_text('{"as_of": "as published"}\n')  # what the first build after publication wrote
    _, written = write_issue_signals(tmp_path, [issue], report_of)  # type: ignore[arg-type]
    assert written == 0 and computed == [date(2026, 6, 26)]
    assert json.loads(paths[0].read_text()) == {"as_of": "as published"}


def _png(path: Path, width: int, height: int) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, height)).save(path)


def test_the_home_pages_lead_chart_has_the_copies_found_beside_the_issue(tmp_path: Path):
    content = tmp_path / "content"
    posts = content / "issues/posts"
    charts = content / "issues/posts/charts"
    newer = _issue(date(2026, 6, 26), path=posts / "new.md", slug="new", image="charts/iwm.png")
    older = _issue(date(2024, 1, 5), path=posts / "old.md", slug="old", image="charts/spy.png")
    for name, size in [("iwm", (1200, 675)), ("iwm-dark", (1200, 675)), ("iwm-narrow", (720, 900)),
                       ("iwm-narrow-dark", (720, 900)), ("spy", (1000, 500))]:
        _png(charts / f"{name}.png", *size)
    found = lead_charts([newer, older], content)
    assert found["new"] == LeadChart(
        (charts / "iwm.png").resolve(),
        (1200, 675),
        dark=(charts / "iwm-dark.png").resolve(),
        narrow=(charts / "iwm-narrow.png").resolve(),
        narrow_dark=(charts / "iwm-narrow-dark.png").resolve(),
        narrow_size=(720, 900),
    )
    # Published before charts had copies: the light chart alone, at its own size.
    assert found["old"] == LeadChart((charts / "spy.png").resolve(), (1000, 500))
    assert png_size(b"GIF89a" + bytes(18)) is None
