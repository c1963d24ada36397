"""Exactly-once proofs against the sandbox: crash safety, concurrency, fan-out and the idle run.

    .venv/bin/python bench/exactly_once.py [--only crash|concurrency|fanout|idle|attacks] [--rounds N] [--kills N]

Each proof builds throw-away repositories (channels.toml with the four kinds pointed at a `Sandbox` running
in this process on loopback, `env:` credentials set to the sandbox's throw-away "sandbox-<key>" values, real
PNG and MP4 files, posts with approval codes valid at their publish_at), runs `.venv/bin/socialpub run
--now … --format json` as real processes, and counts what the sandbox keeps: for every due (post, channel)
exactly one object on the platform, and `socialpub status` saying `published`. Results go into
docs/benchmarks.md between `<!-- exactly-once:start -->` and `<!-- exactly-once:end -->` (the rest of the
file is left alone) and bench/out/exactly-once.json. See bench/README.md and docs/exactly-once.md.

The first half of this file is the harness (`World`, `KillSwitch`, `crash_trial`, `concurrent_round`);
tests/test_exactly_once.py uses it at small sizes. Nothing goes over the network but loopback.

Exit status: 0 every bar passes, 1 a bar fails (a duplicate, a lost post, a time bar), 2 something could
not be measured.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

if __name__ == "__main__":  # socialpub's own interpreter: the sandbox runs in this process
    try:
        import socialpub  # noqa: F401
    except ImportError:
        venv = REPO / ".venv" / "bin" / "python"
        if venv.exists() and Path(sys.executable).resolve() != venv.resolve():
            os.execv(str(venv), [str(venv), *sys.argv])
        raise
    sys.path.insert(0, str(REPO))

from socialpub.sandbox import Sandbox  # noqa: E402

# --- the harness --------------------------------------------------------------------------------------------

KINDS = {"tw": "twitter", "fb": "facebook", "yt": "youtube", "pin": "pinterest"}
CREDENTIALS = {
    "tw": ("api_key", "api_secret", "access_token", "access_secret"),
    "fb": ("page_token",),
    "yt": ("client_id", "client_secret", "refresh_token"),
    "pin": ("access_token",),
}
BOARD = ("Lab Notes", "549755885177")
ZONE = "America/New_York"
AT = datetime(2014, 9, 15, 14, 0, tzinfo=UTC)  # first publish_at: 10:00 in New York
APPROVAL = "3001314  Last Updated 6/14"  # valid for a publish_at from June 2014 to June 2015
# Minimal real media (tests/helpers.py has the same bytes): a 1x1 PNG and an MP4 with ftyp and mdat boxes.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x10mdat" + b"\x00" * 8
LOCK_HELD = "another run holds the lock"


def socialpub_script(python: str | None = None) -> str:
    """The console script next to socialpub's interpreter (the repository's .venv by default)."""
    base = Path(python) if python else REPO / ".venv" / "bin" / "python"
    if not base.exists():
        base = Path(sys.executable)
    return str(base.parent / "socialpub")


def make_sandbox(latency: float = 0.0) -> Sandbox:
    """A started sandbox whose connections send without Nagle's delay.

    The sandbox writes an answer's headers and body in two sends; with Nagle's algorithm on, the body waits
    for the client's delayed ACK of the headers (40 ms on Linux), which would add about 40 ms to every
    request and make "50 ms per request" about 90. TCP_NODELAY on the accepted sockets removes that.
    """
    import socket

    box = Sandbox(latency=latency)
    accept = box.server.get_request

    def get_request() -> tuple[socket.socket, Any]:
        conn, address = accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, address

    box.server.get_request = get_request  # type: ignore[method-assign]
    return box.start()


def parse_now(text: str, zone: str) -> datetime:
    """A `--now` value as the CLI reads it: ISO, and without an offset a wall-clock time in `zone`."""
    from zoneinfo import ZoneInfo

    from socialpub.posts import localize

    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else localize(moment, ZoneInfo(zone))


def env_var(channel: str, key: str) -> str:
    return f"EO_{channel}_{key}".upper()


def channels_toml(url: str, channels: Iterable[str], ledger: str | None = None) -> str:
    lines = [
        "[defaults]",
        f'timezone = "{ZONE}"',
        'max_lateness = "24h"',
        'sponsor = "AstraZeneca"',
    ]
    if ledger:
        lines.append(f'ledger = "{ledger}"')
    for name in channels:
        lines += ["", f"[channels.{name}]", f'kind = "{KINDS[name]}"', f'endpoint = "{url}"']
        if name == "fb":
            lines.append('page_id = "123456789"')
        lines += [f'{key} = "env:{env_var(name, key)}"' for key in CREDENTIALS[name]]
        if name == "pin":
            lines += [f"[channels.{name}.boards]", f'"{BOARD[0]}" = "{BOARD[1]}"']
    lines += [
        "",
        "[compliance.approval]",
        "max_age_months = 12",
        "warn_within_days = 30",
        "",
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class PostSpec:
    id: str
    publish_at: datetime | str  # an aware datetime, or a TOML local date-time read in ZONE
    text: str
    title: str
    channels: tuple[str, ...]
    approval: str = APPROVAL
    thread: tuple[str, ...] = ()  # X replies after the first tweet


def post_file(spec: PostSpec) -> str:
    when = spec.publish_at if isinstance(spec.publish_at, str) else spec.publish_at.isoformat()
    lines = [
        "+++",
        f'title = "{spec.title}"',
        "channels = [" + ", ".join(f'"{c}"' for c in spec.channels) + "]",
        'post_type = "corporate"',
        f"publish_at = {when}",
        f'approval_code = "{spec.approval}"',
        'approval_status = "approved"',
        'media = [{ path = "media/lab.png", alt = "A lab bench with glassware and an open notebook" }]',
    ]
    if "yt" in spec.channels:
        lines += [
            "",
            "[youtube]",
            'media = [{ path = "media/lab.mp4", alt = "A short tour of a lab bench" }]',
        ]
    if "pin" in spec.channels:
        lines += ["", "[pinterest]", f'board = "{BOARD[0]}"']
    if spec.thread:
        lines += ["", "[twitter]", "thread = [" + ", ".join(json.dumps(t) for t in spec.thread) + "]"]
    lines += ["+++", spec.text, ""]
    return "\n".join(lines)


def numbered_posts(
    count: int,
    channels: Sequence[str],
    *,
    start: datetime = AT,
    step: timedelta = timedelta(minutes=1),
    tag: str = "",
) -> list[PostSpec]:
    """`count` posts on `channels`, one a `step` apart from `start`, each with its own text and title."""
    return [
        PostSpec(
            id=f"p{i:03d}",
            publish_at=start + i * step,
            text=f"Lab notes {tag}{i:03d}: what our research team learned at the bench this week.",
            title=f"Lab notes {tag}{i:03d}",
            channels=tuple(channels),
        )
        for i in range(count)
    ]


@dataclass
class Outcome:
    """One `socialpub run` (or status) process."""

    argv: list[str]
    code: int | None  # None: killed by us
    wall: float
    stdout: str
    stderr: str
    started: float = 0.0

    @property
    def killed(self) -> bool:
        return self.code is None

    @property
    def data(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.stdout) if self.stdout.strip() else None
        except ValueError:
            return None

    @property
    def results(self) -> list[dict[str, Any]]:
        data = self.data
        return list(data.get("results") or []) if data else []

    @property
    def lock_held(self) -> bool:
        return LOCK_HELD in self.stderr

    @property
    def finished(self) -> bool:
        """Exit 0 with nothing left to do (or the lock held by another run)."""
        return self.code == 0 and not self.results


class World:
    """A repository of posts, a sandbox and a ledger: what `socialpub run` works on, and what it did."""

    def __init__(
        self,
        root: Path,
        posts: Sequence[PostSpec],
        *,
        channels: Sequence[str] = tuple(KINDS),
        ledger: str | None = None,
        latency: float = 0.0,
        sandbox: Sandbox | None = None,
        script: str | None = None,
        env: dict[str, str] | None = None,
        inprocess: bool = False,
    ) -> None:
        self.root = root
        self.posts = list(posts)
        self.channels = tuple(channels)
        self.ledger = ledger
        self.own_box = sandbox is None
        self.box = sandbox if sandbox is not None else make_sandbox(latency)
        self.script = script or socialpub_script()
        self.base_env = env
        self.inprocess = inprocess  # status and history read in this process (tests: faster), not by the CLI
        root.mkdir(parents=True, exist_ok=True)
        (root / "posts" / "media").mkdir(parents=True, exist_ok=True)
        (root / "posts" / "media" / "lab.png").write_bytes(PNG)
        (root / "posts" / "media" / "lab.mp4").write_bytes(MP4)
        self.config = root / "channels.toml"
        self.config.write_text(channels_toml(self.box.url, self.channels, None), encoding="utf-8")
        for spec in self.posts:
            self.add(spec)

    # --- building ---
    def add(self, spec: PostSpec) -> None:
        if spec not in self.posts:
            self.posts.append(spec)
        (self.root / "posts" / f"{spec.id}.md").write_text(post_file(spec), encoding="utf-8")

    def pairs(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """Every (post, channel) due at `now` (all of them without `now`)."""
        return [
            (p.id, c)
            for p in self.posts
            for c in p.channels
            if now is None or isinstance(p.publish_at, str) or p.publish_at <= now
        ]

    def env(self) -> dict[str, str]:
        env = dict(self.base_env if self.base_env is not None else os.environ)
        env.pop("SOCIALPUB_LEDGER", None)
        env["NO_COLOR"] = "1"
        for name in KINDS:
            for key in CREDENTIALS[name]:
                env[env_var(name, key)] = f"sandbox-{key}"
        return env

    def argv(self, *args: str) -> list[str]:
        ledger = ["--ledger", self.ledger] if self.ledger else []
        return [self.script, "--config", str(self.config), *ledger, *args]

    # --- running ---
    def start(self, now: datetime | str, *extra: str) -> subprocess.Popen[bytes]:
        moment = now if isinstance(now, str) else now.isoformat()
        return subprocess.Popen(
            self.argv("run", "--now", moment, "--format", "json", *extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=self.env(),
            cwd=self.root,
        )

    def run(self, now: datetime | str, *, kill_after: float | None = None, timeout: float = 300.0) -> Outcome:
        """One `socialpub run`; SIGKILLed after `kill_after` seconds when it is still running then."""
        started = time.perf_counter()
        proc = self.start(now)
        return self.wait(proc, started, kill_after=kill_after, timeout=timeout)

    def wait(
        self,
        proc: subprocess.Popen[bytes],
        started: float,
        *,
        kill_after: float | None = None,
        timeout: float = 300.0,
    ) -> Outcome:
        killed = threading.Event()

        def kill() -> None:
            if proc.poll() is None:
                killed.set()
                proc.send_signal(signal.SIGKILL)

        timer = threading.Timer(kill_after, kill) if kill_after is not None else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            err += b"\n[harness: killed after the timeout]"
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - started
        code = None if proc.returncode == -signal.SIGKILL else proc.returncode  # by the timer or a KillSwitch
        return Outcome(
            list(map(str, proc.args)),
            code,
            wall,
            out.decode("utf-8", "replace"),  # type: ignore[arg-type]
            err.decode("utf-8", "replace"),
            started,
        )

    def run_many(self, n: int, now: datetime | str) -> list[Outcome]:
        """`n` runs started at once (as cron on `n` hosts would), each waited for."""
        started = time.perf_counter()
        procs = [self.start(now) for _ in range(n)]
        with ThreadPoolExecutor(max_workers=n) as pool:
            return list(pool.map(lambda p: self.wait(p, started), procs))

    def settle(self, now: datetime | str, *, limit: int = 8) -> list[Outcome]:
        """Rerun until a run exits 0 with nothing left (at most `limit` runs)."""
        outcomes: list[Outcome] = []
        for _ in range(limit):
            outcome = self.run(now)
            outcomes.append(outcome)
            if outcome.finished:
                break
        return outcomes

    def cli(self, *args: str) -> Outcome:
        started = time.perf_counter()
        done = subprocess.run(
            self.argv(*args),
            capture_output=True,
            env=self.env(),
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
        return Outcome(
            self.argv(*args),
            done.returncode,
            time.perf_counter() - started,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
            started,
        )

    def status(self, now: datetime | str) -> list[dict[str, Any]]:
        moment = now if isinstance(now, str) else now.isoformat()
        if self.inprocess:
            from socialpub.config import load_config
            from socialpub.status import status_rows

            config = load_config(self.config)
            with self.open_ledger() as ledger:
                return status_rows(config, ledger, parse_now(moment, ZONE))
        outcome = self.cli("status", "--now", moment, "--format", "json")
        if outcome.code != 0 or outcome.data is None:
            raise RuntimeError(f"socialpub status failed ({outcome.code}): {outcome.stderr.strip()[:500]}")
        return list(outcome.data["rows"])

    # --- counting what the platforms keep ---
    def counts(self) -> Counter[tuple[str, str]]:
        """(post, channel) -> objects the sandbox keeps for it: tweets by text, Page posts by message,
        videos by title, pins by title. Objects that match no post are counted under ('?', platform)."""
        by_key: dict[tuple[str, str], str] = {}
        for p in self.posts:
            by_key[("twitter", p.text)] = p.id
            by_key[("facebook", p.text)] = p.id
            by_key[("youtube", p.title)] = p.id
            by_key[("pinterest", p.title)] = p.id
        channel_of = {kind: name for name, kind in KINDS.items()}
        found: Counter[tuple[str, str]] = Counter()
        for obj in self.box.posts():
            platform = obj["platform"]
            if platform == "twitter" and obj["kind"] == "tweets":
                if obj.get("in_reply_to_tweet_id"):
                    continue  # a later tweet of a thread: part of its post
                key = (obj.get("text") or "").strip()
            elif platform == "facebook" and obj["kind"] == "posts":
                key = (obj.get("message") or "").strip()
            elif platform == "youtube" and obj["kind"] in ("videos", "youtube#video"):
                key = (obj.get("snippet") or {}).get("title")
            elif platform == "pinterest" and obj["kind"] == "pins":
                key = obj.get("title")
            else:
                continue  # media, photos of a Page post, uploads: parts of a post, not posts
            post = by_key.get((platform, key or ""))
            found[(post, channel_of[platform]) if post else ("?", platform)] += 1
        return found

    def verdict(self, now: datetime | str, due: Iterable[tuple[str, str]] | None = None) -> Verdict:
        moment = now if isinstance(now, datetime) else None
        pairs = set(due if due is not None else self.pairs(moment))
        counts = self.counts()
        rows = {(r["post"], r["channel"]): r for r in self.status(now)}
        return Verdict(
            pairs=len(pairs),
            duplicates={k: v for k, v in counts.items() if v > 1 or k[0] == "?"},
            missing=sorted(k for k in pairs if counts.get(k, 0) == 0),
            not_published={
                k: f"{rows[k]['state']}: {rows[k].get('error') or ''}".strip()
                for k in pairs
                if k in rows and rows[k]["state"] != "published"
            }
            | {k: "no status row" for k in pairs if k not in rows},
            chain=self.chain_breaks(),
        )

    def chain_breaks(self) -> list[str]:
        """What `socialpub audit verify` finds wrong with the ledger's hash chain (nothing, when intact)."""
        from socialpub.audit import verify_ledger

        with self.open_ledger() as ledger:
            return [b.message for b in verify_ledger(ledger).breaks]

    def events(self) -> list[dict[str, Any]]:
        if self.inprocess:
            with self.open_ledger() as ledger:
                return ledger.events()
        outcome = self.cli("history", "--format", "json")
        data = outcome.data
        return list(data.get("events") or []) if data else []

    @contextmanager
    def open_ledger(self) -> Iterator[Any]:
        from socialpub.ledger import open_ledger

        ledger = open_ledger(self.ledger or ".socialpub/ledger.db", self.root)
        try:
            yield ledger
        finally:
            ledger.close()

    def ledger_rows(self) -> list[Any]:
        with self.open_ledger() as ledger:
            return ledger.rows()

    def close(self) -> None:
        if self.own_box:
            self.box.stop()


