"""docker-py's ``ContainerApiMixin``, awaitable: each method calls the container manager or
a :class:`~aiodock.containers.Container` handle and gives docker-py's shape back."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, overload

from ..containers import Container
from ..errors import InvalidArgument
from ..process import ProcessStarter, attach_container
from ..streams import FrameStream
from . import _config
from ._convert import (
    DEFAULT_DATA_CHUNK_SIZE,
    ChunkOutput,
    JSONOutput,
    OutputStream,
    as_body,
    resource_id,
)
from .base import ApiBase

if TYPE_CHECKING:
    from ..client import Docker

__all__ = ["ContainerApiMixin"]

_PORT_PROTOCOLS = ("tcp", "udp", "sctp")
_NOT_IN_BODY = frozenset({"self", "name", "use_config_proxy", "platform"})


def _handle(docker: Docker, container: Any) -> Container:
    return Container(docker, {"Id": resource_id(container, "container")})


def _log_time(value: Any, name: str) -> Any:
    """docker-py's ``since``/``until``: a datetime or a positive number of seconds."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return value
    raise InvalidArgument(f"{name}: expected a datetime or a positive int/float, not {value!r}")


class ContainerApiMixin(ApiBase):
    """Containers: create, inspect, list, start/stop, logs, attach, archives, ..."""

    # --- attach and logs ------------------------------------------------------------

    def attach(
        self,
        container: Any,
        stdout: bool = True,
        stderr: bool = True,
        stream: bool = False,
        logs: bool = False,
        demux: bool = False,
    ) -> OutputStream:
        """Attach to the container's output. Awaited: the output as bytes (``(stdout,
        stderr)`` with ``demux``) until the attach ends (with ``stream=False``: the logs so
        far, or nothing); iterated: chunks as they come (pairs with ``demux``)."""
        docker = self._docker
        ident = resource_id(container, "container")

        async def source() -> tuple[FrameStream, Any] | None:
            if not stream and not logs:  # nothing to attach to: the daemon sends nothing
                await docker.containers.get(ident)  # (but a missing container is an error)
                return None
            process = await attach_container(
                docker, ident, stdout=stdout, stderr=stderr, logs=logs, stream=stream
            )
            return process.output, process.close

        return OutputStream(source, demux=demux)

    def attach_socket(
        self, container: Any, params: Mapping[str, Any] | None = None, ws: bool = False
    ) -> ProcessStarter:
        """Attach as a :class:`~aiodock.process.Process` (await it, or ``async with`` it):
        ``params`` are the attach query's (``stdin``, ``stdout``, ``stderr``, ``stream``,
        ``logs``, ``detachKeys``; default stdout, stderr and stream). No websockets."""
        if ws:
            raise InvalidArgument("ws: aiodock attaches over the HTTP connection, not websockets")
        query = dict(params) if params is not None else {"stdout": 1, "stderr": 1, "stream": 1}
        unknown = set(query) - {"stdin", "stdout", "stderr", "stream", "logs", "detachKeys"}
        if unknown:
            raise InvalidArgument(f"params: unknown attach parameters {sorted(unknown)}")
        keys = query.get("detachKeys")
        return attach_container(
            self._docker,
            resource_id(container, "container"),
            stdin=bool(query.get("stdin")),
            stdout=bool(query.get("stdout")),
            stderr=bool(query.get("stderr")),
            stream=bool(query.get("stream")),
            logs=bool(query.get("logs")),
            detach_keys=keys if keys is None else str(keys),
        )

    def logs(
        self,
        container: Any,
        stdout: bool = True,
        stderr: bool = True,
        stream: bool = False,
        timestamps: bool = False,
        tail: int | str = "all",
        since: datetime | float | None = None,
        follow: bool | None = None,
        until: datetime | float | None = None,
    ) -> OutputStream:
        """The container's logs: awaited, bytes; iterated, chunks as they come (``follow``
        defaults to ``stream``). A ``tail`` that is not a count means ``"all"``."""
        if tail != "all" and (isinstance(tail, bool) or not isinstance(tail, int) or tail < 0):
            tail = "all"
        frames = _handle(self._docker, container).logs(
            stdout=stdout,
            stderr=stderr,
            follow=stream if follow is None else follow,
            timestamps=timestamps,
            tail=tail,  # type: ignore[arg-type]  # checked above: a count or "all"
            since=_log_time(since, "since"),
            until=_log_time(until, "until"),
        )

        async def source() -> tuple[FrameStream, Any] | None:
            return frames, frames.close

        return OutputStream(source)

    # --- create -----------------------------------------------------------------------

    create_container_config = staticmethod(_config.container_config)
    """The ``create_container`` body (docker-py's ``ContainerConfig``), checked."""

    async def create_container(
        self,
        image: str,
        command: str | Sequence[str] | None = None,
        hostname: str | None = None,
        user: str | int | None = None,
        detach: bool = False,
        stdin_open: bool = False,
        tty: bool = False,
        ports: Any = None,
        environment: Mapping[str, Any] | Sequence[str] | None = None,
        volumes: str | Sequence[str] | None = None,
        network_disabled: bool = False,
        name: str | None = None,
        entrypoint: str | Sequence[str] | None = None,
        working_dir: str | None = None,
        domainname: str | None = None,
        host_config: Mapping[str, Any] | None = None,
        mac_address: str | None = None,
        labels: Mapping[str, str] | Sequence[str] | None = None,
        stop_signal: str | None = None,
        networking_config: Mapping[str, Any] | None = None,
        healthcheck: Any = None,
        stop_timeout: int | None = None,
        runtime: str | None = None,
        use_config_proxy: bool = True,
        platform: str | None = None,
    ) -> dict[str, Any]:
        """Create a container: ``{"Id": ..., "Warnings": [...]}``. ``host_config`` comes
        from :meth:`create_host_config`, ``networking_config`` from
        :meth:`create_networking_config`. The proxies of ``config.json`` join the
        environment unless ``use_config_proxy=False`` (an explicit entry wins)."""
        given = dict(locals())
        config = _config.container_config(
            **{key: value for key, value in given.items() if key not in _NOT_IN_BODY}
        )
        return await self._create_from(config, name, platform, bool(use_config_proxy))

    async def create_container_from_config(
        self, config: Mapping[str, Any], name: str | None = None, platform: str | None = None
    ) -> dict[str, Any]:
        """Create a container from a ready body: ``{"Id": ..., "Warnings": [...]}``."""
        return await self._create_from(config, name, platform, False)

    async def _create_from(
        self, config: Mapping[str, Any], name: str | None, platform: str | None, proxy: bool
    ) -> dict[str, Any]:
        if not isinstance(config, Mapping):
            raise InvalidArgument(f"config: expected the container body dict, not {config!r}")
        for value, what in ((name, "name"), (platform, "platform")):
            if value is not None and not isinstance(value, str):
                raise InvalidArgument(f"{what}: expected a string, not {value!r}")
        return await self._docker.containers._create_raw(
            config, name, platform, use_config_proxy=proxy
        )

    def create_host_config(
        self,
        binds: Any = None,
        port_bindings: Any = None,
        lxc_conf: Any = None,
        publish_all_ports: bool = False,
        links: Any = None,
        privileged: bool = False,
        dns: Any = None,
        dns_search: Any = None,
        volumes_from: Any = None,
        network_mode: str | None = None,
        restart_policy: Any = None,
        cap_add: Any = None,
        cap_drop: Any = None,
        devices: Any = None,
        extra_hosts: Any = None,
        read_only: bool | None = None,
        pid_mode: str | None = None,
        ipc_mode: str | None = None,
        security_opt: Any = None,
        ulimits: Any = None,
        log_config: Any = None,
        mem_limit: int | str | None = None,
        memswap_limit: int | str | None = None,
        mem_reservation: int | str | None = None,
        kernel_memory: int | str | None = None,
        mem_swappiness: int | None = None,
        cgroup_parent: str | None = None,
        group_add: Any = None,
        cpu_quota: int | None = None,
        cpu_period: int | None = None,
        blkio_weight: int | None = None,
        blkio_weight_device: Any = None,
        device_read_bps: Any = None,
        device_write_bps: Any = None,
        device_read_iops: Any = None,
        device_write_iops: Any = None,
        oom_kill_disable: bool = False,
        shm_size: int | str | None = None,
        sysctls: Any = None,
        tmpfs: Any = None,
        oom_score_adj: int | None = None,
        dns_opt: Any = None,
        cpu_shares: int | None = None,
        cpuset_cpus: str | None = None,
        userns_mode: str | None = None,
        uts_mode: str | None = None,
        pids_limit: int | None = None,
        isolation: str | None = None,
        auto_remove: bool = False,
        storage_opt: Any = None,
        init: bool | None = None,
        init_path: str | None = None,
        volume_driver: str | None = None,
        cpu_count: int | None = None,
        cpu_percent: int | None = None,
        nano_cpus: int | None = None,
        cpuset_mems: str | None = None,
        runtime: str | None = None,
        mounts: Any = None,
        cpu_rt_period: int | None = None,
        cpu_rt_runtime: int | None = None,
        device_cgroup_rules: Any = None,
        device_requests: Any = None,
        cgroupns: str | None = None,
    ) -> dict[str, Any]:
        """docker-py's ``HostConfig`` keywords as the ``HostConfig`` dict for
        :meth:`create_container`, every value checked (the API version's at create)."""
        options = {name: value for name, value in locals().items() if name != "self"}
        return _config.host_config(**options)

    def create_networking_config(
        self, endpoints_config: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """``{"EndpointsConfig": {network: endpoint_config}}`` for :meth:`create_container`."""
        return _config.networking_config(endpoints_config)

    def create_endpoint_config(
        self,
        aliases: Sequence[str] | None = None,
        links: Any = None,
        ipv4_address: str | None = None,
        ipv6_address: str | None = None,
        link_local_ips: Sequence[str] | None = None,
        driver_opt: Mapping[str, str] | None = None,
        mac_address: str | None = None,
    ) -> dict[str, Any]:
        """One network's endpoint settings, for :meth:`create_networking_config`."""
        return _config.endpoint_config(
            aliases, links, ipv4_address, ipv6_address, link_local_ips, driver_opt, mac_address
        )

    # --- inspect and list -------------------------------------------------------------

    async def containers(
        self,
        quiet: bool = False,
        all: bool = False,
        trunc: bool = False,
        latest: bool = False,
        since: str | None = None,
        before: str | None = None,
        limit: int = -1,
        size: bool = False,
        filters: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The daemon's list entries (``[{"Id": ...}]`` with ``quiet``; ids cut to 12
        characters with ``trunc``)."""
        handles = await self._docker.containers.list(
            all=all, filters=filters, limit=1 if latest else limit, since=since,
            before=before, size=size, sparse=True,
        )  # fmt: skip
        entries = [handle.attrs for handle in handles]
        if quiet:
            return [{"Id": entry["Id"]} for entry in entries]
        if trunc:
            for entry in entries:
                entry["Id"] = str(entry["Id"])[:12]
        return entries

    async def inspect_container(self, container: Any) -> dict[str, Any]:
        """The container's inspect data."""
        return (await self._docker.containers.get(resource_id(container, "container"))).attrs

    async def diff(self, container: Any) -> list[dict[str, Any]]:
        """Changes to its filesystem: ``[{"Path": ..., "Kind": 0|1|2}]``."""
        return await _handle(self._docker, container).diff()

    async def top(self, container: Any, ps_args: str | None = None) -> dict[str, Any]:
        """Its processes: ``{"Titles": [...], "Processes": [[...]]}``."""
        return await _handle(self._docker, container).top(ps_args)

    async def port(self, container: Any, private_port: int | str) -> list[dict[str, str]] | None:
        """The host bindings of a container port (``80`` tries tcp, udp, sctp; or
        ``"80/udp"``), ``None`` if it is not published."""
        attrs = await self.inspect_container(container)
        ports = (attrs.get("NetworkSettings") or {}).get("Ports")
        if ports is None:
            return None
        key = str(private_port)
        if "/" in key:
            found: list[dict[str, str]] | None = ports.get(key)
            return found
        for protocol in _PORT_PROTOCOLS:
            found = ports.get(f"{key}/{protocol}")
            if found:
                return found
        return None

    @overload
    def stats(
        self,
        container: Any,
        decode: bool | None = None,
        stream: Literal[True] = True,
        one_shot: bool | None = None,
    ) -> JSONOutput[dict[str, Any]]: ...

    @overload
    def stats(
        self,
        container: Any,
        decode: bool | None = None,
        *,
        stream: Literal[False],
        one_shot: bool | None = None,
    ) -> Awaitable[dict[str, Any]]: ...

    def stats(
        self,
        container: Any,
        decode: bool | None = None,
        stream: bool = True,
        one_shot: bool | None = None,
    ) -> JSONOutput[dict[str, Any]] | Awaitable[dict[str, Any]]:
        """Resource usage: a stream of stats (JSON lines, dicts with ``decode``), or with
        ``stream=False`` an awaitable of one (``one_shot``: at once, without precpu)."""
        handle = _handle(self._docker, container)
        if stream:
            if one_shot:
                raise InvalidArgument("one_shot is only available with stream=False")
            return JSONOutput(handle.stats(stream=True), decode=bool(decode), newline=b"\n")
        if decode:
            raise InvalidArgument("decode is only available with stream=True")
        return handle.stats(stream=False, one_shot=bool(one_shot))

    # --- lifecycle --------------------------------------------------------------------

    async def start(self, container: Any, *args: Any, **kwargs: Any) -> None:
        """Start the container (configuration goes to :meth:`create_container`)."""
        if args or kwargs:
            raise InvalidArgument(
                "start: configuration is given to create_container (host_config), not start"
            )
        await _handle(self._docker, container).start()

    async def stop(self, container: Any, timeout: float | None = None) -> None:
        """Stop it, killing it after ``timeout`` seconds (its stop timeout when None)."""
        await _handle(self._docker, container).stop(timeout)

    async def restart(self, container: Any, timeout: float = 10) -> None:
        """Restart it, killing it after ``timeout`` seconds if it does not stop."""
        await _handle(self._docker, container).restart(timeout)

    async def kill(self, container: Any, signal: str | int | None = None) -> None:
        """Send a signal (default SIGKILL)."""
        await _handle(self._docker, container).kill(signal)

    async def pause(self, container: Any) -> None:
        """Freeze its processes."""
        await _handle(self._docker, container).pause()

    async def unpause(self, container: Any) -> None:
        """Resume them."""
        await _handle(self._docker, container).unpause()

    async def wait(
        self, container: Any, timeout: float | None = None, condition: str | None = None
    ) -> dict[str, Any]:
        """Wait for ``condition`` (``not-running``, ``next-exit``, ``removed``): the
        daemon's ``{"StatusCode": ..., "Error": ...}``."""
        result = await _handle(self._docker, container).wait(
            condition=condition or "not-running",  # type: ignore[arg-type]  # checked there
            timeout=timeout,
        )
        return dict(result)

    async def remove_container(
        self, container: Any, v: bool = False, link: bool = False, force: bool = False
    ) -> None:
        """Remove it (``v``: its anonymous volumes; ``link``: the link only)."""
        await _handle(self._docker, container).remove(v=v, link=link, force=force)

    async def rename(self, container: Any, name: str) -> None:
        """Give it a new name."""
        await _handle(self._docker, container).rename(name)

    async def resize(self, container: Any, height: int, width: int) -> None:
        """Resize its TTY."""
        await _handle(self._docker, container).resize(height, width)

    async def update_container(
        self,
        container: Any,
        blkio_weight: int | None = None,
        cpu_period: int | None = None,
        cpu_quota: int | None = None,
        cpu_shares: int | None = None,
        cpuset_cpus: str | None = None,
        cpuset_mems: str | None = None,
        mem_limit: int | str | None = None,
        mem_reservation: int | str | None = None,
        memswap_limit: int | str | None = None,
        kernel_memory: int | str | None = None,
        restart_policy: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Change its resource limits or restart policy: ``{"Warnings": [...]}``."""
        resources = {
            name: value
            for name, value in locals().items()
            if name not in ("self", "container") and value
        }
        warnings = await _handle(self._docker, container).update(**resources)
        return {"Warnings": warnings}

    async def prune_containers(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Remove stopped containers: ``{"ContainersDeleted": [...], "SpaceReclaimed": n}``."""
        return await self._docker.containers.prune(filters)

    async def commit(
        self,
        container: Any,
        repository: str | None = None,
        tag: str | None = None,
        message: str | None = None,
        author: str | None = None,
        pause: bool = True,
        changes: str | Sequence[str] | None = None,
        conf: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Make an image of the container: ``{"Id": ...}``."""
        return await self._docker.images._commit_raw(
            resource_id(container, "container"), repository, tag, message, author, pause,
            changes, conf,
        )  # fmt: skip

    # --- files ------------------------------------------------------------------------

    def export(
        self, container: Any, chunk_size: int | None = DEFAULT_DATA_CHUNK_SIZE
    ) -> ChunkOutput:
        """Its filesystem as a tar: iterated, chunks of ``chunk_size``; awaited, bytes."""
        return ChunkOutput(_handle(self._docker, container).export(), chunk_size)

    async def get_archive(
        self,
        container: Any,
        path: str,
        chunk_size: int | None = DEFAULT_DATA_CHUNK_SIZE,
        encode_stream: bool = False,
    ) -> tuple[ChunkOutput, dict[str, Any] | None]:
        """A tar of ``path`` and its stat (``None`` if the daemon sent none).
        ``encode_stream`` is accepted; the tar comes as the daemon sends it."""
        stream, stat = await _handle(self._docker, container).get_archive(path)
        return ChunkOutput(stream, chunk_size), stat or None

    async def put_archive(self, container: Any, path: str, data: Any) -> bool:
        """Extract the tar ``data`` (bytes, a file, an iterable of bytes) into ``path``:
        ``True``."""
        await _handle(self._docker, container).put_archive(path, as_body(data))
        return True
