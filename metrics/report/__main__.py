"""Write the quarterly report: `python -m metrics.report --quarter 2025-Q2 [--locality central] --out report.pdf`.

The output's extension chooses the format (.pdf or .html). The file is written whole or not at all: a failure
leaves any earlier report at that path as it was.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from metrics.area import DATA_DIR, load_area
from metrics.report import build_report, default_quarter, render_html, render_pdf, report_quarters
from metrics.report.quarter import Quarter
from metrics.store import build_store

FORMATS = (".pdf", ".html")


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quarter", help="calendar quarter YYYY-Qn, e.g. 2025-Q2 (default: the latest complete "
                                          "quarter in the data)")
    parser.add_argument("--locality", default="area", help="area (the whole area), or a locality: north, central, "
                                                            "south (default: area)")
    parser.add_argument("--out", required=True, type=Path, help="output file: .pdf or .html")
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder (default: the app's data/)")
    args = parser.parse_args(argv)

    if args.out.suffix.lower() not in FORMATS:
        parser.error(f"--out: the file must end in .pdf or .html, got {str(args.out)!r}")
    if not args.out.parent.is_dir():
        parser.error(f"--out: folder {str(args.out.parent)!r} does not exist")
    quarter = None
    if args.quarter is not None:
        try:
            quarter = Quarter.parse(args.quarter)
        except ValueError as exc:
            parser.error(f"--{exc}")

    slugs = load_area((args.data_dir or DATA_DIR) / "area.toml").locality_slugs
    if args.locality not in slugs:
        parser.error(f"--locality: expected one of {', '.join(slugs)}, got {args.locality!r}")
    store = build_store(args.data_dir, precompute=False)  # the report computes the SPC for its own window
    covered = report_quarters(store)
    if quarter is None:
        quarter = default_quarter(store)
        if quarter is None:
            parser.error("--quarter: the data has no monthly series to report on")
    elif quarter not in covered:
        span = f"{covered[0]} to {covered[-1]}" if covered else "none"
        parser.error(f"--quarter: {quarter} is outside the data (quarters covered: {span})")

    html = render_html(build_report(store, quarter, args.locality))
    data = render_pdf(html) if args.out.suffix.lower() == ".pdf" else html.encode("utf-8")
    write_atomic(args.out, data)
    print(f"Wrote {args.out} ({len(data):,} bytes): {quarter}, {args.locality}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
