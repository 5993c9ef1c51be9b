"""The TypedDicts of ``aiodock.shapes`` against the Engine API specification: every key
they declare exists in the spec's schema, with the same primitive type, all the way down."""

from __future__ import annotations

import functools
import types
import typing
from pathlib import Path
from typing import Any, Union, get_args, get_origin, is_typeddict

import pytest
import yaml

from aiodock import shapes

SPEC_DIR = Path(__file__).resolve().parents[1] / "spec"

# Keys the daemon sends that the specification leaves out (checked by the integration test).
NOT_IN_SPEC: dict[str, set[str]] = {"EventMessage": {"status", "id", "from"}}

PRIMITIVES = {str: "string", int: "integer", bool: "boolean", float: "number"}


@functools.cache
def spec(version: str) -> dict[str, Any]:
    with (SPEC_DIR / f"swagger-v{version}.yaml").open() as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


# Each top-level shape and the schema it mirrors. 1.41 documents the stats object only by
# an example, so the stats shapes are checked against the newest spec's definitions.
ROOTS: dict[str, tuple[str, Any]] = {
    "ContainerInspectResponse": ("1.41", ("response", "/containers/{id}/json", "get")),
    "ExecInspectResponse": ("1.41", ("response", "/exec/{id}/json", "get")),
    "ContainerSummary": ("1.41", "ContainerSummary"),
    "ContainerWaitResponse": ("1.41", "ContainerWaitResponse"),
    "ImageInspect": ("1.41", "ImageInspect"),
    "ImageSummary": ("1.41", "ImageSummary"),
    "Network": ("1.41", "Network"),
    "Volume": ("1.41", "Volume"),
    "SystemVersion": ("1.41", "SystemVersion"),
    "SystemInfo": ("1.41", "SystemInfo"),
    "EventMessage": ("1.41", "EventMessage"),
    "ContainerStats": ("1.56", "ContainerStatsResponse"),
}


def root_schema(name: str) -> tuple[str, dict[str, Any]]:
    version, where = ROOTS[name]
    if isinstance(where, tuple):
        _, path, method = where
        return version, spec(version)["paths"][path][method]["responses"][200]["schema"]
    return version, {"$ref": f"#/definitions/{where}"}


def resolve(version: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref``\\ s and merge ``allOf`` parts into one object schema."""
    while "$ref" in schema:
        schema = spec(version)["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema:
        parts = [resolve(version, part) for part in schema["allOf"]]
        if len(parts) == 1:  # a documented alias, e.g. ``Type: allOf: [MountType]``
            return {**schema, **parts[0]}
        merged: dict[str, Any] = {"type": "object", "properties": {}}
        for part in parts:
            merged["properties"].update(part.get("properties", {}))
        return merged
    return schema


def strip_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        assert len(rest) == 1, annotation
        return rest[0]
    return annotation


def check(cls: Any, version: str, schema: dict[str, Any], seen: set[str], where: str) -> None:
    """Every key of ``cls`` is a property of ``schema``; recurse into nested shapes."""
    seen.add(cls.__name__)
    schema = resolve(version, schema)
    properties = schema.get("properties") or {}
    assert properties, f"{where}: the spec has no properties for {cls.__name__}"
    extra = NOT_IN_SPEC.get(cls.__name__, set())
    for key, annotation in typing.get_type_hints(cls).items():
        if key in extra:
            continue
        assert key in properties, f"{where}.{key}: not in the spec ({cls.__name__})"
        check_value(annotation, version, properties[key], seen, f"{where}.{key}")


def check_value(
    annotation: Any, version: str, schema: dict[str, Any], seen: set[str], where: str
) -> None:
    annotation = strip_none(annotation)
    schema = resolve(version, schema)
    origin = get_origin(annotation)
    if is_typeddict(annotation):
        check(annotation, version, schema, seen, where)
    elif origin is list:
        assert schema.get("type") == "array", f"{where}: the spec has {schema.get('type')}"
        check_value(get_args(annotation)[0], version, schema["items"], seen, f"{where}[]")
    elif origin is dict:
        assert schema.get("type", "object") == "object", f"{where}: spec {schema.get('type')}"
        value_type = get_args(annotation)[1]
        values = schema.get("additionalProperties")
        if isinstance(values, dict) and value_type is not Any:
            check_value(value_type, version, values, seen, f"{where}{{}}")
    elif annotation in PRIMITIVES:
        expected = PRIMITIVES[annotation]
        assert schema.get("type") == expected, f"{where}: {expected} here, spec {schema}"


def test_every_shape_is_a_partial_typeddict_exported_by_name() -> None:
    for name in shapes.__all__:
        cls = getattr(shapes, name)
        assert is_typeddict(cls), name
        assert cls.__name__ == name
        assert cls.__total__ is False, f"{name} should be total=False"


@pytest.mark.parametrize("name", sorted(ROOTS))
def test_keys_and_types_match_the_spec(name: str) -> None:
    version, schema = root_schema(name)
    check(getattr(shapes, name), version, schema, set(), name)


def test_every_shape_is_checked_from_some_root() -> None:
    seen: set[str] = set()
    for name in ROOTS:
        version, schema = root_schema(name)
        check(getattr(shapes, name), version, schema, seen, name)
    # ImageConfig is ContainerConfig by another name: both are reached through ImageInspect.
    assert set(shapes.__all__) - seen == set()


def test_the_checker_catches_a_key_the_spec_lacks() -> None:
    class Bogus(typing.TypedDict, total=False):
        Status: str
        Colour: str

    with pytest.raises(AssertionError, match="Colour: not in the spec"):
        check(Bogus, "1.41", {"$ref": "#/definitions/ContainerState"}, set(), "Bogus")


def test_the_checker_catches_a_wrong_primitive_type() -> None:
    class Bogus(typing.TypedDict, total=False):
        ExitCode: str

    with pytest.raises(AssertionError, match="ExitCode"):
        check(Bogus, "1.41", {"$ref": "#/definitions/ContainerState"}, set(), "Bogus")


def test_the_main_sections_cover_the_whole_definitions() -> None:
    """The shapes that claim completeness list every property of their definition."""
    complete = {
        "ContainerState": "ContainerState",
        "ContainerConfig": "ContainerConfig",
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
        "EventMessage": "EventMessage",
        "ContainerSummary": "ContainerSummary",
    }
    for name, definition_name in complete.items():
        schema = resolve("1.41", {"$ref": f"#/definitions/{definition_name}"})
        declared = set(typing.get_type_hints(getattr(shapes, name)))
        missing = set(schema["properties"]) - declared
        assert not missing, f"{name} lacks {sorted(missing)}"
    _, inspect = root_schema("ContainerInspectResponse")
    declared = set(typing.get_type_hints(shapes.ContainerInspectResponse))
    assert set(inspect["properties"]) <= declared
