"""Swap a new monthly extract into `data/`, only ever whole and only after it validates.

`python -m metrics.extract NEW_FILE.parquet --input therapy_referrals [--data-dir data/]`

The new file is validated where it stands; if it has any error nothing under `data/` changes and the report says
why (file, column, row). If it is good it is copied beside its destination and moved into place with one atomic
rename, so a reader (or a running app) sees either the old extract or the new one, never half of either.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from metrics import schemas
from metrics.area import DATA_DIR, load_area
from metrics.validate import Problem, validate_file


class ExtractRejected(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def destination(data_dir: Path, name: str) -> Path:
    stem = schemas.INPUTS[name][0]
    return data_dir / stem / f"{stem}.parquet" if (data_dir / stem).is_dir() else data_dir / f"{stem}.parquet"


def install_extract(source: str | Path, name: str, data_dir: str | Path | None = None) -> Path:
    """Validate `source` as input `name` and atomically replace the current extract. Raises ExtractRejected."""
    from metrics.catalogue import load_catalogue

    if name not in schemas.INPUTS:
        raise ValueError(f"input must be one of {', '.join(schemas.INPUTS)}, not {name!r}")
    source, data_dir = Path(source), Path(data_dir or DATA_DIR)
    catalogue = load_catalogue(data_dir / "catalogue.toml")
    _, problems = validate_file(source, name, area=load_area(data_dir / "area.toml"), metric_ids=catalogue.ids,
                                services=frozenset(s.name for s in catalogue.services))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ExtractRejected(errors)
    target = destination(data_dir, name)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)  # atomic on one filesystem
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics.extract", description=__doc__.splitlines()[0])
    parser.add_argument("source", help="the new extract (Parquet)")
    parser.add_argument("--input", required=True, choices=sorted(schemas.INPUTS), help="which input it replaces")
    parser.add_argument("--data-dir", default=str(DATA_DIR))
    args = parser.parse_args(argv)
    try:
        target = install_extract(args.source, args.input, args.data_dir)
    except ExtractRejected as exc:
        print(f"Rejected {args.source}: nothing under {args.data_dir} was changed.", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 1
    print(f"Installed {args.source} as {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
