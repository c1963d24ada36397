"""The upload progress is a callback the Publisher hands to `adapter.publish`: each platform's upload reports
the bytes of the video that went out, from 0 to its size, to the built-in sandbox over real HTTP."""

from __future__ import annotations

from pathlib import Path

from socialpub.check import check_post
from socialpub.config import load_config
from socialpub.posts import load_posts
from socialpub.publish import Publisher
from socialpub.session import session
from tests.helpers import MP4, PNG, Repo

MiB = 1 << 20
SIZE = 2 * MiB + 12_345  # several blocks of every upload (YouTube chunks, X segments, multipart blocks)


def test_every_video_upload_reports_growing_byte_counts_to_its_size(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    video = repo.write("posts/media/v.mp4", MP4)
    with video.open("r+b") as handle:
        handle.truncate(SIZE)  # sparse
    repo.write("posts/media/cover.png", PNG)
    repo.post(
        "Inside LabTalk: how our scientists work. https://www.astrazeneca-us.com/labtalk",
        name="clip",
        channels=["tw", "fb", "yt", "pin"],
        title="Inside LabTalk",
        link="https://www.astrazeneca-us.com/labtalk/video",
        media=[{"path": "media/v.mp4", "alt": "Two scientists at a lab bench reviewing results"}],
        tables='[pinterest]\nboard = "Internships and Students"\nthumbnail = "media/cover.png"\n',
    )
    seen: dict[str, list[tuple[int, int]]] = {}
    config = load_config(repo.root / "channels.toml")
    with session(config, str(tmp_path / "ledger.db"), sandbox=True) as opened:
        publisher = Publisher(
            opened.config, opened.ledger, environ=opened.environ, reconcile_grace=0.0,
            progress=lambda post, channel, sent, total: seen.setdefault(f"{post} {channel}", []).append(
                (sent, total)
            ),
        )
        publisher.renderer.adapter("yt").chunksize = 256 * 1024  # type: ignore[attr-defined]
        publisher.renderer.adapter("tw").chunk_size = 512 * 1024  # type: ignore[attr-defined]
        (post,) = load_posts(opened.config).posts
        results = publisher.publish_now([check_post(post, opened.config, publisher.renderer)])
    assert {r.channel: r.state for r in results} == dict.fromkeys(("tw", "fb", "yt", "pin"), "published"), [
        (r.channel, r.error) for r in results
    ]
    assert set(seen) == {"clip tw", "clip fb", "clip yt", "clip pin"}
    for target, calls in seen.items():
        sent = [s for s, _ in calls]
        assert {t for _, t in calls} == {SIZE}, target
        assert sent[0] == 0 and sent[-1] == SIZE, (target, sent)
        assert sent == sorted(sent) and len(set(sent)) >= 3, (target, sent)  # it grows, in several steps


def test_without_a_callback_nothing_is_reported_and_all_is_published(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("posts/media/v.mp4", MP4)
    repo.post("Inside LabTalk.", name="clip", channels=["yt"], title="Inside LabTalk",
              media=[{"path": "media/v.mp4", "alt": "Two scientists at a lab bench"}])
    config = load_config(repo.root / "channels.toml")
    with session(config, str(tmp_path / "ledger.db"), sandbox=True) as opened:
        publisher = Publisher(opened.config, opened.ledger, environ=opened.environ, reconcile_grace=0.0)
        (post,) = load_posts(opened.config).posts
        (result,) = publisher.publish_now([check_post(post, opened.config, publisher.renderer)])
    assert result.state == "published", result.error
