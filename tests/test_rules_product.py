"""Product rules: SP-CLAIM-001..003 (claims.py), SP-BALANCE-001..004 (balance.py), SP-OFFLABEL-001..003 and
SP-SCOPE-001 (scope.py), checked on real post files with the real loader, renderers and rules.

The base configuration names ONCAVIX (tivaranib), EXP-4172 and ZELTRIS; a second product, RESPIRAX
(glycoprolin), and other pipeline names are configured in some tests to prove that nothing is hard-coded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from socialpub.rules import Finding
from socialpub.rules.balance import normalise_url
from tests.helpers import BASE_CONFIG, MP4, PNG, Repo

PIN = '[pinterest]\nboard = "Internships and Students"\n'
RISKS = "ONCAVIX can cause interstitial lung disease (pneumonitis) and can harm an unborn baby."
RISK_URL = "https://www.oncavix.example/risk"
# A product post that passes every product rule on X: benefit, established name, risks and risk link.
BALANCED = f"ONCAVIX (tivaranib) helps treat metastatic breast cancer. {RISKS} {RISK_URL}"

RESPIRAX = """
[compliance.products.respirax]
brand = "RESPIRAX"
established = "glycoprolin"
indication_terms = ["severe asthma"]
offlabel_terms = ["children under 12", "copd"]
serious_risk_terms = ["paradoxical bronchospasm", "serious allergic reactions"]
approved_indications = ["add-on maintenance treatment of severe asthma in patients aged 12 and older"]
pi_url = "https://www.respirax.example/pi/"
"""
RESPIRAX_OK = (
    "RESPIRAX (glycoprolin) is an add-on maintenance treatment of severe asthma in patients aged 12 and "
    "older. It can cause paradoxical bronchospasm. https://www.respirax.example/pi"
)


def found(repo: Repo, rule: str, body: str = "", **front: Any) -> list[Finding]:
    """Write posts/post.md (unless body and front are both empty) and return the rule's live findings."""
    if body or front:
        repo.post(body, **front)
    return [f for f in repo.findings(rule) if not f.suppressed]


def excerpts(findings: list[Finding]) -> list[str | None]:
    return [f.excerpt for f in findings]


def line_col(path: Path, needle: str, after: str = "+++\n") -> tuple[int, int]:
    """Where `needle` is in the file (searching after the first `after`): line and column, 1-based."""
    text = path.read_text(encoding="utf-8")
    offset = text.index(needle, text.index(after) + len(after) if after else 0)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def thread(*tweets: str) -> str:
    return "[twitter]\nthread = [" + ", ".join('"' + t.replace('"', '\\"') + '"' for t in tweets) + "]\n"


# --- SP-CLAIM-001 absolute claims ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body, word",
    [
        ("ONCAVIX (tivaranib) is the safest choice.", "safest"),
        ("#ONCAVIX: simply the BEST.", "BEST"),
        ("The #1 prescribed treatment for MBC.", "#1"),
        ("A miracle cure, they say.", "miracle"),
        ("tivaranib works for everyone!", "works for everyone"),
        ("This therapy has no side effects🙂", "no side effects"),
        ("Our medicine is completely safe.", "completely safe"),
        ("EXP-4172 could be the best-in-class option", "best-in-class"),
        ("Best-tolerated therapy, full stop.", "Best-tolerated"),
        ("Guaranteed results with this treatment.", "Guaranteed"),
    ],
)
def test_claim_001_fires_in_a_therapy_context(repo: Repo, body: str, word: str) -> None:
    hits = found(repo, "SP-CLAIM-001", body)
    assert word in excerpts(hits)
    assert all(h.channel == "tw" and h.severity == "error" and h.name == "absolute-claim" for h in hits)


@pytest.mark.parametrize(
    "body",
    [
        "There is no cure for MBC yet. Our research into new treatments continues.",
        "We share best practices for clinical trial diversity in medicine.",
        "Named the best place to work in biotech!",
        "Our team is the best. Happy Friday!",
        "Our ambition is to cure cancer.",  # the claim word is no context of itself
        "Read more: https://www.best-treatment.example/safest",  # words inside a URL
        "We're doing our best to support every patient on treatment.",
        "Best wishes to everyone starting therapy this week.",
    ],
)
def test_claim_001_does_not_fire_without_context_or_on_exceptions(repo: Repo, body: str) -> None:
    assert found(repo, "SP-CLAIM-001", body) == []


