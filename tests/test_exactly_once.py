"""Exactly once, proven with real processes against the sandbox (docs/exactly-once.md).

Every due (post, channel) must reach its platform exactly once through SIGKILLs, overlapping runs, rate
limits, 5xx, timeouts, dropped connections, expired tokens and DST changes. These tests run the harness of
bench/exactly_once.py at small sizes (the bench runs it at full size): real `socialpub run` processes, real
adapters over HTTP to a `Sandbox` on loopback, the real ledgers (SQLite and PostgreSQL), and they count the
objects the sandbox keeps. Faults that need a shorter read timeout or reconcile grace than the CLI has drive
the core `Publisher` in this process instead. The orchestration with a fake platform is in
test_publish_run.py.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialpub.config import load_config
from socialpub.errors import ExitCode
from socialpub.ledger import open_ledger, utcnow
from socialpub.posts import load_posts
from socialpub.publish import NothingDone, Publisher, Result, exit_code, run_due
from socialpub.sandbox import ApiError
from tests.conftest import postgres_url
from tests.helpers import exactly_once_bench, invoke

pytestmark = pytest.mark.slow  # crash and concurrency tests: real processes, killed at random moments

eo = exactly_once_bench()

CHANNELS = tuple(eo.KINDS)  # tw, fb, yt, pin
PLATFORMS = {kind: name for name, kind in eo.KINDS.items()}  # twitter -> tw
NOW = eo.AT + timedelta(hours=1)  # every numbered post is due, none is late
# The request that makes the post, per platform: (method, path regex) for Sandbox.inject.
CREATE = {
    "twitter": ("POST", r"/2/tweets$"),
    "facebook": ("POST", r"/photos$"),
    "youtube": ("PUT", r"/upload/youtube/v3/videos$"),
    "pinterest": ("POST", r"/v5/pins$"),
}


# --- fixtures and helpers -----------------------------------------------------------------------------------




def run_here(
    world: Any,
    now: datetime = NOW,
    *,
    grace: float = 0.0,
    timeout: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = 60.0,
) -> dict[tuple[str, str], Result]:
    """`socialpub run` in this process, with a read timeout and a reconcile grace the CLI does not offer."""
    config = load_config(world.config)
    ledger = open_ledger(world.ledger or ".socialpub/ledger.db", world.root)
    try:
        publisher = Publisher(
            config, ledger, environ=world.env(), reconcile_grace=grace, sleep=sleep, max_wait=max_wait
        )
        if timeout is not None:
            for name in config.channels:
                publisher.renderer.adapter(name).timeout = timeout
        try:
            results = run_due(publisher, load_posts(config).posts, now)
        except NothingDone:  # another run holds the lock (SQLite): it does the work
            results = []
    finally:
        ledger.close()
    return {(r.post, r.channel): r for r in results}


def cli(world: Any, *args: str) -> tuple[int, str, str]:
    """The real CLI in this process (CliRunner): exit code, stdout, stderr."""
    result = invoke(world.argv(*args)[1:], env=world.env())
    return result.exit_code, result.stdout, result.stderr


def cli_run(world: Any, now: datetime | str = NOW) -> tuple[int, dict[tuple[str, str], dict[str, Any]], str]:
    moment = now if isinstance(now, str) else now.isoformat()
    code, out, err = cli(world, "run", "--now", moment, "--format", "json")
    data = json.loads(out) if out.strip() else {"results": []}
    return code, {(r["post"], r["channel"]): r for r in data["results"]}, err


def states(results: dict[tuple[str, str], Any]) -> dict[tuple[str, str], str]:
    return {k: (r.state if isinstance(r, Result) else r["state"]) for k, r in results.items()}


def creates(world: Any) -> Counter[str]:
    """Requests that make a post, per platform (what the sandbox received, answered or not)."""
    names = {route: platform for platform, route in eo.CREATE_ROUTES.items()}
    return Counter(names[r["route"]] for r in list(world.box.requests) if r["route"] in names)


def once_each(pairs: list[tuple[str, str]]) -> Counter[tuple[str, str]]:
    return Counter({pair: 1 for pair in pairs})


def inject_on_creates(world: Any, kind: str, platforms: Any = CREATE, **options: Any) -> None:
    for platform in platforms:
        method, path = CREATE[platform]
        world.box.inject(kind, method=method, path=path, **options)


def lose_answers(world: Any, platforms: Any, status: int = 500) -> None:
    """The platform makes the post, then answers `status` (an error after the commit, as platforms have)."""
    for r in world.box.table:
        if r.name in {eo.CREATE_ROUTES[p] for p in platforms}:
            handler = r.handler

            def failing(request: Any, handler: Any = handler) -> Any:
                handler(request)
                raise ApiError(status, {"error": f"internal error after the post was made (HTTP {status})"})

            r.handler = failing


# --- crash safety: SIGKILL ----------------------------------------------------------------------------------


def test_sigkill_at_random_moments_then_rerun_duplicates_and_loses_nothing(tmp_path: Path) -> None:
    """8 posts x 4 channels, `run` SIGKILLed after seeded random delays and rerun, on both ledgers at once."""
    admin = postgres_url()

    def track(backend: str, seed: int) -> list[Any]:
        def make(index: int) -> tuple[Any, Callable[[], None]]:
            ledger = eo.create_database(admin) if backend == "postgresql" and admin else None
            world = eo.World(
                tmp_path / f"{backend}-{index}",
                eo.numbered_posts(8, CHANNELS),
                ledger=ledger,
                latency=0.01,
                inprocess=True,
            )

            def cleanup() -> None:
                world.close()
                if ledger and admin:
                    eo.drop_database(admin, ledger)

            return world, cleanup

        return eo.crash_track(make, NOW, random.Random(seed), kills=3, max_delay=4.0, backend=backend)

    tracks = [("sqlite", 2014)] + ([("postgresql", 2015)] if admin else [])
    with ThreadPoolExecutor(max_workers=len(tracks)) as pool:
        done = dict(zip((t[0] for t in tracks), pool.map(lambda t: track(*t), tracks), strict=True))
    for backend_name, trials in done.items():
        assert sum(t.kills for t in trials) >= 3, backend_name
        for trial in trials:
            assert trial.ok, f"{backend_name}: {trial.verdict} {trial.error or ''}"
            assert trial.verdict is not None and trial.verdict.chain == []  # the killed runs left the chain whole
            assert set(trial.codes) <= {"0", "4"}, trial.codes  # never failed (3): nothing was sent twice
    if not admin:
        pytest.skip('the PostgreSQL half needs the test server: eval "$(scripts/test-postgres.sh start)"')


def test_sigkill_after_the_platform_made_the_post_is_reconciled_not_resent(tmp_path: Path) -> None:
    """All four platforms made p000, the run died before reading any answer: four `publishing` rows of a
    dead process (its pid gone on SQLite, its advisory lock released on PostgreSQL). The rerun finds all four
    on the platforms and sends nothing again. Both ledgers at once."""
    admin = postgres_url()

    def scenario(backend: str) -> None:
        ledger = eo.create_database(admin) if backend == "postgresql" and admin else None
        world = eo.World(tmp_path / backend, eo.numbered_posts(2, CHANNELS), ledger=ledger, inprocess=True)
        try:
            switch = eo.KillSwitch(world.box, eo.CREATE_ROUTES.values(), after=True, wait_for=4)
            started = time.perf_counter()
            proc = world.start(NOW)
            switch.arm(proc.pid)
            first = world.wait(proc, started)
            switch.disarm()
            assert first.killed
            rows = {(r.post_id, r.channel): r for r in world.ledger_rows()}
            in_flight = sorted(k for k, r in rows.items() if r.state == "publishing")
            assert in_flight == [("p000", c) for c in sorted(CHANNELS)]
            assert world.counts() == once_each([("p000", c) for c in CHANNELS])  # made, not recorded

            rerun = world.run(NOW)
            assert rerun.code == 0, rerun.stderr
            found = {
                (r["post"], r["channel"])
                for r in rerun.results
                if r["state"] == "published" and "found on the platform" in (r.get("hint") or "")
            }
            assert found == {("p000", c) for c in CHANNELS}
            verdict = world.verdict(NOW)
            assert verdict.ok, verdict
            assert creates(world) == Counter({p: 2 for p in CREATE})  # p000 once and p001 once, per platform
            events = world.events()
            assert sum(1 for e in events if e["action"] == "reconciled" and e["detail"].get("found")) == 4
            assert (
                sum(
                    1
                    for e in events
                    if e["action"] == "unknown" and "interrupted" in (e["detail"].get("error") or "")
                )
                == 4
            )
        finally:
            world.close()
            if ledger and admin:
                eo.drop_database(admin, ledger)

    backends = ["sqlite"] + (["postgresql"] if admin else [])
    with ThreadPoolExecutor(max_workers=len(backends)) as pool:
        for future in [pool.submit(scenario, b) for b in backends]:
            future.result()
    if not admin:
        pytest.skip('the PostgreSQL half needs the test server: eval "$(scripts/test-postgres.sh start)"')


def test_a_dead_claim_is_reconciled_by_one_of_several_concurrent_runs(worlds: Any, pg_url: str) -> None:
    """PostgreSQL: four hosts meet the same four crashed claims (nothing reached the platforms). Only one
    run may take each over: before the fix, each reconciled it, found nothing, and sent it again."""
    world = worlds("w", eo.numbered_posts(2, CHANNELS), ledger=pg_url, latency=0.05)
    switch = eo.KillSwitch(world.box, eo.CREATE_ROUTES.values(), after=False, wait_for=4)
    started = time.perf_counter()
    proc = world.start(NOW)
    switch.arm(proc.pid)
    assert world.wait(proc, started).killed
    switch.disarm()
    assert world.counts() == Counter()
    assert sum(1 for r in world.ledger_rows() if r.state == "publishing") == 4

    round_ = eo.concurrent_round(world, NOW, runs=4)
    assert round_.ok, (
        round_.verdict,
        round_.published_by,
        [(o.code, o.stderr[-300:]) for o in round_.outcomes],
    )
    assert set(round_.published_by) == set(world.pairs())
    assert creates(world) == Counter({p: 3 for p in CREATE})  # refused at the kill, then p000 and p001 once
    assert sum(1 for e in world.events() if e["action"] == "reconciled") == 4  # once per dead claim


# --- concurrency --------------------------------------------------------------------------------------------


def test_simultaneous_runs_never_double_post(tmp_path: Path) -> None:
    """3 rounds of 4 `run`s started at once, per ledger (both ledgers side by side). SQLite: one run works,
    the others say the lock is held and exit 0. PostgreSQL: the runs share the work row by row."""
    admin = postgres_url()

    def rounds(backend: str) -> list[Any]:
        done = []
        for round_no in range(3):
            ledger = eo.create_database(admin) if backend == "postgresql" and admin else None
            posts = eo.numbered_posts(4, CHANNELS, tag=f"r{round_no}-")
            world = eo.World(
                tmp_path / f"{backend}{round_no}", posts, ledger=ledger, latency=0.05, inprocess=True
            )
            try:
                round_ = eo.concurrent_round(world, NOW, runs=4)
            finally:
                world.close()
                if ledger and admin:
                    eo.drop_database(admin, ledger)
            assert round_.ok, (
                backend,
                round_.verdict,
                round_.published_by,
                [(o.code, o.stderr[-300:]) for o in round_.outcomes],
            )
            assert set(round_.published_by) == set(world.pairs())
            assert round_.verdict.chain == []  # one hash chain, intact, however many runs wrote it
            done.append(round_)
        return done

    backends = ["sqlite"] + (["postgresql"] if admin else [])
    with ThreadPoolExecutor(max_workers=len(backends)) as pool:
        done = dict(zip(backends, pool.map(rounds, backends), strict=True))
    for round_ in done["sqlite"]:
        assert round_.workers == 1
        held = [o for o in round_.outcomes if o.lock_held]
        assert held, [o.stderr for o in round_.outcomes]
        assert all(o.code == 0 and "nothing done" in o.stderr for o in held)
        # a log collector still gets the run's envelope: locked, no results
        assert all(o.data and o.data["status"] == "locked" and o.data["results"] == [] for o in held)
    if not admin:
        pytest.skip('the PostgreSQL half needs the test server: eval "$(scripts/test-postgres.sh start)"')
    assert not any(r.lock_held for r in done["postgresql"])
    assert max(r.workers for r in done["postgresql"]) >= 2  # several hosts did part of the work


# --- faults -------------------------------------------------------------------------------------------------


def test_429_with_a_short_reset_is_waited_within_the_run(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, CHANNELS))
    for platform, (method, path) in CREATE.items():
        method = "POST" if platform == "youtube" else method  # the upload session is opened by a POST
        world.box.inject("status", method=method, path=path, status=429, reset_in=2)
    slept: list[float] = []
    results = run_here(world, sleep=slept.append)
    assert set(states(results).values()) == {"published"}
    assert exit_code(results.values()) == ExitCode.OK
    assert len(slept) == 4 and all(1 <= s <= 60 for s in slept), slept  # each platform's own reset header
    assert world.counts() == once_each(world.pairs())


def test_429_with_a_long_reset_moves_to_a_later_run(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, CHANNELS))
    for platform, (method, path) in CREATE.items():
        method = "POST" if platform == "youtube" else method
        world.box.inject("status", method=method, path=path, status=429, reset_in=600)
    code, results, _ = cli_run(world)
    assert code == 0 and set(states(results).values()) == {"retrying"}
    for platform in ("twitter", "pinterest"):
        result = results[("p000", PLATFORMS[platform])]
        assert "HTTP 429" in result["error"] and "rate limited: wait until" in result["hint"]
    ledger = open_ledger(".socialpub/ledger.db", world.root)
    try:
        rows = {r.channel: r for r in ledger.rows()}
        assert all(r.state == "failed" and r.transient for r in rows.values())
        assert rows["tw"].next_attempt_at > utcnow() + timedelta(minutes=8)  # X's reset time, honoured
        sent = sum(creates(world).values())
        code, results, _ = cli_run(world)  # cron, a few minutes later: not yet
        assert code == 0 and set(states(results).values()) == {"retrying"}
        assert sum(creates(world).values()) == sent  # nothing sent before the reset
        for row in rows.values():  # the reset has passed
            ledger.save(replace(row, next_attempt_at=utcnow() - timedelta(seconds=1)))
    finally:
        ledger.close()
    code, results, _ = cli_run(world)
    assert code == 0 and set(states(results).values()) == {"published"}
    assert world.counts() == once_each(world.pairs())


def test_a_burst_of_503_is_retried_within_the_run_with_backoff(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, CHANNELS))
    inject_on_creates(world, "status", status=503, count=2)
    slept: list[float] = []
    results = run_here(world, sleep=slept.append)
    assert set(states(results).values()) == {"published"}
    assert sorted(slept) == [
        2.0,
        2.0,
        2.0,
        8.0,
        8.0,
        8.0,
    ]  # X, Facebook, Pinterest; YouTube resumes its upload
    assert {p: n for p, n in creates(world).items() if p != "youtube"} == {
        "twitter": 3,
        "facebook": 3,
        "pinterest": 3,
    }
    assert world.counts() == once_each(world.pairs())


def test_a_burst_of_503_longer_than_the_run_is_retried_by_a_later_run(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, ["tw", "fb", "pin"]))
    inject_on_creates(world, "status", platforms=("twitter", "facebook", "pinterest"), status=503, count=3)
    results = run_here(world, sleep=lambda s: None)
    assert set(states(results).values()) == {"retrying"}
    assert exit_code(results.values()) == ExitCode.OK
    assert all("HTTP 503" in r.error and "retry later" in (r.hint or "") for r in results.values())
    again = run_here(world, sleep=lambda s: None)  # the next cron run, before the backoff is over
    assert set(states(again).values()) == {"retrying"} and "next attempt after" in (
        again[("p000", "tw")].hint or ""
    )
    assert sum(creates(world).values()) == 9  # three tries each, nothing more
    ledger = open_ledger(".socialpub/ledger.db", world.root)
    try:
        for row in ledger.rows():
            assert row.next_attempt_at and row.next_attempt_at > utcnow() + timedelta(seconds=20)
            ledger.save(replace(row, next_attempt_at=utcnow() - timedelta(seconds=1)))
    finally:
        ledger.close()
    assert set(states(run_here(world)).values()) == {"published"}
    assert world.counts() == once_each(world.pairs())


def test_an_ambiguous_5xx_is_unknown_until_the_next_run_reconciles_it(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, ["tw", "fb", "pin"]))
    for platform, status in (("twitter", 500), ("facebook", 500), ("pinterest", 502)):
        method, path = CREATE[platform]
        world.box.inject("status", method=method, path=path, status=status)
    results = run_here(world)
    assert set(states(results).values()) == {"unknown"}
    assert exit_code(results.values()) == ExitCode.UNKNOWN_OUTCOME
    for result in results.values():
        assert "the outcome is unknown" in result.error and "socialpub resolve p000" in (result.hint or "")
    results = run_here(world)  # looks first: not there, so it is sent once
    assert set(states(results).values()) == {"published"}
    assert creates(world) == Counter({"twitter": 2, "facebook": 2, "pinterest": 2})
    assert world.counts() == once_each(world.pairs())


def test_an_error_after_the_post_was_made_is_reconciled_within_the_run(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, ["tw", "fb", "pin"]))
    lose_answers(world, ("twitter", "facebook", "pinterest"), status=500)
    results = run_here(world)
    assert set(states(results).values()) == {"published"}
    assert all("found on the platform" in (r.hint or "") and r.remote_id for r in results.values())
    assert creates(world) == Counter({"twitter": 1, "facebook": 1, "pinterest": 1})
    assert world.counts() == once_each(world.pairs())


def test_a_timeout_is_reconciled_after_the_grace_not_resent(worlds: Any) -> None:
    """The platform answers after the read timeout (0.5 s) but makes the post (at 1.5 s): the grace (2 s)
    lets it land before the run looks; YouTube's resumable upload asks the server what it holds."""
    world = worlds("w", eo.numbered_posts(1, CHANNELS))
    inject_on_creates(world, "slow", delay=1.5)
    results = run_here(world, grace=2.0, timeout=0.5)
    assert set(states(results).values()) == {"published"}
    for channel in ("tw", "fb", "pin"):
        assert "found on the platform" in (results[("p000", channel)].hint or "")
    made = creates(world)
    assert {k: made[k] for k in ("twitter", "facebook", "pinterest")} == {"twitter": 1, "facebook": 1, "pinterest": 1}
    assert made["youtube"] >= 1  # session starts retried after a slow answer: how many depends on the load
    assert world.counts() == once_each(world.pairs())  # ...but one video, complete


