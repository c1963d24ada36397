"""SP-META-001..008 (approval, campaign window, links, alt text, Form 2253, content hash) and
SP-CHANNEL-001/002 (platform lengths and media), checked on real post files with the real loader,
renderers and rules.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from socialpub.check import Renderer
from socialpub.config import load_config
from socialpub.hashing import content_hash
from socialpub.posts import load_posts
from socialpub.rules import Finding, registry
from tests.helpers import BASE_CONFIG, MP4, PNG, Repo

RULES = registry()  # the catalogue (socialpub.rules loads it on first call)

EDT = timezone(timedelta(hours=-4))
EST = timezone(timedelta(hours=-5))

BASE_APPROVAL = "[compliance.approval]\nmax_age_months = 12\nwarn_within_days = 30\n"
BASE_LINKS_START = "[compliance.links]\n"
PIN_TABLE = '[pinterest]\nboard = "Internships and Students"\n'
GOOD_ALT = "Scientists at a lab bench looking at a sample"


def config_with(repo: Repo, *, approval: str | None = None, links: str | None = None,
                zone: str | None = None, extra: str = "") -> None:
    """The base configuration with its [compliance.approval] / [compliance.links] tables or zone replaced."""
    base = BASE_CONFIG
    if approval is not None:
        assert BASE_APPROVAL in base
        base = base.replace(BASE_APPROVAL, "[compliance.approval]\n" + approval + "\n")
    if links is not None:
        start = base.index(BASE_LINKS_START)
        end = base.index("\n[", start + 1)
        base = base[:start] + "[compliance.links]\n" + links + "\n" + base[end:]
    if zone is not None:
        base = base.replace('timezone = "America/New_York"', f'timezone = "{zone}"')
    repo.write_config(extra, base=base)


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def found(repo: Repo, rule: str, **kwargs: Any) -> list[Finding]:
    return [f for f in repo.findings(rule, **kwargs) if not f.suppressed]


def channels_of(findings: list[Finding]) -> list[str | None]:
    return sorted((f.channel for f in findings), key=str)


# === SP-META-001: approval code ==================================================================


def test_meta001_good_code_and_status_pass(repo: Repo) -> None:
    repo.post("Our science blog LabTalk is live.")
    assert repo.findings("SP-META-001") == []


def test_meta001_missing_code_is_a_post_level_finding(repo: Repo) -> None:
    repo.post("Our science blog LabTalk is live.", approval_code=None, channels=["tw", "fb"])
    [f] = repo.findings("SP-META-001")
    assert f.channel is None  # post scope: one finding, whatever the channels
    assert f.severity == "error" and "no approval_code" in f.message
    assert f.to_dict()["channel"] is None


def test_meta001_malformed_code_points_at_the_code(repo: Repo) -> None:
    path = repo.post("Our science blog LabTalk is live.", approval_code="3001314 Updated 6/14")
    [f] = repo.findings("SP-META-001")
    assert "does not match" in f.message and f.excerpt == "3001314 Updated 6/14"
    assert f.line == line_of(path, "approval_code") and f.column == len('approval_code = "') + 1


@pytest.mark.parametrize(
    "code",
    ["300131  Last Updated 6/14", "3001314  Last Updated 13/14", "3001314  Last Updated 6/2014",
     "MLR-14-06-0001", "", "  "],
)
def test_meta001_codes_that_do_not_match_the_default_regex(repo: Repo, code: str) -> None:
    repo.post("Our science blog LabTalk is live.", approval_code=code)
    assert len(found(repo, "SP-META-001")) == 1


@pytest.mark.parametrize(
    "code", ["3001314 Last Updated 6/14", "3001314     Last Updated 12/14", "3001314\tLast Updated 06/14"]
)
def test_meta001_codes_that_match_the_default_regex(repo: Repo, code: str) -> None:
    repo.post("Our science blog LabTalk is live.", approval_code=code)
    assert found(repo, "SP-META-001") == []


@pytest.mark.parametrize("status", ["pending", "draft", "approved with changes", "rejected"])
def test_meta001_status_other_than_approved_says_what_it_is(repo: Repo, status: str) -> None:
    path = repo.post("Our science blog LabTalk is live.", approval_status=status)
    [f] = repo.findings("SP-META-001")
    assert f"'{status}'" in f.message
    assert f.line == line_of(path, "approval_status")


def test_meta001_status_is_case_insensitive_and_required(repo: Repo) -> None:
    repo.post("Our science blog LabTalk is live.", approval_status="Approved")
    assert found(repo, "SP-META-001") == []
    repo.post("Our science blog LabTalk is live.", approval_status=None)
    [f] = repo.findings("SP-META-001")
    assert "no approval_status" in f.message


def test_meta001_cannot_be_suppressed(repo: Repo) -> None:
    repo.post("Our science blog LabTalk is live.", approval_status="pending",
              suppress=[{"rule": "SP-META-001", "reason": "we know"}])
    [f] = repo.findings("SP-META-001")
    assert not f.suppressed and f.blocking and "cannot be suppressed" in (f.hint or "")


MLR_REGEX = r"^MLR-(?P<yy>\d{2})-(?P<month>\d{2})-\d{4}$"


def test_meta001_configured_regex_generalises(repo: Repo) -> None:
    config_with(repo, approval=f"code_regex = '{MLR_REGEX}'")
    repo.post("Our science blog LabTalk is live.", approval_code="MLR-14-06-0001")
    assert found(repo, "SP-META-001") == []
    repo.post("Our science blog LabTalk is live.", approval_code="3001314  Last Updated 6/14")
    [f] = found(repo, "SP-META-001")
    assert "MLR-" in f.message  # the message shows the configured pattern


def test_meta001_month_out_of_range_in_a_loose_regex_is_malformed(repo: Repo) -> None:
    config_with(repo, approval=f"code_regex = '{MLR_REGEX}'")
    repo.post("Our science blog LabTalk is live.", approval_code="MLR-14-13-0001")
    [f] = found(repo, "SP-META-001")
    assert "month 13" in f.message
    assert found(repo, "SP-META-002") == [] and found(repo, "SP-META-003") == []


def _video_post(repo: Repo, body: str, **front: Any) -> Path:
    repo.write("posts/video.mp4", MP4)
    tables = f'[youtube]\nmedia = [{{ path = "video.mp4", alt = "{GOOD_ALT}" }}]\n'
    return repo.post(body, title="A day in our lab", channels=["tw", "yt"], tables=tables, **front)


def test_meta001_code_in_body_for_listed_channels_only(repo: Repo) -> None:
    config_with(repo, approval='code_in_body = ["youtube"]')
    _video_post(repo, "Spend a day with our scientists.")
    [f] = found(repo, "SP-META-001")
    assert "channel yt" in f.message and f.channel is None
    # With the code in the text (spacing may differ) it passes; X is not listed, so it never needs it.
    _video_post(repo, "Spend a day with our scientists.\n\n3001314 Last Updated 6/14")
    assert found(repo, "SP-META-001") == []


def test_meta001_code_in_body_by_channel_name(repo: Repo) -> None:
    config_with(repo, approval='code_in_body = ["tw"]')
    _video_post(repo, "Spend a day with our scientists.")
    [f] = found(repo, "SP-META-001")
    assert "channel tw" in f.message


# === SP-META-002 / 003: approval age ==============================================================


@pytest.mark.parametrize(
    ("at", "expired"),
    [
        (datetime(2015, 6, 1, 0, 0, tzinfo=EDT), True),  # exactly 12 months after 2014-06-01 00:00 New York
        (datetime(2015, 6, 1, 4, 0, tzinfo=UTC), True),  # the same instant
        (datetime(2015, 6, 1, 3, 59, 59, tzinfo=UTC), False),  # 2015-05-31 23:59:59 in New York
        (datetime(2015, 5, 31, 23, 59, tzinfo=EDT), False),
        (datetime(2016, 1, 1, tzinfo=UTC), True),
    ],
)
def test_meta002_expiry_boundary_is_exactly_max_age_months(repo: Repo, at: datetime, expired: bool) -> None:
    path = repo.post("Our science blog LabTalk is live.", publish_at=at)
    findings = found(repo, "SP-META-002")
    assert bool(findings) is expired
    if expired:
        [f] = findings
        assert f.channel is None and "expired on 2015-06-01" in f.message
        assert f.line == line_of(path, "approval_code") and f.excerpt == "3001314  Last Updated 6/14"


@pytest.mark.parametrize(
    ("at", "future"),
    [
        (datetime(2014, 9, 30, 23, 30, tzinfo=EDT), True),
        (datetime(2014, 10, 1, 3, 0, tzinfo=UTC), True),  # 2014-09-30 23:00 in New York
        (datetime(2014, 10, 1, 0, 0, tzinfo=EDT), False),
        (datetime(2014, 10, 1, 4, 0, tzinfo=UTC), False),
    ],
)
def test_meta002_future_dated_approval(repo: Repo, at: datetime, future: bool) -> None:
    repo.post("Our science blog LabTalk is live.", publish_at=at, approval_code="3002514  Last Updated 10/14")
    findings = found(repo, "SP-META-002")
    assert bool(findings) is future
    if future:
        assert "future-dated" in findings[0].message


def test_meta002_uses_at_over_publish_at_and_is_not_suppressible(repo: Repo) -> None:
    repo.post("Our science blog LabTalk is live.", suppress=[{"rule": "SP-META-002", "reason": "x"}])
    assert repo.findings("SP-META-002") == []
    [f] = repo.findings("SP-META-002", at=datetime(2015, 7, 1, tzinfo=UTC))
    assert f.blocking and not f.suppressed


def test_meta002_configured_max_age(repo: Repo) -> None:
    config_with(repo, approval="max_age_months = 3\nwarn_within_days = 0")
    repo.post("Our science blog LabTalk is live.", publish_at=datetime(2014, 9, 1, 4, 0, tzinfo=UTC))
    [f] = found(repo, "SP-META-002")
    assert "3 months" in f.message and "2014-09-01" in f.message
    repo.post("Our science blog LabTalk is live.", publish_at=datetime(2014, 9, 1, 3, 59, tzinfo=UTC))
    assert found(repo, "SP-META-002") == []


def test_meta002_with_configured_regex(repo: Repo) -> None:
    config_with(repo, approval=f"code_regex = '{MLR_REGEX}'")
    repo.post("x", approval_code="MLR-14-06-0001", publish_at=datetime(2015, 6, 1, 4, 0, tzinfo=UTC))
    assert len(found(repo, "SP-META-002")) == 1
    repo.post("x", approval_code="MLR-14-06-0001", publish_at=datetime(2014, 5, 31, 12, 0, tzinfo=UTC))
    assert "future-dated" in found(repo, "SP-META-002")[0].message
    repo.post("x", approval_code="MLR-14-06-0001", publish_at=datetime(2014, 9, 15, tzinfo=UTC))
    assert found(repo, "SP-META-002") == [] and found(repo, "SP-META-003") == []


def test_meta002_003_need_month_and_year_groups(repo: Repo) -> None:
    config_with(repo, approval=r"code_regex = '^JOB-\d{4}$'")
    repo.post("x", approval_code="JOB-1234", publish_at=datetime(2030, 1, 1, tzinfo=UTC))
    assert found(repo, "SP-META-001") == []
    assert found(repo, "SP-META-002") == [] and found(repo, "SP-META-003") == []


@pytest.mark.parametrize(
    ("at", "warns"),
    [
        # Approval 4/14 expires 2015-04-01 00:00 EDT; the 30-day window opens 2015-03-02 00:00 EST (before the
        # DST change of 2015-03-08), i.e. 05:00 UTC.
        (datetime(2015, 3, 2, 4, 59, tzinfo=UTC), False),
        (datetime(2015, 3, 2, 5, 0, tzinfo=UTC), True),
        (datetime(2015, 3, 1, 23, 59, tzinfo=EST), False),
        (datetime(2015, 3, 31, 23, 59, tzinfo=EDT), True),
        (datetime(2015, 4, 1, 0, 0, tzinfo=EDT), False),  # expired: SP-META-002, not a warning
    ],
)
def test_meta003_warn_window_in_whole_local_days(repo: Repo, at: datetime, warns: bool) -> None:
    repo.post("x", approval_code="3000914  Last Updated 4/14", publish_at=at)
    findings = found(repo, "SP-META-003")
    assert bool(findings) is warns
    if warns:
        assert findings[0].severity == "warning" and "expires on 2015-04-01" in findings[0].message
    assert bool(found(repo, "SP-META-002")) is (at >= datetime(2015, 4, 1, 4, 0, tzinfo=UTC))


def test_meta003_configured_window_and_suppression(repo: Repo) -> None:
    config_with(repo, approval="warn_within_days = 120")
    repo.post("x", publish_at=datetime(2015, 2, 15, 12, tzinfo=UTC))  # expiry 2015-06-01: 106 days later
    [f] = repo.findings("SP-META-003")
    assert "106 day(s)" in f.message
    repo.post("x", publish_at=datetime(2015, 2, 15, 12, tzinfo=UTC),
              suppress=[{"rule": "SP-META-003", "reason": "re-approval filed", "mlr_ref": "MLR-1"}])
    [f] = repo.findings("SP-META-003")
    assert f.suppressed and f.suppression == {"reason": "re-approval filed", "mlr_ref": "MLR-1"}


def test_meta003_good_front_is_clean(repo: Repo) -> None:
    repo.post("x")
    assert repo.findings("SP-META-002") == [] and repo.findings("SP-META-003") == []


# === SP-META-004: campaign window ================================================================


@pytest.mark.parametrize(
    ("at", "inside"),
    [
        (datetime(2014, 10, 13, 23, 30, tzinfo=EDT), True),  # last day, late evening in New York
        (datetime(2014, 10, 14, 2, 0, tzinfo=UTC), True),  # = 22:00 on the 13th in New York
        (datetime(2014, 10, 14, 3, 59, tzinfo=UTC), True),
        (datetime(2014, 10, 14, 4, 0, tzinfo=UTC), False),  # 00:00 on the 14th in New York
        (datetime(2014, 10, 14, 0, 0, tzinfo=EDT), False),
        (datetime(2014, 9, 1, 0, 0, tzinfo=EDT), True),  # first day, midnight
        (datetime(2014, 9, 1, 3, 59, tzinfo=UTC), False),  # = Aug 31, 23:59 in New York
        (datetime(2014, 9, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))), False),  # Aug 31 in New York
    ],
)
def test_meta004_window_edges_in_configured_zone(repo: Repo, at: datetime, inside: bool) -> None:
    path = repo.post("x", campaign="mbc", publish_at=at)
    findings = found(repo, "SP-META-004")
    assert bool(findings) is not inside
    if not inside:
        [f] = findings
        assert f.channel is None and f.line == line_of(path, "publish_at")
        assert "mbc" in f.message and "2014-09-01 to 2014-10-13" in f.message


@pytest.mark.parametrize(
    ("at", "inside"),
    [
        # DST starts 2014-03-09 (02:00 EST -> 03:00 EDT); DST ends 2014-11-02 (02:00 EDT -> 01:00 EST).
        (datetime(2014, 3, 9, 4, 59, tzinfo=UTC), False),  # Mar 8, 23:59 EST
        (datetime(2014, 3, 9, 5, 0, tzinfo=UTC), True),  # Mar 9, 00:00 EST
        (datetime(2014, 3, 9, 3, 30, tzinfo=EDT), True),
        (datetime(2014, 11, 2, 1, 30, tzinfo=EST), True),  # the second 01:30 of the day
        (datetime(2014, 11, 3, 4, 59, tzinfo=UTC), True),  # Nov 2, 23:59 EST
        (datetime(2014, 11, 3, 5, 0, tzinfo=UTC), False),  # Nov 3, 00:00 EST
        (datetime(2014, 11, 3, 4, 30, tzinfo=UTC), True),  # would be Nov 3 with EDT's -4: DST matters
    ],
)
def test_meta004_window_edges_at_dst_changes(repo: Repo, at: datetime, inside: bool) -> None:
    repo.write_config("[compliance.campaigns.dst]\nstart = 2014-03-09\nend = 2014-11-02\n")
    repo.post("x", campaign="dst", publish_at=at, approval_code="3000114  Last Updated 1/14")
    assert bool(found(repo, "SP-META-004")) is not inside


def test_meta004_local_publish_at_is_read_in_the_configured_zone(repo: Repo) -> None:
    repo.post("x", campaign="mbc", publish_at=datetime(2014, 10, 13, 23, 59))  # no offset: New York time
    assert found(repo, "SP-META-004") == []
    repo.post("x", campaign="mbc", publish_at=datetime(2014, 10, 14, 0, 0))
    assert len(found(repo, "SP-META-004")) == 1


def test_meta004_other_configured_zone(repo: Repo) -> None:
    config_with(repo, zone="Asia/Tokyo")
    repo.post("x", campaign="mbc", publish_at=datetime(2014, 10, 14, 2, 0, tzinfo=UTC))  # Oct 14, 11:00 JST
    [f] = found(repo, "SP-META-004")
    assert "Asia/Tokyo" in f.message
    repo.post("x", campaign="mbc", publish_at=datetime(2014, 8, 31, 15, 0, tzinfo=UTC))  # Sep 1, 00:00 JST
    assert found(repo, "SP-META-004") == []


def test_meta004_uses_at_and_needs_a_campaign(repo: Repo) -> None:
    path = repo.post("x", campaign="mbc")
    assert repo.findings("SP-META-004") == []
    [f] = repo.findings("SP-META-004", at=datetime(2014, 12, 1, tzinfo=UTC))
    assert "after it ends" in f.message and f.line == line_of(path, "campaign")
    [f] = repo.findings("SP-META-004", at=datetime(2014, 8, 1, tzinfo=UTC))
    assert "before it starts" in f.message
    repo.post("x", publish_at=datetime(2020, 1, 1, tzinfo=UTC))  # no campaign: nothing to judge
    assert repo.findings("SP-META-004") == []


def test_meta004_unknown_campaign_is_only_file_002(repo: Repo) -> None:
    repo.post("x", campaign="nope", publish_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert repo.findings("SP-META-004") == []
    assert [f.rule for f in repo.findings("SP-FILE-002")] == ["SP-FILE-002"]


# === SP-META-005: links ==========================================================================


def test_meta005_allow_listed_links_pass(repo: Repo) -> None:
    repo.post(
        "Read LabTalk: https://www.astrazeneca-us.com/labtalk. Report side effects at www.fda.gov/medwatch "
        "or fda.gov/medwatch. Trials: https://clinicaltrials.gov/ct2/show/NCT0001 #LabTalk",
        channels=["tw", "fb"], link="https://www.astrazeneca-us.com/labtalk",
    )
    assert repo.findings("SP-META-005") == []


def test_meta005_shortener_in_text_with_position(repo: Repo) -> None:
    path = repo.post("More stories from our community: https://bit.ly/1rAZmbc.", channels=["tw", "fb"])
    findings = found(repo, "SP-META-005")
    assert channels_of(findings) == ["fb", "tw"]
    f = findings[0]
    assert f.excerpt == "https://bit.ly/1rAZmbc"  # without the sentence's full stop
    assert "URL shortener" in f.message
    text = path.read_text(encoding="utf-8").split("\n")
    assert f.line == len(text) and f.column == text[-1].index("https://bit.ly") + 1


@pytest.mark.parametrize(
    "url",
    ["https://bit.ly/x", "http://ow.ly/abc", "tinyurl.com/abc", "https://www.bit.ly/x", "HTTPS://GOO.GL/abc",
     "https://buff.ly/3abc", "https://t.co/abc"],
)
def test_meta005_shorteners(repo: Repo, url: str) -> None:
    repo.post(f"See {url} for more")
    [f] = found(repo, "SP-META-005")
    assert "shortener" in f.message and f.excerpt == url


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://www.astrazeneca-us.com/mbc", True),
        ("https://astrazeneca-us.com/mbc", True),  # "www.X" allowed: the bare X is the same site
        ("https://news.www.astrazeneca-us.com/x", True),  # subdomain of an allowed host
        ("https://careers.astrazeneca-us.com/x", False),  # sibling of www.: not listed
        ("https://www.astrazeneca-us.com.evil.example/x", False),
        ("https://notastrazeneca-us.com/x", False),
        ("https://www.astrazeneca-us.com@evil.example/x", False),  # the real host is evil.example
        ("https://www.astrazeneca-us.com:443/x", True),
        ("https://WWW.ASTRAZENECA-US.COM/x", True),
        ("https://accessdata.fda.gov/x", True),  # subdomain of the listed fda.gov
        ("https://www.example.org/mbc", False),
        ("example.org/mbc", False),
    ],
)
def test_meta005_hosts_and_subdomains(repo: Repo, url: str, allowed: bool) -> None:
    repo.post(f"Learn more at {url} today")
    findings = found(repo, "SP-META-005")
    assert (findings == []) is allowed, findings
    if not allowed:
        assert "allow_hosts" in findings[0].message


def test_meta005_link_field_thread_and_title(repo: Repo) -> None:
    path = repo.post(
        "Our science blog is live.", channels=["tw", "fb"], link="https://www.example.org/labtalk",
        tables='[twitter]\nthread = ["Second tweet: https://ow.ly/abc"]\n',
    )
    findings = found(repo, "SP-META-005")
    by_channel = {(f.channel, f.excerpt) for f in findings}
    assert by_channel == {
        ("tw", "https://www.example.org/labtalk"), ("tw", "https://ow.ly/abc"),
        ("fb", "https://www.example.org/labtalk"),
    }
    fb = next(f for f in findings if f.channel == "fb")
    assert fb.line == line_of(path, "link =")
    thread = next(f for f in findings if "ow.ly" in (f.excerpt or ""))
    assert thread.line == line_of(path, "thread")
    _video_post(repo, "Spend a day with us.")
    repo.post("A pin.", title="Visit careers.example.net", channels=["pin"], tables=PIN_TABLE,
              media=[{"path": "img.png", "alt": GOOD_ALT}])
    repo.write("posts/img.png", PNG)
    [f] = found(repo, "SP-META-005")
    assert f.channel == "pin" and f.excerpt == "careers.example.net"


def test_meta005_one_finding_per_url(repo: Repo) -> None:
    repo.post("https://bit.ly/a and again https://bit.ly/a and https://bit.ly/b")
    assert sorted(f.excerpt or "" for f in found(repo, "SP-META-005")) == ["https://bit.ly/a", "https://bit.ly/b"]


def test_meta005_require_https(repo: Repo) -> None:
    repo.post("Read http://www.astrazeneca-us.com/labtalk and https://www.astrazeneca-us.com/x")
    assert found(repo, "SP-META-005") == []  # require_https defaults to false
    allow = 'allow_hosts = ["www.astrazeneca-us.com"]\ndeny_hosts = ["bit.ly"]\nrequire_https = true'
    config_with(repo, links=allow)
    [f] = found(repo, "SP-META-005")
    assert f.excerpt == "http://www.astrazeneca-us.com/labtalk" and "https" in f.message
    repo.post("Read http://www.example.org/x")  # two reasons, one finding
    [f] = found(repo, "SP-META-005")
    assert "allow_hosts" in f.message and "require_https" in f.message


def test_meta005_empty_allow_list_applies_only_deny(repo: Repo) -> None:
    config_with(repo, links='deny_hosts = ["bit.ly", "evil.example"]')
    repo.post("See https://www.example.org/x, https://sub.evil.example/x, https://bit.ly/x and https://rb.gy/x")
    findings = found(repo, "SP-META-005")
    assert sorted(f.excerpt or "" for f in findings) == [
        "https://bit.ly/x", "https://rb.gy/x", "https://sub.evil.example/x"]
    assert any("deny_hosts (evil.example)" in f.message for f in findings)


def test_meta005_configured_allow_list_generalises(repo: Repo) -> None:
    config_with(repo, links='allow_hosts = ["zeltapharma.example", "www.nih.gov"]\n'
                'deny_hosts = ["lnk.example"]')
    repo.post("See https://www.zeltapharma.example/x, nih.gov/health and https://pi.zeltapharma.example/y")
    assert found(repo, "SP-META-005") == []
    repo.post("See https://www.astrazeneca-us.com/x and https://lnk.example/q")
    assert sorted(f.excerpt or "" for f in found(repo, "SP-META-005")) == [
        "https://lnk.example/q", "https://www.astrazeneca-us.com/x"]


def test_meta005_explicit_allow_overrides_builtin_shortener(repo: Repo) -> None:
    config_with(repo, links='allow_hosts = ["www.astrazeneca-us.com", "t.co"]\ndeny_hosts = ["bit.ly"]')
    repo.post("See https://t.co/abc")
    assert found(repo, "SP-META-005") == []


def test_meta005_file_names_and_alt_text_are_not_links(repo: Repo) -> None:
    repo.write("posts/img.png", PNG)
    repo.post("Download the poster (poster.pdf) or see photo.jpg. Node.js fans welcome. Approx. 3.5 mg.",
              media=[{"path": "img.png", "alt": "Poster that reads: visit bit.ly/strength today"}])
    assert found(repo, "SP-META-005") == []


# === SP-META-006: alt text =======================================================================


def _media_post(repo: Repo, alt: str | None, *, channels: list[str] | None = None, name: str = "photo.png",
                **front: Any) -> Path:
    repo.write(f"posts/{name}", PNG)
    entry: dict[str, Any] = {"path": name}
    if alt is not None:
        entry["alt"] = alt
    tables = PIN_TABLE if "pin" in (channels or []) else ""
    return repo.post("Our lab, today.", media=[entry], channels=channels or ["tw"], tables=tables, **front)


@pytest.mark.parametrize(
    "alt",
    [GOOD_ALT, "Chart of 2014 enrolment by quarter", "A nurse talks with a patient", "Woman, 52, smiling"],
)
def test_meta006_descriptions_pass(repo: Repo, alt: str) -> None:
    _media_post(repo, alt)
    assert repo.findings("SP-META-006") == []


@pytest.mark.parametrize(
    ("alt", "says"),
    [
        (None, "no alt text"),
        ("", "no alt text"),
        ("   ", "no alt text"),
        ("IMG_2041.png", "file name"),
        ("photo.jpg", "file name"),
        ("DSC0001", "file name"),
        ("DSC_00012345", "file name"),
        ("Screenshot 2014-09-01 at 10.00.00.png", "file name"),
        ("20140901_101500", "file name"),
        ("team-photo-final", "file name"),
        ("media/photo", "file name"),
        ("photo", "file name"),  # the media file's own stem
        ("placeholder", "placeholder"),
        ("A chart", "7 characters"),
        ("  Lab  ", "3 characters"),
    ],
)
def test_meta006_unusable_alt_text(repo: Repo, alt: str | None, says: str) -> None:
    path = _media_post(repo, alt, channels=["tw", "fb"])
    findings = found(repo, "SP-META-006")
    assert channels_of(findings) == ["fb", "tw"]
    f = findings[0]
    assert says in f.message and "photo.png" in f.message
    assert f.line == line_of(path, "media =")


def test_meta006_alt_named_after_the_file(repo: Repo) -> None:
    _media_post(repo, "mbc-strength-collage", name="mbc-strength-collage.png")
    [f] = found(repo, "SP-META-006")
    assert "file name" in f.message


@pytest.mark.parametrize(
    ("channel", "length", "fires"),
    [("tw", 1000, False), ("tw", 1001, True), ("pin", 500, False), ("pin", 501, True), ("fb", 3000, False)],
)
def test_meta006_channel_alt_limits(repo: Repo, channel: str, length: int, fires: bool) -> None:
    alt = ("A long description of the picture. " * 100)[:length]
    _media_post(repo, alt, channels=[channel])
    findings = found(repo, "SP-META-006")
    assert bool(findings) is fires
    if fires:
        assert f"{length:,} characters" in findings[0].message and findings[0].channel == channel


def test_meta006_per_channel_media_and_video(repo: Repo) -> None:
    repo.write("posts/photo.png", PNG)
    repo.write("posts/video.mp4", MP4)
    path = repo.post(
        "Our lab, today.", title="A day in our lab", channels=["tw", "fb", "yt"],
        media=[{"path": "photo.png", "alt": GOOD_ALT}],
        tables='[twitter]\nmedia = [{ path = "photo.png", alt = "IMG_1.png" }]\n'
        '[youtube]\nmedia = [{ path = "video.mp4" }]\n',
    )
    findings = found(repo, "SP-META-006")
    assert {(f.channel, f.line) for f in findings} == {
        ("tw", line_of(path, 'alt = "IMG_1.png"')), ("yt", line_of(path, "video.mp4"))}


def test_meta006_missing_file_is_only_file_002(repo: Repo) -> None:
    repo.post("Our lab, today.", media=[{"path": "nothere.png", "alt": "IMG_1.png"}])
    assert repo.findings("SP-META-006") == []
    assert [f.rule for f in repo.findings("SP-FILE-002")] == ["SP-FILE-002"]


# === SP-META-007: Form FDA 2253 ==================================================================


def test_meta007_branded_without_form_2253(repo: Repo) -> None:
    path = repo.post("x", post_type="branded", channels=["tw", "fb"])
    [f] = repo.findings("SP-META-007")
    assert f.severity == "warning" and f.channel is None and f.line == line_of(path, "post_type")
    path = repo.post("x", post_type="branded", form_2253=False)
    [f] = repo.findings("SP-META-007")
    assert f.line == line_of(path, "form_2253")
    repo.post("x", post_type="branded", form_2253=True)
    assert repo.findings("SP-META-007") == []
    for post_type in ("corporate", "unbranded_awareness", "careers", "reply", "correction"):
        repo.post("x", post_type=post_type)
        assert repo.findings("SP-META-007") == [], post_type


# === SP-META-008: content changed since approval ==================================================


def current_hash(repo: Repo, name: str = "post") -> str:
    config = load_config(repo.root / "channels.toml")
    [post] = load_posts(config, [repo.root / "posts" / f"{name}.md"]).posts
    return content_hash(Renderer(config).render(post))


def test_meta008_detects_text_and_media_changes(repo: Repo) -> None:
    media = [{"path": "photo.png", "alt": GOOD_ALT}]
    repo.write("posts/photo.png", PNG)
    repo.post("Our lab, today.", channels=["tw", "fb"], media=media)
    approved = current_hash(repo)
    path = repo.post("Our lab, today.", channels=["tw", "fb"], media=media, approved_sha256=approved)
    assert repo.findings("SP-META-008") == []

    # A text edit.
    repo.post("Our lab, today!", channels=["tw", "fb"], media=media, approved_sha256=approved)
    [f] = repo.findings("SP-META-008")
    assert f.channel is None and f.line == line_of(path, "approved_sha256") and f.blocking
    assert approved[:12] in f.message and current_hash(repo)[:12] in f.message
    assert "socialpub hash" in (f.hint or "")

    # Same text, but the image's bytes changed (still a PNG, same name).
    repo.post("Our lab, today.", channels=["tw", "fb"], media=media, approved_sha256=approved)
    assert repo.findings("SP-META-008") == []
    repo.write("posts/photo.png", PNG + b"\x00edited")
    assert len(repo.findings("SP-META-008")) == 1
    repo.write("posts/photo.png", PNG)
    assert repo.findings("SP-META-008") == []

    # A channel override counts too, as does a suppress entry (which has no effect).
    repo.post("Our lab, today.", channels=["tw", "fb"], media=media, approved_sha256=approved,
              tables='[facebook]\ntext = "Our lab, today. More soon."\n',
              suppress=[{"rule": "SP-META-008", "reason": "typo fix"}])
    [f] = repo.findings("SP-META-008")
    assert not f.suppressed


def test_meta008_only_when_approved_sha256_is_set(repo: Repo) -> None:
    repo.post("Our lab, today.")
    assert repo.findings("SP-META-008") == []


# === SP-CHANNEL-001: lengths =====================================================================

URL = "https://www.astrazeneca-us.com/labtalk/a/very/long/path/that/counts/as/twenty-three"


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("a" * 280, False),
        ("a" * 281, True),
        ("a" * 256 + " " + URL, False),  # 256 + 1 + 23 = 280
        ("a" * 257 + " " + URL, True),
        ("a" * 278 + "😀", False),  # an emoji counts 2
        ("a" * 279 + "😀", True),
        ("é" * 280, False),  # Latin-1 letters count 1
        ("漢" * 140, False),  # CJK counts 2
        ("漢" * 140 + "a", True),
    ],
)
def test_channel001_x_weighted_length(repo: Repo, text: str, fires: bool) -> None:
    path = repo.post(text, channels=["tw", "fb"])
    findings = found(repo, "SP-CHANNEL-001")
    assert bool(findings) is fires
    if fires:
        [f] = findings
        assert f.channel == "tw" and "281 weighted characters" in f.message and "280" in f.message
        assert f.line == line_of(path, text[:20])


def test_channel001_x_link_field_counts_as_url(repo: Repo) -> None:
    repo.post("a" * 256, link=URL)  # the link is appended to the tweet: 256 + 1 + 23
    assert found(repo, "SP-CHANNEL-001") == []
    repo.post("a" * 257, link=URL)
    assert len(found(repo, "SP-CHANNEL-001")) == 1


def test_channel001_thread_tweet_checked_on_its_own(repo: Repo) -> None:
    path = repo.post("First tweet.", tables=f'[twitter]\nthread = ["Fine.", "{"b" * 281}"]\n')
    [f] = found(repo, "SP-CHANNEL-001")
    assert f.message.startswith("tweet 3 is 281") and f.line == line_of(path, "thread")


def test_channel001_pinterest_title_and_description(repo: Repo) -> None:
    repo.write("posts/photo.png", PNG)
    media = [{"path": "photo.png", "alt": GOOD_ALT}]
    repo.post("d" * 500, title="t" * 100, channels=["pin"], tables=PIN_TABLE, media=media)
    assert found(repo, "SP-CHANNEL-001") == []
    path = repo.post("d" * 501, title="t" * 101, channels=["pin"], tables=PIN_TABLE, media=media)
    findings = found(repo, "SP-CHANNEL-001")
    assert sorted(f.message.split(" is ")[0] for f in findings) == ["description", "title"]
    title = next(f for f in findings if f.message.startswith("title"))
    assert title.channel == "pin" and title.line == line_of(path, "title =") and "101" in title.message


def test_channel001_youtube_title_and_facebook(repo: Repo) -> None:
    repo.write("posts/video.mp4", MP4)
    tables = f'[youtube]\nmedia = [{{ path = "video.mp4", alt = "{GOOD_ALT}" }}]\n'
    repo.post("x", title="t" * 101, channels=["yt"], tables=tables)
    [f] = found(repo, "SP-CHANNEL-001")
    assert f.channel == "yt" and f.message.startswith("title is 101")
    repo.post("x", channels=["yt"], tables=tables)  # no title at all
    [f] = found(repo, "SP-CHANNEL-001")
    assert "needs a title" in f.message
    repo.post("w " * 31_603 + "w", channels=["fb"])  # 63,207 characters
    [f] = found(repo, "SP-CHANNEL-001")
    assert f.channel == "fb" and "63,207" in f.message


# === SP-CHANNEL-002: media =======================================================================


def test_channel002_youtube_needs_exactly_one_video(repo: Repo) -> None:
    repo.write("posts/photo.png", PNG)
    media = [{"path": "photo.png", "alt": GOOD_ALT}]
    path = repo.post("x", title="A video", channels=["yt", "tw"], media=media)
    [f] = found(repo, "SP-CHANNEL-002")
    assert f.channel == "yt" and "exactly one video" in f.message and f.line == line_of(path, "media =")
    repo.post("x", title="A video", channels=["yt"])  # no media at all
    [f] = found(repo, "SP-CHANNEL-002")
    assert "exactly one video" in f.message
    _video_post(repo, "Spend a day with us.")
    assert found(repo, "SP-CHANNEL-002") == []


def test_channel002_pinterest_video_needs_a_thumbnail(repo: Repo) -> None:
    repo.write("posts/video.mp4", MP4)
    repo.write("posts/cover.png", PNG)
    media = [{"path": "video.mp4", "alt": GOOD_ALT}]
    path = repo.post("x", title="Pin", channels=["pin"], media=media, tables=PIN_TABLE)
    [f] = found(repo, "SP-CHANNEL-002")
    assert f.channel == "pin" and "cover image" in f.message and f.line == line_of(path, "media =")
    repo.post("x", title="Pin", channels=["pin"], media=media, tables=PIN_TABLE + 'thumbnail = "cover.png"\n')
    assert found(repo, "SP-CHANNEL-002") == []
    repo.post("x", title="Pin", channels=["pin"], tables=PIN_TABLE)
    [f] = found(repo, "SP-CHANNEL-002")
    assert "needs an image or a video" in f.message


def test_channel002_x_at_most_four_images(repo: Repo) -> None:
    for i in range(5):
        repo.write(f"posts/p{i}.png", PNG)
    media = [{"path": f"p{i}.png", "alt": f"{GOOD_ALT}, view {i}"} for i in range(5)]
    path = repo.post("x", channels=["tw", "fb"], tables="[twitter]\nmedia = " + _toml(media) + "\n")
    [f] = found(repo, "SP-CHANNEL-002")
    assert f.channel == "tw" and "5 images" in f.message and "at most 4" in f.message
    assert f.line == line_of(path, "[twitter]") + 1  # the override's own media line
    repo.post("x", channels=["tw"], media=media[:4])
    assert found(repo, "SP-CHANNEL-002") == []


def _toml(value: Any) -> str:
    from tests.helpers import toml_value

    return toml_value(value)


def test_catalogue_entries() -> None:
    expected = {
        "SP-META-001": ("approval-code", "error", "post", False),
        "SP-META-002": ("approval-expired", "error", "post", False),
        "SP-META-003": ("approval-expiring", "warning", "post", True),
        "SP-META-004": ("outside-campaign", "error", "post", True),
        "SP-META-005": ("link-not-allowed", "error", "channel", True),
        "SP-META-006": ("alt-text", "error", "channel", True),
        "SP-META-007": ("form-2253", "warning", "post", True),
        "SP-META-008": ("changed-since-approval", "error", "post", False),
    }
    for rule_id, (name, level, scope, suppressible) in expected.items():
        r = RULES[rule_id]
        assert (r.name, r.level, r.scope, r.suppressible) == (name, level, scope, suppressible), rule_id
