"""Content hashing: what an approver approves (approved_sha256) and what the ledger records as sent."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from socialpub.adapters.base import Rendered, adapter_for


def content_hash(renders: Iterable[Rendered], digests: dict[Path, str] | None = None) -> str:
    """What an approver approves: every channel's text, title, link and board, and every media file's bytes.

    `digests` (file -> sha256) is filled as files are hashed, and read first: what a run checked is what it
    compares the bytes it sends with (socialpub.payload).
    """
    digests = {} if digests is None else digests

    def media_digest(file: Path) -> str:
        if file not in digests:
            digests[file] = file_digest(file)
        return digests[file]

    digest = hashlib.sha256()
    for r in sorted(renders, key=lambda r: r.channel.name):
        media = [*r.media, *([r.thumbnail] if r.thumbnail else [])]
        record = {
            "channel": r.channel.name,
            "parts": [p.text for p in r.parts],
            "title": r.title,
            "link": r.link,
            "board": r.board,
            "media": [[m.path, m.alt, media_digest(m.file) if m.file else None] for m in media],
        }
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def same_content(
    recorded: str | None, renders: Sequence[Rendered], limits: dict[str, dict[str, int]] | None = None
) -> bool:
    """Whether a hash recorded earlier (approved_sha256, a ledger row) is this content's hash: as rendered now,
    or as an earlier socialpub rendered the same file (posts.RENDER_VERSION), so that upgrading socialpub alone
    never looks like an edit. `renders` are every channel's (as for content_hash)."""
    if not recorded:
        return False
    recorded = recorded.lower()
    if recorded == content_hash(renders):
        return True
    post = renders[0].post if renders else None
    if post is None:
        return False
    for version in range(1, post.render_version):
        earlier = post.as_rendered_by(version)
        if recorded == content_hash([adapter_for(r.channel, limits).render(earlier) for r in renders]):
            return True
    return False


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
