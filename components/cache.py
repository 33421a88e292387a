"""The app's response cache, through flask-caching: a chart's figure, table and CSV are built once per data version
and served to every worker from the shared store.

The backend (`SharedStore`, named in CACHE_TYPE) is the store `metrics.cache.open_store` picks: Redis when REDIS_URL
is set, else a bounded folder per machine; it never raises and never stalls (a down or hung Redis is a miss, asked
again once per interval). Each worker keeps its recent entries in memory in front of it (`Layers`).

Keys carry the edition (in the store's prefix or folder), the data version (a new extract is never answered from an
old drawing) and a fingerprint of the code (nor a new release from an old release's drawing in a shared Redis).
Values are the bytes a response sends: nothing read from the shared store is unpickled.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from flask import current_app, has_app_context
from flask_caching import Cache
from flask_caching.backends.base import BaseCache

from metrics.cache import DEFAULT_TIMEOUT_S, cache_key, open_store
from metrics.edition import get_store

ROOT = Path(__file__).resolve().parent.parent


def code_fingerprint() -> str:
    h = hashlib.sha256()
    for folder in ("components", "pages", "metrics"):
        for f in sorted((ROOT / folder).rglob("*.py")) + sorted((ROOT / folder).rglob("*.html")):
            st = f.stat()
            h.update(f"{f.relative_to(ROOT)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:12]


CODE = code_fingerprint()

# The bytes of recent responses each worker keeps in memory in front of the shared store: a figure is 5-30 kB, so
# this holds every chart of every page for a locality or two; the shared store answers the rest in well under 1 ms.
RECENT_BYTES = 8 * 2**20


class Layers:
    """The worker's recent entries (bytes) in front of the shared store, least recently used out first (O(1) per
    get and set, however full). The store's failures are misses (`metrics.cache.Guarded`)."""

    def __init__(self, backend, budget: int = RECENT_BYTES):
        self.backend, self.budget, self.size = backend, budget, 0
        self.recent: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.recent:
                self.recent.move_to_end(key)
                return self.recent[key]
        value = self.backend.get(key)
        if value is not None:
            self.keep(key, value)
        return value

    def set(self, key, value: bytes, timeout=None):
        self.keep(key, value)
        return self.backend.set(key, value, timeout=timeout)

    def keep(self, key, value: bytes) -> None:
        """Keep `value` in this worker's memory (the shared store is the caller's to write, or not)."""
        # A copy of exactly len(value) bytes: orjson's output keeps the buffer it grew into (a 7 kB figure held
        # 65 kB), so 8 MB of kept responses held 20 MB.
        value = bytes(memoryview(value))
        with self.lock:
            if key in self.recent:
                self.size -= len(self.recent.pop(key))
            self.recent[key] = value
            self.size += len(value)
            while self.size > self.budget and len(self.recent) > 1:  # the newest stays, however large
                self.size -= len(self.recent.popitem(last=False)[1])


class SharedStore(BaseCache):
    """flask-caching's backend: `Layers` over `metrics.cache.open_store(os.environ)`. Bytes only."""

    def __init__(self, layers: Layers, default_timeout: int = DEFAULT_TIMEOUT_S):
        super().__init__(default_timeout=default_timeout)
        self.layers = layers
        # The paths (a view's address without its query) whose last window this worker drew quickly: their windows
        # are not looked for in the shared store, which holds only slow ones (see `response_bytes`; a folder's miss
        # is a SQLite query, a twentieth of drawing a chart). One slow window, and the path's are looked for again.
        self.quick_paths: dict[str, bool] = {}

    @classmethod
    def factory(cls, app, config, args, kwargs):
        return cls(Layers(open_store(os.environ)), config.get("CACHE_DEFAULT_TIMEOUT") or DEFAULT_TIMEOUT_S)

    def get(self, key: str):
        return self.layers.get(key)

    def set(self, key: str, value, timeout: int | None = None) -> bool:
        if not isinstance(value, bytes):
            raise TypeError(f"the response cache holds bytes, not {type(value).__name__}")
        return bool(self.layers.set(key, value, timeout or self.default_timeout))

    def keep_here(self, key: str, value: bytes) -> None:
        """Keep `value` in this worker's memory only (see `response_bytes`)."""
        self.layers.keep(key, value)

    def get_here(self, key: str):
        """`key`'s value if this worker keeps it in memory, without asking the shared store."""
        with self.layers.lock:
            return self.layers.recent.get(key)

    def add(self, key: str, value, timeout: int | None = None) -> bool:
        return self.get(key) is None and self.set(key, value, timeout)

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def delete(self, key: str) -> bool:  # entries are never deleted: a new data version or release has new keys
        return False

    def clear(self) -> bool:
        return False


cache = Cache()


def init(server) -> None:
    """Give the Flask app its response cache (CACHE_TYPE is the backend class's import path)."""
    cache.init_app(server, config={"CACHE_TYPE": "components.cache.SharedStore",
                                   "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT_S})


# A response for a window (from/to) built in less CPU time than this is kept in the worker's memory only, not written
# to the shared store: windows are endless and seldom asked for twice, and an SVG chart is drawn in about a
# millisecond, little more than writing it to the folder costs (~0.25 ms). What pages open on, and anything slow, is
# shared. CPU time, not wall time: under load a quick build waits for a core, and would be shared for no reason. A path
# whose last window was quick has its windows looked for in this worker's memory only (`SharedStore.quick_paths`).
SHARE_AFTER_S = 0.002


def response_bytes(build: Callable[[], bytes], *parts: str, windowed: bool = False) -> bytes:
    """`build()`, kept under `parts` (what names the response: its path first, then its canonical query) for this
    data version and code (`windowed`: see SHARE_AFTER_S). Outside an app with the cache (tests, scripts) it is a
    plain call."""
    backend = current_app.extensions.get("cache", {}).get(cache) if has_app_context() else None
    if backend is None:
        return build()
    key = cache_key(f"{get_store().version}:{CODE}", "response", parts)
    quick = windowed and backend.quick_paths.get(parts[0], False)
    hit = backend.get_here(key) if quick else cache.get(key)
    if hit is not None:
        return hit
    started = time.thread_time()
    value = build()
    if windowed:
        quick = backend.quick_paths[parts[0]] = time.thread_time() - started < SHARE_AFTER_S
    if quick:
        backend.keep_here(key, value)
    else:
        cache.set(key, value)
    return value
