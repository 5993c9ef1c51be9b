"""BuildKit build sessions: the secrets and SSH agents a build's ``RUN --mount`` steps use.

A build can name a session (``POST /build?session=ID``) that the client opened first with
``POST /session``, upgraded to HTTP/2 without TLS (h2c). On that connection the roles turn
round: the daemon is the gRPC client and we serve, answering the methods we announced in
``X-Docker-Expose-Session-Grpc-Method`` headers:

- ``/grpc.health.v1.Health/Check``: ``HealthCheckResponse { status = 1 (SERVING) }``;
- ``/moby.buildkit.secrets.v1.Secrets/GetSecret`` (``--mount=type=secret``):
  ``GetSecretRequest { string ID = 1; map<string,string> annotations = 2; }`` answered with
  ``GetSecretResponse { bytes data = 1; }``, or gRPC status 5 (NOT_FOUND);
- ``/moby.sshforward.v1.SSH/CheckAgent`` (``CheckAgentRequest { string ID = 1; }``, an
  empty answer or NOT_FOUND) and ``/moby.sshforward.v1.SSH/ForwardAgent``
  (``--mount=type=ssh``): a stream of ``BytesMessage { bytes data = 1; }`` each way,
  relayed to and from a local SSH agent's socket; the agent's id comes in the
  ``buildkit.ssh.id`` metadata (``default`` when absent).

Anything else gets gRPC status 12 (UNIMPLEMENTED). HTTP/2 itself is the ``h2`` package's
(``pip install 'aiodock[buildkit]'``); gRPC framing and the messages are done here.
"""

from __future__ import annotations

import asyncio
import os
import secrets as _random
import stat
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from .buildkit import proto_bytes, proto_fields, proto_varint
from .errors import DockerError, InvalidArgument
from .transport import Connection

if TYPE_CHECKING:
    from .client import Docker
    from .transport import ByteSource

__all__ = ["BuildSession", "SecretSource", "check_secrets", "check_ssh_agents"]

SecretSource = Union[str, bytes, "os.PathLike[str]"]
"""A build secret: its value (``str`` or ``bytes``), or a file to read when the build asks
for it (``pathlib.Path``)."""

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
GET_SECRET = "/moby.buildkit.secrets.v1.Secrets/GetSecret"
CHECK_AGENT = "/moby.sshforward.v1.SSH/CheckAgent"
FORWARD_AGENT = "/moby.sshforward.v1.SSH/ForwardAgent"
SSH_ID_HEADER = b"buildkit.ssh.id"
_SERVING = 1
_OK, _NOT_FOUND, _UNIMPLEMENTED, _INTERNAL, _UNAVAILABLE = 0, 5, 12, 13, 14
MAX_SECRET_SIZE = 500 * 1024
"""BuildKit refuses secrets larger than this."""
_AGENT_READ = 64 * 1024


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


def check_ssh_agents(agents: Mapping[str, str | os.PathLike[str]]) -> dict[str, str]:
    """Check SSH agent ids and sockets locally; ``{id: socket path}`` to serve."""
    checked: dict[str, str] = {}
    for agent_id, socket_path in agents.items():
        if not isinstance(agent_id, str) or not agent_id:
            raise InvalidArgument(f"ssh: {agent_id!r} is not an SSH agent id")
        if not isinstance(socket_path, (str, os.PathLike)) or not os.fspath(socket_path):
            raise InvalidArgument(f"ssh: {agent_id}: pass the agent's socket path")
        path = os.fspath(socket_path)
        try:
            is_socket = stat.S_ISSOCK(os.stat(path).st_mode)
        except OSError:
            is_socket = False
        if not is_socket:
            raise InvalidArgument(f"ssh: {agent_id}: no SSH agent socket at {path!r}")
        checked[agent_id] = path
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
    payloads, _used = _grpc_payloads(body)
    if not payloads:
        raise ValueError("no complete gRPC message")
    return payloads[0]


def _grpc_payloads(buffer: bytes | bytearray) -> tuple[list[bytes], int]:
    """The complete gRPC messages at the start of ``buffer`` and how many bytes they take."""
    payloads = []
    pos = 0
    while len(buffer) - pos >= 5:
        if buffer[pos] != 0:
            raise ValueError("compressed gRPC messages are not supported")
        size = int.from_bytes(buffer[pos + 1 : pos + 5], "big")
        if len(buffer) - pos - 5 < size:
            break
        payloads.append(bytes(buffer[pos + 5 : pos + 5 + size]))
        pos += 5 + size
    return payloads, pos


def _first_field(payload: bytes, number: int) -> bytes:
    """The value of length-delimited field ``number`` of a message (``b""`` if absent)."""
    for field_number, _wire, value in proto_fields(payload):
        if field_number == number and isinstance(value, bytes):
            return value
    return b""


