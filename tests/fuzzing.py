"""Shared settings and strategies of the bad-input fuzz tests (tests/{unit,flows}/test_fuzz_*.py).

One profile for every fuzz test: a modest number of examples, no deadline (a first call
imports pandas), and derandomised so CI explores the same inputs on every run. To hunt for new failures
locally, raise the count (ROTATION_FUZZ_EXAMPLES=2000) and draw fresh inputs
(ROTATION_FUZZ_RANDOM=1).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=int(os.environ.get("ROTATION_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=not os.environ.get("ROTATION_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text that tends to break things: markup, quotes, path separators, control characters,
# right-to-left marks, emoji, NUL.
NASTY = [
    "",
    " ",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "../x",
    "..\\x",
    "/etc/passwd",
    "BRK-B",
    "BRK.B",
    "^VIX",
    "brk.b",
    "SPY ",
    " spy",
    "S P Y",
    "ÄPFL",
    "\u202eYPS",
    "🚀",
    "a\x00b",
    "\t",
    "|",
    "[x](y)",
    "{{ 1 }}",
    "%s",
    "nan",
    "inf",
    "-0",
    "1e999",
    "2025-02-30",
    "NaN",
    "—",
]
nasty_text = st.one_of(st.sampled_from(NASTY), st.text(max_size=20))
