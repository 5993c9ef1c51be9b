"""A FastAPI service over the local Docker daemon, built on one shared aiodock client.

    pip install 'aiodock[examples]'
    uvicorn app:app --app-dir examples/fastapi_app          # or: python examples/fastapi_app/app.py

    curl localhost:8000/containers
    curl localhost:8000/containers -H 'content-type: application/json' \\
     -d '{"image": "aiodock-test/busybox", "command": ["sh", "-c", "while date; do sleep 1;done"]}'
    curl -N localhost:8000/containers/<id>/logs?follow=true     # Server-Sent Events
    curl -N localhost:8000/containers/<id>/stats                # one JSON object a line
    curl -N localhost:8000/events                               # container events, SSE

The lifespan opens one :class:`aiodock.Docker` for the whole application and closes it at
shutdown; every request borrows it through a dependency, so requests share its connection
pool. Daemon errors become HTTP errors in one place (``NotFound`` -> 404, ``Conflict`` ->
409, bad input -> 400, daemon unreachable -> 503). Streaming endpoints check that the
container exists before the response starts, so a wrong id is a 404 rather than a broken
stream, and a client that disconnects closes the stream to the daemon. ``/events`` serves
every client from one shared daemon subscription (``docker.events(shared=True)``).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from aiodock import (
    APIError,
    Conflict,
    Docker,
    DockerConnectionError,
    DockerTimeoutError,
    InvalidArgument,
    NotFound,
    StreamType,
)
from aiodock.containers import Container, StatsSummary


class ContainerSummary(BaseModel):
    """What the API tells about a container."""

    id: str
    name: str
    image: str
    status: str
    health: str
    labels: dict[str, str]

    @classmethod
    def of(cls, container: Container) -> ContainerSummary:
        return cls(
            id=container.id,
            name=container.name,
            image=container.image,
            status=container.status,
            health=container.health,
            labels=container.labels,
        )


class RunRequest(BaseModel):
    """A container to run, detached."""

    image: str
    command: list[str] | str | None = None
    name: str | None = None
    environment: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    network_mode: str | None = None


def get_docker(request: Request) -> Docker:
    """The application's one client (a dependency of every endpoint)."""
    docker: Docker = request.app.state.docker
    return docker


# Module level: FastAPI resolves the endpoints' (string) annotations in this namespace.
DockerDep = Annotated[Docker, Depends(get_docker)]


