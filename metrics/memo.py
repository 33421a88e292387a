"""What a worker keeps of what it built (SPC lookups, measure views, overviews): everything of the default window
for good, since pages open on it and it is a bounded set (measures × places × parts), and only the most recent few
of the windows analysts choose, since those are endless and the response cache in front already holds the finished
figures and tables. Keeping 4,096 windowed views and 64 windowed overviews let exploring grow a worker by 300 MB."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class Memo:
    """Values by key, built once: windowless ones up to `whole` (least recently used out past it; None: no bound),
    windowed ones up to `windowed`. Thread-safe; a value may be built twice by racing threads, never kept twice."""

    def __init__(self, windowed: int, whole: int | None = None):
        self.windowed_max, self.whole_max = windowed, whole
        self.whole: OrderedDict = OrderedDict()
        self.windowed: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, windowless: bool, build: Callable[[], object]):
        kept = self.whole if windowless else self.windowed
        with self._lock:
            if key in kept:
                kept.move_to_end(key)
                return kept[key]
        value = build()
        with self._lock:
            kept[key] = value
            for held, bound in ((self.whole, self.whole_max), (self.windowed, self.windowed_max)):
                while bound is not None and len(held) > bound:
                    held.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self.whole.clear()
            self.windowed.clear()
