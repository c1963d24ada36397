"""The tamper-evident audit trail: the hash chain on SQLite and PostgreSQL, `audit verify`, `audit export`,
signatures with ssh-keygen, and the reasons recorded for deliberate acts (README, "Audit trail").

Tampering is done as an attacker would: raw SQL on the database file or server, edits of the export file."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub import audit
from socialpub.ledger import EVENT_COLUMNS, GENESIS, MIGRATIONS, Ledger, Row, event_hash, open_ledger
from tests import helpers
from tests.helpers import Repo, cli

# --- helpers ---------------------------------------------------------------------------------------------------


def some_events(ledger: Ledger, n: int = 6) -> None:
    for i in range(n):
        row = Row(post_id=f"p{i}", channel="tw", state="published", remote_id=str(i), url=f"https://x.com/i/{i}")
        ledger.event("published", row, attempt=i)


def raw(ledger: Ledger, statement: str, params: tuple[Any, ...] = ()) -> None:
    """Write to the ledger's database behind socialpub's back, as someone with write access could."""
    if ledger.kind == "sqlite":
        conn = sqlite3.connect(ledger.path)  # type: ignore[attr-defined]
        with conn:
            conn.execute(statement, params)
        conn.close()
        return
    import psycopg

    with psycopg.connect(ledger.url, autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(statement.replace("?", "%s"), params)


def first_break(ledger: Ledger) -> audit.Break:
    report = audit.verify_ledger(ledger)
    assert not report.intact
    return report.breaks[0]


# --- the chain -------------------------------------------------------------------------------------------------


def test_every_event_is_chained_to_the_one_before(ledger: Ledger) -> None:
    some_events(ledger)
    ledger.pause("drill", who="alice@host")
    ledger.resume(who="bob@host", reason="drill over")
    events = list(ledger.chain_events())
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))  # one order, no gaps
    assert events[0]["prev_hash"] == GENESIS
    for before, event in zip(events, events[1:], strict=False):
        assert event["prev_hash"] == before["hash"]
    for event in events:
        assert event["hash"] == event_hash(event, event["prev_hash"])
    head = ledger.chain_head()
    assert (head["id"], head["hash"]) == (events[-1]["id"], events[-1]["hash"])
    assert audit.verify_ledger(ledger).intact


def test_the_events_table_has_no_column_the_hash_leaves_out(ledger: Ledger) -> None:
    """A column added to `events` later must be added to EVENT_COLUMNS too, or it would not be sealed."""
    with ledger.transaction() as cur:
        cur.execute("SELECT * FROM events WHERE 1 = 0")
        columns = {d[0] for d in cur.description}
    assert columns == {*EVENT_COLUMNS, "prev_hash", "hash"}


def test_the_canonical_content_is_documented_json() -> None:
    event = {c: None for c in EVENT_COLUMNS} | {"id": 7, "at": "2014-09-15T14:00:00+00:00", "actor": "é@h",
                                               "action": "pause", "detail": '{"reason": "x"}'}
    text = ('{"action":"pause","actor":"é@h","approval_code":null,"at":"2014-09-15T14:00:00+00:00",'
            '"channel":null,"content_hash":null,"detail":"{\\"reason\\": \\"x\\"}","git_commit":null,"id":7,'
            '"post_id":null,"prev_hash":"' + GENESIS + '","remote_id":null,"state":null,"url":null}')
    import hashlib

    assert event_hash(event, GENESIS) == hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("column,value", [("actor", "mallory@host"), ("detail", '{"reason": "other"}'),
                                          ("at", "2014-01-01T00:00:00+00:00"), ("url", None)])
def test_a_changed_event_is_named(ledger: Ledger, column: str, value: Any) -> None:
    some_events(ledger)
    raw(ledger, f"UPDATE events SET {column} = ? WHERE id = 3", (value,))
    found = first_break(ledger)
    assert found.event_id == 3 and "was changed" in found.message


def test_a_deleted_event_is_named(ledger: Ledger) -> None:
    some_events(ledger)
    raw(ledger, "DELETE FROM events WHERE id = 3")
    found = first_break(ledger)
    assert found.event_id == 4 and "#2" in found.message and "deleted" in found.message


def test_deleted_events_at_the_end_are_found_by_the_head(ledger: Ledger) -> None:
    some_events(ledger)
    raw(ledger, "DELETE FROM events WHERE id >= 5")
    found = first_break(ledger)
    assert found.event_id == 6 and "chain head" in found.message and "deleted" in found.message


def test_a_deleted_chain_head_is_named_and_nothing_more_is_recorded_until_restored(ledger: Ledger) -> None:
    """Without its head, a chain cut from the end would verify: the missing head is itself a break, and
    socialpub records nothing more (a claim's event fails before any request is sent) with a clear error."""
    from socialpub.ledger import LedgerError

    some_events(ledger)
    raw(ledger, "DELETE FROM events WHERE id >= 5")
    raw(ledger, "DELETE FROM chain_head")
    found = first_break(ledger)
    assert "chain head" in found.message and "missing" in found.message
    with pytest.raises(LedgerError, match="lost its chain head"):
        ledger.event("publishing", None, post_id="p", channel="tw")
    assert [e["id"] for e in ledger.chain_events()] == [1, 2, 3, 4]


def test_an_inserted_event_is_named(ledger: Ledger) -> None:
    some_events(ledger)
    raw(ledger, "INSERT INTO events (id, at, actor, action) VALUES (7, '2014-09-15T14:00:00+00:00', 'x', 'publish')")
    found = first_break(ledger)
    assert found.event_id == 7 and "no hash" in found.message


def test_an_event_forged_with_correct_links_but_past_the_head_is_named(ledger: Ledger) -> None:
    some_events(ledger)
    head = ledger.chain_head()
    forged = {c: None for c in EVENT_COLUMNS} | {"id": head["id"] + 1, "at": "2014-09-15T14:00:00+00:00",
                                                "actor": "mallory@host", "action": "resolve"}
    digest = event_hash(forged, head["hash"])
    raw(ledger, "INSERT INTO events (id, at, actor, action, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
        (forged["id"], forged["at"], forged["actor"], forged["action"], head["hash"], digest))
    found = first_break(ledger)
    assert found.event_id == head["id"] + 1 and "past the chain head" in found.message


def test_two_swapped_events_are_named(ledger: Ledger) -> None:
    some_events(ledger)
    raw(ledger, "UPDATE events SET id = -1 WHERE id = 2")
    raw(ledger, "UPDATE events SET id = 2 WHERE id = 4")
    raw(ledger, "UPDATE events SET id = 4 WHERE id = -1")
    report = audit.verify_ledger(ledger)
    named = [b.event_id for b in report.breaks]
    assert named[0] == 2 and 4 in named


def test_a_chain_rewritten_as_a_whole_verifies_but_its_head_differs(ledger: Ledger) -> None:
    """What the chain cannot prove on its own (README): someone with write access may recompute every hash.
    The head recorded elsewhere (an export's, a signed one) is what shows it."""
    some_events(ledger)
    recorded = ledger.chain_head()["hash"]
    raw(ledger, "UPDATE events SET actor = 'mallory@host' WHERE id = 2")
    prev = GENESIS
    for event in list(ledger.chain_events()):
        digest = event_hash(event, prev)
        raw(ledger, "UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, event["id"]))
        prev = digest
    raw(ledger, "UPDATE chain_head SET last_hash = ? WHERE id = 1", (prev,))
    assert audit.verify_ledger(ledger).intact
    assert ledger.chain_head()["hash"] != recorded
    found = audit.verify_ledger(ledger, (6, recorded))  # `audit verify --head` with the head kept elsewhere
    assert [b.event_id for b in found.breaks] == [6] and "rewritten" in found.breaks[0].message


@pytest.mark.parametrize("cut", [1, 3])
def test_events_cut_from_the_end_with_the_head_are_found_only_by_a_head_kept_elsewhere(ledger: Ledger,
                                                                                        cut: int) -> None:
    some_events(ledger)
    kept = ledger.chain_head()
    raw(ledger, "DELETE FROM events WHERE id > ?", (6 - cut,))
    shorter = next(e for e in ledger.chain_events(6 - cut, 6 - cut))
    raw(ledger, "UPDATE chain_head SET last_id = ?, last_hash = ? WHERE id = 1", (6 - cut, shorter["hash"]))
    assert audit.verify_ledger(ledger).intact  # what the database alone can show
    found = audit.verify_ledger(ledger, (kept["id"], kept["hash"]))
    assert [b.event_id for b in found.breaks] == [6] and "deleted" in found.breaks[0].message
    assert audit.verify_ledger(ledger, (6 - cut, shorter["hash"])).intact  # an older head kept: still there
    ledger.event("pause", None, reason="later events")  # the chain goes on: a head kept earlier still holds
    assert audit.verify_ledger(ledger, (6 - cut, shorter["hash"])).intact


def _old_ledger_with_events(ledger_spec: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """A ledger made by a socialpub before the chain (migrations up to the one before it), with events."""
    import socialpub.ledger as ledger_module

    before = [m for m in MIGRATIONS if m[1] is not ledger_module._start_the_chain]
    before = before[: [m[1] for m in MIGRATIONS].index(ledger_module._start_the_chain)]
    monkeypatch.setattr(ledger_module, "MIGRATIONS", before)
    old = open_ledger(ledger_spec, tmp_path)
    for i in range(n):
        with old.transaction() as cur:
            cur.execute(old.sql("INSERT INTO events (at, actor, action, post_id, detail) VALUES (?, ?, ?, ?, ?)"),
                        (f"2014-09-0{i + 1}T10:00:00+00:00", "cron@host", "published", f"p{i}", '{"n": 1}'))
    old.close()
    monkeypatch.undo()


def test_the_migration_chains_the_events_on_record_once_and_says_so(ledger_spec: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _old_ledger_with_events(ledger_spec, tmp_path, monkeypatch, 3)
    with open_ledger(ledger_spec, tmp_path) as upgraded:
        events = upgraded.events()
        assert [e["action"] for e in events] == ["published"] * 3 + ["chain-started"]
        assert events[-1]["detail"] == {"chained": 3, "first_id": 1, "last_id": 3}
        assert upgraded.chain_head()["chained"] == 3
        assert audit.verify_ledger(upgraded).intact
        upgraded.event("pause", None, reason="after the upgrade")
    with open_ledger(ledger_spec, tmp_path) as again:  # the migration ran once: nothing chained twice
        assert [e["action"] for e in again.events()].count("chain-started") == 1
        assert audit.verify_ledger(again).intact
        assert again.chain_head()["id"] == 5


@pytest.mark.parametrize("count", [1, 3])
def test_events_written_outside_the_chain_after_it_began_are_named_and_never_stop_socialpub(ledger: Ledger,
                                                                                            count: int) -> None:
    """A host still running a socialpub older than the chain (or someone by hand) appends events without hashes
    after the migration: socialpub's next appends still succeed (publishing goes on), the chain continues from
    its head, and `audit verify` names each such event once."""
    some_events(ledger, 2)
    for i in range(count):  # as the older socialpub wrote its events: the next id, no chain columns
        raw(ledger, "INSERT INTO events (id, at, actor, action, post_id) VALUES "
                    "((SELECT MAX(id) + 1 FROM events), ?, ?, ?, ?)",
            (f"2026-01-0{i + 1}T00:00:00+00:00", "old@host", "published", f"old{i}"))
    ledger.event("published", Row(post_id="after", channel="tw", state="published"))
    ledger.pause("still writes", who="alice@host")
    events = list(ledger.chain_events())
    assert [e["actor"] for e in events[2:2 + count]] == ["old@host"] * count
    assert events[-2]["prev_hash"] == events[1]["hash"] and events[-1]["prev_hash"] == events[-2]["hash"]
    report = audit.verify_ledger(ledger)
    assert report.count == count
    assert [b.event_id for b in report.breaks] == [3 + i for i in range(count)]
    assert all("has no hash" in b.message for b in report.breaks)


ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)  # surrogates and NUL included


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actor_name=ANY_TEXT, post=ANY_TEXT, url=ANY_TEXT, reason=ANY_TEXT)
def test_any_text_in_any_event_column_is_written_and_chained_on_both_databases(
        ledger: Ledger, actor_name: str, post: str, url: str, reason: str) -> None:
    """Text from the OS (an actor or host name with undecodable bytes), a platform (a URL with a NUL) or a
    person: the event is written (pause, the crisis switch, never fails on it) and the chain verifies."""
    row = Row(post_id=post, channel="tw", state="published", url=url, remote_id=url)
    ledger.event("published", row, who=actor_name or None, reason=reason)
    assert ledger.pause(reason, who=actor_name or None)
    assert ledger.resume(who=actor_name or None, reason=reason)
    assert audit.verify_ledger(ledger).intact


def test_a_login_name_that_is_not_utf8_never_stops_pause(repo: Repo) -> None:
    """The actor comes from the OS (SOCIALPUB_ACTOR, the login name): bytes that are not UTF-8 are recorded
    escaped, and the crisis switch works."""
    environ = {k.encode(): v.encode("utf-8", "surrogateescape") for k, v in os.environ.items()}
    environ[b"SOCIALPUB_ACTOR"] = b"al\xffice"
    for args in (["pause", "--reason", "recall"], ["resume", "--reason", "over"], ["audit", "verify"]):
        done = subprocess.run([sys.executable, "-m", "socialpub", "--config", str(repo.root / "channels.toml"), *args],
                              env=environ, capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    events = json.loads(cli(repo, "history", "--format", "json")[1])["events"]
    assert [e["actor"].split("@")[0] for e in events] == ["al\\xffice"] * 2


def test_the_same_events_hash_the_same_on_sqlite_and_postgresql(pg_url: str, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The canonical form depends on no database: one history written to both gives the same chain, so an
    export verifies whichever ledger it came from (and a ledger moved from one to the other keeps its hashes)."""
    import socialpub.ledger as ledger_module

    monkeypatch.setattr(ledger_module, "utcnow", lambda: datetime(2014, 10, 20, 15, 0, 1, 999, tzinfo=UTC))
    chains = []
    for ledger_spec in (str(tmp_path / "ledger.db"), pg_url):
        with open_ledger(ledger_spec, tmp_path) as opened:
            row = Row("p\u00e9-\U0001f642", "tw", "published", remote_id="1", url="https://x.com/i/1\x00",
                      approval_code="=A1 \u202e", git_commit="c" * 40, content_hash="h" * 64)
            opened.event("published", row, who="al\udcffice@host", published_at="2014-10-20T15:00:00+00:00",
                         text="\u0000\ud800 \U0001f642" + "x" * 100_000, n=2**60, flag=True, none=None)
            opened.pause("a reason", who="bob@host")
            chains.append([(e["id"], e["hash"]) for e in opened.chain_events()])
    assert chains[0] == chains[1] and len(chains[0]) == 2


def test_a_fresh_ledger_records_no_chain_start_event(ledger: Ledger) -> None:
    assert ledger.events() == [] and ledger.chain_head()["chained"] == 0


# --- concurrent and crashing writers ---------------------------------------------------------------------------


def _append_events(ledger_spec: str, base: str, n: int, tag: str) -> None:
    opened = open_ledger(ledger_spec, Path(base))
    for i in range(n):
        opened.event("publishing", None, post_id=f"{tag}-{i}", channel="tw", n=i)
    opened.close()


@pytest.mark.slow
def test_processes_appending_at_once_make_one_chain(ledger_spec: str, tmp_path: Path) -> None:
    """Several processes (several hosts on PostgreSQL) append at the same time: one chain, no gaps, intact."""
    open_ledger(ledger_spec, tmp_path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_events, args=(ledger_spec, str(tmp_path), 25, f"w{k}")) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    with open_ledger(ledger_spec, tmp_path) as opened:
        report = audit.verify_ledger(opened)
        assert report.intact, report.breaks
        assert report.events == 100 and (report.first_id, report.last_id) == (1, 100)


def _append_forever(ledger_spec: str, base: str, tag: str) -> None:
    opened = open_ledger(ledger_spec, Path(base))
    i = 0
    while True:
        opened.event("publishing", None, post_id=f"{tag}-{i}", channel="tw")
        i += 1


@pytest.mark.slow
def test_writers_killed_mid_append_leave_an_intact_chain(ledger_spec: str, tmp_path: Path) -> None:
    """SIGKILL at arbitrary moments of appends (two writers at once): each event is in the chain whole, or
    not at all; the chain verifies, and later appends continue it."""
    open_ledger(ledger_spec, tmp_path).close()
    ctx = multiprocessing.get_context("spawn")
    for round_no in range(3):
        procs = [ctx.Process(target=_append_forever, args=(ledger_spec, str(tmp_path), f"r{round_no}w{k}"))
                 for k in range(2)]
        for p in procs:
            p.start()
        deadline = time.monotonic() + 60
        with open_ledger(ledger_spec, tmp_path) as watcher:  # kill once they are surely appending
            while watcher.chain_head()["id"] < 20 * (round_no + 1) and time.monotonic() < deadline:
                time.sleep(0.05)
        time.sleep(0.1 * round_no)
        for p in procs:
            os.kill(p.pid, signal.SIGKILL)
        for p in procs:
            p.join(timeout=30)
    with open_ledger(ledger_spec, tmp_path) as opened:
        opened.event("resume", None, reason="after the kills")
        report = audit.verify_ledger(opened)
        assert report.intact, report.breaks
        assert report.events >= 60


# --- any single change is found (hypothesis) -----------------------------------------------------------------

TEXT = st.text(max_size=12)
EVENT = st.fixed_dictionaries({
    "at": st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda d: d.replace(tzinfo=UTC).isoformat(timespec="seconds")),
    "actor": TEXT, "action": st.sampled_from(["publishing", "published", "pause", "resolve", "retract"]),
    **{c: st.none() | TEXT for c in ("post_id", "channel", "state", "remote_id", "url", "content_hash",
                                     "approval_code", "git_commit", "detail")},
})


def chain_of(contents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    events, prev = [], GENESIS
    for number, content in enumerate(contents, 1):
        event = {"id": number, **content}
        event["prev_hash"], event["hash"] = prev, event_hash(event, prev)
        prev = event["hash"]
        events.append(event)
    return events


@settings(max_examples=300, deadline=None)
@given(contents=st.lists(EVENT, min_size=1, max_size=8), data=st.data())
def test_any_single_field_change_to_any_event_is_found_at_that_event(contents: list[dict[str, Any]],
                                                                     data: st.DataObject) -> None:
    events = chain_of(contents)
    assert audit.walk(events).intact
    index = data.draw(st.integers(0, len(events) - 1))
    column = data.draw(st.sampled_from([*EVENT_COLUMNS, "prev_hash", "hash"]))
    old = events[index][column]
    new = data.draw((st.integers() if column == "id" else st.none() | st.text(max_size=70)).filter(
        lambda v: v != old))
    events[index][column] = new
    report = audit.walk(events)
    assert not report.intact
    assert report.breaks[0].event_id == events[index]["id"]


@settings(max_examples=200, deadline=None)
@given(contents=st.lists(EVENT, min_size=2, max_size=8), data=st.data())
def test_any_deleted_or_moved_event_is_found(contents: list[dict[str, Any]], data: st.DataObject) -> None:
    events = chain_of(contents)
    index = data.draw(st.integers(0, len(events) - 2))  # the last one's deletion is the head's to find
    if data.draw(st.booleans()):
        del events[index]
    else:
        events[index], events[index + 1] = events[index + 1], events[index]
    assert not audit.walk(events).intact


# --- the command: audit verify ---------------------------------------------------------------------------------


@pytest.fixture
def repo_with_events(repo: Repo) -> Repo:
    assert cli(repo, "pause", "--reason", "recall drill")[0] == 0
    assert cli(repo, "resume", "--reason", "drill over")[0] == 0
    assert cli(repo, "pause", "--reason", "second drill")[0] == 0
    assert cli(repo, "resume", "--reason", "over again")[0] == 0
    return repo


def repo_db(repo: Repo) -> Path:
    return repo.root / ".socialpub" / "ledger.db"


def test_audit_verify_exits_0_when_intact_and_1_naming_the_event_when_not(repo_with_events: Repo) -> None:
    repo = repo_with_events
    code, out, err = cli(repo, "audit", "verify")
    assert code == 0 and "intact: 4 events" in out and "chain head: event #4" in out, (out, err)
    with sqlite3.connect(repo_db(repo)) as conn:
        conn.execute("UPDATE events SET detail = '{\"reason\": \"nothing\"}' WHERE id = 2")
    code, out, err = cli(repo, "audit", "verify")
    assert code == 1 and "NOT intact" in err and "event #2 (resume" in err and "was changed" in err
    code, out, _ = cli(repo, "audit", "verify", "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["command"] == "audit" and data["intact"] is False
    assert data["first_breaks"][0]["event"] == 2


def test_audit_verify_head_checks_the_head_kept_as_it_was_printed(repo_with_events: Repo) -> None:
    repo = repo_with_events
    code, out, _ = cli(repo, "audit", "verify")
    printed = out.split("chain head: ")[1].strip()  # "event #4 HASH"
    number, digest = printed.removeprefix("event #").split()
    for written in (printed, f"{number}:{digest}", f"#{number} {digest.upper()}"):
        assert cli(repo, "audit", "verify", "--head", written)[0] == 0, written
    assert cli(repo, "pause", "--reason", "later")[0] == 0
    assert cli(repo, "audit", "verify", "--head", f"{number}:{digest}")[0] == 0  # the chain went on
    with sqlite3.connect(repo_db(repo)) as conn:  # the last events cut, the head moved back with them
        conn.execute("DELETE FROM events WHERE id >= 4")
        conn.execute("UPDATE chain_head SET last_id = 3, last_hash = (SELECT hash FROM events WHERE id = 3)")
    assert cli(repo, "audit", "verify")[0] == 0
    code, _, err = cli(repo, "audit", "verify", "--head", f"{number}:{digest}")
    assert code == 1 and f"event #{number}, the chain head kept, is not in the ledger" in err
    for bad in ("", "4", "4:abc", f"x:{digest}", f"4:{digest}0", "4:" + "g" * 64):
        code, _, err = cli(repo, "audit", "verify", "--head", bad)
        assert code == 2 and "--head" in err and "Traceback" not in err, bad


def test_history_shows_the_chain_fields(repo_with_events: Repo, tmp_path: Path) -> None:
    code, out, _ = cli(repo_with_events, "history", "--format", "json")
    events = json.loads(out)["events"]
    assert code == 0 and events[1]["prev_hash"] == events[0]["hash"] and len(events[1]["hash"]) == 64
    code, out, _ = cli(repo_with_events, "history", "--format", "csv", "--chain", "-o", str(tmp_path / "h.csv"))
    header = (tmp_path / "h.csv").read_text().splitlines()[0].split(",")
    assert header[-3:] == ["id", "prev_hash", "hash"]
    code, out, _ = cli(repo_with_events, "history", "--format", "csv")
    assert "prev_hash" not in out.splitlines()[0]  # only on request: spreadsheets built on it keep their columns


# --- exports ---------------------------------------------------------------------------------------------------


def events_at(ledger: Ledger, monkeypatch: pytest.MonkeyPatch, days: list[int], **columns: Any) -> None:
    import socialpub.ledger as ledger_module

    for day in days:
        monkeypatch.setattr(ledger_module, "utcnow", lambda day=day: datetime(2014, 9, day, 12, tzinfo=UTC))
        ledger.event("published", Row(post_id=f"p{day}", channel="tw", state="published", **columns), day=day)
    monkeypatch.undo()


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_an_export_of_a_window_verifies_offline(ledger: Ledger, tmp_path: Path, suffix: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    events_at(ledger, monkeypatch, [1, 5, 10, 15, 20], url="=HYPERLINK(\"http://evil\")", approval_code="'x")
    out = tmp_path / f"window{suffix}"
    header = audit.export_window(ledger, datetime(2014, 9, 5, tzinfo=UTC), datetime(2014, 9, 16, tzinfo=UTC), out)
    assert header["events"] == 3 and header["before"]["id"] == 1 and header["head"]["id"] == 5
    ledger.close()
    if ledger.kind == "postgresql":
        import psycopg

        with pytest.raises(psycopg.Error):  # really offline: the database is gone, the export still verifies
            psycopg.connect(ledger.url + "_gone", connect_timeout=5)  # type: ignore[attr-defined]
    export, report = audit.verify_export(out)
    assert report.intact, report.breaks
    assert [e["post_id"] for e in export.events] == ["p5", "p10", "p15"]
    assert export.events[0]["url"] == "=HYPERLINK(\"http://evil\")"
    if suffix == ".csv":
        assert "\n=" not in out.read_text() and ",=" not in out.read_text()  # the formula guard holds


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_an_edited_export_fails(ledger: Ledger, tmp_path: Path, suffix: str) -> None:
    some_events(ledger)
    out = tmp_path / f"all{suffix}"
    audit.export_window(ledger, None, None, out)
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    edits = {
        "changed": text.replace("https://x.com/i/3", "https://x.com/i/4", 1),
        "line removed": "".join(lines[:3] + lines[4:]),
        "last removed": "".join(lines[:-1]),
    }
    for what, edited in edits.items():
        out.write_text(edited, encoding="utf-8")
        _, report = audit.verify_export(out)
        assert not report.intact, what


def test_audit_export_and_verify_on_the_command_line(repo_with_events: Repo, tmp_path: Path) -> None:
    repo = repo_with_events
    out = tmp_path / "audit.jsonl"
    code, said, err = cli(repo, "audit", "export", "--from", "2000-01-01", "--to", "2999-12-31", "-o", str(out))
    assert code == 0 and "wrote 4 events" in said, err
    code, said, err = cli(repo, "audit", "verify", "--export", str(out))
    assert code == 0 and "intact: 4 events" in said
    out.write_text(out.read_text().replace("drill over", "drill ended"))
    code, said, err = cli(repo, "audit", "verify", "--export", str(out))
    assert code == 1 and "event #2" in err and "was changed" in err
    code, _, err = cli(repo, "audit", "export", "-o", str(tmp_path / "audit.txt"))
    assert code == 2 and ".jsonl or a .csv" in err
    code, _, err = cli(repo, "audit", "export", "--from", "2014-10-01", "--to", "2014-09-30", "-o", str(out))
    assert code == 2 and "not before --to" in err
    (tmp_path / "junk.jsonl").write_text("not json\n")
    code, _, err = cli(repo, "audit", "verify", "--export", str(tmp_path / "junk.jsonl"))
    assert code == 1 and "junk.jsonl:1" in err and "Traceback" not in err


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.none() | st.text())
def test_the_export_csv_cell_round_trips_and_never_starts_a_formula(value: str | None) -> None:
    import csv
    import io

    cell = audit.csv_cell(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([cell, "x"])
    (back, _), = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert audit.csv_value(back) == value


# --- signatures --------------------------------------------------------------------------------------------------

needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")


def keypair(folder: Path, name: str, passphrase: str = "") -> tuple[Path, str]:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", str(key)], check=True,
                   stdin=subprocess.DEVNULL)
    kind, blob = key.with_suffix(".pub").read_text().split()[:2]
    return key, f"{kind} {blob}"


@needs_ssh_keygen
def test_two_exports_to_one_file_at_once_leave_one_whole_export_with_its_own_signature(
        ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While one export is being signed, another (unsigned, another window) writes the same FILE: the file
    left is one of them whole, and a signature beside it is that file's."""
    some_events(ledger)
    key, public = keypair(tmp_path, "audit")
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"audit@example.com {public}\n")
    out = tmp_path / "audit.jsonl"
    real = audit.sign_export

    def meanwhile(path: Path, key_ref: str, environ: Any = None) -> Path:
        audit.export_window(ledger, None, datetime(2000, 1, 1, tzinfo=UTC), out)  # the other one, whole
        return real(path, key_ref, environ)

    monkeypatch.setattr(audit, "sign_export", meanwhile)
    audit.export_window(ledger, None, None, out, key=str(key))
    assert audit.verify_export(out)[1].intact
    assert audit.verify_signature(out, signers)
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


@needs_ssh_keygen
def test_a_signed_export_verifies_with_its_key_and_not_with_another_nor_after_an_edit(
        repo_with_events: Repo, tmp_path: Path) -> None:
    repo = repo_with_events
    key, public = keypair(tmp_path, "audit")
    _, other = keypair(tmp_path, "other")
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"audit@example.com {public}\n")
    strangers = tmp_path / "other_signers"
    strangers.write_text(f"audit@example.com {other}\n")
    out = tmp_path / "signed.csv"
    code, said, err = cli(repo, "audit", "export", "-o", str(out), "--sign", str(key))
    assert code == 0 and (tmp_path / "signed.csv.sig").is_file(), err
    assert key.read_text().splitlines()[1] not in said + err  # the key itself is never shown

    code, said, err = cli(repo, "audit", "verify", "--export", str(out), "--signers", str(signers))
    assert code == 0 and 'Good "socialpub-audit" signature for audit@example.com' in said, (said, err)
    code, said, err = cli(repo, "audit", "verify", "--export", str(out), "--signers", str(signers),
                          "--identity", "audit@example.com")
    assert code == 0
    code, _, err = cli(repo, "audit", "verify", "--export", str(out), "--signers", str(strangers))
    assert code == 1 and "no key of" in err
    code, _, err = cli(repo, "audit", "verify", "--export", str(out), "--signers", str(strangers),
                       "--identity", "audit@example.com")
    assert code == 1 and "does not verify" in err

    out.write_bytes(out.read_bytes() + b"\r\n")  # an edit that leaves every event as it was
    code, _, err = cli(repo, "audit", "verify", "--export", str(out), "--signers", str(signers))
    assert code == 1 and "does not verify" in err


@needs_ssh_keygen
def test_a_key_in_an_environment_variable_signs_and_is_never_shown(repo_with_events: Repo, tmp_path: Path) -> None:
    key, public = keypair(tmp_path, "ci")
    text = key.read_text()
    out = tmp_path / "ci.jsonl"
    code, said, err = cli(repo_with_events, "audit", "export", "-o", str(out), "--sign", "env:AUDIT_KEY",
                          env={"AUDIT_KEY": text})
    assert code == 0, err
    assert not any(line in said + err for line in text.splitlines()[1:-1])
    signers = tmp_path / "signers"
    signers.write_text(f"ci {public}\n")
    assert audit.verify_signature(out, signers).startswith('Good "socialpub-audit" signature for ci')


@needs_ssh_keygen
def test_a_passphrase_protected_key_fails_clearly_without_waiting_for_anyone(repo_with_events: Repo,
                                                                             tmp_path: Path) -> None:
    key, _ = keypair(tmp_path, "locked", passphrase="canary-passphrase-8d1f")
    out = tmp_path / "locked.jsonl"
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "socialpub", "--config", str(repo_with_events.root / "channels.toml"),
                           "audit", "export", "-o", str(out), "--sign", str(key)],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert time.monotonic() - started < 100
    assert proc.returncode == 2 and "passphrase" in proc.stderr and "Traceback" not in proc.stderr
    assert "canary-passphrase-8d1f" not in proc.stdout + proc.stderr
    assert not out.exists() and not (tmp_path / "locked.jsonl.sig").exists()  # nothing was written


# --- reasons for deliberate acts -------------------------------------------------------------------------------


def test_resume_without_a_reason_off_a_terminal_does_nothing(repo: Repo) -> None:
    assert cli(repo, "pause", "--reason", "recall")[0] == 0
    code, _, err = cli(repo, "resume")
    assert code == 2 and "--reason" in err and "nothing was done" in err
    code, out, _ = cli(repo, "status", "--format", "json")
    assert json.loads(out)["paused"] is not None  # still paused
    assert cli(repo, "resume", "--reason", "   ")[0] == 2
    assert cli(repo, "resume", "--reason", "x" * 1001)[0] == 2
    for invisible in ("\u200b\u200b", "\x1b\x07", "\u202e\u2060\ufeff", "\u3000\t\u00a0"):  # no visible word
        assert cli(repo, "resume", "--reason", invisible)[0] == 2, repr(invisible)
    assert json.loads(cli(repo, "status", "--format", "json")[1])["paused"] is not None


def test_pause_with_an_invisible_reason_records_that_none_was_given(repo: Repo) -> None:
    code, _, err = cli(repo, "pause", "--reason", "\u200b\u2060")
    assert code == 0 and "no reason given" in err
    (event,) = json.loads(cli(repo, "history", "--format", "json")[1])["events"]
    assert event["detail"]["reason"] == "no reason given"


def test_resolve_retract_and_again_need_a_reason_before_anything_is_done(repo: Repo) -> None:
    code, _, err = cli(repo, "resolve", "p", "--channel", "f1", "--not-published")
    assert code == 2 and "resolving needs a reason" in err
    code, _, err = cli(repo, "retract", "p", "--yes")
    assert code == 2 and "retracting needs a reason" in err
    code, _, err = cli(repo, "publish", "posts/p.md", "--again", "--yes")
    assert code == 2 and "publishing again needs a reason" in err
    assert not repo_db(repo).exists()  # not even the ledger was opened


def test_pause_without_a_reason_pauses_warns_and_records_that_none_was_given(repo: Repo) -> None:
    code, out, err = cli(repo, "pause")
    assert code == 0 and "Publishing is paused." in out and "warning" in err and "no reason given" in err
    assert cli(repo, "resume", "--reason", "false alarm")[0] == 0
    events = json.loads(cli(repo, "history", "--format", "json")[1])["events"]
    assert [(e["action"], e["detail"].get("reason")) for e in events] == [
        ("pause", "no reason given"), ("resume", "false alarm")]
    assert all("@" in e["actor"] for e in events)


CANARY = "canary-TW-token-5e1f0a9b7c"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.text(max_size=40), after=st.text(max_size=40))
def test_a_reason_holding_a_configured_secret_or_control_characters_never_shows_them(
        repo: Repo, before: str, after: str) -> None:
    """A person pastes a token into a reason (or escape sequences, bidi overrides, NUL): pause and resume never
    sign in, yet the configured secret is in no ledger row, history or status; control characters are shown
    escaped, never sent raw to the output."""
    env = {"TW_TOKEN": CANARY}
    reason = f"{before} {CANARY} \x1b[2J\x1b]8;;http://x\x07\u202e{after}"
    assert cli(repo, "pause", "--reason", reason, env=env)[0] == 0
    shown = "".join(cli(repo, *args, env=env)[1] for args in (["status"], ["status", "--format", "json"]))
    assert cli(repo, "resume", "--reason", reason, env=env)[0] == 0
    shown += "".join(cli(repo, *args, env=env)[1] for args in (["history"], ["history", "--format", "json"],
                                                              ["history", "--format", "csv"]))
    assert CANARY not in shown and "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    stored = b"".join(p.read_bytes() for p in (repo.root / ".socialpub").glob("ledger.db*"))
    assert CANARY.encode() not in stored


