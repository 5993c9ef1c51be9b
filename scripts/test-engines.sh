#!/usr/bin/env bash
# The integration and example tests against each engine in turn (ENGINES, default every
# engine scripts/engine.sh knows), each in its own network namespace; one result line per
# engine: its passed / not applicable / failed counts. An engine this script brought up is
# stopped after its run; one that was up already is left up. PYTEST_ARGS go to pytest.
# Exits non-zero when any engine failed or did not come up.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=scripts/engine.sh
logs=${TEST_ENGINES_LOGS:-.engines}
mkdir -p "$logs"
results=()
failed=0
for name in ${ENGINES:-$($engine names)}; do
    log="$logs/$name.log"
    was_up=no
    $engine status "$name" | grep -q ': up,' && was_up=yes
    echo "test-engines: $name"
    if ! $engine up "$name" >"$log" 2>&1; then
        cat "$log"
        results+=("$name: failed (did not come up, see $log)")
        failed=1
        continue
    fi
    rc=0
    # shellcheck disable=SC2086
    $engine exec "$name" .venv/bin/pytest -q -p no:cacheprovider -rfE \
        tests/integration tests/examples ${PYTEST_ARGS:-} 2>&1 | tee -a "$log" || rc=$?
    counts=$(grep -a "^engine $name: " "$log" | tail -n 1 | sed "s/^engine $name: //")
    if [ "$rc" = 0 ]; then
        results+=("$name: passed (${counts:-no counts})")
    else
        results+=("$name: failed, pytest exit $rc (${counts:-no counts}; log: $log)")
        failed=1
    fi
    [ "$was_up" = yes ] || $engine down "$name" >>"$log" 2>&1 || true
done
echo "test-engines: results"
printf '  %s\n' "${results[@]}"
exit "$failed"
