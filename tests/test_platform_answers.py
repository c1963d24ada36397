"""Odd platform answers never become internal errors (every adapter, every network call).

Hypothesis makes up what a platform might answer — JSON that is no object, HTML pages, empty bodies, error
statuses with odd bodies, successes with missing or odd-typed fields, nonsense from the token endpoints,
redirect loops, headers with line breaks or text that is not latin-1 — and the sandbox serves it (fault
`answer`) to the real adapters over HTTP on loopback: tweepy, facebook-sdk and requests, and
google-api-python-client over httplib2. Whatever comes back, publish, find, delete and verify end in a
result or in socialpub's own errors (a message with the platform's words, cut short and without secrets);
an outcome is "maybe sent" only when the request that makes the post went out.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub.check import Renderer
from socialpub.config import load_config
from socialpub.errors import MalformedCredentialError, PlatformError, SocialpubError
from socialpub.http import MAX_SAID
from socialpub.ledger import open_ledger
from socialpub.posts import load_posts
from socialpub.publish import Publisher, run_due
from tests.helpers import exactly_once_bench

eo = exactly_once_bench()

CHANNELS = tuple(eo.KINDS)  # tw, fb, yt, pin
NOW = eo.AT + timedelta(hours=1)
# An id of the platform's shape, for delete()
REMOTE_IDS = {"tw": "1000000000000000001", "fb": "123456789_1000000000000000001", "yt": "dQw4w9WgXcQ",
              "pin": "1000000000000000001"}
EXAMPLES = int(os.environ.get("SOCIALPUB_ANSWER_EXAMPLES", "25"))  # per adapter and call; more to hunt
SECRETS = [f"sandbox-{key}" for keys in eo.CREDENTIALS.values() for key in keys]

# --- what a platform might answer ----------------------------------------------------------------------------

KEYS = st.sampled_from([
    "id", "data", "errors", "error", "message", "items", "bookmark", "meta", "next_token", "access_token",
    "refresh_token", "expires_in", "token_type", "scope", "post_id", "media_id", "upload_url", "status",
    "processing_info", "state", "paging", "cursors", "after", "next", "snippet", "contentDetails", "resourceId",
    "videoId", "relatedPlaylists", "uploads", "code", "error_description", "title", "detail", "type", "name",
    "username", "created_at", "publishedAt", "nextPageToken", "upload_parameters", "reason", "fbtrace_id",
])
SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "0", "1", "²", "123_456", "succeeded", "failed", "tok\r\nen", "t\u00f6k\u20acn", *SECRETS])
)
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS | st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)
HTML = st.builds(
    lambda title, words: f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{words}</body></html>",
    st.text(max_size=30), st.text(max_size=200) | st.sampled_from(SECRETS),
)
BODY_TEXT = st.one_of(st.just(""), st.text(max_size=300), HTML, st.just("x" * 5000), st.sampled_from(SECRETS))
STATUS = st.sampled_from(
    [200, 201, 202, 204, 206, 301, 302, 303, 307, 308, 400, 401, 403, 404, 405, 409, 410, 413, 422, 429, 500,
     502, 503, 504, 520]
) | st.integers(200, 599)
HEADER_NAMES = st.sampled_from([
    "Content-Type", "Retry-After", "x-rate-limit-remaining", "x-rate-limit-reset", "x-rate-limit-limit",
    "x-ratelimit-remaining", "x-ratelimit-reset", "Location", "x-business-use-case-usage", "x-app-usage",
    "WWW-Authenticate", "x-access-level", "x-user-limit-24hour-remaining", "x-user-limit-24hour-reset", "Range",
    "X-Odd",
])
HEADER_VALUES = st.text(max_size=30) | st.sampled_from([
    "application/json", "application/json; charset=utf-8", "text/html", "text/plain", "0", "²", "-1", "1e999",
    "99999999999999999999", "Sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 99999 08:49:37 GMT", "bytes=0-",
    "bytes=0-99999999", "{path}", "http://127.0.0.1:9/nowhere", "a\r\nX-Injected: 1", "\u20ac uro", "\r\n\r\n",
    '{"x": [{"estimated_time_to_regain_access": "soon"}]}',
])


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    """One odd answer, as options of `Sandbox.inject("answer", …)`."""
    status = draw(STATUS)
    headers = draw(st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=4))
    if draw(st.booleans()):
        headers["Content-Type"] = "application/json; charset=utf-8"
    options: dict[str, Any] = {"status": status, "headers": headers}
    if draw(st.booleans()):
        options["body"] = draw(JSON)
    else:
        options["raw"] = draw(BODY_TEXT)
    if status in (301, 302, 303, 307, 308) and draw(st.booleans()):
        headers["Location"] = "{path}"  # a redirect loop
        options["count"] = 30
    else:
        options["count"] = draw(st.integers(1, 3))  # a retry, a refresh and its retry get it too
    return options


# --- the world: a repository of one post on the four platforms, and the sandbox ------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    made = eo.World(tmp_path_factory.mktemp("answers") / "w", eo.numbered_posts(1, CHANNELS), inprocess=True)
    made.box.rate_limits = False  # hundreds of examples; rate limits have tests of their own
    try:
        yield made
    finally:
        made.close()



def fresh_adapter(world: Any, channel: str) -> tuple[Any, Any]:
    """A new adapter (no token, no client yet: token endpoints are asked again) and the post rendered by it."""
    config = load_config(world.config)
    renderer = Renderer(config, world.env())
    adapter = renderer.adapter(channel)
    adapter.timeout = adapter.connect_timeout = 5.0
    adapter.sleep = lambda seconds: None  # polls and resumes count their waits without spending them
    post = load_posts(config).posts[0]
    return adapter, adapter.render(post)


def routes_of(world: Any, channel: str) -> list[str]:
    """Path patterns of the platform's routes in the sandbox, and ".*": the first request of the call."""
    platform = eo.KINDS[channel]
    return [".*", *sorted({r.pattern.pattern for r in world.box.table if r.name.startswith(platform + ":")})]