def on_terminal(repo: Repo, args: list[str], answer: bytes) -> tuple[int | None, bytes]:
    """socialpub ARGS on a pseudo-terminal: `answer` typed once it asks for the reason; (exit code, output)."""
    return helpers.on_terminal(["--config", str(repo.root / "channels.toml"), *args], b"audit trail", answer)


def test_a_reason_is_asked_for_on_a_terminal_and_recorded(repo: Repo) -> None:
    assert cli(repo, "pause", "--reason", "recall")[0] == 0
    code, seen = on_terminal(repo, ["resume"], b"the recall is over\r")
    assert code == 0 and b"Why resuming?" in seen, seen
    events = json.loads(cli(repo, "history", "--format", "json")[1])["events"]
    assert events[-1]["action"] == "resume" and events[-1]["detail"]["reason"] == "the recall is over"


def test_ctrl_c_at_the_reason_prompt_does_nothing(repo: Repo) -> None:
    assert cli(repo, "pause", "--reason", "recall")[0] == 0
    code, seen = on_terminal(repo, ["resume"], b"\x03")
    assert code == 130 and b"Traceback" not in seen, seen
    assert json.loads(cli(repo, "status", "--format", "json")[1])["paused"] is not None


def test_audit_verify_on_the_command_line_with_postgresql(repo: Repo, pg_url: str) -> None:
    assert cli(repo, "--ledger", pg_url, "pause", "--reason", "drill")[0] == 0
    assert cli(repo, "--ledger", pg_url, "resume", "--reason", "over")[0] == 0
    code, out, _ = cli(repo, "--ledger", pg_url, "audit", "verify")
    assert code == 0 and "intact: 2 events" in out
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM events WHERE id = 1")
    code, _, err = cli(repo, "--ledger", pg_url, "audit", "verify")
    assert code == 1 and "event #2 (resume" in err and "start of the chain" in err


