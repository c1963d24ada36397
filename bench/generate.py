"""Generate a folder of realistic posts for the check-throughput benchmark.

The shape follows the sample content of the repository (posts/ and docs/sample-content.md): `.md` posts
with TOML front matter and `.toml` posts, 1-3 channels of the four kinds, titles, links to allow-listed
hosts, URLs, emoji and curly quotes in texts, X overrides and threads, images with alt text, Pinterest
boards, YouTube videos, approval codes valid at `publish_at`, and `publish_at` inside the campaign window. Each
text says where and when to meet the team ("Stop by booth 214 on Tuesday, March 4 at 2:30 pm."), so that texts
rarely repeat, as a team's posts rarely do (a check keeps what it read of a text: repeated texts would flatter it).

Every generated post is meant to pass `socialpub check`, except a small share of deliberately failing posts
(ids starting with `fail-`, copies of posts/examples-failing/) that exercise the reporting of findings.
The run is deterministic: the same seed and count give byte-identical files.

    python bench/generate.py OUT_DIR [--posts N] [--seed S] [--shape long|short]

`--shape short` writes one-line posts instead, each for one channel (X or Facebook, text only: no title,
media or thread), as a team that posts many quick updates has them: there the fixed costs per post weigh
most. No deliberately failing posts in that shape.

writes OUT_DIR/channels.toml (a copy of the repository's), OUT_DIR/posts/** and OUT_DIR/posts/media/*.
Only the standard library is used (Python >= 3.11 for tomllib).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
FAIL_SHARE = 0.02  # deliberately failing posts (copies of posts/examples-failing/)

# --- what the posts say -----------------------------------------------------------------------------------
# Word choice avoids the rule lists on purpose (no superlatives, hype, comparatives, first person with
# side-effect words, personal names, phone numbers…): a post meant to pass must not trip a correct rule.

# What sets one post apart from the others: where and when to meet the team. A team's posts rarely repeat a
# text, and a check keeps what it has read of a text: posts drawn only from the sentences below would repeat
# (1,959 distinct bodies in 10,000 short posts) and flatter the check. Words chosen, like the rest, to pass.
DETAIL_OPENERS = ["Join us", "Find us", "Stop by", "Look for us", "Meet the team", "Say hello", "See you",
                  "Come by", "Visit us", "Catch us", "Drop by", "Look for our team"]
DETAIL_PLACES = ["at booth {n}", "in hall {letter}{n}", "at the {city} walk", "at the {city} meetup",
                 "at the {city} community fair", "on stage {n}", "in room {letter}{n}", "at table {n}",
                 "at the {city} office", "at the {city} run"]
DETAIL_CITIES = ["Boston", "Denver", "Austin", "Chicago", "Seattle", "Atlanta", "Phoenix", "Portland", "Raleigh",
                 "Tampa", "Omaha", "Dayton", "Wilmington", "Gaithersburg", "Durham", "Cambridge"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]

EMOJI = ["💪", "🎗️", "🔬", "🧪", "📅", "✨", "👩‍🔬", "💙", "🩺", "📚", "🌱", "🤝"]

TOPICS: dict[str, dict[str, object]] = {
    "mbc-strength": {
        "post_type": "unbranded_awareness",
        "hashtags": ["#MBCStrength", "#MBC"],
        "paths": ["/mbcstrength", "/mbcstrength/stories", "/mbcstrength/collage", "/mbc/learn-more"],
        "images": [
            (
                "mbc-strength-call.png",
                "Pink card with the words Share your strength, hashtag MBCStrength, October 13",
            ),
            (
                "mbc-strength-collage.png",
                "Collage of photos shared with #MBCStrength: hands, sunrises and hand-written signs that "
                "say strength",
            ),
            (
                "mbc-strength-call.png",
                "Hand-written sign on a kitchen table that says strength is showing up",
            ),
        ],
        "titles": [
            "Share your #MBCStrength",
            "What strength looks like",
            "Metastatic Breast Cancer Awareness Day",
            "Strength, in your words",
            "The #MBCStrength collage",
            "Living with metastatic breast cancer",
        ],
        "sentences": [
            "Metastatic breast cancer (MBC) is breast cancer that has spread beyond the breast to other "
            "parts of the body.",
            "There is no cure for MBC yet, and the people living with it, and those who care for them, "
            "show strength every day.",
            "What does strength look like to you? Share a photo with #MBCStrength by October 1.",
            "We will add the photos to a collage that we will share on Metastatic Breast Cancer Awareness "
            "Day, October 13.",
            "Thank you to everyone who has shared what “strength” means to them so far.",
            "Strength looks different for everyone: a sunrise walk, a hand to hold, a sign that says "
            "“still here”.",
            "Caregivers, friends and families are part of the story too.",
            "Learn what questions to bring to your next appointment with your care team.",
            "Awareness starts with a conversation; today is a good day to start one.",
        ],
        "channel_sets": [
            (("twitter", "facebook"), 60),
            (("twitter",), 15),
            (("facebook",), 15),
            (("twitter", "facebook", "youtube"), 10),
        ],
    },
    "azoncology-summit": {
        "post_type": "corporate",
        "hashtags": ["#AZoncology", "#ESMO14"],
        "paths": ["/azoncology", "/azoncology/agenda", "/azoncology/highlights", "/oncology-research"],
        "images": [
            (
                "azoncology-summit.png",
                "Stage banner reading AstraZeneca Oncology Summit 2014 with the hashtag AZoncology",
            ),
            (
                "azoncology-summit.png",
                "Round table of advocates and researchers in conversation under the AZoncology banner",
            ),
        ],
        "titles": [
            "#AZoncology summit",
            "#AZoncology: day two",
            "Listening to oncology advocates",
            "#AZoncology summit highlights",
            "Research questions from the #AZoncology summit",
        ],
        "sentences": [
            "Today we welcome patient advocates, oncology nurses and researchers to our #AZoncology summit.",
            "Over two days we will listen to what people living with cancer and their caregivers need from "
            "research.",
            "Topics range from clinical trial design to support after a diagnosis.",
            "Follow #AZoncology for highlights from the sessions.",
            "One question from this morning: “How do we make trials easier to join?”",
            "Thank you to the advocates who travelled to Gaithersburg to share their perspective.",
            "Our researchers will post their notes from each session on the summit page.",
            "Listening comes first: the advocates set the agenda for the afternoon panel.",
        ],
        "channel_sets": [
            (("twitter", "facebook"), 50),
            (("twitter",), 20),
            (("facebook",), 10),
            (("twitter", "facebook", "youtube"), 10),
            (("youtube",), 10),
        ],
    },
    "rxsave-chat": {
        "post_type": "corporate",
        "hashtags": ["#rxsave"],
        "paths": ["/rxsave", "/rxsave/resources", "/azandme"],
        "images": [],
        "titles": [
            "#rxsave chat",
            "#rxsave chat: welcome",
            "#rxsave chat: questions",
            "#rxsave chat: resources",
        ],
        "sentences": [
            "Welcome to #rxsave, a Twitter chat sponsored by AstraZeneca about ways to save on "
            "prescription medicines.",
            "Questions start in 5 minutes!",
            "Welcome back to #rxsave, a Twitter chat sponsored by AstraZeneca about paying for "
            "prescription medicines.",
        ],
        "thread": [
            "Q1 #rxsave: What makes the cost of prescription medicines hard to plan for? Reply with your "
            "questions and tips.",
            "Q2 #rxsave: Did you know many companies offer programs for people who cannot afford their "
            "prescriptions? AZ&Me is ours: {url}",
            "Q3 #rxsave: Ask your pharmacist and your insurer about lower-cost options for your "
            "prescriptions. What questions would you ask them?",
            "Q4 #rxsave: Which “plan ahead” habits keep your prescription costs predictable? 📅",
            "Q5 #rxsave: Where do you look for information on prescription savings programs?",
            "Thanks for joining #rxsave today! Find the resources we shared at {url}",
        ],
        "channel_sets": [(("twitter",), 100)],
    },
    "labtalk-launch": {
        "post_type": "corporate",
        "hashtags": ["#LabTalk", "#science"],
        "paths": ["/labtalk", "/labtalk/week-1", "/labtalk/week-2", "/labtalk/about"],
        "images": [
            (
                "labtalk-launch.png",
                "Purple banner with a microscope icon and the words LabTalk, science from AstraZeneca",
            ),
            ("labtalk-launch.png", "Scientist at a lab bench pipetting samples into a row of test tubes"),
        ],
        "titles": [
            "Introducing LabTalk, our science blog",
            "Inside LabTalk: a day in a research lab",
            "New on LabTalk",
            "LabTalk: from the bench to a clinical trial",
            "LabTalk video: meet the lab",
        ],
        "sentences": [
            "Introducing LabTalk, our new science blog.",
            "Every week our scientists will write about the questions they work on, from how a cancer cell "
            "resists treatment to how a clinical trial is designed.",
            "Spend a day with the scientists behind LabTalk: how an idea moves from a question at the "
            "bench to a clinical trial.",
            "Tell us what you would like to learn about in the comments.",
            "This week on LabTalk: what a “day in the lab” looks like, hour by hour.",
            "Our researchers answer the questions readers sent in last week.",
            "Curious how a lab notebook turns into a study protocol? Read on.",
        ],
        "channel_sets": [
            (("twitter", "facebook"), 50),
            (("youtube",), 25),
            (("twitter", "facebook", "youtube"), 15),
            (("facebook",), 10),
        ],
    },
    "doctorsnotes-launch": {
        "post_type": "corporate",
        "hashtags": ["#DoctorsNotes"],
        "paths": ["/doctorsnotes", "/doctorsnotes/first-notes", "/doctorsnotes/appointments"],
        "images": [
            ("doctorsnotes-launch.png", "Blue notebook cover with a stethoscope and the title DoctorsNotes")
        ],
        "titles": [
            "DoctorsNotes: physicians on living well with chronic disease",
            "New #DoctorsNotes",
            "DoctorsNotes: preparing for an appointment",
            "DoctorsNotes: understanding a new diagnosis",
        ],
        "sentences": [
            "Today we launch DoctorsNotes, a blog series in which physicians write about the questions "
            "their patients ask most often.",
            "Topics range from preparing for an appointment to understanding a new diagnosis.",
            "DoctorsNotes is general information, not medical advice: talk to your own healthcare provider "
            "about your care.",
            "This week’s note: writing down your questions before a visit.",
            "Physicians share how they explain lab results in plain language.",
            "What would you like our physician authors to write about next?",
        ],
        "channel_sets": [(("twitter", "facebook"), 70), (("facebook",), 15), (("twitter",), 15)],
    },
    "careers": {
        "post_type": "careers",
        "hashtags": ["#AZcareers"],
        "paths": ["/how-we-hire", "/life-at-astrazeneca", "/students", "/veterans", "/jobs/research"],
        "images": [
            (
                "careers-applications.png",
                "Checklist card titled Ready for your interview, with notes on research, examples and "
                "questions to ask",
            ),
            (
                "careers-community.png",
                "Employees in matching green T-shirts planting trees along a river path",
            ),
            (
                "careers-internships.png",
                "Students in lab coats at a bench with the words Summer internships 2015",
            ),
            (
                "careers-veterans.png",
                "Navy card with a folded American flag and the words Thank you for your service",
            ),
        ],
        "titles": [
            "Preparing for your interview at AstraZeneca",
            "Volunteering in our communities",
            "Summer 2015 internships: apply this fall",
            "Veterans: bring your service to science",
            "How we hire",
            "Life at AstraZeneca",
        ],
        "sentences": [
            "Applying to AstraZeneca? Learn how our hiring process works, from your online application to "
            "your interviews.",
            "Tip: come with examples of how you have worked with a team.",
            "Our employees volunteer thousands of hours a year in the communities where we live and work.",
            "Students: our summer internships put you on real projects in research, manufacturing, IT and "
            "commercial teams.",
            "Leadership, discipline and teamwork carry over from military service to careers in "
            "manufacturing, supply chain and quality.",
            "Our recruiters explain what a “day one” at our Wilmington, Delaware site looks like.",
            "See the roles open this month in research and development.",
        ],
        "channel_sets": [
            (("pinterest",), 70),
            (("pinterest", "twitter"), 10),
            (("pinterest", "twitter", "facebook"), 10),
            (("twitter", "facebook"), 10),
        ],
    },
}
TOPIC_WEIGHTS = {
    "mbc-strength": 20,
    "azoncology-summit": 12,
    "rxsave-chat": 15,
    "labtalk-launch": 12,
    "doctorsnotes-launch": 12,
    "careers": 27,
    "branded": 2,
}
GENERIC_TOPIC = "azoncology-summit"  # for a campaign of channels.toml that no template knows
HOST_FOR_TOPIC = {"careers": "careers.astrazeneca.com"}
EXTRA_URLS = ["https://www.fda.gov/medwatch", "https://clinicaltrials.gov", "https://www.astrazeneca.com"]
VIDEO_ALTS = {
    "mbc-strength": "Short video of people sharing what strength means to them, with captions",
    "azoncology-summit": "Video of the summit's opening panel of advocates and researchers, with captions",
    "labtalk-launch": "Video tour of a research lab: scientists at benches explain their work on camera",
}
YT_TAGS = [
    "AstraZeneca",
    "LabTalk",
    "science",
    "research",
    "oncology",
    "MBCStrength",
    "AZoncology",
    "drug discovery",
    "clinical trials",
    "patients",
]

BRANDED_BODY = "\n".join(
    [
        "{brand} ({established}) is a prescription medicine used to treat adults with hormone "
        "receptor-positive, HER2-negative (HR+/HER2-) metastatic breast cancer.",
        "",
        "IMPORTANT SAFETY INFORMATION",
        "{brand} can cause serious side effects, including interstitial lung disease (ILD) and "
        "pneumonitis, which can be severe or fatal. Tell your healthcare provider right away if you have a "
        "new or worsening cough, shortness of breath or chest pain. {brand} can harm an unborn baby. Tell "
        "your healthcare provider if you are pregnant or plan to become pregnant.",
        "",
        "The most common side effects of {brand} include tiredness, nausea, diarrhea and decreased appetite.",
        "",
        "Please see the full Prescribing Information for {brand} ({established}): {pi_url}",
        "Important Risk Information: {risk_url}",
        "",
        "You are encouraged to report negative side effects of prescription drugs to the FDA. Visit "
        "www.fda.gov/medwatch, or call 1-800-FDA-1088.",
    ]
)

# Deliberately failing posts: the four of posts/examples-failing/, with the rules each is meant to trigger
# (docs/sample-content.md). `{...}` fields are filled per post.
FAILING: list[dict[str, object]] = [
    {
        "slug": "absolute-claim",
        "expect": [
            "SP-CLAIM-001",
            "SP-CLAIM-002",
            "SP-BALANCE-001",
            "SP-BALANCE-002",
            "SP-BALANCE-003",
            "SP-META-007",
            "SP-SAFETY-003",
        ],
        "campaign": None,
        "front": {
            "title": "Failing example: absolute claim",
            "channels": ["twitter", "facebook"],
            "post_type": "branded",
        },
        "body": "{brand} is the best treatment for metastatic breast cancer, a breakthrough for women "
        "living with MBC. Ask your doctor about #{brand} today.",
    },
    {
        "slug": "privacy-shortener",
        "expect": ["SP-PRIVACY-001", "SP-SAFETY-002", "SP-META-005"],
        "campaign": "mbc-strength",
        "front": {
            "title": "Failing example: patient contact details, wrong FDA number, shortener",
            "channels": ["twitter"],
            "post_type": "reply",
            "in_reply_to_text": "Where can people share their #MBCStrength stories with other patients?",
        },
        "body": "Thanks for asking! Dana, one of the patients in our #MBCStrength collage, is happy to "
        "talk: call 302-555-0147 or email dana.m1962@gmail.com. Report side effects at 1-800-FDA-1089. "
        "More: https://bit.ly/1rAZmbc",
    },
    {
        "slug": "employee-long-tweet",
        "expect": ["SP-TRANSPARENCY-001", "SP-CHANNEL-001"],
        "campaign": "azoncology-summit",
        "front": {
            "title": "Failing example: employee post without disclosure, too long for X",
            "channels": ["twitter"],
            "post_type": "corporate",
            "author_type": "employee",
        },
        "body": "So proud to spend today at the #AZoncology summit with my colleagues, listening to patient "
        "advocates, oncology nurses and researchers talk about what people living with cancer need from "
        "research, from the design of clinical trials to support after a diagnosis. Great conversations "
        "all day long, and huge thanks to everyone who travelled to Gaithersburg to join us! #partner "
        "#oncology #AZoncology",
    },
    {
        "slug": "unbranded-names-product",
        "expect": ["SP-SCOPE-001", "SP-META-006"],
        "campaign": "mbc-strength",
        "front": {
            "title": "Failing example: product named in an awareness post",
            "channels": ["twitter", "facebook"],
            "post_type": "unbranded_awareness",
        },
        "bad_alt": "IMG_2041.png",
        "body": "Strength looks different for everyone. If you are living with breast cancer that has "
        "spread, ask your doctor whether {brand} ({established}) is right for you. #MBCStrength",
    },
]


# --- TOML writing ------------------------------------------------------------------------------------------


def toml_str(value: str) -> str:
    """A TOML basic string (JSON's escapes are a subset of TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def toml_multiline(text: str) -> str:
    if "\\" in text or '"""' in text or text.endswith('"'):
        return toml_str(text)
    return '"""\n' + text + '\n"""'


# --- the generator -----------------------------------------------------------------------------------------


@dataclass
class Setup:
    config: dict
    zone: ZoneInfo
    channels_by_kind: dict[str, list[str]]
    boards: dict[str, list[str]]  # pinterest channel -> board names
    campaigns: dict[str, tuple[date, date]]
    allow_hosts: list[str]
    product: dict[str, object] | None
    approval_regex: re.Pattern[str] | None
    max_age_months: int
    media: dict[str, Path] = field(default_factory=dict)
    video: Path | None = None


def weighted_estimate(text: str) -> int:
    """An upper bound of X's weighted length: a URL counts 23, anything outside the weight-1 ranges 2."""
    total = 0
    for token in re.split(r"(https?://\S+)", text):
        if token.startswith(("http://", "https://")):
            total += 23
            continue
        for ch in token:
            o = ord(ch)
            total += (
                1
                if o <= 0x10FF or 0x2000 <= o <= 0x200D or 0x2010 <= o <= 0x201F or 0x2032 <= o <= 0x2037
                else 2
            )
    return total


def approval_code(rng: random.Random, publish: datetime, setup: Setup, serial: int) -> str:
    months_back = rng.randint(0, min(4, setup.max_age_months - 2))
    year, month = publish.year, publish.month - months_back
    while month < 1:
        month += 12
        year -= 1
    return f"{3000000 + serial % 1000000:07d}  Last Updated {month}/{year % 100:02d}"


def publish_moment(rng: random.Random, window: tuple[date, date], zone: ZoneInfo) -> tuple[datetime, bool]:
    """(a moment inside the window, whether to write it as a local datetime)."""
    start, end = window
    day = start + timedelta(days=rng.randint(0, (end - start).days))
    naive = datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.choice(range(0, 60, 5)))
    aware = naive.replace(tzinfo=zone)
    local = rng.random() < 0.3
    if local:
        return naive, True
    offset = aware.utcoffset()
    assert offset is not None
    from datetime import timezone as tz

    return naive.replace(tzinfo=tz(offset)), False


