"""``import aiodock`` and ``Docker()`` leave out what a container-only program does not use
(swarm, plugins, the docker-py ``APIClient``, builds), and each name still resolves."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import aiodock
import aiodock.types

LAZY_MODULES = (
    "aiodock.api",
    "aiodock.build",
    "aiodock.configs",
    "aiodock.events",
    "aiodock.nodes",
    "aiodock.plugins",
    "aiodock.secrets",
    "aiodock.services",
    "aiodock.shapes",
    "aiodock.swarm",
    "aiodock.tasks",
    "aiodock.types.swarm",
)


def _run(code: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_a_container_program_does_not_import_the_rest() -> None:
    _run(
        f"""
        import sys

        import aiodock

        docker = aiodock.Docker("unix:///nonexistent")
        docker.containers, docker.images, docker.networks, docker.volumes, docker.exec
        loaded = [name for name in {LAZY_MODULES!r} if name in sys.modules]
        assert not loaded, loaded

        assert aiodock.types.ServiceMode("global").mode == "global"
        assert "aiodock.types.swarm" in sys.modules and "aiodock.services" not in sys.modules
        docker.services
        assert "aiodock.services" in sys.modules
        aiodock.APIClient
        assert "aiodock.api" in sys.modules
        """
    )


def test_lazy_names_import_their_module_on_first_access() -> None:
    _run(
        """
        import sys

        import aiodock
        from aiodock import Service

        assert "aiodock.services" in sys.modules and Service.__module__ == "aiodock.services"
        assert aiodock.APIClient.__module__ == "aiodock.api"
        assert "APIClient" in vars(aiodock)  # cached after the first access

        docker = aiodock.Docker("unix:///nonexistent")
        assert type(docker.services).__name__ == "ServiceManager"
        assert docker.services is docker.services
        assert type(docker.swarm).__module__ == "aiodock.swarm"

        from aiodock.types import Mount, SwarmSpec

        assert Mount.__module__ == "aiodock.types.containers"
        assert SwarmSpec.__module__ == "aiodock.types.swarm"

        assert aiodock.images.BuildStream.__module__ == "aiodock.build.request"
        assert aiodock.plugins.PluginManager is type(docker.plugins)  # a submodule, as before
        """
    )


@pytest.mark.parametrize("module", [aiodock, aiodock.types], ids=lambda m: m.__name__)
def test_every_public_name_resolves_and_is_listed(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(module, name) is not None, name
    assert set(names) <= set(dir(module))


def test_the_types_package_lists_each_module_all() -> None:
    from aiodock.types import containers, networks, swarm

    assert aiodock.types.__all__ == [*containers.__all__, *networks.__all__, *swarm.__all__]
    for submodule in (containers, networks, swarm):
        for name in submodule.__all__:
            assert getattr(aiodock.types, name) is getattr(submodule, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        aiodock.nothing_here  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError):
        aiodock.types.Nothing  # type: ignore[attr-defined]  # noqa: B018
    assert not hasattr(aiodock.images, "nothing_here")
