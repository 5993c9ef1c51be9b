"""Daemon address and TLS settings, read as the docker CLI reads them."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest

from aiodock import Docker
from aiodock.errors import DockerConnectionError, InvalidArgument
from aiodock.transport.address import SSHTarget, TLSConfig, parse_address
from aiodock.transport.ssh import SSHTunnel


def test_default_is_the_unix_socket() -> None:
    address = parse_address(environ={})
    assert address.unix_path == "/var/run/docker.sock"
    assert address.display == "unix:///var/run/docker.sock"


def test_docker_host_is_read_and_the_argument_wins() -> None:
    env = {"DOCKER_HOST": "tcp://10.1.2.3:2375"}
    assert parse_address(environ=env).display == "tcp://10.1.2.3:2375"
    assert parse_address("unix:///tmp/d.sock", environ=env).unix_path == "/tmp/d.sock"


def test_tcp_default_ports_follow_tls() -> None:
    assert parse_address("tcp://example.test", environ={}).port == 2375
    address = parse_address("tcp://example.test", tls=True, environ={})
    assert address.port == 2376
    assert str(address.base_url) == "https://example.test:2376"
    assert isinstance(address.ssl, ssl.SSLContext)


@pytest.mark.parametrize(
    "url",
    [
        "npipe:////./pipe/docker",
        "tcp://",
        "localhost:2375",
        "tcp://h:1/p",
        "ssh://",
        "ssh://user:secret@host",
        "ssh://host:notaport",
        "ssh://host?x=1",
        "ssh://-oProxyCommand=evil",
    ],
)
def test_unsupported_addresses_are_rejected(url: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_address(url, environ={})


@pytest.fixture(scope="module")
def cert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("certs")
    for name in ("ca", "cert"):
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                f"/CN={name}",
                "-keyout",
                str(directory / f"{name}-key.pem"),
                "-out",
                str(directory / f"{name}.pem"),
            ],
            check=True,
            capture_output=True,
        )
    (directory / "cert-key.pem").rename(directory / "key.pem")
    return directory


def test_tls_from_env_like_the_cli(cert_dir: Path) -> None:
    env = {
        "DOCKER_HOST": "tcp://daemon.test:2376",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(cert_dir),
    }
    config = TLSConfig.from_env(env)
    assert config is not None and config.verify
    assert config.ca_cert == cert_dir / "ca.pem"
    assert config.client_cert == cert_dir / "cert.pem"
    address = parse_address(environ=env)
    assert str(address.base_url) == "https://daemon.test:2376"
    assert address.ssl is not None and address.ssl.verify_mode == ssl.CERT_REQUIRED


def test_tls_without_verify(cert_dir: Path) -> None:
    config = TLSConfig.from_env({"DOCKER_TLS": "1", "DOCKER_CERT_PATH": str(cert_dir)})
    assert config is not None and not config.verify and config.ca_cert is None
    assert config.ssl_context().verify_mode == ssl.CERT_NONE


def test_no_tls_env_means_plain_http() -> None:
    assert TLSConfig.from_env({}) is None
    assert str(parse_address("tcp://h:1", environ={}).base_url) == "http://h:1"


def test_tls_config_checks_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="ca_cert"):
        TLSConfig(ca_cert=tmp_path / "missing.pem")
    with pytest.raises(InvalidArgument, match="go together"):
        TLSConfig(client_cert=tmp_path / "c.pem")


@pytest.mark.parametrize(
    ("url", "target", "display"),
    [
        ("ssh://build-1", SSHTarget("build-1"), "ssh://build-1"),
        (
            "ssh://deploy@10.0.0.5:2222",
            SSHTarget("10.0.0.5", user="deploy", port=2222),
            "ssh://deploy@10.0.0.5:2222",
        ),
        ("ssh://me@[::1]:22", SSHTarget("::1", user="me", port=22), "ssh://me@[::1]:22"),
        (
            "SSH://me@host/run/user/1000/docker.sock",
            SSHTarget("host", user="me", socket_path="/run/user/1000/docker.sock"),
            "ssh://me@host/run/user/1000/docker.sock",
        ),
    ],
)
def test_ssh_addresses(url: str, target: SSHTarget, display: str) -> None:
    address = parse_address(url, environ={})
    assert address.ssh == target
    assert address.display == display
    assert address.unix_path is None  # the client sets the tunnel's local socket
    assert str(address.base_url) == "http://localhost"


def test_docker_host_may_be_ssh() -> None:
    address = parse_address(environ={"DOCKER_HOST": "ssh://ops@gateway"})
    assert address.ssh == SSHTarget("gateway", user="ops")


def test_ssh_command_line() -> None:
    target = SSHTarget("10.0.0.5", user="deploy", port=2222)
    tunnel = SSHTunnel(target, display="ssh://deploy@10.0.0.5:2222", options=["-i", "key"])
    argv = tunnel.command_line(connect_timeout=2.5)
    # Extra options come first: ssh keeps the first value it sees for an option.
    assert argv[:4] == ["ssh", "-i", "key", "-nNT"]
    assert "ExitOnForwardFailure=yes" in argv and "BatchMode=yes" in argv
    assert "ConnectTimeout=3" in argv
    assert argv[argv.index("-L") + 1] == f"{tunnel.socket_path}:/var/run/docker.sock"
    assert argv[argv.index("-p") + 1] == "2222"
    assert argv[argv.index("-l") + 1] == "deploy"
    assert argv[-2:] == ["--", "10.0.0.5"]
    plain = SSHTunnel(SSHTarget("h"), display="ssh://h").command_line()
    assert "-p" not in plain and "-l" not in plain and plain[-2:] == ["--", "h"]


def test_ssh_client_uses_the_tunnel_socket() -> None:
    docker = Docker("ssh://me@host:2200", ssh_options=["-i", "key"])
    assert docker.transport.dialer.tunnel is not None
    assert docker.transport.dialer.unix_path == docker.transport.dialer.tunnel.socket_path
    assert docker.address.display == "ssh://me@host:2200"
    assert not Path(docker.transport.dialer.tunnel.socket_path).parent.exists()  # made on first use


@pytest.mark.parametrize("options", ["-i key", [b"-i"], ["-i", 3]])
def test_ssh_options_must_be_a_list_of_strings(options: object) -> None:
    with pytest.raises(InvalidArgument, match="ssh_options"):
        Docker("ssh://host", ssh_options=options)  # type: ignore[arg-type]


async def test_missing_ssh_client_is_a_connection_error() -> None:
    tunnel = SSHTunnel(SSHTarget("host"), display="ssh://host", command="/nonexistent/ssh")
    try:
        with pytest.raises(DockerConnectionError, match="cannot start the ssh client") as info:
            await tunnel.start(timeout=5)
        assert info.value.address == "ssh://host"
        assert not tunnel.running
    finally:
        await tunnel.close()
    assert not Path(tunnel.socket_path).parent.exists()
