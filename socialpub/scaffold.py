"""`socialpub init`: a new repository of posts that passes `socialpub check` from the first minute."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from socialpub.errors import SocialpubError

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

# YouTube and Pinterest sign in through OAuth: set the app's client id and secret in the environment, run
# `socialpub auth NAME` once (it writes the tokens outside this repository), then uncomment the table.
# [channels.example-youtube]
# kind = "youtube"
# client_id = "env:EXAMPLE_YT_CLIENT_ID"
# client_secret = "env:EXAMPLE_YT_CLIENT_SECRET"
# refresh_token = "file:~/.config/socialpub/example-youtube.refresh_token.token"

# [channels.example-pinterest]
# kind = "pinterest"
# app_id = "env:EXAMPLE_PINTEREST_APP_ID"
# app_secret = "env:EXAMPLE_PINTEREST_APP_SECRET"
# access_token = "file:~/.config/socialpub/example-pinterest.access_token.token"
# refresh_token = "file:~/.config/socialpub/example-pinterest.refresh_token.token"
# [channels.example-pinterest.boards]   # board name (as posts write it) -> board id
# "News" = "549755885175"

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
# application = "NDA 212345"    # Form FDA 2253 (socialpub export 2253): NDA, BLA or ANDA and its number
# pi_version = "01/2025"        # the Prescribing Information the promotional pieces go with
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
# socialpub review: every pull request that touches posts gets the compliance preview.
# Runs on `pull_request` (never `pull_request_target`) and uses no secrets: no publishing credential can
# reach code from a pull request. Publishing runs elsewhere (cron, or a scheduled workflow on main).
# Values from the event reach commands only through `env:` (a branch name is data, never shell code), and
# each action is pinned to a full commit hash, its version in the comment.
name: socialpub review
on:
  pull_request:
    paths: ["posts/**", "channels.toml"]
permissions:
  contents: read
  security-events: write   # upload SARIF to code scanning
env:
  BASE_REF: ${{ github.base_ref }}
  # socialpub is installed from its own git repository at a reviewed commit, never by name from a public
  # index (where another package may hold the name). Fill in both (README, "CI: review every pull request").
  SOCIALPUB_REPOSITORY: https://example.com/socialpub.git
  SOCIALPUB_COMMIT: PIN-A-COMMIT
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 0   # --changed-since needs the base branch's history
          persist-credentials: false
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
        with:
          python-version: "3.12"
      - name: Install socialpub (pinned commit)
        run: |
          if ! [[ "$SOCIALPUB_COMMIT" =~ ^[0-9a-f]{40}$ ]]; then
            echo "::error::set SOCIALPUB_COMMIT in this workflow to a full commit hash of socialpub's repository"
            exit 2
          fi
          pip install "socialpub @ git+${SOCIALPUB_REPOSITORY}@${SOCIALPUB_COMMIT}"
      - name: Compliance check (annotations on the changed lines)
        run: socialpub check --changed-since "origin/$BASE_REF" --format github
      - name: Job summary
        if: always()
        run: |
          socialpub check --changed-since "origin/$BASE_REF" --format markdown --output summary.md || true
          cat summary.md >> "$GITHUB_STEP_SUMMARY"
      - name: SARIF for code scanning
        if: always()
        run: socialpub check --format sarif --output socialpub.sarif || true
      - uses: github/codeql-action/upload-sarif@5d4e8d1aca955e8d8589aabd499c5cae939e33c7 # v4.31.9
        if: always()
        with:
          sarif_file: socialpub.sarif
          category: socialpub
      - name: HTML preview for reviewers
        if: always()
        run: socialpub preview --html socialpub-preview.html || true
      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2
        if: always()
        with:
          name: socialpub-preview
          path: socialpub-preview.html
"""

CRONTAB = """\
# Publish what is due every 5 minutes (crontab -e). The credentials come from an environment file
# outside the repository (chmod 600), never from channels.toml. cron mails whatever is printed: with
# --quiet only what needs attention is (failed, unknown, missed, refused).
# Exit codes for alerting: 0 ok (also: lock held / paused), 1 refused by findings, 2 configuration,
# 3 a channel failed, 4 an outcome is unknown (socialpub resolve).
# cron runs /bin/sh with PATH=/usr/bin:/bin: hence the full path to socialpub. `set -a` exports the NAME=value
# lines of the credentials file (a plain `.` would set them for the shell only, never for socialpub).
*/5 * * * * cd /srv/posts && set -a && . /etc/socialpub/credentials.env && /usr/local/bin/socialpub run --quiet
"""

