"""docker CLI contexts: which one is used, and what a stored one resolves to."""

from __future__ import annotations

import hashlib
import json
import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest

from aiodock import Docker
from aiodock.errors import InvalidArgument
from aiodock.transport.address import (
    SSHTarget,
    current_context_name,
    docker_config_dir,
    load_context,
    parse_address,
)


def write_context(
    config_dir: Path,
    name: str,
    host: str,
    *,
    skip_tls_verify: bool = False,
    tls_files: dict[str, Path] | None = None,
) -> str:
    """Store a context as ``docker context create`` does; returns its directory id."""
    context_id = hashlib.sha256(name.encode()).hexdigest()
    meta_dir = config_dir / "contexts" / "meta" / context_id
    meta_dir.mkdir(parents=True)
    meta = {
        "Name": name,
        "Metadata": {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_tls_verify}},
    }
    (meta_dir / "meta.json").write_text(json.dumps(meta))
    if tls_files:
        tls_dir = config_dir / "contexts" / "tls" / context_id / "docker"
        tls_dir.mkdir(parents=True)
        for file_name, source in tls_files.items():
            (tls_dir / file_name).write_bytes(source.read_bytes())
    return context_id


def write_config(config_dir: Path, **fields: Any) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.json").write_text(json.dumps({"auths": {}, **fields}))


