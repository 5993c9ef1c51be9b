"""A fake engine over ``conftest.FakeDaemon``: answers ``/_ping`` and ``/version`` like
Docker or Podman of a chosen version, and the rest from a table (``{}`` by default)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from aiodock import Docker
from tests.unit.conftest import FakeAnswer, FakeDaemon, FakeRequest


@dataclass
class Seen:
    """One request the fake engine received (``path`` without the version prefix; ``body``
    decoded when it is JSON)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class FakeEngine:
    """What the fake answers: API ``api`` of Docker ``version``, or of Podman ``podman``;
    ``answers`` maps (method, path) to JSON, a :class:`FakeAnswer`, or a function of the
    request giving either."""

    api: str = "1.41"
    version: str = "28.5.2"
    podman: str | None = None
    ping_extra: Mapping[str, str] = field(default_factory=dict)
    answers: dict[tuple[str, str], Any] = field(default_factory=dict)
    daemon: FakeDaemon | None = None

    @property
    def seen(self) -> list[Seen]:
        assert self.daemon is not None
        return [Seen(r.method, r.path, r.query, _decoded(r)) for r in self.daemon.requests]

    def paths(self, method: str | None = None) -> list[str]:
        """The paths requested so far (with ``method`` only)."""
        return [s.path for s in self.seen if method is None or s.method == method]

    def last(self, method: str, path: str) -> Seen:
        """The last request of ``method path``."""
        matching = [s for s in self.seen if s.method == method and s.path == path]
        assert matching, f"no {method} {path} among {self.paths()}"
        return matching[-1]

    def ping_headers(self) -> dict[str, str]:
        headers = {"Docker-Experimental": "false", "OSType": "linux"}
        if self.podman is not None:
            headers["Libpod-Api-Version"] = self.podman
            headers["Libpod-Buildah-Version"] = "1.28.0"
        return {**headers, **self.ping_extra}

    def _version_body(self) -> dict[str, Any]:
        name, release = ("Podman Engine", self.podman) if self.podman else ("Engine", self.version)
        return {
            "Platform": {"Name": name},
            "Components": [
                {"Name": name, "Version": release, "Details": {"ApiVersion": self.api}},
                {"Name": "runc", "Version": "1.1.5"},
            ],
            "Version": release,
            "ApiVersion": self.api,
            "MinAPIVersion": "1.24",
            "Os": "linux",
            "Arch": "amd64",
            "KernelVersion": "6.1.0",
        }

    def handle(self, request: FakeRequest) -> FakeAnswer:
        if request.path == "/version":
            return FakeAnswer(json=self._version_body())
        if request.path == "/info":
            return FakeAnswer(json={"Swarm": {"LocalNodeState": "inactive"}})
        answer = self.answers.get((request.method, request.path), {})
        if callable(answer):  # an answer that changes from one request to the next
            answer = answer(request)
        return answer if isinstance(answer, FakeAnswer) else FakeAnswer(json=answer)


def _decoded(request: FakeRequest) -> Any:
    if request.headers.get("Content-Type", "").startswith("application/json") and request.body:
        return json.loads(request.body)
    return request.body


Start = Callable[..., Awaitable[tuple[Docker, FakeEngine]]]


@pytest.fixture
def fake_engine(fake_docker: Callable[..., Awaitable[tuple[Docker, FakeDaemon]]]) -> Start:
    """``await fake_engine(api="1.44", podman="4.3.1", pinned=None, ...)``: a client of a
    new fake engine (``pinned`` pins the client's API version)."""

    async def start(*, pinned: str | None = None, **options: Any) -> tuple[Docker, FakeEngine]:
        engine = FakeEngine(**options)
        docker, engine.daemon = await fake_docker(
            engine.handle,
            api_version=engine.api,
            ping_headers=engine.ping_headers(),
            client_version=pinned,
        )
        return docker, engine

    return start
