"""Accuracy on posts written by others: tables of realistic posts for the classes where independently written
posts found misses and false positives — purpose clauses before viewpoint-based moderation (SP-VIEWS-001),
things that look like domains but are no links (SP-META-005), and trial words taken for an investigational
qualifier (SP-OFFLABEL-002). Real post files, the real loader, renderers and rules.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub.rules import Finding
from socialpub.rules import text as T
from tests.helpers import Repo


def found(repo: Repo, rule: str, body: str, **front: object) -> list[Finding]:
    repo.post(body, **front)
    return [f for f in repo.findings(rule) if not f.suppressed]


# === SP-VIEWS-001: a purpose clause does not make viewpoint-based moderation respectful ===================


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        ("To keep this page positive, we remove comments that criticize our products.", "remove comments"),
        ("In order to keep this a supportive space, we will delete negative comments.",
         "delete negative comments"),
        ("To keep the conversation constructive, we hide negative comments about our medicines.",
         "hide negative comments"),
        ("To make sure everyone feels welcome here, we remove comments that disagree with our approach.",
         "remove comments"),
        ("So that this stays a place of hope, we delete comments that criticise the company.",
         "delete comments"),
        ("To ensure no bullying, we delete negative comments.", "delete negative comments"),
        ("To help keep this community upbeat we remove critical comments.", "remove critical"),
        ("We appreciate your feedback, but we will remove comments that criticize our products.",
         "remove comments"),
        ("We value open discussion and remove comments that criticize us.", "remove comments"),
        ("To protect our community, we remove comments that are spam or that we don't agree with.", "remove comments"),
        ("We will delete any negative replies.", "delete any negative"),
        ("Negative reviews? We remove reviews that are unfavorable to our brand.", "remove reviews"),
        ("In the interest of a positive community, admins hide replies that criticize the company.",
         "hide replies"),
        ("Negative comments will be removed.", "comments will be removed"),
        ("Comments that are critical of our company will be deleted.", "Comments that are critical"),
        ("Comments critical of our pricing may be hidden.", "Comments critical of"),
        ("We remove comments that are rude, negative or unhelpful.", "remove comments"),
    ],
)
def test_views001_purpose_clause_does_not_excuse_viewpoint_moderation(repo: Repo, body: str, excerpt: str) -> None:
    hits = found(repo, "SP-VIEWS-001", body)
    assert [f.excerpt for f in hits][:1] == [excerpt], hits


@pytest.mark.parametrize(
    "body",
    [
        "We remove spam, personal attacks and personal health information.",
        "To keep this community safe, we remove spam, personal attacks and personal health information.",
        "To protect your privacy, we remove comments that include phone numbers or personal health information.",
        "In order to keep this a supportive space, we remove comments that contain profanity, threats or "
        "harassment.",
        "To comply with FDA rules, we remove comments that describe off-label use; please report side effects "
        "to 1-800-FDA-1088.",
        "We remove comments that contain profanity to keep the discussion positive.",
        "We welcome comments that criticize our work.",
        "To foster open dialogue, we never delete comments that criticize us.",
        "We read all comments that criticize us and respond where we can.",
        "We remove posts that are spam or scams, and hide replies that share someone's contact details.",
        "We remove comments that share information about HER2-negative patients' records (PHI).",
        "We reserve the right to remove comments that violate our community guidelines.",
        "We may hide comments that mention medicines by name, to comply with regulations.",
        "To protect patient privacy, we will delete comments containing personal medical details.",
        "Heads up: we will remove comments that promote unapproved uses of our medicines.",
        "Comments will be removed if they contain spam or profanity.",
        "Comments that criticize us are always welcome.",
        "Comments that are critical of our work are welcome here.",
        "We don't remove comments just because they're critical.",
        "We will not delete negative comments; we only remove spam.",
    ],
)
def test_views001_content_based_moderation_passes(repo: Repo, body: str) -> None:
    assert found(repo, "SP-VIEWS-001", body) == []


# === SP-META-005: e-mail addresses, handles, file names, versions, doses, abbreviations are no links =======

NOT_LINKS = [
    "Questions? Write to first.last@astrazeneca.com or name.x@host.com.",
    "Media enquiries: press.office@astrazeneca.com (Mon-Fri).",
    "Contact j.doe+events@partner.org or mailto:a.bc.de@x.co.uk for the slides.",
    "Thanks @jane.doe and @AstraZenecaUS for joining!",
    "Download report.pdf and slides.pptx after the session.",
    "Our patient app v1.2.3 is out; v2.0 comes next.",
    "Each tablet holds 2.5mg; the syrup 0.5mL.",
    "Bring photo ID, e.g. a passport (i.e. one with a photo). U.S. residents only.",
    "Ph.D. students and M.D. candidates: doors open at 9 a.m. sharp.",
    "See Fig.2a and No.1 in the poster.",
    "New data on H.pylori and E.coli infections; S.aureus next.",
    "Thanks Dr.Smith and the team at St.Jude!",
    "Our trial ended today.Learn more soon.",
]


@pytest.mark.parametrize("body", NOT_LINKS)
def test_meta005_reads_none_of_these_as_a_link(repo: Repo, body: str) -> None:
    assert found(repo, "SP-META-005", body, channels=["tw", "fb"]) == []


@pytest.mark.parametrize(
    ("body", "host"),
    [
        ("Read more at example.com/path today.", "example.com"),
        ("Visit www.x.org for details.", "www.x.org"),
        ("Email info@astrazeneca.com or see news.example.com/pr.", "news.example.com"),
        ("Slides: https://files.example.net/a@b", "files.example.net"),
        ("Mail first.last@astrazeneca.com, then go to first.example.org", "first.example.org"),
        ("Intranet: http://intranet/tools", "intranet"),
    ],
)
def test_meta005_real_bare_domains_are_still_links(repo: Repo, body: str, host: str) -> None:
    [f] = found(repo, "SP-META-005", body)
    assert f"{host} is not in [compliance.links] allow_hosts" in f.message


def test_meta005_allowed_bare_domain_next_to_an_address(repo: Repo) -> None:
    body = "Report side effects at www.fda.gov/medwatch or to safety.team@astrazeneca.com."
    assert found(repo, "SP-META-005", body) == []


# === SP-OFFLABEL-002: only an explicit statement is an investigational qualifier ==========================


@pytest.mark.parametrize(
    "body",
    [
        "Phase III study of EXP-4172 in adults with metastatic breast cancer now enrolling.",
        "EXP-4172 is in a phase 3 clinical trial. Learn more about the trial.",
        "Our pipeline: EXP-4172 is being studied in clinical trials.",
        "EXP-4172: first patient dosed in our Phase I trial.",
        "New study data for EXP-4172 at ASCO. #pipeline #clinicaltrial",
        "EXP-4172 is no longer investigational.",
        "EXP-4172 is not an investigational medicine any more.",
        "EXP-4172 isn't investigational.",
    ],
)
def test_offlabel002_trial_words_are_no_qualifier(repo: Repo, body: str) -> None:
    hits = found(repo, "SP-OFFLABEL-002", body)
    assert [f.excerpt for f in hits] == ["EXP-4172"] and "without a qualifier" in hits[0].message


@pytest.mark.parametrize(
    "body",
    [
        "Investigational EXP-4172 is being studied in a Phase III trial.",
        "Phase III study of EXP-4172, an investigational medicine.",
        "EXP-4172 is not approved by the FDA; we are studying it in a Phase 3 trial.",
        "EXP-4172 is not FDA-approved.",
        "EXP-4172 has not been approved anywhere.",
        "The safety and efficacy of EXP-4172 have not been established.",
        "EXP-4172 is an experimental medicine in a phase 2 study.",
        "EXP-4172 is unapproved and under investigation.",
        "Safety and efficacy of EXP-4172 have not yet been established.",
        "EXP-4172 has not yet been approved by any health authority.",
        "The FDA has not approved EXP-4172.",
        "EXP-4172 is an investigational drug that is not yet proven safe or effective.",
    ],
)
def test_offlabel002_explicit_statements_qualify(repo: Repo, body: str) -> None:
    assert found(repo, "SP-OFFLABEL-002", body) == []


@pytest.mark.parametrize(
    ("body", "claims"),
    [
        ("EXP-4172 is not approved, and it is safe.", ["safe"]),  # the qualifier's "not" hedges nothing
        ("Investigational EXP-4172 is not a breakthrough; it is effective.", ["effective"]),
    ],
)
def test_offlabel002_claims_next_to_a_qualifier_still_fire(repo: Repo, body: str, claims: list[str]) -> None:
    assert [f.excerpt for f in found(repo, "SP-OFFLABEL-002", body)] == claims


# === properties: generated addresses, domains and purpose clauses ========================================

LABEL = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?\Z")
TLD = st.sampled_from(sorted(t for t in T.top_level_domains() if t.isalpha() and len(t) <= 24))
NOT_TLD = st.from_regex(r"\A[a-z]{2,8}\Z").filter(lambda t: t not in T.top_level_domains())
LOCAL = st.lists(st.from_regex(r"\A[A-Za-z0-9_%+-]{1,8}\Z"), min_size=1, max_size=4).map(".".join)
DOMAIN = st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(LABEL, min_size=1, max_size=3), TLD)
AROUND = st.sampled_from(["", " ", "(", "Write to ", "mailto:", "<"]), st.sampled_from(["", ".", ",", ")", " now", ">"])


@pytest.mark.slow
@settings(max_examples=300)
@given(local=LOCAL, domain=DOMAIN, around=st.tuples(*AROUND))
def test_no_part_of_an_email_address_is_a_url(local: str, domain: str, around: tuple[str, str]) -> None:
    before, after = around
    assert T.find_urls(f"{before}{local}@{domain}{after}") == []


@pytest.mark.slow
@settings(max_examples=300)
@given(domain=DOMAIN, path=st.from_regex(r"\A(?:/[a-z0-9]{1,6}){0,2}\Z"), around=st.tuples(*AROUND))
def test_a_bare_domain_is_a_url(domain: str, path: str, around: tuple[str, str]) -> None:
    before, after = around
    if before in ("mailto:",) or domain.split(".")[0].isdigit():
        return
    assert T.find_urls(f"{before}{domain}{path}{after}") == [domain + path]


@pytest.mark.slow
@settings(max_examples=300)
@given(labels=st.lists(LABEL, min_size=1, max_size=2), tld=NOT_TLD, around=st.tuples(*AROUND))
def test_a_word_with_an_unknown_top_level_domain_is_no_url(
    labels: list[str], tld: str, around: tuple[str, str]
) -> None:
    # "E.coli", "H.pylori", "Dr.Smith", "today.Learn": no platform makes them links
    before, after = around
    assert T.find_urls(f"{before}{'.'.join([*labels, tld])}{after}") == []


PURPOSES = st.tuples(
    st.sampled_from(["To keep", "In order to keep", "To make", "To ensure", "So as to maintain", "To help keep",
                     "So that"]),
    st.lists(st.sampled_from(["this", "page", "space", "positive", "welcome", "supportive", "safe", "no", "one",
                              "feels", "attacked", "everyone", "a", "community", "respectful", "spam-free"]),
             min_size=1, max_size=6).map(" ".join),
)
MODERATION = st.sampled_from([
    ("we remove comments that criticize our products.", "remove comments"),
    ("we will delete negative comments.", "delete negative comments"),
    ("we hide comments that disagree with us.", "hide comments"),
])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(purpose=PURPOSES, moderation=MODERATION, comma=st.booleans())
def test_views001_any_purpose_clause_leaves_viewpoint_moderation_flagged(
    repo: Repo, purpose: tuple[str, str], moderation: tuple[str, str], comma: bool
) -> None:
    sentence, excerpt = moderation
    body = f"{purpose[0]} {purpose[1]}{',' if comma else ''} {sentence}"
    assert excerpt in [f.excerpt for f in found(repo, "SP-VIEWS-001", body)], body
