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

- ``/moby.filesync.v1.Auth/Credentials`` (``CredentialsRequest { string Host = 1; }``
  answered with ``CredentialsResponse { string Username = 1; string Secret = 2; }``,
  empty when we know none): registry logins for the build's own pulls, from the call's
  ``auth_config``, else :func:`aiodock.auth.resolve_auth`. ``GetTokenAuthority``,
  ``VerifyTokenAuthority`` and ``FetchToken`` get UNAVAILABLE, as from the docker CLI
  without client-side tokens: the daemon then asks for ``Credentials`` and fetches
  registry tokens itself;
- ``/moby.filesync.v1.FileSync/DiffCopy``: the context (``dir-name`` ``context``) and the
  Dockerfile's directory (``dockerfile``), sent as :mod:`aiodock.build.filesync` describes;
- ``/moby.filesync.v1.FileSend/DiffCopy``: a ``local`` export received into a directory,
  or a ``tar`` export written to a file.

Anything else gets gRPC status 12 (UNIMPLEMENTED). HTTP/2 itself is the ``h2`` package's
(``pip install 'aiodock[buildkit]'``); gRPC framing and the messages are done here.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets as _random
import stat
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Union
from urllib.parse import unquote_plus

from ..errors import DockerError, InvalidArgument
from ..transport import Connection
from ..transport.dial import connect_unix
from .buildkit import proto_bytes, proto_fields, proto_varint
from .dockerignore import PatternMatcher
from .filesync import (
    PACKET_DATA,
    PACKET_ERR,
    PACKET_FIN,
    PACKET_REQ,
    PACKET_STAT,
    Packet,
    TreeWriter,
    tree_entries,
)

if TYPE_CHECKING:
    from ..client import Docker
    from ..transport import ByteSource

__all__ = [
    "BuildSession",
    "CredentialsLookup",
    "ExportTarget",
    "SecretSource",
    "SyncedDir",
    "check_secrets",
    "check_ssh_agents",
]

SecretSource = Union[str, bytes, "os.PathLike[str]"]
"""A build secret: its value (``str`` or ``bytes``), or a file to read when the build asks
for it (``pathlib.Path``)."""

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
GET_SECRET = "/moby.buildkit.secrets.v1.Secrets/GetSecret"
CHECK_AGENT = "/moby.sshforward.v1.SSH/CheckAgent"
FORWARD_AGENT = "/moby.sshforward.v1.SSH/ForwardAgent"
AUTH_CREDENTIALS = "/moby.filesync.v1.Auth/Credentials"
AUTH_TOKEN_METHODS = (
    "/moby.filesync.v1.Auth/FetchToken",
    "/moby.filesync.v1.Auth/GetTokenAuthority",
    "/moby.filesync.v1.Auth/VerifyTokenAuthority",
)
FILE_SYNC = "/moby.filesync.v1.FileSync/DiffCopy"
FILE_SEND = "/moby.filesync.v1.FileSend/DiffCopy"
SSH_ID_HEADER = b"buildkit.ssh.id"
_SERVING = 1
_OK, _NOT_FOUND, _UNIMPLEMENTED, _INTERNAL, _UNAVAILABLE = 0, 5, 12, 13, 14
MAX_SECRET_SIZE = 500 * 1024
"""BuildKit refuses secrets larger than this."""
_AGENT_READ = 64 * 1024
_FILE_READ = 256 * 1024
_OUTBOX_HIGH = 1024 * 1024
"""A streaming call waits while more than this is queued for the daemon."""

CredentialsLookup = Callable[[str], Awaitable[tuple[str, str] | None]]
"""Registry host to ``(username, secret)`` (``("", token)`` for an identity token)."""


@dataclass(frozen=True)
class SyncedDir:
    """A directory BuildKit may ask for by name (``context``, ``dockerfile``)."""

    root: str
    excludes: PatternMatcher
    """``.dockerignore`` rules applied on our side (empty: the daemon's are used)."""


