"""Daemon address and TLS settings, read as the docker CLI reads them."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest

from aiodock.connection import TLSConfig, parse_address
from aiodock.errors import InvalidArgument


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
    "url", ["ssh://host", "npipe:////./pipe/docker", "tcp://", "localhost:2375", "tcp://h:1/p"]
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

