"""Post files (README, "Posts"): `.md` with `+++` front matter and `.toml` with `text`, as the loader reads them.

Every broken file must become an SP-FILE-001/002 finding that names the file (and the line where there is
one), never an exception: `check` reports every broken file in one run (README, exit codes).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialpub.check import CheckResult
from socialpub.media import sniff
from socialpub.posts import Post
from socialpub.rules import Finding
from tests.helpers import BASE_CONFIG, MP4, PNG, Repo

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
SHA = "0123456789abcdef" * 4

# Two lines every valid post needs; with "+++" on line 1 they are lines 2 and 3 of a .md file.
FRONT = 'channels = ["tw"]\npost_type = "corporate"\n'


def md(extra: str = "", body: str = "Hello from the tests.", front: str = FRONT) -> str:
    """A .md post: '+++' on line 1, FRONT on lines 2-3, then `extra` from line 4."""
    return "+++\n" + front + extra + "+++\n" + body


def file_findings(result: CheckResult, file: str | None = None) -> list[Finding]:
    return [f for f in result.findings if f.rule.startswith("SP-FILE") and (file is None or f.file == file)]


def posts_of(result: CheckResult) -> dict[str, Post]:
    return {r.post.id: r.post for r in result.reports}


def one(findings: list[Finding], rule: str | None = None) -> Finding:
    chosen = [f for f in findings if rule is None or f.rule == rule]
    assert len(chosen) == 1, [f"{f.rule} {f.line} {f.message}" for f in findings]
    return chosen[0]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text")


def renders_by_channel(result: CheckResult, post_id: str) -> dict[str, object]:
    report = next(r for r in result.reports if r.post.id == post_id)
    return {r.channel.name: r for r in report.renders}


# --- every field of a post file ---------------------------------------------------------------------

FULL_FRONT = f"""\
id = "mbc-strength-2014"
title = "Share your #MBCStrength"
channels = ["tw", "fb", "yt", "pin"]
post_type = "unbranded_awareness"
campaign = "mbc"
publish_at = 2014-09-15T10:00:00-04:00
approval_code = "3001314  Last Updated 6/14"
approval_status = "approved"
approved_sha256 = "{SHA}"
form_2253 = false
author_type = "company"
sponsored = false
consent_ref = "CONSENT-17"
claims_refs = ["REF-1", "REF-2"]
in_reply_to_text = "What is MBC?"
link = "https://www.example.com/mbc"
media = [{{ path = "media/collage.png", alt = "Women with signs saying strength", depicts_patient = false }}]
suppress = [{{ rule = "SP-CHANNEL-001", reason = "MLR accepted wording", mlr_ref = "MLR-2014-0456" }}]

[twitter]
text = "Short version for X #MBCStrength"
thread = ["second tweet", "third tweet"]

[youtube]
media = [{{ path = "media/video.mp4", alt = "A short video" }}]
tags = ["metastatic breast cancer", "MBCStrength"]
privacy = "public"
category = "29"

[pinterest]
board = "Internships and Students"
"""


def _check_full(post: Post, file: str) -> None:
    assert post.id == "mbc-strength-2014"
    assert post.file == file
    assert post.title == "Share your #MBCStrength"
    assert post.channels == ("tw", "fb", "yt", "pin")
    assert post.post_type == "unbranded_awareness"
    assert post.campaign == "mbc"
    assert post.publish_at == datetime(2014, 9, 15, 14, 0, tzinfo=UTC)
    assert post.publish_at is not None and post.publish_at.utcoffset() == timedelta(hours=-4)
    assert post.approval_code == "3001314  Last Updated 6/14"
    assert post.approval_status == "approved"
    assert post.approved_sha256 == SHA
    assert post.form_2253 is False
    assert post.author_type == "company"
    assert post.sponsored is False
    assert post.consent_ref == "CONSENT-17"
    assert post.claims_refs == ("REF-1", "REF-2")
    assert post.in_reply_to_text == "What is MBC?"
    assert post.link == "https://www.example.com/mbc"
    (image,) = post.media
    assert image.path == "media/collage.png"
    assert image.alt == "Women with signs saying strength"
    assert image.depicts_patient is False
    assert image.mime == "image/png" and image.problem is None and image.file is not None
    (waiver,) = post.suppress
    assert (waiver.rule, waiver.reason, waiver.mlr_ref) == (
        "SP-CHANNEL-001",
        "MLR accepted wording",
        "MLR-2014-0456",
    )
    assert post.overrides["twitter"]["text"] == "Short version for X #MBCStrength"
    assert post.overrides["twitter"]["thread"] == ["second tweet", "third tweet"]
    assert post.overrides["youtube"]["tags"] == ["metastatic breast cancer", "MBCStrength"]
    assert post.overrides["youtube"]["privacy"] == "public"
    assert post.overrides["youtube"]["category"] == "29"
    (video,) = post.overrides["youtube"]["media"]
    assert video.mime == "video/mp4"
    assert post.overrides["pinterest"]["board"] == "Internships and Students"


def test_md_post_loads_every_field(repo: Repo) -> None:
    repo.write("posts/media/collage.png", PNG)
    repo.write("posts/media/video.mp4", MP4)
    text = "+++\n" + FULL_FRONT + "+++\nMore than 173,000 women in the United States are living with MBC.\n"
    repo.write("posts/full.md", text)
    result = repo.check()
    assert file_findings(result) == []
    post = posts_of(result)["mbc-strength-2014"]
    _check_full(post, "posts/full.md")
    assert post.text == "More than 173,000 women in the United States are living with MBC."  # no final newline
    assert post.text_source.line == line_of(text, "More than")
    renders = renders_by_channel(result, "mbc-strength-2014")
    assert renders["pin"].board_id == "549755885177"  # type: ignore[attr-defined]
    assert renders["yt"].options["privacy"] == "public"  # type: ignore[attr-defined]
    assert [p.text for p in renders["tw"].parts][1:] == ["second tweet", "third tweet"]  # type: ignore[attr-defined]


def test_toml_post_loads_every_field_with_text_key(repo: Repo) -> None:
    repo.write("posts/media/collage.png", PNG)
    repo.write("posts/media/video.mp4", MP4)
    head, tables = FULL_FRONT.split("\n[twitter]\n")
    text = head + 'text = """\nMore than 173,000 women.\nSecond line."""\n\n[twitter]\n' + tables
    repo.write("posts/full.toml", text)
    result = repo.check()
    assert file_findings(result) == []
    post = posts_of(result)["mbc-strength-2014"]
    _check_full(post, "posts/full.toml")
    assert post.text == "More than 173,000 women.\nSecond line."
    assert post.text_source.line == line_of(text, 'text = """')


