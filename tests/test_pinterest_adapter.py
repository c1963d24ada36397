"""The Pinterest adapter end to end over real HTTP against the sandbox; both held to the v5 OpenAPI document.

Every call goes through the adapter's own requests client to `Sandbox()` on loopback; what the adapter
sends and what the sandbox answers is validated against the operations' schemas in
tests/data/pinterest-v5.openapi.json (OpenAPI 3.0: `nullable`, `readOnly` and `discriminator` need
openapi-schema-validator's OAS30 validators rather than plain jsonschema).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from socialpub.adapters.base import Receipt, Rendered, adapter_for
from socialpub.adapters.pinterest import PIN_URL, PinterestAdapter, authorize
from socialpub.config import load_config
from socialpub.errors import CredentialsError, PlatformError
from socialpub.posts import load_posts
from socialpub.sandbox import Sandbox
from socialpub.sandbox.pinterest import PinterestSandbox
from tests.helpers import BASE_CONFIG, MP4, PNG, Repo

SPECS = Path(__file__).resolve().parent / "data"
SPEC_FILE = SPECS / "pinterest-v5.openapi.json"
GIF = (  # a 1x1 GIF: an image type the Pinterest API does not take
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)

SANDBOX_ENV = {
    "PIN_TOKEN": "sandbox-access_token",
    "PIN_REFRESH": "sandbox-refresh_token",
    "PIN_APP_ID": "sandbox-app_id",
    "PIN_APP_SECRET": "sandbox-app_secret",
}
CANARY = {
    key: f"CANARY-pinterest-{key}-9f2" for key in ("access_token", "refresh_token", "app_id", "app_secret")
}
CANARY_ENV = {
    "PIN_TOKEN": CANARY["access_token"],
    "PIN_REFRESH": CANARY["refresh_token"],
    "PIN_APP_ID": CANARY["app_id"],
    "PIN_APP_SECRET": CANARY["app_secret"],
}
TEXT = "Internships in R&D, manufacturing and commercial teams: apply by March 1. #AZcareers"
TITLE = "Summer internships 2015"
LINK = "https://www.astrazeneca-us.com/careers/students"
ALT = "Three interns in lab coats around a bench, smiling"


# --- the OpenAPI document --------------------------------------------------------------------------


class Spec:
    """The v5 document, loaded once per module; validators for request and response schemas."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._cache: dict[tuple[str, str], Any] = {}

    def operation(self, path: str, method: str) -> dict[str, Any]:
        return self.document["paths"][path][method]  # type: ignore[no-any-return]

    def _validator(self, schema: dict[str, Any], kind: str) -> Any:
        import openapi_schema_validator as oas

        key = (json.dumps(schema, sort_keys=True), kind)
        if key not in self._cache:
            cls = oas.OAS30WriteValidator if kind == "request" else oas.OAS30ReadValidator
            # Local $refs ('#/components/...') resolve against the wrapper, which carries the components.
            wrapper = {"components": self.document["components"], **schema}
            self._cache[key] = cls(wrapper, format_checker=oas.oas30_format_checker)
        return self._cache[key]

    def check_request(self, path: str, method: str, body: Any, media: str = "application/json") -> None:
        schema = self.operation(path, method)["requestBody"]["content"][media]["schema"]
        errors = [e.message for e in self._validator(schema, "request").iter_errors(body)]
        assert errors == [], f"{method.upper()} {path} request: {errors}"

    def check_response(self, path: str, method: str, status: int, body: Any) -> None:
        responses = self.operation(path, method)["responses"]
        answer = responses.get(str(status)) or responses["default"]
        schema = answer["content"]["application/json"]["schema"]
        errors = [e.message for e in self._validator(schema, "response").iter_errors(body)]
        assert errors == [], f"{method.upper()} {path} {status} response: {errors}"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec(json.loads(SPEC_FILE.read_text(encoding="utf-8")))


# --- fixtures ---------------------------------------------------------------------------------------


def platform(box: Sandbox) -> PinterestSandbox:
    return next(p for p in box.platforms if isinstance(p, PinterestSandbox))


