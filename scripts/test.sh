#!/usr/bin/env bash
# `npm test`: install what is missing (npm packages; Chromium and Dovecot for the browser and IMAP tests),
# typecheck, build the admin console when its sources changed, then unit and integration tests against real
# Kafka, PostgreSQL, Dovecot and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/ensure-test-peers.sh
npx tsc -p tsconfig.json --noEmit
npx tsc -p admin/tsconfig.json
bash scripts/ensure-admin.sh
exec npx mocha "$@"
