"""`socialpub export 2253` (README, "Form FDA 2253"): the sample content published to the sandbox over real
HTTP, re-sent, edited, retracted; then the package is exported and read back: the manifests, and each specimen
PDF's text through a PDF text extractor (pypdf)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from socialpub.config import load_config
from socialpub.disseminations import disseminations
from socialpub.errors import ConfigError
from socialpub.form2253 import Piece, drawable, specimen_pdf
from socialpub.ledger import Ledger, Row, SQLiteLedger
from socialpub.posts import load_posts
from socialpub.sandbox import Sandbox
from socialpub.sandboxing import add_boards
from tests.helpers import BASE_CONFIG, cli

ROOT = Path(__file__).resolve().parents[1]
EVERYTHING = ("--from", "2000-01-01", "--to", "2999-12-31")  # the sandbox publishes at the real time
# The sample's env: credentials, as the sandbox accepts them (socialpub/sandboxing.py).
ENV = {
    "AZ_TWITTER_API_KEY": "sandbox-api_key", "AZ_TWITTER_API_SECRET": "sandbox-api_secret",
    "AZ_TWITTER_ACCESS_TOKEN": "sandbox-access_token", "AZ_TWITTER_ACCESS_SECRET": "sandbox-access_secret",
    "AZ_FB_PAGE_TOKEN": "sandbox-page_token", "AZ_YT_CLIENT_ID": "sandbox-client_id",
    "AZ_YT_CLIENT_SECRET": "sandbox-client_secret", "AZ_YT_REFRESH_TOKEN": "sandbox-refresh_token",
    "AZ_PINTEREST_TOKEN": "sandbox-access_token",
}
SECOND_PRODUCT = """
[compliance.products.fluxara]
brand = "FLUXARA"
established = "melvostat"
indication_terms = ["chronic kidney disease"]
serious_risk_terms = ["hyperkalemia"]
risk_url = "https://www.oncavix.example/fluxara-risk"
pi_url = "https://www.oncavix.example/fluxara-pi"
application = "BLA 761234"
pi_version = "05/2014"
"""
# A professional thread naming two products, and a text in three scripts with an emoji: added to the sample.
THREAD = [
    "For healthcare professionals: ONCAVIX (tivaranib) for HR+/HER2- metastatic breast cancer. ILD/pneumonitis and "
    "embryo-fetal toxicity can occur. PI: https://www.oncavix.example/pi",
    "FLUXARA (melvostat) for anemia of chronic kidney disease. Hyperkalemia can occur. PI: "
    "https://www.oncavix.example/fluxara-pi",
    "Report side effects to FDA: 1-800-FDA-1088 or www.fda.gov/medwatch. Risk info: https://www.oncavix.example/risk",
]
HCP_THREAD = f"""+++
channels = ["az-us-twitter"]
post_type = "branded"
form_2253 = true
audience = "professional"
publish_at = 2014-10-21T10:00:00-04:00
approval_code = "3002714  Last Updated 8/14"
approval_status = "approved"
[twitter]
thread = {json.dumps(THREAD)}
+++
For healthcare professionals.
"""
LANGUAGES = """+++
channels = ["az-us-facebook"]
post_type = "corporate"
form_2253 = true
publish_at = 2014-10-22T10:00:00-04:00
approval_code = "3002814  Last Updated 8/14"
approval_status = "approved"
media = [{ path = "media/azoncology-summit.png", alt = "Stage banner of the summit" }]
+++
Καλημέρα από την AstraZeneca. Доброе утро от AstraZeneca. 早上好 🙂
"""


@dataclass
class World:
    root: Path
    ledger: Path
    results: dict[str, Any] = field(default_factory=dict)

    def cli(self, *args: str) -> tuple[int, str, str]:
        return cli(self.root, "--ledger", str(self.ledger), *args, env=ENV)


def sample_repository(root: Path, url: str) -> None:
    """The sample content (posts/ without the failing examples, channels.toml) pointed at the sandbox."""
    shutil.copytree(ROOT / "posts", root / "posts", ignore=shutil.ignore_patterns("examples-failing"))
    config = (ROOT / "channels.toml").read_text(encoding="utf-8")
    config = config.replace('"file:~/.config/socialpub/az-us-youtube.refresh_token.token"', '"env:AZ_YT_REFRESH_TOKEN"')
    config = re.sub(r"^(kind = \"\w+\")$", rf'\1\nendpoint = "{url}"', config, flags=re.MULTILINE)
    (root / "channels.toml").write_text(config + SECOND_PRODUCT, encoding="utf-8")
    (root / "posts" / "hcp-two-products.md").write_text(HCP_THREAD, encoding="utf-8")
    (root / "posts" / "world-languages.md").write_text(LANGUAGES, encoding="utf-8")
    video = root / "posts" / "az-blog-video.md"  # the sample's video, submitted too
    video.write_text(video.read_text(encoding="utf-8").replace('post_type = "corporate"\n',
                                                               'post_type = "corporate"\nform_2253 = true\n', 1))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Published once for the module: every sample post by `run --now` at its time, then the branded Facebook
    post re-sent with `publish --again`, the video's file edited, the three-script post retracted; then the
    status before and after `export 2253`."""
    root = tmp_path_factory.mktemp("sample")
    with Sandbox() as box:
        add_boards(box, load_config(ROOT / "channels.toml"))
        sample_repository(root, box.url)
        w = World(root, root / "ledger.db")
        config = load_config(root / "channels.toml")
        times = sorted({p.publish_at for p in load_posts(config).posts if p.publish_at})
        for moment in times:
            code, out, err = w.cli("run", "--now", moment.isoformat())
            assert code == 0, (moment, out, err)
        code, out, err = w.cli("publish", "posts/oncavix-facebook.md", "--channel", "az-us-facebook", "--again",
                               "--yes", "--reason", "corrected dosing table re-sent")
        assert code == 0, out + err
        video = root / "posts" / "az-blog-video.md"
        w.results["video_as_sent"] = video.read_text(encoding="utf-8")
        video.write_text(video.read_text(encoding="utf-8").replace("Spend", "EDITED AFTER PUBLISHING: spend"))
        code, out, err = w.cli("retract", "world-languages", "--yes", "--reason", "withdrawn by MLR")
        assert code == 0, out + err
        w.results["status_before"] = json.loads(w.cli("status", "--format", "json")[1])
        w.results["export"] = w.cli("export", "2253", *EVERYTHING, "-o", str(root / "package"))
        w.results["status_after"] = json.loads(w.cli("status", "--format", "json")[1])
        w.results["agenda_after"] = json.loads(w.cli("agenda", "--from", "2014-10-19", "--days", "5",
                                                     "--format", "json")[1])
    return w


def manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Text without whitespace: where the specimen wraps a line is the layout's business."""
    return re.sub(r"\s+", "", text)


def sent_texts(w: World, piece: int) -> list[str]:
    with SQLiteLedger(w.ledger) as ledger:
        found = next(d for d in disseminations(ledger.events()) if d.event_id == piece)
        body = ledger.payload(found.payload_hash or "")
    assert body is not None
    return [part["text"] for part in body["parts"]] + ([body["title"]] if body.get("title") else [])


# --- the package of the sample content ---------------------------------------------------------------


def test_every_promotional_piece_is_listed_once_per_dissemination_and_product(world: World) -> None:
    code, out, err = world.results["export"]
    assert code == 1, out + err  # written; the video and the three-script post name no product: to look at
    problems = [line for line in err.splitlines() if line.startswith("  ! ")]
    assert sorted(line.split()[1] for line in problems) == ["az-blog-video", "world-languages"]
    assert all("names no product of [compliance.products]" in line for line in problems)
    assert manifest(world.root / "package")["problems"] == [line[4:] for line in problems]
    rows = manifest(world.root / "package")["rows"]
    pieces = sorted((r["post"], r["channel"], r["new_or_revision"], r["product"]) for r in rows)
    assert pieces == [
        ("az-blog-video", "az-us-youtube", "new", None),
        ("hcp-two-products", "az-us-twitter", "new", "fluxara"),
        ("hcp-two-products", "az-us-twitter", "new", "oncavix"),
        ("oncavix-facebook", "az-us-facebook", "new", "oncavix"),
        ("oncavix-facebook", "az-us-facebook", "re-send", "oncavix"),
        ("world-languages", "az-us-facebook", "new", None),
    ]
    # The corporate, awareness and careers posts of the sample are not promotional: not listed.
    assert not {"labtalk-launch", "mbc-strength-call", "careers-military-veterans"} & {r["post"] for r in rows}
    with SQLiteLedger(world.ledger) as ledger:
        published = {(r.post_id, r.channel): r for r in ledger.rows()}
    latest = {(r["post"], r["channel"]): r for r in sorted(rows, key=lambda r: r["piece"])}
    for (post, channel), row in latest.items():  # the ledger's row holds its latest dissemination
        assert row["platform_url"] == published[post, channel].url


