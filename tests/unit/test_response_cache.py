"""components.cache.memoize: drawings are kept in the shared store and sent exactly as drawn, a store that is down
or hung is drawn around (every request answered, the store asked once per interval), and an error raised while
drawing is the drawing's own (neither swallowed nor drawn twice)."""
import signal
from types import SimpleNamespace

import orjson
import plotly.io as pio
import pytest
import redis
from dash import html
from flask import Flask
from plotly.io.json import to_json_plotly

from components import cache as response_cache
from metrics.cache import Breaker, Guarded, RedisStore
from redis_server import own_redis  # noqa: F401 - fixture


@pytest.fixture
def app(monkeypatch, tmp_path):
    monkeypatch.setenv("CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(response_cache, "get_store", lambda: SimpleNamespace(version="v1"))
    monkeypatch.setattr(response_cache, "store", response_cache.store)  # restored after the test
    server = Flask(__name__)
    response_cache.init(server)
    yield server
    monkeypatch.setattr(response_cache, "_ready", False)


def counted(behaviour):
    calls = []

    @response_cache.memoize
    def draw(locality: str):
        calls.append(locality)
        return behaviour(locality)

    return draw, calls


def card(locality):
    return [html.H3(f"Waiting list, {locality}", id="title"), html.P(["Up 3.5% on 2024 </script>", html.B("–")])]


@pytest.mark.parametrize("engine", ["json", "orjson", "auto"])
def test_a_drawing_is_made_once_and_sent_as_drawn(app, monkeypatch, engine):
    monkeypatch.setattr(pio.json.config, "default_engine", engine)
    draw, calls = counted(card)
    with app.app_context():
        got = [draw("north"), draw("north"), draw("south")]
    assert calls == ["north", "south"]
    # What Dash sends for the response holding it is the very text the components themselves would give.
    for value, locality in zip(got, ["north", "north", "south"]):
        response = {"multi": True, "response": {"card": {"children": value}}}
        expected = {"multi": True, "response": {"card": {"children": card(locality)}}}
        assert to_json_plotly(response) == to_json_plotly(expected, engine="json")


def test_another_worker_is_served_from_the_shared_folder(app, monkeypatch):
    monkeypatch.setattr(pio.json.config, "default_engine", "json")
    draw, calls = counted(lambda locality: f"chart for {locality}")
    with app.app_context():
        draw("north")
        monkeypatch.setattr(response_cache, "_shared", None)  # a fresh worker: nothing in its memory
        assert draw("north") == "chart for north"
    assert calls == ["north"]


@pytest.mark.parametrize("error", [OSError("the drawing read a missing file"), ConnectionError("drawing's own")])
def test_an_error_while_drawing_is_raised_once_not_retried(app, error):
    def fail(_):
        raise error

    draw, calls = counted(fail)
    with app.app_context(), pytest.raises(type(error)):
        draw("north")
    assert calls == ["north"]


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
def test_a_store_that_is_down_is_drawn_around(app, monkeypatch, error):
    monkeypatch.setattr(response_cache, "store", Guarded(Down(error)))
    monkeypatch.setattr(pio.json.config, "default_engine", "json")
    draw, calls = counted(lambda locality: f"chart for {locality}")
    with app.app_context():
        assert draw("north") == "chart for north"
        assert draw("north") == "chart for north"  # kept by this worker, which still works
        assert draw("south") == "chart for south"
    assert calls == ["north", "south"]
    assert response_cache.store.calls == 1  # the first failure opened the breaker: the store was left alone


def test_requests_are_answered_while_redis_is_hung(own_redis, monkeypatch, caplog):
    """A real redis-server, SIGSTOPped: every request of a Flask app is answered, Redis is waited for once."""
    monkeypatch.setattr(response_cache, "get_store", lambda: SimpleNamespace(version="v1"))
    monkeypatch.setattr(response_cache, "_ready", True)
    monkeypatch.setattr(response_cache, "_shared", None)
    monkeypatch.setattr(pio.json.config, "default_engine", "orjson")
    hung = Guarded(RedisStore(own_redis.url, "t:", connect_timeout=0.2, read_timeout=0.2), Breaker(retry_after=60))
    monkeypatch.setattr(response_cache, "store", hung)
    draw, calls = counted(lambda view: {"view": view})
    server = Flask(__name__)

    @server.get("/chart/<view>")
    def chart(view):
        return orjson.dumps({"figure": draw(view)})

    own_redis.proc.send_signal(signal.SIGSTOP)
    try:
        client = server.test_client()
        answers = [client.get(f"/chart/{i % 10}") for i in range(40)]
    finally:
        own_redis.proc.send_signal(signal.SIGCONT)
    assert [a.status_code for a in answers] == [200] * 40
    assert [orjson.loads(a.data)["figure"]["view"] for a in answers] == [str(i % 10) for i in range(40)]
    assert calls == [str(i) for i in range(10)]  # each view drawn once, then kept in the worker's memory
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


def test_outside_a_request_it_is_a_plain_call(monkeypatch):
    monkeypatch.setattr(response_cache, "_ready", False)
    draw, calls = counted(lambda locality: locality.upper())
    assert draw("north") == draw("north") == "NORTH" and calls == ["north", "north"]
