"""Facts about drawn series (metrics/view/facts.py) and the rules tying icons, words and numbers together
(metrics/view/reading.py), checked against the data: worked examples, then property tests on generated series in
which every counted claim a sentence makes is re-derived from the chart's points (tests/unit/claims.py)."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims import problems
from metrics.analysis import analyse
from metrics.catalogue import PublicText
from metrics.edition import POLICIES
from metrics.spc import xmr
from metrics.view import facts, sentences
from metrics.view.measure import _points
from metrics.view.reading import read

MONTHS = pd.date_range("2020-01-01", periods=120, freq="MS")


def metric(improvement="decrease", unit="count", chart="xmr", target=None, frequency="month"):
    return SimpleNamespace(id="m", title="The measure", improvement=improvement, unit=unit, chart=chart,
                           target=target, frequency=frequency, plan_refs=(), decimals=None, unit_label=None,
                           public_text=PublicText("Better.", "Worse.", "About the same."))


def series_frame(values, dates=None, period_type="month"):
    dates = MONTHS[:len(values)] if dates is None else dates
    v = np.asarray(values, dtype=float)
    return pd.DataFrame({"period_start": dates, "period_type": period_type, "value": v,
                         "numerator": np.nan, "denominator": np.nan,
                         "status": np.where(np.isnan(v), "not_available", "ok"), "source": "test",
                         "synthetic": False, "series_break": False})


class Cols:
    """The view model's Columns for a test frame."""

    def __init__(self, frame):
        self.dates = frame["period_start"].to_numpy("datetime64[ns]")
        self.value = frame["value"].to_numpy(float)
        self.numerator = frame["numerator"].to_numpy(float)
        self.denominator = frame["denominator"].to_numpy(float)
        self.status = frame["status"].to_numpy(object)
        self.synthetic = frame["synthetic"].to_numpy(bool)
        self.series_break = frame["series_break"].to_numpy(bool)
        self.quality = self.suppression = None

    def __len__(self):
        return len(self.dates)


def board(values, dates=None, m=None):
    """(sentences, points, reading) as the board reads a chart of `values`."""
    m = m or metric()
    frame = series_frame(values, dates)
    a = analyse(m, frame, area="Area")
    rd = read(a, m, "month", m.target)
    w = sentences.Writer(m, "month", "board", "median" if a.chart == "run" else "mean")
    said = sentences.board_sentences("The measure", rd, m, w, note="", latest_text="x", latest_period="y")
    return said, _points(a, Cols(frame), m, "month", POLICIES["board"]), rd


# -- worked examples -----------------------------------------------------------------------------------------

def test_ordinals_count_calendar_periods():
    d = np.array(["2023-11-01", "2023-12-01", "2024-01-01"], dtype="datetime64[ns]")
    assert facts.ordinals(d, "month").tolist() == [2023 * 12 + 10 - 1970 * 12, 2023 * 12 + 11 - 1970 * 12,
                                                   2024 * 12 - 1970 * 12]
    assert np.diff(facts.ordinals(d, "month")).tolist() == [1, 1]
    q = np.array(["2023-10-01", "2024-01-01"], dtype="datetime64[ns]")
    assert np.diff(facts.ordinals(q, "quarter")).tolist() == [1]
    assert all(facts.ordinal(x, "month") - facts.ordinal(d[0], "month") == i for i, x in enumerate(d))


def test_a_missing_month_breaks_a_run():
    # Eight values above a centre of 0, but June is missing: two runs of four and four, never "8 in a row".
    dates = pd.DatetimeIndex([*MONTHS[:5], *MONTHS[6:9]])
    d = facts.Drawn(dates.to_numpy("datetime64[ns]"), np.ones(8), np.zeros(8), np.full(8, -3.0), np.full(8, 3.0),
                    np.full(8, -2.0), np.full(8, 2.0), np.zeros(8, int), np.array(["common_cause"] * 8), "month")
    assert facts.same_side_runs(d, "high") == [(0, 4), (5, 7)]


