"""Rebuild `data/metric_values/published.parquet` and `data/ingest_log.jsonl` from the published reference files.

    .venv/bin/python data/build_published.py [REFERENCE_DIR]
        (default: data/reference/ if present, else ../shared/reference/)

Every statistics CSV in REFERENCE_DIR goes through the same code as `python -m metrics.ingest`, from scratch and
in release order (see metrics/ingest/batch.py). A bad file leaves `data/` as it was. The app reads only `data/`.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # runnable as a plain script from anywhere

from metrics.ingest.batch import build  # noqa: E402
from metrics.ingest.errors import IngestError  # noqa: E402
from metrics.ingest.log import LOG  # noqa: E402
from metrics.ingest.merge import PUBLISHED  # noqa: E402
from metrics.ingest.reference import REFERENCE_DIRS, reference_dir  # noqa: E402


def main(argv: list[str]) -> int:
    reference = Path(argv[0]) if argv else reference_dir()
    if reference is None or not reference.is_dir():
        print(f"ERROR: no reference folder (looked in {', '.join(map(str, REFERENCE_DIRS))})", file=sys.stderr)
        return 1
    data_dir = REPO / "data"
    try:
        results = build(reference, data_dir)
    except IngestError as exc:
        print(f"ERROR: {exc}\nNothing in {data_dir} was changed.", file=sys.stderr)
        return 1
    for r in results:
        print(f"{r.file}: {r.rows_written} rows ({', '.join(r.metrics) or 'nothing mapped'})"
              + (f"; {len(r.warnings)} warning(s)" if r.warnings else ""))
    print(f"wrote {data_dir / PUBLISHED} and {data_dir / LOG}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