def serve(world: Any, path: str, answer: dict[str, Any]) -> None:
    box = world.box
    with box.lock:
        box.faults.clear()
        box.requests.clear()
    box.inject("answer", path=path, **answer)


def create_requested(world: Any, channel: str) -> bool:
    route = eo.CREATE_ROUTES[eo.KINDS[channel]]
    with world.box.lock:
        return any(r["route"] == route for r in world.box.requests)


def assert_fit_to_show(error: SocialpubError, keys: tuple[str, ...]) -> None:
    """No secret of the channel in the message (a Publisher redacts every channel's), and the message short."""
    text = str(error)
    for key in keys:
        assert f"sandbox-{key}" not in text
    assert len(error.message) < MAX_SAID + 400, error.message


OPERATIONS: dict[str, Callable[[Any, Any, str], Any]] = {
    "publish": lambda adapter, rendered, channel: adapter.publish(rendered),
    "find": lambda adapter, rendered, channel: adapter.find(rendered),
    "delete": lambda adapter, rendered, channel: adapter.delete(REMOTE_IDS[channel]),
    "verify": lambda adapter, rendered, channel: adapter.verify(),
}


@pytest.mark.slow
@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("channel", CHANNELS)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_answer_ends_in_a_result_or_a_platform_error(
    world: Any, channel: str, operation: str, data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(routes_of(world, channel)), label="path")
    answer = data.draw(answers(), label="answer")
    adapter, rendered = fresh_adapter(world, channel)
    serve(world, path, answer)
    try:
        OPERATIONS[operation](adapter, rendered, channel)
    except SocialpubError as error:  # anything else fails the test: an internal error
        assert_fit_to_show(error, eo.CREDENTIALS[channel])
        if isinstance(error, PlatformError) and error.maybe_sent and operation != "delete":
            # only a request that went out to make the post can leave its outcome unknown (a delete's
            # maybe_sent says the post may be gone all the same)
            assert operation == "publish" and create_requested(world, channel), error


# --- the Publisher: the row is settled whatever the answer, and the other channels go on -----------------------

LEDGERS = itertools.count()


