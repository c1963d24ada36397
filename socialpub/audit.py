"""The audit trail as evidence: verify the ledger's hash chain, export a window of it, sign an export.

The chain itself (what is hashed, how appends are serialised) is in socialpub.ledger; this module walks it.
An export is a header (the window, the link into it, the chain head) and the window's events as stored, in
JSON Lines or CSV, so that `audit verify --export` checks it with no database. A signature is made and checked
by OpenSSH's `ssh-keygen -Y sign/verify` (namespace `socialpub-audit`), the tool git uses for signed commits.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialpub.errors import ExitCode, SocialpubError
from socialpub.ledger import EVENT_COLUMNS, GENESIS, Ledger, actor, event_hash, iso, utcnow
from socialpub.redact import redact, remember
from socialpub.report import formula_like

FORMAT = "socialpub-audit-export"
NAMESPACE = "socialpub-audit"  # ssh-keygen -Y's namespace: a signature made for something else never verifies here
LINKED = (*EVENT_COLUMNS, "prev_hash", "hash")  # an event as stored: its columns and its two chain links
MAX_BREAKS = 20  # the breaks kept for the report; all are counted


class AuditError(SocialpubError):
    """The trail or an export is not intact, or a signature does not verify: exit 1."""

    exit_code = ExitCode.FINDINGS


@dataclass
class Break:
    event_id: Any
    message: str


@dataclass
class ChainReport:
    """What walking a chain found: the first breaks (in chain order), how many there are, what was walked."""

    events: int = 0
    breaks: list[Break] = field(default_factory=list)
    count: int = 0
    first_id: Any = None
    last_id: Any = None
    last_hash: str | None = None
    hashes: dict[Any, str] = field(default_factory=dict)  # only those asked for (the head's)

    @property
    def intact(self) -> bool:
        return self.count == 0

    def add(self, event_id: Any, message: str) -> None:
        self.count += 1
        if len(self.breaks) < MAX_BREAKS:
            self.breaks.append(Break(event_id, message))


def walk(events: Iterable[Mapping[str, Any]], prev_hash: str = GENESIS, prev_id: Any = None,
         *, remember_ids: Iterable[Any] = ()) -> ChainReport:
    """Recompute each event's hash and follow the links; name every event that does not match.

    An event whose content no longer gives its hash was changed (or its hash was). An intact event whose
    prev_hash is not the hash of the event before it follows a gap: an event was deleted, inserted or moved.
    The next link is checked against the stored hash, so that one changed event is named once, not twice."""
    report = ChainReport()
    wanted = set(remember_ids)
    for event in events:
        report.events += 1
        event_id = event.get("id")
        report.first_id = event_id if report.first_id is None else report.first_id
        stored, link = event.get("hash"), event.get("prev_hash")
        where = f"event #{event_id} ({event.get('action')}, {event.get('at')})"
        if not stored or not link:
            report.add(event_id, f"{where} has no hash: it was written outside socialpub's chain (by hand, or by "
                                  "a socialpub older than the chain, after the chain began)")
        elif not _hashable(event, link):
            report.add(event_id, f"{where} holds a value that is not text (bytes, or text that is not UTF-8): "
                                  "written by hand")
        elif event_hash(event, link) != stored:
            report.add(event_id, f"{where} was changed after it was written: its content no longer gives its hash")
        elif link != prev_hash:
            gap = isinstance(event_id, int) and isinstance(prev_id, int) and event_id != prev_id + 1
            before = f"#{prev_id}" if prev_id is not None else "the start of the chain"
            if gap:
                why = f"the event(s) between {before} and it were deleted"
            elif prev_id is None:
                why = "an event before it was deleted, or it was inserted or moved"
            else:
                why = f"it, or {before}, was inserted or moved (or an event between them was deleted)"
            report.add(event_id, f"{where} does not link to {before}: {why}")
        if isinstance(event_id, int) and event_id in wanted:  # an edited export's id may be anything
            report.hashes[event_id] = str(stored)
        if stored or link:  # one without either is not in the chain: named above, the next links past it
            prev_hash, prev_id = (stored or ""), event_id
    report.last_id, report.last_hash = prev_id, prev_hash
    return report


def _hashable(event: Mapping[str, Any], link: Any) -> bool:
    try:
        event_hash(event, link)
    except (TypeError, ValueError):  # bytes (a BLOB), a lone surrogate (undecodable text): UnicodeError too
        return False
    return True


def parse_kept_head(text: str) -> tuple[int, str]:
    """A chain head as an operator kept it: `ID:HASH` (`#ID HASH`, as `audit verify` prints it, too)."""
    import re

    found = re.fullmatch(r"\s*(?:event\s+)?#?(\d{1,18})[:\s]+([0-9a-fA-F]{64})\s*", text)
    if not found:
        raise SocialpubError(f"{text[:80]!r} is not a chain head", key="--head",
                             hint="give it as audit verify printed it: ID:HASH, e.g. 1234:9f86d08…(64 hex digits)")
    return int(found[1]), found[2].lower()


def verify_ledger(ledger: Ledger, kept: tuple[int, str] | None = None) -> ChainReport:
    """The whole chain of the ledger, and its head: the head read before the walk must be an event walked,
    with the same hash (else events at the end were deleted); no event walked may lie past the head read
    after the walk (else it was appended outside socialpub). Safe while others append.

    `kept` is a head recorded earlier outside the database (`audit verify --head`): its event must still be in
    the chain with that hash. Only that shows events cut from the end together with the head, or a chain
    rewritten as a whole, by someone who could write the database."""
    head = ledger.chain_head()
    report = walk(ledger.chain_events(), remember_ids=[head["id"], *([kept[0]] if kept else [])])
    if kept is not None:
        seen = report.hashes.get(kept[0])
        if seen is None:
            report.add(kept[0], f"event #{kept[0]}, the chain head kept, is not in the ledger: events at the end "
                                "of the trail were deleted (with its head), or the ledger is another one")
        elif seen != kept[1]:
            report.add(kept[0], f"event #{kept[0]} does not have the hash kept for it: the trail was rewritten "
                                "from it or before it (every hash recomputed)")
    after = ledger.chain_head()
    if head["id"] is None:  # the chain's migration always makes the head: its row was deleted
        report.add(None, "the chain head (the one row of chain_head) is missing: it was deleted, and with it the "
                         "check that no events were cut from the end")
    if head["id"]:
        seen = report.hashes.get(head["id"])
        if seen is None:
            report.add(head["id"], f"the chain head is event #{head['id']}, which is not in the ledger: events at "
                                   "the end of the trail were deleted")
        elif seen != head["hash"]:
            report.add(head["id"], f"event #{head['id']} is the chain head, but its hash is not the head's: it "
                                   "was replaced")
    if isinstance(report.last_id, int) and after["id"] is not None and report.last_id > after["id"]:
        report.add(report.last_id, f"event #{report.last_id} lies past the chain head (#{after['id']}): it was "
                                   "appended outside socialpub")
    return report


# --- exports ---------------------------------------------------------------------------------------------------


def export_window(ledger: Ledger, start: Any, end: Any, path: Path, *, key: str | None = None,
                  environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Write the events from `start` (inclusive) to `end` (exclusive) to `path` (.jsonl or .csv) with the
    link into the window and the chain head, signed with `key` into `path.sig` when given. Any older
    `path.sig` is removed (it would not match); when signing fails, nothing is written.

    The window is contiguous in chain order: from the first event at or after `start` to the last before
    `end`, so that its links can be followed (an event between them stamped outside the window by a host's
    clock is included)."""
    writer = _format_of(path)
    head = ledger.chain_head()
    first, last = ledger.event_ids_between(iso(start), iso(end))
    events = list(ledger.chain_events(first, last)) if first is not None and last is not None and first <= last \
        else []
    for event in events:
        if not _hashable(event, event.get("prev_hash")):
            raise AuditError(f"event #{event['id']} holds a value that is not text: it was written by hand, and "
                             "cannot be exported as it is", hint="socialpub audit verify names what else is wrong; "
                             "nothing was written")
    boundary = events[0]["id"] if events else first
    if boundary is not None:
        before = ledger.event_before(boundary)
    else:  # nothing at or after `start`: the window would begin after the head
        before = (head["id"], head["hash"]) if head["id"] else None
    header = {
        "format": FORMAT,
        "version": 1,
        "from": iso(start),
        "to": iso(end),
        "exported_at": iso(utcnow()),
        "exported_by": actor(),
        "ledger": ledger.kind,
        "before": {"id": before[0], "hash": before[1]} if before else {"id": None, "hash": GENESIS},
        "events": len(events),
        "first_id": events[0]["id"] if events else None,
        "last_id": events[-1]["id"] if events else None,
        "head": {"id": head["id"], "hash": head["hash"]},
    }
    text = writer(header, events)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")  # its own: exports at once never mix
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _sig_path(path).unlink(missing_ok=True)
        partial.write_text(text, encoding="utf-8", newline="")
        if key is not None:
            sign_export(partial, key, environ).replace(_sig_path(path))
        partial.replace(path)
    except OSError as exc:
        raise SocialpubError(f"cannot write {path}: {exc.strerror}", hint="choose a writable place with -o") from None
    finally:
        partial.unlink(missing_ok=True)
        _sig_path(partial).unlink(missing_ok=True)
    return header