def test_claim_001_reports_line_and_column_once_per_word(repo: Repo) -> None:
    path = repo.post("Intro line.\nONCAVIX (tivaranib) is the safest. Really the safest.")
    hits = found(repo, "SP-CLAIM-001")
    assert len(hits) == 1
    assert (hits[0].line, hits[0].column) == line_col(path, "safest")
    assert "ONCAVIX" in hits[0].message


def test_claim_001_therapy_noun_must_be_near(repo: Repo) -> None:
    far = "Our new treatment option is here. " + "We gather every year to celebrate. " * 6 + "The best team!"
    assert found(repo, "SP-CLAIM-001", far, channels=["fb"]) == []


# --- SP-CLAIM-002 hype ---------------------------------------------------------------------------


def test_claim_002_warns_on_hype(repo: Repo) -> None:
    path = repo.post("A revolutionary, game-changing approach to MBC care. #Breakthrough")
    hits = found(repo, "SP-CLAIM-002")
    assert excerpts(hits) == ["revolutionary", "game-changing", "Breakthrough"]
    assert {h.severity for h in hits} == {"warning"}
    assert (hits[0].line, hits[0].column) == line_col(path, "revolutionary")


@pytest.mark.parametrize(
    "body",
    [
        "EXP-4172 received FDA Breakthrough Therapy designation.",
        "Managing breakthrough pain: talk to your care team.",
        "Vitamin megadoses have not been proven to help.",
        "Our provenance matters: transformational leadership.",  # longer words are not the hype words
    ],
)
def test_claim_002_exceptions(repo: Repo, body: str) -> None:
    assert found(repo, "SP-CLAIM-002", body) == []


def test_claim_002_not_when_claims_are_substantiated(repo: Repo) -> None:
    assert found(repo, "SP-CLAIM-002", "A proven approach.", claims_refs=["PI section 14"]) == []


def test_claim_002_suppressed_with_reason_stays_reported(repo: Repo) -> None:
    repo.post(
        "A transformative year.",
        suppress=[{"rule": "SP-CLAIM-002", "reason": "MLR accepted wording", "mlr_ref": "MLR-2014-0456"}],
    )
    hits = repo.findings("SP-CLAIM-002")
    assert len(hits) == 1 and hits[0].suppressed
    assert hits[0].suppression == {"reason": "MLR accepted wording", "mlr_ref": "MLR-2014-0456"}
    assert hits[0].to_dict()["suppressed"] is True


# --- SP-CLAIM-003 comparative claims ----------------------------------------------------------


@pytest.mark.parametrize(
    "body, word",
    [
        ("ONCAVIX (tivaranib) is better than chemotherapy.", "better than"),
        ("#ONCAVIX vs. anastrozole: see the data", "vs."),
        ("tivaranib versus placebo", "versus"),
        ("Head-to-head data presented today.", "Head-to-head"),  # always a comparison
        ("Superior to placebo in the pivotal trial.", "Superior to"),
        ("Our treatment outperforms the standard of care.", "outperforms"),
        ("Safer than the older medicines.", "Safer than"),
    ],
)
def test_claim_003_fires_without_claims_refs(repo: Repo, body: str, word: str) -> None:
    hits = found(repo, "SP-CLAIM-003", body)
    assert excerpts(hits) == [word]
    assert hits[0].channel == "tw" and hits[0].name == "comparative-claim"


@pytest.mark.parametrize(
    "body",
    [
        "Yankees vs. Red Sox tonight at the company picnic!",
        "Our volunteers are stronger than ever.",
        "Revenue grew compared with 2013.",
        "Let's beat the odds together, team!",
    ],
)
def test_claim_003_context_words_need_a_therapy(repo: Repo, body: str) -> None:
    assert found(repo, "SP-CLAIM-003", body) == []


def test_claim_003_substantiated_by_claims_refs(repo: Repo) -> None:
    body = "ONCAVIX (tivaranib) vs. anastrozole: longer progression-free survival."
    assert found(repo, "SP-CLAIM-003", body, claims_refs=["Label 14.1; TRIAL-22 head-to-head"]) == []


