"""The capability table of the test harness: Docker never lacks anything, Podman lacks what
the table says, and a misspelt capability or a daemon other than the one named is an error."""

from __future__ import annotations

import pytest

from ..engines import CAPABILITIES, LACKING, Engine, identify, version_tuple


def version_answer(component: str, version: str, api: str) -> dict[str, object]:
    return {"Version": version, "ApiVersion": api, "Components": [{"Name": component}]}


def test_docker_has_every_capability() -> None:
    for version in ("20.10.24", "28.5.2+dfsg4"):
        engine = Engine("docker", version, "1.41")
        assert [engine.lacks(name) for name in CAPABILITIES] == [None] * len(CAPABILITIES)
    assert "docker" not in LACKING


def test_podman_lacks_what_the_table_says() -> None:
    engine = identify(version_answer("Podman Engine", "4.3.1", "1.41"))
    assert engine == Engine("podman", "4.3.1", "1.41")
    assert engine.lacks("swarm") == "Podman 4.3.1 has no swarm mode"


def test_a_capability_gained_in_a_version_is_lacking_only_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(LACKING["podman"], "plugins", ((5, 1), "has none before 5.1"))
    assert Engine("podman", "5.0.3", "1.44").lacks("plugins") == "Podman 5.0.3 has none before 5.1"
    assert Engine("podman", "5.8.6", "1.44").lacks("plugins") is None


def test_unknown_capability_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown capability 'swarms'"):
        Engine("docker", "28.5.2", "1.51").lacks("swarms")


def test_the_engine_named_by_the_environment_must_be_the_one_answering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIODOCK_ENGINE", "docker-28")
    assert identify(version_answer("Engine", "28.5.2+dfsg4", "1.51")).kind == "docker"
    with pytest.raises(AssertionError, match="AIODOCK_ENGINE=docker-28 but the daemon is Podman"):
        identify(version_answer("Podman Engine", "5.8.6", "1.44"))
    with pytest.raises(AssertionError, match=r"Docker 20\.10\.24"):
        identify(version_answer("Engine", "20.10.24", "1.41"))


def test_version_tuple() -> None:
    assert version_tuple("28.5.2+dfsg4") == (28, 5, 2)
    assert version_tuple("20.10") == (20, 10)
    assert version_tuple("dev") == ()
