"""BENCHMARKS.md from bench/results.json: the goals first, then every scenario's numbers, then how to reproduce."""
from __future__ import annotations

import json

OTHER_SECTIONS = {"spc": "SPC engine (bench/bench_spc.py)", "report": "Quarterly report (bench/bench_report.py)"}


def _n(v, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _table(head: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(_n(c) if not isinstance(c, str) else c for c in r) + " |" for r in rows]
    return out + [""]


def _machine(m: dict) -> list[str]:
    pk = ", ".join(f"{k} {v}" for k, v in m.get("packages", {}).items() if v)
    return [
        f"- Run: {m.get('date_utc')}, commit {m.get('commit') or 'uncommitted'}; parts measured in this run: "
        f"{', '.join(m.get('parts_run', [])) or 'none'} (others are kept from an earlier run)",
        f"- Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory_gb')} GB memory; {m.get('os')}",
        f"- Python {m.get('python')}; {pk}",
        f"- Served as `{m.get('procfile')}` says, bound to 127.0.0.1: `gunicorn {m.get('gunicorn')}`",
        f"- Load average at start / end: {m.get('loadavg_start')} / {m.get('loadavg_end')} (anything above 0 is "
        "other work sharing the 2 cores: compare ratios within this run, not absolute numbers across runs)",
        "",
    ]


def _goals(goals: list[dict], title: str = "Goals (issue 5)") -> list[str]:
    rows = [[g["goal"], _n(g["value"], 2) + (f" ({g['at']})" if g.get("at") else ""), g["bound"],
             {True: "met", False: "**missed**", None: "not run"}[g["met"]]] for g in goals]
    return [f"## {title}", "", *_table(["Goal", "Measured", "Bound", ""], rows)]


def _kb(v) -> str:
    return "–" if v is None else f"{v / 1000:,.0f}" if v >= 10_000 else f"{v / 1000:,.1f}"


def _browser(br: dict) -> list[str]:
    t = br["trivial"]
    t_change = next(iter(t["changes"].values()))

    def base_of(v):
        tv = v.get("trivial") or t
        return {"cold": tv["cold"]["ms"], "warm": tv["warm"]["ms"], "change": next(iter(tv["changes"].values()))["ms"]}

    viewport = f" (a viewport of {br['viewport']} px)" if br.get("viewport") else ""
    out = ["## In the browser (headless Chromium)", "",
           f"Medians of {br['repeat']} run(s) in one headless Chromium window of {br['window']} px{viewport}, beside "
           "the trivial Dash app (`bench/trivial_app.py`, one input and one callback, served the same way) in the "
           "same run and browser. `ms` is from navigation (or from the change) until the page is drawn: no callback "
           "pending or in flight, the page body in place, every chart on the first screen drawn from its current "
           "address and no chart the page started loading (dashboard.js starts 400 px below the screen) still "
           f"loading, and still so {br['quiet_ms']} ms later; charts further down are drawn when scrolled to and are "
           "not waited for. A long page body is put in place in two steps (assets/dashboard.js): what fills the first "
           "screen, then, the frame after, the rest; `whole body ms` is until that rest was laid out too. "
           "`callbacks ms` is until the last callback response arrived; `callbacks` and `figures` "
           "count callback requests and charts fetched (GET /chart/... or /figure/...; the first screen's SPC "
           "charts come drawn in the page body) in the span, `drawn` the charts drawn on the page by then. `kB` is bytes transferred (compressed, with headers; 0 from the browser's cache); `DOM` the "
           "elements in the page; `long tasks` main-thread tasks over 50 ms; `JS`, `layout`, `style` the "
           "renderer's own accounts (CDP Performance.getMetrics) over the span. A cold load has an empty browser "
           "cache, a warm one the cache of the load before; the server's caches are warm for both. A change is "
           "measured from a warm load of its starting view. The trivial app is measured again just before each "
           "page, and `× trivial` is to that measurement (other work on a shared machine comes and goes).", ""]
    head = ["Page", "What", "ms", "× trivial", "whole body ms", "callbacks ms", "callbacks", "figures", "drawn", "kB",
            "DOM",
            "long tasks (ms)", "JS ms", "layout ms", "style ms"]

    def row(page, what, m, kind, base):
        return [page, what, m["ms"], _n(m["ms"] / base[kind], 1) if base[kind] else "–",
                m.get("rest_ms") if m.get("rest_ms") is not None else "–", m["callbacks_ms"],
                m["callbacks"], m.get("figures"), m.get("charts_drawn"), _kb(m["bytes"]), m["dom"],
                f"{m['long_tasks']:.0f} ({m['long_task_ms']:,.0f})", m.get("script_ms"), m.get("layout_ms"),
                m.get("style_ms")]

    first = base_of({})
    rows = [row("Trivial Dash app", "cold load", t["cold"], "cold", first),
            row("Trivial Dash app", "warm load", t["warm"], "warm", first),
            row("Trivial Dash app", "callback round trip", t_change, "change", first)]
    for page, v in br["pages"].items():
        base, name = base_of(v), f"{page} (`{v['path']}`)"
        if v.get("trivial"):
            rows.append(["", f"*trivial app just before: cold {base['cold']:,.0f}, warm {base['warm']:,.0f}, "
                         f"round trip {base['change']:,.0f} ms*"] + [""] * (len(head) - 2))
        rows += [row(name, "cold load", v["cold"], "cold", base), row(name, "warm load", v["warm"], "warm", base)]
        rows += [row(name, label, m, "change", base) for label, m in v["changes"].items()]
    out += _table(head, rows)
    out += ["What the cold loads move, largest first (name; kB transferred / kB as decoded; ms), the trivial app's "
            "and each page's (its first cold run):", ""]
    heavy = [["Trivial Dash app", _resources(t["cold"])]]
    heavy += [[f"{page} (`{v['path']}`)", _resources(v["cold"])] for page, v in br["pages"].items()]
    out += _table(["Page", "Largest resources of a cold load"], heavy)
    for prof in br.get("profiles") or []:
        m = prof["measured"]
        out += [f"### Where the time goes: {prof['change']} (`{prof['path']}`)", "",
                f"CPU profile of the renderer (CDP Profiler, 200 µs sampling) over it: {m['ms']:,.0f} ms to drawn, "
                f"{m['callbacks']} callbacks, {m.get('figures', 0)} figures, {_kb(m['bytes'])} kB, {m['dom']:,} DOM "
                f"elements after; {prof['sampled_ms']:,.0f} ms of samples (idle included). Self time by script, then "
                "by function:", "",
                *_table(["Script", "Self ms"], prof["by_script"][:8]),
                *_table(["Function (script)", "Self ms"], prof["by_function"][:15])]
    return out


def _baselines(lr: dict) -> dict:
    """{name: runs} of the trivial app's scenarios (older results have the callback's runs only)."""
    t = lr["trivial"]
    return {k: v["runs"] for k, v in (t.get("scenarios") or {"trivial_callback": t}).items()}


def _resources(m: dict) -> str:
    return "; ".join(f"{name} {_kb(sent)} / {_kb(decoded)} ({ms:,.0f})" for name, sent, decoded, ms in
                     m.get("largest") or [])


def _distinct(lr: dict) -> list[str]:
    app = lr.get("app") or {}
    d = app.get("distinct")
    if not d:
        return []
    chart = app["scenarios"].get("chart_request", {}).get("runs", {})
    r2 = lambda v: _n(v, 2)  # noqa: E731
    out = ["## Views nobody asked for before (the server headline)", "",
           f"{d['description']}: `GET /chart/<id>.html?from=…&to=…` (an SPC chart drawn as SVG), as dashboard.js asks when a chart scrolls into "
           f"view. {d['views_available']:,} such views available (every window of 6 months or more in the last 10 "
           f"years that holds one of the chart's own periods, for each of the {_n(d.get('charts'))} charts of "
           f"`/outcome-1`), {d['distinct_answers']} different answers among the first 6 checked (a window can leave "
           "an annual chart as it was: its request is still new to every cache). Each distinct-view run is compared "
           "with the baselines measured just before and just after it (the machine is shared, and other work comes "
           "and goes): the trivial Dash callback (`vs callback`, the baseline the issue's goal names) and a trivial "
           "Flask GET route on the same hardened, compressed server (`vs GET`: like for like, since a chart is now "
           "a plain GET and no Dash callback; the stricter of the two). Beside them the repeated-view scenario (the "
           "same charts replayed: the response cache) and the baselines' own runs. Responses are compressed as a "
           "browser asks (zstd).", ""]
    head = ["Scenario", "Concurrency", "Requests", "Requests/s", "p50 ms", "p95 ms", "Server p50 ms", "vs callback",
            "vs GET", "Errors"]
    rows = []
    runs = [("distinct view", d["runs"]), ("repeated view", chart)]
    runs += [(name.replace("_", " "), r) for name, r in _baselines(lr).items()]
    for name, each in runs:
        for c, r in each.items():
            base = name.startswith("trivial")
            rows.append([name, c, r["requests"], r["rps"], r["p50_ms"], r["p95_ms"], r.get("server_p50_ms"),
                         "baseline" if name == "trivial callback" else "–" if base else r2(r.get("vs_trivial_rps")),
                         "baseline" if name == "trivial get" else "–" if base else r2(r.get("vs_trivial_get_rps")),
                         r["errors"]])
    out += _table(head, rows)
    after = app.get("after_fill")
    if after:
        f = after["fill"]
        out += [f"**After the fill.** {f['views_drawn']:,} more distinct views drawn in {f['seconds']:,.0f} s "
                f"({f['rps']:,.0f}/s at concurrency 8, {f['errors']} errors); the shared folder then held "
                f"{_n(after.get('cache_entries'))} entries, {_n(after.get('cache_mb'))} MB (bounded at 512 MB, "
                "least recently stored out; a window's chart drawn in under 2 ms of CPU time stays in its worker's "
                "memory and is not written there: `components/cache.py`). Then, at concurrency 8:", ""]
        before_d = d["runs"].get(str(lr.get("headline_concurrency", 8)), {})
        rows = []
        for label, r, ratio in (("repeated view, before the fill", after["repeated_before"], None),
                                ("repeated view, after", after["repeated"], after["repeated_vs_before"]),
                                ("distinct view, before the fill (above)", before_d, None),
                                ("distinct view, after", after["distinct"], after["distinct_vs_before"])):
            rows.append([label, r.get("rps"), r.get("p50_ms"), r.get("p95_ms"), r2(r.get("vs_trivial_rps")),
                         r2(r.get("vs_trivial_get_rps")), r2(ratio) if ratio is not None else ""])
        out += _table(["Scenario", "Requests/s", "p50 ms", "p95 ms", "vs callback (beside it)", "vs GET (beside it)",
                       "after ÷ before (of vs callback)"], rows)
    return out


def _server_profile(sp: dict) -> list[str]:
    d, r = sp["distinct"], sp["repeated"]
    out = ["## Where the server's time goes (bench/profile_server.py)", "",
           f"The app in one process, called through Flask's test client as a gunicorn worker calls it (every hook: "
           f"security gate, response cache, compression, request log), for {d['requests']} chart requests of views "
           f"nobody asked for before (the charts of `{sp['page']}` under new windows) and {r['requests']} of the same "
           f"{sp['charts']} charts asked again. Without the profiler a distinct view took "
           f"{_n(d.get('unprofiled_ms_per_request'), 2)} ms and a repeated one {_n(r.get('unprofiled_ms_per_request'), 2)}"
           " ms of this process's time; under cProfile (which slows Python-heavy code most) the parts below are "
           "cumulative ms per request (a part inside another is not subtracted from it).", ""]
    rows = [[p["part"], _n(p["ms_per_request"], 3), _n(q["ms_per_request"], 3), _n(p["calls_per_request"], 2)]
            for p, q in zip(d["parts"], r["parts"])]
    rows.insert(0, ["wall time per request, under the profiler", _n(d["wall_ms_per_request"], 3),
                    _n(r["wall_ms_per_request"], 3), ""])
    out += _table(["Part", "distinct view ms", "repeated view ms", "calls (distinct)"], rows)
    out += _top_functions(d, 15)
    for label, x in (sp.get("redraws") or {}).items():
        out += [f"### The page-body redraw of a filter change: {label}", "",
                f"The `sync_url` callback (the State, the filters and the body) sent {x['requests']} times, "
                "alternately for the view before "
                f"and after the change, both already cached as views: {_n(x['unprofiled_ms_per_request'], 2)} ms per "
                f"request without the profiler, {_n(x['wall_ms_per_request'], 2)} ms under it.", "",
                *_table(["Part", "ms", "calls"], [[q["part"], _n(q["ms_per_request"], 3), _n(q["calls_per_request"], 2)]
                                                  for q in x["parts"]]),
                *_top_functions(x, 10)]
    return out


def _top_functions(x: dict, top: int) -> list[str]:
    return ["Functions taking the most time of their own (ms per request):", "",
            *_table(["Function", "own ms", "cumulative ms"],
                    [[f"`{t['function']}`", _n(t["own_ms_per_request"], 3), _n(t["cum_ms_per_request"], 3)]
                     for t in x["top_own_time"][:top]])]


def _cache_fill(cf: dict) -> list[str]:
    out = ["## The shared store as it fills (bench/cache_fill.py)", "",
           f"One {cf['value_bytes'] // 1000} kB drawing stored and read back after N distinct entries (p50 of the "
           "probes at each point); a store stops filling after its time budget.", ""]
    rows = []
    for name, r in cf["stores"].items():
        if "skipped" in r:
            rows.append([name, "–", "–", "–", r["skipped"]])
            continue
        for p in r["points"]:
            rows.append([name, p["entries"], _n(p["set_p50_ms"], 3), _n(p["get_p50_ms"], 3), ""])
        if r.get("stopped_at"):
            rows.append([name, r["stopped_at"], "–", "–", f"stopped: {r['why']}"])
    return out + _table(["Store", "Entries", "Set p50 ms", "Get p50 ms", "Note"], rows)


def _load_rows(name: str, scenario: dict) -> list[list]:
    rows = []
    for c, r in scenario.get("runs", {}).items():
        rows.append([name, c, r["requests"], r["rps"], r["p50_ms"], r["p95_ms"], r.get("server_p50_ms"),
                     "baseline" if name == "trivial_callback" else _n(r.get("vs_trivial_rps"), 2),
                     "baseline" if name == "trivial_get" else _n(r.get("vs_trivial_get_rps"), 2), r["errors"]])
    return rows


def _get_startup(lr: dict):
    return (lr.get("trivial") or {}).get("startup_s")


def _load(lr: dict) -> list[str]:
    out = ["## Load test", "",
           f"Each run replays the captured requests for {_n(lr.get('duration_s'))} s (closed loop, keep-alive where "
           f"allowed) at each concurrency; the headline uses concurrency {lr.get('headline_concurrency')}. "
           "Latency is measured by the client (so it includes queueing at high concurrency); server p50 is "
           "the app's own time per request (whole ms, its `send.requests` log). `vs callback` and `vs GET` are "
           "requests/s over the trivial callback's and the trivial GET's at the same concurrency. A filter change "
           "sends one callback (`sync_url`: the State, the filters and the page body) and a GET per chart on the "
           "screen that the body does not draw; "
           f"each is replayed as the browser sent it. Response cache: {lr.get('cache')}.", ""]
    head = ["Scenario", "Concurrency", "Requests", "Requests/s", "p50 ms", "p95 ms", "Server p50 ms", "vs callback",
            "vs GET", "Errors"]
    for key, title in (("app", "Default data"), ("app_10m", "10M-referral extract")):
        app = lr.get(key)
        if not app:
            continue
        rows = [r for name, runs in _baselines(lr).items() for r in _load_rows(name, {"runs": runs})] \
            if key == "app" else []
        for name, s in app["scenarios"].items():
            rows += _load_rows(name, s)
        kept = f" (kept from the run of {app['kept_from']})" if app.get("kept_from") else ""
        trivial_start = _get_startup(lr)
        out += [f"### {title}: startup {_n(app['startup_s'], 2)} s to the first page{kept}"
                + (f" (the trivial app: {_n(trivial_start, 2)} s)" if trivial_start and key == "app" else ""), "",
                *_table(head, rows)]
        out += ["What each scenario sends (captured from headless Chromium), checked once on a fresh server with "
                "an empty cache (`first ms` is that cold request; `bytes` uncompressed; `charts`: 1 for a chart, or "
                "the chart boxes a page body names, each drawn in it or by a GET of its own):", ""]
        check_rows = []
        for name, s in app["scenarios"].items():
            for c in s.get("checks", []):
                check_rows.append([name, f"`{c['request']}`", c["status"], c["bytes"], c["first_ms"],
                                   c.get("charts", c.get("graphs"))])
        out += _table(["Scenario", "Request", "Status", "Bytes", "First ms", "Charts"], check_rows)
        mem = app.get("memory")
        if mem:
            rows = [["master", mem["master"]["rss_mb"], mem["master"]["pss_mb"], mem["master"]["uss_mb"]]]
            rows += [[f"worker {i + 1}", w["rss_mb"], w["pss_mb"], w["uss_mb"]] for i, w in enumerate(mem["workers"])]
            start = app.get("memory_at_start") or {}
            filled = (app.get("after_fill") or {}).get("memory") or {}
            head_mem = ["Process", "RSS", "PSS", "USS"]
            if start:
                head_mem.append("RSS at start")
                rows[0].append(start["master"]["rss_mb"])
                for i, w in enumerate(start["workers"][:len(rows) - 1]):
                    rows[i + 1].append(w["rss_mb"])
            if filled:
                head_mem.append("RSS after the fill")
                rows[0].append(filled["master"]["rss_mb"])
                for i, w in enumerate(filled["workers"][:len(rows) - 1]):
                    rows[i + 1].append(w["rss_mb"])
            rows = [r + [""] * (len(head_mem) - len(r)) for r in rows]
            out += [f"Memory after the load (MiB; worker peak RSS {_n(mem.get('worker_peak_rss_mb'))}; "
                    f"total PSS {_n(mem.get('total_pss_mb'))}); beside it each process's RSS when the first page had "
                    "been served" + (" and after the fill of distinct views" if filled else "") + ":", "",
                    *_table(head_mem, rows)]
    return out


def _engines(eng: dict) -> list[str]:
    out = ["## Engines: the same query over a referrals Parquet extract", "",
           "Each engine reads the Parquet file on every run; all answers are checked identical before timing is "
           "reported. `app` is `metrics.derive.therapy.therapy_current_waiters`, as the therapy page calls it, on "
           "the frame the Store holds in memory (and on a lazy Parquet scan).", ""]
    rows = []
    for n, size in eng.items():
        for q in ("monthly", "drilldown"):
            part = size[q]
            for name, t in part["engines"].items():
                rows.append([_n(int(n)), q, name + (" (fastest)" if name == part["fastest"] else ""),
                             t["p50_ms"], t["p95_ms"], t["vs_fastest"]])
            for name, t in (part.get("app") or {}).items():
                if isinstance(t, dict):
                    rows.append([_n(int(n)), q, f"app ({name})", t["p50_ms"], t["p95_ms"], t["vs_fastest"]])
    out += _table(["Rows", "Query", "Engine", "p50 ms", "p95 ms", "vs fastest"], rows)
    return out


def _flatten(d, prefix="") -> list[tuple[str, object]]:
    out = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out += _flatten(v, key + ".")
        else:
            out.append((key, v if not isinstance(v, list) else json.dumps(v)[:120]))
    return out


def render(results: dict) -> str:
    out = ["# Benchmarks", "",
           "Written by `make bench` (`python -m bench`) from `bench/results.json`; do not edit by hand. "
           "`python -m bench --quick` is a shorter run (no 10M app run); `--smoke` only checks that it runs.", "", *_machine(results.get("machine", {}))]
    if results.get("goals_14"):
        out += _goals(results["goals_14"], "Goals (issue 14: fast where people feel it)")
    if results.get("browser"):
        out += _browser(results["browser"])
    if results.get("load"):
        out += _distinct(results["load"])
    if results.get("server_profile"):
        out += _server_profile(results["server_profile"])
    if results.get("cache_fill"):
        out += _cache_fill(results["cache_fill"])
    out += _goals(results.get("goals", []))
    if results.get("load"):
        out += _load(results["load"])
    if results.get("engines"):
        out += _engines(results["engines"])
    for key, title in OTHER_SECTIONS.items():
        if isinstance(results.get(key), dict):
            out += [f"## {title}", "", *_table(["Measure", "Value"], [[k, v] for k, v in _flatten(results[key])][:60])]
    out += ["## Reproduce", "",
            "```", "make bench            # everything (about an hour on 2 cores)",
            "python -m bench --quick   # a few minutes",
            "python -m bench --smoke   # that every part still runs (CI: tests/unit/test_bench_smoke.py)", "```", "",
            "Extracts of 1e5, 1e6 and 1e7 referrals are made once with `data/generate.py --referrals N --out DIR` "
            "under `bench/out/` (not committed). The load test needs Chromium and chromedriver (`make install-test`) "
            "to capture the requests a browser sends.", ""]
    return "\n".join(out)
