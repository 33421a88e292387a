"""The public edition for the browser tests: the real app under gunicorn with APP_EDITION=public, as the Procfile
runs it (debug off, no reloader), in its own process because the edition is read once per process.

The board edition is the session's in-process server (conftest's `dashboard`); both are driven by the same
headless Chromium, so the public edition costs one more server, not one more browser.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_PORT = int(os.environ.get("PUBLIC_TEST_PORT", "8059"))
START_TIMEOUT = 180  # the store is built and every chart precomputed before the first request is answered


def http(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str, dict]:
    """(status, body text, headers) of one request, errors included (they are what these tests look at)."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8", "replace"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), dict(e.headers)


def base_url(request, board, edition: str) -> str:
    """The base URL of `edition`: the session's board server, or the public one (started only when asked for)."""
    return board.url("") if edition == "board" else request.getfixturevalue("public_url")


@pytest.fixture(scope="session")
def public_url(tmp_path_factory) -> str:
    """Base URL of the public edition, served by gunicorn for the whole session."""
    log = tmp_path_factory.mktemp("public") / "gunicorn.log"
    env = {**os.environ, "APP_EDITION": "public"}
    env.pop("BOARD_AUTH_HEADER", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "app:server", "--bind", f"127.0.0.1:{PUBLIC_PORT}", "--workers", "1",
             "--timeout", "120"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{PUBLIC_PORT}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the public edition exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if http(base + "/_dash-layout")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the public edition did not start in {START_TIMEOUT}s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
