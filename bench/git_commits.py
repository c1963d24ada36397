"""The audit's commit id of each post file `run` claims, on a repository with a long history.

    python bench/git_commits.py [--commits 10000] [--posts 200] [--repeat 3]

`git fast-import` writes a repository: `--posts` post files in its first commit, then `--commits` commits
that change another file, and in the first half, one post file every few commits (the posts of the second
half's files were last touched thousands of commits ago). Measured: what `run` paid before (one
`git log -1 -- FILE` per post file) against socialpub.gitchanges.last_commits (one walk for all of them),
and both must agree on every file. Results go to docs/benchmarks.md (its git-commits section).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from sections import replace_section  # noqa: E402

from socialpub.gitchanges import last_commits  # noqa: E402


def make_repository(root: Path, commits: int, posts: int) -> list[Path]:
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    parts: list[str] = []
    when = 1_400_000_000

    def commit(mark: int, files: dict[str, str]) -> None:
        nonlocal when
        when += 60
        lines = ["commit refs/heads/main", f"mark :{mark}", f"committer B <b@b> {when} +0000", "data 1", "c"]
        if mark > 1:
            lines.append(f"from :{mark - 1}")
        for name, text in files.items():
            lines += [f"M 100644 inline {name}", f"data {len(text)}", text]
        parts.append("\n".join(lines) + "\n")

    commit(1, {f"posts/p{i:04d}.md": f"post {i}\n" for i in range(posts)})
    every = max(1, commits // 2 // posts)
    for n in range(commits):
        files = {"other.txt": f"{n}\n"}
        if n < commits // 2 and n % every == 0 and n // every < posts // 2:
            files[f"posts/p{n // every:04d}.md"] = f"post {n // every}, edit {n}\n"
        commit(n + 2, files)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input="".join(parts).encode(), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    return [root / "posts" / f"p{i:04d}.md" for i in range(posts)]


def one_per_file(root: Path, paths: list[Path]) -> dict[Path, str | None]:
    """What `run` did before: `git log -1` for each post file."""
    found: dict[Path, str | None] = {}
    for path in paths:
        done = subprocess.run(["git", "log", "-1", "--format=%H", "--", str(path)], cwd=root, capture_output=True,
                              text=True, timeout=60)
        found[path] = done.stdout.strip() or None
    return found


def timed(fn, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--report", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="socialpub-git-") as work:
        root = Path(work) / "repo"
        made, paths = timed(make_repository, root, args.commits, args.posts)
        before: list[float] = []
        after: list[float] = []
        agree = True
        for _ in range(args.repeat):  # alternating, so that a busy moment of the machine hits both
            seconds, old = timed(one_per_file, root, paths)
            before.append(seconds)
            seconds, new = timed(last_commits, root, paths)
            after.append(seconds)
            agree = agree and old == new
        first = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=root, capture_output=True,
                               text=True, check=True).stdout.strip()
        untouched = sum(1 for path in paths if new[path] == first)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    b, a = statistics.median(before), statistics.median(after)
    body = "\n".join([
        "## The audit's commit id on a long history",
        "",
        f"`python bench/git_commits.py --commits {args.commits} --posts {args.posts} --repeat {args.repeat}`: a "
        f"repository of {args.commits + 1:,} commits (written by `git fast-import` in {made:.1f} s) with "
        f"{args.posts} post files, {untouched} of them last touched by its first commit, the others in its first "
        "half. `run` records the last commit of every post file it claims (the audit trail's `git_commit`).",
        "",
        "| how | wall (median of " + str(args.repeat) + ") | runs |",
        "|---|---|---|",
        f"| before: `git log -1 -- FILE` per post file | {b:.2f} s | {', '.join(f'{x:.2f}' for x in before)} |",
        f"| after: one walk for all (`gitchanges.last_commits`) | {a:.2f} s | {', '.join(f'{x:.2f}' for x in after)} |",
        "",
        f"{b / a:.0f}× faster; the same commit for every file: {'yes' if agree else 'NO'}. Load average at the end: "
        f"{load} (2 cores shared with other work: wall times inflated alike).",
    ])
    replace_section(args.report, "git-commits", body)
    print(body)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
