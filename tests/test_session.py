"""What a command works on (socialpub/session.py): which ledger (--ledger, else $SOCIALPUB_LEDGER, else the
config), that it is closed however the command ends, and the --sandbox session every command shares."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialpub.cli import app
from socialpub.config import load_config
from socialpub.sandbox import Sandbox
from socialpub.session import opened_ledger, session
from tests.helpers import BASE_CONFIG, Repo

runner = CliRunner()


def cli(repo: Repo, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--config", str(repo.root / "channels.toml"), *args])
    return result.exit_code, result.stdout, result.stderr


def with_ledger_in_config(repo: Repo, ledger: str) -> None:
    repo.write_config(base=BASE_CONFIG.replace("[defaults]\n", f'[defaults]\nledger = "{ledger}"\n', 1))


@pytest.mark.parametrize(("flag", "env", "configured"), list(itertools.product((False, True), repeat=3)))
def test_the_flag_wins_over_the_environment_which_wins_over_the_config(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, flag: bool, env: bool, configured: bool
) -> None:
    if configured:
        with_ledger_in_config(repo, "from-config.db")
    if env:
        monkeypatch.setenv("SOCIALPUB_LEDGER", str(repo.root / "from-env.db"))
    options = ["--ledger", str(repo.root / "from-flag.db")] if flag else []
    code, _, err = cli(repo, *options, "pause", "--reason", "precedence")
    assert code == 0, err
    expected = "from-flag.db" if flag else "from-env.db" if env else "from-config.db" if configured else None
    made = sorted(p.name for p in repo.root.glob("*.db"))
    assert made == ([expected] if expected else [])
    if expected is None:
        assert (repo.root / ".socialpub" / "ledger.db").exists()  # the default beside the config
    code, out, _ = cli(repo, *options, "status", "--format", "json")
    assert code == 0 and json.loads(out)["paused"]["reason"] == "precedence"  # read from the same ledger


def test_the_ledger_is_closed_when_the_block_ends_even_by_an_error(repo: Repo) -> None:
    config = load_config(repo.root / "channels.toml")
    wal = repo.root / ".socialpub" / "ledger.db-wal"
    with pytest.raises(RuntimeError), opened_ledger(config) as ledger:
        ledger.pause("closing")
        assert wal.exists()  # WAL mode: the file lives while a connection is open
        raise RuntimeError("a command failing half-way")
    assert not wal.exists()  # SQLite removes it when the last connection closes


def test_a_postgresql_ledger_leaves_no_connection_behind(pg_url: str, repo: Repo) -> None:
    import psycopg

    config = load_config(repo.root / "channels.toml")
    name = pg_url.rpartition("/")[2]

    def connections() -> int:
        base = pg_url.rpartition("/")[0] + "/postgres"
        with psycopg.connect(base, autocommit=True) as admin:
            row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)).fetchone()
        return int(row[0]) if row else 0

    with pytest.raises(KeyboardInterrupt), opened_ledger(config, pg_url) as ledger:
        ledger.pause("closing")
        assert connections() >= 1
        raise KeyboardInterrupt  # Ctrl-C in the middle of a command
    assert connections() == 0


def test_a_sandbox_session_uses_a_throwaway_ledger_unless_the_flag_names_one(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SOCIALPUB_LEDGER", str(tmp_path / "from-env.db"))
    config = load_config(repo.root / "channels.toml")
    with session(config, sandbox=True) as opened:
        assert all(c.endpoint and c.endpoint.startswith("http://127.0.0.1:") for c in opened.config.channels.values())
        assert opened.environ and all(v.startswith("sandbox-") for v in opened.environ.values())
        opened.ledger.pause("sandbox")
    assert not (tmp_path / "from-env.db").exists()  # the environment's ledger is not the sandbox's
    assert not (repo.root / ".socialpub").exists()  # nor the configured one
    with session(config, str(tmp_path / "from-flag.db"), sandbox=True) as opened:
        opened.ledger.pause("sandbox with --ledger")
    assert (tmp_path / "from-flag.db").exists()


def test_retract_with_sandbox_touches_neither_the_configured_ledger_nor_the_configured_platform(
    repo: Repo,
) -> None:
    repo.post("Our science blog LabTalk is live.", name="clip")
    with Sandbox() as real:  # stands in for the configured platform
        pointed = BASE_CONFIG.replace('kind = "twitter"\n', f'kind = "twitter"\nendpoint = "{real.url}"\n')
        repo.write_config(base=pointed)
        code, _, err = cli(repo, "retract", "clip", "--sandbox", "--yes", "--reason", "test")
        assert code != 0 and "not published" in err  # the throw-away ledger knows no post
        assert real.posts() == []
    assert not (repo.root / ".socialpub").exists()  # before: the configured ledger was opened (and created)


@pytest.mark.parametrize("command", [("publish", "posts/clip.md", "--yes"), ("run", "--now", "2014-09-15T10:05Z")])
def test_publish_and_run_with_sandbox_record_in_the_flags_ledger_only(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: tuple[str, ...]
) -> None:
    repo.post("Our science blog LabTalk is live. Read the first story today.", name="clip")
    monkeypatch.setenv("SOCIALPUB_LEDGER", str(tmp_path / "from-env.db"))
    monkeypatch.chdir(repo.root)
    code, out, err = cli(repo, command[0], "--sandbox", "--format", "json", *command[1:])
    assert code == 0, err
    assert [r["state"] for r in json.loads(out)["results"]] == ["published"]
    assert not (tmp_path / "from-env.db").exists() and not (repo.root / ".socialpub").exists()
    code, out, err = cli(repo, "--ledger", str(tmp_path / "from-flag.db"), command[0], "--sandbox", "--format",
                         "json", *command[1:])
    assert code == 0, err
    code, out, _ = cli(repo, "--ledger", str(tmp_path / "from-flag.db"), "status", "--format", "json",
                       "--now", "2014-09-15T10:05Z")
    assert [r["state"] for r in json.loads(out)["rows"]] == ["published"]