def test_a_timeout_without_grace_is_unknown_and_the_next_run_finds_the_post(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, ["tw", "fb", "pin"]))
    inject_on_creates(world, "slow", platforms=("twitter", "facebook", "pinterest"), delay=1.5)
    results = run_here(world, grace=0.0, timeout=0.5)
    assert set(states(results).values()) == {"unknown"}
    assert all("ReadTimeout" in r.error for r in results.values())
    assert exit_code(results.values()) == ExitCode.UNKNOWN_OUTCOME
    time.sleep(2.5)  # the slow requests land (1.5 s after they arrived)
    results = run_here(world)
    assert set(states(results).values()) == {"published"}
    assert creates(world) == Counter({"twitter": 1, "facebook": 1, "pinterest": 1})  # found, never resent
    assert world.counts() == once_each(world.pairs())


def test_dropped_connections_are_unknown_then_sent_once(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, CHANNELS))
    inject_on_creates(world, "drop")
    results = run_here(world)
    assert states(results) == {
        ("p000", "tw"): "unknown",
        ("p000", "fb"): "unknown",
        ("p000", "pin"): "unknown",
        ("p000", "yt"): "published",
    }  # YouTube resumes the upload in the same run
    assert "Remote end closed connection" in results[("p000", "tw")].error
    results = run_here(world)
    assert set(states(results).values()) == {"published"}
    assert creates(world) == Counter({"twitter": 2, "facebook": 2, "pinterest": 2, "youtube": 2})
    assert world.counts() == once_each(world.pairs())


