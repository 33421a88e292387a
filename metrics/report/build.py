"""Build the quarterly report's document model from the loaded data.

The report for quarter Q covers every period that starts on or before Q's last day. The overview rows
(`metrics.summary`) give the summary table; each metric's analysis gives its chart and narrative; the intervention
log lists the events up to the quarter's end that apply to the area, with the measures that changed after them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from metrics import format as fmt
from metrics import summary
from metrics.analysis import latest, scale
from metrics.annotations import annotations_for
from metrics.narrative import (Sentence, change_after, headline, line_value, narrate, period_type, plan_refs_text,
                                subject, target_text)
from metrics.report.model import (BreakdownRow, ChangeAfter, ChartKey, ExceptionItem, Freshness, LogEntry,
                                  MetricBlock, Report, Section, SummaryRow)
from metrics.report.quarter import Quarter, quarters_between
from metrics.report.svg import ChartEvent, spc_svg

TITLE = "Quarterly performance report"
CHART_WORDS = {"xmr": "XmR chart (the values and their expected range)",
               "p": "p chart (the percentage and its expected range, which widens when fewer cases are counted)",
               "run": "Run chart (the values against their median)"}
BREAKDOWN_WORDS = {"service": "By service", "agency": "By agency", "review_outcome": "By review outcome",
                   "first_language": "By first language", "sen_status": "By SEN status",
                   "phase_transfer": "By phase transfer deadline", "cohort": "By cohort"}
EXCEPTION_KINDS = ("special_cause_concern", "assurance_fail", "target_missed")


def place(store, locality: str) -> str:
    """'Blackpool (whole area)' or 'Central locality'."""
    name = store.area.locality_slugs[locality]
    return f"{name} (whole area)" if locality == "area" else f"{name} locality"


def report_quarters(store) -> list[Quarter]:
    """The quarters the loaded data covers: from the first to the last month of the area's monthly series."""
    v = store.values
    monthly = v.loc[(v["period_type"] == "month") & v["area"].isin(store.areas), "period_start"]
    if monthly.empty:
        return []
    return quarters_between(monthly.min(), monthly.max())


def default_quarter(store) -> Quarter | None:
    """The latest quarter whose last month has data (a board reports on complete quarters)."""
    quarters = report_quarters(store)
    if not quarters:
        return None
    v = store.values
    last = v.loc[(v["period_type"] == "month") & v["area"].isin(store.areas), "period_start"].max()
    q = quarters[-1]
    return q if pd.Timestamp(last).month == q.end.month or len(quarters) == 1 else quarters[-2]


def build_report(store, quarter: Quarter | str, locality: str = "area") -> Report:
    q = quarter if isinstance(quarter, Quarter) else Quarter.parse(quarter)
    slugs = store.area.locality_slugs
    if locality not in slugs:
        raise ValueError(f"locality: expected one of {', '.join(slugs)}, got {locality!r}")
    area = slugs[locality]
    end = q.end
    ann_locality = area if area in store.area.localities else None
    catalogue = store.catalogue

    # Interventions up to the quarter's end that apply to this place (an event for one locality belongs to that
    # locality's series and report, not the whole area's), numbered in date order as drawn on the charts.
    events = sorted((a for a in store.annotations if pd.Timestamp(a.date) <= end
                     and (not a.localities or ann_locality in a.localities)),
                    key=lambda a: (pd.Timestamp(a.date), a.title))
    keys = {id(a): str(i) for i, a in enumerate(events, start=1)}

    rows = {r.metric_id: r for r in summary.overview(store, area, None, end)}
    changes: dict[int, list[ChangeAfter]] = {id(a): [] for a in events}
    sections, blocks_by_id = [], {}
    for page in catalogue.pages:
        blocks = []
        for metric in catalogue.by_page(page.id):
            block = _block(store, metric, area, ann_locality, end, keys, changes)
            blocks.append(block)
            blocks_by_id[metric.id] = block
        sections.append(Section(page.id, page.title, page.intro, tuple(blocks)))

    page_titles = {p.id: p.title for p in catalogue.pages}
    exceptions = []
    for metric in catalogue.metrics:
        b = blocks_by_id[metric.id]
        reasons = tuple(s for s in b.sentences if s.kind in EXCEPTION_KINDS)
        concerned = [r.name for r in b.breakdown_rows if r.variation and r.variation.startswith("concern")]
        if concerned:
            reasons += (Sentence("breakdown_concern", f"Special cause concern for {', '.join(concerned)}."),)
        if reasons:
            exceptions.append(ExceptionItem(metric.id, metric.title, b.anchor, page_titles[metric.page], reasons))

    summary_rows = tuple(_summary_row(rows[m.id], m, blocks_by_id[m.id].anchor) for m in catalogue.metrics)
    log = tuple(_log_entry(a, keys[id(a)], changes[id(a)], catalogue) for a in events)
    return Report(
        quarter=q, locality=locality, place=place(store, locality), title=TITLE, data_version=store.version,
        freshness=_freshness(store, area, end), exceptions=tuple(exceptions), summary=summary_rows,
        synthetic_metrics=tuple(r.title for r in summary_rows if r.synthetic),
        sections=tuple(sections), log=log)


