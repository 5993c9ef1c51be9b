"""pytest fixtures for tests that need Docker: a client, and factories of containers,
images, networks and volumes that are removed after each test, even when it fails.

The plugin loads by itself once aiodock is installed (``pytest11`` entry point) and needs
pytest-asyncio. Fixtures:

- ``docker``: a :class:`~aiodock.Docker` client for the test, closed after it.
- ``docker_container``: ``await docker_container(image, command, **run_kwargs)`` runs a
  detached container, waits until it is healthy when it has a health check, and returns
  the :class:`~aiodock.containers.Container`.
- ``docker_image``: ``await docker_image("FROM busybox\\nRUN ...")`` or
  ``await docker_image(path_to_context)`` builds a throwaway image.
- ``docker_network`` and ``docker_volume``: ``await docker_network()`` /
  ``await docker_volume()`` with the usual ``create`` keywords; the name is made up
  unless given.
- ``docker_labels``: the labels the factories put on everything, for objects a test
  creates by other means.
- ``docker_url``: the daemon to use (session scope, default: ``DOCKER_HOST`` or the local
  socket); override it in a ``conftest.py`` to point the fixtures elsewhere.

Everything carries ``aiodock.pytest.session=<host>:<pid>``. After each test its objects are
removed; at the end of the session, anything left by this session is; at the start,
objects of earlier sessions whose process is gone (a crashed run) are swept, while those
of sessions still running, in parallel, are left alone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import os
import re
import socket
import tarfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import pytest

from .client import Docker
from .errors import DockerError, InvalidArgument, NotFound
from .utils import parse_datetime, string_map

if TYPE_CHECKING:
    from .containers import Container
    from .images import Image
    from .networks import Network
    from .volumes import Volume

_asyncio_fixture: Callable[..., Any] | None
try:
    from pytest_asyncio import fixture as _asyncio_fixture
except ImportError:  # without pytest-asyncio, the fixtures explain what is missing
    _asyncio_fixture = None

__all__ = [
    "PLUGIN_LABEL",
    "SESSION_ID",
    "SESSION_LABEL",
    "TEST_LABEL",
    "ContainerFactory",
    "ImageFactory",
    "NetworkFactory",
    "VolumeFactory",
    "remove_session_objects",
]

PLUGIN_LABEL = "aiodock.pytest"
"""Put on every object the fixtures create (value ``"1"``)."""
SESSION_LABEL = "aiodock.pytest.session"
"""The creating pytest session, as ``<host>:<pid>``."""
TEST_LABEL = "aiodock.pytest.test"
"""A token unique to the creating test."""
NODEID_LABEL = "aiodock.pytest.nodeid"
"""The creating test's node id, for people reading ``docker ps``."""
SESSION_ID = f"{socket.gethostname()}:{os.getpid()}"
FOREIGN_SESSION_TTL = 24 * 3600.0
"""Objects of another host's sessions are swept once this many seconds old."""

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_DOCKERFILE_START = re.compile(r"^\s*(#|(FROM|ARG)\s)", re.IGNORECASE)


def _async_fixture(func: F) -> F:
    """``pytest_asyncio.fixture`` (so the fixtures work in strict and auto modes), or a
    fixture that explains what is missing when pytest-asyncio is not installed."""
    if _asyncio_fixture is not None:
        return cast(F, _asyncio_fixture(func))

    def missing() -> None:
        pytest.fail(f"the {func.__name__} fixture of aiodock needs pytest-asyncio installed")

    return cast(F, pytest.fixture(name=func.__name__)(missing))


# --- session bookkeeping --------------------------------------------------------------


def _session_is_dead(session: str, created: Any) -> bool:
    """Whether the pytest session that labelled an object is over: on this host, when its
    process is gone; on another host (a shared daemon), when the object is older than
    :data:`FOREIGN_SESSION_TTL`, since that host's processes cannot be checked from here."""
    host, _, pid = session.rpartition(":")
    if host != socket.gethostname():
        age = _age(created)
        return not host or (age is not None and age > FOREIGN_SESSION_TTL)
    if not pid.isdigit() or int(pid) <= 0:
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _age(created: Any) -> float | None:
    """Seconds since a creation time as the daemon lists it: Unix seconds (containers,
    images) or RFC 3339 text (networks, volumes)."""
    if isinstance(created, (int, float)) and not isinstance(created, bool):
        return time.time() - created
    if isinstance(created, str):
        try:
            return time.time() - parse_datetime(created).timestamp()
        except InvalidArgument:
            return None
    return None


