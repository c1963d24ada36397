"""The payload of a claim: exactly what one channel is sent for one post, as the ledger keeps it.

`freeze` reads every image and thumbnail once, so that the bytes uploaded are the bytes hashed and stored,
and describes the whole rendered post (every part, title, description, link, board, alt texts, options) as
canonical JSON. Its sha256 is the payload hash: the same content under another post id has the same hash.
`rebuild` turns a stored payload back into what `Adapter.find` needs, so that a crashed attempt is looked for
as it was sent, never as the post file reads now. The format is documented in docs/exactly-once.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from socialpub.adapters.base import Part, Rendered
from socialpub.hashing import file_digest
from socialpub.media import Media

VERSION = 1
STORED_KINDS = ("image", "gif")  # kept in the ledger's blobs table; a video only by hash and size


@dataclass
class Frozen:
    rendered: Rendered  # its images and thumbnail carry the bytes read (Media.data)
    body: dict[str, Any]
    sha256: str
    blobs: dict[str, bytes]  # sha256 -> bytes of every image and thumbnail sent
    digests: dict[Path, str]  # media file -> sha256 of what is sent (to compare with what was checked)


class MediaUnreadable(Exception):
    """A media file that cannot be read now (moved, deleted, no permission)."""


def freeze(rendered: Rendered) -> Frozen:
    """Read the media once and describe `rendered` as the payload that is sent.

    Raises MediaUnreadable when a media file the check could read is gone.
    """
    blobs: dict[str, bytes] = {}
    digests: dict[Path, str] = {}
    frozen: dict[int, Media] = {}

    def take(media: Media) -> Media:
        if id(media) in frozen:
            return frozen[id(media)]
        done = media
        if media.file is not None:
            try:
                if media.kind in STORED_KINDS:
                    data = media.file.read_bytes()
                    digest = hashlib.sha256(data).hexdigest()
                    blobs[digest] = data
                    done = replace_media(media, data, digest)
                else:  # a video: streamed by the upload, hashed here (and the upload stops if it changes)
                    digest = file_digest(media.file)
                    done = replace_media(media, None, digest)
            except OSError as exc:
                raise MediaUnreadable(f"{media.path}: {exc.strerror or exc}") from None
            digests[media.file] = digest
        frozen[id(media)] = done
        return done

    parts = tuple(Part(p.text, p.source, tuple(take(m) for m in p.media), p.length) for p in rendered.parts)
    media = tuple(take(m) for m in rendered.media)
    thumbnail = take(rendered.thumbnail) if rendered.thumbnail is not None else None
    sent = replace(rendered, parts=parts, media=media, thumbnail=thumbnail)

    def ref(m: Media) -> dict[str, Any]:
        digest = digests.get(m.file) if m.file is not None else None
        return {
            "path": m.path, "type": m.mime, "kind": m.kind, "alt": m.alt, "depicts_patient": m.depicts_patient,
            "sha256": m.digest or digest, "bytes": len(m.data) if m.data is not None else m.size,
            "stored": m.data is not None,
        }

    body = {
        "version": VERSION,
        "platform": rendered.channel.kind,
        "channel": rendered.channel.name,
        "kind": rendered.kind,
        "parts": [{"text": p.text, "media": [ref(m) for m in p.media]} for p in parts],
        "title": rendered.title,
        "link": rendered.link,
        "board": rendered.board,
        "board_id": rendered.board_id,
        "media": [ref(m) for m in media],
        "thumbnail": ref(thumbnail) if thumbnail is not None else None,
        "options": json.loads(json.dumps(rendered.options, default=str, sort_keys=True)),
    }
    return Frozen(sent, body, payload_hash(body), blobs, digests)


def canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def payload_hash(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def rebuild(body: Mapping[str, Any], rendered: Rendered) -> Rendered:
    """`rendered` (the post and channel as they are now) with the content of a stored payload: what
    `Adapter.find` compares (texts, title, link, board, options, which media there were)."""

    def media_of(ref: Mapping[str, Any]) -> Media:
        return Media(str(ref.get("path") or ""), None, ref.get("alt"), mime=ref.get("type"))

    source = rendered.parts[0].source if rendered.parts else None
    parts = tuple(
        Part(str(p.get("text") or ""), source, tuple(media_of(m) for m in p.get("media") or ()))  # type: ignore[arg-type]
        for p in body.get("parts") or ()
    )
    thumbnail = body.get("thumbnail")
    return replace(
        rendered,
        parts=parts,
        title=body.get("title"),
        link=body.get("link"),
        board=body.get("board"),
        board_id=body.get("board_id"),
        media=tuple(media_of(m) for m in body.get("media") or ()),
        thumbnail=media_of(thumbnail) if thumbnail else None,
        options=dict(body.get("options") or {}),
    )


def replace_media(media: Media, data: bytes | None, digest: str) -> Media:
    return Media(media.path, media.file, media.alt, media.depicts_patient, media.mime, media.where, media.problem,
                 data=data, digest=digest)

