"""The TypedDicts of ``aiodock.shapes`` against the Engine API specification: every key
they declare exists in the spec's schema, with the same primitive type, all the way down."""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union, get_args, get_origin, is_typeddict

import pytest
import yaml

from aiodock import shapes

SPEC_DIR = Path(__file__).resolve().parents[1] / "spec"

# Keys the daemon sends that the specification leaves out (checked by the integration test).
NOT_IN_SPEC: dict[str, set[str]] = {
    "EventMessage": {"status", "id", "from"},
    # What Podman sends beyond the Docker API (checked against Podman by the integration test).
    "ContainerSummary": {
        "Name", "Config", "NetworkingConfig", "Platform", "AdjustCPUShares",
        "DefaultReadOnlyNonRecursive",
    },
    "ImageSummary": {"Names", "Digest", "History", "Dangling"},
    "SystemInfo": {
        "BuildahVersion", "Rootless", "SwapFree", "SwapTotal", "Uptime", "CPURealtimePeriod",
        "CPURealtimeRuntime",
    },
    "CPUStats": {"cpu"},
    "ContainerStats": {"Id"},
}  # fmt: skip

PRIMITIVES = {str: "string", int: "integer", bool: "boolean", float: "number"}


@functools.cache
def spec(version: str) -> dict[str, Any]:
    with (SPEC_DIR / f"swagger-v{version}.yaml").open() as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


VERSIONS = ("1.41", "1.56")

# Each top-level shape and the schema it mirrors, in every spec version that has it: an
# API path's answer, else a definition. 1.41 documents the stats object only by an example.
ROOTS: dict[str, tuple[str, ...] | str] = {
    "ContainerInspectResponse": ("/containers/{id}/json", "get"),
    "ExecInspectResponse": ("/exec/{id}/json", "get"),
    "ContainerSummary": "ContainerSummary",
    "ContainerWaitResponse": "ContainerWaitResponse",
    "ImageInspect": "ImageInspect",
    "ImageSummary": "ImageSummary",
    "Network": ("/networks/{id}", "get"),
    "Volume": "Volume",
    "SystemVersion": "SystemVersion",
    "SystemInfo": "SystemInfo",
    "EventMessage": "EventMessage",
    "ContainerStats": "ContainerStatsResponse",
}

FOUND: list[str] = []
"""The marker of a key found in the spec (an empty list, shared)."""

Candidates = list[tuple[str, dict[str, Any]]]
"""A schema in each spec version that has it."""


def root_schemas(name: str) -> Candidates:
    where = ROOTS[name]
    found: Candidates = []
    for version in VERSIONS:
        if isinstance(where, tuple):
            path, method = where
            schema = spec(version)["paths"][path][method]["responses"][200]["schema"]
            found.append((version, schema))
        elif where in spec(version)["definitions"]:
            found.append((version, {"$ref": f"#/definitions/{where}"}))
    assert found, name
    return found


