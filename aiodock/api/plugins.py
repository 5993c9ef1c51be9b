"""docker-py's ``PluginApiMixin``: managed plugins as dicts, over ``docker.plugins``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..plugins import Plugin, PluginData, Privilege, SettingValue
from ..streams import ProgressStream
from .base import ApiBase


class PluginApiMixin(ApiBase):
    """Install, create, configure, enable, disable, inspect, list, push, upgrade and
    remove plugins. Pull, push and upgrade return a
    :class:`~aiodock.streams.ProgressStream`: ``async for`` gives the daemon's progress
    dicts (what docker-py's generators yield)."""

    async def configure_plugin(
        self, name: str, options: Mapping[str, SettingValue] | Sequence[str]
    ) -> bool:
        """Change a disabled plugin's settings (``{"DEBUG": "1"}`` or ``["DEBUG=1"]``);
        ``True``."""
        await self._docker.plugins.configure(name, options)
        return True

    async def create_plugin(
        self, name: str, plugin_data_dir: PluginData, gzip: bool = False
    ) -> bool:
        """Create a plugin from a directory holding ``config.json`` and ``rootfs/`` (or a
        ready tar of one); ``True``."""
        await self._docker.plugins.create(name, plugin_data_dir, gzip)
        return True

    async def disable_plugin(self, name: str, force: bool = False) -> bool:
        """Stop a plugin; ``True``."""
        await self._docker.plugins.disable(name, force)
        return True

    async def enable_plugin(self, name: str, timeout: int = 0) -> bool:
        """Start a plugin; ``True``."""
        await self._docker.plugins.enable(name, timeout)
        return True

    async def inspect_plugin(self, name: str) -> dict[str, Any]:
        """The plugin's inspect data."""
        return (await self._docker.plugins.get(name)).attrs

    def pull_plugin(
        self, remote: str, privileges: Sequence[Privilege], name: str | None = None
    ) -> ProgressStream[Plugin]:
        """Pull and install the plugin ``remote`` (as ``name``), granting ``privileges``
        (what :meth:`plugin_privileges` lists); ``async for`` gives the progress."""
        return self._docker.plugins.install(remote, name, privileges=privileges)

    async def plugins(self) -> list[dict[str, Any]]:
        """The installed plugins."""
        return [plugin.attrs for plugin in await self._docker.plugins.list()]

    async def plugin_privileges(self, name: str) -> list[dict[str, Any]]:
        """What the plugin ``name`` (a remote reference) asks to be allowed."""
        return await self._docker.plugins.privileges(name)

    def push_plugin(self, name: str) -> ProgressStream[dict[str, Any]]:
        """Push a plugin to the registry its name points at; ``async for`` gives the
        progress."""
        return self._docker.plugins.push(name)

    async def remove_plugin(self, name: str, force: bool = False) -> bool:
        """Remove a plugin; ``True``."""
        await self._docker.plugins.remove(name, force)
        return True

    def upgrade_plugin(
        self, name: str, remote: str, privileges: Sequence[Privilege]
    ) -> ProgressStream[Plugin]:
        """Upgrade a disabled plugin to ``remote``, granting ``privileges``; ``async for``
        gives the progress."""
        return self._docker.plugins.upgrade(name, remote, privileges=privileges)
