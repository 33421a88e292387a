"""What a worker holds that it need not: measured in bench/ (worker RSS), guarded here by what causes it.

A worker that never draws a funnel plot never imports scipy.stats (~60 MB), and Arrow allocates from its jemalloc
pool (the default mimalloc pool kept ~40 MB after validation, 1.3 GB on a 10M extract), unless the environment says
otherwise.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

EVERY_VIEW = """
import json, sys
from metrics.edition import get_store
from metrics.view.measure import Scope, measure_view
from metrics.view.overview import overview
store = get_store()
for locality in store.area.locality_slugs:
    overview(store, Scope(locality), "board")
    for metric in store.catalogue.metrics:
        for part in store.breakdowns(metric.id, store.area.name) or ["All"]:
            measure_view(store, metric.id, Scope(locality), part, "board")
import pyarrow
print(json.dumps({"scipy_stats": "scipy.stats" in sys.modules, "pool": pyarrow.default_memory_pool().backend_name}))
"""


def _run(code: str, **env) -> dict:
    base = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_overview_and_measure_view_is_drawn_without_scipy_stats_and_arrow_uses_jemalloc():
    got = _run(EVERY_VIEW)
    assert got == {"scipy_stats": False, "pool": "jemalloc"}


def test_the_environment_still_chooses_arrows_pool():
    probe = "import json, metrics, pyarrow; print(json.dumps(pyarrow.default_memory_pool().backend_name))"
    assert _run(probe, ARROW_DEFAULT_MEMORY_POOL="system") == "system"
