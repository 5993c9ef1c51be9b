"""``ssh://`` daemons through a real OpenSSH server started by the test (on 127.0.0.1, a
free port, keys generated here) that forwards the real daemon's socket."""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from aiodock import Docker, DockerConnectionError, DockerTimeoutError
from aiodock.containers import Container

from ..conftest import unavailable

SSHD = "/usr/sbin/sshd"
LISTEN_LOCAL = ("-o", "ListenAddress=127.0.0.1")


@dataclass(frozen=True)
class SSHServer:
    port: int
    user: str
    client_key: Path
    stranger_key: Path  # not authorized

    @property
    def url(self) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}"

    def options(self, key: Path | None = None) -> list[str]:
        return [
            *("-F", "/dev/null", "-i", str(key or self.client_key)),
            *("-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none"),
            *("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"),
        ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        capture_output=True,
    )


def _wait_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"sshd did not listen on port {port}: {log.read_text(errors='replace')}")


@contextmanager
def _sshd(*, forwarding: bool) -> Iterator[SSHServer]:
    """An sshd for the current user on 127.0.0.1, stopped and its files removed after;
    ``forwarding=False`` forbids unix socket forwarding."""
    missing = [tool for tool in (SSHD, "ssh", "ssh-keygen") if not shutil.which(tool)]
    if missing:
        unavailable(f"OpenSSH is not installed ({', '.join(missing)}): run scripts/docker-up.sh")
    directory = Path(tempfile.mkdtemp(prefix="aiodock-sshd-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        for name in ("host_key", "client_key", "stranger_key"):
            _keygen(directory / name)
        shutil.copy(directory / "client_key.pub", directory / "authorized_keys")
        config = directory / "sshd_config"
        config.write_text(
            f"HostKey {directory}/host_key\n"
            f"AuthorizedKeysFile {directory}/authorized_keys\n"
            f"PidFile {directory}/sshd.pid\n"
            "PermitRootLogin prohibit-password\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "UsePAM no\n"
            "StrictModes no\n"
            f"AllowStreamLocalForwarding {'yes' if forwarding else 'no'}\n"
            "X11Forwarding no\n"
        )
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation
        port = _free_port()
        log = directory / "sshd.log"
        with open(log, "wb") as log_file:
            process = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(config), "-p", str(port), *LISTEN_LOCAL],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
            )
        _wait_listening(process, port, log)
        yield SSHServer(
            port=port,
            user=getpass.getuser(),
            client_key=directory / "client_key",
            stranger_key=directory / "stranger_key",
        )
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def sshd() -> Iterator[SSHServer]:
    with _sshd(forwarding=True) as server:
        yield server


@pytest.fixture(scope="module")
def sshd_no_forwarding() -> Iterator[SSHServer]:
    with _sshd(forwarding=False) as server:
        yield server


def _tunnel_state(docker: Docker) -> tuple[int | None, Path]:
    assert docker.transport.dialer.tunnel is not None
    return docker.transport.dialer.tunnel.pid, Path(
        docker.transport.dialer.tunnel.socket_path
    ).parent


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # The event loop's child watcher reaps ssh; a zombie is gone from our point of view.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True


async def test_ping_version_and_clean_close(sshd: SSHServer) -> None:
    docker = Docker(sshd.url, ssh_options=sshd.options(), connect_timeout=10)
    try:
        assert docker.address.display == sshd.url
        assert await docker.ping() is True
        version = await docker.version()
        assert version["ApiVersion"] and version["Version"]
        assert docker.api_version is not None
        pid, directory = _tunnel_state(docker)
        assert pid is not None and directory.is_dir()
        assert oct(directory.stat().st_mode & 0o777) == "0o700"
        # Concurrent requests share the one tunnel.
        results = await asyncio.gather(*(docker.info() for _ in range(5)))
        assert {info["ID"] for info in results} == {results[0]["ID"]}
        assert (
            docker.transport.dialer.tunnel is not None and docker.transport.dialer.tunnel.pid == pid
        )
    finally:
        await docker.close()
    assert _gone(pid)
    assert not directory.exists()
    await docker.close()  # twice is fine


