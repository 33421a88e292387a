"""`python -m bench` (`make bench`): every benchmark, then bench/results.json and BENCHMARKS.md.

Runs the other benchmark scripts (bench_spc, bench_report: they merge their own keys into results.json), makes
referral extracts of each size with the data generator (kept under bench/out/, not committed), times the engines,
load-tests the app and a trivial baseline under the Procfile's gunicorn (on the default data and on the largest
extract), and writes the headline numbers issue 5 asks for beside the details. Loopback only; every loop is bounded.

Issue 14's parts: the browser (bench/browser.py: page loads and filter changes in headless Chromium beside a trivial
Dash app, and CPU profiles of the slowest), chart requests for views nobody asked for before and the fill of 50,000
of them (bench/distinct.py, driven by bench/load.py beside a trivial Dash callback and a trivial Flask GET), where a
chart request's server time goes (bench/profile_server.py), and the shared store as it fills (bench/cache_fill.py).

`--quick` is a shorter run (small extracts, 5 s per load run, no 10M app run) for trying changes out; `--smoke` only
checks that every part still runs (tests/unit/test_bench_smoke.py runs it: about half a minute).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench import browser, cache_fill, engines, load
from bench.markdown import render
from bench.server import ROOT, procfile_command, procfile_workers
from metrics import schemas
from metrics.validate import input_paths

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results.json"
MARKDOWN = ROOT / "BENCHMARKS.md"
OUT = BENCH / "out"
OTHER_SCRIPTS = ("bench.bench_spc", "bench.bench_report")  # each merges its own key into results.json
SIZES = (100_000, 1_000_000, 10_000_000)
PACKAGES = ("dash", "plotly", "flask-compress", "diskcache", "redis", "gunicorn", "polars", "duckdb", "pandas",
            "pyarrow", "numpy", "orjson")
# The goals of issue 5, checked against the headline numbers (name, key, comparison, bound).
GOALS = (
    ("Chart request (a view asked for before) ≥ half the trivial callback's requests/s", "chart_vs_trivial_ratio",
     ">=", 0.5),
    ("Board overview < 100 ms", "overview_p50_ms", "<", 100),
    ("10M drill-down within 1.5× of the fastest engine", "drilldown_vs_fastest_engine_ratio", "<=", 1.5),
    ("Worker RSS on the 10M extract < 1.5 GB", "worker_rss_mb_10m", "<", 1536),
    ("First page within 3 s on the default data", "startup_s_default", "<", 3),
    ("First page within 30 s on the 10M extract", "startup_s_10m", "<", 30),
    ("No errors", "errors", "==", 0),
)
# Issue 14's goals (name, key, comparison, bound): medians, and ratios to the trivial app in the same run.
# Memory and start-up "within today's figures": the figures BENCHMARKS.md had before the redesign (worker RSS after
# the load 336 MB on the default data and 582 MB on the 10M extract; the bound on the default data is the one set
# then, main's 319 MB + 10%), and issue 5's start-up bounds.
GOALS_14 = (
    ("First page, cold, to every chart drawn ≤ 2× the trivial app's cold load (slowest page)",
     "cold_vs_trivial_max", "<=", 2),
    ("First page, warm ≤ 1.5× the trivial app's warm load (slowest page)", "warm_vs_trivial_max", "<=", 1.5),
    ("Any filter change to fully redrawn ≤ 5× the trivial app's callback round trip (slowest change)",
     "change_vs_trivial_max", "<=", 5),
    ("Cold first page ≤ 1.5 MB transferred (largest page)", "cold_bytes_max", "<=", 1_500_000),
    ("Filter change ≤ 300 kB transferred (largest change)", "change_bytes_max", "<=", 300_000),
    ("Chart request for a distinct view ≥ 0.5× the trivial Dash callback's requests/s, concurrency 1",
     "distinct_vs_trivial_c1", ">=", 0.5),
    ("Chart request for a distinct view ≥ 0.5× the trivial Dash callback's requests/s, concurrency 8",
     "distinct_vs_trivial_c8", ">=", 0.5),
    ("… and ≥ 0.5× a trivial Flask GET route's requests/s (like for like), concurrency 1",
     "distinct_vs_get_c1", ">=", 0.5),
    ("… and ≥ 0.5× a trivial Flask GET route's requests/s (like for like), concurrency 8",
     "distinct_vs_get_c8", ">=", 0.5),
    ("50,000 distinct views drawn before the check below", "fill_views_drawn", ">=", 50_000),
    ("Same figures as fast after the fill (requests/s after ÷ before, the slower of repeated and distinct)",
     "after_fill_vs_before", ">=", 0.9),
    ("Memory stays within today's: worker RSS on the default data ≤ 351 MB (main: 319 MB, + 10%)",
     "worker_rss_mb_default", "<=", 351),
    ("Memory stays within today's: worker RSS on the 10M extract ≤ 640 MB (582 MB + 10%)",
     "worker_rss_mb_10m", "<=", 640),
    ("Start-up stays within today's: first page within 3 s on the default data", "startup_s_default", "<=", 3),
    ("Start-up stays within today's: first page within 30 s on the 10M extract", "startup_s_10m", "<=", 30),
)
PROFILE_CHANGES = 3  # the slowest changes (by ratio to the trivial app) are profiled, and the slowest cold load


def machine() -> dict:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem_kb = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines()
                      if ln.startswith("MemTotal")))
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = version(p)
        except PackageNotFoundError:
            versions[p] = None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {"date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu,
            "cores": os.cpu_count(), "memory_gb": round(mem_kb / 2**20, 1), "os": platform.platform(),
            "python": platform.python_version(), "packages": versions, "gunicorn_workers": procfile_workers(),
            "commit": commit.stdout.strip() or None, "loadavg_start": [round(x, 2) for x in os.getloadavg()],
            "gunicorn": " ".join(procfile_command("app:server", 8050)[3:]),
            "procfile": os.environ.get("BENCH_PROCFILE") or "Procfile"}


def run_other_scripts() -> dict:
    """Run each other benchmark script; {module: "ok" | why it did not run}."""
    status = {}
    for module in OTHER_SCRIPTS:
        if not (BENCH / f"{module.split('.')[-1]}.py").exists():
            status[module] = "not present"
            continue
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", module], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        status[module] = "ok" if proc.returncode == 0 else f"failed ({proc.returncode}): {proc.stderr[-500:]}"
        print(f"{module}: {status[module]} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return status


def referrals_extract(rows: int) -> Path:
    """A therapy referrals extract of `rows` rows from the data generator, made once per version of the generator."""
    generator = ROOT / "data" / "generate.py"
    stamp = hashlib.sha256(generator.read_bytes()).hexdigest()[:12]
    target = OUT / f"referrals-{rows}-{stamp}.parquet"
    if not target.exists():
        tmp = Path(tempfile.mkdtemp(prefix=f".referrals-{rows}-", dir=OUT))
        try:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, str(generator), "--referrals", str(rows), "--out", str(tmp)], cwd=ROOT,
                           check=True)
            (made,) = input_paths(tmp, "therapy_referrals")
            os.replace(made, target)
            print(f"generated {rows:,} referrals in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def data_dir_with(extract: Path, rows: int) -> Path:
    """A copy of data/ with `extract` as its therapy referrals (hard-linked), laid anew so it matches data/ now."""
    target = OUT / f"data-{rows}"
    shutil.rmtree(target, ignore_errors=True)
    stem = schemas.INPUTS["therapy_referrals"][0]
    shutil.copytree(ROOT / "data", target, ignore=lambda d, names: [n for n in names if n.endswith(".py")
                                                                   or n == stem or n == f"{stem}.parquet"])
    os.link(extract, target / f"{stem}.parquet")
    return target


def _get(d: dict | None, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _slowest(scenario: dict | None, concurrency: str, stat: str):
    """The slowest request's `stat` in a scenario run (a change's time is bounded by its slowest callback)."""
    each = _get(scenario, "runs", concurrency, "by_request") or []
    values = [r[stat] for r in each if r.get(stat) is not None]
    return max(values) if values else None


def headline(results: dict) -> dict:
    """The keys issue 5 names, from the detailed results (None where a part was not run)."""
    lr, eng = results.get("load", {}), results.get("engines", {})
    c = str(lr.get("headline_concurrency", load.HEADLINE_CONCURRENCY))
    chart = _get(lr, "app", "scenarios", "chart_request", "runs", c)
    trivial = _get(lr, "trivial", "runs", c)
    overviews = [_get(lr, "app", "scenarios", n) for n in ("overview_load", "overview_locality")]
    overview_p50 = [v for v in (_slowest(s, "1", "p50_ms") for s in overviews) if v is not None]
    overview_p95 = [v for v in (_slowest(s, "1", "p95_ms") for s in overviews) if v is not None]
    biggest = max(eng, key=int) if eng else None
    app_dd = _get(eng, biggest, "drilldown", "app", "in_memory")
    return {
        "chart_request_rps": _get(chart, "rps"),
        "chart_request_p50_ms": _get(chart, "p50_ms"),
        "chart_request_p95_ms": _get(chart, "p95_ms"),
        "trivial_callback_rps": _get(trivial, "rps"),
        "trivial_callback_p50_ms": _get(trivial, "p50_ms"),
        "trivial_callback_p95_ms": _get(trivial, "p95_ms"),
        "chart_vs_trivial_ratio": (round(chart["rps"] / trivial["rps"], 3) if chart and trivial and trivial["rps"]
                                   else None),
        "overview_p50_ms": max(overview_p50) if overview_p50 else None,
        "overview_p95_ms": max(overview_p95) if overview_p95 else None,
        "drilldown_rows": int(biggest) if biggest else None,
        "drilldown_10m_p50_ms": _get(app_dd, "p50_ms") if biggest == str(SIZES[-1]) else None,
        "drilldown_10m_p95_ms": _get(app_dd, "p95_ms") if biggest == str(SIZES[-1]) else None,
        "drilldown_vs_fastest_engine_ratio": _get(app_dd, "vs_fastest"),
        "worker_rss_mb_10m": _get(lr, "app_10m", "memory", "worker_rss_mb_max"),
        "worker_peak_rss_mb_10m": _get(lr, "app_10m", "memory", "worker_peak_rss_mb"),
        "startup_s_default": _get(lr, "app", "startup_s"),
        "startup_s_10m": _get(lr, "app_10m", "startup_s"),
        "errors": lr.get("errors"),
    }


def _ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def _worst(items: dict, pick=max):
    """(label, value) of the largest (or smallest) value in {label: value}, ignoring missing ones."""
    got = {k: v for k, v in items.items() if v is not None}
    if not got:
        return None, None
    label = pick(got, key=got.get)
    return label, got[label]


def _trivial_ms(br: dict, page: dict, kind: str):
    """The trivial app's ms for `kind` (cold, warm, change) measured beside `page` (else at the start of the run)."""
    t = page.get("trivial") or br.get("trivial") or {}
    return next(iter((t.get("changes") or {}).values()), {}).get("ms") if kind == "change" else _get(t, kind, "ms")