@dataclass(frozen=True)
class ExportTarget:
    """Where a ``local`` (a directory) or ``tar`` (a file or binary stream) export goes."""

    type: str
    dest: str | IO[bytes]


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


def _take(entries: Any, count: int) -> list[Any]:
    """Up to ``count`` items of an iterator (in a worker thread: the walk blocks)."""
    batch = []
    for item in entries:
        batch.append(item)
        if len(batch) == count:
            break
    return batch


class _Call:
    """One gRPC call the daemon made on the session."""

    def __init__(self, stream_id: int, path: str, metadata: list[tuple[str, str]]) -> None:
        self.stream_id = stream_id
        self.path = path
        self.metadata = metadata
        self.inbox = bytearray()  # request bytes not yet taken as messages
        self.outbox = bytearray()  # answer bytes waiting for flow-control window
        self.trailers: list[tuple[str, str]] | None = None  # to send once outbox is empty
        self.ended = False  # the daemon sent all of its request
        self.gone = False  # reset, finished or the session closed
        self.agent: asyncio.StreamWriter | None = None
        self.pump: asyncio.Task[None] | None = None
        self.messages: asyncio.Queue[bytes | None] | None = None  # for streaming handlers
        self.room = asyncio.Event()  # the outbox is small enough to queue more
        self.room.set()

    def values(self, key: str) -> list[str]:
        """A metadata key's values, decoded as BuildKit encodes them."""
        found = [value for name, value in self.metadata if name == key]
        if any(
            name == key + "-encoded" and value in ("1", "true") for name, value in self.metadata
        ):
            found = [unquote_plus(value) for value in found]
        return found


