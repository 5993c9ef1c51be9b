"""Containers: the handle (lifecycle, logs, attach, stats, health waits, archives) and
``docker.containers``, the manager that creates, runs, lists and prunes them.

``docker.containers`` is a :class:`ContainerManager`; it hands out :class:`Container` handles.
Beside it: the keyword translation in :mod:`aiodock.container_config`, ``run()`` in
:mod:`aiodock.container_run`, the archive requests in :mod:`aiodock.container_archive`, and
:class:`StatsSummary` in :mod:`aiodock.stats`; the public names are exported here too.
"""

from __future__ import annotations

import asyncio
import re
import time
import weakref
from collections.abc import AsyncIterable, Awaitable, Mapping, Sequence
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any, Final, Literal, cast, overload

from . import container_archive
from .byte_stream import ByteStream
from .cli_config import proxy_environment, with_proxy_environment
from .container_config import (
    CREATE_KEYWORDS,
    CreateRequest,
    _boolean,
    _fail,
    _integer,
    _natural,
    _seconds,
    _string,
    _string_list,
    _whole_seconds,
    create_body,
    signal_name,
    update_body,
)
from .container_run import RunOutput, run_container
from .engine import podman_version_of
from .errors import (
    ContainerNotFound,
    DockerTimeoutError,
    HealthTimeoutError,
    InvalidArgument,
    NotModified,
    ServerError,
    UnhealthyError,
)
from .images import Image, image_reference
from .reference import familiar_name
from .resource import Manager, Resource, path_id
from .stats import StatsSummary, container_stats
from .streams import FrameStream, JSONStream, Opener
from .transport import ByteSource
from .utils import (
    Filters,
    QueryValue,
    TimeSpec,
    encode_filters,
    inspect_each,
    parse_datetime,
    timeout_after,
    to_timestamp,
)
from .versions import adapt_create, check_body, request_target, require

if TYPE_CHECKING:
    from .exec import ExecResult
    from .process import ProcessStarter
    from .shapes import (
        ContainerConfig,
        ContainerState,
        ContainerWaitResponse,
        HostConfig,
        MountPoint,
        NetworkSettings,
    )

__all__ = [
    "CREATE_KEYWORDS",
    "ByteStream",
    "Container",
    "ContainerManager",
    "CreateRequest",
    "HealthTimeoutError",
    "RunOutput",
    "StatsSummary",
    "UnhealthyError",
    "create_body",
    "signal_name",
    "update_body",
]


# --- the handle ---------------------------------------------------------------------------

_WAIT_CONDITIONS = ("not-running", "next-exit", "removed")
_STILL_RUNNING = frozenset({"running", "paused", "restarting", "stopping"})
_KERNEL_MEMORY: Final = {"KernelMemory": "kernel_memory"}
_DOCKER_STATUS: Final = {"stopped": "exited", "configured": "created", "initialized": "created"}
_STATUS_HEALTH = re.compile(r"\((healthy|unhealthy|health: starting)\)")


def _created(container: Container) -> datetime:
    """When ``container`` was created, from its inspect data (the epoch when unreadable)."""
    try:
        return parse_datetime(str(container.attrs.get("Created")))
    except InvalidArgument:
        return datetime.fromtimestamp(0, timezone.utc)


def _split_top(answer: dict[str, Any]) -> dict[str, Any]:
    """``top`` with one title per column: Podman 4 gives busybox ``ps``'s header as one
    title and each process as one string."""
    titles = answer.get("Titles") or []
    if len(titles) != 1 or len(titles[0].split()) < 2:
        return answer
    columns = titles[0].split()
    rows = [
        row[0].split(None, len(columns) - 1) if len(row) == 1 else row
        for row in answer.get("Processes") or []
    ]
    return {**answer, "Titles": columns, "Processes": rows}


