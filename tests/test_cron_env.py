"""The cron line of the README, exactly as written, publishes a due post in cron's bare environment; the
systemd unit's EnvironmentFile gives socialpub the same credentials."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from socialpub.sandbox import Sandbox
from tests.helpers import Repo, invoke

ROOT = Path(__file__).resolve().parents[1]
SOCIALPUB = Path(sys.executable).with_name("socialpub")  # this checkout's console script
CANARY = "sandbox-CRON-CANARY-token-31f"  # the sandbox takes 'sandbox…' tokens; it must reach socialpub only
# What cron gives a job (Debian's cron: no variables from any login, /bin/sh, a short PATH).
CRON_ENV = {"PATH": "/usr/bin:/bin", "SHELL": "/bin/sh", "LOGNAME": "socialpub"}

pytestmark = [
    pytest.mark.slow,  # cron's and systemd's environments, as real processes
    pytest.mark.skipif(not SOCIALPUB.exists(), reason="socialpub is not installed in this environment"),
]


def readme_cron_line() -> str:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Cron\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```cron\n(.*?)```", section, re.DOTALL)
    assert block, "README's Cron section shows the crontab line in a ```cron block"
    lines = [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]
    assert len(lines) == 1
    return lines[0]


def cron_command(line: str, repo: Path, credentials: Path) -> str:
    """The command part of a crontab line, with the documented places put where this test has them."""
    fields = line.split(None, 5)
    assert len(fields) == 6 and fields[:5] == ["*/5", "*", "*", "*", "*"]
    command = fields[5]
    assert "%" not in command  # cron turns % into a line break
    for documented, here in (("/srv/posts", repo), ("/etc/socialpub/credentials.env", credentials),
                             ("/usr/local/bin/socialpub", SOCIALPUB)):
        assert documented in command, documented
        command = command.replace(documented, shlex.quote(str(here)))
    return command


@pytest.fixture
def due_world(tmp_path: Path):
    """A repository with one post due now on a sandbox Facebook Page, and a credentials file outside it."""
    with Sandbox() as box:
        repo = Repo(tmp_path / "posts-repo")
        repo.write_config(base=f"""[defaults]
timezone = "America/New_York"
max_lateness = "24h"

[channels.fb]
kind = "facebook"
endpoint = "{box.url}"
page_id = "123456789"
page_token = "env:CRON_FB_PAGE_TOKEN"
""")
        today = date.today()
        # due a few minutes ago whenever the test runs: no time of day matters
        repo.post("Our labs are open for the science fair.", name="due", channels=["fb"],
                  publish_at=datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3),
                  approval_code=f"3001314  Last Updated {today.month}/{today:%y}")
        credentials = tmp_path / "etc" / "credentials.env"
        credentials.parent.mkdir()
        credentials.write_text(f"# socialpub credentials\nCRON_FB_PAGE_TOKEN={CANARY}\n", encoding="utf-8")
        credentials.chmod(0o600)
        home = tmp_path / "cron-home"
        home.mkdir()
        yield box, repo, credentials, {**CRON_ENV, "HOME": str(home)}


def sh(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # cron runs: /bin/sh -c COMMAND, with only its own variables (env -i)
    return subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in env.items()), "/bin/sh", "-c", command],
                          capture_output=True, text=True, timeout=120)


def test_the_readme_cron_line_publishes_a_due_post_in_crons_environment(due_world) -> None:
    box, repo, credentials, env = due_world
    line = readme_cron_line()
    done = sh(cron_command(line, repo.root, credentials), env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p["message"] for p in box.posts("facebook")] == ["Our labs are open for the science fair."]
    assert CANARY not in done.stdout + done.stderr  # cron mails the output
    again = sh(cron_command(line, repo.root, credentials), env)  # the next tick: nothing twice
    assert again.returncode == 0 and len(box.posts("facebook")) == 1


def test_the_line_init_writes_is_the_readme_line(tmp_path: Path) -> None:
    assert invoke(["init", str(tmp_path)]).exit_code == 0
    written = [line for line in (tmp_path / "crontab.example").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    assert written == [readme_cron_line()]


def test_sourcing_without_set_a_would_publish_nothing(due_world) -> None:
    """The defect this guards against: `. file` sets NAME=value for the shell only. The test above fails so."""
    box, repo, credentials, env = due_world
    line = readme_cron_line().replace("set -a && ", "")
    done = sh(cron_command(line, repo.root, credentials), env)
    assert done.returncode != 0 and box.posts("facebook") == []
    assert "CRON_FB_PAGE_TOKEN" in done.stdout + done.stderr and CANARY not in done.stdout + done.stderr


def test_a_missing_credentials_file_stops_the_line(due_world, tmp_path: Path) -> None:
    box, repo, _, env = due_world
    done = sh(cron_command(readme_cron_line(), repo.root, tmp_path / "nowhere.env"), env)
    assert done.returncode != 0 and box.posts("facebook") == []


# --- systemd ------------------------------------------------------------------------------------------

def systemd_service(text: str) -> dict[str, str]:
    """The [Service] settings of a unit file, read as systemd does: `#`/`;` comments, one KEY=value a line."""
    parser = configparser.ConfigParser(interpolation=None, strict=False, comment_prefixes=("#", ";"))
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(text.split("\n# /etc/systemd/system/socialpub.timer", 1)[0])
    return dict(parser["Service"])


def environment_file(path: Path) -> dict[str, str]:
    """systemd's reading of an EnvironmentFile for bare values: KEY=VALUE lines, `#`/`;` comments ignored."""
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", ";")) and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def test_systemd_unit_reads_the_same_credentials_and_publishes(due_world, tmp_path: Path) -> None:
    box, repo, credentials, env = due_world
    init_dir = tmp_path / "init"
    assert invoke(["init", str(init_dir)]).exit_code == 0
    service = systemd_service((init_dir / "socialpub.service.example").read_text())
    assert service["Type"] == "oneshot"
    # a required file (no '-' prefix): without it the unit fails rather than running without credentials
    assert service["EnvironmentFile"] == "/etc/socialpub/credentials.env"
    assert service["EnvironmentFile"] in readme_cron_line()  # one file for cron and systemd
    exec_start = shlex.split(service["ExecStart"])
    assert Path(exec_start[0]).is_absolute()  # systemd needs a full path
    assert service["WorkingDirectory"] == "/srv/posts"
    # what systemd would do: the file's variables, the working directory, the command
    run_env = {**env, **environment_file(credentials)}
    command = [str(SOCIALPUB), *exec_start[1:]]
    done = subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in run_env.items()), *command],
                          cwd=repo.root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(box.posts("facebook")) == 1
    assert CANARY not in done.stdout + done.stderr
