"""The YouTube adapter end to end through google-api-python-client against the sandbox on loopback.

Every call goes through the real SDK (googleapiclient, google-auth, httplib2) to `Sandbox()`; the request
bodies socialpub sends and the sandbox's answers are held against the discovery document that ships with
google-api-python-client (the built-in sandbox).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from socialpub.adapters.base import Receipt, Rendered, adapter_for
from socialpub.adapters.youtube import YouTubeAdapter, authorize, seconds_until_pacific_midnight
from socialpub.config import load_config
from socialpub.errors import CredentialsError, PlatformError
from socialpub.posts import load_posts
from socialpub.sandbox import Sandbox
from socialpub.sandbox.youtube import UploadSession, YouTubeSandbox, sandbox_of
from tests.helpers import BASE_CONFIG, MP4, PNG, Repo

# Canary credentials: accepted by the sandbox (they start with "sandbox") and searched for in every output.
CANARY = {key: f"sandbox-CANARY-youtube-{key}-9f2" for key in ("client_id", "client_secret", "refresh_token")}
ENV = {
    "YT_ID": CANARY["client_id"],
    "YT_SECRET": CANARY["client_secret"],
    "YT_REFRESH": CANARY["refresh_token"],
}
YT_TABLE = '[channels.yt]\nkind = "youtube"\n'
TITLE = "Share your #MBCStrength story"
BODY = "Women living with metastatic breast cancer share what strength means to them."
MiB = 1024 * 1024


@pytest.fixture
def yt(box: Sandbox) -> YouTubeSandbox:
    return sandbox_of(box)


def make_video(path: Path, size: int | None = None) -> str:
    """An MP4 (sniffed as video/mp4); `size` pads it sparsely. Returns its sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(MP4)
        if size is not None and size > len(MP4):
            handle.truncate(size)  # sparse: no disk or memory for the zeros
    return sha256_of(path)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(MiB):
            digest.update(block)
    return digest.hexdigest()


def setup(
    repo: Repo,
    box: Sandbox,
    *,
    size: int | None = None,
    tables: str = "",
    channel: str = "",
    env: dict[str, str] | None = None,
    name: str = "clip",
    **front: Any,
) -> tuple[YouTubeAdapter, Rendered, Path]:
    """A real channels.toml and post file, loaded and rendered as socialpub does; aimed at the sandbox."""
    video = repo.root / "posts" / "media" / f"{name}.mp4"
    make_video(video, size)
    repo.write_config(base=BASE_CONFIG.replace(YT_TABLE, YT_TABLE + f'endpoint = "{box.url}"\n' + channel))
    tables = f'[youtube]\nmedia = [{{ path = "media/{name}.mp4", alt = "A short video" }}]\n' + tables
    repo.post(
        front.pop("body", BODY), name=name, tables=tables, **{"channels": ["yt"], "title": TITLE, **front}
    )
    config = load_config(repo.root / "channels.toml")
    loaded = load_posts(config)
    post = next(p for p in loaded.posts if p.path.stem == name)
    adapter = adapter_for(config.channels["yt"], config.compliance.limits, environ=env or ENV)
    assert isinstance(adapter, YouTubeAdapter)
    adapter.timeout = 5.0
    adapter.resume_backoff = 0.0
    return adapter, adapter.render(post), video


def videos(box: Sandbox) -> list[dict[str, Any]]:
    return [v for v in box.posts("youtube") if v["kind"] == "youtube#video"]


def routes(box: Sandbox) -> list[str]:
    return [r["route"].removeprefix("youtube:") for r in list(box.requests)]


def failure(call: Callable[[], object]) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        call()
    return caught.value


# --- the discovery document as JSON Schema -------------------------------------------------------------


def discovery() -> dict[str, Any]:
    import googleapiclient

    path = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "youtube.v3.json"
    if not path.exists():
        pytest.skip("youtube.v3.json is not in this google-api-python-client")
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def to_json_schema(node: dict[str, Any]) -> dict[str, Any]:
    """A discovery schema node as JSON Schema: $ref → definitions, int64 as strings, no unknown properties."""
    if "$ref" in node:
        return {"$ref": f"#/definitions/{node['$ref']}"}
    kind, out = node.get("type"), {}
    if kind == "string" or node.get("format") in ("int64", "uint64"):
        out["type"] = "string"
    elif kind in ("integer", "number", "boolean"):
        out["type"] = kind
    elif kind == "array":
        out = {"type": "array", "items": to_json_schema(node.get("items", {}))}
    elif kind == "object":
        out["type"] = "object"
        if "properties" in node:
            out["properties"] = {k: to_json_schema(v) for k, v in node["properties"].items()}
            out["additionalProperties"] = False  # a misspelt or invented field fails
        if "additionalProperties" in node:
            out["additionalProperties"] = to_json_schema(node["additionalProperties"])
    if "enum" in node:
        out["enum"] = node["enum"]
    return out