def _section(attrs: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``attrs[key]`` when it is an object (the live dict, not a copy), else an empty one."""
    value = attrs.get(key)
    return value if isinstance(value, dict) else {}


class Container(Resource):
    """A container. ``attrs`` holds the inspect data, or the list entry for handles from
    :meth:`ContainerManager.list` (``await container.reload()`` fetches the full data)."""

    inspect_path = "/containers/{id}/json"

    @property
    def _path(self) -> str:
        return f"/containers/{path_id(self.id)}"

    # --- properties ---------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The name, without the leading ``/``."""
        if self.attrs.get("Name"):  # inspect data (Podman's list entries have "")
            return str(self.attrs["Name"]).lstrip("/")
        names = self.attrs.get("Names") or [""]
        return str(names[0]).lstrip("/")

    @property
    def status(self) -> str:
        """``created``, ``running``, ``paused``, ``restarting``, ``exited``, ``dead``, ...
        (Podman's ``stopped``, ``configured`` and ``initialized`` are said as Docker says
        them: ``exited``, ``created``, ``created``)."""
        state = self.attrs.get("State")
        status = str(state.get("Status", "")) if isinstance(state, dict) else str(state or "")
        return str(_DOCKER_STATUS.get(status, status))

    @property
    def labels(self) -> dict[str, str]:
        config = self.attrs.get("Config")
        labels = config.get("Labels") if isinstance(config, dict) else self.attrs.get("Labels")
        return dict(labels or {})

    @property
    def image(self) -> str:
        """The image reference the container was created from, as the docker CLI shows it
        (Podman's ``docker.io/`` prefix left out)."""
        config = self.attrs.get("Config")
        if isinstance(config, dict):
            return familiar_name(str(config.get("Image", "")))
        return familiar_name(str(self.attrs.get("Image", "")))

    @property
    def image_id(self) -> str:
        """The id of the container's image."""
        if isinstance(self.attrs.get("Config"), dict):
            return str(self.attrs.get("Image", ""))
        return str(self.attrs.get("ImageID", ""))

    @property
    def ports(self) -> dict[str, list[dict[str, str]] | None]:
        """Published ports as ``{"80/tcp": [{"HostIp": ..., "HostPort": ...}]}``."""
        settings = self.attrs.get("NetworkSettings") or {}
        if "Ports" in settings:
            return dict(settings.get("Ports") or {})
        out: dict[str, list[dict[str, str]] | None] = {}
        for entry in self.attrs.get("Ports") or []:  # list() form
            key = f"{entry.get('PrivatePort')}/{entry.get('Type', 'tcp')}"
            if "PublicPort" in entry:
                host = {"HostIp": entry.get("IP", ""), "HostPort": str(entry["PublicPort"])}
                out[key] = [*(out.get(key) or []), host]
            else:
                out.setdefault(key, None)
        return out

    @property
    def health(self) -> str:
        """``"starting"``, ``"healthy"``, ``"unhealthy"``, or ``"none"`` without a health check
        (as of ``attrs``: ``reload()`` to refresh)."""
        state = self.attrs.get("State")
        if isinstance(state, dict):
            health = state.get("Health") or {}
            return str(health.get("Status") or "none")
        match = _STATUS_HEALTH.search(str(self.attrs.get("Status", "")))
        if not match:
            return "none"
        return "starting" if match.group(1) == "health: starting" else match.group(1)

    @property
    def exit_code(self) -> int | None:
        """The exit status of the last run (inspect data only)."""
        state = self.attrs.get("State")
        return int(state.get("ExitCode", 0)) if isinstance(state, dict) else None

    @property
    def state(self) -> ContainerState:
        """``State`` of the inspect data (status, pid, exit code, ``Health``, ...); empty
        for handles from :meth:`ContainerManager.list` until ``reload()``."""
        return cast("ContainerState", _section(self.attrs, "State"))

    @property
    def config(self) -> ContainerConfig:
        """``Config`` of the inspect data (image, command, environment, labels, ...);
        empty for list handles until ``reload()``."""
        return cast("ContainerConfig", _section(self.attrs, "Config"))

    @property
    def host_config(self) -> HostConfig:
        """``HostConfig`` of the inspect data (binds, port bindings, limits, restart
        policy, ...); list handles carry only ``NetworkMode`` until ``reload()``."""
        return cast("HostConfig", _section(self.attrs, "HostConfig"))

    @property
    def network_settings(self) -> NetworkSettings:
        """``NetworkSettings`` of the inspect data (``Ports``, ``Networks``, ...); list
        handles carry only ``Networks`` until ``reload()``."""
        return cast("NetworkSettings", _section(self.attrs, "NetworkSettings"))

    @property
    def mounts(self) -> list[MountPoint]:
        """The container's mounts (inspect data and list entries alike)."""
        return list(self.attrs.get("Mounts") or [])

    def _known_tty(self) -> bool | None:
        config = self.attrs.get("Config")
        return bool(config.get("Tty")) if isinstance(config, dict) else None

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start the container (a no-op if it is already running)."""
        try:
            await self._docker.transport.call("POST", f"{self._path}/start")
        except NotModified:
            pass

    async def stop(self, timeout: float | None = None, *, signal: str | int | None = None) -> None:
        """Stop it: the stop signal (``signal``, else the container's; API 1.42), then
        SIGKILL after ``timeout`` seconds (the container's ``stop_timeout``, else 10, when
        ``None``). A no-op if it is not running."""
        params = await self._stop_params("stop", timeout, signal)
        try:
            await self._docker.transport.call(
                "POST", f"{self._path}/stop", params=params, timeout=None
            )
        except NotModified:
            pass

    async def restart(
        self, timeout: float | None = None, *, signal: str | int | None = None
    ) -> None:
        """Restart it: stop it with ``signal`` (API 1.42; else its stop signal), killing it
        after ``timeout`` seconds if it does not stop."""
        params = await self._stop_params("restart", timeout, signal)
        await self._docker.transport.call(
            "POST", f"{self._path}/restart", params=params, timeout=None
        )

    async def _stop_params(
        self, operation: str, timeout: float | None, signal: str | int | None
    ) -> dict[str, QueryValue]:
        params: dict[str, QueryValue] = {}
        if timeout is not None:
            params["t"] = _whole_seconds(timeout, "timeout")
        if signal is not None:
            params["signal"] = signal_name(signal)
            await require(self._docker, f"{operation}.signal")
        return params

    async def kill(self, signal: str | int | None = None) -> None:
        """Send a signal (``"SIGHUP"``, ``"HUP"``, ``1`` or ``signal.SIGHUP``; default SIGKILL)."""
        params = {"signal": signal_name(signal)} if signal is not None else None
        await self._docker.transport.call("POST", f"{self._path}/kill", params=params)

    async def pause(self) -> None:
        """Freeze every process of the container."""
        await self._docker.transport.call("POST", f"{self._path}/pause")

    async def unpause(self) -> None:
        """Resume a paused container."""
        await self._docker.transport.call("POST", f"{self._path}/unpause")

    async def wait(
        self,
        *,
        condition: Literal["not-running", "next-exit", "removed"] = "not-running",
        timeout: float | None = None,
    ) -> ContainerWaitResponse:
        """Wait until the container meets ``condition``; returns ``{"StatusCode": ..,
        "Error": ..}``. Raises :class:`DockerTimeoutError` after ``timeout`` seconds."""
        if condition not in _WAIT_CONDITIONS:
            raise InvalidArgument(
                f"condition: expected one of {', '.join(_WAIT_CONDITIONS)}, got {condition!r}"
            )
        limit = None if timeout is None else _seconds(timeout, "timeout")
        podman = (await request_target(self._docker)).podman
        if podman is not None and podman.startswith("4."):
            request = self._poll_until(condition)
        else:
            request = self._docker.transport.json(
                "POST", f"{self._path}/wait", params={"condition": condition}, timeout=None
            )
        if limit is None:
            result: ContainerWaitResponse = await request
            return result
        try:
            async with timeout_after(limit):
                result = await request
        except asyncio.TimeoutError as exc:
            if isinstance(exc, DockerTimeoutError):
                raise
            raise DockerTimeoutError(
                f"container {self.short_id} did not reach {condition!r} within {timeout}s"
            ) from None
        return result

    async def _poll_until(self, condition: str) -> Any:
        """:meth:`wait` by inspecting: Podman 4's wait never answers for a container
        that is ``stopped`` (its word for exited and cleaned up)."""
        began = time.time()
        await self.reload()
        finished = self.attrs.get("State", {}).get("FinishedAt")
        delay = 0.02
        while True:
            state = self.attrs.get("State") or {}
            done = not state.get("Running") and state.get("Status") not in _STILL_RUNNING
            if condition == "next-exit":
                done = done and state.get("FinishedAt") != finished
            if done and condition != "removed":
                return {"StatusCode": int(state.get("ExitCode") or 0), "Error": None}
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)
            try:
                await self.reload()
            except (ContainerNotFound, ServerError) as exc:
                # while it is being removed, Podman 4 answers 500 "no such container"
                gone = isinstance(exc, ContainerNotFound) or "no such container" in exc.message
                if condition == "removed" and gone:
                    code = int(state.get("ExitCode") or 0)
                    if state.get("Running"):  # it died after the last look: its die event
                        code = await self._exit_code_since(began, code)
                    return {"StatusCode": code, "Error": None}
                raise

    async def _exit_code_since(self, since: float, default: int) -> int:
        """The exit code of this container's last ``die`` event since ``since``."""
        events = self._docker.events(
            since=since, until=time.time(), filters={"container": self.id, "event": "die"}
        )
        code = default
        async with events:
            async for event in events:
                code = int(event.actor.attributes.get("exitCode") or code)
        return code

    async def remove(
        self, *, force: bool = False, volumes: bool = False, link: bool = False, v: bool = False
    ) -> None:
        """Remove it: ``force`` kills it first if running, ``volumes`` (or docker-py's ``v``)
        removes its anonymous volumes, ``link`` removes the link named by this handle
        instead."""
        await self._docker.transport.call(
            "DELETE",
            self._path,
            params={
                "force": _boolean(force, "force"),
                "v": _boolean(volumes, "volumes") or _boolean(v, "v"),
                "link": _boolean(link, "link"),
            },
            timeout=None,
        )

    async def rename(self, name: str) -> None:
        """Give the container a new name."""
        await self._docker.transport.call(
            "POST", f"{self._path}/rename", params={"name": _string(name, "name")}
        )
        if "Name" in self.attrs:
            self.attrs["Name"] = "/" + name

    async def update(self, **resources: Any) -> list[str]:
        """Change resource limits or the restart policy of a created or running container.

        Takes ``mem_limit``, ``memswap_limit``, ``mem_reservation``, ``kernel_memory``,
        ``nano_cpus``, ``cpu_shares``, ``cpu_period``, ``cpu_quota``, ``cpu_rt_*``,
        ``cpuset_cpus``, ``cpuset_mems``, ``blkio_weight``, ``pids_limit``, ``restart_policy``
        (as for create). Returns the daemon's warnings.
        """
        body = update_body(**resources)
        aim = await request_target(self._docker)
        aim.check("container.update")
        check_body(aim, "update", _KERNEL_MEMORY, body)
        result = await self._docker.transport.json("POST", f"{self._path}/update", json=body)
        return list((result or {}).get("Warnings") or [])

    async def resize(self, height: int, width: int) -> None:
        """Resize the TTY of the container."""
        await self._docker.transport.call(
            "POST",
            f"{self._path}/resize",
            params={"h": _natural(height, "height"), "w": _natural(width, "width")},
        )

    # --- inspection ---------------------------------------------------------------------

    async def top(self, ps_args: str | None = None) -> dict[str, Any]:
        """The processes running in it: ``{"Titles": [...], "Processes": [[...], ...]}``."""
        result: dict[str, Any] = await self._docker.transport.json(
            "GET", f"{self._path}/top", params={"ps_args": ps_args}
        )
        return _split_top(result)

    async def diff(self) -> list[dict[str, Any]]:
        """Changes to its filesystem: ``[{"Path": ..., "Kind": 0|1|2}]`` (modified, added,
        deleted)."""
        return list(await self._docker.transport.json("GET", f"{self._path}/changes") or [])

    changes = diff

    async def port(self, private_port: int | str) -> list[dict[str, str]] | None:
        """The host bindings of a container port (``80``, ``"80/udp"``), ``None`` if it is not
        published. Reads fresh inspect data."""
        key = str(private_port)
        if "/" not in key:
            key += "/tcp"
        await self.reload()
        return self.ports.get(key)

    # --- output -------------------------------------------------------------------------

    def _output(self, what: str, open_response: Opener) -> FrameStream:
        tty = self._known_tty()
        if tty is not None:
            return FrameStream(self._docker, open_response, tty=tty, what=what)
        # The TTY setting decides the framing: look it up when the stream opens. The
        # opener holds the stream weakly, so that dropping the stream still closes it.
        stream_ref: weakref.ref[FrameStream] | None = None

        async def opener() -> ByteSource:
            await self.reload()
            stream = stream_ref() if stream_ref is not None else None
            if stream is not None:
                stream.set_tty(bool(self._known_tty()))
            return await open_response()

        stream = FrameStream(self._docker, opener, tty=False, what=what)
        stream_ref = weakref.ref(stream)
        return stream

    def logs(
        self,
        *,
        stdout: bool = True,
        stderr: bool = True,
        follow: bool = False,
        timestamps: bool = False,
        tail: int | Literal["all"] = "all",
        since: TimeSpec | None = None,
        until: TimeSpec | None = None,
    ) -> FrameStream:
        """The container's output: awaited, its bytes (``stdout``/``stderr`` choose the
        streams), as docker-py's ``logs()`` gives them; iterated, :class:`Frame` objects as
        they come (``.demux()``, ``.lines()`` for other shapes).

        ``follow`` keeps streaming until the container stops. ``tail`` limits the output to
        its last lines. ``since``/``until`` take a datetime, a Unix timestamp, or a duration
        (``timedelta``, ``"10m"``: that long ago). TTY containers give raw output as STDOUT.
        """
        if tail != "all" and (isinstance(tail, bool) or not isinstance(tail, int) or tail < 0):
            raise _fail("tail", "an integer >= 0 or 'all'", tail)
        params: dict[str, QueryValue] = {
            "stdout": _boolean(stdout, "stdout"),
            "stderr": _boolean(stderr, "stderr"),
            "follow": _boolean(follow, "follow"),
            "timestamps": _boolean(timestamps, "timestamps"),
            "tail": str(tail),
            "since": to_timestamp(since, name="since") if since is not None else None,
            "until": to_timestamp(until, name="until") if until is not None else None,
        }
        path = f"{self._path}/logs"

        async def open_response() -> ByteSource:
            # Our own connection: far cheaper than aiohttp when each line is an HTTP chunk.
            return await self._docker.transport.open_body("GET", path, params=params)

        return self._output(f"GET {path}", open_response)

    @overload
    def stats(
        self, *, stream: Literal[True] = True, one_shot: bool = False
    ) -> JSONStream[dict[str, Any]]: ...

    @overload
    def stats(
        self, *, stream: Literal[False], one_shot: bool = False
    ) -> Awaitable[dict[str, Any]]: ...

    def stats(
        self, *, stream: bool = True, one_shot: bool = False
    ) -> JSONStream[dict[str, Any]] | Awaitable[dict[str, Any]]:
        """Resource usage: a stream of stats dicts (one a second), or with ``stream=False``
        an awaitable of one (``one_shot=True`` answers at once, without the ``precpu_stats``
        needed for CPU percent). :meth:`StatsSummary.from_stats` computes the CLI's columns."""
        return container_stats(
            self._docker, self.id, self.attrs.get("Name"), stream=stream, one_shot=one_shot
        )

    # --- health -------------------------------------------------------------------------

    async def wait_healthy(self, timeout: float = 60.0, *, interval: float = 0.2) -> None:
        """Wait until the health check reports ``healthy``, polling every ``interval`` seconds.

        Raises :class:`UnhealthyError` (with the last check's output) when it turns
        unhealthy or the container stops, :class:`HealthTimeoutError` after ``timeout``
        seconds, and :class:`InvalidArgument` if the container has no health check.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _seconds(timeout, "timeout")
        while True:
            await self.reload()
            state = self.attrs.get("State") or {}
            health = state.get("Health")
            if health is None:
                raise InvalidArgument(f"container {self.short_id} has no health check")
            status = str(health.get("Status") or "")
            log = health.get("Log") or []
            output = str(log[-1].get("Output", "")) if log else ""
            if status == "healthy":
                return
            if status == "unhealthy":
                raise UnhealthyError(
                    f"container {self.short_id} is unhealthy: {output.strip()}",
                    status=status,
                    output=output,
                )
            if not state.get("Running"):
                raise UnhealthyError(
                    f"container {self.short_id} is {state.get('Status')} (exit code "
                    f"{state.get('ExitCode')}) before becoming healthy",
                    status=status,
                    output=output,
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise HealthTimeoutError(
                    f"container {self.short_id} not healthy within {timeout}s (status "
                    f"{status}); last check: {output.strip() or 'none yet'}",
                    status=status,
                    output=output,
                )
            await asyncio.sleep(min(interval, remaining))

    # --- files (built in aiodock.container_archive) ----------------------------------

    def export(self) -> ByteStream:
        """The container's filesystem as a tar byte stream."""
        return container_archive.export(self)

    async def get_archive(self, path: str) -> tuple[ByteStream, dict[str, Any]]:
        """A tar of ``path`` in the container as a byte stream, with the stat of ``path``
        (``name``, ``size``, ``mode``, ``mtime``, ``linkTarget``). Close or exhaust the
        stream to release the connection."""
        return await container_archive.get_archive(self, path)

    async def stat_archive(self, path: str) -> dict[str, Any]:
        """The stat of ``path`` in the container, without its content."""
        return await container_archive.stat_archive(self, path)

    async def put_archive(
        self,
        path: str,
        data: bytes | bytearray | memoryview | IO[bytes] | AsyncIterable[bytes],
        *,
        no_overwrite_dir_non_dir: bool = False,
        copy_uidgid: bool = False,
    ) -> None:
        """Extract a tar archive into the directory ``path`` of the container.

        ``data`` is the tar as bytes, a binary file object, or an async iterator of bytes
        (streamed, never buffered whole).
        """
        await container_archive.put_archive(
            self,
            path,
            data,
            no_overwrite_dir_non_dir=no_overwrite_dir_non_dir,
            copy_uidgid=copy_uidgid,
        )

    async def commit(
        self,
        repository: str | None = None,
        tag: str | None = None,
        message: str | None = None,
        author: str | None = None,
        changes: str | Sequence[str] | None = None,
        conf: Mapping[str, Any] | None = None,
        pause: bool = True,
    ) -> Image:
        """Make an image of the container; returns an :class:`~aiodock.images.Image`
        handle. ``changes`` are Dockerfile instructions (``["ENV A=1", "CMD sh"]``), ``conf``
        a raw Config object for the image."""
        if changes:
            _string_list(changes, "changes")
        return await self._docker.images.commit(
            self.id, repository, tag, message, author, pause, changes, conf
        )

    # --- exec and attach (built in aiodock.exec / aiodock.process) ---------------------

    def exec(self, cmd: str | Sequence[str], **kwargs: Any) -> ProcessStarter:
        """Run a command in the container as a process (``async with container.exec(...) as
        proc``); takes the keywords of :meth:`aiodock.exec.ExecManager.process`."""
        return self._docker.exec.process(self.id, cmd, **kwargs)

    async def exec_run(self, cmd: str | Sequence[str], **kwargs: Any) -> ExecResult:
        """Run a command to completion; returns an ``ExecResult`` (exit code, output).
        Takes the keywords of :meth:`aiodock.exec.ExecManager.run` (docker-py's)."""
        return await self._docker.exec.run(self.id, cmd, **kwargs)

    def attach(self, **kwargs: Any) -> ProcessStarter:
        """Attach to the container's stdio as a process-like object; see
        :mod:`aiodock.process`."""
        from .process import attach_container

        return attach_container(self._docker, self.id, **kwargs)


_LIST_FILTERS = (
    "ancestor before expose exited health id isolation is-task label name network publish "
    "since status volume".split()
)


class ContainerManager(Manager):
    """``docker.containers``: create, run, get, list and prune containers."""

    async def get(self, container_id: str) -> Container:
        """The container with this id, id prefix or name (raises ``ContainerNotFound``)."""
        path = Container.inspect_path.format(id=path_id(_string(container_id, "container_id")))
        return Container(self._docker, await self._docker.transport.json("GET", path))

    async def list(
        self,
        all: bool = False,
        *,
        filters: Filters | None = None,
        limit: int | None = None,
        since: str | None = None,
        before: str | None = None,
        size: bool = False,
        sparse: bool = False,
        ignore_removed: bool = False,
    ) -> list[Container]:
        """Containers (running ones unless ``all``), newest first, each inspected (a few at
        a time) so that ``attrs`` is complete, as docker-py gives them. ``sparse=True`` keeps
        the list entries instead (one request, no ``Config``; :meth:`Container.reload`
        completes them). A container removed between the list and its inspection raises
        ``ContainerNotFound``, or is left out with ``ignore_removed=True``. ``limit`` keeps
        the newest n (implies ``all``); ``since``/``before`` keep those created after/before
        the named container; ``size`` adds ``SizeRw``/``SizeRootFs`` (to the entries:
        give ``sparse=True`` to see them)."""
        merged: dict[str, Any] = dict(filters or {})
        if since is not None:
            merged["since"] = _string(since, "since")
        if before is not None:
            merged["before"] = _string(before, "before")
        if limit is not None and _integer(limit, "limit") < 1:
            limit = None
        entries = await self._docker.transport.json(
            "GET",
            "/containers/json",
            params={
                "all": _boolean(all, "all"),
                "limit": limit,
                "size": _boolean(size, "size"),
                "filters": encode_filters(merged, allowed=_LIST_FILTERS),
            },
        )
        docker = self._docker
        entries = entries or []
        podman = podman_version_of(await docker.transport.engine_headers()) is not None
        if podman:  # Podman lists in no set order (5.x: oldest first): newest first here
            entries = sorted(reversed(entries), key=lambda e: e.get("Created") or 0, reverse=True)
        if sparse:
            for entry in entries:
                if "Config" in entry and not entry["Config"]:
                    del entry["Config"]  # Podman's empty one: list entries have none
            return [Container(docker, entry) for entry in entries]

        inspected = await inspect_each(
            self.get,
            (entry["Id"] for entry in entries),
            missing=ContainerNotFound,
            skip_missing=ignore_removed,
        )
        if podman:  # list entries say the second, inspect data the nanosecond
            inspected.sort(key=_created, reverse=True)
        return inspected

    async def create(
        self, image: str | Image, command: str | Sequence[str] | None = None, **kwargs: Any
    ) -> Container:
        """Create a container from docker-py's keyword arguments (see :data:`CREATE_KEYWORDS`
        and ``docs/containers.md``); returns the handle with its inspect data. The image
        must exist locally (``run()`` pulls it); an :class:`~aiodock.images.Image` handle
        stands for its id. ``detach`` is accepted and ignored, as docker-py does."""
        kwargs.pop("detach", None)
        request = create_body(image_reference(image), command, **kwargs)
        created = await self._create(request)
        await created.reload()
        return created

    async def _create(self, request: CreateRequest) -> Container:
        result = await self._create_raw(
            request.body, request.name, request.platform, use_config_proxy=request.use_config_proxy
        )
        return Container(
            self._docker,
            {
                "Id": result["Id"],
                "Warnings": result.get("Warnings"),
                "Config": {"Tty": request.tty},
            },
        )

    async def _create_raw(
        self,
        body: Mapping[str, Any],
        name: str | None = None,
        platform: str | None = None,
        *,
        use_config_proxy: bool = False,
    ) -> dict[str, Any]:
        """``POST /containers/create`` with ``body`` (adapted to the API version), the
        proxies of ``config.json`` added to its environment with ``use_config_proxy``: the
        daemon's answer, ``{"Id": ..., "Warnings": [...]}``."""
        if use_config_proxy:
            proxies = proxy_environment(self._docker)
            if proxies:
                body = {**body, "Env": with_proxy_environment(body.get("Env"), proxies)}
        result: dict[str, Any] = await self._docker.transport.json(
            "POST",
            "/containers/create",
            params={"name": name, "platform": platform},
            json=adapt_create(await request_target(self._docker), body),
        )
        return result

    @overload
    async def run(
        self,
        image: str | Image,
        command: str | Sequence[str] | None = None,
        *,
        detach: Literal[True],
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        **kwargs: Any,
    ) -> Container: ...

    @overload
    async def run(
        self,
        image: str | Image,
        command: str | Sequence[str] | None = None,
        *,
        stream: Literal[True],
        detach: Literal[False] = False,
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        **kwargs: Any,
    ) -> RunOutput: ...

    @overload
    async def run(
        self,
        image: str | Image,
        command: str | Sequence[str] | None = None,
        *,
        detach: Literal[False] = False,
        stream: Literal[False] = False,
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        **kwargs: Any,
    ) -> bytes: ...

    @overload
    async def run(
        self,
        image: str | Image,
        command: str | Sequence[str] | None = None,
        *,
        detach: bool = False,
        stream: bool = False,
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        **kwargs: Any,
    ) -> Container | RunOutput | bytes: ...

    async def run(
        self,
        image: str | Image,
        command: str | Sequence[str] | None = None,
        *,
        detach: bool = False,
        stream: bool = False,
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        **kwargs: Any,
    ) -> Container | RunOutput | bytes:
        """Create and start a container, pulling the image first if it is not present.

        - ``detach=True``: return the running :class:`Container` (``remove=True`` then sets
          ``auto_remove``).
        - otherwise wait for it to exit and return its output: stdout, or stdout and stderr
          interleaved with ``stderr=True``. A non-zero exit raises :class:`ContainerError`
          carrying the exit status and stderr.
        - ``stream=True``: return a :class:`RunOutput` at once, yielding output live.

        ``remove=True`` removes the container afterwards, also when this raises or is
        cancelled (for ``stream=True``: when the stream ends or is closed). ``image`` is a
        name or an :class:`~aiodock.images.Image` handle (its id).
        """
        return await run_container(
            self,
            image_reference(image),
            command,
            detach=detach,
            stream=stream,
            stdout=stdout,
            stderr=stderr,
            remove=remove,
            **kwargs,
        )

    async def prune(self, filters: Filters | None = None) -> dict[str, Any]:
        """Remove stopped containers (``filters``: ``until``, ``label``, ``label!``); returns
        ``{"ContainersDeleted": [...], "SpaceReclaimed": n}``."""
        result: dict[str, Any] = await self._docker.transport.json(
            "POST",
            "/containers/prune",
            params={"filters": encode_filters(filters, allowed=("until", "label", "label!"))},
            timeout=None,
        )
        result["ContainersDeleted"] = result.get("ContainersDeleted") or []
        return result
