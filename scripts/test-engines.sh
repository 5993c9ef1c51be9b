#!/usr/bin/env bash
# The integration and example tests against each engine (ENGINES, default every engine
# scripts/engine.sh knows), each in its own network namespace, up to ENGINE_JOBS engines
# at a time (default 1; the suites of different engines share nothing). Each engine's
# output goes to .engines/NAME.log; at the end, each one's failures and its result line:
# passed / not applicable / failed counts. An engine this script brought up is stopped
# after its run; one that was up already is left up. PYTEST_ARGS go to pytest.
# Exits non-zero when any engine failed or did not come up.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=scripts/engine.sh
logs=${TEST_ENGINES_LOGS:-.engines}
mkdir -p "$logs"
names=${ENGINES:-$($engine names)}
# The buildx plugin the BuildKit export tests compare with: fetched here, since the tests
# run inside the engines' network namespaces, which reach no package archive.
scripts/get-buildx.sh >/dev/null

run_one() {
    local name=$1 log="$logs/$1.log" result="$logs/$1.result" was_up=no rc=0 counts started
    started=$SECONDS
    $engine status "$name" | grep -q ': up,' && was_up=yes
    if ! $engine up "$name" >"$log" 2>&1; then
        echo "$name: failed (did not come up, see $log)" >"$result"
        return
    fi
    # shellcheck disable=SC2086
    # (hypothesis's plugin is for the unit tests; here it trips CPython 3.11's AST check)
    $engine exec "$name" .venv/bin/pytest -q -p no:cacheprovider -p no:hypothesispytest -rfE \
        tests/integration tests/examples ${PYTEST_ARGS:-} >>"$log" 2>&1 || rc=$?
    counts=$(grep -a "^engine $name: " "$log" | tail -n 1 | sed "s/^engine $name: //")
    if [ "$rc" = 0 ]; then
        echo "$name: passed (${counts:-no counts}) in $((SECONDS - started)) s" >"$result"
    else
        echo "$name: failed, pytest exit $rc (${counts:-no counts}; $log)" >"$result"
    fi
    [ "$was_up" = yes ] || $engine down "$name" >>"$log" 2>&1 || true
}

for name in $names; do
    rm -f "$logs/$name.result"
    while [ "$(jobs -rp | wc -l)" -ge "${ENGINE_JOBS:-1}" ]; do
        wait -n || true
    done
    echo "test-engines: $name started (log: $logs/$name.log)"
    run_one "$name" &
done
wait

failed=0
for name in $names; do
    echo "test-engines: $name"
    # its failures, from pytest's short summary on (else the log's end)
    if grep -aq 'short test summary info' "$logs/$name.log"; then
        sed -n '/short test summary info/,$p' "$logs/$name.log" | grep -av "^engine $name: "
    else
        tail -n 3 "$logs/$name.log"
    fi
    grep -q ': passed (' "$logs/$name.result" 2>/dev/null || failed=1
done
echo "test-engines: results"
for name in $names; do
    echo "  $(cat "$logs/$name.result" 2>/dev/null || echo "$name: failed (no result)")"
done
exit "$failed"
