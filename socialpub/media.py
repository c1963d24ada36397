"""Media files: the type told by their first bytes, never by their name."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Media:
    """One image or video of a post, as the post file declares it and as found on disk."""

    path: str  # as written in the post file
    file: Path | None  # resolved inside the repository; None when it could not be
    alt: str | None
    depicts_patient: bool = False
    mime: str | None = None
    where: Any = field(default=None, compare=False, repr=False)  # a posts.Source: its line, looked up lazily
    problem: str | None = None  # why the file is unusable (already reported as SP-FILE-002)

    @property
    def line(self) -> int | None:
        return self.where.line if self.where is not None else None

    @property
    def kind(self) -> str | None:
        if self.mime in IMAGE_TYPES:
            return "gif" if self.mime == "image/gif" else "image"
        if self.mime in VIDEO_TYPES:
            return "video"
        suffix = Path(self.path).suffix.lower()  # unusable file: judge by name so that counts stay sensible
        if suffix in (".jpg", ".jpeg", ".png", ".webp"):
            return "image"
        if suffix == ".gif":
            return "gif"
        if suffix in (".mp4", ".mov", ".webm", ".m4v"):
            return "video"
        return None

    @property
    def size(self) -> int | None:
        try:
            return self.file.stat().st_size if self.file else None
        except OSError:
            return None
