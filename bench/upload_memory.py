"""Upload memory: peak RSS of `socialpub publish` sending a 2 GiB video to the sandbox's YouTube API,
against the same for a 20 MiB video (bar: under 150 MB, and within 10 % of the small one).

    python bench/upload_memory.py [--big-mib 2048] [--small-mib 20]

The sandbox runs in its own process (`socialpub sandbox`), so the figure is socialpub's alone; the video
files are sparse (generated, no disk space used). Results go to docs/benchmarks.md (its upload-memory
section). Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from sections import replace_section  # noqa: E402

SCRIPT = REPO / ".venv" / "bin" / "socialpub"
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_repo(root: Path, endpoint: str, mib: int) -> Path:
    (root / "posts").mkdir(parents=True, exist_ok=True)
    video = root / "posts" / "video.mp4"
    with video.open("wb") as handle:
        handle.write(MP4_HEAD)
        handle.truncate(mib * 1024 * 1024)  # sparse: zeros that take no disk
    (root / "channels.toml").write_text(
        f"""[defaults]
timezone = "America/New_York"

[channels.yt]
kind = "youtube"
endpoint = "{endpoint}"
client_id = "env:YT_ID"
client_secret = "env:YT_SECRET"
refresh_token = "env:YT_REFRESH"
""",
        encoding="utf-8",
    )
    (root / "posts" / "video.md").write_text(
        f"""+++
title = "Upload benchmark {mib} MiB"
channels = ["yt"]
post_type = "corporate"
approval_code = "3001314  Last Updated {time.gmtime().tm_mon}/{time.gmtime().tm_year % 100:02d}"
approval_status = "approved"
media = [{{ path = "video.mp4", alt = "A generated video for the upload benchmark" }}]
+++
Generated video of {mib} MiB for the upload-memory benchmark.
""",
        encoding="utf-8",
    )
    return root


def measure(root: Path) -> dict[str, object]:
    env = {**os.environ, "YT_ID": "sandbox-client_id", "YT_SECRET": "sandbox-client_secret",
           "YT_REFRESH": "sandbox-refresh_token"}
    result = root / "measure.json"
    cmd = [sys.executable, str(HERE / "measure.py"), str(result), str(SCRIPT), "--config",
           str(root / "channels.toml"), "--ledger", str(root / "ledger.db"), "publish", str(root / "posts"),
           "--yes", "--format", "json"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    figures = json.loads(result.read_text())
    if figures.get("code") != 0:
        raise SystemExit(f"publish failed ({figures.get('code')}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big-mib", type=int, default=2048)
    parser.add_argument("--small-mib", type=int, default=20)
    parser.add_argument("--report", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)

    port = free_port()
    sandbox = subprocess.Popen([str(SCRIPT), "sandbox", "--port", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{endpoint}/_sandbox/posts", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        rows = {}
        for mib in (args.small_mib, args.big_mib):
            with tempfile.TemporaryDirectory(prefix="socialpub-upload-") as tmp:
                rows[mib] = measure(write_repo(Path(tmp), endpoint, mib))
                print(f"{mib:>6} MiB: wall {rows[mib]['wall']:.1f} s, peak RSS {rows[mib]['maxrss_kb'] / 1024:.1f} MB",
                      flush=True)
        videos = json.loads(urllib.request.urlopen(f"{endpoint}/_sandbox/posts?platform=youtube").read())["posts"]
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)

    small, big = rows[args.small_mib], rows[args.big_mib]
    big_mb, small_mb = big["maxrss_kb"] / 1024, small["maxrss_kb"] / 1024  # type: ignore[operator]
    ratio = big_mb / small_mb
    stored = sorted(f"{int(v['_size']):,} bytes" for v in videos if "_size" in v)
    ok = big_mb < 150 and ratio <= 1.10
    body = f"""## Upload memory

`python bench/upload_memory.py` — `socialpub publish` of one video to the sandbox's YouTube API
(resumable upload in 8 MiB chunks), the sandbox in its own process; peak RSS of the socialpub process
(`os.wait4`, through `bench/measure.py`). Machine: {platform.processor() or platform.machine()},
{os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}.

| video | wall | peak RSS |
|---|---|---|
| {args.small_mib} MiB | {small['wall']:.1f} s | {small_mb:.1f} MB |
| {args.big_mib} MiB | {big['wall']:.1f} s | {big_mb:.1f} MB |

| bar | measured | limit | result |
|---|---|---|---|
| peak RSS of the {args.big_mib} MiB upload | {big_mb:.1f} MB | < 150 MB | {'pass' if big_mb < 150 else 'FAIL'} |
| against the {args.small_mib} MiB upload | {ratio:.3f}× | ≤ 1.10× | {'pass' if ratio <= 1.10 else 'FAIL'} |

Sizes the sandbox received, complete: {', '.join(stored)}.
"""
    replace_section(args.report, "upload-memory", body)
    print(f"ratio {ratio:.3f}; {'pass' if ok else 'FAIL'}; written to {args.report}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
