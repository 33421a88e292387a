"""Which audience this process serves, and what that audience may see.

`APP_EDITION=board` (the default when unset) serves the partnership board everything. `APP_EDITION=public` serves
families: area and locality aggregates of the metrics the catalogue marks `public = true`, after disclosure
control, with no record-level drill-downs and no validation detail. The variable is read once, at import. It
fails closed: any value other than exactly `board` (a typo, a different case, an empty string) gives the public
edition, and a log line says so, because showing board data to the public is the failure that matters.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from metrics import disclosure, vocabulary
from metrics.catalogue import Catalogue
from metrics.store import with_values

log = logging.getLogger(__name__)

BOARD, PUBLIC = "board", "public"
EDITIONS = (BOARD, PUBLIC)
ENV_VAR = "APP_EDITION"

# Paths the public edition serves: an allowlist, so a page added later is board-only until someone decides
# otherwise. Not served: /data (the loader's validation report names files and rows of record-level extracts)
# and /report (the board's quarterly report, with its recommendations).
PUBLIC_PATHS = frozenset({"/", "/outcome-1", "/outcome-2", "/outcome-3", "/outcome-4", "/therapy", "/ehcp",
                          "/accessibility", "/glossary", "/plan", "/funnel"})
# Breakdown dimensions that describe services, not children: safe as aggregates. The others (first language,
# SEN status) are record-level drill-downs into children's characteristics and stay with the board.
PUBLIC_BREAKDOWNS = frozenset({"none", "service", "agency", "review_outcome", "phase_transfer", "cohort"})


def edition_of(environ: Mapping[str, str]) -> str:
    """The edition APP_EDITION names: `board` when unset or exactly "board", otherwise `public` (fail closed). The
    one reading of the variable: the app, its response cache and the scripts all call it."""
    raw = environ.get(ENV_VAR)
    return BOARD if raw is None or raw == BOARD else PUBLIC


def read_edition(environ: Mapping[str, str] | None = None) -> str:
    """The edition to serve (`edition_of` the environment), said once in the log."""
    environ = os.environ if environ is None else environ
    edition = edition_of(environ)
    raw = environ.get(ENV_VAR)
    if raw is not None and raw not in (BOARD, PUBLIC):
        log.warning("%s=%.40r is neither 'board' nor 'public': serving the public edition (fail closed)",
                    ENV_VAR, raw)
    log.info("Serving the %s edition", edition)
    return edition


APP_EDITION = read_edition()


@dataclass(frozen=True)
class Policy:
    """What an audience may see, as facts the view model reads; nothing outside this module compares edition
    names. The public edition draws no per-point limits: a p chart's limits give each point's denominator back
    (n = p(1-p) / ((limit - p) / 3)^2), and with it the numerator."""
    audience: str
    words: vocabulary.Words
    limits: bool  # per-point SPC limits drawn, tabled and downloaded
    spc_terms: bool  # Making Data Count icons and sentences (else the family icon and words)
    records: bool  # record-level drill-downs
    counts_behind: bool  # numerators and denominators in tables and downloads
    internal: bool  # plan references, owners, data-quality detail, the data page and the report


POLICIES = {
    BOARD: Policy(BOARD, vocabulary.BOARD, limits=True, spc_terms=True, records=True, counts_behind=True,
                  internal=True),
    PUBLIC: Policy(PUBLIC, vocabulary.PUBLIC, limits=False, spc_terms=False, records=False, counts_behind=False,
                   internal=False),
}


def policy(edition: str | None = None) -> Policy:
    """The policy of `edition` (default: this process's APP_EDITION)."""
    return POLICIES[edition or APP_EDITION]


def serves_path(edition: str, path: str) -> bool:
    """Whether the edition has a page at `path` (the board edition has every page)."""
    return edition == BOARD or path in PUBLIC_PATHS


def serves_metric(edition: str, metric) -> bool:
    """The board sees every metric; the public only those the catalogue marks `public = true`."""
    return edition == BOARD or metric.public is True


def serves_breakdown(edition: str, metric, breakdown: str) -> bool:
    """`All` for any metric the edition serves; other breakdown values only where they describe services."""
    if not serves_metric(edition, metric):
        return False
    return edition == BOARD or breakdown == "All" or metric.breakdown in PUBLIC_BREAKDOWNS


def serves_records(edition: str) -> bool:
    """Record-level drill-downs (waiters by band, missed appointments by group, casework funnels): board only."""
    return edition == BOARD


# -- the public store -----------------------------------------------------------------------------------------

def get_store(edition: str | None = None):
    """The store this edition draws from: the loaded store for the board, its public copy for the public.

    Pages, components and downloads take their data from here, never from `metrics.store.get_store` directly,
    so nothing in a public process can reach board-only data.
    """
    from metrics.store import get_store as loaded_store  # the loader and its inputs, imported when first needed

    store = loaded_store()
    return store if (edition or APP_EDITION) == BOARD else public_store(store)


_lock = threading.Lock()
_published: dict[str, object] = {}  # store version -> its public copy (one entry: the current data version)


def public_store(store, thresholds: disclosure.Thresholds | None = None):
    """A copy of `store` fit for the public: only public metrics and breakdowns, disclosure control applied
    before any chart is computed, no record-level tables, no validation detail. Kept per data version.
    """
    with _lock:
        cached = _published.get(store.version)
        if cached is None:
            cached = _publish(store, thresholds or disclosure.load_thresholds(store.data_dir / "disclosure.toml"))
            _published.clear()
            _published[store.version] = cached
        return cached


def _publish(store, thresholds: disclosure.Thresholds):
    """The public copy: disclosure.publish (data/disclosure.toml's rules, these thresholds) over the public metrics'
    area and locality rows and the comparators; no numerator or denominator survives into it."""
    metrics = tuple(m for m in store.catalogue.metrics if serves_metric(PUBLIC, m))
    by_id = {m.id: m for m in metrics}
    # The data folder's own rules: their relations name its catalogue's measures (another area, another file).
    rules = disclosure.load_rules(store.data_dir / "disclosure.toml", catalogue=store.catalogue)
    rules = dataclasses.replace(rules, thresholds=thresholds)
    v = store.values
    broken_down = [m.id for m in metrics if m.breakdown in PUBLIC_BREAKDOWNS]  # as serves_breakdown decides
    keep = v["metric_id"].isin(list(by_id)) & ((v["breakdown"] == "All") | v["metric_id"].isin(broken_down))
    values = disclosure.publish(v[keep.to_numpy()].reset_index(drop=True), {m.id: m.unit for m in metrics},
                                area=store.area.name, localities=store.area.localities, rules=rules)
    inputs = {name: {k: x for k, x in info.items() if k != "reason"} |
              {"reason": "" if info.get("available") else "Not available at the moment."}
              for name, info in store.inputs.items()}
    return with_values(
        store, values, version=f"{store.version}-public", records={}, problems=[], inputs=inputs,
        catalogue=Catalogue(metrics, store.catalogue.pages, store.catalogue.services),
        unavailable={k: why for k, why in store.unavailable.items() if k in by_id})
