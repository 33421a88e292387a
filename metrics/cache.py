"""The response cache that every gunicorn worker shares, and cache keys that carry the data version.

`cache_config(os.environ)` is the flask-caching config: Redis when `REDIS_URL` is set (one cache for every worker on
every machine behind a load balancer), otherwise a file-system cache in one directory per machine, which that
machine's workers share. flask-caching 2.5 accepts only backend class names in CACHE_TYPE, hence names, not paths.
Each edition (APP_EDITION) caches apart, so a public edition is never served a board-only drawing; that goes in the
Redis key prefix *and* the directory name, because flask-caching's FileSystemCache ignores CACHE_KEY_PREFIX.

`cached(cache, version)` memoises a function under a key that includes `version()` (the data version, plus
anything else that must invalidate, such as a code fingerprint), so a new extract is never answered from an entry
computed on the old one: old entries are simply never asked for again, and expire.
Plain Python (no Flask or Dash import): anything with cachelib's get/set works as `cache`.
"""
from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

# Entries of an old data version are unreachable (their keys carry the old version); this bounds how long they
# occupy Redis memory or disk.
DEFAULT_TIMEOUT_S = 24 * 3600
# FileSystemCache prunes beyond this many entries; every chart of every page for every locality is a few hundred.
FILE_THRESHOLD = 5000
NAMESPACE = "send-dashboard"


def _edition(env: Mapping[str, str]) -> str:
    return env.get("APP_EDITION") or "board"


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """One directory per machine, user and edition, shared by all the machine's workers."""
    base = env.get("CACHE_DIR") or tempfile.gettempdir()
    return Path(base) / f"{NAMESPACE}-cache-{os.getuid()}-{_edition(env)}"


def cache_config(env: Mapping[str, str]) -> dict:
    """flask-caching config from the environment: RedisCache if REDIS_URL is set, else FileSystemCache."""
    common = {"CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT_S}
    url = env.get("REDIS_URL")
    if url:
        return {**common, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url,
                "CACHE_KEY_PREFIX": f"{NAMESPACE}:{_edition(env)}:"}
    return {**common, "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(default_cache_dir(env)),
            "CACHE_THRESHOLD": FILE_THRESHOLD}


def cache_key(version: str, name: str, args: tuple = (), kwargs: Mapping | None = None) -> str:
    """`name` (a function's dotted name) called with these arguments, under `version`.

    Arguments are hashed through their repr, so they must have a stable one (str, int, date, None, tuples of them).
    """
    call = repr((args, sorted((kwargs or {}).items())))
    return f"{name}:{version}:{hashlib.sha256(call.encode()).hexdigest()[:32]}"


def cached(cache, version: Callable[[], str], *, timeout: int | None = None):
    """Decorator: memoise in `cache` under the current `version()` (e.g. `lambda: get_store().version`).

    A result of None is not cached (cachelib's get cannot tell it from a miss), so such calls always run.
    """
    def decorate(fn):
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            key = cache_key(version(), name, args, kwargs)
            hit = cache.get(key)
            if hit is not None:
                return hit
            value = fn(*args, **kwargs)
            if value is not None:
                cache.set(key, value, timeout=timeout)
            return value

        return wrapper

    return decorate