async def exec_through(docker: Docker, labels: dict[str, str], test_image: str) -> None:
    """Hijacked exec connections through the tunnel: stdin in, half-close, the output that
    comes after the close, and an exec_run."""
    container = await docker.containers.run(
        test_image, ["sleep", "3600"], detach=True, labels=labels, network_mode="none"
    )
    assert isinstance(container, Container)
    try:
        async with container.exec(["sh", "-c", "cat; echo done >&2"], stdin=True) as proc:
            out, err = await asyncio.wait_for(proc.communicate(b"over the tunnel\n"), 20)
            assert (out, err) == (b"over the tunnel\n", b"done\n")
            assert await proc.wait() == 0
        result = await container.exec_run(["sh", "-c", "echo $((6 * 7))"])
        assert (result.exit_code, result.output) == (0, b"42\n")
    finally:
        await container.remove(force=True)


async def test_run_and_exec_through_the_tunnel(
    sshd: SSHServer, labels: dict[str, str], test_image: str
) -> None:
    async with Docker(sshd.url, ssh_options=sshd.options()) as docker:
        output = await docker.containers.run(
            test_image,
            ["sh", "-c", "echo through ssh"],
            remove=True,
            labels=labels,
            network_mode="none",
        )
        assert output == b"through ssh\n"

        await exec_through(docker, labels, test_image)


async def test_unauthorized_key_fails_fast_with_ssh_message(sshd: SSHServer) -> None:
    docker = Docker(sshd.url, ssh_options=sshd.options(sshd.stranger_key), connect_timeout=10)
    try:
        started = time.monotonic()
        with pytest.raises(DockerConnectionError) as info:
            await docker.ping()
        assert time.monotonic() - started < 5
        assert info.value.address == sshd.url
        assert "Permission denied" in str(info.value)
        assert (
            docker.transport.dialer.tunnel is not None
            and docker.transport.dialer.tunnel.pid is None
        )
    finally:
        await docker.close()
    assert not Path(docker.transport.dialer.tunnel.socket_path).parent.exists()


async def test_unreachable_port_fails_fast(sshd: SSHServer) -> None:
    url = f"ssh://{sshd.user}@127.0.0.1:{_free_port()}"
    async with Docker(url, ssh_options=sshd.options(), connect_timeout=10) as docker:
        started = time.monotonic()
        with pytest.raises(DockerConnectionError) as info:
            await docker.version()
        assert time.monotonic() - started < 5
        assert info.value.address == url
        assert "Connection refused" in str(info.value)


async def test_missing_remote_socket_names_it(sshd: SSHServer) -> None:
    url = f"{sshd.url}/run/aiodock-no-such-daemon.sock"
    async with Docker(url, ssh_options=sshd.options(), connect_timeout=10) as docker:
        with pytest.raises(DockerConnectionError) as info:
            await docker.ping()
        assert "/run/aiodock-no-such-daemon.sock" in str(info.value)
        assert info.value.address == url


async def test_tunnel_restarts_after_ssh_dies(sshd: SSHServer) -> None:
    async with Docker(sshd.url, ssh_options=sshd.options()) as docker:
        assert await docker.ping()
        first, _ = _tunnel_state(docker)
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert docker.transport.dialer.tunnel is not None
        for _ in range(200):  # until the event loop has seen ssh exit
            if docker.transport.dialer.tunnel.pid is None:
                break
            await asyncio.sleep(0.01)
        assert await docker.ping()
        second, _ = _tunnel_state(docker)
        assert second is not None and second != first


