"""``ssh://`` daemons through the system ssh client.

Requests and hijacked exec/attach connections use a unix socket in a private temporary
directory like any other; behind it, one of two modes reaches the remote daemon:

- ``forward`` (the default): one ``ssh -L local.sock:/var/run/docker.sock host`` process
  forwards the remote daemon's socket. The remote needs OpenSSH 6.7 or newer with unix
  socket forwarding allowed (``AllowStreamLocalForwarding``).
- ``dial-stdio``: aiodock listens on the local socket itself and, for each connection,
  runs ``ssh host docker system dial-stdio`` and relays bytes both ways (half-closes
  included), as the docker CLI does. The remote needs the docker CLI, not forwarding.

The tunnel starts on first use, is ready once the daemon answers ``/_ping`` through it,
is started again if ssh died, and stops (processes ended, directory removed) when the
client closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Awaitable, Sequence
from pathlib import Path

from ..errors import DockerConnectionError, DockerTimeoutError, InvalidArgument
from ..utils import timeout_after
from .address import DEFAULT_UNIX_SOCKET, SSHTarget
from .dial import probe_unix, serve_unix

__all__ = ["SSH_MODES", "SSHTunnel"]

SSH_MODES = ("forward", "dial-stdio")
"""How an ``ssh://`` tunnel reaches the daemon (see the module's documentation)."""

RELAY_CHUNK = 256 * 1024

STOP_GRACE = 5.0
"""Seconds ssh gets to exit after SIGTERM before it is killed."""

STDERR_TAIL = 2000
"""How much of ssh's error output an exception carries (the end of it)."""

_NOTICE = "Warning: Permanently added"


