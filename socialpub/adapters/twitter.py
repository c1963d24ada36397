"""X (Twitter): tweets and threads. Rendering is offline; publishing uses tweepy, imported on demand.

The network side answers tweepy's known pitfalls:

- tweepy's v2 `Client` posts, deletes and reads tweets, but its base URL is hard-coded and it sends no
  timeout: its `session` is replaced by `socialpub.http.make_session(endpoint)`, which gives every request
  a timeout and sends it to the channel's `endpoint` (the sandbox, a gateway) with X's own paths.
- `wait_on_rate_limit` stays False: with a 429 lacking the reset header tweepy would retry at once,
  recursively. A 429 becomes a transient PlatformError whose `retry_after` comes from
  `x-rate-limit-reset` (or, when the 24-hour cap of the cheap tiers is the one exhausted, from
  `x-user-limit-24hour-reset`).
- tweepy has no v2 media upload: `_upload()` speaks the chunked v2 endpoints (initialize / append /
  finalize / STATUS, then alt text through /2/media/metadata) on the same session, reading the file a
  segment at a time.
- tweepy (request headers with the bearer token, response bodies), requests_oauthlib and oauthlib (the
  signed OAuth header, the signature base string) log credentials at DEBUG: a filter on those loggers
  takes every secret of the channel out of their records.

`socialpub auth` (OAuth 2.0 with PKCE) is in `twitter_oauth2.py`.
"""

from __future__ import annotations

import functools
import hashlib
import html
import logging
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from socialpub.adapters.base import (
    Adapter,
    Comment,
    CommentPage,
    Gate,
    Issue,
    Measure,
    Part,
    Progress,
    Receipt,
    Rendered,
    Stop,
    answer_object,
    answer_objects,
    answer_text,
    as_utc,
    cursor_of,
    cursor_text,
    iso,
    parse_time,
    stopped_early,
    usable_token,
    with_link,
)
from socialpub.credentials import write_secret
from socialpub.errors import CredentialsError, PlatformError, Stopped
from socialpub.http import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    answered_maybe_sent,
    is_digits,
    make_session,
    platform_error,
    refresh_refused,
    request_error,
    said_briefly,
    unanswered,
)
from socialpub.loopback import redirect_problem
from socialpub.redact import clip, remember
from socialpub.tomlsource import Key
from socialpub.xlength import weighted_length

if TYPE_CHECKING:
    import requests

    from socialpub.media import Media
    from socialpub.posts import Post

T = TypeVar("T")

API = "https://api.twitter.com"  # tweepy's hard-coded base; make_session moves it to the channel's endpoint
TOKEN_PATH = "/2/oauth2/token"  # OAuth 2.0: the refresh here, the code exchange in twitter_oauth2.py
MEDIA_CATEGORY = {"image": "tweet_image", "gif": "tweet_gif", "video": "tweet_video"}
MAX_SEGMENTS = 1000  # the v2 APPEND's segment_index runs from 0 to 999
DUPLICATE = 187  # X's code for "Status is a duplicate" (v2 says it in a Problem's detail instead)
TIMELINE_FIELDS = ["created_at", "entities", "attachments", "referenced_tweets", "conversation_id"]
log = logging.getLogger(__name__)


