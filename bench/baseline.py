"""``--baseline GITREF``: aiodock as it was at GITREF, measured in the same run as the current code.

The ref is checked out in a temporary git worktree (removed at the end), its C extension
built in place there as ``pip install`` would build it (the ``ext-modules`` its
``pyproject.toml`` declares, compiled by setuptools' ``build_ext``), and its workers run
with that checkout as working directory and ``PYTHONPATH``, so that both ``aiodock`` and
``bench.worker`` come from the old tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Run inside the checkout: builds what its pyproject.toml declares, beside the sources.
_BUILD = """
try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
from setuptools import Distribution, Extension
with open("pyproject.toml", "rb") as f:
    declared = tomllib.load(f).get("tool", {}).get("setuptools", {}).get("ext-modules", [])
modules = [
    Extension(m["name"], m["sources"], extra_compile_args=m.get("extra-compile-args", []))
    for m in declared
]
if modules:
    dist = Distribution({"ext_modules": modules})
    dist.get_command_obj("build_ext").inplace = True
    dist.run_command("build_ext")
print(" ".join(m.name for m in modules))
"""
# Run inside the checkout as its workers are: imports the built modules, says where aiodock is.
_CHECK = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
import aiodock
print(aiodock.__file__)
"""


@dataclass(frozen=True)
class Checkout:
    ref: str
    commit: str
    path: Path

    @property
    def side(self) -> str:
        return f"aiodock@{self.commit[:7]}"

    def env(self) -> dict[str, str]:
        return {"PYTHONPATH": str(self.path)}


def _run(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)[:200]} failed: {done.stderr.decode()[-2000:]}")
    return done.stdout.decode().strip()


def _git(repo: Path, *args: str) -> str:
    return _run(["git", "-C", str(repo), *args])


def describe_current(repo: Path) -> str:
    """``HEAD``'s short commit, and whether ``aiodock/`` has uncommitted changes."""
    head = _git(repo, "rev-parse", "--short", "HEAD")
    changed = _git(repo, "status", "--porcelain", "--", "aiodock").splitlines()
    return head + (
        f" with uncommitted changes to {len(changed)} file(s) of aiodock/" if changed else ""
    )


@contextmanager
def checkout(repo: Path, ref: str) -> Iterator[Checkout]:
    """A built checkout of ``ref`` in a temporary worktree of ``repo``."""
    commit = _git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}")
    path = Path(tempfile.mkdtemp(prefix="aiodock-baseline-"))
    try:
        _git(repo, "worktree", "add", "--detach", str(path), commit)
        here = Checkout(ref, commit, path)
        modules = _run([sys.executable, "-c", _BUILD], cwd=path).split()
        # What its workers will import: the old tree, C modules included (not optional here).
        found = _run([sys.executable, "-c", _CHECK, *modules], path, {**os.environ, **here.env()})
        if not Path(found).is_relative_to(path):
            raise RuntimeError(f"the baseline's workers would import aiodock from {found}")
        yield here
    finally:
        remove = ["git", "-C", str(repo), "worktree", "remove", "--force", str(path)]
        subprocess.run(remove, capture_output=True)
        shutil.rmtree(path, ignore_errors=True)
