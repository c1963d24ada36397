"""SP-CHANNEL-002: each media problem gets the hint that fits it, not one generic hint."""

from __future__ import annotations

import pytest

from tests.helpers import MP4, PNG, Repo

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00" \
      b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
PIN = '[pinterest]\nboard = "US Military Veterans"\n'


def _media(*names: str) -> list[dict[str, str]]:
    return [{"path": f"media/{n}", "alt": "Two scientists at a lab bench reviewing results"} for n in names]


CASES = [
    # (channels, media, tables, words the message has, words the hint has)
    (["tw"], ["a.png", "b.png", "c.png", "d.png", "e.png"], "", "5 images", "keep at most 4"),
    (["tw"], ["a.png", "v.mp4"], "", "images and a video together", "either the images or the video"),
    (["tw"], ["g.gif", "a.png"], "", "GIF must be the only media", "the GIF alone"),
    (["pin"], [], PIN, "a pin needs an image or a video", "[pinterest] media"),
    (["pin"], ["v.mp4"], PIN, "a video pin needs a cover image", "[pinterest] thumbnail"),
    (["yt"], ["a.png"], "", "needs exactly one video", "[youtube] media"),
    (["tw"], ["fake.png"], "", "not the image its name says", "rename it"),
]


@pytest.mark.parametrize(("channels", "media", "tables", "message", "hint"), CASES, ids=[c[3] for c in CASES])
def test_the_hint_fits_the_problem(repo: Repo, channels: list[str], media: list[str], tables: str, message: str,
                                   hint: str) -> None:
    files = {"a.png": PNG, "b.png": PNG, "c.png": PNG, "d.png": PNG, "e.png": PNG, "v.mp4": MP4, "g.gif": GIF,
             "fake.png": MP4}
    for name in media:
        repo.write(f"posts/media/{name}", files[name])
    repo.post("Meet the people behind our research.", name="p", channels=channels, media=_media(*media) or None,
              title="Meet our researchers", tables=tables)
    found = [f for f in repo.findings("SP-CHANNEL-002") if message in f.message]
    assert found, [f.message for f in repo.findings("SP-CHANNEL-002")]
    assert all(f.hint and hint in f.hint for f in found), [f.hint for f in found]