# --- SP-BALANCE-001 risk information ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "ONCAVIX (tivaranib) helps women with MBC.",
        "#oncavix (tivaranib) for HR+/HER2- metastatic breast cancer",  # indication term, hashtag, lower case
        "tivaranib: live longer🎉",  # established name alone
        "Oncavix (tivaranib) is the best!",  # superlative
    ],
)
def test_balance_001_fires_on_benefit_without_risk(repo: Repo, body: str) -> None:
    hits = found(repo, "SP-BALANCE-001", body)
    assert len(hits) == 1 and hits[0].channel == "tw" and hits[0].name == "missing-risk-information"
    assert "interstitial lung disease" in hits[0].message


@pytest.mark.parametrize(
    "body",
    [
        BALANCED,
        "ONCAVIX (tivaranib) is now available at specialty pharmacies.",  # no benefit: a reminder
        "Learn how it helps at www.oncavix.example/helps",  # brand only inside a URL
        "Metastatic breast cancer: treatment helps. Know the signs.",  # no product
    ],
)
def test_balance_001_does_not_fire(repo: Repo, body: str) -> None:
    assert found(repo, "SP-BALANCE-001", body) == []


def test_balance_001_thread_risk_in_next_tweet_does_not_balance(repo: Repo) -> None:
    path = repo.post(
        "ONCAVIX (tivaranib) helps women with metastatic breast cancer live longer.",
        tables=thread(f"Important safety information: {RISKS}"),
    )
    hits = found(repo, "SP-BALANCE-001")
    assert len(hits) == 1
    assert (hits[0].line, hits[0].column) == line_col(path, "ONCAVIX (tivaranib) helps")
    assert "tweet 1 of the thread" in hits[0].message
    assert "another tweet" in (hits[0].hint or "")


def test_balance_001_uses_the_risks_of_that_product(repo: Repo) -> None:
    repo.write_config(RESPIRAX)
    # RESPIRAX's benefit is not balanced by ONCAVIX's risk terms.
    body = "RESPIRAX (glycoprolin) controls severe asthma. Risks include pneumonitis."
    hits = found(repo, "SP-BALANCE-001", body)
    assert [h.excerpt for h in hits] == ["RESPIRAX"]
    assert "paradoxical bronchospasm" in hits[0].message
    assert found(repo, "SP-BALANCE-001", RESPIRAX_OK) == []


def test_balance_001_channel_scoping_and_level_off(repo: Repo) -> None:
    body = "ONCAVIX (tivaranib) helps women with MBC."
    repo.write_config('[compliance.rules."SP-BALANCE-001"]\nchannels = ["fb"]\n')
    hits = found(repo, "SP-BALANCE-001", body, channels=["tw", "fb"])
    assert [h.channel for h in hits] == ["fb"]
    repo.write_config('[compliance.rules."SP-BALANCE-001"]\nlevel = "off"\n')
    assert found(repo, "SP-BALANCE-001") == []


# --- SP-BALANCE-002 established name ----------------------------------------------------------


def test_balance_002_brand_without_established_name(repo: Repo) -> None:
    path = repo.post(f"Say hello to #ONCAVIX! {RISKS}")
    hits = found(repo, "SP-BALANCE-002")
    assert len(hits) == 1 and hits[0].excerpt == "ONCAVIX" and hits[0].name == "missing-established-name"
    assert (hits[0].line, hits[0].column) == line_col(path, "ONCAVIX!")


@pytest.mark.parametrize(
    "body",
    [
        "ONCAVIX® (tivaranib) tablets",
        "tivaranib, sold as ONCAVIX",
        "Ask about tivaranib.",  # established name alone
        "Our brand site: www.oncavix.example",
        "ONCAVIX (tivaranib) first; later just ONCAVIX, ONCAVIX and ONCAVIX again in this long sentence.",
    ],
)
def test_balance_002_does_not_fire(repo: Repo, body: str) -> None:
    assert found(repo, "SP-BALANCE-002", body) == []


def test_balance_002_established_name_too_far(repo: Repo) -> None:
    body = "ONCAVIX is a once-daily tablet taken with or without food; ask about tivaranib."
    assert excerpts(found(repo, "SP-BALANCE-002", body)) == ["ONCAVIX"]


def test_balance_002_each_field_and_each_tweet(repo: Repo) -> None:
    repo.write("posts/img.png", PNG)
    path = repo.post(
        "ONCAVIX (tivaranib) news.",
        title="ONCAVIX update",
        channels=["tw", "pin"],
        media=[{"path": "img.png", "alt": "A box of ONCAVIX tablets on a table"}],  # alt is not checked
        tables=PIN + thread("More on ONCAVIX soon."),
    )
    hits = found(repo, "SP-BALANCE-002")
    where = sorted((h.channel or "", h.line or 0) for h in hits)
    expected = [("pin", line_col(path, 'title = "ONCAVIX')[0]), ("tw", line_col(path, "More on")[0])]
    assert where == sorted(expected)


