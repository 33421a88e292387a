"""Memory of a running gunicorn app, per process, from /proc (Linux).

RSS counts every page a process maps, including those it shares with the master after `--preload` forks it, so the
sum of the workers' RSS overstates what the machine spends; PSS shares each shared page out between its users
(the workers' PSS add up to the real total) and USS is what a worker alone holds. All three are reported.
"""
from __future__ import annotations

from pathlib import Path


def process_memory(pid: int) -> dict:
    """rss_mb, pss_mb and uss_mb of one process (MiB)."""
    kb = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[-1] == "kB":
            kb[name] = int(parts[0])
    mb = lambda k: round(k / 1024, 1)  # noqa: E731
    return {"rss_mb": mb(kb["Rss"]), "pss_mb": mb(kb["Pss"]),
            "uss_mb": mb(kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0))}


def server_memory(master_pid: int, worker_pids: list[int]) -> dict:
    """The master's and each worker's memory, and the largest worker RSS (the per-worker ceiling to plan for)."""
    workers = [process_memory(p) for p in worker_pids]
    return {"master": process_memory(master_pid), "workers": workers,
            "worker_rss_mb_max": max(w["rss_mb"] for w in workers),
            "worker_uss_mb_max": max(w["uss_mb"] for w in workers),
            "total_pss_mb": round(sum(w["pss_mb"] for w in workers) + process_memory(master_pid)["pss_mb"], 1)}


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of a process's RSS (VmHWM), e.g. a worker's peak while serving a drill-down."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise ValueError(f"/proc/{pid}/status has no VmHWM")