def test_cli_dropped_connection_exits_4_then_the_next_run_exits_0(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, ["pin"]))
    inject_on_creates(world, "drop", platforms=("pinterest",))
    code, results, _ = cli_run(world)  # waits the 5 s grace before it looks
    assert code == ExitCode.UNKNOWN_OUTCOME
    result = results[("p000", "pin")]
    assert result["state"] == "unknown" and "Pinterest: no answer" in result["error"]
    assert "resolve p000 --channel pin" in result["hint"]
    code, results, _ = cli_run(world)
    assert code == 0 and states(results) == {("p000", "pin"): "published"}
    assert world.counts() == once_each(world.pairs())


def test_expired_tokens_fail_until_a_person_publishes(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, ["tw", "fb", "pin"]))
    world.box.expire_tokens()
    code, results, _ = cli_run(world)
    assert code == ExitCode.PUBLISH_FAILED
    assert set(states(results).values()) == {"failed"}
    assert "HTTP 401" in results[("p000", "tw")]["error"]
    assert (
        "HTTP 401" in results[("p000", "pin")]["error"]
        and "re-authenticate" in results[("p000", "pin")]["hint"]
    )
    assert (
        "expired" in results[("p000", "fb")]["error"] and "re-authenticate" in results[("p000", "fb")]["hint"]
    )
    assert world.counts() == Counter()
    sent = sum(creates(world).values())
    code, results, _ = cli_run(world)  # cron again: a permanent failure waits for a person, and says so
    assert code == 0 and sum(creates(world).values()) == sent
    assert {(r["state"], r.get("attention")) for r in results.values()} == {("skipped", True)}
    assert all("not retried until the post file changes" in r["error"] for r in results.values())
    world.box.static_expired = False  # a person renewed the tokens
    code, out, err = cli(world, "publish", str(world.root / "posts" / "p000.md"), "--yes", "--format", "json")
    assert code == 0, err
    assert {r["state"] for r in json.loads(out)["results"]} == {"published"}
    assert cli_run(world)[:2] == (0, {})
    assert world.counts() == once_each(world.pairs())


