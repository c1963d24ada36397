"""The crisis switch inside a running run, and claims that a live claimer never loses to another host.

Real `socialpub run` processes (host identity from SOCIALPUB_HOST) against the sandbox on loopback, with its
`slow` fault holding a create request while the test pauses, kills the claimer's liveness session, times it
out or restarts the PostgreSQL server; real SQLite and PostgreSQL ledgers (docs/exactly-once.md).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from socialpub.check import check_post
from socialpub.config import load_config
from socialpub.errors import PlatformError, Stopped
from socialpub.ledger import open_ledger
from socialpub.posts import load_posts
from socialpub.publish import NothingDone, Publisher, Result, run_due
from socialpub.sandbox import ApiError
from tests.helpers import exactly_once_bench

eo = exactly_once_bench()

NOW = eo.AT + timedelta(hours=1)
CREATE = {  # the request that makes the post: (method, path regex) for Sandbox.inject
    "tw": ("POST", r"/2/tweets$"),
    "fb": ("POST", r"/photos$"),
    "yt": ("POST", r"/upload/youtube/v3/videos"),
    "pin": ("POST", r"/v5/pins$"),
}


# --- helpers -------------------------------------------------------------------------------------------------




def start_run(world: Any, host: str, *extra: str) -> tuple[subprocess.Popen[bytes], float]:
    """`socialpub run` as a process of host `host`."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        world.argv("run", "--now", NOW.isoformat(), "--format", "json", *extra),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        env={**world.env(), "SOCIALPUB_HOST": host}, cwd=world.root,
    )
    return proc, started


def by_pair(outcome: Any) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["post"], r["channel"]): r for r in outcome.results}


def creates(world: Any, channel: str) -> int:
    method, path = CREATE[channel]
    import re

    return sum(1 for r in list(world.box.requests) if r["method"] == method and re.search(path, r["path"]))


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def publisher_for(world: Any, host: str, **kw: Any) -> tuple[Publisher, Any]:
    config = load_config(world.config)
    ledger = open_ledger(world.ledger or ".socialpub/ledger.db", world.root, host=host)
    return Publisher(config, ledger, environ=world.env(), **kw), ledger


def run_as(world: Any, host: str, **kw: Any) -> dict[tuple[str, str], Result]:
    publisher, ledger = publisher_for(world, host, **kw)
    try:
        return {(r.post, r.channel): r for r in run_due(publisher, load_posts(publisher.config).posts, NOW)}
    finally:
        ledger.close()


def pg_liveness_backends(url: str, host: str) -> list[int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name LIKE %s", (f"socialpub liveness {host}:%",)
        ).fetchall()
    return [r[0] for r in rows]


# --- 1. the crisis switch -------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["tw", "fb", "yt", "pin"])
def test_each_adapter_asks_the_gate_before_the_request_that_makes_the_post(worlds: Any, channel: str) -> None:
    """A gate that says stop: no create request reaches the platform, and the Stopped reaches the caller."""
    world = worlds("w", eo.numbered_posts(1, [channel]))
    publisher, ledger = publisher_for(world, "here")
    try:
        post = load_posts(publisher.config).posts[0]
        rendered = check_post(post, publisher.config, publisher.renderer, now=NOW).renders[0]
        adapter = publisher.renderer.adapter(channel)
        asked: list[int] = []

        def gate() -> None:
            asked.append(creates(world, channel))
            raise Stopped("paused for the test", paused=True)

        with pytest.raises(Stopped):
            adapter.publish(rendered, gate=gate)
        assert asked == [0] and creates(world, channel) == 0
        assert world.counts() == Counter()
    finally:
        ledger.close()


def test_a_stop_between_the_tweets_of_a_thread_is_an_incomplete_thread(worlds: Any) -> None:
    spec = eo.PostSpec(id="chat", publish_at=eo.AT, text="Lab notes: part one of three.", title="Chat",
                       channels=("tw",), thread=("Part two of three.", "Part three of three."))
    world = worlds("w", [spec])
    publisher, ledger = publisher_for(world, "here")
    try:
        post = load_posts(publisher.config).posts[0]
        rendered = check_post(post, publisher.config, publisher.renderer, now=NOW).renders[0]
        calls = 0

        def gate() -> None:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise Stopped("paused for the test", paused=True)

        with pytest.raises(PlatformError) as caught:
            publisher.renderer.adapter("tw").publish(rendered, gate=gate)
        assert caught.value.maybe_sent and "tweet 2 of 3" in caught.value.message
        assert "paused for the test" in caught.value.message and "resolve" in (caught.value.hint or "")
        assert creates(world, "tw") == 1
    finally:
        ledger.close()


