#!/usr/bin/env bash
# `npm start`: install what is missing (and build the admin console when needed), then run Kafka (unless
# KAFKA_BROKERS is set), migrations, gateway and resolver.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/ensure-admin.sh
exec node --import tsx scripts/dev.ts