def test_toml_post_without_text_is_an_error(repo: Repo) -> None:
    repo.write("posts/no-text.toml", FRONT)
    finding = one(file_findings(repo.check(), "posts/no-text.toml"))
    assert finding.rule == "SP-FILE-001" and "'text' is required" in finding.message


def test_md_post_may_carry_its_text_in_overrides_only(repo: Repo) -> None:
    repo.write("posts/empty-body.md", md('[twitter]\ntext = "Only on X"\n', body=""))
    result = repo.check()
    assert file_findings(result) == []
    assert renders_by_channel(result, "empty-body")["tw"].text == "Only on X"  # type: ignore[attr-defined]


# --- ids ------------------------------------------------------------------------------------------


def test_id_defaults_to_the_file_stem(repo: Repo) -> None:
    repo.write("posts/hello-world.md", md())
    repo.write("posts/sub/folder/other.toml", FRONT + 'text = "x"\n')
    posts = posts_of(repo.check())
    assert set(posts) == {"hello-world", "other"}
    assert posts["other"].file == "posts/sub/folder/other.toml"


def test_duplicate_ids_are_an_error_naming_both_files(repo: Repo) -> None:
    repo.write("posts/a.md", md('id = "same"\n'))
    repo.write("posts/b.md", md('\nid = "same"\n'))
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-001"
    assert finding.file == "posts/b.md" and finding.line == 5
    assert "posts/a.md" in finding.message and finding.message.startswith("id:")
    assert list(posts_of(result)) == ["same"]  # the first one is still checked


def test_a_default_id_can_collide_with_another_file(repo: Repo) -> None:
    repo.write("posts/a.md", md())
    repo.write("posts/sub/a.toml", FRONT + 'text = "x"\n')
    finding = one(file_findings(repo.check()))
    assert finding.rule == "SP-FILE-001" and "already used" in finding.message


def test_an_unusable_id_is_an_error(repo: Repo) -> None:
    repo.write("posts/a.md", md('id = "has spaces"\n'))
    finding = one(file_findings(repo.check()))
    assert finding.rule == "SP-FILE-001" and finding.line == 4


# --- publish_at -------------------------------------------------------------------------------------


def test_offset_datetime_is_kept_with_its_offset(repo: Repo) -> None:
    repo.write("posts/a.md", md("publish_at = 2014-09-15T10:00:00+02:00\n"))
    post = posts_of(repo.check())["a"]
    assert post.publish_at == datetime(2014, 9, 15, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    assert post.publish_at is not None and post.publish_at.utcoffset() == timedelta(hours=2)


def test_utc_datetime_is_kept(repo: Repo) -> None:
    repo.write("posts/a.md", md("publish_at = 2014-09-15T10:00:00Z\n"))
    assert posts_of(repo.check())["a"].publish_at == datetime(2014, 9, 15, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2014-09-15T10:00:00", datetime(2014, 9, 15, 14, 0, tzinfo=UTC)),  # EDT, UTC-4
        ("2014-12-15T10:00:00", datetime(2014, 12, 15, 15, 0, tzinfo=UTC)),  # EST, UTC-5
        ("2014-11-02T03:30:00", datetime(2014, 11, 2, 8, 30, tzinfo=UTC)),  # just after the change back
        ("2014-03-09T03:30:00", datetime(2014, 3, 9, 7, 30, tzinfo=UTC)),  # just after the gap
    ],
)
def test_local_datetime_is_read_in_the_default_timezone(repo: Repo, local: str, utc: datetime) -> None:
    repo.write("posts/a.md", md(f"publish_at = {local}\n"))
    result = repo.check()
    assert file_findings(result) == []
    moment = posts_of(result)["a"].publish_at
    assert moment is not None and moment.tzinfo is not None
    assert moment == utc
    assert moment.tzinfo == ZoneInfo("America/New_York")


