"""Views of what is not one measure's SPC chart: waits beside demand, the record-level drill-downs (children
waiting by weeks waited or by group, missed appointments by group, the EHC assessment funnel) and the mix of
annual review outcomes.

Each returns a `MeasureView` (kind "drill") with one chart, its sentences and its table, so the one card renderer
and the one download path serve them like any measure. Record-level views read `store.records`, which the public
store does not have: the registry (metrics/view/registry.py) serves them to the board only.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from metrics import format as fmt
from metrics import urlstate
from metrics.annotations import annotations_for
from metrics.derive import WEEKS_BANDS, ehcp_funnel, therapy_current_waiters, therapy_dna_by
from metrics.derive.reviews import OUTCOME_LABELS
from metrics.derive.therapy import OVER_18_WEEKS_DAYS
from metrics.edition import Policy, policy as policy_for
from metrics.view.measure import Scope, slug
from metrics.view.model import (Bar, BarChart, Chart, ChartCard, Event, Flag, MeasureView, Panel, PanelsChart,
                                Point, Sentence, StackedChart)
from metrics.view.tables import BLANK, cell, make_table

CHARACTERISTICS = {"sen_status": "SEN status", "age_band": "age band", "first_language": "first language"}
CATEGORY_LABELS = {"none": "No SEN recorded"}
OVER_18 = {label for label, upto in WEEKS_BANDS if upto is None or upto > OVER_18_WEEKS_DAYS}
DEMAND = ("therapy_waiting_list", "therapy_referrals", "therapy_median_wait")
DNA = "therapy_dna_rate"
REFERRALS_SOURCE = "Counted from the record-level therapy referrals extract."
FUNNEL_SOURCE = "Counted from the record-level EHC needs assessment casework extract."
OUTCOMES = "ehcp_review_outcomes"


def _service_name(store, service: str) -> str | None:
    return None if service == urlstate.SERVICE_ALL else store.catalogue.service_by_slug(service).name


def _where(store, area: str) -> str:
    return f"{area} locality" if area in store.area.localities else f"{area} (whole area)"


def _scope_words(store, service: str, area: str) -> str:
    """'speech and language therapy, Central locality', 'all services, Blackpool (whole area)'."""
    place = _where(store, area)
    name = _service_name(store, service)
    return f"all services, {place}" if name is None else f"{name[0].lower()}{name[1:]}, {place}"


def _view(key: str, title: str, good: str, description: str, spec, sentences, table, *, pol: Policy, scope: Scope,
          place: str, page: str, synthetic: bool, source: str, empty: str = "", params: dict | None = None) -> MeasureView:
    state = scope.state(page)
    params = params or {}
    flags = (Flag("synthetic", pol.words.synthetic),) if synthetic else ()
    card = ChartCard(flags=flags, source=source, synthetic=synthetic,
                     figure_href="" if empty else urlstate.data_href("figure", key, state, "json", **params),
                     table_href=urlstate.data_href("table", key, state, "html", **params),
                     download_href=urlstate.data_href("download", key, state, "csv", **params))
    chart = Chart(key=key, heading="", spec=None if empty else spec, make_card=lambda: card,
                  make_sentences=lambda: tuple(sentences), make_table=lambda: table)
    return MeasureView(
        metric_id=key, key=key, title=title, page=page, place=place, breakdown="All",
        audience=pol.audience, description=description, good_direction=good, target=None, icons=(), latest=None,
        sentences=tuple(sentences), charts=(chart,), change="", comparisons=(), benchmark=None, flags=flags,
        provenance=_provenance(source, sentences_latest(spec), pol), source=source, synthetic=synthetic, plan_refs="", refs=(),
        owner="", empty=empty, download_href=chart.download_href, kind="drill")


def sentences_latest(spec) -> str:
    """The latest month a drill-down's chart draws, in words ("" when it has no dated points)."""
    points = [p for panel in getattr(spec, "panels", ()) + getattr(spec, "parts", ()) for p in panel.points]
    return max(points, key=lambda p: p.x).label if points else ""


