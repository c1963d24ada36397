"""The compliance preview as a library: load posts, render each channel, run the rules, collect findings.

`check`, `preview` and (later) `publish`/`run` share this, so a post is judged the same way everywhere.
"""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialpub.adapters.base import Adapter, Rendered, adapter_for
from socialpub.config import Config
from socialpub.errors import PostError, SocialpubError
from socialpub.hashing import content_hash
from socialpub.posts import Post, discover, duplicate_id, load_post
from socialpub.rules import Finding, evaluate, registry

if TYPE_CHECKING:
    from concurrent.futures import Future  # imported when a check is shared among processes


@dataclass
class PostReport:
    post: Post
    renders: list[Rendered]
    findings: list[Finding]
    at: datetime | None
    all_renders: list[Rendered] = field(default_factory=list)  # every channel, for the content hash
    digests: dict[Path, str] = field(default_factory=dict)  # media file -> sha256 when the hash was taken
    _hash: str | None = field(default=None, repr=False)

    def content_hash(self) -> str:
        """The content hash (every channel, media bytes included), taken once: publishing takes it when the
        post is checked, and compares the bytes it is about to send with `digests`."""
        if self._hash is None:
            self._hash = content_hash(self.all_renders, self.digests)
        return self._hash

    def blocking(self, channel: str) -> list[str]:
        """Rule ids of the unsuppressed errors that stop this post on this channel."""
        return sorted({f.rule for f in self.findings if f.blocking and f.channel in (None, channel)})


@dataclass(slots=True)
class Checked:
    """One checked post as every report format sees it (preview and the HTML page keep the whole PostReport)."""

    file: str
    post: str
    channels: tuple[str, ...]  # the channels it was checked for
    findings: list[Finding]


@dataclass
class CheckResult:
    reports: list[PostReport]  # empty unless run_check kept them (keep_reports)
    file_findings: list[Finding]  # files that could not be loaded at all
    files: int
    findings: list[Finding] = field(default_factory=list)
    checked: list[Checked] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.checked:
            self.checked = [
                Checked(r.post.file, r.post.id, tuple(x.channel.name for x in r.renders), r.findings)
                for r in self.reports
            ]
        if not self.findings:
            self.findings = [*self.file_findings, *(f for c in self.checked for f in c.findings)]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.blocking)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning" and not f.suppressed)

    @property
    def suppressed(self) -> int:
        return sum(1 for f in self.findings if f.suppressed)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def posts(self) -> int:
        return self.files


def file_finding(error: PostError, post_id: str | None = None) -> Finding:
    rule = registry()[error.rule]
    message = f"{error.key}: {error.message}" if error.key else error.message
    return Finding(
        rule=rule.id,
        name=rule.name,
        severity="error",
        post=post_id or (Path(error.file).stem if error.file else None),
        channel=None,
        file=error.file or "",
        line=error.line,
        column=error.column,
        message=message,
        excerpt=None,
        hint=error.hint or rule.help,
    )


class Renderer:
    """One adapter per channel, made once per run."""

    def __init__(self, config: Config, environ: Mapping[str, str] | None = None,
                 token_lock: Callable[[str], AbstractContextManager[None]] | None = None) -> None:
        self.config = config
        self.environ = environ
        self.token_lock = token_lock  # the ledger's, for refreshing rotating tokens (adapters' refresh_lock)
        self._adapters: dict[str, Adapter] = {}
        self.credential_warnings: dict[str, str] = {}  # channel -> why one of its credential files is not private

    def learn_secrets(self) -> None:
        """Read every credential once, so that a platform echoing any of them is redacted everywhere; note the
        credential files others can read (a warning: a container's secret mount is often 0444)."""
        from socialpub.errors import CredentialsError, MalformedCredentialError

        for channel in self.config.channels.values():
            for ref in channel.credentials.values():
                try:
                    ref.resolve(self.environ)  # type: ignore[arg-type]
                except MalformedCredentialError:
                    raise  # a configuration error: exit 2 before anything is sent
                except CredentialsError:
                    pass  # missing: reported when (and if) the channel is used
                exposure = ref.exposure()
                if exposure and channel.name not in self.credential_warnings:
                    self.credential_warnings[channel.name] = f"channels.{channel.name}.{ref.key}: {exposure}"

    def adapter(self, channel: str) -> Adapter:
        if channel not in self._adapters:
            adapter = adapter_for(self.config.channels[channel], self.config.compliance.limits, environ=self.environ)
            adapter.token_lock = self.token_lock
            self._adapters[channel] = adapter
        return self._adapters[channel]

    def render(self, post: Post, channels: Iterable[str] | None = None) -> list[Rendered]:
        names = post.channels if channels is None else [c for c in post.channels if c in set(channels)]
        return [self.adapter(name).render(post) for name in names]


