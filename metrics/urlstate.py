"""The one place a page's URL query string is decoded and encoded.

Links to the dashboard are pasted into board papers, so the query string is a public contract: every parameter
has a whitelist, anything outside it falls back to the default, and the page says so in a fixed sentence that
never repeats what was in the link (so nothing from a URL is ever rendered). `encode` writes only what differs
from the defaults, so the shortest link for a view is its canonical one.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from urllib.parse import parse_qs, urlencode

import pandas as pd

MAX_VALUE_LENGTH = 64  # longer than any legitimate value (the longest is a metric id)
MAX_FIELDS = 30  # more settings than any page has: not a link the app wrote, so read none of it

MONTH_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
QUARTER_RE = re.compile(r"(\d{4})-Q([1-4])")

LOCALITY_DEFAULT = "area"
SERVICE_ALL = "all"
# Dimensions a page can break a measure down by (`?breakdown=`); `All` (the total) is the default.
BREAKDOWNS = ("service", "agency", "review_outcome", "first_language", "sen_status", "age_band", "phase_transfer",
              "cohort")
# Overview filters: Making Data Count variation and assurance families, and the orders a board sorts by.
VARIATIONS = ("improvement", "concern", "common_cause", "neutral", "none")
ASSURANCES = ("pass", "fail", "inconsistent", "none")
SORTS = ("catalogue", "concern", "change", "title")
SORT_DEFAULT = "catalogue"

# URL parameter -> State attribute (the URL names are the contract; `from` is a Python keyword).
PARAM_ATTR = {"locality": "locality", "from": "start", "to": "end", "service": "service",
              "breakdown": "breakdown", "metric": "metric", "quarter": "quarter", "outcome": "outcome",
              "variation": "variation", "assurance": "assurance", "plan": "plan", "sort": "sort",
              "slide": "slide", "pipeline": "pipeline", "sessions": "sessions", "per_session": "per_session",
              "growth": "growth", "period": "period", "adjust": "adjust"}
COMMON_PARAMS = ("locality", "from", "to")
# Pages whose view has no date window (a report or meeting is of a quarter, the tracker and the funnel plot are as at
# the latest data), and of those, the ones with no locality either: they offer and describe no such filter.
WINDOWLESS = frozenset({"plan", "report", "meeting", "funnel", "data", "glossary", "accessibility"})
PLACELESS = frozenset({"funnel", "data", "glossary", "accessibility"})
PAGE_PARAMS = {
    "overview": ("outcome", "variation", "assurance", "plan", "sort"),
    "outcome-1": ("metric",), "outcome-2": ("metric",), "outcome-3": ("metric",), "outcome-4": ("metric",),
    "therapy": ("service", "breakdown", "metric"),
    "ehcp": ("breakdown", "metric"),
    "report": ("quarter",),
    "meeting": ("quarter", "slide"),
    "planner": ("pipeline", "service", "sessions", "per_session", "growth"),
    "funnel": ("metric", "period", "adjust"),
}
# The capacity planner's what-if settings: whole numbers in these ranges (a link with anything else falls back).
WHAT_IF_RANGES = {"sessions": (0, 40), "per_session": (0, 30), "growth": (-50, 100)}
# What a parameter means when absent: a link that spells the default out is the same view, stored as None (so the
# canonical URL leaves it out, however the view was reached).
DEFAULT_PER_SESSION = 6  # children an extra clinic session sees
IMPLIED = {"pipeline": "therapy", "sessions": "0", "per_session": str(DEFAULT_PER_SESSION), "growth": "0"}
PIPELINES = ("therapy", "ehcp")
ADJUSTMENTS = ("none", "multiplicative", "additive")
MAX_SLIDES = 500

# What the page says when a parameter falls back: fixed sentences, never the value from the link.
FALLBACK = {
    "locality": "The locality in the link was not recognised, so the whole area is shown.",
    "from": "The start month in the link was not recognised or is outside the data, so the series starts "
            "at the beginning of the data.",
    "to": "The end month in the link was not recognised or is outside the data, so the series runs to the "
          "latest month.",
    "service": "The service in the link was not recognised, so all services are shown.",
    "breakdown": "The breakdown in the link was not recognised, so totals are shown.",
    "metric": "The measure in the link was not recognised on this page, so all its measures are shown.",
    "quarter": "The quarter in the link was not recognised or is outside the data, so the latest quarter is shown.",
    "outcome": "The outcome in the link was not recognised, so every outcome is shown.",
    "variation": "The variation filter in the link was not recognised, so measures of every kind are shown.",
    "assurance": "The assurance filter in the link was not recognised, so measures of every kind are shown.",
    "plan": "The plan reference in the link was not recognised, so measures for every plan objective are shown.",
    "sort": "The order in the link was not recognised, so measures are listed in catalogue order.",
    "slide": "The slide in the link was not recognised, so the first slide is shown.",
    "pipeline": "The waiting list in the link was not recognised, so therapy waiting lists are shown.",
    "sessions": "The extra sessions in the link were not recognised, so none are added.",
    "per_session": "The children per session in the link were not recognised, so the default is used.",
    "growth": "The demand growth in the link was not recognised, so demand is as observed.",
    "period": "The period in the link was not recognised, so the latest published period is shown.",
    "adjust": "The adjustment in the link was not recognised, so the limits are not adjusted.",
}
REPEATED = "The link gave the {what} more than once, so the default is used."
WHAT = {"locality": "locality", "from": "start month", "to": "end month", "service": "service",
        "breakdown": "breakdown", "metric": "measure", "quarter": "quarter", "outcome": "outcome",
        "variation": "variation filter", "assurance": "assurance filter", "plan": "plan reference",
        "sort": "order", "slide": "slide", "pipeline": "waiting list", "sessions": "extra sessions",
        "per_session": "children per session", "growth": "demand growth", "period": "period",
        "adjust": "adjustment"}
UNKNOWN = "The link contained a setting this page does not use, so it was ignored."
UNREADABLE = "The link's settings could not be read, so the default view is shown."
ORDER = "The start month in the link was after the end month, so the whole period is shown."


@dataclass(frozen=True)
class Vocabulary:
    """Everything a parameter may be: built from the loaded data (`vocabulary(store)`) or by hand in tests."""
    area_name: str
    localities: dict[str, str]  # slug -> name, `area` first
    first_month: str  # YYYY-MM: the data range, so a link cannot ask for months that do not exist
    last_month: str
    services: dict[str, str] = field(default_factory=dict)  # slug -> name
    metrics: dict[str, str] = field(default_factory=dict)  # metric id -> page id
    pages: dict[str, str] = field(default_factory=dict)  # page id -> short name (outcome filter)
    plan_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class State:
    """A page's view: `None` means the default (for `start`/`end`: the first/last month of the data)."""
    page: str = "overview"
    locality: str = LOCALITY_DEFAULT
    start: str | None = None
    end: str | None = None
    service: str = SERVICE_ALL
    breakdown: str | None = None
    metric: str | None = None
    quarter: str | None = None
    outcome: str | None = None
    variation: str | None = None
    assurance: str | None = None
    plan: str | None = None
    sort: str = SORT_DEFAULT
    slide: str | None = None  # meeting mode: 1, 2, ... (text, as every setting is)
    pipeline: str | None = None  # planner: therapy (default) or ehcp
    sessions: str | None = None  # planner what-if: extra clinic sessions a week
    per_session: str | None = None  # planner what-if: children seen in each
    growth: str | None = None  # planner what-if: demand growth, per cent
    period: str | None = None  # funnel plot: the period's first day, YYYY-MM-DD
    adjust: str | None = None  # funnel plot: none, multiplicative or additive overdispersion
    def to_dict(self) -> dict:
        return asdict(self)

    def area(self, vocab: Vocabulary) -> str:
        """The area name the metrics layer uses for this locality."""
        return vocab.localities[self.locality]

    def window(self, vocab: Vocabulary) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """(start, end) as dates for `Store.analysis`; None where the default (the whole range) applies."""
        start = pd.Timestamp(self.start + "-01") if self.start else None
        end = pd.Timestamp(self.end + "-01") if self.end else None
        return start, end