@pytest.mark.slow
@pytest.mark.parametrize("channel", CHANNELS)
@settings(
    max_examples=max(5, EXAMPLES // 3), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_publishing_settles_every_row_whatever_one_platform_answers(
    world: Any, channel: str, data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(routes_of(world, channel)[1:]), label="path")  # this platform's only
    answer = data.draw(answers(), label="answer")
    world.box.reset()
    serve(world, path, answer)
    config = load_config(world.config)
    ledger = open_ledger(str(world.root / f"answers-{next(LEDGERS)}.db"), world.root)
    try:
        publisher = Publisher(config, ledger, environ=world.env(), sleep=lambda s: None, reconcile_grace=0.0)
        for name in config.channels:
            adapter = publisher.renderer.adapter(name)
            adapter.timeout = adapter.connect_timeout = 5.0
            adapter.sleep = lambda seconds: None
        results = {r.channel: r for r in run_due(publisher, load_posts(config).posts, NOW)}
        rows = {row.channel: row for row in ledger.rows()}
    finally:
        ledger.close()
    with world.box.lock:
        faulted = {r["route"].split(":")[0] for r in world.box.requests if r.get("fault")}
    secrets = [f"sandbox-{key}" for keys in eo.CREDENTIALS.values() for key in keys]
    for name, result in results.items():
        assert result.state in ("published", "failed", "retrying", "unknown"), result
        row = rows.get(name)  # None: the look on the platform before a long-past-due post's send failed
        assert row is not None or result.state == "retrying", result
        assert row is None or row.state in ("published", "failed", "unknown"), row  # never left `publishing`
        assert not any(s in f"{result.error} {result.hint} {row.last_error if row else ''}" for s in secrets)
        platform = eo.KINDS[name]
        if platform not in faulted:
            assert result.state == "published", result  # the other channels go on
        if result.state == "unknown":  # only when the request that makes the post went out
            assert create_requested(world, name), result


# --- token endpoints: X (OAuth 2) and Pinterest renew their tokens; YouTube's is asked first above -----------

REFRESHING = {
    "twitter": ("/2/oauth2/token$", {"auth": "oauth2"}, ("refresh_token", "client_id", "client_secret")),
    "pinterest": ("/v5/oauth/token$", {}, ("refresh_token", "app_id", "app_secret")),
}


@pytest.mark.parametrize("kind", list(REFRESHING))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=answers())
def test_any_token_endpoint_answer_ends_in_a_token_or_a_platform_error(
    world: Any, tmp_path: Path, kind: str, answer: dict[str, Any]
) -> None:
    from socialpub.adapters.base import adapter_class, usable_token
    from socialpub.config import Channel, CredentialRef

    path, options, keys = REFRESHING[kind]
    files = {}
    for key in keys:  # file: references, so that a renewed token is written back
        files[key] = tmp_path / f"{kind}-{key}"
        files[key].write_text(f"sandbox-{key}\n" if key != "app_id" else "sandbox-app_id\n")
    credentials = {k: CredentialRef("c", k, "file", str(f)) for k, f in files.items()}
    channel = Channel("c", kind, options, credentials, endpoint=world.box.url, boards={"B": "549755885177"})
    adapter = adapter_class(kind)(channel)
    adapter.timeout = adapter.connect_timeout = 5.0
    serve(world, path, answer)
    try:
        adapter.verify()
    except SocialpubError as error:
        assert_fit_to_show(error, keys)
        assert not getattr(error, "maybe_sent", False)  # asking for a token makes no post
    for file in files.values():  # nothing but a usable token is ever stored
        assert usable_token(file.read_text().strip())


# --- requests that never leave: never an unknown outcome --------------------------------------------------------


