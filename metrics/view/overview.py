"""The overview and the exceptions: every measure's view for a place and window, and what the board acts on.

Exceptions are computed once, here, over every chart the catalogue draws for a measure: its headline, its other
series, and every breakdown (services, agencies, phases...). The overview page, the quarterly report and meeting
mode all list `exceptions(...)`, so they cannot disagree (tests/unit/test_view_overview.py renders both and
compares). Order: special cause concern first, then failing assurance, then special cause improvement, each in
catalogue order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from metrics.edition import policy as policy_for
from metrics.memo import Memo
from metrics.view.measure import Scope, measure_view
from metrics.view.model import MeasureView, Signal
from metrics.view.reading import variation_family

KIND_ORDER = {"concern": 0, "fail": 1, "improvement": 2}
SORTS = ("catalogue", "concern", "change", "title")
CONCERN_ORDER = {"concern": 0, "neutral": 1, "improvement": 2, "common_cause": 3, "none": 4}


@dataclass(frozen=True)
class Row:
    """One measure on the overview: its view, and the exceptions across all of its charts and parts."""
    view: MeasureView
    signals: tuple[Signal, ...]

    @property
    def families(self) -> frozenset[str]:
        """Variation families this row answers to in the filter: its headline's, and any part's signal."""
        out = {variation_family(self.view.variation)}
        out |= {s.kind for s in self.signals if s.kind in ("concern", "improvement")}
        return frozenset(out)

    @property
    def assurances(self) -> frozenset[str]:
        out = {self.view.assurance or "none"}
        out |= {"fail" for s in self.signals if s.kind == "fail"}
        return frozenset(out)


@dataclass(frozen=True)
class Overview:
    place: str
    rows: tuple[Row, ...]  # every measure, catalogue order
    exceptions: tuple[Signal, ...]
    with_place_figures: int  # measures with figures for this place itself (not the whole area's)

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in KIND_ORDER}
        for s in self.exceptions:
            out[s.kind] += 1
        return out


# An overview holds every measure's view (~6 MB with a window's): a few windows only (metrics.memo).
_overviews = Memo(windowed=4, whole=64)


def overview(store, scope: Scope = Scope(), audience: str | None = None) -> Overview:
    """Every catalogue measure's view for the scope's place and window, with the exceptions across parts."""
    pol = policy_for(audience)
    key = (id(store), store.version, scope, pol.audience)
    return _overviews.get(key, scope.windowless, lambda: _overview(store, scope, pol))


def _overview(store, scope: Scope, pol) -> Overview:
    area = store.area.locality_slugs[scope.locality]
    rows = []
    for metric in store.catalogue.metrics:
        view = measure_view(store, metric.id, scope, "All", pol.audience)
        signals = list(view.signals)
        if metric.breakdown != "none":
            for part in store.breakdowns(metric.id, area):
                if part != "All":
                    part_view = measure_view(store, metric.id, scope, part, pol.audience)
                    signals += [s for s in part_view.signals if s not in signals]
        rows.append(Row(view, tuple(_dedupe(signals))))
    exceptions = tuple(sorted((s for r in rows for s in r.signals),
                              key=lambda s: KIND_ORDER[s.kind]))  # stable: catalogue order within a kind
    return Overview(area, tuple(rows), exceptions,
                    sum(1 for r in rows if r.view.has_place_figures and r.view.charts))


def _dedupe(signals: list[Signal]) -> list[Signal]:
    seen, out = set(), []
    for s in signals:
        k = (s.metric_id, s.part, s.kind)
        if k not in seen:
            seen.add(k)
            out.append(s)
    return out


def exceptions(store, scope: Scope = Scope(), audience: str | None = None) -> tuple[Signal, ...]:
    return overview(store, scope, audience).exceptions


def matches(row: Row, outcome: str | None, variation: str | None, assurance: str | None,
            plan: str | None) -> bool:
    v = row.view
    if outcome and v.page != outcome:
        return False
    if variation and variation not in row.families:
        return False
    if assurance and assurance not in row.assurances:
        return False
    if plan and not any(r == plan or r.startswith(plan + ".") for r in v.refs):
        return False
    return True


def sort_rows(rows: list[Row], sort: str) -> list[Row]:
    if sort == "concern":
        return sorted(rows, key=lambda r: min(CONCERN_ORDER.get(f, 4) for f in r.families))
    if sort == "change":
        return sorted(rows, key=lambda r: -abs(r.view.change_value) if r.view.change_value is not None
                      else math.inf)
    if sort == "title":
        return sorted(rows, key=lambda r: r.view.title.lower())
    return rows


# -- the overview page -------------------------------------------------------------------------------------------

def overview_page(store, state, notices=(), audience: str | None = None):
    """The overview's context object: exceptions first, the count sentence, and the rows the filters keep,
    grouped by outcome page; `extra["table"]` is the same rows as one table (the "all measures" download)."""
    from metrics import urlstate
    from metrics.view.pages import PageView, SectionView, filters, page_specs
    from metrics.view.tables import cell, make_table

    pol = policy_for(audience)
    vocab = urlstate.vocabulary(store)
    scope = Scope.of(state)
    ov = overview(store, scope, pol.audience)
    if pol.spc_terms:
        variation, assurance, plan = state.variation, state.assurance, state.plan
    else:  # filters the public page does not offer do not filter it either
        variation = assurance = plan = None
    shown = [r for r in ov.rows if matches(r, state.outcome, variation, assurance, plan)]
    specs = page_specs(store.catalogue)
    groups = []  # (the page's id and its title for this audience, its rows)
    for p in store.catalogue.pages:
        rows = sort_rows([r for r in shown if r.view.page == p.id], state.sort)
        if rows:
            title = specs[p.id].title if pol.internal else specs[p.id].public_title
            groups.append((replace(p, title=title), rows))
    total = len(ov.rows)
    place = vocab.localities[state.locality]
    if pol.spc_terms:
        c = ov.counts()
        count = (f"{len(shown)} of {total} measures shown. {len(ov.exceptions)} exceptions across every measure and "
                 f"its parts (services, agencies, phases): {c['concern']} in special cause concern, {c['fail']} "
                 f"consistently failing their target, {c['improvement']} in special cause improvement.")
    else:
        better = sum(1 for r in shown if r.view.icons and r.view.icons[0].key == "better")
        worse = sum(1 for r in shown if r.view.icons and r.view.icons[0].key == "worse")
        count = f"{len(shown)} of {total} measures shown: {better} getting better, {worse} getting worse."
    if state.locality != urlstate.LOCALITY_DEFAULT:
        count += (f" {ov.with_place_figures} of {total} measures have figures for {place} itself; the others show "
                  f"{store.area.name}'s figures, labelled.")
    columns = [("metric_id", "Measure id"), ("measure", "Measure"), ("page", "Page"), ("place", "Figures for"),
               ("latest_period", "Latest period"), ("latest", "Latest"), ("target", "Target"),
               ("reading", "Reading"), ("change_on_last_year", "Change on last year"),
               ("england", "England"), ("neighbours", pol.words.neighbours), ("source", "Source"),
               ("synthetic" if pol.internal else "example_figures", pol.words.synthetic)]
    if pol.spc_terms:
        columns.insert(8, ("exceptions", "Exceptions"))
    rows = []
    for r in (r for _, group in groups for r in group):  # as the page lists them
        v = r.view
        comp = {c.name: f"{c.text} ({c.period})" for c in v.comparisons}
        row = [cell(v.metric_id), cell(v.title), cell(v.page), cell(v.place),
               cell(v.latest.period if v.latest else ""), cell(v.latest.text if v.latest else v.empty),
               cell(v.target.text if v.target else ""), cell("; ".join(i.label for i in v.icons)),
               cell(v.change), cell(comp.get("England", "")), cell(comp.get(pol.words.neighbours, "")),
               cell(v.source), cell(v.synthetic, "yes" if v.synthetic else "")]
        if pol.spc_terms:
            row.insert(8, cell("; ".join(f"{s.kind}: {s.part or 'total'}" for s in r.signals)))
        rows.append(row)
    name = "_".join(filter(None, ["all_measures", state.locality, state.start, state.end]))
    table = make_table(f"Every measure shown: {urlstate.describe(state, vocab)}", columns, rows, name)
    spec = specs["overview"]
    return PageView(
        "overview", spec.title if pol.internal else spec.public_title,
        spec.intro if pol.internal else spec.public_intro, tuple(filters(store, "overview", state, vocab, pol)),
        urlstate.describe(state, vocab),
        tuple(SectionView(p.title, "", tuple(r.view for r in rows), anchor=f"section-{p.id}") for p, rows in groups),
        tuple(notices),
        extra={"overview": ov, "rows": tuple(r for _, group in groups for r in group), "spc": pol.spc_terms, "groups": tuple(groups), "count": count, "table": table,
               "csv_href": urlstate.data_href("download", "overview", state, "csv", **_filter_params(state)),
               "xlsx_href": urlstate.data_href("download", "overview", state, "xlsx", **_filter_params(state))})


def _filter_params(state) -> dict:
    return {"outcome": state.outcome, "variation": state.variation, "assurance": state.assurance,
            "plan": state.plan, "sort": None if state.sort == "catalogue" else state.sort}
