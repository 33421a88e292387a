"""Load test: the real app and a trivial Dash baseline, each under the Procfile's gunicorn on 127.0.0.1.

1. The baselines (`bench/trivial_app.py`: one callback returning a short string, one GET route returning a short
   JSON body) are started, a headless browser types into the input, and the callback request the browser sent, and
   the GET, are replayed at each concurrency.
2. The real app is started with a throwaway cache folder and a browser makes each change a person would (a locality
   on an outcome page, a service on the therapy page, a locality on the board overview); every request those
   changes sent (callbacks and chart GETs), and those a page load sent, are kept byte for byte.
3. The app is started again with an empty cache (so the first replay of each request is a cold one), each request
   is sent once and checked (200, a Dash callback response or a figure), then each scenario is replayed for `duration_s` at
   each concurrency. Client latency, requests/s, errors and the server's own time (the app's `send.requests` log
   line for each request, whole milliseconds) are recorded, and the ratio of requests/s to the baseline's at the
   same concurrency.

A filter change is one callback (`sync_url`, which returns the page's new State and its body as one HTML block,
the first screen's SPC charts drawn in it) and then one GET `/chart/<id>.html?...` per other chart that comes on
the screen (assets/dashboard.js draws a chart
when it scrolls into view); all of them are captured and replayed. "The chart request" is that GET for every chart
box of /outcome-1 (whole area): replayed, it is the *repeated-view* scenario (the same few views again and again: it
measures the response cache). The *distinct-view* scenario (bench/distinct.py) sends each chart's address once per
from/to window nobody asked for before: every one is drawn. After a fill of many more distinct views both are
measured again (the same figures after 50,000 views). Two baselines run on the trivial app throughout: its Dash
callback (what the issue's goals name) and a plain Flask GET route (like for like with the chart request, which is
a GET and no longer a callback).

The browser part (bench/browser.py) runs on servers of its own: the trivial app and the app, side by side.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import browser, capture, distinct, loadgen, memory, server
from bench.capture import Change, css_id
from bench.stats import summarise
from bench.trivial_app import GET_PATH

CONCURRENCY = (1, 8, 32)
HEADLINE_CONCURRENCY = 8  # two sync workers are saturated from 2 up; 8 keeps queueing modest
APP = "app:server"
TRIVIAL = "bench.trivial_app:server"
OUT = Path(__file__).resolve().parent / "out"
BASELINES = {"callback": "vs_trivial_rps", "get": "vs_trivial_get_rps"}  # baseline -> the key of the ratio to it


def _filter(name: str) -> str:
    return css_id({"name": name, "type": "filter"})


# name -> (what it is, the change a person makes)
APP_CHANGES = {
    # From North to the whole area: most outcome measures are published for the whole area only, so this is the
    # change that redraws charts (the other way round mostly draws "no data for this locality" notes).
    "outcome_locality": ("Locality change on an outcome page (/outcome-1, North → whole area): every request",
                         Change("/outcome-1?locality=north", _filter("locality"), "area")),
    "therapy_service": ("Service change on the therapy page (/therapy → Speech and language therapy)",
                        Change("/therapy", _filter("service"), "slt")),
    "overview_locality": ("Locality change on the board overview (/ → Central): every request it sends",
                          Change("/", _filter("locality"), "central")),
}
CHART_PAGE = "outcome_locality"  # the chart requests are every chart box of this change's page, after it
TRIVIAL_CHANGE = Change("/", css_id("text"), "b", how="type")
PAGE_GET = "/outcome-1?locality=north"


@dataclass
class Scenario:
    name: str
    description: str
    requests: list[loadgen.Request]

    @property
    def labels(self) -> list[str]:
        return [_label(r) for r in self.requests]


def _short(text: str, most: int = 90) -> str:
    return text if len(text) <= most else text[:most - 3] + "..."


def _label(r: loadgen.Request) -> str:
    """GET path and query, or the callback's output; a pattern-matching output is named by the concrete id."""
    if r.method == "GET":
        return f"GET {_short(r.path)}" + (f" from {_short(r.referer, 40)}" if r.referer else "")
    body = json.loads(r.body)
    outputs = body.get("outputs")
    if isinstance(outputs, dict) and isinstance(outputs.get("id"), dict):
        output = json.dumps(outputs["id"], sort_keys=True, separators=(",", ":")) + "." + outputs["property"]
    else:
        output = body.get("output", "")
    return "POST " + _short(output)


def _requests(sent: list[dict]) -> list[loadgen.Request]:
    """loadgen requests from what a browser sent (bench/capture.py)."""
    return [loadgen.Request(s.get("method", "POST"), s["url"], (s.get("body") or "").encode(),
                            referer=s.get("referer") or "") for s in sent]