async def test_context_with_an_ssh_host(
    sshd: SSHServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context_id = hashlib.sha256(b"over-ssh").hexdigest()
    meta = tmp_path / "contexts" / "meta" / context_id / "meta.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"Name": "over-ssh", "Endpoints": {"docker": {"Host": sshd.url}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("DOCKER_CONTEXT", "over-ssh")
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    async with Docker(ssh_options=sshd.options()) as docker:
        assert docker.address.context == "over-ssh"
        assert docker.address.display == sshd.url
        assert await docker.ping()


async def test_silent_server_times_out_within_connect_timeout() -> None:
    with socket.socket() as silent:  # accepts TCP connections, never speaks SSH
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"ssh://nobody@127.0.0.1:{silent.getsockname()[1]}"
        async with Docker(url, ssh_options=["-F", "/dev/null"], connect_timeout=1) as docker:
            started = time.monotonic()
            with pytest.raises(DockerTimeoutError, match="did not open a tunnel"):
                await docker.ping()
            assert time.monotonic() - started < 4
            assert (
                docker.transport.dialer.tunnel is not None
                and docker.transport.dialer.tunnel.pid is None
            )
            # Requests waiting on one attempt share its failure: one timeout, not one each.
            started = time.monotonic()
            results = await asyncio.gather(
                *(docker.info() for _ in range(4)), return_exceptions=True
            )
            assert all(isinstance(result, DockerTimeoutError) for result in results)
            assert time.monotonic() - started < 1.9


async def test_cancelling_the_first_request_stops_ssh() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"ssh://nobody@127.0.0.1:{silent.getsockname()[1]}"
        async with Docker(url, ssh_options=["-F", "/dev/null"], connect_timeout=30) as docker:
            assert docker.transport.dialer.tunnel is not None
            task = asyncio.create_task(docker.ping())
            for _ in range(500):  # until ssh runs
                if docker.transport.dialer.tunnel.pid is not None:
                    break
                await asyncio.sleep(0.01)
            pid = docker.transport.dialer.tunnel.pid
            assert pid is not None
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert docker.transport.dialer.tunnel.pid is None
            assert _gone(pid)


# --- dial-stdio: ssh host docker system dial-stdio, one per connection ---------------------


async def test_forwarding_refused_suggests_dial_stdio(sshd_no_forwarding: SSHServer) -> None:
    async with Docker(sshd_no_forwarding.url, ssh_options=sshd_no_forwarding.options()) as docker:
        with pytest.raises(DockerConnectionError, match="dial-stdio"):
            await docker.ping()


async def test_dial_stdio_where_forwarding_is_refused(
    sshd_no_forwarding: SSHServer, labels: dict[str, str], test_image: str
) -> None:
    server = sshd_no_forwarding
    docker = Docker(server.url, ssh_options=server.options(), ssh_mode="dial-stdio")
    async with docker:
        assert await docker.ping()
        assert (await docker.version())["ApiVersion"]
        # Requests in parallel: each pooled connection is an ssh of its own.
        infos = await asyncio.gather(*(docker.info() for _ in range(4)))
        assert len({info["ID"] for info in infos}) == 1
        assert (
            docker.transport.dialer.tunnel is not None and docker.transport.dialer.tunnel.relay_pids
        )
        await exec_through(docker, labels, test_image)  # each exec over an ssh of its own
        relays = docker.transport.dialer.tunnel.relay_pids
        directory = Path(docker.transport.dialer.tunnel.socket_path).parent
    # Closing ends every relayed ssh and removes the private directory.
    assert all(_gone(pid) for pid in relays)
    assert not directory.exists()


async def test_dial_stdio_names_a_missing_remote_socket(sshd_no_forwarding: SSHServer) -> None:
    url = f"{sshd_no_forwarding.url}/run/nowhere/docker.sock"
    options = sshd_no_forwarding.options()
    async with Docker(url, ssh_options=options, ssh_mode="dial-stdio") as docker:
        with pytest.raises(DockerConnectionError, match=r"/run/nowhere/docker\.sock"):
            await docker.ping()
