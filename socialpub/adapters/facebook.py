"""Facebook Page posts. Rendering is offline; publishing uses facebook-sdk, hardened, imported on demand.

Wire protocol (Graph API, https://developers.facebook.com/docs/pages-api/posts):

- publish: no media → `POST /vNN/{page-id}/feed` (message, link); one image → `POST /vNN/{page-id}/photos`
  (multipart `source`, message, `alt_text_custom`); several images → each `POST /{page-id}/photos` with
  `published=false` (and `temporary=true` when scheduled), then `POST /{page-id}/feed` with
  `attached_media=[{"media_fbid": …}, …]`; a video → `POST /vNN/{page-id}/videos` on graph-video.facebook.com
  (multipart `source` streamed from disk, `description`; non-resumable, so at most `video_max_bytes`).
  Photo and video posts have no link field: the link is appended to their text.
- native scheduling (`native_schedule = true` and publish_at ahead): `published="false"` with
  `scheduled_publish_time=<unix>`, 10 minutes to 30 days ahead; anything else is refused before sending.
- find: `GET /{page-id}/feed?fields=id,message,created_time,permalink_url&limit=25` (a few pages), and
  `GET /{page-id}/scheduled_posts` when the channel schedules natively (a scheduled post is not in /feed
  until its time): the newest post whose message is what publish() sends. The receipt's URL is made from
  the post id, as publish() makes it, so both agree.
- delete: `DELETE /{post-id}`; verify: `GET /me?fields=id,name` (must be the Page of `page_id`) and
  `GET /debug_token?input_token=…` for the token's expiry and scopes (skipped when Graph refuses it:
  debug_token wants an app token or a developer's token, which a Page token may not be).
- `app_secret` (optional): every request carries `appsecret_proof` = HMAC-SHA256(page token, key=app secret),
  which apps with "Require App Secret" need (https://developers.facebook.com/docs/graph-api/security).
- errors: Graph's `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`, classified by code
  first (code 190 → re-authenticate; 4/17/32/613/80001 → rate limited, transient; 1/2 → transient; 100, 200,
  368… → permanent), then by HTTP status. Graph sends no Retry-After: the wait comes from the
  `x-business-use-case-usage` header's `estimated_time_to_regain_access` (minutes) when present, else
  `rate_limit_wait` seconds.

facebook-sdk 3.1.0 pitfalls and how each is neutralised here:

- it refuses versions after 3.1 → `graph.version` is set after construction ("v21.0": the SDK puts the
  attribute as-is between the host and the path);
- it ignores the HTTP status and lets requests exceptions through → its session raises `GraphFailure` from
  a response hook on any error status, any answer that is not a JSON object, and any body with `error`;
  requests exceptions become `request_error()`;
- no timeout by default → `timeout=(connect, read)` on the GraphAPI and a session from `make_session`;
- `put_photo` posts to `me/photos` by default → `album_path=f"{page_id}/photos"`;
- a Python False is sent as "False" → the strings "true"/"false" only;
- it puts the token in the query string (in URLs, proxy and debug logs) → the session moves it to an
  `Authorization: Bearer` header, which Graph accepts;
- a SyntaxWarning at import on Python 3.12+ → imported under `warnings.catch_warnings()`, lazily;
- unmaintained → every SDK call is in `_Graph`: replacing the SDK means rewriting that class only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

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
    TimeMark,
    answer_object,
    answer_objects,
    answer_text,
    cursor_of,
    cursor_text,
    parse_time,
    refused,
    stopped_early,
    with_link,
)
from socialpub.errors import CredentialsError, PlatformError, Stopped
from socialpub.http import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    MultipartFile,
    answered_maybe_sent,
    is_digits,
    platform_error,
    request_error,
    retry_after,
    said_briefly,
    unanswered,
)
from socialpub.redact import clip
from socialpub.tomlsource import Key

if TYPE_CHECKING:
    import requests

    from socialpub.media import Media
    from socialpub.posts import Post

log = logging.getLogger(__name__)

LABEL = "Facebook"
GRAPH_URL = "https://graph.facebook.com"
# Non-resumable video uploads go to graph-video (Graph API video docs); with an endpoint the host is replaced.
VIDEO_URL = "https://graph-video.facebook.com"
POST_URL = "https://www.facebook.com/{}"
DEFAULT_VERSION = "v21.0"
VERSION = re.compile(r"^v?(\d+)\.(\d+)$")
POST_ID = re.compile(r"^[0-9]+(?:_[0-9]+)?$")

# Graph error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling).
REAUTH_CODES = frozenset({190, 102, 104})  # invalid/expired token, session, no token
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001})  # app, user, Page, custom, Pages BUC limits
# Graph's usage headers (https://developers.facebook.com/docs/graph-api/overview/rate-limiting): percentages of
# the app's, the Page's and a business use case's limits; the Page's and the BUC's may say in how many minutes
# access is regained (`estimated_time_to_regain_access`).
USAGE_HEADERS = ("x-app-usage", "x-page-usage", "x-business-use-case-usage")
USAGE_SHARES = ("call_count", "total_time", "total_cputime")
BUSY_PERCENT = 90.0  # reads stop at this share of any limit: what is left goes to publishing
BUSY_WAIT = 900.0  # seconds reads then wait when Graph gives no time (its windows roll over an hour or a day)
TRANSIENT_CODES = frozenset({1, 2})  # unknown error, service temporarily unavailable
PERMISSION_CODES = frozenset({10, *range(200, 300)})
# Feed and photo posts can be scheduled 10 minutes to 30 days ahead (Pages API: scheduled posts).
SCHEDULE_MIN = timedelta(minutes=10)
SCHEDULE_MAX = timedelta(days=30)
SCHEDULE_SLACK = timedelta(minutes=1)  # the request must still be 10 minutes ahead when it lands
SCHEDULE_GRACE = timedelta(minutes=1)  # a publish_at this close is "now": publish, do not schedule
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")  # Page photos: JPEG, PNG, GIF (also BMP, TIFF)
VIDEO_TYPES = ("video/mp4", "video/quicktime")


class FacebookAdapter(Adapter):
    kind = "facebook"
    label = "Facebook"
    card_label = "Facebook Page"
    long_form = True
    account_key = "page_id"
    preview_card = "page_post"
    sandbox = "socialpub.sandbox.facebook:FacebookSandbox"
    can_find = True
    can_delete = True
    can_schedule_natively = True
    can_authorize = False  # a Page token is made in Meta Business Suite: no consent flow of socialpub's
    limits = {"text": 63_206, "images": 10, "videos": 1}
    fold_chars = 400
    channel_keys = {
        "page_id": Key(str, required=True),
        "graph_version": Key(str),
        "native_schedule": Key(bool),
    }
    credential_keys = frozenset({"page_token", "app_secret"})
    override_keys = {"native_schedule": Key(bool)}

    # Network knobs; instance attributes may be changed (tests use short ones).
    timeout: float = READ_TIMEOUT  # seconds to wait for an answer (read timeout)
    connect_timeout: float = CONNECT_TIMEOUT
    video_timeout: float = 600.0  # read timeout of a video upload: Graph answers after taking the whole file
    rate_limit_wait: float = 60.0  # Graph sends no Retry-After; wait this long unless its usage header says
    find_pages: int = 4  # pages of the feed read by find(): 4 x 25 recent posts
    page_size: int = 25
    expiry_warning: timedelta = timedelta(days=7)
    # Non-resumable uploads take files up to 1 GB (Graph API video upload docs); larger needs the resumable
    # protocol, which socialpub does not speak yet.
    video_max_bytes: int = 1 << 30
    # debug_token needs the token in its query string (input_token), which urllib3 logs at DEBUG level.
    sdk_loggers = ("urllib3.connectionpool",)

    def setup(self) -> None:
        self._graph: _Graph | None = None
        self._lock = threading.Lock()

    def render(self, post: Post) -> Rendered:
        field = self.fields(post)
        text, text_source = field("text")
        link, link_source = field("link")
        media = tuple(field("media", ())[0])  # an override table gives a list
        native, _ = field("native_schedule", self.channel.options.get("native_schedule", False))
        issues = self.media_issues(media)
        if not text.strip() and not media and not link:
            issues.append(Issue("nothing to post: no text, link or media",
                                "write the post's text, or add a link or media"))
        if post.render_version >= 2:
            # The message exactly as sent: photo and video posts have no link field (the link goes in the
            # text, and no link card shows); a link-only feed post carries the link as its message too.
            text = with_link(text, link).strip() if media else (text.strip() or (link or ""))
            if media:
                link = link_source = None
        return self.rendered(
            post,
            (Part(text, text_source, media, len(text)),),  # type: ignore[arg-type]
            link=link,
            link_source=link_source,
            media=media,
            options={"native_schedule": native, "page_id": self.channel.options.get("page_id")},
            measures=(Measure("message", len(text), self.limit("text"), source=text_source),),
            media_issues=tuple(issues),
        )

    # --- the network side ------------------------------------------------------------------------

    def publish(
        self, rendered: Rendered, *, now: datetime | None = None, gate: Gate | None = None,
        progress: Progress | None = None,
    ) -> Receipt:
        """Post to the Page's feed: text and link, a photo, several photos, or a video; natively scheduled
        when the channel says so and publish_at is ahead."""
        page_id = self._page_id()
        schedule, when = self._schedule(rendered, now)
        message = post_message(rendered)
        images = [m for m in rendered.media if m.kind in ("image", "gif")]
        videos = [m for m in rendered.media if m.kind == "video"]
        if len(images) + len(videos) < len(rendered.media):
            odd = next(m for m in rendered.media if m not in images and m not in videos)
            raise _refused(f"'{odd.path}' is neither an image nor a video", "check the file")
        if videos and (images or len(videos) > 1):
            raise _refused("a Facebook post takes one video, or images, not both", "split it into two posts")
        if len(images) > self.limit("images"):
            raise _refused(
                f"{len(images)} images; a Facebook post takes at most {self.limit('images')}",
                "remove some images",
            )
        if gate is not None:
            gate()
        graph = self.graph
        if videos:
            video = _readable(videos[0], VIDEO_TYPES, "MP4 or MOV video")
            if (video.size or 0) > self.video_max_bytes:
                raise _refused(
                    f"the video '{video.path}' is {video.size:,} bytes; socialpub uploads videos of at most "
                    f"{self.video_max_bytes:,} bytes to Facebook (non-resumable upload)",
                    "use a smaller file (shorter, or encoded at a lower bitrate)",
                )
            fields = {"description": message, **schedule} if message else dict(schedule)
            answer = self._call(graph.video, page_id, video, fields, progress, creates=True)
            video_id = _id(answer, "id")
            # A video's Page post is PAGEID_VIDEOID; /videos answers the video id only.
            post_id = f"{page_id}_{video_id}" if video_id else ""
        elif len(images) == 1:
            image = _readable(images[0], IMAGE_TYPES, "JPEG, PNG or GIF image")
            fields = _photo_fields(image, message, schedule)
            answer = self._call(graph.photo, page_id, image, fields, creates=True)
            post_id = _id(answer, "post_id")  # {"id": photo, "post_id": PAGEID_POSTID}: the post's is wanted
        elif images:
            readable = [_readable(m, IMAGE_TYPES, "JPEG, PNG or GIF image") for m in images]  # all, first
            post_id = self._multi_photo(page_id, readable, message, schedule, gate)
        else:
            # A link-only post carries the link as its message too, so that find() can recognise it.
            fields = {k: v for k, v in (("message", message), ("link", rendered.link)) if v}
            if not fields:
                raise _refused("nothing to post: no text, link or media", "write the post's text")
            answer = self._call(graph.post, page_id, "feed", {**fields, **schedule}, creates=True)
            post_id = _id(answer, "id")
        if not post_id or not POST_ID.match(post_id):
            raise PlatformError(
                "Facebook accepted the post but answered without its id",
                transient=False,
                maybe_sent=True,
                hint="the outcome is checked against the Page's recent posts before anything is sent again",
            )
        return Receipt(
            remote_id=post_id,
            url=POST_URL.format(post_id),
            published_at=when or datetime.now(UTC),
        )

    def _multi_photo(
        self, page_id: str, images: list[Media], message: str, schedule: dict[str, str], gate: Gate | None = None
    ) -> str:
        """Upload each image unpublished, then one feed post that attaches them all (Pages API docs); `gate()`
        again before that post (a pause during the uploads stops it)."""
        graph = self.graph
        uploaded: list[str] = []
        try:
            for image in images:
                fields = _photo_fields(image, "", {})
                fields["published"] = "false"  # the string: the SDK would send a Python False as "False"
                if schedule:
                    fields["temporary"] = "true"  # unpublished photos for a scheduled post must be temporary
                photo_id = _id(self._call(graph.photo, page_id, image, fields), "id")
                if not photo_id:
                    raise PlatformError(
                        "Facebook accepted a photo but answered without its id",
                        transient=True,
                        hint="retry later",
                    )
                uploaded.append(photo_id)
            fields = {"attached_media": json.dumps([{"media_fbid": i} for i in uploaded]), **schedule}
            if message:
                fields["message"] = message
            if gate is not None:
                gate()
            answer = self._call(graph.post, page_id, "feed", fields, creates=True)
        except (PlatformError, Stopped) as error:
            if not getattr(error, "maybe_sent", False):  # no post: unpublished photos would only clutter the Page
                for photo_id in uploaded:
                    try:
                        self._call(graph.delete, photo_id)
                    except PlatformError:
                        log.info("%s: could not remove unpublished photo %s", self.channel.name, photo_id)
            raise
        return _id(answer, "id")

    def find(self, rendered: Rendered) -> Receipt | None:
        """The newest post of the Page (published, or scheduled when the channel schedules natively) whose
        message is what publish() sends for `rendered`."""
        page_id = self._page_id()
        want = _normal(post_message(rendered))
        if not want:
            raise PlatformError(
                "a Facebook post without text cannot be told apart from the Page's other posts",
                transient=False,
                hint="look at the Page, then run `socialpub resolve` with --published URL or --not-published",
            )
        edges = [("feed", "id,message,created_time,permalink_url")]
        if rendered.options.get("native_schedule"):
            edges.append(("scheduled_posts", "id,message,created_time,scheduled_publish_time"))
        graph = self.graph
        for edge, fields in edges:
            after: str | None = None
            for _ in range(self.find_pages):
                params = {"fields": fields, "limit": str(self.page_size)}
                if after:
                    params["after"] = after
                page = self._call(graph.get, f"{page_id}/{edge}", params)
                for post in answer_objects(page.get("data")):
                    post_id = answer_text(post.get("id"))
                    if _normal(post.get("message")) == want and POST_ID.match(post_id):
                        when = _when(post.get("scheduled_publish_time")) or _when(post.get("created_time"))
                        return Receipt(remote_id=post_id, url=POST_URL.format(post_id), published_at=when)
                paging = page.get("paging")
                if not isinstance(paging, dict) or not paging.get("next"):
                    break  # the last page
                after = answer_text(answer_object(paging.get("cursors")).get("after"))
                if not after:
                    break
        return None

    def delete(self, remote_id: str) -> None:
        """Delete a Page post (PAGEID_POSTID, or its www.facebook.com URL)."""
        post_id = remote_id.strip().rstrip("/").rsplit("/", 1)[-1]
        if not POST_ID.match(post_id):
            raise _refused(
                f"'{remote_id}' is not a Facebook post id", "a post id looks like 123456789_987654321"
            )
        graph = self.graph
        self._call(
            graph.delete,
            post_id,
            creates=True,  # it changes the Page: a lost answer may have been carried out (retract asks again)
            not_found=f"post {post_id} does not exist (already deleted on Facebook, or the id is wrong)",
        )

    def verify(self) -> list[str]:
        """Check that the token works and is this Page's; warn when it expires soon or lacks a permission."""
        page_id = self._page_id()
        graph = self.graph
        warnings_: list[str] = []
        me = self._call(graph.get, "me", {"fields": "id,name"})
        if answer_text(me.get("id")) != page_id:
            owner = said_briefly(f"{answer_text(me.get('name')) or '?'} ({answer_text(me.get('id'))})")
            warnings_.append(
                f"the token is not this Page's token: it belongs to {owner}, channels.toml says page_id "
                f"{page_id}; make a Page access token for page {page_id} in Meta Business Suite"
            )
        token = self.secret("page_token")
        try:
            info = self._call(graph.get, "debug_token", {"input_token": token}).get("data")
        except PlatformError as error:  # a Page token may not be allowed to debug itself: no expiry known
            log.info("%s: token expiry unknown (debug_token: %s)", self.channel.name, error.message)
            info = None
        if isinstance(info, dict):
            warnings_ += self._token_warnings(info) + self._reading_warnings(info)
        return warnings_

    def _token_warnings(self, info: Mapping[str, Any]) -> list[str]:
        found: list[str] = []
        expires = info.get("expires_at")
        # 0: never (a Page token made from a long-lived user token or a system user does not expire)
        if isinstance(expires, int) and not isinstance(expires, bool) and 0 < expires < 2**40:
            left = expires - time.time()
            if left < self.expiry_warning.total_seconds():
                day = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%d %H:%M UTC")
                found.append(
                    f"the Page token expires {day} (in {max(0, int(left // 86400))} days): make a Page token "
                    "from a long-lived user token or a system user in Meta Business Suite (those do not "
                    f"expire) and update {self.channel.credentials.get('page_token')}"
                )
        kind = info.get("type")
        if isinstance(kind, str) and kind and kind.upper() != "PAGE":
            found.append(
                f"the token is a {said_briefly(kind.lower())} token, not a Page token: posts need a Page access token"
            )
        scopes = info.get("scopes")
        if isinstance(scopes, list) and scopes and "pages_manage_posts" not in scopes:
            found.append("the token lacks the pages_manage_posts permission: Facebook will refuse to post")
        return found

    def known_secrets(self) -> list[str]:
        """The configured credentials (read now if need be: Graph may echo one) and the appsecret_proof."""
        for key in self.credential_keys:
            if self.has_secret(key) and key not in self._secrets:
                try:
                    self.secret(key)
                except CredentialsError:
                    pass
        found = super().known_secrets()
        if "page_token" in self._secrets and "app_secret" in self._secrets:
            found.append(appsecret_proof(self._secrets["page_token"], self._secrets["app_secret"]))
        return found

    # --- helpers ----------------------------------------------------------------------------------

    @property
    def graph(self) -> _Graph:
        """The channel's Graph client, made on first use (reads the credentials)."""
        with self._lock:
            if self._graph is None:
                token = self.secret("page_token")
                secret = self.secret("app_secret") if self.has_secret("app_secret") else None
                self.guard_logs()
                session = self.paced(_graph_session(self.channel.endpoint, token, secret))
                session.hooks["response"].append(self._note_usage)
                self._graph = _Graph(session, token, self._version())
            self._graph.timeout = (self.connect_timeout, self.timeout)
            self._graph.video_timeout = (self.connect_timeout, max(self.timeout, self.video_timeout))
            return self._graph

    def _version(self) -> str:
        value = str(self.channel.options.get("graph_version") or DEFAULT_VERSION).strip()
        match = VERSION.match(value)
        if not match:
            raise _refused(
                f"graph_version '{value}' is not a Graph API version",
                f'write graph_version = "{DEFAULT_VERSION}" in [channels.{self.channel.name}]',
            )
        return f"v{match[1]}.{match[2]}"  # "21.0" and "v21.0" both give the path prefix /v21.0/

    def _page_id(self) -> str:
        page_id = str(self.channel.options.get("page_id") or "").strip()
        if not page_id.isdigit():
            raise _refused(
                f"page_id '{page_id}' of channel {self.channel.name} is not a Facebook Page id",
                "a Page id is a string of digits (Page settings → About → Page transparency)",
            )
        return page_id

    def _schedule(self, rendered: Rendered, now: datetime | None) -> tuple[dict[str, str], datetime | None]:
        """Graph fields for a natively scheduled post, and its time; nothing when it is due."""
        when = rendered.post.publish_at
        now = now or datetime.now(UTC)
        if not rendered.options.get("native_schedule") or when is None or when <= now + SCHEDULE_GRACE:
            return {}, None
        ahead = when - now
        if ahead < SCHEDULE_MIN + SCHEDULE_SLACK or ahead > SCHEDULE_MAX:
            raise _refused(
                f"posts can be scheduled 10 minutes to 30 days ahead; publish_at "
                f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC is {_human(ahead)} away",
                "publish it with `socialpub run` when it is due, or set native_schedule = false"
                if ahead < SCHEDULE_MIN + SCHEDULE_SLACK
                else "publish it nearer the time (30 days ahead at most)",
            )
        # "false" as a string: the SDK sends a Python False as "False".
        return {"published": "false", "scheduled_publish_time": str(int(when.timestamp()))}, when

    def _call(
        self,
        operation: Callable[..., dict[str, Any]],
        *args: Any,
        creates: bool = False,
        not_found: str | None = None,
    ) -> dict[str, Any]:
        """Run one Graph call; every failure becomes a PlatformError.

        `creates` marks the call that makes the post: only its failures may leave an unknown outcome.
        """
        import requests

        try:
            return operation(*args)
        except GraphFailure as failure:
            raise self._error(failure, creates=creates, not_found=not_found) from None
        except requests.RequestException as exc:
            raise unanswered(LABEL, exc, creates=creates, secrets=self.known_secrets()) from None
        except _Unsent as exc:  # a streamed upload broken before its last byte: Graph cannot have it
            raise request_error(LABEL, exc.cause, sent=False, secrets=self.known_secrets()) from None

    def _error(self, failure: GraphFailure, *, creates: bool, not_found: str | None) -> PlatformError:
        status, code, subcode = failure.status, failure.code, failure.subcode
        secrets = self.known_secrets()
        said = failure.said()
        name = self.channel.name
        ref = self.channel.credentials.get("page_token")
        if failure.unreadable:  # a success status without a Graph answer: the post may exist
            return PlatformError(
                f"Facebook answered HTTP {status} with {said_briefly(said, secrets)}",
                transient=True,
                maybe_sent=creates,
                hint="the outcome is checked against the Page's recent posts before anything is sent again"
                if creates
                else "retry later; if it persists, check the channel's endpoint",
            )
        transient: bool | None = None  # None: as the HTTP status says
        wait: float | None = None
        maybe_sent = answered_maybe_sent(creates)
        action: str | None = None
        if code in REAUTH_CODES or (code is None and status == 401):
            transient = False
            action = (
                f"re-authenticate: the Page token is invalid or expired (Facebook error {code or status}"
                + (f", subcode {subcode}" if subcode else "")
                + f"); make a new Page access token in Meta Business Suite and store it in {ref} "
                "(socialpub has no login flow for Facebook Pages)"
            )
        elif code in RATE_LIMIT_CODES or (code is None and status == 429):
            transient, maybe_sent = True, False
            wait = self._rate_wait(failure.headers)
            usage = _usage(failure.headers)
            action = f"rate limited{f' ({usage})' if usage else ''}: retry in {int(wait)} s"
        elif code in TRANSIENT_CODES:
            transient = True
            maybe_sent = creates  # "an unknown error": the post may have been made
            action = "Facebook is having trouble; retry later"
        elif code == 100 and subcode == 33:
            transient = False
            action = not_found or f"not found: check page_id of [channels.{name}] and the post id"
        elif code in PERMISSION_CODES:
            transient = False
            action = (
                "the token lacks a permission (pages_manage_posts, pages_read_engagement) or its user lacks "
                f"the task on Page {self._page_id()}: make a new Page token with them and store it in {ref}"
            )
        elif code == 368:
            transient = False
            action = (
                "Facebook blocked this as abusive or against its policies (error 368): review the post and "
                "the Page's status in Meta Business Suite before publishing again"
            )
        elif code == 506:
            transient = False
            action = "Facebook refused a duplicate of a recent post: check the Page, then `socialpub resolve`"
        elif code == 324:
            transient = False
            action = "Facebook could not read the image: use a JPEG or PNG under 10 MB"
        elif status == 404 and not_found:
            action = not_found
        error = platform_error(
            LABEL,
            status,
            said,
            headers=failure.headers,
            secrets=secrets,
            action=action,
            maybe_sent=maybe_sent,
        )
        if transient is not None:
            error.transient = transient
        error.gone = error.gone or (code == 100 and subcode == 33)  # Graph's "object does not exist"
        if wait is not None:
            error.retry_after = wait
        elif error.transient and status == 429 and error.retry_after is None:
            error.retry_after = self.rate_limit_wait
        return error

    def _rate_wait(self, headers: Mapping[str, str]) -> float:
        """Seconds to wait after a rate limit: Retry-After (a gateway's), else Graph's usage estimate, else
        the default. Graph itself sends no Retry-After."""
        given = retry_after(headers)
        if given is not None:
            return given
        return graph_usage(headers)[1] or self.rate_limit_wait

    # Graph's usage as its last answer told it (every answer may carry the headers), for `read_wait`.
    _usage: tuple[float, float | None] = (0.0, None)
    _usage_at: float = 0.0

    def _note_usage(self, response: Any, *args: Any, **kwargs: Any) -> None:
        """Session hook: keep what the usage headers of an answer say (an answer without them says nothing)."""
        if any(_header(response.headers, name) for name in USAGE_HEADERS):
            self._usage, self._usage_at = graph_usage(response.headers), time.time()

    def read_wait(self) -> float | None:
        """Reads wait for a used-up window like every call, and also while Graph's usage headers say that a
        limit is at BUSY_PERCENT or more: reading comments must not use up what publishing needs."""
        percent, regain = self._usage
        busy = (regain or BUSY_WAIT) - (time.time() - self._usage_at) if percent >= BUSY_PERCENT else 0.0
        waits = [w for w in (self.rate_wait(), busy) if w and w > 0]
        return max(waits) if waits else None

    # --- reading comments (the safety inbox) ---------------------------------------------------------
    # GET /{post-id}/comments with filter=stream (every comment and reply, replies naming their parent) in
    # chronological order, paged by cursors.after. Graph has no since_id for comments: each object's high-water
    # mark is a TimeMark (the newest created_time read, the ids read just before it), and the next read asks
    # from a little before it (`since`, unix time) and leaves out the ids it read.

    can_read_comments = True
    comment_fields = "id,message,created_time,from,parent,permalink_url"
    read_pages: int = 50  # requests per read at most (a platform that pages forever is cut short)
    read_page_size: int = 100  # comments asked for per request (Graph's most)

    def read_comments(
        self, remote_id: str, *, extra_ids: tuple[str, ...] = (), published_at: datetime | None, since: str | None,
        now: datetime, budget: int = 100,
    ) -> CommentPage:
        """The comments and replies on the Page post and on `extra_ids` (an album's second post), oldest first."""
        objects = [remote_id, *extra_ids]
        for object_id in objects:
            if not POST_ID.match(object_id):
                raise _refused(f"'{said_briefly(object_id)[:40]}' is not a Facebook post id",
                               "the ledger's remote id of this post is not Facebook's: see `socialpub status`")
        stored = answer_object(cursor_of(since).get("marks"))
        marks = {object_id: TimeMark(stored.get(object_id), now) for object_id in objects}
        budget = max(1, budget)
        found: list[Comment] = []
        late: list[Comment] = []  # older than the mark, never read: outside the budget and the mark
        gaps: list[str] = []
        graph = self.graph
        requests_made = 0

        def page(complete: bool) -> CommentPage:
            dumped = {k: v.dump() for k, v in marks.items() if v.dump() is not None}
            return CommentPage(tuple(found + late), cursor_text(marks=dumped), complete, tuple(gaps))

        for object_id in objects:
            mark = marks[object_id]
            params = {"filter": "stream", "order": "chronological", "fields": self.comment_fields,
                      "limit": str(min(self.read_page_size, max(25, budget)))}
            if mark.since is not None:
                params["since"] = str(mark.since)
            while True:
                if len(found) >= budget or requests_made >= self.read_pages:
                    return page(False)
                wait = self.read_wait()  # a used-up window, or Graph's usage near a limit
                if wait is not None:
                    gaps.append(Stop(f"Facebook's rate limits are used up or nearly for {int(wait) + 1} s: the rest "
                                     "is read next time"))
                    return page(False)
                requests_made += 1
                try:
                    answer = self._call(graph.get, f"{object_id}/comments", params,
                                        not_found=f"post {object_id} is not on Facebook any more (deleted there?)")
                except PlatformError as error:
                    if not error.transient and re.search(r"\bcode (10|2\d\d)\b", error.message):  # permissions
                        error.hint = (f"reading comments needs {' and '.join(READ_PERMISSIONS)} on the Page token: "
                                      f"make a new one with them and store it in "
                                      f"{self.channel.credentials.get('page_token')}")
                    if not found or not error.transient:
                        raise
                    gaps.append(stopped_early(error))
                    return page(False)
                for item in answer_objects(answer.get("data")):
                    comment = _comment_of(item)
                    if comment is None:
                        continue
                    when = int(comment.created_at.timestamp()) if comment.created_at else None
                    if comment.id in mark.seen:
                        continue  # read before
                    if not mark.is_new(comment.id, when):
                        # Older than the mark, yet not among the ids read: a slip of the platform or a late listing.
                        # Kept (it would never be asked for again; the inbox knows comments by id).
                        late.append(comment)
                        continue
                    if len(found) >= budget:
                        return page(False)  # not in the mark: it comes next time
                    found.append(comment)
                    mark.add(comment.id, when)
                paging = answer_object(answer.get("paging"))
                after = answer_text(answer_object(paging.get("cursors")).get("after"))
                if not paging.get("next") or not after:
                    break
                if after == params.get("after"):
                    gaps.append(Stop(f"Facebook answered the same page of post {object_id} twice: the rest is read "
                                     "later"))
                    return page(False)
                params["after"] = after
        return page(True)

    def _reading_warnings(self, info: Mapping[str, Any]) -> list[str]:
        """`channels --verify`: the permissions reading comments needs, from debug_token's scopes."""
        scopes = info.get("scopes")
        if not isinstance(scopes, list) or not scopes:
            return []
        missing = [p for p in READ_PERMISSIONS if p not in scopes]
        if not missing:
            return []
        return [f"the token lacks {' and '.join(missing)}: comments on the Page's posts cannot be read (the safety "
                f"inbox); make a Page token with {' and '.join(READ_PERMISSIONS)} and update "
                f"{self.channel.credentials.get('page_token')}"]


