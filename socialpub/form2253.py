"""`socialpub export 2253`: the Form FDA 2253 package of the promotional pieces disseminated in a window.

A piece is one dissemination of one (post, channel) (socialpub.disseminations). For each, a specimen PDF is
drawn from what went out (the stored payload and image copies in the ledger, never the post file as it reads
now), and `manifest.csv` and `manifest.json` list one row per piece and product with the form's fields. The
package is built in a temporary folder beside the target and moved into place when complete; then each
piece's export is recorded in the ledger (event `exported-2253`), which `status` and `agenda` show.

fpdf2 (and the font) are loaded only here: no other command pays for them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialpub.disseminations import EXPORTED, Dissemination, disseminations
from socialpub.errors import ExitCode, SocialpubError
from socialpub.ledger import iso
from socialpub.report import csv_safe, envelope

if TYPE_CHECKING:
    from socialpub.config import Config, Product
    from socialpub.ledger import Ledger
    from socialpub.posts import Post

FONTS = Path(__file__).resolve().parent / "fonts"
PLATFORMS = {"twitter": "X", "facebook": "Facebook", "youtube": "YouTube", "pinterest": "Pinterest"}
MATERIAL = {"twitter": "social media post", "facebook": "social media post", "youtube": "online video",
            "pinterest": "social media pin"}
MANIFEST_COLUMNS = (
    "piece", "application", "proprietary_name", "established_name", "product", "pi_version", "material_id",
    "material_type", "audience", "disseminated_on", "disseminated_at", "time_source", "new_or_revision",
    "previous_piece", "retracted_at", "channel", "platform", "platform_url", "post", "content_hash",
    "payload_sha256", "specimen", "specimen_sha256",
)
MAX_DRAWN_PIXELS = 50_000_000  # an 8K photo is 33 million; past this, decoding one image could exhaust memory
COMMAND = "export 2253"  # manifest.json's "command": how a folder is known as an earlier package (--force)


@dataclass
class Piece:
    dissemination: Dissemination
    payload: dict[str, Any] | None
    audience: str
    products: list[Product]
    specimen: str = ""  # relative to the package folder
    specimen_sha256: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class Package:
    folder: Path
    pieces: list[Piece]
    manifest: dict[str, Any]
    unrecorded: list[str] = field(default_factory=list)  # outcomes the ledger did not take, in the window

    @property
    def problems(self) -> list[str]:
        return [f"{p.dissemination.post_id} on {p.dissemination.channel} (piece {p.dissemination.event_id}): "
                f"{problem}" for p in self.pieces for problem in p.problems] + self.unrecorded


def window(config: Config, start: date, end: date) -> tuple[datetime, datetime]:
    """[first moment of `start`, first moment after `end`) in the configured time zone, as UTC."""
    if end < start:
        raise SocialpubError(f"--to {end} is before --from {start}", hint="give the first and the last day of "
                             "the period, e.g. --from 2014-10-01 --to 2014-12-31")
    from socialpub.posts import day_start

    zone = config.defaults.timezone
    return day_start(start, zone).astimezone(UTC), day_start(end + timedelta(days=1), zone).astimezone(UTC)


def export_2253(config: Config, ledger: Ledger, out: Path, start: date, end: date, *, force: bool = False,
                now: datetime | None = None) -> Package:
    """Write the package of the promotional pieces disseminated from `start` to `end` (whole days) to `out`."""
    out = Path(os.path.abspath(out))  # "." and ".." named, links not followed (refused below)
    _check_target(out, force)
    low, high = window(config, start, end)
    events = ledger.events()
    posts_now = cache(lambda: _posts_now(config))
    found = [_piece(config, ledger, d, posts_now) for d in disseminations(events, ledger.rows()) if low <= d.at < high]
    pieces = [p for p in found if p is not None]
    unrecorded = _unrecorded(events, low, high)
    made = now or datetime.now(UTC)
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        building = parent / f".{out.name}.{secrets.token_hex(4)}.partial"
        building.mkdir()  # a new name: never an existing folder or a link someone placed there
    except OSError as exc:
        raise SocialpubError(f"cannot write in {parent}: {exc.strerror}", hint="choose a folder you may write to "
                             "with -o") from None
    try:
        for piece in pieces:
            _write_specimen(config, ledger, piece, building)
        rows = [row for piece in pieces for row in _rows(config, piece)]
        manifest = json.loads(envelope(
            COMMAND, **{"from": start.isoformat()}, to=end.isoformat(),
            timezone=config.defaults.timezone.key, generated_at=iso(made), pieces=len(pieces), rows=rows,
            problems=Package(out, pieces, {}, unrecorded).problems,
        ))
        _write(building / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        _write(building / "manifest.csv", _csv(rows))
        _move_into_place(building, out, force)
    except OSError as exc:  # disk full, a folder that cannot be renamed…: nothing is left half-written
        shutil.rmtree(building, ignore_errors=True)
        raise SocialpubError(f"cannot write the package to {out}: {exc.strerror or exc}; nothing was written",
                             hint="free space or choose another folder with -o") from None
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    _record(ledger, pieces, out)
    return Package(out, pieces, manifest, unrecorded)


def _record(ledger: Ledger, pieces: list[Piece], out: Path) -> None:
    """One `exported-2253` event per piece, all in one transaction, once the package is in place."""
    from socialpub.ledger import LedgerError

    try:
        with ledger.transaction() as cur:
            for piece in pieces:
                d = piece.dissemination
                ledger._event(cur, EXPORTED, None, post_id=d.post_id, channel=d.channel, dissemination=d.event_id,
                              specimen=piece.specimen, specimen_sha256=piece.specimen_sha256,
                              payload=d.payload_hash, package=str(out))
    except LedgerError as error:
        failed = SocialpubError(f"the package is written to {out}, but the ledger did not record its export: "
                                f"{error.message}", hint="status shows its pieces as pending; once the ledger "
                                "answers, export again with --force")
        failed.exit_code = ExitCode.FINDINGS
        raise failed from None


# --- which pieces, and what is known of them ------------------------------------------------------------


def _piece(config: Config, ledger: Ledger, d: Dissemination, posts_now: Callable[[], dict[str, Post]]
           ) -> Piece | None:
    """The piece of a dissemination when its post was promotional, else None."""
    problems: list[str] = []
    promotional, audience = d.promotional, d.audience
    if promotional is None:  # recorded by an older socialpub: the post file as it is now is all there is
        post = posts_now().get(d.post_id)
        if post is None:
            promotional = True  # listed, for a person to decide: leaving it out could hide a promotional piece
            problems.append("whether the post was promotional is not on record and its file is gone: check it")
        else:
            promotional, audience = post.promotional, post.audience
            problems.append("promotional and audience read from the post file as it is now (not on record)")
    if not promotional:
        return None
    payload = ledger.payload(d.payload_hash) if d.payload_hash else None
    if payload is None:
        problems.append("the payload sent is not in the ledger (recorded by an older socialpub, or altered): "
                        "the specimen shows the ledger's record only")
    products = _products(config, payload)
    if not products:
        problems.append("names no product of [compliance.products]: application and names are empty")
    else:
        for product in products:
            if not product.application:
                problems.append(f"[compliance.products.{product.key}] has no application number")
    if d.time_source == "ledger":
        problems.append("the platform's publish time is not on record: the time the ledger recorded it is used")
    return Piece(d, payload, audience if audience in ("consumer", "professional") else "consumer", products,
                 problems=problems)


def _unrecorded(events: list[dict[str, Any]], low: datetime, high: datetime) -> list[str]:
    """A post found or made on the platform whose outcome the ledger did not take (its claim was taken over
    meanwhile: docs/exactly-once.md, "Fencing"): it may be out there, so it is said, never left out silently."""
    said = []
    for event in events:
        detail = event.get("detail")
        outcome = str(detail.get("outcome") or "") if isinstance(detail, Mapping) else ""
        if event.get("action") == "unrecorded" and outcome.startswith(("published", "found")):
            at = datetime.fromisoformat(event["at"])
            if low <= at < high:
                said.append(f"{event.get('post_id')} on {event.get('channel')}: an outcome the ledger did not take "
                            f"(event {event['id']}: {outcome}) may be a dissemination; see socialpub history")
    return said


def _posts_now(config: Config) -> dict[str, Post]:
    """The posts on disk by id (asked for only by dissemination events of an older socialpub)."""
    from socialpub.posts import load_posts

    return {p.id: p for p in load_posts(config).posts}


def _products(config: Config, payload: Mapping[str, Any] | None) -> list[Product]:
    """The configured products whose brand or established name the sent texts name, as the product rules
    find them (whole words, any case, URLs left out)."""
    if payload is None:
        return []
    from socialpub.rules import text as T

    texts = [str(payload.get("title") or "")]
    for part in payload.get("parts") or ():
        texts.append(str(part.get("text") or "") if isinstance(part, Mapping) else "")
    for ref in _media_refs(payload):
        texts.append(str(ref.get("alt") or ""))
    masked = [T.mask_urls(t) for t in texts if t]
    return [product for product in config.compliance.products.values()
            if any(T.matcher((product.brand, product.established)).search(t) for t in masked)]


def _media_refs(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The media references of a payload: its parts', its own and its thumbnail (some more than once)."""
    refs = [m for part in payload.get("parts") or () if isinstance(part, Mapping)
            for m in part.get("media") or () if isinstance(m, Mapping)]
    refs += [m for m in payload.get("media") or () if isinstance(m, Mapping)]
    thumbnail = payload.get("thumbnail")
    return [*refs, thumbnail] if isinstance(thumbnail, Mapping) else refs


