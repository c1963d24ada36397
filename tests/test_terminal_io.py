"""What socialpub prints can be read, not obeyed; output that cannot be written changes nothing; files
that never end are refused; edge dates are clear errors (README, "Exit codes")."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub.errors import ExitCode
from socialpub.terminal import GuardedStream, dialect
from tests import helpers
from tests.helpers import Repo, on_terminal

PROJECT = Path(__file__).resolve().parents[1]

# --- what a terminal or GitHub's runner would obey ---------------------------------------------------------

RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def github_would_run(line: str) -> bool:
    """The runner's test: `::` first after leading whitespace (ActionCommand.TryParseV2), or `##[` anywhere
    (the older form, also what the log viewer formats)."""
    return line.lstrip(" \t\u00a0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                       "\u200a\u200b\u202f\u205f\u3000\ufeff").startswith("::") or "##[" in line


ANNOTATION = re.compile(r"::(error|warning|notice) [^:]*::[^\n]*")  # what `check --format github` is for


def assert_inert(text: str, where: str = "", *, annotations: bool = False) -> None:
    """No raw control character and no workflow command (with `annotations`: none but check's own)."""
    raw = RAW_CONTROL.search(text)
    assert raw is None, f"{where}: raw control {raw.group()!r} in {text!r}"
    for line in text.split("\n"):
        if annotations and ANNOTATION.fullmatch(line):
            assert "##[" not in line, f"{where}: workflow command in an annotation {line!r}"
            continue
        assert not github_would_run(line), f"{where}: workflow command {line!r}"


# Pieces that break terminals and CI logs, mixed with ordinary text.
HOSTILE = [
    "::set-output name=approved::true", "::error file=x::boom", "::add-mask::", "  ::warning::x", ":", "::",
    "##[group]", "##[error]red", "#", "##", "[", "\x1b[31m", "\x1b]0;owned\x07", "\x1b[2J", "\x07", "\x08",
    "\x7f", "\x9b", "\x85", "\u202e", "\u2066", "\u200f", "\u2028", "\r", "\n", "\t", " ", "abc", "é", "✓", "→",
    "🙂", "\u3000", "\u180e", "\ufeff", "\u00a0",
]
hostile_text = st.lists(st.sampled_from(HOSTILE), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(chunks=st.lists(hostile_text, max_size=8), terminal=st.booleans())
def test_guarded_stream_never_passes_a_control_or_a_workflow_command(chunks: list[str], terminal: bool) -> None:
    class Sink(io.StringIO):
        def isatty(self) -> bool:
            return terminal

    sink = Sink()
    stream = GuardedStream(sink, "stdout")
    for chunk in chunks:  # however the text is cut into writes (prompts and progress flush mid-line)
        stream.write(chunk)
        stream.flush()
    out = sink.getvalue()
    if terminal:  # on a terminal our own styling passes (nothing else does); a carriage return starts a line
        out = re.sub(r"\x1b\[[0-9;?]*[ABCDGKhlm]", "", out).replace("\r", "\n")
        # what passed must be exactly the styling that was in the input, not something the escaping made
        assert out.count("\n") == "".join(chunks).count("\n") + "".join(chunks).count("\r")
    assert_inert(out)


@given(text=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"))))
def test_guarded_stream_leaves_ordinary_text_alone(text: str) -> None:
    if github_would_run(text) or any(github_would_run(line) for line in text.split("\n")):
        return
    sink = io.StringIO()
    GuardedStream(sink, "stdout").write(text)
    assert sink.getvalue() == text


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(hostile_text, st.lists(hostile_text, max_size=3), max_size=4))
def test_json_on_stdout_stays_json_and_inert(data: dict[str, list[str]]) -> None:
    sink = io.StringIO()
    stream = GuardedStream(sink, "stdout")
    saved = sys.stdout
    sys.stdout = stream  # type: ignore[assignment]
    try:
        with dialect("json"):
            sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
    finally:
        sys.stdout = saved
    assert json.loads(sink.getvalue()) == data
    assert_inert(sink.getvalue())


def test_an_ascii_stream_gets_look_alikes_and_escapes() -> None:
    raw = io.BytesIO()
    sink = io.TextIOWrapper(raw, encoding="ascii")
    stream = GuardedStream(sink, "stdout")
    stream.write("welcome → tw  ✓ no findings  🙂 é\n")
    stream.flush()
    assert raw.getvalue().decode("ascii") == "welcome -> tw  ok no findings  \\u1f642 \\xe9\n"


# --- every command, with hostile post content ---------------------------------------------------------------


def toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, but DEL must be escaped too."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def invoke(repo: Repo, *args: str) -> Any:
    ledger = str(repo.root / "ledger.db")
    return helpers.invoke(["--config", str(repo.root / "channels.toml"), "--ledger", ledger, *args])


def file_name(text: str) -> str:
    name = text.replace("/", "_").replace("\x00", "_")
    return (name.encode("utf-8")[:150].decode("utf-8", "ignore") or "x") + ".md"


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=hostile_text, title=hostile_text, name=hostile_text, own_id=st.booleans())
def test_no_command_prints_a_control_or_a_workflow_command_from_a_post(
    tmp_path_factory: pytest.TempPathFactory, body: str, title: str, name: str, own_id: bool
) -> None:
    repo = Repo(tmp_path_factory.mktemp("hostile"))
    front = [
        'channels = ["tw", "yt"]', 'post_type = "corporate"', "publish_at = 2014-09-15T10:00:00+00:00",
        'approval_code = "3001314  Last Updated 6/14"', 'approval_status = "approved"',
        f"title = {toml_string(title)}",
    ]
    if own_id:
        front.append(f"id = {toml_string(name)}")  # usually not a usable id: an error that quotes it
    post = repo.write(f"posts/{file_name(name)}", "+++\n" + "\n".join(front) + "\n+++\n" + body + "\n")
    repo.write("posts/clean.md", "+++\n" + "\n".join(front[:-1]) + "\n+++\nOur science blog is live.\n")
    commands = [
        ["check"], ["check", "--format", "github"], ["check", "--format", "markdown"], ["check", "--format", "json"],
        ["preview"], ["preview", "--format", "json"], ["hash", str(post)],
        ["agenda", "--from", "2014-09-01", "--days", "30"],
        ["publish", str(post), "--channel", "tw", "--dry-run"],
        ["publish", str(post), "--channel", "tw", "--sandbox", "--yes"],
        ["run", "--dry-run", "--now", "2014-09-15T10:05Z"],
        ["status", "--now", "2014-09-15T10:05Z"], ["status", "--format", "json"],
        ["history"], ["history", "--format", "json"],
    ]
    for command in commands:
        result = invoke(repo, *command)
        assert result.exit_code in (0, 1, 2, 3), (command, result.exit_code, result.output)
        assert "internal error" not in result.stderr, (command, result.stderr)
        assert_inert(result.stdout, f"{command} stdout", annotations="github" in command)
        assert_inert(result.stderr, f"{command} stderr")
        if "json" in command:
            json.loads(result.stdout)


def test_the_hostile_post_is_shown_escaped(repo: Repo) -> None:
    repo.post("Hello\x1b]0;owned\x07\n::set-output name=ok::yes\n##[group]x")
    result = invoke(repo, "preview")
    assert "Hello\\x1b]0;owned\\x07" in result.stdout
    assert "##\\x5bgroup]x" in result.stdout
    assert "│ ::set-output name=ok::yes" in result.stdout  # inside a card: not at a line start, so left readable
    sink = io.StringIO()
    GuardedStream(sink, "stdout").write("  ::set-output name=ok::yes\n")
    assert sink.getvalue() == "  :\\x3aset-output name=ok::yes\n"


def on_a_terminal(root: Path, *args: str) -> tuple[int, str]:
    """`socialpub ARGS` on a pseudo-terminal (colours and rich's boxes on): exit code and all it printed."""
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(root)
        os.environ.pop("NO_COLOR", None)
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-m", "socialpub", "--ledger", str(root / "ledger.db"), *args])
    seen, status = b"", None
    deadline = time.monotonic() + 60
    try:
        while status is None and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    pass
            done, code = os.waitpid(pid, os.WNOHANG)
            status = code if done else None
        while select.select([fd], [], [], 0.1)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if status is None:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    assert status is not None, seen
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("args", [["preview"], ["check"], ["agenda", "--from", "2026-12-01"], ["hash",
                                  "posts/welcome.md"]])
def test_on_a_terminal_only_styling_reaches_it(sample: Path, args: list[str]) -> None:
    hostile = "Hi \x1b]0;owned\x07 \x1b[2J \x1b[31mred \x9b1m \u202eevil ##[group]"
    post = SAMPLE_POST.replace("We are now sharing", hostile + " We are now sharing").replace(
        'title = "Welcome"', 'title = "\\u001b[5mblink\\u0007"\npublish_at = 2026-12-20T09:00:00Z')
    (sample / "posts" / "welcome.md").write_text(post, encoding="utf-8")
    code, seen = on_a_terminal(sample, *args)
    assert code in (0, 1), seen
    styling = re.findall(r"\x1b\[[0-9;?]*[A-Za-z]", seen)
    assert all(re.fullmatch(r"\x1b\[[0-9;]*m|\x1b\[\?25[lh]", s) for s in styling), set(styling)
    assert "\x1b[31mred" not in seen and "\x1b[2J" not in seen and "\x1b[5m" not in seen
    assert_inert(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", seen))
    if args == ["preview"]:  # the post is there, shown: and the terminal did get colours
        assert "Hi \\x1b]0;owned\\x07 \\x1b[2J \\x1b[31mred \\x9b1m \\u202eevil ##\\x5bgroup]" in seen
        assert "\x1b[1m" in seen or "\x1b[32m" in seen, seen


def test_a_file_name_cannot_forge_a_line_of_its_own(repo: Repo) -> None:
    forged = "x\nfake.md:1:1  error  SP-CLAIM-001 absolute-claim\npublished  fake → tw  https:__x.com_1"
    post = repo.post("x" * 281, name=forged)
    for command in (["check"], ["hash", str(post)], ["publish", str(post), "--channel", "tw", "--sandbox", "--yes"],
                    ["status"], ["agenda", "--from", "2014-09-01"]):
        result = invoke(repo, *command)
        output = result.stdout + result.stderr
        assert not any(line.startswith(("fake.md", "published  fake")) for line in output.split("\n")), output
        assert "x\\x0afake.md:1:1  error" in output, (command, output)


def test_check_github_annotations_still_are_workflow_commands(repo: Repo) -> None:
    repo.post("x" * 281 + "\n::set-output name=a::b ##[group]")
    result = invoke(repo, "check", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=posts/post.md,line=")  # the annotation itself is kept


# --- output that cannot be written ----------------------------------------------------------------------------

SAMPLE_POST = """\
+++
title = "Welcome"
channels = ["example-twitter", "example-facebook"]
post_type = "corporate"
approval_code = "0000001  Last Updated 12/26"
approval_status = "approved"
link = "https://www.example.com/news"
+++
We are now sharing our news here → follow along ✓ for stories from our labs. 🙂
"""


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """`socialpub init`'s repository with one post, for the subprocess tests."""
    root = tmp_path / "sample"
    assert subprocess.run([sys.executable, "-m", "socialpub", "init", str(root)], capture_output=True,
                          timeout=60, cwd=PROJECT).returncode == 0
    (root / "posts" / "welcome.md").write_text(SAMPLE_POST, encoding="utf-8")
    return root


def socialpub(root: Path, *args: str, shell_redirect: str = "", env: dict[str, str] | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """`python -m socialpub ARGS` in `root` as a real process, stdout optionally redirected by the shell."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIO"))}
    environ.update(env or {})
    command = [sys.executable, "-m", "socialpub", "--ledger", str(root / "ledger.db"), *args]
    if shell_redirect:
        command = ["sh", "-c", f'exec "$@" {shell_redirect}', "sh", *command]
    return subprocess.run(command, cwd=root, env=environ, capture_output=not shell_redirect,
                          stderr=subprocess.PIPE if shell_redirect else None, timeout=timeout)


def ledger_states(root: Path) -> dict[str, str]:
    with sqlite3.connect(root / "ledger.db") as db:
        return dict(db.execute("SELECT channel, state FROM publications"))


@pytest.mark.parametrize("redirect", [">&-", ">/dev/full"], ids=["stdout-closed", "disk-full"])
def test_publish_records_everything_whatever_happens_to_stdout(sample: Path, redirect: str) -> None:
    done = socialpub(sample, "publish", "posts/welcome.md", "--sandbox", "--yes", shell_redirect=redirect)
    assert done.returncode == 0, done.stderr
    assert ledger_states(sample) == {"example-twitter": "published", "example-facebook": "published"}
    err = done.stderr.decode()
    assert "could not be written to stdout" in err and "ledger" in err and "Traceback" not in err


@pytest.mark.parametrize("redirect", [">&-", ">/dev/full"], ids=["stdout-closed", "disk-full"])
def test_run_records_everything_whatever_happens_to_stdout(sample: Path, redirect: str) -> None:
    post = SAMPLE_POST.replace('link = "', 'publish_at = 2026-12-26T09:00:00Z\nlink = "')
    (sample / "posts" / "welcome.md").write_text(post, encoding="utf-8")
    done = socialpub(sample, "run", "--sandbox", "--now", "2026-12-26T09:05Z", "--format", "json",
                     shell_redirect=redirect)
    assert done.returncode == 0, done.stderr
    assert set(ledger_states(sample).values()) == {"published"}
    assert b"could not be written" in done.stderr


def test_a_read_only_command_whose_output_is_lost_says_so_and_exits_2(sample: Path) -> None:
    done = socialpub(sample, "check", shell_redirect=">/dev/full")
    assert done.returncode == ExitCode.USAGE
    assert b"could not be written to stdout: No space left on device" in done.stderr
    assert b"Traceback" not in done.stderr and b"Exception ignored" not in done.stderr


def test_a_closed_pipe_ends_quietly(sample: Path) -> None:
    many = "".join(f"+++\nchannels = [\"example-twitter\"]\n+++\nPost {i}\n" for i in range(1))
    for i in range(300):
        (sample / "posts" / f"p{i}.md").write_text(many, encoding="utf-8")
    done = subprocess.run(f'"{sys.executable}" -m socialpub preview | head -c 10 >/dev/null; exit "${{PIPESTATUS[0]}}"',
                          shell=True, executable="/bin/bash", cwd=sample, capture_output=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    assert b"Traceback" not in done.stderr and b"Exception ignored" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "latin-1"}, {"LC_ALL": "C"}],
                         ids=["ascii", "latin-1", "C-locale"])
def test_every_command_degrades_on_a_narrow_encoding(sample: Path, env: dict[str, str]) -> None:
    encoding = env.get("PYTHONIOENCODING", "utf-8")
    for args, code in [
        (["check"], 0), (["preview"], 0), (["hash", "posts/welcome.md"], 0), (["channels"], 0),
        (["agenda", "--from", "2026-12-01"], 0), (["publish", "posts/welcome.md", "--sandbox", "--yes"], 0),
        (["status"], 0), (["history"], 0), (["status", "--format", "json"], 0),
    ]:
        done = socialpub(sample, *args, env=env)
        assert done.returncode == code, (args, done.stderr)
        out = done.stdout.decode(encoding)  # what was written is valid in the stream's encoding
        assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr, args
        assert out.strip(), args
    preview = socialpub(sample, "preview", env=env).stdout.decode(encoding)
    if encoding == "ascii":
        assert "welcome -> example-twitter" in preview and "ok no findings" in preview


def test_an_internal_error_exits_70_without_a_traceback(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    import socialpub.report

    def broken(*_: Any, **__: Any) -> str:
        raise RuntimeError("a bug \x1b[31m")

    monkeypatch.setattr(socialpub.report, "check_text", broken)  # stands in for a bug, not for the code tested
    repo.post("hello")
    result = invoke(repo, "check")
    assert result.exit_code == ExitCode.INTERNAL == 70
    assert "internal error: RuntimeError: a bug \\x1b[31m" in result.stderr and "this is a bug" in result.stderr
    assert "Traceback" not in result.output


# --- files that never end -------------------------------------------------------------------------------------


def check_in_subprocess(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """A hang is a failure after 60 s, not a test run that never ends."""
    return socialpub(root, *args, timeout=60)


def test_a_fifo_a_device_and_a_huge_file_are_findings_not_hangs(sample: Path) -> None:
    posts = sample / "posts"
    os.mkfifo(posts / "pipe.md")
    (posts / "zero.md").symlink_to("/dev/zero")
    (posts / "null.toml").symlink_to("/dev/null")
    (posts / "huge.md").write_bytes(b"+++\n+++\n" + b"x" * 600_000)
    done = check_in_subprocess(sample, "check", "--format", "json")
    assert done.returncode == ExitCode.FINDINGS, done.stderr
    found = {f["file"]: f for f in json.loads(done.stdout)["findings"]}
    assert {name: f["rule"] for name, f in found.items()} == {
        "posts/pipe.md": "SP-FILE-001", "posts/zero.md": "SP-FILE-001", "posts/null.toml": "SP-FILE-001",
        "posts/huge.md": "SP-FILE-001",
    }
    assert "named pipe" in found["posts/pipe.md"]["message"]
    assert "character device" in found["posts/zero.md"]["message"]
    assert "too large" in found["posts/huge.md"]["message"]
    # cron's run and publish do not wait either: they refuse the file and go on
    run = check_in_subprocess(sample, "run", "--dry-run", "--now", "2026-12-26T09:00Z")
    assert run.returncode == ExitCode.FINDINGS and b"named pipe" in run.stdout + run.stderr
    publish = check_in_subprocess(sample, "publish", "posts/pipe.md", "--dry-run")
    assert publish.returncode == ExitCode.USAGE and b"named pipe" in publish.stderr


def test_a_config_that_is_a_fifo_is_a_clear_error(sample: Path) -> None:
    os.mkfifo(sample / "fifo.toml")
    done = check_in_subprocess(sample, "--config", "fifo.toml", "check")
    assert done.returncode == ExitCode.USAGE and b"named pipe" in done.stderr


def test_a_credential_file_that_is_a_fifo_is_a_failure_not_a_hang(sample: Path) -> None:
    os.mkfifo(sample.parent / "token")  # outside the repository, as credential files must be
    config = (sample / "channels.toml").read_text(encoding="utf-8")
    config = config.replace('"env:EXAMPLE_TWITTER_API_KEY"', f'"file:{sample.parent / "token"}"')
    (sample / "channels.toml").write_text(config, encoding="utf-8")
    done = check_in_subprocess(sample, "channels", "--verify")
    assert done.returncode == ExitCode.PUBLISH_FAILED
    assert b"cannot read credential file" in done.stdout and b"named pipe" in done.stdout


def test_a_file_that_grows_past_the_limit_while_read_is_refused(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from socialpub.errors import PostError
    from socialpub.tomlsource import read_text

    path = tmp_path / "grows.md"
    path.write_bytes(b"x" * 10)
    real_fstat = os.fstat

    def grown(fd: int) -> os.stat_result:  # the size seen before reading, then the file grows
        info = real_fstat(fd)
        with path.open("ab") as more:
            more.write(b"x" * 100)
        return info

    monkeypatch.setattr(os, "fstat", grown)
    with pytest.raises(PostError, match="grew past the limit of 50 bytes"):
        read_text(path, "grows.md", PostError, 50)


def test_a_file_that_grows_while_read_is_read_whole_within_the_limit(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The first read asks for the size fstat gave (and one byte): what the file holds beyond it is read too."""
    from socialpub.errors import PostError
    from socialpub.tomlsource import read_text

    path = tmp_path / "grows.md"
    path.write_bytes(b"a" * 10)
    real_fstat = os.fstat

    def grown(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        with path.open("ab") as more:
            more.write(b"b" * 100_000)  # more than one read after the first
        return info

    monkeypatch.setattr(os, "fstat", grown)
    assert read_text(path, "grows.md", PostError, 200_000) == "a" * 10 + "b" * 100_000


def test_a_folder_that_cannot_be_listed_is_reported(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.post("hello", name="ok")
    repo.write("posts/locked/secret.md", "+++\n+++\nhidden")
    real_scandir = os.scandir

    def denied(path: Any = ".") -> Any:  # what chmod 000 does for a user other than root
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    result = invoke(repo, "check", "--format", "json")
    assert result.exit_code == ExitCode.FINDINGS, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["rule"] == "SP-FILE-001" and finding["file"] == "posts/locked"
    assert "cannot be read (Permission denied)" in finding["message"]


# --- values at the edges --------------------------------------------------------------------------------------

MOMENT_OPTIONS = [("--now", ["run", "--dry-run"]), ("--now", ["status"]), ("--at", ["check"]),
                  ("--since", ["history"]), ("--at", ["preview"])]


@pytest.mark.parametrize("value", [
    "0001-01-01T00:00", "9999-12-31T23:59", "9999-12-31T23:59:59.999999-05:00", "0001-01-01T00:00+05:00",
    "0001-01-01T00:00-23:59", "9999-12-31", "garbage", "", "99999999999999999999", "2014-13-01T00:00",
    "2014-10-01T09:00+24:00", "\x1b[31m", "2014-03-09T02:30",
])
def test_edge_moments_are_clear_errors(repo: Repo, value: str) -> None:
    repo.post("hello")
    for option, command in MOMENT_OPTIONS:
        result = invoke(repo, *command, option, value)
        assert result.exit_code == ExitCode.USAGE, (command, value, result.output)
        assert f"socialpub: {option}" in result.stderr and "hint:" in result.stderr, result.stderr
        assert_inert(result.stderr)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    moment=st.one_of(
        st.datetimes(timezones=st.none() | st.timezones() | st.builds(
            lambda m: __import__("datetime").timezone(timedelta(minutes=m)), st.integers(-1439, 1439))
        ).map(lambda d: d.isoformat()),
        st.text(max_size=40),
    ),
    which=st.sampled_from(MOMENT_OPTIONS),
)
def test_any_moment_is_used_or_refused_clearly(tmp_path_factory: pytest.TempPathFactory, moment: str,
                                               which: tuple[str, list[str]]) -> None:
    repo = Repo(tmp_path_factory.mktemp("edge"))
    repo.post("hello")
    option, command = which
    result = invoke(repo, *command, option, moment)
    assert result.exit_code in (0, 1, 2), (moment, result.output)
    assert "internal error" not in result.stderr
    if result.exit_code == 2:
        assert f"socialpub: {option}" in result.stderr and "hint:" in result.stderr


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates().map(str) | st.text(max_size=20), days=st.integers(-10, 10**12).map(str) | st.text(max_size=5))
def test_any_agenda_period_is_shown_or_refused_clearly(tmp_path_factory: pytest.TempPathFactory, start: str,
                                                       days: str) -> None:
    repo = Repo(tmp_path_factory.mktemp("agenda"))
    repo.post("hello")
    result = invoke(repo, "agenda", "--from", start, "--days", days)
    assert result.exit_code in (0, 2), (start, days, result.output)
    assert "internal error" not in result.output and "Traceback" not in result.output
    if result.exit_code == 2:
        assert "--from" in result.output or "--days" in result.output


def test_agenda_at_the_end_of_the_range_works(repo: Repo) -> None:
    repo.post("hello")
    assert invoke(repo, "agenda", "--from", "9000-12-31", "--days", "3660").exit_code == 0
    result = invoke(repo, "agenda", "--from", "9999-12-31")
    assert result.exit_code == 2 and "--from '9999-12-31' is out of range" in result.stderr


# --- times in hints say their zone ----------------------------------------------------------------------------


def test_a_rate_limit_hint_says_utc() -> None:
    from socialpub.http import platform_error

    error = platform_error("X", 429, "Too Many Requests", headers={"Retry-After": "120"})
    assert re.search(r"wait until \d\d:\d\d:\d\d UTC", error.hint or ""), error.hint


# --- Ctrl-C at a confirmation prompt --------------------------------------------------------------------------


@pytest.mark.parametrize("command,nothing", [
    (["publish", "posts/welcome.md"], "Interrupted; nothing was published."),
    (["retract", "welcome", "--reason", "test"], "Interrupted; nothing was deleted."),
])
def test_ctrl_c_at_the_prompt_exits_130(sample: Path, command: list[str], nothing: str) -> None:
    code, seen = on_terminal(["--ledger", str(sample / "ledger.db"), *command], b"[y/N]", b"\x03", cwd=sample)
    assert b"[y/N]" in seen, seen
    assert code == ExitCode.INTERRUPTED, seen
    assert nothing.encode() in seen and b"Traceback" not in seen
    assert not (sample / "ledger.db").exists() or ledger_states(sample) == {}


@pytest.mark.parametrize("key,value", [("id", "welcome\n"), ("link", "https://www.fda.gov/x\n"),
                                       ("approved_sha256", "a" * 64 + "\n")])
def test_a_trailing_newline_does_not_pass_a_format_check(repo: Repo, key: str, value: str) -> None:
    repo.post("hello", **{key: value})
    (finding,) = [f for f in repo.findings() if f.rule == "SP-FILE-001"]
    assert finding.message.startswith(f"{key}: ")
