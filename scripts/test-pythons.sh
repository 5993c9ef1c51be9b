#!/usr/bin/env bash
# The tests again on the oldest and newest Pythons aiodock supports (PYTHONS, default
# "3.10 3.13"), each in its own .venv-X.Y, when this machine has them (on PATH, or as pyenv
# versions); a version that is not here is reported and skipped. TESTS says which (default
# the unit tests: CI's time goes to the integration tests on every engine instead).
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local version=$1 candidate
    for candidate in "python$version" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/"python$version"; do
        if "$candidate" -c 'import sys' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

for version in ${PYTHONS:-3.10 3.13}; do
    if ! python=$(find_python "$version"); then
        echo "test-pythons: no Python $version on this machine, skipped"
        continue
    fi
    venv=".venv-$version"
    stamp="$venv/.installed-stamp"
    if [[ ! -e $stamp || pyproject.toml -nt $stamp || aiodock/_speedups.c -nt $stamp || $0 -nt $stamp ]]; then
        "$python" -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check -e '.[test,buildkit,rich]'
        touch "$stamp"
    fi
    echo "test-pythons: $("$venv/bin/python" --version)"
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pytest -q -p no:cacheprovider ${TESTS:-tests/unit}
done
