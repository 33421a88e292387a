"""`python -m metrics.ingest SOURCE_FILE [--kind KIND] [--data-dir DIR] [--source TEXT] [--release TEXT]`

Exit status 0 when the file was ingested (warnings are printed), 1 when it was rejected (nothing changed).
"""
from __future__ import annotations

import argparse
import sys

from metrics.ingest.errors import IngestError
from metrics.ingest.kinds import KINDS
from metrics.ingest.pipeline import ingest_file


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m metrics.ingest", description="Ingest a published statistics file "
                                "(DfE EES / LAIT / NCCIS / SEND Tribunal, D2I, NHS England) into "
                                "metric_values/published.parquet, with England, region and neighbour comparators.")
    p.add_argument("source_file")
    p.add_argument("--kind", choices=KINDS, help="the file's layout (detected from its columns if omitted)")
    p.add_argument("--data-dir", help="the data folder to write into (default: the repository's data/)")
    p.add_argument("--source", help="publisher and release shown beside every value (default: from the map)")
    p.add_argument("--release", help="release label for the log (default: from the map)")
    args = p.parse_args(argv)
    try:
        r = ingest_file(args.source_file, args.kind, args.data_dir, source=args.source, release=args.release)
    except IngestError as exc:
        print(f"ERROR: {exc}\nNothing was changed.", file=sys.stderr)
        return 1
    for w in r.warnings:
        print(f"WARNING: {w}", file=sys.stderr)
    skipped = ", ".join(f"{n} {why}" for why, n in r.skipped.items())
    print(f"{r.file} ({r.kind}): {r.rows_read} rows read, {r.rows_written} rows written, {r.rows_changed} changed"
          f"{f'; skipped {skipped}' if skipped else ''}; periods {', '.join(r.periods) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