@pytest.mark.slow
@pytest.mark.parametrize("ledger_kind", ["sqlite", "postgresql"])
def test_pause_stops_a_running_run_before_its_next_post(
    worlds: Any, ledger_kind: str, request: pytest.FixtureRequest
) -> None:
    """A run is inside a slow create of p000 when `pause` returns: p000 completes (it was sent), and no
    other post starts; they are `paused`, unclaimed, and go out once after `resume`."""
    ledger = request.getfixturevalue("pg_url") if ledger_kind == "postgresql" else None
    world = worlds("w", eo.numbered_posts(4, ["pin"]), ledger=ledger)
    method, path = CREATE["pin"]
    world.box.inject("slow", method=method, path=path, delay=4.0)
    proc, started = start_run(world, "host-a")
    wait_until(lambda: creates(world, "pin") == 1 or proc.poll() is not None, "the first create")
    with world.open_ledger() as switch:  # what `socialpub pause` does, without its start-up time
        assert switch.pause("recall", who="officer@test")
    after_pause = creates(world, "pin")
    run = world.wait(proc, started)
    assert creates(world, "pin") == after_pause, "a post started after pause returned"
    assert after_pause == 1, "the run went on before the pause (the slow fault was too short)"
    assert run.code == 0, run.stderr
    results = by_pair(run)
    assert results[("p000", "pin")]["state"] == "published"
    assert {k: r["state"] for k, r in results.items() if k[0] != "p000"} == {
        (f"p00{i}", "pin"): "paused" for i in (1, 2, 3)
    }
    assert all("paused" in (r["error"] or "") for k, r in results.items() if k[0] != "p000")
    rows = {r.post_id: r for r in world.ledger_rows()}
    assert set(rows) == {"p000"}  # the others were never claimed
    assert world.cli("resume", "--reason", "over").code == 0
    rerun = world.run(NOW)
    assert rerun.code == 0, rerun.stderr
    assert world.counts() == Counter({(f"p00{i}", "pin"): 1 for i in range(4)})


def test_pause_between_the_tweets_of_a_thread_in_a_running_run(worlds: Any) -> None:
    """The second tweet is slow; `pause` meanwhile: the third is not sent, the thread is `unknown` with the
    partial-thread hint, and it is never resent."""
    spec = eo.PostSpec(id="chat", publish_at=eo.AT, text="Lab notes: part one of three.", title="Chat",
                       channels=("tw",), thread=("Part two of three.", "Part three of three."))
    world = worlds("w", [spec])
    original = next(r for r in world.box.table if r.name == eo.CREATE_ROUTES["twitter"])
    handler = original.handler
    seen = 0

    def slow_second(req: Any) -> Any:
        nonlocal seen
        seen += 1
        if seen == 2:
            world.cli("pause", "--reason", "recall")  # `pause` returns while this tweet is in flight
        return handler(req)

    original.handler = slow_second
    results = run_as(world, "host-a", reconcile_grace=0.0)
    assert seen == 2 and creates(world, "tw") == 2
    result = results[("chat", "tw")]
    assert result.state == "unknown" and "2 of 3 parts" in (result.error or "")
    assert "finish the thread by hand" in (result.hint or "")


def test_run_due_takes_the_lock_and_checks_the_pause_itself(worlds: Any) -> None:
    """Any caller of the library gets the lock and the switch, not only the CLI."""
    world = worlds("w", eo.numbered_posts(1, ["pin"]))
    publisher, ledger = publisher_for(world, "here")
    try:
        posts = load_posts(publisher.config).posts
        with ledger.run_lock() as got:
            assert got
            with pytest.raises(NothingDone, match="another run holds the lock"):
                run_due(publisher, posts, NOW)
        ledger.pause("recall")
        with pytest.raises(NothingDone, match="paused"):
            run_due(publisher, posts, NOW)
        assert world.counts() == Counter()
    finally:
        ledger.close()


