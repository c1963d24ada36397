"""The command line: exit codes (README), options, and that errors never show a traceback."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from socialpub.errors import ExitCode
from tests.helpers import Repo, cli, invoke


def test_exit_codes_are_the_documented_numbers() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4, 70, 130]


def test_clean_post_exits_0(repo: Repo) -> None:
    repo.post("Our science blog LabTalk is live. Read the first story today.")
    code, out, _ = cli(repo, "check")
    assert code == 0, out
    assert "no findings" in out


def test_error_finding_exits_1_and_names_the_rule(repo: Repo) -> None:
    repo.post("x" * 281)
    code, out, _ = cli(repo, "check")
    assert code == 1
    assert "SP-CHANNEL-001" in out and "posts/post.md" in out


def test_warning_only_exits_0(repo: Repo) -> None:
    repo.write_config('[compliance.rules."SP-CHANNEL-001"]\nlevel = "warning"\n')
    repo.post("x" * 281)
    code, out, _ = cli(repo, "check")
    assert code == 0
    assert "warning" in out


def test_unparseable_post_is_a_finding_not_exit_2(repo: Repo) -> None:
    repo.write("posts/broken.md", "+++\ntitle = \n+++\nbody")
    code, out, _ = cli(repo, "check", "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["status"] == "failed"
    assert [f["rule"] for f in data["findings"]] == ["SP-FILE-001"]
    assert data["findings"][0]["file"] == "posts/broken.md" and data["findings"][0]["line"] == 2


def test_missing_config_exits_2_with_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(["check"])
    assert result.exit_code == 2
    assert "channels.toml" in result.stderr and "socialpub init" in result.stderr
    assert "Traceback" not in result.output


def test_invalid_config_exits_2_naming_file_line_and_key(repo: Repo) -> None:
    repo.write_config('[channels.extra]\nkind = "twiter"\n')
    code, _, err = cli(repo, "check")
    assert code == 2
    assert "channels.toml:" in err and "kind" in err and "did you mean 'twitter'" in err


def test_unknown_channel_option_exits_2(repo: Repo) -> None:
    repo.post("hello")
    code, _, err = cli(repo, "check", "--channel", "twiter")
    assert code == 2 and "unknown channel 'twiter'" in err


def test_bad_at_exits_2(repo: Repo) -> None:
    repo.post("hello")
    code, _, err = cli(repo, "check", "--at", "next tuesday")
    assert code == 2 and "--at" in err


def test_usage_error_exits_2(repo: Repo) -> None:
    code, _, _ = cli(repo, "check", "--format", "yaml")
    assert code == 2


def test_interrupt_exits_130(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("socialpub.check.run_check", interrupted)
    repo.post("hello")
    code, _, err = cli(repo, "check")
    assert code == 130 and "interrupted" in err


def test_at_changes_the_verdict(repo: Repo) -> None:
    # Approved 6/14: fine in September 2014, expired by July 2015.
    repo.post("Our science blog LabTalk is live.", publish_at=None)
    assert cli(repo, "check", "--at", "2014-09-15T10:00")[0] == 0
    code, out, _ = cli(repo, "check", "--at", "2015-07-01T10:00")
    assert code == 1 and "SP-META-002" in out


def test_channel_filter_limits_channel_findings(repo: Repo) -> None:
    repo.post("x" * 281, channels=["tw", "fb"])
    _, out, _ = cli(repo, "check", "--channel", "fb", "--format", "json")
    channels = {f["channel"] for f in json.loads(out)["findings"]}
    assert "tw" not in channels


def test_output_file(repo: Repo, tmp_path: Path) -> None:
    repo.post("x" * 281)
    target = tmp_path / "out" / "report.sarif"
    code, out, _ = cli(repo, "check", "--format", "sarif", "--output", str(target))
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_paths_argument_checks_only_those_files(repo: Repo) -> None:
    repo.post("x" * 281, name="long")
    good = repo.post("All good here.", name="good")
    code, out, _ = cli(repo, "check", str(good), "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["posts"] == 1


def test_preview_shows_cards_and_exits_like_check(repo: Repo) -> None:
    repo.post("Our science blog LabTalk is live.", channels=["tw", "fb"], link="https://www.astrazeneca-us.com/labtalk")
    code, out, _ = cli(repo, "preview")
    assert code == 0
    assert "post → tw (twitter)" in out and "post → fb (facebook)" in out
    assert "weighted characters" in out and "America/New_York" not in out  # zone shown as EDT/UTC
    assert "2014-09-15 06:00 EDT" in out and "2014-09-15 10:00 UTC" in out


def test_preview_json(repo: Repo) -> None:
    repo.post("Thread start", tables='[twitter]\nthread = ["second", "third"]\n')
    code, out, _ = cli(repo, "preview", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["command"] == "preview" and data["version"] == 1
    assert [p["text"] for p in data["cards"][0]["parts"]] == ["Thread start", "second", "third"]


def test_preview_text_is_never_markup(repo: Repo) -> None:
    repo.post("Look [bold red]here[/] and [link=https://evil.example]x[/link]")
    _, out, _ = cli(repo, "preview")
    assert "[bold red]here[/]" in out


def test_hash_prints_the_content_hash(repo: Repo) -> None:
    path = repo.post("Our science blog LabTalk is live.")
    code, out, _ = cli(repo, "hash", str(path))
    assert code == 0
    digest = out.split()[0]
    assert len(digest) == 64
    repo.post("Our science blog LabTalk is live.", approved_sha256=digest)
    assert cli(repo, "check")[0] == 0
    repo.post("Our science blog LabTalk is live!", approved_sha256=digest)
    code, out, _ = cli(repo, "check")
    assert code == 1 and "SP-META-008" in out


def test_channels_lists_references_never_values(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TW_KEY", "CANARY-7f3a-secret")
    code, out, _ = cli(repo, "channels", "--format", "json")
    assert code == 0
    assert "CANARY" not in out
    data = json.loads(out)
    assert data["channels"][0]["credentials"]["api_key"] == "env:TW_KEY"


def test_init_creates_a_repository_that_passes_check(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = invoke(["init", str(target)])
    assert result.exit_code == 0
    assert (target / "channels.toml").is_file() and (target / "posts" / "welcome.md").is_file()
    assert (target / ".github" / "workflows" / "socialpub-review.yml").is_file()
    check = invoke(["--config", str(target / "channels.toml"), "check", "--at", date.today().isoformat() + "T12:00"])
    assert check.exit_code == 0, check.output
    again = invoke(["init", str(target)])
    assert again.exit_code == 0 and "kept" in again.stdout


def test_version() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("socialpub ")