class TwitterAdapter(Adapter):
    kind = "twitter"
    label = "X"
    unit = "tweet"
    preview_card = "thread"
    sandbox = "socialpub.sandbox.twitter:TwitterSandbox"
    can_find = True
    can_delete = True
    can_authorize = True
    consent_flow = "socialpub.adapters.twitter_oauth2:authorize"  # OAuth 2.0 with PKCE, in its own module
    limits = {"text": 280, "images": 4, "videos": 1, "alt_text": 1000}
    channel_keys = {"auth": Key(str, choices=("oauth1", "oauth2")), "redirect_uri": Key(str, check=redirect_problem)}
    rotating_refresh = True  # X's refresh tokens are single-use
    credential_keys = frozenset(
        {
            "api_key",
            "api_secret",
            "access_token",
            "access_secret",
            "user_token",
            "client_id",
            "client_secret",
            "refresh_token",
        }
    )
    override_keys = {"thread": Key(list, items=str)}

    # Network settings: the CLI and tests may set them on an instance before the first call.
    timeout: float = READ_TIMEOUT  # seconds to wait for an answer (the read timeout)
    connect_timeout: float = CONNECT_TIMEOUT
    chunk_size: int = 4 * 1024 * 1024  # bytes per media APPEND; the only part of a file held in memory
    max_processing_wait: float = 300.0  # seconds of STATUS polling before a video counts as stuck
    find_pages: int = 3  # pages of 100 recent tweets that find() reads

    # tweepy logs each request's headers (the OAuth 2 bearer token) and each response body (which may echo a
    # token); requests_oauthlib and oauthlib log the signed Authorization header and the signature base string
    # (consumer key, access token).
    sdk_loggers = (
        "tweepy.client",
        "requests_oauthlib.oauth1_auth",
        "requests_oauthlib.oauth2_session",
        "oauthlib.oauth1.rfc5849",
        "oauthlib.oauth1.rfc5849.signature",
        "urllib3.connectionpool",
    )

    @classmethod
    def shows_link_card(cls, rendered: Rendered) -> bool:
        return False  # X shows the link inside the tweet

    def setup(self) -> None:
        self._session: requests.Session | None = None
        self._session_timeout: tuple[float, float] | None = None
        self._client: Any = None
        self._oauth1: Any = None
        self._bearer: str | None = None  # the OAuth 2 access token in use
        self._refresh_token: str | None = None  # the newest refresh token (X issues a new one at each refresh)
        self._issued: list[str] = []  # tokens received from X during this run: secrets too
        self._me: dict[str, Any] | None = None

    def render(self, post: Post) -> Rendered:
        field = self.fields(post)
        text, text_source = field("text")
        link, link_source = field("link")
        media = tuple(field("media", ())[0])
        thread, thread_source = field("thread", [])
        first = with_link(text, link)
        parts = [Part(first, text_source, media, weighted_length(first))]  # type: ignore[arg-type]
        parts += [Part(reply, thread_source, (), weighted_length(reply)) for reply in thread]  # type: ignore[arg-type]
        limit = self.limit("text")
        measures = [
            Measure(
                f"tweet {i + 1}" if len(parts) > 1 else "tweet",
                part.length,
                limit,
                "weighted characters",
                part.source,
            )
            for i, part in enumerate(parts)
        ]
        issues = self.media_issues(media)
        if len(media) > 1 and any(m.kind == "gif" for m in media):
            issues.append(Issue("a GIF must be the only media of a tweet",
                                'give X the GIF alone: [twitter] media = [{ path = "….gif", alt = "…" }]'))
        if not media and not first.strip():
            issues.append(Issue("nothing to post: the tweet has no text and no media",
                                "write the tweet's text or add media"))
        return self.rendered(
            post,
            tuple(parts),
            link=link,
            link_source=link_source,
            media=media,
            measures=tuple(measures),
            media_issues=tuple(issues),
            alt_limit=self.limit("alt_text"),
        )

    # --- the network side --------------------------------------------------------------------------

    def publish(self, rendered: Rendered, *, gate: Gate | None = None, progress: Progress | None = None) -> Receipt:
        """Post the tweet, or the thread (each tweet replying to the previous one), with its media; `gate()`
        before each tweet (a stop after the first is an incomplete thread)."""
        parts = rendered.parts
        if not parts:
            raise PlatformError("X: nothing to post", transient=False, hint="the post renders to no tweet")
        # All media first: a failed upload then leaves nothing posted, and the thread goes out in one go.
        media_ids = [[self._upload(m, progress) for m in part.media] for part in parts]
        posted: list[str] = []
        for index, (part, ids) in enumerate(zip(parts, media_ids, strict=True)):
            try:
                if gate is not None:
                    gate()
                posted.append(self._create_tweet(part.text, ids, posted[-1] if posted else None))
            except Stopped as stop:
                if not posted:
                    raise
                cause = PlatformError(f"stopped before it: {stop.message}", transient=False)
                raise self._incomplete_thread(cause, posted, index, len(parts)) from None
            except PlatformError as exc:
                if not posted:
                    raise
                raise self._incomplete_thread(exc, posted, index, len(parts)) from None
        return Receipt(
            remote_id=posted[0],
            url=self.url_of(posted[0]),
            published_at=datetime.now(UTC),
            extra_ids=tuple(posted[1:]),
        )

    def find(self, rendered: Rendered) -> Receipt | None:
        """The account's recent tweet that is this post's first tweet (and the thread's replies), if any.

        X serves tweets back with every URL turned into a t.co link (the original is in
        `entities.urls[].expanded_url`), `&`, `<`, `>` escaped as HTML, and a t.co link to the media
        appended: the comparison sees through all three (`_same_text`).
        """
        if not rendered.parts:
            return None
        if not rendered.parts[0].text.strip():
            # Media-only tweets all look alike in the timeline: a match would be a guess, and so would "none".
            raise PlatformError(
                "X: a tweet without text cannot be told apart from the account's other tweets",
                transient=False,
                maybe_sent=True,
                hint="check the account, then settle it with `socialpub resolve`",
            )
        user_id = self._user()["id"]
        seen: list[dict[str, Any]] = []
        first: dict[str, Any] | None = None
        token: str | None = None
        for _ in range(max(1, self.find_pages)):
            body = self._timeline(user_id, token)
            page = [t for t in answer_objects(body.get("data")) if is_digits(answer_text(t.get("id")))]
            seen += page
            first = next((t for t in page if _same_text(t, rendered.parts[0].text)), None)  # newest first
            token = answer_text(answer_object(body.get("meta")).get("next_token"))
            if first is not None or not token:
                break
        if first is None:
            return None
        # The replies of a thread are newer than its first tweet, so they are among the tweets seen.
        extra: list[str] = []
        previous = answer_text(first["id"])
        for part in rendered.parts[1:]:
            reply = next(
                (t for t in reversed(seen) if _replies_to(t, previous) and _same_text(t, part.text)), None
            )
            if reply is None:
                break  # an incomplete thread: extra_ids tells how far it got
            previous = answer_text(reply["id"])
            extra.append(previous)
        return Receipt(
            remote_id=answer_text(first["id"]),
            url=self.url_of(answer_text(first["id"])),
            published_at=parse_time(first.get("created_at")),
            extra_ids=tuple(extra),
        )

    def delete(self, remote_id: str) -> None:
        """Delete one tweet (retract calls it per tweet of a thread). A tweet already gone is no error."""
        def call() -> Any:
            try:
                return self.client().delete_tweet(remote_id, user_auth=self.user_auth)
            except _StatusError as exc:  # 404: deleted by hand, or by a retract whose answer was lost: done
                if exc.response.status_code == 404:
                    return None
                raise

        self._call(call, creates=True)  # a lost answer may have been carried out (retract asks again)

    def verify(self) -> list[str]:
        """Check the credentials with GET /2/users/me; warn about what will fail later."""
        response = self._call(lambda: self.client().get_me(user_auth=self.user_auth))
        me = self._me = _account(response)
        warnings = []
        name = self.channel.name
        account = str(self.channel.options.get("account") or "").lstrip("@")
        if account and answer_text(me.get("username")) and account.lower() != str(me["username"]).lower():
            warnings.append(
                f"the credentials of {name} are for @{said_briefly(str(me['username']))}, not @{account} (account in "
                "channels.toml)"
            )
        if response.headers.get("x-access-level") == "read":
            warnings.append(
                f"the access token of {name} is read-only: set the X app's permissions to 'Read and "
                "write', then regenerate the access token and secret"
            )
        limit, remaining = (
            response.headers.get("x-rate-limit-limit"),
            response.headers.get("x-rate-limit-remaining"),
        )
        if (
            limit
            and remaining
            and is_digits(limit)
            and is_digits(remaining)
            and int(remaining) <= int(limit) // 10
        ):
            warnings.append(
                f"X rate limit nearly used up: {remaining} of {limit} requests left in this window"
            )
        ref = self.channel.credentials.get("refresh_token")
        if self.oauth2 and ref is not None and ref.scheme == "env":
            warnings.append(
                f"{name}: X replaces the refresh token at every refresh, and socialpub cannot save the new "
                f"one in an environment variable ({ref}): once the access token expires (2 hours) the next "
                "refresh fails. "
                f"Run `socialpub auth {name}`, which stores the tokens in files (file: references)"
            )
        elif self.oauth2 and not self._can_refresh():
            warnings.append(
                f"{name} has an X user_token but no refresh_token and client_id: X access tokens expire "
                f"after 2 hours; run `socialpub auth {name}` to get a refresh token"
            )
        return warnings + self._reading_warnings()

    def known_secrets(self) -> list[str]:
        return [*super().known_secrets(), *self._issued]

    def url_of(self, tweet_id: str) -> str:
        me = self._me or {}
        account = str(self.channel.options.get("account") or answer_text(me.get("username")) or "i").lstrip("@")
        return f"https://x.com/{account}/status/{tweet_id}"

    # --- auth and transport -------------------------------------------------------------------------

    @property
    def oauth2(self) -> bool:
        """OAuth 2 user token (user_token, or auth = "oauth2"); else OAuth 1.0a user context (four keys)."""
        mode = self.channel.options.get("auth")
        if mode:
            return bool(mode == "oauth2")
        return self.has_secret("user_token") or (
            not self.has_secret("access_token") and self.has_secret("refresh_token")
        )

    @property
    def user_auth(self) -> bool:
        return not self.oauth2  # tweepy: user_auth=True signs with OAuth 1.0a, False sends the bearer token

    @property
    def session(self) -> requests.Session:
        """The channel's session: a timeout on every request, and the endpoint override."""
        timeout = (self.connect_timeout, self.timeout)
        if self._session is None or self._session_timeout != timeout:
            old = self._session
            self._session = self.paced(make_session(self.channel.endpoint, timeout=timeout))
            if old is not None:
                self._session.hooks = old.hooks
                old.close()
            else:
                self._session.hooks["response"].append(_refuse_error_status)
            self._session_timeout = timeout
        return self._session

    def client(self) -> Any:
        """tweepy's v2 Client on the channel's session."""
        import requests
        import tweepy

        session = self.session
        if self._client is None:
            if self.oauth2:
                self._client = tweepy.Client(
                    bearer_token=self._bearer_token(), return_type=requests.Response, wait_on_rate_limit=False
                )  # never True: it would sleep through cron
            else:
                self._client = tweepy.Client(
                    consumer_key=self.secret("api_key"),
                    consumer_secret=self.secret("api_secret"),
                    access_token=self.secret("access_token"),
                    access_token_secret=self.secret("access_secret"),
                    return_type=requests.Response,
                    wait_on_rate_limit=False,
                )
            self.guard_logs()
        if self.oauth2:
            self._client.bearer_token = self._bearer_token()
        self._client.session = session
        return self._client

    def _auth_kwargs(self) -> dict[str, Any]:
        """Auth for the calls tweepy does not make (media upload): OAuth 1.0a signing or the bearer token."""
        if self.oauth2:
            return {"headers": {"Authorization": f"Bearer {self._bearer_token()}"}}
        if self._oauth1 is None:
            from requests_oauthlib import OAuth1  # installed with tweepy, which signs the same way

            self._oauth1 = OAuth1(
                self.secret("api_key"),
                client_secret=self.secret("api_secret"),
                resource_owner_key=self.secret("access_token"),
                resource_owner_secret=self.secret("access_secret"),
                decoding=None,  # str headers, as tweepy signs (the default gives bytes)
            )
            self.guard_logs()
        return {"auth": self._oauth1}

    def _bearer_token(self) -> str:
        if self._bearer is None:
            if self.has_secret("user_token"):
                self._bearer = self.secret("user_token")
            elif self._can_refresh():
                self._refresh()
            else:
                raise CredentialsError(
                    f"channel {self.channel.name} has no user_token",
                    key=f"channels.{self.channel.name}.user_token",
                    hint=f"run `socialpub auth {self.channel.name}`, or give the four OAuth 1.0a keys "
                    "(api_key, api_secret, access_token, access_secret)",
                )
            self.guard_logs()
        assert self._bearer is not None
        return self._bearer

    def _can_refresh(self) -> bool:
        return self.oauth2 and self.has_secret("refresh_token") and self.has_secret("client_id")

    def _refresh(self) -> None:
        """A new access token from the refresh token (https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/user-access-token).

        X's refresh tokens are single-use: refreshes are serialised (refresh_lock) and the stored token is read
        again inside the lock, since another process may have refreshed and stored a new one meanwhile. A
        refused refresh is tried once more with the token stored by then, and otherwise is a transient failure
        (a later run retries, after `socialpub auth` if need be): never a permanent one.
        """
        used = self._bearer
        with self.refresh_lock():
            if self._adopt_stored(used):
                return
            try:
                self._exchange(self._refresh_token or self.secret("refresh_token"))
            except PlatformError as error:
                if not error.refused_grant or not self._adopt_stored(used, newer_refresh_only=True):
                    raise
                self._exchange(self._refresh_token or self.secret("refresh_token"))

    def _adopt_stored(self, used: str | None, *, newer_refresh_only: bool = False) -> bool:
        """Take the tokens another process stored since ours were read. True when a usable access token came
        with them (no refresh needed); with `newer_refresh_only`, True when a newer refresh token came."""
        stored_refresh = self.stored("refresh_token")
        mine = self._refresh_token or self._secrets.get("refresh_token")
        if not stored_refresh or stored_refresh == mine:
            return False
        self._refresh_token = stored_refresh
        if newer_refresh_only:
            return True
        stored_access = self.stored("user_token")
        if stored_access and stored_access != used:
            self._bearer = stored_access
            self.guard_logs()
            return True
        return False

    def _exchange(self, refresh_token: str) -> None:
        import requests

        client_id = self.secret("client_id")
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
        # A confidential client (with a secret) authenticates with HTTP Basic; a public one by client_id.
        auth = (client_id, self.secret("client_secret")) if self.has_secret("client_secret") else None
        self.guard_logs()
        try:
            response = answer_of(lambda: self.session.post(API + TOKEN_PATH, data=data, auth=auth))
        except requests.RequestException as exc:
            error = request_error("X", exc, sent=False, secrets=self.known_secrets())
        else:
            tokens = json_object(response)
            if 200 <= response.status_code < 300 and usable_token(tokens.get("access_token")):
                refresh = tokens.get("refresh_token")
                self._accept_tokens(tokens["access_token"], refresh if usable_token(refresh) else None)
                return
            said, _, _ = said_by_x(response)
            error = refresh_refused(
                "X",
                response,
                f"token refresh refused: {said}",
                secrets=self.known_secrets(),
                action=f"run `socialpub auth {self.channel.name}` to sign in to X again if this persists (the "
                "refresh token is invalid, used already, or revoked)",
            )
        raise error

    def _accept_tokens(self, access: str, refresh: Any) -> None:
        remember(access)
        self._bearer = access
        self._issued.append(access)
        if isinstance(refresh, str) and refresh:
            # X's refresh tokens rotate: the one just used is dead, so the new one must be kept, and stored
            # first: a process that finds it knows the refresh happened.
            remember(refresh)
            self._refresh_token = refresh
            self._issued.append(refresh)
            self._persist("refresh_token", refresh)
        self._persist("user_token", access)
        self.guard_logs()

    def _persist(self, key: str, value: str) -> None:
        """Save a renewed token where its file: reference points (mode 0600), so the next run uses it."""
        ref = self.channel.credentials.get(key)
        if ref is None or ref.scheme != "file":
            return
        path = Path(ref.target).expanduser()
        try:
            write_secret(path, value)
        except (OSError, CredentialsError) as exc:
            log.warning(
                "could not save the renewed X %s of channel %s to %s (%s): run `socialpub auth %s` "
                "when it is refused",
                key,
                self.channel.name,
                path,
                getattr(exc, "strerror", None) or getattr(exc, "message", type(exc).__name__),
                self.channel.name,
            )

    def _call(self, action: Callable[[], T], *, creates: bool = False) -> T:
        """Run one request; X's answers and transport failures become PlatformErrors (secrets scrubbed).

        An OAuth 2 token refused with 401 is refreshed once and the request repeated. `creates` marks the
        request that makes the tweet: only its failures may leave an unknown outcome.
        """
        import requests

        refreshed = False
        while True:
            try:
                return action()
            except _StatusError as exc:  # every error status, before tweepy reads its body (_refuse_error_status)
                response = exc.response
                if response.status_code == 401 and not refreshed and self._can_refresh():
                    refreshed = True
                    self._refresh()
                    continue
                error = self._http_error(response, creates=creates)
            except requests.RequestException as exc:
                error = unanswered("X", exc, creates=creates, secrets=self.known_secrets())
            raise error  # outside the except: no chained SDK exception (it may hold a token) in tracebacks

    def _http_error(self, response: requests.Response, *, creates: bool = False) -> PlatformError:
        status = response.status_code
        said, codes, kind = said_by_x(response)
        headers = {k.lower(): v for k, v in response.headers.items()}
        for cap in ("x-user-limit-24hour", "x-app-limit-24hour"):
            # The cheap tiers cap posts per 24 hours; when that cap is the one used up, its reset says when.
            if status == 429 and headers.get(f"{cap}-remaining") == "0" and headers.get(f"{cap}-reset"):
                headers["x-rate-limit-reset"] = headers[f"{cap}-reset"]
        name = self.channel.name
        action = None
        if DUPLICATE in codes or "duplicate content" in said.lower():
            action = (
                "X refuses a tweet that repeats a recent one of the account: it is probably published "
                "already. Check the account, then `socialpub resolve` it, or change the text"
            )
        elif status == 401:
            action = (
                f"re-authenticate: run `socialpub auth {name}` (the X token is invalid or expired)"
                if self.oauth2
                else f"check api_key, api_secret, access_token and access_secret of {name}; regenerate them "
                "in the X developer portal if they were revoked"
            )
        elif status == 403 and ("oauth1-permissions" in kind or "permissions" in said.lower()):
            action = (
                "the access token is read-only: set the X app's permissions to 'Read and write', then "
                "regenerate the access token and secret"
            )
        elif status == 403 and "too long" in said.lower():
            action = "shorten the tweet (socialpub check counts X's weighted length)"
        return platform_error(
            "X",
            status,
            said,
            headers=headers,
            secrets=self.known_secrets(),
            action=action,
            maybe_sent=answered_maybe_sent(creates),
        )

    def _api(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One v2 call that tweepy cannot make, on the same session and auth; the JSON answer."""

        def call() -> requests.Response:
            return self.session.request(method, API + path, **kwargs, **self._auth_kwargs())

        return json_object(self._call(call))

    # --- tweets --------------------------------------------------------------------------------------

    def _create_tweet(self, text: str, media_ids: list[str], reply_to: str | None) -> str:
        response = self._call(
            lambda: self.client().create_tweet(
                text=text or None,
                media_ids=media_ids or None,
                in_reply_to_tweet_id=reply_to,
                user_auth=self.user_auth,
            ),
            creates=True,
        )
        tweet_id = answer_text(answer_object(json_object(response).get("data")).get("id"))
        if not is_digits(tweet_id):
            raise PlatformError(
                "X accepted the tweet but answered without its id",
                transient=False,
                maybe_sent=True,
                hint="check the account; socialpub reconciles before sending again",
            )
        return tweet_id

    def _incomplete_thread(
        self, cause: PlatformError, posted: list[str], index: int, total: int
    ) -> PlatformError:
        maybe = " (it may have been posted all the same: its answer was lost)" if cause.maybe_sent else ""
        error = IncompleteThreadError(
            f"X: the thread is incomplete: tweet {index + 1} of {total} failed{maybe}; already posted: "
            f"{', '.join(posted)} ({self.url_of(posted[0])}). {cause.message}",
            partial_ids=tuple(posted),
            hint="nothing is re-posted automatically: delete the posted tweets (`socialpub retract`) and "
            "publish again, or finish the thread by hand and record it with `socialpub resolve`"
            + (f"; {cause.hint}" if cause.hint else ""),
        )
        return error

    def _user(self) -> dict[str, Any]:
        if self._me is None:
            self._me = _account(self._call(lambda: self.client().get_me(user_auth=self.user_auth)))
        return self._me

    def _timeline(self, user_id: str, token: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"max_results": 100, "tweet_fields": TIMELINE_FIELDS}
        if token:
            params["pagination_token"] = token
        return json_object(
            self._call(lambda: self.client().get_users_tweets(user_id, user_auth=self.user_auth, **params))
        )

    # --- media (https://docs.x.com/x-api/media/quickstart/media-upload-chunked) ----------------------

    def _upload(self, media: Media, progress: Progress | None = None) -> str:
        """Upload a file in segments, wait for X to process a video or GIF, set its alt text: the media id."""
        category = MEDIA_CATEGORY.get(media.kind or "")
        if media.file is None or category is None or not media.mime:
            raise PlatformError(
                f"X: cannot upload {media.path}: {media.problem or 'not an image or video X takes'}",
                transient=False,
                hint="fix the media of the post (socialpub check shows why)",
            )
        try:
            size = len(media.data) if media.data is not None else media.file.stat().st_size
        except OSError as exc:
            raise PlatformError(f"X: cannot read {media.path}: {exc.strerror}", transient=False) from None
        init = self._api(
            "POST",
            "/2/media/upload/initialize",
            json={"media_type": media.mime, "total_bytes": size, "media_category": category},
        )
        media_id = answer_text(answer_object(init.get("data")).get("id"))
        if not is_digits(media_id):
            raise PlatformError(
                f"X: the upload of {media.path} did not start (no media id in the answer)", transient=True
            )
        segment = max(self.chunk_size, -(-size // MAX_SEGMENTS))
        streamed = hashlib.sha256()
        sent = 0
        if progress:
            progress(0, size)
        try:
            with media.open() as handle:  # the bytes hashed before the claim, when read then
                for index in range(MAX_SEGMENTS):
                    block = handle.read(segment)
                    if not block:
                        break
                    streamed.update(block)
                    self._api(
                        "POST",
                        f"/2/media/upload/{media_id}/append",
                        data={"segment_index": str(index)},
                        files={"media": ("media", block, "application/octet-stream")},
                    )
                    sent += len(block)
                    if progress:
                        progress(sent, size)
        except OSError as exc:
            raise PlatformError(f"X: cannot read {media.path}: {exc.strerror}", transient=False) from None
        media.changed(streamed.hexdigest())  # a video changed while streamed is never finalised, never posted
        final = self._api("POST", f"/2/media/upload/{media_id}/finalize")
        self._await_processing(media, media_id, answer_object(final.get("data")).get("processing_info"))
        if media.alt:
            self._api(
                "POST",
                "/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt}}},
            )
        return media_id

    def _await_processing(self, media: Media, media_id: str, info: Any) -> None:
        """Poll STATUS while X processes a video or GIF, as often as check_after_secs says, up to a cap."""
        waited = 0.0
        while isinstance(info, dict) and info.get("state") in ("pending", "in_progress"):
            after = info.get("check_after_secs")
            delay = min(max(float(after), 1.0), 60.0) if isinstance(after, int | float) else 1.0
            if waited + delay > self.max_processing_wait:
                raise PlatformError(
                    f"X: {media.path} is still being processed after {int(waited)} s "
                    f"(state {info.get('state')})",
                    transient=True,
                    hint="nothing was posted; socialpub retries later",
                )
            self.sleep(delay)
            waited += delay
            status = self._api("GET", "/2/media/upload", params={"media_id": media_id, "command": "STATUS"})
            info = answer_object(status.get("data")).get("processing_info")
        if isinstance(info, dict) and info.get("state") == "failed":
            problem = answer_object(info.get("error"))
            said = said_briefly(str(problem.get("message") or problem.get("name") or "processing failed"))
            raise PlatformError(
                f"X could not process {media.path}: {said}",
                transient=False,
                hint="X takes MP4 or MOV video (H.264, AAC) up to 512 MB and 140 s; GIFs up to 15 MB",
            )

    # --- reading replies and mentions (the safety inbox) ----------------------------------------------
    # https://docs.x.com/x-api/posts/search-recent-posts and /x-api/users/get-mentions. Reads are billed per
    # post: only what is newer than the high-water mark (since_id) is fetched. Both lists come newest first,
    # so a read stopped by its budget or a rate limit resumes below the oldest tweet it went through
    # (until_id) and keeps the newest as the next mark; when it reaches the old mark, it goes on from the top
    # (what came meanwhile). The cursor says when the mark was current, for the 7-day window of recent search.

    can_read_comments = True
    can_read_mentions = True
    search_window = timedelta(days=7)  # recent search covers the last 7 days
    read_pages: int = 50  # requests per read at most (a platform that pages forever is cut short)
    read_page_size: int = 100  # posts asked for per request (X's most; reads are billed per post served)

    def read_comments(
        self, remote_id: str, *, extra_ids: tuple[str, ...] = (), published_at: datetime | None, since: str | None,
        now: datetime, budget: int = 100,
    ) -> CommentPage:
        """Replies in the conversation of the post's first tweet (a thread's later tweets, `extra_ids`, are in the
        same conversation), our own tweets left out."""
        if not is_digits(remote_id):
            raise PlatformError(f"X: '{said_briefly(remote_id)[:40]}' is not a tweet id", transient=False,
                                hint="the ledger's remote id of this post is not X's: check it with `socialpub status`")
        _quiet_answers()
        me = self._user()["id"]
        query = f"conversation_id:{remote_id} -from:{me}"

        def fetch(params: dict[str, Any]) -> Any:
            return self.client().search_recent_tweets(query, user_auth=self.user_auth, **params)

        return self._sweep(fetch, "next_token", 10, since=since, now=now, budget=budget, kind="reply",
                           ours=frozenset({remote_id, *extra_ids}), published_at=published_at, windowed=True)

    def read_mentions(self, *, since: str | None, now: datetime, budget: int = 100,
                      watched: frozenset[str] = frozenset()) -> CommentPage:
        """Tweets of others that mention the account (GET /2/users/:id/mentions). A reply to one of our tweets
        mentions us too (X prefixes the handles of the conversation): one in the conversation of a watched post
        is that post's reply, marked with `thread`, outside this read's budget (the post's read counts it;
        X bills a post served twice in a day once)."""
        _quiet_answers()
        me = self._user()["id"]

        def fetch(params: dict[str, Any]) -> Any:
            return self.client().get_users_mentions(me, user_auth=self.user_auth, **params)

        return self._sweep(fetch, "pagination_token", 5, since=since, now=now, budget=budget, kind="mention",
                           ours=frozenset(watched), published_at=None, windowed=False, threads=True)

    def _reading_warnings(self) -> list[str]:
        """`channels --verify`: whether this user context may search (replies are read by recent search, which
        X's Free access level does not include). The probe asks for a conversation that cannot exist: no post
        is read, so none is billed."""
        me = self._user()["id"]
        try:
            self._call(lambda: self.client().search_recent_tweets(
                f"conversation_id:{me}", max_results=10, user_auth=self.user_auth))
        except PlatformError as error:
            if error.transient:
                return [f"could not check whether {self.channel.name} may read replies: {error.message}"]
            return [f"{self.channel.name} cannot read replies (the safety inbox): X refused recent search "
                    f"({error.message}); it needs an access level with search (Basic or above) and a user "
                    "token with tweet.read and users.read"]
        return []

    def _sweep(
        self, fetch: Callable[[dict[str, Any]], Any], token_param: str, least: int, *, since: str | None,
        now: datetime, budget: int, kind: str, ours: frozenset[str], published_at: datetime | None, windowed: bool,
        threads: bool = False,
    ) -> CommentPage:
        """Read a newest-first list from the mark up, page by page, within the budget (see the block's note)."""
        now, published_at = as_utc(now), as_utc(published_at) if published_at is not None else None
        state = cursor_of(since)
        mark = _digits_or_none(state.get("mark"))
        mark = mark if mark is None or _plausible(mark, now) else None
        covered = parse_time(state.get("read"))
        top, until = _digits_or_none(state.get("top")), _digits_or_none(state.get("until"))
        top = top if top is None or _plausible(top, now) else None
        started = parse_time(state.get("started")) if top else None
        gaps: list[str] = []
        if windowed:
            oldest = (now - self.search_window).replace(microsecond=0)  # whole seconds, as cursors keep times
            begin = covered if since is not None and covered is not None else published_at
            if begin is not None and begin < oldest:
                gaps.append(
                    f"X recent search covers the last 7 days only: replies posted from {iso(begin)} to {iso(oldest)} "
                    "could not be read (the post was not read within that window)"
                )
                mark = top = until = started = None  # X refuses a since_id older than its window
                covered = oldest  # said once: from here on, this read covers it
        began: datetime = started or now  # when the read now going on started
        me = self._user()["id"]
        budget = max(1, budget)
        found: list[Comment] = []
        replies: list[Comment] = []  # with `threads`: replies in the conversations of `ours`, outside the budget
        late: dict[str, Comment] = {}  # outside what was asked for: outside the budget too
        token: str | None = None
        low = until  # the oldest tweet gone through: a stopped read resumes below it

        def page(complete: bool) -> CommentPage:
            comments = (*found, *replies, *late.values())
            if complete:
                return CommentPage(comments, cursor_text(mark=top or mark, read=iso(began)), True, tuple(gaps))
            cursor = cursor_text(mark=mark, read=iso(covered) if covered else None, top=top, until=low,
                                 started=iso(began))
            return CommentPage(comments, cursor, False, tuple(gaps))

        for _ in range(self.read_pages):
            wait = self.rate_wait()
            if wait is not None:
                gaps.append(Stop(f"X's rate-limit window is used up for {int(wait) + 1} s: the rest is read next time"))
                return page(False)
            params: dict[str, Any] = {
                "max_results": min(max(least, self.read_page_size), max(least, budget - len(found))),
                "tweet_fields": READ_FIELDS,
                "expansions": ["author_id"],
                "user_fields": ["username", "name"],
            }
            for name, value in (("since_id", mark), ("until_id", until), (token_param, token)):
                if value:
                    params[name] = value
            try:
                body = json_object(self._call(functools.partial(fetch, params)))
            except PlatformError as error:
                if "(HTTP 403)" in error.message:
                    error.hint = (
                        "reading replies and mentions needs an X API access level with recent search and the "
                        "mentions timeline (Basic or above) and a user token with tweet.read and users.read: "
                        f"see `socialpub channels --verify`; {self.channel.name} was not read"
                    )
                if not found or not error.transient:
                    raise
                gaps.append(stopped_early(error))
                return page(False)
            included = answer_objects(answer_object(body.get("includes")).get("users"))
            users = {answer_text(u.get("id")): u for u in included}
            for tweet in answer_objects(body.get("data")):
                tweet_id = answer_text(tweet.get("id"))
                if not is_digits(tweet_id):
                    continue  # not a tweet
                mine = answer_text(tweet.get("author_id")) == me or tweet_id in ours
                thread = answer_text(tweet.get("conversation_id")) if threads else ""
                reply = bool(thread) and thread in ours
                if (until and int(tweet_id) >= int(until)) or (mark and int(tweet_id) <= int(mark)):
                    # Outside what was asked for (at or below the mark, or what this read went through already): a
                    # slip of the platform, or a reply indexed late. Kept all the same, since it would never be
                    # asked for again (the inbox knows comments by id), outside the budget and the marks.
                    if not mine and len(late) < MAX_LATE:
                        late.setdefault(tweet_id, _comment_of(tweet, users, ours, "reply" if reply else kind,
                                                              thread=thread if reply else None))
                    continue
                if len(found) >= budget and not reply:
                    return page(False)  # resumes below `low`: this tweet comes next time
                if _plausible(tweet_id, now):  # an id from the future would hide every reply until then
                    top = tweet_id if top is None or int(tweet_id) > int(top) else top
                low = tweet_id if low is None or int(tweet_id) < int(low) else low
                if reply and not mine:
                    replies.append(_comment_of(tweet, users, ours, "reply", thread=thread))
                elif not mine:
                    found.append(_comment_of(tweet, users, ours, kind))
            token = answer_text(answer_object(body.get("meta")).get("next_token"))
            if not token:
                if until is None:
                    return page(True)  # a read from the top: caught up
                # A resumed read reached the old mark: what came while it went on is above its top.
                mark, covered, began = top or mark, began, now
                top = until = low = None
            if len(found) >= budget:
                return page(False)  # the next page would be billed and not taken
        gaps.append(Stop(f"X kept answering with more pages after {self.read_pages}: the rest is read next time"))
        return page(False)


class IncompleteThreadError(PlatformError):
    """A thread whose first tweets were posted and a later one failed: `partial_ids` are the tweets posted.

    Permanent (never retried as a whole: that would post the first tweets again) and `maybe_sent` (the post
    is on X, in part: reconciliation finds it; nothing is ever sent again blindly).
    """

    def __init__(self, message: str, *, partial_ids: tuple[str, ...], hint: str | None = None) -> None:
        super().__init__(message, transient=False, maybe_sent=True, hint=hint)
        self.partial_ids = partial_ids


class _StatusError(Exception):
    """A non-2xx answer to a call made outside tweepy (carries the response, like tweepy's errors)."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


# --- helpers ---------------------------------------------------------------------------------------------

MAX_LATE = 1_000  # replies outside what was asked for, kept per read (a platform ignoring since_id sends all)
READ_FIELDS = ["author_id", "created_at", "conversation_id", "in_reply_to_user_id", "referenced_tweets"]
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")


@cache
def _quiet_answers() -> None:
    """tweepy logs every answer's body at DEBUG: those of reads hold what people wrote (health data, for the
    inbox only). Once reading starts, its records keep the status and headers and leave the body out."""

    class NoBodies(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            message = record.getMessage()
            if message.startswith("Received API response") and "\nContent: " in message:
                record.msg, record.args = message.split("\nContent: ", 1)[0] + "\nContent: (not logged)", None
            return True

    logging.getLogger("tweepy.client").addFilter(NoBodies())


SNOWFLAKE_EPOCH_MS = 1288834974657  # X's ids carry their time: (id >> 22) + this, in milliseconds


def _plausible(tweet_id: str, now: datetime) -> bool:
    """Whether a tweet id may be a high-water mark: its time is not after `now` (a day's slack)."""
    return (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS <= (now.timestamp() + 86400) * 1000


def _digits_or_none(value: Any) -> str | None:
    text = answer_text(value)
    return text if is_digits(text) and len(text) <= 19 else None


def _comment_of(tweet: dict[str, Any], users: dict[str, Any], ours: frozenset[str], kind: str,
                thread: str | None = None) -> Comment:
    """A reply or mention as X served it: the text unescaped (X escapes &, < and >), the author's handle from
    the expansion, the tweet it answers unless that is one of ours."""
    tweet_id = answer_text(tweet.get("id"))
    author_id = answer_text(tweet.get("author_id"))
    username = answer_text(answer_object(users.get(author_id)).get("username"))
    text = tweet.get("text")
    parent = next(
        (answer_text(r.get("id")) for r in answer_objects(tweet.get("referenced_tweets"))
         if r.get("type") == "replied_to"),
        "",
    )
    handle = username if _USERNAME.fullmatch(username) else ""
    return Comment(
        id=tweet_id,
        text=html.unescape(text) if isinstance(text, str) else "",
        author=f"@{handle}" if handle else "",
        author_id=author_id if is_digits(author_id) else "",
        created_at=parse_time(tweet.get("created_at")),
        url=f"https://x.com/{handle or 'i/web'}/status/{tweet_id}",
        parent_id=parent if is_digits(parent) and parent not in ours else None,
        kind=kind,
        thread=thread,
    )


def json_object(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _refuse_error_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Session hook: an error status raises _StatusError before tweepy reads the body (tweepy's own errors
    fail on a body that is JSON but not an object, and on errors that are not objects)."""
    if not 200 <= response.status_code < 300:
        raise _StatusError(response)


def answer_of(request: Callable[[], requests.Response]) -> requests.Response:
    """The answer, whatever its status (for the token endpoint, whose callers read error statuses)."""
    try:
        return request()
    except _StatusError as exc:
        return exc.response


def _account(response: Any) -> dict[str, Any]:
    """The `data` of GET /2/users/me, which must have an id."""
    me = answer_object(json_object(response).get("data"))
    if not is_digits(answer_text(me.get("id"))):
        raise PlatformError(
            "X: /2/users/me answered without a user",
            transient=True,
            hint="retry; if it persists, check the channel's endpoint",
        )
    me["id"] = answer_text(me["id"])
    return me


def said_by_x(response: requests.Response) -> tuple[str, list[int], str]:
    """What X said (messages of every error shape it uses), its error codes, and the Problem type."""
    body = json_object(response)
    messages: list[str] = []
    codes: list[int] = []
    for item in body.get("errors") if isinstance(body.get("errors"), list) else []:
        if isinstance(item, str):
            messages.append(item)
        elif isinstance(item, dict):
            text = item.get("message") or item.get("detail") or item.get("title")
            code = item.get("code")
            if isinstance(code, int):
                codes.append(code)
            if text:
                messages.append(f"{text} (code {code})" if isinstance(code, int) else str(text))
    if isinstance(body.get("error"), str):  # OAuth errors of the token endpoint; also tweepy-style strings
        described = body.get("error_description")
        messages.append(f"{body['error']}: {described}" if described else body["error"])
    if not messages:
        for key in ("detail", "title"):
            if isinstance(body.get(key), str) and body[key]:
                messages.append(body[key])
                break
    if not messages:
        text = re.sub(r"<[^>]+>", " ", response.text or "")
        messages.append(clip(" ".join(text.split()), 200) or response.reason or "")
    return "; ".join(messages), codes, str(body.get("type") or "")


@cache
def _url_finder() -> Callable[[str], list[dict[str, Any]]]:
    from socialpub.xlength import (
        _load_extract_urls,
    )  # twitter-text's own extraction, without its costly import

    return _load_extract_urls()


def _skeleton(text: str) -> tuple[str, list[str]]:
    """The text with each URL as a placeholder and blanks collapsed, and the URLs themselves."""
    text = unicodedata.normalize("NFC", text)
    urls: list[str] = []
    out: list[str] = []
    pos = 0
    for found in _url_finder()(text) if "." in text else []:
        start, end = found["indices"]
        out.append(text[pos:start])
        out.append("\x00")
        urls.append(text[start:end])
        pos = end
    out.append(text[pos:])
    return " ".join("".join(out).split()), urls


def _canonical(url: str) -> str:
    bare = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", url.strip(), flags=re.IGNORECASE)
    host, slash, rest = bare.partition("/")
    return (host.lower() + slash + rest).rstrip("/")


_MEDIA_LINK = re.compile(r"/status/\d+/(?:photo|video)/\d+$")


def _same_text(tweet: dict[str, Any], text: str) -> bool:
    """Whether X's copy of a tweet carries `text` (see TwitterAdapter.find for what X changes)."""
    theirs = html.unescape(str(tweet.get("text") or ""))
    expanded: dict[str, str] = {}
    for entity in answer_objects(answer_object(tweet.get("entities")).get("urls")):
        if not entity.get("url"):
            continue
        if entity.get("media_key") or _MEDIA_LINK.search(str(entity.get("expanded_url") or "")):
            theirs = theirs.replace(str(entity["url"]), " ")  # the link X appends to a tweet with media
        elif entity.get("expanded_url"):
            expanded[str(entity["url"])] = str(entity["expanded_url"])
    their_skeleton, their_urls = _skeleton(theirs)
    my_skeleton, my_urls = _skeleton(text)
    if (
        answer_object(tweet.get("attachments")).get("media_keys")
        and not expanded
        and their_skeleton.endswith(" \x00")
        and (their_skeleton[:-2] == my_skeleton)
    ):  # the media link without entities to name it
        their_skeleton, their_urls = their_skeleton[:-2], their_urls[:-1]
    if their_skeleton != my_skeleton or len(their_urls) != len(my_urls):
        return False
    # A t.co link is checked against the URL it stands for when X says which (entities); else it matches.
    return all(
        _canonical(expanded[theirs_url]) == _canonical(mine) if theirs_url in expanded else True
        for theirs_url, mine in zip(their_urls, my_urls, strict=True)
    )


def _replies_to(tweet: dict[str, Any], parent: str) -> bool:
    return any(
        ref.get("type") == "replied_to" and answer_text(ref.get("id")) == parent
        for ref in answer_objects(tweet.get("referenced_tweets"))
    )
