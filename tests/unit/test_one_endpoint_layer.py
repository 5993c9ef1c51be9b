"""One layer knows each endpoint: no endpoint path in ``aiodock/api/``, and no request
(method and path) spelled in two modules of ``aiodock/``.

Paths are read from the sources' syntax trees: string literals and f-strings starting with
an endpoint prefix, placeholders normalised to ``{}`` (``f"/containers/{path_id(x)}/start"``
and ``"/containers/{id}/start"`` are the same path). An f-string that starts with a
module's own path helper (``f"{self._path}/start"``, where ``_path`` returns
``f"/containers/{...}"``) is read with the helper's path in front. The method is the first
argument of the call the path is passed to (or of the calls a variable holding it is
passed to); where none is found it is ``*``, which clashes with any method. Dict keys
and comparison operands (tables and tests of path prefixes) are no requests.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "aiodock"
PREFIXES = (
    "containers images build exec networks volumes swarm services tasks nodes secrets "
    "configs plugins system events info version auth distribution commit session _ping"
).split()
ENDPOINT = re.compile(r"^/(?:" + "|".join(re.escape(p) for p in PREFIXES) + r")(?=$|[/?{])")
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"})
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class Found:
    module: str
    line: int
    method: str
    path: str


def _normalise(text: str) -> str:
    path = PLACEHOLDER.sub("{}", text.split("?", 1)[0])
    return path.rstrip("/") or "/"


def _not_requests(tree: ast.AST) -> set[int]:
    """ids of the string nodes that name no request: docstrings and bare string
    statements, dict keys (tables of path prefixes) and comparison operands."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            out.add(id(node.value))
        elif isinstance(node, ast.Dict):
            out.update(id(key) for key in node.keys if key is not None)
        elif isinstance(node, ast.Compare):
            out.update(id(operand) for operand in (node.left, *node.comparators))
    return out


def _helper_name(node: ast.expr) -> str | None:
    """``self._path``, ``_path``, ``_archive_path(c)``, ``self._path()``: the name."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


class _Module:
    def __init__(self, path: Path) -> None:
        self.name = path.relative_to(PACKAGE.parent).as_posix()
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.skip = _not_requests(self.tree)
        self.parents: dict[int, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
        self.helpers = self._helpers()

    def _text(self, node: ast.expr, helpers: dict[str, str]) -> str | None:
        """The literal text of a string or f-string (placeholders as ``{}``), else None."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if not isinstance(node, ast.JoinedStr):
            return None
        parts: list[str] = []
        for index, value in enumerate(node.values):
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                name = _helper_name(value.value) if index == 0 else None
                parts.append(helpers.get(name or "", "{}"))
        return "".join(parts)

    def _helpers(self) -> dict[str, str]:
        """Names (functions, properties, assignments) whose value is one endpoint path."""
        found: dict[str, str] = {}
        for node in ast.walk(self.tree):
            value: ast.expr | None = None
            name: str | None = None
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                returns = [n for n in ast.walk(node) if isinstance(n, ast.Return) and n.value]
                if len(returns) == 1:
                    name, value = node.name, returns[0].value
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                name, value = _helper_name(node.targets[0]), node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                name, value = _helper_name(node.target), node.value
            if name is None or value is None:
                continue
            text = self._text(value, {})
            if text is not None and ENDPOINT.match(text):
                found[name] = text
        return found

    def _enclosing(self, node: ast.AST) -> ast.AST:
        current = node
        while id(current) in self.parents:
            current = self.parents[id(current)]
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return current
        return self.tree

    def _methods(self, node: ast.expr) -> set[str]:
        """The HTTP methods the path ``node`` is requested with, as far as the code says."""
        parent = self.parents.get(id(node))
        if isinstance(parent, ast.Call) and node in parent.args[1:]:
            first = parent.args[0]
            if isinstance(first, ast.Constant) and first.value in METHODS:
                return {str(first.value)}
        targets: list[str] = []
        if isinstance(parent, ast.Assign):
            targets = [t.id for t in parent.targets if isinstance(t, ast.Name)]
        elif isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name):
            targets = [parent.target.id]
        methods: set[str] = set()
        if targets:
            for call in ast.walk(self._enclosing(node)):
                if not isinstance(call, ast.Call) or len(call.args) < 2:
                    continue
                first, second = call.args[0], call.args[1]
                if (
                    isinstance(first, ast.Constant)
                    and first.value in METHODS
                    and isinstance(second, ast.Name)
                    and second.id in targets
                ):
                    methods.add(str(first.value))
        return methods or {"*"}

    def endpoints(self) -> list[Found]:
        out: list[Found] = []
        nested: set[int] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.JoinedStr):
                nested.update(id(v) for v in ast.walk(node) if v is not node)
        for node in ast.walk(self.tree):
            if id(node) in self.skip or id(node) in nested:
                continue
            if not isinstance(node, (ast.Constant, ast.JoinedStr)):
                continue
            text = self._text(node, self.helpers)
            if text is None or not ENDPOINT.match(text):
                continue
            for method in sorted(self._methods(node)):
                out.append(Found(self.name, node.lineno, method, _normalise(text)))
        return out