def headline_14(results: dict) -> dict:
    """Issue 14's keys: the browser's ratios to the trivial app, bytes, the distinct views and the fill."""
    br, lr = results.get("browser") or {}, results.get("load") or {}
    pages = br.get("pages") or {}
    cold = {p: _ratio(v["cold"]["ms"], _trivial_ms(br, v, "cold")) for p, v in pages.items()}
    warm = {p: _ratio(v["warm"]["ms"], _trivial_ms(br, v, "warm")) for p, v in pages.items()}
    changes = {f"{p}: {c}": m for p, v in pages.items() for c, m in v["changes"].items()}
    change_ratio = {f"{p}: {c}": _ratio(m["ms"], _trivial_ms(br, v, "change"))
                    for p, v in pages.items() for c, m in v["changes"].items()}
    out = {}
    for key, table in (("cold_vs_trivial_max", cold), ("warm_vs_trivial_max", warm),
                       ("change_vs_trivial_max", change_ratio),
                       ("cold_bytes_max", {p: v["cold"]["bytes"] for p, v in pages.items()}),
                       ("change_bytes_max", {k: m["bytes"] for k, m in changes.items()})):
        out[f"{key}_at"], out[key] = _worst(table)
    runs = _get(lr, "app", "distinct", "runs") or {}
    for c in ("1", "8"):
        out[f"distinct_vs_trivial_c{c}"] = _get(runs, c, "vs_trivial_rps")
        out[f"distinct_vs_get_c{c}"] = _get(runs, c, "vs_trivial_get_rps")
    after = _get(lr, "app", "after_fill") or {}
    out["fill_views_drawn"] = _get(after, "fill", "views_drawn")
    ratios = [v for v in (after.get("repeated_vs_before"), after.get("distinct_vs_before")) if v is not None]
    out["after_fill_vs_before"] = min(ratios) if ratios else None
    out["worker_rss_mb_default"] = _get(lr, "app", "memory", "worker_rss_mb_max")
    out["worker_rss_mb_10m"] = _get(lr, "app_10m", "memory", "worker_rss_mb_max")
    out["startup_s_default"] = _get(lr, "app", "startup_s")
    out["startup_s_10m"] = _get(lr, "app_10m", "startup_s")
    return out


