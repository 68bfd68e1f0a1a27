#!/usr/bin/env bash
# npm run test:versions: the capture modes on every server of the version matrix (docs/versions.md).
#   1. scripts/versions.sh starts the old servers (downloads once), services.sh Kafka and Redis;
#   2. test/versions/*.versions.ts (one file per server, test/versions/matrix.ts): trigger,
#      snapshot, poll and log capture;
#   3. the PostgreSQL type-fidelity suite, unchanged, against each old PostgreSQL server.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/services.sh kafka redis
bash scripts/versions.sh

node --import tsx --test --test-reporter=spec --test-concurrency=1 --test-timeout=900000 test/versions/*.versions.ts

for port in 54310 54311 54312; do
  echo "# type fidelity on the PostgreSQL server at 127.0.0.1:$port"
  CDC_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres" \
    node --import tsx --test --test-reporter=spec --test-timeout=600000 test/integration/postgres-type-fidelity.test.ts
done
