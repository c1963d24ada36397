"""`check --changed-since` (a pull request) and `check --changed-files` (pre-commit) see every changed post,
whatever its name, and nothing that is not a post."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from socialpub.config import load_config
from socialpub.posts import discover
from tests.helpers import Repo, invoke

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
ROOT = Path(__file__).resolve().parents[1]
BROKEN = "x" * 300  # SP-CHANNEL-001 on X: each post checked shows up as a finding naming its file


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *args], cwd=root, check=True,
                   capture_output=True)


def check(root: Path, *args: str) -> tuple[int, dict, str]:
    result = invoke(["--config", str(root / "channels.toml"), "check", "--format", "json", *args])
    data = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, data, result.stderr


def findings(data: dict) -> list[tuple]:
    return sorted((f["file"], f["line"], f["rule"], f["channel"] or "") for f in data["findings"])


# A file name as a colleague might type it, or worse: accents, spaces, tabs, quotes, newlines, a leading dash.
name_part = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"), min_size=1, max_size=24
)
post_names = st.lists(
    name_part.map(lambda s: s + ".md").filter(
        lambda n: not n.startswith((".", "_")) and n.lower() != "readme.md" and len(n.encode()) < 200
    ),
    min_size=1, max_size=4, unique_by=str.lower,
)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=post_names)
@example(names=["café.md", "with space.md", "tab\there.md", "new\nline.md"])
@example(names=['"quoted".md', "-leading-dash.md", "--end-of-options.md", "日本語 ü.md"])
def test_changed_since_finds_every_changed_post_whatever_its_name(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        repo = Repo(Path(folder) / "repo")
        root = repo.root
        repo.post(BROKEN, name="untouched")
        repo.post(BROKEN, name="edited")
        repo.post(BROKEN, name="renamed-from")
        repo.post(BROKEN, name="copied-from")
        repo.post(BROKEN, name="deleted")
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "base")
        git(root, "checkout", "-qb", "pull-request")

        *committed, untracked = names if len(names) > 1 else [*names, None]
        expected = {"posts/edited.md"}
        repo.post(BROKEN + " edited", name="edited")
        for i, name in enumerate(committed):
            target = root / "posts" / ("sub dir é" if i % 2 else "") / name
            target.parent.mkdir(exist_ok=True)
            if i == 0:  # a rename: the new path counts, the old one is gone
                git(root, "mv", "--", "posts/renamed-from.md", str(target.relative_to(root)))
            elif i == 1:  # a copy: the new path counts
                shutil.copy(root / "posts" / "copied-from.md", target)
            else:
                target.write_text((root / "posts" / "untouched.md").read_text(), encoding="utf-8")
            expected.add(target.relative_to(root).as_posix())
        (root / "posts" / "deleted.md").unlink()  # nothing to check, and no error
        git(root, "add", "-A")
        git(root, "commit", "-qm", "the change")
        if untracked is not None:  # not yet added: counts too
            (root / "posts" / untracked).write_text((root / "posts" / "untouched.md").read_text(), encoding="utf-8")
            expected.add(f"posts/{untracked}")

        code, changed, err = check(root, "--changed-since", "main")
        assert code == 1, err
        assert {f[0] for f in findings(changed)} == expected
        # the same findings as `check` given exactly those files
        _, direct, _ = check(root, *(str(root / name) for name in sorted(expected)))
        assert findings(changed) == findings(direct)
        assert changed["summary"]["posts"] == len(expected)


def test_changed_since_from_a_subfolder_of_the_git_repository(tmp_path: Path) -> None:
    """channels.toml need not be at the top of the git repository: paths are still matched."""
    repo = Repo(tmp_path / "git" / "social team")
    repo.post("Fine", name="fine")
    git(tmp_path / "git", "init", "-q")
    git(tmp_path / "git", "add", "-A")
    git(tmp_path / "git", "commit", "-qm", "base")
    repo.post(BROKEN, name="new àccent")  # untracked
    repo.post(BROKEN, name="fine")  # modified
    code, data, err = check(repo.root, "--changed-since", "HEAD")
    assert code == 1, err
    assert {f[0] for f in findings(data)} == {"posts/new àccent.md", "posts/fine.md"}


def test_a_deleted_media_file_rechecks_the_posts_that_showed_it(repo: Repo) -> None:
    from tests.helpers import PNG

    repo.write("posts/media/a.png", PNG)
    repo.post("With an image", name="img", media=[{"path": "media/a.png", "alt": "A photo of the lab team"}])
    repo.post("Without", name="plain")
    git(repo.root, "init", "-q")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "base")
    (repo.root / "posts" / "media" / "a.png").unlink()
    code, data, _ = check(repo.root, "--changed-since", "HEAD")
    assert code == 1
    assert {(f[0], f[2]) for f in findings(data)} == {("posts/img.md", "SP-FILE-002")}


@pytest.mark.parametrize("ref", ["-p", "--output=/tmp/socialpub-owned", "--end-of-options", "-"])
def test_a_ref_that_looks_like_an_option_is_refused(repo: Repo, ref: str, tmp_path: Path) -> None:
    git(repo.root, "init", "-q")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "base")
    code, data, err = check(repo.root, f"--changed-since={ref}")
    assert code == 2 and data == {}
    assert "starts with '-'" in err and "hint:" in err and "Traceback" not in err
    assert not Path("/tmp/socialpub-owned").exists()


def test_a_ref_is_never_read_as_an_option_by_git(repo: Repo) -> None:
    """Even past the check above, git gets REF after --end-of-options: a file named like an option is a
    path, and a ref named like one is no option."""
    from socialpub.gitchanges import files_changed_since

    git(repo.root, "init", "-q")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "base")
    git(repo.root, "tag", "v1")
    repo.post(BROKEN, name="--output=x")
    changed = files_changed_since(load_config(repo.root / "channels.toml"), "v1")
    assert changed == {(repo.root / "posts" / "--output=x.md").resolve()}
    assert not (repo.root / "x").exists()


# --- --changed-files: what pre-commit passes -----------------------------------------------------------

HOOK = next(h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "socialpub-check")
HOOK_ARGS = shlex.split(HOOK["entry"])[2:]  # after `socialpub check`: what pre-commit puts before the names


def test_the_hook_passes_every_file_and_lets_socialpub_choose() -> None:
    assert shlex.split(HOOK["entry"])[:2] == ["socialpub", "check"]
    assert HOOK["pass_filenames"] is True and "--changed-files" in HOOK_ARGS
    assert HOOK_ARGS[-1] == "--"  # a file named like an option stays a file name
    # no second copy of the rules in regexes: socialpub's discover decides (media files count too)
    assert "files" not in HOOK and "exclude" not in HOOK and "types" not in HOOK


tree_entries = st.lists(
    st.tuples(
        st.sampled_from(["posts", "posts/sub", "posts/_drafts", "posts/.hidden", "posts/media", "docs", "", "_x"]),
        st.sampled_from(["a.md", "b.toml", "README.md", "readme.md", "_c.md", ".d.md", "e.txt", "f.png",
                         "channels.toml", "é ü.md", "-g.md"]),
    ),
    min_size=1, max_size=12, unique=True,
)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=tree_entries, passed=st.data())
def test_changed_files_checks_exactly_the_posts_check_would_find(entries: list, passed: st.DataObject) -> None:
    """Whatever files pre-commit passes, socialpub checks those that `socialpub check` itself would find:
    no README.md, nothing in hidden or `_` folders, nothing outside the posts folder (one rule: discover)."""
    with tempfile.TemporaryDirectory() as folder:
        repo = Repo(Path(folder) / "repo")
        root = repo.root
        template = repo.post(BROKEN, name="template")
        text = template.read_text(encoding="utf-8")
        template.unlink()
        files = []
        for where, name in entries:
            if where == "" and name == "channels.toml":
                continue  # the configuration itself: covered below
            path = root / where / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            files.append(path)
        chosen = passed.draw(st.lists(st.sampled_from(files), unique=True)) if files else []
        posts = {p.resolve() for p in discover(load_config(root / "channels.toml"))}
        expected = {p.relative_to(root).as_posix() for p in chosen if p.resolve() in posts}

        old = os.getcwd()
        os.chdir(root)  # as pre-commit runs the hook: from the top, the entry then the relative names
        try:
            code, data, err = check(root, *HOOK_ARGS, *(str(p.relative_to(root)) for p in chosen))
        finally:
            os.chdir(old)
        assert code == (1 if expected else 0), err
        assert {f[0] for f in findings(data)} == expected


def test_changed_files_with_channels_toml_checks_every_post(repo: Repo) -> None:
    repo.post(BROKEN, name="a")
    repo.post(BROKEN, name="b")
    repo.write("posts/README.md", BROKEN)
    code, data, _ = check(repo.root, "--changed-files", str(repo.root / "channels.toml"))
    assert code == 1 and {f[0] for f in findings(data)} == {"posts/a.md", "posts/b.md"}


def test_a_name_that_is_not_utf8_is_still_seen(repo: Repo) -> None:
    git(repo.root, "init", "-q")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "base")
    text = repo.post(BROKEN, name="template").read_bytes()
    (repo.root / "posts" / "template.md").unlink()
    with open(os.fsencode(repo.root / "posts") + b"/latin-1 \xe9t\xe9.md", "wb") as out:  # not UTF-8
        out.write(text)
    code, data, err = check(repo.root, "--changed-since", "HEAD")
    assert code == 1, err  # seen, and reported as a broken file (no id or report can carry those bytes)
    assert findings(data) == [("posts/latin-1 \\xe9t\\xe9.md", None, "SP-FILE-001", "")]


@pytest.mark.parametrize("ref", ["", "no-such-branch", "HEAD\nx", "HEAD~99"])
def test_a_ref_git_does_not_know_is_a_clear_error(repo: Repo, ref: str) -> None:
    git(repo.root, "init", "-q")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "base")
    code, _, err = check(repo.root, "--changed-since", ref)
    assert code == 2 and "fetch-depth" in err and "Traceback" not in err


def test_outside_a_git_repository_says_so(repo: Repo) -> None:
    code, _, err = check(repo.root, "--changed-since", "HEAD")
    assert code == 2 and "git repository" in err and "Traceback" not in err


def test_changed_since_with_paths_is_a_usage_error(repo: Repo) -> None:
    code, data, err = check(repo.root, "--changed-since", "HEAD", str(repo.root / "posts"))
    assert code == 2 and data == {} and "takes no PATHS" in err
