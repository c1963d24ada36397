"""Built-in word lists of the rules. `[compliance.lexicon]` extends each list by name; it never replaces one.

Terms match case-insensitively on word boundaries (hashtags included); whitespace in a term matches any
run of whitespace; a trailing `*` matches any word ending ("outperform*"). Nothing product- or
company-specific belongs here: products, campaigns and allow-lists come from channels.toml. Which rule reads
which list, and how: docs/rules.md.
"""

from __future__ import annotations

BUILTIN: dict[str, tuple[str, ...]] = {
    # SP-CLAIM-001: absolute or superlative efficacy/safety claims, and phrases that only look like them.
    "absolute_claims": (
        "best", "safest", "most effective", "#1", "number one", "cure", "cures", "cured", "guaranteed",
        "guarantee", "no side effects", "risk-free", "risk free", "completely safe", "totally safe",
        "100% effective", "100% safe", "works for everyone", "miracle", "best-tolerated", "best tolerated",
        "best-in-class", "best in class", "first-in-class", "perfectly safe", "harmless", "zero side effects",
    ),
    "absolute_exceptions": (
        "no cure for", "not a cure", "no known cure", "is no cure", "without a cure", "there is no cure",
        "best practices", "best practice", "best wishes", "all the best", "best regards", "do your best",
        "doing their best", "doing our best", "best place to work", "best places to work", "best employer",
        "best employers", "cure research", "find a cure", "finding a cure", "search for a cure",
        "hope for a cure", "until there is a cure", "no guarantee", "not guaranteed", "isn't a cure",
        "is not a cure",
    ),
    # Nouns that put an absolute claim in a therapy context.
    "therapy_nouns": (
        "treatment", "treatments", "therapy", "therapies", "medicine", "medicines", "medication",
        "medications", "drug", "drugs", "option", "options", "regimen", "regimens", "pill", "pills",
        "tablet", "tablets", "injection", "infusion", "dose", "doses", "dosing", "prescription",
        "remedy", "cure", "vaccine", "vaccines", "inhaler", "product", "products",
    ),
    # SP-CLAIM-002: promotional hype.
    "hype": (
        "breakthrough", "revolutionary", "game-changing", "game changer", "game-changer", "proven",
        "unprecedented", "life-changing", "life changing", "transformative", "groundbreaking",
        "ground-breaking", "cutting-edge", "miraculous", "wonder drug", "amazing results",
    ),
    # SP-CLAIM-003: comparative claims.
    "comparative": (
        "better than", "superior to", "superiority", "outperform*", "beats", "beat", "safer than",
        "more effective than", "head-to-head", "head to head", "vs.", "versus", "compared with",
        "compared to", "faster than", "stronger than", "works better", "fewer side effects than",
        "more tolerable than", "better tolerated than",
    ),
    # SP-BALANCE-001: benefit signals besides indication terms.
    "benefit_verbs": (
        "helps", "help", "helped", "helping", "treats", "treat", "treated", "treating", "works",
        "effective", "efficacy", "improves", "improve", "improved", "reduces", "reduce", "reduced",
        "live longer", "lives longer", "survival", "prolong*", "relief", "relieves", "control",
        "controls", "shrink*", "slows", "slow progression", "prevents", "prevent", "protects",
        "benefit", "benefits", "results", "response rate", "remission",
    ),
    # SP-OFFLABEL-002: claims about an investigational product, and the qualifiers it needs.
    "investigational_claims": (
        "safe", "safety profile", "effective", "efficacious", "works", "proven", "well tolerated",
        "well-tolerated", "best-in-class", "first-in-class", "cure", "cures", "breakthrough", "approved",
        "superior", "promising results", "game-changing",
    ),
    # Only an explicit statement qualifies: a trial phase, "study", "trial", "being studied" or "pipeline" says
    # that a product is tested, not that it is unapproved ("Phase III study of X" is no qualifier).
    "investigational_qualifiers": (
        "investigational", "not approved", "not yet approved", "has not been approved", "have not been approved",
        "not been approved", "not fda approved", "not fda-approved", "not yet fda approved",
        "not yet fda-approved", "unapproved", "not licensed", "not yet licensed", "unlicensed",
        "safety and efficacy have not been established", "safety and effectiveness have not been established",
        "have not been established", "has not been established", "not established", "not yet established",
        "not yet been established", "not been fully established", "not yet been approved",
        "not been shown to be safe", "not been shown to be effective", "under investigation", "is experimental",
        "an experimental", "experimental drug", "experimental medicine", "experimental therapy",
        "experimental treatment", "experimental product",
    ),
    # SP-RESPECT-001: individual medical or dosing advice.
    "medical_advice": (
        "skip a dose", "skip your dose", "double your dose", "double the dose", "stop taking",
        "try taking", "take it with", "take it without", "switch to", "instead of your doctor",
        "no need to see", "don't need to see", "do not need to see", "increase your dose",
        "lower your dose", "cut your dose", "halve your dose", "you should take", "you should stop",
        "don't tell your doctor", "without asking your doctor", "come off",
    ),
    # SP-SAFETY-001: adverse-event terms and personal-experience markers.
    "ae_terms": (
        "side effect", "side effects", "side-effect", "side-effects", "adverse event", "adverse reaction",
        "rash", "rashes", "nausea", "nauseous", "vomiting", "vomited", "hospitalized", "hospitalised",
        "hospital", "reaction", "allergic", "hair loss", "dizzy", "dizziness", "headache", "headaches",
        "fatigue", "diarrhea", "diarrhoea", "swelling", "bleeding", "seizure", "fainted", "pain",
        "made me sick", "felt sick", "got sick", "palpitations", "itching", "hives", "blurred vision",
        "shortness of breath", "er visit", "emergency room",
    ),
    "personal_markers": (
        "i", "i'm", "i've", "i'd", "i'll", "my", "me", "mine", "myself", "sorry to hear",
        "sorry you", "my mom", "my dad", "my wife", "my husband",
    ),
    # SP-PRIVACY-002: health information next to an identifiable person.
    "health_terms": (
        "diagnosed", "diagnosis", "cancer", "tumor", "tumour", "metastatic", "stage i", "stage ii",
        "stage iii", "stage iv", "stage 1", "stage 2", "stage 3", "stage 4", "chemo", "chemotherapy",
        "radiation", "surgery", "mastectomy", "symptom", "symptoms", "treatment", "therapy", "disease",
        "diabetes", "asthma", "copd", "hiv", "depression", "prescribed", "patient", "survivor",
        "remission", "relapse", "condition", "illness", "biopsy", "oncologist",
    ),
    # SP-VIEWS-001: viewpoint-based moderation.
    "suppress_views": (
        "remove comments", "delete comments", "remove negative comments", "delete negative comments",
        "remove any comments", "delete any comments", "comments that criticize", "comments that criticise",
        "ignore the critics", "ignore critics", "block anyone", "block everyone who", "ban anyone",
        "hide comments", "hide negative comments", "silence critics", "shut down critics",
        "no dissent", "delete critical", "remove critical",
        # the same about replies, posts and reviews, and "negative …" of any kind
        "remove replies", "delete replies", "hide replies", "remove posts", "delete posts", "hide posts",
        "remove reviews", "delete reviews", "remove negative", "delete negative", "hide negative",
        "remove any negative", "delete any negative", "hide any negative", "critical comments",
        "comments that disagree", "replies that criticize", "posts that criticize",
        "comments that are critical", "comments critical of", "comments that are negative",
        "replies that are critical",
        # the passive voice: "negative comments will be removed"
        "comments will be removed", "comments will be deleted", "comments will be hidden",
        "comments may be removed", "comments may be deleted", "comments may be hidden", "comments are removed",
        "comments are deleted", "comments are hidden", "replies will be removed", "replies will be deleted",
        "replies will be hidden",
    ),
    # SP-CORRECTION-001: overstatements a correction must not repeat or leave standing.
    "overstatements": (
        "cure", "cures", "cured", "miracle", "guaranteed", "100% effective", "no side effects",
        "works for everyone", "completely safe", "risk-free", "prevents cancer", "wonder drug",
    ),
    # SP-TRANSPARENCY-001: further accepted disclosures (the configured ones add to these).
    "disclosures": ("#ad", "#sponsored", "sponsored", "advertisement", "paid partnership"),
    # --- lists of the product rules (claims.py, balance.py, offlabel.py) ---
    # SP-CLAIM-002 (and SP-OFFLABEL-002): phrases with a hype word that are regulatory or medical terms, or
    # negations ("Breakthrough Therapy designation" is an FDA status, "breakthrough pain" a symptom).
    "hype_exceptions": (
        "breakthrough therapy designation", "breakthrough therapy designations", "breakthrough designation",
        "breakthrough pain", "breakthrough bleeding", "breakthrough infection", "breakthrough infections",
        "breakthrough cases", "breakthrough seizures", "breakthrough symptoms", "not proven",
        "not been proven", "not yet proven", "not been shown",
    ),
    # SP-CLAIM-003: comparative terms that compare therapies only next to a therapy ("Yankees vs. Red Sox",
    # "better than ever", "beat cancer" are not claims). They extend the "comparative" list.
    "comparative_needs_context": (
        "vs.", "vs", "versus", "beat", "beats", "compared with", "compared to", "better than", "faster than",
        "stronger than", "outperform*", "works better", "head to head",
    ),
    # SP-OFFLABEL-001: a limitation of use just before an off-label term ("not approved for early-stage …").
    "limitation_phrases": (
        "not approved for", "not approved in", "not approved as", "not indicated for", "not indicated in",
        "not indicated as", "not for use in", "not for use as", "is not for", "not been studied in",
        "not been studied as", "not been established in", "not recommended for", "not recommended in",
        "should not be used in", "should not be used for", "not been shown to be safe and effective in",
    ),
    # SP-OFFLABEL-002: words before an investigational claim word that make it a question or a negation
    # ("to determine whether it is safe", "has not been shown to be effective").
    "investigational_hedges": (
        "whether", "if", "not", "no", "unknown", "evaluate", "evaluates", "evaluating", "evaluation",
        "assess", "assesses", "assessing", "determine", "determines", "determining", "investigate",
        "investigates", "investigating", "explore", "explores", "exploring", "to see", "to learn",
    ),
    # SP-SAFETY-001 (owned by rules/safety.py): phrases with an AE term that report no adverse event; they
    # are blanked before "ae_terms" is matched (SP-SAFETY-001 cannot be suppressed, so this is the way out).
    "ae_exceptions": (
        "no side effects", "zero side effects", "without side effects", "without any side effects",
        "children's hospital", "hospital volunteers", "chemical reaction", "chain reaction", "zoom fatigue",
        "compassion fatigue",
    ),
}
