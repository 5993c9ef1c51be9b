"""Swarm tasks (``docker.tasks``): the units a service's orchestrator schedules on nodes."""

from __future__ import annotations

from typing import Any

from .resource import Manager, Resource, path_id
from .streams import FrameStream
from .utils import Filters, TimeSpec, encode_filters, to_timestamp

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
        attrs = await self._docker.transport.json("GET", f"/tasks/{path_id(task_id)}")
        return Task(self._docker, attrs)

    async def list(self, *, filters: Filters | None = None) -> list[Task]:
        """Tasks matching ``filters`` (``desired-state``, ``id``, ``label``, ``name``,
        ``node``, ``service``)."""
        params = {"filters": encode_filters(filters, allowed=_FILTERS)}
        items = await self._docker.transport.json("GET", "/tasks", params=params)
        return [Task(self._docker, attrs) for attrs in items or []]