def schema_errors(name: str, instance: Any) -> list[str]:
    import jsonschema

    doc = discovery()
    schema = {
        "$ref": f"#/definitions/{name}",
        "definitions": {k: to_json_schema(v) for k, v in doc["schemas"].items()},
    }
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(instance)
    ]


# --- publish, find, delete ---------------------------------------------------------------------------------


def test_publish_uploads_the_video_once_with_its_metadata(repo: Repo, box: Sandbox) -> None:
    adapter, rendered, video = setup(
        repo,
        box,
        size=3 * MiB + 123,
        link="https://www.oncavix.example/mbc",
        tables='tags = ["metastatic breast cancer", "MBCStrength"]\nprivacy = "unlisted"\ncategory = "29"\n',
    )
    adapter.chunksize = MiB
    seen: list[tuple[int, int]] = []
    receipt = adapter.publish(rendered, progress=lambda sent, total: seen.append((sent, total)))

    (stored,) = videos(box)
    assert receipt == Receipt(
        stored["id"], f"https://www.youtube.com/watch?v={stored['id']}", published_at=receipt.published_at
    )
    assert receipt.published_at is not None and abs(receipt.published_at - datetime.now(UTC)) < timedelta(
        minutes=1
    )
    assert stored["snippet"]["title"] == TITLE
    assert stored["snippet"]["description"] == BODY + "\n\nhttps://www.oncavix.example/mbc"
    assert stored["snippet"]["tags"] == ["metastatic breast cancer", "MBCStrength"]
    assert stored["snippet"]["categoryId"] == "29"
    assert (
        stored["status"]["privacyStatus"] == "unlisted"
        and stored["status"]["selfDeclaredMadeForKids"] is False
    )
    assert "publishAt" not in stored["status"]
    assert (stored["_size"], stored["_sha256"], stored["_mimeType"]) == (
        video.stat().st_size,
        sha256_of(video),
        "video/mp4",
    )
    # progress: from 0 to the total, a step per 1 MiB chunk
    total = video.stat().st_size
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert [s for s, _ in seen] == sorted(s for s, _ in seen) and len(seen) >= 5
    # the refresh went to {endpoint}/token; the upload to the endpoint with its own http scheme
    assert routes(box)[:2] == ["token", "videos.insert"]
    assert routes(box).count("videos.upload") == 4


def test_find_returns_the_published_video_and_none_for_another(repo: Repo, box: Sandbox) -> None:
    adapter, rendered, _ = setup(repo, box)
    assert adapter.find(rendered) is None
    receipt = adapter.publish(rendered)
    found = adapter.find(rendered)
    assert found is not None and found.remote_id == receipt.remote_id and found.url == receipt.url
    # another post (another title) is not taken for this one
    _, other, _ = setup(repo, box, name="other", title="Another video entirely")
    assert adapter.find(other) is None


def test_find_pages_through_the_uploads_playlist(repo: Repo, box: Sandbox, yt: YouTubeSandbox) -> None:
    adapter, rendered, _ = setup(repo, box)
    receipt = adapter.publish(rendered)
    for i in range(60):  # 60 newer uploads push it onto the second page of 50
        session = UploadSession(
            id=f"s{i}",
            metadata={"snippet": {"title": f"Later video {i}"}},
            parts=["snippet"],
            mime="video/mp4",
            total=1,
            received=1,
        )
        yt._finish(session)
    found = adapter.find(rendered)
    assert found is not None and found.remote_id == receipt.remote_id
    assert routes(box).count("playlistItems.list") == 2
    adapter.find_pages = 1
    assert adapter.find(rendered) is None