def check_post(
    post: Post, config: Config, renderer: Renderer, *, channels: Sequence[str] | None = None,
    at: datetime | None = None, now: datetime | None = None,
) -> PostReport:
    """Every finding for one loaded post (on the selected channels)."""
    all_renders = renderer.render(post)
    renders = all_renders if channels is None else [r for r in all_renders if r.channel.name in channels]
    when = at or post.publish_at or now
    findings = [file_finding(problem, post.id) for r in renders for problem in r.problems]
    findings += evaluate(
        post, renders, config.compliance, at=when, timezone=config.defaults.timezone, all_renders=all_renders
    )
    return PostReport(post=post, renders=renders, findings=findings, at=when, all_renders=all_renders)


def hash_posts(config: Config, paths: Iterable[Path]) -> list[dict[str, str]]:
    """`socialpub hash`: the content hash of each post (what the approver records as approved_sha256), or a
    SocialpubError naming every post file that does not load."""
    from socialpub.posts import load_posts, select_posts

    loaded = load_posts(config, select_posts(config, paths))
    if loaded.errors:
        raise SocialpubError(
            "cannot hash a post that does not load:\n  " + "\n  ".join(str(e) for e in loaded.errors),
            hint="fix the file first (socialpub check shows every problem)",
        )
    renderer = Renderer(config)
    return [{"post": post.id, "file": post.file, "sha256": content_hash(renderer.render(post))}
            for post in loaded.posts]


def run_check(
    config: Config,
    paths: Iterable[Path] = (),
    *,
    channels: Sequence[str] | None = None,
    at: datetime | None = None,
    now: datetime | None = None,
    keep_reports: bool = True,
    jobs: int | None = 1,
) -> CheckResult:
    """Check every post file under `paths` (default: the posts folder).

    Without `keep_reports` (what `check` needs) each post is dropped once its findings are known, so memory
    stays flat, and the files may be shared among `jobs` worker processes (None: one per usable CPU). The
    result is the same either way: files are merged back in discovery order, and an id used twice is settled
    there, the first file (in that order) keeping it, as load_posts does.
    """
    files = discover(config, paths)
    work = _Work(config, channels, at, now or datetime.now(UTC), keep_reports)
    workers = 1 if keep_reports else _worker_count(jobs, len(files))
    # What exists by now (modules, the configuration, compiled patterns) lives for the whole run. Frozen, the
    # garbage collector stops re-scanning it every few thousand posts (about a tenth of a large check). A post
    # makes a few thousand short-lived objects: collected every 700 (CPython's default), the youngest ones were
    # scanned several times a post, for almost nothing (see docs/benchmarks.md; the workers inherit the setting).
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(_YOUNG_COLLECTED_EVERY, *thresholds[1:])
    try:
        outcomes = work.run(files) if workers == 1 else _run_in_workers(work, files, workers)
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()

    reports: list[PostReport] = []
    checked: list[Checked] = []
    file_findings: list[Finding] = []
    first_file: dict[str, str] = {}  # post id -> the file that has it
    for path, outcome in zip(files, outcomes, strict=True):
        post_id = None
        if outcome.checked is not None:
            post_id = outcome.checked.post
            if post_id in first_file:
                # Rare, so the line of the id is looked up only now (it costs a scan of the file's keys).
                post, _ = load_post(path, config)
                line = post.line("id") if post is not None else 1
                outcome.problems.append(duplicate_id(outcome.checked.file, post_id, line, first_file[post_id]))
                post_id = None
            else:
                first_file[post_id] = outcome.checked.file
                checked.append(outcome.checked)
                if outcome.report is not None:
                    reports.append(outcome.report)
        if outcome.problems:
            file_findings += [file_finding(e, post_id) for e in outcome.problems]
    return CheckResult(reports=reports, file_findings=file_findings, files=len(files), checked=checked)


