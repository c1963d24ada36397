"""Exactly-once proofs against the sandbox: crash safety, concurrency, fan-out and the idle run.

    .venv/bin/python bench/exactly_once.py [--only crash|concurrency|fanout|idle] [--rounds N] [--kills N]

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
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
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

# --- the harness -------------------------------------------------------------------------------------------

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
        lines += ["", "[youtube]", 'media = [{ path = "media/lab.mp4", alt = "A short tour of a lab bench" }]']
    if "pin" in spec.channels:
        lines += ["", "[pinterest]", f'board = "{BOARD[0]}"']
    lines += ["+++", spec.text, ""]
    return "\n".join(lines)


def numbered_posts(
    count: int, channels: Sequence[str], *, start: datetime = AT, step: timedelta = timedelta(minutes=1),
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
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=self.env(),
            cwd=self.root,
        )

    def run(self, now: datetime | str, *, kill_after: float | None = None, timeout: float = 300.0) -> Outcome:
        """One `socialpub run`; SIGKILLed after `kill_after` seconds when it is still running then."""
        started = time.perf_counter()
        proc = self.start(now)
        return self.wait(proc, started, kill_after=kill_after, timeout=timeout)

    def wait(self, proc: subprocess.Popen[bytes], started: float, *, kill_after: float | None = None,
             timeout: float = 300.0) -> Outcome:
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
        return Outcome(list(map(str, proc.args)), code, wall, out.decode("utf-8", "replace"),  # type: ignore[arg-type]
                       err.decode("utf-8", "replace"), started)

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
        done = subprocess.run(self.argv(*args), capture_output=True, env=self.env(), cwd=self.root,
                              stdin=subprocess.DEVNULL, timeout=300)
        return Outcome(self.argv(*args), done.returncode, time.perf_counter() - started,
                       done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"), started)

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
            not_published={k: f"{rows[k]['state']}: {rows[k].get('error') or ''}".strip()
                           for k in pairs if k in rows and rows[k]["state"] != "published"}
            | {k: "no status row" for k in pairs if k not in rows},
        )

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

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.missing or self.not_published)

    def __str__(self) -> str:
        if self.ok:
            return f"{self.pairs} (post, channel): each exactly once on its platform, all published"
        return (f"{self.pairs} (post, channel): duplicates {self.duplicates}, missing {self.missing}, "
                f"not published {self.not_published}")


# --- killing a run at a chosen point of its conversation with the platforms --------------------------------

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


# --- PostgreSQL databases for the ledger -------------------------------------------------------------------


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


# --- a crash trial and a concurrency round -----------------------------------------------------------------


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
    after_kill_walls: list[float] = field(default_factory=list)  # runs that followed a kill with claims in flight
    other_walls: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.verdict is not None and self.verdict.ok


def crash_trial(world: World, now: datetime, rng: random.Random, *, max_kills: int, max_delay: float,
                backend: str) -> Trial:
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
        trial.error = f"no run finished cleanly: {last.code if last else '-'} {last.stderr[-500:] if last else ''}"
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
        return (self.verdict.ok and all(o.code == 0 for o in self.outcomes)
                and all(v == 1 for v in self.published_by.values()))


def concurrent_round(world: World, now: datetime, runs: int = 4) -> Round:
    outcomes = world.run_many(runs, now)
    published_by: Counter[tuple[str, str]] = Counter()
    for outcome in outcomes:
        for r in outcome.results:
            if r["state"] == "published":
                published_by[(r["post"], r["channel"])] += 1
    return Round(world.ledger and "postgresql" or "sqlite", outcomes, world.verdict(now), published_by)


def crash_track(
    make_world: Callable[[int], tuple[World, Callable[[], None]]], now: datetime, rng: random.Random, *,
    kills: int, max_delay: float, backend: str, max_kills_per_trial: int = 6,
) -> list[Trial]:
    """Fresh worlds (repository, sandbox, ledger), one after the other, each crash-tested, until `kills`
    runs were killed while still running."""
    trials: list[Trial] = []
    done = 0
    while done < kills and len(trials) < kills * 4:
        world, cleanup = make_world(len(trials))
        try:
            trial = crash_trial(world, now, rng, max_kills=min(max_kills_per_trial, kills - done),
                                max_delay=max_delay, backend=backend)
        finally:
            cleanup()
        trials.append(trial)
        done += trial.kills
    return trials
