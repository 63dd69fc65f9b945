#!/usr/bin/env bash
# Starts a local PostgreSQL for the control plane's test suite and prints a connection URL on
# stdout (everything else goes to stderr). Idempotent: installs Debian's postgresql package if
# missing, creates and starts the cluster if needed, and (re)sets the test role's password.
#
#   export WRENN_TEST_DATABASE_URL=$(bash scripts/ci/start-postgres.sh)
#
# The role may CREATE DATABASE: the test helper makes one database per test file and drops it.
set -euo pipefail

ROLE=${WRENN_PG_ROLE:-wrenn_test}
PASSWORD=${WRENN_PG_PASSWORD:-wrenn_test}

log() { printf '[start-postgres] %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  echo "start-postgres.sh needs root (apt-get, pg_ctlcluster)" >&2
  exit 2
fi

if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
  log "installing postgresql"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
fi

# The newest installed major (15 on Debian 12).
VERSION=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
CLUSTER=main

if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION $CLUSTER"; then
  log "creating cluster $VERSION/$CLUSTER"
  pg_createcluster "$VERSION" "$CLUSTER" >&2
fi

status=$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}')
if [[ $status != online ]]; then
  log "starting cluster $VERSION/$CLUSTER"
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi
PORT=$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $3}')

for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 0.2
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { log "PostgreSQL did not become ready on port $PORT"; exit 1; }

# Role and password are plain identifiers/strings from this script's defaults or the caller.
runuser -u postgres -- psql -q -p "$PORT" -v ON_ERROR_STOP=1 \
  -v role="$ROLE" -v password="$PASSWORD" >&2 <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN CREATEDB PASSWORD %L', :'role', :'password') \gexec
SQL

log "PostgreSQL $VERSION ready on 127.0.0.1:$PORT (role $ROLE)"
echo "postgres://${ROLE}:${PASSWORD}@127.0.0.1:${PORT}/postgres"
