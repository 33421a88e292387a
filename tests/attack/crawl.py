"""Everything an anonymous visitor of the public edition can fetch, written to one JSON file.

    APP_EDITION=public DATA_DIR=... python -m tests.attack.crawl OUT.json [--pages]

Run in its own process, because the edition is read once per process at import. It imports the real app and asks
its Flask test client, as a browser would: for every public measure, the whole area and each locality, and each
breakdown value it has, every chart's CSV download and figure (`/download/<id>.csv`, `/figure/<id>.json`, charts
0, 1, ... until one is not found), the aggregate drill-down views' downloads and figures, the overview's CSV for
each locality, and with --pages every public page for every locality (on the therapy page every service) through
the router callback. It also dumps the public store the views draw from, which must already be what the public may
see. Any answer other than 200 (a chart number past the last is 404 by design) is listed under `errors`.
"""
from __future__ import annotations

import json
import os
import sys
import time
from urllib.parse import quote

ROUTER = "page-content.children"
MAX_CHARTS = 6
DRILLS = ("therapy-demand", "ehcp-review-outcomes")


def router_body(path: str, search: str) -> dict:
    return {"output": ROUTER, "outputs": {"id": "page-content", "property": "children"},
            "inputs": [{"id": "route-path", "property": "data", "value": path}],
            "state": [{"id": "url", "property": "search", "value": search}],
            "changedPropIds": ["route-path.data"]}


def crawl(pages: bool) -> dict:
    started = time.monotonic()
    import app  # noqa: PLC0415 - the edition is read at import
    from metrics import edition, urlstate

    assert app.EDITION == edition.PUBLIC, "run with APP_EDITION=public"
    client = app.server.test_client()
    client.get("/")
    store = edition.get_store()
    vocab = urlstate.vocabulary(store)
    v = store.values
    out = {"store": {c: (v[c].astype(str) if c == "period_start" else v[c]).tolist()
                     for c in ("metric_id", "period_type", "period_start", "area", "breakdown", "value",
                               "numerator", "denominator", "status", "suppression")},
           "csv": [], "figures": [], "other": {}, "pages": {}, "errors": []}

    def charts(view: str, query: str, key: dict) -> None:
        for n in range(MAX_CHARTS):
            href = f"/download/{view}.csv?{query}&chart={n}"
            r = client.get(href)
            if r.status_code == 404 and n:
                return  # past the view's last chart
            if r.status_code != 200:
                out["errors"].append([href, r.status_code])
                return
            out["csv"].append({**key, "chart": n, "href": href, "text": r.get_data(as_text=True)})
            r = client.get(f"/figure/{view}.json?{query}&chart={n}")
            if r.status_code == 200:
                out["figures"].append({**key, "chart": n, "figure": r.get_json()["figure"]})
            elif r.status_code != 404:  # a chart may have a table and no figure
                out["errors"].append([f"/figure/{view}.json?{query}&chart={n}", r.status_code])

    for metric in store.catalogue.metrics:
        for slug, place in vocab.localities.items():
            for part in store.breakdowns(metric.id, place) or ["All"]:
                query = f"locality={slug}" + (f"&part={quote(part)}" if part != "All" else "")
                charts(metric.id, query, {"metric": metric.id, "place": place, "breakdown": part})
    for view in DRILLS:
        for slug, place in vocab.localities.items():
            for service in ["", *(f"&service={s}" for s in vocab.services)] if view == "therapy-demand" else [""]:
                charts(view, f"locality={slug}{service}", {"metric": view, "place": place, "breakdown": service})
    for slug in vocab.localities:
        r = client.get(f"/download/overview.csv?locality={slug}")
        out["other"][f"/download/overview.csv?locality={slug}"] = r.get_data(as_text=True)
        if r.status_code != 200:
            out["errors"].append([f"/download/overview.csv?locality={slug}", r.status_code])
    if pages:
        for path in sorted(edition.PUBLIC_PATHS - {"/accessibility", "/glossary"}):
            services = [""] + ([f"&service={s}" for s in vocab.services] if path == "/therapy" else [])
            for slug in vocab.localities:
                for service in services:
                    search = f"?locality={slug}{service}"
                    r = client.post("/_dash-update-component", json=router_body(path, search))
                    if r.status_code != 200:
                        out["errors"].append([path + search, r.status_code])
                        continue
                    out["pages"][path + search] = r.get_json()
    out["seconds"] = round(time.monotonic() - started, 1)
    return out


def main(argv: list[str]) -> int:
    target = argv[0]
    result = crawl("--pages" in argv)
    with open(target, "w", encoding="utf-8") as f:
        json.dump(result, f, allow_nan=True)
    print(f"crawled {len(result['csv'])} CSVs, {len(result['figures'])} figures and {len(result['pages'])} pages "
          f"in {result['seconds']} s ({os.environ.get('DATA_DIR') or 'default data'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
