"""``config.json``'s proxies reach a real container's environment (and stay out of it
with ``use_config_proxy=False``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiodock import Docker


async def test_a_container_gets_the_configured_proxies(
    docker: Docker,
    test_image: str,
    labels: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxies = {"httpProxy": "http://proxy.invalid:3128", "noProxy": "localhost"}
    (tmp_path / "config.json").write_text(json.dumps({"proxies": {"default": proxies}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))

    output = await docker.containers.run(
        test_image, ["env"], labels=labels, remove=True, environment={"no_proxy": "mine"}
    )
    env = dict(line.split("=", 1) for line in output.decode().splitlines() if "=" in line)
    assert env["HTTP_PROXY"] == env["http_proxy"] == "http://proxy.invalid:3128"
    assert env["NO_PROXY"] == "localhost"
    assert env["no_proxy"] == "mine"  # the explicit entry wins

    plain = await docker.containers.run(
        test_image, ["env"], labels=labels, remove=True, use_config_proxy=False
    )
    assert b"proxy.invalid" not in plain
