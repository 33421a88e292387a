"""The sentences under a chart, written from its Reading (metrics/view/reading.py) in the audience's words.

Deterministic, and every claim comes from a fact computed on the series drawn (metrics/view/facts.py): a count of
consecutive periods is the count of a run found in the data, a range is the limits of the latest point. Each
sentence carries a `kind`, so the report picks exceptions by kind and tests check each kind against the data.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from metrics import format as fmt
from metrics.view import facts
from metrics.view.model import Sentence
from metrics.view.reading import Reading

KINDS = ("no_data", "short_series", "chart_note", "special_cause_improvement", "special_cause_concern",
         "special_cause_neutral", "common_cause", "no_pattern", "too_few", "latest", "assurance_pass",
         "assurance_fail", "assurance_inconsistent", "target_met", "target_missed", "stuck", "rebase",
         "series_break", "intervention", "small_cohort", "plan_objectives", "public_reading", "public_target")
SIGNAL_KINDS = ("special_cause_improvement", "special_cause_concern", "special_cause_neutral", "assurance_fail",
                "target_missed")
SINGULAR = {"month": "month", "quarter": "quarter", "term": "term", "academic_year": "academic year",
            "financial_year": "financial year", "calendar_year": "year"}
PLURAL = {"month": "months", "quarter": "quarters", "term": "terms", "academic_year": "academic years",
          "financial_year": "financial years", "calendar_year": "years"}
SPECIAL_CAUSE_MEANING = "a change too large or too lasting to be down to chance"
EVENT_WINDOW_MONTHS = 12  # how long after an intervention a new signal is read as following it


def count(n: int, period_type: str) -> str:
    return f"{n} {SINGULAR.get(period_type, 'period') if n == 1 else PLURAL.get(period_type, 'periods')}"


class Writer:
    """Formats numbers and periods for one chart and audience."""

    def __init__(self, metric, period_type: str, style: str, centre_word: str, plain=None):
        self.metric, self.period_type, self.style, self.centre_word = metric, period_type, style, centre_word
        self.plain = plain or (lambda text: text)  # the audience's words for catalogue text

    def value(self, x, status="ok", digits=None) -> str:
        return fmt.value(x, self.metric.unit, status, digits=self.digits if digits is None else digits,
                         label=getattr(self.metric, "unit_label", None))

    @property
    def digits(self):
        return getattr(self.metric, "decimals", None)

    def line(self, x) -> str:
        """A centre line or limit: one decimal even for counts, since an average of counts is rarely whole."""
        return self.value(x, digits=1 if self.metric.unit == "count" else None)

    def period(self, d) -> str:
        return fmt.period(d, self.period_type, self.style)

    def target(self) -> str:
        t = self.metric.target
        return fmt.value(t, self.metric.unit, digits=0 if float(t).is_integer() else None,
                         label=getattr(self.metric, "unit_label", None))


def signal_sentence(who: str, rd: Reading, w: Writer) -> Sentence:
    family = rd.variation.rsplit("_", 1)[0]
    kind = {"improvement": "special_cause_improvement", "concern": "special_cause_concern"}.get(
        family, "special_cause_neutral")
    what = {"special_cause_improvement": "special cause improvement", "special_cause_concern":
            "special cause concern"}.get(kind, "special cause variation (neither better nor worse)")
    parts = [run_words(run, rd, w) for run in rd.runs]
    if rd.crossings is not None:
        parts.append(f"it crosses its {w.centre_word} {_times(rd.crossings[0])} where at least {rd.crossings[1]} "
                     "crossings would be expected by chance")
    when = f"since {w.period(rd.signal_first)}" if rd.signal_first != rd.signal_last \
        else f"in {w.period(rd.signal_last)}"
    text = f"{who} shows {what} ({SPECIAL_CAUSE_MEANING}) {when}"
    return Sentence(kind, text + (": " + "; ".join(parts) if parts else "") + ".")


def run_words(run: facts.Run, rd: Reading, w: Writer) -> str:
    """One fact of a signal in words; every number is the fact's own."""
    n, high = run.n, run.side == "high"
    span = fmt.span(run.first, run.last, w.period_type, w.style)
    first, last = w.period(run.first), w.period(run.last)
    between = f"in {first}" if first == last else f"between {first} and {last}"
    if run.kind == "outside":
        d = rd.drawn
        i = int(np.flatnonzero(d.dates == np.datetime64(run.last))[0])
        edge = "above the upper" if high else "below the lower"
        if n == 1:
            return f"{w.value(d.values[i])} in {w.period(run.last)} was {edge} process limit"
        return f"{n} values {edge} process limit {between}, the latest {w.value(d.values[i])} in " \
               f"{w.period(run.last)}"
    if run.kind == "same_side":
        return f"{count(n, w.period_type)} in a row {'above' if high else 'below'} the {w.centre_word} ({span})"
    if run.kind == "monotone":
        return f"{count(n, w.period_type)} in a row each {'higher' if high else 'lower'} than the one before ({span})"
    return f"{n} values between two sigma and the {'upper' if high else 'lower'} process limit {between}"


