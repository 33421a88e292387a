"""The statistical-neighbour average: computed, never published, so it says how it was made.

For each metric, breakdown and period, the mean of the current-model neighbours (area.toml) that have a
published number that period. Suppressed or missing neighbours are left out - never counted as 0 - and the
source text records how many of the neighbours contributed.
"""
from __future__ import annotations

import pandas as pd

from metrics.area import SN_AVERAGE, Area
from metrics.schemas import STATUS_OK

GROUP = ["metric_id", "breakdown", "period_start", "period_type"]


def neighbour_average(values: pd.DataFrame, area: Area, groups: pd.DataFrame) -> pd.DataFrame:
    """SN-average rows for the (metric, breakdown, period) `groups`, from the neighbours' rows in `values`.
    A group with neighbour rows but no published number gets a `not_available` row; one with none gets no row."""
    names = [n.name for n in area.neighbours]
    nb = values[values["area"].isin(names)].merge(groups[GROUP].drop_duplicates(), on=GROUP)
    if nb.empty:
        return values.iloc[0:0]
    rows = []
    for key, g in nb.groupby(GROUP, sort=True):
        have = g[(g["status"] == STATUS_OK) & g["value"].notna()]
        sources = "; ".join(sorted(set(have["source"] if len(have) else g["source"])))
        rows.append({
            **dict(zip(GROUP, key)), "area": SN_AVERAGE,
            "value": have["value"].mean() if len(have) else None,
            "numerator": None, "denominator": None,
            "status": STATUS_OK if len(have) else "not_available",
            "source": f"{sources}; mean of {len(have)} of {len(names)} statistical neighbours "
                      f"({area.sn_model} model) with a published value",
            "synthetic": False, "series_break": bool(g["series_break"].any()), "quality": None,
        })
    return pd.DataFrame(rows)