def test_the_34_falling_months_that_rose_six_times_are_not_called_consecutive_falls():
    """Issue 12, finding 3: a long run below the mean with rises in it. The sentence may say how many months were
    below the mean, and the longest run of falls, never that every month fell."""
    rng = np.random.default_rng(3)
    high = 60 + rng.normal(0, 2, 24)
    low = np.linspace(50, 30, 34) + np.tile([0.0, 1.5, -1.5, 0.5, -0.5, 1.0], 6)[:34]
    said, points, rd = board(np.concatenate([high, low]))
    text = " ".join(s.text for s in said)
    assert rd.variation.startswith("improvement")
    assert problems(text, points, "month") == []
    assert "34 months in a row each lower" not in text
    rises = sum(b > a for a, b in zip(low, low[1:]))
    assert rises >= 6


def test_year_ago_compares_the_same_period_only():
    d = pd.date_range("2022-01-01", periods=13, freq="MS").to_numpy("datetime64[ns]")
    v = np.arange(13, dtype=float)
    got = facts.year_ago(d, v)
    assert got.date == pd.Timestamp("2022-01-01") and got.difference == 12.0
    v[0] = np.nan  # the year-ago month has no value: no comparison, not a neighbouring month's
    assert facts.year_ago(d, v) is None


def test_stuck_at_the_bound_is_the_latest_run_near_100_percent():
    # SENCOs trained (issue 16): at or near 100% for the last quarters.
    values = np.array([40, 55, 60, 80, 96, 100, 98, 100, 100], dtype=float)
    dates = pd.date_range("2024-01-01", periods=9, freq="QS").to_numpy("datetime64[ns]")
    d = facts.Drawn(dates, values, *([np.zeros(9)] * 5), np.zeros(9, int), np.array(["common_cause"] * 9), "quarter")
    s = facts.stuck_at_bound(d, "percent")
    assert s.bound == 100 and s.n == 4 and s.first == pd.Timestamp(dates[5])  # 96 is 4 points away
    assert facts.stuck_at_bound(d, "count") is None
    # A small rate (a 1% appeal rate) is near 0% but not stuck at it.
    small = facts.Drawn(dates, np.array([0.5, 1.2, 0.0, 0.8, 1.0, 0.6, 1.1, 0.9, 1.2]), *([np.zeros(9)] * 5),
                        np.zeros(9, int), np.array(["common_cause"] * 9), "quarter")
    assert facts.stuck_at_bound(small, "percent") is None


def test_two_rules_for_the_words_flat_and_not_enough():
    assert facts.flat(np.array([3.0, 5.0, 4.0]))  # within the earlier range
    assert not facts.flat(np.array([3.0, 5.0, 9.0]))  # beyond it: never "about the same"
    flat_but_short = read(analyse(metric(), series_frame([1, 2, 1, 2, 1]), area="A"), metric(), "month", None)
    assert flat_but_short.direction == "unknown"


def test_a_run_chart_with_too_few_crossings_reads_as_special_cause_on_the_latest_side():
    """Rule 1: pupils with an EHC plan rose every year from 2.6% to 6.1%; its run chart crosses the median once
    where at least two crossings are expected, so it is not "common cause"."""
    values = [2.6, 2.9, 2.92, 3.3, 3.73, 4.32, 4.86, 4.92, 5.5, 6.1]
    m = metric(improvement="neutral", unit="percent", chart="run", frequency="academic_year")
    dates = pd.date_range("2015-09-01", periods=10, freq="12MS")
    a = analyse(m, series_frame(values, dates, "academic_year"), area="A")
    rd = read(a, m, "academic_year", None)
    assert a.chart == "run" and rd.variation == "neutral_high" and rd.direction == "higher"
    assert rd.crossings == (1, 2)


# -- property tests ---------------------------------------------------------------------------------------------

levels = st.floats(min_value=0, max_value=100, allow_nan=False, width=32)