def pin_channel(
    endpoint: str, *, refresh: bool = True, extra: str = "", token: str = '"env:PIN_TOKEN"'
) -> str:
    """BASE_CONFIG with the `pin` channel pointed at `endpoint` (and the refresh credentials)."""
    lines = [f"access_token = {token}", f'endpoint = "{endpoint}"']
    if refresh:
        lines += [
            'refresh_token = "env:PIN_REFRESH"',
            'app_id = "env:PIN_APP_ID"',
            'app_secret = "env:PIN_APP_SECRET"',
        ]
    if extra:
        lines.append(extra)
    return BASE_CONFIG.replace('access_token = "env:PIN_TOKEN"', "\n".join(lines))


def make(
    repo: Repo,
    endpoint: str,
    *,
    environ: dict[str, str] | None = None,
    refresh: bool = True,
    extra: str = "",
    token: str = '"env:PIN_TOKEN"',
    boards: str = "",
    base: str | None = None,
    media: list[dict[str, str]] | None = None,
    tables: str = '[pinterest]\nboard = "Internships and Students"',
    **front: Any,
) -> tuple[PinterestAdapter, Rendered]:
    """Write channels.toml and one post, load them with the real loaders, render for channel `pin`."""
    repo.write("posts/media/intern.png", PNG)
    config = base or pin_channel(endpoint, refresh=refresh, extra=extra, token=token)
    if boards:  # more boards for the channel: lines of its [channels.pin.boards] table
        config = config.replace("[channels.pin.boards]\n", "[channels.pin.boards]\n" + boards)
    repo.write_config(base=config)
    body = front.pop("body", TEXT)
    fields = {
        "channels": ["pin"],
        "post_type": "careers",
        "title": TITLE,
        "link": LINK,
        "media": media if media is not None else [{"path": "media/intern.png", "alt": ALT}],
        **front,
    }
    repo.post(body, name="pin", tables=tables, **fields)
    config = load_config(repo.root / "channels.toml")
    loaded = load_posts(config)
    assert loaded.errors == [], loaded.errors
    adapter = adapter_for(
        config.channels["pin"], environ=environ if environ is not None else dict(SANDBOX_ENV)
    )
    assert isinstance(adapter, PinterestAdapter)
    adapter.timeout = 5.0
    adapter.poll_interval = 0.01
    return adapter, adapter.render(loaded.posts[0])


def pins(box: Sandbox) -> list[dict[str, Any]]:
    return [p for p in box.posts("pinterest") if p["kind"] == "pins"]


def received(box: Sandbox, operation: str) -> list[Any]:
    return [r["body"] for r in platform(box).received if r["operation"] == operation]


