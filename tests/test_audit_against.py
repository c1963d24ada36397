"""`audit verify --against EXPORT`: an earlier export (signed or not) compared with the ledger. Every exported
event must still be in the ledger unchanged, in order, after the same event; the ledger may only have grown.
This is what shows a trail rewritten as a whole (every hash recomputed), which the chain alone cannot.

Tampering is done as someone with write access to the database would: raw SQL, then the chain recomputed."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialpub import audit
from socialpub.ledger import GENESIS, Ledger, Row, event_hash, open_ledger
from tests.helpers import Repo, cli
from tests.test_audit import events_at, raw, repo_db, some_events


def rechain(ledger: Ledger) -> None:
    """Every hash and link recomputed and the head moved to the last event: the chain verifies again."""
    prev, last = GENESIS, 0
    for event in list(ledger.chain_events()):
        digest = event_hash(event, prev)
        raw(ledger, "UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, event["id"]))
        prev, last = digest, event["id"]
    raw(ledger, "UPDATE chain_head SET last_id = ?, last_hash = ? WHERE id = 1", (last, prev))


def compared(ledger: Ledger, export: Path) -> audit.ChainReport:
    loaded, report = audit.verify_export(export)
    assert report.intact, report.breaks
    audit.compare_with_export(ledger, loaded, report)
    return report


def exported(ledger: Ledger, tmp_path: Path, suffix: str = ".jsonl") -> Path:
    """Every event exported; the ledger then grows by two events."""
    out = tmp_path / f"earlier{suffix}"
    audit.export_window(ledger, None, None, out)
    ledger.event("pause", None, reason="after the export")
    ledger.event("resume", None, reason="after the export")
    return out


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_ledger_that_only_grew_since_the_export_holds(ledger: Ledger, tmp_path: Path, suffix: str) -> None:
    some_events(ledger)
    report = compared(ledger, exported(ledger, tmp_path, suffix))
    assert report.intact, report.breaks
    assert audit.verify_ledger(ledger).intact


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
@pytest.mark.parametrize("what", ["changed", "deleted", "moved-actor"])
def test_a_trail_rewritten_as_a_whole_is_named_at_the_first_difference(ledger: Ledger, tmp_path: Path,
                                                                       suffix: str, what: str) -> None:
    some_events(ledger)
    export = exported(ledger, tmp_path, suffix)
    if what == "changed":
        raw(ledger, "UPDATE events SET url = 'https://x.com/i/99' WHERE id = 4")
        expected = (4, "differs in the ledger: url")
    elif what == "deleted":
        raw(ledger, "DELETE FROM events WHERE id = 4")
        expected = (4, "is not in the ledger: it was deleted")
    else:  # another actor in an old event: a person's name rewritten
        raw(ledger, "UPDATE events SET actor = 'mallory@host' WHERE id = 2")
        expected = (2, "differs in the ledger: actor")
    rechain(ledger)
    assert audit.verify_ledger(ledger).intact  # what the database alone can show
    report = compared(ledger, export)
    assert not report.intact
    first = report.breaks[0]
    assert first.event_id == expected[0] and expected[1] in first.message, report.breaks


def test_an_event_inserted_inside_the_exported_window_is_named(ledger: Ledger, tmp_path: Path) -> None:
    some_events(ledger)
    export = exported(ledger, tmp_path)
    # room made by moving the later events up, an event written into the gap, the chain recomputed
    raw(ledger, "UPDATE events SET id = id + 1000 WHERE id > 3")
    raw(ledger, "UPDATE events SET id = id - 999 WHERE id > 1000")
    columns = ("id", "at", "actor", "action", "post_id", "channel", "state", "prev_hash", "hash")
    raw(ledger, f"INSERT INTO events ({', '.join(columns)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (4, "2014-09-15T14:00:00+00:00", "mallory@host", "published", "p9", "tw", "published", "x", "x"))
    rechain(ledger)
    assert audit.verify_ledger(ledger).intact
    report = compared(ledger, export)
    first = report.breaks[0]
    assert first.event_id == 4 and "differs" in first.message, report.breaks  # #4 is now another event


def test_events_cut_from_the_end_with_the_head_moved_back_are_named(ledger: Ledger, tmp_path: Path) -> None:
    some_events(ledger)
    export = tmp_path / "all.jsonl"
    audit.export_window(ledger, None, None, export)
    raw(ledger, "DELETE FROM events WHERE id > 4")
    rechain(ledger)
    assert audit.verify_ledger(ledger).intact
    report = compared(ledger, export)
    assert [b.event_id for b in report.breaks][:1] == [5] and "deleted" in report.breaks[0].message
    assert any("went back" in b.message for b in report.breaks), report.breaks


def test_the_event_before_the_window_rewritten_is_named(ledger: Ledger, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    events_at(ledger, monkeypatch, [1, 5, 10, 15])
    export = tmp_path / "window.jsonl"
    header = audit.export_window(ledger, datetime(2014, 9, 5, tzinfo=UTC), None, export)
    assert header["before"]["id"] == 1 and header["first_id"] == 2
    raw(ledger, "UPDATE events SET action = 'failed' WHERE id = 1")
    rechain(ledger)
    assert audit.verify_ledger(ledger).intact
    report = compared(ledger, export)
    assert not report.intact and report.breaks[0].event_id == 1, report.breaks
    assert "event before the export's first (#2)" in report.breaks[0].message, report.breaks


# --- any tampering, found at its event (SQLite: a fresh ledger per example) ----------------------------------------


@given(n=st.integers(2, 8), data=st.data())
@settings(max_examples=60, deadline=None)
def test_any_rewrite_of_an_exported_event_is_found_at_that_event(n: int, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder, open_ledger(str(Path(folder) / "l.db"), Path(folder)) as ledger:
        for i in range(n):
            ledger.event("published", Row(post_id=f"p{i}", channel="tw", state="published", remote_id=str(i)))
        export = Path(folder) / "all.jsonl"
        audit.export_window(ledger, None, None, export)
        ledger.event("pause", None, reason="grown since")
        target = data.draw(st.integers(1, n), label="event")
        how = data.draw(st.sampled_from(["column", "delete"]), label="how")
        if how == "column":
            column = data.draw(st.sampled_from(["at", "actor", "action", "post_id", "channel", "state",
                                                "remote_id", "url", "detail"]), label="column")
            value = data.draw(st.text(max_size=10), label="value")
            before = next(iter(ledger.chain_events(target, target)))
            if before[column] == value:
                return
            raw(ledger, f"UPDATE events SET {column} = ? WHERE id = ?", (value, target))
        else:
            raw(ledger, "DELETE FROM events WHERE id = ?", (target,))
        rechain(ledger)
        report = compared(ledger, export)
        assert not report.intact and report.breaks[0].event_id == target, (how, report.breaks)


# --- on the command line --------------------------------------------------------------------------------------


@pytest.fixture
def repo_with_events(repo: Repo) -> Repo:
    for reason in ("recall drill", "drill over", "second drill", "over again"):
        command = "pause" if reason in ("recall drill", "second drill") else "resume"
        assert cli(repo, command, "--reason", reason)[0] == 0
    return repo


def rechain_file(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        prev, last = GENESIS, 0
        names = [c[1] for c in conn.execute("PRAGMA table_info(events)")]
        for values in conn.execute("SELECT * FROM events ORDER BY id").fetchall():
            event: dict[str, Any] = dict(zip(names, values, strict=True))
            digest = event_hash(event, prev)
            conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, event["id"]))
            prev, last = digest, event["id"]
        conn.execute("UPDATE chain_head SET last_id = ?, last_hash = ? WHERE id = 1", (last, prev))


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_audit_verify_against_on_the_command_line(repo_with_events: Repo, tmp_path: Path, suffix: str) -> None:
    repo = repo_with_events
    out = tmp_path / f"audit{suffix}"
    assert cli(repo, "audit", "export", "-o", str(out))[0] == 0
    assert cli(repo, "pause", "--reason", "later")[0] == 0
    code, said, err = cli(repo, "audit", "verify", "--against", str(out))
    assert code == 0 and "intact: 5 events" in said, (said, err)
    with sqlite3.connect(repo_db(repo)) as conn:
        conn.execute("UPDATE events SET detail = '{\"reason\": \"nothing happened\"}' WHERE id = 2")
    rechain_file(repo_db(repo))
    assert cli(repo, "audit", "verify")[0] == 0  # the rewritten chain verifies on its own
    code, said, err = cli(repo, "audit", "verify", "--against", str(out))
    assert code == 1 and "event #2 (resume" in err and "differs in the ledger: detail" in err, (said, err)
    code, said, _ = cli(repo, "audit", "verify", "--against", str(out), "--format", "json")
    assert code == 1 and json.loads(said)["first_breaks"][0]["event"] == 2


def test_audit_verify_against_an_edited_or_missing_export_is_refused_clearly(repo_with_events: Repo,
                                                                             tmp_path: Path) -> None:
    repo = repo_with_events
    out = tmp_path / "audit.jsonl"
    assert cli(repo, "audit", "export", "-o", str(out))[0] == 0
    out.write_text(out.read_text().replace("drill over", "drill ended"))
    code, _, err = cli(repo, "audit", "verify", "--against", str(out))
    assert code == 1 and "the export" in err and "event #2" in err, err
    code, _, err = cli(repo, "audit", "verify", "--against", str(tmp_path / "none.jsonl"))
    assert code == 2 and "--against" in err and "Traceback" not in err, err
    code, _, err = cli(repo, "audit", "verify", "--against", str(out), "--export", str(out))
    assert code == 2 and "--against" in err, err
    (tmp_path / "junk.jsonl").write_text("not json\n")
    code, _, err = cli(repo, "audit", "verify", "--against", str(tmp_path / "junk.jsonl"))
    assert code == 1 and "junk.jsonl:1" in err and "Traceback" not in err


def test_audit_verify_against_on_postgresql(repo: Repo, pg_url: str, tmp_path: Path) -> None:
    for command, reason in (("pause", "drill"), ("resume", "over")):
        assert cli(repo, "--ledger", pg_url, command, "--reason", reason)[0] == 0
    out = tmp_path / "audit.csv"
    assert cli(repo, "--ledger", pg_url, "audit", "export", "-o", str(out))[0] == 0
    assert cli(repo, "--ledger", pg_url, "audit", "verify", "--against", str(out))[0] == 0
    with open_ledger(pg_url, tmp_path) as ledger:
        raw(ledger, "UPDATE events SET actor = 'mallory@host' WHERE id = 1")
        rechain(ledger)
    code, _, err = cli(repo, "--ledger", pg_url, "audit", "verify", "--against", str(out))
    assert code == 1 and "event #1 (pause" in err and "actor" in err, err
