#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json. Dev dependencies are
# included whatever NODE_ENV says: `npm start` and `npm test` run TypeScript through tsx, a dev dependency, and
# servers often have NODE_ENV=production set (which makes `npm ci` leave dev dependencies out).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm dependencies (npm ci)…" >&2
  npm ci --include=dev --no-audit --no-fund
fi
