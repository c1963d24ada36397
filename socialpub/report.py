"""How `socialpub check` reports: one function per `--format`, each returning the whole output as a string.

text (people), json (scripts: a versioned envelope), github (workflow-command annotations), junit
(CI test reports), sarif (code scanning) and markdown (a GitHub job summary). Every format lists findings
in the same order: file, line, column, rule. Post content is hostile input here: each format escapes it
its own way, so a message cannot break a line, an annotation, an XML document or a terminal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from socialpub.check import CheckResult
from socialpub.rules import Finding, registry
from socialpub.terminal import printable, visible

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/socialpub/"
FINGERPRINT_KEY = "socialpub/v1"
JUNIT_SUITE = "socialpub check"
MARKDOWN_LIMIT = 500  # finding lines in a job summary (GitHub caps a step's summary at 1 MiB)


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by file, line, column, rule (findings without a line first in their file)."""
    return sorted(
        findings,
        key=lambda f: (f.file, f.line or 0, f.column or 0, f.rule, f.post or "", f.channel or "", f.message),
    )


def merged(findings: Iterable[Finding]) -> list[tuple[Finding, tuple[str, ...]]]:
    """Findings as people read them: a problem found alike on several channels once, with those channels.

    The machine formats (json, sarif, junit) keep one record per (finding, channel)."""
    groups: dict[tuple[object, ...], tuple[Finding, list[str]]] = {}
    for f in ordered(findings):
        key = (f.rule, f.severity, f.post, f.file, f.line, f.column, f.message, f.excerpt, f.hint, f.suppressed,
               _reason(f) if f.suppressed else None)
        first, channels = groups.setdefault(key, (f, []))
        if f.channel and f.channel not in channels:
            channels.append(f.channel)
    return [(first, tuple(channels)) for first, channels in groups.values()]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _counts(groups: list[tuple[Finding, tuple[str, ...]]]) -> str:
    """'3 errors, 1 warning, 1 suppressed' (zero counts left out), or '' when nothing was found; a finding
    shared by several channels counts once (`merged`)."""
    errors = sum(1 for f, _ in groups if f.severity == "error" and not f.suppressed)
    warnings = sum(1 for f, _ in groups if f.severity == "warning" and not f.suppressed)
    suppressed = sum(1 for f, _ in groups if f.suppressed)
    parts = [
        _plural(errors, "error") if errors else "",
        _plural(warnings, "warning") if warnings else "",
        f"{suppressed} suppressed" if suppressed else "",
    ]
    if not groups:
        return ""
    # only findings of another severity (e.g. a hand-made "note") leave every count at zero
    return ", ".join(p for p in parts if p) or _plural(len(groups), "finding")


def _headline(result: CheckResult, groups: list[tuple[Finding, tuple[str, ...]]]) -> str:
    checked = f"{_plural(result.posts, 'post')} checked"
    counts = _counts(groups)
    return f"{checked}: {counts}" if counts else f"{checked}: ✓ no findings"


def _reason(finding: Finding) -> str:
    suppression = finding.suppression or {}
    reason = suppression.get("reason", "")
    ref = suppression.get("mlr_ref")
    return f"{reason} (MLR {ref})" if ref else reason


# --- json ----------------------------------------------------------------------------------------


def envelope(command: str, *, ascii_only: bool = False, **fields: Any) -> str:
    """What every command prints with --format json: {"version": 1, "command": COMMAND, then its own
    fields in the order given}, indented by two, ending with a newline. `version` changes only when a
    field is removed or changes meaning."""
    data = {"version": 1, "command": command, **fields}
    return json.dumps(data, indent=2, ensure_ascii=ascii_only) + "\n"


def check_json(result: CheckResult) -> str:
    """The versioned JSON envelope; suppressed findings included, marked as such."""
    return envelope(
        "check",
        status="ok" if result.ok else "failed",
        summary={
            "posts": result.posts,
            "errors": result.errors,
            "warnings": result.warnings,
            "suppressed": result.suppressed,
        },
        findings=[f.to_dict() for f in ordered(result.findings)],
    )


# --- github --------------------------------------------------------------------------------------
# https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions ; the escaping is
# the runner's own (actions/toolkit packages/core/src/command.ts escapeData / escapeProperty).


def _gh_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(value: str) -> str:
    return _gh_data(value).replace(":", "%3A").replace(",", "%2C")


