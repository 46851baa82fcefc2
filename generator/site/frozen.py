"""Frozen charts: the fingerprints ``rotation publish`` recorded, checked at every build.

Publishing records the SHA-256 (16 hex digits) of every local image the post shows under
``rotation: charts:`` (``publish.chart_fingerprints``). A published issue's charts are what
readers saw: nothing redraws them, and a chart file replaced by hand afterwards (a swapped
PNG, a redraw copied in, a bad merge) would otherwise change a published issue without a
trace. The build refuses it and names the issue and the chart. To show a new chart on
purpose, the editor writes its new fingerprint under ``rotation: charts:``: a deliberate,
reviewable edit of the post (the error gives the line to write).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from generator.calls.ledger import PublishedIssue
from generator.errors import PublishError
from generator.site.publish import IMAGE_LINK


def fingerprint(data: bytes) -> str:
    """The fingerprint publish records: the first 16 hex digits of the SHA-256."""
    return hashlib.sha256(data).hexdigest()[:16]


def changed_charts(issue: PublishedIssue) -> list[str]:
    """What changed among the charts ``issue`` shows since it was published, one phrase each.

    Only charts the post still shows are checked: a chart the editor took out of a published
    post is no longer on its page.
    """
    shown = {link.split("#")[0] for link in IMAGE_LINK.findall(issue.body)}
    problems = []
    for link, recorded in sorted(issue.chart_prints.items()):
        if link not in shown:
            continue
        try:
            now = fingerprint((issue.path.parent / link).read_bytes())
        except OSError:
            problems.append(f"chart {link} is missing (published with fingerprint {recorded})")
            continue
        if now != recorded:
            problems.append(
                f"chart {link} changed since it was published (fingerprint {recorded}, now {now})"
            )
    return problems


def check_frozen_charts(issues: Sequence[PublishedIssue]) -> None:
    """PublishError naming the first issue whose charts changed since publication, and each chart."""
    for issue in issues:
        problems = changed_charts(issue)
        if problems:
            raise PublishError(
                f"{issue.path.name}: " + "; ".join(problems) + ". Put the published files back (e.g. "
                "`git checkout` them), or, to show a new chart on purpose, write its new fingerprint "
                "under `rotation: charts:` in the post (`<link>: <now>`)"
            )
