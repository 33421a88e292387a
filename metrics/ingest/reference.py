"""Where the published reference files live: `data/reference/` if a copy was committed, else the shared
folder beside the repository (`../shared/reference/`). Only the build script and tests read them."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REFERENCE_DIRS = (REPO / "data" / "reference", REPO.parent / "shared" / "reference")


def reference_dir() -> Path | None:
    return next((d for d in REFERENCE_DIRS if d.is_dir()), None)