def _provenance(source: str, latest: str, pol: Policy) -> str:
    """Where the figures come from and how recent they are, in the audience's words (as measure views say it)."""
    if not source:
        return ""
    if pol.internal:
        return f"Source: {source}" + (f" Figures up to {latest}." if latest else "")
    return f"Where the figures come from: {source}" + (f" Last updated with figures up to {latest}." if latest else "")


# -- waits beside demand ---------------------------------------------------------------------------------------

def therapy_demand(store, scope: Scope, service: str = urlstate.SERVICE_ALL, audience: str | None = None):
    pol = policy_for(audience)
    area = store.area.locality_slugs[scope.locality]
    start, end = scope.window()
    breakdown = _service_name(store, service) or "All"
    metrics = [store.catalogue.get(i) for i in DEMAND if i in store.catalogue.ids]
    panels = []
    for m in metrics:
        s = store.series(m.id, area, breakdown, start, end)
        panels.append(Panel(pol.words.make_plain(m.title), m.unit, tuple(
            Point(str(pd.Timestamp(d).date()), fmt.period(d, "month", pol.words.period_style),
                  float(v) if st == "ok" and not pd.isna(v) else None, str(st),
                  fmt.value(v, m.unit, str(st)))
            for d, v, st in zip(s["period_start"], s["value"], s["status"]))))
    key = "therapy-demand"
    title = "Waiting list, referrals and waits together"
    good = "; ".join(f"{pol.words.make_plain(m.title)}: {m.good_direction_text}" for m in metrics)
    description = ("Each panel has its own scale, on one time axis: read the waiting list and the wait against the "
                   "number of referrals coming in. Numbered lines are the interventions in the log.")
    months = sorted({p.x for panel in panels for p in panel.points})
    locality = area if area in store.area.localities else None
    found = {}
    for m in metrics:
        for a in annotations_for(store.annotations, m.id, None if service == urlstate.SERVICE_ALL else service,
                                 locality):
            found[a.number] = a
    events = tuple(Event(a.number, str(a.date), fmt.period(a.date, "month"), a.title, a.description, a.rebase)
                   for a in sorted(found.values(), key=lambda a: a.number)
                   if months and months[0][:7] <= str(a.date)[:7] <= months[-1][:7])
    params = {"service": service if service != urlstate.SERVICE_ALL else None}
    empty = "" if months else next((store.unavailable[m.id] for m in metrics if m.id in store.unavailable),
                                   "No data for this selection.")
    parts = []
    for panel in panels:
        ok = [p for p in panel.points if p.value is not None]
        if ok:
            parts.append(f"{panel.title}: {ok[-1].text} in {ok[-1].label}")
    said = [Sentence("latest", "Latest values. " + "; ".join(parts) + ".")] if parts else []
    by_month = [{p.x: p for p in panel.points} for panel in panels]
    rows = []
    for x in months:
        row = [cell(fmt.period(x, "month", pol.words.period_style)), cell(x)]
        for panel, lookup in zip(panels, by_month):
            p = lookup.get(x)
            row.append(BLANK if p is None else cell(fmt.symbol(p.value, p.status, digits=0 if panel.unit == "count"
                                                               else 1), p.text))
        rows.append(row)
    table = make_table(f"Waiting list, referrals and median wait by month: {_scope_words(store, service, area)}",
                       [("period", "Period"), ("period_start", "Period start"),
                        *((slug(p.title).replace("-", "_"), p.title) for p in panels)], rows,
                       f"therapy_demand_{scope.locality}_{service}")
    synthetic = any(bool(store.series(m.id, area, breakdown)["synthetic"].astype(bool).any()) for m in metrics)
    source = next((str(store.series(m.id, area, breakdown)["source"].iloc[-1]) for m in metrics
                   if len(store.series(m.id, area, breakdown))), "")
    return _view(key, title, good, description, PanelsChart(title, tuple(panels), events), said, table, pol=pol,
                 scope=scope, place=area, page="therapy", synthetic=synthetic, source=pol.words.make_plain(source), empty=empty,
                 params=params)


