"""Ingest a folder of published files from scratch, in release order, and move the result into place.

Order: compilations first (LAIT, DfE's inclusion-dashboard prototype, Data to Insight), then primary
publications, older releases before newer - so where two files publish the same period, the newer and more
primary one is kept (the merge rule: a later ingest replaces the keys it covers). Everything is ingested into an
empty temporary folder; only when every file has gone in are `metric_values/published.parquet` and
`ingest_log.jsonl` moved into the data folder, so one bad file leaves the data folder as it was.
"""
from __future__ import annotations

import fnmatch
import os
import tempfile
from pathlib import Path

from metrics.area import load_area
from metrics.catalogue import load_catalogue
from metrics.ingest.frame import read_csv
from metrics.ingest.kinds import NOT_STATISTICS, detect
from metrics.ingest.log import LOG
from metrics.ingest.mapping import load_map
from metrics.ingest.merge import PUBLISHED
from metrics.ingest.pipeline import IngestResult, config_file, ingest_file

# First match wins; files matching nothing go last, by name.
ORDER = (
    "lait_*.csv",
    "dfe_inclusion_dash_*.csv",
    "d2i_*.csv",
    "nccis_*.csv",
    "send_tribunal_*.csv",
    "ees_ehcp_2022_*.csv",
    "ees_ehcp_2025_*.csv",
    "nhse_*.csv",
)


def ingest_order(files: list[Path]) -> list[Path]:
    def rank(f: Path) -> tuple[int, str]:
        return next((i for i, p in enumerate(ORDER) if fnmatch.fnmatch(f.name, p)), len(ORDER)), f.name
    return sorted(files, key=rank)


def statistics_files(folder: Path) -> list[Path]:
    """The folder's CSVs that hold statistics (a neighbour list or LAIT's dictionary describes the others)."""
    return [f for f in sorted(folder.glob("*.csv")) if detect(read_csv(f).columns) not in NOT_STATISTICS]


def build(folder: Path, data_dir: Path) -> list[IngestResult]:
    """Rebuild `data_dir`'s published values and ingest log from every statistics file in `folder`."""
    data_dir = Path(data_dir)
    area = load_area(config_file(data_dir, "area.toml"))
    catalogue = load_catalogue(config_file(data_dir, "catalogue.toml"))
    published_map = load_map(config_file(data_dir, "published_map.toml"), catalogue=catalogue)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".ingest-") as tmp:
        tmp = Path(tmp)
        results = [ingest_file(f, data_dir=tmp, area=area, catalogue=catalogue, published_map=published_map)
                   for f in ingest_order(statistics_files(Path(folder)))]
        (data_dir / PUBLISHED).parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / PUBLISHED, data_dir / PUBLISHED)
        os.replace(tmp / LOG, data_dir / LOG)
    return results