ZONES = sorted(__import__("zoneinfo").available_timezones())


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(min_value=datetime(1990, 1, 1).date(),
                                                  max_value=datetime(2037, 12, 31).date()))
def test_a_date_is_its_whole_day_in_any_zone_across_any_dst_change(zone: str, day: Any) -> None:
    """--from/--since DATE and --to DATE (audit export, history, export 2253): a day starts at its first
    moment, even where a DST change skips or repeats midnight; consecutive days tile with no gap or overlap."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from socialpub.posts import day_start

    tz = ZoneInfo(zone)
    start = day_start(day, tz).astimezone(UTC)
    assert start.astimezone(tz).date() == day
    assert (start - timedelta(seconds=1)).astimezone(tz).date() < day
    assert day_start(day + timedelta(days=1), tz) > day_start(day, tz)


def test_a_date_whose_midnight_a_dst_change_skips_is_accepted(repo: Repo, tmp_path: Path) -> None:
    """America/Santiago: on 2026-09-06 the clocks jump from 24:00 to 01:00, so that day has no 00:00."""
    from tests.helpers import BASE_CONFIG

    repo.write_config(base=BASE_CONFIG.replace('timezone = "America/New_York"', 'timezone = "America/Santiago"'))
    assert cli(repo, "pause", "--reason", "x")[0] == 0
    for window in (["--from", "2026-09-06", "--to", "2026-09-30"], ["--from", "2026-09-01", "--to", "2026-09-05"]):
        code, out, err = cli(repo, "audit", "export", *window, "-o", str(tmp_path / "a.jsonl"))
        assert code == 0, err
        header = json.loads((tmp_path / "a.jsonl").read_text().splitlines()[0])
        assert header["from" if window[1] == "2026-09-06" else "to"] == "2026-09-06T04:00:00+00:00"
    assert cli(repo, "history", "--since", "2026-09-06")[0] == 0


def test_the_window_of_an_export_ends_with_the_whole_last_day(repo: Repo, tmp_path: Path) -> None:
    from socialpub.cli import _end_of

    config = repo.config()
    end = _end_of("2014-09-30", config, "--to")
    assert end is not None
    local = end.astimezone(config.defaults.timezone)
    assert (local.date().isoformat(), local.hour, local.minute) == ("2014-10-01", 0, 0)
    assert _end_of("2014-09-30T12:00Z", config, "--to") == datetime(2014, 9, 30, 12, tzinfo=UTC)


# --- hostile input: values no socialpub writes, exports edited at random ------------------------------------------


@pytest.mark.parametrize("value", ["x'00ff41'", "CAST(x'41ff1b5b33316d41' AS TEXT)", "3.5"])
def test_values_written_by_hand_in_sqlite_are_named_not_a_crash(repo_with_events: Repo, tmp_path: Path,
                                                                value: str) -> None:
    with sqlite3.connect(repo_db(repo_with_events)) as conn:
        conn.execute(f"UPDATE events SET action = {value} WHERE id = 3")
    code, out, err = cli(repo_with_events, "audit", "verify")
    assert code == 1 and "event #3" in err and "Traceback" not in err and "internal error" not in err
    assert "\x1b" not in out + err  # what was written by hand is shown, never obeyed by the terminal
    code, _, err = cli(repo_with_events, "audit", "export", "-o", str(tmp_path / "x.jsonl"))
    assert code in (0, 1) and "internal error" not in err


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("exported")
    with open_ledger(str(folder / "l.db"), folder) as opened:
        some_events(opened, 4)
        opened.pause("=cmd|' /C calc'!A0", who="@mallory")
        files = {}
        for suffix in (".jsonl", ".csv"):
            audit.export_window(opened, None, None, folder / f"e{suffix}")
            files[suffix] = (folder / f"e{suffix}").read_bytes()
    return files


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from([".jsonl", ".csv"]), data=st.data())
def test_any_edit_of_an_export_is_found_or_refused_never_a_crash(exported: dict[str, bytes], tmp_path: Path,
                                                                  suffix: str, data: st.DataObject) -> None:
    """An edit of an event's bytes (any position, any replacement) fails verification with a message, never
    a traceback. (The header's own fields are protected by the signature, not by the chain.)"""
    from socialpub.errors import SocialpubError

    original = exported[suffix]
    first_event = original.index(b"\n", original.index(b"\n") + 1) + 1 if suffix == ".csv" else \
        original.index(b"\n") + 1
    start = data.draw(st.integers(first_event, len(original) - 1))
    end = data.draw(st.integers(start, min(len(original), start + 8)))
    replacement = data.draw(st.binary(max_size=8))
    edited = original[:start] + replacement + original[end:]
    path = tmp_path / f"edited{suffix}"
    path.write_bytes(edited)
    try:
        export, report = audit.verify_export(path)
    except SocialpubError:
        return  # refused with a message: not an intact export
    if report.intact:  # only an edit that changed nothing an event holds (CSV quoting, say) may pass
        _, untouched = audit.verify_export(_write(tmp_path / f"orig{suffix}", original))
        assert [e for e in export.events] == [e for e in audit.read_export(tmp_path / f"orig{suffix}").events]
        assert untouched.intact


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_an_export_that_is_a_fifo_is_refused_not_waited_for(tmp_path: Path) -> None:
    from socialpub.errors import SocialpubError

    fifo = tmp_path / "audit.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(SocialpubError, match="not a regular file"):
        audit.verify_export(fifo)


@pytest.mark.parametrize("value", [[1], {"a": 1}, 1.5, None, True, "1"])
def test_an_export_whose_event_id_was_edited_into_any_json_fails_with_a_message(exported: dict[str, bytes],
                                                                               tmp_path: Path, value: Any) -> None:
    lines = exported[".jsonl"].decode().splitlines()
    event = json.loads(lines[2])
    event["id"] = value
    path = _write(tmp_path / "e.jsonl", "\n".join([*lines[:2], json.dumps(event), *lines[3:]]).encode())
    _, report = audit.verify_export(path)
    assert not report.intact


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                           max_leaves=6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.integers(0, 5), key=st.sampled_from([*audit.LINKED, "format", "before", "head", "events",
                                                     "first_id", "last_id"]), value=JSON_VALUES)
