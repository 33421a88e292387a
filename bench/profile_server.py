"""Where the server's time goes: the app in this process (Flask's test client calls it as a gunicorn worker would,
through every hook: the security gate, the response cache, compression, the request log), under cProfile, for chart
requests of views nobody asked for before, for the same charts asked again, and for the page-body redraws of the
slowest filter changes in the browser (the `sync_url` callback, which draws the page's body for the new State,
components/page.py).

`python -m bench.profile_server [--views 300]` prints the result; `python -m bench` (full and quick runs) keeps it
under "server_profile" in bench/results.json and BENCHMARKS.md shows it. The chart addresses are those of
/outcome-1's page body (the router's answer), each under windows not asked for before (bench/distinct.py). The cache
folder is a throwaway one; the background precompute is waited for, so it does not share the profile.

Each request's wall time is split into what the named functions take (cumulative time: a function and everything it
calls; a part inside another is not subtracted from it, so the parts can add up to more than the whole). The
functions taking the most time of their own (`tottime`) follow.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import distinct

PAGE = "/outcome-1"
ENCODING = "gzip, deflate, br, zstd"  # what Chromium asks for
# (label, file suffix, function name): the parts of a request, from the outside in.
PARTS = (
    ("the whole request (Flask's WSGI call)", "flask/app.py", "wsgi_app"),
    ("security gate before the request (components/security.py)", "components/security.py", "_gate"),
    ("the chart route (components/routes.py chart_html)", "components/routes.py", "chart_html"),
    ("response cache look-up (SharedStore.get: memory, then folder)", "components/cache.py", "get"),
    ("response cache look-up, memory only (SharedStore.get_here: windows of a quickly drawn path)",
     "components/cache.py", "get_here"),
    ("building the chart's bytes (the route's build)", "components/routes.py", "build"),
    ("resolving the chart (metrics/view/registry.py resolve_chart)", "metrics/view/registry.py", "resolve_chart"),
    ("the chart's view model (metrics/view/measure.py _chart)", "metrics/view/measure.py", "_chart"),
    ("SPC of the window (metrics/store.py _analysis)", "metrics/store.py", "_analysis"),
    ("the chart's SVG (components/spc_svg.py spc_svg)", "components/spc_svg.py", "spc_svg"),
    ("response cache store (SharedStore.set: memory and folder)", "components/cache.py", "set"),
    ("compression (flask-compress after_request)", "flask_compress/flask_compress.py", "after_request"),
)
REDRAW_PARTS = (
    ("the whole request (Flask's WSGI call)", "flask/app.py", "wsgi_app"),
    ("security gate: the callback body checked (components/security.py)", "components/security.py", "_gate"),
    ("Dash's dispatch of the callback", "dash/backends/_flask.py", "_dispatch"),
    ("the filter change's callback (components/page.py sync_url)", "components/page.py", "sync_url"),
    ("the page's view (metrics/view/pages.py build_page)", "metrics/view/pages.py", "build_page"),
    ("the page body's HTML (Jinja2 templates, components/html.py render)", "components/html.py", "render"),
    ("the callback response's JSON (dash._utils.to_json)", "dash/_utils.py", "to_json"),
    ("compression (flask-compress after_request)", "flask_compress/flask_compress.py", "after_request"),
)
# Page-body redraws profiled: (label, page, query before, query after); each is sent alternately from both sides.
REDRAWS = (
    ("Board overview: Assurance → any, after failing", "overview", {"assurance": "fail"}, {}),
    ("Board overview: Locality → Central", "overview", {}, {"locality": "central"}),
    ("EHC plans: Locality → Central", "ehcp", {}, {"locality": "central"}),
)


def _chart_urls(client) -> list[str]:
    from bench.faults import _router, router_body
    from app import app

    router = _router({**v, "output": k} for k, v in app.callback_map.items())
    r = client.post("/_dash-update-component", json=router_body(router, PAGE))
    if r.status_code != 200:
        raise RuntimeError(f"the router answered {r.status_code} for {PAGE}")
    return list(dict.fromkeys(distinct.page_charts(r.data)))


def _wait_for_precompute(timeout_s: float = 600) -> float:
    t0 = time.perf_counter()
    while any(t.name == "spc-precompute" for t in threading.enumerate()):
        if time.perf_counter() - t0 > timeout_s:
            break
        time.sleep(0.1)
    return round(time.perf_counter() - t0, 1)


def _parts(stats: pstats.Stats, n: int, parts=PARTS) -> list[dict]:
    out = []
    for label, suffix, name in parts:
        cum = calls = 0
        for (file, _, func), (_, ncalls, _, ct, _) in stats.stats.items():
            if func == name and (file.endswith(suffix) or suffix == "~" and file == "~"):
                cum, calls = cum + ct, calls + ncalls
        out.append({"part": label, "ms_per_request": round(cum * 1000 / n, 3), "calls_per_request":
                    round(calls / n, 2)})
    return out


def _top(stats: pstats.Stats, n: int, top: int) -> list[dict]:
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]
    root = str(Path(__file__).resolve().parent.parent) + "/"
    return [{"function": f"{func} ({file.replace(root, '').split('site-packages/')[-1]}:{line})",
             "own_ms_per_request": round(tt * 1000 / n, 3), "cum_ms_per_request": round(ct * 1000 / n, 3)}
            for (file, line, func), (_, _, tt, ct, _) in rows]


def _timed(client, requests: list) -> float:
    """ms per request without the profiler (its own cost falls on Python-heavy code most)."""
    t0 = time.perf_counter()
    for r in requests:
        _send(client, r)
    return round((time.perf_counter() - t0) * 1000 / len(requests), 3)


def _send(client, request) -> int:
    """A GET of a URL, or a POST of a callback body (a dict)."""
    if isinstance(request, str):
        return client.get(request, headers={"Accept-Encoding": ENCODING}).status_code
    return client.post("/_dash-update-component", json=request, headers={"Accept-Encoding": ENCODING}).status_code


def _profiled(client, requests: list, top: int, parts=PARTS) -> dict:
    prof = cProfile.Profile()
    statuses: dict[str, int] = {}
    t0 = time.perf_counter()
    prof.enable()
    for r in requests:
        status = str(_send(client, r))
        statuses[status] = statuses.get(status, 0) + 1
    prof.disable()
    wall = time.perf_counter() - t0
    stats = pstats.Stats(prof)
    n = len(requests)
    return {"requests": n, "statuses": statuses, "wall_ms_per_request": round(wall * 1000 / n, 3),
            "parts": _parts(stats, n, parts), "top_own_time": _top(stats, n, top)}


def redraw_body(page: str, query: dict) -> dict:
    """A `sync_url` callback body (components/page.py) that draws the page's body for `query`: its State sent
    back with no filter changed, as a change leaves it."""
    from components.page import page_state_data
    from metrics import urlstate
    from metrics.edition import get_store

    vocab = urlstate.vocabulary(get_store())
    state, notices = urlstate.decode(page, query, vocab)
    data = {**page_state_data(state, notices, vocab, page), "push": True}
    from app import app
    output = next(k for k in app.callback_map if "page-body.children" in k)
    return {"output": output, "outputs": [{"id": "page-state", "property": "data"}, [],
                                          {"id": "view-description", "property": "children"},
                                          {"id": "page-body", "property": "children"}],
            "inputs": [[], {"id": "url-popped", "property": "data", "value": None}],
            "state": [{"id": "page-state", "property": "data", "value": data}],
            "changedPropIds": ["page-state.data"]}


def redraws(client, *, repeat: int, top: int) -> dict:
    out = {}
    for label, page, before, after in REDRAWS:
        bodies = [redraw_body(page, before), redraw_body(page, after)]
        for b in bodies:  # warm: the views behind both sides are cached, as in the browser's measured changes
            _send(client, b)
        sent = (bodies * repeat)[:max(2, repeat)]
        out[label] = {**_profiled(client, sent, top, REDRAW_PARTS), "unprofiled_ms_per_request": _timed(client, sent)}
    return out


def _status_mb() -> dict:
    """This process's resident memory (MiB): all of it, anonymous (the heaps) and file-backed (code, mapped files)."""
    keys = {"VmRSS": "rss_mb", "RssAnon": "anon_mb", "RssFile": "file_mb"}
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in keys:
            out[keys[k]] = int(v.split()[0]) // 1024
    return out