def params_for(page: str) -> tuple[str, ...]:
    return COMMON_PARAMS + PAGE_PARAMS.get(page, ())


def _parse(query) -> tuple[dict[str, list[str]], list[str]]:
    """A query string ('?a=b', 'a=b') or a dict (Dash Pages' kwargs: a value, or a list when repeated)."""
    if query is None:
        return {}, []
    if isinstance(query, dict):
        if len(query) > MAX_FIELDS:
            return {}, [UNREADABLE]
        out = {}
        for k, v in query.items():
            values = list(v) if isinstance(v, (list, tuple)) else [v]
            out[str(k)] = ["" if x is None else str(x) for x in values]
        return out, []
    text = str(query)
    text = text[1:] if text.startswith("?") else text
    try:
        return parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FIELDS), []
    except ValueError:
        return {}, [UNREADABLE]


def _allowed(param: str, value: str, vocab: Vocabulary, page: str) -> bool:
    if param == "locality":
        return value in vocab.localities
    if param in ("from", "to"):
        return bool(MONTH_RE.fullmatch(value)) and vocab.first_month <= value <= vocab.last_month
    if param == "service":
        return value == SERVICE_ALL or value in vocab.services
    if param == "breakdown":
        return value in BREAKDOWNS
    if param == "metric":
        # A measure belongs to one page: `?metric=` on another page is not this page's measure.
        return vocab.metrics.get(value) == page
    if param == "quarter":
        m = QUARTER_RE.fullmatch(value)
        if not m:
            return False
        first = f"{m.group(1)}-{3 * int(m.group(2)) - 2:02d}"
        last = f"{m.group(1)}-{3 * int(m.group(2)):02d}"
        return last >= vocab.first_month and first <= vocab.last_month
    if param == "outcome":
        return value in vocab.pages
    if param == "variation":
        return value in VARIATIONS
    if param == "assurance":
        return value in ASSURANCES
    if param == "plan":
        return value in vocab.plan_refs
    if param == "sort":
        return value in SORTS
    if param == "slide":
        return value.isdigit() and 1 <= int(value) <= MAX_SLIDES and str(int(value)) == value
    if param == "pipeline":
        return value in PIPELINES
    if param in WHAT_IF_RANGES:
        low, high = WHAT_IF_RANGES[param]
        return bool(re.fullmatch(r"-?\d{1,3}", value)) and low <= int(value) <= high and str(int(value)) == value
    if param == "period":
        return bool(re.fullmatch(r"\d{4}-\d{2}-01", value)) and value[:7] >= "2000-01"
    if param == "adjust":
        return value in ADJUSTMENTS
    return False