@dataclass(slots=True)
class _Outcome:
    """What checking one file gave: its load problems and, when it loaded, the post's findings."""

    problems: list[PostError]
    checked: Checked | None = None
    report: PostReport | None = None  # with keep_reports only (never sent between processes)

    # A worker hands its outcomes back as plain tuples: pickled at the very end, while the parent waits, they go
    # several times faster than dataclasses (20 ms less for 5,000 posts).
    def as_row(self) -> tuple[Any, ...]:
        found = self.checked
        return (self.problems,) if found is None else (self.problems, found.file, found.post, found.channels,
                                                       found.findings)

    @staticmethod
    def from_row(row: tuple[Any, ...]) -> _Outcome:
        return _Outcome(row[0]) if len(row) == 1 else _Outcome(row[0], Checked(*row[1:]))


@dataclass
class _Work:
    config: Config
    channels: Sequence[str] | None
    at: datetime | None
    now: datetime
    keep_reports: bool

    def run(self, files: Sequence[Path]) -> list[_Outcome]:
        renderer = Renderer(self.config)
        outcomes = []
        for batch in self.loaded(files):
            for post, problems in batch:
                outcome = _Outcome(problems)
                if post is not None:
                    report = check_post(post, self.config, renderer, channels=self.channels, at=self.at,
                                        now=self.now)
                    names = tuple(r.channel.name for r in report.renders)
                    outcome.checked = Checked(post.file, post.id, names, report.findings)
                    outcome.report = report if self.keep_reports else None
                outcomes.append(outcome)
        return outcomes

    def loaded(self, files: Sequence[Path]) -> Iterator[list[tuple[Post | None, list[PostError]]]]:
        """The files loaded a batch at a time, to be checked before the next batch is read: each phase's code and
        data stay warm in the CPU's caches (reading's system calls evict them; post by post, checking short posts
        took about a sixth longer, docs/benchmarks.md). A batch ends at _LOAD_BATCH files, or sooner once its
        files hold _LOAD_BATCH_CHARS characters: large posts are not all held at once."""
        batch: list[tuple[Post | None, list[PostError]]] = []
        size = 0
        for path in files:
            post, problems = load_post(path, self.config)
            batch.append((post, problems))
            size += 0 if post is None else len(post.source_text)
            if len(batch) >= _LOAD_BATCH or size >= _LOAD_BATCH_CHARS:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch


_LOAD_BATCH, _LOAD_BATCH_CHARS = 64, 256_000  # files loaded before they are checked (see _Work.loaded)
_YOUNG_COLLECTED_EVERY = 20_000  # allocations between two collections of the youngest objects during a check
PARALLEL_MIN_FILES = 400  # below this, starting workers costs about what they would save
_WARM_UP = 25  # files checked before forking (see _run_in_workers)
# Files taken at a time (see _Shares.take): at the end of a check, and at most (a share is what an interrupted
# check still finishes: a fraction of a second).
_SMALLEST_SHARE, _LARGEST_SHARE = 10, 250