# -- sending each request once, and checking it ---------------------------------------------------------------

def _charts(r: loadgen.Request, body: bytes) -> int:
    """Figures in a response: 1 for a chart's figure, or the chart boxes a page body names (each drawn by a GET)."""
    if r.method == "GET" and not r.path.endswith("/_dash-layout"):  # a layout is a page body's JSON, like a callback's
        return int((r.path.startswith("/figure/") and body.startswith(b'{"figure"'))
                   or (r.path.startswith("/chart/") and b'<div class="svg-chart">' in body))
    try:
        return len(distinct.page_charts(body))
    except ValueError:
        return 0


def check(port: int, requests: list[loadgen.Request], timeout_s: float = 55) -> list[dict]:
    """Send each request once: status, response size, time, and whether it got a proper answer (a Dash callback
    response, a figure, a page). A request that fails (no answer in `timeout_s`, a dropped connection) is recorded
    as not ok, not raised."""
    out = []
    for r in requests:
        row = {"request": _label(r), "status": None, "ok": False, "bytes": 0, "first_ms": None, "charts": 0}
        conn = http.client.HTTPConnection(server.HOST, port, timeout=timeout_s)
        t0 = time.perf_counter()
        try:
            conn.request(r.method, r.path, body=r.body or None, headers=r.headers(server.HOST, port))
            resp = conn.getresponse()
            body = resp.read()
        except OSError as exc:
            row["error"] = f"{type(exc).__name__}: {exc}"
            out.append(row)
            continue
        finally:
            conn.close()
        ok = resp.status == 200
        if ok and (r.method == "POST" or r.path.startswith("/figure/")):
            try:
                got = json.loads(body)
                ok = "response" in got if r.method == "POST" else "figure" in got
            except ValueError:
                ok = False
        row.update(status=resp.status, ok=ok, bytes=len(body), first_ms=round((time.perf_counter() - t0) * 1000, 2),
                   charts=_charts(r, body))
        out.append(row)
    return out


def answer(port: int, r: loadgen.Request) -> bytes:
    conn = http.client.HTTPConnection(server.HOST, port, timeout=60)
    try:
        conn.request(r.method, r.path, body=r.body or None, headers=r.headers(server.HOST, port))
        return conn.getresponse().read()
    finally:
        conn.close()


# -- server time from the app's request log (components.security: "... send.requests: METHOD PATH STATUS <ms>ms") --
# The Procfile has no gunicorn access log: it would repeat these lines, and it writes a %0A in a path as a real
# newline. These time a request from Flask's first hook to its last, so they leave out gunicorn's own share.

_REQUEST = re.compile(rb" send\.requests: [A-Z]+ .* (\d{3}) (\d+)ms$")


def server_times(log: Path, start: int) -> dict:
    """Summary of the server's own milliseconds for the requests logged after byte offset `start`."""
    with open(log, "rb") as f:
        f.seek(start)
        ms = [float(m.group(2)) for line in f.read().splitlines() if (m := _REQUEST.search(line))]
    s = summarise(ms)
    return {"server_requests": len(ms), "server_p50_ms": s["p50_ms"], "server_p95_ms": s["p95_ms"]}


def drive(srv: server.Server, scenario: Scenario, *, concurrency=CONCURRENCY, duration_s: float) -> dict:
    """Replay a scenario at each concurrency; returns {"<c>": loadgen summary + server times}."""
    runs = {}
    for c in concurrency:
        start = srv.log.stat().st_size
        result = loadgen.run(server.HOST, srv.port, scenario.requests, concurrency=c, duration_s=duration_s)
        for label, each in zip(scenario.labels, result["by_request"]):
            each["request"] = label
        runs[str(c)] = {**result, **server_times(srv.log, start)}
    return runs


# -- the scenarios --------------------------------------------------------------------------------------------

def capture_app(target: str, changes: dict, *, env: dict, log: Path, driver) -> tuple[dict, dict]:
    """Start `target` and let the browser make each change.

    Returns ({name: {"load": [...], "change": [...], "charts": [every chart address on the page after it]}},
    {name: why its capture failed}): a page that never settles is reported, not allowed to stop the others.
    """
    captured, failed = {}, {}
    with server.serve(target, log=log, env=env, timeout=900) as srv:
        base = f"http://{server.HOST}:{srv.port}"
        for name, (_, change) in changes.items():
            try:
                on_load, on_change = capture.capture(driver, base, change)
                captured[name] = {"load": on_load, "change": on_change, "charts": capture.chart_sources(driver)}
            except Exception as exc:  # noqa: BLE001 - any failure of one page is that scenario's error
                failed[name] = f"{type(exc).__name__} on {change.path}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return captured, failed