def test_a_thread_cut_short_stays_unknown_and_is_never_resent(worlds: Any) -> None:
    """X refuses tweet 2 of 3: the first tweet is up. Before the fix, reconciliation found it and recorded
    the whole thread as published (exit 0), so tweets 2 and 3 were silently lost."""
    spec = eo.PostSpec(
        id="chat",
        publish_at=eo.AT,
        text="Lab chat: what makes a good experiment?",
        title="Lab chat",
        channels=("tw",),
        thread=("Second: a clear question.", "Third: controls."),
    )
    world = worlds("w", [spec], channels=("tw",))
    route = next(r for r in world.box.table if r.name == "twitter:create")
    create, calls = route.handler, Counter()

    def refuse_the_second(request: Any) -> Any:
        calls["create"] += 1
        if calls["create"] == 2:
            raise ApiError(403, {"title": "Forbidden", "detail": "scripted refusal", "status": 403})
        return create(request)

    route.handler = refuse_the_second
    results = run_here(world)
    result = results[("chat", "tw")]
    assert result.state == "unknown" and exit_code(results.values()) == ExitCode.UNKNOWN_OUTCOME
    assert "tweet 2 of 3 failed" in result.error and "1 of 3 parts posted" in result.error
    assert "socialpub resolve chat --channel tw --published https://x.com/" in (result.hint or "")
    again = run_here(world)  # the next run looks again: still in part, still not sent again
    assert states(again) == {("chat", "tw"): "unknown"} and "1 of 3 parts" in again[("chat", "tw")].error
    assert calls["create"] == 2 and world.counts() == Counter({("chat", "tw"): 1})


