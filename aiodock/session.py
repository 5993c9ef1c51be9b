"""BuildKit build sessions: the secrets a ``RUN --mount=type=secret`` step reads.

A build can name a session (``POST /build?session=ID``) that the client opened first with
``POST /session``, upgraded to HTTP/2 without TLS (h2c). On that connection the roles turn
round: the daemon is the gRPC client and we serve, answering the methods we announced in
``X-Docker-Expose-Session-Grpc-Method`` headers:

- ``/grpc.health.v1.Health/Check``: ``HealthCheckResponse { status = 1 (SERVING) }``;
- ``/moby.buildkit.secrets.v1.Secrets/GetSecret``:
  ``GetSecretRequest { string ID = 1; map<string,string> annotations = 2; }`` answered with
  ``GetSecretResponse { bytes data = 1; }``, or gRPC status 5 (NOT_FOUND).

Anything else gets gRPC status 12 (UNIMPLEMENTED). HTTP/2 itself is the ``h2`` package's
(``pip install 'aiodock[buildkit]'``); gRPC framing and the two messages are done here.
"""

from __future__ import annotations

import asyncio
import os
import secrets as _random
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from .buildkit import proto_bytes, proto_fields, proto_varint
from .errors import DockerError, InvalidArgument
from .hijack import HijackedConnection, hijack

if TYPE_CHECKING:
    from .client import Docker
    from .streams import StreamSource

__all__ = ["BuildSession", "SecretSource", "check_secrets"]

SecretSource = Union[str, bytes, "os.PathLike[str]"]
"""A build secret: its value (``str`` or ``bytes``), or a file to read when the build asks
for it (``pathlib.Path``)."""

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
GET_SECRET = "/moby.buildkit.secrets.v1.Secrets/GetSecret"
_SERVING = 1
_OK, _NOT_FOUND, _UNIMPLEMENTED, _INTERNAL = 0, 5, 12, 13
MAX_SECRET_SIZE = 500 * 1024
"""BuildKit refuses secrets larger than this."""


def check_secrets(secrets: Mapping[str, SecretSource]) -> dict[str, SecretSource]:
    """Check secret ids and sources locally; the mapping to serve."""
    checked: dict[str, SecretSource] = {}
    for secret_id, source in secrets.items():
        if not isinstance(secret_id, str) or not secret_id:
            raise InvalidArgument(f"secrets: {secret_id!r} is not a secret id")
        if isinstance(source, os.PathLike):
            if not Path(source).is_file():
                raise InvalidArgument(f"secrets: {secret_id}: no file at {os.fspath(source)!r}")
        elif not isinstance(source, (str, bytes)):
            raise InvalidArgument(
                f"secrets: {secret_id}: pass the value (str or bytes) or a pathlib.Path, "
                f"not {type(source).__name__}"
            )
        checked[secret_id] = source
    return checked


def _secret_value(source: SecretSource) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str):
        return source.encode()
    return Path(source).read_bytes()


def _grpc_message(payload: bytes) -> bytes:
    """A gRPC length-prefixed message (not compressed)."""
    return b"\x00" + len(payload).to_bytes(4, "big") + payload


def _grpc_payload(body: bytes) -> bytes:
    """The first message of a gRPC request body."""
    if len(body) < 5 or body[0] != 0:
        raise ValueError("not an uncompressed gRPC message")
    size = int.from_bytes(body[1:5], "big")
    if len(body) < 5 + size:
        raise ValueError("truncated gRPC message")
    return body[5 : 5 + size]