def test_balance_002_second_product(repo: Repo) -> None:
    repo.write_config(RESPIRAX)
    assert excerpts(found(repo, "SP-BALANCE-002", "Respirax inhaler day!")) == ["Respirax"]


# --- SP-BALANCE-003 risk link -------------------------------------------------------------------


def test_balance_003_benefit_without_risk_link(repo: Repo) -> None:
    path = repo.post(f"ONCAVIX (tivaranib) helps. {RISKS} https://www.oncavix.example/home")
    hits = found(repo, "SP-BALANCE-003")
    assert len(hits) == 1 and hits[0].name == "missing-risk-link"
    assert (hits[0].line, hits[0].column) == line_col(path, "ONCAVIX (tivaranib) helps")
    assert RISK_URL in hits[0].message


@pytest.mark.parametrize(
    "text, link",
    [
        (f"ONCAVIX (tivaranib) helps. {RISKS} https://www.oncavix.example/risk/", None),  # trailing slash
        (f"ONCAVIX (tivaranib) helps. {RISKS} http://WWW.oncavix.example/pi", None),  # scheme and host case
        (f"ONCAVIX (tivaranib) helps. {RISKS} See www.oncavix.example/risk.", None),  # bare, end of sentence
        (f"ONCAVIX (tivaranib) helps. {RISKS}", "https://www.oncavix.example/risk?utm_source=x#warnings"),
        ("ONCAVIX (tivaranib) is available.", None),  # no benefit claim
    ],
)
def test_balance_003_risk_link_present(repo: Repo, text: str, link: str | None) -> None:
    assert found(repo, "SP-BALANCE-003", text, link=link, channels=["tw", "fb"]) == []


def test_balance_003_thread_uses_the_post_link(repo: Repo) -> None:
    tables = thread(f"ONCAVIX (tivaranib) helps women live longer. {RISKS}")
    assert found(repo, "SP-BALANCE-003", "Thread below.", link=RISK_URL, tables=tables) == []
    other = "https://www.astrazeneca-us.com"
    hits = found(repo, "SP-BALANCE-003", "Thread below.", link=other, tables=tables)
    assert len(hits) == 1 and "tweet 2 of the thread" in hits[0].message


def test_balance_003_second_product_pi_url(repo: Repo) -> None:
    repo.write_config(RESPIRAX)
    assert found(repo, "SP-BALANCE-003", RESPIRAX_OK) == []
    hits = found(repo, "SP-BALANCE-003", RESPIRAX_OK.replace("respirax.example/pi", "respirax.example/about"))
    assert excerpts(hits) == ["RESPIRAX"] and "https://www.respirax.example/pi/" in hits[0].message


def test_normalise_url() -> None:
    url = "HTTPS://Www.Oncavix.example:443/risk/?utm_medium=x&id=2#top"
    assert normalise_url(url) == "www.oncavix.example/risk?id=2"
    assert normalise_url("www.oncavix.example/risk") == normalise_url("http://www.oncavix.example/risk/")
    assert normalise_url("https://www.oncavix.example/Risk") != normalise_url("https://www.oncavix.example/risk")


# --- SP-BALANCE-004 prominence ------------------------------------------------------------------


def test_balance_004_risk_below_the_fold(repo: Repo) -> None:
    body = "ONCAVIX (tivaranib) helps women with MBC live longer. " + "Stories of strength. " * 20 + RISKS
    path = repo.post(body + " " + RISK_URL, channels=["tw", "fb"])
    hits = found(repo, "SP-BALANCE-004")
    assert [h.channel for h in hits] == ["fb"]  # X has no fold
    assert hits[0].severity == "warning" and hits[0].name == "risk-below-fold"
    assert hits[0].excerpt == "interstitial lung disease"
    assert (hits[0].line, hits[0].column) == line_col(path, "interstitial lung disease")
    assert found(repo, "SP-BALANCE-001") == []


def test_balance_004_risk_above_the_fold(repo: Repo) -> None:
    body = BALANCED + " " + "More stories of strength. " * 20
    assert found(repo, "SP-BALANCE-004", body, channels=["fb"]) == []


