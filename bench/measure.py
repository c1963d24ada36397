"""Run one command and write its wall time, CPU time, peak RSS and exit code as JSON (used by bench/run.py).

    python bench/measure.py [--tree-memory] RESULT.json COMMAND [ARGS...]

Why a wrapper: a child's `ru_maxrss` (from `os.wait4`) counts the memory it had between fork and exec,
which is a copy of its parent's. A parent that has grown (the benchmark, with its data) would set a floor
under every figure: measured straight from a 200 MB process, `/bin/true` shows a peak of 200 MB. This
wrapper is a small process (about 10 MB, below any Python child's own peak), so the child's figures are its
own. The command inherits stdin, stdout and stderr; the timing covers only the command, not this wrapper's
start.

`ru_maxrss` is the peak of the single largest process. A command that shares its work among worker
processes (`socialpub check` on a large folder) holds memory in all of them at once, so with `--tree-memory`
(on Linux) a thread also sums the proportional set sizes (PSS: a page shared by n processes counts 1/n in each)
of the command and all its descendants every 10 ms; `tree_peak_kb` is the highest sum seen (0 without it).

The sampling is not free, which is why it is asked for: the kernel walks every page table of every process to
answer a read of smaps_rollup, holding each process's memory-map lock meanwhile. Every 10 ms on two check
processes of 150 MB, that took the check 15-20% longer on two cores. A run whose time counts is measured
without it; the memory figure comes from a run of its own.
"""

import json
import os
import sys
import threading
import time


def _tree_pss_kb(pid: int) -> int:
    """Proportional set size of `pid` and all its descendants, in KiB (Linux /proc; 0 once it is gone).

    PSS splits each page among the processes that share it, so forked workers' shared pages count once."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup", encoding="ascii") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    todo += [int(child) for child in handle.read().split()]
        except (OSError, ValueError, IndexError, StopIteration):
            continue  # exited meanwhile
    return total


class TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.01):
            self.peak_kb = max(self.peak_kb, _tree_pss_kb(self.pid))


def main() -> int:
    args = sys.argv[1:]
    tree_memory = args[:1] == ["--tree-memory"]
    if tree_memory:
        args = args[1:]
    result, cmd = args[0], args[1:]
    start = time.perf_counter()
    try:
        pid = os.posix_spawn(cmd[0], cmd, os.environ)
    except OSError as exc:
        with open(result, "w", encoding="utf-8") as handle:
            json.dump({"error": f"cannot start {cmd[0]}: {exc}"}, handle)
        return 127
    sampler = TreeSampler(pid)
    if tree_memory and os.path.exists("/proc/self/smaps_rollup"):
        sampler.start()
    _pid, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    sampler.stop.set()
    code = os.waitstatus_to_exitcode(status)
    with open(result, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "maxrss_kb": usage.ru_maxrss,
                "tree_peak_kb": sampler.peak_kb,
                "code": code,
            },
            handle,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
