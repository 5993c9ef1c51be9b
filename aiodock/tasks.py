"""Swarm tasks (``docker.tasks``): the units a service's orchestrator schedules on nodes."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .decoders import StreamType
from .errors import NotFound
from .resource import Manager, Resource, path_id
from .streams import FrameStream
from .utils import AsyncClosing, Filters, TimeSpec, encode_filters, to_timestamp

if TYPE_CHECKING:
    from .client import Docker

_FILTERS = ("desired-state", "id", "label", "name", "node", "service")


def logs_params(
    *,
    stdout: bool,
    stderr: bool,
    follow: bool,
    since: TimeSpec | None,
    timestamps: bool,
    tail: int | str,
    details: bool,
) -> dict[str, Any]:
    """Query parameters of service and task logs."""
    from .errors import InvalidArgument

    if not (stdout or stderr):
        raise InvalidArgument("logs: ask for stdout, stderr or both")
    if tail != "all" and (isinstance(tail, bool) or not isinstance(tail, int) or tail < 0):
        raise InvalidArgument(f"tail: expected a line count or 'all', got {tail!r}")
    return {
        "stdout": stdout,
        "stderr": stderr,
        "follow": follow,
        "since": None if since is None else to_timestamp(since, name="since"),
        "timestamps": timestamps,
        "tail": str(tail),
        "details": details,
    }


class SwarmLogSource(Resource):
    """Base of :class:`Task` and :class:`~aiodock.services.Service`: handles whose output
    ``logs()`` reads from their inspect path followed by ``/logs``."""

    @property
    def tty(self) -> bool:
        """Whether the containers have a TTY (logs are then raw, not framed)."""
        raise NotImplementedError

    def logs(
        self,
        *,
        stdout: bool = True,
        stderr: bool = True,
        follow: bool = False,
        since: TimeSpec | None = None,
        timestamps: bool = False,
        tail: int | str = "all",
        details: bool = False,
    ) -> FrameStream:
        """The output of the task, or of every task of the service, as a
        :class:`~aiodock.streams.FrameStream` (frames unless the containers have a TTY)."""
        params = logs_params(
            stdout=stdout,
            stderr=stderr,
            follow=follow,
            since=since,
            timestamps=timestamps,
            tail=tail,
            details=details,
        )
        path = f"{self.inspect_path.format(id=path_id(self.id))}/logs"

        async def opener() -> Any:
            return await self._docker.transport.request("GET", path, params=params, stream=True)

        return FrameStream(self._docker, opener, tty=self.tty, what=f"GET {path}")

    def tagged_logs(
        self,
        *,
        stdout: bool = True,
        stderr: bool = True,
        follow: bool = False,
        since: TimeSpec | None = None,
        timestamps: bool = False,
        tail: int | str = "all",
        resolve: bool = True,
    ) -> TaggedLogStream:
        """The output as :class:`LogLine` objects, each tagged with the task and the node it
        came from (what ``docker service logs`` prints before each line): the lines of every
        task, on every node, in one stream. ``resolve`` looks up task and node names (one
        inspect per task or node first seen); without it only the ids are set."""
        frames = self.logs(
            stdout=stdout,
            stderr=stderr,
            follow=follow,
            since=since,
            timestamps=timestamps,
            tail=tail,
            details=True,
        )
        return TaggedLogStream(self._docker, frames, timestamps=timestamps, resolve=resolve)


@dataclass(frozen=True)
class LogLine:
    """A line of service or task logs with where it came from."""

    stream: StreamType
    text: str
    """The line, without its line end."""
    task_id: str
    node_id: str
    service_id: str
    task_name: str = ""
    """As the docker CLI names tasks: ``web.2`` (replicated) or ``web.<node id>`` (global)."""
    node_name: str = ""
    """The node's host name."""
    timestamp: str | None = None
    """The daemon's RFC 3339 timestamp (with ``timestamps=True``)."""
    details: dict[str, str] = field(default_factory=dict)
    """Other attributes the log driver attached (``--log-opt labels=/env=``)."""


_SWARM_ATTRS = {
    "com.docker.swarm.task.id": "task_id",
    "com.docker.swarm.node.id": "node_id",
    "com.docker.swarm.service.id": "service_id",
}


def parse_tagged(stream: StreamType, text: str, *, timestamps: bool) -> LogLine:
    """A log message read with ``details=true``: ``[timestamp ]k=v,k=v message``."""
    stamp = None
    if timestamps:
        stamp, _, text = text.partition(" ")
    attrs_text, _, message = text.partition(" ")
    tags: dict[str, str] = {}
    details: dict[str, str] = {}
    for pair in attrs_text.split(","):
        key, sep, value = pair.partition("=")
        if sep:
            key, value = unquote(key), unquote(value)
            if key in _SWARM_ATTRS:
                tags[_SWARM_ATTRS[key]] = value
            else:
                details[key] = value
    if message.endswith("\n"):
        message = message[:-1]
    return LogLine(
        stream,
        message[:-1] if message.endswith("\r") else message,
        task_id=tags.get("task_id", ""),
        node_id=tags.get("node_id", ""),
        service_id=tags.get("service_id", ""),
        timestamp=stamp,
        details=details,
    )


async def _messages(frames: FrameStream) -> AsyncGenerator[tuple[StreamType, str], None]:
    """Each log message once: a frame each, or a line each from a TTY's raw output."""
    if frames.tty:
        async for stream, line in frames.lines():
            yield stream, line
        return
    async for frame in frames:
        yield frame.stream, frame.data.decode("utf-8", "replace")


