"""The review kit: agenda (+ iCalendar), check --changed-since, the CI workflow, the pre-commit hook."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from tests.helpers import Repo, cli, invoke

ROOT = Path(__file__).resolve().parents[1]


# --- agenda -----------------------------------------------------------------------------------------

def test_agenda_groups_by_local_day_and_flags_collisions(repo: Repo) -> None:
    repo.write_config('', base=repo.root.joinpath("channels.toml").read_text().replace(
        'sponsor = "AstraZeneca"', 'sponsor = "AstraZeneca"\nmin_gap = "30m"'))
    # 03:30 UTC on Sep 16 is 23:30 on Sep 15 in New York
    repo.post("Late evening", name="a", publish_at=datetime(2014, 9, 16, 3, 30, tzinfo=UTC))
    repo.post("Ten minutes later", name="b", publish_at=datetime(2014, 9, 16, 3, 40, tzinfo=UTC))
    code, out, _ = cli(repo, "agenda", "--from", "2014-09-15", "--days", "1", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [e["post"] for e in data["entries"]] == ["a", "b"]
    assert data["entries"][0]["local"].startswith("2014-09-15T23:30")
    assert any("collision" in w for w in data["entries"][1]["warnings"])
    assert not data["entries"][0]["warnings"]


def test_agenda_warns_outside_campaign_and_expiring_approval(repo: Repo) -> None:
    repo.post("After the campaign", name="late", campaign="mbc",
              publish_at=datetime(2014, 10, 20, 14, 0, tzinfo=UTC))
    repo.post("Old approval", name="old", approval_code="3001314  Last Updated 1/14",
              publish_at=datetime(2015, 1, 20, 14, 0, tzinfo=UTC))
    _, out, _ = cli(repo, "agenda", "--from", "2014-10-01", "--days", "150", "--format", "json")
    warnings = {e["post"]: " ".join(e["warnings"]) for e in json.loads(out)["entries"]}
    assert "SP-META-004" in warnings["late"]
    assert "SP-META-002" in warnings["old"]


def test_agenda_text_shows_campaign_windows(repo: Repo) -> None:
    repo.post("In the campaign", campaign="mbc", publish_at=datetime(2014, 9, 15, 14, 0, tzinfo=UTC))
    _, out, _ = cli(repo, "agenda", "--from", "2014-09-14", "--days", "3")
    assert "campaign mbc: 2014-09-01 to 2014-10-13" in out
    assert "Mon 2014-09-15  [mbc]" in out and "10:00-04:00  tw" in out


def test_agenda_ics_parses_back_with_icalendar(repo: Repo, tmp_path: Path) -> None:
    icalendar = pytest.importorskip("icalendar")
    repo.post('Comma, semicolon; backslash \\ and "quotes" ' + "é" * 80, name="a", campaign="mbc",
              title="A title, with; specials",
              publish_at=datetime(2014, 9, 15, 14, 0, tzinfo=UTC))
    target = tmp_path / "agenda.ics"
    code, _, _ = cli(repo, "agenda", "--from", "2014-09-01", "--days", "60", "--ics", str(target))
    assert code == 0
    raw = target.read_bytes()
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    posts = [e for e in events if str(e["SUMMARY"]).startswith("tw:")]
    assert len(posts) == 1
    assert str(posts[0]["SUMMARY"]) == "tw: A title, with; specials"
    assert posts[0].decoded("DTSTART") == datetime(2014, 9, 15, 14, 0, tzinfo=UTC)
    campaign = next(e for e in events if str(e["SUMMARY"]) == "Campaign: mbc")
    assert campaign.decoded("DTSTART") == date(2014, 9, 1) and campaign.decoded("DTEND") == date(2014, 10, 14)
    assert len({str(e["UID"]) for e in events}) == len(events)


# --- check --changed-since ---------------------------------------------------------------------------

def git(repo: Repo, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *args], cwd=repo.root,
                          capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def git_repo(repo: Repo) -> Repo:
    repo.post("x" * 300, name="long")  # an error that is not part of the change
    repo.post("Fine", name="fine")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo


def test_changed_since_checks_only_changed_posts(git_repo: Repo) -> None:
    git_repo.post("Fine, edited", name="fine")
    git_repo.post("New post", name="new")
    code, out, _ = cli(git_repo, "check", "--changed-since", "HEAD", "--format", "json")
    assert code == 0
    assert json.loads(out)["summary"]["posts"] == 2


def test_changed_since_with_nothing_changed_reports_nothing(git_repo: Repo) -> None:
    code, out, _ = cli(git_repo, "check", "--changed-since", "HEAD", "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["posts"] == 0


def test_changed_config_checks_every_post(git_repo: Repo) -> None:
    path = git_repo.root / "channels.toml"
    path.write_text(path.read_text() + "\n# touched\n")
    code, out, _ = cli(git_repo, "check", "--changed-since", "HEAD", "--format", "json")
    assert code == 1 and json.loads(out)["summary"]["posts"] == 2


def test_changed_media_checks_the_posts_that_show_it(git_repo: Repo) -> None:
    from tests.helpers import PNG

    git_repo.write("posts/media/a.png", PNG)
    git_repo.post("With an image", name="img", media=[{"path": "media/a.png", "alt": "A photo of the lab team"}])
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "image")
    git_repo.write("posts/media/a.png", PNG + b"\x00")
    _, out, _ = cli(git_repo, "check", "--changed-since", "HEAD", "--format", "json")
    assert json.loads(out)["summary"]["posts"] == 1


def test_changed_since_bad_ref_exits_2(git_repo: Repo) -> None:
    code, _, err = cli(git_repo, "check", "--changed-since", "no-such-ref")
    assert code == 2 and "fetch-depth" in err


def test_markdown_summary_is_short_and_links_lines(repo: Repo) -> None:
    repo.post("x" * 300, name="long")
    _, out, _ = cli(repo, "check", "--format", "markdown")
    assert "SP-CHANNEL-001" in out and "posts/long.md" in out
    assert len(out.splitlines()) < 15


# --- the CI workflow ---------------------------------------------------------------------------------

def test_init_writes_a_review_workflow_whose_commands_exist(tmp_path: Path) -> None:
    assert invoke(["init", str(tmp_path)]).exit_code == 0
    workflow_text = (tmp_path / ".github" / "workflows" / "socialpub-review.yml").read_text()
    workflow = yaml.safe_load(workflow_text)
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert set(triggers) == {"pull_request"}
    assert "posts/**" in triggers["pull_request"]["paths"]
    code_lines = "\n".join(line for line in workflow_text.splitlines() if not line.lstrip().startswith("#"))
    assert "secrets." not in code_lines and "pull_request_target" not in code_lines
    steps = workflow["jobs"]["review"]["steps"]
    commands = [line for s in steps if "run" in s for line in s["run"].split(";")]
    socialpub_calls = [shlex.split(c.split("||")[0].replace("$BASE_REF", "main"))
                       for c in commands if c.strip().startswith("socialpub")]
    assert {c[1] for c in socialpub_calls} >= {"check", "preview"}
    for call in socialpub_calls:  # every command and option the workflow uses exists
        args = [a for a in call[1:]]
        result = invoke([args[0], "--help"])
        assert result.exit_code == 0, args
        for option in (a for a in args if a.startswith("--")):
            assert option in result.stdout, (args[0], option)
    uses = {s.get("uses", "").split("@")[0] for s in steps}
    assert {"github/codeql-action/upload-sarif", "actions/upload-artifact"} <= uses


def test_review_workflow_keeps_event_values_out_of_commands_and_pins_what_it_runs(tmp_path: Path) -> None:
    import re

    assert invoke(["init", str(tmp_path)]).exit_code == 0
    text = (tmp_path / ".github" / "workflows" / "socialpub-review.yml").read_text()
    workflow = yaml.safe_load(text)
    steps = workflow["jobs"]["review"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    assert runs and not any("${{" in run for run in runs)  # no expression is ever pasted into shell code
    assert workflow["env"]["BASE_REF"] == "${{ github.base_ref }}"  # the event value arrives as data
    assert any("$BASE_REF" in run for run in runs)
    for run in runs:  # every script is valid bash (GitHub's default shell)
        assert subprocess.run(["bash", "-n", "-c", run], capture_output=True).returncode == 0, run
    # every action by full commit hash, the version it is in a comment on the same line
    lines = [line.strip() for line in text.splitlines() if re.match(r"\s*-?\s*uses:", line)]
    assert len(lines) == sum("uses" in s for s in steps) >= 4
    for line in lines:
        assert re.fullmatch(r"(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line
    # socialpub itself: from its git repository at a pinned commit, never `pip install socialpub` by name
    install = next(s["run"] for s in steps if "pip install" in s.get("run", ""))
    assert 'pip install "socialpub @ git+${SOCIALPUB_REPOSITORY}@${SOCIALPUB_COMMIT}"' in install
    pip_lines = [line for run in runs for line in run.splitlines() if "pip install" in line]
    assert pip_lines and all("git+" in line and "@${SOCIALPUB_COMMIT}" in line for line in pip_lines)
    assert re.search(r"\^\[0-9a-f\]\{40\}\$", install)  # the placeholder fails the job until filled in


def test_review_workflow_install_step_refuses_the_placeholder(tmp_path: Path) -> None:
    """Left as written, the install step stops with a clear message before any pip runs."""
    assert invoke(["init", str(tmp_path)]).exit_code == 0
    workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / "socialpub-review.yml").read_text())
    install = next(s["run"] for s in workflow["jobs"]["review"]["steps"] if "pip install" in s.get("run", ""))
    no_pip = tmp_path / "empty-bin"
    no_pip.mkdir()
    env = {"PATH": str(no_pip), **{k: str(v) for k, v in workflow["env"].items()}}
    done = subprocess.run(["/bin/bash", "-e", "-c", install], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "SOCIALPUB_COMMIT" in done.stdout


# --- pre-commit --------------------------------------------------------------------------------------

def test_pre_commit_hooks_file_is_valid() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "socialpub-check")
    assert hook["entry"].startswith("socialpub check ") and hook["language"] == "python"
    # which files count is socialpub's own rule (tests/test_changed_files.py), not a regex here


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_try_repo_passes_clean_and_fails_broken(repo: Repo, tmp_path: Path) -> None:
    pre_commit = Path(sys.executable).with_name("pre-commit")
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    good = repo.post("All good here.", name="good", publish_at=None,
                     approval_code=f"3001314  Last Updated {date.today().month}/{date.today():%y}")
    bad = repo.post("x" * 300, name="bad")
    # files `socialpub check` does not take for posts: passed by pre-commit, skipped by socialpub
    not_posts = [repo.write(where, "x" * 300) for where in ("posts/README.md", "posts/_drafts/d.md",
                                                             "posts/.hidden/h.md", "docs/notes.md")]
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "SKIP": ""}

    def try_repo(*paths: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(pre_commit), "try-repo", str(ROOT), "socialpub-check", "--files",
             *(str(path.relative_to(repo.root)) for path in paths)],
            cwd=repo.root, capture_output=True, text=True, env=env, timeout=900,
        )

    passed = try_repo(good, *not_posts)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    failed = try_repo(bad)
    assert failed.returncode == 1
    assert "SP-CHANNEL-001" in failed.stdout and "posts/bad.md" in failed.stdout


def test_times_in_tables_carry_their_offset_and_round_trip(repo: Repo) -> None:
    """A time copied from `status` or `agenda` means the same instant when pasted into --now/--since."""
    # 01:30 on 2014-11-02 happens twice in New York: the offset says which.
    from datetime import datetime, timedelta, timezone

    from socialpub import report
    from socialpub.agenda import agenda_text, build_agenda
    from socialpub.config import load_config

    for name, hours in (("first", -4), ("second", -5)):
        offset = timezone(timedelta(hours=hours))
        repo.post("Fall back.", name=name, publish_at=datetime(2014, 11, 2, 1, 30, tzinfo=offset))
    config = load_config(repo.root / "channels.toml")
    rows = [{"state": "scheduled", "publish_at": p, "post": n, "channel": "tw"}
            for n, p in (("first", "2014-11-02T05:30:00+00:00"), ("second", "2014-11-02T06:30:00+00:00"))]
    text = report.status_text(rows, config.defaults.timezone)
    printed = [" ".join(line.split()[1:3]) for line in text.splitlines()]
    assert [datetime.fromisoformat(p) for p in printed] == [datetime.fromisoformat(r["publish_at"]) for r in rows]
    from datetime import date

    agenda = agenda_text(build_agenda(config, start=date(2014, 11, 2), days=1, ledger=None), config.defaults.timezone)
    assert "01:30-04:00" in agenda and "01:30-05:00" in agenda
