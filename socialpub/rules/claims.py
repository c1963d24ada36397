"""SP-CLAIM-001..003: absolute, hype and comparative claims (P1 Truth and Accuracy); docs/rules.md says how.

Absolute and context-dependent comparative words are claims only about a therapy: a product (brand or
established name), a pipeline code or name, an embargoed name anywhere in the unit, or a therapy noun
("treatment", "medicine", "option"…) near the word. "The best place to work" and "Yankees vs. Red Sox"
are not claims; "the safest treatment" and "ONCAVIX vs. chemotherapy" are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from socialpub.rules import text as T
from socialpub.rules.balance import (
    View,
    comparative,
    embargoed,
    first_of_each,
    may_mention,
    pipeline,
    view,
    words,
)
from socialpub.rules.engine import Context, Field, Hit, rule

# A therapy noun makes a claim word a therapy claim when it is this close (characters either side, same
# field): near enough for a sentence, far enough that a long corporate post mentioning "our medicines" in
# one paragraph does not turn "the best team" three paragraphs later into an efficacy claim.
THERAPY_WINDOW = 120


def therapy_context(ctx: Context, v: View, f: Field, start: int, end: int) -> str | None:
    """What makes the word at [start, end) of `f` a therapy claim (the context's text), or None."""
    if v.mentions:
        return v.mentions[0].text
    for names in (pipeline(ctx), embargoed(ctx)):
        found = v.find(names)
        if found:
            g, s, e = found[0]
            return g.value[s:e]
    for g, s, e in v.find(words(ctx, "therapy_nouns"), blanked=True):
        # The claim word itself is no context ("cure" is both a claim and a therapy noun).
        if g is f and not (s < end and e > start) and s < end + THERAPY_WINDOW and e > start - THERAPY_WINDOW:
            return g.value[s:e]
    return None


def _substantiated(ctx: Context) -> bool:
    """Whether the post names the substantiation of its claims (claims_refs): MLR has reviewed its wording."""
    refs = ctx.post.claims_refs
    return bool(refs) and any(ref.strip() for ref in refs)


def may_have_therapy_context(ctx: Context) -> bool:
    """Whether `therapy_context` can find anything in some unit of the context: a product mention, a pipeline
    or embargoed name, or a therapy noun in its prose (the pre-check of each list)."""
    return (
        may_mention(ctx)
        or ctx.may_match(pipeline(ctx))
        or ctx.may_match(embargoed(ctx))
        or ctx.may_match(words(ctx, "therapy_nouns"))
    )


@rule(
    "SP-CLAIM-001", "absolute-claim", "error", principle="P1, P3",
    summary="Absolute or superlative efficacy or safety claim about a therapy.",
    help="Replace the absolute or superlative wording with the approved, substantiated claim from the label.",
    # An absolute-claim word, and something that can make it a therapy claim.
    when=may_have_therapy_context,
    lists=("absolute_claims",),
)
def absolute_claim(ctx: Context) -> Iterable[Hit]:
    claims = words(ctx, "absolute_claims")
    for unit in ctx.units():
        v = view(ctx, unit)
        for f, start, end in first_of_each(v.find(claims, blanked=True)):
            context = therapy_context(ctx, v, f, start, end)
            if context is None:
                continue
            word = f.value[start:end]
            yield Hit(
                f"'{word}' is an absolute or superlative claim about a therapy ('{context}'); efficacy and "
                "safety claims must be accurate, substantiated and not overstated",
                excerpt=word, source=f.source,
                hint=f"remove '{word}' or use the approved claim wording from the label",
            )


@rule(
    "SP-CLAIM-002", "hype", "warning", principle="P1",
    summary="Promotional hype word that needs substantiation or MLR-accepted wording.",
    help="Reword without the hype word, cite the substantiation in claims_refs, or suppress with the MLR "
    "reference that accepted the wording.",
    # A post whose claims MLR substantiated (claims_refs) has had its wording reviewed; hype elsewhere is
    # waived with a `suppress` entry naming the MLR decision.
    when=lambda ctx: not _substantiated(ctx),
    lists=("hype",),
)
def hype(ctx: Context) -> Iterable[Hit]:
    if _substantiated(ctx):
        return
    hype_words = words(ctx, "hype")
    exceptions = words(ctx, "hype_exceptions")
    for unit in ctx.units():
        v = view(ctx, unit)
        seen: set[tuple[int, str]] = set()
        for i, f, text in v.items():
            hype_pattern = hype_words.candidates(v.words(i))
            if hype_pattern is None:
                continue
            exception_pattern = exceptions.candidates(v.words(i))
            if exception_pattern is not None:
                text = T.blank(text, exception_pattern)
            for m in hype_pattern.finditer(text):
                word = f.value[m.start() : m.end()]
                key = (id(f), word.lower())
                if key in seen:
                    continue
                seen.add(key)
                yield Hit(
                    f"'{word}' is promotional hype: it states more than the evidence usually supports and "
                    "needs substantiation or MLR-accepted wording",
                    excerpt=word, source=f.source,
                    hint=f"reword without '{word}', add claims_refs with the substantiation, or suppress "
                    "with the MLR reference",
                )


@rule(
    "SP-CLAIM-003", "comparative-claim", "error", principle="P1",
    summary="Comparative claim without a substantiation reference (claims_refs).",
    help="Add claims_refs = [\"…\"] naming the approved substantiation (label or head-to-head trial), or "
    "remove the comparison.",
    when=lambda ctx: not _substantiated(ctx),
    lists=lambda ctx: (comparative(ctx),),
)
def comparative_claim(ctx: Context) -> Iterable[Hit]:
    if _substantiated(ctx):
        return
    comparisons = comparative(ctx)
    needs_context = ctx.words("comparative_needs_context")
    for unit in ctx.units():
        v = view(ctx, unit)
        for f, start, end in first_of_each(v.find(comparisons, blanked=True)):
            word = f.value[start:end]
            context = None
            if _fullmatch(needs_context, word):
                context = therapy_context(ctx, v, f, start, end)
                if context is None:
                    continue
            about = f" about a therapy ('{context}')" if context else ""
            yield Hit(
                f"'{word}' makes a comparative claim{about} but the post has no claims_refs naming its "
                "substantiation; comparisons need adequate, approved evidence",
                excerpt=word, source=f.source,
                hint="add claims_refs = [\"…\"] with the label section or head-to-head trial, or remove the "
                "comparison",
            )


def _fullmatch(pattern: re.Pattern[str] | T.Matcher, word: str) -> bool:
    return pattern.fullmatch(word) is not None
