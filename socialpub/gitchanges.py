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


def posts_to_check(config: Config, paths: Iterable[Path], *, changed_since: str | None = None,
                   changed_files: bool = False) -> list[Path] | None:
    """The post files `socialpub check` checks: those PATHS name (files, folders, post ids; none: every post),
    or those a change touches (--changed-since REF takes no PATHS: the command line says so). [] means every
    post (channels.toml is among them); None, that the change touches no post: nothing to check."""
    from socialpub.posts import select_posts

    if changed_since is not None:
        return changed_posts(config, files_changed_since(config, changed_since)) or None
    if changed_files:
        return changed_posts(config, paths) or None
    selected = select_posts(config, paths)
    return [] if any(p.resolve() == config.path for p in selected) else selected


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


def last_commits(root: Path, paths: Iterable[Path]) -> dict[Path, str | None]:
    """For each file, the last commit that touched it: what `git log -1 --format=%H -- FILE` says (git's
    default history simplification, a commit that deleted it included; None outside git or when no commit
    touched it), for all of them from one walk of the history instead of one per file.

    The audit trail records it for every claim. One `git log` per file walked the history once per file,
    which grows with the repository; this reads it once (`--sparse`: every commit, with the given files it
    changed) and follows git's own rule for each file: an ordinary commit that changed the file is the
    answer; at a merge, the file's history goes on in the first parent that has the same version of it, and
    a merge that matches no parent changed the file itself.
    """
    files = list(dict.fromkeys(paths))
    found: dict[Path, str | None] = dict.fromkeys(files)
    try:
        top = Path(os.fsdecode(_git(root, "rev-parse", "--show-toplevel").removesuffix(b"\n")))
        head = os.fsdecode(_git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip())
    except SocialpubError:
        return found  # not a repository, no git, or no commit yet
    names: dict[str, Path] = {}
    for path in files:
        try:  # the folder as the file system resolves it (git's top is resolved); the file's own name as it is
            relative = (Path(os.path.realpath(path.parent)) / path.name).relative_to(top)
        except ValueError:
            continue  # outside this repository: git log says nothing of it either
        if "\n" in relative.name:  # no line of `git cat-file --batch-check`: asked on its own
            try:
                answer = _git(top, "--literal-pathspecs", "log", "-1", "--format=%H", "--", relative.as_posix())
                found[path] = os.fsdecode(answer).strip() or None
            except SocialpubError:
                pass
            continue
        names[relative.as_posix()] = path
    if not names:
        return found
    try:
        log = _git(top, "--literal-pathspecs", "log", "--full-history", "--sparse", "--parents", "--no-renames",
                   "--name-only", "-z", "--format=%x01%H %P", head, "--", *names)
    except SocialpubError:
        return found
    parents: dict[str, list[str]] = {}
    changed: dict[str, set[str]] = {}
    for record in log.split(b"\x01")[1:]:
        header, _, rest = record.partition(b"\0")
        commit, *above = os.fsdecode(header).split()
        parents[commit] = above
        touched = _names(rest.lstrip(b"\n"))
        if touched:
            changed[commit] = set(touched)
    try:
        _walk(head, parents, changed, names, found, top)
    except (OSError, subprocess.SubprocessError):
        pass  # git could not be asked at a merge: what was found stands, the rest has no commit (as outside git)
    return found


def _walk(head: str, parents: dict[str, list[str]], changed: dict[str, set[str]], names: dict[str, Path],
          found: dict[Path, str | None], top: Path) -> None:
    """git's rule of `last_commits`, for all the files at once (see there)."""
    with _BlobIds(top) as blob_id:
        # Walk the files' histories together from HEAD; they part only at a merge where their versions differ.
        pending: list[tuple[str, set[str]]] = [(head, set(names))]
        while pending:
            commit, group = pending.pop()
            while group:
                above = parents.get(commit)
                if above is None:
                    break  # not in the log: git log has no answer either
                touched = changed.get(commit, set()) & group
                for name in touched:
                    found[names[name]] = commit
                group -= touched
                if len(above) == 1:
                    commit = above[0]
                    continue
                if not above:
                    break  # the root commit: what it did not add, no commit touched
                follow: dict[str, set[str]] = {}
                versions = blob_id([f"{c}:{name}" for name in sorted(group) for c in (commit, *above)])
                for index, name in enumerate(sorted(group)):
                    mine, *theirs = versions[index * (1 + len(above)):(index + 1) * (1 + len(above))]
                    same = next((p for p, version in zip(above, theirs, strict=True) if version == mine), None)
                    if same is None:
                        found[names[name]] = commit  # the merge made a version of its own
                    else:
                        follow.setdefault(same, set()).add(name)
                pending += [(p, g) for p, g in follow.items() if p != above[0]]
                commit, group = above[0], follow.get(above[0], set())


class _BlobIds:
    """`git cat-file --batch-check` kept open: the object id of COMMIT:PATH for many at once ("" when missing)."""

    def __init__(self, top: Path) -> None:
        self.top = top
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> _BlobIds:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.stdin.close()  # type: ignore[union-attr]
            self.process.wait(timeout=10)

    def __call__(self, specs: list[str]) -> list[str]:
        if self.process is None:
            self.process = subprocess.Popen([*GIT, "cat-file", "--batch-check=%(objectname)"], cwd=self.top,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"".join(os.fsencode(spec) + b"\n" for spec in specs))
        self.process.stdin.flush()
        answers = [self.process.stdout.readline().rstrip(b"\n") for _ in specs]
        return ["" if answer.endswith(b" missing") else os.fsdecode(answer) for answer in answers]
