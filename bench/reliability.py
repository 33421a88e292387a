"""`python -m bench.reliability`: every fault scenario of bench/faults.py, then bench/reliability.json and
RELIABILITY.md.

`--quick` runs each scenario CI-sized (as tests/unit/test_faults.py does) and writes nothing unless asked to
(`--markdown`, `--results`); the full run kills more extracts, races more, checks every page for every bad input and
holds each served phase for 15 s at concurrency 8. Loopback and private copies of data/ only; every loop is bounded.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import faults
from bench.markdown import _n, _table
from bench.server import ROOT

RESULTS = Path(__file__).resolve().parent / "reliability.json"
MARKDOWN = ROOT / "RELIABILITY.md"
SCENARIOS = {"extract_killed": faults.extract_killed, "extract_concurrent": faults.extract_concurrent,
             "bad_inputs": faults.bad_inputs, "served": faults.served}


def run(names, *, quick: bool) -> dict:
    out = {}
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp:
        for name in names:
            t0 = time.monotonic()
            print(f"{name}...", file=sys.stderr, flush=True)
            outcome = SCENARIOS[name](Path(tmp) / name, quick=quick)
            out[name] = {**outcome.as_dict(), "seconds": round(time.monotonic() - t0, 1)}
            print(f"{name}: {outcome.survived}/{outcome.tried} survived, {outcome.errors} errors, "
                  f"{outcome.lost} lost ({out[name]['seconds']} s)", file=sys.stderr, flush=True)
    return out


def render(results: dict) -> str:
    scenarios = results["scenarios"]
    mode = "quick (CI-sized)" if results.get("quick") else "full"
    out = ["# Reliability", "",
           "Written by `python -m bench.reliability` from `bench/reliability.json`; do not edit by hand. The same "
           "scenarios run CI-sized in `tests/unit/test_faults.py`. Everything ran on 127.0.0.1 against private "
           f"copies of `data/`. This run: {mode}.", "", *_machine(results.get("machine", {}))]
    rows = [[s["scenario"], s["what"], s["tried"], s["survived"], s["requests"], s["errors"],
             "nothing" if s["lost"] == 0 else f"**{s['lost']}**",
             f"{s.get('run', {}).get('date_utc', '–')}, {s.get('run', {}).get('commit', '–')}"]
            for s in scenarios.values()]
    out += ["## Summary", "", *_table(["Scenario", "What was done", "Tried", "Survived", "Requests", "Errors",
                                        "Data lost", "Run (UTC, commit)"], rows)]
    out += ["*Tried*: fault instances (kills, races, classes of bad input, fault phases under load). *Survived*: "
            "the data folder ended exactly as before or exactly as after, with no temporary file left, and the "
            "next extract ran; a bad input was refused naming its file, column and row, nothing changed, and every "
            "page requested still answered; the app kept answering during a fault and had no error in the phase "
            "after it. *Errors*: requests answered 5xx (bad inputs), or not answered 2xx or at all (under load). "
            "*Data lost*: runs after which `data/` (checksums of every file) was neither its state before nor the "
            "state the extract was to produce.", ""]
    for name, render_one in (("extract_killed", _killed), ("extract_concurrent", _concurrent),
                             ("bad_inputs", _bad), ("served", _served)):
        if name in scenarios:
            out += render_one(scenarios[name])
    out += ["## Reproduce", "", "```", "python -m bench.reliability            # the full run; writes this file",
            "python -m bench.reliability --quick    # CI-sized, prints the summary",
            "python -m pytest tests/unit/test_faults.py -q   # the same scenarios as tests", "```", "",
            "The served scenario needs `redis-server` (installed by the Makefile's `browser-deps`).", ""]
    return "\n".join(out)


def _machine(m: dict) -> list[str]:
    return [f"- Run: {m.get('date_utc')}, commit {m.get('commit') or 'uncommitted'}",
            f"- Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory_gb')} GB memory; {m.get('os')}; "
            f"Python {m.get('python')}",
            f"- Served as the Procfile says, bound to 127.0.0.1: `gunicorn {m.get('gunicorn')}`",
            f"- Load average at start / end: {m.get('loadavg_start')} / {m.get('loadavg_end')} (the machine's 2 cores "
            "are shared: latencies are comparable within a run, not across runs)", ""]


def _killed(s: dict) -> list[str]:
    d = s["details"]
    rows = [[t["when"], t["killed_while_running"], t["state"], t["temporaries_after_kill"], t["next_run_ok"],
             t["temporaries_after_next_run"], t["state_after_next_run"]] for t in d["trials"]]
    return [f"## Extract killed with SIGKILL: {s['what']}", "",
            f"An undisturbed run took {_n(d['undisturbed_run_after_copy_start_s'], 2)} s from the start of its copy "
            "to its end; the kills are spread over that span (the first while its source, a FIFO, had delivered "
            "half the file). After each kill the data folder is compared with its state before and with the "
            "undisturbed run's result, then the same extract is run again with `--wait 0` (so a lock left held "
            "would show).", "",
            *_table(["Killed", "While running", "data/ after the kill", "Temporary files left", "Next run ran",
                     "Temporary files after it", "data/ after it"], rows)]


def _concurrent(s: dict) -> list[str]:
    out = [f"## Concurrent extracts: {s['what']}", "",
           "Extract *a* drops one measure's latest period, extract *b* another's; each report must say what its own "
           "run changed relative to what it found (so the later run reports the earlier run's change undone).", ""]
    races = []
    for t in s["details"]["trials"]:
        if t["trial"] == "held lock":
            out += [f"While the first holds the lock (its source a FIFO not yet written), a second with `--wait 0` "
                    f"exited {t['refused_rc']}: `{' '.join(t['refused_message'])}`; data unchanged: "
                    f"{_n(t['unchanged_while_refused'])}. A third with a wait waited: {_n(t['waited'])}, then "
                    f"installed *b* after the first installed *a* (final file: *{t['final']}*). "
                    f"Survived: {_n(t['ok'])}.", ""]
        else:
            first = {"a": "b", "b": "a"}.get(t["installed_last"], "?")
            races.append([f"*{first}* then *{t['installed_last']}*", t["exit_codes"][first],
                          t["exit_codes"].get(t["installed_last"]), _n(t["waited"].get(t["installed_last"])),
                          " / ".join(x.strip() for x in t["reports"][first][1:]),
                          " / ".join(x.strip() for x in t["reports"].get(t["installed_last"], [])[1:]), t["ok"]])
    if races:
        out += ["Started together:", "", *_table(["Order", "Exit (first)", "Exit (last)", "Last one waited",
                                                   "First one's report", "Last one's report", "Survived"], races)]
    return out


def _bad(s: dict) -> list[str]:
    rows = []
    for c in s["details"]["classes"]:
        pages = c.get("pages")
        answered = "–" if pages is None else f"{len(pages) - len(c['taken_down'])}/{len(pages)}"
        rows.append([c["class"], f"`{c['input']}`", c["refused"], c["named"], c["unchanged"], answered,
                     f"`{_without_folder(c['report'][0])[:150]}`" if c["report"] else "–"])
    after = s["details"]["pages_on_good_data_after"]
    failing = s["details"].get("failing_on_good_data", [])
    return [f"## Bad inputs: {s['what']}", "",
            "Each class is loaded with `python -m metrics.extract` (configuration files: checked with "
            "`python -m metrics.validate DIR`). Then the bad file is copied straight into the folder the app serves "
            "(bypassing every check) and the app's pages (through its page router) and the affected measures' CSV "
            "downloads are requested; `–`: not requested in this run. *Named*: the refusal names the file, the "
            "column and (for a cell) the row. *Still answered*: requests that did not answer 5xx, of those that "
            "answered on the good data (every page it can).", "",
            *_table(["Class", "Input", "Refused", "Named", "data/ unchanged", "Still answered",
                     "The refusal (first line, after the file name)"], rows),
            f"Back on the good data afterwards: {sum(v < 500 for v in after.values())}/{len(after)} answered. "
            + (f"Answering 5xx on the good data too, so not counted against a bad input: {', '.join(failing)}."
               if failing else "Nothing answered 5xx on the good data."), ""]


def _without_folder(line: str) -> str:
    """A report line without its "ERROR: " and the folders of its (temporary) file: `bad-0.parquet, column ...`."""
    where = line.removeprefix("ERROR: ")
    head, sep, rest = where.partition(".parquet")
    if not sep:
        head, sep, rest = where.partition(".toml") if ".toml" in where else where.partition(".csv")
    return head.rsplit("/", 1)[-1] + sep + rest


def _served(s: dict) -> list[str]:
    d = s["details"]
    rows = []
    for p in d["phases"]:
        kinds = ", ".join(f"{k} {v}" for k, v in p["error_kinds"].items())
        per_request = p["log_bytes"] / p["requests"] / 1024 if p["requests"] else None
        rows.append([p["phase"], p["requests"], f"{p['errors']}" + (f" ({kinds})" if kinds else ""), p["rps"],
                     p["p50_ms"], p["p95_ms"], p["max_ms"], p.get("redis_commands"), p["tracebacks_logged"],
                     per_request])
    return [f"## Served under load: {s['what']}", "",
            f"Each phase runs {_n(d['duration_s_per_phase'])} s with {d['concurrency']} closed-loop clients, each "
            "sending page draws (through the page router) for windows and localities not asked before and, every "
            "other request, a chart (GET /chart/..., which the app's response cache keeps in the shared "
            "Redis) for a window not asked before, so each is a miss in the worker's memory that asks Redis; "
            "latencies are the slowest client's. The hung phase's Redis is resumed as its load time ends, so requests "
            "waiting on it finish then.", "",
            *_table(["Phase", "Requests", "Errors", "Requests/s", "p50 ms", "p95 ms", "Max ms",
                     "Redis commands", "Tracebacks logged", "Log KB per request"], rows),
            "*Redis commands*: what the app sent Redis during the phase (`–` while it could not be asked); none "
            "means no request read or wrote the shared cache, so the Redis faults had nothing to act on.", "",
            f"The killed worker was replaced by gunicorn's master after {_n(d['worker_replaced_after_s'], 2)} s. "
            f"Pages drawn: {', '.join(d.get('pages_drawn', []))}"
            + (f"; charts drawn: {', '.join(f'`{c}`' for c in d['charts_drawn'])}" if d.get("charts_drawn") else "")
            + (f"; left out because they answered an error before any fault: "
               f"{', '.join(d['pages_failing_before_any_fault'])}" if d.get("pages_failing_before_any_fault") else "")
            + ".", ""]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized scenarios; writes files only if named")
    parser.add_argument("--only", nargs="*", choices=sorted(SCENARIOS), default=None)
    parser.add_argument("--results", type=Path, default=None, help=f"default {RESULTS} (full runs)")
    parser.add_argument("--markdown", type=Path, default=None, help=f"default {MARKDOWN} (full runs)")
    parser.add_argument("--render", action="store_true", help="only rewrite the markdown from the results file")
    args = parser.parse_args(argv)
    if args.render:
        (args.markdown or MARKDOWN).write_text(render(json.loads((args.results or RESULTS).read_text())))
        return 0
    from bench.__main__ import machine

    facts = machine()
    scenarios = run(args.only or list(SCENARIOS), quick=args.quick)
    facts["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    for s in scenarios.values():
        s["run"] = {k: facts.get(k) for k in ("date_utc", "commit", "loadavg_start", "loadavg_end")}
    results_path = args.results or (None if args.quick else RESULTS)
    markdown_path = args.markdown or (None if args.quick else MARKDOWN)
    # Scenarios not run this time keep their last results (each says which run it came from).
    earlier = json.loads(results_path.read_text()) if results_path and results_path.exists() and args.only else {}
    results = {"machine": facts, "quick": args.quick, "scenarios": {**earlier.get("scenarios", {}), **scenarios}}
    if results_path:
        results_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    if markdown_path:
        markdown_path.write_text(render(results))
    for s in scenarios.values():
        print(f"{s['scenario']}: tried {s['tried']}, survived {s['survived']}, requests {s['requests']}, "
              f"errors {s['errors']}, lost {s['lost']}")
    return 0 if all(s["survived"] == s["tried"] and s["lost"] == 0 for s in scenarios.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
