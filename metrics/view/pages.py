"""What each page shows, as data: its title, filters and sections of cards; and `page_view`, the documented
context object a page renders (compare datasette's context per page).

A page module in pages/ only registers its path and lays out what `page_view` returns; nothing in pages/ or
components/ decides which measures appear, in which order, for which audience, or with which filters.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from metrics import urlstate
from metrics.edition import Policy, policy as policy_for, serves_path
from metrics.memo import Memo
from metrics.view import drill
from metrics.view.measure import Scope, measure_view
from metrics.view.model import MeasureView

FOLLOW_SERVICE = "@service"  # a slot whose breakdown follows the page's `service` filter
ANY = "any"  # a filter option meaning "no filter" (a <select> cannot use "" for it)


@dataclass(frozen=True)
class Slot:
    view_id: str  # a catalogue metric id or a drill-down id (metrics/view/drill.py)
    breakdown: str = "All"  # "All", a breakdown value, FOLLOW_SERVICE, or "*" for the total and every part
    by: str = ""  # a drill-down's split


@dataclass(frozen=True)
class Section:
    heading: str
    slots: tuple[Slot, ...]
    note: str = ""
    records: bool = False  # record-level: the board only
    half: bool = False  # two cards to a row


@dataclass(frozen=True)
class PageSpec:
    id: str
    path: str
    nav: str
    title: str
    public_title: str
    intro: str
    public_intro: str
    order: int
    params: tuple[str, ...]  # the page's own URL parameters (besides locality, from, to)
    nav_shown: bool = True


@dataclass(frozen=True)
class FilterView:
    name: str  # the URL parameter
    label: str
    options: tuple[tuple[str, str], ...]
    value: str


@dataclass(frozen=True)
class SectionView:
    heading: str
    note: str
    cards: tuple[MeasureView, ...]
    half: bool = False
    anchor: str = ""


@dataclass(frozen=True)
class PageView:
    """Everything a page renders: heading, filters, what is shown, and its sections of card views."""
    id: str
    title: str
    intro: str
    filters: tuple[FilterView, ...]
    describe: str  # the view in words ("Central locality, April 2022 to September 2026")
    sections: tuple[SectionView, ...]
    notices: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)  # what a page of its own kind needs (the overview, the report)


CATALOGUE_PAGES = ("outcome-1", "outcome-2", "outcome-3", "outcome-4", "therapy", "ehcp")
PUBLIC_TITLES = {"ehcp": "How quickly EHC plans are made", "therapy": "Waiting for therapy"}
EXTRA_PAGES = {
    "overview": ("/", "Overview", "Board overview", "How we are doing: an overview for families", 0),
    "plan": ("/plan", "Improvement plans", "Improvement plan tracker", "What the partnership is doing", 7),
    "planner": ("/planner", "Capacity planner", "Waiting-list capacity planner", "", 8),
    "funnel": ("/funnel", "Compare areas", "How all local authorities compare (funnel plot)",
               "How all local authorities compare", 9),
    "meeting": ("/meeting", "Meeting mode", "Meeting mode: the exceptions, one a screen", "", 96),
    "data": ("/data", "Data and definitions", "Data and definitions", "", 90),
    "report": ("/report", "Quarterly report", "Quarterly board report", "", 95),
    "glossary": ("/glossary", "Glossary", "Glossary: the words this dashboard uses", "Words we use, explained", 98),
    "accessibility": ("/accessibility", "Accessibility", "Accessibility statement", "Accessibility statement", 99),
}


def page_specs(catalogue) -> dict[str, PageSpec]:
    """Every page: the overview, the catalogue's own pages, and the fixed ones; read from the catalogue (no store),
    so pages can register at import."""
    out = {}
    o = EXTRA_PAGES["overview"]
    out["overview"] = PageSpec("overview", o[0], o[1], o[2], o[3],
                               "Every measure in the partnership's plans, exceptions first: what is getting worse, "
                               "what is failing its target, and what is improving.",
                               "How services for children and young people with special educational needs and "
                               "disabilities (SEND) are doing. Each measure says in words whether it is getting "
                               "better or worse, where its figures come from and when they were last updated.",
                               o[4], urlstate.PAGE_PARAMS["overview"])
    for n, p in enumerate(catalogue.pages, start=1):
        out[p.id] = PageSpec(p.id, f"/{p.id}", p.nav, p.title, PUBLIC_TITLES.get(p.id, p.title), p.intro, p.intro,
                             n if p.id.startswith("outcome") else n, urlstate.PAGE_PARAMS.get(p.id, ()))
    for pid in ("plan", "planner", "funnel", "meeting", "data", "report", "glossary", "accessibility"):
        path, nav, title, public_title, order = EXTRA_PAGES[pid]
        out[pid] = PageSpec(pid, path, nav, title, public_title or title, "", "", order,
                            urlstate.PAGE_PARAMS.get(pid, ()), nav_shown=pid not in ("accessibility", "funnel"))
    return out


# -- sections ---------------------------------------------------------------------------------------------------

THERAPY_PUBLISHED = ("chs_waiting_list", "chs_over_18wk_pct", "chs_52wk_waiters")
THERAPY_LONG_WAITS = ("therapy_over_18wk_pct", "therapy_52wk_waiters")
DNA = "therapy_dna_rate"
EHCP = (
    ("Are new plans issued within 20 weeks?", ("ehcp_20wk_excl", "ehcp_20wk_incl", "ehcp_plans_issued"), False),
    ("The assessment, stage by stage", ("@ehcp-funnel", "ehcp_requests", "ehcp_decision_6wk", "ehcp_draft_on_time"),
     False),
    ("Advice within 6 weeks, by agency", ("ehcp_advice_6wk*",), True),
    ("Annual reviews", ("ehcp_reviews_on_time", "@ehcp-review-outcomes", "ehcp_amended_on_time",
                        "ehcp_review_decision_4wk", "ehcp_review_paperwork_on_time"), False),
    ("Moves between school phases", ("ehcp_phase_transfer*",), True),
)
RECORD_DRILLS = {"ehcp-funnel", "therapy-waiting", "therapy-missed"}


def sections(catalogue, page_id: str, pol: Policy, state: urlstate.State) -> list[Section]:
    """The page's sections for this audience, each slot a measure the edition serves."""
    ids = catalogue.ids
    if page_id.startswith("outcome"):
        return [Section("", tuple(Slot(m.id) for m in catalogue.by_page(page_id)))]
    if page_id == "therapy":
        shown = {*THERAPY_PUBLISHED, *THERAPY_LONG_WAITS, DNA}
        out = [
            Section("Published waiting lists (NHS England)", tuple(Slot(i, FOLLOW_SERVICE) for i in THERAPY_PUBLISHED
                                                                  if i in ids),
                    note="The waiting lists the NHS trust that runs children's community services publishes every "
                         "month, for comparison with the local extract below."),
            Section("Waits in the context of demand", (Slot("therapy-demand"),)),
            Section("Long waits", tuple(Slot(i, FOLLOW_SERVICE) for i in THERAPY_LONG_WAITS if i in ids)),
        ]
        if pol.records:
            by = [state.breakdown] if state.breakdown in drill.CHARACTERISTICS else list(drill.CHARACTERISTICS)
            out.append(Section("Who is waiting now, and who misses appointments",
                               (Slot("therapy-waiting", by="weeks_band"),
                                *(s for b in by for s in (Slot("therapy-waiting", by=b), Slot("therapy-missed", by=b)))),
                               records=True, half=True))
        out += [
            Section("Missed appointments over time", (Slot(DNA),) if DNA in ids else (),
                    note="This monthly series counts all services together, whichever service is chosen above."),
            Section("More measures of therapy services",
                    tuple(Slot(m.id, FOLLOW_SERVICE if m.breakdown == "service" else "All")
                          for m in catalogue.by_page("therapy") if m.id not in shown)),
        ]
        return out
    if page_id == "ehcp":
        out, named = [], set()
        for heading, items, half in EHCP:
            slots = []
            for item in items:
                if item.startswith("@"):
                    view = item[1:]
                    if view not in RECORD_DRILLS or pol.records:
                        if view != "ehcp-review-outcomes" or "ehcp_review_outcomes" in ids:
                            slots.append(Slot(view))
                    named.add(view.replace("-", "_"))
                    continue
                metric_id = item.rstrip("*")
                named.add(metric_id)
                if metric_id in ids:
                    slots.append(Slot(metric_id, "*" if item.endswith("*") else "All"))
            out.append(Section(heading, tuple(slots), half=half))
        others = tuple(Slot(m.id) for m in catalogue.by_page("ehcp") if m.id not in named)
        if others:
            out.append(Section("More measures of EHC plans", others))
        return out
    return []


