"""`socialpub auth` stores tokens outside the repository (0600) and prints only references; the cron and
systemd set-up that `init` writes runs commands that exist, with the documented exit codes."""

from __future__ import annotations

import shlex
import stat
import threading
from pathlib import Path

import pytest
import requests

import socialpub.adapters.pinterest as pinterest
from socialpub.sandbox import Sandbox
from tests.helpers import Repo, invoke


def test_auth_stores_tokens_0600_outside_the_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   isolated_home: Path) -> None:
    real = pinterest.authorize

    def visit(url: str) -> None:  # the person at the browser: open the consent page, follow the redirect
        threading.Thread(target=lambda: requests.get(url, timeout=5), daemon=True).start()

    monkeypatch.setattr(pinterest, "authorize", lambda channel, **kw: real(channel, on_url=visit, timeout=10, **kw))
    for key in ("APP_ID", "APP_SECRET"):
        monkeypatch.setenv(f"PIN_{key}", f"sandbox-{key.lower()}")
    with Sandbox() as box:
        repo = Repo(tmp_path / "repo")
        repo.write_config(base=f"""[channels.pin]
kind = "pinterest"
endpoint = "{box.url}"
app_id = "env:PIN_APP_ID"
app_secret = "env:PIN_APP_SECRET"
""")
        result = invoke(["--config", str(repo.root / "channels.toml"), "auth", "pin", "--no-browser"])
        issued = set(box.tokens)
    assert result.exit_code == 0, result.output
    folder = isolated_home / ".config" / "socialpub"
    files = sorted(folder.glob("pin.*.token"))
    assert [f.name for f in files] == ["pin.access_token.token", "pin.refresh_token.token"]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert repo.root not in path.parents
    assert 'access_token = "file:' in result.stdout and 'refresh_token = "file:' in result.stdout
    token = (folder / "pin.access_token.token").read_text().strip()
    assert token in issued
    assert token not in result.output  # only the reference is shown, never the token


def test_auth_for_a_kind_without_consent_flow_says_what_to_do(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    result = invoke(["--config", str(repo.root / "channels.toml"), "auth", "fb"])
    assert result.exit_code == 2
    assert "env:" in result.stderr


def test_init_cron_and_systemd_run_existing_commands(tmp_path: Path) -> None:
    assert invoke(["init", str(tmp_path)]).exit_code == 0
    cron = [line for line in (tmp_path / "crontab.example").read_text().splitlines() if line and line[0] != "#"]
    assert len(cron) == 1
    fields = cron[0].split(None, 5)
    assert fields[:5] == ["*/5", "*", "*", "*", "*"]
    command = fields[5].split("&&")[-1].strip()
    assert shlex.split(command) == ["/usr/local/bin/socialpub", "run", "--quiet"]  # cron's PATH has no /usr/local
    unit = (tmp_path / "socialpub.service.example").read_text()
    assert "ExecStart=/usr/local/bin/socialpub run --quiet" in unit and "EnvironmentFile=" in unit
    assert "OnCalendar=*:0/5" in unit
    # the cron command itself runs (dry) in the new repository
    rehearsal = invoke(["--config", str(tmp_path / "channels.toml"), *shlex.split(command)[1:],
                                    "--dry-run"])
    assert rehearsal.exit_code == 0, rehearsal.output
    unit_command = unit.split("ExecStart=/usr/local/bin/socialpub ", 1)[1].splitlines()[0]
    assert invoke(["--config", str(tmp_path / "channels.toml"), *shlex.split(unit_command),
                               "--dry-run"]).exit_code == 0
    # the exit codes the comments promise are the ones the code uses
    from socialpub.errors import ExitCode

    text = (tmp_path / "crontab.example").read_text()
    for code, meaning in ((0, "ok"), (1, "refused"), (2, "configuration"), (3, "failed"), (4, "unknown")):
        assert f"{code} " in text and meaning in text
    assert [int(c) for c in ExitCode][:5] == [0, 1, 2, 3, 4]
