"""SP-TRANSPARENCY: a sponsored post, or one by an author with a material connection, discloses it clearly
and where readers see it (P4). How it decides: docs/rules.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from socialpub.rules import text as T
from socialpub.rules.common import Text, compiled_terms, excerpt_of, negated, sponsor_aliases, visible_texts
from socialpub.rules.engine import Context, Hit, rule
from socialpub.rules.lexicon import BUILTIN

# --- SP-TRANSPARENCY-001/002 ---------------------------------------------------------------------

_CONNECTED_AUTHORS = ("employee", "patient_ambassador", "influencer", "hcp_consultant")
# Clear forms the FTC's guides accept besides the lexicon's "disclosures" (sponsor-free).
_GENERIC_DISCLOSURES = ("ad:", "[ad]", "paid ad", "paid post", "paid promotion", "#paid", "#paidpartnership",
                        "#sponsoredpost")


def _accepted(ctx: Context) -> T.Matcher:
    """Accepted disclosures: configured, built-in, and the usual forms built from the sponsor's name."""
    def build() -> list[str]:
        terms = [*BUILTIN["disclosures"], *ctx.compliance.lexicon.get("disclosures", ()),
                 *ctx.compliance.accepted_disclosures, *_GENERIC_DISCLOSURES]
        for name in sponsor_aliases(ctx):
            terms += [f"paid partnership with {name}", f"sponsored by {name}", f"paid by {name}",
                      f"I work for {name}", f"I work at {name}", f"employee of {name}", f"employed by {name}",
                      f"{name} employee", f"consultant for {name}", f"consultant to {name}",
                      f"I consult for {name}", f"{name} ambassador"]
        sponsor = ctx.compliance.sponsor.strip()
        if sponsor:
            tag = "#" + re.sub(r"\W", "", sponsor)
            for role in ("employee", "partner", "ambassador", "consultant"):
                terms += [f"{tag}{role}", f"{tag}_{role}"]
        return terms

    return compiled_terms(ctx, "accepted-disclosures", build)


def _ambiguous(ctx: Context) -> T.Matcher:
    def build() -> list[str]:
        terms = list(ctx.compliance.ambiguous_disclosures) or ["#sp", "#spon", "#collab", "#partner"]
        for name in sponsor_aliases(ctx):
            terms += [f"thanks {name}", f"thanks, {name}", f"thanks to {name}", f"thank you {name}",
                      f"thank you, {name}", f"thank you to {name}"]
        return terms

    return compiled_terms(ctx, "ambiguous-disclosures", build)


def _why_disclose(ctx: Context) -> str | None:
    """Why this post needs a disclosure, or None (hosted chats and third-party reposts: sponsored = true)."""
    if ctx.post.sponsored:
        return "a sponsored post (sponsored = true)"
    if ctx.post.author_type in _CONNECTED_AUTHORS:
        return f"a post by an author with a material connection (author_type = \"{ctx.post.author_type}\")"
    return None


def _disclosures(ctx: Context, texts: list[Text]) -> list[tuple[Text, re.Match[str]]]:
    """Accepted disclosures, except negated ones ("not sponsored")."""
    pattern = _accepted(ctx)
    return [(t, m) for t in texts for m in pattern.finditer(t.masked, words=t.field.words)
            if not negated(t.masked, m.start(), 1)]


def _by_unit(ctx: Context) -> dict[int, list[Text]]:
    # The disclosure must be where people read it: title and text (alt text and links do not count).
    units: dict[int, list[Text]] = {u.index: [] for u in ctx.units()}
    for t in visible_texts(ctx, ("title", "text")):
        units[t.unit].append(t)
    return units


@rule(
    "SP-TRANSPARENCY-001", "missing-disclosure", "error", principle="P4",
    summary="Sponsor or material connection not clearly disclosed.",
    help="Disclose the connection clearly in the text itself, e.g. '#ad', 'Paid partnership with <sponsor>', "
         "'#<Sponsor>Employee' or 'I work for <sponsor>'; ambiguous tags (#sp, #partner) do not count.",
    when=lambda ctx: _why_disclose(ctx) is not None,
)
def missing_disclosure(ctx: Context) -> Iterable[Hit]:
    why = _why_disclose(ctx)
    if why is None:
        return
    # Each tweet of a thread can be read on its own in a timeline, so each carries its own disclosure.
    for index, texts in _by_unit(ctx).items():
        if _disclosures(ctx, texts):
            continue
        ambiguous = [(t, m) for t in texts for m in _ambiguous(ctx).finditer(t.masked, words=t.field.words)]
        where = f"tweet {index + 1}" if len(ctx.units()) > 1 else "the post"
        message = f"{why} has no accepted disclosure in {where}"
        if ambiguous:
            names = list(dict.fromkeys(f"'{m.group(0)}'" for _, m in ambiguous))
            verbs = "is ambiguous and does" if len(names) == 1 else "are ambiguous and do"
            t, m = ambiguous[0]
            yield Hit(f"{message}; {', '.join(names)} {verbs} not count",
                      excerpt=excerpt_of(t, m.start(), m.end()), source=t.field.source)
        else:
            assert ctx.rendered is not None
            yield Hit(message, source=texts[0].field.source if texts else ctx.rendered.parts[index].source)


def _trailing_hashtags(masked: str) -> tuple[int, int]:
    """(number of hashtags, offset where they start) of the run of hashtags that ends the text."""
    tokens = [(m.group(0), m.start()) for m in re.finditer(r"\S+", masked)]
    count, start = 0, len(masked)
    for token, offset in reversed(tokens):
        if not re.fullmatch(r"#\w+[.,!?]*", token):
            break
        count, start = count + 1, offset
    return count, start


@rule(
    "SP-TRANSPARENCY-002", "weak-disclosure", "warning", principle="P4",
    summary="Disclosure present but weakly placed (after the fold or among trailing hashtags).",
    help="Move the disclosure to the start of the text, before 'more' and outside the closing hashtags.",
    when=lambda ctx: _why_disclose(ctx) is not None,
)
def weak_disclosure(ctx: Context) -> Iterable[Hit]:
    if _why_disclose(ctx) is None:
        return
    assert ctx.rendered is not None
    # The configured fold (default 125), or the channel's own when it shows less (Pinterest: 100).
    fold = min(ctx.compliance.disclosure_fold, ctx.rendered.fold or ctx.compliance.disclosure_fold)
    limit = ctx.compliance.max_trailing_hashtags
    for texts in _by_unit(ctx).values():
        found = _disclosures(ctx, texts)
        if not found:
            continue  # SP-TRANSPARENCY-001's business
        problems: list[tuple[Text, re.Match[str], str]] = []
        for t, m in found:
            if t.field.name == "title":
                problems = []
                break  # a title is read first
            count, run_start = _trailing_hashtags(t.masked)
            if count > limit and m.start() >= run_start:
                problems.append((t, m, f"sits in a trailing run of {count} hashtags (more than {limit})"))
            elif m.start() >= fold:
                problems.append((t, m, f"starts at character {m.start() + 1}, after the first {fold}"))
            else:
                problems = []
                break  # one well-placed disclosure is enough
        if problems:
            t, m, why = problems[0]
            yield Hit(f"the disclosure '{m.group(0)}' {why}: readers may not see it",
                      excerpt=excerpt_of(t, m.start(), m.end()), source=t.field.source)