READ_PERMISSIONS = ("pages_read_engagement", "pages_read_user_content")  # reading a post's comments and authors


def _facebook_link(value: Any) -> bool:
    """Whether a permalink Graph gave is a facebook.com page a person may be sent to."""
    from urllib.parse import urlsplit

    if not isinstance(value, str) or len(value) > 2048:
        return False
    parts = urlsplit(value)
    host = parts.hostname or ""
    return parts.scheme == "https" and (host == "facebook.com" or host.endswith(".facebook.com"))


def _comment_of(item: Mapping[str, Any]) -> Comment | None:
    """A Graph comment as a Comment; None without an id. One that has neither text nor author is a removed
    comment Graph still shows because replies to it remain."""
    comment_id = answer_text(item.get("id"))
    if not comment_id:
        return None
    author = answer_object(item.get("from"))
    message = item.get("message")
    link = item.get("permalink_url")
    parent = answer_text(answer_object(item.get("parent")).get("id"))
    return Comment(
        id=comment_id,
        text=message if isinstance(message, str) else "",
        author=answer_text(author.get("name")),
        author_id=answer_text(author.get("id")),
        created_at=parse_time(item.get("created_time")),
        url=link if _facebook_link(link) else POST_URL.format(comment_id) if POST_ID.match(comment_id) else None,
        parent_id=parent or None,
        kind="comment",
        deleted="message" not in item and not author,
    )


