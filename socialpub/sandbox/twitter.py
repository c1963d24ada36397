"""X API v2 in the sandbox: tweets, the user timeline, chunked media upload, OAuth 2 (PKCE) tokens.

Paths, request bodies and success bodies follow the X API v2 OpenAPI document
(vendored as `tests/data/x-api-v2.openapi.json`: createPosts, deletePosts, getPostsById, getUsersMe,
getUsersPosts, initializeMediaUpload, appendMediaUpload, finalizeMediaUpload, getMediaUploadStatus,
createMediaMetadata). Errors are X's own shapes: Problem objects `{"title","detail","type","status"}`
(duplicate content, text too long, reply to a deleted tweet, read-only app, 401, 404, 429), the
invalid-request problem with `errors[].message` for 400s, and OAuth's `{"error","error_description"}` at
the token endpoint. As X does, tweets are served back with each URL as a t.co link (listed in
`entities.urls` with its `expanded_url`), `&`, `<`, `>` escaped, and a trailing t.co link to the media of
a tweet with media: what find() must see through.

Auth: OAuth 1.0a user context (`Authorization: OAuth …`; consumer key and token must be valid per
`Sandbox.valid_token`, and the HMAC-SHA1 signature is verified for the throw-away pair
`sandbox-api_key`/`sandbox-access_token` with secrets `sandbox-api_secret`/`sandbox-access_secret`), or an
OAuth 2 bearer token valid per `Sandbox.valid_token`. An access token containing "readonly" stands for an
app with Read permission: X then answers `x-access-level: read` and refuses writes with 403.

Rate limits, per route and 15-minute window (X's own are per user and lower on the cheap tiers, e.g.
100 posts per 15 minutes on Basic and 17 a day on Free): POST /2/tweets 300, DELETE 300, GET
/2/tweets/{id} 900, GET /2/users/me 900 (X: 75; every run starts with it), GET /2/users/{id}/tweets 900,
media initialize/finalize/metadata 1,000, STATUS 2,000, append 20,000, token 300. So 200 posts (or
threads) per channel in a few minutes never meet a 429; a test lowers a route's limit on
`Sandbox.table` to meet one. `daily_tweet_cap` simulates the Free tier's 24-hour cap
(`x-user-limit-24hour-*` headers).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import math
import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from socialpub.sandbox.server import ApiError, ExampleChannel, Platform, Request, Response, Route
from socialpub.sandbox.server import route as _core_route
from socialpub.xlength import MAX_WEIGHTED_LENGTH, weighted_length

WINDOW = 900.0  # X's rate-limit windows are 15 minutes
LIMITS: dict[str, tuple[int, float]] = {
    "create": (300, WINDOW),
    "delete": (300, WINDOW),
    "lookup": (900, WINDOW),
    "me": (900, WINDOW),
    "timeline": (900, WINDOW),
    "media_init": (1000, WINDOW),
    "media_append": (20000, WINDOW),
    "media_finalize": (1000, WINDOW),
    "media_status": (2000, WINDOW),
    "media_metadata": (1000, WINDOW),
    "token": (300, WINDOW),
    "search": (180, WINDOW),  # recent search, per user (X: 180; Basic tier 60)
    "mentions": (180, WINDOW),  # X: 180 per user (Basic tier 10)
}

USER = {
    "id": "2244994945",
    "name": "Sandbox Comms",
    "username": "SandboxComms",
    "created_at": "2013-12-14T04:35:55.000Z",
}
# The throw-away OAuth 1.0a pair whose signature the sandbox can check: (consumer key, token) -> secrets.
KNOWN_OAUTH1 = {("sandbox-api_key", "sandbox-access_token"): ("sandbox-api_secret", "sandbox-access_secret")}

# https://docs.x.com/x-api/media/quickstart/media-upload-chunked: size limits per media category.
CATEGORY_LIMITS = {
    "tweet_image": 5 * 1024 * 1024,
    "tweet_gif": 15 * 1024 * 1024,
    "tweet_video": 512 * 1024 * 1024,
}
CATEGORY_TYPES = {
    "tweet_image": ("image/jpeg", "image/pjpeg", "image/png", "image/webp", "image/bmp", "image/tiff"),
    "tweet_gif": ("image/gif",),
    "tweet_video": ("video/mp4", "video/quicktime", "video/webm", "video/mp2t"),
}
MEDIA_KEY_PREFIX = {"tweet_image": "3", "tweet_gif": "16", "tweet_video": "7"}
MAX_SEGMENT = 5 * 1024 * 1024  # bytes of one APPEND; the adapter sends 4 MiB
MAX_SEGMENTS = 1000  # segment_index is 0..999 (MediaSegments)

TWEET_FIELDS = frozenset(
    "article attachments author_id card_uri community_id context_annotations conversation_id created_at "
    "display_text_range edit_controls edit_history_tweet_ids entities geo id in_reply_to_user_id lang "
    "media_metadata non_public_metrics note_tweet organic_metrics possibly_sensitive promoted_metrics "
    "public_metrics referenced_tweets reply_settings scopes source suggested_source_links "
    "suggested_source_links_with_counts text withheld".split()
)
USER_FIELDS = frozenset(
    "affiliation connection_status created_at description entities id location most_recent_tweet_id name "
    "pinned_tweet_id profile_banner_url profile_image_url protected public_metrics receives_your_dm "
    "subscription_type url username verified verified_type withheld".split()
)
CREATE_FIELDS = frozenset(
    "card_uri community_id direct_message_deep_link edit_options for_super_followers_only geo media nullcast "
    "poll quote_tweet_id reply reply_settings share_with_followers text".split()
)
PROBLEM = "https://api.twitter.com/2/problems/"
PROBLEM_JSON = {"Content-Type": "application/problem+json"}  # X's error answers are RFC 7807 problems
TITLES = {
    400: "Invalid Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found Error",
    429: "Too Many Requests",
}
_OAUTH_PARAM = re.compile(r'([\w-]+)="([^"]*)"')
_DIGITS = re.compile(r"^[0-9]{1,19}$")


Method = Callable[[Any, Request], Response]


def route(
    method: str, path: str, name: str, limit: tuple[int, float] | None = None
) -> Callable[[Method], Method]:
    """The core's @route, typed for methods (the core types handlers as plain functions of a Request)."""
    return _core_route(method, path, name, limit)  # type: ignore[return-value]