# -- record-level drill-downs (board) ---------------------------------------------------------------------------

def as_of(store, area: str, breakdown: str, end) -> date | None:
    """The month end the waiting drill-downs describe: the last month of the waiting-list series in the window, so
    the children counted by weeks waited are the children in the chart's last point."""
    series = store.series("therapy_waiting_list", area, breakdown, end=end)
    if series.empty:
        return None
    return (pd.Timestamp(series["period_start"].iloc[-1]) + pd.offsets.MonthEnd(0)).date()


def _synthetic_input(store, name: str) -> bool:
    return bool(store.inputs.get(name, {}).get("synthetic", False))


def therapy_waiting(store, scope: Scope, service: str = urlstate.SERVICE_ALL, by: str = "weeks_band",
                    audience: str | None = None) -> MeasureView:
    pol = policy_for(audience)
    area = store.area.locality_slugs[scope.locality]
    name = _service_name(store, service)
    key = f"therapy-waiting-{by.replace('_', '-')}"
    what = "by how long they have waited" if by == "weeks_band" else f"by {CHARACTERISTICS[by]}"
    title = f"Children waiting now, {what}"
    if by == "weeks_band":
        good = "Fewer children in the longer bands is better"
        description = ("Children still waiting for a first appointment at the month end, grouped by how long they "
                       "have waited so far. The hatched bars are the children counted in '% waiting more than 18 "
                       "weeks'.")
    else:
        good = "Shorter is better; bars of similar length mean groups wait alike"
        description = (f"The median wait so far of the children still waiting at the month end, by "
                       f"{CHARACTERISTICS[by]}, with how many are waiting in each group.")
    params = {"service": service if service != urlstate.SERVICE_ALL else None}
    referrals = store.records.get("therapy_referrals")
    when = as_of(store, area, name or "All", scope.window()[1])
    headers = ["Weeks waited" if by == "weeks_band" else CHARACTERISTICS[by].capitalize(), "Children waiting",
               "% of those waiting", "Median wait so far (weeks)"]
    cols = [("category", headers[0]), ("waiting", headers[1]), ("pct", headers[2]), ("median_weeks", headers[3])]
    if referrals is None or when is None:
        why = store.unavailable.get("therapy_waiting_list", "No one is on the waiting list in this selection.")
        return _view(key, title, good, description, None, [], make_table(title, cols, [], key), pol=pol,
                     scope=scope, place=area, page="therapy", synthetic=False, source=REFERRALS_SOURCE, empty=why, params=params)
    frame = therapy_current_waiters(referrals, as_of=when, service=name,
                                    locality=area if area in store.area.localities else None, by=by)
    scope_words = _scope_words(store, service, area)
    when_text = f"{when.day} {when:%B %Y}"
    cats = [CATEGORY_LABELS.get(c, c) for c in frame["category"]]
    n = [int(x) for x in frame["waiting"]]
    pct = [None if pd.isna(x) else float(x) for x in frame["pct"]]
    median = [None if pd.isna(x) else float(x) for x in frame["median_weeks"]]
    hover = [f"<b>{c}</b><br>{k:,} children waiting" + (f" ({p:.1f}% of those waiting)" if p is not None else "")
             + (f"<br>Median wait so far {m:.1f} weeks" if m is not None else "")
             for c, k, p, m in zip(cats, n, pct, median)]
    total = sum(n)
    if by == "weeks_band":
        bars = tuple(Bar(c, k, f"{k:,} ({p:.0f}%)" if p is not None else f"{k:,}", h, c in OVER_18)
                     for c, k, p, h in zip(cats, n, pct, hover))
        spec = BarChart(title, bars, "Children waiting", "Over 18 weeks", "Up to 18 weeks")
        over = sum(k for c, k in zip(cats, n) if c in OVER_18)
        summary = (f"On {when_text}, {total:,} children were waiting ({scope_words}); {over:,} of them "
                   f"({100 * over / total:.0f}%) had waited more than 18 weeks." if total else "")
    else:
        bars = tuple(Bar(c, m or 0, f"{m:.1f} weeks ({k:,})" if m is not None else "nobody waiting", h)
                     for c, k, m, h in zip(cats, n, median, hover))
        spec = BarChart(title, bars, "Median wait so far (weeks)")
        longest = max(((m, c) for m, c in zip(median, cats) if m is not None), default=None)
        summary = (f"On {when_text}, of {total:,} children waiting ({scope_words}), the longest median wait so far "
                   f"was {longest[0]:.1f} weeks ({longest[1]})." if longest else "")
    rows = [[cell(c), cell(k, f"{k:,}"), cell("" if p is None else round(p, 1), "" if p is None else f"{p:.1f}%"),
             cell("" if m is None else round(m, 1), "" if m is None else f"{m:.1f}")]
            for c, k, p, m in zip(cats, n, pct, median)]
    table = make_table(f"{title}, {when_text}: {scope_words}", cols, rows,
                       f"{key}_{scope.locality}_{service}_{when:%Y-%m}")
    return _view(key, title, good, description, spec, [Sentence("latest", summary)] if summary else [], table,
                 pol=pol, scope=scope, place=area, page="therapy", synthetic=_synthetic_input(store, "therapy_referrals"),
                 source=REFERRALS_SOURCE, empty="" if total else f"No one was waiting on {when_text} ({scope_words}).",
                 params=params)


