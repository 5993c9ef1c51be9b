"""Swarm nodes (``docker.nodes``): list, inspect, update availability, role and labels, remove."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import DockerError, InvalidArgument
from .resource import Manager, Resource, path_id
from .swarm import versioned
from .utils import Filters, encode_filters, string_map

if TYPE_CHECKING:
    from .tasks import Task

_FILTERS = ("id", "label", "membership", "name", "node.label", "role")
_AVAILABILITY = ("active", "pause", "drain")
_ROLES = ("worker", "manager")


class Node(Resource):
    """A node of the swarm."""

    inspect_path = "/nodes/{id}"

    def __repr__(self) -> str:
        return f"<Node: {self.short_id} {self.hostname!r}>"

    @property
    def version(self) -> int:
        """The object's version index, sent with updates."""
        return int(self.attrs.get("Version", {}).get("Index", 0))

    @property
    def spec(self) -> dict[str, Any]:
        """The node's spec: ``Name``, ``Labels``, ``Role``, ``Availability``."""
        return dict(self.attrs.get("Spec") or {})

    @property
    def hostname(self) -> str:
        """The node's host name."""
        return str(self.attrs.get("Description", {}).get("Hostname", ""))

    @property
    def role(self) -> str:
        """``manager`` or ``worker``."""
        return str(self.spec.get("Role", ""))

    @property
    def availability(self) -> str:
        """``active``, ``pause`` or ``drain``."""
        return str(self.spec.get("Availability", ""))

    @property
    def labels(self) -> dict[str, str]:
        """The node's labels (node labels, not engine labels)."""
        return dict(self.spec.get("Labels") or {})

    @property
    def state(self) -> str:
        """``ready``, ``down``, ``unknown`` or ``disconnected``."""
        return str(self.attrs.get("Status", {}).get("State", ""))

    @property
    def address(self) -> str:
        """The address the node is reached at (``Status.Addr``)."""
        return str(self.attrs.get("Status", {}).get("Addr", ""))

    @property
    def manager_status(self) -> dict[str, Any]:
        """A manager's ``Leader``, ``Reachability`` and ``Addr`` (``{}`` for a worker)."""
        return dict(self.attrs.get("ManagerStatus") or {})

    @property
    def is_leader(self) -> bool:
        """Whether this node is the managers' current leader (as last read)."""
        return bool(self.manager_status.get("Leader"))

    async def update(
        self,
        spec: Mapping[str, Any] | None = None,
        *,
        availability: str | None = None,
        role: str | None = None,
        labels: Mapping[str, str] | None = None,
        name: str | None = None,
    ) -> None:
        """Change the node. A ``spec`` dict replaces the whole spec (as docker-py's
        ``node.update``); keywords change only what they name. The version this handle was
        read at is sent: if the node changed since, :class:`~aiodock.swarm.OutOfSequence` is
        raised."""
        if availability is not None and availability not in _AVAILABILITY:
            raise InvalidArgument(
                f"availability: {availability!r} is not one of {', '.join(_AVAILABILITY)}"
            )
        if role is not None and role not in _ROLES:
            raise InvalidArgument(f"role: {role!r} is not one of {', '.join(_ROLES)}")
        body = dict(spec) if spec is not None else self.spec
        if availability is not None:
            body["Availability"] = availability
        if role is not None:
            body["Role"] = role
        if labels is not None:
            body["Labels"] = string_map(labels, "labels")
        if name is not None:
            body["Name"] = name
        await versioned(
            self._docker.transport.call(
                "POST",
                f"/nodes/{path_id(self.id)}/update",
                params={"version": self.version},
                json=body,
            ),
            f"node {self.short_id}",
        )
        await self.reload()

    async def promote(self) -> None:
        """Make the node a manager (``docker node promote``)."""
        await self.update(role="manager")

    async def demote(self) -> None:
        """Make the node a worker (``docker node demote``)."""
        await self.update(role="worker")

    async def tasks(self, *, filters: Filters | None = None) -> list[Task]:
        """Tasks assigned to this node."""
        return await self._docker.tasks.list(filters={**(filters or {}), "node": self.id})

    async def remove(self, force: bool = False) -> None:
        """Remove the node from the swarm (``force`` for a node that is not down)."""
        await self._docker.transport.call(
            "DELETE", f"/nodes/{path_id(self.id)}", params={"force": force}
        )


class NodeManager(Manager):
    """List, inspect and remove swarm nodes (``docker.nodes``)."""

    async def get(self, node_id: str) -> Node:
        """The node with this id or name (``"self"`` is not special: use :meth:`current`)."""
        node = Node(self._docker, {"ID": node_id})
        await node.reload()
        return node

    async def current(self) -> Node:
        """The node of the daemon this client talks to."""
        info = await self._docker.info()
        node_id = (info.get("Swarm") or {}).get("NodeID")
        if not node_id:
            raise DockerError("this daemon is not part of a swarm (swarm.init or swarm.join first)")
        return await self.get(node_id)

    async def list(self, *, filters: Filters | None = None) -> list[Node]:
        """Nodes matching ``filters`` (``id``, ``label``, ``membership``, ``name``,
        ``node.label``, ``role``)."""
        params = {"filters": encode_filters(filters, allowed=_FILTERS)}
        items = await self._docker.transport.json("GET", "/nodes", params=params)
        return [Node(self._docker, attrs) for attrs in items or []]

    async def remove(self, node_id: str, force: bool = False) -> None:
        """Remove a node from the swarm."""
        await Node(self._docker, {"ID": node_id}).remove(force)