# --- the manifest -----------------------------------------------------------------------------------------


def _rows(config: Config, piece: Piece) -> list[dict[str, Any]]:
    d = piece.dissemination
    platform = _platform(config, piece)
    base = {
        "piece": d.event_id,
        "material_id": d.approval_code,
        "material_type": f"{MATERIAL.get(platform, 'social media post')} ({PLATFORMS.get(platform, platform)})",
        "audience": piece.audience,
        "disseminated_on": d.at.astimezone(config.defaults.timezone).date().isoformat(),
        "disseminated_at": iso(d.at),
        "time_source": d.time_source,
        "new_or_revision": d.kind,
        "previous_piece": d.previous,
        "retracted_at": iso(d.retracted_at),
        "channel": d.channel,
        "platform": PLATFORMS.get(platform, platform),
        "platform_url": d.url,
        "post": d.post_id,
        "content_hash": d.content_hash,
        "payload_sha256": d.payload_hash,
        "specimen": piece.specimen,
        "specimen_sha256": piece.specimen_sha256,
    }
    products = piece.products or [None]
    rows = []
    for product in products:
        row = {
            **base,
            "application": product.application if product else None,
            "proprietary_name": product.brand if product else None,
            "established_name": product.established if product else None,
            "product": product.key if product else None,
            "pi_version": product.pi_version if product else None,
        }
        rows.append({column: row[column] for column in MANIFEST_COLUMNS})
    return rows


