"""Managed plugins against the real daemon: a plugin built here from the busybox test
image's filesystem, created, configured, enabled, pushed to and installed from the local
authenticated registry, upgraded and removed.

Enabling needs the plugin to listen on its socket (the daemon only checks that a
connection succeeds, for about 20 seconds, before it gives up), and busybox cannot listen
on a Unix socket: a tiny static listener is compiled with the host's C compiler. Without
one the plugin just sleeps and the tests that enable it are skipped.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
import tarfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from aiodock import APIError, Conflict, Docker, InvalidArgument, NotFound
from aiodock.plugins import Plugin, PluginData, plugin_tar

from ..conftest import TEST_IMAGE, TEST_LABELS, unavailable
from .registry import LocalRegistry

LISTENER_C = r"""
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
/* Accepts connections on the plugin socket; answers any request with the handshake.
   As PID 1 it must handle SIGTERM itself, or disabling waits for the daemon's kill. */
static void stop(int sig) { _exit(0); }
int main(void) {
    static const char path[] = "/run/docker/plugins/plug.sock";
    static const char answer[] =
        "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.plugins.v1+json\r\n"
        "Content-Length: 31\r\nConnection: close\r\n\r\n{\"Implements\":[\"VolumeDriver\"]}";
    struct sockaddr_un addr;
    char buf[4096];
    int server = socket(AF_UNIX, SOCK_STREAM, 0);
    signal(SIGTERM, stop);
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    unlink(path);
    if (server < 0 || bind(server, (struct sockaddr *)&addr, sizeof addr) || listen(server, 16))
        return 1;
    for (;;) {
        int conn = accept(server, 0, 0);
        if (conn < 0) continue;
        if (read(conn, buf, sizeof buf) > 0) write(conn, answer, sizeof answer - 1);
        close(conn);
    }
}
"""

LISTENER = "/bin/plugin-listen"


def plugin_config(
    entrypoint: list[str], description: str = "aiodock test plugin"
) -> dict[str, Any]:
    return {
        "Description": description,
        "Documentation": "https://example.invalid/aiodock",
        "Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": "plug.sock"},
        "Entrypoint": entrypoint,
        "Network": {"Type": "none"},
        "Env": [
            {"Name": "DEBUG", "Description": "debug output", "Settable": ["value"], "Value": "0"}
        ],
    }


async def _export_busybox(target: Path) -> None:
    async with Docker() as docker:
        container = await docker.containers.create(TEST_IMAGE, labels=TEST_LABELS)
        try:
            data = await container.export().read()
        finally:
            await container.remove(force=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = [m for m in tar.getmembers() if not (m.ischr() or m.isblk())]
        tar.extractall(target, members=members, filter="tar")


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory, daemon: None) -> Iterator[Path]:
    """A plugin directory: ``config.json`` and a busybox ``rootfs/`` whose entrypoint
    listens on the plugin socket (or sleeps, without a C compiler)."""
    root = tmp_path_factory.mktemp("plugin")
    rootfs = root / "rootfs"
    rootfs.mkdir()
    asyncio.run(_export_busybox(rootfs))
    entrypoint = ["/bin/sleep", "3600"]
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is not None:
        source = root.parent / "listen.c"
        source.write_text(LISTENER_C)
        built = subprocess.run(
            [compiler, "-static", "-Os", "-s", "-o", str(rootfs / LISTENER[1:]), str(source)],
            capture_output=True,
        )
        if built.returncode == 0:
            entrypoint = [LISTENER]
    (root / "config.json").write_text(json.dumps(plugin_config(entrypoint)))
    yield root


@pytest.fixture
def can_enable(plugin_dir: Path) -> None:
    config = json.loads((plugin_dir / "config.json").read_text())
    if config["Entrypoint"] != [LISTENER]:
        unavailable("no static C compiler to build the plugin's socket listener")


@pytest.fixture
async def cleanup(docker: Docker) -> AsyncIterator[list[str]]:
    """Names of plugins to remove after the test, whatever happens."""
    names: list[str] = []
    yield names
    for name in names:
        try:
            await docker.plugins.remove(name, force=True)
        except NotFound:
            pass


def unique(prefix: str = "aiodock-test-plugin") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def stamp(directory: Path) -> Path:
    """Make the plugin's rootfs unique: the daemon refuses to create a plugin whose rootfs
    is byte for byte that of an existing one (409 "content sha256:...: already exists")."""
    (directory / "rootfs" / "etc" / "aiodock-plugin-stamp").write_text(uuid.uuid4().hex)
    return directory


@pytest.mark.needs("plugins")
async def test_create_get_list_configure_remove(
    docker: Docker, plugin_dir: Path, cleanup: list[str]
) -> None:
    name = unique()
    cleanup.append(name)
    plugin = await docker.plugins.create(name, stamp(plugin_dir))
    assert isinstance(plugin, Plugin)
    assert plugin.name == f"{name}:latest"
    assert plugin.enabled is False
    assert plugin.settings["Env"] == ["DEBUG=0"]
    assert plugin.attrs["Config"]["Description"] == "aiodock test plugin"
    assert plugin.attrs["Config"]["Interface"]["Types"] == ["docker.volumedriver/1.0"]

    assert await docker.plugins.get(f"{name}:latest") == plugin
    by_id = await docker.plugins.get(plugin.id)
    assert by_id.name == plugin.name

    assert plugin in await docker.plugins.list()
    assert plugin in await docker.plugins.list(
        filters={"capability": "volumedriver", "enabled": False}
    )
    assert plugin not in await docker.plugins.list(filters={"enabled": True})
    assert plugin in await docker.plugins.list(filters={"enable": False})  # the spec's name

    await plugin.configure({"DEBUG": "1"})
    assert plugin.settings["Env"] == ["DEBUG=1"]
    await docker.plugins.configure(name, ["DEBUG=2"])
    await plugin.reload()
    assert plugin.settings["Env"] == ["DEBUG=2"]

    await plugin.remove()
    with pytest.raises(NotFound):
        await docker.plugins.get(name)


@pytest.mark.needs("plugins")
async def test_enable_disable(
    docker: Docker, plugin_dir: Path, cleanup: list[str], can_enable: None
) -> None:
    name = unique()
    cleanup.append(name)
    plugin = await docker.plugins.create(name, stamp(plugin_dir))
    await plugin.enable(timeout=10)
    assert plugin.enabled is True
    assert plugin in await docker.plugins.list(filters={"enabled": True})

    with pytest.raises(Conflict, match="is enabled"):  # removal needs force
        await plugin.remove()
    with pytest.raises(APIError):  # settings change only while disabled
        await plugin.configure({"DEBUG": "1"})

    await plugin.disable()
    assert plugin.enabled is False
    await docker.plugins.enable(name)
    assert (await docker.plugins.get(name)).enabled is True
    await docker.plugins.remove(name, force=True)
    with pytest.raises(NotFound):
        await docker.plugins.get(name)


@pytest.mark.needs("plugins")
async def test_create_from_ready_tar(
    docker: Docker, plugin_dir: Path, tmp_path: Path, cleanup: list[str]
) -> None:
    async def fresh_tar() -> list[bytes]:
        # A rootfs of its own each time: the daemon collects a removed plugin's blobs in
        # the background, and creating identical content meanwhile answers 409.
        return [chunk async for chunk in plugin_tar(stamp(plugin_dir))]

    data = b"".join(await fresh_tar())
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
        assert "config.json" in names and "rootfs/bin/busybox" in names
        assert tar.getmember("rootfs/bin/sh").issym() or tar.getmember("rootfs/bin/sh").islnk()
    tar_path = tmp_path / "plugin.tar"
    tar_path.write_bytes(b"".join(await fresh_tar()))
    file_path = tmp_path / "file.tar"
    file_path.write_bytes(b"".join(await fresh_tar()))
    chunks = await fresh_tar()

    async def iterate() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    with file_path.open("rb") as fh:
        sources: list[PluginData] = [data, str(tar_path), fh, iterate()]
        for source in sources:
            name = unique()
            cleanup.append(name)
            plugin = await docker.plugins.create(name, source)
            assert plugin.attrs["Config"]["Description"] == "aiodock test plugin"
            await plugin.remove()


@pytest.mark.needs("plugins")
async def test_push_install_upgrade(
    docker: Docker, plugin_dir: Path, tmp_path: Path, cleanup: list[str]
) -> None:
    with LocalRegistry() as registry:
        repo = f"{registry.host}/aiodock/{unique('plug')}"
        cleanup.extend([f"{repo}:1", f"{repo}:2"])
        source = await docker.plugins.create(f"{repo}:1", stamp(plugin_dir))

        # The registry wants credentials. (The daemon then reports its failed HTTPS
        # attempt, "server gave HTTP response to HTTPS client", not the 401.)
        with pytest.raises(APIError):
            await source.push(auth_config={"username": "nobody", "password": "wrong"})
        events = []
        pushed = source.push(auth_config=registry.auth_config)
        async for event in pushed:
            events.append(event)
        aux = [e["aux"] for e in events if "aux" in e]
        assert aux and aux[-1]["Tag"] == "1" and aux[-1]["Digest"].startswith("sha256:")

        # A second version, with another description, to upgrade to.
        v2 = tmp_path / "v2"
        v2.mkdir()
        shutil.copytree(plugin_dir / "rootfs", v2 / "rootfs", symlinks=True)
        config = json.loads((plugin_dir / "config.json").read_text())
        config["Description"] = "aiodock test plugin v2"
        (v2 / "config.json").write_text(json.dumps(config))
        second = await docker.plugins.create(f"{repo}:2", stamp(v2))
        assert await second.push(auth_config=registry.auth_config) != {}
        await source.remove()
        await second.remove()

        privileges = await docker.plugins.privileges(f"{repo}:1", registry.auth_config)
        assert privileges == [
            {"Name": "network", "Description": "permissions to access a network", "Value": ["none"]}
        ]
        refused = unique()
        cleanup.append(refused)
        with pytest.raises(APIError, match="incorrect privileges"):  # must be those asked for
            await docker.plugins.install(
                f"{repo}:1", refused, privileges=[], auth_config=registry.auth_config
            )

        local = unique()
        cleanup.append(local)
        installing = docker.plugins.install(f"{repo}:1", local, auth_config=registry.auth_config)
        progress = [event async for event in installing]
        assert any("Digest" in str(event.get("status")) for event in progress)
        installed = await installing
        assert installed.name == f"{local}:latest"
        assert installed.reference == f"{repo}:1"
        assert installed.enabled is False
        await installed.configure({"DEBUG": "1"})

        upgraded = await installed.upgrade(f"{repo}:2", auth_config=registry.auth_config)
        assert upgraded is installed
        assert installed.reference == f"{repo}:2"
        assert installed.attrs["Config"]["Description"] == "aiodock test plugin v2"
        assert installed.settings["Env"] == ["DEBUG=1"]  # settings survive an upgrade

        back = await docker.plugins.upgrade(
            local, f"{repo}:1", privileges=privileges, auth_config=registry.auth_config
        )
        assert back.attrs["Config"]["Description"] == "aiodock test plugin"
        await back.remove()

        # Credentials found by the client's own login, as for image pulls.
        await docker.login(registry.username, registry.password, registry=registry.host)
        again = await docker.plugins.install(f"{repo}:2")
        cleanup.append(again.name)
        assert again.name == f"{repo}:2"
        await again.remove()


@pytest.mark.needs("plugins")
async def test_missing_plugin_raises_not_found(docker: Docker) -> None:
    missing = unique("aiodock-test-missing")
    with pytest.raises(NotFound):
        await docker.plugins.get(missing)
    with pytest.raises(NotFound):
        await docker.plugins.enable(missing)
    with pytest.raises(NotFound):
        await docker.plugins.disable(missing)
    with pytest.raises(NotFound):
        await docker.plugins.remove(missing)
    with pytest.raises(NotFound):
        await docker.plugins.configure(missing, {"DEBUG": "1"})
    with pytest.raises(NotFound):
        await docker.plugins.push(missing)
    with pytest.raises(NotFound):
        await docker.plugins.upgrade(missing, "127.0.0.1:1/nothing", privileges=[])


async def test_bad_arguments_raise_before_any_request(tmp_path: Path) -> None:
    (tmp_path / "rootfs").mkdir()
    # Nothing listens there: an InvalidArgument proves that no request was tried.
    async with Docker(f"unix://{tmp_path}/nothing.sock") as docker:
        plugins = docker.plugins
        with pytest.raises(InvalidArgument, match="name"):
            await plugins.get("")
        with pytest.raises(InvalidArgument, match="name"):
            await plugins.create("Not A Name", tmp_path)
        with pytest.raises(InvalidArgument, match=r"config\.json"):
            await plugins.create("fine", tmp_path)
        with pytest.raises(InvalidArgument, match="gzip"):
            await plugins.create("fine", tmp_path, gzip=True)
        with pytest.raises(InvalidArgument, match="plugin_data_dir"):
            await plugins.create("fine", tmp_path / "missing.tar")
        with pytest.raises(InvalidArgument, match="plugin_data_dir"):
            await plugins.create("fine", 42)  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument, match="unknown filter"):
            await plugins.list(filters={"driver": "x"})
        with pytest.raises(InvalidArgument, match="DEBUG"):
            await plugins.configure("p", {"DEBUG": object()})  # type: ignore[dict-item]
        with pytest.raises(InvalidArgument, match="KEY=value"):
            await plugins.configure("p", "DEBUG=1")
        with pytest.raises(InvalidArgument, match="KEY=value"):
            await plugins.configure("p", ["DEBUG"])
        with pytest.raises(InvalidArgument, match="timeout"):
            await plugins.enable("p", timeout=-1)
        with pytest.raises(InvalidArgument, match="remote_name"):
            plugins.install("Bad Name")
        with pytest.raises(InvalidArgument, match="local_name"):
            plugins.install("vieux/sshfs", "Bad Name")
        with pytest.raises(InvalidArgument, match="digest"):
            plugins.install("vieux/sshfs", "sshfs@sha256:" + "a" * 64)
        with pytest.raises(InvalidArgument, match="digest"):
            await plugins.create("fine@sha256:" + "a" * 64, tmp_path)
        with pytest.raises(InvalidArgument, match="privileges"):
            plugins.install("vieux/sshfs", privileges="network")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument, match="privileges"):
            plugins.install("vieux/sshfs", privileges=[{"Value": ["host"]}])
        with pytest.raises(InvalidArgument, match="remote"):
            plugins.upgrade("p", "")
        with pytest.raises(InvalidArgument, match="remote"):
            await plugins.privileges("Bad Name")


async def test_plugin_tar_keeps_owners_and_ignores_dockerignore(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    rootfs = tmp_path / "rootfs"
    (rootfs / "data").mkdir(parents=True)
    owned = rootfs / "data" / "owned"
    owned.write_bytes(b"x" * 70000)
    os.chown(owned, 1234, 5678)
    owned.chmod(0o640)
    os.link(owned, rootfs / "data" / "twin")  # sorts after: the link, not the file
    os.symlink("owned", rootfs / "data" / "soft")
    (tmp_path / ".dockerignore").write_text("rootfs\n")  # not a build context: not read

    data = b"".join([chunk async for chunk in plugin_tar(tmp_path)])
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.getmember("rootfs/data/owned")
        assert (member.uid, member.gid, member.mode, member.size) == (1234, 5678, 0o640, 70000)
        extracted = tar.extractfile(member)
        assert extracted is not None and extracted.read() == b"x" * 70000
        assert tar.getmember("rootfs/data/twin").linkname == "rootfs/data/owned"
        assert tar.getmember("rootfs/data/soft").linkname == "owned"
        assert ".dockerignore" in tar.getnames()
    gzipped = b"".join([chunk async for chunk in plugin_tar(tmp_path, gzip=True)])
    assert gzipped[:2] == b"\x1f\x8b"
    with tarfile.open(fileobj=io.BytesIO(gzipped)) as tar:
        assert "rootfs/data/owned" in tar.getnames()