def test_delete_removes_the_video(repo: Repo, box: Sandbox) -> None:
    adapter, rendered, _ = setup(repo, box)
    receipt = adapter.publish(rendered)
    adapter.delete(receipt.remote_id)
    assert videos(box) == [] and adapter.find(rendered) is None
    err = failure(lambda: adapter.delete(receipt.remote_id))
    assert not err.transient and "HTTP 404" in err.message and "videoNotFound" in err.message
    assert err.hint and "does not exist" in err.hint


def test_thumbnail_is_set_after_the_upload(repo: Repo, box: Sandbox) -> None:
    repo.write("posts/media/thumb.png", PNG)
    adapter, rendered, _ = setup(repo, box, tables='thumbnail = "media/thumb.png"\n')
    adapter.publish(rendered)
    (stored,) = videos(box)
    assert stored["_thumbnail"] == {
        "size": len(PNG),
        "sha256": hashlib.sha256(PNG).hexdigest(),
        "mimeType": "image/png",
    }
    assert adapter.warnings == []


def test_a_failed_thumbnail_warns_but_the_video_stands(
    repo: Repo, box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    repo.write("posts/media/thumb.png", PNG)
    adapter, rendered, _ = setup(repo, box, tables='thumbnail = "media/thumb.png"\n')
    box.inject("status", path="/thumbnails/set", status=500)
    with caplog.at_level(logging.WARNING):
        receipt = adapter.publish(rendered)  # no exception: a retry would upload the video twice
    (stored,) = videos(box)
    assert stored["id"] == receipt.remote_id and "_thumbnail" not in stored
    (warning,) = adapter.warnings
    assert "thumbnail was not set" in warning and "HTTP 500" in warning
    assert warning in caplog.text


def test_native_schedule_uploads_private_with_publish_at(repo: Repo, box: Sandbox) -> None:
    when = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    adapter, rendered, _ = setup(
        repo, box, publish_at=when, tables='native_schedule = true\nprivacy = "public"\n'
    )
    adapter.publish(rendered)
    (stored,) = videos(box)
    # publishAt is accepted only on a private video; YouTube makes it public then
    assert stored["status"]["privacyStatus"] == "private"
    assert stored["status"]["publishAt"] == when.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("tables", "future", "privacy"),
    [
        (
            'native_schedule = true\nprivacy = "unlisted"\n',
            True,
            "unlisted",
        ),  # publishAt would make it public
        ('native_schedule = true\nprivacy = "public"\n', False, "public"),  # publish_at passed: publish now
        ('privacy = "public"\n', True, "public"),  # no native scheduling asked for
    ],
)
def test_no_publish_at_unless_scheduling_a_public_video(
    repo: Repo, box: Sandbox, tables: str, future: bool, privacy: str
) -> None:
    when = datetime.now(UTC) + (timedelta(days=2) if future else -timedelta(hours=1))
    adapter, rendered, _ = setup(repo, box, publish_at=when, tables=tables)
    body = adapter.video_body(rendered)
    assert body["status"] == {"privacyStatus": privacy, "selfDeclaredMadeForKids": False}


def test_privacy_is_always_explicit(repo: Repo, box: Sandbox) -> None:
    adapter, rendered, _ = setup(repo, box)  # no privacy anywhere: socialpub's default, said out loud
    adapter.publish(rendered)
    (body,) = [b["body"] for b in sandbox_of(box).bodies if b["route"] == "videos.insert"]
    assert body["status"]["privacyStatus"] == "public"


def test_locked_private_upload_is_reported(repo: Repo, box: Sandbox, yt: YouTubeSandbox) -> None:
    yt.audited = False
    adapter, rendered, _ = setup(repo, box)
    adapter.publish(rendered)
    (warning,) = adapter.warnings
    assert "private, not public" in warning and "audit" in warning


# --- resumable upload: drops, 5xx, memory ---------------------------------------------------------------


def _inject_at_half(box: Sandbox, total: int, **fault: Any) -> Callable[[int, int], None]:
    injected: list[bool] = []

    def progress(sent: int, _total: int) -> None:
        if not injected and sent >= total // 2:
            injected.append(True)
            box.inject(path="/upload/youtube/v3/videos", method="PUT", **fault)

    return progress


