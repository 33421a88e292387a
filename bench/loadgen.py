"""A small, bounded HTTP/1.1 load generator for loopback benchmarks: threads over raw sockets.

Each of `concurrency` threads sends pre-built requests back to back (closed loop) until the duration or the request
budget runs out. Raw sockets keep the client's own cost per request small (tens of microseconds), so on a 2-core
machine most of the CPU goes to the server being measured; the client's CPU time is reported so a reader can judge.
Keep-alive is used when the server allows it; gunicorn's sync workers close after every response, and then the
client reads to end-of-stream before closing so the server, not the client, holds TIME_WAIT (no port exhaustion).
"""
from __future__ import annotations

import json
import resource
import socket
import threading
import time
from dataclasses import dataclass, field

from bench.stats import summarise


# What Chromium asks for: responses are measured compressed, as a browser gets them (the app compresses with
# flask-compress; the trivial baseline too, though its answers are too small to be worth it).
ACCEPT_ENCODING = "gzip, deflate, br, zstd"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    content_type: str = "application/json"
    referer: str = ""  # the page (path and query) the browser sent it from, where that matters (Dash's layout)

    def headers(self, host: str, port: int) -> dict[str, str]:
        """The headers besides Host, Accept and Accept-Encoding."""
        out = {"Content-Type": self.content_type} if self.method == "POST" else {}
        if self.referer:
            out["Referer"] = f"http://{host}:{port}{self.referer}"
        return out

    def raw(self, host: str, port: int) -> bytes:
        head = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}:{port}", "Accept: */*",
                f"Accept-Encoding: {ACCEPT_ENCODING}"]
        head += [f"{k}: {v}" for k, v in self.headers(host, port).items()]
        if self.method == "POST":
            head.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + self.body


def post_json(path: str, payload) -> Request:
    return Request("POST", path, json.dumps(payload, separators=(",", ":")).encode())


@dataclass
class _Tally:
    latencies_ns: list[tuple[int, int]] = field(default_factory=list)  # (request index, nanoseconds)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def _read_response(sock: socket.socket, buf: bytes) -> tuple[int, bool, bytes]:
    """Read one response; returns (status, server will close, bytes already read past it)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before headers")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower()] = v.strip().lower()
    closing = headers.get(b"connection") == b"close"
    if b"content-length" in headers:
        need = int(headers[b"content-length"])
        while len(rest) < need:
            chunk = sock.recv(max(65536, need - len(rest)))
            if not chunk:
                raise ConnectionError("closed mid-body")
            rest += chunk
        return status, closing, rest[need:]
    if not closing:
        raise ConnectionError("response with neither Content-Length nor Connection: close")
    while sock.recv(65536):
        pass
    return status, True, b""


def _worker(host: str, port: int, raws: list[bytes], offset: int, stop_at: float, budget: list[int],
            lock: threading.Lock, tally: _Tally, cursor: list[int] | None = None) -> None:
    sock, leftover, i = None, b"", offset
    while time.perf_counter() < stop_at:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
            if cursor is not None:  # each request once, whichever thread is free takes the next
                if cursor[0] >= len(raws):
                    break
                i, cursor[0] = cursor[0], cursor[0] + 1
        k = i % len(raws)
        raw = raws[k]
        i += 1
        t0 = time.perf_counter_ns()
        try:
            if sock is None:
                sock = socket.create_connection((host, port), timeout=60)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                leftover = b""
            sock.sendall(raw)
            status, closing, leftover = _read_response(sock, leftover)
            if closing:
                while sock.recv(65536):  # let the server close first
                    pass
                sock.close()
                sock = None
        except OSError as exc:
            tally.error(type(exc).__name__)
            if sock is not None:
                sock.close()
            sock = None
            continue
        tally.latencies_ns.append((k, time.perf_counter_ns() - t0))
        if not 200 <= status < 300:
            tally.error(f"HTTP {status}")
    if sock is not None:
        sock.close()


def run(host: str, port: int, requests: list[Request], *, concurrency: int, duration_s: float,
        max_requests: int = 1_000_000, distinct: bool = False, max_duration_s: float = 60) -> dict:
    """Drive the server for at most `duration_s` seconds and `max_requests` requests; return the summary.

    Requests are sent round-robin (each thread starting at a different one), or with `distinct` each at most once
    (the run ends when they are used up). Keys: requests, errors (count), error_kinds, duration_s, rps, p50_ms,
    p95_ms, p99_ms, max_ms, concurrency, client_cpu_ms_per_request, and by_request (the latency summary of each of
    `requests`, in order; empty when `distinct`).
    """
    if not 0 < duration_s <= max_duration_s:
        raise ValueError(f"duration_s must be in (0, {max_duration_s}], got {duration_s}")
    raws = [r.raw(host, port) for r in requests]
    tallies = [_Tally() for _ in range(concurrency)]
    budget, lock = [max_requests], threading.Lock()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    stop_at = t0 + duration_s
    cursor = [0] if distinct else None
    threads = [threading.Thread(target=_worker, args=(host, port, raws, k, stop_at, budget, lock, tallies[k], cursor),
                                daemon=True) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    latencies = [ns / 1e6 for t in tallies for _, ns in t.latencies_ns]
    each: list[list[float]] = [] if distinct else [[] for _ in raws]
    for t in tallies:
        for k, ns in t.latencies_ns:
            if not distinct:
                each[k].append(ns / 1e6)
    kinds: dict[str, int] = {}
    for t in tallies:
        for k, n in t.errors.items():
            kinds[k] = kinds.get(k, 0) + n
    done = len(latencies)
    cpu_ms = 1000 * ((cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime))
    return {"concurrency": concurrency, "requests": done, "errors": sum(kinds.values()), "error_kinds": kinds,
            "duration_s": round(elapsed, 3), "rps": round(done / elapsed, 1) if elapsed else 0.0,
            **summarise(latencies), "client_cpu_ms_per_request": round(cpu_ms / done, 3) if done else None,
            "by_request": [{"requests": len(ms), **summarise(ms)} for ms in each]}
