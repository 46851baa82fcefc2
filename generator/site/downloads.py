"""The numbers behind the site as files a reader can download (pure: values in, texts out).

- ``calls/calls.csv`` and ``calls/calls.json``: every call of the ledger, as published and
  as scored now, beside its benchmark and base rate (``generator.calls.trackrecord``);
- ``calls/track-record.csv`` and ``.json``: the track record's rows, all, by category and by year;
- ``issues/<yyyy>/<MM>/<slug>/calls.csv``: one issue's calls (its page links it), beside its
  ``signals.json``, the ``rotation signals --json`` document as of the issue's week (written
  by the build's edge, ``generator.pipeline``).

Names are stable: a reader's script can fetch the same address every week. The CSV files are
UTF-8 with a header row, one call or group per row, numbers as plain decimals (percent values
in columns ending ``_pct``), an empty cell where the JSON has null. A text cell that a
spreadsheet would read as a formula (starting with ``= + - @``) gets a leading ``'`` (the
OWASP advice against CSV injection); the JSON has the text as written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from generator.calls.scoring import CallScore
from generator.calls.trackrecord import CallVsBenchmark, RecordRow

CALL_COLUMNS = (
    "id",
    "issue_date",
    "issue_slug",
    "position",
    "direction",
    "ticker",
    "against",
    "category",
    "category_label",
    "thesis",
    "entry",
    "entry_against",
    "stop",
    "stop_pct",
    "horizon_weeks",
    "horizon_end",
    "entry_day",
    "status",
    "ended_on",
    "last_day",
    "sessions",
    "days_open",
    "result_pct",
    "best_pct",
    "worst_pct",
    "benchmark",
    "benchmark_pct",
    "excess_pct",
    "base_rate_pct",
    "base_entries",
)
TEXT_COLUMNS = ("id", "issue_slug", "position", "category", "category_label", "thesis", "label", "group")
RECORD_COLUMNS = (
    "group",
    "label",
    "calls",
    "open",
    "ended",
    "hits",
    "hit_rate_pct",
    "base_rate_pct",
    "mean_pct",
    "median_pct",
    "benchmark_mean_pct",
    "excess_mean_pct",
    "beat_benchmark",
)
DIGITS = 4  # decimals kept for percent values (a basis point is 0.01)


def _number(value: float | None) -> float | None:
    return None if value is None else round(float(value), DIGITS)


def call_record(score: CallScore, versus: CallVsBenchmark | None, category_label: str) -> dict[str, Any]:
    """One call as the downloads hold it (keys: ``CALL_COLUMNS``)."""
    call = score.call
    against = call.benchmark
    return {
        "id": call.id,
        "issue_date": call.issue_date,
        "issue_slug": call.issue_slug,
        "position": call.position,
        "direction": call.direction,
        "ticker": call.ticker,
        "against": against,
        "category": call.category,
        "category_label": category_label,
        "thesis": call.thesis,
        "entry": call.entry.get(call.ticker),
        "entry_against": call.entry.get(against) if against else None,
        "stop": call.stop,
        "stop_pct": call.stop_pct,
        "horizon_weeks": call.horizon_weeks,
        "horizon_end": score.horizon_end,
        "entry_day": score.entry_day,
        "status": score.status,
        "ended_on": score.ended_on,
        "last_day": score.last_day,
        "sessions": score.sessions,
        "days_open": score.days_open,
        "result_pct": _number(score.result_pct),
        "best_pct": _number(score.best_pct),
        "worst_pct": _number(score.worst_pct),
        "benchmark": versus.benchmark if versus else None,
        "benchmark_pct": _number(versus.benchmark_pct) if versus else None,
        "excess_pct": _number(versus.excess_pct) if versus else None,
        "base_rate_pct": _number(versus.base_rate_pct) if versus else None,
        "base_entries": versus.base_entries if versus else None,
    }


def record_records(groups: Sequence[tuple[str, Sequence[RecordRow]]]) -> list[dict[str, Any]]:
    """The track record's rows (keys: ``RECORD_COLUMNS``)."""
    out = []
    for title, rows in groups:
        for row in rows:
            values = asdict(row)
            out.append(
                {
                    "group": title,
                    **{k: _number(v) if isinstance(v, float) else v for k, v in values.items()},
                }
            )
    return [{key: record[key] for key in RECORD_COLUMNS} for record in out]


def _cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if key in TEXT_COLUMNS and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_csv(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV text with a header row (``\\n`` line ends; see the module for cells)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(key, record.get(key)) for key in columns])
    return out.getvalue()


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def to_json(document: Mapping[str, Any]) -> str:
    """Indented JSON with ISO dates, keys in the order given, non-ASCII as written."""
    return json.dumps(document, indent=1, ensure_ascii=False, default=_jsonable) + "\n"
