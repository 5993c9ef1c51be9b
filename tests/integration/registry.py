"""A private Docker registry for tests: Debian's ``docker-registry`` on a free loopback port,
with htpasswd (bcrypt) authentication.

The daemon treats registries on 127.0.0.0/8 as insecure (plain HTTP), so pushes and pulls
to ``registry.host`` need no daemon configuration::

    with LocalRegistry() as registry:
        registry.host                      # "127.0.0.1:PORT"
        registry.auth_config               # {"username": ..., "password": ...}
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from types import TracebackType

REGISTRY_BINARY = "/usr/bin/docker-registry"

CONFIG = """\
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
auth:
  htpasswd:
    realm: aiodock-test
    path: {htpasswd}
"""


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalRegistry:
    """A running ``docker-registry`` with one user; stop it with :meth:`stop` (or use it
    as a context manager)."""

    def __init__(
        self, username: str = "aiodock", password: str | None = None, *, netns_pid: int = 0
    ) -> None:
        """``netns_pid``: run in that process's network namespace (a private daemon's)
        rather than this one."""
        self._prefix = ["nsenter", f"--target={netns_pid}", "--net"] if netns_pid else []
        self.username = username
        self.password = password or secrets.token_urlsafe(16)
        self.port = 0
        self._dir: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``: the registry part of image names."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def auth_config(self) -> dict[str, str]:
        """The right credentials, as ``auth_config`` takes them."""
        return {"username": self.username, "password": self.password}

    def start(self, timeout: float = 20.0) -> LocalRegistry:
        if not os.path.exists(REGISTRY_BINARY):
            raise RuntimeError(f"{REGISTRY_BINARY} is missing: run scripts/docker-up.sh")
        self._dir = tempfile.mkdtemp(prefix="aiodock-registry-")
        htpasswd = os.path.join(self._dir, "htpasswd")
        line = subprocess.run(
            ["htpasswd", "-Bbn", self.username, self.password],
            check=True,
            capture_output=True,
        ).stdout
        with open(htpasswd, "wb") as fh:
            fh.write(line)
        root = os.path.join(self._dir, "data")
        os.mkdir(root)
        config = os.path.join(self._dir, "config.yml")
        deadline = time.monotonic() + timeout
        for _attempt in range(5):
            self.port = free_port()
            with open(config, "w") as fh:
                fh.write(CONFIG.format(root=root, port=self.port, htpasswd=htpasswd))
            log = open(os.path.join(self._dir, "registry.log"), "wb")
            with log:
                self._proc = subprocess.Popen(
                    [*self._prefix, REGISTRY_BINARY, "serve", config],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            if self._wait_ready(deadline):
                return self
            self._stop_process()  # the port was taken meanwhile: try another
        self.stop()
        raise RuntimeError(f"docker-registry did not start: {self.log()}")

    def _wait_ready(self, deadline: float) -> bool:
        assert self._proc is not None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            if self._prefix:
                if self._probe_in_namespace():
                    return True
                time.sleep(0.1)
                continue
            try:
                urllib.request.urlopen(f"{self.url}/v2/", timeout=1).close()
                return True
            except urllib.error.HTTPError as exc:
                exc.close()
                return exc.code == 401  # up, and asking for credentials
            except OSError:
                time.sleep(0.05)
        return False

    def _probe_in_namespace(self) -> bool:
        """Whether the registry answers (401) inside its network namespace."""
        probe = (
            "import sys, urllib.request, urllib.error\n"
            "try:\n"
            f"    urllib.request.urlopen('{self.url}/v2/', timeout=1)\n"
            "except urllib.error.HTTPError as exc:\n"
            "    sys.exit(0 if exc.code == 401 else 1)\n"
            "except OSError:\n"
            "    sys.exit(1)\n"
        )
        done = subprocess.run([*self._prefix, sys.executable, "-c", probe], check=False)
        return done.returncode == 0

    def log(self) -> str:
        """What the registry wrote (errors only)."""
        if self._dir is None:
            return ""
        try:
            with open(os.path.join(self._dir, "registry.log"), "rb") as fh:
                return fh.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def _stop_process(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop(self) -> None:
        self._stop_process()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> LocalRegistry:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


CREDENTIAL_HELPER = """#!/bin/sh
# docker-credential-test: answers "get" for one registry with fixed credentials.
[ "$1" = get ] || exit 3
read -r server
if [ "$server" = "{host}" ]; then
    printf '{{"ServerURL":"%s","Username":"%s","Secret":"%s"}}' "$server" '{username}' '{password}'
    exit 0
fi
echo "credentials not found in native keychain"
exit 1
"""


def install_credential_helper(bindir: str, host: str, username: str, password: str) -> str:
    """Write a ``docker-credential-test`` program into ``bindir`` that knows ``host``."""
    path = os.path.join(bindir, "docker-credential-test")
    with open(path, "w") as fh:
        fh.write(CREDENTIAL_HELPER.format(host=host, username=username, password=password))
    os.chmod(path, 0o755)
    return path
