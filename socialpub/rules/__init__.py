"""The compliance rules, grouped by rule-id family (docs/rules.md).

Importing this package registers nothing: `registry()` imports the rule modules once per process (their
`@rule` decorators fill the catalogue) and returns the catalogue; `evaluate` calls it first. `check` loads it
before its workers fork, so they inherit the loaded catalogue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from socialpub.rules import engine
from socialpub.rules.engine import Finding, Rule

if TYPE_CHECKING:
    from socialpub.adapters.base import Rendered
    from socialpub.config import Compliance
    from socialpub.posts import Post

_loaded = False


def registry() -> dict[str, Rule]:
    """Every rule by id, loaded on the first call."""
    global _loaded
    if not _loaded:
        # One module per rule-id family (SP-CLAIM-… in claims.py); each registers its rules when first imported,
        # in this order, which is the catalogue's (findings of a post are listed in it).
        from socialpub.rules import (  # noqa: F401, I001
            balance,
            channel,
            claims,
            transparency,
            privacy,
            respect,
            safety,
            views,
            correction,
            files,
            meta,
            offlabel,
            scope,
            visible,
        )

        _loaded = True
    return engine.RULES


def evaluate(post: Post, renders: list[Rendered], compliance: Compliance, **options: Any) -> list[Finding]:
    """Every finding of every rule for one post (options: see engine.evaluate_registered), rules loaded."""
    registry()
    return engine.evaluate_registered(post, renders, compliance, **options)


__all__ = ["Finding", "Rule", "evaluate", "registry"]
