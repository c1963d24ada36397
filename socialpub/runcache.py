"""What one run works out once from its configuration and reuses for every post: one typed object, so that
a reader sees what is kept, under which key, and why. It lives on `Compliance` (the rules see it as
`ctx.compliance.cache`; `config.cache` is the same object). Nothing here outlives the configuration it was
made from: a new `load_config` starts empty."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from socialpub.config import Product
    from socialpub.rules.engine import Rule, _Step
    from socialpub.rules.meta import Approval
    from socialpub.rules.text import Lists, Matcher

# A media reference as found on disk: (resolved path or None, why it is unusable or None, MIME type or None).
MediaLookup = tuple[Path | None, str | None, str | None]


@dataclass
class RunCache:
    # --- post files (socialpub.posts): many posts show the same image ---
    real_root: Path | None = None  # the repository, symbolic links resolved
    media_refs: dict[tuple[str, str], MediaLookup] = field(default_factory=dict)  # (post folder, reference) ->
    media_files: dict[Path, MediaLookup] = field(default_factory=dict)  # resolved file -> inspected once

    # --- the rule engine ---
    plans: tuple[tuple[Rule, ...], dict[object, list[_Step]]] | None = None  # (catalogue, (channels, only) -> plan)
    lists: Lists | None = None  # every word list the rules ask about (the pre-check of `Context.may_match`)
    # Compiled word lists: built-in lists with their [compliance.lexicon] extensions, by list name ...
    word_lists: dict[str, Matcher] = field(default_factory=dict)
    # ... and lists of configured terms (product names, risks, pathways...), by the key their rule gives
    term_lists: dict[object, Matcher] = field(default_factory=dict)

    # --- sets the rules derive from the configuration (None: not yet asked for) ---
    protected_words: frozenset[str] | None = None  # words a disguise would hide from the rules (visible.py)
    product_names: tuple[Matcher, dict[str, list[tuple[Product, bool]]]] | None = None  # brand/established names
    allowed_phones: frozenset[str] | None = None  # allow_phones and the reporting pathways' numbers
    pathways: tuple[frozenset[str], tuple[str, ...]] | None = None  # reporting pathways: (phone keys, others)
    not_names: frozenset[str] | None = None  # words that are no person's name

    # --- answers that depend only on a text and the configuration (texts recur across posts) ---
    approvals: dict[tuple[str, int, Any], Approval] = field(default_factory=dict)  # (code, max age, zone) ->
    approval_months: dict[tuple[int, int, int, Any], tuple[datetime, datetime]] = field(default_factory=dict)
    warning_opens: dict[tuple[date, int, Any], datetime] = field(default_factory=dict)  # (expiry day, days, zone)
    link_verdicts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # URL -> why it may not be posted
    per_text: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-text memos of rules/common.py (bounded)
