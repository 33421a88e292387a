"""The response cache's shared store, which every gunicorn worker uses, and cache keys that carry the data version.

`open_store(os.environ)` gives the store: Redis when `REDIS_URL` is set (one cache for every worker on every machine
behind a load balancer), otherwise a bounded folder per machine (diskcache: SQLite-indexed, so eviction and expiry
cost the same at 50,000 entries as at 50; cachelib's FileSystemCache counted and pruned its whole folder on every
write past its threshold). Each edition (APP_EDITION) caches apart, in the Redis key prefix and the folder name, so a
public edition is never served a board-only drawing.

The cache is optional: the store never raises and never stalls a request for long.
- A malformed `REDIS_URL` or an unusable folder is logged once, and the app serves without a shared store.
- Redis gets short connect and read timeouts and no retries, behind a circuit breaker: after one failure (a refused
  connection, or a Redis that accepts connections but does not answer, e.g. stopped with SIGSTOP) the store is not
  asked again for `RETRY_AFTER_S`, so a hung Redis costs each worker one timeout per interval. One log line when it
  fails, one when it is back; no traceback.
Values are bytes (the JSON a response sends), stored as they are: nothing read from a shared store is unpickled.

`cached(store, version)` memoises a function under a key that includes `version()` (the data version, plus anything
else that must invalidate, such as a code fingerprint), so a new extract is never answered from an entry computed on
the old one: old entries are simply never asked for again, and expire or are evicted.
Plain Python (no Flask or Dash import).
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

log = logging.getLogger("send.cache")

# Entries of an old data version are unreachable (their keys carry the old version); this bounds how long they
# occupy Redis memory or disk.
DEFAULT_TIMEOUT_S = 24 * 3600
NAMESPACE = "send-dashboard"
# Redis on the same network answers in well under a millisecond; a chart is drawn in a few. Past these, drawing it
# again is quicker than waiting.
CONNECT_TIMEOUT_S = 0.25
READ_TIMEOUT_S = 0.5
RETRY_AFTER_S = 30.0
# A repeated failure is logged again at most this often (the first failure and the recovery always are).
REPEAT_LOG_S = 600.0
# The folder's size bound: a chart card is 10-30 kB, an overview about 250 kB, so this holds tens of thousands of
# views; the least recently stored go first.
DISK_LIMIT_BYTES = 512 * 2**20
# Workers share the folder's SQLite index; a write that cannot get its lock this fast is skipped, not waited for.
DISK_LOCK_TIMEOUT_S = 0.1


def _edition(env: Mapping[str, str]) -> str:
    from metrics.edition import edition_of  # the one reading of APP_EDITION (a typo is public, never board)
    return edition_of(env)


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """One folder per machine, user and edition, shared by all the machine's workers."""
    base = env.get("CACHE_DIR") or tempfile.gettempdir()
    return Path(base) / f"{NAMESPACE}-cache-{os.getuid()}-{_edition(env)}"


def cache_config(env: Mapping[str, str]) -> dict:
    """Which shared store the environment asks for: Redis if REDIS_URL is set (and not empty), else a folder."""
    url = env.get("REDIS_URL")
    if url:
        return {"backend": "redis", "url": url, "prefix": f"{NAMESPACE}:{_edition(env)}:"}
    return {"backend": "disk", "directory": str(default_cache_dir(env)), "size_limit": DISK_LIMIT_BYTES}


class Breaker:
    """Closed (calls go through) until a call fails; then open for `retry_after` seconds (calls are refused at once);
    then one caller probes (half-open) while the others are still refused. Thread-safe; `clock` is for tests."""

    def __init__(self, retry_after: float = RETRY_AFTER_S, clock: Callable[[], float] = time.monotonic):
        self.retry_after, self.clock = retry_after, clock
        self.lock = threading.Lock()
        self.failed = False
        self.retry_at = 0.0
        self.opened = 0  # how many times it has opened (for tests and benchmarks)
        self.last_logged = None

    def allow(self) -> bool:
        with self.lock:
            now = self.clock()
            if now < self.retry_at:
                return False
            if self.failed:  # half-open: this caller probes; the rest wait another interval
                self.retry_at = now + self.retry_after
            return True

    def succeeded(self, name: str) -> None:
        if not self.failed:
            return
        with self.lock:
            was, self.failed, self.retry_at, self.last_logged = self.failed, False, 0.0, None
        if was:
            log.warning("%s is back: using it again", name)

    def failed_with(self, name: str, exc: BaseException) -> None:
        with self.lock:
            now = self.clock()
            first = not self.failed
            self.failed, self.retry_at = True, now + self.retry_after
            self.opened += 1
            say = first or self.last_logged is None or now - self.last_logged >= REPEAT_LOG_S
            if say:
                self.last_logged = now
        if say:
            detail = " ".join(str(exc).split())[:160]
            log.warning("%s %s (%s%s): serving without it, trying again in %.0f s", name,
                        "unavailable" if first else "still unavailable", type(exc).__name__,
                        f": {detail}" if detail else "", self.retry_after)