# --- the Graph client: the only place facebook-sdk is used ---------------------------------------------


class GraphFailure(Exception):
    """An answer of the Graph API that is not a success, independent of the SDK."""

    def __init__(
        self, status: int, body: Any, headers: Mapping[str, str], text: str, *, unreadable: bool
    ) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.text = text
        self.unreadable = unreadable  # a success status whose body is no JSON object
        error = body.get("error") if isinstance(body, dict) else None
        self.error: dict[str, Any] = error if isinstance(error, dict) else {}
        self.code = _int(self.error.get("code"))
        self.subcode = _int(self.error.get("error_subcode"))

    def said(self) -> str:
        """What Graph said, for people: its message, type, codes and trace id."""
        error = self.error
        if error:
            message = str(error.get("message") or "no message")
            user = error.get("error_user_msg")
            if isinstance(user, str) and user and user not in message:
                message = f"{message} {user}"
            bits = [str(error["type"])] if error.get("type") else []
            if self.code is not None:
                bits.append(f"code {self.code}")
            if self.subcode is not None:
                bits.append(f"subcode {self.subcode}")
            if error.get("fbtrace_id"):
                bits.append(f"fbtrace_id {error['fbtrace_id']}")
            return f"{message} ({', '.join(bits)})" if bits else message
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), str):
            return str(self.body["error"])
        text = self.text.strip()
        if text.startswith("<") or "html" in self.headers.get("content-type", ""):
            title = re.search(r"(?is)<title[^>]*>(.*?)</title>", text)
            words = clip(" ".join(re.sub(r"<[^>]+>", " ", title[1] if title else text).split()), 200)
            return f"an HTML page, not a Graph API answer: {words or 'empty'}"
        if isinstance(self.body, dict):  # e.g. a 500 whose body has no `error`: never a success
            return f"no Graph error in the answer: {clip(json.dumps(self.body), 200)}"
        return (
            f"something other than a JSON object: {clip(' '.join(text.split()), 200)}"
            if text
            else "an empty answer"
        )


