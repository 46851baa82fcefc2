"""Draft a run of real-data weeks (no charts drawn) and lint every draft (generator.stories.lint).

Used by tests/flows/test_letter_lint.py and, for the figures of the issue note, from the command line:

    python -m tests.letter_backfill --from 2019-01-04 --to 2026-07-10 [--workers 2] [--examples]

The weeks are split into consecutive blocks, one per worker process; each block also drafts
the week before its first (not counted), so "the title repeats last week's" is checked for
every counted week.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from generator import pipeline
from generator.config import SourceSpec, load_settings
from generator.data.prices import history_from_bars
from generator.data.sources.csvfolder import CsvFolderSource
from generator.issue.context import DraftInputs
from generator.issue.text import template_env
from generator.issue.weeks import issue_fridays
from generator.stories.lint import LintResult, LintSummary, lint_issue
from tests.helpers import make_workspace, shared_folder

# The documented sample: every Friday from the first full year of the ARK funds' history to
# the last complete week of the CSV data (prices to Tuesday 2026-07-14).
SAMPLE_FIRST = date(2019, 1, 4)
SAMPLE_LAST = date(2026, 7, 10)


def draft_block(fridays: Sequence[date], *, skip_first: bool) -> list[tuple[date, str]]:
    """Draft ``fridays`` in order in a throwaway workspace; (as-of, Markdown) per week."""
    folder = shared_folder("adjusted-closes")
    with tempfile.TemporaryDirectory(prefix="letter-lint-") as tmp:
        settings = load_settings(make_workspace(Path(tmp) / "ws") / "newsletter.toml")
        source = CsvFolderSource(folder)
        result = source.fetch(settings.tickers, date(1990, 1, 1))
        prices = history_from_bars(
            result.bars, one_close=result.one_close, notes=result.notes, source_label=source.label
        )
        inputs = DraftInputs(prices, None, [], template_env(settings))  # one run: last week's signals kept
        out: list[tuple[date, str]] = []
        for friday in fridays:
            result = _draft(settings, inputs, friday)
            out.append((friday, result.outcome.path.read_text(encoding="utf-8")))
        return out[1:] if skip_first else out


def _draft(settings, inputs, friday):  # type: ignore[no-untyped-def]
    """One week's draft, without charts (the letter lint drafts hundreds of weeks)."""
    source = SourceSpec.parse("csv:../shared/data/prices/adjusted-closes")
    return pipeline.draft_issue(settings, inputs, friday, source=source, charts=False)


def blocks(fridays: Sequence[date], count: int) -> list[tuple[list[date], bool]]:
    """``count`` consecutive blocks; each but the first starts with the week before it (not counted)."""
    size = -(-len(fridays) // max(count, 1))
    out = []
    for start in range(0, len(fridays), size):
        chunk = list(fridays[start : start + size])
        if start:
            out.append(([fridays[start - 1], *chunk], True))
        else:
            out.append((chunk, False))
    return out


def lint_weeks(fridays: Sequence[date], *, workers: int = 2) -> list[tuple[date, str, LintResult]]:
    """Draft and lint every week of ``fridays`` (consecutive Fridays), ``workers`` blocks at once."""
    settings = load_settings(Path(__file__).resolve().parent.parent / "newsletter.toml")
    parts = blocks(fridays, workers)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            drafted = [w for part in pool.map(_block, parts) for w in part]
    else:
        drafted = [w for part in map(_block, parts) for w in part]
    out = []
    previous: str | None = None
    for friday, text in drafted:
        result = lint_issue(
            text,
            tickers=settings.tickers,
            max_prose_words=getattr(settings.issue, "max_prose_words", 600),
            previous_title=previous,
        )
        out.append((friday, text, result))
        previous = result.title
    return out


def _block(part: tuple[list[date], bool]) -> list[tuple[date, str]]:
    fridays, skip_first = part
    return draft_block(fridays, skip_first=skip_first)


def summarise(results: Sequence[tuple[date, str, LintResult]]) -> LintSummary:
    """The counts over every linted week."""
    summary = LintSummary()
    for friday, _, result in results:
        summary.add(result, friday.isoformat())
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="first", default=SAMPLE_FIRST.isoformat())
    parser.add_argument("--to", dest="last", default=SAMPLE_LAST.isoformat())
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--examples", action="store_true")
    args = parser.parse_args()
    fridays = issue_fridays(date.fromisoformat(args.first), date.fromisoformat(args.last))
    started = time.perf_counter()
    results = lint_weeks(fridays, workers=args.workers)
    summary = summarise(results)
    print(summary.table())
    print(f"\n{len(fridays)} weeks in {time.perf_counter() - started:.0f} s")
    if args.examples:
        for name, lines in summary.examples.items():
            print(f"\n{name}:")
            for line in lines:
                print(f"  {line}")


if __name__ == "__main__":
    main()