@pytest.mark.parametrize("ledger_kind", ["sqlite", "postgresql"])
def test_a_lost_answer_being_checked_is_not_reconciled_by_another_run(
    worlds: Any, ledger_kind: str, request: pytest.FixtureRequest
) -> None:
    """Run A lost the answer (timeout) and waits the grace before it looks; run B (another host, or
    `publish` beside `run`) meets the `unknown` row meanwhile. B must leave it to A, not look at once,
    miss the post still in flight and send it again."""
    ledger = request.getfixturevalue("pg_url") if ledger_kind == "postgresql" else None
    world = worlds("w", eo.numbered_posts(1, ["pin"]), ledger=ledger)
    inject_on_creates(world, "slow", platforms=("pinterest",), delay=1.5)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(run_here, world, grace=2.0, timeout=0.5)
        deadline = time.monotonic() + 10
        while not any(r.state == "unknown" for r in world.ledger_rows()):
            assert time.monotonic() < deadline and not first.done()
            time.sleep(0.05)
        second = run_here(world, grace=0.0)
        results = first.result()
    if ledger_kind == "sqlite":
        assert second == {}  # A holds the run lock: B does nothing at all
    else:  # another host: skipped, and said why
        assert states(second) == {("p000", "pin"): "skipped"}
        assert second[("p000", "pin")].error == "being reconciled by another run"
    assert states(results) == {("p000", "pin"): "published"}
    assert creates(world) == Counter({"pinterest": 1})
    assert world.counts() == once_each(world.pairs())


