#!/usr/bin/env bash
# Builds the admin console (admin/ → admin/dist, served by the gateway at /admin) when it is missing or older
# than its sources. `npm start` and `npm test` run it; `npm run build` always builds it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f admin/dist/index.html ] \
  || [ -n "$(find admin/src admin/index.html admin/vite.config.ts package-lock.json -newer admin/dist/index.html -print -quit)" ]; then
  echo "building the admin console (vite)…" >&2
  npx vite build --config admin/vite.config.ts
fi
