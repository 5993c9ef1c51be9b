"""The one rule for string maps (labels, options, build args, sysctls), and its users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aiodock.container_config import create_body
from aiodock.errors import InvalidArgument
from aiodock.plugins import _settings
from aiodock.pytest_plugin import _merge_labels
from aiodock.types import (
    ContainerSpec,
    DeviceRequest,
    DriverConfig,
    EndpointConfig,
    IPAMConfig,
    LogConfig,
    Mount,
)
from aiodock.utils import string_map


def test_strings_pass_and_numbers_are_written_as_strings() -> None:
    assert string_map(None, "labels") is None
    assert string_map({}, "labels") == {}
    assert string_map({"a": "x", "b": 1, "c": 0.5, "d": ""}, "labels") == {
        "a": "x",
        "b": "1",
        "c": "0.5",
        "d": "",
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["a=b"], "labels: expected a dict of strings"),
        ("a=b", "labels: expected a dict of strings"),
        ({1: "x"}, "labels: the key 1 is not a string"),
        ({"a": True}, "labels: 'a': expected a string value, got True"),
        ({"a": None}, "labels: 'a': expected a string value, got None"),
        ({"a": ["x"]}, "labels: 'a': expected a string value"),
        ({"a": b"x"}, "labels: 'a': expected a string value"),
    ],
)
def test_anything_else_is_refused_naming_the_argument_and_key(value: Any, message: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        string_map(value, "labels")
    assert str(exc.value).startswith(message)


# Every user of the rule: (what is built from {"k": <value>}, where the map lands).
USERS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("container labels", lambda m: create_body("img", labels=m).body["Labels"]),
    ("container sysctls", lambda m: create_body("img", sysctls=m).body["HostConfig"]["Sysctls"]),
    (
        "container storage_opt",
        lambda m: create_body("img", storage_opt=m).body["HostConfig"]["StorageOpt"],
    ),
    ("log options", lambda m: LogConfig(config=m).to_api()["Config"]),
    ("device request options", lambda m: DeviceRequest(options=m).to_api()["Options"]),
    ("mount labels", lambda m: Mount("/v", "vol", labels=m).to_api()["VolumeOptions"]["Labels"]),
    (
        "mount driver options",
        lambda m: Mount("/v", "vol", driver_options=m).to_api()["VolumeOptions"]["DriverConfig"][
            "Options"
        ],
    ),
    ("IPAM options", lambda m: IPAMConfig(options=m).to_api()["Options"]),
    ("endpoint driver options", lambda m: EndpointConfig(driver_opt=m).to_api()["DriverOpts"]),
    ("swarm labels", lambda m: ContainerSpec("img", labels=m).to_api()["Labels"]),
    ("swarm driver options", lambda m: DriverConfig("d", options=m).to_api()["Options"]),
    ("plugin settings", lambda m: dict(item.split("=", 1) for item in _settings(m))),
    ("pytest fixture labels", lambda m: _merge_labels(m, {})),
]


@pytest.mark.parametrize(("where", "build"), USERS, ids=[where for where, _ in USERS])
def test_every_string_map_follows_the_rule(
    where: str, build: Callable[[dict[str, Any]], Any]
) -> None:
    assert build({"k": "v"}) == {"k": "v"}
    assert build({"k": 1}) == {"k": "1"}
    with pytest.raises(InvalidArgument, match="expected a string value"):
        build({"k": True})
