"""docker-py's ``ExecApiMixin``, awaitable: each method calls ``docker.exec`` and gives
docker-py's shape back."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Literal, overload

from ..errors import InvalidArgument
from ..process import ProcessStarter
from ..streams import FrameStream
from ._convert import OutputStream, resource_id
from .base import ApiBase

__all__ = ["ExecApiMixin"]


class ExecApiMixin(ApiBase):
    """Exec instances: create, start, inspect, resize."""

    async def exec_create(
        self,
        container: Any,
        cmd: str | Sequence[str],
        stdout: bool = True,
        stderr: bool = True,
        stdin: bool = False,
        tty: bool = False,
        privileged: bool = False,
        user: str = "",
        environment: Mapping[str, Any] | Sequence[str] | None = None,
        workdir: str | None = None,
        detach_keys: str | None = None,
    ) -> dict[str, Any]:
        """Set up an exec instance in a running container: ``{"Id": ...}``."""
        exec_id = await self._docker.exec.create(
            resource_id(container, "container"), cmd, stdout=stdout, stderr=stderr,
            stdin=stdin, tty=tty, privileged=privileged, user=user, environment=environment,
            workdir=workdir, detach_keys=detach_keys,
        )  # fmt: skip
        return {"Id": exec_id}

    async def exec_inspect(self, exec_id: Any) -> dict[str, Any]:
        """The exec's inspect data (``Running``, ``ExitCode``, ``ProcessConfig``, ...)."""
        return dict(await self._docker.exec.inspect(resource_id(exec_id, "exec_id")))

    async def exec_resize(
        self, exec_id: Any, height: int | None = None, width: int | None = None
    ) -> None:
        """Resize the TTY of an exec started with ``tty=True``."""
        if height is None or width is None:
            raise InvalidArgument("exec_resize: give both height and width")
        await self._docker.exec.resize(resource_id(exec_id, "exec_id"), height, width)

    @overload
    def exec_start(
        self,
        exec_id: Any,
        detach: Literal[False] = False,
        tty: bool = False,
        stream: bool = False,
        socket: Literal[False] = False,
        demux: bool = False,
    ) -> OutputStream: ...

    @overload
    def exec_start(
        self,
        exec_id: Any,
        detach: Literal[False] = False,
        tty: bool = False,
        stream: bool = False,
        *,
        socket: Literal[True],
        demux: bool = False,
    ) -> ProcessStarter: ...

    @overload
    def exec_start(
        self,
        exec_id: Any,
        detach: Literal[True],
        tty: bool = False,
        stream: bool = False,
        socket: bool = False,
        demux: bool = False,
    ) -> Awaitable[str]: ...

    @overload
    def exec_start(
        self,
        exec_id: Any,
        detach: bool = False,
        tty: bool = False,
        stream: bool = False,
        socket: bool = False,
        demux: bool = False,
    ) -> OutputStream | ProcessStarter | Awaitable[str]: ...

    def exec_start(
        self,
        exec_id: Any,
        detach: bool = False,
        tty: bool = False,
        stream: bool = False,
        socket: bool = False,
        demux: bool = False,
    ) -> OutputStream | ProcessStarter | Awaitable[str]:
        """Start an exec instance. Awaited: its output as bytes (``(stdout, stderr)`` with
        ``demux``, ``None`` for a silent stream); iterated (``stream=True``): chunks as
        they come (pairs with ``demux``). ``socket=True`` gives the
        :class:`~aiodock.process.Process` (await it, or ``async with`` it);
        ``detach=True`` an awaitable of ``""``. The TTY setting is read from the exec."""
        docker = self._docker
        ident = resource_id(exec_id, "exec_id")
        if detach:

            async def detached() -> str:
                await docker.exec.start(ident, detach=True, tty=tty)
                return ""

            return detached()
        if socket:

            async def start() -> Any:
                return await docker.exec.start(ident)

            return ProcessStarter(start)

        async def source() -> tuple[FrameStream, Any]:
            process = await docker.exec.start(ident)
            return process.output, process.close

        return OutputStream(source, demux=demux)
