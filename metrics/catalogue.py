"""The metric catalogue: `data/catalogue.toml` read into frozen objects and validated as a whole.

The TOML file is the one place a metric is defined. This module only reads it, and refuses a catalogue with
problems, listing every problem at once (metric id and field) so the file can be fixed in one pass.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from metrics import schemas

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "catalogue.toml"

AGGREGATED_INPUT = "metric_values"
INPUTS = tuple(schemas.INPUTS)
FREQUENCIES = schemas.PERIOD_TYPES
UNITS = ("percent", "count", "rate", "days", "weeks", "score", "ratio")
IMPROVEMENTS = ("increase", "decrease", "neutral")
# xmr, p and run charts; "c" for counts of rare events; "count" lets the data choose between c and xmr for a count
# measure, per series, by the rule in metrics/spc/choose.py (coarse counts with a small mean get a c chart).
CHARTS = ("xmr", "p", "run", "c", "count")
BREAKDOWNS = ("none", "service", "agency", "review_outcome", "first_language", "sen_status", "phase_transfer",
              "cohort")

# The contract with metrics/derive/: record-level input -> derivation name -> the breakdown dimension it produces.
# metrics/derive implements exactly these names; a catalogue metric on a record-level input names one of them.
DERIVATIONS = MappingProxyType({
    "therapy_referrals": MappingProxyType({
        "waiting_list_size": "service",
        "referrals_received": "service",
        "median_weeks_waited": "service",
        "mean_weeks_waited": "service",
        "pct_waiting_over_18_weeks": "service",
        "waiters_52_weeks_plus": "service",
        "dna_rate": "first_language",
        "pct_seen_within_18_weeks": "service",
    }),
    "ehc_requests": MappingProxyType({
        "requests_received": "none",
        "pct_decision_within_6_weeks": "none",
        "pct_final_within_20_weeks_excl": "none",
        "pct_final_within_20_weeks_incl": "none",
        "plans_issued": "none",
        "pct_advice_within_6_weeks": "agency",
        "pct_phase_transfer_by_deadline": "phase_transfer",
    }),
    "annual_reviews": MappingProxyType({
        "pct_reviews_on_time": "none",
        "review_outcome_share": "review_outcome",
        "pct_amended_plans_on_time": "none",
    }),
})

PUBLIC_TEXT_KEYS = ("improving", "worsening", "no_change")
METRIC_REQUIRED = ("id", "title", "description", "public_text", "page", "unit", "frequency", "improvement",
                   "chart", "input", "breakdown", "source", "plan_refs", "comparators", "public")
METRIC_OPTIONAL = ("target", "target_source", "derivation", "owner", "unit_label", "decimals")
MAX_DECIMALS = 4
# Decimal places shown when the catalogue gives none: whole numbers for counts, one place otherwise.
DEFAULT_DECIMALS = {"count": 0}
PAGE_FIELDS = ("title", "nav", "intro")
SERVICE_FIELDS = ("slug", "name", "while_you_wait", "while_you_wait_text")

# ids appear in URLs (?metric=) and data files, so they stay lower-case snake_case.
METRIC_ID = re.compile(r"^[a-z][a-z0-9_]*$")
PAGE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
SERVICE_SLUG = METRIC_ID
# Seed-plan objective numbers ("3.1", "3.1.2") and written statement of action refs ("WSoA 4.1.3").
PLAN_REF = re.compile(r"^(WSoA )?\d+(\.\d+){0,2}$")

GOOD_DIRECTION_TEXT = {"increase": "higher is better", "decrease": "lower is better",
                       "neutral": "neither higher nor lower is better"}


class CatalogueError(ValueError):
    """The catalogue file cannot be used; `problems` lists every reason found."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{path}: {len(self.problems)} problem(s) in the metric catalogue:\n{lines}")


@dataclass(frozen=True)
class PublicText:
    """Family wording for the public edition, one sentence per direction of change (no SPC jargon).

    For a neutral metric, where neither direction is better, `improving` words a rise and `worsening` a fall.
    """
    improving: str
    worsening: str
    no_change: str