def decode(page: str, query, vocab: Vocabulary | None = None) -> tuple[State, list[str]]:
    """The page's State from a query string or dict, and the notices for anything that fell back.

    Parameters another page uses (e.g. `service` on the overview) are ignored quietly: a link copied from one
    page and edited to another still works. Names no page uses get one notice.
    """
    vocab = vocab or vocabulary()
    raw, notices = _parse(query)
    wanted = params_for(page)
    known = set(PARAM_ATTR)
    values = {}
    unknown = False
    for param, vals in raw.items():
        if param not in known:
            unknown = True
            continue
        if param not in wanted:
            continue
        if len(vals) != 1:
            notices.append(REPEATED.format(what=WHAT[param]))
            continue
        value = vals[0]
        if value == "":  # an emptied parameter is the default, as if absent
            continue
        if len(value) > MAX_VALUE_LENGTH or not _allowed(param, value, vocab, page):
            notices.append(FALLBACK[param])
            continue
        if IMPLIED.get(param) != value:
            values[PARAM_ATTR[param]] = value
    if unknown:
        notices.append(UNKNOWN)
    if values.get("start") and values.get("end") and values["start"] > values["end"]:
        del values["start"], values["end"]
        notices.append(ORDER)
    state = State(page=page, **values)
    # The range's own ends are the defaults: store them as None so links stay short and follow new data.
    if state.start == vocab.first_month:
        state = replace(state, start=None)
    if state.end == vocab.last_month:
        state = replace(state, end=None)
    return state, notices


@lru_cache(maxsize=4096)  # a page writes the same few States into hundreds of links
def encode(state: State, params: tuple[str, ...] | None = None) -> str:
    """'?locality=central&from=2022-04' for the non-default settings of `state` ('' when all are default).

    `params` limits which parameters are written (e.g. COMMON_PARAMS for links to other pages).
    """
    default = State(page=state.page)
    pairs = []
    for param in params or params_for(state.page):
        value = getattr(state, PARAM_ATTR[param])
        if value is not None and value != getattr(default, PARAM_ATTR[param]):
            pairs.append((param, value))
    return "?" + urlencode(pairs) if pairs else ""


def month_name(ym: str) -> str:
    return pd.Timestamp(ym + "-01").strftime("%B %Y")


