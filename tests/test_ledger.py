"""The ledger's contract, on SQLite and on a real PostgreSQL server: one claim wins, nothing is lost."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest

from socialpub.ledger import MIGRATIONS, Ledger, PostgresLedger, Row, SQLiteLedger, open_ledger


def claim_new(ledger: Ledger, post: str = "p", channel: str = "c") -> Row | None:
    def decide(current: Row | None) -> Row | None:
        if current is not None:
            return None
        return Row(post_id=post, channel=channel, state="publishing", claimed_by=ledger.claimer, attempts=1)

    return ledger.claim(post, channel, decide)


def test_open_ledger_picks_the_backend(ledger_spec: str, tmp_path: Path) -> None:
    opened = open_ledger(ledger_spec, tmp_path)
    try:
        assert isinstance(opened, PostgresLedger if ledger_spec.startswith("postgresql") else SQLiteLedger)
    finally:
        opened.close()


def test_migrations_are_numbered_and_idempotent(ledger_spec: str, tmp_path: Path) -> None:
    for _ in range(2):
        opened = open_ledger(ledger_spec, tmp_path)
        with opened.transaction() as cur:
            cur.execute("SELECT version FROM schema_migrations")
            assert [r[0] for r in cur.fetchall()] == [v for v, _ in MIGRATIONS]
        opened.close()


def test_a_claim_is_won_once(ledger: Ledger) -> None:
    assert claim_new(ledger) is not None
    assert claim_new(ledger) is None
    row = ledger.get("p", "c")
    assert row is not None and row.state == "publishing" and row.attempts == 1


def test_rows_round_trip_every_field(ledger: Ledger) -> None:
    from datetime import datetime

    moment = datetime(2014, 9, 15, 14, 0, tzinfo=UTC)
    row = Row(
        post_id="p",
        channel="c",
        state="published",
        content_hash="ab" * 32,
        approval_code="3001314  Last Updated 6/14",
        git_commit="f" * 40,
        post_file="posts/p.md",
        scheduled_at=moment,
        published_at=moment,
        remote_id="42",
        url="https://x.com/i/status/42",
        extra_ids=["43", "44"],
        attempts=2,
        last_error=None,
    )
    ledger.save(row)
    got = ledger.get("p", "c")
    assert got is not None
    assert replace(got, updated_at=None) == replace(row, updated_at=None)


def test_threads_racing_for_one_row_claim_it_once(ledger: Ledger) -> None:
    wins: list[Row] = []
    barrier = threading.Barrier(8)

    def race() -> None:
        barrier.wait()
        won = claim_new(ledger)
        if won:
            wins.append(won)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1


def _process_claims(ledger_spec: str, base: str, rounds: int, queue: multiprocessing.Queue) -> None:
    opened = open_ledger(ledger_spec, Path(base))
    won = [f"{i}" for i in range(rounds) if claim_new(opened, post=f"p{i}")]
    opened.close()
    queue.put(won)


@pytest.mark.slow
def test_processes_racing_claim_each_row_once(ledger_spec: str, tmp_path: Path) -> None:
    open_ledger(ledger_spec, tmp_path).close()  # migrate first
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_process_claims, args=(ledger_spec, str(tmp_path), 30, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    won = [item for _ in procs for item in queue.get(timeout=60)]
    for p in procs:
        p.join(timeout=60)
    assert sorted(won) == sorted(f"{i}" for i in range(30))  # every row claimed, none twice


def test_a_dead_claimer_is_seen_dead_and_a_live_one_alive(ledger: Ledger, ledger_spec: str, tmp_path: Path) -> None:
    assert ledger.claimer_alive(ledger.claimer)
    other = open_ledger(ledger_spec, tmp_path)
    assert ledger.claimer_alive(other.claimer)
    claimer = other.claimer
    other.close()
    if isinstance(ledger, SQLiteLedger):
        # same process, so same pid: a claimer of a finished process is dead
        host, pid, token, started = claimer.split(":")
        assert not ledger.claimer_alive(f"{host}:999999999:{token}:{started}")
    else:
        import time

        deadline = time.monotonic() + 10  # the server ends the closed session asynchronously
        while ledger.claimer_alive(claimer) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not ledger.claimer_alive(claimer)


def test_a_reused_pid_is_not_taken_for_the_claimer(tmp_path: Path) -> None:
    """A crashed run's pid now belongs to another live process (pid reuse): its start time tells them apart.
    Claimer ids written before the start time was recorded (host:pid:random) keep the pid-only test."""
    import socket
    import subprocess
    import sys

    from socialpub.ledger import process_start

    ledger = SQLiteLedger(tmp_path / "ledger.db")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        host, started = socket.gethostname(), process_start(live.pid)
        assert started, "needs /proc"
        assert ledger.claimer_alive(f"{host}:{live.pid}:abcd1234:{started}")  # the claimer itself, alive
        boot, ticks = started.split(".")
        earlier = f"{boot}.{int(ticks) - 1}"  # the same pid, started a tick before: another process
        assert not ledger.claimer_alive(f"{host}:{live.pid}:abcd1234:{earlier}")
        assert ledger.claimer_alive(f"{host}:{live.pid}:abcd1234")  # old format: cannot tell, alive
    finally:
        live.kill()
        live.wait()
    ledger.close()


def test_events_and_pause_are_recorded(ledger: Ledger) -> None:
    row = claim_new(ledger)
    ledger.event("publishing", row, mode="run")
    assert ledger.pause("recall", who="alice@host")
    assert not ledger.pause("again", who="bob@host")
    assert ledger.paused()["paused_by"] == "alice@host"
    assert ledger.resume(who="bob@host") and ledger.paused() is None
    events = ledger.events()
    assert [e["action"] for e in events] == ["publishing", "pause", "resume"]
    assert events[0]["detail"] == {"mode": "run"} and events[1]["detail"] == {"reason": "recall"}


def test_sqlite_run_lock_is_exclusive(tmp_path: Path) -> None:
    first = SQLiteLedger(tmp_path / "l.db")
    second = SQLiteLedger(tmp_path / "l.db")
    with first.run_lock() as got:
        assert got
        with second.run_lock() as other:
            assert not other
    with second.run_lock() as got_after:
        assert got_after


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    SQLiteLedger(tmp_path / "l.db").close()
    mode = sqlite3.connect(tmp_path / "l.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_postgres_password_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from socialpub.errors import SocialpubError

    with pytest.raises(SocialpubError) as caught:
        PostgresLedger("postgresql://user:CANARY-pg-pass@127.0.0.1:1/db")
    assert "CANARY-pg-pass" not in str(caught.value)