@dataclass(frozen=True)
class Metric:
    id: str
    title: str
    description: str
    public_text: PublicText
    page: str
    unit: str
    frequency: str
    improvement: str
    chart: str
    input: str
    breakdown: str
    source: str
    plan_refs: tuple[str, ...]
    comparators: bool
    public: bool
    target: float | None = None
    target_source: str | None = None
    derivation: str | None = None
    owner: str | None = None
    unit_label: str | None = None  # what a number is per, e.g. "per 100 pupils" (every rate has one)
    decimals: int | None = None  # published precision, where it differs from the default (see `precision`)

    @property
    def precision(self) -> int:
        """Decimal places to show: the catalogue's `decimals`, else 0 for counts and 1 for everything else."""
        return self.decimals if self.decimals is not None else DEFAULT_DECIMALS.get(self.unit, 1)

    @property
    def record_level(self) -> bool:
        """Derived from a record-level extract rather than read from metric_values."""
        return self.input != AGGREGATED_INPUT

    @property
    def higher_is_better(self) -> bool | None:
        """True / False by improvement direction; None for a neutral metric."""
        return {"increase": True, "decrease": False}.get(self.improvement)

    @property
    def good_direction_text(self) -> str:
        return GOOD_DIRECTION_TEXT[self.improvement]


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    nav: str
    intro: str


@dataclass(frozen=True)
class Service:
    slug: str
    name: str
    while_you_wait: str
    while_you_wait_text: str


@dataclass(frozen=True)
class Catalogue:
    metrics: tuple[Metric, ...]
    pages: tuple[Page, ...]
    services: tuple[Service, ...]
    _metric_by_id: dict = field(init=False, repr=False, compare=False)
    _ids: frozenset = field(init=False, repr=False, compare=False)
    _page_by_id: dict = field(init=False, repr=False, compare=False)
    _by_page: dict = field(init=False, repr=False, compare=False)
    _service_by_slug: dict = field(init=False, repr=False, compare=False)
    _service_by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        by_page = {p.id: [] for p in self.pages}
        for m in self.metrics:
            by_page[m.page].append(m)
        for name, value in (("_metric_by_id", {m.id: m for m in self.metrics}),
                            ("_ids", frozenset(m.id for m in self.metrics)),  # asked by every data address
                            ("_page_by_id", {p.id: p for p in self.pages}),
                            ("_by_page", {k: tuple(v) for k, v in by_page.items()}),
                            ("_service_by_slug", {s.slug: s for s in self.services}),
                            ("_service_by_name", {s.name: s for s in self.services})):
            object.__setattr__(self, name, value)

    @property
    def ids(self) -> frozenset[str]:
        return self._ids

    def get(self, metric_id: str) -> Metric:
        try:
            return self._metric_by_id[metric_id]
        except KeyError:
            raise KeyError(f"unknown metric id {metric_id!r}: not in the catalogue "
                           f"({len(self._metric_by_id)} metrics)") from None

    def page(self, page_id: str) -> Page:
        return _lookup(self._page_by_id, page_id, "page id")

    def by_page(self, page_id: str) -> tuple[Metric, ...]:
        """The page's metrics in catalogue file order."""
        return _lookup(self._by_page, page_id, "page id")

    def service_by_slug(self, slug: str) -> Service:
        return _lookup(self._service_by_slug, slug, "service slug")

    def service_by_name(self, name: str) -> Service:
        return _lookup(self._service_by_name, name, "service name")


def _lookup(table: dict, key: str, what: str):
    try:
        return table[key]
    except KeyError:
        raise KeyError(f"unknown {what} {key!r}; known: {', '.join(table)}") from None


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate the catalogue (default `<repo>/data/catalogue.toml`); raise CatalogueError on any problem."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(path, ["file not found"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError(path, [f"not valid TOML: {exc}"]) from None
    problems: list[str] = []
    pages = _pages(doc, problems)
    services = _services(doc, problems)
    metrics = _metrics(doc, {p.id for p in pages}, problems)
    for key in doc:
        if key not in ("pages", "service", "metric"):
            problems.append(f"unknown top-level key {key!r} (expected pages, service, metric)")
    if problems:
        raise CatalogueError(path, problems)
    return Catalogue(tuple(metrics), tuple(pages), tuple(services))


# -- validation ---------------------------------------------------------------------------------------------

def _is_text(v) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _one_of(value, allowed) -> str:
    return f"unknown value {value!r} (expected one of: {', '.join(allowed)})"


def _unknown_keys(entry: dict, known, where: str, problems: list[str]) -> None:
    for key in entry:
        if key not in known:
            problems.append(f"{where}, field {key!r}: unknown field (expected one of: {', '.join(known)})")


