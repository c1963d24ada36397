"""`socialpub watch` end to end: posts published to the sandbox by `socialpub run`, comments seeded on the
platforms (`Sandbox.add_comment`, what `POST /_sandbox/comments` does), read back by the real adapters over
HTTP, screened, queued in the real ledger. Times: the platforms stamp comments with the real clock, so
`--now` is taken relative to it (never the time of day)."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialpub import inbox
from socialpub.config import load_config
from socialpub.ledger import open_ledger
from socialpub.watch import coverage, watch
from tests.helpers import cli, exactly_once_bench

eo = exactly_once_bench()

AE_X = "CANARY-X-11 Took Oncavix yesterday and my husband had a terrible headache and threw up all night"
AE_FB = "CANARY-FB-22 since my second ONCAVIX dose I feel dizzy all the time and have a rash"
AE_YT = "CANARY-YT-33 my mom started tivaranib and ended up in the ER, short of breath"
BENIGN = "CANARY-OK-44 congratulations to the whole team, great work"
AUTHORS = {"twitter": "canary_author_x", "facebook": "Canary Author Fb", "youtube": "CanaryAuthorYt"}
CANARIES = ("CANARY-", "canary_author", "Canary Author", "CanaryAuthor", "headache", "dizzy")


def no_canary(*texts: str) -> None:
    for text in texts:
        for canary in CANARIES:
            assert canary not in text, canary


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=1, **delta)).isoformat()


@pytest.fixture
def world(worlds: Callable[..., Any], request: pytest.FixtureRequest) -> Any:
    """One post on all four channels, published by `socialpub run`; the oncology product configured."""
    ledger = getattr(request, "param", None)
    made = worlds("w", eo.numbered_posts(1, ("tw", "fb", "yt", "pin")),
                  ledger=request.getfixturevalue("pg_url") if ledger == "postgresql" else None)
    made.config.write_text(made.config.read_text() + PRODUCT, encoding="utf-8")
    outcome = made.run(eo.AT + timedelta(minutes=5))
    assert outcome.code == 0, outcome.stderr
    return made


PRODUCT = """
[compliance.products.oncavix]
brand = "ONCAVIX"
established = "tivaranib"
"""


def remote_ids(world: Any) -> dict[str, str]:
    rows = world.status(eo.AT + timedelta(minutes=5))
    kinds = eo.KINDS
    return {kinds[r["channel"]]: r["remote_id"] for r in rows if r["state"] == "published"}


def seed(world: Any, ids: dict[str, str]) -> None:
    world.box.add_comment("twitter", AE_X, AUTHORS["twitter"], on=ids["twitter"])
    world.box.add_comment("facebook", AE_FB, AUTHORS["facebook"], on=ids["facebook"])
    world.box.add_comment("youtube", AE_YT, AUTHORS["youtube"], on=ids["youtube"])
    world.box.add_comment("facebook", BENIGN, "Someone Else", on=ids["facebook"])


def run_watch(world: Any, *args: str, verbose: bool = False) -> tuple[int, str, str]:
    ledger = ["--ledger", world.ledger] if world.ledger else []
    return cli(world.root, *ledger, *(["-v"] if verbose else []), "watch", *args, env=world.env())


@pytest.mark.parametrize("world", ["sqlite", "postgresql"], indirect=True)
def test_watch_queues_the_adverse_events_and_prints_ids_and_counts_only(world: Any) -> None:
    seed(world, remote_ids(world))
    code, out, err = run_watch(world, "--now", later())
    assert code == 1, err  # items wait for triage
    no_canary(out, err)
    assert "4 new comment(s), 3 queued: S-000001, S-000002, S-000003" in out
    assert "pin: the platform's API cannot read comments; 1 published item(s) to review by hand" in out
    with open_ledger(world.ledger or str(world.root / ".socialpub" / "ledger.db"), world.root) as ledger:
        items = inbox.items(ledger)
        assert sorted(i.channel for i in items) == ["fb", "tw", "yt"]
        assert all(i.category == "ae" and {"event", "patient", "reporter"} <= set(i.elements) for i in items)
        texts = {inbox.comment_of(ledger, i).text for i in items}
        assert texts == {AE_X, AE_FB, AE_YT}  # verbatim in the ledger
        no_canary(json.dumps(ledger.events(), default=str))
    # the second watch fetches nothing new
    code, out, err = run_watch(world, "--now", later(), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["command"] == "watch" and data["summary"]["new_comments"] == 0
    assert data["queued"] == [] and len(data["waiting"]) == 3 and data["review_by_hand"] == [
        {"channel": "pin", "items": 1}]
    no_canary(out, err)
    # the coverage report: every published (post, channel), the pin to review by hand with its URL
    code, out, err = run_watch(world, "--report", "--now", later(), "--format", "json")
    rows = {r["channel"]: r for r in json.loads(out)["rows"] if r["post"]}
    assert code == 0 and set(rows) == {"tw", "fb", "yt", "pin"}
    assert rows["pin"]["state"] == "review by hand" and rows["pin"]["url"]
    assert rows["fb"]["comments_seen"] == 2 and rows["fb"]["last_read_at"] and rows["fb"]["gaps"] == []
    assert rows["tw"]["state"] == "watched" and rows["tw"]["comments_seen"] == 1
    no_canary(out, err)


def test_a_failed_read_is_exit_3_and_a_gap_in_the_report_and_the_next_watch_catches_up(world: Any) -> None:
    ids = remote_ids(world)
    seed(world, ids)
    world.box.inject("status", path=r"_\d+/comments", status=400, count=5, body={"error": {
        "message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}})
    code, out, err = run_watch(world, "--now", later())
    assert code == 3, (out, err)
    assert "fb could not be read" in out
    no_canary(out, err)
    code, out, _ = run_watch(world, "--report", "--now", later())
    assert "read failed" in out and "gap (read-failed)" in out
    assert run_watch(world, "--now", later(hours=0.25))[0] == 3  # failing again: the same gap, not a second

    def failed_gaps() -> list[inbox.Gap]:
        with world.open_ledger() as ledger:
            return [g for g in inbox.gaps(ledger).get(("p000", "fb"), []) if g.kind == inbox.READ_FAILED]

    [gap] = failed_gaps()
    assert gap.last_recorded_at and gap.last_recorded_at > gap.recorded_at
    with world.box.lock:
        world.box.faults.clear()
    code, out, err = run_watch(world, "--now", later(hours=0.5))
    assert code == 1 and "2 new comment(s), 1 queued" in out, (out, err)
    world.box.inject("status", path=r"_\d+/comments", status=400, count=1, body={"error": {
        "message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}})
    assert run_watch(world, "--now", later(hours=0.75))[0] == 3
    assert len(failed_gaps()) == 2  # a new stretch of failures after a read that answered: a gap of its own


def test_an_item_not_forwarded_in_time_is_exit_4_until_it_is(world: Any) -> None:
    seed(world, remote_ids(world))
    assert run_watch(world, "--now", later())[0] == 1
    code, out, err = run_watch(world, "--now", later(days=6))  # a business day has surely passed
    assert code == 4 and "OVERDUE at PV: S-000001, S-000002, S-000003" in out, (out, err)
    for item in ("S-000001", "S-000002", "S-000003"):
        assert cli(world.root, "inbox", "triage", item, "--as", "ae", "--reason", "r", env=world.env())[0] == 0
        assert cli(world.root, "inbox", "forward", item, "--ref", f"PV-{item}", env=world.env())[0] == 0
    code, out, err = run_watch(world, "--now", later(days=6))
    assert code == 0 and "nothing needs a person" in out


def test_watch_has_its_own_lock_and_neither_run_nor_a_pause_stops_it(world: Any) -> None:
    seed(world, remote_ids(world))
    with open_ledger(str(world.root / ".socialpub" / "ledger.db"), world.root) as ledger:
        with ledger.watch_lock() as got:
            assert got
            code, out, err = run_watch(world, "--now", later())
            assert code == 0 and "another watch is already running" in err and out == ""
        assert cli(world.root, "pause", "--reason", "recall", env=world.env())[0] == 0
        with ledger.run_lock() as got:  # a run in progress
            assert got
            code, out, err = run_watch(world, "--now", later())
        assert code == 1 and "3 queued" in out, err


def test_reads_stop_at_their_budget_and_resume_where_they_stopped(world: Any) -> None:
    ids = remote_ids(world)
    base = datetime.now(UTC) - timedelta(minutes=30)
    for n in range(7):
        world.box.add_comment("twitter", f"comment {n}: my wife got a headache from oncavix", f"user{n}",
                              on=ids["twitter"], created_at=(base + timedelta(minutes=n)).isoformat())
    config = load_config(world.config)
    env = world.env()
    seen: list[int] = []
    with open_ledger(str(world.root / ".socialpub" / "ledger.db"), world.root) as ledger:
        for _ in range(6):
            done = watch(config, ledger, datetime.now(UTC) + timedelta(minutes=1), environ=env, budget=3)
            seen.append(done.new_comments)
            if not done.incomplete:
                break
        assert sum(seen) == 7 and len(seen) >= 3  # three reads of at most three
        assert len([i for i in inbox.items(ledger) if i.channel == "tw"]) == 7  # each queued once
        again = watch(config, ledger, datetime.now(UTC) + timedelta(minutes=1), environ=env, budget=3)
        assert again.new_comments == 0


@pytest.mark.parametrize("world", ["sqlite", "postgresql"], indirect=True)
def test_two_watches_at_once_read_each_comment_once(world: Any) -> None:
    seed(world, remote_ids(world))
    outcomes: list[Any] = []
    threads = [threading.Thread(target=lambda: outcomes.append(world.cli("watch", "--now", later())))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.code for o in outcomes) in ([0, 0, 1], [0, 1, 1], [1, 1, 1]), [o.stderr for o in outcomes]
    assert all(o.code == 1 or "already running" in o.stderr for o in outcomes)
    with world.open_ledger() as ledger:
        assert len(inbox.items(ledger)) == 3
        events = ledger.events()
        assert [e["action"] for e in events].count("safety-queued") == 3
        with ledger.transaction(read_only=True) as cur:
            cur.execute("SELECT count(*) FROM comments")
            assert cur.fetchone()[0] == 4


def test_mentions_are_read_per_channel_and_queued_without_a_post(world: Any) -> None:
    world.box.add_comment("twitter", "@SandboxComms CANARY-M-55 my son swallowed two of my oncavix pills",
                          "canary_author_m")
    code, out, err = run_watch(world, "--now", later(), verbose=True)  # every request on stderr
    assert code == 1 and "1 queued: S-000001" in out, (out, err)
    no_canary(out, err)
    code, out, err = cli(world.root, "inbox", env=world.env())
    assert "(mention) → tw" in out
    no_canary(out, err)


def test_the_report_shows_x_s_seven_days_and_windows_that_closed_unread(world: Any) -> None:
    seed(world, remote_ids(world))
    code, out, err = run_watch(world, "--now", later(days=8), "--format", "json")  # first read after 8 days
    assert code == 4, err  # overdue by then, too
    code, out, err = run_watch(world, "--report", "--now", later(days=40), "--format", "json")
    rows = {r["channel"]: r for r in json.loads(out)["rows"] if r["post"]}
    assert [g["kind"] for g in rows["tw"]["gaps"]] == ["platform-limit", "window-not-read"]
    assert "7 days" in rows["tw"]["gaps"][0]["detail"]
    assert rows["fb"]["state"] == "window closed"
    assert [g["kind"] for g in rows["fb"]["gaps"]] == ["window-not-read"]
    code, out, err = run_watch(world, "--now", later(days=40), "--format", "json")
    assert json.loads(out)["summary"]["reads"] == 0  # past its window a post is no longer read


def test_a_watch_killed_at_any_point_loses_nothing_and_queues_nothing_twice(worlds: Callable[..., Any]) -> None:
    """SIGKILLed while it reads (each request slowed down), then run again: every AE is queued exactly once,
    whenever the kill landed (comments and their items are written in one transaction; the cursor after)."""
    slow = worlds("slow", eo.numbered_posts(2, ("tw", "fb", "yt")), latency=0.15)
    slow.config.write_text(slow.config.read_text() + PRODUCT, encoding="utf-8")
    assert slow.run(eo.AT + timedelta(minutes=5)).code == 0
    for ids in ({eo.KINDS[r["channel"]]: r["remote_id"] for r in slow.status(eo.AT + timedelta(minutes=5))
                 if r["post"] == post} for post in ("p000", "p001")):
        seed(slow, ids)
    for kill_after in (0.8, 2.0):
        proc = subprocess.Popen(slow.argv("watch", "--now", later()), env=slow.env(), cwd=slow.root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        outcome = slow.wait(proc, 0.0, kill_after=kill_after)
        assert outcome.code in (None, 1), outcome.stderr
    final = slow.cli("watch", "--now", later())
    assert final.code == 1, final.stderr
    with open_ledger(str(slow.root / ".socialpub" / "ledger.db"), slow.root) as ledger:
        items = inbox.items(ledger)
        assert len(items) == 6 and len({(i.channel, i.comment_id) for i in items}) == 6
        assert [e["action"] for e in ledger.events()].count("safety-queued") == 6


def test_a_reply_saying_this_drug_on_a_post_about_the_product_names_the_product(repo: Any) -> None:
    from socialpub.watch import _Screener

    # the base configuration's [compliance.products.oncavix]: ONCAVIX (tivaranib)
    repo.post("ONCAVIX (tivaranib) is now approved. See full Prescribing Information.", name="launch",
              channels=["tw"], post_type="branded")
    config = load_config(repo.root / "channels.toml")
    screener = _Screener(config)
    assert screener.post_products("launch") == ("oncavix",)
    assert screener.post_products("gone") == ()
    comment = type("C", (), {"text": "this drug gave my dad a rash", "author": "x", "author_id": "1",
                             "created_at": None})()
    queued = screener.queue(comment, datetime(2026, 12, 7, tzinfo=UTC), screener.post_products("launch"))
    assert queued is not None and "product" in queued.elements and queued.category == "ae"


def test_a_read_failure_that_echoes_the_token_leaks_it_nowhere(world: Any) -> None:
    seed(world, remote_ids(world))
    token = "sandbox-page_token-CANARY-SECRET-5d1e"
    env = {**world.env(), eo.env_var("fb", "page_token"): token}
    world.box.inject("status", path=r"_\d+/comments", status=400, count=5, body={"error": {
        "message": f"Invalid OAuth access token {token} (access_token={token})", "type": "OAuthException",
        "code": 190}})
    code, out, err = cli(world.root, "watch", "--now", later(), env=env)
    assert code == 3 and "fb could not be read" in out, (out, err)
    for args in (("watch", "--report"), ("history", "-f", "json")):
        more = cli(world.root, *args, env=env)
        out, err = out + more[1], err + more[2]
    assert "CANARY-SECRET" not in out + err
    with open_ledger(str(world.root / ".socialpub" / "ledger.db"), world.root) as ledger:
        failed = [g.detail for gaps in inbox.gaps(ledger).values() for g in gaps if g.kind == "read-failed"]
        assert failed and "Invalid OAuth access token" in failed[0]  # the platform's words are on record...
        assert "CANARY-SECRET" not in repr([inbox.reads(ledger), failed])  # ...without the token


def test_a_channel_whose_reader_breaks_is_recorded_unread_and_the_others_are_read(
        world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from socialpub.adapters.youtube import YouTubeAdapter

    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise KeyError("CANARY-BUG my mom got a headache")  # a bug whose message quotes a comment

    monkeypatch.setattr(YouTubeAdapter, "read_comments", broken)
    seed(world, remote_ids(world))
    code, out, err = run_watch(world, "--now", later())
    assert code == 3 and "yt could not be read: the YouTube reader failed (KeyError)" in out, (out, err)
    assert "2 queued" in out  # X and Facebook were read all the same
    assert "CANARY" not in out + err


def test_missing_credentials_fail_that_channel_only(world: Any) -> None:
    seed(world, remote_ids(world))
    env = {k: v for k, v in world.env().items() if not k.startswith(eo.env_var("tw", "x")[:-1])}
    code, out, err = cli(world.root, "watch", "--now", later(), env=env)
    assert code == 3 and "p000 → tw could not be read" in out and "2 queued" in out, (out, err)
    assert "(mentions) → tw" not in out  # the channel stops at its first failure: one line, not one per read


def test_a_channel_removed_from_the_config_shows_in_the_report_as_not_watched(world: Any) -> None:
    kept, inside = [], False
    for line in world.config.read_text().splitlines():
        if line.startswith("["):
            inside = line.startswith("[channels.yt]")
        if not inside:
            kept.append(line)
    world.config.write_text("\n".join(kept) + "\n", encoding="utf-8")
    code, out, err = run_watch(world, "--now", later())
    assert code == 0, (out, err)
    code, out, err = run_watch(world, "--report", "--now", later(), "--format", "json")
    rows = {r["channel"]: r for r in json.loads(out)["rows"] if r["post"]}
    assert rows["yt"]["state"] == "not watched" and rows["yt"]["url"]
    assert [g["kind"] for g in rows["yt"]["gaps"]] == ["channel-removed"]


def test_a_channel_removed_after_it_was_watched_is_not_watched_any_more_nor_its_mentions(world: Any) -> None:
    seed(world, remote_ids(world))
    code, out, err = run_watch(world, "--now", later())
    assert code == 1, err
    kept, inside = [], False
    for line in world.config.read_text().splitlines():
        if line.startswith("["):
            inside = line.startswith("[channels.tw]")
        if not inside:
            kept.append(line)
    world.config.write_text("\n".join(kept) + "\n", encoding="utf-8")
    world.box.add_comment("twitter", "CANARY-G-1 my son got hives from oncavix", "canary_author_g",
                          on=remote_ids(world)["twitter"])
    code, out, err = run_watch(world, "--now", later(), "--format", "json")
    assert code == 1 and json.loads(out)["summary"]["new_comments"] == 0, (out, err)  # tw is not read
    code, out, err = run_watch(world, "--report", "--now", later(), "--format", "json")
    rows = [r for r in json.loads(out)["rows"] if r["channel"] == "tw"]
    assert [(r["post"], r["state"]) for r in rows] == [("p000", "not watched"), (None, "not watched")]
    code, out, err = cli(world.root, "inbox", env=world.env())  # its items still wait, shown as ever
    assert code == 0 and "p000 → tw" in out
    no_canary(out, err)


def test_a_used_up_read_window_is_pacing_not_a_failure_and_the_next_watch_goes_on(world: Any) -> None:
    seed(world, remote_ids(world))
    world.box.inject("status", path=r"/2/tweets/search/recent", status=429, count=1, reset_in=900)
    code, out, err = run_watch(world, "--now", later(), "--format", "json")
    data = json.loads(out)
    assert code == 1, err  # items from Facebook and YouTube wait; X is not a failure
    assert data["failed"] == [] and {n["channel"] for n in data["not_reached"]} == {"tw"}
    assert "read window used up" in data["not_reached"][0]["why"] and len(data["queued"]) == 2
    code, out, err = run_watch(world, "--now", later(), "--format", "json")
    assert len(json.loads(out)["queued"]) == 1 and json.loads(out)["not_reached"] == []


def test_a_window_used_up_mid_watch_leaves_the_rest_on_record_and_the_next_watch_reads_them_first(
    worlds: Callable[..., Any],
) -> None:
    """X's recent search limited to 3 requests a window: five posts cannot all be read in one watch. The two
    left are shown by `watch --report` as not read in that run, and when the window has passed (the sandbox's
    window cleared, as 15 minutes would) the next watch reads them before the posts it read last time."""
    five = worlds("five", eo.numbered_posts(5, ("tw",)))
    assert five.run(eo.AT + timedelta(minutes=10)).code == 0
    search = next(r for r in five.box.table if r.name == "twitter:search")
    search.limit = (3, 900.0)
    ids = {r["post"]: r["remote_id"] for r in five.status(eo.AT + timedelta(minutes=10))}
    for post, remote in ids.items():
        five.box.add_comment("twitter", f"CANARY-N-{post} my husband got a rash from oncavix", "canary_author_n",
                             on=remote)
    code, out, err = run_watch(five, "--now", later(), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["failed"] == [], err  # pacing is not a failure
    assert [n["post"] for n in data["not_reached"]] == ["p003", "p004", "(mentions)"]
    assert data["summary"]["reads"] == 3
    code, out, err = run_watch(five, "--report", "--now", later(), "--format", "json")
    rows = {r["post"]: r for r in json.loads(out)["rows"] if r["post"]}
    for post in ("p003", "p004"):
        assert rows[post]["state"] == "not read in this run" and rows[post]["last_read_at"] is None
        assert [g["kind"] for g in rows[post]["gaps"]] == ["not-reached"]
        assert "read window used up" in rows[post]["gaps"][0]["detail"]
    assert {rows[p]["state"] for p in ("p000", "p001", "p002")} == {"watched"}
    code, text, err = run_watch(five, "--report", "--now", later())
    assert text.count("not read in this run p00") == 2 and "gap (not-reached)" in text
    no_canary(out, text, err)

    five.box._windows.pop("twitter:search")  # the window has passed
    code, out, err = run_watch(five, "--now", later(), "--format", "json")
    data = json.loads(out)
    # the two left last time, the mentions, then the one read longest ago; the two read most recently wait
    assert [n["post"] for n in data["not_reached"]] == ["p001", "p002"], data["not_reached"]
    code, out, err = run_watch(five, "--report", "--now", later(), "--format", "json")
    rows = {r["post"]: r for r in json.loads(out)["rows"] if r["post"]}
    assert rows["p003"]["state"] == rows["p004"]["state"] == rows["p000"]["state"] == "watched"
    assert rows["p003"]["comments_seen"] == rows["p004"]["comments_seen"] == 1
    assert rows["p001"]["state"] == "not read in this run"
    with open_ledger(str(five.root / ".socialpub" / "ledger.db"), five.root) as ledger:
        assert sorted(i.post_id for i in inbox.items(ledger)) == ["p000", "p001", "p002", "p003", "p004"]


def test_a_retracted_post_is_read_before_the_deletion_and_still_watched_until_its_window_ends(world: Any) -> None:
    """Retracting deletes the post, not the duty to what people wrote under it: `retract` reads the comments
    once more before deleting (Facebook and YouTube delete them with the post), X keeps the replies of a
    deleted tweet (still read and queued until the window ends), and a platform that no longer serves the
    comments is recorded once as a gap of that (post, channel), never as a failed read every watch after."""
    ids = remote_ids(world)
    seed(world, ids)  # comments that came in while the post was up, never read by a watch
    reply = world.box.add_comment("twitter", "CANARY-R-0 nice", "canary_author_r", on=ids["twitter"])
    code, out, err = cli(world.root, "retract", "p000", "--yes", "--reason", "withdrawn", env=world.env())
    assert code == 0, err
    assert "comments read before the deletion: 5 new, 3 queued: S-000001, S-000002, S-000003" in err, err
    no_canary(out, err)
    with world.open_ledger() as ledger:
        assert sorted(i.channel for i in inbox.items(ledger)) == ["fb", "tw", "yt"]
    world.box.add_comment("twitter", "CANARY-R-1 my wife got a rash from oncavix", "canary_author_r",
                          on=ids["twitter"], parent=reply["id"])  # in the deleted tweet's conversation
    code, out, err = run_watch(world, "--now", later(), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["failed"] == [], (out, err)
    assert data["summary"]["new_comments"] == 1 and len(data["queued"]) == 1  # the X reply after the deletion
    code, out, err = run_watch(world, "--report", "--now", later(), "--format", "json")
    rows = {r["channel"]: r for r in json.loads(out)["rows"] if r["post"]}
    for channel in ("fb", "yt"):
        assert [g["kind"] for g in rows[channel]["gaps"]] == ["retracted"], rows[channel]
        assert "no longer serves its comments" in rows[channel]["gaps"][0]["detail"]
    assert rows["tw"]["state"] == "watched" and rows["tw"]["comments_seen"] == 3
    with world.box.lock:
        world.box.requests.clear()
    code, out, err = run_watch(world, "--now", later(), "--format", "json")
    assert code == 1 and json.loads(out)["failed"] == [], err
    with world.box.lock:
        asked = {r["route"].split(":")[0] for r in world.box.requests}
    assert "twitter" in asked and not asked & {"facebook", "youtube"}  # the gone ones are not asked again
    no_canary(out, err)


def test_a_clock_gone_backwards_still_reads_says_so_and_queues_nothing_twice(world: Any) -> None:
    ids = remote_ids(world)
    seed(world, ids)
    code, out, err = run_watch(world, "--now", later(hours=3))  # a clock three hours ahead, then put right
    assert code == 1 and "3 queued" in out and "behind" not in err, (out, err)
    world.box.add_comment("facebook", "CANARY-B-1 my wife got dizzy on oncavix", "canary_author_b", on=ids["facebook"])
    code, out, err = run_watch(world, "--quiet", "--now", later())
    assert code == 1 and "1 queued" in out, (out, err)
    assert "the clock is behind the last read" in err  # said even with --quiet: cron mail shows it
    code, out, err = run_watch(world, "--now", later(), "--format", "json")
    data = json.loads(out)
    # said by the watch that found the clock behind; its reads are the latest from then on
    assert data["queued"] == [] and data["clock_behind_last_read"] is None and len(data["waiting"]) == 4
    no_canary(out, err)
    with world.open_ledger() as ledger:
        items = inbox.items(ledger)
        assert len({(i.channel, i.comment_id) for i in items}) == len(items) == 4
        behind = [e for e in ledger.events() if e["action"] == "watch"][-2]
        assert behind["detail"]["clock_behind_last_read"]  # on record


def _tweet(tweet_id: int, text: str, conversation: str) -> dict[str, Any]:
    return {"id": str(tweet_id), "text": text, "author_id": "777", "conversation_id": conversation,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "referenced_tweets": [{"type": "replied_to", "id": conversation}]}


def test_a_flaky_platform_repeating_a_comment_across_pages_or_sending_one_older_than_the_cursor(world: Any) -> None:
    """X answers a read with the same reply on two pages, and with a reply older than the high-water mark that
    was never seen (a late-indexed reply); Facebook with a comment older than its mark, whose id is that of an X
    reply: each is kept and queued once (per platform), the old ones are not dropped."""
    ids = remote_ids(world)
    first = world.box.add_comment("twitter", "CANARY-F-0 great work", "canary_author_f", on=ids["twitter"])
    world.box.add_comment("facebook", "CANARY-F-0 great work", "Canary Author F", on=ids["facebook"])
    code, out, err = run_watch(world, "--now", later())
    assert code == 0, err  # the benign reply kept, not queued
    mark = int(first["id"])
    users = {"users": [{"id": "777", "username": "canary_author_f", "name": "Canary Author F"}]}
    again = _tweet(mark + 50, "CANARY-F-1 my husband got a terrible rash from oncavix", ids["twitter"])
    older = _tweet(mark - 3, "CANARY-F-2 my mom threw up all night after her oncavix dose", ids["twitter"])
    for body in ({"data": [again], "includes": users, "meta": {"result_count": 1, "next_token": "b"}},
                 {"data": [again, older], "includes": users, "meta": {"result_count": 2}}):
        world.box.inject("answer", path=r"/2/tweets/search/recent", status=200, body=body,
                         headers={"Content-Type": "application/json"})
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    world.box.inject("answer", path=r"/comments$", status=200, headers={"Content-Type": "application/json"},
                     body={"data": [{"id": again["id"], "message": "CANARY-F-3 since oncavix I feel dizzy all day",
                                     "created_time": hour_ago, "from": {"name": "Canary Author F", "id": "888"}}],
                           "paging": {}})
    code, out, err = run_watch(world, "--now", later(), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["failed"] == [], (out, err)
    assert data["summary"]["new_comments"] == 3 and len(data["queued"]) == 3, data
    with world.open_ledger() as ledger:
        kept = {(i.channel, inbox.comment_of(ledger, i).comment_id) for i in inbox.items(ledger)}
        assert kept == {("tw", again["id"]), ("tw", older["id"]), ("fb", again["id"])}
    code, out, err = run_watch(world, "--now", later(), "--format", "json")
    assert json.loads(out)["summary"]["new_comments"] == 0
    no_canary(out, err)


def test_a_huge_comment_and_deep_reply_chains_are_kept_whole_and_queued_once(world: Any) -> None:
    """A 1 MB comment (its AE past what screening reads: queued for a person all the same) and reply chains
    150 deep on X, Facebook and YouTube (more than a read's budget): all kept verbatim and once, nothing of
    them in the output or the -v logs."""
    ids = remote_ids(world)
    huge = "CANARY-H " + "blah " * 200_000 + "my mom took oncavix and got a terrible headache"
    world.box.add_comment("facebook", huge, "canary_author_h", on=ids["facebook"])
    for kind in ("twitter", "facebook", "youtube"):
        parent = None
        for n in range(150):
            parent = world.box.add_comment(kind, f"CANARY-D-{n} me too, dizzy since oncavix", f"canary_author_{n}",
                                           on=ids[kind], parent=parent)["id"]
    codes = []
    for _ in range(6):
        code, out, err = run_watch(world, "--now", later(), "--format", "json", verbose=True)
        no_canary(out, err)
        codes.append(code)
        if not json.loads(out)["summary"]["incomplete"]:
            break
    assert set(codes) == {1}, codes
    with world.open_ledger() as ledger:
        items = inbox.items(ledger)
        assert len(items) == len({(i.channel, i.comment_id) for i in items}) == 451
        texts = {inbox.comment_of(ledger, i).text for i in items}
        assert huge in texts  # verbatim, whole
        with ledger.transaction(read_only=True) as cur:
            cur.execute("SELECT channel, count(*) FROM comments GROUP BY channel ORDER BY channel")
            assert cur.fetchall() == [("fb", 151), ("tw", 150), ("yt", 150)]


@pytest.mark.slow  # it waits for the sandbox's window twice (a few seconds)
def test_a_short_rate_wait_is_slept_and_every_post_read_in_the_same_watch(worlds: Callable[..., Any]) -> None:
    """X's search allowed twice per 3-second window: watch waits for the window (it never reads into a used-up
    one: no 429) and reads all four posts in one watch, none left for the next."""
    import time

    four = worlds("four", eo.numbered_posts(4, ("tw",)))
    assert four.run(eo.AT + timedelta(minutes=10)).code == 0
    next(r for r in four.box.table if r.name == "twitter:search").limit = (2, 3.0)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with four.open_ledger() as ledger:
        done = watch(load_config(four.config), ledger, datetime.now(UTC) + timedelta(minutes=1), environ=four.env(),
                     sleep=sleep)
    assert done.not_reached == [] and done.failed == [] and done.reads == 5  # four posts and the mentions
    assert waits and all(0 < w <= 5 for w in waits)
    with four.box.lock:
        assert not [r for r in four.box.requests if r.get("status") == 429]


@settings(max_examples=200, deadline=None)
@given(posts=st.integers(1, 40), window=st.integers(1, 12), read_before=st.lists(st.integers(0, 500), max_size=40),
       watches=st.integers(1, 15))
def test_with_more_posts_than_a_window_allows_every_post_is_read_in_turn(posts: int, window: int,
                                                                         read_before: list[int], watches: int) -> None:
    """The order of a channel's reads (least recently read first; never read first of all), with a window of
    `window` reads per watch: whatever was read when before, the never read come first, and from the
    ceil(posts / window)-th watch on every post was read within the last ceil(posts / window) watches."""
    from socialpub.watch import least_recently_read

    start = datetime(2026, 12, 7, tzinfo=UTC)
    seen = {(f"p{i}", "tw"): inbox.Read(f"p{i}", "tw", None, None, start - timedelta(minutes=m), 0, True, None)
            for i, m in enumerate(read_before[:posts])}
    targets: list[tuple[str, Any]] = [(f"p{i}", None) for i in range(posts)]
    turn = -(-posts // window)
    last_read: dict[str, int] = {}
    for w in range(max(watches, turn)):
        now = start + timedelta(minutes=15 * (w + 1))
        order = least_recently_read(targets, "tw", seen)
        assert sorted(order) == sorted(targets)
        never = [p for p, _ in order if (p, "tw") not in seen]
        assert [p for p, _ in order[:len(never)]] == never  # never read: first
        for post, _ in order[:window]:
            seen[post, "tw"] = inbox.Read(post, "tw", None, now, now, 0, True, None)
            last_read[post] = w
        if w + 1 >= turn:
            assert len(last_read) == posts and all(w - at < turn for at in last_read.values())


def test_youtube_reads_are_spread_to_leave_the_daily_quota_for_uploads(worlds: Callable[..., Any]) -> None:
    """YouTube's reads spend the daily quota uploads need (1,600 units each): with more videos than a read
    every 15 minutes allows within `[safety] quota_read_units` (here 144 units a day for 2 videos at 3 units a
    read, the public threads and the two lists of held ones: a read of each every hour), a video read to its
    end is not read again until its turn; Facebook is read every watch."""
    two = worlds("two", eo.numbered_posts(2, ("fb", "yt")))
    two.config.write_text(two.config.read_text() + "\n[safety]\nquota_read_units = 144\n", encoding="utf-8")
    assert two.run(eo.AT + timedelta(minutes=10)).code == 0
    config = load_config(two.config)
    start = datetime.now(UTC) + timedelta(minutes=1)
    asked: list[set[str]] = []
    with two.open_ledger() as ledger:
        for minutes in (0, 15, 45, 61):
            with two.box.lock:
                two.box.requests.clear()
            done = watch(config, ledger, start + timedelta(minutes=minutes), environ=two.env())
            assert done.failed == [] and done.not_reached == []
            assert done.to_dict()["not_due"] == ([{"channel": "yt", "reads": 2, "minutes_apart": 60}]
                                                 if minutes in (15, 45) else [])
            if minutes == 15:
                from socialpub.inboxview import watch_text

                assert "yt: 2 read(s) not due yet" in watch_text(done) and "every 60 min" in watch_text(done)
            with two.box.lock:
                asked.append({r["route"] for r in two.box.requests})
        rows = {r["channel"]: r for r in coverage(config, ledger, start + timedelta(minutes=61)) if r["post"] == "p000"}
    assert ["youtube:commentThreads.list" in a for a in asked] == [True, False, False, True]
    assert all("facebook:comments/list" in a for a in asked)
    assert rows["yt"]["state"] == "watched" and rows["yt"]["gaps"] == []  # spacing is no gap


def test_the_read_before_a_retraction_is_made_even_when_youtube_s_turn_has_not_come(
        world: Any) -> None:
    world.config.write_text(world.config.read_text() + "\n[safety]\nquota_read_units = 4\n", encoding="utf-8")
    ids = remote_ids(world)  # one video: a read every 6 hours
    config = load_config(world.config)
    with world.open_ledger() as ledger:
        assert watch(config, ledger, datetime.now(UTC), environ=world.env()).failed == []
        world.box.add_comment("youtube", AE_YT, AUTHORS["youtube"], on=ids["youtube"])
        assert watch(config, ledger, datetime.now(UTC), environ=world.env()).new_comments == 0  # not its turn
        from socialpub.watch import read_before_retract

        done = read_before_retract(config, ledger, "p000", ["yt"], datetime.now(UTC), environ=world.env())
        assert done is not None and done.new_comments == 1 and len(done.queued) == 1


def test_a_platform_ignoring_the_high_water_mark_does_not_stall_the_read(world: Any) -> None:
    """X answers with ten replies at or below the mark besides the new one (as if it ignored since_id): the
    old ones take no place in the read's budget, so the read still ends and the new reply is kept."""
    ids = remote_ids(world)
    first = world.box.add_comment("twitter", "CANARY-S-0 great work", "canary_author_s", on=ids["twitter"])
    config = load_config(world.config)
    with world.open_ledger() as ledger:
        assert watch(config, ledger, datetime.now(UTC), environ=world.env(), budget=3).incomplete == 0
        mark = int(first["id"])
        old = [_tweet(mark - 1000 - n, f"CANARY-S-{n} hello", ids["twitter"]) for n in range(10)]
        users = {"users": [{"id": "777", "username": "canary_author_s", "name": "Canary Author S"}]}
        world.box.inject("answer", path=r"/2/tweets/search/recent", status=200,
                         headers={"Content-Type": "application/json"},
                         body={"data": [_tweet(mark + 9, "CANARY-S-new my son got hives from oncavix", ids["twitter"]),
                                        *old], "includes": users, "meta": {"result_count": 11}})
        done = watch(config, ledger, datetime.now(UTC), environ=world.env(), budget=3)
        assert done.incomplete == 0 and done.failed == [] and len(done.queued) == 1
        assert done.new_comments == 11  # the new reply and the ten old ones never seen


