"""Managed plugins (``docker plugin``): list, inspect, install, create, enable, disable,
configure, upgrade, push and remove.

A plugin is a root filesystem plus a ``config.json`` saying how to run it; the daemon
runs it as a container of its own and talks to it over a Unix socket. Install, upgrade
and push report progress: they return a :class:`~aiodock.streams.ProgressStream`,
``await`` it for the result or ``async for`` over the daemon's progress objects.
"""

from __future__ import annotations

import builtins
import io
import os
import tarfile
from collections.abc import AsyncIterable, Awaitable, Callable, Generator, Mapping, Sequence
from typing import IO, Any, Final

from .auth import AuthConfig, auth_header_for
from .build import CHUNK_SIZE, _coalesce, _threaded, iter_file
from .errors import InvalidArgument
from .reference import parse_reference
from .resource import Manager, Resource, path_id
from .streams import ProgressStream
from .transport import ByteSource
from .utils import Filters, encode_filters, string_map

__all__ = ["Plugin", "PluginData", "PluginManager", "Privilege", "SettingValue", "plugin_tar"]

PluginData = (
    str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes] | AsyncIterable[bytes]
)
"""What :meth:`PluginManager.create` takes: a plugin directory (``config.json`` and
``rootfs/``), or a ready tar of one as a path, bytes, a binary file or an async iterable."""

Privilege = Mapping[str, Any]
"""One privilege a plugin asks for: ``{"Name": "network", "Description": "", "Value":
["host"]}``, as :meth:`PluginManager.privileges` returns them."""

SettingValue = str | int | float
"""A setting's value in :meth:`PluginManager.configure` (sent as text)."""

_LIST_FILTERS: Final = ("capability", "enabled")


def _name_of(plugin: str | Plugin, what: str = "name") -> str:
    name = (plugin.name or plugin.id) if isinstance(plugin, Plugin) else plugin
    if not isinstance(name, str) or not name:
        raise InvalidArgument(f"{what}: a plugin name or id is required, not {name!r}")
    return name


def _reference(value: str, what: str, *, local: bool = False) -> str:
    """Check a plugin reference (``[registry/]name[:tag][@digest]``); a ``local`` name, the
    one a plugin is stored under, takes no digest."""
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{what}: a plugin reference is required, not {value!r}")
    try:
        parsed = parse_reference(value)
    except InvalidArgument as exc:
        raise InvalidArgument(f"{what}: {exc}") from None
    if local and parsed.digest is not None:
        raise InvalidArgument(f"{what}: a plugin's local name takes a tag, not a digest")
    return value


def _privileges_body(privileges: Sequence[Privilege] | None) -> list[dict[str, Any]] | None:
    if privileges is None:
        return None
    if isinstance(privileges, (str, bytes, Mapping)):
        raise InvalidArgument("privileges: expected a list of privilege mappings")
    body: list[dict[str, Any]] = []
    for item in privileges:
        if not isinstance(item, Mapping) or not isinstance(item.get("Name"), str):
            raise InvalidArgument(f"privileges: {item!r} is not a privilege with a Name")
        value = item.get("Value") or []
        if isinstance(value, str) or not all(isinstance(v, str) for v in value):
            raise InvalidArgument(f"privileges: the Value of {item['Name']!r} is not a list")
        body.append(
            {
                "Name": item["Name"],
                "Description": str(item.get("Description") or ""),
                "Value": list(value),
            }
        )
    return body


def _settings(options: Mapping[str, SettingValue] | Sequence[str]) -> list[str]:
    """``{"DEBUG": "1"}`` or ``["DEBUG=1"]`` as the daemon's ``KEY=value`` list."""
    if isinstance(options, Mapping):
        settings = string_map(options, "options")
        for key in settings:
            if not key or "=" in key:
                raise InvalidArgument(f"options: {key!r} is not a setting name")
        return [f"{key}={value}" for key, value in settings.items()]
    if isinstance(options, (str, bytes)):
        raise InvalidArgument('options: expected a mapping or a list of "KEY=value" strings')
    listed = list(options)
    for entry in listed:
        if not isinstance(entry, str) or not entry.partition("=")[0] or "=" not in entry:
            raise InvalidArgument(f'options: {entry!r} is not "KEY=value"')
    return listed


