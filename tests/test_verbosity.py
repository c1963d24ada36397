"""-v says what is done (each request: method, path, status; the configuration and ledger used) on stderr,
secrets redacted; -q prints only problems; both at once is a usage error."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers import run_socialpub

ROOT = Path(__file__).resolve().parents[1]


def socialpub(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_socialpub(*args, cwd=cwd, env=env)


@pytest.mark.slow
def test_verbose_lists_every_request_without_query_strings_or_secrets() -> None:
    done = socialpub("-v", "publish", "--sandbox", "posts/labtalk-launch.md", "posts/oncavix-facebook.md",
                     "posts/az-blog-video.md", "posts/careers/careers-internships-students.toml")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if " -> " in line]
    requests = [re.fullmatch(r"socialpub: (GET|POST|PUT|DELETE) (/\S*) -> (\d{3}|no answer)", line) for line in lines]
    assert requests and all(requests), lines
    paths = {m.group(2) for m in requests if m}
    assert "/2/tweets" in paths  # X
    assert any(p.endswith("/feed") or p.endswith("/photos") for p in paths)  # Facebook
    assert "/upload/youtube/v3/videos" in paths  # YouTube
    assert "/v5/pins" in paths  # Pinterest
    assert "?" not in "\n".join(lines)  # no query string (Graph takes its token there)
    for key in ("api_key", "access_token", "page_token", "client_secret", "refresh_token"):
        assert f"sandbox-{key}" not in done.stderr  # the throw-away credentials are secrets like any other
    assert "socialpub: configuration " in done.stderr and "socialpub: using the ledger" in done.stderr
    assert " -> " not in done.stdout  # what scripts read stays as it is


@pytest.mark.slow
def test_quiet_prints_only_problems(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    done = socialpub("-q", "init", str(repo), cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    assert (repo / "channels.toml").exists()
    for command in (["pause", "--reason", "drill"], ["resume", "--reason", "drill over"], ["check"]):
        done = socialpub("-q", *command, cwd=repo)
        assert done.returncode == 0, done.stderr
        assert done.stdout == "" and done.stderr == "", command
    done = socialpub("pause", "--reason", "drill", cwd=repo)
    assert done.stdout.strip() == "Publishing is paused."  # without -q it says so
    done = socialpub("-q", "run", cwd=repo)  # a pause is news even with -q: nothing goes out
    assert done.returncode == 0 and "publishing is paused" in done.stderr


@pytest.mark.parametrize("flags", [["-q", "-v"], ["-v", "-q"]])
def test_quiet_and_verbose_together_is_a_usage_error(flags: list[str]) -> None:
    done = socialpub(*flags, "check")
    assert done.returncode == 2 and "--quiet or --verbose" in done.stderr and "Traceback" not in done.stderr


def test_verbose_lasts_for_its_command_only() -> None:
    """A command run in-process again (a library caller, a test) starts with the request log as it was: `-v` left a
    handler on the stderr of its own run, which later runs found closed ("--- Logging error ---" and a traceback
    on their stderr) and which made a run without -v list requests."""
    import logging

    from tests.helpers import invoke

    requests_log = logging.getLogger("socialpub.requests")
    before = (list(requests_log.handlers), requests_log.level, requests_log.propagate)
    for _ in range(2):
        result = invoke(["--config", str(ROOT / "channels.toml"), "-v", "check", str(ROOT / "posts/labtalk-launch.md")])
        assert result.exit_code == 0, result.output
        assert (list(requests_log.handlers), requests_log.level, requests_log.propagate) == before
    requests_log.info("%s %s -> %s", "GET", "/after", 200)  # nowhere to write to, and no error either