def _all_endpoints() -> list[Found]:
    found: list[Found] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found.extend(_Module(path).endpoints())
    return found


ENDPOINTS = _all_endpoints()


def test_the_scanner_sees_the_package() -> None:
    """The scan finds what it must (so that an empty result cannot pass unseen)."""
    seen = {(f.method, f.path) for f in ENDPOINTS}
    assert ("POST", "/containers/create") in seen
    assert ("POST", "/containers/{}/start") in seen  # through Container._path
    assert ("GET", "/containers/{}/logs") in seen  # through a variable
    assert ("POST", "/build") in seen
    assert len(seen) > 80


def test_the_scanner_normalises_and_resolves(tmp_path: Path) -> None:
    source = (
        "class C:\n"
        "    @property\n"
        "    def _path(self):\n"
        '        return f"/containers/{quote(self.id)}"\n'
        "    async def go(self, t):\n"
        '        """GET /containers/{id}/json is a docstring."""\n'
        '        await t.call("POST", f"{self._path}/kill", params={"s": 1})\n'
        '        path = "/containers/{id}/top?x=1"\n'
        '        await t.json("GET", path)\n'
        '        return "/containersx"\n'
    )
    file = PACKAGE / "_scanner_probe_.py"
    try:
        file.write_text(source, encoding="utf-8")
        found = {(f.method, f.path) for f in _Module(file).endpoints()}
    finally:
        file.unlink()
    assert found == {("*", "/containers/{}"), ("POST", "/containers/{}/kill"),
                     ("GET", "/containers/{}/top")}  # fmt: skip


def test_no_endpoint_in_the_api_package() -> None:
    inside = [f for f in ENDPOINTS if f.module.startswith("aiodock/api/")]
    assert not inside, "aiodock/api/ must reach endpoints through the managers: " + ", ".join(
        f"{f.module}:{f.line} {f.method} {f.path}" for f in inside
    )


def _clashes(endpoints: list[Found]) -> dict[tuple[str, str, str], list[str]]:
    by_path: dict[str, list[Found]] = defaultdict(list)
    for found in endpoints:
        by_path[found.path].append(found)
    problems: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for path, places in sorted(by_path.items()):
        for i, a in enumerate(places):
            for b in places[i + 1 :]:
                same_method = a.method == b.method or "*" in (a.method, b.method)
                if same_method and a.module != b.module:
                    first, second = sorted((a.module, b.module))
                    problems[(path, first, second)].append(
                        f"{path}: {a.module}:{a.line} ({a.method}) and "
                        f"{b.module}:{b.line} ({b.method})"
                    )
    return problems


def test_each_request_is_spelled_in_one_module() -> None:
    problems = [line for key, lines in _clashes(ENDPOINTS).items() for line in lines]
    assert not problems, "requests spelled in two modules:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("a", "b", "clash"),
    [
        (("x.py", "GET"), ("y.py", "GET"), True),
        (("x.py", "GET"), ("y.py", "POST"), False),
        (("x.py", "*"), ("y.py", "POST"), True),
        (("x.py", "GET"), ("x.py", "GET"), False),
    ],
)
def test_clash_rules(a: tuple[str, str], b: tuple[str, str], clash: bool) -> None:
    found = [Found(a[0], 1, a[1], "/images/{}/json"), Found(b[0], 2, b[1], "/images/{}/json")]
    assert bool(_clashes(found)) is clash
