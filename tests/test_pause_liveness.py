"""The crisis switch inside a running run, and claims that a live claimer never loses to another host.

Real `socialpub run` processes (host identity from SOCIALPUB_HOST) against the sandbox on loopback, with its
`slow` fault holding a create request while the test pauses, kills the claimer's liveness session, times it
out or restarts the PostgreSQL server; real SQLite and PostgreSQL ledgers (docs/exactly-once.md).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
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

_spec = importlib.util.spec_from_file_location(
    "socialpub_bench_exactly_once", Path(__file__).resolve().parent.parent / "bench" / "exactly_once.py"
)
assert _spec is not None and _spec.loader is not None
eo = sys.modules.get(_spec.name) or importlib.util.module_from_spec(_spec)
if _spec.name not in sys.modules:
    sys.modules[_spec.name] = eo
    _spec.loader.exec_module(eo)

NOW = eo.AT + timedelta(hours=1)
CREATE = {  # the request that makes the post: (method, path regex) for Sandbox.inject
    "tw": ("POST", r"/2/tweets$"),
    "fb": ("POST", r"/photos$"),
    "yt": ("POST", r"/upload/youtube/v3/videos"),
    "pin": ("POST", r"/v5/pins$"),
}


# --- helpers -------------------------------------------------------------------------------------------------


@pytest.fixture
def worlds(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    made: list[Any] = []

    def make(name: str, posts: list[Any], **kw: Any) -> Any:
        world = eo.World(tmp_path / name, posts, inprocess=True, **kw)
        made.append(world)
        return world

    yield make
    for world in made:
        world.close()


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
    assert world.cli("resume").code == 0
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