def memory(client, supply: distinct.Supply, views: int, top: int = 12) -> dict:
    """What a worker holds after `views` distinct chart views: each in-memory cache emptied first, then the views
    sent under tracemalloc (Python's own allocations, numpy's included), then each cache emptied in turn and what
    that gave back. The response cache's nominal size (the bytes it counts against its budget) is beside what its
    entries really hold: orjson's output keeps the buffer it grew, not its length (home-assistant/core#181245)."""
    import gc
    import tracemalloc

    from components.cache import cache as response_cache
    from metrics.edition import get_store
    from metrics.view import measure

    store = get_store()
    with client.application.app_context():
        layers = response_cache.cache.layers
    caches = {
        "response cache in the worker's memory (components/cache.py Layers)":
            lambda: (layers.recent.clear(), setattr(layers, "size", 0)),
        "measure views (metrics/view/measure.py _views)": measure._views.clear,
        "SPC per window (Store._analysis_cached)": store._analysis_cached.cache_clear,
        "series columns and frames per window (Store._columns, Store._series)":
            lambda: (store._columns.cache_clear(), store._series.cache_clear()),
    }
    for clear in caches.values():
        clear()
    gc.collect()
    before = _status_mb()
    tracemalloc.start()
    for r in supply.take(views):
        client.get(r.path, headers={"Accept-Encoding": ENCODING})
    gc.collect()
    after = _status_mb()
    traced = tracemalloc.get_traced_memory()[0]
    by_file = tracemalloc.take_snapshot().statistics("filename")[:top]
    nominal = layers.size
    entries = {"response cache": len(layers.recent), "measure views": len(measure._views),
               "SPC per window": len(store._analysis_cached.memo.windowed),
               "columns per window": len(store._columns.memo.windowed)}
    freed = {}
    for label, clear in caches.items():
        was = tracemalloc.get_traced_memory()[0]
        clear()
        gc.collect()
        freed[label] = round((was - tracemalloc.get_traced_memory()[0]) / 2**20, 1)
    tracemalloc.stop()
    root = str(Path(__file__).resolve().parent.parent) + "/"
    return {"views": views, "rss_before": before, "rss_after": after, "traced_mb": round(traced / 2**20, 1),
            "entries": entries, "response_cache_nominal_mb": round(nominal / 2**20, 1), "freed_mb": freed,
            "traced_by_file": [[str(st.traceback[0].filename).replace(root, "").split("site-packages/")[-1],
                                round(st.size / 2**20, 1), st.count] for st in by_file]}


