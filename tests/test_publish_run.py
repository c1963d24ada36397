"""Publishing and `run` over the real ledger (SQLite), with a fake platform behind the real registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import tests.fake_platform as fake
from socialpub.adapters import base
from socialpub.check import check_post
from socialpub.config import load_config
from socialpub.ledger import SQLiteLedger, utcnow
from socialpub.posts import load_posts
from socialpub.publish import Publisher, run_due
from tests import helpers
from tests.helpers import Repo, invoke

CONFIG = """\
[defaults]
timezone = "America/New_York"
max_lateness = "24h"

[channels.f1]
kind = "fake"
token = "env:FAKE_TOKEN"

[channels.f2]
kind = "fake"
token = "env:FAKE_TOKEN"
"""
AT = datetime(2014, 9, 15, 14, 0, tzinfo=UTC)
ENV = {"FAKE_TOKEN": "CANARY-fake-token-77"}


@pytest.fixture(autouse=True)
def fake_kind(monkeypatch: pytest.MonkeyPatch) -> fake.FakePlatform:
    monkeypatch.setitem(base.KINDS, "fake", "tests.fake_platform:FakeAdapter")
    base.adapter_class.cache_clear()
    platform = fake.FakePlatform()
    monkeypatch.setattr(fake, "PLATFORM", platform)
    monkeypatch.setenv("FAKE_TOKEN", ENV["FAKE_TOKEN"])
    yield platform
    base.adapter_class.cache_clear()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "repo")
    r.write_config(base=CONFIG)
    return r


def post(repo: Repo, text: str, name: str = "p", at: datetime | None = AT, **front: object) -> Path:
    return repo.post(text, name=name, channels=["f1", "f2"], publish_at=at, **front)


class World:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.config = load_config(repo.root / "channels.toml")
        self.ledger = SQLiteLedger(repo.root / ".socialpub" / "ledger.db")
        self.slept: list[float] = []

    def publisher(self, **kw: object) -> Publisher:
        return Publisher(self.config, self.ledger, environ=ENV, sleep=self.slept.append, reconcile_grace=0.0, **kw)

    def run(self, now: datetime = AT + timedelta(minutes=5)) -> list:
        self.config = load_config(self.repo.root / "channels.toml")
        posts = load_posts(self.config).posts
        return run_due(self.publisher(), posts, now)

    def publish(self, again: bool = False) -> list:
        self.config = load_config(self.repo.root / "channels.toml")
        publisher = self.publisher()
        reports = [check_post(p, self.config, publisher.renderer) for p in load_posts(self.config).posts]
        return publisher.publish_now(reports, again=again)


def states(results: list) -> list[tuple[str, str, str]]:
    return sorted((r.post, r.channel, r.state) for r in results)


def test_run_publishes_due_posts_exactly_once(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Hello from the lab")
    world = World(repo)
    assert states(world.run()) == [("p", "f1", "published"), ("p", "f2", "published")]
    assert states(world.run()) == []
    assert fake_kind.copies("Hello from the lab") == 2
    rows = world.ledger.rows()
    assert {r.state for r in rows} == {"published"}
    assert all(r.content_hash and r.approval_code and r.scheduled_at == AT and r.attempts == 1 for r in rows)
    actions = [e["action"] for e in world.ledger.events()]
    assert actions.count("publishing") == 2 and actions.count("published") == 2


def test_future_posts_wait_and_late_posts_are_missed(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Later", name="later", at=AT + timedelta(hours=2))
    post(repo, "Stale call to action", name="stale", at=AT - timedelta(days=2))
    world = World(repo)
    assert states(world.run(AT)) == [("stale", "f1", "missed"), ("stale", "f2", "missed")]
    assert fake_kind.posts == {}
    assert states(world.run(AT + timedelta(hours=2))) == [("later", "f1", "published"), ("later", "f2", "published")]
    assert states(world.run(AT + timedelta(hours=3))) == []  # missed stays missed, not published late


def test_post_due_exactly_now_is_published(repo: Repo) -> None:
    post(repo, "On the dot")
    assert len([r for r in World(repo).run(AT) if r.state == "published"]) == 2


def test_findings_refuse_and_are_recorded_once(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "x" * 600)  # over the fake platform's 500 characters: SP-CHANNEL-001
    world = World(repo)
    results = world.run()
    assert {r.state for r in results} == {"refused"} and "SP-CHANNEL-001" in results[0].error
    world.run()
    assert [e["action"] for e in world.ledger.events()].count("refused") == 2  # once per channel, not per run
    assert fake_kind.posts == {}


def test_short_rate_limit_is_waited_within_the_run(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Patience")
    fake_kind.failures.append(fake.Failure(429, transient=True, retry_after=7))
    world = World(repo)
    assert {r.state for r in world.run()} == {"published"}
    assert 7 in world.slept and fake_kind.copies("Patience") == 2


def test_long_rate_limit_moves_to_a_later_run(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Much later", name="p")
    fake_kind.failures += [fake.Failure(429, transient=True, retry_after=3600)]
    world = World(repo)
    results = world.run()
    assert sorted(r.state for r in results) == ["published", "retrying"]
    row = next(r for r in world.ledger.rows() if r.state == "failed")
    assert row.transient and row.next_attempt_at > utcnow() + timedelta(minutes=50)
    assert states(world.run()) == [("p", row.channel, "retrying")]  # not yet
    world.ledger.save(replace(row, next_attempt_at=utcnow() - timedelta(seconds=1)))
    assert states(world.run()) == [("p", row.channel, "published")]
    assert fake_kind.copies("Much later") == 2


def test_permanent_failure_is_not_retried_until_the_file_changes(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Rejected")
    fake_kind.failures += [fake.Failure(400, transient=False), fake.Failure(400, transient=False)]
    world = World(repo)
    assert [r.state for r in world.run()] == ["failed", "failed"]
    again = world.run()  # not sent again, and said so every run (a person must act)
    assert [(r.state, r.attention) for r in again] == [("skipped", True), ("skipped", True)]
    assert all("not retried until the post file changes" in r.error and "HTTP 400" in r.error for r in again)
    post(repo, "Rejected, fixed")
    assert {r.state for r in world.run()} == {"published"}


def test_lost_answer_is_reconciled_not_resent(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Timeout after the post was made")
    fake_kind.failures.append(fake.Failure(504, transient=True, maybe_sent=True, after_create=True))
    world = World(repo)
    assert {r.state for r in world.run()} == {"published"}
    assert fake_kind.copies("Timeout after the post was made") == 2  # one per channel, no duplicate
    assert "reconciled" in [e["action"] for e in world.ledger.events()]


def test_unsettled_outcome_stays_unknown_until_the_platform_answers(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    repo.post("Lost", name="p", channels=["f1"], publish_at=AT)
    fake_kind.failures.append(fake.Failure(502, transient=True, maybe_sent=True, after_create=True))
    fake_kind.find_fails = 1
    world = World(repo)
    results = world.run()
    assert [r.state for r in results] == ["unknown"]
    assert world.ledger.get("p", "f1").state == "unknown"
    assert [r.state for r in world.run()] == ["published"]  # the next run finds it
    assert fake_kind.copies("Lost") == 1


def test_crash_between_call_and_record_is_reconciled(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    repo.post("Crashed", name="p", channels=["f1"], publish_at=AT)
    world = World(repo)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    claimer = f"{os.uname().nodename}:{dead.stdout.strip()}:dead"
    row = world.ledger.claim("p", "f1", lambda _: _row("p", "f1", claimer))
    assert row is not None
    fake_kind.posts["1"] = {"channel": "f1", "text": "Crashed"}  # the call had reached the platform
    results = world.run()
    assert [r.state for r in results] == ["published"] and results[0].remote_id == "1"
    assert fake_kind.copies("Crashed") == 1 and "publish" not in fake_kind.calls


def test_crash_before_the_call_reached_the_platform_sends_once(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    repo.post("Crashed early", name="p", channels=["f1"], publish_at=AT)
    world = World(repo)
    world.ledger.claim("p", "f1", lambda _: _row("p", "f1", f"{os.uname().nodename}:999999999:dead"))
    assert [r.state for r in world.run()] == ["published"]
    assert fake_kind.copies("Crashed early") == 1


def _row(post_id: str, channel: str, claimer: str):
    from socialpub.ledger import Row

    return Row(post_id=post_id, channel=channel, state="publishing", claimed_by=claimer,
               claimed_at=utcnow() - timedelta(minutes=1), attempts=1)


def test_editing_a_published_post_never_republishes(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Original")
    world = World(repo)
    world.run()
    post(repo, "Edited after publishing")
    assert world.run() == []
    result = invoke(["--config", str(repo.root / "channels.toml"), "status", "--now",
                                 (AT + timedelta(hours=1)).isoformat(), "--format", "json"])
    assert {r["state"] for r in json.loads(result.stdout)["rows"]} == {"edited-after-publish"}


def test_publish_refuses_a_second_time_unless_again(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Once", at=None)
    world = World(repo)
    assert {r.state for r in world.publish()} == {"published"}
    assert {r.state for r in world.publish()} == {"skipped"}
    assert fake_kind.copies("Once") == 2
    assert {r.state for r in world.publish(again=True)} == {"published"}
    assert fake_kind.copies("Once") == 4
    assert [e["action"] for e in world.ledger.events()].count("again") == 2


def test_same_post_twice_in_one_invocation_goes_once(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    path = post(repo, "Named twice", at=None)
    config = load_config(repo.root / "channels.toml")
    publisher = Publisher(config, None, environ=ENV, sleep=lambda s: None)
    report = check_post(load_posts(config, [path]).posts[0], config, publisher.renderer)
    results = publisher.publish_now([report, report])
    assert sorted(r.state for r in results) == ["published", "published", "skipped", "skipped"]
    assert fake_kind.copies("Named twice") == 2


def cli(repo: Repo, *args: str) -> tuple[int, str, str]:
    return helpers.cli(repo, *args, env={"USER": "tester"})


def test_cli_run_exit_codes_and_json(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Hello")
    now = (AT + timedelta(minutes=1)).isoformat()
    code, out, _ = cli(repo, "run", "--now", now, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["command"] == "run" and data["status"] == "success"
    assert {r["state"] for r in data["results"]} == {"published"}
    assert set(data["results"][0]) >= {"post", "channel", "state", "remote_id", "url", "error"}
    post(repo, "Another", name="q")
    fake_kind.failures += [fake.Failure(403, transient=False)]
    code, out, _ = cli(repo, "run", "--now", now, "--format", "json")
    assert code == 3 and json.loads(out)["status"] == "partial"


def test_cli_unknown_outcome_exits_4_and_resolve_settles_it(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    repo.post("Maybe", name="p", channels=["f1"], publish_at=AT)
    world = World(repo)
    fake_kind.failures.append(fake.Failure(500, transient=True, maybe_sent=True))
    fake_kind.find_fails = 1
    world.run()
    code, out, _ = cli(repo, "status", "--format", "json")
    assert json.loads(out)["rows"][0]["state"] == "unknown"
    code, out, err = cli(repo, "resolve", "p", "--channel", "f1", "--published", "https://fake.example/42",
                         "--reason", "seen on the page")
    assert code == 0, err
    assert world.ledger.get("p", "f1").remote_id == "42"
    events = json.loads(cli(repo, "history", "--format", "json")[1])["events"]
    assert events[-1]["action"] == "resolve" and events[-1]["actor"].startswith("tester@")


def test_cli_pause_stops_run_and_publish(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Hold it")
    assert cli(repo, "pause", "--reason", "recall")[0] == 0
    code, _, err = cli(repo, "run", "--now", (AT + timedelta(minutes=1)).isoformat())
    assert code == 0 and "paused" in err
    # cron's log collector gets its envelope too; status says it first, in text and JSON
    code, out, _ = cli(repo, "run", "--now", (AT + timedelta(minutes=1)).isoformat(), "--format", "json")
    envelope = json.loads(out)
    assert code == 0 and envelope["status"] == "paused" and "recall" in envelope["message"]
    assert envelope["results"] == []
    code, out, _ = cli(repo, "status")
    assert code == 0 and out.splitlines()[0].startswith("PUBLISHING IS PAUSED since ")
    assert "by tester@" in out.splitlines()[0] and "recall" in out.splitlines()[0]
    paused = json.loads(cli(repo, "status", "--format", "json")[1])["paused"]
    assert paused["reason"] == "recall" and paused["paused_by"].startswith("tester@") and paused["paused_at"]
    # a person's publish is refused like a post the rules refuse: exit 1, nothing sent
    code, _, err = cli(repo, "publish", str(repo.root / "posts" / "p.md"), "--yes")
    assert code == 1 and "paused" in err and "socialpub resume" in err
    assert fake_kind.posts == {}
    assert cli(repo, "resume", "--reason", "all clear")[0] == 0
    assert cli(repo, "run", "--now", (AT + timedelta(minutes=1)).isoformat())[0] == 0
    assert fake_kind.copies("Hold it") == 2
    actions = [e["action"] for e in json.loads(cli(repo, "history", "--format", "json")[1])["events"]]
    assert actions[:2] == ["pause", "resume"]
    assert json.loads(cli(repo, "status", "--format", "json")[1])["paused"] is None
    assert not cli(repo, "status")[1].startswith("PUBLISHING IS PAUSED")


def test_cli_run_with_the_lock_held_exits_0(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Locked out")
    world = World(repo)
    with world.ledger.run_lock() as got:
        assert got
        code, _, err = cli(repo, "run", "--now", (AT + timedelta(minutes=1)).isoformat())
        json_code, out, _ = cli(repo, "run", "--now", (AT + timedelta(minutes=1)).isoformat(), "--format", "json")
    assert code == 0 and "another run holds the lock" in err
    assert json_code == 0 and json.loads(out)["status"] == "locked" and json.loads(out)["results"] == []
    assert fake_kind.posts == {}


def test_cli_dry_run_sends_nothing_and_shows_the_content(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Rehearsal")
    code, out, _ = cli(repo, "run", "--dry-run", "--now", (AT + timedelta(minutes=1)).isoformat(), "--format", "json")
    assert code == 0
    results = json.loads(out)["results"]
    assert {r["state"] for r in results} == {"dry-run"} and results[0]["would_send"]["parts"] == ["Rehearsal"]
    assert fake_kind.posts == {} and not (repo.root / ".socialpub" / "ledger.db").exists() or \
        SQLiteLedger(repo.root / ".socialpub" / "ledger.db").rows() == []


def test_cli_retract_deletes_and_records(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Oops")
    World(repo).run()
    code, out, _ = cli(repo, "retract", "p", "--channel", "f1", "--yes", "--reason", "withdrawn")
    assert code == 0 and "retracted" in out
    assert fake_kind.copies("Oops") == 1
    code, out, _ = cli(repo, "history", "--format", "csv")
    assert "retract" in out and out.splitlines()[0].startswith("at,actor,action")


def test_a_platform_that_cannot_find_or_delete_is_never_asked_to(repo: Repo, fake_kind: fake.FakePlatform,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The capability flags decide: a lost answer stays unknown (nothing is looked for, nothing re-sent), and a
    retract fails with a message instead of calling delete()."""
    monkeypatch.setitem(base.KINDS, "fake", "tests.fake_platform:BlindFakeAdapter")
    base.adapter_class.cache_clear()
    repo.post("Lost on a blind platform", name="p", channels=["f1"], publish_at=AT)
    fake_kind.failures.append(fake.Failure(504, transient=True, maybe_sent=True, after_create=True))
    world = World(repo)
    assert [r.state for r in world.run()] == ["unknown"]
    assert [r.state for r in world.run()] == ["unknown"]  # still: it cannot look, so it never sends again
    assert fake_kind.copies("Lost on a blind platform") == 1 and "find" not in fake_kind.calls
    repo.post("Published on a blind platform", name="q", channels=["f1"], publish_at=AT)
    world.run()
    code, out, _ = cli(repo, "retract", "q", "--channel", "f1", "--yes", "--reason", "withdrawn")
    assert code != 0 and "cannot delete posts from Fake" in out
    assert fake_kind.copies("Published on a blind platform") == 1


