"""The platform simulator: a real HTTP server on loopback that speaks the platforms' APIs at their own paths.

Each platform is a module of this package with a `Platform` subclass and its routes. The server keeps
what was posted (served back for reconciliation and tests), applies per-route rate limits with the
platform's headers, and injects faults on request (429 with reset, 5xx, slow responses, dropped
connections, expired tokens, any answer at all) through `Sandbox.inject()` or `POST /_sandbox/faults`.

It bounds what it accepts, like the platforms' front ends: a request body of more than `max_body` bytes
(declared, or counted as a chunked body arrives) gets 413 and the connection is closed; headers beyond
100 lines or 64 KiB in all get 431; a connection idle for `idle_timeout` seconds mid-request is closed.
"""

from __future__ import annotations

import importlib
import itertools
import json
import pkgutil
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

MAX_BUFFERED_BODY = 64 * 1024 * 1024  # larger bodies must be streamed by their route
MAX_BODY = 4 * 1024 * 1024 * 1024  # any request body, streamed or not (YouTube takes far more; 4 GiB is a test)
MAX_HEADER_BYTES = 64 * 1024  # all request headers together (http.server itself allows 100 lines)
IDLE_TIMEOUT = 60.0  # seconds a connection may send nothing in the middle of a request


class ApiError(Exception):
    """An error answer in the platform's own shape."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class Response:
    status: int = 200
    body: Any = None  # JSON-able, bytes, or None
    headers: dict[str, str] = field(default_factory=dict)


class TooLarge(ApiError):
    """A request body over the bound: answered 413, and the connection is closed (the rest is never read)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, {"error": f"request body larger than {limit} bytes"}, {"Connection": "close"})


