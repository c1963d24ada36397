"""Every secret this process has read, so that any text can be cleaned of all of them before it is shown,
logged or stored — whichever platform echoed which secret, and in whichever form it echoed it."""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import quote, quote_plus

_SECRETS: set[str] = set()
_SOURCES: set[Callable[[], Iterable[str]]] = set()  # secrets that change during a run (refreshed tokens)
_LOCK = threading.Lock()
MIN_LENGTH = 4  # shorter values would blank ordinary words
MIN_BASE64 = 6  # shorter base64 fragments (of secrets under 6 bytes) could match ordinary words
MARK = "[secret]"


def remember(*values: str) -> None:
    with _LOCK:
        _SECRETS.update(v for v in values if v and len(v) >= MIN_LENGTH)


def forms(secret: str) -> set[str]:
    """The ways a secret shows up in text: as it is, URL-encoded (query strings, form bodies, the OAuth 1.0a
    Authorization header), JSON- and backslash-escaped (echoed bodies, reprs), HTML-escaped, and in base64
    (HTTP Basic headers: the secret's own characters wherever it sits in the encoded value)."""
    found = {secret, html.escape(secret)}
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret, safe=""), quote_plus(secret)):
        found |= {encoded, quote(encoded, safe="")}  # and encoded twice (a URL inside a query string)
    for escaped in (json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
                    secret.encode("unicode_escape").decode("ascii"), repr(secret)[1:-1]):
        found |= {escaped, escaped.replace("/", "\\/")}
    raw = secret.encode("utf-8")
    for skip in range(3):  # the three byte alignments the secret can have inside a longer encoded value
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * skip + raw).decode("ascii").rstrip("=")
            # characters fed by the secret's bits only: after the padding bytes, before a trailing partial group
            first, last = -(-8 * skip // 6), (8 * (skip + len(raw)) - 6) // 6
            core = text[first : last + 1]
            if len(core) >= MIN_BASE64:
                found.add(core)
    return {f for f in found if len(f) >= MIN_LENGTH}


@lru_cache(maxsize=64)
def _pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    every = {form for secret in secrets for form in forms(secret)}
    if not every:
        return None
    # Longest first, so that a form containing another is replaced whole; case-insensitive because
    # percent and \u escapes come in both cases (and a secret in another case is still blanked).
    return re.compile("|".join(re.escape(f) for f in sorted(every, key=len, reverse=True)), re.IGNORECASE)


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """`text` with every known secret, in each of its forms, replaced by [secret]."""
    if not text:
        return text
    with _LOCK:
        known = {*_SECRETS}
        sources = [*_SOURCES]
    for source in sources:
        known.update(v for v in source() if v and len(v) >= MIN_LENGTH)
    known.update(e for e in extra if e and len(e) >= MIN_LENGTH)
    pattern = _pattern(frozenset(known))
    return pattern.sub(MARK, text) if pattern is not None else text


def clip(text: str, limit: int, extra: Iterable[str] = ()) -> str:
    """`text` redacted, then cut to `limit` characters: cutting first could leave part of a secret that
    redaction no longer recognises."""
    return redact(text, extra)[:limit]


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