@dataclass
class Verdict:
    pairs: int
    duplicates: dict[tuple[str, str], int]
    missing: list[tuple[str, str]]
    not_published: dict[tuple[str, str], str]
    chain: list[str] = field(default_factory=list)  # breaks of the ledger's hash chain: one chain, intact

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.missing or self.not_published or self.chain)

    def __str__(self) -> str:
        if self.ok:
            return f"{self.pairs} (post, channel): each exactly once on its platform, all published, chain intact"
        return (
            f"{self.pairs} (post, channel): duplicates {self.duplicates}, missing {self.missing}, "
            f"not published {self.not_published}, chain breaks {self.chain}"
        )


# --- killing a run at a chosen point of its conversation with the platforms ---------------------------------

# The routes whose handler makes the post (the object counted above).
CREATE_ROUTES = {
    "twitter": "twitter:create",
    "facebook": "facebook:photos/create",
    "youtube": "youtube:videos.upload",
    "pinterest": "pinterest:pins/create",
}


class KillSwitch:
    """SIGKILL a run from inside the sandbox, at a request of a chosen route.

    `after=True`: the platform makes the post, then the run dies before it reads the answer (the crash
    between the call and its record). `after=False`: the run dies when the request arrives, which is then
    refused, so that nothing is made. With `wait_for=n`, the first n matching requests (one per platform,
    say) are held until all have arrived, then the run dies: n claims in flight at once.
    """

    def __init__(self, box: Sandbox, routes: Iterable[str], *, after: bool, wait_for: int = 1) -> None:
        self.box = box
        self.routes = set(routes)
        self.after = after
        self.wait_for = wait_for
        self.pid: int | None = None
        self.arrived = 0
        self.fired = threading.Event()
        self._lock = threading.Lock()
        self._originals: dict[str, Callable[..., Any]] = {}
        for r in box.table:
            if r.name in self.routes:
                self._originals[r.name] = r.handler
                r.handler = self._wrap(r.handler)
        missing = self.routes - set(self._originals)
        if missing:
            raise ValueError(f"no such sandbox routes: {sorted(missing)}")

    def arm(self, pid: int) -> None:
        self.pid = pid

    def _wrap(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        from socialpub.sandbox import ApiError

        def hooked(request: Any) -> Any:
            if self.pid is None or self.fired.is_set():
                return handler(request)
            if not self.after:
                self._arrive()
                raise ApiError(503, {"error": "the client is gone"})
            response = handler(request)
            self._arrive()
            return response

        return hooked

    def _arrive(self) -> None:
        with self._lock:
            self.arrived += 1
            last = self.arrived >= self.wait_for
        if last:
            if self.pid is not None and not self.fired.is_set():
                os.kill(self.pid, signal.SIGKILL)
            self.fired.set()
        else:
            self.fired.wait(30)

    def disarm(self) -> None:
        for r in self.box.table:
            if r.name in self._originals:
                r.handler = self._originals[r.name]
        self.fired.set()


# --- PostgreSQL databases for the ledger --------------------------------------------------------------------


def pg_admin_url() -> str | None:
    return os.environ.get("SOCIALPUB_TEST_PG")


def create_database(admin_url: str) -> str:
    import secrets

    import psycopg

    name = f"socialpub_eo_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url.rpartition('/')[0]}/{name}"


def drop_database(admin_url: str, url: str) -> None:
    import psycopg

    name = url.rpartition("/")[2]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- a crash trial and a concurrency round ------------------------------------------------------------------


@dataclass
class Trial:
    """A run SIGKILLed at random moments, rerun each time, then rerun to completion."""

    backend: str
    kills: int = 0  # runs killed while still running
    in_flight: list[int] = field(default_factory=list)  # `publishing` rows left by each kill
    runs: list[Outcome] = field(default_factory=list)
    settle: list[Outcome] = field(default_factory=list)
    verdict: Verdict | None = None
    reconciled_found: int = 0  # crashed claims found on the platform (made, not recorded)
    reconciled_absent: int = 0  # crashed claims not on the platform (sent again)
    codes: Counter[str] = field(default_factory=Counter)
    after_kill_walls: list[float] = field(
        default_factory=list
    )  # runs that followed a kill with claims in flight
    other_walls: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.verdict is not None and self.verdict.ok


def crash_trial(
    world: World, now: datetime, rng: random.Random, *, max_kills: int, max_delay: float, backend: str
) -> Trial:
    """Start `run`; SIGKILL it after a random delay; again, until a run completes or `max_kills` kills;
    then rerun to completion and count."""
    trial = Trial(backend)
    stale = 0
    while trial.kills < max_kills:
        outcome = world.run(now, kill_after=rng.uniform(0.0, max_delay))
        trial.runs.append(outcome)
        (trial.after_kill_walls if stale else trial.other_walls).append(outcome.wall)
        if not outcome.killed:
            trial.codes[str(outcome.code)] += 1
            stale = 0
            if outcome.finished:
                break
            continue
        trial.kills += 1
        stale = sum(1 for r in world.ledger_rows() if r.state == "publishing")
        trial.in_flight.append(stale)
    for outcome in world.settle(now):
        trial.settle.append(outcome)
        trial.codes[str(outcome.code)] += 1
        (trial.after_kill_walls if stale else trial.other_walls).append(outcome.wall)
        stale = 0
    if not trial.settle or not trial.settle[-1].finished:
        last = trial.settle[-1] if trial.settle else None
        trial.error = (
            f"no run finished cleanly: {last.code if last else '-'} {last.stderr[-500:] if last else ''}"
        )
    trial.verdict = world.verdict(now)
    for event in world.events():
        if event["action"] == "reconciled":
            if event["detail"].get("found"):
                trial.reconciled_found += 1
            else:
                trial.reconciled_absent += 1
    return trial


@dataclass
class Round:
    backend: str
    outcomes: list[Outcome]
    verdict: Verdict
    published_by: Counter[tuple[str, str]]  # (post, channel) -> runs that reported it published

    @property
    def lock_held(self) -> int:
        return sum(1 for o in self.outcomes if o.lock_held)

    @property
    def workers(self) -> int:
        return sum(1 for o in self.outcomes if any(r["state"] == "published" for r in o.results))

    @property
    def ok(self) -> bool:
        return (
            self.verdict.ok
            and all(o.code == 0 for o in self.outcomes)
            and all(v == 1 for v in self.published_by.values())
        )


def concurrent_round(world: World, now: datetime, runs: int = 4) -> Round:
    outcomes = world.run_many(runs, now)
    published_by: Counter[tuple[str, str]] = Counter()
    for outcome in outcomes:
        for r in outcome.results:
            if r["state"] == "published":
                published_by[(r["post"], r["channel"])] += 1
    return Round(world.ledger and "postgresql" or "sqlite", outcomes, world.verdict(now), published_by)


def crash_track(
    make_world: Callable[[int], tuple[World, Callable[[], None]]],
    now: datetime,
    rng: random.Random,
    *,
    kills: int,
    max_delay: float,
    backend: str,
    max_kills_per_trial: int = 6,
) -> list[Trial]:
    """Fresh worlds (repository, sandbox, ledger), one after the other, each crash-tested, until `kills`
    runs were killed while still running."""
    trials: list[Trial] = []
    done = 0
    while done < kills and len(trials) < kills * 4:
        world, cleanup = make_world(len(trials))
        try:
            trial = crash_trial(
                world,
                now,
                rng,
                max_kills=min(max_kills_per_trial, kills - done),
                max_delay=max_delay,
                backend=backend,
            )
        finally:
            cleanup()
        trials.append(trial)
        done += trial.kills
    return trials


# --- the benchmark ------------------------------------------------------------------------------------------

CHANNELS = tuple(KINDS)
IDLE_NOW = "2013-06-01T00:00:00Z"  # before every generated publish_at: nothing due, nothing missed


def _split(total: int, parts: int) -> list[int]:
    parts = max(1, min(parts, total)) if total else 0
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _pg_admin(explicit: str | None, notes: list[str]) -> str | None:
    """The PostgreSQL server's admin URL: --pg, SOCIALPUB_TEST_PG, or the test server started here."""
    url = explicit or pg_admin_url()
    if url:
        return url
    if not list(Path("/usr/lib/postgresql").glob("*/bin")):
        notes.append("PostgreSQL is not installed here: its parts were not run (scripts/test-postgres.sh)")
        return None
    done = subprocess.run(
        [str(REPO / "scripts" / "test-postgres.sh"), "start"], capture_output=True, text=True
    )
    for line in done.stdout.splitlines():
        if line.startswith("export SOCIALPUB_TEST_PG="):
            return line.split("=", 1)[1].strip()
    notes.append(f"the PostgreSQL test server did not start: {done.stderr.strip()[-300:]}")
    return None


def _world_maker(
    work: Path,
    name: str,
    posts: Sequence[PostSpec],
    *,
    backend: str,
    admin: str | None,
    latency: float,
    env: dict[str, str],
    script: str,
) -> Callable[[int], tuple[World, Callable[[], None]]]:
    import shutil

    def make(index: int) -> tuple[World, Callable[[], None]]:
        ledger = create_database(admin) if backend == "postgresql" and admin else None
        root = work / f"{name}-{index}"
        world = World(root, posts, ledger=ledger, latency=latency, env=env, script=script)

        def cleanup() -> None:
            world.close()
            if ledger and admin:
                drop_database(admin, ledger)
            shutil.rmtree(root, ignore_errors=True)

        return world, cleanup

    return make


def _extra_copies(verdict: Verdict) -> int:
    return sum(n - 1 if key[0] != "?" else n for key, n in verdict.duplicates.items())


def bench_crash(
    args: argparse.Namespace, work: Path, env: dict[str, str], script: str, admin: str | None
) -> dict[str, Any]:
    posts = numbered_posts(args.posts, CHANNELS)
    now = AT + timedelta(minutes=args.posts + 60)
    result: dict[str, Any] = {
        "posts": args.posts,
        "channels": len(CHANNELS),
        "latency": args.latency,
        "jobs": args.jobs,
        "kills_per_trial": args.kills_per_trial,
        "backends": {},
        "errors": [],
    }
    # A run that nobody kills: how long the whole job takes (the kill delays are drawn up to this), and the
    # warm-up of the bytecode cache.
    make = _world_maker(
        work,
        "crash-baseline",
        posts,
        backend="sqlite",
        admin=None,
        latency=args.latency,
        env=env,
        script=script,
    )
    world, cleanup = make(0)
    try:
        baseline = world.run(now)
        verdict = world.verdict(now)
    finally:
        cleanup()
    result["baseline_wall"] = baseline.wall
    if baseline.code != 0 or not verdict.ok:
        result["errors"].append(
            f"the uninterrupted run failed ({baseline.code}): {verdict} {baseline.stderr.strip()[-500:]}"
        )
        return result
    max_delay = baseline.wall
    plans: list[tuple[str, int, int]] = []  # (backend, kills, seed)
    for kills in _split(args.kills, args.jobs):
        plans.append(("sqlite", kills, args.seed + len(plans)))
    if admin:
        for kills in _split(args.pg_kills, max(1, args.jobs // 2)):
            plans.append(("postgresql", kills, args.seed + len(plans)))

    def track(index: int, plan: tuple[str, int, int]) -> list[Trial]:
        backend, kills, seed = plan
        maker = _world_maker(
            work,
            f"crash-{backend}-{index}",
            posts,
            backend=backend,
            admin=admin,
            latency=args.latency,
            env=env,
            script=script,
        )
        return crash_track(
            maker,
            now,
            random.Random(seed),
            kills=kills,
            max_delay=max_delay,
            backend=backend,
            max_kills_per_trial=args.kills_per_trial,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        done = list(pool.map(lambda item: track(*item), enumerate(plans)))
    result["wall"] = time.perf_counter() - started
    for backend in ("sqlite", "postgresql"):
        trials = [t for plan, ts in zip(plans, done, strict=True) if plan[0] == backend for t in ts]
        if not trials:
            continue
        failures = [t for t in trials if not t.ok]
        after = [w for t in trials for w in t.after_kill_walls]
        other = [w for t in trials for w in t.other_walls]
        codes: Counter[str] = Counter()
        for t in trials:
            codes.update(t.codes)
        result["backends"][backend] = {
            "trials": len(trials),
            "kills": sum(t.kills for t in trials),
            "kills_with_claims_in_flight": sum(1 for t in trials for n in t.in_flight if n),
            "claims_in_flight": sum(n for t in trials for n in t.in_flight),
            "reconciled_found": sum(t.reconciled_found for t in trials),
            "reconciled_absent": sum(t.reconciled_absent for t in trials),
            "pairs_checked": sum(t.verdict.pairs for t in trials if t.verdict),
            "duplicates": sum(_extra_copies(t.verdict) for t in trials if t.verdict),
            "missing": sum(len(t.verdict.missing) for t in trials if t.verdict),
            "not_published": sum(len(t.verdict.not_published) for t in trials if t.verdict),
            "runs": sum(len(t.runs) + len(t.settle) for t in trials),
            "exit_codes": dict(sorted(codes.items())),
            "rerun_after_kill_mean": sum(after) / len(after) if after else None,
            "rerun_after_kill_count": len(after),
            "other_run_mean": sum(other) / len(other) if other else None,
            "failures": [f"{t.verdict} {t.error or ''}".strip() for t in failures[:5]],
        }
    return result


# --- attacks: a crash then an edit, a lost ledger (docs/exactly-once.md, "Safeguards") --------------------------


def edited_spec(spec: PostSpec) -> PostSpec:
    """The post with a typo fixed in its text and title (the kind of edit that follows a failed run)."""
    from dataclasses import replace

    return replace(spec, text=spec.text.replace("learned", "learnt") + " (edited)", title=spec.title + " (edited)")


def lose_ledger(world: World) -> None:
    """The ledger lost: SQLite's files deleted; PostgreSQL's tables emptied (a restore of an empty backup)."""
    if world.ledger is None:
        for path in (world.root / ".socialpub").glob("ledger.db*"):
            path.unlink()
        return
    with world.open_ledger() as ledger, ledger.transaction() as cur:
        for table in ("publications", "events", "payloads", "blobs"):
            cur.execute(f"DELETE FROM {table}")


def crash_edit_trial(world: World, now: datetime, rng: random.Random, *, max_kills: int) -> dict[str, Any]:
    """SIGKILL `run` from inside the sandbox when the 1st to 4th create request arrives (before or after the
    platform made the post, drawn at random); after each kill, edit every post it left in flight; then run to
    completion, settling what stays `unknown` (edited, the attempt not found) as a person would after looking
    (`resolve --not-published`: the sandbox does not have it). Counts copies under the old and the new text."""
    kills = edits = resolved = 0
    for _ in range(max_kills):
        left = len(set(world.pairs())) - sum(1 for r in world.ledger_rows() if r.state == "published")
        if left <= 0:
            break
        held = min(rng.randint(1, len(CHANNELS)), left)  # never wait for requests that will not come
        switch = KillSwitch(world.box, CREATE_ROUTES.values(), after=rng.random() < 0.5, wait_for=held)
        started = time.perf_counter()
        proc = world.start(now)
        switch.arm(proc.pid)
        outcome = world.wait(proc, started)
        switch.disarm()
        if not outcome.killed:
            break
        kills += 1
        in_flight = {r.post_id for r in world.ledger_rows() if r.state == "publishing"}
        for spec in [s for s in world.posts if s.id in in_flight and "(edited)" not in s.text]:
            world.add(edited_spec(spec))
            edits += 1
    runs = world.settle(now)
    for row in world.ledger_rows():
        if row.state == "unknown":
            world.cli("resolve", row.post_id, "--channel", row.channel, "--not-published", "--reason", "bench")
            resolved += 1
    if resolved:
        runs += world.settle(now)
    verdict = world.verdict(now)
    return {
        "kills": kills,
        "edits": edits,
        "resolved": resolved,
        "duplicates": _extra_copies(verdict),
        "missing": len(verdict.missing),
        "not_settled": sum(1 for v in verdict.not_published.values() if not v.startswith("edited-after-publish")),
        "found_as_sent": sum(1 for e in world.events() if e["action"] == "reconciled" and e["detail"].get("found")),
        "finished": bool(runs and runs[-1].finished),
    }


def ledger_loss_trial(world: World, now: datetime) -> dict[str, Any]:
    """Publish everything, lose the ledger, run again: every post must be found, none sent again."""
    first = world.run(now)
    before = world.verdict(now)
    lose_ledger(world)
    again = world.run(now)
    verdict = world.verdict(now)
    return {
        "first_ok": first.code == 0 and before.ok,
        "rerun_code": again.code,
        "rerun_wall": again.wall,
        "duplicates": _extra_copies(verdict),
        "missing": len(verdict.missing),
        "not_published": len(verdict.not_published),
        "found_first": sum(1 for e in world.events() if e["action"] == "looked-first" and e["detail"].get("found")),
        "pairs": verdict.pairs,
    }


def _create_requests(world: World) -> list[dict[str, Any]]:
    with world.box.lock:
        return [r for r in world.box.requests if r["route"] in CREATE_ROUTES.values()]


def pause_trial(world: World, now: datetime, rng: random.Random, *, delay: float) -> dict[str, Any]:
    """A run publishes every post on the four channels, each create request held `delay` seconds by the
    sandbox; the crisis switch is thrown (as `socialpub pause` does: committed before it returns) once a
    random number of creates have arrived. No create may arrive after that beyond the instant a request
    already past its gate takes to get there; after `resume`, everything goes out once."""
    total = len(set(world.pairs()))
    wait_for = rng.randint(1, max(1, total // 2))
    originals: dict[str, Callable[..., Any]] = {}
    for r in world.box.table:
        if r.name in CREATE_ROUTES.values():
            originals[r.name] = r.handler

            def held(request: Any, handler: Callable[..., Any] = r.handler) -> Any:
                time.sleep(delay)
                return handler(request)

            r.handler = held
    try:
        started = time.perf_counter()
        proc = world.start(now)
        deadline = time.monotonic() + 120
        while len(_create_requests(world)) < wait_for and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        with world.open_ledger() as ledger:
            ledger.pause("bench: recall drill", who="bench@localhost")
        paused_at = time.time()
        before = len(_create_requests(world))
        outcome = world.wait(proc, started)
    finally:
        for r in world.box.table:
            if r.name in originals:
                r.handler = originals[r.name]
    late = [r["time"] - paused_at for r in _create_requests(world) if r["time"] > paused_at]
    world.cli("resume", "--reason", "bench")
    runs = world.settle(now)
    verdict = world.verdict(now)
    return {
        "pairs": total,
        "creates_before_pause": before,
        "arrived_after_pause": len(late),
        "latest_after_pause_ms": round(max(late, default=0.0) * 1000, 1),
        "run_code": outcome.code,
        "duplicates": _extra_copies(verdict),
        "missing": len(verdict.missing),
        "finished": bool(runs and runs[-1].finished),
    }


def bench_attacks(
    args: argparse.Namespace, work: Path, env: dict[str, str], script: str, admin: str | None
) -> dict[str, Any]:
    posts = numbered_posts(args.attack_posts, CHANNELS)
    now = AT + timedelta(minutes=args.attack_posts + 60)  # every post long past due (looked for first)
    result: dict[str, Any] = {
        "posts": args.attack_posts, "channels": len(CHANNELS), "backends": {}, "kills": args.attack_kills,
        "kills_per_trial": args.kills_per_trial, "pause_trials": args.pause_trials, "pause_delay": args.pause_delay,
    }
    backends = ["sqlite"] + (["postgresql"] if admin else [])
    for backend in backends:
        maker = _world_maker(work, f"attack-{backend}", posts, backend=backend, admin=admin,
                             latency=args.latency, env=env, script=script)
        world, cleanup = maker(0)
        try:
            loss = ledger_loss_trial(world, now)
        finally:
            cleanup()
        trials = []
        rng = random.Random(args.seed)
        index = 1
        while sum(t["kills"] for t in trials) < args.attack_kills and index < 4 * args.attack_kills + 2:
            world, cleanup = maker(index)
            index += 1
            try:
                trials.append(crash_edit_trial(world, now, rng, max_kills=args.kills_per_trial))
            finally:
                cleanup()
        pauses = []
        for trial in range(args.pause_trials):
            world, cleanup = maker(1000 + trial)
            try:
                pauses.append(pause_trial(world, now, rng, delay=args.pause_delay))
            finally:
                cleanup()
        result["backends"][backend] = {
            "pause": {
                "trials": len(pauses),
                "creates_before_pause": sum(p["creates_before_pause"] for p in pauses),
                "arrived_after_pause": sum(p["arrived_after_pause"] for p in pauses),
                "latest_after_pause_ms": max((p["latest_after_pause_ms"] for p in pauses), default=0.0),
                "duplicates": sum(p["duplicates"] for p in pauses),
                "missing": sum(p["missing"] for p in pauses),
                "unfinished": sum(1 for p in pauses if not p["finished"] or p["run_code"] != 0),
            },
            "ledger_loss": loss,
            "crash_edit": {
                key: sum(t[key] for t in trials)
                for key in ("kills", "edits", "resolved", "duplicates", "missing", "not_settled", "found_as_sent")
            }
            | {"trials": len(trials), "unfinished": sum(1 for t in trials if not t["finished"])},
        }
    return result


def attacks_paragraph(attacks: dict[str, Any]) -> str:
    """How the attack proofs were run, from their figures (a run of `--only attacks` writes its own sizes)."""
    sizes = (f"{attacks['posts']} posts × {attacks['channels']} channels, {attacks['kills']} kills (at most "
             f"{attacks['kills_per_trial']} before a run may complete) and {attacks['pause_trials']} pause trials per "
             f"ledger" if "kills" in attacks else f"{attacks['posts']} posts × {attacks['channels']} channels")
    return (
        f"**Attacks** ({sizes}; measured {attacks.get('measured') or 'in an earlier run'}). Crash then edit: `run` "
        "is killed from inside the sandbox when the 1st to 4th create arrives, before or after the platform made "
        "the post; every post left in flight is then edited (a typo fixed), and the runs go on to completion; "
        "what stays `unknown` (edited, not found as sent) is settled as a person would after looking. Lost "
        "ledger: everything published, the ledger deleted (SQLite) or emptied (PostgreSQL), `run` again. Pause "
        f"mid-run: every create held {attacks.get('pause_delay', 0.3)} s by the sandbox, `pause` thrown after a "
        "random number of creates, then `resume` and run to completion."
    )


def attack_bars(attacks: dict | None) -> list[tuple[str, str, str, bool | None]]:
    rows: list[tuple[str, str, str, bool | None]] = []
    if not attacks:
        return rows
    for backend, a in attacks["backends"].items():
        c, loss = a["crash_edit"], a["ledger_loss"]
        pause = a.get("pause")
        if pause and pause["trials"]:
            rows.append((
                f"pause mid-run ({backend})",
                f"{pause['trials']} runs of {attacks['posts']} posts × 4 channels paused after "
                f"{pause['creates_before_pause']} creates in all: {pause['arrived_after_pause']} creates arrived "
                f"after `pause` returned (latest {pause['latest_after_pause_ms']} ms after: a request already past "
                f"its gate), then resumed: {pause['duplicates']} duplicates, {pause['missing']} lost",
                "no create later than 100 ms after pause; 0 duplicates, 0 lost",
                pause["latest_after_pause_ms"] <= 100 and pause["duplicates"] == 0 and pause["missing"] == 0
                and pause["unfinished"] == 0,
            ))
        rows.append((
            f"crash then edit ({backend})",
            f"{c['kills']} SIGKILLs in {c['trials']} runs of {attacks['posts']} posts × 4 channels, {c['edits']} "
            f"posts edited after a kill: {c['duplicates']} duplicates, {c['missing']} lost, {c['found_as_sent']} "
            f"found as sent, {c['resolved']} left `unknown` for a person, {c['not_settled']} not settled",
            "0 duplicates, 0 lost",
            c["duplicates"] == 0 and c["missing"] == 0 and c["not_settled"] == 0 and c["unfinished"] == 0,
        ))
        rows.append((
            f"lost ledger ({backend})",
            f"{loss['pairs']} (post, channel) published, ledger lost, run again: {loss['found_first']} found "
            f"before any send, {loss['duplicates']} duplicates, {loss['missing']} lost "
            f"(rerun {loss['rerun_wall']:.1f} s, exit {loss['rerun_code']})",
            "0 duplicates",
            loss["first_ok"] and loss["duplicates"] == 0 and loss["missing"] == 0 and loss["not_published"] == 0,
        ))
    return rows


def bench_concurrency(
    args: argparse.Namespace, work: Path, env: dict[str, str], script: str, admin: str | None
) -> dict[str, Any]:
    now = AT + timedelta(minutes=args.concurrency_posts + 60)
    result: dict[str, Any] = {
        "rounds": args.rounds,
        "runs": 4,
        "posts": args.concurrency_posts,
        "latency": args.concurrency_latency,
        "backends": {},
    }
    for backend in ("sqlite", "postgresql"):
        if backend == "postgresql" and not admin:
            continue
        rounds: list[dict[str, Any]] = []
        started = time.perf_counter()
        for index in range(args.rounds):
            posts = numbered_posts(args.concurrency_posts, CHANNELS, tag=f"r{index}-")
            world, cleanup = _world_maker(
                work,
                f"concurrency-{backend}",
                posts,
                backend=backend,
                admin=admin,
                latency=args.concurrency_latency,
                env=env,
                script=script,
            )(index)
            try:
                r = concurrent_round(world, now, runs=4)
            finally:
                cleanup()
            rounds.append(
                {
                    "ok": r.ok,
                    "duplicates": _extra_copies(r.verdict),
                    "missing": len(r.verdict.missing),
                    "not_published": len(r.verdict.not_published),
                    "published_twice": sum(1 for n in r.published_by.values() if n > 1),
                    "lock_held": r.lock_held,
                    "workers": r.workers,
                    "codes": [o.code for o in r.outcomes],
                    "wall": max(o.wall for o in r.outcomes),
                    "problem": None
                    if r.ok
                    else f"{r.verdict} {[o.stderr[-300:] for o in r.outcomes if o.code]}",
                }
            )
        result["backends"][backend] = {
            "rounds": rounds,
            "wall": time.perf_counter() - started,
            "duplicates": sum(r["duplicates"] for r in rounds),
            "missing": sum(r["missing"] + r["not_published"] for r in rounds),
            "published_twice": sum(r["published_twice"] for r in rounds),
            "non_zero_exits": sum(1 for r in rounds for c in r["codes"] if c != 0),
            "lock_held": [r["lock_held"] for r in rounds],
            "workers": [r["workers"] for r in rounds],
        }
    return result


def bench_fanout(args: argparse.Namespace, work: Path, env: dict[str, str], script: str) -> dict[str, Any]:
    from dataclasses import replace

    # All due within the last minutes, as cron finds them: no post is long enough past due to be looked for on
    # the platform first (publish.LOOK_FIRST_AFTER), which would add a lookup per post to both sides.
    posts = numbered_posts(args.fanout_posts, CHANNELS, step=timedelta(0))
    now = AT + timedelta(minutes=5)

    def measure(channels: tuple[str, ...]) -> dict[str, Any]:
        box = make_sandbox(args.fanout_latency)
        limited: Counter[str] = Counter()
        for platform in box.platforms:  # count the 429s the sandbox's rate limits answer
            original = platform.rate_limited

            def counted(
                reset_in: float, limit: int, name: str = platform.name, original: Any = original
            ) -> Any:
                limited[name] += 1
                return original(reset_in, limit)

            platform.rate_limited = counted  # type: ignore[method-assign]
        specs = [replace(p, channels=channels) for p in posts]
        world = World(
            work / ("fanout-" + "-".join(channels)),
            specs,
            channels=channels,
            sandbox=box,
            env=env,
            script=script,
        )
        try:
            outcome = world.run(now, timeout=3600)
            verdict = world.verdict(now)
            requests = Counter(r["route"].split(":")[0] for r in list(box.requests))
        finally:
            box.stop()
        return {
            "channels": list(channels),
            "wall": outcome.wall,
            "code": outcome.code,
            "requests": dict(requests),
            "rate_limited": dict(limited),
            "ok": verdict.ok,
            "verdict": str(verdict),
            "stderr": outcome.stderr.strip()[-500:] if outcome.code else "",
        }

    serial = {name: measure((name,)) for name in CHANNELS}
    full = measure(CHANNELS)
    busiest = max(serial, key=lambda name: serial[name]["wall"])
    ratio = full["wall"] / serial[busiest]["wall"]
    return {
        "posts": args.fanout_posts,
        "latency": args.fanout_latency,
        "serial": serial,
        "full": full,
        "busiest": busiest,
        "ratio": ratio,
        "rate_limited": sum(sum(m["rate_limited"].values()) for m in [*serial.values(), full]),
    }


def bench_idle(args: argparse.Namespace, work: Path, python: str, script: str) -> dict[str, Any]:
    """`socialpub run` over generated posts of which none is due, against bench/run.py's floor (read and
    TOML-parse every post file), with bench/run.py's generator, timing wrapper and environment."""
    import statistics

    sys.path.insert(0, str(HERE))
    import run as runbench  # bench/run.py

    gen = work / "idle"
    started = time.perf_counter()
    manifest = runbench.generate.generate(gen, args.idle_posts, args.seed, config=REPO / "channels.toml")
    result: dict[str, Any] = {
        "posts": manifest["posts"],
        "generate_seconds": time.perf_counter() - started,
        "now": IDLE_NOW,
        "seed": args.seed,
        "repeat": args.idle_repeat,
        "errors": [],
    }
    env = runbench.child_env(work / "idle-pycache")
    runbench.WRAPPER[:] = [python, "-I", "-S", str(HERE / "measure.py")]
    runbench.RESULT_FILE[:] = [work / "measure.json"]
    floor = runbench.floor_cmd(python, gen / "posts")
    cmd = [script, "--config", str(gen / "channels.toml"), "run", "--now", IDLE_NOW, "--format", "json"]
    stderr_file = work / "idle-stderr.txt"
    first, out = runbench.run_once(cmd, env=env, cwd=gen, capture=True, stderr_file=stderr_file)
    try:
        data = json.loads(out)
    except ValueError:
        data = {}
    results = data.get("results") or []
    result["warmup"] = {
        "exit": first.code,
        "wall": first.wall,
        "results": dict(Counter(r.get("state") for r in results)),
    }
    if first.code not in (0, 1) or any(r.get("state") not in ("refused",) for r in results):
        result["errors"].append(
            f"`socialpub run` exited {first.code} with {result['warmup']['results']}: "
            f"{first.stderr.strip()[-800:]}"
        )
        return result
    runbench.run_once(floor, env=env, cwd=gen)
    floors, runs = [], []
    for _ in range(args.idle_repeat):
        floors.append(runbench.run_once(floor, env=env, cwd=gen)[0])
        runs.append(runbench.run_once(cmd, env=env, cwd=gen, stderr_file=stderr_file)[0])
    result["floor"] = {
        "walls": [r.wall for r in floors],
        "median": statistics.median(r.wall for r in floors),
        "cpu_median": statistics.median(r.cpu for r in floors),
    }
    result["run"] = {
        "walls": [r.wall for r in runs],
        "median": statistics.median(r.wall for r in runs),
        "cpu_median": statistics.median(r.cpu for r in runs),
        "maxrss_kb": max(r.maxrss_kb for r in runs),
        "codes": sorted({r.code for r in runs}),
    }
    result["ratio"] = result["run"]["median"] / result["floor"]["median"]
    result["cpu_ratio"] = result["run"]["cpu_median"] / result["floor"]["cpu_median"]
    return result


# --- the report ---------------------------------------------------------------------------------------------

CRASH_NOTE = (
    "a kill lands anywhere in a run: start-up, loading, a claim, a request in flight, the settle. `Claims in "
    "flight` counts the `publishing` rows found after each kill (a claim that two kills in a row leave "
    "unsettled counts twice); `found` and `not found` count the reconciliations that settled them"
)


def bars(
    crash: dict | None, concurrency: dict | None, fanout: dict | None, idle: dict | None
) -> list[tuple[str, str, str, bool | None]]:
    rows: list[tuple[str, str, str, bool | None]] = []
    if crash:
        for backend, c in crash["backends"].items():
            rows.append(
                (
                    f"crash safety ({backend})",
                    f"{c['kills']} SIGKILLs in {c['trials']} runs-to-completion of {crash['posts']} posts × "
                    f"{crash['channels']} channels: {c['duplicates']} duplicates, {c['missing']} lost, "
                    f"{c['not_published']} not `published` ({c['pairs_checked']:,} (post, channel) checked)",
                    "0 duplicates, 0 lost",
                    c["duplicates"] == 0
                    and c["missing"] == 0
                    and c["not_published"] == 0
                    and not c["failures"],
                )
            )
        if crash.get("errors"):
            rows.append(("crash safety", "; ".join(crash["errors"])[:300], "", None))
    if concurrency:
        for backend, c in concurrency["backends"].items():
            rounds = len(c["rounds"])
            extra = (
                f"the lock was held for {sum(c['lock_held'])} of the {3 * rounds} other runs (each said "
                f"so and exited 0), one run did the work in {c['workers'].count(1)} rounds"
                if backend == "sqlite"
                else f"runs that published per round: {min(c['workers'])} to {max(c['workers'])} "
                f"(median {sorted(c['workers'])[rounds // 2]})"
            )
            rows.append(
                (
                    f"concurrency ({backend})",
                    f"{rounds} rounds × 4 simultaneous runs: {c['duplicates']} duplicates, "
                    f"{c['missing']} lost, {c['non_zero_exits']} non-zero exits; {extra}",
                    "0 duplicates",
                    c["duplicates"] == 0
                    and c["missing"] == 0
                    and c["published_twice"] == 0
                    and c["non_zero_exits"] == 0,
                )
            )
    if fanout:
        busiest = fanout["serial"][fanout["busiest"]]
        rows.append(
            (
                "fan-out",
                f"{fanout['posts']} posts × 4 channels in {fanout['full']['wall']:.1f} s; the busiest "
                f"channel ({KINDS[fanout['busiest']]}) alone {busiest['wall']:.1f} s: "
                f"{fanout['ratio']:.2f}×; "
                f"{fanout['rate_limited']} 429s",
                "≤ 1.1×, 0 × 429",
                fanout["ratio"] <= 1.1 and fanout["rate_limited"] == 0 and fanout["full"]["ok"],
            )
        )
    if idle:
        if idle.get("ratio") is not None:
            rows.append(
                (
                    "idle run",
                    f"`run` over {idle['posts']:,} posts, none due: {idle['run']['median']:.2f} s median "
                    f"vs floor {idle['floor']['median']:.2f} s: {idle['ratio']:.2f}× "
                    f"(CPU {idle['cpu_ratio']:.2f}×)",
                    "≤ 1.5× floor",
                    idle["ratio"] <= 1.5,
                )
            )
        else:
            rows.append(
                ("idle run", "; ".join(idle.get("errors") or ["not measured"])[:300], "≤ 1.5× floor", None)
            )
    return rows


def verdict_text(ok: bool | None) -> str:
    return "n/a" if ok is None else ("pass" if ok else "**FAIL**")


def report(
    info: dict[str, Any],
    crash: dict | None,
    concurrency: dict | None,
    fanout: dict | None,
    idle: dict | None,
    notes: list[str],
    *,
    attacks: dict | None = None,
    kept: dict[str, tuple[list[str], str]] | None = None,
) -> str:
    """`kept`: proof -> (bar rows, paragraph) as an earlier report wrote them, for proofs without figures."""
    kept = kept or {}
    out: list[str] = []
    w = out.append
    w("## Exactly once")
    w("")
    w(
        f"`{info['command']}` (bench/exactly_once.py; what is proven and how: docs/exactly-once.md). "
        "Real `socialpub run` processes against the sandbox on loopback (in the benchmark's process, "
        "TCP_NODELAY), real adapters and ledgers; every (post, channel) counted on its platform (tweets by "
        "text, Page posts by message, videos and pins by title) and in `socialpub status`."
    )
    w("")
    w(
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']}, {info['python']}; "
        f"{info['date']}, commit `{info['commit']}`, load average {info['load']} at the start, "
        f"{info.get('load_end', '?')} at the end (a load above the core count means other work was running: "
        "wall times are then inflated)."
    )
    w("")
    w("| bar | measured | limit | result |")
    w("|---|---|---|---|")
    for name, measured, limit, ok in bars(crash, concurrency, fanout, idle):
        w(f"| {name} | {measured} | {limit} | {verdict_text(ok)} |")
    for name, part in (("crash", crash), ("concurrency", concurrency), ("fanout", fanout), ("idle", idle)):
        if part is None:
            out.extend(kept[name][0] if name in kept else [f"| {name} | not run (`--only`) | | n/a |"])
    w("")

    def keep(name: str) -> None:  # a proof not measured now: its paragraph as the report had it
        if name in kept and kept[name][1]:
            w(kept[name][1])
            w("")

    if crash is None:
        keep("crash")
    if crash and crash["backends"]:
        w(
            f"**Crash safety.** Posts due at once, {crash['latency'] * 1000:.0f} ms added per request. An "
            f"uninterrupted run takes {crash['baseline_wall']:.1f} s; each run is killed with SIGKILL after "
            f"a delay drawn uniformly from 0 to that, then rerun (and killed again, up to "
            f"{crash['kills_per_trial']} times), until a run completes; then reruns until one exits 0 with "
            f"nothing left, and the count. Up to {crash['jobs']} such tracks at once "
            f"({crash['wall']:.0f} s in all); {CRASH_NOTE}."
        )
        w("")
        w(
            "| ledger | kills | kills with claims in flight | claims in flight | found on the platform "
            "(made, not recorded) | not found (sent once) | runs | exits of unkilled runs | rerun after "
            "such a kill | other runs |"
        )
        w("|---|---|---|---|---|---|---|---|---|---|")
        for backend, c in crash["backends"].items():
            mean = lambda v: f"{v:.1f} s" if v is not None else "–"  # noqa: E731
            w(
                f"| {backend} | {c['kills']} | {c['kills_with_claims_in_flight']} | "
                f"{c['claims_in_flight']} | "
                f"{c['reconciled_found']} | {c['reconciled_absent']} | {c['runs']} | "
                f"{', '.join(f'{k}: {v}' for k, v in c['exit_codes'].items())} | "
                f"{mean(c['rerun_after_kill_mean'])} ({c['rerun_after_kill_count']}) | "
                f"{mean(c['other_run_mean'])} |"
            )
            for failure in c["failures"]:
                w(f"- {backend} failure: {failure}")
        w("")
        w(
            "The rerun after a kill that left claims in flight waits for the reconcile grace (5 s from the "
            "claim, counted from the end of its second) before it looks at the platform: that is most of the "
            "difference between the last two columns."
        )
        w("")
    if concurrency is None:
        keep("concurrency")
    if concurrency and concurrency["backends"]:
        w(
            f"**Concurrency.** Each round: a fresh repository of {concurrency['posts']} posts × 4 channels "
            f"(all due), {concurrency['latency'] * 1000:.0f} ms added per request, 4 `socialpub run` started "
            "at once."
        )
        w("")
        w(
            "| ledger | rounds | duplicates | lost | published by two runs | non-zero exits | lock held (per "
            "round) | runs that published (per round) | wall |"
        )
        w("|---|---|---|---|---|---|---|---|---|")
        for backend, c in concurrency["backends"].items():
            w(
                f"| {backend} | {len(c['rounds'])} | {c['duplicates']} | {c['missing']} | "
                f"{c['published_twice']} | {c['non_zero_exits']} | {' '.join(map(str, c['lock_held']))} | "
                f"{' '.join(map(str, c['workers']))} | {c['wall']:.0f} s |"
            )
            for r in c["rounds"]:
                if r["problem"]:
                    w(f"- {backend}: {r['problem'][:300]}")
        w("")
    if fanout is None:
        keep("fanout")
    if fanout:
        w(
            f"**Fan-out.** {fanout['posts']} posts, each with a PNG (a small MP4 for YouTube), all due 5 minutes "
            "ago (as cron finds them: none is looked for on the platform before its first send); the "
            f"sandbox adds {fanout['latency'] * 1000:.0f} ms to every request and applies its rate limits. "
            "Each line is one `socialpub run` on a fresh sandbox: one channel alone (its posts only), then "
            "all four."
        )
        w("")
        w("| channels | wall | requests | 429 from the rate limits | all published once |")
        w("|---|---|---|---|---|")
        for m in [*fanout["serial"].values(), fanout["full"]]:
            reqs = ", ".join(f"{k} {v}" for k, v in sorted(m["requests"].items()))
            w(
                f"| {' + '.join(KINDS[c] for c in m['channels'])} | {m['wall']:.1f} s | {reqs} | "
                f"{sum(m['rate_limited'].values())} | {'yes' if m['ok'] else 'no: ' + m['verdict'][:200]} |"
            )
        w("")
    if idle is None:
        keep("idle")
    if idle and idle.get("ratio") is not None:
        w(
            f"**Idle run.** bench/run.py's generator ({idle['posts']:,} posts, seed {idle['seed']}) and "
            f"floor (bench/floor.py: read and TOML-parse every post file); `socialpub run --now {IDLE_NOW}` "
            f"(before every publish_at); one warm-up each, then {idle['repeat']} runs each, alternating. "
            f"Run median {idle['run']['median']:.2f} s (CPU {idle['run']['cpu_median']:.2f} s, peak RSS "
            f"{idle['run']['maxrss_kb'] / 1000:.0f} MB), floor median {idle['floor']['median']:.2f} s (CPU "
            f"{idle['floor']['cpu_median']:.2f} s). Warm-up results: {idle['warmup']['results'] or 'none'} "
            f"(exit {idle['warmup']['exit']})."
        )
        w("")
    if attacks is None:
        keep("attacks")  # its paragraph and table, as the report had them
    else:
        w(attacks_paragraph(attacks))
        w("")
        w("| proof | measured | limit | result |")
        w("|---|---|---|---|")
        for name, measured, limit, ok in attack_bars(attacks):
            w(f"| {name} | {measured} | {limit} | {verdict_text(ok)} |")
        w("")
    for note in notes:
        w(f"> Note: {note}")
        w("")
    return "\n".join(out)


PROOFS = ("crash", "concurrency", "fanout", "idle", "attacks")
FIGURES = re.compile(r"<!-- exactly-once figures: (?P<data>[A-Za-z0-9+/=]*) -->")


def carried(figures: dict[str, Any]) -> str:
    """The figures behind the section, hidden in it (compressed JSON, base64: no `--` in an HTML comment), so that
    `--only X` on a fresh checkout (no bench/out/exactly-once.json) keeps the other proofs' rows."""
    data = zlib.compress(json.dumps(figures, default=str, sort_keys=True).encode("utf-8"), 9)
    return f"<!-- exactly-once figures: {base64.b64encode(data).decode('ascii')} -->"


def earlier_figures(json_path: Path, report_path: Path) -> dict[str, Any]:
    """The proofs' figures of the last run: bench/out/exactly-once.json, else the ones the report carries."""
    found: Any = None
    try:
        found = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        try:
            match = FIGURES.search(report_path.read_text(encoding="utf-8"))
            if match:
                found = json.loads(zlib.decompress(base64.b64decode(match.group("data"))))
        except (OSError, ValueError, zlib.error):
            found = None
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if k in PROOFS and isinstance(v, dict)}


# How a report written before it carried its figures names each proof: bar rows, and its paragraph.
LEGACY = {"crash": (("| crash safety",), "**Crash safety.**"), "concurrency": (("| concurrency",), "**Concurrency.**"),
          "fanout": (("| fan-out",), "**Fan-out.**"), "idle": (("| idle run",), "**Idle run.**"),
          "attacks": (("| pause mid-run", "| crash then edit", "| lost ledger"), "**Attacks**")}


def legacy_text(report_path: Path) -> dict[str, tuple[list[str], str]]:
    """The rows and paragraphs of each proof as the section shows them: what `--only` keeps word for word of a
    proof it does not measure and has no figures of (a section written before it carried them)."""
    from sections import sections

    try:
        section = sections(report_path.read_text(encoding="utf-8")).get("exactly-once", "")
    except OSError:
        return {}
    body = "\n".join(line for line in section.splitlines() if not line.startswith("<!-- exactly-once"))
    blocks = body.split("\n\n")
    bar_table = next((block for block in blocks if block.startswith("| bar |")), "")
    kept: dict[str, tuple[list[str], str]] = {}
    for name, (prefixes, heading) in LEGACY.items():
        rows = [line for line in bar_table.splitlines() if line.startswith(prefixes)]
        start = next((i for i, block in enumerate(blocks) if block.startswith(heading)), None)
        paragraph: list[str] = []
        if start is not None:  # its paragraph, and what follows up to the next proof or note
            for block in blocks[start:]:
                if paragraph and (block.startswith(("**", "> Note", "<!--"))):
                    break
                paragraph.append(block)
        if rows or paragraph:
            kept[name] = (rows, "\n\n".join(paragraph))
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Exactly-once proofs against the sandbox (docs/exactly-once.md)."
    )
    parser.add_argument(
        "--only", choices=("crash", "concurrency", "fanout", "idle", "attacks"), help="run one proof only"
    )
    parser.add_argument("--attack-posts", type=int, default=20, help="posts of an attack run (20; 3 for a quick run)")
    parser.add_argument("--attack-kills", type=int, default=20, help="SIGKILLs per ledger, crash then edit (20)")
    parser.add_argument("--pause-trials", type=int, default=10, help="runs paused mid-way, per ledger (10)")
    parser.add_argument("--pause-delay", type=float, default=0.3, help="seconds each create is held (0.3)")
    parser.add_argument("--rounds", type=int, default=20, help="concurrency rounds per ledger (20)")
    parser.add_argument("--kills", type=int, default=100, help="SIGKILLs on the SQLite ledger (100)")
    parser.add_argument("--pg-kills", type=int, default=40, help="SIGKILLs on the PostgreSQL ledger (40)")
    parser.add_argument("--posts", type=int, default=50, help="posts of a crash run (50, on 4 channels)")
    parser.add_argument("--kills-per-trial", type=int, default=5, help="kills before a run may complete (5)")
    parser.add_argument(
        "--latency", type=float, default=0.01, help="sandbox seconds per request, crash (0.01)"
    )
    parser.add_argument("--jobs", type=int, default=4, help="crash tracks at once (4)")
    parser.add_argument("--concurrency-posts", type=int, default=12, help="posts per concurrency round (12)")
    parser.add_argument("--concurrency-latency", type=float, default=0.02, help="seconds per request (0.02)")
    parser.add_argument("--fanout-posts", type=int, default=200, help="posts of the fan-out (200)")
    parser.add_argument("--fanout-latency", type=float, default=0.05, help="seconds per request (0.05)")
    parser.add_argument(
        "--idle-posts", type=int, default=10_000, help="generated posts of the idle run (10000)"
    )
    parser.add_argument("--idle-repeat", type=int, default=5, help="measured idle runs and floors (5)")
    parser.add_argument(
        "--seed", type=int, default=2014, help="seed of kill delays and generated posts (2014)"
    )
    parser.add_argument(
        "--pg",
        default=None,
        help="PostgreSQL admin URL (default: SOCIALPUB_TEST_PG or the "
        "test server of scripts/test-postgres.sh)",
    )
    parser.add_argument("--python", default=None, help="socialpub's interpreter (default: .venv/bin/python)")
    parser.add_argument(
        "--report",
        type=Path,
        default=REPO / "docs" / "benchmarks.md",
        help="the report whose exactly-once section is written (docs/benchmarks.md)",
    )
    parser.add_argument(
        "--results", type=Path, default=HERE / "out" / "exactly-once.json",
        help="the figures as JSON, read back by a later --only (bench/out/exactly-once.json)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    import shutil
    import tempfile

    sys.path.insert(0, str(HERE))
    import run as runbench  # bench/run.py: the machine description
    from sections import replace_section  # bench/sections.py: one section of docs/benchmarks.md

    python = args.python or str(REPO / ".venv" / "bin" / "python")
    if not Path(python).exists():
        python = sys.executable
    script = socialpub_script(python)
    defaults = parser.parse_args([])
    command = "python bench/exactly_once.py" + "".join(
        f" --{k.replace('_', '-')} {v}"
        for k, v in vars(args).items()
        if k not in ("report", "results", "keep", "python", "pg") and v != getattr(defaults, k) and v is not None
    )
    work = Path(tempfile.mkdtemp(prefix="socialpub-exactly-once-"))
    env = runbench.child_env(work / "pycache")
    env.pop("SOCIALPUB_LEDGER", None)
    notes: list[str] = []
    info = runbench.machine(python, env)
    info["command"] = command
    started = time.perf_counter()
    crash = concurrency = fanout = idle = attacks = None
    status = 0
    json_path = args.results
    previous: dict[str, Any] = {}
    kept: dict[str, tuple[list[str], str]] = {}
    if args.only:  # the other proofs' figures: of the last run here, else those the report itself carries
        previous = earlier_figures(json_path, args.report)
        legacy = legacy_text(args.report)
        # Figures that do not say when they were measured (kept before they did) give way to the report's words.
        previous = {k: v for k, v in previous.items() if v.get("measured") or k not in legacy}
        kept = {k: v for k, v in legacy.items() if k not in previous and k != args.only}
        notes += [f"{name}: as an earlier report wrote it, not measured again (`--only {args.only}`)" for name in kept]
    measured_now = {args.only} if args.only else {"crash", "concurrency", "fanout", "idle"}
    try:
        admin = _pg_admin(args.pg, notes) if args.only in (None, "crash", "concurrency", "attacks") else None
        if args.only in (None, "crash"):
            print(
                f"crash: {args.kills} SIGKILLs on SQLite, {args.pg_kills if admin else 0} on PostgreSQL, "
                f"{args.posts} posts × 4 channels…",
                flush=True,
            )
            crash = bench_crash(args, work, env, script, admin)
        if args.only in (None, "concurrency"):
            print(f"concurrency: {args.rounds} rounds × 4 runs per ledger…", flush=True)
            concurrency = bench_concurrency(args, work, env, script, admin)
        if args.only in (None, "fanout"):
            print(f"fan-out: {args.fanout_posts} posts, each channel alone, then all four…", flush=True)
            fanout = bench_fanout(args, work, env, script)
        if args.only in (None, "idle"):
            print(f"idle: {args.idle_posts:,} generated posts, none due…", flush=True)
            idle = bench_idle(args, work, python, script)
        if args.only in (None, "attacks"):
            print(f"attacks: crash then edit, lost ledger, pause mid-run; {args.attack_posts} posts × 4 channels…",
                  flush=True)
            attacks = bench_attacks(args, work, env, script, admin)
    except Exception as exc:  # noqa: BLE001 - reported, not hidden
        notes.append(f"the benchmark stopped: {type(exc).__name__}: {exc}")
        status = 2
    finally:
        try:
            info["load_end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        except OSError:
            pass
        info["seconds"] = time.perf_counter() - started
        notes.append(f"the benchmark took {info['seconds'] / 60:.1f} min")
        # --only: the other proofs keep their figures of the previous run, and say from when.
        parts = {"crash": crash, "concurrency": concurrency, "fanout": fanout, "idle": idle}
        for name, value in previous.items():
            if name in parts and parts[name] is None:
                parts[name] = value
                when = value.get("measured") or "an earlier run"
                notes.append(f"{name}: figures of {when}, not measured again (`--only {args.only}`)")
        for name in ("crash", "concurrency", "fanout", "idle"):
            if name in measured_now and parts[name] is not None:
                parts[name]["measured"] = f"{info['date']}, commit {info['commit'][:12]}"
        crash, concurrency, fanout, idle = (parts[k] for k in ("crash", "concurrency", "fanout", "idle"))
        if attacks is not None:
            attacks["measured"] = f"{info['date']}, commit {info['commit'][:12]}"
        elif isinstance(previous.get("attacks"), dict):
            attacks = previous["attacks"]  # its paragraph says when it was measured
            notes.append(f"attacks: figures of {attacks.get('measured') or 'an earlier run'}, not measured again "
                         f"(`--only {args.only}`)")
        figures = {"crash": crash, "concurrency": concurrency, "fanout": fanout, "idle": idle, "attacks": attacks}
        replace_section(
            args.report, "exactly-once",
            report(info, crash, concurrency, fanout, idle, notes, attacks=attacks, kept=kept)
            + "\n\n" + carried(figures),
        )
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(
            json.dumps(
                {
                    "machine": info,
                    "crash": crash,
                    "concurrency": concurrency,
                    "fanout": fanout,
                    "idle": idle,
                    "attacks": attacks,
                    "notes": notes,
                },
                indent=2,
                default=str,
            ),
            encoding="utf-8",
        )
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print()
    for name, measured, limit, ok in bars(crash, concurrency, fanout, idle) + attack_bars(attacks):
        print(f"{name:<26} {verdict_text(ok).replace('*', ''):<5} {measured.replace('`', '')}  [{limit}]")
        if ok is False:
            status = max(status, 1)
        if ok is None:
            status = 2
    for part in (crash, idle):
        if (
            part
            and part.get("errors")
            and part is not previous.get("crash")
            and part is not previous.get("idle")
        ):
            status = 2
    for note in notes:
        print(f"note: {note}")
    print(f"report: {args.report} (section exactly-once), {json_path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
