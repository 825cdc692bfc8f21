#!/usr/bin/env bash
# `npm test`: install what is missing, typecheck, then unit and integration tests against real Kafka and Postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npx tsc -p tsconfig.json --noEmit
exec npx mocha "$@"
