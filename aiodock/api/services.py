"""docker-py's ``ServiceApiMixin``: services and tasks as dicts, over ``docker.services``
and ``docker.tasks``."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from ..errors import InvalidArgument
from ..services import Service, _registry_headers
from ..types.base import to_json
from ..types.swarm import ServiceSpec, networks, service_mode
from ..utils import Filters, TimeSpec
from .base import ApiBase, MappedStream


def merge_task_template(
    current: Mapping[str, Any], override: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``current`` with what ``override`` sets (values of ``None`` leave a field as it
    is), its ``ContainerSpec`` merged field by field, as docker-py's ``update_service``."""
    merged = copy.deepcopy(dict(current))
    for key, value in (override or {}).items():
        if key == "ContainerSpec":
            container = merged.setdefault("ContainerSpec", {})
            container.update({k: v for k, v in (value or {}).items() if v is not None})
        elif value is not None:
            merged[key] = value
    return merged


def _image_of(body: Mapping[str, Any]) -> str | None:
    image = (body.get("TaskTemplate") or {}).get("ContainerSpec", {}).get("Image")
    return str(image) if image else None


class ServiceApiMixin(ApiBase):
    """Create, inspect, update, list and remove services; their logs; list and inspect
    tasks."""

    async def create_service(
        self,
        task_template: Mapping[str, Any],
        name: str | None = None,
        labels: Mapping[str, str] | None = None,
        mode: Any = None,
        update_config: Mapping[str, Any] | None = None,
        networks: Sequence[Any] | None = None,
        endpoint_config: Any = None,
        endpoint_spec: Mapping[str, Any] | None = None,
        rollback_config: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a service from a task template (a dict or
        :class:`~aiodock.types.TaskTemplate`); the daemon's answer (``{"ID": ...}``, with
        ``Warnings`` when there are some). ``endpoint_config`` is ignored, as by docker-py.
        The image's registry credentials are sent as for pulls."""
        body = ServiceSpec(
            task_template,
            name=name,
            labels=labels,
            mode=mode or None,
            update_config=update_config,
            rollback_config=rollback_config,
            networks=networks,
            endpoint_spec=endpoint_spec,
        ).to_api()
        if _image_of(body) is None:
            raise InvalidArgument("task_template: ContainerSpec has no Image")
        return await self._docker.services._post_create(body, None)

    async def inspect_service(
        self, service: str, insert_defaults: bool | None = None
    ) -> dict[str, Any]:
        """The service's inspect data (``insert_defaults`` fills in default values)."""
        found = await self._docker.services.get(service, insert_defaults=bool(insert_defaults))
        return found.attrs

    async def inspect_task(self, task: str) -> dict[str, Any]:
        """The task's inspect data."""
        return (await self._docker.tasks.get(task)).attrs

    async def remove_service(self, service: str) -> bool:
        """Remove a service; ``True``."""
        await self._docker.services.remove(service)
        return True

    async def services(
        self, filters: Filters | None = None, status: bool | None = None
    ) -> list[dict[str, Any]]:
        """The services matching ``filters`` (``status`` adds ``ServiceStatus``, API 1.41)."""
        found = await self._docker.services.list(filters=filters, status=status)
        return [service.attrs for service in found]

    def service_logs(
        self,
        service: str,
        details: bool = False,
        follow: bool = False,
        stdout: bool = False,
        stderr: bool = False,
        since: TimeSpec = 0,
        timestamps: bool = False,
        tail: int | str = "all",
        is_tty: bool | None = None,
    ) -> MappedStream[bytes, bytes]:
        """The service's output as an async iterator of bytes (a frame's payload each,
        or raw chunks when the tasks have a TTY; ``is_tty=None`` inspects the service to
        know). Ask for ``stdout``, ``stderr`` or both."""
        docker = self._docker

        async def chunks() -> AsyncIterator[bytes]:
            if is_tty is None:
                handle = await docker.services.get(service)
            else:
                tty = {"TaskTemplate": {"ContainerSpec": {"TTY": is_tty}}}
                handle = Service(docker, {"ID": service, "Spec": tty})
            frames = handle.logs(
                stdout=stdout,
                stderr=stderr,
                follow=follow,
                since=since,
                timestamps=timestamps,
                tail=tail,
                details=details,
            )
            async with frames:
                async for frame in frames:
                    yield frame.data

        return MappedStream(chunks(), bytes)

    async def tasks(self, filters: Filters | None = None) -> list[dict[str, Any]]:
        """The tasks matching ``filters``."""
        return [task.attrs for task in await self._docker.tasks.list(filters=filters)]

    async def update_service(
        self,
        service: str,
        version: int,
        task_template: Mapping[str, Any] | None = None,
        name: str | None = None,
        labels: Mapping[str, str] | None = None,
        mode: Any = None,
        update_config: Mapping[str, Any] | None = None,
        networks: Sequence[Any] | None = None,
        endpoint_config: Any = None,
        endpoint_spec: Mapping[str, Any] | None = None,
        fetch_current_spec: bool = False,
        rollback_config: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Replace the service's spec, sent with its ``version``; the daemon's answer
        (``{"Warnings": [...]}``). With ``fetch_current_spec`` what is not given is kept
        from the current spec (the task template merged field by field), as docker-py."""
        current: dict[str, Any] = {}
        if fetch_current_spec:
            found = await self._docker.services.get(service, insert_defaults=True)
            current = found.spec
        template = None if task_template is None else to_json(task_template, "task_template")
        body: dict[str, Any] = {
            "Name": current.get("Name") if name is None else name,
            "Labels": current.get("Labels") if labels is None else labels,
            "Mode": current.get("Mode") if mode is None else service_mode(mode),
            "TaskTemplate": merge_task_template(current.get("TaskTemplate") or {}, template),
            "UpdateConfig": current.get("UpdateConfig")
            if update_config is None
            else to_json(update_config, "update_config"),
            "RollbackConfig": current.get("RollbackConfig")
            if rollback_config is None
            else to_json(rollback_config, "rollback_config"),
            "EndpointSpec": current.get("EndpointSpec")
            if endpoint_spec is None
            else to_json(endpoint_spec, "endpoint_spec"),
        }
        _set_networks(body, current, networks)
        image = _image_of(body)
        headers = await _registry_headers(self._docker, image, None) if image else None
        handle = Service(self._docker, {"ID": service})
        sent = {key: value for key, value in body.items() if value is not None}
        return await handle._send_update(sent, {"version": version}, headers)


def _set_networks(
    body: dict[str, Any], current: Mapping[str, Any], given: Sequence[Any] | None
) -> None:
    """The task template's networks: those given, else the current ones (the template's,
    or the deprecated top-level ``Networks``)."""
    template = body["TaskTemplate"]
    if given is not None:
        template["Networks"] = networks(given)
    elif template.get("Networks") is None:
        kept = (current.get("TaskTemplate") or {}).get("Networks") or current.get("Networks")
        if kept is not None:
            template["Networks"] = kept
