#!/usr/bin/env bash
# Checks demo-app's Prometheus rules (docs/operations.md#the-unit-tests): the syntax of every
# rule file and of prometheus.yml (`promtool check`), then the unit tests in tests/
# (`promtool test rules`, one file per scenario, as many at once as there are cores).
# Prints each command it runs; exits non-zero if any check or test fails.
# Needs promtool: Debian's `prometheus` package (`apt-get install prometheus`).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v promtool >/dev/null 2>&1; then
  echo "check.sh: promtool is not installed (Debian/Ubuntu: apt-get install prometheus)" >&2
  exit 127
fi

run() {
  echo "+ $*"
  "$@"
}

rules=(recording.rules.yml alerts.rules.yml solutions/*.rules.yml)
tests=(tests/*.test.yml)

echo "$(promtool --version 2>&1 | head -1), in $(pwd)"
run promtool check rules "${rules[@]}"
run promtool check config prometheus.yml

# Each test file replays days of samples (a few seconds to half a minute each): run them
# side by side, then print each one's output in order.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
printf '%s\n' "${tests[@]}" |
  xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} \
    sh -c 'promtool test rules "$1" > "$2/$(basename "$1").log" 2>&1; echo $? > "$2/$(basename "$1").rc"' _ {} "$logs"
passed=0
failed=0
for test in "${tests[@]}"; do
  echo "+ promtool test rules $test"
  cat "$logs/$(basename "$test").log"
  if [ "$(cat "$logs/$(basename "$test").rc")" = 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
echo "promtool: $passed passed, $failed failed"
[ "$failed" = 0 ]