class _Graph:
    """facebook-sdk's GraphAPI, wrapped: to replace the SDK, rewrite this class (and nothing else)."""

    def __init__(self, session: requests.Session, token: str, version: str) -> None:
        facebook = _facebook()
        self.session = session
        self.version = version
        self.timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)
        self.video_timeout: tuple[float, float] = self.timeout
        self.api = facebook.GraphAPI(access_token=token, timeout=self.timeout, session=session)
        # The constructor refuses versions after "3.1" (VALID_API_VERSIONS); the attribute is not checked and
        # goes into every URL as it is: FACEBOOK_GRAPH_URL + "v21.0/…".
        self.api.version = version
        self._sdk_error = facebook.GraphAPIError

    def post(self, parent: str, edge: str, fields: Mapping[str, str]) -> dict[str, Any]:
        return self._run(lambda: self.api.put_object(parent, edge, **fields))

    def photo(self, page_id: str, media: Media, fields: Mapping[str, str]) -> dict[str, Any]:
        assert media.file is not None
        with media.open() as handle:  # the bytes hashed before the claim, when read then
            # album_path: the default "me/photos" is not the Page's
            return self._run(lambda: self.api.put_photo(handle, album_path=f"{page_id}/photos", **fields))

    def get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        return self._run(lambda: self.api.request(f"{self.version}/{path}", dict(params)))

    def delete(self, object_id: str) -> dict[str, Any]:
        return self._run(lambda: self.api.delete_object(object_id))

    def video(
        self, page_id: str, media: Media, fields: Mapping[str, str], progress: Progress | None = None
    ) -> dict[str, Any]:
        """`POST /{page-id}/videos`, multipart, streamed from disk: the SDK has no video call, and requests
        would build a `files=` body in memory."""
        assert media.file is not None
        body = MultipartFile(
            dict(fields), "source", media.file, media.mime or "application/octet-stream", media, progress
        )
        try:
            response = self.session.post(
                f"{VIDEO_URL}/{self.version}/{page_id}/videos",
                data=body,
                headers={"Content-Type": body.content_type},
                timeout=self.video_timeout,
            )
        except Exception as exc:
            import requests

            if isinstance(exc, requests.ConnectionError) and not body.finished:
                raise _Unsent(exc) from None
            raise
        answer = response.json()
        return answer if isinstance(answer, dict) else {}

    def _run(self, call: Callable[[], Any]) -> dict[str, Any]:
        self.api.timeout = self.timeout
        try:
            result = call()
        except self._sdk_error as exc:  # only what the session hook let through (it raises first)
            body = exc.result if isinstance(exc.result, dict) else {"error": {"message": str(exc.message)}}
            raise GraphFailure(200, body, {}, str(exc.message), unreadable=False) from None
        return result if isinstance(result, dict) else {}


