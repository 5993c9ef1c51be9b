"""The .dockerignore matcher and the build-context tar, against Docker's documented rules.

Expected answers follow the docker CLI documentation (".dockerignore file" in the
``docker build`` reference) and moby's pattern matcher; the walk cases were checked by
building the same contexts with the docker CLI's classic builder and listing what the
daemon received.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import os
import tarfile
from pathlib import Path

import pytest

from aiodock.build.context import CHUNK_SIZE, dockerfile_context, prepare_context, tar_chunks
from aiodock.build.dockerignore import PatternMatcher, clean_path, parse_dockerignore
from aiodock.errors import InvalidArgument

# (patterns, path, excluded?)
CASES: list[tuple[list[str], str, bool]] = [
    # '*' stays inside one path component; a pattern also matches a path's parents.
    (["*.key"], "secret.key", True),
    (["*.key"], "sub/secret.key", False),
    (["**/*.key"], "secret.key", True),
    (["**/*.key"], "a/b/c/secret.key", True),
    (["logs"], "logs", True),
    (["logs"], "logs/a/b.log", True),
    (["logs"], "logsx", False),
    # Docs: "*/temp*" excludes files and directories starting with temp in any immediate
    # subdirectory of the root.
    (["*/temp*"], "somedir/temporary.txt", True),
    (["*/temp*"], "somedir/temp", True),
    (["*/temp*"], "somedir/temp/inner.txt", True),
    (["*/temp*"], "temp", False),
    (["*/temp*"], "a/b/temp", False),
    # Docs: "*/*/temp*" two levels below the root.
    (["*/*/temp*"], "a/b/temporary.txt", True),
    (["*/*/temp*"], "a/temporary.txt", False),
    # Docs: "temp?" one-character extensions of temp in the root.
    (["temp?"], "tempa", True),
    (["temp?"], "temp", False),
    (["temp?"], "tempab", False),
    (["temp?"], "dir/tempa", False),
    # '**' matches any number of directories, zero included.
    (["a/**/b"], "a/b", True),
    (["a/**/b"], "a/x/y/b", True),
    (["a/**/b"], "a/xb", False),
    (["**"], "any/thing", True),
    (["docs/**"], "docs/x/y.md", True),
    (["docs/**"], "docsx", False),
    # Docs: exceptions, in order; the last matching pattern wins.
    (["*.md", "!README.md"], "notes.md", True),
    (["*.md", "!README.md"], "README.md", False),
    (["*.md", "!README.md"], "docs/notes.md", False),
    (["*.md", "!README*.md", "README-secret.md"], "README-secret.md", True),
    (["*.md", "!README*.md", "README-secret.md"], "README-public.md", False),
    (["*.md", "README-secret.md", "!README*.md"], "README-secret.md", False),
    (["logs/*", "!logs/important.log"], "logs/a.log", True),
    (["logs/*", "!logs/important.log"], "logs/important.log", False),
    (["logs/*", "!logs/important.log"], "logs", False),
    (["logs", "!logs/important.log"], "logs/important.log", False),
    (["logs", "!logs/important.log"], "logs/other.log", True),
    (["!keep.txt"], "keep.txt", False),
    # Patterns are cleaned (filepath.Clean) and a leading '/' is dropped.
    (["/abs/path"], "abs/path", True),
    (["./a/../b/"], "b/c", True),
    (["build/"], "build/out.o", True),
    (["a//b"], "a/b", True),
    # Character classes and escapes (Go filepath.Match syntax).
    (["[a-c].txt"], "b.txt", True),
    (["[a-c].txt"], "d.txt", False),
    (["[^a-c].txt"], "d.txt", True),
    (["[^a-c].txt"], "a.txt", False),
    (["\\*.txt"], "*.txt", True),
    (["\\*.txt"], "a.txt", False),
    # Regex metacharacters are literal.
    (["a+b(c).txt"], "a+b(c).txt", True),
    (["a.txt"], "abtxt", False),
    (["dir/.git"], "dir/.git/config", True),
]


@pytest.mark.parametrize(("patterns", "path", "excluded"), CASES)
def test_matcher_table(patterns: list[str], path: str, excluded: bool) -> None:
    matcher = PatternMatcher(parse_dockerignore("\n".join(patterns)))
    assert matcher.matches(path) is excluded


def test_must_walk_uses_literal_exception_prefix() -> None:
    matcher = PatternMatcher(["logs", "!logs/important.log"])
    assert matcher.must_walk("logs")
    assert not matcher.must_walk("other")
    # Like Docker: only an exception literally below the directory keeps it walked.
    assert not PatternMatcher(["*/x", "!*/x/y"]).must_walk("a/x")
    assert not PatternMatcher(["logs"]).must_walk("logs")


def test_parse_dockerignore_file_syntax() -> None:
    text = "\ufeff# a comment\n  spaced.txt  \n\n!  kept.txt\n/rooted/\n # not a comment\n"
    assert parse_dockerignore(text) == ["spaced.txt", "!kept.txt", "rooted", "# not a comment"]


@pytest.mark.parametrize("bad", ["[", "a[", "[]", "trailing\\"])
def test_bad_patterns_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidArgument, match="dockerignore"):
        PatternMatcher([bad])


def test_lone_exclamation_is_rejected() -> None:
    with pytest.raises(InvalidArgument, match="illegal exclusion"):
        PatternMatcher(["!"])


@pytest.mark.parametrize(
    ("path", "cleaned"),
    [("", "."), ("a/./b/", "a/b"), ("a/../../b", "../b"), ("/../a", "/a"), ("//x//", "/x")],
)
def test_clean_path_is_go_filepath_clean(path: str, cleaned: str) -> None:
    assert clean_path(path) == cleaned


# --- the context walk and tar ------------------------------------------------------------


def _make(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def _sent(root: Path, dockerfile: str | None = None) -> set[str]:
    return {name for name, _ in prepare_context(root, dockerfile).entries()}


def test_walk_matches_docker_cli(tmp_path: Path) -> None:
    # What the docker CLI (classic builder) sent for this context, listed in the image.
    _make(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\n",
            ".dockerignore": "*.key\nlogs/*\n!logs/important.log\n",
            "a.key": "",
            "sub/b.key": "",
            "logs/a.log": "",
            "logs/important.log": "",
            "logs/deep/x.log": "",
            "app.txt": "",
        },
    )
    assert _sent(tmp_path) == {
        ".dockerignore",
        "Dockerfile",
        "app.txt",
        "logs",
        "logs/important.log",
        "sub",
        "sub/b.key",
    }


def test_excluded_dir_is_walked_for_exceptions_without_its_entry(tmp_path: Path) -> None:
    _make(
        tmp_path,
        {".dockerignore": "logs\n!logs/important.log\n", "logs/a": "", "logs/important.log": ""},
    )
    assert _sent(tmp_path) == {".dockerignore", "logs/important.log"}


def test_dockerfile_and_dockerignore_are_always_sent(tmp_path: Path) -> None:
    _make(
        tmp_path,
        {
            ".dockerignore": ".dockerignore\nDockerfile\nbuild/*\n",
            "Dockerfile": "FROM scratch\n",
            "build/Dockerfile.dev": "FROM scratch\n",
            "build/other": "",
        },
    )
    assert _sent(tmp_path) == {".dockerignore", "Dockerfile", "build"}
    assert _sent(tmp_path, "build/Dockerfile.dev") == {
        ".dockerignore",
        "build",
        "build/Dockerfile.dev",
    }


def test_dockerfile_outside_the_context_is_embedded(tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    _make(ctx, {"file.txt": "x"})
    outside = tmp_path / "Dockerfile.outside"
    outside.write_text("FROM scratch\n")
    context = prepare_context(ctx, str(outside))
    assert context.dockerfile is not None and context.dockerfile.startswith(".dockerfile.")
    names = _tar_names(_collect(context))
    assert names == {"file.txt", context.dockerfile}


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="path"):
        prepare_context(tmp_path / "missing")


def _collect(context: object, *, gzip: bool = False) -> bytes:
    async def run() -> list[bytes]:
        return [chunk async for chunk in tar_chunks(context, gzip=gzip)]  # type: ignore[arg-type]

    return b"".join(asyncio.run(run()))


def _tar_names(data: bytes) -> set[str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return set(tar.getnames())


def test_tar_content_modes_links_and_owner(tmp_path: Path) -> None:
    _make(tmp_path, {"Dockerfile": "FROM scratch\n", "bin/run.sh": "#!/bin/sh\n"})
    os.chmod(tmp_path / "bin/run.sh", 0o755)
    os.symlink("run.sh", tmp_path / "bin/link")
    os.link(tmp_path / "Dockerfile", tmp_path / "hard")
    data = _collect(prepare_context(tmp_path))
    assert len(data) % tarfile.RECORDSIZE == 0
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert set(members) == {"Dockerfile", "bin", "bin/run.sh", "bin/link", "hard"}
        assert members["bin"].isdir()
        assert members["bin/run.sh"].mode == 0o755
        assert members["bin/link"].issym() and members["bin/link"].linkname == "run.sh"
        assert members["hard"].islnk() and members["hard"].linkname == "Dockerfile"
        assert all(m.uid == 0 and m.gid == 0 for m in members.values())
        extracted = tar.extractfile("bin/run.sh")
        assert extracted is not None and extracted.read() == b"#!/bin/sh\n"


def test_tar_is_streamed_in_bounded_chunks(tmp_path: Path) -> None:
    big = os.urandom(3 * CHUNK_SIZE + 123)
    (tmp_path / "big.bin").write_bytes(big)
    _make(tmp_path, {f"small/{i}.txt": str(i) for i in range(300)})

    async def run() -> list[bytes]:
        return [chunk async for chunk in tar_chunks(prepare_context(tmp_path))]

    chunks = asyncio.run(run())
    assert len(chunks) > 3
    assert max(len(c) for c in chunks) <= 2 * CHUNK_SIZE
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
        member = tar.extractfile("big.bin")
        assert member is not None and member.read() == big
        assert len(tar.getnames()) == 302


def test_tar_gzip(tmp_path: Path) -> None:
    _make(tmp_path, {"Dockerfile": "FROM scratch\n" * 1000})
    data = _collect(prepare_context(tmp_path), gzip=True)
    assert data[:2] == b"\x1f\x8b"
    assert _tar_names(gzip.decompress(data)) == {"Dockerfile"}


def test_breaking_out_of_the_stream_closes_the_producer(tmp_path: Path) -> None:
    (tmp_path / "big.bin").write_bytes(bytes(4 * CHUNK_SIZE))

    async def run() -> int:
        stream = tar_chunks(prepare_context(tmp_path))
        first = await stream.__anext__()
        await stream.aclose()  # type: ignore[attr-defined]
        return len(first)

    assert asyncio.run(run()) > 0


def test_dockerfile_context_from_fileobj() -> None:
    for source in (
        "FROM scratch\n",
        b"FROM scratch\n",
        io.BytesIO(b"FROM scratch\n"),
        io.StringIO("FROM scratch\n"),
    ):
        with tarfile.open(fileobj=io.BytesIO(dockerfile_context(source))) as tar:
            member = tar.extractfile("Dockerfile")
            assert member is not None and member.read() == b"FROM scratch\n"
    with pytest.raises(InvalidArgument, match="fileobj"):
        dockerfile_context(42)  # type: ignore[arg-type]