def test_local_datetime_follows_the_configured_timezone(repo: Repo) -> None:
    repo.write_config(base=BASE_CONFIG.replace("America/New_York", "Europe/London"))
    repo.write("posts/a.md", md("publish_at = 2014-09-15T10:00:00\n"))
    assert posts_of(repo.check())["a"].publish_at == datetime(2014, 9, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "words"),
    [
        ("2014-11-02T01:30:00", "happens twice"),  # the clocks go back 02:00 EDT -> 01:00 EST
        ("2014-03-09T02:30:00", "does not exist"),  # the clocks skip 02:00-03:00
    ],
)
def test_dst_ambiguous_or_missing_local_time_is_an_error(repo: Repo, local: str, words: str) -> None:
    text = md(f'title = "x"\npublish_at = {local}\n')
    repo.write("posts/dst.md", text)
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-001"
    assert finding.file == "posts/dst.md"
    assert finding.line == 5 == line_of(text, "publish_at")
    assert finding.message.startswith("publish_at:")
    assert words in finding.message and "America/New_York" in finding.message
    assert finding.hint and "offset" in finding.hint
    assert posts_of(result) == {}


def test_dst_time_with_an_offset_is_fine(repo: Repo) -> None:
    repo.write("posts/a.md", md("publish_at = 2014-11-02T01:30:00-05:00\n"))
    assert posts_of(repo.check())["a"].publish_at == datetime(2014, 11, 2, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ('"2014-09-15T10:00:00-04:00"', "is a string"),
        ('"2014-09-15"', "is a string"),
        ("2014-09-15", "time of day"),
        ("10:00:00", "date"),
    ],
)
def test_publish_at_that_is_not_a_datetime_is_an_error_with_a_hint(
    repo: Repo, value: str, words: str
) -> None:
    repo.write("posts/a.md", md(f"publish_at = {value}\n"))
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-001" and finding.line == 4
    assert finding.message.startswith("publish_at:") and words in finding.message
    assert finding.hint and "2014-09-15T10:00:00" in finding.hint
    assert posts_of(result) == {}


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59"]
)
def test_publish_at_that_utc_cannot_express_is_an_error(repo: Repo, value: str) -> None:
    repo.write("posts/a.md", md(f'campaign = "mbc"\npublish_at = {value}\n'))
    result = repo.check()  # the rules convert publish_at to UTC and to [defaults].timezone
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-001" and finding.line == 5 and "out of range" in finding.message
    assert finding.hint


def test_publish_at_in_year_one_local_time_loads(repo: Repo) -> None:
    repo.write("posts/a.md", md("publish_at = 0001-01-01T12:00:00\n"))
    assert posts_of(repo.check())["a"].publish_at == datetime(
        1, 1, 1, 12, 0, tzinfo=ZoneInfo("America/New_York")
    )


def test_a_series_of_posts_with_their_own_publish_at(repo: Repo) -> None:
    for n in range(1, 4):
        repo.write(
            f"posts/chat/q{n}.md", md(f"publish_at = 2014-08-13T13:0{n}:00-04:00\n", body=f"Q{n} #rxsave")
        )
    posts = posts_of(repo.check())
    assert sorted(p.publish_at for p in posts.values()) == [  # type: ignore[type-var]
        datetime(2014, 8, 13, 17, n, tzinfo=UTC) for n in range(1, 4)
    ]


# --- overrides ------------------------------------------------------------------------------------

TWO_TWITTERS = """
[channels.tw2]
kind = "twitter"
api_key = "env:TW2_KEY"
api_secret = "env:TW2_SECRET"
access_token = "env:TW2_TOKEN"
access_secret = "env:TW2_TOKEN_SECRET"
"""


def test_channel_table_wins_over_kind_table_over_body(repo: Repo) -> None:
    repo.write_config(TWO_TWITTERS)
    text = md(
        '[twitter]\ntext = "for every X account"\n[tw]\ntext = "for tw only"\n',
        body="the body, for Facebook",
        front='channels = ["tw", "tw2", "fb"]\npost_type = "corporate"\n',
    )
    repo.write("posts/a.md", text)
    result = repo.check()
    assert file_findings(result) == []
    renders = renders_by_channel(result, "a")
    assert renders["tw"].text == "for tw only"  # type: ignore[attr-defined]
    assert renders["tw2"].text == "for every X account"  # type: ignore[attr-defined]
    assert renders["fb"].text == "the body, for Facebook"  # type: ignore[attr-defined]
    post = posts_of(result)["a"]
    assert post.value("tw", "twitter", "text")[1].line == line_of(text, '"for tw only"')  # type: ignore[union-attr]
    assert post.value("tw2", "twitter", "text")[1].line == line_of(text, '"for every X')  # type: ignore[union-attr]


