"""Swarm services (``docker.services``): create, list, inspect, update, scale, roll back,
remove, read logs, and wait until a service has converged."""

from __future__ import annotations

import asyncio
import builtins
import copy
import dataclasses
import time
from collections.abc import AsyncIterator, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .errors import (
    DockerTimeoutError,
    InvalidArgument,
    NotFound,
    ServiceNotConverged,
    ServiceRolledBack,
)
from .images import Image, image_reference
from .resource import Manager, path_id
from .swarm import versioned
from .tasks import SwarmLogSource, Task
from .types.base import to_json
from .types.swarm import (
    ContainerSpec,
    DriverConfig,
    Placement,
    ServiceMode,
    ServiceSpec,
    networks,
    restart_policy,
    service_mode,
)
from .utils import Filters, encode_filters, string_map, version_tuple

if TYPE_CHECKING:
    from .client import Docker

_FILTERS = ("id", "label", "mode", "name")

# Keyword arguments of create/update (docker-py's names), by the part of the spec they set.
_CONTAINER_ARGS = frozenset(
    {
        "args",
        "cap_add",
        "cap_drop",
        "command",
        "configs",
        "container_labels",
        "dns_config",
        "env",
        "groups",
        "healthcheck",
        "hostname",
        "hosts",
        "image",
        "init",
        "isolation",
        "mounts",
        "open_stdin",
        "privileges",
        "read_only",
        "secrets",
        "stop_grace_period",
        "stop_signal",
        "sysctls",
        "tty",
        "ulimits",
        "user",
        "workdir",
    }
)
_PLACEMENT_ARGS = frozenset({"constraints", "preferences", "platforms", "maxreplicas"})
_TEMPLATE_ARGS = frozenset(
    {
        "force_update",
        "log_driver",
        "log_driver_options",
        "networks",
        "placement",
        "resources",
        "restart_policy",
    }
)
_SERVICE_ARGS = frozenset(
    {"endpoint_spec", "labels", "mode", "name", "replicas", "rollback_config", "update_config"}
)
SERVICE_KWARGS = _CONTAINER_ARGS | _PLACEMENT_ARGS | _TEMPLATE_ARGS | _SERVICE_ARGS
"""Every keyword argument ``services.create`` and ``Service.update`` understand."""

_FAILED_STATES = ("failed", "rejected")
# How long a service must want no task at all before that counts as converged.
_SETTLE = 1.0
# States of a task that still runs, or is on its way to, as far as its node last reported.
_LIVE_STATES = ("assigned", "accepted", "preparing", "ready", "starting", "running")