def create_app(docker_url: str | None = None) -> FastAPI:
    """The application, talking to ``docker_url`` (default: DOCKER_HOST or the local socket)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with Docker(docker_url) as docker:
            app.state.docker = docker
            yield

    app = FastAPI(title="aiodock example", lifespan=lifespan)

    # --- daemon errors as HTTP errors -----------------------------------------------------

    def error(status: int, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return error(404, exc)

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        return error(409, exc)

    @app.exception_handler(InvalidArgument)
    async def invalid(request: Request, exc: InvalidArgument) -> JSONResponse:
        return error(400, exc)

    @app.exception_handler(DockerConnectionError)
    async def unreachable(request: Request, exc: DockerConnectionError) -> JSONResponse:
        return error(503, exc)

    @app.exception_handler(DockerTimeoutError)
    async def too_slow(request: Request, exc: DockerTimeoutError) -> JSONResponse:
        return error(504, exc)

    @app.exception_handler(APIError)
    async def daemon_error(request: Request, exc: APIError) -> JSONResponse:
        # The daemon refused a request we made: a client error stays one, anything else is
        # the upstream's fault.
        return error(exc.status if exc.is_client_error else 502, exc)

    # --- endpoints ------------------------------------------------------------------------

    @app.get("/health")
    async def health(docker: DockerDep) -> dict[str, Any]:
        await docker.ping()
        return {"docker": "ok", "api_version": docker.api_version}

    @app.get("/containers")
    async def list_containers(
        docker: DockerDep,
        all: bool = False,
        label: Annotated[list[str] | None, Query()] = None,
    ) -> list[ContainerSummary]:
        filters = {"label": label} if label else None
        containers = await docker.containers.list(all=all, filters=filters, sparse=True)
        return [ContainerSummary.of(container) for container in containers]

    @app.post("/containers", status_code=201)
    async def run_container(docker: DockerDep, spec: RunRequest) -> ContainerSummary:
        container = await docker.containers.run(
            spec.image,
            spec.command,
            detach=True,
            name=spec.name,
            environment=spec.environment,
            labels=spec.labels,
            network_mode=spec.network_mode,
        )
        return ContainerSummary.of(container)

    @app.get("/containers/{ref}")
    async def inspect_container(docker: DockerDep, ref: str) -> ContainerSummary:
        return ContainerSummary.of(await docker.containers.get(ref))

    @app.post("/containers/{ref}/start")
    async def start_container(docker: DockerDep, ref: str) -> ContainerSummary:
        container = await docker.containers.get(ref)
        await container.start()
        await container.reload()
        return ContainerSummary.of(container)

    @app.post("/containers/{ref}/stop")
    async def stop_container(
        docker: DockerDep, ref: str, timeout: Annotated[int, Query(ge=0)] = 10
    ) -> ContainerSummary:
        container = await docker.containers.get(ref)
        await container.stop(timeout=timeout)
        await container.reload()
        return ContainerSummary.of(container)

    @app.delete("/containers/{ref}", status_code=204)
    async def remove_container(docker: DockerDep, ref: str, force: bool = False) -> Response:
        container = await docker.containers.get(ref)
        await container.remove(force=force)  # a running one without force: 409 Conflict
        return Response(status_code=204)

    @app.get("/containers/{ref}/logs")
    async def container_logs(
        docker: DockerDep,
        ref: str,
        follow: bool = True,
        tail: Annotated[str, Query(pattern=r"^(all|\d+)$")] = "all",
    ) -> StreamingResponse:
        """The container's output as Server-Sent Events: ``event: stdout`` or ``stderr``,
        one line per event, then ``event: end`` when the output ends."""
        container = await docker.containers.get(ref)
        stream = container.logs(follow=follow, tail="all" if tail == "all" else int(tail))
        await stream.open()  # errors now, while they can still be an HTTP status

        async def events() -> AsyncIterator[str]:
            async with stream:
                async for kind, line in stream.lines():
                    name = "stderr" if kind is StreamType.STDERR else "stdout"
                    yield f"event: {name}\ndata: {line}\n\n"
            yield "event: end\ndata: \n\n"

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            background=BackgroundTask(stream.close),  # also when the client left early
        )

    @app.get("/containers/{ref}/stats")
    async def container_stats(
        docker: DockerDep, ref: str, count: Annotated[int | None, Query(ge=1)] = None
    ) -> StreamingResponse:
        """Resource usage as JSON lines, one a second (``count`` of them, or until the
        client leaves): the columns of ``docker stats``."""
        container = await docker.containers.get(ref)
        stream = container.stats()
        await stream.open()

        async def lines() -> AsyncIterator[str]:
            sent = 0
            async with stream:
                async for sample in stream:
                    summary = asdict(StatsSummary.from_stats(sample))
                    fields = {"id": container.id, "read": sample.get("read"), **summary}
                    yield json.dumps(fields) + "\n"
                    sent += 1
                    if count is not None and sent >= count:
                        break

        return StreamingResponse(
            lines(), media_type="application/x-ndjson", background=BackgroundTask(stream.close)
        )

    @app.get("/events")
    async def container_events(docker: DockerDep) -> StreamingResponse:
        """Container events as Server-Sent Events (``event: start``, ``die``, ...; the data
        is the container's id and name), every client served from one daemon subscription."""
        stream = docker.events(filters={"type": "container"}, shared=True)
        await stream.open()  # subscribed before the response starts: no event is missed

        async def events() -> AsyncIterator[str]:
            async with stream:
                async for event in stream:
                    data = {"id": event.actor.id, "name": event.actor.attributes.get("name")}
                    yield f"event: {event.action}\ndata: {json.dumps(data)}\n\n"

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            background=BackgroundTask(stream.close),
        )

    return app


app = create_app()

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