class BuildSession:
    """A session serving build secrets, open from :meth:`start` to :meth:`close`."""

    def __init__(self, docker: Docker, secrets: Mapping[str, SecretSource]) -> None:
        self._docker = docker
        self._secrets = dict(secrets)
        self.id = _random.token_hex(12)
        self._conn: HijackedConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._pending: dict[int, tuple[bytes, list[tuple[str, str]]]] = {}
        self.served: list[str] = []
        """The secret ids the daemon asked for, in order."""

    def __repr__(self) -> str:
        return f"<BuildSession {self.id} secrets={sorted(self._secrets)}>"

    async def start(self) -> None:
        """Open ``/session`` and serve it in the background."""
        try:
            import h2.config
            import h2.connection
        except ImportError:
            raise DockerError(
                "build secrets need the h2 package: pip install 'aiodock[buildkit]'"
            ) from None
        headers = [
            ("X-Docker-Expose-Session-Uuid", self.id),
            ("X-Docker-Expose-Session-Name", "aiodock"),
            ("X-Docker-Expose-Session-Sharedkey", self.id),
            ("X-Docker-Expose-Session-Grpc-Method", HEALTH_CHECK),
            ("X-Docker-Expose-Session-Grpc-Method", GET_SECRET),
        ]
        self._conn = await hijack(
            self._docker, "POST", "/session", upgrade_to="h2c", headers=headers,
            what="build session",
        )  # fmt: skip
        config = h2.config.H2Configuration(client_side=False, header_encoding=None)
        h2conn = h2.connection.H2Connection(config=config)
        h2conn.initiate_connection()
        self._conn.write(h2conn.data_to_send())
        self._task = asyncio.get_running_loop().create_task(self._serve(h2conn))

    async def _serve(self, h2conn: Any) -> None:
        import h2.events
        import h2.exceptions

        conn = self._conn
        assert conn is not None
        paths: dict[int, str] = {}
        bodies: dict[int, bytearray] = {}
        with suppress(DockerError, h2.exceptions.ProtocolError):
            while True:
                data = await conn.readany()
                if not data:
                    return
                for event in h2conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        target = dict(event.headers or ()).get(b":path", b"")
                        paths[event.stream_id] = target.decode("utf-8", "replace")
                        bodies[event.stream_id] = bytearray()
                    elif isinstance(event, h2.events.DataReceived):
                        bodies.setdefault(event.stream_id, bytearray()).extend(event.data)
                        h2conn.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                    elif isinstance(event, h2.events.StreamEnded):
                        path = paths.pop(event.stream_id, "")
                        body = bytes(bodies.pop(event.stream_id, b""))
                        self._answer(h2conn, event.stream_id, path, body)
                    elif isinstance(event, h2.events.WindowUpdated):
                        ready = [event.stream_id] if event.stream_id else list(self._pending)
                        for stream_id in ready:
                            if stream_id in self._pending:
                                self._flush(h2conn, stream_id)
                    elif isinstance(event, h2.events.StreamReset):
                        paths.pop(event.stream_id, None)
                        bodies.pop(event.stream_id, None)
                        self._pending.pop(event.stream_id, None)
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        return
                outgoing = h2conn.data_to_send()
                if outgoing:
                    conn.write(outgoing)
                    await conn.drain()

    def _answer(self, h2conn: Any, stream_id: int, path: str, body: bytes) -> None:
        """Answer one unary call: a response message and trailers, or an error status."""
        status, message, reply = _OK, "", b""
        try:
            if path == HEALTH_CHECK:
                reply = proto_varint(1, _SERVING)
            elif path == GET_SECRET:
                secret_id = ""
                for number, _wire, value in proto_fields(_grpc_payload(body)):
                    if number == 1:
                        secret_id = bytes(value).decode("utf-8", "replace")
                self.served.append(secret_id)
                source = self._secrets.get(secret_id)
                if source is None:
                    status, message = _NOT_FOUND, f"secret {secret_id} not found"
                else:
                    value = _secret_value(source)
                    if len(value) > MAX_SECRET_SIZE:
                        status, message = _INTERNAL, f"secret {secret_id} is too large"
                    else:
                        reply = proto_bytes(1, value)
            else:
                status, message = _UNIMPLEMENTED, f"{path} is not served by aiodock"
        except (ValueError, OSError, DockerError) as exc:
            status, message = _INTERNAL, str(exc)
        h2conn.send_headers(stream_id, [(":status", "200"), ("content-type", "application/grpc")])
        trailers = [("grpc-status", str(status))]
        if message:
            trailers.append(("grpc-message", message))
        self._pending[stream_id] = (_grpc_message(reply) if status == _OK else b"", trailers)
        self._flush(h2conn, stream_id)

    def _flush(self, h2conn: Any, stream_id: int) -> None:
        """Send what the flow-control windows allow of an answer; its trailers once it is
        all sent (the rest goes when the daemon opens the window further)."""
        data, trailers = self._pending[stream_id]
        sent = 0
        while sent < len(data):
            size = min(
                len(data) - sent,
                h2conn.local_flow_control_window(stream_id),
                h2conn.max_outbound_frame_size,
            )
            if size <= 0:
                break
            h2conn.send_data(stream_id, data[sent : sent + size])
            sent += size
        if sent < len(data):
            self._pending[stream_id] = (data[sent:], trailers)
            return
        del self._pending[stream_id]
        h2conn.send_headers(stream_id, trailers, end_stream=True)

    def bind(self, resp: StreamSource) -> StreamSource:
        """``resp`` (the build's answer), ending this session when it is released or closed."""
        return _SessionBound(resp, self)

    def abort(self) -> None:
        """Stop serving and close the connection at once (safe to call twice)."""
        task, self._task = self._task, None
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        """Stop serving, close the connection, and wait for the serving task to end."""
        task = self._task
        self.abort()
        if task is not None:
            with suppress(asyncio.CancelledError):
                await task


class _SessionBound:
    """A response whose release or close also ends the build session it needed."""

    def __init__(self, resp: StreamSource, session: BuildSession) -> None:
        self._resp = resp
        self._session = session

    @property
    def content(self) -> Any:
        return self._resp.content

    def release(self) -> Any:
        try:
            return self._resp.release()
        finally:
            self._session.abort()

    def close(self) -> Any:
        try:
            return self._resp.close()
        finally:
            self._session.abort()