def load_setup(config_path: Path) -> Setup:
    config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    defaults = config.get("defaults", {})
    zone = ZoneInfo(defaults.get("timezone", "UTC"))
    by_kind: dict[str, list[str]] = {}
    boards: dict[str, list[str]] = {}
    for name, channel in config.get("channels", {}).items():
        by_kind.setdefault(channel.get("kind", ""), []).append(name)
        if channel.get("kind") == "pinterest":
            boards[name] = list(channel.get("boards", {}))
    compliance = config.get("compliance", {})
    campaigns = {}
    for name, window in compliance.get("campaigns", {}).items():
        start, end = window.get("start"), window.get("end")
        if isinstance(start, date) and isinstance(end, date) and start <= end:
            campaigns[name] = (start, end)
    products = compliance.get("products", {})
    product = next(iter(products.values()), None)
    approval = compliance.get("approval", {})
    regex = approval.get("code_regex")
    return Setup(
        config=config,
        zone=zone,
        channels_by_kind=by_kind,
        boards=boards,
        campaigns=campaigns,
        allow_hosts=list(compliance.get("links", {}).get("allow_hosts", [])),
        product=product,
        approval_regex=re.compile(regex) if regex else None,
        max_age_months=int(approval.get("max_age_months", 12)),
    )


def topic_for_campaign(campaign: str) -> str:
    for key in TOPICS:
        if campaign.startswith(key):
            return key
    return GENERIC_TOPIC


