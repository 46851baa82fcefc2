"""Data notes: their JSON in the manifest, what a load hands downstream, and how they are summed up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from generator.data.prices import DataNote


def note_to_json(note: DataNote) -> dict[str, Any]:
    """A DataNote as manifest JSON."""
    return {
        "ticker": note.ticker,
        "kind": note.kind,
        "message": note.message,
        "day": note.day.isoformat() if note.day else None,
    }


def note_from_json(raw: dict[str, Any]) -> DataNote:
    """A DataNote back from manifest JSON."""
    day = date.fromisoformat(raw["day"]) if raw.get("day") else None
    return DataNote(str(raw["ticker"]), str(raw["kind"]), str(raw["message"]), day)


def manifest_notes(manifest: dict[str, Any], wanted: Sequence[str]) -> list[DataNote]:
    """Notes for ``wanted``: missing tickers, the last fetch's failures, then each ticker's checks."""
    entries: dict[str, Any] = manifest.get("tickers", {})
    notes = [
        DataNote(t, "missing", "not in the price store; left out of this issue")
        for t in wanted
        if t not in entries
    ]
    failures = {f["ticker"]: f for f in manifest.get("failures", []) if isinstance(f, dict)}
    for ticker in wanted:
        failure = failures.get(ticker)
        if failure is not None and ticker in entries:
            notes.append(
                DataNote(
                    ticker,
                    "fetch_failed",
                    f"could not be refreshed at the last fetch ({failure.get('reason')}); "
                    f"its bars end {entries[ticker].get('last_bar')}",
                )
            )
        for raw in entries.get(ticker, {}).get("notes", []):
            notes.append(note_from_json(raw))
    # Spine-format manifests kept notes at the top level.
    for raw in manifest.get("notes", []):
        if raw.get("ticker") in entries and raw.get("ticker") in wanted:
            notes.append(note_from_json(raw))
    return notes


# How the run summary orders notes: what most changes a reading of the data first.
SEVERITY = (
    "bad_print",
    "stale",
    "gap",
    "non_positive",
    "basis_mismatch",
    "fetch_failed",
    "flat",
    "missing",
    "csv_duplicate",
    "csv_unsorted",
    "csv_non_numeric",
    "csv_bad_date",
    "csv_no_close",
    "csv_blank",
    "csv_negative_volume",
    "missing_sessions",
    "not_daily",
)


def summarise(notes: Sequence[DataNote], *, limit: int = 10, tickers_total: int | None = None) -> list[str]:
    """Lines for a run's summary: counts by kind, one-close tickers in one line, then the worst notes.

    When every one of ``tickers_total`` tickers has one close, the line says so instead of
    naming them ("all 85 tickers have one close").
    """
    if not notes:
        return []
    counts = Counter(n.kind for n in notes)
    lines = ["data notes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))]
    single = sorted({n.ticker for n in notes if n.kind == "one_close"})
    if single and tickers_total is not None and len(single) >= tickers_total > 1:
        lines.append(f"  all {tickers_total} tickers have one close, used for both price bases")
    elif single:
        shown = ", ".join(single[:12]) + (f" and {len(single) - 12} more" if len(single) > 12 else "")
        lines.append(f"  one close only, used for both price bases: {shown}")
    rank = {kind: i for i, kind in enumerate(SEVERITY)}
    rest = sorted(
        (n for n in notes if n.kind != "one_close"),
        key=lambda n: (rank.get(n.kind, len(SEVERITY)), n.ticker, n.day or date.min),
    )
    lines += [f"  {n}" for n in rest[:limit]]
    if len(rest) > limit:
        lines.append(f"  ... and {len(rest) - limit} more (rotation fetch --all-notes lists them)")
    return lines


KIND_WORDS = {
    "bad_print": "bad prints",
    "gap": "gaps",
    "missing_sessions": "missing sessions",
    "stale": "stale bars",
    "flat": "flat runs",
    "non_positive": "non-positive prices",
    "basis_mismatch": "close disagreements",
}


def issue_lines(
    notes: Sequence[DataNote], as_of: date, *, recent_days: int = 35, tickers: Sequence[str] | None = None
) -> list[str]:
    """Data notes condensed for an issue (pure): standing facts in one line each, the notes of
    the last ``recent_days`` in full, older ones counted per ticker.

    ``notes`` are those an issue as of ``as_of`` may see (``PriceHistory.as_of`` drops later ones).
    With ``tickers`` (the issue's funds), one-close funds are listed only when some of them
    have two closes: when all have one, the issue's price line says it once.
    """
    lines: list[str] = []
    for kind, text in (
        ("one_close", "One close only, used for both price bases"),
        ("missing", "Not in the price store"),
    ):
        named = sorted({n.ticker for n in notes if n.kind == kind})
        if kind == "one_close" and tickers is not None and set(tickers) <= set(named):
            continue
        if named:
            lines.append(f"{text}: {', '.join(named)}.")
    dated = [n for n in notes if n.kind not in ("one_close", "missing")]
    cutoff = as_of.toordinal() - recent_days
    recent = [n for n in dated if n.day is None or n.day.toordinal() >= cutoff]
    lines += [str(n) for n in sorted(recent, key=lambda n: (n.ticker, n.day or date.min, n.kind))]
    older: dict[str, list[DataNote]] = {}
    for note in dated:
        if note not in recent:
            older.setdefault(note.ticker, []).append(note)
    for ticker, items in sorted(older.items()):
        kinds = sorted({KIND_WORDS.get(n.kind, n.kind.replace("_", " ")) for n in items})
        first = min(n.day for n in items if n.day is not None)
        lines.append(
            f"{ticker}: {len(items)} earlier data note(s) since {first.isoformat()} ({', '.join(kinds)})."
        )
    return lines
