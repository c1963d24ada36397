"""SP-TRANSPARENCY, SP-PRIVACY, SP-RESPECT, SP-SAFETY, SP-VIEWS and SP-CORRECTION rules, checked on real post
files with the real loader, renderers and rules (socialpub/rules/transparency.py, privacy.py, respect.py,
safety.py, views.py and correction.py, with what they share in common.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub.config import Config
from socialpub.errors import ConfigError
from socialpub.rules import Finding, registry
from tests.helpers import BASE_CONFIG, PNG, Repo, check_text

RULES = registry()  # the catalogue (socialpub.rules loads it on first call)

PIN_TABLE = '[pinterest]\nboard = "Internships and Students"\n'
MEDWATCH = ("You are encouraged to report negative side effects of prescription drugs to the FDA. "
            "Visit www.fda.gov/medwatch, or call 1-800-FDA-1088.")


def found(repo: Repo | Config, rule: str, body: str = "", **front: Any) -> list[Finding]:
    """Write one post (unless body and front are empty) and return the rule's unsuppressed findings; given a
    Config instead of a Repo, the post is built in memory (check_text), for the tables of cases."""
    if isinstance(repo, Config):
        return [f for f in check_text(repo, body, **front) if f.rule == rule and not f.suppressed]
    if body or front:
        repo.post(body, **front)
    return [f for f in repo.findings(rule) if not f.suppressed]


def configure(repo: Repo, replace: dict[str, str] | None = None, extra: str = "") -> None:
    """The base configuration with some lines replaced (tables cannot be appended twice) plus extra TOML."""
    base = BASE_CONFIG
    for old, new in (replace or {}).items():
        assert old in base, old
        base = base.replace(old, new)
    repo.write_config(extra, base=base)


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def locate(path: Path, needle: str) -> tuple[int, int]:
    line = line_of(path, needle)
    text = path.read_text(encoding="utf-8").split("\n")[line - 1]
    return line, text.index(needle) + 1


NOVAXIS = {
    'sponsor = "AstraZeneca"': 'sponsor = "Novaxis Pharma"',
    'accepted = ["#ad", "#sponsored", "sponsored", "paid partnership with astrazeneca", "#azemployee"]':
        'accepted = ["#nxemployee"]',
    'company_handles = ["@AstraZenecaUS"]': 'company_handles = ["@NovaxisUS", "@Novaxis_Careers"]',
    'allow_phones = ["1-800-FDA-1088", "1-800-236-9933"]': 'allow_phones = ["1-800-FDA-1088"]',
    'allow_email_domains = ["astrazeneca.com"]': 'allow_email_domains = ["novaxis.example"]',
    'reporting = ["1-800-FDA-1088", "fda.gov/medwatch", "1-800-236-9933"]':
        'reporting = ["1-800-555-0199", "https://www.novaxis.example/safety"]',
}
ZENTRA = """
[compliance.products.zentra]
brand = "ZENTRA"
established = "velotinib"
indication_terms = ["chronic kidney disease"]
serious_risk_terms = ["hyperkalemia"]
pi_url = "https://www.zentra.example/pi"
risk_url = "https://www.zentra.example/safety"
"""


def test_catalogue_entries() -> None:
    expected = {
        "SP-TRANSPARENCY-001": ("missing-disclosure", "error", True),
        "SP-TRANSPARENCY-002": ("weak-disclosure", "warning", True),
        "SP-PRIVACY-001": ("direct-identifier", "error", False),
        "SP-PRIVACY-002": ("identifiable-health-information", "error", False),
        "SP-RESPECT-001": ("medical-advice", "error", True),
        "SP-SAFETY-001": ("adverse-event-without-reporting", "error", False),
        "SP-SAFETY-002": ("malformed-reporting-information", "error", True),
        "SP-SAFETY-003": ("missing-medwatch-statement", "warning", True),
        "SP-VIEWS-001": ("suppressing-views", "warning", True),
        "SP-CORRECTION-001": ("noncompliant-correction", "error", True),
    }
    for rule_id, (name, level, suppressible) in expected.items():
        r = RULES[rule_id]
        assert (r.name, r.level, r.suppressible, r.scope) == (name, level, suppressible, "channel")


# === SP-TRANSPARENCY-001 ==========================================================================


@pytest.mark.parametrize(
    ("body", "front"),
    [
        ("So proud of my team at the #AZoncology summit today!", {"author_type": "employee"}),
        ("Join our chat about saving on prescriptions.", {"sponsored": True}),
        ("Not sponsored, I just love this program!", {"author_type": "influencer"}),
        ("Non-sponsored post: my week with the team.", {"author_type": "influencer"}),
        ("Great #advocacy day with the team 💜", {"author_type": "patient_ambassador"}),  # not #ad
        ("My talk: https://www.astrazeneca-us.com/sponsored", {"author_type": "hcp_consultant"}),  # URL only
        ("I work for a great company. #AZoncology", {"author_type": "employee"}),
        ("Time to reload: a new week with the team", {"author_type": "employee"}),  # "reload:" is not "Ad:"
    ],
)
def test_transparency001_fires_without_accepted_disclosure(
    base_config: Config, body: str, front: dict[str, Any]
) -> None:
    [f] = found(base_config, "SP-TRANSPARENCY-001", body, **front)
    assert f.channel == "tw" and f.severity == "error" and "no accepted disclosure" in f.message


def test_transparency001_names_the_ambiguous_token(repo: Repo) -> None:
    path = repo.post("Great day at the #AZoncology summit with my colleagues! #partner #oncology",
                     author_type="employee")
    [f] = found(repo, "SP-TRANSPARENCY-001")
    assert "'#partner' is ambiguous" in f.message and 'author_type = "employee"' in f.message
    assert f.excerpt == "#partner" and (f.line, f.column) == locate(path, "#partner")


def test_transparency001_thanks_sponsor_is_ambiguous(repo: Repo) -> None:
    [f] = found(repo, "SP-TRANSPARENCY-001", "Thanks AstraZeneca for having me today! #collab",
                author_type="influencer")
    assert "'Thanks AstraZeneca'" in f.message and "'#collab'" in f.message and "are ambiguous" in f.message
    [f] = found(repo, "SP-TRANSPARENCY-001", "What a day. Thank you, @AstraZenecaUS!",
                author_type="influencer")
    assert "'Thank you, @AstraZenecaUS' is ambiguous" in f.message


def test_transparency001_alt_text_does_not_count(repo: Repo) -> None:
    repo.write("posts/pic.png", PNG)
    repo.post("A morning with the research team.", author_type="hcp_consultant",
              media=[{"path": "pic.png", "alt": "Advertisement: a doctor at a desk with a laptop"}])
    assert len(found(repo, "SP-TRANSPARENCY-001")) == 1


@pytest.mark.parametrize(
    "body",
    [
        "#AZemployee So proud of my team at the #AZoncology summit!",
        "#azEMPLOYEE proud of my team!",
        "I work for AstraZeneca and I'm proud of our oncology nurses.",
        "#ad My story with our new patient program.",
        "#Ad: my story.",
        "Sponsored: my week at the summit",
        "💜 #ad 💜 my week at the summit",
        "Paid partnership with AstraZeneca: my week at the summit.",
        "Paid   partnership with\nAstraZeneca: my week",  # whitespace in a phrase is any whitespace
        "Proud #AstraZenecaEmployee at the summit today!",
        "My day as an @AstraZenecaUS employee.",
        "Advertisement. What strength means to me.",
        "Ad: what strength means to me.",
        "[Ad] what strength means to me. #PaidPartnership",
    ],
)
def test_transparency001_accepted_disclosures(base_config: Config, body: str) -> None:
    assert found(base_config, "SP-TRANSPARENCY-001", body, author_type="influencer") == []


def test_transparency001_company_posts_need_nothing(repo: Repo) -> None:
    assert found(repo, "SP-TRANSPARENCY-001", "Our summit starts today. #partner") == []


def test_transparency001_each_tweet_of_a_thread(repo: Repo) -> None:
    tables = '[twitter]\nthread = ["#AZemployee Q2: what helps you plan?", "Q3: and what does not?"]\n'
    repo.post("#AZemployee Welcome to our chat!", author_type="employee", tables=tables)
    [f] = found(repo, "SP-TRANSPARENCY-001")
    assert "tweet 3" in f.message


def test_transparency001_title_counts_on_youtube_and_pinterest(repo: Repo) -> None:
    repo.write("posts/pic.png", PNG)
    repo.post("A morning with the research team.", title="Sponsored: a day in the lab",
              channels=["pin", "fb"], author_type="influencer",
              media=[{"path": "pic.png", "alt": "A scientist at a microscope"}], tables=PIN_TABLE)
    # Facebook shows no title, so only there the disclosure is missing.
    assert [f.channel for f in found(repo, "SP-TRANSPARENCY-001")] == ["fb"]


def test_transparency001_generalises_to_another_sponsor(repo: Repo) -> None:
    configure(repo, NOVAXIS)
    for body in ("#NovaxisPharmaEmployee at the summit", "I work for Novaxis Pharma.", "#NXemployee here",
                 "Paid partnership with Novaxis Pharma", "My day as a @Novaxis_Careers employee"):
        assert found(repo, "SP-TRANSPARENCY-001", body, author_type="employee") == [], body
    [f] = found(repo, "SP-TRANSPARENCY-001", "I work for AstraZeneca. #AZemployee", author_type="employee")
    [f] = found(repo, "SP-TRANSPARENCY-001", "Thanks Novaxis Pharma!", author_type="employee")
    assert "'Thanks Novaxis Pharma' is ambiguous" in f.message


def test_transparency001_suppressible(repo: Repo) -> None:
    repo.post("Proud of my team!", author_type="employee",
              suppress=[{"rule": "SP-TRANSPARENCY-001", "reason": "bio discloses", "mlr_ref": "MLR-1"}])
    [f] = repo.findings("SP-TRANSPARENCY-001")
    assert f.suppressed and not f.blocking


# === SP-TRANSPARENCY-002 ==========================================================================

LONG = "So proud to spend today at the summit with colleagues, advocates, oncology nurses and researchers, " \
       "talking about what people need. "


def test_transparency002_after_the_fold(repo: Repo) -> None:
    path = repo.post(LONG + "#AZemployee", author_type="employee")
    [f] = found(repo, "SP-TRANSPARENCY-002")
    assert f.severity == "warning" and "after the first 125" in f.message
    assert f.excerpt == "#AZemployee" and (f.line, f.column) == locate(path, "#AZemployee")
    assert found(repo, "SP-TRANSPARENCY-001") == []


def test_transparency002_in_a_trailing_run_of_hashtags(repo: Repo) -> None:
    [f] = found(repo, "SP-TRANSPARENCY-002", "Great day! #oncology #AZoncology #science #ad",
                author_type="influencer")
    assert "trailing run of 4 hashtags" in f.message and f.excerpt == "#ad"


@pytest.mark.parametrize(
    "body",
    [
        "#ad Great day! #oncology #AZoncology #science",
        "Great day #ad with the team #oncology #science",
        "Great day! #AZoncology #ad",  # two trailing hashtags are fine
        "#ad " + LONG + "#sponsored",  # one well-placed disclosure is enough
    ],
)
def test_transparency002_well_placed(base_config: Config, body: str) -> None:
    assert found(base_config, "SP-TRANSPARENCY-002", body, author_type="influencer") == []


def test_transparency002_uses_the_smaller_channel_fold(repo: Repo) -> None:
    repo.write("posts/pic.png", PNG)
    body = "x" * 105 + " #ad"  # after Pinterest's 100 characters, before the 125 of [compliance.disclosure]
    repo.post(body, title="A day in the lab", channels=["pin", "fb"], author_type="influencer",
              media=[{"path": "pic.png", "alt": "A scientist at a microscope"}], tables=PIN_TABLE)
    assert [f.channel for f in found(repo, "SP-TRANSPARENCY-002")] == ["pin"]


def test_transparency002_only_for_posts_that_need_a_disclosure_and_level_override(repo: Repo) -> None:
    assert found(repo, "SP-TRANSPARENCY-002", LONG + "#ad") == []  # a company post
    configure(repo, extra='[compliance.rules."SP-TRANSPARENCY-002"]\nlevel = "error"\n')
    [f] = found(repo, "SP-TRANSPARENCY-002", LONG + "#ad", author_type="influencer")
    assert f.severity == "error"


# === SP-PRIVACY-001 ===============================================================================


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        ("Dana is happy to talk: call 302-555-0147!", "302-555-0147"),
        ("Reach her at (555) 123-4567.", "(555) 123-4567"),
        ("Her cell: +1 555 123 4567", "+1 555 123 4567"),
        ("Phone 555.123.4567 today", "555.123.4567"),
        ("Call 1-800-555-0100 now", "1-800-555-0100"),
        ("Text me at 555-0147", "555-0147"),
        ("Call 1-800-PHARMA1 for help", "1-800-PHARMA1"),
        ("London office: +44 20 7946 0958", "+44 20 7946 0958"),
        ("Email dana.m1962@gmail.com for details", "dana.m1962@gmail.com"),
        ("Write to jo@astrazeneca.com.evil.example", "jo@astrazeneca.com.evil.example"),
        ("Her MRN 00123456 was on the form", "MRN 00123456"),
        ("medical record number: 4455667", "medical record number: 4455667"),
        ("Member ID A1234567", "Member ID A1234567"),
        ("SSN 123-45-6789", "SSN 123-45-6789"),
        ("Number 123-45-6789 on the card", "123-45-6789"),
        ("Patient DOB 3/14/1975", "DOB 3/14/1975"),
        ("Janet was born on March 14, 1975 in Delaware", "born on March 14, 1975"),
        ("Date of birth: 14 March 1975", "Date of birth: 14 March 1975"),
    ],
)
def test_privacy001_fires(base_config: Config, body: str, excerpt: str) -> None:
    [f] = found(base_config, "SP-PRIVACY-001", body)
    assert f.excerpt == excerpt and f.channel == "tw" and f.severity == "error"


@pytest.mark.parametrize(
    "body",
    [
        "More than 173,000 women in the United States are living with MBC.",
        "Metastatic Breast Cancer Awareness Day is Oct 13, 2014; share by October 1, 2014.",
        "Approval 3001314 Last Updated 6/14",
        "Save up to $1,234.56 a year, or $19.99 a month.",
        "Read https://www.astrazeneca-us.com/page/5551234567/2014-09-15 today",
        "#rxsave2014 #5551234567 #MBCStrength",
        "Report side effects: call 1-800-FDA-1088 or 1 800 FDA 1088 or 1-800-332-1088.",
        "Patient support: 1-800-236-9933 (Mon-Fri 8-8 ET)",
        "Contact media@astrazeneca.com or careers@us.astrazeneca.com",
        "She was born in 1975 and joined us in 2001.",
        "Phase 3 trial NCT01234567, 2014-2015.",
        "Follow @AstraZenecaUS 📞 for updates at 10:00-11:00.",
        "1-800-FDA-1089",  # a wrong MedWatch number is SP-SAFETY-002's finding, not this one
    ],
)
def test_privacy001_does_not_fire(base_config: Config, body: str) -> None:
    assert found(base_config, "SP-PRIVACY-001", body) == []


def test_privacy001_location_and_every_identifier(repo: Repo) -> None:
    path = repo.post("Thanks for asking!\nDana is happy to talk: call 302-555-0147 or email dana@gmail.com.")
    findings = found(repo, "SP-PRIVACY-001")
    assert [f.excerpt for f in findings] == ["302-555-0147", "dana@gmail.com"]
    assert (findings[0].line, findings[0].column) == locate(path, "302-555-0147")
    assert "phone number" in findings[0].message and "email address" in findings[1].message


def test_privacy001_alt_text_title_and_override(repo: Repo) -> None:
    repo.write("posts/pic.png", PNG)
    repo.post("A day in the lab.", channels=["tw", "fb"], tables='[twitter]\ntext = "Call 302-555-0147"\n',
              media=[{"path": "pic.png", "alt": "Card that reads call Dana on 555-867-5309"}])
    findings = found(repo, "SP-PRIVACY-001")
    assert sorted((f.channel, f.excerpt) for f in findings) == [
        ("fb", "555-867-5309"), ("tw", "302-555-0147"), ("tw", "555-867-5309")]


def test_privacy001_cannot_be_suppressed_or_turned_off(repo: Repo) -> None:
    repo.post("Call 302-555-0147", suppress=[{"rule": "SP-PRIVACY-001", "reason": "she agreed"}])
    [f] = repo.findings("SP-PRIVACY-001")
    assert not f.suppressed and f.blocking and "cannot be suppressed" in (f.hint or "")
    configure(repo, extra='[compliance.rules."SP-PRIVACY-001"]\nlevel = "off"\n')
    with pytest.raises(ConfigError, match="non-suppressible"):
        repo.findings("SP-PRIVACY-001")


def test_privacy001_generalises_to_configured_allow_lists(repo: Repo) -> None:
    configure(repo, NOVAXIS)
    # The configured reporting line is a company line too; the other company's domain is now personal.
    assert found(repo, "SP-PRIVACY-001", "Safety line 1 800 555 0199, press@novaxis.example") == []
    findings = found(repo, "SP-PRIVACY-001", "Call 1-800-236-9933 or write to press@astrazeneca.com")
    assert [f.excerpt for f in findings] == ["1-800-236-9933", "press@astrazeneca.com"]


# === SP-PRIVACY-002 ===============================================================================


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        ("Meet Janet, who was diagnosed with metastatic breast cancer in 2012.", "Janet"),
        ("Janet R. shares her story of living with stage IV cancer.", "Janet R."),
        ("@janet_r so sorry to hear about your diagnosis 💜", "@janet_r"),
        ("Stay strong, Janet! Chemo is tough.", "Janet"),
        ("Hi Janet, thanks for sharing your ONCAVIX story.", "Janet"),  # a product name is health information
        ("MEET THE TEAM. meet Maria: SURVIVOR since 2010", "Maria"),
    ],
)
def test_privacy002_fires(base_config: Config, body: str, excerpt: str) -> None:
    [f] = found(base_config, "SP-PRIVACY-002", body)
    assert f.excerpt == excerpt and f.channel == "tw" and "no consent_ref" in f.message


def test_privacy002_media_that_depicts_a_patient(repo: Repo) -> None:
    repo.write("posts/pic.png", PNG)
    path = repo.post("Living with metastatic breast cancer: her morning walk.",
                     media=[{"path": "pic.png", "alt": "A woman walking a dog", "depicts_patient": True}])
    [f] = found(repo, "SP-PRIVACY-002")
    assert "pic.png" in f.message and f.excerpt == "metastatic breast cancer"
    assert (f.line, f.column) == locate(path, "metastatic breast cancer")


@pytest.mark.parametrize(
    "body",
    [
        "Meet our team of cancer researchers!",
        "Meet Janet, our new head of communications.",
        "Thanks @AstraZenecaUS and @astrazenecaus for the cancer awareness day.",
        "Write to dana@gmail.com about cancer support.",  # an email, not a handle (SP-PRIVACY-001's business)
        "Read https://medium.com/@janet about living with cancer",
        "Our new cancer research site opens in Wilmington, Delaware!",
        "Welcome to #rxsave: questions about your prescription medicines start now.",
        "Vitamin D. levels and cancer: what the research says.",
        "Take our test in Washington D.C. with other cancer survivors",
        "Dear Colleagues, our cancer research team thanks you!",
        "Thank you, Everyone! Our #MBCStrength collage is live.",
    ],
)
def test_privacy002_does_not_fire(base_config: Config, body: str) -> None:
    assert found(base_config, "SP-PRIVACY-002", body) == []


def test_privacy002_a_thread_is_one_post(repo: Repo) -> None:
    tables = '[twitter]\nthread = ["She was diagnosed with stage IV cancer in 2012."]\n'
    path = repo.post("Meet Janet, our #MBCStrength hero.", channels=["tw", "fb"], tables=tables)
    [f] = found(repo, "SP-PRIVACY-002")  # Facebook does not get the thread, so no health information there
    assert f.channel == "tw" and (f.line, f.column) == locate(path, "Janet")


def test_privacy002_consent_ref_and_non_suppressible(repo: Repo) -> None:
    body = "Meet Janet, who was diagnosed with metastatic breast cancer in 2012."
    assert found(repo, "SP-PRIVACY-002", body, consent_ref="CONSENT-2014-017") == []
    repo.post(body, suppress=[{"rule": "SP-PRIVACY-002", "reason": "she posted it herself"}])
    [f] = repo.findings("SP-PRIVACY-002")
    assert not f.suppressed and f.blocking


def test_privacy002_generalises_to_configured_products_and_handles(repo: Repo) -> None:
    configure(repo, NOVAXIS, extra=ZENTRA)
    assert found(repo, "SP-PRIVACY-002", "Thanks @NovaxisUS for the kidney disease talk") == []
    assert found(repo, "SP-PRIVACY-002", "Thanks @NovaxisUS and @someone for your help") == []  # no health
    [f] = found(repo, "SP-PRIVACY-002", "Thanks @AstraZenecaUS for the kidney disease talk")
    assert f.excerpt == "@AstraZenecaUS"  # not a company handle in this configuration
    # The configured indication is health information.
    [f] = found(repo, "SP-PRIVACY-002", "Meet Omar, living with chronic kidney disease.")
    assert f.excerpt == "Omar"


# === SP-RESPECT-001 ===============================================================================


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        ("If you feel sick, skip a dose of your medicine.", "skip a dose"),
        ("Forgot your pill? Just DOUBLE YOUR DOSE tomorrow!", "DOUBLE YOUR DOSE"),
        ("Stop taking your meds when you feel better 👍", "Stop taking"),
        ("You don't need to see a doctor for that rash.", "don't need to see"),
        ("Ask our nurse line instead of your doctor.", "instead of your doctor"),
        ("Switch to #ONCAVIX today!", "Switch to"),
        ("Take it with food, the tivaranib works better.", "Take it with"),
        ("Never skip a dose of your medicine 💊", "skip a dose"),  # negated, but no referral to a doctor
        ("Skip a dose. Then tell your doctor.", "Skip a dose"),  # the referral must be in the same sentence
    ],
)
def test_respect001_fires(base_config: Config, body: str, excerpt: str) -> None:
    [f] = found(base_config, "SP-RESPECT-001", body)
    assert f.excerpt == excerpt and "medical or dosing advice" in f.message


@pytest.mark.parametrize(
    "body",
    [
        "Do not stop taking ONCAVIX without talking to your healthcare provider.",
        "Stop taking ONCAVIX and call your doctor right away if you have trouble breathing.",
        "Talk to your doctor before you stop taking any medicine.",
        "Don't stop taking tivaranib without asking your doctor.",
        "Please don't double your dose. Talk to your doctor first.",
        "Our sites switch to 100% renewable electricity this year.",
        "Try taking a walk at lunch with your team!",
        "New #skipadose #stoptaking campaign for the medicine cabinet",
    ],
)
def test_respect001_does_not_fire(base_config: Config, body: str) -> None:
    assert found(base_config, "SP-RESPECT-001", body) == []


def test_respect001_location_level_override_and_pipeline_context(repo: Repo) -> None:
    configure(repo, extra='[compliance.rules."SP-RESPECT-001"]\nlevel = "warning"\n')
    path = repo.post("Questions about EXP-4172?\nTry taking it in the evening.")
    [f] = found(repo, "SP-RESPECT-001")
    assert f.severity == "warning" and (f.line, f.column) == locate(path, "Try taking")


# === SP-SAFETY-001 ================================================================================


def test_safety001_reply_to_a_personal_adverse_event(repo: Repo) -> None:
    path = repo.post("Thank you for reaching out. Please talk to your doctor.", post_type="reply",
                     in_reply_to_text="I got a terrible rash after starting my new medicine")
    [f] = found(repo, "SP-SAFETY-001")
    assert f.excerpt == "rash" and "text this post answers" in f.message
    assert (f.line, f.column) == locate(path, "rash")


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("My nausea was bad during my first month of treatment.", ""),
        ("i've been DIZZY since i started 😩", ""),
        ("So sorry to hear that. Please talk to your doctor.", "Hair loss is awful on this drug"),
        ("We are sorry. Report it at 1-800-FDA-1089.", "it gave me hives"),  # a wrong number is no pathway
        ("Hope you feel better!", "My mom was hospitalized after her infusion."),
        ("Thanks for sharing.", "Got a rash, it's on me & my kids now"),
    ],
)
def test_safety001_fires(base_config: Config, body: str, reply: str) -> None:
    [f] = found(base_config, "SP-SAFETY-001", body, post_type="reply", in_reply_to_text=reply)
    assert f.channel == "tw" and "no reporting pathway" in f.message


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("Sorry to hear. Please report side effects to the FDA at 1-800-FDA-1088.", "I got a rash"),
        ("Sorry to hear. Report it: www.fda.gov/medwatch", "I got a rash"),
        ("Sorry to hear. Call our safety line 1 800 236 9933.", "I got a rash"),  # configured, spaced
        ("We are studying side effects in our trial.", ""),  # we/our is the company speaking
        ("AZ&Me helps with costs; side effects are listed in the PI.", ""),
        ("I had no side effects at all!", ""),
        ("Stage I patients may have nausea.", ""),
        ("Thanks! ONCAVIX can cause serious side effects.", "I love my doctor"),  # AE and person apart
        ("My day volunteering at the children's hospital.", ""),
    ],
)
def test_safety001_does_not_fire(base_config: Config, body: str, reply: str) -> None:
    assert found(base_config, "SP-SAFETY-001", body, post_type="reply", in_reply_to_text=reply) == []


def test_safety001_pathway_in_the_link_field_and_thread(repo: Repo) -> None:
    tables = '[twitter]\nthread = ["Please report it: 1-800-FDA-1088"]\n'
    assert found(repo, "SP-SAFETY-001", "So sorry to hear about your rash.", tables=tables) == []


def test_safety001_cannot_be_suppressed(repo: Repo) -> None:
    repo.post("My nausea was bad.", suppress=[{"rule": "SP-SAFETY-001", "reason": "already reported"}])
    [f] = repo.findings("SP-SAFETY-001")
    assert not f.suppressed and f.blocking


def test_safety001_generalises_to_configured_pathways(repo: Repo) -> None:
    configure(repo, NOVAXIS)
    body = "Sorry to hear about your rash. Report it at {}."
    assert found(repo, "SP-SAFETY-001", body.format("www.novaxis.example/safety")) == []
    assert found(repo, "SP-SAFETY-001", body.format("1-800-555-0199")) == []
    assert len(found(repo, "SP-SAFETY-001", body.format("1-800-236-9933"))) == 1  # no longer configured
    configure(repo, NOVAXIS, extra='[compliance.lexicon]\nae_exceptions = ["rash decision"]\n')
    assert found(repo, "SP-SAFETY-001", "I made a rash decision today") == []


# === SP-SAFETY-002 ================================================================================


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        ("Report side effects at 1-800-FDA-1089.", "1-800-FDA-1089"),
        ("Call 1 800 FDA 1080 today", "1 800 FDA 1080"),
        ("call 1-800-fda-10888", "1-800-fda-10888"),
        ("Call 800.FDA.1O88", "800.FDA.1O88"),
    ],
)
def test_safety002_wrong_number(base_config: Config, body: str, excerpt: str) -> None:
    [f] = found(base_config, "SP-SAFETY-002", body)
    assert f.excerpt == excerpt and "1-800-FDA-1088" in f.message


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        (MEDWATCH.replace("negative ", ""), "'side' where the FDA wording has 'negative'"),
        (MEDWATCH.replace("medwatch,", "medwatch"), "'www.fda.gov/medwatch' where the FDA wording has"),
        (MEDWATCH.replace("FDA. Visit", "FDA; visit"), "'FDA;' where the FDA wording has 'FDA.'"),
        (MEDWATCH[:-1], "'1-800-FDA-1088' where the FDA wording has '1-800-FDA-1088.'"),
        (MEDWATCH.split(" Visit")[0], "it ends after 'to the FDA.'"),
    ],
)
def test_safety002_statement_not_verbatim(repo: Repo, statement: str, says: str) -> None:
    path = repo.post("ONCAVIX (tivaranib) facts.\n\n" + statement)
    [f] = found(repo, "SP-SAFETY-002")
    assert says in f.message and (f.line, f.column) == locate(path, "You are encouraged")


@pytest.mark.parametrize(
    "body",
    [
        MEDWATCH,
        MEDWATCH.replace("FDA. Visit", "FDA.\nVisit").replace(" or call", "  or   call"),
        MEDWATCH.replace("www.fda.gov", "http://www.fda.gov"),
        "Report side effects: 1-800-FDA-1088, 1 800 FDA 1088, (800) FDA-1088 or fda.gov/medwatch.",
        "More than 800 FDA approvals so far",
        "You are encouraged to report concerns to our ethics hotline.",  # not the MedWatch statement
    ],
)
def test_safety002_does_not_fire(base_config: Config, body: str) -> None:
    assert found(base_config, "SP-SAFETY-002", body) == []


# === SP-SAFETY-003 ================================================================================


def test_safety003_branded_long_form_only(repo: Repo) -> None:
    path = repo.post("ONCAVIX (tivaranib) is a prescription medicine.", post_type="branded",
                     channels=["tw", "fb"])
    [f] = found(repo, "SP-SAFETY-003")
    assert f.channel == "fb" and f.severity == "warning" and f.line == line_of(path, "ONCAVIX (tivaranib) is")


@pytest.mark.parametrize(
    ("body", "front"),
    [
        ("ONCAVIX facts. " + MEDWATCH, {"post_type": "branded"}),
        ("ONCAVIX facts. Report side effects at www.fda.gov/medwatch", {"post_type": "branded"}),
        ("ONCAVIX facts. Call 1-800-FDA-1089", {"post_type": "branded"}),  # an attempt: SP-SAFETY-002's
        ("Our summit starts today.", {"post_type": "corporate"}),
    ],
)
def test_safety003_does_not_fire(base_config: Config, body: str, front: dict[str, Any]) -> None:
    assert found(base_config, "SP-SAFETY-003", body, channels=["fb"], **front) == []


def test_safety003_level_override(repo: Repo) -> None:
    configure(repo, extra='[compliance.rules."SP-SAFETY-003"]\nlevel = "error"\n')
    [f] = found(repo, "SP-SAFETY-003", "ONCAVIX facts.", post_type="branded", channels=["fb"])
    assert f.severity == "error" and f.blocking


# === SP-VIEWS-001 =================================================================================


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        ("We will delete comments that criticize our products.", "delete comments"),
        ("Block anyone who disagrees with us.", "Block anyone"),
        ("IGNORE THE CRITICS!", "IGNORE THE CRITICS"),
        ("Mods: remove negative comments 🙄", "remove negative comments"),
        ("We remove comments that contain profanity or criticize our products.", "remove comments"),
    ],
)
def test_views001_fires(base_config: Config, body: str, excerpt: str) -> None:
    [f] = found(base_config, "SP-VIEWS-001", body)
    assert f.excerpt == excerpt and f.severity == "warning" and "content-based" in f.message


@pytest.mark.parametrize(
    "body",
    [
        "We never delete comments that criticize us.",
        "We welcome comments that criticize our work.",
        "We remove comments that contain profanity or personal health information.",
        "We do not remove comments because we disagree with them.",
        "We hide comments that report side effects and follow up privately.",
        "Comments are welcome: https://www.astrazeneca-us.com/delete-comments",
    ],
)
def test_views001_does_not_fire(base_config: Config, body: str) -> None:
    assert found(base_config, "SP-VIEWS-001", body) == []


def test_views001_level_override(repo: Repo) -> None:
    configure(repo, extra='[compliance.rules."SP-VIEWS-001"]\nlevel = "error"\n')
    [f] = found(repo, "SP-VIEWS-001", "Block anyone who disagrees.")
    assert f.severity == "error"


# === SP-CORRECTION-001 ============================================================================

GOOD_CORRECTION = (
    "AstraZeneca here: ONCAVIX (tivaranib) is not a cure. It is approved to treat adults with HR+/HER2- "
    "metastatic breast cancer and can cause serious side effects, including interstitial lung disease. "
    "Prescribing Information: https://www.oncavix.example/pi"
)
CLAIM = "ONCAVIX cures cancer and has no side effects!"


def correction(repo: Repo | Config, body: str, claim: str = CLAIM, **front: Any) -> list[Finding]:
    return found(repo, "SP-CORRECTION-001", body, post_type="correction", in_reply_to_text=claim, **front)


def test_correction001_compliant(repo: Repo) -> None:
    assert correction(repo, GOOD_CORRECTION) == []
    # The link may come from the link field; "does not cure" takes up "cures".
    body = GOOD_CORRECTION.replace("is not a cure", "does not cure cancer").split(" Prescribing")[0]
    assert correction(repo, body, link="https://www.oncavix.example/risk") == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (GOOD_CORRECTION + " #ONCAVIX #MBC", "hashtags in a correction (#ONCAVIX, #MBC)"),
        (GOOD_CORRECTION + " It is the best treatment for MBC.", "superlative or absolute claim 'best'"),
        (GOOD_CORRECTION + " A true breakthrough.", "hype word 'breakthrough'"),
        (GOOD_CORRECTION.replace("https://www.oncavix.example/pi", "https://www.astrazeneca-us.com"),
         "no link to the prescribing information or risk page of ONCAVIX"),
        (GOOD_CORRECTION.replace("AstraZeneca here: ", ""), "does not identify the firm"),
        (GOOD_CORRECTION.replace("is not a cure", "is a treatment"), "says 'cures'"),
    ],
)
def test_correction001_one_finding_per_problem(base_config: Config, body: str, says: str) -> None:
    [f] = correction(base_config, body)
    assert says in f.message and f.channel == "tw"


def test_correction001_points_at_the_overstatement_left_standing(repo: Repo) -> None:
    path = repo.post("AstraZeneca: ONCAVIX is a treatment for MBC, see https://www.oncavix.example/pi",
                     post_type="correction", in_reply_to_text="ONCAVIX is a miracle. It CURES cancer!")
    findings = found(repo, "SP-CORRECTION-001")
    assert [f.excerpt for f in findings] == ["miracle", "CURES"]
    assert (findings[1].line, findings[1].column) == locate(path, "CURES")


def test_correction001_everything_wrong_at_once(repo: Repo) -> None:
    findings = correction(repo, "The best news: ONCAVIX works! #ONCAVIX")
    # superlative, hashtag, no link, no firm, and both 'cures' and 'no side effects' left standing
    assert len(findings) == 6


@pytest.mark.parametrize(
    "body",
    [
        "@AstraZenecaUS: claims that ONCAVIX is the best cure are false. PI: https://www.oncavix.example/pi",
        "AstraZeneca: there is no cure for MBC; ONCAVIX is not a cure. https://www.oncavix.example/risk",
    ],
)
def test_correction001_refuting_a_claim_is_not_making_it(base_config: Config, body: str) -> None:
    assert correction(base_config, body, claim="ONCAVIX is the best cure") == []


def test_correction001_only_for_corrections_and_products_named(repo: Repo) -> None:
    assert found(repo, "SP-CORRECTION-001", "Thanks! #MBCStrength", post_type="reply",
                 in_reply_to_text=CLAIM) == []
    # No configured product named anywhere: no product page to link to.
    assert correction(repo, "AstraZeneca: vaccines do not cause autism, and that claim is false.",
                      claim="Vaccines cause autism") == []


def test_correction001_generalises_to_another_product_and_sponsor(repo: Repo) -> None:
    configure(repo, NOVAXIS, extra=ZENTRA)
    claim = "ZENTRA is a miracle drug"
    [f] = correction(repo, "Novaxis Pharma: ZENTRA (velotinib) is not a miracle; it can cause hyperkalemia.",
                     claim=claim)
    assert "ZENTRA" in f.message and "https://www.zentra.example/pi" in f.message
    [f] = correction(repo, "Novaxis Pharma: see https://www.zentra.example/pi", claim=claim)
    assert f.excerpt == "miracle" and "'ZENTRA is not a cure'" in (f.hint or "")
    good = "@NovaxisUS: ZENTRA is not a miracle drug. Safety: https://www.zentra.example/safety/"
    assert correction(repo, good, claim=claim) == []
    [f] = correction(repo, good.replace("@NovaxisUS", "AstraZeneca"), claim=claim)
    assert "does not identify the firm (Novaxis Pharma or @novaxisus or @novaxis_careers)" in f.message


# === the sample content ===========================================================================


def test_sample_failing_examples_trigger_exactly_their_conduct_rules() -> None:
    from socialpub.check import run_check
    from socialpub.config import load_config

    root = Path(__file__).resolve().parents[1]
    result = run_check(load_config(root / "channels.toml"))
    conduct = sorted(
        (Path(f.file).name, f.rule, f.channel) for f in result.findings
        if f.rule.split("-")[1] in ("TRANSPARENCY", "PRIVACY", "RESPECT", "SAFETY", "VIEWS", "CORRECTION")
    )
    assert conduct == [
        ("fail-absolute-claim.md", "SP-SAFETY-003", "az-us-facebook"),
        ("fail-employee-long-tweet.toml", "SP-TRANSPARENCY-001", "az-us-twitter"),
        ("fail-privacy-shortener.md", "SP-PRIVACY-001", "az-us-twitter"),
        ("fail-privacy-shortener.md", "SP-PRIVACY-001", "az-us-twitter"),
        ("fail-privacy-shortener.md", "SP-SAFETY-002", "az-us-twitter"),
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(st.sampled_from([GOOD_CORRECTION, MEDWATCH, "Call 302-555-0147 #ad", "My rash is back"]),
                   # what a file can carry (its bytes are read_text's concern: NUL, bad UTF-8, BOM, size)
                   st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00\ufeff"), max_size=200)),
    front=st.fixed_dictionaries({}, optional={
        "author_type": st.sampled_from(["company", "employee", "influencer"]),
        "post_type": st.sampled_from(["corporate", "branded", "reply", "correction"]),
        "in_reply_to_text": st.sampled_from(["I got a rash", CLAIM]),
        "channels": st.sampled_from([["tw"], ["fb", "yt"], ["tw", "fb"]]),
    }),
)
def test_a_post_checked_in_memory_has_the_findings_of_its_file(
    tmp_path_factory: pytest.TempPathFactory, base_config: Config, body: str, front: dict[str, Any]
) -> None:
    """check_text, which the tables below use, sees what `check` sees in the same post written to a file."""
    repo = Repo(tmp_path_factory.mktemp("twin"))
    repo.post(body, **front)
    assert check_text(base_config, body, **front) == repo.findings()
