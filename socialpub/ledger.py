"""The ledger: every attempt and outcome per (post, channel), what makes `run` safe to call every minute.

SQLite by default (`.socialpub/ledger.db`, WAL, a file lock for `run`), PostgreSQL for several hosts
(`postgresql://…`: rows are claimed with `FOR UPDATE SKIP LOCKED`). Both behind the same small class;
only the connection, the placeholders and the liveness test of a claimer differ.

A row is committed as `publishing` before the network call and settled after it. A `publishing` row
whose claimer is gone is a crash between call and settle: the next run reconciles it with the platform
before anything is sent again.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import secrets
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, unquote

from socialpub.errors import ConfigError, PlatformError, SocialpubError
from socialpub.redact import redact, remember


class LedgerError(SocialpubError):
    """The ledger's database failed (unreachable, restarted, refused, corrupt): a clear message, no secret."""


class State(StrEnum):
    """Where a (post, channel) stands in the ledger: its row's `state`. A member equals its text, which is what
    the database, the JSON output and the events hold."""

    NEW = "new"  # a claim's placeholder while it is being taken: nothing on record yet, never shown
    PUBLISHING = "publishing"  # claimed and being sent (or its process died: reconciled before any resend)
    PUBLISHED = "published"
    FAILED = "failed"  # not sent; `transient` ones are tried again
    UNKNOWN = "unknown"  # the request may have arrived: reconciled with the platform, or settled by a person
    MISSED = "missed"  # too late to send (max_lateness), never sent
    RETRACTED = "retracted"  # deleted from the platform by `socialpub retract`


STATES = frozenset(State) - {State.NEW}  # the states of a row on record (a row read back may hold anything)

# --- the hash chain (README, "Audit trail") ---
# Every event stores `hash`, the SHA-256 of its canonical content, and `prev_hash`, the hash of the event
# before it (GENESIS for the first). The canonical content is the JSON object of every column in EVENT_COLUMNS
# plus `prev_hash` (so that each hash seals all the history before it), with sorted keys, no whitespace and
# UTF-8 text: RFC 8785 (JCS) for values that are only text, integers and null, as an event's are. `detail` is
# hashed as the text stored. Appends are serialised (the one-row `chain_head`, locked in the event's own
# transaction), so that concurrent writers on several hosts still make one chain.
EVENT_COLUMNS = ("id", "at", "actor", "action", "post_id", "channel", "state", "remote_id", "url", "content_hash",
                 "approval_code", "git_commit", "detail")
GENESIS = "0" * 64  # the prev_hash of the first event
NO_REASON = "no reason given"  # what `pause` records when it was given none


def canonical_event(event: Mapping[str, Any], prev_hash: str | None) -> bytes:
    """The bytes an event's hash is taken of: its columns (EVENT_COLUMNS) and `prev_hash`, as canonical JSON."""
    content = {column: event.get(column) for column in EVENT_COLUMNS}
    content["prev_hash"] = prev_hash
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(event: Mapping[str, Any], prev_hash: str | None) -> str:
    import hashlib

    return hashlib.sha256(canonical_event(event, prev_hash)).hexdigest()


def _start_the_chain(ledger: Ledger, cur: Any) -> None:
    """A migration: the chain's columns and head, and the events already on record chained once, in id order.
    That they were chained now and not as they were written is recorded (a `chain-started` event)."""
    ledger._refuse_foreign_tables(cur, ("chain_head",))
    cur.execute("ALTER TABLE events ADD COLUMN prev_hash TEXT")
    cur.execute("ALTER TABLE events ADD COLUMN hash TEXT")
    cur.execute(
        "CREATE TABLE chain_head (id INTEGER PRIMARY KEY CHECK (id = 1), last_id BIGINT NOT NULL, "
        "last_hash TEXT NOT NULL, started_at TEXT NOT NULL, chained INTEGER NOT NULL)"
    )
    cur.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY id")
    prev, last_id, links = GENESIS, 0, []
    for values in cur.fetchall():
        event = dict(zip(EVENT_COLUMNS, values, strict=True))
        digest = event_hash(event, prev)
        links.append((prev, digest, event["id"]))
        prev, last_id = digest, event["id"]
    if links:
        cur.executemany(ledger.sql("UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?"), links)
    cur.execute(
        ledger.sql("INSERT INTO chain_head (id, last_id, last_hash, started_at, chained) VALUES (1, ?, ?, ?, ?)"),
        (last_id, prev, iso(utcnow()), len(links)),
    )
    if links:  # hashed after the fact, not as they were written: an auditor must be able to tell
        ledger._event(cur, "chain-started", None, chained=len(links), first_id=links[0][2], last_id=last_id)


