"""What tests share: throw-away repositories of posts (a channels.toml and post files written for real), posts
checked in memory, and the two ways of running the socialpub command (in this process, or as a real process)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from click.testing import Result
from typer.testing import CliRunner

from socialpub.check import CheckResult, Renderer, check_post, file_finding, run_check
from socialpub.cli import app
from socialpub.config import Config, load_config
from socialpub.posts import parse_post
from socialpub.rules import Finding

# A realistic configuration; tests add or replace tables through `extra`.
BASE_CONFIG = """\
[defaults]
timezone = "America/New_York"
max_lateness = "24h"
sponsor = "AstraZeneca"

[channels.tw]
kind = "twitter"
api_key = "env:TW_KEY"
api_secret = "env:TW_SECRET"
access_token = "env:TW_TOKEN"
access_secret = "env:TW_TOKEN_SECRET"

[channels.fb]
kind = "facebook"
page_id = "123456789"
page_token = "env:FB_TOKEN"

[channels.yt]
kind = "youtube"
client_id = "env:YT_ID"
client_secret = "env:YT_SECRET"
refresh_token = "env:YT_REFRESH"

[channels.pin]
kind = "pinterest"
access_token = "env:PIN_TOKEN"
[channels.pin.boards]
"Internships and Students" = "549755885177"
"US Military Veterans" = "549755885178"

[compliance.approval]
max_age_months = 12
warn_within_days = 30

[compliance.links]
allow_hosts = ["www.astrazeneca-us.com", "www.fda.gov", "fda.gov", "clinicaltrials.gov", "www.oncavix.example"]
deny_hosts = ["bit.ly", "ow.ly", "tinyurl.com", "goo.gl"]

[compliance.privacy]
allow_phones = ["1-800-FDA-1088", "1-800-236-9933"]
allow_email_domains = ["astrazeneca.com"]
company_handles = ["@AstraZenecaUS"]

[compliance.disclosure]
accepted = ["#ad", "#sponsored", "sponsored", "paid partnership with astrazeneca", "#azemployee"]
ambiguous = ["#sp", "#spon", "#collab", "#partner", "#ambassador"]

[compliance.safety]
reporting = ["1-800-FDA-1088", "fda.gov/medwatch", "1-800-236-9933"]

[compliance.campaigns.mbc]
start = 2014-09-01
end = 2014-10-13

[compliance.products.oncavix]
brand = "ONCAVIX"
established = "tivaranib"
indication_terms = ["metastatic breast cancer", "hr+/her2-"]
offlabel_terms = ["early-stage", "adjuvant"]
serious_risk_terms = ["interstitial lung disease", "pneumonitis", "harm an unborn baby"]
risk_url = "https://www.oncavix.example/risk"
pi_url = "https://www.oncavix.example/pi"

