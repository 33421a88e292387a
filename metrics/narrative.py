"""Plain-English sentences about one metric's chart, written from its SPC result and its catalogue entry.

Deterministic: the same analysis always gives the same sentences. Every statistical term comes with its plain
meaning ("special cause improvement (a change too large or too lasting to be chance)"), and trend words come only
from the SPC result, never from comparing two points. Each sentence carries a `kind`, so the report can pick the
exceptions and tests can check the sentence matches the series.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics import format as fmt
from metrics.analysis import Analysis, latest, scale

# Every kind of sentence the narrative (and the report, for breakdowns) writes.
KINDS = ("no_data", "short_series", "chart_note", "special_cause_improvement", "special_cause_concern",
         "special_cause_neutral", "runs_signal", "common_cause", "latest", "assurance_pass", "assurance_fail",
         "assurance_inconsistent", "target_met", "target_missed", "rebase", "series_break", "intervention",
         "plan_objectives",
         "breakdown_concern")  # the report's: a service (or other part) in concern while its total may not be
SIGNAL_KINDS = ("special_cause_improvement", "special_cause_concern", "special_cause_neutral", "runs_signal",
                "assurance_fail", "target_missed")

SINGULAR = {"month": "month", "quarter": "quarter", "term": "term", "academic_year": "academic year",
            "financial_year": "financial year", "calendar_year": "year"}
PLURAL = {"month": "months", "quarter": "quarters", "term": "terms", "academic_year": "academic years",
          "financial_year": "financial years", "calendar_year": "years"}
# How long after an intervention a new signal is read as following it.
EVENT_WINDOW_MONTHS = 12

SPECIAL_CAUSE_MEANING = "a change too large or too lasting to be down to chance"


@dataclass(frozen=True)
class Sentence:
    kind: str  # one of KINDS
    text: str


@dataclass(frozen=True)
class Change:
    """A special-cause signal that began after an intervention (see `change_after`)."""
    point_type: str  # special_cause_improvement | special_cause_concern | special_cause_neutral_*
    first_date: pd.Timestamp

    @property
    def words(self) -> str:
        """'special cause improvement', 'special cause concern', 'unusually high values (neither better nor
        worse)'."""
        if self.point_type in ("special_cause_improvement", "special_cause_concern"):
            return self.point_type.replace("_", " ")
        side = "high" if self.point_type.endswith("high") else "low"
        return f"unusually {side} values (neither better nor worse)"


def subject(metric, breakdown: str = "All") -> str:
    """What the sentences are about: the metric's title, with the breakdown when it is not the total."""
    return metric.title if breakdown == "All" else f"{metric.title} ({breakdown})"


def period_type(analysis: Analysis, metric) -> str:
    """The series' own period type (a published series may be academic years where the catalogue says annual)."""
    types = analysis.series.get("period_type")
    return str(types.iloc[-1]) if types is not None and len(types) else metric.frequency


def plan_refs_text(refs) -> str:
    """'improvement plan objectives 3.1 and 4.2 and written statement of action 2.1.2'."""
    plan = [r for r in refs if not r.startswith("WSoA ")]
    wsoa = [r.removeprefix("WSoA ") for r in refs if r.startswith("WSoA ")]
    parts = []
    if plan:
        parts.append(f"improvement plan objective{'s' if len(plan) > 1 else ''} {_and(plan)}")
    if wsoa:
        parts.append(f"written statement of action {_and(wsoa)}")
    return " and ".join(parts)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(n: int, ptype: str) -> str:
    return f"{n} {SINGULAR[ptype] if n == 1 else PLURAL[ptype]}"


def _times(n: int) -> str:
    return {0: "never", 1: "once", 2: "twice"}.get(n, f"{n} times")