class _CallFailed(Exception):
    """A handler's gRPC status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class BuildSession:
    """A session serving what a BuildKit build asks its client for (secrets, SSH agents,
    registry credentials, the context, an export), open from :meth:`start` to
    :meth:`close`. ``bytes_sent`` counts what we sent the daemon on it."""

    def __init__(
        self,
        docker: Docker,
        secrets: Mapping[str, SecretSource] | None = None,
        ssh: Mapping[str, str] | None = None,
        *,
        credentials: CredentialsLookup | None = None,
        dirs: Mapping[str, SyncedDir] | None = None,
        export: ExportTarget | None = None,
    ) -> None:
        self._docker = docker
        self._secrets = dict(secrets or {})
        self._agents = dict(ssh or {})
        self._credentials = credentials
        self._dirs = dict(dirs or {})
        self._export = export
        self.id = _random.token_hex(12)
        self.bytes_sent = 0
        self.hosts_without_credentials: set[str] = set()
        """Registries BuildKit asked credentials for that we had none for."""
        self._conn: Connection | None = None
        self._h2: Any = None
        self._task: asyncio.Task[None] | None = None
        self._calls: dict[int, _Call] = {}

    def __repr__(self) -> str:
        served = [*sorted(self._dirs), *([self._export.type] if self._export else [])]
        return (
            f"<BuildSession {self.id} secrets={sorted(self._secrets)} ssh={sorted(self._agents)}"
            f" files={served}>"
        )

    @property
    def shared_key(self) -> str:
        """What BuildKit keys its copy of our directories by: stable for a context
        directory, so a rebuild sends only what changed (as the docker CLI does)."""
        context = self._dirs.get("context")
        if context is None:
            return self.id
        return hashlib.sha256(f"aiodock:{context.root}".encode()).hexdigest()[:32]

    def methods(self) -> list[str]:
        """The gRPC methods this session serves."""
        methods = [HEALTH_CHECK]
        if self._secrets:
            methods.append(GET_SECRET)
        if self._agents:
            methods += [CHECK_AGENT, FORWARD_AGENT]
        if self._credentials is not None:
            methods += [AUTH_CREDENTIALS, *AUTH_TOKEN_METHODS]
        if self._dirs:
            methods.append(FILE_SYNC)
        if self._export is not None:
            methods.append(FILE_SEND)
        return methods

    async def start(self) -> None:
        """Open ``/session`` and serve it in the background."""
        try:
            import h2  # noqa: F401
        except ImportError:
            raise DockerError(
                "build sessions (secrets, SSH, registry logins, the context, exports) need "
                "the h2 package: pip install 'aiodock[buildkit]'"
            ) from None
        headers = [
            ("X-Docker-Expose-Session-Uuid", self.id),
            ("X-Docker-Expose-Session-Name", "aiodock"),
            ("X-Docker-Expose-Session-Sharedkey", self.shared_key),
            *(("X-Docker-Expose-Session-Grpc-Method", method) for method in self.methods()),
        ]
        conn = await self._docker.transport.upgrade(
            "POST", "/session", protocol="h2c", headers=headers,
            what="build session",
        )  # fmt: skip
        self.serve_on(conn)

    def serve_on(self, conn: Connection) -> None:
        """Serve HTTP/2 on an upgraded connection, in the background."""
        import h2.config
        import h2.connection

        self._conn = conn
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
            self.bytes_sent += len(outgoing)

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
                        self._request(event.stream_id, list(event.headers or ()))
                    elif isinstance(event, h2.events.DataReceived):
                        self._h2.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                        call = self._calls.get(event.stream_id)
                        if call is not None:
                            call.inbox += event.data
                            if call.agent is not None:
                                self._to_agent(call)
                            elif call.messages is not None:
                                self._to_handler(call)
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

    def _request(self, stream_id: int, headers: list[tuple[bytes, bytes]]) -> None:
        metadata = [
            (name.decode("latin-1").lower(), value.decode("utf-8", "replace"))
            for name, value in headers
        ]
        path = next((value for name, value in metadata if name == ":path"), "")
        call = self._calls[stream_id] = _Call(stream_id, path, metadata)
        self._h2.send_headers(stream_id, [(":status", "200"), ("content-type", "application/grpc")])
        loop = asyncio.get_running_loop()
        if path == FORWARD_AGENT:
            agent_id = call.values(SSH_ID_HEADER.decode())[:1] or ["default"]
            socket_path = self._agents.get(agent_id[0] or "default")
            if socket_path is None:
                self._finish(call, _NOT_FOUND, f"no SSH agent {agent_id[0]} in this session")
            else:
                call.pump = loop.create_task(self._forward(call, socket_path))
        elif path in (FILE_SYNC, FILE_SEND):
            call.messages = asyncio.Queue()
            handler = self._send_dir if path == FILE_SYNC else self._receive_export
            call.pump = loop.create_task(self._stream(call, handler))

    def _request_ended(self, call: _Call) -> None:
        call.ended = True
        if call.path == FORWARD_AGENT:
            if call.agent is not None:
                self._agent_eof(call.agent)
            return
        if call.messages is not None:
            call.messages.put_nowait(None)
            return
        if call.path == AUTH_CREDENTIALS:
            call.pump = asyncio.get_running_loop().create_task(self._answer_credentials(call))
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
            elif call.path in AUTH_TOKEN_METHODS:
                status, message = _UNAVAILABLE, "client side tokens disabled"
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
                if len(call.outbox) <= _OUTBOX_HIGH:
                    call.room.set()
            if call.trailers is not None:
                self._h2.send_headers(call.stream_id, call.trailers, end_stream=True)
                self._drop(call.stream_id)
        except h2.exceptions.StreamClosedError:
            self._drop(call.stream_id)

    def _drop(self, stream_id: int) -> None:
        call = self._calls.pop(stream_id, None)
        if call is None:
            return
        call.gone = True
        call.room.set()
        if call.messages is not None:
            call.messages.put_nowait(None)
        if call.pump is not None and call.pump is not asyncio.current_task():
            call.pump.cancel()
        if call.agent is not None:
            call.agent.close()

    # --- registry credentials ----------------------------------------------------------

    async def _answer_credentials(self, call: _Call) -> None:
        """``Credentials``: what we know for the host, or an empty answer."""
        status, message, reply = _OK, "", b""
        try:
            host = _first_field(_grpc_payload(bytes(call.inbox)), 1).decode("utf-8", "replace")
            assert self._credentials is not None
            found = await self._credentials(host)
            if found is None:
                self.hosts_without_credentials.add(host)
            else:
                username, secret = found
                reply = proto_bytes(1, username.encode()) if username else b""
                reply += proto_bytes(2, secret.encode()) if secret else b""
        except (ValueError, DockerError) as exc:
            # The message names the host and what failed, never a secret.
            status, message = _INTERNAL, str(exc)
        if status == _OK:
            call.outbox += _grpc_message(reply)
        self._finish(call, status, message)
        self._send()

    # --- streaming calls -----------------------------------------------------------------

    def _to_handler(self, call: _Call) -> None:
        """Hand the complete request messages received so far to the call's handler."""
        payloads, used = _grpc_payloads(call.inbox)
        del call.inbox[:used]
        assert call.messages is not None
        for payload in payloads:
            call.messages.put_nowait(payload)

    async def _recv(self, call: _Call) -> bytes | None:
        """The call's next request message; ``None`` once the daemon sent all of them."""
        assert call.messages is not None
        payload = await call.messages.get()
        if payload is None:
            call.messages.put_nowait(None)  # every later read sees the end too
        return payload

    async def _emit(self, call: _Call, payload: bytes) -> None:
        """Send one answer message, waiting while too much is queued for the daemon."""
        if call.gone:
            raise _CallFailed(_UNAVAILABLE, "the daemon ended the call")
        call.outbox += _grpc_message(payload)
        self._flush(call)
        self._send()
        if len(call.outbox) > _OUTBOX_HIGH:
            call.room.clear()
            await call.room.wait()
        if self._conn is not None:
            await self._conn.drain()

    async def _stream(self, call: _Call, handler: Callable[[_Call], Awaitable[None]]) -> None:
        """Run a streaming handler; end the call with its status."""
        status, message = _OK, ""
        try:
            await handler(call)
        except _CallFailed as exc:
            status, message = exc.status, str(exc)
        except (OSError, ValueError, DockerError) as exc:
            status, message = _INTERNAL, str(exc)
        if not call.gone:
            self._finish(call, status, message)
            self._send()

    async def _send_dir(self, call: _Call) -> None:
        """``FileSync/DiffCopy``: send the directory named by ``dir-name``, as asked."""
        name = (call.values("dir-name") or [""])[0]
        synced = self._dirs.get(name)
        if synced is None:
            raise _CallFailed(_NOT_FOUND, f"no access allowed to dir {name!r}")
        excludes = synced.excludes
        if not excludes or call.values("override-excludes")[:1] == ["true"]:
            excludes = PatternMatcher(call.values("exclude-patterns"))
        entries = tree_entries(
            synced.root,
            excludes,
            call.values("include-patterns"),
            call.values("followpaths"),
        )
        loop = asyncio.get_running_loop()
        files: dict[int, str] = {}
        messages = call.messages
        assert messages is not None

        async def walk() -> None:
            index = 0
            while True:
                batch = await loop.run_in_executor(None, _take, entries, 256)
                for entry, full in batch:
                    if entry.is_regular:
                        files[index] = full
                    index += 1
                    await self._emit(call, Packet(PACKET_STAT, entry).encode())
                if len(batch) < 256:
                    break
            await self._emit(call, Packet(PACKET_STAT).encode())

        walker = loop.create_task(walk())
        # A failed walk wakes the loop below, which then raises its error.
        walker.add_done_callback(lambda _: messages.put_nowait(b""))
        try:
            while True:
                payload = await self._recv(call)
                if payload is None:
                    raise _CallFailed(_INTERNAL, "the daemon ended the transfer early")
                packet = Packet.decode(payload)
                if packet.type == PACKET_REQ:
                    full = files.pop(packet.id, None)
                    if full is None:
                        raise _CallFailed(_INTERNAL, f"invalid file id {packet.id}")
                    await self._send_file(call, packet.id, full)
                elif packet.type == PACKET_FIN:
                    await walker
                    await self._emit(call, Packet(PACKET_FIN).encode())
                    return
                elif packet.type == PACKET_ERR:
                    raise _CallFailed(_INTERNAL, f"error from receiver: {packet.data.decode()}")
                if walker.done() and not walker.cancelled() and walker.exception() is not None:
                    await walker
        finally:
            if not walker.done():
                walker.cancel()
                with suppress(asyncio.CancelledError, _CallFailed):
                    await walker

    async def _send_file(self, call: _Call, index: int, full: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            fh = await loop.run_in_executor(None, open, full, "rb")
        except OSError:
            fh = None  # gone since the walk: an empty file, as fsutil sends it
        if fh is not None:
            try:
                while True:
                    chunk = await loop.run_in_executor(None, fh.read, _FILE_READ)
                    if not chunk:
                        break
                    await self._emit(call, Packet(PACKET_DATA, id=index, data=chunk).encode())
            finally:
                fh.close()
        await self._emit(call, Packet(PACKET_DATA, id=index).encode())

    async def _receive_export(self, call: _Call) -> None:
        """``FileSend/DiffCopy``: take the build's result, a tree or a tar."""
        target = self._export
        if target is None:
            raise _CallFailed(_NOT_FOUND, "no export was asked for in this session")
        if target.type == "tar":
            await self._receive_tar(call, target.dest)
            return
        assert isinstance(target.dest, str)
        writer = TreeWriter(target.dest)
        try:
            fin_sent = False
            while True:
                payload = await self._recv(call)
                if payload is None:
                    if fin_sent:
                        return
                    raise _CallFailed(_INTERNAL, "the export ended before all of it came")
                packet = Packet.decode(payload)
                if packet.type == PACKET_STAT:
                    index = writer.stat(packet.stat)
                    if index is not None:
                        await self._emit(call, Packet(PACKET_REQ, id=index).encode())
                elif packet.type == PACKET_DATA:
                    writer.data(packet.id, packet.data)
                elif packet.type == PACKET_FIN:
                    return  # the sender's answer to ours: all done
                elif packet.type == PACKET_ERR:
                    raise _CallFailed(_INTERNAL, f"error from sender: {packet.data.decode()}")
                if writer.complete and not fin_sent:
                    writer.finish()
                    fin_sent = True
                    await self._emit(call, Packet(PACKET_FIN).encode())
        finally:
            writer.close()

    async def _receive_tar(self, call: _Call, dest: str | IO[bytes]) -> None:
        loop = asyncio.get_running_loop()
        if isinstance(dest, str):
            fh: IO[bytes] = await loop.run_in_executor(None, open, dest, "wb")
        else:
            fh = dest
        try:
            while True:
                payload = await self._recv(call)
                if payload is None:
                    return
                data = _first_field(payload, 1)
                if data:
                    await loop.run_in_executor(None, fh.write, data)
        finally:
            if isinstance(dest, str):
                fh.close()

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
            reader, writer = await connect_unix(socket_path)
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
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        if self._task is not None:
            self._task.cancel()

    async def close(self) -> None:
        """Stop serving, close the connection, and wait until both are done."""
        self.abort()
        task, self._task = self._task, None
        if task is not None:
            with suppress(asyncio.CancelledError):
                await task
        await asyncio.sleep(0)  # the socket closes on the loop's next turn


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
