"""How a chart reads: its variation and assurance, the direction in words, and the facts behind them.

One `Reading` per drawn chart, built from the SPC result and the facts of metrics/view/facts.py by the rules
written down there; icons, sentences, the overview's filters and the exceptions all come from it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics import format as fmt
from metrics.analysis import Analysis, scale
from metrics.spc.result import variation as variation_of
from metrics.view import facts

# variation -> the direction word (neutral measures say higher / lower, never better / worse)
DIRECTION = {"improvement_high": "improving", "improvement_low": "improving", "concern_high": "worsening",
             "concern_low": "worsening", "neutral_high": "higher", "neutral_low": "lower"}


@dataclass(frozen=True)
class Reading:
    chart: str  # the chart drawn: xmr | p | p_prime | c | run | none
    n: int  # points with a value
    variation: str | None  # Making Data Count variation of the latest point (rule 1 applied); None: no chart
    assurance: str | None  # pass | fail | inconsistent | unknown (a target but no limits) | None (no target)
    direction: str  # improving | worsening | higher | lower | same | unclear | unknown
    signal_rule: str  # the SPC rule behind a signal: astronomical | trend | two_in_three | shift | runs | ""
    signal_first: pd.Timestamp | None
    signal_last: pd.Timestamp | None
    side: str  # high | low | ""
    runs: tuple  # facts.Run: what is true of the signal's stretch
    crossings: tuple | None  # (crossings, minimum expected) when a run chart's crossings signal
    flat: bool
    stuck: facts.Stuck | None
    trial: bool
    drawn: facts.Drawn | None


def read(analysis: Analysis, metric, period_type: str, target: float | None) -> Reading:
    if analysis.spc is None:
        return Reading("none", 0, None, None if target is None else "unknown", "unknown", "", None, None, "", (),
                       None, True, None, False, None)
    r = analysis.spc
    d = facts.drawn(r.arrays, scale(analysis), period_type)
    n = len(d.values)
    variation, rule, first, last, side, crossings = r.variation, "", None, None, "", None
    signal = r.last_signal()
    if signal is not None:
        rule, first, last, side = signal.rule, signal.first_date, signal.last_date, signal.side
    elif analysis.chart == "run" and n:
        variation, rule, first, last, side, crossings = _runs_signal(r, d, metric.improvement)
    stretch = facts.signal_runs(d, first, last, side, analysis.chart) if first is not None else ()
    trial = r.trial_limits  # the chart's own flag (SpcResult), as the drawing reads it
    assurance = r.assurance if target is not None else None
    if target is not None and assurance is None:
        assurance = "unknown"
    if variation != "common_cause":
        direction = DIRECTION[variation]
    else:
        direction = "unknown"
    # "Within the range of those before" is judged on the values as shown (at the measure's display precision).
    shown = np.round(d.values, fmt.decimals(metric.unit, getattr(metric, "decimals", None)))
    flat = facts.flat(shown)
    if variation == "common_cause" and n >= facts.MIN_POINTS_TO_JUDGE:
        direction = "same" if flat else "unclear"
    return Reading(analysis.chart, n, variation, assurance, direction, rule, first, last, side, tuple(stretch),
                   crossings, flat, facts.stuck_at_bound(d, metric.unit), trial, d)


def _runs_signal(r, d: facts.Drawn, improvement: str):
    """Rule 1: a run chart's runs signal in the latest group reads as special cause on the latest point's side."""
    a = r.arrays
    keep = ~np.isnan(np.asarray(a["value"], float))
    if not bool(np.asarray(a["runs_signal"])[keep][-1]):
        return "common_cause", "", None, None, "", None
    last_value, centre = d.values[-1], d.centre[-1]
    if last_value == centre:
        return "common_cause", "", None, None, "", None
    side = "high" if last_value > centre else "low"
    direction = 1 if side == "high" else -1
    kind = {"increase": "improvement" if direction > 0 else "concern",
            "decrease": "concern" if direction > 0 else "improvement"}.get(improvement, "neutral")
    group = d.group == d.group[-1]
    first = pd.Timestamp(d.dates[group][0])
    cross = np.asarray(a["crossings"])[keep][-1], np.asarray(a["crossings_min"])[keep][-1]
    crossings = (int(cross[0]), int(cross[1])) if cross[0] < cross[1] else None
    return f"{kind}_{side}", "runs", first, pd.Timestamp(d.dates[-1]), side, crossings


def variation_family(variation: str | None) -> str:
    """improvement_high -> improvement; common_cause; None -> none."""
    if variation is None:
        return "none"
    if variation == "common_cause":
        return variation
    return variation.rsplit("_", 1)[0]


__all__ = ["Reading", "read", "variation_family", "variation_of"]
