"""SP-RESPECT: no individual medical or dosing advice (P2, P3). How it decides: docs/rules.md.
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
    sentence_bounds,
    visible_texts,
)
from socialpub.rules.engine import Context, Hit, rule

# --- SP-RESPECT-001 ------------------------------------------------------------------------------

_HCP = (r"(?:doctor|doctors|physician|healthcare\s+provider|health\s+care\s+provider"
        r"|healthcare\s+professional|pharmacist|nurse|care\s+team|oncologist|hcp|prescriber)")
# Where advice phrases are about medicines ("try taking a walk", "switch to paperless" are not).
_MEDICAL_CONTEXT = T.lazy(
    rf"\b(?:{_HCP}|meds?|medicines?|medications?|drugs?|treatments?|therap(?:y|ies)|pills?|tablets?|capsules?"
    rf"|injections?|infusions?|inhalers?|doses?|dosing|dosage|prescriptions?|chemo(?:therapy)?)\b",
    re.IGNORECASE,
)
# The sentence sends the reader to their own healthcare professional ("… and call your doctor right away").
_REFERRAL = T.lazy(
    rf"(?<!n't )(?<!n’t )(?<!not )(?<!never )(?<!without )"
    rf"\b(?:talk|speak|check|consult|call|ask|tell|contact)\s+(?:to\s+|with\s+)?(?:your|a|their)\s+{_HCP}\b",
    re.IGNORECASE,
)
_DEFERRAL = T.lazy(
    rf"\bwithout\s+(?:first\s+)?(?:talking|speaking|checking|consulting|asking)\b|\bunless\s+(?:your|a)\s+{_HCP}\b",
    re.IGNORECASE,
)


def _medical_context(ctx: Context, masked: str) -> bool:
    if _MEDICAL_CONTEXT.search(masked):
        return True
    if any(p.search(masked) for _, p in product_terms(ctx)):
        return True
    c = ctx.compliance
    pipeline = compiled_terms(ctx, "pipeline", lambda: (*c.pipeline_codes, *c.pipeline_names))
    return pipeline.search(masked) is not None


@rule(
    "SP-RESPECT-001", "medical-advice", "error", principle="P2, P3",
    summary="Individual medical or dosing advice.",
    help="Do not tell individuals how to take, stop or change a medicine; refer them to their healthcare "
         "provider and the prescribing information.",
    lists=("medical_advice",),
)
def medical_advice(ctx: Context) -> Iterable[Hit]:
    advice = ctx.words("medical_advice")
    for t in visible_texts(ctx):
        text = t.masked
        matches = list(advice.finditer(text, words=t.field.words))
        if not matches or not _medical_context(ctx, text):
            continue
        for m in matches:
            lo, hi = sentence_bounds(text, m.start(), m.end())
            sentence = text[lo:hi]
            phrase = m.group(0).lower()
            if re.search(_HCP, phrase, re.IGNORECASE) or "need to see" in phrase:
                # The phrase itself bypasses the doctor; only "Do not … without asking your doctor" is fine.
                if not (phrase.startswith("without") and negated(text, m.start(), 30)):
                    yield _advice_hit(t, m)
                continue
            if _REFERRAL.search(sentence):
                continue  # label language: "Stop taking X and call your doctor right away if …"
            if negated(text, m.start()) and (_DEFERRAL.search(sentence) or _REFERRAL.search(text)):
                continue  # "Do not stop taking X without talking to your doctor", "Don't … Ask your doctor."
            yield _advice_hit(t, m)


def _advice_hit(t: Text, m: re.Match[str]) -> Hit:
    return Hit(f"'{m.group(0)}' is individual medical or dosing advice",
               excerpt=excerpt_of(t, m.start(), m.end()), source=t.field.source)


