"""The pytest plugin as a user gets it: aiodock installed from this tree into a new venv with
pytest and pytest-asyncio (no site packages), a test file using only the plugin's
fixtures, pytest run there; the file passes, and nothing it made is left on the daemon,
also when a test fails."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from aiodock import Docker
from aiodock.pytest_plugin import (
    FOREIGN_SESSION_TTL,
    SESSION_ID,
    SESSION_LABEL,
    VolumeFactory,
    _session_is_dead,
)

from ..conftest import TEST_IMAGE

ROOT = Path(__file__).resolve().parents[2]

USER_TESTS = textwrap.dedent(
    f'''
    import os

    import pytest

    import aiodock

    pytestmark = pytest.mark.asyncio  # this project runs pytest-asyncio in strict mode
    IMAGE = "{TEST_IMAGE}"


    def test_aiodock_comes_from_the_venv():
        assert "site-packages" in aiodock.__file__


    async def test_a_stack(docker, docker_container, docker_image, docker_network, docker_volume):
        network = await docker_network()
        volume = await docker_volume()
        image = await docker_image(
            f"FROM {{IMAGE}}\\nRUN echo built > /built\\n", network_mode="none"
        )
        container = await docker_container(
            image.id,
            ["sh", "-c", "cat /built > /data/out && exec sleep 600"],
            network=network.name,
            volumes={{volume.name: {{"bind": "/data", "mode": "rw"}}}},
        )
        assert container.status == "running"
        result = await container.exec_run(["cat", "/data/out"])
        assert result.output == b"built\\n"
        assert (await docker.containers.get(container.id)).labels["aiodock.pytest"] == "1"


    async def test_a_failing_test(docker_container, docker_volume):
        if not os.environ.get("MAKE_IT_FAIL"):
            pytest.skip("fails only when asked to")
        volume = await docker_volume()
        await docker_container(IMAGE, ["sleep", "600"], network_mode="none",
                               volumes={{volume.name: {{"bind": "/data", "mode": "rw"}}}})
        assert False, "failing on purpose, with a container and a volume in use"
    '''
)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with aiodock (built from a copy of this tree), pytest and pytest-asyncio."""
    base = tmp_path_factory.mktemp("plugin-venv")
    source = base / "src"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(
        ROOT / "aiodock", source / "aiodock", ignore=shutil.ignore_patterns("__pycache__")
    )
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=120)
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q"]
    pip += ["--disable-pip-version-check", str(source), "pytest", "pytest-asyncio"]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return env_dir


def run_pytest(
    venv: Path, project: Path, **env: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    clean_env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(Path.home()), **env}
    proc = subprocess.Popen(
        [str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"],
        cwd=project,
        env=clean_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out, _ = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, out
    ), f"{socket.gethostname()}:{proc.pid}"


async def labelled(docker: Docker, session: str) -> list[str]:
    filters = {"label": [f"{SESSION_LABEL}={session}"]}
    found = [f"container {c.name}" for c in await docker.containers.list(all=True, filters=filters)]
    found += [f"network {n.name}" for n in await docker.networks.list(filters=filters)]
    found += [f"volume {v.name}" for v in await docker.volumes.list(filters=filters)]
    found += [f"image {i.short_id}" for i in await docker.images.list(filters=filters, sparse=True)]
    return found


async def test_a_new_test_file_passes_in_a_fresh_venv_and_leaves_nothing(
    venv: Path, tmp_path: Path, docker: Docker
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = strict\n")
    (tmp_path / "test_uses_plugin.py").write_text(USER_TESTS)

    done, session = run_pytest(venv, tmp_path)
    assert done.returncode == 0, done.stdout
    assert "2 passed, 1 skipped" in done.stdout
    assert await labelled(docker, session) == []

    # A failing test: reported as a failure (not an error), and still cleaned up.
    done, session = run_pytest(venv, tmp_path, MAKE_IT_FAIL="1")
    assert done.returncode == 1, done.stdout
    assert "1 failed, 2 passed" in done.stdout
    assert "failing on purpose" in done.stdout
    assert await labelled(docker, session) == []


def test_without_pytest_asyncio_pytest_still_runs_and_the_fixtures_say_why_not(
    venv: Path, tmp_path: Path
) -> None:
    # Last user of the module's venv: it takes pytest-asyncio away from it.
    python = str(venv / "bin" / "python")
    uninstall = [python, "-m", "pip", "uninstall", "-q", "-y", "pytest-asyncio"]
    subprocess.run(uninstall, check=True, capture_output=True, timeout=120)
    (tmp_path / "test_plain.py").write_text(
        "def test_plain():\n    pass\n\n\ndef test_docker(docker):\n    pass\n"
    )
    done, _ = run_pytest(venv, tmp_path)
    assert done.returncode == 1, done.stdout
    assert "1 passed, 1 error" in done.stdout
    assert "the docker fixture of aiodock needs pytest-asyncio installed" in done.stdout


async def test_this_suites_own_docker_fixture_wins_over_the_plugins(
    request: pytest.FixtureRequest, docker: Docker
) -> None:
    # tests/conftest.py's `docker` (which needs `daemon`) shadows the plugin's `docker`
    # (which needs the plugin's session fixture).
    assert "daemon" in request.fixturenames
    assert "_aiodock_session" not in request.fixturenames


async def test_the_plugins_factories_work_with_this_suites_client(
    request: pytest.FixtureRequest, docker: Docker, docker_volume: VolumeFactory
) -> None:
    volume = await docker_volume()
    assert "daemon" in request.fixturenames
    assert volume.labels[SESSION_LABEL] == f"{socket.gethostname()}:{os.getpid()}"
    assert (await docker.volumes.get(volume.name)).name == volume.name


def test_which_sessions_count_as_dead() -> None:
    host = socket.gethostname()
    now = time.time()
    assert not _session_is_dead(SESSION_ID, now)  # this very process
    assert not _session_is_dead(f"{host}:1", 0)  # pid 1 is always there
    assert _session_is_dead(f"{host}:0", now)  # no process has pid 0
    assert _session_is_dead("", now)  # not labelled by a session at all
    # Another host's session: its processes cannot be checked, so only age counts, in the
    # forms the daemon lists creation times in (Unix seconds, RFC 3339 with nanoseconds).
    assert not _session_is_dead("ci-runner-7:4242", now - 60)
    assert _session_is_dead("ci-runner-7:4242", now - FOREIGN_SESSION_TTL - 60)
    old = datetime.fromtimestamp(now - FOREIGN_SESSION_TTL - 60, timezone.utc)
    assert _session_is_dead("ci-runner-7:4242", old.strftime("%Y-%m-%dT%H:%M:%S.123456789Z"))
    assert _session_is_dead("ci-runner-7:4242", old.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
    recent = datetime.fromtimestamp(now - 60, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.5Z")
    assert not _session_is_dead("ci-runner-7:4242", recent)
    assert not _session_is_dead("ci-runner-7:4242", "not a time")
