"""Exec instances: run a command in a running container, like :mod:`asyncio.subprocess`.

``docker.exec`` is an :class:`ExecManager`. :meth:`ExecManager.process` gives a
:class:`~aiodock.process.Process` (stdin, output, communicate, wait, resize);
:meth:`ExecManager.run` is docker-py's ``exec_run``; ``create``/``start``/``inspect``/
``resize`` are the raw API calls.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

from .cli_config import config_detach_keys
from .errors import InvalidArgument
from .process import Process, ProcessStarter
from .resource import Manager, path_id
from .utils import console_size as parse_console_size
from .versions import require

if TYPE_CHECKING:
    from .shapes import ExecInspectResponse

__all__ = ["ExecManager", "ExecResult", "format_command", "format_environment"]

Command = str | Sequence[str]
Environment = Mapping[str, Any] | Sequence[str]


class ExecResult(NamedTuple):
    """What :meth:`ExecManager.run` returns, with docker-py's meanings.

    ``exit_code`` is ``None`` while streaming, detached, or with ``socket=True``.
    ``output`` is the output bytes; ``(stdout, stderr)`` with ``demux=True`` (``None``
    for a stream that wrote nothing); a :class:`~aiodock.streams.FrameStream` with
    ``stream=True``; the :class:`~aiodock.process.Process` with ``socket=True``;
    ``b""`` when detached.
    """

    exit_code: int | None
    output: Any


def format_command(cmd: Command, *, name: str = "cmd") -> list[str]:
    """A command as the daemon wants it: a string is split like a shell would."""
    if isinstance(cmd, str):
        try:
            args = shlex.split(cmd)
        except ValueError as exc:
            raise InvalidArgument(f"{name} {cmd!r} cannot be split: {exc}") from None
    elif isinstance(cmd, Sequence) and not isinstance(cmd, (bytes, bytearray)):
        args = list(cmd)
        for arg in args:
            if not isinstance(arg, str):
                raise InvalidArgument(f"{name} items must be strings, not {arg!r}")
    else:
        raise InvalidArgument(f"{name} must be a string or a list of strings, not {cmd!r}")
    if not args:
        raise InvalidArgument(f"{name} is empty")
    return args


def format_environment(environment: Environment | None) -> list[str] | None:
    """``{"A": "1"}`` or ``["A=1"]`` as the daemon's ``["A=1"]`` (``None`` value: ``"A"``)."""
    if environment is None:
        return None
    if isinstance(environment, Mapping):
        env: list[str] = []
        for key, value in environment.items():
            if not isinstance(key, str) or not key or "=" in key:
                raise InvalidArgument(f"environment: bad variable name {key!r}")
            if value is None:
                env.append(key)
            elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
                env.append(f"{key}={value}")
            else:
                raise InvalidArgument(
                    f"environment: value of {key} must be a string, not {value!r}"
                )
        return env
    if isinstance(environment, Sequence) and not isinstance(environment, (str, bytes)):
        items = list(environment)
        for item in items:
            if not isinstance(item, str) or not item or item.startswith("="):
                raise InvalidArgument(f"environment: entries must be 'KEY=value', not {item!r}")
        return items
    raise InvalidArgument(
        f"environment must be a mapping or a list of 'KEY=value', not {environment!r}"
    )


