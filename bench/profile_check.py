"""Run `socialpub check` in this process under cProfile and dump the statistics (used by bench/run.py).

    python bench/profile_check.py CONFIG OUT.prof [PATHS_FILE]

Runs the CLI's own entry (`--config CONFIG check --jobs 1 --format json --output /dev/null`, plus the post paths
listed one per line in PATHS_FILE when given) exactly as the console script would, but in-process, so that
cProfile sees every function of the check. The modules of the check are imported before profiling starts,
so the profile shows the work on the posts, not import time (startup has its own benchmark). Prints one
JSON line: {"exit": code, "wall": seconds, "error": text or null}. Must run with socialpub's interpreter.
"""

from __future__ import annotations

import cProfile
import json
import sys
import time
import traceback


def main(argv: list[str]) -> int:
    config, out = argv[0], argv[1]
    paths: list[str] = []
    if len(argv) > 2:
        with open(argv[2], encoding="utf-8") as handle:
            paths = [line.rstrip("\n") for line in handle if line.strip()]

    import socialpub.check  # noqa: F401  (import cost stays out of the profile)
    import socialpub.config  # noqa: F401
    import socialpub.posts  # noqa: F401
    import socialpub.report  # noqa: F401
    import socialpub.rules  # noqa: F401
    from socialpub.adapters.base import KINDS, adapter_class
    from socialpub.cli import app

    for kind in KINDS:
        adapter_class(kind)

    # --jobs 1: the work stays in this process, where the profiler sees it
    args = ["--config", config, "check", "--jobs", "1", "--format", "json", "--output", "/dev/null", *paths]
    profiler = cProfile.Profile()
    code: object = None
    error = None
    start = time.perf_counter()
    profiler.enable()
    try:
        code = app(args=args, prog_name="socialpub", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
    except BaseException as exc:  # report, never crash the benchmark
        error = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-6))
    finally:
        profiler.disable()
    wall = time.perf_counter() - start
    profiler.dump_stats(out)
    print(
        json.dumps(
            {
                "exit": code if isinstance(code, int) or code is None else str(code),
                "wall": wall,
                "error": error,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
