"""``docker.api``'s plugin calls against the real daemon, with the plugin that
``test_plugins.py`` builds (its fixtures are reused) and the local authenticated registry
for push, privileges, pull and upgrade."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aiodock import APIError, Docker, NotFound

from .registry import LocalRegistry
from .test_plugins import can_enable, cleanup, plugin_dir, stamp, unique

__all__ = ["can_enable", "cleanup", "plugin_dir"]  # fixtures of test_plugins.py, used here

pytestmark = pytest.mark.needs("plugins")


async def test_create_inspect_configure_enable_disable_remove(
    docker: Docker, plugin_dir: Path, cleanup: list[str], can_enable: None
) -> None:
    api = docker.api
    name = unique("aiodock-api-plugin")
    cleanup.append(name)
    assert await api.create_plugin(name, str(stamp(plugin_dir))) is True
    inspected = await api.inspect_plugin(name)
    assert inspected["Name"] == f"{name}:latest" and inspected["Enabled"] is False
    assert f"{name}:latest" in [p["Name"] for p in await api.plugins()]

    assert await api.configure_plugin(name, {"DEBUG": "1"}) is True
    assert (await api.inspect_plugin(name))["Settings"]["Env"] == ["DEBUG=1"]
    assert await api.configure_plugin(name, ["DEBUG=2"]) is True
    assert (await api.inspect_plugin(name))["Settings"]["Env"] == ["DEBUG=2"]

    assert await api.enable_plugin(name, timeout=10) is True
    assert (await api.inspect_plugin(name))["Enabled"] is True
    with pytest.raises(APIError):
        await api.remove_plugin(name)  # enabled: needs force
    assert await api.disable_plugin(name) is True
    assert (await api.inspect_plugin(name))["Enabled"] is False
    assert await api.remove_plugin(name) is True
    with pytest.raises(NotFound):
        await api.inspect_plugin(name)

    again = unique("aiodock-api-plugin")
    cleanup.append(again)
    await api.create_plugin(again, str(stamp(plugin_dir)))
    await api.enable_plugin(again, timeout=10)
    assert await api.remove_plugin(again, force=True) is True


async def test_push_privileges_pull_upgrade(
    docker: Docker, plugin_dir: Path, tmp_path: Path, cleanup: list[str]
) -> None:
    api = docker.api
    with LocalRegistry() as registry:
        await api.login(registry.username, registry.password, registry=registry.host)
        repo = f"{registry.host}/aiodock/{unique('api-plug')}"
        cleanup.extend([f"{repo}:1", f"{repo}:2"])
        await api.create_plugin(f"{repo}:1", str(stamp(plugin_dir)))
        pushed = [event async for event in api.push_plugin(f"{repo}:1")]
        assert any(event.get("aux", {}).get("Tag") == "1" for event in pushed)
        second = tmp_path / "v2"
        second.mkdir()
        shutil.copytree(plugin_dir / "rootfs", second / "rootfs", symlinks=True)
        config = (plugin_dir / "config.json").read_text()
        (second / "config.json").write_text(config.replace("test plugin", "test plugin v2"))
        await api.create_plugin(f"{repo}:2", str(stamp(second)))
        assert [e async for e in api.push_plugin(f"{repo}:2")]
        await api.remove_plugin(f"{repo}:1")
        await api.remove_plugin(f"{repo}:2")

        privileges = await api.plugin_privileges(f"{repo}:1")
        assert privileges == [
            {"Name": "network", "Description": "permissions to access a network", "Value": ["none"]}
        ]
        local = unique("aiodock-api-pulled")
        cleanup.append(local)
        progress = [event async for event in api.pull_plugin(f"{repo}:1", privileges, local)]
        assert any("Digest" in str(event.get("status")) for event in progress)
        pulled = await api.inspect_plugin(local)
        assert pulled["PluginReference"] == f"{repo}:1" and pulled["Enabled"] is False

        upgrading = api.upgrade_plugin(local, f"{repo}:2", privileges)
        assert [event async for event in upgrading]
        upgraded = await api.inspect_plugin(local)
        assert upgraded["PluginReference"] == f"{repo}:2"
        assert upgraded["Config"]["Description"] == "aiodock test plugin v2"
        await api.remove_plugin(local)
