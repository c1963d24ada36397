"""Which posts a change touches: `check --changed-since REF` (a pull request) and `check --changed-files`
(the file names pre-commit passes) select the same way, here."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from socialpub.errors import SocialpubError
from socialpub.media import Media
from socialpub.posts import discover, load_posts

if TYPE_CHECKING:
    from socialpub.config import Config

# Never quote or escape names (-z already does not; this also covers rev-parse), whatever the user's config.
GIT = ("git", "-c", "core.quotepath=false")
REF_HINT = "is REF a commit of this repository? In CI, fetch enough history (actions/checkout fetch-depth: 0)"


def _git(cwd: Path, *args: str, hint: str = REF_HINT) -> bytes:
    try:
        done = subprocess.run([*GIT, *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SocialpubError(f"cannot run git: {exc}", hint="install git, or check without --changed-since") from None
    if done.returncode != 0:
        message = os.fsdecode(done.stderr).strip()[:300]
        raise SocialpubError(f"git {args[0]} failed: {message}", hint=hint)
    return done.stdout


def _names(output: bytes) -> list[str]:
    """NUL-separated names as the file system spells them (bytes that are not UTF-8 survive, as os.scandir's do)."""
    return [os.fsdecode(name) for name in output.split(b"\0") if name]


def files_changed_since(config: Config, ref: str) -> set[Path]:
    """Every path changed between REF and the working tree, untracked files included.

    Deleted paths are in the set too: no post is checked for them (discover no longer finds the file), but a
    post that showed a deleted or renamed media file is. Renames and copies count as their new path
    (--no-renames: a rename is the old path deleted and the new one added).
    """
    if ref.startswith("-"):
        raise SocialpubError(
            f"--changed-since '{ref}' is not a git revision (it starts with '-')",
            hint="name a branch, tag or commit, e.g. --changed-since origin/main",
        )
    top_line = _git(config.root, "rev-parse", "--show-toplevel",
                    hint="--changed-since works in a git repository: run it where channels.toml is committed")
    top = Path(os.fsdecode(top_line.removesuffix(b"\n")))
    # From the top folder, both commands name paths relative to it (ls-files would otherwise use the cwd).
    names = _names(_git(top, "diff", "--name-only", "-z", "--no-renames", "--end-of-options", ref, "--"))
    names += _names(_git(top, "ls-files", "-z", "--others", "--exclude-standard"))
    return {(top / name).resolve() for name in names}


def changed_posts(config: Config, changed: Iterable[Path]) -> list[Path]:
    """The post files a change touches: changed posts, those that show a changed media file, and every post
    when channels.toml changed. Files that are not posts (README.md, hidden or `_` folders, outside the posts
    folder) select nothing: the same files `socialpub check` finds on its own."""
    changed = {path.resolve() for path in changed}
    every = discover(config)
    if config.path.resolve() in changed:
        return every
    selected = [p for p in every if p.resolve() in changed]
    others = changed - {p.resolve() for p in every}
    if others:  # a changed, renamed or deleted media file changes every post that shows it
        chosen = set(selected)
        for post in load_posts(config).posts:
            media = [*post.media, *(m for table in post.overrides.values() for m in table.get("media", []))]
            shown = {_media_path(post.path, m) for m in media if isinstance(m, Media)}
            if shown & others and post.path not in chosen:
                selected.append(post.path)
                chosen.add(post.path)
    return sorted(selected)


def _media_path(post_path: Path, media: Media) -> Path | None:
    """Where a media file is, or was when it is gone (relative to the post file, as the loader reads it)."""
    if media.file is not None:
        return media.file.resolve()
    try:
        return (post_path.parent / media.path).resolve()
    except (OSError, ValueError):  # a name no file system takes (e.g. a NUL): it was never a file
        return None
