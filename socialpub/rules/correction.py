"""SP-CORRECTION: a misinformation correction is factual and non-promotional, names the firm, links the
product's prescribing information and takes up each overstatement (P1, P5). How it decides: docs/rules.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from socialpub.rules import text as T
from socialpub.rules.common import (
    Text,
    compiled_terms,
    excerpt_of,
    negated,
    product_terms,
    replied_text,
    sentence_bounds,
    sponsor_aliases,
    visible_texts,
)
from socialpub.rules.engine import Context, Hit, rule

# --- SP-CORRECTION-001 ---------------------------------------------------------------------------

_HASHTAG = T.lazy(r"(?<![\w&#])#(?=\w*[^\W\d])\w+")
# A sentence that corrects rather than claims: negation, an explicit correction, or a qualifier.
_CORRECTING = T.lazy(
    r"\b(?:not|no|never|cannot|neither|nor|false|untrue|incorrect|inaccurate|misleading|myth|misinformation"
    r"|wrong|mistaken|has\s+not\s+been\s+shown|not\s+been\s+shown|can\s+cause|may\s+cause|serious|risks?"
    r"|limited)\b|n['’]t\b",
    re.IGNORECASE,
)
# A sentence that quotes a claim to refute it ("the claim that X cures cancer is false").
_REFUTING = T.lazy(
    r"\b(?:false|untrue|not\s+true|incorrect|inaccurate|not\s+accurate|misleading|myth|misinformation|wrong"
    r"|mistaken)\b",
    re.IGNORECASE,
)
_WEAK_WORDS = frozenset({"works", "work", "with", "from", "completely", "totally", "that", "this"})


def _family(term: str) -> re.Pattern[str]:
    """Forms of a term's content words: 'cures' -> cure, cured, curing; 'no side effects' -> side, effects."""
    words = [w for w in re.findall(r"[a-z]+", term.lower()) if len(w) >= 4 and w not in _WEAK_WORDS]
    words = words or re.findall(r"[a-z]+", term.lower())
    stems = []
    for w in words:
        for suffix in ("ing", "ed", "es", "s", "d"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[: -len(suffix)]
                break
        if w.endswith("e") and len(w) >= 4:
            w = w[:-1]
        stems.append(re.escape(w))
    return re.compile(rf"(?<!\w)(?:{'|'.join(stems)})\w{{0,6}}(?!\w)", re.IGNORECASE)


def _addressed(term: str, texts: list[Text]) -> bool:
    """Whether the correction takes up the overstatement in a correcting sentence ("is not a cure")."""
    family = _family(term)
    for t in texts:
        for m in family.finditer(t.masked):
            lo, hi = sentence_bounds(t.masked, m.start(), m.end())
            if _CORRECTING.search(t.masked, lo, hi):
                return True
    return False


def _url_key(url: str) -> str:
    bare = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", url.strip(), flags=re.IGNORECASE)
    host, _, path = bare.partition("/")
    return host.lower() + "/" + path.rstrip("/")


@rule(
    "SP-CORRECTION-001", "noncompliant-correction", "error", principle="P1, P5",
    summary="Misinformation correction not compliant.",
    help="A correction is factual and non-promotional: no superlatives, hype or hashtags; it names the firm, "
         "links to the product's prescribing information or risk page, and corrects each overstatement.",
    when=lambda ctx: ctx.post.post_type == "correction",
)
def noncompliant_correction(ctx: Context) -> Iterable[Hit]:
    if ctx.post.post_type != "correction":
        return
    assert ctx.rendered is not None
    texts = visible_texts(ctx, ("title", "text"))
    reply = replied_text(ctx)
    claims = ctx.words("absolute_claims")
    exceptions = ctx.words("absolute_exceptions")
    hype = ctx.words("hype")

    # 1. Superlatives, hype, hashtags: a correction must not promote (repeating a claim to deny it is fine).
    for t in texts:
        cleaned = exceptions.blank(t.masked, words=t.field.words)
        for pattern, kind in ((claims, "superlative or absolute claim"), (hype, "hype word")):
            for m in pattern.finditer(cleaned, words=t.field.words):
                lo, hi = sentence_bounds(cleaned, m.start(), m.end())
                if negated(cleaned, m.start()) or _REFUTING.search(cleaned, lo, hi):
                    continue
                yield Hit(f"{kind} '{m.group(0)}' in a correction: corrections must not promote",
                          excerpt=excerpt_of(t, m.start(), m.end()), source=t.field.source)
        tags = list(_HASHTAG.finditer(t.masked))
        if tags:
            names = ", ".join(dict.fromkeys(m.group(0) for m in tags))
            yield Hit(f"hashtags in a correction ({names}): a correction is not a campaign",
                      excerpt=excerpt_of(t, tags[0].start(), tags[0].end()), source=t.field.source)

    source = ctx.rendered.parts[0].source
    # 2. A link to the PI or risk page of the product the correction (or the corrected text) is about.
    sources = [*texts, *([reply] if reply else [])]
    named = [key for key, p in product_terms(ctx) if any(p.search(t.masked) for t in sources)]
    if named:
        urls = {_url_key(url) for u in ctx.units() for _, url in u.urls()}
        for key in named:
            product = ctx.compliance.products[key]
            wanted = [x for x in (product.pi_url, product.risk_url) if x]
            if wanted and not urls & {_url_key(x) for x in wanted}:
                yield Hit(f"no link to the prescribing information or risk page of {product.brand} "
                          f"({' or '.join(wanted)})", source=source)

    # 3. The firm speaks as itself.
    aliases = sponsor_aliases(ctx)
    if aliases:
        firm = compiled_terms(ctx, "firm", lambda: aliases)
        if not any(firm.search(t.masked) for t in texts):
            yield Hit(f"the correction does not identify the firm ({' or '.join(aliases)})", source=source)

    # 4. Each overstatement in the corrected text is taken up, not left standing.
    if reply is not None:
        subject = ctx.compliance.products[named[0]].brand if named else "it"
        text = exceptions.blank(reply.masked, words=reply.field.words)
        seen: set[str] = set()
        for m in ctx.words("overstatements").finditer(text, words=reply.field.words):
            word = m.group(0).lower()
            if word in seen or negated(text, m.start()):
                continue
            seen.add(word)
            if not _addressed(word, texts):
                yield Hit(f"the corrected text says '{m.group(0)}' and the correction leaves it standing",
                          excerpt=excerpt_of(reply, m.start(), m.end()), source=reply.field.source,
                          hint=f"say plainly what is wrong (e.g. '{subject} is not a cure'), with the "
                               "approved indication and the most serious risks")