# --- time: DST changes in America/New_York, posts due exactly at the boundary -------------------------------

SPRING = "3000714  Last Updated 2/14"  # valid in March 2014
FALL = eo.APPROVAL  # valid in November 2014


def dst_post(post_id: str, when: str, approval: str) -> Any:
    return eo.PostSpec(
        id=post_id,
        publish_at=when,
        text=f"Lab notes {post_id}: an update from the bench.",
        title=f"Lab notes {post_id}",
        channels=("tw",),
        approval=approval,
    )


def published(results: dict[tuple[str, str], Any]) -> list[str]:
    return sorted(post for (post, _), r in results.items() if r["state"] == "published")


def test_dst_spring_forward_2014_03_09(worlds: Any) -> None:
    world = worlds(
        "w",
        [
            dst_post("before-gap", "2014-03-09T01:59:00", SPRING),  # EST: 06:59Z
            dst_post("after-gap", "2014-03-09T03:00:00", SPRING),  # EDT: 07:00Z, one real minute later
            dst_post("after-gap-utc", "2014-03-09T07:00:00Z", SPRING),  # the same instant, written in UTC
        ],
        channels=("tw",),
    )
    assert cli_run(world, "2014-03-09T01:58:59")[:2] == (0, {})
    code, results, _ = cli_run(world, "2014-03-09T01:59:00")  # due exactly at its minute
    assert code == 0 and published(results) == ["before-gap"]
    assert cli_run(world, "2014-03-09T01:59:59")[:2] == (0, {})
    code, _, err = cli_run(world, "2014-03-09T02:30:00")  # a wall-clock time that does not exist that day
    assert code == ExitCode.USAGE and "does not exist in America/New_York" in err
    code, results, _ = cli_run(world, "2014-03-09T03:00:00")  # the first instant after the gap
    assert code == 0 and published(results) == ["after-gap", "after-gap-utc"]
    assert cli_run(world, "2014-03-09T07:00:01Z")[:2] == (0, {})
    verdict = world.verdict("2014-03-09T03:05:00")
    assert verdict.ok, verdict


