"""What reviewers approve is what goes out: for every kind and post type, what the sandbox received equals
the dry run's `would_send` (the same rendered object), Markdown bodies arrive as plain text, and hashes
recorded before the rendering changed still match."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from socialpub.check import Renderer, check_post
from socialpub.config import load_config
from socialpub.hashing import content_hash, same_content
from socialpub.ledger import Row, SQLiteLedger
from socialpub.posts import load_posts
from socialpub.publish import Publisher
from socialpub.sandbox import Sandbox
from socialpub.sandboxing import add_boards, sandbox_config
from socialpub.status import status_rows
from tests.helpers import MP4, PNG, Repo

MARKDOWN = (
    "**Big news** from our *labs*: read [the story](https://www.astrazeneca-us.com/labtalk).\n"
    "A second line, kept as a line.\n"
    "\n"
    "- one point\n"
    "- another point\n"
    "\n"
    "#LabTalk @AstraZenecaUS \\*not emphasis\\*\n"
)
PLAIN = (
    "Big news from our labs: read the story https://www.astrazeneca-us.com/labtalk.\n"
    "A second line, kept as a line.\n"
    "\n"
    "• one point\n"
    "• another point\n"
    "\n"
    "#LabTalk @AstraZenecaUS *not emphasis*"
)
LINK = "https://www.astrazeneca-us.com/labtalk"

# (name, channels, media files, extra front matter, override tables): every kind and post shape it sends.
CASES: list[tuple[str, list[str], list[str], dict[str, Any], str]] = [
    ("tweet", ["tw"], [], {}, ""),
    ("tweet-link", ["tw"], [], {"link": LINK + "/x"}, ""),
    ("tweet-image", ["tw"], ["a.png"], {}, ""),
    ("thread", ["tw"], [], {}, '[twitter]\nthread = ["**Second** tweet", "Third: [more](https://www.fda.gov)"]\n'),
    ("fb-feed", ["fb"], [], {"link": LINK}, ""),
    ("fb-photo-link", ["fb"], ["a.png"], {"link": LINK + "/photo"}, ""),
    ("fb-photos", ["fb"], ["a.png", "b.png"], {"link": LINK + "/photos"}, ""),
    ("fb-video", ["fb"], ["v.mp4"], {"link": LINK + "/video", "title": "LabTalk"}, ""),
    ("yt-video", ["yt"], ["v.mp4"], {"link": LINK + "/yt", "title": "Inside LabTalk"}, ""),
    ("pin", ["pin"], ["a.png"], {"link": LINK + "/pin", "title": "LabTalk"},
     '[pinterest]\nboard = "Internships and Students"\n'),
]


def _write(repo: Repo, name: str, channels: list[str], media: list[str], front: dict[str, Any], tables: str) -> None:
    files = {"a.png": PNG, "b.png": PNG, "v.mp4": MP4}
    for item in media:
        repo.write(f"posts/media/{item}", files[item])
    repo.post(MARKDOWN, name=name, channels=channels, media=_media(media), tables=tables, **front)


def _media(media: list[str]) -> list[dict[str, str]] | None:
    return [{"path": f"media/{m}", "alt": "Two scientists at a lab bench reviewing results"} for m in media] or None


def _received(box: Sandbox) -> list[dict[str, Any]]:
    """What each platform kept, as (text parts, title, link) comparable to would_send."""
    out = []
    for item in box.posts():
        platform = item["platform"]
        if platform == "twitter" and item["kind"] == "tweets":
            out.append({"platform": platform, "text": item["text"], "reply_to": item["in_reply_to_tweet_id"]})
        elif platform == "facebook" and item["kind"] == "posts":  # a video's Page post included
            out.append({"platform": platform, "text": item.get("message") or "", "link": item.get("link")})
        elif platform == "youtube":
            snippet = item["snippet"]
            out.append({"platform": platform, "text": snippet["description"], "title": snippet["title"]})
        elif platform == "pinterest" and item["kind"] == "pins":
            out.append({"platform": platform, "text": item.get("description") or "", "title": item.get("title"),
                        "link": item.get("link")})
    return out


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_what_the_platform_receives_is_the_dry_run(tmp_path: Path, case: tuple[Any, ...]) -> None:
    name, channels, media, front, tables = case
    repo = Repo(tmp_path / "repo")
    _write(repo, name, channels, media, front, tables)
    config = load_config(repo.root / "channels.toml")
    with Sandbox() as box:
        add_boards(box, config)
        boxed, environ = sandbox_config(config, box.url)
        posts = load_posts(boxed).posts
        dry = Publisher(boxed, None, environ=environ, dry_run=True)
        planned = [r.would_send for r in dry.publish_now([check_post(p, boxed, dry.renderer) for p in posts])]
        ledger = SQLiteLedger(tmp_path / "ledger.db")
        real = Publisher(boxed, ledger, environ=environ, reconcile_grace=0.0)
        results = real.publish_now([check_post(p, boxed, real.renderer) for p in posts])
        assert [r.state for r in results] == ["published"], [r.error for r in results]
        got = _received(box)
    (would,) = planned
    assert would is not None
    # The text of every part, byte for byte, in order (a thread: each tweet replying to the one before).
    assert [g["text"] for g in got] == would["parts"]
    # The body's Markdown arrived as plain text: no syntax, the post's own line breaks.
    assert PLAIN in would["parts"][0] or would["parts"][0].startswith(PLAIN)
    assert "**" not in json.dumps(got) and "](" not in json.dumps(got)
    for g in got:
        if "title" in g:
            assert g["title"] == would.get("title")
        if "link" in g and g["platform"] != "twitter":
            assert g["link"] == would.get("link")  # no link sent that the preview did not show, and vice versa


def test_a_facebook_photo_posts_link_is_in_the_text_the_preview_counts(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    _write(repo, "p", ["fb"], ["a.png"], {"link": LINK + "/photo"}, "")
    config = load_config(repo.root / "channels.toml")
    (post,) = load_posts(config).posts
    (rendered,) = Renderer(config).render(post)
    assert rendered.link is None  # a photo post has no link field: no link card in the preview
    assert rendered.text.endswith(LINK + "/photo")
    (measure,) = rendered.measures
    assert measure.count == len(rendered.text)


def test_a_body_of_exactly_280_characters_is_one_tweet(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    body = ("Patients first. " * 18)[:280]
    repo.post(body + "\n", name="p", channels=["tw"])  # the file's final newline is not content
    config = load_config(repo.root / "channels.toml")
    (post,) = load_posts(config).posts
    (rendered,) = Renderer(config).render(post)
    assert rendered.parts[0].length == 280 and not rendered.measures[0].over
    result = repo.check()
    assert "SP-CHANNEL-001" not in {f.rule for f in result.findings}


# --- hashes recorded before the rendering changed --------------------------------------------------------


def _legacy_hash(post: Any, renderer: Renderer) -> str:
    return content_hash(renderer.render(post.as_rendered_by(1)))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hashes_recorded_before_the_upgrade_still_match(tmp_path: Path, case: tuple[Any, ...]) -> None:
    name, channels, media, front, tables = case
    repo = Repo(tmp_path / "repo")
    _write(repo, name, channels, media, front, tables)
    config = load_config(repo.root / "channels.toml")
    (post,) = load_posts(config).posts
    renderer = Renderer(config)
    renders = renderer.render(post)
    old = _legacy_hash(post, renderer)
    # The old rendering really differed (Markdown literal, final newline), and its parts were the raw body.
    assert old != content_hash(renders)
    assert renderer.render(post.as_rendered_by(1))[0].parts[0].text.startswith(MARKDOWN.rstrip("\n")[:20])
    assert same_content(old, renders, config.compliance.limits)
    assert same_content(old.upper(), renders, config.compliance.limits)
    assert not same_content("0" * 64, renders, config.compliance.limits)

    # approved_sha256 recorded with the old version: no SP-META-008 after the upgrade.
    repo.post(MARKDOWN, name=name, channels=channels,
              media=_media(media),
              tables=tables, approved_sha256=old, **front)
    assert "SP-META-008" not in {f.rule for f in repo.check().findings}
    # ...and an edit after approval is still caught.
    repo.post(MARKDOWN + "One more line.\n", name=name, channels=channels,
              media=_media(media),
              tables=tables, approved_sha256=old, **front)
    assert "SP-META-008" in {f.rule for f in repo.check().findings}


def test_a_ledger_row_from_before_the_upgrade_is_neither_edited_nor_retried(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    _write(repo, "p", ["tw"], [], {}, "")
    _write(repo, "q", ["tw"], [], {}, "")
    config = load_config(repo.root / "channels.toml")
    renderer = Renderer(config)
    posts = {p.id: p for p in load_posts(config).posts}
    ledger = SQLiteLedger(tmp_path / "ledger.db")
    ledger.save(Row("p", "tw", "published", content_hash=_legacy_hash(posts["p"], renderer), remote_id="1"))
    ledger.save(Row("q", "tw", "failed", content_hash=_legacy_hash(posts["q"], renderer),
                    last_error="403 Forbidden", transient=False))
    rows = {(r["post"], r["channel"]): r for r in status_rows(config, ledger, datetime(2014, 9, 15, tzinfo=UTC))}
    assert rows[("p", "tw")]["state"] == "published"
    publisher = Publisher(config, ledger, environ={}, reconcile_grace=0.0)
    report = check_post(posts["q"], config, publisher.renderer)
    result = publisher.attempt(report, report.renders[0], mode="run")
    assert result.state == "skipped"  # a permanent failure is not retried just because socialpub was upgraded
