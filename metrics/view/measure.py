"""`measure_view`: one complete, immutable view of a measure for (measure, place, breakdown, window, audience).

Which series a card leads with is decided here, once (issue 12, "Real before synthetic"):
- At a place, a real (published or extracted) series comes before a synthetic one; among equals, the catalogue's
  own frequency first. The others follow as further charts of the same card ("monthly local extract").
- A locality with only synthetic figures, where the whole area has real ones, leads with the whole area's real
  series, labelled "published for Blackpool as a whole"; its own synthetic series follows.
- A place with no figures at all shows the whole area's, labelled the same way, never an empty box.
- A measure published only by its parts (autism waits by age group) shows every part.
- Comparator series (England, the region, the neighbours' average) are drawn, and the rank is computed, only
  against a real series of the same period type: a synthetic series is never drawn on the same axes as real
  comparators, and the rank sentence always describes the series drawn.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from metrics import benchmarking, disclosure
from metrics import format as fmt
from metrics.schemas import QUALITY_FLAGS, QUALITY_SEPARATOR, STATUSES
from metrics import urlstate
from metrics.area import ENGLAND, SN_AVERAGE
from metrics.edition import Policy, policy as policy_for
from metrics.memo import Memo
from metrics.view import facts, sentences
from metrics.view.facts import change_after
from metrics.view.plans import actions_of
from metrics.view.model import (Benchmark, Chart, ChartCard, Comparison, Event, Flag, Latest, Line, MeasureView,
                                Point, Signal, SpcChart, Target)
from metrics.view.reading import Reading, read, variation_family
from metrics.view.tables import BLANK, cell, make_table
from metrics.vocabulary import ASSURANCE_ICONS, PUBLIC_ICONS, PUBLIC_QUALITY, VARIATION_ICONS

SPARK_POINTS = 24
TOTAL_WORDS = {"service": "All services", "agency": "All agencies", "first_language": "All children",
               "sen_status": "All pupils", "phase_transfer": "All transfers", "cohort": "All"}
Y_TITLE = {"percent": "Per cent", "count": "Number", "days": "Days", "weeks": "Weeks", "rate": "Rate",
           "score": "Score", "ratio": "Ratio"}
PUBLIC_ICON = {"improving": "better", "worsening": "worse", "same": "same", "higher": "higher", "lower": "lower",
               "unclear": "unclear", "unknown": "unknown"}


@dataclass(frozen=True)
class Scope:
    """Where and when: the locality slug and the window's months, as the URL gives them."""
    locality: str = urlstate.LOCALITY_DEFAULT
    start: str | None = None  # YYYY-MM
    end: str | None = None

    @classmethod
    def of(cls, state: urlstate.State) -> "Scope":
        return cls(state.locality, state.start, state.end)

    def state(self, page: str = "overview") -> urlstate.State:
        return urlstate.State(page=page, locality=self.locality, start=self.start, end=self.end)

    @property
    def windowless(self) -> bool:
        """No from/to: the view a page opens on (kept for good by the memos; a window is an analyst's choice)."""
        return self.start is None and self.end is None

    def window(self):
        return (_month_start(self.start) if self.start else None), (_month_start(self.end) if self.end else None)


@lru_cache(maxsize=1024)  # a window's months: a few hundred in all
def _month_start(month: str) -> pd.Timestamp:
    return pd.Timestamp(month + "-01")


@dataclass(frozen=True)
class Choice:
    """One series a measure view draws."""
    area: str
    breakdown: str
    period_type: str
    synthetic: bool
    whole_area: bool  # the whole area's series, shown for a locality


def choices(store, metric, area: str, breakdown: str) -> list[Choice]:
    """The series to draw for (measure, place, breakdown), the headline first (see the module docstring)."""
    whole = store.area.name

    def ordered(place: str, wide: bool) -> list[Choice]:
        found = store.period_types(metric.id, place, breakdown)
        return sorted((Choice(place, breakdown, p, s, wide) for p, s in found.items()),
                      key=lambda c: (c.synthetic, c.period_type != metric.frequency, c.period_type))

    local = ordered(area, False)
    if area == whole:
        return local
    wide = ordered(whole, True)
    real_wide = [c for c in wide if not c.synthetic]
    if local and all(c.synthetic for c in local) and real_wide:
        return [real_wide[0], *local]
    return local or wide[:1]


# -- the cache -----------------------------------------------------------------------------------------------------

# Every view without a window for several data versions' worth (measures × places × parts × audiences is about
# 1,500), and the latest windows (metrics.memo): a view holds its points and sentences, ~40 kB.
_views = Memo(windowed=64, whole=8192)


def measure_view(store, metric_id: str, scope: Scope = Scope(), breakdown: str = "All",
                 audience: str | None = None) -> MeasureView:
    """The view of one measure (see the module docstring); kept per data version, place, window and audience."""
    pol = policy_for(audience)
    key = (id(store), store.version, metric_id, scope, breakdown, pol.audience)
    return _views.get(key, scope.windowless,
                      lambda: _build(store, store.catalogue.get(metric_id), scope, breakdown, pol))


_charts = Memo(windowed=64, whole=8192)  # the charts of the views above: a chart's address asks for one alone


