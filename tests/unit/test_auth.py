"""Credential resolution like the docker CLI: auths, credsStore, credHelpers, tokens."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from aiodock.auth import (
    AuthConfig,
    CredentialError,
    auth_header_for,
    config_path,
    normalize_registry,
    registry_config_header,
    resolve_auth,
)
from aiodock.errors import InvalidArgument
from aiodock.reference import INDEX_NAME

HELPER = """#!/bin/sh
# A fake docker-credential helper: known servers come from $FAKE_CREDS_DIR/<server-id>.
[ "$1" = get ] || exit 3
read -r server
id=$(printf %s "$server" | tr -c 'A-Za-z0-9' _)
if [ -f "$FAKE_CREDS_DIR/$id" ]; then cat "$FAKE_CREDS_DIR/$id"; exit 0; fi
if [ -f "$FAKE_CREDS_DIR/broken" ]; then echo "helper exploded"; exit 2; fi
echo "credentials not found in native keychain"
exit 1
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DOCKER_CONFIG directory and a docker-credential-fake helper on PATH."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    helper = bindir / "docker-credential-fake"
    helper.write_text(HELPER)
    helper.chmod(helper.stat().st_mode | stat.S_IEXEC)
    creds = tmp_path / "creds"
    creds.mkdir()
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CREDS_DIR", str(creds))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "cfg"))
    (tmp_path / "cfg").mkdir()
    return tmp_path


def write_config(env: Path, config: dict[str, object]) -> None:
    (env / "cfg" / "config.json").write_text(json.dumps(config))


def helper_knows(env: Path, server: str, username: str, secret: str) -> None:
    ident = "".join(c if c.isalnum() else "_" for c in server)
    (env / "creds" / ident).write_text(
        json.dumps({"ServerURL": server, "Username": username, "Secret": secret})
    )


def basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def decode_header(value: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(value))


