"""A fake engine on a unix socket: answers ``/_ping`` and ``/version`` like Docker or
Podman of a chosen version, records every request, and answers the rest from a table."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from aiodock import Docker

_VERSIONED = re.compile(r"^/v\d+\.\d+(/.*)$")


@dataclass
class Seen:
    """One request the fake engine received (``path`` without the version prefix)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class FakeEngine:
    """What the fake answers: API ``api`` of Docker ``version``, or of Podman ``podman``."""

    api: str = "1.41"
    version: str = "28.5.2"
    podman: str | None = None
    ping_extra: Mapping[str, str] = field(default_factory=dict)
    answers: dict[tuple[str, str], Any] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def paths(self, method: str | None = None) -> list[str]:
        """The paths requested so far (with ``method`` only)."""
        return [s.path for s in self.seen if method is None or s.method == method]

    def last(self, method: str, path: str) -> Seen:
        """The last request of ``method path``."""
        matching = [s for s in self.seen if s.method == method and s.path == path]
        assert matching, f"no {method} {path} among {self.paths()}"
        return matching[-1]

    def _ping_headers(self) -> dict[str, str]:
        headers = {"API-Version": self.api, "Docker-Experimental": "false", "OSType": "linux"}
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

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        path = request.path
        match = _VERSIONED.match(path)
        if match:
            path = match.group(1)
        body: Any = raw
        if request.content_type == "application/json" and raw:
            body = json.loads(raw)
        query: dict[str, list[str]] = {}
        for key, value in request.query.items():
            query.setdefault(key, []).append(value)
        self.seen.append(Seen(request.method, path, query, body))
        if path == "/_ping":
            return web.Response(text="OK", headers=self._ping_headers())
        if path == "/version":
            return web.json_response(self._version_body())
        if path == "/info":
            return web.json_response({"Swarm": {"LocalNodeState": "inactive"}})
        answer = self.answers.get((request.method, path), {})
        if isinstance(answer, web.StreamResponse):
            return answer
        return web.json_response(answer)


Start = Callable[..., Awaitable[tuple[Docker, FakeEngine]]]


@pytest.fixture
async def fake_engine(tmp_path: Path) -> AsyncIterator[Start]:
    """``await fake_engine(api="1.44", podman="4.3.1", ...)``: a client of a new fake."""
    runners: list[web.AppRunner] = []
    clients: list[Docker] = []

    async def start(*, pinned: str | None = None, **options: Any) -> tuple[Docker, FakeEngine]:
        engine = FakeEngine(**options)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", engine.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        path = tmp_path / f"engine{len(runners)}.sock"
        await web.UnixSite(runner, str(path)).start()
        client = Docker(f"unix://{path}", api_version=pinned, timeout=5)
        clients.append(client)
        return client, engine

    yield start
    for client in clients:
        await client.close()
    for runner in runners:
        await runner.cleanup()