def run(*, views: int = 300, top: int = 20, memory_views: int = 0) -> dict:
    cache = tempfile.mkdtemp(prefix="bench-profile-cache-")
    os.environ["CACHE_DIR"] = cache
    import app as wired
    from metrics import urlstate
    from metrics.edition import get_store

    client = wired.server.test_client()
    client.get("/")  # Dash completes its callback map on the first request
    waited = _wait_for_precompute()
    charts = _chart_urls(client)
    vocab = urlstate.vocabulary(get_store())
    months = {url: distinct.figure_months(client.get(distinct.figure_address(url)).data) for url in charts}
    supply = distinct.Supply(distinct.views(months, vocab.first_month, vocab.last_month))
    for r in supply.take(min(60, views)):  # warm: imports, first-call costs
        client.get(r.path, headers={"Accept-Encoding": ENCODING})
    out = {"page": PAGE, "charts": len(charts), "views_available": len(supply.requests),
           "precompute_waited_s": waited, "distinct": _profiled(client, [r.path for r in supply.take(views)], top)}
    out["distinct"]["unprofiled_ms_per_request"] = _timed(client, [r.path for r in supply.take(views)])
    repeated = (charts * (views // len(charts) + 1))[:views]
    out["repeated"] = _profiled(client, repeated, top)
    out["repeated"]["unprofiled_ms_per_request"] = _timed(client, repeated)
    out["redraws"] = redraws(client, repeat=max(10, views // 10), top=top)
    if memory_views:
        out["memory"] = memory(client, supply, memory_views)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_server", description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=300)
    parser.add_argument("--memory-views", type=int, default=0,
                        help="distinct views sent under tracemalloc for what a worker holds (0: not measured)")
    args = parser.parse_args(argv)
    json.dump(run(views=args.views, memory_views=args.memory_views), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