def test_override_for_a_channel_the_post_does_not_list_is_an_error(repo: Repo) -> None:
    repo.write("posts/a.md", md('[fb]\ntext = "x"\n'))
    finding = one(file_findings(repo.check()))
    assert finding.rule == "SP-FILE-001" and finding.line == 4 and "fb" in finding.message


def test_pinterest_board_picks_the_board_id(repo: Repo) -> None:
    repo.write("posts/media/pin.png", PNG)
    repo.write(
        "posts/pin.md",
        md(
            '[pinterest]\nboard = "US Military Veterans"\n',
            front='channels = ["pin"]\npost_type = "careers"\n'
            'media = [{ path = "media/pin.png", alt = "A pin" }]\n',
        ),
    )
    result = repo.check()
    assert file_findings(result) == []
    render = renders_by_channel(result, "pin")["pin"]
    assert (render.board, render.board_id) == ("US Military Veterans", "549755885178")  # type: ignore[attr-defined]


def test_unknown_board_is_sp_file_002_with_did_you_mean_and_the_post_is_still_checked(repo: Repo) -> None:
    text = md(
        '[pinterest]\nboard = "Internship and Students"\n',
        front='channels = ["pin"]\npost_type = "careers"\n',
    )
    repo.write("posts/pin.md", text)
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-002" and finding.file == "posts/pin.md"
    assert finding.line == line_of(text, "board =")
    assert finding.hint and "Internships and Students" in finding.hint
    assert "pin" in posts_of(result)


def test_twitter_thread_renders_one_part_per_tweet(repo: Repo) -> None:
    text = md('[twitter]\nthread = [\n  "second tweet",\n  "third tweet",\n]\n', body="first tweet")
    repo.write("posts/chat.md", text)
    result = repo.check()
    assert file_findings(result) == []
    parts = renders_by_channel(result, "chat")["tw"].parts  # type: ignore[attr-defined]
    assert [p.text for p in parts] == ["first tweet", "second tweet", "third tweet"]
    assert parts[1].source.line == line_of(text, "thread =")


def test_thread_of_the_wrong_type_is_an_error(repo: Repo) -> None:
    repo.write("posts/chat.md", md('[twitter]\nthread = ["ok", 2]\n'))
    finding = one(file_findings(repo.check()))
    assert (
        finding.rule == "SP-FILE-001" and finding.line == 5 and finding.message.startswith("twitter.thread:")
    )


# --- unknown keys (SP-FILE-001) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "key", "guess"),
    [
        ("publsh_at = 2014-09-15T10:00:00Z\n", "publsh_at", "publish_at"),
        ('[twitter]\ntxt = "x"\n', "twitter.txt", "text"),
        ('[tw]\nthred = ["x"]\n', "tw.thred", "thread"),
        ('media = [{ path = "media/a.png", atl = "x" }]\n', "media[1].atl", "alt"),
        (
            'suppress = [{ rule = "SP-CHANNEL-001", reason = "r", mlr_rf = "M-1" }]\n',
            "suppress[1].mlr_rf",
            "mlr_ref",
        ),
        (
            '[twitter]\nmedia = [{ path = "media/a.png", alt = "x", depicts_patien = true }]\n',
            "twitter.media[1].depicts_patien",
            "depicts_patient",
        ),
    ],
)
def test_unknown_key_names_file_line_key_and_a_close_match(
    repo: Repo, extra: str, key: str, guess: str
) -> None:
    repo.write("posts/media/a.png", PNG)
    text = md(extra)
    repo.write("posts/a.md", text)
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-001"
    assert finding.file == "posts/a.md"
    assert finding.line == len(text.split("\n")) - 2  # the last line of `extra`
    assert finding.message == f"{key}: unknown key"
    assert finding.hint == f"did you mean '{guess}'?"
    assert posts_of(result) == {}


def test_unknown_key_without_a_close_match_lists_the_known_keys(repo: Repo) -> None:
    repo.write("posts/a.md", md("zzzz = 1\n"))
    finding = one(file_findings(repo.check()))
    assert finding.message == "zzzz: unknown key" and finding.hint and "publish_at" in finding.hint