def narrate(analysis: Analysis, metric, events=()) -> list[Sentence]:
    """The narrative for one chart. `events` are the interventions (annotations) that apply to this metric and
    area, up to the end of the period shown: each has date, title and rebase."""
    who = subject(metric, analysis.breakdown)
    if analysis.empty:
        return [Sentence("no_data", f"{who}: {analysis.note or 'no data for this selection.'}")]
    r, ptype, k = analysis.spc, period_type(analysis, metric), scale(analysis)
    pts = _valid(r)
    out: list[Sentence] = []
    if analysis.note:
        # A run chart the catalogue did not ask for means too few points for limits (the note says how many).
        short = analysis.chart == "run" and metric.chart != "run"
        out.append(Sentence("short_series" if short else "chart_note", analysis.note))

    signal = r.last_signal()
    centre_word = "median" if analysis.chart == "run" else "average"
    if signal is not None:
        out.append(_signal_sentence(who, signal, pts, ptype, metric.unit, k, centre_word))
    elif analysis.chart == "run" and bool(pts["runs_signal"][-1]):
        last = {name: col[-1] for name, col in pts.items()}
        out.append(Sentence("runs_signal", (
            f"{who} crosses its median fewer times than chance would give ({_times(int(last['crossings']))}, where "
            f"at least {int(last['crossings_min'])} would be expected): a sign of real change over the period.")))
    else:
        out.append(_common_cause_sentence(who, pts, analysis.chart, metric.unit, k))

    out.append(_latest_sentence(analysis, metric, ptype))
    target_sentence = _target_sentence(analysis, metric, r, ptype)
    if target_sentence:
        out.append(target_sentence)
    out.extend(_group_sentences(analysis, metric, events, pts, ptype, k))
    out.extend(_event_sentences(analysis, events, ptype))
    if metric.plan_refs and any(s.kind in SIGNAL_KINDS for s in out):
        out.append(Sentence("plan_objectives", f"This touches {plan_refs_text(metric.plan_refs)}."))
    return out


def line_value(x: float, unit: str) -> str:
    """A centre line or limit: one decimal even for counts, since an average of counts is rarely whole."""
    return fmt.value(x, unit, digits=1 if unit == "count" else None)


def _valid(r) -> dict[str, np.ndarray]:
    """The SPC result's columns at the points that have a value (a p chart keeps periods with no cases as gaps)."""
    keep = ~np.isnan(r.arrays["value"])
    return {name: col[keep] for name, col in r.arrays.items()}


def _signal(signal, pts, ptype, unit, k, centre_word) -> tuple[str, str, str, str]:
    """(kind, what, when, how) of the special cause the latest point belongs to."""
    kind = ("special_cause_neutral" if signal.point_type.startswith("special_cause_neutral")
            else signal.point_type)
    what = {"special_cause_improvement": "special cause improvement", "special_cause_concern":
            "special cause concern"}.get(kind, "special cause variation (neither better nor worse)")
    n, high = signal.n_points, signal.side == "high"
    start = fmt.period(signal.first_date, ptype)
    if signal.rule == "shift":
        how = f"{n} consecutive {PLURAL[ptype]} {'above' if high else 'below'} the {centre_word}"
        if centre_word == "median":
            how += ", a longer run than chance would give"
    elif signal.rule == "trend":
        how = f"{n} consecutive {PLURAL[ptype]} each {'higher' if high else 'lower'} than the one before"
    elif signal.rule == "two_in_three":
        how = (f"two of three {PLURAL[ptype]} close to the {'upper' if high else 'lower'} edge of the expected range "
               f"(beyond two thirds of the way to the control limit)")
    else:  # astronomical
        value = pts["value"][pts["date"] == signal.first_date.to_datetime64()][0]
        how = (f"{fmt.value(value * k, unit)} in {start} was {'above' if high else 'below'} the expected range "
               "(outside the control limits)")
        if n > 1:
            how += f", and {_count(n, ptype)} in a row have been unusually {'high' if high else 'low'} since"
    when = f"in {start}" if n == 1 else f"since {start}"
    return kind, what, when, how