def app_scenarios(captured: dict) -> dict[str, Scenario]:
    scenarios = {"page_get": Scenario("page_get", f"Plain page GET ({PAGE_GET})",
                                      [loadgen.Request("GET", PAGE_GET)])}
    for name, got in captured.items():
        scenarios[name] = Scenario(name, APP_CHANGES[name][0], _requests(got["change"]))
    if "overview_locality" in captured:
        scenarios["overview_load"] = Scenario("overview_load", "Opening the board overview (/): every request the "
                                              "page load sends (Dash's layout, which carries the page, and any "
                                              "callback or chart)", _requests(captured["overview_locality"]["load"]))
    return scenarios


def chart_scenario(port: int, charts: list[str]) -> Scenario:
    """GET /chart/... (or /figure/...) for every chart box of the chart page, those that answer with a chart."""
    requests = [loadgen.Request("GET", url) for url in dict.fromkeys(charts)]
    good = [r for r, c in zip(requests, check(port, requests)) if c["ok"] and c["charts"] == 1]
    if not good:
        raise RuntimeError(f"no chart of {APP_CHANGES[CHART_PAGE][1].path} answered with a figure")
    return Scenario("chart_request", "Chart request: GET /chart/<id>.html for each chart of /outcome-1 (whole "
                    "area), one SPC chart each, drawn as SVG", good)


def trivial_scenarios(driver, srv: server.Server) -> dict[str, Scenario]:
    """The trivial app's callback, as a browser sent it, and its plain GET route."""
    _, sent = capture.capture(driver, f"http://{server.HOST}:{srv.port}", TRIVIAL_CHANGE)
    return {"trivial_callback": Scenario("trivial_callback", "Baseline: a Dash callback returning a short string",
                                         _requests(sent)),
            "trivial_get": Scenario("trivial_get", f"Baseline: a plain Flask GET route ({GET_PATH}) returning a "
                                    "short JSON body", [loadgen.Request("GET", GET_PATH)])}


def run_trivial(driver, srv: server.Server, *, duration_s: float,
                concurrency=CONCURRENCY) -> tuple[dict, dict[str, Scenario]]:
    scenarios = trivial_scenarios(driver, srv)
    out = {"startup_s": round(srv.startup_s, 3), "scenarios": {}}
    for name, s in scenarios.items():
        out["scenarios"][name] = {"description": s.description, "checks": check(srv.port, s.requests),
                                  "runs": drive(srv, s, concurrency=concurrency, duration_s=duration_s)}
    # The trivial callback's own keys at the top, as before the GET baseline was added (headline, tests).
    out.update({k: out["scenarios"]["trivial_callback"][k] for k in ("description", "checks", "runs")})
    return out, scenarios


def adjacent(measure, baseline, c: int) -> dict:
    """`measure()`'s result with its requests/s over each baseline's (the trivial callback's, the trivial GET's)
    measured just before and just after it at concurrency `c`: other work on a shared machine comes and goes, so
    the baselines are taken beside each run."""
    before = baseline(c)
    result = measure()
    after = baseline(c)
    for kind, key in BASELINES.items():
        base = (before[kind] + after[kind]) / 2
        suffix = "" if kind == "callback" else f"_{kind}"
        result[f"trivial{suffix}_rps_adjacent"] = round(base, 1)
        result[key] = round(result["rps"] / base, 3) if base else None
    return result


def _vocabulary(data_dir: Path | None):
    from metrics import urlstate
    from metrics.store import build_store

    return urlstate.vocabulary(build_store(data_dir) if data_dir else build_store())


def run_distinct(srv: server.Server, chart: Scenario, *, data_dir: Path | None, duration_s: float, baseline,
                 concurrency=(1, 8)) -> tuple[dict, distinct.Supply]:
    """Chart requests for views nobody asked for before, each sent once, at each concurrency."""
    vocab = _vocabulary(data_dir)
    months = {r.path: distinct.figure_months(answer(srv.port, loadgen.Request("GET", distinct.figure_address(r.path))))
              for r in chart.requests}
    supply = distinct.Supply(distinct.views(months, vocab.first_month, vocab.last_month))
    sample = supply.take(6)
    checks = check(srv.port, sample)
    answers = {answer(srv.port, r) for r in sample}  # a window may change nothing on an annual chart: say so
    out = {"description": "Chart request for a view nobody asked for before (a from/to window not yet drawn): "
                          "each request sent once", "views_available": len(supply.requests), "checks": checks,
           "charts": len(chart.requests), "distinct_answers": len(answers), "runs": {}}
    for c in concurrency:
        out["runs"][str(c)] = adjacent(lambda: _distinct_run(srv, supply, c, duration_s), baseline, c)
    return out, supply


