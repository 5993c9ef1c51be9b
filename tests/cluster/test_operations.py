"""Every swarm, node, service, task, secret and config operation of the Engine API was
called by the cluster tests: counted from the calls the daemons logged (``--debug``).

Runs last (see ``conftest.MODULE_ORDER``); run alone, it finds the calls missing.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from .cluster import Cluster

SPEC_TABLE = Path(__file__).resolve().parents[1] / "spec" / "operations-v1.41.tsv"
TAGS = ("Swarm", "Node", "Service", "Task", "Secret", "Config")


def spec_operations() -> list[tuple[str, str]]:
    """``(method, path)`` of every operation of those tags in API 1.41 (the vendored
    operation table: method, path, operationId, tag, streams)."""
    rows = [line.split("\t") for line in SPEC_TABLE.read_text().splitlines() if line]
    return [(row[0], row[1]) for row in rows if row[3] in TAGS]


OPERATIONS = spec_operations()


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


def test_the_table_has_the_swarm_operations() -> None:
    assert len(OPERATIONS) == 30 and ("POST", "/swarm/join") in OPERATIONS


def test_every_swarm_operation_was_called(cluster: Cluster) -> None:
    counts = count_calls(cluster.api_calls())
    report = "\n".join(f"{counts[op]:6d}  {op[0]} {op[1]}" for op in OPERATIONS)
    print(f"calls per operation, from the daemons' logs:\n{report}")  # shown with -rP
    missing = [f"{method} {path}" for method, path in OPERATIONS if not counts[(method, path)]]
    assert not missing, f"never called: {', '.join(missing)}\n{report}"