[compliance.pipeline]
codes = ["EXP-4172"]
embargoed_names = ["ZELTRIS"]
"""

# Front matter that passes every post-level rule at 2014-09-15 (approval 6/14, campaign mbc).
GOOD_FRONT: dict[str, Any] = {
    "channels": ["tw"],
    "post_type": "corporate",
    "publish_at": datetime(2014, 9, 15, 10, 0, tzinfo=UTC),
    "approval_code": "3001314  Last Updated 6/14",
    "approval_status": "approved",
}


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return str(value)


class Repo:
    """A repository folder with channels.toml and posts/, checked with the real loader and rules."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "posts").mkdir(parents=True, exist_ok=True)
        self.write_config()

    def write_config(self, extra: str = "", base: str = BASE_CONFIG) -> Path:
        path = self.root / "channels.toml"
        path.write_text(base + "\n" + extra, encoding="utf-8")
        return path

    def write(self, relative: str, content: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def post(self, body: str = "", name: str = "post", tables: str = "", **front: Any) -> Path:
        """Write posts/NAME.md from keyword front matter (GOOD_FRONT by default) and a body."""
        return self.write(f"posts/{name}.md", post_text(body, tables, **front))

    def config(self) -> Config:
        return load_config(self.root / "channels.toml")

    def check(self, **kwargs: Any) -> CheckResult:
        return run_check(self.config(), **kwargs)

    def findings(self, rule: str | None = None, **kwargs: Any) -> list[Finding]:
        found = self.check(**kwargs).findings
        return [f for f in found if rule is None or f.rule == rule]


def post_text(body: str = "", tables: str = "", **front: Any) -> str:
    """A `.md` post: keyword front matter (GOOD_FRONT by default; None leaves a key out), tables, then the body."""
    fields = {**GOOD_FRONT, **front}
    lines = [f"{k} = {toml_value(v)}" for k, v in fields.items() if v is not None]
    return "+++\n" + "\n".join(lines) + "\n" + tables + "\n+++\n" + body


def check_text(config: Config, body: str = "", name: str = "post", tables: str = "", **front: Any) -> list[Finding]:
    """Repo.post then Repo.findings for one post, built in memory: no file is written or read, so a rule's
    table of cases needs no repository. Same loader, renderers and rules as `check`; the file's bytes (NUL,
    UTF-8, size) are not read and media files are not in play: a post with media needs a Repo."""
    path = config.posts_dir / f"{name}.md"
    post, problems = parse_post(path, post_text(body, tables, **front), config)
    findings = [file_finding(problem, post.id if post else None) for problem in problems]
    if post is not None:
        findings += check_post(post, config, Renderer(config), now=datetime.now(UTC)).findings
    return findings


def rules_of(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings if not f.suppressed}


# Minimal real media files.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x10mdat" + b"\x00" * 8


# --- running socialpub ------------------------------------------------------------------------------------------

_runner = CliRunner()


def invoke(args: Sequence[str], env: dict[str, str] | None = None) -> Result:
    """`socialpub ARGS` in this process (typer's CliRunner): exit_code, stdout, stderr, exception."""
    return _runner.invoke(app, list(args), env=env)


def cli(repo: Repo | Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`socialpub --config REPO/channels.toml ARGS` in this process: (exit code, stdout, stderr)."""
    root = repo.root if isinstance(repo, Repo) else repo
    result = invoke(["--config", str(root / "channels.toml"), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def run_socialpub(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`python -m socialpub ARGS` as a real process (this environment plus `env`), its output captured as text."""
    return subprocess.run([sys.executable, "-m", "socialpub", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def exactly_once_bench() -> ModuleType:
    """bench/exactly_once.py, the harness the exactly-once tests share (worlds of repository, sandbox and
    ledger; counting what the platforms keep): loaded once per process, so every test file sees one module."""
    name = "socialpub_bench_exactly_once"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "bench" /
                                                      "exactly_once.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def on_terminal(argv: Sequence[str], prompt: bytes, answer: bytes, *, cwd: Path | None = None
                ) -> tuple[int | None, bytes]:
    """`python -m socialpub ARGV` on a pseudo-terminal: `answer` typed once `prompt` shows (b"\\x03" is Ctrl-C,
    turned into SIGINT by the terminal); (exit code, or None when it hung for a minute and was killed; all it
    printed)."""
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: socialpub on a terminal
        if cwd is not None:
            os.chdir(cwd)
        os.execv(sys.executable, [sys.executable, "-m", "socialpub", *argv])
    seen, status = b"", None
    deadline = time.monotonic() + 60
    try:
        while prompt not in seen and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                seen += os.read(fd, 4096)
        os.write(fd, answer)
        typed = time.monotonic()
        while status is None and time.monotonic() < deadline:
            if answer == b"\x03" and time.monotonic() - typed > 2:
                # A SIGINT that lands between the prompt and the read is only seen at the next one (CPython's
                # readline loop): press Ctrl-C again, as a person would.
                os.write(fd, answer)
                typed = time.monotonic()
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    seen += os.read(fd, 4096)
                except OSError:  # the child closed the terminal
                    pass
            done, code = os.waitpid(pid, os.WNOHANG)
            status = code if done else None
    finally:
        if status is None:  # hung: a failure, never a test run that never ends
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    return (os.waitstatus_to_exitcode(status) if status is not None else None), seen
