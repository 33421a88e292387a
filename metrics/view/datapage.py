"""The Data and definitions page (board) and the glossary (both editions), as tables of the view model.

The data page says what every measure means, where its numbers come from, how fresh each input is, which
published files were loaded, what the loader found wrong, and which measures are unavailable and why; it also
counts, per measure, whether its figures are published, extracted or synthetic and for which places.
"""
from __future__ import annotations

import pandas as pd

from metrics import urlstate
from metrics.edition import Policy
from metrics.vocabulary import GLOSSARY
from metrics.view.tables import cell, make_table

DATE_COLUMN = {"therapy_referrals": "referral_date", "ehc_requests": "request_date",
               "annual_reviews": "review_due_date"}
CHART_WORDS = {"xmr": "XmR", "p": "p chart", "run": "Run chart", "c": "c chart"}


def matches(metric, query: str) -> bool:
    text = " ".join([metric.id, metric.title, metric.description, metric.source, metric.page, metric.owner or "",
                     *metric.plan_refs]).lower()
    return all(word in text for word in query.lower().split())


def kind_of_data(store, metric) -> str:
    """What a measure's figures are, from the data itself: unavailable, synthetic, or published/extracted, and
    whether the localities have their own."""
    if metric.id in store.unavailable:
        return store.unavailable[metric.id]
    rows = store.metric_values(metric.id)
    local = rows[rows["area"].isin(store.areas)]
    if not len(local):
        return "No data loaded"
    real = local[~local["synthetic"].astype(bool)]
    kind = "Published or extracted data" if len(real) else "Synthetic demonstration data"
    if len(real) and len(real) < len(local):
        kind = "Published or extracted data, with a synthetic local series"
    places = set(local["area"])
    where = "for every locality" if all(loc in places for loc in store.area.localities) else \
        f"for {store.area.name} as a whole only"
    return f"{kind}, {where}"


def catalogue_table(store, query: str = ""):
    pages = {p.id: p.nav for p in store.catalogue.pages}
    rows = []
    for m in store.catalogue.metrics:
        if query and not matches(m, query):
            continue
        comes_from = m.input.replace("_", " ") + (f" ({m.derivation.replace('_', ' ')})" if m.derivation else "")
        rows.append([
            cell(m.id, f"{m.title} ({m.id}): {m.description}"), cell(pages.get(m.page, m.page)),
            cell(m.good_direction_text.capitalize()),
            cell("" if m.target is None else m.target,
                 "None set" if m.target is None else f"{m.target:g} ({m.target_source})"),
            cell(CHART_WORDS.get(m.chart, m.chart)), cell(f"{comes_from}: {m.source}"), cell(", ".join(m.plan_refs)),
            cell(m.owner or "Not named"),
            cell(m.comparators, "England and statistical neighbours" if m.comparators else "None published"),
            cell(kind_of_data(store, m)),
        ])
    return make_table("The metric catalogue: every measure on the dashboard",
                      [("measure", "Measure"), ("page", "Page"), ("good_direction", "Good direction"),
                       ("target", "Target"), ("chart", "Chart"), ("comes_from", "Comes from"),
                       ("plan_references", "Plan references"), ("owner", "Owner"), ("comparators", "Comparators"),
                       ("data", "Data")], rows, "catalogue")


def inputs_table(store):
    rows = []
    for name, info in store.inputs.items():
        first = last = ""
        frame = store.records.get(name)
        if frame is not None and DATE_COLUMN.get(name) in frame.columns and frame.height:
            col = frame[DATE_COLUMN[name]]
            first, last = str(col.min()), str(col.max())
        elif name == "metric_values" and len(store.values):
            ids = {m.id for m in store.catalogue.metrics if not m.record_level}
            periods = store.values.loc[store.values["metric_id"].isin(ids), "period_start"]
            if len(periods):
                first, last = str(periods.min().date()), str(periods.max().date())
        mtimes = []
        for f in info.get("files", []):
            try:
                mtimes.append((store.data_dir / f).stat().st_mtime)
            except OSError:
                pass
        modified = pd.Timestamp(max(mtimes), unit="s").strftime("%d %B %Y %H:%M UTC") if mtimes else ""
        status = "Loaded" if info.get("available") else f"Not usable: {info.get('reason', '')}"
        provenance = ("Synthetic demonstration data. " if info.get("synthetic") else "") + str(info.get("source", ""))
        rows.append([cell(name.replace("_", " ").capitalize()), cell(status), cell(int(info.get("rows", 0)),
                                                                                   f"{int(info.get('rows', 0)):,}"),
                     cell(f"{first} to {last}" if first else ""), cell(modified), cell(provenance),
                     cell(", ".join(info.get("files", [])) or "None found")])
    return make_table("Each input: whether it loaded, what it covers and where it comes from",
                      [("input", "Input"), ("status", "Status"), ("rows", "Rows"), ("covers", "Covers"),
                       ("last_updated", "Last updated"), ("provenance", "Provenance"), ("files", "Files")],
                      rows, "inputs")