def _run_in_thread(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on a private event loop in a thread of its own, whatever loop the
    calling test machinery has (or has not) set up."""
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="aiodock-pytest") as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


async def remove_session_objects(
    docker: Docker,
    *,
    session: str | None = None,
    test: str | None = None,
    dead_sessions: bool = False,
) -> list[str]:
    """Remove containers, networks, volumes and images created through the fixtures: one
    test's (``test`` token), one session's (``session``), or those of every session whose
    process is gone (``dead_sessions=True``). Returns what could not be removed."""
    if test is not None:
        label = f"{TEST_LABEL}={test}"
    elif session is not None:
        label = f"{SESSION_LABEL}={session}"
    elif dead_sessions:
        label = PLUGIN_LABEL
    else:
        raise InvalidArgument("remove_session_objects needs test, session or dead_sessions")
    filters = {"label": [label]}

    def wanted(labels: Mapping[str, str] | None, created: Any) -> bool:
        if not dead_sessions:
            return True
        return _session_is_dead((labels or {}).get(SESSION_LABEL, ""), created)

    failures: list[str] = []

    async def attempt(what: str, removal: Awaitable[Any]) -> None:
        try:
            await removal
        except NotFound:
            pass
        except DockerError as exc:
            failures.append(f"{what}: {exc}")

    for container in await docker.containers.list(all=True, filters=filters, sparse=True):
        if wanted(container.labels, container.attrs.get("Created")):
            await attempt(
                f"container {container.short_id}", container.remove(force=True, volumes=True)
            )
    for network in await docker.networks.list(filters=filters):
        if wanted(network.labels, network.attrs.get("Created")):
            await attempt(f"network {network.name}", network.remove())
    for volume in await docker.volumes.list(filters=filters):
        if wanted(volume.labels, volume.attrs.get("CreatedAt")):
            await attempt(f"volume {volume.name}", volume.remove(force=True))
    for image in await docker.images.list(all=True, filters=filters, sparse=True):
        if wanted(image.labels, image.attrs.get("Created")):
            await attempt(f"image {image.short_id}", docker.images.remove(image.id, force=True))
    return failures


@dataclass
class _Session:
    url: str | None
    id: str = SESSION_ID
    leftovers: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def docker_url() -> str | None:
    """The daemon the fixtures use: ``None`` means ``DOCKER_HOST``, else the local socket.
    Override this fixture (session scope) to test against another daemon."""
    return None


@pytest.fixture(scope="session")
def _aiodock_session(docker_url: str | None) -> Iterator[_Session]:
    """Sweeps dead sessions' objects at the start, this session's at the end."""
    session = _Session(docker_url)

    async def sweep(**which: Any) -> list[str]:
        async with Docker(docker_url) as docker:
            return await remove_session_objects(docker, **which)

    try:
        _run_in_thread(lambda: sweep(dead_sessions=True))
    except DockerError as exc:
        pytest.fail(f"aiodock's pytest fixtures need a Docker daemon: {exc}", pytrace=False)
    yield session
    _run_in_thread(lambda: sweep(session=session.id))


@pytest.fixture
def docker_labels(_aiodock_session: _Session, request: pytest.FixtureRequest) -> dict[str, str]:
    """The labels the fixtures put on what they create; put them on anything else a test
    creates so that it is cleaned up with the rest."""
    return {
        PLUGIN_LABEL: "1",
        SESSION_LABEL: _aiodock_session.id,
        TEST_LABEL: uuid.uuid4().hex[:16],
        NODEID_LABEL: request.node.nodeid[-200:],
    }


@_async_fixture
async def docker(_aiodock_session: _Session) -> AsyncIterator[Docker]:
    """A client of the daemon (see ``docker_url``), closed after the test."""
    async with Docker(_aiodock_session.url) as client:
        yield client


@_async_fixture
async def _aiodock_cleanup(docker: Docker, docker_labels: dict[str, str]) -> AsyncIterator[None]:
    """After the test: remove what it created with ``docker_labels``, containers first."""
    yield
    failures = await remove_session_objects(docker, test=docker_labels[TEST_LABEL])
    if failures:
        raise DockerError("aiodock fixtures could not remove: " + "; ".join(failures))


# --- factories --------------------------------------------------------------------------


class ContainerFactory(Protocol):
    """``docker_container``: run a container for this test."""

    def __call__(
        self,
        image: str,
        command: str | list[str] | None = None,
        *,
        wait_healthy: bool | None = None,
        timeout: float = 60.0,
        **run_kwargs: Any,
    ) -> Awaitable[Container]: ...


class ImageFactory(Protocol):
    """``docker_image``: build an image for this test."""

    def __call__(
        self,
        source: str | os.PathLike[str],
        *,
        tag: str | None = None,
        files: Mapping[str, str | bytes] | None = None,
        **build_kwargs: Any,
    ) -> Awaitable[Image]: ...


class NetworkFactory(Protocol):
    """``docker_network``: create a network for this test."""

    def __call__(self, name: str | None = None, **create_kwargs: Any) -> Awaitable[Network]: ...


class VolumeFactory(Protocol):
    """``docker_volume``: create a volume for this test."""

    def __call__(self, name: str | None = None, **create_kwargs: Any) -> Awaitable[Volume]: ...


def _merge_labels(given: Any, ours: Mapping[str, str]) -> dict[str, str]:
    if given is None:
        return dict(ours)
    if isinstance(given, Mapping):
        return {**string_map(given, "labels"), **ours}
    if isinstance(given, (list, tuple)):
        return {**{str(k): "" for k in given}, **ours}
    raise InvalidArgument(f"labels: expected a mapping or a list of names, not {given!r}")


def _unique_name(labels: Mapping[str, str], kind: str, counter: Iterator[int]) -> str:
    return f"aiodock-pytest-{kind}-{labels[TEST_LABEL][:10]}-{next(counter)}"


def _counter() -> Iterator[int]:
    n = 0
    while True:
        n += 1
        yield n


def _context_tar(dockerfile: str, files: Mapping[str, str | bytes] | None) -> bytes:
    """A build context in memory: the Dockerfile and the extra files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, content in {"Dockerfile": dockerfile, **(files or {})}.items():
            data = content.encode() if isinstance(content, str) else bytes(content)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _context_dir(source: str | os.PathLike[str]) -> str:
    if not Path(source).is_dir():
        raise InvalidArgument(f"source: {source!r} is neither a directory nor a Dockerfile text")
    return os.fspath(source)


@pytest.fixture
def docker_container(
    docker: Docker, docker_labels: dict[str, str], _aiodock_cleanup: None
) -> ContainerFactory:
    """A factory of containers removed after the test (forcibly, with their anonymous
    volumes). It waits until the container runs, or until it is healthy when it has a
    health check (``wait_healthy=True``/``False`` forces either way); a container that
    exits on its own is returned as it is."""

    async def run(
        image: str,
        command: str | list[str] | None = None,
        *,
        wait_healthy: bool | None = None,
        timeout: float = 60.0,
        **run_kwargs: Any,
    ) -> Container:
        if run_kwargs.pop("detach", True) is not True:
            raise InvalidArgument("detach: docker_container always runs detached")
        if run_kwargs.get("remove"):
            raise InvalidArgument("remove: docker_container removes the container itself")
        labels = _merge_labels(run_kwargs.pop("labels", None), docker_labels)
        container: Container = await docker.containers.run(
            image, command, detach=True, labels=labels, **run_kwargs
        )
        if wait_healthy or (wait_healthy is None and container.health != "none"):
            await container.wait_healthy(timeout)
        return container

    return run


@pytest.fixture
def docker_image(
    docker: Docker, docker_labels: dict[str, str], _aiodock_cleanup: None
) -> ImageFactory:
    """A factory of images built for the test and removed after it. ``source`` is a build
    context directory (a :class:`~pathlib.Path`, or a string naming a directory) or the
    text of a Dockerfile; ``files`` adds files to a Dockerfile's context."""
    counter = _counter()

    async def build(
        source: str | os.PathLike[str],
        *,
        tag: str | None = None,
        files: Mapping[str, str | bytes] | None = None,
        **build_kwargs: Any,
    ) -> Image:
        labels = _merge_labels(build_kwargs.pop("labels", None), docker_labels)
        build_kwargs.setdefault("forcerm", True)  # no intermediate container left on failure
        if tag is None:
            tag = f"{_unique_name(docker_labels, 'image', counter)}:latest"
        if isinstance(source, str) and ("\n" in source or _DOCKERFILE_START.match(source)):
            context = _context_tar(source, files)
            return await docker.images.build(
                custom_context=context, tag=tag, labels=labels, **build_kwargs
            )
        if files:
            raise InvalidArgument("files: only a Dockerfile text takes extra files")
        return await docker.images.build(
            path=_context_dir(source), tag=tag, labels=labels, **build_kwargs
        )

    return build


@pytest.fixture
def docker_network(
    docker: Docker, docker_labels: dict[str, str], _aiodock_cleanup: None
) -> NetworkFactory:
    """A factory of networks removed after the test (after its containers)."""
    counter = _counter()

    async def create(name: str | None = None, **create_kwargs: Any) -> Network:
        labels = _merge_labels(create_kwargs.pop("labels", None), docker_labels)
        if name is None:
            name = _unique_name(docker_labels, "net", counter)
        return await docker.networks.create(name, labels=labels, **create_kwargs)

    return create


@pytest.fixture
def docker_volume(
    docker: Docker, docker_labels: dict[str, str], _aiodock_cleanup: None
) -> VolumeFactory:
    """A factory of volumes removed after the test (after its containers)."""
    counter = _counter()

    async def create(name: str | None = None, **create_kwargs: Any) -> Volume:
        labels = _merge_labels(create_kwargs.pop("labels", None), docker_labels)
        if name is None:
            name = _unique_name(docker_labels, "vol", counter)
        return await docker.volumes.create(name, labels=labels, **create_kwargs)

    return create