class SSHTunnel:
    """One ssh process forwarding a remote daemon socket to :attr:`socket_path`.

    ``options`` are extra ssh arguments placed before aiodock's own (ssh takes the first
    value given for an option, so they can override the defaults), e.g.
    ``["-i", "key", "-o", "StrictHostKeyChecking=no"]``. ``command`` is the ssh client.
    ``mode`` is ``"forward"`` or ``"dial-stdio"`` (see the module's documentation).
    """

    def __init__(
        self,
        target: SSHTarget,
        *,
        display: str,
        options: Sequence[str] = (),
        command: str = "ssh",
        mode: str = "forward",
    ) -> None:
        if isinstance(options, (str, bytes)) or not all(isinstance(o, str) for o in options):
            raise InvalidArgument("ssh_options must be a list of strings (one per argument)")
        if mode not in SSH_MODES:
            raise InvalidArgument(f"ssh_mode must be one of {', '.join(SSH_MODES)}, not {mode!r}")
        self.mode = mode
        self.target = target
        self.display = display
        self.options = tuple(options)
        self.command = command
        # The directory is made (mode 0700, failing if it exists) when the tunnel starts;
        # the socket path is known now so that the client's connector can be made at once.
        self._dir = Path(tempfile.gettempdir()) / f"aiodock-ssh-{secrets.token_hex(8)}"
        self.socket_path = os.fspath(self._dir / "docker.sock")
        self._log_path = self._dir / "ssh.log"
        self._process: asyncio.subprocess.Process | None = None
        self._ready = False
        self._lock: asyncio.Lock | None = None
        self._attempts_finished = 0
        self._failure: DockerConnectionError | DockerTimeoutError | None = None
        # dial-stdio: our listener on socket_path, and one ssh per relayed connection
        self._server: asyncio.AbstractServer | None = None
        self._relays: dict[asyncio.Task[None], asyncio.subprocess.Process | None] = {}
        self._dial_timeout: float | None = None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<SSHTunnel {self.display} {state}>"

    @property
    def running(self) -> bool:
        """Whether the tunnel runs (ssh, or our dial-stdio listener) and the daemon
        answered through it."""
        if self._server is not None:
            return self._ready and self._server.is_serving()
        process = self._process
        return self._ready and process is not None and process.returncode is None

    @property
    def pid(self) -> int | None:
        """The forwarding ssh process id while it runs (``None`` in dial-stdio mode)."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    @property
    def relay_pids(self) -> list[int]:
        """dial-stdio: the ssh process ids of the connections relayed now."""
        return [p.pid for p in self._relays.values() if p is not None and p.returncode is None]

    def command_line(self, connect_timeout: float | None = None) -> list[str]:
        """The ssh command that forwards the daemon socket."""
        target = self.target
        argv = [self.command, *self.options, "-nNT"]
        argv += ["-o", "ExitOnForwardFailure=yes", "-o", "BatchMode=yes"]
        argv += ["-o", "StreamLocalBindUnlink=yes"]
        if connect_timeout is not None:
            argv += ["-o", f"ConnectTimeout={max(1, math.ceil(connect_timeout))}"]
        argv += ["-L", f"{self.socket_path}:{target.socket_path}"]
        if target.port is not None:
            argv += ["-p", str(target.port)]
        if target.user:
            argv += ["-l", target.user]
        return [*argv, "--", target.host]

    def dial_command(self, connect_timeout: float | None = None) -> list[str]:
        """The ssh command that connects one stream to the daemon (dial-stdio mode)."""
        target = self.target
        argv = [self.command, *self.options, "-T", "-o", "BatchMode=yes"]
        if connect_timeout is not None:
            argv += ["-o", f"ConnectTimeout={max(1, math.ceil(connect_timeout))}"]
        if target.port is not None:
            argv += ["-p", str(target.port)]
        if target.user:
            argv += ["-l", target.user]
        remote = ["docker"]
        if target.socket_path != DEFAULT_UNIX_SOCKET:
            remote += ["--host", shlex.quote(f"unix://{target.socket_path}")]
        return [*argv, "--", target.host, *remote, "system", "dial-stdio"]

    async def start(self, timeout: float | None) -> None:
        """Start ssh unless it runs, and wait until the daemon answers through the tunnel.

        Raises :class:`DockerConnectionError` (with ssh's error output) when ssh fails and
        :class:`DockerTimeoutError` when the tunnel is not ready within ``timeout``.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        finished = self._attempts_finished
        async with self._lock:
            if self.running:
                return
            if self._attempts_finished != finished and self._failure is not None:
                # Waited while another request's attempt failed: share its error rather
                # than paying for another attempt (a timeout each) per waiting request.
                raise self._failure
            self._failure = None
            try:
                await self._start(timeout)
            finally:
                self._attempts_finished += 1

    async def _start(self, timeout: float | None) -> None:
        """One attempt to start ssh and wait for the tunnel (under the lock)."""
        await self._stop_process()
        if self.mode == "dial-stdio":
            await self._start_dialing(timeout)
            return
        log_fd = self._prepare()
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command_line(timeout),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log_fd,
            )
        except OSError as exc:
            self._failure = DockerConnectionError(
                f"cannot start the ssh client {self.command!r}: {exc.strerror or exc}",
                address=self.display,
            )
            raise self._failure from exc
        finally:
            os.close(log_fd)
        self._process = process
        await self._until_ready(self._wait_ready(process), timeout)

    async def _start_dialing(self, timeout: float | None) -> None:
        """dial-stdio: listen on the local socket, then check that the daemon answers
        through a first relayed connection."""
        os.close(self._prepare())
        self._dial_timeout = timeout
        self._server = await serve_unix(self._relay, self.socket_path)
        await self._until_ready(self._dial_probe(), timeout)

    async def _dial_probe(self) -> None:
        if not await self._probe():
            raise DockerConnectionError(
                "ssh ... docker system dial-stdio did not reach the daemon at "
                f"{self.target.socket_path!r}{self._stderr_note()}",
                address=self.display,
            )

    async def _until_ready(self, ready: Awaitable[None], timeout: float | None) -> None:
        """Wait for ``ready`` (it raises when the tunnel cannot work); on failure, stop
        what was started and keep the error for the requests that wait on this attempt."""
        try:
            async with timeout_after(timeout):
                await ready
        except asyncio.TimeoutError:
            await self._stop_process()
            self._failure = DockerTimeoutError(
                f"ssh did not open a tunnel to the daemon at {self.display} within "
                f"{timeout} s{self._stderr_note()}"
            )
            raise self._failure from None
        except DockerConnectionError as exc:
            await self._stop_process()
            self._failure = exc
            raise
        except BaseException:
            await self._stop_process()
            raise
        self._ready = True

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Carry one local connection over its own ``ssh ... docker system dial-stdio``."""
        task = asyncio.current_task()
        assert task is not None
        self._relays[task] = None
        process: asyncio.subprocess.Process | None = None
        try:
            log_fd = os.open(self._log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                process = await asyncio.create_subprocess_exec(
                    *self.dial_command(self._dial_timeout),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log_fd,
                )
            finally:
                os.close(log_fd)
            self._relays[task] = process
            assert process.stdin is not None and process.stdout is not None
            upstream = asyncio.ensure_future(_pump(reader, process.stdin))
            try:
                await _pump(process.stdout, writer)  # the daemon's side, until it closes
            finally:
                upstream.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await upstream
        except (OSError, ConnectionError):
            pass  # the client sees its connection close; ssh's words are in the log
        finally:
            writer.close()
            try:
                if process is not None:
                    await _end(process)
            finally:
                self._relays.pop(task, None)  # only now: close() waits for the reaping

    async def close(self) -> None:
        """Stop ssh (SIGTERM, then SIGKILL after a grace period) and remove the temporary
        directory. The tunnel can be started again afterwards."""
        await self._stop_process(signal.SIGTERM)
        shutil.rmtree(self._dir, ignore_errors=True)

    def __del__(self) -> None:
        # Safety net for a client that was never closed: do not leave ssh running.
        processes = [getattr(self, "_process", None), *getattr(self, "_relays", {}).values()]
        for process in processes:
            if process is not None and process.returncode is None:
                with contextlib.suppress(OSError):
                    os.kill(process.pid, signal.SIGTERM)
        directory = getattr(self, "_dir", None)
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)

    # --- internals ----------------------------------------------------------------------

    def _prepare(self) -> int:
        """Make the private directory, remove a stale socket, and open ssh's error log
        (its file descriptor is returned)."""
        try:
            self._dir.mkdir(mode=0o700)
        except FileExistsError:
            if self._dir.is_symlink() or self._dir.stat().st_uid != os.getuid():
                raise DockerConnectionError(
                    f"the tunnel directory {os.fspath(self._dir)!r} exists and is not ours",
                    address=self.display,
                ) from None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        return os.open(self._log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)

    async def _stop_process(self, signum: int = signal.SIGKILL) -> None:
        """Send ``signum`` to ssh and wait for it to exit (killing it after
        ``STOP_GRACE`` seconds); in dial-stdio mode, stop listening and end every relay."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        if self._relays:
            await self._end_relays()
        process, self._process = self._process, None
        self._ready = False
        if process is not None:
            await _end(process, signum)

    async def _end_relays(self) -> None:
        """End every relayed connection: its ssh is asked to stop, so the relay finishes
        on its own (reaping ssh); one that does not within ``STOP_GRACE`` is cancelled."""
        for process in list(self._relays.values()):
            if process is not None and process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
        relays = list(self._relays)
        _done, pending = await asyncio.wait(relays, timeout=STOP_GRACE)
        for relay in pending:
            relay.cancel()
        for relay in relays:
            with contextlib.suppress(asyncio.CancelledError):
                await relay

    async def _wait_ready(self, process: asyncio.subprocess.Process) -> None:
        delay = 0.005
        while True:
            if process.returncode is not None:
                raise DockerConnectionError(
                    f"ssh exited with status {process.returncode}{self._stderr_note()}",
                    address=self.display,
                )
            answered = await self._probe()
            if answered:
                return
            if answered is False:
                # ssh accepted the local connection but the remote end closed it: the
                # forward was refused there. ssh says why on stderr, just after.
                await asyncio.sleep(0.05)
                raise DockerConnectionError(
                    "the ssh tunnel opened but the remote daemon socket "
                    f"{self.target.socket_path!r} did not answer{self._stderr_note()} "
                    "(where the server forbids socket forwarding, ssh_mode='dial-stdio' "
                    "works through the remote docker CLI)",
                    address=self.display,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)

    async def _probe(self) -> bool | None:
        """``True`` when the daemon answers ``/_ping`` through the tunnel, ``False`` when
        the connection closes without an answer, ``None`` while ssh is not listening."""
        try:
            return await probe_unix(self.socket_path)
        except ConnectionError:
            return False

    def _stderr_note(self) -> str:
        try:
            text = self._log_path.read_bytes().decode("utf-8", "replace")
        except OSError:
            return ""
        # Drop the known-hosts notice that a first connection prints: it is not the error.
        lines = text.splitlines()
        text = "\n".join(line for line in lines if not line.startswith(_NOTICE)).strip()
        if not text:
            return ""
        if len(text) > STDERR_TAIL:
            text = "..." + text[-STDERR_TAIL:]
        return f"; ssh said: {text}"


async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy ``source`` to ``sink`` until its end, then half-close ``sink``."""
    while True:
        data = await source.read(RELAY_CHUNK)
        if not data:
            break
        sink.write(data)
        await sink.drain()
    if sink.can_write_eof():
        with contextlib.suppress(OSError):
            sink.write_eof()


async def _end(process: asyncio.subprocess.Process, signum: int = signal.SIGTERM) -> None:
    """End an ssh process (``signum``, SIGKILL after ``STOP_GRACE``) and reap it."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signum)
    try:
        async with timeout_after(STOP_GRACE):
            await process.wait()
    except asyncio.TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()  # no waiting any more: at least do not leave it running
        raise
