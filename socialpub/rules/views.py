"""SP-VIEWS: moderation language is content-based, never viewpoint-based (P5). How it decides: docs/rules.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from socialpub.rules import text as T
from socialpub.rules.common import excerpt_of, negated, sentence_bounds, visible_texts
from socialpub.rules.engine import Context, Hit, rule

# --- SP-VIEWS-001 --------------------------------------------------------------------------------

# Moderation is fine when content-based (profanity, PHI, AE reports, off-label claims…)…
_CONTENT_BASED = T.lazy(
    r"\b(?:profan\w*|obscen\w*|vulgar\w*|spam\w*|personal\s+(?:health\s+)?information|PHI|private\s+information"
    r"|contact\s+details|phone\s+numbers?|off-label|adverse\s+events?|side\s+effects?|harass\w*|hate\s+speech"
    r"|hateful|threat\w*|abus\w*|bully\w*|illegal|unlawful|copyright\w*|advertis\w*|solicitation|promotional"
    r"|confidential|personal\s+attacks?|insult\w*|slurs?|scams?|fraud\w*|impersonat\w*|off-?topic|explicit"
    r"|graphic\s+(?:content|images?)|malware|phishing|doxx\w*|offensive|disrespectful|uncivil|inappropriate"
    r"|(?:medical|health)\s+(?:details|information|records?|history)|unapproved\s+uses?|by\s+(?:brand\s+)?name"
    r"|product\s+names?|violat\w*\s+(?:our|these|the|this)\s+(?:community\s+|house\s+|page\s+)?"
    r"(?:guidelines|rules|terms|polic(?:y|ies)|code\s+of\s+conduct))\b",
    re.IGNORECASE,
)
# … and never when it is about the opinion ("comments that criticize us", "comments we don't agree with").
_VIEWPOINT = T.lazy(
    r"\b(?:critic\w*|disagree\w*|dissent\w*|complain\w*|opposing|unfavou?rable|disapprov\w*|unhappy"
    r"|bad\s+reviews?|(?:do\s+not|don['’]t)\s+(?:agree|like)|against\s+(?:us|our|the\s+company)"
    r"|(?:opinions?|views?)\s+(?:that|which|we|you)\b)\b"
    r"|(?<![\w\-‐‑–])negative\b",  # not "HER2-negative"
    re.IGNORECASE,
)
# A respectful verb whose object is the comments themselves: "we welcome comments that criticize us", "we
# respond to all comments". Only the few words just before the matched phrase count: "we appreciate your
# feedback, but we remove comments that criticize us" is no welcome.
_RESPECT = T.lazy(
    r"\b(?:welcome[sd]?|encourages?|values?|appreciates?|invites?|respond\s+to|reply\s+to|answer|read|"
    r"listen\s+to|keep|allow|leave)\s+(?:(?:all|any|the|your|even|also|those)\s+){0,2}$",
    re.IGNORECASE,
)
# … or when the rest of the sentence welcomes them: "comments that criticize us are always welcome".
_WELCOMED = T.lazy(
    r"^[^,;]*?\b(?:are|is)\s+(?:(?:always|very|most|more\s+than|also)\s+)*(?:welcomed?|appreciated|valued"
    r"|encouraged|invited)\b",
    re.IGNORECASE,
)
# A purpose clause says why, not what is removed: "To keep this page positive, we remove comments that…", "in
# order to keep this a supportive space, we will delete negative comments". Its words (a respectful "keep",
# "welcome", a "no", a topic) must not decide, so it is blanked before the sentence is judged; it ends at a
# comma or where the main clause starts ("… space we remove …").
_PURPOSE = T.lazy(
    r"\b(?:(?:in\s+order|so\s+as)\s+)?to\s+(?:help\s+)?(?:keep|make|ensure|maintain|protect|create|foster|preserve"
    r"|promote|provide|build|support|guarantee|stay)\b[^,;:.!?\n]*?(?=[,;:.!?\n]|\s+(?:we|i|our|moderators?|admins?"
    r"|the\s+team)\b|$)"
    r"|\b(?:so\s+that|in\s+the\s+interest\s+of|for\s+the\s+sake\s+of)\b[^,;:.!?\n]*?(?=[,;:.!?\n]|\s+(?:we|i|our"
    r"|moderators?|admins?|the\s+team)\b|$)",
    re.IGNORECASE,
)


@rule(
    "SP-VIEWS-001", "suppressing-views", "warning", principle="P5",
    summary="Language that suppresses differing views.",
    help="Moderate by content (profanity, personal information, adverse-event reports, off-label claims), "
         "never by viewpoint.",
    lists=("suppress_views",),
)
def suppressing_views(ctx: Context) -> Iterable[Hit]:
    """How it decides: docs/rules.md, SP-VIEWS-001."""
    pattern = ctx.words("suppress_views")
    for t in visible_texts(ctx):
        text = t.masked
        judged: str | None = None  # the text with purpose clauses blanked (same length)
        for m in pattern.finditer(text, words=t.field.words):
            if judged is None:
                judged = T.blank(text, _PURPOSE)
            lo, hi = sentence_bounds(judged, m.start(), m.end())
            if (negated(judged, m.start()) or _RESPECT.search(judged[max(lo, m.start() - 40):m.start()])
                    or _WELCOMED.search(judged[m.end():hi])):
                continue  # "we never delete comments", "we welcome comments that criticize us", "… are welcome"
            sentence = judged[lo:hi]
            if _CONTENT_BASED.search(sentence) and not _VIEWPOINT.search(sentence):
                continue  # "we remove comments that contain profanity or personal information"
            yield Hit(f"'{m.group(0)}' suppresses differing views: moderation must be content-based",
                      excerpt=excerpt_of(t, m.start(), m.end()), source=t.field.source)