def _check_str(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a string, not {value!r}")


def _check_bool(**values: Any) -> None:
    for name, value in values.items():
        if not isinstance(value, bool):
            raise InvalidArgument(f"{name} must be True or False, not {value!r}")


class ExecManager(Manager):
    """Exec instances: ``docker.exec``."""

    async def create(
        self,
        container_id: str,
        cmd: Command,
        *,
        stdout: bool = True,
        stderr: bool = True,
        stdin: bool = False,
        tty: bool = False,
        privileged: bool = False,
        user: str | None = None,
        environment: Environment | None = None,
        workdir: str | None = None,
        detach_keys: str | None = None,
        console_size: tuple[int, int] | None = None,
    ) -> str:
        """Set up an exec instance in a running container; returns its id.
        ``console_size`` is the TTY's ``(height, width)`` from the start (API 1.42);
        ``detach_keys`` defaults to the ``detachKeys`` of the docker CLI's config.json."""
        body = self._create_body(
            container_id, cmd, stdout=stdout, stderr=stderr, stdin=stdin, tty=tty,
            privileged=privileged, user=user, environment=environment, workdir=workdir,
            detach_keys=detach_keys, console_size=console_size,
        )  # fmt: skip
        if detach_keys is None:
            configured = config_detach_keys(self._docker)
            if configured is not None:
                body["DetachKeys"] = configured
        if workdir is not None:
            await self._docker.transport.require_version("1.35", "exec workdir")
        if console_size is not None:
            await require(self._docker, "exec.console_size")
        result = await self._docker.transport.json(
            "POST", f"/containers/{path_id(container_id)}/exec", json=body
        )
        return str(result["Id"])

    @staticmethod
    def _create_body(
        container_id: str,
        cmd: Command,
        *,
        stdout: bool,
        stderr: bool,
        stdin: bool,
        tty: bool,
        privileged: bool,
        user: str | None,
        environment: Environment | None,
        workdir: str | None,
        detach_keys: str | None,
        console_size: tuple[int, int] | None = None,
    ) -> dict[str, Any]:
        if not isinstance(container_id, str) or not container_id:
            raise InvalidArgument(f"container_id must be a non-empty string, not {container_id!r}")
        _check_bool(stdout=stdout, stderr=stderr, stdin=stdin, tty=tty, privileged=privileged)
        _check_str("user", user)
        _check_str("workdir", workdir)
        _check_str("detach_keys", detach_keys)
        body: dict[str, Any] = {
            "AttachStdin": stdin,
            "AttachStdout": stdout,
            "AttachStderr": stderr,
            "Tty": tty,
            "Cmd": format_command(cmd),
            "Privileged": privileged,
            "User": user or "",
        }
        env = format_environment(environment)
        if env is not None:
            body["Env"] = env
        if workdir:
            body["WorkingDir"] = workdir
        if detach_keys is not None:
            body["DetachKeys"] = detach_keys
        if console_size is not None:
            body["ConsoleSize"] = parse_console_size(console_size)
        return body

    @overload
    async def start(
        self, exec_id: str, *, detach: Literal[True], tty: bool | None = None
    ) -> None: ...

    @overload
    async def start(
        self, exec_id: str, *, detach: Literal[False] = False, tty: bool | None = None
    ) -> Process: ...

    @overload
    async def start(
        self, exec_id: str, *, detach: bool = False, tty: bool | None = None
    ) -> Process | None: ...

    async def start(
        self, exec_id: str, *, detach: bool = False, tty: bool | None = None
    ) -> Process | None:
        """Start an exec instance.

        ``detach=True`` starts it and returns ``None``. Otherwise the connection is
        upgraded and the started :class:`Process` returned (close it, or use
        ``async with``). ``tty`` must match the exec's creation; ``None`` reads it from
        the exec's inspect data.
        """
        if not isinstance(exec_id, str) or not exec_id:
            raise InvalidArgument(f"exec_id must be a non-empty string, not {exec_id!r}")
        if detach:
            await self._docker.transport.call(
                "POST",
                f"/exec/{path_id(exec_id)}/start",
                json={"Detach": True, "Tty": bool(tty)},
            )
            return None
        info: ExecInspectResponse | None = None
        if tty is None:
            info = await self.inspect(exec_id)
            tty = bool((info.get("ProcessConfig") or {}).get("tty"))
        stdin = bool(info.get("OpenStdin")) if info is not None else True
        container_id = info.get("ContainerID") if info is not None else None
        return await self._start_process(exec_id, tty=tty, stdin=stdin, container_id=container_id)

    async def _start_process(
        self,
        exec_id: str,
        *,
        tty: bool,
        stdin: bool,
        container_id: str | dict[str, Any] | None,
    ) -> Process:
        conn = await self._docker.transport.upgrade(
            "POST",
            f"/exec/{path_id(exec_id)}/start",
            json={"Detach": False, "Tty": tty},
            what=f"exec {exec_id[:12]}",
        )
        if isinstance(container_id, dict):
            container_id = str(container_id.get("ContainerID") or "")
        return Process(
            self._docker,
            conn,
            kind="exec",
            container_id=container_id or "",
            tty=tty,
            stdin=stdin,
            exec_id=exec_id,
        )

    async def inspect(self, exec_id: str) -> ExecInspectResponse:
        """The exec's inspect data (``Running``, ``ExitCode``, ``ProcessConfig``, ...)."""
        path = f"/exec/{path_id(exec_id)}/json"
        result: ExecInspectResponse = await self._docker.transport.json("GET", path)
        return result

    async def resize(self, exec_id: str, height: int, width: int) -> None:
        """Resize the TTY of an exec started with ``tty=True``."""
        for name, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidArgument(f"{name} must be a positive integer, not {value!r}")
        await self._docker.transport.call(
            "POST", f"/exec/{path_id(exec_id)}/resize", params={"h": height, "w": width}
        )

    def process(
        self,
        container_id: str,
        cmd: Command,
        *,
        stdin: bool = False,
        tty: bool = False,
        user: str | None = None,
        workdir: str | None = None,
        environment: Environment | None = None,
        privileged: bool = False,
        detach_keys: str | None = None,
        stdout: bool = True,
        stderr: bool = True,
        console_size: tuple[int, int] | None = None,
    ) -> ProcessStarter:
        """Run ``cmd`` in the container as a :class:`Process`:
        ``async with docker.exec.process(cid, ["cat"], stdin=True) as proc: ...``.

        Arguments are checked before anything is sent.
        """
        self._create_body(
            container_id, cmd, stdout=stdout, stderr=stderr, stdin=stdin, tty=tty,
            privileged=privileged, user=user, environment=environment, workdir=workdir,
            detach_keys=detach_keys, console_size=console_size,
        )  # fmt: skip

        async def start() -> Process:
            exec_id = await self.create(
                container_id, cmd, stdout=stdout, stderr=stderr, stdin=stdin, tty=tty,
                privileged=privileged, user=user, environment=environment, workdir=workdir,
                detach_keys=detach_keys, console_size=console_size,
            )  # fmt: skip
            return await self._start_process(
                exec_id, tty=tty, stdin=stdin, container_id=container_id
            )

        return ProcessStarter(start)

    async def run(
        self,
        container_id: str,
        cmd: Command,
        *,
        stdout: bool = True,
        stderr: bool = True,
        stdin: bool = False,
        tty: bool = False,
        privileged: bool = False,
        user: str = "",
        detach: bool = False,
        stream: bool = False,
        socket: bool = False,
        environment: Environment | None = None,
        workdir: str | None = None,
        demux: bool = False,
    ) -> ExecResult:
        """docker-py's ``exec_run``: run ``cmd`` and return :class:`ExecResult`."""
        _check_bool(detach=detach, stream=stream, socket=socket, demux=demux)
        exec_id = await self.create(
            container_id, cmd, stdout=stdout, stderr=stderr, stdin=stdin, tty=tty,
            privileged=privileged, user=user, environment=environment, workdir=workdir,
        )  # fmt: skip
        if detach:
            await self.start(exec_id, detach=True, tty=tty)
            return ExecResult(None, b"")
        process = await self._start_process(
            exec_id, tty=tty, stdin=stdin, container_id=container_id
        )
        if socket:
            return ExecResult(None, process)
        if stream:
            return ExecResult(None, process.output)
        try:
            if demux:
                out, err = await process.output.demux()
                output: Any = (out or None, err or None)
            else:
                output = await process.output.read()
            exit_code = await process.wait()
        finally:
            await process.close()
        return ExecResult(exit_code, output)