def test_balance_004_pinterest_title_benefit(repo: Repo) -> None:
    repo.write("posts/img.png", PNG)
    body = "Stories of strength from our community, shared with permission. " * 2 + RISKS
    hits = found(
        repo, "SP-BALANCE-004", body, title="ONCAVIX (tivaranib) helps",
        media=[{"path": "img.png", "alt": "Women walking together on a beach"}], channels=["pin"], tables=PIN,
    )
    assert [h.channel for h in hits] == ["pin"]


def test_balance_004_youtube_fold(repo: Repo) -> None:
    repo.write("posts/v.mp4", MP4)
    body = "ONCAVIX (tivaranib) helps. " + "x" * 150 + " " + RISKS
    hits = found(repo, "SP-BALANCE-004", body, title="Our story", channels=["yt"],
                 media=[{"path": "v.mp4", "alt": "A video of women walking on a beach"}])
    assert [h.channel for h in hits] == ["yt"]


# --- SP-OFFLABEL-001 unapproved use -----------------------------------------------------------


def test_offlabel_001_fires(repo: Repo) -> None:
    path = repo.post(f"ONCAVIX (tivaranib) in Early-Stage breast cancer. {RISKS}")
    hits = found(repo, "SP-OFFLABEL-001")
    assert excerpts(hits) == ["Early-Stage"] and hits[0].name == "off-label-use"
    assert (hits[0].line, hits[0].column) == line_col(path, "Early-Stage")


@pytest.mark.parametrize(
    "body",
    [
        "Early-stage breast cancer: know the signs.",  # no product
        "ONCAVIX (tivaranib) is not approved for early-stage or adjuvant use.",  # limitation of use
        "tivaranib is not indicated for use in the adjuvant setting.",
    ],
)
def test_offlabel_001_does_not_fire(repo: Repo, body: str) -> None:
    assert found(repo, "SP-OFFLABEL-001", body) == []


def test_offlabel_001_second_product_and_approved_indications(repo: Repo) -> None:
    repo.write_config(RESPIRAX)
    hits = found(repo, "SP-OFFLABEL-001", "#Respirax (glycoprolin) for COPD too!")
    assert excerpts(hits) == ["COPD"]
    # Branded post with a benefit: the approved indication must be there verbatim (case and spacing aside).
    hits = found(repo, "SP-OFFLABEL-001", "RESPIRAX (glycoprolin) helps people with severe asthma.",
                 post_type="branded")
    assert excerpts(hits) == ["RESPIRAX"] and "verbatim" in hits[0].message
    verbatim = RESPIRAX_OK.replace("add-on maintenance", "Add-on   maintenance")
    assert found(repo, "SP-OFFLABEL-001", verbatim, post_type="branded") == []
    # A reminder (no benefit) or a corporate post is not held to the verbatim indication.
    reminder = "RESPIRAX (glycoprolin) is now available."
    assert found(repo, "SP-OFFLABEL-001", reminder, post_type="branded") == []
    assert found(repo, "SP-OFFLABEL-001", "RESPIRAX (glycoprolin) helps.", post_type="corporate") == []


# --- SP-OFFLABEL-002 investigational products -----------------------------------------------


def test_offlabel_002_claims_and_no_qualifier(repo: Repo) -> None:
    path = repo.post("EXP-4172 is safe and effective!")
    hits = found(repo, "SP-OFFLABEL-002")
    assert excerpts(hits) == ["safe", "effective", "EXP-4172"]
    assert hits[0].name == "investigational-promotion"
    assert (hits[2].line, hits[2].column) == line_col(path, "EXP-4172")


@pytest.mark.parametrize(
    "body",
    [
        "Investigational EXP-4172 is being studied in a phase 3 trial.",
        "EXP-4172 is investigational; we are studying whether it is safe and effective.",
        "EXP-4172 is not approved. Its safety and efficacy have not been established.",
        "Investigational EXP-4172 received FDA Breakthrough Therapy designation.",
        "Join our trial team! Our pipeline site: www.exp-4172.example",  # code only inside a URL
    ],
)
def test_offlabel_002_does_not_fire(repo: Repo, body: str) -> None:
    assert found(repo, "SP-OFFLABEL-002", body) == []


def test_offlabel_002_qualified_but_claiming(repo: Repo) -> None:
    hits = found(repo, "SP-OFFLABEL-002", "Investigational EXP-4172 works, and it is well-tolerated.")
    assert excerpts(hits) == ["works", "well-tolerated"]