def therapy_missed(store, scope: Scope, service: str = urlstate.SERVICE_ALL, by: str = "first_language",
                   audience: str | None = None) -> MeasureView:
    pol = policy_for(audience)
    area = store.area.locality_slugs[scope.locality]
    name = _service_name(store, service)
    key = f"therapy-missed-{by.replace('_', '-')}"
    title = f"Missed appointments, by {CHARACTERISTICS[by]}"
    good = "Lower is better"
    description = ("Missed appointments (did not attend) per 100 children first seen in the period, by "
                   f"{CHARACTERISTICS[by]}: the same measure as the chart of missed appointments over time.")
    params = {"service": service if service != urlstate.SERVICE_ALL else None}
    cols = [("category", CHARACTERISTICS[by].capitalize()), ("seen", "Children first seen"),
            ("missed", "Missed appointments"), ("dna_rate", "Missed per 100 seen")]
    referrals = store.records.get("therapy_referrals")
    series = store.series(DNA, area, "All", *scope.window()) if DNA in store.catalogue.ids else pd.DataFrame()
    if referrals is None or series.empty:
        why = store.unavailable.get(DNA, "No one was first seen in this selection.")
        return _view(key, title, good, description, None, [], make_table(title, cols, [], key), pol=pol,
                     scope=scope, place=area, page="therapy", synthetic=False, source=REFERRALS_SOURCE, empty=why, params=params)
    first = pd.Timestamp(series["period_start"].iloc[0]).date()
    last = (pd.Timestamp(series["period_start"].iloc[-1]) + pd.offsets.MonthEnd(0)).date()
    frame = therapy_dna_by(referrals, start=first, end=last, service=name,
                           locality=area if area in store.area.localities else None, by=by)
    scope_words = _scope_words(store, service, area)
    period = f"{first:%B %Y} to {last:%B %Y}"
    cats = [CATEGORY_LABELS.get(c, c) for c in frame["category"]]
    seen = [int(x) for x in frame["seen"]]
    missed = [int(x) for x in frame["missed"]]
    rate = [None if pd.isna(x) else float(x) for x in frame["dna_rate"]]
    bars = tuple(Bar(c, r or 0, f"{r:.1f}" if r is not None else "nobody seen",
                     f"<b>{c}</b><br>{m:,} missed appointments, {s:,} children first seen"
                     + (f"<br>{r:.1f} per 100 seen" if r is not None else ""))
                 for c, s, m, r in zip(cats, seen, missed, rate))
    highest = max(((r, c) for r, c in zip(rate, cats) if r is not None), default=None)
    summary = (f"{period}, {scope_words}: the highest rate was {highest[0]:.1f} missed appointments per 100 "
               f"children seen ({highest[1]})." if highest else "")
    rows = [[cell(c), cell(s, f"{s:,}"), cell(m, f"{m:,}"),
             cell("" if r is None else round(r, 1), "" if r is None else f"{r:.1f}")]
            for c, s, m, r in zip(cats, seen, missed, rate)]
    table = make_table(f"{title}, {period}: {scope_words}", cols, rows,
                       f"{key}_{scope.locality}_{service}_{first:%Y-%m}_{last:%Y-%m}")
    return _view(key, title, good, description, BarChart(title, bars, "Missed appointments per 100 children seen"),
                 [Sentence("latest", summary)] if summary else [], table, pol=pol, scope=scope, place=area, page="therapy",
                 synthetic=_synthetic_input(store, "therapy_referrals"), source=REFERRALS_SOURCE,
                 empty="" if sum(seen) else f"No one was first seen from {period} ({scope_words}).", params=params)


