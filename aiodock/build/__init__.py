"""Image builds: the context (tarred, or served over a build session), ``.dockerignore``,
BuildKit's progress and its build sessions.

- :mod:`aiodock.build.context`: the context directory, walked and tarred as the docker CLI does;
- :mod:`aiodock.build.dockerignore`: ``.dockerignore`` patterns;
- :mod:`aiodock.build.buildkit`: BuildKit progress (``StatusResponse``) and protobuf helpers;
- :mod:`aiodock.build.session`: the build session (``POST /session``) serving BuildKit.
"""

from .buildkit import (
    StatusResponse,
    Vertex,
    VertexLog,
    VertexStatus,
    VertexWarning,
    decode_status,
    decode_trace,
)
from .context import (
    CHUNK_SIZE,
    BuildContext,
    _coalesce,
    _threaded,
    dockerfile_context,
    iter_file,
    prepare_context,
    tar_chunks,
)
from .dockerignore import PatternMatcher, read_dockerignore
from .session import BuildSession, SecretSource

__all__ = [
    "CHUNK_SIZE",
    "BuildContext",
    "BuildSession",
    "PatternMatcher",
    "SecretSource",
    "StatusResponse",
    "Vertex",
    "VertexLog",
    "VertexStatus",
    "VertexWarning",
    "_coalesce",
    "_threaded",
    "decode_status",
    "decode_trace",
    "dockerfile_context",
    "iter_file",
    "prepare_context",
    "read_dockerignore",
    "tar_chunks",
]
