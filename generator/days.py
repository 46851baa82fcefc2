"""The dates a price can carry, shared by the sources and the command line (no pandas import, so
``rotation --help`` stays fast).

pandas' nanosecond timestamps end on 2262-04-11 and no market data starts before 1800; a date
outside is refused where it enters (a CSV row, a command-line option), so no stage ever hands
year 1 to pandas (an OverflowError).
"""

from __future__ import annotations

from datetime import date

FIRST_PRICE_DAY = date(1800, 1, 1)
LAST_PRICE_DAY = date(2262, 4, 11)
