"""Reading a quarter as people type it: one rule for budgets, fairness and KPI periods.

Stored and shown as ``2026-Q4``; typed also as ``2026-q4`` or, in Norwegian, ``2026-K4``
("kvartal"), with spaces around the dash.
"""

from __future__ import annotations

import re

_QUARTER = re.compile(r"^\s*(\d{4})\s*-\s*[QqKk]([1-4])\s*$")


def parse_quarter(text: str | None) -> str | None:
    """``text`` in its stored form (``2026-K4`` becomes ``2026-Q4``), or None if it is not
    a quarter of the years 1900 to 2999."""
    match = _QUARTER.match(text or "")
    if not match or not 1900 <= int(match.group(1)) <= 2999:
        return None
    return f"{match.group(1)}-Q{match.group(2)}"
