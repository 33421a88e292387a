"""The shared response store: its config from the environment, sharing across workers, no stale entry after a new
data version, no entry crossing editions, a bounded folder, and a cache that is optional: a malformed REDIS_URL, an
unusable folder, a stopped Redis and a hung one (a real redis-server, SIGSTOPped) are logged once and served around.
Run against both backends for real (Redis is skipped, with the reason, where Debian's redis-server is not installed).
"""
import logging
import os
import signal
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import redis

from metrics import cache as shared
from metrics.cache import (DISK_LIMIT_BYTES, Breaker, DiskStore, Guarded, NoStore, RedisStore,
                           cache_config, cache_key, cached, default_cache_dir, open_store)
from metrics.store import data_version
from redis_server import own_redis, redis_url  # noqa: F401 - fixtures


@pytest.mark.parametrize("env, expected", [
    # REDIS_URL set: one Redis for every worker, each edition under its own key prefix.
    ({"REDIS_URL": "redis://cache.internal:6379/2"},
     {"backend": "redis", "url": "redis://cache.internal:6379/2", "prefix": "send-dashboard:board:"}),
    ({"REDIS_URL": "redis://r:6379/0", "APP_EDITION": "public"},
     {"backend": "redis", "url": "redis://r:6379/0", "prefix": "send-dashboard:public:"}),
    # An empty REDIS_URL (as `REDIS_URL=` in a shell) means no Redis: a folder per machine and edition.
    ({"REDIS_URL": "", "CACHE_DIR": "/srv/cache", "APP_EDITION": "public"},
     {"backend": "disk", "directory": f"/srv/cache/send-dashboard-cache-{os.getuid()}-public",
      "size_limit": DISK_LIMIT_BYTES}),
])
def test_cache_config_from_environment(env, expected):
    assert cache_config(env) == expected


def test_default_cache_dir_is_per_machine_and_per_edition():
    board, public = default_cache_dir({}), default_cache_dir({"APP_EDITION": "public"})
    assert board.parent == public.parent and board != public
    assert cache_config({})["directory"] == str(board)


def test_cache_key_changes_with_version_name_and_arguments():
    base = cache_key("v1", "pages.overview", ("north",), {"breakdown": "All"})
    assert base.startswith("pages.overview:v1:")
    assert cache_key("v1", "pages.overview", ("north",), {"breakdown": "All"}) == base
    for other in (cache_key("v2", "pages.overview", ("north",), {"breakdown": "All"}),
                  cache_key("v1", "pages.chart", ("north",), {"breakdown": "All"}),
                  cache_key("v1", "pages.overview", ("south",), {"breakdown": "All"}),
                  cache_key("v1", "pages.overview", ("north",), {"breakdown": "SEN support"}),
                  cache_key("v1", "pages.overview", ("north", None), {"breakdown": "All"})):
        assert other != base


@pytest.fixture(params=["disk", "redis"])
def base_env(request, tmp_path):
    """The environment of one deployment: its own cache folder, or an empty Redis."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushall()  # the throwaway server is ours alone
        return {"REDIS_URL": url}
    return {"CACHE_DIR": str(tmp_path / "cache")}


# -- what the store keeps -------------------------------------------------------------------------------------------

def _worker(env: dict, data_dir, calls: list):
    """One gunicorn worker's view: its own store, memoising what a page would, keyed by data version."""

    @cached(open_store(env), version=lambda: data_version(data_dir))
    def referrals(locality: str) -> bytes:
        calls.append(locality)
        return str(pq.read_metadata(data_dir / "therapy_referrals.parquet").num_rows).encode()

    return referrals


def _write_extract(path, rows: int) -> None:
    tmp = path.with_suffix(".tmp")
    pq.write_table(pa.table({"referral_id": [f"R{i}" for i in range(rows)]}), tmp)
    os.replace(tmp, path)  # as metrics.extract.install_extract does: atomic, and a new mtime


def test_workers_share_entries_and_a_new_data_version_is_never_stale(base_env, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _write_extract(data / "therapy_referrals.parquet", 3)
    calls_a, calls_b = [], []
    worker_a = _worker(base_env, data, calls_a)
    worker_b = _worker(base_env, data, calls_b)

    assert worker_a("north") == b"3" and calls_a == ["north"]
    assert worker_a("north") == b"3" and calls_a == ["north"]  # a hit: not recomputed
    assert worker_b("north") == b"3" and calls_b == []  # the other worker is served the same entry
    assert worker_b("south") == b"3" and calls_b == ["south"]  # other arguments, other entry

    _write_extract(data / "therapy_referrals.parquet", 5)  # a new extract: a new data version
    assert worker_b("north") == b"5" and calls_b == ["south", "north"]  # recomputed, never the stale 3
    assert worker_a("north") == b"5" and calls_a == ["north"]  # and the new entry is shared


def test_none_is_not_cached(base_env):
    calls = []

    @cached(open_store(base_env), version=lambda: "v1")
    def nothing():
        calls.append(1)

    nothing(), nothing()
    assert calls == [1, 1]


def test_editions_never_share_entries(base_env):
    board, public = open_store(base_env), open_store({**base_env, "APP_EDITION": "public"})
    board.set("overview", b"board-only drawing")
    assert board.get("overview") == b"board-only drawing"
    assert public.get("overview") is None


def test_the_store_holds_bytes_only(base_env):
    # Nothing read back from a shared store is unpickled: whoever can write to Redis cannot run code in the app.
    with pytest.raises(TypeError, match="bytes"):
        open_store(base_env).set("k", {"a": 1})


def test_the_folder_stays_within_its_bound_and_keeps_the_newest(tmp_path):
    # 300 entries of 1 kB in a folder bounded to 100 kB: the oldest stored go, the newest stay.
    store = DiskStore(str(tmp_path / "c"), size_limit=100_000)
    for i in range(300):
        store.set(f"view-{i}", bytes([i % 256]) * 1000)
    assert store.cache.volume() <= 100_000 + 64_000  # diskcache culls ten at a time; its SQLite pages count too
    assert store.get("view-299") == bytes([299 % 256]) * 1000
    assert store.get("view-0") is None


def test_entries_expire(tmp_path):
    store = DiskStore(str(tmp_path / "c"))
    store.set("soon", b"x", timeout=1)
    store.set("later", b"y")
    time.sleep(1.1)
    assert store.get("soon") is None and store.get("later") == b"y"


# -- optional: what is logged once and served around ----------------------------------------------------------------

def _warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "send.cache" and r.levelno >= logging.WARNING]


