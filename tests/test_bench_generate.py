"""The posts of the check-throughput benchmark are like a team's: they pass the check (but the deliberately
failing copies, which fail with the rules they are meant to), and they do not repeat their texts.

The generator once drew every text from a few dozen sentences: 10,000 short posts held 1,959 distinct texts,
and a check that keeps what it has read of a text was measured faster than on real posts, which rarely repeat.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialpub.check import run_check
from socialpub.config import load_config

REPO = Path(__file__).resolve().parents[1]


def generate(out: Path, posts: int, shape: str, seed: int) -> dict[str, object]:
    sys.path.insert(0, str(REPO / "bench"))
    import generate as generator

    return generator.generate(out, posts, seed, shape=shape)


def bodies(folder: Path) -> list[str]:
    """The text of each post: a `.md` post's body, a `.toml` post's `text` (what follows `text =`)."""
    found = []
    for path in sorted((folder / "posts").rglob("*")):
        content = path.read_text(encoding="utf-8") if path.suffix in (".md", ".toml") else None
        if content is not None:
            found.append(content.rpartition("+++\n")[2] if path.suffix == ".md" else content.partition("text =")[2])
    return found


@pytest.mark.parametrize(("shape", "seed"), [("short", 2014), ("short", 7), ("long", 2014), ("long", 11)])
def test_generated_posts_pass_except_the_failing_copies_and_rarely_repeat_a_text(
    tmp_path: Path, shape: str, seed: int
) -> None:
    manifest = generate(tmp_path, 400, shape, seed)
    expected: dict[str, list[str]] = manifest["expected_failures"]  # type: ignore[assignment]

    texts = bodies(tmp_path)
    assert len(texts) == 400
    # Of the long posts, the deliberately failing ones (2%) are copies, and branded ones repeat their product's
    # safety information; before, 10,000 long posts held 4,765 distinct `.md` texts.
    assert len(set(texts)) >= (0.99 if shape == "short" else 0.94) * len(texts), "the posts repeat their texts"

    result = run_check(load_config(tmp_path / "channels.toml"), now=datetime(2026, 12, 1, tzinfo=UTC))
    unexpected = [f"{f.file}: {f.rule} {f.message}" for f in result.findings
                  if f.blocking and f.post not in expected]
    assert unexpected == []
    found: dict[str, set[str]] = {}
    for f in result.findings:
        found.setdefault(f.post or "", set()).add(f.rule)
    missing = {post: set(rules) - found.get(post, set()) for post, rules in expected.items()}
    assert {post: rules for post, rules in missing.items() if rules} == {}