def _platform(config: Config, piece: Piece) -> str:
    """The payload's platform (a kind socialpub knows), else the channel's kind in the configuration."""
    said = (piece.payload or {}).get("platform")
    if said in PLATFORMS:
        return str(said)
    found = config.channels.get(piece.dissemination.channel)
    return found.kind if found else "unknown"


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180, as history's CSV
    writer.writerow(MANIFEST_COLUMNS)
    for row in rows:
        writer.writerow([csv_safe(row[c]) for c in MANIFEST_COLUMNS])
    return buffer.getvalue()


# --- where the package goes ---------------------------------------------------------------------------------


def _check_target(out: Path, force: bool) -> None:
    """`out` must be a new or empty folder, or (with --force) an earlier package, which is replaced whole."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise SocialpubError(f"-o {out} is not a folder", hint="give a new folder for the package")
    if not out.is_dir() or not any(out.iterdir()):
        return
    earlier = _is_package(out)
    if force and earlier:
        return
    if force:
        raise SocialpubError(
            f"-o {out} is not empty and holds no earlier Form 2253 package (no manifest.json of one): nothing was "
            "written", hint="--force replaces only an earlier package; give a new folder, e.g. a dated one")
    raise SocialpubError(f"-o {out} is not empty: nothing was written",
                         hint="give a new folder (e.g. 2253-2014-10), or --force to replace the earlier package in it"
                         if earlier else "give a new or empty folder (e.g. 2253-2014-10)")


def _is_package(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("command") == COMMAND


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


BUSY = ".socialpub-export-in-progress"  # made in an empty -o folder while a package moves into it


def _move_into_place(building: Path, out: Path, force: bool) -> None:
    """The finished package goes into place by renames on one file system: as the new folder, or into the
    empty folder given (the manifests last, so a package with its manifest is whole), or (--force) in place
    of the earlier package, which a reader sees until the new one is there. Another export into the same
    folder meanwhile is found here (the folder was checked when this one began): this one then writes nothing."""
    old = None
    if out.is_dir() and not any(out.iterdir()):
        try:
            (out / BUSY).mkdir()  # one export at a time moves into an empty folder
        except FileExistsError:
            raise _concurrent(out) from None
        if [entry.name for entry in out.iterdir()] != [BUSY]:  # another export finished in between
            (out / BUSY).rmdir()
            raise _concurrent(out)
        entries = sorted(building.iterdir(), key=lambda p: p.name.startswith("manifest."))
        for entry in entries:
            os.rename(entry, out / entry.name)
        building.rmdir()
        (out / BUSY).rmdir()
        return
    if out.exists() and not force:
        raise _concurrent(out)
    if out.is_dir():
        old = building.with_name(building.name.replace(".partial", ".replaced"))
        os.rename(out, old)
    try:
        os.rename(building, out)
    except OSError:
        if old is not None:
            os.rename(old, out)  # put the earlier package back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _concurrent(out: Path) -> SocialpubError:
    return SocialpubError(f"another export wrote into {out} while this one ran: nothing was written",
                          hint="give each export its own folder (e.g. a dated one)")


# --- the specimen ---------------------------------------------------------------------------------------------


def _specimen_name(d: Dissemination, audience: str, zone: Any) -> str:
    """`consumer/2014-10-20_38_oncavix-facebook_az-us-facebook.pdf`: unique by the event id, which a long
    name never cuts off."""
    day = d.at.astimezone(zone).date().isoformat()
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", f"{day}_{d.event_id}_{d.post_id}_{d.channel}")[:150]
    return f"{audience}/{safe}.pdf"


def _write_specimen(config: Config, ledger: Ledger, piece: Piece, folder: Path) -> None:
    piece.specimen = _specimen_name(piece.dissemination, piece.audience, config.defaults.timezone)
    data = specimen_pdf(config, ledger, piece)
    _write(folder / piece.specimen, data)
    piece.specimen_sha256 = hashlib.sha256(data).hexdigest()


def specimen_pdf(config: Config, ledger: Ledger | None, piece: Piece) -> bytes:
    """The specimen of one piece: the form's facts, then a platform-like card of what was sent."""
    from fpdf import FPDF

    d = piece.dissemination
    zone = config.defaults.timezone
    payload = piece.payload or {}
    platform = _platform(config, piece)
    pdf = FPDF(format="letter")
    pdf.set_creation_date(d.at)  # the same piece gives the same file
    pdf.set_title(drawable(f"Form FDA 2253 specimen: {d.post_id} on {d.channel}"))
    pdf.set_author(drawable(config.defaults.sponsor or "socialpub"))
    pdf.set_creator("socialpub export 2253")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.alias_nb_pages()
    pdf.add_page()
    pen = _Pen(pdf)

    pen.heading(f"Form FDA 2253 specimen: {PLATFORMS.get(platform, platform)}", size=15)
    local = d.at.astimezone(zone)
    how = {"platform": "the platform's publish time", "person": "confirmed by a person (socialpub resolve "
           "--published)", "ledger": "the time the ledger recorded it; the platform's time is not on record"}
    facts = [
        ("Material ID (approval code)", d.approval_code or "none on record"),
        ("Disseminated", f"{iso(d.at)} UTC ({local.isoformat(sep=' ', timespec='minutes')} {zone.key}): "
                         f"{how.get(d.time_source, d.time_source)}"),
        ("New or revision", {"new": "first dissemination",
                             "revision": f"revision of piece {d.previous} (dissemination {d.number})",
                             "re-send": f"re-send of piece {d.previous}, same content "
                                        f"(dissemination {d.number})"}.get(d.kind, d.kind)),
        ("Retracted", f"{iso(d.retracted_at)} UTC" if d.retracted_at else "no"),
        ("Platform URL", d.url or "none on record"),
        ("Channel", f"{d.channel} ({PLATFORMS.get(platform, platform)})"),
        ("Audience", piece.audience),
        ("Products", "; ".join(f"{p.brand} ({p.established}), {p.application or 'no application number'}"
                               for p in piece.products) or "none named"),
        ("Post", d.post_id),
        ("Content hash", d.content_hash or "none on record"),
        ("Payload sha256", d.payload_hash or "none on record"),
        ("Ledger event", str(d.event_id)),
    ]
    for label, value in facts:
        pen.fact(label, value)
    for problem in piece.problems:
        pen.note(f"Note: {problem}")
    pen.rule()

    pen.heading("As sent", size=12)
    _card(pen, config, ledger, piece, payload, platform)
    return bytes(pdf.output())


