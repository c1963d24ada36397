"""Pinterest pins on named boards. Rendering is offline; publishing uses the REST API v5 over requests.

Why a small client of our own and no SDK: this module. py3-pinterest drives a
browser with the account's password; the official `pinterest-api-sdk` reads stray `.env`/`config.json`
files into the process at import time. The API is plain JSON over HTTPS, so `requests` is all we need.

Wire protocol (https://developers.pinterest.com/docs/api/v5/, vendored as tests/data/pinterest-v5.openapi.json):

- publish: `POST /v5/pins` with `media_source` `image_base64` (PNG/JPEG only: the spec's `ContentType`
  enum); a video goes `POST /v5/media` → multipart POST to the returned `upload_url` (S3 on the real
  platform, with `upload_parameters` as form fields) → poll `GET /v5/media/{id}` → `source_type: video_id`.
- find: `GET /v5/boards/{board_id}/pins` (newest first, paged by `bookmark`), matched on title,
  description and link: Pinterest has no idempotency key, so this is how an unknown outcome is settled.
- delete: `DELETE /v5/pins/{id}`; verify: `GET /v5/user_account` and `GET /v5/boards`.
- auth: Bearer access token. When `refresh_token`, `app_id` and `app_secret` are configured, a 401 is
  answered by one refresh at `POST /v5/oauth/token` (grant_type=refresh_token, HTTP Basic app_id:app_secret)
  and one retry. The new access token is kept in memory for the run; when the credential is a `file:`
  reference it is also written back to that file (mode 0600), and so is a rotated refresh token
  (continuous refresh tokens are renewed by each refresh).
- Trial access: no field of the API tells Trial from Standard access (the v5 `Account` has only
  `account_type` PINNER/BUSINESS), so `channels --verify` warns about it only when the channel says
  `trial_access = true`.
- Rate limits: the OpenAPI document names no rate-limit header; a 429's wait is read from `Retry-After`,
  else `x-ratelimit-reset` (socialpub.http.retry_after).
"""

from __future__ import annotations

import base64
import logging
import secrets as _secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialpub.adapters.base import (
    Adapter,
    Gate,
    Issue,
    Measure,
    Part,
    Progress,
    Receipt,
    Rendered,
    answer_object,
    answer_objects,
    answer_text,
    parse_time,
    refused,
    usable_token,
)
from socialpub.credentials import write_secret
from socialpub.errors import CredentialsError, PlatformError, PostError
from socialpub.http import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    MultipartFile,
    answered_maybe_sent,
    is_digits,
    platform_error,
    refresh_refused,
    request_error,
    scrub,
    unanswered,
)
from socialpub.loopback import redirect_problem
from socialpub.redact import clip, remember
from socialpub.tomlsource import Key, did_you_mean

if TYPE_CHECKING:
    import requests

    from socialpub.config import Channel
    from socialpub.media import Media
    from socialpub.posts import Post

log = logging.getLogger(__name__)

API = "https://api.pinterest.com"  # paths below carry the /v5 prefix, as the sandbox and gateways see them
TOKEN_URL = f"{API}/v5/oauth/token"
AUTHORIZE_URL = "https://www.pinterest.com/oauth/"
PIN_URL = "https://www.pinterest.com/pin/{}/"
SCOPES = ("boards:read", "pins:read", "pins:write", "user_accounts:read")
# The redirect URI must be registered in the Pinterest app literally; Pinterest's quickstart uses this one.
DEFAULT_REDIRECT_PORT = 8085
# PinMediaSourceImageBase64.content_type and PinMediaSourceVideoID.cover_image_content_type (`ContentType`).
IMAGE_TYPES = ("image/jpeg", "image/png")
# Pinterest video pins take MP4, MOV and M4V files (help.pinterest.com "Video Pin specs"); WebM is refused.
VIDEO_TYPES = ("video/mp4", "video/quicktime")
ACCESS_TOKEN_DAYS = 30  # expires_in of an access token: 2,592,000 s
LABEL = "Pinterest"