def describe(state: State, vocab: Vocabulary | None = None) -> str:
    """The active filters as a sentence: 'Central locality, April 2022 to September 2026, speech and language
    therapy'."""
    vocab = vocab or vocabulary()
    parts = []
    if state.page not in PLACELESS:
        parts.append(f"{vocab.area_name} (whole area)" if state.locality == LOCALITY_DEFAULT
                     else f"{vocab.localities[state.locality]} locality")
    if state.page not in WINDOWLESS:
        parts.append(f"{month_name(state.start or vocab.first_month)} to "
                     f"{month_name(state.end or vocab.last_month)}")
    if state.service != SERVICE_ALL and state.service in vocab.services:
        parts.append(vocab.services[state.service][0].lower() + vocab.services[state.service][1:])
    if state.breakdown:
        parts.append("by " + state.breakdown.replace("_", " "))
    if state.quarter:
        year, q = state.quarter.split("-")
        parts.append(f"quarter {q[1]} of {year}")
    return ", ".join(parts)


_VOCABS: dict[str, Vocabulary] = {}


def vocabulary(store=None) -> Vocabulary:
    """The whitelists for the loaded data (one per data version)."""
    if store is None:
        from metrics.edition import get_store  # the edition's store: the public one holds public metrics only
        store = get_store()
    vocab = _VOCABS.get(store.version)
    if vocab is None:
        vocab = _VOCABS[store.version] = _build_vocabulary(store)
    return vocab


def _build_vocabulary(store) -> Vocabulary:
    values = store.values
    local = values[values["area"].isin(store.areas)]["period_start"]
    if local.empty:
        local = values["period_start"]
    today = pd.Timestamp.today()
    first = (local.min() if not local.empty else today).strftime("%Y-%m")
    last = (local.max() if not local.empty else today).strftime("%Y-%m")
    catalogue = store.catalogue
    refs = sorted({r for m in catalogue.metrics for r in m.plan_refs}, key=_ref_key)
    return Vocabulary(
        area_name=store.area.name,
        localities=store.area.locality_slugs,
        first_month=first, last_month=last,
        services={s.slug: s.name for s in catalogue.services},
        metrics={m.id: m.page for m in catalogue.metrics},
        pages={p.id: p.nav for p in catalogue.pages},
        plan_refs=tuple(refs),
    )


def _ref_key(ref: str) -> tuple:
    """Plan references in reading order: '1.2' < '1.10' < 'WSoA 1.1'."""
    wsoa = ref.startswith("WSoA")
    nums = re.findall(r"\d+", ref)
    return (wsoa, *[int(n) for n in nums])


# -- the one URL builder ------------------------------------------------------------------------------------------
# Every link the app writes goes through these, so a parameter is spelled in one place (PARAM_ATTR above).

def page_path(page: str) -> str:
    return "/" if page == "overview" else f"/{page}"


def href(page: str, state: State | None = None, params: tuple[str, ...] | None = None, **extra) -> str:
    """A link to `page` carrying `state`'s settings (only `params`, default the common ones), plus `extra`
    parameters by URL name (e.g. metric="ehcp_20wk_excl"; `from_`/`to` for the window)."""
    base = replace(state, page=page) if state is not None else State(page=page)
    query = encode(base, params if params is not None else COMMON_PARAMS).lstrip("?")
    extra = {k.rstrip("_"): v for k, v in extra.items() if v not in (None, "")}
    if extra:
        query = "&".join(filter(None, [query, urlencode(extra)]))
    return page_path(page) + ("?" + query if query else "")


def data_href(kind: str, view_id: str, state: State | None, ext: str, **extra) -> str:
    """A link to one of a view's data endpoints: `kind` is download (CSV/XLSX), figure (plotly JSON), chart (an SPC
    chart drawn as SVG, in HTML) or table (HTML)."""
    return f"/{kind}/{view_id}.{ext}" + _data_query(state, tuple(extra.items()))


@lru_cache(maxsize=1024)
def _data_query(state: State | None, extra: tuple) -> str:
    """`data_href`'s query (with its "?"), or "": a chart's three links (chart, table, download) share it."""
    base = encode(state, COMMON_PARAMS).lstrip("?") if state is not None else ""
    query = "&".join(filter(None, [base, urlencode({k: v for k, v in extra if v not in (None, "", 0, "All")})]))
    return "?" + query if query else ""
