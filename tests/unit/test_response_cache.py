"""components.cache: responses are built once per data version and kept in the shared store through flask-caching,
a store that is down or hung is built around (every request answered, the store asked once per interval), and an
error raised while building is the building's own (neither swallowed nor cached)."""
import signal
import tracemalloc
from types import SimpleNamespace

import orjson
import pytest
import redis
from flask import Flask

from components import cache as response_cache
from metrics.cache import Breaker, Guarded, RedisStore
from redis_server import own_redis  # noqa: F401 - fixture


def app_with(monkeypatch, store=None) -> Flask:
    """A Flask app with the response cache; `store` replaces the shared store the environment would give."""
    monkeypatch.setattr(response_cache, "get_store", lambda: SimpleNamespace(version="v1"))
    server = Flask(__name__)
    response_cache.init(server)
    if store is not None:
        backend = server.extensions["cache"][response_cache.cache]
        backend.layers = response_cache.Layers(store)
    return server


@pytest.fixture
def folder_env(monkeypatch, tmp_path):
    monkeypatch.setenv("CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)


def counted(value=lambda name: f"figure of {name}".encode()):
    calls = []

    def build(name):
        def make():
            calls.append(name)
            return value(name)
        return make

    return build, calls


def test_a_response_is_built_once_and_another_worker_reads_it_from_the_folder(folder_env, monkeypatch):
    build, calls = counted()
    worker = app_with(monkeypatch)
    with worker.app_context():
        got = [response_cache.response_bytes(build(n), "/figure/x.json", n) for n in ("north", "north", "south")]
    assert got == [b"figure of north", b"figure of north", b"figure of south"] and calls == ["north", "south"]
    other = app_with(monkeypatch)  # a second worker: its own memory, the same folder
    with other.app_context():
        assert response_cache.response_bytes(build("north"), "/figure/x.json", "north") == b"figure of north"
    assert calls == ["north", "south"]


def test_a_quick_window_stays_with_its_worker_and_anything_slow_or_windowless_is_shared(folder_env, monkeypatch):
    # Windows are endless: one drawn in under SHARE_AFTER_S of CPU time is not worth a write to the shared folder. The worker
    # that drew it answers it again from memory; another draws it again. Slow ones and windowless ones are shared.
    import time
    build, calls = counted()

    def slow(name):
        def make():  # busy, not asleep: what counts is the CPU time a build takes
            until = time.thread_time() + 2 * response_cache.SHARE_AFTER_S
            while time.thread_time() < until:
                pass
            return build(name)()
        return make

    worker, other = app_with(monkeypatch), app_with(monkeypatch)
    asks = (("quick", build, True), ("slow", slow, True), ("whole", build, False))
    with worker.app_context():
        for _ in range(2):
            for name, how, windowed in asks:
                response_cache.response_bytes(how(name), f"/chart/{name}.html", name, windowed=windowed)
    assert calls == ["quick", "slow", "whole"]
    with other.app_context():
        for name, how, windowed in asks:
            got = response_cache.response_bytes(how(name), f"/chart/{name}.html", name, windowed=windowed)
            assert got == f"figure of {name}".encode()
    assert calls == ["quick", "slow", "whole", "quick"]


class Counting:
    """A shared store that counts what is asked of it."""
    name = "counting store"

    def __init__(self):
        self.held, self.gets, self.sets = {}, 0, 0

    def get(self, key):
        self.gets += 1
        return self.held.get(key)

    def set(self, key, value, timeout=None):
        self.sets += 1
        self.held[key] = value
        return True


def test_windows_of_a_path_drawn_quickly_are_not_looked_for_in_the_shared_store(monkeypatch):
    # The shared store holds only slow windows: after a quick window of a path, the next windows of that path are
    # looked for in the worker's memory only (a folder's miss is a query for nothing); a slow one turns that off.
    import time
    shared = Counting()
    server = app_with(monkeypatch, Guarded(shared))

    def slow(name):
        def make():
            until = time.thread_time() + 2 * response_cache.SHARE_AFTER_S
            while time.thread_time() < until:
                pass
            return name.encode()
        return make

    with server.app_context():
        response_cache.response_bytes(lambda: b"a", "/chart/x.html", "from=2020-01", windowed=True)
        assert (shared.gets, shared.sets) == (1, 0)  # not known yet: looked for, drawn quickly, kept here
        response_cache.response_bytes(lambda: b"b", "/chart/x.html", "from=2020-02", windowed=True)
        assert response_cache.response_bytes(lambda: b"new", "/chart/x.html", "from=2020-01", windowed=True) == b"a"
        assert (shared.gets, shared.sets) == (1, 0)  # neither asked of the shared store
        response_cache.response_bytes(lambda: b"whole", "/chart/x.html", "", windowed=False)
        assert (shared.gets, shared.sets) == (2, 1)  # a view without a window is always shared
        response_cache.response_bytes(slow("c"), "/chart/x.html", "from=2020-03", windowed=True)
        assert (shared.gets, shared.sets) == (2, 2)  # slow: written to the shared store
        response_cache.response_bytes(lambda: b"d", "/chart/x.html", "from=2020-04", windowed=True)
        assert shared.gets == 3  # after a slow window, the next is looked for there again
        response_cache.response_bytes(lambda: b"e", "/chart/y.html", "from=2020-04", windowed=True)
        assert shared.gets == 4  # another path: its own


def test_a_new_data_version_is_built_again(folder_env, monkeypatch):
    build, calls = counted()
    server = app_with(monkeypatch)
    with server.app_context():
        response_cache.response_bytes(build("north"), "/figure/x.json", "north")
        monkeypatch.setattr(response_cache, "get_store", lambda: SimpleNamespace(version="v2"))
        response_cache.response_bytes(build("north"), "/figure/x.json", "north")
    assert calls == ["north", "north"]


@pytest.mark.parametrize("error", [OSError("the build read a missing file"), ConnectionError("the build's own")])
def test_an_error_while_building_is_raised_once_and_not_kept(folder_env, monkeypatch, error):
    calls = []

    def fail():
        calls.append(1)
        raise error

    server = app_with(monkeypatch)
    with server.app_context():
        for _ in range(2):
            with pytest.raises(type(error)):
                response_cache.response_bytes(fail, "/figure/x.json", "")
    assert calls == [1, 1]


def test_the_cache_holds_bytes_only(folder_env, monkeypatch):
    server = app_with(monkeypatch)
    with server.app_context(), pytest.raises(TypeError):
        response_cache.cache.set("k", {"a pickled": "object"})


class Down:
    """A store whose every call fails, as Redis does when it is unreachable."""
    name = "test store"

    def __init__(self, error):
        self.error = error

    def get(self, key):
        raise self.error

    def set(self, key, value, timeout=None):
        raise self.error


@pytest.mark.parametrize("error", [redis.exceptions.ConnectionError("refused"), OSError(28, "No space left")])
def test_a_store_that_is_down_is_built_around(monkeypatch, error):
    down = Guarded(Down(error))
    build, calls = counted()
    server = app_with(monkeypatch, down)
    with server.app_context():
        got = [response_cache.response_bytes(build(n), "/f", n) for n in ("north", "north", "south")]
    assert got == [b"figure of north", b"figure of north", b"figure of south"]
    assert calls == ["north", "south"]  # kept by this worker, which still works
    assert down.calls == 1  # the first failure opened the breaker: the store was left alone


def test_requests_are_answered_while_redis_is_hung(own_redis, monkeypatch, caplog):
    """A real redis-server, SIGSTOPped: every request of a Flask app is answered, Redis is waited for once."""
    hung = Guarded(RedisStore(own_redis.url, "t:", connect_timeout=0.2, read_timeout=0.2), Breaker(retry_after=60))
    build, calls = counted()
    server = app_with(monkeypatch, hung)

    @server.get("/chart/<view>")
    def chart(view):
        return response_cache.response_bytes(build(view), "/chart", view)

    own_redis.proc.send_signal(signal.SIGSTOP)
    try:
        client = server.test_client()
        answers = [client.get(f"/chart/{i % 10}") for i in range(40)]
    finally:
        own_redis.proc.send_signal(signal.SIGCONT)
    assert [a.status_code for a in answers] == [200] * 40
    assert [a.data for a in answers] == [f"figure of {i % 10}".encode() for i in range(40)]
    assert calls == [str(i) for i in range(10)]  # each built once, then kept in the worker's memory
    assert hung.calls == 1 and hung.breaker.opened == 1  # one timeout; every later request skipped Redis
    warnings = [r for r in caplog.records if r.name == "send.cache"]
    assert len(warnings) == 1 and warnings[0].exc_info is None


def test_each_worker_keeps_only_its_most_recent_entries_within_its_budget():
    layers = response_cache.Layers(Guarded(Down(OSError("down"))), budget=10)
    for key, value in (("a", b"aaaa"), ("b", b"bbbb"), ("a", b"aaaa"), ("c", b"cccc")):
        layers.set(key, value)  # 12 bytes > 10: "b", used least recently ("a" was used again), goes
    assert [layers.get(k) for k in ("a", "b", "c")] == [b"aaaa", None, b"cccc"] and layers.size == 8
    layers.set("big", b"x" * 20)  # larger than the whole budget: kept alone, until the next one
    assert list(layers.recent) == ["big"] and layers.size == 20


def test_kept_responses_hold_their_length_not_the_buffer_they_were_encoded_in():
    # orjson returns its output in the buffer it grew into (a 7 kB figure in ~65 kB): kept as it came, the 8 MB
    # budget held 20 MB. What is kept must cost about its length.
    layers = response_cache.Layers(Guarded(Down(OSError("down"))), budget=10 * 2**20)
    figure = {"x": [f"2024-{m:02d}-01" for m in range(1, 13)] * 20, "y": [i / 7 for i in range(240)]}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(50):
            layers.set(f"k{i}", orjson.dumps({**figure, "i": i}))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert layers.size == sum(len(v) for v in layers.recent.values()) and len(layers.recent) == 50
    assert held < 1.5 * layers.size, (held, layers.size)


def test_outside_an_app_with_the_cache_it_is_a_plain_call():
    build, calls = counted()
    assert response_cache.response_bytes(build("n"), "/f") == response_cache.response_bytes(build("n"), "/f")
    assert calls == ["n", "n"]
    with Flask(__name__).app_context():  # an app without the cache
        response_cache.response_bytes(build("n"), "/f")
    assert calls == ["n", "n", "n"]