def _signal_sentence(who, signal, pts, ptype, unit, k, centre_word) -> Sentence:
    kind, what, when, how = _signal(signal, pts, ptype, unit, k, centre_word)
    return Sentence(kind, f"{who} has shown {what} ({SPECIAL_CAUSE_MEANING}) {when}: {how}.")


def _common_cause_sentence(who, pts, chart, unit, k) -> Sentence:
    last = {name: col[-1] for name, col in pts.items()}
    if chart == "run":
        return Sentence("common_cause", f"{who} varies around its median of {line_value(last['centre'] * k, unit)} "
                                        "with no sign of real change (no unusually long runs above or below it).")
    if pd.isna(last["lower"]) or pd.isna(last["upper"]):
        return Sentence("common_cause", f"{who} has not changed beyond its usual level: every value equals the "
                                        f"average of {line_value(last['centre'] * k, unit)}, so no range is drawn.")
    return Sentence("common_cause", (
        f"{who} varies within the expected range (common cause variation: no sign of real change). For the latest "
        f"period that range runs from {line_value(last['lower'] * k, unit)} to {line_value(last['upper'] * k, unit)} "
        f"around an average of {line_value(last['centre'] * k, unit)}."))


def headline(analysis: Analysis, metric) -> str:
    """The chart's reading in one short phrase, for a table row: 'Special cause concern since March 2025: 7
    consecutive months above the average.', 'Within the expected range (42.8% to 57.2%).'"""
    if analysis.empty:
        return analysis.note or "No data."
    r, ptype, k = analysis.spc, period_type(analysis, metric), scale(analysis)
    pts = _valid(r)
    signal = r.last_signal()
    if signal is not None:
        _, what, when, how = _signal(signal, pts, ptype, metric.unit, k,
                                     "median" if analysis.chart == "run" else "average")
        return f"{what[0].upper()}{what[1:]} {when}: {how}."
    last = {name: col[-1] for name, col in pts.items()}
    if analysis.chart == "run":
        if bool(last["runs_signal"]):
            return "Crosses its median fewer times than chance would give: a sign of real change."
        return f"No sign of real change around its median of {line_value(last['centre'] * k, metric.unit)}."
    if pd.isna(last["lower"]) or pd.isna(last["upper"]):
        return f"Unchanged at {line_value(last['centre'] * k, metric.unit)}."
    return (f"Within the expected range ({line_value(last['lower'] * k, metric.unit)} to "
            f"{line_value(last['upper'] * k, metric.unit)}).")


def _latest_sentence(analysis, metric, ptype) -> Sentence:
    now = latest(analysis)
    when = fmt.period(now["period_start"], ptype)
    return Sentence("latest", f"The latest value is {fmt.value(now['value'], metric.unit, now['status'])} ({when}).")


def target_text(metric) -> str:
    """'90%', '18 weeks': a target as the plans write it (no needless decimal)."""
    t = metric.target
    return fmt.value(t, metric.unit, digits=0 if float(t).is_integer() else None)


def _meets(value: float, target: float, improvement: str) -> bool:
    return value >= target if improvement == "increase" else value <= target


def _target_sentence(analysis, metric, r, ptype) -> Sentence | None:
    if metric.target is None or metric.improvement == "neutral":
        return None
    target = target_text(metric)
    above, below = ("above", "below") if metric.improvement == "increase" else ("below", "above")
    if r.assurance == "pass":
        return Sentence("assurance_pass", f"On current performance the {target} target will be met consistently: "
                                          f"the whole expected range is {above} it.")
    if r.assurance == "fail":
        return Sentence("assurance_fail", f"On current performance the {target} target will not be met without a "
                                          f"change in how things are done: the whole expected range is {below} it.")
    if r.assurance == "inconsistent":
        return Sentence("assurance_inconsistent", f"On current performance the {target} target will be met only "
                                                  "some of the time: it lies within the expected range.")
    # No limits to judge by (a run chart): say only where the latest value stands.
    now = latest(analysis)
    if now["status"] != "ok":
        return None
    met = _meets(now["value"], metric.target, metric.improvement)
    return Sentence("target_met" if met else "target_missed", (
        f"The latest value {'meets' if met else 'does not meet'} the {target} target; there are too few points "
        "to say whether it will be met consistently."))