@pytest.mark.parametrize("value", ["sandbox-tok\r\nX-Evil: 1", "sandbox-t\u00f6k\u20acn", "sandbox-\x00tok"])
def test_a_credential_no_header_can_carry_fails_before_anything_is_sent(world: Any, value: str) -> None:
    """Every channel's credentials hold the value: each (post, channel) fails, none is unknown, nothing was
    sent, and the value is never shown."""
    world.box.reset()
    env = {k: (value if k.startswith("SOCIALPUB_TEST_") or "sandbox-" in v else v) for k, v in world.env().items()}
    config = load_config(world.config)
    ledger = open_ledger(str(world.root / f"answers-{next(LEDGERS)}.db"), world.root)
    try:
        if any(ord(ch) < 0x20 for ch in value.strip()):
            # A control character inside a credential is a configuration error (exit 2) before anything runs.
            with pytest.raises(MalformedCredentialError) as raised:
                Publisher(config, ledger, environ=env, sleep=lambda s: None, reconcile_grace=0.0)
            assert raised.value.exit_code == 2 and value.strip() not in str(raised.value)
            assert ledger.rows() == [] and not world.box.requests
            return
        publisher = Publisher(config, ledger, environ=env, sleep=lambda s: None, reconcile_grace=0.0)
        results = run_due(publisher, load_posts(config).posts, NOW)
        rows = {row.channel: row for row in ledger.rows()}
    finally:
        ledger.close()
    assert {r.state for r in results} == {"failed"}
    # Failed while looking before the first send (long past due): nothing on record, so the next run looks
    # first again once the credential is fixed (not a permanent failure waiting for the post to change).
    assert rows == {}
    assert not [r for r in world.box.requests if r["route"] in eo.CREATE_ROUTES.values()]
    for result in results:
        assert "holds characters no credential has" in result.error
        assert value not in f"{result.error} {result.hint}" and value.strip() not in result.error


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_refused_connection_is_never_maybe_sent(world: Any, channel: str) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter, rendered = fresh_adapter(world, channel)
    adapter.channel = type(adapter.channel)(**{**adapter.channel.__dict__, "endpoint": f"http://127.0.0.1:{port}"})
    if channel == "yt":  # the token endpoint comes from the endpoint too
        adapter._service = None
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert caught.value.transient and not caught.value.maybe_sent, caught.value


