"""Canary secrets in every credential never appear in any output, log, ledger row, report or page."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from socialpub.adapters.base import adapter_class
from socialpub.sandbox import Sandbox, platforms
from tests.helpers import MP4, PNG, Repo, invoke

KIND_CHANNELS = {"twitter": "tw", "facebook": "fb", "youtube": "yt", "pinterest": "pin"}
EXTRA = {"facebook": 'page_id = "123456789"\n'}


def canary(kind: str, key: str) -> str:
    # The sandbox accepts throw-away tokens that start with "sandbox": the canary is one of those.
    return f"sandbox-CANARY-{kind}-{key}-9f2"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Repo, Sandbox, list[str]]:
    box = Sandbox().start()
    available = {p.name for p in platforms()}
    repo = Repo(tmp_path / "repo")
    config = ['[defaults]\ntimezone = "America/New_York"\n']
    canaries = []
    for kind, name in KIND_CHANNELS.items():
        if kind not in available:
            continue
        lines = [f"[channels.{name}]", f'kind = "{kind}"', f'endpoint = "{box.url}"', EXTRA.get(kind, "")]
        for key in sorted(adapter_class(kind).credential_keys):
            if kind == "twitter" and key in ("user_token", "client_id", "client_secret", "refresh_token"):
                continue  # OAuth 1.0a keys; the OAuth 2 ones would switch the adapter to OAuth 2
            if kind == "facebook" and key == "app_secret":
                continue  # the sandbox checks appsecret_proof against its own throw-away app secret
            variable = f"CANARY_{name}_{key}".upper()
            lines.append(f'{key} = "env:{variable}"')
            monkeypatch.setenv(variable, canary(kind, key))
            canaries.append(canary(kind, key))
        if kind == "pinterest":
            lines.append('[channels.pin.boards]\n"Careers" = "549755885175"')
        config.append("\n".join(lines))
    repo.write_config(base="\n\n".join(config) + "\n")
    repo.write("posts/media/a.png", PNG)
    repo.write("posts/media/v.mp4", MP4)
    channels = [KIND_CHANNELS[k] for k in KIND_CHANNELS if k in available]
    repo.post(
        "Our science blog LabTalk is live.", name="labtalk", channels=channels, title="LabTalk is live",
        publish_at=None, approval_code="3001314  Last Updated 6/14",
        media=[{"path": "media/a.png", "alt": "The LabTalk logo on a blue background"}],
        tables='[youtube]\nmedia = [{ path = "media/v.mp4", alt = "A video about the LabTalk blog" }]\n'
               '[pinterest]\nboard = "Careers"\n',
    )
    yield repo, box, canaries
    box.stop()


def test_no_canary_anywhere(world: tuple[Repo, Sandbox, list[str]], caplog: pytest.LogCaptureFixture) -> None:
    repo, box, canaries = world
    caplog.set_level(logging.DEBUG)
    config = str(repo.root / "channels.toml")
    outputs: list[str] = []

    def cli(*args: str) -> int:
        result = invoke(["--config", config, *args])
        outputs.extend([result.stdout, result.stderr, repr(result.exception or "")])
        return result.exit_code

    at = "2014-09-15T10:00"
    assert cli("check", "--at", at, "--format", "json") in (0, 1)
    cli("check", "--at", at, "--format", "sarif")
    cli("preview", "--at", at)
    cli("channels", "--format", "json")
    assert cli("channels", "--verify") == 0, outputs[-3:]
    assert cli("publish", str(repo.root / "posts" / "labtalk.md"), "--yes", "--format", "json") == 0, outputs[-3:]
    box.inject("status", path=".*", status=401, count=20,
               body={"error": "invalid token " + " ".join(canaries), "detail": " ".join(canaries)})
    cli("publish", str(repo.root / "posts" / "labtalk.md"), "--yes", "--again", "--reason", "test")
    box.faults.clear()
    box.inject("expire")
    cli("publish", str(repo.root / "posts" / "labtalk.md"), "--yes", "--again", "--reason", "test")
    cli("channels", "--verify")
    cli("status", "--format", "json")
    cli("history", "--format", "csv")
    html = repo.root / "preview.html"
    if cli("preview", "--help") == 0 and "--html" in outputs[-3]:
        cli("preview", "--at", at, "--html", str(html))
        outputs.append(html.read_text(encoding="utf-8") if html.exists() else "")
    ledger = (repo.root / ".socialpub" / "ledger.db").read_bytes().decode("latin-1")
    wal = repo.root / ".socialpub" / "ledger.db-wal"
    blobs = [*outputs, ledger, wal.read_bytes().decode("latin-1") if wal.exists() else "", caplog.text]
    for secret in canaries:
        leaks = [i for i, blob in enumerate(blobs) if secret in blob]
        context = [blobs[i][max(0, blobs[i].find(secret) - 300): blobs[i].find(secret) + 60] for i in leaks]
        assert leaks == [], f"{secret} leaked in output #{leaks}: {context}"
    assert len(box.posts()) >= 3  # the publishing really happened


def test_literal_secret_in_config_is_refused_without_echo(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write_config(base='[channels.tw]\nkind = "twitter"\napi_key = "AKIA-CANARY-literal-55"\n')
    result = invoke(["--config", str(repo.root / "channels.toml"), "check"])
    assert result.exit_code == 2
    assert "AKIA-CANARY-literal-55" not in result.stdout + result.stderr
    assert "api_key" in result.stderr and "env:" in result.stderr
