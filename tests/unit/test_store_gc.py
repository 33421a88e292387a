"""metrics.store and the cyclic garbage collector: what a data version keeps is frozen once it is built (a full
collection walked all of it every few dozen requests, pausing a page's callback ~100 ms), and unfrozen when a
reload replaces it, so the old version can be collected."""
import gc

import pytest

from metrics import store as store_module


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_warmed_version_is_out_of_the_collectors_sweeps(small_store, unfrozen, monkeypatch):
    monkeypatch.setattr(store_module, "_warmers", [])
    monkeypatch.setattr(type(small_store), "precompute", lambda self: None)
    assert gc.get_freeze_count() == 0
    store_module._warm(small_store)
    assert gc.get_freeze_count() > 1000  # the store's objects, and everything else alive now


def test_a_reload_unfreezes_the_version_it_replaces(small_store, unfrozen, monkeypatch):
    gc.freeze()
    assert gc.get_freeze_count() > 0
    built = []
    monkeypatch.setattr(store_module, "_current", small_store)
    monkeypatch.setattr(store_module, "_checked_at", 0.0)
    monkeypatch.setattr(store_module, "data_version", lambda d: "a newer version")
    monkeypatch.setattr(store_module, "build_store", lambda d, precompute: built.append(d) or small_store)
    monkeypatch.setattr(store_module.threading, "Thread", lambda **kw: type("T", (), {"start": lambda self: None})())
    assert store_module.get_store(small_store.data_dir) is small_store
    assert built == [small_store.data_dir] and gc.get_freeze_count() == 0  # the replaced version may be collected