def test_a_huge_answer_is_cut_and_a_create_answered_so_is_maybe_sent(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests keeps at most MAX_ANSWER bytes of an answer (here made small): the tweet may exist."""
    from socialpub import http

    monkeypatch.setattr(http, "MAX_ANSWER", 4096)
    adapter, rendered = fresh_adapter(world, "tw")
    huge = '{"data": {"id": "1", "text": "' + "x" * 200_000 + '"}}'
    serve(world, "/2/tweets$", {"status": 201, "raw": huge, "headers": {"Content-Type": "application/json"}})
    with pytest.raises(PlatformError) as caught:
        adapter.publish(rendered)
    assert caught.value.maybe_sent and "without its id" in caught.value.message
    adapter, rendered = fresh_adapter(world, "fb")
    serve(world, ".*", {"status": 400, "raw": "<html>" + "y" * 200_000, "headers": {"Content-Type": "text/html"}})
    with pytest.raises(PlatformError) as caught:
        adapter.find(rendered)
    assert not caught.value.maybe_sent and len(caught.value.message) < MAX_SAID + 100
    adapter, rendered = fresh_adapter(world, "yt")  # httplib2 under google-api-python-client: bounded too
    adapter.find(rendered)  # the token first
    items = [{"snippet": {"title": "t" * 100}}] * 2000
    json_type = {"Content-Type": "application/json"}
    serve(world, "/youtube/v3/channels$", {"status": 200, "body": {"items": items}, "headers": json_type})
    with pytest.raises(PlatformError) as caught:
        adapter.find(rendered)
    assert "something other than JSON" in caught.value.message and not caught.value.maybe_sent


def test_may_have_arrived_only_when_the_request_could_have_left() -> None:
    import requests
    from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

    from socialpub.http import may_have_arrived

    cause = NewConnectionError(None, "refused")  # type: ignore[arg-type]
    refused = requests.ConnectionError(MaxRetryError(None, "/", cause))  # type: ignore[arg-type]
    dropped = requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError()))
    invalid = [requests.exceptions.InvalidHeader("x"), requests.exceptions.InvalidURL()]
    never = [refused, requests.ConnectTimeout(), *invalid]
    maybe = [dropped, requests.ReadTimeout(), requests.exceptions.ChunkedEncodingError(), requests.TooManyRedirects()]
    assert [may_have_arrived(e) for e in never] == [False] * len(never)
    assert [may_have_arrived(e) for e in maybe] == [True] * len(maybe)


# --- the other shapes of a post: threads, several photos, videos -------------------------------------------

MEDIA_POSTS = {
    "photos": """+++
title = "Lab notes in pictures"
channels = ["tw", "fb"]
post_type = "corporate"
publish_at = 2014-09-15T14:00:00+00:00
approval_code = "3001314  Last Updated 6/14"
approval_status = "approved"
media = [{ path = "media/lab.png", alt = "A lab bench" }, { path = "media/lab2.png", alt = "A notebook" }]

[twitter]
thread = ["And the second part of the story."]
+++
Lab notes in pictures: what our research team saw at the bench this week.
""",
    "video": """+++
title = "Lab notes on video"
channels = ["tw", "fb", "pin"]
post_type = "corporate"
publish_at = 2014-09-15T14:00:00+00:00
approval_code = "3001314  Last Updated 6/14"
approval_status = "approved"
media = [{ path = "media/lab.mp4", alt = "A short tour of a lab bench" }]

[pinterest]
board = "Lab Notes"
thumbnail = "media/lab.png"
+++
Lab notes on video: a short tour of the bench where our research team works.
""",
}


@pytest.fixture(scope="module")
def media_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    made = eo.World(tmp_path_factory.mktemp("media") / "w", [], inprocess=True)
    made.box.rate_limits = False
    media = made.root / "posts" / "media"
    (media / "lab2.png").write_bytes((media / "lab.png").read_bytes())
    for name, text in MEDIA_POSTS.items():
        (made.root / "posts" / f"{name}.md").write_text(text, encoding="utf-8")
    try:
        yield made
    finally:
        made.close()


@pytest.mark.parametrize(
    ("post", "channel"), [("photos", "tw"), ("photos", "fb"), ("video", "tw"), ("video", "fb"), ("video", "pin")]
)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_answer_to_a_thread_photos_or_video_ends_in_a_result_or_a_platform_error(
    media_world: Any, post: str, channel: str, data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(routes_of(media_world, channel)), label="path")
    answer = data.draw(answers(), label="answer")
    config = load_config(media_world.config)
    adapter = Renderer(config, media_world.env()).adapter(channel)
    adapter.timeout = adapter.connect_timeout = 5.0
    adapter.sleep = lambda seconds: None
    loaded = load_posts(config)
    assert not loaded.errors, loaded.errors
    rendered = adapter.render(next(p for p in loaded.posts if p.id == post))
    serve(media_world, path, answer)
    try:
        adapter.publish(rendered)
    except SocialpubError as error:
        assert_fit_to_show(error, eo.CREDENTIALS[channel])
        if isinstance(error, PlatformError) and error.maybe_sent:
            creates = {  # the requests that make the post (unpublished photos for a post of several are not)
                "tw": {"twitter:create"},
                "fb": {"facebook:feed/create", "facebook:videos/create"},
                "pin": {"pinterest:pins/create"},
            }[channel]
            with media_world.box.lock:
                assert any(r["route"] in creates for r in media_world.box.requests), error


@pytest.mark.parametrize(
    "value", ["Bearer CANARY-t\u00f6k\u20acn", "Bearer CANARY-tok\r\nX-Evil: 1", "Bearer CANARY-tok\n"]
)
def test_a_header_value_http_refuses_is_not_sent_and_not_repeated(world: Any, value: str) -> None:
    """Behind the credential check: should a value no header carries reach the session anyway (a token a
    platform issued, say), the request is refused before anything is written, permanently, not maybe_sent."""
    import requests

    from socialpub.http import make_session, may_have_arrived, request_error

    world.box.requests.clear()
    session = make_session(world.box.url)
    with pytest.raises(requests.exceptions.InvalidHeader) as caught:
        session.get("https://api.twitter.com/2/users/me", headers={"Authorization": value})
    assert not world.box.requests  # nothing reached the platform
    assert not may_have_arrived(caught.value)
    error = request_error("X", caught.value, sent=may_have_arrived(caught.value))  # not even redaction needed
    assert not error.maybe_sent and not error.transient
    assert "CANARY" not in str(error)
