"""The entry point of `socialpub` (the console script) and of `python -m socialpub`.

Importing the command line takes about a tenth of a second. A Ctrl-C in that time ends the program as it
does at any other time (one line, exit 130), not with Python's traceback.
"""

import sys


def main() -> None:
    try:
        from socialpub.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("socialpub: interrupted\n")
        raise SystemExit(130) from None
    run()


if __name__ == "__main__":
    main()