@st.composite
def series_with_gaps(draw):
    n = draw(st.integers(min_value=12, max_value=60))
    base = draw(st.lists(levels, min_size=n, max_size=n))
    shift = draw(st.floats(min_value=-40, max_value=40, width=32))
    at = draw(st.integers(min_value=0, max_value=n - 1))
    trend = draw(st.floats(min_value=-2, max_value=2, width=32))
    values = [b + (shift if i >= at else 0) + trend * i for i, b in enumerate(base)]
    gaps = draw(st.sets(st.integers(min_value=1, max_value=n - 2), max_size=3))
    keep = [i for i in range(n) if i not in gaps]
    dates = MONTHS[keep]
    return [values[i] for i in keep], dates


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series_with_gaps(), st.sampled_from(["increase", "decrease", "neutral"]))
def test_every_counted_claim_is_true_of_the_points_drawn(data, improvement):
    values, dates = data
    said, points, rd = board(values, dates, metric(improvement=improvement))
    for s in said:
        assert problems(s.text, points, "month") == [], s.text


@settings(max_examples=150, deadline=None)
@given(series_with_gaps())
def test_runs_found_are_maximal_stretches_of_consecutive_periods(data):
    values, dates = data
    r = xmr(dates, values)
    d = facts.drawn(r.arrays, 1.0, "month")
    o = d.ordinals
    for side in ("high", "low"):
        above = d.values > d.centre if side == "high" else d.values < d.centre
        for s, e in facts.same_side_runs(d, side):
            assert above[s:e + 1].all() and (np.diff(o[s:e + 1]) == 1).all()
            assert s == 0 or not above[s - 1] or o[s] - o[s - 1] != 1  # it could not start earlier
            assert e == len(o) - 1 or not above[e + 1] or o[e + 1] - o[e] != 1
        for s, e in facts.monotone_runs(d, side):
            steps = np.diff(d.values[s:e + 1])
            assert ((steps > 0) if side == "high" else (steps < 0)).all() and (np.diff(o[s:e + 1]) == 1).all()


@settings(max_examples=150, deadline=None)
@given(series_with_gaps(), st.sampled_from(["increase", "decrease", "neutral"]))
def test_icon_words_and_numbers_never_contradict(data, improvement):
    """The reading's direction comes from the SPC (special cause) or, without a signal, from the data: "same" only
    when the latest value is within the range of those before it."""
    values, dates = data
    m = metric(improvement=improvement)
    a = analyse(m, series_frame(values, dates), area="A")
    rd = read(a, m, "month", None)
    v = np.round(np.asarray(values, dtype=float))  # as shown: a count to whole numbers
    if rd.variation == "common_cause":
        if rd.direction == "same":
            assert v[:-1].min() <= v[-1] <= v[:-1].max()
        elif rd.direction == "unclear":
            assert not (v[:-1].min() <= v[-1] <= v[:-1].max())
    else:
        family, side = rd.variation.rsplit("_", 1)
        expected = {"improvement": "improving", "concern": "worsening"}.get(family, "higher" if side == "high" else
                                                                              "lower")
        assert rd.direction == expected
        # special cause high for an increase measure is improvement; for a decrease measure it is concern
        if improvement != "neutral":
            assert (family == "improvement") == ((side == "high") == (improvement == "increase"))


@settings(max_examples=80, deadline=None)
@given(series_with_gaps())
def test_the_stretch_stated_for_a_signal_overlaps_the_flagged_points(data):
    values, dates = data
    r = xmr(dates, values, improvement="increase")
    sig = r.last_signal()
    if sig is None:
        return
    d = facts.drawn(r.arrays, 1.0, "month")
    for run in facts.signal_runs(d, sig.first_date, sig.last_date, sig.side, "xmr"):
        assert run.first <= sig.last_date and run.last >= sig.first_date
        assert run.n >= (7 if run.kind in ("same_side", "monotone") else 1)
        assert not math.isnan(run.n)


def test_the_claim_checker_catches_a_false_claim():
    """The checker the truth tests rely on is not vacuous: it refuses a count that is off by one, a stretch that
    rose once, and a limit the point is not beyond."""
    said, points, _ = board([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 20, 21, 22, 23, 24, 25, 26, 27])
    labels = [p.label for p in points]
    assert problems(f"7 months in a row above the mean ({labels[12]} to {labels[19]})", points, "month")
    assert problems(f"3 months in a row each lower than the one before ({labels[12]} to {labels[14]})", points,
                    "month")
    assert problems(f"10.0 in {labels[0]} was above the upper process limit", points, "month")
    assert problems(f"8 months in a row above the mean ({labels[12]} to {labels[19]})", points, "month") == []