# -- the page's context object -------------------------------------------------------------------------------------

def filters(store, page_id: str, state: urlstate.State, vocab: urlstate.Vocabulary, pol: Policy) -> list[FilterView]:
    out = []
    common = tuple(p for p in urlstate.COMMON_PARAMS
                   if not (p == "locality" and page_id in urlstate.PLACELESS)
                   and not (p in ("from", "to") and page_id in urlstate.WINDOWLESS))
    if "locality" in common:
        out.append(FilterView("locality", "Locality", tuple(
            (slug, f"All of {name}" if slug == urlstate.LOCALITY_DEFAULT else name)
            for slug, name in vocab.localities.items()), state.locality))
    if "from" in common:
        months = month_options(vocab)
        out.append(FilterView("from", "From", months, state.start or vocab.first_month))
        out.append(FilterView("to", "To", months, state.end or vocab.last_month))
    if page_id == "overview":
        out.append(FilterView("outcome", "Page", ((ANY, "All pages"), *vocab.pages.items()), state.outcome or ANY))
        if pol.spc_terms:
            out += [
                FilterView("variation", "Variation", VARIATION_OPTIONS, state.variation or ANY),
                FilterView("assurance", "Assurance", ASSURANCE_OPTIONS, state.assurance or ANY),
                FilterView("plan", "Plan reference", ((ANY, "Any objective"), *((r, r) for r in vocab.plan_refs)),
                           state.plan or ANY),
            ]
        out.append(FilterView("sort", "Order", SORT_OPTIONS if pol.spc_terms else PUBLIC_SORT_OPTIONS, state.sort))
    if page_id == "therapy":
        out.append(FilterView("service", "Service", ((urlstate.SERVICE_ALL, "All services"),
                                                     *vocab.services.items()), state.service))
        if pol.records:
            out.append(FilterView("breakdown", "Split children by", (
                (ANY, "SEN status, age band and first language"),
                *((k, v.capitalize()) for k, v in drill.CHARACTERISTICS.items())),
                state.breakdown if state.breakdown in drill.CHARACTERISTICS else ANY))
    return out