@pytest.fixture(scope="module")
def pems(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A self-signed CA certificate and a client certificate with its key."""
    directory = tmp_path_factory.mktemp("pems")
    for name in ("ca", "cert"):
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
                *("-subj", f"/CN={name}", "-keyout", str(directory / f"{name}-key.pem")),
                *("-out", str(directory / f"{name}.pem")),
            ],
            check=True,
            capture_output=True,
        )
    return {
        "ca.pem": directory / "ca.pem",
        "cert.pem": directory / "cert.pem",
        "key.pem": directory / "cert-key.pem",
    }


# --- which context -------------------------------------------------------------------------


def test_config_dir_is_docker_config_else_home(tmp_path: Path) -> None:
    assert docker_config_dir({"DOCKER_CONFIG": str(tmp_path)}) == tmp_path
    assert docker_config_dir({}) == Path.home() / ".docker"


def test_no_config_means_the_default_context(tmp_path: Path) -> None:
    assert current_context_name({"DOCKER_CONFIG": str(tmp_path / "none")}) == "default"
    write_config(tmp_path)  # a config.json without currentContext
    assert current_context_name({"DOCKER_CONFIG": str(tmp_path)}) == "default"


def test_current_context_of_config_json(tmp_path: Path) -> None:
    write_config(tmp_path, currentContext="remote")
    assert current_context_name({"DOCKER_CONFIG": str(tmp_path)}) == "remote"


def test_docker_context_wins_over_config_json(tmp_path: Path) -> None:
    write_config(tmp_path, currentContext="remote")
    env = {"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "other"}
    assert current_context_name(env) == "other"


def test_docker_host_wins_over_docker_context_and_config(tmp_path: Path) -> None:
    # As the docker CLI: a non-empty DOCKER_HOST selects the default context.
    write_config(tmp_path, currentContext="remote")
    write_context(tmp_path, "remote", "tcp://remote.test:2375")
    env = {
        "DOCKER_CONFIG": str(tmp_path),
        "DOCKER_CONTEXT": "remote",
        "DOCKER_HOST": "unix:///run/other.sock",
    }
    assert current_context_name(env) == "default"
    address = parse_address(environ=env)
    assert address.unix_path == "/run/other.sock" and address.context is None


def test_empty_variables_are_unset(tmp_path: Path) -> None:
    write_config(tmp_path, currentContext="remote")
    env = {"DOCKER_CONFIG": str(tmp_path), "DOCKER_HOST": "", "DOCKER_CONTEXT": ""}
    assert current_context_name(env) == "remote"


def test_default_context_means_docker_host_else_the_socket(tmp_path: Path) -> None:
    env = {"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "default"}
    assert parse_address(environ=env).unix_path == "/var/run/docker.sock"
    write_config(tmp_path, currentContext="default")
    assert parse_address(environ={"DOCKER_CONFIG": str(tmp_path)}).display == (
        "unix:///var/run/docker.sock"
    )
    env_host = {"DOCKER_CONFIG": str(tmp_path), "DOCKER_HOST": "tcp://h.test:2375"}
    assert parse_address(context="default", environ=env_host).display == "tcp://h.test:2375"


# --- what a context resolves to ------------------------------------------------------------


def test_named_context_from_config_json(tmp_path: Path) -> None:
    write_context(tmp_path, "local-sock", "unix:///run/ctx/docker.sock")
    write_config(tmp_path, currentContext="local-sock")
    address = parse_address(environ={"DOCKER_CONFIG": str(tmp_path)})
    assert address.unix_path == "/run/ctx/docker.sock"
    assert address.context == "local-sock"
    assert address.ssl is None


def test_context_argument_wins_over_the_environment(tmp_path: Path) -> None:
    write_context(tmp_path, "a", "tcp://a.test:2375")
    write_context(tmp_path, "b", "tcp://b.test:2375")
    env = {"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "a", "DOCKER_HOST": "tcp://h:1"}
    address = parse_address(context="b", environ=env)
    assert (address.host, address.port, address.context) == ("b.test", 2375, "b")


def test_url_and_context_together_are_ambiguous(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="not both"):
        parse_address("unix:///x.sock", context="b", environ={"DOCKER_CONFIG": str(tmp_path)})


def test_url_argument_ignores_contexts(tmp_path: Path) -> None:
    write_config(tmp_path, currentContext="missing")
    env = {"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "missing"}
    assert parse_address("unix:///given.sock", environ=env).unix_path == "/given.sock"


def test_context_with_tls_files(tmp_path: Path, pems: dict[str, Path]) -> None:
    context_id = write_context(tmp_path, "secure", "tcp://secure.test:2376", tls_files=pems)
    stored = load_context("secure", {"DOCKER_CONFIG": str(tmp_path)})
    tls_dir = tmp_path / "contexts" / "tls" / context_id / "docker"
    assert stored.tls is not None and stored.tls.verify
    assert stored.tls.ca_cert == tls_dir / "ca.pem"
    assert stored.tls.client_cert == tls_dir / "cert.pem"
    assert stored.tls.client_key == tls_dir / "key.pem"
    # The context's TLS applies whatever DOCKER_TLS_VERIFY/DOCKER_CERT_PATH say.
    env = {"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "secure", "DOCKER_TLS": ""}
    address = parse_address(environ=env)
    assert str(address.base_url) == "https://secure.test:2376"
    assert address.ssl is not None and address.ssl.verify_mode == ssl.CERT_REQUIRED
    assert address.display == "https://secure.test:2376"


def test_context_skip_tls_verify(tmp_path: Path, pems: dict[str, Path]) -> None:
    write_context(
        tmp_path,
        "insecure",
        "tcp://insecure.test:2376",
        skip_tls_verify=True,
        tls_files={"ca.pem": pems["ca.pem"]},
    )
    address = parse_address(context="insecure", environ={"DOCKER_CONFIG": str(tmp_path)})
    assert address.ssl is not None and address.ssl.verify_mode == ssl.CERT_NONE
    assert not address.ssl.check_hostname


def test_context_skip_tls_verify_without_files_still_uses_tls(tmp_path: Path) -> None:
    write_context(tmp_path, "skip", "tcp://skip.test:2376", skip_tls_verify=True)
    address = parse_address(context="skip", environ={"DOCKER_CONFIG": str(tmp_path)})
    assert str(address.base_url) == "https://skip.test:2376"
    assert address.ssl is not None and address.ssl.verify_mode == ssl.CERT_NONE


def test_context_without_tls_is_plain_http_despite_tls_variables(tmp_path: Path) -> None:
    write_context(tmp_path, "plain", "tcp://plain.test:2375")
    env = {"DOCKER_CONFIG": str(tmp_path), "DOCKER_TLS_VERIFY": "1"}
    address = parse_address(context="plain", environ=env)
    assert str(address.base_url) == "http://plain.test:2375" and address.ssl is None


def test_explicit_tls_argument_wins_over_the_context(tmp_path: Path) -> None:
    write_context(tmp_path, "plain", "tcp://plain.test:2376")
    address = parse_address(tls=True, context="plain", environ={"DOCKER_CONFIG": str(tmp_path)})
    assert str(address.base_url) == "https://plain.test:2376"


def test_context_with_an_ssh_host(tmp_path: Path) -> None:
    write_context(tmp_path, "over-ssh", "ssh://ops@build-1:2222")
    address = parse_address(context="over-ssh", environ={"DOCKER_CONFIG": str(tmp_path)})
    assert address.ssh == SSHTarget("build-1", user="ops", port=2222)
    assert address.display == "ssh://ops@build-1:2222" and address.context == "over-ssh"


def test_client_takes_a_context_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_context(tmp_path, "ctx", "unix:///run/ctx.sock")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    docker = Docker(context="ctx")
    assert docker.address.unix_path == "/run/ctx.sock" and docker.address.context == "ctx"
    with pytest.raises(InvalidArgument, match="not both"):
        Docker("unix:///x.sock", context="ctx")


# --- errors --------------------------------------------------------------------------------


def test_missing_context_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="'nowhere' does not exist"):
        parse_address(context="nowhere", environ={"DOCKER_CONFIG": str(tmp_path)})
    env = {"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "gone"}
    with pytest.raises(InvalidArgument, match="'gone' does not exist"):
        parse_address(environ=env)
    write_config(tmp_path, currentContext="stale")
    with pytest.raises(InvalidArgument, match="'stale' does not exist"):
        parse_address(environ={"DOCKER_CONFIG": str(tmp_path)})


def test_context_without_docker_endpoint(tmp_path: Path) -> None:
    meta_dir = tmp_path / "contexts" / "meta" / hashlib.sha256(b"k8s-only").hexdigest()
    meta_dir.mkdir(parents=True)
    (meta_dir / "meta.json").write_text(json.dumps({"Name": "k8s-only", "Endpoints": {}}))
    with pytest.raises(InvalidArgument, match="'k8s-only' has no docker endpoint"):
        load_context("k8s-only", {"DOCKER_CONFIG": str(tmp_path)})


def test_context_with_a_bad_host(tmp_path: Path) -> None:
    write_context(tmp_path, "odd", "npipe:////./pipe/docker_engine")
    with pytest.raises(InvalidArgument, match="docker context 'odd'"):
        parse_address(context="odd", environ={"DOCKER_CONFIG": str(tmp_path)})


def test_malformed_files_are_reported(tmp_path: Path) -> None:
    tmp_path.joinpath("config.json").write_text("{not json")
    with pytest.raises(InvalidArgument, match=r"config\.json"):
        parse_address(environ={"DOCKER_CONFIG": str(tmp_path)})
    meta_dir = tmp_path / "contexts" / "meta" / hashlib.sha256(b"broken").hexdigest()
    meta_dir.mkdir(parents=True)
    (meta_dir / "meta.json").write_text("[")
    with pytest.raises(InvalidArgument, match="'broken'"):
        load_context("broken", {"DOCKER_CONFIG": str(tmp_path)})


def test_default_is_not_a_stored_context(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="not a stored context"):
        load_context("default", {"DOCKER_CONFIG": str(tmp_path)})