def test_text_key_in_a_toml_post_but_body_key_is_unknown(repo: Repo) -> None:
    repo.write("posts/a.toml", FRONT + 'body = "x"\ntext = "y"\n')
    finding = one(file_findings(repo.check()))
    assert finding.message == "body: unknown key" and finding.line == 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("title = { x = 1 }\n", "title: must be a string, not a table"),
        ('media = { path = "a.png" }\n', "media: must be an array, not a table"),
        ('media = ["a.png"]\n', "media: item 1 must be a table, not a string"),
        ('link = "ftp://example.com/x"\n', "link: 'ftp://example.com/x' is not an http(s) URL"),
        ('sponsored = "no"\n', "sponsored: must be true or false, not a string"),
        ("form_2253 = 1\n", "form_2253: must be true or false, not an integer"),
        ("claims_refs = [1]\n", "claims_refs: item 1 must be a string, not an integer"),
        ('claims_refs = "REF-1"\n', "claims_refs: must be an array, not a string"),
        (
            'approved_sha256 = "ABC"\n',
            "approved_sha256: must be 64 lowercase hex digits (see `socialpub hash POST`)",
        ),
        ('author_type = "robot"\n', None),
        ("publish_at = [2014-09-15T10:00:00Z]\n", None),
        ("[twitter]\ntext = 5\n", "twitter.text: must be a string, not an integer"),
        ('[youtube]\nprivacy = "secret"\n', None),
    ],
)
def test_values_of_the_wrong_type_or_choice_are_sp_file_001(
    repo: Repo, extra: str, message: str | None
) -> None:
    text = md(extra, front='channels = ["tw", "yt"]\npost_type = "corporate"\n')
    repo.write("posts/a.md", text)
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-001"
    assert finding.line == len(text.split("\n")) - 2  # the last line of `extra`
    if message:
        assert finding.message == message
    assert posts_of(result) == {}


@pytest.mark.parametrize(
    ("front", "line"),
    [
        ('channels = []\npost_type = "corporate"\n', 2),
        ('channels = "tw"\npost_type = "corporate"\n', 2),
        ('channels = ["tw", "fb", "tw"]\npost_type = "corporate"\n', 2),
        ('channels = ["tw"]\npost_type = 1\n', 3),
    ],
)
def test_channels_and_post_type_must_be_usable(repo: Repo, front: str, line: int) -> None:
    repo.write("posts/a.md", md(front=front))
    finding = one(file_findings(repo.check()))
    assert finding.rule == "SP-FILE-001" and finding.line == line


def test_post_type_choice_error_has_did_you_mean(repo: Repo) -> None:
    repo.write("posts/a.md", md(front='channels = ["tw"]\npost_type = "brandd"\n'))
    finding = one(file_findings(repo.check()))
    assert "did you mean 'branded'" in finding.message and finding.line == 3


def test_missing_required_keys_are_reported_together(repo: Repo) -> None:
    repo.write("posts/a.md", md(front='title = "x"\n'))
    findings = file_findings(repo.check())
    assert {f.message for f in findings} == {"'channels' is required", "'post_type' is required"}
    assert all(f.rule == "SP-FILE-001" and f.file == "posts/a.md" for f in findings)


def test_every_problem_of_a_file_is_reported(repo: Repo) -> None:
    text = md(
        'title = "T"\n# comment\n\nlink = "https://www.fda.gov"\npublsh_at = 2014-09-15T10:00:00Z\n'
        'media = [\n  { path = "media/nope.png", alt = "x" },\n]\ncampaign = "nope"\n[twitter]\ntxt = "x"\n'
    )
    repo.write("posts/many.md", text)
    found = {(f.rule, f.line, f.message.split(":")[0]) for f in file_findings(repo.check())}
    assert found == {
        ("SP-FILE-001", line_of(text, "publsh_at"), "publsh_at"),
        ("SP-FILE-001", line_of(text, "txt ="), "twitter.txt"),
        ("SP-FILE-002", line_of(text, "media = ["), "media[1].path"),
        ("SP-FILE-002", line_of(text, "campaign"), "campaign"),
    }


# --- unknown references (SP-FILE-002, and only that) -----------------------------------------------------


def test_unknown_channel_is_sp_file_002_only_and_the_post_is_still_checked(repo: Repo) -> None:
    text = md(front='channels = ["tw", "az-us-twiter"]\npost_type = "corporate"\n')
    repo.write("posts/a.md", text)
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-002" and finding.line == 2
    assert finding.message == "channels[2]: unknown channel 'az-us-twiter'"
    post = posts_of(result)["a"]
    assert post.channels == ("tw",)
    assert list(renders_by_channel(result, "a")) == ["tw"]


def test_a_post_with_an_unknown_reference_is_still_checked_by_the_rules(repo: Repo) -> None:
    text = md(
        'campaign = "nope"\n', body="word " * 80, front='channels = ["tw", "nope"]\npost_type = "corporate"\n'
    )
    repo.write("posts/a.md", text)
    result = repo.check()
    assert {f.rule for f in file_findings(result)} == {"SP-FILE-002"}
    too_long = [f for f in result.findings if f.rule == "SP-CHANNEL-001"]
    assert [f.channel for f in too_long] == ["tw"]


def test_unknown_channel_close_to_a_real_one_gets_did_you_mean(repo: Repo) -> None:
    repo.write("posts/a.md", md(front='channels = ["fbb"]\npost_type = "corporate"\n'))
    finding = one(file_findings(repo.check()))
    assert finding.hint == "did you mean 'fb'?"


def test_unknown_campaign_is_sp_file_002_only(repo: Repo) -> None:
    repo.write("posts/a.md", md('campaign = "mbcc"\n'))
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-002" and finding.line == 4 and finding.hint == "did you mean 'mbc'?"
    assert posts_of(result)["a"].campaign is None


