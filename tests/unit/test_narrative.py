"""The narrative: one test (at least) per kind of sentence, each on a series built to produce it.

Expected numbers are worked by hand from the XmR rules (NHSRplotthedots 0.2.2: limits = mean ± 2.66 × mean moving
range, 2-sigma line at two thirds of the way to the limit) and the p chart (qicharts2: p ± 3√(p(1−p)/n)); each test
also checks the sentence agrees with the SPC result it was written from.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from metrics.analysis import analyse
from metrics.catalogue import Metric, PublicText
from metrics.narrative import change_after, headline, narrate, plan_refs_text, target_text

# Twelve months around 50: sum 600 (mean 50); moving ranges 2,4,3,2,1,3,6,3,2,4,2 (sum 32).
BASE = [50, 52, 48, 51, 49, 50, 53, 47, 50, 52, 48, 50]


def metric(**changes) -> Metric:
    fields = dict(id="plans_20wk", title="New plans within 20 weeks", description="d",
                  public_text=PublicText("a", "b", "c"), page="ehcp", unit="percent", frequency="month",
                  improvement="increase", chart="xmr", input="metric_values", breakdown="none", source="s",
                  plan_refs=("3.1", "WSoA 2.1.2"), comparators=False, public=True)
    fields.update(changes)
    return Metric(**fields)


def series(values, start="2023-01-01", freq="MS", period_type="month", numerators=None, denominators=None,
           status=None, breaks=()):
    n = len(values)
    dates = pd.date_range(start, periods=n, freq=freq)
    return pd.DataFrame({
        "period_start": dates, "period_type": period_type, "value": np.asarray(values, float),
        "numerator": np.asarray(numerators if numerators is not None else [np.nan] * n, float),
        "denominator": np.asarray(denominators if denominators is not None else [np.nan] * n, float),
        "status": status or ["ok"] * n, "source": "s", "synthetic": True,
        "series_break": [d in {pd.Timestamp(b) for b in breaks} for d in dates]})


@dataclass(frozen=True)
class Event:
    """The fields of metrics.annotations.Annotation the narrative reads."""
    date: pd.Timestamp
    title: str
    rebase: bool = False
    metric_ids: tuple = ("plans_20wk",)
    services: tuple = ()


def kinds(sentences) -> list[str]:
    return [s.kind for s in sentences]


def text(sentences, kind: str) -> str:
    found = [s.text for s in sentences if s.kind == kind]
    assert len(found) == 1, (kind, kinds(sentences))
    return found[0]


def run(values, m=None, rebase=(), events=(), **kw):
    m = m or metric()
    a = analyse(m, series(values, **kw), area="Blackpool", rebase=rebase)
    return a, narrate(a, m, events)


# -- special cause, by rule ---------------------------------------------------------------------------------

def test_shift_improvement_names_start_and_rule():
    # 19 points: mean 994/19 = 52.32; the last 7 (55..57 from January 2024) are all above it. MR mean 45/18 = 2.5,
    # so the upper limit is 52.32 + 6.65 = 58.97: nothing outside. The first of the 7 is flagged by the shift.
    a, s = run(BASE + [55, 56, 57, 55, 56, 58, 57])
    assert a.spc.variation == "improvement_high" and a.spc.last_signal().rule == "shift"
    assert text(s, "special_cause_improvement") == (
        "New plans within 20 weeks has shown special cause improvement (a change too large or too lasting to be "
        "down to chance) since January 2024: 7 consecutive months above the average.")


def test_shift_is_concern_when_lower_is_better():
    a, s = run(BASE + [55, 56, 57, 55, 56, 58, 57], m=metric(improvement="decrease", title="Weeks waited",
                                                             unit="weeks"))
    assert a.spc.variation == "concern_high"
    assert text(s, "special_cause_concern") == (
        "Weeks waited has shown special cause concern (a change too large or too lasting to be down to chance) "
        "since January 2024: 7 consecutive months above the average.")
    assert "special_cause_improvement" not in kinds(s)


def test_trend():
    # 49 (December's successor) then 49.5 ... 52.5: 7 points each higher than the one before, from January 2024.
    # Mean 956/19 = 50.32; only 5 of them are above it (no shift); limits ±5.39 contain every point.
    a, s = run(BASE + [49, 49.5, 50.5, 51, 51.5, 52, 52.5])
    assert a.spc.last_signal().rule == "trend"
    assert text(s, "special_cause_improvement").endswith(
        "since January 2024: 7 consecutive months each higher than the one before.")


def test_point_outside_the_limits():
    # 13 points: mean 670/13 = 51.54; MR mean (32 + 20)/12 = 4.33; upper limit 51.54 + 11.53 = 63.07 < 70.
    a, s = run(BASE + [70])
    assert a.spc.last_signal().rule == "astronomical"
    assert text(s, "special_cause_improvement").endswith(
        "in January 2024: 70.0% in January 2024 was above the expected range (outside the control limits).")


def test_two_of_three_near_the_limit():
    # 17 points: mean 866/17 = 50.94; MR mean (32 + 1 + 2 + 6 + 5 + 5)/16 = 3.19; the 2-sigma line is
    # 50.94 + 2 × 2.66 / 3 × 3.19 = 56.59, so both 57s (March and May 2024) are beyond it, and inside the limit
    # (59.42). May's run of special cause is that one point (April is common cause).
    a, s = run(BASE + [49, 51, 57, 52, 57])
    assert a.spc.last_signal().rule == "two_in_three"
    assert text(s, "special_cause_improvement").endswith(
        "in May 2024: two of three months close to the upper edge of the expected range (beyond two thirds of "
        "the way to the control limit).")


def test_neutral_measure_has_no_better_or_worse():
    a, s = run(BASE + [55, 56, 57, 55, 56, 58, 57], m=metric(improvement="neutral", title="Requests received",
                                                             unit="count"))
    assert a.spc.variation == "neutral_high"
    assert "special cause variation (neither better nor worse)" in text(s, "special_cause_neutral")


# -- common cause, assurance, targets -----------------------------------------------------------------------

def test_common_cause_gives_the_expected_range():
    # 14 points: mean 700/14 = 50.0; MR mean 35/13 = 2.692; limits 50 ± 7.16 = 42.8 to 57.2.
    a, s = run(BASE + [49, 51])
    assert a.spc.variation == "common_cause"
    assert text(s, "common_cause") == (
        "New plans within 20 weeks varies within the expected range (common cause variation: no sign of real "
        "change). For the latest period that range runs from 42.8% to 57.2% around an average of 50.0%.")
    assert text(s, "latest") == "The latest value is 51.0% (February 2024)."
    # Nothing to flag, so no plan objectives sentence (plan refs are listed with the metric instead).
    assert "plan_objectives" not in kinds(s)


@pytest.mark.parametrize("improvement, target, assurance, expected", [
    # The expected range is 42.8% to 57.2% (test above).
    ("increase", 40, "pass", "On current performance the 40% target will be met consistently: the whole expected "
                             "range is above it."),
    ("increase", 60, "fail", "On current performance the 60% target will not be met without a change in how "
                             "things are done: the whole expected range is below it."),
    ("increase", 50, "inconsistent", "On current performance the 50% target will be met only some of the time: "
                                     "it lies within the expected range."),
    ("decrease", 60, "pass", "On current performance the 60% target will be met consistently: the whole expected "
                             "range is below it."),
    ("decrease", 40, "fail", "On current performance the 40% target will not be met without a change in how "
                             "things are done: the whole expected range is above it."),
])
def test_assurance_against_target(improvement, target, assurance, expected):
    m = metric(improvement=improvement, target=float(target), target_source="plan")
    a, s = run(BASE + [49, 51], m=m)
    assert a.spc.assurance == assurance
    assert text(s, f"assurance_{assurance}") == expected


def test_failing_target_touches_plan_objectives():
    m = metric(target=60.0, target_source="plan")
    _, s = run(BASE + [49, 51], m=m)
    assert text(s, "plan_objectives") == (
        "This touches improvement plan objective 3.1 and written statement of action 2.1.2.")


def test_special_cause_touches_plan_objectives():
    _, s = run(BASE + [55, 56, 57, 55, 56, 58, 57], m=metric(plan_refs=("3.1", "3.1.2", "WSoA 2.1.2",
                                                                        "WSoA 4.1.3")))
    assert text(s, "plan_objectives") == ("This touches improvement plan objectives 3.1 and 3.1.2 and written "
                                          "statement of action 2.1.2 and 4.1.3.")


@pytest.mark.parametrize("refs, expected", [
    (("1.1",), "improvement plan objective 1.1"),
    (("1.1", "1.2", "2.1"), "improvement plan objectives 1.1, 1.2 and 2.1"),
    (("WSoA 4.1.3",), "written statement of action 4.1.3"),
])
def test_plan_refs_in_words(refs, expected):
    assert plan_refs_text(refs) == expected


@pytest.mark.parametrize("target, unit, expected", [(90.0, "percent", "90%"), (92.5, "percent", "92.5%"),
                                                    (18.0, "weeks", "18 weeks")])
def test_target_text(target, unit, expected):
    assert target_text(metric(target=target, target_source="x", unit=unit)) == expected


# -- short series, run charts, missing data -----------------------------------------------------------------

def test_short_series_says_why_and_judges_target_on_the_latest_value():
    a, s = run([50, 52, 48, 51, 49], m=metric(target=90.0, target_source="plan"))
    assert a.chart == "run"
    assert text(s, "short_series") == a.note and "5 months" in a.note  # analysis.py words the note
    # Median of 48..52 is 50.
    assert text(s, "common_cause") == ("New plans within 20 weeks varies around its median of 50.0% with no sign "
                                       "of real change (no unusually long runs above or below it).")
    assert text(s, "target_missed").startswith("The latest value does not meet the 90% target")
    assert not any(k.startswith("assurance") for k in kinds(s))


def test_short_series_meeting_target():
    _, s = run([50, 52, 48, 51, 49], m=metric(target=45.0, target_source="plan"))
    assert text(s, "target_met").startswith("The latest value meets the 45% target")


def test_annual_run_chart_crossing_too_rarely():
    # 10 yearly values 1..10: median 5.5, five below then five above. Longest run 5 <= round(log2 10) + 3 = 6, but
    # 1 crossing < qbinom(0.05, 9, 0.5) = 2 (P(X <= 1) = 10/512 < 0.05 <= P(X <= 2) = 46/512): a runs signal.
    m = metric(chart="run", frequency="calendar_year", unit="count", title="Tribunal appeals")
    a, s = run(list(range(1, 11)), m=m, freq="YS", period_type="calendar_year", start="2015-01-01")
    assert bool(a.spc.points["runs_signal"].iloc[-1]) and a.spc.variation == "common_cause"
    assert text(s, "chart_note") == a.note  # analysis.py says why an annual series has no limits
    assert text(s, "runs_signal") == ("Tribunal appeals crosses its median fewer times than chance would give "
                                      "(once, where at least 2 would be expected): a sign of real change over the "
                                      "period.")
    assert text(s, "latest") == "The latest value is 10 (2024)."


def test_no_data():
    m = metric()
    a = analyse(m, series([1.0, 2.0], status=["suppressed", "suppressed"]), area="North")
    s = narrate(a, m)
    assert kinds(s) == ["no_data"]
    assert s[0].text == ("New plans within 20 weeks: No data for this selection: all 2 values are suppressed or "
                         "not available.")


def test_p_chart_speaks_in_percent():
    # 14 months of 50 out of 100: p = 0.5, limits 0.5 ± 3√(0.25/100) = 0.5 ± 0.15 -> 35% to 65%.
    m = metric(chart="p")
    a, s = run([50.0] * 14, m=m, numerators=[50] * 14, denominators=[100] * 14)
    assert a.chart == "p"
    assert text(s, "common_cause").endswith("range runs from 35.0% to 65.0% around an average of 50.0%.")


def test_breakdown_named_in_subject():
    m = metric(title="Waiting list size", unit="count", breakdown="service")
    a = analyse(m, series(BASE + [49, 51]), area="Blackpool", breakdown="Occupational therapy")
    assert narrate(a, m)[0].text.startswith("Waiting list size (Occupational therapy) varies within the expected")


# -- interventions, rebasing, series breaks -----------------------------------------------------------------

def test_rebase_at_an_intervention():
    # 12 months around 50 (mean 50), then 12 around 40 (BASE - 10: mean 40), limits restarted in January 2024.
    clinic = Event(pd.Timestamp("2024-01-01"), "New clinic", rebase=True)
    a, s = run(BASE + [v - 10 for v in BASE], m=metric(unit="weeks", improvement="decrease"),
               rebase=(clinic.date,), events=(clinic,))
    assert list(a.spc.points["group"].unique()) == [0, 1]
    assert text(s, "rebase") == (
        "The limits were recalculated from January 2024, after “New clinic”, because the analyst marked that "
        "intervention as changing the process: the average moved from 50.0 weeks before to 40.0 weeks after.")


def test_series_break():
    a, s = run(BASE + [v - 10 for v in BASE], breaks=("2024-01-01",))
    assert text(s, "series_break") == ("The definition changed in January 2024, so the limits are calculated "
                                       "separately before (average 50.0%) and after (40.0%).")
    assert "rebase" not in kinds(s)


def test_intervention_followed_by_special_cause():
    event = Event(pd.Timestamp("2023-12-01"), "Extra panel meetings")
    a, s = run(BASE + [55, 56, 57, 55, 56, 58, 57], events=(event,))
    assert change_after(a, event.date).first_date == pd.Timestamp("2024-01-01")
    assert text(s, "intervention") == ("After “Extra panel meetings” (December 2023) special cause improvement "
                                       "followed from January 2024.")


def test_intervention_with_nothing_after():
    event = Event(pd.Timestamp("2023-06-01"), "Leaflet")
    a, s = run(BASE + [49, 51], events=(event,))
    assert change_after(a, event.date) is None
    assert text(s, "intervention").startswith(
        "After “Leaflet” (June 2023) no special cause followed within 12 months")


def test_area_wide_event_mentioned_only_when_something_followed():
    lockdown = Event(pd.Timestamp("2023-06-01"), "Lockdown", metric_ids=())
    _, quiet = run(BASE + [49, 51], events=(lockdown,))
    assert "intervention" not in kinds(quiet)
    _, changed = run(BASE + [55, 56, 57, 55, 56, 58, 57], events=(lockdown,))
    assert text(changed, "intervention") == ("After “Lockdown” (June 2023) special cause improvement followed from "
                                             "January 2024.")


def test_signal_already_running_is_not_credited_to_a_later_event():
    # The shift starts in January 2024; an event in March 2024 did not cause it.
    a, _ = run(BASE + [55, 56, 57, 55, 56, 58, 57])
    assert change_after(a, "2024-03-01") is None


def test_same_input_same_sentences():
    a1, s1 = run(BASE + [55, 56, 57, 55, 56, 58, 57])
    a2, s2 = run(BASE + [55, 56, 57, 55, 56, 58, 57])
    assert s1 == s2


# -- the short reading of a breakdown row -------------------------------------------------------------------

@pytest.mark.parametrize("values, m, expected", [
    # The series of test_shift_improvement_names_start_and_rule and test_common_cause_gives_the_expected_range.
    (BASE + [55, 56, 57, 55, 56, 58, 57], metric(),
     "Special cause improvement since January 2024: 7 consecutive months above the average."),
    (BASE + [49, 51], metric(), "Within the expected range (42.8% to 57.2%)."),
    # Counts keep one decimal for limits: 50 ± 7.16.
    (BASE + [49, 51], metric(unit="count"), "Within the expected range (42.8 to 57.2)."),
    (BASE + [55, 56, 57, 55, 56, 58, 57], metric(improvement="neutral"),
     "Special cause variation (neither better nor worse) since January 2024: 7 consecutive months above the "
     "average."),
    ([50, 52, 48, 51, 49], metric(), "No sign of real change around its median of 50.0%."),
])
def test_headline(values, m, expected):
    a = analyse(m, series(values), area="Blackpool", breakdown="Physiotherapy")
    assert headline(a, m) == expected


def test_headline_without_data():
    m = metric()
    a = analyse(m, series([1.0], status=["suppressed"]), area="North")
    assert headline(a, m) == a.note


def test_neutral_change_words():
    event = Event(pd.Timestamp("2023-12-01"), "New referral form")
    a, s = run(BASE + [55, 56, 57, 55, 56, 58, 57], m=metric(improvement="neutral"), events=(event,))
    assert change_after(a, event.date).words == "unusually high values (neither better nor worse)"
    assert text(s, "intervention") == ("After “New referral form” (December 2023) unusually high values (neither "
                                       "better nor worse) followed from January 2024.")
