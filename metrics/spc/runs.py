"""The Anhøj rules for run charts, as qicharts2 0.8.1 applies them (R/helper.functions.R: runs.analysis, crsignal).

A run is a sequence of useful points on the same side of the centre line. Points on the centre line and missing
points are not useful: they neither break nor add to a run. A process shows non-random variation when the longest
run is longer than round(log2(n)) + 3 or the runs cross the centre line fewer than qbinom(0.05, n - 1, 0.5) times,
n being the number of useful points.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


def longest_run_max(n_useful: int) -> int:
    """Upper 95% prediction limit for the longest run (Schilling 2012). Python's round, like R's, rounds half to
    even; log2 of a whole number is never exactly halfway, so the two agree."""
    return round(math.log2(n_useful)) + 3


@lru_cache(maxsize=None)
def crossings_min(n_useful: int) -> int:
    """R's qbinom(0.05, n_useful - 1, 0.5): the smallest k with P(X <= k) >= 0.05, X ~ Binomial(n_useful - 1, 1/2).

    Worked exactly in integers: P(X <= k) = sum of C(m, i) for i <= k, over 2^m, and 0.05 = 1/20.
    """
    m = max(n_useful - 1, 0)
    outcomes = 0
    for k in range(m + 1):
        outcomes += math.comb(m, k)
        if 20 * outcomes >= 2 ** m:
            return k
    return m  # unreachable: the sum reaches 2^m at k = m


@dataclass(frozen=True)
class Runs:
    """One group's runs analysis. The counts are None when the group has no useful point."""
    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    crossings: int | None
    crossings_min: int | None
    signal: bool
    in_long_run: np.ndarray  # per point: part of a run longer than longest_run_max


def runs_analysis(side: np.ndarray) -> Runs:
    """Runs analysis of one group, from each point's side of the centre line (sign(value - centre), NaN if missing)."""
    useful = ((side != 0) & ~np.isnan(side)).nonzero()[0]
    in_long_run = np.zeros(len(side), dtype=bool)
    n = len(useful)
    if n == 0:
        return Runs(0, None, None, None, None, False, in_long_run)
    s = side[useful]
    edges = np.concatenate(([0], (s[1:] != s[:-1]).nonzero()[0] + 1, [n]))
    lengths = edges[1:] - edges[:-1]
    longest, limit = int(lengths.max()), longest_run_max(n)
    crossings, minimum = len(lengths) - 1, crossings_min(n)
    for start, end in zip(edges[:-1][lengths > limit], edges[1:][lengths > limit]):
        in_long_run[useful[start:end]] = True
    return Runs(n, longest, limit, crossings, minimum, longest > limit or crossings < minimum, in_long_run)