@pytest.mark.parametrize(("table", "guess"), [("twiter", "twitter"), ("t-w", "tw"), ("zzz", None)])
def test_unknown_override_table_is_sp_file_002_only(repo: Repo, table: str, guess: str | None) -> None:
    repo.write("posts/a.md", md(f'title = "x"\n[{table}]\ntext = "x"\n'))
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-002" and finding.line == 5 and finding.file == "posts/a.md"
    if guess:
        assert finding.hint == f"did you mean '{guess}'?"
    assert "a" in posts_of(result)


@pytest.mark.parametrize(
    ("extra", "rule", "line", "message"),
    [
        ('title = "x"\ntwiter.text = "x"\n', "SP-FILE-002", 5, "twiter: [twiter] is neither"),
        ('title = "x"\ntwitter.txt = "x"\n', "SP-FILE-001", 5, "twitter.txt: unknown key"),
        ('[twitter]\ntext = "x"\n[twitter.more]\nx = 1\n', "SP-FILE-001", 6, "twitter.more: unknown key"),
        ("[tw]\nthread.x = 1\n", "SP-FILE-001", 5, "tw.thread: must be an array, not a table"),
    ],
)
def test_dotted_keys_and_subtables_have_their_line(
    repo: Repo, extra: str, rule: str, line: int, message: str
) -> None:
    repo.write("posts/a.md", md(extra))
    finding = one(file_findings(repo.check()))
    assert (finding.rule, finding.line) == (rule, line) and finding.message.startswith(message)


# --- media ----------------------------------------------------------------------------------------------


def _media_post(repo: Repo, path: str, name: str = "m") -> str:
    text = md(f'title = "x"\nmedia = [{{ path = "{path}", alt = "An image" }}]\n')
    repo.write(f"posts/{name}.md", text)
    return text


def _media_problem(repo: Repo, path: str, words: str) -> None:
    text = _media_post(repo, path)
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-002"
    assert finding.file == "posts/m.md"
    assert finding.line == line_of(text, "media =") == 5
    assert finding.message.startswith("media[1].path: ") and words in finding.message
    post = posts_of(result)["m"]  # still checked for everything else
    assert post.media[0].problem and post.media[0].file is None


def test_missing_media_file(repo: Repo) -> None:
    _media_problem(repo, "media/nope.png", "does not exist")


def test_media_escaping_the_repository_with_dotdot(repo: Repo) -> None:
    (repo.root.parent / "outside.png").write_bytes(PNG)
    _media_problem(repo, "../../outside.png", "leaves the repository")


def test_media_symlink_pointing_outside_the_repository(repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG)
    (repo.root / "posts" / "media").mkdir(parents=True)
    os.symlink(outside, repo.root / "posts" / "media" / "link.png")
    _media_problem(repo, "media/link.png", "leaves the repository")


def test_media_symlinked_folder_pointing_outside_the_repository(repo: Repo, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.png").write_bytes(PNG)
    os.symlink(tmp_path / "elsewhere", repo.root / "posts" / "shared")
    _media_problem(repo, "shared/x.png", "leaves the repository")


def test_media_symlink_inside_the_repository_is_fine(repo: Repo) -> None:
    repo.write("assets/real.png", PNG)
    (repo.root / "posts" / "media").mkdir(parents=True)
    os.symlink(repo.root / "assets" / "real.png", repo.root / "posts" / "media" / "link.png")
    _media_post(repo, "media/link.png")
    result = repo.check()
    assert file_findings(result) == []
    assert posts_of(result)["m"].media[0].mime == "image/png"


def test_media_absolute_path(repo: Repo) -> None:
    real = repo.write("posts/media/real.png", PNG)
    _media_problem(repo, real.as_posix(), "absolute")


def test_media_folder_is_not_a_file(repo: Repo) -> None:
    (repo.root / "posts" / "media").mkdir(parents=True)
    _media_problem(repo, "media", "not a file")


def test_media_whose_bytes_are_not_an_image(repo: Repo) -> None:
    repo.write("posts/media/fake.png", "this is text, not a PNG\n")
    _media_problem(repo, "media/fake.png", "not an image or video")


def test_media_empty_file(repo: Repo) -> None:
    repo.write("posts/media/empty.png", b"")
    _media_problem(repo, "media/empty.png", "not an image or video")


def test_media_path_with_a_nul_character(repo: Repo) -> None:
    repo.write("posts/media/a.png", PNG)  # the folder exists: the path is resolved up to the NUL
    _media_problem(repo, "media/a\\u0000b.png", "not a usable file name")


def test_media_problem_in_an_override_table_names_its_line(repo: Repo) -> None:
    text = md('[twitter]\nmedia = [{ path = "nope.mp4", alt = "x" }]\n')
    repo.write("posts/a.md", text)
    finding = one(file_findings(repo.check()))
    assert finding.rule == "SP-FILE-002" and finding.line == 5
    assert finding.message.startswith("twitter.media[1].path:")


def test_missing_thumbnail_is_sp_file_002(repo: Repo) -> None:
    repo.write(
        "posts/a.md",
        md('[youtube]\nthumbnail = "nope.png"\n', front='channels = ["yt"]\npost_type = "corporate"\n'),
    )
    finding = one(file_findings(repo.check()))
    assert finding.rule == "SP-FILE-002" and finding.line == 5 and "nope.png" in finding.message


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("real.png", PNG, "image/png"),
        ("photo.png", JPEG, "image/jpeg"),  # the bytes decide, not the name
        ("photo.jpg", JPEG, "image/jpeg"),
        ("clip.jpg", MP4, "video/mp4"),
        ("clip.mp4", MP4, "video/mp4"),
        ("noext", PNG, "image/png"),
    ],
)
def test_media_type_is_sniffed_from_the_bytes(repo: Repo, name: str, content: bytes, mime: str) -> None:
    repo.write(f"posts/media/{name}", content)
    _media_post(repo, f"media/{name}")
    result = repo.check()
    assert file_findings(result) == []
    (media,) = posts_of(result)["m"].media
    assert media.mime == mime and media.problem is None