def _format_of(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _jsonl
    if suffix == ".csv":
        return _csv
    raise SocialpubError(f"{path}: an audit export is a .jsonl or a .csv file", key="-o",
                         hint="name the file audit.jsonl (JSON Lines) or audit.csv (for a spreadsheet)")


def _jsonl(header: dict[str, Any], events: list[dict[str, Any]]) -> str:
    lines = [json.dumps(header, ensure_ascii=False)]
    lines += [json.dumps({c: e[c] for c in LINKED}, ensure_ascii=False) for e in events]
    return "\n".join(lines) + "\n"


# The CSV: a `record` column ("export": the header as JSON in `detail`; "event": one event) and the event's
# columns. Cells go through the project's formula guard, made reversible so that the export verifies offline:
# a cell that starts like a formula, or with an apostrophe, or is empty text, gets one leading apostrophe;
# an empty cell is null.
CSV_COLUMNS = ("record", *LINKED)


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text == "" or text.startswith("'") or formula_like(text) else text


def csv_value(cell: str) -> str | None:
    if cell == "":
        return None
    return cell[1:] if cell.startswith("'") else cell


def _csv(header: dict[str, Any], events: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(_header_row(header))
    for event in events:
        writer.writerow([csv_cell(v) for v in ("event", *(event[c] for c in LINKED))])
    return buffer.getvalue()


def _header_row(header: dict[str, Any]) -> list[str]:
    row: dict[str, Any] = dict.fromkeys(CSV_COLUMNS)
    row["record"] = "export"
    row["detail"] = json.dumps(header, ensure_ascii=False, sort_keys=True)
    return [csv_cell(row[c]) for c in CSV_COLUMNS]


@dataclass
class Export:
    header: dict[str, Any]
    events: list[dict[str, Any]]


def read_export(path: Path, option: str = "--export") -> Export:
    """An export read back; what is not an export of this format is an AuditError naming file and line."""
    raw = _read_regular(path, option)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AuditError(f"{path} is not UTF-8 text (byte {exc.start}): not an intact export") from None
    reader = _read_csv if path.suffix.lower() == ".csv" else _read_jsonl
    return reader(path, text)


def _read_regular(path: Path, option: str) -> bytes:
    """A regular file's bytes; a FIFO, a device or a folder is refused before anything is read (never waited
    for), and so is a missing file: a usage error, nothing was checked."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise SocialpubError(f"cannot read {path}: {exc.strerror}", key=option) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SocialpubError(f"{path} is not a regular file", key=option, hint="give the export's file")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


def _read_jsonl(path: Path, text: str) -> Export:
    records = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise AuditError("not a JSON object: the export was edited or cut", file=path, line=number) from None
        if not isinstance(record, dict):
            raise AuditError("not a JSON object: the export was edited or cut", file=path, line=number)
        records.append((number, record))
    if not records or records[0][1].get("format") != FORMAT:
        raise AuditError(f"the first line is not the header of a {FORMAT}", file=path, line=1,
                         hint="audit verify --export reads files written by `socialpub audit export`")
    events = []
    for number, record in records[1:]:
        unknown = set(record) - set(LINKED)
        if unknown or not set(LINKED) <= set(record):
            raise AuditError("not an event of the export (its fields differ): the export was edited", file=path,
                             line=number)
        events.append(record)
    return Export(records[0][1], events)


def _read_csv(path: Path, text: str) -> Export:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise AuditError(f"not a CSV file socialpub wrote ({exc}): the export was edited", file=path) from None
    if not rows or tuple(rows[0]) != CSV_COLUMNS:
        raise AuditError(f"the first row is not the header of a {FORMAT}", file=path, line=1)
    header: dict[str, Any] | None = None
    events = []
    for number, cells in enumerate(rows[1:], 2):
        if len(cells) != len(CSV_COLUMNS):
            raise AuditError(f"{len(cells)} cells, not {len(CSV_COLUMNS)}: the export was edited", file=path,
                             line=number)
        values = dict(zip(CSV_COLUMNS, (csv_value(c) for c in cells), strict=True))
        if values["record"] == "export" and header is None:
            try:
                header = json.loads(values["detail"] or "")
            except ValueError:
                header = None
            continue
        if values["record"] != "event":
            raise AuditError("neither the export's header nor an event: the export was edited", file=path,
                             line=number)
        try:
            values["id"] = int(values["id"]) if values["id"] is not None else None
        except ValueError:
            raise AuditError("an event id that is not a number: the export was edited", file=path,
                             line=number) from None
        del values["record"]
        events.append(values)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise AuditError(f"no header of a {FORMAT} (row 2)", file=path, line=2)
    return Export(header, events)


def verify_export(path: Path, option: str = "--export") -> tuple[Export, ChainReport]:
    """An export checked on its own: every event's hash, every link from the event before the window on, the
    count, and the chain head when the window ends there."""
    export = read_export(path, option)
    header = export.header
    before = header.get("before") if isinstance(header.get("before"), dict) else {}
    head = header.get("head") if isinstance(header.get("head"), dict) else {}
    report = walk(export.events, str(before.get("hash") or ""), before.get("id"))
    if header.get("events") != len(export.events):
        report.add(None, f"the header counts {header.get('events')!r} events and the file holds "
                         f"{len(export.events)}: events were removed or added")
    ends = export.events[-1] if export.events else None
    if ends is not None and head.get("id") == ends.get("id") and head.get("hash") != ends.get("hash"):
        report.add(ends.get("id"), f"event #{ends.get('id')} is the chain head, but its hash is not the head's")
    if ends is not None and (header.get("first_id"), header.get("last_id")) != (export.events[0].get("id"),
                                                                                 ends.get("id")):
        report.add(None, "the header's first and last event ids are not those of the events in the file")
    return export, report


def compare_with_export(ledger: Ledger, export: Export, report: ChainReport) -> None:
    """Add to `report` where the ledger no longer holds what an earlier export of it holds: every exported event
    must be in the ledger unchanged (every column and both links), in the same order with nothing between them,
    after the same event; the ledger may only have grown since (its head at or past the export's, which is
    still there). A ledger rewritten as a whole (every hash recomputed) shows here, as with a kept head."""
    header = export.header
    before = header.get("before") if isinstance(header.get("before"), dict) else {}
    head = header.get("head") if isinstance(header.get("head"), dict) else {}
    ids = [event.get("id") for event in export.events]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids) or ids != sorted(set(ids)):
        report.add(None, "the export's event ids are not increasing numbers: the export was edited")
        return
    if ids:
        found, first = ledger.event_before(ids[0]), ids[0]
        expected = (before.get("id"), before.get("hash")) if before.get("id") is not None else None
        if found != expected:  # the link into the window: the event before it, as it was
            had = f"#{expected[0]}" if expected else "none (the start of the chain)"
            now = f"#{found[0]}" if found else "none"
            changed = " with another hash: it was changed" if found and expected and found[0] == expected[0] else ""
            report.add(expected[0] if expected else first,
                       f"the event before the export's first (#{first}) was {had}; in the ledger it is {now}{changed}")
        ours = iter(ledger.chain_events(ids[0], ids[-1]))
        theirs = iter(export.events)
        mine, exported = next(ours, None), next(theirs, None)
        while mine is not None or exported is not None:
            if exported is None or (mine is not None and mine["id"] < exported["id"]):
                report.add(mine["id"], f"event #{mine['id']} ({mine.get('action')}, {mine.get('at')}) is in the "
                                       "ledger among the exported events but not in the export: inserted since")
                mine = next(ours, None)
                continue
            where = f"event #{exported['id']} ({exported.get('action')}, {exported.get('at')}) of the export"
            if mine is None or mine["id"] > exported["id"]:
                report.add(exported["id"], f"{where} is not in the ledger: it was deleted")
            else:
                changed = [column for column in LINKED if mine.get(column) != exported.get(column)]
                if changed:
                    report.add(exported["id"], f"{where} differs in the ledger: {', '.join(changed)}")
                mine = next(ours, None)
            exported = next(theirs, None)
    head_id, head_hash = head.get("id"), head.get("hash")
    if isinstance(head_id, int) and not isinstance(head_id, bool):
        found_head = next(iter(ledger.chain_events(head_id, head_id)), None)
        if found_head is None or found_head["id"] != head_id:
            report.add(head_id, f"event #{head_id}, the chain head when the export was made, is not in the ledger: "
                                "events at the end of the trail were deleted")
        elif found_head.get("hash") != head_hash:
            report.add(head_id, f"event #{head_id}, the chain head when the export was made, has another hash in "
                                "the ledger: the trail was rewritten from it or before it")
        now_head = ledger.chain_head()["id"]
        if isinstance(now_head, int) and now_head < head_id:
            report.add(now_head, f"the ledger's chain head is #{now_head}, before the export's (#{head_id}): the "
                                 "ledger went back, where it may only grow")


# --- signatures (ssh-keygen -Y) --------------------------------------------------------------------------------


def _sig_path(path: Path) -> Path:
    return path.with_name(path.name + ".sig")


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if not found:
        raise SocialpubError("signing and checking signatures needs ssh-keygen (OpenSSH), which is not installed",
                             hint="install OpenSSH's client tools (openssh-client), or export without --sign")
    return found


def _run(args: list[str], *, stdin: Any = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    """ssh-keygen, never waiting for a person: no terminal (a new session), no askpass, no agent; bounded."""
    environ = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "SSH_AUTH_SOCK", "SSH_ASKPASS")}
    environ["SSH_ASKPASS_REQUIRE"] = "never"
    try:
        return subprocess.run([_ssh_keygen(), *args], stdin=stdin, capture_output=True, text=True, env=environ,
                              start_new_session=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        raise SocialpubError("ssh-keygen did not finish within 120 s", hint="run it by hand to see why") from None


@contextmanager
def _key_file(key: str, environ: Mapping[str, str]) -> Iterator[Path]:
    """The private key as a file ssh-keygen can read: `env:NAME` (the key's text in a variable: written to a
    private temporary file, removed afterwards), `file:PATH` or a PATH."""
    if key.startswith("env:"):
        name = key[4:]
        text = environ.get(name, "")
        if not text.strip():
            raise SocialpubError(f"environment variable {name} is not set", key="--sign",
                                 hint=f"export {name} with the text of the private key, or give the key's file")
        remember(*(line for line in text.splitlines() if len(line) >= 16))
        with tempfile.TemporaryDirectory(prefix="socialpub-sign-") as folder:
            path = Path(folder) / "key"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text.strip() + "\n")
            yield path
        return
    path = Path(key.removeprefix("file:")).expanduser()
    if not path.is_file():
        raise SocialpubError(f"no key file {path}", key="--sign",
                             hint="give the private key file (ssh-keygen -t ed25519 makes one), file:PATH or env:NAME")
    yield path


def sign_export(path: Path, key: str, environ: Mapping[str, str] | None = None) -> Path:
    """Sign `path` with the SSH private key `key`: writes `path.sig`. A key protected by a passphrase is
    refused with a message, never prompted for (cron has no one to answer)."""
    signature = _sig_path(path)
    with _key_file(key, os.environ if environ is None else environ) as key_path:
        signature.unlink(missing_ok=True)
        done = _run(["-Y", "sign", "-f", str(key_path), "-n", NAMESPACE, str(path)])
    if done.returncode != 0 or not signature.is_file():
        said = redact(done.stderr.replace("Enter passphrase:", "").strip())
        if "passphrase" in said:
            raise SocialpubError(
                "the signing key is protected by a passphrase, which socialpub never asks for (it runs unattended)",
                key="--sign",
                hint="sign with a key that has none, kept readable by this user only (chmod 600), or give its text "
                "in an environment variable: --sign env:NAME; nothing was written",
            )
        if "UNPROTECTED PRIVATE KEY FILE" in said or "bad permissions" in said:
            raise SocialpubError("ssh-keygen refused the key: others may read it", key="--sign",
                                 hint="chmod 600 the key file; nothing was written")
        raise SocialpubError(f"ssh-keygen could not sign: {said.splitlines()[-1] if said else done.returncode}",
                             key="--sign", hint="nothing was written; check that the key is an SSH "
                             "private key (ssh-keygen -y -f KEY shows its public half)")
    return signature


def verify_signature(path: Path, signers: Path, identity: str | None = None, option: str = "--export") -> str:
    """Check `path.sig` against an allowed-signers file (`IDENTITY KEYTYPE KEY` per line, as git uses);
    the identity is the one given, else the one the signers file names for the signature's key.
    Returns ssh-keygen's confirmation; an AuditError when the signature does not verify."""
    signature = _sig_path(path)
    _read_regular(path, option)  # a FIFO or a device would be waited for by ssh-keygen
    if not signature.is_file():
        raise AuditError(f"{path} has no signature ({signature.name} is missing)",
                         hint="export it with --sign KEY, or check it without --signers")
    if not signers.is_file():
        raise SocialpubError(f"no allowed-signers file {signers}", key="--signers",
                             hint='one line per signer: IDENTITY followed by the public key, e.g. '
                             '"audit@example.com ssh-ed25519 AAAA…"')
    if identity is None:
        found = _run(["-Y", "find-principals", "-s", str(signature), "-f", str(signers)])
        names = [line.strip() for line in found.stdout.splitlines() if line.strip()]
        if found.returncode != 0 or not names:
            raise AuditError(f"the signature of {path} was made by no key of {signers}",
                             hint="the export was signed by someone else, or the signature was replaced")
        identity = names[0]
    with path.open("rb") as data:
        done = _run(["-Y", "verify", "-f", str(signers), "-I", identity, "-n", NAMESPACE, "-s", str(signature)],
                    stdin=data)
    said = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise AuditError(f"the signature of {path} does not verify for {identity}: "
                         f"{said.splitlines()[-1] if said else 'ssh-keygen said no'}",
                         hint="the file was changed after it was signed, or signed with another key")
    return said.splitlines()[0] if said else f"good signature for {identity}"