def ehcp_assessment_funnel(store, scope: Scope, audience: str | None = None) -> MeasureView:
    pol = policy_for(audience)
    area = store.area.locality_slugs[scope.locality]
    key = "ehcp-funnel"
    title = "How far requests have got, stage by stage"
    good = "More requests reaching each stage, in fewer days, is better"
    description = ("Requests for an EHC needs assessment received in the period, and how many have reached each "
                   "stage so far, with the median number of days each stage took. Requests received recently may "
                   "still be on their way.")
    cols = [("stage", "Stage"), ("reached", "Requests reaching it"), ("pct_of_requests", "% of requests"),
            ("median_days", "Median days from previous stage"), ("median_days_from_request", "Median days from request")]
    requests = store.records.get("ehc_requests")
    series = store.series("ehcp_requests", area, "All", *scope.window()) if "ehcp_requests" in store.catalogue.ids \
        else pd.DataFrame()
    if requests is None or series.empty:
        why = store.unavailable.get("ehcp_requests", "No requests in this selection.")
        return _view(key, title, good, description, None, [], make_table(title, cols, [], key), pol=pol, scope=scope, place=area,
                     page="ehcp", synthetic=False, source=FUNNEL_SOURCE, empty=why)
    first = pd.Timestamp(series["period_start"].iloc[0]).date()
    last = (pd.Timestamp(series["period_start"].iloc[-1]) + pd.offsets.MonthEnd(0)).date()
    frame = ehcp_funnel(requests, locality=area if area in store.area.localities else None, start=first, end=last)
    period = f"{first:%B %Y} to {last:%B %Y}"
    where = _where(store, area)

    def num(x, f="{:,.0f}"):
        return "" if x is None or pd.isna(x) else f.format(x)

    bars, rows = [], []
    for r in frame.itertuples(index=False):
        share = "" if r.pct_of_requests is None or pd.isna(r.pct_of_requests) else f" ({r.pct_of_requests:.0f}%)"
        step = "" if r.median_days is None or pd.isna(r.median_days) else f" · median {r.median_days:,.0f} days"
        bars.append(Bar(r.stage, r.reached, f"{r.reached:,}{share}{step}", f"<b>{r.stage}</b><br>{r.reached:,} "
                                                                           f"requests{share}"))
        rows.append([cell(r.stage), cell(r.reached, f"{r.reached:,}"),
                     cell(num(r.pct_of_requests, "{:.1f}"), num(r.pct_of_requests, "{:.1f}%")),
                     cell(num(r.median_days, "{:.1f}"), num(r.median_days)),
                     cell(num(r.median_days_from_request, "{:.1f}"), num(r.median_days_from_request))])
    total = int(frame["reached"].iloc[0])
    final = frame.iloc[-1]
    summary = (f"Of {total:,} requests received from {period} ({where}), {int(final['reached']):,} have a final plan, "
               f"a median of {final['median_days_from_request']:,.0f} days after the request."
               if total and not pd.isna(final["median_days_from_request"]) else "")
    table = make_table(f"EHC needs assessment stages, requests received {period}: {where}", cols, rows,
                       f"ehcp_funnel_{scope.locality}_{first:%Y-%m}_{last:%Y-%m}")
    return _view(key, title, good, description, BarChart(title, tuple(bars), "Requests"),
                 [Sentence("latest", summary)] if summary else [], table, pol=pol, scope=scope, place=area, page="ehcp",
                 synthetic=_synthetic_input(store, "ehc_requests"), source=FUNNEL_SOURCE,
                 empty="" if total else f"No requests were received from {period} ({where}).")