def test_a_reply_is_a_mention_too_and_is_one_item_under_its_post_whichever_read_sees_it_first(world: Any) -> None:
    """X's mentions timeline serves the replies to our posts as well (the sandbox does the same): a reply is one
    item, filed under its post (whose products count) even when the mentions' read sees it first, and X bills
    it once a day."""
    from socialpub.sandbox.twitter import TwitterSandbox

    x = next(p for p in world.box.platforms if isinstance(p, TwitterSandbox))
    tw = remote_ids(world)["twitter"]
    config, env = load_config(world.config), world.env()
    # the conversation's read fails once (permanent): the mentions' read is the first to see the reply
    world.box.inject("status", path=r"/2/tweets/search/recent", status=400, count=1)
    first = world.box.add_comment("twitter", "CANARY-R-1 this drug gave my dad a rash", "canary_author_r", on=tw)
    with world.open_ledger() as ledger:
        done = watch(config, ledger, datetime.now(UTC) + timedelta(minutes=1), environ=env, budget=2)
        assert done.failed and done.new_comments == 1 and len(done.queued) == 1
        [item] = inbox.items(ledger)
        stored = inbox.comment_of(ledger, item)
        assert (item.post_id, item.channel, stored.answers_remote_id, stored.kind) == ("p000", "tw", tw, "reply")
        # two more replies and a mention of the account
        for n in (2, 3):
            world.box.add_comment("twitter", f"CANARY-R-{n} oncavix gave me a rash", "canary_author_r", on=tw)
        world.box.add_comment("twitter", "@SandboxComms CANARY-R-4 oncavix made me dizzy", "canary_author_m")
        billed, served = len(x.billed), x.posts_read
        done = watch(config, ledger, datetime.now(UTC) + timedelta(minutes=2), environ=env, budget=3)
        assert done.failed == [] and done.incomplete == 0, done.to_dict()
        assert done.new_comments == 3 and len(done.queued) == 3
        items = inbox.items(ledger)
        assert len(items) == 4 and len({i.comment_id for i in items}) == 4
        assert sorted(i.post_id for i in items) == ["", "p000", "p000", "p000"]
        assert [e["action"] for e in ledger.events()].count("safety-queued") == 4
        # the new replies served by both reads, billed once a day each
        assert x.posts_read - served == 6 and len(x.billed) - billed in (3, 4)  # 4: the first again after 0h UTC
        assert first["id"] in {c for _, c in x.billed}
        again = watch(config, ledger, datetime.now(UTC) + timedelta(minutes=3), environ=env, budget=3)
        assert again.new_comments == 0 and again.incomplete == 0