def _card(pen: _Pen, config: Config, ledger: Ledger | None, piece: Piece, payload: Mapping[str, Any],
          platform: str) -> None:
    d = piece.dissemination
    channel = config.channels.get(d.channel)
    options = payload.get("options") if isinstance(payload.get("options"), Mapping) else {}
    account = (f"@{channel.options['account']}" if channel and channel.options.get("account") else
               f"Page {options['page_id']}" if options.get("page_id") else d.channel)
    pen.label(f"{PLATFORMS.get(platform, platform)} · {account}")
    if not payload:
        pen.note("[the payload that was sent is not in the ledger: no text or media can be shown]")
        return
    title = payload.get("title")
    if title:
        pen.label("Video title" if platform == "youtube" else "Title")
        pen.text(str(title), bold=True)
    parts = [p for p in payload.get("parts") or () if isinstance(p, Mapping)]
    drawn: set[str] = set()
    for number, part in enumerate(parts, start=1):
        if platform == "youtube":
            pen.label("Video description")
        elif len(parts) > 1:
            pen.label(f"Part {number} of {len(parts)}")
        pen.text(str(part.get("text") or ""))
        for ref in part.get("media") or ():
            if isinstance(ref, Mapping):
                _media(pen, ledger, ref)
                drawn.add(json.dumps(ref, sort_keys=True, default=str))
    for ref in payload.get("media") or ():
        if isinstance(ref, Mapping) and json.dumps(ref, sort_keys=True, default=str) not in drawn:
            _media(pen, ledger, ref)
    if platform == "youtube":
        thumbnail = payload.get("thumbnail")
        pen.label("Thumbnail")
        if isinstance(thumbnail, Mapping):
            _media(pen, ledger, thumbnail, thumbnail=True)
        else:
            pen.placeholder("No custom thumbnail was sent: YouTube shows a frame of the video")
    if payload.get("link"):
        pen.label("Link")
        pen.text(str(payload["link"]))
    if payload.get("board"):
        pen.label("Board")
        pen.text(str(payload["board"]))


