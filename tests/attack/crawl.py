"""Everything an anonymous visitor of the public edition can fetch, written to one JSON file.

    APP_EDITION=public DATA_DIR=... python -m tests.attack.crawl OUT.json [--pages]

Run in its own process, because the edition is read once per process at import. It imports the real app and asks
its Flask test client, as a browser would: every public CSV download (each public measure, for the whole area and
each locality, and each breakdown value it has), and with --pages every public page for every locality (and on
the therapy page every service) through the router callback, whose JSON carries the charts' figures. It also
dumps the public store the pages draw from, which must already be what the public may see.
"""
from __future__ import annotations

import json
import os
import sys
import time

ROUTER = "page-content.children"


def router_body(path: str, search: str) -> dict:
    return {"output": ROUTER, "outputs": {"id": "page-content", "property": "children"},
            "inputs": [{"id": "url", "property": "pathname", "value": path}],
            "state": [{"id": "url", "property": "search", "value": search}],
            "changedPropIds": ["url.pathname"]}


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
           "csv": {}, "pages": {}, "errors": []}
    for metric in store.catalogue.metrics:
        for slug, place in vocab.localities.items():
            for part in store.breakdowns(metric.id, place) or ["All"]:
                href = f"/download/{metric.id}.csv?locality={slug}" + (f"&part={part}" if part != "All" else "")
                r = client.get(href)
                if r.status_code != 200:
                    out["errors"].append([href, r.status_code])
                    continue
                out["csv"][href] = r.get_data(as_text=True)
    if pages:
        for path in sorted(edition.PUBLIC_PATHS - {"/accessibility"}):
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
    print(f"crawled {len(result['csv'])} CSVs and {len(result['pages'])} pages in {result['seconds']} s "
          f"({os.environ.get('DATA_DIR') or 'default data'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
