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
    "attach-stdin-close": "closing an attach's stdin (no stdin_once) ends the attach only",
    "registry-v1-search": "image search of a registry that serves only the v1 search API",
    "plain-http-login": "docker.login() to a plain-HTTP registry on 127.0.0.1",
    "push-digest": "a push's answer carries the pushed digest",
    "exec-detached-exit": "inspect reports the end and exit code of a detached exec",
    "layer-cache": "one context built again, in any form, gives the same image id",
    "endpoint-ipam-readback": "a static address reads back in the endpoint's IPAMConfig",
    "attach-exited": "attaching to an exited container leaves it as it was",
    "import-tag": "an imported image gets the tag asked for",
    "commit-config": "commit applies its conf (labels, ...) as well as its changes",
    "follow-ends": "a followed log ends when its container exits",
    "container-update": "POST /containers/{id}/update",
    "network-options-readback": "network and endpoint driver options read back as given",
    "auto-remove": "a container created with auto_remove=True is removed when it exits",
    "create-readback": "a container's inspect data shows each create keyword as it was sent",
    "ipam-readback": "a pool's ip_range and aux_addresses read back",
    "endpoint-links": "an endpoint's legacy links read back",
    "repo-digest-readback": "RepoDigests name a digest the registry serves",
    "attach-logs": "attach with logs=True replays the container's output, framed right",
    "info-id": "/info's ID is the same from one call to the next",
    "network-events": "network events (create, destroy, connect, disconnect)",
    "network-event-filter": "the events filter network (by a network's name or id)",
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
        "attach-stdin-close": (None, "closes the container's stdin with the attach's"),
        "registry-v1-search": (None, "searches registries through the v2 API only"),
        "plain-http-login": (
            None,
            "logs in over TLS to every registry but localhost:PORT (its /auth ignores "
            "insecure-registry settings)",
        ),
        "push-digest": (None, "reports no digest in a push's answer"),
        "exec-detached-exit": ((5,), "never records the end of a detached exec"),
        "layer-cache": (None, "may build a cached step again (a new image id)"),
        "endpoint-ipam-readback": (None, "keeps no IPAMConfig on the endpoint"),
        "attach-exited": (None, "re-creates an exited container it attaches to (wait says -1)"),
        "import-tag": ((5,), "tags an imported image latest, whatever tag is asked for"),
        "commit-config": ((5,), "ignores commit's conf (labels, ...): only changes apply"),
        "follow-ends": ((5,), "never ends a followed log when its container exits"),
        "container-update": ((5,), "has no container update"),
        "network-options-readback": (
            None,
            "reads network options back in its own names (mtu) and keeps no endpoint's",
        ),
        "auto-remove": ((5,), "never removes an auto_remove container (its cleanup lacks --rm)"),
        "ipam-readback": (None, "keeps only a pool's subnet and gateway"),
        "endpoint-links": (None, "keeps no legacy links on the endpoint"),
        "repo-digest-readback": ((5,), "records a digest in RepoDigests that the registry lacks"),
        "create-readback": (
            None,
            "drops or rewrites some create keywords in its inspect data (domainname, ...)",
        ),
        "attach-logs": ((5,), "frames the logs replay of attach one byte short (NotSupported)"),
        "info-id": (None, "makes up a new random /info ID on every call"),
        "network-events": ((5,), "sends no network events"),
        "network-event-filter": (None, "refuses the events filter network"),
    },
}

NOT_APPLICABLE = "not applicable:"


def own_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """An image's labels without those its engine's builder adds (Buildah, Podman's
    builder, labels every image ``io.buildah.version``)."""
    return {key: value for key, value in labels.items() if not key.startswith("io.buildah.")}


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