def apply_service_kwargs(
    spec: Mapping[str, Any], kwargs: Mapping[str, Any], *, updating: bool
) -> dict[str, Any]:
    """``spec`` (an Engine API ``ServiceSpec``) with the changes that docker-py-style
    keyword arguments describe; values of ``None`` leave a field as it is."""
    unknown = sorted(set(kwargs) - SERVICE_KWARGS)
    if unknown:
        raise InvalidArgument(f"unknown service argument(s): {', '.join(unknown)}")
    given = {key: value for key, value in kwargs.items() if value is not None}
    body = copy.deepcopy(dict(spec))
    template: dict[str, Any] = body.setdefault("TaskTemplate", {})
    container: dict[str, Any] = template.setdefault("ContainerSpec", {})

    container_args = {key: given[key] for key in _CONTAINER_ARGS if key in given}
    if container_args:
        if "container_labels" in container_args:
            container_args["labels"] = container_args.pop("container_labels")
        image = container_args.pop("image", None)
        image = image_reference(image, by_name=True) if image else container.get("Image")
        if not image:
            raise InvalidArgument("image: a service needs an image")
        container.update(ContainerSpec(image=image, **container_args).to_api())
    if not container.get("Image"):
        raise InvalidArgument("image: a service needs an image")

    if "placement" in given:
        placement = given["placement"]
        if not isinstance(placement, (Placement, Mapping)):
            placement = Placement(constraints=list(placement))
        template["Placement"] = to_json(placement, "placement")
    placement_args = {key: given[key] for key in _PLACEMENT_ARGS if key in given}
    if placement_args:
        current = template.get("Placement") or {}
        template["Placement"] = {**current, **Placement(**placement_args).to_api()}
    if "resources" in given:
        template["Resources"] = to_json(given["resources"], "resources")
    if "restart_policy" in given:
        template["RestartPolicy"] = restart_policy(given["restart_policy"])
    if "log_driver" in given:
        driver = given["log_driver"]
        if isinstance(driver, str):
            driver = DriverConfig(driver, given.get("log_driver_options"))
        template["LogDriver"] = to_json(driver, "log_driver")
    elif "log_driver_options" in given:
        raise InvalidArgument("log_driver_options: give log_driver too")
    if "networks" in given:
        template["Networks"] = networks(given["networks"])
        body.pop("Networks", None)
    if "force_update" in given:
        force = given["force_update"]
        if isinstance(force, bool):
            if force:
                template["ForceUpdate"] = int(template.get("ForceUpdate") or 0) + 1
        elif isinstance(force, int) and force >= 0:
            template["ForceUpdate"] = force
        else:
            raise InvalidArgument(f"force_update: expected True or a counter, got {force!r}")

    if "name" in given:
        body["Name"] = given["name"]
    if "labels" in given:
        body["Labels"] = string_map(given["labels"], "labels")
    if "mode" in given:
        body["Mode"] = service_mode(given["mode"])
    if "replicas" in given:
        _set_replicas(body, given["replicas"])
    if "update_config" in given:
        body["UpdateConfig"] = to_json(given["update_config"], "update_config")
    if "rollback_config" in given:
        body["RollbackConfig"] = to_json(given["rollback_config"], "rollback_config")
    if "endpoint_spec" in given:
        body["EndpointSpec"] = to_json(given["endpoint_spec"], "endpoint_spec")
    if not updating and "Mode" not in body:
        body["Mode"] = {"Replicated": {"Replicas": 1}}
    return body


def _set_replicas(body: dict[str, Any], replicas: Any) -> None:
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise InvalidArgument(f"replicas: expected a non-negative integer, got {replicas!r}")
    mode = body.get("Mode") or {"Replicated": {}}
    if "ReplicatedJob" in mode:
        mode["ReplicatedJob"] = {**(mode["ReplicatedJob"] or {}), "TotalCompletions": replicas}
    elif "Replicated" in mode:
        mode["Replicated"] = {**(mode["Replicated"] or {}), "Replicas": replicas}
    else:
        kind = ServiceMode.from_dict(mode).mode
        raise InvalidArgument(f"replicas: a {kind} service has no replica count")
    body["Mode"] = mode


