"""Ingest published statistics (DfE EES / LAIT / inclusion dashboard, D2I, NCCIS, SEND Tribunal, NHS England)
into `data/metric_values/published.parquet`, with England, region and statistical-neighbour comparators.

`python -m metrics.ingest SOURCE_FILE [--kind KIND] [--data-dir DIR]`; see `pipeline.ingest_file`.
"""
from metrics.ingest.errors import IngestError
from metrics.ingest.log import latest_by_file, read_log
from metrics.ingest.pipeline import IngestResult, ingest_file

__all__ = ["IngestError", "IngestResult", "ingest_file", "latest_by_file", "read_log"]
