"""What every ``docker.api`` mixin stands on: the client it speaks through, made here when
the ``APIClient`` is built standalone (docker-py's constructor), and the streams' wrapper."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .._version import __version__
from ..utils import AsyncClosing

if TYPE_CHECKING:
    from ..client import Docker
    from ..transport import TLSConfig

T = TypeVar("T")
U = TypeVar("U")
_Self = TypeVar("_Self", bound="ApiBase")

DEFAULT_USER_AGENT = f"aiodock/{__version__}"
"""The ``User-Agent`` every request carries unless ``user_agent=`` says otherwise."""
DEFAULT_TIMEOUT_SECONDS = 60
DEFAULT_MAX_POOL_SIZE = 10


class ApiBase(AsyncClosing):
    """The client a low-level mixin reaches the managers through.

    ``APIClient(base_url=None, version=None, timeout=60, tls=False, ...)`` takes docker-py's
    arguments and owns a :class:`~aiodock.Docker` of its own (closed by :meth:`close` or
    ``async with``); ``APIClient(docker)`` (what ``docker.api`` is) speaks through an
    existing client. ``base_url`` is any address :class:`~aiodock.Docker` takes (``None``:
    ``DOCKER_HOST``, the docker context, else the local socket); ``version`` pins the API
    version (``None`` or ``"auto"``: negotiated on first use or on entering ``async with``);
    ``tls`` is a :class:`~aiodock.TLSConfig` or ``True`` (``False``: as the address and the
    environment say); ``use_ssh_client`` reaches an ``ssh://`` daemon through ``ssh host
    docker system dial-stdio`` as docker-py then does; ``max_pool_size`` caps the open
    connections. ``num_pools`` is accepted for docker-py's sake (there is one pool);
    ``credstore_env`` is the environment credential helpers run with.
    """

    def __init__(
        self,
        base_url: str | Docker | None = None,
        version: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT_SECONDS,
        tls: TLSConfig | bool = False,
        user_agent: str = DEFAULT_USER_AGENT,
        num_pools: int | None = None,
        credstore_env: Mapping[str, str] | None = None,
        use_ssh_client: bool = False,
        max_pool_size: int = DEFAULT_MAX_POOL_SIZE,
    ) -> None:
        from ..client import Docker

        self.credstore_env = dict(credstore_env) if credstore_env is not None else None
        """The environment credential helpers run with (``None``: this process's)."""
        if isinstance(base_url, Docker):
            self._docker = base_url
            self._owns_client = False
        else:
            self._docker = Docker(
                base_url,
                tls=tls or None,
                api_version=version,
                timeout=timeout,
                pool_size=max_pool_size,
                headers={"User-Agent": user_agent},
                ssh_mode="dial-stdio" if use_ssh_client else "forward",
            )
            self._owns_client = True
        if self.credstore_env is not None:
            from ..auth import set_credstore_env

            set_credstore_env(self._docker, self.credstore_env)

    def __repr__(self) -> str:
        return f"<APIClient of {self._docker!r}>"

    @property
    def docker(self) -> Docker:
        """The client this one speaks through."""
        return self._docker

    @property
    def api_version(self) -> str | None:
        """The API version in use: the pinned one, else the negotiated one (``None``
        before the first request or ``async with``)."""
        return self._docker.api_version

    @property
    def base_url(self) -> str:
        """Where the daemon is (``unix:///var/run/docker.sock``, ``tcp://host:2376``)."""
        return self._docker.address.display

    @property
    def timeout(self) -> float | None:
        """Seconds a request waits for the daemon's answer (``None``: no limit)."""
        return self._docker.transport.timeout

    def reload_config(self, dockercfg_path: str | None = None) -> None:
        """Read registry credentials from ``dockercfg_path`` (default: the docker CLI's
        configuration) from now on, forgetting the logins this client remembered."""
        from ..auth import reload_config

        reload_config(self._docker, dockercfg_path)

    async def close(self) -> None:
        """Close the client's connections (as docker-py's ``close`` closes its session:
        ``docker.api.close()`` closes ``docker``)."""
        await self._docker.close()

    async def __aenter__(self: _Self) -> _Self:
        """Negotiate the API version (unless pinned), as docker-py's constructor does."""
        await self._docker.negotiate_version()
        return self


class MappedStream(AsyncClosing, Generic[T, U]):
    """An async iterator over a stream's items, each converted by ``convert`` (docker-py's
    shape of them); also an async context manager, closing the stream on the way out."""

    def __init__(self, source: AsyncIterator[T], convert: Callable[[T], U]) -> None:
        self._source = source
        self._convert = convert

    def __repr__(self) -> str:
        return f"<MappedStream of {self._source!r}>"

    def __aiter__(self) -> MappedStream[T, U]:
        return self

    async def __anext__(self) -> U:
        return self._convert(await self._source.__anext__())

    async def close(self) -> None:
        """Close the underlying stream (its connection)."""
        closer: Any = getattr(self._source, "aclose", None) or getattr(self._source, "close", None)
        if closer is not None:
            await closer()