def measure_chart(store, metric_id: str, scope: Scope = Scope(), breakdown: str = "All", audience: str | None = None,
                  index: int = 0) -> Chart | None:
    """Chart `index` of `measure_view(store, metric_id, scope, breakdown, audience)`, the same object the view holds,
    built without the rest of the view (its comparisons, benchmark, actions): a chart's own address (/chart/,
    /figure/, /table/, /download/) asks for one chart, often of a window nobody asked for before. None if the view
    has no such chart."""
    pol = policy_for(audience)
    metric = store.catalogue.get(metric_id)
    if metric.id in store.unavailable or index < 0:
        return None
    plan, parts_only = _plan(store, metric, scope, breakdown)
    if index >= len(plan):
        return None
    return _chart_of(store, metric, scope, breakdown, pol, index, plan, parts_only)


def _chart_of(store, metric, scope: Scope, breakdown: str, pol: Policy, index: int, plan, parts_only: bool) -> Chart:
    """The view's chart `index`, built once for the view and its chart's address alike."""
    key = (id(store), store.version, metric.id, scope, breakdown, pol.audience, index)
    return _charts.get(key, scope.windowless,
                       lambda: _chart(store, metric, plan[index], scope, pol, index, parts_only, plan))


_plans = Memo(windowed=64, whole=8192)


def _plan(store, metric, scope: Scope, breakdown: str) -> tuple[tuple[Choice, ...], bool]:
    """(the series the view draws, headline first; whether they are the measure's parts, for want of a total).
    A window changes only the order of a measure's parts: any other plan is its place's, kept for good."""
    whole = Scope(scope.locality)
    plan, parts_only = _plans.get((id(store), store.version, metric.id, whole, breakdown), True,
                                  lambda: _make_plan(store, metric, whole, breakdown))
    if not parts_only or scope.windowless:
        return plan, parts_only
    return _plans.get((id(store), store.version, metric.id, scope, breakdown), False,
                      lambda: _make_plan(store, metric, scope, breakdown))


def _make_plan(store, metric, scope: Scope, breakdown: str) -> tuple[tuple[Choice, ...], bool]:
    area = store.area.locality_slugs[scope.locality]
    plan = choices(store, metric, area, breakdown)
    parts_only = not plan and breakdown == "All" and bool(store.breakdowns(metric.id, area))
    if parts_only:
        plan = [c for part in store.breakdowns(metric.id, area) if part != "All"
                for c in choices(store, metric, area, part)[:1]]
    if not plan and area != store.area.name and store.breakdowns(metric.id, store.area.name):
        # Published by parts for the whole area only: show the whole area's parts, labelled.
        plan = [replace(c, whole_area=True) for part in store.breakdowns(metric.id, store.area.name)
                if part != "All" for c in choices(store, metric, store.area.name, part)[:1]]
        parts_only = True
    if parts_only:  # parts with figures first: the card's headline is never a part with none (not submitted)
        start, end = scope.window()
        plan.sort(key=lambda c: not (store.columns(metric.id, c.area, c.breakdown, start, end, c.period_type)
                                     .status == "ok").any())
    return tuple(plan), parts_only


# -- building ----------------------------------------------------------------------------------------------------