def _facebook() -> Any:
    """facebook-sdk, imported on first use, without the warning its invalid escape "\\d" prints when its
    source is compiled (SyntaxWarning on Python 3.12+, DeprecationWarning before)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import facebook
    return facebook


def _graph_session(endpoint: str | None, token: str, app_secret: str | None) -> requests.Session:
    """A session for Graph: timeouts and the endpoint override (make_session), the token in a header, the
    appsecret_proof on every request, and a response hook that raises on anything but a Graph success."""
    from socialpub.http import make_session

    session = make_session(endpoint)
    session.headers["Authorization"] = f"Bearer {token}"
    proof = appsecret_proof(token, app_secret) if app_secret else None
    send = session.request

    def request(method: str, url: str, **kwargs: Any) -> requests.Response:
        # The SDK adds access_token to the query (GET) or the form (POST): as a header instead, it stays out
        # of URLs, which end up in proxy logs, urllib3's debug log and exception messages.
        params = {
            k: v
            for k, v in dict(kwargs.get("params") or {}).items()
            if not (k == "access_token" and v == token)
        }
        if proof:
            params["appsecret_proof"] = proof
        kwargs["params"] = params
        data = kwargs.get("data")
        if isinstance(data, dict):
            kwargs["data"] = {k: v for k, v in data.items() if not (k == "access_token" and v == token)}
        return send(method, url, **kwargs)

    session.request = request  # type: ignore[method-assign, assignment]
    session.hooks["response"].append(_check_answer)
    return session


def _check_answer(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Raise GraphFailure unless this is a Graph success: a 2xx JSON object without `error`.

    facebook-sdk reads the body only: a 500 without an `error` key would pass as a success, and a 502 HTML
    page raises a message-only error.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    ok = 200 <= response.status_code < 300
    if ok and isinstance(body, dict) and not body.get("error"):
        if "json" not in response.headers.get("content-type", ""):
            # facebook-sdk picks its parser by Content-Type (and fails without one): the body is JSON, so say so.
            response.headers["Content-Type"] = "application/json"
        return
    raise GraphFailure(
        response.status_code,
        body,
        response.headers,
        clip(response.text, 4000),
        unreadable=ok and not isinstance(body, dict),
    )


def appsecret_proof(token: str, app_secret: str) -> str:
    """HMAC-SHA256 of the access token keyed with the app secret (Graph API: Securing requests)."""
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


class _Unsent(Exception):
    """A connection error while the request body was still being sent."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