class PinterestAdapter(Adapter):
    """Pins on the channel's boards.

    Comments cannot be read: the Pinterest API v5 has no endpoint for a pin's comments (`can_read_comments` is
    False), so the safety inbox lists each pin for review by hand on Pinterest instead.
    """

    can_read_comments = False  # the v5 API has no comments endpoint
    kind = "pinterest"
    label = "Pinterest"
    unit = "pin"
    preview_card = "pin"
    sandbox = "socialpub.sandbox.pinterest:PinterestSandbox"
    can_find = True
    can_delete = True
    can_authorize = True
    limits = {"title": 100, "text": 500, "alt_text": 500, "link": 2048, "images": 1, "videos": 1}
    fold_chars = 100
    channel_keys = {
        "boards": Key(dict),
        "default_board": Key(str),
        "token_uri": Key(str),
        # The API has no field that tells Trial from Standard access: say so here to be reminded by --verify.
        "trial_access": Key(bool),
        "redirect_uri": Key(str, check=redirect_problem),
    }
    credential_keys = frozenset({"access_token", "refresh_token", "app_id", "app_secret"})
    rotating_refresh = True  # continuous refresh tokens are replaced at each refresh
    override_keys = {"board": Key(str), "thumbnail": Key(str)}

    # Network knobs; instance attributes may be changed (tests use short ones).
    timeout: float = READ_TIMEOUT  # seconds to wait for an answer (read timeout)
    connect_timeout: float = CONNECT_TIMEOUT
    poll_interval: float = 2.0  # first wait between video status polls; doubles up to poll_max
    poll_max: float = 15.0
    media_wait: float = 900.0  # give up on video processing after this long (the pin is not created)
    find_pages: int = 8  # pages of a board read by find(): 8 x 100 recent pins
    page_size: int = 100

    def setup(self) -> None:
        self._session: requests.Session | None = None
        self._retired: list[str] = []  # tokens replaced by a refresh, and the Basic header: still scrubbed
        self.refreshed = False  # a refresh happened in this run (verify reports it)
        self._refresh_expires_at: int | None = None

    def render(self, post: Post) -> Rendered:
        field = self.fields(post)
        text, text_source = field("text")
        title, title_source = field("title")
        link, link_source = field("link")
        media = tuple(field("media", ())[0])  # an override table gives a list
        thumbnail, _ = field("thumbnail")
        board, board_source = field("board", self.channel.options.get("default_board"))
        boards = self.channel.boards
        problems = []
        board_id = boards.get(board) if board else None
        if board_id is None:
            if board:
                guess = did_you_mean(board, boards)
                message = f"unknown board '{board}' for channel {self.channel.name}"
            else:
                guess = None
                message = f"no board: a pin on {self.channel.name} needs [pinterest] board = \"…\""
            problems.append(
                PostError(
                    message,
                    rule="SP-FILE-002",
                    file=post.file,
                    line=board_source.line if board_source else post.line("pinterest"),
                    key="board",
                    hint=f"did you mean '{guess}'?"
                    if guess
                    else "boards of this channel: " + ", ".join(boards),
                )
            )
        issues = self.media_issues(media)
        if not media:
            issues.append(Issue("a pin needs an image or a video",
                                'add one: [pinterest] media = [{ path = "…", alt = "…" }]'))
        if any(m.kind == "video" for m in media) and thumbnail is None:
            issues.append(Issue("a video pin needs a cover image", 'set [pinterest] thumbnail = "cover.png"'))
        measures = (
            Measure("title", len(title or ""), self.limit("title"), source=title_source),
            Measure("description", len(text), self.limit("text"), source=text_source),
            Measure("link", len(link or ""), self.limit("link"), source=link_source),
        )
        return self.rendered(
            post,
            (Part(text, text_source, media, len(text)),),  # type: ignore[arg-type]
            title=title,
            title_source=title_source,
            link=link,
            link_source=link_source,
            media=media,
            thumbnail=thumbnail,
            board=board,
            board_id=board_id,
            measures=measures,
            media_issues=tuple(issues),
            problems=tuple(problems),
            alt_limit=self.limit("alt_text"),
        )

    # --- the network side ------------------------------------------------------------------------

    def publish(self, rendered: Rendered, *, gate: Gate | None = None, progress: Progress | None = None) -> Receipt:
        """Create the pin: upload the video first when there is one, then `POST /v5/pins`."""
        board_id = self._board_id(rendered)
        if not rendered.media:
            raise _refused(
                "a pin needs an image or a video", "add media = [{ path = …, alt = … }] to the post"
            )
        media = rendered.media[0]
        if media.kind == "video":
            source = self._video_source(media, rendered.thumbnail, progress)
        else:
            source = {"source_type": "image_base64", **_image_payload(media, "image")}
        body: dict[str, Any] = {"board_id": board_id, "media_source": source, **pin_fields(rendered)}
        if media.alt:
            body["alt_text"] = media.alt
        if gate is not None:
            gate()
        response = self._call(
            "POST",
            "/v5/pins",
            json=body,
            creates=True,
            not_found=f"board {board_id} was not found: check [channels.{self.channel.name}.boards]",
        )
        pin = _json(response, created=True)
        if not is_digits(answer_text(pin.get("id"))):
            raise PlatformError(
                "Pinterest accepted the pin but answered without its id",
                transient=False,
                maybe_sent=True,
                hint="the outcome is checked against the board's recent pins before anything is sent again",
            )
        return _receipt(pin)

    def find(self, rendered: Rendered) -> Receipt | None:
        """The newest pin of the board whose title, description and link are what `rendered` would publish."""
        board_id = self._board_id(rendered)
        want = pin_fields(rendered)
        bookmark: str | None = None
        for _ in range(self.find_pages):
            params: dict[str, Any] = {"page_size": self.page_size}
            if bookmark:
                params["bookmark"] = bookmark
            page = _json(
                self._call(
                    "GET",
                    f"/v5/boards/{board_id}/pins",
                    params=params,
                    not_found=f"board {board_id} was not found: check [channels.{self.channel.name}.boards]",
                )
            )
            for pin in answer_objects(page.get("items")):
                if is_digits(answer_text(pin.get("id"))) and _same_pin(pin, want):
                    return _receipt(pin)
            bookmark = answer_text(page.get("bookmark"))
            if not bookmark:
                break
        return None

    def delete(self, remote_id: str) -> None:
        """Delete a pin. A pin that no longer exists is an error (404) that says so: the caller decides."""
        pin_id = remote_id.strip().rstrip("/").rsplit("/", 1)[-1]  # an id, or a pin URL
        if not pin_id.isdigit():
            raise _refused(f"'{remote_id}' is not a Pinterest pin id", "a pin id is a string of digits")
        self._call(
            "DELETE",
            f"/v5/pins/{pin_id}",
            creates=True,  # it changes the board: a lost answer may have been carried out (retract asks again)
            not_found=f"pin {pin_id} does not exist (already deleted on Pinterest, or the id is wrong)",
        )

    def verify(self) -> list[str]:
        """Check the token against the account; warn about missing boards and about the token's life."""
        warnings: list[str] = []
        account = _json(self._call("GET", "/v5/user_account"))
        who = answer_text(account.get("username")) or answer_text(account.get("id")) or "?"
        found: set[str] = set()
        bookmark: str | None = None
        for _ in range(40):  # 40 x 250 boards: more than any account has
            params: dict[str, Any] = {"page_size": 250}
            if bookmark:
                params["bookmark"] = bookmark
            page = _json(self._call("GET", "/v5/boards", params=params))
            found.update(answer_text(b.get("id")) for b in answer_objects(page.get("items")))
            bookmark = answer_text(page.get("bookmark"))
            if not bookmark:
                break
        for name, board_id in self.channel.boards.items():
            if board_id not in found:
                warnings.append(
                    f"board '{name}' ({board_id}) is not among the boards of Pinterest account {who}: "
                    f"pins to it will fail; check [channels.{self.channel.name}.boards]"
                )
        if self.channel.options.get("trial_access"):
            # Platform docs (access tiers): Trial apps create pins that only their creator can see.
            warnings.append("Trial access: pins are visible only to you until Standard access is approved")
        if not self._can_refresh():
            warnings.append(
                f"no refresh_token, app_id and app_secret: Pinterest access tokens expire after "
                f"{ACCESS_TOKEN_DAYS} days; run `socialpub auth {self.channel.name}` and configure them "
                "so the token is renewed"
            )
        if self.refreshed:
            ref = self.channel.credentials.get("access_token")
            if ref is not None and ref.scheme == "env":
                warnings.append(
                    f"the access token in {ref} had expired and was renewed for this run only; "
                    f"store tokens with `socialpub auth {self.channel.name}` "
                    "(file: references are kept up to date)"
                )
            if self._refresh_expires_at and self._refresh_expires_at - time.time() < 14 * 86400:
                days = max(0, int((self._refresh_expires_at - time.time()) // 86400))
                warnings.append(
                    f"the refresh token expires in {days} days: "
                    f"run `socialpub auth {self.channel.name}` before then"
                )
        return warnings

    def known_secrets(self) -> list[str]:
        """Every configured credential (read now if need be: a platform may echo one not used yet), the
        tokens a refresh replaced, and the Basic header value of the app credentials."""
        for key in self.credential_keys:
            if self.has_secret(key) and key not in self._secrets:
                try:
                    self.secret(key)
                except CredentialsError:
                    pass
        found = [*super().known_secrets(), *self._retired]
        if "app_id" in self._secrets and "app_secret" in self._secrets:
            found.append(
                base64.b64encode(f"{self._secrets['app_id']}:{self._secrets['app_secret']}".encode()).decode()
            )
        return found

    # --- media -----------------------------------------------------------------------------------

    def _video_source(self, media: Media, thumbnail: Media | None, progress: Progress | None = None) -> dict[str, Any]:
        """Register, upload and wait for a video; the pin's `media_source` (PinMediaSourceVideoID)."""
        if media.mime not in VIDEO_TYPES or media.file is None:
            raise _refused(
                f"Pinterest takes MP4 or MOV videos; '{media.path}' is {media.mime or 'unreadable'}",
                "convert the video to MP4 (H.264)",
            )
        source: dict[str, Any] = {"source_type": "video_id"}
        cover = _image_payload(thumbnail, "cover image") if thumbnail is not None else None  # refuse early
        registered = _json(self._call("POST", "/v5/media", json={"media_type": "video"}))
        media_id = answer_text(registered.get("media_id"))
        upload_url = answer_text(registered.get("upload_url"))
        if not is_digits(media_id) or not upload_url.startswith(("https://", "http://")):
            raise PlatformError(
                "Pinterest answered the media registration without media_id or upload_url",
                transient=True,
                hint="retry later",
            )
        # The upload URL is used as Pinterest gave it (S3; the sandbox gives its own address).
        self._upload(upload_url, answer_object(registered.get("upload_parameters")), media, progress)
        self._wait_for_media(media_id)
        source["media_id"] = media_id
        if cover is not None:
            source["cover_image_content_type"] = cover["content_type"]
            source["cover_image_data"] = cover["data"]
        else:  # render() flags a video without a thumbnail; should one get here, use the first frame
            source["cover_image_key_frame_time"] = 0
        return source

    def _upload(
        self, url: str, parameters: Mapping[str, Any], media: Media, progress: Progress | None = None
    ) -> None:
        """POST the file to the upload URL as multipart form data, streamed from disk (videos of gigabytes).

        The upload URL is Pinterest's S3 bucket: it gets the `upload_parameters` as form fields and never
        our bearer token (a third party; and S3 refuses an Authorization header it does not know).
        """
        import requests

        from socialpub.http import make_session

        assert media.file is not None
        body = MultipartFile(
            {str(k): str(v) for k, v in parameters.items()}, "file", media.file, media.mime or "", media, progress
        )
        session = make_session(None)
        session.trust_env = self.channel.endpoint is None  # a loopback sandbox must not go through a proxy
        try:
            response = session.post(
                url,
                data=body,
                headers={"Content-Type": body.content_type},
                timeout=(self.connect_timeout, self.timeout),
            )
        except requests.RequestException as exc:
            raise request_error(
                f"{LABEL} (video upload)", exc, sent=False, secrets=self.known_secrets()
            ) from None
        finally:
            session.close()
        if response.status_code >= 300:
            raise platform_error(
                f"{LABEL} (video upload)",
                response.status_code,
                _said(response),
                headers=response.headers,
                secrets=self.known_secrets(),
                maybe_sent=False,
            )

    def _wait_for_media(self, media_id: str) -> None:
        """Poll `GET /v5/media/{id}` until Pinterest has processed the upload, for `media_wait` seconds of
        waiting at most."""
        waited = 0.0
        delay = self.poll_interval
        while True:
            status = _json(self._call("GET", f"/v5/media/{media_id}")).get("status")
            if status == "succeeded":
                return
            if status == "failed":
                raise PlatformError(
                    f"Pinterest could not process the video (media {media_id}: status failed)",
                    transient=False,
                    hint="check the video file (MP4/MOV, H.264, 4 s to 15 min, at most 2 GB), publish again",
                )
            if waited + delay > self.media_wait:
                raise PlatformError(
                    f"Pinterest is still processing the video after {int(self.media_wait)} s "
                    f"(status {status})",
                    transient=True,
                    hint="no pin was created; socialpub will retry later",
                )
            self.sleep(delay)
            waited += delay
            delay = min(delay * 2, self.poll_max)

    # --- HTTP --------------------------------------------------------------------------------------

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            from socialpub.http import make_session

            self._session = self.paced(make_session(self.channel.endpoint))
        return self._session

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        creates: bool = False,
        not_found: str | None = None,
    ) -> requests.Response:
        """One API call with the bearer token: on 401 one refresh (when configured) and one retry.

        `creates` marks the call that makes the post: only its failures may leave an unknown outcome.
        """
        if (
            not self.has_secret("access_token")
            and self._can_refresh()
            and "access_token" not in self._secrets
        ):
            self._refresh(None)  # only refresh credentials stored: get a first access token
        token = self.secret("access_token")
        response = self._send(method, path, token, json=json, params=params, creates=creates)
        if response.status_code == 401 and self._can_refresh():
            self._refresh(token)
            response = self._send(
                method, path, self.secret("access_token"), json=json, params=params, creates=creates
            )
        if response.status_code >= 400:
            raise self._error(response, creates=creates, not_found=not_found)
        return response

    def _send(
        self,
        method: str,
        path: str,
        token: str,
        *,
        json: Any,
        params: Mapping[str, Any] | None,
        creates: bool,
    ) -> requests.Response:
        import requests

        try:
            return self.session.request(
                method,
                API + path,
                json=json,
                params=params,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=(self.connect_timeout, self.timeout),
            )
        except requests.RequestException as exc:
            raise unanswered(LABEL, exc, creates=creates, secrets=self.known_secrets()) from None

    def _error(self, response: requests.Response, *, creates: bool, not_found: str | None) -> PlatformError:
        status = response.status_code
        action = None
        if status == 401:
            action = f"re-authenticate: run `socialpub auth {self.channel.name}`"
            if not self._can_refresh():
                action += (
                    f"; Pinterest access tokens last {ACCESS_TOKEN_DAYS} days, and with refresh_token, "
                    "app_id and app_secret configured socialpub renews them itself"
                )
        elif status == 403:
            action = (
                "the token lacks a scope (boards:read, pins:read, pins:write, user_accounts:read) or the "
                f"board belongs to another account; run `socialpub auth {self.channel.name}` again"
            )
        elif status == 404 and not_found:
            action = not_found
        return platform_error(
            LABEL,
            status,
            _said(response),
            headers=response.headers,
            secrets=self.known_secrets(),
            action=action,
            maybe_sent=answered_maybe_sent(creates),
        )

    # --- tokens ----------------------------------------------------------------------------------

    def _can_refresh(self) -> bool:
        return all(self.has_secret(k) for k in ("refresh_token", "app_id", "app_secret"))

    def _refresh(self, stale: str | None) -> None:
        """Exchange the refresh token for a new access token (`POST /v5/oauth/token`, HTTP Basic app auth).

        A continuous refresh token is replaced at each refresh: refreshes are serialised (refresh_lock) and the
        stored tokens read again inside the lock, since another process may have refreshed meanwhile. A
        refused refresh is tried once more with the refresh token stored by then, and otherwise is a transient
        failure (a later run retries)."""
        with self.refresh_lock():
            if stale is not None and self._secrets.get("access_token") not in (None, stale):
                return  # another thread refreshed meanwhile
            if self._adopt_stored(stale):
                return
            try:
                self._exchange(stale)
            except PlatformError as error:
                if not error.refused_grant or not self._adopt_stored(stale, newer_refresh_only=True):
                    raise
                self._exchange(stale)

    def _adopt_stored(self, stale: str | None, *, newer_refresh_only: bool = False) -> bool:
        """Take the tokens another process stored since ours were read. True when a usable access token came
        with them (no refresh needed); with `newer_refresh_only`, True when a newer refresh token came."""
        stored_refresh = self.stored("refresh_token")
        mine = self._secrets.get("refresh_token")
        if not stored_refresh or stored_refresh == mine:
            return False
        if mine:
            self._retired.append(mine)
        self._secrets["refresh_token"] = stored_refresh
        if newer_refresh_only:
            return True
        stored_access = self.stored("access_token")
        if stored_access and stored_access not in (stale, self._secrets.get("access_token")):
            self._secrets["access_token"] = stored_access
            return True
        return False

    def _exchange(self, stale: str | None) -> None:
        import requests

        app_id, app_secret = self.secret("app_id"), self.secret("app_secret")
        basic = base64.b64encode(f"{app_id}:{app_secret}".encode()).decode()  # scrubbed: known_secrets()
        refresh_token = self.secret("refresh_token")
        url = self.channel.options.get("token_uri") or TOKEN_URL
        try:
            response = self.session.post(
                url,
                data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
                timeout=(self.connect_timeout, self.timeout),
            )
        except requests.RequestException as exc:
            raise request_error(
                f"{LABEL} (token refresh)", exc, sent=False, secrets=self.known_secrets()
            ) from None
        if response.status_code != 200:
            raise refresh_refused(
                f"{LABEL} (token refresh)",
                response,
                _said(response),
                secrets=self.known_secrets(),
                action=None
                if response.status_code >= 500 or response.status_code == 429
                else f"re-authenticate if this persists: the refresh token or the app id/secret were refused; "
                f"run `socialpub auth {self.channel.name}`",
            )
        answer = _json(response)
        access = answer.get("access_token")
        if not usable_token(access):
            raise PlatformError(
                "Pinterest's token endpoint answered without an access token",
                transient=True,
                hint="retry later",
            )
        remember(access)
        if stale:
            self._retired.append(stale)
        self._secrets["access_token"] = access
        rotated = answer.get("refresh_token")
        if usable_token(rotated) and rotated != refresh_token:
            remember(rotated)
            self._retired.append(refresh_token)
            self._secrets["refresh_token"] = rotated
            self._store("refresh_token", rotated)  # first: a process that finds it knows a refresh happened
        self._store("access_token", access)
        expires_at = answer.get("refresh_token_expires_at")
        valid = isinstance(expires_at, int) and not isinstance(expires_at, bool)
        self._refresh_expires_at = expires_at if valid else None
        self.refreshed = True
        log.info("%s: access token renewed", self.channel.name)

    def _store(self, key: str, value: str) -> None:
        """Write a renewed token back to its `file:` reference (mode 0600); `env:` ones last this run only."""
        ref = self.channel.credentials.get(key)
        if ref is None or ref.scheme != "file":
            return
        try:
            write_secret(Path(ref.target).expanduser(), value)
        except (OSError, CredentialsError) as exc:
            log.warning(
                "%s: could not save the renewed %s to %s: %s",
                self.channel.name,
                key,
                ref.target,
                getattr(exc, "strerror", None) or getattr(exc, "message", type(exc).__name__),
            )

    def _board_id(self, rendered: Rendered) -> str:
        board_id = rendered.board_id
        if not board_id or not board_id.isdigit():
            raise _refused(
                f"no Pinterest board id for board '{rendered.board or ''}' of channel {self.channel.name}",
                f"map the board name to its id under [channels.{self.channel.name}.boards]",
            )
        return board_id


# --- helpers -------------------------------------------------------------------------------------


def pin_fields(rendered: Rendered) -> dict[str, str]:
    """The text fields of the pin as sent, and as find() compares them."""
    fields = {}
    if rendered.title:
        fields["title"] = rendered.title
    if rendered.text:
        fields["description"] = rendered.text
    if rendered.link:
        fields["link"] = rendered.link
    return fields


def _same_pin(pin: Mapping[str, Any], want: Mapping[str, str]) -> bool:
    for key in ("title", "description"):
        if answer_text(pin.get(key)).strip() != want.get(key, "").strip():
            return False
    got, link = answer_text(pin.get("link")).rstrip("/"), want.get("link", "").rstrip("/")
    return not (got and link) or got == link  # Pinterest may drop or normalise a link; title+text decide


def _receipt(pin: Mapping[str, Any]) -> Receipt:
    pin_id = answer_text(pin["id"])
    return Receipt(remote_id=pin_id, url=PIN_URL.format(pin_id), published_at=parse_time(pin.get("created_at")))


def _image_payload(media: Media, what: str) -> dict[str, str]:
    """`content_type` and base64 `data` of an image, PNG or JPEG only (the v5 `ContentType` enum)."""
    if media.mime not in IMAGE_TYPES:
        raise _refused(
            f"the Pinterest API takes PNG or JPEG images; the {what} '{media.path}' "
            f"is {media.mime or 'unreadable'}",
            "convert it to PNG or JPEG",
        )
    if media.file is None:
        raise _refused(f"the {what} '{media.path}' cannot be read", "check the path in the post file")
    try:
        data = media.read()  # the bytes hashed before the claim, when read then
    except OSError as exc:
        raise _refused(
            f"the {what} '{media.path}' cannot be read: {exc.strerror}", "check the file"
        ) from None
    return {"content_type": media.mime, "data": base64.b64encode(data).decode("ascii")}


def _refused(message: str, hint: str) -> PlatformError:
    return refused(LABEL, message, hint)


def _json(response: requests.Response, *, created: bool = False) -> dict[str, Any]:
    """The JSON object of a success; `created`: the answer to the pin create, so the pin may exist."""
    try:
        value = response.json()
    except ValueError:
        raise PlatformError(
            f"{LABEL} answered HTTP {response.status_code} with something other than JSON",
            transient=True,
            maybe_sent=created,
            hint="the outcome is checked against the board's recent pins before anything is sent again"
            if created
            else "retry later; if it persists, check the channel's endpoint",
        ) from None
    return value if isinstance(value, dict) else {}


def _said(response: requests.Response) -> str:
    """What Pinterest said: its error shape is {"code": int, "message": str}."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = body.get("message") or body.get("error") or body.get("error_description")
        if message and not isinstance(message, bool):
            code = body.get("code")
            return f"{message} (code {code})" if isinstance(code, int) else str(message)
    text = clip(" ".join(response.text.split()), 300)
    return text or response.reason or ""


# --- OAuth consent (socialpub auth CHANNEL) --------------------------------------------------------


def authorize(
    channel: Channel,
    *,
    environ: Mapping[str, str] | None = None,
    open_browser: bool = True,
    port: int | None = None,
    on_url: Callable[[str], None] | None = None,
    timeout: float = 300.0,
) -> dict[str, str]:
    """Run Pinterest's OAuth consent in the browser; return the tokens to store (access and refresh token).

    Pinterest documents no PKCE for v5: this is the authorization-code flow with the app secret, the code
    exchanged at `POST /v5/oauth/token` with HTTP Basic app_id:app_secret. The redirect URI must be registered
    literally among the app's redirect URIs: the channel's `redirect_uri`, by default http://localhost:8085/
    (the port of Pinterest's own quickstart; against a sandbox `endpoint` any free port). `on_url` receives
    the consent URL (default: printed on stderr).
    """
    from urllib.parse import urlencode

    import requests

    from socialpub.http import make_session
    from socialpub.loopback import Listener, redirect_uri, show_consent

    adapter = PinterestAdapter(channel, environ=environ)
    app_id, app_secret = adapter.secret("app_id"), adapter.secret("app_secret")
    state = _secrets.token_urlsafe(24)
    default = f"http://localhost:{0 if channel.endpoint else DEFAULT_REDIRECT_PORT}/"
    with Listener(redirect_uri(channel.options.get("redirect_uri"), port, default), LABEL) as listener:
        base = (channel.endpoint + "/oauth/") if channel.endpoint else AUTHORIZE_URL
        query = {
            "client_id": app_id,
            "redirect_uri": listener.uri,
            "response_type": "code",
            "scope": ",".join(SCOPES),
            "state": state,
        }
        show_consent(base + "?" + urlencode(query), f"the Pinterest account of {channel.name}",
                     open_browser=open_browser, on_url=on_url)
        answer = listener.wait(state, timeout)
        redirect_uri_used = listener.uri
    if answer is None:
        raise CredentialsError(
            f"no answer from Pinterest's consent page within {int(timeout)} s",
            hint=f"run it again; the app must list {redirect_uri_used} among its redirect URIs",
        )
    if "error" in answer or not answer.get("code"):
        raise CredentialsError(
            f"Pinterest consent was not given: {answer.get('error', 'no code')}", hint="run it again and allow access"
        )
    session = make_session(channel.endpoint)
    secrets = [app_id, app_secret, answer["code"]]
    try:
        response = session.post(
            channel.options.get("token_uri") or TOKEN_URL,
            data={
                "grant_type": "authorization_code",
                "code": answer["code"],
                "redirect_uri": redirect_uri_used,
                # Apps made before 25 Sept 2025 get a continuous refresh token only when asking (spec).
                "continuous_refresh": "true",
            },
            auth=(app_id, app_secret),
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
        )
    except requests.RequestException as exc:
        raise request_error(f"{LABEL} (token exchange)", exc, sent=False, secrets=secrets) from None
    finally:
        session.close()
    if response.status_code != 200:
        raise platform_error(
            f"{LABEL} (token exchange)",
            response.status_code,
            _said(response),
            headers=response.headers,
            secrets=secrets,
            action="check app_id/app_secret and that the redirect URI is registered in the Pinterest app",
        )
    body = _json(response)
    tokens = {
        k: body[k] for k in ("access_token", "refresh_token") if isinstance(body.get(k), str) and body[k]
    }
    if "access_token" not in tokens:
        raise PlatformError(
            scrub("Pinterest's token exchange answered without an access token", secrets),
            transient=False,
            hint="run it again",
        )
    return tokens