def _build(store, metric, scope: Scope, breakdown: str, pol: Policy) -> MeasureView:
    words = pol.words
    area = store.area.locality_slugs[scope.locality]
    state = scope.state(metric.page)
    title = _title(metric, breakdown, pol)
    view_id = metric.id
    good = metric.good_direction_text.capitalize()
    target = None
    if metric.target is not None:
        target = Target(metric.target, _writer(metric, metric.frequency, pol).target(), metric.target_source or "")
    base = dict(metric_id=metric.id, key=card_key(metric.id, breakdown), title=title, page=metric.page, place=area,
                breakdown=breakdown, audience=pol.audience,
                description=words.make_plain(metric.description), good_direction=good, target=target,
                plan_refs=sentences.plan_refs_text(metric.plan_refs) if pol.internal and metric.plan_refs else "",
                refs=tuple(metric.plan_refs) if pol.internal else (),
                owner=(metric.owner or "Not named in the plans") if pol.internal else "",
                href=urlstate.href(metric.page, state, metric=metric.id),
                download_href=urlstate.data_href("download", view_id, state, "csv", part=breakdown))
    if metric.id in store.unavailable:
        why = store.unavailable[metric.id] if pol.internal else "These figures are not available at the moment."
        return MeasureView(**base, icons=_icons(None, pol), latest=None, sentences=(), charts=(), change="",
                           comparisons=(), benchmark=None, flags=(Flag("unavailable", why),), provenance="",
                           source=words.make_plain(metric.source), synthetic=False, empty=why,
                           has_place_figures=False)

    plan, parts_only = _plan(store, metric, scope, breakdown)
    if not plan:
        why = "No data for this selection." if pol.internal else "There are no figures for this yet."
        return MeasureView(**base, icons=_icons(None, pol), latest=None, sentences=(), charts=(), change="",
                           comparisons=(), benchmark=None, flags=(), provenance="",
                           source=words.make_plain(metric.source), synthetic=False, empty=why)

    charts = tuple(_chart_of(store, metric, scope, breakdown, pol, i, plan, parts_only) for i in range(len(plan)))
    head, first = charts[0], plan[0]
    cols = store.columns(metric.id, first.area, first.breakdown, *scope.window(), first.period_type)
    change_text, change_value = _change(cols, metric, first.period_type, pol, _cohort(cols))
    comparisons, older = _comparisons(store, metric, first, cols, scope, pol)
    flags = list(head.flags) + older
    signals = tuple(s for c, ch in zip(plan, charts) for s in _signals(metric, c, ch, ch.reading, title, state, pol))
    bench = _benchmark(store, metric, first, cols, pol) if metric.comparators and not first.synthetic \
        and first.breakdown == "All" and (first.area == store.area.name) else None
    if bench is not None and bench.table is not None:
        who = "statistical neighbours" if pol.spc_terms else "similar areas"
        bench = replace(bench, summary=f"Compare with {who}", table_href=urlstate.data_href(
            "table", metric.id, state, "html", table="neighbours"))
    values = np.where(cols.status == "ok", cols.value, np.nan).tolist()[-SPARK_POINTS:]
    latest = head.latest
    if parts_only and latest is not None:  # say which part the figure is
        latest = replace(latest, text=f"{first.breakdown}: {latest.text}")
    elif latest is not None and breakdown == "All" and metric.breakdown in TOTAL_WORDS:
        # A measure "by first language" shows its total: say so.
        latest = replace(latest, text=f"{TOTAL_WORDS[metric.breakdown]}: {latest.text}")
    return MeasureView(
        **base, icons=head.icons, latest=latest, sentences=head.sentences, charts=charts,
        change=change_text, change_value=change_value, comparisons=comparisons, benchmark=bench,
        flags=tuple(flags), provenance=_provenance(head, first, pol), source=head.source,
        synthetic=head.synthetic, spark=tuple(None if (v is None or math.isnan(v)) else v for v in values),
        variation=head.reading.variation, assurance=head.reading.assurance,
        signals=signals, has_place_figures=not first.whole_area,
        actions=actions_of(store, metric.id, pol), links=_links(store, metric, state, pol))


def _links(store, metric, state, pol: Policy) -> tuple:
    """Views related to a measure: the funnel plot of every local authority, where the data allows one."""
    from metrics.view.funnels import measures
    if metric.id in measures(store):
        return (("How every local authority compares (funnel plot)" if pol.spc_terms else
                 "How every local authority compares", urlstate.href("funnel", None, (), metric=metric.id)),)
    return ()


def card_key(metric_id: str, breakdown: str = "All") -> str:
    """A DOM- and URL-safe key for one card: the metric id, plus the breakdown when it is not the total."""
    if breakdown == "All":
        return metric_id
    return f"{metric_id}--{slug(breakdown)}"


def slug(text: str) -> str:
    import re
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _title(metric, breakdown: str, pol: Policy) -> str:
    title = metric.title if breakdown == "All" else f"{metric.title}: {breakdown}"
    return pol.words.make_plain(title)


def _writer(metric, period_type: str, pol: Policy) -> sentences.Writer:
    return sentences.Writer(metric, period_type, pol.words.period_style, pol.words.centre_name("xmr").lower(),
                            pol.words.make_plain)


def _icons(reading: Reading | None, pol: Policy) -> tuple:
    if not pol.spc_terms:
        return (PUBLIC_ICONS[PUBLIC_ICON[reading.direction if reading else "unknown"]],)
    variation = reading.variation if reading else None
    assurance = reading.assurance if reading else None
    return (VARIATION_ICONS[variation], ASSURANCE_ICONS[assurance])


def _cohort(cols) -> float | None:
    """The latest value's denominator (its cohort), when the source gives one."""
    ok = np.flatnonzero(cols.status == "ok")
    if not ok.size:
        return None
    d = cols.denominator[ok[-1]]
    return None if np.isnan(d) else float(d)