def _anchor(metric_id: str) -> str:
    return f"metric-{metric_id}"


def _block(store, metric, area, ann_locality, end, keys, changes) -> MetricBlock:
    """One metric's chart, narrative and breakdown table; records what changed after each event in `changes`."""
    analysis = store.analysis(metric.id, area, "All", None, end)
    mine = _events_for(store, metric, None, ann_locality, end, keys)
    sentences = narrate(analysis, metric, mine)
    _record_changes(analysis, metric, mine, changes)
    svg, chart_keys = "", ()
    if not analysis.empty:
        arrays = analysis.spc.arrays
        dates = arrays["date"][~np.isnan(arrays["value"])]
        first, last = pd.Timestamp(dates[0]), pd.Timestamp(dates[-1])
        shown = [a for a in mine if first <= pd.Timestamp(a.date) <= last]
        chart_keys = tuple(ChartKey(keys[id(a)], fmt.period(a.date, "month"), a.title, a.rebase) for a in shown)
        svg = spc_svg(arrays, scale=scale(analysis), unit=metric.unit, period_type=period_type(analysis, metric),
                      label=f"{CHART_WORDS[analysis.chart].split(' (')[0]} of {metric.title}",
                      description=sentences[0].text if sentences else "",
                      target=metric.target, centre_name="Median" if analysis.chart == "run" else "Average",
                      events=tuple(ChartEvent(pd.Timestamp(a.date), keys[id(a)], a.rebase) for a in shown),
                      id_prefix=_anchor(metric.id))
    breakdown_rows = []
    for name in store.breakdowns(metric.id, area):
        if name == "All":
            continue
        service = metric.breakdown == "service"
        sub = store.analysis(metric.id, area, name, None, end)
        sub_events = _events_for(store, metric, name if service else None, ann_locality, end, keys)
        # Events for every service are read on the total above; a service's row records only its own events.
        _record_changes(sub, metric, [a for a in sub_events if a.services], changes)
        now = latest(sub)
        breakdown_rows.append(BreakdownRow(
            name, f"{fmt.value(now['value'], metric.unit, now['status'])} "
                  f"({fmt.period(now['period_start'], period_type(sub, metric))})",
            sub.spc.variation if sub.spc is not None else None, sub.spc.assurance if sub.spc is not None else None,
            headline(sub, metric)))
    synthetic = bool(analysis.series["synthetic"].any()) if len(analysis.series) else False
    return MetricBlock(
        metric_id=metric.id, title=metric.title, anchor=_anchor(metric.id), description=metric.description,
        good_direction=metric.good_direction_text, chart_svg=svg, chart_kind=CHART_WORDS.get(analysis.chart, ""),
        chart_keys=chart_keys, sentences=tuple(sentences),
        breakdown_label=BREAKDOWN_WORDS.get(metric.breakdown, "") if breakdown_rows else "",
        breakdown_rows=tuple(breakdown_rows), source=metric.source, synthetic=synthetic,
        plan_refs=plan_refs_text(metric.plan_refs).capitalize() if metric.plan_refs else "None",
        owner=metric.owner or "No owner named",
        target=target_text(metric) + (f" ({metric.target_source})" if metric.target_source else "")
        if metric.target is not None else "None set",
        variation=analysis.spc.variation if analysis.spc is not None else None,
        assurance=analysis.spc.assurance if analysis.spc is not None else None)


