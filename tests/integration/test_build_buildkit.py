"""BuildKit builds through a build session: registry logins for the build's own pulls,
the context sent over the session (a rebuild sends only what changed), ``local`` and
``tar`` exports compared with the docker CLI's, and the clear error where an engine has
no BuildKit.

RUN steps use ``network_mode="none"``: the daemon here has no usable default bridge.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import secrets
import shutil
import subprocess
import tarfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from aiodock import BuildError, Docker, InvalidArgument, NotSupported
from aiodock.build.buildkit import StatusResponse
from aiodock.images import Image

from ..conftest import TEST_IMAGE, open_fds, unavailable
from .registry import LocalRegistry, install_credential_helper
from .test_build import image_files, remove_image, write

# BuildKit builds on the engine under test (the refusals are checked against a Podman and a
# dockerd of their own, which these tests start whatever the engine is).
pytestmark = pytest.mark.needs("buildkit-session")


@pytest.fixture(scope="module")
def registry() -> Iterator[LocalRegistry]:
    with LocalRegistry() as running:
        yield running


@pytest.fixture
async def built(docker: Docker) -> AsyncIterator[list[Image]]:
    images: list[Image] = []
    yield images
    for image in images:
        await remove_image(docker, image.id)


@pytest.fixture
async def private_base(
    docker: Docker, registry: LocalRegistry, test_image: str
) -> AsyncIterator[str]:
    """An image that exists only in the authenticated registry (a fresh name each test,
    so that no daemon cache has resolved it)."""
    name = f"{registry.host}/aiodock/base-{secrets.token_hex(4)}:v1"
    image = await docker.images.get(test_image)
    await image.tag(name)
    try:
        await docker.images.push(name, auth_config=registry.auth_config)
    finally:
        await docker.images.remove(name)
    yield name
    if await docker.images.exists(name):  # the classic builder pulls and tags it
        await docker.images.remove(name)


@pytest.fixture
def docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty DOCKER_CONFIG directory for this test."""
    directory = tmp_path / "docker-config"
    directory.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(directory))
    return directory


async def build_cache_ids(docker: Docker) -> set[str]:
    return {record["ID"] for record in (await docker.df()).get("BuildCache") or ()}


@pytest.fixture
async def drop_context_copies(docker: Docker) -> AsyncIterator[None]:
    """Remove the daemon's copies of the contexts this test sent (BuildKit keeps them as
    build cache, to send less next time): the large ones would pile up on the shared
    daemon otherwise."""
    before = await build_cache_ids(docker)
    yield
    for record in (await docker.df()).get("BuildCache") or ():
        if record["ID"] not in before and record.get("Type") == "source.local":
            if not record.get("InUse"):
                await docker.images.prune_builds(filters={"id": record["ID"]})


def vertexes(log: list[dict[str, Any]]) -> list[Any]:
    return [
        vertex
        for item in log
        if isinstance(item.get("aux"), StatusResponse)
        for vertex in item["aux"].vertexes
    ]


def shows_no_secret(password: str, *things: object) -> None:
    for thing in things:
        assert password not in repr(thing)
        assert password not in str(thing)


# --- registry logins for the build's own pulls ------------------------------------------


async def test_from_a_private_registry_with_auth_config(
    docker: Docker,
    registry: LocalRegistry,
    private_base: str,
    tmp_path: Path,
    labels: dict[str, str],
    built: list[Image],
    docker_config: Path,
) -> None:
    stream = docker.images.build(
        path=write_from(tmp_path, private_base),
        version="2",
        labels=labels,
        network_mode="none",
        auth_config={registry.host: registry.auth_config},
    )
    image = await stream
    built.append(image)
    files = await image_files(docker, image)
    assert files["built"] == b"built\n"
    names = [vertex.name for vertex in vertexes(stream.log)]
    assert any(private_base.rsplit(":", 1)[0] in name for name in names)
    shows_no_secret(registry.password, stream, stream.session, stream.log, image)


def write_from(tmp_path: Path, base: str) -> Path:
    context = tmp_path / "ctx"
    write(context, {"Dockerfile": f"FROM {base}\nRUN echo built > /built\n"})
    return context


