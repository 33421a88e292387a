"""The shared response cache: its config from the environment, sharing across workers, no stale entry after a new
data version, and no entry crossing editions. Run against both backends for real (Redis is skipped, with the
reason, where Debian's redis-server is not installed)."""
import os
import shutil
import socket
import subprocess
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import redis
from flask import Flask
from flask_caching import Cache

from metrics.cache import DEFAULT_TIMEOUT_S, cache_config, cache_key, cached, default_cache_dir
from metrics.store import data_version


@pytest.mark.parametrize("env, expected", [
    # REDIS_URL set: one Redis for every worker; flask-caching 2.5 wants the class name, not a dotted path.
    ({"REDIS_URL": "redis://cache.internal:6379/2"},
     {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": "redis://cache.internal:6379/2",
      "CACHE_KEY_PREFIX": "send-dashboard:board:", "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT_S}),
    ({"REDIS_URL": "redis://r:6379/0", "APP_EDITION": "public"},
     {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": "redis://r:6379/0",
      "CACHE_KEY_PREFIX": "send-dashboard:public:", "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT_S}),
    # An empty REDIS_URL (as `REDIS_URL=` in a shell) means no Redis. FileSystemCache ignores CACHE_KEY_PREFIX,
    # so the edition goes into the directory name instead.
    ({"REDIS_URL": "", "CACHE_DIR": "/srv/cache", "APP_EDITION": "public"},
     {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": f"/srv/cache/send-dashboard-cache-{os.getuid()}-public",
      "CACHE_THRESHOLD": 5000, "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT_S}),
])
def test_cache_config_from_environment(env, expected):
    assert cache_config(env) == expected


def test_default_cache_dir_is_per_machine_and_per_edition():
    board, public = default_cache_dir({}), default_cache_dir({"APP_EDITION": "public"})
    assert board.parent == public.parent and board != public
    assert cache_config({})["CACHE_DIR"] == str(board)


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


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A throwaway redis-server on 127.0.0.1 (Debian's redis-server package), stopped after these tests."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server): the Redis backend is untested")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path_factory.mktemp("redis"))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"redis-server did not start on 127.0.0.1:{port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(params=["filesystem", "redis"])
def base_env(request, tmp_path):
    """The environment of one deployment: its own cache folder, or an empty Redis."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushall()  # the throwaway server is ours alone
        return {"REDIS_URL": url}
    return {"CACHE_DIR": str(tmp_path / "cache")}


def _worker(config: dict, data_dir, calls: list):
    """One gunicorn worker's view: its own Flask app and Cache, memoising what a page would, keyed by data version."""
    cache = Cache(Flask(__name__), config=config)

    @cached(cache.cache, version=lambda: data_version(data_dir))
    def referrals(locality: str) -> int:
        calls.append(locality)
        return pq.read_metadata(data_dir / "therapy_referrals.parquet").num_rows

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
    worker_a = _worker(cache_config(base_env), data, calls_a)
    worker_b = _worker(cache_config(base_env), data, calls_b)

    assert worker_a("north") == 3 and calls_a == ["north"]
    assert worker_a("north") == 3 and calls_a == ["north"]  # a hit: not recomputed
    assert worker_b("north") == 3 and calls_b == []  # the other worker is served the same entry
    assert worker_b("south") == 3 and calls_b == ["south"]  # other arguments, other entry

    _write_extract(data / "therapy_referrals.parquet", 5)  # a new extract: a new data version
    assert worker_b("north") == 5 and calls_b == ["south", "north"]  # recomputed, never the stale 3
    assert worker_a("north") == 5 and calls_a == ["north"]  # and the new entry is shared


def test_none_is_not_cached(base_env):
    cache = Cache(Flask(__name__), config=cache_config(base_env))
    calls = []

    @cached(cache.cache, version=lambda: "v1")
    def nothing():
        calls.append(1)

    nothing(), nothing()
    assert calls == [1, 1]


def test_editions_never_share_entries(base_env):
    board = Cache(Flask(__name__), config=cache_config(base_env))
    public = Cache(Flask(__name__), config=cache_config({**base_env, "APP_EDITION": "public"}))
    board.set("overview", "board-only drawing")
    assert board.get("overview") == "board-only drawing"
    assert public.get("overview") is None
