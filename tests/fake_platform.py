"""A fake platform registered through the real adapter registry, for the orchestration tests.

The adapter under test in these tests is not this one: it is the orchestration (ledger, run, publish,
reconciliation) that calls adapters. Real adapters are tested against the sandbox over HTTP.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from socialpub.adapters.base import Adapter, Measure, Part, Receipt, Rendered
from socialpub.errors import PlatformError

if TYPE_CHECKING:
    from socialpub.posts import Post


@dataclass
class Failure:
    status: int
    transient: bool
    maybe_sent: bool = False
    retry_after: float | None = None
    after_create: bool = False  # the post is made, then the answer is lost


@dataclass
class FakePlatform:
    posts: dict[str, dict[str, str]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    find_fails: int = 0
    calls: list[str] = field(default_factory=list)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, channel: str, text: str) -> str:
        with self.lock:
            self.calls.append("publish")
            failure = self.failures.pop(0) if self.failures else None
            if failure and not failure.after_create:
                raise _error(failure)
            remote_id = str(next(self.ids))
            self.posts[remote_id] = {"channel": channel, "text": text}
            if failure:
                raise _error(failure)
            return remote_id

    def copies(self, text: str) -> int:
        return sum(1 for p in self.posts.values() if p["text"] == text)


def _error(failure: Failure) -> PlatformError:
    return PlatformError(f"Fake said (HTTP {failure.status}): scripted", transient=failure.transient,
                         maybe_sent=failure.maybe_sent, retry_after=failure.retry_after, hint="scripted")


PLATFORM = FakePlatform()


class FakeAdapter(Adapter):
    kind = "fake"
    label = "Fake"
    can_find = True
    can_delete = True
    limits = {"text": 500, "images": 4, "videos": 1}
    credential_keys = frozenset({"token"})

    def render(self, post: Post) -> Rendered:
        text, source = self.field(post, "text")
        return Rendered(post=post, channel=self.channel, kind=self.kind,
                        parts=(Part(text, source, (), len(text)),),  # type: ignore[arg-type]
                        measures=(Measure("text", len(text), self.limit("text"), source=source),))

    def publish(self, rendered: Rendered, *, gate: Any = None, progress: Any = None) -> Receipt:
        self.secret("token")
        if gate is not None:
            gate()
        remote_id = PLATFORM.create(self.channel.name, rendered.text)
        return Receipt(remote_id, f"https://fake.example/{remote_id}")

    def find(self, rendered: Rendered) -> Receipt | None:
        with PLATFORM.lock:
            PLATFORM.calls.append("find")
            if PLATFORM.find_fails:
                PLATFORM.find_fails -= 1
                raise PlatformError("Fake said (HTTP 503): cannot list", transient=True)
            for remote_id, post in PLATFORM.posts.items():
                if post["channel"] == self.channel.name and post["text"] == rendered.text:
                    return Receipt(remote_id, f"https://fake.example/{remote_id}")
        return None

    def delete(self, remote_id: str) -> None:
        with PLATFORM.lock:
            PLATFORM.posts.pop(remote_id, None)

    def verify(self) -> list[str]:
        self.secret("token")
        return []


class BlindFakeAdapter(FakeAdapter):
    """The fake platform for a client that can neither look for posts nor delete them (the flags say so)."""

    can_find = False
    can_delete = False

    def find(self, rendered: Rendered) -> Receipt | None:
        raise AssertionError("find() called although can_find is False")

    def delete(self, remote_id: str) -> None:
        raise AssertionError("delete() called although can_delete is False")
