"""Pinterest REST API v5, as the simulator speaks it (paths, shapes and limits of pinterest-v5.openapi.json).

Routes: `POST /v5/pins`, `GET|DELETE /v5/pins/{id}`, `GET /v5/boards`, `GET /v5/boards/{id}/pins`,
`GET /v5/user_account`, `POST /v5/media`, `GET /v5/media/{id}`, the media upload URL (an S3 stand-in on
the sandbox itself), `POST /v5/oauth/token` (refresh_token and authorization_code grants) and the
consent page `GET /oauth/`.

Boards: the account starts with the four boards of the sample channels.toml (549755885175…78). Any other
all-digit board id is created on first use (a pin to it, or a read of its pins), so that any channels.toml
works with `--sandbox`; `add_board()` names one beforehand, and ids in `missing_boards` answer 404 the
way a board of another account would. Errors are Pinterest's `{"code": int, "message": str}`.

Rate limits (per route, sliding window; Pinterest's real ones are per user per app per minute, Standard
access): pin create and delete 300/min, reads 600/min, video registration 100/min, status polls 1,200/min,
token endpoint 100/min. 200 pins a run fit in well under a minute. Answers of 429 carry
`x-ratelimit-limit`, `x-ratelimit-remaining`, `x-ratelimit-reset` (epoch seconds) and `Retry-After`.
The v5 OpenAPI document names no rate-limit header (only `x-ratelimit-category` per operation): these
names are the conventional ones, and socialpub reads `Retry-After` first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from socialpub.media import sniff
from socialpub.sandbox.server import ApiError, ExampleChannel, Platform, Request, Response, route

APPS = {"sandbox-app_id": "sandbox-app_secret"}  # throw-away app credentials for --sandbox
USERNAME = "sandbox_careers"
DEFAULT_BOARDS = {
    "549755885175": "Applications and Interviews",
    "549755885176": "Community Involvement",
    "549755885177": "Internships and Students",
    "549755885178": "US Military Veterans",
}
SCOPES = {
    "ads:read",
    "ads:write",
    "boards:read",
    "boards:read_secret",
    "boards:write",
    "boards:write_secret",
    "catalogs:read",
    "catalogs:write",
    "pins:read",
    "pins:read_secret",
    "pins:write",
    "pins:write_secret",
    "user_accounts:read",
    "user_accounts:write",
    "biz_access:read",
    "biz_access:write",
    "billing:read",
    "billing:write",
}
DIGITS = re.compile(r"^\d+$")
BASE64 = re.compile(r"^[a-zA-Z0-9+/=]+$")  # PinMediaSourceImageBase64.data
UPLOAD_PATH = "/pinterest-media-upload/"  # the S3 bucket's stand-in
ACCESS_TTL = 30 * 86400
REFRESH_TTL = 60 * 86400
PER_MINUTE = 60.0


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PinterestSandbox(Platform):
    name = "pinterest"
    example_channel = ExampleChannel("sandbox-pinterest", ("access_token",), boards={"Sandbox board": "549755885177"})
    rate_limit_headers = "x-ratelimit"

    def __init__(self, sandbox: Any) -> None:
        super().__init__(sandbox)
        self.apps = dict(APPS)  # app id -> secret; tests may add their own
        self.boards: dict[str, dict[str, Any]] = {}
        self.missing_boards: set[str] = set()  # board ids that answer 404 (another account's)
        self.refresh_tokens: set[str] = set()  # issued refresh tokens ('sandbox…' ones are valid too)
        self.rotate_refresh_tokens = False  # True: a refresh token works once (tests of refresh races)
        self.used_refresh_tokens: set[str] = set()
        self.codes: dict[str, dict[str, str]] = {}  # authorization codes: single use
        self.media: dict[str, dict[str, Any]] = {}  # media uploads by id
        # Bodies of pins/create, media/create and oauth/token requests, for tests; the last 200 only.
        self.received: deque[dict[str, Any]] = deque(maxlen=200)
        for board_id, board_name in DEFAULT_BOARDS.items():
            self.add_board(board_id, board_name)

    # --- Pinterest's answers -----------------------------------------------------------------------

    def error(self, status: int, message: str, **extra: Any) -> ApiError:
        return ApiError(status, {"code": extra.pop("code", status), "message": message, **extra})

    def unauthorized(self, message: str = "Authentication failed.") -> ApiError:
        return ApiError(401, {"code": 2, "message": message})

    def rate_limited(self, reset_in: float, limit: int) -> ApiError:
        err = super().rate_limited(reset_in, limit)
        err.body = {"code": 8, "message": "You have exceeded your rate limit. Try again later."}
        return err

    def invalid(self, message: str) -> ApiError:
        return self.error(400, f"Invalid request: {message}", code=1)

    def auth(self, request: Request) -> None:
        if not self.sandbox.valid_token(request.bearer()):
            raise self.unauthorized()

    def add_board(self, board_id: str, name: str | None = None) -> dict[str, Any]:
        """A board of the sandbox account (created if new)."""
        with self.lock:
            board = self.boards.get(board_id)
            if board is None:
                board = {
                    "id": board_id,
                    "name": name or f"Board {board_id}",
                    "description": "",
                    "privacy": "PUBLIC",
                    "owner": {"username": USERNAME},
                    "created_at": _now(),
                    "board_pins_modified_at": _now(),
                    "collaborator_count": 0,
                    "follower_count": 0,
                    "pin_count": 0,
                    "media": {"image_cover_url": None, "pin_thumbnail_urls": []},
                }
                self.boards[board_id] = board
            return board

    def board(self, board_id: str) -> dict[str, Any]:
        if not DIGITS.match(board_id or ""):
            raise self.invalid("board_id must be a string of digits")
        if board_id in self.missing_boards:
            raise self.error(404, "Board not found.")
        return self.add_board(board_id)

    # --- pins --------------------------------------------------------------------------------------

    @route("POST", "/v5/pins", "pins/create", limit=(300, PER_MINUTE))
    def create_pin(self, request: Request) -> Response:
        self.auth(request)
        body = request.json()
        if not isinstance(body, dict):
            raise self.invalid("the body must be a JSON object (PinCreate)")
        with self.lock:
            self.received.append({"operation": "pins/create", "body": body})
        board_id = body.get("board_id")
        if not isinstance(board_id, str):
            raise self.invalid("board_id is required (a string of digits)")
        for key, limit in (("title", 100), ("description", 800), ("alt_text", 500), ("link", 2048)):
            value = body.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                raise self.invalid(f"{key} must be a string")
            if len(value) > limit:
                raise self.invalid(f"{key} is too long ({len(value)} characters; at most {limit})")
        link = body.get("link")
        if link and (urlsplit(link).scheme not in ("http", "https") or not urlsplit(link).netloc):
            raise self.invalid("link must be an http or https URL")
        media, digest, size = self.media_source(body.get("media_source"))
        board = self.board(board_id)
        pin_id = self.new_id()
        pin = {
            "id": pin_id,
            "created_at": _now(),
            "link": link,
            "title": body.get("title"),
            "description": body.get("description"),
            "dominant_color": "#6E7874",
            "alt_text": body.get("alt_text"),
            "creative_type": "VIDEO" if media["media_type"] == "video" else "REGULAR",
            "board_id": board_id,
            "board_section_id": body.get("board_section_id"),
            "board_owner": {"username": USERNAME},
            "is_owner": True,
            "media": media,
            "parent_pin_id": None,
            "is_standard": True,
            "has_been_promoted": False,
            "pin_metrics": None,
        }
        stored = {
            **pin,
            "_sandbox": {"sha256": digest, "size": size, "media_source": body["media_source"]["source_type"]},
        }
        with self.lock:
            self.keep("pins", stored)
            board["pin_count"] += 1
            board["board_pins_modified_at"] = pin["created_at"]
        return Response(201, pin)

    def media_source(self, source: Any) -> tuple[dict[str, Any], str, int]:
        """Validate PinCreate.media_source; the pin's `media` and the sha256 and size of what it shows."""
        if not isinstance(source, dict):
            raise self.invalid("media_source is required")
        kind = source.get("source_type")
        if kind == "image_base64":
            image = self.decode_image(source.get("content_type"), source.get("data"), "media_source")
            return self.image_media(image), hashlib.sha256(image).hexdigest(), len(image)
        if kind == "image_url":
            url = source.get("url")
            if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
                raise self.invalid("media_source.url must be an http or https URL")
            return self.image_media(url.encode()), hashlib.sha256(url.encode()).hexdigest(), 0
        if kind == "video_id":
            media_id = source.get("media_id")
            if not isinstance(media_id, str) or not DIGITS.match(media_id):
                raise self.invalid("media_source.media_id must be a string of digits")
            with self.lock:
                upload = self.media.get(media_id)
            if upload is None:
                raise self.invalid(f"media {media_id} does not exist")
            if upload["status"] != "succeeded":
                raise self.invalid(f"media {media_id} is not ready (status {upload['status']})")
            if "cover_image_data" in source or "cover_image_content_type" in source:
                self.decode_image(
                    source.get("cover_image_content_type"),
                    source.get("cover_image_data"),
                    "media_source.cover_image",
                )
            elif "cover_image_url" in source:
                if urlsplit(str(source["cover_image_url"])).scheme not in ("http", "https"):
                    raise self.invalid("media_source.cover_image_url must be an http or https URL")
            elif not isinstance(source.get("cover_image_key_frame_time"), int):
                raise self.invalid(
                    "a video pin needs cover_image_url, cover_image_data or cover_image_key_frame_time"
                )
            frame = source.get("cover_image_key_frame_time")
            if frame is not None and (not isinstance(frame, int) or frame < 0):
                raise self.invalid("cover_image_key_frame_time must be an integer >= 0")
            media = {
                "media_type": "video",
                "cover_image_url": f"https://i.pinimg.com/videos/thumbnails/originals/{media_id}.jpg",
                "duration": None,
                "height": None,
                "width": None,
                "video_url": None,
            }
            return media, upload["sha256"], upload["size"]
        raise self.invalid("media_source.source_type must be one of image_base64, image_url, video_id")

    def decode_image(self, content_type: Any, data: Any, where: str) -> bytes:
        if content_type not in ("image/jpeg", "image/png"):
            raise self.invalid(f"{where} content_type must be image/jpeg or image/png")
        if not isinstance(data, str) or not BASE64.match(data):
            raise self.invalid(f"{where} data must be base64")
        try:
            image = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise self.invalid(f"{where} data is not valid base64") from None
        if sniff(image[:16]) != content_type:
            raise self.invalid(f"{where} data is not a {content_type} image")
        return image

    @staticmethod
    def image_media(seed: bytes) -> dict[str, Any]:
        key = hashlib.md5(seed, usedforsecurity=False).hexdigest()
        path = f"{key[:2]}/{key[2:4]}/{key[4:6]}/{key}.jpg"
        sizes = {"150x150": (150, 150), "400x300": (400, 300), "600x": (600, 600), "1200x": (1200, 1200)}
        return {
            "media_type": "image",
            "images": {
                name: {"width": w, "height": h, "url": f"https://i.pinimg.com/{name}/{path}"}
                for name, (w, h) in sizes.items()
            },
        }

    @staticmethod
    def public(pin: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in pin.items() if k != "_sandbox"}

    @route("GET", r"/v5/pins/(?P<pin_id>[^/]+)", "pins/get", limit=(600, PER_MINUTE))
    def get_pin(self, request: Request) -> Response:
        self.auth(request)
        with self.lock:
            pin = self.kept("pins").get(request.match["pin_id"])  # type: ignore[index]
        if pin is None:
            raise self.error(404, "Pin not found.")
        return Response(200, self.public(pin))

    @route("DELETE", r"/v5/pins/(?P<pin_id>[^/]+)", "pins/delete", limit=(300, PER_MINUTE))
    def delete_pin(self, request: Request) -> Response:
        self.auth(request)
        pin_id = request.match["pin_id"]  # type: ignore[index]
        with self.lock:
            pin = self.kept("pins").pop(pin_id, None)
            if pin is not None and pin["board_id"] in self.boards:
                self.boards[pin["board_id"]]["pin_count"] -= 1
        if pin is None:
            raise self.error(404, "Pin not found.")
        return Response(204)

    # --- boards and account ----------------------------------------------------------------------

    def page(self, request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Pinterest's paging: `page_size` (1–250, default 25) and an opaque `bookmark`."""
        raw = request.query.get("page_size", "25")
        if not raw.isdigit() or not 1 <= int(raw) <= 250:
            raise self.invalid("page_size must be an integer from 1 to 250")
        size = int(raw)
        start = 0
        if request.query.get("bookmark"):
            try:
                start = int(base64.urlsafe_b64decode(request.query["bookmark"].encode()).decode())
            except (ValueError, binascii.Error):
                raise self.invalid("bookmark is not valid") from None
        chunk = items[start : start + size]
        after = start + size
        bookmark = base64.urlsafe_b64encode(str(after).encode()).decode() if after < len(items) else None
        return {"items": chunk, "bookmark": bookmark}

    @route("GET", "/v5/boards", "boards/list", limit=(600, PER_MINUTE))
    def list_boards(self, request: Request) -> Response:
        self.auth(request)
        with self.lock:
            boards = [dict(b) for b in self.boards.values()]
        return Response(200, self.page(request, boards))

    @route("GET", r"/v5/boards/(?P<board_id>[^/]+)/pins", "boards/list_pins", limit=(600, PER_MINUTE))
    def list_board_pins(self, request: Request) -> Response:
        self.auth(request)
        board_id = request.match["board_id"]  # type: ignore[index]
        self.board(board_id)
        with self.lock:
            pins = [self.public(p) for p in self.kept("pins").values() if p["board_id"] == board_id]
        pins.reverse()  # newest first, as Pinterest lists a board
        return Response(200, self.page(request, pins))

    @route("GET", "/v5/user_account", "user_account/get", limit=(600, PER_MINUTE))
    def user_account(self, request: Request) -> Response:
        self.auth(request)
        with self.lock:
            pins, boards = len(self.kept("pins")), len(self.boards)
        return Response(
            200,
            {
                "account_type": "BUSINESS",
                "id": "549755813999",
                "username": USERNAME,
                "business_name": "Sandbox Careers",
                "profile_image": "https://i.pinimg.com/280x280_RS/sandbox.jpg",
                "website_url": "https://www.example.com",
                "about": "socialpub sandbox account",
                "board_count": boards,
                "pin_count": pins,
                "follower_count": 0,
                "following_count": 0,
                "monthly_views": 0,
            },
        )

    # --- video uploads -----------------------------------------------------------------------------

    @route("POST", "/v5/media", "media/create", limit=(100, PER_MINUTE))
    def register_media(self, request: Request) -> Response:
        self.auth(request)
        body = request.json()
        with self.lock:
            self.received.append({"operation": "media/create", "body": body})
        if not isinstance(body, dict) or body.get("media_type") != "video":
            raise self.invalid("media_type must be 'video'")
        media_id = self.new_id()
        key = f"uploads/sb/{media_id[-2:]}/{media_id}:video:{media_id}"
        policy = base64.b64encode(
            json.dumps({"expiration": "2099-01-01T00:00:00Z", "key": key}).encode()
        ).decode()
        signature = self.signature(key)
        with self.lock:
            self.media[media_id] = {"status": "registered", "key": key, "size": 0, "sha256": None, "polls": 0}
        return Response(
            201,
            {
                "media_id": media_id,
                "media_type": "video",
                "upload_url": self.sandbox.url + UPLOAD_PATH,
                "upload_parameters": {
                    "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
                    "x-amz-signature": signature,
                    "x-amz-security-token": "sandbox-session-token",
                    "x-amz-algorithm": "AWS4-HMAC-SHA256",
                    "key": key,
                    "policy": policy,
                    "x-amz-credential": "SANDBOX/20990101/us-east-1/s3/aws4_request",
                    "Content-Type": "multipart/form-data",
                },
            },
        )

    @staticmethod
    def signature(key: str) -> str:
        return hmac.new(b"sandbox-s3", key.encode(), hashlib.sha256).hexdigest()

    @route("POST", UPLOAD_PATH, "media/upload")
    def upload(self, request: Request) -> Response:
        """S3's POST object: form fields, then the file, streamed (never held in memory)."""
        if (
            "authorization" in request.headers
        ):  # S3 refuses a header it does not know; and a token must not go there
            return s3_error(400, "InvalidArgument", "Unsupported Authorization Type")
        kind = request.headers.get("content-type", "")
        match = re.search(r'boundary="?([^";]+)"?', kind)
        if not kind.startswith("multipart/form-data") or not match:
            return s3_error(
                412, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data"
            )
        if request.headers.get("transfer-encoding", "").lower() == "chunked" or not request.length:
            return s3_error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
        fields, upload = read_multipart(request, match.group(1).encode())
        key = fields.get("key", "")
        media_id = key.rsplit(":", 1)[-1]
        with self.lock:
            record = self.media.get(media_id)
        if (
            record is None
            or record["key"] != key
            or not hmac.compare_digest(fields.get("x-amz-signature", ""), self.signature(key))
        ):
            return s3_error(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed")
        if upload is None:
            return s3_error(400, "InvalidArgument", "POST requires exactly one file upload per request.")
        with self.lock:
            record.update(
                size=upload["size"],
                sha256=upload["sha256"],
                filename=upload["filename"],
                content_type=upload["content_type"],
                polls=0,
                status="processing" if (sniff(upload["head"]) or "").startswith("video/") else "failed",
            )
        return Response(204)

    @route("GET", r"/v5/media/(?P<media_id>[^/]+)", "media/get", limit=(1200, PER_MINUTE))
    def media_status(self, request: Request) -> Response:
        self.auth(request)
        media_id = request.match["media_id"]  # type: ignore[index]
        with self.lock:
            record = self.media.get(media_id)
            if record is None:
                raise self.error(404, "Media upload not found.")
            if record["status"] == "processing":
                record["polls"] += 1
                if record["polls"] >= 2:  # the first poll sees it processing, the next one done
                    record["status"] = "succeeded"
            status = record["status"]
        return Response(200, {"media_id": media_id, "media_type": "video", "status": status})

    # --- OAuth ---------------------------------------------------------------------------------------

    def app(self, request: Request) -> str:
        """The app of HTTP Basic app_id:app_secret (the token endpoint's security scheme `basic`)."""
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                app_id, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
            except (binascii.Error, ValueError):
                app_id, secret = "", ""
            if app_id in self.apps and hmac.compare_digest(self.apps[app_id], secret):
                return app_id
        raise self.unauthorized("Authentication failed: app id or app secret is wrong.")

    @route("POST", "/v5/oauth/token", "oauth/token", limit=(100, PER_MINUTE))
    def token(self, request: Request) -> Response:
        app_id = self.app(request)
        form = request.form()
        with self.lock:
            self.received.append({"operation": "oauth/token", "body": dict(form)})
        grant = form.get("grant_type")
        if grant == "refresh_token":
            refresh = form.get("refresh_token", "")
            with self.lock:
                if refresh in self.used_refresh_tokens or not (
                    refresh.startswith("sandbox") or refresh in self.refresh_tokens
                ):
                    raise self.invalid("refresh_token is not valid")
                if self.rotate_refresh_tokens:  # continuous refresh tokens: the one just used is replaced
                    self.refresh_tokens.discard(refresh)
                    self.used_refresh_tokens.add(refresh)
            return Response(200, self.issue("refresh_token", form.get("scope") or ",".join(sorted(SCOPES))))
        if grant == "authorization_code":
            with self.lock:
                code = self.codes.pop(form.get("code", ""), None)
            if code is None or code["client_id"] != app_id:
                raise self.invalid("code is not valid")
            if form.get("redirect_uri") != code["redirect_uri"]:
                raise self.invalid("redirect_uri does not match the one of the authorization request")
            return Response(200, self.issue("authorization_code", code["scope"]))
        raise self.invalid("grant_type must be authorization_code or refresh_token")

    def issue(self, response_type: str, scope: str) -> dict[str, Any]:
        import secrets

        access = "pina_" + secrets.token_hex(24)
        refresh = "pinr_" + secrets.token_hex(24)
        with self.lock:
            self.sandbox.tokens.add(access)
            self.refresh_tokens.add(refresh)
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": ACCESS_TTL,
            "scope": scope,
            "refresh_token": refresh,
            "refresh_token_expires_in": REFRESH_TTL,
            "refresh_token_expires_at": int(time.time()) + REFRESH_TTL,
            "response_type": response_type,
        }

    @route("GET", "/oauth/", "oauth/authorize")
    def consent(self, request: Request) -> Response:
        """The consent page, already agreed: redirect to redirect_uri with a code and the state."""
        query = request.query
        redirect_uri = query.get("redirect_uri", "")
        target = urlsplit(redirect_uri)
        if query.get("client_id") not in self.apps:
            raise self.invalid("client_id is not a known app")
        if target.scheme not in ("http", "https") or target.hostname not in ("localhost", "127.0.0.1", "::1"):
            raise self.invalid("redirect_uri is not registered for this app")
        if query.get("response_type") != "code":
            raise self.invalid("response_type must be code")
        scopes = [s for s in query.get("scope", "").split(",") if s]
        if not scopes or not set(scopes) <= SCOPES:
            raise self.invalid("scope must be a comma-separated list of known scopes")
        import secrets

        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {
                "client_id": query["client_id"],
                "redirect_uri": redirect_uri,
                "scope": ",".join(scopes),
            }
        answer = {"code": code}
        if "state" in query:
            answer["state"] = query["state"]
        separator = "&" if target.query else "?"
        return Response(302, None, {"Location": redirect_uri + separator + urlencode(answer)})


def s3_error(status: int, code: str, message: str) -> Response:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(status, body.encode(), {"Content-Type": "application/xml"})


def read_multipart(request: Request, boundary: bytes) -> tuple[dict[str, str], dict[str, Any] | None]:
    """Parse multipart/form-data as it streams: text fields kept (small), the file hashed and counted."""
    delimiter = b"\r\n--" + boundary
    buffer = b"\r\n"  # so that the first boundary looks like every other one
    fields: dict[str, str] = {}
    upload: dict[str, Any] | None = None
    state = "preamble"
    part: dict[str, Any] = {}
    chunks = request.chunks()
    done = False

    def more() -> bool:
        nonlocal buffer
        block = next(chunks, None)
        if block is None:
            return False
        buffer += block
        return True

    while not done:
        if state == "preamble":
            at = buffer.find(delimiter)
            if at < 0:
                buffer = buffer[-len(delimiter) :]
                if not more():
                    break
                continue
            buffer = buffer[at + len(delimiter) :]
            state = "after-boundary"
        elif state == "after-boundary":
            while len(buffer) < 2 and more():
                pass
            if buffer.startswith(b"--"):
                done = True
                break
            at = buffer.find(b"\r\n\r\n")
            if at < 0:
                if len(buffer) > 16384 or not more():
                    break
                continue
            headers = buffer[:at].decode("utf-8", "replace")
            buffer = buffer[at + 4 :]
            name = re.search(r'name="([^"]*)"', headers)
            filename = re.search(r'filename="([^"]*)"', headers)
            ctype = re.search(r"(?im)^content-type:\s*(.+?)\s*$", headers)
            part = {
                "name": name.group(1) if name else "",
                "filename": filename.group(1) if filename else None,
                "content_type": ctype.group(1) if ctype else None,
                "hash": hashlib.sha256(),
                "size": 0,
                "head": b"",
                "text": b"",
            }
            state = "body"
        else:  # body
            at = buffer.find(delimiter)
            take = buffer[:at] if at >= 0 else buffer[: max(0, len(buffer) - len(delimiter))]
            if part["filename"] is not None:
                part["hash"].update(take)
                part["size"] += len(take)
                if len(part["head"]) < 16:
                    part["head"] = (part["head"] + take[:16])[:16]
            elif len(part["text"]) < 65536:
                part["text"] += take[: 65536 - len(part["text"])]
            if at >= 0:
                buffer = buffer[at + len(delimiter) :]
                if part["filename"] is not None:
                    upload = {
                        "name": part["name"],
                        "filename": part["filename"],
                        "content_type": part["content_type"],
                        "size": part["size"],
                        "sha256": part["hash"].hexdigest(),
                        "head": part["head"],
                    }
                else:
                    fields[part["name"]] = part["text"].decode("utf-8", "replace")
                state = "after-boundary"
            else:
                buffer = buffer[len(take) :]
                if not more():
                    break
    for _ in chunks:  # drain what follows the closing boundary
        pass
    return fields, upload
