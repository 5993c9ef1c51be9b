"""The sans-IO HTTP/1.1 of connections of our own (request heads, response heads, bodies,
upgrades, error bodies), and the pure argument checks of exec."""

from __future__ import annotations

from typing import Any

import pytest

from aiodock.errors import DockerError, InvalidArgument
from aiodock.exec import ExecManager, format_command, format_environment
from aiodock.transport.http11 import (
    BodyDecoder,
    HeadParser,
    IncompleteBody,
    build_request,
    error_message,
    find_head_end,
    parse_response_head,
)


def test_parse_upgraded_head() -> None:
    raw = (
        b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
        b"Connection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: 1.41\r\n\r\n"
    )
    head = parse_response_head(raw)
    assert head.version == "HTTP/1.1"
    assert head.status == 101
    assert head.reason == "UPGRADED"
    assert head.headers["content-type"] == "application/vnd.docker.raw-stream"
    assert head.headers["upgrade"] == "tcp"
    assert head.headers["api-version"] == "1.41"


def test_parse_head_joins_repeated_headers_and_allows_empty_reason() -> None:
    head = parse_response_head(b"HTTP/1.1 404\r\nX-A: 1\r\nx-a: 2\r\n\r\n")
    assert head.status == 404
    assert head.reason == ""
    assert head.headers == {"x-a": "1, 2"}