def review_outcomes(store, scope: Scope, audience: str | None = None) -> MeasureView:
    """The mix of annual review outcomes by month (an aggregate: both editions)."""
    pol = policy_for(audience)
    area = store.area.locality_slugs[scope.locality]
    metric = store.catalogue.get(OUTCOMES)
    order = list(OUTCOME_LABELS.values())
    names = sorted((b for b in store.breakdowns(OUTCOMES, store.area.name) if b != "All"),
                   key=lambda b: (order.index(b) if b in order else len(order), b))
    start, end = scope.window()
    parts = []
    for b in names:
        s = store.series(OUTCOMES, area, b, start, end)
        parts.append(Panel(b, "percent", tuple(
            Point(str(pd.Timestamp(d).date()), fmt.period(d, "month", pol.words.period_style),
                  round(float(v), 1) if st == "ok" and not pd.isna(v) else None, str(st),
                  fmt.value(v, "percent", str(st)))
            for d, v, st in zip(s["period_start"], s["value"], s["status"]))))
    key = "ehcp-review-outcomes"
    description = f"{pol.words.make_plain(metric.description)} Each bar is one month's reviews; the parts add up to 100%."
    good = metric.good_direction_text.capitalize()
    months = sorted({p.x for part in parts for p in part.points})
    lookup = [{p.x: p for p in part.points} for part in parts]
    rows = [[cell(fmt.period(x, "month", pol.words.period_style)), cell(x),
             *(BLANK if x not in lk else cell(fmt.symbol(lk[x].value, lk[x].status), lk[x].text) for lk in lookup)]
            for x in months]
    table = make_table(f"{pol.words.make_plain(metric.title)}, {_where(store, area)}: share of reviews by month",
                       [("period", "Period"), ("period_start", "Period start"), *((slug(b), b) for b in names)], rows,
                       f"{OUTCOMES}_{scope.locality}_{scope.start or ''}_{scope.end or ''}")
    said = []
    latest = [(part.title, [p for p in part.points if p.value is not None]) for part in parts]
    latest = [(t, ps[-1]) for t, ps in latest if ps]
    if latest:
        month = max(p.x for _, p in latest)
        said.append(Sentence("latest", f"In {fmt.period(month, 'month', pol.words.period_style)}: " + ", ".join(
            f"{t.lower()} {p.value:.0f}%" for t, p in latest if p.x == month) + "."))
    empty = "" if months else store.unavailable.get(OUTCOMES, "No data for this selection.")
    synthetic = any(bool(store.series(OUTCOMES, area, b)["synthetic"].astype(bool).any()) for b in names)
    return _view(key, pol.words.make_plain(metric.title), good, description, StackedChart(metric.title, tuple(parts)),
                 said, table, pol=pol, scope=scope, place=area, page="ehcp", synthetic=synthetic,
                 source=pol.words.make_plain(metric.source), empty=empty)
