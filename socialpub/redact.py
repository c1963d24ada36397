"""Every secret this process has read, so that any text can be cleaned of all of them before it is shown,
logged or stored — whichever platform echoed which secret."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from urllib.parse import quote

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
MIN_LENGTH = 4  # shorter values would blank ordinary words


def remember(*values: str) -> None:
    with _LOCK:
        _SECRETS.update(v for v in values if v and len(v) >= MIN_LENGTH)


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """`text` with every known secret (and its URL-encoded form) replaced by [secret]."""
    if not text:
        return text
    with _LOCK:
        known = [*_SECRETS]
    for secret in sorted({*known, *(e for e in extra if e and len(e) >= MIN_LENGTH)}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "[secret]")
        encoded = quote(secret, safe="")
        if encoded != secret and encoded in text:
            text = text.replace(encoded, "[secret]")
    return text
