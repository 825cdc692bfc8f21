#!/usr/bin/env bash
# `npm start`: install what is missing, then run Kafka (unless KAFKA_BROKERS is set), migrations, gateway and resolver.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
exec node --import tsx scripts/dev.ts