def _distinct_run(srv: server.Server, supply: distinct.Supply, c: int, duration_s: float) -> dict:
    start = srv.log.stat().st_size
    result = distinct.drive(server.HOST, srv.port, supply, concurrency=c, duration_s=duration_s, most=40_000)
    return {**result, **server_times(srv.log, start)}


def cache_folder_size(cache_dir: Path) -> dict:
    """Entries and MB of the app's shared folder store (diskcache) under `cache_dir`, if it has one."""
    folders = list(cache_dir.glob("send-dashboard-cache-*"))
    if not folders:
        return {}
    import diskcache

    with diskcache.Cache(str(folders[0])) as store:
        return {"cache_entries": len(store), "cache_mb": round(store.volume() / 2**20, 1)}


def run_after_fill(srv: server.Server, chart: Scenario, supply: distinct.Supply, distinct_before: dict, *,
                   fill_views: int, fill_budget_s: float, duration_s: float, cache_dir: Path, baseline) -> dict:
    """The repeated views, then `fill_views` more distinct views drawn, then the repeated and distinct views again,
    at concurrency 8, each beside the baselines; the ratios to the trivial callback after the fill over before."""
    c = HEADLINE_CONCURRENCY
    repeated_run = lambda: drive(srv, chart, concurrency=(c,), duration_s=duration_s)[str(c)]  # noqa: E731
    repeated_before = adjacent(repeated_run, baseline, c)
    filled = distinct.fill(server.HOST, srv.port, supply, views_wanted=fill_views, budget_s=fill_budget_s)
    repeated = adjacent(repeated_run, baseline, c)
    fresh = adjacent(lambda: _distinct_run(srv, supply, c, duration_s), baseline, c)
    ratio = lambda after, was: round(after / was, 3) if after and was else None  # noqa: E731
    return {"fill": filled, "repeated_before": repeated_before, "repeated": repeated, "distinct": fresh,
            "repeated_vs_before": ratio(repeated["vs_trivial_rps"], repeated_before["vs_trivial_rps"]),
            "distinct_vs_before": ratio(fresh["vs_trivial_rps"], distinct_before.get("vs_trivial_rps")),
            **cache_folder_size(cache_dir)}


def run_app(driver, *, duration_s: float, concurrency=CONCURRENCY, data_dir: Path | None = None,
            changes: dict | None = None, label: str = "default", fill_views: int = 0,
            fill_budget_s: float = 600, baseline=None) -> dict:
    """Capture on one server, measure on a fresh one (empty cache); memory of its workers at the end, then (if
    `fill_views`) the distinct-view fill and the measurements after it."""
    changes = changes or APP_CHANGES
    cache_root = Path(tempfile.mkdtemp(prefix=f"bench-cache-{label}-"))
    env = {"DATA_DIR": str(data_dir)} if data_dir else {}
    try:
        captured, failed = capture_app(APP, changes, env={**env, "CACHE_DIR": str(cache_root / "capture")},
                                       log=OUT / "logs" / f"app-{label}-capture.log", driver=driver)
        (OUT / f"captured-{label}.json").write_text(json.dumps(captured, indent=1))
        scenarios = app_scenarios(captured)
        log = OUT / "logs" / f"app-{label}.log"
        with server.serve(APP, log=log, env={**env, "CACHE_DIR": str(cache_root / "measure")}, timeout=900) as srv:
            result = {"data_dir": str(data_dir) if data_dir else "default", "startup_s": round(srv.startup_s, 3),
                      "workers": len(srv.workers()), "scenarios": {}, "capture_failures": failed,
                      "memory_at_start": memory.server_memory(srv.proc.pid, srv.workers())}
            for name, scenario in scenarios.items():
                result["scenarios"][name] = {"description": scenario.description,
                                             "checks": check(srv.port, scenario.requests)}
            if CHART_PAGE in captured:
                chart = chart_scenario(srv.port, captured[CHART_PAGE]["charts"])
                scenarios["chart_request"] = chart
                result["scenarios"]["chart_request"] = {"description": chart.description,
                                                        "checks": check(srv.port, chart.requests)}
            supply = None
            if fill_views and baseline and "chart_request" in scenarios:
                result["distinct"], supply = run_distinct(srv, scenarios["chart_request"], data_dir=data_dir,
                                                          duration_s=duration_s, baseline=baseline)
            for name, scenario in scenarios.items():
                result["scenarios"][name]["runs"] = drive(srv, scenario, concurrency=concurrency,
                                                          duration_s=duration_s)
            result["memory"] = memory.server_memory(srv.proc.pid, srv.workers())
            result["memory"]["worker_peak_rss_mb"] = max(memory.peak_rss_mb(p) for p in srv.workers())
            if supply is not None:
                result["after_fill"] = run_after_fill(
                    srv, scenarios["chart_request"], supply, result["distinct"]["runs"][str(HEADLINE_CONCURRENCY)],
                    fill_views=fill_views, fill_budget_s=fill_budget_s, duration_s=duration_s,
                    cache_dir=cache_root / "measure", baseline=baseline)
                result["after_fill"]["memory"] = memory.server_memory(srv.proc.pid, srv.workers())
        return result
    finally:
        shutil.rmtree(cache_root, ignore_errors=True)