VARIATION_OPTIONS = ((ANY, "Any variation"), ("concern", "Special cause concern"),
                     ("improvement", "Special cause improvement"), ("common_cause", "Common cause"),
                     ("neutral", "Special cause, neither good nor bad"), ("none", "No chart"))
ASSURANCE_OPTIONS = ((ANY, "Any assurance"), ("fail", "Failing the target"), ("inconsistent", "Hit and miss"),
                     ("pass", "Passing the target"), ("unknown", "Target, too few points"), ("none", "No target"))
SORT_OPTIONS = (("catalogue", "Catalogue order"), ("concern", "Concerns first"),
                ("change", "Biggest change on last year"), ("title", "Title A to Z"))
PUBLIC_SORT_OPTIONS = (("catalogue", "The order of the plans"), ("concern", "Getting worse first"),
                       ("change", "Biggest change on last year"), ("title", "Title A to Z"))
RECENT_YEARS = 6  # every month of the last six years; January of each year before


def month_options(vocab: urlstate.Vocabulary) -> tuple[tuple[str, str], ...]:
    """The months a window can start or end at: every month of the last six years of data and January of each
    year before (a select of 200 months is unusable on a phone; any month in range still works in a link)."""
    return _month_options(vocab.first_month, vocab.last_month)


@lru_cache(maxsize=64)  # every page with a window writes them on every load
def _month_options(first: str, last: str) -> tuple[tuple[str, str], ...]:
    months = [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]
    recent = f"{int(last[:4]) - RECENT_YEARS + 1}-01"
    keep = [m for m in months if m >= recent or m.endswith("-01") or m in (first, last)]
    return tuple((m, urlstate.month_name(m)) for m in keep)