def check_github(result: CheckResult) -> str:
    """One GitHub Actions annotation per finding, its channels listed (suppressed ones as notices)."""
    lines = []
    for f, channels in merged(result.findings):
        command = "notice" if f.suppressed else ("error" if f.severity == "error" else "warning")
        props = []
        if f.file:
            props.append(("file", f.file))
            if f.line is not None and f.line >= 1:
                props.append(("line", str(f.line)))
                if f.column is not None and f.column >= 1:
                    props.append(("col", str(f.column)))
        title = f"{f.rule} {f.name}" + (f" [{', '.join(channels)}]" if channels else "")
        props.append(("title", title))
        message = f.message
        if f.hint:
            message += f"\nhint: {f.hint}"
        if f.suppressed:
            message += f"\nsuppressed: {_reason(f)}"
        rendered = ",".join(f"{key}={_gh_property(value)}" for key, value in props)
        lines.append(f"::{command} {rendered}::{_gh_data(message)}")
    return "".join(line + "\n" for line in lines)


# --- junit ---------------------------------------------------------------------------------------
# Error findings are <failure>s of the (post, channel) testcase they block; warnings and suppressed
# findings go to <system-out>: CI test views (Jenkins, GitLab, test-reporter actions) show it beside the
# test, whereas <skipped> would claim the post was not checked.