def test_dst_fall_back_2014_11_02(worlds: Any) -> None:
    world = worlds(
        "w",
        [
            dst_post("first-0130", "2014-11-02T01:30:00-04:00", FALL),  # EDT: 05:30Z
            dst_post("second-0130", "2014-11-02T01:30:00-05:00", FALL),  # EST: 06:30Z, an hour later
            dst_post("at-0200", "2014-11-02T02:00:00", FALL),  # EST: 07:00Z
        ],
        channels=("tw",),
    )
    code, results, _ = cli_run(world, "2014-11-02T01:30:00-04:00")
    assert code == 0 and published(results) == ["first-0130"]
    assert cli_run(world, "2014-11-02T01:59:59-04:00")[:2] == (0, {})  # later on the clock, earlier in time
    assert cli_run(world, "2014-11-02T01:00:00-05:00")[:2] == (0, {})
    code, _, err = cli_run(world, "2014-11-02T01:30:00")  # which 01:30? refused, nothing done
    assert code == ExitCode.USAGE and "happens twice" in err and "UTC offset" in err
    code, results, _ = cli_run(world, "2014-11-02T01:30:00-05:00")  # the second 01:30, exactly
    assert code == 0 and published(results) == ["second-0130"]
    code, results, _ = cli_run(world, "2014-11-02T02:00:00")
    assert code == 0 and published(results) == ["at-0200"]
    verdict = world.verdict("2014-11-02T03:00:00")
    assert verdict.ok, verdict


