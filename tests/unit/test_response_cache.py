"""components.cache.memoize: drawings are kept in the shared cache and sent exactly as drawn, a cache that is down
is drawn around, and an error raised while drawing is the drawing's own (neither swallowed nor drawn twice)."""
from types import SimpleNamespace

import plotly.io as pio
import pytest
import redis
from dash import html
from flask import Flask
from plotly.io.json import to_json_plotly

from components import cache as response_cache


@pytest.fixture
def app(monkeypatch, tmp_path):
    monkeypatch.setenv("CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(response_cache, "get_store", lambda: SimpleNamespace(version="v1"))
    monkeypatch.setattr(response_cache, "cache", response_cache.Cache())
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


@pytest.mark.parametrize("error", [OSError("the drawing read a missing file"), ConnectionError("drawing's own")])
def test_an_error_while_drawing_is_raised_once_not_retried(app, error):
    def fail(_):
        raise error

    draw, calls = counted(fail)
    with app.app_context(), pytest.raises(type(error)):
        draw("north")
    assert calls == ["north"]  # before the fix, an OSError here made it draw a second time


class Down:
    """A backend whose every call fails, as Redis does when it is unreachable."""

    def __init__(self, error):
        self.error = error

    def get(self, key):
        raise self.error

    def set(self, key, value, timeout=None):
        raise self.error


@pytest.mark.parametrize("error", [redis.exceptions.ConnectionError("refused"), OSError(28, "No space left")])
def test_a_cache_that_is_down_is_drawn_around(app, monkeypatch, error):
    monkeypatch.setattr(type(response_cache.cache), "cache", property(lambda self: Down(error)))
    monkeypatch.setattr(pio.json.config, "default_engine", "json")
    draw, calls = counted(lambda locality: f"chart for {locality}")
    with app.app_context():
        assert draw("north") == "chart for north"
        assert draw("north") == "chart for north"  # kept by this worker, which still works
    assert calls == ["north"]


def test_each_worker_keeps_only_its_most_recent_entries_within_its_budget():
    layers = response_cache.Layers(Down(OSError("down")), budget=10)
    for key, value in (("a", b"aaaa"), ("b", b"bbbb"), ("a", b"aaaa"), ("c", b"cccc")):
        layers.set(key, value)  # 12 bytes > 10: "b", used least recently ("a" was used again), goes
    assert [layers.get(k) for k in ("a", "b", "c")] == [b"aaaa", None, b"cccc"] and layers.size == 8
    layers.set("big", b"x" * 20)  # larger than the whole budget: kept alone, until the next one
    assert list(layers.recent) == ["big"] and layers.size == 20


def test_outside_a_request_it_is_a_plain_call(monkeypatch):
    monkeypatch.setattr(response_cache, "_ready", False)
    draw, calls = counted(lambda locality: locality.upper())
    assert draw("north") == draw("north") == "NORTH" and calls == ["north", "north"]