def _tar_entries(root: str) -> Generator[bytes, None, None]:
    """The tar of ``root`` as byte strings, keeping modes, owners, links and devices."""
    headers = tarfile.open(fileobj=io.BytesIO(), mode="w")  # gettarinfo and hard links only

    def walk(directory: str, prefix: str) -> Generator[bytes, None, None]:
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            raise InvalidArgument(
                f"plugin_data_dir: cannot read {directory!r}: {exc.strerror or exc}"
            ) from None
        for entry in entries:
            arcname = prefix + entry.name
            try:
                info = headers.gettarinfo(entry.path, arcname)
            except FileNotFoundError:
                continue  # removed while we walked
            if info is None:
                continue  # sockets are not archived
            if info.isreg():
                yield from _file_entry(info, entry.path)
            else:
                yield info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
            if info.isdir():
                yield from walk(entry.path, arcname + "/")

    yield from walk(root, "")


def _file_entry(info: tarfile.TarInfo, path: str) -> Generator[bytes, None, None]:
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InvalidArgument(
            f"plugin_data_dir: cannot read {info.name!r}: {exc.strerror or exc}"
        ) from None
    with fh:
        yield info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        remaining = info.size
        while remaining > 0:
            data = fh.read(min(CHUNK_SIZE, remaining))
            if not data:
                yield bytes(remaining)  # the file shrank: pad to the size announced
                break
            remaining -= len(data)
            yield data
        if info.size % tarfile.BLOCKSIZE:
            yield bytes(tarfile.BLOCKSIZE - info.size % tarfile.BLOCKSIZE)


def plugin_tar(
    plugin_data_dir: str | os.PathLike[str], *, gzip: bool = False
) -> AsyncIterable[bytes]:
    """A plugin directory (``config.json`` and ``rootfs/``) as a tar, produced in a worker
    thread as it is consumed. Unlike a build context it keeps the files' owners and
    ignores ``.dockerignore``, as ``docker plugin create`` does. ``gzip`` compresses it
    (for storing it: the daemon's create accepts only the plain tar)."""
    root = os.path.abspath(os.fspath(plugin_data_dir))
    if not os.path.isdir(root):
        raise InvalidArgument(f"plugin_data_dir: {os.fspath(plugin_data_dir)!r} is not a directory")
    if not os.path.isfile(os.path.join(root, "config.json")):
        raise InvalidArgument(f"plugin_data_dir: {root!r} has no config.json")
    if not os.path.isdir(os.path.join(root, "rootfs")):
        raise InvalidArgument(f"plugin_data_dir: {root!r} has no rootfs directory")
    return _threaded(_coalesce(_tar_entries(root), gzip=gzip))


def _create_body(plugin_data_dir: PluginData, gzip: bool) -> bytes | AsyncIterable[bytes]:
    if gzip:
        # The daemon reads the body with a plain tar reader (every Engine version so far):
        # a compressed one fails with "invalid tar header", ``docker plugin create
        # --compress`` included.
        raise InvalidArgument("gzip: the daemon accepts only an uncompressed plugin tar")
    if isinstance(plugin_data_dir, (str, os.PathLike)) and os.path.isdir(plugin_data_dir):
        return plugin_tar(plugin_data_dir)
    return iter_file(plugin_data_dir, name="plugin_data_dir")


class Plugin(Resource):
    """An installed plugin: its inspect data in ``attrs``, and what can be done with it."""

    inspect_path = "/plugins/{id}/json"

    def __repr__(self) -> str:
        return f"<Plugin: {self.name!r}>"

    @property
    def name(self) -> str:
        """The plugin's name, with its tag (``vieux/sshfs:latest``)."""
        return str(self.attrs.get("Name") or "")

    @property
    def enabled(self) -> bool:
        """Whether the plugin is running."""
        return bool(self.attrs.get("Enabled"))

    @property
    def settings(self) -> dict[str, Any]:
        """What users may change: ``Env``, ``Args``, ``Mounts`` and ``Devices``."""
        return dict(self.attrs.get("Settings") or {})

    @property
    def reference(self) -> str:
        """The remote reference it was pulled from or is pushed to."""
        return str(self.attrs.get("PluginReference") or "")

    async def configure(self, options: Mapping[str, SettingValue] | Sequence[str]) -> None:
        """Change settings (the plugin must be disabled), then reload; see
        :meth:`PluginManager.configure`."""
        await self._docker.plugins.configure(self.name, options)
        await self.reload()

    async def enable(self, timeout: int = 0) -> None:
        """Start the plugin, then reload (``timeout``: seconds the daemon's client of the
        plugin waits for its answers, 0 for the default)."""
        await self._docker.plugins.enable(self.name, timeout=timeout)
        await self.reload()

    async def disable(self, force: bool = False) -> None:
        """Stop the plugin (``force`` even while it is in use), then reload."""
        await self._docker.plugins.disable(self.name, force=force)
        await self.reload()

    def push(self, auth_config: Mapping[str, str] | None = None) -> ProgressStream[dict[str, Any]]:
        """Push the plugin to the registry its name points at; see
        :meth:`PluginManager.push`."""
        return self._docker.plugins.push(self.name, auth_config=auth_config)

    async def remove(self, force: bool = False) -> None:
        """Remove the plugin (``force`` disables it first if needed)."""
        await self._docker.plugins.remove(self.name, force=force)

    def upgrade(
        self,
        remote: str | None = None,
        *,
        privileges: Sequence[Privilege] | None = None,
        auth_config: Mapping[str, str] | None = None,
    ) -> ProgressStream[Plugin]:
        """Replace the plugin's filesystem and config with ``remote`` (by default the
        reference it came from), keeping its settings; it must be disabled. ``await``
        reloads this handle and gives it back."""
        target = remote if remote is not None else (self.reference or self.name)

        async def finish(log: builtins.list[dict[str, Any]]) -> Plugin:
            await self.reload()
            return self

        return self._docker.plugins._upgrade(self.name, target, privileges, auth_config, finish)


