"""aiodock: an asyncio-native SDK for the Docker Engine API.

Besides :class:`Docker` and the errors, the names here are imported on first use, so that a
program pays only for the modules it touches (swarm, the docker-py ``APIClient``, ...)."""

from typing import TYPE_CHECKING

from ._lazy import lazy_attributes
from ._version import __version__
from .client import MAX_API_VERSION, Docker
from .errors import (
    APIError,
    BadRequest,
    BuildError,
    Conflict,
    ContainerError,
    ContainerNotFound,
    CredentialError,
    DaemonStreamError,
    DockerConnectionError,
    DockerError,
    DockerTimeoutError,
    Forbidden,
    HealthTimeoutError,
    ImageLoadError,
    ImageNotFound,
    InvalidArgument,
    NotFound,
    NotModified,
    NotSupported,
    OutOfSequence,
    ServerError,
    ServiceNotConverged,
    ServiceRolledBack,
    ServiceUnavailable,
    StreamDecodeError,
    Unauthorized,
    UnhealthyError,
)

if TYPE_CHECKING:
    from .api import APIClient
    from .configs import Config
    from .containers import Container
    from .decoders import Frame, StreamType
    from .engine import EngineInfo
    from .events import Event
    from .exec import ExecResult
    from .images import Image
    from .networks import Network
    from .nodes import Node
    from .process import Process
    from .secrets import Secret
    from .services import Service
    from .tasks import Task
    from .transport import TLSConfig
    from .volumes import Volume

__all__ = [
    "MAX_API_VERSION",
    "APIClient",
    "APIError",
    "BadRequest",
    "BuildError",
    "Config",
    "Conflict",
    "Container",
    "ContainerError",
    "ContainerNotFound",
    "CredentialError",
    "DaemonStreamError",
    "Docker",
    "DockerConnectionError",
    "DockerError",
    "DockerTimeoutError",
    "EngineInfo",
    "Event",
    "ExecResult",
    "Forbidden",
    "Frame",
    "HealthTimeoutError",
    "Image",
    "ImageLoadError",
    "ImageNotFound",
    "InvalidArgument",
    "Network",
    "Node",
    "NotFound",
    "NotModified",
    "NotSupported",
    "OutOfSequence",
    "Process",
    "Secret",
    "ServerError",
    "Service",
    "ServiceNotConverged",
    "ServiceRolledBack",
    "ServiceUnavailable",
    "StreamDecodeError",
    "StreamType",
    "TLSConfig",
    "Task",
    "Unauthorized",
    "UnhealthyError",
    "Volume",
    "__version__",
]

# Each lazy name and the module that defines it.
_SOURCES = {
    "APIClient": ".api",
    "Config": ".configs",
    "Container": ".containers",
    "Frame": ".decoders",
    "StreamType": ".decoders",
    "EngineInfo": ".engine",
    "Event": ".events",
    "ExecResult": ".exec",
    "Image": ".images",
    "Network": ".networks",
    "Node": ".nodes",
    "Process": ".process",
    "Secret": ".secrets",
    "Service": ".services",
    "Task": ".tasks",
    "TLSConfig": ".transport",
    "Volume": ".volumes",
}

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_attributes(globals(), _SOURCES)
