"""`check` shared among worker processes gives exactly what one process gives.

The folder mixes the sample posts (passing and deliberately failing), copies of them in sub-folders (so
ids repeat, and a duplicate's first file may sit in another worker's chunk), copies whose media paths no
longer resolve, and files that do not load at all.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialpub import check
from socialpub.check import CheckResult, run_check
from socialpub.config import load_config
from socialpub.errors import SocialpubError
from tests.helpers import invoke

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("jobs")
    shutil.copy(ROOT / "channels.toml", root / "channels.toml")
    shutil.copytree(ROOT / "posts", root / "posts")
    originals = sorted(p for p in (root / "posts").rglob("*") if p.suffix in (".md", ".toml"))
    for copy in ("copy-a", "copy-b", "copy-c"):  # same file stems: the same ids, again and again
        for path in originals:
            target = root / "posts" / copy / path.relative_to(root / "posts")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    (root / "posts" / "broken").mkdir()
    (root / "posts" / "broken" / "garbage.md").write_bytes(b"\x00\xff\xfe binary \x89PNG")
    (root / "posts" / "broken" / "unclosed.toml").write_text('text = "no end\n', encoding="utf-8")
    (root / "posts" / "broken" / "unknown-key.md").write_text(
        '+++\nchannels = ["az-us-twitter"]\npost_type = "corporate"\ncampaing = "x"\n+++\nHello.\n',
        encoding="utf-8",
    )
    return root


def as_data(result: CheckResult) -> dict[str, object]:
    return {
        "files": result.files,
        "findings": [f.to_dict() for f in result.findings],
        "file_findings": [f.to_dict() for f in result.file_findings],
        "checked": [(c.file, c.post, c.channels, [f.to_dict() for f in c.findings]) for c in result.checked],
        "counts": (result.errors, result.warnings, result.suppressed, result.ok),
    }


@pytest.mark.parametrize("jobs", [2, 3])
def test_workers_give_what_one_process_gives(repo: Path, jobs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(repo / "channels.toml")
    one = run_check(config, jobs=1)  # in this process, whole reports kept (as preview does)
    # many chunks: duplicates and broken files land in several workers
    monkeypatch.setattr(check, "_SMALLEST_SHARE", 7)
    shared = run_check(config, keep_reports=False, jobs=jobs)
    assert shared.reports == []
    assert as_data(shared) == as_data(one)
    # what the folder holds, so the comparison above compares something
    data = as_data(one)
    assert data["files"] == 4 * 19 + 3
    duplicates = [f for f in one.file_findings if "is already used by" in f.message]
    assert len(duplicates) == 3 * 19
    assert any(f.file == "posts/broken/unknown-key.md" and "campaing" in f.message for f in one.file_findings)
    assert len(one.checked) == 19 and {"fail-absolute-claim", "oncavix-facebook"} <= {c.post for c in one.checked}
    assert not one.ok


def test_the_first_file_in_discovery_order_keeps_a_repeated_id(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "_SMALLEST_SHARE", 5)
    result = run_check(load_config(repo / "channels.toml"), keep_reports=False, jobs=2)
    kept = {c.post: c.file for c in result.checked}
    # discovery order is the sorted paths: posts/copy-a/… comes before posts/labtalk-launch.md
    assert kept["labtalk-launch"] == "posts/copy-a/labtalk-launch.md"
    assert kept["az-blog-video"] == "posts/az-blog-video.md"
    first = "already used by posts/copy-a/labtalk-launch.md"
    refused = [f.file for f in result.file_findings if f.message.endswith(first)]
    assert refused == ["posts/copy-b/labtalk-launch.md", "posts/copy-c/labtalk-launch.md", "posts/labtalk-launch.md"]


@pytest.mark.parametrize("fmt", ["json", "junit", "sarif", "text"])
def test_cli_reports_are_identical_with_any_number_of_jobs(repo: Path, fmt: str) -> None:
    outputs = []
    for jobs in ("1", "2"):
        out = repo / f"report-{jobs}.{fmt}"
        result = invoke(
            ["--config", str(repo / "channels.toml"), "check", "--jobs", jobs, "--format", fmt, "-o", str(out)]
        )
        assert result.exit_code == 1, result.output
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    assert "fail-absolute-claim" in outputs[0]


def test_the_console_script_writes_the_same_report_and_leaves_the_last_collection_out(repo: Path) -> None:
    """The entry point freezes what is left when the command ends (the interpreter's final garbage collection
    walked every object: a tenth of a second after a large check). The process still writes the whole report,
    keeps the exit code and runs its exit handlers."""
    import subprocess
    import sys

    out = repo / "report-console.json"
    entry = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
        "from socialpub.__main__ import main\n"
        "sys.argv = ['socialpub', *sys.argv[1:]]\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", entry, "--config", str(repo / "channels.toml"), "check", "--jobs", "2", "--format",
         "json", "-o", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert (done.returncode, done.stdout) == (1, "frozen at exit: True\n"), done.stderr
    in_process = repo / "report-in-process.json"
    result = invoke(["--config", str(repo / "channels.toml"), "check", "--format", "json", "-o", str(in_process)])
    assert result.exit_code == 1
    assert out.read_text(encoding="utf-8") == in_process.read_text(encoding="utf-8")


def test_jobs_must_be_positive(repo: Path) -> None:
    result = invoke(["--config", str(repo / "channels.toml"), "check", "--jobs", "0"])
    assert result.exit_code == 2
    assert "--jobs" in result.output


def test_worker_count() -> None:
    assert check._worker_count(None, check.PARALLEL_MIN_FILES - 1) == 1  # small folders stay in one process
    assert check._worker_count(1, 10_000) == 1
    assert check._worker_count(8, 40) == 2  # never more processes than shares of the files after the warm-up
    assert check._worker_count(3, 10_000) == 3


def test_a_worker_that_dies_is_an_error_not_a_hang(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    run = check._Work.run

    def dying(self: check._Work, files: Sequence[Path]) -> list[check._Outcome]:
        if os.getpid() != parent:
            os._exit(9)  # as if killed
        return run(self, files)

    monkeypatch.setattr(check._Work, "run", dying)
    monkeypatch.setattr(check, "_SMALLEST_SHARE", 7)
    with pytest.raises(SocialpubError, match="worker process of the check stopped"):
        run_check(load_config(repo / "channels.toml"), keep_reports=False, jobs=2)


def test_a_complete_check_leaves_no_worker_and_no_pool_thread_behind(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers and the pool's thread have ended when run_check returns: nothing is left to race with the
    interpreter's exit (a pool shut down without waiting printed "Exception ignored … Bad file descriptor" at
    exit now and then). Whether they are still running then is a matter of milliseconds on a small folder, so
    the pool's shutdown is watched too: it waits after a complete check."""
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    waited: list[bool] = []
    shutdown = ProcessPoolExecutor.shutdown

    def watched(self: ProcessPoolExecutor, wait: bool = True, *, cancel_futures: bool = False) -> None:
        waited.append(wait)
        shutdown(self, wait, cancel_futures=cancel_futures)

    monkeypatch.setattr(ProcessPoolExecutor, "shutdown", watched)
    before = set(threading.enumerate())
    run_check(load_config(repo / "channels.toml"), keep_reports=False, jobs=2)
    assert waited == [True]
    assert multiprocessing.active_children() == []
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_check_tunes_the_garbage_collector_only_while_it_runs(
    repo: Path, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """During a check the youngest objects are collected less often (in the workers too); afterwards, and after
    a check that failed, the collector is as it was: the thresholds the caller had, nothing left frozen."""
    import gc

    seen: list[tuple[int, ...]] = []
    run = check._Work.run

    def watched(self: check._Work, files: Sequence[Path]) -> list[check._Outcome]:
        seen.append(gc.get_threshold())
        return run(self, files)

    monkeypatch.setattr(check._Work, "run", watched)
    before = gc.get_threshold()
    config = load_config(repo / "channels.toml")
    run_check(config, keep_reports=False, jobs=jobs)
    assert seen and all(t[0] == check._YOUNG_COLLECTED_EVERY for t in seen)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0

    def failing(self: check._Work, files: Sequence[Path]) -> list[check._Outcome]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(check._Work, "run", failing)
    with pytest.raises(RuntimeError):
        run_check(config, keep_reports=False, jobs=1)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_worker_killed_while_it_holds_the_share_counter_is_an_error_not_a_hang(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counter's lock is held for microseconds per share; a worker killed just then leaves it held, and the
    parent, waiting for its next share, must notice the dead worker instead of waiting forever."""
    parent = os.getpid()
    take = check._Shares.take

    def dying_with_the_lock(self: check._Shares) -> tuple[int, int] | None:
        if os.getpid() != parent:
            self.lock.acquire()
            os._exit(9)  # as if killed (out of memory) inside the lock
        return take(self)

    monkeypatch.setattr(check._Shares, "take", dying_with_the_lock)
    monkeypatch.setattr(check, "_SMALLEST_SHARE", 7)
    with pytest.raises(SocialpubError, match="worker process of the check stopped"):
        run_check(load_config(repo / "channels.toml"), keep_reports=False, jobs=2)


def test_every_process_takes_shares_and_the_last_shares_are_the_smallest(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent checks files too (it does not wait idle), and shares shrink towards the end, so that the
    processes finish together: recorded per process through a pipe, since the workers are other processes."""
    reader, writer = os.pipe()
    take = check._Shares.take

    def recorded(self: check._Shares) -> tuple[int, int] | None:
        share = take(self)
        if share is not None:
            os.write(writer, f"{os.getpid()} {share[0]} {share[1]}\n".encode())
        return share

    monkeypatch.setattr(check._Shares, "take", recorded)
    monkeypatch.setattr(check, "_SMALLEST_SHARE", 2)
    run_check(load_config(repo / "channels.toml"), keep_reports=False, jobs=2)
    os.close(writer)
    with os.fdopen(reader) as lines:
        shares = sorted((int(start), int(stop), int(pid)) for pid, start, stop in map(str.split, lines))
    assert [start for start, _, _ in shares] == [0] + [stop for _, stop, _ in shares[:-1]]  # no gap, no overlap
    assert shares[-1][1] == 4 * 19 + 3 - check._WARM_UP  # every file after the warm-up
    sizes = [stop - start for start, stop, _ in shares]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] <= 2 <= sizes[-2]  # what is left, at the end
    assert os.getpid() in {pid for _, _, pid in shares}


def test_ctrl_c_during_a_shared_check_stops_it_and_leaves_no_worker(tmp_path: Path) -> None:
    """SIGINT (Ctrl-C reaches the whole process group) while a check is shared among processes: exit 130 with
    one message, and no worker left running."""
    import signal
    import subprocess
    import sys
    import time

    shutil.copy(ROOT / "channels.toml", tmp_path / "channels.toml")
    sample = (ROOT / "posts" / "labtalk-launch.md").read_text(encoding="utf-8")
    posts = tmp_path / "posts"
    posts.mkdir()
    for n in range(3000):
        (posts / f"p{n:05d}.md").write_text(sample.replace("labtalk-launch", f"p{n:05d}"), encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, "-m", "socialpub", "--config", str(tmp_path / "channels.toml"), "check", "--jobs", "2",
         "--format", "json", "--output", str(tmp_path / "report.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    started = time.monotonic()
    # wait until a worker exists (a child of the check), then interrupt the whole group as a terminal does
    while not _children_of(child.pid) and child.poll() is None and time.monotonic() - started < 60:
        time.sleep(0.01)
    workers = _children_of(child.pid)
    assert workers, "the check never forked a worker"
    os.killpg(child.pid, signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert b"Traceback" not in err
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


def _children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_files_are_loaded_in_batches_that_hold_few_large_posts(tmp_path: Path) -> None:
    """A check reads a batch of files before it checks them (`_Work.loaded`): up to 64 small posts, but large
    posts only as many as add up to about 256,000 characters, so that a folder of large posts is never all in
    memory at once. Files that do not load count as they come, and every file is in exactly one batch."""
    shutil.copy(ROOT / "channels.toml", tmp_path / "channels.toml")
    posts = tmp_path / "posts"
    posts.mkdir()
    front = '+++\nchannels = ["az-us-facebook"]\npost_type = "corporate"\n+++\n'
    for i in range(70):
        (posts / f"small-{i:03d}.md").write_text(front + "Hello.\n", encoding="utf-8")
    for i in range(7):
        (posts / f"zz-large-{i}.md").write_text(front + "word " * 20_000 + "\n", encoding="utf-8")  # 100,000+
    (posts / "zz-large-3.md").write_bytes(b"\x00 not text")  # a file that does not load, among the large ones
    config = load_config(tmp_path / "channels.toml")
    files = check.discover(config, [])
    work = check._Work(config, None, None, datetime(2026, 12, 1, tzinfo=UTC), False)

    batches = list(work.loaded(files))

    # 64 small; 6 small and 3 large (over 256,000 characters); the broken file and the last 3 large ones
    assert [len(b) for b in batches] == [64, 6 + 3, 1 + 3]
    assert [p.file if p is not None else e[0].file for b in batches for p, e in b] == [config.display(f) for f in files]
