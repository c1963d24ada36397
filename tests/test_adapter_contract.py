"""The contract every network's adapter keeps, run over every registered kind against its simulator with the
real SDK over HTTP on loopback: what the class says about the platform holds, render is offline and within the
limits, publish/find/delete/verify work, failures are classified (transient or permanent, and "nothing was made"
only when nothing was), and no credential leaves in a message or a log record. The capability flags decide
which parts apply. What is particular to one platform is tested in tests/test_<kind>_adapter.py.
"""

from __future__ import annotations

import logging
import secrets
import socket
import subprocess
import sys
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialpub.adapters.base import KINDS, Adapter, Receipt, Rendered, adapter_class, adapter_for, parse_time
from socialpub.config import load_config
from socialpub.errors import ConfigError, PlatformError, SocialpubError
from socialpub.html.cards import CARDS
from socialpub.posts import load_posts
from socialpub.sandbox import Platform, Sandbox, platforms
from tests.helpers import MP4, PNG, Repo

ROOT = Path(__file__).resolve().parents[1]
KIND_LIST = list(KINDS)
TEXT = "Our summer internships are open to students in R&D and manufacturing: apply by March 1."
TITLE = "Summer internships 2015"
LINK = "https://www.astrazeneca-us.com/careers/students"
ALT = "Three interns in lab coats around a bench"


# --- one channel of a kind, one post it accepts --------------------------------------------------------------


def env_name(key: str) -> str:
    return f"CONTRACT_{key.upper()}"


def world(repo: Repo, kind: str, endpoint: str, *, values: Callable[[str], str] = lambda key: f"sandbox-{key}",
          limits: str = "") -> tuple[Adapter, Rendered, dict[str, str]]:
    """channels.toml with the simulator's example channel of `kind` pointed at `endpoint`, and one post that
    any platform takes (media it accepts, a board where it has boards): the adapter, the rendered post, and
    the environment holding the credentials (`values(key)`)."""
    cls = adapter_class(kind)
    example = cls.simulator().example_channel
    lines = [f"[channels.{example.name}]", f'kind = "{kind}"', f'endpoint = "{endpoint}"']
    lines += [f'{key} = "{value}"' for key, value in example.options.items()]
    lines += [f'{key} = "env:{env_name(key)}"' for key in example.credentials]
    if example.boards:
        lines.append(f"[channels.{example.name}.boards]")
        lines += [f'"{name}" = "{board_id}"' for name, board_id in example.boards.items()]
    repo.write_config(base="\n".join(lines) + "\n" + limits)
    repo.write("posts/media/clip.mp4", MP4)
    repo.write("posts/media/cover.png", PNG)
    # An image where the platform takes images, else the video (YouTube).
    media = "media/cover.png" if cls.limits.get("images", 0) else "media/clip.mp4"
    table = [f"[{kind}]"]
    if example.boards and "board" in cls.override_keys:
        table.append(f'board = "{next(iter(example.boards))}"')
    repo.post(TEXT, name="contract", tables="\n".join(table) if len(table) > 1 else "",
              channels=[example.name], post_type="careers", title=TITLE, link=LINK,
              media=[{"path": media, "alt": ALT}])
    config = load_config(repo.root / "channels.toml")
    loaded = load_posts(config)
    assert loaded.errors == [], loaded.errors
    environ = {env_name(key): values(key) for key in example.credentials}
    adapter = adapter_for(config.channels[example.name], config.compliance.limits, environ=environ)
    adapter.timeout = 10.0
    adapter.sleep = lambda seconds: None  # a resume or a poll counts its wait without spending it
    return adapter, adapter.render(loaded.posts[0]), environ


def fresh(adapter: Adapter, environ: dict[str, str]) -> Adapter:
    """Another adapter of the same channel: another run, knowing nothing of the first one's answers."""
    other = type(adapter)(adapter.channel, limits=adapter.configured_limits, environ=environ)
    other.timeout = 10.0
    return other


def found(adapter: Adapter, rendered: Rendered, environ: dict[str, str]) -> Receipt | None:
    return fresh(adapter, environ).find(rendered)