def _pages(doc: dict, problems: list[str]) -> list[Page]:
    table = doc.get("pages")
    if not isinstance(table, dict) or not table:
        problems.append("missing [pages.<id>] tables: at least one page is required")
        return []
    pages = []
    for page_id, entry in table.items():
        where = f"page {page_id!r}"
        if not PAGE_ID.match(page_id):
            problems.append(f"{where}, field 'id': bad id format (lower-case words joined by '-')")
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table with {', '.join(PAGE_FIELDS)}")
            continue
        if _text_fields(entry, PAGE_FIELDS, where, problems):
            pages.append(Page(page_id, *(entry[n] for n in PAGE_FIELDS)))
    return pages


def _text_fields(entry: dict, fields, where: str, problems: list[str]) -> bool:
    """Check a page or service table: every field present as non-empty text, no unknown keys."""
    ok = True
    for name in fields:
        if name not in entry:
            problems.append(f"{where}, field {name!r}: missing required field")
            ok = False
        elif not _is_text(entry[name]):
            problems.append(f"{where}, field {name!r}: must be non-empty text")
            ok = False
    _unknown_keys(entry, fields, where, problems)
    return ok


def _services(doc: dict, problems: list[str]) -> list[Service]:
    entries = doc.get("service", [])
    if not isinstance(entries, list):
        problems.append("'service' must be an array of [[service]] tables")
        return []
    services, slugs, names = [], set(), set()
    for n, entry in enumerate(entries, start=1):
        slug = entry.get("slug") if isinstance(entry, dict) else None
        where = f"service {slug!r} (entry {n})" if isinstance(slug, str) else f"service entry {n}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        if not _text_fields(entry, SERVICE_FIELDS, where, problems):
            continue
        if not SERVICE_SLUG.match(slug):
            problems.append(f"{where}, field 'slug': bad slug format (lower-case snake_case)")
        if slug in slugs:
            problems.append(f"{where}, field 'slug': duplicate slug {slug!r}")
        if entry["name"] in names:
            problems.append(f"{where}, field 'name': duplicate name {entry['name']!r}")
        if not entry["while_you_wait"].startswith("https://"):
            problems.append(f"{where}, field 'while_you_wait': must be an https:// link")
        slugs.add(slug)
        names.add(entry["name"])
        services.append(Service(*(entry[n] for n in SERVICE_FIELDS)))
    return services


def _metrics(doc: dict, page_ids: set[str], problems: list[str]) -> list[Metric]:
    entries = doc.get("metric")
    if not isinstance(entries, list) or not entries:
        problems.append("missing [[metric]] entries: at least one metric is required")
        return []
    metrics, seen = [], set()
    for n, entry in enumerate(entries, start=1):
        metric_id = entry.get("id") if isinstance(entry, dict) else None
        where = f"metric {metric_id!r} (entry {n})" if isinstance(metric_id, str) else f"metric entry {n}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        before = len(problems)
        _check_metric(entry, where, page_ids, problems)
        if isinstance(metric_id, str):
            if metric_id in seen:
                problems.append(f"{where}, field 'id': duplicate id {metric_id!r}")
            seen.add(metric_id)
        if len(problems) == before:
            metrics.append(_metric(entry))
    return metrics