def _media(pen: _Pen, ledger: Ledger | None, ref: Mapping[str, Any], *, thumbnail: bool = False) -> None:
    kind = str(ref.get("kind") or "")
    digest = str(ref.get("sha256") or "")
    what = "thumbnail" if thumbnail else kind or "media"
    about = f"{what} {ref.get('path') or ''}, sha256 {digest or 'unknown'}, {ref.get('bytes') or '?'} bytes"
    alt = ref.get("alt")
    if kind == "video":
        pen.placeholder(f"VIDEO (not copied into the ledger; kept in git at the recorded commit): {about}")
    else:
        data = ledger.blob(digest) if ledger is not None and digest and ref.get("stored") else None
        if data is None or hashlib.sha256(data).hexdigest() != digest:
            pen.placeholder(f"IMAGE NOT IN THE LEDGER: {about}")
        elif (size := pen.oversized(data)) is not None:
            pen.placeholder(f"IMAGE TOO LARGE TO DRAW ({size[0]} x {size[1]} pixels): {about}")
        elif not pen.image(data):
            pen.placeholder(f"IMAGE COULD NOT BE DRAWN: {about}")
        else:
            pen.small(about)
    if alt:
        pen.small(f"Alt text: {alt}")


class _Pen:
    """What the specimen writes, in the bundled font, with every character made printable (`drawable`)."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.width = pdf.w - pdf.l_margin - pdf.r_margin

    def _cell(self, text: str, size: float, style: str = "", gray: int = 0, height: float | None = None) -> None:
        pdf = self.pdf
        pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(gray)
        pdf.set_x(pdf.l_margin)
        # fpdf2 wraps at spaces and breaks a word longer than the line (a long URL, hostile text) where it must
        pdf.multi_cell(self.width, height or size * 0.5, drawable(text), align="L", new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str, size: float) -> None:
        self.pdf.ln(2)
        self._cell(text, size, "B")
        self.pdf.ln(1)

    def fact(self, label: str, value: str) -> None:
        self._cell(f"{label}: {value}", 9)

    def note(self, text: str) -> None:
        self._cell(text, 9, gray=110)

    def label(self, text: str) -> None:
        self.pdf.ln(2)
        self._cell(text, 8, "B", gray=90)

    def text(self, text: str, bold: bool = False) -> None:
        self._cell(text, 11, "B" if bold else "", height=5.5)

    def small(self, text: str) -> None:
        self._cell(text, 8, gray=90)

    def rule(self) -> None:
        pdf = self.pdf
        pdf.ln(2)
        pdf.set_draw_color(180)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + self.width, pdf.get_y())
        pdf.ln(2)

    def placeholder(self, text: str) -> None:
        pdf = self.pdf
        pdf.ln(1)
        pdf.set_font("DejaVu", "", 9)
        pdf.set_fill_color(235)
        pdf.set_text_color(60)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(self.width, 6, drawable(text), border=1, fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    @staticmethod
    def oversized(data: bytes) -> tuple[int, int] | None:
        """(width, height) of an image too large to decode for a specimen (a decompression bomb: a small file
        of huge dimensions, gigabytes once decoded), read from its header only; None otherwise."""
        try:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
        except Exception:  # noqa: BLE001 - not an image Pillow reads: image() says so
            return None
        return (width, height) if width * height > MAX_DRAWN_PIXELS else None

    def image(self, data: bytes) -> bool:
        """Draw an image at most 120 x 90 mm; False when it cannot be decoded."""
        pdf = self.pdf
        try:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as probe:
                probe.load()
                width, height = probe.size
            scale = min(120 / width, 90 / height)
            w, h = max(width * scale, 1.0), max(height * scale, 1.0)
            if pdf.get_y() + h > pdf.page_break_trigger:
                pdf.add_page()
            pdf.ln(1)
            pdf.image(io.BytesIO(data), x=pdf.l_margin, w=w, h=h)
            return True
        except Exception:  # noqa: BLE001 - any undecodable image (Pillow's errors vary): shown as a placeholder
            return False


@cache
def _glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(FONTS / "DejaVuSans.ttf"), lazy=True) as font:
        return frozenset(font.getBestCmap())


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or code in (0x200D, 0xFE0F) or \
        0x1F3FB <= code <= 0x1F3FF


def drawable(text: str) -> str:
    """`text` as the specimen prints it: each run of characters the font cannot draw, and every control or
    invisible format character, becomes a labelled placeholder with its code points ("[emoji U+1F600]",
    "[not in the font: U+4E2D U+6587]", "[control U+001B]"), so nothing that was sent is silently dropped."""
    glyphs = _glyphs()
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            codes = " ".join(f"U+{ord(c):04X}" for c in run)
            if any(_is_emoji(c) for c in run):
                label = "emoji"
            elif all(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in run):
                label = "control" if all(unicodedata.category(c) == "Cc" for c in run) else "invisible"
            else:
                label = "not in the font:"
            out.append(f"[{label} {codes}]")
            run.clear()

    for char in text:
        if char == "\n":
            flush()
            out.append(char)
        elif char == "\t":
            flush()
            out.append("    ")
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") or ord(char) not in glyphs:
            run.append(char)
        else:
            flush()
            out.append(char)
    flush()
    return "".join(out)


def exit_code(package: Package) -> int:
    """1 when a piece needs a person's look (its problems are in the manifest), else 0."""
    return int(ExitCode.FINDINGS) if package.problems else int(ExitCode.OK)
