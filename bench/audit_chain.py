"""Event appends with the audit trail's hash chain, against the same appends before the chain.

    python bench/audit_chain.py [--events 300] [--repeat 3] [--before REF] [--pg ADMIN_URL]

Each event is appended in its own transaction through `Ledger.event`, as `run` records them (a run writes
about two per (post, channel): `publishing`, then the outcome). "after" is this tree's socialpub; "before"
is the same script run on the socialpub of REF (default: where this branch left main), extracted from git
into a temporary folder. SQLite always; PostgreSQL when an admin URL is given (or SOCIALPUB_TEST_PG): a
throw-away database each time. Also measured: `audit verify` over the events appended. Results go to
docs/benchmarks.md (its audit-chain section). Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from sections import replace_section  # noqa: E402


def _fresh_pg(admin: str) -> str:
    import psycopg

    name = f"socialpub_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{admin.rpartition('/')[0]}/{name}"


def _drop_pg(admin: str, url: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


def measure(backend: str, events: int, repeat: int, admin: str | None) -> dict[str, object]:
    """In this process, with whichever socialpub is importable: per-event append times, in ms."""
    from socialpub.ledger import Row, open_ledger

    per_event, verify = [], None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            spec = _fresh_pg(admin) if backend == "postgresql" and admin else str(Path(folder) / "ledger.db")
            try:
                ledger = open_ledger(spec, Path(folder))
                row = Row(post_id="bench-post", channel="tw", state="published", remote_id="1",
                          url="https://x.com/i/status/1", content_hash="ab" * 32, approval_code="3001314")
                ledger.event("published", row, warm=True)
                started = time.perf_counter()
                for i in range(events):
                    ledger.event("published", row, attempt=i, payload="cd" * 32)
                per_event.append((time.perf_counter() - started) / events * 1000)
                try:
                    from socialpub.audit import verify_ledger
                except ImportError:  # the code before the chain
                    pass
                else:
                    started = time.perf_counter()
                    report = verify_ledger(ledger)
                    assert report.intact, report.breaks
                    verify = (time.perf_counter() - started) / report.events * 1e6
                ledger.close()
            finally:
                if backend == "postgresql" and admin:
                    _drop_pg(admin, spec)
    return {"median_ms": statistics.median(per_event), "runs_ms": per_event, "verify_us_per_event": verify}


def run_on(code: Path | None, backend: str, args: argparse.Namespace) -> dict[str, object]:
    """This script's --child mode under the socialpub found at `code` (None: this tree's)."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    cmd = [sys.executable, __file__, "--child", backend, "--events", str(args.events), "--repeat", str(args.repeat)]
    if args.pg:
        cmd += ["--pg", args.pg]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=tempfile.gettempdir())
    if done.returncode != 0:
        raise SystemExit(f"{backend} under {code or 'this tree'} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="ledgers filled per child process")
    parser.add_argument("--rounds", type=int, default=4, help="before/after child processes, taking turns")
    parser.add_argument("--before", default=None, help="git ref of the code before the chain")
    parser.add_argument("--pg", default=os.environ.get("SOCIALPUB_TEST_PG"))
    parser.add_argument("--child", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.events, args.repeat, args.pg)))
        return 0

    before_ref = args.before or subprocess.run(["git", "-C", str(REPO), "merge-base", "HEAD", "main"],
                                               capture_output=True, text=True, check=True).stdout.strip()
    backends = ["sqlite"] + (["postgresql"] if args.pg else [])
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", before_ref, "socialpub"], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        for backend in backends:
            # before and after take turns, so that a busy moment of the machine hits both
            befores, afters = [], []
            for _ in range(args.rounds):
                befores.append(run_on(Path(folder), backend, args))
                afters.append(run_on(REPO, backend, args))
            before_runs = [float(t) for b in befores for t in b["runs_ms"]]  # type: ignore[attr-defined]
            after_runs = [float(t) for a in afters for t in a["runs_ms"]]  # type: ignore[attr-defined]
            results[backend] = {
                "before_ms": statistics.median(before_runs), "after_ms": statistics.median(after_runs),
                "before_min": min(before_runs), "after_min": min(after_runs),
                "verify_us": statistics.median(float(a["verify_us_per_event"]) for a in afters),  # type: ignore[arg-type]
            }
    lines = [
        "## Audit trail: event appends with the hash chain",
        "",
        f"`bench/audit_chain.py --events {args.events} --repeat {args.repeat} --rounds {args.rounds}`:",
        f"{args.events} events appended one transaction each through `Ledger.event` (as `run` records them),",
        f"{args.repeat * args.rounds} ledgers filled per column. \"before\" is the code at `{before_ref[:12]}`",
        "(before the chain), \"after\" this tree; the two take turns. Median and (in brackets) the fastest",
        "ledger's figure, which the machine's other work disturbs least. `audit verify` per event is over the",
        "events just appended.",
        "",
        "| ledger | before (ms/event) | after (ms/event) | added (ms/event) | audit verify (µs/event) |",
        "|---|---|---|---|---|",
    ]
    for backend, r in results.items():
        f = {k: float(v) for k, v in r.items()}  # type: ignore[arg-type]
        lines.append(f"| {backend} | {f['before_ms']:.2f} ({f['before_min']:.2f}) | {f['after_ms']:.2f} "
                     f"({f['after_min']:.2f}) | {f['after_ms'] - f['before_ms']:+.2f} "
                     f"({f['after_min'] - f['before_min']:+.2f}) | {f['verify_us']:.0f} |")
    worst = max(float(r["after_ms"]) - float(r["before_ms"]) for r in results.values())  # type: ignore[arg-type]
    lines += ["", f"What a run pays for the chain: about two events per (post, channel), so {2 * max(worst, 0):.1f} ms "
              "per (post, channel) at the medians above, beside platform requests of hundreds of ms each."]
    lines += ["", f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs "
              f"(shared with other work while measured), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."]
    body = "\n".join(lines)
    replace_section(REPO / "docs" / "benchmarks.md", "audit-chain", body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
