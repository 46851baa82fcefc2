"""MkDocs hook: the theme's templates get ``call_scores``, each call's score as the ledger has
it (``calls/calls.json``, written by ``rotation build`` before MkDocs runs), so an issue's
"This issue's calls, scored now" shows each result and status (partials/issue-calls.html).

Without the file (a first ``mkdocs build`` on its own, or Zensical, which runs no hook) the
issue lists its calls without scores.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def on_env(env: Any, config: Any, files: Any) -> Any:
    """Register ``call_scores``: call id -> its row of calls/calls.json."""
    path = Path(config.docs_dir) / "calls" / "calls.json"
    scores: dict[str, Any] = {}
    if path.is_file():
        ledger = json.loads(path.read_text(encoding="utf-8"))
        scores = {row["id"]: row for row in ledger.get("calls", [])}
    env.globals["call_scores"] = scores
    return env
