"""The entry point of `socialpub` (the console script) and of `python -m socialpub`.

Importing the command line takes about a tenth of a second. A Ctrl-C in that time ends the program as it
does at any other time (one line, exit 130), not with Python's traceback.
"""

import gc
import sys


def main() -> None:
    try:
        from socialpub.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("socialpub: interrupted\n")
        raise SystemExit(130) from None
    try:
        run()
    finally:
        # On its way out the interpreter runs one last garbage collection over every object still alive, only to
        # find cycles that the end of the process frees anyway: after a check of 10,000 posts that walk took a
        # tenth of a second, about as long as starting up. Frozen objects are left out of it. Exit handlers,
        # `with` blocks and finally clauses (files, the ledger, temporary folders) run as before.
        gc.freeze()


if __name__ == "__main__":
    main()