def _chart(store, metric, choice: Choice, scope: Scope, pol: Policy, index: int, parts_only: bool,
           plan) -> Chart:
    words = pol.words
    ptype = choice.period_type
    start, end = scope.window()
    analysis = store.analysis(metric.id, choice.area, choice.breakdown, start, end, ptype)
    cols = analysis.series  # the window's rows the SPC was run on (Store._analysis reads them from Store.columns)
    points = _points(analysis, cols, metric, ptype, pol,
                     _series_points(store, metric, choice.area, choice.breakdown, ptype, pol))
    allowed = metric.comparators and not choice.synthetic
    lines = _comparator_lines(store, metric, choice, ptype, start, end, pol) if allowed else ()
    notes = _annotations(store, metric, choice, end)
    heading = _heading(choice, plan, index, parts_only, pol, store)
    key = card_key(metric.id, choice.breakdown) + (f"--{index}" if index else "")
    source = words.make_plain(str(cols.source[-1]) if len(cols) else metric.source)
    w = _writer(metric, ptype, pol)
    if analysis.chart != "none":
        w.centre_word = words.centre_name(analysis.chart).lower()
    spec = None
    if analysis.chart != "none":  # the chart drawn, and whether its limits are trial ones: as `read` reads them
        spec = SpcChart(
            title=f"{sentences_subject(metric, choice, pol, parts_only)}" + (f" ({heading})" if heading else ""),
            unit=metric.unit, unit_label=getattr(metric, "unit_label", None),
            decimals=getattr(metric, "decimals", None), y_title=getattr(metric, "unit_label", None)
            and getattr(metric, "unit_label").capitalize() or Y_TITLE.get(metric.unit, ""), period_type=ptype,
            chart=analysis.chart, points=points, centre_name=words.centre_name(analysis.chart) if pol.limits else "",
            limits_name=words.limits if pol.limits and analysis.chart != "run" else "", point_names=words.point,
            target=metric.target, target_label=f"{words.target} {w.target()}" if metric.target is not None else "",
            comparators=lines, events=_events(notes, points, analysis),
            trial=analysis.spc.trial_limits and pol.limits, trial_label=words.trial)

    # How the chart reads, and what its card says beside it: worked out when first read (a chart's own address
    # draws the chart without them).
    @cache
    def reading() -> tuple[Reading, float | None, bool]:
        rd = read(analysis, metric, ptype, metric.target if metric.improvement != "neutral" else None)
        cohort = _cohort(cols)
        small = cohort is not None and cohort < facts.SMALL_COHORT
        if small:  # rule 4: a change on a small cohort is not described as one
            rd = replace(rd, variation="common_cause" if rd.variation else None, direction="unknown")
        return rd, cohort, small

    def card() -> ChartCard:
        rd, cohort, small = reading()
        state = scope.state(metric.page)
        # The address of this chart within this view: a parts-only view's charts are the charts of its "All" view.
        extra = dict(part="All" if parts_only else choice.breakdown, chart=index)
        return ChartCard(
            icons=_icons(rd if rd.chart != "none" else None, pol),
            flags=tuple(_flags(store, metric, choice, cols, rd, pol, cohort, small)), latest=_latest(points),
            source=source, synthetic=bool(cols.synthetic.any()),
            figure_href=urlstate.data_href("chart", metric.id, state, "html", **extra) if spec else "",
            table_href=urlstate.data_href("table", metric.id, state, "html", **extra),
            download_href=urlstate.data_href("download", metric.id, state, "csv", **extra), reading=rd)

    def said() -> tuple:
        rd, cohort, _ = reading()
        who, latest = sentences_subject(metric, choice, pol, parts_only), _latest(points)
        if not pol.spc_terms:
            return tuple(sentences.public_sentences(who, rd, metric, w, latest_text=latest.text if latest else "",
                                                    latest_period=latest.period if latest else "", cohort=cohort))
        groups = tuple(sentences.group_sentences(who, rd, cols.dates[cols.series_break], notes, w))
        evs = tuple(sentences.event_sentences(rd, notes, w, lambda d: _change_after(analysis, d)))
        return tuple(sentences.board_sentences(who, rd, metric, w, note=analysis.note,
                                               latest_text=latest.text if latest else "",
                                               latest_period=latest.period if latest else "—", groups=groups,
                                               events=evs, cohort=cohort))

    return Chart(key=key, heading=heading, spec=spec, make_card=card, make_sentences=said,
                 make_table=lambda: _table(metric, choice, points, lines, cols, pol, scope, index, source))


def sentences_subject(metric, choice: Choice, pol: Policy, parts_only: bool) -> str:
    title = pol.words.make_plain(metric.title)
    return title if choice.breakdown == "All" else f"{title} ({choice.breakdown})"


def _heading(choice: Choice, plan, index: int, parts_only: bool, pol: Policy, store) -> str:
    """What a chart is, when the card has more than one: the part, the place, the frequency, the kind of data."""
    bits = []
    if parts_only:
        bits.append(choice.breakdown)
    if choice.whole_area:
        bits.append(pol.words.whole_area.format(area=store.area.name))
    if len(plan) > 1 and not parts_only:
        bits.append(PERIOD_NAME.get(choice.period_type, choice.period_type) +
                    (" local extract" if choice.synthetic or choice.period_type == "month" else " published figures"))
    if choice.synthetic and len(plan) > 1:
        bits.append(pol.words.synthetic.lower())
    text = ", ".join(bits)
    return text[:1].upper() + text[1:]


PERIOD_NAME = {"month": "monthly", "quarter": "quarterly", "term": "termly", "academic_year": "yearly (school years)",
               "financial_year": "yearly (financial years)", "calendar_year": "yearly"}


def _public_number(x: float | None, metric, pol: Policy) -> float | None:
    """A number as the audience may see it: the public gets it at the published display precision only (more
    digits would let a reader fit the denominator behind a percentage)."""
    if x is None or pol.counts_behind:
        return x
    return round(x, fmt.decimals(metric.unit, getattr(metric, "decimals", None)))