def _times(n: int) -> str:
    return {0: "never", 1: "once", 2: "twice"}.get(n, f"{n} times")


def board_sentences(who: str, rd: Reading, metric, w: Writer, *, note: str, latest_text: str, latest_period: str,
                    groups: tuple = (), events: tuple = (), cohort: float | None = None) -> list[Sentence]:
    """The board's reading of one chart (see KINDS)."""
    out: list[Sentence] = []
    if rd.chart == "none":
        return [Sentence("no_data", f"{who}: {note or 'no data for this selection.'}")]
    if note:
        out.append(Sentence("short_series" if "Only" in note else "chart_note", note))
    if rd.variation not in (None, "common_cause"):
        out.append(signal_sentence(who, rd, w))
    elif rd.direction == "unknown":
        out.append(Sentence("too_few", f"Only {count(rd.n, w.period_type)} shown: too few to judge whether {who} "
                                       "is changing."))
    else:
        out.append(_common(who, rd, w))
        if not rd.flat:
            out.append(_no_pattern(rd, w))
    out.append(Sentence("latest", f"The latest value is {latest_text} ({latest_period})."))
    t = _target(rd, metric, w)
    if t:
        out.append(t)
    if rd.stuck is not None:
        s = rd.stuck
        out.append(Sentence("stuck", (
            f"It has been at or within {facts.STUCK_MARGIN:g} points of {s.bound:.0f}% for each of the last "
            f"{count(s.n, w.period_type)} (since {w.period(s.first)}): the limits were calculated on earlier data "
            "and may no longer describe it. The board can record a recalculation point (a rebase) in the "
            "intervention log.")))
    out.extend(groups)
    out.extend(events)
    if cohort is not None and cohort < facts.SMALL_COHORT:
        out.append(Sentence("small_cohort", f"The latest value comes from a group of {cohort:.0f}: read it with care; "
                                            "a change of one person moves it a lot, so changes are not described."))
    if metric.plan_refs and any(s.kind in SIGNAL_KINDS for s in out):
        out.append(Sentence("plan_objectives", f"This touches {plan_refs_text(metric.plan_refs)}."))
    return out


def _common(who: str, rd: Reading, w: Writer) -> Sentence:
    d = rd.drawn
    centre = d.centre[-1]
    if rd.chart == "run":
        return Sentence("common_cause", f"{who} varies around its {w.centre_word} of {w.line(centre)} with no sign "
                                        "of real change (no unusually long runs above or below it, and enough "
                                        "crossings).")
    lo, hi = d.lower[-1], d.upper[-1]
    if np.isnan(lo) or np.isnan(hi):
        return Sentence("common_cause", f"{who} has not moved from its {w.centre_word} of {w.line(centre)}: every "
                                        "value is the same, so no range is drawn.")
    return Sentence("common_cause", (
        f"{who} varies within its process limits (common cause variation: no sign of real change). For the latest "
        f"period the limits run from {w.line(lo)} to {w.line(hi)} around a {w.centre_word} of {w.line(centre)}."))


def _no_pattern(rd: Reading, w: Writer) -> Sentence:
    """Rule 2: not flat, no signal. The latest value is outside the range of the earlier ones: say which way."""
    d = rd.drawn
    earlier = d.values[:-1]
    higher = d.values[-1] > earlier.max()
    return Sentence("no_pattern", (
        f"There is no SPC signal, but the latest value ({w.value(d.values[-1])}) is "
        f"{'higher' if higher else 'lower'} than every earlier value shown ({w.value(earlier.min())} to "
        f"{w.value(earlier.max())} from {fmt.span(d.dates[0], d.dates[-2], w.period_type, w.style)}): too few points "
        "or too much variation to call it a change yet."))


def _target(rd: Reading, metric, w: Writer) -> Sentence | None:
    if metric.target is None or metric.improvement == "neutral" or rd.chart == "none":
        return None
    target = w.target()
    above, below = ("above", "below") if metric.improvement == "increase" else ("below", "above")
    if rd.assurance == "pass":
        return Sentence("assurance_pass", f"On current performance the {target} target will be met consistently: "
                                          f"the whole range between the process limits is {above} it.")
    if rd.assurance == "fail":
        return Sentence("assurance_fail", f"On current performance the {target} target will not be met without a "
                                          f"change in how things are done: the whole range between the process "
                                          f"limits is {below} it.")
    if rd.assurance == "inconsistent":
        return Sentence("assurance_inconsistent", f"On current performance the {target} target will be met only "
                                                  "some of the time: it lies between the process limits.")
    d = rd.drawn
    latest = d.values[-1]
    met = latest >= metric.target if metric.improvement == "increase" else latest <= metric.target
    return Sentence("target_met" if met else "target_missed", (
        f"The latest value {'meets' if met else 'does not meet'} the {target} target; there are too few points "
        "to say whether it will be met consistently."))


