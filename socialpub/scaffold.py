"""`socialpub init`: a new repository of posts that passes `socialpub check` from the first minute."""

from __future__ import annotations

from datetime import date
from pathlib import Path

CHANNELS_TOML = """\
# socialpub configuration. Credentials are references only: env:NAME or file:PATH (outside this repository).

[defaults]
timezone = "America/New_York"       # IANA zone: local publish_at times are read in it
ledger = ".socialpub/ledger.db"     # or "postgresql://user@host/db" (or SOCIALPUB_LEDGER)
max_lateness = "24h"                # later than this past publish_at: `missed`, not published late
min_gap = "30m"                     # posts on one channel closer than this are a collision in `agenda`
sponsor = "ExamplePharma"

[channels.example-twitter]
kind = "twitter"
account = "ExamplePharma"
api_key = "env:EXAMPLE_TWITTER_API_KEY"
api_secret = "env:EXAMPLE_TWITTER_API_SECRET"
access_token = "env:EXAMPLE_TWITTER_ACCESS_TOKEN"
access_secret = "env:EXAMPLE_TWITTER_ACCESS_SECRET"

[channels.example-facebook]
kind = "facebook"
page_id = "123456789"
page_token = "env:EXAMPLE_FB_PAGE_TOKEN"
graph_version = "v21.0"

[compliance.approval]
# The MLR approval code as your pages print it; the named groups month and yy give the approval month.
code_regex = '^(?P<id>\\d{7})\\s+Last Updated (?P<month>1[0-2]|0?[1-9])/(?P<yy>\\d{2})$'
max_age_months = 12
warn_within_days = 30

[compliance.links]
allow_hosts = ["www.example.com", "www.fda.gov", "clinicaltrials.gov"]
deny_hosts = ["bit.ly", "ow.ly", "tinyurl.com", "goo.gl"]

[compliance.privacy]
allow_phones = ["1-800-FDA-1088"]
allow_email_domains = ["example.com"]
company_handles = ["@ExamplePharma"]

[compliance.disclosure]
accepted = ["#ad", "#sponsored", "sponsored", "paid partnership with examplepharma", "#epemployee"]
ambiguous = ["#sp", "#spon", "#collab", "#partner", "#ambassador"]

[compliance.safety]
reporting = ["1-800-FDA-1088", "fda.gov/medwatch"]

# One table per marketed product: the rules read names, indications and risks from here.
# [compliance.products.example]
# brand = "EXAMPLEBRAND"
# established = "examplinib"
# indication_terms = ["..."]
# offlabel_terms = ["..."]
# serious_risk_terms = ["..."]
# risk_url = "https://www.example.com/risk"
# pi_url = "https://www.example.com/pi"
"""

WELCOME_POST = """\
+++
title = "Welcome"
channels = ["example-twitter", "example-facebook"]
post_type = "corporate"
approval_code = "{code}"   # replace with the MLR approval code of this post
approval_status = "approved"
link = "https://www.example.com/news"
+++
We are now sharing our news here. Follow along for stories from our labs and our people.
"""

WORKFLOW = """\
# Compliance preview on every pull request that touches posts (socialpub check).
name: socialpub check
on:
  pull_request:
    paths: ["posts/**", "channels.toml"]
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: { python-version: "3.12" }
      - run: pip install socialpub
      - run: socialpub check --format github
"""

CRONTAB = """\
# Publish what is due every 5 minutes (crontab -e). Credentials come from the environment file.
*/5 * * * * cd /srv/posts && . ./.socialpub.env && socialpub run --quiet
"""


def scaffold(directory: Path, today: date | None = None) -> tuple[list[Path], list[Path]]:
    """Write the starter files that do not exist yet; return (created, kept)."""
    today = today or date.today()
    files = {
        Path("channels.toml"): CHANNELS_TOML,
        Path("posts/welcome.md"): WELCOME_POST.format(code=f"0000001  Last Updated {today.month}/{today:%y}"),
        Path(".github/workflows/socialpub-check.yml"): WORKFLOW,
        Path("crontab.example"): CRONTAB,
    }
    created, kept = [], []
    for relative, content in files.items():
        target = directory / relative
        if target.exists():
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        created.append(target)
    return created, kept
