"""docker CLI contexts against the real daemon, and against contexts the real docker CLI
stored (when it is installed)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from aiodock import Docker
from aiodock.transport.address import load_context

from ..conftest import unavailable

DAEMON_SOCKET = "/var/run/docker.sock"


def _store_context(config_dir: Path, name: str, host: str) -> None:
    meta_dir = config_dir / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta_dir.mkdir(parents=True)
    endpoint = {"Host": host, "SkipTLSVerify": False}
    meta = {"Name": name, "Metadata": {}, "Endpoints": {"docker": endpoint}}
    (meta_dir / "meta.json").write_text(json.dumps(meta))


async def test_current_context_reaches_the_daemon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_context(tmp_path, "local", f"unix://{DAEMON_SOCKET}")
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "local"}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    async with Docker() as docker:
        assert docker.address.context == "local"
        assert docker.address.unix_path == DAEMON_SOCKET
        assert await docker.ping() is True
        assert (await docker.version())["ApiVersion"]


async def test_docker_context_variable_and_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_context(tmp_path, "real", f"unix://{DAEMON_SOCKET}")
    _store_context(tmp_path, "dead", "unix:///nonexistent/aiodock.sock")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_CONTEXT", "dead")
    async with Docker(context="real") as docker:  # the argument wins over DOCKER_CONTEXT
        assert await docker.ping() is True
    monkeypatch.setenv("DOCKER_CONTEXT", "real")
    async with Docker() as docker:
        assert docker.address.context == "real"
        assert await docker.ping() is True


@pytest.fixture
def docker_cli() -> str:
    cli = shutil.which("docker")
    if cli is None:
        unavailable("the docker CLI is not installed")
    return cli


@pytest.fixture
def cli_config(docker_cli: str, tmp_path: Path) -> Path:
    """A docker CLI configuration whose current context ``cli-made``, made by the CLI
    itself, points at the daemon's socket."""
    env = {**os.environ, "DOCKER_CONFIG": str(tmp_path)}
    env.pop("DOCKER_HOST", None)
    env.pop("DOCKER_CONTEXT", None)
    for args in (
        ["context", "create", "--docker", f"host=unix://{DAEMON_SOCKET}", "cli-made"],
        ["context", "use", "cli-made"],
    ):
        subprocess.run([docker_cli, *args], env=env, check=True, capture_output=True)
    return tmp_path


async def test_context_made_by_the_docker_cli(
    cli_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(cli_config))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    async with Docker() as docker:
        assert docker.address.context == "cli-made"
        assert await docker.ping() is True


def test_tls_files_stored_by_the_docker_cli(docker_cli: str, tmp_path: Path) -> None:
    pem = tmp_path / "pem"
    pem.mkdir()
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=test", "-keyout", str(pem / "key.pem"), "-out", str(pem / "cert.pem")),
        ],
        check=True,
        capture_output=True,
    )
    config_dir = tmp_path / "config"
    env = {**os.environ, "DOCKER_CONFIG": str(config_dir)}
    host = (
        f"host=tcp://secure.test:2376,ca={pem}/cert.pem,cert={pem}/cert.pem,"
        f"key={pem}/key.pem,skip-tls-verify=true"
    )
    subprocess.run(
        [docker_cli, "context", "create", "--docker", host, "cli-tls"],
        env=env,
        check=True,
        capture_output=True,
    )
    stored = load_context("cli-tls", {"DOCKER_CONFIG": str(config_dir)})
    assert stored.host == "tcp://secure.test:2376" and stored.skip_tls_verify
    assert stored.tls is not None and not stored.tls.verify
    assert stored.tls.ca_cert is not None and stored.tls.client_key is not None
    assert Path(stored.tls.ca_cert).read_bytes() == (pem / "cert.pem").read_bytes()