# --- 2. liveness and fencing ----------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_spec(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(tmp_path / "ledger.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")


def test_a_settle_never_overwrites_the_record_of_the_run_that_took_the_claim_over(
    ledger_spec: str, tmp_path: Path
) -> None:
    from dataclasses import replace

    from socialpub.ledger import Row

    first = open_ledger(ledger_spec, tmp_path, host="host-a")
    second = open_ledger(ledger_spec, tmp_path, host="host-b")
    try:
        mine = first.claim("p", "c", lambda current: Row("p", "c", "publishing", claimed_by=first.claimer))
        assert mine is not None and mine.claim_generation == 1
        taken = second.claim("p", "c", lambda current: replace(current, state="unknown", claimed_by=second.claimer))
        assert taken is not None and taken.claim_generation == 2
        done = replace(taken, state="published", remote_id="B-1", claimed_by=None)
        assert second.settle(done, holder=second.claimer)
        late = replace(mine, state="failed", last_error="HTTP 403", claimed_by=None)
        assert not first.settle(late, holder=first.claimer)  # the late 403 of the first claimer
        assert not first.renew(mine, mine.claimed_at or taken.updated_at)  # nor may it start another request
        row = first.get("p", "c")
        assert (row.state, row.remote_id, row.claim_generation) == ("published", "B-1", 2)
        first.save(Row("p", "c", "missed"))  # a plain save (missed, refused, resolve) never rewinds the fence
        assert first.get("p", "c").claim_generation == 2
    finally:
        first.close()
        second.close()