def test_config_path(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_path() == str(env / "cfg" / "config.json")
    assert config_path("/x/config.json") == "/x/config.json"
    monkeypatch.delenv("DOCKER_CONFIG")
    monkeypatch.setenv("HOME", "/home/someone")
    assert config_path() == "/home/someone/.docker/config.json"


@pytest.mark.parametrize(
    ("server", "key"),
    [
        ("docker.io", INDEX_NAME),
        ("index.docker.io", INDEX_NAME),
        (INDEX_NAME, INDEX_NAME),
        ("https://registry-1.docker.io/v2/", INDEX_NAME),
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("http://127.0.0.1:5000/v1/", "127.0.0.1:5000"),
        ("https://r.example.com", "r.example.com"),
    ],
)
def test_normalize_registry(server: str, key: str) -> None:
    assert normalize_registry(server) == key


async def test_no_config_no_credentials(env: Path) -> None:
    assert await resolve_auth("127.0.0.1:5000") is None
    assert await auth_header_for("127.0.0.1:5000/app:1") is None
    assert await registry_config_header() is None


async def test_auths_entries(env: Path) -> None:
    write_config(
        env,
        {
            "auths": {
                "https://index.docker.io/v1/": {"auth": basic("hubuser", "hub:pass")},
                "http://127.0.0.1:5000": {"auth": basic("local", "secret"), "email": "a@b"},
                "token.example.com": {"identitytoken": "tok"},
                "empty.example.com": {},
            }
        },
    )
    hub = await resolve_auth("docker.io")
    assert hub == AuthConfig("hubuser", "hub:pass", serveraddress=INDEX_NAME)
    local = await resolve_auth("127.0.0.1:5000")
    assert local is not None and (local.username, local.password, local.email) == (
        "local",
        "secret",
        "a@b",
    )
    token = await resolve_auth("token.example.com")
    assert token is not None and token.identitytoken == "tok"
    assert await resolve_auth("empty.example.com") is None
    # Bare names are Docker Hub's.
    header = await auth_header_for("busybox")
    assert header is not None
    assert decode_header(header) == {
        "username": "hubuser",
        "password": "hub:pass",
        "serveraddress": INDEX_NAME,
    }
    header = await auth_header_for("127.0.0.1:5000/team/app:1")
    assert header is not None and decode_header(header)["serveraddress"] == "127.0.0.1:5000"
    assert await auth_header_for("other.example.com/app") is None


async def test_argument_wins_over_config(env: Path) -> None:
    write_config(env, {"auths": {"127.0.0.1:5000": {"auth": basic("cfg", "cfgpw")}}})
    header = await auth_header_for("127.0.0.1:5000/app", {"username": "arg", "password": "argpw"})
    assert header is not None
    assert decode_header(header) == {
        "username": "arg",
        "password": "argpw",
        "serveraddress": "127.0.0.1:5000",
    }
    token = await auth_header_for("127.0.0.1:5000/app", {"IdentityToken": "xyz"})
    assert token is not None and decode_header(token)["identitytoken"] == "xyz"


async def test_cred_helpers_and_store(env: Path) -> None:
    helper_knows(env, "127.0.0.1:5000", "helperuser", "helperpw")
    helper_knows(env, INDEX_NAME, "<token>", "hubtoken")
    write_config(
        env,
        {
            "auths": {"127.0.0.1:5000": {"auth": basic("file", "filepw")}},
            "credHelpers": {"127.0.0.1:5000": "fake"},
            "credsStore": "fake",
        },
    )
    local = await resolve_auth("127.0.0.1:5000")
    assert local is not None and (local.username, local.password) == ("helperuser", "helperpw")
    hub = await resolve_auth(INDEX_NAME)
    assert hub is not None and hub.identitytoken == "hubtoken" and not hub.username
    # The store has nothing for this one: like the CLI, no fallback to auths.
    assert await resolve_auth("other.example.com") is None


async def test_cred_helpers_for_build_config(env: Path) -> None:
    helper_knows(env, "127.0.0.1:5000", "helperuser", "helperpw")
    write_config(
        env,
        {
            "auths": {"r.example.com": {"auth": basic("u", "p")}},
            "credHelpers": {"127.0.0.1:5000": "fake"},
        },
    )
    value = await registry_config_header()
    assert value is not None
    assert decode_header(value) == {
        "127.0.0.1:5000": {
            "username": "helperuser",
            "password": "helperpw",
            "serveraddress": "127.0.0.1:5000",
        },
        "r.example.com": {"username": "u", "password": "p", "serveraddress": "r.example.com"},
    }


async def test_helper_failures(env: Path) -> None:
    write_config(env, {"credHelpers": {"127.0.0.1:5000": "missing", "r.io": "fake"}})
    with pytest.raises(CredentialError, match="docker-credential-missing"):
        await resolve_auth("127.0.0.1:5000")
    (env / "creds" / "broken").write_text("")
    with pytest.raises(CredentialError, match="helper exploded"):
        await resolve_auth("r.io")


async def test_bad_config(env: Path) -> None:
    (env / "cfg" / "config.json").write_text("{not json")
    with pytest.raises(CredentialError, match=r"config\.json"):
        await resolve_auth("r.io")
    write_config(env, {"auths": {"r.io": {"auth": "!!!notbase64"}}})
    with pytest.raises(CredentialError, match="auth"):
        await resolve_auth("r.io")


def test_auth_config_mapping_and_secrecy() -> None:
    auth = AuthConfig.from_mapping(
        {"Username": "me", "Password": "hunter2", "ServerAddress": "r.io"}
    )
    assert (auth.username, auth.password, auth.serveraddress) == ("me", "hunter2", "r.io")
    from_basic = AuthConfig.from_mapping({"auth": basic("me", "hunter2")})
    assert (from_basic.username, from_basic.password) == ("me", "hunter2")
    token = AuthConfig(identitytoken="sekrit-token", registrytoken="sekrit-reg")
    for text in (repr(auth), str(auth), repr(token)):
        assert "hunter2" not in text and "sekrit" not in text
    assert "me" in repr(auth)
    with pytest.raises(InvalidArgument, match="unknown key") as exc:
        AuthConfig.from_mapping({"user": "me", "password": "hunter2"})
    assert "hunter2" not in str(exc.value)
    with pytest.raises(InvalidArgument, match="must be a string") as exc:
        AuthConfig.from_mapping({"username": "me", "password": 12345})
    assert "12345" not in str(exc.value)
    with pytest.raises(InvalidArgument, match="mapping"):
        AuthConfig.from_mapping("me:hunter2")  # type: ignore[arg-type]
