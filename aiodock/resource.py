"""Base classes of resource handles (``Container``, ``Image``, ...) and their managers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from .errors import InvalidArgument

if TYPE_CHECKING:
    from .client import Docker


def path_id(value: str) -> str:
    """An object id or name made safe for a URL path segment (``/`` kept for image names).

    An empty or non-string value raises :class:`InvalidArgument`: it would address a
    different endpoint (``/containers//json`` is the list).
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(f"an id or name is required, not {value!r}")
    return quote(value, safe="/:@")


class Resource:
    """A handle on one daemon object: its inspect data in ``attrs`` and methods that act on it."""

    inspect_path: ClassVar[str] = ""
    """Path of the inspect endpoint, with ``{id}`` for the object's id."""

    def __init__(self, docker: Docker, attrs: dict[str, Any]) -> None:
        self._docker = docker
        self.attrs: dict[str, Any] = attrs

    @property
    def docker(self) -> Docker:
        """The client this handle talks through."""
        return self._docker

    @property
    def id(self) -> str:
        """The full id."""
        value = self.attrs.get("Id") or self.attrs.get("ID") or self.attrs.get("Name") or ""
        return str(value)

    @property
    def short_id(self) -> str:
        """The id shortened to 12 characters (without a ``sha256:`` prefix)."""
        ident = self.id
        if ident.startswith("sha256:"):
            ident = ident[7:]
        return ident[:12]

    async def reload(self) -> None:
        """Refresh ``attrs`` from the daemon."""
        self.attrs = await self._docker.transport.json(
            "GET", self.inspect_path.format(id=path_id(self.id))
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resource) and type(other) is type(self) and other.id == self.id

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.id))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.short_id}>"


class DriverResource(Resource):
    """Base of networks and volumes: named objects a driver made, with labels and options."""

    @property
    def name(self) -> str:
        """The object's name."""
        return str(self.attrs.get("Name") or "")

    @property
    def driver(self) -> str:
        """The driver that made it."""
        return str(self.attrs.get("Driver") or "")

    @property
    def scope(self) -> str:
        """``local``, ``global`` or ``swarm``."""
        return str(self.attrs.get("Scope") or "")

    @property
    def labels(self) -> dict[str, str]:
        """The object's labels."""
        return dict(self.attrs.get("Labels") or {})

    @property
    def options(self) -> dict[str, str]:
        """The driver options it was created with."""
        return dict(self.attrs.get("Options") or {})


class Manager:
    """Base of the resource managers hung on the client (``docker.containers``, ...)."""

    def __init__(self, docker: Docker) -> None:
        self._docker = docker

    @property
    def docker(self) -> Docker:
        """The client this manager talks through."""
        return self._docker