def test_dropped_connection_mid_upload_resumes_and_stores_one_complete_video(
    repo: Repo, box: Sandbox, yt: YouTubeSandbox
) -> None:
    size = 40 * MiB + 4321
    adapter, rendered, video = setup(repo, box, size=size)
    adapter.chunksize = 4 * MiB
    # count=2: httplib2 silently resends once after a connection drop; the second drop reaches the adapter
    progress = _inject_at_half(box, size, kind="drop", after_bytes=MiB, count=2)
    receipt = adapter.publish(rendered, progress=progress)

    (stored,) = videos(box)
    assert stored["id"] == receipt.remote_id
    assert (stored["_size"], stored["_sha256"]) == (size, sha256_of(video))
    (session,) = yt.sessions.values()
    assert session.puts > 11  # 11 chunks, plus the status query (PUT bytes */total) and the resent chunk


def test_server_error_mid_upload_resumes(repo: Repo, box: Sandbox) -> None:
    size = 6 * MiB
    adapter, rendered, video = setup(repo, box, size=size)
    adapter.chunksize = MiB
    adapter.publish(rendered, progress=_inject_at_half(box, size, kind="status", status=503, count=2))
    (stored,) = videos(box)
    assert (stored["_size"], stored["_sha256"]) == (size, sha256_of(video))


def test_upload_that_cannot_resume_is_transient_and_maybe_sent_on_the_last_chunk(
    repo: Repo, box: Sandbox
) -> None:
    adapter, rendered, _ = setup(repo, box)  # one chunk: it is the last
    adapter.resume_attempts = 2
    box.inject("drop", path="/upload/youtube/v3/videos", method="PUT", count=100)
    err = failure(lambda: adapter.publish(rendered))
    assert err.transient and err.maybe_sent and "no answer" in err.message
    assert videos(box) == []


@pytest.mark.parametrize(("status", "maybe_sent"), [(500, True), (503, False)])
def test_last_chunk_failing_for_good_is_maybe_sent_only_without_a_clear_answer(
    repo: Repo, box: Sandbox, status: int, maybe_sent: bool
) -> None:
    adapter, rendered, _ = setup(repo, box)
    adapter.resume_attempts = 1
    box.inject("status", path="/upload/youtube/v3/videos", method="PUT", status=status, count=100)
    err = failure(lambda: adapter.publish(rendered))
    assert err.transient and err.maybe_sent is maybe_sent and f"HTTP {status}" in err.message


def test_a_finished_session_answers_with_its_video(repo: Repo, box: Sandbox, yt: YouTubeSandbox) -> None:
    # After a lost answer to the last chunk, the status query of the resumable protocol returns the video.
    adapter, rendered, video = setup(repo, box)
    adapter.publish(rendered)
    (session,) = yt.sessions.values()
    answer = requests.put(
        f"{box.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={session.id}",
        headers={"Content-Range": f"bytes */{video.stat().st_size}"},
        timeout=5,
    )
    assert answer.status_code == 200 and answer.json()["id"] == videos(box)[0]["id"]


def test_upload_memory_stays_at_about_one_chunk(repo: Repo, box: Sandbox) -> None:
    size = 40 * MiB
    adapter, rendered, video = setup(repo, box, size=size)
    adapter.chunksize = 4 * MiB
    adapter._youtube()  # build the client (discovery document) before measuring
    tracemalloc.start()
    try:
        adapter.publish(rendered)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (stored,) = videos(box)
    assert (stored["_size"], stored["_sha256"]) == (size, sha256_of(video))
    assert peak < 16 * MiB, f"peak {peak / MiB:.1f} MiB for a 40 MiB upload in 4 MiB chunks"


# --- verify -------------------------------------------------------------------------------------------------


def test_verify_reads_the_channel(repo: Repo, box: Sandbox) -> None:
    adapter, _, _ = setup(repo, box, channel=f'channel_id = "{YouTubeSandbox.channel_id}"\n')
    assert adapter.verify() == []
    assert routes(box) == ["token", "channels.list"]


def test_verify_warns_when_the_refresh_token_expires(repo: Repo, box: Sandbox, yt: YouTubeSandbox) -> None:
    yt.refresh_token_expires_in = 604799  # Google's answer for an OAuth app in Testing mode
    adapter, _, _ = setup(repo, box)
    assert adapter.verify() == [
        "refresh token expires in 7 days (OAuth app in Testing mode: publish the app to get long-lived "
        "tokens, then run `socialpub auth yt`)"
    ]


