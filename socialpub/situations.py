"""The special situations PV asks about even without a classic side effect, by the names screening reports
and `[safety] situation_words` takes. A leaf of their own: `config` (which checks the names) and
`safety.words` (which holds their words) both import them from here."""

SITUATIONS = ("pregnancy", "breastfeeding", "overdose", "misuse", "medication_error", "lack_of_effect", "off_label",
              "child_exposure")
