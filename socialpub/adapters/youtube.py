"""YouTube videos. Rendering is offline; publishing uses google-api-python-client, imported on demand.

The network side goes through google-api-python-client (`videos().insert` with a resumable upload,
`thumbnails().set`, `channels().list`, `playlistItems().list`, `videos().delete`) on an httplib2
transport made here (`_endpoint_http`) that
- sends every request, the media upload and the token refresh included, to the channel's `endpoint` with
  its own scheme (the SDK moves only the host of upload URLs, so an `http://` endpoint got `https://`),
- keeps `308 Resume Incomplete` as an answer (httplib2 takes 308 for a redirect unless told otherwise;
  `googleapiclient.http.build_http()` does the same, but only for the transport it builds itself),
- has a timeout and notes `refresh_token_expires_in` from the token endpoint (OAuth apps in Testing mode).

Nothing here is imported at module level but the standard library: `socialpub --help` must not load an SDK.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

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
    cursor_of,
    cursor_text,
    parse_time,
    stopped_early,
    usable_token,
    with_link,
)
from socialpub.errors import CredentialsError, PlatformError, SocialpubError
from socialpub.http import (
    READ_TIMEOUT,
    answered_maybe_sent,
    log_request,
    platform_error,
    redirect_url,
    request_error,
    retry_after,
    said_briefly,
    scrub,
)
from socialpub.loopback import redirect_problem
from socialpub.redact import clip
from socialpub.tomlsource import Key

if TYPE_CHECKING:
    from socialpub.config import Channel
    from socialpub.media import Media
    from socialpub.posts import Post

log = logging.getLogger(__name__)

PRIVACY = ("public", "unlisted", "private")
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
# upload: videos.insert and thumbnails.set; readonly: channels/playlistItems.list; force-ssl: videos.delete
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/youtube.force-ssl",
)
# Any of these lets a sign-in read comments (commentThreads.list, comments.list).
COMMENT_SCOPES = frozenset(
    "https://www.googleapis.com/auth/" + s
    for s in ("youtube.force-ssl", "youtube.readonly", "youtube", "youtubepartner")
)
WATCH_URL = "https://www.youtube.com/watch?v={}"
CHUNK_GRANULARITY = 256 * 1024  # resumable chunks must be multiples of 256 KiB (but the last)
SCHEDULE_MARGIN = timedelta(minutes=1)  # a publishAt that passes before the request lands is refused
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

def _category_problem(value: str) -> str | None:
    return None if value.isdigit() else f"'{value}' is not a YouTube category id (digits, e.g. \"22\")"


def tags_length(tags: list[str]) -> int:
    """YouTube's count: a tag with a space counts its quotes, and tags are joined by commas."""
    if not tags:
        return 0
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + len(tags) - 1