def test_a_limit_that_holds_over_several_watches_is_one_gap_until_a_complete_read_ends_it(world: Any) -> None:
    """X's search window used up in the middle of a read, watch after watch, each time with another number of
    seconds in the gap's text: one platform-limit gap (its detail and last time updated), not one per watch;
    a complete read ends it, and the next limit is a gap of its own."""
    import time

    tw = remote_ids(world)["twitter"]
    search = next(r for r in world.box.table if r.name == "twitter:search")
    search.limit = (2, 900.0)  # two pages a window: a read of 600 replies stops at the window, watch after watch
    for n in range(600):
        world.box.add_comment("twitter", f"CANARY-G-{n} nice", "canary_author_g", on=tw)
    config, env = load_config(world.config), world.env()

    def limit_gaps(ledger: Any) -> list[inbox.Gap]:
        return [g for g in inbox.gaps(ledger).get(("p000", "tw"), []) if g.kind == inbox.PLATFORM_LIMIT]

    with world.open_ledger() as ledger:
        details = []
        for minutes, used in ((1, 0), (16, 300), (31, 600)):  # the window's first hit that long ago: other seconds
            world.box._windows["twitter:search"] = type(world.box._windows.get("twitter:search", []))(
                [time.monotonic() - used] if used else [])
            done = watch(config, ledger, datetime.now(UTC) + timedelta(minutes=minutes), environ=env, budget=1000)
            assert done.failed == [] and done.incomplete >= 1
            [gap] = limit_gaps(ledger)
            details.append(gap.detail)
        assert len(set(details)) > 1, details  # the texts differed; the gap stayed one
        assert "rate-limit window is used up" in gap.detail and gap.last_recorded_at and \
            gap.last_recorded_at > gap.recorded_at
        world.box._windows.pop("twitter:search")  # the window has passed: the read goes to its end
        search.limit = (180, 900.0)
        done = watch(config, ledger, datetime.now(UTC) + timedelta(minutes=46), environ=env, budget=1000)
        assert done.incomplete == 0 and len(limit_gaps(ledger)) == 1
        # a later limit is a new gap: the first one ended
        search.limit = (2, 900.0)
        world.box._windows.pop("twitter:search", None)
        for n in range(250):
            world.box.add_comment("twitter", f"CANARY-H-{n} nice", "canary_author_g", on=tw)
        watch(config, ledger, datetime.now(UTC) + timedelta(minutes=61), environ=env, budget=1000)
        assert len(limit_gaps(ledger)) == 2
        code, out, err = run_watch(world, "--report", "--now", later(hours=1.1), "--format", "json")
        [row] = [r for r in json.loads(out)["rows"] if r["post"] == "p000" and r["channel"] == "tw"]
        assert [g["kind"] for g in row["gaps"]].count("platform-limit") == 2
        assert "last_recorded_at" in row["gaps"][0]
        no_canary(out, err)