async def test_the_classic_builder_gets_auth_config_too(
    docker: Docker,
    registry: LocalRegistry,
    private_base: str,
    tmp_path: Path,
    labels: dict[str, str],
    built: list[Image],
    docker_config: Path,
) -> None:
    stream = docker.images.build(
        path=write_from(tmp_path, private_base), version="1", labels=labels,
        network_mode="none", auth_config={registry.host: registry.auth_config},
    )  # fmt: skip
    image = await stream
    built.append(image)
    assert stream.session is None  # in X-Registry-Config, as the classic builder takes them
    assert (await image_files(docker, image))["built"] == b"built\n"


async def test_from_a_private_registry_with_config_json(
    docker: Docker,
    registry: LocalRegistry,
    private_base: str,
    tmp_path: Path,
    labels: dict[str, str],
    built: list[Image],
    docker_config: Path,
) -> None:
    token = f"{registry.username}:{registry.password}".encode()
    (docker_config / "config.json").write_text(
        json.dumps({"auths": {registry.host: {"auth": base64.b64encode(token).decode()}}})
    )
    image = await docker.images.build(
        path=write_from(tmp_path, private_base), version="2", labels=labels,
        network_mode="none",
    )  # fmt: skip
    built.append(image)
    assert (await image_files(docker, image))["built"] == b"built\n"


