"""The ledger: every attempt and outcome per (post, channel), what makes `run` safe to call every minute.

SQLite by default (`.socialpub/ledger.db`, WAL, a file lock for `run`), PostgreSQL for several hosts
(`postgresql://…`: rows are claimed with `FOR UPDATE SKIP LOCKED`). Both behind the same small class;
only the connection, the placeholders and the liveness test of a claimer differ.

A row is committed as `publishing` before the network call and settled after it. A `publishing` row
whose claimer is gone is a crash between call and settle: the next run reconciles it with the platform
before anything is sent again.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from socialpub.errors import ConfigError, SocialpubError
from socialpub.redact import redact

STATES = ("publishing", "published", "failed", "unknown", "missed", "retracted")

MIGRATIONS: list[tuple[int, str]] = [
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
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def actor() -> str:
    """Who acts, for the audit trail: the OS user and host (cron shows as its user)."""
    user = os.environ.get("SOCIALPUB_ACTOR") or os.environ.get("USER") or os.environ.get("LOGNAME") or "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass
class Row:
    post_id: str
    channel: str
    state: str
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
    "payload_hash",
)
_TIMES = {"scheduled_at", "published_at", "next_attempt_at", "claimed_at", "updated_at"}


def _row(values: tuple[Any, ...]) -> Row:
    data = dict(zip(_ROW_COLUMNS, values, strict=True))
    for key in _TIMES:
        data[key] = parse_iso(data[key])
    data["extra_ids"] = json.loads(data["extra_ids"]) if data["extra_ids"] else []
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

    placeholder = "?"
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"
    blob_type = "BLOB"
    kind = "sqlite"

    def __init__(self) -> None:
        # host:pid:random:start: `start` (boot and start time of the process) tells a reused pid from ours.
        self.claimer = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}:{process_start(os.getpid())}"
        self._local = threading.local()

    # --- dialect hooks ---
    def connect(self) -> Any:
        raise NotImplementedError

    @contextmanager
    def transaction(self, *, for_claim: bool = False, read_only: bool = False) -> Iterator[Any]:
        raise NotImplementedError

    def claimer_alive(self, claimer: str | None) -> bool:
        raise NotImplementedError

    @contextmanager
    def run_lock(self) -> Iterator[bool]:
        """Yield whether this process may run `run` now (False: another run holds it)."""
        raise NotImplementedError

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
            for version, script in MIGRATIONS:
                if version in done:
                    continue
                for statement in script.format(serial=self.serial, blob=self.blob_type).split(";"):
                    if statement.strip():
                        cur.execute(statement)
                cur.execute(self.sql("INSERT INTO schema_migrations VALUES (?, ?)"), (version, iso(utcnow())))

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
        with self.transaction() as cur:
            row = self._get(cur, post_id, channel)
            return None if row is None or row.state == "new" else row  # 'new': a claim placeholder

    def _get(self, cur: Any, post_id: str, channel: str, *, lock: bool = False) -> Row | None:
        suffix = " FOR UPDATE" if lock and self.kind == "postgresql" else ""
        cur.execute(
            self.sql(f"SELECT {', '.join(_ROW_COLUMNS)} FROM publications WHERE post_id = ? AND channel = ?{suffix}"),
            (post_id, channel),
        )
        found = cur.fetchone()
        return _row(tuple(found)) if found else None

    def rows(self) -> list[Row]:
        with self.transaction() as cur:
            cur.execute(
                f"SELECT {', '.join(_ROW_COLUMNS)} FROM publications WHERE state <> 'new' ORDER BY post_id, channel"
            )
            return [_row(tuple(r)) for r in cur.fetchall()]

    def _put(self, cur: Any, row: Row) -> None:
        row.updated_at = utcnow()
        marks = ", ".join("?" for _ in _ROW_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _ROW_COLUMNS[2:])
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
                current: Row | None = _row(tuple(found))
                if current is not None and current.state == "new":
                    current = None
            else:
                current = self._get(cur, post_id, channel)
                if current is not None and current.state == "new":  # a placeholder: nothing on record
                    current = None
            new = decide(current)
            if new is None:
                return None
            self._put(cur, new)
            return new

    def save(self, row: Row) -> None:
        with self.transaction() as cur:
            self._put(cur, row)

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
        cur.execute(
            self.sql(
                "INSERT INTO events (at, actor, action, post_id, channel, state, remote_id, url, content_hash, "
                "approval_code, git_commit, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            (
                iso(utcnow()),
                who or actor(),
                action,
                row.post_id if row else post_id,
                row.channel if row else channel,
                row.state if row else None,
                row.remote_id if row else None,
                row.url if row else None,
                row.content_hash if row else None,
                row.approval_code if row else None,
                row.git_commit if row else None,
                redact(json.dumps(detail, default=str, sort_keys=True)) if detail else None,
            ),
        )

    def events(self, since: datetime | None = None) -> list[dict[str, Any]]:
        columns = (
            "id",
            "at",
            "actor",
            "action",
            "post_id",
            "channel",
            "state",
            "remote_id",
            "url",
            "content_hash",
            "approval_code",
            "git_commit",
            "detail",
        )
        with self.transaction() as cur:
            if since:
                cur.execute(
                    self.sql(f"SELECT {', '.join(columns)} FROM events WHERE at >= ? ORDER BY id"), (iso(since),)
                )
            else:
                cur.execute(f"SELECT {', '.join(columns)} FROM events ORDER BY id")
            out = []
            for values in cur.fetchall():
                item = dict(zip(columns, values, strict=True))
                item["detail"] = json.loads(item["detail"]) if item["detail"] else {}
                out.append(item)
            return out

    # --- the crisis switch ---
    def paused(self) -> dict[str, Any] | None:
        with self.transaction() as cur:
            cur.execute("SELECT paused_at, paused_by, reason FROM pauses WHERE resumed_at IS NULL ORDER BY id DESC")
            found = cur.fetchone()
            return {"paused_at": found[0], "paused_by": found[1], "reason": found[2]} if found else None

    def pause(self, reason: str | None, who: str | None = None) -> bool:
        with self.transaction() as cur:
            cur.execute("SELECT id FROM pauses WHERE resumed_at IS NULL")
            if cur.fetchone():
                return False
            who = who or actor()
            cur.execute(
                self.sql("INSERT INTO pauses (paused_at, paused_by, reason) VALUES (?, ?, ?)"),
                (iso(utcnow()), who, reason),
            )
            self._event(cur, "pause", None, who=who, reason=reason)
            return True

    def resume(self, who: str | None = None) -> bool:
        with self.transaction() as cur:
            cur.execute("SELECT id FROM pauses WHERE resumed_at IS NULL")
            if not cur.fetchone():
                return False
            who = who or actor()
            cur.execute(
                self.sql("UPDATE pauses SET resumed_at = ?, resumed_by = ? WHERE resumed_at IS NULL"),
                (iso(utcnow()), who),
            )
            self._event(cur, "resume", None, who=who)
            return True


class SQLiteLedger(Ledger):
    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.migrate()

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode=WAL")  # once per database: switching needs it to itself
        conn.execute("PRAGMA synchronous=FULL")  # a settled outcome must survive a power cut
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    @contextmanager
    def transaction(self, *, for_claim: bool = False, read_only: bool = False) -> Iterator[Any]:
        conn = self.conn()
        cur = conn.cursor()
        cur.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")  # writers queue up front: no upgrade deadlock
        try:
            yield cur
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            cur.close()

    def claimer_alive(self, claimer: str | None) -> bool:
        """A claimer on this host is alive while its process is."""
        if not claimer:
            return False
        host, _, rest = claimer.partition(":")
        pid_text, _, rest = rest.partition(":")
        started = rest.partition(":")[2]  # "" in claimer ids written before the start time was recorded
        if host != socket.gethostname() or not pid_text.isdigit():
            return True  # cannot tell: assume alive (SQLite ledgers are one host's)
        if claimer == self.claimer:
            return True
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # another user's process: its start time still tells
        now_started = process_start(int(pid_text))
        if started and now_started and started != now_started:
            return False  # the pid was reused by a process that started later: the claimer is gone
        return _is_running(int(pid_text))

    @contextmanager
    def run_lock(self) -> Iterator[bool]:
        import fcntl

        lock_path = self.path.with_name(self.path.name + ".run.lock")
        handle = lock_path.open("a+")
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

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._liveness = self._connect_raw()
        # Held for this process's life: others test it to know whether our `publishing` rows are in flight.
        self._liveness.execute("SELECT pg_advisory_lock(%s)", (_lock_key(self.claimer),))
        self._migrate_locked()

    def _connect_raw(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise ConfigError(
                "the PostgreSQL ledger needs psycopg", hint="pip install 'socialpub[postgresql]'"
            ) from None
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise SocialpubError(
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
        conn = self.conn()
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    def claimer_alive(self, claimer: str | None) -> bool:
        if not claimer:
            return False
        if claimer == self.claimer:
            return True
        row = self._liveness.execute("SELECT pg_try_advisory_lock(%s)", (_lock_key(claimer),)).fetchone()
        if row and row[0]:
            self._liveness.execute("SELECT pg_advisory_unlock(%s)", (_lock_key(claimer),))
            return False
        return True

    @contextmanager
    def run_lock(self) -> Iterator[bool]:
        yield True  # hosts share the work row by row

    def close(self) -> None:
        super().close()
        try:
            self._liveness.close()
        except Exception:  # noqa: BLE001 - closing at exit
            pass


def _lock_key(text: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def _scrub_url(message: str, url: str) -> str:
    """Never show a database password."""
    password = re.search(r"://[^:/@]+:([^@]+)@", url)
    if password:
        message = message.replace(password.group(1), "[secret]")
    return message


def open_ledger(spec: str, base: Path) -> Ledger:
    """A ledger from a URL or path: `postgresql://…` or a SQLite file (relative to the config's folder)."""
    if spec.startswith(("postgresql://", "postgres://")):
        return PostgresLedger(spec)
    path = Path(spec.removeprefix("sqlite:///").removeprefix("sqlite://"))
    if not path.is_absolute():
        path = base / path
    return SQLiteLedger(path)
