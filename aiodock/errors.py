"""Typed exceptions raised by aiodock."""

from __future__ import annotations

import asyncio
from typing import Any


class DockerError(Exception):
    """Base class of every error aiodock raises."""


class InvalidArgument(DockerError, ValueError):
    """Bad input found locally, before anything was sent to the daemon."""


class NotSupported(DockerError):
    """The engine has no such capability at all (swarm mode or BuildKit on Podman, say);
    the message names the engine and its version. Raised before the request is sent
    where the engine is known."""


class DockerConnectionError(DockerError, ConnectionError):
    """The daemon could not be reached, or the connection dropped mid-stream."""

    def __init__(self, message: str, *, address: str) -> None:
        super().__init__(f"{message} ({address})")
        self.address = address


class DockerTimeoutError(DockerError, asyncio.TimeoutError):
    """An operation did not finish within the time it was given."""


class StreamDecodeError(DockerError):
    """The daemon sent a stream that does not follow its framing (malformed or truncated)."""


class DaemonStreamError(DockerError):
    """The daemon reported an error inside an output stream (a frame on its error stream,
    such as swarm's "incomplete log stream" warning), after the output before it.

    ``message`` is the daemon's text. ``output`` is what :meth:`FrameStream.read` (bytes)
    or :meth:`FrameStream.demux` (``(stdout, stderr)``) had gathered before the error;
    ``None`` for other ways of reading, which have handed that output out already.
    """

    def __init__(self, what: str, message: str) -> None:
        super().__init__(f"{what}: the daemon reported an error in the stream: {message}")
        self.message = message
        self.output: bytes | tuple[bytes, bytes] | None = None


class APIError(DockerError):
    """The daemon answered with an error status.

    ``status`` is the HTTP status, ``message`` the daemon's own message.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        method: str = "",
        path: str = "",
        body: Any = None,
    ) -> None:
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        self.body = body
        where = " ".join(part for part in (method, path) if part)
        super().__init__(f"{where}: {status} {message}" if where else f"{status} {message}")

    @property
    def is_client_error(self) -> bool:
        return 400 <= self.status < 500

    @property
    def is_server_error(self) -> bool:
        return 500 <= self.status < 600


class NotModified(APIError):
    """304: the object was already in the requested state (say, starting a running container)."""


class BadRequest(APIError):
    """400: the daemon rejected the request's parameters."""


class Unauthorized(APIError):
    """401: registry credentials were missing or wrong."""


class Forbidden(APIError):
    """403: the operation is not allowed."""


class NotFound(APIError):
    """404: the object does not exist."""


class ImageNotFound(NotFound):
    """404 for an image."""


class ContainerNotFound(NotFound):
    """404 for a container."""


class Conflict(APIError):
    """409: the object's state or name conflicts with the request."""


class ServerError(APIError):
    """500: the daemon failed to carry the request out."""


class ServiceUnavailable(APIError):
    """503: the daemon cannot serve this now (for example: the node is not a swarm manager)."""


_BY_STATUS: dict[int, type[APIError]] = {
    304: NotModified,
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    500: ServerError,
    503: ServiceUnavailable,
}


_PODMAN_CONFLICTS: tuple[str, ...] = ("container state improper", "as it is running")


def api_error(
    status: int, message: str, *, method: str = "", path: str = "", body: Any = None
) -> APIError:
    """Build the typed exception for a daemon error answer."""
    cls = _BY_STATUS.get(status, APIError)
    if status == 500 and any(text in message for text in _PODMAN_CONFLICTS):
        cls = Conflict  # Podman 4 answers 500 where Docker answers 409
    if cls is NotFound:
        lowered = message.lower()
        if "no such image" in lowered or path.startswith("/images/"):
            cls = ImageNotFound
        elif "no such container" in lowered:
            cls = ContainerNotFound
    return cls(status, message, method=method, path=path, body=body)


class ImageLoadError(APIError):
    """``images.load()`` failed: the daemon refused the tar (not an image archive, cut
    short) or reported an error while loading it. ``status``, ``message`` as for
    :class:`APIError`."""

    @classmethod
    def from_api_error(cls, exc: APIError) -> ImageLoadError:
        """The same answer, as an image load's error."""
        return cls(exc.status, exc.message, method=exc.method, path=exc.path, body=exc.body)


class ContainerError(DockerError):
    """A container run with ``detach=False`` exited with a non-zero status."""

    def __init__(
        self, container: Any, exit_status: int, command: Any, image: str, stderr: bytes | None
    ) -> None:
        self.container = container
        self.exit_status = exit_status
        self.command = command
        self.image = image
        self.stderr = stderr
        text = stderr.decode("utf-8", "replace").strip() if stderr else ""
        detail = f": {text}" if text else ""
        super().__init__(
            f"command {command!r} in image {image!r} returned non-zero exit status "
            f"{exit_status}{detail}"
        )


class BuildError(DockerError):
    """An image build failed; ``build_log`` holds every progress object received."""

    def __init__(self, reason: str, build_log: list[dict[str, Any]]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.build_log = build_log


class CredentialError(DockerError):
    """A credential helper failed, or the docker configuration cannot be read."""


class UnhealthyError(DockerError):
    """A container became unhealthy (or stopped) while :meth:`Container.wait_healthy` waited.

    ``status`` is the last health status seen, ``output`` the last check's output.
    """

    def __init__(self, message: str, *, status: str, output: str) -> None:
        super().__init__(message)
        self.status = status
        self.output = output


class HealthTimeoutError(UnhealthyError, DockerTimeoutError):
    """The container was not healthy within the time given."""


class OutOfSequence(Conflict):
    """A versioned update (service, node, swarm, secret, config) was refused because the
    object changed after it was read: reload it and apply the change again."""


class ServiceNotConverged(DockerError):
    """A service cannot reach its desired state: an update paused, or tasks failed.

    ``tasks`` holds the failing tasks' inspect dicts, ``errors`` their ``Status.Err``.
    """

    def __init__(self, message: str, *, tasks: list[dict[str, Any]], errors: list[str]) -> None:
        super().__init__(message)
        self.tasks = tasks
        self.errors = errors


class ServiceRolledBack(ServiceNotConverged):
    """A service update failed and was rolled back: the previous spec runs again.

    ``progress`` is the last :class:`~aiodock.services.ConvergenceProgress` (converged, on
    the previous spec); ``errors`` are the failures that caused the rollback.
    """

    def __init__(
        self, message: str, *, tasks: list[dict[str, Any]], errors: list[str], progress: Any
    ) -> None:
        super().__init__(message, tasks=tasks, errors=errors)
        self.progress = progress
