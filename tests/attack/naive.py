"""A naive publisher, to show the attacks work: the rules of the public edition before issue 13.

Small counts, small numerators and small denominators hidden; with `secondary`, per measure and period, a line (the
area and its localities, `All` and its breakdown values) with exactly one hidden cell gets its smallest other
non-zero part hidden too. Nothing across measures, no complements, no zeros reasoning, and values kept to full
precision with their numerators and denominators dropped (as the public store then kept them, a CSV rounding to
3 decimals).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

SMALL = (1, 5)


def publish(values: pd.DataFrame, units: dict[str, str], area: str, localities, *, secondary: bool = True,
            digits: int | None = None) -> pd.DataFrame:
    v = values.reset_index(drop=True).copy()
    unit = v["metric_id"].map(lambda m: units.get(m, "count")).to_numpy(object)
    value, num, den = (v[c].to_numpy(float) for c in ("value", "numerator", "denominator"))

    def small(x):
        return (x >= SMALL[0]) & (x <= SMALL[1])
    hide = (v["status"] == "ok").to_numpy() & (((unit == "count") & small(value)) | small(num)
                                                | ((den > 0) & (den < 10)))
    size = np.where(np.isnan(num), value, num)
    if secondary:
        local = v["area"].isin([area, *localities]).to_numpy() & ~np.isin(unit, ["weeks", "days", "score", "ratio"])
        for _, g in v[local].groupby(["metric_id", "period_type", "period_start"], sort=False):
            lines = []
            for across, within, total in (("area", "breakdown", area), ("breakdown", "area", "All")):
                for _, line in g.groupby(within, sort=False):
                    t = line.index[line[across] == total]
                    parts = line.index[(line[across] != total) & (line["area"].isin([area, *localities]))]
                    if len(t) == 1 and len(parts):
                        lines.append((t[0], list(parts)))
            changed = True
            while changed:
                changed = False
                for t, parts in lines:
                    members = [t, *parts]
                    if sum(hide[m] for m in members) != 1:
                        continue
                    shown = sorted((p for p in parts if not hide[p] and size[p] > 0), key=lambda p: size[p])
                    pick = shown[0] if shown else (t if not hide[t] else None)
                    if pick is not None:
                        hide[pick] = True
                        changed = True
    out = v.copy()
    out.loc[hide, ["value", "numerator", "denominator"]] = np.nan
    out.loc[hide, "status"] = "suppressed"
    out["numerator"] = np.nan
    out["denominator"] = np.nan
    if digits is not None:
        out["value"] = out["value"].round(digits)
    return out
