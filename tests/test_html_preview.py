"""`socialpub preview --html`: one self-contained page, findings marked at their spans, escaping total.

The last tests open the page in a real headless Chromium (Debian's `chromium`, driven by its own command
line): screenshot, DOM, console and network log.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from socialpub.check import CheckResult, run_check
from socialpub.config import Config, load_config
from socialpub.html import render_page
from socialpub.html.markup import Ref, Span, marked
from socialpub.html.page import CSP, style
from tests.helpers import MP4, PNG, Repo, cli

ROOT = Path(__file__).resolve().parents[1]
STYLE = "\n" + style()  # as the page carries it


# --- a small DOM from the stdlib parser -------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [n for n in self.walk() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)]


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.attr_names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attr_names += [name for name, _ in attrs]
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
        raise AssertionError(f"stray </{tag}>")

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> tuple[Node, TreeBuilder]:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert len(builder.stack) == 1, f"unclosed elements: {[n.tag for n in builder.stack]}"
    return builder.root, builder


# --- the sample content of the repository -----------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> tuple[Config, CheckResult, str]:
    config = load_config(ROOT / "channels.toml")
    result = run_check(config)
    return config, result, render_page(result, config)


def test_sample_page_has_a_section_per_post_and_a_card_per_channel(
    sample: tuple[Config, CheckResult, str],
) -> None:
    _, result, page = sample
    dom, _ = parse(page)
    sections = dom.find("section", "post")
    assert len(sections) == len(result.reports) > 10
    for rep, section in zip(result.reports, sections, strict=True):
        assert section.find("h2")[0].text.startswith(rep.post.id)
        cards = section.find("article", "card")
        assert [c.attrs["data-channel"] for c in cards] == [r.channel.name for r in rep.renders]
        assert [c.classes & {"twitter", "facebook", "youtube", "pinterest"} for c in cards] == [
            {r.kind} for r in rep.renders
        ]
    thread = next(s for s in sections if s.find("h2")[0].text.startswith("rxsave-chat-thread"))
    tweets = thread.find("div", "tweet")
    assert len(tweets) == 5 and thread.find("div", "thread")  # each tweet its own card, joined
    assert [t.find("span", "count")[0].text for t in tweets][0] == "158/280"
    youtube = dom.find("article", "youtube")[0]
    assert youtube.find("h3", "yt-title")[0].text == "Inside LabTalk: a day in an AstraZeneca research lab"
    assert {t.text for t in youtube.find("span", "tag")} >= {"#LabTalk", "#drug discovery"}
    assert "privacy: public" in youtube.text
    pin = next(c for c in dom.find("article", "pinterest") if "US Military Veterans" in c.text)
    assert "Saved to US Military Veterans" in pin.find("div", "board")[0].text
    assert pin.find("div", "host")[0].text == "CAREERS.ASTRAZENECA.COM"
    assert "Navy card with a folded American flag" in pin.find("figcaption")[0].text  # alt text visible
    assert "2014-11-11 09:00 EST" in pin.text and "2014-11-11 14:00 UTC" in pin.text
    assert "3002414  Last Updated 9/14" in pin.text and "careers" in pin.text


def test_summary_links_resolve_and_ids_are_unique(sample: tuple[Config, CheckResult, str]) -> None:
    _, result, page = sample
    dom, _ = parse(page)
    ids = [n.attrs["id"] for n in dom.walk() if "id" in n.attrs]
    assert len(ids) == len(set(ids))
    summary = dom.find("section", "summary")[0]
    rows = summary.find("tbody")[0].find("tr")
    assert len(rows) == len(result.reports)
    targets = [a.attrs["href"] for a in summary.find("a")]
    assert len(targets) == len(result.reports)
    internal = [a.attrs["href"] for a in dom.find("a") if a.attrs["href"].startswith("#")]
    assert internal and all(href[1:] in ids for href in internal)
    failing = next(r for r in rows if "fail-absolute-claim" in r.text)
    # 10 error findings over its channels, 7 distinct problems: one shared by several channels counts once
    report = next(r for r in result.reports if r.post.id == "fail-absolute-claim")
    assert sum(1 for f in report.findings if f.blocking) == 10
    assert "blocked" in failing.classes and failing.find("td", "bad")[0].text == "7"


def test_failing_examples_are_marked_at_their_spans(sample: tuple[Config, CheckResult, str]) -> None:
    _, _, page = sample
    dom, _ = parse(page)
    ids = {n.attrs["id"]: n for n in dom.walk() if "id" in n.attrs}
    claim = ids["post-fail-absolute-claim"]
    tweet = claim.find("article", "twitter")[0]
    marks = {m.text: m for m in tweet.find("mark")}
    assert {"best", "breakthrough", "ONCAVIX"} <= set(marks)
    assert "error" in marks["best"].classes and marks["best"].attrs["title"].startswith("SP-CLAIM-001: ")
    assert marks["ONCAVIX"].attrs["title"].count("SP-BALANCE-00") == 3  # three findings, one span
    for sup in tweet.find("sup", "ref"):
        for a in sup.find("a"):
            entry = ids[a.attrs["href"][1:]]
            assert entry.tag == "li" and a.text in entry.text  # the rule id links to its entry below the card
    privacy = ids["post-fail-privacy-shortener"]
    assert {m.text for m in privacy.find("mark")} >= {
        "302-555-0147",
        "dana.m1962@gmail.com",
        "https://bit.ly/1rAZmbc",
    }
    alt = ids["post-fail-unbranded-names-product"].find("figcaption")[0]
    assert [m.text for m in alt.find("mark")] == ["IMG_2041.png"]  # marked in the alt text under the image
    long_tweet = ids["post-fail-employee-long-tweet"]
    assert long_tweet.find("span", "over")[0].text == "395/280"  # counts against limits, red when over
    no_span = next(li for li in long_tweet.find("li", "finding") if "SP-CHANNEL-001" in li.text)
    assert "applies to the post as a whole" in no_span.text and "hint:" in no_span.text
    assert "too-long" in no_span.text  # rule id, name, message and hint


def test_page_loads_nothing_from_elsewhere(sample: tuple[Config, CheckResult, str]) -> None:
    _, _, page = sample
    dom, _ = parse(page)
    assert 30_000 < len(page.encode()) < 1_000_000
    head = dom.find("head")[0]
    meta = [m for m in head.find("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert [m.attrs["content"] for m in meta] == [CSP]
    assert head.find("meta")[1] is meta[0]  # right after the charset, before anything it governs
    assert (
        not dom.find("script") and not dom.find("link") and not dom.find("iframe") and not dom.find("object")
    )
    assert [s.text for s in dom.find("style")] == [STYLE]
    assert "@import" not in STYLE and "url(" not in STYLE
    sources = [n.attrs[a] for n in dom.walk() for a in ("src", "poster", "srcset") if a in n.attrs]
    assert sources and all(s.startswith(("data:image/", "data:video/")) for s in sources)
    for a in dom.find("a"):
        href = a.attrs["href"]
        if not href.startswith("#"):
            assert href.startswith("https://") and a.attrs.get("rel") == "noopener noreferrer"


HOSTILE = (
    '<script>alert(1)</script> "><img src=x onerror=alert(1)> </style> <style>body{display:none}</style> '
    '<a href="javascript:alert(1)">click</a> javascript:alert(2) &amp; &lt;b&gt;'
)


def test_escaping_is_total(repo: Repo) -> None:
    repo.write("posts/media/x.png", PNG)
    repo.post(
        HOSTILE + " a breakthrough",
        name='"><img src=x onerror=alert(1)>',
        channels=["tw", "fb", "pin", "yt"],
        title="</title><script>alert(3)</script>",
        link='https://www.astrazeneca-us.com/"><script>alert(4)</script>',
        media=[{"path": "media/x.png", "alt": '"><svg onload=alert(5)>'}],
        suppress=[{"rule": "SP-CLAIM-002", "reason": "<b onmouseover=alert(6)>ok</b>", "mlr_ref": "MLR<1>"}],
        tables='[pinterest]\nboard = "US Military Veterans"\n'
        '[twitter]\nthread = ["</div></article><script>x</script>"]\n',
    )
    repo.write("posts/broken<i>.md", "+++\nchannels = [\n+++\n<script>alert(7)</script>")
    config = load_config(repo.root / "channels.toml")
    result = run_check(config)
    page = render_page(result, config)
    dom, builder = parse(page)
    assert not dom.find("script") and len(dom.find("style")) == 1 and dom.find("style")[0].text == STYLE
    assert not [n for n in builder.attr_names if n.startswith("on")]
    assert not [
        n for n in dom.walk() if any(v.strip().lower().startswith("javascript:") for v in n.attrs.values())
    ]
    allowed = {
        "#document",
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "h1",
        "h2",
        "h3",
        "p",
        "strong",
        "main",
        "section",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "a",
        "div",
        "span",
        "article",
        "mark",
        "sup",
        "figure",
        "figcaption",
        "img",
        "video",
        "b",
        "code",
        "dl",
        "dt",
        "dd",
        "ol",
        "ul",
        "li",
        "footer",
    }
    assert {n.tag for n in dom.walk()} <= allowed
    text = dom.text
    for piece in (
        HOSTILE,
        "</title><script>alert(3)</script>",
        '"><svg onload=alert(5)>',
        "</div></article><script>x",
    ):
        assert piece in text  # the text round-trips, as text
    summary = dom.find("section", "summary")[0].text
    assert '"><img src=x onerror=alert(1)>' in summary and "posts/broken<i>.md" in summary
    assert "posts/broken<i>.md" in dom.find("section", "file-findings")[0].text
    waiver = dom.find("div", "waiver")[0]
    assert waiver.text == "suppressed: <b onmouseover=alert(6)>ok</b> (MLR MLR<1>)"
    marks = [m for m in dom.find("mark") if m.text == "breakthrough"]
    assert marks and all(m.classes == {"warning", "suppressed"} for m in marks)  # shown, greyed
    link = dom.find("div", "link-card")[0].find("a")[0]
    assert link.attrs["href"] == 'https://www.astrazeneca-us.com/"><script>alert(4)</script>'
    assert link.attrs["rel"] == "noopener noreferrer"
    for section in dom.find("section", "post"):  # ids stay identifiers, whatever the post id
        assert re.fullmatch(r"[A-Za-z0-9_-]+", section.attrs["id"])


def ref(rule: str, severity: str = "error", anchor: str = "f1") -> Ref:
    return Ref({"rule": rule, "message": f"{rule} <msg>", "severity": severity}, anchor)


def test_marks_split_raw_text_then_escape_each_piece() -> None:
    text = 'a<b> "best" & more'
    one = ref("SP-CLAIM-001")
    assert marked(text, [Span(6, 10, one)]) == (
        "a&lt;b&gt; &quot;"
        '<mark class="error" title="SP-CLAIM-001: SP-CLAIM-001 &lt;msg&gt;">best</mark>'
        '<sup class="ref"><a href="#f1" title="SP-CLAIM-001: SP-CLAIM-001 &lt;msg&gt;">SP-CLAIM-001</a></sup>'
        "&quot; &amp; more"
    )
    # overlapping spans and a fold inside one: no nesting, each piece marked by what covers it
    out = marked(
        "0123456789", [Span(2, 6, ref("A", "warning", "a")), Span(4, 8, ref("B", "error", "b"))], fold=5
    )
    dom, _ = parse(out)
    pieces = [(n.text, sorted(n.classes)) if isinstance(n, Node) else n for n in dom.children]
    assert pieces == [
        "01",
        ("23", ["warning"]),
        ("4", ["error"]),
        ("See more", ["fold"]),
        ("5", ["error"]),
        ("A", ["ref"]),
        ("67", ["error"]),
        ("B", ["ref"]),
        "89",
    ]


def test_fold_marker_where_the_platform_folds(repo: Repo) -> None:
    text = " ".join(f"word{i:03d}" for i in range(80))  # 639 characters
    repo.write("posts/media/v.mp4", MP4)
    repo.post(
        text,
        channels=["fb", "yt"],
        title="A video",
        tables='[youtube]\nmedia = [{ path = "media/v.mp4", alt = "a lab" }]\n',
    )
    config = load_config(repo.root / "channels.toml")
    dom, _ = parse(render_page(run_check(config), config))
    for kind, fold, label in (("facebook", 400, "See more"), ("youtube", 150, "…more")):
        body = dom.find("article", kind)[0].find("div", "text")[0]
        before, marker = body.children[0], body.children[1]
        assert isinstance(marker, Node) and marker.classes == {"fold"} and marker.text == label
        assert before == text[:fold] and body.text == text[:fold] + label + text[fold:]


def test_big_videos_are_a_poster_box_small_ones_embedded(repo: Repo) -> None:
    repo.write("posts/media/v.mp4", MP4)
    repo.write("posts/media/cover.png", PNG)
    repo.post(
        "A day in the lab.",
        channels=["yt"],
        title="A video",
        tables='[youtube]\nmedia = [{ path = "media/v.mp4", alt = "a lab" }]\n'
        'thumbnail = "media/cover.png"\n',
    )
    config = load_config(repo.root / "channels.toml")
    result = run_check(config)
    small, _ = parse(render_page(result, config))
    video = small.find("video")[0]
    assert video.attrs["src"].startswith("data:video/mp4;base64,") and video.attrs["poster"].startswith(
        "data:image/png"
    )
    big, _ = parse(render_page(result, config, video_limit=len(MP4) - 1))
    assert not big.find("video")
    box = big.find("div", "placeholder")[0]
    assert "v.mp4" in box.text and f"{len(MP4)} bytes" in box.text and "video/mp4" in box.text
    assert "a lab" in big.find("figcaption")[0].text


def test_cli_writes_the_page_and_exits_like_check(repo: Repo, tmp_path: Path) -> None:
    repo.post(
        "Our science blog LabTalk is live.",
        channels=["tw", "fb"],
        link="https://www.astrazeneca-us.com/labtalk",
    )
    out = tmp_path / "out" / "preview.html"
    code, stdout, _ = cli(repo, "preview", "--html", str(out))
    assert code == 0 and "post → tw (twitter)" in stdout  # the usual cards still print
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    repo.post("x" * 281, name="long")
    code, _, _ = cli(repo, "preview", "--html", str(out), "--format", "json")
    assert code == 1
    dom, _ = parse(out.read_text(encoding="utf-8"))
    assert "failed" in dom.find("header", "top")[0].classes


def test_secrets_never_reach_the_page(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TW_KEY", "TW_SECRET", "TW_TOKEN", "TW_TOKEN_SECRET", "FB_TOKEN"):
        monkeypatch.setenv(name, f"canary-{name}-7d1f")
    repo.post("Our science blog LabTalk is live.", channels=["tw", "fb"])
    config = load_config(repo.root / "channels.toml")
    assert "canary-" not in render_page(run_check(config), config)


# --- a real browser ---------------------------------------------------------------------------------------

# Chromium's own background traffic (component updater, sign-in) is switched off where a flag exists and
# otherwise sent to a closed loopback port with every host name unresolvable: nothing leaves the machine.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-breakpad",
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,"
    "AutofillServerCommunication,CertificateTransparencyComponentUpdater",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
    "--log-level=0",  # console messages of the page come out as INFO:CONSOLE lines
    "--window-size=1280,2000",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = os.environ.get("SOCIALPUB_CHROMIUM") or shutil.which("chromium")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must install Debian's chromium for the HTML preview test: apt-get install -y chromium"
            )
        pytest.skip(
            "chromium is not installed (apt-get install -y chromium); CI installs it and runs this test"
        )
    return exe


@dataclass
class Visit:
    dom: str
    console: list[str]
    page_requests: list[str]
    screenshot: Path


def visit(exe: str, page: Path, work: Path) -> Visit:
    """Open a page once: screenshot, DOM, console messages, and the requests the page itself made."""
    work.mkdir()
    shot, netlog = work / "shot.png", work / "netlog.json"
    with socket.socket() as closed:  # bound, never listening: a proxy that refuses every connection
        closed.bind(("127.0.0.1", 0))
        proc = subprocess.run(
            [
                exe,
                *CHROMIUM_FLAGS,
                f"--proxy-server=http://127.0.0.1:{closed.getsockname()[1]}",
                f"--user-data-dir={work / 'profile'}",
                f"--screenshot={shot}",
                "--dump-dom",
                f"--log-net-log={netlog}",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return Visit(proc.stdout, console, page_requests(netlog), shot)


def page_requests(netlog: Path) -> list[str]:
    """URLs the page asked for (Chromium's own requests have no initiator: 'not an origin')."""
    text = netlog.read_text(encoding="utf-8")
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # a net log cut short still has every event but the closing brackets
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] == start_job and "url" in params and params.get("initiator") != "not an origin":
            urls.append(params["url"])
    return urls


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    idat = b"".join(m.group(2) for m in _chunks(data) if m.group(1) == b"IDAT")
    channels = {2: 3, 6: 4, 0: 1, 4: 2}[colour]
    assert len(zlib.decompress(idat)) == height * (1 + width * channels * depth // 8)  # a whole image
    return width, height


def _chunks(data: bytes) -> Iterator[re.Match[bytes]]:
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        match = re.compile(rb"(.{4})(.{%d})" % length, re.DOTALL).match(data, pos + 4)
        assert match is not None
        yield match
        pos += 12 + length


@pytest.mark.slow
def test_chromium_renders_the_page_offline_without_errors(
    chromium: str, sample: tuple[Config, CheckResult, str], tmp_path: Path
) -> None:
    _, result, page = sample
    path = tmp_path / "preview.html"
    path.write_text(page, encoding="utf-8")
    seen = visit(chromium, path, tmp_path / "page")
    assert seen.console == []  # no script errors, and no CSP violation (Chromium reports those there)
    assert seen.page_requests == []  # nothing fetched: every image is a data: URI
    assert seen.screenshot.stat().st_size > 10_000
    assert png_size(seen.screenshot) == (1280, 2000)
    dom, _ = parse(seen.dom)
    cards = dom.find("article", "card")
    assert len(cards) == sum(len(r.renders) for r in result.reports)
    assert {k for c in cards for k in c.classes} >= {"twitter", "facebook", "youtube", "pinterest"}
    assert dom.find("mark", "error") and not dom.find("script")
    assert all(img.attrs["src"].startswith("data:image/png;base64,") for img in dom.find("img"))

    # The same checks see a page that does load something and does log: they are not blind.
    control = tmp_path / "control.html"
    control.write_text(
        '<!DOCTYPE html><p>control</p><img src="http://socialpub-control.invalid/pixel.png">'
        '<script>console.error("control")</script>',
        encoding="utf-8",
    )
    seen = visit(chromium, control, tmp_path / "control")
    assert seen.page_requests == ["http://socialpub-control.invalid/pixel.png"]
    assert any('"control"' in line for line in seen.console)