class PluginManager(Manager):
    """Operations on plugins: ``docker.plugins``."""

    async def get(self, name: str) -> Plugin:
        """The installed plugin with this name (``:latest`` optional) or id; raises
        :class:`~aiodock.errors.NotFound`."""
        plugin = Plugin(self._docker, {"Name": _name_of(name)})
        await plugin.reload()
        return plugin

    async def list(self, filters: Filters | None = None) -> builtins.list[Plugin]:
        """The installed plugins; ``filters`` takes ``capability`` (``"volumedriver"``)
        and ``enabled`` (``True``/``False``; the spec's ``enable`` is accepted too)."""
        if filters and "enable" in filters:
            renamed = {k: v for k, v in filters.items() if k != "enable"}
            renamed.setdefault("enabled", filters["enable"])
            filters = renamed
        params = {"filters": encode_filters(filters, allowed=_LIST_FILTERS)}
        found = await self._docker.transport.json("GET", "/plugins", params=params)
        return [Plugin(self._docker, attrs) for attrs in found or []]

    async def privileges(
        self, remote: str, auth_config: Mapping[str, str] | None = None
    ) -> builtins.list[dict[str, Any]]:
        """What the plugin ``remote`` asks to be allowed (network, mounts, devices,
        capabilities...), read from its registry: grant them with :meth:`install`."""
        _reference(remote, "remote")
        headers = await self._auth_headers(remote, auth_config)
        result: builtins.list[dict[str, Any]] = await self._docker.transport.json(
            "GET", "/plugins/privileges", params={"remote": remote}, headers=headers
        )
        return result or []

    def install(
        self,
        remote_name: str,
        local_name: str | None = None,
        *,
        privileges: Sequence[Privilege] | None = None,
        auth_config: Mapping[str, str] | None = None,
    ) -> ProgressStream[Plugin]:
        """Pull the plugin ``remote_name`` and install it, as ``local_name`` if given.
        The plugin stays disabled (:meth:`Plugin.enable` starts it).

        ``privileges`` are the ones granted; by default every privilege the plugin asks
        for (:meth:`privileges`) is granted, as ``docker plugin install
        --grant-all-permissions`` does. Credentials come from ``auth_config`` or as the
        docker CLI finds them. ``await`` gives the :class:`Plugin`."""
        _reference(remote_name, "remote_name")
        if local_name is not None:
            _reference(local_name, "local_name", local=True)
        granted = _privileges_body(privileges)
        if auth_config is not None:
            AuthConfig.from_mapping(auth_config)
        docker = self._docker

        async def opener() -> ByteSource:
            body = granted
            if body is None:
                body = await self.privileges(remote_name, auth_config)
            return await docker.transport.request(
                "POST",
                "/plugins/pull",
                params={"remote": remote_name, "name": local_name},
                json=body,
                headers=await self._auth_headers(remote_name, auth_config),
                stream=True,
            )

        async def finish(log: builtins.list[dict[str, Any]]) -> Plugin:
            return await self.get(local_name or remote_name)

        return ProgressStream(docker, opener, f"install plugin {remote_name}", finish)

    async def create(self, name: str, plugin_data_dir: PluginData, gzip: bool = False) -> Plugin:
        """Create a plugin from ``plugin_data_dir``: a directory holding ``config.json``
        and ``rootfs/`` (tarred and streamed, gzip-compressed with ``gzip=True``), or a
        ready tar of one (path, bytes, binary file or async iterable of bytes). The
        plugin is created disabled."""
        _reference(name, "name", local=True)
        body = _create_body(plugin_data_dir, gzip)
        await self._docker.transport.call(
            "POST",
            "/plugins/create",
            params={"name": name},
            data=body,
            headers={"Content-Type": "application/x-tar"},
            timeout=None,
        )
        return await self.get(name)

    async def enable(self, name: str | Plugin, timeout: int = 0) -> None:
        """Start a plugin. The daemon waits until the plugin listens on its socket (it
        gives up after about 20 seconds). ``timeout`` is how long, in seconds, the
        daemon's client of the plugin waits for answers (0: its default)."""
        name = _name_of(name)
        if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 0:
            raise InvalidArgument(f"timeout: {timeout!r} is not a number of seconds")
        await self._docker.transport.call(
            "POST", f"/plugins/{path_id(name)}/enable", params={"timeout": timeout}, timeout=None
        )

    async def disable(self, name: str | Plugin, force: bool = False) -> None:
        """Stop a plugin (``force`` even while containers use it)."""
        name = _name_of(name)
        await self._docker.transport.call(
            "POST", f"/plugins/{path_id(name)}/disable", params={"force": force}, timeout=None
        )

    async def remove(self, name: str | Plugin, force: bool = False) -> None:
        """Remove a plugin (``force`` removes an enabled one, disabling it first)."""
        name = _name_of(name)
        await self._docker.transport.call(
            "DELETE", f"/plugins/{path_id(name)}", params={"force": force}, timeout=None
        )

    async def configure(
        self, name: str | Plugin, options: Mapping[str, SettingValue] | Sequence[str]
    ) -> None:
        """Change a disabled plugin's settings (``docker plugin set``): ``{"DEBUG": "1"}``
        or ``["DEBUG=1"]``. Keys are environment variables, ``args``, or
        ``<mount>.source`` / ``<device>.path``; only those the plugin marks settable."""
        name = _name_of(name)
        body = _settings(options)
        await self._docker.transport.call("POST", f"/plugins/{path_id(name)}/set", json=body)

    def upgrade(
        self,
        name: str | Plugin,
        remote: str,
        *,
        privileges: Sequence[Privilege] | None = None,
        auth_config: Mapping[str, str] | None = None,
    ) -> ProgressStream[Plugin]:
        """Upgrade a disabled plugin to ``remote``, keeping its settings. ``privileges``
        as for :meth:`install` (by default all that ``remote`` asks for). ``await`` gives
        the upgraded :class:`Plugin`."""
        local = _name_of(name)

        async def finish(log: builtins.list[dict[str, Any]]) -> Plugin:
            return await self.get(local)

        return self._upgrade(local, remote, privileges, auth_config, finish)

    def _upgrade(
        self,
        local: str,
        remote: str,
        privileges: Sequence[Privilege] | None,
        auth_config: Mapping[str, str] | None,
        finish: Callable[[builtins.list[dict[str, Any]]], Awaitable[Plugin]],
    ) -> ProgressStream[Plugin]:
        _reference(remote, "remote")
        granted = _privileges_body(privileges)
        if auth_config is not None:
            AuthConfig.from_mapping(auth_config)
        docker = self._docker

        async def opener() -> ByteSource:
            body = granted
            if body is None:
                body = await self.privileges(remote, auth_config)
            return await docker.transport.request(
                "POST",
                f"/plugins/{path_id(local)}/upgrade",
                params={"remote": remote},
                json=body,
                headers=await self._auth_headers(remote, auth_config),
                stream=True,
            )

        return ProgressStream(docker, opener, f"upgrade plugin {local}", finish)

    def push(
        self, name: str | Plugin, auth_config: Mapping[str, str] | None = None
    ) -> ProgressStream[dict[str, Any]]:
        """Push a plugin to the registry its name points at (``registry/name:tag``).
        ``await`` gives the last ``aux`` the daemon sent (``Tag``, ``Digest``,
        ``Size``), ``{}`` if none; ``async for`` gives the progress objects."""
        local = _name_of(name)
        if auth_config is not None:
            AuthConfig.from_mapping(auth_config)
        docker = self._docker

        async def opener() -> ByteSource:
            return await docker.transport.request(
                "POST",
                f"/plugins/{path_id(local)}/push",
                headers=await self._auth_headers(local, auth_config),
                stream=True,
            )

        async def finish(log: builtins.list[dict[str, Any]]) -> dict[str, Any]:
            for item in reversed(log):
                aux = item.get("aux")
                if isinstance(aux, dict):
                    return aux
            return {}

        return ProgressStream(docker, opener, f"push plugin {local}", finish)

    async def _auth_headers(
        self, reference: str, auth_config: Mapping[str, str] | None
    ) -> dict[str, str] | None:
        try:
            value = await auth_header_for(reference, auth_config, docker=self._docker)
        except InvalidArgument:
            if auth_config is None:
                return None  # a plugin id, not a reference: no registry to ask about
            value = AuthConfig.from_mapping(auth_config).header()
        return {"X-Registry-Auth": value} if value is not None else None
