"""Facebook Graph API (Pages), as the simulator speaks it: the calls socialpub's Facebook adapter makes.

Routes, each under a version prefix `/vNN.N` (any `v\\d+\\.\\d+`; Graph also serves unversioned paths with
the app's default version, and so does the sandbox):

- `POST /{page-id}/feed` (form or JSON): `message` and/or `link`, or `attached_media` (a JSON list of
  `{"media_fbid": id}` of unpublished photos of the Page); `published` "true"/"false" (strings: a Python
  False arrives as "False" and is refused, as a boolean Graph does not know), "false" only with
  `scheduled_publish_time` 10 minutes to 30 days ahead. Answers `{"id": "PAGEID_POSTID"}`.
- `POST /{page-id}/photos`: multipart `source` (the bytes must be a JPEG, PNG, GIF, BMP or TIFF image) or
  `url`; `message`, `alt_text_custom`, `published`, `scheduled_publish_time`, `temporary`. Published or
  scheduled: `{"id": photo, "post_id": "PAGEID_POSTID"}`; unpublished: `{"id": photo}`.
- `POST /{page-id}/videos`: multipart, streamed (only size and sha256 of `source` are kept), or `file_url`;
  `description`, `title`, `published`, `scheduled_publish_time`. Answers `{"id": video}`; the Page post
  is `PAGEID_VIDEOID`.
- `GET /{page-id}/feed` and `GET /{page-id}/scheduled_posts`: `fields`, `limit` (≤ 100), `after` cursor;
  `{"data": [...], "paging": {"cursors": {"before", "after"}, "next"}}`, newest first. A scheduled post
  moves to the feed when its time comes.
- `DELETE /{post-id}` → `{"success": true}`; an unknown id is Graph's 400 code 100 subcode 33.
- `GET /me` → the Page of a Page token (`page_id`, by default the sample channels.toml's 123456789);
  `GET /debug_token?input_token=…` → `{"data": {type, app_id, expires_at, is_valid, scopes, …}}`.

Auth: `access_token` in the query or form, or `Authorization: Bearer …` (or `OAuth …`), valid per
`sandbox.valid_token` ('sandbox…' values and issued tokens). Invalid: HTTP 400 `OAuthException` code 190
with Graph's `WWW-Authenticate` header. `appsecret_proof`, when sent, must be HMAC-SHA256(token, app secret)
for one of `app_secrets` ("sandbox-app_secret"); `require_proof = True` makes it mandatory, like the app
setting "Require App Secret". Any all-digit page id is accepted for posting, so any channels.toml works.

Errors are Graph's `{"error": {"message", "type", "code", "error_subcode"?, "fbtrace_id"}}`.

Rate limits (per route, sliding window; Graph's real Page limits are BUC quotas that scale with the
Page's engagement, and unknown in advance): feed posts 300/min, photo uploads 600/min (a post of 10
photos is 11 calls), video uploads 100/min, feed and scheduled reads 600/min each, deletes 300/min, /me and
/debug_token 200/min each: 200 posts a run fit in one window. Over the limit Graph answers HTTP 400 with
code 32 ("Page request limit reached") and no Retry-After; it says how long in the
`x-business-use-case-usage` header (`estimated_time_to_regain_access`, in minutes, at least 1), beside
`x-app-usage` (percentages). An injected 429 fault carries the same body and headers. `usage` (header name ->
object, e.g. {"x-app-usage": {"call_count": 95, "total_time": 20, "total_cputime": 10}}) is sent with every
answer, as Graph does once an app has made enough calls; Graph's other throttling errors (codes 4, 17, 613,
80001) are injected as status faults with their body and headers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
import time
from collections import deque
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from socialpub.media import sniff
from socialpub.sandbox.server import ApiError, ExampleChannel, Platform, Request, Response, route

V = r"(?:/v(?P<version>\d+\.\d+))?"
PAGE = r"/(?P<page_id>\d+)"
PER_MINUTE = 60.0
DEFAULT_PAGE_ID = "123456789"  # the sample channels.toml's az-us-facebook
DEFAULT_PAGE_NAME = "AstraZeneca US (sandbox)"
APP_ID = "100000000000001"
APP_SECRETS = {"sandbox-app_secret"}  # throw-away app secret for --sandbox
SCOPES = ["pages_show_list", "pages_read_engagement", "pages_read_user_content", "pages_manage_posts"]
READ_SCOPES = ("pages_read_engagement", "pages_read_user_content")  # what reading a post's comments needs
COMMENT_FIELDS = {"id", "message", "created_time", "from", "parent", "permalink_url", "comment_count", "like_count",
                  "is_hidden", "attachment"}
MESSAGE_LIMIT = 63_206
PHOTO_MAX_BYTES = 10 * 1024 * 1024
SCHEDULE_MIN = 10 * 60
SCHEDULE_MAX = 30 * 86400
FIELDS = {"id", "message", "created_time", "permalink_url", "scheduled_publish_time", "is_published"}


def _now() -> int:
    return int(time.time())


def _iso(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _trace() -> str:
    return secrets.token_urlsafe(9)


class FacebookSandbox(Platform):
    name = "facebook"
    example_channel = ExampleChannel("sandbox-facebook", ("page_token",), options={"page_id": "123456789"})

    def __init__(self, sandbox: Any) -> None:
        super().__init__(sandbox)
        self.page_id = DEFAULT_PAGE_ID  # the Page of every Page token; tests may change it
        self.page_name = DEFAULT_PAGE_NAME
        self.app_secrets = set(APP_SECRETS)
        self.require_proof = False
        self.token_type = "PAGE"  # what debug_token says; tests may make it "USER"
        self.token_expires_at = 0  # 0: never (a Page token from a long-lived user token); tests set a time
        self.token_scopes = list(SCOPES)
        self.usage: dict[str, Any] = {}  # usage headers sent with every answer (see the module's note)
        self.debug_token_allowed = True  # False: answer debug_token as Graph does a token that may not debug
        # Fields of create requests (tokens excluded), for tests; the last 500 only.
        self.received: deque[dict[str, Any]] = deque(maxlen=500)
        # Where each request carried its token ("header", "query" or "body"): a token in a URL is logged.
        self.token_places: deque[tuple[str, str]] = deque(maxlen=500)

    # --- Graph's answers --------------------------------------------------------------------------

    def error(self, status: int, message: str, **extra: Any) -> ApiError:
        code = extra.pop("code", 100)
        body: dict[str, Any] = {"message": message, "type": extra.pop("type", "OAuthException"), "code": code}
        if "subcode" in extra:
            body["error_subcode"] = extra.pop("subcode")
        body.update(extra)
        body["fbtrace_id"] = _trace()
        return ApiError(status, {"error": body}, {"x-fb-trace-id": body["fbtrace_id"]})

    def invalid(self, message: str, **extra: Any) -> ApiError:
        return self.error(400, f"(#100) {message}", code=100, **extra)

    def unauthorized(
        self, message: str = "Invalid OAuth access token - Cannot parse access token"
    ) -> ApiError:
        err = self.error(400, message, code=190)
        err.headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
        return err

    def answer_headers(self) -> dict[str, str]:
        with self.lock:
            return {name: json.dumps(value) for name, value in self.usage.items()}

    def rate_limited(self, reset_in: float, limit: int) -> ApiError:
        err = self.error(400, "(#32) Page request limit reached", code=32)
        minutes = max(1, math.ceil(reset_in / 60))
        err.headers["x-business-use-case-usage"] = json.dumps(
            {
                self.page_id: [
                    {
                        "type": "pages",
                        "call_count": 100,
                        "total_cputime": 12,
                        "total_time": 15,
                        "estimated_time_to_regain_access": minutes,
                    }
                ]
            }
        )
        err.headers["x-app-usage"] = json.dumps({"call_count": 100, "total_cputime": 12, "total_time": 15})
        return err

    # --- auth ---------------------------------------------------------------------------------------

    def token_of(self, request: Request, fields: dict[str, Any] | None = None) -> str | None:
        return self._token(request, fields)[0]

    def _token(self, request: Request, fields: dict[str, Any] | None) -> tuple[str | None, str]:
        header = request.headers.get("authorization", "")
        for scheme in ("bearer ", "oauth "):
            if header.lower().startswith(scheme):
                return header[len(scheme) :].strip(), "header"
        if isinstance(request.query.get("access_token"), str):
            return request.query["access_token"], "query"
        token = (fields or {}).get("access_token")
        return (token, "body") if isinstance(token, str) else (None, "none")

    def auth(self, request: Request, fields: dict[str, Any] | None = None) -> str:
        token, place = self._token(request, fields)
        with self.lock:
            self.token_places.append((request.path, place))
        if not token:
            raise self.error(400, "An access token is required to request this resource.", code=104)
        if not self.sandbox.valid_token(token):
            raise self.unauthorized(
                "Error validating access token: Session has expired."
                if token.startswith("sandbox")
                else "Invalid OAuth access token - Cannot parse access token"
            )
        proof = (fields or {}).get("appsecret_proof") or request.query.get("appsecret_proof")
        if proof:
            expected = [
                hmac.new(s.encode(), token.encode(), hashlib.sha256).hexdigest() for s in self.app_secrets
            ]
            if not any(hmac.compare_digest(str(proof), e) for e in expected):
                raise self.error(
                    400,
                    "Invalid appsecret_proof provided in the API argument",
                    code=100,
                    type="GraphMethodException",
                )
        elif self.require_proof:
            raise self.error(
                400,
                "API calls from the server require an appsecret_proof argument",
                code=100,
                type="GraphMethodException",
            )
        return token

    def fields(self, request: Request) -> dict[str, Any]:
        """Parameters of a request: query, then form or JSON body (Graph takes all three)."""
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/json"):
            body = request.json()
            if not isinstance(body, dict):
                raise self.invalid("the JSON body must be an object")
            return {**request.query, **body}
        if kind.startswith("multipart/form-data"):
            return dict(request.multipart())
        return request.form() if request.method != "GET" else dict(request.query)

    def record(self, operation: str, fields: dict[str, Any], **extra: Any) -> None:
        kept = {k: v for k, v in fields.items() if k not in ("access_token", "source")}
        with self.lock:
            self.received.append({"operation": operation, "fields": kept, **extra})

    # --- validation -----------------------------------------------------------------------------------

    def boolean(self, fields: dict[str, Any], key: str, default: bool) -> bool:
        value = fields.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise self.invalid(f"Param {key} must be a boolean")

    def schedule(self, fields: dict[str, Any], published: bool, *, required: bool = False) -> int | None:
        """The scheduled time of an unpublished post; `required`: an unpublished feed post must have one."""
        raw = fields.get("scheduled_publish_time")
        if raw in (None, ""):
            if not published and required:
                raise self.invalid("Unpublished posts must be scheduled: set scheduled_publish_time")
            return None
        if published:
            raise self.invalid("You cannot specify a scheduled publish time on a published post")
        try:
            when = int(str(raw))
        except ValueError:
            raise self.invalid("Param scheduled_publish_time must be a unix time") from None
        ahead = when - _now()
        if not SCHEDULE_MIN <= ahead <= SCHEDULE_MAX:
            raise self.invalid(
                "The specified scheduled publish time is invalid.",
                error_user_msg="The scheduled time must be between 10 minutes and 30 days from now.",
            )
        return when

    def text(self, fields: dict[str, Any], key: str) -> str | None:
        value = fields.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.invalid(f"Param {key} must be a string")
        if len(value) > MESSAGE_LIMIT:
            raise self.invalid(f"Param {key} is too long ({len(value)} characters; at most {MESSAGE_LIMIT})")
        return value

    def new_post(
        self, page_id: str, post_id: str, message: str | None, when: int | None, **extra: Any
    ) -> dict[str, Any]:
        created = _now()
        post = {
            "id": post_id,
            "page_id": page_id,
            "message": message,
            "created_time": _iso(created),
            "permalink_url": f"https://www.facebook.com/{page_id}/posts/{post_id.split('_', 1)[1]}",
            "is_published": when is None,
            "scheduled_publish_time": when,
            **extra,
        }
        self.keep("posts", post)
        if when is None:
            self.sandbox.created(self, post_id)  # comments="demo": people start commenting
        return post

    # --- posting --------------------------------------------------------------------------------------

    @route("POST", V + PAGE + "/feed", "feed/create", limit=(300, PER_MINUTE))
    def create_post(self, request: Request) -> Response:
        fields = self.fields(request)
        self.auth(request, fields)
        page_id = request.match["page_id"]  # type: ignore[index]
        self.record("feed/create", fields, version=request.match["version"])  # type: ignore[index]
        message = self.text(fields, "message")
        link = self.text(fields, "link")
        if link and (urlsplit(link).scheme not in ("http", "https") or not urlsplit(link).netloc):
            raise self.invalid("Param link must be a valid URL")
        attached = self.attached(page_id, fields.get("attached_media"))
        if not (message and message.strip()) and not link and not attached:
            raise self.invalid("Missing message or attachment")
        published = self.boolean(fields, "published", True)
        when = self.schedule(fields, published, required=True)
        post_id = f"{page_id}_{self.new_id()}"
        with self.lock:
            for photo_id in attached:
                self.kept("photos")[photo_id]["post_id"] = post_id
            self.new_post(
                page_id,
                post_id,
                message,
                when,
                link=link,
                attached_media=attached,
                type="status" if not attached else "photo",
            )
        return Response(200, {"id": post_id})

    def attached(self, page_id: str, raw: Any) -> list[str]:
        if raw in (None, ""):
            return []
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise self.invalid("Param attached_media must be a JSON array") from None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise self.invalid('Param attached_media must be an array of {"media_fbid": id}')
        ids = [str(i.get("media_fbid", "")) for i in items]
        if len(ids) > 10:
            raise self.invalid("A post takes at most 10 photos")  # socialpub's limit too
        photos = self.kept("photos")
        for photo_id in ids:
            photo = photos.get(photo_id)
            if photo is None or photo["page_id"] != page_id:
                raise self.invalid(f"Param attached_media[media_fbid] {photo_id} is not a photo of this Page")
            if photo["published"] or photo.get("post_id"):
                raise self.invalid(f"Photo {photo_id} is already published; attach unpublished photos")
        return ids

    @route("POST", V + PAGE + "/photos", "photos/create", limit=(600, PER_MINUTE))
    def create_photo(self, request: Request) -> Response:
        if request.length > PHOTO_MAX_BYTES + 65536:
            raise self.invalid("The photo is too large (at most 10 MB)")
        raw = (
            request.multipart() if request.headers.get("content-type", "").startswith("multipart/") else None
        )
        fields = dict(raw) if raw is not None else self.fields(request)
        self.auth(request, fields)
        page_id = request.match["page_id"]  # type: ignore[index]
        source = fields.get("source")
        url = fields.get("url")
        digest, size, mime = None, None, None
        if isinstance(source, bytes):
            mime = sniff(source[:16]) or _bmp_or_tiff(source[:4])
            if mime is None or not mime.startswith("image/") or mime == "image/webp":
                raise self.error(400, "(#324) Missing or invalid image file", code=324)
            digest, size = hashlib.sha256(source).hexdigest(), len(source)
        elif isinstance(url, str) and url:
            if urlsplit(url).scheme not in ("http", "https"):
                raise self.invalid("Param url must be a valid URL")
        else:
            raise self.error(400, "(#324) Requires upload file", code=324)
        self.record("photos/create", fields, version=request.match["version"], sha256=digest, size=size)  # type: ignore[index]
        message = self.text(fields, "message")
        alt = self.text(fields, "alt_text_custom")
        published = self.boolean(fields, "published", True)
        temporary = self.boolean(fields, "temporary", False)
        when = self.schedule(fields, published)
        photo_id = self.new_id()
        answer: dict[str, Any] = {"id": photo_id}
        with self.lock:
            photo = {
                "id": photo_id,
                "page_id": page_id,
                "published": published,
                "temporary": temporary,
                "alt_text_custom": alt,
                "message": message,
                "url": url,
                "mime": mime,
                "sha256": digest,
                "size": size,
                "post_id": None,
            }
            self.keep("photos", photo)
            if published or when is not None:  # a photo post, now or at its time
                post_id = f"{page_id}_{self.new_id()}"
                photo["post_id"] = post_id
                self.new_post(page_id, post_id, message, when, attached_media=[photo_id], type="photo")
                answer["post_id"] = post_id
        return Response(200, answer)

    @route("POST", V + PAGE + "/videos", "videos/create", limit=(100, PER_MINUTE))
    def create_video(self, request: Request) -> Response:
        page_id = request.match["page_id"]  # type: ignore[index]
        early = self.token_of(request) is not None
        if early:  # a token in the header or query: refuse before taking a whole upload
            self.auth(request)
        kind = request.headers.get("content-type", "")
        if not kind.startswith("multipart/form-data"):
            fields: dict[str, Any] = self.fields(request)
            upload = None
        else:
            boundary = re.search(r'boundary="?([^";]+)"?', kind)
            if not boundary:
                raise self.invalid("multipart body without a boundary")
            parsed, upload = read_multipart(request, boundary.group(1).encode())
            fields = {**request.query, **parsed}
        if not early:
            self.auth(request, fields)
        if upload is not None:
            mime = sniff(upload["head"])
            if mime is None or not mime.startswith("video/"):
                raise self.error(
                    400, "(#352) The video file you selected is in a format that we don't support.", code=352
                )
        elif not fields.get("file_url"):
            raise self.error(400, "(#100) Requires either file_url or source to be set", code=100)
        self.record(
            "videos/create",
            fields,
            version=request.match["version"],  # type: ignore[index]
            sha256=upload and upload["sha256"],
            size=upload and upload["size"],
        )
        description = self.text(fields, "description")
        title = self.text(fields, "title")
        published = self.boolean(fields, "published", True)
        when = self.schedule(fields, published)
        video_id = self.new_id()
        post_id = f"{page_id}_{video_id}"
        with self.lock:
            self.keep(
                "videos",
                {
                    "id": video_id,
                    "page_id": page_id,
                    "title": title,
                    "description": description,
                    "sha256": upload and upload["sha256"],
                    "size": upload and upload["size"],
                    "file_url": fields.get("file_url"),
                    "post_id": post_id,
                },
            )
            if published or when is not None:
                self.new_post(page_id, post_id, description, when, video_id=video_id, type="video")
        return Response(200, {"id": video_id})

    # --- reading ----------------------------------------------------------------------------------------

    @route("GET", V + PAGE + "/feed", "feed/list", limit=(600, PER_MINUTE))
    def list_feed(self, request: Request) -> Response:
        return self.listing(request, scheduled=False)

    @route("GET", V + PAGE + "/scheduled_posts", "scheduled_posts/list", limit=(600, PER_MINUTE))
    def list_scheduled(self, request: Request) -> Response:
        return self.listing(request, scheduled=True)

    def wanted_fields(self, query: Mapping[str, str], default: str, known: Collection[str], node: str) -> list[str]:
        """The `fields` a request asks for (Graph's default when none), refused as Graph does when one is not a
        field of the node."""
        wanted = [f for f in (query.get("fields") or default).split(",") if f]
        unknown = [f for f in wanted if f not in known]
        if unknown:
            raise self.invalid(f"Tried accessing nonexisting field ({unknown[0]}) on node type ({node})")
        return wanted

    def listing(self, request: Request, *, scheduled: bool) -> Response:
        self.auth(request)
        page_id = request.match["page_id"]  # type: ignore[index]
        query = request.query
        wanted = self.wanted_fields(query, "id,message,created_time", FIELDS, "PagePost")
        try:
            limit = int(query.get("limit") or 25)
        except ValueError:
            raise self.invalid("Param limit must be an integer") from None
        if not 1 <= limit <= 100:
            raise self.invalid("Param limit must be between 1 and 100")
        now = _now()
        with self.lock:
            posts = [
                p
                for p in self.kept("posts").values()
                if p["page_id"] == page_id
                and (scheduled == (not p["is_published"] and (p["scheduled_publish_time"] or 0) > now))
            ]
        posts.sort(key=lambda p: int(p["id"].split("_", 1)[1]), reverse=True)
        start = 0
        after = query.get("after")
        if after:
            try:
                start = int(_unb64(after)) + 1
            except ValueError:
                raise self.invalid("Param after is not a valid cursor") from None
        chunk = posts[start : start + limit]
        data = [self.view(p, wanted, now) for p in chunk]
        body: dict[str, Any] = {"data": data}
        if chunk:
            body["paging"] = {
                "cursors": {"before": _b64(str(start)), "after": _b64(str(start + len(chunk) - 1))}
            }
            if start + len(chunk) < len(posts):
                path = request.path
                params = {k: v for k, v in query.items() if k not in ("access_token", "after")}
                params["after"] = body["paging"]["cursors"]["after"]
                body["paging"]["next"] = f"https://graph.facebook.com{path}?{urlencode(params)}"
        return Response(200, body)

    def view(self, post: dict[str, Any], wanted: list[str], now: int) -> dict[str, Any]:
        out: dict[str, Any] = {"id": post["id"]}
        scheduled = post["scheduled_publish_time"]
        for name in wanted:
            if name == "message" and post.get("message"):
                out["message"] = post["message"]
            elif name == "created_time":
                # a scheduled post that went out carries its scheduled time
                out["created_time"] = (
                    _iso(scheduled) if scheduled and scheduled <= now else post["created_time"]
                )
            elif name == "is_published":
                out["is_published"] = post["is_published"] or bool(scheduled and scheduled <= now)
            elif name == "scheduled_publish_time" and scheduled:
                out["scheduled_publish_time"] = scheduled
            elif name == "permalink_url":
                out["permalink_url"] = post["permalink_url"]
        return out

    # --- comments on Page posts (the safety inbox reads them) ------------------------------------------
    # GET /{object-id}/comments (https://developers.facebook.com/docs/graph-api/reference/object/comments):
    # `filter` toplevel (default) or stream (every comment and reply, each reply with its `parent`), `order`
    # chronological (default) or reverse_chronological, `since`/`until` (unix time or ISO 8601), `limit` (at
    # most 100), `after`/`before` cursors. A deleted comment is gone, unless replies to it remain: then only its
    # id and time are served. Reading needs pages_read_engagement and pages_read_user_content.

    def seed_comment(self, *, on: str | None, text: str, author: str, created: float, parent: str | None,
                     deleted: bool) -> dict[str, Any]:
        with self.lock:
            comments = self.kept("comments")
            if parent is not None:
                if parent not in comments:
                    raise ValueError(f"no comment {parent} in the sandbox")
                on = comments[parent]["post_id"]
            if on not in self.kept("posts"):
                raise ValueError(f"no Page post {on} in the sandbox")
            post = self.kept("posts")[on]
            author_id = str(10**15 + int(hashlib.sha256(author.encode()).hexdigest()[:12], 16))
            comment_id = f"{on.split('_', 1)[1]}_{self.new_id()}"
            return self.keep("comments", {
                "id": comment_id,
                "post_id": on,
                "message": text,
                "from": {"name": author, "id": author_id},
                "created": created,
                "parent": parent,
                "deleted": deleted,
                "permalink_url": f"{post['permalink_url']}?comment_id={comment_id.split('_', 1)[1]}",
            })

    @route("GET", V + r"/(?P<object_id>\d+_\d+)/comments", "comments/list", limit=(600, PER_MINUTE))
    def list_comments(self, request: Request) -> Response:
        self.auth(request)
        if not set(READ_SCOPES) <= set(self.token_scopes):
            missing = next(s for s in READ_SCOPES if s not in self.token_scopes)
            raise self.error(403, f"(#10) This endpoint requires the '{missing}' permission or the 'Page Public "
                             "Content Access' feature.", code=10)
        object_id = request.match["object_id"]  # type: ignore[index]
        query = request.query
        wanted = self.wanted_fields(query, "id,message,created_time,from", COMMENT_FIELDS, "Comment")
        stream = query.get("filter", "toplevel") == "stream"
        if query.get("filter", "toplevel") not in ("stream", "toplevel"):
            raise self.invalid("Param filter must be one of {toplevel, stream}")
        if query.get("order", "chronological") not in ("chronological", "reverse_chronological"):
            raise self.invalid("Param order must be one of {chronological, reverse_chronological}")
        try:
            limit = int(query.get("limit") or 25)
        except ValueError:
            raise self.invalid("Param limit must be an integer") from None
        if not 1 <= limit <= 100:
            raise self.invalid("Param limit must be between 1 and 100")
        bounds: dict[str, int] = {}
        for key in ("since", "until"):
            if query.get(key):
                moment = _moment(query[key])
                if moment is None:
                    raise self.invalid(f"Param {key} must be a unix time or an ISO 8601 date")
                bounds[key] = moment
        with self.lock:
            comments = self.kept("comments")
            if object_id in self.kept("posts"):
                under = [c for c in comments.values() if c["post_id"] == object_id and (stream or not c["parent"])]
            elif object_id in comments:  # replies to a comment
                under = [c for c in comments.values() if c["parent"] == object_id]
            else:
                raise self.error(400, f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot "
                                 "be loaded due to missing permissions, or does not support this operation.",
                                 code=100, type="GraphMethodException", subcode=33)
            answered = {c["parent"] for c in comments.values() if c["parent"] and not c["deleted"]}
            shown = [c for c in under if not c["deleted"] or c["id"] in answered]
            shown = [c for c in shown if bounds.get("since", 0) <= int(c["created"]) <= bounds.get("until", 2**40)]
            shown.sort(key=lambda c: (c["created"], int(c["id"].split("_", 1)[1])),
                       reverse=query.get("order") == "reverse_chronological")
            start = 0
            if query.get("after"):
                try:
                    start = int(_unb64(query["after"])) + 1
                except ValueError:
                    raise self.invalid("Param after is not a valid cursor") from None
            chunk = shown[start : start + limit]
            data = [self.comment_view(c, wanted, comments) for c in chunk]
        body: dict[str, Any] = {"data": data, "paging": {}}
        if chunk:
            body["paging"] = {"cursors": {"before": _b64(str(start)), "after": _b64(str(start + len(chunk) - 1))}}
            if start + len(chunk) < len(shown):
                params = {k: v for k, v in query.items() if k not in ("access_token", "after")}
                params["after"] = body["paging"]["cursors"]["after"]
                body["paging"]["next"] = f"https://graph.facebook.com{request.path}?{urlencode(params)}"
        return Response(200, body)

    def comment_view(self, comment: dict[str, Any], wanted: list[str], comments: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": comment["id"]}
        for name in wanted:
            if name == "created_time":
                out["created_time"] = _iso(int(comment["created"]))
            elif comment["deleted"]:
                continue  # a removed comment kept for its replies: its id and time only
            elif name in ("message", "from", "permalink_url"):
                out[name] = comment[name]
            elif name == "parent" and comment["parent"]:
                parent = comments[comment["parent"]]
                out["parent"] = {"id": parent["id"], "created_time": _iso(int(parent["created"]))}
                if not parent["deleted"]:
                    out["parent"].update(message=parent["message"], **{"from": parent["from"]})
            elif name == "comment_count":
                out[name] = sum(1 for c in comments.values() if c["parent"] == comment["id"])
            elif name in ("like_count", "is_hidden"):
                out[name] = 0 if name == "like_count" else False
        return out

    @route("DELETE", V + r"/(?P<object_id>\d+(?:_\d+)?)", "object/delete", limit=(300, PER_MINUTE))
    def delete(self, request: Request) -> Response:
        self.auth(request, self.fields(request))
        object_id = request.match["object_id"]  # type: ignore[index]
        with self.lock:
            posts, photos = self.kept("posts"), self.kept("photos")
            if object_id in posts:
                post = posts.pop(object_id)
                for photo_id in post.get("attached_media") or []:
                    photos.pop(photo_id, None)
            elif object_id in photos and not photos[object_id].get("post_id"):
                photos.pop(object_id)  # an unpublished photo
            else:
                raise self.error(
                    400,
                    f"Unsupported delete request. Object with ID '{object_id}' does not exist, cannot be "
                    "loaded due to missing permissions, or does not support this operation.",
                    code=100,
                    type="GraphMethodException",
                    subcode=33,
                )
        return Response(200, {"success": True})

    @route("GET", V + "/me", "me", limit=(200, PER_MINUTE))
    def me(self, request: Request) -> Response:
        self.auth(request)
        wanted = (request.query.get("fields") or "id,name").split(",")
        page = {"id": self.page_id, "name": self.page_name}
        return Response(200, {k: v for k, v in page.items() if k in wanted or k == "id"})

    @route("GET", V + "/debug_token", "debug_token", limit=(200, PER_MINUTE))
    def debug_token(self, request: Request) -> Response:
        self.auth(request)
        if not self.debug_token_allowed:
            raise self.error(
                400,
                "(#100) You must provide an app access token, or a user access token that is "
                "an owner or developer of the app",
                code=100,
            )
        token = request.query.get("input_token")
        if not token:
            raise self.invalid("The parameter input_token is required")
        if not self.sandbox.valid_token(token):
            return Response(
                200,
                {
                    "data": {
                        "is_valid": False,
                        "scopes": [],
                        "error": {
                            "code": 190,
                            "message": "Invalid OAuth access token - Cannot parse access token",
                        },
                    }
                },
            )
        issued = _now() - 86400
        data = {
            "app_id": APP_ID,
            "type": self.token_type,
            "application": "socialpub sandbox",
            "data_access_expires_at": issued + 90 * 86400,
            "expires_at": self.token_expires_at,
            "is_valid": True,
            "issued_at": issued,
            "profile_id": self.page_id,
            "scopes": list(self.token_scopes),
            "granular_scopes": [{"scope": s, "target_ids": [self.page_id]} for s in self.token_scopes],
            "user_id": "100000000000002",
        }
        return Response(200, {"data": data})


def _moment(value: str) -> int | None:
    """A Graph `since`/`until`: unix seconds or an ISO 8601 date."""
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def _b64(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str:
    import base64
    import binascii

    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError(text) from None


def _bmp_or_tiff(head: bytes) -> str | None:
    if head[:2] == b"BM":
        return "image/bmp"
    if head in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return None


def read_multipart(request: Request, boundary: bytes) -> tuple[dict[str, str], dict[str, Any] | None]:
    """Parse multipart/form-data as it streams: text fields kept (small), the file hashed and counted, never
    held (video uploads of gigabytes)."""
    delimiter = b"\r\n--" + boundary
    keep = len(delimiter) + 4
    buffer = b"\r\n"  # so that the first boundary looks like every other one
    fields: dict[str, str] = {}
    upload: dict[str, Any] | None = None
    chunks = request.chunks()

    def more() -> bool:
        nonlocal buffer
        block = next(chunks, None)
        if block is None:
            return False
        buffer += block
        return True

    # preamble: up to the first boundary
    while (at := buffer.find(delimiter)) < 0:
        buffer = buffer[-keep:]
        if not more():
            return fields, upload
    buffer = buffer[at + len(delimiter) :]
    while True:
        while len(buffer) < 2 and more():
            pass
        if buffer.startswith(b"--"):  # the closing boundary
            break
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            if len(buffer) > 16384 or not more():
                raise ApiError(
                    400,
                    {
                        "error": {
                            "message": "(#100) malformed multipart body",
                            "code": 100,
                            "type": "OAuthException",
                            "fbtrace_id": _trace(),
                        }
                    },
                )
        head = buffer[:end].decode("utf-8", "replace")
        buffer = buffer[end + 4 :]
        name_match = re.search(r'name="([^"]*)"', head)
        name = name_match.group(1) if name_match else ""
        is_file = re.search(r'filename="', head) is not None
        digest, size, first, text = hashlib.sha256(), 0, b"", b""
        while True:
            at = buffer.find(delimiter)
            take = buffer[:at] if at >= 0 else buffer[: max(0, len(buffer) - keep)]
            if is_file:
                digest.update(take)
                size += len(take)
                first = (first + take[:16])[:16] if len(first) < 16 else first
            elif len(text) < 1 << 20:
                text += take[: (1 << 20) - len(text)]
            if at >= 0:
                buffer = buffer[at + len(delimiter) :]
                break
            buffer = buffer[len(take) :]
            if not more():
                raise ApiError(
                    400,
                    {
                        "error": {
                            "message": "(#100) truncated multipart body",
                            "code": 100,
                            "type": "OAuthException",
                            "fbtrace_id": _trace(),
                        }
                    },
                )
        if is_file:
            upload = {"name": name, "size": size, "sha256": digest.hexdigest(), "head": first}
        else:
            fields[name] = text.decode("utf-8", "replace")
    for _ in chunks:  # drain what follows the closing boundary
        pass
    return fields, upload