def test_a_late_403_after_a_takeover_leaves_the_live_post_recorded(worlds: Any, pg_url: str) -> None:
    """Host A's liveness session is killed while its create hangs; host B waits for A's claim deadline,
    finds nothing, publishes. Then A's answer arrives, a 403: it is recorded as an event only, and the row
    keeps B's live post. (A request longer than the claim bound is the documented limit: here 0.5 s.)"""
    world = worlds("w", eo.numbered_posts(1, ["pin"]), ledger=pg_url)
    route = next(r for r in world.box.table if r.name == eo.CREATE_ROUTES["pinterest"])
    handler, hold, calls = route.handler, threading.Event(), []

    def first_hangs_then_403(req: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            hold.wait(30)
            raise ApiError(403, {"code": 403, "message": "late refusal"})
        return handler(req)

    route.handler = first_hangs_then_403
    out: dict[str, Any] = {}
    a = threading.Thread(target=lambda: out.update(a=run_as(world, "host-a", claim_bound=0.5, reconcile_grace=0.0)))
    a.start()
    try:
        wait_until(lambda: len(calls) == 1, "A's create")
        for pid in pg_liveness_backends(pg_url, "host-a"):
            with __import__("psycopg").connect(pg_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        out["b"] = run_as(world, "host-b", reconcile_grace=0.0)
    finally:
        hold.set()
        a.join(60)
    assert out["b"][("p000", "pin")].state == "published"
    live_id = out["b"][("p000", "pin")].remote_id
    late = out["a"][("p000", "pin")]
    assert late.state == "unknown" and "another run took this claim over" in (late.error or "")
    row = next(r for r in world.ledger_rows())
    assert (row.state, row.remote_id) == ("published", live_id)
    lost = [e for e in world.events() if e["action"] == "unrecorded"]
    assert len(lost) == 1 and "403" in lost[0]["detail"]["outcome"]


@pytest.mark.slow
def test_a_claimer_whose_liveness_backend_is_killed_is_not_raced_by_another_host(
    worlds: Any, pg_url: str
) -> None:
    """Two processes, hosts A and B, one PostgreSQL ledger. A is inside a slow create of p000 when its
    liveness backend is terminated. B runs meanwhile: it must leave p000 alone (A's claim deadline has not
    passed), not find it on the platform yet and send it again. A records p000; nothing is posted twice."""
    world = worlds("w", eo.numbered_posts(2, ["pin"]), ledger=pg_url)
    method, path = CREATE["pin"]
    world.box.inject("slow", method=method, path=path, delay=8.0)
    proc, started = start_run(world, "host-a")
    wait_until(lambda: creates(world, "pin") == 1 or proc.poll() is not None, "A's first create")
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as admin:
        killed = [admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
                  for pid in pg_liveness_backends(pg_url, "host-a")]
    assert killed == [True]
    with world.open_ledger() as probe:  # A now fails the liveness test
        claimer = next(r.claimed_by for r in probe.rows() if r.post_id == "p000")
        wait_until(lambda: not probe.claimer_alive(claimer), "the server to end A's session")
    b_proc, b_started = start_run(world, "host-b")
    b = world.wait(b_proc, b_started)
    assert proc.poll() is None, "A's call ended before B ran: the slow fault was too short for this machine"
    a = world.wait(proc, started)
    assert b.code == 0 and a.code == 0, (a.stderr, b.stderr)
    skipped = by_pair(b)[("p000", "pin")]  # skipped, and said: A's claim runs until its deadline
    assert skipped["state"] == "skipped" and "claimed by" in skipped["error"]
    assert by_pair(a)[("p000", "pin")]["state"] == "published"
    assert world.counts() == Counter({("p000", "pin"): 1, ("p001", "pin"): 1})
    assert creates(world, "pin") == 2


@pytest.mark.slow
def test_a_server_idle_session_timeout_does_not_end_a_claimers_liveness(worlds: Any, pg_url: str) -> None:
    """idle_session_timeout set for the database (1 s) while A's create takes 4 s: A's sessions opt out of it
    (the liveness session is idle by design), so B, running meanwhile, still sees A alive."""
    import psycopg

    name = pg_url.rpartition("/")[2]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET idle_session_timeout = \'1s\'')
    world = worlds("w", eo.numbered_posts(2, ["pin"]), ledger=pg_url)
    method, path = CREATE["pin"]
    world.box.inject("slow", method=method, path=path, delay=4.0)
    proc, started = start_run(world, "host-a")
    wait_until(lambda: creates(world, "pin") == 1 or proc.poll() is not None, "A's first create")
    time.sleep(1.5)  # past the server's idle timeout
    with world.open_ledger() as probe:
        claimer = next(r.claimed_by for r in probe.rows() if r.post_id == "p000")
        assert probe.claimer_alive(claimer)
    a = world.wait(proc, started)
    assert a.code == 0, a.stderr
    assert {k: r["state"] for k, r in by_pair(a).items()} == {(p, "pin"): "published" for p in ("p000", "p001")}
    assert world.counts() == Counter({("p000", "pin"): 1, ("p001", "pin"): 1})


def test_a_claimer_whose_liveness_session_timed_out_starts_no_request(worlds: Any, pg_url: str) -> None:
    """The liveness session itself times out (SET idle_session_timeout on it): the claimer sees that before
    its call, sends nothing, and gives the claim back; the next run sends the post once."""
    world = worlds("w", eo.numbered_posts(1, ["pin"]), ledger=pg_url)
    publisher, ledger = publisher_for(world, "host-a")
    try:
        ledger._liveness.execute("SET idle_session_timeout = '100ms'")
        time.sleep(0.6)
        results = {(r.post, r.channel): r for r in run_due(publisher, load_posts(publisher.config).posts, NOW)}
    finally:
        ledger.close()
    result = results[("p000", "pin")]
    assert result.state == "retrying" and "lost its claim" in (result.error or "")
    # Nothing sent, the claim given back: the row is as before the claim (the look on the platform that a
    # long-past-due post gets first left it a transient failure due now).
    assert creates(world, "pin") == 0
    assert all(r.state == "failed" and r.transient and r.claimed_by is None for r in world.ledger_rows())
    assert [e["action"] for e in world.events()][-2:] == ["publishing", "stopped"]
    assert states_of(run_as(world, "host-b")) == {("p000", "pin"): "published"}
    assert world.counts() == Counter({("p000", "pin"): 1})


def states_of(results: dict[tuple[str, str], Result]) -> dict[tuple[str, str], str]:
    return {k: r.state for k, r in results.items()}


@pytest.fixture
def own_cluster() -> Iterator[tuple[str, Callable[[str], None]]]:
    """A throw-away PostgreSQL cluster on a free loopback port (the shared test server is never restarted):
    its URL, and `server(action)` for start, stop and restart."""
    import glob
    import shutil
    import socket

    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    pg_ctl = bins[-1] if bins else shutil.which("pg_ctl")
    if not pg_ctl:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl)")
    bindir = Path(pg_ctl).parent
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="socialpub-pg-"))  # not under pytest's 0700 folder: postgres must enter
    data = base / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]

    def ctl(*args: str) -> None:
        # The server's output to its log, never to a pipe of ours: a started server keeps it open.
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w",
                        "-t", "60", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=120)

    try:
        subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                        "--no-sync"], check=True, capture_output=True, timeout=120)
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        ctl("-o", options, "start")

        def server(action: str) -> None:
            ctl("-o", options, "start") if action == "start" else ctl("-m", "fast", action)

        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres", server
        finally:
            ctl("-m", "immediate", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_a_server_restart_mid_call_is_recorded_and_the_claimer_stops(
    worlds: Any, own_cluster: tuple[str, Callable[[str], None]]
) -> None:
    """The server restarts while A's create of p000 is in flight. A records p000 (its fenced settle runs on a
    new session), then starts nothing more: its liveness is gone. B, after the restart and while A's call
    still runs, leaves p000 alone. Everything is posted once."""
    url, server = own_cluster
    world = worlds("w", eo.numbered_posts(2, ["pin"]), ledger=url)
    method, path = CREATE["pin"]
    world.box.inject("slow", method=method, path=path, delay=8.0)
    world.ledger_rows()  # the tables exist before the race
    proc, started = start_run(world, "host-a")
    wait_until(lambda: creates(world, "pin") == 1 or proc.poll() is not None, "A's first create")
    server("restart")
    b = run_as(world, "host-b")  # p000 skipped (A's deadline); p001 is B's to send
    assert proc.poll() is None, "A's call ended before B ran: the slow fault was too short for this machine"
    a = world.wait(proc, started)
    assert a.code == 0, a.stderr
    assert by_pair(a)[("p000", "pin")]["state"] == "published"
    assert ("p000", "pin") not in b or b[("p000", "pin")].state == "skipped"
    assert world.counts() == Counter({("p000", "pin"): 1, ("p001", "pin"): 1})
    rows = {r.post_id: r for r in world.ledger_rows()}
    assert {k: r.state for k, r in rows.items()} == {"p000": "published", "p001": "published"}


@pytest.mark.slow
def test_a_ledger_down_at_the_settle_reports_the_outcome_and_the_next_run_reconciles(
    worlds: Any, own_cluster: tuple[str, Callable[[str], None]]
) -> None:
    """The server stops while A's create is in flight and is still down when the answer comes: A cannot
    record it, says what happened (`unknown`, exit 4, the pin's URL in the message), and the next run, with
    the server back, finds the pin instead of sending it again."""
    url, server = own_cluster
    world = worlds("w", eo.numbered_posts(1, ["pin"]), ledger=url)
    method, path = CREATE["pin"]
    world.box.inject("slow", method=method, path=path, delay=4.0)
    world.ledger_rows()
    proc, started = start_run(world, "host-a")
    wait_until(lambda: creates(world, "pin") == 1 or proc.poll() is not None, "A's first create")
    server("stop")
    a = world.wait(proc, started)
    server("start")
    assert a.code == 4, a.stderr
    result = by_pair(a)[("p000", "pin")]
    assert result["state"] == "unknown" and "the ledger could not record it" in result["error"]
    assert "published https://" in result["error"] and "Traceback" not in a.stderr
    rerun = world.wait(*start_run(world, "host-a"))  # A's host again: A's pid is gone, no deadline to wait for
    assert rerun.code == 0, rerun.stderr
    assert by_pair(rerun)[("p000", "pin")]["state"] == "published"
    assert "found on the platform" in by_pair(rerun)[("p000", "pin")]["hint"]
    assert world.counts() == Counter({("p000", "pin"): 1}) and creates(world, "pin") == 1


def test_the_fence_admits_exactly_the_current_claims_settle() -> None:
    """Any interleaving of claims (takeovers), settles and plain saves by three claimers on one ledger: a
    settle is written if and only if its claim is the current one and still held by it."""
    import tempfile
    from dataclasses import replace

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from socialpub.ledger import Row

    steps = st.lists(st.tuples(st.sampled_from(["claim", "settle", "save"]), st.integers(0, 2)), max_size=25)

    @given(steps=steps)
    @settings(max_examples=40, deadline=None)
    def check(steps: list[tuple[str, int]]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            ledgers = [open_ledger(str(Path(folder) / "l.db"), Path(folder), host=f"h{i}") for i in range(3)]
            try:
                held: dict[int, Row] = {}  # each claimer's last claimed row
                generation, holder = 0, None  # the model
                for action, who in steps:
                    ledger = ledgers[who]
                    if action == "claim":
                        row = ledger.claim("p", "c", lambda cur, ledger=ledger: replace(
                            cur or Row("p", "c", "new"), state="publishing", claimed_by=ledger.claimer))
                        assert row is not None
                        generation, holder = generation + 1, who
                        assert row.claim_generation == generation
                        held[who] = row
                    elif action == "settle" and who in held:
                        done = ledger.settle(replace(held[who], state="published", remote_id=f"r{who}",
                                                     claimed_by=None), holder=ledger.claimer)
                        assert done == (held[who].claim_generation == generation and holder == who)
                        if done:
                            holder = None
                    elif action == "save":
                        ledger.save(Row("p", "c", "missed"))  # a person, or the missed rule: no claim
                        holder = None
                    stored = ledgers[0].get("p", "c")
                    assert stored is None or stored.claim_generation == generation
            finally:
                for ledger in ledgers:
                    ledger.close()

    check()


def test_pause_during_publish_stops_the_posts_not_yet_started(worlds: Any) -> None:
    """`socialpub publish` of two posts (the Publisher, as the CLI drives it): `pause` lands while the first
    is being created; the second is `paused`, never sent, and its row is as it was (none)."""
    world = worlds("w", eo.numbered_posts(2, ["pin"]))
    route = next(r for r in world.box.table if r.name == eo.CREATE_ROUTES["pinterest"])
    handler = route.handler

    def pause_meanwhile(req: Any) -> Any:
        with world.open_ledger() as switch:
            switch.pause("recall", who="officer@test")
        return handler(req)

    route.handler = pause_meanwhile
    publisher, ledger = publisher_for(world, "here")
    try:
        reports = [check_post(p, publisher.config, publisher.renderer, now=NOW)
                   for p in sorted(load_posts(publisher.config).posts, key=lambda p: p.id)]
        results = {(r.post, r.channel): r for r in publisher.publish_now(reports)}
    finally:
        ledger.close()
    assert results[("p000", "pin")].state == "published"
    assert results[("p001", "pin")].state == "paused" and "recall" in (results[("p001", "pin")].error or "")
    assert creates(world, "pin") == 1 and {r.post_id for r in world.ledger_rows()} == {"p000"}


def test_a_pause_during_the_photo_uploads_of_a_page_post_stops_it_and_cleans_up(worlds: Any) -> None:
    """Facebook: several photos are uploaded unpublished, then one feed post attaches them. A stop between
    the uploads and that post makes no post, and the unpublished photos are removed."""
    spec = eo.PostSpec(id="album", publish_at=eo.AT, text="Lab notes: the bench in pictures.", title="Album",
                       channels=("fb",))
    world = worlds("w", [spec])
    post_file = world.root / "posts" / "album.md"
    text = post_file.read_text()
    post_file.write_text(text.replace('media = [', 'media = [{ path = "media/lab.png", alt = "The bench, again" }, ')
                         if 'media = [' in text else text)
    publisher, ledger = publisher_for(world, "here")
    try:
        post = load_posts(publisher.config).posts[0]
        rendered = check_post(post, publisher.config, publisher.renderer, now=NOW).renders[0]
        assert len(rendered.media) == 2, "the post needs two photos for this test"
        calls = 0

        def gate() -> None:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise Stopped("paused for the test", paused=True)

        with pytest.raises(Stopped):
            publisher.renderer.adapter("fb").publish(rendered, gate=gate)
    finally:
        ledger.close()
    assert calls == 2
    assert not [o for o in world.box.posts("facebook") if o["kind"] == "posts"]
    assert not [o for o in world.box.posts("facebook") if o["kind"] == "photos"]  # the uploads were removed
