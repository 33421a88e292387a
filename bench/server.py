"""Start an app under gunicorn exactly as the Procfile does, but bound to 127.0.0.1 on a free port.

The command is read from the Procfile's `web:` line (so a change there is what gets measured); only the bind
address, the WSGI target and the port are substituted. Logs go to a file, never a pipe that could fill and stall.
"""
from __future__ import annotations

import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "Procfile"
HOST = "127.0.0.1"


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on: the first free one of BENCH_PORTS ("8090-8099") when that is set (a
    shared machine may give each person a range), else one the system picks."""
    span = os.environ.get("BENCH_PORTS")
    ports = [0]
    if span:
        lo, _, hi = span.partition("-")
        ports = list(range(int(lo), int(hi or lo) + 1))
    for port in ports:
        with socket.socket() as s:
            # As the servers bind (gunicorn and redis-server set SO_REUSEADDR): a port in TIME_WAIT is free.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in BENCH_PORTS={span}")


def _expand(word: str, env: dict[str, str]) -> str:
    """Shell-style ${VAR:-default} and $VAR, from `env` only (the Procfile is not run through a shell here)."""
    word = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m.group(1)) or m.group(2), word)
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), word)


def procfile_command(target: str, port: int, env: dict[str, str] | None = None) -> list[str]:
    """The Procfile's web command for WSGI `target`, on 127.0.0.1:`port`, run by this interpreter's gunicorn.

    BENCH_PROCFILE in `env` names another Procfile, to measure a candidate setting before adopting it.
    """
    env = {**(env or os.environ), "PORT": str(port)}
    procfile = Path(env.get("BENCH_PROCFILE") or PROCFILE)
    line = next((ln for ln in procfile.read_text().splitlines() if ln.startswith("web:")), None)
    if line is None:
        raise ValueError(f"{procfile}: no 'web:' line")
    words = [_expand(w, env) for w in shlex.split(line.removeprefix("web:"))]
    if words[0] != "gunicorn":
        raise ValueError(f"{procfile}: the web command must start with gunicorn, got {words[0]!r}")
    out = [sys.executable, "-m", "gunicorn"]
    for i, w in enumerate(words[1:], start=1):
        if words[i - 1] in ("--bind", "-b"):
            w = f"{HOST}:{port}"
        elif w == "app:server":
            w = target
        out.append(w)
    return out


def procfile_workers(env: dict[str, str] | None = None) -> int:
    words = procfile_command("app:server", 0, env)
    return int(words[words.index("--workers") + 1]) if "--workers" in words else 1


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    startup_s: float
    log: Path

    def workers(self) -> list[int]:
        """PIDs of the gunicorn workers (the master's children)."""
        kids = []
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                kids += [int(p) for p in (task / "children").read_text().split()]
            except (FileNotFoundError, ProcessLookupError):  # a thread of the master ended while listed: it had none
                continue
        return kids


def get(port: int, path: str = "/", timeout: float = 60) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@contextmanager
def serve(target: str, *, log: Path, env: dict[str, str] | None = None, ready_path: str = "/",
          timeout: float = 180):
    """Run gunicorn for `target`; yields a Server once `ready_path` answers 200 (startup_s = launch to that 200)."""
    port = free_port()
    env = {**os.environ, **(env or {})}
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(procfile_command(target, port, env), cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn for {target} exited with {proc.returncode}; see {log}")
            try:
                status, _ = get(port, ready_path, timeout=timeout)
                if status == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"gunicorn for {target} not ready after {timeout} s; see {log}")
            time.sleep(0.02)
        yield Server(proc, port, time.perf_counter() - t0, log)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the gunicorn master we started (it stops its workers); SIGKILL its process group if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
