"""Who acted, in the audit trail: SOCIALPUB_ACTOR, else the OS login name, else the uid; never 'unknown'."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

CODE = "from socialpub.ledger import actor; print(actor())"


def _actor(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", CODE], env={"PATH": os.environ.get("PATH", ""), **env},
                          capture_output=True, text=True, check=True, cwd="/")
    return done.stdout.strip()


def test_socialpub_actor_wins() -> None:
    env = {"PYTHONPATH": os.pathsep.join(sys.path), "SOCIALPUB_ACTOR": "Jane Doe", "USER": "svc"}
    assert _actor(env) == f"Jane Doe@{socket.gethostname()}"


def test_without_any_variable_the_login_name_comes_from_the_os() -> None:
    import pwd

    env = {"PYTHONPATH": os.pathsep.join(sys.path)}  # cron's environment may lack USER and LOGNAME
    assert _actor(env) == f"{pwd.getpwuid(os.getuid()).pw_name}@{socket.gethostname()}"


def test_a_uid_without_a_name_is_the_uid_not_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    import pwd

    from socialpub.ledger import actor

    uid = 54321
    with pytest.raises(KeyError):
        pwd.getpwuid(uid)
    for name in ("SOCIALPUB_ACTOR", "LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "getuid", lambda: uid)  # a container's arbitrary uid: no name in the password database
    assert actor() == f"uid-{uid}@{socket.gethostname()}"
