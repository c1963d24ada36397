"""`socialpub init` is safe anywhere: it never writes through a link that leaves the folder, never replaces a
file or folder, checks everything before writing anything; and what it writes keeps secrets out of git."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from socialpub.config import load_config
from socialpub.scaffold import CHANNELS_TOML
from tests.helpers import invoke

WRITTEN = ["channels.toml", "posts/welcome.md", ".github/workflows/socialpub-review.yml", "crontab.example",
           "socialpub.service.example", ".gitignore"]
# every folder and file on the way to what init writes
PLACES = sorted({"/".join(w.split("/")[: i + 1]) for w in WRITTEN for i in range(w.count("/") + 1)},
                key=lambda p: (p.count("/"), p))


def snapshot(folder: Path) -> dict[str, tuple]:
    """Everything under `folder` as it is on disk, links not followed."""
    seen = {}
    for where, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(where) / name
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                seen[key] = ("link", os.readlink(path))
            elif path.is_dir():
                seen[key] = ("dir",)
            else:
                seen[key] = ("file", path.read_bytes())
    return seen


def init(folder: Path) -> tuple[int, str]:
    result = invoke(["init", str(folder)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    target, outside = tmp_path / "repo", tmp_path / "elsewhere"
    target.mkdir()
    (outside / "d").mkdir(parents=True)
    (outside / "f").write_text("someone else's file\n")
    return target, outside


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("points_to", ["d", "f", "missing"])
def test_a_link_out_of_the_folder_is_refused_and_nothing_is_written(world, place: str, points_to: str) -> None:
    target, outside = world
    link = target / place
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside / points_to)
    before, before_outside = snapshot(target), snapshot(outside)
    code, output = init(target)
    assert code == 2
    assert place in output and "symbolic link" in output and "Nothing was written" in output and "hint:" in output
    assert snapshot(target) == before and snapshot(outside) == before_outside


@pytest.mark.parametrize("place", PLACES)
def test_a_file_where_a_folder_goes_or_the_reverse_is_refused_before_writing(world, place: str) -> None:
    target, _ = world
    path = target / place
    path.parent.mkdir(parents=True, exist_ok=True)
    is_folder_place = place not in WRITTEN
    if is_folder_place:
        path.write_text("a file\n")
    else:
        path.mkdir()
    before = snapshot(target)
    code, output = init(target)
    assert code == 2 and place in output and "Nothing was written" in output
    assert ("a file where a folder goes" if is_folder_place else "a folder where a file goes") in output
    assert snapshot(target) == before


def test_the_target_being_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("x")
    code, output = init(tmp_path / "notes")
    assert code == 2 and "is a file, not a folder" in output


def test_a_link_that_stays_inside_the_folder_is_used(world) -> None:
    target, outside = world
    (target / "content" / "posts").mkdir(parents=True)
    (target / "posts").symlink_to(Path("content") / "posts")
    assert init(target)[0] == 0
    assert (target / "content" / "posts" / "welcome.md").is_file()
    assert snapshot(outside) == {"d": ("dir",), "f": ("file", b"someone else's file\n")}


# What may already be at each place: nothing, a file, a folder, or a link to either, inside or out, or to nothing.
STATES = ["absent", "file", "dir", "link-in-dir", "link-in-file", "link-out-dir", "link-out-file", "dangling"]


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(states=st.fixed_dictionaries({  # mostly harmless states, so that init also succeeds often
    place: st.sampled_from(STATES) if i % 3 == 0 else st.sampled_from(["absent", "absent", "dir", "file",
                                                                        "link-in-dir", "link-in-file"])
    for i, place in enumerate(PLACES)
}))
def test_init_over_any_existing_tree_writes_inside_only_or_nothing_at_all(states: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target, outside = Path(tmp) / "repo", Path(tmp) / "elsewhere"
        for base in (target / "inside", outside):
            (base / "d").mkdir(parents=True)
            (base / "f").write_text("kept as it was\n")
        for place in PLACES:
            path, state = target / place, states[place]
            if not path.parent.is_dir() or path.parent.is_symlink() or state == "absent":
                continue  # below a file or a link: nothing to build
            if state == "file":
                path.write_text("kept as it was\n")
            elif state == "dir":
                path.mkdir()
            elif state == "dangling":
                path.symlink_to(outside / "missing")
            else:
                _, side, kind = state.split("-")
                path.symlink_to((target / "inside" if side == "in" else outside) / kind[0])
        before, before_outside = snapshot(target), snapshot(outside)
        code, output = init(target)
        assert snapshot(outside) == before_outside  # never anything outside, whatever happens
        assert code in (0, 2), output
        event(f"exit {code}")
        after = snapshot(target)
        if code == 2:
            assert "Nothing was written" in output and after == before
            return
        for written in WRITTEN:  # every file there, as a file
            assert (target / written).is_file(), written
        for key, was in before.items():  # nothing that was there is replaced; a .gitignore only grows
            now = after[key]
            if key.endswith(".gitignore") and was[0] == "file" and now != was:
                assert now[1].startswith(was[1])
            else:
                assert now == was, key


# --- what init writes ---------------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignore_keeps_the_ledger_and_credentials_out_of_git(tmp_path: Path) -> None:
    assert init(tmp_path)[0] == 0
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    private = [".socialpub/ledger.db", ".socialpub/ledger.db-wal", ".socialpub/ledger.lock", ".socialpub/tokens/x",
               "credentials.env", "posts/credentials.env"]
    public = ["channels.toml", "posts/welcome.md", ".github/workflows/socialpub-review.yml", "crontab.example",
              ".gitignore"]

    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=tmp_path).returncode == 0

    assert [p for p in private if not ignored(p)] == []
    assert [p for p in public if ignored(p)] == []


def test_an_existing_gitignore_gets_only_what_it_lacks(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n.socialpub/")  # no newline at the end
    code, output = init(tmp_path)
    assert code == 0 and "updated" in output
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert lines[:2] == ["node_modules/", ".socialpub/"] and lines.count(".socialpub/") == 1
    assert "credentials.env" in lines
    again = (tmp_path / ".gitignore").read_text()
    code, output = init(tmp_path)
    assert code == 0 and (tmp_path / ".gitignore").read_text() == again and "kept" in output


def test_channels_toml_shows_all_four_kinds_and_each_loads(tmp_path: Path) -> None:
    active = tmp_path / "active" / "channels.toml"
    active.parent.mkdir()
    active.write_text(CHANNELS_TOML)
    assert {c.kind for c in load_config(active).channels.values()} == {"twitter", "facebook"}
    # the commented tables are real configuration: uncommented, all four kinds load
    uncommented = tmp_path / "all" / "channels.toml"
    uncommented.parent.mkdir()
    lines, in_channel = [], False
    for line in CHANNELS_TOML.splitlines():
        in_channel = line.startswith("# [channels.") or (in_channel and line.startswith("# "))
        lines.append(line[2:] if in_channel else line)
    text = "\n".join(lines)
    uncommented.write_text(text)
    channels = load_config(uncommented).channels.values()
    assert sorted(c.kind for c in channels) == ["facebook", "pinterest", "twitter", "youtube"]
    assert next(c for c in channels if c.kind == "pinterest").boards == {"News": "549755885175"}
    for reference in re.findall(r'"((?:env|file):[^"]+)"', text):  # credentials only as references
        assert reference.startswith(("env:EXAMPLE_", "file:~/.config/socialpub/"))


def test_a_fresh_init_passes_check(tmp_path: Path) -> None:
    assert init(tmp_path)[0] == 0
    result = invoke(["--config", str(tmp_path / "channels.toml"), "check"])
    assert result.exit_code == 0, result.output


def test_a_gitignore_that_is_a_link_is_refused(tmp_path: Path) -> None:
    """git reads no .gitignore through a symbolic link: appending through it would protect nothing."""
    (tmp_path / "ignore-rules").write_text("*.tmp\n")
    (tmp_path / ".gitignore").symlink_to("ignore-rules")
    code, output = init(tmp_path)
    assert code == 2 and ".gitignore is a symbolic link" in output
    assert (tmp_path / "ignore-rules").read_text() == "*.tmp\n" and not (tmp_path / "channels.toml").exists()
