"""The per-run cache is one typed object (socialpub.runcache.RunCache): what a check works out once is kept
under named fields, a second check with the same configuration finds exactly what the first found, and a
new configuration starts empty."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from socialpub.check import run_check
from socialpub.config import load_config
from socialpub.runcache import RunCache

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _findings(config: object) -> list[dict[str, object]]:
    return [f.to_dict() for f in run_check(config, now=NOW).findings]  # type: ignore[arg-type]


def test_one_cache_per_configuration_kept_under_named_fields() -> None:
    config = load_config(ROOT / "channels.toml")
    assert config.cache is config.compliance.cache and config.cache == RunCache()  # empty until used
    first = _findings(config)
    cache = config.cache
    assert cache.real_root == ROOT.resolve() and cache.media_refs and cache.media_files
    assert cache.word_lists and cache.term_lists and cache.plans is not None and cache.lists is not None
    assert _findings(config) == first  # answered from the cache: the same findings
    assert _findings(load_config(ROOT / "channels.toml")) == first  # and the same as from an empty one
    assert load_config(ROOT / "channels.toml").cache == RunCache()
    assert {f.name for f in dataclasses.fields(RunCache)} >= {"media_files", "word_lists", "term_lists", "plans"}
