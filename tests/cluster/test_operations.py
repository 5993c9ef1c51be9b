"""Every swarm, node, service, task, secret and config operation of the Engine API was
called by the cluster tests: counted from the calls the daemons logged (``--debug``).

Runs last (see ``conftest.MODULE_ORDER``); run alone, it finds the calls missing.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from .cluster import Cluster

SPEC_TABLE = Path("/work/shared/engine-api/operations-v1.41.tsv")
TAGS = ("Swarm", "Node", "Service", "Task", "Secret", "Config")
# The operations of those tags in API 1.41 (the spec's operation table, checked below).
OPERATIONS = (
    ("GET", "/nodes"),
    ("GET", "/nodes/{id}"),
    ("DELETE", "/nodes/{id}"),
    ("POST", "/nodes/{id}/update"),
    ("GET", "/swarm"),
    ("POST", "/swarm/init"),
    ("POST", "/swarm/join"),
    ("POST", "/swarm/leave"),
    ("POST", "/swarm/update"),
    ("GET", "/swarm/unlockkey"),
    ("POST", "/swarm/unlock"),
    ("GET", "/services"),
    ("POST", "/services/create"),
    ("GET", "/services/{id}"),
    ("DELETE", "/services/{id}"),
    ("POST", "/services/{id}/update"),
    ("GET", "/services/{id}/logs"),
    ("GET", "/tasks"),
    ("GET", "/tasks/{id}"),
    ("GET", "/tasks/{id}/logs"),
    ("GET", "/secrets"),
    ("POST", "/secrets/create"),
    ("GET", "/secrets/{id}"),
    ("DELETE", "/secrets/{id}"),
    ("POST", "/secrets/{id}/update"),
    ("GET", "/configs"),
    ("POST", "/configs/create"),
    ("GET", "/configs/{id}"),
    ("DELETE", "/configs/{id}"),
    ("POST", "/configs/{id}/update"),
)


def matcher(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def count_calls(calls: list[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """How often each operation was called; a literal path wins over a template
    (``POST /services/create`` is not ``POST /services/{id}``)."""
    counts: Counter[tuple[str, str]] = Counter()
    literal = {op for op in OPERATIONS if "{" not in op[1]}
    patterns = [(op, matcher(op[1])) for op in OPERATIONS if "{" in op[1]]
    for method, path in calls:
        if (method, path) in literal:
            counts[(method, path)] += 1
            continue
        for op, pattern in patterns:
            if op[0] == method and pattern.match(path) and not path.endswith("/create"):
                counts[op] += 1
                break
    return counts


def test_the_operation_list_is_the_specs() -> None:
    if not SPEC_TABLE.exists():
        pytest.skip(f"the Engine API operation table is not at {SPEC_TABLE}")
    rows = [line.split("\t") for line in SPEC_TABLE.read_text().splitlines() if line]
    assert sorted((r[0], r[1]) for r in rows if r[3] in TAGS) == sorted(OPERATIONS)


def test_every_swarm_operation_was_called(cluster: Cluster) -> None:
    counts = count_calls(cluster.api_calls())
    report = "\n".join(f"{counts[op]:6d}  {op[0]} {op[1]}" for op in OPERATIONS)
    print(f"calls per operation, from the daemons' logs:\n{report}")  # shown with -rP
    missing = [f"{method} {path}" for method, path in OPERATIONS if not counts[(method, path)]]
    assert not missing, f"never called: {', '.join(missing)}\n{report}"