MIGRATIONS: list[tuple[int, str | Callable[[Ledger, Any], None]]] = [
    (
        1,
        """
        CREATE TABLE publications (
            post_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            state TEXT NOT NULL,
            content_hash TEXT,
            approval_code TEXT,
            git_commit TEXT,
            post_file TEXT,
            scheduled_at TEXT,
            published_at TEXT,
            remote_id TEXT,
            url TEXT,
            extra_ids TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            transient INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            claimed_by TEXT,
            claimed_at TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (post_id, channel)
        );
        CREATE TABLE events (
            id {serial},
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            post_id TEXT,
            channel TEXT,
            state TEXT,
            remote_id TEXT,
            url TEXT,
            content_hash TEXT,
            approval_code TEXT,
            git_commit TEXT,
            detail TEXT
        );
        CREATE INDEX events_at ON events (at);
        CREATE TABLE pauses (
            id {serial},
            paused_at TEXT NOT NULL,
            paused_by TEXT NOT NULL,
            reason TEXT,
            resumed_at TEXT,
            resumed_by TEXT
        );
        """,
    ),
    (
        # What went out (docs/exactly-once.md, "The stored payload"): the rendered payload of every claim,
        # content-addressed, and a copy of every image and thumbnail sent; the claim's row points at its payload.
        2,
        """
        ALTER TABLE publications ADD COLUMN payload_hash TEXT;
        CREATE INDEX publications_payload ON publications (channel, payload_hash);
        CREATE TABLE payloads (
            sha256 TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            stored_at TEXT NOT NULL
        );
        CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            data {blob} NOT NULL,
            stored_at TEXT NOT NULL
        );
        """,
    ),
    (
        3,
        # Fencing: each claim bumps the generation, and only that claim's settle may write the row; a claim
        # whose claimer's liveness is gone may be taken over only after its deadline (docs/exactly-once.md).
        """
        ALTER TABLE publications ADD COLUMN claim_generation INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE publications ADD COLUMN claim_deadline TEXT
        """,
    ),
    (4, _start_the_chain),  # the hash chain of the events (README, "Audit trail")
    (
        5,
        # The safety inbox (socialpub/inbox.py): every comment `watch` saw, verbatim, kept for good (only its
        # `deleted` flag changes); each read per (post, channel) (post_id '' for a channel's mentions) and
        # what could not be read; the items a person triages and forwards to pharmacovigilance.
        """
        CREATE TABLE comments (
            channel TEXT NOT NULL,
            comment_id TEXT NOT NULL,
            post_id TEXT NOT NULL,
            answers_remote_id TEXT,
            parent_id TEXT,
            author TEXT NOT NULL,
            author_id TEXT NOT NULL,
            text TEXT NOT NULL,
            text_sha256 TEXT NOT NULL,
            platform_at TEXT,
            first_seen_at TEXT NOT NULL,
            url TEXT,
            kind TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (channel, comment_id)
        );
        CREATE TABLE comment_reads (
            post_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            cursor TEXT,
            first_read_at TEXT,
            last_read_at TEXT,
            seen INTEGER NOT NULL DEFAULT 0,
            complete INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            PRIMARY KEY (post_id, channel)
        );
        CREATE TABLE comment_gaps (
            id {serial},
            post_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        );
        CREATE TABLE safety_items (
            id {serial},
            channel TEXT NOT NULL,
            comment_id TEXT NOT NULL,
            post_id TEXT NOT NULL,
            category TEXT NOT NULL,
            elements TEXT NOT NULL,
            situations TEXT NOT NULL,
            spans TEXT NOT NULL,
            reasons TEXT NOT NULL,
            text_sha256 TEXT NOT NULL,
            day0 TEXT NOT NULL,
            due TEXT NOT NULL,
            queued_at TEXT NOT NULL,
            state TEXT NOT NULL,
            triaged_as TEXT,
            triaged_by TEXT,
            triaged_at TEXT,
            triage_reason TEXT,
            pv_ref TEXT,
            forwarded_by TEXT,
            forwarded_at TEXT,
            UNIQUE (channel, comment_id)
        );
        CREATE INDEX safety_items_state ON safety_items (state, day0)
        """,
    ),
    (
        6,
        # The safety inbox at scale: a (post, channel) that a watch had to leave unread (a read window used up,
        # its channel stopped by a failed read) says so until it is read; the next watch reads it first.
        """
        ALTER TABLE comment_reads ADD COLUMN deferred_at TEXT;
        ALTER TABLE comment_reads ADD COLUMN deferred_why TEXT
        """,
    ),
    (
        7,
        # A read stopped at a platform's limit is one gap while the limit holds (its detail and last time
        # updated by every watch that meets it), closed by the next complete read: not a row per watch.
        # A comment the platform holds from the public (YouTube: held for review, likely spam) says so.
        """
        ALTER TABLE comment_gaps ADD COLUMN ongoing INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE comment_gaps ADD COLUMN last_recorded_at TEXT;
        ALTER TABLE comments ADD COLUMN held TEXT
        """,
    ),
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def host_name() -> str:
    """This host's identity in claims: SOCIALPUB_HOST when set (containers, tests), else the host name."""
    return os.environ.get("SOCIALPUB_HOST") or socket.gethostname()


def storable(text: str) -> str:
    """`text` as the ledger can hold it on SQLite and PostgreSQL alike, and hash it: valid UTF-8 without NUL.
    Bytes the OS gave undecoded (an environment variable, a host name: surrogate escapes) and lone surrogates
    are written as backslash escapes, a NUL as `\\x00`, so that nothing is lost or refused.

    Visibly escaped, not reversibly: a reader of the row (a person, an auditor, an export) sees `\\x00` where
    a platform sent a NUL, and text without such characters (nearly all) is stored exactly as given. Every text
    parameter of every statement passes here (`_StorableText`); an id that must stay usable (a post's remote
    id) is refused before it gets here instead (adapters.base.Receipt)."""
    if text.isascii() and "\x00" not in text:
        return text  # the common case, without an encode
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _storable_params(params: Sequence[Any]) -> list[Any]:
    return [storable(value) if isinstance(value, str) else value for value in params]


class _StorableText:
    """A transaction's cursor whose statements get their text parameters as `storable` makes them: text from a
    platform's answer (an error, a URL, a comment, a cursor) or from a file (a post's name) is never refused
    by the database, whichever column it goes to, so that what was done is always recorded."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, query: str, params: Sequence[Any] | None = None) -> Any:
        if params is None:
            return self._cursor.execute(query)
        return self._cursor.execute(query, _storable_params(params))

    def executemany(self, query: str, seq: Iterable[Sequence[Any]]) -> Any:
        return self._cursor.executemany(query, [_storable_params(params) for params in seq])

    def __getattr__(self, name: str) -> Any:  # fetchone, fetchall, rowcount...: the cursor's own
        return getattr(self._cursor, name)


def actor() -> str:
    """Who acts, for the audit trail: SOCIALPUB_ACTOR (e.g. a person's name in a shared account), else the
    OS login name (cron shows as its user), else the uid; and the host."""
    user = os.environ.get("SOCIALPUB_ACTOR", "").strip()
    if not user:
        try:
            user = getpass.getuser()  # LOGNAME, USER, LNAME, USERNAME, then the password database
        except Exception:  # noqa: BLE001 - no name for this uid (a container's arbitrary uid)
            user = ""
    return storable(f"{user or f'uid-{os.getuid()}'}@{socket.gethostname()}")


@dataclass
class Row:
    post_id: str
    channel: str
    state: str  # a State; read back as the text stored (an unexpected one is refused where it matters: STATES)
    content_hash: str | None = None
    approval_code: str | None = None
    git_commit: str | None = None
    post_file: str | None = None
    scheduled_at: datetime | None = None
    published_at: datetime | None = None
    remote_id: str | None = None
    url: str | None = None
    extra_ids: list[str] = field(default_factory=list)
    attempts: int = 0
    last_error: str | None = None
    transient: bool = False
    next_attempt_at: datetime | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    updated_at: datetime | None = None
    claim_generation: int = 0  # bumped by every claim: the fence of its settle
    claim_deadline: datetime | None = None  # the claimer starts no request after this (renewed before each)
    payload_hash: str | None = None  # the claim's rendered payload (Ledger.payload), for reconciliation and audit

    def to_dict(self) -> dict[str, Any]:
        return {
            "post": self.post_id,
            "channel": self.channel,
            "state": self.state,
            "content_hash": self.content_hash,
            "approval_code": self.approval_code,
            "git_commit": self.git_commit,
            "file": self.post_file,
            "scheduled_at": iso(self.scheduled_at),
            "published_at": iso(self.published_at),
            "remote_id": self.remote_id,
            "url": self.url,
            "extra_ids": self.extra_ids,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "next_attempt_at": iso(self.next_attempt_at),
            "updated_at": iso(self.updated_at),
            "payload_hash": self.payload_hash,
        }


_ROW_COLUMNS = (
    "post_id",
    "channel",
    "state",
    "content_hash",
    "approval_code",
    "git_commit",
    "post_file",
    "scheduled_at",
    "published_at",
    "remote_id",
    "url",
    "extra_ids",
    "attempts",
    "last_error",
    "transient",
    "next_attempt_at",
    "claimed_by",
    "claimed_at",
    "updated_at",
    "claim_generation",
    "claim_deadline",
    "payload_hash",
)
_TIMES = {"scheduled_at", "published_at", "next_attempt_at", "claimed_at", "updated_at", "claim_deadline"}


def _row(values: tuple[Any, ...]) -> Row:
    data = dict(zip(_ROW_COLUMNS, values, strict=True))
    key = ""
    try:
        for key in _TIMES:
            data[key] = parse_iso(data[key])
        key = "extra_ids"
        data[key] = json.loads(data[key]) if data[key] else []
        if not isinstance(data[key], list):
            raise ValueError("not a list")
    except (ValueError, TypeError, OverflowError):  # written by hand, or by a tool that is not socialpub
        raise LedgerError(
            f"the ledger's row of {data['post_id']!r:.80} on {data['channel']!r:.40} holds a {key} that socialpub "
            f"cannot read: {str(values[_ROW_COLUMNS.index(key)])!r:.80}",
            hint="the ledger was edited outside socialpub (socialpub audit verify checks its trail); correct that "
            "value (an ISO 8601 time, or a JSON list of ids) or restore the ledger from a backup; nothing was done",
        ) from None
    data["transient"] = bool(data["transient"])
    return Row(**data)


def _db_values(row: Row) -> list[Any]:
    values = []
    for key in _ROW_COLUMNS:
        value = getattr(row, key)
        if key == "last_error" and value:
            value = redact(value)  # the last line of defence: no secret is ever stored
        if key in _TIMES:
            value = iso(value)
        elif key == "extra_ids":
            value = json.dumps(value) if value else None
        elif key == "transient":
            value = int(value)
        values.append(value)
    return values


class Ledger:
    """The shared logic; `SQLiteLedger` and `PostgresLedger` supply connections and dialect."""

    NO_REASON: ClassVar[str] = NO_REASON  # what `pause` records when it is given no reason

    placeholder = "?"
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"
    blob_type = "BLOB"
    kind = "sqlite"

    def __init__(self, host: str | None = None) -> None:
        self.host = (host or host_name()).replace(":", "_")  # the claimer id is host:pid:token:start
        # `start` (boot and start time of the process) tells a reused pid from ours.
        self.claimer = f"{self.host}:{os.getpid()}:{secrets.token_hex(4)}:{process_start(os.getpid())}"
        self._local = threading.local()

    # --- dialect hooks ---
    def connect(self) -> Any:
        raise NotImplementedError

    @contextmanager
    def transaction(self, *, for_claim: bool = False, read_only: bool = False) -> Iterator[Any]:
        raise NotImplementedError

    def claimer_alive(self, claimer: str | None) -> bool:
        raise NotImplementedError

    def claimer_gone(self, claimer: str | None) -> bool:
        """True when that claimer's process has surely ended, so that no request of it can start any more."""
        return _process_gone(claimer, self.host)

    def alive(self) -> bool:
        """Whether this process still holds its liveness (PostgreSQL: its advisory lock); a claimer that lost
        it starts no further request: others may already take its claims for dead."""
        return True

    @contextmanager
    def run_lock(self) -> Iterator[bool]:
        """Yield whether this process may run `run` now (False: another run holds it)."""
        raise NotImplementedError

    @contextmanager
    def watch_lock(self) -> Iterator[bool]:
        """Yield whether this process may run `watch` now (False: another watch holds it). Independent of
        `run_lock`: watching never waits for publishing, nor publishing for watching."""
        raise NotImplementedError

    @contextmanager
    def token_lock(self, name: str) -> Iterator[None]:
        """Held while a channel's rotating token is refreshed: one process (or host) at a time, so that no
        one refreshes with a refresh token another has just used up."""
        raise NotImplementedError

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- helpers ---
    def conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.connect()
            self._local.conn = conn
        return conn

    def sql(self, text: str) -> str:
        return text if self.placeholder == "?" else text.replace("?", self.placeholder)

    def migrate(self) -> None:
        if self._migrated():
            return  # the common case: no write transaction just to find there is nothing to do
        with self.transaction() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
            cur.execute("SELECT version FROM schema_migrations")
            done = {r[0] for r in cur.fetchall()}
            if any(not isinstance(v, int) for v in done):  # another framework's schema_migrations
                raise LedgerError(
                    f"{self.describe()} has a schema_migrations table that socialpub did not create",
                    hint="give socialpub a database (or a PostgreSQL schema) of its own; nothing was changed",
                )
            for version, script in MIGRATIONS:
                if version in done:
                    continue
                if callable(script):  # a migration that needs more than SQL (it checks its own tables)
                    script(self, cur)
                else:
                    self._refuse_foreign_tables(cur, tuple(re.findall(r"CREATE TABLE (\w+)", script)))
                    for statement in script.format(serial=self.serial, blob=self.blob_type).split(";"):
                        if statement.strip():
                            cur.execute(statement)
                cur.execute(self.sql("INSERT INTO schema_migrations VALUES (?, ?)"), (version, iso(utcnow())))

    def _refuse_foreign_tables(self, cur: Any, ours: tuple[str, ...]) -> None:
        """Tables of the names a migration is about to create that socialpub did not create (another
        application's `events`, say): never write into them, and never fail later with a confusing error."""
        if not ours:
            return
        if self.kind == "postgresql":
            cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_name = ANY(%s)", (list(ours),)
            )
        else:
            marks = ", ".join("?" for _ in ours)
            cur.execute(f"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({marks})", ours)
        found = sorted(r[0] for r in cur.fetchall())
        if found:
            raise LedgerError(
                f"{self.describe()} already has {', '.join(found)} table(s) that socialpub did not create",
                hint="give socialpub a database (or a PostgreSQL schema: ?options=-csearch_path%3Dsocialpub in "
                "the URL) of its own; nothing was changed",
            )

    def describe(self) -> str:
        return "the ledger"

    def _migrated(self) -> bool:
        try:
            with self.transaction(read_only=True) as cur:
                cur.execute("SELECT version FROM schema_migrations")
                done = {r[0] for r in cur.fetchall()}
        except Exception:  # noqa: BLE001 - no table yet (either backend's error class)
            Ledger.close(self)  # this thread's connection only: a failed statement may leave it aborted
            return False
        return all(version in done for version, _ in MIGRATIONS)

    # --- rows ---
    def get(self, post_id: str, channel: str) -> Row | None:
        with self.transaction(read_only=True) as cur:
            row = self._get(cur, post_id, channel)
            return None if row is None or row.state == State.NEW else row  # a claim placeholder

    def _get(self, cur: Any, post_id: str, channel: str, *, lock: bool = False) -> Row | None:
        suffix = " FOR UPDATE" if lock and self.kind == "postgresql" else ""
        cur.execute(
            self.sql(f"SELECT {', '.join(_ROW_COLUMNS)} FROM publications WHERE post_id = ? AND channel = ?{suffix}"),
            (post_id, channel),
        )
        found = cur.fetchone()
        return _row(tuple(found)) if found else None

    def rows(self) -> list[Row]:
        with self.transaction(read_only=True) as cur:
            cur.execute(
                f"SELECT {', '.join(_ROW_COLUMNS)} FROM publications WHERE state <> 'new' ORDER BY post_id, channel"
            )
            return [_row(tuple(r)) for r in cur.fetchall()]

    def unsettled(self) -> list[Row]:
        """Rows claimed and not settled (`publishing`, `unknown`): what `run` reconciles even when no post file
        of this run names them any more (deleted, renamed, no longer due)."""
        with self.transaction(read_only=True) as cur:
            cur.execute(
                f"SELECT {', '.join(_ROW_COLUMNS)} FROM publications WHERE state IN ('publishing', 'unknown') "
                "ORDER BY post_id, channel"
            )
            return [_row(tuple(r)) for r in cur.fetchall()]

    def _put(self, cur: Any, row: Row, *, generation: bool = False) -> None:
        row.updated_at = utcnow()
        marks = ", ".join("?" for _ in _ROW_COLUMNS)
        # Only a claim moves the generation: a plain save (missed, refused, resolve) never rewinds the fence.
        kept = () if generation else ("claim_generation",)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _ROW_COLUMNS[2:] if c not in kept)
        cur.execute(
            self.sql(
                f"INSERT INTO publications ({', '.join(_ROW_COLUMNS)}) VALUES ({marks}) "
                f"ON CONFLICT (post_id, channel) DO UPDATE SET {updates}"
            ),
            _db_values(row),
        )

    def claim(self, post_id: str, channel: str, decide: Callable[[Row | None], Row | None]) -> Row | None:
        """Atomically: read the row, let `decide` return the new row (or None to leave it), write it.

        Two runs never both claim one (post, channel): SQLite serialises writers (BEGIN IMMEDIATE);
        PostgreSQL locks the row (FOR UPDATE SKIP LOCKED: a row another host holds is skipped).
        """
        with self.transaction(for_claim=True) as cur:
            if self.kind == "postgresql":
                cur.execute(
                    self.sql(
                        "INSERT INTO publications (post_id, channel, state, updated_at) VALUES (?, ?, 'new', ?) "
                        "ON CONFLICT (post_id, channel) DO NOTHING"
                    ),
                    (post_id, channel, iso(utcnow())),
                )
                cur.execute(
                    self.sql(
                        f"SELECT {', '.join(_ROW_COLUMNS)} FROM publications WHERE post_id = ? AND channel = ? "
                        "FOR UPDATE SKIP LOCKED"
                    ),
                    (post_id, channel),
                )
                found = cur.fetchone()
                if found is None:
                    return None  # another host holds it right now
                stored: Row | None = _row(tuple(found))
                current = None if stored is None or stored.state == State.NEW else stored
            else:
                stored = current = self._get(cur, post_id, channel)
                if current is not None and current.state == State.NEW:  # a placeholder: nothing on record
                    current = None
            new = decide(current)
            if new is None:
                return None
            new.claim_generation = (stored.claim_generation if stored else 0) + 1
            self._put(cur, new, generation=True)
            return new

    def save(self, row: Row) -> None:
        with self.transaction() as cur:
            self._put(cur, row)

    def settle(self, row: Row, *, holder: str, action: str | None = None, **detail: Any) -> bool:
        """Write `row` (and its event `action`, in the same transaction) only while the claim it came from
        still holds the stored row: same generation, claimed by `holder`. False when another run took the
        claim over meanwhile: nothing written."""
        row.updated_at = utcnow()
        columns = [c for c in _ROW_COLUMNS[2:] if c != "claim_generation"]
        values = dict(zip(_ROW_COLUMNS, _db_values(row), strict=True))
        with self.transaction() as cur:
            cur.execute(
                self.sql(
                    f"UPDATE publications SET {', '.join(f'{c} = ?' for c in columns)} "
                    "WHERE post_id = ? AND channel = ? AND claim_generation = ? AND claimed_by = ?"
                ),
                [*(values[c] for c in columns), row.post_id, row.channel, row.claim_generation, holder],
            )
            if cur.rowcount != 1:
                return False
            if action:
                self._event(cur, action, row, **detail)
            return True

    def renew(self, row: Row, deadline: datetime) -> bool:
        """Move this claim's deadline on, right before a request; False when the claim is lost (this process
        lost its liveness, or another run took the claim over): then no request may start."""
        if not self.alive():
            return False
        with self.transaction() as cur:
            cur.execute(
                self.sql(
                    "UPDATE publications SET claim_deadline = ?, updated_at = ? "
                    "WHERE post_id = ? AND channel = ? AND claim_generation = ? AND claimed_by = ?"
                ),
                (iso(deadline), iso(utcnow()), row.post_id, row.channel, row.claim_generation, self.claimer),
            )
            renewed = cur.rowcount == 1
        row.claim_deadline = deadline
        return renewed

    def release(self, row: Row, previous: Row | None) -> bool:
        """Undo a claim that sent nothing (publishing paused, liveness lost): the row as it was before."""
        with self.transaction() as cur:
            if previous is None:
                cur.execute(
                    self.sql(
                        "DELETE FROM publications WHERE post_id = ? AND channel = ? AND claim_generation = ? "
                        "AND claimed_by = ?"
                    ),
                    (row.post_id, row.channel, row.claim_generation, self.claimer),
                )
                return cur.rowcount == 1
        return self.settle(replace(previous, claim_generation=row.claim_generation), holder=self.claimer)

    # --- what went out: payloads and media copies (docs/exactly-once.md, "The stored payload") ---
    def store_payload(self, sha256: str, body: str, blobs: Mapping[str, bytes]) -> None:
        """Keep a claim's payload (canonical JSON, `sha256` its hash) and the images it sends, once each."""
        with self.transaction() as cur:
            for digest, data in blobs.items():
                cur.execute(
                    self.sql("INSERT INTO blobs (sha256, size, data, stored_at) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT (sha256) DO NOTHING"),
                    (digest, len(data), data, iso(utcnow())),
                )
            cur.execute(
                self.sql("INSERT INTO payloads (sha256, body, stored_at) VALUES (?, ?, ?) "
                         "ON CONFLICT (sha256) DO NOTHING"),
                (sha256, body, iso(utcnow())),
            )

    def payload(self, sha256: str) -> dict[str, Any] | None:
        """The stored payload with this hash; None when there is none, or none that still has this hash."""
        import hashlib

        with self.transaction(read_only=True) as cur:
            cur.execute(self.sql("SELECT body FROM payloads WHERE sha256 = ?"), (sha256,))
            found = cur.fetchone()
        if not found or hashlib.sha256(str(found[0]).encode("utf-8")).hexdigest() != sha256:
            return None  # missing, or altered since it was stored: not to be trusted for a search
        try:
            body = json.loads(found[0])
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def blob(self, sha256: str) -> bytes | None:
        with self.transaction(read_only=True) as cur:
            cur.execute(self.sql("SELECT data FROM blobs WHERE sha256 = ?"), (sha256,))
            found = cur.fetchone()
            return bytes(found[0]) if found else None

    def same_payload_elsewhere(self, post_id: str, channel: str, payload_hash: str) -> Row | None:
        """A row of another post id on this channel that sent (or may have sent) this very payload."""
        with self.transaction(read_only=True) as cur:
            cur.execute(
                self.sql(
                    f"SELECT {', '.join(_ROW_COLUMNS)} FROM publications WHERE channel = ? AND payload_hash = ? "
                    "AND post_id <> ? AND state IN ('published', 'publishing', 'unknown') ORDER BY post_id"
                ),
                (channel, payload_hash, post_id),
            )
            found = cur.fetchone()
            return _row(tuple(found)) if found else None

    # --- the audit trail ---
    def event(
        self,
        action: str,
        row: Row | None = None,
        *,
        post_id: str | None = None,
        channel: str | None = None,
        who: str | None = None,
        **detail: Any,
    ) -> None:
        with self.transaction() as cur:
            self._event(cur, action, row, post_id=post_id, channel=channel, who=who, **detail)

    def _event(
        self,
        cur: Any,
        action: str,
        row: Row | None,
        *,
        post_id: str | None = None,
        channel: str | None = None,
        who: str | None = None,
        **detail: Any,
    ) -> None:
        """Append an event to the chain, in the caller's transaction (every event goes through here)."""
        self._append(cur, {column: storable(value) if isinstance(value, str) else value for column, value in {
            "at": iso(utcnow()),
            "actor": who or actor(),
            "action": action,
            "post_id": row.post_id if row else post_id,
            "channel": row.channel if row else channel,
            "state": row.state if row else None,
            "remote_id": row.remote_id if row else None,
            "url": row.url if row else None,
            "content_hash": row.content_hash if row else None,
            "approval_code": row.approval_code if row else None,
            "git_commit": row.git_commit if row else None,
            "detail": redact(json.dumps(detail, default=str, sort_keys=True)) if detail else None,
        }.items()})

    def _append(self, cur: Any, content: dict[str, Any]) -> None:
        # The head row locked to the end of this transaction (PostgreSQL: FOR UPDATE; SQLite: every write
        # transaction is BEGIN IMMEDIATE, one writer at a time): appends of all processes and hosts queue up, and
        # each event's id is the one after the head's, so that the chain has one order and no gaps.
        lock = " FOR UPDATE" if self.kind == "postgresql" else ""
        cur.execute(f"SELECT last_id, last_hash FROM chain_head WHERE id = 1{lock}")
        found = cur.fetchone()
        if found is None:  # the migration made it: only an edit of the database removes it
            raise LedgerError(f"{self.describe()} has lost its chain head (the one row of chain_head was deleted): "
                              "nothing was recorded", hint="the audit trail was edited behind socialpub's back: "
                              "socialpub audit verify names what else is wrong; restore the ledger from a backup")
        last_id, prev = found
        # An event appended outside the chain (by hand, or by a socialpub older than the chain on another host)
        # may hold the id after the head's: the next id is past it, so that socialpub's own appends never fail
        # on it (`audit verify` names that event; it does not stop publishing).
        cur.execute("SELECT MAX(id) FROM events")
        highest = cur.fetchone()[0]
        event = {"id": max(int(last_id), int(highest or 0)) + 1, **content}
        digest = event_hash(event, prev)
        columns = (*EVENT_COLUMNS, "prev_hash", "hash")
        insert = f"INSERT INTO events ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        move_head = "UPDATE chain_head SET last_id = ?, last_hash = ? WHERE id = 1"
        values = (*(event[c] for c in EVENT_COLUMNS), prev, digest)
        if self.kind == "postgresql":  # one round trip for both (the head is this transaction's already)
            cur.execute(self.sql(f"WITH appended AS ({insert}) {move_head}"), (*values, event["id"], digest))
        else:
            cur.execute(insert, values)
            cur.execute(move_head, (event["id"], digest))

    def events(self, since: datetime | None = None, actions: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Every event (from `since` on; of these `actions` only), its `detail` parsed, with its chain links
        `prev_hash` and `hash`. `actions` spares a reader (status, agenda) the rest of a long trail."""
        columns = (*EVENT_COLUMNS, "prev_hash", "hash")
        where: list[str] = []
        params: list[Any] = []
        if since:
            where.append("at >= ?")
            params.append(iso(since))
        if actions is not None:
            where.append(f"action IN ({', '.join('?' for _ in actions)})" if actions else "1 = 0")
            params.extend(actions)
        with self.transaction(read_only=True) as cur:
            cur.execute(
                self.sql(f"SELECT {', '.join(columns)} FROM events{' WHERE ' + ' AND '.join(where) if where else ''} "
                         "ORDER BY id"),
                params,
            )
            out = []
            for values in cur.fetchall():
                item = dict(zip(columns, values, strict=True))
                try:
                    item["detail"] = json.loads(item["detail"]) if item["detail"] else {}
                except (ValueError, TypeError):  # written by hand: the trail says so (audit verify)
                    raise LedgerError(
                        f"event #{item['id']} of the audit trail has a detail that is not JSON: it was edited "
                        "outside socialpub", hint="socialpub audit verify names it and what else is wrong; "
                        "restore the ledger from a backup; nothing was done") from None
                out.append(item)
            return out

    # --- reading the chain as stored (socialpub.audit verifies and exports it) ---
    def chain_head(self) -> dict[str, Any]:
        """The head as recorded: {"id", "hash"} of the last event appended, and when the chain started."""
        with self.transaction(read_only=True) as cur:
            cur.execute("SELECT last_id, last_hash, started_at, chained FROM chain_head WHERE id = 1")
            found = cur.fetchone()
        if found is None:
            return {"id": None, "hash": None, "started_at": None, "chained": None}
        return {"id": int(found[0]), "hash": found[1], "started_at": found[2], "chained": found[3]}

    def chain_events(self, first_id: int | None = None, last_id: int | None = None,
                     batch: int = 2000) -> Iterator[dict[str, Any]]:
        """The events as stored (detail as its text, the hashes as written), in chain order, between two ids
        (inclusive; None: no bound), read in batches so that a long trail is never all in memory at once."""
        columns = (*EVENT_COLUMNS, "prev_hash", "hash")
        after = (first_id - 1) if first_id is not None else None
        while True:
            with self.transaction(read_only=True) as cur, self._undecodable_text_kept():
                where = ["1 = 1"]
                params: list[Any] = []
                if after is not None:
                    where.append("id > ?")
                    params.append(after)
                if last_id is not None:
                    where.append("id <= ?")
                    params.append(last_id)
                cur.execute(
                    self.sql(f"SELECT {', '.join(columns)} FROM events WHERE {' AND '.join(where)} "
                             f"ORDER BY id LIMIT {int(batch)}"),
                    params,
                )
                rows = cur.fetchall()
            for values in rows:
                yield dict(zip(columns, values, strict=True))
            if len(rows) < batch:
                return
            after = rows[-1][0]

    @contextmanager
    def _undecodable_text_kept(self) -> Iterator[None]:
        """While the chain is read, text that is not valid UTF-8 (written by hand) is read, not refused: its
        event is then named as not intact (SQLite; PostgreSQL refuses such text when it is written)."""
        yield

    def event_before(self, event_id: int) -> tuple[int, str] | None:
        """(id, hash) of the event just before `event_id` in the chain, or None at the start."""
        with self.transaction(read_only=True) as cur:
            cur.execute(self.sql("SELECT id, hash FROM events WHERE id < ? ORDER BY id DESC LIMIT 1"), (event_id,))
            found = cur.fetchone()
        return (int(found[0]), found[1]) if found else None

    def event_ids_between(self, start: str | None, end: str | None) -> tuple[int | None, int | None]:
        """The first id of an event at or after `start` and the last of one before `end` (ISO times, UTC)."""
        with self.transaction(read_only=True) as cur:
            cur.execute(self.sql("SELECT MIN(id) FROM events WHERE at >= ?"), (start or "",))
            first = cur.fetchone()[0]
            if end is None:
                cur.execute("SELECT MAX(id) FROM events")
            else:
                cur.execute(self.sql("SELECT MAX(id) FROM events WHERE at < ?"), (end,))
            last = cur.fetchone()[0]
        return (int(first) if first is not None else None, int(last) if last is not None else None)

    # --- the crisis switch ---
    def paused(self) -> dict[str, Any] | None:
        with self.transaction(read_only=True) as cur:
            cur.execute("SELECT paused_at, paused_by, reason FROM pauses WHERE resumed_at IS NULL ORDER BY id DESC")
            found = cur.fetchone()
            return {"paused_at": found[0], "paused_by": found[1], "reason": found[2]} if found else None

    def pause(self, reason: str | None, who: str | None = None) -> bool:
        reason = storable(redact(reason or NO_REASON))  # the crisis switch never waits for a reason, nor fails on one
        with self.transaction() as cur:
            cur.execute("SELECT id FROM pauses WHERE resumed_at IS NULL")
            if cur.fetchone():
                return False
            who = storable(who or actor())
            cur.execute(
                self.sql("INSERT INTO pauses (paused_at, paused_by, reason) VALUES (?, ?, ?)"),
                (iso(utcnow()), who, reason),
            )
            self._event(cur, "pause", None, who=who, reason=reason)
            return True

    def resume(self, who: str | None = None, reason: str | None = None) -> bool:
        with self.transaction() as cur:
            cur.execute("SELECT id FROM pauses WHERE resumed_at IS NULL")
            if not cur.fetchone():
                return False
            who = storable(who or actor())
            cur.execute(
                self.sql("UPDATE pauses SET resumed_at = ?, resumed_by = ? WHERE resumed_at IS NULL"),
                (iso(utcnow()), who),
            )
            self._event(cur, "resume", None, who=who, **({"reason": reason} if reason else {}))
            return True


class SQLiteLedger(Ledger):
    kind = "sqlite"

    def __init__(self, path: Path, host: str | None = None) -> None:
        super().__init__(host)
        self.path = path
        self._writer = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(
                f"cannot create the ledger's folder {path.parent}: {exc.strerror}",
                hint="run socialpub where it may write, or point --ledger (or SOCIALPUB_LEDGER) at a writable "
                "place; check, preview and hash need no ledger",
            ) from None
        self.migrate()

    def describe(self) -> str:
        return f"the ledger {self.path}"

    def connect(self) -> sqlite3.Connection:
        with self._errors():
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")  # once per database: switching needs it to itself
            conn.execute("PRAGMA synchronous=FULL")  # a settled outcome must survive a power cut
            conn.execute("PRAGMA busy_timeout=30000")
            return conn

    @contextmanager
    def transaction(self, *, for_claim: bool = False, read_only: bool = False) -> Iterator[Any]:
        # A reader sees the last commit and waits for no one (WAL). The writers of this process (one thread per
        # channel) queue on a lock of their own: SQLite's busy handler would have them sleep and poll instead.
        with self._errors(), nullcontext() if read_only else self._writer:
            conn = self.conn()
            cur = conn.cursor()
            cur.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")  # writers queue up front: no upgrade deadlock
            try:
                yield _StorableText(cur)
            except BaseException:
                conn.rollback()
                raise
            else:
                conn.commit()
            finally:
                cur.close()

    @contextmanager
    def _undecodable_text_kept(self) -> Iterator[None]:
        conn = self.conn()
        conn.text_factory = lambda data: data.decode("utf-8", "surrogateescape")
        try:
            yield
        finally:
            conn.text_factory = str

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's errors as what a person can do about them, naming the file."""
        try:
            yield
        except sqlite3.Error as exc:
            raise _sqlite_error(self.path, exc) from None

    def claimer_alive(self, claimer: str | None) -> bool:
        """A claimer on this host is alive while its process is (another host's: assumed alive)."""
        if not claimer:
            return False
        return claimer == self.claimer or not _process_gone(claimer, self.host)

    @contextmanager
    def run_lock(self) -> Iterator[bool]:
        with self._try_lock("run") as got:
            yield got

    @contextmanager
    def watch_lock(self) -> Iterator[bool]:
        with self._try_lock("watch") as got:
            yield got

    @contextmanager
    def _try_lock(self, name: str) -> Iterator[bool]:
        """Yield whether this process got the lock file beside the ledger for `name` (never waits)."""
        import fcntl

        lock_path = self.path.with_name(f"{self.path.name}.{name}.lock")
        try:
            handle = lock_path.open("a+")
        except OSError as exc:
            raise LedgerError(f"cannot open the {name} lock {lock_path}: {exc.strerror}",
                              hint="the ledger's folder must be writable for this user") from None
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        finally:
            handle.close()

    @contextmanager
    def token_lock(self, name: str) -> Iterator[None]:
        with file_lock(self.path.with_name(f"{self.path.name}.{_safe(name)}.lock")):
            yield


LOCK_WAIT = 120.0  # seconds: longer than a token refresh can take with its timeouts


@contextmanager
def file_lock(path: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """An exclusive lock on `path` (created 0600, never through a symbolic link), waited for up to `wait`
    seconds; the kernel releases it when the process dies."""
    import fcntl
    import time

    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PlatformError(
                        f"{path} stayed locked for {int(wait)} s (another socialpub is refreshing a token)",
                        transient=True,
                        hint="retry; if it persists, look for a socialpub process that hangs",
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _sqlite_error(path: Path, exc: sqlite3.Error) -> LedgerError:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return LedgerError(
            f"the ledger {path} is read-only ({text})",
            hint="socialpub writes the ledger and its -wal and -shm files beside it: make the file and its folder "
            "writable for this user, or point --ledger (or SOCIALPUB_LEDGER) at a writable copy",
        )
    if "not a database" in text or "malformed" in text or "disk I/O" in text:
        return LedgerError(
            f"the ledger {path} is not a readable SQLite database ({text}): damaged or truncated",
            hint="it is the audit trail: do not delete it; restore it from a backup, or try "
            f"`sqlite3 {path} .recover` into a new file; nothing was done",
        )
    if "unable to open" in text:
        return LedgerError(
            f"cannot open the ledger {path} ({text})",
            hint="its folder must exist and be writable for this user (SQLite creates -wal and -shm files "
            "beside the ledger), or point --ledger (or SOCIALPUB_LEDGER) elsewhere",
        )
    if "locked" in text or "busy" in text:
        return LedgerError(f"the ledger {path} stayed locked by another process ({text})",
                           hint="another socialpub (or a tool holding the file) is writing it; try again")
    return LedgerError(f"the ledger {path} failed: {text}")


def _process_gone(claimer: str | None, host: str) -> bool:
    """True when `claimer` (host:pid:token:start) is of this host and its process has ended."""
    if not claimer:
        return True
    claimer_host, _, rest = claimer.partition(":")
    pid_text, _, rest = rest.partition(":")
    started = rest.partition(":")[2]  # "" in claimer ids written before the start time was recorded
    if claimer_host != host or not pid_text.isdigit():
        return False  # another host's, or not ours to tell
    if int(pid_text) == os.getpid():
        return False  # this process (another Ledger object of it) is running
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # another user's process: its start time still tells
    now_started = process_start(int(pid_text))
    if started and now_started and started != now_started:
        return True  # the pid was reused by a process that started later: the claimer is gone
    return not _is_running(int(pid_text))


def process_start(pid: int) -> str:
    """When process `pid` started, as "BOOT.TICKS" (the boot's id, and field 22 of /proc/PID/stat); "" when
    the system does not tell (no /proc). Two processes with the same pid never have the same value."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
        ticks = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[19]
    except (OSError, IndexError):
        return ""
    return f"{boot}.{ticks}"


def _is_running(pid: int) -> bool:
    """Not a zombie (a killed child that its parent has not reaped yet is gone for our purposes)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return status.rsplit(")", 1)[-1].split()[0] != "Z"


class PostgresLedger(Ledger):
    """Several hosts, one ledger: row claims with FOR UPDATE SKIP LOCKED; liveness by advisory locks."""

    placeholder = "%s"
    serial = "BIGSERIAL PRIMARY KEY"
    blob_type = "BYTEA"
    kind = "postgresql"

    def __init__(self, url: str, host: str | None = None) -> None:
        super().__init__(host)
        self.url = url
        _check_url(url)
        remember(*_password_forms(url))  # every output, log and ledger text is cleaned of it (redact)
        self._liveness = self._connect_raw(name=f"socialpub liveness {self.claimer}")
        self._lost = False
        # Held for this process's life: others test it to know whether our `publishing` rows are in flight.
        self._liveness_key = _lock_key(self.claimer)
        self._liveness.execute("SELECT pg_advisory_lock(%s)", (self._liveness_key,))
        self._liveness_pid = self._liveness.info.backend_pid
        self._migrate_locked()

    def alive(self) -> bool:
        """Is the liveness session the one that took the lock, still connected, and holding it? Once lost,
        lost for good: others may already treat this process's claims as dead (it never re-takes them)."""
        if self._lost:
            return False
        try:
            held = self._liveness.execute(
                "SELECT pg_backend_pid() = %s AND EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid() AND granted AND classid = %s::bigint::oid AND objid = %s::bigint::oid "
                "AND objsubid = 1)",
                (self._liveness_pid, (self._liveness_key >> 32) & 0xFFFFFFFF, self._liveness_key & 0xFFFFFFFF),
            ).fetchone()
        except Exception:  # noqa: BLE001 - any failure of that session (terminated, timed out, restart) is a loss
            held = None
        if not (held and held[0]):
            self._lost = True
        return not self._lost

    def _connect_raw(self, name: str = "socialpub") -> Any:
        try:
            import psycopg
        except ImportError:
            raise ConfigError(
                "the PostgreSQL ledger needs psycopg", hint="pip install 'socialpub[postgresql]'"
            ) from None
        try:
            conn = psycopg.connect(
                self.url, autocommit=True, connect_timeout=10, application_name=name[:63],
                keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3,
            )
            if conn.info.server_version >= 140000:
                # A server-wide idle_session_timeout must not end our sessions between requests: the
                # liveness session is idle by design, and a run's own session idles during a long call.
                conn.execute("SET idle_session_timeout = 0")
            return conn
        except psycopg.Error as exc:
            raise LedgerError(
                f"cannot connect to the PostgreSQL ledger: {_scrub_url(str(exc), self.url)}",
                hint="check the ledger URL (channels.toml [defaults] ledger, SOCIALPUB_LEDGER or --ledger)",
            ) from None

    def _migrate_locked(self) -> None:
        # Two hosts starting at once must not both create the tables.
        self._liveness.execute("SELECT pg_advisory_lock(%s)", (_lock_key("socialpub-migrations"),))
        try:
            self.migrate()
        finally:
            self._liveness.execute("SELECT pg_advisory_unlock(%s)", (_lock_key("socialpub-migrations"),))

    def connect(self) -> Any:
        return self._connect_raw()

    @contextmanager
    def transaction(self, *, for_claim: bool = False, read_only: bool = False) -> Iterator[Any]:
        import psycopg

        try:
            with ExitStack() as stack:
                try:
                    conn = self.conn()
                    if conn.broken:
                        raise psycopg.OperationalError("the session was lost")
                    stack.enter_context(conn.transaction())
                except psycopg.OperationalError:
                    # BEGIN failed, so nothing of this transaction ran: a new session (the server restarted, or
                    # ended an idle one) may do it all. A failure after BEGIN is not retried: it may have
                    # committed.
                    Ledger.close(self)
                    conn = self.conn()
                    stack.enter_context(conn.transaction())
                cur = stack.enter_context(conn.cursor())
                yield _StorableText(cur)
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def _error(self, exc: Exception) -> LedgerError:
        import psycopg

        text = _scrub_url(str(exc).strip(), self.url)
        if isinstance(exc, psycopg.errors.InsufficientPrivilege):
            return LedgerError(
                f"the PostgreSQL ledger's role may not do this (SQLSTATE {exc.sqlstate}): {text}",
                hint="the role needs CREATE on the schema the first time (the tables are made then), and "
                "SELECT, INSERT, UPDATE, DELETE on socialpub's tables: GRANT CREATE ON SCHEMA public TO "
                "the role, or let an administrator run `socialpub status` once",
            )
        state = getattr(exc, "sqlstate", None)
        if _connection_lost(exc, state):
            return LedgerError(
                f"the PostgreSQL ledger's connection failed: {text}",
                hint="the server restarted or is unreachable; what was sent is reconciled by the next run",
            )
        # The server answered, and refused: a database error, not a connection's (psycopg calls some of these
        # OperationalError too: a lock or statement timeout, a value too large for an index, a full disk).
        code = state or ("22" if isinstance(exc, psycopg.DataError) else "")  # the driver's own refusal: no code
        what, hint = _REFUSALS.get(code) or _REFUSALS.get(code[:2]) or (
            "an error", "socialpub status shows what the ledger holds; if it persists, ask the database's "
            "administrator about this error")
        first_line = text.splitlines()[0] if text else type(exc).__name__
        said = f"{what}, SQLSTATE {state}" if state else what
        return LedgerError(f"the PostgreSQL ledger refused a statement ({said}): {first_line}", hint=hint)

    def describe(self) -> str:
        return "the PostgreSQL ledger"

    def claimer_alive(self, claimer: str | None) -> bool:
        if not claimer:
            return False
        if claimer == self.claimer:
            return True
        if not self.alive():
            return True  # cannot test others without our own session: take no claim over
        key = _lock_key(claimer)
        try:
            row = self._liveness.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            if row and row[0]:
                self._liveness.execute("SELECT pg_advisory_unlock(%s)", (key,))
                return False
        except Exception:  # noqa: BLE001 - our session just died: the same as above
            self._lost = True
        return True

    @contextmanager
    def run_lock(self) -> Iterator[bool]:
        yield True  # hosts share the work row by row

    @contextmanager
    def watch_lock(self) -> Iterator[bool]:
        # One watcher for all hosts (reads move shared cursors): a session advisory lock on a connection of its
        # own, taken without waiting; it goes away with the connection if this process dies.
        conn = self._connect_raw(name=f"socialpub watch {self.claimer}")
        try:
            got = conn.execute("SELECT pg_try_advisory_lock(%s)", (_lock_key("socialpub-watch"),)).fetchone()
            yield bool(got and got[0])
        finally:
            conn.close()

    @contextmanager
    def token_lock(self, name: str) -> Iterator[None]:
        # A session advisory lock on a connection of its own: the other hosts wait for it, and it goes away
        # with the connection if this process dies.
        conn = self._connect_raw()
        try:
            conn.execute(f"SET lock_timeout = '{int(LOCK_WAIT)}s'")
            try:
                conn.execute("SELECT pg_advisory_lock(%s)", (_lock_key(f"socialpub-token:{name}"),))
            except Exception as exc:  # noqa: BLE001 - psycopg is imported lazily
                raise PlatformError(
                    f"the ledger's token lock for {name} stayed taken for {int(LOCK_WAIT)} s "
                    f"({type(exc).__name__})",
                    transient=True,
                    hint="another host is refreshing this channel's token; retry",
                ) from None
            yield
        finally:
            conn.close()

    def close(self) -> None:
        super().close()
        try:
            self._liveness.close()
        except Exception:  # noqa: BLE001 - closing at exit
            pass


# SQLSTATEs of a lost connection: connection exceptions (class 08) and a server shutting down or starting up.
_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")

# What a database error means, by SQLSTATE or its class (the first two characters), and what to do about it.
_REFUSALS: dict[str, tuple[str, str]] = {
    "22": ("a data error: a value the database cannot take or read", "a value written to the ledger or read "
           "from it does not fit its column; socialpub audit verify tells whether the ledger was edited outside "
           "socialpub; this statement changed nothing"),
    "23": ("a constraint of the ledger's tables", "the ledger's tables were changed outside socialpub, or another "
           "host wrote the same row; run the command again"),
    "40": ("a conflict with another session (serialization failure or deadlock)", "run the command again"),
    "53": ("the server is out of resources (disk, memory or connections)", "ask the database's administrator "
           "to free space or raise the limit; what was sent is reconciled by the next run"),
    "54": ("a value too large for the database (a limit such as an index row's size)", "a post id, file name "
           "or platform answer far larger than any should be: look at what the command was given"),
    "55P03": ("another session holds a lock on the ledger's tables (lock_timeout)", "look for a long-running "
              "transaction (pg_stat_activity) on the ledger's database, then run the command again"),
    "57014": ("a statement was cancelled (statement_timeout, or by an administrator)", "run the command again; "
              "if a statement_timeout is set for the role or database, raise it for socialpub"),
    "42": ("a statement the ledger's schema does not fit", "the ledger's tables were changed outside socialpub; "
           "give socialpub a database (or schema) of its own, or restore it from a backup"),
}


def _connection_lost(exc: Exception, state: str | None) -> bool:
    """Whether the session is gone (or never came): no server answer at all, or one that says so."""
    import psycopg

    if state is not None:
        return state.startswith(_CONNECTION_STATES)
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


def _lock_key(text: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def _url_password(url: str) -> str | None:
    """The password of a postgresql:// URL as written (percent-encoded or not), or None. Read up to the last
    '@', so that an unencoded '@' or '/' in it is still all of it."""
    rest = url.split("://", 1)[-1]
    userinfo = rest[: rest.rfind("@")] if "@" in rest else ""
    return userinfo.split(":", 1)[1] if ":" in userinfo else None


def _password_forms(url: str) -> list[str]:
    """Every form of the URL's password a message could show: as written, decoded, encoded, and the pieces a
    parser that split it at a delimiter would show on their own. Longest first."""
    raw = _url_password(url)
    if not raw:
        return []
    forms = {raw, unquote(raw), quote(unquote(raw), safe="")}
    for form in list(forms):
        cuts = [m.start() for m in re.finditer(r"[@/:?#%]", form)]
        forms.update(form[:i] for i in cuts)
        forms.update(form[i + 1 :] for i in cuts)
        forms.update(re.split(r"[@/:?#%]", form))
    return sorted((f for f in forms if len(f) >= 3), key=len, reverse=True)


def _scrub_url(message: str, url: str) -> str:
    """Never show a database password, nor a part of it."""
    for secret in _password_forms(url):
        message = message.replace(secret, "[secret]")
    return message


def _check_url(url: str) -> None:
    """A password with URL delimiters must be percent-encoded: libpq would otherwise read part of it as the
    host or the database, and echo that part in its error. Said without showing the URL."""
    raw = _url_password(url)
    if raw is None:
        return
    bad = sorted({c for c in raw if c in "@/?#"} | ({"%"} if re.search(r"%(?![0-9A-Fa-f]{2})", raw) else set()))
    if bad:
        raise ConfigError(
            f"the PostgreSQL ledger URL's password has {' '.join(repr(c) for c in bad)} unencoded",
            hint="percent-encode them in the URL: @ as %40, / as %2F, ? as %3F, # as %23, % as %25, : as %3A "
            "(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=\"\"))' PASSWORD), "
            "e.g. postgresql://socialpub:p%40ss@db.internal/socialpub",
        )


def is_postgres(spec: str) -> bool:
    return spec.startswith(("postgresql://", "postgres://"))


def sqlite_path(spec: str, base: Path) -> Path:
    """The file of a SQLite ledger spec (a path or `sqlite:///…`), relative to the config's folder."""
    path = Path(spec.removeprefix("sqlite:///").removeprefix("sqlite://"))
    return path if path.is_absolute() else base / path


def open_ledger(spec: str, base: Path, host: str | None = None) -> Ledger:
    """A ledger from a URL or path: `postgresql://…` or a SQLite file (relative to the config's folder).
    Use it as `with open_ledger(...) as ledger:` to have it closed however the block ends."""
    if is_postgres(spec):
        return PostgresLedger(spec, host)
    return SQLiteLedger(sqlite_path(spec, base), host)