class _Call:
    """One gRPC call the daemon made on the session."""

    def __init__(self, stream_id: int, path: str) -> None:
        self.stream_id = stream_id
        self.path = path
        self.inbox = bytearray()  # request bytes not yet taken as messages
        self.outbox = bytearray()  # answer bytes waiting for flow-control window
        self.trailers: list[tuple[str, str]] | None = None  # to send once outbox is empty
        self.ended = False  # the daemon sent all of its request
        self.agent: asyncio.StreamWriter | None = None
        self.pump: asyncio.Task[None] | None = None


class BuildSession:
    """A session serving build secrets and SSH agents, open from :meth:`start` to
    :meth:`close`."""

    def __init__(
        self,
        docker: Docker,
        secrets: Mapping[str, SecretSource] | None = None,
        ssh: Mapping[str, str] | None = None,
    ) -> None:
        self._docker = docker
        self._secrets = dict(secrets or {})
        self._agents = dict(ssh or {})
        self.id = _random.token_hex(12)
        self._conn: Connection | None = None
        self._h2: Any = None
        self._task: asyncio.Task[None] | None = None
        self._calls: dict[int, _Call] = {}

    def __repr__(self) -> str:
        return (
            f"<BuildSession {self.id} secrets={sorted(self._secrets)} ssh={sorted(self._agents)}>"
        )

    async def start(self) -> None:
        """Open ``/session`` and serve it in the background."""
        try:
            import h2.config
            import h2.connection
        except ImportError:
            raise DockerError(
                "build secrets and SSH forwarding need the h2 package: "
                "pip install 'aiodock[buildkit]'"
            ) from None
        methods = [HEALTH_CHECK]
        if self._secrets:
            methods.append(GET_SECRET)
        if self._agents:
            methods += [CHECK_AGENT, FORWARD_AGENT]
        headers = [
            ("X-Docker-Expose-Session-Uuid", self.id),
            ("X-Docker-Expose-Session-Name", "aiodock"),
            ("X-Docker-Expose-Session-Sharedkey", self.id),
            *(("X-Docker-Expose-Session-Grpc-Method", method) for method in methods),
        ]
        self._conn = await self._docker.transport.upgrade(
            "POST", "/session", protocol="h2c", headers=headers,
            what="build session",
        )  # fmt: skip
        config = h2.config.H2Configuration(client_side=False, header_encoding=None)
        self._h2 = h2.connection.H2Connection(config=config)
        self._h2.initiate_connection()
        self._send()
        self._task = asyncio.get_running_loop().create_task(self._serve())

    def _send(self) -> None:
        """Write what the HTTP/2 state machine has for the daemon."""
        outgoing = self._h2.data_to_send()
        if outgoing and self._conn is not None and not self._conn.closed:
            self._conn.write(outgoing)

    async def _serve(self) -> None:
        import h2.events
        import h2.exceptions

        conn = self._conn
        assert conn is not None
        try:
            while True:
                data = await conn.read_chunk()
                if not data:
                    return
                for event in self._h2.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        self._request(event.stream_id, dict(event.headers or ()))
                    elif isinstance(event, h2.events.DataReceived):
                        self._h2.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                        call = self._calls.get(event.stream_id)
                        if call is not None:
                            call.inbox += event.data
                            if call.agent is not None:
                                self._to_agent(call)
                    elif isinstance(event, h2.events.StreamEnded):
                        call = self._calls.get(event.stream_id)
                        if call is not None:
                            self._request_ended(call)
                    elif isinstance(event, h2.events.WindowUpdated):
                        for call in list(self._calls.values()):
                            if event.stream_id in (0, call.stream_id):
                                self._flush(call)
                    elif isinstance(event, h2.events.StreamReset):
                        self._drop(event.stream_id)
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        return
                self._send()
                await conn.drain()
        except (DockerError, h2.exceptions.ProtocolError, ConnectionError):
            return
        finally:
            for stream_id in list(self._calls):
                self._drop(stream_id)

    # --- calls ---------------------------------------------------------------------------

    def _request(self, stream_id: int, headers: dict[bytes, bytes]) -> None:
        path = headers.get(b":path", b"").decode("utf-8", "replace")
        call = self._calls[stream_id] = _Call(stream_id, path)
        self._h2.send_headers(stream_id, [(":status", "200"), ("content-type", "application/grpc")])
        if path == FORWARD_AGENT:
            agent_id = headers.get(SSH_ID_HEADER, b"").decode() or "default"
            socket_path = self._agents.get(agent_id)
            if socket_path is None:
                self._finish(call, _NOT_FOUND, f"no SSH agent {agent_id} in this session")
            else:
                call.pump = asyncio.get_running_loop().create_task(self._forward(call, socket_path))

    def _request_ended(self, call: _Call) -> None:
        call.ended = True
        if call.path == FORWARD_AGENT:
            if call.agent is not None:
                self._agent_eof(call.agent)
            return
        status, message, reply = _OK, "", b""
        try:
            payload = _grpc_payload(bytes(call.inbox))
            if call.path == HEALTH_CHECK:
                reply = proto_varint(1, _SERVING)
            elif call.path == GET_SECRET:
                secret_id = _first_field(payload, 1).decode("utf-8", "replace")
                source = self._secrets.get(secret_id)
                if source is None:
                    status, message = _NOT_FOUND, f"secret {secret_id} not found"
                else:
                    value = _secret_value(source)
                    if len(value) > MAX_SECRET_SIZE:
                        status, message = _INTERNAL, f"secret {secret_id} is too large"
                    else:
                        reply = proto_bytes(1, value)
            elif call.path == CHECK_AGENT:
                agent_id = _first_field(payload, 1).decode("utf-8", "replace") or "default"
                if agent_id not in self._agents:
                    status, message = _NOT_FOUND, f"no SSH agent {agent_id} in this session"
            else:
                status, message = _UNIMPLEMENTED, f"{call.path} is not served by aiodock"
        except (ValueError, OSError, DockerError) as exc:
            status, message = _INTERNAL, str(exc)
        if status == _OK:
            call.outbox += _grpc_message(reply)
        self._finish(call, status, message)

    def _finish(self, call: _Call, status: int, message: str = "") -> None:
        """End a call with its gRPC status, once its answer has gone out."""
        call.trailers = [("grpc-status", str(status))]
        if message:
            call.trailers.append(("grpc-message", message))
        self._flush(call)

    def _flush(self, call: _Call) -> None:
        """Send what the flow-control windows allow of a call's answer; its trailers once
        all of it went (the rest goes when the daemon opens the window further)."""
        import h2.exceptions

        try:
            while call.outbox:
                size = min(
                    len(call.outbox),
                    self._h2.local_flow_control_window(call.stream_id),
                    self._h2.max_outbound_frame_size,
                )
                if size <= 0:
                    return
                self._h2.send_data(call.stream_id, bytes(call.outbox[:size]))
                del call.outbox[:size]
            if call.trailers is not None:
                self._h2.send_headers(call.stream_id, call.trailers, end_stream=True)
                self._drop(call.stream_id)
        except h2.exceptions.StreamClosedError:
            self._drop(call.stream_id)

    def _drop(self, stream_id: int) -> None:
        call = self._calls.pop(stream_id, None)
        if call is None:
            return
        if call.pump is not None and call.pump is not asyncio.current_task():
            call.pump.cancel()
        if call.agent is not None:
            call.agent.close()

    # --- SSH agent forwarding ----------------------------------------------------------

    @staticmethod
    def _agent_eof(agent: asyncio.StreamWriter) -> None:
        """The build's side is done: half-close, so the agent ends the stream when it has
        answered."""
        if agent.can_write_eof():
            with suppress(OSError):
                agent.write_eof()

    def _to_agent(self, call: _Call) -> None:
        """Relay the complete ``BytesMessage`` requests received so far to the agent."""
        payloads, used = _grpc_payloads(call.inbox)
        del call.inbox[:used]
        assert call.agent is not None
        for payload in payloads:
            call.agent.write(_first_field(payload, 1))

    async def _forward(self, call: _Call, socket_path: str) -> None:
        """Connect to the agent, then relay its answers to the build until it closes."""
        try:
            reader, writer = await asyncio.open_unix_connection(socket_path)
        except OSError as exc:
            self._finish(call, _UNAVAILABLE, f"cannot reach the SSH agent: {exc}")
            self._send()
            return
        call.agent = writer
        self._to_agent(call)  # what arrived while connecting
        if call.ended:
            self._agent_eof(writer)
        try:
            while True:
                data = await reader.read(_AGENT_READ)
                if not data:
                    break
                call.outbox += _grpc_message(proto_bytes(1, data))
                self._flush(call)
                self._send()
        except OSError as exc:
            self._finish(call, _UNAVAILABLE, f"the SSH agent connection failed: {exc}")
        else:
            self._finish(call, _OK)
        finally:
            writer.close()
        self._send()

    def bind(self, resp: ByteSource) -> ByteSource:
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

    def __init__(self, resp: ByteSource, session: BuildSession) -> None:
        self._resp = resp
        self._session = session
        self.read_chunk = resp.read_chunk

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
