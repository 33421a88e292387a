"""The app's response cache: flask-caching configured by `metrics.cache` (Redis when REDIS_URL is set, else one
folder per machine), and `memoize` for the drawing functions of pages and cards.

Keys carry the data version (a new extract is never answered from an old drawing) and a fingerprint of the
drawing code (a new release is never answered from an old release's drawing left in a shared cache).
"""
from __future__ import annotations

import hashlib
import os
from functools import wraps
from pathlib import Path

from flask import has_app_context
from flask_caching import Cache

from metrics.cache import cache_config, cached
from metrics.edition import get_store

ROOT = Path(__file__).resolve().parent.parent

cache = Cache()
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
    global _ready
    cache.init_app(server, config=cache_config(os.environ))
    _ready = True


def memoize(fn):
    """Cache `fn`'s result across workers while serving a request; call it plainly elsewhere (tests, scripts).

    `fn`'s arguments must have a stable repr (str, int, None): they are the rest of the key.
    """
    memo = None

    @wraps(fn)
    def wrapper(*args, **kwargs):
        nonlocal memo
        if not (_ready and has_app_context()):
            return fn(*args, **kwargs)
        if memo is None:
            memo = cached(cache.cache, lambda: f"{get_store().version}:{CODE}")(fn)
        try:
            return memo(*args, **kwargs)
        except (ConnectionError, OSError):  # the shared cache is down: draw without it
            return fn(*args, **kwargs)

    return wrapper
