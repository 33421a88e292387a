"""Row-level checks on extracted values: duplicates and obviously inconsistent rows.

- The same key published twice with the same numbers: a warning, one kept.
- The same key published twice with different numbers: the file is bad (which one is right?) -> IngestError.
- A row that contradicts itself (a percentage outside 0-100, a negative count, a numerator above its
  denominator, a percentage that does not match its own numerator and denominator): a warning, and the row
  is rejected - not written, never silently.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.ingest.errors import IngestError
from metrics.ingest.mapping import Indicator

KEY = ["metric_id", "area", "breakdown", "period_start", "period_type"]
VALUES = ["value", "numerator", "denominator", "status"]
# Published percentages are rounded (often to 1 dp, sometimes to whole numbers) before publication.
PERCENT_TOLERANCE = 0.5


def _same(a: pd.DataFrame) -> pd.Series:
    """Per key: do all rows carry the same value, numerator, denominator and status?"""
    filled = a[VALUES].astype(object).where(a[VALUES].notna(), "<null>").astype(str)
    return filled.groupby([a[k] for k in KEY]).transform("nunique").le(1).all(axis=1)


def duplicates(long: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[str]]:
    dup = long.duplicated(KEY, keep=False)
    if not dup.any():
        return long, []
    d = long[dup]
    same = _same(d)
    if not same.all():
        first = d[~same].sort_values("_row")
        a, b = first.iloc[0], first[first[KEY].eq(first.iloc[0][KEY]).all(axis=1)].iloc[1]
        raise IngestError(file, f"conflicting duplicate rows for {a.metric_id} / {a.area} / {a.breakdown} / "
                                f"{a.period_start}: row {a._row} and row {b._row} give different values",
                          column=b._column, row=int(b._row))
    warnings = [f"{g.iloc[0].metric_id} / {g.iloc[0].area} / {g.iloc[0].period_start}: rows "
                f"{', '.join(map(str, sorted(g._row)))} are identical duplicates; one kept"
                for _, g in d.groupby(KEY, sort=True)]
    return long.drop_duplicates(KEY, keep="first"), warnings


def inconsistent(long: pd.DataFrame, units: dict[str, str], file: str) -> tuple[pd.DataFrame, list[str]]:
    unit = long["metric_id"].map(units)
    v, n, d = long["value"], long["numerator"], long["denominator"]
    checks = {
        "percentage outside 0-100": (unit == "percent") & ((v < 0) | (v > 100)),
        "negative count": (unit == "count") & (v < 0),
        "negative numerator or denominator": (n < 0) | (d < 0),
        "numerator greater than denominator": n > d,
        "percentage does not match its numerator and denominator":
            (unit == "percent") & (d > 0) & ((v - 100 * n / d).abs() > PERCENT_TOLERANCE),
    }
    bad = np.zeros(len(long), dtype=bool)
    warnings = []
    for reason, mask in checks.items():
        mask = mask.fillna(False).to_numpy() & ~bad
        for _, r in long[mask].iterrows():
            warnings.append(f"{file}, column '{r._column}', row {r._row}: {reason} ({r.metric_id} {r.area} "
                            f"{r.period_start}: value {r.value:g}, numerator {r.numerator:g}, denominator "
                            f"{r.denominator:g}); row rejected")
        bad |= mask
    return long[~bad], warnings


def unit_lookup(indicators: list[Indicator]) -> dict[str, str]:
    return {i.metric_id: i.unit for i in indicators}