def public_sentences(who: str, rd: Reading, metric, w: Writer, *, latest_text: str, latest_period: str,
                     cohort: float | None = None) -> list[Sentence]:
    """The family reading: the catalogue's plain sentence for the direction, the latest figure, the target."""
    text = metric.public_text
    small = cohort is not None and cohort < facts.SMALL_COHORT
    if rd.chart == "none":
        reading = "There are no figures to show yet."
    elif small or rd.direction == "unknown":
        reading = "There is not enough information yet to say whether this is changing."
    elif rd.direction in ("improving", "higher"):
        reading = text.improving
    elif rd.direction in ("worsening", "lower"):
        reading = text.worsening
    elif rd.direction == "same":
        reading = text.no_change
    else:  # unclear: the figures moved, with no clear pattern yet
        d = rd.drawn
        reading = (f"No clear pattern yet: the latest figure ({w.value(d.values[-1])}, {w.period(d.dates[-1])}) "
                   f"is {'higher' if d.values[-1] > d.values[:-1].max() else 'lower'} than any before it "
                   f"since {w.period(d.dates[0])}, but there are too few figures to say it is a real change.")
    out = [Sentence("public_reading", w.plain(reading))]
    if latest_period and latest_period != "—":
        out.append(Sentence("latest", f"The latest figure is {latest_text} ({latest_period})."))
    if metric.target is not None:
        out.append(Sentence("public_target", f"The target is {w.target()}."))
    return out


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


def change_words(difference: float, metric, then: str, words) -> str:
    """'up 3.1 percentage points on March 2025': how much it moved, never whether that is better. A change that
    rounds to nothing at the measure's precision is "no change" (never "up 0.0")."""
    size = fmt.value(abs(difference), metric.unit, digits=getattr(metric, "decimals", None),
                     label=getattr(metric, "unit_label", None))
    if difference == 0 or float(re.sub(r"[^0-9.]", "", size.split(" ")[0]) or 0) == 0:
        return f"no change on {then}"
    if metric.unit == "percent":
        size = size.removesuffix("%") + " " + words.change_unit_percent
    return f"{'up' if difference > 0 else 'down'} {size} on {then}"


def group_sentences(who: str, rd: Reading, break_dates, events, w: Writer) -> list[Sentence]:
    """Why the limits restart where they do: a change of definition, or an intervention marked as a rebase; with
    the mean before and after, the after leaving out the event's stated transition window."""
    d = rd.drawn
    out = []
    if d is None or not len(d.group) or d.group[0] == d.group[-1]:
        return out
    breaks = [pd.Timestamp(x) for x in break_dates]
    for i in np.flatnonzero(np.diff(d.group)) + 1:
        first, before_date = pd.Timestamp(d.dates[i]), pd.Timestamp(d.dates[i - 1])
        after_all = d.group == d.group[i]
        if any(before_date < b <= first for b in breaks):
            out.append(Sentence("series_break", (
                f"The definition changed in {w.period(first)}, so the limits are calculated separately before "
                f"(a {w.centre_word} of {w.line(d.centre[i - 1])}) and after ({w.line(d.centre[i])}).")))
        for e in events:
            if not (e.rebase and before_date < pd.Timestamp(e.date) <= first):
                continue
            skip = transition_points(e, w.period_type)
            after = d.values[after_all][skip:]
            text = (f"The limits were recalculated from {w.period(first)}, after “{e.title}” "
                    f"({fmt.period(e.date, 'month')}), which the analyst marked as changing the process: the "
                    f"{w.centre_word} was {w.line(d.centre[i - 1])} before and {w.line(d.centre[i])} after")
            if skip and len(after):
                text += (f"; leaving out the first {count(skip, w.period_type)} while the change bedded in, the "
                         f"values after averaged {w.line(after.mean())}")
            out.append(Sentence("rebase", text + ".", e.number))
    return out


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def transition_points(event, period_type: str) -> int:
    """How many periods after a rebase the before/after comparison leaves out (the event's transition window)."""
    months = getattr(event, "transition_months", 0) or 0
    per = {"month": 1, "quarter": 3}.get(period_type)
    return 0 if per is None else int(np.ceil(months / per))


def event_sentences(rd: Reading, events, w: Writer, change_after) -> list[Sentence]:
    """What followed each intervention that is not a rebase: an event aimed at this measure or service always; an
    area-wide event only when something changed after it."""
    d = rd.drawn
    if d is None or not len(d.dates):
        return []
    out, first = [], pd.Timestamp(d.dates[0])
    for e in sorted(events, key=lambda e: e.date):
        if e.rebase or pd.Timestamp(e.date) < first:
            continue
        when = fmt.period(e.date, "month")
        change = change_after(e.date)
        targeted = bool(e.metric_ids or e.services)
        if change is None and not targeted:
            continue
        if change is None:
            drawn_months = _months_between(pd.Timestamp(e.date), pd.Timestamp(d.dates[-1]))
            within = (f"within {EVENT_WINDOW_MONTHS} months" if drawn_months >= EVENT_WINDOW_MONTHS else
                      f"in the {count(max(drawn_months, 0), 'month')} drawn since")
            text = (f"After “{e.title}” ({when}) no special cause followed {within}: any change since is within the "
                    "process limits.")
        else:
            text = f"After “{e.title}” ({when}) {change[0]} followed from {w.period(change[1])}."
        out.append(Sentence("intervention", text, e.number))
    return out
