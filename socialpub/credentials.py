"""Credentials: where a secret lives (`env:NAME`, `file:PATH`), reading it when needed, and writing a renewed
token to its file. Secrets read or written here are learnt for redaction (socialpub.redact)."""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from socialpub.errors import CredentialsError, MalformedCredentialError, SocialpubError
from socialpub.redact import remember
from socialpub.tomlsource import read_text

log = logging.getLogger("socialpub")
MAX_CREDENTIAL_BYTES = 1_000_000  # a token file is a line; this bounds what a mistaken path can make us read


@dataclass(frozen=True)
class CredentialRef:
    """`env:NAME` or `file:PATH`: where a secret lives. The secret itself is read only when needed."""

    channel: str
    key: str
    scheme: str
    target: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.target}"

    def resolve(self, environ: dict[str, str] | os._Environ[str] | None = None) -> str:
        environ = os.environ if environ is None else environ
        where = f"channels.{self.channel}.{self.key}"
        if self.scheme == "env":
            value = environ.get(self.target)
            if not value or not value.strip():
                raise CredentialsError(
                    f"environment variable {self.target} is not set",
                    key=where,
                    hint=f"export {self.target}=… in the environment that runs socialpub (cron: see README)",
                )
            return _usable(value.strip(), f"environment variable {self.target}", where)
        path = Path(self.target).expanduser()
        try:  # bounded and never blocking: a credential "file" that is a FIFO or /dev/zero is an error
            value = read_text(path, str(path), CredentialsError, MAX_CREDENTIAL_BYTES).strip()
        except CredentialsError as exc:  # its message names the problem, never the file's content
            raise CredentialsError(
                f"cannot read credential file {path}: {exc.message}",
                key=where,
                hint=f"run `socialpub auth {self.channel}` or create the file (mode 0600)",
            ) from None
        if not value:
            raise CredentialsError(f"credential file {path} is empty", key=where)
        return _usable(value, f"credential file {path}", where)

    def exposure(self) -> str | None:
        """Why the credential file is not private (readable or writable by others, someone else's), or None.

        A warning, not a refusal: container secret mounts are often 0444 and root's."""
        if self.scheme != "file":
            return None
        return file_exposure(Path(self.target).expanduser())


def learn_secrets(refs: Iterable[CredentialRef], environ: Mapping[str, str] | None = None) -> None:
    """Learn, for redaction, every configured secret that can be read, without using it: text a person types
    (a --reason, a URL given to resolve) is cleaned of them before it reaches the ledger or any output, even by
    a command that never signs in. One that cannot be read is left out here (the command that needs it says)."""
    for ref in refs:
        try:
            ref.resolve(dict(environ) if environ is not None else None)
        except SocialpubError:
            continue


def _usable(value: str, what: str, where: str) -> str:
    """The secret, learnt for redaction; refused (without showing it) when a control character is left inside
    it after stripping: a pasted line break or escape sequence, which no platform would accept."""
    remember(value)
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
        raise MalformedCredentialError(
            f"{what} contains a control character (a line break, tab or escape) inside the value",
            key=where,
            hint="write the secret on one line, without anything else; if it was pasted, paste it again",
        )
    return value


def file_exposure(path: Path) -> str | None:
    """What makes a secret file readable or replaceable by others, or None when it is private."""
    try:
        info = path.stat()
    except OSError:
        return None  # reported when it is read
    problems = []
    if info.st_mode & 0o077:
        problems.append(f"is readable or writable by others (mode {stat.S_IMODE(info.st_mode):04o})")
    if info.st_uid != os.geteuid():
        problems.append(f"belongs to another user (uid {info.st_uid})")
    if not problems:
        return None
    return f"credential file {path} {' and '.join(problems)}: chmod 600 {path} (as its owner)"


ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def private_folder(folder: Path) -> Path:
    """`folder`, created 0700 with its missing parents whatever the umask, and refused when another user owns
    it or others may write to it (they could swap a token file under our feet)."""
    missing = []
    for parent in (folder, *folder.parents):
        if parent.exists():
            break
        missing.append(parent)
    for parent in reversed(missing):
        try:
            parent.mkdir(mode=0o700)
        except FileExistsError:
            pass
        os.chmod(parent, 0o700)  # mkdir's mode is cut by the umask
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise CredentialsError(f"{folder} is not a folder (a symbolic link or a file)",
                               hint="remove it, or set XDG_CONFIG_HOME to a private folder")
    if info.st_uid != os.geteuid():
        raise CredentialsError(
            f"the token folder {folder} belongs to another user (uid {info.st_uid})",
            hint="use a folder of your own: set XDG_CONFIG_HOME, or change the file: path",
        )
    if info.st_mode & 0o022:
        os.chmod(folder, stat.S_IMODE(info.st_mode) & ~0o022)
        log.warning("the token folder %s was writable by others: made it writable by its owner only", folder)
    return folder


def write_secret(path: Path, value: str) -> None:
    """Replace a credential file atomically, readable by its owner only (0600).

    The new content goes to a fresh temporary file in the same private folder (O_EXCL|O_NOFOLLOW: nobody can
    have planted it or a link in its place) and is renamed over the old file, which replaces a link rather
    than writing through it."""
    folder = private_folder(path.parent)
    temp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    remember(value)
