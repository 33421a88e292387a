"""How the local area compares: England / region / statistical-neighbour series, rank among neighbours, and a
benchmark table with each area's direction of travel.

Everything works on the long metric-values frame (`metrics.schemas.METRIC_VALUES` columns). Only published rows
are compared (synthetic rows are ignored), at the period type the neighbours are published at: a record-level
metric can hold a monthly local series and annual published figures side by side.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from metrics.area import ENGLAND, SN_AVERAGE, Area, load_area
from metrics.schemas import STATUS_OK

SERIES_COLUMNS = ["area", "period_start", "period_type", "value", "numerator", "denominator", "status", "source",
                  "series_break"]
TRAVEL_WORDS = {"increase": ("improving", "worsening"), "decrease": ("worsening", "improving"),
                "neutral": ("higher", "lower")}
NO_CHANGE = "no change"


@dataclass(frozen=True)
class Rank:
    rank: int  # 1 = best (highest first for a neutral metric, where neither direction is better)
    n: int  # areas ranked: the local area and the current neighbours with a published value that period
    period_start: pd.Timestamp
    period_type: str
    value: float
    best_is: str | None  # "highest", "lowest", or None for a neutral metric


def _improvement(metric_id: str, improvement: str | None, catalogue) -> str:
    if improvement is not None:
        return improvement
    if catalogue is None:
        from metrics.catalogue import load_catalogue
        catalogue = load_catalogue()
    return catalogue.get(metric_id).improvement


def _published(values: pd.DataFrame, metric_id: str, breakdown: str, area: Area) -> pd.DataFrame:
    """The metric's published rows at the period type its neighbours are published at."""
    v = values[(values["metric_id"] == metric_id) & (values["breakdown"] == breakdown)]
    if "synthetic" in v.columns:
        v = v[~v["synthetic"].astype(bool)]
    if v.empty:
        return v.assign(period_start=pd.to_datetime(v["period_start"]))
    peers = v[v["area"].isin([n.name for n in area.neighbours] + [SN_AVERAGE, ENGLAND, area.region])]
    counts = (peers if len(peers) else v)["period_type"].value_counts()
    period_type = counts.index[0]
    v = v[v["period_type"] == period_type]
    return v.assign(period_start=pd.to_datetime(v["period_start"]))


def _ok(v: pd.DataFrame) -> pd.DataFrame:
    return v[(v["status"] == STATUS_OK) & v["value"].notna()]


def comparator_series(values: pd.DataFrame, metric_id: str, breakdown: str = "All",
                      area: Area | None = None) -> pd.DataFrame:
    """England, region and statistical-neighbour-average rows for the metric (in that order, then by period),
    with their status and source, so suppressed or missing periods stay visible as such."""
    area = area or load_area()
    order = [ENGLAND, area.region, SN_AVERAGE]
    v = _published(values, metric_id, breakdown, area)
    v = v[v["area"].isin(order)]
    v = v.assign(_order=v["area"].map({a: i for i, a in enumerate(order)}))
    return v.sort_values(["_order", "period_start"])[SERIES_COLUMNS].reset_index(drop=True)


def neighbour_rank(values: pd.DataFrame, metric_id: str, area: Area | None = None, period=None, *,
                   breakdown: str = "All", improvement: str | None = None, catalogue=None) -> Rank | None:
    """The local area's rank among itself and its current statistical neighbours, on `period` or else the
    latest period at which it and at least one neighbour have a published value. None when there is no such
    period. Ties share a rank (1, 2, 2, 4)."""
    area = area or load_area()
    improvement = _improvement(metric_id, improvement, catalogue)
    members = [area.name, *(n.name for n in area.neighbours)]
    v = _ok(_published(values, metric_id, breakdown, area))
    v = v[v["area"].isin(members)]
    if period is not None:
        v = v[v["period_start"] == pd.Timestamp(period)]
    local_periods = set(v.loc[v["area"] == area.name, "period_start"])
    shared = [p for p in sorted(local_periods, reverse=True) if (v["period_start"] == p).sum() > 1]
    if not shared:
        return None
    at = v[v["period_start"] == shared[0]]
    mine = float(at.loc[at["area"] == area.name, "value"].iloc[0])
    better = at["value"] < mine if improvement == "decrease" else at["value"] > mine
    best_is = {"increase": "highest", "decrease": "lowest"}.get(improvement)
    return Rank(int(better.sum()) + 1, len(at), shared[0], str(at["period_type"].iloc[0]), mine, best_is)


def travel(previous: float | None, latest: float | None, improvement: str) -> str | None:
    """Direction of travel in words: improving / worsening / no change (higher / lower for a neutral metric)."""
    if previous is None or latest is None or pd.isna(previous) or pd.isna(latest):
        return None
    if abs(latest - previous) < 1e-9:
        return NO_CHANGE
    up, down = TRAVEL_WORDS[improvement]
    return up if latest > previous else down


def benchmark_table(values: pd.DataFrame, metric_id: str, area: Area | None = None, *, breakdown: str = "All",
                    improvement: str | None = None, catalogue=None, comparators: bool = False) -> pd.DataFrame:
    """One row per area - the local area, then each current neighbour in closeness order (then England, the
    region and the neighbour average if `comparators`): latest published value and period, the previous
    published value and period, and the direction of travel between them. Across a series break the direction
    is left empty: the two values do not measure the same thing. `note` says why, and when the most recent
    period was suppressed or not available (so the latest value is older)."""
    area = area or load_area()
    improvement = _improvement(metric_id, improvement, catalogue)
    names = [area.name, *(n.name for n in area.neighbours)]
    roles = ["local"] + ["neighbour"] * len(area.neighbours)
    if comparators:
        names += [ENGLAND, area.region, SN_AVERAGE]
        roles += ["comparator"] * 3
    v = _published(values, metric_id, breakdown, area)
    rows = []
    for name, role in zip(names, roles):
        s = v[v["area"] == name].sort_values("period_start")
        ok = _ok(s)
        row = {"area": name, "role": role, "period_start": pd.NaT, "period_type": None, "value": None,
               "previous_period_start": pd.NaT, "previous_value": None, "direction": None, "note": ""}
        if len(ok):
            latest = ok.iloc[-1]
            row.update(period_start=latest["period_start"], period_type=latest["period_type"],
                       value=float(latest["value"]))
            if len(ok) > 1:
                prev = ok.iloc[-2]
                row.update(previous_period_start=prev["period_start"], previous_value=float(prev["value"]))
                since = s[(s["period_start"] > prev["period_start"]) & (s["period_start"] <= latest["period_start"])]
                if since["series_break"].astype(bool).any():
                    row["note"] = "series break: the definition changed between these periods"
                else:
                    row["direction"] = travel(row["previous_value"], row["value"], improvement)
        if len(s) and s.iloc[-1]["status"] != STATUS_OK:  # the most recent period has no published value
            last = s.iloc[-1]
            row["note"] = "; ".join(filter(None, [row["note"], f"{last['status'].replace('_', ' ')} in the "
                                                               f"latest period ({last['period_start']:%Y-%m-%d})"]))
        elif not len(s):
            row["note"] = "no published data"
        rows.append(row)
    return pd.DataFrame(rows)