def _group_sentences(analysis, metric, events, pts, ptype, k) -> list[Sentence]:
    """Why the limits restart where they do: a change of definition, or an intervention the analyst marked."""
    out = []
    groups = pts["group"]
    if not len(groups) or groups[0] == groups[-1]:
        return out
    series = analysis.series
    breaks = [pd.Timestamp(d) for d in series.loc[series["series_break"].astype(bool), "period_start"]]
    for i in np.flatnonzero(np.diff(groups)) + 1:
        first, before_date = pd.Timestamp(pts["date"][i]), pd.Timestamp(pts["date"][i - 1])
        before = line_value(pts["centre"][i - 1] * k, metric.unit)
        after = line_value(pts["centre"][i] * k, metric.unit)
        if any(before_date < d <= first for d in breaks):
            out.append(Sentence("series_break", (
                f"The definition changed in {fmt.period(first, ptype)}, so the limits are calculated separately "
                f"before ({_centre(analysis)} {before}) and after ({after}).")))
        for e in events:
            if e.rebase and before_date < pd.Timestamp(e.date) <= first:
                out.append(Sentence("rebase", (
                    f"The limits were recalculated from {fmt.period(first, ptype)}, after “{e.title}”, because the "
                    f"analyst marked that intervention as changing the process: the {_centre(analysis)} moved from "
                    f"{before} before to {after} after.")))
    return out


def _centre(analysis) -> str:
    return "median" if analysis.chart == "run" else "average"


def change_after(analysis: Analysis, date, months: int = EVENT_WINDOW_MONTHS) -> Change | None:
    """The first special-cause run that starts on or after `date` and within `months` of it, if any.

    A run counts from its first point; a signal already running before the date is not credited to the event.
    """
    if analysis.empty:
        return None
    a = analysis.spc.arrays
    keep = ~np.isnan(a["value"])
    types, dates = a["point_type"][keep], a["date"][keep]
    d0 = pd.Timestamp(date)
    window = (dates >= d0.to_datetime64()) & (dates < (d0 + pd.DateOffset(months=months)).to_datetime64())
    starts = (types != "common_cause") & np.concatenate(([True], types[1:] != types[:-1]))
    hits = np.flatnonzero(window & starts)
    return Change(str(types[hits[0]]), pd.Timestamp(dates[hits[0]])) if hits.size else None


def _event_sentences(analysis, events, ptype) -> list[Sentence]:
    """What followed each intervention that is not a rebase (a rebase is described with the limits). An event
    aimed at this measure or service is always read; an area-wide event (a lockdown, an inspection) only when
    something changed after it, so every chart does not repeat that nothing did."""
    out = []
    first = pd.Timestamp(_valid(analysis.spc)["date"][0])
    for e in sorted(events, key=lambda e: e.date):
        if e.rebase or pd.Timestamp(e.date) < first:
            continue
        when = fmt.period(e.date, "month")
        change = change_after(analysis, e.date)
        targeted = bool(getattr(e, "metric_ids", ()) or getattr(e, "services", ()))
        if change is None and not targeted:
            continue
        if change is None:
            text = (f"After “{e.title}” ({when}) no special cause followed within {EVENT_WINDOW_MONTHS} months: "
                    "any change since is within the expected range.")
        else:
            text = (f"After “{e.title}” ({when}) {change.words} followed from "
                    f"{fmt.period(change.first_date, ptype)}.")
        out.append(Sentence("intervention", text))
    return out
