"""aiodock: an asyncio-native SDK for the Docker Engine API."""

from ._version import __version__
from .api import APIClient
from .client import MAX_API_VERSION, Docker
from .configs import Config
from .containers import Container
from .decoders import Frame, StreamType
from .engine import EngineInfo
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