# --- small helpers --------------------------------------------------------------------------------------


def post_message(rendered: Rendered) -> str:
    """The message as publish() sends it and find() compares it: the rendered text, which already carries a
    photo or video post's link and a link-only post's link (FacebookAdapter.render)."""
    return rendered.text


def _photo_fields(media: Media, message: str, schedule: Mapping[str, str]) -> dict[str, str]:
    fields = dict(schedule)
    if message:
        fields["message"] = message
    if media.alt:
        fields["alt_text_custom"] = media.alt  # Page Photos: accessible description of the image
    return fields


def _readable(media: Media, types: tuple[str, ...], what: str) -> Media:
    if media.data is None and (media.file is None or not media.file.is_file()):
        raise _refused(f"the file '{media.path}' cannot be read", "check the path in the post file")
    if media.mime not in types:
        raise _refused(
            f"Facebook takes a {what} here; '{media.path}' is {media.mime or 'of an unknown type'}",
            f"convert it to a {what}",
        )
    return media


def _refused(message: str, hint: str) -> PlatformError:
    return refused(LABEL, message, hint)


def _id(answer: Mapping[str, Any], key: str) -> str:
    return answer_text(answer.get(key))


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if is_digits(value):
        return int(value)
    return None


def _normal(text: Any) -> str:
    """A message as compared by find(): line ends and surrounding blanks do not count."""
    return str(text or "").replace("\r\n", "\n").strip()


