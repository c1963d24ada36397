"""Run one command and write its wall time, CPU time, peak RSS and exit code as JSON (used by bench/run.py).

    python bench/measure.py RESULT.json COMMAND [ARGS...]

Why a wrapper: a child's `ru_maxrss` (from `os.wait4`) counts the memory it had between fork and exec,
which is a copy of its parent's. A parent that has grown (the benchmark, with its data) would set a floor
under every figure: measured straight from a 200 MB process, `/bin/true` shows a peak of 200 MB. This
wrapper is a small process (about 10 MB, below any Python child's own peak), so the child's figures are its
own. The command inherits stdin, stdout and stderr; the timing covers only the command, not this wrapper's
start.
"""

import json
import os
import sys
import time


def main() -> int:
    result, cmd = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    try:
        pid = os.posix_spawn(cmd[0], cmd, os.environ)
    except OSError as exc:
        with open(result, "w", encoding="utf-8") as handle:
            json.dump({"error": f"cannot start {cmd[0]}: {exc}"}, handle)
        return 127
    _pid, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    with open(result, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "maxrss_kb": usage.ru_maxrss,
                "code": code,
            },
            handle,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
