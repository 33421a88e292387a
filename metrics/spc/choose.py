"""Which chart suits a series of counts (events per period, people waiting): "c", "xmr" or "run".

The rule, on the counts in date order, judged per rebase group (a missing count leaves out the moving ranges
beside it, as xmr does):

1. "run" with fewer than 12 counts in all: too few for limits (Making Data Count; NHSRplotthedots warns below 12,
   charts.SHORT_GROUP).
2. "c" when any rebase group's counts are too chunky for XmR limits. XmR limits come from the moving ranges; when
   the upper range limit, 3.267 × the screened mean moving range (the moving ranges xmr itself uses), leaves three
   or fewer possible values for a moving range of whole numbers (0, 1 and 2: the limit is below 3), the
   measurement unit is too coarse for the variation and the limits come out too tight, so ordinary months are
   flagged. This is Wheeler's test for chunky data (D. J. Wheeler and D. S. Chambers, Understanding Statistical
   Process Control, 2nd ed., 1992, on inadequate measurement units; D. J. Wheeler, "The Problem of Chunky Data",
   Quality Digest, 10 July 2023). It is what small means and many zeros do to counts (issue 16: 52+ week waiters
   after a rebase, XmR limits 1.23 to 2.09 for counts from 0 to 12, every point flagged). A flat group (every
   moving range 0, so no XmR limits at all) counts as chunky. The c chart takes its sigma from the mean count
   (√c̄, the Poisson standard deviation) instead, which the coarseness of the counts cannot shrink; where the
   counts are steadier than Poisson its limits are wider than they need be, an error towards missing a signal
   rather than raising a false one.
3. "xmr" otherwise: the Making Data Count chart for counts, which assumes no distribution, so counts more
   variable than Poisson (usual for waiting lists) do not get the falsely narrow limits a c chart would give.
"""
from __future__ import annotations

import math

import numpy as np

from metrics.spc import inputs
from metrics.spc.charts import MR_SCREEN, SHORT_GROUP, _group_bounds, _mean_moving_range

CHUNKY_RANGE_LIMIT = 3  # an upper range limit below 3 leaves only 0, 1 and 2 as moving ranges (Wheeler)


def count_chart(counts, dates=None, rebase=()) -> str:
    """"c", "xmr" or "run" for `counts` by the rule in the module docstring. With `dates` the counts are put in
    date order and `rebase` splits them into groups as the chart functions do; without, they are one group in the
    order given."""
    if dates is None:
        if not (isinstance(rebase, (tuple, list)) and not rebase):
            raise ValueError("rebase: needs dates to place the rebase dates")
        y = inputs.as_counts("counts", counts, np.size(counts))
        group = np.zeros(len(y), dtype=np.int64)
    else:
        d = inputs.as_dates("dates", dates)
        y = inputs.as_counts("counts", counts, len(d))
        d, y = inputs.sort_by_date(d, y)
        group = inputs.rebase_groups(d, rebase)
    if np.count_nonzero(~np.isnan(y)) < SHORT_GROUP:
        return "run"
    return "c" if any(chunky(y[s:e]) for s, e in _group_bounds(group)) else "xmr"


def chunky(counts: np.ndarray) -> bool:
    """Whether XmR limits for one group's counts would rest on chunky moving ranges. Moving ranges next to a
    missing count are left out, as xmr leaves them out; a group without a moving range is not judged (False)."""
    mr = np.abs(np.diff(counts))
    if not np.count_nonzero(~np.isnan(mr)):
        return False
    amr = _mean_moving_range(mr, screen=True)
    return math.isnan(amr) or MR_SCREEN * amr < CHUNKY_RANGE_LIMIT