def test_offlabel_002_configured_pipeline_names(repo: Repo) -> None:
    base = BASE_CONFIG.replace('codes = ["EXP-4172"]', 'codes = ["AZD-9999"]\nnames = ["nexolumab"]')
    repo.write_config(base=base)
    assert excerpts(found(repo, "SP-OFFLABEL-002", "Meet #Nexolumab.")) == ["Nexolumab"]
    assert excerpts(found(repo, "SP-OFFLABEL-002", "AZD‑9999 is proven.")) == ["proven", "AZD‑9999"]
    assert found(repo, "SP-OFFLABEL-002", "EXP-4172 is safe.") == []  # no longer configured


def test_offlabel_002_each_tweet(repo: Repo) -> None:
    hits = found(repo, "SP-OFFLABEL-002", "Investigational EXP-4172 in a phase 2 trial.",
                 tables=thread("EXP-4172 results at ASCO"))
    assert len(hits) == 1 and "tweet 2 of the thread" in hits[0].message


# --- SP-OFFLABEL-003 embargoed names ----------------------------------------------------------


def test_offlabel_003_everywhere_published(repo: Repo) -> None:
    repo.write("posts/img.png", PNG)
    path = repo.post(
        "Coming soon: #Zeltris.",
        title="ZELTRIS launch",
        link="https://www.zeltris.example/launch",
        media=[{"path": "img.png", "alt": "Zeltris packshot on a white table"}],
        channels=["tw", "fb", "pin"],
        tables=PIN,
    )
    hits = found(repo, "SP-OFFLABEL-003")
    by_channel: dict[str, list[str | None]] = {}
    for h in hits:
        by_channel.setdefault(h.channel or "", []).append(h.excerpt)
    assert sorted(by_channel["tw"]) == ["Zeltris", "Zeltris"]  # text (the link is in it: once per field), alt
    assert sorted(by_channel["fb"]) == ["Zeltris", "Zeltris"]  # a photo post: the link is in its text, and alt
    assert sorted(by_channel["pin"]) == ["ZELTRIS", "Zeltris", "Zeltris", "zeltris"]  # plus the title
    text_hit = next(h for h in hits if h.channel == "tw" and h.excerpt == "Zeltris" and "text" in h.message)
    assert (text_hit.line, text_hit.column) == line_col(path, "Zeltris.")
    assert hits[0].name == "embargoed-name"


def test_offlabel_003_youtube_tags_and_no_partial_words(repo: Repo) -> None:
    repo.write("posts/v.mp4", MP4)
    path = repo.post(
        "Zeltrisol is a different word.", title="Our science", channels=["yt"],
        media=[{"path": "v.mp4", "alt": "A video of scientists in a laboratory"}],
        tables='[youtube]\ntags = ["oncology", "ZELTRIS"]\n',
    )
    hits = found(repo, "SP-OFFLABEL-003")
    assert len(hits) == 1 and hits[0].line == line_col(path, "tags =")[0]


# --- SP-SCOPE-001 product in unbranded posts --------------------------------------------------


@pytest.mark.parametrize(
    "post_type, body, word",
    [
        ("unbranded_awareness", "Know the signs of MBC. #ONCAVIX", "ONCAVIX"),
        ("unbranded_awareness", "Ask your doctor about Tivaranib.", "Tivaranib"),
        ("careers", "Join the team launching ZELTRIS!", "ZELTRIS"),
    ],
)
def test_scope_001_fires(repo: Repo, post_type: str, body: str, word: str) -> None:
    path = repo.post(body, post_type=post_type)
    hits = found(repo, "SP-SCOPE-001")
    assert excerpts(hits) == [word] and hits[0].name == "product-in-unbranded-post"
    assert (hits[0].line, hits[0].column) == line_col(path, word)


@pytest.mark.parametrize(
    "post_type, body",
    [
        ("corporate", "ONCAVIX (tivaranib) is now available."),
        ("unbranded_awareness", "Know the signs of metastatic breast cancer. www.oncavix.example"),
        ("careers", "Join our oncology team!"),
    ],
)
def test_scope_001_does_not_fire(repo: Repo, post_type: str, body: str) -> None:
    assert found(repo, "SP-SCOPE-001", body, post_type=post_type) == []


