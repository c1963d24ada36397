"""Every secret this process has read, so that any text can be cleaned of all of them before it is shown,
logged or stored — whichever platform echoed which secret."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from urllib.parse import quote

_SECRETS: set[str] = set()
_SOURCES: set[Callable[[], Iterable[str]]] = set()  # secrets that change during a run (refreshed tokens)
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
        sources = [*_SOURCES]
    for source in sources:
        known += [v for v in source() if v]
    for secret in sorted({*known, *(e for e in extra if e and len(e) >= MIN_LENGTH)}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "[secret]")
        encoded = quote(secret, safe="")
        if encoded != secret and encoded in text:
            text = text.replace(encoded, "[secret]")
    return text


class _RedactingFilter(logging.Filter):
    """Rewrites a log record without any known secret (SDKs log headers, signed URLs and echoed bodies)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: left to logging's own error handling
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


_FILTER = _RedactingFilter()


def guard_loggers(
    prefixes: Iterable[str], secrets: Iterable[str] = (), source: Callable[[], Iterable[str]] | None = None
) -> None:
    """Redact secrets from the records of these loggers and their children (a logger's filters see only its
    own records, so each one gets the filter); `secrets` are learnt first, and `source` is asked at each
    redaction (tokens issued later in the run)."""
    remember(*secrets)
    if source is not None:
        with _LOCK:
            _SOURCES.add(source)
    prefixes = tuple(prefixes)
    names = set(prefixes) | {
        name for name in list(logging.root.manager.loggerDict) if any(name.startswith(p + ".") for p in prefixes)
    }
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