class TaggedLogStream(AsyncClosing):
    """What :meth:`SwarmLogSource.tagged_logs` returns: an async iterator of
    :class:`LogLine` and an async context manager; closing it closes the connection."""

    def __init__(
        self, docker: Docker, frames: FrameStream, *, timestamps: bool, resolve: bool
    ) -> None:
        self._docker = docker
        self._frames = frames
        self._messages = _messages(frames)
        self._timestamps = timestamps
        self._resolve = resolve
        self._task_names: dict[str, str] = {}
        self._node_names: dict[str, str] = {}
        self._service_names: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<TaggedLogStream of {self._frames!r}>"

    def __aiter__(self) -> TaggedLogStream:
        return self

    async def __anext__(self) -> LogLine:
        stream, text = await self._messages.__anext__()
        line = parse_tagged(stream, text, timestamps=self._timestamps)
        if not self._resolve:
            return line
        return LogLine(
            line.stream,
            line.text,
            line.task_id,
            line.node_id,
            line.service_id,
            task_name=await self._task_name(line.task_id, line.service_id),
            node_name=await self._node_name(line.node_id),
            timestamp=line.timestamp,
            details=line.details,
        )

    @staticmethod
    async def _inspect(get: Callable[[str], Awaitable[Resource]], ident: str) -> dict[str, Any]:
        try:
            return (await get(ident)).attrs
        except NotFound:  # gone already (a removed node, a pruned task)
            return {}

    async def _node_name(self, node_id: str) -> str:
        if node_id and node_id not in self._node_names:
            node = await self._inspect(self._docker.nodes.get, node_id)
            self._node_names[node_id] = node.get("Description", {}).get("Hostname", "")
        return self._node_names.get(node_id, "")

    async def _task_name(self, task_id: str, service_id: str) -> str:
        if not task_id or task_id in self._task_names:
            return self._task_names.get(task_id, "")
        task = await self._inspect(self._docker.tasks.get, task_id)
        if service_id and service_id not in self._service_names:
            service = await self._inspect(self._docker.services.get, service_id)
            self._service_names[service_id] = service.get("Spec", {}).get("Name", "")
        service_name = self._service_names.get(service_id) or service_id
        slot = task.get("Slot") or task.get("NodeID") or ""
        self._task_names[task_id] = f"{service_name}.{slot}" if slot else service_name
        return self._task_names[task_id]

    async def close(self) -> None:
        """Close the connection (the stream ends)."""
        await self._messages.aclose()
        await self._frames.close()


class Task(SwarmLogSource):
    """A task: one slot of a service on one node, with its container's status."""

    inspect_path = "/tasks/{id}"

    def __repr__(self) -> str:
        return f"<Task: {self.short_id} {self.state}>"

    @property
    def name(self) -> str:
        """The task's name (absent on some daemons; then empty)."""
        return str(self.attrs.get("Name", ""))

    @property
    def service_id(self) -> str:
        """The id of the service the task belongs to."""
        return str(self.attrs.get("ServiceID", ""))

    @property
    def node_id(self) -> str:
        """The id of the node it is assigned to (empty until scheduled)."""
        return str(self.attrs.get("NodeID", ""))

    @property
    def slot(self) -> int | None:
        """The replica slot (replicated services)."""
        slot = self.attrs.get("Slot")
        return int(slot) if slot is not None else None

    @property
    def state(self) -> str:
        """The current state: ``pending``, ``running``, ``complete``, ``failed``, ..."""
        return str(self.attrs.get("Status", {}).get("State", ""))

    @property
    def desired_state(self) -> str:
        """The state the orchestrator wants the task in."""
        return str(self.attrs.get("DesiredState", ""))

    @property
    def error(self) -> str | None:
        """Why the task failed or was rejected, if it did."""
        return self.attrs.get("Status", {}).get("Err") or None

    @property
    def message(self) -> str:
        """The status message."""
        return str(self.attrs.get("Status", {}).get("Message", ""))

    @property
    def container_id(self) -> str | None:
        """The id of the task's container, once created."""
        status = self.attrs.get("Status", {}).get("ContainerStatus") or {}
        return status.get("ContainerID") or None

    @property
    def exit_code(self) -> int | None:
        """The container's exit code, once it exited."""
        status = self.attrs.get("Status", {}).get("ContainerStatus") or {}
        code = status.get("ExitCode")
        return int(code) if code is not None else None

    @property
    def tty(self) -> bool:
        """Whether the task's container has a TTY (its logs are then raw, not framed)."""
        return bool(self.attrs.get("Spec", {}).get("ContainerSpec", {}).get("TTY"))


class TaskManager(Manager):
    """List and inspect swarm tasks (``docker.tasks``)."""

    async def get(self, task_id: str) -> Task:
        """The task with this id."""
        task = Task(self._docker, {"ID": task_id})
        await task.reload()
        return task

    async def list(self, *, filters: Filters | None = None) -> list[Task]:
        """Tasks matching ``filters`` (``desired-state``, ``id``, ``label``, ``name``,
        ``node``, ``service``)."""
        params = {"filters": encode_filters(filters, allowed=_FILTERS)}
        items = await self._docker.transport.json("GET", "/tasks", params=params)
        return [Task(self._docker, attrs) for attrs in items or []]
