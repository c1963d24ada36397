"""The audit's commit id of a post file: one walk of the history for a whole run, the same answer as
`git log -1 --format=%H -- FILE` gives file by file (socialpub.gitchanges.last_commits).

Histories are real repositories, written by `git fast-import` (thousands of commits in a moment): renames,
merges that take one side, the other or a version of their own, files untouched for 5,000 commits, deleted,
untracked and edited files, names git would read as patterns. A hypothesis test draws random histories with
merges and compares every file with git's own answer.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub.gitchanges import last_commits

NAMES = ["posts/a.md", "posts/b c.md", "posts/[x].md", "posts/é.md", "other.txt"]


def git_says(root: Path, path: Path) -> str | None:
    """What `run` recorded before: one `git log -1` per file (literal names: no pattern matching)."""
    done = subprocess.run(["git", "--literal-pathspecs", "log", "-1", "--format=%H", "--", str(path)], cwd=root,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip() or None


def fast_import(root: Path, stream: str) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=stream.encode(), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)


class History:
    """Writes a fast-import stream: commits on branches, each with the whole tree it holds."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.mark = 0
        self.time = 1_400_000_000
        self.tips: dict[str, int] = {}
        self.trees: dict[int, dict[str, str]] = {}

    def commit(self, branch: str, tree: dict[str, str], merge: str | None = None, start: str | None = None) -> int:
        self.mark += 1
        self.time += 60
        lines = [f"commit refs/heads/{branch}", f"mark :{self.mark}", f"committer T <t@t> {self.time} +0000",
                 "data 1", "c"]
        parent = self.tips.get(branch) or (self.tips.get(start) if start else None)
        if parent:
            lines.append(f"from :{parent}")
        if merge:
            lines.append(f"merge :{self.tips[merge]}")
        lines.append("deleteall")
        for name, text in sorted(tree.items()):
            quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
            lines += [f"M 100644 inline {quoted}", f"data {len(text.encode())}", text]
        self.parts.append("\n".join(lines) + "\n")
        self.tips[branch] = self.mark
        self.trees[self.mark] = dict(tree)
        return self.mark

    def tree(self, branch: str) -> dict[str, str]:
        return dict(self.trees[self.tips[branch]]) if branch in self.tips else {}

    def stream(self) -> str:
        return "".join(self.parts)


def agree(root: Path, names: list[str]) -> dict[str, str | None]:
    paths = [root / name for name in names]
    batch = last_commits(root, paths)
    assert batch == {path: git_says(root, path) for path in paths}
    return {name: batch[root / name] for name in names}


def test_renamed_deleted_untracked_and_edited_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    history = History()
    history.commit("main", {"posts/a.md": "1", "posts/old.md": "x", "posts/gone.md": "g"})
    renamed = history.commit("main", {"posts/a.md": "1", "posts/new.md": "x", "posts/gone.md": "g"})
    deleted = history.commit("main", {"posts/a.md": "1", "posts/new.md": "x"})
    fast_import(root, history.stream())
    (root / "posts" / "a.md").write_text("edited, not committed")
    (root / "posts" / "untracked.md").write_text("new")
    got = agree(root, ["posts/a.md", "posts/new.md", "posts/old.md", "posts/gone.md", "posts/untracked.md"])
    marks = {m: subprocess.run(["git", "rev-parse", f"main~{3 - m}"], cwd=root, capture_output=True, text=True,
                               check=True).stdout.strip() for m in (1, renamed, deleted)}
    assert got["posts/a.md"] == marks[1]  # the last commit, whatever the working file holds now
    assert got["posts/new.md"] == marks[renamed]  # a rename is the new name's first commit
    assert got["posts/old.md"] == marks[renamed]  # ... and the old name's last
    assert got["posts/gone.md"] == marks[deleted]
    assert got["posts/untracked.md"] is None


def test_outside_git_and_outside_the_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "p.md").write_text("x")
    assert last_commits(plain, [plain / "p.md"]) == {plain / "p.md": None}
    root = tmp_path / "repo"
    history = History()
    history.commit("main", {"posts/a.md": "1"})
    fast_import(root, history.stream())
    assert last_commits(root, [plain / "p.md", root / "posts" / "a.md"])[plain / "p.md"] is None
    subprocess.run(["git", "init", "-q", str(tmp_path / "empty")], check=True)
    assert last_commits(tmp_path / "empty", [tmp_path / "empty" / "a.md"]) == {tmp_path / "empty" / "a.md": None}


