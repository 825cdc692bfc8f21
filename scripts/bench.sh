#!/usr/bin/env bash
# `npm run bench`: build, then measure against a local Kafka (or KAFKA_BROKERS) and the local PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run --silent build
exec node --import tsx bench/run.ts "$@"