class NoStore:
    """No shared store (none configured usably): every get is a miss and every set is dropped."""
    name = "no shared response cache"

    def get(self, key: str) -> bytes | None:
        return None

    def set(self, key: str, value: bytes, timeout: int | None = None) -> bool:
        return False


class Guarded:
    """A store whose failures are misses: `get` and `set` never raise, and a failing store is left alone for an
    interval (see Breaker). `skip` are errors that are a miss but not a failure (a busy lock)."""

    def __init__(self, store, breaker: Breaker | None = None, skip: tuple[type[BaseException], ...] = ()):
        self.store, self.breaker, self.skip = store, breaker or Breaker(), skip
        self.name = store.name
        self.calls = 0  # calls that reached the store (the rest were refused by the open breaker)

    def _call(self, method: str, *args):
        if not self.breaker.allow():
            return None
        self.calls += 1
        try:
            result = getattr(self.store, method)(*args)
        except self.skip:
            return None
        except Exception as exc:  # noqa: BLE001 - any failure of an optional cache is a miss
            self.breaker.failed_with(self.name, exc)
            return None
        self.breaker.succeeded(self.name)
        return result

    def get(self, key: str) -> bytes | None:
        return self._call("get", key)

    def set(self, key: str, value: bytes, timeout: int | None = None) -> bool:
        if not isinstance(value, bytes):
            raise TypeError(f"the shared store holds bytes, not {type(value).__name__}")
        return bool(self._call("set", key, value, timeout))


class RedisStore:
    name = "Redis response cache"

    def __init__(self, url: str, prefix: str, *, connect_timeout: float = CONNECT_TIMEOUT_S,
                 read_timeout: float = READ_TIMEOUT_S):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # No retries: redis-py's default retries three times with backoff, which multiplies every timeout.
        self.client = redis.Redis.from_url(url, socket_connect_timeout=connect_timeout, socket_timeout=read_timeout,
                                           retry=Retry(NoBackoff(), 0), health_check_interval=0)
        self.prefix = prefix

    def get(self, key: str) -> bytes | None:
        return self.client.get(self.prefix + key)

    def set(self, key: str, value: bytes, timeout: int | None = None) -> bool:
        return bool(self.client.set(self.prefix + key, value, ex=timeout or DEFAULT_TIMEOUT_S))


class DiskStore:
    name = "response cache folder"

    def __init__(self, directory: str, size_limit: int = DISK_LIMIT_BYTES):
        import diskcache

        # Least recently *stored* goes first: an LRU policy would write on every read; the worker's memory layer
        # in front already keeps what is read often. SQLite's own page cache (diskcache's default 32 MB) and
        # memory map (64 MB) grew each worker by ~55 MB as views were drawn (bench/); the OS's file cache already
        # holds the folder, and look-ups were no slower with 1 MB and no map.
        self.cache = diskcache.Cache(directory, size_limit=size_limit, eviction_policy="least-recently-stored",
                                     timeout=DISK_LOCK_TIMEOUT_S, statistics=False, tag_index=False,
                                     sqlite_cache_size=2**8, sqlite_mmap_size=0)
        self.directory = directory

    def get(self, key: str) -> bytes | None:
        return self.cache.get(key)

    def set(self, key: str, value: bytes, timeout: int | None = None) -> bool:
        return bool(self.cache.set(key, value, expire=timeout or DEFAULT_TIMEOUT_S))


def open_store(env: Mapping[str, str]) -> Guarded:
    """The shared store the environment asks for, guarded; a configuration it cannot use is logged once and gives
    a store that is always a miss (the app serves without a shared cache rather than not at all)."""
    config = cache_config(env)
    try:
        if config["backend"] == "redis":
            return Guarded(RedisStore(config["url"], config["prefix"]))
        import diskcache

        return Guarded(DiskStore(config["directory"], config["size_limit"]), skip=(diskcache.Timeout,))
    except Exception as exc:  # noqa: BLE001 - a cache that cannot be opened is no reason not to serve
        # Never the URL itself: it may hold a password.
        what = "REDIS_URL" if config["backend"] == "redis" else f"cache folder {config['directory']}"
        log.warning("%s cannot be used (%s): serving without a shared response cache", what, type(exc).__name__)
        return Guarded(NoStore())


def cache_key(version: str, name: str, args: tuple = (), kwargs: Mapping | None = None) -> str:
    """`name` (a function's dotted name) called with these arguments, under `version`.

    Arguments are hashed through their repr, so they must have a stable one (str, int, date, None, tuples of them).
    """
    call = repr((args, sorted((kwargs or {}).items())))
    return f"{name}:{version}:{hashlib.sha256(call.encode()).hexdigest()[:32]}"


def cached(store, version: Callable[[], str], *, timeout: int | None = None):
    """Decorator: memoise a function returning bytes in `store` (anything with get and set, such as `open_store`'s)
    under the current `version()` (e.g. `lambda: get_store().version`).

    A result of None is not cached (a get cannot tell it from a miss), so such calls always run.
    """
    def decorate(fn):
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            key = cache_key(version(), name, args, kwargs)
            hit = store.get(key)
            if hit is not None:
                return hit
            value = fn(*args, **kwargs)
            if value is not None:
                store.set(key, value, timeout=timeout)
            return value

        return wrapper

    return decorate