def test_a_file_untouched_for_5000_commits_among_merges(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    history = History()
    history.commit("main", {"posts/a.md": "old", "posts/b.md": "b0", "other.txt": "0"})
    for n in range(5000):
        tree = history.tree("main") | {"other.txt": str(n)}
        if n % 500 == 250:  # a pull request that changes b.md on a branch, merged with a merge commit
            history.commit(f"pr{n}", history.tree("main") | {"posts/b.md": f"b{n}"}, start="main")
            history.commit("main", tree)
            history.commit("main", history.tree("main") | {"posts/b.md": f"b{n}"}, merge=f"pr{n}")
            continue
        history.commit("main", tree)
    fast_import(root, history.stream())
    got = agree(root, ["posts/a.md", "posts/b.md", "other.txt"])
    assert got["posts/a.md"] == subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=root,
                                               capture_output=True, text=True, check=True).stdout.strip()
    assert got["posts/b.md"] != got["other.txt"]  # changed on a branch: the branch's commit, not the merge


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Random commits and merges over three branches; a merge's files come from either side or are new."""
    history = History()
    history.commit("main", {name: "0" for name in NAMES[: draw(st.integers(1, len(NAMES)))]})
    branches = ["main", "b1", "b2"]
    for step in range(draw(st.integers(1, 25))):
        branch = draw(st.sampled_from(branches))
        tree = history.tree(branch) if branch in history.tips else history.tree("main")
        other = draw(st.sampled_from(branches))
        if other != branch and other in history.tips and branch in history.tips and draw(st.booleans()):
            theirs = history.tree(other)
            merged: dict[str, str] = {}
            for name in sorted(set(tree) | set(theirs)):
                pick = draw(st.sampled_from(["ours", "theirs", "new", "drop"]))
                value = {"ours": tree.get(name), "theirs": theirs.get(name), "new": f"m{step}", "drop": None}[pick]
                if value is not None:
                    merged[name] = value
            history.commit(branch, merged or {"other.txt": "kept"}, merge=other)
            continue
        for name in draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True)):
            tree[name] = draw(st.sampled_from(["0", "1", f"s{step}"]))  # sometimes the same text again
        if draw(st.booleans()) and len(tree) > 1:
            tree.pop(draw(st.sampled_from(sorted(tree))))
        history.commit(branch, tree, start="main")
    return history


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_every_file_gets_the_commit_git_log_gives_it(tmp_path_factory: pytest.TempPathFactory,
                                                     history: History) -> None:
    root = tmp_path_factory.mktemp("history") / "repo"
    fast_import(root, history.stream())
    agree(root, [*NAMES, "posts/never.md"])


def test_a_shallow_clone_as_ci_checks_out(tmp_path: Path) -> None:
    """CI often clones one commit deep: files older than the clone get its oldest commit, as git log says."""
    origin = tmp_path / "origin"
    history = History()
    history.commit("main", {"posts/old.md": "o", "posts/new.md": "0"})
    for n in range(30):
        history.commit("main", history.tree("main") | {"posts/new.md": str(n)})
    fast_import(origin, history.stream())
    for depth in ("1", "5"):
        clone = tmp_path / f"clone{depth}"
        subprocess.run(["git", "clone", "-q", "--depth", depth, f"file://{origin}", str(clone)], check=True)
        agree(clone, ["posts/old.md", "posts/new.md", "posts/none.md"])


def test_names_git_would_quote_or_cannot_decode(tmp_path: Path) -> None:
    """A line break, a tab, a quote and bytes that are no UTF-8 in file names: the same answer as git's."""
    root = tmp_path / "repo"
    weird = ["posts/line\nbreak.md", "posts/tab\there.md", 'posts/quote".md', "posts/caf\udce9.md"]
    history = History()
    history.commit("main", {"posts/a.md": "1"})
    stream = history.stream()
    blobs = "".join(f'M 100644 inline "{_quoted(name)}"\ndata 1\nx\n' for name in weird)
    stream += (f"commit refs/heads/main\nmark :2\ncommitter T <t@t> 1400000999 +0000\ndata 1\nc\nfrom :1\n"
               f"{blobs}")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=stream.encode("utf-8", "surrogateescape"),
                   check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    got = agree(root, [*weird, "posts/a.md"])
    assert all(got[name] for name in weird)


def _quoted(name: str) -> str:
    """A fast-import path in C-style quotes (octal escapes for bytes that are no UTF-8)."""
    out = []
    for ch in name:
        if "\udc80" <= ch <= "\udcff":
            out.append(f"\\{ord(ch) - 0xDC00:03o}")
        else:
            out.append({"\n": "\\n", "\t": "\\t", '"': '\\"', "\\": "\\\\"}.get(ch, ch))
    return "".join(out)