def test_graph_s_usage_near_a_limit_leaves_facebook_s_other_posts_for_the_next_watch(
    worlds: Callable[..., Any],
) -> None:
    """Facebook says how much of its limits is used in headers of every answer, and throttles with error codes,
    not 429: at 90% or more `watch` stops reading that channel for this run (recorded as not read, like a
    used-up window; not a failure), and X and YouTube are read all the same; the next watch goes on."""
    from socialpub.sandbox.facebook import FacebookSandbox

    two = worlds("two", eo.numbered_posts(2, ("fb", "tw")))
    assert two.run(eo.AT + timedelta(minutes=10)).code == 0
    graph = next(p for p in two.box.platforms if isinstance(p, FacebookSandbox))
    rows = two.status(eo.AT + timedelta(minutes=10))
    for r in rows:
        two.box.add_comment("facebook" if r["channel"] == "fb" else "twitter",
                            f"CANARY-U-{r['post']} my husband got a rash from oncavix", "canary_author_u",
                            on=r["remote_id"])
    graph.usage = {"x-app-usage": {"call_count": 96, "total_time": 20, "total_cputime": 20}}
    code, out, err = run_watch(two, "--now", later(), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["failed"] == [], err
    assert [(n["post"], n["channel"]) for n in data["not_reached"]] == [("p001", "fb")]
    assert "read window used up" in data["not_reached"][0]["why"]
    assert len(data["queued"]) == 3  # both X posts and the first Facebook post
    code, out, err = run_watch(two, "--report", "--now", later(), "--format", "json")
    report = {(r["post"], r["channel"]): r for r in json.loads(out)["rows"] if r["post"]}
    assert report["p001", "fb"]["state"] == "not read in this run"
    no_canary(out, err)
    graph.usage = {"x-app-usage": {"call_count": 40, "total_time": 20, "total_cputime": 20}}
    code, out, err = run_watch(two, "--now", later(), "--format", "json")
    data = json.loads(out)
    assert data["not_reached"] == [] and len(data["queued"]) == 1, data


def test_a_youtube_comment_held_for_review_is_queued_shown_as_not_public_until_the_owner_publishes_it(
    world: Any, tmp_path: Any,
) -> None:
    """An adverse event YouTube holds for review (or as likely spam) is not public, yet it is one: `watch` reads
    it with the owner's sign-in, queues it, `inbox show` and the export say it is not public; when the owner
    publishes it, the next watch sees the same comment (not a second item) and records that it is public."""
    yt = remote_ids(world)["youtube"]
    world.box.add_comment("youtube", AE_YT, AUTHORS["youtube"], on=yt, held="heldForReview")
    world.box.add_comment("youtube", BENIGN, "Someone Else", on=yt, held="likelySpam")
    code, out, err = run_watch(world, "--now", later(), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["summary"]["new_comments"] == 2 and len(data["queued"]) == 1, err
    no_canary(out, err)
    [item] = data["queued"]
    code, out, err = cli(world.root, "inbox", "show", item, "--force-text", env=world.env())
    assert "not public: held for review on the platform" in out and "CANARY-YT-33" in out, out
    target = tmp_path / "pv.json"
    assert cli(world.root, "inbox", "export", "-o", str(target), env=world.env())[0] == 0
    [record] = json.loads(target.read_text(encoding="utf-8"))["items"]
    assert record["public"] is False and record["text"] == AE_YT
    from socialpub.sandbox.youtube import sandbox_of

    held = next(c["id"] for c in world.box.posts("youtube") if c["kind"] == "comments" and c["text"] == AE_YT)
    sandbox_of(world.box).publish_held(held)
    code, out, err = run_watch(world, "--now", later(hours=0.3), "--format", "json")
    assert json.loads(out)["summary"]["new_comments"] == 0 and json.loads(out)["queued"] == []
    code, out, err = cli(world.root, "inbox", "show", item, "--force-text", env=world.env())
    assert "not public" not in out
    with world.open_ledger() as ledger:
        events = [e for e in ledger.events() if e["action"] == "comment-public"]
        assert len(events) == 1 and events[0]["detail"]["comment"] == held
        no_canary(json.dumps(ledger.events(), default=str))