def test_any_json_value_in_any_field_of_an_export_is_found_or_refused(exported: dict[str, bytes], tmp_path: Path,
                                                                       line: int, key: str, value: Any) -> None:
    from socialpub.errors import SocialpubError

    lines = exported[".jsonl"].decode().splitlines()
    record = json.loads(lines[line])
    if record.get(key) == value or (line == 0) != (key not in audit.LINKED):
        return  # no change, or a field the record does not have
    record[key] = value
    lines[line] = json.dumps(record)
    path = _write(tmp_path / "e.jsonl", "\n".join(lines).encode())
    try:
        _, report = audit.verify_export(path)
    except SocialpubError:
        return
    if line > 0 or key in ("before", "events", "first_id", "last_id", "format"):
        assert not report.intact, (line, key, value)


def test_without_ssh_keygen_signing_is_a_clear_error_and_nothing_is_written(repo_with_events: Repo,
                                                                            tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    (tmp_path / "key").write_text("not used\n")
    code, _, err = cli(repo_with_events, "audit", "export", "-o", str(out), "--sign", str(tmp_path / "key"),
                       env={"PATH": str(tmp_path / "empty")})
    assert code == 2 and "needs ssh-keygen" in err and not out.exists()


@settings(max_examples=25, deadline=None)
@given(target=st.integers(1, 5), column=st.sampled_from([*EVENT_COLUMNS, "prev_hash", "hash"]),
       value=st.none() | st.text(max_size=20) | st.integers(-5, 10**6))
def test_any_single_field_changed_by_sql_in_a_real_ledger_is_found(target: int, column: str, value: Any) -> None:
    """The same as the in-memory property, through SQLite itself (its type affinity, its NULLs)."""
    with tempfile.TemporaryDirectory() as folder:
        with open_ledger(str(Path(folder) / "l.db"), Path(folder)) as opened:
            some_events(opened, 5)
            before = {e["id"]: e for e in opened.chain_events()}
            conn = sqlite3.connect(Path(folder) / "l.db")
            try:
                with conn:
                    conn.execute(f"UPDATE events SET {column} = ? WHERE id = ?", (value, target))
            except sqlite3.IntegrityError:  # an id that another event has, a NULL where NOT NULL: refused
                return
            finally:
                conn.close()
            after = {e["id"]: e for e in opened.chain_events()}
            if after == before:
                return  # the same value again: nothing changed
            report = audit.verify_ledger(opened)
            assert not report.intact
            if column != "id":
                assert report.breaks[0].event_id == target
