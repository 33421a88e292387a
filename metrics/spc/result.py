"""What an SPC chart function returns: the points with their lines and point types, and the two summary icons.

Point types, variation and assurance use the Making Data Count vocabulary of NHSRplotthedots 0.2.2
(R/ptd_calculate_point_type.R: ptd_point_type; R/geom_ptd_icon.R: the variation icon; R/ptd_calculate_assurance_type.R).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Mapping, NamedTuple

import numpy as np
import pandas as pd

from metrics.spc.rules import RULE_NAMES

POINT_TYPES = np.array(["common_cause", "special_cause_improvement", "special_cause_concern",
                        "special_cause_neutral_high", "special_cause_neutral_low"], dtype=object)
VARIATIONS = ("common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low",
              "neutral_high", "neutral_low")
ASSURANCES = ("pass", "fail", "inconsistent")
# Columns holding whole numbers that may be missing: Int64 in `points`, int or None in `to_dict()`.
COUNT_COLUMNS = ("longest_run", "longest_run_max", "crossings", "crossings_min")


# Point type by special-cause direction (index 0 none, 1 high, -1 low) for each improvement direction.
_TYPE_BY_DIRECTION = {"increase": POINT_TYPES[[0, 1, 2]], "decrease": POINT_TYPES[[0, 2, 1]],
                      "neutral": POINT_TYPES[[0, 3, 4]]}


def point_types(direction: np.ndarray, improvement: str) -> np.ndarray:
    """Each point's type from its special-cause direction (+1 high, -1 low, 0 none) and the improvement direction."""
    return _TYPE_BY_DIRECTION[improvement][direction]


def variation(point_type: str, improvement: str) -> str:
    """The variation icon for a point type, as geom_ptd_icon() picks it for the last point."""
    if point_type == "common_cause":
        return "common_cause"
    if point_type.startswith("special_cause_neutral_"):
        return point_type.removeprefix("special_cause_")
    good = point_type == "special_cause_improvement"
    high = good == (improvement == "increase")  # improvement is high where higher is better; concern the reverse
    return f"{'improvement' if good else 'concern'}_{'high' if high else 'low'}"


def assurance(target: float | None, lower: float, upper: float, improvement: str) -> str | None:
    """Whether the process will meet the target: pass or fail consistently, or inconsistently (target inside the
    limits). None without a target, for a neutral measure, or when there are no limits to judge by."""
    if target is None or improvement == "neutral" or math.isnan(lower) or math.isnan(upper):
        return None
    if target > upper:
        return "fail" if improvement == "increase" else "pass"
    if target < lower:
        return "pass" if improvement == "increase" else "fail"
    return "inconsistent"


class Signal(NamedTuple):
    """The special cause the latest point belongs to, traced back through the run of points that share its type."""
    rule: str  # the rule of the first point of the run: astronomical | trend | two_in_three | shift
    rules: tuple[str, ...]  # every rule met within the run, in precedence order
    first_date: pd.Timestamp
    last_date: pd.Timestamp
    n_points: int  # points with a value in the run (missing periods are skipped, not counted)
    side: str  # high | low: the direction of the special cause (a rising trend is high even below the mean)
    point_type: str


@dataclass(frozen=True, eq=False)
class SpcResult:
    """One chart of one series. `arrays` holds the points' columns (read-only numpy arrays, sorted by date) for
    callers that need speed; `points` is the same as a DataFrame."""
    chart: str  # xmr | p | p_prime | c | run
    improvement: str  # increase | decrease | neutral
    target: float | None
    variation: str  # one of VARIATIONS
    assurance: str | None  # pass | fail | inconsistent | None
    arrays: Mapping[str, np.ndarray] = field(repr=False)

    @cached_property
    def _frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(dict(self.arrays))
        for name in COUNT_COLUMNS:
            if name in frame:
                frame[name] = frame[name].astype("Int64")
        return frame

    @property
    def points(self) -> pd.DataFrame:
        """One row per input point, sorted by date. A fresh (copy-on-write) frame each time, so a caller's edits
        never reach a result that is cached and shared."""
        return self._frame.copy(deep=False)

    @property
    def trial_limits(self) -> bool:
        """Whether the limits the icons are read against are trial limits: the `trial` column (charts.TRIAL_POINTS)
        at the latest point with a value. False for a run chart, which has no limits."""
        last = self.latest_index()
        return last is not None and "trial" in self.arrays and bool(self.arrays["trial"][last])

    def latest_index(self) -> int | None:
        """Position of the latest point with a value: the one the icons describe."""
        valid = (~np.isnan(self.arrays["value"])).nonzero()[0]
        return int(valid[-1]) if valid.size else None

    def last_signal(self) -> Signal | None:
        """The special cause the latest point belongs to, or None if it is common cause (or there is no point).

        The run goes back over points of the same type within the latest point's rebase group; missing periods
        are skipped. E.g. Signal(rule='shift', first_date=2025-03-01, n_points=7, side='high', ...) reads
        "since March 2025: 7 consecutive months above the mean".
        """
        last = self.latest_index()
        types, group, value = self.arrays["point_type"], self.arrays["group"], self.arrays["value"]
        if last is None or types[last] == "common_cause":
            return None
        run = [last]
        for i in range(last - 1, -1, -1):
            if group[i] != group[last]:
                break
            if math.isnan(value[i]):
                continue
            if types[i] != types[last]:
                break
            run.append(i)
        first = run[-1]
        met = set(self.arrays["rule"][run])
        return Signal(
            rule=self.arrays["rule"][first],
            rules=tuple(r for r in RULE_NAMES if r in met),
            first_date=pd.Timestamp(self.arrays["date"][first]),
            last_date=pd.Timestamp(self.arrays["date"][last]),
            n_points=len(run),
            side=variation(types[last], self.improvement).rsplit("_", 1)[1],
            point_type=types[last],
        )

    def to_dict(self) -> dict:
        """JSON-ready: dates as YYYY-MM-DD, missing numbers as None."""
        columns = {}
        for name, arr in self.arrays.items():
            if arr.dtype.kind == "M":
                columns[name] = np.datetime_as_string(arr, unit="D").tolist()
            elif arr.dtype.kind == "f":
                as_int = name in COUNT_COLUMNS
                columns[name] = [None if x != x else (int(x) if as_int else x) for x in arr.tolist()]
            else:
                columns[name] = arr.tolist()
        return {
            "chart": self.chart, "improvement": self.improvement, "target": self.target,
            "variation": self.variation, "assurance": self.assurance,
            "points": [dict(zip(columns, row)) for row in zip(*columns.values())],
        }


def build(chart: str, improvement: str, target: float | None, arrays: dict[str, np.ndarray]) -> SpcResult:
    """Freeze the arrays and read the icons off the latest point with a value.

    NHSRplotthedots takes the variation icon from the last row even when its value is missing (which always
    reads as common cause); here a missing latest period leaves the icons on the latest known point.
    """
    for arr in arrays.values():
        arr.flags.writeable = False
    arrays = MappingProxyType(arrays)
    valid = (~np.isnan(arrays["value"])).nonzero()[0]
    if not valid.size:
        return SpcResult(chart, improvement, target, "common_cause", None, arrays)
    last = valid[-1]
    return SpcResult(chart, improvement, target, variation(arrays["point_type"][last], improvement),
                     assurance(target, arrays["lower"][last], arrays["upper"][last], improvement), arrays)