def _points(analysis, cols, metric, ptype: str, pol: Policy, drawn: dict | None = None) -> tuple[Point, ...]:
    """Every period of the series drawn, hidden and missing ones too, with the SPC lines the audience may see.

    `drawn`: the whole series' periods as `_period_points` made them, by date (a window's are picked out of it)."""
    spc = analysis.spc
    dates = cols.dates.tolist()
    bases = [drawn[d] for d in dates] if drawn is not None else _period_points(cols, metric, ptype, pol)
    if spc is None:
        return tuple(Point(p.x, p.label, p.value, p.status, p.text, p.numerator, p.denominator) for p in bases)
    arrays = spc.arrays
    k = 100.0 if analysis.chart in ("p", "p_prime") else 1.0
    index = {d: i for i, d in enumerate(np.asarray(arrays["date"], dtype="datetime64[ns]").tolist())}
    none = [None] * len(index)

    def line(name) -> list:  # a line's value at each SPC row, None where it has none or the audience sees none
        if not pol.limits or name not in arrays:
            return none
        return [None if math.isnan(x) else x for x in (np.asarray(arrays[name], dtype=float) * k).tolist()]

    centre, lower, upper = line("centre"), line("lower"), line("upper")
    types, groups = arrays["point_type"].tolist(), arrays["group"].tolist()
    trials = arrays["trial"].tolist() if "trial" in arrays and len(arrays["trial"]) else [False] * len(index)
    out = []
    for d, p in zip(dates, bases):
        i = index.get(d)
        if i is None:
            out.append(Point(p.x, p.label, p.value, p.status, p.text, p.numerator, p.denominator))
        else:
            out.append(Point(p.x, p.label, p.value, p.status, p.text, p.numerator, p.denominator, centre[i],
                             lower[i], upper[i], types[i] if p.value is not None else "", groups[i], trials[i]))
    return tuple(out)


def _period_points(cols, metric, ptype: str, pol: Policy) -> list[Point]:
    """Each row as the audience reads it (period, value, words, counts), before any SPC."""
    label = getattr(metric, "unit_label", None)
    digits = getattr(metric, "decimals", None)
    style = pol.words.period_style
    out = []
    for n, d in enumerate(cols.dates.tolist()):
        status = cols.status[n]
        v = cols.value[n]
        v = float(v) if status == "ok" and math.isfinite(v) else None
        if status == "ok" and v is None:
            status = "not_available"  # a non-finite value never reaches a page
        reason = cols.suppression[n] if cols.suppression is not None else None
        if status == disclosure.SUPPRESSED and reason and not pol.internal:
            text = disclosure.describe(reason, metric.unit)
        else:
            text = fmt.value(v, metric.unit, status, digits=digits, label=label)
        t = pd.Timestamp(d)
        out.append(Point(
            x=str(t.date()), label=fmt.period(t, ptype, style), value=_public_number(v, metric, pol), status=status,
            text=text, numerator=_num(cols.numerator[n]) if pol.counts_behind else None,
            denominator=_num(cols.denominator[n]) if pol.counts_behind else None))
    return out


_periods = Memo(windowed=0, whole=8192)  # one per series drawn (measure, place, part, period type) and audience


def _series_points(store, metric, area: str, breakdown: str, ptype: str, pol: Policy) -> dict | None:
    """`_period_points` of a whole series by date, made once: a window's points are picked out of it, not formatted
    again. None if a date repeats (then each view formats its own rows)."""
    def build():
        whole = store.columns(metric.id, area, breakdown, None, None, ptype)
        made = dict(zip(whole.dates.tolist(), _period_points(whole, metric, ptype, pol)))
        return made if len(made) == len(whole) else None

    return _periods.get((id(store), store.version, metric.id, area, breakdown, ptype, pol.audience), True, build)


def _num(x) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


def _comparator_lines(store, metric, choice: Choice, ptype, start, end, pol: Policy) -> tuple[Line, ...]:
    out = []
    lo, hi = _ns(start), _ns(end)
    for name in store.area.comparators:
        # A comparator's points are the same in every window and place: drawn once per series, then the window's
        # picked out by date (in the series' order), as `Store.columns` bounds a window.
        drawn = _comparator_points(store, metric, name, choice.breakdown, ptype, pol)
        points = tuple(p for d, p in drawn.items() if (lo is None or d >= lo) and (hi is None or d <= hi))
        if points:
            out.append(Line(pol.words.neighbours if name == SN_AVERAGE else name, points))
    return tuple(out)


def _ns(when) -> int | None:
    """A window's bound as `Columns.dates.tolist()` holds dates (ns since 1970), at its day as `Store.columns` reads it."""
    return None if when is None else int(np.datetime64(pd.Timestamp(when).date(), "ns").astype(np.int64))


_comparators = Memo(windowed=0, whole=4096)  # measures × comparators × parts × period types × audiences


def _comparator_points(store, metric, name: str, breakdown: str, ptype: str, pol: Policy) -> dict:
    """Every valid period of a comparator's whole series as a Point, by its date (as `Columns.dates` holds it):
    formatted as the area's own periods are, without the counts behind them."""
    def build() -> dict:
        c = store.columns(metric.id, name, breakdown, None, None, ptype)
        return {d: Point(p.x, p.label, p.value, p.status, p.text)
                for d, p in zip(c.dates.tolist(), _period_points(c, metric, ptype, pol))
                if p.status == "ok" and p.value is not None}

    return _comparators.get((id(store), store.version, metric.id, name, breakdown, ptype, pol.audience), True, build)