# The pages of cards last built: every load and filter change of a page asks for its PageView (its title and filters
# as well as its cards), and its cards are already kept (metrics.view.measure): this keeps the page around them.
_page_views = Memo(windowed=8, whole=64)


def page_view(store, page_id: str, state: urlstate.State, notices=(), audience: str | None = None) -> PageView:
    """The context object of one page for a decoded URL State (see PageView); kept per data version and view."""
    pol = policy_for(audience)
    key = (id(store), store.version, page_id, state, tuple(notices), pol.audience)
    return _page_views.get(key, state.start is None and state.end is None,
                           lambda: _page_view(store, page_id, state, notices, pol))


def _page_view(store, page_id: str, state: urlstate.State, notices, pol: Policy) -> PageView:
    vocab = urlstate.vocabulary(store)
    spec = page_specs(store.catalogue)[page_id]
    title = spec.title if pol.internal else spec.public_title
    intro = spec.intro if pol.internal else spec.public_intro
    scope = Scope.of(state)
    views = []
    for section in sections(store.catalogue, page_id, pol, state):
        if section.records and not pol.records:
            continue
        cards = tuple(v for slot in section.slots for v in slot_views(store, slot, scope, state, pol))
        if cards:
            views.append(SectionView(section.heading, section.note, cards, section.half,
                                     anchor=_anchor(section.heading)))
    extra = {}
    if page_id == "therapy":  # what families can do while they wait, for the services shown
        services = store.catalogue.services if state.service == urlstate.SERVICE_ALL else \
            (store.catalogue.service_by_slug(state.service),)
        extra = {"wait": tuple(services), "wait_first": not pol.internal}
    extra["highlight"] = state.metric  # ?metric= marks that measure's card (and the page scrolls to it)
    return PageView(page_id, title, pol.words.make_plain(intro), tuple(filters(store, page_id, state, vocab, pol)),
                    urlstate.describe(state, vocab), tuple(views), tuple(notices), extra)


def _anchor(heading: str) -> str:
    from metrics.view.measure import slug
    return "section-" + slug(heading) if heading else ""


# The drill-downs a slot can stand for. Each scans the record-level extract (the therapy page's took ~25 ms of
# every redraw), so they are kept as measure views are (metrics.memo): without a window for good, the latest windows.
DRILLS = {
    "therapy-demand": lambda store, slot, scope, state, pol: drill.therapy_demand(store, scope, state.service,
                                                                                  pol.audience),
    "therapy-waiting": lambda store, slot, scope, state, pol: drill.therapy_waiting(store, scope, state.service,
                                                                                    slot.by, pol.audience),
    "therapy-missed": lambda store, slot, scope, state, pol: drill.therapy_missed(store, scope, state.service,
                                                                                  slot.by, pol.audience),
    "ehcp-funnel": lambda store, slot, scope, state, pol: drill.ehcp_assessment_funnel(store, scope, pol.audience),
    "ehcp-review-outcomes": lambda store, slot, scope, state, pol: drill.review_outcomes(store, scope, pol.audience),
}
_drills = Memo(windowed=64, whole=512)  # localities × services × groupings: ~200 without a window


