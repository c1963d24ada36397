"""HTTP shared by the adapters: sessions with timeouts, the `endpoint` override, and platform errors.

The SDKs send no timeout by default (tweepy, facebook-sdk) and some ignore the HTTP status
(facebook-sdk): every adapter talks through a session made here, so a stalled connection cannot hang
cron and an error status is never taken for success.
"""

from __future__ import annotations

import logging
import re
import secrets as _secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from socialpub.errors import PlatformError

if TYPE_CHECKING:
    import requests

    from socialpub.media import Media

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_ANSWER = 16 * 1024 * 1024  # bytes of an answer kept; beyond, it is cut (and then no JSON a caller can use)
MAX_REDIRECTS = 5  # platform APIs do not redirect API calls; a loop is cut short
MAX_RETRY_AFTER = 2 * 86400.0  # longer waits a platform asks for are nonsense (and overflow the clock)
MAX_SAID = 500  # characters of what a platform said kept in messages, the ledger and reports
_DIGITS = re.compile(r"[0-9]+")  # str.isdigit() also takes '²' and other digits int() refuses


REQUESTS = logging.getLogger("socialpub.requests")  # `-v` shows it: one line per request, secrets redacted


def log_request(method: str, url: str, status: int | None) -> None:
    """One line per request for `-v`: method, path and status; never the query string (Graph takes its
    token there) nor headers or bodies."""
    if REQUESTS.isEnabledFor(logging.INFO):
        from urllib.parse import urlsplit

        REQUESTS.info("%s %s -> %s", method, urlsplit(url).path or "/", status if status is not None else "no answer")


def make_session(
    endpoint: str | None, *, timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)
) -> requests.Session:
    """A requests session with a default timeout that sends every request to `endpoint` when one is set.

    The endpoint keeps each request's own path (`POST https://api.twitter.com/2/tweets` becomes
    `POST {endpoint}/2/tweets`), so the sandbox and API gateways see the platforms' real paths.
    """
    import requests

    class Session(requests.Session):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            kwargs.setdefault("timeout", timeout)
            if kwargs["timeout"] is None:
                kwargs["timeout"] = timeout
            try:
                return super().request(method, redirect_url(url, endpoint), *args, **kwargs)
            except UnicodeEncodeError:
                # http.client encodes header values as latin-1 before anything is written to the socket; the
                # value (a token, perhaps) is not repeated.
                raise requests.exceptions.InvalidHeader("a request header value is not latin-1 text") from None

    session = Session()
    session.trust_env = endpoint is None  # a loopback endpoint must not go through a proxy from the environment
    session.max_redirects = MAX_REDIRECTS
    bounded = _bounded_adapter()
    session.mount("https://", bounded)
    session.mount("http://", bounded)
    rate = RateState()
    session.rate = rate  # type: ignore[attr-defined]
    session.hooks["response"].append(lambda response, *args, **kwargs: rate.update(response))
    session.hooks["response"].append(
        lambda response, *args, **kwargs: log_request(response.request.method or "", response.url,
                                                      response.status_code))
    return session


class RateState:
    """What the platform's rate-limit headers last said, per endpoint path: lets `run` pace a channel
    before the limit is hit rather than after (X: x-rate-limit-*, Pinterest: x-ratelimit-*)."""

    def __init__(self) -> None:
        self.exhausted: dict[str, float] = {}  # path -> epoch second of the window's reset

    def update(self, response: Any) -> None:
        headers = {k.lower(): v for k, v in response.headers.items()}
        remaining = headers.get("x-rate-limit-remaining") or headers.get("x-ratelimit-remaining")
        path = urlsplit(response.url).path
        if remaining is None or not is_digits(remaining.strip()):
            return
        if int(remaining) > 0:
            self.exhausted.pop(path, None)
            return
        wait = retry_after(
            {"x-rate-limit-reset": headers.get("x-rate-limit-reset") or headers.get("x-ratelimit-reset") or ""}
        )
        if wait is not None:  # resets are whole epoch seconds: one more second so we never come too early
            self.exhausted[path] = time.time() + wait + 1.0

    def wait(self, now: float | None = None) -> float | None:
        """Seconds until every exhausted window has reset, or None when nothing is exhausted."""
        now = time.time() if now is None else now
        waits = [reset - now for reset in self.exhausted.values() if reset > now]
        return max(waits) if waits else None


