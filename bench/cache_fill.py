"""The shared store as it fills: the time to store and to read back one drawing (20 kB) after N distinct views, for
the folder store the app uses (diskcache), the file cache it replaced (cachelib's FileSystemCache with the old
threshold of 5,000 entries, which counted and pruned its folder on every write past it) and Redis (when Debian's
redis-server is installed: one is started on a free port of 127.0.0.1, without persistence, and stopped after).

Each store is filled with distinct keys up to each checkpoint, then `probe` sets and gets are timed there (p50).
A store that has spent `budget_s` filling stops early (the old file cache takes seconds per thousand past 5,000).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from bench.server import free_port
from bench.stats import summarise
from metrics.cache import DiskStore, RedisStore

VALUE = os.urandom(10_000) * 2  # a 20 kB chart card (incompressible half: no store gets it for less)
CHECKPOINTS = (1_000, 5_000, 10_000, 25_000, 50_000)


class OldFileCache:
    """cachelib's FileSystemCache as flask-caching configured it before (CACHE_THRESHOLD 5,000)."""
    name = "cachelib FileSystemCache (before)"

    def __init__(self, directory: str):
        from cachelib import FileSystemCache
        self.cache = FileSystemCache(directory, threshold=5000, default_timeout=24 * 3600)

    def get(self, key):
        return self.cache.get(key)

    def set(self, key, value, timeout=None):
        return self.cache.set(key, value, timeout=timeout)


def _probe(store, n: int, probe: int) -> dict:
    sets, gets = [], []
    for i in range(probe):
        key = f"probe-{n}-{i}"
        t0 = time.perf_counter()
        store.set(key, VALUE)
        t1 = time.perf_counter()
        got = store.get(key)
        t2 = time.perf_counter()
        if got != VALUE:
            raise AssertionError(f"{type(store).__name__} lost a value it had just stored")
        sets.append((t1 - t0) * 1000)
        gets.append((t2 - t1) * 1000)
    return {"entries": n, "set_p50_ms": summarise(sets)["p50_ms"], "get_p50_ms": summarise(gets)["p50_ms"]}


def fill_curve(store, *, checkpoints=CHECKPOINTS, probe: int = 50, budget_s: float = 120) -> dict:
    rows, n, t0 = [], 0, time.perf_counter()
    for target in checkpoints:
        while n < target:
            store.set(f"view-{n}", VALUE)
            n += 1
            if time.perf_counter() - t0 > budget_s:
                return {"points": rows, "stopped_at": n, "why": f"{budget_s:.0f} s of filling spent"}
        rows.append(_probe(store, n, probe))
    return {"points": rows, "stopped_at": None, "fill_s": round(time.perf_counter() - t0, 1)}


def _redis(directory: Path):
    exe = shutil.which("redis-server")
    if exe is None:
        return None, None
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = RedisStore(f"redis://127.0.0.1:{port}/0", "bench:")
    for _ in range(100):
        try:
            store.client.ping()
            return proc, store
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    return None, None


def run(*, checkpoints=CHECKPOINTS, probe: int = 50, budget_s: float = 120) -> dict:
    root = Path(tempfile.mkdtemp(prefix="bench-cache-fill-"))
    out = {"value_bytes": len(VALUE), "checkpoints": list(checkpoints), "stores": {}}
    try:
        stores = [("diskcache (the app's folder store)", lambda: DiskStore(str(root / "disk")))]
        try:
            import cachelib  # noqa: F401
            stores.append((OldFileCache.name, lambda: OldFileCache(str(root / "old"))))
        except ImportError:
            out["stores"][OldFileCache.name] = {"skipped": "cachelib is not installed"}
        for name, make in stores:
            out["stores"][name] = fill_curve(make(), checkpoints=checkpoints, probe=probe, budget_s=budget_s)
        proc, store = _redis(root)
        if proc is None:
            out["stores"]["Redis"] = {"skipped": "redis-server is not installed"}
        else:
            try:
                out["stores"]["Redis"] = fill_curve(store, checkpoints=checkpoints, probe=probe, budget_s=budget_s)
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(10)
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)
