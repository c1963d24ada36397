"""Media files: the type told by their first bytes, never by their name."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm")


def sniff(head: bytes) -> str | None:
    """The MIME type of a file from its first 16+ bytes, or None when it is no image or video we know."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def sniff_file(path: Path) -> str | None:
    with path.open("rb") as handle:
        return sniff(handle.read(16))


_KIND_BY_MIME = {mime: "gif" if mime == "image/gif" else "image" for mime in IMAGE_TYPES} | dict.fromkeys(
    VIDEO_TYPES, "video"
)
_KIND_BY_SUFFIX = {".jpg": "image", ".jpeg": "image", ".png": "image", ".webp": "image", ".gif": "gif",
                   ".mp4": "video", ".mov": "video", ".webm": "video", ".m4v": "video"}


def _kind(path: str, mime: str | None) -> str | None:
    """"image", "gif" or "video" by the MIME type; for an unusable file by its name, so that counts stay
    sensible; None for anything else."""
    return _KIND_BY_MIME.get(mime) or kind_by_name(path)  # type: ignore[arg-type]


@lru_cache(maxsize=4096)  # every render asks, for every medium: posts share a few image and video names
def kind_by_name(path: str) -> str | None:
    """"image", "gif" or "video" as the file's name says (its extension), whatever its bytes are."""
    return _KIND_BY_SUFFIX.get(Path(path).suffix.lower())


@dataclass(frozen=True, slots=True)
class Media:
    """One image or video of a post, as the post file declares it and as found on disk."""

    path: str  # as written in the post file
    file: Path | None  # resolved inside the repository; None when it could not be
    alt: str | None
    depicts_patient: bool = False
    mime: str | None = None
    where: Any = field(default=None, compare=False, repr=False)  # a posts.Source: its line, looked up lazily
    problem: str | None = None  # why the file is unusable (already reported as SP-FILE-002)
    # "image", "gif", "video" or None; asked for by every render and rule, so told once here
    kind: str | None = field(default=None, init=False, compare=False, repr=False)
    # The bytes to send, read (and hashed) once before the claim (socialpub.payload.freeze); None: the file's
    data: bytes | None = field(default=None, compare=False, repr=False)
    # sha256 of the bytes checked before the claim: a video streamed from disk is compared with it on the way
    digest: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _kind(self.path, self.mime))  # frozen: set once, here

    @property
    def line(self) -> int | None:
        return self.where.line if self.where is not None else None

    def read(self) -> bytes:
        """The bytes to upload: those read once and hashed when there are (never the file read again)."""
        if self.data is not None:
            return self.data
        assert self.file is not None
        return self.file.read_bytes()

    def open(self) -> BinaryIO:
        """A binary stream of the bytes to upload (see `read`)."""
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.file is not None
        return self.file.open("rb")

    def changed(self, digest: str) -> None:
        """Raise when `digest` (of the bytes just streamed) is not what was checked before the claim: the
        caller stops before the upload is finalised, so nothing is published."""
        if self.digest is not None and digest != self.digest:
            from socialpub.errors import PlatformError

            raise PlatformError(
                f"SP-META-008: the content no longer matches what was checked: {self.path} changed while it was "
                "being uploaded; the upload was not finalised, nothing was published",
                transient=False,
                hint="socialpub check the post again (and get the change re-approved), then publish it",
            )

    @property
    def size(self) -> int | None:
        if self.data is not None:
            return len(self.data)
        try:
            return self.file.stat().st_size if self.file else None
        except OSError:
            return None