def test_post_times_that_do_not_exist_or_happen_twice_are_refused(worlds: Any) -> None:
    world = worlds(
        "w",
        [
            dst_post("in-the-gap", "2014-03-09T02:30:00", SPRING),
            dst_post("twice", "2014-11-02T01:30:00", FALL),
            dst_post("fine", "2014-11-02T03:00:00", FALL),
        ],
        channels=("tw",),
    )
    code, results, _ = cli_run(world, "2014-11-02T04:00:00")
    assert code == ExitCode.FINDINGS
    assert published(results) == ["fine"]
    refused = {k: r["error"] for k, r in results.items() if r["state"] == "refused"}
    assert any("in-the-gap.md" in e and "does not exist" in e for e in refused.values()), refused
    assert any("twice.md" in e and "happens twice" in e for e in refused.values()), refused
    assert world.counts() == Counter({("fine", "tw"): 1})


def test_max_lateness_counts_elapsed_time_across_dst(worlds: Any) -> None:
    """max_lateness = "24h" is elapsed time, whatever the wall clock did in between."""
    world = worlds(
        "w",
        [
            # 24 h 30 min later on the wall clock, 23 h 30 min elapsed (clocks sprang forward): still due.
            dst_post("spring-due", "2014-03-08T03:00:00", SPRING),
            # 23 h 45 min later on the wall clock, 24 h 45 min elapsed (clocks fell back): missed.
            dst_post("fall-late", "2014-11-01T02:30:00", FALL),
        ],
        channels=("tw",),
    )
    code, results, _ = cli_run(world, "2014-03-09T03:30:00")
    assert code == 0 and states(results) == {("spring-due", "tw"): "published"}
    code, results, _ = cli_run(world, "2014-11-02T02:15:00")
    assert code == 0 and states(results) == {("fall-late", "tw"): "missed"}
    assert "passed 1d0h45m ago, more than max_lateness 1d0h" in results[("fall-late", "tw")]["error"]
    assert world.counts() == Counter({("spring-due", "tw"): 1})


def test_harness_counts_duplicates(worlds: Any) -> None:
    """The counting is what every proof rests on: a second copy made behind socialpub's back is seen."""
    world = worlds("w", eo.numbered_posts(1, ["pin"]))
    code, _, _ = cli_run(world)
    assert code == 0 and world.verdict(NOW).ok
    pin = next(p for p in world.box.posts("pinterest") if p["kind"] == "pins")
    pinterest = next(p for p in world.box.platforms if p.name == "pinterest")
    pinterest.keep("pins", {**{k: v for k, v in pin.items() if k not in ("platform", "kind")}, "id": "999"})
    assert world.verdict(NOW).duplicates == {("p000", "pin"): 2}
