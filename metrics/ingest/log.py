"""`data/ingest_log.jsonl`: one JSON line per ingest, for the data page and for audit.

Fields: file, sha256, kind, release, source, rows_read, rows_written, rows_changed, periods, metrics, skipped,
warnings (including analysts' caution notes, which never appear beside a value), conflicts (each disagreement
between two sources: metric, area, breakdown, period, the kept and the other value with their sources, the rule
and the flag), loaded_at (UTC ISO 8601). A re-ingest of an unchanged file logs again (rows_changed = 0).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

LOG = "ingest_log.jsonl"


def append(data_dir: Path, entry: dict) -> dict:
    entry = {**entry, "loaded_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    with open(Path(data_dir) / LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False, sort_keys=False) + "\n")
    return entry


def read_log(data_dir: Path) -> list[dict]:
    """Every logged ingest, oldest first (an empty list when nothing has been ingested)."""
    path = Path(data_dir) / LOG
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def latest_by_file(data_dir: Path) -> list[dict]:
    """The most recent ingest of each file, in file-name order: what the data page lists."""
    latest = {}
    for entry in read_log(data_dir):
        latest[entry["file"]] = entry
    return [latest[f] for f in sorted(latest)]
