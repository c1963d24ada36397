"""Secrets in every form, credential references, token files, refresh races and the loopback redirect of
`socialpub auth`: canary values are looked for in every output, log, ledger row and exception."""

from __future__ import annotations

import base64
import errno
import html
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
import tomllib
import webbrowser
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from socialpub.adapters.pinterest import PinterestAdapter
from socialpub.adapters.twitter import TwitterAdapter
from socialpub.auth import token_folder
from socialpub.config import Channel, CredentialRef, load_config
from socialpub.credentials import write_secret
from socialpub.errors import ConfigError, CredentialsError, PlatformError
from socialpub.ledger import SQLiteLedger, open_ledger
from socialpub.loopback import Listener, redirect_problem
from socialpub.redact import MARK, clip, redact
from socialpub.sandbox import Sandbox
from tests.helpers import Repo, invoke

APPROVAL = "3001314  Last Updated 6/14"
DUE = datetime(2014, 9, 15, 14, 0, tzinfo=UTC)  # within the approval's year: `run --now` a minute later


def platform(box: Sandbox, name: str) -> Any:
    return next(p for p in box.platforms if p.name == name)


def cli(repo: Repo, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = invoke(["--config", str(repo.root / "channels.toml"), *args], env=env)
    return result.exit_code, result.stdout + result.stderr + repr(result.exception or "")


# --- 1. redaction: every form, before any cut ------------------------------------------------------------

# Characters that each encoding changes: percent-encoding, JSON and backslash escapes, HTML, base64 alignment.
SECRET_CHARS = st.sampled_from(list("abcXYZ0189-_.~/+=%&?#: \"'\\<>éü€😀\n\t\x7f"))
PLAIN = st.text(alphabet=st.sampled_from(list("!|^` ")), max_size=30)  # shares nothing with the forms


def encodings(secret: str) -> list[str]:
    """The forms a secret takes on the wire and in logs, made here independently of socialpub.redact."""
    from oauthlib.oauth1 import Client

    raw = secret.encode()
    signed = Client("consumer", client_secret="cs", resource_owner_key=secret, resource_owner_secret="rs").sign(
        "https://api.x.com/2/tweets", "POST"
    )[1]["Authorization"]
    return [
        secret,
        f"Bearer {secret}",
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe="")),
        quote(quote(secret, safe=""), safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps({"token": secret}),
        secret.encode("unicode_escape").decode(),
        repr(secret),
        html.escape(secret),
        signed,  # OAuth 1.0a: oauth_token="<percent-encoded>"
        "Basic " + base64.b64encode(b"app-id:" + raw).decode(),
        "Basic " + base64.b64encode(raw + b":pw").decode(),
        base64.urlsafe_b64encode(b"x" + raw).decode(),
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=st.text(alphabet=SECRET_CHARS, min_size=6, max_size=40), before=PLAIN, after=PLAIN, data=st.data())
def test_no_form_of_a_secret_survives_redaction_and_any_cut(secret: str, before: str, after: str,
                                                             data: st.DataObject) -> None:
    assume(secret.strip() == secret and len(set(secret)) > 2)
    forms = encodings(secret)
    form = data.draw(st.sampled_from(forms))
    text = before + form + after + before
    limit = data.draw(st.integers(0, len(text) + 5))
    shown = clip(text, limit, [secret])
    assert len(shown) <= limit
    whole = redact(text, [secret])
    for candidate in (shown, whole):
        assert secret not in candidate
        for other in forms:
            assert other not in candidate or other in (before + after), (other, candidate)
    # a cut never leaves the first half of the secret (cutting before redacting would)
    half = secret[: max(4, len(secret) // 2)]
    assume(half not in MARK and half not in before + after)
    assert half not in shown


def test_a_secret_cut_by_an_error_message_limit_is_still_redacted(box: Sandbox) -> None:
    """X's error without JSON is cut to 200 characters: the secret astride the cut must not be half shown."""
    secret = "sandbox-CANARY-user-token-f3e9a1"
    made = TwitterAdapter(x_channel(box, {"user_token": env_ref("user_token")}), environ={"TW_USER_TOKEN": secret})
    for offset in (180, 190, 195, 199):
        box.inject("status", path="^/2/tweets$", status=400, body=("x" * offset + secret + "y" * 50).encode())
        with pytest.raises(PlatformError) as caught:
            made.publish(text_post("A tweet"))
        message = str(caught.value)
        assert secret[:8] not in message and "[secret]"[: 200 - offset] in message


# --- credential values and references --------------------------------------------------------------------


def x_channel(box: Sandbox, refs: dict[str, CredentialRef], **options: Any) -> Channel:
    return Channel("tw", "twitter", options, refs, endpoint=box.url)


def env_ref(key: str) -> CredentialRef:
    return CredentialRef("tw", key, "env", f"TW_{key.upper()}")


def file_ref(key: str, path: Path, channel: str = "tw") -> CredentialRef:
    return CredentialRef(channel, key, "file", str(path))


def text_post(text: str) -> Any:
    from socialpub.adapters.base import Part, Rendered

    return Rendered(post=None, channel=None, kind="twitter", parts=(Part(text, None, ()),))  # type: ignore[arg-type]


def sandbox_repo(tmp_path: Path, box: Sandbox, twitter: str, posts: int = 1) -> Repo:
    """A repository with one X channel on the sandbox (its credential lines given) and `posts` posts."""
    repo = Repo(tmp_path / "repo")
    repo.write_config(base=f'[channels.tw]\nkind = "twitter"\nendpoint = "{box.url}"\n{twitter}\n')
    for n in range(posts):
        repo.post(f"News number {n} from our science blog.", name=f"p{n}", channels=["tw"], publish_at=None,
                  approval_code=APPROVAL)
    return repo


OAUTH1_KEYS = ("api_key", "api_secret", "access_token", "access_secret")
OAUTH1_ENV = "\n".join(f'{k} = "env:TW_{k.upper()}"' for k in OAUTH1_KEYS)


@pytest.mark.parametrize("where", ["env", "file"])
def test_a_control_character_inside_a_credential_is_exit_2_without_the_value(
    tmp_path: Path, box: Sandbox, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    canary = "sandbox-CANARY\x1b[2Kxq7-9f2"
    for key in ("api_key", "api_secret", "access_token", "access_secret"):
        monkeypatch.setenv(f"TW_{key.upper()}", f"sandbox-{key}")
    if where == "env":
        monkeypatch.setenv("TW_API_KEY", f"  {canary}\n")
        repo = sandbox_repo(tmp_path, box, OAUTH1_ENV)
    else:
        secret = tmp_path / "secrets" / "tw.key"
        secret.parent.mkdir(mode=0o700)
        secret.write_text(canary + "\n")
        secret.chmod(0o600)
        repo = sandbox_repo(tmp_path, box, OAUTH1_ENV.replace('"env:TW_API_KEY"', f'"file:{secret}"'))
    for args in (("publish", str(repo.root / "posts" / "p0.md"), "--yes"), ("channels", "--verify")):
        code, output = cli(repo, *args)
        assert code == 2, output
        assert "control character" in output and "channels.tw.api_key" in output
        assert "CANARY" not in output and "xq7" not in output
    assert box.posts("twitter") == []


def test_a_token_written_with_echo_still_works(tmp_path: Path) -> None:
    token = tmp_path / "t"
    token.write_text("  sandbox-token \n\n")
    assert file_ref("user_token", token).resolve({}) == "sandbox-token"


@settings(max_examples=150, deadline=None)
@given(name=st.text(alphabet=st.sampled_from(list("abcXYZ019_-./+=:")), min_size=8, max_size=60))
def test_an_env_reference_must_name_a_variable_and_is_never_repeated(tmp_path_factory: pytest.TempPathFactory,
                                                                     name: str) -> None:
    assume(not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name))
    root = tmp_path_factory.mktemp("r")
    (root / "channels.toml").write_text(f'[channels.tw]\nkind = "twitter"\napi_key = "env:{name}"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(root / "channels.toml")
    assert caught.value.key == "channels.tw.api_key" and caught.value.line == 3
    assert name not in str(caught.value) and "environment variable name" in str(caught.value)


def test_a_pasted_secret_as_env_name_exits_2_without_repeating_it(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write_config(base='[channels.tw]\nkind = "twitter"\napi_key = "env:sk-live-CANARY4242abcd"\n')
    code, output = cli(repo, "check")
    assert code == 2 and "sk-live" not in output and "CANARY4242" not in output
    assert "channels.toml:3" in output and "api_key" in output


def test_a_credential_file_others_can_read_fails_verify_and_is_warned_about_once(
    tmp_path: Path, box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = "sandbox-CANARY-readable-key-77"
    for key in ("api_key", "api_secret", "access_token", "access_secret"):
        monkeypatch.setenv(f"TW_{key.upper()}", f"sandbox-{key}")
    secret = tmp_path / "mount" / "tw.key"
    secret.parent.mkdir()
    secret.write_text(canary + "\n")
    secret.chmod(0o444)  # as container secret mounts often are
    repo = sandbox_repo(tmp_path, box, OAUTH1_ENV.replace('"env:TW_API_KEY"', f'"file:{secret}"'), posts=2)
    code, output = cli(repo, "channels", "--verify")
    assert code == 3 and "FAIL" in output and str(secret) in output and "0444" in output
    code, output = cli(repo, "publish", str(repo.root / "posts" / "p0.md"), str(repo.root / "posts" / "p1.md"),
                       "--yes")
    assert code == 0, output  # a warning: publishing goes on
    assert output.count(f"credential file {secret}") == 1 and "chmod 600" in output
    ledger = (repo.root / ".socialpub" / "ledger.db").read_bytes().decode("latin-1")
    assert canary not in output + ledger
    assert len(box.posts("twitter")) == 2


# --- 3. token files: private, not redirectable ---------------------------------------------------------------


def test_write_secret_makes_private_folders_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        target = tmp_path / "a b" / "c" / "tw.token"
        write_secret(target, "sandbox-CANARY-1")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for folder in (tmp_path / "a b", tmp_path / "a b" / "c"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert target.read_text() == "sandbox-CANARY-1\n"
    assert [p.name for p in target.parent.iterdir()] == ["tw.token"]


def test_write_secret_replaces_a_planted_link_instead_of_writing_through_it(tmp_path: Path) -> None:
    folder = tmp_path / "tokens"
    folder.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (folder / "tw.token").symlink_to(victim)
    write_secret(folder / "tw.token", "sandbox-CANARY-2")
    assert victim.read_text() == "precious\n"
    assert not (folder / "tw.token").is_symlink() and (folder / "tw.token").read_text() == "sandbox-CANARY-2\n"


def test_a_token_folder_others_can_write_is_repaired_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "tokens"
    folder.mkdir()
    folder.chmod(0o777)
    write_secret(folder / "tw.token", "sandbox-CANARY-3")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert "writable by others" in caplog.text and "CANARY" not in caplog.text


def test_a_token_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "tokens"
    folder.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(folder, 65534, 65534)
    else:
        folder = Path("/")  # root's
    with pytest.raises(CredentialsError, match="belongs to another user"):
        write_secret(folder / "tw.token", "sandbox-CANARY-4")
    assert not (folder / "tw.token").exists()


def test_a_link_as_token_folder_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(CredentialsError, match="not a folder"):
        write_secret(tmp_path / "link" / "tw.token", "sandbox-CANARY-5")


def pinterest_auth(repo: Repo, box: Sandbox, monkeypatch: pytest.MonkeyPatch, env: dict[str, str | None]
                   ) -> tuple[int, str]:
    import socialpub.adapters.pinterest as pinterest

    real = pinterest.authorize

    def visit(url: str) -> None:
        threading.Thread(target=lambda: requests.get(url, timeout=5), daemon=True).start()

    monkeypatch.setattr(pinterest, "authorize", lambda channel, **kw: real(channel, on_url=visit, timeout=10, **kw))
    for key in ("APP_ID", "APP_SECRET"):
        monkeypatch.setenv(f"PIN_{key}", f"sandbox-{key.lower()}")
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    repo.write_config(base=f'[channels.pin]\nkind = "pinterest"\nendpoint = "{box.url}"\n'
                           'app_id = "env:PIN_APP_ID"\napp_secret = "env:PIN_APP_SECRET"\n')
    result = invoke(["--config", str(repo.root / "channels.toml"), "auth", "pin", "--no-browser"])
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize("case", ["home with spaces", "relative xdg", "xdg with spaces, no home"])
def test_auth_prints_a_file_reference_that_works_whatever_home_is(
    tmp_path: Path, box: Sandbox, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    home = tmp_path / "my home"
    home.mkdir()
    env: dict[str, str | None] = {
        "home with spaces": {"HOME": str(home), "XDG_CONFIG_HOME": None},
        "relative xdg": {"HOME": str(home), "XDG_CONFIG_HOME": "relative/cfg"},
        "xdg with spaces, no home": {"HOME": None, "XDG_CONFIG_HOME": str(tmp_path / "x d g")},
    }[case]
    expected = (tmp_path / "x d g" if "no home" in case else home / ".config") / "socialpub"
    monkeypatch.chdir(tmp_path)
    repo = Repo(tmp_path / "repo")
    code, output = pinterest_auth(repo, box, monkeypatch, env)
    assert code == 0, output
    snippet = output.split("channels.toml:\n", 1)[1]
    table = tomllib.loads(snippet)["channels"]["pin"]
    for key in ("access_token", "refresh_token"):
        path = Path(table[key].removeprefix("file:"))
        assert path.is_absolute() and path.parent == expected, (path, expected)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert path.read_text().strip() not in output
    assert table["access_token"].removeprefix("file:") and Path(table["access_token"][5:]).read_text().strip() in \
        box.tokens
    assert not (tmp_path / "relative").exists()
    # the printed lines, pasted into channels.toml, load
    repo.write_config(base=f'[channels.pin]\nkind = "pinterest"\nendpoint = "{box.url}"\n'
                           + snippet.split("\n", 1)[1])
    config = load_config(repo.root / "channels.toml")
    assert config.channels["pin"].credentials["access_token"].resolve() in box.tokens


def test_the_token_folder_is_absolute_even_without_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "")
    assert token_folder().is_absolute()


# --- 4. refresh races ---------------------------------------------------------------------------------------


def oauth2_files(tmp_path: Path, refresh: str = "sandbox-refresh-0") -> dict[str, CredentialRef]:
    folder = tmp_path / "tokens"
    write_secret(folder / "tw.user_token.token", "stale-access-token")
    write_secret(folder / "tw.refresh_token.token", refresh)
    return {
        "client_id": env_ref("client_id"),
        "user_token": file_ref("user_token", folder / "tw.user_token.token"),
        "refresh_token": file_ref("refresh_token", folder / "tw.refresh_token.token"),
    }


def refreshes(box: Sandbox, path: str = "/2/oauth2/token") -> int:
    return sum(1 for r in list(box.requests) if r["path"] == path)


def test_threads_with_their_own_adapters_refresh_a_single_use_token_once(tmp_path: Path, box: Sandbox) -> None:
    refs = oauth2_files(tmp_path)
    adapters = [TwitterAdapter(x_channel(box, refs), environ={"TW_CLIENT_ID": "sandbox-client"}) for _ in range(4)]
    errors: list[BaseException] = []

    def publish(made: TwitterAdapter, n: int) -> None:
        try:
            made.publish(text_post(f"Race number {n}"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(made, n)) for n, made in enumerate(adapters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(box.posts("twitter")) == 4
    assert refreshes(box) == 1  # the others found the stored token inside the lock
    stored = Path(refs["refresh_token"].target).read_text().strip()
    assert stored in platform(box, "twitter").refresh_tokens  # usable by the next run


@pytest.mark.slow
def test_two_processes_publishing_for_one_channel_share_the_rotating_token(tmp_path: Path, box: Sandbox) -> None:
    refs = oauth2_files(tmp_path)
    twitter = (f'client_id = "env:TW_CLIENT_ID"\nuser_token = "file:{refs["user_token"].target}"\n'
               f'refresh_token = "file:{refs["refresh_token"].target}"')
    repo = sandbox_repo(tmp_path, box, twitter, posts=2)
    env = {**os.environ, "TW_CLIENT_ID": "sandbox-client"}
    command = [sys.executable, "-m", "socialpub", "--config", str(repo.root / "channels.toml"), "publish", "--yes"]
    processes = [subprocess.Popen([*command, str(repo.root / "posts" / f"p{n}.md")], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert len(box.posts("twitter")) == 2 and refreshes(box) == 1
    issued = [*box.tokens, *platform(box, "twitter").refresh_tokens]
    assert not [t for t in issued if any(t in out for pair in outputs for out in pair)]


def test_a_refresh_refused_because_another_refreshed_meanwhile_is_retried_with_the_stored_token(
    tmp_path: Path, box: Sandbox
) -> None:
    refs = oauth2_files(tmp_path)
    x = platform(box, "twitter")

    class LockFree(TwitterAdapter):
        """Another process that refreshed without socialpub's lock (an older version, a script) did so
        between our re-read of the stored token and our refresh."""

        raced = False

        def _exchange(self, refresh_token: str) -> None:
            if not self.raced:
                self.raced = True
                answer = requests.post(f"{box.url}/2/oauth2/token", timeout=5, data={
                    "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": "sandbox-client"})
                write_secret(Path(refs["refresh_token"].target), answer.json()["refresh_token"])
            super()._exchange(refresh_token)

    made = LockFree(x_channel(box, refs), environ={"TW_CLIENT_ID": "sandbox-client"})
    made.publish(text_post("Published after one refused refresh"))
    assert made.raced and len(box.posts("twitter")) == 1 and refreshes(box) == 3  # theirs, ours refused, ours
    assert Path(refs["refresh_token"].target).read_text().strip() in x.refresh_tokens


def test_a_refused_refresh_fails_transient_and_a_later_run_retries_it(tmp_path: Path, box: Sandbox) -> None:
    refs = oauth2_files(tmp_path, refresh="used-up-refresh-token")
    twitter = (f'client_id = "env:TW_CLIENT_ID"\nuser_token = "file:{refs["user_token"].target}"\n'
               f'refresh_token = "file:{refs["refresh_token"].target}"')
    repo = sandbox_repo(tmp_path, box, twitter)
    repo.post("News number 0 from our science blog.", name="p0", channels=["tw"], publish_at=DUE,
              approval_code=APPROVAL)
    now = "2014-09-15T14:01"
    code, output = cli(repo, "run", "--now", now, env={"TW_CLIENT_ID": "sandbox-client"})
    # retrying, not failed: cron shows the line (with what to do) and a later run tries again
    assert code == 0 and "retrying" in output and "token refresh refused" in output
    assert "socialpub auth tw" in output
    ledger = SQLiteLedger(repo.root / ".socialpub" / "ledger.db")
    [row] = ledger.rows()
    assert row.state == "failed" and row.transient and row.next_attempt_at is not None
    # the person signs in again (a new refresh token in the file); the retry comes without touching the post
    write_secret(Path(refs["refresh_token"].target), "sandbox-refresh-new")
    ledger.save(row.__class__(**{**row.__dict__, "next_attempt_at": datetime.now(UTC) - timedelta(seconds=1)}))
    code, output = cli(repo, "run", "--now", now, env={"TW_CLIENT_ID": "sandbox-client"})
    assert code == 0, output
    assert [r.state for r in ledger.rows()] == ["published"]
    ledger.close()


def test_pinterest_rotating_refresh_tokens_race_between_adapters(tmp_path: Path, box: Sandbox) -> None:
    pin = platform(box, "pinterest")
    pin.rotate_refresh_tokens = True
    folder = tmp_path / "tokens"
    write_secret(folder / "pin.access", "stale-access-token")
    write_secret(folder / "pin.refresh", "sandbox-refresh-0")
    refs = {
        "access_token": file_ref("access_token", folder / "pin.access", "pin"),
        "refresh_token": file_ref("refresh_token", folder / "pin.refresh", "pin"),
        "app_id": CredentialRef("pin", "app_id", "env", "PIN_APP_ID"),
        "app_secret": CredentialRef("pin", "app_secret", "env", "PIN_APP_SECRET"),
    }
    channel = Channel("pin", "pinterest", {}, refs, endpoint=box.url)
    env = {"PIN_APP_ID": "sandbox-app_id", "PIN_APP_SECRET": "sandbox-app_secret"}
    adapters = [PinterestAdapter(channel, environ=env) for _ in range(3)]
    errors: list[BaseException] = []

    def verify(made: PinterestAdapter) -> None:
        try:
            made.verify()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=verify, args=(made,)) for made in adapters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and refreshes(box, "/v5/oauth/token") == 1
    assert (folder / "pin.refresh").read_text().strip() in pin.refresh_tokens


def test_the_sandbox_refuses_a_reused_refresh_token(box: Sandbox) -> None:
    def refresh(token: str) -> requests.Response:
        return requests.post(f"{box.url}/2/oauth2/token", timeout=5, data={
            "grant_type": "refresh_token", "refresh_token": token, "client_id": "sandbox-client"})

    assert refresh("sandbox-refresh-x").status_code == 200
    assert refresh("sandbox-refresh-x").status_code == 400


def hold(lock_of: Any, name: str, started: threading.Event, release: threading.Event) -> None:
    with lock_of(name):
        started.set()
        release.wait(10)


def assert_exclusive(first: Any, second: Any) -> None:
    """While `first` holds the token lock of a name, `second` waits for it; another name does not wait."""
    started, release, entered = threading.Event(), threading.Event(), threading.Event()
    holder = threading.Thread(target=hold, args=(first.token_lock, "refresh:tw", started, release))
    holder.start()
    assert started.wait(10)

    def take() -> None:
        with second.token_lock("refresh:tw"):
            entered.set()

    waiter = threading.Thread(target=take)
    waiter.start()
    assert not entered.wait(0.5)
    with second.token_lock("refresh:pin"):
        pass
    release.set()
    assert entered.wait(10)
    holder.join(10)
    waiter.join(10)


def test_the_sqlite_ledger_token_lock_excludes_other_processes(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    first, second = SQLiteLedger(path), SQLiteLedger(path)
    assert_exclusive(first, second)


def test_the_postgresql_ledger_token_lock_excludes_other_hosts(pg_url: str) -> None:
    first, second = open_ledger(pg_url, Path()), open_ledger(pg_url, Path())
    try:
        assert_exclusive(first, second)
    finally:
        first.close()
        second.close()


def test_verify_says_when_hosts_cannot_share_a_rotating_token(tmp_path: Path, box: Sandbox,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from socialpub.status import verify_channels

    refs = oauth2_files(tmp_path, refresh="sandbox-refresh-v")
    monkeypatch.setenv("TW_CLIENT_ID", "sandbox-client")
    twitter = (f'client_id = "env:TW_CLIENT_ID"\nuser_token = "file:{refs["user_token"].target}"\n'
               f'refresh_token = "file:{refs["refresh_token"].target}"')
    config = load_config(sandbox_repo(tmp_path, box, twitter).root / "channels.toml")
    [shared] = verify_channels(config, None, "postgresql")
    assert not shared["ok"] and "file system every publishing host mounts" in shared["error"]
    assert str(refs["refresh_token"].target) in shared["error"]
    [local] = verify_channels(config, None, "sqlite")
    assert local["ok"], local


def test_the_file_system_of_a_token_is_read_from_the_mount_table(tmp_path: Path) -> None:
    from socialpub.status import _file_system

    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\nfiler:/vol /srv/shared\\040tokens nfs4 rw 0 0\n"
                      "tmpfs /srv/shared\\040tokens/local tmpfs rw 0 0\n")
    assert _file_system(Path("/srv/shared tokens/tw.token"), mounts) == "nfs4"
    assert _file_system(Path("/srv/shared tokens/local/tw.token"), mounts) == "tmpfs"
    assert _file_system(Path("/srv/shared tokensX/tw.token"), mounts) == "ext4"
    assert _file_system(Path("/x"), tmp_path / "missing") is None


# --- 5. the loopback redirect listener -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_listener_ignores_strangers_and_idle_connections_and_gives_up_at_its_timeout() -> None:
    with Listener("http://127.0.0.1:0/callback", "X") as listener:
        idle = socket.create_connection(("127.0.0.1", int(urlsplit(listener.uri).port or 0)))
        started = time.monotonic()
        assert listener.wait("the-state", timeout=1.0) is None
        assert time.monotonic() - started < 4.0
        idle.close()


def test_the_listener_answers_only_the_expected_path_and_state() -> None:
    with Listener("http://127.0.0.1:0/callback", "X") as listener:
        base = listener.uri
        answers: dict[str, requests.Response] = {}

        def browse() -> None:
            for name, url in (("path", base.replace("/callback", "/other") + "?code=c1&state=s"),
                              ("state", f"{base}?code=c2&state=forged"),
                              ("none", f"{base}?code=c3"),
                              ("good", f"{base}?code=c4&state=s")):
                answers[name] = requests.get(url, timeout=5)

        thread = threading.Thread(target=browse)
        thread.start()
        assert listener.wait("s", timeout=10) == {"code": "c4", "state": "s"}
        thread.join(10)
    assert [answers[k].status_code for k in ("path", "state", "none", "good")] == [404, 404, 404, 200]
    for name in ("path", "state", "none"):
        assert "c" not in answers[name].text.split("socialpub")[0] and "code" not in answers[name].text


@settings(max_examples=200, deadline=None)
@given(request=st.one_of(
    st.binary(max_size=300),
    st.builds(lambda path, query: f"GET {path}?{query} HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
              st.sampled_from(["/callback", "/other", "//callback", "/callback/", "*"]),
              st.text(alphabet=st.sampled_from(list("abc=&%;+ state code error")), max_size=60)),
))
def test_whatever_arrives_on_the_listener_is_never_echoed_nor_taken_without_the_state(request: bytes) -> None:
    with Listener("http://127.0.0.1:0/callback", "X") as listener:
        ours, theirs = socket.socketpair()
        with ours, theirs:
            theirs.sendall(request)
            theirs.shutdown(socket.SHUT_WR)
            answer = listener._serve(ours, "the-state-Zq9", 0.2)
            ours.close()
            page = theirs.recv(65536)
    assert answer is None
    assert page == b"" or page.startswith(b"HTTP/1.1 404")
    body = page.split(b"\r\n\r\n", 1)[-1]
    assert body in (b"", b"socialpub is waiting for the platform's answer.")


def free_on_both_loopbacks() -> int:
    """A port free on 127.0.0.1 and ::1 at once (what a localhost redirect URI binds); skips without IPv6
    loopback. Another program may take one between this and the test's bind: a few tries, then a skip."""
    for _ in range(20):
        with socket.socket() as v4:
            v4.bind(("127.0.0.1", 0))
            port = int(v4.getsockname()[1])
            try:
                with socket.socket(socket.AF_INET6) as v6:
                    v6.bind(("::1", port))
            except OSError as exc:
                if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                    pytest.skip("no IPv6 loopback on this machine")
                continue  # taken on ::1 by something else
        return port
    pytest.skip("no port free on both loopback addresses")


def test_localhost_binds_both_loopback_addresses_on_the_registered_port() -> None:
    port = free_on_both_loopbacks()
    with Listener(f"http://localhost:{port}/", "Pinterest") as listener:
        assert listener.uri == f"http://localhost:{port}/"
        bound = sorted(sock.getsockname()[0] for sock in listener.sockets)
        assert bound == ["127.0.0.1", "::1"]
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            with socket.socket(family) as other, pytest.raises(OSError):
                other.bind((host, port))  # no other local user can take either address
        with pytest.raises(CredentialsError, match="cannot listen"):
            Listener(f"http://127.0.0.1:{port}/", "X")


@pytest.mark.parametrize("value", ["https://127.0.0.1:8080/cb", "http://example.com:80/", "http://127.0.0.1/cb",
                                   "http://10.0.0.1:8080/", "http://localhost:8080/?a=b", "not a url"])
def test_a_redirect_uri_that_is_not_loopback_is_a_config_error(tmp_path: Path, value: str) -> None:
    assert redirect_problem(value)
    repo = Repo(tmp_path / "r")
    repo.write_config(base=f'[channels.tw]\nkind = "twitter"\nredirect_uri = "{value}"\n')
    code, output = cli(repo, "check")
    assert code == 2 and "channels.tw.redirect_uri" in output


def test_x_auth_listens_on_the_channels_redirect_uri(box: Sandbox) -> None:
    from socialpub.adapters.twitter_oauth2 import authorize

    port = free_port()
    seen: list[str] = []

    def browser(url: str) -> None:
        seen.append(parse_qs(urlsplit(url).query)["redirect_uri"][0])
        threading.Thread(target=lambda: requests.get(url, timeout=5), daemon=True).start()

    channel = x_channel(box, {"client_id": env_ref("client_id")}, redirect_uri=f"http://127.0.0.1:{port}/cb")
    tokens = authorize(channel, environ={"TW_CLIENT_ID": "sandbox-client"}, open_browser=False, on_url=browser,
                       timeout=10)
    assert seen == [f"http://127.0.0.1:{port}/cb"] and tokens["user_token"] in box.tokens


def test_x_auth_without_a_registered_redirect_uri_says_what_to_set(tmp_path: Path) -> None:
    from socialpub.adapters.twitter_oauth2 import authorize

    channel = Channel("tw", "twitter", {}, {"client_id": env_ref("client_id")})
    with pytest.raises(CredentialsError, match="callback URI") as caught:
        authorize(channel, environ={"TW_CLIENT_ID": "x"}, open_browser=False)
    assert "redirect_uri" in (caught.value.hint or "")


@pytest.mark.parametrize("browser", ["false", "/nonexistent/browser --new-window"])
def test_youtube_auth_prints_the_consent_url_when_no_browser_opens(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], browser: str
) -> None:
    from socialpub.adapters.youtube import authorize

    if any(shutil.which(b) for b in ("www-browser", "lynx", "w3m", "links", "elinks")):
        pytest.skip("a browser is installed here: it would be opened")
    monkeypatch.setenv("BROWSER", browser)
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    channel = Channel("yt", "youtube", {}, {k: CredentialRef("yt", k, "env", f"YT_{k.upper()}")
                                            for k in ("client_id", "client_secret", "refresh_token")},
                      endpoint=box.url)
    env = {"YT_CLIENT_ID": "sandbox-id", "YT_CLIENT_SECRET": "sandbox-secret", "YT_REFRESH_TOKEN": "sandbox-r"}
    with pytest.raises(CredentialsError, match="no answer"):
        authorize(channel, environ=env, open_browser=True, timeout=1.0)
    err = capsys.readouterr().err
    assert f"{box.url}/o/oauth2/auth?" in err and "no browser could be opened" in err


# --- 6. a credential that did not resolve is retried once it does ------------------------------------------------


def test_a_missing_variable_fails_the_run_and_the_next_run_retries_once_it_is_set(
    tmp_path: Path, box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = "sandbox-CANARY-late-variable-31"
    for key in ("api_key", "api_secret", "access_token", "access_secret"):
        monkeypatch.setenv(f"TW_{key.upper()}", f"sandbox-{key}")
    monkeypatch.delenv("TW_API_KEY")
    repo = sandbox_repo(tmp_path, box, OAUTH1_ENV, posts=0)
    repo.post("News from our science blog.", name="p0", channels=["tw"], publish_at=DUE, approval_code=APPROVAL)
    code, output = cli(repo, "run", "--now", "2014-09-15T14:01")
    assert code == 3 and "TW_API_KEY is not set" in output  # cron hears of it
    ledger = SQLiteLedger(repo.root / ".socialpub" / "ledger.db")
    [row] = ledger.rows()
    assert row.state == "failed" and row.transient
    monkeypatch.setenv("TW_API_KEY", canary)
    platform(box, "twitter").sandbox.tokens.add(canary)
    code, output = cli(repo, "run", "--now", "2014-09-15T14:06")
    assert code == 0, output
    assert [r.state for r in ledger.rows()] == ["published"] and len(box.posts("twitter")) == 1
    blob = (repo.root / ".socialpub" / "ledger.db").read_bytes().decode("latin-1")
    assert canary not in output + blob
    ledger.close()
