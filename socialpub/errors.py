"""One exception family and the exit codes it maps to (README, "Exit codes")."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # error-level compliance findings
    USAGE = 2  # bad usage or channels.toml missing/invalid: nothing was done
    PUBLISH_FAILED = 3
    UNKNOWN_OUTCOME = 4
    INTERNAL = 70  # a bug in socialpub (EX_SOFTWARE); never 2, which says that nothing was done
    INTERRUPTED = 130


class SocialpubError(Exception):
    """An error a person can act on: where it is, what is wrong, and how to fix it."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.key = key
        self.hint = hint

    def where(self) -> str:
        parts = [self.file or ""]
        if self.file and self.line:
            parts.append(str(self.line))
            if self.column:
                parts.append(str(self.column))
        return ":".join(p for p in parts if p)

    def __str__(self) -> str:
        text = self.message
        if self.key:
            text = f"{self.key}: {text}"
        where = self.where()
        if where:
            text = f"{where}: {text}"
        if self.hint:
            text = f"{text}\n  hint: {self.hint}"
        return text


class ConfigError(SocialpubError):
    """channels.toml is missing or invalid."""


class PostError(SocialpubError):
    """A post file is broken; reported as a finding (SP-FILE-001 or SP-FILE-002), not as an exit 2."""

    def __init__(self, message: str, *, rule: str = "SP-FILE-001", **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.rule = rule


class CredentialsError(SocialpubError):
    """A credential reference cannot be resolved. Never carries the secret itself."""


class MalformedCredentialError(CredentialsError):
    """A credential's value cannot be right (a control character inside it): a configuration error, reported
    before anything is sent. Never carries the value."""


class Stopped(SocialpubError):
    """Raised by the publisher's gate right before a request that could make (part of) a post: publishing was
    paused, or this run lost its claim (its ledger liveness, or another run took the claim over)."""

    def __init__(self, message: str, *, paused: bool, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.paused = paused


class PlatformError(SocialpubError):
    """What a platform said, classified: transient errors may be retried, permanent ones not."""

    exit_code = ExitCode.PUBLISH_FAILED
    refused_grant = False  # a token endpoint refused the refresh token (used already, revoked)
    gone = False  # the platform says that what was asked about does not exist (HTTP 404, Graph's 100/33)

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        retry_after: float | None = None,
        maybe_sent: bool = False,
        **kw: object,
    ) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.transient = transient
        self.retry_after = retry_after
        # True when the request may have reached the platform (timeout after sending, connection dropped
        # before the answer, 500/502/504): the outcome is unknown until reconciled, never retried blindly.
        self.maybe_sent = maybe_sent