def resolve(version: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref``\\ s and merge ``allOf`` parts (and the schema's own properties)
    into one object schema."""
    while "$ref" in schema:
        schema = spec(version)["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema:
        parts = [resolve(version, part) for part in schema["allOf"]]
        if len(parts) == 1 and "properties" not in schema:
            return {**schema, **parts[0]}  # a documented alias, e.g. ``Type: allOf: [X]``
        merged: dict[str, Any] = {"type": "object", "properties": {}}
        for part in [*parts, schema]:
            merged["properties"].update(part.get("properties", {}))
        return merged
    return schema


def strip_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        assert len(rest) == 1, annotation
        return rest[0]
    return annotation


@dataclass
class Walk:
    """What a check went through: the shapes, and where each key was looked for."""

    seen: set[str] = field(default_factory=set)
    found: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(shape, key) -> the paths it was missing at, or ``[]`` once found somewhere."""

    def missing(self) -> list[str]:
        return [paths[0] for paths in self.found.values() if paths]


def walk(cls: Any, candidates: Candidates, where: str) -> Walk:
    """Check ``cls`` and everything under it; fail for keys found in no spec version on
    any path to their shape (a shape reached through a field that only one version has,
    such as 1.41's ``ImageInspect.ContainerConfig``, may lack there the newer keys)."""
    done = Walk()
    check(cls, candidates, done, where)
    assert not done.missing(), f"not in the spec: {done.missing()}"
    return done


def check(cls: Any, candidates: Candidates, done: Walk, where: str) -> None:
    """Note whether each key of ``cls`` is a property of the schema in some spec version;
    check its type in every version that has it; recurse into nested shapes."""
    done.seen.add(cls.__name__)
    resolved = [(version, resolve(version, schema)) for version, schema in candidates]
    properties = [(version, schema.get("properties") or {}) for version, schema in resolved]
    assert any(found for _, found in properties), f"{where}: no properties for {cls.__name__}"
    extra = NOT_IN_SPEC.get(cls.__name__, set())
    for key, annotation in typing.get_type_hints(cls).items():
        if key in extra:
            continue
        having = [(version, found[key]) for version, found in properties if key in found]
        paths = done.found.setdefault((cls.__name__, key), [])
        if not having:
            if done.found[(cls.__name__, key)] is not FOUND:
                paths.append(f"{where}.{key}")
            continue
        done.found[(cls.__name__, key)] = FOUND
        check_value(annotation, having, done, f"{where}.{key}")


def check_value(annotation: Any, candidates: Candidates, done: Walk, where: str) -> None:
    annotation = strip_none(annotation)
    schemas = [(version, resolve(version, schema)) for version, schema in candidates]
    origin = get_origin(annotation)
    if is_typeddict(annotation):
        check(annotation, schemas, done, where)
    elif origin is list:
        for version, schema in schemas:
            assert schema.get("type") == "array", f"{where}: {version} has {schema.get('type')}"
        items = [(version, schema["items"]) for version, schema in schemas]
        check_value(get_args(annotation)[0], items, done, f"{where}[]")
    elif origin is dict:
        for version, schema in schemas:
            assert schema.get("type", "object") == "object", f"{where}: {version} {schema}"
        values = [
            (version, schema["additionalProperties"])
            for version, schema in schemas
            if isinstance(schema.get("additionalProperties"), dict)
        ]
        if values and get_args(annotation)[1] is not Any:
            check_value(get_args(annotation)[1], values, done, f"{where}{{}}")
    elif annotation in PRIMITIVES:
        expected = PRIMITIVES[annotation]
        for version, schema in schemas:
            assert schema.get("type") == expected, f"{where}: {expected}, {version} has {schema}"


def test_every_shape_is_a_partial_typeddict_exported_by_name() -> None:
    for name in shapes.__all__:
        cls = getattr(shapes, name)
        assert is_typeddict(cls), name
        assert cls.__name__ == name
        assert cls.__total__ is False, f"{name} should be total=False"


@pytest.mark.parametrize("name", sorted(ROOTS))
def test_keys_and_types_match_the_spec(name: str) -> None:
    walk(getattr(shapes, name), root_schemas(name), name)


def test_every_shape_is_checked_from_some_root() -> None:
    seen: set[str] = set()
    for name in ROOTS:
        seen |= walk(getattr(shapes, name), root_schemas(name), name).seen
    # ImageConfig is ContainerConfig by another name: both are reached through ImageInspect.
    assert set(shapes.__all__) - seen == set()


STATE = [(version, {"$ref": "#/definitions/ContainerState"}) for version in VERSIONS]


def test_the_checker_catches_a_key_the_spec_lacks() -> None:
    class Bogus(typing.TypedDict, total=False):
        Status: str
        Colour: str

    with pytest.raises(AssertionError, match=r"not in the spec: \[.Bogus\.Colour.\]"):
        walk(Bogus, STATE, "Bogus")


def test_the_checker_catches_a_wrong_primitive_type() -> None:
    class Bogus(typing.TypedDict, total=False):
        ExitCode: str

    with pytest.raises(AssertionError, match="ExitCode"):
        walk(Bogus, STATE, "Bogus")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_main_sections_cover_the_whole_definitions(version: str) -> None:
    """The shapes that claim completeness list every property of their definition, in
    every spec version."""
    complete = {
        "ContainerState": "ContainerState",
        "ContainerConfig": "ContainerConfig",
        "HealthConfig": "HealthConfig",
        "HostConfig": "HostConfig",
        "NetworkSettings": "NetworkSettings",
        "EndpointSettings": "EndpointSettings",
        "MountPoint": "MountPoint",
        "ImageInspect": "ImageInspect",
        "ImageSummary": "ImageSummary",
        "Network": "Network",
        "Volume": "Volume",
        "SystemVersion": "SystemVersion",
        "SystemInfo": "SystemInfo",
        "Runtime": "Runtime",
        "EventMessage": "EventMessage",
        "ContainerSummary": "ContainerSummary",
    }
    for name, definition_name in complete.items():
        schema = resolve(version, {"$ref": f"#/definitions/{definition_name}"})
        declared = set(typing.get_type_hints(getattr(shapes, name)))
        missing = set(schema["properties"]) - declared
        assert not missing, f"{name} lacks {sorted(missing)} of {version}"
    for name in ("ContainerInspectResponse", "Network"):
        declared = set(typing.get_type_hints(getattr(shapes, name)))
        for spec_version, schema in root_schemas(name):
            if spec_version == version:
                missing = set(resolve(version, schema)["properties"]) - declared
                assert not missing, f"{name} lacks {sorted(missing)} of {version}"