# --- what the class says ------------------------------------------------------------------------------------


def contracts() -> list[dict[str, Any]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["tool"]["importlinter"]["contracts"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("kind", KIND_LIST)
def test_the_class_describes_its_platform(kind: str) -> None:
    cls = adapter_class(kind)
    assert cls.kind == kind and cls.label and cls.unit and cls.limits
    assert cls.preview_card in CARDS
    assert cls.account_key == "account" or cls.account_key in cls.channel_keys
    # a platform that schedules natively lets a channel (and a post) ask for it
    assert cls.can_schedule_natively == ("native_schedule" in cls.channel_keys)
    simulator = cls.simulator()
    assert issubclass(simulator, Platform) and simulator.name == kind
    assert simulator in platforms()
    # the module lists of the import contracts name both modules: a new network cannot be left out of them
    modules = {cls.__module__, simulator.__module__}
    independent = {m for c in contracts() if c["type"] == "independence" for m in c["modules"]}
    forbidden = {m for c in contracts() if c["type"] == "forbidden" for m in c["forbidden_modules"]}
    assert modules <= independent and cls.__module__ in forbidden


def test_every_simulator_belongs_to_a_registered_kind() -> None:
    assert sorted(p.name for p in platforms()) == sorted(KINDS)


@pytest.mark.parametrize("kind", KIND_LIST)
def test_the_consent_flow_is_there_exactly_when_the_flag_says(kind: str, tmp_path: Path) -> None:
    cls = adapter_class(kind)
    repo = Repo(tmp_path / "repo")
    adapter, _, _ = world(repo, kind, "http://127.0.0.1:9")
    if not cls.can_authorize:
        with pytest.raises(SocialpubError):
            cls.authorize(adapter.channel, open_browser=False, timeout=0.1)
        return
    import importlib

    target = cls.consent_flow or f"{cls.__module__}:authorize"
    module, _, name = target.partition(":")
    assert callable(getattr(importlib.import_module(module), name))


@pytest.mark.parametrize("kind", KIND_LIST)
def test_each_limit_is_a_config_key_of_its_kind(kind: str, tmp_path: Path) -> None:
    cls = adapter_class(kind)
    keys = cls.limit_keys()
    table = f"[compliance.limits.{kind}]\n" + "".join(f"{key} = {7 + i}\n" for i, key in enumerate(keys))
    adapter, _, _ = world(Repo(tmp_path / "repo"), kind, "http://127.0.0.1:9", limits=table)
    for i, key in enumerate(keys):
        assert (adapter.fold if key == "fold_chars" else adapter.limit(key)) == 7 + i
    with pytest.raises(ConfigError) as caught:
        world(Repo(tmp_path / "other"), kind, "http://127.0.0.1:9", limits=f"[compliance.limits.{kind}]\nnosuch = 1\n")
    assert caught.value.key == f"compliance.limits.{kind}.nosuch"


# --- render -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KIND_LIST)
def test_render_is_offline_and_the_post_fits(kind: str, tmp_path: Path) -> None:
    # port 9 (discard) on loopback: nothing listens, so any request would fail loudly
    _, rendered, _ = world(Repo(tmp_path / "repo"), kind, "http://127.0.0.1:9")
    assert rendered.kind == kind and rendered.platform is adapter_class(kind)
    assert rendered.parts and TEXT in rendered.text
    assert not rendered.media_issues and not rendered.text_issues and not rendered.problems
    assert rendered.measures and not [m for m in rendered.measures if m.over]


@pytest.mark.parametrize("kind", KIND_LIST)
def test_importing_a_platform_loads_no_sdk(kind: str) -> None:
    """The adapter module and its simulator import their SDK only when a request is made: importing them adds no
    package to what the seam itself (adapters.base, sandbox.server) loads."""
    cls = adapter_class(kind)
    code = (
        "import sys, importlib\n"
        "def packages():  # installed packages imported so far (the standard library aside)\n"
        "    files = {n: str(getattr(m, '__file__', None)) for n, m in list(sys.modules.items())}\n"
        "    return {n.split('.')[0] for n, f in files.items() if 'site-packages' in f or 'dist-packages' in f}\n"
        "import socialpub.adapters.base, socialpub.sandbox.server\n"
        "before = packages()\n"
        f"importlib.import_module({cls.__module__!r}); importlib.import_module({cls.simulator().__module__!r})\n"
        "print(sorted(packages() - before))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("kind", KIND_LIST)
def test_a_refused_connection_was_not_sent(kind: str, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    adapter, rendered, _ = world(Repo(tmp_path / "repo"), kind, f"http://127.0.0.1:{port}")
    for call in (lambda: adapter.publish(rendered), adapter.verify, lambda: adapter.find(rendered)):
        with pytest.raises(PlatformError) as caught:
            call()
        assert caught.value.transient and not caught.value.maybe_sent


# --- publish, find, delete, verify --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KIND_LIST)
def test_publish_find_delete_and_verify(kind: str, tmp_path: Path, box: Sandbox) -> None:
    adapter, rendered, environ = world(Repo(tmp_path / "repo"), kind, box.url)
    warnings = adapter.verify()
    assert isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)
    if adapter.can_find:
        assert found(adapter, rendered, environ) is None
    receipt = adapter.publish(rendered)
    assert receipt.remote_id and (receipt.url or "").startswith("https://")
    if adapter.can_find:
        again = found(adapter, rendered, environ)
        assert again is not None and again.remote_id == receipt.remote_id
    if adapter.can_delete:
        fresh(adapter, environ).delete(receipt.remote_id)
        if adapter.can_find:
            assert found(adapter, rendered, environ) is None


# --- failures, classified -------------------------------------------------------------------------------------


def requests_of_a_publish(kind: str, tmp_path: Path, box: Sandbox) -> list[tuple[str, str]]:
    """(method, route pattern) of each request a clean publish makes, in order and once each."""
    adapter, rendered, _ = world(Repo(tmp_path / "clean"), kind, box.url)
    adapter.publish(rendered)
    patterns = {r.name: r.pattern.pattern for r in box.table}
    seen: list[tuple[str, str]] = []
    for record in list(box.requests):
        step = (record["method"], patterns[record["route"]])
        if step not in seen:
            seen.append(step)
    box.reset()
    return seen


FAULTS = {  # fault -> whether the error must be transient
    "503": (dict(kind="status", status=503), True),
    "400": (dict(kind="status", status=400), False),
    "drop": (dict(kind="drop"), True),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("kind", KIND_LIST)
def test_a_failed_request_is_classified_and_never_hides_a_post(kind: str, fault: str, tmp_path: Path,
                                                                box: Sandbox) -> None:
    """Each request of a publish fails in turn. The publish either succeeds (the platform client recovered)
    or raises a PlatformError that is transient or permanent as the failure is; and when it says nothing was
    made (maybe_sent false), nothing was."""
    options, transient = FAULTS[fault]
    steps = requests_of_a_publish(kind, tmp_path, box)
    assert steps
    for index, (method, pattern) in enumerate(steps):
        box.reset()
        adapter, rendered, environ = world(Repo(tmp_path / f"{fault}-{index}"), kind, box.url)
        box.inject(method=method, path=pattern, count=1, **options)  # type: ignore[arg-type]
        try:
            receipt = adapter.publish(rendered)
        except PlatformError as error:
            where = f"{fault} on {method} {pattern}: {error.message}"
            assert error.transient is transient, where
            assert not (fault == "400" and error.maybe_sent), where  # a refusal made nothing
            box.faults.clear()
            if not error.maybe_sent and adapter.can_find:
                assert found(adapter, rendered, environ) is None, where
        else:
            if adapter.can_find:
                again = found(adapter, rendered, environ)
                assert again is not None and again.remote_id == receipt.remote_id


@pytest.mark.parametrize("kind", KIND_LIST)
def test_an_answer_lost_after_the_post_was_made_is_an_unknown_outcome(kind: str, tmp_path: Path,
                                                                      box: Sandbox) -> None:
    """The request that makes the post (the last of a publish) is carried out, and the connection closes before
    its answer. The post exists, so the publish either recovers (it asks what became of it) or says that it may
    have been made, and the post is there to be found. (A timeout is the same case, without the timing: each
    platform's own tests have one.)"""
    method, pattern = requests_of_a_publish(kind, tmp_path, box)[-1]
    adapter, rendered, environ = world(Repo(tmp_path / "repo"), kind, box.url)
    box.inject(kind="lose", method=method, path=pattern, count=1)
    try:
        adapter.publish(rendered)  # YouTube's resumable upload asks the session what it holds: the video
    except PlatformError as error:
        assert error.maybe_sent and error.transient, error.message
    if adapter.can_find:
        assert found(adapter, rendered, environ) is not None


@pytest.mark.parametrize("kind", KIND_LIST)
def test_credentials_the_platform_ended_are_renewed_or_a_permanent_error_that_says_what_to_do(
        kind: str, tmp_path: Path, box: Sandbox) -> None:
    """After the platform ends every token, the client renews its own (a refresh token) or fails for good
    with a hint: never a transient error that a retry would repeat forever, and never "maybe sent"."""
    adapter, rendered, _ = world(Repo(tmp_path / "repo"), kind, box.url)
    box.expire_tokens()
    for call in (adapter.verify, lambda: adapter.publish(rendered)):
        try:
            call()
        except SocialpubError as error:
            retried = isinstance(error, PlatformError) and (error.transient or error.maybe_sent)
            assert not retried, error.message
            assert error.hint, error.message


# --- secrets -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KIND_LIST)
def test_no_credential_in_errors_or_logs(kind: str, tmp_path: Path, box: Sandbox,
                                         caplog: pytest.LogCaptureFixture) -> None:
    """Canary credentials (the simulator takes any value that starts with "sandbox"), echoed back by the
    platform in an error answer: not one appears in the error, its hint, or any log record at DEBUG."""
    run = secrets.token_hex(4)
    canaries: dict[str, str] = {}

    def value(key: str) -> str:
        return canaries.setdefault(key, f"sandbox-canary-{key}-{run}")

    caplog.set_level(logging.DEBUG)
    adapter, rendered, environ = world(Repo(tmp_path / "repo"), kind, box.url, values=value)
    adapter.verify()
    adapter.publish(rendered)
    echo = " ".join(canaries.values())
    box.inject(kind="answer", status=400, count=99, raw=f'{{"error": "bad credentials {echo}", "message": "{echo}"}}',
               headers={"Content-Type": "application/json"})
    errors: list[SocialpubError] = []
    for attempt in (lambda a: a.publish(rendered), lambda a: a.verify(), lambda a: a.find(rendered)):
        try:
            attempt(fresh(adapter, environ))
        except SocialpubError as error:
            errors.append(error)
    assert errors  # the answers were errors, and their words were read
    shown = "\n".join(f"{e.message}\n{e.hint}\n{e!r}\n{vars(e)}" for e in errors) + caplog.text
    leaked = [key for key, canary in canaries.items() if canary in shown]
    assert leaked == []


# --- what the adapters share, on untrusted answers --------------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                    max_leaves=8)


@given(JSON)
def test_a_time_in_any_answer_is_a_utc_time_or_none(value: Any) -> None:
    parsed = parse_time(value)
    assert parsed is None or (parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0))


@given(st.datetimes(timezones=st.timezones()), st.sampled_from(["iso", "Z", "+0000", "naive"]))
def test_a_time_as_the_platforms_write_it_is_that_moment(moment: datetime, shape: str) -> None:
    moment = moment.replace(microsecond=0)
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # no such moment in UTC (year 1 east of Greenwich): nothing to compare with
        assert parse_time(moment.isoformat()) is None
        return
    written = {
        "iso": moment.isoformat(),
        "Z": utc.isoformat().replace("+00:00", "Z"),  # X, YouTube
        "+0000": utc.isoformat().replace("+00:00", "+0000"),  # Facebook's Graph
        "naive": utc.replace(tzinfo=None).isoformat(),  # Pinterest: UTC without an offset
    }[shape]
    assert parse_time(written) == utc
