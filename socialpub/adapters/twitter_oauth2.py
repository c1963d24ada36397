"""`socialpub auth` for X: the OAuth 2.0 authorization code flow with PKCE (RFC 7636) on a loopback redirect.

The tokens it returns are stored by `socialpub.auth`; the adapter (twitter.py) refreshes them.
"""

from __future__ import annotations

import base64
import hashlib
import secrets as secrets_module
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from socialpub.adapters.base import usable_token
from socialpub.adapters.twitter import API, TOKEN_PATH, TwitterAdapter, answer_of, json_object, said_by_x
from socialpub.errors import CredentialsError
from socialpub.http import platform_error, redirect_url, request_error

if TYPE_CHECKING:
    from socialpub.config import Channel

AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write")


def authorize(
    channel: Channel,
    *,
    environ: Mapping[str, str] | None = None,
    open_browser: bool = True,
    port: int | None = None,
    on_url: Callable[[str], None] | None = None,
    timeout: float = 300.0,
) -> dict[str, str]:
    """Run X's OAuth 2.0 consent flow (PKCE) on a loopback redirect; return the tokens to store.

    X compares the redirect URI with the app's callback URIs exactly (Developer Portal → app → User
    authentication settings): the channel's `redirect_uri` (or http://127.0.0.1:PORT/callback with --port)
    must be one of them. `on_url` receives the address to open (default: printed to stderr); `open_browser`
    also opens it. Returns `user_token` and, with the offline.access scope, `refresh_token`.
    """
    import requests

    from socialpub.loopback import Listener, redirect_uri, show_consent

    adapter = TwitterAdapter(channel, environ=environ)
    configured = channel.options.get("redirect_uri")
    if configured is None and port is None and not channel.endpoint:
        raise CredentialsError(
            "X needs the exact callback URI registered for the app",
            key=f"channels.{channel.name}.redirect_uri",
            hint='add redirect_uri = "http://127.0.0.1:PORT/callback" (as listed in the X app\'s User '
            "authentication settings), or pass --port PORT",
        )
    client_id = adapter.secret("client_id")
    client_secret = adapter.secret("client_secret") if adapter.has_secret("client_secret") else None
    verifier = secrets_module.token_urlsafe(96)[:128]  # RFC 7636: 43 to 128 characters
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode().rstrip("=")
    )
    state = secrets_module.token_urlsafe(24)
    with Listener(redirect_uri(configured, port, "http://127.0.0.1:0/callback"), "X") as listener:
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": listener.uri,
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        address = redirect_url(AUTHORIZE_URL, channel.endpoint) + "?" + urlencode(params, quote_via=quote)
        show_consent(address, f"the X account of {channel.name}", open_browser=open_browser, on_url=on_url)
        answer = listener.wait(state, timeout)
        redirect_uri_used = listener.uri
    if answer is None:
        raise CredentialsError(
            f"no answer from X within {int(timeout)} s",
            key=f"channels.{channel.name}",
            hint=f"run `socialpub auth {channel.name}` again and allow access in the browser; "
            f"the X app must list {redirect_uri_used} as a callback URI",
        )
    if answer.get("error") or not answer.get("code"):
        raise CredentialsError(
            f"X refused the authorization: {answer.get('error', 'no code')}"
            + (f" ({answer['error_description']})" if answer.get("error_description") else ""),
            key=f"channels.{channel.name}",
            hint=f"run `socialpub auth {channel.name}` again and allow access",
        )
    data = {
        "grant_type": "authorization_code",
        "code": answer["code"],
        "redirect_uri": redirect_uri_used,
        "code_verifier": verifier,
        "client_id": client_id,
    }
    session = adapter.session
    secrets = [*adapter.known_secrets(), answer.get("code", ""), verifier]
    try:
        basic = (client_id, client_secret) if client_secret else None
        response = answer_of(lambda: session.post(API + TOKEN_PATH, data=data, auth=basic))
    except requests.RequestException as exc:
        error = request_error("X", exc, sent=False, secrets=secrets)
    else:
        tokens = json_object(response)
        if 200 <= response.status_code < 300 and usable_token(tokens.get("access_token")):
            out = {"user_token": tokens["access_token"]}
            if usable_token(tokens.get("refresh_token")):
                out["refresh_token"] = tokens["refresh_token"]
            return out
        said, _, _ = said_by_x(response)
        error = platform_error(
            "X",
            response.status_code,
            f"token request refused: {said}",
            secrets=secrets,
            maybe_sent=False,
            action=f"run `socialpub auth {channel.name}` again; check client_id and client_secret",
        )
    raise error
