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


def _goals(goals: list[dict]) -> list[str]:
    rows = [[g["goal"], _n(g["value"], 2), g["bound"], {True: "met", False: "**missed**", None: "not run"}[g["met"]]]
            for g in goals]
    return ["## Goals (issue 5)", "", *_table(["Goal", "Measured", "Bound", ""], rows)]


def _load_rows(name: str, scenario: dict) -> list[list]:
    rows = []
    for c, r in scenario.get("runs", {}).items():
        rows.append([name, c, r["requests"], r["rps"], r["p50_ms"], r["p95_ms"], r.get("server_p50_ms"),
                     r.get("vs_trivial_rps", "baseline" if name == "trivial_callback" else None), r["errors"]])
    return rows


def _load(lr: dict) -> list[str]:
    out = ["## Load test", "",
           f"Each run replays the captured requests for {_n(lr.get('duration_s'))} s (closed loop, keep-alive where "
           f"allowed) at each concurrency; the headline uses concurrency {lr.get('headline_concurrency')}. "
           "Latency is measured by the client (so it includes queueing at high concurrency); server p50 is "
           "the app's own time per request (whole ms, its `send.requests` log). `vs trivial` is requests/s over the baseline's "
           f"at the same concurrency. Response cache: {lr.get('cache')}.", ""]
    head = ["Scenario", "Concurrency", "Requests", "Requests/s", "p50 ms", "p95 ms", "Server p50 ms", "vs trivial",
            "Errors"]
    for key, title in (("app", "Default data"), ("app_10m", "10M-referral extract")):
        app = lr.get(key)
        if not app:
            continue
        rows = _load_rows("trivial_callback", lr["trivial"]) if key == "app" else []
        for name, s in app["scenarios"].items():
            rows += _load_rows(name, s)
        out += [f"### {title}: startup {_n(app['startup_s'], 2)} s to the first page", "", *_table(head, rows)]
        out += ["What each scenario sends (captured from headless Chromium), checked once on a fresh server with "
                "an empty cache (`first ms` is that cold request):", ""]
        check_rows = []
        for name, s in app["scenarios"].items():
            for c in s.get("checks", []):
                check_rows.append([name, f"`{c['request']}`", c["status"], c["bytes"], c["first_ms"], c["graphs"]])
        out += _table(["Scenario", "Request", "Status", "Bytes", "First ms", "Charts"], check_rows)
        mem = app.get("memory")
        if mem:
            rows = [["master", mem["master"]["rss_mb"], mem["master"]["pss_mb"], mem["master"]["uss_mb"]]]
            rows += [[f"worker {i + 1}", w["rss_mb"], w["pss_mb"], w["uss_mb"]] for i, w in enumerate(mem["workers"])]
            out += [f"Memory after the load (MiB; worker peak RSS {_n(mem.get('worker_peak_rss_mb'))}; "
                    f"total PSS {_n(mem.get('total_pss_mb'))}):", "", *_table(["Process", "RSS", "PSS", "USS"], rows)]
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
           "`python -m bench --quick` is a shorter run (no 10M app run).", "", *_machine(results.get("machine", {}))]
    out += _goals(results.get("goals", []))
    if results.get("load"):
        out += _load(results["load"])
    if results.get("engines"):
        out += _engines(results["engines"])
    for key, title in OTHER_SECTIONS.items():
        if isinstance(results.get(key), dict):
            out += [f"## {title}", "", *_table(["Measure", "Value"], [[k, v] for k, v in _flatten(results[key])][:60])]
    out += ["## Reproduce", "",
            "```", "make bench            # everything (about 15-25 minutes on 2 cores)",
            "python -m bench --quick   # a few minutes", "```", "",
            "Extracts of 1e5, 1e6 and 1e7 referrals are made once with `data/generate.py --referrals N --out DIR` "
            "under `bench/out/` (not committed). The load test needs Chromium and chromedriver (`make install-test`) "
            "to capture the requests a browser sends.", ""]
    return "\n".join(out)