def goals(head: dict, table=GOALS) -> list[dict]:
    ops = {">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b}
    return [{"goal": name, "key": key, "value": head.get(key), "bound": f"{op} {bound}", "at": head.get(f"{key}_at"),
             "met": None if head.get(key) is None else ops[op](head[key], bound)} for name, key, op, bound in table]


def server_profile(views: int) -> dict:
    """bench/profile_server.py in a process of its own (it imports the app, with a throwaway cache folder)."""
    proc = subprocess.run([sys.executable, "-m", "bench.profile_server", "--views", str(views)], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if proc.returncode != 0:
        raise RuntimeError(f"bench.profile_server failed ({proc.returncode}): {proc.stderr[-1000:]}")
    return json.loads(proc.stdout)


def write_json(data: dict, path: Path) -> None:
    """Whole or not at all (other benchmark scripts merge into the same file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2, default=str)
        f.write("\n")
    os.replace(tmp, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small extracts, 5 s load runs, no 10M app run")
    parser.add_argument("--smoke", action="store_true",
                        help="check every part still runs (one page, tiny runs; about half a minute), for CI")
    parser.add_argument("--duration", type=float, default=15, help="seconds per load run (at most 60)")
    parser.add_argument("--repeat", type=int, default=3, help="browser runs of each load and change (median)")
    parser.add_argument("--fill", type=int, default=50_000, help="distinct views drawn before the fill check")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["others", "engines", "load", "10m", "browser", "server_profile", "cache_fill"])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--markdown", type=Path, default=MARKDOWN)
    parser.add_argument("--procfile", type=Path, help="measure this Procfile's web command instead of the repo's")
    args = parser.parse_args(argv)
    if args.procfile:
        os.environ["BENCH_PROCFILE"] = str(args.procfile.resolve())
    sizes = SIZES[:2] if args.quick else SIZES
    duration = 5 if args.quick else min(args.duration, 60)
    repeat, fill = (1, 2_000) if args.quick else (args.repeat, args.fill)
    pages, profiles, fill_budget, profile_views = browser.PAGES, PROFILE_CHANGES, 900, 300
    load_kwargs: dict = {}
    checkpoints = cache_fill.CHECKPOINTS
    if args.smoke:  # every part, as small as it goes
        args.skip = sorted(set(args.skip) | {"others", "engines", "10m"})
        duration, repeat, fill, fill_budget, profile_views = 0.5, 1, 100, 10, 20
        pages, profiles = (), 0  # the browser part on the trivial app alone: the same code as for a page
        load_kwargs = {"concurrency": (1, 8), "changes": {"outcome_locality": load.APP_CHANGES["outcome_locality"]}}
        checkpoints = (200,)
    OUT.mkdir(exist_ok=True)

    facts = machine()
    status = run_other_scripts() if "others" not in args.skip else {}
    mine: dict = {"machine": facts, "other_scripts": status}
    parts = {
        "engines": lambda: engines.run({n: referrals_extract(n) for n in sizes}),
        "load": lambda: load.run(duration_s=duration, fill_views=fill, fill_budget_s=fill_budget, data_10m=None
                                 if args.quick or "10m" in args.skip
                                 else data_dir_with(referrals_extract(SIZES[-1]), SIZES[-1]), **load_kwargs),
        "browser": lambda: load.run_browser(repeat=repeat, pages=pages, profile_top=profiles),
        "server_profile": lambda: server_profile(profile_views),
        "cache_fill": lambda: cache_fill.run(checkpoints=checkpoints, probe=5 if args.smoke else 50,
                                             budget_s=5 if args.smoke else 60),
    }
    for name, part in parts.items():
        if name not in args.skip:
            t0 = time.perf_counter()
            mine[name] = part()
            print(f"{name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    facts["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    facts["parts_run"] = [p for p in ("others", "engines", "load", "browser", "server_profile", "cache_fill")
                          if p not in args.skip]
    facts["mode"] = "smoke" if args.smoke else "quick" if args.quick else "full"

    # Parts skipped this time keep their last results; the machine facts say which parts this run measured.
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    kept_10m = _get(results, "load", "app_10m")
    if "load" in mine and "10m" in args.skip and kept_10m and not args.smoke:
        # The 10M app run was skipped this time: its last results stay, said to be from the run that measured them
        # (kept again, they keep that run's date, not the date of the run that last kept them).
        mine["load"]["app_10m"] = {**kept_10m,
                                   "kept_from": kept_10m.get("kept_from") or _get(results, "machine", "date_utc")}
    results.update(mine)
    results["headline"] = headline(results)
    results["goals"] = goals(results["headline"])
    results["headline_14"] = headline_14(results)
    results["goals_14"] = goals(results["headline_14"], GOALS_14)
    results.update(results["headline"])  # the keys at the top level
    write_json(results, args.results)
    args.markdown.write_text(render(results))
    print(json.dumps(results["headline"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
