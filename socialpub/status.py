"""What the ledger says, and the commands a person uses on it: status, resolve, retract, verify."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialpub.check import Renderer
from socialpub.disseminations import exported_states
from socialpub.errors import CredentialsError, ExitCode, PlatformError, SocialpubError
from socialpub.hashing import same_content
from socialpub.inbox import waiting_counts
from socialpub.ledger import STATES, Ledger, Row, State, iso, utcnow
from socialpub.posts import load_posts
from socialpub.publish import Outcome, Result

if TYPE_CHECKING:
    from socialpub.adapters.base import Adapter
    from socialpub.config import Config


def status_rows(config: Config, ledger: Ledger, now: datetime) -> list[dict[str, Any]]:
    """One row per (post, channel) of the posts on disk, plus ledger rows whose post file is gone."""
    loaded = load_posts(config)
    renderer = Renderer(config)
    rows = {(r.post_id, r.channel): r for r in ledger.rows()}
    exported = exported_states(ledger)  # Form FDA 2253: promotional pieces exported or not
    out: list[dict[str, Any]] = []
    for post in loaded.posts:
        renders = renderer.render(post)
        for channel in post.channels:
            row = rows.pop((post.id, channel), None)
            state = row.state if row else None
            if state == "published" and row and row.content_hash \
                    and not same_content(row.content_hash, renders, config.compliance.limits):
                state = "edited-after-publish"
            elif state == "failed" and row and row.transient:
                state = "retrying"
            elif state is None:
                if post.publish_at is None:
                    state = "unscheduled"
                elif post.publish_at > now:
                    state = "scheduled"
                elif now - post.publish_at > config.defaults.max_lateness:
                    state = "missed"
                else:
                    state = "due"
            out.append(
                {
                    "post": post.id,
                    "channel": channel,
                    "state": state,
                    "publish_at": iso(post.publish_at),
                    "published_at": iso(row.published_at) if row else None,
                    "url": row.url if row else None,
                    "remote_id": row.remote_id if row else None,
                    "error": row.last_error if row and state not in ("published", "edited-after-publish") else None,
                    "attempts": row.attempts if row else 0,
                    "file": post.file,
                    "form_2253": exported.get((post.id, channel), "not-disseminated") if post.promotional else None,
                }
            )
    for row in rows.values():  # published once, post file since removed or renamed
        out.append({**{k: v for k, v in row.to_dict().items() if k in ("post", "channel", "state", "url",
                                                                          "remote_id", "published_at", "file")},
                    "publish_at": iso(row.scheduled_at), "error": "post file no longer in the repository",
                    "attempts": row.attempts, "form_2253": exported.get((row.post_id, row.channel))})
    waiting = waiting_counts(ledger)  # the safety inbox: counts only, never a comment's text
    for item in out:
        item["safety_items"] = waiting.get((item["post"], item["channel"]), 0)
    return sorted(out, key=lambda r: (r["publish_at"] or "9999", r["post"], r["channel"]))


def remote_id_from(value: str) -> tuple[str, str | None]:
    """An id or a URL as a person pastes it -> (remote id, url)."""
    if not re.match(r"^https?://", value):
        return value.strip(), None
    watch = re.search(r"[?&]v=([\w-]+)", value)
    if watch:
        return watch.group(1), value
    path = [p for p in re.sub(r"[?#].*$", "", value).split("/") if p]
    return path[-1], value


def resolve_outcome(ledger: Ledger, post_id: str, channel: str, published: str | None,
                    reason: str | None = None) -> str:
    reason_detail = {"reason": reason} if reason else {}  # recorded with the actor in the event
    row = ledger.get(post_id, channel)
    if row is None:
        raise SocialpubError(f"the ledger has no record of {post_id} on {channel}", hint="socialpub status lists them")
    if row.state in STATES and row.state not in (State.UNKNOWN, State.PUBLISHING, State.FAILED):
        raise SocialpubError(
            f"{post_id} on {channel} is {row.state}, not unknown: there is nothing to resolve",
            hint="resolve settles outcomes the tool could not confirm",
        )
    if row.state in (State.PUBLISHING, State.UNKNOWN) and ledger.claimer_alive(row.claimed_by):
        # That process may be sending it, or looking for it, right now: settling it here could make a second post.
        doing = "publishing" if row.state == State.PUBLISHING else "reconciling"
        refused = SocialpubError(
            f"{post_id} on {channel} is being handled right now: process {row.claimed_by} is {doing} it; "
            "nothing was changed",
            hint="wait until that run has finished (socialpub status), or stop it; then resolve what is left",
        )
        refused.exit_code = ExitCode.FINDINGS
        raise refused
    if row.state in ("publishing", "unknown") and row.claimed_by and row.claim_deadline \
            and row.claim_deadline > utcnow() and not ledger.claimer_gone(row.claimed_by):
        # Its liveness is gone, but not surely its process: a request of it may still land until the deadline
        # (runs wait for it too before they take a claim over).
        refused = SocialpubError(
            f"{post_id} on {channel} is claimed by {row.claimed_by}, whose ledger liveness is gone while its claim "
            f"runs until {row.claim_deadline:%H:%M:%S} UTC: a request of it may still be in flight; nothing was "
            "changed",
            hint="resolve it after that time, or once that process has surely stopped",
        )
        refused.exit_code = ExitCode.FINDINGS
        raise refused
    if published is not None:
        remote_id, url = remote_id_from(published)
        settled = replace(row, state=State.PUBLISHED, remote_id=remote_id, url=url or row.url, published_at=utcnow(),
                          last_error=None, transient=False, next_attempt_at=None, claimed_by=None)
    else:
        settled = replace(row, state="failed", transient=True, next_attempt_at=None, claimed_by=None,
                          last_error="resolved as not published; the next run may send it")
    if not _write_unless_changed(ledger, row, settled):
        changed = SocialpubError(
            f"{post_id} on {channel} changed while it was being resolved (a run took it over): nothing was changed",
            hint="socialpub status shows what it is now; resolve what is left",
        )
        changed.exit_code = ExitCode.FINDINGS
        raise changed
    if published is not None:
        ledger.event("resolve", settled, resolution="published", given=published, **reason_detail)
        return f"{post_id} on {channel}: recorded as published ({remote_id})."
    ledger.event("resolve", settled, resolution="not-published", **reason_detail)
    return f"{post_id} on {channel}: recorded as not published; the next `socialpub run` sends it if it is due."


def _write_unless_changed(ledger: Ledger, seen: Row, new: Row) -> bool:
    """Write `new` over the row a person acted on, in a claim transaction, only if no run claimed or settled it
    since it was read (a plain save would overwrite that run's claim, and its post would be sent again)."""

    def decide(current: Row | None) -> Row | None:
        same = current is not None and (current.state, current.claimed_by, current.claim_generation) == (
            seen.state, seen.claimed_by, seen.claim_generation)
        return new if same else None

    return ledger.claim(seen.post_id, seen.channel, decide) is not None


def retract_post(config: Config, ledger: Ledger, post_id: str, channels: Sequence[str] | None,
                 environ: Mapping[str, str] | None = None, reason: str | None = None) -> list[Result]:
    reason_detail = {"reason": reason} if reason else {}  # recorded with the actor in each event of the retraction
    renderer = Renderer(config, environ)
    renderer.learn_secrets()
    rows = [r for r in ledger.rows() if r.post_id == post_id and (not channels or r.channel in channels)]
    published = [r for r in rows if r.state == State.PUBLISHED]
    if not published:
        raise SocialpubError(f"{post_id} is not published on {', '.join(channels) if channels else 'any channel'}",
                             hint="socialpub status shows what is published where")
    results = []
    for row in published:
        if row.channel not in config.channels:
            results.append(Result(post_id, row.channel, Outcome.FAILED, error="channel no longer in channels.toml"))
            continue
        adapter = renderer.adapter(row.channel)
        if not adapter.can_delete:
            results.append(Result(post_id, row.channel, Outcome.FAILED, row.remote_id, row.url,
                                  error=f"socialpub cannot delete posts from {adapter.label}",
                                  hint="delete it on the platform by hand"))
            continue
        try:
            not_found = _take_down(adapter, row)
        except (PlatformError, CredentialsError) as error:
            if isinstance(error, PlatformError) and error.maybe_sent:  # sent, its answer lost: gone, or not
                ledger.event("retract-unknown", row, error=str(error), **reason_detail)
                results.append(Result(
                    post_id, row.channel, Outcome.UNKNOWN, row.remote_id, row.url,
                    error=f"the delete may or may not have been done: {error}",
                    hint=f"socialpub retract {post_id} --channel {row.channel} again: it asks the platform, and "
                    "records the retraction once the platform answers that the post is gone (until then the ledger "
                    "says published)"))
                continue
            ledger.event("retract-failed", row, error=str(error), **reason_detail)
            results.append(Result(post_id, row.channel, Outcome.FAILED, row.remote_id, row.url, error=str(error),
                                  hint=error.hint))
            continue
        retracted = replace(row, state="retracted", last_error=None)
        if not _write_unless_changed(ledger, row, retracted):  # `publish --again` claimed it meanwhile
            ledger.event("unrecorded", row, outcome="retracted", why="the row changed during the retraction",
                         **reason_detail)
            results.append(Result(post_id, row.channel, "unknown", row.remote_id, row.url,
                                  error="deleted on the platform, but the ledger row changed meanwhile (another "
                                  "run claimed it): not recorded as retracted",
                                  hint="socialpub status and socialpub history show what the ledger holds"))
            continue
        # `not_found`: what the platform said did not exist any more (deleted by hand, or by a delete whose
        # answer was lost): gone all the same, and the auditor sees that this retraction found it so.
        ledger.event("retract", retracted, **({"not_found": not_found} if not_found else {}), **reason_detail)
        results.append(Result(post_id, row.channel, Outcome.RETRACTED, row.remote_id, row.url))
    return results


def _take_down(adapter: Adapter, row: Row) -> list[str]:
    """Delete the post from the platform (a thread: its replies first); the ids the platform said it did not
    have. A delete is idempotent, so one whose answer was lost is asked once more: the platform then either
    deletes it or says that it is gone. A second lost answer is raised (the outcome stays unknown)."""
    not_found = []
    for remote_id in [*reversed(row.extra_ids), row.remote_id]:
        if not remote_id:
            continue
        for last_try in (False, True):
            try:
                adapter.delete(remote_id)
            except PlatformError as error:
                if error.gone:
                    not_found.append(remote_id)
                elif error.maybe_sent and not last_try:
                    continue
                else:
                    raise
            break
    return not_found


def channel_rows(config: Config) -> list[dict[str, Any]]:
    """`socialpub channels`: each channel's kind, account, credential references (never values), endpoint and
    boards."""
    return [
        {
            "name": c.name,
            "kind": c.kind,
            "account": c.account,
            "credentials": {key: str(ref) for key, ref in sorted(c.credentials.items())},
            "endpoint": c.endpoint,
            "boards": sorted(c.boards),
        }
        for c in config.channels.values()
    ]


def verify_channels(config: Config, environ: Mapping[str, str] | None, ledger_kind: str = "sqlite"
                    ) -> list[dict[str, Any]]:
    """Each channel's credentials checked with its platform. A credential file others can read fails the
    channel here (run and publish only warn), and so does a rotating token that the hosts sharing a
    PostgreSQL ledger cannot share."""
    renderer = Renderer(config, environ)
    renderer.learn_secrets()
    checks = []
    for name, channel in config.channels.items():
        item: dict[str, Any] = {"channel": name, "kind": channel.kind, "ok": True, "warnings": [], "error": None}
        adapter = renderer.adapter(name)
        try:
            item["warnings"] = list(adapter.verify())
        except (PlatformError, CredentialsError) as error:
            item["ok"] = False
            item["error"] = f"{error.message}" + (f" (hint: {error.hint})" if error.hint else "")
        problems = [renderer.credential_warnings.get(name), _unshared_rotating_token(adapter, ledger_kind)]
        for problem in filter(None, problems):
            item["ok"] = False
            item["error"] = "; ".join(filter(None, (item["error"], problem)))
        checks.append(item)
    return checks


def _unshared_rotating_token(adapter: Adapter, ledger_kind: str) -> str | None:
    """Hosts that share a PostgreSQL ledger all refresh the channel's token: a rotating refresh token must live
    where every one of them reads and writes it, which a file on one host's own disk is not."""
    ref = adapter.channel.credentials.get("refresh_token")
    if ledger_kind != "postgresql" or not adapter.rotating_refresh or ref is None:
        return None
    if ref.scheme != "file" or _file_system(Path(ref.target)) in NETWORK_FILE_SYSTEMS:
        return None
    return (
        f"the ledger is PostgreSQL (several hosts may publish) but the rotating refresh token is {ref.target} on "
        "this host's own disk: a host that refreshes it leaves the others a used one; keep it on a file system "
        "every publishing host mounts (README: rotating refresh tokens)"
    )


NETWORK_FILE_SYSTEMS = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "fuse.glusterfs",
                                  "fuse.sshfs", "9p", "lustre", "gpfs", "beegfs", "fuse.s3fs", "efs"})


def _file_system(path: Path, mounts_file: Path = Path("/proc/self/mounts")) -> str | None:
    """The type of the file system holding `path` (Linux: /proc/self/mounts), or None when unknown."""
    try:
        mounts = mounts_file.read_text().splitlines()
    except OSError:
        return None
    target = str(path.expanduser().resolve())
    best, kind = "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind
