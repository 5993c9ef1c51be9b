"""aiodock: an asyncio-native SDK for the Docker Engine API."""

__version__ = "0.1.0"

from .client import MAX_API_VERSION, Docker
from .connection import TLSConfig
from .decoders import Frame, StreamType
from .errors import (
    APIError,
    BuildError,
    Conflict,
    ContainerError,
    DockerConnectionError,
    DockerError,
    DockerTimeoutError,
    ImageNotFound,
    InvalidArgument,
    NotFound,
)
from .events import Event

__all__ = [
    "MAX_API_VERSION",
    "APIError",
    "BuildError",
    "Conflict",
    "ContainerError",
    "Docker",
    "DockerConnectionError",
    "DockerError",
    "DockerTimeoutError",
    "Event",
    "Frame",
    "ImageNotFound",
    "InvalidArgument",
    "NotFound",
    "StreamType",
    "TLSConfig",
    "__version__",
]
