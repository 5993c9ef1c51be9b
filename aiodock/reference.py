"""Image references (``registry/repository:tag@digest``): parsing and normalisation.

The grammar is the one the Docker Engine and CLI accept (the distribution ``reference``
package): an optional registry host (it has a ``.`` or a ``:``, or is ``localhost``),
lowercase path components, an optional tag and an optional ``algorithm:hex`` digest.
Names without a registry belong to Docker Hub, where one-component names live under
``library/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from .errors import InvalidArgument

__all__ = [
    "DEFAULT_REGISTRY",
    "INDEX_NAME",
    "Reference",
    "familiar_name",
    "full_image_id",
    "parse_reference",
    "registry_key",
    "split_tag",
]

DEFAULT_REGISTRY: Final = "docker.io"
"""The registry of names that do not name one."""

INDEX_NAME: Final = "https://index.docker.io/v1/"
"""Docker Hub's key in credential stores and ``config.json`` (a legacy of the v1 index)."""

HUB_HOSTS: Final = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})

_MAX_NAME = 255
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = (
    rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:.]+(?:%[\w.-]+)?\])"
    r"(?::[0-9]+)?"
)
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"

_PATH_RE = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_DOMAIN_RE = re.compile(_DOMAIN)
_TAG_RE = re.compile(_TAG)
_DIGEST_RE = re.compile(_DIGEST)
_HEX64_RE = re.compile(r"[a-f0-9]{64}")


@dataclass(frozen=True)
class Reference:
    """A parsed image reference.

    ``registry`` is the registry host (``docker.io`` for Docker Hub), ``repository`` the
    path inside it, normalised (``library/busybox`` for ``busybox``), ``tag`` and
    ``digest`` are ``None`` when the reference has none (the daemon then assumes
    ``latest``).
    """

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def is_docker_hub(self) -> bool:
        """Whether the image lives on Docker Hub."""
        return self.registry in HUB_HOSTS

    @property
    def name(self) -> str:
        """The repository as the docker CLI shows it, with its registry and without tag or
        digest: ``busybox``, ``user/app``, ``127.0.0.1:5000/app``."""
        if self.is_docker_hub:
            repo = self.repository
            return repo[len("library/") :] if repo.startswith("library/") else repo
        return f"{self.registry}/{self.repository}"

    @property
    def full_name(self) -> str:
        """The fully qualified repository: ``docker.io/library/busybox``."""
        return f"{self.registry}/{self.repository}"

    @property
    def auth_key(self) -> str:
        """The key of this registry's credentials: Docker Hub's index name or the host."""
        return INDEX_NAME if self.is_docker_hub else self.registry

    @property
    def tag_or_digest(self) -> str:
        """The digest if there is one, else the tag, else ``latest``: what to pull."""
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse_reference(ref: str) -> Reference:
    """Parse ``[registry/]repository[:tag][@digest]``; raise :class:`InvalidArgument` for a
    malformed reference (bad characters, uppercase repository, over-long name, bad tag or
    digest)."""
    if not isinstance(ref, str):
        raise InvalidArgument(f"image reference must be a string, not {type(ref).__name__}")
    if not ref:
        raise InvalidArgument("image reference is empty")
    rest = ref
    digest: str | None = None
    if "@" in rest:
        rest, _, digest = rest.partition("@")
        if not _DIGEST_RE.fullmatch(digest):
            raise InvalidArgument(f"invalid image reference {ref!r}: bad digest {digest!r}")
    tag: str | None = None
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        rest, tag = rest[:colon], rest[colon + 1 :]
        if not _TAG_RE.fullmatch(tag):
            raise InvalidArgument(f"invalid image reference {ref!r}: bad tag {tag!r}")
    if not rest:
        raise InvalidArgument(f"invalid image reference {ref!r}: no repository name")
    if len(rest) > _MAX_NAME:
        raise InvalidArgument(
            f"invalid image reference {ref[:80]!r}...: the name is longer than {_MAX_NAME}"
        )
    registry, _, path = rest.partition("/")
    if not path or not _is_registry(registry):
        registry, path = DEFAULT_REGISTRY, rest
    elif not _DOMAIN_RE.fullmatch(registry):
        raise InvalidArgument(f"invalid image reference {ref!r}: bad registry {registry!r}")
    if not _PATH_RE.fullmatch(path):
        reason = (
            "repository name must be lowercase"
            if _PATH_RE.fullmatch(path.lower())
            else "bad repository name"
        )
        raise InvalidArgument(f"invalid image reference {ref!r}: {reason}")
    if registry in HUB_HOSTS:
        registry = DEFAULT_REGISTRY
        if _HEX64_RE.fullmatch(path):
            raise InvalidArgument(
                f"invalid image reference {ref!r}: a 64-character hexadecimal string is an "
                "image id, not a repository name"
            )
        if "/" not in path:
            path = f"library/{path}"
    return Reference(registry=registry, repository=path, tag=tag, digest=digest)


def _is_registry(component: str) -> bool:
    return (
        "." in component
        or ":" in component
        or component == "localhost"
        or (component != component.lower())
    )


def familiar_name(ref: str) -> str:
    """``ref`` as the docker CLI shows it: ``docker.io/library/busybox:latest`` is
    ``busybox:latest``; other registries' names, ids and what does not parse stay."""
    try:
        return str(parse_reference(ref))
    except InvalidArgument:
        return ref


def full_image_id(text: str) -> str:
    """``text`` with its ``sha256:`` when it is a bare 64-digit id, as Podman writes some
    (deleted images, a quiet build's output); anything else as it is."""
    return f"sha256:{text}" if _HEX64_RE.fullmatch(text) else text


def split_tag(ref: str) -> tuple[str, str | None]:
    """``"repo:tag"`` as ``("repo", "tag")`` and ``"repo@sha256:..."`` as ``("repo",
    "sha256:...")`` (how the Engine API takes them), ``("repo", None)`` without either."""
    if "@" in ref:
        name, _, digest = ref.partition("@")
        return name, digest
    colon = ref.rfind(":")
    if colon > ref.rfind("/"):
        return ref[:colon], ref[colon + 1 :]
    return ref, None


def registry_key(registry: str) -> str:
    """The credential key of a registry host: Docker Hub's index name, or the host."""
    return INDEX_NAME if registry in HUB_HOSTS else registry