@cache
def _extract_urls() -> Callable[[str], list[dict[str, Any]]]:
    """twitter-text's URL extraction, as X finds the URLs it turns into t.co links."""
    from socialpub.xlength import _load_extract_urls  # skips twitter_text's costly package import

    return _load_extract_urls()


def _now_iso() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _tco(seed: str) -> str:
    token = base64.b32encode(hashlib.sha256(seed.encode("utf-8")).digest()).decode("ascii").lower()[:10]
    return f"https://t.co/{token}"


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def _oauth_quote(value: str) -> str:
    return quote(value, safe="~")  # RFC 5849 3.6: only unreserved characters stay


class TwitterSandbox(Platform):
    name = "twitter"
    example_channel = ExampleChannel("sandbox-x", ("api_key", "api_secret", "access_token", "access_secret"))
    rate_limit_headers = "x-rate-limit"

    def __init__(self, sandbox: Any) -> None:
        super().__init__(sandbox)
        self.refresh_tokens: set[str] = set()  # issued and not yet used (X rotates refresh tokens)
        self.used_refresh_tokens: set[str] = set()  # refused from now on
        self.codes: dict[str, dict[str, str]] = {}  # authorization codes waiting for the token request
        self.processing_polls = 0  # STATUS polls that still answer in_progress before the final state
        self.processing_outcome = "succeeded"  # or "failed"
        self.daily_tweet_cap: int | None = None  # the Free tier's posts per 24 hours, when simulated
        self.posts_read = 0  # posts served by search and mentions (X bills reads per post)
        self.billed: set[tuple[str, str]] = set()  # (UTC day, post id): X bills a post served again that day once
        self.search_access = True  # False: the Free tier, whose apps may not search (403 client-not-enrolled)
        self._creates: list[float] = []
        self._uploads: dict[str, dict[str, Any]] = {}  # media id -> hasher and segment sizes (not JSON)
        self._routes: dict[str, Route] = {}

    # --- answers in X's shapes -------------------------------------------------------------------

    def problem(self, status: int, detail: str, kind: str = "about:blank", **extra: Any) -> ApiError:
        return ApiError(
            status,
            {"title": TITLES.get(status, "Error"), "detail": detail, "type": kind, "status": status, **extra},
            dict(PROBLEM_JSON),
        )

    def error(self, status: int, message: str, **extra: Any) -> ApiError:
        return self.problem(status, message, **extra)

    def unauthorized(self, message: str = "Unauthorized") -> ApiError:
        return self.problem(401, message)

    def invalid(self, message: str, **parameters: list[str]) -> ApiError:
        return ApiError(
            400,
            {
                "errors": [{"parameters": parameters, "message": message}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": PROBLEM + "invalid-request",
            },
            dict(PROBLEM_JSON),
        )

    def not_found(self, kind: str, parameter: str, value: str) -> dict[str, Any]:
        return {
            "value": value,
            "detail": f"Could not find {kind} with {parameter}: [{value}].",
            "title": "Not Found Error",
            "resource_type": kind,
            "parameter": parameter,
            "resource_id": value,
            "type": PROBLEM + "resource-not-found",
        }

    def rate_limited(self, reset_in: float, limit: int) -> ApiError:
        # X sends no Retry-After: the wait is told by x-rate-limit-reset (epoch seconds).
        reset = int(time.time() + reset_in + 0.999)
        return ApiError(
            429,
            {
                "title": "Too Many Requests",
                "detail": "Too Many Requests",
                "type": "about:blank",
                "status": 429,
            },
            {
                "x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(reset),
                **PROBLEM_JSON,
            },
        )

    def ok(self, status: int, body: Any, name: str, who: dict[str, str] | None = None) -> Response:
        headers = self.limit_headers(name)
        if who and who.get("access_level"):
            headers["x-access-level"] = who["access_level"]
        return Response(status, body, headers)

    def limit_headers(self, name: str) -> dict[str, str]:
        """x-rate-limit-* of a route as the core's window counts it (the route may have been re-limited)."""
        if not self._routes:
            self._routes = {r.name: r for r in self.sandbox.table}
        r = self._routes.get(f"{self.name}:{name}")
        if r is None or r.limit is None:
            return {}
        count, window = r.limit
        now = time.monotonic()
        with self.lock:
            hits = [h for h in self.sandbox._windows.get(r.name, ()) if now - h < window]
        reset = time.time() + (window - (now - hits[0]) if hits else window)
        return {
            "x-rate-limit-limit": str(count),
            "x-rate-limit-remaining": str(max(0, count - len(hits))),
            "x-rate-limit-reset": str(math.ceil(reset)),  # whole seconds, never before the real reset
        }

    # --- auth --------------------------------------------------------------------------------------

    def authenticate(self, request: Request, *, write: bool = False) -> dict[str, str]:
        header = request.headers.get("authorization", "")
        if header[:6].lower() == "oauth ":
            params = {k: unquote(v) for k, v in _OAUTH_PARAM.findall(header[6:])}
            needed = (
                "oauth_consumer_key",
                "oauth_token",
                "oauth_signature",
                "oauth_signature_method",
                "oauth_timestamp",
                "oauth_nonce",
            )
            if any(not params.get(k) for k in needed) or params["oauth_signature_method"] != "HMAC-SHA1":
                raise self.unauthorized()
            consumer, token = params["oauth_consumer_key"], params["oauth_token"]
            if not (self.sandbox.valid_token(consumer) and self.sandbox.valid_token(token)):
                raise self.unauthorized()
            known = KNOWN_OAUTH1.get((consumer, token))
            if known and not self._signature_ok(request, params, *known):
                raise self.unauthorized()
            level = "read" if "readonly" in token else "read-write"
            if write and level == "read":
                raise self.problem(
                    403,
                    "Your client app is not configured with the appropriate oauth1 app permissions for this "
                    "endpoint.",
                    PROBLEM + "oauth1-permissions",
                )
            return {"auth": "oauth1", "access_level": level}
        bearer = request.bearer()
        if bearer and self.sandbox.valid_token(bearer):
            return {"auth": "oauth2"}
        raise self.unauthorized()

    def _signature_ok(
        self, request: Request, params: dict[str, str], consumer_secret: str, token_secret: str
    ) -> bool:
        """RFC 5849 HMAC-SHA1 over the URL the client called (the sandbox's, where the session sent it)."""
        base_uri = f"http://{request.headers.get('host', '').lower()}{request.path}"
        pairs = [(k, v) for k, v in params.items() if k not in ("oauth_signature", "realm")]
        pairs += list(request.query.items())
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            from urllib.parse import parse_qsl

            pairs += parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        normalized = "&".join(
            f"{k}={v}" for k, v in sorted((_oauth_quote(k), _oauth_quote(v)) for k, v in pairs)
        )
        base = "&".join((request.method.upper(), _oauth_quote(base_uri), _oauth_quote(normalized)))
        key = f"{_oauth_quote(consumer_secret)}&{_oauth_quote(token_secret)}".encode()
        digest = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()
        return hmac.compare_digest(digest, params["oauth_signature"])

    def fields(self, request: Request, param: str, known: frozenset[str]) -> set[str]:
        raw = request.query.get(param)
        if raw is None:
            return set()
        asked = {f for f in raw.split(",") if f}
        unknown = sorted(asked - known)
        if unknown or not asked:
            raise self.invalid(
                f"The `{param}` query parameter value [{','.join(unknown)}] is not one of "
                f"[{','.join(sorted(known))}]",
                **{param: [raw]},
            )
        return asked

    def json_object(self, request: Request) -> dict[str, Any]:
        body = request.json()
        if not isinstance(body, dict):
            raise self.invalid("The request body must be a JSON object.")
        return body

    # --- tweets ------------------------------------------------------------------------------------

    @route("POST", "/2/tweets", "create", limit=LIMITS["create"])
    def create_tweet(self, request: Request) -> Response:
        who = self.authenticate(request, write=True)
        body = self.json_object(request)
        for key in body:
            if key not in CREATE_FIELDS:
                raise self.invalid(
                    f"$.{key}: is not defined in the schema and the schema does not allow additional "
                    "properties",
                    **{key: [str(body[key])[:50]]},
                )
        text = body.get("text")
        if text is not None and not isinstance(text, str):
            raise self.invalid("$.text: expected type: String", text=[str(text)[:50]])
        media_ids = self._media_ids(body.get("media"))
        reply_to = self._reply_to(body.get("reply"))
        text = text or ""
        if not text.strip() and not media_ids:
            raise self.invalid(
                "You must provide at least one of text or media to create a Post.", text=[text]
            )
        if weighted_length(text) > MAX_WEIGHTED_LENGTH:
            raise self.problem(
                403,
                "Your Tweet text is too long. For more information on how X determines "
                "text length, see https://github.com/twitter/twitter-text.",
            )
        with self.lock:
            tweets = self.kept("tweets")
            media = [self.kept("media").get(i) for i in media_ids]
            if any(m is None or m.get("state") != "succeeded" for m in media) or (
                len(media) > 1 and any(m["media_category"] != "tweet_image" for m in media if m)  # type: ignore[index]
            ):
                raise self.invalid("Your media IDs are invalid.", **{"media.media_ids": media_ids})
            parent = tweets.get(reply_to) if reply_to else None
            if reply_to and parent is None:
                raise self.problem(
                    403, "You attempted to reply to a Tweet that is deleted or not visible to you."
                )
            day_ago = time.time() - 86400
            if text.strip() and any(
                t["text"] == text and t["author_id"] == USER["id"] and t["created"] > day_ago
                for t in tweets.values()
            ):
                raise self.problem(403, "You are not allowed to create a Tweet with duplicate content.")
            self._creates = [c for c in self._creates if c > day_ago]
            if self.daily_tweet_cap is not None and len(self._creates) >= self.daily_tweet_cap:
                reset = int(self._creates[0] + 86400)
                err = self.rate_limited(60.0, LIMITS["create"][0])
                err.headers.update(
                    {
                        "x-user-limit-24hour-limit": str(self.daily_tweet_cap),
                        "x-user-limit-24hour-remaining": "0",
                        "x-user-limit-24hour-reset": str(reset),
                    }
                )
                raise err
            self._creates.append(time.time())
            tweet_id = self.new_id()
            tweet = self.keep(
                "tweets",
                {
                    "id": tweet_id,
                    "text": text,
                    "author_id": USER["id"],
                    "created_at": _now_iso(),
                    "created": time.time(),
                    "conversation_id": parent["conversation_id"] if parent else tweet_id,
                    "in_reply_to_tweet_id": reply_to,
                    "media_ids": media_ids,
                    "media_keys": [m["media_key"] for m in media if m],
                    "media_kinds": [m["media_category"] for m in media if m],
                },
            )
        if not reply_to:
            self.sandbox.created(self, tweet_id)  # comments="demo": people start replying
        shown, _ = self.display(tweet)
        return self.ok(
            201,
            {"data": {"id": tweet_id, "text": shown, "edit_history_tweet_ids": [tweet_id]}},
            "create",
            who,
        )

    def _media_ids(self, media: Any) -> list[str]:
        if media is None:
            return []
        ids = media.get("media_ids") if isinstance(media, dict) else None
        if (
            not isinstance(ids, list)
            or not 1 <= len(ids) <= 4
            or not all(isinstance(i, str) and _DIGITS.match(i) for i in ids)
        ):
            raise self.invalid(
                "$.media.media_ids: expected 1 to 4 media ids as strings of digits",
                **{"media.media_ids": [str(ids)[:100]]},
            )
        return ids

    def _reply_to(self, reply: Any) -> str | None:
        if reply is None:
            return None
        target = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
        if not isinstance(target, str) or not _DIGITS.match(target):
            raise self.invalid(
                "$.reply.in_reply_to_tweet_id: expected a tweet id as a string of digits",
                **{"reply.in_reply_to_tweet_id": [str(target)]},
            )
        return target

    def display(self, tweet: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """The text as X serves it back (t.co links, &<> escaped, media link) and its URL entities."""
        text = tweet["text"]
        out: list[str] = []
        urls: list[dict[str, Any]] = []
        length = 0
        pos = 0

        def emit(piece: str) -> None:
            nonlocal length
            out.append(piece)
            length += len(piece)

        for found in _extract_urls()(text) if "." in text else []:
            start, end = found["indices"]
            emit(html.escape(text[pos:start], quote=False))
            url = found["url"]
            short = _tco(tweet["id"] + url)
            expanded = url if re.match(r"^https?://", url, re.IGNORECASE) else f"http://{url}"
            urls.append(
                {
                    "start": length,
                    "end": length + len(short),
                    "url": short,
                    "expanded_url": expanded,
                    "display_url": re.sub(r"^https?://", "", url, flags=re.IGNORECASE)[:26],
                }
            )
            emit(short)
            pos = end
        emit(html.escape(text[pos:], quote=False))
        if tweet.get("media_keys"):
            short = _tco(tweet["id"] + "/media")
            kind = "video" if "tweet_video" in tweet.get("media_kinds", []) else "photo"
            if length:
                emit(" ")
            urls.append(
                {
                    "start": length,
                    "end": length + len(short),
                    "url": short,
                    "expanded_url": f"https://x.com/{USER['username']}/status/{tweet['id']}/{kind}/1",
                    "display_url": f"pic.x.com/{short.rsplit('/', 1)[1]}",
                    "media_key": tweet["media_keys"][0],
                }
            )
            emit(short)
        return "".join(out), urls

    def view(self, tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        text, urls = self.display(tweet)
        out: dict[str, Any] = {"id": tweet["id"], "text": text, "edit_history_tweet_ids": [tweet["id"]]}
        if "author_id" in fields:
            out["author_id"] = tweet["author_id"]
        if "created_at" in fields:
            out["created_at"] = tweet["created_at"]
        if "conversation_id" in fields:
            out["conversation_id"] = tweet["conversation_id"]
        if tweet.get("in_reply_to_tweet_id"):
            if "in_reply_to_user_id" in fields:
                out["in_reply_to_user_id"] = USER["id"]
            if "referenced_tweets" in fields:
                out["referenced_tweets"] = [{"type": "replied_to", "id": tweet["in_reply_to_tweet_id"]}]
        if "attachments" in fields and tweet.get("media_keys"):
            out["attachments"] = {"media_keys": list(tweet["media_keys"])}
        if "entities" in fields and urls:
            out["entities"] = {"urls": urls}
        return out

    @route("GET", r"/2/tweets/(?P<id>[0-9]+)", "lookup", limit=LIMITS["lookup"])
    def lookup_tweet(self, request: Request) -> Response:
        who = self.authenticate(request)
        fields = self.fields(request, "tweet.fields", TWEET_FIELDS)
        tweet_id = request.match["id"]  # type: ignore[index]
        tweet = self.kept("tweets").get(tweet_id)
        if tweet is None:  # X answers a lookup of a missing tweet with 200 and an error object
            return self.ok(200, {"errors": [self.not_found("tweet", "id", tweet_id)]}, "lookup", who)
        return self.ok(200, {"data": self.view(tweet, fields)}, "lookup", who)

    @route("DELETE", r"/2/tweets/(?P<id>[0-9]+)", "delete", limit=LIMITS["delete"])
    def delete_tweet(self, request: Request) -> Response:
        who = self.authenticate(request, write=True)
        tweet_id = request.match["id"]  # type: ignore[index]
        with self.lock:
            tweet = self.kept("tweets").pop(tweet_id, None)
        if tweet is None:
            problem = self.not_found("tweet", "id", tweet_id)
            raise ApiError(404, {**problem, "status": 404}, dict(PROBLEM_JSON))
        return self.ok(200, {"data": {"deleted": True}}, "delete", who)

    # --- users -------------------------------------------------------------------------------------

    @route("GET", "/2/users/me", "me", limit=LIMITS["me"])
    def me(self, request: Request) -> Response:
        who = self.authenticate(request)
        fields = self.fields(request, "user.fields", USER_FIELDS)
        data = {k: USER[k] for k in ("id", "name", "username")}
        if "created_at" in fields:
            data["created_at"] = USER["created_at"]
        if "protected" in fields:
            data["protected"] = False  # type: ignore[assignment]
        return self.ok(200, {"data": data}, "me", who)

    @route("GET", r"/2/users/(?P<id>[0-9]+)/tweets", "timeline", limit=LIMITS["timeline"])
    def timeline(self, request: Request) -> Response:
        who = self.authenticate(request)
        user_id = request.match["id"]  # type: ignore[index]
        fields = self.fields(request, "tweet.fields", TWEET_FIELDS)
        raw_max = request.query.get("max_results", "10")
        if not raw_max.isdigit() or not 5 <= int(raw_max) <= 100:
            raise self.invalid(
                f"The `max_results` query parameter value [{raw_max}] is not between 5 and 100",
                max_results=[raw_max],
            )
        if user_id != USER["id"]:
            return self.ok(200, {"errors": [self.not_found("user", "id", user_id)]}, "timeline", who)
        exclude = {e for e in request.query.get("exclude", "").split(",") if e}
        with self.lock:
            tweets = sorted(
                (t for t in self.kept("tweets").values() if t["author_id"] == user_id),
                key=lambda t: int(t["id"]),
                reverse=True,
            )
        if "replies" in exclude:
            tweets = [t for t in tweets if not t.get("in_reply_to_tweet_id")]
        for param, keep in (
            ("since_id", lambda t, v: int(t["id"]) > v),
            ("until_id", lambda t, v: int(t["id"]) < v),
        ):
            value = request.query.get(param)
            if value is not None:
                if not _DIGITS.match(value):
                    raise self.invalid(
                        f"The `{param}` query parameter value [{value}] is not valid", **{param: [value]}
                    )
                tweets = [t for t in tweets if keep(t, int(value))]
        token = request.query.get("pagination_token")
        if token is not None:
            try:
                before = int(token, 36)
            except ValueError:
                raise self.invalid(
                    f"The `pagination_token` query parameter value [{token}] is not valid",
                    pagination_token=[token],
                ) from None
            tweets = [t for t in tweets if int(t["id"]) < before]
        page = tweets[: int(raw_max)]
        meta: dict[str, Any] = {"result_count": len(page)}
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self.view(t, fields) for t in page]
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
            if len(tweets) > len(page):
                meta["next_token"] = _b36(int(page[-1]["id"]))
        return self.ok(200, body, "timeline", who)

    # --- replies and mentions: recent search and the mentions timeline (the safety inbox reads them) -----
    # Replies are tweets by other accounts, kept apart from ours ("comments"); a deleted one is never served.
    # Recent search covers the last 7 days (by the tweet's time), as X's does; the mentions timeline does not.

    def seed_comment(self, *, on: str | None, text: str, author: str, created: float, parent: str | None,
                     deleted: bool) -> dict[str, Any]:
        """A tweet of `author` replying to our tweet `on` (or to the reply `parent`), or, without either, a
        tweet of its own (a mention when it names @SandboxComms)."""
        with self.lock:
            comments = self.kept("comments")
            target_id = parent or on
            target = (self.kept("tweets").get(target_id) or comments.get(target_id)) if target_id else None
            if target_id and target is None:
                raise ValueError(f"no tweet {target_id} in the sandbox")
            author_id = str(10**15 + int(hashlib.sha256(author.encode()).hexdigest()[:12], 16))
            tweet_id = self.new_id()
            moment = datetime.fromtimestamp(created, UTC)
            return self.keep("comments", {
                "id": tweet_id,
                "text": text,
                "author_id": author_id,
                "username": author.lstrip("@"),
                "name": author.lstrip("@"),
                "created": created,
                "created_at": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
                "conversation_id": target["conversation_id"] if target else tweet_id,
                "in_reply_to_tweet_id": target_id,
                "in_reply_to_user_id": target["author_id"] if target else None,
                "deleted": deleted,
            })

    def comment_view(self, tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": tweet["id"], "text": html.escape(tweet["text"], quote=False),
                               "edit_history_tweet_ids": [tweet["id"]]}
        for name in ("author_id", "created_at", "conversation_id"):
            if name in fields:
                out[name] = tweet[name]
        if tweet.get("in_reply_to_tweet_id"):
            if "in_reply_to_user_id" in fields:
                out["in_reply_to_user_id"] = tweet["in_reply_to_user_id"]
            if "referenced_tweets" in fields:
                out["referenced_tweets"] = [{"type": "replied_to", "id": tweet["in_reply_to_tweet_id"]}]
        return out

    def _listed(self, request: Request, who: dict[str, str], name: str, found: list[dict[str, Any]],
                low: int, high: int, token_param: str) -> Response:
        """A page of tweets newest first, with X's list parameters (max_results, since_id, until_id,
        start_time, end_time, the page token, tweet.fields, expansions=author_id, user.fields)."""
        fields = self.fields(request, "tweet.fields", TWEET_FIELDS)
        user_fields = self.fields(request, "user.fields", USER_FIELDS)
        expansions = self.fields(request, "expansions", frozenset(
            {"author_id", "referenced_tweets.id", "in_reply_to_user_id", "attachments.media_keys"}))
        raw_max = request.query.get("max_results", "10")
        if not raw_max.isdigit() or not low <= int(raw_max) <= high:
            raise self.invalid(f"The `max_results` query parameter value [{raw_max}] is not between {low} and "
                               f"{high}", max_results=[raw_max])
        for param, keep in (("since_id", lambda t, v: int(t["id"]) > v), ("until_id", lambda t, v: int(t["id"]) < v)):
            value = request.query.get(param)
            if value is not None:
                if not _DIGITS.match(value):
                    raise self.invalid(f"The `{param}` query parameter value [{value}] is not valid",
                                       **{param: [value]})
                found = [t for t in found if keep(t, int(value))]
        for param, keep in (("start_time", lambda t, v: t["created"] >= v),
                            ("end_time", lambda t, v: t["created"] < v)):
            value = request.query.get(param)
            if value is not None:
                try:
                    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
                except ValueError:
                    raise self.invalid(f"Invalid '{param}':'{value}'.", **{param: [value]}) from None
                found = [t for t in found if keep(t, moment)]
        found.sort(key=lambda t: int(t["id"]), reverse=True)
        token = request.query.get(token_param)
        if token is not None:
            try:
                before = int(token, 36)
            except ValueError:
                raise self.invalid(f"The `{token_param}` query parameter value [{token}] is not valid",
                                   **{token_param: [token]}) from None
            found = [t for t in found if int(t["id"]) < before]
        page = found[: int(raw_max)]
        with self.lock:
            self.posts_read += len(page)  # what X bills a read by
            self.billed.update((time.strftime("%Y-%m-%d", time.gmtime()), t["id"]) for t in page)
        meta: dict[str, Any] = {"result_count": len(page)}
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self.view(t, fields) if t["author_id"] == USER["id"] else self.comment_view(t, fields)
                            for t in page]
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
            if len(found) > len(page):
                meta["next_token"] = _b36(int(page[-1]["id"]))
            if "author_id" in expansions:
                users: dict[str, dict[str, Any]] = {}
                for t in page:
                    user = ({k: USER[k] for k in ("id", "name", "username")} if t["author_id"] == USER["id"]
                            else {"id": t["author_id"], "name": t["name"], "username": t["username"]})
                    if "created_at" in user_fields:
                        user["created_at"] = USER["created_at"]
                    users[user["id"]] = user
                body["includes"] = {"users": list(users.values())}
        return self.ok(200, body, name, who)

    @route("GET", "/2/tweets/search/recent", "search", limit=LIMITS["search"])
    def search_recent(self, request: Request) -> Response:
        who = self.authenticate(request)
        if not self.search_access:
            raise ApiError(403, {
                "title": "Client Forbidden",
                "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens "
                "from a Twitter developer App that is attached to a Project. You can create a project via the "
                "developer portal.",
                "reason": "client-not-enrolled",
                "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
                "required_enrollment": "Appropriate Level of API Access",
                "type": PROBLEM + "client-forbidden",
            }, dict(PROBLEM_JSON))
        query = request.query.get("query", "")
        if not query or len(query) > 512:
            raise self.invalid("The `query` query parameter must be 1 to 512 characters", query=[query[:50]])
        week_ago = time.time() - 7 * 86400
        start = request.query.get("start_time")
        if start is not None:
            try:
                too_early = datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp() < week_ago - 60
            except ValueError:
                too_early = False  # said by _listed
            if too_early:
                raise self.invalid(f"Invalid 'start_time':'{start}'. 'start_time' must be on or after "
                                   f"{datetime.fromtimestamp(week_ago, UTC):%Y-%m-%dT%H:%MZ}", start_time=[start])
        with self.lock:
            found = [t for t in [*self.kept("tweets").values(), *self.kept("comments").values()]
                     if not t.get("deleted") and t["created"] >= week_ago]
        for term in query.split():
            negate = term.startswith("-")
            operator = term[1:] if negate else term
            key, _, value = operator.partition(":")
            if key == "conversation_id" and _DIGITS.match(value) and not negate:
                found = [t for t in found if t["conversation_id"] == value]
            elif key == "from" and value:
                def by(t: dict[str, Any], v: str = value.lstrip("@").lower()) -> bool:
                    name = USER["username"] if t["author_id"] == USER["id"] else t["username"]
                    return v in (t["author_id"], name.lower())
                found = [t for t in found if by(t) != negate]
            elif operator == "is:reply":
                found = [t for t in found if bool(t.get("in_reply_to_tweet_id")) != negate]
            elif operator == "is:retweet" and negate:
                pass  # the sandbox has no retweets
            else:
                raise self.invalid(f"There were errors processing your request: the sandbox's search knows "
                                   f"conversation_id:, from:, is:reply and -is:retweet, not '{term[:40]}'",
                                   query=[query[:50]])
        return self._listed(request, who, "search", found, 10, 100, "next_token")

    @route("GET", r"/2/users/(?P<id>[0-9]+)/mentions", "mentions", limit=LIMITS["mentions"])
    def mentions(self, request: Request) -> Response:
        who = self.authenticate(request)
        user_id = request.match["id"]  # type: ignore[index]
        if user_id != USER["id"]:
            return self.ok(200, {"errors": [self.not_found("user", "id", user_id)]}, "mentions", who)
        handle = "@" + USER["username"].lower()
        with self.lock:
            ours = self.kept("tweets")
            # As on X, a reply anywhere in a conversation we started mentions us (X puts the handles of the
            # conversation before the text): the mentions timeline serves the replies recent search finds too.
            found = [t for t in self.kept("comments").values()
                     if not t.get("deleted") and (handle in t["text"].lower() or t["conversation_id"] in ours)]
        return self._listed(request, who, "mentions", found, 5, 100, "pagination_token")

    # --- media upload (https://docs.x.com/x-api/media/quickstart/media-upload-chunked) ---------------

    def _media(self, media_id: str | None) -> dict[str, Any]:
        media = self.kept("media").get(media_id or "")
        if media is None:
            raise self.invalid(
                "The media id is not valid or its upload session expired.", media_id=[str(media_id)]
            )
        return media

    @route("POST", "/2/media/upload/initialize", "media_init", limit=LIMITS["media_init"])
    def media_init(self, request: Request) -> Response:
        who = self.authenticate(request, write=True)
        body = self.json_object(request)
        allowed = {"additional_owners", "media_category", "media_type", "shared", "total_bytes"}
        for key in body:
            if key not in allowed:
                raise self.invalid(
                    f"$.{key}: is not defined in the schema and the schema does not allow additional "
                    "properties",
                    **{key: [str(body[key])[:50]]},
                )
        media_type, total = body.get("media_type"), body.get("total_bytes")
        category = body.get("media_category") or next(
            (c for c, types in CATEGORY_TYPES.items() if media_type in types), None
        )
        if category not in CATEGORY_TYPES or media_type not in CATEGORY_TYPES[category]:
            raise self.invalid(
                f"media_type {media_type!r} is not valid for media_category {category!r}",
                media_type=[str(media_type)],
                media_category=[str(category)],
            )
        if not isinstance(total, int) or isinstance(total, bool) or total < 1:
            raise self.invalid("total_bytes must be a positive integer", total_bytes=[str(total)])
        if total > CATEGORY_LIMITS[category]:
            raise self.invalid(
                f"File size exceeds {CATEGORY_LIMITS[category]} bytes.", total_bytes=[str(total)]
            )
        media_id = self.new_id()
        media = {
            "id": media_id,
            "media_key": f"{MEDIA_KEY_PREFIX[category]}_{media_id}",
            "media_type": media_type,
            "media_category": category,
            "total_bytes": total,
            "received": 0,
            "segments": 0,
            "sha256": None,
            "state": "initialized",
            "alt_text": None,
            "polls": 0,
        }
        with self.lock:
            self.keep("media", media)
            self._uploads[media_id] = {"hasher": hashlib.sha256(), "next": 0, "sizes": {}, "in_order": True}
        return self.ok(
            200,
            {
                "data": {"id": media_id, "media_key": media["media_key"], "expires_after_secs": 86400},
                "meta": {},
            },
            "media_init",
            who,
        )

    @route("POST", r"/2/media/upload/(?P<id>[0-9]+)/append", "media_append", limit=LIMITS["media_append"])
    def media_append(self, request: Request) -> Response:
        who = self.authenticate(request, write=True)
        media = self._media(request.match["id"])  # type: ignore[index]
        if media["state"] != "initialized":
            raise self.invalid("The upload of this media id was already finalized.", id=[media["id"]])
        if request.length > MAX_SEGMENT + 64 * 1024:
            raise self.invalid(
                f"A segment may hold at most {MAX_SEGMENT} bytes.", media=[f"{request.length} bytes"]
            )
        kind = request.headers.get("content-type", "")
        index: Any
        if kind.startswith("multipart/form-data"):
            fields = request.multipart()
            data, index = fields.get("media"), fields.get("segment_index")
        else:  # application/json with base64 media (MediaPayloadByte)
            body = self.json_object(request)
            index = body.get("segment_index")
            try:
                data = base64.b64decode(str(body.get("media", "")), validate=True)
            except (binascii.Error, ValueError):
                raise self.invalid("media is not valid base64", media=["…"]) from None
        if not isinstance(data, bytes) or not data:
            raise self.invalid(
                "The media field must be the segment's bytes (a file part).", media=[str(type(data))]
            )
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        if not isinstance(index, int) or not 0 <= index < MAX_SEGMENTS:
            raise self.invalid("segment_index must be an integer from 0 to 999", segment_index=[str(index)])
        if len(data) > MAX_SEGMENT:
            raise self.invalid(
                f"A segment may hold at most {MAX_SEGMENT} bytes.", media=[f"{len(data)} bytes"]
            )
        with self.lock:
            upload = self._uploads[media["id"]]
            upload["sizes"][index] = len(data)
            if upload["in_order"] and index == upload["next"]:
                upload["hasher"].update(data)
                upload["next"] += 1
            else:  # X accepts segments in any order; the sandbox then cannot tell the file's digest
                upload["in_order"] = False
            received = sum(upload["sizes"].values())
            if received > media["total_bytes"]:
                raise self.invalid(
                    "Segments exceed the total_bytes given at initialize.", segment_index=[str(index)]
                )
            media.update(received=received, segments=len(upload["sizes"]))
        return self.ok(
            200, {"data": {"expires_at": int(time.time()) + 86400}, "meta": {}}, "media_append", who
        )

    @route(
        "POST", r"/2/media/upload/(?P<id>[0-9]+)/finalize", "media_finalize", limit=LIMITS["media_finalize"]
    )
    def media_finalize(self, request: Request) -> Response:
        who = self.authenticate(request, write=True)
        media = self._media(request.match["id"])  # type: ignore[index]
        with self.lock:
            if media["state"] != "initialized":
                raise self.invalid("The upload of this media id was already finalized.", id=[media["id"]])
            if media["received"] != media["total_bytes"]:
                raise self.invalid("Segments do not add up to provided total file size.", id=[media["id"]])
            upload = self._uploads.pop(media["id"])
            if upload["in_order"]:
                media["sha256"] = upload["hasher"].hexdigest()
            processing = media["media_category"] in ("tweet_video", "tweet_gif")
            media["state"] = "pending" if processing else "succeeded"
        data: dict[str, Any] = {
            "id": media["id"],
            "media_key": media["media_key"],
            "size": media["total_bytes"],
            "expires_after_secs": 86400,
        }
        if processing:
            data["processing_info"] = {"state": "pending", "check_after_secs": 1}
        return self.ok(200, {"data": data, "meta": {}}, "media_finalize", who)

    @route("GET", "/2/media/upload", "media_status", limit=LIMITS["media_status"])
    def media_status(self, request: Request) -> Response:
        who = self.authenticate(request)
        if request.query.get("command", "STATUS") != "STATUS":
            raise self.invalid("command must be STATUS", command=[request.query.get("command", "")])
        media = self._media(request.query.get("media_id"))
        with self.lock:
            if media["state"] in ("pending", "in_progress"):
                media["polls"] += 1
                media["state"] = (
                    "in_progress" if media["polls"] <= self.processing_polls else self.processing_outcome
                )
            state = media["state"]
        data: dict[str, Any] = {"id": media["id"], "media_key": media["media_key"]}
        if media["media_category"] in ("tweet_video", "tweet_gif"):
            info: dict[str, Any] = {"state": state}
            if state == "in_progress":
                info.update(check_after_secs=1, progress_percent=50)
            elif state == "succeeded":
                info["progress_percent"] = 100
            elif state == "failed":
                info["error"] = {"code": 1, "name": "InvalidMedia", "message": "Unsupported video encoding."}
            data["processing_info"] = info
        return self.ok(200, {"data": data, "meta": {}}, "media_status", who)

    @route("POST", "/2/media/metadata", "media_metadata", limit=LIMITS["media_metadata"])
    def media_metadata(self, request: Request) -> Response:
        who = self.authenticate(request, write=True)
        body = self.json_object(request)
        media_id = body.get("id")
        if not isinstance(media_id, str) or not _DIGITS.match(media_id):
            raise self.invalid("$.id: expected a media id as a string of digits", id=[str(media_id)])
        media = self._media(media_id)
        alt = (
            ((body.get("metadata") or {}).get("alt_text") or {})
            if isinstance(body.get("metadata"), dict)
            else None
        )
        text = alt.get("text") if isinstance(alt, dict) else None
        if not isinstance(text, str) or len(text) > 1000:
            raise self.invalid(
                "$.metadata.alt_text.text: expected a string of at most 1000 characters",
                **{"metadata.alt_text.text": [str(text)[:50]]},
            )
        with self.lock:
            media["alt_text"] = text
        return self.ok(
            200,
            {"data": {"id": media_id, "associated_metadata": {"alt_text": {"text": text}}}},
            "media_metadata",
            who,
        )

    # --- OAuth 2.0 with PKCE (https://docs.x.com/resources/fundamentals/authentication/oauth-2-0) -----

    def oauth_error(self, status: int, error: str, description: str) -> ApiError:
        return ApiError(status, {"error": error, "error_description": description})

    @route("GET", "/i/oauth2/authorize", "authorize")
    def authorize(self, request: Request) -> Response:
        q = request.query
        missing = [
            k
            for k in ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge")
            if not q.get(k)
        ]
        if missing:
            raise self.oauth_error(400, "invalid_request", f"missing parameter(s): {', '.join(missing)}")
        if q["response_type"] != "code":
            raise self.oauth_error(400, "unsupported_response_type", "response_type must be code")
        method = q.get("code_challenge_method", "plain")
        if method not in ("S256", "plain"):
            raise self.oauth_error(400, "invalid_request", "code_challenge_method must be S256 or plain")
        redirect = urlsplit(q["redirect_uri"])
        if redirect.scheme not in ("http", "https") or not redirect.netloc:
            raise self.oauth_error(400, "invalid_request", "redirect_uri must be an absolute http(s) URL")
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {
                "client_id": q["client_id"],
                "redirect_uri": q["redirect_uri"],
                "scope": q["scope"],
                "challenge": q["code_challenge"],
                "method": method,
            }
        sep = "&" if redirect.query else "?"
        # X shows a consent page first; the sandbox consents at once.
        return Response(
            302,
            None,
            {"Location": f"{q['redirect_uri']}{sep}{urlencode({'state': q['state'], 'code': code})}"},
        )

    @route("POST", "/2/oauth2/token", "token", limit=LIMITS["token"])
    def token(self, request: Request) -> Response:
        form = request.form()
        client_id = form.get("client_id")
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                client_id = base64.b64decode(auth[6:].strip()).decode("utf-8").split(":", 1)[0]
            except (binascii.Error, UnicodeDecodeError):
                client_id = None
        if not client_id:
            raise self.oauth_error(401, "unauthorized_client", "Missing valid authorization header")
        grant = form.get("grant_type")
        scope = "tweet.read tweet.write users.read offline.access media.write"
        with self.lock:
            if grant == "refresh_token":
                old = form.get("refresh_token", "")
                if old in self.used_refresh_tokens or not (old.startswith("sandbox") or old in self.refresh_tokens):
                    raise self.oauth_error(400, "invalid_request", "Value passed for the token was invalid.")
                self.refresh_tokens.discard(old)  # X's refresh tokens are good for one refresh
                self.used_refresh_tokens.add(old)  # the throw-away 'sandbox…' ones too
            elif grant == "authorization_code":
                grant_data = self.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                if grant_data is None or grant_data["client_id"] != client_id:
                    raise self.oauth_error(
                        400, "invalid_request", "Value passed for the authorization code was invalid."
                    )
                if grant_data["redirect_uri"] != form.get("redirect_uri"):
                    raise self.oauth_error(
                        400, "invalid_request", "redirect_uri does not match the authorize request."
                    )
                expected = (
                    verifier
                    if grant_data["method"] == "plain"
                    else base64.urlsafe_b64encode(
                        hashlib.sha256(verifier.encode("ascii", "replace")).digest()
                    )
                    .decode()
                    .rstrip("=")
                )
                if not verifier or not hmac.compare_digest(expected, grant_data["challenge"]):
                    raise self.oauth_error(
                        400, "invalid_request", "Value passed for the code_verifier was invalid."
                    )
                scope = grant_data["scope"]
            else:
                raise self.oauth_error(
                    400, "unsupported_grant_type", "grant_type must be refresh_token or authorization_code"
                )
            access = "xsbx-" + secrets.token_urlsafe(24)
            body: dict[str, Any] = {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": access,
                "scope": scope,
            }
            self.sandbox.tokens.add(access)
            if "offline.access" in scope.split():
                body["refresh_token"] = "xsbr-" + secrets.token_urlsafe(24)
                self.refresh_tokens.add(body["refresh_token"])
        return Response(200, body, self.limit_headers("token"))