def _annotations(store, metric, choice: Choice, end) -> list:
    """The log's events for the chart's series up to the end of the window's last month (all of them without one)."""
    notes = _notes.get((id(store), store.version, metric.id, choice.breakdown, choice.area), True,
                       lambda: _series_notes(store, metric, choice))
    if end is None:
        return [a for _, a in notes]
    last = f"{end.year:04d}-{end.month:02d}"
    return [a for month, a in notes if month <= last]


_notes = Memo(windowed=0, whole=4096)  # one per series (measure, part, place)


def _series_notes(store, metric, choice: Choice) -> tuple:
    """((month "YYYY-MM", annotation), ...) of the events on one series: found once, then bounded per window."""
    return tuple((_event_day(a.date)[0][:7], a)
                 for a in store.series_annotations(metric.id, choice.area, choice.breakdown))


@lru_cache(maxsize=4096)  # the log's dates: a few dozen, each asked for by every window of every chart it is on
def _event_day(when) -> tuple[str, str]:
    """An event's day as YYYY-MM-DD and its month in words."""
    return str(pd.Timestamp(when).date()), fmt.period(when, "month")


def _events(notes: list, points, analysis) -> tuple[Event, ...]:
    """The log's events (`notes`: `_annotations`) inside the chart's range, numbered by the log; a rebase says where
    the limits restart (the first point of the new group), the same period the sentences and the table give."""
    if not points:
        return ()
    first, last = points[0].x[:7], points[-1].x[:7]
    out = []
    for a in notes:
        ds, when = _event_day(a.date)
        if not first <= ds[:7] <= last:
            continue
        from_label, from_x = "", ""
        if a.rebase and analysis.spc is not None:
            for p0, p1 in zip(points, points[1:]):
                if p1.group != p0.group and p0.x < ds <= p1.x:
                    from_label, from_x = p1.label, p1.x
        out.append(Event(a.number, ds, when, a.title, a.description, a.rebase,
                         from_label, from_x))
    return tuple(out)


def _change_after(analysis, date):
    return change_after(analysis, date)


def _latest(points) -> Latest | None:
    """The last period reported, even when its figure is hidden (a hidden latest value is still the latest)."""
    if not points:
        return None
    p = points[-1]
    return Latest(p.x, p.label, p.value, p.status, p.text)


def _flags(store, metric, choice: Choice, cols, rd: Reading, pol: Policy, cohort, small) -> list[Flag]:
    words = pol.words
    out = []
    if cols.synthetic.any():
        out.append(Flag("synthetic", words.synthetic))
    if choice.whole_area:
        text = words.whole_area.format(area=store.area.name)
        out.append(Flag("whole_area", text[:1].upper() + text[1:]))
    if cols.quality is not None:  # the publisher's flags, with the periods they are on
        periods: dict[str, list[str]] = {}
        for d, cell in zip(cols.dates.tolist(), cols.quality.tolist()):
            for q in (cell.split(QUALITY_SEPARATOR) if cell else ()):
                periods.setdefault(q, []).append(fmt.period(pd.Timestamp(d), choice.period_type, words.period_style))
        for q, when in periods.items():
            text = QUALITY_FLAGS.get(q, q) if pol.internal else PUBLIC_QUALITY.get(q, "These figures may change.")
            out.append(Flag("quality", f"{_list(when)}: {text}"))
    if small and pol.internal:
        out.append(Flag("small_cohort", f"From a group of {cohort:.0f}: read with care"))
    if rd.trial and pol.limits:
        out.append(Flag("trial_limits", words.trial))
    if rd.stuck is not None and pol.internal:
        out.append(Flag("stuck", f"At or near {rd.stuck.bound:.0f}% for the last {rd.stuck.n} periods: consider "
                                 "recording a recalculation point"))
    return out


