"""Helpers the tests import (conftest.py holds fixtures only, and imports what it needs from here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from generator.calls.ledger import PublishedIssue
from generator.config import Settings, SourceSpec
from generator.data.prices import PriceHistory
from generator.data.universe import UniverseData
from generator.issue.context import DraftInputs
from generator.issue.drafts import DraftResult
from generator.issue.text import template_env

DEMO = SourceSpec.parse("demo")
# The time of a test's run, passed where the CLI would pass the clock: fixed, so a run is repeatable.
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def draft(
    settings: Settings,
    prices: PriceHistory,
    as_of: date,
    *,
    source: SourceSpec = DEMO,
    universe: UniverseData | None = None,
    published: Sequence[PublishedIssue] = (),
    **options: Any,
) -> DraftResult:
    """``pipeline.draft_issue`` of one week from these prices (no universe, nothing published)."""
    from generator import pipeline

    inputs = DraftInputs(prices, universe, list(published), template_env(settings))
    return pipeline.draft_issue(settings, inputs, as_of, source=source, **options)