def api(box: Sandbox, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": "Bearer sandbox-access_token", **kwargs.pop("headers", {})}
    return requests.request(method, box.url + path, headers=headers, timeout=5, **kwargs)


# --- publish, find, delete, verify --------------------------------------------------------------------


def test_publish_an_image_pin(repo: Repo, box: Sandbox, spec: Spec) -> None:
    adapter, rendered = make(repo, box.url)
    receipt = adapter.publish(rendered)

    assert receipt.remote_id.isdigit()
    assert (
        receipt.url
        == PIN_URL.format(receipt.remote_id)
        == f"https://www.pinterest.com/pin/{receipt.remote_id}/"
    )
    assert receipt.published_at is not None and receipt.published_at.tzinfo is not None
    [pin] = pins(box)
    assert pin["id"] == receipt.remote_id
    assert (pin["title"], pin["description"], pin["link"], pin["alt_text"]) == (TITLE, TEXT, LINK, ALT)
    assert pin["board_id"] == "549755885177"
    assert pin["_sandbox"] == {
        "sha256": hashlib.sha256(PNG).hexdigest(),
        "size": len(PNG),
        "media_source": "image_base64",
    }

    [body] = received(box, "pins/create")
    assert body["media_source"] == {
        "source_type": "image_base64",
        "content_type": "image/png",
        "data": base64.b64encode(PNG).decode(),
    }
    spec.check_request("/pins", "post", body)
    answer = api(box, "GET", f"/v5/pins/{receipt.remote_id}")
    spec.check_response("/pins/{pin_id}", "get", 200, answer.json())


def test_find_returns_the_published_pin_and_nothing_else(repo: Repo, box: Sandbox, spec: Spec) -> None:
    adapter, rendered = make(repo, box.url)
    assert adapter.find(rendered) is None  # nothing yet: reconciliation may send
    receipt = adapter.publish(rendered)

    other, different = make(repo, box.url, body="Another text entirely.")
    adapter.page_size = 2  # three more pins after ours: find() must follow the bookmark to page 2
    for _ in range(3):
        other.publish(different)
    found = adapter.find(rendered)
    assert isinstance(found, Receipt)
    assert found.remote_id == receipt.remote_id and found.url == receipt.url

    page = api(box, "GET", "/v5/boards/549755885177/pins", params={"page_size": 2})
    assert page.json()["bookmark"]
    spec.check_response("/boards/{board_id}/pins", "get", 200, page.json())
    assert [p["description"] for p in page.json()["items"]] == ["Another text entirely."] * 2  # newest first


def test_find_on_a_board_never_used_is_none(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url, tables='[pinterest]\nboard = "US Military Veterans"')
    assert adapter.find(rendered) is None


def test_delete_removes_the_pin_and_a_second_delete_says_it_is_gone(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    receipt = adapter.publish(rendered)
    adapter.delete(receipt.remote_id)
    assert pins(box) == []
    assert adapter.find(rendered) is None
    with pytest.raises(PlatformError) as caught:
        adapter.delete(receipt.url or "")  # a pin URL is accepted as well as its id
    assert not caught.value.transient
    assert "HTTP 404" in str(caught.value) and "Pin not found" in str(caught.value)
    assert "already deleted" in (caught.value.hint or "")


def test_verify_is_quiet_when_all_is_well(repo: Repo, box: Sandbox, spec: Spec) -> None:
    adapter, _ = make(repo, box.url)
    assert adapter.verify() == []
    spec.check_response("/user_account", "get", 200, api(box, "GET", "/v5/user_account").json())
    boards = api(box, "GET", "/v5/boards", params={"page_size": 3}).json()
    spec.check_response("/boards", "get", 200, boards)
    assert boards["bookmark"] and len(boards["items"]) == 3


def test_verify_warns_about_boards_trial_access_and_a_token_without_refresh(repo: Repo, box: Sandbox) -> None:
    adapter, _ = make(
        repo,
        box.url,
        refresh=False,
        extra="trial_access = true",
        boards='"Gone" = "424242"\n',
    )
    warnings = adapter.verify()
    assert any("board 'Gone' (424242)" in w and "sandbox_careers" in w for w in warnings)
    assert "Trial access: pins are visible only to you until Standard access is approved" in warnings
    assert any("expire after 30 days" in w and "socialpub auth pin" in w for w in warnings)
    assert len(warnings) == 3


def test_verify_raises_on_a_bad_token(repo: Repo, box: Sandbox) -> None:
    adapter, _ = make(repo, box.url, refresh=False, environ={"PIN_TOKEN": "not-a-valid-token"})
    with pytest.raises(PlatformError) as caught:
        adapter.verify()
    error = caught.value
    assert not error.transient and not error.maybe_sent
    assert "Pinterest said (HTTP 401): Authentication failed. (code 2)" in str(error)
    assert "socialpub auth pin" in (error.hint or "") and "30 days" in (error.hint or "")


# --- video ------------------------------------------------------------------------------------------


def test_publish_a_video_pin_uploads_streams_and_waits(repo: Repo, box: Sandbox, spec: Spec) -> None:
    video = MP4 + os.urandom(3 << 20)  # a few MiB: several chunks through the streamed multipart body
    repo.write("posts/media/day.mp4", video)
    adapter, rendered = make(
        repo,
        box.url,
        media=[{"path": "media/day.mp4", "alt": "A day in the lab"}],
        tables='[pinterest]\nboard = "Internships and Students"\nthumbnail = "media/intern.png"',
    )
    receipt = adapter.publish(rendered)

    [pin] = pins(box)
    assert pin["id"] == receipt.remote_id
    assert pin["media"]["media_type"] == "video" and pin["alt_text"] == "A day in the lab"
    assert pin["_sandbox"]["sha256"] == hashlib.sha256(video).hexdigest()
    assert pin["_sandbox"]["size"] == len(video)
    [register] = received(box, "media/create")
    spec.check_request("/media", "post", register)
    [body] = received(box, "pins/create")
    spec.check_request("/pins", "post", body)
    source = body["media_source"]
    assert source["source_type"] == "video_id" and source["cover_image_content_type"] == "image/png"
    assert base64.b64decode(source["cover_image_data"]) == PNG
    polls = [r for r in box.requests if r["route"] == "pinterest:media/get"]
    assert len(polls) == 2  # processing, then succeeded

    media = api(box, "POST", "/v5/media", json={"media_type": "video"}).json()
    spec.check_response("/media", "post", 201, media)
    status = api(box, "GET", f"/v5/media/{media['media_id']}").json()
    spec.check_response("/media/{media_id}", "get", 200, status)
    assert status["status"] == "registered"


def test_the_upload_url_never_gets_the_bearer_token(box: Sandbox) -> None:
    media = api(box, "POST", "/v5/media", json={"media_type": "video"}).json()
    fields = {**media["upload_parameters"]}
    answer = requests.post(
        media["upload_url"],
        data=fields,
        files={"file": ("v.mp4", MP4)},
        headers={"Authorization": "Bearer sandbox-access_token"},
        timeout=5,
    )
    assert answer.status_code == 400 and b"Unsupported Authorization Type" in answer.content
    answer = requests.post(media["upload_url"], data=fields, files={"file": ("v.mp4", MP4)}, timeout=5)
    assert answer.status_code == 204


def test_a_video_pinterest_cannot_process_fails_permanently(repo: Repo, box: Sandbox) -> None:
    repo.write("posts/media/broken.mp4", MP4)
    adapter, rendered = make(
        repo,
        box.url,
        media=[{"path": "media/broken.mp4", "alt": "x"}],
        tables='[pinterest]\nboard = "Internships and Students"\nthumbnail = "media/intern.png"',
    )
    (repo.root / "posts/media/broken.mp4").write_bytes(
        b"not a video at all, truncated"
    )  # corrupted after check
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert not caught.value.transient and not caught.value.maybe_sent
    assert "could not process the video" in str(caught.value)
    assert pins(box) == []


def test_images_other_than_png_or_jpeg_are_refused_before_sending(repo: Repo, box: Sandbox) -> None:
    repo.write("posts/media/anim.gif", GIF)
    adapter, rendered = make(repo, box.url, media=[{"path": "media/anim.gif", "alt": "x"}])
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert not caught.value.transient and not caught.value.maybe_sent
    assert "PNG or JPEG" in str(caught.value) and "image/gif" in str(caught.value)
    assert "convert" in (caught.value.hint or "")
    assert list(box.requests) == []


# --- errors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "transient", "maybe_sent", "hint"),
    [
        (400, False, False, "fix the post"),
        (403, False, False, "lacks a scope"),
        (404, False, False, "549755885177 was not found"),
        (500, True, True, "having trouble"),
        (502, True, True, "having trouble"),
        (503, True, False, "having trouble"),
        (504, True, True, "having trouble"),
    ],
)
def test_error_answers_become_platform_errors(
    repo: Repo, box: Sandbox, spec: Spec, status: int, transient: bool, maybe_sent: bool, hint: str
) -> None:
    adapter, rendered = make(repo, box.url)
    said = {"code": status, "message": f"Something Pinterest says about {status}."}
    spec.check_response("/pins", "post", status, said)
    box.inject("status", path="^/v5/pins$", status=status, body=said)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    error = caught.value
    assert (error.transient, error.maybe_sent) == (transient, maybe_sent)
    assert f"Pinterest said (HTTP {status}): Something Pinterest says about {status}. (code {status})" in str(
        error
    )
    assert hint in (error.hint or "")


def test_a_success_answer_that_is_not_json_leaves_the_outcome_unknown(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    box.inject("status", path="^/v5/pins$", status=201, body=b"<html>gateway says hi</html>")
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert caught.value.maybe_sent and "the outcome is checked" in (caught.value.hint or "")


def test_the_sandbox_refuses_what_pinterest_refuses(repo: Repo, box: Sandbox, spec: Spec) -> None:
    adapter, rendered = make(repo, box.url, title="T" * 101)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert not caught.value.transient
    assert "HTTP 400" in str(caught.value) and "title is too long (101 characters; at most 100)" in str(
        caught.value
    )

    good = {
        "board_id": "1",
        "media_source": {
            "source_type": "image_base64",
            "content_type": "image/png",
            "data": base64.b64encode(PNG).decode(),
        },
    }
    bad_bodies = [
        {k: v for k, v in good.items() if k != "media_source"},
        {**good, "board_id": "abc"},
        {**good, "link": "ftp://example.com/x"},
        {**good, "description": "d" * 801},
        {**good, "alt_text": "a" * 501},
        {**good, "media_source": {**good["media_source"], "content_type": "image/jpeg"}},  # bytes are PNG
        {**good, "media_source": {**good["media_source"], "data": "!!!"}},
        {**good, "media_source": {"source_type": "video_id", "media_id": "12345"}},
    ]
    for body in bad_bodies:
        answer = api(box, "POST", "/v5/pins", json=body)
        assert answer.status_code == 400, body
        spec.check_response("/pins", "post", 400, answer.json())
    answer = api(box, "POST", "/v5/pins", json=good)
    assert answer.status_code == 201
    spec.check_response("/pins", "post", 201, answer.json())
    assert (
        api(box, "POST", "/v5/pins", json=good, headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    platform(box).missing_boards.add("77")
    answer = api(box, "POST", "/v5/pins", json={**good, "board_id": "77"})
    assert answer.status_code == 404 and answer.json() == {"code": 404, "message": "Board not found."}
    assert api(box, "GET", "/v5/boards", params={"page_size": 251}).status_code == 400


def test_429_is_transient_with_the_wait_from_the_headers(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    box.inject("status", path="^/v5/pins$", status=429, reset_in=30)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    error = caught.value
    assert error.transient and not error.maybe_sent
    assert error.retry_after is not None and 25 <= error.retry_after <= 31
    assert "rate limited" in (error.hint or "")


def test_the_sandbox_rate_limit_answers_429_like_pinterest(repo: Repo, box: Sandbox, spec: Spec) -> None:
    adapter, rendered = make(repo, box.url)
    route = next(r for r in box.table if r.name == "pinterest:pins/create")
    assert route.limit == (300, 60.0)  # 200 pins in a run fit well inside one window
    route.limit = (2, 60.0)
    adapter.publish(rendered)
    adapter.publish(rendered)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert caught.value.transient and caught.value.retry_after is not None and caught.value.retry_after > 50
    answer = api(box, "POST", "/v5/pins", json={})
    assert answer.status_code == 429
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"} <= {
        k.lower() for k in answer.headers
    }
    spec.check_response("/pins", "post", 429, answer.json())


def test_a_slow_answer_times_out_as_maybe_sent_for_the_create_only(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    adapter.timeout = 0.5
    box.inject("slow", path="^/v5/pins$", delay=1.5)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert caught.value.transient and caught.value.maybe_sent
    assert "no answer" in str(caught.value) and "ReadTimeout" in str(caught.value)
    box.inject("slow", path="/pins$", delay=1.5)
    with pytest.raises(PlatformError) as caught:
        adapter.find(rendered)  # a read: nothing can have been posted
    assert caught.value.transient and not caught.value.maybe_sent


def test_a_dropped_connection_is_transient_and_maybe_sent(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url)
    box.inject("drop", path="^/v5/pins$")
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert caught.value.transient and caught.value.maybe_sent
    assert "the outcome is checked" in (caught.value.hint or "")


# --- tokens -----------------------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_once_and_the_call_retried(
    repo: Repo, box: Sandbox, spec: Spec
) -> None:
    adapter, rendered = make(repo, box.url)
    box.inject("expire", path="^/v5/pins$")
    receipt = adapter.publish(rendered)
    assert [p["id"] for p in pins(box)] == [receipt.remote_id]
    [form] = received(box, "oauth/token")
    assert form == {"grant_type": "refresh_token", "refresh_token": "sandbox-refresh_token"}
    spec.check_request("/oauth/token", "post", form, media="application/x-www-form-urlencoded")
    token_calls = [r for r in box.requests if r["route"] == "pinterest:oauth/token"]
    assert len(token_calls) == 1
    assert adapter.refreshed and adapter.secret("access_token").startswith("pina_")
    assert adapter.find(rendered) == receipt  # the new token serves the rest of the run, no second refresh
    assert len([r for r in box.requests if r["route"] == "pinterest:oauth/token"]) == 1
    warnings = adapter.verify()
    assert any("renewed for this run only" in w for w in warnings)

    basic = base64.b64encode(b"sandbox-app_id:sandbox-app_secret").decode()
    answer = requests.post(
        box.url + "/v5/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": "sandbox-refresh_token"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=5,
    )
    spec.check_response("/oauth/token", "post", 200, answer.json())
    assert answer.json()["response_type"] == "refresh_token"


def test_a_refreshed_token_is_written_back_to_its_file(repo: Repo, box: Sandbox, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "pin.token").write_text("sandbox-access_token\n")
    (secrets / "pin.refresh").write_text("sandbox-refresh_token\n")
    config = pin_channel(box.url, token=f'"file:{secrets / "pin.token"}"').replace(
        'refresh_token = "env:PIN_REFRESH"', f'refresh_token = "file:{secrets / "pin.refresh"}"'
    )
    adapter, rendered = make(repo, box.url, base=config)
    box.inject("expire", path="^/v5/pins$")
    adapter.publish(rendered)
    new_access = (secrets / "pin.token").read_text().strip()
    new_refresh = (secrets / "pin.refresh").read_text().strip()
    assert new_access.startswith("pina_") and new_access in box.tokens
    assert new_refresh.startswith("pinr_")
    for name in ("pin.token", "pin.refresh"):
        assert stat.S_IMODE((secrets / name).stat().st_mode) == 0o600
    assert not [p for p in secrets.iterdir() if p.name.endswith(".tmp")]  # no temporary file left (the lock stays)
    assert not any("renewed for this run only" in w for w in adapter.verify())


def test_a_refused_refresh_says_to_reauthenticate(repo: Repo, box: Sandbox) -> None:
    adapter, rendered = make(repo, box.url, environ={**SANDBOX_ENV, "PIN_REFRESH": "revoked-refresh"})
    box.inject("expire", path="^/v5/pins$")
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    # Transient, retried by a later run: a rotating refresh token refused is most often a race lost.
    assert caught.value.transient and caught.value.refused_grant and not caught.value.maybe_sent
    assert "Pinterest (token refresh) said (HTTP 400): Invalid request: refresh_token is not valid" in str(
        caught.value
    )
    assert "socialpub auth pin" in (caught.value.hint or "")
    assert pins(box) == []


# --- secrets --------------------------------------------------------------------------------------------


def canary_box(box: Sandbox) -> None:
    """Let the sandbox accept the canary credentials, so that success paths run with them too."""
    pinterest = platform(box)
    pinterest.apps[CANARY["app_id"]] = CANARY["app_secret"]
    pinterest.refresh_tokens.add(CANARY["refresh_token"])
    box.tokens.add(CANARY["access_token"])


def assert_no_canary(*texts: Any) -> None:
    basic = base64.b64encode(f"{CANARY['app_id']}:{CANARY['app_secret']}".encode()).decode()
    for text in texts:
        for secret in (*CANARY.values(), basic, "CANARY"):
            assert secret not in str(text), (secret, text)


def test_canary_secrets_never_show(
    repo: Repo, box: Sandbox, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    canary_box(box)
    adapter, rendered = make(repo, box.url, environ=dict(CANARY_ENV))
    adapter.timeout = 0.5
    shown: list[Any] = []

    receipt = adapter.publish(rendered)  # success with canaries
    shown += [receipt, adapter.find(rendered)]
    basic = base64.b64encode(f"{CANARY['app_id']}:{CANARY['app_secret']}".encode()).decode()
    echo = {
        "code": 1,
        "message": f"bad token {CANARY['access_token']} / {CANARY['refresh_token']} / Basic {basic}",
    }
    faults: list[dict[str, Any]] = [
        {"kind": "status", "path": "^/v5/pins$", "status": 400, "body": echo},  # the platform echoes secrets
        {"kind": "status", "path": "^/v5/pins$", "status": 500, "body": echo},
        {"kind": "status", "path": "^/v5/oauth/token$", "status": 401, "body": echo},
        {"kind": "slow", "path": "^/v5/pins$", "delay": 1.0},
        {"kind": "drop", "path": "^/v5/pins$"},
    ]
    for fault in faults:
        if "oauth" in fault["path"]:
            box.inject("expire", path="^/v5/pins$")  # so that the adapter goes to the token endpoint
        box.inject(**fault)
        with pytest.raises(PlatformError) as caught:
            adapter.publish(rendered)
        shown += [str(caught.value), caught.value.hint, repr(caught.value.args)]
    box.inject("expire", path="^/v5/pins$")  # and a refresh that works: the new token is scrubbed as well
    shown.append(adapter.publish(rendered))
    box.inject(
        "status", path="^/v5/pins$", status=403, body={"code": 3, "message": adapter.secret("access_token")}
    )
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert adapter.secret("access_token") not in str(caught.value)
    shown += [str(caught.value), caught.value.hint]
    captured = capsys.readouterr()
    assert_no_canary(*shown, captured.out, captured.err, caplog.text)


# --- OAuth consent ------------------------------------------------------------------------------------


def browser(urls: list[str], results: list[requests.Response]) -> Any:
    """A stand-in for the person at the browser: open the consent URL, follow the redirect to localhost."""

    def open_url(url: str) -> None:
        urls.append(url)

        def visit() -> None:
            results.append(requests.get(url, timeout=5))

        threading.Thread(target=visit, daemon=True).start()

    return open_url


def test_authorize_runs_the_consent_flow_on_loopback(repo: Repo, box: Sandbox, spec: Spec) -> None:
    adapter, _ = make(repo, box.url)
    urls: list[str] = []
    pages: list[requests.Response] = []
    tokens = authorize(
        adapter.channel,
        environ=dict(SANDBOX_ENV),
        open_browser=False,
        on_url=browser(urls, pages),
        timeout=10,
    )
    assert set(tokens) == {"access_token", "refresh_token"}
    assert tokens["access_token"] in box.tokens
    assert urls[0].startswith(box.url + "/oauth/?")
    assert "scope=boards%3Aread%2Cpins%3Aread%2Cpins%3Awrite%2Cuser_accounts%3Aread" in urls[0]
    [form] = received(box, "oauth/token")
    assert form["grant_type"] == "authorization_code" and form["redirect_uri"].startswith("http://localhost:")
    spec.check_request("/oauth/token", "post", form, media="application/x-www-form-urlencoded")
    assert pages and pages[0].status_code == 200 and "close this window" in pages[0].text

    # the new tokens work: publish with them
    env = {**SANDBOX_ENV, "PIN_TOKEN": tokens["access_token"], "PIN_REFRESH": tokens["refresh_token"]}
    adapter, rendered = make(repo, box.url, environ=env)
    assert adapter.publish(rendered).remote_id


def test_authorize_refused_consent_and_wrong_state(repo: Repo, box: Sandbox) -> None:
    from urllib.parse import parse_qs, urlsplit

    adapter, _ = make(repo, box.url)

    def deny(url: str) -> None:
        query = parse_qs(urlsplit(url).query)
        redirect, state = query["redirect_uri"][0], query["state"][0]
        threading.Thread(
            target=lambda: requests.get(f"{redirect}?error=access_denied&state={state}", timeout=5), daemon=True
        ).start()

    with pytest.raises(CredentialsError, match="access_denied"):
        authorize(adapter.channel, environ=dict(SANDBOX_ENV), open_browser=False, on_url=deny, timeout=10)

    forged_answers: list[requests.Response] = []
    threads: list[threading.Thread] = []

    def forged(url: str) -> None:
        redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        threads.append(threading.Thread(
            target=lambda: forged_answers.append(requests.get(redirect + "?code=abc&state=forged", timeout=5)),
            daemon=True,
        ))
        threads[-1].start()

    # A request with another state is not the platform's answer: ignored (404, nothing of it shown), and the
    # wait goes on until the timeout.
    with pytest.raises(CredentialsError, match="no answer"):
        authorize(adapter.channel, environ=dict(SANDBOX_ENV), open_browser=False, on_url=forged, timeout=1.5)
    threads[0].join(5)
    assert [r.status_code for r in forged_answers] == [404] and "abc" not in forged_answers[0].text
