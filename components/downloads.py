"""CSV downloads of exactly what a chart card shows: `/download/<metric_id>.csv?locality=…&from=…&to=…&part=…`.

A plain link (no callback), so it works from the keyboard, in a new tab and when shared. The query goes through
the same whitelist as the page's URL; `part` (a breakdown value, e.g. a service name) must be one the data has.
The edition decides the columns (`metrics.summary.CSV_COLUMNS`): the public download has no SPC lines.
"""
from __future__ import annotations

from flask import Response, abort, request

from metrics import summary, urlstate
from metrics.edition import APP_EDITION, get_store


def register(server) -> None:
    server.add_url_rule("/download/<metric_id>.csv", "download_csv", download_csv)


def download_csv(metric_id: str):
    store = get_store()
    if metric_id not in store.catalogue.ids:
        abort(404)
    metric = store.catalogue.get(metric_id)
    vocab = urlstate.vocabulary(store)
    args = {k: (v if len(v) > 1 else v[0]) for k, v in request.args.lists() if k in urlstate.COMMON_PARAMS}
    state, _ = urlstate.decode(metric.page, args, vocab)
    area = state.area(vocab)
    part = request.args.get("part", "All")
    if part not in store.breakdowns(metric_id, area):
        part = "All"
    start, end = state.window(vocab)
    analysis = store.analysis(metric_id, area, part, start, end)
    body = summary.chart_csv(summary.chart_rows(analysis, metric), analysis, metric, APP_EDITION)
    filename = urlstate.re.sub(r"[^a-z0-9_-]+", "-", f"{metric_id}-{state.locality}-{part}".lower())
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