def test_verify_fails_without_a_channel_or_with_another_channel(
    repo: Repo, box: Sandbox, yt: YouTubeSandbox
) -> None:
    adapter, rendered, _ = setup(repo, box, channel='channel_id = "UCsomeoneElse00000000000"\n')
    with pytest.raises(CredentialsError, match="is for channel UCsandboxSocialpubChan01"):
        adapter.verify()
    with pytest.raises(CredentialsError):  # nothing is uploaded to the wrong channel
        adapter.publish(rendered)
    assert videos(box) == []
    yt.has_channel = False
    err = failure(adapter.verify)
    assert (
        not err.transient and "no YouTube channel" in err.message and "socialpub auth yt" in (err.hint or "")
    )


# --- errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "tables", "said", "fix"),
    [
        ({"title": "Strength <3"}, "", "invalid or empty video title. [invalidTitle]", "no '<' or '>'"),
        ({"title": "x" * 101}, "", "[invalidTitle]", "1 to 100 characters"),
        ({"body": "é" * 2501}, "", "[invalidDescription]", "5,000 bytes"),
        (
            {},
            f"tags = {json.dumps([f'tag number {i}' for i in range(40)])}\n",
            "[invalidTags]",
            "500 characters",
        ),
        ({}, 'category = "44"\n', "[invalidCategoryId]", "assignable"),
    ],
)
def test_validation_errors_are_permanent_and_say_what_to_fix(
    repo: Repo, box: Sandbox, front: dict[str, Any], tables: str, said: str, fix: str
) -> None:
    adapter, rendered, _ = setup(repo, box, tables=tables, **front)
    err = failure(lambda: adapter.publish(rendered))
    assert not err.transient and not err.maybe_sent
    assert "YouTube said (HTTP 400)" in err.message and said in err.message
    assert err.hint and fix in err.hint
    assert videos(box) == []


def test_revoked_refresh_token_is_permanent_and_asks_to_reauthenticate(
    repo: Repo, box: Sandbox, yt: YouTubeSandbox
) -> None:
    yt.revoked_refresh_tokens.add(CANARY["refresh_token"])
    adapter, rendered, _ = setup(repo, box)
    err = failure(lambda: adapter.publish(rendered))
    assert not err.transient and "invalid_grant: Token has been expired or revoked." in err.message
    assert err.hint and "socialpub auth yt" in err.hint
    assert routes(box) == ["token"]


def test_wrong_client_secret_is_permanent(repo: Repo, box: Sandbox) -> None:
    adapter, _, _ = setup(repo, box, env={**ENV, "YT_SECRET": "not-the-secret"})
    err = failure(adapter.verify)
    assert not err.transient and "invalid_client" in err.message and "client_secret" in (err.hint or "")


def test_401_from_the_api_asks_to_reauthenticate(repo: Repo, box: Sandbox) -> None:
    adapter, _, _ = setup(repo, box)
    box.inject(
        "status", path="/youtube/v3/channels", status=401, count=3
    )  # google-auth refreshes twice first
    err = failure(adapter.verify)
    assert not err.transient and "HTTP 401" in err.message and "socialpub auth yt" in (err.hint or "")
    assert routes(box).count("token") == 3


def test_missing_scope_is_permanent_and_asks_for_consent_again(
    repo: Repo, box: Sandbox, yt: YouTubeSandbox
) -> None:
    readonly = "sandbox-readonly-refresh"
    yt.refresh_tokens[readonly] = frozenset({"https://www.googleapis.com/auth/youtube.readonly"})
    adapter, rendered, _ = setup(repo, box, env={**ENV, "YT_REFRESH": readonly})
    err = failure(lambda: adapter.publish(rendered))
    assert not err.transient and "HTTP 403" in err.message and "[insufficientPermissions]" in err.message
    assert "socialpub auth yt" in (err.hint or "")


def test_quota_exceeded_waits_until_midnight_pacific(repo: Repo, box: Sandbox, yt: YouTubeSandbox) -> None:
    yt.daily_quota = 1000  # less than one upload (1,600 units)
    adapter, rendered, _ = setup(repo, box)
    err = failure(lambda: adapter.publish(rendered))
    assert err.transient and not err.maybe_sent and "[quotaExceeded]" in err.message
    assert err.retry_after is not None and abs(err.retry_after - seconds_until_pacific_midnight()) < 60
    assert "midnight Pacific" in (err.hint or "")
    assert videos(box) == []