def test_scope_001_second_product_and_suppression(repo: Repo) -> None:
    repo.write_config(RESPIRAX)
    repo.post("Living with severe asthma? #glycoprolin", post_type="unbranded_awareness",
              suppress=[{"rule": "SP-SCOPE-001", "reason": "Hashtag approved by MLR for this campaign"}])
    hits = repo.findings("SP-SCOPE-001")
    assert [(h.excerpt, h.suppressed) for h in hits] == [("glycoprolin", True)]
    assert hits[0].suppression == {"reason": "Hashtag approved by MLR for this campaign"}


# --- all product rules together ---------------------------------------------------------------


def test_a_balanced_product_post_passes_every_product_rule(repo: Repo) -> None:
    repo.post(BALANCED, post_type="branded", form_2253=True, channels=["tw", "fb"])
    product_rules = ("SP-CLAIM", "SP-BALANCE", "SP-OFFLABEL", "SP-SCOPE")
    assert [f for f in repo.findings() if f.rule.startswith(product_rules)] == []


def test_scope_001_one_finding_per_product_and_youtube_tags(repo: Repo) -> None:
    repo.write("posts/v.mp4", MP4)
    path = repo.post(
        "Ask whether ONCAVIX (tivaranib) is right for you. #ONCAVIX", title="Living with MBC",
        post_type="unbranded_awareness", channels=["yt"],
        media=[{"path": "v.mp4", "alt": "A video of women walking on a beach"}],
        tables='[youtube]\ntags = ["mbc", "tivaranib"]\n',
    )
    hits = found(repo, "SP-SCOPE-001")
    assert [(h.excerpt, h.line) for h in hits] == [
        ("ONCAVIX", line_col(path, "ONCAVIX (")[0]), (None, line_col(path, "tags =")[0])
    ]


# --- configuration: lexicon extensions, products without risks or links -----------------------


def test_lexicon_extensions_are_used(repo: Repo) -> None:
    repo.write_config('[compliance.lexicon]\nhype = ["stellar"]\ntherapy_nouns = ["jab"]\n'
                      'comparative_needs_context = ["trumps"]\n')
    assert excerpts(found(repo, "SP-CLAIM-002", "Stellar news today")) == ["Stellar"]
    assert excerpts(found(repo, "SP-CLAIM-001", "The safest jab around")) == ["safest"]
    assert excerpts(found(repo, "SP-CLAIM-003", "ONCAVIX (tivaranib) trumps chemo")) == ["trumps"]
    assert found(repo, "SP-CLAIM-003", "Our chili recipe trumps theirs") == []


def test_product_without_risks_or_links_configured(repo: Repo) -> None:
    repo.write_config('[compliance.products.bare]\nbrand = "NOVALIN"\nestablished = "novalumab"\n')
    repo.post("NOVALIN (novalumab) helps.")
    assert "serious_risk_terms" in (found(repo, "SP-BALANCE-001")[0].hint or "")
    assert "risk_url" in (found(repo, "SP-BALANCE-003")[0].hint or "")


# --- the precondition that skips scanning finds exactly what the full pattern finds --------------


SAMPLES = [
    "ONCAVIX is the best treatment for metastatic breast cancer, a breakthrough! #1; no side effects",
    "There is no cure for MBC yet — find a cure with us. Best practices; risk‑free? Outperforms",
    "Head‑to‑head vs. placebo; ONCAVIX vs chemo. It works for everyone. I’m sure it’s 100% effective.",
    "Strength looks different. #MBCStrength #ZELTRIS exp‑4172 EXP-4172 investigational phase III",
    "ſafest? BEST-IN-CLASS and best in class, game‑changer, Prolongs survival, slows progression",
]
LISTS = [
    "absolute_claims", "absolute_exceptions", "hype", "hype_exceptions", "comparative",
    "comparative_needs_context", "benefit_verbs", "investigational_claims", "investigational_qualifiers",
    "therapy_nouns",
]


@pytest.mark.parametrize("name", LISTS)
def test_matcher_candidates_find_what_the_whole_list_finds(name: str) -> None:
    from socialpub.rules import text as T
    from socialpub.rules.balance import _WORD, Matcher
    from socialpub.rules.lexicon import BUILTIN

    terms = BUILTIN[name]
    whole = T.word_pattern(terms)
    matcher = Matcher(whole, terms)
    for text in SAMPLES:
        pattern = matcher.candidates(frozenset(_WORD.findall(text.casefold())))
        expected = [m.span() for m in whole.finditer(text)]
        assert ([m.span() for m in pattern.finditer(text)] if pattern else []) == expected, text
