"""Reading replies and comments on published posts, per platform, with the real SDKs over real HTTP to the sandbox.

What the safety inbox depends on: every comment comes once (pagination, high-water marks, budgets that stop
and resume), reply chains keep their parent, a removed comment is told apart, rate limits stop a read without
losing what it read, a failed read is the adapter's PlatformError with neither a secret nor a comment's text
in it, X's 7-day search window is said out loud, and no answer of a platform crashes the reader.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub.adapters.base import Comment, CommentPage, adapter_class
from socialpub.adapters.facebook import FacebookAdapter
from socialpub.adapters.twitter import TwitterAdapter
from socialpub.adapters.youtube import YouTubeAdapter
from socialpub.errors import PlatformError
from socialpub.sandbox import Sandbox
from socialpub.sandbox.facebook import FacebookSandbox
from socialpub.sandbox.server import DEMO_COMMENTS
from socialpub.sandbox.twitter import TwitterSandbox
from socialpub.sandbox.youtube import READ_SCOPES, UPLOAD_SCOPES, sandbox_of
from tests.helpers import Repo
from tests.test_facebook_adapter import make as facebook_post
from tests.test_twitter_adapter import (
    Wire,
    operation,
    post_text,
    spec,  # noqa: F401  (the fixture: X's OpenAPI description)
    validator,
)
from tests.test_twitter_adapter import adapter as x_adapter
from tests.test_youtube_adapter import schema_errors
from tests.test_youtube_adapter import setup as youtube_video

SECRET_TEXT = "my hands won't stop shaking"  # stands for any comment's words: never in an error
X_CANARY = {f"TW_{k.upper()}": f"sandbox-CANARY-{k}-x7" for k in ("api_key", "access_token")} | {
    "TW_API_SECRET": "CANARY-api_secret-x7", "TW_ACCESS_SECRET": "CANARY-access_secret-x7"}
FB_CANARY = {"FB_TOKEN": "sandbox-CANARY-page_token-f7"}


def now() -> datetime:
    return datetime.now(UTC)  # the sandbox keeps real time (X's 7-day window is counted from its clock)


def all_of(read: Any, since: str | None = None, **kwargs: Any) -> tuple[list[Comment], list[CommentPage]]:
    """Read until a page is complete, passing each cursor back; every comment and every page."""
    found: list[Comment] = []
    pages: list[CommentPage] = []
    for _ in range(50):
        page = read(since=since, now=now(), **kwargs)
        pages.append(page)
        found += page.comments
        since = page.cursor if page.cursor is not None else since
        if page.complete:
            return found, pages
    raise AssertionError("the read never completed")


def iso_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def no_leak(error: BaseException, *secrets: str) -> None:
    shown = f"{error} {getattr(error, 'hint', '')} {getattr(error, 'message', '')}"
    for secret in (*secrets, SECRET_TEXT, "shaking"):
        assert secret not in shown, secret


def seed(box: Sandbox, platform: str, on: str | None, text: str, author: str = "someone", **more: Any) -> str:
    """Seed through the HTTP control endpoint, as a person in another process would."""
    fields = {"platform": platform, "on": on, "text": text, "author": author, **more}
    answer = requests.post(f"{box.url}/_sandbox/comments", json=fields, timeout=10)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["comment"]["id"])


# --- X --------------------------------------------------------------------------------------------------


def x_of(box: Sandbox) -> TwitterSandbox:
    return next(p for p in box.platforms if isinstance(p, TwitterSandbox))


def x_post(box: Sandbox, *texts: str, environ: dict[str, str] | None = None) -> tuple[TwitterAdapter, Any]:
    adapter = x_adapter(box, environ=environ)
    return adapter, adapter.publish(post_text(*(texts or ("Our #AZoncology scientists",))))


def x_read(adapter: TwitterAdapter, receipt: Any, **kwargs: Any) -> Any:
    def read(**more: Any) -> CommentPage:
        return adapter.read_comments(receipt.remote_id, extra_ids=receipt.extra_ids,
                                     published_at=receipt.published_at, **{**kwargs, **more})
    return read


def test_x_reads_the_replies_of_a_thread_over_several_pages_without_our_own_tweets(box: Sandbox) -> None:
    adapter, receipt = x_post(box, "Our #AZoncology scientists", "The second tweet of the thread")
    first = seed(box, "twitter", receipt.remote_id, f"Started ONCAVIX and {SECRET_TEXT} & it's <scary>", "dana_r")
    answer = seed(box, "twitter", None, "same for my dad", "mike", parent=first)
    on_second = seed(box, "twitter", receipt.extra_ids[0], "reply to the second tweet", "kim")
    for i in range(22):
        seed(box, "twitter", receipt.remote_id, f"reply {i}", f"user{i}")
    adapter.read_page_size = 10  # X's least: three pages

    found, pages = all_of(x_read(adapter, receipt))

    assert len(pages) == 1 and pages[0].complete and pages[0].gaps == ()
    assert len(found) == 25 and len({c.id for c in found}) == 25
    assert sum(1 for r in box.requests if r["route"] == "twitter:search") == 3
    by_id = {c.id: c for c in found}
    assert by_id[first].text == f"Started ONCAVIX and {SECRET_TEXT} & it's <scary>"  # X's &amp; &lt; undone
    assert by_id[first].author == "@dana_r" and by_id[first].kind == "reply" and by_id[first].parent_id is None
    assert by_id[first].url == f"https://x.com/dana_r/status/{first}"
    assert by_id[answer].parent_id == first  # a reply chain keeps its parent
    assert by_id[on_second].parent_id is None  # an answer to any tweet of ours is a direct reply
    assert receipt.remote_id not in by_id and receipt.extra_ids[0] not in by_id
    assert all(c.created_at is not None and c.created_at.tzinfo is not None for c in found)


def test_x_second_read_fetches_and_is_billed_only_what_is_new(box: Sandbox) -> None:
    adapter, receipt = x_post(box)
    for i in range(3):
        seed(box, "twitter", receipt.remote_id, f"early {i}")
    read = x_read(adapter, receipt)
    first = read(since=None, now=now())
    assert first.complete and len(first.comments) == 3
    billed = x_of(box).posts_read
    late = seed(box, "twitter", receipt.remote_id, "late one")

    second = read(since=first.cursor, now=now())

    assert [c.id for c in second.comments] == [late]
    assert x_of(box).posts_read - billed == 1
    third = read(since=second.cursor, now=now())
    assert third.comments == () and third.complete


def test_x_budget_stops_the_read_and_the_cursor_resumes_it_without_loss_or_repeat(box: Sandbox) -> None:
    adapter, receipt = x_post(box)
    ids = [seed(box, "twitter", receipt.remote_id, f"reply {i}") for i in range(25)]
    found, pages = all_of(x_read(adapter, receipt, budget=10))

    assert [len(p.comments) for p in pages] == [10, 10, 5]
    assert [p.complete for p in pages] == [False, False, True]
    assert sorted(c.id for c in found) == sorted(ids)
    newer = seed(box, "twitter", receipt.remote_id, "after the sweep")
    again = x_read(adapter, receipt)(since=pages[-1].cursor, now=now())
    assert [c.id for c in again.comments] == [newer]


def test_x_deleted_reply_is_not_served_and_nothing_breaks(box: Sandbox) -> None:
    adapter, receipt = x_post(box)
    kept = seed(box, "twitter", receipt.remote_id, "still here")
    seed(box, "twitter", receipt.remote_id, "deleted by its author", deleted=True)
    page = x_read(adapter, receipt)(since=None, now=now())
    assert [c.id for c in page.comments] == [kept] and page.complete


def test_x_recent_search_window_is_a_gap_with_its_dates(box: Sandbox) -> None:
    adapter, receipt = x_post(box)
    seed(box, "twitter", receipt.remote_id, "eight days ago", created_at=(now() - timedelta(days=8)).isoformat())
    fresh = seed(box, "twitter", receipt.remote_id, "yesterday", created_at=(now() - timedelta(days=1)).isoformat())
    when = now()
    published = when - timedelta(days=10)

    page = adapter.read_comments(receipt.remote_id, published_at=published, since=None, now=when)

    assert [c.id for c in page.comments] == [fresh]
    [gap] = page.gaps
    assert "7 days" in gap and f"from {iso_seconds(published)} to {iso_seconds(when - timedelta(days=7))}" in gap
    # read within the window: no gap; a cursor whose last read is 9 days old: a gap from then
    assert adapter.read_comments(receipt.remote_id, published_at=published, since=page.cursor, now=now()).gaps == ()
    seed(box, "twitter", receipt.remote_id, "today")
    stopped = adapter.read_comments(receipt.remote_id, published_at=published, since=None, now=when, budget=1)
    assert not stopped.complete and len(stopped.gaps) == 1  # said once: the read that goes on does not repeat it
    assert adapter.read_comments(receipt.remote_id, published_at=published, since=stopped.cursor, now=when).gaps == ()
    last_read = when - timedelta(days=9)
    stale = json.dumps({"mark": fresh, "read": iso_seconds(last_read)})
    later = adapter.read_comments(receipt.remote_id, published_at=published, since=stale, now=when)
    assert len(later.gaps) == 1 and f"from {iso_seconds(last_read)} to" in later.gaps[0]
    # times without an offset are UTC (as the ledger keeps them)
    naive = adapter.read_comments(receipt.remote_id, published_at=published.replace(tzinfo=None), since=None,
                                  now=now().replace(tzinfo=None))
    assert len(naive.gaps) == 1 and iso_seconds(published) in naive.gaps[0]
    # a post younger than the window, never read: no gap
    assert adapter.read_comments(receipt.remote_id, published_at=now() - timedelta(days=2), since=None,
                                 now=now()).gaps == ()


def test_x_a_used_up_rate_window_stops_the_read_with_a_cursor(box: Sandbox) -> None:
    adapter, receipt = x_post(box)
    ids = [seed(box, "twitter", receipt.remote_id, f"reply {i}") for i in range(15)]
    adapter.read_page_size = 10
    search = next(r for r in box.table if r.name == "twitter:search")
    search.limit = (1, 900.0)  # one request per window: its answer says 0 remaining, with the reset

    page = x_read(adapter, receipt)(since=None, now=now())

    assert not page.complete and len(page.comments) == 10
    assert any("rate-limit" in gap for gap in page.gaps)
    assert adapter.rate_wait() is not None and adapter.rate_wait() > 800  # the caller paces with it
    assert sum(1 for r in box.requests if r["route"] == "twitter:search") == 1  # never sent into the used-up window
    search.limit = (180, 900.0)
    box._windows.clear()
    adapter.session.rate.exhausted.clear()  # type: ignore[attr-defined]  # the window reset
    rest = x_read(adapter, receipt)(since=page.cursor, now=now())
    assert rest.complete and sorted(c.id for c in page.comments + rest.comments) == sorted(ids)


def test_x_429_at_the_first_request_is_a_transient_error_with_its_wait(box: Sandbox) -> None:
    adapter, receipt = x_post(box)
    seed(box, "twitter", receipt.remote_id, SECRET_TEXT)
    box.inject("status", status=429, path="/2/tweets/search/recent", reset_in=30)
    with pytest.raises(PlatformError) as caught:
        x_read(adapter, receipt)(since=None, now=now())
    assert caught.value.transient and caught.value.retry_after is not None and caught.value.retry_after > 20
    no_leak(caught.value)


def test_x_a_failure_after_some_pages_keeps_what_was_read(box: Sandbox) -> None:
    adapter, receipt = x_post(box)
    ids = [seed(box, "twitter", receipt.remote_id, f"reply {i}") for i in range(15)]
    adapter.read_page_size = 10
    read = x_read(adapter, receipt)
    read(since=None, now=now(), budget=1)  # warms up /2/users/me, so the fault below hits the second page
    box.inject("slow", path="/2/tweets/search/recent", count=1)  # the first page passes (faults go in order)
    box.inject("status", status=503, path="/2/tweets/search/recent", count=1)

    page = read(since=None, now=now())

    assert not page.complete and len(page.comments) == 10 and "503" in page.gaps[0]
    rest = read(since=page.cursor, now=now())
    assert rest.complete and sorted(c.id for c in page.comments + rest.comments) == sorted(ids)


@pytest.mark.parametrize("fault", [{"kind": "status", "status": 503}, {"kind": "expire"},
                                   {"kind": "status", "status": 403}])
def test_x_failed_read_is_a_platform_error_without_secrets_or_comment_text(box: Sandbox, fault: dict[str, Any]) -> None:
    adapter, receipt = x_post(box, environ=X_CANARY)
    seed(box, "twitter", receipt.remote_id, f"Oncavix: {SECRET_TEXT}")
    adapter._user()  # the account is known; the fault hits the read
    box.inject(path="/2/tweets/search/recent", **fault)
    with pytest.raises(PlatformError) as caught:
        x_read(adapter, receipt)(since=None, now=now())
    assert caught.value.transient == (fault.get("status") == 503)
    if fault.get("status") == 403:
        assert "recent search" in (caught.value.hint or "")
    no_leak(caught.value, *X_CANARY.values())


def test_x_debug_logs_of_a_read_hold_no_comment_text(box: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    adapter, receipt = x_post(box)
    seed(box, "twitter", receipt.remote_id, f"Oncavix: {SECRET_TEXT}")
    with caplog.at_level(logging.DEBUG):
        page = x_read(adapter, receipt)(since=None, now=now())
    assert SECRET_TEXT in page.comments[0].text
    assert "Received API response" in caplog.text and "stop shaking" not in caplog.text


def test_x_mentions_are_read_from_the_mark_up(box: Sandbox) -> None:
    adapter, _ = x_post(box)
    first = seed(box, "twitter", None, "@SandboxComms does Oncavix cause headaches?", "asker")
    seed(box, "twitter", None, "a tweet that names nobody", "other")
    page = adapter.read_mentions(since=None, now=now())
    assert [(c.id, c.kind, c.author) for c in page.comments] == [(first, "mention", "@asker")] and page.complete
    second = seed(box, "twitter", None, "hey @sandboxcomms", "asker2")
    assert [c.id for c in adapter.read_mentions(since=page.cursor, now=now()).comments] == [second]


def test_x_replies_in_the_mentions_are_marked_with_their_post_and_outside_the_mentions_budget(box: Sandbox) -> None:
    """The mentions timeline serves replies to our posts too (X prefixes the conversation's handles): those in
    a watched conversation come marked with it and do not use up the budget of the mentions' read."""
    adapter, receipt = x_post(box, "Our #AZoncology scientists", "The second tweet of the thread")
    mention = seed(box, "twitter", None, "@SandboxComms a question", "asker")  # the oldest: on the last page
    replies = [seed(box, "twitter", receipt.remote_id, f"reply {i}", f"user{i}") for i in range(6)]
    on_second = seed(box, "twitter", receipt.extra_ids[0], "on the second tweet", "kim")
    deep = seed(box, "twitter", None, "a reply to a reply", "lee", parent=replies[0])
    watched = frozenset({receipt.remote_id, *receipt.extra_ids})

    page = adapter.read_mentions(since=None, now=now(), budget=1, watched=watched)

    assert page.complete, page.gaps
    by_id = {c.id: c for c in page.comments}
    assert set(by_id) == {*replies, on_second, deep, mention}
    assert by_id[mention].kind == "mention" and by_id[mention].thread is None
    assert {by_id[i].thread for i in (*replies, on_second, deep)} == {receipt.remote_id}
    assert {by_id[i].kind for i in (*replies, on_second, deep)} == {"reply"}
    assert by_id[on_second].parent_id is None and by_id[deep].parent_id == replies[0]
    # not watched (its window closed): replies are mentions like any other, within the budget
    unwatched = adapter.read_mentions(since=None, now=now(), budget=1)
    assert not unwatched.complete and all(c.thread is None for c in unwatched.comments)


def test_x_verify_says_when_the_access_level_cannot_search(box: Sandbox) -> None:
    adapter = x_adapter(box)
    assert not any("replies" in w for w in adapter.verify())
    x_of(box).search_access = False
    [warning] = [w for w in x_adapter(box).verify() if "replies" in w]
    assert "recent search" in warning and "Basic" in warning


# --- Facebook -----------------------------------------------------------------------------------------------


def graph(box: Sandbox) -> FacebookSandbox:
    return next(p for p in box.platforms if isinstance(p, FacebookSandbox))


def fb_post(repo: Repo, box: Sandbox, environ: dict[str, str] | None = None) -> tuple[FacebookAdapter, Any]:
    adapter, rendered = facebook_post(repo, box.url, environ=environ)
    return adapter, adapter.publish(rendered)


def fb_read(adapter: FacebookAdapter, receipt: Any, extra_ids: tuple[str, ...] = (), **kwargs: Any) -> Any:
    def read(**more: Any) -> CommentPage:
        return adapter.read_comments(receipt.remote_id, extra_ids=extra_ids, published_at=receipt.published_at,
                                     **{**kwargs, **more})
    return read


def at(seconds_ago: float) -> str:
    return (now() - timedelta(seconds=seconds_ago)).isoformat()


def test_facebook_reads_comments_and_replies_over_pages_with_a_removed_parent(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = fb_post(repo, box)
    first = seed(box, "facebook", receipt.remote_id, f"Oncavix: {SECRET_TEXT}", "Dana R", created_at=at(100))
    reply = seed(box, "facebook", None, "my mom too", "Mike", parent=first, created_at=at(90))
    removed = seed(box, "facebook", receipt.remote_id, "I take it back", "Kim", created_at=at(80), deleted=True)
    seed(box, "facebook", None, "what did you say?", "Lee", parent=removed, created_at=at(70))
    seed(box, "facebook", receipt.remote_id, "gone without replies", "Sam", created_at=at(60), deleted=True)
    for i in range(8):
        seed(box, "facebook", receipt.remote_id, f"comment {i}", f"Person {i}", created_at=at(50 - i))
    adapter.read_page_size = 5

    found, pages = all_of(fb_read(adapter, receipt))

    assert len(pages) == 1 and pages[0].complete
    assert sum(1 for r in box.requests if r["route"] == "facebook:comments/list") == 3
    assert len(found) == 12 and len({c.id for c in found}) == 12  # the removed one without replies is gone
    by_id = {c.id: c for c in found}
    assert by_id[first].text == f"Oncavix: {SECRET_TEXT}" and by_id[first].author == "Dana R"
    assert by_id[first].kind == "comment" and by_id[first].parent_id is None and by_id[first].author_id
    assert by_id[first].url and by_id[first].url.startswith("https://www.facebook.com/")
    assert by_id[reply].parent_id == first
    assert by_id[removed].deleted and by_id[removed].text == "" and by_id[removed].author == ""
    assert [c.created_at for c in found] == sorted(c.created_at for c in found if c.created_at)  # chronological


def test_facebook_second_read_returns_only_new_ones_even_one_that_shows_up_late(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = fb_post(repo, box)
    read = fb_read(adapter, receipt)
    for i in range(3):
        seed(box, "facebook", receipt.remote_id, f"early {i}", created_at=at(30 - i))
    first = read(since=None, now=now())
    assert len(first.comments) == 3
    late = seed(box, "facebook", receipt.remote_id, "posted before the read, listed after", created_at=at(60))
    new = seed(box, "facebook", receipt.remote_id, "new", created_at=at(0))

    second = read(since=first.cursor, now=now())

    assert sorted(c.id for c in second.comments) == sorted([late, new])
    assert read(since=second.cursor, now=now()).comments == ()


def test_facebook_budget_resumes_across_the_posts_of_an_album(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = fb_post(repo, box)
    adapter2, rendered2 = facebook_post(repo, box.url, name="second", body="The album's second post")
    other = adapter2.publish(rendered2)
    ids = [seed(box, "facebook", receipt.remote_id, f"a{i}", created_at=at(40 - i)) for i in range(7)]
    ids += [seed(box, "facebook", other.remote_id, f"b{i}", created_at=at(40 - i)) for i in range(6)]

    found, pages = all_of(fb_read(adapter, receipt, (other.remote_id,), budget=5))

    assert [len(p.comments) for p in pages] == [5, 5, 3]
    assert sorted(c.id for c in found) == sorted(ids)


def test_facebook_rate_limit_mid_read_keeps_what_was_read_and_at_first_is_transient(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = fb_post(repo, box)
    ids = [seed(box, "facebook", receipt.remote_id, f"c{i}", created_at=at(40 - i)) for i in range(8)]
    adapter.read_page_size = 5
    box.inject("slow", path="/comments$", count=1)
    box.inject("status", status=429, path="/comments$", count=1)
    page = fb_read(adapter, receipt)(since=None, now=now())
    assert not page.complete and len(page.comments) == 5 and "rate limited" in page.gaps[0]
    rest = fb_read(adapter, receipt)(since=page.cursor, now=now())
    assert rest.complete and sorted(c.id for c in page.comments + rest.comments) == sorted(ids)

    box.inject("status", status=429, path="/comments$", count=1)
    with pytest.raises(PlatformError) as caught:
        fb_read(adapter, receipt)(since=None, now=now())
    assert caught.value.transient and caught.value.retry_after
    no_leak(caught.value)


@pytest.mark.parametrize("fault", [{"kind": "status", "status": 500}, {"kind": "expire"}])
def test_facebook_failed_read_is_a_platform_error_without_secrets_or_comment_text(
    repo: Repo, box: Sandbox, fault: dict[str, Any]
) -> None:
    adapter, receipt = fb_post(repo, box, environ=dict(FB_CANARY))
    seed(box, "facebook", receipt.remote_id, f"Oncavix: {SECRET_TEXT}")
    box.inject(path="/comments$", **fault)
    with pytest.raises(PlatformError) as caught:
        fb_read(adapter, receipt)(since=None, now=now())
    assert caught.value.transient == (fault["kind"] == "status")
    no_leak(caught.value, *FB_CANARY.values())


def test_facebook_a_token_without_the_reading_permissions(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = fb_post(repo, box)
    assert not any("comments" in w for w in adapter.verify())
    graph(box).token_scopes = ["pages_show_list", "pages_read_engagement", "pages_manage_posts"]
    [warning] = [w for w in adapter.verify() if "comments" in w]
    assert "pages_read_user_content" in warning and "pages_read_engagement" not in warning.split("lacks")[1][:40]
    with pytest.raises(PlatformError) as caught:
        fb_read(adapter, receipt)(since=None, now=now())
    assert not caught.value.transient and "pages_read_user_content" in caught.value.message
    assert "pages_read_engagement and pages_read_user_content" in (caught.value.hint or "")


# --- YouTube ------------------------------------------------------------------------------------------------


def yt_video(repo: Repo, box: Sandbox) -> tuple[YouTubeAdapter, Any]:
    adapter, rendered, _ = youtube_video(repo, box)
    return adapter, adapter.publish(rendered)


def yt_read(adapter: YouTubeAdapter, receipt: Any, **kwargs: Any) -> Any:
    def read(**more: Any) -> CommentPage:
        return adapter.read_comments(receipt.remote_id, published_at=receipt.published_at, **{**kwargs, **more})
    return read


def test_youtube_reads_threads_over_pages_and_long_reply_chains(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = yt_video(repo, box)
    first = seed(box, "youtube", receipt.remote_id, f"Oncavix: {SECRET_TEXT}", "dana_r", created_at=at(100))
    replies = [seed(box, "youtube", None, f"reply {i}", f"r{i}", parent=first, created_at=at(90 - i))
               for i in range(8)]  # more than the 5 a thread inlines
    seed(box, "youtube", receipt.remote_id, "deleted", "x", created_at=at(80), deleted=True)
    seed(box, "youtube", None, "deleted reply", "y", parent=first, created_at=at(75), deleted=True)
    threads = [seed(box, "youtube", receipt.remote_id, f"thread {i}", f"t{i}", created_at=at(60 - i))
               for i in range(11)]
    adapter.read_page_size = 5

    found, pages = all_of(yt_read(adapter, receipt))

    assert len(pages) == 1 and pages[0].complete
    assert sorted(c.id for c in found) == sorted([first, *replies, *threads])
    routes = [r["route"] for r in box.requests]
    # three pages of public threads, then one of each list of held ones
    assert routes.count("youtube:commentThreads.list") == 3 + 2 and routes.count("youtube:comments.list") == 2
    by_id = {c.id: c for c in found}
    assert by_id[first].text == f"Oncavix: {SECRET_TEXT}" and by_id[first].author == "@dana_r"
    assert by_id[first].parent_id is None and by_id[first].kind == "comment"
    assert by_id[first].url == f"https://www.youtube.com/watch?v={receipt.remote_id}&lc={first}"
    assert all(by_id[r].parent_id == first for r in replies)


def test_youtube_second_read_stops_at_the_mark(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = yt_video(repo, box)
    for i in range(3):
        seed(box, "youtube", receipt.remote_id, f"early {i}", created_at=at(1000 - i))
    read = yt_read(adapter, receipt)
    first = read(since=None, now=now())
    assert len(first.comments) == 3
    new = seed(box, "youtube", receipt.remote_id, "new", created_at=at(0))
    second = read(since=first.cursor, now=now())
    assert [c.id for c in second.comments] == [new]
    assert read(since=second.cursor, now=now()).comments == ()


def test_youtube_new_replies_to_a_thread_older_than_the_mark_are_found(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = yt_video(repo, box)
    old = seed(box, "youtube", receipt.remote_id, "an old thread", created_at=at(5000))
    seed(box, "youtube", None, "an old reply", parent=old, created_at=at(4900))
    quiet = seed(box, "youtube", receipt.remote_id, "another old thread", created_at=at(4800))
    read = yt_read(adapter, receipt)
    first = read(since=None, now=now())
    assert len(first.comments) == 3
    late = [seed(box, "youtube", None, f"{SECRET_TEXT} ({i})", parent=old, created_at=at(10 - i)) for i in range(7)]
    fresh = seed(box, "youtube", receipt.remote_id, "a new thread", created_at=at(0))
    shown_late = seed(box, "youtube", receipt.remote_id, "listed only now, dated before", created_at=at(4850))

    second = read(since=first.cursor, now=now())

    assert sorted(c.id for c in second.comments) == sorted([*late, fresh, shown_late])
    assert quiet not in {c.id for c in second.comments}
    calls = [r["route"] for r in box.requests].count("youtube:comments.list")
    third = read(since=second.cursor, now=now())
    assert third.comments == () and third.complete
    assert [r["route"] for r in box.requests].count("youtube:comments.list") == calls  # counts unchanged: no call


def test_youtube_comments_held_for_review_are_read_marked_and_each_list_costs_a_unit(
        repo: Repo, box: Sandbox) -> None:
    """YouTube holds comments from the public until the owner publishes them (heldForReview, likelySpam): an
    adverse event may sit there. They are read at every read (the owner's sign-in may list them), marked with
    their status, and every list call is one unit of the daily quota."""
    adapter, receipt = yt_video(repo, box)
    public = seed(box, "youtube", receipt.remote_id, "great video", "fan", created_at=at(100))
    held = seed(box, "youtube", receipt.remote_id, f"Oncavix: {SECRET_TEXT}", "dana_r", created_at=at(90),
                held="heldForReview")
    spam = seed(box, "youtube", receipt.remote_id, "buy pills at example.com", "bot", created_at=at(80),
                held="likelySpam")
    reply = seed(box, "youtube", None, "same here", "kim", parent=held, created_at=at(70))
    youtube = sandbox_of(box)
    used, calls = youtube.quota_used, len(box.requests)

    page = yt_read(adapter, receipt)(since=None, now=now())

    assert page.complete and page.gaps == ()
    by_id = {c.id: c for c in page.comments}
    assert set(by_id) == {public, held, spam}  # a reply in a held thread shows when the thread is published
    assert (by_id[public].held, by_id[held].held, by_id[spam].held) == (None, "heldForReview", "likelySpam")
    assert by_id[held].text == f"Oncavix: {SECRET_TEXT}" and by_id[held].author == "@dana_r"
    lists = [r for r in list(box.requests)[calls:] if r["route"].startswith("youtube:comment")]
    assert len(lists) == 3 and youtube.quota_used - used == 3 == adapter.units_per_read  # 1 unit a list call
    # the owner publishes it: the next read finds it (and its reply) among the public ones, not held any more
    youtube.publish_held(held)
    again = yt_read(adapter, receipt)(since=page.cursor, now=now())
    by_id = {c.id: c for c in again.comments}
    assert by_id[held].held is None and by_id[reply].held is None and by_id[spam].held == "likelySpam"


def test_youtube_a_refused_list_of_held_comments_is_a_gap_and_the_public_ones_are_read(
        repo: Repo, box: Sandbox) -> None:
    adapter, receipt = yt_video(repo, box)
    public = seed(box, "youtube", receipt.remote_id, "great video", "fan", created_at=at(100))
    sandbox_of(box).held_forbidden = True  # a sign-in that is not the channel's owner
    page = yt_read(adapter, receipt)(since=None, now=now())
    assert page.complete and [c.id for c in page.comments] == [public]
    assert len(page.gaps) == 1 and "held for review" in page.gaps[0] and "YouTube Studio" in page.gaps[0]
    assert "forbidden" in page.gaps[0]


def test_youtube_budget_and_a_rate_limit_stop_and_resume_the_read(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = yt_video(repo, box)
    ids = [seed(box, "youtube", receipt.remote_id, f"thread {i}", created_at=at(600 - i)) for i in range(12)]
    adapter.read_page_size = 5
    found, pages = all_of(yt_read(adapter, receipt, budget=5))
    assert [len(p.comments) for p in pages] == [5, 5, 2] and sorted(c.id for c in found) == sorted(ids)

    later = [seed(box, "youtube", receipt.remote_id, f"later {i}", created_at=at(10 - i)) for i in range(7)]
    box.inject("slow", path="/commentThreads", count=1)
    box.inject("status", status=429, path="/commentThreads", count=1)
    page = yt_read(adapter, receipt)(since=pages[-1].cursor, now=now())
    assert not page.complete and len(page.comments) == 5 and "429" in page.gaps[0]
    rest = yt_read(adapter, receipt)(since=page.cursor, now=now())
    assert rest.complete and sorted(c.id for c in page.comments + rest.comments) == sorted(later)


@pytest.mark.parametrize("fault", [{"kind": "status", "status": 503}, {"kind": "expire"}])
def test_youtube_failed_read_is_a_platform_error_without_secrets_or_comment_text(
    repo: Repo, box: Sandbox, fault: dict[str, Any]
) -> None:
    from tests.test_youtube_adapter import CANARY

    adapter, receipt = yt_video(repo, box)
    seed(box, "youtube", receipt.remote_id, f"Oncavix: {SECRET_TEXT}")
    box.inject(path="/commentThreads", **fault)
    if fault["kind"] == "expire":  # and the refresh token revoked: the sign-in is gone
        sandbox_of(box).revoked_refresh_tokens.add(CANARY["refresh_token"])
    with pytest.raises(PlatformError) as caught:
        yt_read(adapter, receipt)(since=None, now=now())
    assert caught.value.transient == (fault["kind"] == "status")
    no_leak(caught.value, *CANARY.values(), *adapter.known_secrets())


def test_youtube_a_sign_in_without_a_read_scope(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = yt_video(repo, box)
    assert not any("comments" in w for w in adapter.verify())
    # Google's token answer says what the sign-in may do: here uploads only.
    box.inject("answer", path="^/token$", status=200, headers={"Content-Type": "application/json"},
               body={"access_token": "sandbox-upload-only", "expires_in": 3599, "token_type": "Bearer",
                     "scope": "https://www.googleapis.com/auth/youtube.upload"})
    narrow, _, _ = youtube_video(repo, box, name="other")
    [warning] = [w for w in narrow.verify() if "comments" in w]
    assert "youtube.force-ssl" in warning and "socialpub auth" in warning
    yt = sandbox_of(box)
    limited = "sandbox-limited-refresh"
    yt.refresh_tokens[limited] = frozenset(UPLOAD_SCOPES - READ_SCOPES)
    narrow, _, _ = youtube_video(repo, box, name="third", env={"YT_ID": "sandbox-id", "YT_SECRET": "sandbox-secret",
                                                               "YT_REFRESH": limited})
    with pytest.raises(PlatformError) as caught:
        narrow.read_comments(receipt.remote_id, published_at=None, since=None, now=now())
    assert not caught.value.transient and "insufficientPermissions" in caught.value.message


# --- the official API descriptions -------------------------------------------------------------------------


def test_x_reads_and_answers_match_the_openapi_description(spec: dict[str, Any], box: Sandbox) -> None:  # noqa: F811
    adapter, receipt = x_post(box)
    first = seed(box, "twitter", receipt.remote_id, "a reply", "dana_r")
    seed(box, "twitter", None, "a reply to the reply", "mike", parent=first)
    seed(box, "twitter", None, "@SandboxComms a mention", "kim")
    adapter.read_page_size = 10
    wire = Wire(adapter)
    page = x_read(adapter, receipt)(since=None, now=now())
    adapter.read_mentions(since=None, now=now())
    x_read(adapter, receipt)(since=page.cursor, now=now())
    box.inject("status", status=429, path="/2/tweets/search/recent")
    with pytest.raises(PlatformError):
        x_read(adapter, receipt)(since=None, now=now())

    covered: set[str] = set()
    for response in wire.calls:
        request = response.request
        op = operation(spec, str(request.method), urlsplit(request.url).path)
        assert op is not None, f"{request.method} {request.url} is not in X's API description"
        covered.add(op["operationId"])
        known = {p["name"] for p in op.get("parameters", []) if "name" in p} | {
            p["$ref"].rsplit("/", 1)[-1] for p in op.get("parameters", []) if "$ref" in p}
        names = set(parse_qs(urlsplit(request.url).query))
        resolved = {spec["components"]["parameters"][n]["name"] for n in known if n in spec["components"]["parameters"]}
        assert names <= (known | resolved), names - known - resolved
        kind = response.headers.get("Content-Type", "").split(";")[0]
        responses = op["responses"]
        answer = responses.get(str(response.status_code)) if response.ok else None
        schema = (answer or responses["default"])["content"][kind]["schema"]
        validator(spec, schema).validate(response.json())
    assert {"searchPostsRecent", "getUsersMentions"} <= covered


def test_youtube_answers_match_the_discovery_document(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = yt_video(repo, box)
    first = seed(box, "youtube", receipt.remote_id, "a comment <b>&</b>", "dana_r")
    for i in range(7):
        seed(box, "youtube", None, f"reply {i}\nsecond line", "mike", parent=first)
    adapter.read_comments(receipt.remote_id, published_at=None, since=None, now=now())
    requests.get(f"{box.url}/youtube/v3/commentThreads", params={"part": "snippet,replies,id", "videoId":
                 receipt.remote_id}, headers={"Authorization": "Bearer sandbox-token"}, timeout=10)  # html text
    answers = sandbox_of(box).answers
    checked = {"commentThreads.list": "CommentThreadListResponse", "comments.list": "CommentListResponse"}
    seen = [a for a in answers if a["route"] in checked]
    assert {a["route"] for a in seen} == set(checked)
    for answer in seen:
        assert schema_errors(checked[answer["route"]], answer["body"]) == []


# --- hostile and broken answers --------------------------------------------------------------------------------


def test_a_comment_dated_in_the_future_does_not_hide_the_ones_after_it(repo: Repo, box: Sandbox) -> None:
    future = "2099-01-01T00:00:00+00:00"
    adapter, receipt = fb_post(repo, box)
    seed(box, "facebook", receipt.remote_id, "from a wrong clock", created_at=future)
    first = fb_read(adapter, receipt)(since=None, now=now())
    later = seed(box, "facebook", receipt.remote_id, "written after it", created_at=at(0))
    assert [c.id for c in fb_read(adapter, receipt)(since=first.cursor, now=now()).comments] == [later]

    yt, video = yt_video(repo, box)
    seed(box, "youtube", video.remote_id, "from a wrong clock", created_at=future)
    first = yt_read(yt, video)(since=None, now=now())
    later = seed(box, "youtube", video.remote_id, "written after it", created_at=at(0))
    assert [c.id for c in yt_read(yt, video)(since=first.cursor, now=now()).comments] == [later]
    # a stored mark in the future (a corrupted cursor) is not trusted either: everything is read again
    stale = json.dumps({"mark": {"t": 4_000_000_000, "seen": {}}})
    assert len(yt_read(yt, video)(since=stale, now=now()).comments) == 2


def test_x_a_mark_from_the_future_is_not_trusted(box: Sandbox) -> None:
    adapter, receipt = x_post(box)
    ids = [seed(box, "twitter", receipt.remote_id, f"reply {i}") for i in range(3)]
    forged = json.dumps({"mark": "9223372036854775807", "read": now().strftime("%Y-%m-%dT%H:%M:%SZ")})
    page = x_read(adapter, receipt)(since=forged, now=now())
    assert sorted(c.id for c in page.comments) == sorted(ids)


def test_facebook_links_lead_to_facebook_only(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = fb_post(repo, box)
    odd = {"data": [
        {"id": "1_2", "message": "a", "permalink_url": "https://evil.example/phish"},
        {"id": "1_3", "message": "b", "permalink_url": "https://www.facebook.com.evil.example/x"},
        {"id": "1_4", "message": "c", "permalink_url": "https://m.facebook.com/story.php?id=4"},
        {"id": "not an id", "message": "d", "permalink_url": "javascript:alert(1)"},
    ]}
    box.inject("answer", path="/comments$", status=200, body=odd, headers={"Content-Type": "application/json"})
    urls = [c.url for c in fb_read(adapter, receipt)(since=None, now=now()).comments]
    assert urls == ["https://www.facebook.com/1_2", "https://www.facebook.com/1_3",
                    "https://m.facebook.com/story.php?id=4", None]


def test_facebook_answering_the_same_page_twice_stops_the_read_with_a_gap(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = fb_post(repo, box)
    looped = {"data": [{"id": "1_2", "message": "hello", "created_time": "2024-05-01T10:00:00+0000"}],
              "paging": {"cursors": {"after": "QQ"}, "next": "https://graph.facebook.com/next"}}
    box.inject("answer", path="/comments$", status=200, body=looped, headers={"Content-Type": "application/json"},
               count=5)
    page = fb_read(adapter, receipt)(since=None, now=now())
    assert [c.id for c in page.comments] == ["1_2"] and not page.complete and "twice" in page.gaps[0]


def test_youtube_comments_turned_off_is_nothing_to_read_not_a_failure(repo: Repo, box: Sandbox) -> None:
    adapter, receipt = yt_video(repo, box)
    sandbox_of(box).comments_disabled = frozenset({receipt.remote_id})
    page = yt_read(adapter, receipt)(since="kept as it was", now=now())
    assert page.complete and page.comments == () and page.cursor == "kept as it was"
    assert "turned off" in page.gaps[0]
    box.inject("status", status=404, path="/commentThreads")  # a video deleted on YouTube is a failure
    with pytest.raises(PlatformError) as caught:
        yt_read(adapter, receipt)(since=None, now=now())
    assert not caught.value.transient


# --- every platform -------------------------------------------------------------------------------------------


def test_pinterest_cannot_read_comments_and_says_so() -> None:
    pinterest = adapter_class("pinterest")
    assert pinterest.can_read_comments is False and "no endpoint for a pin's comments" in (pinterest.__doc__ or "")
    assert [k for k in ("twitter", "facebook", "youtube") if adapter_class(k).can_read_comments] == [
        "twitter", "facebook", "youtube"]
    assert [k for k in ("twitter", "facebook", "youtube", "pinterest") if adapter_class(k).can_read_mentions] == [
        "twitter"]


def test_demo_comments_answer_every_post_made(tmp_path: Path) -> None:
    with Sandbox(comments="demo") as demo:
        adapter, receipt = x_post(demo)
        page = x_read(adapter, receipt)(since=None, now=now())
        adapter_fb, receipt_fb = fb_post(Repo(tmp_path / "repo"), demo)
        fb_page = fb_read(adapter_fb, receipt_fb)(since=None, now=now())
    for read in (page, fb_page):
        assert sorted(c.text for c in read.comments) == sorted(text for text, _, _ in DEMO_COMMENTS)
        assert sum("oncavix" in c.text.lower() for c in read.comments) >= 2
        assert any(c.parent_id for c in read.comments)


def test_a_bad_comment_seed_is_a_400_naming_the_problem(box: Sandbox) -> None:
    for body in ({"platform": "pinterest", "on": "1", "text": "t", "author": "a"},
                 {"platform": "twitter", "on": "999", "text": "t", "author": "a"},
                 {"platform": "facebook", "text": "t"}, [1, 2], {"platform": "youtube", "on": "x", "text": "t",
                                                                 "author": "a", "created_at": "yesterday"}):
        answer = requests.post(f"{box.url}/_sandbox/comments", json=body, timeout=10)
        assert answer.status_code == 400 and "error" in answer.json()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=30)
    | st.sampled_from(["", "2024-02-30T00:00:00Z", "9999-12-31T23:59:59-1200", "x" * 5000, "123_456", "1" * 30]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=12,
)
KEYS = {
    "twitter": ["id", "text", "author_id", "created_at", "referenced_tweets", "conversation_id"],
    "facebook": ["id", "message", "created_time", "from", "parent", "permalink_url"],
    "youtube": ["id", "snippet", "replies", "totalReplyCount", "topLevelComment"],
}


def comment_json(platform: str) -> st.SearchStrategy[Any]:
    shaped = st.fixed_dictionaries({}, optional={k: JSON for k in KEYS[platform]})
    return shaped | JSON


def answer_of(platform: str, items: list[Any], extra: Any) -> dict[str, Any]:
    if platform == "twitter":
        return {"data": items, "includes": {"users": extra}, "meta": {"result_count": len(items)}}
    if platform == "facebook":
        return {"data": items, "paging": extra}
    return {"kind": "youtube#commentThreadListResponse", "items": items,
            "nextPageToken": extra if not isinstance(extra, str) else None}


@pytest.fixture(scope="module")
def readers(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One sandbox and one published post per platform for the property test (made once: HTTP is slow)."""
    with Sandbox() as shared:
        x, x_receipt = x_post(shared)
        fb, fb_receipt = fb_post(Repo(tmp_path_factory.mktemp("fb") / "repo"), shared)
        yt, yt_receipt = yt_video(Repo(tmp_path_factory.mktemp("yt") / "repo"), shared)
        for adapter in (x, fb, yt):
            adapter.read_pages = 3
        yield shared, {"twitter": (x, x_receipt), "facebook": (fb, fb_receipt), "youtube": (yt, yt_receipt)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(platform=st.sampled_from(["twitter", "facebook", "youtube"]),
       items=st.lists(st.deferred(lambda: comment_json("youtube")) | comment_json("twitter")
                      | comment_json("facebook"), max_size=4),
       extra=JSON, since=st.none() | st.text(max_size=40) | JSON.map(json.dumps))
def test_whatever_json_a_platform_answers_for_comments_the_reader_never_crashes(
    readers: Any, platform: str, items: list[Any], extra: Any, since: str | None
) -> None:
    shared, made = readers
    adapter, receipt = made[platform]
    shared.faults.clear()
    shared.requests.clear()
    path = {"twitter": "/2/tweets/search/recent", "facebook": "/comments$", "youtube": "/commentThreads"}[platform]
    shared.inject("answer", path=path, status=200, body=answer_of(platform, items, extra),
                  headers={"Content-Type": "application/json"}, count=5)
    try:
        page = adapter.read_comments(receipt.remote_id, extra_ids=receipt.extra_ids, published_at=receipt.published_at,
                                     since=since, now=now(), budget=50)
    except PlatformError as error:  # a refusal is fine (YouTube's follow-up calls); a crash is not
        no_leak(error)
        return
    finally:
        shared.faults.clear()
        assert any(r.get("fault") == "answer" for r in shared.requests)  # the reader met the answer
    assert isinstance(page, CommentPage)
    for comment in page.comments:
        assert isinstance(comment.text, str) and isinstance(comment.author, str) and isinstance(comment.id, str)
        assert comment.created_at is None or comment.created_at.tzinfo is not None
    assert page.cursor is None or len(page.cursor) < 70_000


# --- nothing lost, nothing twice: reads interleaved with new comments, budgets of any size ------------------


@pytest.fixture(scope="module")
def posting(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One sandbox for the interleaving property (its rate limits off: the examples add up to more than a
    window's worth); each example publishes a fresh post on it."""
    with Sandbox(rate_limits=False) as shared:
        made = {"count": 0}

        def post(platform: str) -> tuple[Any, Any]:
            made["count"] += 1
            n = made["count"]
            if platform == "twitter":
                return x_post(shared, f"Post number {n} about #AZoncology")
            repo = Repo(tmp_path_factory.mktemp(f"{platform}{n}") / "repo")
            return fb_post(repo, shared) if platform == "facebook" else yt_video(repo, shared)

        yield shared, post


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(platform=st.sampled_from(["twitter", "facebook", "youtube", "mentions"]),
       steps=st.lists(st.tuples(st.sampled_from(["seed", "reply", "read"]), st.integers(1, 12)), min_size=1,
                      max_size=8))
def test_interleaved_reads_deliver_every_comment_exactly_once(posting: Any, platform: str,
                                                             steps: list[tuple[str, int]]) -> None:
    shared, post = posting
    mentions = platform == "mentions"
    if mentions:  # the account's mentions: none may be left from earlier examples
        platform = "twitter"
        shared.store.get("twitter", {}).get("comments", {}).clear()
    adapter, receipt = post(platform)
    adapter.read_page_size = 10 if platform == "twitter" else 3
    seeded: list[str] = []
    delivered: list[str] = []
    since: str | None = None

    def read(budget: int) -> CommentPage:
        nonlocal since
        if mentions:
            page = adapter.read_mentions(since=since, now=now(), budget=budget)
        else:
            page = adapter.read_comments(receipt.remote_id, extra_ids=receipt.extra_ids,
                                         published_at=receipt.published_at, since=since, now=now(), budget=budget)
        delivered.extend(c.id for c in page.comments)
        since = page.cursor if page.cursor is not None else since
        return page

    for action, n in steps:
        if action == "read":
            read(n)
        elif mentions:
            seeded += [seed(shared, platform, None, f"@SandboxComms {len(seeded) + i}") for i in range(n)]
        elif action == "seed" or not seeded:
            seeded += [seed(shared, platform, receipt.remote_id, f"comment {len(seeded) + i}") for i in range(n)]
        else:
            seeded += [seed(shared, platform, None, "an answer", parent=seeded[-1]) for _ in range(min(n, 3))]
    for _ in range(60):
        if read(7).complete:
            break
    assert sorted(delivered) == sorted(seeded)  # every one, none twice
