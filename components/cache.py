"""The app's response cache: the shared store `metrics.cache.open_store` picks (Redis when REDIS_URL is set, else a
bounded folder per machine; never raising, never stalling), each worker's recent drawings in memory in front of it,
and `memoize` for the drawing functions of pages and cards.

Keys carry the data version (a new extract is never answered from an old drawing) and a fingerprint of the
drawing code (a new release is never answered from an old release's drawing left in a shared cache).
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from functools import wraps
from pathlib import Path

import orjson
import plotly.io as pio
from flask import has_app_context
from plotly.io.json import to_json_plotly

from metrics.cache import NoStore, cached, open_store
from metrics.edition import get_store

ROOT = Path(__file__).resolve().parent.parent

store = NoStore()  # the shared store, once `init` has opened it
_ready = False


def code_fingerprint() -> str:
    h = hashlib.sha256()
    for folder in ("components", "pages", "metrics"):
        for f in sorted((ROOT / folder).rglob("*.py")):
            st = f.stat()
            h.update(f"{f.relative_to(ROOT)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:12]


CODE = code_fingerprint()


def init(server) -> None:
    """Open the shared store for this worker (`server`, the Flask app, is for symmetry with other extensions)."""
    global _ready, store
    store = open_store(os.environ)
    _ready = True


def memoize(fn):
    """Cache `fn`'s result across workers while serving a request; call it plainly elsewhere (tests, scripts).

    `fn`'s arguments must have a stable repr (str, int, None): they are the rest of the key. While serving, the
    result is kept as the JSON Dash would send and handed back ready-encoded (see `_as_sent`): the browser gets
    the same bytes, without the components being rebuilt and encoded again on every request (issue 5: chart
    callbacks near the framework's floor).
    """
    memo = None

    @wraps(fn)
    def wrapper(*args, **kwargs):
        nonlocal memo
        if not (_ready and has_app_context()):
            return fn(*args, **kwargs)
        if memo is None:
            memo = cached(_layers(), lambda: f"{get_store().version}:{CODE}")(_encoded(fn))
        sent = memo(*args, **kwargs)
        return None if sent is None else _as_sent(sent)

    return wrapper


def _encoded(fn):
    @wraps(fn)
    def encode(*args, **kwargs):
        value = fn(*args, **kwargs)
        return None if value is None else to_json_plotly(value, engine="json").encode()

    return encode


def _as_sent(encoded: bytes):
    """JSON as Dash will send it: with the orjson engine, a Fragment it copies into the response as it is (plotly
    tries orjson on the whole response first, and a Fragment needs no encoding); otherwise plain lists and dicts,
    which the stdlib encoder turns back into the same text without visiting components in Python."""
    if pio.json.config.default_engine in ("orjson", "auto"):  # "auto" is orjson when it is installed, as here
        return orjson.Fragment(encoded)
    return orjson.loads(encoded)


# The JSON of recent drawings each worker keeps in memory in front of the shared cache. A chart card is 10-30 kB
# and the board overview about 250 kB, so this holds every card of several pages and a few overviews.
RECENT_BYTES = 32 * 2**20


class Layers:
    """The worker's recent entries (encoded JSON, bytes) in front of the shared store, least recently used out
    first (O(1) per get and set, however full).

    The store's failures (Redis down or hung, cache folder unwritable) are misses (`metrics.cache.Guarded`), so the
    page is drawn without it; an error raised while drawing is the drawing's, and is not caught here.
    """

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
            self._keep(key, value)
        return value

    def set(self, key, value: bytes, timeout=None):
        self._keep(key, value)
        return self.backend.set(key, value, timeout=timeout)

    def _keep(self, key, value: bytes) -> None:
        with self.lock:
            if key in self.recent:
                self.size -= len(self.recent.pop(key))
            self.recent[key] = value
            self.size += len(value)
            while self.size > self.budget and len(self.recent) > 1:  # the newest stays, however large
                self.size -= len(self.recent.popitem(last=False)[1])


_shared: Layers | None = None


def _layers() -> Layers:
    """One set of recent entries per worker, for every memoised function (their keys name the function)."""
    global _shared
    if _shared is None or _shared.backend is not store:
        _shared = Layers(store)
    return _shared
