#!/usr/bin/env bash
# Runs before `npm test`: installs the project's npm dependencies when a fresh clone has none yet
# (so `npm test` alone works), then the Debian packages of the services the tests start.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund
bash scripts/install-services.sh