SYSTEMD = """\
# /etc/systemd/system/socialpub.service — one run; the timer below starts it every 5 minutes.
[Unit]
Description=socialpub: publish the posts that are due
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User=socialpub
WorkingDirectory=/srv/posts
# The same NAME=value file as the crontab line; no leading '-': a missing file fails the unit, never a run
# without credentials. systemd reads it as root before switching to User=, so it may stay root-only (0600).
EnvironmentFile=/etc/socialpub/credentials.env
ExecStart=/usr/local/bin/socialpub run --quiet
# 0 ok, 1 refused by findings, 2 configuration, 3 a channel failed, 4 unknown outcome: 1-4 mark the unit failed.

# /etc/systemd/system/socialpub.timer
# [Unit]
# Description=Run socialpub every 5 minutes
# [Timer]
# OnCalendar=*:0/5
# Persistent=true
# [Install]
# WantedBy=timers.target
"""


# Whole-line patterns only: git reads a `#` after a pattern as part of it.
GITIGNORE_PATTERNS = (".socialpub/", "credentials.env")
GITIGNORE = """\
# socialpub: the ledger, its lock and local state, and the NAME=value secrets for cron, never go into git.
.socialpub/
credentials.env
"""


def scaffold(directory: Path, today: date | None = None) -> tuple[list[Path], list[Path], list[Path]]:
    """Write the starter files that do not exist yet; return (created, updated, kept). An existing .gitignore
    gets the patterns it lacks (updated); every other existing file is kept as it is.

    Everything is checked before anything is written: a symbolic link that leads out of `directory`, or a
    file where a folder goes (or the reverse), is a SocialpubError and nothing is written.
    """
    today = today or date.today()
    files = {
        Path("channels.toml"): CHANNELS_TOML,
        Path("posts/welcome.md"): WELCOME_POST.format(code=f"0000001  Last Updated {today.month}/{today:%y}"),
        Path(".github/workflows/socialpub-review.yml"): WORKFLOW,
        Path("crontab.example"): CRONTAB,
        Path("socialpub.service.example"): SYSTEMD,
        Path(".gitignore"): GITIGNORE,
    }
    problems = [problem for relative in files for problem in _problems(directory, relative)]
    if (directory / ".gitignore").is_symlink():  # it would be appended to through the link, and git ignores it
        problems.append(".gitignore is a symbolic link, which git does not read: make it a file")
    if problems:
        raise SocialpubError(
            f"cannot set up {directory}: " + "; ".join(dict.fromkeys(problems)) + ". Nothing was written",
            hint="move the link or file aside (or pick another folder) and run `socialpub init` again",
        )
    created, updated, kept = [], [], []
    for relative, content in files.items():
        target = directory / relative
        if relative == Path(".gitignore") and target.exists():
            (updated if _add_ignores(target) else kept).append(target)
            continue
        if target.exists():
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_new(target, content)
        created.append(target)
    return created, updated, kept


def _problems(directory: Path, relative: Path) -> list[str]:
    """Why `relative` cannot be written under `directory` without leaving it or replacing something."""
    if directory.exists() and not directory.is_dir():
        return [f"{directory} is a file, not a folder"]
    root = directory.resolve()
    here = directory
    parts = relative.parts
    for depth, part in enumerate(parts):
        here = here / part
        shown = Path(*parts[: depth + 1]).as_posix()
        is_last = depth == len(parts) - 1
        try:
            if here.is_symlink():
                target = Path(os.path.realpath(here))
                if not target.is_relative_to(root):
                    return [f"{shown} is a symbolic link to {target}, outside the folder"]
                if not target.exists():
                    return [f"{shown} is a symbolic link to {target}, which does not exist"]
            if not here.exists():
                return []  # created from here on: nothing below can be in the way
            if is_last and not here.is_file():
                return [f"{shown} is a folder where a file goes"]
            if not is_last and not here.is_dir():
                return [f"{shown} is a file where a folder goes"]
        except OSError as exc:
            return [f"{shown} cannot be read ({exc.strerror})"]
    return []


def _write_new(path: Path, content: str) -> None:
    """Create `path`, never through a link (O_NOFOLLOW) and never over a file (O_EXCL) that appeared since."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(path, flags, 0o644), "w", encoding="utf-8") as out:
        out.write(content)


def _add_ignores(gitignore: Path) -> bool:
    """Add socialpub's patterns to an existing .gitignore that lacks them; True when it changed."""
    text = gitignore.read_text(encoding="utf-8", errors="replace")
    present = {line.strip() for line in text.splitlines()}
    missing = [pattern for pattern in GITIGNORE_PATTERNS if pattern not in present]
    if not missing:
        return False
    with gitignore.open("a", encoding="utf-8") as out:
        out.write(("\n" if text and not text.endswith("\n") else "") + "# socialpub\n" + "\n".join(missing) + "\n")
    return True
