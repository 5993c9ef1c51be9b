"""Every module of the package imports on its own, in a fresh interpreter.

Each module is the first one imported there: the package root is replaced by a bare
package object, so that a circular import between two modules fails whichever of them a
program reaches first, not only in the order ``aiodock/__init__.py`` happens to use.
The root itself is imported the ordinary way.
"""

from __future__ import annotations

import importlib.util
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

PROBE = """
import importlib, importlib.util, sys, types

name = sys.argv[1]
if name != "aiodock":
    spec = importlib.util.find_spec("aiodock")
    root = types.ModuleType("aiodock")
    root.__path__ = list(spec.submodule_search_locations)
    root.__spec__ = spec
    sys.modules["aiodock"] = root
importlib.import_module(name)
"""


def _module_names(path: list[str], prefix: str) -> Iterator[str]:
    for info in pkgutil.iter_modules(path, prefix):
        yield info.name
        if info.ispkg:
            directory = getattr(info.module_finder, "path", "")
            yield from _module_names(
                [os.path.join(directory, info.name.rpartition(".")[2])], info.name + "."
            )


def _package_modules() -> list[str]:
    spec = importlib.util.find_spec("aiodock")
    assert spec is not None and spec.submodule_search_locations is not None
    return ["aiodock", *_module_names(list(spec.submodule_search_locations), "aiodock.")]


MODULES = _package_modules()


@pytest.fixture(scope="module")
def imports() -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """One fresh interpreter a module, a few running at once."""

    def probe(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", PROBE, name],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        yield {name: pool.submit(probe, name) for name in MODULES}


def test_the_package_has_the_modules_it_is_known_by() -> None:
    assert {"aiodock", "aiodock.containers", "aiodock.types.swarm"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_first_in_a_fresh_interpreter(
    name: str, imports: dict[str, Future[subprocess.CompletedProcess[str]]]
) -> None:
    result = imports[name].result()
    assert result.returncode == 0, f"import {name} failed:\n{result.stderr}"