def _list(items: list[str]) -> str:
    """'June 2023', 'June and July 2023' style lists, shortened past four."""
    if len(items) > 4:
        return f"{items[0]} and {len(items) - 1} other periods"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _table(metric, choice: Choice, points, lines, cols, pol: Policy, scope: Scope, index: int, source: str):
    """The chart's rows: the accessible table and the CSV (columns by the audience's policy)."""
    words = pol.words
    unit_word = getattr(metric, "unit_label", None) or metric.unit
    columns = [("period", "Period"), ("period_start", "Period start"), ("value", "Value")]
    if pol.counts_behind:
        columns += [("numerator", "Numerator"), ("denominator", "Denominator")]
    columns += [("unit", "Unit"), ("status", "Status")]
    if pol.limits:
        centre = words.centre_name("run" if any(p.lower is None and p.centre is not None for p in points)
                                   and not any(p.lower is not None for p in points) else "xmr")
        columns += [("centre", centre), ("lower_limit", "Lower process limit"), ("upper_limit", "Upper process limit"),
                 ("point_type", "Point"), ("trial_limits", "Trial limits")]
    columns += [(f"comparator_{slug(line.name).replace('-', '_')}", line.name) for line in lines]
    columns += [("source", "Source"), ("synthetic" if pol.internal else "example_figures", words.synthetic)]
    has_quality = pol.internal and cols.quality is not None
    if has_quality:
        columns.append(("quality", "Data quality"))
    quality = dict(zip((p.x for p in points), cols.quality.tolist())) if has_quality else {}
    by_x = {p.x: p for p in points}
    comparator = [{p.x: p for p in line.points} for line in lines]
    xs = sorted(set(by_x) | {x for c in comparator for x in c})
    digits = fmt.decimals(metric.unit, getattr(metric, "decimals", None))
    synthetic = bool(cols.synthetic.any())
    rows = []
    for x in xs:
        p = by_x.get(x)
        label = p.label if p else next(c[x].label for c in comparator if x in c)
        row = [cell(label), cell(x)]
        if p is None:
            row.append(BLANK)
        else:
            row.append(cell(fmt.symbol(p.value, p.status, digits=digits if not pol.counts_behind else 3), p.text))
        if pol.counts_behind:
            row += [_count_cell(p.numerator if p else None), _count_cell(p.denominator if p else None)]
        row += [cell(metric.unit, unit_word),
                cell(STATUSES.get(p.status, "x") if p else "", p.status.replace("_", " ") if p else "")]
        if pol.limits:
            for v in ((p.centre, p.lower, p.upper) if p else (None, None, None)):
                row.append(BLANK if v is None else cell(round(v, 4), fmt.value(
                    v, metric.unit, digits=1 if metric.unit == "count" else getattr(metric, "decimals", None))))
            row.append(cell(p.point_type if p else "", words.point.get(p.point_type, "") if p else ""))
            row.append(cell(bool(p.trial) if p and p.point_type else "", "yes" if p and p.trial else ""))
        for c in comparator:
            q = c.get(x)
            row.append(BLANK if q is None else cell(fmt.symbol(q.value, digits=digits if not pol.counts_behind
                                                               else 3), q.text))
        row += [cell(source if p else ""), cell(synthetic if p else "", "yes" if p and synthetic else "")]
        if has_quality:
            q = quality.get(x)
            row.append(cell(q or ""))
        rows.append(row)
    where = choice.area + (f", {choice.breakdown}" if choice.breakdown != "All" else "")
    caption = f"{words.make_plain(metric.title)}, {where}: " + ("values and process limits by period"
                                                               if pol.limits else "figures by period")
    name = "_".join(filter(None, [metric.id, scope.locality, slug(choice.breakdown) if choice.breakdown != "All"
                                  else "", choice.period_type if index else "", scope.start or "", scope.end or ""]))
    return make_table(caption, columns, rows, name)


def _count_cell(x):
    return BLANK if x is None else cell(int(x) if float(x).is_integer() else x, f"{x:,.0f}")


def _change(cols, metric, ptype, pol: Policy, cohort) -> tuple[str, float | None]:
    """On the same period last year, in words: how much it moved, never whether that is better (two points are
    not a trend). Not for a small cohort (rule 4 in facts.py)."""
    if not len(cols) or (cohort is not None and cohort < facts.SMALL_COHORT):
        return "", None
    # From the values as shown (at the measure's precision), so the words match the two figures a reader sees.
    shown = np.round(np.where(cols.status == "ok", cols.value, np.nan),
                     fmt.decimals(metric.unit, getattr(metric, "decimals", None)))
    ago = facts.year_ago(cols.dates, shown)
    if ago is None:
        return "", None
    diff = ago.difference
    then = fmt.period(ago.date, ptype, pol.words.period_style)
    return sentences.change_words(diff, metric, then, pol.words), diff


def _comparisons(store, metric, first: Choice, cols, scope, pol: Policy) -> tuple[tuple, list]:
    """England and the neighbours' average beside the area's latest value: at the same period when published,
    otherwise their own latest, saying it is another period (like with like)."""
    if not metric.comparators or first.synthetic or not len(cols):
        return (), []
    _, end = scope.window()
    mine = pd.Timestamp(cols.dates[-1])  # the latest period reported, hidden or not
    out, flags = [], []
    for name in (ENGLAND, SN_AVERAGE):
        c = store.columns(metric.id, name, first.breakdown, None, end, first.period_type)
        good = np.flatnonzero(c.status == "ok")
        if not good.size:
            continue
        same = np.flatnonzero((c.dates == np.datetime64(mine)) & (c.status == "ok"))
        i = same[-1] if len(same) else good[-1]
        when = fmt.period(c.dates[i], first.period_type, pol.words.period_style)
        text = fmt.value(_public_number(float(c.value[i]), metric, pol), metric.unit,
                         digits=getattr(metric, "decimals", None), label=getattr(metric, "unit_label", None))
        shown = pol.words.neighbours if name == SN_AVERAGE else name
        out.append(Comparison(shown, text, when, bool(len(same)), "england" if name == ENGLAND else "neighbours"))
        if not len(same):
            flags.append(Flag("older_comparator", f"{_possessive(shown)} latest figure is for {when}; "
                                                  f"{_possessive(first.area)} is for "
                                                  f"{fmt.period(mine, first.period_type, pol.words.period_style)}"))
    return tuple(out), flags


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")  # "Statistical neighbours' latest", "England's latest"


