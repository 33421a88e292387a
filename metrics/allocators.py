"""How Arrow allocates, set before it first allocates (imported first by `metrics/__init__.py`).

pyarrow's default pool (mimalloc) kept what validation and loading had freed: ~40 MB a worker on the default data,
and 1.3 GB of the 1.9 GB peak on the 10M-referral extract. Its jemalloc pool gives it back within a second or so
(measured in a worker after loading and warming: default data ~280 MB, 10M extract ~420 MB against 1,270); the
system allocator did as well on the default data but kept 1.7 GB on the 10M extract. ARROW_DEFAULT_MEMORY_POOL
in the environment still wins.
"""
from __future__ import annotations

import os
import sys

ARROW_POOL = "jemalloc"


def configure() -> None:
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", ARROW_POOL)
    if "pyarrow" in sys.modules and os.environ["ARROW_DEFAULT_MEMORY_POOL"] == ARROW_POOL:
        # Imported before us: the environment may be read too late, so set the pool outright.
        import pyarrow

        pyarrow.set_memory_pool(pyarrow.jemalloc_memory_pool())
