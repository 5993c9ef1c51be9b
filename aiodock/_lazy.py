"""Module attributes imported on first access (PEP 562), so ``import aiodock`` stays cheap."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(
    namespace: dict[str, Any], sources: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module's ``__getattr__`` and ``__dir__`` (pass it ``globals()``): a name of
    ``sources`` (name to relative module) is imported from its module on first access and
    kept in ``namespace``; in a package any other name is tried as a submodule, as an eager
    package would already have imported it."""
    module_name = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        source = sources.get(name)
        if source is not None:
            value = getattr(importlib.import_module(source, namespace["__package__"]), name)
            namespace[name] = value
            return value
        if "__path__" in namespace and not name.startswith("__"):
            try:
                return importlib.import_module(f"{module_name}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{module_name}.{name}":
                    raise
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*namespace, *sources})

    return __getattr__, __dir__
