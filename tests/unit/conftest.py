"""Unit-test harness: decoder tests run twice (with the C hot loops of aiodock._speedups
and without), and a fake daemon (:class:`FakeDaemon`, the ``fake_docker`` fixture) answers
requests from a function, so a request's shape, a version gate or an error mapping is
tested without a real daemon."""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from aiodock import Docker, decoders

PURE_PYTHON = {
    "_chunk_pieces": decoders._chunk_pieces_py,
    "_frames_from": decoders._frames_from_py,
}


@pytest.fixture(scope="module", params=["python", "c"])
def implementation(request: pytest.FixtureRequest) -> Iterator[str]:
    """Which decoder loops the module's tests use (module scope: hypothesis-safe)."""
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "python":
            for name, function in PURE_PYTHON.items():
                patch.setattr(decoders, name, function)
        elif not decoders.SPEEDUPS:
            if os.environ.get("AIODOCK_NO_SPEEDUPS"):
                pytest.skip("AIODOCK_NO_SPEEDUPS is set")
            pytest.fail("aiodock._speedups is not built (pip install -e . compiles it)")
        yield str(request.param)


# --- a fake daemon: a function from request to answer --------------------------------------


@dataclass
class FakeRequest:
    """One request as the fake daemon received it (the ``/vX.Y`` prefix split off)."""

    method: str
    path: str
    api_version: str | None
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        """The (last) value of query parameter ``name``."""
        values = self.query.get(name)
        return values[-1] if values else None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class FakeAnswer:
    """What the fake daemon sends back: JSON (``json=``) or raw ``body``."""

    status: int = 200
    json: Any = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[FakeRequest], "FakeAnswer | Awaitable[FakeAnswer]"]


class FakeDaemon:
    """A real HTTP server on a unix socket whose every answer comes from ``handler``, but
    ``/_ping``'s: that it answers itself (``API-Version: api_version`` and ``ping_headers``,
    say Podman's ``Libpod-Api-Version``).
    ``requests`` records what arrived, in order, ``/_ping`` included."""

    def __init__(
        self,
        handler: Handler,
        socket: Path,
        api_version: str,
        ping_headers: dict[str, str] | None = None,
    ) -> None:
        self.handler = handler
        self.socket = socket
        self.api_version = api_version
        self.ping_headers = {"API-Version": api_version, **(ping_headers or {})}
        self.requests: list[FakeRequest] = []
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def sent(self, path: str) -> list[FakeRequest]:
        """The requests for ``path`` (without the version prefix)."""
        return [request for request in self.requests if request.path == path]

    async def _dispatch(self, raw: web.Request) -> web.StreamResponse:
        path = raw.path
        version = None
        head, _, rest = path[1:].partition("/")
        if head.startswith("v") and head[1:].replace(".", "").isdigit():
            version, path = head[1:], "/" + rest
        query: dict[str, list[str]] = {}
        for name, value in raw.query.items():
            query.setdefault(name, []).append(value)
        request = FakeRequest(raw.method, path, version, query, dict(raw.headers), await raw.read())
        self.requests.append(request)
        if path == "/_ping":
            return web.Response(body=b"OK", headers=self.ping_headers)
        answer = self.handler(request)
        if inspect.isawaitable(answer):
            answer = await answer
        assert isinstance(answer, FakeAnswer)
        body = answer.body if answer.json is None else json.dumps(answer.json).encode()
        headers = {"Content-Type": "application/json"} if answer.json is not None else {}
        return web.Response(status=answer.status, body=body, headers={**headers, **answer.headers})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.UnixSite(self._runner, str(self.socket)).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def not_found(request: FakeRequest) -> FakeAnswer:
    """The default handler: 404 for everything."""
    return FakeAnswer(404, json={"message": f"page not found: {request.path}"})


@pytest.fixture
async def fake_docker(
    tmp_path: Path,
) -> AsyncIterator[Callable[..., Awaitable[tuple[Docker, FakeDaemon]]]]:
    """``docker, daemon = await fake_docker(handler, api_version="1.41")``: a client of a
    fake daemon whose answers ``handler`` gives (see :class:`FakeDaemon`); ``ping_headers``
    go on its ``/_ping`` answers, ``client_version`` pins the client's API version."""
    daemons: list[FakeDaemon] = []
    clients: list[Docker] = []

    async def start(
        handler: Handler = not_found,
        *,
        api_version: str = "1.41",
        ping_headers: dict[str, str] | None = None,
        client_version: str | None = None,
        **client: Any,
    ) -> tuple[Docker, FakeDaemon]:
        socket = tmp_path / f"d{len(daemons)}.sock"
        daemon = FakeDaemon(handler, socket, api_version, ping_headers)
        await daemon.start()
        daemons.append(daemon)
        settings = {"timeout": 5, "connect_timeout": 2, "api_version": client_version, **client}
        docker = Docker(daemon.url, **settings)
        clients.append(docker)
        return docker, daemon

    yield start
    for docker in clients:
        await docker.close()
    for daemon in daemons:
        await daemon.stop()
