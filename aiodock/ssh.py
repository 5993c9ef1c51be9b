"""``ssh://`` daemons through the system ssh client.

``ssh -L local.sock:/var/run/docker.sock host`` forwards the remote daemon's socket to a
unix socket in a private temporary directory; requests and hijacked exec/attach
connections then use that local socket like any other. The tunnel starts on first use,
is ready once the daemon answers ``/_ping`` through it, is started again if ssh died, and
stops (process ended, directory removed) when the client closes. The remote needs
OpenSSH 6.7 or newer with unix socket forwarding allowed (``AllowStreamLocalForwarding``).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .connection import SSHTarget
from .errors import DockerConnectionError, DockerTimeoutError, InvalidArgument
from .utils import timeout_after

__all__ = ["SSHTunnel"]

STOP_GRACE = 5.0
"""Seconds ssh gets to exit after SIGTERM before it is killed."""

STDERR_TAIL = 2000
"""How much of ssh's error output an exception carries (the end of it)."""

_NOTICE = "Warning: Permanently added"

_PING = b"GET /_ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


class SSHTunnel:
    """One ssh process forwarding a remote daemon socket to :attr:`socket_path`.

    ``options`` are extra ssh arguments placed before aiodock's own (ssh takes the first
    value given for an option, so they can override the defaults), e.g.
    ``["-i", "key", "-o", "StrictHostKeyChecking=no"]``. ``command`` is the ssh client.
    """

    def __init__(
        self,
        target: SSHTarget,
        *,
        display: str,
        options: Sequence[str] = (),
        command: str = "ssh",
    ) -> None:
        if isinstance(options, (str, bytes)) or not all(isinstance(o, str) for o in options):
            raise InvalidArgument("ssh_options must be a list of strings (one per argument)")
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

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<SSHTunnel {self.display} {state}>"

    @property
    def running(self) -> bool:
        """Whether ssh runs and the daemon answered through it."""
        process = self._process
        return self._ready and process is not None and process.returncode is None

    @property
    def pid(self) -> int | None:
        """The ssh process id while it runs."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

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
        try:
            async with timeout_after(timeout):
                await self._wait_ready(process)
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

    async def close(self) -> None:
        """Stop ssh (SIGTERM, then SIGKILL after a grace period) and remove the temporary
        directory. The tunnel can be started again afterwards."""
        await self._stop_process(signal.SIGTERM)
        shutil.rmtree(self._dir, ignore_errors=True)

    def __del__(self) -> None:
        # Safety net for a client that was never closed: do not leave ssh running.
        process = getattr(self, "_process", None)
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
        ``STOP_GRACE`` seconds)."""
        process, self._process = self._process, None
        self._ready = False
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signum)
        try:
            async with timeout_after(STOP_GRACE):
                await process.wait()
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

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
                    f"{self.target.socket_path!r} did not answer{self._stderr_note()}",
                    address=self.display,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)

    async def _probe(self) -> bool | None:
        """``True`` when the daemon answers ``/_ping`` through the tunnel, ``False`` when
        the connection closes without an answer, ``None`` while ssh is not listening."""
        try:
            reader, writer = await asyncio.open_unix_connection(self.socket_path)
        except (FileNotFoundError, ConnectionRefusedError):
            return None
        try:
            writer.write(_PING)
            status_line = await reader.readline()
        except ConnectionError:
            status_line = b""
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        return status_line.startswith(b"HTTP/")

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