def _worker_count(jobs: int | None, files: int) -> int:
    """Processes to share `files` among (this one included): `jobs`, or (None) one per usable CPU for a large
    enough folder."""
    if jobs == 1 or (jobs is None and files < PARALLEL_MIN_FILES):
        return 1  # starting workers would cost more than it saves (and a few files need no multiprocessing)
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1  # spawned workers would re-import everything and re-read the configuration
    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(jobs, -(-(files - _WARM_UP) // _SMALLEST_SHARE)))  # none without a share


class _Shares:
    """The files of a check, handed out to its processes a share at a time through a counter in shared memory.

    Shares shrink as the files run out (a fraction of what is left: guided self-scheduling), so the processes
    finish together whatever a file costs, while a process asks only a few dozen times in all. Each process
    keeps its outcomes until it has no share left and hands them over once: no message per share."""

    def __init__(self, work: _Work, files: list[Path], workers: int, context: Any) -> None:
        self.work = work
        self.files = files
        self.workers = workers
        self.next = context.RawValue("q", 0)  # the first file not handed out, in shared memory
        self.lock = context.Lock()  # guards `next`
        self.parent = os.getpid()
        self.forked: list[Future[list[tuple[int, list[tuple[Any, ...]]]]]] = []  # the parent's view of the workers

    def take(self) -> tuple[int, int] | None:
        """The next share (start, stop), or None when every file is handed out."""
        # A process killed while it held the lock (a few microseconds per share) leaves it held for good: a
        # process that waits for it checks now and then that the others are still there, instead of hanging.
        while not self.lock.acquire(timeout=0.5):
            self._others_alive()
        try:
            start = self.next.value
            left = len(self.files) - start
            if left <= 0:
                return None
            stop = start + min(left, max(_SMALLEST_SHARE, min(_LARGEST_SHARE, left // (2 * self.workers))))
            self.next.value = stop
        finally:
            self.lock.release()
        return start, stop

    def _others_alive(self) -> None:
        if os.getpid() != self.parent:
            if os.getppid() != self.parent:
                os._exit(1)  # the parent is gone: nobody waits for this worker's outcomes
            return
        for future in self.forked:
            if future.done():
                future.result()  # raises BrokenProcessPool when a worker died

    def stop(self) -> None:
        """Hand out nothing more (an interrupted check): every process ends after its current share."""
        locked = self.lock.acquire(timeout=0.5)  # a worker killed inside the lock holds it for good
        self.next.value = len(self.files)
        if locked:
            self.lock.release()

    def run(self) -> list[tuple[int, list[_Outcome]]]:
        done = []
        while (share := self.take()) is not None:
            start, stop = share
            done.append((start, self.work.run(self.files[start:stop])))
        return done


_forked_shares: _Shares | None = None  # what forked workers run (inherited, never pickled)


def _run_forked_shares() -> list[tuple[int, list[tuple[Any, ...]]]]:
    assert _forked_shares is not None
    return [(start, [outcome.as_row() for outcome in outcomes]) for start, outcomes in _forked_shares.run()]


def _leave_interrupts_to_parent() -> None:
    # Ctrl-C reaches the whole process group: the parent stops the shares and reports once. SIGINT was blocked
    # while the worker was forked (see _run_in_workers); one that came since is dropped by ignoring it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _run_in_workers(work: _Work, files: list[Path], workers: int) -> list[_Outcome]:
    """`work.run(files)` shared among this process and `workers - 1` forked ones; outcomes come back in the order
    of `files`."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _forked_shares
    # The first few files are checked here, before forking: what a check compiles or imports on first use
    # (rule patterns, twitter-text's URL extractor) is then inherited by every worker instead of redone in each.
    outcomes = work.run(files[:_WARM_UP])
    registry()  # loaded by then unless no warm-up post loaded; workers must not each import the rules
    # Frozen objects are left alone by the workers' garbage collectors, so the pages that hold them stay
    # shared instead of being copied into every worker (which cost a third more CPU time).
    gc.freeze()
    context = multiprocessing.get_context("fork")
    shares = _forked_shares = _Shares(work, files[_WARM_UP:], workers, context)
    # concurrent.futures, not multiprocessing.Process: a worker that dies (killed, out of memory) breaks the pool
    # with an error instead of leaving the check waiting forever for its files.
    pool = ProcessPoolExecutor(workers - 1, mp_context=context, initializer=_leave_interrupts_to_parent)
    done = False
    try:
        # A Ctrl-C while the workers are forked would reach a worker before it ignores SIGINT (a traceback on
        # stderr) and the pool half started: it waits until they are.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            shares.forked = [pool.submit(_run_forked_shares) for _ in range(workers - 1)]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        by_start = dict(shares.run())  # this process takes shares too, instead of waiting idle
        # While this process waits, the pool's thread unpickles the workers' outcomes: thousands of new objects,
        # whose collections (walking every object alive) took a third of the wait.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for future in shares.forked:
                by_start.update((start, list(map(_Outcome.from_row, rows))) for start, rows in future.result())
        finally:
            if collecting:
                gc.enable()
        done = True
    except BrokenProcessPool:
        raise SocialpubError(
            "a worker process of the check stopped unexpectedly (killed, or out of memory?)",
            hint="run the check again; `--jobs 1` checks in a single process",
        ) from None
    finally:
        if not done:
            shares.stop()  # after an interruption, every worker ends with its current share
        # The workers are waited for (a share at most after an interruption): left to wind down on their own, the
        # pool's thread could close its wake-up pipe while the interpreter's exit hook writes to it (Python 3.11),
        # a traceback on stderr now and then.
        pool.shutdown(wait=True, cancel_futures=not done)
        _forked_shares = None
    for start in sorted(by_start):
        outcomes += by_start[start]
    return outcomes
