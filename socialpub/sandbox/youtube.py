"""YouTube in the sandbox: Google's OAuth endpoints and the YouTube Data API v3 subset socialpub uses.

Paths are the real ones (`POST /token`, `GET /o/oauth2/auth`,
`POST /upload/youtube/v3/videos?uploadType=resumable`, `PUT <upload session>`,
`GET|DELETE /youtube/v3/videos`, `GET /youtube/v3/channels`, `GET /youtube/v3/playlistItems`,
`POST /upload/youtube/v3/thumbnails/set`); answers and errors have Google's shapes
(`{"error": {"code", "message", "errors": [{"message", "domain", "reason"}]}}`; OAuth errors
`{"error", "error_description"}`). Resumable uploads follow
https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol: the session answers
`308 Resume Incomplete` with `Range: bytes=0-N` until the last byte, and `PUT` with
`Content-Range: bytes */TOTAL` asks for the session's state. Upload bodies are streamed into sha256 and a
byte count, never kept.

Knobs for tests (attributes of the instance in `Sandbox().platforms`):
- `refresh_token_expires_in`: seconds; when set the token endpoint says so, as Google does for OAuth apps
  left in "Testing" (their refresh tokens die after 7 days: 604800).
- `daily_quota`: units per day (None: unlimited, the default so that benchmarks of 200 uploads can run);
  costs as Google counts them: an upload 1,600, a delete or a thumbnail 50, a list 1. Exhausted:
  403 quotaExceeded until midnight Pacific time.
- `daily_uploads`: uploads a channel may make per 24 h (None: unlimited); beyond: 400 uploadLimitExceeded.
- `audited = False`: uploads are locked private, as for API projects that have not passed Google's audit.
- `has_channel = False`: the signed-in account has no YouTube channel.
- `consent = False`: the person denies consent on the authorization page.

Default rate limits per route (requests, seconds), generous enough for 200 uploads a minute (the fan-out
benchmark): token 600/60, authorize 60/60, videos.insert 600/60, upload chunks 6000/60, videos.list 600/60,
videos.delete 300/60, channels.list 600/60, playlistItems.list 600/60, thumbnails.set 300/60,
commentThreads.list 1800/60 and comments.list 600/60 (the safety inbox's reads). Google publishes
no per-route limits for YouTube (its limit is the daily quota); over one, the answer is Google's
429 RESOURCE_EXHAUSTED / rateLimitExceeded with Retry-After.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape as html_escape
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from socialpub.sandbox.server import ApiError, ExampleChannel, Platform, Request, Response, route

# What `socialpub --sandbox` puts in the credentials: throw-away values the sandbox accepts.
SANDBOX_CREDENTIALS = {
    "client_id": "sandbox-client_id",
    "client_secret": "sandbox-client_secret",
    "refresh_token": "sandbox-refresh_token",
}

SCOPE = "https://www.googleapis.com/auth/"
UPLOAD_SCOPES = frozenset(
    SCOPE + s for s in ("youtube", "youtube.force-ssl", "youtube.upload", "youtubepartner")
)
READ_SCOPES = frozenset(
    SCOPE + s for s in ("youtube", "youtube.force-ssl", "youtube.readonly", "youtubepartner")
)
DELETE_SCOPES = frozenset(SCOPE + s for s in ("youtube", "youtube.force-ssl", "youtubepartner"))
KNOWN_SCOPES = (
    UPLOAD_SCOPES | READ_SCOPES | {SCOPE + "youtubepartner-channel-audit", "openid", "email", "profile"}
)

CHUNK_GRANULARITY = 256 * 1024  # every chunk but the last must be a multiple of 256 KiB
MAX_VIDEO_BYTES = 256 * 1024**3  # discovery document: mediaUpload.maxSize of videos.insert
MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024
ASSIGNABLE_CATEGORIES = frozenset(
    {"1", "2", "10", "15", "17", "19", "20", "22", "23", "24", "25", "26", "27", "28", "29"}
)
VIDEO_PARTS = frozenset(
    {
        "contentDetails",
        "fileDetails",
        "id",
        "liveStreamingDetails",
        "localizations",
        "player",
        "processingDetails",
        "recordingDetails",
        "snippet",
        "statistics",
        "status",
        "suggestions",
        "topicDetails",
    }
)
CHANNEL_PARTS = frozenset(
    {
        "auditDetails",
        "brandingSettings",
        "contentDetails",
        "contentOwnerDetails",
        "id",
        "localizations",
        "snippet",
        "statistics",
        "status",
        "topicDetails",
    }
)
PLAYLIST_ITEM_PARTS = frozenset({"contentDetails", "id", "snippet", "status"})
SNIPPET_WRITABLE = frozenset(
    {"title", "description", "tags", "categoryId", "defaultLanguage", "defaultAudioLanguage"}
)
STATUS_WRITABLE = frozenset(
    {
        "privacyStatus",
        "publishAt",
        "selfDeclaredMadeForKids",
        "license",
        "embeddable",
        "publicStatsViewable",
        "containsSyntheticMedia",
    }
)
PRIVACY = ("public", "unlisted", "private")
HELD_STATUSES = ("heldForReview", "likelySpam")  # comments the owner has not published (moderationStatus)
PACIFIC = ZoneInfo("America/Los_Angeles")  # YouTube's daily quota resets at midnight Pacific time
COSTS = {
    "videos.insert": 1600,
    "videos.delete": 50,
    "thumbnails.set": 50,
    "videos.list": 1,
    "channels.list": 1,
    "playlistItems.list": 1,
    "commentThreads.list": 1,
    "comments.list": 1,
}
COMMENT_THREAD_PARTS = frozenset({"id", "snippet", "replies"})
COMMENT_PARTS = frozenset({"id", "snippet"})
INLINE_REPLIES = 5  # commentThreads.list shows a few replies of each thread; comments.list has them all


@dataclass
class UploadSession:
    id: str
    metadata: dict[str, Any]
    parts: list[str]
    mime: str
    total: int | None
    received: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    video_id: str | None = None
    puts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _now() -> datetime:
    return datetime.now(UTC)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _etag() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(20)).decode().rstrip("=")


def _tags_length(tags: list[str]) -> int:
    # YouTube's own count (as its Studio shows it): a tag with a space is quoted; tags are joined by commas.
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(len(tags) - 1, 0)


class YouTubeSandbox(Platform):
    name = "youtube"
    example_channel = ExampleChannel("sandbox-youtube", ("client_id", "client_secret", "refresh_token"))

    channel_id = "UCsandboxSocialpubChan01"
    channel_title = "socialpub sandbox"

    def __init__(self, sandbox: Any) -> None:
        super().__init__(sandbox)
        self.refresh_token_expires_in: int | None = None
        self.daily_quota: int | None = None
        self.daily_uploads: int | None = None
        self.audited = True
        self.has_channel = True
        self.consent = True
        self.quota_used = 0
        self._quota_day = self._pacific_day()
        self.uploads_today: list[float] = []
        self.sessions: dict[str, UploadSession] = {}
        self.codes: dict[str, dict[str, Any]] = {}  # authorization codes, single use
        self.refresh_tokens: dict[str, frozenset[str]] = {}  # issued by the authorization_code grant → scopes
        self.revoked_refresh_tokens: set[str] = set()
        self.token_scopes: dict[str, frozenset[str]] = {}  # access token → scopes
        # JSON request bodies (with query strings) and success answers, for tests that hold them against the
        # discovery document
        self.bodies: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []

    @property
    def uploads_playlist(self) -> str:
        return "UU" + self.channel_id[2:]

    # --- Google's error shapes ---------------------------------------------------------------------------

    def gerror(
        self,
        status: int,
        reason: str,
        message: str,
        domain: str = "youtube.video",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> ApiError:
        """An error as the YouTube Data API answers it."""
        body: dict[str, Any] = {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason, **extra}],
        }
        google_status = {
            400: "INVALID_ARGUMENT",
            401: "UNAUTHENTICATED",
            403: "PERMISSION_DENIED",
            404: "NOT_FOUND",
            429: "RESOURCE_EXHAUSTED",
            500: "INTERNAL",
            503: "UNAVAILABLE",
        }.get(status)
        if google_status and domain == "global":
            body["status"] = google_status
        return ApiError(status, {"error": body}, headers)

    def error(self, status: int, message: str, **extra: Any) -> ApiError:
        reason = {400: "badRequest", 401: "authError", 403: "forbidden", 404: "notFound"}.get(
            status, "backendError"
        )
        return self.gerror(status, reason, message, "global")

    def unauthorized(self, message: str = "Invalid Credentials") -> ApiError:
        return self.gerror(
            401,
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
            "other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "global",
            headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
            location="Authorization",
            locationType="header",
        )

    def rate_limited(self, reset_in: float, limit: int) -> ApiError:
        wait = max(1, int(reset_in + 0.999))
        return self.gerror(
            429,
            "rateLimitExceeded",
            "Resource has been exhausted (e.g. check quota).",
            "global",
            headers={"Retry-After": str(wait)},
        )

    def oauth_error(self, status: int, error: str, description: str) -> ApiError:
        return ApiError(status, {"error": error, "error_description": description})

    # --- shared checks -------------------------------------------------------------------------------------

    def _auth(self, request: Request, scopes: frozenset[str]) -> str:
        token = request.bearer()
        if not token:
            raise self.gerror(
                401,
                "required",
                "Request is missing required authentication credential. Expected OAuth 2 access token, login "
                "cookie or other valid authentication credential.",
                "global",
                location="Authorization",
                locationType="header",
            )
        if not self.sandbox.valid_token(token):
            raise self.unauthorized()
        granted = self.token_scopes.get(token)
        if granted is not None and not granted & scopes:
            raise self.gerror(
                403, "insufficientPermissions", "Request had insufficient authentication scopes.", "global"
            )
        return token

    def _parts(self, request: Request, allowed: frozenset[str]) -> list[str]:
        raw = request.query.get("part")
        if not raw:
            raise self.gerror(
                400,
                "required",
                "Required parameter: part",
                "global",
                location="part",
                locationType="parameter",
            )
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        for p in parts:
            if p not in allowed:
                raise self.gerror(
                    400, "unknownPart", f"'{p}'", "youtube.part", location="part", locationType="parameter"
                )
        return parts

    @staticmethod
    def _pacific_day() -> str:
        return datetime.now(PACIFIC).date().isoformat()

    def _charge(self, method: str) -> None:
        with self.lock:
            day = self._pacific_day()
            if day != self._quota_day:
                self._quota_day, self.quota_used = day, 0
            cost = COSTS.get(method, 1)
            if self.daily_quota is not None and self.quota_used + cost > self.daily_quota:
                raise self.gerror(
                    403,
                    "quotaExceeded",
                    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/'
                    'getting-started#quota">quota</a>.',
                    "youtube.quota",
                )
            self.quota_used += cost

    def _record(self, name: str, request: Request, body: Any = None) -> None:
        with self.lock:
            self.bodies.append({"route": name, "query": dict(request.query), "body": body})
            del self.bodies[:-1000]

    def _reply(
        self, name: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> Response:
        with self.lock:
            self.answers.append({"route": name, "status": status, "body": body})
            del self.answers[:-1000]
        return Response(status, body, headers or {})

    def _host(self, request: Request) -> str:
        return "http://" + request.headers.get("host", self.sandbox.url.split("://", 1)[1])

    # --- OAuth 2.0 (https://developers.google.com/identity/protocols/oauth2/native-app) ---------------------

    @staticmethod
    def _client_ok(client_id: str | None, client_secret: str | None = "sandbox") -> bool:
        return bool(
            client_id
            and client_secret
            and client_id.startswith("sandbox")
            and client_secret.startswith("sandbox")
        )

    @route("GET", "/o/oauth2/auth", "authorize", limit=(60, 60.0))
    def authorize(self, request: Request) -> Response:
        q = request.query
        redirect = q.get("redirect_uri", "")
        host = urlsplit(redirect).hostname or ""
        problem = None
        if not self._client_ok(q.get("client_id")):
            problem = "invalid_client: The OAuth client was not found."
        elif not redirect.startswith("http://") or host not in ("127.0.0.1", "localhost", "::1"):
            problem = "invalid_request: redirect_uri must be a loopback address for an installed app"
        elif q.get("response_type") != "code":
            problem = "unsupported_response_type"
        elif not q.get("scope") or not set(q["scope"].split()) <= KNOWN_SCOPES:
            problem = f"invalid_scope: Some requested scopes were invalid: {q.get('scope', '')}"
        elif q.get("code_challenge") and q.get("code_challenge_method", "plain") not in ("S256", "plain"):
            problem = "invalid_request: code_challenge_method"
        if problem:  # Google shows an error page to the person; nothing goes back to the app
            page = f"<html><body><h1>Error 400: {problem.split(':')[0]}</h1><p>{problem}</p></body></html>"
            return Response(400, page.encode(), {"Content-Type": "text/html; charset=utf-8"})
        params: dict[str, str] = {}
        if q.get("state"):
            params["state"] = q["state"]
        if not self.consent:
            params["error"] = "access_denied"
        else:
            code = "4/sbx-" + secrets.token_urlsafe(24)
            with self.lock:
                self.codes[code] = {
                    "client_id": q["client_id"],
                    "redirect_uri": redirect,
                    "scopes": frozenset(q["scope"].split()),
                    "challenge": q.get("code_challenge"),
                    "method": q.get("code_challenge_method", "plain"),
                    "expires": time.time() + 600,
                }
            params.update(code=code, scope=q["scope"])
        separator = "&" if "?" in redirect else "?"
        return Response(302, b"", {"Location": redirect + separator + urlencode(params)})

    @route("POST", "/token", "token", limit=(600, 60.0))
    def token(self, request: Request) -> Response:
        form = request.form()
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):  # requests-oauthlib sends the client as HTTP Basic
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                user, password = "", ""
            client_id, client_secret = unquote(user), unquote(password)
        if not self._client_ok(client_id, client_secret):
            raise self.oauth_error(401, "invalid_client", "The OAuth client was not found.")
        grant = form.get("grant_type")
        if grant == "refresh_token":
            refresh = form.get("refresh_token", "")
            with self.lock:
                scopes = self.refresh_tokens.get(refresh)
                if (
                    scopes is None
                    and refresh.startswith("sandbox")
                    and refresh not in self.revoked_refresh_tokens
                ):
                    scopes = UPLOAD_SCOPES | READ_SCOPES
            if scopes is None:
                raise self.oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            return Response(200, self._issue(scopes))
        if grant == "authorization_code":
            with self.lock:
                grant_info = self.codes.pop(form.get("code", ""), None)
            if grant_info is None or grant_info["expires"] < time.time():
                raise self.oauth_error(400, "invalid_grant", "Malformed auth code.")
            if grant_info["client_id"] != client_id or grant_info["redirect_uri"] != form.get("redirect_uri"):
                raise self.oauth_error(400, "redirect_uri_mismatch", "Bad Request")
            if grant_info["challenge"]:
                verifier = form.get("code_verifier", "")
                if grant_info["method"] == "S256":
                    computed = (
                        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                        .decode()
                        .rstrip("=")
                    )
                else:
                    computed = verifier
                if computed != grant_info["challenge"]:
                    raise self.oauth_error(400, "invalid_grant", "Invalid code verifier.")
            refresh = "1//sbx-" + secrets.token_urlsafe(32)
            with self.lock:
                self.refresh_tokens[refresh] = grant_info["scopes"]
            return Response(200, {**self._issue(grant_info["scopes"]), "refresh_token": refresh})
        raise self.oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant or ''}")

    def _issue(self, scopes: frozenset[str]) -> dict[str, Any]:
        access = "ya29.sbx-" + secrets.token_urlsafe(32)
        with self.lock:
            self.sandbox.tokens.add(access)
            self.token_scopes[access] = scopes
        answer: dict[str, Any] = {
            "access_token": access,
            "expires_in": 3599,
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",
        }
        if self.refresh_token_expires_in is not None:
            answer["refresh_token_expires_in"] = self.refresh_token_expires_in
        return answer

    # --- videos.insert: resumable upload --------------------------------------------------------------------

    @route("POST", "/upload/youtube/v3/videos", "videos.insert", limit=(600, 60.0))
    def insert(self, request: Request) -> Response:
        if request.query.get("uploadType") != "resumable":
            raise self.gerror(
                400,
                "badRequest",
                "The socialpub sandbox takes videos with uploadType=resumable only",
                "global",
            )
        parts = self._parts(request, VIDEO_PARTS)
        self._auth(request, UPLOAD_SCOPES)
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if request.length and kind != "application/json":
            raise self.gerror(
                400, "badContent", f"Unsupported content type for the video resource: {kind}", "global"
            )
        metadata = request.json() if request.length else {}
        self._record("videos.insert", request, metadata)
        if not isinstance(metadata, dict):
            raise self.gerror(
                400, "badRequest", "Invalid JSON payload received. Expected an object.", "global"
            )
        upload_type = request.headers.get("x-upload-content-type", "application/octet-stream")
        if not (upload_type.startswith("video/") or upload_type == "application/octet-stream"):
            raise self.gerror(
                400,
                "badContent",
                f"Media type '{upload_type}' is not supported. Valid media types: "
                "[video/*, application/octet-stream]",
                "global",
            )
        total = None
        if "x-upload-content-length" in request.headers:
            try:
                total = int(request.headers["x-upload-content-length"])
            except ValueError:
                raise self.gerror(
                    400, "badRequest", "X-Upload-Content-Length is not a number", "global"
                ) from None
            if total > MAX_VIDEO_BYTES:
                raise self.gerror(413, "uploadTooLarge", "Media larger than 256 GB", "global")
        self._validate_video(metadata, parts)
        with self.lock:
            cutoff = time.time() - 86400
            self.uploads_today = [t for t in self.uploads_today if t > cutoff]
            if self.daily_uploads is not None and len(self.uploads_today) >= self.daily_uploads:
                raise self.gerror(
                    400, "uploadLimitExceeded", "The user has exceeded the number of videos they may upload."
                )
        self._charge("videos.insert")
        session = UploadSession(
            id="sbx" + secrets.token_urlsafe(18),
            metadata=metadata,
            parts=parts,
            mime=upload_type,
            total=total,
        )
        with self.lock:
            self.sessions[session.id] = session
            self.uploads_today.append(time.time())
        query = urlencode({"uploadType": "resumable", "part": ",".join(parts), "upload_id": session.id})
        location = f"{self._host(request)}/upload/youtube/v3/videos?{query}"
        return Response(200, b"", {"Location": location, "X-GUploader-UploadID": session.id})

    def _validate_video(self, video: dict[str, Any], parts: list[str]) -> None:
        """YouTube's rules for a new video's metadata (videos resource reference, videos.insert errors)."""
        for key in video:
            if key not in ("snippet", "status", "recordingDetails", "localizations", "kind", "id", "etag"):
                raise self.gerror(
                    400,
                    "badRequest",
                    f'Invalid JSON payload received. Unknown name "{key}" at '
                    "'resource': Cannot find field.",
                    "global",
                )
        snippet = video.get("snippet") if "snippet" in parts else None
        status = video.get("status") if "status" in parts else None
        if not isinstance(snippet, dict):
            raise self.gerror(
                400, "invalidTitle", "The request metadata specifies an invalid or empty video title."
            )
        for name, value, known in (
            ("snippet", snippet, SNIPPET_WRITABLE),
            ("status", status or {}, STATUS_WRITABLE),
        ):
            if not isinstance(value, dict):
                raise self.gerror(
                    400, "invalidVideoMetadata", f"The request metadata is invalid: {name} is not an object."
                )
            for key in value:
                if key not in known:
                    raise self.gerror(
                        400,
                        "badRequest",
                        f'Invalid JSON payload received. Unknown name "{key}" at '
                        f"'resource.{name}': Cannot find field.",
                        "global",
                    )
        title = snippet.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 100 or re.search("[<>]", title):
            raise self.gerror(
                400, "invalidTitle", "The request metadata specifies an invalid or empty video title."
            )
        description = snippet.get("description", "")
        if (
            not isinstance(description, str)
            or len(description.encode("utf-8")) > 5000
            or re.search("[<>]", description)
        ):
            raise self.gerror(
                400, "invalidDescription", "The request metadata specifies an invalid video description."
            )
        tags = snippet.get("tags", [])
        if (
            not isinstance(tags, list)
            or not all(isinstance(t, str) for t in tags)
            or _tags_length(tags) > 500
            or any(re.search("[<>]", t) for t in tags)
        ):
            raise self.gerror(400, "invalidTags", "The request metadata specifies invalid video keywords.")
        category = snippet.get("categoryId")
        if category is not None and category not in ASSIGNABLE_CATEGORIES:
            raise self.gerror(
                400, "invalidCategoryId", "The snippet.categoryId property specifies an invalid category ID."
            )
        status = status or {}
        privacy = status.get("privacyStatus", "public")
        if privacy not in PRIVACY:
            raise self.gerror(
                400,
                "invalidVideoMetadata",
                f"The request metadata is invalid: status.privacyStatus must be one of {', '.join(PRIVACY)}",
            )
        for flag in (
            "selfDeclaredMadeForKids",
            "embeddable",
            "publicStatsViewable",
            "containsSyntheticMedia",
        ):
            if flag in status and not isinstance(status[flag], bool):
                raise self.gerror(
                    400,
                    "invalidVideoMetadata",
                    f"The request metadata is invalid: status.{flag} must be a boolean",
                )
        if "publishAt" in status:
            try:
                when = datetime.fromisoformat(str(status["publishAt"]).replace("Z", "+00:00"))
            except ValueError:
                when = None
            if when is None or when.tzinfo is None or privacy != "private" or when <= _now():
                # "It can be set only if the privacy status of the video is private" (VideoStatus.publishAt)
                raise self.gerror(
                    400,
                    "invalidPublishAt",
                    "The request metadata specifies an invalid scheduled publishing time.",
                )

    @route("PUT", "/upload/youtube/v3/videos", "videos.upload", limit=(6000, 60.0))
    def upload(self, request: Request) -> Response:
        # The session URI carries its own authority (upload_id), as Google's does: no token is needed here.
        session = self.sessions.get(request.query.get("upload_id", ""))
        if session is None:
            raise self.gerror(404, "notFound", "Not Found: no such upload session", "global")
        if not session.lock.acquire(timeout=30):
            raise self.gerror(
                503, "backendError", "Another request is writing to this upload session", "global"
            )
        try:
            session.puts += 1
            return self._upload_put(session, request)
        finally:
            session.lock.release()

    def _upload_put(self, session: UploadSession, request: Request) -> Response:
        header = request.headers.get("content-range", "").strip()
        status_query = re.fullmatch(r"bytes \*/(\d+|\*)", header)
        if status_query:
            if (
                status_query.group(1) != "*"
                and session.total is not None
                and int(status_query.group(1)) != session.total
            ):
                raise self.gerror(
                    400, "badRequest", "Content-Range total does not match the upload's size", "global"
                )
            if session.video_id is not None:
                return self._reply(
                    "videos.insert", 200, self._video_view(self._video(session), session.parts)
                )
            return self._incomplete(session)
        if header:
            m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", header)
            if not m:
                raise self.gerror(400, "badRequest", f"Invalid Content-Range header: {header}", "global")
            first, last = int(m.group(1)), int(m.group(2))
            total = None if m.group(3) == "*" else int(m.group(3))
        else:  # the whole file in one request
            first, last, total = 0, request.length - 1, request.length
        if last < first or request.length != last - first + 1:
            raise self.gerror(400, "badRequest", "Content-Length does not match Content-Range", "global")
        if total is not None:
            if session.total is not None and total != session.total:
                raise self.gerror(
                    400, "badRequest", "Content-Range total does not match the upload's size", "global"
                )
            session.total = total
        final = session.total is not None and last + 1 >= session.total
        if session.total is not None and last + 1 > session.total:
            raise self.gerror(400, "badRequest", "Content-Range goes past the end of the upload", "global")
        if not final and (last - first + 1) % CHUNK_GRANULARITY:
            raise self.gerror(
                400,
                "badRequest",
                "Chunk size must be a multiple of 256 KiB (262144 bytes) except for the last chunk",
                "global",
            )
        if session.video_id is not None:  # already complete: say so again
            return self._reply("videos.insert", 200, self._video_view(self._video(session), session.parts))
        if first > session.received:  # a gap: tell the client where to resume (the core drains the body)
            return self._incomplete(session)
        skip = session.received - first  # bytes of this chunk the session already holds (a resent chunk)
        for block in request.chunks():
            if skip:
                if len(block) <= skip:
                    skip -= len(block)
                    continue
                block, skip = block[skip:], 0
            session.digest.update(block)
            session.received += len(block)  # kept as it arrives: a connection cut mid-chunk keeps what came
        if session.total is not None and session.received >= session.total:
            return self._reply("videos.insert", 201, self._video_view(self._finish(session), session.parts))
        return self._incomplete(session)

    def _video(self, session: UploadSession) -> dict[str, Any]:
        video = self.kept("videos").get(session.video_id or "")
        if video is None:  # finished, then deleted
            raise self.gerror(
                404, "notFound", "Not Found: the video of this upload session was deleted", "global"
            )
        return video

    @staticmethod
    def _incomplete(session: UploadSession) -> Response:
        headers = {"X-GUploader-UploadID": session.id}
        if session.received:
            headers["Range"] = f"bytes=0-{session.received - 1}"
        return Response(308, b"", headers)

    def _finish(self, session: UploadSession) -> dict[str, Any]:
        meta = session.metadata
        snippet, status = dict(meta.get("snippet") or {}), dict(meta.get("status") or {})
        video_id = base64.urlsafe_b64encode(secrets.token_bytes(9)).decode()[:11]
        now = _rfc3339(_now())
        title, description = snippet.get("title", ""), snippet.get("description", "")
        privacy = status.get("privacyStatus", "public")  # YouTube's default when none is given
        if not self.audited:
            privacy = "private"  # unverified API projects: uploads are locked private
        video: dict[str, Any] = {
            "kind": "youtube#video",
            "etag": _etag(),
            "id": video_id,
            "snippet": {
                "publishedAt": now,
                "channelId": self.channel_id,
                "title": title,
                "description": description,
                "thumbnails": self._thumbnails(video_id),
                "channelTitle": self.channel_title,
                **({"tags": list(snippet["tags"])} if snippet.get("tags") else {}),
                "categoryId": snippet.get("categoryId", "22"),
                "liveBroadcastContent": "none",
                "localized": {"title": title, "description": description},
            },
            "status": {
                "uploadStatus": "uploaded",
                "privacyStatus": privacy,
                **(
                    {
                        "publishAt": _rfc3339(
                            datetime.fromisoformat(status["publishAt"].replace("Z", "+00:00"))
                        )
                    }
                    if "publishAt" in status
                    else {}
                ),
                "license": status.get("license", "youtube"),
                "embeddable": status.get("embeddable", True),
                "publicStatsViewable": status.get("publicStatsViewable", True),
                "madeForKids": bool(status.get("selfDeclaredMadeForKids", False)),
                **(
                    {"selfDeclaredMadeForKids": status["selfDeclaredMadeForKids"]}
                    if "selfDeclaredMadeForKids" in status
                    else {}
                ),
            },
            "fileDetails": {"fileSize": str(session.received), "fileType": "video"},
            # sandbox-only (never served): what arrived, for tests
            "_size": session.received,
            "_sha256": session.digest.hexdigest(),
            "_mimeType": session.mime,
            "_uploadId": session.id,
            "_seq": int(self.new_id()),  # upload order (publishedAt has whole seconds)
        }
        self.keep("videos", video)
        session.video_id = video_id
        self.sandbox.created(self, video_id)  # comments="demo": people start commenting
        return video

    @staticmethod
    def _thumbnails(video_id: str) -> dict[str, Any]:
        base = f"https://i.ytimg.com/vi/{video_id}"
        return {
            "default": {"url": f"{base}/default.jpg", "width": 120, "height": 90},
            "medium": {"url": f"{base}/mqdefault.jpg", "width": 320, "height": 180},
            "high": {"url": f"{base}/hqdefault.jpg", "width": 480, "height": 360},
        }

    @staticmethod
    def _video_view(video: dict[str, Any], parts: list[str]) -> dict[str, Any]:
        """The resource as the API shows it: kind, etag, id and the requested parts; no sandbox-only keys."""
        view = {"kind": video["kind"], "etag": video["etag"], "id": video["id"]}
        for part in parts:
            if part in video and not part.startswith("_"):
                view[part] = json.loads(json.dumps(video[part]))
        return view

    # --- videos.list / videos.delete ------------------------------------------------------------------------

    @route("GET", "/youtube/v3/videos", "videos.list", limit=(600, 60.0))
    def list_videos(self, request: Request) -> Response:
        parts = self._parts(request, VIDEO_PARTS)
        self._auth(request, READ_SCOPES)
        if "id" not in request.query:
            raise self.gerror(
                400,
                "missingRequiredParameter",
                "No filter selected. Expected one of: id, myRating, chart (the sandbox serves id)",
                "youtube.parameter",
            )
        self._charge("videos.list")
        kept = self.kept("videos")
        ids = [i for i in request.query["id"].split(",") if i]
        items = [self._video_view(kept[i], parts) for i in ids if i in kept]
        return self._reply(
            "videos.list",
            200,
            {
                "kind": "youtube#videoListResponse",
                "etag": _etag(),
                "items": items,
                "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
            },
        )

    @route("DELETE", "/youtube/v3/videos", "videos.delete", limit=(300, 60.0))
    def delete_video(self, request: Request) -> Response:
        self._auth(request, DELETE_SCOPES)
        video_id = request.query.get("id")
        if not video_id:
            raise self.gerror(
                400, "required", "Required parameter: id", "global", location="id", locationType="parameter"
            )
        self._charge("videos.delete")
        with self.lock:
            gone = self.kept("videos").pop(video_id, None)
        if gone is None:
            raise self.gerror(
                404,
                "videoNotFound",
                "The video that you are trying to delete cannot be found. Check "
                "the value of the <code>id</code> parameter in the request.",
            )
        return Response(204)

    # --- channels.list / playlistItems.list -----------------------------------------------------------------

    @route("GET", "/youtube/v3/channels", "channels.list", limit=(600, 60.0))
    def list_channels(self, request: Request) -> Response:
        parts = self._parts(request, CHANNEL_PARTS)
        self._auth(request, READ_SCOPES)
        filters = [
            k
            for k in ("mine", "id", "forHandle", "forUsername", "managedByMe", "categoryId")
            if k in request.query
        ]
        if len(filters) != 1:
            raise self.gerror(
                400,
                "incompatibleParameters" if filters else "missingRequiredParameter",
                "Exactly one of mine, id, forHandle, forUsername, managedByMe must be given "
                "(the sandbox serves mine and id)",
                "youtube.parameter",
            )
        self._charge("channels.list")
        mine = request.query.get("mine") == "true" or request.query.get("id") == self.channel_id
        items = [self._channel(parts)] if mine and self.has_channel else []
        answer: dict[str, Any] = {
            "kind": "youtube#channelListResponse",
            "etag": _etag(),
            "pageInfo": {"totalResults": len(items), "resultsPerPage": 5},
        }
        if items:  # Google leaves `items` out when there is none
            answer["items"] = items
        return self._reply("channels.list", 200, answer)

    def _channel(self, parts: list[str]) -> dict[str, Any]:
        full = {
            "snippet": {
                "title": self.channel_title,
                "description": "A simulated channel for socialpub's tests.",
                "customUrl": "@socialpubsandbox",
                "publishedAt": "2014-06-01T12:00:00Z",
                "thumbnails": {
                    "default": {"url": "https://yt3.ggpht.com/sandbox=s88", "width": 88, "height": 88}
                },
                "localized": {
                    "title": self.channel_title,
                    "description": "A simulated channel for socialpub's tests.",
                },
            },
            "contentDetails": {"relatedPlaylists": {"likes": "LL", "uploads": self.uploads_playlist}},
        }
        channel: dict[str, Any] = {"kind": "youtube#channel", "etag": _etag(), "id": self.channel_id}
        for part in parts:
            if part in full:
                channel[part] = full[part]
        return channel

    @route("GET", "/youtube/v3/playlistItems", "playlistItems.list", limit=(600, 60.0))
    def list_playlist_items(self, request: Request) -> Response:
        parts = self._parts(request, PLAYLIST_ITEM_PARTS)
        self._auth(request, READ_SCOPES)
        playlist = request.query.get("playlistId")
        if not playlist:
            raise self.gerror(
                400,
                "missingRequiredParameter",
                "No filter selected. Expected one of: playlistId, id",
                "youtube.parameter",
            )
        if playlist != self.uploads_playlist or not self.has_channel:
            raise self.gerror(
                404,
                "playlistNotFound",
                "The playlist identified with the request's <code>playlistId"
                "</code> parameter cannot be found.",
                "youtube.playlistItem",
                location="playlistId",
                locationType="parameter",
            )
        try:
            size = int(request.query.get("maxResults", "5"))
        except ValueError:
            size = -1
        if not 0 <= size <= 50:
            raise self.gerror(400, "invalidValue", "Invalid value for maxResults: must be 0 to 50", "global")
        token = request.query.get("pageToken", "")
        offset = 0
        if token:
            m = re.fullmatch(r"sbxP(\d+)", token)
            if not m:
                raise self.gerror(
                    400, "invalidPageToken", "The request specifies an invalid page token.", "global"
                )
            offset = int(m.group(1))
        self._charge("playlistItems.list")
        with self.lock:  # an uploads playlist lists the newest upload first
            videos = sorted(self.kept("videos").values(), key=lambda v: v["_seq"], reverse=True)
        page = videos[offset : offset + size]
        items = [self._playlist_item(v, offset + i, parts) for i, v in enumerate(page)]
        answer: dict[str, Any] = {
            "kind": "youtube#playlistItemListResponse",
            "etag": _etag(),
            "items": items,
            "pageInfo": {"totalResults": len(videos), "resultsPerPage": size},
        }
        if offset + size < len(videos):
            answer["nextPageToken"] = f"sbxP{offset + size}"
        if offset:
            answer["prevPageToken"] = f"sbxP{max(0, offset - size)}"
        return self._reply("playlistItems.list", 200, answer)

    def _playlist_item(self, video: dict[str, Any], position: int, parts: list[str]) -> dict[str, Any]:
        snippet = video["snippet"]
        full = {
            "snippet": {
                "publishedAt": snippet["publishedAt"],
                "channelId": self.channel_id,
                "title": snippet["title"],
                "description": snippet["description"],
                "thumbnails": snippet["thumbnails"],
                "channelTitle": self.channel_title,
                "playlistId": self.uploads_playlist,
                "position": position,
                "resourceId": {"kind": "youtube#video", "videoId": video["id"]},
                "videoOwnerChannelTitle": self.channel_title,
                "videoOwnerChannelId": self.channel_id,
            },
            "contentDetails": {"videoId": video["id"], "videoPublishedAt": snippet["publishedAt"]},
            "status": {"privacyStatus": video["status"]["privacyStatus"]},
        }
        item_id = (
            base64.urlsafe_b64encode(f"{self.uploads_playlist}.{video['id']}".encode()).decode().rstrip("=")
        )
        item: dict[str, Any] = {"kind": "youtube#playlistItem", "etag": _etag(), "id": item_id}
        for part in parts:
            if part in full:
                item[part] = full[part]
        return item

    # --- thumbnails.set -------------------------------------------------------------------------------------

    @route("POST", "/upload/youtube/v3/thumbnails/set", "thumbnails.set", limit=(300, 60.0))
    def set_thumbnail(self, request: Request) -> Response:
        self._auth(request, UPLOAD_SCOPES)
        video_id = request.query.get("videoId")
        if not video_id:
            raise self.gerror(
                400,
                "required",
                "Required parameter: videoId",
                "global",
                location="videoId",
                locationType="parameter",
            )
        if request.query.get("uploadType", "media") != "media":
            raise self.gerror(
                400,
                "badRequest",
                "The socialpub sandbox takes thumbnails with uploadType=media only",
                "global",
            )
        video = self.kept("videos").get(video_id)
        if video is None:
            raise self.gerror(
                404,
                "videoNotFound",
                'The video identified by the <code><a href="/youtube/v3/docs/'
                'thumbnails/set#videoId">videoId</a></code> parameter could not be found.',
            )
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if kind not in ("image/jpeg", "image/png", "application/octet-stream"):
            raise self.gerror(
                400,
                "mediaBodyRequired" if not kind else "invalidImage",
                f"Media type '{kind}' is not supported. Valid media types: [image/jpeg, image/png, "
                "application/octet-stream]",
                "youtube.thumbnail",
            )
        if request.length > MAX_THUMBNAIL_BYTES:
            raise self.gerror(
                400,
                "mediaBodyTooLarge",
                "The thumbnail image file is too large (2 MB at most).",
                "youtube.thumbnail",
            )
        digest, size, head = hashlib.sha256(), 0, b""
        for block in request.chunks():
            digest.update(block)
            size += len(block)
            head = (head + block)[:16] if len(head) < 16 else head
        if not (head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n")):
            raise self.gerror(
                400, "invalidImage", "The provided image content is invalid.", "youtube.thumbnail"
            )
        self._charge("thumbnails.set")
        with self.lock:
            video["_thumbnail"] = {"size": size, "sha256": digest.hexdigest(), "mimeType": kind}
            base = f"https://i.ytimg.com/vi/{video_id}"
            thumbs = {
                "default": {"url": f"{base}/default.jpg?sqp=custom", "width": 120, "height": 90},
                "medium": {"url": f"{base}/mqdefault.jpg?sqp=custom", "width": 320, "height": 180},
                "high": {"url": f"{base}/hqdefault.jpg?sqp=custom", "width": 480, "height": 360},
            }
            video["snippet"]["thumbnails"] = thumbs
        return self._reply(
            "thumbnails.set",
            200,
            {"kind": "youtube#thumbnailSetResponse", "etag": _etag(), "items": [thumbs]},
        )

    # --- comments (the safety inbox reads them) -------------------------------------------------------------
    # commentThreads.list by videoId (newest first with order=time; `replies` shows at most INLINE_REPLIES of a
    # thread) and comments.list by parentId (a thread's replies, oldest first), 1 quota unit each. A deleted
    # comment is gone, and so are the replies of a deleted thread. `comments_disabled`: video ids whose
    # comments are turned off (403 commentsDisabled). A comment seeded `held` (heldForReview, likelySpam) is
    # served only by commentThreads.list with that moderationStatus, to the owner (`held_forbidden`: not).

    comments_disabled: frozenset[str] = frozenset()
    held_forbidden = False  # True: the sign-in is not the channel's owner, who alone may list held comments

    def seed_comment(self, *, on: str | None, text: str, author: str, created: float, parent: str | None,
                     deleted: bool, held: str | None = None) -> dict[str, Any]:
        """`held`: "heldForReview" or "likelySpam", a comment the channel's owner has not published (served
        only by commentThreads.list with that moderationStatus); `publish_held` publishes it."""
        if held not in (None, *HELD_STATUSES):
            raise ValueError(f"held must be one of {', '.join(HELD_STATUSES)}")
        with self.lock:
            comments = self.kept("comments")
            if parent is not None:
                if parent not in comments:
                    raise ValueError(f"no comment {parent} in the sandbox")
                top = comments[parent]
                parent = top["parentId"] or top["id"]  # one level of replies, as YouTube has
                on = top["videoId"]
            if on not in self.kept("videos"):
                raise ValueError(f"no video {on} in the sandbox")
            handle = "@" + re.sub(r"[^A-Za-z0-9_.-]", "", author.lstrip("@"))[:30]
            suffix = base64.urlsafe_b64encode(secrets.token_bytes(15)).decode().replace("-", "A").replace("_", "B")
            return self.keep("comments", {
                "id": f"{parent}.{suffix[:22]}" if parent else "Ugz" + suffix[:23],
                "videoId": on,
                "text": text,
                "author": handle if handle != "@" else author,
                "authorChannelId": "UC" + hashlib.sha256(author.encode()).hexdigest()[:22],
                "created": created,
                "parentId": parent,
                "deleted": deleted,
                "held": held,
                "_seq": int(self.new_id()),
            })

    def publish_held(self, comment_id: str) -> None:
        """The owner publishes a held comment: from now on it is served like any other."""
        with self.lock:
            self.kept("comments")[comment_id]["held"] = None

    def comment_resource(self, comment: dict[str, Any], parts: list[str], html_text: bool) -> dict[str, Any]:
        when = _rfc3339(datetime.fromtimestamp(comment["created"], UTC))
        text = comment["text"]
        snippet: dict[str, Any] = {
            "channelId": self.channel_id,
            "textDisplay": (html_escape(text).replace("\n", "<br>") if html_text else text),
            "textOriginal": text,
            "authorDisplayName": comment["author"],
            "authorProfileImageUrl": "https://yt3.ggpht.com/ytc/sandbox=s48",
            "authorChannelUrl": f"http://www.youtube.com/{comment['author']}",
            "authorChannelId": {"value": comment["authorChannelId"]},
            "canRate": True,
            "viewerRating": "none",
            "likeCount": 0,
            "publishedAt": when,
            "updatedAt": when,
        }
        if comment["parentId"]:
            snippet["parentId"] = comment["parentId"]
        else:
            snippet["videoId"] = comment["videoId"]
        out: dict[str, Any] = {"kind": "youtube#comment", "etag": _etag(), "id": comment["id"]}
        if "snippet" in parts:
            out["snippet"] = snippet
        return out

    def _list_args(self, request: Request, prefix: str) -> tuple[int, int, bool]:
        """maxResults, the offset of pageToken, and whether textFormat is html."""
        try:
            size = int(request.query.get("maxResults", "20"))
        except ValueError:
            size = -1
        if not 1 <= size <= 100:
            raise self.gerror(400, "invalidValue", "Invalid value for maxResults: must be 1 to 100", "global")
        offset = 0
        token = request.query.get("pageToken", "")
        if token:
            m = re.fullmatch(prefix + r"(\d+)", token)
            if not m:
                raise self.gerror(400, "invalidPageToken", "The request specifies an invalid page token.", "global")
            offset = int(m.group(1))
        text_format = request.query.get("textFormat", "html")
        if text_format not in ("html", "plainText"):
            raise self.gerror(400, "invalidValue", f"Invalid value for textFormat: {text_format}", "global")
        return size, offset, text_format == "html"

    # 1800 a minute: a watch lists each video's threads three times (published, held for review, likely spam)
    @route("GET", "/youtube/v3/commentThreads", "commentThreads.list", limit=(1800, 60.0))
    def list_comment_threads(self, request: Request) -> Response:
        parts = self._parts(request, COMMENT_THREAD_PARTS)
        self._auth(request, READ_SCOPES)
        video_id = request.query.get("videoId")
        if not video_id:
            raise self.gerror(400, "missingRequiredParameter",
                              "No filter selected. Expected one of: videoId, allThreadsRelatedToChannelId, "
                              "channelId, id (the sandbox serves videoId)", "youtube.parameter")
        if request.query.get("order", "time") not in ("time", "relevance"):
            raise self.gerror(400, "invalidValue", "Invalid value for order", "global")
        status = request.query.get("moderationStatus", "published")
        if status not in ("published", *HELD_STATUSES):
            raise self.gerror(400, "invalidValue", f"Invalid value for moderationStatus: {status}", "global")
        size, offset, html_text = self._list_args(request, "sbxT")
        if video_id not in self.kept("videos"):
            raise self.gerror(404, "videoNotFound", "The video identified by the <code><a href=\"/youtube/v3/docs/"
                              "commentThreads/list#videoId\">videoId</a></code> parameter could not be found.",
                              "youtube.commentThread", location="videoId", locationType="parameter")
        if video_id in self.comments_disabled:
            raise self.gerror(403, "commentsDisabled", "The video identified by the <code><a href=\"/youtube/v3/"
                              "docs/commentThreads/list#videoId\">videoId</a></code> parameter has disabled "
                              "comments.", "youtube.commentThread", location="videoId", locationType="parameter")
        if status != "published" and self.held_forbidden:
            raise self.gerror(403, "forbidden", "The request is not properly authorized to retrieve the specified "
                              "comment threads.", "youtube.commentThread")
        self._charge("commentThreads.list")
        with self.lock:
            live = [c for c in self.kept("comments").values() if c["videoId"] == video_id and not c["deleted"]]
        # What the owner has not published is served only when its moderation status is asked for (and then
        # threads of that status alone); a reply held is not served with its thread.
        held = None if status == "published" else status
        live = [c for c in live if c.get("held") == held or (held and c["parentId"] and not c.get("held"))]
        threads = sorted((c for c in live if not c["parentId"] and c.get("held") == held),
                         key=lambda c: (c["created"], c["_seq"]), reverse=True)
        page = threads[offset : offset + size]
        items = []
        for top in page:
            replies = sorted((c for c in live if c["parentId"] == top["id"]), key=lambda c: (c["created"], c["_seq"]))
            item: dict[str, Any] = {"kind": "youtube#commentThread", "etag": _etag(), "id": top["id"]}
            if "snippet" in parts:
                item["snippet"] = {
                    "channelId": self.channel_id,
                    "videoId": video_id,
                    "topLevelComment": self.comment_resource(top, ["snippet"], html_text),
                    "canReply": True,
                    "totalReplyCount": len(replies),
                    "isPublic": held is None,
                }
            if "replies" in parts and replies:
                item["replies"] = {"comments": [self.comment_resource(r, ["snippet"], html_text)
                                                for r in replies[:INLINE_REPLIES]]}
            items.append(item)
        answer: dict[str, Any] = {
            "kind": "youtube#commentThreadListResponse",
            "etag": _etag(),
            "pageInfo": {"totalResults": len(page), "resultsPerPage": size},
            "items": items,
        }
        if offset + size < len(threads):
            answer["nextPageToken"] = f"sbxT{offset + size}"
        return self._reply("commentThreads.list", 200, answer)

    @route("GET", "/youtube/v3/comments", "comments.list", limit=(600, 60.0))
    def list_comments(self, request: Request) -> Response:
        parts = self._parts(request, COMMENT_PARTS)
        self._auth(request, READ_SCOPES)
        parent = request.query.get("parentId")
        if not parent:
            raise self.gerror(400, "missingRequiredParameter",
                              "No filter selected. Expected one of: id, parentId (the sandbox serves parentId)",
                              "youtube.parameter")
        size, offset, html_text = self._list_args(request, "sbxR")
        with self.lock:
            comments = self.kept("comments")
            top = comments.get(parent)
            if top is None or top["deleted"]:
                raise self.gerror(404, "commentNotFound", "The comment identified by the <code>parentId</code> "
                                  "parameter could not be found.", "youtube.comment", location="parentId",
                                  locationType="parameter")
            replies = sorted((c for c in comments.values() if c["parentId"] == parent and not c["deleted"]
                              and not c.get("held")), key=lambda c: (c["created"], c["_seq"]))
        self._charge("comments.list")
        page = replies[offset : offset + size]
        answer: dict[str, Any] = {
            "kind": "youtube#commentListResponse",
            "etag": _etag(),
            "pageInfo": {"totalResults": len(page), "resultsPerPage": size},
            "items": [self.comment_resource(r, parts, html_text) for r in page],
        }
        if offset + size < len(replies):
            answer["nextPageToken"] = f"sbxR{offset + size}"
        return self._reply("comments.list", 200, answer)


def sandbox_of(box: Any) -> YouTubeSandbox:
    """The YouTube platform of a running `Sandbox`, to turn its knobs in tests."""
    return next(p for p in box.platforms if isinstance(p, YouTubeSandbox))


__all__ = ["SANDBOX_CREDENTIALS", "YouTubeSandbox", "sandbox_of"]