@pytest.mark.parametrize("url", ["not a url", "http://127.0.0.1:6379/0", "redis://127.0.0.1:notaport/0",
                                 "redis://user:s3cret@127.0.0.1:port/0"])
def test_a_malformed_redis_url_is_logged_once_and_served_without(url, caplog):
    store = open_store({"REDIS_URL": url})
    assert isinstance(store.store, NoStore)
    assert store.get("k") is None and store.set("k", b"v") is False
    (record,) = _warnings(caplog)
    assert "REDIS_URL cannot be used" in record.getMessage() and record.exc_info is None
    assert "s3cret" not in caplog.text  # a password in the URL is never logged


def test_an_unusable_cache_folder_is_logged_once_and_served_without(tmp_path, caplog):
    # A folder that cannot be made (its parent is a file): what an unwritable folder does, even to root.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    store = open_store({"CACHE_DIR": str(blocker / "below")})
    assert isinstance(store.store, NoStore)
    assert store.get("k") is None and store.set("k", b"v") is False
    (record,) = _warnings(caplog)
    assert "cannot be used" in record.getMessage() and record.exc_info is None


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _guarded_redis(url: str, clock) -> Guarded:
    return Guarded(RedisStore(url, "t:", connect_timeout=0.2, read_timeout=0.2), Breaker(retry_after=30, clock=clock))


def test_a_stopped_redis_costs_one_attempt_per_interval(own_redis, caplog):
    clock = FakeClock()
    store = _guarded_redis(own_redis.url, clock)
    assert store.set("k", b"v") is True and store.get("k") == b"v"
    own_redis.stop()  # connections are refused from now on
    results = [store.get("k") for _ in range(50)] + [store.set("k", b"w") for _ in range(50)]
    assert results == [None] * 50 + [False] * 50
    assert store.calls == 3 and store.breaker.opened == 1  # the two that worked, then one refused; the rest skipped
    clock.now += 31  # the interval passes: one probe, refused again, and the breaker opens again
    assert [store.get("k") for _ in range(10)] == [None] * 10
    assert store.calls == 4 and store.breaker.opened == 2
    lines = _warnings(caplog)
    assert len(lines) == 1 and "unavailable (ConnectionError" in lines[0].getMessage()  # a repeat is not re-logged
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in caplog.records)


def test_a_hung_redis_costs_one_timeout_per_interval_then_is_used_again(own_redis, caplog):
    clock = FakeClock()
    store = _guarded_redis(own_redis.url, clock)
    assert store.set("k", b"v") is True
    own_redis.proc.send_signal(signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        answers = [store.get("k") for _ in range(100)]
        assert answers == [None] * 100  # every request answered (as a miss), not stalled
        assert store.calls == 2 and store.breaker.opened == 1  # one timeout, then the breaker is open
        assert "unavailable (TimeoutError" in _warnings(caplog)[0].getMessage()
        clock.now += 31
        assert store.get("k") is None and store.calls == 3 and store.breaker.opened == 2  # one probe per interval
    finally:
        own_redis.proc.send_signal(signal.SIGCONT)
    clock.now += 31
    assert store.get("k") == b"v" and store.breaker.failed is False  # back: used again at once
    assert [store.get("k") for _ in range(5)] == [b"v"] * 5 and store.calls == 9
    messages = [r.getMessage() for r in _warnings(caplog)]
    assert len(messages) == 2 and messages[1] == "Redis response cache is back: using it again"


def test_only_one_caller_probes_a_half_open_breaker():
    clock = FakeClock()
    breaker = Breaker(retry_after=30, clock=clock)
    breaker.failed_with("x", OSError("down"))
    assert [breaker.allow() for _ in range(3)] == [False] * 3
    clock.now += 30
    assert [breaker.allow() for _ in range(3)] == [True, False, False]  # the first probes; the rest wait


def test_a_repeated_failure_is_logged_again_only_after_a_while(caplog, monkeypatch):
    clock = FakeClock()
    breaker = Breaker(retry_after=30, clock=clock)
    for _ in range(25):  # 25 failed probes, 30 s apart: 12.5 minutes
        breaker.failed_with("Redis response cache", OSError("down"))
        clock.now += 30
    messages = [r.getMessage() for r in _warnings(caplog)]
    assert len(messages) == 2 and "still unavailable" in messages[1]  # at 0 and at 10 minutes
    assert shared.REPEAT_LOG_S == 600


@pytest.mark.parametrize("typo", ["Board", "board ", "", "BOARD"])
def test_an_edition_that_is_not_exactly_board_caches_with_the_public_one(typo):
    # The app serves the public edition for these (fail closed); its cache must be the public one's too.
    assert default_cache_dir({"APP_EDITION": typo}) == default_cache_dir({"APP_EDITION": "public"})
    assert cache_config({"APP_EDITION": typo, "REDIS_URL": "redis://r"})["prefix"] == "send-dashboard:public:"