def test_upload_limit_is_transient_for_a_day(repo: Repo, box: Sandbox, yt: YouTubeSandbox) -> None:
    yt.daily_uploads = 0
    adapter, rendered, _ = setup(repo, box)
    err = failure(lambda: adapter.publish(rendered))
    assert err.transient and err.retry_after == 86400 and "[uploadLimitExceeded]" in err.message


def test_429_with_reset_is_transient_with_retry_after(repo: Repo, box: Sandbox) -> None:
    adapter, rendered, _ = setup(repo, box)
    box.inject("status", path="/upload/youtube/v3/videos", method="POST", status=429, reset_in=7)
    err = failure(lambda: adapter.publish(rendered))
    assert err.transient and not err.maybe_sent and err.retry_after == 7
    assert "HTTP 429" in err.message and "[rateLimitExceeded]" in err.message


def test_the_sandbox_rate_limit_answers_429_with_retry_after(repo: Repo, box: Sandbox) -> None:
    (limited,) = [r for r in box.table if r.name == "youtube:channels.list"]
    limited.limit = (1, 30.0)
    adapter, _, _ = setup(repo, box)
    adapter.verify()
    err = failure(adapter.verify)
    assert err.transient and err.retry_after is not None and 25 <= err.retry_after <= 30


@pytest.mark.parametrize(("status", "maybe_sent"), [(500, True), (502, True), (503, False), (504, True)])
def test_server_errors_are_transient(repo: Repo, box: Sandbox, status: int, maybe_sent: bool) -> None:
    adapter, rendered, _ = setup(repo, box)
    receipt = adapter.publish(rendered)
    box.inject("status", path="/youtube/v3/videos", method="DELETE", status=status)
    err = failure(lambda: adapter.delete(receipt.remote_id))
    assert err.transient and err.maybe_sent is maybe_sent and f"HTTP {status}" in err.message
    assert f"injected HTTP {status}" in err.message  # a body not in Google's shape is shown as it came


def test_server_error_starting_the_upload_is_not_maybe_sent(repo: Repo, box: Sandbox) -> None:
    adapter, rendered, _ = setup(repo, box)
    box.inject("status", path="/upload/youtube/v3/videos", method="POST", status=500)
    err = failure(lambda: adapter.publish(rendered))
    # no upload session, no video: safe to send again without reconciling
    assert err.transient and not err.maybe_sent and "HTTP 500" in err.message


def test_timeout_is_transient(repo: Repo, box: Sandbox) -> None:
    adapter, rendered, _ = setup(repo, box)
    adapter.timeout = 0.5
    box.inject("slow", path="/youtube/v3/channels", delay=1.5)
    err = failure(adapter.verify)
    assert err.transient and "no answer" in err.message and "TimeoutError" in err.message


def test_timeout_while_starting_the_upload_is_transient_and_not_sent(repo: Repo, box: Sandbox) -> None:
    adapter, rendered, _ = setup(repo, box)
    adapter.timeout = 0.5
    box.inject("slow", path="/upload/youtube/v3/videos", method="POST", delay=1.5)
    err = failure(lambda: adapter.publish(rendered))
    assert err.transient and not err.maybe_sent


def test_dropped_connection_is_transient_and_maybe_sent(repo: Repo, box: Sandbox) -> None:
    adapter, rendered, _ = setup(repo, box)
    receipt = adapter.publish(rendered)
    box.inject("drop", path="/youtube/v3/videos", method="DELETE", count=2)  # httplib2 resends once by itself
    err = failure(lambda: adapter.delete(receipt.remote_id))
    assert err.transient and err.maybe_sent and "no answer" in err.message


def test_unreachable_endpoint_is_transient(repo: Repo, box: Sandbox) -> None:
    adapter, rendered, _ = setup(repo, box)
    box.stop()  # nothing listens on the port now (the fixture's second stop is harmless)
    err = failure(adapter.verify)
    assert err.transient and not err.maybe_sent and "no answer" in err.message


# --- token refresh -----------------------------------------------------------------------------------------


