"""metrics.view.sentences: one test (at least) per kind of sentence, each on a series built to produce it, read from
the real SPC result (metrics.view.reading) as a card reads it.

Expected numbers are worked by hand from the XmR rules (NHSRplotthedots 0.2.2: limits = mean ± 2.66 × mean moving
range, the 2-sigma line two thirds of the way to the limit) and the p chart (qicharts2: p ± 3√(p(1−p)/n)).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from metrics import format as fmt
from metrics.view import sentences as S
from metrics.view.facts import change_after
from metrics.view.reading import read
from metrics.vocabulary import BOARD, PUBLIC

from builders import analysed, metric

# Twelve months around 50: sum 600 (mean 50); moving ranges 2,4,3,2,1,3,6,3,2,4,2 (sum 32).
BASE = [50, 52, 48, 51, 49, 50, 53, 47, 50, 52, 48, 50]
# 19 points: mean 994/19 = 52.32; MR mean 45/18 = 2.5, so the upper limit is 52.32 + 6.65 = 58.97 (nothing outside)
# and the 2-sigma line 52.32 + 4.43 = 56.75. The last 7 (55..57 from January 2024) are all above the mean.
SHIFT = BASE + [55, 56, 57, 55, 56, 58, 57]
MEANING = "(a change too large or too lasting to be down to chance)"


@dataclass(frozen=True)
class Event:
    """The fields of metrics.annotations.Annotation the sentences read."""
    date: pd.Timestamp
    title: str
    rebase: bool = False
    metric_ids: tuple = ("plans_20wk",)
    services: tuple = ()
    number: int = 1
    transition_months: int = 3


def narrate(values, m=None, events=(), rebase=(), breakdown="All", words=BOARD, **kw):
    """The analysis, its reading, and the sentences a card of `m` says about `values` (as metrics.view.measure
    writes them)."""
    m = m or metric()
    a = analysed(values, m, rebase=rebase, breakdown=breakdown, **kw)
    ptype = str(a.series["period_type"].iloc[-1])
    rd = read(a, m, ptype, m.target if m.improvement != "neutral" else None)
    w = S.Writer(m, ptype, words.period_style, words.centre_name(rd.chart if rd.chart != "none" else "xmr").lower())
    who = m.title if breakdown == "All" else f"{m.title} ({breakdown})"
    last = a.series.iloc[-1]
    latest = dict(latest_text=fmt.value(last["value"], m.unit, last["status"]),
                  latest_period=fmt.period(last["period_start"], ptype, words.period_style))
    if words is PUBLIC:
        return a, rd, S.public_sentences(who, rd, m, w, **latest)
    breaks = a.series["period_start"][a.series["series_break"].astype(bool)].to_numpy()
    groups = tuple(S.group_sentences(who, rd, breaks, events, w))
    evs = tuple(S.event_sentences(rd, events, w, lambda d: change_after(a, d)))
    return a, rd, S.board_sentences(who, rd, m, w, note=a.note, groups=groups, events=evs, **latest)


def kinds(sentences) -> list[str]:
    return [s.kind for s in sentences]


def text(sentences, kind: str) -> str:
    found = [s.text for s in sentences if s.kind == kind]
    assert len(found) == 1, (kind, kinds(sentences))
    return found[0]


# -- special cause, by rule ---------------------------------------------------------------------------------

def test_shift_improvement_names_start_and_what_is_true_of_it():
    a, rd, s = narrate(SHIFT)
    assert a.spc.variation == "improvement_high" and a.spc.last_signal().rule == "shift"
    # Beyond the 2-sigma line (56.75): 57 (March), 58 (June) and 57 (July 2024).
    assert text(s, "special_cause_improvement").startswith(
        f"New plans within 20 weeks shows special cause improvement {MEANING} since January 2024: 7 months in a "
        "row above the mean (January 2024 to July 2024); 3 values between two sigma and the upper process limit "
        "between March 2024 and July 2024")
    assert set(kinds(s)) <= set(S.KINDS) and rd.direction == "improving"


def test_a_stretch_reads_between_one_period_and_another():
    _, _, s = narrate(SHIFT)
    assert "between March 2024 and July 2024" in text(s, "special_cause_improvement")


def test_shift_is_concern_when_lower_is_better():
    a, _, s = narrate(SHIFT, m=metric(improvement="decrease", title="Weeks waited", unit="weeks"))
    assert a.spc.variation == "concern_high"
    assert text(s, "special_cause_concern").startswith(
        f"Weeks waited shows special cause concern {MEANING} since January 2024: 7 months in a row above the mean")
    assert "special_cause_improvement" not in kinds(s)


def test_trend():
    # 49 (below December's 50) then 49.5 ... 52.5: 7 points each higher than the one before, from January 2024.
    # Mean 956/19 = 50.32; only 5 of them are above it (no shift); the limits contain every point.
    a, _, s = narrate(BASE + [49, 49.5, 50.5, 51, 51.5, 52, 52.5])
    assert a.spc.last_signal().rule == "trend"
    assert text(s, "special_cause_improvement").endswith(
        "since January 2024: 7 months in a row each higher than the one before (January 2024 to July 2024).")


def test_point_outside_the_limits():
    # 13 points: mean 670/13 = 51.54; MR mean (32 + 20)/12 = 4.33; upper limit 51.54 + 11.53 = 63.07 < 70.
    a, _, s = narrate(BASE + [70])
    assert a.spc.last_signal().rule == "astronomical"
    assert text(s, "special_cause_improvement").endswith(
        "in January 2024: 70.0% in January 2024 was above the upper process limit.")


def test_two_of_three_near_the_limit_says_so():
    # 17 points: mean 866/17 = 50.94; MR mean 51/16 = 3.19; the 2-sigma line is 50.94 + 2 × 2.66 / 3 × 3.19 = 56.59,
    # so both 57s (March and May 2024) are beyond it and inside the limit (59.42). April (52) is common cause.
    a, _, s = narrate(BASE + [49, 51, 57, 52, 57])
    assert a.spc.last_signal().rule == "two_in_three"
    assert "2 values between two sigma and the upper process limit between March 2024 and May 2024" in \
        text(s, "special_cause_improvement")


def test_two_of_three_names_the_month():
    _, _, s = narrate(BASE + [49, 51, 57, 52, 57])
    assert text(s, "special_cause_improvement").startswith(
        f"New plans within 20 weeks shows special cause improvement {MEANING} in May 2024")


def test_neutral_measure_has_no_better_or_worse():
    a, rd, s = narrate(SHIFT, m=metric(improvement="neutral", title="Requests received", unit="count"))
    assert a.spc.variation == "neutral_high" and rd.direction == "higher"
    assert "special cause variation (neither better nor worse)" in text(s, "special_cause_neutral")
    assert not {"special_cause_improvement", "special_cause_concern"} & set(kinds(s))


# -- common cause, assurance, targets -----------------------------------------------------------------------

def test_common_cause_gives_the_limits():
    # 14 points: mean 700/14 = 50.0; MR mean 35/13 = 2.692; limits 50 ± 7.16 = 42.8 to 57.2.
    a, rd, s = narrate(BASE + [49, 51])
    assert a.spc.variation == "common_cause" and rd.direction == "same"
    assert text(s, "common_cause") == (
        "New plans within 20 weeks varies within its process limits (common cause variation: no sign of real "
        "change). For the latest period the limits run from 42.8% to 57.2% around a mean of 50.0%.")
    assert text(s, "latest") == "The latest value is 51.0% (February 2024)."
    # Nothing to flag, so no plan objectives sentence (plan refs are listed with the measure instead).
    assert "plan_objectives" not in kinds(s) and "no_pattern" not in kinds(s)


def test_a_value_beyond_every_earlier_one_without_a_signal_is_said_plainly():
    # The 14 points above with 53.5 last: mean 702.5/14 = 50.18, MR mean 37.5/13 = 2.88, upper limit 57.85: common
    # cause, but higher than every earlier value (47 to 53).
    _, rd, s = narrate(BASE + [49, 53.5])
    assert rd.direction == "unclear"
    assert text(s, "no_pattern") == (
        "There is no SPC signal, but the latest value (53.5%) is higher than every earlier value shown (47.0% to "
        "53.0% from January 2023 to January 2024): too few points or too much variation to call it a change yet.")


def test_every_value_the_same_draws_no_range():
    _, _, s = narrate([50.0] * 14)
    assert text(s, "common_cause") == ("New plans within 20 weeks has not moved from its mean of 50.0%: every value "
                                       "is the same, so no range is drawn.")


@pytest.mark.parametrize("improvement, target, assurance, expected", [
    # The limits run from 42.8% to 57.2% (test above).
    ("increase", 40, "pass", "On current performance the 40% target will be met consistently: the whole range "
                             "between the process limits is above it."),
    ("increase", 60, "fail", "On current performance the 60% target will not be met without a change in how "
                             "things are done: the whole range between the process limits is below it."),
    ("increase", 50, "inconsistent", "On current performance the 50% target will be met only some of the time: "
                                     "it lies between the process limits."),
    ("decrease", 60, "pass", "On current performance the 60% target will be met consistently: the whole range "
                             "between the process limits is below it."),
    ("decrease", 40, "fail", "On current performance the 40% target will not be met without a change in how "
                             "things are done: the whole range between the process limits is above it."),
])
def test_assurance_against_target(improvement, target, assurance, expected):
    m = metric(improvement=improvement, target=float(target), target_source="plan")
    a, rd, s = narrate(BASE + [49, 51], m=m)
    assert a.spc.assurance == assurance == rd.assurance
    assert text(s, f"assurance_{assurance}") == expected


def test_failing_target_touches_plan_objectives():
    _, _, s = narrate(BASE + [49, 51], m=metric(target=60.0, target_source="plan"))
    assert text(s, "plan_objectives") == (
        "This touches improvement plan objective 3.1 and written statement of action 2.1.2.")


def test_special_cause_touches_plan_objectives():
    _, _, s = narrate(SHIFT, m=metric(plan_refs=("3.1", "3.1.2", "WSoA 2.1.2", "WSoA 4.1.3")))
    assert text(s, "plan_objectives") == ("This touches improvement plan objectives 3.1 and 3.1.2 and written "
                                          "statement of action 2.1.2 and 4.1.3.")


@pytest.mark.parametrize("refs, expected", [
    (("1.1",), "improvement plan objective 1.1"),
    (("1.1", "1.2", "2.1"), "improvement plan objectives 1.1, 1.2 and 2.1"),
    (("WSoA 4.1.3",), "written statement of action 4.1.3"),
])
def test_plan_refs_in_words(refs, expected):
    assert S.plan_refs_text(refs) == expected


@pytest.mark.parametrize("target, unit, expected", [(90.0, "percent", "90%"), (92.5, "percent", "92.5%"),
                                                    (18.0, "weeks", "18 weeks")])
def test_target_text(target, unit, expected):
    assert S.Writer(metric(target=target, target_source="x", unit=unit), "month", "board", "mean").target() == expected


# -- short series, run charts, missing data -----------------------------------------------------------------

def test_short_series_says_why_and_judges_the_target_on_the_latest_value():
    a, rd, s = narrate([50, 52, 48, 51, 49], m=metric(target=90.0, target_source="plan"))
    assert a.chart == "run" and rd.direction == "unknown"
    assert text(s, "short_series") == a.note and "5 months" in a.note  # analysis.py words the note
    assert text(s, "too_few") == ("Only 5 months shown: too few to judge whether New plans within 20 weeks is "
                                  "changing.")
    assert text(s, "target_missed").startswith("The latest value does not meet the 90% target")
    assert not any(k.startswith("assurance") for k in kinds(s))


def test_short_series_meeting_target():
    _, _, s = narrate([50, 52, 48, 51, 49], m=metric(target=45.0, target_source="plan"))
    assert text(s, "target_met").startswith("The latest value meets the 45% target")


def test_annual_run_chart_crossing_too_rarely():
    # 10 yearly values 1..10: median 5.5, five below then five above. Longest run 5 <= round(log2 10) + 3 = 6, but
    # 1 crossing < qbinom(0.05, 9, 0.5) = 2 (P(X <= 1) = 10/512 < 0.05 <= P(X <= 2) = 46/512): a runs signal.
    m = metric(chart="run", frequency="calendar_year", unit="count", title="Tribunal appeals")
    a, _, s = narrate(list(range(1, 11)), m=m, freq="YS", period_type="calendar_year", start="2015-01-01")
    assert bool(a.spc.points["runs_signal"].iloc[-1]) and a.spc.variation == "common_cause"
    assert text(s, "chart_note") == a.note  # analysis.py says why an annual series has no limits
    assert text(s, "special_cause_improvement") == (
        f"Tribunal appeals shows special cause improvement {MEANING} since 2015: 5 years in a row above the median "
        "(2020 to 2024); it crosses its median once where at least 2 crossings would be expected by chance.")
    assert text(s, "latest") == "The latest value is 10 (2024)."


def test_no_data():
    _, _, s = narrate([1.0, 2.0], status=["suppressed", "suppressed"])
    assert kinds(s) == ["no_data"]
    assert s[0].text == ("New plans within 20 weeks: No data for this selection: all 2 values are suppressed or "
                         "not available.")


def test_p_chart_speaks_in_percent():
    # 14 months of 50 out of 100: p = 0.5, limits 0.5 ± 3√(0.25/100) = 0.5 ± 0.15 -> 35% to 65%.
    a, _, s = narrate([50.0] * 14, m=metric(chart="p"), numerators=[50] * 14, denominators=[100] * 14)
    assert a.chart == "p"
    assert text(s, "common_cause").endswith("the limits run from 35.0% to 65.0% around a mean of 50.0%.")


def test_breakdown_named_in_subject_and_counts_keep_a_decimal_for_lines():
    m = metric(title="Waiting list size", unit="count", breakdown="service")
    _, _, s = narrate(BASE + [49, 51], m=m, breakdown="Occupational therapy")
    assert s[0].text == ("Waiting list size (Occupational therapy) varies within its process limits (common cause "
                         "variation: no sign of real change). For the latest period the limits run from 42.8 to 57.2 "
                         "around a mean of 50.0.")


# -- interventions, rebasing, series breaks -----------------------------------------------------------------

def test_rebase_at_an_intervention():
    # 12 months around 50 (mean 50), then 12 around 40 (BASE - 10: mean 40), limits restarted in January 2024;
    # leaving out the first 3 months after it, the other 9 average 360/9 = 40.0.
    clinic = Event(pd.Timestamp("2024-01-01"), "New clinic", rebase=True, number=3)
    a, _, s = narrate(BASE + [v - 10 for v in BASE], m=metric(unit="weeks", improvement="decrease"),
                      rebase=(clinic.date,), events=(clinic,))
    assert list(a.spc.points["group"].unique()) == [0, 1]
    (rebase,) = [x for x in s if x.kind == "rebase"]
    assert rebase.event == 3  # the log's number, as drawn on the chart
    assert rebase.text == (
        "The limits were recalculated from January 2024, after “New clinic” (January 2024), which the analyst "
        "marked as changing the process: the mean was 50.0 weeks before and 40.0 weeks after; leaving out the "
        "first 3 months while the change bedded in, the values after averaged 40.0 weeks.")


def test_rebase_transition_window_is_the_events():
    # With no transition window the comparison uses every value after: the same 40.0 here, and no "leaving out".
    clinic = Event(pd.Timestamp("2024-01-01"), "New clinic", rebase=True, transition_months=0)
    _, _, s = narrate(BASE + [v - 10 for v in BASE], rebase=(clinic.date,), events=(clinic,))
    assert text(s, "rebase").endswith("the mean was 50.0% before and 40.0% after.")
    assert S.transition_points(Event(pd.Timestamp("2024-01-01"), "x", transition_months=4), "quarter") == 2
    assert S.transition_points(clinic, "academic_year") == 0


def test_series_break():
    _, _, s = narrate(BASE + [v - 10 for v in BASE], breaks=("2024-01-01",))
    assert text(s, "series_break") == ("The definition changed in January 2024, so the limits are calculated "
                                       "separately before (a mean of 50.0%) and after (40.0%).")
    assert "rebase" not in kinds(s)


def test_intervention_followed_by_special_cause():
    event = Event(pd.Timestamp("2023-12-01"), "Extra panel meetings", number=2)
    a, _, s = narrate(SHIFT, events=(event,))
    assert change_after(a, event.date)[1] == pd.Timestamp("2024-01-01")
    (said,) = [x for x in s if x.kind == "intervention"]
    assert said.event == 2
    assert said.text == ("After “Extra panel meetings” (December 2023) special cause improvement followed from "
                         "January 2024.")


def test_intervention_with_nothing_after():
    event = Event(pd.Timestamp("2023-06-01"), "Leaflet")
    a, _, s = narrate(BASE + [49, 51], events=(event,))
    assert change_after(a, event.date) is None
    # Only 8 months are drawn after June 2023: the sentence says so, not "within 12 months".
    assert text(s, "intervention") == ("After “Leaflet” (June 2023) no special cause followed in the 8 months drawn "
                                       "since: any change since is within the process limits.")


def test_area_wide_event_mentioned_only_when_something_followed():
    lockdown = Event(pd.Timestamp("2023-06-01"), "Lockdown", metric_ids=())
    _, _, quiet = narrate(BASE + [49, 51], events=(lockdown,))
    assert "intervention" not in kinds(quiet)
    _, _, changed = narrate(SHIFT, events=(lockdown,))
    assert text(changed, "intervention") == ("After “Lockdown” (June 2023) special cause improvement followed from "
                                             "January 2024.")


def test_signal_already_running_is_not_credited_to_a_later_event():
    # The shift starts in January 2024; an event in March 2024 did not cause it.
    a, _, _ = narrate(SHIFT)
    assert change_after(a, "2024-03-01") is None


def test_neutral_change_words():
    event = Event(pd.Timestamp("2023-12-01"), "New referral form")
    a, _, s = narrate(SHIFT, m=metric(improvement="neutral"), events=(event,))
    assert change_after(a, event.date)[0] == "unusually high values (neither better nor worse)"
    assert text(s, "intervention") == ("After “New referral form” (December 2023) unusually high values (neither "
                                       "better nor worse) followed from January 2024.")


def test_same_input_same_sentences():
    assert narrate(SHIFT)[2] == narrate(SHIFT)[2]


# -- the family's sentences ---------------------------------------------------------------------------------

@pytest.mark.parametrize("values, improvement, reading", [
    (SHIFT, "increase", "Getting better words."),
    (SHIFT, "decrease", "Getting worse words."),
    (SHIFT, "neutral", "Getting better words."),  # a neutral measure's `improving` words a rise
    (BASE + [49, 51], "increase", "About the same words."),
    ([50, 52, 48, 51, 49], "increase", "There is not enough information yet to say whether this is changing."),
])
def test_public_sentences_are_the_catalogues_words_for_the_direction(values, improvement, reading):
    _, _, s = narrate(values, m=metric(improvement=improvement, target=90.0, target_source="plan"), words=PUBLIC)
    assert kinds(s) == ["public_reading", "latest", "public_target"]
    assert s[0].text == reading and s[2].text == "The target is 90%."


def test_public_sentence_for_a_move_without_a_pattern_says_so_plainly():
    _, _, s = narrate(BASE + [49, 53.5], words=PUBLIC)
    assert s[0].text == ("No clear pattern yet: the latest figure (53.5%, February 2024) is higher than any before "
                         "it since January 2023, but there are too few figures to say it is a real change.")