def test_media_paths_are_relative_to_the_post_file(repo: Repo) -> None:
    repo.write("posts/media/x.png", PNG)
    repo.write("posts/careers/p.md", md('media = [{ path = "../media/x.png", alt = "An image" }]\n'))
    result = repo.check()
    assert file_findings(result) == []
    assert posts_of(result)["p"].media[0].file == (repo.root / "posts/media/x.png").resolve()


def test_sniff_knows_the_documented_types() -> None:
    assert sniff(PNG) == "image/png"
    assert sniff(JPEG) == "image/jpeg"
    assert sniff(b"GIF89a" + b"\x00" * 10) == "image/gif"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(MP4) == "video/mp4"
    assert sniff(b"\x00\x00\x00\x14ftypqt  \x00\x00") == "video/quicktime"
    assert sniff(b"\x1a\x45\xdf\xa3" + b"\x00" * 12) == "video/webm"
    assert sniff(b"%PDF-1.4\n") is None
    assert sniff(b"") is None


# --- suppress entries -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ('{ rule = "SP-CHANNEL-001" }', "'reason' is required"),
        ('{ rule = "SP-CHANNEL-001", reason = "  " }', "needs a reason"),
        ('{ reason = "because" }', "'rule' is required"),
        ('{ rule = "SP-CHANEL-001", reason = "because" }', "unknown rule"),
        ('"SP-CHANNEL-001"', "must be a table"),
    ],
)
def test_bad_suppress_entries_are_sp_file_001(repo: Repo, entry: str, words: str) -> None:
    text = md(f'title = "x"\nsuppress = [{entry}]\n')
    repo.write("posts/a.md", text)
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-001" and finding.file == "posts/a.md"
    assert finding.line == 5
    assert words in finding.message
    assert posts_of(result) == {}


def test_unknown_rule_in_suppress_gets_did_you_mean(repo: Repo) -> None:
    repo.write("posts/a.md", md('suppress = [{ rule = "SP-CHANEL-001", reason = "because" }]\n'))
    assert one(file_findings(repo.check())).hint == "did you mean 'SP-CHANNEL-001'?"


# --- line numbers ----------------------------------------------------------------------------------------


def test_lines_count_from_the_top_of_the_md_file(repo: Repo) -> None:
    # front matter starts on line 2; blank lines and comments count
    text = (
        "+++\n"  # 1
        "# settings\n"  # 2
        'channels = ["tw"]\n'  # 3
        "\n"  # 4
        'post_type = "corporate"\n'  # 5
        'title = """A\n'  # 6
        "[not a table]\n"  # 7
        'bad = 1"""\n'  # 8
        "titel = 1\n"  # 9
        "[twitter]\n"  # 10
        "link = 5\n"  # 11
        "+++\n"
        "body\n"
    )
    repo.write("posts/a.md", text)
    found = {(f.line, f.message) for f in file_findings(repo.check())}
    assert found == {(9, "titel: unknown key"), (11, "twitter.link: must be a string, not an integer")}


def test_blank_lines_before_the_opening_line_shift_every_line(repo: Repo) -> None:
    repo.write("posts/a.md", "\n\n+++\n" + FRONT + "titel = 1\n+++\nbody")
    assert one(file_findings(repo.check())).line == 6


def test_line_separators_inside_strings_do_not_shift_lines(repo: Repo) -> None:
    # U+2028, U+0085 are allowed in TOML strings and comments; only '\n' ends a line
    repo.write("posts/a.md", md('title = "a\u2028b\u0085c"  # d\u2029e\ntitel = 1\n'))
    assert one(file_findings(repo.check())).line == 5


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("a.md", md('title = "x"\ntitle = = 2\n'), 5),
        ("a.md", md('title = "x"\ntitle = "y"\nlink = "z"\n'), 5),  # a duplicate key
        ("a.md", "\n+++\n" + FRONT + '[twitter\ntext = "x"\n+++\nbody\n', 5),
        ("a.md", md('title = "not closed\n'), 4),
        ("a.md", md('title = """not closed\n'), 4),  # TOML says "at end of document"
        ("a.md", md("thread = [1,\n"), 4),
        ("a.toml", FRONT + 'title = "x\ntext = "y"\n', 3),
        ("a.toml", FRONT + 'text = "x"\n[twitter]\ntext = [\n', 5),
    ],
)
def test_toml_syntax_errors_report_the_files_own_line(repo: Repo, name: str, text: str, line: int) -> None:
    repo.write(f"posts/{name}", text)
    result = repo.check()
    finding = one(file_findings(result))
    assert finding.rule == "SP-FILE-001" and finding.file == f"posts/{name}"
    assert finding.message.startswith("not valid TOML")
    assert finding.line == line
    assert "(at " not in finding.message  # the position is in `line`, not repeated in the message
    assert finding.hint
    assert posts_of(result) == {}