def _spec_json(spec: ServiceSpec | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(spec, ServiceSpec):
        return spec.to_api()
    if isinstance(spec, Mapping):
        return copy.deepcopy(dict(spec))
    raise InvalidArgument(f"spec: expected a ServiceSpec or a dict, got {spec!r}")


async def _registry_headers(
    docker: Docker, image: str, auth_config: Mapping[str, str] | None
) -> dict[str, str]:
    """The ``X-Registry-Auth`` header for pulling ``image`` (as for ``images.pull``)."""
    from .auth import auth_header_for

    header = await auth_header_for(image, auth_config, docker=docker)
    return {"X-Registry-Auth": header} if header else {}


async def _resolve_references(docker: Docker, kwargs: dict[str, Any]) -> None:
    """``secrets=``/``configs=`` given by name, id or handle, as references."""
    for key, manager in (("secrets", docker.secrets), ("configs", docker.configs)):
        items = kwargs.get(key)
        if items is None:
            continue
        if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
            raise InvalidArgument(
                f"{key}: expected a list of names, ids, handles or references, got {items!r}"
            )
        kwargs[key] = [await manager.as_reference(item) for item in items]


async def resolve_spec_references(docker: Docker, body: dict[str, Any]) -> None:
    """Secrets and configs of a service spec's ``ContainerSpec`` given by name or id (a
    typed ``ContainerSpec(secrets=["name"])`` keeps them so) as references, in place."""
    container = (body.get("TaskTemplate") or {}).get("ContainerSpec") or {}
    for key, manager in (("Secrets", docker.secrets), ("Configs", docker.configs)):
        items = container.get(key)
        if isinstance(items, list) and any(isinstance(item, str) for item in items):
            container[key] = [
                to_json(await manager.as_reference(item), key.lower())
                if isinstance(item, str)
                else item
                for item in items
            ]


def _warnings(answer: Any) -> list[str]:
    if not isinstance(answer, Mapping):
        return []
    found = answer.get("Warnings") or answer.get("Warning") or []
    return [found] if isinstance(found, str) else [str(item) for item in found]


def _normalized(value: Any) -> Any:
    """A spec without empty fields, to compare a task's spec with its service's template."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            item = _normalized(item)
            if item not in (None, {}, [], "", 0, False) and key != "Runtime":
                out[key] = item
        return out
    if isinstance(value, list):
        return [_normalized(item) for item in value]
    return value


def _parse_time(text: str | None) -> float:
    """An RFC 3339 timestamp with nanoseconds, as a Unix time (0 when absent)."""
    if not text:
        return 0.0
    head, _, rest = text.partition(".")
    if rest:
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{zone}"
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


class Service(SwarmLogSource):
    """A swarm service. ``attrs`` is the daemon's inspect data as last read; updates send
    its version, so a service changed by someone else in between is not overwritten."""

    inspect_path = "/services/{id}"

    def __init__(self, docker: Docker, attrs: dict[str, Any]) -> None:
        super().__init__(docker, attrs)
        self.warnings: list[str] = []
        """Warnings of the last create or update."""

    def __repr__(self) -> str:
        return f"<Service: {self.short_id} {self.name!r}>"

    @property
    def name(self) -> str:
        """The service's name."""
        return str(self.spec.get("Name", ""))

    @property
    def spec(self) -> dict[str, Any]:
        """The service's spec as last read (a copy: change it and pass it to :meth:`update`)."""
        return copy.deepcopy(self.attrs.get("Spec") or {})

    @property
    def version(self) -> int:
        """The service's version index as last read, sent with updates."""
        return int(self.attrs.get("Version", {}).get("Index", 0))

    @property
    def labels(self) -> dict[str, str]:
        """The service's labels."""
        return dict(self.attrs.get("Spec", {}).get("Labels") or {})

    @property
    def mode(self) -> ServiceMode:
        """The scheduling mode, with the replica count where there is one."""
        return ServiceMode.from_dict(self.attrs.get("Spec", {}).get("Mode") or {})

    @property
    def image(self) -> str:
        """The image the tasks run."""
        container = self.attrs.get("Spec", {}).get("TaskTemplate", {}).get("ContainerSpec", {})
        return str(container.get("Image", ""))

    @property
    def tty(self) -> bool:
        """Whether the tasks' containers have a TTY (logs are then raw, not framed)."""
        container = self.attrs.get("Spec", {}).get("TaskTemplate", {}).get("ContainerSpec", {})
        return bool(container.get("TTY"))

    @property
    def update_status(self) -> dict[str, Any]:
        """The state of the last update or rollback (``{}`` when there was none)."""
        return dict(self.attrs.get("UpdateStatus") or {})

    async def update(
        self,
        spec: ServiceSpec | Mapping[str, Any] | None = None,
        *,
        auth_config: Mapping[str, str] | None = None,
        registry_auth_from: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Change the service; returns the daemon's answer, as docker-py does:
        ``{"Warnings": [...]}`` (never empty; the list is also in ``service.warnings``).

        Keywords (as for ``services.create``: ``env=``, ``image=``, ``replicas=``,
        ``force_update=True``, ...) change only what they name in the spec as last read; a
        ``spec`` replaces the whole spec. The version last read is sent: if the service
        changed since, :class:`~aiodock.swarm.OutOfSequence` is raised (reload and retry).
        """
        base = _spec_json(spec) if spec is not None else self.spec
        await _resolve_references(self._docker, kwargs)
        body = apply_service_kwargs(base, kwargs, updating=True)
        if registry_auth_from not in (None, "spec", "previous-spec"):
            raise InvalidArgument(
                f"registry_auth_from: {registry_auth_from!r} is not 'spec' or 'previous-spec'"
            )
        image = body["TaskTemplate"]["ContainerSpec"]["Image"]
        headers = await _registry_headers(self._docker, image, auth_config)
        params = {
            "version": self.version,
            "registryAuthFrom": None if headers else registry_auth_from,
        }
        return await self._send_update(body, params, headers)

    async def _send_update(
        self, body: dict[str, Any], params: dict[str, Any], headers: dict[str, str] | None
    ) -> dict[str, Any]:
        await resolve_spec_references(self._docker, body)
        answer = await versioned(
            self._docker.transport.json(
                "POST",
                f"/services/{path_id(self.id)}/update",
                params=params,
                json=body,
                headers=headers or None,
            ),
            f"service {self.name!r}",
        )
        self.warnings = _warnings(answer)
        await self.reload()
        return {**(answer if isinstance(answer, Mapping) else {}), "Warnings": self.warnings}

    async def scale(self, replicas: int) -> dict[str, Any]:
        """Set the replica count (replicated services; completions for replicated jobs)."""
        return await self.update(replicas=replicas)

    async def force_update(self) -> dict[str, Any]:
        """Recreate every task even though the spec did not change (answers as
        :meth:`update`)."""
        return await self.update(force_update=True)

    async def rollback(self) -> dict[str, Any]:
        """Go back to the spec before the last update (a daemon-side rollback)."""
        params = {"version": self.version, "rollback": "previous"}
        return await self._send_update(self.spec, params, None)

    async def remove(self) -> None:
        """Delete the service; its tasks are shut down."""
        await self._docker.transport.call("DELETE", f"/services/{path_id(self.id)}")

    async def tasks(self, *, filters: Filters | None = None) -> list[Task]:
        """This service's tasks (all, including finished ones kept in history)."""
        return await self._docker.tasks.list(filters={**(filters or {}), "service": self.id})

    def convergence(
        self, timeout: float | None = 60.0, *, interval: float = 0.25, tolerate_failures: int = 0
    ) -> Convergence:
        """Follow the service until it has converged: ``await`` it for the running tasks
        (as :meth:`wait_converged`), or ``async for`` it for a
        :class:`ConvergenceProgress` each time something changed (tasks updated, moved,
        lost with a node that went down, ...), the last one with ``converged`` set."""
        return Convergence(self, timeout, interval=interval, tolerate_failures=tolerate_failures)

    async def wait_converged(
        self, timeout: float | None = 60.0, *, interval: float = 0.25, tolerate_failures: int = 0
    ) -> list[Task]:
        """Wait until the service has converged; return its running tasks (the completed
        ones of the current run for jobs).

        Converged means: every desired task runs the current spec on a node that is up and
        nothing else runs (replicated and global services, with no update in progress), or
        the job's tasks have completed (``replicated-job``: the wanted number of
        completions; ``global-job``: every node's task). Tasks last seen on a node that is
        down do not count: the orchestrator replaces them. Raises
        :class:`~aiodock.swarm.ServiceNotConverged` with the tasks' errors when more than
        ``tolerate_failures`` tasks failed or were rejected since the last change of the
        service (failures during an update are left to its ``failure_action``), or when an
        update paused; :class:`~aiodock.errors.ServiceRolledBack` once an update whose tasks
        failed was rolled back (``failure_action="rollback"``) and the service runs its
        previous spec again (a rollback asked for with :meth:`rollback` just converges);
        :class:`~aiodock.errors.DockerTimeoutError` after ``timeout`` seconds.
        """
        return await self.convergence(
            timeout, interval=interval, tolerate_failures=tolerate_failures
        )

    async def _look(self, tolerate_failures: int) -> tuple[ConvergenceProgress, list[Task]]:
        """One look at the service, its tasks and the nodes: the progress and the tasks
        that count (running, or completed for jobs)."""
        version = await self._docker.negotiate_version()
        with_status = version_tuple(version) >= (1, 41)
        listed = await self._docker.services._list({"id": self.id}, with_status or None)
        found = [item for item in listed if item.get("ID") == self.id]
        if not found:
            raise NotFound(404, f"service {self.name or self.id!r} no longer exists")
        self.attrs = found[0]
        tasks = [task.attrs for task in await self._docker.tasks.list(filters={"service": self.id})]
        nodes = [node.attrs for node in await self._docker.nodes.list()]
        hostnames = {n.get("ID"): n.get("Description", {}).get("Hostname", "") for n in nodes}
        down = {n.get("ID") for n in nodes if n.get("Status", {}).get("State") == "down"}
        spec = self.attrs.get("Spec", {})
        mode = ServiceMode.from_dict(spec.get("Mode") or {})
        template = _normalized(spec.get("TaskTemplate") or {})
        current = [t for t in tasks if _normalized(t.get("Spec") or {}) == template]
        if mode.mode.endswith("-job"):
            job = (self.attrs.get("JobStatus") or {}).get("JobIteration") or {}
            iteration = job.get("Index", 0)
            current = [
                t for t in current if (t.get("JobIteration") or {}).get("Index", 0) == iteration
            ]
        update = self.update_status
        update_state = str(update.get("State") or "")
        since = _parse_time(self.attrs.get("UpdatedAt") or self.attrs.get("CreatedAt"))
        if update_state.startswith("rollback"):  # the failures that caused it
            since = min(since, _parse_time(update.get("StartedAt")) or since)
            candidates = tasks
        else:
            candidates = current
        failed = [
            t
            for t in candidates
            if t.get("Status", {}).get("State") in _FAILED_STATES
            and _parse_time(t.get("Status", {}).get("Timestamp")) >= since - 1.0
        ]
        errors = [
            f"task {t.get('ID', '')[:12]} ({t['Status']['State']}): "
            f"{t['Status'].get('Err') or t['Status'].get('Message') or 'no error given'}"
            for t in failed
        ]
        if update_state in ("paused", "rollback_paused"):
            detail = "; ".join(errors) or "no task errors reported"
            raise ServiceNotConverged(
                f"service {self.name!r}: {update_state.replace('_', ' ')}: "
                f"{update.get('Message', '')} ({detail})",
                tasks=failed,
                errors=errors,
            )
        in_update = update_state in ("updating", "rollback_started")
        if not in_update and not update_state.startswith("rollback"):
            if len(failed) > tolerate_failures:
                raise ServiceNotConverged(
                    f"service {self.name!r}: {len(failed)} task(s) failed: " + "; ".join(errors),
                    tasks=failed,
                    errors=errors,
                )
        lost = [
            t
            for t in tasks
            if t.get("NodeID") in down and t.get("Status", {}).get("State") in _LIVE_STATES
        ]
        live = [t for t in tasks if t.get("NodeID") not in down]
        done, counted, running, wanted = self._judge(mode, live, current, in_update)
        current_ids = {t.get("ID") for t in current}
        by_node: dict[str, int] = {}
        for t in counted:
            if t.get("ID") in current_ids:
                name = hostnames.get(t.get("NodeID")) or str(t.get("NodeID", ""))
                by_node[name] = by_node.get(name, 0) + 1
        progress = ConvergenceProgress(
            running=running,
            wanted=wanted,
            updated=sum(by_node.values()),
            update_state=update_state,
            nodes=by_node,
            lost_tasks=tuple(sorted(str(t.get("ID", "")) for t in lost)),
            down_nodes=tuple(sorted({hostnames.get(t.get("NodeID")) or "" for t in lost})),
            errors=tuple(errors),
            converged=done,
            job=mode.mode.endswith("-job"),
        )
        if done and update_state == "rollback_completed" and errors:
            raise ServiceRolledBack(
                f"service {self.name!r}: the update was rolled back "
                f"({update.get('Message') or 'no message'}); the previous spec runs again"
                + (": " + "; ".join(errors) if errors else ""),
                tasks=failed,
                errors=errors,
                progress=progress,
            )
        return progress, [Task(self._docker, attrs) for attrs in counted]

    def _judge(
        self,
        mode: ServiceMode,
        tasks: list[dict[str, Any]],
        current: list[dict[str, Any]],
        updating: bool,
    ) -> tuple[bool, list[dict[str, Any]], int, int]:
        """(converged, the tasks that count, how many count, how many are wanted)."""
        if mode.mode.endswith("-job"):
            completed = [t for t in current if t.get("Status", {}).get("State") == "complete"]
            if mode.mode == "replicated-job":
                wanted = mode.replicas or mode.concurrency or 1
                done = len(completed) >= wanted
            else:
                active = [t for t in current if t.get("DesiredState") != "shutdown"]
                wanted = len(active)
                done = bool(active) and len(completed) >= len(active)
            return done, completed, len(completed), wanted
        running = [t for t in tasks if t.get("Status", {}).get("State") == "running"]
        if mode.mode == "replicated":
            wanted = mode.replicas or 0
        else:
            status = self.attrs.get("ServiceStatus") or {}
            desired = status.get("DesiredTasks")
            if desired is None:
                desired = sum(t.get("DesiredState") == "running" for t in current)
            wanted = int(desired)
        current_ids = {t.get("ID") for t in current}
        settled = all(
            t.get("ID") in current_ids and t.get("DesiredState") == "running" for t in running
        )
        done = len(running) == wanted and settled and not updating
        return done, running, len(running), wanted


@dataclass(frozen=True)
class ConvergenceProgress:
    """One look at a service on its way to its desired state."""

    running: int
    """Tasks running on nodes that are up (completed tasks of the current run, for jobs)."""
    wanted: int
    """How many are wanted (replicas, eligible nodes, completions)."""
    updated: int
    """Of those, how many run the current spec."""
    update_state: str
    """``UpdateStatus.State``: ``updating``, ``completed``, ``rollback_started``,
    ``rollback_completed``, ... (empty when the service was never updated)."""
    nodes: dict[str, int]
    """Tasks of the current spec by node host name."""
    lost_tasks: tuple[str, ...] = ()
    """Ids of tasks last seen running on a node that is now down (the orchestrator
    replaces them)."""
    down_nodes: tuple[str, ...] = ()
    """Host names of the down nodes those tasks were on."""
    errors: tuple[str, ...] = ()
    """Failed or rejected tasks since the last change, with their errors."""
    converged: bool = False
    job: bool = False

    @property
    def summary(self) -> str:
        """The progress in words: ``"2 of 3 tasks running, update updating; ..."``."""
        verb = "completed" if self.job else "running"
        text = f"{self.running} of {self.wanted} tasks {verb}"
        if self.update_state in ("updating", "rollback_started"):
            text += f", {self.updated} on the current spec"
            text += f", update {self.update_state.replace('_', ' ')}"
        if self.lost_tasks:
            text += (
                f"; {len(self.lost_tasks)} task(s) lost with down node(s) "
                f"{', '.join(self.down_nodes)}"
            )
        if self.errors:
            text += "; " + "; ".join(self.errors)
        return text


class Convergence:
    """What :meth:`Service.convergence` returns: awaitable for the tasks that count once
    the service converged, async-iterable for its :class:`ConvergenceProgress`."""

    def __init__(
        self, service: Service, timeout: float | None, *, interval: float, tolerate_failures: int
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise InvalidArgument(f"timeout: expected a positive number of seconds, got {timeout}")
        if interval <= 0:
            raise InvalidArgument(
                f"interval: expected a positive number of seconds, got {interval}"
            )
        self.service = service
        self.timeout = timeout
        self.interval = interval
        self.tolerate_failures = tolerate_failures
        self.tasks: list[Task] = []
        """The tasks that count, once converged."""

    def __repr__(self) -> str:
        return f"<Convergence of {self.service!r}>"

    def __aiter__(self) -> AsyncIterator[ConvergenceProgress]:
        return self._follow()

    async def _follow(self) -> AsyncIterator[ConvergenceProgress]:
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        last: ConvergenceProgress | None = None
        nothing_since: float | None = None
        while True:
            progress, tasks = await self.service._look(self.tolerate_failures)
            if progress.converged and not progress.wanted and not progress.job:
                # A global service wants no task until its orchestrator made them: believe
                # "nothing wanted" only once it held for a moment.
                nothing_since = nothing_since or time.monotonic()
                if time.monotonic() - nothing_since < _SETTLE:
                    progress = dataclasses.replace(progress, converged=False)
            else:
                nothing_since = None
            if progress != last:
                last = progress
                yield progress
            if progress.converged:
                self.tasks = tasks
                return
            if deadline is not None and time.monotonic() + self.interval > deadline:
                raise DockerTimeoutError(
                    f"service {self.service.name!r} did not converge within {self.timeout}s: "
                    f"{progress.summary}"
                )
            await asyncio.sleep(self.interval)

    async def _wait(self) -> list[Task]:
        async for _ in self._follow():
            pass
        return self.tasks

    def __await__(self) -> Generator[Any, None, list[Task]]:
        return self._wait().__await__()


class ServiceManager(Manager):
    """Create, list, inspect and remove swarm services (``docker.services``)."""

    async def create(
        self,
        image: str | Image | None = None,
        command: str | Sequence[str] | None = None,
        *,
        spec: ServiceSpec | Mapping[str, Any] | None = None,
        auth_config: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Service:
        """Create a service from a typed ``spec`` (:class:`~aiodock.types.ServiceSpec` or
        an Engine API dict), or from docker-py's keyword arguments: ``image``, ``command``,
        ``args``, ``env``, ``name``, ``labels``, ``mode``, ``replicas``, ``mounts``,
        ``secrets``, ``configs``, ``constraints``, ``resources``, ``restart_policy``,
        ``update_config``, ``endpoint_spec``, ``networks``, ... (keywords lay over
        ``spec``). ``secrets`` and ``configs`` take names, ids or handles (each a file named
        after it: ``/run/secrets/<name>`` for a secret, as the docker CLI mounts it) as well
        as typed references. Registry credentials for the image are sent as for pulls
        (``auth_config``, else the docker CLI's configuration)."""
        if image is not None:
            kwargs["image"] = image
        if command is not None:
            kwargs["command"] = command
        base = _spec_json(spec) if spec is not None else {}
        await _resolve_references(self._docker, kwargs)
        body = apply_service_kwargs(base, kwargs, updating=False)
        answer = await self._post_create(body, auth_config)
        service = await self.get(answer["ID"])
        service.warnings = _warnings(answer)
        return service

    async def _post_create(
        self, body: dict[str, Any], auth_config: Mapping[str, str] | None
    ) -> dict[str, Any]:
        """The create request, with the registry credentials for the spec's image; the
        daemon's answer (``{"ID": ..., "Warnings": ...}``)."""
        await resolve_spec_references(self._docker, body)
        image_name = body["TaskTemplate"]["ContainerSpec"]["Image"]
        headers = await _registry_headers(self._docker, image_name, auth_config)
        answer: dict[str, Any] = await self._docker.transport.json(
            "POST", "/services/create", json=body, headers=headers or None
        )
        return answer

    async def get(self, service_id: str, *, insert_defaults: bool = False) -> Service:
        """The service with this id or name (``insert_defaults`` fills in default values)."""
        attrs = await self._docker.transport.json(
            "GET",
            f"/services/{path_id(service_id)}",
            params={"insertDefaults": insert_defaults or None},
        )
        return Service(self._docker, attrs)

    async def list(
        self, *, filters: Filters | None = None, status: bool | None = None
    ) -> list[Service]:
        """Services matching ``filters`` (``id``, ``label``, ``mode``, ``name``); ``status``
        adds running/desired task counts as ``attrs["ServiceStatus"]`` (API 1.41)."""
        if status:
            await self._docker.transport.require_version("1.41", "services.list(status=True)")
        return [Service(self._docker, attrs) for attrs in await self._list(filters, status)]

    async def _list(
        self, filters: Filters | None, status: bool | None
    ) -> builtins.list[dict[str, Any]]:
        """The list request (``status`` unchecked against the API version)."""
        params = {"filters": encode_filters(filters, allowed=_FILTERS), "status": status}
        items: builtins.list[dict[str, Any]] = await self._docker.transport.json(
            "GET", "/services", params=params
        )
        return items or []

    async def remove(self, service_id: str) -> None:
        """Delete the service with this id or name."""
        await Service(self._docker, {"ID": service_id}).remove()

    async def wait_converged(
        self,
        service: Service | str,
        timeout: float | None = 60.0,
        *,
        interval: float = 0.25,
        tolerate_failures: int = 0,
    ) -> builtins.list[Task]:
        """:meth:`Service.wait_converged` for a service handle, id or name."""
        if not isinstance(service, Service):
            service = await self.get(service)
        return await service.wait_converged(
            timeout, interval=interval, tolerate_failures=tolerate_failures
        )

    async def convergence(
        self,
        service: Service | str,
        timeout: float | None = 60.0,
        *,
        interval: float = 0.25,
        tolerate_failures: int = 0,
    ) -> Convergence:
        """:meth:`Service.convergence` for a service handle, id or name."""
        if not isinstance(service, Service):
            service = await self.get(service)
        return service.convergence(timeout, interval=interval, tolerate_failures=tolerate_failures)