_benchmarks = Memo(windowed=0, whole=4096)  # one per measure, latest period and audience: a window rarely adds one


def _benchmark(store, metric, first: Choice, cols, pol: Policy) -> Benchmark | None:
    """The area's rank among its statistical neighbours on the series drawn, and their table (kept per data
    version, measure, period and audience: it scans every area's rows)."""
    ok = np.flatnonzero(cols.status == "ok")
    if not ok.size:
        return None
    mine = pd.Timestamp(cols.dates[ok[-1]])
    key = (id(store), store.version, metric.id, mine, pol.audience)
    return _benchmarks.get(key, True, lambda: _benchmark_uncached(store, metric, first, mine, pol))


def _benchmark_uncached(store, metric, first: Choice, mine, pol: Policy) -> Benchmark | None:
    """Rank and table from each area's published series at the headline's period type (cached numpy columns)."""
    ptype = first.period_type
    names = [store.area.name, *(n.name for n in store.area.neighbours)]
    latest, at = {}, {}
    for name in names:
        c = store.columns(metric.id, name, "All", None, None, ptype)
        good = np.flatnonzero((c.status == "ok") & ~np.isnan(c.value) & ~c.synthetic)
        latest[name] = (c, good)
        at[name] = {d: float(c.value[i]) for i, d in zip(good.tolist(), c.dates[good].tolist())}
    # The rank at the headline's latest period; else the latest period the area shares with a neighbour.
    mine64 = np.datetime64(mine).astype("datetime64[ns]").astype(object)
    shared = sorted((d for d in at[store.area.name] if sum(d in at[n] for n in names) > 1), reverse=True)
    when = mine64 if mine64 in shared else (shared[0] if shared else None)
    text = ""
    if when is not None:
        values = {n: at[n][when] for n in names if when in at[n]}
        own = values[store.area.name]
        better = sum((v < own) if metric.improvement == "decrease" else (v > own) for v in values.values())
        best = {"increase": "highest", "decrease": "lowest"}.get(metric.improvement)
        who = "statistical neighbours" if pol.spc_terms else "similar areas"
        text = (f"Ranked {_ordinal(better + 1)} of {len(values)} with its {who} in "
                f"{fmt.period(when, ptype, pol.words.period_style)} (1st = {best or 'highest'}).")
    rows, any_value = [], False
    for name in names:
        c, good = latest[name]
        if not good.size:
            rows.append([cell(name), BLANK, cell(""), cell("no published data" if pol.internal else "")])
            continue
        any_value = True
        i = good[-1]
        v = _public_number(float(c.value[i]), metric, pol)
        travel = ""
        if good.size > 1:
            j = good[-2]
            if c.series_break[j + 1:i + 1].any():
                travel = "series break: the definition changed between these periods" if pol.internal else ""
            else:
                travel = benchmarking.travel(float(c.value[j]), float(c.value[i]), metric.improvement) or ""
        rows.append([cell(name), cell(v, fmt.value(v, metric.unit, digits=getattr(metric, "decimals", None),
                                                   label=getattr(metric, "unit_label", None))),
                     cell(fmt.period(c.dates[i], ptype, pol.words.period_style)), cell(travel)])
    if not any_value:
        return Benchmark(text, None) if text else None
    who = "statistical neighbours" if pol.spc_terms else "similar areas"
    t = make_table(f"{pol.words.make_plain(metric.title)}: the area and its {who}, latest published",
                   [("area", "Area"), ("latest", "Latest"), ("period", "Period"),
                    ("since_previous", "Since the period before")], rows, f"{metric.id}_neighbours")
    return Benchmark(text, t)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _provenance(head: Chart, first: Choice, pol: Policy) -> str:
    when = head.latest.period if head.latest else ""
    if pol.internal:
        return f"Source: {head.source}." + (f" Figures up to {when}." if when else "")
    return f"Where the figures come from: {head.source}." + (
        f" Last updated with figures up to {when}." if when else " No figures yet.")


def _signals(metric, choice: Choice, chart: Chart, rd: Reading, title: str, state, pol: Policy) -> list[Signal]:
    """Exceptions in this chart: special cause concern or improvement at the latest point, failing assurance."""
    if rd.chart == "none" or choice.whole_area:  # the whole area's figures are not this place's exception
        return []
    part = choice.breakdown if choice.breakdown != "All" else ""
    if not part and chart.heading:
        part = chart.heading
    name = title + (f" ({part})" if part and part not in title else "")
    href = urlstate.href(metric.page, state, metric=metric.id)
    latest = f"{chart.latest.text} ({chart.latest.period})" if chart.latest else ""
    out = []
    fam = variation_family(rd.variation)
    lead = [s for s in chart.sentences if s.kind.startswith("special_cause")]
    if fam in ("concern", "improvement"):
        out.append(Signal(metric.id, name, part, fam, lead[0].text if lead else "", metric.page, href, latest))
    if rd.assurance == "fail":
        fail = [s for s in chart.sentences if s.kind == "assurance_fail"]
        out.append(Signal(metric.id, name, part, "fail", fail[0].text if fail else "", metric.page, href, latest))
    return out