# --- the shape of the file ----------------------------------------------------------------------------


def test_md_without_front_matter(repo: Repo) -> None:
    repo.write("posts/a.md", "Just some text\nwith no settings\n")
    finding = one(file_findings(repo.check()))
    assert finding.rule == "SP-FILE-001" and finding.line == 1 and "+++" in finding.message
    assert finding.hint and "+++" in finding.hint


def test_md_without_the_closing_line(repo: Repo) -> None:
    repo.write("posts/a.md", "\n+++\n" + FRONT + "body without the closing line\n")
    finding = one(file_findings(repo.check()))
    assert finding.rule == "SP-FILE-001" and finding.line == 2 and "not closed" in finding.message
    assert finding.hint


@pytest.mark.parametrize("name", ["empty.md", "empty.toml"])
@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file(repo: Repo, name: str, content: str) -> None:
    repo.write(f"posts/{name}", content)
    result = repo.check()
    findings = file_findings(result)
    assert findings and all(f.rule == "SP-FILE-001" and f.file == f"posts/{name}" for f in findings)
    assert result.files == 1 and result.reports == []


def test_md_with_only_the_two_lines_lists_what_is_required(repo: Repo) -> None:
    repo.write("posts/a.md", "+++\n+++\n")
    assert {f.message for f in file_findings(repo.check())} == {
        "'channels' is required",
        "'post_type' is required",
    }


@pytest.mark.parametrize("name", ["a.md", "a.toml"])
def test_file_with_a_byte_order_mark(repo: Repo, name: str) -> None:
    text = md("titel = 1\n") if name.endswith(".md") else FRONT + 'text = "x"\ntitel = 1\n'
    repo.write(f"posts/{name}", b"\xef\xbb\xbf" + text.encode())
    finding = one(file_findings(repo.check()))
    assert finding.message == "titel: unknown key" and finding.line == line_of(text, "titel")
    repo.write(f"posts/{name}", b"\xef\xbb\xbf" + text.replace("titel = 1\n", "").encode())
    result = repo.check()
    assert file_findings(result) == [] and "a" in posts_of(result)


def test_md_with_crlf_line_endings(repo: Repo) -> None:
    text = md('title = "T"\n[twitter]\ntext = "on X"\n', body="line one\nline two\n")
    repo.write("posts/a.md", text.replace("\n", "\r\n").encode())
    result = repo.check()
    assert file_findings(result) == []
    post = posts_of(result)["a"]
    assert post.text == "line one\nline two"  # no '\r' left in what is published
    assert post.title == "T" and post.overrides["twitter"]["text"] == "on X"
    assert post.text_source.line == line_of(text, "line one")
    repo.write("posts/a.md", md("\ntitel = 1\n").replace("\n", "\r\n").encode())
    assert one(file_findings(repo.check())).line == 5


def test_toml_with_crlf_line_endings(repo: Repo) -> None:
    text = FRONT + 'text = """\nline one\nline two"""\n'
    repo.write("posts/a.toml", text.replace("\n", "\r\n").encode())
    result = repo.check()
    assert file_findings(result) == []
    assert posts_of(result)["a"].text == "line one\nline two"


def test_invalid_utf8_names_the_line(repo: Repo) -> None:
    repo.write("posts/a.md", md('title = "caf\xe9"\n'.encode("latin-1").decode("latin-1")).encode("latin-1"))
    finding = one(file_findings(repo.check()))
    assert finding.rule == "SP-FILE-001" and finding.line == 4 and "UTF-8" in finding.message


def test_other_files_are_not_posts(repo: Repo) -> None:
    repo.write("posts/README.md", "Notes for the team, no front matter")
    repo.write("posts/_drafts/x.md", "no front matter")
    repo.write("posts/.hidden/x.md", "no front matter")
    repo.write("posts/notes.txt", "no front matter")
    repo.write("posts/a.md", md())
    result = repo.check()
    assert file_findings(result) == [] and result.files == 1


def test_one_broken_file_does_not_stop_the_others(repo: Repo) -> None:
    repo.write("posts/a.md", md())
    repo.write("posts/b.md", "broken")
    repo.write("posts/c.toml", "x = [")
    repo.write("posts/d.md", md())
    result = repo.check()
    assert {f.file for f in file_findings(result)} == {"posts/b.md", "posts/c.toml"}
    assert set(posts_of(result)) == {"a", "d"}
    assert not result.ok