class YouTubeAdapter(Adapter):
    kind = "youtube"
    label = "YouTube"
    unit = "video"
    long_form = True
    account_key = "channel_id"
    preview_card = "video"
    sandbox = "socialpub.sandbox.youtube:YouTubeSandbox"
    can_find = True
    can_delete = True
    can_schedule_natively = True
    can_authorize = True
    limits = {"title": 100, "description": 5000, "tags": 500, "images": 0, "videos": 1}
    fold_chars = 150
    channel_keys = {
        "channel_id": Key(str),
        "privacy": Key(str, choices=PRIVACY),
        "category": Key(str, check=_category_problem),
        "made_for_kids": Key(bool),
        "native_schedule": Key(bool),
        "token_uri": Key(str),
        "redirect_uri": Key(str, check=redirect_problem),
    }
    credential_keys = frozenset({"client_id", "client_secret", "refresh_token"})
    override_keys = {
        "tags": Key(list, items=str),
        "privacy": Key(str, choices=PRIVACY),
        "category": Key(str, check=_category_problem),
        "thumbnail": Key(str),
        "made_for_kids": Key(bool),
        "native_schedule": Key(bool),
    }

    def render(self, post: Post) -> Rendered:
        field = self.fields(post)
        options = self.channel.options
        text, text_source = field("text")
        title, title_source = field("title")
        link, link_source = field("link")
        media = tuple(field("media", ())[0])  # an override table gives a list
        thumbnail, _ = field("thumbnail")
        tags, tags_source = field("tags", [])
        description = with_link(text, link, "\n\n")
        videos = [m for m in media if m.kind == "video"]
        issues = []
        if len(videos) != 1 or len(media) != 1:
            issues.append(Issue(
                f"a YouTube post needs exactly one video (it has {len(videos)} video(s) "
                f"and {len(media) - len(videos)} other file(s))",
                'give YouTube one video: [youtube] media = [{ path = "video.mp4", alt = "…" }]; a cover image '
                "goes in [youtube] thumbnail",
            ))
        if thumbnail is not None and thumbnail.kind not in ("image", None):
            issues.append(Issue("the thumbnail must be an image (JPEG or PNG)",
                                'set [youtube] thumbnail = "cover.png" (a JPEG or PNG file)'))
        text_issues = []
        if not title:
            text_issues.append("a YouTube video needs a title")
        elif "<" in title or ">" in title:
            text_issues.append("YouTube refuses '<' and '>' in titles")
        if "<" in description or ">" in description:
            text_issues.append("YouTube refuses '<' and '>' in descriptions")
        measures = (
            Measure("title", len(title or ""), self.limit("title"), source=title_source),
            Measure(
                "description",
                len(description.encode("utf-8")),
                self.limit("description"),
                "bytes",
                text_source,
            ),
            Measure("tags", tags_length(tags), self.limit("tags"), source=tags_source),
        )
        privacy, _ = field("privacy", options.get("privacy", "public"))
        category, _ = field("category", options.get("category", "22"))
        made_for_kids, _ = field("made_for_kids", options.get("made_for_kids", False))
        native, _ = field("native_schedule", options.get("native_schedule", False))
        return self.rendered(
            post,
            (Part(description, text_source, media, len(description)),),  # type: ignore[arg-type]
            title=title,
            title_source=title_source,
            link=link,
            link_source=link_source,
            media=media,
            thumbnail=thumbnail,
            options={
                "tags": list(tags),
                "privacy": privacy,
                "category": category,
                "made_for_kids": made_for_kids,
                "native_schedule": native,
            },
            measures=measures,
            media_issues=tuple(issues),
            text_issues=tuple(text_issues),
        )

    # --- the network side ---------------------------------------------------------------------------------

    timeout: float = READ_TIMEOUT  # seconds per socket operation; set before the first call
    chunksize: int = 8 * 1024 * 1024  # bytes per upload request; memory use is about one chunk
    resume_attempts: int = 5  # consecutive failures of an upload without progress before giving up
    resume_backoff: float = 1.0  # seconds before the first resume, doubled each time (capped at 30 s)
    find_pages: int = 4  # pages of 50 recent uploads searched by find()
    # googleapiclient logs response bodies as they came (`Invalid JSON content from response: …`), and a
    # platform may echo a token back; the access token is refreshed inside the SDK (guard_logs asks for it).
    sdk_loggers = (
        "googleapiclient",
        "google_auth_httplib2",
        "google.auth",
        "google.oauth2",
        "google_auth_oauthlib",
        "httplib2",
        "oauthlib",
        "requests_oauthlib",
    )

    @classmethod
    def shows_link_card(cls, rendered: Rendered) -> bool:
        return bool(rendered.link) and rendered.link not in rendered.text  # else it is in the description

    def setup(self) -> None:
        self._service: Any = None
        self._creds: Any = None
        self._http: Any = None
        self._channel_checked = False
        self.warnings: list[str] = []  # what the last publish() noticed without failing (thumbnail, privacy)

    @property
    def token_uri(self) -> str:
        """Where the refresh token goes: `{endpoint}/token`, the channel's `token_uri`, or Google's."""
        if self.channel.endpoint:
            return self.channel.endpoint.rstrip("/") + "/token"
        return str(self.channel.options.get("token_uri") or GOOGLE_TOKEN_URI)

    def known_secrets(self) -> list[str]:
        found = super().known_secrets()
        token = getattr(self._creds, "token", None)  # the short-lived access token is a secret too
        return found + [token] if token else found

    def _youtube(self) -> Any:
        """The googleapiclient resource, built offline on first use (static discovery document)."""
        if self._service is None:
            from google.oauth2.credentials import Credentials
            from google_auth_httplib2 import AuthorizedHttp
            from googleapiclient.discovery import build

            self._creds = Credentials(
                token=None,
                refresh_token=self.secret("refresh_token"),
                client_id=self.secret("client_id"),
                client_secret=self.secret("client_secret"),
                token_uri=self.token_uri,
            )
            self._http = _endpoint_http(self.channel.endpoint, self.token_uri, self.timeout)
            endpoint = self.channel.endpoint
            self._service = build(
                "youtube",
                "v3",
                http=AuthorizedHttp(self._creds, http=self._http),
                static_discovery=True,
                cache_discovery=False,
                client_options={"api_endpoint": endpoint.rstrip("/") + "/"} if endpoint else None,
            )
            self.guard_logs()
        return self._service

    def video_body(self, rendered: Rendered, now: datetime | None = None) -> dict[str, Any]:
        """The `videos.insert` resource for a rendered post (snippet and status)."""
        options = rendered.options
        snippet: dict[str, Any] = {
            "title": rendered.title or "",
            "description": rendered.text,
            "categoryId": str(options.get("category") or "22"),
        }
        if options.get("tags"):
            snippet["tags"] = [str(t) for t in options["tags"]]
        privacy = options.get("privacy") or "public"
        # Always explicit: YouTube makes a video public when privacyStatus is left out.
        status: dict[str, Any] = {
            "privacyStatus": privacy,
            "selfDeclaredMadeForKids": bool(options.get("made_for_kids", False)),
        }
        when = rendered.post.publish_at
        now = now or datetime.now(UTC)
        if options.get("native_schedule") and when is not None and when > now + SCHEDULE_MARGIN:
            if privacy == "public":
                # publishAt is accepted only on a private video, which YouTube makes public at that time.
                status["privacyStatus"] = "private"
                status["publishAt"] = _rfc3339(when)
            else:
                # publishAt would make an unlisted or private video public: keep the privacy asked for.
                log.info(
                    "YouTube native scheduling skipped for %s: privacy is %s, not public",
                    rendered.post.id,
                    privacy,
                )
        return {"snippet": snippet, "status": status}

    def publish(self, rendered: Rendered, *, gate: Gate | None = None, progress: Progress | None = None) -> Receipt:
        """Upload the video (resumable, in chunks), then its thumbnail; `progress(sent, total)` per chunk,
        `gate()` right before the upload starts."""
        self.warnings = []
        video = _video_of(rendered)
        body = self.video_body(rendered)
        youtube = self._youtube()
        self._check_channel()
        try:
            media = _chunked_upload_class()(
                str(video.file),
                mimetype=video.mime or "application/octet-stream",
                chunksize=self._chunk(),
                resumable=True,
            )
            media.checked = video
        except OSError as exc:
            raise PlatformError(
                f"YouTube: cannot read the video {video.path}: {exc.strerror}",
                transient=False,
                hint="check the file; nothing was sent",
            ) from None
        try:
            if gate is not None:
                gate()
            request = youtube.videos().insert(part="snippet,status", body=body, media_body=media)
            answer = self._upload(request, media.size(), progress)
        finally:
            media.stream().close()
        answer = answer_object(answer)
        video_id = answer_text(answer.get("id"))
        if not _VIDEO_ID.fullmatch(video_id):
            raise PlatformError(
                "YouTube took the whole video but answered without its id",
                transient=False,
                maybe_sent=True,
                hint="the outcome is checked against the channel's uploads before anything is sent again",
            )
        granted = answer_object(answer.get("status")).get("privacyStatus")
        if granted and granted != body["status"]["privacyStatus"]:
            self._warn(
                f"YouTube made video {video_id} {granted}, not {body['status']['privacyStatus']}: uploads "
                "from an API project that has not passed Google's audit are locked private "
                "(https://developers.google.com/youtube/v3/docs/videos/insert)"
            )
        if rendered.thumbnail is not None:
            self._set_thumbnail(video_id, rendered.thumbnail)
        published = parse_time(answer_object(answer.get("snippet")).get("publishedAt"))
        return Receipt(video_id, WATCH_URL.format(video_id), published_at=published)

    def find(self, rendered: Rendered) -> Receipt | None:
        """The video of the channel's recent uploads with this title and description, if any.

        Reads the channel's uploads playlist (1 quota unit a page) rather than `search.list(forMine=True)`
        (100 units, and its index lags); private and scheduled videos are in that playlist for their owner.
        """
        youtube = self._youtube()
        try:
            channel = self._my_channel("contentDetails")
            related = answer_object(answer_object(channel.get("contentDetails")).get("relatedPlaylists"))
            uploads = answer_text(related.get("uploads"))
            if not uploads:
                return None
            items = youtube.playlistItems()
            request = items.list(part="snippet,contentDetails", playlistId=uploads, maxResults=50)
            for _ in range(self.find_pages):
                if request is None:
                    break
                page = _listing(request.execute())
                for item in answer_objects(page.get("items")):
                    snippet = answer_object(item.get("snippet"))
                    if _same_video(snippet, rendered):
                        video_id = answer_text(answer_object(snippet.get("resourceId")).get("videoId")) or (
                            answer_text(answer_object(item.get("contentDetails")).get("videoId"))
                        )
                        if _VIDEO_ID.fullmatch(video_id):
                            return Receipt(
                                str(video_id),
                                WATCH_URL.format(video_id),
                                published_at=parse_time(snippet.get("publishedAt")),
                            )
                request = items.list_next(request, page)
        except _network_errors() as exc:
            raise self._failure(exc, sent=False) from None
        return None

    def delete(self, remote_id: str) -> None:
        """Delete a video of the channel."""
        youtube = self._youtube()
        try:
            youtube.videos().delete(id=remote_id).execute()
        except _network_errors() as exc:
            raise self._failure(exc, sent=True) from None  # maybe_sent: the video may be gone all the same

    def verify(self) -> list[str]:
        """Refresh the token and read the channel; warn about what will break later (token expiry)."""
        self._youtube()
        try:
            channel = self._my_channel("id,snippet")
        except _network_errors() as exc:
            raise self._failure(exc, sent=False) from None
        self._match_channel(channel)
        warnings = []
        expires = getattr(self._http, "refresh_token_expires_in", None)
        if expires is not None:
            warnings.append(
                f"refresh token expires in {_duration(expires)} (OAuth app in Testing mode: publish the app "
                f"to get long-lived tokens, then run `socialpub auth {self.channel.name}`)"
            )
        return warnings + self._reading_warnings()

    # --- helpers ---------------------------------------------------------------------------------------

    def _chunk(self) -> int:
        return max(CHUNK_GRANULARITY, self.chunksize // CHUNK_GRANULARITY * CHUNK_GRANULARITY)

    def _warn(self, message: str) -> None:
        message = scrub(message, self.known_secrets())
        self.warnings.append(message)
        log.warning("%s", message)

    def _my_channel(self, part: str) -> dict[str, Any]:
        answer = _listing(self._youtube().channels().list(part=part, mine=True).execute())
        items = answer_objects(answer.get("items"))
        if not items:
            raise PlatformError(
                "YouTube: the signed-in Google account has no YouTube channel",
                transient=False,
                hint=f"create the channel, or run `socialpub auth {self.channel.name}` and sign in with the "
                "account (or brand account) that owns it",
            )
        return items[0]  # type: ignore[no-any-return]

    def _match_channel(self, channel: dict[str, Any]) -> None:
        expected = self.channel.options.get("channel_id")
        if expected and channel.get("id") != expected:
            title = answer_text(answer_object(channel.get("snippet")).get("title"))
            raise CredentialsError(
                f"the YouTube sign-in of channel {self.channel.name} is for channel "
                + said_briefly(answer_text(channel.get("id")) or "?")
                + (f" ({said_briefly(title)})" if title else "")
                + f", not channel_id = {expected}",
                key=f"channels.{self.channel.name}.channel_id",
                hint=f"run `socialpub auth {self.channel.name}` and pick the right channel on Google's "
                "consent page",
            )

    def _check_channel(self) -> None:
        """Once per adapter: a configured channel_id must be the signed-in one (no upload to another)."""
        if self._channel_checked or not self.channel.options.get("channel_id"):
            return
        try:
            channel = self._my_channel("id,snippet")
        except _network_errors() as exc:
            raise self._failure(exc, sent=False) from None
        self._match_channel(channel)
        self._channel_checked = True

    def _upload(self, request: Any, total: int, progress: Progress | None) -> dict[str, Any]:
        """Drive the resumable upload; resume after a dropped connection, a timeout or a 5xx.

        `next_chunk(num_retries=0)`: the SDK's own retries resend the chunk without asking the server what it
        holds. After a failure the request is in error state, and the next `next_chunk()` first sends
        `PUT Content-Range: bytes */TOTAL`, reads the `Range` of the 308 (or the finished video) and continues
        from there (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol#Resume_Upload).
        """
        from googleapiclient.errors import HttpError

        if progress:
            progress(0, total)
        failures = 0
        chunk = self._chunk()
        while True:
            final = request.resumable_progress + chunk >= total
            try:
                status, answer = request.next_chunk(num_retries=0)
            except _network_errors() as exc:
                started = request.resumable_uri is not None
                if not started:  # the session did not start: no video can exist
                    raise self._failure(exc, sent=False, maybe_sent=False) from None
                if isinstance(exc, HttpError) and exc.status_code in (404, 410):
                    raise PlatformError(
                        f"YouTube: the upload session ended (HTTP {exc.status_code})",
                        transient=True,
                        maybe_sent=final,
                        hint="the upload starts again on the next attempt",
                    ) from None
                if not _resumable(exc) or failures >= self.resume_attempts:
                    # the video may exist only if the last chunk went out and no answer said otherwise
                    unknown = final and _unanswered(exc)
                    raise self._failure(exc, sent=unknown, maybe_sent=unknown) from None
                failures += 1
                wait = min(30.0, self.resume_backoff * 2 ** (failures - 1))
                if isinstance(exc, HttpError):
                    wait = min(30.0, retry_after(dict(exc.resp)) or wait)
                log.info(
                    "YouTube upload interrupted (%s); resuming in %.1f s from what the server holds",
                    type(exc).__name__,
                    wait,
                )
                self.sleep(wait)
                continue
            if answer is not None:
                if progress:
                    progress(total, total)
                return answer  # type: ignore[no-any-return]
            if status is not None:
                failures = 0
                if progress:
                    progress(int(status.resumable_progress), total)

    def _set_thumbnail(self, video_id: str, thumbnail: Media) -> None:
        """A custom thumbnail. Its failure is only a warning: the video is up; a retry would duplicate it."""
        if thumbnail.file is None:
            self._warn(
                f"thumbnail {thumbnail.path} not set on video {video_id}: {thumbnail.problem or 'no file'}"
            )
            return
        from googleapiclient.http import MediaFileUpload, MediaIoBaseUpload

        mime = thumbnail.mime or "application/octet-stream"
        try:
            if thumbnail.data is not None:  # the bytes hashed before the claim
                media = MediaIoBaseUpload(thumbnail.open(), mimetype=mime, resumable=False)
            else:
                media = MediaFileUpload(str(thumbnail.file), mimetype=mime, resumable=False)
        except OSError as exc:
            self._warn(f"thumbnail {thumbnail.path} not set on video {video_id}: {exc.strerror}")
            return
        try:
            self._youtube().thumbnails().set(videoId=video_id, media_body=media).execute()
        except _network_errors() as exc:
            err = self._failure(exc, sent=True)
            self._warn(
                f"video {video_id} is published, but its thumbnail was not set: {err.message}"
                + (f" ({err.hint})" if err.hint else "")
                + " (custom thumbnails need a verified channel: https://www.youtube.com/verify)"
            )
        finally:
            media.stream().close()

    def _failure(self, exc: Exception, *, sent: bool, maybe_sent: bool | None = None) -> SocialpubError:
        """An SDK or transport exception as a PlatformError that says what YouTube said and what to do."""
        from google.auth import exceptions as auth_errors
        from googleapiclient.errors import HttpError

        secrets = self.known_secrets()
        if isinstance(exc, SocialpubError):
            return exc
        if isinstance(exc, HttpError):  # an answer to a request that changes nothing cannot leave anything unknown
            return self._http_failure(exc, maybe_sent if maybe_sent is not None else answered_maybe_sent(sent))
        if isinstance(exc, auth_errors.RefreshError):
            return self._refresh_failure(exc)
        if isinstance(exc, auth_errors.TransportError):  # the token endpoint could not be reached
            return request_error("YouTube (token endpoint)", exc, sent=False, secrets=secrets)
        if isinstance(exc, ValueError):
            if _unreadable(exc):  # an answer came, but not JSON: what was asked may have been done
                return _not_json(sent if maybe_sent is None else maybe_sent)
            # http.client refuses a header value (a line break, text that is not latin-1) before sending
            return PlatformError(
                "YouTube: the request was not sent (a header value HTTP cannot carry)",
                transient=False,
                maybe_sent=False,
                hint=f"check the credentials of channel {self.channel.name}, or run "
                f"`socialpub auth {self.channel.name}` again",
            )
        return request_error("YouTube", exc, sent=sent if maybe_sent is None else maybe_sent, secrets=secrets)

    def _http_failure(self, exc: Any, maybe_sent: bool | None) -> PlatformError:
        status = int(exc.status_code)
        details = exc.error_details if isinstance(exc.error_details, list) else []
        reasons = {str(d.get("reason")) for d in details if isinstance(d, dict) and d.get("reason")}
        said = exc.reason or ""
        phrase = getattr(exc.resp, "reason", "") or ""
        if not details and (not said or said == phrase):  # not Google's error shape: show what came back
            body = exc.content.decode("utf-8", "replace").strip()
            body = clip(body, 300)  # redacted before it is cut: half a secret would no longer be recognised
            said = f"{phrase}: {body}" if body and phrase else (body or phrase)
        if reasons:
            said = f"{said} [{', '.join(sorted(reasons))}]"
        headers = {str(k): str(v) for k, v in dict(exc.resp).items()}
        name = self.channel.name
        transient: bool | None = None
        wait: float | None = None
        action: str | None = None
        if reasons & {"quotaExceeded", "dailyLimitExceeded"}:
            # The daily quota resets at midnight Pacific time: waiting is the fix, so transient.
            transient, wait = True, seconds_until_pacific_midnight()
            action = (
                "the Google Cloud project's daily YouTube quota is used up (an upload costs 1,600 of the "
                "default 10,000 units); it resets at midnight Pacific time and socialpub retries then; "
                "ask Google for more quota if this recurs"
            )
        elif "uploadLimitExceeded" in reasons:
            transient, wait = True, 24 * 3600.0
            action = "the channel reached YouTube's limit of uploads per 24 hours; socialpub retries in a day"
        elif reasons & {"rateLimitExceeded", "userRateLimitExceeded"}:
            transient, wait = True, retry_after(headers) or 60.0
            action = "YouTube asks to slow down; socialpub retries after the wait"
        elif status == 401:
            action = f"re-authenticate: run `socialpub auth {name}` (the sign-in was revoked or is invalid)"
        elif "insufficientPermissions" in reasons:
            action = (
                f"the sign-in lacks a YouTube permission socialpub needs: run `socialpub auth {name}` and "
                "grant every permission asked"
            )
        elif reasons & {"forbiddenPrivacySetting", "forbiddenLicenseSetting", "forbidden"}:
            action = (
                "YouTube does not allow this account or API project to do this (check the channel's status)"
            )
        elif "videoNotFound" in reasons:
            action = "the video does not exist on YouTube (deleted there?)"
        elif status == 400:
            action = _FIXES.get(next(iter(sorted(reasons & set(_FIXES))), ""), "fix the post as YouTube says")
        err = platform_error(
            "YouTube",
            status,
            said,
            headers=headers,
            secrets=self.known_secrets(),
            action=action,
            maybe_sent=maybe_sent,
        )
        if transient is not None:
            err.transient = transient
        if wait is not None:
            err.retry_after = wait
        return err

    def _refresh_failure(self, exc: Any) -> PlatformError:
        args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
        message = args[0] if args and isinstance(args[0], str) else type(exc).__name__
        data = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        message = f"YouTube's token endpoint said: {said_briefly(message, self.known_secrets())}"
        if getattr(exc, "retryable", False):
            return PlatformError(
                message, transient=True, hint="Google's sign-in service is having trouble; retry later"
            )
        if data.get("error") == "invalid_client":
            hint = (
                f"check client_id and client_secret of channel {self.channel.name} (the OAuth client may "
                "have been deleted in the Google Cloud console)"
            )
        else:
            hint = (
                f"the refresh token was refused (revoked, expired — those of OAuth apps in Testing mode last "
                f"7 days — or made for another client): run `socialpub auth {self.channel.name}`"
            )
        return PlatformError(message, transient=False, hint=hint)

    # --- reading comments (the safety inbox) ---------------------------------------------------------
    # commentThreads.list(videoId, part=snippet,replies, order=time: newest thread first), and comments.list by
    # parentId for a thread whose replies are not all inlined; 1 quota unit a page. There is no since: the read
    # stops at the high-water mark (a TimeMark: the newest time read, the ids read just before it). A read
    # stopped by its budget or a rate limit keeps the old mark, what it delivered so far and the page to go on
    # from; when it ends, what it delivered is the new mark. YouTube lists threads by the time they were
    # started: new replies to a thread older than the mark are found by its reply count (kept in the cursor),
    # on the page where the mark is reached; further back, pages are not read again (quota).

    can_read_comments = True
    reads_spend_quota = True  # 1 unit a page, of the daily quota uploads need (1,600 each)
    read_pages: int = 50  # requests per read at most (a platform that pages forever is cut short)
    read_page_size: int = 100  # threads or replies asked for per request (YouTube's most)

    def read_comments(
        self, remote_id: str, *, extra_ids: tuple[str, ...] = (), published_at: datetime | None, since: str | None,
        now: datetime, budget: int = 100,
    ) -> CommentPage:
        """The video's comment threads newer than the mark, each with all its replies; then those YouTube holds
        from the public (`held_statuses`), which only the channel's owner may list, every time (they are few, and
        leave the list when published or removed): an adverse event may wait there for a moderator."""
        if not _VIDEO_ID.fullmatch(remote_id):
            raise PlatformError(f"YouTube: '{said_briefly(remote_id)[:40]}' is not a video id", transient=False,
                                hint="the ledger's remote id of this post is not YouTube's: see `socialpub status`")
        sweep = _Sweep(self, since, now, budget)
        youtube = self._youtube()
        page = self._published_comments(youtube, remote_id, sweep, since)
        held, gaps, stopped = self._held_comments(youtube, remote_id, sweep)
        return CommentPage((*page.comments, *held), page.cursor, page.complete and not stopped, (*page.gaps, *gaps))

    # Held comments: commentThreads.list with moderationStatus, 1 quota unit a page like every list call.
    held_statuses: tuple[str, ...] = ("heldForReview", "likelySpam")
    held_pages: int = 5  # pages of each status read at most (100 threads a page)
    units_per_read: ClassVar[int] = 1 + len(held_statuses)  # list calls of a read with no new comment

    def _held_comments(self, youtube: Any, remote_id: str, sweep: _Sweep) -> tuple[list[Comment], list[str], bool]:
        """The video's threads held from the public, marked with their status; the gaps, and whether a
        transient failure stopped the read (it is read again next time)."""
        found: list[Comment] = []
        gaps: list[str] = []
        for status in self.held_statuses:
            token: str | None = None
            for _ in range(self.held_pages):
                sweep.calls += 1
                try:
                    answer = _listing(youtube.commentThreads().list(
                        part="snippet", videoId=remote_id, textFormat="plainText", maxResults=self.read_page_size,
                        moderationStatus=status, **({"pageToken": token} if token else {})).execute())
                except _network_errors() as exc:
                    if "commentsDisabled" in _reasons(exc):
                        return found, gaps, False  # nothing can be written there
                    error = self._failure(exc, sent=False)
                    if getattr(error, "transient", False):
                        gaps.append(stopped_early(error))
                        return found, gaps, True
                    # not the owner's sign-in, or a scope short: a gap said once, the public comments are read
                    gaps.append(f"YouTube refused the comments held for review of video {remote_id} "
                                f"({', '.join(sorted(_reasons(exc))) or 'refused'}): review them in YouTube Studio; "
                                "the sign-in must be the channel's owner with youtube.force-ssl")
                    return found, gaps, False
                for thread in answer_objects(answer.get("items")):
                    top = _comment_of(answer_object(answer_object(thread.get("snippet")).get("topLevelComment")),
                                      remote_id)
                    if top is not None:
                        found.append(dataclasses.replace(top, held=status))
                token = answer_text(answer.get("nextPageToken")) or None
                if token is None:
                    break
            else:
                gaps.append(Stop(f"more comments are held for review on video {remote_id} than {self.held_pages} "
                                 "pages: the rest is read later (see YouTube Studio)"))
        return found, gaps, False

    def _published_comments(self, youtube: Any, remote_id: str, sweep: _Sweep, since: str | None) -> CommentPage:
        """The public threads newer than the mark, each with all its replies."""
        try:
            while sweep.calls < self.read_pages:
                threads = sweep.fetch(youtube.commentThreads().list(
                    part="snippet,replies", videoId=remote_id, textFormat="plainText", maxResults=self.read_page_size,
                    order="time", **({"pageToken": sweep.token} if sweep.token else {})))
                if threads is None:
                    return sweep.page(False)
                below = False  # at the mark: the threads from here on were read before (their new replies were not)
                for thread in answer_objects(threads.get("items")):
                    snippet = answer_object(thread.get("snippet"))
                    top = _comment_of(answer_object(snippet.get("topLevelComment")), remote_id)
                    if top is None:
                        continue
                    below = below or sweep.mark.older(_seconds(top.created_at))
                    if len(sweep.found) >= sweep.budget or sweep.calls >= self.read_pages:
                        return sweep.page(False)  # this page is read again next time; what it gave is left out
                    total = snippet.get("totalReplyCount")
                    total = total if isinstance(total, int) and not isinstance(total, bool) else 0
                    known = sweep.counts.get(top.id)
                    if below and known is not None and total <= known:
                        continue  # nothing new in a thread read before
                    replies = [c for c in (_comment_of(r, remote_id) for r in answer_objects(
                        answer_object(thread.get("replies")).get("comments"))) if c]
                    if total > len(replies):
                        more = self._replies(youtube, top.id, remote_id, sweep)
                        if more is None:
                            return sweep.page(False)
                        replies = more
                    if below:  # the newest replies are the ones added since; a thread not known: all of it
                        newest = sorted(replies, key=lambda c: c.created_at or _EPOCH)
                        sweep.take_late(newest[max(0, len(newest) - (total - known)):] if known is not None
                                        else [top, *newest])
                    else:
                        sweep.take([top, *replies])
                    sweep.counts.pop(top.id, None)  # re-inserted last: the cursor keeps the most recent
                    sweep.counts[top.id] = total
                sweep.token = None if below else answer_text(threads.get("nextPageToken")) or None
                if sweep.token is None:
                    if not sweep.resumed:
                        return sweep.page(True)  # caught up
                    sweep.restart()  # a resumed read reached the old mark: what came meanwhile is on top
        except _CommentsOff:  # nothing can be written there, so nothing is missed
            sweep.gaps.append(f"comments are turned off on video {remote_id}: there is nothing to read")
            return CommentPage(tuple(sweep.found), since, True, tuple(sweep.gaps))
        sweep.gaps.append(Stop(f"YouTube kept answering with more pages after {self.read_pages}: the rest is read "
                               "later"))
        return sweep.page(False)

    def _reading_warnings(self) -> list[str]:
        """`channels --verify`: whether the sign-in may read comments (the scopes the token endpoint granted)."""
        granted = getattr(self._http, "granted_scopes", None)
        if granted is None or set(granted) & COMMENT_SCOPES:
            return []
        return [f"the sign-in of {self.channel.name} cannot read comments (the safety inbox): it lacks the "
                f"youtube.force-ssl or youtube.readonly permission; run `socialpub auth {self.channel.name}` and "
                "grant every permission asked"]

    def _replies(self, youtube: Any, thread_id: str, video_id: str, sweep: _Sweep) -> list[Comment] | None:
        """Every reply of a thread (comments.list by parentId), oldest first; None when the read stopped."""
        replies: list[Comment] = []
        token: str | None = None
        for _ in range(self.read_pages):
            answer = sweep.fetch(youtube.comments().list(
                part="snippet", parentId=thread_id, textFormat="plainText", maxResults=self.read_page_size,
                **({"pageToken": token} if token else {})))
            if answer is None:
                return None
            replies += [c for c in (_comment_of(item, video_id) for item in answer_objects(answer.get("items"))) if c]
            token = answer_text(answer.get("nextPageToken")) or None
            if token is None:
                return replies
        sweep.gaps.append(f"thread {thread_id} has more replies than {self.read_pages} pages: the later ones are not "
                          "read (see it on YouTube)")
        return replies


_FIXES = {
    "invalidTitle": "fix the post: a YouTube title needs 1 to 100 characters and no '<' or '>'",
    "invalidDescription": "fix the post: a YouTube description takes at most 5,000 bytes and no '<' or '>'",
    "invalidTags": "fix the post: YouTube tags may total 500 characters (quotes of a tag with spaces count)",
    "invalidCategoryId": "set category to an assignable YouTube category id (22 is People & Blogs)",
    "invalidPublishAt": "publish_at must be in the future for native scheduling",
}


def _video_of(rendered: Rendered) -> Media:
    videos = [m for m in rendered.media if m.kind == "video"]
    if len(videos) != 1 or videos[0].file is None:
        raise PlatformError(
            "YouTube: the post has no single usable video file to upload",
            transient=False,
            hint='set [youtube] media = [{ path = "video.mp4" }] in the post; `socialpub check` says more',
        )
    return videos[0]


def _same_video(snippet: Mapping[str, Any], rendered: Rendered) -> bool:
    """The title as sent, and the description's beginning (YouTube may tidy whitespace)."""
    if str(snippet.get("title") or "").strip() != (rendered.title or "").strip():
        return False
    have = " ".join(str(snippet.get("description") or "").split())
    want = " ".join(rendered.text.split())
    return have[:200] == want[:200]


def _listing(answer: Any) -> dict[str, Any]:
    """A list call's answer, which must be a JSON object (googleapiclient hands over a body that is no JSON
    as a string): else a transient PlatformError, not "nothing there"."""
    if isinstance(answer, dict):
        return answer
    raise _not_json()


def _not_json(maybe_sent: bool = False) -> PlatformError:
    return PlatformError(
        "YouTube answered with something other than JSON",
        transient=True,
        maybe_sent=maybe_sent,
        hint="the outcome is checked against the channel's uploads before anything is sent again"
        if maybe_sent
        else "retry later; if it persists, check the channel's endpoint",
    )


def _unreadable(exc: Exception) -> bool:
    """An answer that came but cannot be read (not UTF-8, not JSON), as googleapiclient raises it; other
    ValueErrors of a call are http.client refusing a header value before sending."""
    import json

    return isinstance(exc, json.JSONDecodeError | UnicodeDecodeError)


def _resumable(exc: Exception) -> bool:
    """Failures after which an upload session can go on: no answer, 408, 429, 5xx."""
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        return exc.status_code in (408, 429) or exc.status_code >= 500
    if isinstance(exc, ValueError):
        return _unreadable(exc)  # a refused header value fails again
    from google.auth import exceptions as auth_errors

    return not isinstance(exc, auth_errors.RefreshError)


def _unanswered(exc: Exception) -> bool:
    """Whether a failed request may still have been carried out (no answer, or a 500/502/504)."""
    from google.auth import exceptions as auth_errors
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        return exc.status_code in (500, 502, 504)
    if isinstance(exc, ValueError):
        return _unreadable(exc)  # a refused header value: never sent
    return not isinstance(exc, auth_errors.RefreshError)  # a refused refresh: the request was never sent


@functools.cache
def _network_errors() -> tuple[type[Exception], ...]:
    """What the SDK and its transport raise for a failed call (not programming errors)."""
    import http.client

    import httplib2
    from google.auth import exceptions as auth_errors
    from googleapiclient.errors import HttpError

    return (
        HttpError,
        auth_errors.RefreshError,
        auth_errors.TransportError,
        httplib2.HttpLib2Error,
        http.client.HTTPException,
        OSError,
        ValueError,  # an answer that is not JSON (googleapiclient), a header value http.client refuses
    )


def _endpoint_http(endpoint: str | None, token_uri: str, timeout: float) -> Any:
    return _http_class()(endpoint, token_uri, timeout)


@functools.cache
def _http_class() -> type:
    import http.client
    import json

    import httplib2

    from socialpub import http as limits

    class BoundedResponse(http.client.HTTPResponse):
        """An answer read whole (as httplib2 does) keeps at most MAX_ANSWER bytes; the rest is never read. A
        compressed one is decompressed here, to at most MAX_ANSWER bytes too (httplib2 would inflate a small
        answer into gigabytes), and handed on as plain."""

        def read(self, amt: int | None = None) -> bytes:
            if amt is not None:
                return super().read(amt)
            data = super().read(limits.MAX_ANSWER + 1)
            if len(data) > limits.MAX_ANSWER:
                self.close()
                data = data[: limits.MAX_ANSWER]
            return self._inflated(data)

        def _inflated(self, data: bytes) -> bytes:
            import zlib

            # The encodings httplib2 decompresses, named as it compares them (several headers: none of them).
            if ", ".join(self.msg.get_all("content-encoding") or ()) not in ("gzip", "deflate", "zlib"):
                return data
            for wbits in (zlib.MAX_WBITS | 32, -zlib.MAX_WBITS):  # gzip or zlib, else raw deflate (as httplib2)
                try:
                    plain = zlib.decompressobj(wbits).decompress(data, limits.MAX_ANSWER + 1)
                except zlib.error:
                    continue
                del self.msg["content-encoding"]
                return plain[: limits.MAX_ANSWER]
            return data  # not what it says it is: httplib2 fails on it as before (FailedToDecompressContent)

    class BoundedHTTP(httplib2.HTTPConnectionWithTimeout):  # type: ignore[misc]
        response_class = BoundedResponse

    class BoundedHTTPS(httplib2.HTTPSConnectionWithTimeout):  # type: ignore[misc]
        response_class = BoundedResponse

    class EndpointHttp(httplib2.Http):  # type: ignore[misc]
        """httplib2 with a timeout, the endpoint applied to every absolute URL, and 308 as an answer."""

        def __init__(self, endpoint: str | None, token_uri: str, timeout: float) -> None:
            # A loopback endpoint must not go through a proxy from the environment (as socialpub.http does).
            super().__init__(
                timeout=timeout, proxy_info=None if endpoint else httplib2.proxy_info_from_environment
            )
            # 308 is "Resume Incomplete" for Google's uploads, not a redirect (as in build_http()).
            self.redirect_codes = frozenset(self.redirect_codes) - {308}  # type: ignore[has-type]
            self.endpoint = endpoint.rstrip("/") if endpoint else None
            self.token_uri = token_uri
            self.refresh_token_expires_in: int | None = None
            self.granted_scopes: list[str] | None = None  # what the token endpoint last said the token may do

        def request(self, uri: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
            # `_fix_up_media_path_base_url` swaps only the host of upload URLs (https://127.0.0.1:…):
            # send them, and any other URL off the endpoint, to the endpoint with its scheme.
            if self.endpoint and uri != self.endpoint and not uri.startswith(self.endpoint + "/"):
                uri = redirect_url(uri, self.endpoint)
            if not args and not kwargs.get("connection_type"):  # google-auth-httplib2 passes None
                kwargs["connection_type"] = BoundedHTTPS if uri.startswith("https:") else BoundedHTTP
            response, content = super().request(uri, method, *args, **kwargs)
            log_request(method, uri, response.status)
            if uri == self.token_uri:
                _check_token_answer(response.status, content)
                if response.status == 200:
                    self._note_token(content)
            elif response.status == 403:
                content = _readable_403(content)
            return response, content

        def _note_token(self, content: bytes) -> None:
            # Google adds refresh_token_expires_in for OAuth apps in Testing mode (7 days); google-auth
            # drops it.
            try:
                seconds = json.loads(content).get("refresh_token_expires_in")
                scope = json.loads(content).get("scope")
            except (ValueError, AttributeError):
                return
            self.granted_scopes = scope.split() if isinstance(scope, str) else None
            self.refresh_token_expires_in = (
                int(seconds) if isinstance(seconds, (int, float, str)) and str(seconds).isdigit() else None
            )

    return EndpointHttp


def _readable_403(content: bytes) -> bytes:
    """A 403's body as googleapiclient can read it: it looks into a 403 for a reason to retry, and fails
    (TypeError, IndexError) on JSON that is not Google's error shape. Such a body is rewritten to that shape
    with the same words; Google's own answers pass unchanged."""
    import json

    try:
        data = json.loads(content)
    except ValueError:
        return content  # not JSON: googleapiclient copes
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        errors = error.get("errors", [])
        if isinstance(errors, list) and all(isinstance(e, dict) for e in errors):
            if all(isinstance(error.get(k, ""), str) for k in ("status", "message")):
                return content
    said = " ".join(content.decode("utf-8", "replace").split())[:300]
    return json.dumps({"error": {"code": 403, "message": said or "Forbidden"}}).encode()


def _check_token_answer(status: int, content: bytes) -> None:
    """Raise RefreshError for a token endpoint answer google-auth would fail on with a TypeError or the like
    (a success without a usable access token, an error that is JSON but no object); let it read the rest."""
    import json

    from google.auth.exceptions import RefreshError

    try:
        data = json.loads(content)
    except ValueError:  # not JSON: google-auth reads an error's text itself; a success is nonsense
        data = None
        if status != 200:
            return
    said = " ".join(content.decode("utf-8", "replace").split())[:300] or "an empty answer"
    if status != 200:
        if not isinstance(data, dict):
            raise RefreshError(f"HTTP {status}: {said}", retryable=status >= 500 or status == 429)
        return
    expires = data.get("expires_in") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or not usable_token(data.get("access_token"))
        or not (expires is None or (isinstance(expires, int) and not isinstance(expires, bool)) or (
            isinstance(expires, str) and expires.isascii() and expires.isdigit()))
        or not all(isinstance(data.get(k), str | None) for k in ("refresh_token", "id_token", "scope", "token_type"))
    ):
        raise RefreshError(f"no usable access token in the answer: {said}", retryable=True)


@functools.cache
def _chunked_upload_class() -> type:
    from googleapiclient.http import MediaFileUpload

    class ChunkedFileUpload(MediaFileUpload):  # type: ignore[misc]
        """A file upload that reads one chunk into bytes per request instead of handing httplib2 a file slice.

        The SDK's `_StreamSlice` is consumed by the first send and has no `seek`: a resend of the same request
        (httplib2 resends once when a connection drops before the answer; google-auth-httplib2 resends after
        refreshing a token on 401) would go out with the full Content-Length and a short body, and hang until
        the timeout (seen against the sandbox: a dropped chunk stalled for the whole timeout). Bytes can be
        resent, and memory stays at about one chunk whatever the file size.
        """

        checked: Media | None = None  # the video as checked: hashed while read, compared before the last chunk
        _hash: Any = None
        _hashed = 0  # bytes hashed so far (each byte once, in order)
        _last: tuple[int, bytes] = (0, b"")  # the chunk read last: a resume resends from within it

        def has_stream(self) -> bool:
            return False

        def getbytes(self, begin: int, length: int) -> bytes:
            start, last = self._last
            if last and start <= begin and begin + length <= start + len(last):
                return last[begin - start : begin - start + length]  # a resend: the very bytes hashed
            data: bytes = super().getbytes(begin, length)
            if self.checked is None:
                return data
            if self._hash is None:
                self._hash = hashlib.sha256()
            if begin <= self._hashed < begin + len(data):
                self._hash.update(data[self._hashed - begin :])
                self._hashed = begin + len(data)
            elif begin + len(data) <= self._hashed:
                log.warning("YouTube: %s re-read before its last chunk; those bytes are not compared again",
                            self.checked.path)
            self._last = (begin, data)
            if self._hashed >= self.size() or len(data) < length:  # the last chunk goes only if all is as checked
                self.checked.changed(self._hash.hexdigest())
            return data

    return ChunkedFileUpload


def seconds_until_pacific_midnight(now: datetime | None = None) -> float:
    """YouTube's daily quota resets at midnight Pacific time."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/Los_Angeles")
    local = (now or datetime.now(UTC)).astimezone(zone)
    midnight = datetime(local.year, local.month, local.day, tzinfo=zone) + timedelta(days=1)  # wall clock
    # Same-tzinfo subtraction ignores the UTC offsets: compare in UTC, right across a DST change.
    return max(1.0, (midnight.astimezone(UTC) - local.astimezone(UTC)).total_seconds())


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


MAX_COUNTS = 1000  # threads whose reply counts a cursor keeps (the most recently gone through)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _CommentsOff(Exception):
    """The video's comments are turned off (403 commentsDisabled)."""


class _Sweep:
    """One read of a video's threads (YouTubeAdapter.read_comments): the marks, the page it is on, what it found."""

    def __init__(self, adapter: YouTubeAdapter, since: str | None, now: datetime, budget: int) -> None:
        from socialpub.adapters.base import TimeMark

        state = cursor_of(since)
        self.adapter = adapter
        self.mark = TimeMark(state.get("mark"), now)  # of the last read that ended
        self.done = TimeMark(state.get("next") if "next" in state else state.get("mark"), now)  # and since then
        self.token = answer_text(state.get("page")) or None
        self.resumed = "next" in state  # a read stopped before: it goes on from its page
        self.now = now
        self.budget = max(1, budget)
        self.found: list[Comment] = []
        self.gaps: list[str] = []
        self.calls = 0
        self.late: set[str] = set()
        # the reply count of each thread gone through, to find new replies in threads older than the mark
        counts = answer_object(state.get("replies"))
        self.counts = {k: v for k, v in counts.items() if isinstance(v, int) and not isinstance(v, bool)}

    def fetch(self, request: Any) -> dict[str, Any] | None:
        """One list call's answer; None when a transient failure stopped a read that had found something."""
        self.calls += 1
        try:
            return _listing(request.execute())
        except _network_errors() as exc:
            if "commentsDisabled" in _reasons(exc):
                raise _CommentsOff from None
            error = self.adapter._failure(exc, sent=False)
        if not self.found or not getattr(error, "transient", False):
            raise error
        self.gaps.append(stopped_early(error))
        return None

    def restart(self) -> None:
        """From the top again, with what was read as the mark."""
        from socialpub.adapters.base import TimeMark

        self.mark, self.token, self.resumed = TimeMark(self.done.dump(), self.now), None, False

    def take(self, comments: list[Comment]) -> None:
        for comment in comments:
            moment = _seconds(comment.created_at)
            if self.mark.is_new(comment.id, moment) and comment.id not in self.done.seen:
                self.found.append(comment)
                self.done.add(comment.id, moment)

    def take_late(self, replies: list[Comment]) -> None:
        """Replies added to a thread older than the mark: new whatever their time says."""
        for reply in replies:
            if reply.id not in self.done.seen and reply.id not in self.late:
                self.found.append(reply)
                self.late.add(reply.id)
                self.done.add(reply.id, _seconds(reply.created_at))

    def page(self, complete: bool) -> CommentPage:
        counts = dict(list(self.counts.items())[-MAX_COUNTS:]) or None
        if complete:
            cursor = cursor_text(mark=self.done.dump(), replies=counts)
            return CommentPage(tuple(self.found), cursor, True, tuple(self.gaps))
        cursor = cursor_text(mark=self.mark.dump(), next=self.done.dump() or {}, page=self.token, replies=counts)
        return CommentPage(tuple(self.found), cursor, False, tuple(self.gaps))


def _reasons(exc: Exception) -> set[str]:
    """The reasons of a YouTube error answer (HttpError.error_details)."""
    details = getattr(exc, "error_details", None)
    return {str(d.get("reason")) for d in details if isinstance(d, dict)} if isinstance(details, list) else set()


def _seconds(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def _comment_of(item: Mapping[str, Any], video_id: str) -> Comment | None:
    """A YouTube comment resource as a Comment (None without an id). One with neither text nor author is shown
    as removed."""
    comment_id = answer_text(item.get("id"))
    if not comment_id:
        return None
    snippet = answer_object(item.get("snippet"))
    text = snippet.get("textDisplay")
    if not isinstance(text, str) or not text:
        text = snippet.get("textOriginal")
    author = answer_text(snippet.get("authorDisplayName"))
    return Comment(
        id=comment_id,
        text=text if isinstance(text, str) else "",
        author=author,
        author_id=answer_text(answer_object(snippet.get("authorChannelId")).get("value")),
        created_at=parse_time(snippet.get("publishedAt")),
        url=f"https://www.youtube.com/watch?v={video_id}&lc={quote(comment_id, safe='')}",
        parent_id=answer_text(snippet.get("parentId")) or None,
        kind="comment",
        deleted=not text and not author,
    )


def _duration(seconds: int) -> str:
    if seconds >= 86400:
        days = round(seconds / 86400)
        return f"{days} day{'s' if days != 1 else ''}"
    hours = max(1, round(seconds / 3600))
    return f"{hours} hour{'s' if hours != 1 else ''}"


# --- `socialpub auth CHANNEL`: Google's installed-app consent flow ------------------------------------------


def authorize(
    channel: Channel,
    *,
    environ: Mapping[str, str] | None = None,
    open_browser: bool = True,
    port: int | None = None,
    on_url: Callable[[str], None] | None = None,
    timeout: float = 300.0,
) -> dict[str, str]:
    """Run Google's consent flow on a loopback redirect and return {"refresh_token": …} to store.

    Google accepts any port of a loopback IP address for a desktop client: the channel's `redirect_uri`
    defaults to http://127.0.0.1 on a free port. `on_url(url)` replaces printing the URL (tests follow it
    with requests); it must not block. https://developers.google.com/identity/protocols/oauth2/native-app
    """
    from google_auth_oauthlib.flow import InstalledAppFlow

    from socialpub.loopback import Listener, redirect_uri, show_consent

    adapter = YouTubeAdapter(channel, environ=environ)
    endpoint = channel.endpoint.rstrip("/") if channel.endpoint else None
    config = {
        "installed": {
            "client_id": adapter.secret("client_id"),
            "client_secret": adapter.secret("client_secret"),
            "auth_uri": f"{endpoint}/o/oauth2/auth" if endpoint else GOOGLE_AUTH_URI,
            "token_uri": adapter.token_uri,
            "redirect_uris": ["http://127.0.0.1", "http://localhost"],
        }
    }
    flow = InstalledAppFlow.from_client_config(config, scopes=list(SCOPES))
    adapter.guard_logs()
    uri = redirect_uri(channel.options.get("redirect_uri"), port, "http://127.0.0.1:0/")
    with Listener(uri, "Google") as listener, _loopback_transport(endpoint):
        flow.redirect_uri = listener.uri
        # offline: a refresh token, not only an access token; consent: Google sends one again only when asked
        url, state = flow.authorization_url(access_type="offline", prompt="consent")
        show_consent(url, f"the YouTube channel of {channel.name}", open_browser=open_browser, on_url=on_url)
        answer = listener.wait(state, timeout)
    if answer is None:
        raise CredentialsError(
            "no answer came back from the browser in time",
            hint=f"run `socialpub auth {channel.name}` again and finish the consent in the browser",
        )
    if answer.get("error") or not answer.get("code"):
        raise CredentialsError(
            "the consent was denied in the browser" if answer.get("error") == "access_denied"
            else f"Google did not give the authorization: {answer.get('error', 'no code')}",
            hint=f"run `socialpub auth {channel.name}` again and allow every permission asked",
        )
    try:
        with _loopback_transport(endpoint):
            flow.fetch_token(code=answer["code"], timeout=adapter.timeout)  # requests-oauthlib sends none by default
    except Exception as exc:  # oauthlib and requests errors alike
        raise _auth_failure(exc, channel.name, [*adapter.known_secrets(), answer["code"]]) from None
    creds = flow.credentials
    if not creds.refresh_token:
        raise CredentialsError(
            "Google returned no refresh token",
            key=f"channels.{channel.name}.refresh_token",
            hint="remove socialpub's access at https://myaccount.google.com/permissions, then run the "
            "command again",
        )
    return {"refresh_token": str(creds.refresh_token)}


@contextmanager
def _loopback_transport(endpoint: str | None) -> Iterator[None]:
    """oauthlib refuses http:// URLs: allow them for a loopback endpoint (the sandbox), during the flow."""
    from urllib.parse import urlsplit

    host = urlsplit(endpoint).hostname if endpoint else None
    if not (endpoint and endpoint.startswith("http://") and host in ("127.0.0.1", "localhost", "::1")):
        yield
        return
    before = os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = before


def _auth_failure(exc: Exception, name: str, secrets: list[str]) -> SocialpubError:
    if isinstance(exc, SocialpubError):
        return exc
    kind = type(exc).__name__
    text = scrub(str(getattr(exc, "description", None) or exc) or kind, secrets)
    if kind == "WSGITimeoutError":
        return CredentialsError(
            "no answer came back from the browser in time",
            hint=f"run `socialpub auth {name}` again and finish the consent in the browser",
        )
    if kind == "AccessDeniedError":
        return CredentialsError(
            "the consent was denied in the browser",
            hint=f"run `socialpub auth {name}` again and allow every permission asked",
        )
    if kind == "InsecureTransportError":
        return CredentialsError(
            "Google's sign-in needs https (or a loopback endpoint for the sandbox)",
            hint=f"check endpoint of channel {name} in channels.toml",
        )
    if isinstance(exc, OSError) or "requests" in type(exc).__module__:
        return request_error("Google sign-in", exc, sent=False, secrets=secrets)
    return CredentialsError(
        f"Google sign-in failed ({kind}: {text})",
        hint=f"check client_id and client_secret of channel {name}, then run `socialpub auth {name}` again",
    )