def test_history_since_and_csv_formula_cells_are_neutralised(repo: Repo) -> None:
    world = World(repo)
    world.ledger.pause("=HYPERLINK(\"http://evil\")")
    out = cli(repo, "history", "--format", "csv")[1]
    assert "=HYPERLINK" in out and ",=HYPERLINK" not in out
    assert cli(repo, "history", "--since", "2999-01-01", "--format", "json")[1].count('"action"') == 0


def test_secrets_never_reach_output_or_ledger(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Canary check")
    fake_kind.failures.append(fake.Failure(401, transient=False))
    code, out, err = cli(repo, "run", "--now", (AT + timedelta(minutes=1)).isoformat(), "--format", "json")
    database = (repo.root / ".socialpub" / "ledger.db").read_bytes()
    for blob in (out, err, database.decode("latin-1")):
        assert ENV["FAKE_TOKEN"] not in blob


def test_run_builds_only_due_posts_but_reports_broken_ones(repo: Repo, fake_kind: fake.FakePlatform) -> None:
    post(repo, "Due now")
    repo.write("posts/future.md", "+++\nchannels = [\"f1\"]\npost_type = \"corporate\"\n"
               "publish_at = 2099-01-01T00:00:00Z\nunknwon_key = 1\n+++\nLater\n")
    repo.write("posts/odd.md", "+++\nchannels = [\"f1\"]\npost_type = \"corporate\"\npublish_at = \"soon\"\n+++\nx\n")
    code, out, _ = cli(repo, "run", "--now", (AT + timedelta(minutes=1)).isoformat(), "--format", "json")
    results = json.loads(out)["results"]
    assert {(r["post"], r["state"]) for r in results} == {("p", "published"), ("odd", "refused")}
    assert code == 1  # the broken file is reported; the far-future one is check's business
    code, out, _ = cli(repo, "check", "--format", "json")
    assert {f["file"] for f in json.loads(out)["findings"]} >= {"posts/future.md", "posts/odd.md"}