def _when(value: Any) -> datetime | None:
    """Graph times: ISO 8601 with a +0000 offset, or unix seconds (scheduled_publish_time)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC) if 0 <= value < 2**37 else None
    return parse_time(value)


def _human(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{minutes // 60} hours" if minutes < 48 * 60 else f"{minutes // 1440} days"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def graph_usage(headers: Mapping[str, str]) -> tuple[float, float | None]:
    """What Graph's usage headers say: the highest percentage of any limit (call count, total time, CPU time
    of the app, the Page, a business use case), and the longest `estimated_time_to_regain_access` in seconds
    (None when none says). Whatever the headers hold: what is not a plausible number is left out."""
    highest, minutes = 0.0, 0.0

    def plausible(value: Any, most: float) -> float:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and \
            0 < value <= most else 0.0  # NaN, Infinity, 1e999, negatives, strings: no

    for name in USAGE_HEADERS:
        raw = _header(headers, name)
        try:
            usage = json.loads(raw) if raw and len(raw) <= 100_000 else None
        except (ValueError, RecursionError):
            usage = None
        if not isinstance(usage, dict):
            continue
        # the app's and the Page's: one object; a business use case's: lists of objects per business id
        entries = [usage] if name != "x-business-use-case-usage" else [
            entry for value in usage.values() if isinstance(value, list) for entry in value if isinstance(entry, dict)]
        for entry in entries:
            highest = max([highest, *(plausible(entry.get(share), 1000.0) for share in USAGE_SHARES)])
            minutes = max(minutes, plausible(entry.get("estimated_time_to_regain_access"), 24 * 60 - 1))
    return highest, minutes * 60 if minutes else None


def _usage(headers: Mapping[str, str]) -> str:
    """Graph's usage headers, for the message: percentages of the app's and the Page's limits."""
    shown = []
    for name in ("x-app-usage", "x-page-usage", "x-business-use-case-usage"):
        raw = _header(headers, name)
        if raw:
            shown.append(f"{name}: {clip(' '.join(raw.split()), 200)}")
    return "; ".join(shown)
