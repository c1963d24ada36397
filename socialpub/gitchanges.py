"""`check --changed-since REF`: the post files git says changed, so a pull request reviews only its posts."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from socialpub.errors import SocialpubError
from socialpub.posts import discover, load_posts

if TYPE_CHECKING:
    from socialpub.config import Config


def _git(config: Config, *args: str) -> list[str]:
    try:
        done = subprocess.run(["git", *args], cwd=config.root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SocialpubError(f"cannot run git: {exc}", hint="install git, or check without --changed-since") from None
    if done.returncode != 0:
        raise SocialpubError(
            f"git {' '.join(args[:2])} failed: {done.stderr.strip()[:300]}",
            hint="is REF a commit of this repository? In CI, fetch enough history (actions/checkout fetch-depth: 0)",
        )
    return [line for line in done.stdout.splitlines() if line.strip()]


def changed_files(config: Config, ref: str) -> set[Path]:
    """Files changed between REF and the working tree, plus untracked ones (deleted files excluded)."""
    top = Path(_git(config, "rev-parse", "--show-toplevel")[0])
    names = _git(config, "diff", "--name-only", "--diff-filter=d", ref, "--")
    names += _git(config, "ls-files", "--others", "--exclude-standard")
    return {(top / name).resolve() for name in names}


def changed_posts(config: Config, ref: str) -> list[Path]:
    """The post files to check: changed ones, those whose media changed, or all when channels.toml changed."""
    changed = changed_files(config, ref)
    every = discover(config)
    if config.path.resolve() in changed:
        return every
    selected = [p for p in every if p.resolve() in changed]
    others = changed - {p.resolve() for p in every}
    if others:  # a changed media file changes every post that shows it
        chosen = set(selected)
        for post in load_posts(config).posts:
            files = [m.file for m in post.media] + [
                m.file for table in post.overrides.values() for m in table.get("media", []) if hasattr(m, "file")
            ]
            if any(f is not None and f.resolve() in others for f in files) and post.path not in chosen:
                selected.append(post.path)
                chosen.add(post.path)
    return sorted(selected)