def ingested_table(store):
    from metrics.ingest import log as ingest_log  # the ingest pipeline loads only for this page

    rows = []
    for e in ingest_log.latest_by_file(store.data_dir):
        periods = e.get("periods") or []
        rows.append([cell(e["file"]), cell(f"{e.get('source', '')} {e.get('release') or ''}".strip()),
                     cell(f"{min(periods)} to {max(periods)}" if periods else ""),
                     cell(int(e.get("rows_written", 0)), f"{int(e.get('rows_written', 0)):,}"),
                     cell(len(e.get("warnings") or [])), cell(str(e.get("loaded_at", ""))[:16].replace("T", " ")),
                     cell(e.get("sha256", "")[:12])])
    return make_table("Each published file ingested: where it came from, what it covers, and its checksum",
                      [("file", "File"), ("source", "Source and release"), ("periods", "Periods covered"),
                       ("rows_written", "Rows written"), ("warnings", "Warnings"), ("loaded_at", "Loaded (UTC)"),
                       ("sha256", "SHA-256")], rows, "ingested_files")


def data_page(store, state):
    from metrics.view.pages import PageView, page_specs

    spec = page_specs(store.catalogue)["data"]
    return PageView("data", spec.title, "What every measure means, where its numbers come from, how fresh they "
                                         "are, and anything the loader found wrong with the data.", (), "", (),
                    extra={"catalogue": catalogue_table(store), "inputs": inputs_table(store),
                           "ingested": ingested_table(store),
                           "problems": tuple(str(p) for p in store.problems),
                           "errors": sum(p.severity == "error" for p in store.problems),
                           "unavailable": tuple((store.catalogue.get(k).title if k in store.catalogue.ids else k, why)
                                                for k, why in store.unavailable.items()),
                           "total": len(store.catalogue.metrics)})


def glossary_table(pol: Policy):
    rows = [[cell(term), cell(pol.words.make_plain(meaning))] for term, meaning in GLOSSARY]
    if pol.spc_terms:
        rows += [[cell(t), cell(m)] for t, m in BOARD_TERMS]
    return make_table("The words this dashboard uses, explained", [("term", "Word"), ("meaning", "What it means")], rows,
                      "glossary")


BOARD_TERMS = (
    ("SPC chart", "A statistical process control chart: the values over time with their mean and process limits, "
                  "as NHS England's Making Data Count programme draws them."),
    ("Common cause variation", "Ups and downs within the process limits: no sign of a real change."),
    ("Special cause", "A change too large or too lasting to be chance: a value outside the limits, 7 periods in a "
                      "row above or below the mean, 7 in a row each higher (or lower) than the one before, or two "
                      "of three values beyond two sigma on one side."),
    ("Process limits", "The range the values are expected to stay within if nothing has changed (the mean plus "
                       "and minus three sigma)."),
    ("Trial limits", "Limits worked out from fewer than 13 points: they may move as more data arrive."),
    ("Assurance", "Whether the target will be met consistently (passing), never (failing) or only some of the "
                  "time (hit and miss), judged by where the target lies against the process limits."),
    ("Rebase", "A point the analyst marks in the intervention log where the process changed, so the limits are "
               "worked out again from there."),
    ("Statistical neighbours", "The local areas the Department for Education's model finds most like ours."),
)


__all__ = ["data_page", "glossary_table", "catalogue_table", "urlstate"]
