"""The engine the tests run against, and the capabilities it lacks.

A test that needs something not every engine has says so with
``@pytest.mark.needs("swarm", ...)``; on an engine that lacks it the test is reported as
not applicable, with the reason. What an engine lacks comes from the fixed table below,
keyed by the engine's kind and version, never from a probe that could fail: on Docker
nothing is ever lacking, so a marked test that breaks there still fails.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

# Every capability a test may name, and what it means.
CAPABILITIES: dict[str, str] = {
    "swarm": "swarm mode: /swarm, /services, /tasks, /nodes, /secrets, /configs",
    "plugins": "managed plugins: /plugins",
    "buildkit-session": "BuildKit sessions on /session, builds with version=2",
    "build-prune": "the build cache: /build/prune",
    "healthcheck": "health checks that run (Podman runs them from systemd timers)",
    "registry-data": "image data from the registry: /distribution/{name}/json",
}

# For each kind other than Docker: capability -> (first version that has it, or None for
# none yet; why it is lacking).
LACKING: dict[str, dict[str, tuple[tuple[int, ...] | None, str]]] = {
    "podman": {
        "swarm": (None, "has no swarm mode"),
        "plugins": (None, "has no managed plugins"),
        "buildkit-session": (None, "builds with Buildah, which serves no BuildKit /session"),
        "build-prune": (None, "has no build cache to prune (/build/prune)"),
        "healthcheck": (None, "runs health checks from systemd timers; there is no systemd here"),
        "registry-data": (None, "has no /distribution endpoint"),
    },
}

NOT_APPLICABLE = "not applicable:"


def version_tuple(version: str) -> tuple[int, ...]:
    """The leading numbers of a version string: ``"28.5.2+dfsg4"`` -> ``(28, 5, 2)``."""
    match = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(part) for part in match.group().split(".")) if match else ()


@dataclass(frozen=True)
class Engine:
    """An engine's identity, from its ``/version`` answer."""

    kind: Literal["docker", "podman"]
    version: str
    api_version: str

    def __str__(self) -> str:
        return f"{self.kind.capitalize()} {self.version} (API {self.api_version})"

    def lacks(self, capability: str) -> str | None:
        """Why this engine lacks ``capability``, or None when it has it (Docker has all)."""
        if capability not in CAPABILITIES:
            raise ValueError(f"unknown capability {capability!r}: one of {sorted(CAPABILITIES)}")
        if self.kind == "docker":
            return None
        since, reason = LACKING[self.kind].get(capability, ((), ""))
        if since is not None and version_tuple(self.version) >= since:
            return None
        return f"{self.kind.capitalize()} {self.version} {reason}"


def identify(version: Mapping[str, Any]) -> Engine:
    """The engine that gave this ``/version`` answer; checked against AIODOCK_ENGINE
    (``docker-28``, ``podman-4``: set by ``scripts/engine.sh exec``) when that is set."""
    names = {component.get("Name") for component in version.get("Components") or []}
    kind: Literal["docker", "podman"] = "podman" if "Podman Engine" in names else "docker"
    engine = Engine(kind, str(version.get("Version", "")), str(version.get("ApiVersion", "")))
    expected = os.environ.get("AIODOCK_ENGINE")
    if expected:
        want_kind, _, want_version = expected.partition("-")
        major = version_tuple(engine.version)[:1]
        if want_kind != kind or major != version_tuple(want_version)[:1]:
            raise AssertionError(f"AIODOCK_ENGINE={expected} but the daemon is {engine}")
    return engine
