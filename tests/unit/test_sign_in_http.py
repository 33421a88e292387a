"""The sign-in gate end to end: the real app started with the Procfile's command (gunicorn) and
BOARD_AUTH_HEADER=X-Forwarded-User, and raw HTTP/1.0 and 1.1 requests over a socket, so the header reaches the app
the way gunicorn hands it over (repeated fields joined with commas, names with underscores dropped). Issue 13:
`curl -H 'X-Forwarded-User;' -H 'X-Forwarded-User;' .../download/ehcp_advice_6wk.csv` returned the CSV.
"""
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from bench.server import HOST, ROOT, free_port, procfile_command

CSV = "/download/ehcp_advice_6wk.csv"
MEMBER = "X-Forwarded-User: a.member@blackpool.gov.uk"


def raw(port: int, method: str, path: str, header_lines=(), version: str = "1.1") -> tuple[int, dict, bytes]:
    """One request as bytes on a fresh connection: (status, headers, body)."""
    head = [f"{method} {path} HTTP/{version}", f"Host: {HOST}:{port}", *header_lines, "Content-Length: 0",
            "Connection: close"]
    with socket.create_connection((HOST, port), timeout=60) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    top, _, body = data.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), headers, body


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gate")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("APP_EDITION", "REDIS_URL", "DATA_DIR")}
    env.update(BOARD_AUTH_HEADER="X-Forwarded-User", WEB_CONCURRENCY="1", CACHE_DIR=str(tmp / "cache"))
    log = tmp / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(procfile_command("app:server", port, env), cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                raw(port, "GET", "/")
                break
            except OSError:
                assert time.monotonic() < deadline, "the app did not start"
                time.sleep(0.1)
        yield port, log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


# Header lines (as sent) that are no signed-in user.
REFUSED = [
    ("no header", []),
    ("two empty copies (gunicorn: ',')", ["X-Forwarded-User:", "X-Forwarded-User:"]),
    ("three empty copies", ["X-Forwarded-User:", "X-Forwarded-User:", "X-Forwarded-User:"]),
    ("two single spaces", ["X-Forwarded-User:  ", "X-Forwarded-User:  "]),
    ("empty", ["X-Forwarded-User:"]),
    ("blank", ["X-Forwarded-User:    "]),
    ("a comma", ["X-Forwarded-User: ,"]),
    ("a spaced comma", ["X-Forwarded-User:  , "]),
    ("a user and an empty copy", [MEMBER, "X-Forwarded-User:"]),
    ("two users", [MEMBER, "X-Forwarded-User: someone.else@blackpool.gov.uk"]),
    ("two users in one value", ["X-Forwarded-User: alice, bob"]),
    ("lower case, twice", ["x-forwarded-user: alice", "x-forwarded-user: alice"]),
    ("underscores for dashes", ["X_Forwarded_User: alice"]),  # gunicorn drops it: it would read as the header
    ("separators only", ["X-Forwarded-User: ;-"]),
]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


@pytest.mark.slow
@pytest.mark.parametrize("name, lines", REFUSED, ids=[r[0] for r in REFUSED])
def test_anything_but_one_user_is_401_in_every_method_and_http_version(server, name, lines):
    port, _ = server
    got = {(method, version, path): raw(port, method, path, lines, version)[0]
           for method in METHODS for version in ("1.0", "1.1") for path in (CSV, "/", "/_dash-update-component")}
    assert set(got.values()) == {401}, {k: v for k, v in got.items() if v != 401}


@pytest.mark.slow
@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_one_user_is_signed_in(server, version):
    port, _ = server
    status, headers, body = raw(port, "GET", CSV, [MEMBER], version)
    assert status == 200 and body.count(b"\n") > 10, body[:200]
    assert headers["cache-control"] == "no-store" and headers["content-type"].startswith("text/csv")
    assert raw(port, "HEAD", CSV, [MEMBER], version)[0] == 200
    status, headers, _ = raw(port, "GET", "/", [MEMBER], version)
    assert status == 200 and headers["cache-control"] == "no-store"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_issues_reproduce_command_gets_401(server):
    port, _ = server
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Forwarded-User;", "-H",
                          "X-Forwarded-User;", f"http://{HOST}:{port}{CSV}"], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout == "401"


@pytest.mark.slow
def test_addresses_with_no_route_are_404_without_a_traceback(server):
    port, log = server
    start = log.stat().st_size
    for path in ("/_dash-component-suites/nope/x.js", "/_dash-component-suites/dash/no-such.js", "/download/foo",
                 "/download/ehcp_advice_6wk.html", "/download/"):
        status, _, body = raw(port, "GET", path, [MEMBER])
        assert status == 404 and b"Page not found" in body, path
    time.sleep(0.2)
    with open(log, "rb") as f:
        f.seek(start)
        assert b"Traceback" not in f.read()