def _check_metric(m: dict, where: str, page_ids: set[str], problems: list[str]) -> None:
    def bad(name: str, what: str) -> None:
        problems.append(f"{where}, field {name!r}: {what}")

    for name in METRIC_REQUIRED:
        if name not in m:
            bad(name, "missing required field")
    _unknown_keys(m, METRIC_REQUIRED + METRIC_OPTIONAL, where, problems)

    for name in ("title", "description", "source", "target_source", "owner", "unit_label"):
        if name in m and not _is_text(m[name]):
            bad(name, "must be non-empty text")
    if "id" in m and not (isinstance(m["id"], str) and METRIC_ID.match(m["id"])):
        bad("id", f"bad id format {m['id']!r} (lower-case snake_case, starting with a letter)")
    for name in ("comparators", "public"):
        if name in m and not isinstance(m[name], bool):
            bad(name, "must be true or false")

    vocab = {"page": sorted(page_ids), "unit": UNITS, "frequency": FREQUENCIES, "improvement": IMPROVEMENTS,
             "chart": CHARTS, "input": INPUTS, "breakdown": BREAKDOWNS}
    for name, allowed in vocab.items():
        if name in m and m[name] not in allowed:
            bad(name, _one_of(m[name], allowed))

    if "public_text" in m:
        text = m["public_text"]
        if not isinstance(text, dict):
            bad("public_text", f"must be a table with {', '.join(PUBLIC_TEXT_KEYS)}")
        else:
            for key in PUBLIC_TEXT_KEYS:
                if not _is_text(text.get(key)):
                    bad("public_text", f"needs non-empty text for {key!r}")
            for key in text:
                if key not in PUBLIC_TEXT_KEYS:
                    bad("public_text", f"unknown key {key!r} (expected {', '.join(PUBLIC_TEXT_KEYS)})")

    if "plan_refs" in m:
        refs = m["plan_refs"]
        if not isinstance(refs, list):
            bad("plan_refs", "must be a list of references")
        else:
            for ref in refs:
                if not (isinstance(ref, str) and PLAN_REF.match(ref)):
                    bad("plan_refs", f"bad reference {ref!r} (e.g. '3.1.2' or 'WSoA 4.1.3')")

    # The derivation must match the input: record-level inputs need one of their own, metric_values takes none.
    source_input, derivation = m.get("input"), m.get("derivation")
    if source_input == AGGREGATED_INPUT and derivation is not None:
        bad("derivation", f"{derivation!r} given, but metric_values metrics are read as they are (no derivation)")
    elif source_input in DERIVATIONS:
        known = DERIVATIONS[source_input]
        if derivation is None:
            bad("derivation", f"missing: input {source_input!r} is record level and needs one of: {', '.join(known)}")
        elif derivation not in known:
            bad("derivation", f"unknown derivation {derivation!r} for input {source_input!r} "
                              f"(expected one of: {', '.join(known)})")
        elif m.get("breakdown") in BREAKDOWNS and m["breakdown"] != known[derivation]:
            bad("breakdown", f"{m['breakdown']!r} does not match derivation {derivation!r}, "
                             f"which breaks down by {known[derivation]!r}")

    target = m.get("target")
    if target is not None:
        if isinstance(target, bool) or not isinstance(target, (int, float)):
            bad("target", "must be a number")
        else:
            if m.get("improvement") == "neutral":
                bad("target", "a neutral metric (improvement = 'neutral') cannot have a target")
            if m.get("unit") == "percent" and not 0 <= target <= 100:
                bad("target", f"{target} is not a percentage between 0 and 100")
        if "target_source" not in m:
            bad("target_source", "missing: say where the target comes from")
    elif "target_source" in m:
        bad("target_source", "given without a target")

    decimals = m.get("decimals")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int)
                                 or not 0 <= decimals <= MAX_DECIMALS):
        bad("decimals", f"must be a whole number of decimal places from 0 to {MAX_DECIMALS}")
    if m.get("unit") == "rate" and "unit_label" not in m:
        bad("unit_label", "missing: a rate must say what it is per (e.g. 'per 100 pupils')")

    # Cross-field checks only between valid values, so one typo is reported once, not twice.
    if m.get("chart") == "p" and m.get("unit") in UNITS and m["unit"] != "percent":
        bad("chart", f"a p chart is for percentages with a denominator, but unit is {m['unit']!r}")
    if m.get("chart") in ("c", "count") and m.get("unit") in UNITS and m["unit"] != "count":
        bad("chart", f"a {m['chart']} chart is for counts, but unit is {m['unit']!r}")


def _metric(m: dict) -> Metric:
    target = m.get("target")
    return Metric(
        id=m["id"], title=m["title"], description=m["description"],
        public_text=PublicText(*(m["public_text"][k] for k in PUBLIC_TEXT_KEYS)),
        page=m["page"], unit=m["unit"], frequency=m["frequency"], improvement=m["improvement"], chart=m["chart"],
        input=m["input"], breakdown=m["breakdown"], source=m["source"], plan_refs=tuple(m["plan_refs"]),
        comparators=m["comparators"], public=m["public"],
        target=float(target) if target is not None else None, target_source=m.get("target_source"),
        derivation=m.get("derivation"), owner=m.get("owner"), unit_label=m.get("unit_label"),
        decimals=m.get("decimals"))