@pytest.mark.parametrize(
    "raw",
    [b"garbage\r\n\r\n", b"HTTP/1.1 abc OK\r\n\r\n", b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"],
)
def test_parse_head_rejects_malformed(raw: bytes) -> None:
    with pytest.raises(DockerError):
        parse_response_head(raw)


def test_find_head_end_keeps_stream_bytes_after_the_head() -> None:
    head = b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\n"
    stream = b"\x01\x00\x00\x00\x00\x00\x00\x02hi"
    data = head + stream
    end = find_head_end(data)
    assert end == len(head)
    assert data[end:] == stream
    assert find_head_end(head[:-2]) == -1
    assert find_head_end(b"HTTP/1.1 200 OK\nA: b\n\nrest") == len(b"HTTP/1.1 200 OK\nA: b\n\n")


def test_build_request_asks_for_an_upgrade() -> None:
    request = build_request(
        "POST",
        "/v1.41/exec/abc/start",
        host="localhost",
        headers={"User-Agent": "aiodock/0", "Connection": "keep-alive"},
        body=b'{"Detach":false}',
        content_type="application/json",
    )
    head, _, body = request.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /v1.41/exec/abc/start HTTP/1.1"
    assert "Host: localhost" in lines
    assert "User-Agent: aiodock/0" in lines
    assert "Connection: Upgrade" in lines
    assert "Connection: keep-alive" not in lines
    assert "Upgrade: tcp" in lines
    assert "Content-Type: application/json" in lines
    assert f"Content-Length: {len(body)}" in lines
    assert body == b'{"Detach":false}'


def test_build_request_refuses_header_injection() -> None:
    with pytest.raises(DockerError):
        build_request("POST", "/x", host="h", headers={"X-A": "1\r\nEvil: 1"})


def _body(head: bytes, method: str = "GET") -> BodyDecoder:
    return BodyDecoder(parse_response_head(head), method=method)


def test_chunked_body_ends_at_its_last_chunk_and_refuses_a_cut() -> None:
    decoder = _body(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    first = decoder.feed(b"5\r\nhello\r\n6\r\n wor")
    assert not decoder.done
    assert first + decoder.feed(b"ld\r\n0\r\n\r\n") == b"hello world"
    assert decoder.done
    cut = _body(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert cut.feed(b"5\r\nhello\r\n") == b"hello"
    with pytest.raises(IncompleteBody):
        cut.feed_eof()


def test_sized_body_stops_at_its_length() -> None:
    decoder = _body(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    assert decoder.feed(b"hel") == b"hel"
    assert decoder.feed(b"loEXTRA") == b"lo"
    assert decoder.done and decoder.feed(b"more") == b""
    short = _body(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    short.feed(b"hel")
    with pytest.raises(IncompleteBody):
        short.feed_eof()


def test_body_until_close_and_bodiless_answers() -> None:
    until_close = _body(b"HTTP/1.1 200 OK\r\n\r\n")
    assert until_close.feed(b"abc") == b"abc"
    until_close.feed_eof()
    assert until_close.done
    assert _body(b"HTTP/1.1 204 No Content\r\n\r\n").done
    assert _body(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", method="HEAD").done


def test_head_parser_hands_over_what_follows_an_upgrade() -> None:
    parser = HeadParser()
    assert parser.feed(b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n") is None
    head = parser.feed(b"\r\n\x01\x00\x00\x00\x00\x00\x00\x02hi")
    assert head is not None and head.status == 101 and head.headers["upgrade"] == "tcp"
    assert parser.trailing == b"\x01\x00\x00\x00\x00\x00\x00\x02hi"
    with pytest.raises(DockerError):
        parser.feed(b"more")


def test_head_parser_refuses_an_endless_head() -> None:
    parser = HeadParser()
    parser.feed(b"HTTP/1.1 200 OK\r\n")
    with pytest.raises(DockerError, match="too long"):
        for _ in range(2000):
            parser.feed(b"X-Filler: " + b"x" * 64 + b"\r\n")


def test_error_message_prefers_the_daemon_json_message() -> None:
    body = b'{"message": "No such container: x"}'
    assert error_message(body, "Not Found") == (
        "No such container: x",
        {"message": "No such container: x"},
    )
    assert error_message(b"plain words\n", "Bad") == ("plain words", None)
    assert error_message(b"", "Bad Request") == ("Bad Request", None)
    assert error_message(b"{not json", "Oops") == ("{not json", None)


def test_plain_request_asks_to_close() -> None:
    request = build_request("GET", "/_ping", host="localhost", headers={}, upgrade=False)
    assert request == (
        b"GET /_ping HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )


def test_format_command() -> None:
    assert format_command("sh -c 'echo a b'") == ["sh", "-c", "echo a b"]
    assert format_command(["echo", "x y"]) == ["echo", "x y"]
    for bad in ("", [], 3, ["echo", 1], b"echo", "sh -c 'unterminated"):
        with pytest.raises(InvalidArgument):
            format_command(bad)  # type: ignore[arg-type]


def test_format_environment() -> None:
    assert format_environment(None) is None
    assert format_environment({"A": "1", "B": 2, "C": None}) == ["A=1", "B=2", "C"]
    assert format_environment(["A=1", "B"]) == ["A=1", "B"]
    for bad in ({"": "x"}, {"A=B": "x"}, {"A": object()}, {"A": True}, ["=x"], [1], "A=1"):
        with pytest.raises(InvalidArgument):
            format_environment(bad)  # type: ignore[arg-type]


def test_exec_body_checks_arguments_before_any_request() -> None:
    body = ExecManager._create_body(
        "c1", "ls -l", stdout=True, stderr=False, stdin=True, tty=True, privileged=False,
        user="nobody", environment={"A": "1"}, workdir="/tmp", detach_keys="ctrl-x",
    )  # fmt: skip
    assert body == {
        "AttachStdin": True,
        "AttachStdout": True,
        "AttachStderr": False,
        "Tty": True,
        "Cmd": ["ls", "-l"],
        "Privileged": False,
        "User": "nobody",
        "Env": ["A=1"],
        "WorkingDir": "/tmp",
        "DetachKeys": "ctrl-x",
    }
    common: dict[str, Any] = dict(
        stdout=True, stderr=True, stdin=False, tty=False, privileged=False, user=None,
        environment=None, workdir=None, detach_keys=None,
    )  # fmt: skip
    with pytest.raises(InvalidArgument, match="user"):
        ExecManager._create_body("c1", "ls", **{**common, "user": 0})
    with pytest.raises(InvalidArgument, match="tty"):
        ExecManager._create_body("c1", "ls", **{**common, "tty": "yes"})
    with pytest.raises(InvalidArgument, match="container_id"):
        ExecManager._create_body("", "ls", **common)
