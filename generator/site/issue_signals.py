"""Each published issue's signals as a download: the ``rotation signals --json`` document as of
the issue's week, next to its page (``issues/<yyyy>/<MM>/<slug>/signals.json``).

A published issue is frozen (DESIGN.md principle 3), and so is this file: it is computed once,
at the first build after the issue is published, from closes on or before the issue's as-of
day only, and never rewritten, so later prices cannot change what the issue's data said.
Delete it to have the next build compute it again (from the store as it is then).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from generator.fsio import atomic_write_text
from generator.calls.ledger import PublishedIssue
from generator.signals.report import SignalReport
from generator.site.model import issue_data_file

SIGNALS_FILE = "signals.json"


def signals_document(report: SignalReport) -> str:
    """The report as ``rotation signals --json`` prints it (the same keys and values), compact:
    an archive holds one per issue.
    """
    return json.dumps(report.to_jsonable(), sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_issue_signals(
    content_dir: Path, issues: Sequence[PublishedIssue], report_of: Callable[[PublishedIssue], SignalReport]
) -> tuple[list[Path], int]:
    """Every published issue's signals file (the paths) and how many were written now; an
    existing file is kept as it is (see the module).
    """
    paths: list[Path] = []
    written = 0
    for issue in issues:
        path = content_dir / issue_data_file(issue, SIGNALS_FILE)
        if not path.is_file():
            atomic_write_text(path, signals_document(report_of(issue)))
            written += 1
        paths.append(path)
    return paths, written