def test_the_csv_manifest_has_the_same_rows_as_the_json_one(world: World) -> None:
    rows = manifest(world.root / "package")["rows"]
    with open(world.root / "package" / "manifest.csv", newline="", encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert len(read) == len(rows)
    for csv_row, json_row in zip(read, rows, strict=True):
        assert csv_row == {k: "" if v is None else str(v) for k, v in json_row.items()}


def test_each_specimen_opens_and_shows_the_sent_text_code_url_and_time(world: World) -> None:
    package = world.root / "package"
    rows = manifest(package)["rows"]
    assert {r["specimen"].split("/")[0] for r in rows} == {"consumer", "professional"}
    for row in rows:
        path = package / row["specimen"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row["specimen_sha256"]
        text = pdf_text(path)
        for sent in sent_texts(world, row["piece"]):
            assert flat(drawable(sent)) in flat(text), (row["post"], sent)
        assert row["material_id"] in text
        assert flat(row["platform_url"]) in flat(text)
        assert row["disseminated_at"] in text
        assert row["time_source"] == "platform"


def test_a_thread_prints_every_part_and_goes_to_the_professional_folder(world: World) -> None:
    rows = [r for r in manifest(world.root / "package")["rows"] if r["post"] == "hcp-two-products"]
    assert {r["audience"] for r in rows} == {"professional"}
    assert len({r["specimen"] for r in rows}) == 1  # one piece, two products: one specimen
    text = flat(pdf_text(world.root / "package" / rows[0]["specimen"]))
    parts = sent_texts(world, rows[0]["piece"])
    assert len(parts) == 4  # the body, then the three entries of `thread`
    for number, part in enumerate(parts, start=1):
        assert f"Part{number}of4" in text and flat(part) in text


def test_two_products_give_a_row_each_with_the_form_fields(world: World) -> None:
    rows = {r["product"]: r for r in manifest(world.root / "package")["rows"] if r["post"] == "hcp-two-products"}
    assert (rows["oncavix"]["application"], rows["oncavix"]["proprietary_name"], rows["oncavix"]["established_name"],
            rows["oncavix"]["pi_version"]) == ("NDA 212345", "ONCAVIX", "tivaranib", "06/2014")
    assert (rows["fluxara"]["application"], rows["fluxara"]["proprietary_name"], rows["fluxara"]["established_name"],
            rows["fluxara"]["pi_version"]) == ("BLA 761234", "FLUXARA", "melvostat", "05/2014")
    assert rows["oncavix"]["material_id"] == "3002714  Last Updated 8/14"
    assert rows["oncavix"]["material_type"] == "social media post (X)"


def test_a_resend_is_listed_again_with_its_own_specimen(world: World) -> None:
    rows = [r for r in manifest(world.root / "package")["rows"] if r["post"] == "oncavix-facebook"]
    first, again = sorted(rows, key=lambda r: r["piece"])
    assert (first["new_or_revision"], again["new_or_revision"]) == ("new", "re-send")
    assert again["previous_piece"] == first["piece"] and first["previous_piece"] is None
    assert first["specimen"] != again["specimen"] and first["platform_url"] != again["platform_url"]
    assert "re-send of piece" in pdf_text(world.root / "package" / again["specimen"])


def test_a_retracted_piece_stays_listed_with_its_retraction_time(world: World) -> None:
    (row,) = [r for r in manifest(world.root / "package")["rows"] if r["post"] == "world-languages"]
    with SQLiteLedger(world.ledger) as ledger:
        retract = [e for e in ledger.events() if e["action"] == "retract"]
    assert [e["post_id"] for e in retract] == ["world-languages"]
    assert row["retracted_at"] == retract[0]["at"]
    assert f"Retracted: {retract[0]['at']}" in pdf_text(world.root / "package" / row["specimen"])


def test_a_post_edited_after_publishing_shows_the_text_as_sent(world: World) -> None:
    (row,) = [r for r in manifest(world.root / "package")["rows"] if r["post"] == "az-blog-video"]
    text = pdf_text(world.root / "package" / row["specimen"])
    assert "EDITED AFTER PUBLISHING" not in text
    assert "Spend" in text and "EDITED AFTER PUBLISHING" in (world.root / "posts" / "az-blog-video.md").read_text()
    # A video: its title and description, the video as a labelled box, and the thumbnail's placeholder.
    assert "Video title" in text and "Video description" in text and "VIDEO (not copied" in text
    assert "No custom thumbnail was sent" in text
    assert row["material_type"] == "online video (YouTube)"


def test_non_latin_text_prints_and_what_the_font_lacks_is_labelled(world: World) -> None:
    (row,) = [r for r in manifest(world.root / "package")["rows"] if r["post"] == "world-languages"]
    text = pdf_text(world.root / "package" / row["specimen"])
    assert "Καλημέρα από την AstraZeneca." in text and "Доброе утро от AstraZeneca." in text
    assert flat("[not in the font: U+65E9 U+4E0A U+597D]") in flat(text)  # 早上好: DejaVu Sans has no CJK
    assert "[emoji U+1F642]" in text


def test_an_image_sent_is_drawn_from_the_ledgers_copy(world: World) -> None:
    (row,) = [r for r in manifest(world.root / "package")["rows"] if r["post"] == "world-languages"]
    image = (ROOT / "posts" / "media" / "azoncology-summit.png").read_bytes()
    reader = PdfReader(world.root / "package" / row["specimen"])
    assert [len(page.images) for page in reader.pages] == [1]
    text = flat(pdf_text(world.root / "package" / row["specimen"]))
    assert flat(f"sha256 {hashlib.sha256(image).hexdigest()}") in text and "Alttext:Stagebannerofthesummit" in text


def test_status_and_agenda_show_whether_each_promotional_piece_was_exported(world: World) -> None:
    def states(status: dict[str, Any]) -> dict[tuple[str, str], Any]:
        return {(r["post"], r["channel"]): r["form_2253"] for r in status["rows"]}

    before, after = states(world.results["status_before"]), states(world.results["status_after"])
    promotional = {("oncavix-facebook", "az-us-facebook"), ("hcp-two-products", "az-us-twitter"),
                   ("world-languages", "az-us-facebook"), ("az-blog-video", "az-us-youtube")}
    assert {k for k, v in before.items() if v is not None} == promotional
    assert {before[k] for k in promotional} == {"pending"}
    assert {after[k] for k in promotional} == {"exported"}
    assert before[("labtalk-launch", "az-us-twitter")] is None  # not promotional
    agenda = {(e["post"], e["channel"]): e["form_2253"] for e in world.results["agenda_after"]["entries"]}
    assert agenda[("oncavix-facebook", "az-us-facebook")] == "exported"
    assert agenda[("hcp-two-products", "az-us-twitter")] == "exported"
    code, out, _ = world.cli("status", "--post", "oncavix-facebook")
    assert code == 0 and "[2253: exported]" in out


def test_no_credential_reaches_the_package_or_the_export_events(world: World) -> None:
    files = [pdf_text(p) if p.suffix == ".pdf" else p.read_text(encoding="utf-8")  # PDF streams are compressed
             for p in (world.root / "package").rglob("*") if p.is_file()]
    with SQLiteLedger(world.ledger) as ledger:
        events = json.dumps([e for e in ledger.events() if e["action"] == "exported-2253"])
    for secret in ENV.values():
        assert not [f for f in files if secret in f] and secret not in events


def test_each_exported_piece_is_an_event_with_its_dissemination_and_specimen_hash(world: World) -> None:
    rows = manifest(world.root / "package")["rows"]
    with SQLiteLedger(world.ledger) as ledger:
        exported = [e for e in ledger.events() if e["action"] == "exported-2253"]
    by_piece = {e["detail"]["dissemination"]: e for e in exported}
    assert len(exported) == len(by_piece) == len({r["piece"] for r in rows})
    for row in rows:
        event = by_piece[row["piece"]]
        assert (event["post_id"], event["channel"]) == (row["post"], row["channel"])
        assert event["detail"]["specimen_sha256"] == row["specimen_sha256"]
        assert event["detail"]["specimen"] == row["specimen"]


def test_the_window_is_the_dissemination_time_not_publish_at(world: World, tmp_path: Path) -> None:
    # The sample's publish_at are in 2014; the sandbox disseminated them when the test ran.
    code, out, err = world.cli("export", "2253", "--from", "2014-01-01", "--to", "2014-12-31",
                               "-o", str(tmp_path / "2014"))
    assert code == 0, err
    assert manifest(tmp_path / "2014")["rows"] == [] and "0 piece(s)" in out
    today = datetime.now(UTC).date()  # (the day the sandbox published, read from the ledger below)
    with SQLiteLedger(world.ledger) as ledger:
        days = {d.at.astimezone(load_config(world.root / "channels.toml").defaults.timezone).date()
                for d in disseminations(ledger.events())}
    first = min(days)
    code, _, err = world.cli("export", "2253", "--from", first.isoformat(), "--to", first.isoformat(),
                             "-o", str(tmp_path / "day"))
    assert code in (0, 1), err
    assert manifest(tmp_path / "day")["rows"] and today >= first


def test_an_existing_folder_is_refused_unless_force_replaces_an_earlier_package(world: World,
                                                                               tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    for extra in ((), ("--force",)):
        code, _, err = world.cli("export", "2253", *EVERYTHING, "-o", str(mine), *extra)
        assert code == 2 and "nothing was written" in err and "hint:" in err
        assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    package = world.root / "package"
    before = manifest(package)["generated_at"]
    code, _, err = world.cli("export", "2253", *EVERYTHING, "-o", str(package))
    assert code == 2 and "--force" in err
    code, _, err = world.cli("export", "2253", *EVERYTHING, "-o", str(package), "--force")
    assert code == 1, err
    assert manifest(package)["rows"] and manifest(package)["generated_at"] >= before
    assert not [p for p in package.parent.iterdir() if p.name.startswith(".package.")]  # no partial left
    (tmp_path / "file").write_text("")
    code, _, err = world.cli("export", "2253", *EVERYTHING, "-o", str(tmp_path / "file"))
    assert code == 2 and "not a folder" in err
    (tmp_path / "empty").mkdir()  # an empty folder made for it is used as it is
    code, _, err = world.cli("export", "2253", *EVERYTHING, "-o", str(tmp_path / "empty"))
    assert code == 1
    assert manifest(tmp_path / "empty")["rows"] == manifest(package)["rows"]  # the same specimens, byte for byte
    assert sorted(p.name for p in (tmp_path / "empty").iterdir()) == ["consumer", "manifest.csv", "manifest.json",
                                                                       "professional"]


@pytest.mark.parametrize(("dates", "says"), [
    (("--from", "2014-13-01", "--to", "2014-12-31"), "is not a date"),
    (("--from", "yesterday", "--to", "2014-12-31"), "is not a date"),
    (("--from", "2014-12-31", "--to", "2014-10-01"), "is before --from"),
    (("--from", "0001-01-01", "--to", "2014-10-01"), "out of range"),
])
def test_bad_dates_exit_2_with_a_hint(world: World, tmp_path: Path, dates: tuple[str, ...], says: str) -> None:
    code, out, err = world.cli("export", "2253", *dates, "-o", str(tmp_path / "out"))
    assert code == 2 and says in err and "hint:" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# --- hostile content, straight from a ledger -------------------------------------------------------------


def record(ledger: Ledger, post: str, channel: str, body: dict[str, Any], *, approval: str,
           url: str = "https://www.facebook.com/1_2", promotional: bool = True,
           at: str = "2014-10-20T15:00:00+00:00") -> None:
    """The events a publish leaves (socialpub/publish.py): the payload, `publishing` naming it, `published`."""
    from socialpub.payload import canonical, payload_hash

    digest = payload_hash(body)
    ledger.store_payload(digest, canonical(body), {})
    row = Row(post, channel, "published", content_hash="c" * 64, approval_code=approval, remote_id="2", url=url,
              published_at=datetime(2014, 10, 20, 15, tzinfo=UTC), payload_hash=digest)
    ledger.save(row)
    ledger.event("publishing", row, mode="publish", payload=digest, promotional=promotional, audience="consumer")
    ledger.event("published", row, published_at=at)


def facebook_body(text: str) -> dict[str, Any]:
    return {"version": 1, "platform": "facebook", "channel": "az-us-facebook", "kind": "facebook",
            "parts": [{"text": text, "media": []}], "title": None, "link": None, "board": None, "board_id": None,
            "media": [], "thumbnail": None, "options": {}}


HOSTILE = ("=cmd|' /C calc'!A0 +SUM(A1) @x -1\n" + "x" * 5000 + "\n"
           + "bell\x07 escape\x1b[31m nul\x00 rtl\u202e zero-width\u200b tab\tend\r\n")
HOSTILE += "ONCAVIX word " * ((10_000 - len(HOSTILE)) // 13 + 1)


def with_application(repo: Any) -> None:
    pi = 'pi_url = "https://www.oncavix.example/pi"\n'
    repo.write_config(base=BASE_CONFIG.replace(pi, pi + 'application = "NDA 212345"\n'))


def test_hostile_text_never_crashes_and_the_csv_is_guarded(repo: Any, tmp_path: Path) -> None:
    with_application(repo)
    db = tmp_path / "ledger.db"
    with SQLiteLedger(db) as ledger:
        for number, approval in enumerate(["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\tx"]):
            record(ledger, f"hostile-{number}", "fb", facebook_body(HOSTILE), approval=approval)
    code, out, err = cli(repo, "--ledger", str(db), "export", "2253", "--from", "2014-10-20", "--to", "2014-10-20",
                         "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert len(HOSTILE) >= 10_000
    with open(tmp_path / "out" / "manifest.csv", newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'=cmd|' /C calc'!A0" in cells
    rows = manifest(tmp_path / "out")["rows"]
    assert [r["material_id"] for r in rows] == ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\tx"]  # JSON as is
    text = pdf_text(tmp_path / "out" / rows[0]["specimen"])
    assert flat("x" * 5000) in flat(text)  # a 5,000-character word is wrapped, not cut
    for label in ("[control U+0007]", "[control U+001B]", "[control U+0000]", "[invisible U+202E]",
                  "[invisible U+200B]", "[control U+000D]"):
        assert label in text
    assert flat(text).count("ONCAVIXword") == HOSTILE.count("ONCAVIX word")  # all of it, over several pages
    assert len(PdfReader(tmp_path / "out" / rows[0]["specimen"]).pages) > 2


def test_a_piece_at_the_first_moment_of_a_day_belongs_to_that_day_only(repo: Any, tmp_path: Path) -> None:
    """[defaults] timezone America/New_York (UTC-4 in October): 04:00 UTC is midnight. The piece at midnight
    on --from is in; the one a second before is not; the one at midnight after --to is in the next period."""
    with_application(repo)
    db = tmp_path / "ledger.db"
    moments = {"before": "2014-10-20T03:59:59+00:00", "first": "2014-10-20T04:00:00+00:00",
               "last": "2014-10-21T03:59:59+00:00", "next": "2014-10-21T04:00:00+00:00"}
    with SQLiteLedger(db) as ledger:
        for name, at in moments.items():
            record(ledger, name, "fb", facebook_body(f"ONCAVIX (tivaranib) {name}"), approval="x", at=at)
    seen = {}
    for day in ("2014-10-19", "2014-10-20", "2014-10-21"):
        code, _, err = cli(repo, "--ledger", str(db), "export", "2253", "--from", day, "--to", day,
                           "-o", str(tmp_path / day))
        assert code == 0, err
        seen[day] = sorted(r["post"] for r in manifest(tmp_path / day)["rows"])
    assert seen == {"2014-10-19": ["before"], "2014-10-20": ["first", "last"], "2014-10-21": ["next"]}


def test_other_content_sent_again_is_a_revision_and_the_same_content_a_resend(repo: Any, tmp_path: Path) -> None:
    with_application(repo)
    db = tmp_path / "ledger.db"
    with SQLiteLedger(db) as ledger:
        for text in ("ONCAVIX (tivaranib) first", "ONCAVIX (tivaranib) corrected", "ONCAVIX (tivaranib) corrected"):
            record(ledger, "branded", "fb", facebook_body(text), approval="3000114  Last Updated 1/14")
    code, _, err = cli(repo, "--ledger", str(db), "export", "2253", "--from", "2014-10-20", "--to", "2014-10-20",
                       "-o", str(tmp_path / "out"))
    assert code == 0, err
    rows = manifest(tmp_path / "out")["rows"]
    assert [r["new_or_revision"] for r in rows] == ["new", "revision", "re-send"]
    assert [r["previous_piece"] for r in rows] == [None, rows[0]["piece"], rows[1]["piece"]]
    second = pdf_text(tmp_path / "out" / rows[1]["specimen"])
    assert f"revision of piece {rows[0]['piece']}" in second and "corrected" in second


def test_a_piece_without_its_payload_is_listed_and_flagged(repo: Any, tmp_path: Path) -> None:
    """A dissemination recorded by a socialpub that stored no payload: listed, specimen from the ledger's
    record, exit 1 with the reason; one whose post was not promotional is left out."""
    repo.write_config("")
    db = tmp_path / "ledger.db"
    with SQLiteLedger(db) as ledger:
        row = Row("old", "fb", "published", approval_code="3000114  Last Updated 1/14", remote_id="9",
                  url="https://www.facebook.com/1_9", published_at=datetime(2014, 10, 20, 15, tzinfo=UTC))
        ledger.save(row)
        ledger.event("publishing", row, mode="run", promotional=True, audience="professional")
        ledger.event("published", row)
        record(ledger, "corporate", "fb", facebook_body("Hello"), approval="x", promotional=False)
    code, _, err = cli(repo, "--ledger", str(db), "export", "2253", "--from", "2014-10-20", "--to", "2014-10-20",
                       "-o", str(tmp_path / "out"))
    assert code == 1 and "payload sent is not in the ledger" in err
    (row_out,) = manifest(tmp_path / "out")["rows"]
    assert (row_out["post"], row_out["audience"], row_out["time_source"]) == ("old", "professional", "platform")
    assert "https://www.facebook.com/1_9" in pdf_text(tmp_path / "out" / row_out["specimen"])


def test_an_image_missing_or_broken_in_the_ledger_is_a_labelled_box(repo: Any, tmp_path: Path) -> None:
    with_application(repo)
    db = tmp_path / "ledger.db"
    broken = b"\x89PNG\r\n\x1a\n" + b"not really" * 10
    refs = [{"path": p, "type": "image/png", "kind": "image", "alt": p, "depicts_patient": False,
             "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "stored": True}
            for p, data in (("missing.png", b"never stored"), ("broken.png", broken))]
    body = {**facebook_body("ONCAVIX (tivaranib)"), "media": refs}
    body["parts"][0]["media"] = refs
    with SQLiteLedger(db) as ledger:
        record(ledger, "images", "fb", body, approval="3000114  Last Updated 1/14")
        ledger.store_payload("0" * 64, "{}", {refs[1]["sha256"]: broken})  # the broken image's bytes only
    code, _, err = cli(repo, "--ledger", str(db), "export", "2253", "--from", "2014-10-20", "--to", "2014-10-20",
                       "-o", str(tmp_path / "out"))
    assert code == 0, err
    (row,) = manifest(tmp_path / "out")["rows"]
    text = flat(pdf_text(tmp_path / "out" / row["specimen"]))
    assert flat("IMAGE NOT IN THE LEDGER: image missing.png") in text
    assert flat("IMAGE COULD NOT BE DRAWN: image broken.png") in text


def png(size: tuple[int, int], mode: str = "1") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG")
    return buffer.getvalue()


def test_hostile_images_in_the_ledger_are_labelled_boxes_never_decoded_whole(repo: Any, tmp_path: Path) -> None:
    """A decompression bomb (a small file of huge dimensions), a truncated PNG and an SVG: each is a labelled
    box with its size, the rest of the specimen is drawn, and the export does not decode gigabytes."""
    with_application(repo)
    db = tmp_path / "ledger.db"
    whole = png((300, 200), "RGB")
    images = {"bomb.png": png((10_000, 6_000)), "giant.png": png((20_000, 20_000)), "cut.png": whole[: len(whole) // 2],
              "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="9e9" height="9e9"/>', "fine.png": whole}
    assert all(len(data) < 2_000_000 for data in images.values())
    refs = [{"path": name, "type": "image/png", "kind": "image", "alt": name, "depicts_patient": False,
             "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "stored": True}
            for name, data in images.items()]
    body = {**facebook_body("ONCAVIX (tivaranib) images"), "media": refs}
    with SQLiteLedger(db) as ledger:
        record(ledger, "images", "fb", body, approval="3000114  Last Updated 1/14")
        ledger.store_payload("0" * 64, "{}", {ref["sha256"]: images[ref["path"]] for ref in refs})
    code, _, err = cli(repo, "--ledger", str(db), "export", "2253", "--from", "2014-10-20", "--to", "2014-10-20",
                       "-o", str(tmp_path / "out"))
    assert code == 0, err
    (row,) = manifest(tmp_path / "out")["rows"]
    text = flat(pdf_text(tmp_path / "out" / row["specimen"]))
    assert flat("IMAGE TOO LARGE TO DRAW (10000 x 6000 pixels): image bomb.png") in text
    for name in ("giant.png", "cut.png", "drawing.svg"):
        assert flat(f"IMAGE COULD NOT BE DRAWN: image {name}") in text
    assert flat("image fine.png, sha256") in text  # drawn, with its facts under it
    assert flat("DRAW: image fine.png") not in text and flat("LEDGER: image fine.png") not in text


@pytest.mark.parametrize("approval", [" =1+1", "\n=cmd|' /C calc'!A0", "\u3000@SUM(A1)", "＝1+1", "\ufeff+1"])
def test_a_formula_after_blanks_or_in_full_width_is_guarded_in_the_manifest(repo: Any, tmp_path: Path,
                                                                            approval: str) -> None:
    with_application(repo)
    db = tmp_path / "ledger.db"
    with SQLiteLedger(db) as ledger:
        record(ledger, "hostile", "fb", facebook_body("ONCAVIX (tivaranib)"), approval=approval,
               url=approval + "https://www.facebook.com/1_2")
    assert cli(repo, "--ledger", str(db), "export", "2253", "--from", "2014-10-20", "--to", "2014-10-20",
               "-o", str(tmp_path / "out"))[0] == 0
    with open(tmp_path / "out" / "manifest.csv", newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["material_id"] == "'" + approval and row["platform_url"].startswith("'" + approval)


@pytest.mark.parametrize("empty_folder", [False, True])
def test_another_export_into_the_same_folder_meanwhile_is_never_replaced_nor_mixed(
        repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_folder: bool) -> None:
    """Two exports into one folder at once (two people, two cron jobs): the one that finishes first keeps the
    folder; the other was checked against a folder still empty, and now writes nothing (exit 2), never
    replacing the first's package (its export events name it) nor mixing specimens into it."""
    import socialpub.form2253 as form

    with_application(repo)
    db = tmp_path / "ledger.db"
    with SQLiteLedger(db) as ledger:
        for number in range(2):
            record(ledger, f"p{number}", "fb", facebook_body(f"ONCAVIX (tivaranib) {number}"), approval="x")
    out = tmp_path / "out"
    if empty_folder:
        out.mkdir()
    real, calls = form.specimen_pdf, []

    def meanwhile(*args: Any) -> bytes:  # while the first export draws, a second one runs whole
        calls.append(1)
        if len(calls) == 1:
            assert cli(repo, "--ledger", str(db), "export", "2253", "--from", "2014-10-21", "--to", "2014-10-21",
                       "-o", str(out))[0] == 0
        return real(*args)

    monkeypatch.setattr(form, "specimen_pdf", meanwhile)
    code, _, err = cli(repo, "--ledger", str(db), "export", "2253", "--from", "2014-10-20", "--to", "2014-10-20",
                       "-o", str(out))
    assert code == 2 and "another export wrote into" in err and "nothing was written" in err
    assert manifest(out)["to"] == "2014-10-21" and manifest(out)["rows"] == []  # the second's, whole
    assert sorted(p.name for p in out.iterdir()) == ["manifest.csv", "manifest.json"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".partial", ".replaced"))]


def test_an_interrupted_export_leaves_no_package_and_no_event(repo: Any, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import socialpub.form2253 as form

    with_application(repo)
    db = tmp_path / "ledger.db"
    with SQLiteLedger(db) as ledger:
        for number in range(3):
            record(ledger, f"p{number}", "fb", facebook_body(f"ONCAVIX (tivaranib) {number}"), approval="x")
    drawn: list[int] = []
    real = form.specimen_pdf

    def interrupted_on_the_second(*args: Any) -> bytes:  # Ctrl-C while the second specimen is drawn
        drawn.append(1)
        if len(drawn) == 2:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(form, "specimen_pdf", interrupted_on_the_second)
    code, _, err = cli(repo, "--ledger", str(db), "export", "2253", "--from", "2014-10-20", "--to", "2014-10-20",
                       "-o", str(tmp_path / "out"))
    assert code == 130 and "interrupted" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.db", "repo"]  # no package, no partial folder
    with SQLiteLedger(db) as ledger:
        assert not [e for e in ledger.events() if e["action"] == "exported-2253"]


def test_a_ledger_that_cannot_record_the_export_is_said_and_nothing_half_recorded(
        repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from socialpub.ledger import LedgerError

    with_application(repo)
    db = tmp_path / "ledger.db"
    with SQLiteLedger(db) as ledger:
        for number in range(3):
            record(ledger, f"p{number}", "fb", facebook_body(f"ONCAVIX (tivaranib) {number}"), approval="x")
    real = SQLiteLedger._event
    written: list[str] = []

    def fails_on_the_second(self: Any, cur: Any, action: str, *args: Any, **kwargs: Any) -> None:
        written.append(action)
        if len(written) == 2:  # the disk filled up while the export events were written
            raise LedgerError("the ledger failed: database or disk is full")
        real(self, cur, action, *args, **kwargs)

    monkeypatch.setattr(SQLiteLedger, "_event", fails_on_the_second)
    code, _, err = cli(repo, "--ledger", str(db), "export", "2253", "--from", "2014-10-20", "--to", "2014-10-20",
                       "-o", str(tmp_path / "out"))
    assert code == 1 and "the package is written" in err and "did not record its export" in err and "hint:" in err
    assert len(manifest(tmp_path / "out")["rows"]) == 3
    monkeypatch.undo()
    with SQLiteLedger(db) as ledger:
        assert not [e for e in ledger.events() if e["action"] == "exported-2253"]  # one transaction: none


def test_an_outcome_the_ledger_did_not_take_is_said(repo: Any, tmp_path: Path) -> None:
    with_application(repo)
    db = tmp_path / "ledger.db"
    with SQLiteLedger(db) as ledger:
        ledger.event("unrecorded", Row("late", "fb", "published"), outcome="published https://www.facebook.com/1_5",
                     why="another run took this claim over")
    code, _, err = cli(repo, "--ledger", str(db), "export", "2253", "--from", "2000-01-01", "--to", "2999-12-31",
                       "-o", str(tmp_path / "out"))
    assert code == 1 and "late on fb: an outcome the ledger did not take" in err
    assert manifest(tmp_path / "out")["rows"] == []


def test_the_export_reads_a_postgresql_ledger(pg_url: str, repo: Any, tmp_path: Path) -> None:
    from socialpub.ledger import PostgresLedger

    with_application(repo)
    image = (ROOT / "posts" / "media" / "azoncology-summit.png").read_bytes()
    ref = {"path": "media/a.png", "type": "image/png", "kind": "image", "alt": "A banner", "depicts_patient": False,
           "sha256": hashlib.sha256(image).hexdigest(), "bytes": len(image), "stored": True}
    body = {**facebook_body("ONCAVIX (tivaranib) on PostgreSQL"), "media": [ref]}
    body["parts"][0]["media"] = [ref]
    with PostgresLedger(pg_url) as ledger:
        record(ledger, "pg", "fb", body, approval="3000114  Last Updated 1/14")
        ledger.store_payload("0" * 64, "{}", {ref["sha256"]: image})
    code, _, err = cli(repo, "--ledger", pg_url, "export", "2253", "--from", "2014-10-20", "--to", "2014-10-20",
                       "-o", str(tmp_path / "out"))
    assert code == 0, err
    (row,) = manifest(tmp_path / "out")["rows"]
    reader = PdfReader(tmp_path / "out" / row["specimen"])
    assert "ONCAVIX (tivaranib) on PostgreSQL" in reader.pages[0].extract_text() and len(reader.pages[0].images) == 1
    with PostgresLedger(pg_url) as ledger:
        exported = [e["detail"]["dissemination"] for e in ledger.events() if e["action"] == "exported-2253"]
    assert exported == [row["piece"]]


def test_a_piece_settled_by_a_person_is_dated_by_that_person_and_marked(repo: Any, tmp_path: Path) -> None:
    from socialpub.status import resolve_outcome

    with_application(repo)
    db = tmp_path / "ledger.db"
    with SQLiteLedger(db) as ledger:
        body = facebook_body("ONCAVIX (tivaranib), resolved by hand")
        record(ledger, "branded", "fb", body, approval="3000114  Last Updated 1/14")
        unknown = Row("by-hand", "fb", "unknown", approval_code="3000214  Last Updated 1/14",
                      payload_hash=ledger.rows()[0].payload_hash)
        ledger.save(unknown)
        ledger.event("publishing", unknown, mode="run", payload=unknown.payload_hash, promotional=True,
                     audience="consumer")
        resolve_outcome(ledger, "by-hand", "fb", "https://www.facebook.com/1_77")
        today = datetime.now(UTC).astimezone(load_config(repo.root / "channels.toml").defaults.timezone).date()
    code, _, err = cli(repo, "--ledger", str(db), "export", "2253", "--from", "2014-01-01",
                       "--to", (today.replace(year=today.year + 1)).isoformat(), "-o", str(tmp_path / "out"))
    assert code == 0, err
    rows = {r["post"]: r for r in manifest(tmp_path / "out")["rows"]}
    assert rows["by-hand"]["time_source"] == "person" and rows["branded"]["time_source"] == "platform"
    assert rows["by-hand"]["platform_url"] == "https://www.facebook.com/1_77"
    text = pdf_text(tmp_path / "out" / rows["by-hand"]["specimen"])
    assert "confirmed by a person" in text and "resolved by hand" in text


# --- the specimen's text, for any text --------------------------------------------------------------------


def piece_of(text: str) -> Piece:
    from socialpub.disseminations import Dissemination

    d = Dissemination(1, "p", "fb", datetime(2014, 10, 20, 15, tzinfo=UTC), "platform", "1", "https://x.example/1",
                      "c" * 64, "3000114  Last Updated 1/14", None, "d" * 64, True, "consumer", 1, "new", None)
    return Piece(d, facebook_body(text), "consumer", [])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_makes_a_specimen_that_opens(text: str) -> None:
    config = load_config(ROOT / "channels.toml")
    data = specimen_pdf(config, None, piece_of(text))
    assert PdfReader(io.BytesIO(data)).pages


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=40), st.text(max_size=40),
       st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))
def test_any_ledger_record_makes_a_specimen_that_opens(post: str, channel: str, code: str, url: str,
                                                       surrogate: str) -> None:
    """The ledger's fields as a hand-edited (or damaged) ledger may hold them, a lone surrogate included."""
    from dataclasses import replace

    piece = piece_of("text")
    piece.dissemination = replace(piece.dissemination, post_id=post + surrogate, channel=channel,
                                  approval_code=code + surrogate, url=url, content_hash=surrogate)
    config = load_config(ROOT / "channels.toml")
    text = PdfReader(io.BytesIO(specimen_pdf(config, None, piece))).pages[0].extract_text()
    assert f"U+{ord(surrogate):04X}" in text


LETTERS = st.characters(min_codepoint=0x21, max_codepoint=0x7E) | st.sampled_from(
    "αβγδεζηθλμπσφωΑΩάέήίόύώабвгдежзийклмнопрстуфхцчшщыэюяЖЯёЁ")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(LETTERS, min_size=1, max_size=60), min_size=1, max_size=30),
       st.sampled_from([" ", "\n", "  "]))
def test_latin_greek_and_cyrillic_text_reads_back_whole(words: list[str], space: str) -> None:
    text = space.join(words)
    config = load_config(ROOT / "channels.toml")
    read = PdfReader(io.BytesIO(specimen_pdf(config, None, piece_of(text)))).pages
    assert flat(text) in flat("".join(page.extract_text() for page in read))


def test_drawable_labels_what_cannot_be_printed_and_keeps_the_rest() -> None:
    assert drawable("Ωmega\x00 🙂🙂 中") == "Ωmega[control U+0000] [emoji U+1F642 U+1F642] [not in the font: U+4E2D]"
    assert drawable("\ud800") == "[invisible U+D800]"  # a lone surrogate (JSON allows one)
    assert drawable("a\tb\nc") == "a    b\nc"


# --- configuration and post keys --------------------------------------------------------------------------


def test_an_application_number_is_checked_with_file_line_key_and_hint(repo: Any) -> None:
    repo.write_config('[compliance.products.x]\nbrand = "X"\nestablished = "x"\napplication = "212345"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(repo.root / "channels.toml")
    message = str(caught.value)
    assert "channels.toml:" in message and "application" in message and '"NDA 212345"' in message


def test_audience_must_be_consumer_or_professional(repo: Any) -> None:
    repo.post("Hello", audience="patients")
    (error,) = [e for e in load_posts(repo.config()).errors]
    assert error.key == "audience" and "consumer" in str(error) and error.line


def test_the_dates_are_whole_days_in_the_configured_zone() -> None:
    from socialpub.form2253 import window

    config = load_config(ROOT / "channels.toml")  # America/New_York
    low, high = window(config, date(2014, 10, 1), date(2014, 10, 31))
    assert (low.isoformat(), high.isoformat()) == ("2014-10-01T04:00:00+00:00", "2014-11-01T04:00:00+00:00")


# --- the dissemination history, for any sequence of events -----------------------------------------------

OPS = ("claim-promotional", "claim-other", "published", "reconciled-found", "reconciled-not-found",
       "resolve-published", "resolve-not-published", "retract", "export-last", "other")
# Events of other actions, with details that would read as a dissemination, a claim or an export if `status`
# looked at them: its reading of only the actions it needs must give the same answer as the whole trail.
OTHER_EVENTS = (("failed", {"found": True, "promotional": False}), ("again", {"resolution": "published"}),
                ("unrecorded", {"dissemination": 1}), ("comments-read", {"found": True}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(OPS)), max_size=40))
def test_every_dissemination_is_one_piece_in_order_whatever_the_events(tmp_path: Path,
                                                                        ops: list[tuple[int, str]]) -> None:
    """Real events in a real ledger: each event that puts a post out is one piece, numbered in order per (post,
    channel), `new` only the first; its promotional flag is that of the claim before it; a retraction belongs
    to the piece it followed; `status`'s export state agrees with the pieces and their export events."""
    from socialpub.disseminations import exported_states, form_2253_states

    with SQLiteLedger(tmp_path / f"{len(list(tmp_path.iterdir()))}.db") as ledger:
        claim: dict[int, bool] = {}
        expected: list[tuple[int, bool | None]] = []  # (pair, promotional) of each dissemination, in order
        retracted: dict[int, int] = {}  # index in `expected` -> retractions after it
        exported: set[int] = set()
        for pair, op in ops:
            row = Row(f"post-{pair}", "fb", "published", remote_id=str(len(expected)), url="https://x.example/1",
                      content_hash=f"{len(claim)}")
            if op.startswith("claim"):
                claim[pair] = op == "claim-promotional"
                ledger.event("publishing", row, payload=f"{pair}", promotional=claim[pair], audience="consumer")
            elif op in ("published", "reconciled-found", "resolve-published"):
                action, detail = {"published": ("published", {}), "reconciled-found": ("reconciled", {"found": True}),
                                  "resolve-published": ("resolve", {"resolution": "published"})}[op]
                ledger.event(action, row, **detail)
                expected.append((pair, claim.get(pair)))
            elif op == "reconciled-not-found":
                ledger.event("reconciled", row, found=False)
            elif op == "resolve-not-published":
                ledger.event("resolve", row, resolution="not-published")
            elif op == "retract":
                mine = [i for i, (p, _) in enumerate(expected) if p == pair]
                if mine:
                    retracted[mine[-1]] = retracted.get(mine[-1], 0) + 1
                ledger.event("retract", row)
            elif op == "other":
                action, detail = OTHER_EVENTS[len(expected) % len(OTHER_EVENTS)]
                ledger.event(action, row, **detail)
            elif op == "export-last":
                pieces = [d for d in disseminations(ledger.events()) if d.post_id == f"post-{pair}"]
                if pieces:
                    exported.add(pieces[-1].event_id)
                    ledger.event("exported-2253", post_id=f"post-{pair}", channel="fb",
                                 dissemination=pieces[-1].event_id)
        events = ledger.events()
        assert exported_states(ledger) == form_2253_states(events)  # what status and agenda read
    found = disseminations(events)
    assert [(int(d.post_id.split("-")[1]), d.promotional) for d in found] == expected
    for pair in range(3):
        mine = [d for d in found if d.post_id == f"post-{pair}"]
        assert [d.number for d in mine] == list(range(1, len(mine) + 1))
        assert [d.kind == "new" for d in mine] == [n == 0 for n in range(len(mine))]
        assert [d.previous for d in mine] == [None, *(d.event_id for d in mine)][: len(mine)]
    assert [i for i, d in enumerate(found) if d.retracted_at is not None] == sorted(retracted)
    states = form_2253_states(events)
    for pair in range(3):
        counted = [d for d in found if d.post_id == f"post-{pair}" and d.promotional is not False]
        if not counted:
            assert (f"post-{pair}", "fb") not in states
        else:
            done = all(d.event_id in exported for d in counted)
            assert states[(f"post-{pair}", "fb")] == ("exported" if done else "pending")


@pytest.mark.slow
def test_a_killed_export_leaves_a_whole_package_or_none(repo: Any, tmp_path: Path) -> None:
    """SIGKILL at some point of a real export process: the folder is absent or a whole package (every specimen
    of its manifest there, with its hash), the export events all there or none; the next export succeeds."""
    import os
    import signal
    import subprocess
    import sys
    import time

    with_application(repo)
    base, db = tmp_path / "base.db", tmp_path / "ledger.db"
    with SQLiteLedger(base) as ledger:
        for number in range(40):
            record(ledger, f"p{number}", "fb", facebook_body(f"ONCAVIX (tivaranib) {number} " * 200), approval="x")
    out = tmp_path / "out"
    args = [sys.executable, "-m", "socialpub", "--config", str(repo.root / "channels.toml"), "--ledger", str(db),
            "export", "2253", "--from", "2014-10-20", "--to", "2014-10-20", "-o", str(out)]
    for delay in (0.5, 1.5, 3.0):
        shutil.copy(base, db)  # each round from the same ledger, no export on record
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)  # whenever it lands: the assertions hold for any moment
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with SQLiteLedger(db) as ledger:
            exported = [e for e in ledger.events() if e["action"] == "exported-2253"]
        if out.exists():
            rows = manifest(out)["rows"]
            assert len(rows) == 40
            for row in rows:
                assert hashlib.sha256((out / row["specimen"]).read_bytes()).hexdigest() == row["specimen_sha256"]
            assert len(exported) in (0, 40)
            shutil.rmtree(out)
        else:
            assert exported == []
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert len(manifest(out)["rows"]) == 40
