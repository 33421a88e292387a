"""metrics.view.reading.read: the direction word from the SPC result, respecting which way is better (a neutral
measure is higher / lower than usual, never better or worse), and a run chart's runs signal read as special cause
on the latest point's side (facts.py, rule 1). Series with a known latest variation are worked in
tests/unit/test_spc_xmr.py."""
import pytest

from metrics.view.reading import read, variation_family

from builders import analysed, metric

# Ending in two astronomical low points; ending in a two-in-three above the mean; flat noise.
LOW_END = [11, 13, 11, 13, 11, 13, 11, 11, 13, 11, 13, 11, 13, -2, -2]
HIGH_END = [10, 12] * 6 + [16, 14, 16]
NOISE = [10, 12] * 6


def reading(values, improvement, **kw):
    m = metric(unit="count", improvement=improvement, **kw)
    return read(analysed(values, m), m, "month", None)


@pytest.mark.parametrize("values, improvement, variation, direction", [
    (LOW_END, "increase", "concern_low", "worsening"),
    (LOW_END, "decrease", "improvement_low", "improving"),
    (HIGH_END, "increase", "improvement_high", "improving"),
    (HIGH_END, "decrease", "concern_high", "worsening"),
    (NOISE, "increase", "common_cause", "same"),  # the latest value is within the range of those before it
    (HIGH_END, "neutral", "neutral_high", "higher"),
    (LOW_END, "neutral", "neutral_low", "lower"),
    (NOISE, "neutral", "common_cause", "same"),
])
def test_direction_follows_the_spc_and_which_way_is_better(values, improvement, variation, direction):
    rd = reading(values, improvement)
    assert (rd.variation, rd.direction) == (variation, direction)


def test_two_points_are_never_a_trend():
    # A big rise between two points is change, not improvement: too few points to judge.
    rd = reading([10, 50], "increase")
    assert (rd.chart, rd.variation, rd.direction) == ("run", "common_cause", "unknown")


def test_a_rise_beyond_every_earlier_value_without_a_signal_is_no_clear_pattern():
    # 12 months alternating 10 and 12, then 13: mean 145/13 = 11.15, moving ranges eleven of 2 and 1 (mean 1.92),
    # limits 11.15 ± 5.10: 13 is inside them, and above every earlier value.
    rd = reading([10, 12] * 6 + [13], "increase")
    assert (rd.variation, rd.flat, rd.direction) == ("common_cause", False, "unclear")


def test_a_run_charts_runs_signal_reads_as_special_cause_on_the_latest_points_side():
    # 10 yearly values 1..10: median 5.5, one crossing where at least 2 are expected by chance (qbinom(0.05, 9,
    # 0.5) = 2); the latest (10) is above the median and higher is better: improvement, high.
    m = metric(chart="run", frequency="calendar_year", unit="count")
    a = analysed(list(range(1, 11)), m, freq="YS", period_type="calendar_year", start="2015-01-01")
    rd = read(a, m, "calendar_year", None)
    assert a.spc.variation == "common_cause"  # the engine itself flags no point
    assert (rd.variation, rd.signal_rule, rd.side, rd.crossings) == ("improvement_high", "runs", "high", (1, 2))


@pytest.mark.parametrize("target, assurance", [(40.0, "pass"), (60.0, "fail"), (50.0, "inconsistent"), (None, None)])
def test_assurance_only_with_a_target(target, assurance):
    # 14 points around 50, limits 42.8 .. 57.2 (tests/unit/test_view_sentences.py).
    m = metric(target=target)
    rd = read(analysed([50, 52, 48, 51, 49, 50, 53, 47, 50, 52, 48, 50, 49, 51], m), m, "month", target)
    assert rd.assurance == assurance


def test_a_target_without_limits_is_unknown_assurance():
    m = metric(target=90.0)
    assert read(analysed([50, 52, 48, 51, 49], m), m, "month", 90.0).assurance == "unknown"


@pytest.mark.parametrize("variation, family", [("improvement_high", "improvement"), ("concern_low", "concern"),
                                               ("neutral_high", "neutral"), ("common_cause", "common_cause"),
                                               (None, "none")])
def test_variation_family(variation, family):
    assert variation_family(variation) == family