def redirect_url(url: str, endpoint: str | None) -> str:
    """`url` with scheme and host replaced by the endpoint's (path and query kept)."""
    if not endpoint:
        return url
    target = urlsplit(endpoint)
    parts = urlsplit(url)
    base_path = target.path.rstrip("/")
    return urlunsplit((target.scheme, target.netloc, base_path + parts.path, parts.query, parts.fragment))


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait, from `Retry-After` (seconds or HTTP date) or X's `x-rate-limit-reset` (epoch); at
    most MAX_RETRY_AFTER."""
    wait = _retry_after(headers, now)
    return None if wait is None else min(wait, MAX_RETRY_AFTER)


def _retry_after(headers: Mapping[str, str], now: float | None) -> float | None:
    now = time.time() if now is None else now
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get("retry-after")
    if value:
        value = value.strip()
        if is_digits(value):
            return float(value)
        import email.utils  # only for an HTTP date here; it costs a pre-commit `check` 4 ms when imported at the top

        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            parsed = None
        if parsed is not None:
            return max(0.0, parsed.timestamp() - now)
    reset = lowered.get("x-rate-limit-reset") or lowered.get("x-ratelimit-reset")
    if reset and is_digits(reset.strip()):
        number = float(reset)
        return max(0.0, number - now) if number > 1e9 else number  # epoch seconds, or seconds from now
    return None


def platform_error(
    platform: str,
    status: int | None,
    said: str,
    *,
    headers: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
    action: str | None = None,
    maybe_sent: bool | None = None,
) -> PlatformError:
    """An HTTP failure as a PlatformError: what the platform said, what to do, transient or permanent."""
    wait = retry_after(headers or {}) if headers is not None else None
    said = said_briefly(said, secrets)
    if status is None:
        transient, todo = True, "check the network or the channel's endpoint; socialpub will retry"
    elif status == 429:
        transient = True
        todo = f"rate limited: wait until {_clock(wait)}" if wait is not None else "rate limited: wait and retry"
    elif status in TRANSIENT_STATUS or status >= 500:
        transient, todo = True, f"{platform} is having trouble; retry later"
    elif status == 401:
        transient, todo = False, "re-authenticate: the token is invalid or expired (socialpub auth CHANNEL)"
    elif status == 403:
        transient, todo = False, "the account or app is not allowed to do this (check its permissions and access tier)"
    elif status == 404:
        transient, todo = False, "not found: check the ids in channels.toml (page, board, channel)"
    else:
        transient, todo = False, "fix the post as the platform says"
    code = f"HTTP {status}" if status is not None else "no response"
    if maybe_sent is None:  # an answer of 500/502/504 does not say whether the post was made
        maybe_sent = status in (500, 502, 504)
    error = PlatformError(
        f"{platform} said ({code}): {said}",
        transient=transient,
        retry_after=wait,
        maybe_sent=maybe_sent,
        hint=action or todo,
    )
    error.gone = status == 404
    return error


REFRESH_RETRY = 300.0  # seconds before a later run tries a refused refresh again


def refresh_refused(
    platform: str, response: Any, said: str, *, secrets: Iterable[str] = (), action: str | None = None
) -> PlatformError:
    """A token endpoint's refusal. A refused refresh token (400/401: used already, revoked) is transient: with
    rotating tokens it is most often a race another process won, and a later run reads the token it stored."""
    headers = dict(response.headers)
    error = platform_error(platform, response.status_code, said, headers=headers, secrets=secrets, action=action,
                           maybe_sent=False)  # a failed refresh comes before the request it was for
    if response.status_code in (400, 401):
        error.refused_grant = True
        error.transient = True
        error.retry_after = REFRESH_RETRY  # not within this run: another refresh now would meet the same token
    return error


def request_error(platform: str, error: Exception, *, sent: bool, secrets: Iterable[str] = ()) -> PlatformError:
    """A failure without an answer (timeout, refused or dropped connection) as a transient PlatformError.

    `sent` says whether the request could have reached the platform: a connect failure cannot have,
    a read timeout or a connection dropped after sending can.
    """
    from requests.exceptions import InvalidHeader

    what = type(error).__name__
    detail = said_briefly(str(error), secrets)
    if isinstance(error, InvalidHeader):  # requests refused to build it: the same values would fail again
        return PlatformError(  # requests quotes the value (a token, perhaps): not repeated
            f"{platform}: the request was not sent (a header value HTTP cannot carry)",
            transient=False,
            maybe_sent=False,
            hint="a credential (or a token the platform issued) holds characters no HTTP header may carry: "
            "check the channel's credentials, or run `socialpub auth CHANNEL` again",
        )
    return PlatformError(
        f"{platform}: no answer ({what}: {detail})",
        transient=True,
        maybe_sent=sent,
        hint="check the network or the channel's endpoint; the outcome is checked before anything is sent again"
        if sent
        else "check the network or the channel's endpoint, then retry",
    )


def said_briefly(said: str, secrets: Iterable[str] = ()) -> str:
    """What a platform said, fit for a message: secrets removed first (a cut could split one), then one
    line of at most MAX_SAID characters."""
    text = " ".join(scrub(said, secrets).split()) or "no message"
    return text if len(text) <= MAX_SAID else text[: MAX_SAID - 1] + "…"


def is_digits(value: object) -> bool:
    """A non-empty string of ASCII digits (what int() and the platforms' ids take)."""
    return isinstance(value, str) and _DIGITS.fullmatch(value) is not None


def unanswered(platform: str, error: Exception, *, creates: bool, secrets: Iterable[str] = ()) -> PlatformError:
    """A request without a usable answer, classified: only the request that makes the post (`creates`) can have
    made it without our knowing, and only when it may have reached the platform (`may_have_arrived`)."""
    return request_error(platform, error, sent=creates and may_have_arrived(error), secrets=secrets)


def answered_maybe_sent(creates: bool) -> bool | None:
    """`maybe_sent` of an error status: for the request that makes the post, as the status says (None: a 5xx
    may have made it, a 4xx did not); any other request makes nothing (False)."""
    return None if creates else False


def may_have_arrived(error: Exception) -> bool:
    """Whether a request that failed without a usable answer may have reached the platform (and been acted on).

    Not when it provably never left: no connection was made (refused, DNS, connect timeout, TLS), or
    requests refused to build it (an invalid header value or URL). Everything else — a read timeout, a
    connection dropped after sending, a broken or endless answer, a redirect loop — may have.
    """
    import requests
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    never_sent = (
        requests.exceptions.ConnectTimeout,
        requests.exceptions.SSLError,
        requests.exceptions.InvalidHeader,
        requests.exceptions.InvalidURL,
        requests.exceptions.InvalidSchema,
        requests.exceptions.MissingSchema,
        requests.exceptions.URLRequired,
        requests.exceptions.InvalidJSONError,
    )
    if isinstance(error, never_sent):
        return False
    if isinstance(error, requests.exceptions.ConnectionError):
        reason = error.args[0] if error.args else None
        reason = getattr(reason, "reason", reason)  # MaxRetryError wraps the cause
        # NewConnectionError and NameResolutionError derive from ConnectTimeoutError: refused before sending.
        return not isinstance(reason, (NewConnectionError, ConnectTimeoutError, ConnectionRefusedError))
    return isinstance(error, requests.RequestException)


def _bounded_adapter() -> Any:
    """An HTTPAdapter that keeps at most MAX_ANSWER bytes of an answer: a platform (or something posing as
    one) cannot fill the memory. Read here, before the session's hooks and the SDKs look at the answer."""
    from requests.adapters import HTTPAdapter

    class BoundedAdapter(HTTPAdapter):
        def send(self, request: Any, stream: bool = False, **kwargs: Any) -> Any:  # type: ignore[override]
            response = super().send(request, stream=True, **kwargs)
            if stream:
                return response
            kept = bytearray()
            for block in response.iter_content(64 * 1024):
                kept += block
                if len(kept) > MAX_ANSWER:
                    response.reason = f"{response.reason or ''} (answer cut at {MAX_ANSWER} bytes)".strip()
                    response.close()  # the rest is never read: the connection cannot be reused
                    del kept[MAX_ANSWER:]
                    break
            response._content = bytes(kept)
            response._content_consumed = True
            return response

    return BoundedAdapter()


def _clock(seconds: float) -> str:
    """The time `seconds` from now in UTC, saying so: the ledger and every other hint are in UTC too."""
    return time.strftime("%H:%M:%S UTC", time.gmtime(time.time() + seconds))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Remove every secret (in each of its forms: socialpub.redact) from a text before it is shown or stored."""
    from socialpub.redact import redact

    return redact(text, secrets)


class MultipartFile:
    """A multipart/form-data body streamed from disk with a known length.

    requests would build a `files=` body in memory, and S3 uploads need Content-Length (no chunked
    encoding): a video of gigabytes is read a block at a time. requests sends an iterable with `__len__`
    as it is. `finished` says whether every byte was handed to the connection.
    """

    CHUNK = 1 << 20

    def __init__(
        self, fields: Mapping[str, str], name: str, path: Path, mime: str, media: Media | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        boundary = "socialpub" + _secrets.token_hex(16)
        self.content_type = f"multipart/form-data; boundary={boundary}"
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(k)}"\r\n\r\n'.encode()
            + v.encode()
            + b"\r\n"
            for k, v in fields.items()
        )
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"; '
            f'filename="{_quote(path.name)}"\r\nContent-Type: {mime}\r\n\r\n'
        ).encode()
        self.head = head
        self.tail = f"\r\n--{boundary}--\r\n".encode()
        self.path = path
        self.size = path.stat().st_size
        self.finished = False  # every byte was handed to the connection
        self.media = media  # hashed while streamed, compared before the last block (Media.changed)
        self.progress = progress  # (bytes of the file handed to the connection, its size)

    def __len__(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        import hashlib

        yield self.head
        digest = hashlib.sha256()
        sent = 0
        if self.progress:
            self.progress(0, self.size)
        with self.path.open("rb") as handle:
            block = handle.read(self.CHUNK)
            if not block and self.media is not None:
                self.media.changed(digest.hexdigest())  # an empty file now
            while block:
                following = handle.read(self.CHUNK)  # one block ahead: the last one is known before it goes
                digest.update(block)
                if not following and self.media is not None:
                    self.media.changed(digest.hexdigest())  # raises: the body ends short, nothing is made
                yield block
                sent += len(block)
                if self.progress:
                    self.progress(sent, self.size)
                block = following
        self.finished = True
        yield self.tail


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