class Generator:
    def __init__(self, out: Path, setup: Setup, seed: int, shape: str = "long") -> None:
        self.out = out
        self.shape = shape
        self.posts = out / "posts"
        self.setup = setup
        self.rng = random.Random(seed)
        self.serial = 0
        # campaign per topic (the first campaign of channels.toml whose name starts with the topic)
        self.campaign_of: dict[str, str] = {}
        for name in setup.campaigns:
            self.campaign_of.setdefault(topic_for_campaign(name), name)
        self.expected_failures: dict[str, list[str]] = {}
        self.stats: Counter[str] = Counter()
        self._folders: set[Path] = set()
        self._texts: set[str] = set()  # the distinct texts written (post bodies and X texts)

    # helpers
    def host(self, topic: str) -> str:
        wanted = HOST_FOR_TOPIC.get(topic, "www.astrazeneca-us.com")
        if wanted in self.setup.allow_hosts:
            return wanted
        return self.setup.allow_hosts[0] if self.setup.allow_hosts else wanted

    def url(self, topic: str) -> str:
        paths = TOPICS[topic]["paths"]  # type: ignore[index]
        return f"https://{self.host(topic)}{self.rng.choice(paths)}"

    def channel(self, kind: str) -> str | None:
        names = self.setup.channels_by_kind.get(kind)
        return self.rng.choice(names) if names else None

    def decorate(self, sentence: str) -> str:
        if self.rng.random() < 0.05:
            sentence = f"{sentence} {self.rng.choice(EMOJI)}"
            self._emoji = True
        return sentence

    def detail(self) -> str:
        """A sentence of where and when ("Stop by booth 214 on Tuesday, March 4 at 2:30 pm."): with the
        sentences drawn from the topic, it makes nearly every text unique."""
        rng = self.rng
        place = rng.choice(DETAIL_PLACES).format(n=rng.randint(2, 480), letter=rng.choice("ABCDEFGH"),
                                                 city=rng.choice(DETAIL_CITIES))
        when = f"on {rng.choice(WEEKDAYS)}, {rng.choice(MONTHS)} {rng.randint(1, 28)}"
        if rng.random() < 0.5:
            when += f" at {rng.randint(1, 12)}:{rng.choice(['00', '15', '30', '45'])} {rng.choice(['am', 'pm'])}"
        return f"{rng.choice(DETAIL_OPENERS)} {place} {when}."

    def paragraphs(self, topic: str, count: int) -> list[str]:
        """1-3 sentences per paragraph, no sentence twice in a post."""
        sentences: list[str] = list(TOPICS[topic]["sentences"])  # type: ignore[arg-type]
        if topic == "rxsave-chat":  # a chat opens with one welcome line
            welcome = self.rng.choice([s for s in sentences if s.startswith("Welcome")])
            start = self.rng.choice(
                [
                    "Questions start in 5 minutes!",
                    "First question in 5 minutes!",
                    "Questions start in 1 minute! ⏱️",
                    "Follow along and reply with #rxsave.",
                ]
            )
            return [f"{welcome} {start} {self.detail()}"]
        pool = self.rng.sample(sentences, k=len(sentences))
        out = []
        for _ in range(count):
            take = min(len(pool), self.rng.randint(1, 3))
            if not take:
                break
            out.append(" ".join(self.decorate(s) for s in pool[:take]))
            pool = pool[take:]
        if out:  # first, where a pin's description cut to length keeps it
            out[0] = f"{self.detail()} {out[0]}"
        return out

    def tweet(self, topic: str, url: str | None, link: str | None = None) -> str:
        """A tweet with `url` in it; `link` is the post's link, which X adds after a text without it."""
        sentences: list[str] = list(TOPICS[topic]["sentences"])  # type: ignore[arg-type]
        if topic == "rxsave-chat":
            sentences = [s for s in sentences if s.startswith("Welcome")]
        hashtag = TOPICS[topic]["hashtags"][0]  # type: ignore[index]
        for _ in range(20):
            picked = self.rng.sample(sentences, k=min(len(sentences), self.rng.randint(1, 2)))
            text = " ".join([self.detail(), *(self.decorate(s) for s in picked)])
            if hashtag.lower() not in text.lower():
                text += f" {hashtag}"
            if url:
                text += f" {url}"
            if weighted_estimate(text if not link or link in text else f"{text} {link}") <= 270:
                return text
        return f"{self.detail()} {hashtag} {url or ''}".strip()

    def media_entry(self, post_dir: Path, name: str, alt: str) -> dict[str, object]:
        target = self.setup.media[name]
        return {"path": os.path.relpath(target, post_dir).replace(os.sep, "/"), "alt": alt}

    # one post
    def make(self, index: int) -> None:
        rng = self.rng
        self._emoji = False
        if self.shape == "short":
            self.make_short(index)
            return
        if rng.random() < FAIL_SHARE:
            self.make_failing(index)
            return
        weights = {t: w for t, w in TOPIC_WEIGHTS.items() if t == "branded" or t in self.campaign_of}
        topic = rng.choices(list(weights), weights=list(weights.values()))[0]
        if topic == "branded" and self.setup.product and "facebook" in self.setup.channels_by_kind:
            self.make_branded(index)
            return
        if topic == "branded":
            topic = next(iter(self.campaign_of), GENERIC_TOPIC)
        self.make_topic(index, topic)

    def folder_and_name(self, index: int, moment: datetime, slug: str, suffix: str) -> tuple[Path, str]:
        folder = self.posts / f"{moment.year}-{moment.month:02d}" / slug.split("-")[0]
        if index % 3 == 0:  # some teams file by week
            folder = folder / f"week-{moment.isocalendar()[1]:02d}"
        return folder, f"p{index:05d}-{slug}{suffix}"

    def header(self, front: dict[str, object], local: bool) -> list[str]:
        lines = []
        for key, value in front.items():
            line = f"{key} = {toml_value(value)}"
            if key == "publish_at" and local:
                line += "    # local time, read in [defaults].timezone"
            lines.append(line)
        return lines

    def make_topic(self, index: int, topic: str) -> None:
        rng = self.rng
        spec = TOPICS[topic]
        campaign = self.campaign_of.get(topic)
        window = self.setup.campaigns[campaign] if campaign else (date(2014, 3, 1), date(2014, 11, 30))
        moment, local = publish_moment(rng, window, self.setup.zone)
        sets = spec["channel_sets"]  # type: ignore[assignment]
        kinds = rng.choices([s for s, _ in sets], weights=[w for _, w in sets])[0]  # type: ignore[misc]
        channels = [c for c in (self.channel(k) for k in kinds) if c]
        if not channels:
            channels = [next(c for names in self.setup.channels_by_kind.values() for c in names)]
        kinds_present = {k for k in kinds if self.setup.channels_by_kind.get(k)}
        suffix = ".toml" if rng.random() < 0.25 else ".md"
        slug = f"{campaign or topic}-{rng.choice(['post', 'update', 'note', 'reminder', 'share'])}"
        folder, name = self.folder_and_name(index, moment, slug, suffix)
        self.serial += 1

        link = self.url(topic)
        body_paragraphs = self.paragraphs(topic, rng.randint(1, 3))
        if "pinterest" in kinds_present:  # a pin's description is at most 500 characters
            body_paragraphs = [self.paragraphs(topic, 1)[0]]
            if len(body_paragraphs[0]) > 380:
                body_paragraphs[0] = body_paragraphs[0][:380].rsplit(". ", 1)[0] + "."
        if rng.random() < 0.5:
            body_paragraphs.append(f"Learn more: {link} {' '.join(spec['hashtags'][: rng.randint(1, 2)])}")  # type: ignore[index]
        elif rng.random() < 0.2 and topic != "careers":
            extra = rng.choice([u for u in EXTRA_URLS if u.split("/")[2] in self.setup.allow_hosts] or [link])
            body_paragraphs.append(f"More on clinical research: {extra}")
        body = "\n\n".join(body_paragraphs)

        front: dict[str, object] = {}
        if rng.random() < 0.1:
            front["id"] = f"gen-{index:05d}-{topic}"
        front["title"] = rng.choice(spec["titles"])  # type: ignore[arg-type]
        front["channels"] = channels
        front["post_type"] = spec["post_type"]
        if campaign:
            front["campaign"] = campaign
        front["publish_at"] = moment
        front["approval_code"] = approval_code(rng, moment, self.setup, self.serial)
        front["approval_status"] = "approved"
        front["link"] = link
        images: list[tuple[str, str]] = list(spec["images"])  # type: ignore[arg-type]
        wants_image = (
            bool(images)
            and ("pinterest" in kinds_present or rng.random() < 0.8)
            and any(k != "youtube" for k in kinds_present)
        )
        if wants_image:
            count = 1 if "pinterest" in kinds_present else rng.choice([1, 1, 1, 2])
            front["media"] = [
                self.media_entry(folder, *image) for image in rng.sample(images, k=min(count, len(images)))
            ]
            self.stats["posts with images"] += 1

        tables: dict[str, dict[str, object]] = {}
        if "twitter" in kinds_present:
            table: dict[str, object] = {}
            if topic == "rxsave-chat" and rng.random() < 0.5:
                items = rng.sample(list(spec["thread"]), k=rng.randint(2, 5))  # type: ignore[arg-type]
                table["thread"] = [t.format(url=self.url(topic)) for t in items]
            if weighted_estimate(body + " " + link) > 270 or rng.random() < 0.3:
                table["text"] = self.tweet(topic, link if rng.random() < 0.7 else None, link)
            if table:
                tables["twitter"] = table
        if "youtube" in kinds_present:
            assert self.setup.video is not None
            tags = rng.sample(YT_TAGS, k=rng.randint(2, 6))
            tables["youtube"] = {
                "media": [
                    {
                        "path": os.path.relpath(self.setup.video, folder).replace(os.sep, "/"),
                        "alt": VIDEO_ALTS.get(topic, f"Video: {front['title']}, with captions"),
                    }
                ],
                "tags": tags,
                "privacy": rng.choice(["public", "public", "unlisted"]),
                "category": rng.choice(["28", "29", "27"]),
            }
        if "pinterest" in kinds_present:
            pin = next(c for c in channels if c in self.setup.boards)
            boards = self.setup.boards.get(pin) or []
            if boards:
                tables["pinterest"] = {"board": rng.choice(boards)}

        self.write(folder, name, front, tables, body, local)

    def make_short(self, index: int) -> None:
        """One line for one text channel: a tweet-sized sentence or two, sometimes a link."""
        rng = self.rng
        text_kinds = [k for k in ("twitter", "facebook") if self.setup.channels_by_kind.get(k)]
        topics = [t for t in self.campaign_of if any(k in text_kinds for s, _ in TOPICS[t]["channel_sets"]  # type: ignore[attr-defined]
                                                     for k in s)] or [GENERIC_TOPIC]
        topic = rng.choice(topics)
        campaign = self.campaign_of.get(topic)
        window = self.setup.campaigns[campaign] if campaign else (date(2014, 3, 1), date(2014, 11, 30))
        moment, local = publish_moment(rng, window, self.setup.zone)
        channel = self.channel(rng.choice(text_kinds))
        folder, name = self.folder_and_name(index, moment, f"{campaign or topic}-short", ".md")
        self.serial += 1
        front: dict[str, object] = {
            "channels": [channel],
            "post_type": TOPICS[topic]["post_type"],
            **({"campaign": campaign} if campaign else {}),
            "publish_at": moment,
            "approval_code": approval_code(rng, moment, self.setup, self.serial),
            "approval_status": "approved",
        }
        self.write(folder, name, front, {}, self.tweet(topic, self.url(topic) if rng.random() < 0.5 else None), local)

    def make_branded(self, index: int) -> None:
        rng = self.rng
        product = self.setup.product or {}
        moment, local = publish_moment(rng, (date(2014, 9, 1), date(2014, 12, 15)), self.setup.zone)
        folder, name = self.folder_and_name(index, moment, "branded-isi", rng.choice([".md", ".md", ".toml"]))
        self.serial += 1
        brand, established = str(product.get("brand", "BRAND")), str(product.get("established", "generic"))
        front: dict[str, object] = {
            "title": f"{brand} ({established}): indication and Important Safety Information",
            "channels": [self.channel("facebook")],
            "post_type": "branded",
            "publish_at": moment,
            "approval_code": approval_code(rng, moment, self.setup, self.serial),
            "approval_status": "approved",
            "form_2253": True,
            "link": str(product.get("risk_url", "")),
        }
        body = BRANDED_BODY.format(
            brand=brand,
            established=established,
            pi_url=product.get("pi_url", ""),
            risk_url=product.get("risk_url", ""),
        ).strip()
        self.write(folder, name, front, {}, body, local)

    def make_failing(self, index: int) -> None:
        rng = self.rng
        template = rng.choice(FAILING)
        product = self.setup.product or {}
        topic = template["campaign"]
        campaign = self.campaign_of.get(str(topic)) if topic else None
        window = self.setup.campaigns[campaign] if campaign else (date(2014, 10, 1), date(2014, 11, 30))
        moment, local = publish_moment(rng, window, self.setup.zone)
        slug = f"fail-{template['slug']}"
        folder = self.posts / "examples-failing" / f"{moment.year}-{moment.month:02d}"
        name = f"{slug}-{index:05d}.md"
        self.serial += 1
        front: dict[str, object] = {"id": f"fail-{index:05d}-{template['slug']}"}
        base = dict(template["front"])  # type: ignore[arg-type]
        kinds = base.pop("channels")
        front["title"] = base.pop("title")
        front["channels"] = [c for c in (self.channel(k) for k in kinds) if c]
        front["post_type"] = base.pop("post_type")
        front.update(base)
        if campaign:
            front["campaign"] = campaign
        front["publish_at"] = moment
        front["approval_code"] = approval_code(rng, moment, self.setup, self.serial)
        front["approval_status"] = "approved"
        if "bad_alt" in template:
            image = rng.choice(TOPICS["mbc-strength"]["images"])[0]  # type: ignore[index]
            front["media"] = [self.media_entry(folder, image, str(template["bad_alt"]))]
        body = str(template["body"]).format(
            brand=product.get("brand", "BRAND"), established=product.get("established", "generic")
        )
        self.expected_failures[str(front["id"])] = list(template["expect"])  # type: ignore[arg-type]
        self.write(
            folder,
            name,
            front,
            {},
            body,
            local,
            comment="# DELIBERATELY FAILING (generated copy of posts/examples-failing/): "
            + ", ".join(template["expect"]),
        )  # type: ignore[arg-type]

    def write(
        self,
        folder: Path,
        name: str,
        front: dict[str, object],
        tables: dict[str, dict[str, object]],
        body: str,
        local: bool,
        comment: str | None = None,
    ) -> None:
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        kinds = {
            kind
            for kind, names in self.setup.channels_by_kind.items()
            for c in front.get("channels", [])
            if c in names
        }  # type: ignore[union-attr]
        for kind in sorted(kinds):
            self.stats[f"on {kind}"] += 1
        self.stats[".toml posts" if name.endswith(".toml") else ".md posts"] += 1
        if "thread" in tables.get("twitter", {}):
            self.stats["X threads"] += 1
        if "text" in tables.get("twitter", {}):
            self.stats["X text overrides"] += 1
        if local:
            self.stats["local publish_at"] += 1
        if self._emoji:
            self.stats["posts with emoji"] += 1
        self._emoji = False
        self._texts.add(body)
        lines = [comment] if comment else []
        is_toml = name.endswith(".toml")
        lines += self.header(front, local)
        if is_toml:
            lines.append(f"text = {toml_multiline(body)}")
        for table, values in tables.items():
            lines.append("")
            lines.append(f"[{table}]")
            for key, value in values.items():
                if key == "thread" and isinstance(value, list):
                    lines.append("thread = [")
                    lines += [f"  {toml_str(v)}," for v in value]
                    lines.append("]")
                else:
                    lines.append(f"{key} = {toml_value(value)}")
        if is_toml:
            content = "\n".join(lines) + "\n"
        else:
            content = "+++\n" + "\n".join(lines) + "\n+++\n" + body + "\n"
        (folder / name).write_text(content, encoding="utf-8")