def _events_for(store, metric, breakdown, ann_locality, end, keys) -> list:
    """The logged events that apply to this chart: the same ones the store rebases its limits at."""
    service = store.catalogue.service_by_name(breakdown).slug if breakdown else None
    return [a for a in annotations_for(store.annotations, metric.id, service, ann_locality)
            if pd.Timestamp(a.date) <= end and id(a) in keys]


def _record_changes(analysis, metric, events, changes) -> None:
    if analysis.empty or not events:
        return
    who = subject(metric, analysis.breakdown)
    a = analysis.spc.arrays
    keep = ~np.isnan(a["value"])
    dates, groups, centre = a["date"][keep], a["group"][keep], a["centre"][keep]
    ptype, k = period_type(analysis, metric), scale(analysis)
    for e in events:
        d = pd.Timestamp(e.date).to_datetime64()
        if e.rebase:
            i = int(np.searchsorted(dates, d))  # the first point on or after the event
            if i == 0 or i == len(dates) or groups[i] == groups[i - 1]:
                continue
            text = (f"limits recalculated from {fmt.period(dates[i], ptype)}; the "
                    f"{'median' if analysis.chart == 'run' else 'average'} moved from "
                    f"{line_value(centre[i - 1] * k, metric.unit)} to {line_value(centre[i] * k, metric.unit)}")
        else:
            change = change_after(analysis, e.date)
            if change is None:
                continue
            text = f"{change.words} from {fmt.period(change.first_date, ptype)}"
        changes[id(e)].append(ChangeAfter(who, _anchor(metric.id), text, metric.id, analysis.breakdown))


def _summary_row(row, metric, anchor: str) -> SummaryRow:
    latest_text = row.latest_text if row.latest_period == "—" else f"{row.latest_text} ({row.latest_period})"
    if row.unavailable:
        latest_text = row.unavailable
    if not metric.comparators:
        comparator = "None published"
    elif row.comparators:
        comparator = "; ".join(f"{c.name} {c.text} ({c.period})" for c in row.comparators)
    else:
        comparator = "Not available for this period"
    return SummaryRow(
        metric_id=metric.id, title=metric.title, anchor=anchor, latest=latest_text,
        target=target_text(metric) if metric.target is not None else "None set",
        variation=row.variation, assurance=row.assurance,
        change=row.change_text or "No value a year earlier", comparator=comparator,
        owner=metric.owner or "No owner named", synthetic=row.synthetic)


def _log_entry(a, key: str, found: list[ChangeAfter], catalogue) -> LogEntry:
    services = ", ".join(catalogue.service_by_slug(s).name for s in a.services) if a.services else "all services"
    localities = ", ".join(a.localities) if a.localities else "every locality"
    applies = f"{services}; {localities}"
    if a.metric_ids:
        applies += "; measures: " + ", ".join(catalogue.get(m).title for m in a.metric_ids)
    return LogEntry(key, fmt.period(a.date, "month"), a.title, a.description, applies, bool(a.rebase), tuple(found))


def _freshness(store, area: str, end) -> tuple[Freshness, ...]:
    """Each source's latest period with data for this area, up to the quarter's end."""
    v = store.values
    v = v[(v["area"] == area) & (v["period_start"] <= end) & (v["status"] == "ok")]
    out = []
    for source, g in v.groupby("source", sort=True):
        last = g.loc[g["period_start"].idxmax()]
        out.append(Freshness(str(source), fmt.period(last["period_start"], str(last["period_type"])),
                             int(g["metric_id"].nunique()), bool(g["synthetic"].any())))
    return tuple(out)
