"""Start-up stays light: no SDK and no rule engine is imported for --help/--version ."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("tweepy", "facebook", "googleapiclient", "google_auth_oauthlib", "twitter_text", "psycopg", "requests",
         "socialpub.rules", "socialpub.config", "socialpub.adapters", "fpdf", "PIL", "fontTools", "socialpub.form2253")


def imported_modules(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def test_cli_import_pulls_in_no_sdk_and_no_core() -> None:
    names = imported_modules("import socialpub.cli")
    loaded = sorted(n for n in names if any(n == h or n.startswith(h + ".") for h in HEAVY))
    assert loaded == []


def test_version_runs_without_the_core() -> None:
    names = imported_modules(
        "import sys; sys.argv = ['socialpub', '--version']\n"
        "from socialpub.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert not any(n.startswith(("socialpub.rules", "socialpub.config", "twitter_text")) for n in names)


def test_check_loads_no_publishing_sdk(tmp_path) -> None:
    # check renders every channel kind but must not import any SDK: render() is offline.
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from socialpub.config import load_config\n"
        "from socialpub.check import run_check\n"
        f"run_check(load_config(Path({str(root / 'channels.toml')!r})))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tweepy', 'facebook', 'googleapiclient', 'psycopg', 'requests')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_check_of_one_post_file_loads_only_what_that_post_needs(tmp_path) -> None:
    """What a pre-commit hook pays: `socialpub check ONE_FILE` on a plain post (X and Facebook, a link, an
    image, ASCII text) imports no worker pool, no XML writer, no Markdown parser, no public-suffix list, no
    twitter-text (its URL patterns cost 60 ms to compile) and no socket, and reads no confusables table."""
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    shutil.copyfile(root / "channels.toml", tmp_path / "channels.toml")
    for relative in ("posts/mbc-awareness-day.md", "posts/media/mbc-strength-collage.png"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, tmp_path / relative)
    code = (
        "import sys\n"
        "from socialpub.cli import main\n"
        "sys.argv = ['socialpub', 'check', 'posts/mbc-awareness-day.md']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code in (0, None), exit.code\n"
        "from socialpub.rules import text as T\n"
        "assert T._prototypes.cache_info().currsize == 0 and T.top_level_domains.cache_info().currsize == 0\n"
        "import json\nprint(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "socialpub.rules.engine" in loaded
    unwanted = ("twitter_text", "multiprocessing", "concurrent.futures", "xml", "markdown_it", "publicsuffixlist",
                "confusables", "tweepy", "requests", "socket")
    assert [m for m in loaded if m.startswith(unwanted)] == []


def test_ctrl_c_while_the_command_line_is_imported_is_one_line_and_exit_130() -> None:
    """The console script and `python -m socialpub` start in socialpub/__main__.py, which imports the command line
    itself: a Ctrl-C during that import (a tenth of a second) is reported like any other, not as a traceback."""
    interrupted_import = (
        "import sys\n"
        "class Interrupting:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'socialpub.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupting())\n"
        "from socialpub.__main__ import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", interrupted_import], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (130, "socialpub: interrupted\n")


def test_the_console_script_starts_where_ctrl_c_during_imports_is_handled() -> None:
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["socialpub"] == "socialpub.__main__:main"
    version = subprocess.run([sys.executable, "-m", "socialpub", "--version"], capture_output=True, text=True,
                             timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("socialpub ")