async def test_from_a_private_registry_with_a_credential_helper(
    docker: Docker,
    registry: LocalRegistry,
    private_base: str,
    tmp_path: Path,
    labels: dict[str, str],
    built: list[Image],
    docker_config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    install_credential_helper(str(bindir), registry.host, registry.username, registry.password)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    (docker_config / "config.json").write_text(json.dumps({"credHelpers": {registry.host: "test"}}))
    image = await docker.images.build(
        path=write_from(tmp_path, private_base), version="2", labels=labels,
        network_mode="none",
    )  # fmt: skip
    built.append(image)
    assert (await image_files(docker, image))["built"] == b"built\n"


@pytest.mark.parametrize("given", ["none", "wrong"])
async def test_from_a_private_registry_without_credentials_fails_clearly(
    docker: Docker,
    registry: LocalRegistry,
    private_base: str,
    tmp_path: Path,
    labels: dict[str, str],
    docker_config: Path,
    given: str,
) -> None:
    wrong = {"username": registry.username, "password": "wrong-" + registry.password[:6]}
    auth = {registry.host: wrong} if given == "wrong" else None
    stream = docker.images.build(
        path=write_from(tmp_path, private_base), version="2", labels=labels,
        network_mode="none", auth_config=auth,
    )  # fmt: skip
    with pytest.raises(BuildError) as failed:
        await stream
    message = failed.value.reason.lower()
    assert registry.host in message
    assert "401 unauthorized" in message
    if given == "none":  # says where credentials would come from
        assert f"no credentials for {registry.host}" in message
        assert "auth_config" in message
    shows_no_secret(registry.password, failed.value, stream, stream.session, stream.log)
    shows_no_secret(wrong["password"], failed.value, stream, stream.session, stream.log)


# --- the context over the session -------------------------------------------------------

IGNORE_DOCKERFILE = f"""\
FROM {TEST_IMAGE}
COPY . /ctx/
"""


async def test_context_over_the_session_honours_dockerignore(
    docker: Docker, tmp_path: Path, labels: dict[str, str], built: list[Image]
) -> None:
    context = tmp_path / "ctx"
    write(
        context,
        {
            "Dockerfile": IGNORE_DOCKERFILE,
            ".dockerignore": "# comment\n*.log\n!keep.log\nbuild/\n**/*.tmp\nDockerfile\n",
            "app.py": "print('app')\n",
            "debug.log": "dropped\n",
            "keep.log": "kept\n",
            "build/out.bin": "dropped\n",
            "src/a/b.tmp": "dropped\n",
            "src/a/c.txt": "kept\n",
            "weird name [1].txt": "kept\n",
        },
    )
    (context / "link").symlink_to("app.py")
    stream = docker.images.build(path=context, version="2", labels=labels)
    image = await stream
    built.append(image)
    assert stream.session is not None and stream.session.bytes_sent > 0
    files = await image_files(docker, image)
    sent = {name[len("ctx/") :]: data for name, data in files.items() if name.startswith("ctx/")}
    # What the docker CLI sends for this .dockerignore: the Dockerfile is fetched on its
    # own and, being excluded, is not in the context; .dockerignore itself is.
    assert sent == {
        ".dockerignore": (context / ".dockerignore").read_bytes(),
        "app.py": b"print('app')\n",
        "keep.log": b"kept\n",
        "link": None,
        "src": None,
        "src/a": None,
        "src/a/c.txt": b"kept\n",
        "weird name [1].txt": b"kept\n",
    }


async def test_leaving_a_build_mid_transfer_closes_the_session(
    docker: Docker, tmp_path: Path, labels: dict[str, str], drop_context_copies: None
) -> None:
    context = tmp_path / "ctx"
    (context / "data").mkdir(parents=True)
    for index in range(20):
        (context / "data" / f"blob{index:02d}.bin").write_bytes(os.urandom(4 * 1024 * 1024))
    (context / "Dockerfile").write_text(REBUILD_DOCKERFILE)
    (context / "version.txt").write_text(secrets.token_hex(8))
    assert await docker.ping()
    fds = open_fds()
    stream = docker.images.build(path=context, version="2", labels=labels, network_mode="none")
    async with stream:
        async for item in stream:
            aux = item.get("aux")
            if isinstance(aux, StatusResponse) and any(
                "build context" in vertex.name for vertex in aux.vertexes
            ):
                break  # the context is being sent
    session = stream.session
    assert session is not None and 0 < session.bytes_sent < 80 * 1024 * 1024
    await asyncio.sleep(0.2)  # the serving task ends
    # The session's connection is closed, and so is the build's (left mid-stream).
    assert open_fds() <= fds
    assert session._conn is None and (session._task is None or session._task.done())
    sent = session.bytes_sent
    await asyncio.sleep(0.5)
    assert session.bytes_sent == sent  # nothing more is sent once left
    assert (await docker.version())["ApiVersion"]  # the client goes on


async def test_sessions_release_their_connections(
    docker: Docker, tmp_path: Path, labels: dict[str, str], built: list[Image]
) -> None:
    write(tmp_path / "ctx", {"Dockerfile": IGNORE_DOCKERFILE, "file": "x"})
    assert await docker.ping()
    fds = open_fds()
    for _ in range(3):
        built.append(await docker.images.build(path=tmp_path / "ctx", version="2", labels=labels))
        await docker.images.build(
            path=tmp_path / "ctx", version="2", outputs=[{"type": "local", "dest": tmp_path / "o"}]
        )
    assert open_fds() == fds
    assert (tmp_path / "o" / "ctx" / "file").read_text() == "x"


async def test_a_dockerfile_outside_the_context(
    docker: Docker, tmp_path: Path, labels: dict[str, str], built: list[Image]
) -> None:
    write(tmp_path / "ctx", {"file.txt": "in context\n"})
    write(tmp_path / "elsewhere", {"Build.df": f"FROM {TEST_IMAGE}\nCOPY file.txt /copied\n"})
    image = await docker.images.build(
        path=tmp_path / "ctx", dockerfile=tmp_path / "elsewhere" / "Build.df", version="2",
        labels=labels,
    )  # fmt: skip
    built.append(image)
    assert (await image_files(docker, image))["copied"] == b"in context\n"


# --- exports, compared with the docker CLI's -------------------------------------------

REPO = Path(__file__).resolve().parents[2]

EXPORT_DOCKERFILE = f"""\
FROM {TEST_IMAGE} AS build
RUN mkdir -p /out/d/e && echo hi > /out/a && ln -s a /out/link && echo x > /out/d/b \\
    && chmod 0751 /out/d/b && ln /out/a /out/hard && chmod 0700 /out/d/e && touch /out/d/e/empty
COPY ctxfile.txt /out/from-context.txt
FROM scratch
COPY --from=build /out /
"""


@pytest.fixture(scope="module")
def buildx(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for a docker CLI with the buildx plugin (``scripts/get-buildx.sh``),
    which BuildKit exports need: the CLI alone refuses BuildKit builds without it."""
    cli = shutil.which("docker")
    if cli is None:
        unavailable("the docker CLI is not installed")
    fetched = subprocess.run(
        [str(REPO / "scripts" / "get-buildx.sh")], capture_output=True, text=True, check=False
    )
    if fetched.returncode != 0:
        unavailable(f"no buildx plugin: {fetched.stderr.strip()[-500:]}")
    config = tmp_path_factory.mktemp("cli-config")
    (config / "cli-plugins").mkdir()
    (config / "cli-plugins" / "docker-buildx").symlink_to(fetched.stdout.strip())
    # The daemon under test (DOCKER_HOST, as the client's), not a context of the user's.
    env = {**os.environ, "DOCKER_CONFIG": str(config)}
    env.pop("DOCKER_CONTEXT", None)
    return env


def cli_build(env: dict[str, str], context: Path, output: str) -> None:
    done = subprocess.run(
        ["docker", "buildx", "build", "--network", "none", "--output", output, str(context)],
        env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def tree(root: Path) -> dict[str, tuple[Any, ...]]:
    """Everything under ``root`` (not root itself): kind, mode, times, content, links."""
    found: dict[str, tuple[Any, ...]] = {}
    inodes: dict[int, str] = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        rel = str(path.relative_to(root))
        if path.is_symlink():
            found[rel] = ("link", st.st_mode, st.st_mtime_ns, os.readlink(path))
        elif path.is_dir():
            found[rel] = ("dir", st.st_mode, st.st_mtime_ns)
        else:
            first = inodes.setdefault(st.st_ino, rel)
            found[rel] = ("file", st.st_mode, st.st_mtime_ns, path.read_bytes(), first)
    return found


async def test_local_and_tar_exports_match_the_docker_cli(
    docker: Docker, buildx: dict[str, str], tmp_path: Path
) -> None:
    context = tmp_path / "ctx"
    # A step of this run's own: no build cache of an earlier run (with its file times) is
    # reused by one build and not by the other.
    dockerfile = EXPORT_DOCKERFILE.replace("RUN mkdir", f"RUN : {secrets.token_hex(8)} && mkdir")
    write(context, {"Dockerfile": dockerfile, "ctxfile.txt": "from the context\n"})
    # The CLI's first: ours then reuses its cached steps, so both export the same result.
    await asyncio.to_thread(cli_build, buildx, context, f"type=local,dest={tmp_path / 'cli'}")
    await asyncio.to_thread(cli_build, buildx, context, f"type=tar,dest={tmp_path / 'cli.tar'}")
    local = docker.images.build(
        path=context, version="2", network_mode="none",
        outputs=[{"type": "local", "dest": tmp_path / "ours"}],
    )  # fmt: skip
    assert await local is None  # files, no image
    ours, cli = tree(tmp_path / "ours"), tree(tmp_path / "cli")
    assert ours == cli
    assert ours["hard"][4] == "a" and ours["link"][3] == "a"  # a hard link, a symlink
    assert ours["d/e"][1] & 0o777 == 0o700
    buffer = io.BytesIO()
    for dest in (tmp_path / "ours.tar", buffer):
        await docker.images.build(
            path=context, version="2", network_mode="none",
            outputs=[{"type": "tar", "dest": dest}],
        )  # fmt: skip
    expected = (tmp_path / "cli.tar").read_bytes()
    assert (tmp_path / "ours.tar").read_bytes() == expected
    assert buffer.getvalue() == expected
    with tarfile.open(fileobj=io.BytesIO(expected)) as tar:
        assert "from-context.txt" in tar.getnames()


async def test_the_context_we_send_is_the_docker_clis(
    docker: Docker, buildx: dict[str, str], tmp_path: Path
) -> None:
    """``COPY . /`` of a context with a tricky ``.dockerignore``, exported: the same tree
    as from the docker CLI's build."""
    context = tmp_path / "ctx"
    write(
        context,
        {
            "Dockerfile": "FROM scratch\nCOPY . /\n",
            ".dockerignore": "\n".join(
                ["# comment", "*.log", "!important.log", "/build", "**/cache/**", "docs/*/",
                 "!docs/keep/", "  spaced.txt  ", "Dockerfile", "a/../b.txt", "[xy].txt"]
            ),
            "app.py": "app\n",
            "run-token": secrets.token_hex(8),  # this run's context: no earlier run's cache
            "x.log": "no\n",
            "important.log": "yes\n",
            "build/out": "no\n",
            "src/cache/blob": "no\n",
            "src/cache.txt": "yes\n",
            "docs/drop/page": "no\n",
            "docs/keep/page": "yes\n",
            "docs/top.md": "yes\n",
            "spaced.txt": "no\n",
            "b.txt": "no\n",
            "x.txt": "no\n",
            "z.txt": "yes\n",
        },
    )  # fmt: skip
    (context / "empty-dir").mkdir()
    (context / "src" / "link").symlink_to("../app.py")
    await asyncio.to_thread(cli_build, buildx, context, f"type=local,dest={tmp_path / 'cli'}")
    await docker.images.build(
        path=context, version="2", outputs=[{"type": "local", "dest": tmp_path / "ours"}]
    )
    ours = tree(tmp_path / "ours")
    assert ours == tree(tmp_path / "cli")
    assert "important.log" in ours and "x.log" not in ours and "Dockerfile" not in ours


async def test_outputs_are_checked_before_anything_is_sent(docker: Docker, tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": f"FROM {TEST_IMAGE}\n", "file": "x"})
    bad: list[Any] = [
        [{"type": "local"}],
        [{"type": "local", "dest": tmp_path / "file"}],
        [{"type": "tar", "dest": tmp_path}],
        [{"type": "local", "dest": "a"}, {"type": "tar", "dest": "b"}],
        {"type": "local", "dest": "a"},
        [{"dest": "a"}],
    ]
    for outputs in bad:
        with pytest.raises(InvalidArgument, match="outputs"):
            docker.images.build(path=tmp_path, version="2", outputs=outputs)
    with pytest.raises(InvalidArgument, match="BuildKit"):
        docker.images.build(path=tmp_path, outputs=[{"type": "local", "dest": "x"}])


# --- cache from the registry ----------------------------------------------------------

CACHED_DOCKERFILE = """\
FROM {base}
RUN cat /proc/sys/kernel/random/uuid > /stamp
COPY file.txt /file.txt
"""


def cache_hits(log: list[dict[str, Any]]) -> dict[str, bool]:
    """Each step's name and whether the progress called it CACHED (last word wins)."""
    found: dict[str, bool] = {}
    for vertex in vertexes(log):
        if vertex.completed is not None or vertex.cached:
            found[vertex.name] = found.get(vertex.name, False) or vertex.cached
    return found


@pytest.mark.parametrize("form", ["reference", "type=registry"])
async def test_cache_from_the_registry_on_a_fresh_daemon(tmp_path: Path, form: str) -> None:
    """An inline cache pushed with the image turns a rebuild on a daemon with no build
    cache and no images into cache hits (the registry needs credentials for it too)."""
    from .private_daemon import private_daemon

    write(tmp_path / "ctx", {"file.txt": "same\n"})
    async with private_daemon() as daemon, daemon.client() as docker:
        assert daemon.pid is not None
        up = await asyncio.to_thread(
            subprocess.run,
            ["nsenter", f"--target={daemon.pid}", "--net", "ip", "link", "set", "lo", "up"],
            capture_output=True, check=False,
        )  # fmt: skip
        assert up.returncode == 0, up.stderr
        with LocalRegistry(netns_pid=daemon.pid) as registry:
            logins = {registry.host: registry.auth_config}
            base = f"{registry.host}/aiodock/base:v1"
            app = f"{registry.host}/aiodock/app:cache"
            await (await docker.images.get(TEST_IMAGE)).tag(base)
            await docker.images.push(base, auth_config=registry.auth_config)
            (tmp_path / "ctx" / "Dockerfile").write_text(CACHED_DOCKERFILE.format(base=base))
            first = docker.images.build(
                path=tmp_path / "ctx", version="2", tag=app, network_mode="none",
                buildargs={"BUILDKIT_INLINE_CACHE": "1"}, auth_config=logins,
            )  # fmt: skip
            image = await first
            assert not any(cache_hits(first.log).values())
            stamp = (await image_files(docker, image))["stamp"]
            await docker.images.push(app, auth_config=registry.auth_config)
            # A fresh state: no images from the registry, no build cache.
            for name in (app, base, TEST_IMAGE):
                await docker.images.remove(name, force=True)
            await docker.images.prune_builds(all=True)
            assert not await docker.images.exists(image.id)
            ref = app if form == "reference" else f"type=registry,ref={app}"
            again = docker.images.build(
                path=tmp_path / "ctx", version="2", network_mode="none", cache_from=[ref],
                auth_config=logins,
            )  # fmt: skip
            rebuilt = await again
            hits = cache_hits(again.log)
            run = next(name for name in hits if "RUN cat" in name)
            copy = next(name for name in hits if "COPY file.txt" in name)
            assert hits[run] and hits[copy], hits  # what the CLI prints as CACHED
            assert (await image_files(docker, rebuilt))["stamp"] == stamp


async def test_cache_from_is_checked_locally(docker: Docker, tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": f"FROM {TEST_IMAGE}\n"})
    for bad in (["type=local,src=/tmp/cache"], [{"type": "gha"}], ["type=registry"], "img"):
        with pytest.raises(InvalidArgument, match="cache_from"):
            docker.images.build(path=tmp_path, version="2", cache_from=bad)  # type: ignore[arg-type]


# --- where BuildKit is missing ---------------------------------------------------------


async def test_buildkit_turned_off_is_refused_before_any_upload(tmp_path: Path) -> None:
    from .private_daemon import PrivateDaemon

    daemon = PrivateDaemon()
    (daemon.root / "daemon.json").write_text(json.dumps({"features": {"buildkit": False}}))
    write(tmp_path, {"Dockerfile": f"FROM {TEST_IMAGE}\n"})
    uploaded: list[bytes] = []

    async def body() -> AsyncIterator[bytes]:
        uploaded.append(b"")
        yield b""

    try:
        await daemon.start()
        await daemon.load_image()
        async with daemon.client() as docker:
            attempts: list[dict[str, Any]] = [
                {"path": tmp_path, "version": "2"},
                {"path": tmp_path, "version": "2", "secrets": {"a": "b"}},
                {"path": tmp_path, "version": "2", "ssh": {}, "outputs": [{"type": "cacheonly"}]},
                {"custom_context": body(), "version": "2"},
            ]
            for kwargs in attempts:
                with pytest.raises(NotSupported) as refused:
                    await docker.images.build(**kwargs)
                assert "Docker 20.10" in str(refused.value)
                assert "BuildKit" in str(refused.value)
            assert uploaded == []
            # The classic builder still works there.
            image = await docker.images.build(fileobj=f"FROM {TEST_IMAGE}\n", version="1")
            assert image.id
    finally:
        await daemon.close()


REBUILD_DOCKERFILE = f"""\
FROM {TEST_IMAGE}
RUN --mount=type=bind,target=/ctx cat /ctx/version.txt > /version && du -sk /ctx/data > /size
"""


async def test_a_rebuild_sends_only_what_changed(
    docker: Docker,
    tmp_path: Path,
    labels: dict[str, str],
    built: list[Image],
    drop_context_copies: None,
) -> None:
    context = tmp_path / "ctx"
    (context / "data").mkdir(parents=True)
    for index in range(100):
        (context / "data" / f"blob{index:03d}.bin").write_bytes(os.urandom(2 * 1024 * 1024))
    (context / "Dockerfile").write_text(REBUILD_DOCKERFILE)
    sent = []
    for version in ("one", "two"):
        (context / "version.txt").write_text(f"{version}\n")
        stream = docker.images.build(path=context, version="2", labels=labels, network_mode="none")
        image = await stream
        built.append(image)
        assert stream.session is not None
        sent.append(stream.session.bytes_sent)
        files = await image_files(docker, image)
        assert files["version"] == f"{version}\n".encode()  # the build saw the change
        assert files["size"] == b"204804\t/ctx/data\n"
    assert sent[0] > 200 * 1024 * 1024  # the first build had all of it
    assert sent[1] < 1024 * 1024  # the rebuild only the changed file, and the listing


@pytest.fixture
async def podman(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """Podman's Docker-compatible service on a socket of this test's own (its own storage
    too), stopped afterwards; its URL."""
    if shutil.which("podman") is None:
        unavailable("podman is not installed")
    state = tmp_path_factory.mktemp("podman")
    socket_path = state / "podman.sock"
    proc = await asyncio.create_subprocess_exec(
        "podman", f"--root={state / 'root'}", f"--runroot={state / 'run'}",
        "--storage-driver=vfs", "system",
        "service", "--time=0", f"unix://{socket_path}",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(200):
            if socket_path.exists() or proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
        if not socket_path.exists():
            unavailable("podman system service did not start")
        yield f"unix://{socket_path}"
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()


async def test_podman_is_refused_before_any_upload(podman: str, tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": f"FROM {TEST_IMAGE}\n"})
    async with Docker(podman) as docker:
        for kwargs in (
            {"version": "2"},
            {"version": "2", "secrets": {"a": "b"}},
            {"version": "2", "outputs": [{"type": "local", "dest": str(tmp_path / "out")}]},
        ):
            with pytest.raises(NotSupported, match=r"needs BuildKit, and Podman 4\.\d"):
                await docker.images.build(path=tmp_path, **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()