def generate(
    out: Path,
    posts: int,
    seed: int = 2014,
    config: Path | None = None,
    media_from: Path | None = None,
    shape: str = "long",
) -> dict[str, object]:
    """Write `out`/channels.toml and `out`/posts/**; return a manifest (counts, expected failures)."""
    config = config or REPO / "channels.toml"
    media_from = media_from or REPO / "posts" / "media"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(config, out / "channels.toml")
    setup = load_setup(out / "channels.toml")
    media_dir = out / "posts" / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    names = {n for spec in TOPICS.values() for n, _alt in spec["images"]}  # type: ignore[attr-defined]
    for name in sorted(names):
        source = media_from / name
        if source.is_file():
            shutil.copyfile(source, media_dir / name)
        else:  # a minimal valid 1x1 PNG stands in for a missing sample image
            (media_dir / name).write_bytes(_tiny_png())
        setup.media[name] = media_dir / name
    video = media_from / "az-blog-video.mp4"
    setup.video = media_dir / "az-blog-video.mp4"
    if video.is_file():
        shutil.copyfile(video, setup.video)
    else:
        setup.video.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x08mdat")
    generator = Generator(out, setup, seed, shape)
    for index in range(1, posts + 1):
        generator.make(index)
    count = sum(1 for p in (out / "posts").rglob("*") if p.suffix in (".md", ".toml"))
    stats = dict(sorted(generator.stats.items()))
    stats["deliberately failing"] = len(generator.expected_failures)
    stats["distinct texts"] = len(generator._texts)
    return {"posts": count, "seed": seed, "shape": shape, "stats": stats,
            "expected_failures": generator.expected_failures}


def _tiny_png() -> bytes:
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--shape", choices=("long", "short"), default="long")
    args = parser.parse_args(argv)
    manifest = generate(args.out, args.posts, args.seed, shape=args.shape)
    print(
        f"{manifest['posts']} post files in {args.out / 'posts'} ({len(manifest['expected_failures'])} "
        "deliberately failing)"
    )  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