def test_expired_token_is_refreshed_at_the_endpoint_and_the_call_succeeds(repo: Repo, box: Sandbox) -> None:
    adapter, rendered, video = setup(repo, box)
    adapter.verify()
    box.inject("expire", path="/upload/youtube/v3/videos", method="POST")
    receipt = adapter.publish(rendered)
    assert videos(box)[0]["id"] == receipt.remote_id and videos(box)[0]["_size"] == video.stat().st_size
    assert routes(box).count("token") == 2
    box.inject("expire", path="/youtube/v3/playlistItems")
    assert adapter.find(rendered) == receipt
    assert routes(box).count("token") == 3


# --- secrets -----------------------------------------------------------------------------------------------


def test_canary_secrets_never_leak(
    repo: Repo,
    box: Sandbox,
    yt: YouTubeSandbox,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    adapter, rendered, _ = setup(repo, box)
    texts: list[str] = []
    receipt = adapter.publish(rendered)
    texts.append(repr(receipt))
    access = adapter._creds.token
    assert access and access in box.tokens
    echo = (
        f"bad credentials {CANARY['refresh_token']} {CANARY['client_secret']} {CANARY['client_id']} {access}"
    )
    google = {
        "error": {
            "code": 400,
            "message": echo,
            "errors": [{"message": echo, "domain": "global", "reason": "badRequest"}],
        }
    }
    box.inject("status", path="/upload/youtube/v3/videos", method="POST", status=400, body=google)
    box.inject("status", path="/youtube/v3/channels", status=502, body={"error": echo})
    box.inject("status", path="/youtube/v3/videos", method="DELETE", status=403, body=echo.encode())
    errors = [
        failure(lambda: adapter.publish(rendered)),
        failure(adapter.verify),
        failure(lambda: adapter.delete(receipt.remote_id)),
    ]
    yt.revoked_refresh_tokens.add(CANARY["refresh_token"])
    fresh, _, _ = setup(repo, box, name="again")
    errors.append(failure(fresh.verify))
    for err in errors:
        texts += [str(err), err.message, err.hint or "", repr(err.args)]
    assert any("bad credentials [secret]" in t for t in texts)  # the echo was there, and scrubbed
    captured = capsys.readouterr()
    texts += [captured.out, captured.err, caplog.text]
    for text in texts:
        for secret in [*CANARY.values(), access]:
            assert secret not in text
            assert secret.removeprefix("sandbox-") not in text


# --- authorize (socialpub auth) ----------------------------------------------------------------------------


def _browser(opened: list[str], answers: list[requests.Response]) -> Callable[[str], None]:
    """What a person's browser does: open the consent page, which redirects to the loopback server."""

    def open_url(url: str) -> None:
        opened.append(url)
        thread = threading.Thread(target=lambda: answers.append(requests.get(url, timeout=5)), daemon=True)
        thread.start()

    return open_url


def test_authorize_runs_the_consent_flow_and_returns_a_working_refresh_token(
    repo: Repo, box: Sandbox
) -> None:
    adapter, rendered, _ = setup(
        repo, box, env={"YT_ID": CANARY["client_id"], "YT_SECRET": CANARY["client_secret"]}
    )
    opened: list[str] = []
    answers: list[requests.Response] = []
    tokens = authorize(adapter.channel, environ={**ENV}, on_url=_browser(opened, answers), timeout=10)
    assert set(tokens) == {"refresh_token"} and tokens["refresh_token"].startswith("1//")
    (url,) = opened
    assert url.startswith(f"{box.url}/o/oauth2/auth?") and "code_challenge_method=S256" in url
    assert "access_type=offline" in url and "youtube.upload" in url and "youtube.force-ssl" in url
    assert answers and answers[0].status_code == 200 and "authorized" in answers[0].text
    # the new refresh token works for everything the adapter does
    config = load_config(repo.root / "channels.toml")
    fresh = YouTubeAdapter(config.channels["yt"], environ={**ENV, "YT_REFRESH": tokens["refresh_token"]})
    assert fresh.verify() == []
    receipt = fresh.publish(rendered)
    fresh.delete(receipt.remote_id)


def test_authorize_reports_a_denied_consent(repo: Repo, box: Sandbox, yt: YouTubeSandbox) -> None:
    yt.consent = False
    adapter, _, _ = setup(repo, box)
    with pytest.raises(CredentialsError, match="denied"):
        authorize(adapter.channel, environ=ENV, on_url=_browser([], []), timeout=10)


# --- the discovery document ---------------------------------------------------------------------------------


def test_requests_and_answers_match_the_discovery_document(
    repo: Repo, box: Sandbox, yt: YouTubeSandbox
) -> None:
    repo.write("posts/media/thumb.png", PNG)
    when = datetime.now(UTC) + timedelta(days=3)
    adapter, rendered, _ = setup(
        repo,
        box,
        publish_at=when,
        tables='native_schedule = true\ntags = ["MBC", "Strength"]\nthumbnail = "media/thumb.png"\n',
    )
    receipt = adapter.publish(rendered)
    adapter.find(rendered)
    adapter.verify()
    listed = requests.get(
        f"{box.url}/youtube/v3/videos",
        timeout=5,
        headers={"Authorization": "Bearer sandbox-t"},
        params={"id": receipt.remote_id, "part": "snippet,status,fileDetails"},
    )
    assert listed.status_code == 200 and listed.json()["items"][0]["id"] == receipt.remote_id

    (sent,) = [b["body"] for b in yt.bodies if b["route"] == "videos.insert"]
    assert set(sent["status"]) == {"privacyStatus", "publishAt", "selfDeclaredMadeForKids"}
    assert schema_errors("Video", sent) == []
    answered = {a["route"] for a in yt.answers}
    assert answered == {
        "videos.insert",
        "playlistItems.list",
        "channels.list",
        "thumbnails.set",
        "videos.list",
    }
    response_schema = {
        "videos.insert": "Video",
        "playlistItems.list": "PlaylistItemListResponse",
        "channels.list": "ChannelListResponse",
        "thumbnails.set": "ThumbnailSetResponse",
        "videos.list": "VideoListResponse",
    }
    for answer in yt.answers:
        assert schema_errors(response_schema[answer["route"]], answer["body"]) == [], answer["route"]
    # the converter does catch what is wrong: a misspelt field, a wrong type, a value off the enum
    bad = {"snippet": {"titel": "x", "tags": "a,b"}, "status": {"privacyStatus": "secret"}}
    assert len(schema_errors("Video", bad)) == 3


def test_sandbox_validates_the_insert_body_as_youtube_does(box: Sandbox) -> None:
    url = f"{box.url}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"
    auth = {"Authorization": "Bearer sandbox-token", "X-Upload-Content-Type": "video/mp4"}

    def start(body: dict[str, Any]) -> requests.Response:
        return requests.post(url, json=body, headers=auth, timeout=5)

    ok = {"snippet": {"title": "A title", "categoryId": "22"}, "status": {"privacyStatus": "private"}}
    assert start(ok).status_code == 200 and start(ok).headers["Location"].startswith(box.url)
    later = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cases = {
        "invalidTitle": {"snippet": {"description": "no title"}},
        "invalidPublishAt": {
            "snippet": {"title": "t"},
            "status": {"privacyStatus": "public", "publishAt": later},
        },
        "invalidVideoMetadata": {"snippet": {"title": "t"}, "status": {"privacyStatus": "hidden"}},
        "badRequest": {"snippet": {"title": "t", "colour": "red"}},
    }
    for reason, body in cases.items():
        answer = start(body)
        error = answer.json()["error"]
        assert (
            answer.status_code == 400 and error["code"] == 400 and error["errors"][0]["reason"] == reason
        ), body
    assert requests.post(url, json=ok, timeout=5).status_code == 401
    assert (
        requests.post(url, json=ok, headers={**auth, "X-Upload-Content-Type": "image/png"}, timeout=5).json()[
            "error"
        ]["errors"][0]["reason"]
        == "badContent"
    )


# --- small things -------------------------------------------------------------------------------------------


def test_pacific_midnight_across_a_dst_change() -> None:
    # 2024-03-10: US clocks spring forward at 02:00; midnight after 2024-03-09 23:00 PST is an hour away
    assert seconds_until_pacific_midnight(datetime(2024, 3, 10, 7, 0, tzinfo=UTC)) == 3600
    # 2024-03-10 12:00 PDT (19:00 UTC) to 2024-03-11 00:00 PDT: 12 hours
    assert seconds_until_pacific_midnight(datetime(2024, 3, 10, 19, 0, tzinfo=UTC)) == 12 * 3600
    # 2024-03-10 00:30 PST to 2024-03-11 00:00 PDT: a 23-hour day minus half an hour
    assert seconds_until_pacific_midnight(datetime(2024, 3, 10, 8, 30, tzinfo=UTC)) == 22.5 * 3600
