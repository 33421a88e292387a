"""Where a worker's memory goes while it loads the data: `metrics.store.build_store` on a data folder, with the
process's RSS sampled every SAMPLE_S seconds beside the loading thread's stack (its innermost frames in metrics/),
so the peak (what a machine must have per worker) and each step's growth are named by the code that was running.

`python -m bench.profile_load DIR` prints the result; `python -m bench` runs it on the 10M-referral folder (and on the
default data in `--smoke`) and BENCHMARKS.md shows it. A process of its own, importing only the metrics layer: the
RSS is the loading's, not a web app's.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

SAMPLE_S = 0.05
ROOT = Path(__file__).resolve().parent.parent
METRICS = str(ROOT / "metrics") + "/"


def rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise ValueError("/proc/self/status has no VmRSS")


def _where(frame, depth: int = 3) -> list[str]:
    """The innermost `depth` frames of the metrics layer on a stack (file:function:line)."""
    out = []
    while frame is not None and len(out) < depth:
        name = frame.f_code.co_filename
        if name.startswith(METRICS):
            out.append(f"{name[len(str(ROOT)) + 1:]}:{frame.f_code.co_name}:{frame.f_lineno}")
        frame = frame.f_back
    return out


def run(data_dir: Path, *, top: int = 10) -> dict:
    samples: list[tuple[float, int, list[str]]] = []
    main, done = threading.main_thread(), threading.Event()

    def sample():
        while not done.is_set():
            samples.append((time.perf_counter(), rss_mb(), _where(sys._current_frames().get(main.ident))))
            time.sleep(SAMPLE_S)

    before = rss_mb()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    from metrics.store import build_store  # its imports are part of what a worker loads

    store = build_store(data_dir, precompute=False)
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    after = rss_mb()
    rises: dict[str, int] = {}
    previous = before
    for _, rss, where in samples:  # growth between samples, put down to the code running at the later one
        key = where[0] if where else "(outside metrics/: imports, the interpreter)"
        rises[key] = rises.get(key, 0) + max(0, rss - previous)
        previous = rss
    peak = max(samples, key=lambda s: s[1]) if samples else (t0, after, [])
    step = max(1, len(samples) // 20)
    return {"data_dir": str(data_dir), "rows": {n: r["rows"] for n, r in store.inputs.items()},
            "seconds": round(seconds, 2), "rss_mb_before": before, "rss_mb_after": after, "peak_rss_mb": peak[1],
            "peak_at_s": round(peak[0] - t0, 2), "peak_in": peak[2], "samples": len(samples),
            "growth_by_code": [[k, v] for k, v in sorted(rises.items(), key=lambda kv: -kv[1])[:top]],
            "timeline": [[round(t - t0, 2), rss, where[:1]] for t, rss, where in samples[::step]]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_load", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    args = parser.parse_args(argv)
    json.dump(run(args.data_dir), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