def with_ratios(app: dict, trivial: dict) -> None:
    """Each app run's requests/s as a fraction of each baseline's at the same concurrency (in place)."""
    for c, run in [run for s in app["scenarios"].values() for run in s["runs"].items()]:
        for kind, key in BASELINES.items():
            base = trivial["scenarios"][f"trivial_{kind}"]["runs"].get(c, {}).get("rps")
            run[key] = round(run["rps"] / base, 3) if base else None


def run_browser(*, repeat: int, pages=browser.PAGES, profile_top: int = 0) -> dict:
    """The browser part, on a trivial app and an app (empty caches) of its own, served side by side."""
    cache_root = Path(tempfile.mkdtemp(prefix="bench-cache-browser-"))
    try:
        with server.serve(TRIVIAL, log=OUT / "logs" / "trivial-browser.log") as trivial, \
                (server.serve(APP, log=OUT / "logs" / "app-browser.log", env={"CACHE_DIR": str(cache_root)},
                              timeout=900) if pages else contextlib.nullcontext()) as app:
            return browser.run(f"http://{server.HOST}:{app.port}" if app else "",
                               f"http://{server.HOST}:{trivial.port}", repeat=repeat, pages=pages,
                               profile_top=profile_top)
    finally:
        shutil.rmtree(cache_root, ignore_errors=True)


def errors(*results: dict) -> int:
    """Failed requests in every run, every check that did not get a proper answer, every failed capture."""
    n = 0
    for r in results:
        n += len(r.get("capture_failures", {}))
        for s in [*r.get("scenarios", {}).values(), *([r["distinct"]] if "distinct" in r else [])]:
            n += sum(run["errors"] for run in s.get("runs", {}).values())
            n += sum(not c["ok"] for c in s.get("checks", []))
        after = r.get("after_fill")
        if after:
            n += after["fill"]["errors"] + after["repeated"]["errors"] + after["distinct"]["errors"]
    return n


def run(*, duration_s: float = 15, concurrency=CONCURRENCY, data_10m: Path | None = None,
        duration_10m_s: float = 10, fill_views: int = 50_000, fill_budget_s: float = 600,
        changes: dict | None = None) -> dict:
    """The whole load test: baselines, app on the default data (with the distinct views and the fill), and (if
    given) the app on the 10M extract."""
    driver = capture.browser()
    try:
        with server.serve(TRIVIAL, log=OUT / "logs" / "trivial.log") as tsrv:  # up throughout, for the baselines
            trivial, baselines = run_trivial(driver, tsrv, duration_s=duration_s, concurrency=concurrency)

            def baseline(c: int) -> dict:
                return {kind: drive(tsrv, baselines[f"trivial_{kind}"], concurrency=(c,),
                                    duration_s=max(0.5, duration_s / 3))[str(c)]["rps"] for kind in BASELINES}

            app = run_app(driver, duration_s=duration_s, concurrency=concurrency, changes=changes,
                          fill_views=fill_views, fill_budget_s=fill_budget_s, baseline=baseline)
        with_ratios(app, trivial)
        out = {"duration_s": duration_s, "concurrency": list(concurrency),
               "headline_concurrency": HEADLINE_CONCURRENCY, "cache": "redis" if os.environ.get("REDIS_URL")
               else "filesystem", "trivial": trivial, "app": app}
        if data_10m is not None:
            big = run_app(driver, duration_s=duration_10m_s, concurrency=(1, 8), data_dir=data_10m,
                          changes={"therapy_service": APP_CHANGES["therapy_service"]}, label="10m")
            with_ratios(big, trivial)
            out["app_10m"] = big
        out["errors"] = errors(trivial, app, *([out["app_10m"]] if "app_10m" in out else []))
        return out
    finally:
        driver.quit()
