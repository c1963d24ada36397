"""The sandbox bounds what it accepts, says clearly when its port is taken, tells a newcomer how to point a
configuration at it, and an interrupted `--sandbox` run leaves no temporary folder behind.

Raw sockets speak to the sandbox where a well-behaved client library would refuse to send what is tested
(bodies that never end, malformed chunks, too many headers); the CLI runs as real processes that get real
signals.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub.sandbox import Sandbox
from socialpub.sandbox.server import MAX_HEADER_BYTES

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 64 * 1024  # the bound of the sandboxes made here


@pytest.fixture
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox(max_body=LIMIT, idle_timeout=2.0)
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def connect(box: Sandbox) -> socket.socket:
    host, port = box.server.server_address[:2]
    conn = socket.create_connection((host, port), timeout=10)
    return conn


def head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer_and_close(conn: socket.socket) -> tuple[int, bytes]:
    """The status of the answer, and everything the server sent until it closed the connection."""
    received = b""
    while True:
        try:
            block = conn.recv(65536)
        except ConnectionResetError:
            break
        if not block:
            break
        received += block
    match = re.match(rb"HTTP/1\.[01] (\d{3})", received)
    assert match, received[:200]
    return int(match[1]), received


def send_forever(conn: socket.socket, block: bytes) -> None:
    """Send until the server stops reading (it closed the connection)."""
    try:
        for _ in range(10_000):
            conn.sendall(block)
    except (BrokenPipeError, ConnectionResetError):
        return


# --- request bodies -----------------------------------------------------------------------------------------


def test_a_chunked_body_that_never_ends_gets_413_and_the_connection_is_closed(box: Sandbox) -> None:
    conn = connect(box)
    conn.sendall(head("POST", "/2/tweets", {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}))
    chunk = b"1000\r\n" + b"x" * 0x1000 + b"\r\n"
    send_forever(conn, chunk)  # 4 KiB chunks with no last chunk: over LIMIT soon
    status, received = answer_and_close(conn)
    assert status == 413 and b"Connection: close" in received
    conn.close()


@pytest.mark.parametrize("path", ["/2/tweets", "/upload/youtube/v3/videos", "/nowhere"])
def test_a_declared_length_over_the_bound_gets_413_without_being_read(box: Sandbox, path: str) -> None:
    conn = connect(box)
    conn.sendall(head("POST", path, {"Content-Length": str(LIMIT + 1), "Content-Type": "application/json"}))
    status, _ = answer_and_close(conn)  # answered and closed although no byte of the body came
    assert status in (413, 404) if path == "/nowhere" else status == 413
    conn.close()


def test_a_malformed_chunk_gets_400_and_the_connection_is_closed(box: Sandbox) -> None:
    conn = connect(box)
    conn.sendall(head("POST", "/2/tweets", {"Transfer-Encoding": "chunked"}) + b"zz\r\nhello\r\n")
    status, _ = answer_and_close(conn)
    assert status == 400
    conn.close()


def test_a_chunked_body_within_the_bound_is_read_and_the_connection_stays_usable(box: Sandbox) -> None:
    body = b'{"text": "hello"}'
    conn = connect(box)
    request = head("POST", "/2/tweets", {"Transfer-Encoding": "chunked", "Content-Type": "application/json"})
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    conn.sendall(request + chunked + head("GET", "/_sandbox/posts", {}))
    conn.settimeout(5)
    received = b""
    while received.count(b"HTTP/1.1 ") < 2:
        received += conn.recv(65536)
    assert received.startswith(b"HTTP/1.1 401")  # no credentials: X's answer, after the whole body was read
    assert b"HTTP/1.1 200" in received  # the next request on the same connection
    conn.close()


def test_a_stalled_body_does_not_hold_the_connection(box: Sandbox) -> None:
    conn = connect(box)
    conn.sendall(head("POST", "/2/tweets", {"Content-Length": "100"}) + b"only a part")
    started = time.monotonic()
    conn.settimeout(10)
    try:
        while conn.recv(65536):  # whatever is answered, the server closes the connection after idle_timeout
            pass
    except ConnectionResetError:
        pass
    assert time.monotonic() - started < 8
    conn.close()


# --- headers ------------------------------------------------------------------------------------------------


def test_too_many_headers_get_431(box: Sandbox) -> None:
    conn = connect(box)
    conn.sendall(head("GET", "/_sandbox/posts", {f"X-Many-{i}": "1" for i in range(101)}))
    status, _ = answer_and_close(conn)
    assert status == 431
    conn.close()


def test_headers_larger_than_the_bound_get_431(box: Sandbox) -> None:
    conn = connect(box)
    lines = {f"X-Big-{i}": "v" * 8000 for i in range(MAX_HEADER_BYTES // 8000 + 1)}
    conn.sendall(head("GET", "/_sandbox/posts", lines))
    status, _ = answer_and_close(conn)
    assert status == 431
    conn.close()


# --- `socialpub sandbox` ------------------------------------------------------------------------------------


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "socialpub", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        cwd=cwd,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a shell's background job ignores it
    )


@pytest.mark.slow
def test_a_port_in_use_is_a_clear_error_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = cli("sandbox", "--port", str(port))
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, (out, err)
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port 0" in err
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_a_port_that_is_no_port_is_a_usage_error(port: str) -> None:
    proc = cli("sandbox", "--port", port)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "--port" in err and "Traceback" not in err, (out, err)


@pytest.mark.slow
def test_the_banner_tells_a_newcomer_how_to_point_a_configuration_at_it(tmp_path: Path) -> None:
    proc = cli("sandbox", "--port", "0")
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while not (lines and lines[-1].startswith("export SANDBOX_PINTEREST_ACCESS_TOKEN=")):
            assert time.monotonic() < deadline and proc.poll() is None, lines
            lines.append(proc.stdout.readline().rstrip("\n"))
        text = "\n".join(lines)
        assert 'any value that starts with "sandbox"' in text
        snippet = text.split("Channels for channels.toml", 1)[1].split("\n", 1)[1].split("and in the shell")[0]
        (tmp_path / "channels.toml").write_text(snippet)
        env = dict(line[len("export ") :].split("=", 1) for line in lines if line.startswith("export "))
        assert {"twitter", "facebook", "youtube", "pinterest"} <= set(re.findall(r'kind = "(\w+)"', snippet))
        verify = cli("--config", str(tmp_path / "channels.toml"), "channels", "--verify", env=env, cwd=tmp_path)
        out, err = verify.communicate(timeout=120)
        assert verify.returncode == 0, (out, err)
        assert len(re.findall(r"^ok ", out, re.M)) == 4, out
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err


def test_sandbox_help_says_which_credentials_it_accepts() -> None:
    proc = cli("sandbox", "--help")
    out, _ = proc.communicate(timeout=60)
    flat = " ".join(out.split())
    assert 'any value that starts with "sandbox"' in flat
    assert "channels.toml snippet" in flat and "export lines" in flat


# --- an interrupted --sandbox run leaves no temporary folder ------------------------------------------------

SLOW_SANDBOX = (  # the real CLI, with every sandbox request slowed so that the signal lands mid-run
    "import sys, socialpub.sandboxing as s; s.running_sandbox.__wrapped__.__kwdefaults__['latency'] = 1.0; "
    "from socialpub.cli import main; sys.argv[0] = 'socialpub'; main()"
)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("command", [["publish", "--sandbox", "--yes", "posts/"], ["run", "--sandbox"]])
def test_an_interrupted_sandbox_run_removes_its_temporary_folder(
    tmp_path: Path, command: list[str], sig: signal.Signals
) -> None:
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "posts", work / "posts")
    shutil.copy(ROOT / "channels.toml", work / "channels.toml")
    temp = tmp_path / "tmp"
    temp.mkdir()
    if command[0] == "run":
        command = [*command, "--now", "2014-08-20T18:15:00+00:00"]  # three posts of the #rxsave chat are due
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_SANDBOX, *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=work,
        env={**os.environ, "TMPDIR": str(temp), "NO_COLOR": "1"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not list(temp.glob("socialpub-sandbox-*/ledger.db")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.5)  # requests to the slowed sandbox are under way
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in err and "Traceback" not in err
    assert not list(temp.glob("socialpub-sandbox-*")), list(temp.iterdir())


# --- whatever a client sends, the sandbox answers or closes, and never fails ------------------------------------

TOKEN = st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"), min_size=1, max_size=20)
LINE_NOISE = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b" "))


@st.composite
def raw_requests(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from([b"GET", b"POST", b"PUT", b"DELETE", b"PATCH", b"BREW"]))
    paths = [b"/2/tweets", b"/v5/pins", b"/token", b"/upload/youtube/v3/videos", b"/_sandbox/faults"]
    path = draw(st.sampled_from([*paths, b"/v21.0/123456789/photos", b"/%zz", b"*"]))
    headers = draw(st.lists(st.tuples(TOKEN, st.text(max_size=30)), max_size=8))
    lines = [method + b" " + path + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    lines += [k.encode() + b": " + v.encode().replace(b"\r", b"").replace(b"\n", b"") for k, v in headers]
    body = draw(st.binary(max_size=300))
    framing = draw(st.sampled_from(["length", "short", "chunked", "bad-chunks", "none"]))
    if framing == "length":
        lines.append(b"Content-Length: %d" % len(body))
    elif framing == "short":  # declares more than comes (the sandbox waits idle_timeout, then closes)
        lines.append(b"Content-Length: %d" % (len(body) + draw(st.integers(1, 10**12))))
    elif framing == "chunked":
        lines.append(b"Transfer-Encoding: chunked")
        body = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n" if body else b"0\r\n\r\n"
    elif framing == "bad-chunks":
        lines.append(b"Transfer-Encoding: chunked")
        body = draw(LINE_NOISE) + b"\r\n" + body
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


@pytest.fixture(scope="module")
def fuzz_box() -> Iterator[tuple[Sandbox, list[BaseException]]]:
    sandbox = Sandbox(max_body=LIMIT, idle_timeout=0.3)
    failures: list[BaseException] = []
    quiet = sandbox.server.handle_error

    def record(request: object, address: object) -> None:  # what would print a traceback on stderr
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, ConnectionError | TimeoutError | OSError):
            failures.append(error)
        quiet(request, address)

    sandbox.server.handle_error = record  # type: ignore[method-assign]
    sandbox.start()
    try:
        yield sandbox, failures
    finally:
        sandbox.stop()


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=raw_requests())
def test_any_request_is_answered_or_closed_without_an_error_in_the_sandbox(
    fuzz_box: tuple[Sandbox, list[BaseException]], raw: bytes
) -> None:
    box, failures = fuzz_box
    conn = connect(box)
    conn.settimeout(10)
    try:
        conn.sendall(raw)
        received = b""
        while block := conn.recv(65536):
            received += block
    except (ConnectionResetError, BrokenPipeError):
        received = b""
    finally:
        conn.close()
    assert received == b"" or re.match(rb"HTTP/1\.[01] \d{3} ", received), received[:100]
    assert not failures, failures


def test_an_answer_fault_from_another_process_is_served_as_given(box: Sandbox) -> None:
    import requests

    fault = {"kind": "answer", "path": "/2/users/me$", "status": 200, "raw": "<html>odd</html>",
             "headers": {"Content-Type": "text/html", "X-Odd": "caf\u00e9", "Location": "{path}"}}
    assert requests.post(f"{box.url}/_sandbox/faults", json=fault, timeout=10).status_code == 201
    answer = requests.get(f"{box.url}/2/users/me", timeout=10)
    assert (answer.status_code, answer.text) == (200, "<html>odd</html>")
    assert answer.headers["Location"] == "/2/users/me" and answer.headers["Connection"] == "close"
    assert answer.headers["X-Odd"].encode("latin-1") == "caf\u00e9".encode()  # the bytes as given (UTF-8)
    assert requests.get(f"{box.url}/2/users/me", timeout=10).status_code == 401  # once: X's own answer again
