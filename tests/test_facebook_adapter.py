"""The Facebook adapter end to end through facebook-sdk over real HTTP against the sandbox.

Meta publishes no OpenAPI or discovery document for the Graph API, so there is none to validate against:
instead the sandbox's answers are held to the shapes of the Graph API reference (the error envelope of
https://developers.facebook.com/docs/graph-api/guides/error-handling, the create answers of the Pages API,
paged lists, debug_token) by the small JSON Schemas below, and what the adapter sends is checked field by
field as the sandbox received it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from socialpub.adapters.base import Receipt, Rendered, adapter_for
from socialpub.adapters.facebook import POST_URL, FacebookAdapter, _facebook, appsecret_proof
from socialpub.config import load_config
from socialpub.errors import PlatformError
from socialpub.posts import load_posts
from socialpub.sandbox import Sandbox
from socialpub.sandbox.facebook import FacebookSandbox
from tests.helpers import BASE_CONFIG, MP4, PNG, Repo

PAGE = "123456789"  # BASE_CONFIG's fb page_id, and the sandbox's default Page
SANDBOX_ENV = {"FB_TOKEN": "sandbox-page_token", "FB_SECRET": "sandbox-app_secret"}
CANARY = {key: f"CANARY-facebook-{key}-9f2" for key in ("page_token", "app_secret")}
CANARY_ENV = {"FB_TOKEN": CANARY["page_token"], "FB_SECRET": CANARY["app_secret"]}
TEXT = "Our scientists share what drives them at #AZoncology. Read their stories."
LINK = "https://www.astrazeneca-us.com/science"
ALT = "Two scientists at a microscope"

# --- Graph API shapes (from the Graph API reference; no machine-readable description exists) ---------

GRAPH_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "code", "fbtrace_id"],
            "properties": {
                "message": {"type": "string", "minLength": 1},
                "type": {"type": "string"},
                "code": {"type": "integer"},
                "error_subcode": {"type": "integer"},
                "error_user_title": {"type": "string"},
                "error_user_msg": {"type": "string"},
                "fbtrace_id": {"type": "string"},
            },
        }
    },
}
POST_ID = {"type": "string", "pattern": r"^\d+_\d+$"}
FEED_CREATED = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": POST_ID},
    "additionalProperties": False,
}
PHOTO_CREATED = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string", "pattern": r"^\d+$"}, "post_id": POST_ID},
    "additionalProperties": False,
}
VIDEO_CREATED = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string", "pattern": r"^\d+$"}},
    "additionalProperties": False,
}
PAGED_POSTS = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": POST_ID,
                    "message": {"type": "string"},
                    "created_time": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$"},
                    "permalink_url": {"type": "string", "pattern": "^https://www.facebook.com/"},
                    "scheduled_publish_time": {"type": "integer"},
                },
            },
        },
        "paging": {
            "type": "object",
            "required": ["cursors"],
            "properties": {
                "cursors": {
                    "type": "object",
                    "required": ["before", "after"],
                    "properties": {"before": {"type": "string"}, "after": {"type": "string"}},
                },
                "next": {"type": "string", "pattern": "^https://graph.facebook.com/"},
            },
        },
    },
}
DEBUG_TOKEN = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {
            "type": "object",
            "required": ["is_valid", "scopes"],
            "properties": {
                "app_id": {"type": "string"},
                "type": {"enum": ["PAGE", "USER", "APP", "SYSTEM_USER"]},
                "expires_at": {"type": "integer"},
                "data_access_expires_at": {"type": "integer"},
                "is_valid": {"type": "boolean"},
                "scopes": {"type": "array", "items": {"type": "string"}},
                "profile_id": {"type": "string"},
                "user_id": {"type": "string"},
            },
        }
    },
}


def shaped(schema: dict[str, Any], body: Any) -> None:
    jsonschema.validate(body, schema)


# --- fixtures ---------------------------------------------------------------------------------------


def graph(box: Sandbox) -> FacebookSandbox:
    return next(p for p in box.platforms if isinstance(p, FacebookSandbox))


def make(
    repo: Repo,
    endpoint: str,
    *,
    environ: dict[str, str] | None = None,
    app_secret: bool = False,
    channel: str = "",
    media: list[dict[str, str]] | None = None,
    tables: str = "",
    **front: Any,
) -> tuple[FacebookAdapter, Rendered]:
    """Write channels.toml (fb pointed at `endpoint`) and one post; load and render them for channel fb."""
    repo.write("posts/media/lab.png", PNG)
    lines = ['page_token = "env:FB_TOKEN"', f'endpoint = "{endpoint}"']
    if app_secret:
        lines.append('app_secret = "env:FB_SECRET"')
    if channel:
        lines.append(channel)
    repo.write_config(base=BASE_CONFIG.replace('page_token = "env:FB_TOKEN"', "\n".join(lines)))
    body = front.pop("body", TEXT)
    name = front.pop("name", "fb")
    fields = {"channels": ["fb"], "media": media, **front}
    path = repo.post(body, name=name, tables=tables, **fields)
    config = load_config(repo.root / "channels.toml")
    loaded = load_posts(config)
    assert loaded.errors == [], loaded.errors
    adapter = adapter_for(
        config.channels["fb"], environ=environ if environ is not None else dict(SANDBOX_ENV)
    )
    assert isinstance(adapter, FacebookAdapter)
    adapter.timeout = 5.0
    [post] = [p for p in loaded.posts if p.path.resolve() == path.resolve()]
    return adapter, adapter.render(post)


def posts(box: Sandbox, kind: str = "posts") -> list[dict[str, Any]]:
    return [p for p in box.posts("facebook") if p["kind"] == kind]


def received(box: Sandbox, operation: str) -> list[dict[str, Any]]:
    return [r for r in graph(box).received if r["operation"] == operation]


def api(box: Sandbox, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": "Bearer sandbox-page_token", **kwargs.pop("headers", {})}
    return requests.request(method, box.url + path, headers=headers, timeout=5, **kwargs)


def paths(box: Sandbox) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in box.requests]


# --- publish ----------------------------------------------------------------------------------------


def test_publish_text_and_link_to_the_feed(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url, link=LINK)
    receipt = adapter.publish(rendered)

    [post] = posts(box)
    assert receipt.remote_id == post["id"] and receipt.remote_id.startswith(f"{PAGE}_")
    assert (
        receipt.url == POST_URL.format(receipt.remote_id) == f"https://www.facebook.com/{receipt.remote_id}"
    )
    assert receipt.published_at is not None and receipt.published_at.tzinfo is not None
    assert (post["message"], post["link"], post["is_published"]) == (TEXT, LINK, True)
    [sent] = received(box, "feed/create")
    assert sent["fields"] == {"message": TEXT, "link": LINK}  # the link as its own field, not in the text
    assert sent["version"] == "21.0"
    assert paths(box) == [f"POST /v21.0/{PAGE}/feed"]
    # the token travels in a header only: never in a URL (logs, proxies) nor the form
    assert {place for _, place in graph(box).token_places} == {"header"}
    answer = api(
        box, "GET", f"/v21.0/{PAGE}/feed", params={"fields": "id,message,created_time,permalink_url"}
    )
    shaped(PAGED_POSTS, answer.json())
    shaped(FEED_CREATED, api(box, "POST", f"/v21.0/{PAGE}/feed", data={"message": "x"}).json())


def test_publish_one_photo_to_the_pages_photos(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url, link=LINK, media=[{"path": "media/lab.png", "alt": ALT}])
    receipt = adapter.publish(rendered)

    [photo] = posts(box, "photos")
    [post] = posts(box)
    assert receipt.remote_id == post["id"] == photo["post_id"]
    assert (photo["sha256"], photo["size"], photo["mime"]) == (
        hashlib.sha256(PNG).hexdigest(),
        len(PNG),
        "image/png",
    )
    assert photo["alt_text_custom"] == ALT and photo["published"]
    # a photo post has no link field: the link goes at the end of its text
    assert post["message"] == photo["message"] == f"{TEXT} {LINK}"
    assert paths(box) == [f"POST /v21.0/{PAGE}/photos"]  # the Page's photos, not me/photos
    with (repo.root / "posts/media/lab.png").open("rb") as handle:
        answer = api(box, "POST", f"/v21.0/{PAGE}/photos", files={"source": handle})
    shaped(PHOTO_CREATED, answer.json())


def test_publish_several_photos_as_one_post(repo: Repo, box: Sandbox) -> None:
    repo.write("posts/media/team.png", PNG + b"\x00")
    media = [{"path": "media/lab.png", "alt": ALT}, {"path": "media/team.png", "alt": "The team"}]
    adapter, rendered = make(repo, box.url, media=media)
    receipt = adapter.publish(rendered)

    photos = posts(box, "photos")
    [post] = posts(box)
    assert receipt.remote_id == post["id"]
    assert [p["alt_text_custom"] for p in photos] == [ALT, "The team"]
    assert all(not p["published"] and p["post_id"] == post["id"] for p in photos)
    assert post["attached_media"] == [p["id"] for p in photos] and post["message"] == TEXT
    uploads = received(box, "photos/create")
    assert [u["fields"]["published"] for u in uploads] == ["false", "false"]  # the string, not "False"
    [feed] = received(box, "feed/create")
    assert json.loads(feed["fields"]["attached_media"]) == [{"media_fbid": p["id"]} for p in photos]
    assert paths(box) == [f"POST /v21.0/{PAGE}/photos"] * 2 + [f"POST /v21.0/{PAGE}/feed"]
    shaped(
        PHOTO_CREATED,
        api(
            box,
            "POST",
            f"/v21.0/{PAGE}/photos",
            data={"url": "https://x.example/a.png", "published": "false"},
        ).json(),
    )


def test_a_failed_multi_photo_post_removes_its_unpublished_photos(repo: Repo, box: Sandbox) -> None:
    repo.write("posts/media/team.png", PNG)
    adapter, rendered = make(repo, box.url, media=[{"path": "media/lab.png", "alt": ALT}] * 2)
    box.inject(
        "status",
        path=f"/{PAGE}/feed$",
        status=400,
        body={
            "error": {
                "message": "(#100) Invalid parameter",
                "type": "OAuthException",
                "code": 100,
                "fbtrace_id": "x",
            }
        },
    )
    photo_ids: list[str] = []
    real_photo = adapter.graph.photo
    adapter.graph.photo = lambda *a: photo_ids.append(real_photo(*a)["id"]) or {"id": photo_ids[-1]}  # type: ignore[method-assign]
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert not caught.value.transient and not caught.value.maybe_sent
    assert len(photo_ids) == 2 and posts(box, "photos") == [] and posts(box) == []
    assert [p.split("/")[1:3] for p in paths(box) if p.startswith("DELETE")] == [
        ["v21.0", i] for i in photo_ids
    ]


def test_a_photo_refused_midway_removes_the_photos_uploaded_before_it(repo: Repo, box: Sandbox) -> None:
    repo.write("posts/media/team.png", PNG)
    adapter, rendered = make(
        repo, box.url, media=[{"path": "media/lab.png", "alt": ALT}, {"path": "media/team.png", "alt": "T"}]
    )
    (repo.root / "posts/media/team.png").write_bytes(b"truncated")  # broken after the check
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert not caught.value.transient and "code 324" in str(caught.value)
    assert posts(box, "photos") == [] and posts(box) == []
    assert [p.split()[0] for p in paths(box)] == ["POST", "POST", "DELETE"]


def test_publish_a_video_streams_it(repo: Repo, box: Sandbox) -> None:
    video = MP4 + os.urandom(3 << 20)  # a few MiB: several blocks through the streamed body
    repo.write("posts/media/day.mp4", video)
    adapter, rendered = make(repo, box.url, link=LINK, media=[{"path": "media/day.mp4", "alt": "A day"}])
    receipt = adapter.publish(rendered)

    [stored] = posts(box, "videos")
    [post] = posts(box)
    assert receipt.remote_id == post["id"] == f"{PAGE}_{stored['id']}"
    assert (stored["sha256"], stored["size"]) == (hashlib.sha256(video).hexdigest(), len(video))
    assert stored["description"] == post["message"] == f"{TEXT} {LINK}"
    assert paths(box) == [f"POST /v21.0/{PAGE}/videos"]
    found = adapter.find(rendered)
    assert isinstance(found, Receipt) and (found.remote_id, found.url) == (receipt.remote_id, receipt.url)
    answer = api(box, "POST", f"/v21.0/{PAGE}/videos", files={"source": ("v.mp4", MP4)})
    shaped(VIDEO_CREATED, answer.json())


def test_media_facebook_cannot_take_is_refused_before_sending(repo: Repo, box: Sandbox) -> None:
    repo.write("posts/media/clip.webm", b"\x1a\x45\xdf\xa3" + b"\x00" * 64)
    adapter, rendered = make(repo, box.url, media=[{"path": "media/clip.webm", "alt": "x"}])
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert not caught.value.transient and not caught.value.maybe_sent and "video/webm" in str(caught.value)
    repo.write("posts/media/big.mp4", MP4 + b"\x00" * 2048)
    adapter, rendered = make(repo, box.url, media=[{"path": "media/big.mp4", "alt": "x"}])
    adapter.video_max_bytes = 1024
    with pytest.raises(PlatformError, match="at most 1,024 bytes"):
        adapter.publish(rendered)
    assert list(box.requests) == []


# --- native scheduling ------------------------------------------------------------------------------


def scheduled(repo: Repo, box: Sandbox, ahead: timedelta, **kwargs: Any) -> tuple[FacebookAdapter, Rendered]:
    when = (datetime.now(UTC) + ahead).replace(microsecond=0)
    return make(repo, box.url, channel="native_schedule = true", publish_at=when, **kwargs)


def test_native_scheduling_sends_published_false_and_the_time(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = scheduled(repo, box, timedelta(hours=3))
    receipt = adapter.publish(rendered)
    when = rendered.post.publish_at
    assert when is not None and receipt.published_at == when

    [sent] = received(box, "feed/create")
    assert sent["fields"]["published"] == "false"
    assert sent["fields"]["scheduled_publish_time"] == str(int(when.timestamp()))
    [post] = posts(box)
    assert not post["is_published"] and post["scheduled_publish_time"] == int(when.timestamp())
    # not in the feed until its time: find() looks among the scheduled posts as well
    assert api(box, "GET", f"/v21.0/{PAGE}/feed").json()["data"] == []
    listed = api(
        box, "GET", f"/v21.0/{PAGE}/scheduled_posts", params={"fields": "id,message,scheduled_publish_time"}
    ).json()
    shaped(PAGED_POSTS, listed)
    found = adapter.find(rendered)
    assert found is not None and found.remote_id == receipt.remote_id and found.published_at == when


def test_native_scheduling_of_photos_and_video(repo: Repo, box: Sandbox) -> None:
    repo.write("posts/media/team.png", PNG)
    adapter, rendered = scheduled(
        repo,
        box,
        timedelta(days=2),
        media=[{"path": "media/lab.png", "alt": ALT}, {"path": "media/team.png", "alt": "T"}],
    )
    adapter.publish(rendered)
    uploads = received(box, "photos/create")
    assert [(u["fields"]["published"], u["fields"]["temporary"]) for u in uploads] == [("false", "true")] * 2
    assert "scheduled_publish_time" not in uploads[0]["fields"]
    [feed] = received(box, "feed/create")
    assert feed["fields"]["published"] == "false" and feed["fields"]["scheduled_publish_time"].isdigit()

    repo.write("posts/media/day.mp4", MP4)
    adapter, rendered = scheduled(
        repo, box, timedelta(days=2), media=[{"path": "media/day.mp4", "alt": "A day"}]
    )
    adapter.publish(rendered)
    [video] = received(box, "videos/create")
    assert video["fields"]["published"] == "false" and video["fields"]["scheduled_publish_time"].isdigit()


@pytest.mark.parametrize(
    ("ahead", "says"),
    [(timedelta(minutes=5), "5 minutes away"), (timedelta(days=40), "40 days away")],
)
def test_native_scheduling_outside_10_minutes_to_30_days_is_refused(
    repo: Repo, box: Sandbox, ahead: timedelta, says: str
) -> None:
    adapter, rendered = scheduled(repo, box, ahead)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    error = caught.value
    assert not error.transient and not error.maybe_sent
    assert "10 minutes to 30 days ahead" in str(error) and says in str(error)
    assert list(box.requests) == []


def test_a_due_post_is_published_at_once_even_with_native_scheduling(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = scheduled(repo, box, timedelta(hours=-1))
    adapter.publish(rendered)
    [sent] = received(box, "feed/create")
    assert "published" not in sent["fields"] and "scheduled_publish_time" not in sent["fields"]


def test_the_sdk_sends_a_python_false_as_False_and_the_sandbox_refuses_it(box: Sandbox) -> None:
    from socialpub.http import make_session

    sdk = _facebook()
    plain = sdk.GraphAPI(access_token="sandbox-page_token", timeout=5, session=make_session(box.url))
    plain.version = "v21.0"
    when = int(time.time()) + 3600
    with pytest.raises(sdk.GraphAPIError, match="Param published must be a boolean"):
        plain.put_object(PAGE, "feed", message="x", published=False, scheduled_publish_time=when)
    [sent] = received(box, "feed/create")
    assert sent["fields"]["published"] == "False"
    assert graph(box).token_places[-1][1] == "body"  # and the plain SDK puts the token in the form


# --- find, delete, verify ----------------------------------------------------------------------------


def test_find_returns_the_published_post_following_the_pages(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    assert adapter.find(rendered) is None  # nothing yet: reconciliation may send
    receipt = adapter.publish(rendered)
    other, different = make(repo, box.url, body="Another text entirely.", name="other")
    for _ in range(3):
        other.publish(different)
    adapter.page_size = 2  # three newer posts: find() must follow the cursor to page 2
    found = adapter.find(rendered)
    assert found is not None and (found.remote_id, found.url) == (receipt.remote_id, receipt.url)
    reads = [p for p in paths(box) if p.startswith("GET")]
    assert reads[-2:] == [f"GET /v21.0/{PAGE}/feed"] * 2
    page = api(box, "GET", f"/v21.0/{PAGE}/feed", params={"limit": 2, "fields": "id,message"}).json()
    shaped(PAGED_POSTS, page)
    assert [p["message"] for p in page["data"]] == ["Another text entirely."] * 2  # newest first
    assert "after=" in page["paging"]["next"]


def test_a_link_only_post_carries_the_link_as_its_message_and_is_found(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url, body="", link=LINK)
    receipt = adapter.publish(rendered)
    [sent] = received(box, "feed/create")
    assert sent["fields"] == {"message": LINK, "link": LINK}
    found = adapter.find(rendered)
    assert found is not None and found.remote_id == receipt.remote_id


def test_find_cannot_tell_posts_without_text(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url, body="", media=[{"path": "media/lab.png", "alt": ALT}])
    with pytest.raises(PlatformError, match="without text cannot be told apart") as caught:
        adapter.find(rendered)
    assert "socialpub resolve" in (caught.value.hint or "")


def test_delete_removes_the_post_and_a_second_delete_says_it_is_gone(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    receipt = adapter.publish(rendered)
    adapter.delete(receipt.remote_id)
    assert posts(box) == [] and adapter.find(rendered) is None
    with pytest.raises(PlatformError) as caught:
        adapter.delete(receipt.url or "")  # the post URL is accepted as well as its id
    error = caught.value
    assert not error.transient and not error.maybe_sent
    assert (
        "HTTP 400" in str(error) and "code 100, subcode 33" in str(error) and "does not exist" in str(error)
    )
    assert "already deleted" in (error.hint or "")
    answer = api(box, "DELETE", f"/v21.0/{receipt.remote_id}")
    shaped(GRAPH_ERROR, answer.json())
    with pytest.raises(PlatformError, match="not a Facebook post id"):
        adapter.delete("../me")


def test_verify_is_quiet_when_all_is_well(repo: Repo, box: Sandbox) -> None:
    adapter, _ = make(repo, box.url)
    assert adapter.verify() == []
    assert paths(box) == ["GET /v21.0/me", "GET /v21.0/debug_token"]
    assert api(box, "GET", "/v21.0/me", params={"fields": "id,name"}).json()["id"] == PAGE
    shaped(
        DEBUG_TOKEN,
        api(box, "GET", "/v21.0/debug_token", params={"input_token": "sandbox-page_token"}).json(),
    )


def test_verify_warns_about_another_page_expiry_type_and_permissions(repo: Repo, box: Sandbox) -> None:
    adapter, _ = make(repo, box.url)
    fb = graph(box)
    fb.page_id, fb.page_name = "555", "Another Page"
    fb.token_expires_at = int(time.time()) + 3 * 86400
    fb.token_type = "USER"
    fb.token_scopes = ["pages_show_list"]
    warnings = adapter.verify()
    assert any(
        w.startswith("the token is not this Page's token") and "Another Page (555)" in w for w in warnings
    )
    assert any("expires" in w and "(in 2 days)" in w and "env:FB_TOKEN" in w for w in warnings)
    assert any("user token, not a Page token" in w for w in warnings)
    assert any("pages_manage_posts" in w for w in warnings)
    assert any("pages_read_engagement and pages_read_user_content: comments" in w for w in warnings)  # the inbox
    assert len(warnings) == 5


def test_verify_skips_the_expiry_when_debug_token_is_refused(repo: Repo, box: Sandbox) -> None:
    adapter, _ = make(repo, box.url)
    graph(box).debug_token_allowed = False
    graph(box).token_expires_at = int(time.time()) + 3600
    assert adapter.verify() == []


def test_verify_raises_on_a_bad_token(repo: Repo, box: Sandbox) -> None:
    adapter, _ = make(repo, box.url, environ={"FB_TOKEN": "not-a-page-token"})
    with pytest.raises(PlatformError) as caught:
        adapter.verify()
    error = caught.value
    assert not error.transient and not error.maybe_sent
    assert "Facebook said (HTTP 400): Invalid OAuth access token" in str(error) and "code 190" in str(error)
    assert "re-authenticate" in (error.hint or "") and "env:FB_TOKEN" in (error.hint or "")
    answer = api(box, "GET", "/v21.0/me", headers={"Authorization": "Bearer nope"})
    shaped(GRAPH_ERROR, answer.json())
    assert "invalid_token" in answer.headers["WWW-Authenticate"]


# --- appsecret_proof ---------------------------------------------------------------------------------


def test_appsecret_proof_goes_with_every_request(repo: Repo, box: Sandbox) -> None:
    graph(box).require_proof = True
    adapter, rendered = make(repo, box.url, app_secret=True, media=[{"path": "media/lab.png", "alt": ALT}])
    receipt = adapter.publish(rendered)
    assert adapter.find(rendered) is not None and adapter.verify() == []
    adapter.delete(receipt.remote_id)
    proof = hmac.new(b"sandbox-app_secret", b"sandbox-page_token", hashlib.sha256).hexdigest()
    assert appsecret_proof("sandbox-page_token", "sandbox-app_secret") == proof
    assert received(box, "photos/create")[0]["fields"]["appsecret_proof"] == proof

    adapter, rendered = make(repo, box.url, app_secret=True, environ={**SANDBOX_ENV, "FB_SECRET": "wrong"})
    with pytest.raises(PlatformError, match="Invalid appsecret_proof") as caught:
        adapter.publish(rendered)
    assert not caught.value.transient
    adapter, rendered = make(repo, box.url)  # no app_secret while the app requires the proof
    with pytest.raises(PlatformError, match="require an appsecret_proof"):
        adapter.publish(rendered)


# --- errors ---------------------------------------------------------------------------------------------


def graph_error(
    code: int, message: str, subcode: int | None = None, kind: str = "OAuthException"
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbC123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@pytest.mark.parametrize(
    ("status", "body", "transient", "maybe_sent", "said", "hint"),
    [
        (400, graph_error(100, "(#100) Invalid parameter"), False, False, "code 100", "fix the post"),
        (
            400,
            graph_error(190, "Error validating access token: Session has expired", 463),
            False,
            False,
            "code 190, subcode 463",
            "re-authenticate",
        ),
        (401, None, False, False, "injected HTTP 401", "re-authenticate"),
        (
            403,
            graph_error(200, "(#200) Requires pages_manage_posts permission", kind="OAuthException"),
            False,
            False,
            "code 200",
            "pages_manage_posts",
        ),
        (404, None, False, False, "HTTP 404", "not found"),
        (
            400,
            graph_error(368, "It looks like you were misusing this feature by going too fast."),
            False,
            False,
            "code 368",
            "error 368",
        ),
        (400, graph_error(506, "Duplicate status message"), False, False, "code 506", "duplicate"),
        (
            400,
            graph_error(4, "(#4) Application request limit reached"),
            True,
            False,
            "code 4",
            "rate limited",
        ),
        (403, graph_error(17, "(#17) User request limit reached"), True, False, "code 17", "rate limited"),
        (
            400,
            graph_error(613, "Calls to this api have exceeded the rate limit."),
            True,
            False,
            "code 613",
            "rate limited",
        ),
        (500, graph_error(1, "An unknown error occurred"), True, True, "code 1", "having trouble"),
        (503, graph_error(2, "Service temporarily unavailable"), True, True, "code 2", "having trouble"),
        (500, {"id": f"{PAGE}_1"}, True, True, "no Graph error in the answer", "having trouble"),
        (
            502,
            b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            True,
            True,
            "an HTML page, not a Graph API answer: 502 Bad Gateway",
            "having trouble",
        ),
        (503, None, True, False, "injected HTTP 503", "having trouble"),
        (504, None, True, True, "HTTP 504", "having trouble"),
        (200, graph_error(100, "(#100) Invalid parameter"), False, False, "HTTP 200", "fix the post"),
    ],
)
def test_error_answers_become_platform_errors(
    repo: Repo, box: Sandbox, status: int, body: Any, transient: bool, maybe_sent: bool, said: str, hint: str
) -> None:
    adapter, rendered = make(repo, box.url)
    if isinstance(body, dict) and "error" in body:
        shaped(GRAPH_ERROR, body)
    box.inject("status", path=f"/{PAGE}/feed$", status=status, body=body)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    error = caught.value
    assert (error.transient, error.maybe_sent) == (transient, maybe_sent), str(error)
    assert str(error).startswith(f"Facebook said (HTTP {status}): ")
    assert said in str(error) and hint in (error.hint or "").lower(), (str(error), error.hint)
    if isinstance(body, dict) and "error" in body:
        assert body["error"]["message"] in str(error) and "fbtrace_id AbC123" in str(error)


def test_a_success_that_is_not_json_leaves_the_outcome_unknown(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    box.inject("status", path=f"/{PAGE}/feed$", status=200, body=b"<html>a captive portal</html>")
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert caught.value.transient and caught.value.maybe_sent
    assert "HTTP 200" in str(caught.value) and "the outcome is checked" in (caught.value.hint or "")
    box.inject("status", path=f"/{PAGE}/feed$", status=200, body={"success": True})
    with pytest.raises(PlatformError, match="without its id") as caught:
        adapter.publish(rendered)
    assert caught.value.maybe_sent
    # a photo answer without post_id: the post's id is not guessed from the photo's
    adapter, rendered = make(repo, box.url, media=[{"path": "media/lab.png", "alt": ALT}])
    box.inject("status", path=f"/{PAGE}/photos$", status=200, body={"id": "42"})
    with pytest.raises(PlatformError, match="without its id") as caught:
        adapter.publish(rendered)
    assert caught.value.maybe_sent and not caught.value.transient


def test_429_is_transient_with_the_wait_from_the_usage_header(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    box.inject("status", path=f"/{PAGE}/feed$", status=429, reset_in=90)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    error = caught.value
    assert error.transient and not error.maybe_sent
    assert error.retry_after == 120.0  # estimated_time_to_regain_access: 2 minutes
    assert "code 32" in str(error) and "x-business-use-case-usage" in (error.hint or "")
    assert "rate limited" in (error.hint or "")


def test_the_sandbox_rate_limit_answers_like_graph(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    route = next(r for r in box.table if r.name == "facebook:feed/create")
    assert route.limit == (300, 60.0)  # 200 posts a run fit in one window
    route.limit = (2, 60.0)
    adapter.publish(rendered)
    adapter.publish(rendered)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    error = caught.value
    assert error.transient and not error.maybe_sent and error.retry_after == 60.0
    assert "Page request limit reached" in str(error)
    answer = api(box, "POST", f"/v21.0/{PAGE}/feed", data={"message": "x"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 32
    shaped(GRAPH_ERROR, answer.json())
    usage = json.loads(answer.headers["x-business-use-case-usage"])
    assert usage[PAGE][0]["estimated_time_to_regain_access"] == 1
    assert json.loads(answer.headers["x-app-usage"])["call_count"] == 100
    assert "retry-after" not in {k.lower() for k in answer.headers}  # Graph sends none
    adapter.rate_limit_wait = 7.0  # without the usage header: the default wait
    box.inject(
        "status", path=f"/{PAGE}/feed$", status=400, body=graph_error(4, "(#4) Application request limit")
    )
    route.limit = None
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert caught.value.retry_after == 7.0


THROTTLES = {4: "(#4) Application request limit reached", 17: "(#17) User request limit reached",
             32: "(#32) Page request limit reached", 613: "Calls to this api have exceeded the rate limit.",
             80001: "There have been too many calls to this Page account. Wait a bit and try again."}


@pytest.mark.parametrize("code", sorted(THROTTLES))
@pytest.mark.parametrize("header", ["x-page-usage", "x-business-use-case-usage"])
def test_every_graph_throttling_code_is_a_rate_limit_with_graph_s_wait_for_publishing_and_reading(
    repo: Repo, box: Sandbox, code: int, header: str
) -> None:
    """Graph signals throttling by error code (with HTTP 400 or 403, not 429) and says when access comes back
    in its usage headers: one classification, the same for a publish and a read of comments."""
    usage = {"call_count": 100, "total_time": 40, "total_cputime": 30, "estimated_time_to_regain_access": 7}
    headers = {header: json.dumps(usage if header == "x-page-usage" else {PAGE: [{"type": "pages", **usage}]}),
               "x-app-usage": json.dumps({"call_count": 100, "total_time": 2, "total_cputime": 2})}
    adapter, rendered = make(repo, box.url)
    box.inject("status", path=f"/{PAGE}/feed$", status=403 if code == 17 else 400,
               body=graph_error(code, THROTTLES[code]), headers=headers)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert (caught.value.transient, caught.value.maybe_sent, caught.value.retry_after) == (True, False, 420.0)
    assert f"code {code}" in str(caught.value) and "rate limited" in (caught.value.hint or "")
    receipt = adapter.publish(rendered)
    box.inject("status", path=r"/comments$", status=400, body=graph_error(code, THROTTLES[code]), headers=headers)
    with pytest.raises(PlatformError) as caught:
        adapter.read_comments(receipt.remote_id, published_at=receipt.published_at, since=None,
                              now=datetime.now(UTC))
    assert (caught.value.transient, caught.value.retry_after) == (True, 420.0)


def test_reads_wait_while_graph_s_usage_headers_say_a_limit_is_nearly_used_up(repo: Repo, box: Sandbox) -> None:
    from socialpub.adapters.facebook import BUSY_WAIT

    adapter, rendered = make(repo, box.url)
    receipt = adapter.publish(rendered)
    assert adapter.read_wait() is None

    def read() -> Any:
        return adapter.read_comments(receipt.remote_id, published_at=receipt.published_at, since=None,
                                     now=datetime.now(UTC))

    graph(box).usage = {"x-app-usage": {"call_count": 89, "total_time": 10, "total_cputime": 10}}
    read()
    assert adapter.read_wait() is None and adapter.rate_wait() is None  # 89%: reads go on
    graph(box).usage = {"x-page-usage": {"call_count": 12, "total_time": 93, "total_cputime": 10}}
    read()
    wait = adapter.read_wait()
    assert wait is not None and BUSY_WAIT - 60 < wait <= BUSY_WAIT  # no time given: reads wait a while
    assert adapter.rate_wait() is None  # publishing is not held back: the last tenth is left to it
    page = read()  # asks nothing: stopped at once, to be read next time
    assert not page.complete and "used up or nearly" in page.gaps[0]
    graph(box).usage = {"x-business-use-case-usage": {PAGE: [{"type": "pages", "call_count": 95,
                                                              "estimated_time_to_regain_access": 3}]}}
    adapter.publish(rendered)  # publishing goes on, and its answer tells the usage too
    assert 120 < (adapter.read_wait() or 0) <= 180  # the time Graph gives
    graph(box).usage = {}
    adapter.publish(rendered)  # an answer without the headers says nothing new: still waiting
    assert adapter.read_wait()


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["x-app-usage", "x-page-usage", "x-business-use-case-usage", "other"]),
                       st.one_of(st.text(max_size=200), st.recursive(
                           st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.sampled_from(["call_count", "total_time", "total_cputime",
                                                              "estimated_time_to_regain_access", PAGE, "type"]),
                                             inner, max_size=5), max_leaves=20).map(json.dumps))))
def test_graph_s_usage_headers_of_any_content_give_a_percentage_and_a_bounded_wait(headers: dict[str, str]) -> None:
    from socialpub.adapters.facebook import graph_usage

    percent, regain = graph_usage(headers)
    assert 0 <= percent <= 1000
    assert regain is None or 0 < regain < 24 * 3600


def test_a_slow_answer_times_out_as_maybe_sent_for_the_create_only(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    adapter.timeout = 0.5
    box.inject("slow", path=f"/{PAGE}/feed$", method="POST", delay=1.5)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert caught.value.transient and caught.value.maybe_sent
    assert "no answer" in str(caught.value) and "ReadTimeout" in str(caught.value)
    box.inject("slow", path=f"/{PAGE}/feed$", method="GET", delay=1.5)
    with pytest.raises(PlatformError) as caught:
        adapter.find(rendered)  # a read: nothing can have been posted
    assert caught.value.transient and not caught.value.maybe_sent


def test_a_dropped_connection_is_transient_and_maybe_sent(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    box.inject("drop", path=f"/{PAGE}/feed$")
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert caught.value.transient and caught.value.maybe_sent
    assert "the outcome is checked" in (caught.value.hint or "")


def test_a_video_upload_dropped_midway_was_not_sent(repo: Repo, box: Sandbox) -> None:
    repo.write("posts/media/day.mp4", MP4 + os.urandom(24 << 20))  # more than the socket buffers hold
    adapter, rendered = make(repo, box.url, media=[{"path": "media/day.mp4", "alt": "A day"}])
    box.inject("drop", path=f"/{PAGE}/videos$", after_bytes=1 << 16)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert caught.value.transient and not caught.value.maybe_sent
    assert posts(box, "videos") == []


def test_an_expired_token_says_to_make_a_new_page_token(repo: Repo, box: Sandbox) -> None:
    # Page tokens have no refresh grant: an expired one needs a person (Meta Business Suite).
    adapter, rendered = make(repo, box.url)
    box.inject("expire", path=f"/{PAGE}/feed$")
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    error = caught.value
    assert not error.transient and not error.maybe_sent
    assert "Session has expired" in str(error) and "code 190" in str(error)
    assert "Meta Business Suite" in (error.hint or "") and "no login flow" in (error.hint or "")
    assert posts(box) == []


# --- the SDK's pitfalls -----------------------------------------------------------------------------


def test_graph_version_is_set_after_construction_and_goes_into_the_path(repo: Repo, box: Sandbox) -> None:
    sdk = _facebook()
    with pytest.raises(sdk.GraphAPIError):
        sdk.GraphAPI(access_token="x", version="21.0")  # the SDK's own check stops at 3.1
    adapter, rendered = make(repo, box.url, channel='graph_version = "19.0"')
    adapter.publish(rendered)
    assert paths(box) == [f"POST /v19.0/{PAGE}/feed"]
    adapter, rendered = make(repo, box.url, channel='graph_version = "latest"')
    with pytest.raises(PlatformError, match="not a Graph API version"):
        adapter.publish(rendered)


@pytest.mark.slow
def test_the_sdk_is_imported_without_its_syntax_warning(tmp_path: Path) -> None:
    # A fresh bytecode cache makes Python compile facebook-sdk's source, which is when the warning comes.
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path / "pyc")}
    plain = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import facebook"], capture_output=True, text=True, env=env
    )
    assert plain.returncode != 0 and "invalid escape sequence" in plain.stderr  # the pitfall is real
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pyc2")
    ours = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-c",
            "from socialpub.adapters.facebook import _facebook; print(_facebook().GraphAPI)",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ours.returncode == 0 and ours.stderr == "", ours.stderr


# --- the sandbox refuses what Graph refuses ------------------------------------------------------------


def test_the_sandbox_refuses_what_graph_refuses(box: Sandbox) -> None:
    soon = str(int(time.time()) + 120)
    later = str(int(time.time()) + 3600)
    feed = f"/v21.0/{PAGE}/feed"
    bad = [
        ("POST", feed, {"data": {}}, 100),
        ("POST", feed, {"data": {"message": "x", "link": "ftp://example.com/"}}, 100),
        ("POST", feed, {"data": {"message": "x", "published": "false"}}, 100),
        ("POST", feed, {"data": {"message": "x", "published": "false", "scheduled_publish_time": soon}}, 100),
        ("POST", feed, {"data": {"message": "x", "scheduled_publish_time": later}}, 100),
        ("POST", feed, {"data": {"message": "x" * 63_207}}, 100),
        ("POST", feed, {"data": {"attached_media": '[{"media_fbid": "42"}]'}}, 100),
        ("POST", f"/v21.0/{PAGE}/photos", {"files": {"source": ("a.png", b"not an image")}}, 324),
        ("POST", f"/v21.0/{PAGE}/photos", {"data": {"message": "no file"}}, 324),
        ("POST", f"/v21.0/{PAGE}/videos", {"files": {"source": ("v.mp4", PNG)}}, 352),
        ("GET", f"/v21.0/{PAGE}/feed", {"params": {"limit": "101"}}, 100),
        ("GET", f"/v21.0/{PAGE}/feed", {"params": {"fields": "id,likes"}}, 100),
        ("GET", "/v21.0/me", {"headers": {"Authorization": "Bearer expired"}}, 190),
        ("GET", "/v21.0/me", {"headers": {"Authorization": ""}}, 104),
    ]
    for method, path, kwargs, code in bad:
        answer = api(box, method, path, **kwargs)
        assert answer.status_code == 400, (path, kwargs, answer.text)
        shaped(GRAPH_ERROR, answer.json())
        assert answer.json()["error"]["code"] == code, (path, kwargs, answer.json())
    # JSON bodies, the token in the query, and unversioned paths work too
    answer = requests.post(
        box.url + feed,
        params={"access_token": "sandbox-page_token"},
        json={"message": "json body", "published": "false", "scheduled_publish_time": later},
        timeout=5,
    )
    shaped(FEED_CREATED, answer.json())
    assert api(box, "GET", "/me").json()["id"] == PAGE
    assert graph(box).token_places[-2][1] == "query"


# --- secrets --------------------------------------------------------------------------------------------


def assert_no_canary(*texts: Any) -> None:
    proof = appsecret_proof(CANARY["page_token"], CANARY["app_secret"])
    for text in texts:
        for secret in (*CANARY.values(), proof, "CANARY"):
            assert secret not in str(text), (secret, text)


def test_canary_secrets_never_show(
    repo: Repo, box: Sandbox, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    box.tokens.add(CANARY["page_token"])  # the sandbox accepts the canaries, so success paths run with them
    graph(box).app_secrets.add(CANARY["app_secret"])
    graph(box).require_proof = True
    adapter, rendered = make(
        repo,
        box.url,
        environ=dict(CANARY_ENV),
        app_secret=True,
        media=[{"path": "media/lab.png", "alt": ALT}],
    )
    adapter.timeout = 0.5
    shown: list[Any] = []

    receipt = adapter.publish(rendered)
    shown += [receipt, adapter.find(rendered), adapter.verify()]  # verify sends the token as input_token
    proof = appsecret_proof(CANARY["page_token"], CANARY["app_secret"])
    echo = graph_error(190, f"bad token {CANARY['page_token']} secret {CANARY['app_secret']} proof {proof}")
    faults: list[dict[str, Any]] = [
        {"kind": "status", "path": f"/{PAGE}/photos$", "status": 400, "body": echo},  # Graph echoes secrets
        {"kind": "status", "path": f"/{PAGE}/photos$", "status": 500, "body": echo},
        {
            "kind": "status",
            "path": f"/{PAGE}/photos$",
            "status": 502,
            "body": f"<html>{CANARY['page_token']}</html>".encode(),
        },
        {"kind": "slow", "path": f"/{PAGE}/photos$", "delay": 1.0},
        {"kind": "drop", "path": f"/{PAGE}/photos$"},
    ]
    for fault in faults:
        box.inject(**fault)
        with pytest.raises(PlatformError) as caught:
            adapter.publish(rendered)
        shown += [str(caught.value), caught.value.hint, repr(caught.value.args)]
    box.inject("status", path="/me$", status=400, body=echo)
    with pytest.raises(PlatformError) as caught:
        adapter.verify()
    shown += [str(caught.value), caught.value.hint]
    captured = capsys.readouterr()
    assert_no_canary(*shown, captured.out, captured.err, caplog.text)
    assert "[secret]" in str(caught.value)
