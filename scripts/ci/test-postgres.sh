#!/usr/bin/env bash
# Runs the control plane's test suite against a real PostgreSQL (installed and started by
# start-postgres.sh if needed) instead of the in-memory PGlite that `npm test` uses.
# Extra arguments go to vitest, e.g. `npm run test:postgres -- --reporter=json --outputFile=x.json`.
set -euo pipefail
cd "$(dirname "$0")/../.."

WRENN_TEST_DATABASE_URL=$(bash scripts/ci/start-postgres.sh)
export WRENN_TEST_DATABASE_URL
exec npx vitest run --project control-plane "$@"
