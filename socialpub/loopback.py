"""The loopback redirect of `socialpub auth`: the consent page sends the browser back to a URI on this machine.

Platforms compare that URI with the one registered for the app exactly, port included, so the listener binds
exactly its host and port (`redirect_uri` of the channel). For `localhost` it binds both 127.0.0.1 and ::1,
so that no other local user can take the address the browser may pick. Nothing from a request is shown unless
it carries the expected path and state; anything else is answered 404 and the wait goes on, until the
timeout, which an idle connection cannot stretch.
"""

from __future__ import annotations

import errno
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit, urlunsplit

from socialpub.errors import CredentialsError

if TYPE_CHECKING:
    import socket

HOSTS = {"127.0.0.1": ("127.0.0.1",), "[::1]": ("::1",), "localhost": ("127.0.0.1", "::1")}
READ_LIMIT = 16384  # bytes of a request line and headers; a redirect needs far fewer
CONNECTION_WAIT = 2.0  # seconds one connection may take to send its request


def redirect_problem(value: str) -> str | None:
    """Why `value` cannot be a loopback redirect URI, or None (a channel's `redirect_uri` check)."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        port, parts = None, None
    if parts is None or parts.scheme != "http" or _host(parts.netloc) not in HOSTS or port is None:
        return (
            f"'{value}' is not a loopback redirect URI such as http://127.0.0.1:8085/callback "
            "(http, host 127.0.0.1, [::1] or localhost, and the port registered with the platform)"
        )
    if parts.query or parts.fragment:
        return f"'{value}' must not have a query or fragment: the platform adds its own"
    return None


def redirect_uri(configured: str | None, port: int | None, default: str) -> str:
    """The channel's redirect URI (or the platform's default), with `port` (from --port) put in when given."""
    uri = configured or default
    if port is None:
        return uri
    parts = urlsplit(uri)
    host = parts.netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme, f"{host}:{port}", parts.path, "", ""))


class Listener:
    """Sockets bound to a redirect URI's host(s) and port; `uri` is the URI with the port actually bound (a
    port of 0 takes a free one: only for platforms that accept any loopback port, and the sandbox)."""

    def __init__(self, uri: str, what: str) -> None:
        parts = urlsplit(uri)
        self.path = parts.path or "/"
        self.sockets: list[socket.socket] = []
        addresses = HOSTS[_host(parts.netloc)]
        wanted = parts.port or 0
        for attempt in range(5):  # a free port on 127.0.0.1 may be taken on ::1: then another free port
            try:
                port = self._bind(addresses, wanted)
                break
            except OSError as exc:
                self.close()
                if wanted == 0 and exc.errno == errno.EADDRINUSE and attempt < 4:
                    continue
                raise CredentialsError(
                    f"cannot listen on {parts.netloc.rsplit(':', 1)[0]} port {wanted} for {what}'s redirect: "
                    f"{exc.strerror}",
                    hint="close what uses that port, or register another redirect URI (redirect_uri of the "
                    "channel, or --port) with the platform",
                ) from None
        self.uri = urlunsplit(("http", f"{parts.netloc.rsplit(':', 1)[0]}:{port}", self.path, "", ""))

    def _bind(self, addresses: tuple[str, ...], port: int) -> int:
        """Bind every address on `port` (0: the first one picks a free port, the others take the same)."""
        import socket  # here: `check` imports this module (through the adapters) but never listens

        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((address, port))
                sock.listen(8)
            except OSError as exc:
                sock.close()
                if family == socket.AF_INET6 and len(addresses) > 1 and exc.errno in _NO_IPV6:
                    continue  # no IPv6 on this machine: nobody else can take ::1 either
                raise
            port = sock.getsockname()[1]
            self.sockets.append(sock)
        return port

    def wait(self, state: str, timeout: float) -> dict[str, str] | None:
        """The query of the first request to the redirect path that carries `state`; None at the timeout."""
        import select

        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select(self.sockets, [], [], min(left, 0.5))
            for sock in ready:
                try:
                    conn, _ = sock.accept()
                except OSError:
                    continue
                with conn:
                    answer = self._serve(conn, state, min(CONNECTION_WAIT, max(0.05, deadline - time.monotonic())))
                if answer is not None:
                    return answer
        return None

    def _serve(self, conn: socket.socket, state: str, wait: float) -> dict[str, str] | None:
        conn.settimeout(wait)
        data = b""
        ends = time.monotonic() + wait
        try:
            while b"\r\n\r\n" not in data and len(data) < READ_LIMIT and time.monotonic() < ends:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:  # an idle or broken connection: not the browser's redirect
            return None
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = line.partition(" ")
        target = rest.rsplit(" ", 1)[0] if " " in rest else rest
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if method != "GET" or parts.path != self.path or query.get("state") != state:
            _respond(conn, 404, "socialpub is waiting for the platform's answer.")
            return None
        ok = "code" in query and "error" not in query
        _respond(conn, 200, "socialpub is authorized: you can close this window." if ok
                 else "socialpub: the authorization was not given; see the terminal.")
        return query

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()
        self.sockets = []

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def show_consent(url: str, what: str, *, open_browser: bool, on_url: Callable[[str], None] | None) -> None:
    """Hand the consent URL to the person: printed, and opened in a browser when asked. The URL is always
    printed, so a machine without a browser (or with a broken BROWSER) still gets through. `on_url` replaces
    both (tests, and callers that show it their own way)."""
    if on_url is not None:
        on_url(url)
        return
    print(f"Open this address in a browser to allow socialpub to publish to {what}:\n  {url}", file=sys.stderr)
    if not open_browser:
        return
    import webbrowser

    try:
        opened = webbrowser.open(url)
    except Exception:  # noqa: BLE001 - a broken browser set-up must not end the flow
        opened = False
    if not opened:
        print("(no browser could be opened: open the address above in a browser on this machine)", file=sys.stderr)


def _respond(conn: socket.socket, status: int, text: str) -> None:
    """A plain-text page that shows nothing of the request (its query holds the one-time code)."""
    body = text.encode()
    reason = "OK" if status == 200 else "Not Found"
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    try:
        conn.sendall(head.encode("ascii") + body)
    except OSError:
        pass  # the browser went away: the answer it brought still counts


def _host(netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0].lower()


_NO_IPV6 = {errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL}