def slot_views(store, slot: Slot, scope: Scope, state: urlstate.State, pol: Policy) -> list[MeasureView]:
    """The card views one slot stands for."""
    if slot.view_id in DRILLS:
        key = (id(store), store.version, slot.view_id, slot.by, scope, state.service, pol.audience)
        return [_drills.get(key, scope.windowless, lambda: DRILLS[slot.view_id](store, slot, scope, state, pol))]
    if slot.view_id not in store.catalogue.ids:
        return []
    metric = store.catalogue.get(slot.view_id)
    if slot.breakdown == FOLLOW_SERVICE:
        part = "All" if state.service == urlstate.SERVICE_ALL else store.catalogue.service_by_slug(state.service).name
        return [measure_view(store, metric.id, scope, part, pol.audience)]
    if slot.breakdown == "*":
        parts = ["All", *(b for b in store.breakdowns(metric.id, store.area.name) if b != "All")]
        return [measure_view(store, metric.id, scope, b, pol.audience) for b in parts]
    return [measure_view(store, metric.id, scope, slot.breakdown, pol.audience)]


def served_pages(catalogue, edition: str) -> list[PageSpec]:
    """The pages an edition serves, in navigation order."""
    return sorted((s for s in page_specs(catalogue).values() if serves_path(edition, s.path)), key=lambda s: s.order)


def build_page(store, page_id: str, state: urlstate.State, notices=(), audience: str | None = None) -> PageView:
    """The PageView of any page: the overview, the report, the data page, the glossary and the accessibility
    statement have builders of their own; the catalogue's pages are sections of cards."""
    pol = policy_for(audience)
    if page_id == "overview":
        from metrics.view.overview import overview_page
        return overview_page(store, state, notices, pol.audience)
    if page_id == "report":
        from metrics.report.page import report_page
        return report_page(store, state, notices)
    if page_id == "data":
        from metrics.view.datapage import data_page
        return data_page(store, state)
    if page_id == "plan":
        from metrics.view.plans import tracker_page
        return tracker_page(store, state, notices, pol.audience)
    if page_id == "planner":
        from metrics.view.planner import planner_page
        return planner_page(store, state, notices, pol.audience)
    if page_id == "meeting":
        from metrics.view.meeting import meeting_page
        return meeting_page(store, state, notices, pol.audience)
    if page_id == "funnel":
        from metrics.view.funnels import funnel_page
        return funnel_page(store, state, notices, pol.audience)
    spec = page_specs(store.catalogue)[page_id]
    if page_id in ("glossary", "accessibility"):
        from metrics.view.datapage import glossary_table
        return PageView(page_id, spec.title if pol.internal else spec.public_title, "", (), "", (), tuple(notices),
                        extra={"glossary": glossary_table(pol), "area": store.area.name, "board": pol.internal,
                               "contact": next((s.while_you_wait for s in store.catalogue.services), "")})
    return page_view(store, page_id, state, notices, pol.audience)


def registration(page_id: str, edition: str | None = None) -> dict | None:
    """How a page registers with Dash Pages in this edition (path, name, title, order, nav), or None when the
    edition does not serve it. Read from the catalogue file, not the store, so pages register at import."""
    import os
    from pathlib import Path

    from metrics.area import DATA_DIR
    from metrics.catalogue import load_catalogue

    pol = policy_for(edition)
    catalogue = load_catalogue(Path(os.environ.get("DATA_DIR") or DATA_DIR) / "catalogue.toml")
    spec = page_specs(catalogue)[page_id]
    if not serves_path(pol.audience, spec.path):
        return None
    return {"path": spec.path, "name": spec.nav, "title": spec.title if pol.internal else spec.public_title,
            "order": spec.order, "nav": spec.nav_shown}
