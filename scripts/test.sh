#!/usr/bin/env bash
# What `npm test` (and so CI) runs: services up, typecheck, then every test file
# under test/ with node's own runner.
#
#   npm test                                  everything
#   npm test -- test/unit/foo.test.ts         only the files named
#   npm test -- --test-name-pattern=resume    runner flags pass through too
#
# CDC_SKIP_SERVICES=1 skips scripts/services.sh (pure unit runs on a machine
# where the services are known to be up, or not needed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${CDC_SKIP_SERVICES:-}" != 1 ]; then
  bash scripts/services.sh
fi

npx --no-install tsc --noEmit

flags=()
files=()
for arg in "$@"; do
  case "$arg" in
    -*) flags+=("$arg") ;;
    *) files+=("$arg") ;;
  esac
done
if [ "${#files[@]}" -eq 0 ]; then
  [ -d test ] && mapfile -t files < <(find test -name '*.test.ts' | sort)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "test: no test files (test/**/*.test.ts) found"
  exit 0
fi

# Integration tests share one PostgreSQL, MariaDB, Kafka and mongo; two files at
# a time keeps both cores busy without starving the servers.
exec node --import tsx --test --test-reporter=spec --test-concurrency=2 "${flags[@]}" "${files[@]}"