class Request:
    """One request as handlers see it. The body is read on first use, or streamed with `chunks()`."""

    max_body = MAX_BODY

    def __init__(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        self.method = method
        split = urlsplit(handler.path)
        self.path = split.path
        self.query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        self._handler = handler
        self._body: bytes | None = None
        self.match: re.Match[str] | None = None
        self.record: dict[str, Any] | None = None  # this request in the sandbox's log

    @property
    def length(self) -> int:
        try:
            return int(self.headers.get("content-length", "0") or 0)
        except ValueError:
            return 0

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """Stream the body without keeping it (uploads of gigabytes)."""
        if self._body is not None:
            yield self._body
            return
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            yield from self._chunked()
            self._body = b""
            return
        if self.length > self.max_body:
            raise TooLarge(self.max_body)
        remaining = self.length
        while remaining > 0:
            block = self._handler.rfile.read(min(size, remaining))
            if not block:
                raise ConnectionError("client closed the connection mid-body")
            remaining -= len(block)
            yield block
        self._body = b""

    def _chunked(self) -> Iterator[bytes]:
        """Transfer-Encoding: chunked, counted against `max_body` as it arrives (it may never end)."""
        rfile = self._handler.rfile
        total = 0
        while True:
            line = rfile.readline(1026)
            if not line:
                raise ConnectionError("client closed the connection mid-body")
            digits = line.split(b";", 1)[0].strip()
            if not line.endswith(b"\n") or not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", digits):
                raise ApiError(400, {"error": "malformed chunked body"}, {"Connection": "close"})
            size = int(digits, 16)
            if size == 0:
                while rfile.readline(1026) not in (b"\r\n", b"\n", b""):  # trailer fields, ignored
                    pass
                return
            total += size
            if total > self.max_body:
                raise TooLarge(self.max_body)
            block = rfile.read(size)
            if len(block) < size:
                raise ConnectionError("client closed the connection mid-body")
            yield block
            rfile.readline(3)

    @property
    def body(self) -> bytes:
        if self._body is None:
            limit = min(MAX_BUFFERED_BODY, self.max_body)
            if self.length > limit:
                raise TooLarge(limit)
            kept = bytearray()
            for block in self.chunks():
                kept += block
                if len(kept) > limit:  # a chunked body declares no length
                    raise TooLarge(limit)
            self._body = bytes(kept)
        return self._body

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise ApiError(400, {"error": "body is not valid JSON"}) from None

    def form(self) -> dict[str, str]:
        """application/x-www-form-urlencoded or multipart/form-data fields (file parts as bytes → str size)."""
        kind = self.headers.get("content-type", "")
        if kind.startswith("multipart/form-data"):
            return {k: v for k, v in self.multipart().items() if isinstance(v, str)}
        data = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        merged = {k: v[-1] for k, v in data.items()}
        return {**self.query, **merged}

    def multipart(self) -> dict[str, str | bytes]:
        """Fields of a multipart body: text fields as str, file fields as bytes."""
        from email.parser import BytesParser
        from email.policy import HTTP

        kind = self.headers.get("content-type", "")
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + self.body)
        fields: dict[str, str | bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            fields[str(name)] = data if part.get_filename() else data.decode("utf-8", "replace")
        return {**self.query, **fields}

    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return None


Handler = Callable[..., Response]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    name: str
    limit: tuple[int, float] | None = None  # (requests, window seconds), per route


H = TypeVar("H", bound=Callable[..., Response])


def route(method: str, path: str, name: str, limit: tuple[int, float] | None = None) -> Callable[[H], H]:
    """Mark a Platform method as the handler of METHOD path-regex."""

    def mark(fn: H) -> H:
        fn._sandbox_route = (method, path, name, limit)  # type: ignore[attr-defined]
        return fn

    return mark


@dataclass(frozen=True)
class ExampleChannel:
    """A channel of this platform for a channels.toml pointed at the sandbox (`socialpub sandbox` prints it):
    credentials as env: references, whose values the sandbox accepts."""

    name: str
    credentials: tuple[str, ...]
    options: dict[str, str] = field(default_factory=dict)
    boards: dict[str, str] = field(default_factory=dict)


class Platform:
    """One simulated platform. Subclasses define routes with @route and answer errors in their own shape."""

    name = "platform"
    example_channel: ExampleChannel
    rate_limit_headers = "x-rate-limit"  # prefix of limit/remaining/reset headers

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.lock = sandbox.lock

    def routes(self) -> list[Route]:
        found = []
        for attr in dir(self):
            fn = getattr(self, attr)
            spec = getattr(fn, "_sandbox_route", None)
            if spec:
                method, path, name, limit = spec
                found.append(Route(method, re.compile(f"^{path}$"), fn, f"{self.name}:{name}", limit))
        return found

    def error(self, status: int, message: str, **extra: Any) -> ApiError:
        return ApiError(status, {"error": message, **extra})

    def answer_headers(self) -> dict[str, str]:
        """Headers every answer of the platform carries besides its own (Facebook: its usage headers)."""
        return {}

    def unauthorized(self, message: str = "invalid or expired token") -> ApiError:
        return self.error(401, message)

    def rate_limited(self, reset_in: float, limit: int) -> ApiError:
        reset = int(time.time() + reset_in + 0.999)
        return ApiError(
            429,
            {"error": "Too Many Requests"},
            {f"{self.rate_limit_headers}-limit": str(limit), f"{self.rate_limit_headers}-remaining": "0",
             f"{self.rate_limit_headers}-reset": str(reset), "retry-after": str(max(1, int(reset_in + 0.999)))},
        )

    def add_board(self, board_id: str, name: str | None = None) -> Any:
        """A board of the simulated account (a channel's `boards`): only platforms that have boards take one."""
        raise ValueError(f"the {self.name} sandbox has no boards")

    # what was posted, for reconciliation and for tests counting duplicates
    def keep(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.sandbox.store.setdefault(self.name, {}).setdefault(kind, {})[obj["id"]] = obj
        return obj

    def kept(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.sandbox.store.setdefault(self.name, {}).setdefault(kind, {})

    def new_id(self) -> str:
        return self.sandbox.new_id()


@dataclass
class Fault:
    """A fault to inject on the next `count` requests whose path matches `path` (a regex) and method."""

    kind: str  # status | slow | drop | lose (carried out, then unanswered) | expire | answer
    path: str = ".*"
    method: str | None = None
    status: int = 503
    count: int = 1
    delay: float = 0.0
    reset_in: float = 1.0  # for 429: seconds until the reset header's time
    after_bytes: int | None = None  # for drop: read this much of the body first, then drop
    body: Any = None
    # for answer: exactly this answer, whatever it is: `status`, `headers` (written as given, line breaks and
    # all; "{path}" in a value is the request's path), and `raw` (UTF-8 text) as the body, or else `body` as
    # JSON (null, a list, a number included)
    raw: str | None = None
    data: bytes | None = None  # for answer, in this process only: exactly these bytes (a compressed body)
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and re.search(self.path, path) is not None


def platforms() -> list[type[Platform]]:
    """The simulated platforms: the `Platform` of each module of this package (one per network, beside its
    adapter; the adapter names it in `Adapter.sandbox`), imported now."""
    package = __name__.rpartition(".")[0]
    found = []
    for module_info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{module_info.name}")
        found += [
            value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Platform) and value.__module__ == module.__name__
            and value is not Platform
        ]
    return found


class Sandbox:
    """The simulator. `with Sandbox() as box: box.url` serves on a free loopback port in a thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        latency: float = 0.0,
        rate_limits: bool = True,
        max_body: int = MAX_BODY,
        idle_timeout: float = IDLE_TIMEOUT,
        comments: str | None = None,
    ):
        self.lock = threading.RLock()
        self.comments = comments  # "demo": a few realistic comments on every post made (socialpub sandbox)
        self.max_body = max_body
        self.idle_timeout = idle_timeout
        self.store: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
        self.faults: list[Fault] = []
        self.latency = latency
        self.rate_limits = rate_limits
        self.requests: deque[dict[str, Any]] = deque(maxlen=10_000)
        self.tokens: set[str] = set()  # access tokens issued by the token endpoints
        self.revoked: set[str] = set()
        self.static_expired = False  # an injected expiry also ends the throw-away 'sandbox-…' tokens
        self._ids = itertools.count(1_000_000_000_000_000_001)
        self._windows: dict[str, deque[float]] = {}
        self.platforms = [cls(self) for cls in platforms()]
        self.table = [r for p in self.platforms for r in p.routes()]
        self.server = _QuietServer((host, port), _handler_class(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def platform(self, name: str) -> Platform:
        """The simulated platform of a kind ("twitter")."""
        found = next((p for p in self.platforms if p.name == name), None)
        if found is None:
            raise KeyError(f"no simulated platform '{name}'")
        return found

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    def start(self) -> Sandbox:
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="socialpub-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def new_id(self) -> str:
        with self.lock:
            return str(next(self._ids))

    def inject(self, kind: str, **options: Any) -> Fault:
        fault = Fault(kind=kind, **options)
        with self.lock:
            self.faults.append(fault)
        return fault

    def reset(self) -> None:
        with self.lock:
            self.store.clear()
            self.faults.clear()
            self.requests.clear()
            self._windows.clear()
            self.static_expired = False

    def posts(self, platform: str | None = None) -> list[dict[str, Any]]:
        """Everything kept, flattened: [{platform, kind, ...object}]."""
        with self.lock:
            out = []
            for name, kinds in self.store.items():
                if platform and name != platform:
                    continue
                for kind, objects in kinds.items():
                    out += [{"platform": name, "kind": kind, **obj} for obj in objects.values()]
            return out

    def valid_token(self, token: str | None) -> bool:
        """Throw-away credentials ('sandbox-…') and tokens issued by the token endpoints are valid."""
        if not token or token in self.revoked:
            return False
        if token.startswith("sandbox"):
            return not self.static_expired
        return token in self.tokens

    def expire_tokens(self) -> None:
        with self.lock:
            self.revoked.update(self.tokens)
            self.static_expired = True

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.count > 0 and fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def check_rate(self, r: Route) -> float | None:
        """Seconds until the route's window frees a slot, or None when the request may go."""
        if not (self.rate_limits and r.limit):
            return None
        count, window = r.limit
        now = time.monotonic()
        with self.lock:
            hits = self._windows.setdefault(r.name, deque())
            while hits and now - hits[0] >= window:
                hits.popleft()
            if len(hits) >= count:
                return window - (now - hits[0])
            hits.append(now)
            return None

    # --- replies and comments on what was posted (the safety inbox reads them) ---

    def add_comment(
        self,
        platform: str,
        text: str,
        author: str,
        on: str | None = None,
        created_at: str | None = None,
        parent: str | None = None,
        deleted: bool = False,
        held: str | None = None,
    ) -> dict[str, Any]:
        """Someone's reply or comment on the post `on` (its remote id), or on the comment `parent`; served by
        the platform's read endpoints in its own shape. `created_at` is ISO 8601 (default: now)."""
        target = next((p for p in self.platforms if p.name == platform), None)
        if target is None or not hasattr(target, "seed_comment"):
            raise ValueError(f"platform must be one of twitter, facebook, youtube, not {platform!r}")
        if not isinstance(text, str) or not isinstance(author, str) or not author:
            raise ValueError("text and author must be strings (author not empty)")
        when = _seed_time(created_at)
        extra = {"held": held} if held else {}  # YouTube only: a comment its owner has not published
        return target.seed_comment(on=on, text=text, author=author, created=when, parent=parent,  # type: ignore[attr-defined,no-any-return]
                                   deleted=bool(deleted), **extra)

    def created(self, platform: Platform, remote_id: str) -> None:
        """A platform made a post: with comments="demo", people start answering it."""
        if self.comments != "demo" or not hasattr(platform, "seed_comment"):
            return
        made: list[dict[str, Any]] = []
        start = time.time()
        for offset, (text, author, answers) in enumerate(DEMO_COMMENTS):
            parent = made[answers]["id"] if answers is not None else None
            made.append(platform.seed_comment(  # type: ignore[attr-defined]
                on=remote_id, text=text, author=author, created=start + offset * 0.25, parent=parent, deleted=False))

    # control endpoints for tests and people in other processes
    def control(self, request: Request) -> Response:
        if request.path == "/_sandbox/posts" and request.method == "GET":
            return Response(200, {"posts": self.posts(request.query.get("platform"))})
        if request.path == "/_sandbox/requests" and request.method == "GET":
            with self.lock:
                return Response(200, {"requests": list(self.requests)})
        if request.path == "/_sandbox/faults" and request.method == "POST":
            spec = request.json() or {}
            try:
                fault = self.inject(**spec)
            except TypeError as exc:
                return Response(400, {"error": str(exc)})
            return Response(201, {"fault": fault.__dict__})
        if request.path == "/_sandbox/comments" and request.method == "POST":
            spec = request.json()
            try:
                made = self.add_comment(**spec) if isinstance(spec, dict) else None
            except (TypeError, ValueError, KeyError) as exc:
                return Response(400, {"error": f"not a comment: {exc}"})
            if made is None:
                return Response(400, {"error": "expected a JSON object with platform, on, text and author"})
            return Response(201, {"comment": made})
        if request.path == "/_sandbox/reset" and request.method == "POST":
            self.reset()
            return Response(204)
        return Response(404, {"error": "unknown sandbox control path"})


# What people write under a post, for `socialpub sandbox` and the quickstart (Sandbox(comments="demo")): the
# sample posts are about ONCAVIX (tivaranib), a fictional product of the sample channels.toml. Two are adverse
# events, one a medical-information question. (text, author, index of the comment it answers or None)
DEMO_COMMENTS: tuple[tuple[str, str, int | None], ...] = (
    ("Started Oncavix last week and my hands won't stop shaking. Is that normal??", "dana_r", None),
    ("Same here, my mom has been so short of breath since her second ONCAVIX cycle that she ended up in the ER",
     "mikeinohio", 0),
    ("Can you take tivaranib with grapefruit juice? My oncologist never said.", "caregiver_kim", None),
    ("So proud of the scientists behind this work 💙", "lab_fan_22", None),
)


def _seed_time(value: Any) -> float:
    """Epoch seconds of a seeded comment's ISO 8601 time (now when none is given)."""
    if value is None:
        return time.time()
    from datetime import UTC, datetime

    if not isinstance(value, str):
        raise ValueError("created_at must be an ISO 8601 time")
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _handler_class(sandbox: Sandbox) -> type[BaseHTTPRequestHandler]:
    class SandboxHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "socialpub-sandbox"
        timeout = sandbox.idle_timeout  # the socket's: a stalled request cannot hold a thread forever

        def parse_request(self) -> bool:
            if not super().parse_request():  # over 100 header lines or one over 64 KiB: 431 already
                return False
            if sum(len(k) + len(v) + 4 for k, v in self.headers.items()) > MAX_HEADER_BYTES:
                self.send_error(431, "Request header fields too large")
                return False
            return True

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the request log is kept in memory
            return

        def setup(self) -> None:
            super().setup()
            # Answers are written in two sends (headers, body): without TCP_NODELAY, Nagle's algorithm
            # and delayed ACKs add ~40 ms to every request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _dispatch(self, method: str) -> None:
            request = Request(self, method)
            request.max_body = sandbox.max_body
            try:
                if request.length > sandbox.max_body:  # refused before any route sees it
                    raise TooLarge(sandbox.max_body)
                response = self._answer(request)
            except ApiError as err:
                response = Response(err.status, err.body, err.headers)
                if err.headers.get("Connection") == "close":  # the rest of the body is never read
                    self.close_connection = True
                    request._body = b""
            except _Dropped:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            except (ConnectionError, OSError):
                self.close_connection = True
                return
            chunked = request.headers.get("transfer-encoding", "").lower() == "chunked"
            if request._body is None and (request.length or chunked):
                try:  # drain an unread body so that the connection stays usable
                    for _ in request.chunks():
                        pass
                except ApiError as err:  # over the bound, or malformed: that is the answer, whatever the route said
                    response = Response(err.status, err.body, err.headers)
                    self.close_connection = True
                except (ConnectionError, OSError):
                    self.close_connection = True
                    return
            if request.record is not None:
                request.record["status"] = response.status
            self._send(response)

        def _answer(self, request: Request) -> Response:
            if request.path.startswith("/_sandbox/"):
                return sandbox.control(request)
            if sandbox.latency:
                time.sleep(sandbox.latency)
            for r in sandbox.table:
                if r.method != request.method:
                    continue
                match = r.pattern.match(request.path)
                if not match:
                    continue
                request.match = match
                record = {"route": r.name, "method": request.method, "path": request.path, "time": time.time()}
                request.record = record
                with sandbox.lock:
                    sandbox.requests.append(record)
                fault = sandbox.take_fault(request.method, request.path)
                if fault is not None:
                    record["fault"] = fault.kind
                    injected = self._fault(fault, request, r)
                    if injected is not None:
                        return injected
                wait = sandbox.check_rate(r)
                if wait is not None:
                    platform = next(p for p in sandbox.platforms if r.name.startswith(p.name + ":"))
                    raise platform.rate_limited(wait, r.limit[0] if r.limit else 0)
                response = r.handler(request)
                owner = getattr(r.handler, "__self__", None)
                if isinstance(owner, Platform) and owner.answer_headers():
                    response.headers = {**owner.answer_headers(), **response.headers}
                return response
            raise ApiError(404, {"error": f"no such endpoint in the sandbox: {request.method} {request.path}"})

        def _fault(self, fault: Fault, request: Request, r: Route) -> Response | None:
            if fault.kind == "slow":
                time.sleep(fault.delay)
                return None
            if fault.kind == "drop":
                if fault.after_bytes:
                    read = 0
                    for block in request.chunks(min(fault.after_bytes, 1 << 16)):
                        read += len(block)
                        if read >= fault.after_bytes:
                            break
                raise _Dropped
            if fault.kind == "lose":  # the request is carried out, then its answer is lost with the connection
                r.handler(request)
                raise _Dropped
            if fault.kind == "expire":
                sandbox.expire_tokens()
                return None
            if fault.kind == "answer":
                raw = fault.data if fault.data is not None else fault.raw.encode("utf-8") \
                    if fault.raw is not None else json.dumps(fault.body).encode()
                # "{path}" stands for the request's own path (a redirect loop); the connection is closed after
                # the answer, so a client that cannot tell where an odd answer ends reads up to the close.
                headers = {k: v.replace("{path}", request.path) for k, v in fault.headers.items()}
                self.close_connection = True
                return Response(fault.status, raw, {**headers, "Connection": "close"})
            if fault.kind == "status":
                headers: dict[str, str] = dict(fault.headers)  # a Graph error with its usage headers, say
                if fault.status == 429:
                    platform = next(p for p in sandbox.platforms if r.name.startswith(p.name + ":"))
                    err = platform.rate_limited(fault.reset_in, 1)
                    return Response(429, fault.body or err.body, {**err.headers, **headers})
                return Response(fault.status, fault.body or {"error": f"injected HTTP {fault.status}"}, headers)
            raise ApiError(400, {"error": f"unknown fault kind {fault.kind!r}"})

        def _send(self, response: Response) -> None:
            body = response.body
            headers = dict(response.headers)
            if body is None:
                payload = b""
            elif isinstance(body, bytes):
                payload = body
            else:
                payload = json.dumps(body).encode("utf-8")
                headers.setdefault("Content-Type", "application/json; charset=utf-8")
            self.send_response(response.status)
            for key, value in headers.items():
                # As given (an injected answer may carry line breaks or non-latin-1 text on purpose).
                self._headers_buffer.append(f"{key}: ".encode("latin-1", "replace") + value.encode() + b"\r\n")
                if key.lower() == "connection" and value.lower() == "close":
                    self.close_connection = True
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_PUT(self) -> None:
            self._dispatch("PUT")

        def do_DELETE(self) -> None:
            self._dispatch("DELETE")

        def do_PATCH(self) -> None:
            self._dispatch("PATCH")

    return SandboxHandler


class _QuietServer(ThreadingHTTPServer):
    """Clients that give up (timeouts, dropped connections) are normal here: no traceback on stderr."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class _Dropped(Exception):
    """Close the connection without answering (an injected dropped connection)."""