# XML 1.0 forbids most C0 controls, lone surrogates and U+FFFE/U+FFFF even as character references.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(value: object) -> str:
    """Text safe for XML 1.0: forbidden characters shown as \\xNN (\\uNNNN), line ends normalized."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _XML_INVALID.sub(lambda m: visible(m.group()), text)


def _location(f: Finding) -> str:
    where = f.file or "<unknown file>"
    if f.line is not None:
        where += f":{f.line}"
        if f.column is not None:
            where += f":{f.column}"
    return where


def _junit_cases(result: CheckResult) -> list[tuple[str, str, list[Finding]]]:
    """(classname, name, findings) per file that did not load and per (post, channel) checked."""
    cases: list[tuple[str, str, list[Finding]]] = []
    placed: set[int] = set()
    by_file: dict[str, list[Finding]] = {}
    for f in result.file_findings:
        by_file.setdefault(f.file, []).append(f)
    for file, found in by_file.items():
        name = found[0].post or PurePosixPath(file).stem or file
        cases.append((file, name, found))
        placed.update(id(f) for f in found)
    for checked in result.checked:
        if not checked.channels:
            cases.append((checked.file, checked.post, list(checked.findings)))
            placed.update(id(f) for f in checked.findings)
            continue
        for channel in checked.channels:
            # a post-level finding (channel None) blocks every channel of the post
            found = [f for f in checked.findings if f.channel in (channel, None)]
            cases.append((checked.file, f"{checked.post} [{channel}]", found))
            placed.update(id(f) for f in found)
    # findings no report accounts for (e.g. a result built from findings alone) still get a testcase
    leftovers: dict[tuple[str, str, str], list[Finding]] = {}
    for f in result.findings:
        if id(f) not in placed:
            leftovers.setdefault((f.file, f.post or "", f.channel or ""), []).append(f)
    for (file, post, channel), found in leftovers.items():
        name = post or PurePosixPath(file).stem or file
        cases.append((file, f"{name} [{channel}]" if channel else name, found))
    return cases


def _describe(f: Finding) -> str:
    lines = [f"{_location(f)}  {f.severity}  {f.rule} {f.name}" + (f"  [{f.channel}]" if f.channel else "")]
    lines.append(f.message)
    if f.excerpt:
        lines.append(f"excerpt: {f.excerpt}")
    if f.hint:
        lines.append(f"hint: {f.hint}")
    if f.suppressed:
        lines.append(f"suppressed: {_reason(f)}")
    return "\n".join(lines)


def check_junit(result: CheckResult) -> str:
    """JUnit XML: one testcase per (post, channel) checked and per file that did not load."""
    import xml.etree.ElementTree as ET  # only this format needs it

    suite = ET.Element("testsuite", name=JUNIT_SUITE)
    tests = failures = 0
    for classname, name, found in _junit_cases(result):
        found = ordered(found)
        case = ET.SubElement(suite, "testcase", classname=_xml(classname), name=_xml(name), time="0")
        if classname:
            case.set("file", _xml(classname))
        blocking = [f for f in found if f.blocking]
        for f in blocking:
            failure = ET.SubElement(
                case, "failure", type=_xml(f.rule), message=_xml(f"{f.name}: {f.message}")
            )
            failure.text = _xml(_describe(f))
        others = [f for f in found if not f.blocking]
        if others:
            out = ET.SubElement(case, "system-out")
            out.text = _xml("\n\n".join(_describe(f) for f in others))
        tests += 1
        failures += bool(blocking)
    counts = {"tests": str(tests), "failures": str(failures), "errors": "0", "skipped": "0", "time": "0"}
    for key, value in counts.items():
        suite.set(key, value)
    root = ET.Element("testsuites", {"name": "socialpub", **counts})
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- sarif ---------------------------------------------------------------------------------------
# SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html) as GitHub code scanning
# reads it: relative URIs under %SRCROOT%, partialFingerprints so alerts survive line moves.


def _sarif_level(severity: str) -> str:
    return severity if severity in ("error", "warning") else "note"


def _descriptor(
    rule_id: str, name: str, level: str, summary: str, help: str, principle: str, suppressible: bool
) -> dict[str, Any]:
    tags = [p.strip() for p in principle.split(",") if p.strip() and p.strip() not in ("—", "-")]
    full = summary
    if principle and tags:
        full += f" Principle: {', '.join(tags)}."
    if not suppressible:
        full += " Cannot be suppressed."
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": summary or name},
        "fullDescription": {"text": full or name},
        "help": {"text": help or summary or name},
        "defaultConfiguration": {"level": _sarif_level(level)},
        "properties": {"tags": ["compliance", *tags], "suppressible": suppressible},
    }


def _artifact(file: str) -> dict[str, str] | None:
    if not file:
        return None
    if PureWindowsPath(file).is_absolute() and not PurePosixPath(file).is_absolute():
        return {"uri": PureWindowsPath(file).as_uri()}
    posix = file.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return {"uri": PurePosixPath(posix).as_uri()}
    return {"uri": quote(posix, safe="/-._~"), "uriBaseId": "%SRCROOT%"}


def check_sarif(result: CheckResult, tool_version: str) -> str:
    """SARIF 2.1.0 with the whole rule catalogue and one result per finding (suppressed ones marked)."""
    rules = [
        _descriptor(r.id, r.name, r.level, r.summary, r.help, r.principle, r.suppressible)
        for r in registry().values()
    ]
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f in ordered(result.findings):
        if f.rule not in index:  # a finding of a rule outside the catalogue still needs a descriptor
            index[f.rule] = len(rules)
            rules.append(_descriptor(f.rule, f.name, f.severity, f.name, f.hint or "", "", True))
        text = f.message + (f" [{f.channel}]" if f.channel else "")
        if f.hint:
            text += f"\nhint: {f.hint}"
        entry: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _sarif_level(f.severity),
            "message": {"text": text},
        }
        artifact = _artifact(f.file)
        if artifact is not None:
            physical: dict[str, Any] = {"artifactLocation": artifact}
            if f.line is not None and f.line >= 1:
                region = {"startLine": f.line}
                if f.column is not None and f.column >= 1:
                    region["startColumn"] = f.column
                physical["region"] = region
            entry["locations"] = [{"physicalLocation": physical}]
        entry["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
        if f.suppressed:
            entry["suppressions"] = [{"kind": "inSource", "justification": _reason(f)}]
        entry["properties"] = {"post": f.post, "channel": f.channel}
        results.append(entry)
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "socialpub",
                        "version": tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                # columns count characters (Python str indexes), not UTF-16 code units
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"


# --- text ----------------------------------------------------------------------------------------
# Plain ANSI SGR codes rather than rich: nothing to import, and content is never parsed as markup.

_STYLES = {
    "error": "1;31",
    "warning": "1;33",
    "suppressed": "2",
    "path": "1",
    "rule": "36",
    "dim": "2",
    "ok": "1;32",
}


def _safe(value: str, *, one_line: bool = False) -> str:
    """Post content for a terminal: controls shown, not obeyed (socialpub.terminal); tabs as spaces."""
    return printable(value, one_line=one_line).replace("\t", " ")


def _field(value: str) -> str:
    """One field of a line (file, id, channel, URL, error): nothing in it can start a line of its own."""
    return _safe(value, one_line=True)


def _paint(text: str, style: str, color: bool) -> str:
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m" if color else text


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.split("\n"))


def check_text(result: CheckResult, *, color: bool) -> str:
    """Findings for people, grouped by file, then a summary line; ANSI colour only when `color`."""
    out: list[str] = []
    current: str | None = None
    groups = merged(result.findings)
    for f, channels in groups:
        if current is not None and f.file != current:
            out.append("")
        current = f.file
        level = "suppressed" if f.suppressed else f.severity
        head = "  ".join(
            part
            for part in (
                _paint(_field(_location(f)), "path", color),
                _paint(_field(f.severity), level if level in _STYLES else "dim", color),
                _paint(f"{_field(f.rule)} {_field(f.name)}", "rule", color),
                f"[{_field(', '.join(channels))}]" if channels else "",
            )
            if part
        )
        message = _safe(f.message).split("\n")
        out.append(f"{head}  {message[0]}")
        out.extend("    " + line for line in message[1:])
        if f.suppressed:
            out.append(_paint(_indent(_safe(f"suppressed: {_reason(f)}"), "    "), "suppressed", color))
        if f.hint:
            out.append(_paint(_indent(_safe(f"hint: {f.hint}"), "    "), "dim", color))
        if f.excerpt:
            excerpt = _safe(" ".join(f.excerpt.split()))
            if len(excerpt) > 120:
                excerpt = excerpt[:119] + "…"
            out.append(f"    > {excerpt}")
    if out:
        out.append("")
    headline = _headline(result, groups)
    if not result.findings:
        headline = _paint(headline, "ok", color)
    elif result.errors:
        headline = _paint(headline, "error", color)
    out.append(headline)
    return "\n".join(out) + "\n"


# --- markdown ------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # mid-line, only these can start markup


def _md(value: str) -> str:
    """Inline Markdown text: one line, punctuation escaped, HTML neutralized."""
    flat = " ".join(_safe(value).split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", flat)


def check_markdown(result: CheckResult, *, limit: int = MARKDOWN_LIMIT) -> str:
    """A short GitHub job summary: the counts, then one line per finding that is not suppressed."""
    icon = "✅" if result.ok else "❌"
    groups = merged(result.findings)
    lines = ["### socialpub check", "", f"{icon} {_md(_headline(result, groups).replace('✓ ', ''))}"]
    shown = [(f, channels) for f, channels in groups if not f.suppressed]
    if shown:
        lines.append("")
    for f, channels in shown[:limit]:
        rule = re.sub(r"[^A-Za-z0-9_.-]", "", f.rule)
        where = ""
        if f.file:
            label = f.file + (f":{f.line}" if f.line is not None else "")
            target = quote(f.file.replace("\\", "/"), safe="/-._~")
            target += f"#L{f.line}" if f.line is not None else ""
            where = f" [{_md(label)}]({target})"
        channel = f" ({_md(', '.join(channels))})" if channels else ""
        lines.append(f"- **{_md(f.severity)}** `{rule}`{where} — {_md(f.message)}{channel}")
    if len(shown) > limit:
        lines.append(f"- … and {len(shown) - limit} more (see the full report)")
    return "\n".join(lines) + "\n"


# --- publishing results, status and history ---------------------------------------------------------

_STATE_STYLE = {
    "published": "ok", "retracted": "ok", "dry-run": "rule", "skipped": "dim", "retrying": "warning",
    "missed": "warning", "paused": "warning", "refused": "error", "failed": "error", "unknown": "error",
}


def results_json(command: str, results: Iterable[Any], status: str, *, message: str | None = None) -> str:
    """The envelope: {"version":1,"command":"run","status":"success|partial|error|paused|locked",
    "results":[…]}; `paused` and `locked` (another run holds the lock) come with a `message` and no results."""
    said = {"message": message} if message is not None else {}
    return envelope(command, status=status, **said, results=[r.to_dict() for r in results])


def results_text(results: Iterable[Any], *, color: bool, quiet: bool = False) -> str:
    """One line per (post, channel): state, then URL or error; `quiet` keeps only what needs attention."""
    lines = []
    for r in results:
        if quiet and r.state in ("published", "skipped", "dry-run", "retracted") and not getattr(r, "attention", False):
            continue
        state = _paint(f"{r.state:<10}", _STATE_STYLE.get(r.state, "path"), color)
        detail = r.url or r.remote_id or ""
        if r.error:
            detail = f"{detail}  {r.error}".strip()
        # an error may span lines (its hint): continuation lines are indented, never a result of their own
        detail = _safe(detail).replace("\n", "\n           ")
        lines.append(f"{state} {_field(r.post)} → {_field(r.channel)}  {detail}".rstrip())
        if r.hint and (r.state not in ("published", "skipped") or getattr(r, "attention", False)):
            lines.append(f"           hint: {_safe(r.hint)}")
        if r.would_send is not None:
            lines.append(_indent(json.dumps(r.would_send, indent=2, ensure_ascii=False), "           "))
    return "\n".join(lines) + ("\n" if lines else "")


def status_text(rows: list[dict[str, Any]], zone: Any, pause: dict[str, Any] | None = None) -> str:
    from datetime import datetime

    lines = []
    if pause:
        lines.append(_field(f"PUBLISHING IS PAUSED since {pause['paused_at']} by {pause['paused_by']}: "
                            f"{pause['reason'] or 'no reason given'} (socialpub resume ends it)"))
    if not rows:
        return "\n".join([*lines, "no posts"]) + "\n"
    for row in rows:
        when = ""
        if row["publish_at"]:
            # with its offset, so that it can be pasted into --now or --since as it is
            when = datetime.fromisoformat(row["publish_at"]).astimezone(zone).isoformat(sep=" ", timespec="minutes")
        detail = row.get("url") or row.get("error") or ""
        target = f"{_field(row['post'])} → {_field(row['channel'])}"
        if row.get("form_2253"):  # a promotional piece: whether `export 2253` has put it in a package
            target += f"  [2253: {row['form_2253']}]"
        safety = f"  [{row['safety_items']} safety item(s) waiting: socialpub inbox]" if row.get("safety_items") else ""
        lines.append(f"{row['state']:<21} {when:<22} {target}  {_field(detail)}{safety}")
    return "\n".join(line.rstrip() for line in lines) + "\n"


HISTORY_COLUMNS = ("at", "actor", "action", "post_id", "channel", "state", "remote_id", "url", "content_hash",
                   "approval_code", "git_commit", "detail")


def history_json(events: list[dict[str, Any]]) -> str:
    return envelope("history", events=events)


HISTORY_CHAIN_COLUMNS = ("id", "prev_hash", "hash")  # `history --chain`: each event's links (README, "Audit trail")


def history_csv(events: list[dict[str, Any]], *, chain: bool = False) -> str:
    import csv
    import io

    buffer = io.StringIO()
    # RFC 4180's CRLF: the writer quotes a cell only when it holds a character of the line terminator, so with
    # "\n" alone a carriage return in a cell went out bare and split the row in every reader.
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = HISTORY_COLUMNS + (HISTORY_CHAIN_COLUMNS if chain else ())
    writer.writerow(columns)
    for event in events:
        writer.writerow([
            csv_safe(json.dumps(event[c], sort_keys=True) if c == "detail" and event[c] else event.get(c))
            for c in columns
        ])
    return buffer.getvalue()


# What a spreadsheet reads as the start of a formula: = + - @, and tab and carriage return (Excel and
# LibreOffice skip them and read a formula after them; OWASP's "CSV injection" list).
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A cell a spreadsheet may run: one of those first, or after leading blanks (which an import may trim: spaces,
# line breaks, zero-width ones), or their full-width forms (＝＋－＠, which some spreadsheets take as well).
_FORMULA_LIKE = re.compile(r"[\t\r\n]|[\s\u200b\u2060\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]")


def formula_like(text: str) -> bool:
    return _FORMULA_LIKE.match(text) is not None


def csv_safe(value: Any) -> str:
    """A CSV cell a spreadsheet will not run: a cell that starts like a formula (`formula_like`) gets a leading
    apostrophe (shown as text, not as part of the value). Every CSV the project writes goes through this."""
    text = "" if value is None else str(value)
    return "'" + text if formula_like(text) else text


def history_text(events: list[dict[str, Any]], *, chain: bool = False) -> str:
    if not events:
        return "no events\n"
    lines = []
    for e in events:
        target = f"{e['post_id']} → {e['channel']}" if e["post_id"] else ""
        extra = e.get("url") or (e["detail"] or {}).get("error") or (e["detail"] or {}).get("reason") or ""
        lines.append(f"{e['at']}  {e['action']:<14} {_field(e['actor'])}  {_field(target)}  {_field(str(extra))}"
                     .rstrip())
        if chain:
            lines.append(f"    #{e.get('id')} prev {_field(str(e.get('prev_hash')))} hash {_field(str(e.get('hash')))}")
    return "\n".join(lines) + "\n"
