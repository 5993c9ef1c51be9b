"""What swarm secrets and configs share: the handle, the manager and the data encoding.

Both are named, labelled, versioned objects under their own endpoint (``/secrets``,
``/configs``) whose data goes to the daemon base64-encoded and is never shown in a repr.
"""

from __future__ import annotations

import base64
import builtins
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

from .errors import InvalidArgument
from .resource import Manager, Resource, path_id
from .swarm import versioned
from .types.swarm import ConfigReference, DriverConfig, SecretReference
from .utils import Filters, encode_filters, string_map

_FILTERS = ("id", "label", "name", "names")

RefT = TypeVar("RefT", SecretReference, ConfigReference)
ObjT = TypeVar("ObjT", bound="SwarmObject[Any]")


def encode_data(data: bytes | str, name: str = "data") -> str:
    """Secret or config data (bytes, or text sent as UTF-8) in base64."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidArgument(f"{name}: expected bytes or str, got {type(data).__name__}")
    return base64.b64encode(bytes(data)).decode("ascii")


def driver_json(value: DriverConfig | str | Mapping[str, Any] | None) -> Any:
    """A driver given by name, as :class:`DriverConfig` or as a dict."""
    if value is None:
        return None
    if isinstance(value, str):
        return {"Name": value}
    if isinstance(value, DriverConfig):
        return value.to_api()
    return dict(value)


class SwarmObject(Resource, Generic[RefT]):
    """Base of :class:`~aiodock.secrets.Secret` and :class:`~aiodock.configs.Config`."""

    endpoint: ClassVar[str] = ""
    """The objects' endpoint (``/secrets``); ``inspect_path`` is ``{endpoint}/{id}``."""
    reference_type: type[RefT]
    """What :meth:`reference` builds."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.short_id} {self.name!r}>"

    @property
    def _what(self) -> str:
        return f"{type(self).__name__.lower()} {self.name!r}"

    @property
    def name(self) -> str:
        """The object's name."""
        return str(self.attrs.get("Spec", {}).get("Name", ""))

    @property
    def labels(self) -> dict[str, str]:
        """The object's labels."""
        return dict(self.attrs.get("Spec", {}).get("Labels") or {})

    @property
    def version(self) -> int:
        """The object's version index, sent with updates."""
        return int(self.attrs.get("Version", {}).get("Index", 0))

    def reference(
        self,
        filename: str | None = None,
        *,
        uid: str | None = None,
        gid: str | None = None,
        mode: int = 0o444,
    ) -> RefT:
        """A reference to hand this object to a service as the file ``filename`` (default:
        its name; a secret's file is under ``/run/secrets/``, a config's under ``/``)."""
        return self.reference_type(self.id, self.name, filename, uid, gid, mode)

    async def update(self, *, labels: Mapping[str, str]) -> None:
        """Replace the labels (the only thing the daemon lets change); versioned."""
        spec = {**self.attrs.get("Spec", {}), "Labels": string_map(labels, "labels")}
        await versioned(
            self._docker.transport.call(
                "POST",
                f"{self.endpoint}/{path_id(self.id)}/update",
                params={"version": self.version},
                json=spec,
            ),
            self._what,
        )
        await self.reload()

    async def remove(self) -> None:
        """Delete the object."""
        await self._docker.transport.call("DELETE", f"{self.endpoint}/{path_id(self.id)}")


class SwarmObjectManager(Manager, Generic[ObjT]):
    """Base of ``docker.secrets`` and ``docker.configs``."""

    handle_type: type[ObjT]
    """The handle class this manager returns."""

    def _new_body(self, name: str, labels: Mapping[str, str] | None) -> dict[str, Any]:
        """The create body's name and labels, the name checked."""
        if not isinstance(name, str) or not name:
            kind = self.handle_type.__name__.lower()
            raise InvalidArgument(f"name: expected a {kind} name, got {name!r}")
        return {"Name": name, "Labels": string_map(labels or {}, "labels")}

    async def _create(self, body: dict[str, Any]) -> ObjT:
        return await self._get((await self._post_create(body))["ID"])

    async def _post_create(self, body: dict[str, Any]) -> dict[str, Any]:
        """The create request; the daemon's answer (``{"ID": ...}``)."""
        path = f"{self.handle_type.endpoint}/create"
        created: dict[str, Any] = await self._docker.transport.json("POST", path, json=body)
        return created

    async def _get(self, ident: str) -> ObjT:
        found = self.handle_type(self._docker, {"ID": ident})
        await found.reload()
        return found

    async def _remove(self, ident: str) -> None:
        await self.handle_type(self._docker, {"ID": ident}).remove()

    async def as_reference(self, item: Any) -> Any:
        """What a service's ``secrets=``/``configs=`` entry stands for: a name or id (the
        object is looked up) or a handle becomes the object's :meth:`~SwarmObject.reference`
        (a file named after it: ``/run/secrets/<name>`` for a secret, as the docker CLI
        mounts it); a typed reference or an API dict stays as it is."""
        if isinstance(item, str):
            item = await self._get(item)
        if isinstance(item, self.handle_type):
            return item.reference()
        return item

    async def list(self, *, filters: Filters | None = None) -> builtins.list[ObjT]:
        """The objects matching ``filters`` (``id``, ``label``, ``name``, ``names``)."""
        params = {"filters": encode_filters(filters, allowed=_FILTERS)}
        items = await self._docker.transport.json("GET", self.handle_type.endpoint, params=params)
        return [self.handle_type(self._docker, attrs) for attrs in items or []]
